/*
 * early_library.c — a shared library that allocates in its constructor, which the dynamic loader
 * runs before the preloaded tracker's own constructor (the program depends on this library; the
 * tracker does not). Like libstdc++'s emergency pool or the Swift runtime's start-up.
 *
 * Its constructor mallocs 12,345 B (kept until exit: a leak) and 2,000 B (freed at once).
 */
#include <stdlib.h>

void *early_block;

__attribute__((constructor)) static void allocate_early(void) {
  early_block = malloc(12345);
  free(malloc(2000));
}

void *early_library_block(void) { return early_block; }
