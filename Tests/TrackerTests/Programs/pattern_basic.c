/*
 * pattern_basic.c — every hooked allocator function once, with a known peak and known leaks.
 *
 * Build: cc -g -O1 -fno-builtin pattern_basic.c -o pattern_basic   (prints nothing)
 *
 * Exact truth of the capture:
 *   allocations 11: malloc 100, calloc 10x20=200, realloc(NULL) 50, realloc 50->500,
 *                   posix_memalign 256, aligned_alloc 384, reallocarray(NULL) 10x30=300,
 *                   reallocarray 300->20x30=600, memalign 1000, valloc 4000, pvalloc 100
 *   frees 8: 3 of kind realloc (realloc 50->500, reallocarray 300->600, realloc(p, 0) of the
 *            500 block) and 5 of kind free (100, 200, 1000, 4000, 100)
 *   peak 7140 bytes (after pvalloc: 100+200+500+256+384+600+1000+4000+100)
 *   leaked 1240 bytes in 3 blocks: posix_memalign 256, aligned_alloc 384, reallocarray 600
 *   Not recorded: free(NULL), malloc(SIZE_MAX) (fails), posix_memalign with alignment 3 (fails).
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

/* Stores every pointer, so the compiler cannot drop a malloc/free pair. */
void *volatile keep[16];

int main(void) {
  keep[0] = malloc(100);
  keep[1] = calloc(10, 20);
  keep[2] = realloc(NULL, 50);
  keep[2] = realloc(keep[2], 500);
  void *aligned = NULL;
  if (posix_memalign(&aligned, 64, 256) != 0)
    return 1;
  keep[3] = aligned;
  keep[4] = aligned_alloc(128, 384);
  keep[5] = reallocarray(NULL, 10, 30);
  keep[5] = reallocarray(keep[5], 20, 30);
  keep[6] = memalign(32, 1000);
  keep[7] = valloc(4000);
  keep[8] = pvalloc(100); /* the peak: 7140 bytes live */

  free(keep[0]);
  free(keep[1]);
  keep[2] = realloc(keep[2], 0); /* glibc frees the block and returns NULL */
  free(keep[6]);
  free(keep[7]);
  free(keep[8]);

  free(NULL);
  volatile size_t huge = SIZE_MAX; /* volatile: no compile-time size warning */
  keep[9] = malloc(huge);
  void *invalid = NULL;
  if (posix_memalign(&invalid, 3, 10) == 0)
    return 1;
  return keep[9] == NULL && keep[2] == NULL ? 0 : 1;
}
