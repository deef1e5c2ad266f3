/*
 * alloc_churn_threads.c — alloc_churn's hot loop in N threads at once, to measure what the
 * tracker's single ordered stream (one short lock per event) costs when threads contend for it.
 *
 * Build: cc -O2 -g -fno-omit-frame-pointer -fno-builtin -pthread alloc_churn_threads.c -o alloc_churn_threads
 * Run:   alloc_churn_threads N   (N threads, 1,000,000 malloc/free pairs each; prints nothing)
 * Exact truth: N * 1,000,000 allocations and as many frees (each thread frees its last 8 blocks).
 */
#include <pthread.h>
#include <stdlib.h>

#define ROUNDS 1000000
#define IN_FLIGHT 8

__attribute__((noinline)) static void churn_at(int depth, unsigned round, void **slots) {
  if (depth > 1) {
    churn_at(depth - 1, round, slots);
    __asm__ volatile(""); /* keeps the call a real call, not a tail call */
    return;
  }
  unsigned slot = round % IN_FLIGHT;
  free(slots[slot]);
  slots[slot] = malloc(16 + (round * 2654435761u >> 20) % 4096);
}

static void *worker(void *unused) {
  void *slots[IN_FLIGHT] = {0};
  for (unsigned round = 0; round < ROUNDS; round++)
    churn_at(4 + (int)(round % 7), round, slots);
  for (int i = 0; i < IN_FLIGHT; i++)
    free(slots[i]);
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 4;
  if (threads < 1 || threads > 64)
    threads = 4;
  pthread_t ids[64];
  for (int i = 0; i < threads; i++)
    pthread_create(&ids[i], NULL, worker, NULL);
  for (int i = 0; i < threads; i++)
    pthread_join(ids[i], NULL);
  return 0;
}
