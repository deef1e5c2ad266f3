/*
 * pattern_deep.c — one allocation at each call depth from 4 to 10.
 *
 * Build: cc -g -O2 -fno-omit-frame-pointer -fno-builtin pattern_deep.c -o pattern_deep
 *
 * allocate_at_depth(d) calls descend() d times; the innermost descend() calls malloc. So the
 * allocation made for depth d has exactly d consecutive `descend` frames between main and
 * malloc, and its innermost recorded frame (the caller of malloc) is in descend.
 *
 * Exact truth of the capture:
 *   allocations 7 (malloc): 400, 500, ..., 1000 bytes, the one of d*100 bytes at depth d
 *   frees 0; peak 4900 bytes; leaked 4900 bytes in 7 blocks
 */
#include <stdlib.h>

void *volatile keep[16];
volatile int after_call; /* written after each recursive call: no tail calls */

__attribute__((noinline)) static void *descend(int remaining, size_t size) {
  void *block = remaining == 1 ? malloc(size) : descend(remaining - 1, size);
  after_call++;
  return block;
}

int main(void) {
  for (int depth = 4; depth <= 10; depth++)
    keep[depth] = descend(depth, (size_t)depth * 100);
  return 0;
}
