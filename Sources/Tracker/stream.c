/*
 * stream.c — the record buffers and the capture file.
 *
 * Every thread writes its records into a buffer of its own (a `thread_stream`), so threads never
 * wait for each other while they record. Every record but FRAME and THREAD carries a key taken at
 * the moment the event is ordered, i.e. where the single lock of the earlier design was taken: a
 * number from one global counter (an atomic fetch-add) while one thread records; by default
 * (WORKSHOP_TRACKER_ORDER=switch) once threads record at the same time (order_note_gap below), or
 * with =clock from the first record, a clock key instead: the time stamp counter read with no
 * fence, plus the next number of the event's address stripe (README "A buffer per thread"); the
 * reader delivers clock keys in order and each stripe's events in their numbers' order. Keys are
 * taken:
 *   - ALLOC after the real allocation returned, before the hook returns the block;
 *   - FREE before the real free(): a thread that gets the same address back from malloc takes
 *     its number later;
 *   - realloc: the FREE's number before the real realloc, the ALLOC's after it, both written
 *     while the thread holds its own buffer (so a flush never separates them);
 *   - a record that defines new FRAMEs takes its number while holding stacks_lock, so node
 *     numbers and sequence numbers rise together (FRAMEs carry no number: they belong to the
 *     record that follows them in the same chunk).
 * A thread takes a number only while it holds its own buffer (stream_hold) and writes the record
 * before letting it go. A flush of every buffer first reads the current key (W), then takes each
 * buffer in turn (stream_take; it raises a clock-keyed buffer's floor to W): every key below W was
 * taken by a thread that held its buffer then, so its record is in the buffer taken. After writing
 * them all, the flush writes SYNC W: every record numbered below W is in the file. The reader merges
 * the chunks by number (docs/capture-format.md).
 *
 * A buffer goes to the file as a CHUNK record (thread id, length, the records). Each chunk is
 * encoded afresh (running address 0, running number 0), so chunks are independent: a dropped
 * one (disk full) damages nothing after it. A flush swaps the full buffer with one spare buffer
 * (owned by whoever holds the file lock) and writes it with only the file lock held, so the
 * thread goes on recording meanwhile.
 *
 * When the file refuses bytes (disk full), every buffered record is dropped, the stack nodes are
 * forgotten (FRAMEs that never reached the file), and LOST says how many events are missing and
 * from which number on the stream starts afresh; see rewind_all_locked.
 */
#define _GNU_SOURCE
#include "tracker_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>


/* The global order, alone on its cache line, and whether it is on the clock, on another. */
sequence_counter stream_sequence;
order_mode stream_order;
stripe_counter order_stripes[WORKSHOP_STRIPE_COUNT];

/* Every stripe numbers its events from 0 again and has no owner (every buffer taken, or one
   thread left). */
static void restart_stripes(void) {
  for (unsigned stripe = 0; stripe < WORKSHOP_STRIPE_COUNT; stripe++) {
    atomic_store_explicit(&order_stripes[stripe].next, 0, memory_order_relaxed);
    atomic_store_explicit(&order_stripes[stripe].owner, NULL, memory_order_relaxed);
  }
}
/* Set at start from WORKSHOP_TRACKER_ORDER (order_init): switch to clock keys when threads record
   at the same time, or use them from the first record. */
bool order_switch_on_turns;
static bool clock_from_start;
/* The counter number at which the order switched to the clock (WORKSHOP_TRACKER_ORDER_STATS). */
static atomic_uint_fast64_t clock_since;
/* Under stacks_lock: the largest clock key of a record that defined nodes or modules. */
uint64_t stacks_last_key;
/* Under registry_lock: the key of the SYNC being written (a flush sets it before it takes the
   buffers); a stream taken meanwhile keys at or above it. */
static uint64_t sync_floor;

/* Every stream that may hold records, and streams of exited threads ready for reuse; both
   guarded by registry_lock. */
static thread_stream *streams;
static thread_stream *free_streams;
static spinlock registry_lock;
/* For threads that cannot have a stream of their own (the arena is exhausted): one shared
   stream, with THREAD records. */
static thread_stream shared_stream;
static uint32_t stream_count = 1;
static pthread_key_t stream_key;

__thread thread_stream *own_stream;
/* The thread's stream has been given up (stream_exited): the thread is ending. */
static __thread bool thread_ending;
__thread thread_stream *writing_stream;

spinlock stacks_lock;

static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER;
/* Set in the child of a fork that interrupted its thread inside the tracker (stream_disown): that
   child has one thread, records nothing and must write nothing into its parent's capture. The code
   the fork interrupted goes on in it, and would wait for threads that are not there (a lock, a
   flush's `taken`, an owner's `writing`): every such wait is over at once (the file lock is made
   free), every write is dropped. Atomic: set by a fork handler, inside a wait that must see it. */
static atomic_bool disowned;
/* The buffer a flush swaps in; owned by the file lock's holder. */
static uint8_t *spare_buffer;

/* The capture: a descriptor the program cannot take away (descriptor.c). */
static guarded_fd capture = {.fd = -1};
static uint64_t file_offset;

uint64_t stream_modules_generation;

/* Events dropped and not yet reported by a LOST record in the file, and the number from which
   the stream restarted when they were dropped. */
static uint64_t lost_unreported;
static uint64_t lost_restart;

__thread bool spinlock_sleeps;

void spinlock_wait(spinlock *lock) {
  if (disowned)
    return; /* the only thread: nobody else takes it */
  if (spinlock_sleeps) {
    /* The sampler: it must not take the CPU from the thread holding the lock. */
    struct timespec pause = {0, 50000};
    while (atomic_load_explicit(&lock->held, memory_order_relaxed) ||
           atomic_exchange_explicit(&lock->held, 1, memory_order_acquire))
      nanosleep(&pause, NULL);
    return;
  }
  while (!disowned) { /* also when the fork comes while this thread waits */
    for (int spins = 0; spins < 100; spins++) {
      if (!atomic_load_explicit(&lock->held, memory_order_relaxed) &&
          !atomic_exchange_explicit(&lock->held, 1, memory_order_acquire))
        return;
      __builtin_ia32_pause();
    }
    sched_yield();
  }
}

/* ---- Holding a buffer: the owner's flag and a flush's ------------------------------------- */

atomic_bool stream_fence_asymmetric;
published_floor stream_published_floor;
/* membarrier was refused after start (a seccomp filter the program put in place): every heavy
   fence from then on is a grace period instead (stream_heavy_fence). Sticky. */
static atomic_bool membarrier_refused;

/* Asks the kernel for membarrier(2)'s private expedited fence (Linux 4.14); without it every
   owner's hold is a full fence of its own (stream_announce). WORKSHOP_TRACKER_MEMBARRIER=0 does
   without it (the tests' way to the fallback, which a kernel or a seccomp filter that refuses
   membarrier takes). Called before any thread records, and in a fork child. */
static void stream_fence_init(void) {
  const char *wanted = environment_value("WORKSHOP_TRACKER_MEMBARRIER");
  bool asymmetric = !(wanted && strcmp(wanted, "0") == 0) &&
                    syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  atomic_store(&stream_fence_asymmetric, asymmetric);
  atomic_store(&membarrier_refused, false);
}

/* How long a grace period waits: far longer than any store takes to leave a core's store buffer
   (nanoseconds; a vCPU taken off its core drains it on the way out). */
#define GRACE_PERIOD_NS 1000000

/* Sleeps GRACE_PERIOD_NS; where a filter refuses the sleep too, spins on the clock (the vDSO's, no
   system call) for as long, and where even that fails, for a count of pauses that takes longer. */
static void wait_grace_period(void) {
  struct timespec grace = {0, GRACE_PERIOD_NS};
  int result;
  while ((result = nanosleep(&grace, &grace)) != 0 && errno == EINTR) {
  }
  if (result == 0)
    return;
  struct timespec start, now;
  if (clock_gettime(CLOCK_MONOTONIC, &start) == 0) {
    do {
      __builtin_ia32_pause();
      if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        break;
    } while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < GRACE_PERIOD_NS);
    return;
  }
  for (long spins = 0; spins < 10L * GRACE_PERIOD_NS / 8; spins++) /* a pause is at most ~40 ns */
    __builtin_ia32_pause();
}

/*
 * A full fence on every running thread of the process: their stores before it are visible to the
 * caller's loads after it, and the caller's stores before it to their loads after it. Where owners
 * fence themselves, this thread's own fence. Should membarrier be refused after start, owners go on
 * without fences (they cannot all be told at once: one that had just read the old mode would not
 * fence), so this thread fences its own stores and then waits out a grace period, after which every
 * store an owner made before the caller's is out of its store buffer: slow (a millisecond a flush
 * pass, and one for each busy buffer it takes and each stripe made shared) but right, for a
 * program that refused it.
 */
static void stream_heavy_fence(void) {
  if (!atomic_load_explicit(&stream_fence_asymmetric, memory_order_relaxed)) {
    atomic_thread_fence(memory_order_seq_cst);
    return;
  }
  int saved_errno = errno; /* this may run inside the program's malloc or free */
  if (!atomic_load_explicit(&membarrier_refused, memory_order_relaxed) &&
      syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0) {
    errno = saved_errno;
    return;
  }
  atomic_store(&membarrier_refused, true);
  atomic_thread_fence(memory_order_seq_cst);
  wait_grace_period();
  atomic_thread_fence(memory_order_seq_cst);
  errno = saved_errno;
}

/* Raises the floor every clock key reads (stream_clock_key) to `floor`, if it is a clock key. */
static void stream_publish_floor(uint64_t floor) {
  if (floor >= WORKSHOP_CLOCK_KEY_BASE &&
      floor > atomic_load_explicit(&stream_published_floor.key, memory_order_relaxed))
    atomic_store_explicit(&stream_published_floor.key, floor, memory_order_release);
}

/* Waits until `flag` is clear (acquire): spinning, then yielding; the sampler sleeps instead. */
static void wait_until_clear(atomic_bool *flag) {
  struct timespec pause = {0, 50000};
  for (int spins = 0; !disowned && atomic_load_explicit(flag, memory_order_acquire); spins++) {
    if (spinlock_sleeps)
      nanosleep(&pause, NULL);
    else if (spins < 100)
      __builtin_ia32_pause();
    else
      sched_yield();
  }
}

void stream_hold_contended(thread_stream *stream) {
  if (disowned)
    return; /* the flush that took it is in the parent */
  do {
    atomic_store_explicit(&stream->writing, false, memory_order_release);
    wait_until_clear(&stream->taken);
    stream_announce(&stream->writing);
  } while (!disowned && atomic_load_explicit(&stream->taken, memory_order_acquire));
}

/* Whether a flush must meet the buffer's owner through `taken`: not for the shared stream (its
   writers take its lock) nor for the calling thread's own (it is not writing a record). */
static bool stream_has_other_owner(const thread_stream *stream) {
  return stream->thread != 0 && stream != own_stream;
}

/* A flush takes a buffer: its lock against other flushes, then `taken` against the owner. Without
   `wait`, a buffer whose owner is writing a record is left (false). `owner_gone`: the caller saw
   the owner's exit (an acquire of `exited`): it writes no more, so no fence is needed. */
static bool stream_take(thread_stream *stream, bool wait, bool owner_gone) {
  if (wait)
    spinlock_lock(&stream->lock);
  else if (!spinlock_trylock(&stream->lock))
    return false;
  if (!stream_has_other_owner(stream) || owner_gone)
    return true;
  atomic_store_explicit(&stream->taken, true, memory_order_relaxed);
  stream_heavy_fence();
  if (atomic_load_explicit(&stream->writing, memory_order_acquire)) {
    if (!wait) {
      atomic_store_explicit(&stream->taken, false, memory_order_release);
      spinlock_unlock(&stream->lock);
      return false;
    }
    wait_until_clear(&stream->writing);
  }
  return true;
}

/* Gives back what stream_take took: the owner may write again. */
static void stream_give_back(thread_stream *stream) {
  atomic_store_explicit(&stream->taken, false, memory_order_release);
  spinlock_unlock(&stream->lock);
}

/* Every buffer on the list (registry_lock held) taken at once, with one fence for them all (a
   fork with a thousand threads fences once, not a thousand times). */
static void stream_take_all_locked(void) {
  for (thread_stream *stream = streams; stream; stream = stream->next) {
    spinlock_lock(&stream->lock);
    if (stream_has_other_owner(stream))
      atomic_store_explicit(&stream->taken, true, memory_order_relaxed);
  }
  stream_heavy_fence();
  for (thread_stream *stream = streams; stream; stream = stream->next)
    if (stream_has_other_owner(stream))
      wait_until_clear(&stream->writing);
}

static void stream_give_back_all_locked(void) {
  for (thread_stream *stream = streams; stream; stream = stream->next)
    stream_give_back(stream);
}

/* After a flush's fence (flush_all_locked): the buffer holds no record and its owner is not writing
   one, so the flush has nothing to take from it. An owner that starts a record after the fence
   reads the floor published before it. */
static bool stream_is_quiet(thread_stream *stream) {
  return stream_has_other_owner(stream) && !atomic_load_explicit(&stream->writing, memory_order_acquire) &&
         __atomic_load_n(&stream->used, __ATOMIC_RELAXED) == CHUNK_HEADER_ROOM;
}

/*
 * A stripe changes hands only here. Claiming one nobody numbered is a compare-and-swap. Making one
 * shared is the same handover as a flush's (stream_take), narrowed to the owner's few instructions
 * between its `taking_stripe` flag and its store of the next number: the sharer marks the stripe
 * STRIPE_SHARING, fences every thread, waits until the owner is not taking a number, and opens the
 * stripe to lock xadd. The owner never waits while its flag is set, so nobody waits in a circle;
 * buffers that meet STRIPE_SHARING wait the few instructions until STRIPE_SHARED.
 */
uint64_t stream_take_stripe_contended(stripe_counter *stripe, thread_stream *stream) {
  for (int spins = 0;; spins++) {
    thread_stream *owner = atomic_load_explicit(&stripe->owner, memory_order_acquire);
    if (owner == STRIPE_SHARED)
      return atomic_fetch_add(&stripe->next, 1);
    if (owner == STRIPE_SHARING) {
      if (disowned) /* the sharer is a thread of the parent's; the number is never written */
        return atomic_fetch_add(&stripe->next, 1);
      if (spins < 100)
        __builtin_ia32_pause();
      else
        sched_yield();
      continue;
    }
    if (owner == stream) { /* claimed just now: the owner's way */
      uint64_t number;
      if (stream_take_owned_stripe(stripe, stream, &number))
        return number;
      continue;
    }
    if (owner == NULL) {
      atomic_compare_exchange_strong(&stripe->owner, &owner, stream);
      continue;
    }
    if (!atomic_compare_exchange_strong(&stripe->owner, &owner, STRIPE_SHARING))
      continue;
    stream_heavy_fence();
    wait_until_clear(&owner->taking_stripe);
    atomic_store_explicit(&stripe->owner, STRIPE_SHARED, memory_order_release);
    return atomic_fetch_add(&stripe->next, 1);
  }
}

/* Forgets the stream's recent allocations (the reader forgets them at LOST too). */
static void forget_allocations(thread_stream *stream) {
  stream->allocations = 0;
  if (stream->recent)
    __builtin_memset(stream->recent, 0, RECENT_SLOTS * sizeof *stream->recent);
}

static void reset_encoder(thread_stream *stream) {
  stream->used = CHUNK_HEADER_ROOM;
  stream->events = 0;
  stream->last_sequence = 0;
  stream->last_address = 0;
  stream->last_thread = stream->thread;
  stream->last_stripe = UINT64_MAX;
  if (stream->stripes_used) {
    __builtin_memset(stream->stripe_next, 0, sizeof stream->stripe_next);
    stream->stripes_used = false;
  }
}

static void stream_exited(void *pointer) {
  int was_busy = tracker_busy;
  tracker_busy = 1;
  thread_stream *stream = pointer;
  if (own_stream == stream)
    own_stream = NULL;
  thread_ending = true;
  /* The owner's last touch of the stream: a flush that reads it set recycles the stream. */
  atomic_store_explicit(&stream->exited, true, memory_order_release);
  tracker_busy = was_busy;
}

/* The key every record not yet keyed will have at least (a flush's SYNC, a LOST's restart). The
   flag is read first: a counter value is returned only while clock keys are not in use. */
static uint64_t order_floor(void) {
  if (atomic_load(&stream_order.clock_keys))
    return order_clock_key();
  return atomic_load(&stream_sequence.next);
}

/* The kernel keeps CLOCK_MONOTONIC on the time stamp counter only once it has checked that every
   CPU's counter runs at a constant rate, in step with the others (no `tsc` clocksource where the
   check failed, on a VM whose hypervisor does not promise it, or after the kernel saw it drift).
   Elsewhere the counter stays. Read with open/read: no stdio allocation at start. */
static bool clocksource_is_tsc(void) {
  int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char name[16] = {0};
  ssize_t got = read(fd, name, sizeof name - 1);
  close(fd);
  return got == 4 && __builtin_memcmp(name, "tsc\n", 4) == 0;
}

/* Decided once, at start (order_init): a fork child keeps it, and writes its header by it. */
bool order_clock_possible;

/* WORKSHOP_TRACKER_ORDER: "switch" (the default: unset or anything else) switches to clock keys
   once threads record at the same time (order_note_gap); "clock" takes them from the first record
   (tests); "counter" keeps the counter for good, as does a clocksource other than `tsc`, and a
   capture adopted across exec() whose header is not version 6 (`clock_allowed` false). The switch
   is the default because the counter's line, moving between cores with every key, has a slow mode
   (2-8 threads 4.8-4.9x against 2.8x with the switch in one run at load 9-11, README). */
static void order_init(bool clock_allowed) {
  const char *chosen = environment_value("WORKSHOP_TRACKER_ORDER");
  bool counter = chosen && __builtin_strcmp(chosen, "counter") == 0;
  bool from_start = chosen && __builtin_strcmp(chosen, "clock") == 0;
  order_clock_possible = clock_allowed && !counter && clocksource_is_tsc();
  clock_from_start = order_clock_possible && from_start;
  order_switch_on_turns = order_clock_possible && !from_start;
  atomic_store(&stream_order.clock_keys, clock_from_start);
}

/* Counter keys are exact and cost nothing in bytes while threads take turns (the next number: no
   byte at all). Once threads record at the same time, the counter's line moves between cores with
   every key, and a lock xadd waits for it (up to 40 % of the CPU with 2-8 threads); an unfenced
   rdtsc waits for nothing. A stream switches the order once it sees other threads take
   ORDER_SWITCH_GAPS keys between its own within ORDER_SWITCH_WINDOW numbers: a lone thread sees
   only the sampler's 100 TICKs a second, threads that both record all the time a gap at nearly
   every key.
   Why the switch keeps the order: a thread takes a clock key only after it has seen the flag set
   (or a flush put a clock key in its floor, after the flag was set). A record R keyed by the
   counter after the flag was set was keyed by a thread that had not seen it; had any clock-keyed
   record S come before R (happens-before), the flag's store came before S and so before R, and
   R's thread would have read it set. So every counter-keyed record is concurrent with or before
   every clock-keyed one, and delivering all counter keys first (they are smaller) is an order the
   program could have had. */
#define ORDER_SWITCH_GAPS 256
#define ORDER_SWITCH_WINDOW 16384

void order_note_gap(thread_stream *stream, uint64_t number) {
  if (number - stream->gap_window > ORDER_SWITCH_WINDOW) {
    stream->gap_window = number;
    stream->gaps = 0;
  }
  if (++stream->gaps >= ORDER_SWITCH_GAPS &&
      !atomic_load_explicit(&stream_order.clock_keys, memory_order_relaxed)) {
    atomic_store(&clock_since, number);
    atomic_store(&stream_order.clock_keys, true);
  }
}

void stream_order_report(void) {
  const char *wanted = environment_value("WORKSHOP_TRACKER_ORDER_STATS");
  if (!wanted || __builtin_strcmp(wanted, "1") != 0)
    return;
  unsigned owned = 0, shared = 0;
  for (unsigned stripe = 0; stripe < WORKSHOP_STRIPE_COUNT; stripe++) {
    thread_stream *owner = atomic_load_explicit(&order_stripes[stripe].owner, memory_order_relaxed);
    shared += owner == STRIPE_SHARED;
    owned += owner != NULL && owner != STRIPE_SHARED && owner != STRIPE_SHARING;
  }
  char line[256];
  snprintf(line, sizeof line,
           "workshop tracker: order on the %s (clock %s), clock keys from counter number %llu; "
           "buffers held %s; stripes %u owned, %u shared; %u buffers made\n",
           atomic_load(&stream_order.clock_keys) ? "clock" : "counter", order_clock_possible ? "usable" : "not used",
           (unsigned long long)atomic_load(&clock_since),
           !atomic_load(&stream_fence_asymmetric) ? "with fences of their own"
           : atomic_load(&membarrier_refused)     ? "with membarrier until it was refused, then grace periods"
                                                  : "with membarrier",
           owned, shared, stream_count - 1);
  if (write(2, line, strlen(line)) < 0) {
    /* nothing to be done about a closed stderr */
  }
}

void stream_init(int fd, const char *path, uint64_t offset, bool clock_allowed) {
  order_init(clock_allowed);
  stream_fence_init();
  spare_buffer = arena_alloc(STREAM_BUFFER_SIZE, 4096);
  shared_stream.data = arena_alloc(STREAM_BUFFER_SIZE, 4096);
  shared_stream.recent = arena_alloc(RECENT_SLOTS * sizeof(recent_allocation), 64);
  reset_encoder(&shared_stream);
  shared_stream.next = NULL;
  streams = &shared_stream;
  pthread_key_create(&stream_key, stream_exited);
  guarded_fd_init(&capture, fd, path, O_RDWR);
  file_offset = offset;
}

size_t stream_record_limit(void) { return (STREAM_BUFFER_SIZE - CHUNK_HEADER_ROOM) / 2; }

/* A fresh stream with its buffer and table of recent allocations, or NULL (arena exhausted).
   Called with no lock held: a new block may have to be committed and populated (768 KiB a
   thread), and a program starting thousands of threads must not queue behind that. */
static thread_stream *stream_create(void) {
  thread_stream *stream = arena_alloc(sizeof *stream, 64);
  uint8_t *data = stream ? arena_alloc(STREAM_BUFFER_SIZE, 4096) : NULL;
  recent_allocation *recent = data ? arena_alloc(RECENT_SLOTS * sizeof *recent, 64) : NULL;
  if (!recent)
    return NULL; /* what was claimed stays claimed: the arena never reuses addresses */
  stream->data = data;
  stream->recent = recent;
  return stream;
}

/* Makes `stream` the calling thread's and puts it in the list (registry_lock held). */
static void stream_take_locked(thread_stream *stream) {
  stream->thread = tracker_thread_id();
  atomic_store_explicit(&stream->exited, false, memory_order_relaxed);
  reset_encoder(stream);
  /* Any key this thread takes from now on is at least the current key, and at least the key of a
     SYNC whose flush may already have passed this stream's place in the list. */
  uint64_t floor = order_floor();
  if (sync_floor >= WORKSHOP_CLOCK_KEY_BASE && floor < sync_floor)
    floor = sync_floor;
  stream->unwritten_from = floor;
  stream->key_floor = floor >= WORKSHOP_CLOCK_KEY_BASE ? floor : 0;
  stream->gap_window = atomic_load(&stream_sequence.next);
  stream->gaps = 0;
  if (stream->id == 0)
    stream->id = stream_count++; /* a recycled stream keeps its id, a fresh one gets the next */
  stream->next = streams;
  streams = stream;
}

/* A stream for the calling thread (with tracker_busy set: the arena serves pthread_setspecific).
   A recycled one is popped and linked in one hold of registry_lock (a disk-full recovery, which
   holds it, must find every stream on one list or the other); a fresh one is made before. */
thread_stream *stream_acquire(void) {
  /* A thread past its stream's destructor (glibc frees its own buffers after every key's
     destructor has run) would keep a new stream on the list for good: it writes the shared one. */
  if (thread_ending)
    return &shared_stream;
  spinlock_lock(&registry_lock);
  thread_stream *stream = free_streams;
  if (stream) {
    free_streams = stream->next;
    stream_take_locked(stream);
  }
  spinlock_unlock(&registry_lock);
  if (!stream) {
    if (!(stream = stream_create()))
      return &shared_stream;
    spinlock_lock(&registry_lock);
    stream_take_locked(stream);
    spinlock_unlock(&registry_lock);
  }
  own_stream = stream;
  pthread_setspecific(stream_key, stream); /* marks it exited when the thread ends */
  return stream;
}

uint8_t *stream_put_end(uint8_t *cursor, uint64_t microseconds) {
  thread_stream *stream = writing_stream;
  /* Another thread that saw tracker_active still set may read its clock key after END would
     (nothing orders its later check before its read): END takes the last key there is instead. */
  uint64_t number = atomic_load(&stream_order.clock_keys) || stream->key_floor >= WORKSHOP_CLOCK_KEY_BASE
                        ? WORKSHOP_END_CLOCK_KEY
                        : atomic_fetch_add(&stream_sequence.next, 1);
  *cursor++ = WORKSHOP_RECORD_END;
  cursor = put_uv(cursor, number - stream->last_sequence);
  stream->last_sequence = number;
  return put_uv(cursor, microseconds);
}

/* ---- Writing ------------------------------------------------------------------------------ */

/* Writes `length` bytes at the end of the file; on failure cuts off any partial record. */
static bool write_bytes(const uint8_t *bytes, size_t length) {
  if (disowned)
    return true; /* the parent's capture: not this process's to write */
  int capture_fd = guarded_fd_get(&capture);
  if (capture_fd < 0)
    return false;
  size_t done = 0;
  while (done < length) {
    ssize_t written = pwrite(capture_fd, bytes + done, length - done, (off_t)(file_offset + done));
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0) {
      if (done > 0 && ftruncate(capture_fd, (off_t)file_offset) != 0) {
        /* The partial record stays; nothing better can be done with a failing file. */
      }
      return false;
    }
    done += (size_t)written;
  }
  file_offset += done;
  return true;
}

static bool capture_open(void) { return capture.fd >= 0 || capture.path != NULL; }

/*
 * With the file lock held and every buffer taken (see rewind_all_locked): drops every buffered
 * record and forgets the stack nodes, so the stream restarts cleanly from number `lost_restart`.
 */
static void drop_everything_locked(void) {
  for (thread_stream *stream = streams; stream; stream = stream->next) {
    lost_unreported += stream->events;
    reset_encoder(stream);
  }
  for (thread_stream *stream = streams; stream; stream = stream->next)
    forget_allocations(stream);
  for (thread_stream *stream = free_streams; stream; stream = stream->next)
    forget_allocations(stream);
  spinlock_lock(&stacks_lock);
  stacks_truncate_locked(0);
  spinlock_unlock(&stacks_lock);
  __atomic_store_n(&stream_modules_generation, 0, __ATOMIC_RELAXED);
  lost_restart = order_floor();
  stream_publish_floor(lost_restart); /* a clock key taken after the restart is not below it */
  /* Numbers taken by dropped records never reach the file: the reader restarts every stripe at
     LOST too. No thread holds its buffer, so none is between a key and its stripe number. */
  restart_stripes();
}

/* With the file lock held, after a failed write of `dropped_events` events: every stream is
   emptied and the next flush starts with LOST. */
static void rewind_all_locked(uint64_t dropped_events) {
  lost_unreported += dropped_events;
  spinlock_lock(&registry_lock);
  stream_take_all_locked();
  drop_everything_locked();
  stream_give_back_all_locked();
  spinlock_unlock(&registry_lock);
}

/* With the file lock held: LOST, if events were dropped since the last one reached the file. */
static bool report_lost_locked(void) {
  if (lost_unreported == 0)
    return true;
  uint8_t record[32];
  uint8_t *cursor = record;
  *cursor++ = WORKSHOP_RECORD_LOST;
  cursor = put_uv(cursor, lost_unreported);
  cursor = put_uv(cursor, lost_restart);
  if (!write_bytes(record, (size_t)(cursor - record)))
    return false;
  lost_unreported = 0;
  return true;
}

typedef enum chunk_outcome {
  CHUNK_WRITTEN, /* in the file (or nothing to write) */
  CHUNK_SKIPPED, /* its owner holds the buffer and the caller does not wait: left for later */
  CHUNK_FAILED,  /* the file refused it; every buffer was dropped (counted as lost) */
} chunk_outcome;

/* With the file lock held: takes the stream's records (swapping in the spare buffer) and writes
   them as one CHUNK. Without `wait`, a buffer whose owner holds it is left as it is. A clock key
   `floor` (the SYNC that follows) becomes the least key of the stream's next record. */
static chunk_outcome write_stream_locked(thread_stream *stream, bool wait, bool owner_gone,
                                         uint64_t floor) {
  if (!stream_take(stream, wait, owner_gone))
    return CHUNK_SKIPPED;
  if (floor >= WORKSHOP_CLOCK_KEY_BASE && stream->key_floor < floor)
    stream->key_floor = floor;
  if (stream->used == CHUNK_HEADER_ROOM) {
    stream_give_back(stream);
    return CHUNK_WRITTEN;
  }
  uint8_t *full = stream->data;
  size_t used = stream->used;
  uint64_t events = stream->events;
  pid_t thread = stream->thread;
  uint32_t id = stream->id;
  /* The chunk's last key: every later record of the stream is keyed at least this (clock keys
     may repeat). */
  uint64_t last_number = stream->last_sequence;
  stream->data = spare_buffer;
  reset_encoder(stream);
  stream_give_back(stream);
  spare_buffer = full;

  uint8_t header[CHUNK_HEADER_ROOM];
  uint8_t *end = header;
  *end++ = WORKSHOP_RECORD_CHUNK;
  end = put_uv(end, (uint64_t)thread);
  end = put_uv(end, id);
  end = put_uv(end, used - CHUNK_HEADER_ROOM);
  size_t header_length = (size_t)(end - header);
  uint8_t *start = full + CHUNK_HEADER_ROOM - header_length;
  __builtin_memcpy(start, header, header_length);
  if (write_bytes(start, used - CHUNK_HEADER_ROOM + header_length)) {
    /* Clock keys may repeat: the next record may take the last key again. */
    stream->unwritten_from = last_number >= WORKSHOP_CLOCK_KEY_BASE ? last_number : last_number + 1;
    return CHUNK_WRITTEN;
  }
  rewind_all_locked(events);
  return CHUNK_FAILED;
}

/*
 * With the file lock held: every stream's records, then SYNC. SYNC n promises that every record
 * numbered below n is in the file. The counter is read first (n), so every number below it was
 * taken by a thread holding its buffer; with `wait`, each buffer is taken in turn and holds every
 * such record. Without `wait` (the sampler), a buffer whose owner holds it (mid-record, perhaps
 * interning a deep stack) is skipped: its records not yet written are numbered at least its
 * `unwritten_from` (the owner numbers in increasing order, after what was written), so SYNC says
 * the smaller of the two and stays true.
 */
/* Writes every buffer (skipping, when `wait` is false, those whose owner holds them) and a SYNC.
   Returns the SYNC's number when a skipped buffer made it lower than the counter, else UINT64_MAX. */
static uint64_t flush_all_locked(bool wait) {
  if (!capture_open())
    return UINT64_MAX;
  if (!report_lost_locked()) {
    rewind_all_locked(0);
    return UINT64_MAX;
  }
  uint64_t written_below = order_floor();
  /* After END (recording stopped) a flush that takes every buffer leaves nothing to come: a thread
     that takes its buffer after this one sees tracker_active cleared and records nothing. END's
     key is then the last one; the SYNC covers it. */
  if (wait && !atomic_load(&tracker_active) && written_below >= WORKSHOP_CLOCK_KEY_BASE)
    written_below = WORKSHOP_END_CLOCK_KEY + 1;
  uint64_t floor = written_below;
  bool lowered = false;
  /* One fence for the pass: a buffer found quiet after it is left untouched (most of a program's
     threads, most of the time); only buffers with records are taken, each with a fence of its own
     (stream_take), so an owner waits only while its own buffer is swapped. */
  stream_publish_floor(floor);
  stream_heavy_fence();
  spinlock_lock(&registry_lock);
  sync_floor = floor;
  thread_stream **link = &streams;
  chunk_outcome outcome = CHUNK_WRITTEN;
  while (*link && outcome != CHUNK_FAILED) {
    thread_stream *stream = *link;
    spinlock_unlock(&registry_lock); /* a writer may need it to register while we write */
    /* Read before the buffer is looked at: an owner that ended after that may still be writing. */
    bool exited = atomic_load_explicit(&stream->exited, memory_order_acquire);
    outcome = stream_is_quiet(stream) ? CHUNK_WRITTEN : write_stream_locked(stream, wait, exited, floor);
    if (outcome == CHUNK_SKIPPED && stream->unwritten_from < written_below) {
      written_below = stream->unwritten_from;
      lowered = true;
    }
    spinlock_lock(&registry_lock);
    /* An exited thread's stream, now empty, is reused by the next new thread. */
    if (outcome == CHUNK_WRITTEN && exited && stream->used == CHUNK_HEADER_ROOM &&
        stream != &shared_stream) {
      /* While the lock was let go, a new thread may have put its buffer at the head of the list:
         `link` may then point at that buffer's field, so the link to this one is found again. */
      link = &streams;
      while (*link != stream)
        link = &(*link)->next;
      *link = stream->next;
      stream->next = free_streams;
      free_streams = stream;
    } else {
      link = &stream->next;
    }
  }
  spinlock_unlock(&registry_lock);
  if (outcome == CHUNK_FAILED)
    return UINT64_MAX;
  uint8_t record[16];
  uint8_t *cursor = record;
  *cursor++ = WORKSHOP_RECORD_SYNC;
  cursor = put_uv(cursor, written_below);
  if (!write_bytes(record, (size_t)(cursor - record))) {
    rewind_all_locked(0);
    return UINT64_MAX;
  }
  return lowered ? written_below : UINT64_MAX;
}

void stream_flush_own(void) {
  thread_stream *stream = own_stream ? own_stream : &shared_stream;
  if (disowned) {
    reset_encoder(stream); /* room for the record the fork interrupted, which no file will see */
    return;
  }
  pthread_mutex_lock(&file_lock);
  if (capture_open() && report_lost_locked())
    write_stream_locked(stream, true, false, 0);
  else if (capture_open())
    rewind_all_locked(0);
  pthread_mutex_unlock(&file_lock);
}

void stream_flush(void) {
  if (disowned)
    return;
  pthread_mutex_lock(&file_lock);
  flush_all_locked(true);
  pthread_mutex_unlock(&file_lock);
}

/* The reader holds back every record numbered above a SYNC's promise. A promise held low by one
   buffer whose owner keeps it for long (a realloc() copying gigabytes) would let the others'
   records pile up in the reader without bound, where waiting for that buffer bounds them (the
   other threads stop at their next full buffer, as they do for any flush that waits). So after
   STUCK_FLUSHES_BEFORE_WAITING sampler flushes in a row (10 ms apart) held at the same number,
   the next one waits. Interning and recording hold a buffer for microseconds: they are skipped. */
#define STUCK_FLUSHES_BEFORE_WAITING 25
static uint64_t last_lowered_sync = UINT64_MAX; /* under file_lock */
static unsigned stuck_flushes;                  /* under file_lock */

void stream_flush_ready(void) {
  /* A thread writing its full buffer holds the file: the next tick comes in 10 ms. */
  if (pthread_mutex_trylock(&file_lock) != 0)
    return;
  uint64_t lowered_to = flush_all_locked(stuck_flushes >= STUCK_FLUSHES_BEFORE_WAITING);
  stuck_flushes = lowered_to != UINT64_MAX && lowered_to == last_lowered_sync ? stuck_flushes + 1 : 0;
  last_lowered_sync = lowered_to;
  pthread_mutex_unlock(&file_lock);
}

void stream_flush_and_hold_file(void) {
  if (disowned)
    return;
  pthread_mutex_lock(&file_lock);
  flush_all_locked(true);
}

void stream_release_file(void) { pthread_mutex_unlock(&file_lock); }

int stream_capture_fd_locked(void) { return disowned ? -1 : guarded_fd_get(&capture); }

void stream_disown(void) {
  disowned = true;
  guarded_fd_close(&capture); /* this process's copy: a write the fork interrupted fails */
  /* Free: a wait for it that the fork interrupted takes it when the handler returns (its holder
     was this thread, or one of the parent's), and unlocking it after is harmless. */
  pthread_mutex_init(&file_lock, NULL);
}

bool stream_disowned(void) { return disowned; }

void stream_write_unsequenced(const uint8_t *record, size_t length) {
  if (disowned)
    return;
  pthread_mutex_lock(&file_lock);
  if (capture_open())
    write_bytes(record, length);
  pthread_mutex_unlock(&file_lock);
}

/* ---- fork --------------------------------------------------------------------------------- */

void stream_fork_prepare(void) {
  pthread_mutex_lock(&file_lock);
  spinlock_lock(&registry_lock);
  stream_take_all_locked();
  spinlock_lock(&stacks_lock);
}

void stream_fork_parent(void) {
  spinlock_unlock(&stacks_lock);
  stream_give_back_all_locked();
  spinlock_unlock(&registry_lock);
  pthread_mutex_unlock(&file_lock);
}

void stream_fork_child(int fd, const char *path, uint64_t offset) {
  pthread_mutex_init(&file_lock, NULL);
  stream_fence_init(); /* the child is a process of its own: registered afresh */
  /* Every stream belonged to the parent's threads: all are free now, their records dropped. */
  for (thread_stream *stream = free_streams; stream; stream = stream->next)
    forget_allocations(stream);
  thread_stream *stream = streams;
  while (stream) {
    thread_stream *next = stream->next;
    reset_encoder(stream);
    forget_allocations(stream);
    /* Its owner, if another thread of the parent's, was not writing (stream_fork_prepare). */
    atomic_store_explicit(&stream->writing, false, memory_order_relaxed);
    stream_give_back(stream);
    if (stream != &shared_stream) {
      stream->next = free_streams;
      free_streams = stream;
    }
    stream = next;
  }
  shared_stream.next = NULL;
  shared_stream.unwritten_from = 0; /* the child numbers from 0 */
  streams = &shared_stream;
  own_stream = NULL;
  /* The forking thread's buffer is free now: its end must not mark whoever takes it next. */
  pthread_setspecific(stream_key, NULL);
  writing_stream = NULL; /* (a fork that interrupted a record does not come here: fork_child) */
  atomic_store(&stream_sequence.next, 0);
  restart_stripes();
  /* The child has one thread: counter keys again, until its threads record at the same time. */
  atomic_store(&stream_order.clock_keys, clock_from_start);
  shared_stream.key_floor = 0; /* the others are taken afresh (stream_take_locked) */
  sync_floor = 0;
  atomic_store_explicit(&stream_published_floor.key, 0, memory_order_relaxed);
  stacks_last_key = 0;
  guarded_fd_close(&capture);
  guarded_fd_init(&capture, fd, path, O_RDWR);
  file_offset = offset;
  stream_modules_generation = 0;
  lost_unreported = 0;
  lost_restart = 0;
  last_lowered_sync = UINT64_MAX;
  stuck_flushes = 0;
  spinlock_unlock(&stacks_lock);
  spinlock_unlock(&registry_lock);
}
