/* test_canvas.c: the cell grid -- clusters in cells, wide glyph halves,
 * edges and clips, fill and box, copy and row diffs, no allocation per draw. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "../analysis/alloc_count.h"
#include "ui/canvas.h"

#define ZH     "\xE4\xB8\xAD" /* 中 */
#define WEN    "\xE6\x96\x87" /* 文 */
#define GRIN   "\xF0\x9F\x98\x80"
#define ZWJ    "\xE2\x80\x8D"
#define WOMAN  "\xF0\x9F\x91\xA9"
#define LAPTOP "\xF0\x9F\x92\xBB"
#define ACUTE  "\xCC\x81"
#define FFFD   "\xEF\xBF\xBD"

static char row[1024];

/* Row y as text, a wide glyph once, continuation cells skipped; checks the
 * head/continuation invariant on the way. */
static const char *row_text(const struct canvas *c, int y)
{
	size_t n = 0;
	for (int x = 0; x < canvas_width(c); x++) {
		const struct canvas_cell *cell = canvas_cell(c, x, y);
		if (cell->width == 2) {
			assert_true(x + 1 < canvas_width(c));
			assert_int_equal(canvas_cell(c, x + 1, y)->width, 0);
		}
		if (cell->width == 0) {
			assert_true(x > 0);
			assert_int_equal(canvas_cell(c, x - 1, y)->width, 2);
			continue;
		}
		memcpy(row + n, cell->text, cell->len);
		n += cell->len;
	}
	row[n] = '\0';
	return row;
}

static struct canvas_style red(void)
{
	return canvas_style_fg(canvas_rgb(0xFF0000), CANVAS_BOLD);
}

static void test_new_and_ascii(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(8, 2);
	assert_int_equal(canvas_width(c), 8);
	assert_int_equal(canvas_height(c), 2);
	assert_string_equal(row_text(c, 0), "        ");
	assert_int_equal(canvas_put_str(c, 1, 0, "abc", red(), -1), 3);
	assert_string_equal(row_text(c, 0), " abc    ");
	assert_true(canvas_style_equal(canvas_cell(c, 1, 0)->style, red()));
	assert_true(canvas_style_equal(canvas_cell(c, 0, 0)->style, canvas_style_plain()));
	assert_null(canvas_cell(c, 8, 0));
	assert_null(canvas_cell(c, 0, -1));
	/* off the canvas: nothing written, columns still counted */
	assert_int_equal(canvas_put_str(c, 6, 1, "wxyz", red(), -1), 4);
	assert_string_equal(row_text(c, 1), "      wx");
	assert_int_equal(canvas_put_str(c, -2, 1, "pqrs", red(), -1), 4);
	assert_string_equal(row_text(c, 1), "rs    wx");
	assert_int_equal(canvas_put_str(c, 0, 5, "abc", red(), -1), 3);
	assert_int_equal(canvas_put_str(c, 0, 0, "abcdef", red(), 2), 2);
	assert_string_equal(row_text(c, 0), "abbc    ");
	canvas_free(c);
}

static void test_clusters(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(12, 1);
	int n = canvas_put_str(c, 0, 0, ZH "e" ACUTE WOMAN ZWJ LAPTOP "\xFF" ACUTE "!", red(), -1);
	assert_int_equal(n, 2 + 1 + 2 + 1 + 1);
	assert_string_equal(row_text(c, 0), ZH "e" ACUTE WOMAN ZWJ LAPTOP FFFD "!     ");
	assert_int_equal(canvas_cell(c, 0, 0)->width, 2);
	assert_int_equal(canvas_cell(c, 1, 0)->width, 0);
	assert_string_equal(canvas_cell(c, 3, 0)->text, WOMAN ZWJ LAPTOP);
	/* a cluster longer than a cell holds: U+FFFD and a space, still 2 columns */
	const char *family = WOMAN "\xF0\x9F\x8F\xBD" ZWJ WOMAN "\xF0\x9F\x8F\xBD" ZWJ
	                           "\xF0\x9F\x91\xA7" ZWJ "\xF0\x9F\x91\xA6"; /* 33 bytes */
	canvas_clear(c, canvas_style_plain());
	assert_int_equal(canvas_put_str(c, 0, 0, family, red(), -1), 2);
	assert_string_equal(row_text(c, 0), FFFD "           ");
	canvas_free(c);
}

static void test_wide_halves(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(6, 1);
	canvas_put_str(c, 0, 0, ZH WEN GRIN, red(), -1);
	assert_string_equal(row_text(c, 0), ZH WEN GRIN);
	/* over the second half of 中: the first half becomes a space */
	canvas_put_str(c, 1, 0, "x", canvas_style_plain(), -1);
	assert_string_equal(row_text(c, 0), " x" WEN GRIN);
	assert_true(canvas_style_equal(canvas_cell(c, 0, 0)->style, red())); /* kept */
	/* over the first half of 文: the second half becomes a space */
	canvas_put_str(c, 2, 0, "y", canvas_style_plain(), -1);
	assert_string_equal(row_text(c, 0), " xy " GRIN);
	/* a wide glyph straddling two wide glyphs blanks both outer halves */
	canvas_put_str(c, 0, 0, ZH WEN GRIN, red(), -1);
	canvas_put_str(c, 1, 0, GRIN, red(), -1);
	assert_string_equal(row_text(c, 0), " " GRIN " " GRIN);
	/* a wide glyph at the right edge becomes a space */
	canvas_put_str(c, 0, 0, "abcde" ZH, red(), -1);
	assert_string_equal(row_text(c, 0), "abcde ");
	/* and one cut by max_cols too, which counts its one column */
	canvas_clear(c, canvas_style_plain());
	assert_int_equal(canvas_put_str(c, 0, 0, "ab" ZH "c", red(), 3), 3);
	assert_string_equal(row_text(c, 0), "ab    ");
	assert_int_equal(canvas_put_str(c, 0, 0, "ab" ZH "c", red(), 4), 4);
	assert_string_equal(row_text(c, 0), "ab" ZH "  ");
	canvas_free(c);
}

static void test_clip(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(8, 3);
	struct ui_rect old = canvas_clip(c, (struct ui_rect){2, 1, 3, 1});
	assert_int_equal(old.w, 8);
	assert_int_equal(canvas_put_str(c, 0, 1, "0123456", red(), -1), 7);
	canvas_put_str(c, 0, 0, "0123456", red(), -1);
	assert_string_equal(row_text(c, 0), "        ");
	assert_string_equal(row_text(c, 1), "  234   ");
	/* a wide glyph cut by the clip on either side becomes a space inside it */
	canvas_put_str(c, 1, 1, ZH, canvas_style_plain(), -1);
	assert_string_equal(row_text(c, 1), "   34   ");
	canvas_put_str(c, 4, 1, ZH, canvas_style_plain(), -1);
	assert_string_equal(row_text(c, 1), "   3    ");
	canvas_clip(c, old);
	struct ui_rect clip = canvas_get_clip(c);
	assert_int_equal(clip.w, 8);
	assert_int_equal(clip.h, 3);
	/* a clip larger than the canvas is cut to it */
	canvas_clip(c, (struct ui_rect){-5, -5, 100, 100});
	clip = canvas_get_clip(c);
	assert_int_equal(clip.x, 0);
	assert_int_equal(clip.w, 8);
	canvas_free(c);
}

static void test_fill_and_box(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(12, 4);
	canvas_fill(c, (struct ui_rect){1, 1, 3, 2}, "\xE2\x96\x91", red()); /* ░ */
	assert_string_equal(row_text(c, 1), " \xE2\x96\x91\xE2\x96\x91\xE2\x96\x91        ");
	assert_string_equal(row_text(c, 2), " \xE2\x96\x91\xE2\x96\x91\xE2\x96\x91        ");
	canvas_fill(c, (struct ui_rect){0, 3, 5, 1}, ZH, red());
	assert_string_equal(row_text(c, 3), ZH ZH "        ");
	canvas_clear(c, canvas_style_plain());
	canvas_box(c, (struct ui_rect){0, 0, 12, 4}, canvas_style_plain(), "GPU 0", red());
	assert_string_equal(row_text(c, 0), "╭ GPU 0 ───╮");
	assert_string_equal(row_text(c, 1), "│          │");
	assert_string_equal(row_text(c, 3), "╰──────────╯");
	assert_true(canvas_style_equal(canvas_cell(c, 2, 0)->style, red()));
	assert_true(canvas_style_equal(canvas_cell(c, 1, 0)->style, canvas_style_plain()));
	canvas_box(c, (struct ui_rect){0, 0, 12, 4}, canvas_style_plain(), "A much longer title",
	           red());
	assert_string_equal(row_text(c, 0), "╭ A much… ─╮");
	canvas_box(c, (struct ui_rect){0, 0, 12, 4}, canvas_style_plain(), ZH WEN ZH WEN ZH, red());
	assert_string_equal(row_text(c, 0), "╭ " ZH WEN ZH "… ─╮");
	/* too small to draw: untouched */
	canvas_clear(c, canvas_style_plain());
	canvas_box(c, (struct ui_rect){0, 0, 1, 4}, canvas_style_plain(), NULL, red());
	assert_string_equal(row_text(c, 0), "            ");
	canvas_box(c, (struct ui_rect){0, 0, 2, 2}, canvas_style_plain(), "x", red());
	assert_string_equal(row_text(c, 0), "╭╮          ");
	assert_string_equal(row_text(c, 1), "╰╯          ");
	canvas_free(c);
}

static void test_copy_and_diff(void **state)
{
	(void)state;
	struct canvas *a = canvas_new(10, 3), *b = canvas_new(0, 0);
	int x0, x1;
	canvas_put_str(a, 0, 1, "hello " ZH, red(), -1);
	canvas_copy(b, a);
	for (int y = 0; y < 3; y++)
		assert_false(canvas_diff_row(a, b, y, &x0, &x1));
	assert_true(canvas_equal_cell(canvas_cell(a, 6, 1), canvas_cell(b, 6, 1)));
	canvas_put_str(a, 2, 1, "L", red(), -1);
	assert_true(canvas_diff_row(a, b, 1, &x0, &x1));
	assert_int_equal(x0, 2);
	assert_int_equal(x1, 3);
	assert_false(canvas_equal_cell(canvas_cell(a, 2, 1), canvas_cell(b, 2, 1)));
	/* a style change alone is a difference */
	canvas_copy(b, a);
	canvas_put_str(a, 4, 1, "o", canvas_style_plain(), -1);
	assert_true(canvas_diff_row(a, b, 1, &x0, &x1));
	assert_int_equal(x0, 4);
	/* a new wide glyph whose head matches: the span covers both halves */
	canvas_copy(b, a);
	canvas_put_str(a, 7, 1, ZH, red(), -1);
	assert_true(canvas_diff_row(a, b, 1, &x0, &x1));
	assert_int_equal(x0, 6);
	assert_int_equal(x1, 9);
	canvas_copy(b, a);
	canvas_put_str(a, 0, 2, WEN, red(), -1);
	assert_true(canvas_diff_row(a, b, 2, &x0, &x1));
	assert_int_equal(x0, 0);
	assert_int_equal(x1, 2);
	/* another size, or no previous frame: the whole row */
	canvas_resize(b, 9, 3);
	assert_true(canvas_diff_row(a, b, 0, &x0, &x1));
	assert_int_equal(x0, 0);
	assert_int_equal(x1, 10);
	assert_true(canvas_diff_row(a, NULL, 0, &x0, &x1));
	canvas_free(a);
	canvas_free(b);
}

static void test_resize_and_no_alloc(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(20, 10), *prev = canvas_new(20, 10);
	canvas_put_str(c, 0, 0, "x", red(), -1);
	canvas_resize(c, 5, 2);
	assert_int_equal(canvas_width(c), 5);
	assert_string_equal(row_text(c, 0), "     ");
	canvas_resize(c, -3, 4);
	assert_int_equal(canvas_width(c), 0);
	assert_null(canvas_cell(c, 0, 0));
	assert_int_equal(canvas_put_str(c, 0, 0, "abc", red(), -1), 3);
	canvas_fill(c, (struct ui_rect){0, 0, 3, 3}, "x", red());
	canvas_box(c, (struct ui_rect){0, 0, 3, 3}, red(), "t", red());
	size_t before = alloc_calls;
	canvas_resize(c, 20, 10); /* back within what it held */
	for (int frame = 0; frame < 5; frame++) {
		canvas_clear(c, canvas_style_plain());
		canvas_box(c, (struct ui_rect){0, 0, 20, 10}, red(), "title " ZH, red());
		canvas_fill(c, (struct ui_rect){1, 1, 18, 8}, "\xE2\x96\x88", red());
		canvas_put_str(c, 1, 1, "text " GRIN, red(), 10);
		int x0, x1;
		(void)canvas_diff_row(c, prev, 1, &x0, &x1);
		canvas_copy(prev, c);
	}
	assert_int_equal(alloc_calls, before);
	canvas_free(c);
	canvas_free(prev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new_and_ascii),       cmocka_unit_test(test_clusters),
	    cmocka_unit_test(test_wide_halves),         cmocka_unit_test(test_clip),
	    cmocka_unit_test(test_fill_and_box),        cmocka_unit_test(test_copy_and_diff),
	    cmocka_unit_test(test_resize_and_no_alloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
