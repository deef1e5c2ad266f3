/*
 * stackcache.c — the per-thread "unchanged stack" cache: no unwind at all when a call site's
 * stack is provably the one seen before.
 *
 * Key: the address of the slot holding the return address into malloc's caller (the stack
 * pointer at the hook's entry) and that return address.
 * Entry: the interned leaf node, plus every stack word the unwind depended on beyond the key:
 * for each frame the slot its return address was read from, and for each frame whose CFA is
 * its rbp + 16 (frame-pointer frames, the only ones whose size can vary at run time) the slot its
 * rbp was restored from (addresses from libunwind's unw_get_save_loc), with their values.
 * Hit: every word still holds its value. Return addresses are then the same, read from the same
 * places, and sp and rbp of every frame are the same, so every CFA (rsp+k or rbp+k at a call
 * site) is the same: the unwind would retrace the same path. unwind_capture_located refuses
 * frames where that argument does not hold (see tracker_internal.h and the README).
 *
 * A key keeps up to SITE_VARIANTS stacks, each with its own words: one call site reached through
 * different callers at the same depth (sqlite3Malloc under sqlite's parser) hits whichever of
 * them is current. Keys are kept in 4-way sets, the least recently used giving way, so that a
 * few dozen call sites that take turns do not evict one another as a direct-mapped table did.
 *
 * Policy: a key takes the ordinary unw_backtrace until that gave one of its four most recent
 * stacks (same hash) eight times in a row; then it is learned with the slow step-by-step unwind (checked against
 * unw_backtrace; it costs some 40 ordinary unwinds); afterwards it hits until a word differs. An entry that is learned and then misses without ever hitting (a call
 * site whose stack keeps changing: recursion) backs off exponentially, up to 4095 ordinary
 * unwinds between two attempts, so such programs pay at most a few compares per allocation.
 */
#define _GNU_SOURCE
#include "tracker_internal.h"

#include <emmintrin.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SITE_SETS 128 /* per thread; a power of two */
#define SITE_WAYS 4
#define SITE_VARIANTS 4

/* The words a learned stack depends on, as a hit checks them: a frame's saved rbp and its return
   address sit side by side (CFA - 16, CFA - 8), so most words come in pairs read and compared as
   one 16-byte unit; the rest one by one. */
typedef struct site_data {
  uintptr_t ips[SITE_MAX_DEPTH];
  _Alignas(16) uintptr_t pair_values[SITE_MAX_WORDS / 2][2];
  uintptr_t pair_addresses[SITE_MAX_WORDS / 2];
  stack_word words[SITE_MAX_WORDS]; /* as the unwind found them; then the single words */
} site_data;

/* One stack learned for a key. */
typedef struct site_variant {
  site_data *data; /* allocated when first learned, then reused */
  uint32_t node, generation;
  uint16_t depth;
  uint8_t pair_count, single_count;
  uint8_t learned; /* data, node and generation describe a stack of the key */
} site_variant;

struct site_entry {
  uintptr_t slot, return_address; /* the key */
  uint64_t recent[4]; /* hashes of the stacks the last ordinary unwinds gave for this key */
  uint64_t last_used; /* the cache's lookup count when this key was last looked up */
  uint8_t repeats;    /* ordinary unwinds in a row that gave one of the recent stacks */
  uint8_t oldest;     /* the recent hash the next new one replaces */
  uint8_t hit;        /* it hit at least once since its last stack was learned */
  uint8_t current;    /* the variant that hit, or that is being learned */
  uint8_t next;       /* the variant the next stack learned replaces */
  uint16_t skip;      /* ordinary unwinds still to take before learning again */
  uint16_t backoff;   /* the last skip given; kept when another key takes the entry */
  site_variant variants[SITE_VARIANTS];
};

typedef struct site_cache {
  struct site_cache *next_free, *next_all;
  uintptr_t stack_low, stack_high; /* this thread's stack; 0, 0 when unknown */
  uint64_t hits, misses, learned, refused, new_keys, changed;
  uint64_t lookups;
  site_entry entries[SITE_SETS * SITE_WAYS];
} site_cache;

bool stackcache_enabled;
bool stackcache_verify;
static bool stackcache_stats;

/* stderr as it was at start, for the report: some programs (GNU ls) close fd 2 before exit. */
static int report_fd = STDERR_FILENO;

static __thread site_cache *current_sites;
/* Guards free_sites and all_sites. Held for a few pointer moves with no other lock held (and
   no other lock is taken under it); fork() holds it too, see stackcache_fork_prepare. */
static spinlock sites_lock;
static site_cache *free_sites, *all_sites;
static pthread_key_t sites_key;

/* Busy while sites_lock is held, as every tracker lock is taken: a signal handler that forks
   meanwhile finds the thread inside the tracker, and fork_prepare then waits for no lock. */
static void recycle_sites(void *pointer) {
  site_cache *cache = pointer;
  int was_busy = tracker_busy;
  tracker_busy = 1;
  spinlock_lock(&sites_lock);
  cache->next_free = free_sites;
  free_sites = cache;
  spinlock_unlock(&sites_lock);
  current_sites = NULL;
  tracker_busy = was_busy;
}

void stackcache_init(void) {
  const char *enabled = getenv("WORKSHOP_TRACKER_STACK_CACHE");
  const char *verify = getenv("WORKSHOP_TRACKER_VERIFY_STACK_CACHE");
  const char *stats = getenv("WORKSHOP_TRACKER_STACK_CACHE_STATS");
  stackcache_verify = verify && strcmp(verify, "1") == 0;
  stackcache_stats = stackcache_verify || (stats && strcmp(stats, "1") == 0);
  if (stackcache_stats) {
    int copy = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 100);
    if (copy >= 0)
      report_fd = copy;
  }
  if (enabled && strcmp(enabled, "0") == 0)
    return;
  if (!unwind_can_locate() || pthread_key_create(&sites_key, recycle_sites) != 0)
    return;
  stackcache_enabled = true;
}

/* With tracker_busy set: pthread_getattr_np reads /proc/self/maps for the main thread. */
static site_cache *sites_for_this_thread(void) {
  spinlock_lock(&sites_lock);
  site_cache *cache = free_sites;
  if (cache)
    free_sites = cache->next_free;
  spinlock_unlock(&sites_lock);
  if (cache) {
    /* Another thread's keys and words: its stack may be gone. */
    for (int i = 0; i < SITE_SETS * SITE_WAYS; i++) {
      site_entry *entry = &cache->entries[i];
      site_data *data[SITE_VARIANTS];
      for (int v = 0; v < SITE_VARIANTS; v++)
        data[v] = entry->variants[v].data;
      *entry = (site_entry){0};
      for (int v = 0; v < SITE_VARIANTS; v++)
        entry->variants[v].data = data[v];
    }
  } else {
    cache = arena_alloc(sizeof *cache, 64);
    if (!cache)
      return NULL;
    spinlock_lock(&sites_lock);
    cache->next_all = all_sites;
    all_sites = cache;
    spinlock_unlock(&sites_lock);
  }
  thread_stack_bounds(&cache->stack_low, &cache->stack_high);
  pthread_setspecific(sites_key, cache);
  current_sites = cache;
  return cache;
}

/* fork(): a child inheriting the lock held would spin forever at its first new thread's first
   allocation (sites_for_this_thread) or exit (recycle_sites). Called from tracker.c's atfork
   handlers after the stream lock and before the arena lock. */
void stackcache_fork_prepare(void) { spinlock_lock(&sites_lock); }
void stackcache_fork_parent(void) { spinlock_unlock(&sites_lock); }
/* The other threads' caches stay on all_sites (their counts are the parent's); the threads are
   gone from the child, so their caches are never recycled: a bounded leak of arena memory. */
void stackcache_fork_child(void) { spinlock_unlock(&sites_lock); }

static inline size_t site_set(uintptr_t slot, uintptr_t return_address) {
  uint64_t key = (uint64_t)slot * 0x9e3779b97f4a7c15ull ^ (uint64_t)return_address;
  key *= 0xc2b2ae3d27d4eb4full;
  return (size_t)(key >> 57) & (SITE_SETS - 1);
}

#define MAX_BACKOFF 4095
#define LEARN_AFTER_REPEATS 7 /* the same stack eight times in a row */

static inline void back_off(site_entry *entry) {
  entry->backoff = entry->backoff >= MAX_BACKOFF / 2 ? MAX_BACKOFF : (uint16_t)(2 * entry->backoff + 1);
  entry->skip = entry->backoff;
}

/* Whether every word the variant's stack depends on still holds its value. The pairs are
   compared without a branch each (a hit is the common case): what differs is gathered, then
   tested once. */
static inline bool variant_holds(const site_variant *variant, unsigned generation) {
  if (!variant->learned || variant->generation != generation)
    return false;
  const site_data *data = variant->data;
  __m128i differs = _mm_setzero_si128();
  for (unsigned i = 0; i < variant->pair_count; i++) {
    __m128i now = _mm_loadu_si128((const __m128i *)data->pair_addresses[i]);
    __m128i then = _mm_load_si128((const __m128i *)data->pair_values[i]);
    differs = _mm_or_si128(differs, _mm_xor_si128(now, then));
  }
  if (_mm_movemask_epi8(_mm_cmpeq_epi8(differs, _mm_setzero_si128())) != 0xffff)
    return false;
  const stack_word *word = data->words;
  const stack_word *end = word + variant->single_count;
  for (; word < end; word++)
    if (*(const volatile uintptr_t *)word->address != word->value)
      return false;
  return true;
}

/* The unwind's words in the order a hit checks them: sorted by address, each once, two adjacent
   words as a pair, the others left in `words` as singles. */
static void arrange_words(site_variant *variant, int count) {
  site_data *data = variant->data;
  stack_word *words = data->words;
  for (int i = 1; i < count; i++) {
    stack_word word = words[i];
    int j = i;
    for (; j > 0 && words[j - 1].address > word.address; j--)
      words[j] = words[j - 1];
    words[j] = word;
  }
  int pairs = 0, singles = 0;
  for (int i = 0; i < count;) {
    if (i + 1 < count && words[i + 1].address == words[i].address) {
      i++; /* the same slot twice (read once, so one value): keep the later */
      continue;
    }
    if (i + 1 < count && words[i + 1].address == words[i].address + sizeof(uintptr_t)) {
      data->pair_addresses[pairs] = words[i].address;
      data->pair_values[pairs][0] = words[i].value;
      data->pair_values[pairs][1] = words[i + 1].value;
      pairs++;
      i += 2;
    } else {
      words[singles++] = words[i++];
    }
  }
  variant->pair_count = (uint8_t)pairs;
  variant->single_count = (uint8_t)singles;
}

site_action stackcache_lookup(const uintptr_t *hook_frame, site_entry **result) {
  site_cache *cache = current_sites;
  if (UNLIKELY(cache == NULL) && (cache = sites_for_this_thread()) == NULL) {
    *result = NULL;
    return SITE_PLAIN;
  }
  uintptr_t slot = (uintptr_t)(hook_frame + 1);
  uintptr_t return_address = hook_frame[1];
  site_entry *set = &cache->entries[site_set(slot, return_address) * SITE_WAYS];
  site_entry *entry = NULL;
  for (int way = 0; way < SITE_WAYS; way++) {
    if (set[way].slot == slot && set[way].return_address == return_address) {
      entry = &set[way];
      break;
    }
  }
  uint64_t now = ++cache->lookups;
  if (UNLIKELY(entry == NULL)) {
    /* A key not seen (or evicted): the least recently used key of the set gives way. Take the
       ordinary unwind; learn the key if its stack repeats. The back-off level stays, so that a
       new key whose stack keeps changing too backs off from there at once. */
    entry = &set[0];
    for (int way = 1; way < SITE_WAYS; way++)
      if (set[way].last_used < entry->last_used)
        entry = &set[way];
    *result = entry;
    cache->misses++;
    cache->new_keys++;
    entry->slot = slot;
    entry->return_address = return_address;
    entry->last_used = now;
    for (int v = 0; v < SITE_VARIANTS; v++)
      entry->variants[v].learned = 0;
    entry->hit = 0;
    entry->skip = 0;
    entry->repeats = 0;
    memset(entry->recent, 0, sizeof entry->recent);
    return SITE_PLAIN;
  }
  *result = entry;
  entry->last_used = now;
  unsigned generation = atomic_load_explicit(&stacks_generation, memory_order_relaxed);
  /* The variant that hit last first: a key whose stack does not change checks one list. */
  if (LIKELY(variant_holds(&entry->variants[entry->current], generation))) {
    cache->hits++;
    entry->hit = 1;
    entry->backoff = 0;
    return SITE_HIT;
  }
  int learned = entry->variants[entry->current].learned;
  for (int v = 0; v < SITE_VARIANTS; v++) {
    if (v == entry->current)
      continue;
    learned += entry->variants[v].learned;
    if (variant_holds(&entry->variants[v], generation)) {
      entry->current = (uint8_t)v;
      cache->hits++;
      entry->hit = 1;
      entry->backoff = 0;
      return SITE_HIT;
    }
  }
  cache->misses++;
  if (learned > 0) {
    cache->changed++;
    /* It paid off before, or there is room for another of its stacks (callers taking turns):
       learn this stack too, right away. */
    if (entry->hit || learned < SITE_VARIANTS)
      return SITE_LEARN;
    /* Every variant learned and none hit since: the key's stack keeps changing (recursion). */
    for (int v = 0; v < SITE_VARIANTS; v++)
      entry->variants[v].learned = 0;
    back_off(entry);
    return SITE_PLAIN;
  }
  if (entry->skip > 0) {
    entry->skip--;
    return SITE_PLAIN;
  }
  /* Learning costs some 40 ordinary unwinds: only when the key's stack has been repeating. */
  return entry->repeats >= LEARN_AFTER_REPEATS ? SITE_LEARN : SITE_PLAIN;
}

void stackcache_observe(site_entry *entry, uint64_t hash) {
  for (int i = 0; i < 4; i++) {
    if (entry->recent[i] == hash) {
      if (entry->repeats < 255)
        entry->repeats++;
      return;
    }
  }
  entry->recent[entry->oldest] = hash;
  entry->oldest = (uint8_t)((entry->oldest + 1) % 4);
  entry->repeats = 0;
}

const uintptr_t *stackcache_hit_stack(const site_entry *entry, int *depth, uint32_t *node,
                                      unsigned *generation) {
  const site_variant *variant = &entry->variants[entry->current];
  *depth = variant->depth;
  *node = variant->node;
  *generation = variant->generation;
  return variant->data->ips;
}

int stackcache_capture(site_entry *entry, const uintptr_t *hook_frame, uintptr_t *ips) {
  site_cache *cache = current_sites;
  /* The variant to fill: one never learned, else the next in turn. */
  int target = entry->next;
  for (int v = 0; v < SITE_VARIANTS; v++) {
    if (!entry->variants[v].learned) {
      target = v;
      break;
    }
  }
  site_variant *variant = &entry->variants[target];
  variant->learned = 0;
  entry->current = (uint8_t)target;
  if (!variant->data && !(variant->data = arena_alloc(sizeof *variant->data, 64)))
    return -1;
  int words = 0;
  int depth = unwind_capture_located(ips, SITE_MAX_DEPTH, variant->data->words, SITE_MAX_WORDS,
                                     &words, (uintptr_t)hook_frame, cache->stack_low,
                                     cache->stack_high);
  if (depth <= 0) {
    cache->refused++;
    back_off(entry);
    return -1;
  }
  arrange_words(variant, words);
  return depth;
}

void stackcache_refuse(site_entry *entry) {
  current_sites->refused++;
  back_off(entry);
}

void stackcache_store(site_entry *entry, const uintptr_t *ips, int depth, uint32_t node,
                      unsigned generation) {
  site_variant *variant = &entry->variants[entry->current];
  memcpy(variant->data->ips, ips, (size_t)depth * sizeof *ips);
  variant->depth = (uint16_t)depth;
  variant->node = node;
  variant->generation = generation;
  variant->learned = 1;
  entry->next = (uint8_t)((entry->current + 1) % SITE_VARIANTS);
  entry->hit = 0;
  current_sites->learned++;
}

static void say(const char *text) {
  ssize_t ignored = write(report_fd, text, strlen(text));
  (void)ignored;
}

void stackcache_mismatch(const uintptr_t *cached, int cached_depth, const uintptr_t *unwound,
                         int unwound_depth) {
  stacks_differ(report_fd, "STACK CACHE VERIFY FAILED: the cached stack differs from the unwind",
                "cached", cached, cached_depth, "unwound", unwound, unwound_depth);
}

void stackcache_report(void) {
  if (!stackcache_stats)
    return;
  uint64_t hits = 0, misses = 0, learned = 0, refused = 0, new_keys = 0, changed = 0;
  spinlock_lock(&sites_lock);
  for (site_cache *cache = all_sites; cache; cache = cache->next_all) {
    hits += cache->hits;
    misses += cache->misses;
    learned += cache->learned;
    refused += cache->refused;
    new_keys += cache->new_keys;
    changed += cache->changed;
  }
  spinlock_unlock(&sites_lock);
  char line[320];
  uint64_t lookups = hits + misses;
  snprintf(line, sizeof line,
           "workshop tracker: stack cache %s: %llu lookups, %llu hits (%.2f%%), %llu misses (%llu new "
           "keys, %llu changed stacks), %llu learned, %llu refused%s\n",
           stackcache_enabled ? "on" : "off", (unsigned long long)lookups,
           (unsigned long long)hits, lookups ? 100.0 * (double)hits / (double)lookups : 0.0,
           (unsigned long long)misses, (unsigned long long)new_keys, (unsigned long long)changed,
           (unsigned long long)learned, (unsigned long long)refused,
           stackcache_verify ? "; every hit verified against a full unwind: all identical" : "");
  say(line);
}
