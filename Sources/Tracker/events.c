/*
 * events.c — the hot path: one ALLOC or FREE record per successful allocator call.
 *
 * Ordering rules that keep the stream truthful when threads race:
 *   - ALLOC is recorded before the hook returns the block, so no FREE of it can come first.
 *   - FREE is recorded before the real free(): once the block is back in malloc another thread
 *     may receive the same address, and its ALLOC must come after our FREE.
 *   - realloc() frees and allocates in one call, so the real realloc runs inside the stream
 *     lock and both records are written in the same critical section.
 */
#include "tracker_internal.h"

/* The stack of the current call, unwound and hashed outside any lock. */
typedef struct captured_stack {
  uintptr_t scratch[TRACKER_MAX_DEPTH + UNWIND_SCRATCH_EXTRA];
  const uintptr_t *ips;
  int depth;
  uint64_t hash;
  unsigned generation;
  uint32_t cached_node;
} captured_stack;

static inline void capture_stack(captured_stack *stack) {
  stack->ips = unwind_capture(stack->scratch, &stack->depth);
  stack->hash = stacks_hash(stack->ips, stack->depth);
  stack->generation = atomic_load_explicit(&stacks_generation, memory_order_relaxed);
  stack->cached_node = stacks_lookup_cached(stack->ips, stack->depth, stack->hash);
  /* A stack this thread has not seen may run through a library loaded since the last MODULES. */
  if (stack->cached_node == 0 && stack->depth > 0)
    tracker_refresh_modules();
}

static inline size_t stack_reserve(const captured_stack *stack) {
  return (size_t)stack->depth * FRAME_RECORD_MAX;
}

/* With the stream lock held: the leaf node, interning the stack if the cache did not know it. */
static inline uint32_t stack_node_locked(uint8_t **cursor, const captured_stack *stack) {
  if (LIKELY(stack->cached_node != 0 &&
             stack->generation == atomic_load_explicit(&stacks_generation, memory_order_relaxed)))
    return stack->cached_node;
  if (stack->depth == 0)
    return 0;
  return stacks_intern_locked(cursor, stack->ips, stack->depth, stack->hash);
}

static inline uint8_t *put_alloc(uint8_t *cursor, workshop_alloc_kind kind, void *block,
                                 size_t size, const captured_stack *stack) {
  uint32_t node = stack_node_locked(&cursor, stack);
  cursor = stream_put_thread(cursor);
  cursor = stream_put_address(cursor, (uint8_t)(WORKSHOP_RECORD_ALLOC | kind), (uintptr_t)block);
  cursor = put_uv(cursor, size);
  return put_uv(cursor, node);
}

static inline uint8_t *put_free(uint8_t *cursor, workshop_free_kind kind, void *block) {
  cursor = stream_put_thread(cursor);
  return stream_put_address(cursor, (uint8_t)(WORKSHOP_RECORD_FREE | kind), (uintptr_t)block);
}

void record_alloc(workshop_alloc_kind kind, void *block, size_t size) {
  tracker_busy = 1;
  captured_stack stack;
  capture_stack(&stack);
  uint8_t *cursor = stream_reserve(EVENT_RECORD_MAX + stack_reserve(&stack));
  uint32_t events = 0;
  if (LIKELY(atomic_load_explicit(&tracker_active, memory_order_relaxed))) {
    cursor = put_alloc(cursor, kind, block, size, &stack);
    events = 1;
  }
  stream_commit(cursor, events);
  tracker_busy = 0;
}

void record_free(workshop_free_kind kind, void *block) {
  tracker_busy = 1;
  uint8_t *cursor = stream_reserve(EVENT_RECORD_MAX);
  uint32_t events = 0;
  if (LIKELY(atomic_load_explicit(&tracker_active, memory_order_relaxed))) {
    cursor = put_free(cursor, kind, block);
    events = 1;
  }
  stream_commit(cursor, events);
  tracker_busy = 0;
}

void *record_realloc(workshop_alloc_kind kind, void *old_block, size_t count, size_t element_size) {
  tracker_busy = 1;
  size_t size = count * element_size; /* reallocarray's overflow is checked by the caller */
  captured_stack stack;
  if (size > 0) {
    capture_stack(&stack);
  } else {
    stack.depth = 0; /* realloc(p, 0) frees: no stack needed */
    stack.cached_node = 0;
  }
  uint8_t *cursor = stream_reserve(2 * EVENT_RECORD_MAX + stack_reserve(&stack));
  void *block = kind == WORKSHOP_ALLOC_REALLOCARRAY ? real_reallocarray(old_block, count, element_size)
                                                    : real_realloc(old_block, size);
  uint32_t events = 0;
  if (atomic_load_explicit(&tracker_active, memory_order_relaxed)) {
    /* glibc's realloc(p, 0) frees p and returns NULL; any other NULL is a failure. */
    if (block != NULL || size == 0) {
      cursor = put_free(cursor, WORKSHOP_FREE_REALLOC, old_block);
      events++;
    }
    if (block != NULL) {
      cursor = put_alloc(cursor, kind, block, size, &stack);
      events++;
    }
  }
  stream_commit(cursor, events);
  tracker_busy = 0;
  return block;
}
