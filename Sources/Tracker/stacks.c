/*
 * stacks.c — stacks interned as a prefix tree rooted at the outermost frame.
 *
 * Node N is defined by the N-th FRAME record (parent node, ip); an ALLOC names its leaf, the
 * innermost frame. The tree lives in the arena: a node array indexed by id, each node listing
 * its children while it has at most LIST_CHILDREN, and an open-addressing table (parent, ip) -> id
 * for the children of wider nodes. Both are only touched under stacks_lock, which the record
 * that first names a new node holds while it takes its sequence number (events.c).
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

/*
 * 24 bytes. A node's children are found through a list (first_child, next_sibling) while it has
 * at most LIST_CHILDREN of them, and through the hash table of slots once it has more. Why: a
 * hash table puts every child at a random address, so each lookup of a known deep stack missed
 * the caches (a program re-walking 262,144 stacks spent half its time on one load); a list's
 * nodes lie in the order they were created, which is the order a program that walks the same
 * paths again meets them, and a new child is written next to the last one.
 */
typedef struct stack_node {
  uintptr_t ip;
  uint32_t parent;
  /* The interned copy of the stack that ends here (ips innermost first), as an arena offset in
     16-byte units; 0 until the stack comes back while a thread still has it cached. Written once,
     never freed: the thread caches point at it. */
  uint32_t copy;
  uint32_t first_child;  /* 0: none; WIDE_NODE set: the children are in the slots */
  uint32_t next_sibling; /* the parent's next child in its list, in the order they were made */
} stack_node;

#define LIST_CHILDREN 4
#define WIDE_NODE 0x80000000u

/* (parent, ip) -> node for the children of wide nodes, open addressing; the tag (high bits of
   the key's hash) avoids reading the node of a slot that cannot match. */
typedef struct trie_slot {
  uint32_t node; /* 0: empty */
  uint32_t tag;
} trie_slot;

/* Nodes live in fixed chunks that never move: growing copies nothing and wastes nothing. */
#define NODE_CHUNK_BITS 16
#define NODE_CHUNK_SIZE ((uint32_t)1 << NODE_CHUNK_BITS)
#define NODE_CHUNKS_MAX 16384 /* a billion nodes (below WIDE_NODE) */

static stack_node **node_chunks;
static uint32_t node_count; /* nodes 1..node_count are defined; node 0 is the root (ip 0) */
static uint32_t node_capacity;
static trie_slot *slots;
static size_t slot_count;  /* a power of two; grown fourfold past 70 % full */
static size_t slots_used;  /* children of wide nodes */

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

/* With the thread's buffer held (stream_hold). */
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

static inline uint64_t slot_hash(uint32_t parent, uintptr_t ip) {
  uint64_t key = ((uint64_t)ip * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)parent * 0xc2b2ae3d27d4eb4full);
  return key ^ (key >> 29);
}

static void insert_slot(uint32_t parent, uintptr_t ip, uint32_t node) {
  uint64_t hash = slot_hash(parent, ip);
  size_t index = (size_t)hash & (slot_count - 1);
  while (slots[index].node != 0)
    index = (index + 1) & (slot_count - 1);
  slots[index] = (trie_slot){node, (uint32_t)(hash >> 32)};
}

/* Every child of a wide node into the (empty) table. */
static void rehash_wide_children(void) {
  slots_used = 0;
  for (uint32_t id = 1; id <= node_count; id++) {
    const stack_node *node = node_at(id);
    if (node_at(node->parent)->first_child & WIDE_NODE) {
      insert_slot(node->parent, node->ip, id);
      slots_used++;
    }
  }
}

static bool resize_slots(size_t new_count) {
  trie_slot *fresh = arena_alloc(new_count * sizeof *fresh, 64);
  if (!fresh)
    return false;
  trie_slot *old = slots;
  size_t old_count = slot_count;
  slots = fresh;
  slot_count = new_count;
  rehash_wide_children();
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
  if (!node_chunks || !add_node_chunk() || !resize_slots(4096))
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

/* Where a missing child goes: after `last` in the parent's list (0: as its first child), or into
   the slots at `empty` (SIZE_MAX: look for a free slot). */
typedef struct child_place {
  uint32_t last;
  uint32_t listed; /* children in the parent's list */
  size_t empty;
} child_place;

/* The child of `parent` for `ip`, or 0 with *place set to where it would go. */
static uint32_t find_child(uint32_t parent, uintptr_t ip, child_place *place) {
  uint32_t child = node_at(parent)->first_child;
  place->last = 0;
  place->listed = 0;
  place->empty = SIZE_MAX;
  if (!(child & WIDE_NODE)) {
    for (; child != 0; child = node_at(child)->next_sibling) {
      if (node_at(child)->ip == ip)
        return child;
      place->last = child;
      place->listed++;
    }
    return 0;
  }
  uint64_t hash = slot_hash(parent, ip);
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
  place->empty = index;
  return 0;
}

/* Room in the slots for `more` entries, growing the table fourfold past 70 % full. */
static bool slots_room(size_t more, child_place *place) {
  if (10 * (slots_used + more) <= 7 * slot_count)
    return true;
  size_t count = slot_count;
  while (10 * (slots_used + more) > 7 * count)
    count *= 4;
  place->empty = SIZE_MAX; /* the table moves */
  return resize_slots(count);
}

/*
 * Defines a node and writes its FRAME record, at `place` from find_child (for a parent made in
 * this call: no children yet, a zeroed place). `parent_ip` is the parent's ip (the caller has
 * it). 0 when the arena is exhausted.
 */
static uint32_t add_child(uint8_t **cursor, uint32_t parent, uintptr_t parent_ip, uintptr_t ip,
                          child_place *place) {
  if (node_count + 1 >= node_capacity && !add_node_chunk())
    return 0;
  stack_node *parent_node = node_at(parent);
  if (parent_node->first_child & WIDE_NODE) {
    if (!slots_room(1, place))
      return 0;
  } else if (place->listed == LIST_CHILDREN) {
    /* A fifth child: from now on this node's children are found through the slots. */
    if (!slots_room(LIST_CHILDREN + 1, place))
      return 0;
    for (uint32_t child = parent_node->first_child; child != 0; child = node_at(child)->next_sibling) {
      insert_slot(parent, node_at(child)->ip, child);
      slots_used++;
    }
    parent_node->first_child |= WIDE_NODE;
    place->empty = SIZE_MAX;
  }
  uint32_t id = ++node_count;
  *node_at(id) = (stack_node){ip, parent, 0, 0, 0};
  if (parent_node->first_child & WIDE_NODE) {
    if (place->empty == SIZE_MAX) {
      insert_slot(parent, ip, id);
    } else {
      slots[place->empty] = (trie_slot){id, (uint32_t)(slot_hash(parent, ip) >> 32)};
    }
    slots_used++;
  } else if (place->last == 0) {
    parent_node->first_child = id;
  } else {
    node_at(place->last)->next_sibling = id;
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
  bool created = false;
  /* The outer frames this stack shares with the thread's previous one keep their nodes. */
  if (cache && cache->path_generation == generation) {
    level = shared_levels(cache, ips, depth);
    if (level > 0) {
      node = cache->path_nodes[level - 1];
      node_ip = cache->path_ips[level - 1];
    }
  }
  for (; level < depth; level++) {
    uintptr_t ip = ips[depth - 1 - level];
    child_place place = {0, 0, SIZE_MAX};
    /* Below a node made in this call there is nothing to look up. */
    uint32_t child = created ? 0 : find_child(node, ip, &place);
    if (child == 0) {
      child = add_child(cursor, node, node_ip, ip, &place);
      created = true;
    }
    if (child == 0)
      break;
    node = child;
    node_ip = ip;
    if (cache) {
      cache->path_ips[level] = ip;
      cache->path_nodes[level] = child;
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
  /* Lists hold their children in the order they were made, so a link to a forgotten node ends
     its list; a wide node stays wide. */
  for (uint32_t id = 0; id <= node_count; id++) {
    stack_node *node = node_at(id);
    if ((node->first_child & ~WIDE_NODE) > keep)
      node->first_child &= WIDE_NODE;
    if (node->next_sibling > keep)
      node->next_sibling = 0;
  }
  memset(slots, 0, slot_count * sizeof *slots);
  rehash_wide_children();
  atomic_fetch_add_explicit(&stacks_generation, 1, memory_order_relaxed);
}
