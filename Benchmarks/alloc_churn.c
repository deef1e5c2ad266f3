/*
 * alloc_churn.c — the tracker's hot-path benchmark: malloc/free pairs as a busy program makes them.
 *
 * Build: cc -O2 -g -fno-omit-frame-pointer -fno-builtin alloc_churn.c -o alloc_churn
 * Run:   time ./alloc_churn
 *        time WORKSHOP_CAPTURE=/tmp/churn.bin LD_PRELOAD=/path/libworkshop_tracker.so ./alloc_churn
 * Prints nothing.
 *
 * Phase 1: ROUNDS malloc/free pairs of mixed sizes (16..4111 bytes), each made at a call depth of
 *          4..10 through noinline recursion, 8 blocks in flight at a time.
 * Phase 2: a known peak: 1000 blocks of 1000 bytes live at once, then freed.
 * Phase 3: known leaks: 10 blocks of 777 bytes.
 * Exact truth: allocations ROUNDS + 1010, frees ROUNDS + 1000, peak 1000000 bytes plus at most
 * 8 * 4111 in flight from phase 1 (freed before phase 2, so exactly 1000000), leaked 7770 in 10.
 */
#include <stdlib.h>

#define ROUNDS 4000000
#define IN_FLIGHT 8

void *volatile slots[IN_FLIGHT];
void *volatile peak_blocks[1000];
void *volatile leaks[10];
volatile int after_call; /* written after each recursive call: keeps real frames */

__attribute__((noinline)) static void churn_at(int depth, unsigned round) {
  if (depth > 1) {
    churn_at(depth - 1, round);
    after_call++;
    return;
  }
  unsigned slot = round % IN_FLIGHT;
  free(slots[slot]);
  slots[slot] = malloc(16 + (round * 2654435761u >> 20) % 4096);
}

int main(void) {
  for (unsigned round = 0; round < ROUNDS; round++)
    churn_at(4 + (int)(round % 7), round);
  for (int i = 0; i < IN_FLIGHT; i++) {
    free(slots[i]);
    slots[i] = NULL;
  }
  for (int i = 0; i < 1000; i++)
    peak_blocks[i] = malloc(1000);
  for (int i = 0; i < 1000; i++)
    free(peak_blocks[i]);
  for (int i = 0; i < 10; i++)
    leaks[i] = malloc(777);
  return 0;
}
