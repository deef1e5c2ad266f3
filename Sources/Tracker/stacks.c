/*
 * stacks.c — stacks interned as a prefix tree rooted at the outermost frame.
 *
 * Node N is defined by the N-th FRAME record (parent node, ip); an ALLOC names its leaf, the
 * innermost frame. The tree lives in the arena: a node array indexed by id and an
 * open-addressing table (parent, ip) -> id. Both are only touched under stacks_lock, which the
 * record that first names a new node holds while it takes its sequence number (events.c).
 *
 * Most allocations repeat a stack seen before, so each thread first probes its own small cache,
 * without any lock: hash of the ip array -> (leaf, pointer to the interned copy of the stack).
 * A hit is confirmed with memcmp against that copy, so a hash collision can never attribute an
 * allocation to the wrong stack.
 */
#define _GNU_SOURCE
#include "tracker_internal.h"

#include <pthread.h>
#include <string.h>

typedef struct stack_node {
  uintptr_t ip;
  uint32_t parent;
  /* Frames from this node to the root, and their ips innermost first; NULL until the node is
     first a leaf. Written once, never freed: the thread caches point at it. */
  uint32_t depth;
  const uintptr_t *stack;
} stack_node;

typedef struct trie_slot {
  uintptr_t ip;
  uint32_t parent;
  uint32_t node; /* 0: empty */
} trie_slot;

static stack_node *nodes; /* nodes[0] is the root, whose ip is 0 */
static uint32_t node_count;
static uint32_t node_capacity;
static trie_slot *slots;
static size_t slot_count; /* a power of two, at least twice node_count */

atomic_uint stacks_generation = 1;

/* ---- The per-thread cache ---------------------------------------------------------------- */

#define THREAD_CACHE_SIZE 1024 /* entries, a power of two */

typedef struct cache_entry {
  uint64_t hash;
  const uintptr_t *stack;
  uint32_t node;
  uint32_t depth;
  uint32_t generation;
} cache_entry;

typedef struct thread_cache {
  struct thread_cache *next_free;
  cache_entry entries[THREAD_CACHE_SIZE];
} thread_cache;

static __thread thread_cache *current_cache;
/* Caches of exited threads, reused by new threads; guarded by stacks_lock. */
static thread_cache *free_caches;
static pthread_key_t cache_key;

static void recycle_cache(void *cache_pointer) {
  /* Busy while stacks_lock is held: a signal handler's malloc goes to the arena instead of
     recording (and spinning on the lock this thread holds). */
  int was_busy = tracker_busy;
  tracker_busy = 1;
  spinlock_lock(&stacks_lock);
  thread_cache *cache = cache_pointer;
  cache->next_free = free_caches;
  free_caches = cache;
  spinlock_unlock(&stacks_lock);
  current_cache = NULL;
  tracker_busy = was_busy;
}

/* With the stream lock held. */
static thread_cache *cache_for_this_thread(void) {
  if (LIKELY(current_cache != NULL))
    return current_cache;
  thread_cache *cache = free_caches;
  if (cache)
    free_caches = cache->next_free;
  else
    cache = arena_alloc(sizeof *cache, 64);
  if (cache)
    pthread_setspecific(cache_key, cache); /* returns it to free_caches when the thread exits */
  current_cache = cache;
  return cache;
}

/* A rotate-xor per frame (no multiply chain: this runs on every allocation), mixed once at the
   end. Collisions only cost a cache miss: hits are confirmed with memcmp. */
uint64_t stacks_hash(const uintptr_t *ips, int depth) {
  uint64_t hash = (uint64_t)depth;
  for (int i = 0; i < depth; i++)
    hash = ((hash << 7) | (hash >> 57)) ^ ips[i];
  hash *= 0x9e3779b97f4a7c15ull;
  return hash ^ (hash >> 31);
}

uint32_t stacks_lookup_cached(const uintptr_t *ips, int depth, uint64_t hash) {
  thread_cache *cache = current_cache;
  if (UNLIKELY(cache == NULL))
    return 0;
  const cache_entry *entry = &cache->entries[hash & (THREAD_CACHE_SIZE - 1)];
  if (entry->hash == hash && entry->depth == (uint32_t)depth &&
      entry->generation == atomic_load_explicit(&stacks_generation, memory_order_relaxed) &&
      memcmp(entry->stack, ips, (size_t)depth * sizeof *ips) == 0)
    return entry->node;
  return 0;
}

static void remember_in_cache(uint64_t hash, const stack_node *leaf, uint32_t leaf_id) {
  thread_cache *cache = cache_for_this_thread();
  if (!cache)
    return;
  cache_entry *entry = &cache->entries[hash & (THREAD_CACHE_SIZE - 1)];
  entry->hash = hash;
  entry->stack = leaf->stack;
  entry->node = leaf_id;
  entry->depth = leaf->depth;
  entry->generation = atomic_load_explicit(&stacks_generation, memory_order_relaxed);
}

/* ---- The global tree ------------------------------------------------------------------------ */

static size_t slot_index(uint32_t parent, uintptr_t ip) {
  uint64_t key = ((uint64_t)ip * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)parent * 0xc2b2ae3d27d4eb4full);
  return (size_t)(key ^ (key >> 32)) & (slot_count - 1);
}

static void insert_slot(uint32_t parent, uintptr_t ip, uint32_t node) {
  size_t index = slot_index(parent, ip);
  while (slots[index].node != 0)
    index = (index + 1) & (slot_count - 1);
  slots[index] = (trie_slot){ip, parent, node};
}

static bool resize_slots(size_t new_count) {
  trie_slot *fresh = arena_alloc(new_count * sizeof *fresh, 64);
  if (!fresh)
    return false;
  trie_slot *old = slots;
  size_t old_count = slot_count;
  slots = fresh;
  slot_count = new_count;
  for (uint32_t id = 1; id <= node_count; id++)
    insert_slot(nodes[id].parent, nodes[id].ip, id);
  if (old)
    arena_release(old, old_count * sizeof *old);
  return true;
}

static bool grow_nodes(void) {
  uint32_t new_capacity = node_capacity * 2;
  stack_node *fresh = arena_alloc((size_t)new_capacity * sizeof *fresh, 64);
  if (!fresh)
    return false;
  memcpy(fresh, nodes, (size_t)(node_count + 1) * sizeof *fresh);
  arena_release(nodes, (size_t)node_capacity * sizeof *nodes);
  nodes = fresh;
  node_capacity = new_capacity;
  return true;
}

bool stacks_init(void) {
  node_capacity = 4096;
  nodes = arena_alloc((size_t)node_capacity * sizeof *nodes, 64);
  if (!nodes || !resize_slots(2 * node_capacity))
    return false;
  return pthread_key_create(&cache_key, recycle_cache) == 0;
}

static uint32_t find_child(uint32_t parent, uintptr_t ip) {
  size_t index = slot_index(parent, ip);
  while (slots[index].node != 0) {
    if (slots[index].ip == ip && slots[index].parent == parent)
      return slots[index].node;
    index = (index + 1) & (slot_count - 1);
  }
  return 0;
}

/* Defines a node and writes its FRAME record. 0 when the arena is exhausted. */
static uint32_t add_child(uint8_t **cursor, uint32_t parent, uintptr_t ip) {
  if (node_count + 1 >= node_capacity && !grow_nodes())
    return 0;
  if (2 * ((size_t)node_count + 1) > slot_count && !resize_slots(2 * slot_count))
    return 0;
  uint32_t id = ++node_count;
  nodes[id] = (stack_node){ip, parent, nodes[parent].depth + 1, NULL};
  insert_slot(parent, ip, id);
  uint8_t *p = *cursor;
  *p++ = WORKSHOP_RECORD_FRAME;
  p = put_uv(p, parent);
  p = put_sv(p, (int64_t)(ip - nodes[parent].ip));
  *cursor = p;
  return id;
}

uint32_t stacks_intern_locked(uint8_t **cursor, const uintptr_t *ips, int depth, uint64_t hash) {
  uint32_t node = 0;
  for (int i = depth - 1; i >= 0; i--) {
    uint32_t child = find_child(node, ips[i]);
    if (child == 0 && (child = add_child(cursor, node, ips[i])) == 0)
      return 0;
    node = child;
  }
  if (node == 0)
    return 0;
  stack_node *leaf = &nodes[node];
  if (leaf->stack == NULL) {
    uintptr_t *copy = arena_alloc((size_t)depth * sizeof *copy, 16);
    if (!copy)
      return node;
    memcpy(copy, ips, (size_t)depth * sizeof *copy);
    leaf->stack = copy;
  }
  remember_in_cache(hash, leaf, node);
  return node;
}

uint32_t stacks_node_count_locked(void) { return node_count; }

void stacks_truncate_locked(uint32_t keep) {
  if (keep >= node_count)
    return;
  node_count = keep;
  memset(slots, 0, slot_count * sizeof *slots);
  for (uint32_t id = 1; id <= node_count; id++)
    insert_slot(nodes[id].parent, nodes[id].ip, id);
  atomic_fetch_add_explicit(&stacks_generation, 1, memory_order_relaxed);
}
