/*
 * unwind.c — stack capture, and the only file that knows about libunwind.
 *
 * libunwind is dlopen()ed with RTLD_LOCAL, never linked: libunwind.so.8 defines _Unwind_Backtrace
 * and a weak backtrace(), and linking it would put those in front of the program's own C++/Swift
 * exception machinery. RTLD_LOCAL keeps every libunwind symbol out of the global scope.
 */
#define _GNU_SOURCE
#include "tracker_internal.h"

#include <dlfcn.h>
#include <libunwind.h>
#include <link.h>

typedef int (*backtrace_fn)(void **buffer, int size);
typedef int (*set_caching_policy_fn)(unw_addr_space_t space, unw_caching_policy_t policy);

static backtrace_fn unw_backtrace_fn;

/* Address ranges of our own .so and of libunwind: frames there are skipped. */
typedef struct address_range {
  uintptr_t low, high;
} address_range;
static address_range tracker_range, libunwind_range;

typedef struct range_query {
  uintptr_t inside;
  address_range *result;
} range_query;

static int find_range(struct dl_phdr_info *info, size_t size, void *data) {
  range_query *query = data;
  uintptr_t low = UINTPTR_MAX, high = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
    if (segment->p_type != PT_LOAD)
      continue;
    uintptr_t start = info->dlpi_addr + segment->p_vaddr;
    if (start < low)
      low = start;
    if (start + segment->p_memsz > high)
      high = start + segment->p_memsz;
  }
  if (query->inside < low || query->inside >= high)
    return 0;
  query->result->low = low;
  query->result->high = high;
  return 1;
}

static void range_of_object_containing(const void *address, address_range *result) {
  range_query query = {(uintptr_t)address, result};
  dl_iterate_phdr(find_range, &query);
}

bool unwind_init(void) {
  range_of_object_containing((const void *)unwind_init, &tracker_range);
  void *library = dlopen("libunwind.so.8", RTLD_LOCAL | RTLD_NOW);
  if (!library)
    return false;
  backtrace_fn backtrace = (backtrace_fn)dlsym(library, "unw_backtrace");
  if (!backtrace)
    return false;
  /*
   * The per-thread cache lets threads unwind without taking libunwind's global cache lock.
   * The symbol names are the local (_UL) x86_64 ones that libunwind.h's macros expand to.
   */
  set_caching_policy_fn set_policy =
      (set_caching_policy_fn)dlsym(library, "_ULx86_64_set_caching_policy");
  unw_addr_space_t *local_space = dlsym(library, "_ULx86_64_local_addr_space");
  if (set_policy && local_space)
    set_policy(*local_space, UNW_CACHE_PER_THREAD);
  range_of_object_containing((const void *)backtrace, &libunwind_range);
  unw_backtrace_fn = backtrace;
  return true;
}

static inline bool in_range(uintptr_t ip, const address_range *range) {
  return ip - range->low < range->high - range->low;
}

const uintptr_t *unwind_capture(uintptr_t *scratch, int *depth) {
  if (UNLIKELY(!unw_backtrace_fn)) {
    *depth = 0;
    return scratch;
  }
  int count = unw_backtrace_fn((void **)scratch, TRACKER_MAX_DEPTH + UNWIND_SCRATCH_EXTRA);
  int first = 0;
  while (first < count && (in_range(scratch[first], &tracker_range) ||
                           in_range(scratch[first], &libunwind_range)))
    first++;
  count -= first;
  *depth = count < TRACKER_MAX_DEPTH ? count : TRACKER_MAX_DEPTH;
  return scratch + first;
}
