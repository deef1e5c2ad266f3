/*
 * pattern_wide_nodes.c — stack tree nodes with thousands of children, and nodes with a few.
 *
 * Build: cc -g -O1 -fno-omit-frame-pointer -fno-builtin pattern_wide_nodes.c -o pattern_wide_nodes
 *
 * The tracker lists a node's children while it has at most 4 and moves them into a hash table
 * when it gets a fifth (Sources/Tracker/stacks.c). sites() calls malloc from 3,000 call sites,
 * each with a size of its own (100 ... 3,099 bytes), and is called from two callers, so the nodes
 * for "caller -> sites" get 3,000 children each (past the table's first size); few() calls malloc
 * from 3 sites (listed children only). Every block is freed at once.
 *
 * Exact truth: ROUNDS rounds, each calling sites() and few() from both callers:
 *   6,000 stacks from sites(), each with ROUNDS allocations of 100 + n bytes (n = 0 ... 2,999,
 *   each size twice: once per caller); 6 stacks from few(), ROUNDS allocations of 7, 8, 9 bytes.
 */
#include <stdlib.h>

#define ROUNDS 5

void *volatile sink;
volatile int after_call; /* written after each call: no tail calls */
volatile int rounds = ROUNDS; /* not a constant: an unrolled loop would call from 5 places */

#define SITE(n) sink = malloc(100 + (n) - 1000); free(sink);
#define T10(n) SITE(n##0) SITE(n##1) SITE(n##2) SITE(n##3) SITE(n##4) SITE(n##5) SITE(n##6) SITE(n##7) SITE(n##8) SITE(n##9)
#define T100(n) T10(n##0) T10(n##1) T10(n##2) T10(n##3) T10(n##4) T10(n##5) T10(n##6) T10(n##7) T10(n##8) T10(n##9)
#define T1000(n) T100(n##0) T100(n##1) T100(n##2) T100(n##3) T100(n##4) T100(n##5) T100(n##6) T100(n##7) T100(n##8) T100(n##9)

/* Sites 1000 ... 3999: sizes 100 ... 3,099. */
__attribute__((noinline)) static void sites(void) { T1000(1) T1000(2) T1000(3) }

__attribute__((noinline)) static void few(void) {
  sink = malloc(7);
  free(sink);
  sink = malloc(8);
  free(sink);
  sink = malloc(9);
  free(sink);
}

__attribute__((noinline)) static void first_caller(void) {
  sites();
  few();
  after_call = 1;
}

__attribute__((noinline)) static void second_caller(void) {
  few();
  sites();
  after_call = 2;
}

int main(void) {
  for (int round = 0; round < rounds; round++) {
    first_caller();
    second_caller();
  }
  return 0;
}
