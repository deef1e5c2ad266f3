/*
 * hooks.c — the interposed allocator functions, and nothing else.
 *
 * Each hook has three paths:
 *   - tracker_busy: the tracker itself (or dlsym/dlopen/libunwind on its behalf) is allocating;
 *     serve it from the arena and record nothing.
 *   - an arena block handed to free/realloc: it is ours; never pass it to glibc.
 *   - otherwise call the real function and record the call if it succeeded.
 */
#define _GNU_SOURCE
#include "tracker_internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
void *(*real_realloc)(void *, size_t);
void *(*real_reallocarray)(void *, size_t, size_t);
static void (*real_free_fn)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);

void hooks_bootstrap(void) {
  if (real_free_fn)
    return;
  /* dlsym() itself calls calloc: tracker_busy sends that to the arena. */
  int was_busy = tracker_busy;
  tracker_busy = 1;
  if (!arena_init())
    abort(); /* cannot even serve dlsym's own allocations */
  real_malloc = dlsym(RTLD_NEXT, "malloc");
  real_calloc = dlsym(RTLD_NEXT, "calloc");
  real_realloc = dlsym(RTLD_NEXT, "realloc");
  real_reallocarray = dlsym(RTLD_NEXT, "reallocarray");
  real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
  real_memalign = dlsym(RTLD_NEXT, "memalign");
  real_valloc = dlsym(RTLD_NEXT, "valloc");
  real_pvalloc = dlsym(RTLD_NEXT, "pvalloc");
  __atomic_store_n(&real_free_fn, dlsym(RTLD_NEXT, "free"), __ATOMIC_RELEASE);
  tracker_busy = was_busy;
}

void *hooks_next(const char *name) {
  int was_busy = tracker_busy;
  tracker_busy = 1; /* dlsym's allocations go to the arena */
  hooks_bootstrap();
  void *function = dlsym(RTLD_NEXT, name);
  tracker_busy = was_busy;
  return function;
}

static inline bool tracking(void) {
  return atomic_load_explicit(&tracker_active, memory_order_relaxed) != 0;
}

/* The exported hook's own frame: [0] the caller's rbp, [1] the return address into the caller.
   The build keeps frame pointers, and __builtin_frame_address forces one in this function. */
#define HOOK_FRAME ((const uintptr_t *)__builtin_frame_address(0))

/* Until the tracker has started: resolve the real functions, and start the tracker from this
   very call if it can (libraries allocate in their constructors, before the tracker's own). */
#define BOOTSTRAP()                                                                              \
  do {                                                                                           \
    if (UNLIKELY(!atomic_load_explicit(&tracker_started, memory_order_acquire)))                \
      tracker_start_early();                                                                     \
  } while (0)

EXPORT void *malloc(size_t size) {
  if (UNLIKELY(tracker_busy))
    return arena_alloc(size, 16);
  BOOTSTRAP();
  void *block = real_malloc(size);
  if (LIKELY(block != NULL) && tracking())
    record_alloc(WORKSHOP_ALLOC_MALLOC, block, size, HOOK_FRAME);
  return block;
}

EXPORT void free(void *block) {
  if (block == NULL || arena_owns(block))
    return;
  BOOTSTRAP();
  if (tracking() && !tracker_busy)
    record_free(WORKSHOP_FREE_FREE, block);
  real_free_fn(block);
}

EXPORT void *calloc(size_t count, size_t element_size) {
  size_t size;
  if (UNLIKELY(tracker_busy))
    return __builtin_mul_overflow(count, element_size, &size) ? NULL : arena_alloc(size, 16);
  BOOTSTRAP();
  void *block = real_calloc(count, element_size);
  if (LIKELY(block != NULL) && tracking())
    record_alloc(WORKSHOP_ALLOC_CALLOC, block, count * element_size, HOOK_FRAME);
  return block;
}

/* realloc/reallocarray share everything but the real function and the size arithmetic.
   Always inlined, so that HOOK_FRAME is the exported function's frame. */
static inline __attribute__((always_inline)) void *reallocate(workshop_alloc_kind kind,
                                                               void *old_block, size_t count,
                                                               size_t element_size) {
  size_t size;
  if (__builtin_mul_overflow(count, element_size, &size)) {
    errno = ENOMEM;
    return NULL;
  }
  if (arena_owns(old_block))
    return arena_realloc(old_block, size);
  if (UNLIKELY(tracker_busy) && old_block == NULL)
    return arena_alloc(size, 16);
  BOOTSTRAP();
  if (!tracking() || tracker_busy)
    return kind == WORKSHOP_ALLOC_REALLOC ? real_realloc(old_block, size)
                                          : real_reallocarray(old_block, count, element_size);
  if (old_block == NULL) {
    void *block = real_malloc(size);
    if (block != NULL)
      record_alloc(kind, block, size, HOOK_FRAME);
    return block;
  }
  return record_realloc(kind, old_block, count, element_size, HOOK_FRAME);
}

EXPORT void *realloc(void *old_block, size_t size) {
  return reallocate(WORKSHOP_ALLOC_REALLOC, old_block, size, 1);
}

EXPORT void *reallocarray(void *old_block, size_t count, size_t element_size) {
  return reallocate(WORKSHOP_ALLOC_REALLOCARRAY, old_block, count, element_size);
}

EXPORT int posix_memalign(void **result, size_t alignment, size_t size) {
  if (UNLIKELY(tracker_busy)) {
    *result = arena_alloc(size, alignment);
    return *result ? 0 : ENOMEM;
  }
  BOOTSTRAP();
  int error = real_posix_memalign(result, alignment, size);
  if (error == 0 && tracking())
    record_alloc(WORKSHOP_ALLOC_POSIX_MEMALIGN, *result, size, HOOK_FRAME);
  return error;
}

/* The four other aligned allocators: same shape, different real function and record kind. */
#define ALIGNED_HOOK(name, kind, alignment_expr, parameters, arguments, size_arg)                 \
  EXPORT void *name parameters {                                                                 \
    if (UNLIKELY(tracker_busy))                                                                  \
      return arena_alloc(size_arg, alignment_expr);                                              \
    BOOTSTRAP();                                                                                 \
    void *block = real_##name arguments;                                                         \
    if (block != NULL && tracking())                                                             \
      record_alloc(kind, block, size_arg, HOOK_FRAME);                                          \
    return block;                                                                                \
  }

ALIGNED_HOOK(aligned_alloc, WORKSHOP_ALLOC_ALIGNED_ALLOC, alignment,
             (size_t alignment, size_t size), (alignment, size), size)
ALIGNED_HOOK(memalign, WORKSHOP_ALLOC_MEMALIGN, alignment, (size_t alignment, size_t size),
             (alignment, size), size)
ALIGNED_HOOK(valloc, WORKSHOP_ALLOC_VALLOC, 4096, (size_t size), (size), size)
ALIGNED_HOOK(pvalloc, WORKSHOP_ALLOC_PVALLOC, 4096, (size_t size), (size), size)
