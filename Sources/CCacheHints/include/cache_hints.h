/*
 * cache_hints.h — asks the processor to bring memory into the cache before it is used.
 *
 * Swift has no prefetch of its own. The analysis knows which slot of its live-block table an
 * event will touch a few events before it touches it (a free of a block allocated long ago misses
 * the cache on its first load), so it asks for the line early and does other work meanwhile.
 */
#ifndef CACHE_HINTS_H
#define CACHE_HINTS_H

/* Starts loading the cache line holding `address` for writing; never faults, never waits. */
static inline void cache_hints_prefetch_for_writing(const void *address) {
  __builtin_prefetch(address, 1, 3);
}

#endif
