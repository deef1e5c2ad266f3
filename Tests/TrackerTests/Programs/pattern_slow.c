/*
 * pattern_slow.c — allocations spread over about 300 ms, so that a follower reads the capture in
 * many pieces while the tracker is still writing it.
 *
 * Build: cc -g -O1 -fno-builtin pattern_slow.c -o pattern_slow   (prints nothing)
 *
 * Exact truth of the capture:
 *   allocations 100 of 1000 bytes each, one every 3 ms; then the even-numbered 50 are freed
 *   peak 100000 bytes (all 100 alive); leaked 50000 bytes in 50 blocks (the odd-numbered ones)
 */
#include <stdlib.h>
#include <unistd.h>

void *volatile keep[100];

int main(void) {
  for (int index = 0; index < 100; index++) {
    keep[index] = malloc(1000);
    usleep(3000);
  }
  for (int index = 0; index < 100; index += 2)
    free(keep[index]);
  return 0;
}
