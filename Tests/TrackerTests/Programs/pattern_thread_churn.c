/* Threads that start and end one after another while the sampler flushes (a new thread's buffer
   joins the list while a flush writes an ended thread's), and reallocs that fail (the encoder
   takes their FREE back). Exact truth: 300 threads each leak 24 bytes, the main thread leaks 40;
   everything else is freed. Each thread's dlopen of a missing library leaves an error message that
   glibc frees as the thread ends, after every thread-specific destructor (the tracker's too). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define THREADS 300
#define PAIRS 100

static void *worker(void *unused) {
  (void)unused;
  for (int pair = 0; pair < PAIRS; pair++) {
    volatile char *block = malloc(16 + (size_t)pair);
    block[0] = 1;
    free((void *)block);
  }
  if (dlopen("/nonexistent/workshop-pattern-thread-churn.so", RTLD_NOW) != NULL)
    abort();
  return malloc(24); /* leaked: the main thread drops it */
}

static void *free_others(void *blocks) {
  for (int index = 0; index < 1000; index++)
    free(((char **)blocks)[index]);
  return NULL;
}

int main(void) {
  for (int index = 0; index < THREADS; index++) {
    pthread_t thread;
    if (pthread_create(&thread, NULL, worker, NULL) != 0)
      return 1;
    void *leaked;
    pthread_join(thread, &leaked);
  }
  static char *others[1000];
  for (int index = 0; index < 1000; index++) {
    char *kept = malloc(64);
    char *grown = realloc(kept, SIZE_MAX / 2); /* fails: kept stays */
    if (grown != NULL)
      return 2;
    others[index] = malloc(32); /* its address is decoded after the taken-back FREE */
    others[index][0] = kept[0] = 1;
    free(kept);
  }
  /* Freed by another thread, whose FREEs name the blocks by address. */
  pthread_t freer;
  if (pthread_create(&freer, NULL, free_others, others) != 0)
    return 3;
  pthread_join(freer, NULL);
  volatile char *leaked = malloc(40);
  leaked[0] = 1;
  return 0;
}
