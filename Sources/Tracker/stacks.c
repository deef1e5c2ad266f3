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

/* 16 bytes: a million new stacks make four million nodes. */
typedef struct stack_node {
  uintptr_t ip;
  uint32_t parent;
  /* The interned copy of the stack that ends here (ips innermost first), as an arena offset in
     16-byte units; 0 until the stack is met a second time. Written once, never freed: the
     thread caches point at it. A stack met once (a new path in a recursion) never gets one. */
  uint32_t copy;
} stack_node;

/* (parent, ip) -> node, open addressing; the tag (high bits of the key's hash) avoids reading
   the node of a slot that cannot match. */
typedef struct trie_slot {
  uint32_t node; /* 0: empty */
  uint32_t tag;
} trie_slot;

/* Nodes live in fixed chunks that never move: growing copies nothing and wastes nothing. */
#define NODE_CHUNK_BITS 16
#define NODE_CHUNK_SIZE ((uint32_t)1 << NODE_CHUNK_BITS)
#define NODE_CHUNKS_MAX 16384 /* a billion nodes */

static stack_node **node_chunks;
static uint32_t node_count; /* nodes 1..node_count are defined; node 0 is the root (ip 0) */
static uint32_t node_capacity;
static trie_slot *slots;
static size_t slot_count; /* a power of two; grown fourfold past 70 % full */

atomic_uint stacks_generation = 1;

static inline stack_node *node_at(uint32_t id) {
  return &node_chunks[id >> NODE_CHUNK_BITS][id & (NODE_CHUNK_SIZE - 1)];
}

static inline const uintptr_t *node_copy(const stack_node *node) {
  return (const uintptr_t *)(arena_base + (uintptr_t)node->copy * 16);
}

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
  /* The last stack this thread interned, outermost frame first, and its node at every level:
     consecutive new stacks share most of their outer frames (a recursion, a loop calling
     different helpers), which are then not looked up again. Valid in path_generation. */
  uint32_t path_depth, path_generation;
  uintptr_t path_ips[TRACKER_MAX_DEPTH];
  uint64_t path_hashes[TRACKER_MAX_DEPTH]; /* each level's path hash (see path_hash) */
  uint32_t path_nodes[TRACKER_MAX_DEPTH];
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
  if (cache) {
    free_caches = cache->next_free;
    cache->path_depth = 0;
  } else {
    cache = arena_alloc(sizeof *cache, 64);
  }
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
  if (entry->hash == hash && entry->stack != NULL && entry->depth == (uint32_t)depth &&
      entry->generation == atomic_load_explicit(&stacks_generation, memory_order_relaxed) &&
      memcmp(entry->stack, ips, (size_t)depth * sizeof *ips) == 0)
    return entry->node;
  return 0;
}

/* ---- The global tree ------------------------------------------------------------------------ */

/*
 * A node's slot is found by the hash of its whole path from the root (the hash of its parent's
 * path mixed with its ip), not by its parent's id: every level of a stack then has a hash known
 * before any lookup, so a thread can prefetch all the slots its stack will touch at once, before
 * it takes the lock (stacks_prefetch), instead of missing the caches once per level in a chain
 * (one load of a slot was 56 % of a program whose every allocation re-walks a known deep stack).
 * A match is still decided exactly, by the node's own parent and ip.
 */
#define ROOT_PATH_HASH 0x6a09e667f3bcc909ull

static inline uint64_t path_hash(uint64_t parent_hash, uintptr_t ip) {
  uint64_t x = parent_hash ^ (uint64_t)ip;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* The table as seen outside stacks_lock, for prefetching only (a stale pair is harmless: a
   prefetch never faults). */
static inline void publish_slots(trie_slot *table, size_t count) {
  __atomic_store_n(&slots, table, __ATOMIC_RELAXED);
  __atomic_store_n(&slot_count, count, __ATOMIC_RELAXED);
}

static void insert_slot(uint64_t hash, uint32_t node) {
  size_t index = (size_t)hash & (slot_count - 1);
  while (slots[index].node != 0)
    index = (index + 1) & (slot_count - 1);
  slots[index] = (trie_slot){node, (uint32_t)(hash >> 32)};
}

/* A node's path hash from its ancestors, when no table of hashes could be had. */
static uint64_t path_hash_of(uint32_t id) {
  uint32_t chain[TRACKER_MAX_DEPTH];
  int length = 0;
  for (; id != 0 && length < TRACKER_MAX_DEPTH; id = node_at(id)->parent)
    chain[length++] = id;
  uint64_t hash = ROOT_PATH_HASH;
  while (length > 0)
    hash = path_hash(hash, node_at(chain[--length])->ip);
  return hash;
}

/* Every node 1..node_count into the (empty) table: path hashes in id order (a parent's id is
   below its children's), then the inserts, each slot prefetched a few inserts ahead (a rehash
   of millions of nodes otherwise waits for one cache miss per node). */
static void rehash_all(void) {
  if (node_count == 0)
    return;
  size_t bytes = ((size_t)node_count + 1) * sizeof(uint64_t);
  uint64_t *hashes = arena_alloc(bytes, 64);
  if (!hashes) {
    for (uint32_t id = 1; id <= node_count; id++)
      insert_slot(path_hash_of(id), id);
    return;
  }
  hashes[0] = ROOT_PATH_HASH;
  for (uint32_t id = 1; id <= node_count; id++) {
    const stack_node *node = node_at(id);
    hashes[id] = path_hash(hashes[node->parent], node->ip);
  }
  const uint32_t ahead = 16;
  for (uint32_t id = 1; id <= node_count; id++) {
    if (id + ahead <= node_count)
      __builtin_prefetch(&slots[hashes[id + ahead] & (slot_count - 1)], 1);
    insert_slot(hashes[id], id);
  }
  arena_release(hashes, bytes);
}

static bool resize_slots(size_t new_count) {
  trie_slot *fresh = arena_alloc(new_count * sizeof *fresh, 64);
  if (!fresh)
    return false;
  trie_slot *old = slots;
  size_t old_count = slot_count;
  slots = fresh;
  slot_count = new_count;
  rehash_all();
  publish_slots(fresh, new_count);
  if (old)
    arena_release(old, old_count * sizeof *old);
  return true;
}

static bool add_node_chunk(void) {
  uint32_t chunk = node_capacity >> NODE_CHUNK_BITS;
  if (chunk >= NODE_CHUNKS_MAX)
    return false;
  stack_node *fresh = arena_alloc((size_t)NODE_CHUNK_SIZE * sizeof *fresh, 64);
  if (!fresh)
    return false;
  node_chunks[chunk] = fresh;
  node_capacity += NODE_CHUNK_SIZE;
  return true;
}

bool stacks_init(void) {
  node_chunks = arena_alloc(NODE_CHUNKS_MAX * sizeof *node_chunks, 64);
  if (!node_chunks || !add_node_chunk() || !resize_slots(2 * NODE_CHUNK_SIZE))
    return false;
  return pthread_key_create(&cache_key, recycle_cache) == 0;
}

/* How many outer frames of `ips` (innermost first) the thread's last interned path shares. */
static inline int shared_levels(const thread_cache *cache, const uintptr_t *ips, int depth) {
  int shared = depth < (int)cache->path_depth ? depth : (int)cache->path_depth;
  int level = 0;
  while (level < shared && cache->path_ips[level] == ips[depth - 1 - level])
    level++;
  return level;
}

/* Prefetch no more levels than the core can have misses in flight. */
#define PREFETCH_LEVELS 24

void stacks_prefetch(const uintptr_t *ips, int depth) {
  const thread_cache *cache = current_cache;
  unsigned generation = atomic_load_explicit(&stacks_generation, memory_order_relaxed);
  int level = 0;
  uint64_t hash = ROOT_PATH_HASH;
  /* Path hashes stay right across generations (they depend on ips only); the path itself is
     this thread's own, written only by this thread under the lock. */
  if (cache && cache->path_generation == generation) {
    level = shared_levels(cache, ips, depth);
    if (level > 0)
      hash = cache->path_hashes[level - 1];
  }
  const trie_slot *table = __atomic_load_n(&slots, __ATOMIC_RELAXED);
  size_t mask = __atomic_load_n(&slot_count, __ATOMIC_RELAXED) - 1;
  int end = depth - level > PREFETCH_LEVELS ? level + PREFETCH_LEVELS : depth;
  for (; level < end; level++) {
    hash = path_hash(hash, ips[depth - 1 - level]);
    __builtin_prefetch(&table[hash & mask], 1);
  }
}

/* The child of `parent` for `ip` (its path hash `hash`), or 0 with *empty set to the slot where
   it would go. */
static uint32_t find_child(uint32_t parent, uintptr_t ip, uint64_t hash, size_t *empty) {
  uint32_t tag = (uint32_t)(hash >> 32);
  size_t index = (size_t)hash & (slot_count - 1);
  while (slots[index].node != 0) {
    if (slots[index].tag == tag) {
      const stack_node *candidate = node_at(slots[index].node);
      if (candidate->ip == ip && candidate->parent == parent)
        return slots[index].node;
    }
    index = (index + 1) & (slot_count - 1);
  }
  *empty = index;
  return 0;
}

/*
 * Defines a node and writes its FRAME record; `empty` is its free slot from find_child, or
 * SIZE_MAX when the parent is new too (it cannot have children yet: no lookup was made).
 * `parent_ip` is the parent's ip (the caller has it; reading the node would be a cache miss).
 * 0 when the arena is exhausted.
 */
static uint32_t add_child(uint8_t **cursor, uint32_t parent, uintptr_t parent_ip, uintptr_t ip,
                          uint64_t hash, size_t empty) {
  if (node_count + 1 >= node_capacity && !add_node_chunk())
    return 0;
  if (10 * ((size_t)node_count + 1) > 7 * slot_count) {
    /* Four times larger: rehashing runs under the stream lock, which every thread and the
       sampler wait for; growing by 4 rehashes 1.3 times the final count instead of 2 times. */
    if (!resize_slots(4 * slot_count))
      return 0;
    empty = SIZE_MAX; /* the table moved */
  }
  uint32_t id = ++node_count;
  *node_at(id) = (stack_node){ip, parent, 0};
  if (empty == SIZE_MAX) {
    insert_slot(hash, id);
  } else {
    slots[empty] = (trie_slot){id, (uint32_t)(hash >> 32)};
  }
  uint8_t *p = *cursor;
  *p++ = WORKSHOP_RECORD_FRAME;
  p = put_uv(p, parent);
  p = put_sv(p, (int64_t)(ip - parent_ip));
  *cursor = p;
  return id;
}

/*
 * The thread cache's entry for a stack just interned through the tree. A stack gets its copy
 * (what a cache hit is confirmed against) only when it comes back while its entry from the last
 * meeting is still in this thread's cache: stacks that recur sooner than the cache forgets them
 * are the ones it can serve. A program that re-walks 262,144 stacks round after round would
 * otherwise copy each of them (44 MB) for entries that are overwritten before they are read.
 */
static void remember_interned(thread_cache *cache, uint64_t hash, const uintptr_t *ips, int depth,
                              uint32_t node, bool created, unsigned generation) {
  cache_entry *entry = &cache->entries[hash & (THREAD_CACHE_SIZE - 1)];
  const uintptr_t *copy = NULL;
  if (!created) {
    stack_node *leaf = node_at(node);
    if (leaf->copy != 0) {
      copy = node_copy(leaf);
    } else if (entry->hash == hash && entry->node == node && entry->stack == NULL &&
               entry->generation == generation) {
      uintptr_t *fresh = arena_alloc((size_t)depth * sizeof *fresh, 16);
      if (fresh) {
        memcpy(fresh, ips, (size_t)depth * sizeof *fresh);
        leaf->copy = (uint32_t)(((uintptr_t)fresh - arena_base) / 16);
        copy = fresh;
      }
    }
  }
  entry->hash = hash;
  entry->stack = copy; /* NULL: met once lately, no copy yet; lookups miss */
  entry->node = node;
  entry->depth = (uint32_t)depth;
  entry->generation = generation;
}

uint32_t stacks_intern_locked(uint8_t **cursor, const uintptr_t *ips, int depth, uint64_t hash) {
  unsigned generation = atomic_load_explicit(&stacks_generation, memory_order_relaxed);
  thread_cache *cache = cache_for_this_thread();
  int level = 0;
  uint32_t node = 0;
  uintptr_t node_ip = 0;
  uint64_t node_hash = ROOT_PATH_HASH;
  bool created = false;
  /* The outer frames this stack shares with the thread's previous one keep their nodes. */
  if (cache && cache->path_generation == generation) {
    level = shared_levels(cache, ips, depth);
    if (level > 0) {
      node = cache->path_nodes[level - 1];
      node_ip = cache->path_ips[level - 1];
      node_hash = cache->path_hashes[level - 1];
    }
  }
  for (; level < depth; level++) {
    uintptr_t ip = ips[depth - 1 - level];
    uint64_t child_hash = path_hash(node_hash, ip);
    size_t empty = SIZE_MAX;
    uint32_t child = created ? 0 : find_child(node, ip, child_hash, &empty);
    if (child == 0) {
      child = add_child(cursor, node, node_ip, ip, child_hash, empty);
      created = true;
    }
    if (child == 0)
      break;
    node = child;
    node_ip = ip;
    node_hash = child_hash;
    if (cache) {
      cache->path_ips[level] = ip;
      cache->path_nodes[level] = child;
      cache->path_hashes[level] = child_hash;
    }
  }
  if (cache) {
    cache->path_depth = (uint32_t)level;
    cache->path_generation = generation;
  }
  if (level < depth || node == 0)
    return 0;
  if (cache)
    remember_interned(cache, hash, ips, depth, node, created, generation);
  return node;
}

uint32_t stacks_node_count_locked(void) { return node_count; }

void stacks_truncate_locked(uint32_t keep) {
  if (keep >= node_count)
    return;
  node_count = keep;
  memset(slots, 0, slot_count * sizeof *slots);
  rehash_all();
  atomic_fetch_add_explicit(&stacks_generation, 1, memory_order_relaxed);
}
