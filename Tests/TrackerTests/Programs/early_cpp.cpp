// early_cpp.cpp — a C++ program whose runtime allocates before the tracker's constructor runs
// (libstdc++'s emergency exception pool), then a vector and a string of its own.
#include <cstdio>
#include <string>
#include <vector>

int main() {
  std::vector<long> numbers(5000, 7);
  std::string text(3000, 'x');
  std::printf("%zu %zu\n", numbers.size(), text.size());
  return 0;
}
