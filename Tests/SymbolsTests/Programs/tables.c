// Functions of every kind a symbol table holds, for the tests that name addresses from it: built
// without debug information (and stripped to its dynamic symbols), its names must be the ones
// llvm-symbolizer gives.
#include <stdio.h>
#include <stdlib.h>

static int local_helper(int value) { return value * 3 + (value & 1); }
static __attribute__((noinline)) int local_loop(int count) {
  int sum = 0;
  for (int index = 0; index < count; index++) sum += local_helper(index);
  return sum;
}
__attribute__((noinline)) int exported_sum(int count) { return local_loop(count) + 1; }
// Two names for one function: the table has both at the same address and size.
int exported_alias(int count) __attribute__((alias("exported_sum")));
__attribute__((weak, noinline)) void *weak_allocate(size_t size) { return malloc(size); }
int shared_value = 7;

int main(int argc, char **argv) {
  (void)argv;
  void *block = weak_allocate((size_t)argc * 16);
  printf("%d %d\n", exported_alias(argc + shared_value), local_loop(argc));
  free(block);
  return 0;
}
