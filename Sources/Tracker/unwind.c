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
typedef int (*getcontext_fn)(unw_context_t *context);
typedef int (*init_local_fn)(unw_cursor_t *cursor, unw_context_t *context);
typedef int (*step_fn)(unw_cursor_t *cursor);
typedef int (*get_reg_fn)(unw_cursor_t *cursor, unw_regnum_t reg, unw_word_t *value);
typedef int (*get_save_loc_fn)(unw_cursor_t *cursor, int reg, unw_save_loc_t *location);
typedef int (*is_signal_frame_fn)(unw_cursor_t *cursor);

static backtrace_fn unw_backtrace_fn;
/* The step-by-step API, used only by unwind_capture_located (NULL if any is missing). */
static getcontext_fn unw_getcontext_fn;
static init_local_fn unw_init_local_fn;
static step_fn unw_step_fn;
static get_reg_fn unw_get_reg_fn;
static get_save_loc_fn unw_get_save_loc_fn;
static is_signal_frame_fn unw_is_signal_frame_fn;

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
  uintptr_t low, high;
  if (!object_load_range(info, &low, &high) || query->inside < low || query->inside >= high)
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
  /* Local (_UL) names, except getcontext which libunwind exports once, as _U. */
  getcontext_fn getcontext = (getcontext_fn)dlsym(library, "_Ux86_64_getcontext");
  init_local_fn init_local = (init_local_fn)dlsym(library, "_ULx86_64_init_local");
  step_fn step = (step_fn)dlsym(library, "_ULx86_64_step");
  get_reg_fn get_reg = (get_reg_fn)dlsym(library, "_ULx86_64_get_reg");
  get_save_loc_fn get_save_loc = (get_save_loc_fn)dlsym(library, "_ULx86_64_get_save_loc");
  is_signal_frame_fn is_signal_frame = (is_signal_frame_fn)dlsym(library, "_ULx86_64_is_signal_frame");
  if (getcontext && init_local && step && get_reg && get_save_loc && is_signal_frame) {
    unw_getcontext_fn = getcontext;
    unw_init_local_fn = init_local;
    unw_step_fn = step;
    unw_get_reg_fn = get_reg;
    unw_get_save_loc_fn = get_save_loc;
    unw_is_signal_frame_fn = is_signal_frame;
  }
  return true;
}

bool unwind_can_locate(void) { return unw_step_fn != NULL; }

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

/*
 * The slow unwind behind the stack cache (stackcache.c): unw_init_local + unw_step, reading for
 * every frame from the caller of malloc outwards its ip, sp and rbp, and from unw_get_save_loc
 * *where* libunwind read the return address and the saved rbp. See tracker_internal.h for the
 * contract and Sources/Tracker/README.md for why these words are enough.
 */
int unwind_capture_located(uintptr_t *ips, int max_depth, stack_word *words, int max_words,
                           int *word_count, uintptr_t hook_frame, uintptr_t stack_low,
                           uintptr_t stack_high) {
  if (!unw_step_fn)
    return -1;
  unw_context_t context;
  unw_cursor_t cursor;
  if (unw_getcontext_fn(&context) != 0 || unw_init_local_fn(&cursor, &context) != 0)
    return -1;
  unw_word_t ip = 0;
  /* Skip our own and libunwind's frames, as unwind_capture does. */
  for (;;) {
    if (unw_get_reg_fn(&cursor, UNW_REG_IP, &ip) != 0)
      return -1;
    if (!in_range(ip, &tracker_range) && !in_range(ip, &libunwind_range))
      break;
    if (unw_step_fn(&cursor) <= 0)
      return -1;
  }
  int depth = 0, count = 0;
  uintptr_t previous_rbp = 0, previous_rbp_location = 0, last_word_rbp_location = 0;
  for (;;) {
    if (depth == max_depth)
      return -1; /* too deep to cache: the caller uses the ordinary unwind */
    unw_word_t sp, rbp;
    unw_save_loc_t ip_at, rbp_at;
    if (unw_get_reg_fn(&cursor, UNW_REG_IP, &ip) != 0 || unw_get_reg_fn(&cursor, UNW_REG_SP, &sp) != 0 ||
        unw_get_reg_fn(&cursor, UNW_X86_64_RBP, &rbp) != 0 ||
        unw_get_save_loc_fn(&cursor, UNW_X86_64_RIP, &ip_at) != 0 ||
        unw_get_save_loc_fn(&cursor, UNW_X86_64_RBP, &rbp_at) != 0)
      return -1;
    /* Both words must be in this thread's stack, above the hook's frame. */
    if (ip_at.type != UNW_SLT_MEMORY || rbp_at.type != UNW_SLT_MEMORY)
      return -1;
    if (ip_at.u.addr <= hook_frame || ip_at.u.addr >= stack_high || ip_at.u.addr < stack_low ||
        rbp_at.u.addr < hook_frame || rbp_at.u.addr >= stack_high || rbp_at.u.addr < stack_low)
      return -1;
    if (depth == 0) {
      /* The caller of malloc: its return address and rbp are where the hook's frame keeps them. */
      if (ip_at.u.addr != hook_frame + sizeof(uintptr_t) || rbp_at.u.addr != hook_frame)
        return -1;
    } else {
      /* An ordinary return: the return address sits just below the CFA of the frame inside. */
      if (ip_at.u.addr != sp - sizeof(uintptr_t))
        return -1;
      /*
       * A frame that saved its caller's rbp at the address its own rbp holds is a frame-pointer
       * frame; its CFA must then be rbp + 16. GCC's stack realignment breaks that (its CFA is
       * loaded from memory, DW_OP_deref) and so would any other rule we cannot verify.
       */
      if (rbp_at.u.addr == previous_rbp && sp != previous_rbp + 2 * sizeof(uintptr_t))
        return -1;
      if (count == max_words)
        return -1;
      words[count++] = (stack_word){ip_at.u.addr, ip};
    }
    /* The previous frame's CFA was its rbp + 16: that frame may be sized at run time (alloca,
       VLA), so its rbp is a word the stack depends on. (Frame 0's return address is the key.) */
    if (depth > 0 && sp == previous_rbp + 2 * sizeof(uintptr_t) &&
        previous_rbp_location != last_word_rbp_location) {
      if (count == max_words)
        return -1;
      words[count++] = (stack_word){previous_rbp_location, previous_rbp};
      last_word_rbp_location = previous_rbp_location;
    }
    previous_rbp_location = rbp_at.u.addr;
    previous_rbp = rbp;
    ips[depth++] = ip;
    if (unw_is_signal_frame_fn(&cursor) > 0)
      return -1; /* registers restored from a ucontext: not a chain of return addresses */
    int stepped = unw_step_fn(&cursor);
    if (stepped < 0)
      return -1;
    if (stepped == 0) {
      /* Where the unwind stops may depend on the outermost frame's rbp (libunwind's frame-chain
         fallback stops at rbp 0): verify it too. */
      if (rbp_at.u.addr != last_word_rbp_location) {
        if (count == max_words)
          return -1;
        words[count++] = (stack_word){rbp_at.u.addr, rbp};
      }
      break;
    }
  }
  *word_count = count;
  return depth;
}
