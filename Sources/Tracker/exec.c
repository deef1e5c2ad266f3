/*
 * exec.c — the exec family: the tracker follows the program into the program it exec()s.
 *
 * A process that calls exec() is still the process the user asked about (same pid), so the root
 * capture goes on in the new program: before the real call the tracker flushes, keeps the file
 * lock (no flush of another thread may leave half a record in the file while the kernel tears
 * the old program down), clears close-on-exec on the capture descriptor and passes
 * "<pid>:<fd>:<start>" in WORKSHOP_TRACKER_HANDOVER, with the tracker back in LD_PRELOAD, in the
 * new program's environment only. The new program's tracker adopts the descriptor when it runs
 * as that pid and writes EXEC, COMMAND and MODULES (tracker.c). If exec() fails, close-on-exec
 * comes back, the lock is released and the program goes on being recorded; nothing is written.
 *
 * Other processes only flush: a followed child's exec()ed program writes its own capture (as the
 * environment says, see tracker.c), an unfollowed fork child records nothing, and a vfork() child
 * (another pid in its parent's memory) must not touch the parent's tracker at all.
 *
 * glibc's exec functions call each other internally (execv -> __execve), never through the
 * PLT, so every public one is hooked; each calls the real execve, execvpe, fexecve or execveat,
 * which is what glibc's own implementations do. posix_spawn() starts another process: not here.
 */
#define _GNU_SOURCE
#include "tracker_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

extern char **environ;

bool exec_hands_over;

typedef int (*execve_function)(const char *, char *const[], char *const[]);
typedef int (*fexecve_function)(int, char *const[], char *const[]);
typedef int (*execveat_function)(int, const char *, char *const[], char *const[], int);

static execve_function real_execve, real_execvpe;
static fexecve_function real_fexecve;
static execveat_function real_execveat;

/* Resolved at start: a vfork() child must not run dlsym() in its parent's memory. */
__attribute__((constructor(101))) static void exec_bootstrap(void) {
  real_execve = (execve_function)hooks_next("execve");
  real_execvpe = (execve_function)hooks_next("execvpe");
  real_fexecve = (fexecve_function)hooks_next("fexecve");
  real_execveat = (execveat_function)hooks_next("execveat");
}

/* ---- The new program's environment ------------------------------------------------------------ */

static char *put_decimal(char *cursor, uint64_t value) {
  char digits[24];
  int count = 0;
  do {
    digits[count++] = (char)('0' + value % 10);
    value /= 10;
  } while (value);
  while (count)
    *cursor++ = digits[--count];
  return cursor;
}

/* Joins strings into one arena string. */
static char *joined(const char *const parts[], int count) {
  size_t length = 1;
  for (int i = 0; i < count; i++)
    length += strlen(parts[i]);
  char *text = arena_alloc(length, 1);
  if (!text)
    return NULL;
  char *cursor = text;
  for (int i = 0; i < count; i++) {
    size_t part = strlen(parts[i]);
    memcpy(cursor, parts[i], part);
    cursor += part;
  }
  *cursor = '\0';
  return text;
}

/* `environment` with this library first in LD_PRELOAD and the handover variable; NULL if the
   arena is exhausted. */
static char **handover_environment(char *const environment[], int fd) {
  const char *library = tracker_library_path();
  if (!library)
    return NULL;
  size_t count = 0;
  while (environment && environment[count])
    count++;
  char **result = arena_alloc((count + 3) * sizeof *result, 16);
  if (!result)
    return NULL;
  const char *others = NULL;
  size_t kept = 0;
  for (size_t i = 0; i < count; i++) {
    const char *entry = environment[i];
    if (strncmp(entry, "LD_PRELOAD=", 11) == 0)
      others = preload_without_self(entry + 11);
    else if (strncmp(entry, ENV_HANDOVER "=", sizeof ENV_HANDOVER) != 0)
      result[kept++] = environment[i];
  }
  const char *preload[] = {"LD_PRELOAD=", library, " ", others ? others : ""};
  result[kept++] = joined(preload, others ? 4 : 2);
  char handover[96], *cursor = handover;
  cursor = put_decimal(cursor, (uint64_t)getpid());
  *cursor++ = ':';
  cursor = put_decimal(cursor, (uint64_t)fd);
  *cursor++ = ':';
  cursor = put_decimal(cursor, tracker_start_monotonic_ns());
  *cursor = '\0';
  const char *variable[] = {ENV_HANDOVER "=", handover};
  result[kept++] = joined(variable, 2);
  result[kept] = NULL;
  return result[kept - 1] && result[kept - 2] ? result : NULL;
}

/* A program that changes its user or group (set-user-ID, set-group-ID) or gains file
   capabilities runs in secure mode: the dynamic loader ignores LD_PRELOAD, so no tracker would
   take the descriptor. As the kernel decides it, roughly; only checkable when the path is known
   (not for a PATH search). */
static bool runs_in_secure_mode(const char *path) {
  struct stat status;
  if (!path || !strchr(path, '/') || stat(path, &status) != 0)
    return false;
  return ((status.st_mode & S_ISUID) && status.st_uid != getuid()) ||
         ((status.st_mode & S_ISGID) && status.st_gid != getgid()) ||
         (getuid() != 0 && getxattr(path, "security.capability", NULL, 0) > 0);
}

/* ---- Around the real call ---------------------------------------------------------------------- */

typedef enum exec_preparation {
  EXEC_UNTOUCHED,   /* not this tracker's business */
  EXEC_FLUSHED,     /* flushed, file lock held */
  EXEC_HANDED_OVER, /* and the descriptor survives the exec */
} exec_preparation;

typedef struct exec_state {
  exec_preparation preparation;
  int fd;
} exec_state;

/* Returns the environment to exec with. */
static char *const *begin_exec(exec_state *state, const char *path, char *const environment[]) {
  state->preparation = EXEC_UNTOUCHED;
  state->fd = -1;
  if (tracker_busy || !atomic_load(&tracker_active) || getpid() != tracker_pid)
    return environment;
  tracker_busy = 1;
  stream_flush_and_hold_file();
  state->preparation = EXEC_FLUSHED;
  if (!exec_hands_over || runs_in_secure_mode(path))
    return environment;
  state->fd = stream_capture_fd_locked();
  if (state->fd < 0)
    return environment;
  char **handed = handover_environment(environment, state->fd);
  if (!handed || fcntl(state->fd, F_SETFD, 0) != 0)
    return environment;
  state->preparation = EXEC_HANDED_OVER;
  return handed;
}

/* exec() returned, so it failed: the program goes on as before. */
static void exec_failed(const exec_state *state) {
  if (state->preparation == EXEC_UNTOUCHED)
    return;
  if (state->preparation == EXEC_HANDED_OVER)
    fcntl(state->fd, F_SETFD, FD_CLOEXEC);
  stream_release_file();
  tracker_busy = 0;
}

typedef enum exec_call { CALL_EXECVE, CALL_EXECVPE, CALL_FEXECVE, CALL_EXECVEAT } exec_call;

static int call_real(exec_call call, int fd, const char *path, char *const argv[],
                     char *const environment[], int flags) {
  if (UNLIKELY(!real_execve))
    exec_bootstrap();
  switch (call) {
  case CALL_EXECVE:
    return real_execve(path, argv, environment);
  case CALL_EXECVPE:
    return real_execvpe(path, argv, environment);
  case CALL_FEXECVE:
    return real_fexecve(fd, argv, environment);
  case CALL_EXECVEAT:
    if (real_execveat)
      return real_execveat(fd, path, argv, environment, flags);
    return (int)syscall(SYS_execveat, fd, path, argv, environment, flags);
  }
  errno = EINVAL;
  return -1;
}

static int exec_program(exec_call call, int fd, const char *path, char *const argv[],
                        char *const environment[], int flags) {
  exec_state state;
  const char *checked = call == CALL_EXECVE || call == CALL_EXECVPE ? path : NULL;
  char *const *chosen = begin_exec(&state, checked, environment);
  int result = call_real(call, fd, path, argv, chosen, flags);
  int error = errno;
  exec_failed(&state);
  errno = error;
  return result;
}

/* ---- The hooks --------------------------------------------------------------------------------- */

EXPORT int execve(const char *path, char *const argv[], char *const envp[]) {
  return exec_program(CALL_EXECVE, -1, path, argv, envp, 0);
}

EXPORT int execv(const char *path, char *const argv[]) {
  return exec_program(CALL_EXECVE, -1, path, argv, environ, 0);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]) {
  return exec_program(CALL_EXECVPE, -1, file, argv, envp, 0);
}

EXPORT int execvp(const char *file, char *const argv[]) {
  return exec_program(CALL_EXECVPE, -1, file, argv, environ, 0);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[]) {
  return exec_program(CALL_FEXECVE, fd, NULL, argv, envp, 0);
}

EXPORT int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags) {
  return exec_program(CALL_EXECVEAT, dirfd, path, argv, envp, flags);
}

/* execl, execlp, execle: the arguments gathered on the stack (no allocation: a vfork() child may
   call them), then the calls glibc's own implementations make. */
#define GATHER_ARGUMENTS(first, argv)                                                            \
  va_list arguments;                                                                             \
  size_t count = 1;                                                                              \
  va_start(arguments, first);                                                                    \
  while (va_arg(arguments, const char *))                                                        \
    count++;                                                                                     \
  va_end(arguments);                                                                             \
  const char *argv[count + 1];                                                                   \
  argv[0] = first;                                                                               \
  va_start(arguments, first);                                                                    \
  for (size_t i = 1; i <= count; i++)                                                            \
    argv[i] = va_arg(arguments, const char *);

EXPORT int execl(const char *path, const char *first, ...) {
  GATHER_ARGUMENTS(first, argv)
  va_end(arguments);
  return exec_program(CALL_EXECVE, -1, path, (char *const *)argv, environ, 0);
}

EXPORT int execlp(const char *file, const char *first, ...) {
  GATHER_ARGUMENTS(first, argv)
  va_end(arguments);
  return exec_program(CALL_EXECVPE, -1, file, (char *const *)argv, environ, 0);
}

EXPORT int execle(const char *path, const char *first, ...) {
  GATHER_ARGUMENTS(first, argv)
  char *const *envp = va_arg(arguments, char *const *);
  va_end(arguments);
  return exec_program(CALL_EXECVE, -1, path, (char *const *)argv, envp, 0);
}
