// Ignores SIGTERM, starts three children that ignore it too and sleep, writes their pids (and its
// own) to the file named by its first argument, then allocates and sleeps until killed.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  signal(SIGTERM, SIG_IGN);
  FILE *pids = fopen(argv[1], "w");
  fprintf(pids, "%d\n", getpid());
  for (int i = 0; i < 3; i++) {
    pid_t child = fork();
    if (child == 0) {
      for (;;) pause();
    }
    fprintf(pids, "%d\n", child);
  }
  fclose(pids);
  for (;;) {
    free(malloc(100));
    usleep(10 * 1000);
  }
}
