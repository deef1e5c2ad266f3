/*
 * arena.c — the tracker's private memory. Nothing the tracker keeps comes from malloc: a hooked
 * malloc that allocates would recurse into itself and would show up in the program's profile.
 *
 * One big PROT_NONE reservation (which costs no commit charge even with strict overcommit) is
 * made readable and writable in steps as a bump pointer advances through it. Blocks are never
 * reused, so "is this pointer ours?" is a range check and freshly handed-out memory is zero.
 *
 * Lock-free: the bump pointer moves by compare-and-swap, and a thread that needs pages beyond
 * the committed end commits them itself (mprotect and populate are idempotent, so two threads
 * committing overlapping steps is harmless). A signal handler that allocates while its thread is
 * inside arena_alloc therefore cannot deadlock, and no signal mask is changed per block.
 *
 * Committed steps are populated for writing at once (MADV_POPULATE_WRITE). Why: the tracker's
 * tables are read before they are written (a probe of an empty hash slot); a fresh anonymous page
 * that is read first maps the shared zero page, and the write that follows replaces it, which
 * shoots down the TLB of every CPU running the program (perf: 37 % of the time of a program
 * with a million new stacks). Populated up front, every page is written once, with no fault on
 * the hot path, and the arena's resident size is simply what was committed minus what was
 * released: the sampler no longer needs mincore over the whole arena at every tick.
 */
#define _GNU_SOURCE
#include "tracker_internal.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/* Try these reservation sizes in turn; an address-space limit (ulimit -v) may refuse the first. */
static const size_t reservation_sizes[] = {(size_t)16 << 30, (size_t)1 << 30, (size_t)64 << 20};
static const size_t commit_step = (size_t)2 << 20;

/* Every block is preceded by its size, so that arena_realloc() knows how much to copy. */
typedef struct block_header {
  size_t size;
  size_t padding;
} block_header;

uintptr_t arena_base;
size_t arena_span;

static _Atomic size_t arena_top;       /* offset of the first byte never handed out */
static _Atomic size_t arena_committed; /* offset of the first byte still PROT_NONE */
static _Atomic size_t arena_released;  /* bytes given back with arena_release */
static size_t page_size;

bool arena_init(void) {
  if (arena_base)
    return true;
  page_size = (size_t)sysconf(_SC_PAGESIZE);
  for (size_t i = 0; i < sizeof reservation_sizes / sizeof reservation_sizes[0]; i++) {
    void *region = mmap(NULL, reservation_sizes[i], PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region != MAP_FAILED) {
      arena_span = reservation_sizes[i];
      arena_base = (uintptr_t)region;
      return true;
    }
  }
  return false;
}

/* Makes [.., end) writable and populated. Another thread may be committing the same steps. */
static bool commit_up_to(size_t end) {
  size_t committed = atomic_load_explicit(&arena_committed, memory_order_acquire);
  if (end <= committed)
    return true;
  size_t new_committed = (end + commit_step - 1) / commit_step * commit_step;
  if (new_committed > arena_span)
    new_committed = arena_span;
  void *from = (void *)(arena_base + committed);
  size_t length = new_committed - committed;
  if (mprotect(from, length, PROT_READ | PROT_WRITE) != 0)
    return false;
  /* Best effort: an older kernel (EINVAL) or a lack of memory just leaves pages to fault in. */
  madvise(from, length, MADV_POPULATE_WRITE);
  while (committed < new_committed &&
         !atomic_compare_exchange_weak_explicit(&arena_committed, &committed, new_committed,
                                                memory_order_release, memory_order_acquire)) {
  }
  return true;
}

void *arena_alloc(size_t size, size_t alignment) {
  if (alignment < 16)
    alignment = 16;
  if ((alignment & (alignment - 1)) != 0 || size > arena_span)
    return NULL;
  size_t top = atomic_load_explicit(&arena_top, memory_order_relaxed);
  size_t start, end;
  do {
    start = (top + sizeof(block_header) + alignment - 1) & ~(alignment - 1);
    end = start + size;
    if (end > arena_span || end < start)
      return NULL;
  } while (!atomic_compare_exchange_weak_explicit(&arena_top, &top, end, memory_order_relaxed,
                                                  memory_order_relaxed));
  if (!commit_up_to(end))
    return NULL; /* the range stays claimed: the arena never reuses addresses anyway */
  void *block = (void *)(arena_base + start);
  ((block_header *)block)[-1].size = size;
  return block;
}

void *arena_realloc(void *block, size_t size) {
  void *fresh = arena_alloc(size, 16);
  if (fresh && block) {
    size_t old_size = ((block_header *)block)[-1].size;
    memcpy(fresh, block, old_size < size ? old_size : size);
  }
  return fresh;
}

void arena_release(void *block, size_t size) {
  uintptr_t first = ((uintptr_t)block + page_size - 1) & ~(page_size - 1);
  uintptr_t last = ((uintptr_t)block + size) & ~(page_size - 1);
  if (last > first && madvise((void *)first, last - first, MADV_DONTNEED) == 0)
    atomic_fetch_add_explicit(&arena_released, last - first, memory_order_relaxed);
}

/* Committed pages are populated, released ones are gone: no system call needed. */
size_t arena_resident_bytes(void) {
  size_t committed = atomic_load_explicit(&arena_committed, memory_order_relaxed);
  size_t released = atomic_load_explicit(&arena_released, memory_order_relaxed);
  return committed > released ? committed - released : 0;
}

/* Nothing to hold across fork(): the arena takes no lock. */
void arena_fork_prepare(void) {}
void arena_fork_parent(void) {}
void arena_fork_child(void) {}
