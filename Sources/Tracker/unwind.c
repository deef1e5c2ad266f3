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
#include <fcntl.h>
#include <libunwind.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

static void frame_walk_init(void);

/* ---- libunwind's signal masking -------------------------------------------------------------
 *
 * libunwind blocks every signal around each search of the loaded objects for a function's unwind
 * table (sigprocmask before and after dl_iterate_phdr, in its find_proc_info), so that a signal
 * handler that unwinds cannot deadlock on its locks. Here only the tracker calls libunwind, always
 * with tracker_busy set, and a handler that allocates meanwhile is served from the arena with no
 * unwind: the masking guards nothing, and it cost two system calls per search (a tracked python3
 * building a 300,000-entry dict made 77,000 of them, 8 % of its run; session 11). So libunwind's
 * own GOT entries for sigprocmask (what 1.6 calls) and pthread_sigmask (what 1.8 calls) are
 * pointed at functions that skip the system call while tracker_busy is set. Nothing else in the
 * process changes: the program's own calls reach glibc's. Not when the program had loaded
 * libunwind itself before the tracker started (then dlopen() returns the program's copy, whose
 * users may unwind from signal handlers): the masking is kept there.
 */
typedef int (*sigprocmask_fn)(int how, const sigset_t *set, sigset_t *old);
static sigprocmask_fn libunwind_sigprocmask, libunwind_pthread_sigmask;
static bool libunwind_masking_skipped;

/* While the tracker unwinds: no system call. `old` becomes what libunwind restores afterwards,
   with a call skipped the same way. Both functions return 0 on success. */
static inline bool skip_masking(sigset_t *old) {
  if (!tracker_busy)
    return false;
  if (old)
    sigemptyset(old);
  return true;
}

static int sigprocmask_for_libunwind(int how, const sigset_t *set, sigset_t *old) {
  return skip_masking(old) ? 0 : libunwind_sigprocmask(how, set, old);
}

static int pthread_sigmask_for_libunwind(int how, const sigset_t *set, sigset_t *old) {
  return skip_masking(old) ? 0 : libunwind_pthread_sigmask(how, set, old);
}

typedef struct relro_query {
  uintptr_t base; /* the object's load bias */
  uintptr_t low, high;
} relro_query;

static int find_relro(struct dl_phdr_info *info, size_t size, void *data) {
  relro_query *query = data;
  if (info->dlpi_addr != query->base)
    return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO) {
      query->low = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
      query->high = query->low + info->dlpi_phdr[i].p_memsz;
    }
  }
  return 1;
}

/* A pointer of the dynamic section: glibc relocates most of them in place, not all loaders do. */
static uintptr_t dynamic_address(const struct link_map *map, ElfW(Addr) value) {
  return value < map->l_addr ? map->l_addr + value : value;
}

/* Points libunwind's GOT slots for sigprocmask and pthread_sigmask at the functions above. Leaves
   everything as it is when the dynamic section is not as expected. */
static void skip_libunwind_masking(void *library) {
  struct link_map *map = NULL;
  if (dlinfo(library, RTLD_DI_LINKMAP, &map) != 0 || !map || !map->l_ld)
    return;
  const ElfW(Sym) *symbols = NULL;
  const char *names = NULL;
  const ElfW(Rela) *tables[2] = {NULL, NULL};
  size_t sizes[2] = {0, 0};
  bool rela = true;
  for (const ElfW(Dyn) *entry = map->l_ld; entry->d_tag != DT_NULL; entry++) {
    switch (entry->d_tag) {
    case DT_SYMTAB: symbols = (const ElfW(Sym) *)dynamic_address(map, entry->d_un.d_ptr); break;
    case DT_STRTAB: names = (const char *)dynamic_address(map, entry->d_un.d_ptr); break;
    case DT_JMPREL: tables[0] = (const ElfW(Rela) *)dynamic_address(map, entry->d_un.d_ptr); break;
    case DT_PLTRELSZ: sizes[0] = entry->d_un.d_val; break;
    case DT_PLTREL: rela = entry->d_un.d_val == DT_RELA; break;
    case DT_RELA: tables[1] = (const ElfW(Rela) *)dynamic_address(map, entry->d_un.d_ptr); break;
    case DT_RELASZ: sizes[1] = entry->d_un.d_val; break;
    }
  }
  if (!symbols || !names || !rela)
    return;
  relro_query relro = {map->l_addr, 0, 0};
  dl_iterate_phdr(find_relro, &relro);
  long page = sysconf(_SC_PAGESIZE);
  /* The loader makes only RELRO's whole pages read-only (its end rounded down). */
  relro.high &= ~(uintptr_t)(page - 1);
  for (int table = 0; table < 2; table++) {
    if (!tables[table])
      continue;
    for (size_t i = 0; i < sizes[table] / sizeof(ElfW(Rela)); i++) {
      const ElfW(Rela) *relocation = &tables[table][i];
      unsigned long type = ELF64_R_TYPE(relocation->r_info);
      if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT)
        continue;
      const char *name = names + symbols[ELF64_R_SYM(relocation->r_info)].st_name;
      sigprocmask_fn replacement, *real;
      if (strcmp(name, "sigprocmask") == 0) {
        replacement = sigprocmask_for_libunwind;
        real = &libunwind_sigprocmask;
      } else if (strcmp(name, "pthread_sigmask") == 0) {
        replacement = pthread_sigmask_for_libunwind;
        real = &libunwind_pthread_sigmask;
      } else {
        continue;
      }
      uintptr_t slot_address = map->l_addr + relocation->r_offset;
      sigprocmask_fn *slot = (sigprocmask_fn *)slot_address;
      if (!*slot || *slot == replacement)
        continue;
      bool read_only = slot_address >= relro.low && slot_address < relro.high;
      void *slot_page = (void *)(slot_address & ~(uintptr_t)(page - 1));
      if (read_only && mprotect(slot_page, (size_t)page, PROT_READ | PROT_WRITE) != 0)
        continue;
      *real = *slot;
      __atomic_store_n(slot, replacement, __ATOMIC_RELEASE);
      if (read_only)
        mprotect(slot_page, (size_t)page, PROT_READ);
      libunwind_masking_skipped = true;
    }
  }
}

static bool init_inside(void);

bool unwind_init(void) {
  loader_enter();
  bool ready = init_inside();
  loader_leave();
  return ready;
}

static bool init_inside(void) {
  range_of_object_containing((const void *)unwind_init, &tracker_range);
  /* The program's own copy (linked or loaded before the tracker started) is shared with it. */
  void *program_copy = dlopen("libunwind.so.8", RTLD_LOCAL | RTLD_LAZY | RTLD_NOLOAD);
  if (program_copy)
    dlclose(program_copy);
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
  const char *masking = getenv("WORKSHOP_TRACKER_LIBUNWIND_MASKING");
  if (!program_copy && (!masking || strcmp(masking, "1") != 0))
    skip_libunwind_masking(library);
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
  frame_walk_init();
  return true;
}

bool unwind_can_locate(void) { return unw_step_fn != NULL; }

static inline bool in_range(uintptr_t ip, const address_range *range) {
  return ip - range->low < range->high - range->low;
}

/* ==== The frame-pointer walk ==================================================================
 *
 * Following saved rbp values is exact for a frame exactly when, at its return address, the
 * frame's own unwind table (.eh_frame, which libunwind follows) says: CFA = rbp + 16, the caller's
 * rbp saved at CFA - 16, the return address at CFA - 8. Then reading [rbp] and [rbp + 8] is the
 * very step libunwind would take. So each return address is *proven* before the walk steps
 * through its frame: the CFI row covering ip - 1 is computed once from the module's .eh_frame
 * (found with _dl_find_object) and the verdict is cached per ip. No module is trusted as a whole:
 * a module built with frame pointers proves itself frame by frame, and a frame-pointer-less
 * function inside it (hand-written assembly, a leaf) simply fails its proof.
 *
 * The walk stops at the first frame not proven (every stack ends in libc's start-up frames,
 * which Debian builds without frame pointers). The rest of the stack, the tail, comes from a
 * per-thread cache keyed by (that frame's ip, sp, rbp) and holding a copy of the stack memory
 * the tail's unwind read, [sp, end): libunwind's step-by-step unwind learns it, checked against
 * unw_backtrace. A hit needs the key and every byte of that memory unchanged; the unwind of the
 * tail is then the same computation on the same inputs (the argument of stackcache.c: at call
 * sites CFAs are rsp + k or rbp + k). Anything else (a miss, a signal frame, a read outside the
 * thread's stack, an unusual CFI) falls back to unw_backtrace for the whole stack.
 *
 * WORKSHOP_TRACKER_FRAME_WALK=0 turns the walk off; WORKSHOP_TRACKER_VERIFY_UNWIND=1 runs
 * unw_backtrace beside every walked stack and aborts, printing both, on any difference.
 */

static bool frame_walk_enabled;
static bool frame_walk_verify;
/* The walk's figures are counted only when they are reported (a shared counter per stack). */
static bool frame_walk_counting;
static const uintptr_t *libunwind_capture(uintptr_t *scratch, int *depth);
static _Atomic uint64_t walked, tail_misses;

/* ---- Proving a return address from the CFI ---- */

typedef struct cfi_reader {
  const uint8_t *cursor, *end;
  bool failed;
} cfi_reader;

static uint64_t read_uleb(cfi_reader *reader) {
  uint64_t value = 0;
  for (int shift = 0; reader->cursor < reader->end && shift < 64; shift += 7) {
    uint8_t byte = *reader->cursor++;
    value |= (uint64_t)(byte & 0x7f) << shift;
    if (!(byte & 0x80))
      return value;
  }
  reader->failed = true;
  return 0;
}

static int64_t read_sleb(cfi_reader *reader) {
  int64_t value = 0;
  int shift = 0;
  for (; reader->cursor < reader->end && shift < 64;) {
    uint8_t byte = *reader->cursor++;
    value |= (int64_t)(byte & 0x7f) << shift;
    shift += 7;
    if (!(byte & 0x80)) {
      if (shift < 64 && (byte & 0x40))
        value |= -((int64_t)1 << shift);
      return value;
    }
  }
  reader->failed = true;
  return 0;
}

static uint64_t read_fixed(cfi_reader *reader, int size) {
  if (reader->end - reader->cursor < size) {
    reader->failed = true;
    return 0;
  }
  uint64_t value = 0;
  memcpy(&value, reader->cursor, (size_t)size);
  reader->cursor += size;
  return value;
}

/* A DW_EH_PE-encoded value; `relative_to_cursor`: pcrel applies (not for a pc range). */
static uintptr_t read_encoded(cfi_reader *reader, uint8_t encoding, bool apply_base) {
  uintptr_t base = apply_base && (encoding & 0x70) == 0x10 ? (uintptr_t)reader->cursor : 0;
  if ((encoding & 0x80) || (apply_base && (encoding & 0x70) != 0x00 && (encoding & 0x70) != 0x10)) {
    reader->failed = true; /* indirect, textrel, datarel, funcrel: not in code we prove */
    return 0;
  }
  int64_t value;
  switch (encoding & 0x0f) {
  case 0x00: case 0x04: case 0x0c: value = (int64_t)read_fixed(reader, 8); break;
  case 0x03: value = (int64_t)(uint32_t)read_fixed(reader, 4); break;
  case 0x0b: value = (int32_t)(uint32_t)read_fixed(reader, 4); break;
  case 0x02: value = (int64_t)(uint16_t)read_fixed(reader, 2); break;
  case 0x0a: value = (int16_t)(uint16_t)read_fixed(reader, 2); break;
  default: reader->failed = true; return 0;
  }
  return base + (uintptr_t)value;
}

enum { RULE_SAME, RULE_AT_CFA, RULE_OTHER };

typedef struct cfi_row {
  uint64_t cfa_register;
  int64_t cfa_offset;
  bool cfa_expression;
  int rbp_rule, ra_rule;
  int64_t rbp_offset, ra_offset;
} cfi_row;

#define DWARF_RBP 6
#define DWARF_RA 16

static void set_rule(cfi_row *row, uint64_t reg, int rule, int64_t offset) {
  if (reg == DWARF_RBP) {
    row->rbp_rule = rule;
    row->rbp_offset = offset;
  } else if (reg == DWARF_RA) {
    row->ra_rule = rule;
    row->ra_offset = offset;
  }
}

static void restore_rule(cfi_row *row, const cfi_row *initial, uint64_t reg) {
  if (reg == DWARF_RBP)
    set_rule(row, reg, initial->rbp_rule, initial->rbp_offset);
  else if (reg == DWARF_RA)
    set_rule(row, reg, initial->ra_rule, initial->ra_offset);
}

/* Runs CFA instructions until the row for `pc` is known (location past pc). False on anything
   not understood. `initial` is NULL for the CIE's own instructions. */
static bool run_cfi(cfi_reader *reader, cfi_row *row, const cfi_row *initial, uintptr_t location,
                    uintptr_t pc, uint64_t code_align, int64_t data_align, uint8_t fde_encoding) {
  cfi_row saved[8];
  int saved_count = 0;
  while (reader->cursor < reader->end && !reader->failed) {
    uint8_t op = *reader->cursor++;
    uint64_t reg, delta = 0;
    bool advance = false;
    switch (op & 0xc0) {
    case 0x40: delta = op & 0x3f; advance = true; break;
    case 0x80: set_rule(row, op & 0x3f, RULE_AT_CFA, (int64_t)read_uleb(reader) * data_align); continue;
    case 0xc0: if (!initial) return false; restore_rule(row, initial, op & 0x3f); continue;
    }
    if (!advance) {
      switch (op) {
      case 0x00: continue;
      case 0x01: {
        uintptr_t target = read_encoded(reader, fde_encoding, true);
        if (target > pc)
          return !reader->failed;
        location = target;
        continue;
      }
      case 0x02: delta = read_fixed(reader, 1); advance = true; break;
      case 0x03: delta = read_fixed(reader, 2); advance = true; break;
      case 0x04: delta = read_fixed(reader, 4); advance = true; break;
      case 0x05: reg = read_uleb(reader); set_rule(row, reg, RULE_AT_CFA, (int64_t)read_uleb(reader) * data_align); continue;
      case 0x06: reg = read_uleb(reader); if (!initial) return false; restore_rule(row, initial, reg); continue;
      case 0x07: reg = read_uleb(reader); set_rule(row, reg, RULE_OTHER, 0); continue;
      case 0x08: reg = read_uleb(reader); set_rule(row, reg, RULE_SAME, 0); continue;
      case 0x09: reg = read_uleb(reader); read_uleb(reader); set_rule(row, reg, RULE_OTHER, 0); continue;
      case 0x0a: if (saved_count == 8) return false; saved[saved_count++] = *row; continue;
      case 0x0b: if (saved_count == 0) return false; *row = saved[--saved_count]; continue;
      case 0x0c: row->cfa_register = read_uleb(reader); row->cfa_offset = (int64_t)read_uleb(reader); row->cfa_expression = false; continue;
      case 0x0d: row->cfa_register = read_uleb(reader); row->cfa_expression = false; continue;
      case 0x0e: row->cfa_offset = (int64_t)read_uleb(reader); continue;
      case 0x0f: reader->cursor += read_uleb(reader); row->cfa_expression = true; continue;
      case 0x10: reg = read_uleb(reader); reader->cursor += read_uleb(reader); set_rule(row, reg, RULE_OTHER, 0); continue;
      case 0x11: reg = read_uleb(reader); set_rule(row, reg, RULE_AT_CFA, read_sleb(reader) * data_align); continue;
      case 0x12: row->cfa_register = read_uleb(reader); row->cfa_offset = read_sleb(reader) * data_align; row->cfa_expression = false; continue;
      case 0x13: row->cfa_offset = read_sleb(reader) * data_align; continue;
      case 0x14: reg = read_uleb(reader); read_uleb(reader); set_rule(row, reg, RULE_OTHER, 0); continue;
      case 0x15: reg = read_uleb(reader); read_sleb(reader); set_rule(row, reg, RULE_OTHER, 0); continue;
      case 0x16: reg = read_uleb(reader); reader->cursor += read_uleb(reader); set_rule(row, reg, RULE_OTHER, 0); continue;
      case 0x2e: read_uleb(reader); continue;
      case 0x2f: reg = read_uleb(reader); set_rule(row, reg, RULE_AT_CFA, -(int64_t)read_uleb(reader) * data_align); continue;
      default: return false;
      }
    }
    location += delta * code_align;
    if (location > pc)
      return !reader->failed;
  }
  return !reader->failed && reader->cursor <= reader->end;
}

/* The proof for one return address: the CFI row at ip - 1 is the frame-pointer row. */
static bool cfi_proves_frame_pointer(uintptr_t ip) {
  uintptr_t pc = ip - 1;
  struct dl_find_object object;
  if (_dl_find_object((void *)pc, &object) != 0 || object.dlfo_eh_frame == NULL)
    return false;
  const uint8_t *header = object.dlfo_eh_frame;
  /* .eh_frame_hdr: version 1, then encodings of eh_frame_ptr, fde_count and the table. */
  if (header[0] != 1 || header[2] != 0x03 || header[3] != 0x3b)
    return false;
  cfi_reader reader = {header + 4, header + 4 + 16, false};
  read_encoded(&reader, header[1], true);
  uint32_t count = (uint32_t)read_fixed(&reader, 4);
  if (reader.failed || count == 0)
    return false;
  const int32_t *table = (const int32_t *)reader.cursor; /* (start, fde) pairs, datarel sdata4 */
  uint32_t low = 0, high = count;
  while (high - low > 1) {
    uint32_t middle = low + (high - low) / 2;
    if ((uintptr_t)header + (intptr_t)table[2 * middle] <= pc)
      low = middle;
    else
      high = middle;
  }
  if ((uintptr_t)header + (intptr_t)table[2 * low] > pc)
    return false;
  const uint8_t *fde = header + table[2 * low + 1];
  uint32_t fde_length;
  memcpy(&fde_length, fde, 4);
  if (fde_length == 0 || fde_length == 0xffffffffu)
    return false;
  int32_t cie_pointer;
  memcpy(&cie_pointer, fde + 4, 4);
  const uint8_t *cie = fde + 4 - cie_pointer;
  uint32_t cie_length;
  memcpy(&cie_length, cie, 4);
  if (cie_length == 0 || cie_length == 0xffffffffu)
    return false;
  /* The CIE: version, augmentation, alignment factors, return address column, augmentation data. */
  cfi_reader cie_reader = {cie + 8, cie + 4 + cie_length, false};
  uint8_t version = (uint8_t)read_fixed(&cie_reader, 1);
  const char *augmentation = (const char *)cie_reader.cursor;
  size_t augmentation_length = strnlen(augmentation, (size_t)(cie_reader.end - cie_reader.cursor));
  cie_reader.cursor += augmentation_length + 1;
  uint64_t code_align = read_uleb(&cie_reader);
  int64_t data_align = read_sleb(&cie_reader);
  uint64_t ra_column = version == 1 ? read_fixed(&cie_reader, 1) : read_uleb(&cie_reader);
  uint8_t fde_encoding = 0;
  bool has_augmentation_data = augmentation[0] == 'z';
  if (version != 1 && version != 3)
    return false;
  if (has_augmentation_data) {
    uint64_t length = read_uleb(&cie_reader);
    const uint8_t *data_end = cie_reader.cursor + length;
    for (const char *a = augmentation + 1; *a; a++) {
      if (*a == 'R') {
        fde_encoding = (uint8_t)read_fixed(&cie_reader, 1);
      } else if (*a == 'L') {
        read_fixed(&cie_reader, 1);
      } else if (*a == 'P') {
        uint8_t personality_encoding = (uint8_t)read_fixed(&cie_reader, 1);
        cfi_reader skip = {cie_reader.cursor, data_end, false};
        read_encoded(&skip, personality_encoding & 0x0f, false); /* only its size matters */
        cie_reader.cursor = skip.cursor;
      } else {
        return false; /* 'S' (a signal frame) or anything unknown */
      }
    }
    cie_reader.cursor = data_end;
  } else if (augmentation[0] != '\0') {
    return false;
  }
  if (cie_reader.failed || code_align != 1 || ra_column != DWARF_RA)
    return false;
  cfi_row row = {.rbp_rule = RULE_SAME, .ra_rule = RULE_OTHER};
  if (!run_cfi(&cie_reader, &row, NULL, 0, UINTPTR_MAX, code_align, data_align, fde_encoding))
    return false;
  cfi_row initial = row;
  /* The FDE: its pc range, augmentation data, instructions. */
  cfi_reader fde_reader = {fde + 8, fde + 4 + fde_length, false};
  uintptr_t start = read_encoded(&fde_reader, fde_encoding, true);
  uintptr_t range = read_encoded(&fde_reader, fde_encoding & 0x0f, false);
  if (fde_reader.failed || pc < start || pc - start >= range)
    return false;
  if (has_augmentation_data)
    fde_reader.cursor += read_uleb(&fde_reader);
  if (!run_cfi(&fde_reader, &row, &initial, start, pc, code_align, data_align, fde_encoding))
    return false;
  return !row.cfa_expression && row.cfa_register == DWARF_RBP && row.cfa_offset == 16 &&
         row.rbp_rule == RULE_AT_CFA && row.rbp_offset == -16 && row.ra_rule == RULE_AT_CFA &&
         row.ra_offset == -8;
}

/* Verdicts per ip, lock-free: (ip << 2) | 2 | proven. Another library can be loaded where an
   unloaded one was (dlclose + dlopen): the cache is cleared when the program calls dlclose() and
   when a new MODULES is written (unwind_modules_changed). */
#define PROOF_CACHE_SIZE 16384
static _Atomic uint64_t *proof_cache;

static inline bool frame_pointer_proven(uintptr_t ip) {
  _Atomic uint64_t *slot = &proof_cache[(ip * 0x9e3779b97f4a7c15ull) >> 50];
  uint64_t known = atomic_load_explicit(slot, memory_order_relaxed);
  if (LIKELY((known >> 2) == ip && (known & 2)))
    return known & 1;
  bool proven = cfi_proves_frame_pointer(ip);
  /* Before the verdict is kept, the MODULES record covers the ip's module: a stack whose every
     ip has a kept verdict then needs no look at the modules (see unwind_capture). A new MODULES
     clears the verdicts, so each kept one is younger than the last MODULES written. */
  tracker_refresh_modules();
  atomic_store_explicit(slot, ((uint64_t)ip << 2) | 2 | proven, memory_order_relaxed);
  return proven;
}

void unwind_modules_changed(void) {
  if (proof_cache)
    for (size_t i = 0; i < PROOF_CACHE_SIZE; i++)
      atomic_store_explicit(&proof_cache[i], 0, memory_order_relaxed);
}

/* The program's dlclose(): the verdicts are per address, and the next dlopen() may map another
   library where this one was, before any stack of this thread is recorded with a new MODULES.
   So they are forgotten as soon as the library is gone. */
__attribute__((visibility("default"))) int dlclose(void *handle) {
  static int (*real_dlclose)(void *);
  if (UNLIKELY(real_dlclose == NULL))
    real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
  if (UNLIKELY(real_dlclose == NULL))
    return -1;
  int result = real_dlclose(handle);
  unwind_modules_changed();
  return result;
}

/* ---- The tail cache ---- */

#define TAIL_ENTRIES 8
#define TAIL_MAX_FRAMES 48
#define TAIL_MAX_BYTES 4096

typedef struct tail_entry {
  uintptr_t ip, sp, rbp; /* the first frame not proven: the key */
  uint32_t frames, bytes;
  uintptr_t ips[TAIL_MAX_FRAMES];   /* the frames beyond it, innermost first */
  uint8_t memory[TAIL_MAX_BYTES]; /* [sp, sp + bytes) as it was when learned */
} tail_entry;

typedef struct walk_thread {
  struct walk_thread *next_free;
  uintptr_t stack_low, stack_high;
  unsigned next_victim;
  unsigned skip, backoff; /* tail learning backs off while learned tails do not hit */
  tail_entry tails[TAIL_ENTRIES];
} walk_thread;

static __thread walk_thread *current_walk;
static spinlock walk_free_lock;
static walk_thread *free_walks;
static pthread_key_t walk_key;

static void recycle_walk(void *pointer) {
  walk_thread *walk = pointer;
  spinlock_lock(&walk_free_lock);
  walk->next_free = free_walks;
  free_walks = walk;
  spinlock_unlock(&walk_free_lock);
  current_walk = NULL;
}

void thread_stack_bounds(uintptr_t *low, uintptr_t *high) {
  *low = *high = 0;
  pthread_attr_t attributes;
  if (pthread_getattr_np(pthread_self(), &attributes) != 0)
    return;
  void *start;
  size_t size;
  if (pthread_attr_getstack(&attributes, &start, &size) == 0) {
    *low = (uintptr_t)start;
    *high = (uintptr_t)start + size;
  }
  pthread_attr_destroy(&attributes);
}

/* With tracker_busy set (pthread_getattr_np reads /proc/self/maps for the main thread). */
static walk_thread *walk_for_this_thread(void) {
  if (LIKELY(current_walk != NULL))
    return current_walk->stack_high ? current_walk : NULL;
  spinlock_lock(&walk_free_lock);
  walk_thread *walk = free_walks;
  if (walk)
    free_walks = walk->next_free;
  spinlock_unlock(&walk_free_lock);
  if (!walk && !(walk = arena_alloc(sizeof *walk, 64)))
    return NULL;
  for (int i = 0; i < TAIL_ENTRIES; i++)
    walk->tails[i].frames = 0; /* another thread's stack: forget it */
  walk->skip = walk->backoff = 0;
  thread_stack_bounds(&walk->stack_low, &walk->stack_high);
  pthread_setspecific(walk_key, walk);
  current_walk = walk;
  return walk->stack_high ? walk : NULL;
}

/*
 * Learns the tail beyond the frame (ip, sp, rbp) with libunwind's step-by-step unwind: its ips,
 * and the stack memory the unwind read (every save location must be memory inside
 * [sp, stack_high)). Checked against unw_backtrace: the walked part plus the tail must be exactly
 * what it gives. Returns the entry, or NULL (not cacheable).
 */
static tail_entry *learn_tail(walk_thread *walk, const uintptr_t *walked_ips, int walked,
                              uintptr_t ip, uintptr_t sp, uintptr_t rbp) {
  if (!unw_step_fn)
    return NULL;
  unw_context_t context;
  unw_cursor_t cursor;
  if (unw_getcontext_fn(&context) != 0 || unw_init_local_fn(&cursor, &context) != 0)
    return NULL;
  unw_word_t frame_ip = 0, frame_sp = 0, frame_rbp = 0;
  for (int steps = 0;; steps++) {
    if (steps > TRACKER_MAX_DEPTH + UNWIND_SCRATCH_EXTRA ||
        unw_get_reg_fn(&cursor, UNW_REG_IP, &frame_ip) != 0 ||
        unw_get_reg_fn(&cursor, UNW_REG_SP, &frame_sp) != 0)
      return NULL;
    if (frame_ip == ip && frame_sp == sp)
      break;
    if (unw_step_fn(&cursor) <= 0)
      return NULL;
  }
  if (unw_get_reg_fn(&cursor, UNW_X86_64_RBP, &frame_rbp) != 0 || frame_rbp != rbp)
    return NULL;
  tail_entry *entry = &walk->tails[walk->next_victim++ % TAIL_ENTRIES];
  entry->frames = 0;
  uintptr_t end = sp;
  uint32_t frames = 0;
  for (;;) {
    if (unw_is_signal_frame_fn(&cursor) > 0)
      return NULL;
    int stepped = unw_step_fn(&cursor);
    if (stepped < 0)
      return NULL;
    if (stepped == 0)
      break;
    unw_save_loc_t ip_at, rbp_at;
    if (unw_get_reg_fn(&cursor, UNW_REG_IP, &frame_ip) != 0 ||
        unw_get_save_loc_fn(&cursor, UNW_X86_64_RIP, &ip_at) != 0 ||
        unw_get_save_loc_fn(&cursor, UNW_X86_64_RBP, &rbp_at) != 0)
      return NULL;
    if (ip_at.type != UNW_SLT_MEMORY || ip_at.u.addr < sp ||
        ip_at.u.addr + sizeof(uintptr_t) > walk->stack_high)
      return NULL;
    if (ip_at.u.addr + sizeof(uintptr_t) > end)
      end = ip_at.u.addr + sizeof(uintptr_t);
    if (rbp_at.type == UNW_SLT_MEMORY && rbp_at.u.addr == sp - 2 * sizeof(uintptr_t)) {
      /* Not restored since the walked frames: the slot the walk read the key's rbp from. */
    } else if (rbp_at.type == UNW_SLT_MEMORY) {
      if (rbp_at.u.addr < sp || rbp_at.u.addr + sizeof(uintptr_t) > walk->stack_high)
        return NULL;
      if (rbp_at.u.addr + sizeof(uintptr_t) > end)
        end = rbp_at.u.addr + sizeof(uintptr_t);
    } else if (rbp_at.type != UNW_SLT_NONE) {
      return NULL;
    }
    if (frames == TAIL_MAX_FRAMES)
      return NULL;
    entry->ips[frames++] = frame_ip;
  }
  if (end - sp > TAIL_MAX_BYTES)
    return NULL;
  /* The same stack as unw_backtrace gives, or nothing is cached. */
  uintptr_t scratch[TRACKER_MAX_DEPTH + UNWIND_SCRATCH_EXTRA];
  int depth;
  const uintptr_t *reference = libunwind_capture(scratch, &depth);
  int first = 0;
  while (first < walked && in_range(walked_ips[first], &tracker_range))
    first++;
  if (depth != walked - first + (int)frames ||
      memcmp(reference, walked_ips + first, (size_t)(walked - first) * sizeof *reference) != 0 ||
      memcmp(reference + walked - first, entry->ips, frames * sizeof *reference) != 0)
    return NULL;
  memcpy(entry->memory, (const void *)sp, end - sp);
  entry->ip = ip;
  entry->sp = sp;
  entry->rbp = rbp;
  entry->bytes = (uint32_t)(end - sp);
  entry->frames = frames;
  return entry;
}

static tail_entry *find_tail(walk_thread *walk, uintptr_t ip, uintptr_t sp, uintptr_t rbp) {
  for (int i = 0; i < TAIL_ENTRIES; i++) {
    tail_entry *entry = &walk->tails[i];
    if (entry->frames && entry->ip == ip && entry->sp == sp && entry->rbp == rbp &&
        memcmp((const void *)sp, entry->memory, entry->bytes) == 0)
      return entry;
  }
  return NULL;
}

/* The walk: the stack like unwind_capture's, or NULL (then unw_backtrace). *learned: its tail
   was learned by this walk (its ips have not been checked against the modules yet). */
static __attribute__((noinline)) const uintptr_t *frame_walk_capture(uintptr_t *scratch, int *depth,
                                                                    bool *learned) {
  walk_thread *walk = walk_for_this_thread();
  if (!walk)
    return NULL;
  const int capacity = TRACKER_MAX_DEPTH + UNWIND_SCRATCH_EXTRA;
  uintptr_t frame = (uintptr_t)__builtin_frame_address(0);
  int count = 0;
  tail_entry *tail;
  for (;;) {
    if (frame < walk->stack_low || frame + 2 * sizeof(uintptr_t) > walk->stack_high || (frame & 7))
      return NULL;
    uintptr_t ip = ((const uintptr_t *)frame)[1];
    uintptr_t caller_frame = ((const uintptr_t *)frame)[0];
    if (count == capacity)
      return NULL;
    scratch[count++] = ip;
    if (!frame_pointer_proven(ip)) {
      /* The caller of malloc (past the tracker's frames) not proven: nothing gained here; the
         stack cache serves such call sites. */
      if (count < 2 || in_range(scratch[count - 2], &tracker_range))
        return NULL;
      uintptr_t sp = frame + 2 * sizeof(uintptr_t);
      tail = find_tail(walk, ip, sp, caller_frame);
      if (!tail) {
        if (UNLIKELY(frame_walk_counting))
          atomic_fetch_add_explicit(&tail_misses, 1, memory_order_relaxed);
        /* Learning costs some 40 unwinds: after a miss, back off exponentially (up to 1023
           stacks) until a learned tail hits again. */
        if (walk->skip > 0) {
          walk->skip--;
          return NULL;
        }
        walk->backoff = walk->backoff >= 512 ? 1023 : 2 * walk->backoff + 1;
        walk->skip = walk->backoff;
        tail = learn_tail(walk, scratch, count, ip, sp, caller_frame);
        *learned = true;
      } else {
        walk->backoff = 0;
      }
      if (!tail)
        return NULL;
      break;
    }
    if (caller_frame <= frame)
      return NULL;
    frame = caller_frame;
  }
  if (count + (int)tail->frames > capacity)
    return NULL;
  memcpy(scratch + count, tail->ips, tail->frames * sizeof *scratch);
  count += (int)tail->frames;
  int first = 0;
  while (first < count && in_range(scratch[first], &tracker_range))
    first++;
  count -= first;
  *depth = count < TRACKER_MAX_DEPTH ? count : TRACKER_MAX_DEPTH;
  if (UNLIKELY(frame_walk_counting))
    atomic_fetch_add_explicit(&walked, 1, memory_order_relaxed);
  return scratch + first;
}

static int report_fd = STDERR_FILENO;

static void say(const char *text) {
  ssize_t ignored = write(report_fd, text, strlen(text));
  (void)ignored;
}

void stacks_differ(int fd, const char *headline, const char *first_name, const uintptr_t *first,
                   int first_depth, const char *second_name, const uintptr_t *second,
                   int second_depth) {
  char line[160];
  snprintf(line, sizeof line, "workshop tracker: %s\n  depth %s %d, %s %d\n", headline, first_name,
           first_depth, second_name, second_depth);
  ssize_t ignored = write(fd, line, strlen(line));
  int most = first_depth > second_depth ? first_depth : second_depth;
  for (int i = 0; i < most; i++) {
    snprintf(line, sizeof line, "  #%-3d %s %#18lx  %s %#18lx%s\n", i, first_name,
             i < first_depth ? (unsigned long)first[i] : 0ul, second_name,
             i < second_depth ? (unsigned long)second[i] : 0ul,
             i < first_depth && i < second_depth && first[i] == second[i] ? "" : "  <--");
    ignored = write(fd, line, strlen(line));
  }
  (void)ignored;
  abort();
}

static __attribute__((noinline)) void verify_frame_walk(const uintptr_t *ips, int depth) {
  uintptr_t scratch[TRACKER_MAX_DEPTH + UNWIND_SCRATCH_EXTRA];
  int reference_depth;
  const uintptr_t *reference = libunwind_capture(scratch, &reference_depth);
  /* The reference is taken one call deeper; both lists start at the caller of malloc. */
  if (reference_depth != depth || memcmp(reference, ips, (size_t)depth * sizeof *ips) != 0)
    stacks_differ(report_fd, "UNWIND VERIFY FAILED: the frame-pointer walk differs from libunwind",
                  "walked", ips, depth, "libunwind", reference, reference_depth);
}

void unwind_report(void) {
  if (!frame_walk_counting)
    return;
  char line[320];
  snprintf(line, sizeof line,
           "workshop tracker: frame walk %s: %llu stacks walked, %llu tail misses%s; libunwind's "
           "signal masking %s\n",
           frame_walk_enabled ? "on" : "off", (unsigned long long)walked,
           (unsigned long long)tail_misses,
           frame_walk_verify ? "; every walked stack verified against libunwind: all identical" : "",
           libunwind_masking_skipped ? "skipped" : "kept");
  say(line);
}

static void frame_walk_init(void) {
  const char *enabled = getenv("WORKSHOP_TRACKER_FRAME_WALK");
  const char *verify = getenv("WORKSHOP_TRACKER_VERIFY_UNWIND");
  frame_walk_verify = verify && strcmp(verify, "1") == 0;
  const char *statistics = getenv("WORKSHOP_TRACKER_STACK_CACHE_STATS");
  frame_walk_counting = frame_walk_verify || (statistics && strcmp(statistics, "1") == 0);
  if (frame_walk_verify) {
    int copy = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 100);
    if (copy >= 0)
      report_fd = copy;
  }
  if ((enabled && strcmp(enabled, "0") == 0) || !unw_step_fn)
    return;
  proof_cache = arena_alloc(PROOF_CACHE_SIZE * sizeof *proof_cache, 64);
  if (proof_cache && pthread_key_create(&walk_key, recycle_walk) == 0)
    frame_walk_enabled = true;
}

/* libunwind's answer: unw_backtrace, without the tracker's and libunwind's own frames. */
static const uintptr_t *libunwind_capture(uintptr_t *scratch, int *depth) {
  int count = unw_backtrace_fn((void **)scratch, TRACKER_MAX_DEPTH + UNWIND_SCRATCH_EXTRA);
  int first = 0;
  while (first < count && (in_range(scratch[first], &tracker_range) ||
                           in_range(scratch[first], &libunwind_range)))
    first++;
  count -= first;
  *depth = count < TRACKER_MAX_DEPTH ? count : TRACKER_MAX_DEPTH;
  return scratch + first;
}

static const uintptr_t *capture_inside(uintptr_t *scratch, int *depth, bool *modules_known);

const uintptr_t *unwind_capture(uintptr_t *scratch, int *depth, bool *modules_known) {
  loader_enter();
  const uintptr_t *ips = capture_inside(scratch, depth, modules_known);
  loader_leave();
  return ips;
}

static const uintptr_t *capture_inside(uintptr_t *scratch, int *depth, bool *modules_known) {
  *modules_known = false;
  if (UNLIKELY(!unw_backtrace_fn)) {
    *depth = 0;
    return scratch;
  }
  if (frame_walk_enabled) {
    bool learned = false;
    const uintptr_t *ips = frame_walk_capture(scratch, depth, &learned);
    if (ips) {
      if (UNLIKELY(frame_walk_verify))
        verify_frame_walk(ips, *depth);
      /* Every walked ip has a kept verdict (the modules were refreshed before it was kept); a
         tail that hit was checked when it was learned, and its memory unchanged means the same
         return addresses, in modules still loaded. */
      *modules_known = !learned;
      return ips;
    }
  }
  return libunwind_capture(scratch, depth);
}

/*
 * The slow unwind behind the stack cache (stackcache.c): unw_init_local + unw_step, reading for
 * every frame from the caller of malloc outwards its ip, sp and rbp, and from unw_get_save_loc
 * *where* libunwind read the return address and the saved rbp. See tracker_internal.h for the
 * contract and Sources/Tracker/README.md for why these words are enough.
 */
static int capture_located_inside(uintptr_t *ips, int max_depth, stack_word *words, int max_words,
                                  int *word_count, uintptr_t hook_frame, uintptr_t stack_low,
                                  uintptr_t stack_high);

int unwind_capture_located(uintptr_t *ips, int max_depth, stack_word *words, int max_words,
                           int *word_count, uintptr_t hook_frame, uintptr_t stack_low,
                           uintptr_t stack_high) {
  loader_enter();
  int depth =
      capture_located_inside(ips, max_depth, words, max_words, word_count, hook_frame, stack_low, stack_high);
  loader_leave();
  return depth;
}

static int capture_located_inside(uintptr_t *ips, int max_depth, stack_word *words, int max_words,
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
