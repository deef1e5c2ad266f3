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
#include <sched.h>
#include <signal.h>
#include <stddef.h>
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
pid_t tracker_pid;

static __thread pid_t cached_thread_id;
static bool follow_children;
static uint32_t header_flags;
static uint64_t start_monotonic_ns;
static char capture_stem[PATH_MAX - 64]; /* room for ".<pid>-<n>.bin" */
static char executable_path[PATH_MAX];
static guarded_fd statm = {.fd = -1};
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

uint64_t tracker_start_monotonic_ns(void) { return start_monotonic_ns; }

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

/* Writes one complete record built outside the stream; `events` counts for LOST. Where clock keys
   may be used, a MODULES record takes its key under stacks_lock: every FRAME keyed after it, by any
   thread, is keyed above it (counter numbers are in that order anyway). */
static void write_record(const uint8_t *bytes, size_t length, uint32_t events) {
  if (length > stream_record_limit())
    return;
  uint8_t *start = stream_reserve(length + 10);
  uint8_t *cursor;
  if (bytes[0] == WORKSHOP_RECORD_MODULES && order_clock_possible) {
    spinlock_lock(&stacks_lock);
    cursor = stream_put_tag_locked(start, bytes[0]);
    spinlock_unlock(&stacks_lock);
  } else {
    cursor = stream_put_tag(start, bytes[0]); /* the tag, then the record's number */
  }
  if (cursor) {
    memcpy(cursor, bytes + 1, length - 1);
    cursor += length - 1;
  }
  stream_commit(cursor ? cursor : start, cursor ? events : 0);
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

static void refresh_modules_inside(void);

void tracker_refresh_modules(void) {
  loader_enter();
  refresh_modules_inside();
  loader_leave();
}

static void refresh_modules_inside(void) {
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
    unwind_modules_changed();
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

/* A new capture file, its descriptor moved out of the program's reach. */
static int create_capture(const char *path) {
  /* Readable too: the program it exec()s reads the header's version back (adopted_header_version). */
  return descriptor_move_high(open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644));
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

/* The parent process of `pid` (from /proc/PID/stat), or 0. */
static pid_t parent_of(pid_t pid) {
  char path[64], text[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t length = read(fd, text, sizeof text - 1);
  close(fd);
  if (length <= 0)
    return 0;
  text[length] = '\0';
  const char *after_name = strrchr(text, ')'); /* the name may hold spaces and parentheses */
  int parent = 0;
  return after_name && sscanf(after_name, ") %*c %d", &parent) == 1 ? parent : 0;
}

/*
 * Whether `path` is a capture being written by one of our ancestors. A program can hand the
 * tracker's variables to its children behind the tracker's back (a shell that copied its
 * environment before the tracker cleaned it, a script that sets them again): such a child finds
 * its ancestor's capture under the name it was given, and stays out of the way, quietly.
 */
static bool is_ancestor_capture(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  workshop_capture_header header;
  ssize_t length = pread(fd, &header, sizeof header, 0);
  close(fd);
  if (length != (ssize_t)sizeof header ||
      memcmp(header.magic, WORKSHOP_CAPTURE_MAGIC, WORKSHOP_CAPTURE_MAGIC_SIZE) != 0)
    return false;
  pid_t ancestor = getppid();
  for (int depth = 0; depth < 64 && ancestor > 1; depth++) {
    if ((uint32_t)ancestor == header.pid)
      return true;
    ancestor = parent_of(ancestor);
  }
  return false;
}

/* Opens the capture named by the environment, or returns -1 after saying why. */
static int open_capture(char *path) {
  const char *stem = environment_value(ENV_CAPTURE_STEM);
  const char *requested = environment_value(WORKSHOP_ENV_CAPTURE);
  int fd;
  if (stem && stem[0]) {
    snprintf(capture_stem, sizeof capture_stem, "%s", stem);
    header_flags |= WORKSHOP_FLAG_FOLLOWED_CHILD;
    fd = create_numbered_capture(getpid(), path);
  } else if (requested && requested[0]) {
    snprintf(path, PATH_MAX, "%s", requested);
    set_stem(path);
    fd = create_capture(path);
  } else {
    snprintf(path, PATH_MAX, "workshop-%s.%d.bin", program_invocation_short_name, (int)getpid());
    set_stem(path);
    fd = create_capture(path);
  }
  if (fd < 0 && errno == EEXIST && !is_ancestor_capture(path))
    complain("the capture file ", path, " already exists; running the program untracked.");
  else if (fd < 0 && errno != EEXIST)
    complain("cannot create the capture file ", path, "; running the program untracked.");
  return fd;
}

/* The descriptor handed over by the tracker of the program that exec()ed this one (exec.c), or
   -1. Its capture goes on here: header and start time are the first program's. */
static int adopt_handover(void) {
  const char *value = environment_value(ENV_HANDOVER);
  unsigned long long start = 0;
  int pid = 0, fd = -1;
  if (!value || sscanf(value, "%d:%d:%llu", &pid, &fd, &start) != 3 || pid != getpid() || fd < 0)
    return -1;
  struct stat status;
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY || fstat(fd, &status) != 0 ||
      !S_ISREG(status.st_mode))
    return -1;
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  start_monotonic_ns = start;
  const char *stem = environment_value(ENV_CAPTURE_STEM);
  if (stem)
    snprintf(capture_stem, sizeof capture_stem, "%s", stem);
  return fd;
}

/* The capture header's version read through `fd`, or 0 when it cannot be read. */
static uint16_t header_version(int fd) {
  uint16_t version;
  return pread(fd, &version, sizeof version, offsetof(workshop_capture_header, version)) == sizeof version ? version : 0;
}

/* The version in the header of a capture adopted across exec(), or 0 (counter keys then). A
   capture opened for writing only (by an older tracker; a read fails with EBADF, which kept every
   exec()ed program on counter keys) has its header read through a descriptor of its own. */
static uint16_t adopted_header_version(int fd) {
  uint16_t version = header_version(fd);
  if (version != 0)
    return version;
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int reader = open(path, O_RDONLY | O_CLOEXEC);
  if (reader < 0)
    return 0;
  version = header_version(reader);
  close(reader);
  return version;
}

static bool write_header(int fd) {
  uint64_t realtime_ns = now_ns(CLOCK_REALTIME);
  workshop_capture_header header = {
      .version = order_clock_possible ? WORKSHOP_CAPTURE_CLOCK_VERSION : WORKSHOP_CAPTURE_VERSION,
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

static void prepare_child_environment(void) {
  environment_remove(ENV_HANDOVER);
  if (follow_children) {
    environment_set(ENV_CAPTURE_STEM, capture_stem);
    return;
  }
  const char *preload = environment_value("LD_PRELOAD");
  char *kept = preload ? preload_without_self(preload) : NULL;
  if (kept)
    environment_set("LD_PRELOAD", kept);
  else
    environment_remove("LD_PRELOAD");
  environment_remove(WORKSHOP_ENV_CAPTURE);
  environment_remove(WORKSHOP_ENV_FOLLOW_FORK);
  environment_remove(ENV_CAPTURE_STEM);
}

/* ---- The sampler thread ------------------------------------------------------------------- */

static uint64_t program_resident_bytes(void) {
  char text[128];
  int statm_fd = guarded_fd_get(&statm);
  ssize_t length = statm_fd >= 0 ? pread(statm_fd, text, sizeof text - 1, 0) : -1;
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
  /* The flush skips the buffers of threads that hold them; the locks the sampler still takes
     (its own buffer, which a full-disk recovery may hold, and modules_lock, held by a thread
     writing MODULES) it waits for by sleeping, leaving the holder the CPU. */
  spinlock_sleeps = true;
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
    stream_flush_ready(); /* never waits for a thread that is recording or interning */
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

/* EXEC: this program replaced the one that wrote the capture so far. */
static void write_exec(void) {
  uint8_t record[16];
  uint8_t *cursor = record;
  *cursor++ = WORKSHOP_RECORD_EXEC;
  cursor = put_uv(cursor, microseconds_since_start());
  stream_write_unsequenced(record, (size_t)(cursor - record)); /* before any chunk of this program */
}

/* Everything a fresh capture begins with: header, COMMAND, MODULES, then the sampler; a capture
   adopted across exec() has its header and begins this program with EXEC instead. */
static bool begin_capture(int fd, bool adopted) {
  if (adopted)
    write_exec();
  else if (!write_header(fd))
    return false;
  write_command();
  tracker_refresh_modules();
  return start_sampler();
}

static void fork_prepare(void);
static void fork_parent(void);
static void fork_child(void);

atomic_bool tracker_started;
/* 0: not yet, 1: starting, 2: started (tracker_started is then set). */
static atomic_int start_state;

static void tracker_start(void);

/*
 * The tracker starts at the program's first allocation, or in its constructor if nothing
 * allocated before: libraries initialised before this one allocate in their constructors
 * (libstdc++'s 72,704-byte emergency pool, the Swift runtime), and those blocks are part of the
 * program's memory. Whatever the start itself allocates (dlsym, dlopen of libunwind, the
 * sampler thread) goes to the arena: tracker_busy is set throughout, so those hooks do not come
 * back here. A thread that finds the start under way in another thread is not recorded until it
 * is over.
 */
void tracker_start_early(void) {
  hooks_bootstrap();
  /* Inside libc's own start, before the environment is known, nothing can be decided yet. */
  if (tracker_busy || environ == NULL)
    return;
  int expected = 0;
  if (!atomic_compare_exchange_strong(&start_state, &expected, 1))
    return;
  tracker_start();
  atomic_store(&start_state, 2);
  atomic_store_explicit(&tracker_started, true, memory_order_release);
}

__attribute__((constructor)) static void tracker_constructor(void) { tracker_start_early(); }

static void tracker_start(void) {
  tracker_busy = 1;
  tracker_pid = getpid();
  const char *follow = environment_value(WORKSHOP_ENV_FOLLOW_FORK);
  follow_children = follow && strcmp(follow, "1") == 0;
  ssize_t length = readlink("/proc/self/exe", executable_path, sizeof executable_path - 1);
  executable_path[length > 0 ? length : 0] = '\0';

  char path[PATH_MAX];
  int fd = adopt_handover();
  bool adopted = fd >= 0;
  if (!adopted) {
    start_monotonic_ns = now_ns(CLOCK_MONOTONIC);
    fd = open_capture(path);
  }
  /* The root capture goes on across exec(); a followed child's exec()ed program has its own. */
  exec_hands_over = !(header_flags & WORKSHOP_FLAG_FOLLOWED_CHILD);
  prepare_child_environment();
  /* libunwind is loaded only by a tracker that records: not by one that stays out of the way. */
  if (fd >= 0 && unwind_init()) {
    header_flags |= WORKSHOP_FLAG_NATIVE_STACKS;
    stackcache_init();
  }
  if (fd >= 0 && stacks_init()) {
    guarded_fd_open_proc(&statm, "/proc/self/statm");
    struct stat status;
    uint64_t offset = sizeof(workshop_capture_header);
    if (adopted && fstat(fd, &status) == 0)
      offset = (uint64_t)status.st_size; /* the old program flushed everything before exec() */
    /* An adopted capture keeps its header: clock keys only if it says version 6 already. */
    stream_init(fd, adopted ? NULL : path, offset, !adopted || adopted_header_version(fd) == WORKSHOP_CAPTURE_CLOCK_VERSION);
    /* Active before the first record: write_record() drops records while inactive. */
    atomic_store(&tracker_active, 1);
    if (begin_capture(fd, adopted)) {
      pthread_atfork(fork_prepare, fork_parent, fork_child);
      signals_install();
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
void tracker_finish(void) {
  if (!atomic_load(&tracker_active))
    return;
  int was_busy = tracker_busy;
  tracker_busy = 1;
  uint8_t *cursor = stream_reserve(EVENT_RECORD_MAX);
  /* Recording stops before END takes its number: a record numbered after it is dropped. */
  if (atomic_exchange(&tracker_active, 0))
    cursor = stream_put_end(cursor, microseconds_since_start());
  stream_commit(cursor, 0);
  stream_flush();
  stackcache_report();
  unwind_report();
  stream_order_report();
  tracker_busy = was_busy;
}

__attribute__((destructor)) static void tracker_stop(void) {
  if (getpid() == tracker_pid)
    tracker_finish();
}

/* ---- fork() ------------------------------------------------------------------------------- */

/* ---- The loader across fork (see tracker_internal.h) ---- */
loader_gate tracker_loader;
__thread int loader_depth;

/* Entered while a fork is being prepared: wait outside until it is done. */
void loader_wait_open(void) {
  do {
    atomic_fetch_sub(&tracker_loader.users, 1);
    while (atomic_load(&tracker_loader.closed))
      sched_yield();
    atomic_fetch_add(&tracker_loader.users, 1);
  } while (atomic_load(&tracker_loader.closed));
}

/* Hold every tracker lock across fork() so that the child never inherits one mid-update, in the
   order listed in tracker_internal.h. The child releases stream_lock last (stream_fork_child),
   after resetting the stream; no other thread exists in it to take one meanwhile.
   Not for a fork() from a signal handler that interrupted its thread inside the tracker (glibc
   calls fork() async-signal-unsafe; crash reporters call it anyway): that thread may hold a tracker
   lock, or glibc's loader lock in the tracker's own dl_iterate_phdr, or be in the middle of a
   record that another thread's flush waits for while holding the file lock. Then nothing is taken
   or waited for: the parent goes on as before, and the child stops recording and touches nothing
   of the tracker's (fork_child). */
static __thread int busy_across_fork;
/* The fork takes and follows nothing: it interrupted the tracker, or this process is a disowned
   child (its locks may be held by threads it does not have). Decided once, in fork_prepare. */
static __thread bool fork_takes_nothing;

/* Busy from prepare until parent/child: a signal handler's malloc while the locks are held goes
   to the arena instead of spinning on them. */
static void fork_prepare(void) {
  busy_across_fork = tracker_busy;
  tracker_busy = 1;
  fork_takes_nothing = busy_across_fork || stream_disowned();
  if (fork_takes_nothing)
    return;
  /* First, before any lock: a thread inside may need one to finish. */
  atomic_store(&tracker_loader.closed, 1);
  while (atomic_load(&tracker_loader.users) > loader_depth)
    sched_yield();
  spinlock_lock(&modules_lock);
  stream_fork_prepare();
  stackcache_fork_prepare();
  arena_fork_prepare();
}

static void fork_parent(void) {
  if (fork_takes_nothing) {
    tracker_busy = busy_across_fork; /* still set for a record the fork interrupted */
    return;
  }
  arena_fork_parent();
  stackcache_fork_parent();
  stream_fork_parent();
  spinlock_unlock(&modules_lock);
  atomic_store(&tracker_loader.closed, 0);
  tracker_busy = busy_across_fork;
}

static void fork_child(void) {
  if (fork_takes_nothing) {
    /* Not recording from here on (a disowned child's child is disowned already); the interrupted
       record (or flush, or exec) goes on without writing a byte or waiting for a thread of the
       parent's, and clears tracker_busy. */
    if (!stream_disowned()) {
      atomic_store(&tracker_active, 0);
      stream_disown();
    }
    cached_thread_id = 0;
    tracker_pid = getpid();
    tracker_busy = busy_across_fork;
    return;
  }
  arena_fork_child();
  stackcache_fork_child();
  spinlock_unlock(&modules_lock);
  /* The other threads are gone, and with them their places in the gate. */
  atomic_store(&tracker_loader.users, loader_depth);
  atomic_store(&tracker_loader.closed, 0);
  cached_thread_id = 0;
  tracker_pid = getpid();
  exec_hands_over = false; /* a followed child's exec()ed program writes a capture of its own */
  int fd = -1;
  char path[PATH_MAX];
  if (follow_children && atomic_load(&tracker_active)) {
    header_flags |= WORKSHOP_FLAG_FOLLOWED_CHILD;
    fd = create_numbered_capture(getpid(), path);
  }
  /* The parent's capture and its buffered bytes are the parent's: drop both. */
  atomic_store(&tracker_active, fd >= 0);
  stream_fork_child(fd, fd >= 0 ? path : NULL, sizeof(workshop_capture_header));
  if (fd >= 0) {
    stacks_truncate_locked(0); /* the child's stream numbers its own nodes from 1 */
    start_monotonic_ns = now_ns(CLOCK_MONOTONIC);
    guarded_fd_close(&statm); /* the parent's: /proc/self was resolved when it was opened */
    guarded_fd_open_proc(&statm, "/proc/self/statm");
    if (!begin_capture(fd, false))
      atomic_store(&tracker_active, 0);
  }
  tracker_busy = 0; /* set by fork_prepare; the thread was not inside the tracker */
}

/* ---- Markers -------------------------------------------------------------------------------- */

#define MARKER_NAME_MAX 1024

__attribute__((visibility("default"))) void workshop_tracker_marker(const char *name) {
  if (!atomic_load_explicit(&tracker_active, memory_order_relaxed) || tracker_busy)
    return;
  size_t length = name ? strnlen(name, MARKER_NAME_MAX) : 0;
  tracker_busy = 1;
  uint8_t *start = stream_reserve(EVENT_RECORD_MAX + length);
  uint8_t *cursor = stream_put_tag(stream_put_thread(start), WORKSHOP_RECORD_MARKER);
  if (cursor)
    cursor = put_string(cursor, name ? name : "", length);
  stream_commit(cursor ? cursor : start, cursor ? 1 : 0);
  tracker_busy = 0;
}
