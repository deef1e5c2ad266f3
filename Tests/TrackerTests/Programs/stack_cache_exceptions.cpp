// stack_cache_exceptions.cpp — C++ allocations around exceptions, for the stack-cache verify mode.
//
// Build: g++ -g -O2 stack_cache_exceptions.cpp -o stack_cache_exceptions   (also clang++, -O0)
// Run:   WORKSHOP_TRACKER_VERIFY_STACK_CACHE=1 WORKSHOP_CAPTURE=x.bin LD_PRELOAD=... ./stack_cache_exceptions
//
// new/delete, std::vector/std::string/std::map growth, exceptions thrown through recursive frames
// (__cxa_allocate_exception mallocs; unwinding runs destructors that free), at varying depths.
// Prints a checksum.
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct Holder {
  std::vector<int> data;
  explicit Holder(int n) : data(static_cast<size_t>(n), n) {}
};

__attribute__((noinline)) int dive(int depth, int value) {
  auto holder = std::make_unique<Holder>(depth + 1);
  if (depth == 0) {
    if (value % 4 == 0)
      throw std::runtime_error("value " + std::to_string(value));
    return static_cast<int>(holder->data.size());
  }
  return dive(depth - 1, value) + static_cast<int>(holder->data.size());
}

__attribute__((noinline)) int containers(int n) {
  std::vector<std::string> strings;
  std::map<int, std::string> map;
  for (int i = 0; i < n; i++) {
    strings.push_back("string number " + std::to_string(i));
    map[i % 17] = strings.back();
  }
  return static_cast<int>(strings.size() + map.size());
}

int main() {
  long checksum = 0;
  for (int round = 0; round < 300; round++) {
    for (int value = 0; value < 40; value++) {
      try {
        checksum += dive(value % 9, value);
      } catch (const std::exception &error) {
        checksum += static_cast<long>(std::string(error.what()).size());
      }
    }
    checksum += containers(50 + round % 13);
  }
  std::printf("%ld\n", checksum);
  return 0;
}
