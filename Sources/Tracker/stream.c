/*
 * stream.c — the record buffer and the capture file.
 *
 * One global buffer, guarded by the stream lock, receives every record; that single order is
 * what makes the stream consistent (a FRAME before the ALLOC naming it, a FREE after its ALLOC,
 * THREAD switches exactly where the writer changes). Callers unwind and hash before taking the
 * lock, so a critical section is a few varints.
 *
 * Two buffers alternate: a flush swaps them under the stream lock and writes the full one with
 * only the file lock held, so threads keep recording while write() runs. The file lock also keeps
 * flushes in order.
 *
 * When the file refuses bytes (disk full), the buffered records are dropped. Everything after
 * them was encoded against the dropped ones (address deltas, node numbers, the current thread),
 * so the stream state is rewound to what the file holds and a LOST record says how many events
 * are missing. The file therefore stays a valid stream.
 */
#define _GNU_SOURCE
#include "tracker_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#define BUFFER_SIZE ((size_t)2 << 20)

typedef struct stream_buffer {
  uint8_t *data;
  size_t used;
  uint64_t events;
  uint64_t lost_reported; /* the count in the LOST record this buffer carries, if any */
  /* The stream state after this buffer's last record, taken when it is swapped out. */
  uintptr_t end_address;
  uint32_t end_nodes;
  uint64_t end_modules_generation;
} stream_buffer;

static stream_buffer buffers[2];
static stream_buffer *active = &buffers[0];
static spinlock stream_lock;
static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER;

/* The capture: a descriptor the program cannot take away (descriptor.c). */
static guarded_fd capture = {.fd = -1};
static uint64_t file_offset;

/* The stream state at the write cursor... */
static uintptr_t last_address;
static pid_t last_thread;
uint64_t stream_modules_generation;
/* ...and as a reader of the file sees it. */
static uintptr_t file_address;
static uint32_t file_nodes;
static uint64_t file_modules_generation;

/* Events dropped and not yet in a LOST record that reached the file. */
static uint64_t lost_unreported;

__thread bool spinlock_sleeps;

void spinlock_wait(spinlock *lock) {
  if (spinlock_sleeps) {
    /* The sampler: it must not take the CPU from the thread holding the lock. */
    struct timespec pause = {0, 50000};
    while (atomic_load_explicit(&lock->held, memory_order_relaxed) ||
           atomic_exchange_explicit(&lock->held, 1, memory_order_acquire))
      nanosleep(&pause, NULL);
    return;
  }
  for (;;) {
    for (int spins = 0; spins < 100; spins++) {
      if (!atomic_load_explicit(&lock->held, memory_order_relaxed) &&
          !atomic_exchange_explicit(&lock->held, 1, memory_order_acquire))
        return;
      __builtin_ia32_pause();
    }
    sched_yield();
  }
}

void stream_init(int fd, const char *path, uint64_t offset) {
  for (int i = 0; i < 2; i++)
    buffers[i].data = arena_alloc(BUFFER_SIZE, 4096);
  guarded_fd_init(&capture, fd, path, O_WRONLY);
  file_offset = offset;
}

size_t stream_record_limit(void) { return BUFFER_SIZE / 2; }

uint8_t *stream_reserve(size_t need) {
  spinlock_lock(&stream_lock);
  while (UNLIKELY(active->used + need > BUFFER_SIZE)) {
    spinlock_unlock(&stream_lock);
    stream_flush();
    spinlock_lock(&stream_lock);
  }
  return active->data + active->used;
}

void stream_commit(uint8_t *cursor, uint32_t events) {
  active->used = (size_t)(cursor - active->data);
  active->events += events;
  spinlock_unlock(&stream_lock);
}

uint8_t *stream_put_thread(uint8_t *cursor) {
  pid_t thread = tracker_thread_id();
  if (LIKELY(thread == last_thread))
    return cursor;
  last_thread = thread;
  *cursor++ = WORKSHOP_RECORD_THREAD;
  return put_uv(cursor, (uint64_t)thread);
}

uint8_t *stream_put_address(uint8_t *cursor, uint8_t tag, uintptr_t address) {
  *cursor++ = tag;
  cursor = put_sv(cursor, (int64_t)(address - last_address));
  last_address = address;
  return cursor;
}

/* Writes the whole buffer at the end of the file; on failure cuts off any partial record. */
static bool write_buffer(const stream_buffer *buffer) {
  int capture_fd = guarded_fd_get(&capture);
  if (capture_fd < 0)
    return false;
  size_t done = 0;
  while (done < buffer->used) {
    ssize_t written = pwrite(capture_fd, buffer->data + done, buffer->used - done,
                             (off_t)(file_offset + done));
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

/* With the stream lock held: drop everything not in the file and say so with a LOST record. */
static void rewind_to_file_locked(const stream_buffer *dropped) {
  lost_unreported += dropped->events + active->events;
  last_address = file_address;
  last_thread = 0;
  stacks_truncate_locked(file_nodes);
  __atomic_store_n(&stream_modules_generation, file_modules_generation, __ATOMIC_RELAXED);
  uint8_t *cursor = active->data;
  *cursor++ = WORKSHOP_RECORD_LOST;
  cursor = put_uv(cursor, lost_unreported);
  active->used = (size_t)(cursor - active->data);
  active->events = 0;
  active->lost_reported = lost_unreported;
}

/* With the file lock held. */
static void flush_locked(void) {
  spinlock_lock(&stream_lock);
  stream_buffer *full = active;
  active = full == &buffers[0] ? &buffers[1] : &buffers[0];
  full->end_address = last_address;
  full->end_nodes = stacks_node_count_locked();
  full->end_modules_generation = stream_modules_generation;
  spinlock_unlock(&stream_lock);

  if (full->used > 0 && (capture.fd >= 0 || capture.path != NULL)) {
    bool written = write_buffer(full);
    spinlock_lock(&stream_lock);
    if (written) {
      file_address = full->end_address;
      file_nodes = full->end_nodes;
      file_modules_generation = full->end_modules_generation;
      lost_unreported -= full->lost_reported;
    } else {
      rewind_to_file_locked(full);
    }
    spinlock_unlock(&stream_lock);
  }
  full->used = 0;
  full->events = 0;
  full->lost_reported = 0;
}

void stream_flush(void) {
  pthread_mutex_lock(&file_lock);
  flush_locked();
  pthread_mutex_unlock(&file_lock);
}

void stream_flush_and_hold_file(void) {
  pthread_mutex_lock(&file_lock);
  flush_locked();
}

void stream_release_file(void) { pthread_mutex_unlock(&file_lock); }

int stream_capture_fd_locked(void) { return guarded_fd_get(&capture); }

void stream_fork_prepare(void) {
  pthread_mutex_lock(&file_lock);
  spinlock_lock(&stream_lock);
}

void stream_fork_parent(void) {
  spinlock_unlock(&stream_lock);
  pthread_mutex_unlock(&file_lock);
}

void stream_fork_child(int fd, const char *path, uint64_t offset) {
  pthread_mutex_init(&file_lock, NULL);
  for (int i = 0; i < 2; i++) {
    buffers[i].used = 0;
    buffers[i].events = 0;
    buffers[i].lost_reported = 0;
  }
  active = &buffers[0];
  guarded_fd_close(&capture);
  guarded_fd_init(&capture, fd, path, O_WRONLY);
  file_offset = offset;
  last_address = file_address = 0;
  last_thread = 0;
  stream_modules_generation = file_modules_generation = 0;
  file_nodes = 0;
  lost_unreported = 0;
  spinlock_unlock(&stream_lock);
}
