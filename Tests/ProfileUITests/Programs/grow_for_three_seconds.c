// Grows its heap for about three seconds in grow_steadily (a 16 KiB block every 10 ms), with a
// short-lived scratch buffer from make_scratch each step, writes a line of output per 100 ms and
// the markers "warm-up", "growing" and "done"; then frees everything but one leaked block.
// Usage: grow_for_three_seconds [STEPS]: STEPS blocks (300 unless given, at most 1000), 10 ms each.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <workshop_tracker.h>

enum { most_blocks = 1000, block_size = 16 * 1024 };
static void *kept[most_blocks];
void *volatile leaked;

__attribute__((noinline)) static void *grow_steadily(int i) {
  void *block = malloc(block_size);
  memset(block, i, block_size);
  return block;
}

__attribute__((noinline)) static void make_scratch(int i) {
  char *scratch = malloc(512);
  memset(scratch, i, 512);
  free(scratch);
}

__attribute__((noinline)) static void *leak_once(void) { return malloc(4096); }

int main(int argc, char **argv) {
  int blocks = argc > 1 ? atoi(argv[1]) : 300;
  if (blocks < 1 || blocks > most_blocks)
    blocks = 300;
  struct timespec pause = {0, 10 * 1000 * 1000};
  WORKSHOP_MARKER("warm-up");
  nanosleep(&pause, NULL);
  nanosleep(&pause, NULL);
  WORKSHOP_MARKER("growing");
  for (int i = 0; i < blocks; i++) {
    kept[i] = grow_steadily(i);
    make_scratch(i);
    if (i % 10 == 0) {
      printf("step %d\n", i);
      fflush(stdout);
    }
    nanosleep(&pause, NULL);
  }
  WORKSHOP_MARKER("done");
  for (int i = 0; i < blocks; i++) free(kept[i]);
  leaked = leak_once();
  nanosleep(&pause, NULL);
  return 0;
}
