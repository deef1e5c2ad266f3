// Wrappers for ncursesw's macros, so Swift (TerminalUI only) can call them.
#ifndef WORKSHOP_CNCURSESW_SHIM_H
#define WORKSHOP_CNCURSESW_SHIM_H
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncursesw/curses.h>
#include <locale.h>

static inline void cn_setlocale(void) { setlocale(LC_ALL, ""); }
static inline int cn_start(void) {
  if (initscr() == NULL) return -1;
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  if (has_colors()) {
    start_color();
    use_default_colors();
    for (short i = 0; i < 8; i++) init_pair((short)(i + 1), i, -1);
  }
  return 0;
}
static inline void cn_stop(void) { endwin(); }
static inline int cn_getch(void) { return wgetch(stdscr); }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }
static inline void cn_attrset(unsigned int attrs) { wattrset(stdscr, (int)attrs); }
static inline unsigned int cn_color_pair(int n) { return (unsigned int)COLOR_PAIR(n); }
static inline unsigned int cn_a_normal(void) { return (unsigned int)A_NORMAL; }
static inline unsigned int cn_a_bold(void) { return (unsigned int)A_BOLD; }
static inline unsigned int cn_a_dim(void) { return (unsigned int)A_DIM; }
static inline unsigned int cn_a_italic(void) { return (unsigned int)A_ITALIC; }
static inline unsigned int cn_a_underline(void) { return (unsigned int)A_UNDERLINE; }
static inline unsigned int cn_a_reverse(void) { return (unsigned int)A_REVERSE; }
static inline int cn_move(int y, int x) { return wmove(stdscr, y, x); }
static inline int cn_addstr(const char *text) { return waddstr(stdscr, text); }
static inline void cn_erase(void) { werase(stdscr); }
static inline void cn_clrtoeol(void) { wclrtoeol(stdscr); }
static inline void cn_refresh(void) { wrefresh(stdscr); }
static inline int cn_key_down(void) { return KEY_DOWN; }
static inline int cn_key_up(void) { return KEY_UP; }
static inline int cn_key_npage(void) { return KEY_NPAGE; }
static inline int cn_key_ppage(void) { return KEY_PPAGE; }
static inline int cn_key_home(void) { return KEY_HOME; }
static inline int cn_key_end(void) { return KEY_END; }
static inline int cn_key_resize(void) { return KEY_RESIZE; }
static inline int cn_key_backspace(void) { return KEY_BACKSPACE; }
static inline int cn_key_enter(void) { return KEY_ENTER; }
#endif
