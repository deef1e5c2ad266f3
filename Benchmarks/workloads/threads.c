/*
 * threads.c — N threads allocating at once, 1,000,000 malloc/free pairs each: what the tracker's
 * ordering of events across threads costs when every thread allocates all the time.
 *
 * Build: cc -O2 -g -fno-omit-frame-pointer -fno-builtin -pthread threads.c -o threads
 * Run:   threads N   (N threads, 1 <= N <= 64; default 4; prints nothing)
 * Exact truth: N * 1,000,000 allocations and as many frees; at most N * 8 blocks live at once.
 * Sizes 16-4111 bytes, stacks 4-10 frames deep, as in Benchmarks/alloc_churn.c.
 */
#include <pthread.h>
#include <stdlib.h>

#define PAIRS 1000000
#define LIVE 8

/* Recurses to `depth` frames so that stacks of several depths are seen, then replaces one of the
   thread's live blocks. */
__attribute__((noinline)) static void replace_block(int depth, unsigned pair, void **live) {
  if (depth > 1) {
    replace_block(depth - 1, pair, live);
    __asm__ volatile(""); /* a real call, not a tail call */
    return;
  }
  unsigned slot = pair % LIVE;
  free(live[slot]);
  live[slot] = malloc(16 + (pair * 2654435761u >> 20) % 4096);
}

static void *allocate_all_the_time(void *unused) {
  void *live[LIVE] = {0};
  for (unsigned pair = 0; pair < PAIRS; pair++)
    replace_block(4 + (int)(pair % 7), pair, live);
  for (int i = 0; i < LIVE; i++)
    free(live[i]);
  return NULL;
}

int main(int argc, char **argv) {
  int count = argc > 1 ? atoi(argv[1]) : 4;
  if (count < 1 || count > 64)
    count = 4;
  pthread_t threads[64];
  for (int i = 0; i < count; i++)
    pthread_create(&threads[i], NULL, allocate_all_the_time, NULL);
  for (int i = 0; i < count; i++)
    pthread_join(threads[i], NULL);
  return 0;
}
