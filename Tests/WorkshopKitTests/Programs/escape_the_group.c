// Starts two processes that leave its process group, writes their pids to the file named by its
// first argument, then either runs on (argument "stay") or ends at once (argument "leave"):
// - one calls setsid() and sleeps, still its child;
// - one is a daemon by double fork: its parent ends, so it is re-parented away from this program.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int pipes[2];
  if (pipe(pipes) != 0) return 3;
  pid_t session = fork();
  if (session == 0) {
    setsid();
    for (;;) pause();
  }
  pid_t middle = fork();
  if (middle == 0) {
    setsid();
    pid_t daemon = fork();
    if (daemon == 0) {
      for (;;) pause();
    }
    write(pipes[1], &daemon, sizeof daemon);
    _exit(0);
  }
  pid_t daemon = 0;
  read(pipes[0], &daemon, sizeof daemon);
  waitpid(middle, NULL, 0);
  FILE *pids = fopen(argv[1], "w");
  fprintf(pids, "%d\n%d\n", session, daemon);
  fclose(pids);
  if (strcmp(argv[2], "stay") == 0) {
    for (;;) {
      free(malloc(100));
      usleep(10 * 1000);
    }
  }
  return 0;
}
