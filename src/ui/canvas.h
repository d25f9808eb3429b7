/* canvas.h: an off-screen grid of terminal cells that widgets draw into and
 * term.c, the screenshot and the golden tests read back.
 *
 * A cell holds one grapheme cluster (UTF-8, inline), its width, and a style
 * whose colours are stored as intent (default, theme role, palette index or
 * RGB) so one canvas can be shown at any colour depth and in any theme. A wide
 * glyph takes two cells: the head (width 2) and a continuation cell after it.
 * The invariants, kept by every writer:
 *  - a head of width 2 is always followed by its continuation in the same row,
 *    and a continuation always follows a head;
 *  - writing over either half of a wide glyph turns the other half into a
 *    space (keeping its style);
 *  - a wide glyph that does not fit (the canvas or clip edge, max_cols) is
 *    drawn as one space instead.
 * Drawing never allocates: memory is only taken by canvas_new and by
 * canvas_resize when the canvas grows past what it ever held. */
#ifndef VT_UI_CANVAS_H
#define VT_UI_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui/rect.h"

enum canvas_color_kind {
	CANVAS_COLOR_DEFAULT, /* the terminal's own foreground or background */
	CANVAS_COLOR_ROLE,    /* a theme role (enum theme_role in ui/theme.h) */
	CANVAS_COLOR_INDEX,   /* a palette index 0-255 */
	CANVAS_COLOR_RGB,     /* 0xRRGGBB */
};

struct canvas_color {
	uint8_t kind;   /* enum canvas_color_kind */
	uint32_t value; /* role, index or 0xRRGGBB; 0 for DEFAULT */
};

/* Attributes, or'ed. */
#define CANVAS_BOLD      0x01u
#define CANVAS_DIM       0x02u
#define CANVAS_REVERSE   0x04u
#define CANVAS_UNDERLINE 0x08u
#define CANVAS_ITALIC    0x10u

struct canvas_style {
	struct canvas_color fg, bg;
	uint8_t attr;
};

/* Bytes a cell can hold for its cluster (a four-person family emoji, the
 * longest in common use, is 25). A longer cluster is drawn as U+FFFD. */
#define CANVAS_GLYPH_MAX 26

struct canvas_cell {
	char text[CANVAS_GLYPH_MAX + 1]; /* NUL-terminated; "" in a continuation */
	uint8_t len;                     /* bytes of text */
	uint8_t width;                   /* 1 or 2; 0 in a continuation */
	struct canvas_style style;
};

struct canvas;

/* Colour constructors. */
struct canvas_color canvas_default(void);
struct canvas_color canvas_role(unsigned role);
struct canvas_color canvas_index(unsigned index);
struct canvas_color canvas_rgb(uint32_t rgb);

/* A style with fg as foreground, the default background, and attr. */
struct canvas_style canvas_style_fg(struct canvas_color fg, unsigned attr);

/* The plain style: default colours, no attributes. */
struct canvas_style canvas_style_plain(void);

bool canvas_color_equal(struct canvas_color a, struct canvas_color b);
bool canvas_style_equal(struct canvas_style a, struct canvas_style b);

/* A w x h canvas (negative sizes count as 0) of spaces in the plain style,
 * clip = the whole canvas. The caller owns it; canvas_free releases it. */
struct canvas *canvas_new(int w, int h);
void canvas_free(struct canvas *c);

/* Sets the size, clears every cell to a plain space and resets the clip.
 * Allocates only when w*h is more than the canvas ever held. */
void canvas_resize(struct canvas *c, int w, int h);

int canvas_width(const struct canvas *c);
int canvas_height(const struct canvas *c);

/* Fills the whole canvas with spaces in style and resets the clip. */
void canvas_clear(struct canvas *c, struct canvas_style style);

/* Restricts every later write to r (cut to the canvas); returns the previous
 * clip so the caller can put it back. */
struct ui_rect canvas_clip(struct canvas *c, struct ui_rect r);
struct ui_rect canvas_get_clip(const struct canvas *c);

/* Lays out len bytes of s from (x, y) rightwards, one grapheme cluster per
 * cell (two for a wide one), in style, within max_cols columns (< 0: no
 * limit). Zero-width clusters are dropped; invalid UTF-8 and controls are
 * drawn as U+FFFD (vt_text_cluster's rules). Cells outside the clip are not
 * written, but still count: returns the columns the text advanced, so
 * successive calls can chain (x += returned). A wide glyph that would end
 * past max_cols takes its one remaining column as a space. */
int canvas_put_text(struct canvas *c, int x, int y, const char *s, size_t len,
                    struct canvas_style style, int max_cols);

/* Same for a NUL-terminated string. */
int canvas_put_str(struct canvas *c, int x, int y, const char *s, struct canvas_style style,
                   int max_cols);

/* Fills r (within the clip) with glyph, a one-cluster string; a wide glyph
 * fills pairs of cells and an odd last column with a space. */
void canvas_fill(struct canvas *c, struct ui_rect r, const char *glyph, struct canvas_style style);

/* Draws a rounded border ╭─╮ │ │ ╰─╯ on the edge of r (within the clip), the
 * inside untouched. When title is not NULL it is written into the top edge as
 * "╭ title ─…", cut with "…" to fit, in title_style. Needs r at least 2 x 2. */
void canvas_box(struct canvas *c, struct ui_rect r, struct canvas_style border, const char *title,
                struct canvas_style title_style);

/* The cell at (x, y), borrowed from the canvas; NULL outside it. */
const struct canvas_cell *canvas_cell(const struct canvas *c, int x, int y);

bool canvas_equal_cell(const struct canvas_cell *a, const struct canvas_cell *b);

/* Makes dst a copy of src (size, cells and clip), allocating only when dst
 * never held that many cells: how a frame is kept to compare with the next. */
void canvas_copy(struct canvas *dst, const struct canvas *src);

/* Compares row y of cur with the same row of prev. Returns false when they are
 * equal; else true and [*x0, *x1) the smallest span of columns that covers
 * every difference, widened so that it never starts on a continuation cell
 * nor ends between a head and its continuation. When prev is NULL or of
 * another size, or y is outside cur, the whole row counts as changed. */
bool canvas_diff_row(const struct canvas *cur, const struct canvas *prev, int y, int *x0, int *x1);

#endif
