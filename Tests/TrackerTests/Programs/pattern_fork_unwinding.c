/*
 * pattern_fork_unwinding.c — fork() while other threads make the tracker unwind through many
 * functions: libunwind then searches the loaded objects (dl_iterate_phdr) again and again, and a
 * child forked while one of them iterates inherits the loader's lock held. A followed child
 * refreshes its MODULES inside fork(): without the tracker's gate (tracker_internal.h, "The
 * loader across fork") it waited there forever, and the parent in waitpid().
 *
 * Build: cc -g -O1 -fomit-frame-pointer -fno-builtin -pthread pattern_fork_unwinding.c
 * Run:   pattern_fork_unwinding [CHILDREN]   (default 300)
 *
 * 2 threads call chains of 256 functions picked at random (no frame pointers: libunwind unwinds
 * them, its caches miss), allocating at the end of each chain; the main thread forks CHILDREN
 * children one after the other, each allocating 100 bytes and exiting. Prints "children hung: 0 of
 * N" and exits 0 when every child exited normally (a child's alarm ends a hang after fork()
 * returned; one inside fork() is ended by the test's time limit).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define FUNCTIONS 256

typedef void (*step)(unsigned seed, int depth);
extern step steps[FUNCTIONS];
static volatile int stop;
void *volatile keep;

/* Step I: allocate at the end of the chain, else call a function the seed picks. */
#define STEP(I)                                                                                  \
  __attribute__((noinline)) void step_##I(unsigned seed, int depth) {                           \
    if (depth > 20 || seed % 7 == 0) {                                                           \
      void *block = malloc(16 + seed % 50);                                                      \
      keep = block;                                                                              \
      free(block);                                                                               \
    } else {                                                                                     \
      steps[(seed * 2654435761u >> 7) % FUNCTIONS](seed / 7 + I, depth + 1);                     \
    }                                                                                            \
    __asm__ volatile("");                                                                        \
  }
#define STEP4(I) STEP(I##0) STEP(I##1) STEP(I##2) STEP(I##3)
#define STEP16(I) STEP4(I##0) STEP4(I##1) STEP4(I##2) STEP4(I##3)
#define STEP64(I) STEP16(I##0) STEP16(I##1) STEP16(I##2) STEP16(I##3)
STEP64(1) STEP64(2) STEP64(3) STEP64(4)

#define NAME4(I) step_##I##0, step_##I##1, step_##I##2, step_##I##3
#define NAME16(I) NAME4(I##0), NAME4(I##1), NAME4(I##2), NAME4(I##3)
#define NAME64(I) NAME16(I##0), NAME16(I##1), NAME16(I##2), NAME16(I##3)
step steps[FUNCTIONS] = {NAME64(1), NAME64(2), NAME64(3), NAME64(4)};

static void *worker(void *argument) {
  unsigned seed = (unsigned)(long)argument;
  while (!stop) {
    seed = seed * 1103515245u + 12345u;
    steps[seed % FUNCTIONS](seed | 1, 0);
  }
  return NULL;
}

int main(int argc, char **argv) {
  int children = argc > 1 ? atoi(argv[1]) : 300;
  pthread_t threads[2];
  for (long i = 0; i < 2; i++)
    pthread_create(&threads[i], NULL, worker, (void *)(i + 1));
  int hung = 0;
  for (int child = 0; child < children; child++) {
    pid_t pid = fork();
    if (pid < 0)
      return 2;
    if (pid == 0) {
      alarm(10);
      keep = malloc(100);
      free(keep);
      _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      hung++;
  }
  stop = 1;
  for (int i = 0; i < 2; i++)
    pthread_join(threads[i], NULL);
  printf("children hung: %d of %d\n", hung, children);
  return hung == 0 ? 0 : 1;
}
