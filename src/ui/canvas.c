/* canvas.c: the cell grid, its wide-glyph invariants, clipping and diffing. */
#include "ui/canvas.h"

#include <stdlib.h>
#include <string.h>

#include "core/textwidth.h"
#include "core/xalloc.h"

struct canvas {
	int w, h;
	size_t cap; /* cells allocated */
	struct canvas_cell *cells;
	struct ui_rect clip;
};

/* Box-drawing glyphs, rounded corners. */
#define BOX_H  "\xE2\x94\x80" /* ─ */
#define BOX_V  "\xE2\x94\x82" /* │ */
#define BOX_TL "\xE2\x95\xAD" /* ╭ */
#define BOX_TR "\xE2\x95\xAE" /* ╮ */
#define BOX_BL "\xE2\x95\xB0" /* ╰ */
#define BOX_BR "\xE2\x95\xAF" /* ╯ */

struct canvas_color canvas_default(void)
{
	return (struct canvas_color){CANVAS_COLOR_DEFAULT, 0};
}

struct canvas_color canvas_role(unsigned role)
{
	return (struct canvas_color){CANVAS_COLOR_ROLE, role};
}

struct canvas_color canvas_index(unsigned index)
{
	return (struct canvas_color){CANVAS_COLOR_INDEX, index & 0xFFu};
}

struct canvas_color canvas_rgb(uint32_t rgb)
{
	return (struct canvas_color){CANVAS_COLOR_RGB, rgb & 0xFFFFFFu};
}

struct canvas_style canvas_style_fg(struct canvas_color fg, unsigned attr)
{
	return (struct canvas_style){fg, canvas_default(), (uint8_t)attr};
}

struct canvas_style canvas_style_plain(void)
{
	return canvas_style_fg(canvas_default(), 0);
}

bool canvas_color_equal(struct canvas_color a, struct canvas_color b)
{
	return a.kind == b.kind && a.value == b.value;
}

bool canvas_style_equal(struct canvas_style a, struct canvas_style b)
{
	return a.attr == b.attr && canvas_color_equal(a.fg, b.fg) && canvas_color_equal(a.bg, b.bg);
}

static struct ui_rect full_rect(const struct canvas *c)
{
	return (struct ui_rect){0, 0, c->w, c->h};
}

static struct canvas_cell *cell_at(const struct canvas *c, int x, int y)
{
	return &c->cells[(size_t)y * (size_t)c->w + (size_t)x];
}

/* Sets a cell to one glyph of the given width (len <= CANVAS_GLYPH_MAX). */
static void cell_set(struct canvas_cell *cell, const char *s, size_t len, int width,
                     struct canvas_style style)
{
	memcpy(cell->text, s, len);
	cell->text[len] = '\0';
	cell->len = (uint8_t)len;
	cell->width = (uint8_t)width;
	cell->style = style;
}

static void cell_blank(struct canvas_cell *cell, struct canvas_style style)
{
	cell_set(cell, " ", 1, 1, style);
}

/* Before (x, y) is overwritten: if it holds half of a wide glyph, the other
 * half becomes a space in its own style. */
static void break_wide(struct canvas *c, int x, int y)
{
	struct canvas_cell *cell = cell_at(c, x, y);
	if (cell->width == 0 && x > 0) {
		struct canvas_cell *head = cell_at(c, x - 1, y);
		cell_blank(head, head->style);
	} else if (cell->width == 2 && x + 1 < c->w) {
		struct canvas_cell *cont = cell_at(c, x + 1, y);
		cell_blank(cont, cont->style);
	}
}

/* Writes one glyph of width 1 or 2 at (x, y) if it lies in the clip; a wide
 * glyph with only one cell inside the clip becomes a space there. */
static void put_glyph(struct canvas *c, int x, int y, const char *s, size_t len, int width,
                      struct canvas_style style)
{
	bool in0 = ui_rect_contains(c->clip, x, y);
	bool in1 = width == 2 && ui_rect_contains(c->clip, x + 1, y);

	if (width == 2 && in0 && in1) {
		break_wide(c, x, y);
		break_wide(c, x + 1, y);
		cell_set(cell_at(c, x, y), s, len, 2, style);
		struct canvas_cell *cont = cell_at(c, x + 1, y);
		cell_set(cont, "", 0, 0, style);
		return;
	}
	if (width == 2) {
		s = " ", len = 1;
		if (in1)
			x++, in0 = true;
	}
	if (!in0)
		return;
	break_wide(c, x, y);
	cell_set(cell_at(c, x, y), s, len, 1, style);
}

struct canvas *canvas_new(int w, int h)
{
	struct canvas *c = xcalloc(1, sizeof(*c));
	canvas_resize(c, w, h);
	return c;
}

void canvas_free(struct canvas *c)
{
	if (!c)
		return;
	free(c->cells);
	free(c);
}

void canvas_resize(struct canvas *c, int w, int h)
{
	c->w = w > 0 ? w : 0;
	c->h = h > 0 ? h : 0;
	size_t n = (size_t)c->w * (size_t)c->h;
	if (n > c->cap) {
		free(c->cells);
		c->cells = xreallocarray(NULL, n, sizeof(*c->cells));
		c->cap = n;
	}
	canvas_clear(c, canvas_style_plain());
}

int canvas_width(const struct canvas *c)
{
	return c->w;
}

int canvas_height(const struct canvas *c)
{
	return c->h;
}

void canvas_clear(struct canvas *c, struct canvas_style style)
{
	size_t n = (size_t)c->w * (size_t)c->h;
	for (size_t i = 0; i < n; i++)
		cell_blank(&c->cells[i], style);
	c->clip = full_rect(c);
}

struct ui_rect canvas_clip(struct canvas *c, struct ui_rect r)
{
	struct ui_rect old = c->clip;
	c->clip = ui_rect_intersect(r, full_rect(c));
	return old;
}

struct ui_rect canvas_get_clip(const struct canvas *c)
{
	return c->clip;
}

int canvas_put_text(struct canvas *c, int x, int y, const char *s, size_t len,
                    struct canvas_style style, int max_cols)
{
	long limit = max_cols < 0 ? -1 : max_cols;
	long used = 0;
	size_t i = 0;

	while (i < len && (limit < 0 || used < limit)) {
		struct vt_cluster cl = vt_text_cluster(s + i, len - i);
		const char *g = s + i;
		size_t glen = cl.len;
		int width = (int)cl.cols;
		bool too_long = !cl.replaced && glen > CANVAS_GLYPH_MAX;
		i += cl.len;
		if (width == 0)
			continue;
		if (cl.replaced || too_long) {
			g = VT_TEXT_REPLACEMENT;
			glen = VT_TEXT_REPLACEMENT_LEN;
		}
		if (width == 2 && limit >= 0 && used + 2 > limit) {
			put_glyph(c, (int)(x + used), y, " ", 1, 1, style);
			used++;
			break;
		}
		if (width == 2 && too_long) {
			/* an over-long wide cluster: U+FFFD and a space keep the columns */
			put_glyph(c, (int)(x + used), y, g, glen, 1, style);
			put_glyph(c, (int)(x + used + 1), y, " ", 1, 1, style);
		} else {
			put_glyph(c, (int)(x + used), y, g, glen, width, style);
		}
		used += width;
	}
	return (int)used;
}

int canvas_put_str(struct canvas *c, int x, int y, const char *s, struct canvas_style style,
                   int max_cols)
{
	return canvas_put_text(c, x, y, s, strlen(s), style, max_cols);
}

void canvas_fill(struct canvas *c, struct ui_rect r, const char *glyph, struct canvas_style style)
{
	struct ui_rect a = ui_rect_intersect(r, c->clip);
	if (ui_rect_empty(a))
		return;
	struct vt_cluster cl = vt_text_cluster(glyph, strlen(glyph));
	if (cl.cols == 0 || cl.replaced || cl.len > CANVAS_GLYPH_MAX) {
		glyph = " ";
		cl.len = 1;
		cl.cols = 1;
	}
	for (int y = a.y; y < a.y + a.h; y++) {
		int x = a.x;
		for (; x + (int)cl.cols <= a.x + a.w; x += (int)cl.cols)
			put_glyph(c, x, y, glyph, cl.len, (int)cl.cols, style);
		if (x < a.x + a.w)
			put_glyph(c, x, y, " ", 1, 1, style);
	}
}

void canvas_box(struct canvas *c, struct ui_rect r, struct canvas_style border, const char *title,
                struct canvas_style title_style)
{
	if (r.w < 2 || r.h < 2)
		return;
	int x1 = r.x + r.w - 1, y1 = r.y + r.h - 1;
	for (int x = r.x + 1; x < x1; x++) {
		put_glyph(c, x, r.y, BOX_H, 3, 1, border);
		put_glyph(c, x, y1, BOX_H, 3, 1, border);
	}
	for (int y = r.y + 1; y < y1; y++) {
		put_glyph(c, r.x, y, BOX_V, 3, 1, border);
		put_glyph(c, x1, y, BOX_V, 3, 1, border);
	}
	put_glyph(c, r.x, r.y, BOX_TL, 3, 1, border);
	put_glyph(c, x1, r.y, BOX_TR, 3, 1, border);
	put_glyph(c, r.x, y1, BOX_BL, 3, 1, border);
	put_glyph(c, x1, y1, BOX_BR, 3, 1, border);
	/* "╭ title ─╮": the title needs the corner, a space each side, a corner */
	int room = r.w - 4;
	if (!title || !*title || room < 1)
		return;
	char fitted[4 * CANVAS_GLYPH_MAX + 256];
	size_t n = vt_text_fit(fitted, sizeof(fitted), title, strlen(title), (size_t)room,
	                       VT_TEXT_FIT_ELLIPSIS | VT_TEXT_FIT_NOPAD, NULL);
	put_glyph(c, r.x + 1, r.y, " ", 1, 1, border);
	int used = canvas_put_text(c, r.x + 2, r.y, fitted, n, title_style, room);
	put_glyph(c, r.x + 2 + used, r.y, " ", 1, 1, border);
}

const struct canvas_cell *canvas_cell(const struct canvas *c, int x, int y)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return NULL;
	return cell_at(c, x, y);
}

bool canvas_equal_cell(const struct canvas_cell *a, const struct canvas_cell *b)
{
	return a->len == b->len && a->width == b->width && memcmp(a->text, b->text, a->len) == 0 &&
	       canvas_style_equal(a->style, b->style);
}

void canvas_copy(struct canvas *dst, const struct canvas *src)
{
	size_t n = (size_t)src->w * (size_t)src->h;
	if (n > dst->cap) {
		free(dst->cells);
		dst->cells = xreallocarray(NULL, n, sizeof(*dst->cells));
		dst->cap = n;
	}
	dst->w = src->w;
	dst->h = src->h;
	dst->clip = src->clip;
	if (n)
		memcpy(dst->cells, src->cells, n * sizeof(*src->cells));
}

bool canvas_diff_row(const struct canvas *cur, const struct canvas *prev, int y, int *x0, int *x1)
{
	*x0 = 0;
	*x1 = cur->w;
	if (y < 0 || y >= cur->h || !prev || prev->w != cur->w || prev->h != cur->h)
		return true;
	int lo = 0, hi = cur->w;
	while (lo < hi && canvas_equal_cell(cell_at(cur, lo, y), cell_at(prev, lo, y)))
		lo++;
	if (lo == hi)
		return false;
	while (hi > lo && canvas_equal_cell(cell_at(cur, hi - 1, y), cell_at(prev, hi - 1, y)))
		hi--;
	if (lo > 0 && cell_at(cur, lo, y)->width == 0)
		lo--;
	if (hi < cur->w && cell_at(cur, hi, y)->width == 0)
		hi++;
	*x0 = lo;
	*x1 = hi;
	return true;
}
