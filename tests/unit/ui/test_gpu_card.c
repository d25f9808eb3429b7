/* test_gpu_card.c: the GPU card in its three styles against golden files, and the bar's
 * proportions, ranks, forecast rule and clipping asserted. */
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
#include "core/textwidth.h"
#include "ui/screenshot.h"
#include "ui/theme.h"
#include "ui/widgets.h"

#define GIB  (1024.0 * 1024.0 * 1024.0)
#define G(x) ((uint64_t)((x)*GIB))

struct pspec {
	int pid;
	const char *name, *cmd;
	double gib;
};

struct fx {
	struct model m;
	struct config cfg;
	struct ui_state s;
};

static const struct pspec four[] = {
    {4242, "python", "python train.py --bs 64", 61.2},
    {3131, "vllm", "vllm serve meta-llama/Llama-3-70B", 44.0},
    {7001, "python", "python eval.py", 6.0},
    {7002, "jupyter-lab", "", 3.1},
};

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	model_init(&f->m, 300);
	config_defaults(&f->cfg);
	f->s.m = &f->m;
	f->s.cfg = &f->cfg;
	f->s.theme = THEME_DARK;
	f->s.now = 1000;
}

static void fx_free(struct fx *f)
{
	model_free(&f->m);
}

/* One sample of GPU 0 (140.4 GiB) with n processes; scale multiplies the
 * first process's memory; noproc is added to the used figure. */
static void fx_tick(struct fx *f, const struct pspec *ps, size_t n, double scale, double noproc,
                    enum snap_gpu_state state)
{
	struct snapshot *sn = &f->m.snap;
	snapshot_reset(sn);
	sn->time = 1765000000.0 + (double)f->m.tick;
	struct snap_gpu *g = snapshot_add_gpu(sn);
	g->index = 0;
	g->state = state;
	snprintf(g->name, sizeof(g->name), "NVIDIA H200");
	g->valid = GM_NAME | GM_MEM_TOTAL | GM_MEM_USED | GM_UTIL_GPU | GM_TEMP | GM_POWER;
	if (state == GPU_STATE_LOST) {
		g->valid = GM_NAME;
		snprintf(g->error, sizeof(g->error), "fell off the bus");
	}
	g->mem_total = G(140.4);
	g->util_gpu = 97;
	g->temp_c = 62;
	g->power_mw = 512000;
	uint64_t sum = 0;
	for (size_t i = 0; state == GPU_STATE_OK && i < n; i++) {
		struct snap_proc *p = snapshot_add_proc(sn);
		p->gpu = 0;
		p->pid = ps[i].pid;
		p->starttime = 1000 + (uint64_t)ps[i].pid;
		p->flags = PF_USED_VALID | PF_START_VALID | PF_UID_VALID | PF_SAME_USER |
		           PF_NAME_VALID | (ps[i].cmd[0] ? PF_CMD_VALID : 0);
		p->type = PROC_COMPUTE;
		p->used = G(ps[i].gib * (i == 0 ? scale : 1.0));
		snprintf(p->user, sizeof(p->user), "ana");
		snprintf(p->name, sizeof(p->name), "%s", ps[i].name);
		snprintf(p->cmd, sizeof(p->cmd), "%s", ps[i].cmd);
		sum += p->used;
	}
	g->mem_used = sum + G(noproc);
	model_update(&f->m, (double)f->m.tick);
}

/* 150 ticks: flat with a little noise (stable), or the first process
 * growing from a third of its size (growing, warned). */
static struct model_gpu *fx_history(struct fx *f, const struct pspec *ps, size_t n, bool grow)
{
	for (int k = 0; k < 150; k++) {
		double sc = 1.0 - (k % 7) * 0.004;
		if (grow)
			sc = k < 50 ? 0.33 : 0.33 + 0.67 * (k - 50) / 99.0;
		fx_tick(f, ps, n, sc, 4.6, GPU_STATE_OK);
	}
	struct model_gpu *g = model_gpu_find(&f->m, 0);
	g->analysed = true;
	memset(&g->an, 0, sizeof(g->an));
	if (grow) {
		g->an.phase = PHASE_GROWING;
		g->an.rate_mb_s = 212.0;
		g->an.has_oom = true;
		g->an.low_s = 60;
		g->an.high_s = 110;
		g->an.confidence = 0.6;
		g->an.culprit_pid = 4242;
		g->an.culprit_starttime = 1000 + 4242;
	}
	return g;
}

static void check_golden(const char *name, const struct canvas *c)
{
	char *got = screenshot_golden(c);
	assert_true(golden_check(name, got));
	free(got);
}

static char *card_text(const struct canvas *c)
{
	return screenshot_text(c);
}

static void test_full_stable(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct model_gpu *g = fx_history(&f, four, 4, false);
	struct canvas *c = canvas_new(120, 8);
	ui_draw_gpu_card(c, (struct ui_rect){0, 0, 120, 8}, LAYOUT_CARD_TIMELINE, &f.s, g);
	check_golden("gpu_card_full_stable", c);
	char *t = card_text(c);
	assert_non_null(strstr(t, "GPU 0 · NVIDIA H200"));
	assert_non_null(strstr(t, "▬ stable"));
	assert_non_null(strstr(t, "/ 140.4 GiB"));
	assert_non_null(strstr(t, "util 97 % (device)  62 °C  512 W"));
	assert_null(strstr(t, "OOM"));
	assert_non_null(strstr(t, "░ no process 4.6G"));
	free(t);
	canvas_free(c);
	fx_free(&f);
}

static struct canvas *draw_oom(struct fx *f, bool accessible, int w, int h, enum layout_card st)
{
	fx_init(f);
	f->s.accessible = accessible;
	struct model_gpu *g = fx_history(f, four, 4, true);
	struct canvas *c = canvas_new(w, h);
	ui_draw_gpu_card(c, (struct ui_rect){0, 0, w, h}, st, &f->s, g);
	return c;
}

static void test_full_oom(void **state)
{
	(void)state;
	struct fx f;
	struct canvas *c = draw_oom(&f, false, 120, 8, LAYOUT_CARD_TIMELINE);
	check_golden("gpu_card_full_oom", c);
	char *t = card_text(c);
	assert_non_null(strstr(t, "!!! OOM in ~60–110 s"));
	assert_non_null(strstr(t, "PID 4242 python train.py"));
	assert_non_null(strstr(t, "[■■■□□]"));
	assert_non_null(strstr(t, "▲ growing +212.0 MB/s"));
	assert_non_null(strstr(t, "now"));
	assert_non_null(strstr(t, "╱"));
	free(t);
	/* the alert is bold, never blinking (no attribute but bold) */
	const struct canvas_cell *cell = canvas_cell(c, 2, 3);
	assert_string_equal(cell->text, "!");
	assert_true(canvas_color_equal(cell->style.fg, canvas_role(THEME_ALERT)));
	assert_int_equal(cell->style.attr, CANVAS_BOLD);
	if (getenv("VT_CARD_SVG")) {
		char *svg = screenshot_svg(c, THEME_DARK);
		FILE *out = fopen(getenv("VT_CARD_SVG"), "w");
		assert_non_null(out);
		fputs(svg, out);
		fclose(out);
		free(svg);
	}
	canvas_free(c);
	fx_free(&f);
}

static void test_accessible(void **state)
{
	(void)state;
	struct fx f;
	struct canvas *c = draw_oom(&f, true, 120, 8, LAYOUT_CARD_TIMELINE);
	check_golden("gpu_card_accessible", c);
	char *t = card_text(c);
	assert_non_null(strstr(t, "OOM WARNING in ~60–110 s"));
	assert_non_null(strstr(t, "growing +212.0 MB/s"));
	assert_null(strstr(t, "▲"));
	assert_null(strstr(t, "!!!"));
	assert_non_null(strstr(t, "confidence 60 %"));
	free(t);
	canvas_free(c);
	fx_free(&f);
}

static void test_boxed(void **state)
{
	(void)state;
	struct fx f;
	struct canvas *c = draw_oom(&f, false, 120, 3, LAYOUT_CARD_BOXED);
	check_golden("gpu_card_boxed", c);
	char *t = card_text(c);
	assert_non_null(strstr(t, "!!! OOM in ~60–110 s"));
	assert_non_null(strstr(t, "╰ !!! OOM")); /* in the bottom edge */
	free(t);
	canvas_free(c);
	fx_free(&f);
	c = draw_oom(&f, false, 100, 4, LAYOUT_CARD_BOXED);
	check_golden("gpu_card_boxed4", c);
	canvas_free(c);
	fx_free(&f);
}

static void test_line(void **state)
{
	(void)state;
	struct fx f;
	struct canvas *c = draw_oom(&f, false, 80, 1, LAYOUT_CARD_LINE);
	check_golden("gpu_card_line80", c);
	char *t = card_text(c);
	assert_non_null(strstr(t, "0 H200 █"));
	assert_non_null(strstr(t, "119/140G ▲ +212.0 MB/s  !!! OOM ~60–110 s"));
	free(t);
	canvas_free(c);
	fx_free(&f);
	c = draw_oom(&f, false, 40, 1, LAYOUT_CARD_LINE);
	check_golden("gpu_card_line40", c);
	t = card_text(c);
	assert_non_null(strstr(t, "!!! OOM ~60–110 s"));
	assert_null(strstr(t, "MB/s")); /* the rate went first */
	free(t);
	canvas_free(c);
	fx_free(&f);
}

static void test_lost(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	fx_history(&f, four, 4, true);
	fx_tick(&f, four, 4, 1, 4.6, GPU_STATE_LOST);
	struct model_gpu *g = model_gpu_find(&f.m, 0);
	struct canvas *c = canvas_new(100, 9);
	ui_draw_gpu_card(c, (struct ui_rect){0, 0, 100, 8}, LAYOUT_CARD_TIMELINE, &f.s, g);
	ui_draw_gpu_card(c, (struct ui_rect){0, 8, 100, 1}, LAYOUT_CARD_LINE, &f.s, g);
	check_golden("gpu_card_lost", c);
	char *t = card_text(c);
	assert_non_null(strstr(t, "GPU 0 · NVIDIA H200"));
	assert_non_null(strstr(t, "LOST: fell off the bus"));
	assert_non_null(strstr(t, "0 H200 — LOST: fell off the bus"));
	assert_null(strstr(t, "GiB")); /* no numbers */
	assert_null(strstr(t, "/140G"));
	assert_null(strstr(t, "█"));
	free(t);
	canvas_free(c);
	fx_free(&f);
}

static const struct pspec ten[] = {
    {101, "a", "train a", 30}, {102, "b", "train b", 20}, {103, "c", "", 15}, {104, "d", "", 12},
    {105, "e", "", 10},        {106, "f", "", 8},         {107, "g", "", 6},  {108, "h", "", 4},
    {109, "i", "", 3},         {110, "j", "", 2},
};

static void test_others(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct model_gpu *g = fx_history(&f, ten, 10, false);
	struct canvas *c = canvas_new(120, 8);
	ui_draw_gpu_card(c, (struct ui_rect){0, 0, 120, 8}, LAYOUT_CARD_TIMELINE, &f.s, g);
	check_golden("gpu_card_procs10", c);
	char *t = card_text(c);
	assert_non_null(strstr(t, "3 others 9.0G"));
	assert_non_null(strstr(t, "no process 4.6G"));
	free(t);
	canvas_free(c);
	fx_free(&f);
}

static void test_roles(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	/* the same processes in another order; 105 ties with 104 */
	struct pspec mixed[10];
	for (size_t i = 0; i < 10; i++)
		mixed[i] = ten[(i * 3) % 10];
	mixed[7].gib = 12; /* ten[1] (102, 20 G) becomes a 12 G tie with 104: the lower PID first */
	fx_tick(&f, mixed, 10, 1, 0, GPU_STATE_OK);
	struct model_gpu *g = model_gpu_find(&f.m, 0);
	unsigned want[11] = {0};
	/* by memory: 101 30, 103 15, 102 12, 104 12, 105 10, 106 8, 107 6, then others */
	want[1] = THEME_BAR0, want[3] = THEME_BAR1, want[2] = THEME_BAR2, want[4] = THEME_BAR3;
	want[5] = THEME_BAR4, want[6] = THEME_BAR5, want[7] = THEME_BAR6;
	want[8] = want[9] = want[10] = THEME_BAR7;
	assert_int_equal(g->nrows, 10);
	for (size_t i = 0; i < g->nrows; i++) {
		const struct model_proc *p = g->rows[i];
		assert_int_equal(ui_proc_bar_role(g, p), want[p->pid - 100]);
	}
	/* eight distinct glyphs for bar0..bar7, others and no process apart */
	for (unsigned a = THEME_BAR0; a <= THEME_BAR_NOPROC; a++)
		for (unsigned b = a + 1; b <= THEME_BAR_FREE; b++)
			assert_string_not_equal(ui_proc_bar_glyph(a), ui_proc_bar_glyph(b));
	fx_free(&f);
}

/* Cells of row y in [x0, x1) drawn in role's colour with its glyph. */
static int count_role(const struct canvas *c, int y, int x0, int x1, unsigned role)
{
	int n = 0;
	for (int x = x0; x < x1; x++) {
		const struct canvas_cell *cell = canvas_cell(c, x, y);
		if (canvas_color_equal(cell->style.fg, canvas_role(role)) &&
		    strcmp(cell->text, ui_proc_bar_glyph(role)) == 0)
			n++;
	}
	return n;
}

static void test_bar_proportions(void **state)
{
	(void)state;
	unsigned seed = 7;
	for (int round = 0; round < 60; round++) {
		struct fx f;
		fx_init(&f);
		struct pspec ps[10];
		memcpy(ps, ten, sizeof(ps));
		size_t n = 1 + round % 10;
		double sum = 0;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			ps[i].gib = (seed >> 8) % 1300 / 100.0;
			sum += ps[i].gib;
		}
		double noproc = round % 3 ? 2.5 : 0;
		fx_tick(&f, ps, n, 1, noproc, GPU_STATE_OK);
		struct model_gpu *g = model_gpu_find(&f.m, 0);
		int w = 40 + round * 3;
		struct canvas *c = canvas_new(w, 3);
		ui_draw_gpu_card(c, (struct ui_rect){0, 0, w, 3}, LAYOUT_CARD_BOXED, &f.s, g);
		char num[48];
		snprintf(num, sizeof(num), "%.1f / 140.4 GiB", (sum + noproc) * 1.0);
		int bw = w - 4 - (int)vt_text_width_str(num) - 2;
		double total = (double)G(140.4);
		int cells = 0;
		for (size_t i = 0; i < g->nrows; i++) {
			const struct model_proc *p = g->rows[i];
			unsigned role = ui_proc_bar_role(g, p);
			if (role == THEME_BAR7)
				continue;
			int got = count_role(c, 1, 2, 2 + bw, role);
			double want = (double)p->used * bw / total;
			assert_true(got >= want - 1 && got <= want + 1);
			cells += got;
		}
		cells += count_role(c, 1, 2, 2 + bw, THEME_BAR7);
		cells += count_role(c, 1, 2, 2 + bw, THEME_BAR_NOPROC);
		double want = (double)G(sum + noproc) * bw / total;
		assert_true(cells >= want - 1 && cells <= want + 1);
		assert_true(cells <= bw);
		/* the used / total figure is intact right of the bar */
		const struct canvas_cell *cell = canvas_cell(c, 2 + bw + 2, 1);
		assert_true(cell->text[0] >= '0' && cell->text[0] <= '9');
		canvas_free(c);
		fx_free(&f);
	}
}

static int count_forecast(const struct canvas *c)
{
	int n = 0;
	for (int y = 0; y < canvas_height(c); y++)
		for (int x = 0; x < canvas_width(c); x++)
			if (canvas_color_equal(canvas_cell(c, x, y)->style.fg,
			                       canvas_role(THEME_FORECAST)))
				n++;
	return n;
}

static void test_forecast_rule(void **state)
{
	(void)state;
	for (int k = 0; k < 6; k++) {
		struct fx f;
		fx_init(&f);
		struct model_gpu *g = fx_history(&f, four, 4, true);
		bool stands = true;
		switch (k) {
		case 1:
			g->an.confidence = f.cfg.oom_min_confidence - 0.01;
			stands = false;
			break;
		case 2:
			g->an.high_s = f.cfg.oom_warning_seconds + 1;
			stands = false;
			break;
		case 3:
			g->an.has_oom = false;
			stands = false;
			break;
		case 4:
			g->analysed = false;
			stands = false;
			break;
		case 5:
			f.cfg.oom_warning_seconds = 110; /* the edge still counts */
			break;
		default:
			break;
		}
		assert_int_equal(ui_oom_warning(&f.s, g), stands);
		struct canvas *c = canvas_new(120, 8);
		ui_draw_gpu_card(c, (struct ui_rect){0, 0, 120, 8}, LAYOUT_CARD_TIMELINE, &f.s, g);
		if (stands)
			assert_true(count_forecast(c) > 10);
		else
			assert_int_equal(count_forecast(c), 0);
		char *t = card_text(c);
		assert_int_equal(strstr(t, "OOM") != NULL, stands);
		free(t);
		canvas_free(c);
		fx_free(&f);
	}
}

/* Every cell outside r keeps the sentinel. */
static void check_outside(const struct canvas *c, struct ui_rect r)
{
	for (int y = 0; y < canvas_height(c); y++)
		for (int x = 0; x < canvas_width(c); x++)
			if (!ui_rect_contains(r, x, y))
				assert_string_equal(canvas_cell(c, x, y)->text, "x");
}

static void test_clipping(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct model_gpu *g = fx_history(&f, four, 4, true);
	static const struct ui_rect rects[] = {
	    {5, 5, 1, 1},    {5, 5, 0, 3},   {5, 5, 3, 0},  {5, 5, -4, 2},
	    {-3, -2, 10, 4}, {25, 7, 30, 8}, {2, 2, 21, 4}, {2, 2, 20, 3},
	    {0, 0, 19, 8},   {1, 1, 2, 2},   {3, 3, 12, 1}, {1, 4, 28, 5},
	};
	static const enum layout_card styles[] = {LAYOUT_CARD_NONE, LAYOUT_CARD_TIMELINE,
	                                          LAYOUT_CARD_BOXED, LAYOUT_CARD_LINE};
	struct canvas *c = canvas_new(30, 10);
	for (size_t i = 0; i < sizeof(rects) / sizeof(rects[0]); i++)
		for (size_t k = 0; k < 4; k++)
			for (int lost = 0; lost < 2; lost++) {
				canvas_clear(c, canvas_style_plain());
				canvas_fill(c, (struct ui_rect){0, 0, 30, 10}, "x",
				            canvas_style_plain());
				if (lost)
					g->mem_ok = false;
				ui_draw_gpu_card(c, rects[i], styles[k], &f.s, g);
				g->mem_ok = true;
				check_outside(c, rects[i]);
			}
	/* a clip set by the caller is kept and restored */
	canvas_fill(c, (struct ui_rect){0, 0, 30, 10}, "x", canvas_style_plain());
	struct ui_rect inner = {0, 0, 10, 3};
	canvas_clip(c, inner);
	ui_draw_gpu_card(c, (struct ui_rect){0, 0, 30, 8}, LAYOUT_CARD_TIMELINE, &f.s, g);
	struct ui_rect after = canvas_get_clip(c);
	assert_memory_equal(&after, &inner, sizeof(inner));
	check_outside(c, inner);
	canvas_free(c);
	fx_free(&f);
}

/* A line card of any width fits it; the warning outlasts the rate. */
static void test_line_widths(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct model_gpu *g = fx_history(&f, four, 4, true);
	struct canvas *c = canvas_new(130, 1);
	for (int w = 1; w <= 120; w++) {
		canvas_fill(c, (struct ui_rect){0, 0, 130, 1}, "x", canvas_style_plain());
		ui_draw_gpu_card(c, (struct ui_rect){0, 0, w, 1}, LAYOUT_CARD_LINE, &f.s, g);
		check_outside(c, (struct ui_rect){0, 0, w, 1});
		char *t = card_text(c);
		if (w >= 34)
			assert_non_null(strstr(t, "!!! OOM ~60–110 s"));
		if (strstr(t, "MB/s"))
			assert_non_null(strstr(t, "!!! OOM"));
		free(t);
	}
	canvas_free(c);
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_stable),
	    cmocka_unit_test(test_full_oom),
	    cmocka_unit_test(test_accessible),
	    cmocka_unit_test(test_boxed),
	    cmocka_unit_test(test_line),
	    cmocka_unit_test(test_lost),
	    cmocka_unit_test(test_others),
	    cmocka_unit_test(test_roles),
	    cmocka_unit_test(test_bar_proportions),
	    cmocka_unit_test(test_forecast_rule),
	    cmocka_unit_test(test_clipping),
	    cmocka_unit_test(test_line_widths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
