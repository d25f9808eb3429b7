/* ui_world.c: the fixture world of test_table.c and test_panels.c (see
 * ui_world.h). */
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
#include "ui/screenshot.h"

struct config cfg;
struct model m;
struct ui_state st;

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

int setup(void **state)
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

int teardown(void **state)
{
	(void)state;
	ui_state_free(&st);
	model_free(&m);
	return 0;
}

void reset_view(void)
{
	st.mode = UI_MAIN;
	st.filter[0] = '\0';
	st.accessible = false;
	st.scroll = 0;
	st.sort = UI_SORT_MEM;
	ui_rows_build(&st);
	ui_select(&st, 0);
}

void check_golden(const struct canvas *c, const char *name)
{
	char *g = screenshot_golden(c);
	assert_true(golden_check(name, g));
	free(g);
}
