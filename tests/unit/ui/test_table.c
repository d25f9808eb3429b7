/* test_table.c: the process table in every layout, against golden files, and
 * its geometry: clicks on headings, visible rows, scrolling, clipping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "ui_world.h"
#include "config/config.h"
#include "model/model.h"
#include "ui/screenshot.h"
#include "ui/state.h"
#include "ui/widgets.h"

/* The table, header, notices and footer of a cols x rows screen. */
static void draw_screen(struct canvas *c, int cols, int rows)
{
	struct layout l = layout_compute(cols, rows, 2, LAYOUT_AUTO);
	canvas_resize(c, cols, rows);
	ui_draw_header(c, l.header, &st);
	ui_draw_table(c, l.table, l.kind, &st);
	ui_draw_notices(c, l.notices, &st);
	ui_draw_footer(c, l.footer, &st);
}

static void test_layouts(void **state)
{
	(void)state;
	reset_view();
	ui_notice(&st, "running in a PID namespace: PIDs are the host's");
	struct canvas *c = canvas_new(1, 1);
	draw_screen(c, 200, 50);
	check_golden(c, "table_full");
	/* VT_UI_SVG=FILE: the FULL picture as SVG, to look at */
	const char *svg_path = getenv("VT_UI_SVG");
	if (svg_path) {
		struct canvas *v = canvas_new(130, 10);
		ui_draw_header(v, (struct ui_rect){0, 0, 130, 1}, &st);
		ui_draw_table(v, (struct ui_rect){0, 1, 130, 7}, LAYOUT_FULL, &st);
		ui_draw_notices(v, (struct ui_rect){0, 8, 130, 1}, &st);
		ui_draw_footer(v, (struct ui_rect){0, 9, 130, 1}, &st);
		char *svg = screenshot_svg(v, THEME_DARK);
		canvas_free(v);
		FILE *f = fopen(svg_path, "w");
		assert_non_null(f);
		fputs(svg, f);
		fclose(f);
		free(svg);
	}
	draw_screen(c, 100, 25);
	check_golden(c, "table_compact");
	draw_screen(c, 50, 12);
	check_golden(c, "table_mini");
	st.nnotices = 0;
	canvas_free(c);
}

/* Whole frames (ui_draw_frame: cards, timeline, forecast, table, notices,
 * footer) in the four layouts, --accessible, and with each overlay open. */
static void test_frames(void **state)
{
	(void)state;
	static const struct {
		int cols, rows;
		const char *name;
	} sizes[] = {{160, 45, "frame_full"},
	             {100, 26, "frame_compact"},
	             {60, 12, "frame_mini"},
	             {30, 8, "frame_too_small"}};
	struct canvas *c = canvas_new(1, 1);
	reset_view();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		canvas_resize(c, sizes[i].cols, sizes[i].rows);
		ui_draw_frame(c, &st);
		check_golden(c, sizes[i].name);
	}
	canvas_resize(c, 160, 45);
	st.accessible = true;
	ui_draw_frame(c, &st);
	check_golden(c, "frame_full_accessible");
	st.accessible = false;
	st.mode = UI_DETAIL;
	ui_draw_frame(c, &st);
	check_golden(c, "frame_full_detail");
	st.mode = UI_HELP;
	canvas_resize(c, 100, 26);
	ui_draw_frame(c, &st);
	check_golden(c, "frame_compact_help");
	reset_view();
	canvas_free(c);
}

/* The row whose text contains needle, or -1. */
static int row_with(const struct canvas *c, const char *needle)
{
	char *t = screenshot_text(c);
	int y = 0;
	for (const char *l = t; *l; y++) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);
		char line[2048];
		snprintf(line, sizeof(line), "%.*s", (int)n, l);
		if (strstr(line, needle)) {
			free(t);
			return y;
		}
		l += n + (e ? 1 : 0);
	}
	free(t);
	return -1;
}

/* The column where needle starts on row y (ASCII needle), or -1. */
static int col_of(const struct canvas *c, int y, const char *needle)
{
	size_t n = strlen(needle);
	for (int x = 0; x + (int)n <= canvas_width(c); x++) {
		size_t i = 0;
		while (i < n &&
		       strcmp(canvas_cell(c, x + (int)i, y)->text, (char[2]){needle[i], '\0'}) == 0)
			i++;
		if (i == n)
			return x;
	}
	return -1;
}

static void test_selected_and_culprit(void **state)
{
	(void)state;
	reset_view();
	struct canvas *c = canvas_new(120, 8);
	struct ui_rect r = {0, 0, 120, 8};
	ui_select(&st, 2);
	ui_draw_table(c, r, LAYOUT_FULL, &st);
	check_golden(c, "table_selected");
	/* the selected row carries the marker and the selection background
	 * across the row; no other row does */
	for (int y = 1; y < 8; y++) {
		bool sel = (size_t)(y - 1) == st.sel;
		assert_int_equal(strcmp(canvas_cell(c, 0, y)->text, "▶") == 0, sel);
		const struct canvas_cell *cell = canvas_cell(c, 60, y);
		assert_int_equal(canvas_color_equal(cell->style.bg, canvas_role(THEME_SELECTION)),
		                 sel);
	}
	/* the culprit's verdict is OOM in the alert colour, bold */
	int y = row_with(c, "4242");
	assert_true(y > 0);
	assert_true(st.rows[y - 1].culprit);
	int hx = col_of(c, 0, "VERDICT");
	assert_true(hx > 0);
	const struct canvas_cell *v = canvas_cell(c, hx, y);
	assert_string_equal(v->text, "O");
	assert_true(canvas_color_equal(v->style.fg, canvas_role(THEME_ALERT)));
	assert_true(v->style.attr & CANVAS_BOLD);
	/* another user's row: user shown, "[other user]", no name */
	assert_true(row_with(c, "bob") > 0);
	assert_int_equal(row_with(c, "bob"), row_with(c, "[other user]"));
	canvas_free(c);
}

static void test_filter(void **state)
{
	(void)state;
	reset_view();
	struct canvas *c = canvas_new(100, 8);
	struct ui_rect r = {0, 0, 100, 8};
	st.mode = UI_FILTER;
	snprintf(st.filter, sizeof(st.filter), "py");
	ui_rows_build(&st);
	ui_draw_table(c, r, LAYOUT_COMPACT, &st);
	check_golden(c, "table_filter_prompt");
	assert_int_equal(row_with(c, "/py_"), 7);
	st.mode = UI_MAIN;
	canvas_resize(c, 100, 8);
	ui_draw_table(c, r, LAYOUT_COMPACT, &st);
	check_golden(c, "table_filter_set");
	assert_int_equal(row_with(c, "filter: py  (2 of 5)"), 7);
	snprintf(st.filter, sizeof(st.filter), "nothing-matches");
	ui_rows_build(&st);
	canvas_resize(c, 100, 8);
	ui_draw_table(c, r, LAYOUT_COMPACT, &st);
	assert_int_equal(row_with(c, "no process matches the filter"), 1);
	canvas_free(c);
}

static void test_accessible(void **state)
{
	(void)state;
	reset_view();
	st.accessible = true;
	struct canvas *c = canvas_new(120, 7);
	ui_draw_table(c, (struct ui_rect){0, 0, 120, 7}, LAYOUT_FULL, &st);
	check_golden(c, "table_accessible");
	char *t = screenshot_text(c);
	assert_null(strstr(t, "▶"));
	assert_null(strstr(t, "▲"));
	assert_null(strstr(t, "▼"));
	assert_non_null(strstr(t, "growing"));
	assert_non_null(strstr(t, "USED*"));
	assert_int_equal(strncmp(t + strcspn(t, "\n") + 1, ">", 1), 0);
	free(t);
	canvas_free(c);
}

/* A click on any cell of a sortable heading picks that heading's sort. */
static void test_header_hit(void **state)
{
	(void)state;
	reset_view();
	static const struct {
		const char *head;
		int sort;
	} heads[] = {{"PID", UI_SORT_PID},
	             {"USED", UI_SORT_MEM},
	             {"MB/s", UI_SORT_RATE},
	             {"VERDICT", UI_SORT_OOM},
	             {"COMMAND", UI_SORT_NAME},
	             {"USER", -1},
	             {"SHARE", -1},
	             {"PHASE", -1}};
	static const enum layout_kind kinds[] = {LAYOUT_FULL, LAYOUT_COMPACT, LAYOUT_MINI};
	struct canvas *c = canvas_new(1, 1);
	for (size_t k = 0; k < 3; k++) {
		struct ui_rect r = {3, 2, kinds[k] == LAYOUT_MINI ? 45 : 140, 6};
		canvas_resize(c, 150, 9);
		/* sort by something no heading is being asked about, so no
		 * marker shifts a right-aligned heading */
		st.sort = UI_SORT_COUNT;
		ui_draw_table(c, r, kinds[k], &st);
		int found = 0;
		for (size_t h = 0; h < sizeof(heads) / sizeof(heads[0]); h++) {
			int x = col_of(c, r.y, heads[h].head);
			if (x < 0)
				continue;
			found++;
			for (int i = 0; i < (int)strlen(heads[h].head); i++)
				assert_int_equal(ui_table_header_hit(r, kinds[k], x + i),
				                 heads[h].sort);
		}
		assert_true(found >= (kinds[k] == LAYOUT_MINI ? 4 : 6));
		assert_int_equal(ui_table_header_hit(r, kinds[k], r.x - 1), -1);
		assert_int_equal(ui_table_header_hit(r, kinds[k], r.x + r.w), -1);
		assert_int_equal(ui_table_header_hit(r, kinds[k], r.x), -1); /* the marker */
	}
	assert_int_equal(ui_table_header_hit((struct ui_rect){0, 0, 80, 5}, LAYOUT_TOO_SMALL, 5),
	                 -1);
	st.sort = UI_SORT_MEM;
	canvas_free(c);
}

static void test_visible_rows_and_scroll(void **state)
{
	(void)state;
	reset_view();
	assert_int_equal(ui_table_visible_rows((struct ui_rect){0, 0, 80, 5}), 4);
	assert_int_equal(ui_table_visible_rows((struct ui_rect){0, 0, 80, 1}), 0);
	assert_int_equal(ui_table_visible_rows((struct ui_rect){0, 0, 80, 0}), 0);
	/* 2 visible rows, scrolled to the 4th and 5th: the marker is on the
	 * selected process's row */
	struct canvas *c = canvas_new(100, 3);
	struct ui_rect r = {0, 0, 100, 3};
	st.scroll = 3;
	ui_select(&st, 4);
	ui_draw_table(c, r, LAYOUT_COMPACT, &st);
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)st.rows[4].p->pid);
	assert_int_equal(row_with(c, pid), 2);
	assert_string_equal(canvas_cell(c, 0, 2)->text, "▶");
	assert_string_equal(canvas_cell(c, 0, 1)->text, " ");
	/* a filter line on the last row pushes the view so the selection shows */
	st.mode = UI_FILTER;
	canvas_resize(c, 100, 3);
	ui_draw_table(c, r, LAYOUT_COMPACT, &st);
	assert_int_equal(row_with(c, pid), 1);
	assert_string_equal(canvas_cell(c, 0, 1)->text, "▶");
	canvas_free(c);
}

/* Nothing is written outside the table's rectangle. */
static void test_stays_inside(void **state)
{
	(void)state;
	reset_view();
	static const enum layout_kind kinds[] = {LAYOUT_FULL, LAYOUT_COMPACT, LAYOUT_MINI};
	struct canvas *c = canvas_new(1, 1);
	for (size_t k = 0; k < 3; k++) {
		for (int mode = 0; mode < 2; mode++) {
			canvas_resize(c, 90, 12);
			struct canvas_style mark = canvas_style_fg(canvas_role(THEME_BADGE), 0);
			canvas_fill(c, (struct ui_rect){0, 0, 90, 12}, "x", mark);
			struct ui_rect r = {5, 3, 60, 6};
			st.mode = mode ? UI_FILTER : UI_MAIN;
			ui_draw_table(c, r, kinds[k], &st);
			for (int y = 0; y < 12; y++)
				for (int x = 0; x < 90; x++)
					if (!ui_rect_contains(r, x, y)) {
						const struct canvas_cell *cell =
						    canvas_cell(c, x, y);
						assert_string_equal(cell->text, "x");
						assert_true(canvas_style_equal(cell->style, mark));
					}
		}
	}
	st.mode = UI_MAIN;
	canvas_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layouts),      cmocka_unit_test(test_selected_and_culprit),
	    cmocka_unit_test(test_filter),       cmocka_unit_test(test_accessible),
	    cmocka_unit_test(test_header_hit),   cmocka_unit_test(test_visible_rows_and_scroll),
	    cmocka_unit_test(test_stays_inside), cmocka_unit_test(test_frames),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
