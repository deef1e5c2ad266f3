/*
 * pattern_busy_threads.c — threads that keep their record buffers busy while the sampler flushes.
 *
 * Build: cc -g -O1 -fno-builtin -pthread pattern_busy_threads.c -o pattern_busy_threads
 *
 * All at once:
 *   - one "deep" thread allocates from 1,500 distinct stacks 150 frames deep (a new path through
 *     two alternating functions each time): every record interns ~150 new nodes, so the thread
 *     holds its buffer (and the stack tree) for long stretches, and the sampler must skip it;
 *   - 4 churning threads, 40,000 rounds each: malloc 16-63 bytes, every fourth block realloc()ed
 *     to 64-95 bytes, then swapped into one of 64 shared mailboxes; the block taken out (another
 *     thread's, often) is freed;
 *   - the main thread starts 20 waves of 50 short-lived threads, each of which allocates and
 *     frees 20 blocks of 24 bytes (1,000 thread buffers taken, recycled, taken again).
 * The main thread then frees what is left in the mailboxes.
 *
 * Exact truth of the blocks the program allocates itself:
 *   allocations 1,500 + 4 * 40,000 mallocs + 4 * 10,000 reallocs + 1,000 * 20 = 221,500
 *   reallocs 40,000; nothing leaks; at least 1,006 threads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define PATHS 1500
#define DEPTH 150
#define CHURNERS 4
#define ROUNDS 40000
#define MAILBOXES 64
#define WAVES 20
#define WAVE_THREADS 50
#define WAVE_BLOCKS 20

static _Atomic(void *) mailboxes[MAILBOXES];

__attribute__((noinline)) static void left(int level, unsigned path);
__attribute__((noinline)) static void right(int level, unsigned path);

/* The leaf: one block from a stack no earlier path had. */
__attribute__((noinline)) static void leaf(void) {
  volatile char *block = malloc(32);
  block[0] = 1;
  free((void *)block);
}

/* One level of the path: bit (level mod 11) of `path` picks the function of the next frame. */
static void step(int level, unsigned path) {
  if (level == DEPTH) {
    leaf();
    return;
  }
  if ((path >> (level % 11)) & 1)
    right(level + 1, path);
  else
    left(level + 1, path);
}

static void left(int level, unsigned path) {
  step(level, path);
  __asm__ volatile(""); /* a real call, not a tail call */
}

static void right(int level, unsigned path) {
  step(level, path);
  __asm__ volatile("");
}

static void *deep(void *unused) {
  (void)unused;
  for (unsigned path = 0; path < PATHS; path++)
    step(0, path);
  return NULL;
}

static void *churn(void *argument) {
  unsigned thread = (unsigned)(uintptr_t)argument;
  for (unsigned round = 0; round < ROUNDS; round++) {
    char *block = malloc(16 + round % 48);
    if (round % 4 == 0)
      block = realloc(block, 64 + round % 32);
    block[0] = (char)round;
    void *taken = atomic_exchange(&mailboxes[(thread * 7 + round) % MAILBOXES], block);
    free(taken);
  }
  return NULL;
}

static void *short_lived(void *unused) {
  (void)unused;
  for (int index = 0; index < WAVE_BLOCKS; index++) {
    volatile char *block = malloc(24);
    block[0] = 1;
    free((void *)block);
  }
  return NULL;
}

int main(void) {
  pthread_t deep_thread, churners[CHURNERS];
  if (pthread_create(&deep_thread, NULL, deep, NULL) != 0)
    return 1;
  for (unsigned index = 0; index < CHURNERS; index++)
    if (pthread_create(&churners[index], NULL, churn, (void *)(uintptr_t)index) != 0)
      return 2;
  for (int wave = 0; wave < WAVES; wave++) {
    pthread_t threads[WAVE_THREADS];
    for (int index = 0; index < WAVE_THREADS; index++)
      if (pthread_create(&threads[index], NULL, short_lived, NULL) != 0)
        return 3;
    for (int index = 0; index < WAVE_THREADS; index++)
      pthread_join(threads[index], NULL);
  }
  pthread_join(deep_thread, NULL);
  for (unsigned index = 0; index < CHURNERS; index++)
    pthread_join(churners[index], NULL);
  for (int index = 0; index < MAILBOXES; index++)
    free(atomic_exchange(&mailboxes[index], NULL));
  return 0;
}
