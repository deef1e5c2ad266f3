/*
 * random_churn.c — issue 13's "random churn": PAIRS malloc/free pairs of random sizes (16..4111
 * bytes) made at random call depths (4, 7 or 10 frames of noinline recursion), IN_FLIGHT blocks
 * alive at a time, freed in random order. The generator is a fixed xorshift, so every run makes
 * the same calls.
 *
 * Build: cc -O2 -g -fno-omit-frame-pointer -fno-builtin random_churn.c -o random_churn
 * Run:   random_churn [PAIRS]   (default 5,000,000; prints nothing)
 * Exact truth: PAIRS allocations and PAIRS frees, nothing leaked.
 */
#include <stdint.h>
#include <stdlib.h>

#define IN_FLIGHT 64

static uint64_t state = 0x9E3779B97F4A7C15u;

static uint64_t next_random(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

__attribute__((noinline)) static void *allocate_at(int depth, size_t size) {
  if (depth > 1) {
    void *block = allocate_at(depth - 1, size);
    __asm__ volatile(""); /* keeps the call a real call, not a tail call */
    return block;
  }
  return malloc(size);
}

int main(int argc, char **argv) {
  static const int depths[3] = {4, 7, 10};
  long pairs = argc > 1 ? atol(argv[1]) : 5000000;
  void *slots[IN_FLIGHT] = {0};
  for (long round = 0; round < pairs; round++) {
    uint64_t random = next_random();
    unsigned slot = (unsigned)(random % IN_FLIGHT);
    free(slots[slot]);
    slots[slot] = allocate_at(depths[(random >> 8) % 3], 16 + (size_t)((random >> 16) % 4096));
  }
  for (int i = 0; i < IN_FLIGHT; i++)
    free(slots[i]);
  return 0;
}
