/*
 * endings.c — the ways a program ends without running the tracker's destructor: _exit() and the
 * signals whose default action ends it. Both flush what the sampler has not written yet (up to
 * 10 ms of events, everything for a program that dies at once).
 *
 * _exit()/_Exit() called by the program are an ending of its own accord: END, then the flush
 * (glibc's exit() reaches _exit internally, not through these hooks, after the destructor).
 *
 * Signals. The tracker's handler stands in for SIG_DFL only, on the signals whose default action
 * terminates the program (SIGSEGV, SIGABRT, SIGTERM, SIGINT, SIGPIPE, ...): installed at start
 * where the disposition is SIG_DFL (an inherited SIG_IGN stays), it flushes, puts SIG_DFL back
 * and re-sends the signal to the same thread with the same siginfo, so the program dies exactly
 * as it would have (same signal, core dump, exit status). The program never sees it:
 *   - sigaction() and signal() are hooked: a program that reads a disposition the tracker stands
 *     in for reads SIG_DFL; a program that installs its own handler (or SIG_IGN) gets exactly
 *     that, and the tracker steps aside; a program that sets SIG_DFL again gets the stand-in back.
 *     So the program's own handlers run as they would, unchained.
 *   - Not covered: the raw rt_sigaction system call (the program then simply replaces the
 *     stand-in, and reads it back if it asks that way), sigset()/sigvec(), a signal that ends the
 *     program from inside its own handler, SIGKILL, and a stack overflow (no alternate stack is
 *     installed behind the program's back: the kernel kills it, as it would have).
 * The handler flushes only when the interrupted thread is not inside the tracker (tracker_busy):
 * such a thread may hold the stream lock. A vfork() child (another pid in its parent's memory)
 * never flushes its parent's capture.
 */
#define _GNU_SOURCE
#include "tracker_internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

typedef int (*sigaction_function)(int, const struct sigaction *, struct sigaction *);
typedef void (*exit_function)(int);

static sigaction_function real_sigaction;
static exit_function real__exit, real__Exit;

/* 1 while the tracker's handler stands in for the program's SIG_DFL on that signal. */
static volatile sig_atomic_t standing_in[_NSIG];
static bool installed;
static spinlock signals_lock;

static const int ending_signals[] = {
    SIGHUP,  SIGINT,  SIGQUIT, SIGILL,  SIGTRAP,   SIGABRT, SIGBUS,    SIGFPE,
    SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM,   SIGTERM, SIGSTKFLT, SIGXCPU,
    SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO, SIGPWR,    SIGSYS,
};

static bool ends_program(int signal) {
  for (size_t i = 0; i < sizeof ending_signals / sizeof ending_signals[0]; i++)
    if (ending_signals[i] == signal)
      return true;
  return false;
}

__attribute__((constructor(101))) static void endings_bootstrap(void) {
  real_sigaction = (sigaction_function)hooks_next("sigaction");
  real__exit = (exit_function)hooks_next("_exit");
  real__Exit = (exit_function)hooks_next("_Exit");
}

/* ---- The stand-in handler ---------------------------------------------------------------- */

static void flush_and_end(int signal, siginfo_t *info, void *context) {
  int saved_errno = errno;
  if (!tracker_busy && getpid() == tracker_pid && atomic_load(&tracker_active)) {
    tracker_busy = 1;
    stream_flush();
    tracker_busy = 0;
  }
  struct sigaction default_action;
  memset(&default_action, 0, sizeof default_action);
  default_action.sa_handler = SIG_DFL;
  real_sigaction(signal, &default_action, NULL);
  standing_in[signal] = 0;
  /* Pending until this handler returns (the signal is blocked while it runs); then the default
     action ends the program with the original siginfo. A fault re-sent this way still dumps
     core at the faulting instruction: the signal is delivered before it runs again. */
  if (syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), signal, info) != 0)
    raise(signal);
  errno = saved_errno;
}

static void stand_in(int signal) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = flush_and_end;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigfillset(&action.sa_mask);
  if (real_sigaction(signal, &action, NULL) == 0)
    standing_in[signal] = 1;
}

void signals_install(void) {
  if (UNLIKELY(!real_sigaction))
    endings_bootstrap();
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  spinlock_lock(&signals_lock);
  installed = true;
  for (size_t i = 0; i < sizeof ending_signals / sizeof ending_signals[0]; i++) {
    struct sigaction current;
    int signal = ending_signals[i];
    if (real_sigaction(signal, NULL, &current) == 0 && current.sa_handler == SIG_DFL)
      stand_in(signal);
  }
  spinlock_unlock(&signals_lock);
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
}

/* ---- What the program sees ----------------------------------------------------------------- */

/* With every signal blocked, so a handler that calls sigaction() cannot interrupt the lock. */
static int answer_sigaction(int signal, const struct sigaction *action, struct sigaction *old) {
  if (UNLIKELY(!real_sigaction))
    endings_bootstrap();
  if (signal <= 0 || signal >= _NSIG || !ends_program(signal))
    return real_sigaction(signal, action, old);
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  spinlock_lock(&signals_lock);
  int result = 0;
  if (standing_in[signal]) {
    if (old) {
      memset(old, 0, sizeof *old);
      old->sa_handler = SIG_DFL;
    }
    if (action && action->sa_handler != SIG_DFL) {
      result = real_sigaction(signal, action, NULL);
      if (result == 0)
        standing_in[signal] = 0;
    }
  } else {
    result = real_sigaction(signal, action, old);
    if (result == 0 && installed && action && action->sa_handler == SIG_DFL)
      stand_in(signal);
  }
  int error = errno;
  spinlock_unlock(&signals_lock);
  pthread_sigmask(SIG_SETMASK, &previous, NULL);
  errno = error;
  return result;
}

EXPORT int sigaction(int signal, const struct sigaction *action, struct sigaction *old) {
  return answer_sigaction(signal, action, old);
}

EXPORT int __sigaction(int signal, const struct sigaction *action, struct sigaction *old) {
  return answer_sigaction(signal, action, old);
}

/* glibc's signal() (BSD semantics: restarting, the signal blocked in its own handler) and
   sysv_signal() call sigaction internally, past the hook, so they are rebuilt on it. */
static sighandler_t set_handler(int signal, sighandler_t handler, int flags, bool block_itself) {
  struct sigaction action, old;
  memset(&action, 0, sizeof action);
  action.sa_handler = handler;
  action.sa_flags = flags;
  sigemptyset(&action.sa_mask);
  if (block_itself && sigaddset(&action.sa_mask, signal) != 0) {
    errno = EINVAL;
    return SIG_ERR;
  }
  if (handler == SIG_ERR || answer_sigaction(signal, &action, &old) != 0)
    return SIG_ERR;
  return old.sa_handler;
}

EXPORT sighandler_t signal(int signal, sighandler_t handler) {
  return set_handler(signal, handler, SA_RESTART, true);
}

EXPORT sighandler_t bsd_signal(int signal, sighandler_t handler) {
  return set_handler(signal, handler, SA_RESTART, true);
}

EXPORT sighandler_t sysv_signal(int signal, sighandler_t handler) {
  return set_handler(signal, handler, SA_RESETHAND | SA_NODEFER, false);
}

/* ---- _exit ------------------------------------------------------------------------------------ */

/* END and a flush, unless this is a vfork() child that failed to exec (another pid in its
   parent's memory): not an ending of the program we record. */
__attribute__((noreturn)) static void end_now(exit_function real, int status) {
  if (!tracker_busy && getpid() == tracker_pid && atomic_load(&tracker_active))
    tracker_finish();
  if (LIKELY(real != NULL))
    real(status);
  syscall(SYS_exit_group, status);
  __builtin_unreachable();
}

EXPORT void _exit(int status) { end_now(real__exit, status); }

EXPORT void _Exit(int status) { end_now(real__Exit, status); }
