/*
 * tracker_internal.h — what the tracker's C files share. Nothing here is exported from the .so
 * (the build uses -fvisibility=hidden); only the allocator hooks and workshop_tracker_marker are.
 *
 * Locks, in the order they are taken (outermost first); fork_prepare (tracker.c) takes them all
 * in this order and the atfork parent/child handlers release them in reverse:
 *   0. signals_lock (endings.c): a leaf of its own, held with every signal blocked while the
 *      program's sigaction() is answered; never held with another tracker lock;
 *   1. modules_lock (tracker.c): held while a MODULES record is built and written (2, 3, 5 inside);
 *   2. file_lock (stream.c, a mutex): a flush, with 3 taken inside it;
 *   3. registry_lock (stream.c): the list of thread buffers;
 *   3a. each thread buffer (stream.c): its owner holds it for every record by a flag, not a lock
 *       (stream_hold); a flush takes it with its spin lock and `taken` (stream_take), and the
 *       sampler's flush leaves a buffer whose owner is writing;
 *   3b. stacks_lock (stream.c): the stack tree, taken by an owner holding its buffer;
 *   4. sites_lock (stackcache.c): a leaf, never held with another lock outside fork_prepare.
 * The arena (arena.c) takes no lock: its blocks are claimed with compare-and-swap.
 */
#ifndef WORKSHOP_TRACKER_INTERNAL_H
#define WORKSHOP_TRACKER_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "workshop_capture.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
/* For the hot path's small steps, which the compiler would otherwise call out of line. */
#define HOT_INLINE static inline __attribute__((always_inline))

/* The deepest stack recorded; deeper stacks keep their innermost frames. */
#define TRACKER_MAX_DEPTH 256

/* ---- Re-entrancy guard ------------------------------------------------------------------ */

/*
 * Nonzero while the tracker itself runs on this thread (and always on the sampler thread).
 * Any allocation made then comes from dlsym, dlopen, libunwind or glibc on our behalf: it is
 * served from the arena and never recorded. initial-exec TLS: reading it is one %fs load and
 * never calls __tls_get_addr (which could allocate).
 */
extern __thread int tracker_busy;

/* 1 while this process records events. Cleared in an unfollowed fork child and after END. */
extern atomic_int tracker_active;

/* The process the tracker records (set at start and in every fork child). A vfork() child runs
   in its parent's memory with another pid: it must not touch the parent's capture. */
extern pid_t tracker_pid;

/* ---- Spin lock ---------------------------------------------------------------------------- */

/*
 * Critical sections are a few dozen instructions, so spinning beats a futex; a holder that was
 * preempted is waited for with sched_yield() rather than burning the waiter's time slice.
 */
typedef struct spinlock {
  atomic_int held;
} spinlock;

void spinlock_wait(spinlock *lock);
/* Set by the sampler thread: it waits for a lock by sleeping 50 µs at a time, never spinning. */
extern __thread bool spinlock_sleeps;

static inline void spinlock_lock(spinlock *lock) {
  if (UNLIKELY(atomic_exchange_explicit(&lock->held, 1, memory_order_acquire)))
    spinlock_wait(lock);
}

/* The lock if it is free, at once; false (and nothing taken) when another thread holds it. */
static inline bool spinlock_trylock(spinlock *lock) {
  return !atomic_load_explicit(&lock->held, memory_order_relaxed) &&
         !atomic_exchange_explicit(&lock->held, 1, memory_order_acquire);
}

static inline void spinlock_unlock(spinlock *lock) {
  atomic_store_explicit(&lock->held, 0, memory_order_release);
}

/* ---- arena.c: the tracker's private memory ------------------------------------------------ */

extern uintptr_t arena_base;
extern size_t arena_span;

bool arena_init(void);
/* Zeroed memory (the arena never reuses an address). NULL when the reservation is exhausted. */
void *arena_alloc(size_t size, size_t alignment);
/* realloc() for an arena block: always a fresh block with the old contents copied. */
void *arena_realloc(void *block, size_t size);
/* Returns a large block's whole pages to the kernel; the addresses are never handed out again. */
void arena_release(void *block, size_t size);
/* Resident bytes of the arena (mincore): the tracker's own memory, buffers included. */
size_t arena_resident_bytes(void);
void arena_fork_prepare(void);
void arena_fork_parent(void);
void arena_fork_child(void);

/* "Is this pointer ours?" — one subtraction and one compare. */
static inline bool arena_owns(const void *pointer) {
  return (uintptr_t)pointer - arena_base < arena_span;
}

/* ---- unwind.c: the only libunwind user ----------------------------------------------------- */

/* dlopen()s libunwind. False (and every stack empty) when it cannot be loaded. */
bool unwind_init(void);
/*
 * Fills `scratch` (TRACKER_MAX_DEPTH + UNWIND_SCRATCH_EXTRA entries) with the calling thread's
 * return addresses and returns the innermost one that is not the tracker's or libunwind's own
 * frame, i.e. the caller of malloc. *depth receives the number of frames from there outwards.
 * *modules_known: every ip of the stack is in a module that the last MODULES written covers
 * (while that record is still in force), so no FRAME of it needs a fresh MODULES first.
 */
#define UNWIND_SCRATCH_EXTRA 16
const uintptr_t *unwind_capture(uintptr_t *scratch, int *depth, bool *modules_known);

/* Verify modes: prints both stacks side by side on `fd` under `headline`, and aborts. */
void stacks_differ(int fd, const char *headline, const char *first_name, const uintptr_t *first,
                   int first_depth, const char *second_name, const uintptr_t *second,
                   int second_depth) __attribute__((noreturn));
/* The calling thread's stack [*low, *high), or 0, 0 when unknown. With tracker_busy set:
   pthread_getattr_np reads /proc/self/maps (and allocates) for the main thread. */
void thread_stack_bounds(uintptr_t *low, uintptr_t *high);
/* The set of loaded objects changed: forget the per-ip frame-pointer proofs. */
void unwind_modules_changed(void);
/* With WORKSHOP_TRACKER_VERIFY_UNWIND=1 or WORKSHOP_TRACKER_STACK_CACHE_STATS=1: the frame
   walk's figures on stderr at END. */
void unwind_report(void);

/* A word of stack memory a stack depends on: where libunwind read it and what it held. */
typedef struct stack_word {
  uintptr_t address, value;
} stack_word;
/* True when libunwind's step-by-step API was found (unwind_capture_located can work). */
bool unwind_can_locate(void);
/*
 * The slow unwind (unw_init_local + unw_step), for the stack cache. Fills ips[] like
 * unwind_capture, from the caller of malloc outwards, and words[] with, for every frame beyond
 * that caller, the address and contents of the slot its return address was read from and of the
 * slot its rbp was restored from. `hook_frame` is the exported hook's __builtin_frame_address(0).
 * Returns the depth, or -1 when the stack must not be cached: deeper than max_depth, more than
 * max_words words, a signal frame, a word outside [stack_low, stack_high) or not in memory, a
 * return address not at CFA - 8, or a frame-pointer frame whose CFA is not rbp + 16.
 */
int unwind_capture_located(uintptr_t *ips, int max_depth, stack_word *words, int max_words,
                           int *word_count, uintptr_t hook_frame, uintptr_t stack_low,
                           uintptr_t stack_high);

/* ---- stacks.c: interning stacks as a prefix tree ------------------------------------------ */

/* Largest FRAME record: tag, uv parent, sv ip delta. */
#define FRAME_RECORD_MAX 16

bool stacks_init(void);
uint64_t stacks_hash(const uintptr_t *ips, int depth);
/* The leaf node of this exact stack from the calling thread's cache, or 0. No lock taken. */
uint32_t stacks_lookup_cached(const uintptr_t *ips, int depth, uint64_t hash);
/*
 * With the thread's buffer held (stream_hold) and stacks_lock: the leaf node of the stack, writing
 * a FRAME record at *cursor for every node that is new. The caller reserved FRAME_RECORD_MAX * depth
 * bytes.
 */
uint32_t stacks_intern_locked(uint8_t **cursor, const uintptr_t *ips, int depth, uint64_t hash);
/* The number of nodes defined so far, i.e. FRAME records written to the stream. */
uint32_t stacks_node_count_locked(void);
/* Forgets every node numbered above `keep` (their FRAME records never reached the file). */
void stacks_truncate_locked(uint32_t keep);
/* Bumped by every truncation: cached leaf nodes from an older generation are not trusted. */
extern atomic_uint stacks_generation;

/* ---- stackcache.c: the per-thread "unchanged stack" cache ---------------------------------- */

/* The deepest stack, and the most stack words, an entry can hold; deeper stacks are unwound. */
#define SITE_MAX_DEPTH 64
#define SITE_MAX_WORDS 128

typedef struct site_entry site_entry;
typedef enum site_action {
  SITE_PLAIN, /* unwind as usual (unwind_capture) */
  SITE_HIT,   /* the entry's stack is the current one: stackcache_hit_stack */
  SITE_LEARN, /* unwind with stackcache_capture, then stackcache_store the interned leaf */
} site_action;

/* Off with WORKSHOP_TRACKER_STACK_CACHE=0 or without libunwind's step API. */
extern bool stackcache_enabled;
/* WORKSHOP_TRACKER_VERIFY_STACK_CACHE=1: every hit is checked against a full unwind. */
extern bool stackcache_verify;

void stackcache_init(void);
/* `hook_frame` is the exported hook's __builtin_frame_address(0). Sets *entry (NULL when the
   thread has no cache). With tracker_busy set. */
site_action stackcache_lookup(const uintptr_t *hook_frame, site_entry **entry);
/* After an ordinary unwind for a PLAIN answer: the stack's hash, to see the key's stack repeat. */
void stackcache_observe(site_entry *entry, uint64_t hash);
const uintptr_t *stackcache_hit_stack(const site_entry *entry, int *depth, uint32_t *node,
                                      unsigned *generation);
/* The slow unwind into ips[SITE_MAX_DEPTH]: the depth, or -1 (then unwind as usual). */
int stackcache_capture(site_entry *entry, const uintptr_t *hook_frame, uintptr_t *ips);
/* The slow unwind disagreed with unw_backtrace: do not learn this stack. */
void stackcache_refuse(site_entry *entry);
/* After the record: the leaf node the learned stack was interned as, in that generation. */
void stackcache_store(site_entry *entry, const uintptr_t *ips, int depth, uint32_t node,
                      unsigned generation);
/* Verify mode: prints both stacks and aborts. */
void stackcache_mismatch(const uintptr_t *cached, int cached_depth, const uintptr_t *unwound,
                         int unwound_depth) __attribute__((noreturn));
/* With WORKSHOP_TRACKER_STACK_CACHE_STATS=1 (or verify mode): hit rate on stderr at END. */
void stackcache_report(void);
/* Hold / release sites_lock across fork(); see the lock order at the top. */
void stackcache_fork_prepare(void);
void stackcache_fork_parent(void);
void stackcache_fork_child(void);

/* ---- stream.c: per-thread record buffers, the global order and the capture file ------------ */

/* Worst-case bytes of one event record (tag, sequence number, fields) plus the THREAD record
   that may precede it. */
#define EVENT_RECORD_MAX 56

/* Writes to `fd`, the capture at `path` (to reopen it if the program closes the descriptor). */
/* `clock_allowed`: the capture's header allows clock keys (a capture adopted across exec() keeps
   the version its first program wrote). */
void stream_init(int fd, const char *path, uint64_t file_offset, bool clock_allowed);
/* END with its number; tracker_active must already be cleared (no record is numbered after). */
uint8_t *stream_put_end(uint8_t *cursor, uint64_t microseconds);
/* Writes every buffer to the file, then SYNC (everything numbered before the flush is there). */
void stream_flush(void);
/* The sampler's flush: never waits. Skips the whole flush if another thread holds the file, and
   any buffer its owner holds (recording, interning); SYNC is then lowered so that it stays true. */
void stream_flush_ready(void);
/* Writes the calling thread's buffer (it is full). */
void stream_flush_own(void);
/* stream_flush(), then keeps the file lock so that no flush can run (and leave half a record in
   the file) while exec() replaces the program; stream_release_file() if exec() failed. */
void stream_flush_and_hold_file(void);
void stream_release_file(void);
/* The capture's descriptor (checked, reopened if the program closed it), or -1. With the file
   lock held (stream_flush_and_hold_file). */
int stream_capture_fd_locked(void);
/* Writes a whole record straight to the file, outside every chunk (EXEC, at start). */
void stream_write_unsequenced(const uint8_t *record, size_t length);
/* Bytes of buffer the stream can hold in one record. */
size_t stream_record_limit(void);
/* The modules generation (dlpi_adds + dlpi_subs) last written, 0 after a loss. */
extern uint64_t stream_modules_generation;
/* Guards the stack tree (stacks.c): interning, and every record that defines new nodes takes its
   key while holding it, so nodes are numbered in the global order (stream_put_tag_locked). */
extern spinlock stacks_lock;
void stream_fork_prepare(void);
void stream_fork_parent(void);
/* In the child of a fork that interrupted its thread inside the tracker (tracker.c's fork_child):
   closes this process's copy of the capture's descriptor, drops every write from here on, and ends
   every wait for a lock or a buffer at once (the child has one thread). Nothing else is touched. */
void stream_disown(void);
/* Whether this process is such a child (or a child of one): forks from it take and follow nothing. */
bool stream_disowned(void);
/* In a fork child: close the parent's capture, forget its buffered bytes and stream state,
   and write to `fd` (-1: nowhere; its path: `path`) from now on. */
void stream_fork_child(int fd, const char *path, uint64_t file_offset);

/* ---- descriptor.c: descriptors the program cannot reach -------------------------------------- */

/*
 * A descriptor of the tracker's own, kept above the descriptors programs use and close, and
 * checked before use: if the program closed it (close_range, a loop to the descriptor limit) or
 * the number now names another file, the file is reopened by path. Never closes a number that
 * no longer names our file.
 */
typedef struct guarded_fd {
  int fd;
  int open_flags;
  bool any_inode; /* /proc files: reopening the name gives a new inode, and that is fine */
  dev_t device;
  ino_t inode;
  char *path; /* absolute, in the arena; NULL: cannot be reopened */
} guarded_fd;

/* Moves `fd` above the descriptors programs use (close-on-exec) and returns the new number (the
   old one is closed), or `fd` itself when no higher number is free. */
int descriptor_move_high(int fd);
/* Takes ownership of `fd` (already high), the file at `path` (NULL: /proc/self/fd says). */
void guarded_fd_init(guarded_fd *guarded, int fd, const char *path, int open_flags);
/* Opens `path` (a /proc/self file) as a guarded descriptor. */
void guarded_fd_open_proc(guarded_fd *guarded, const char *path);
/* The descriptor, reopened if the program took it away; -1 when the file cannot be had. */
int guarded_fd_get(guarded_fd *guarded);
/* Closes the descriptor if it is still ours, and forgets it. */
void guarded_fd_close(guarded_fd *guarded);

/* ---- environment.c: the environment, read and changed without libc's getenv/setenv ---------- */

/*
 * Programs may interpose getenv/setenv/unsetenv (bash does: before its main() they change bash's
 * own variable table, not `environ`), so the tracker edits `environ` itself.
 */
const char *environment_value(const char *name);
void environment_remove(const char *name);
/* `name=value`, replacing any earlier one; the string and a grown array come from the arena. */
void environment_set(const char *name, const char *value);
/* LD_PRELOAD's value without this library (entries separated by spaces or colons), in the
   arena, or NULL when nothing else is left. */
char *preload_without_self(const char *preload);
/* This library's path as the dynamic loader knows it (from dladdr), or NULL. */
const char *tracker_library_path(void);

/* ---- exec.c: following the program across exec() -------------------------------------------- */

/* "WORKSHOP_TRACKER_HANDOVER=<pid>:<fd>:<start_monotonic_ns>": set by a tracker for the program
   it exec()s; the new program's tracker writes to that descriptor if it runs as <pid>. */
#define ENV_HANDOVER "WORKSHOP_TRACKER_HANDOVER"
/* Whether this process's capture goes on in the program it exec()s (the root capture does; a
   followed child's exec()ed program gets its own capture). Set at start. */
extern bool exec_hands_over;

/* ---- signals.c: a flush before a signal ends the program ------------------------------------- */

/* Stands in for SIG_DFL on the signals that end a program, flushing first (see endings.c). */
void signals_install(void);

/* ---- varints ------------------------------------------------------------------------------- */

static inline uint8_t *put_uv(uint8_t *cursor, uint64_t value) {
  while (value >= 0x80) {
    *cursor++ = (uint8_t)(value | 0x80);
    value >>= 7;
  }
  *cursor++ = (uint8_t)value;
  return cursor;
}

static inline uint8_t *put_sv(uint8_t *cursor, int64_t value) {
  return put_uv(cursor, ((uint64_t)value << 1) ^ (uint64_t)(value >> 63));
}

static inline uint8_t *put_string(uint8_t *cursor, const char *text, size_t length) {
  cursor = put_uv(cursor, length);
  __builtin_memcpy(cursor, text, length);
  return cursor + length;
}

pid_t tracker_thread_id(void);

/* ---- stream.c's hot path, inlined into events.c ----------------------------------------- */

/* One thread's record buffer (stream.c); records start after room for the CHUNK header. */
#define STREAM_BUFFER_SIZE ((size_t)512 << 10)
#define CHUNK_HEADER_ROOM 24

typedef struct thread_stream {
  /* Taken by flushes (and by every writer of the shared stream); an owner thread writing its own
     buffer never takes it: it announces itself in `writing` instead (stream_hold). */
  spinlock lock;
  /* The owner is between stream_reserve and stream_commit. Written only by the owner. */
  atomic_bool writing;
  /* A flush holds the buffer (stream.c, stream_take): the owner waits before it writes. */
  atomic_bool taken;
  /* The writer is taking a number of a stripe it owns (stream_take_stripe). */
  atomic_bool taking_stripe;
  pid_t thread;     /* the owner; 0 for the shared stream, whose records name their threads */
  atomic_bool exited; /* the owner thread has ended: recycled once its records are written */
  uint8_t *data;    /* STREAM_BUFFER_SIZE bytes; records from CHUNK_HEADER_ROOM on */
  size_t used;      /* CHUNK_HEADER_ROOM when empty */
  uint64_t events;  /* ALLOC/FREE/MARKER records in the buffer, for LOST */
  /* The encoder's state at the write cursor, reset with every chunk. */
  uint64_t last_sequence;
  uintptr_t last_address;
  pid_t last_thread;
  /* FREE records name a recent allocation of this stream instead of an address (FREE_BACK):
     ALLOC records written so far (never reset by a chunk: the reader counts them per stream,
     across chunks), and a direct-mapped table address -> that count at its ALLOC. */
  uint64_t allocations;
  struct recent_allocation *recent;
  uint32_t id; /* names the stream in its chunks: 0 shared, then 1, 2, ... */
  /* Every record of this stream that is not in the file yet has a key at least this (the last
     one written, since clock keys may repeat, or the current key when the stream was taken).
     Written and read with the file lock held, or before the stream is in the list: a flush that
     skips a stream whose owner is busy lowers its SYNC to this. */
  uint64_t unwritten_from;
  /* Clock keys: the least key this stream's next record may take, never lowered (README, "Clock
     keys, and a reader that keeps the order exact"): its last key, or a flush's SYNC raised it
     when it took the buffer. 0 while the stream has never met a clock key; a clock key here makes
     the owner take clock keys too. Under the stream's lock. */
  uint64_t key_floor;
  /* Counter keys another thread took between two of this stream's (order_note_gap), counted
     from the key `gap_window` on. */
  uint64_t gap_window;
  uint32_t gaps;
  /* Clock keys: the stripe number the last FREE took (UINT64_MAX: none), for a failed realloc. */
  uint64_t last_stripe;
  bool stripes_used; /* stripe_next holds numbers (cleared with the chunk) */
  /* Clock keys, the encoder's state per stripe: the number the chunk's next record of that
     stripe is written against (0 at the chunk's start, then the last one + 1). */
  uint64_t stripe_next[WORKSHOP_STRIPE_COUNT];
  struct thread_stream *next; /* in `streams` or `free_streams` */
} thread_stream;

typedef struct recent_allocation {
  uintptr_t address;
  uint64_t allocation;
} recent_allocation;

/* Slots of a stream's table of recent allocations; a FREE names one at most
   WORKSHOP_FREE_BACK_LIMIT allocations back (beyond that, or on a miss, its address). */
#define RECENT_SLOTS_LOG2 14
#define RECENT_SLOTS (1u << RECENT_SLOTS_LOG2)

/* The global order (README, "Clock keys, and a reader that keeps the order exact"). Every keyed
   record takes the counter's next value while threads take turns; once they record at the same
   time (order_note_gap) `order_mode.clock_keys` is set and every key is a clock key
   (order_clock_key). Every thread writes the counter while it is used, so it has a cache line to
   itself: nothing read on the hot path moves with it. */
typedef struct sequence_counter {
  _Alignas(64) atomic_uint_fast64_t next; /* the struct's size rounds up to the whole line */
} sequence_counter;
extern sequence_counter stream_sequence;
/* Clock keys: one counter per stripe of addresses (workshop_capture.h, WORKSHOP_STRIPE_OF), each
   on its own line. They make the order of the events at each address exact. A stripe is first
   owned by the buffer that numbers it first: a thread allocating from its own arena (glibc gives
   each thread's arena a 64 MiB heap of its own, one stripe) numbers it with a plain load and store,
   no locked instruction. The first event of another buffer in it makes it shared for good, and
   from then on every number is a lock xadd (stream_take_stripe). */
typedef struct stripe_counter {
  _Alignas(64) atomic_uint_fast64_t next;
  /* NULL (nobody numbered it yet), the owning buffer, STRIPE_SHARING or STRIPE_SHARED. */
  _Atomic(struct thread_stream *) owner;
} stripe_counter;
#define STRIPE_SHARING ((struct thread_stream *)1) /* a buffer is making it shared: wait */
#define STRIPE_SHARED ((struct thread_stream *)2)  /* every buffer takes numbers by lock xadd */
extern stripe_counter order_stripes[WORKSHOP_STRIPE_COUNT];
/* Read by every key and written once: a line of its own, or each contended counter key would
   fetch the counter's line twice (shared for the flag, then exclusive for the xadd). Cleared only
   in a fork child, which has one thread. Read relaxed: a thread whose record comes after another
   thread's clock-keyed one (happens-before) reads it set. */
typedef struct order_mode {
  _Alignas(64) atomic_bool clock_keys;
} order_mode;
extern order_mode stream_order;
/* Whether WORKSHOP_TRACKER_ORDER asks for clock keys and the clocksource allows them: the capture
   is then version 6. Set once at start (stream.c's order_init), read on every record. */
extern bool order_clock_possible;
/* Whether the order may switch to clock keys once threads record at the same time. */
extern bool order_switch_on_turns;

/* A clock key: the time stamp counter, unfenced, in units of 2^WORKSHOP_CLOCK_KEY_SHIFT ticks.
   Across threads it is only nearly the program's order; each ALLOC and FREE also takes its
   address's stripe number (stream_take_stripe), which makes the order of the events at each
   address exact (docs/capture-format.md, "Clock keys"). Epochs of the counter instead (read per
   key, advanced every 32 keys of a stream) cost less than a read of the time stamp counter (14 ns
   on this machine) but tie records that a barrier orders: a peak read between barriers came out
   9 blocks low (session 10, Benchmarks/RESULTS.md). */
static inline uint64_t order_clock_key(void) {
  return WORKSHOP_CLOCK_KEY_BASE | (__builtin_ia32_rdtsc() >> WORKSHOP_CLOCK_KEY_SHIFT);
}

/* Counter mode: another thread took a key since this stream's last one. Enough of those in a
   short span switch the order to clock keys. */
void order_note_gap(thread_stream *stream, uint64_t number);
/* With WORKSHOP_TRACKER_ORDER_STATS=1: which order the capture ended on and from which counter
   number it switched, on stderr at END. */
void stream_order_report(void);
/* Nodes and MODULES (stacks_lock held): the key of a record that defines stack nodes or the
   modules they belong to is above every such key before it, so the reader, which delivers them
   by key, numbers the nodes as the tracker did and reads a FRAME after the MODULES it needs. */
extern uint64_t stacks_last_key;
/* The calling thread's buffer, and the one it holds between reserve and commit. */
extern __thread thread_stream *own_stream;
extern __thread thread_stream *writing_stream;
/* The calling thread's first record: a buffer of its own (or the shared one). */
thread_stream *stream_acquire(void);

/*
 * An owner holds its own buffer without a locked instruction: it sets `writing` and then reads
 * `taken`; a flush sets `taken` and then reads `writing` (stream_take). One of the two sees the
 * other's flag only if a full fence sits between each side's store and load. The flush, which runs
 * about a hundred times a second, pays for both with membarrier(2) (a fence on every thread of the
 * process, stream_heavy_fence); the owner, on every event, needs only the compiler not to reorder
 * (README, "Holding a buffer"). Where membarrier is refused, the owner's store is a full fence
 * itself (an xchg, what the spin lock cost) and the flush's an mfence; refused after start, the
 * owners go on as they were and every heavy fence is a grace period (stream_heavy_fence).
 */
extern atomic_bool stream_fence_asymmetric;
/* The owner met a flush holding its buffer: waits until it is given back, then holds it. */
void stream_hold_contended(thread_stream *stream);

/* The owner sets one of its flags (`writing`, `taking_stripe`), ordered before its loads that
   follow: by the other side's membarrier, or by an xchg of its own. */
HOT_INLINE void stream_announce(atomic_bool *flag) {
  if (LIKELY(atomic_load_explicit(&stream_fence_asymmetric, memory_order_relaxed))) {
    atomic_store_explicit(flag, true, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
  } else {
    atomic_store_explicit(flag, true, memory_order_seq_cst);
  }
}

/* The calling thread holds `stream`, its own buffer (or the shared one's lock). */
HOT_INLINE void stream_hold(thread_stream *stream) {
  if (UNLIKELY(stream->thread == 0)) {
    spinlock_lock(&stream->lock); /* the shared stream: several threads write it */
    return;
  }
  stream_announce(&stream->writing);
  if (UNLIKELY(atomic_load_explicit(&stream->taken, memory_order_acquire)))
    stream_hold_contended(stream);
}

/* Lets go of what stream_hold took; the records written are visible to the next flush. */
HOT_INLINE void stream_let_go(thread_stream *stream) {
  if (UNLIKELY(stream->thread == 0)) {
    spinlock_unlock(&stream->lock);
    return;
  }
  atomic_store_explicit(&stream->writing, false, memory_order_release);
}

/* Holds the calling thread's own buffer with at least `need` bytes free; returns the write
   cursor. Only this thread writes it; a flush takes it between two records (stream_hold). */
HOT_INLINE uint8_t *stream_reserve(size_t need) {
  thread_stream *stream = own_stream;
  if (UNLIKELY(stream == NULL))
    stream = stream_acquire();
  stream_hold(stream);
  while (UNLIKELY(stream->used + need > STREAM_BUFFER_SIZE)) {
    stream_let_go(stream);
    stream_flush_own();
    stream_hold(stream);
  }
  writing_stream = stream;
  return stream->data + stream->used;
}

/* Commits the bytes up to `cursor`, counts `events` (for LOST) and lets the buffer go. */
HOT_INLINE void stream_commit(uint8_t *cursor, uint32_t events) {
  thread_stream *stream = writing_stream;
  /* Atomic: a flush's quiet check reads it while the owner may be starting its next record. */
  __atomic_store_n(&stream->used, (size_t)(cursor - stream->data), __ATOMIC_RELAXED);
  stream->events += events;
  stream_let_go(stream);
}

/* Between reserve and commit: a THREAD record if the buffer is shared by several threads and
   the calling thread is not the last one that wrote in it (own buffers never need one). */
static inline uint8_t *stream_put_thread(uint8_t *cursor) {
  thread_stream *stream = writing_stream;
  if (LIKELY(stream->thread != 0))
    return cursor; /* a buffer of its own: its chunks name the thread */
  pid_t thread = tracker_thread_id();
  if (LIKELY(thread == stream->last_thread))
    return cursor;
  stream->last_thread = thread;
  *cursor++ = WORKSHOP_RECORD_THREAD;
  return put_uv(cursor, (uint64_t)thread);
}

/* The least clock key any buffer's next record may take: the last flush's SYNC (a flush leaves the
   buffers it finds quiet untouched, stream.c's flush_all_locked) or a disk-full restart's. On a
   line of its own: written once a flush, read by every clock key. */
typedef struct published_floor {
  _Alignas(64) atomic_uint_fast64_t key;
} published_floor;
extern published_floor stream_published_floor;

/* A clock key for `stream`: never below its floor (its last key, a flush's SYNC) nor the floor a
   flush published for every buffer. */
static inline uint64_t stream_clock_key(thread_stream *stream) {
  uint64_t key = order_clock_key();
  uint64_t floor = atomic_load_explicit(&stream_published_floor.key, memory_order_acquire);
  if (floor < stream->key_floor)
    floor = stream->key_floor;
  if (UNLIKELY(key < floor))
    key = floor;
  stream->key_floor = key;
  return key;
}

/* The record's key: the counter's next number, or once the order is on the clock (globally, or
   for this stream because a flush raised its floor to a clock key) a clock key. */
static inline uint64_t stream_order_key(thread_stream *stream) {
  if (LIKELY(!atomic_load_explicit(&stream_order.clock_keys, memory_order_relaxed) &&
             stream->key_floor < WORKSHOP_CLOCK_KEY_BASE))
    return atomic_fetch_add(&stream_sequence.next, 1);
  return stream_clock_key(stream);
}

/* The tag and `number` as a delta from the chunk's previous key; ALLOC and FREE keyed as
   `implied` (a thread alone: the previous number + 1; within one clock tick: the previous key
   again) say so in their tag instead. NULL when recording has stopped. */
static inline uint8_t *stream_put_delta(uint8_t *cursor, uint8_t tag, uint64_t number, uint64_t implied) {
  thread_stream *stream = writing_stream;
  /* END clears tracker_active before taking its number, so a counter number taken after END's
     sees it cleared: no record follows END in the order (with clock keys END takes the largest
     key there is). */
  if (UNLIKELY(!atomic_load(&tracker_active)))
    return NULL;
  uint64_t delta = number - stream->last_sequence;
  stream->last_sequence = number;
  if (delta == implied && (tag & WORKSHOP_RECORD_TYPE_MASK) >= WORKSHOP_RECORD_ALLOC) {
    *cursor++ = (uint8_t)(tag | WORKSHOP_RECORD_NEXT_NUMBER);
    return cursor;
  }
  *cursor++ = tag;
  return put_uv(cursor, delta);
}

static inline uint8_t *stream_put_key(uint8_t *cursor, uint8_t tag, uint64_t number);

/* Between reserve and commit: the record's tag and its key, which places it in the capture's
   global order. NULL when recording has stopped (after END): write nothing then. Where clock keys
   are never used (the default) the key is the counter's, with nothing of the clock's on the path. */
static inline uint8_t *stream_put_tag(uint8_t *cursor, uint8_t tag) {
  if (LIKELY(!order_clock_possible))
    return stream_put_delta(cursor, tag, atomic_fetch_add(&stream_sequence.next, 1), 1);
  return stream_put_key(cursor, tag, stream_order_key(writing_stream));
}

/* The same for a record that defines stack nodes or modules, with stacks_lock held: its key is
   above every earlier such key (stacks_last_key). */
static inline uint8_t *stream_put_tag_locked(uint8_t *cursor, uint8_t tag) {
  thread_stream *stream = writing_stream;
  uint64_t number = stream_order_key(stream);
  if (number >= WORKSHOP_CLOCK_KEY_BASE) {
    if (number <= stacks_last_key)
      number = stream->key_floor = stacks_last_key + 1;
    stacks_last_key = number;
  }
  return stream_put_key(cursor, tag, number);
}

static inline uint8_t *stream_put_key(uint8_t *cursor, uint8_t tag, uint64_t number) {
  thread_stream *stream = writing_stream;
  if (UNLIKELY(number - stream->last_sequence != 1) && order_switch_on_turns && number < WORKSHOP_CLOCK_KEY_BASE)
    order_note_gap(stream, number);
  /* The key a record without one has: the previous number + 1, or the previous clock key again. */
  return stream_put_delta(cursor, tag, number, stream->last_sequence >= WORKSHOP_CLOCK_KEY_BASE ? 0 : 1);
}

/* The owner's side of a stripe's handover (stream_take_stripe_contended): announces that it is
   taking a number, then looks; if `stream` owns the stripe, takes the next number with a plain load
   and store. False (nothing taken) when another buffer owns it, or nobody, or every buffer. */
HOT_INLINE bool stream_take_owned_stripe(stripe_counter *stripe, thread_stream *stream, uint64_t *number) {
  stream_announce(&stream->taking_stripe);
  if (LIKELY(atomic_load_explicit(&stripe->owner, memory_order_acquire) == stream)) {
    *number = atomic_load_explicit(&stripe->next, memory_order_relaxed);
    atomic_store_explicit(&stripe->next, *number + 1, memory_order_relaxed);
    atomic_store_explicit(&stream->taking_stripe, false, memory_order_release);
    return true;
  }
  atomic_store_explicit(&stream->taking_stripe, false, memory_order_relaxed);
  return false;
}

/* A stripe the writing buffer does not own: claims it if nobody numbered it yet, or makes it
   shared, and takes its next number (stream.c). */
uint64_t stream_take_stripe_contended(stripe_counter *stripe, thread_stream *stream);

/* The stripe number of an event at `address`, for a clock-keyed record (the caller checks
   stream_clock_keyed), taken where its key was: the buffer held since, and stacks_lock too for a
   record that defines nodes, so that an event's place in its stripe and its place among the records
   ordered by stacks_lock are one moment (the reader's rules then never wait for each other). */
static inline uint64_t stream_take_stripe(uintptr_t address) {
  stripe_counter *stripe = &order_stripes[WORKSHOP_STRIPE_OF(address)];
  thread_stream *stream = writing_stream;
  uint64_t number;
  if (LIKELY(stream_take_owned_stripe(stripe, stream, &number)))
    return number;
  return stream_take_stripe_contended(stripe, stream);
}

/* Whether the record just keyed in `stream` took a clock key (and so takes a stripe number). */
static inline bool stream_clock_keyed(const thread_stream *stream) {
  return order_clock_possible && stream->last_sequence >= WORKSHOP_CLOCK_KEY_BASE;
}

/* At the end of a clock-keyed ALLOC or FREE: its stripe number. */
static inline uint8_t *stream_put_stripe(uint8_t *cursor, uintptr_t address, uint64_t number) {
  thread_stream *stream = writing_stream;
  unsigned stripe = WORKSHOP_STRIPE_OF(address);
  cursor = put_uv(cursor, number - stream->stripe_next[stripe]);
  stream->stripe_next[stripe] = number + 1;
  stream->stripes_used = true;
  return cursor;
}

/* Instead of a FREE taken back (a realloc() that failed): a STRIPE record with its number. NULL
   when recording has stopped. */
static inline uint8_t *stream_put_stripe_only(uint8_t *cursor, uintptr_t address, uint64_t number) {
  thread_stream *stream = writing_stream;
  cursor = stream_put_key(stream_put_thread(cursor), WORKSHOP_RECORD_STRIPE, stream_clock_key(stream));
  if (cursor == NULL)
    return NULL;
  cursor = put_uv(cursor, WORKSHOP_STRIPE_OF(address));
  return stream_put_stripe(cursor, address, number);
}

static inline recent_allocation *recent_slot(thread_stream *stream, uintptr_t address) {
  uint64_t key = (uint64_t)address * 0x9e3779b97f4a7c15ull;
  return &stream->recent[key >> (64 - RECENT_SLOTS_LOG2)];
}

/* After an ALLOC's tag: its address, as a delta from the previous ALLOC/FREE address in this
   buffer; remembered so that its FREE can name it by distance. */
static inline uint8_t *stream_put_alloc_address(uint8_t *cursor, uintptr_t address) {
  thread_stream *stream = writing_stream;
  cursor = put_sv(cursor, (int64_t)(address - stream->last_address));
  stream->last_address = address;
  recent_allocation *slot = recent_slot(stream, address);
  slot->address = address;
  slot->allocation = ++stream->allocations;
  return cursor;
}

/* A whole FREE of `kind` (tag, number, and the distance back to the block's ALLOC in this
   stream, or its address). NULL when recording has stopped. */
static inline uint8_t *stream_put_free(uint8_t *cursor, uint8_t kind, uintptr_t address) {
  thread_stream *stream = writing_stream;
  recent_allocation *slot = recent_slot(stream, address);
  uint64_t back = stream->allocations + 1 - slot->allocation;
  bool recent = slot->address == address && slot->allocation != 0 && back <= WORKSHOP_FREE_BACK_LIMIT;
  cursor = stream_put_tag(cursor, (uint8_t)((recent ? WORKSHOP_RECORD_FREE_BACK : WORKSHOP_RECORD_FREE) | kind));
  if (UNLIKELY(cursor == NULL))
    return NULL;
  /* The distance back names the allocation whose address this is; an entry left by a block that
     another thread freed still names the same address, so it never misleads. */
  cursor = recent ? put_uv(cursor, back) : put_sv(cursor, (int64_t)(address - stream->last_address));
  stream->last_address = address;
  if (LIKELY(!stream_clock_keyed(stream)))
    return cursor;
  stream->last_stripe = stream_take_stripe(address);
  return stream_put_stripe(cursor, address, stream->last_stripe);
}


/* ---- events.c: the hot path ---------------------------------------------------------------- */

/* `hook_frame`: the exported hook's __builtin_frame_address(0), the stack cache's key. */
void record_alloc(workshop_alloc_kind kind, void *block, size_t size, const uintptr_t *hook_frame);
void record_free(workshop_free_kind kind, void *block);
/* Calls the real realloc (or reallocarray) while holding the thread's own buffer, see events.c. */
void *record_realloc(workshop_alloc_kind kind, void *old_block, size_t count, size_t element_size,
                     const uintptr_t *hook_frame);

/* ---- tracker.c ------------------------------------------------------------------------------ */

/* The calling thread's kernel tid, cached in TLS. */
pid_t tracker_thread_id(void);
/* Writes a MODULES record if the set of loaded objects changed since the last one written. */
void tracker_refresh_modules(void);

/* ---- The loader across fork (tracker.c) ------------------------------------------------------
 *
 * dl_iterate_phdr holds the loader's dl_load_write_lock, and glibc's fork() does not take it: a
 * child forked while another thread iterates inherits the lock held, and its first
 * dl_iterate_phdr waits forever (20 children of 20 in a test on glibc 2.36). The tracker
 * iterates from every thread (libunwind's searches for unwind tables, the MODULES refresh, the
 * sampler's every tick), and a followed child refreshes its MODULES inside fork() itself, before
 * the program's code runs again: it hung there, and its parent with it. So every tracker call that
 * may iterate (or hold a libunwind lock) goes through this gate; fork_prepare closes it and waits
 * until nobody is inside, before it takes any lock of the tracker's.
 */
typedef struct loader_gate {
  /* On a line of their own: every unwind writes `users`, from every thread, and the linker put it
     beside tracker_active, which every record of every thread reads. */
  _Alignas(64) atomic_int users;
  atomic_int closed;
} loader_gate;
extern loader_gate tracker_loader;
extern __thread int loader_depth; /* nested entries of this thread */
void loader_wait_open(void);

static inline void loader_enter(void) {
  if (loader_depth++ > 0)
    return;
  atomic_fetch_add(&tracker_loader.users, 1);
  if (UNLIKELY(atomic_load(&tracker_loader.closed)))
    loader_wait_open();
}

static inline void loader_leave(void) {
  if (--loader_depth > 0)
    return;
  atomic_fetch_sub(&tracker_loader.users, 1);
}
/* The program ends of its own accord (exit, _exit): END, a final flush, recording stops. */
void tracker_finish(void);
/* Set once start-up is over (recording or not); until then every hook calls
   tracker_start_early(). */
extern atomic_bool tracker_started;
/* Resolves the real allocator functions, and starts the tracker unless it is starting already
   or the calling thread is inside the tracker. Called by the hooks until tracker_started. */
void tracker_start_early(void);
/* CLOCK_MONOTONIC at the start of the capture (of the first program, across exec). */
uint64_t tracker_start_monotonic_ns(void);

/* ---- hooks.c -------------------------------------------------------------------------------- */

/* Resolves the real allocator functions. Safe to call more than once and from any hook. */
void hooks_bootstrap(void);
/* The next definition of a function the tracker hooks (dlsym RTLD_NEXT), allocating from the
   arena. At start only: a vfork() child must not run dlsym() in its parent's memory. */
void *hooks_next(const char *name);
extern void *(*real_realloc)(void *, size_t);
extern void *(*real_reallocarray)(void *, size_t, size_t);

/*
 * The address range [*low, *high) that a loaded object's PT_LOAD segments cover; false for an
 * object with no PT_LOAD segment. Used for the MODULES table and to know our own frames.
 */
struct dl_phdr_info;
bool object_load_range(const struct dl_phdr_info *info, uintptr_t *low, uintptr_t *high);

#endif /* WORKSHOP_TRACKER_INTERNAL_H */
