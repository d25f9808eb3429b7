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
#include "config/config.h"
#include "model/model.h"
#include "ui/screenshot.h"
#include "ui/state.h"
#include "ui/widgets.h"

#define GIB (1024.0 * 1024 * 1024)

static struct config cfg;
static struct model m;
static struct ui_state st;

static void add_proc(unsigned gi, pid_t pid, const char *user, const char *name, const char *cmd,
                     bool ours, double gib)
{
	struct snap_proc *p = snapshot_add_proc(&m.snap);
	p->gpu = gi;
	p->pid = pid;
	p->starttime = 1000u + (uint64_t)pid;
	p->uid = ours ? 1000 : 1001;
	p->flags = PF_USED_VALID | PF_START_VALID | PF_UID_VALID;
	if (ours)
		p->flags |= PF_SAME_USER | PF_NAME_VALID | PF_CMD_VALID;
	p->type = PROC_COMPUTE;
	p->used = (uint64_t)(gib * GIB);
	snprintf(p->user, sizeof(p->user), "%s", user);
	snprintf(p->name, sizeof(p->name), "%s", ours ? name : "");
	snprintf(p->cmd, sizeof(p->cmd), "%s", ours ? cmd : "");
}

/* Two H200s: on GPU 0 a growing training run (the culprit), a vLLM server
 * and a process with a CJK and emoji name; on GPU 1 another user's job. */
static void fill(int tick)
{
	snapshot_reset(&m.snap);
	m.snap.time = 1767268867.0 + tick; /* 2026-01-01 12:01:07 UTC */
	m.snap.driver_valid = true;
	snprintf(m.snap.driver_version, sizeof(m.snap.driver_version), "580.95.05");
	for (unsigned i = 0; i < 2; i++) {
		struct snap_gpu *g = snapshot_add_gpu(&m.snap);
		g->index = i;
		g->valid = GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE | GM_NAME;
		snprintf(g->name, sizeof(g->name), "NVIDIA H200");
		g->mem_total = (uint64_t)(140.4 * GIB);
		g->mem_used = (uint64_t)((i ? 38.2 : 110.0 + tick) * GIB);
		g->mem_free = g->mem_total - g->mem_used;
	}
	add_proc(0, 4242, "ana", "python", "python train.py --bs 64", true, 55.0 + tick);
	add_proc(0, 3131, "ana", "vllm", "vllm serve meta-llama/Llama-3-70B", true, 44.0);
	add_proc(0, 777, "ana", "训练🚀モデル", "训练🚀モデル --epochs 3", true, 2.5);
	add_proc(1, 5120, "bob", "", "", false, 38.2);
	add_proc(1, 88, "ana", "jupyter", "", true, 0.5);
}

static int setup(void **state)
{
	(void)state;
	config_defaults(&cfg);
	model_init(&m, 16);
	for (int t = 0; t <= 6; t++) {
		fill(t);
		model_update(&m, 100.0 + t);
	}
	struct model_gpu *g0 = model_gpu_find(&m, 0), *g1 = model_gpu_find(&m, 1);
	g0->analysed = g1->analysed = true;
	g0->an = (struct pred_output){.phase = PHASE_GROWING,
	                              .rate_mb_s = 212.0,
	                              .has_oom = true,
	                              .low_s = 60,
	                              .high_s = 120,
	                              .confidence = 0.6,
	                              .culprit_pid = 4242,
	                              .culprit_starttime = 1000 + 4242};
	g1->an = (struct pred_output){.phase = PHASE_STABLE};
	static const enum vt_phase ph[] = {PHASE_GROWING, PHASE_STABLE, PHASE_VOLATILE,
	                                   PHASE_SHRINKING, PHASE_STABLE};
	static const double rate[] = {212.0, 0.0, -3.5, -1.2, 0.0};
	static const enum surv_verdict v[] = {SURV_OOM, SURV_OK, SURV_TIGHT, SURV_OK, SURV_OK};
	for (size_t k = 0; k < m.snap.nprocs; k++) {
		struct model_proc *p = m.proc_of_snap[k];
		p->analysed = true;
		p->an.phase = ph[k];
		p->an.rate_mb_s = rate[k];
		p->verdict = v[k];
	}
	memset(&st, 0, sizeof(st));
	st.m = &m;
	st.cfg = &cfg;
	st.now = 1000.0;
	st.speed = 1.0;
	snprintf(st.host, sizeof(st.host), "gpu-node-3");
	st.sort = UI_SORT_MEM;
	ui_rows_build(&st);
	ui_select(&st, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ui_state_free(&st);
	model_free(&m);
	return 0;
}

static void reset_view(void)
{
	st.mode = UI_MAIN;
	st.filter[0] = '\0';
	st.accessible = false;
	st.scroll = 0;
	st.sort = UI_SORT_MEM;
	ui_rows_build(&st);
	ui_select(&st, 0);
}

static void check_golden(const struct canvas *c, const char *name)
{
	char *g = screenshot_golden(c);
	assert_true(golden_check(name, g));
	free(g);
}

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
