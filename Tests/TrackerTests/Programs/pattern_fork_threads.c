/*
 * pattern_fork_threads.c — fork() while other threads allocate: the tracker must hold its locks
 * across fork so that no child inherits one mid-update (a child that did would hang on its
 * first malloc).
 *
 * Build: cc -g -O1 -fno-builtin -pthread pattern_fork_threads.c -o pattern_fork_threads
 *
 * 4 worker threads each make 200000 malloc/free pairs of 32..543 bytes (stacks through `worker`).
 * Meanwhile the main thread forks 40 children, one after the other, each while the workers run;
 * each child mallocs 100 bytes (freed) and 200 bytes (leaked) through `child_work`, then exits.
 * An alarm bounds the whole program (and each child) so that a hang becomes SIGALRM, not a stall.
 *
 * Exact truth of the parent's capture, blocks through `worker`: allocations 800000, all freed;
 *   nothing of the children's (`child_work` never appears).
 * With WORKSHOP_FOLLOW_FORK=1 each child's capture: through `child_work`, allocations 2, frees 1,
 *   peak 300, leaked 200 in 1 block; and END.
 * Exit status 0 when every child exited with 0.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define WORKERS 4
#define PAIRS 200000
#define CHILDREN 40

void *volatile keep[WORKERS + 2];
static volatile int started;

__attribute__((noinline)) static void *worker(void *argument) {
  long index = (long)argument;
  __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
  for (int pair = 0; pair < PAIRS; pair++) {
    keep[index] = malloc(32 + (size_t)((pair * 7 + index) % 512));
    free(keep[index]);
  }
  return NULL;
}

__attribute__((noinline)) static void child_work(void) {
  keep[WORKERS] = malloc(100);
  keep[WORKERS + 1] = malloc(200);
  free(keep[WORKERS]);
}

int main(void) {
  alarm(60);
  pthread_t threads[WORKERS];
  for (long index = 0; index < WORKERS; index++)
    pthread_create(&threads[index], NULL, worker, (void *)index);
  while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < WORKERS)
    ;
  int failures = 0;
  for (int child = 0; child < CHILDREN; child++) {
    pid_t pid = fork();
    if (pid < 0)
      return 2;
    if (pid == 0) {
      alarm(20);
      child_work();
      exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      failures++;
  }
  for (int index = 0; index < WORKERS; index++)
    pthread_join(threads[index], NULL);
  return failures == 0 ? 0 : 1;
}
