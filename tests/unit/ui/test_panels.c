/* test_panels.c: the header, notices, footer and overlays (detail, help,
 * kill dialogs, too small) against golden files; help drawn from the key
 * table; the key table without conflicts; no widget writes outside its rect. */
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
#include "../analysis/alloc_count.h"
#include "config/config.h"
#include "model/model.h"
#include "ui/keys.h"
#include "ui/screenshot.h"
#include "ui/state.h"
#include "ui/widgets.h"

static bool has_text(const struct canvas *c, const char *needle)
{
	char *t = screenshot_text(c);
	bool found = strstr(t, needle) != NULL;
	free(t);
	return found;
}

static void test_header(void **state)
{
	(void)state;
	reset_view();
	struct canvas *c = canvas_new(120, 1);
	struct ui_rect r = {0, 0, 120, 1};
	ui_draw_header(c, r, &st);
	check_golden(c, "panel_header");
	assert_true(has_text(c, " vramtop 0.1.0  gpu-node-3  driver 580.95.05  2 GPUs  every 1 s"));
	assert_string_equal(canvas_cell(c, 119, 0)->text, "t"); /* "q quit" at the right */
	st.replay = true;
	st.speed = 10;
	st.trace_first = m.snap.time - 83;
	st.trace_last = m.snap.time - 83 + 300;
	canvas_resize(c, 120, 1);
	ui_draw_header(c, r, &st);
	check_golden(c, "panel_header_replay");
	assert_true(has_text(c, "REPLAY 10×"));
	assert_true(has_text(c, "12:01:13 UTC"));
	assert_true(has_text(c, "1:23 / 5:00"));
	st.paused = true;
	canvas_resize(c, 120, 1);
	ui_draw_header(c, r, &st);
	check_golden(c, "panel_header_paused");
	assert_true(has_text(c, "PAUSED"));
	assert_false(has_text(c, "REPLAY"));
	st.replay = st.paused = false;
	canvas_free(c);
}

static void test_notices(void **state)
{
	(void)state;
	reset_view();
	struct canvas *c = canvas_new(120, 1);
	ui_notice(&st, "config reloaded: refresh_rate 1 → 2 s");
	ui_notice(&st, "GPU 1 lost: fell off the bus");
	snprintf(st.status, sizeof(st.status), "SIGTERM sent to 4242");
	ui_draw_notices(c, (struct ui_rect){0, 0, 120, 1}, &st);
	check_golden(c, "panel_notices");
	/* newest first, after the status */
	assert_true(has_text(c, "SIGTERM sent to 4242 · GPU 1 lost: fell off the bus · config"));
	st.nnotices = 0;
	st.status[0] = '\0';
	canvas_free(c);
}

/* A notice that repeats the newest is counted, not shown twice; an older
 * one repeated is news again. */
static void test_notice_repeats(void **state)
{
	(void)state;
	reset_view();
	struct canvas *c = canvas_new(120, 1);
	ui_notice(&st, "GPU 1 lost: fell off the bus");
	ui_notice(&st, "PID 907 had an allocation refused");
	ui_notice(&st, "PID 907 had an allocation refused");
	ui_notice(&st, "PID 907 had an allocation refused");
	assert_int_equal(st.nnotices, 2);
	assert_int_equal(st.repeats[0], 3);
	ui_draw_notices(c, (struct ui_rect){0, 0, 120, 1}, &st);
	assert_true(has_text(c, "PID 907 had an allocation refused (×3) · GPU 1 lost"));
	/* cut to fit, the count stays */
	canvas_free(c);
	c = canvas_new(30, 1);
	ui_draw_notices(c, (struct ui_rect){0, 0, 30, 1}, &st);
	assert_true(has_text(c, "…"));
	assert_true(has_text(c, "(×3)"));
	ui_notice(&st, "GPU 1 lost: fell off the bus");
	assert_int_equal(st.nnotices, 3);
	assert_int_equal(st.repeats[0], 1);
	st.nnotices = 0;
	canvas_free(c);
}

static void test_footer(void **state)
{
	(void)state;
	reset_view();
	struct canvas *c = canvas_new(130, 1);
	struct ui_rect r = {0, 0, 130, 1};
	cfg.enable_kill = true;
	ui_draw_footer(c, r, &st);
	check_golden(c, "panel_footer");
	assert_true(has_text(c, "  ↑↓ select  ⏎ details  / filter  < > sort  k kill  t theme  "
	                        "s screenshot  ? help  q quit"));
	cfg.enable_kill = false;
	canvas_resize(c, 130, 1);
	ui_draw_footer(c, r, &st);
	assert_false(has_text(c, "kill"));
	cfg.enable_kill = true;
	st.replay = true;
	canvas_resize(c, 130, 1);
	ui_draw_footer(c, r, &st);
	check_golden(c, "panel_footer_replay");
	assert_true(
	    has_text(c, "< > sort  space pause  +/- speed  ←→ seek  n/N next/prev  k kill"));
	/* help and quit keep their place at the end when the rest is cut */
	assert_true(has_text(c, "? help  q quit\n"));
	st.paused = true;
	canvas_resize(c, 130, 1);
	ui_draw_footer(c, r, &st);
	assert_true(has_text(c, "space resume  +/- speed"));
	st.paused = false;
	st.mode = UI_KILL_CONFIRM;
	canvas_resize(c, 130, 1);
	ui_draw_footer(c, r, &st);
	assert_true(has_text(c, "y yes  n no  Esc cancel"));
	st.replay = false;
	st.mode = UI_MAIN;
	canvas_free(c);
}

static void test_detail(void **state)
{
	(void)state;
	reset_view();
	struct canvas *c = canvas_new(110, 14);
	st.mode = UI_DETAIL;
	ui_draw_detail(c, (struct ui_rect){0, 0, 110, 14}, &st);
	check_golden(c, "panel_detail");
	assert_true(has_text(c, "PID 4242 · python train.py --bs 64"));
	assert_true(has_text(c, "─ Esc ╮"));
	assert_true(has_text(c, "user ana · seen for 6 s · compute · GPU 0"));
	assert_true(has_text(
	    c, "verdict OOM in ~60–120 s: growing, and the GPU's free memory runs out first"));
	assert_true(has_text(c, "breakdown (estimate): —"));
	assert_true(has_text(c, "framework —"));
	assert_true(has_text(c, "deep mode —"));
	assert_true(has_text(c, "▁")); /* its own history, growing */
	assert_true(has_text(c, "█"));
	st.mode = UI_MAIN;
	canvas_free(c);
}

/* Deep mode's figures for the selected process: allocated of reserved, the
 * allocator's slack, NVML's figure beyond reserved, retries and OOMs; the
 * "deep mode —" placeholder gives way to them. */
static void test_detail_deep(void **state)
{
	(void)state;
	reset_view();
	st.mode = UI_DETAIL;
	const struct ui_row *row = ui_selected(&st);
	assert_non_null(row);
	struct snap_proc *sp = &m.snap.procs[row->p->snap_idx];
	sp->flags |= PF_DEEP_VALID;
	sp->deep = (struct snap_deep){.allocated = (uint64_t)(40 * GIB),
	                              .reserved = (uint64_t)(58 * GIB),
	                              .active = (uint64_t)(40 * GIB),
	                              .peak_allocated = (uint64_t)(50 * GIB),
	                              .alloc_retries = 3,
	                              .ooms = 0};
	struct canvas *c = canvas_new(110, 14);
	ui_draw_detail(c, (struct ui_rect){0, 0, 110, 14}, &st);
	check_golden(c, "panel_detail_deep");
	/* 61 GiB used by NVML: 3 GiB beyond the allocator's 58 */
	assert_true(has_text(c, "deep allocated 40.0 GiB of reserved 58.0 GiB · slack 18.0 GiB · "
	                        "outside PyTorch 3.0 GiB"));
	assert_true(has_text(c, "peak allocated 50.0 GiB · allocator retries 3 · OOMs 0"));
	assert_false(has_text(c, "deep mode —"));
	assert_true(has_text(c, "server —"));
	sp->flags &= ~(uint32_t)PF_DEEP_VALID;
	st.mode = UI_MAIN;
	canvas_free(c);
}

/* What enrichment learnt shows in the detail panel and as the table's
 * badge; the weights of the breakdown come from the model files. */
static void test_detail_enriched(void **state)
{
	(void)state;
	reset_view();
	struct model_proc *vllm = NULL;
	for (size_t k = 0; k < m.snap.nprocs; k++)
		if (m.proc_of_snap[k]->pid == 3131)
			vllm = m.proc_of_snap[k];
	assert_non_null(vllm);
	struct enrich_facts *f = &vllm->id->enr;
	f->fw = FW_VLLM;
	snprintf(f->ct.runtime, sizeof(f->ct.runtime), "docker");
	snprintf(f->ct.id, sizeof(f->ct.id), "%s",
	         "3f1c0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab");
	f->nfiles = 1;
	snprintf(f->files[0].path, sizeof(f->files[0].path), "/models/llama3/model.safetensors");
	f->files[0].bytes = (uint64_t)(30 * GIB);
	for (size_t i = 0; i < st.nrows; i++)
		if (st.rows[i].p == vllm)
			ui_select(&st, i);

	struct canvas *c = canvas_new(110, 14);
	st.mode = UI_DETAIL;
	ui_draw_detail(c, (struct ui_rect){0, 0, 110, 14}, &st);
	assert_true(
	    has_text(c, "framework vllm   container docker 3f1c01234567   model files 1 ("));
	assert_true(has_text(c, "files /models/llama3/model.safetensors ("));
	assert_true(has_text(c, "breakdown (estimate): weights 30"));
	assert_true(has_text(c, "server —"));
	assert_false(has_text(c, "inside"));
	/* seen from the host, a process in its container's PID namespace: its
	 * PID in there beside the container; alone when no container is known */
	f->ns_pid = 7;
	ui_draw_detail(c, (struct ui_rect){0, 0, 110, 14}, &st);
	assert_true(has_text(c, "container docker 3f1c01234567 · PID 7 inside   model files"));
	f->ct.runtime[0] = '\0';
	ui_draw_detail(c, (struct ui_rect){0, 0, 110, 14}, &st);
	assert_true(has_text(c, "container PID 7 inside   model files"));
	snprintf(f->ct.runtime, sizeof(f->ct.runtime), "docker");
	f->ns_pid = 0;
	/* a server's figures, and a failed scrape */
	f->scrape = (struct scrape_result){.valid = true,
	                                   .fw = FW_VLLM,
	                                   .port = 8000,
	                                   .has_kv = true,
	                                   .kv_usage = 0.83,
	                                   .has_running = true,
	                                   .running = 12};
	ui_draw_detail(c, (struct ui_rect){0, 0, 110, 14}, &st);
	assert_true(has_text(c, "server :8000 KV cache 83 % · 12 running"));
	snprintf(f->scrape.error, sizeof(f->scrape.error), "redirect refused (HTTP 302)");
	ui_draw_detail(c, (struct ui_rect){0, 0, 110, 14}, &st);
	assert_true(has_text(c, "server metrics unavailable"));
	st.mode = UI_MAIN;
	canvas_free(c);

	c = canvas_new(120, 10);
	ui_draw_table(c, (struct ui_rect){0, 0, 120, 10}, LAYOUT_FULL, &st);
	assert_true(has_text(c, "ok        [vllm docker] vllm serve meta-lla…"));
	assert_false(has_text(c, "[pytorch")); /* nothing learnt: no badge */
	canvas_free(c);
	memset(f, 0, sizeof(*f));
}

static void test_help(void **state)
{
	(void)state;
	reset_view();
	struct canvas *c = canvas_new(120, 40);
	ui_draw_help(c, (struct ui_rect){0, 0, 120, 40}, &st);
	check_golden(c, "panel_help_120x40");
	/* every key with help text is listed, label and help, whole */
	size_t n;
	const struct ui_key *k = ui_keys(&n);
	size_t listed = 0;
	for (size_t i = 0; i < n; i++) {
		if (!k[i].help)
			continue;
		assert_true(has_text(c, k[i].label));
		assert_true(has_text(c, k[i].help));
		listed++;
	}
	assert_true(listed >= 30);
	canvas_resize(c, 80, 20);
	ui_draw_help(c, (struct ui_rect){0, 0, 80, 20}, &st);
	check_golden(c, "panel_help_80x20");
	/* small: still a box inside the screen, every label shown */
	for (size_t i = 0; i < n; i++)
		if (k[i].help)
			assert_true(has_text(c, k[i].label));
	canvas_free(c);
}

static void test_kill(void **state)
{
	(void)state;
	reset_view();
	struct canvas *c = canvas_new(90, 9);
	struct ui_rect r = {0, 0, 90, 9};
	st.mode = UI_KILL_CONFIRM;
	st.kill.id = (struct ui_ident){true, 0, 4242, 1000 + 4242};
	snprintf(st.kill.name, sizeof(st.kill.name), "python train.py --bs 64");
	snprintf(st.kill.user, sizeof(st.kill.user), "ana");
	st.kill.used = (uint64_t)(61.2 * GIB);
	st.kill.age_s = 2 * 3600 + 14 * 60;
	ui_draw_kill(c, r, &st);
	check_golden(c, "panel_kill_confirm");
	assert_true(has_text(c, "Send SIGTERM to PID 4242?"));
	assert_true(has_text(c, "python train.py --bs 64 · user ana · 2 h 14 min old"));
	assert_true(has_text(c, "holds 61.2 GiB on GPU 0"));
	assert_true(has_text(c, "[y] yes   [n] no   (logged to ~/.local/share/vramtop/audit.log)"));
	st.mode = UI_KILL_ESCALATE;
	st.kill.sent_at = st.now - 5;
	canvas_resize(c, 90, 9);
	ui_draw_kill(c, r, &st);
	check_golden(c, "panel_kill_escalate");
	assert_true(has_text(c, "PID 4242 still running after 5 s — send SIGKILL?"));
	/* not in a kill mode: nothing drawn */
	st.mode = UI_MAIN;
	canvas_resize(c, 90, 9);
	ui_draw_kill(c, r, &st);
	assert_false(has_text(c, "SIG"));
	canvas_free(c);
}

static void test_too_small(void **state)
{
	(void)state;
	struct canvas *c = canvas_new(36, 8);
	ui_draw_too_small(c, (struct ui_rect){0, 0, 36, 8});
	check_golden(c, "panel_too_small");
	assert_true(has_text(c, "terminal too small (40×10 needed)"));
	assert_true(has_text(c, "this one is 36×8"));
	canvas_free(c);
}

/* No key means two things where both apply; every action has a key. */
static void test_key_table(void **state)
{
	(void)state;
	size_t n;
	const struct ui_key *k = ui_keys(&n);
	for (size_t i = 0; i < n; i++) {
		unsigned mi = k[i].modes ? k[i].modes : 1u << UI_MAIN;
		assert_non_null(k[i].label);
		for (size_t j = i + 1; j < n; j++) {
			unsigned mj = k[j].modes ? k[j].modes : 1u << UI_MAIN;
			if (k[i].key == k[j].key && (mi & mj))
				fail_msg("key %s bound to actions %d and %d", k[i].label,
				         k[i].action, k[j].action);
		}
	}
	for (int a = UA_QUIT; a <= UA_PREV_EVENT; a++) {
		bool bound = false;
		for (size_t i = 0; i < n; i++)
			bound |= (int)k[i].action == a;
		if (!bound)
			fail_msg("action %d has no key", a);
	}
}

typedef void (*draw_fn)(struct canvas *, struct ui_rect, const struct ui_state *);

static void draw_detail_w(struct canvas *c, struct ui_rect r, const struct ui_state *s)
{
	ui_draw_detail(c, r, s);
}

static void draw_kill_w(struct canvas *c, struct ui_rect r, const struct ui_state *s)
{
	ui_draw_kill(c, r, s);
}

static void draw_small_w(struct canvas *c, struct ui_rect r, const struct ui_state *s)
{
	(void)s;
	ui_draw_too_small(c, r);
}

/* Nothing is written outside each widget's rectangle, at several sizes. */
static void test_stays_inside(void **state)
{
	(void)state;
	reset_view();
	st.replay = true;
	st.mode = UI_KILL_CONFIRM;
	ui_notice(&st, "a notice long enough to be cut by a narrow rectangle, which it must be");
	static const draw_fn fns[] = {ui_draw_header, ui_draw_notices, ui_draw_footer,
	                              draw_detail_w,  ui_draw_help,    draw_kill_w,
	                              draw_small_w};
	static const struct ui_rect rects[] = {
	    {4, 3, 60, 1}, {4, 3, 150, 20}, {2, 1, 30, 8}, {5, 5, 12, 3}, {3, 2, 1, 1}};
	struct canvas *c = canvas_new(1, 1);
	for (size_t f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
		for (size_t k = 0; k < sizeof(rects) / sizeof(rects[0]); k++) {
			struct ui_rect r = rects[k];
			struct canvas_style mark = canvas_style_fg(canvas_role(THEME_BADGE), 0);
			canvas_resize(c, 160, 26);
			canvas_fill(c, (struct ui_rect){0, 0, 160, 26}, "x", mark);
			fns[f](c, r, &st);
			for (int y = 0; y < 26; y++)
				for (int x = 0; x < 160; x++) {
					if (ui_rect_contains(r, x, y))
						continue;
					const struct canvas_cell *cell = canvas_cell(c, x, y);
					if (strcmp(cell->text, "x") != 0 ||
					    !canvas_style_equal(cell->style, mark))
						fail_msg(
						    "widget %zu wrote (%d, %d) outside rect %zu", f,
						    x, y, k);
				}
		}
	}
	st.replay = false;
	st.mode = UI_MAIN;
	st.nnotices = 0;
	canvas_free(c);
}

/* A frame's widgets allocate nothing: drawing is pure. */
static void test_no_alloc(void **state)
{
	(void)state;
	reset_view();
	struct canvas *c = canvas_new(200, 50);
	struct layout l = layout_compute(200, 50, 2, LAYOUT_AUTO);
	struct ui_rect scr = {0, 0, 200, 50};
	st.replay = true;
	st.mode = UI_KILL_ESCALATE;
	ui_notice(&st, "a notice");
	size_t before = alloc_calls;
	for (int i = 0; i < 3; i++) {
		ui_draw_header(c, l.header, &st);
		ui_draw_table(c, l.table, l.kind, &st);
		ui_draw_notices(c, l.notices, &st);
		ui_draw_footer(c, l.footer, &st);
		ui_draw_detail(c, scr, &st);
		ui_draw_help(c, scr, &st);
		ui_draw_kill(c, scr, &st);
		ui_draw_too_small(c, scr);
	}
	assert_int_equal(alloc_calls - before, 0);
	st.replay = false;
	st.mode = UI_MAIN;
	st.nnotices = 0;
	canvas_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_notices),
	    cmocka_unit_test(test_notice_repeats),
	    cmocka_unit_test(test_footer),
	    cmocka_unit_test(test_detail),
	    cmocka_unit_test(test_detail_deep),
	    cmocka_unit_test(test_detail_enriched),
	    cmocka_unit_test(test_help),
	    cmocka_unit_test(test_kill),
	    cmocka_unit_test(test_too_small),
	    cmocka_unit_test(test_key_table),
	    cmocka_unit_test(test_stays_inside),
	    cmocka_unit_test(test_no_alloc),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
