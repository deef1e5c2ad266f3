// Wrappers for ncursesw's macros and globals, so Swift (TerminalUI/Screen.swift only) can call them.
#ifndef WORKSHOP_CNCURSESW_SHIM_H
#define WORKSHOP_CNCURSESW_SHIM_H
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncursesw/curses.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

/// Takes the terminal on standard input and output: returns -1 when it cannot (unknown TERM, no
/// terminal), where initscr() would print a message and exit. Keys are read by the caller from the
/// file descriptor, so ncurses gets no keypad mode; the screen size is the window's (ioctl), not
/// LINES/COLUMNS, which describe text laid out for a pipe.
static inline int cn_start(void) {
  setlocale(LC_ALL, "");
  use_tioctl(TRUE);
  SCREEN *screen = newterm(NULL, stdout, stdin);
  if (screen == NULL) return -1;
  set_term(screen);
  cbreak();
  noecho();
  nonl();
  intrflush(stdscr, FALSE);
  leaveok(stdscr, TRUE);
  curs_set(0);
  if (has_colors()) {
    start_color();
    use_default_colors();
  }
  return 0;
}
static inline void cn_stop(void) {
  curs_set(1);
  endwin();
}
/// The terminfo string capability `name` ("rmcup", "sgr0"...), or NULL when the terminal has none.
static inline const char *cn_capability(const char *name) {
  const char *value = tigetstr(name);
  return value == (char *)-1 ? NULL : value;
}
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }
static inline int cn_colors(void) { return has_colors() ? COLORS : 0; }
static inline int cn_color_pairs(void) { return has_colors() ? COLOR_PAIRS : 0; }
/// Defines colour pair `pair` (1 up to COLOR_PAIRS - 1); -1 is the terminal's default colour.
static inline int cn_init_pair(int pair, int foreground, int background) {
  return init_extended_pair(pair, foreground, background);
}
/// Sets the attributes and colour pair of what is written next (an extended pair: more than 32767).
static inline void cn_set_style(attr_t attributes, int pair) { wattr_set(stdscr, attributes, 0, &pair); }
static inline attr_t cn_a_normal(void) { return A_NORMAL; }
static inline attr_t cn_a_bold(void) { return A_BOLD; }
static inline attr_t cn_a_dim(void) { return A_DIM; }
static inline attr_t cn_a_italic(void) { return A_ITALIC; }
static inline attr_t cn_a_underline(void) { return A_UNDERLINE; }
static inline attr_t cn_a_reverse(void) { return A_REVERSE; }
static inline int cn_move(int y, int x) { return wmove(stdscr, y, x); }
static inline int cn_add_wide(const wchar_t *text, int count) { return waddnwstr(stdscr, text, count); }
static inline void cn_erase(void) { werase(stdscr); }
static inline void cn_clear(void) { clearok(curscr, TRUE); }
static inline void cn_refresh(void) { wrefresh(stdscr); }
static inline int cn_resize(int lines, int columns) { return resizeterm(lines, columns); }
#endif
