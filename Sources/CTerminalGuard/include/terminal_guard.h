// Gives the terminal back when the process dies of a signal that nothing else handles.
#ifndef WORKSHOP_TERMINAL_GUARD_H
#define WORKSHOP_TERMINAL_GUARD_H
#include <stddef.h>

/// Records the terminal's line discipline (standard input's termios) as the shell left it. Call
/// before a full-screen library changes it.
void terminal_guard_save_modes(void);

/// From now on, a fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT, SIGQUIT) first
/// writes `give_back` (at most 255 bytes: the escape sequences that leave the full screen) to
/// standard output and restores the saved line discipline, then goes to the handler it had before
/// and ends in the signal's default action.
void terminal_guard_arm(const char *give_back, size_t length);

/// Puts the signals' previous actions back; the terminal is someone else's to restore again.
void terminal_guard_disarm(void);
#endif
