// Prints the module offset of the return address into three inlined functions; the symbol tests
// expand it. Keep the line numbers: tests check them.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>

__attribute__((noinline)) void record(void) {
  void *address = __builtin_return_address(0);
  Dl_info info;
  struct link_map *map = NULL;
  dladdr1(address, &info, (void **)&map, RTLD_DL_LINKMAP);
  printf("%lx\n", (unsigned long)((char *)address - (char *)map->l_addr));
}

static inline void grow(void) { record(); __asm__ volatile("" ::: "memory"); }
static inline void middle(void) { grow(); __asm__ volatile("" ::: "memory"); }
__attribute__((noinline)) void outer(void) { middle(); __asm__ volatile("" ::: "memory"); }

int main(void) {
  outer();
  return 0;
}
