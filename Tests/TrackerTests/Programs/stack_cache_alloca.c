/*
 * stack_cache_alloca.c — tries to fool the tracker's stack cache (Sources/Tracker/stackcache.c).
 *
 * Build: cc -g -O2 -fno-builtin stack_cache_alloca.c -o stack_cache_alloca   (also try -O0, clang,
 *        -fomit-frame-pointer / -fno-omit-frame-pointer)
 * Run:   WORKSHOP_TRACKER_VERIFY_STACK_CACHE=1 WORKSHOP_CAPTURE=x.bin LD_PRELOAD=... ./stack_cache_alloca
 *
 * Every allocation is made at the bottom of a recursion whose frames have dynamic sizes (alloca
 * and VLAs, left uninitialised so that stale return addresses of earlier calls survive in them),
 * entered through two different call sites, so that the same stack pointer at malloc's entry
 * recurs with different call chains and different frame layouts:
 *   - sizes are permutations of one multiset, so the total (hence malloc's sp) repeats while the
 *     frames' boundaries move;
 *   - a frame without frame pointer sits between the dynamic ones;
 *   - a function that realigns its stack (GCC: CFA loaded from memory) allocates while its
 *     caller's sp varies by 16 bytes, so the realigned sp repeats for different CFAs;
 *   - a signal handler allocates (frames restored from a ucontext).
 * With the verify mode every cache hit is compared with a full unwind; the program prints the
 * number of allocations it made. Exact truth: allocations = frees = that number.
 */
#include <alloca.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *volatile sink;
volatile int after_call;
static unsigned long allocations;
static const size_t sizes[4] = {16, 48, 80, 112};
static int order[4];

__attribute__((noinline)) static void allocate_here(size_t size) {
  void *block = malloc(size);
  sink = block;
  free(block);
  allocations++;
}

static void level_a(int depth, unsigned path);
static void level_b(int depth, unsigned path);

/* No frame pointer: an sp-based frame between the dynamic ones. */
__attribute__((noinline, optimize("omit-frame-pointer"))) static void plain_frame(int depth, unsigned path) {
  if (path & 1)
    level_a(depth, path >> 1);
  else
    level_b(depth, path >> 1);
  after_call++;
}

__attribute__((noinline)) static void level_a(int depth, unsigned path) {
  char *buffer = alloca(sizes[order[depth & 3]]);
  buffer[0] = (char)depth; /* the rest keeps whatever the stack held */
  sink = buffer;
  if (depth == 0)
    allocate_here(24);
  else if (path & 1)
    level_b(depth - 1, path >> 1);
  else
    plain_frame(depth - 1, path >> 1);
  after_call++;
}

__attribute__((noinline)) static void level_b(int depth, unsigned path) {
  char vla[sizes[order[(depth + 1) & 3]]];
  vla[0] = (char)depth;
  sink = vla;
  if (depth == 0)
    allocate_here(40);
  else if (path & 1)
    level_a(depth - 1, path >> 1);
  else
    plain_frame(depth - 1, path >> 1);
  after_call++;
}

/* Realigns its stack to 64 bytes (GCC: DRAP, CFA = *(rbp - 8)). */
__attribute__((noinline, force_align_arg_pointer)) static void realigned(int tag) {
  char aligned_buffer[64] __attribute__((aligned(64)));
  aligned_buffer[0] = (char)tag;
  sink = aligned_buffer;
  allocate_here(56);
  after_call++;
}

__attribute__((noinline)) static void shifted_realigned(size_t shift, int via) {
  char *gap = alloca(shift);
  gap[0] = 0;
  sink = gap;
  if (via)
    realigned((int)shift);
  else {
    realigned((int)shift + 1);
    after_call++;
  }
  after_call++;
}

static void on_signal(int signal) { allocate_here(72); }

static void permute(int k) {
  if (k == 4) {
    for (unsigned path = 0; path < 64; path++)
      for (int depth = 0; depth < 6; depth++) {
        if (path & 32)
          level_a(depth, path);
        else
          level_b(depth, path);
      }
    return;
  }
  for (int i = k; i < 4; i++) {
    int t = order[k]; order[k] = order[i]; order[i] = t;
    permute(k + 1);
    t = order[k]; order[k] = order[i]; order[i] = t;
  }
}

int main(void) {
  for (int i = 0; i < 4; i++)
    order[i] = i;
  for (int round = 0; round < 20; round++) {
    permute(0);
    for (size_t shift = 16; shift <= 256; shift += 16)
      shifted_realigned(shift, (int)(shift / 16 + round) & 1);
  }
  signal(SIGUSR1, on_signal);
  for (int i = 0; i < 100; i++) {
    raise(SIGUSR1);
    level_a(i % 5, (unsigned)i);
  }
  printf("%lu\n", allocations);
  return 0;
}
