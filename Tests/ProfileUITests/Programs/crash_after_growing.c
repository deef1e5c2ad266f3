// Holds 1 MiB from hold_some, prints a line, and after about 300 ms crashes with SIGSEGV.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void *volatile held;

__attribute__((noinline)) static void *hold_some(void) {
  void *block = malloc(1 << 20);
  memset(block, 1, 1 << 20);
  return block;
}

int main(void) {
  held = hold_some();
  printf("about to crash\n");
  fflush(stdout);
  struct timespec pause = {0, 300 * 1000 * 1000};
  nanosleep(&pause, NULL);
  raise(SIGSEGV);
  return 0;
}
