/*
 * threads.c — TEMPORARY stand-in (issue 13's benchmark driver needs it now); the version written
 * for the tracker's per-thread buffers replaces it at merge under the same name and arguments.
 *
 * Build: cc -O2 -g -fno-omit-frame-pointer -fno-builtin -pthread threads.c -o threads
 * Run:   threads N   (N threads, 1,000,000 malloc/free pairs each, sizes 16..4111; prints nothing)
 * Exact truth: N * 1,000,000 allocations and as many frees.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define PAIRS 1000000
#define IN_FLIGHT 8

__attribute__((noinline)) static void *allocate_at(int depth, size_t size) {
  if (depth > 1) {
    void *block = allocate_at(depth - 1, size);
    __asm__ volatile("");
    return block;
  }
  return malloc(size);
}

static void *worker(void *unused) {
  (void)unused;
  void *slots[IN_FLIGHT] = {0};
  for (uint32_t round = 0; round < PAIRS; round++) {
    unsigned slot = round % IN_FLIGHT;
    free(slots[slot]);
    slots[slot] = allocate_at(4 + (int)(round % 7), 16 + (round * 2654435761u >> 20) % 4096);
  }
  for (int i = 0; i < IN_FLIGHT; i++)
    free(slots[i]);
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (threads < 1 || threads > 64)
    threads = 1;
  pthread_t ids[64];
  for (int i = 0; i < threads; i++)
    pthread_create(&ids[i], NULL, worker, NULL);
  for (int i = 0; i < threads; i++)
    pthread_join(ids[i], NULL);
  return 0;
}
