/* screenshot.c: canvas to plain text, SVG, and golden text + style layers. */
#include "ui/screenshot.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/xalloc.h"

/* SVG geometry: a 14 px monospace font is about 8.4 px wide. */
#define SVG_CELL_W    8.4
#define SVG_CELL_H    17
#define SVG_BASELINE  13
#define SVG_FONT_SIZE 14

/* A growing string; the screenshot functions hand its buffer to the caller. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	xgrow(&b->p, &b->cap, b->len + n + 1, 256);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void sb_fmt(struct sbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* The buffer, never NULL, for the caller to free. */
static char *sb_take(struct sbuf *b)
{
	if (!b->p)
		sb_put(b, "", 0);
	return b->p;
}

static void text_row(struct sbuf *b, const struct canvas *c, int y)
{
	size_t keep = b->len; /* the end of the row without its trailing spaces */
	for (int x = 0; x < canvas_width(c); x++) {
		const struct canvas_cell *cell = canvas_cell(c, x, y);
		if (cell->width == 0)
			continue;
		sb_put(b, cell->text, cell->len);
		if (!(cell->len == 1 && cell->text[0] == ' '))
			keep = b->len;
	}
	b->len = keep;
	sb_put(b, "\n", 1);
}

char *screenshot_text(const struct canvas *c)
{
	struct sbuf b = {0};
	for (int y = 0; y < canvas_height(c); y++)
		text_row(&b, c, y);
	return sb_take(&b);
}

/* Appends s as XML character data: markup characters escaped, and the two
 * noncharacters XML 1.0 forbids (U+FFFE, U+FFFF) replaced by U+FFFD. */
static void xml_escape(struct sbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '&':
			sb_str(b, "&amp;");
			break;
		case '<':
			sb_str(b, "&lt;");
			break;
		case '>':
			sb_str(b, "&gt;");
			break;
		case '"':
			sb_str(b, "&quot;");
			break;
		case '\'':
			sb_str(b, "&apos;");
			break;
		default:
			if (ch == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF &&
			    ((unsigned char)s[i + 2] & 0xFE) == 0xBE) {
				sb_str(b, "\xEF\xBF\xBD");
				i += 2;
			} else {
				sb_put(b, s + i, 1);
			}
		}
	}
}

static void svg_colors(enum theme_id id, struct canvas_style st, uint32_t *fg, uint32_t *bg)
{
	*fg = theme_resolve_rgb(id, st.fg, true);
	*bg = theme_resolve_rgb(id, st.bg, false);
	if (st.attr & CANVAS_REVERSE) {
		uint32_t t = *fg;
		*fg = *bg;
		*bg = t;
	}
}

/* Writes the run [x0, x1) of row y, all cells of one style. */
static void svg_run(struct sbuf *b, const struct canvas *c, enum theme_id id, int y, int x0, int x1)
{
	struct canvas_style st = canvas_cell(c, x0, y)->style;
	uint32_t fg, bg;
	svg_colors(id, st, &fg, &bg);
	double px = x0 * SVG_CELL_W, w = (x1 - x0) * SVG_CELL_W;
	if (bg != theme_rgb(id, THEME_BACKGROUND))
		sb_fmt(b,
		       "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#%06X\"/>\n",
		       px, y * SVG_CELL_H, w, SVG_CELL_H, (unsigned)bg);
	int last = x0 - 1; /* the last column that is not a space */
	for (int x = x0; x < x1; x++) {
		const struct canvas_cell *cell = canvas_cell(c, x, y);
		if (cell->width != 0 && !(cell->len == 1 && cell->text[0] == ' '))
			last = x + cell->width - 1;
	}
	if (last < x0)
		return;
	sb_fmt(b,
	       "<text x=\"%.1f\" y=\"%d\" textLength=\"%.1f\" lengthAdjust=\"spacingAndGlyphs\" "
	       "fill=\"#%06X\"",
	       px, y * SVG_CELL_H + SVG_BASELINE, (last + 1 - x0) * SVG_CELL_W, (unsigned)fg);
	if (st.attr & CANVAS_BOLD)
		sb_str(b, " font-weight=\"bold\"");
	if (st.attr & CANVAS_ITALIC)
		sb_str(b, " font-style=\"italic\"");
	if (st.attr & CANVAS_UNDERLINE)
		sb_str(b, " text-decoration=\"underline\"");
	if (st.attr & CANVAS_DIM)
		sb_str(b, " fill-opacity=\"0.6\"");
	sb_str(b, ">");
	for (int x = x0; x <= last; x++) {
		const struct canvas_cell *cell = canvas_cell(c, x, y);
		if (cell->width != 0)
			xml_escape(b, cell->text, cell->len);
	}
	sb_str(b, "</text>\n");
}

char *screenshot_svg(const struct canvas *c, enum theme_id id)
{
	struct sbuf b = {0};
	int w = canvas_width(c), h = canvas_height(c);
	double pw = w * SVG_CELL_W;
	int ph = h * SVG_CELL_H;

	sb_str(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	sb_fmt(&b,
	       "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.1f\" "
	       "height=\"%d\" viewBox=\"0 0 %.1f %d\">\n",
	       pw, ph, pw, ph);
	sb_fmt(&b, "<rect width=\"100%%\" height=\"100%%\" fill=\"#%06X\"/>\n",
	       (unsigned)theme_rgb(id, THEME_BACKGROUND));
	sb_fmt(&b,
	       "<g font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" "
	       "font-size=\"%d\" xml:space=\"preserve\">\n",
	       SVG_FONT_SIZE);
	for (int y = 0; y < h; y++) {
		int x0 = 0;
		while (x0 < w) {
			struct canvas_style st = canvas_cell(c, x0, y)->style;
			int x1 = x0 + 1;
			while (x1 < w && canvas_style_equal(canvas_cell(c, x1, y)->style, st))
				x1++;
			svg_run(&b, c, id, y, x0, x1);
			x0 = x1;
		}
	}
	sb_str(&b, "</g>\n</svg>\n");
	return sb_take(&b);
}

static const char style_letters[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
#define STYLE_SLOTS (sizeof(style_letters) - 1)

static void describe_color(struct sbuf *b, struct canvas_color col)
{
	switch (col.kind) {
	case CANVAS_COLOR_ROLE:
		sb_fmt(b, "role:%s", theme_role_name((enum theme_role)col.value));
		break;
	case CANVAS_COLOR_INDEX:
		sb_fmt(b, "index:%u", (unsigned)col.value);
		break;
	case CANVAS_COLOR_RGB:
		sb_fmt(b, "#%06X", (unsigned)col.value);
		break;
	default:
		sb_str(b, "default");
	}
}

static void describe_style(struct sbuf *b, struct canvas_style st)
{
	static const struct {
		unsigned bit;
		const char *name;
	} attrs[] = {{CANVAS_BOLD, "bold"},
	             {CANVAS_DIM, "dim"},
	             {CANVAS_REVERSE, "reverse"},
	             {CANVAS_UNDERLINE, "underline"},
	             {CANVAS_ITALIC, "italic"}};
	sb_str(b, "fg=");
	describe_color(b, st.fg);
	sb_str(b, " bg=");
	describe_color(b, st.bg);
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (st.attr & attrs[i].bit)
			sb_fmt(b, " %s", attrs[i].name);
}

char *screenshot_golden(const struct canvas *c)
{
	struct sbuf b = {0};
	struct canvas_style seen[STYLE_SLOTS];
	size_t nseen = 0;
	struct canvas_style plain = canvas_style_plain();

	sb_str(&b, "# text\n");
	for (int y = 0; y < canvas_height(c); y++)
		text_row(&b, c, y);
	sb_str(&b, "# style\n");
	for (int y = 0; y < canvas_height(c); y++) {
		for (int x = 0; x < canvas_width(c); x++) {
			struct canvas_style st = canvas_cell(c, x, y)->style;
			char letter = '?';
			if (canvas_style_equal(st, plain)) {
				letter = '.';
			} else {
				size_t i = 0;
				while (i < nseen && !canvas_style_equal(seen[i], st))
					i++;
				if (i == nseen && nseen < STYLE_SLOTS)
					seen[nseen++] = st;
				if (i < nseen)
					letter = style_letters[i];
			}
			sb_put(&b, &letter, 1);
		}
		sb_put(&b, "\n", 1);
	}
	sb_str(&b, "# legend\n");
	for (size_t i = 0; i < nseen; i++) {
		sb_put(&b, &style_letters[i], 1);
		sb_put(&b, " ", 1);
		describe_style(&b, seen[i]);
		sb_put(&b, "\n", 1);
	}
	return sb_take(&b);
}
