/*
 * pattern_crash.c — allocates a known amount, sleeps 200 ms, then dies without exit().
 *
 * Build: cc -g -O1 -fno-builtin pattern_crash.c -o pattern_crash
 * Run:   pattern_crash [segv|abort|wait]   (default segv)
 *
 * Before dying the program mallocs 10 blocks of 100000 bytes (freeing none) and sleeps 200 ms,
 * longer than the tracker's 10 ms flush interval. Exact truth of the capture: allocations 10,
 * frees 0, peak 1000000 bytes, leaked 1000000 bytes in 10 blocks, no END record, and at least
 * one TICK after the last allocation. The process dies of SIGSEGV (or SIGABRT).
 * With `wait` it prints "pattern_crash: allocated" once the blocks are allocated and sleeps 30 s
 * instead, for a test that kills it from outside (then SIGSEGV, if nobody did).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void *volatile keep[10];

int main(int argc, char **argv) {
  for (int i = 0; i < 10; i++)
    keep[i] = malloc(100000);
  struct timespec pause = {0, 200 * 1000 * 1000};
  if (argc > 1 && strcmp(argv[1], "wait") == 0) {
    static const char said[] = "pattern_crash: allocated\n"; /* write(): printf would allocate */
    if (write(1, said, sizeof said - 1) < 0)
      return 3;
    pause = (struct timespec){30, 0};
  }
  nanosleep(&pause, NULL);
  if (argc > 1 && strcmp(argv[1], "abort") == 0)
    abort();
  raise(SIGSEGV);
  return 0;
}
