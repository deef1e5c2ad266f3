/*
 * arena.c — the tracker's private memory. Nothing the tracker keeps comes from malloc: a hooked
 * malloc that allocates would recurse into itself and would show up in the program's profile.
 *
 * One big PROT_NONE reservation (which costs no commit charge even with strict overcommit) is
 * made readable and writable in steps as a bump pointer advances through it. Blocks are never
 * reused, so "is this pointer ours?" is a range check and freshly handed-out memory is zero.
 */
#include "tracker_internal.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

static spinlock arena_lock;
static size_t arena_top;       /* offset of the first byte never handed out */
static size_t arena_committed; /* offset of the first byte still PROT_NONE */

bool arena_init(void) {
  if (arena_base)
    return true;
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

static bool commit_up_to(size_t end) {
  if (end <= arena_committed)
    return true;
  size_t new_committed = (end + commit_step - 1) / commit_step * commit_step;
  if (new_committed > arena_span)
    new_committed = arena_span;
  if (mprotect((void *)(arena_base + arena_committed), new_committed - arena_committed,
               PROT_READ | PROT_WRITE) != 0)
    return false;
  arena_committed = new_committed;
  return true;
}

void *arena_alloc(size_t size, size_t alignment) {
  if (alignment < 16)
    alignment = 16;
  if ((alignment & (alignment - 1)) != 0 || size > arena_span)
    return NULL;
  /* Signals are blocked while the lock is held: a handler that allocates while the tracker is
     busy is served from here, and would spin forever on a lock its own thread holds. Two
     rt_sigprocmask calls per arena block; blocks are taken on cache misses and table growth
     only (some 50 in Benchmarks/alloc_churn.c's 8 million allocations). */
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  spinlock_lock(&arena_lock);
  size_t start = (arena_top + sizeof(block_header) + alignment - 1) & ~(alignment - 1);
  size_t end = start + size;
  void *block = NULL;
  if (end <= arena_span && commit_up_to(end)) {
    arena_top = end;
    block = (void *)(arena_base + start);
    ((block_header *)block)[-1].size = size;
  }
  spinlock_unlock(&arena_lock);
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
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
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  uintptr_t first = ((uintptr_t)block + page - 1) & ~(page - 1);
  uintptr_t last = ((uintptr_t)block + size) & ~(page - 1);
  if (last > first)
    madvise((void *)first, last - first, MADV_DONTNEED);
}

/* Resident, not merely handed out: most of a write buffer is untouched in a small program. */
size_t arena_resident_bytes(void) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t committed = __atomic_load_n(&arena_committed, __ATOMIC_RELAXED);
  unsigned char residency[4096];
  size_t resident_pages = 0;
  for (size_t offset = 0; offset < committed; offset += sizeof residency * page) {
    size_t length = committed - offset < sizeof residency * page ? committed - offset
                                                                 : sizeof residency * page;
    if (mincore((void *)(arena_base + offset), length, residency) != 0)
      break;
    for (size_t i = 0; i < length / page; i++)
      resident_pages += residency[i] & 1;
  }
  return resident_pages * page;
}

void arena_fork_prepare(void) { spinlock_lock(&arena_lock); }
void arena_fork_parent(void) { spinlock_unlock(&arena_lock); }
void arena_fork_child(void) { spinlock_unlock(&arena_lock); }
