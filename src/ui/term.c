/* term.c: canvases to the terminal through ncursesw, keys back (the only
 * file that includes curses). */
#include "ui/term.h"

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "core/xalloc.h"

#define PAIR_SLOTS 1024 /* open-addressing cache of colour pairs, a power of 2 */

struct pair_slot {
	int fg, bg; /* curses colour numbers (-1 default) */
	int pair;   /* 0: empty */
};

struct term {
	enum color_depth depth;
	enum theme_id theme;
	bool direct;  /* terminfo takes RGB colour numbers */
	bool repaint; /* next present writes everything */
	int next_pair, max_pairs;
	struct pair_slot pairs[PAIR_SLOTS];
};

static void pairs_reset(struct term *t)
{
	memset(t->pairs, 0, sizeof(t->pairs));
	t->next_pair = 1;
}

/* The curses colour number for a resolved colour (-1: the default). */
static int curses_color(const struct term *t, struct canvas_color c)
{
	if (c.kind == CANVAS_COLOR_RGB)
		return t->direct ? (int)c.value : theme_rgb_to_256(c.value);
	if (c.kind == CANVAS_COLOR_INDEX)
		return (int)c.value < COLORS ? (int)c.value : -1;
	return -1;
}

/* The pair number for fg on bg, made on first use. When curses runs out of
 * pairs the cache starts again and the screen is repainted. */
static int pair_for(struct term *t, int fg, int bg)
{
	if (fg == -1 && bg == -1)
		return 0;
	unsigned h = ((unsigned)fg * 2654435761u ^ (unsigned)bg * 40503u) & (PAIR_SLOTS - 1);
	for (unsigned probe = 0; probe < PAIR_SLOTS; probe++, h = (h + 1) & (PAIR_SLOTS - 1)) {
		struct pair_slot *s = &t->pairs[h];
		if (s->pair && s->fg == fg && s->bg == bg)
			return s->pair;
		if (!s->pair)
			break;
	}
	if (t->next_pair >= t->max_pairs || t->next_pair > PAIR_SLOTS / 2) {
		pairs_reset(t);
		t->repaint = true;
		h = ((unsigned)fg * 2654435761u ^ (unsigned)bg * 40503u) & (PAIR_SLOTS - 1);
	}
	while (t->pairs[h].pair)
		h = (h + 1) & (PAIR_SLOTS - 1);
	int pair = t->next_pair++;
	if (init_extended_pair(pair, fg, bg) == ERR)
		return 0;
	t->pairs[h] = (struct pair_slot){fg, bg, pair};
	return pair;
}

static attr_t curses_attr(unsigned attr)
{
	attr_t a = A_NORMAL;
	if (attr & CANVAS_BOLD)
		a |= A_BOLD;
	if (attr & CANVAS_DIM)
		a |= A_DIM;
	if (attr & CANVAS_REVERSE)
		a |= A_REVERSE;
	if (attr & CANVAS_UNDERLINE)
		a |= A_UNDERLINE;
	if (attr & CANVAS_ITALIC)
		a |= A_ITALIC;
	return a;
}

/* Decodes a cell's cluster (valid UTF-8, the canvas guarantees it) into at
 * most max - 1 wide characters and a terminating 0. Returns false if it has
 * more than that (the caller then draws U+FFFD). */
static bool cluster_wide(const char *s, size_t len, wchar_t *out, size_t max)
{
	size_t n = 0, i = 0;
	while (i < len) {
		unsigned char b = (unsigned char)s[i];
		size_t k = b < 0x80 ? 0 : b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
		uint32_t cp = k == 0 ? b : k == 1 ? b & 0x1Fu : k == 2 ? b & 0x0Fu : b & 0x07u;
		for (size_t j = 1; j <= k && i + j < len; j++)
			cp = cp << 6 | ((unsigned char)s[i + j] & 0x3Fu);
		if (n + 1 >= max)
			return false;
		out[n++] = (wchar_t)cp;
		i += k + 1;
	}
	out[n] = 0;
	return true;
}

static void put_cell(struct term *t, int x, int y, const struct canvas_cell *cell)
{
	wchar_t wc[CCHARW_MAX + 1];
	struct canvas_color fg = theme_resolve(t->theme, t->depth, cell->style.fg);
	struct canvas_color bg = theme_resolve(t->theme, t->depth, cell->style.bg);
	int pair = t->depth == COLOR_DEPTH_NONE
	               ? 0
	               : pair_for(t, curses_color(t, fg), curses_color(t, bg));
	cchar_t cc;
	if (!cluster_wide(cell->text, cell->len, wc, CCHARW_MAX))
		cluster_wide("\xEF\xBF\xBD", 3, wc, CCHARW_MAX);
	if (setcchar(&cc, wc, curses_attr(cell->style.attr), 0, &pair) == ERR)
		return;
	mvadd_wch(y, x, &cc);
}

struct term *term_init(bool mouse, enum theme_id theme, char *err, size_t errlen)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "not a terminal (the TUI needs one; try --once)");
		return NULL;
	}
	setlocale(LC_ALL, ""); /* for curses' UTF-8 output only */
	if (!initscr()) {
		snprintf(err, errlen, "cannot start curses (TERM=%s)",
		         getenv("TERM") ? getenv("TERM") : "");
		return NULL;
	}
	struct term *t = xcalloc(1, sizeof(*t));
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	int colors = 0;
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		colors = COLORS;
	}
	t->direct = colors >= 0x1000000;
	t->max_pairs = COLOR_PAIRS;
	t->theme = theme;
	t->depth = theme_detect_depth(getenv("COLORTERM"), getenv("NO_COLOR"), colors);
	pairs_reset(t);
	if (mouse)
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED,
		          NULL);
	mouseinterval(0);
	t->repaint = true;
	return t;
}

void term_end(struct term *t)
{
	if (!t)
		return;
	curs_set(1);
	endwin();
	free(t);
}

enum color_depth term_depth(const struct term *t)
{
	return t->depth;
}

void term_set_depth(struct term *t, enum color_depth depth)
{
	if (COLORS < 8 && depth != COLOR_DEPTH_NONE)
		depth = COLOR_DEPTH_NONE; /* the terminal cannot, whatever we are told */
	else if (COLORS < 256 && depth > COLOR_DEPTH_16)
		depth = COLORS >= 16 ? COLOR_DEPTH_16 : COLOR_DEPTH_8;
	t->depth = depth;
	t->repaint = true;
}

void term_set_theme(struct term *t, enum theme_id theme)
{
	t->theme = theme;
	t->repaint = true;
}

void term_size(const struct term *t, int *cols, int *rows)
{
	(void)t;
	getmaxyx(stdscr, *rows, *cols);
}

void term_resize(struct term *t)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	t->repaint = true;
}

void term_repaint(struct term *t)
{
	t->repaint = true;
}

/* Writes the cells of cur that differ from prev (all of them if all). */
static void present_rows(struct term *t, const struct canvas *cur, const struct canvas *prev,
                         bool all)
{
	int cols, rows;
	getmaxyx(stdscr, rows, cols);
	int h = canvas_height(cur) < rows ? canvas_height(cur) : rows;
	int w = canvas_width(cur) < cols ? canvas_width(cur) : cols;
	for (int y = 0; y < h; y++) {
		int x0 = 0, x1 = w;
		if (!all && !canvas_diff_row(cur, prev, y, &x0, &x1))
			continue;
		for (int x = x0; x < x1 && x < w; x++) {
			const struct canvas_cell *cell = canvas_cell(cur, x, y);
			if (cell->width == 0)
				continue;
			if (cell->width == 2 && x + 1 >= w)
				break; /* the canvas is wider than the screen: no half glyph */
			put_cell(t, x, y, cell);
		}
	}
}

void term_present(struct term *t, const struct canvas *cur, const struct canvas *prev)
{
	bool all = t->repaint || !prev;
	if (t->repaint)
		clearok(curscr, TRUE); /* curses sends every cell, not only its own diff */
	t->repaint = false;
	present_rows(t, cur, prev, all);
	if (t->repaint) {
		/* the pairs ran out and were reset: cells drawn before are stale;
		 * once more, all of them (a frame needing more pairs than curses
		 * has keeps its last colours wrong rather than looping) */
		clearok(curscr, TRUE);
		t->repaint = false;
		present_rows(t, cur, NULL, true);
		t->repaint = false;
	}
	wnoutrefresh(stdscr);
	doupdate();
}

bool term_read_key(struct term *t, struct term_key *key)
{
	wint_t wch;
	MEVENT ev;
	(void)t;
	*key = (struct term_key){TERM_KEY_NONE, 0, 0, 0};
	int rc = get_wch(&wch);
	if (rc == ERR)
		return false;
	if (rc == OK) {
		if (wch == '\r' || wch == '\n')
			key->kind = TERM_KEY_ENTER;
		else if (wch == 27)
			key->kind = TERM_KEY_ESC;
		else if (wch == 127 || wch == 8)
			key->kind = TERM_KEY_BACKSPACE;
		else
			key->kind = TERM_KEY_CHAR, key->ch = (uint32_t)wch;
		return true;
	}
	switch (wch) {
	case KEY_UP:
		key->kind = TERM_KEY_UP;
		break;
	case KEY_DOWN:
		key->kind = TERM_KEY_DOWN;
		break;
	case KEY_LEFT:
		key->kind = TERM_KEY_LEFT;
		break;
	case KEY_RIGHT:
		key->kind = TERM_KEY_RIGHT;
		break;
	case KEY_PPAGE:
		key->kind = TERM_KEY_PGUP;
		break;
	case KEY_NPAGE:
		key->kind = TERM_KEY_PGDN;
		break;
	case KEY_HOME:
		key->kind = TERM_KEY_HOME;
		break;
	case KEY_END:
		key->kind = TERM_KEY_END;
		break;
	case KEY_ENTER:
		key->kind = TERM_KEY_ENTER;
		break;
	case KEY_BACKSPACE:
		key->kind = TERM_KEY_BACKSPACE;
		break;
	case KEY_RESIZE:
		key->kind = TERM_KEY_RESIZE;
		break;
	case KEY_MOUSE:
		if (getmouse(&ev) != OK)
			return true; /* NONE: a report we do not use */
		key->x = ev.x, key->y = ev.y;
		if (ev.bstate & BUTTON4_PRESSED)
			key->kind = TERM_KEY_WHEEL_UP;
		else if (ev.bstate & BUTTON5_PRESSED)
			key->kind = TERM_KEY_WHEEL_DOWN;
		else if (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED))
			key->kind = TERM_KEY_CLICK;
		break;
	default:
		break; /* NONE: a key we do not use */
	}
	return true;
}
