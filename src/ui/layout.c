/* layout.c: terminal size and GPU count to screen rectangles. */
#include "ui/layout.h"

#include <string.h>

static enum layout_kind kind_for(int cols, int rows, enum layout_force force)
{
	if (cols < LAYOUT_MIN_COLS || rows < LAYOUT_MIN_ROWS)
		return LAYOUT_TOO_SMALL;
	switch (force) {
	case LAYOUT_FORCE_FULL:
		return LAYOUT_FULL;
	case LAYOUT_FORCE_COMPACT:
		return LAYOUT_COMPACT;
	case LAYOUT_FORCE_MINI:
		return LAYOUT_MINI;
	default:
		break;
	}
	if (cols >= 120 && rows >= 30)
		return LAYOUT_FULL;
	if (cols >= 80 && rows >= 20)
		return LAYOUT_COMPACT;
	return LAYOUT_MINI;
}

/* Rows the table keeps before cards may take them. */
static int table_min(enum layout_kind kind)
{
	return kind == LAYOUT_FULL ? 6 : kind == LAYOUT_COMPACT ? 4 : 3;
}

static int card_rows(enum layout_card card)
{
	return card == LAYOUT_CARD_TIMELINE ? LAYOUT_CARD_TIMELINE_ROWS
	       : card == LAYOUT_CARD_BOXED  ? LAYOUT_CARD_BOXED_ROWS
	                                    : 1;
}

/* Takes n rows (n >= 0) from the top of *free as a full-width rectangle. */
static struct ui_rect take_top(struct ui_rect *free_rows, int n)
{
	struct ui_rect r = {free_rows->x, free_rows->y, free_rows->w, n};
	free_rows->y += n;
	free_rows->h -= n;
	return r;
}

static struct ui_rect take_bottom(struct ui_rect *free_rows, int n)
{
	free_rows->h -= n;
	return (struct ui_rect){free_rows->x, free_rows->y + free_rows->h, free_rows->w, n};
}

struct layout layout_compute(int cols, int rows, int ngpus, enum layout_force force)
{
	struct layout l;
	memset(&l, 0, sizeof(l));
	cols = cols > 0 ? cols : 0;
	rows = rows > 0 ? rows : 0;
	ngpus = ngpus > 0 ? ngpus : 0;
	l.screen = (struct ui_rect){0, 0, cols, rows};
	l.kind = kind_for(cols, rows, force);
	l.gpus_hidden = ngpus;
	if (l.kind == LAYOUT_TOO_SMALL)
		return l;

	/* rows >= 10 here: header, notices and footer leave at least 7 */
	struct ui_rect free_rows = l.screen;
	l.header = take_top(&free_rows, 1);
	if (l.kind != LAYOUT_MINI)
		l.footer = take_bottom(&free_rows, 1);
	l.notices = take_bottom(&free_rows, 1);

	int room = free_rows.h - table_min(l.kind); /* rows cards may use */
	int placeable = ngpus < LAYOUT_MAX_CARDS ? ngpus : LAYOUT_MAX_CARDS;
	if (placeable > 0 && room > 0) {
		enum layout_card card = LAYOUT_CARD_LINE;
		if (l.kind == LAYOUT_FULL) {
			if (placeable * LAYOUT_CARD_TIMELINE_ROWS <= room)
				card = LAYOUT_CARD_TIMELINE;
			else if (placeable * LAYOUT_CARD_BOXED_ROWS <= room)
				card = LAYOUT_CARD_BOXED;
		}
		int each = card_rows(card);
		int shown = room / each < placeable ? room / each : placeable;
		l.card_style = card;
		l.gpus_shown = shown;
		l.gpus_hidden = ngpus - shown;
		l.cards = take_top(&free_rows, shown * each);
		for (int i = 0; i < shown; i++)
			l.card[i] = (struct ui_rect){0, l.cards.y + i * each, cols, each};
	}
	l.table = free_rows;
	return l;
}

const char *layout_kind_name(enum layout_kind kind)
{
	switch (kind) {
	case LAYOUT_FULL:
		return "full";
	case LAYOUT_COMPACT:
		return "compact";
	case LAYOUT_MINI:
		return "mini";
	default:
		return "too-small";
	}
}
