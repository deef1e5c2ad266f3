/*
 * pattern_threads.c — 8 threads allocating at the same time, then joined.
 *
 * Build: cc -g -O1 -fno-builtin -pthread pattern_threads.c -o pattern_threads
 *
 * Thread t (0..7) mallocs 100 blocks of 64*(t+1) bytes, waits until every thread has made all
 * of its blocks (a barrier, so all 800 blocks are live at once), then frees 99 of them and leaks
 * the last one. The main thread creates the threads before any of them allocates.
 *
 * Exact truth of the blocks the program allocates itself (stacks through `worker`):
 *   allocations 800 (malloc) from 8 distinct threads (8 THREAD ids besides the main thread's)
 *   frees 792
 *   peak 100 * 64 * (1+2+...+8) = 230400 bytes (all blocks live at the barrier)
 *   leaked 64 * (1+...+8) = 2304 bytes in 8 blocks
 * glibc's pthread_create also callocs each new thread's DTV (kind calloc, from ld.so, with
 * pthread_create and _dl_allocate_tls on the stack), live before the workers allocate. On glibc
 * 2.36 that is 8 callocs of 304 bytes, 4 of them freed when joined threads' stacks are reused,
 * so the whole capture shows 808 allocations, 796 frees, peak 232832, leaked 3520 in 12 blocks.
 */
#include <pthread.h>
#include <stdlib.h>

#define THREADS 8
#define BLOCKS 100

static pthread_barrier_t all_allocated;
static void *volatile blocks[THREADS][BLOCKS];

__attribute__((noinline)) static void *worker(void *argument) {
  size_t thread = (size_t)argument;
  for (int i = 0; i < BLOCKS; i++)
    blocks[thread][i] = malloc(64 * (thread + 1));
  pthread_barrier_wait(&all_allocated);
  for (int i = 0; i < BLOCKS - 1; i++)
    free(blocks[thread][i]);
  return NULL;
}

int main(void) {
  pthread_t threads[THREADS];
  pthread_barrier_init(&all_allocated, NULL, THREADS);
  for (size_t t = 0; t < THREADS; t++)
    if (pthread_create(&threads[t], NULL, worker, (void *)t) != 0)
      return 1;
  for (size_t t = 0; t < THREADS; t++)
    pthread_join(threads[t], NULL);
  return 0;
}
