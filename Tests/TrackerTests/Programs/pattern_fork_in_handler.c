/*
 * pattern_fork_in_handler.c — fork() from a signal handler, which interrupts the tracker's own
 * record of the main thread's malloc or free about half of the time.
 *
 * Build: cc -g -O1 -fno-builtin pattern_fork_in_handler.c -o pattern_fork_in_handler
 * Usage: pattern_fork_in_handler FORKS [stacks]
 *
 * A timer (every 500 us, ITIMER_REAL) raises SIGALRM; its handler forks and the child
 * leaves at once with _exit(0) (SIGCHLD is ignored, so children are reaped by the kernel). The
 * main thread meanwhile frees and allocates one 64-byte block (always from glibc's per-thread
 * cache, which takes no lock, so glibc's own fork handlers never wait for the interrupted call)
 * until FORKS forks were made, then stops the timer. With "stacks", each block is allocated under a
 * stack not seen before (16 levels of calls from one of two places each, chosen by the bits of the
 * pair's number), so that most records intern new stack nodes, holding the tracker's stacks lock.
 *
 * Exact truth of the parent's capture: allocations from this file = pairs + 1 (the count printed,
 * "pairs N forks M"), all of them freed; nothing of the children's. Under the tracker of session
 * 14's start a fork that interrupted a record deadlocked in the tracker's fork handler; since the
 * handover it crashed the child. Exit status 0, or 1 when fork() failed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t forks, failed;

static void fork_now(int signal_number) {
  (void)signal_number;
  pid_t child = fork();
  if (child == 0)
    _exit(0);
  if (child < 0)
    failed = 1;
  else
    forks++;
}

/* Frees `block` and allocates another one 16 calls deeper, along the path the bits of `path` name. */
__attribute__((noinline)) static void *renew(void *block, unsigned path, int depth);

__attribute__((noinline)) static void *renew_left(void *block, unsigned path, int depth) {
  void *result = renew(block, path >> 1, depth - 1);
  __asm__ volatile("" ::: "memory"); /* no tail call: each level keeps its frame */
  return result;
}

__attribute__((noinline)) static void *renew_right(void *block, unsigned path, int depth) {
  void *result = renew(block, path >> 1, depth - 1);
  __asm__ volatile("" ::: "memory");
  return result;
}

__attribute__((noinline)) static void *renew(void *block, unsigned path, int depth) {
  if (depth == 0) {
    free(block);
    return malloc(64);
  }
  return (path & 1) ? renew_right(block, path, depth) : renew_left(block, path, depth);
}

int main(int argc, char **argv) {
  long wanted = argc > 1 ? atol(argv[1]) : 200;
  int new_stacks = argc > 2 && strcmp(argv[2], "stacks") == 0;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = SIG_IGN;
  sigaction(SIGCHLD, &action, NULL);
  action.sa_handler = fork_now;
  action.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &action, NULL);
  struct itimerval every = {{0, 500}, {0, 500}};
  setitimer(ITIMER_REAL, &every, NULL);

  void *volatile block = malloc(64);
  unsigned long pairs = 0;
  while (forks < wanted && !failed) {
    if (new_stacks) {
      block = renew(block, (unsigned)pairs, 16);
    } else {
      free(block);
      block = malloc(64);
    }
    pairs++;
  }
  struct itimerval stop = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &stop, NULL);
  free(block);
  printf("pairs %lu forks %ld\n", pairs, (long)forks);
  return failed ? 1 : 0;
}
