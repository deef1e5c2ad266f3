// A Swift trap (SIGILL or SIGTRAP), a crash, abort() or Ctrl-\ (SIGQUIT, which cbreak mode keeps)
// would otherwise leave the shell on the alternate screen with echo off. The handler only writes
// bytes prepared beforehand and calls tcsetattr, both async-signal-safe, then hands the signal to
// whoever had it before (the Swift runtime's backtracer) and ends in the signal's default action:
// the process dies as it would have, with its backtrace printed on a usable terminal.
#include "terminal_guard.h"

#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

enum { FATAL_SIGNAL_COUNT = 7 };
static const int fatal_signals[FATAL_SIGNAL_COUNT] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT, SIGQUIT};
static struct sigaction previous_actions[FATAL_SIGNAL_COUNT];
static struct termios shell_modes;
static int shell_modes_saved;
static char give_back_text[256];
static size_t give_back_length;
static volatile sig_atomic_t armed;

static void give_back_on_fatal_signal(int signal_number, siginfo_t *info, void *context) {
  if (armed) {
    armed = 0;
    ssize_t written = write(STDOUT_FILENO, give_back_text, give_back_length);
    (void)written;
    if (shell_modes_saved) tcsetattr(STDIN_FILENO, TCSANOW, &shell_modes);
  }
  struct sigaction previous = {0};
  for (int index = 0; index < FATAL_SIGNAL_COUNT; index++) {
    if (fatal_signals[index] == signal_number) previous = previous_actions[index];
  }
  // The previous handler (the Swift runtime's backtracer) sees the signal as it came, with the
  // crashed thread's registers in `context`. It may return, even for a signal sent with kill:
  // the signal's default action follows in every case, so the process dies as the signal means.
  if (previous.sa_flags & SA_SIGINFO) {
    if (previous.sa_sigaction != NULL) previous.sa_sigaction(signal_number, info, context);
  } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(signal_number);
  }
  struct sigaction default_action;
  memset(&default_action, 0, sizeof default_action);
  default_action.sa_handler = SIG_DFL;
  sigaction(signal_number, &default_action, NULL);
  // Blocked until this handler returns, then delivered to the default action. A fault that
  // returns here happens again under the default action too.
  raise(signal_number);
}

void terminal_guard_save_modes(void) { shell_modes_saved = tcgetattr(STDIN_FILENO, &shell_modes) == 0; }

void terminal_guard_arm(const char *give_back, size_t length) {
  if (armed) terminal_guard_disarm();
  if (length >= sizeof give_back_text) length = 0;
  memcpy(give_back_text, give_back, length);
  give_back_length = length;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = give_back_on_fatal_signal;
  // On the alternate stack where the thread has one: a stack overflow is one of these crashes.
  // Reset on entry: a crash inside the previous handler, called from this one, is not caught
  // here again.
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (int index = 0; index < FATAL_SIGNAL_COUNT; index++) {
    struct sigaction *previous = &previous_actions[index];
    sigaction(fatal_signals[index], &action, previous);
    // A signal the process ignores (SIGQUIT in a background job) stays ignored.
    if (!(previous->sa_flags & SA_SIGINFO) && previous->sa_handler == SIG_IGN)
      sigaction(fatal_signals[index], previous, NULL);
  }
  armed = 1;
}

void terminal_guard_disarm(void) {
  if (!armed) return;
  armed = 0;
  for (int index = 0; index < FATAL_SIGNAL_COUNT; index++) {
    sigaction(fatal_signals[index], &previous_actions[index], NULL);
  }
}
