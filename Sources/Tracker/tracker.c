/*
 * tracker.c — the tracker's life cycle: start (capture file, header, COMMAND, MODULES, sampler),
 * the sampler thread, fork and exec, markers, and END at exit.
 */
#define _GNU_SOURCE
#define WORKSHOP_TRACKER_BUILDING
#include "tracker_internal.h"
#include "workshop_tracker.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Set by a tracker that follows children: descendants write "<stem>.<pid>.bin". */
#define ENV_CAPTURE_STEM "WORKSHOP_CAPTURE_STEM"
#define SAMPLE_INTERVAL_NS 10000000L

__thread int tracker_busy;
atomic_int tracker_active;

static __thread pid_t cached_thread_id;
static bool follow_children;
static uint32_t header_flags;
static uint64_t start_monotonic_ns;
static char capture_stem[PATH_MAX - 64]; /* room for ".<pid>-<n>.bin" */
static char executable_path[PATH_MAX];
static int statm_fd = -1;
static spinlock modules_lock;

/* ---- Small helpers ---------------------------------------------------------------------- */

/* One line on stderr, the only output the tracker ever makes. */
static void complain(const char *first, const char *second, const char *third) {
  const char *parts[] = {"workshop tracker: ", first, second, third, "\n"};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    if (parts[i] && write(STDERR_FILENO, parts[i], strlen(parts[i])) < 0)
      return;
}

static uint64_t now_ns(clockid_t clock) {
  struct timespec time;
  clock_gettime(clock, &time);
  return (uint64_t)time.tv_sec * 1000000000u + (uint64_t)time.tv_nsec;
}

static uint64_t microseconds_since_start(void) {
  return (now_ns(CLOCK_MONOTONIC) - start_monotonic_ns) / 1000;
}

pid_t tracker_thread_id(void) {
  if (UNLIKELY(cached_thread_id == 0))
    cached_thread_id = (pid_t)syscall(SYS_gettid);
  return cached_thread_id;
}

/* Reads a whole (small) file such as /proc/self/cmdline into the arena. NULL with *length 0 when
   it cannot be opened or the arena runs out (even partway through). */
static char *read_whole_file(const char *path, size_t *length) {
  *length = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  size_t capacity = 4096, used = 0;
  char *data = arena_alloc(capacity, 16);
  while (data) {
    ssize_t got = read(fd, data + used, capacity - used);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    used += (size_t)got;
    if (used == capacity)
      data = arena_realloc(data, capacity *= 2);
  }
  close(fd);
  *length = data ? used : 0;
  return data;
}

/* Writes one complete record built outside the stream; `events` counts for LOST. */
static void write_record(const uint8_t *bytes, size_t length, uint32_t events) {
  if (length > stream_record_limit())
    return;
  uint8_t *cursor = stream_reserve(length);
  if (atomic_load_explicit(&tracker_active, memory_order_relaxed)) {
    memcpy(cursor, bytes, length);
    cursor += length;
  }
  stream_commit(cursor, events);
}

/* ---- MODULES ---------------------------------------------------------------------------- */

/* dlpi_adds + dlpi_subs: glibc bumps one of them on every dlopen()/dlclose() that maps or unmaps. */
static int read_modules_generation(struct dl_phdr_info *info, size_t size, void *data) {
  *(uint64_t *)data = info->dlpi_adds + info->dlpi_subs;
  return 1;
}

typedef struct modules_encoder {
  uint8_t *bytes; /* the entries, after room for the tag and count */
  size_t used, capacity;
  uint64_t count, generation;
} modules_encoder;

/* Room before the entries for the tag and the count varint. */
#define MODULES_PREFIX 16

static const char *module_path(const struct dl_phdr_info *info, bool first) {
  if (info->dlpi_name && info->dlpi_name[0])
    return info->dlpi_name;
  if (first)
    return executable_path; /* the main program is the first object and has no name */
  if (info->dlpi_addr == getauxval(AT_SYSINFO_EHDR))
    return "[vdso]";
  return "[unnamed]";
}

bool object_load_range(const struct dl_phdr_info *info, uintptr_t *low, uintptr_t *high) {
  *low = UINTPTR_MAX;
  *high = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
    if (segment->p_type != PT_LOAD)
      continue;
    uintptr_t start = info->dlpi_addr + segment->p_vaddr;
    if (start < *low)
      *low = start;
    if (start + segment->p_memsz > *high)
      *high = start + segment->p_memsz;
  }
  return *high != 0;
}

static int encode_module(struct dl_phdr_info *info, size_t size, void *data) {
  modules_encoder *encoder = data;
  bool first = encoder->count == 0 && encoder->generation == UINT64_MAX;
  if (first)
    encoder->generation = info->dlpi_adds + info->dlpi_subs;
  uintptr_t low, high;
  if (!object_load_range(info, &low, &high))
    return 0;
  const char *path = module_path(info, first);
  size_t length = strlen(path);
  size_t need = encoder->used + length + 40;
  if (need > encoder->capacity) {
    encoder->capacity = need * 2;
    encoder->bytes = arena_realloc(encoder->bytes, encoder->capacity);
    if (!encoder->bytes)
      return 1;
  }
  uint8_t *cursor = encoder->bytes + encoder->used;
  cursor = put_string(cursor, path, length);
  cursor = put_uv(cursor, info->dlpi_addr);
  cursor = put_uv(cursor, low);
  cursor = put_uv(cursor, high);
  encoder->used = (size_t)(cursor - encoder->bytes);
  encoder->count++;
  return 0;
}

void tracker_refresh_modules(void) {
  uint64_t generation = 0;
  dl_iterate_phdr(read_modules_generation, &generation);
  if (generation == __atomic_load_n(&stream_modules_generation, __ATOMIC_RELAXED))
    return;
  spinlock_lock(&modules_lock);
  static modules_encoder encoder; /* reused: its buffer only grows */
  encoder.used = MODULES_PREFIX;
  encoder.count = 0;
  encoder.generation = UINT64_MAX;
  dl_iterate_phdr(encode_module, &encoder);
  if (encoder.bytes && encoder.generation != stream_modules_generation) {
    uint8_t prefix[MODULES_PREFIX];
    uint8_t *end = prefix;
    *end++ = WORKSHOP_RECORD_MODULES;
    end = put_uv(end, encoder.count);
    size_t prefix_length = (size_t)(end - prefix);
    uint8_t *record = encoder.bytes + MODULES_PREFIX - prefix_length;
    memcpy(record, prefix, prefix_length);
    write_record(record, encoder.used - MODULES_PREFIX + prefix_length, 0);
    __atomic_store_n(&stream_modules_generation, encoder.generation, __ATOMIC_RELAXED);
  }
  spinlock_unlock(&modules_lock);
}

/* ---- COMMAND ---------------------------------------------------------------------------- */

static void write_command(void) {
  size_t length = 0;
  /* Unreadable: a COMMAND with the executable and no arguments (length is then 0). */
  char *arguments = read_whole_file("/proc/self/cmdline", &length);
  if (!arguments)
    length = 0;
  size_t limit = stream_record_limit() - PATH_MAX - 32; /* an enormous argv is cut short */
  if (length > limit)
    length = limit;
  uint64_t count = 0;
  for (size_t i = 0; i < length; i++)
    count += arguments[i] == '\0';
  uint8_t *record = arena_alloc(length + PATH_MAX + 32 + count * 10, 16);
  if (!record)
    return;
  uint8_t *cursor = record;
  *cursor++ = WORKSHOP_RECORD_COMMAND;
  cursor = put_string(cursor, executable_path, strlen(executable_path));
  cursor = put_uv(cursor, count);
  for (size_t start = 0, i = 0; i < length; i++) {
    if (arguments[i] == '\0') {
      cursor = put_string(cursor, arguments + start, i - start);
      start = i + 1;
    }
  }
  write_record(record, (size_t)(cursor - record), 0);
}

/* ---- The capture file --------------------------------------------------------------------- */

static int create_capture(const char *path) {
  return open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
}

/* "<stem>.<pid>.bin", or "<stem>.<pid>-N.bin" when taken (an exec keeps the pid). */
static int create_numbered_capture(pid_t pid, char *path) {
  for (int attempt = 0; attempt < 100; attempt++) {
    if (attempt == 0)
      snprintf(path, PATH_MAX, "%s.%d.bin", capture_stem, (int)pid);
    else
      snprintf(path, PATH_MAX, "%s.%d-%d.bin", capture_stem, (int)pid, attempt);
    int fd = create_capture(path);
    if (fd >= 0 || errno != EEXIST)
      return fd;
  }
  return -1;
}

/* The stem is made absolute so that a descendant that changed directory still writes beside us. */
static void set_stem(const char *path) {
  char cwd[PATH_MAX] = "";
  if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
    cwd[0] = '\0';
  size_t length = strlen(path);
  if (length > 4 && strcmp(path + length - 4, ".bin") == 0)
    length -= 4;
  snprintf(capture_stem, sizeof capture_stem, "%s%s%.*s", cwd, cwd[0] ? "/" : "", (int)length,
           path);
}

/* Opens the capture named by the environment, or returns -1 after saying why. */
static int open_capture(void) {
  char path[PATH_MAX];
  const char *stem = getenv(ENV_CAPTURE_STEM);
  const char *requested = getenv(WORKSHOP_ENV_CAPTURE);
  int fd;
  if (stem && stem[0]) {
    snprintf(capture_stem, sizeof capture_stem, "%s", stem);
    header_flags |= WORKSHOP_FLAG_FOLLOWED_CHILD;
    fd = create_numbered_capture(getpid(), path);
  } else if (requested && requested[0]) {
    snprintf(path, sizeof path, "%s", requested);
    set_stem(path);
    fd = create_capture(path);
  } else {
    snprintf(path, sizeof path, "workshop-%s.%d.bin", program_invocation_short_name, (int)getpid());
    set_stem(path);
    fd = create_capture(path);
  }
  if (fd < 0 && errno == EEXIST)
    complain("the capture file ", path, " already exists; running the program untracked.");
  else if (fd < 0)
    complain("cannot create the capture file ", path, "; running the program untracked.");
  return fd;
}

static bool write_header(int fd) {
  uint64_t realtime_ns = now_ns(CLOCK_REALTIME);
  start_monotonic_ns = now_ns(CLOCK_MONOTONIC);
  workshop_capture_header header = {
      .version = WORKSHOP_CAPTURE_VERSION,
      .header_size = sizeof header,
      .flags = header_flags,
      .pid = (uint32_t)getpid(),
      .parent_pid = (uint32_t)getppid(),
      .start_realtime_ns = realtime_ns,
      .start_monotonic_ns = start_monotonic_ns,
      .page_size = (uint32_t)sysconf(_SC_PAGESIZE),
  };
  memcpy(header.magic, WORKSHOP_CAPTURE_MAGIC, WORKSHOP_CAPTURE_MAGIC_SIZE);
  return pwrite(fd, &header, sizeof header, 0) == (ssize_t)sizeof header;
}

/* ---- The environment seen by exec()ed children -------------------------------------------- */

static bool same_file(const char *a, const struct stat *b) {
  struct stat status;
  return stat(a, &status) == 0 && status.st_dev == b->st_dev && status.st_ino == b->st_ino;
}

/* LD_PRELOAD without this library (entries are separated by spaces or colons). */
static void remove_self_from_ld_preload(void) {
  const char *preload = getenv("LD_PRELOAD");
  Dl_info self;
  struct stat self_status;
  if (!preload || !dladdr((void *)remove_self_from_ld_preload, &self) ||
      stat(self.dli_fname, &self_status) != 0)
    return;
  size_t length = strlen(preload);
  char *kept = arena_alloc(length + 1, 16);
  char *entry = arena_alloc(length + 1, 16);
  if (!kept || !entry)
    return;
  size_t kept_length = 0;
  for (const char *start = preload; *start;) {
    size_t entry_length = strcspn(start, " :");
    memcpy(entry, start, entry_length);
    entry[entry_length] = '\0';
    if (entry_length > 0 && !same_file(entry, &self_status)) {
      if (kept_length > 0)
        kept[kept_length++] = ' ';
      memcpy(kept + kept_length, entry, entry_length);
      kept_length += entry_length;
    }
    start += entry_length;
    start += *start != '\0';
  }
  kept[kept_length] = '\0';
  if (kept_length > 0)
    setenv("LD_PRELOAD", kept, 1);
  else
    unsetenv("LD_PRELOAD");
}

static void prepare_child_environment(void) {
  if (follow_children) {
    setenv(ENV_CAPTURE_STEM, capture_stem, 1);
    return;
  }
  remove_self_from_ld_preload();
  unsetenv(WORKSHOP_ENV_CAPTURE);
  unsetenv(WORKSHOP_ENV_FOLLOW_FORK);
  unsetenv(ENV_CAPTURE_STEM);
}

/* ---- The sampler thread ------------------------------------------------------------------- */

static uint64_t program_resident_bytes(void) {
  char text[128];
  ssize_t length = pread(statm_fd, text, sizeof text - 1, 0);
  if (length <= 0)
    return 0;
  text[length] = '\0';
  const char *resident = strchr(text, ' ');
  return resident ? strtoull(resident + 1, NULL, 10) * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

static void write_tick(void) {
  uint64_t tracker_bytes = arena_resident_bytes();
  uint64_t resident = program_resident_bytes();
  uint8_t record[32];
  uint8_t *cursor = record;
  *cursor++ = WORKSHOP_RECORD_TICK;
  cursor = put_uv(cursor, microseconds_since_start());
  cursor = put_uv(cursor, resident > tracker_bytes ? resident - tracker_bytes : 0);
  cursor = put_uv(cursor, tracker_bytes);
  write_record(record, (size_t)(cursor - record), 0);
}

static void *sampler_main(void *unused) {
  tracker_busy = 1; /* everything this thread allocates is the tracker's */
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  while (atomic_load_explicit(&tracker_active, memory_order_relaxed)) {
    next.tv_nsec += SAMPLE_INTERVAL_NS;
    if (next.tv_nsec >= 1000000000L) {
      next.tv_nsec -= 1000000000L;
      next.tv_sec++;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
    }
    if (!atomic_load_explicit(&tracker_active, memory_order_relaxed))
      break;
    write_tick();
    tracker_refresh_modules();
    stream_flush();
  }
  return NULL;
}

/* The sampler blocks every signal, so that the program's signals never land on it. */
static bool start_sampler(void) {
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pthread_t thread;
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attributes, 64 * 1024);
  bool started = pthread_create(&thread, &attributes, sampler_main, NULL) == 0;
  pthread_attr_destroy(&attributes);
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  return started;
}

/* ---- Start -------------------------------------------------------------------------------- */

/* Everything a fresh capture begins with: header, COMMAND, MODULES, then the sampler. */
static bool begin_capture(int fd) {
  if (!write_header(fd))
    return false;
  write_command();
  tracker_refresh_modules();
  return start_sampler();
}

static void fork_prepare(void);
static void fork_parent(void);
static void fork_child(void);

__attribute__((constructor)) static void tracker_start(void) {
  hooks_bootstrap();
  tracker_busy = 1;
  const char *follow = getenv(WORKSHOP_ENV_FOLLOW_FORK);
  follow_children = follow && strcmp(follow, "1") == 0;
  ssize_t length = readlink("/proc/self/exe", executable_path, sizeof executable_path - 1);
  executable_path[length > 0 ? length : 0] = '\0';

  if (unwind_init()) {
    header_flags |= WORKSHOP_FLAG_NATIVE_STACKS;
    stackcache_init();
  }
  int fd = open_capture();
  prepare_child_environment();
  if (fd >= 0 && stacks_init()) {
    statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    stream_init(fd, sizeof(workshop_capture_header));
    /* Active before the first record: write_record() drops records while inactive. */
    atomic_store(&tracker_active, 1);
    if (begin_capture(fd)) {
      pthread_atfork(fork_prepare, fork_parent, fork_child);
    } else {
      atomic_store(&tracker_active, 0);
      complain("cannot start recording", "", "; running the program untracked.");
    }
  }
  tracker_busy = 0;
}

/* ---- END ---------------------------------------------------------------------------------- */

/*
 * Runs when the program exits normally. Libraries initialised before us (libc, libstdc++, the
 * Swift runtime) run their destructors after this; what they free then is not recorded.
 */
__attribute__((destructor)) static void tracker_stop(void) {
  if (!atomic_load(&tracker_active))
    return;
  tracker_busy = 1;
  uint8_t *cursor = stream_reserve(EVENT_RECORD_MAX);
  if (atomic_load(&tracker_active)) {
    *cursor++ = WORKSHOP_RECORD_END;
    cursor = put_uv(cursor, microseconds_since_start());
    atomic_store(&tracker_active, 0);
  }
  stream_commit(cursor, 0);
  stream_flush();
  stackcache_report();
  tracker_busy = 0;
}

/* ---- fork() ------------------------------------------------------------------------------- */

/* Hold every tracker lock across fork() so that the child never inherits one mid-update, in the
   order listed in tracker_internal.h. The child releases stream_lock last (stream_fork_child),
   after resetting the stream; no other thread exists in it to take one meanwhile. */
static __thread int busy_across_fork;

/* Busy from prepare until parent/child: a signal handler's malloc while the locks are held goes
   to the arena instead of spinning on them. */
static void fork_prepare(void) {
  busy_across_fork = tracker_busy;
  tracker_busy = 1;
  spinlock_lock(&modules_lock);
  stream_fork_prepare();
  stackcache_fork_prepare();
  arena_fork_prepare();
}

static void fork_parent(void) {
  arena_fork_parent();
  stackcache_fork_parent();
  stream_fork_parent();
  spinlock_unlock(&modules_lock);
  tracker_busy = busy_across_fork;
}

static void fork_child(void) {
  arena_fork_child();
  stackcache_fork_child();
  spinlock_unlock(&modules_lock);
  cached_thread_id = 0;
  int was_busy = busy_across_fork; /* tracker_busy is still 1, from fork_prepare */
  int fd = -1;
  char path[PATH_MAX];
  if (follow_children && atomic_load(&tracker_active)) {
    header_flags |= WORKSHOP_FLAG_FOLLOWED_CHILD;
    fd = create_numbered_capture(getpid(), path);
  }
  /* The parent's capture and its buffered bytes are the parent's: drop both. */
  atomic_store(&tracker_active, fd >= 0);
  stream_fork_child(fd, sizeof(workshop_capture_header));
  if (fd >= 0) {
    stacks_truncate_locked(0); /* the child's stream numbers its own nodes from 1 */
    if (!begin_capture(fd))
      atomic_store(&tracker_active, 0);
  }
  tracker_busy = was_busy;
}

/* ---- Markers -------------------------------------------------------------------------------- */

#define MARKER_NAME_MAX 1024

__attribute__((visibility("default"))) void workshop_tracker_marker(const char *name) {
  if (!atomic_load_explicit(&tracker_active, memory_order_relaxed) || tracker_busy)
    return;
  size_t length = name ? strnlen(name, MARKER_NAME_MAX) : 0;
  tracker_busy = 1;
  uint8_t *cursor = stream_reserve(EVENT_RECORD_MAX + length);
  uint32_t events = 0;
  if (atomic_load_explicit(&tracker_active, memory_order_relaxed)) {
    cursor = stream_put_thread(cursor);
    *cursor++ = WORKSHOP_RECORD_MARKER;
    cursor = put_string(cursor, name ? name : "", length);
    events = 1;
  }
  stream_commit(cursor, events);
  tracker_busy = 0;
}
