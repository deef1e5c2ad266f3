/*
 * pattern_fork_in_handler.c — fork() from a signal handler, which interrupts the tracker inside
 * its record of the main thread's malloc or free most of the time (a flush of a full buffer,
 * interning, the loader's lock in the tracker's own dl_iterate_phdr).
 *
 * Build: cc -g -O1 -fno-builtin pattern_fork_in_handler.c -o pattern_fork_in_handler
 * Usage: pattern_fork_in_handler FORKS [stacks] [returning]
 *
 * A timer (every 500 us, ITIMER_REAL) raises SIGALRM; its handler forks and the child leaves at
 * once with _exit(0) (SIGCHLD is ignored, so children are reaped by the kernel). The main thread
 * meanwhile frees and allocates one 64-byte block (always from glibc's per-thread cache, which
 * takes no lock, so glibc's own fork handlers never wait for the interrupted call) until FORKS
 * forks were made, then stops the timer. With "stacks", each block is allocated under a stack not
 * seen before (16 levels of calls from one of two places each, chosen by the bits of the pair's
 * number), so that most records intern new stack nodes. With "returning", the child returns from
 * the handler instead, stops the timer, frees and allocates 1,000 blocks more and leaves with
 * _exit(0): the code the fork interrupted goes on in the child.
 *
 * Then it waits up to 10 s for every child to be gone and prints "pairs N forks M left K", K the
 * children still there (left waiting for good: 0 expected).
 *
 * Exact truth of the parent's capture: allocations from this file = pairs + 1, all of them freed;
 * nothing of the children's. Under session 14's tracker
 * every run hung in the tracker's fork handler (its own thread held the file lock or stacks_lock,
 * or a flush waited for the record the signal interrupted). Exit status 0, or 1 when fork() failed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t forks, failed, returning, in_child;
#define CHILDREN_KEPT 4096
static pid_t children[CHILDREN_KEPT]; /* written by the handler only, read once the timer stops */

static void fork_now(int signal_number) {
  (void)signal_number;
  pid_t child = fork();
  if (child == 0 && returning) {
    in_child = 1;
    return;
  }
  if (child == 0)
    _exit(0);
  if (child < 0) {
    failed = 1;
  } else {
    if (forks < CHILDREN_KEPT)
      children[forks] = child;
    forks++;
  }
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
  int new_stacks = 0;
  for (int i = 2; i < argc; i++) {
    new_stacks |= strcmp(argv[i], "stacks") == 0;
    returning |= strcmp(argv[i], "returning") == 0;
  }
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = SIG_IGN;
  sigaction(SIGCHLD, &action, NULL);
  action.sa_handler = fork_now;
  action.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &action, NULL);
  /* The first malloc sets up glibc's per-thread cache with the arena locked: before the timer. */
  void *volatile block = malloc(64);
  struct itimerval every = {{0, 500}, {0, 500}};
  setitimer(ITIMER_REAL, &every, NULL);

  unsigned long pairs = 0;
  while (forks < wanted && !failed) {
    if (new_stacks) {
      block = renew(block, (unsigned)pairs, 16);
    } else {
      free(block);
      block = malloc(64);
    }
    pairs++;
    if (in_child) {
      struct itimerval stop = {{0, 0}, {0, 0}};
      setitimer(ITIMER_REAL, &stop, NULL);
      for (int i = 0; i < 1000; i++) {
        free(block);
        block = malloc(64);
      }
      _exit(0);
    }
  }
  struct itimerval stop = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &stop, NULL);
  free(block);
  long kept = forks < CHILDREN_KEPT ? forks : CHILDREN_KEPT, left = kept;
  for (int tries = 0; tries < 1000 && left > 0; tries++) { /* SIGCHLD ignored: gone once exited */
    left = 0;
    for (long i = 0; i < kept; i++)
      left += kill(children[i], 0) == 0 || errno != ESRCH;
    if (left > 0)
      usleep(10000);
  }
  printf("pairs %lu forks %ld left %ld\n", pairs, (long)forks, left);
  return failed ? 1 : 0;
}
