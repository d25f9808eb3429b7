/* rect.h: the rectangle every UI module speaks in (cells, origin top left). */
#ifndef VT_UI_RECT_H
#define VT_UI_RECT_H

#include <stdbool.h>

struct ui_rect {
	int x, y; /* top-left cell */
	int w, h; /* columns and rows; a rectangle with w <= 0 or h <= 0 is empty */
};

static inline bool ui_rect_empty(struct ui_rect r)
{
	return r.w <= 0 || r.h <= 0;
}

static inline bool ui_rect_contains(struct ui_rect r, int x, int y)
{
	return x >= r.x && y >= r.y && x - r.x < r.w && y - r.y < r.h;
}

/* The common part of a and b ({0, 0, 0, 0} when there is none). */
static inline struct ui_rect ui_rect_intersect(struct ui_rect a, struct ui_rect b)
{
	int x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
	long ax1 = (long)a.x + a.w, bx1 = (long)b.x + b.w;
	long ay1 = (long)a.y + a.h, by1 = (long)b.y + b.h;
	long x1 = ax1 < bx1 ? ax1 : bx1, y1 = ay1 < by1 ? ay1 : by1;
	if (ui_rect_empty(a) || ui_rect_empty(b) || x1 <= x0 || y1 <= y0)
		return (struct ui_rect){0, 0, 0, 0};
	return (struct ui_rect){x0, y0, (int)(x1 - x0), (int)(y1 - y0)};
}

/* Whether a and b share at least one cell. */
static inline bool ui_rect_overlap(struct ui_rect a, struct ui_rect b)
{
	return !ui_rect_empty(ui_rect_intersect(a, b));
}

#endif
