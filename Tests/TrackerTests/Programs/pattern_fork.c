/*
 * pattern_fork.c — the parent allocates, forks; the child allocates and exits.
 *
 * Build: cc -g -O1 -fno-builtin pattern_fork.c -o pattern_fork
 *
 * Parent: malloc 1000 (freed after the child exits), malloc 111 (leaked), fork, waitpid.
 * Child:  malloc 2000 (leaked), malloc 3000 (freed), free of the inherited 1000 block, exit(0).
 *
 * Exact truth of the parent's capture (whatever WORKSHOP_FOLLOW_FORK says): allocations 2,
 *   frees 1, peak 1111, leaked 111 bytes in 1 block; nothing of the child's.
 * With WORKSHOP_FOLLOW_FORK=1 the child writes <stem>.<childpid>.bin, flag FOLLOWED_CHILD, with
 *   its own COMMAND and MODULES and END: allocations 2, frees 2 (one of them of the inherited
 *   1000 block, an address that capture never saw allocated), peak 5000, leaked 2000 in 1 block.
 * Without it the child writes no capture. Exit status 0 when the child exited with 0.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

void *volatile keep[4];

int main(void) {
  keep[0] = malloc(1000);
  keep[1] = malloc(111);
  pid_t child = fork();
  if (child < 0)
    return 1;
  if (child == 0) {
    keep[2] = malloc(2000);
    keep[3] = malloc(3000);
    free(keep[3]);
    free(keep[0]);
    exit(0);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child)
    return 1;
  free(keep[0]);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
