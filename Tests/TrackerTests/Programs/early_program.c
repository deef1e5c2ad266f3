/*
 * early_program.c — linked against early_library.c (see there). Itself mallocs 100 B and frees
 * it; it writes with write(), since printf would allocate its buffer. Exact truth: 3 allocations (12,345 + 2,000 + 100 B), 2 frees, peak 14,345 B (the
 * library's two blocks), 12,345 B leaked in 1 block.
 */
#include <stdlib.h>
#include <unistd.h>

void *early_library_block(void);

int main(void) {
  void *block = malloc(100);
  if (write(STDOUT_FILENO, early_library_block() ? "1\n" : "0\n", 2) != 2)
    return 1;
  free(block);
  return 0;
}
