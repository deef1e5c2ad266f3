// The peak is one block allocated inside two inlined functions. Keep the line numbers: the report
// tests check them.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline char *grow(size_t size) { return malloc(size); }
static inline char *middle(size_t size) { return grow(size * 2); }
__attribute__((noinline)) char *outer(size_t size) {
  char *block = middle(size);
  __asm__ volatile("" ::: "memory");
  return block;
}

int main(void) {
  char *block = outer(1 << 20);
  memset(block, 1, 2 << 20);
  free(block);
  char *small = malloc(100);
  printf("%d\n", block != NULL);
  free(small);
  return 0;
}
