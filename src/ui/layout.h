/* layout.h: where each part of the screen goes, as a pure function of the
 * terminal's size, the number of GPUs and the `layout` setting. Drawing code
 * reads the rectangles; it never measures the terminal itself. */
#ifndef VT_UI_LAYOUT_H
#define VT_UI_LAYOUT_H

#include "ui/rect.h"

enum layout_kind {
	LAYOUT_TOO_SMALL, /* below 40 x 10: only a message */
	LAYOUT_MINI,      /* >= 40 x 10 */
	LAYOUT_COMPACT,   /* >= 80 x 20 */
	LAYOUT_FULL,      /* >= 120 x 30 */
};

/* The `layout` setting: auto picks by size; the others force a kind on any
 * terminal of at least 40 x 10. */
enum layout_force {
	LAYOUT_AUTO,
	LAYOUT_FORCE_FULL,
	LAYOUT_FORCE_COMPACT,
	LAYOUT_FORCE_MINI,
};

/* How a GPU card is drawn. */
enum layout_card {
	LAYOUT_CARD_NONE,     /* no cards (no GPU, or too small) */
	LAYOUT_CARD_TIMELINE, /* FULL: a box with bar, legend, alert and timeline */
	LAYOUT_CARD_BOXED,    /* FULL, short of room: a box around one bar line */
	LAYOUT_CARD_LINE,     /* one line, no box */
};

#define LAYOUT_MIN_COLS           40
#define LAYOUT_MIN_ROWS           10
#define LAYOUT_CARD_TIMELINE_ROWS 8
#define LAYOUT_CARD_BOXED_ROWS    3
#define LAYOUT_MAX_CARDS          64 /* cards placed at most; more GPUs are counted in gpus_hidden */

struct layout {
	enum layout_kind kind;
	enum layout_card card_style;
	struct ui_rect screen;  /* 0, 0, cols, rows */
	struct ui_rect header;  /* the top line */
	struct ui_rect cards;   /* all the cards */
	struct ui_rect table;   /* the process table, its heading row included */
	struct ui_rect notices; /* one line of notices */
	struct ui_rect footer;  /* key hints; empty in MINI */
	int gpus_shown;         /* cards placed, card[0 .. gpus_shown) */
	int gpus_hidden;        /* GPUs without a card (a "+N more" is the widget's) */
	struct ui_rect card[LAYOUT_MAX_CARDS];
};

/* Lays out a cols x rows terminal showing ngpus GPUs. Every rectangle lies in
 * the screen and none overlaps another; when the kind is not TOO_SMALL the
 * table has at least 2 rows (heading and one process). Cards shrink from
 * TIMELINE to BOXED to LINE before the table loses its minimum (6 rows in
 * FULL, 4 in COMPACT, 3 in MINI), and GPUs lose their card last. Negative
 * sizes and counts count as 0. */
struct layout layout_compute(int cols, int rows, int ngpus, enum layout_force force);

/* "full", "compact", "mini", "too-small". */
const char *layout_kind_name(enum layout_kind kind);

#endif
