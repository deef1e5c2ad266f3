/*
 * many_threads.c — N threads alive at once, each with one block: what a new thread's record
 * buffer costs the tracker when a program starts thousands of threads.
 *
 * Build: cc -O2 -fno-builtin -pthread many_threads.c -o many_threads
 * Run:   many_threads N   (default 1000; prints nothing)
 * Exact truth: N allocations of 32 bytes, each freed after every thread has allocated its own.
 */
#include <pthread.h>
#include <stdlib.h>

static pthread_barrier_t barrier;

static void *allocate_and_wait(void *unused) {
  (void)unused;
  void *block = malloc(32);
  pthread_barrier_wait(&barrier); /* every thread, and so every thread's buffer, exists at once */
  free(block);
  return NULL;
}

int main(int argc, char **argv) {
  int count = argc > 1 ? atoi(argv[1]) : 1000;
  if (count < 1)
    count = 1000;
  pthread_t *threads = malloc(sizeof *threads * (size_t)count);
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, 64 * 1024);
  pthread_barrier_init(&barrier, NULL, (unsigned)count);
  for (int i = 0; i < count; i++)
    if (pthread_create(&threads[i], &attributes, allocate_and_wait, NULL) != 0)
      return 1;
  for (int i = 0; i < count; i++)
    pthread_join(threads[i], NULL);
  free(threads);
  return 0;
}
