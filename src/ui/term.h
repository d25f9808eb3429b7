/* term.h: the terminal itself -- presents canvases through ncursesw and reads
 * keys. term.c is the only file that includes curses; everything it draws
 * comes from a canvas, so the rest of the UI is testable without a terminal. */
#ifndef VT_UI_TERM_H
#define VT_UI_TERM_H

#include <stdbool.h>
#include <stdint.h>

#include "ui/canvas.h"
#include "ui/theme.h"

enum term_key_kind {
	TERM_KEY_NONE, /* nothing (more) to read */
	TERM_KEY_CHAR, /* ch: a code point, or a control (Ctrl+L is 0x0C) */
	TERM_KEY_UP,
	TERM_KEY_DOWN,
	TERM_KEY_LEFT,
	TERM_KEY_RIGHT,
	TERM_KEY_PGUP,
	TERM_KEY_PGDN,
	TERM_KEY_HOME,
	TERM_KEY_END,
	TERM_KEY_ENTER,
	TERM_KEY_ESC,
	TERM_KEY_BACKSPACE,
	TERM_KEY_RESIZE, /* the terminal changed size: see term_size */
	TERM_KEY_CLICK,  /* x, y: a left click */
	TERM_KEY_WHEEL_UP,
	TERM_KEY_WHEEL_DOWN,
};

struct term_key {
	enum term_key_kind kind;
	uint32_t ch; /* TERM_KEY_CHAR */
	int x, y;    /* TERM_KEY_CLICK and the wheel */
};

struct term;

/* Takes over the terminal: setlocale(LC_ALL, "") (curses needs it for UTF-8
 * output; our widths never come from the locale), raw, noecho, keypad,
 * non-blocking reads, a short ESC delay, no cursor, default colours, and mouse
 * reports when mouse is true. The colour depth is detected from $COLORTERM,
 * $NO_COLOR and terminfo (theme_detect_depth). Returns NULL, with a reason in
 * err (capacity errlen), when stdin/stdout is not a terminal or curses fails.
 * The caller owns the handle and must call term_end. */
struct term *term_init(bool mouse, enum theme_id theme, char *err, size_t errlen);

/* Restores the terminal and frees t (NULL is fine). */
void term_end(struct term *t);

/* The detected depth, and an override (`--color`); a change repaints. At
 * truecolor, colours go out as RGB only when terminfo says the terminal takes
 * direct colour (COLORS >= 2^24, e.g. TERM=xterm-direct); otherwise as the
 * nearest of 256 -- never by redefining the user's palette. */
enum color_depth term_depth(const struct term *t);
void term_set_depth(struct term *t, enum color_depth depth);
void term_set_theme(struct term *t, enum theme_id theme);

/* The terminal's size as curses knows it. */
void term_size(const struct term *t, int *cols, int *rows);

/* Re-reads the size from the tty (TIOCGWINSZ) and tells curses: for a loop
 * that takes SIGWINCH itself (signalfd), since curses then never sees it.
 * Otherwise curses' own SIGWINCH handler makes the next term_read_key return
 * TERM_KEY_RESIZE: call it after a poll that the signal cut short (EINTR) as
 * well, since stdin is not readable then. */
void term_resize(struct term *t);

/* Shows cur. Only the cells that differ from prev are written (prev NULL, or
 * of another size, or after term_repaint: all of them), then one doupdate. */
void term_present(struct term *t, const struct canvas *cur, const struct canvas *prev);

/* Makes the next term_present redraw the whole screen (Ctrl+L, a reattach). */
void term_repaint(struct term *t);

/* Reads one key without blocking: call it while the loop's poll says stdin is
 * readable, until it returns false. Mouse reports become CLICK and WHEEL. */
bool term_read_key(struct term *t, struct term_key *key);

#endif
