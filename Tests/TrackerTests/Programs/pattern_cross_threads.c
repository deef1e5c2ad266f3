/*
 * pattern_cross_threads.c — 8 threads that free and realloc each other's blocks.
 *
 * Build: cc -g -O1 -fno-builtin -pthread pattern_cross_threads.c -o pattern_cross_threads
 *
 * Thread t (0..7), size S(t) = 32 * (t + 1):
 *   1. mallocs 200 blocks of S(t); barrier (all 1600 live);
 *   2. reallocs blocks 0..99 of thread t+1 (mod 8) to twice their size; barrier: the heap is now
 *      300 * S(u) for every thread u, 300 * 32 * 36 = 345,600 bytes, its peak;
 *   3. frees blocks 0..198 of thread t+2 (mod 8): block 199 of every thread leaks (1,152 bytes);
 *      barrier;
 *   4. 20,000 rounds: mallocs 16 + t bytes and swaps it into the mailbox of thread t+1, then
 *      frees what it took out (every other round realloc()ed to 24 + t bytes first), so each block
 *      is freed by another thread, often while its address is being reused at once.
 *   The main thread frees what is left in the mailboxes after joining.
 *
 * Exact truth of the blocks the program allocates itself (stacks through `worker` or `main`):
 *   allocations 2,400 + 8 * 20,000 mallocs + 8 * 10,000 reallocs = 242,400
 *   frees       800 + 1,592 + 8 * (19,999 + 10,000) + 8 = 242,392 (every one of a live block)
 *   peak 345,600 bytes; leaked 1,152 bytes in 8 blocks.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define THREADS 8
#define BLOCKS 200
#define ROUNDS 20000

static pthread_barrier_t phase;
static void *blocks[THREADS][BLOCKS];
static _Atomic(void *) mailbox[THREADS];

static size_t size_of(size_t thread) { return 32 * (thread + 1); }

__attribute__((noinline)) static void *worker(void *argument) {
  size_t t = (size_t)argument;
  for (int i = 0; i < BLOCKS; i++)
    blocks[t][i] = malloc(size_of(t));
  pthread_barrier_wait(&phase);
  size_t next = (t + 1) % THREADS;
  for (int i = 0; i < BLOCKS / 2; i++)
    blocks[next][i] = realloc(blocks[next][i], 2 * size_of(next));
  pthread_barrier_wait(&phase);
  size_t after_next = (t + 2) % THREADS;
  for (int i = 0; i < BLOCKS - 1; i++)
    free(blocks[after_next][i]);
  pthread_barrier_wait(&phase);
  for (int round = 0; round < ROUNDS; round++) {
    void *taken = atomic_exchange(&mailbox[next], malloc(16 + t));
    if (taken && round % 2 == 1)
      taken = realloc(taken, 24 + t);
    free(taken);
  }
  return NULL;
}

int main(void) {
  pthread_t threads[THREADS];
  pthread_barrier_init(&phase, NULL, THREADS);
  for (size_t t = 0; t < THREADS; t++)
    if (pthread_create(&threads[t], NULL, worker, (void *)t) != 0)
      return 1;
  for (size_t t = 0; t < THREADS; t++)
    pthread_join(threads[t], NULL);
  for (size_t t = 0; t < THREADS; t++)
    free(atomic_load(&mailbox[t]));
  return 0;
}
