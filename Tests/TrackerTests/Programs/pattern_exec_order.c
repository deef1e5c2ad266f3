/*
 * pattern_exec_order.c — a program that asks for clock keys, then exec()s itself into four
 * threads that allocate at once. Run under WORKSHOP_TRACKER_ORDER=counter, the capture it exec()s
 * into keeps the counter's order, since its header (version 3) was written before clock keys were
 * asked for; run with clock keys allowed from the start (version 6), the exec()ed image's tracker
 * reads that header and its threads take clock keys.
 *
 * Build: cc -g -O1 -fno-builtin -pthread pattern_exec_order.c -o pattern_exec_order
 * Run:   pattern_exec_order      (the second stage is the program exec()ing itself)
 *
 * first:  malloc 1000 (kept); WORKSHOP_TRACKER_ORDER=clock into the environment; execl(/proc/self/exe,
 *         "second").
 * second: 4 threads, each 20,000 times malloc(48) and free() of it; main returns.
 *
 * Exact truth: 1 + 80,000 allocations of the program's own, 80,000 frees, peak 1000 + at most
 * 4 x 48 bytes, the first image's block ended by the exec (not a leak). Exit status 0; 4 if the
 * second image did not see WORKSHOP_TRACKER_ORDER=clock.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 4
#define PAIRS 20000

void *volatile keep;

static void *allocate(void *unused) {
  for (int i = 0; i < PAIRS; i++) {
    void *block = malloc(48);
    keep = block;
    free(block);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    keep = malloc(1000);
    setenv("WORKSHOP_TRACKER_ORDER", "clock", 1);
    execl("/proc/self/exe", argv[0], "second", (char *)NULL);
    return 2;
  }
  const char *order = getenv("WORKSHOP_TRACKER_ORDER");
  if (order == NULL || strcmp(order, "clock") != 0)
    return 4;
  pthread_t threads[THREADS];
  for (int i = 0; i < THREADS; i++)
    pthread_create(&threads[i], NULL, allocate, NULL);
  for (int i = 0; i < THREADS; i++)
    pthread_join(threads[i], NULL);
  return 0;
}
