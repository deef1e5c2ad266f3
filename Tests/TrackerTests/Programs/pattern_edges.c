/*
 * pattern_edges.c — programs that end, or lose their descriptors, at once.
 *
 * Build: cc -g -O1 -fno-builtin pattern_edges.c -o pattern_edges
 * Run:   pattern_edges MODE
 *
 * Every mode first mallocs 10 blocks of 100000 bytes and keeps them, then, with no pause (well
 * inside the tracker's 10 ms flush interval):
 *   segv       raise(SIGSEGV): dies of SIGSEGV.
 *   abort      abort(): dies of SIGABRT.
 *   term       kill(getpid(), SIGTERM): dies of SIGTERM, unless SIGTERM is ignored (inherited
 *              SIG_IGN), in which case it exits with status 9.
 *   exit       _exit(7): exits with status 7 (an ending of its own accord: END present).
 *   handler    checks that SIGSEGV, SIGTERM and SIGINT read as SIG_DFL, installs its own SIGTERM
 *              handler with signal() (which must then read back), and raises SIGTERM: the handler
 *              prints "handled" and calls _exit(5).
 * Exact truth for these: allocations 10, frees 0, peak 1000000 bytes, leaked 1000000 in 10.
 *   close-all  closes every descriptor above 2 (close_range, and a loop to the soft limit), then
 *              frees 5 of the blocks and mallocs 2 x 5000, and returns from main.
 *              Exact truth: allocations 12, frees 5, peak 1000000 bytes, leaked 510000 bytes in 7
 *              blocks, END present.
 * Status 3: a signal disposition did not read back as the program set it.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

void *volatile keep[12];

static void on_term(int signal) {
  (void)signal;
  static const char text[] = "handled\n";
  if (write(STDOUT_FILENO, text, sizeof text - 1) < 0)
    _exit(6);
  _exit(5);
}

static int reads_as_default(int signal) {
  struct sigaction current;
  return sigaction(signal, NULL, &current) == 0 && current.sa_handler == SIG_DFL;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "segv";
  for (int i = 0; i < 10; i++)
    keep[i] = malloc(100000);
  if (strcmp(mode, "segv") == 0)
    raise(SIGSEGV);
  else if (strcmp(mode, "abort") == 0)
    abort();
  else if (strcmp(mode, "term") == 0) {
    kill(getpid(), SIGTERM);
    return 9;
  } else if (strcmp(mode, "exit") == 0)
    _exit(7);
  else if (strcmp(mode, "handler") == 0) {
    if (!reads_as_default(SIGSEGV) || !reads_as_default(SIGTERM) || !reads_as_default(SIGINT))
      return 3;
    if (signal(SIGTERM, on_term) != SIG_DFL)
      return 3;
    struct sigaction current;
    if (sigaction(SIGTERM, NULL, &current) != 0 || current.sa_handler != on_term)
      return 3;
    raise(SIGTERM);
    return 2;
  } else if (strcmp(mode, "close-all") == 0) {
    syscall(SYS_close_range, 3u, ~0u, 0u);
    struct rlimit limit;
    getrlimit(RLIMIT_NOFILE, &limit);
    for (rlim_t fd = 3; fd < limit.rlim_cur && fd < 1u << 20; fd++)
      close((int)fd);
    for (int i = 0; i < 5; i++)
      free(keep[i]);
    keep[10] = malloc(5000);
    keep[11] = malloc(5000);
    return 0;
  }
  return 2;
}
