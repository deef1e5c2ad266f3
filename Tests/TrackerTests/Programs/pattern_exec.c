/*
 * pattern_exec.c — one process, three program images: it replaces itself with exec twice.
 *
 * Build: cc -g -O1 -fno-builtin pattern_exec.c -o pattern_exec
 * Run:   pattern_exec            (the later stages are the program exec()ing itself)
 *
 * first:  malloc 1000 (a), malloc 2000 (b), free a; execvp() of a program found nowhere on PATH
 *         fails and the program goes on; no descriptor of a capture (*.bin) is left without close-on-exec;
 *         malloc 4000 (c); execl(/proc/self/exe, "second"). Alive then: b + c = 6000 bytes.
 * second: malloc 500 (d), malloc 700 (e), free d; execve(/proc/self/exe, "third") with an
 *         environment of its own ("PATTERN_EXEC=third" alone).
 * third:
 *         it must not see LD_PRELOAD or any WORKSHOP_ variable; malloc 3000 (f), calloc 10 x 100
 *         (g), free g; returns from main.
 *
 * Exact truth of one capture covering all three images: allocations 7, frees 3, peak 6000 bytes
 * (first image, after c), the blocks of the first two images end at their exec (not leaks),
 * leaked 3000 bytes in 1 block (f), two execs, END present. Exit status 0; 3 if a capture
 * descriptor survived the failed exec without close-on-exec, 4 if the environment leaked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;
void *volatile keep[8];

/* Any open descriptor naming a *.bin file that an exec would pass on. */
static int capture_descriptor_inheritable(void) {
  char link[64], target[4096];
  for (int fd = 3; fd < 65536; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0 || (flags & FD_CLOEXEC))
      continue;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, target, sizeof target - 1);
    if (length > 4 && memcmp(target + length - 4, ".bin", 4) == 0)
      return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *stage = argc > 1 ? argv[1] : "first";
  if (strcmp(stage, "first") == 0) {
    void *a = malloc(1000);
    keep[0] = malloc(2000);
    free(a);
    char *missing[] = {"workshop-no-such-program", NULL};
    if (execvp(missing[0], missing) == 0 || errno != ENOENT)
      return 2;
    if (capture_descriptor_inheritable())
      return 3;
    keep[1] = malloc(4000);
    execl("/proc/self/exe", argv[0], "second", (char *)NULL);
    return 2;
  }
  if (strcmp(stage, "second") == 0) {
    void *d = malloc(500);
    keep[2] = malloc(700);
    free(d);
    char *next[] = {argv[0], "third", NULL};
    char *environment[] = {"PATTERN_EXEC=third", NULL};
    execve("/proc/self/exe", next, environment);
    return 2;
  }
  /* third */
  if (!getenv("PATTERN_EXEC"))
    return 4;
  if (getenv("LD_PRELOAD"))
    return 4;
  for (char **entry = environ; *entry; entry++)
    if (strncmp(*entry, "WORKSHOP_", 9) == 0)
      return 4;
  keep[3] = malloc(3000);
  void *g = calloc(10, 100);
  free(g);
  return 0;
}
