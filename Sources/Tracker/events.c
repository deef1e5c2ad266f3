/*
 * events.c — the hot path: one ALLOC or FREE record per successful allocator call, written into
 * the calling thread's own buffer with a number from the global order (stream.c).
 *
 * Ordering rules that keep the capture truthful when threads race:
 *   - ALLOC takes its number after the real allocation and before the hook returns the block, so
 *     no FREE of it can be numbered first.
 *   - FREE takes its number before the real free(): once the block is back in malloc another
 *     thread may receive the same address, and its ALLOC must be numbered after our FREE.
 *   - realloc() frees and allocates in one call: the FREE's number is taken before the real
 *     realloc, the ALLOC's after it, and the thread holds its own buffer throughout, so the two
 *     records stand together in one chunk (the reader keeps them a pair, see the format).
 *   - A record whose stack needed new nodes takes its number while holding stacks_lock, so node
 *     numbers follow the global order and every FRAME comes before the records that name it.
 * With clock keys (stream.c: an unfenced rdtsc, only nearly in order across threads) the first
 * three hold through stripe numbers instead: each ALLOC and FREE also takes the next number of its
 * address's stripe, at the same moment as its key, and the reader delivers a stripe's events in
 * that order. The last
 * holds exactly: a record keyed under stacks_lock takes a key above every earlier one
 * (stacks_last_key), and its stripe number under the same lock.
 */
#include "tracker_internal.h"

/* The stack of the current call, unwound (or found in the stack cache) outside any lock. */
typedef struct captured_stack {
  uintptr_t scratch[TRACKER_MAX_DEPTH + UNWIND_SCRATCH_EXTRA];
  const uintptr_t *ips;
  int depth;
  bool hashed; /* hash is valid (a stack cache hit skips hashing) */
  uint64_t hash;
  unsigned generation;
  uint32_t cached_node;
  site_entry *learning; /* the stack cache entry to fill once the leaf is known, or NULL */
  uint64_t stripe;      /* the ALLOC's stripe number (clock keys), or UINT64_MAX */
  uint32_t node;        /* set under the lock: the leaf node recorded ... */
  unsigned node_generation; /* ... and the generation it belongs to */
} captured_stack;

/* The ordinary path: unw_backtrace, hash, the per-thread cache of interned stacks. */
static inline void capture_unwound(captured_stack *stack) {
  bool modules_known;
  stack->ips = unwind_capture(stack->scratch, &stack->depth, &modules_known);
  stack->hash = stacks_hash(stack->ips, stack->depth);
  stack->hashed = true;
  stack->generation = atomic_load_explicit(&stacks_generation, memory_order_relaxed);
  stack->cached_node = stacks_lookup_cached(stack->ips, stack->depth, stack->hash);
  /* A stack this thread has not seen may run through a library loaded since the last MODULES,
     unless the unwind knows better; a LOST or a fork child's fresh stream (generation 0) wants a
     MODULES again in any case. */
  if (stack->cached_node == 0 && stack->depth > 0 &&
      (!modules_known || __atomic_load_n(&stream_modules_generation, __ATOMIC_RELAXED) == 0))
    tracker_refresh_modules();
}

/* A key met again: the slow unwind that finds the stack words, checked against the ordinary one
   (which is what gets recorded either way). */
static __attribute__((noinline)) void capture_and_learn(captured_stack *stack, site_entry *entry,
                                                       const uintptr_t *hook_frame) {
  uintptr_t located[SITE_MAX_DEPTH];
  int depth = stackcache_capture(entry, hook_frame, located);
  capture_unwound(stack);
  if (depth < 0)
    return;
  if (depth != stack->depth || __builtin_memcmp(located, stack->ips, (size_t)depth * sizeof *located) != 0) {
    stackcache_refuse(entry);
    return;
  }
  stack->learning = entry;
}

/* Verify mode: the cached stack must be exactly what a full unwind gives. */
static __attribute__((noinline)) void verify_hit(const captured_stack *stack) {
  uintptr_t scratch[TRACKER_MAX_DEPTH + UNWIND_SCRATCH_EXTRA];
  int depth;
  bool modules_known;
  const uintptr_t *ips = unwind_capture(scratch, &depth, &modules_known);
  if (depth != stack->depth || __builtin_memcmp(ips, stack->ips, (size_t)depth * sizeof *ips) != 0)
    stackcache_mismatch(stack->ips, stack->depth, ips, depth);
}

static inline void capture_stack(captured_stack *stack, const uintptr_t *hook_frame) {
  stack->learning = NULL;
  if (LIKELY(stackcache_enabled)) {
    site_entry *entry;
    switch (stackcache_lookup(hook_frame, &entry)) {
    case SITE_HIT:
      stack->ips = stackcache_hit_stack(entry, &stack->depth, &stack->cached_node, &stack->generation);
      stack->hashed = false;
      if (UNLIKELY(stackcache_verify))
        verify_hit(stack);
      return;
    case SITE_LEARN:
      capture_and_learn(stack, entry, hook_frame);
      return;
    case SITE_PLAIN:
      capture_unwound(stack);
      if (entry)
        stackcache_observe(entry, stack->hash);
      return;
    }
  }
  capture_unwound(stack);
}

static inline size_t stack_reserve(const captured_stack *stack) {
  return (size_t)stack->depth * FRAME_RECORD_MAX;
}

/*
 * With the thread's buffer held: the leaf node (interning the stack if no cache knew it), then the
 * record's tag and number. The number is taken under stacks_lock when the tree was consulted, so
 * that a node's FRAME is numbered before any record that names it, on any thread. NULL when
 * recording has stopped.
 */
static inline uint8_t *put_stack_and_tag(uint8_t **cursor, captured_stack *stack, uint8_t tag,
                                         uintptr_t address) {
  unsigned generation = atomic_load_explicit(&stacks_generation, memory_order_relaxed);
  uint32_t node = 0;
  uint8_t *tagged;
  if (LIKELY(stack->cached_node != 0 && stack->generation == generation)) {
    node = stack->cached_node;
    tagged = stream_put_tag(*cursor, tag);
  } else if (stack->depth > 0) {
    if (!stack->hashed) {
      stack->hash = stacks_hash(stack->ips, stack->depth);
      stack->hashed = true;
    }
    spinlock_lock(&stacks_lock);
    generation = atomic_load_explicit(&stacks_generation, memory_order_relaxed);
    node = stacks_intern_locked(cursor, stack->ips, stack->depth, stack->hash);
    tagged = stream_put_tag_locked(*cursor, tag);
    /* A record ordered by stacks_lock takes its stripe number under it too. */
    if (tagged && stream_clock_keyed(writing_stream))
      stack->stripe = stream_take_stripe(address);
    spinlock_unlock(&stacks_lock);
  } else {
    tagged = stream_put_tag(*cursor, tag);
  }
  stack->node = node;
  stack->node_generation = generation;
  return tagged;
}

/* After the record: a stack learned by the stack cache gets its leaf node. */
static inline void finish_learning(const captured_stack *stack) {
  if (UNLIKELY(stack->learning != NULL) && stack->node != 0)
    stackcache_store(stack->learning, stack->ips, stack->depth, stack->node, stack->node_generation);
}

/* ALLOC: FRAMEs the stack needs, tag, number, address, size, node. NULL when recording has
   stopped (nothing must then be kept from `cursor` on). */
static inline uint8_t *put_alloc(uint8_t *cursor, workshop_alloc_kind kind, void *block,
                                 size_t size, captured_stack *stack) {
  cursor = stream_put_thread(cursor);
  uint8_t *record =
      put_stack_and_tag(&cursor, stack, (uint8_t)(WORKSHOP_RECORD_ALLOC | kind), (uintptr_t)block);
  if (UNLIKELY(record == NULL))
    return NULL;
  record = stream_put_alloc_address(record, (uintptr_t)block);
  record = put_uv(record, size);
  record = put_uv(record, stack->node);
  if (LIKELY(!stream_clock_keyed(writing_stream)))
    return record;
  /* Clock keys: the stripe number, unless taken under stacks_lock already. Still within the
     moment the key was taken: the buffer has been held since, and nothing else was ordered. */
  if (stack->stripe == UINT64_MAX)
    stack->stripe = stream_take_stripe((uintptr_t)block);
  return stream_put_stripe(record, (uintptr_t)block, stack->stripe);
}

static inline uint8_t *put_free(uint8_t *cursor, workshop_free_kind kind, void *block) {
  return stream_put_free(stream_put_thread(cursor), (uint8_t)kind, (uintptr_t)block);
}

void record_alloc(workshop_alloc_kind kind, void *block, size_t size, const uintptr_t *hook_frame) {
  tracker_busy = 1;
  captured_stack stack;
  stack.node = 0;
  stack.stripe = UINT64_MAX;
  capture_stack(&stack, hook_frame);
  uint8_t *start = stream_reserve(EVENT_RECORD_MAX + stack_reserve(&stack));
  uint8_t *end = put_alloc(start, kind, block, size, &stack);
  stream_commit(end ? end : start, end ? 1 : 0);
  finish_learning(&stack);
  tracker_busy = 0;
}

void record_free(workshop_free_kind kind, void *block) {
  tracker_busy = 1;
  uint8_t *start = stream_reserve(EVENT_RECORD_MAX);
  uint8_t *end = put_free(start, kind, block);
  stream_commit(end ? end : start, end ? 1 : 0);
  tracker_busy = 0;
}

void *record_realloc(workshop_alloc_kind kind, void *old_block, size_t count, size_t element_size,
                     const uintptr_t *hook_frame) {
  tracker_busy = 1;
  size_t size = count * element_size; /* reallocarray's overflow is checked by the caller */
  captured_stack stack;
  stack.node = 0;
  stack.stripe = UINT64_MAX;
  if (size > 0) {
    capture_stack(&stack, hook_frame);
  } else {
    stack.depth = 0; /* realloc(p, 0) frees: no stack needed */
    stack.cached_node = 0;
    stack.learning = NULL;
  }
  uint8_t *start = stream_reserve(2 * EVENT_RECORD_MAX + stack_reserve(&stack));
  /* The FREE is numbered before the real call releases the old block (another thread may get
     its address back at once); it is kept only if the call succeeds. */
  /* The encoder's state before the FREE, to take back with it if the call fails. */
  thread_stream *stream = writing_stream;
  uint64_t sequence_before = stream->last_sequence;
  uintptr_t address_before = stream->last_address;
  pid_t thread_before = stream->last_thread;
  uint64_t stripe_next_before = stream->stripe_next[WORKSHOP_STRIPE_OF(old_block)];
  stream->last_stripe = UINT64_MAX;
  uint8_t *end = put_free(start, WORKSHOP_FREE_REALLOC, old_block);
  void *block = kind == WORKSHOP_ALLOC_REALLOCARRAY ? real_reallocarray(old_block, count, element_size)
                                                    : real_realloc(old_block, size);
  uint32_t events = 0;
  if (end != NULL) {
    /* glibc's realloc(p, 0) frees p and returns NULL; any other NULL is a failure, which freed
       nothing: its FREE is taken back (its number stays unused). */
    if (block != NULL || size == 0) {
      events++;
    } else {
      /* The records after it are decoded from what the buffer holds: the encoder forgets the
         FREE's number, address and THREAD record too. */
      end = start;
      stream->last_sequence = sequence_before;
      stream->last_address = address_before;
      stream->last_thread = thread_before;
      stream->stripe_next[WORKSHOP_STRIPE_OF(old_block)] = stripe_next_before;
      /* The FREE's stripe number was taken: the reader waits for every number of a stripe. */
      if (stream->last_stripe != UINT64_MAX)
        end = stream_put_stripe_only(end, (uintptr_t)old_block, stream->last_stripe);
    }
    if (block != NULL) {
      end = put_alloc(end, kind, block, size, &stack);
      events++;
    }
  }
  stream_commit(end ? end : start, end ? events : 0);
  finish_learning(&stack);
  tracker_busy = 0;
  return block;
}
