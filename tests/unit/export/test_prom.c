/* test_prom.c: the Prometheus exposition of a model -- bounded process
 * series (top N by memory), series gone with their process, label values
 * sanitised and escaped, the OOM families present only while a prediction
 * stands, a lost GPU keeping its labels. promtool's own check of a live
 * exposition is in tests/integration/test_serve.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/prom.h"

#define MIB 1048576ull

struct fx {
	struct model m;
	struct prom *p;
	struct prom_stats st;
};

static void fx_init(struct fx *f, size_t max_procs)
{
	memset(f, 0, sizeof(*f));
	model_init(&f->m, 16);
	f->p = prom_new(max_procs);
}

static void fx_free(struct fx *f)
{
	prom_free(f->p);
	model_free(&f->m);
}

/* The process that reports deep-mode figures in the next ticks, 0: none. */
static int deep_pid;
static const struct snap_deep deep_fig = {.allocated = 3 * MIB,
                                          .reserved = 5 * MIB,
                                          .active = 4 * MIB,
                                          .peak_allocated = 6 * MIB,
                                          .alloc_retries = 7,
                                          .ooms = 1};

/* One tick: GPU 0 with processes pids[0..n) holding (pid) MiB each. */
static void fx_tick(struct fx *f, const int *pids, size_t n, const char *name,
                    enum snap_gpu_state state)
{
	struct snapshot *sn = &f->m.snap;
	snapshot_reset(sn);
	sn->time = 1765000000.0 + (double)f->m.tick;
	struct snap_gpu *g = snapshot_add_gpu(sn);
	g->index = 0;
	g->state = state;
	snprintf(g->name, sizeof(g->name), "NVIDIA H200");
	if (state == GPU_STATE_OK) {
		g->valid = GM_NAME | GM_UUID | GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE;
		snprintf(g->uuid, sizeof(g->uuid), "GPU-0000");
	} else {
		g->valid = GM_NAME;
	}
	g->mem_total = 80000 * MIB;
	for (size_t i = 0; state == GPU_STATE_OK && i < n; i++) {
		struct snap_proc *p = snapshot_add_proc(sn);
		p->pid = pids[i];
		p->starttime = 1000 + (uint64_t)pids[i];
		p->flags = PF_USED_VALID | PF_START_VALID | PF_NAME_VALID;
		p->type = PROC_COMPUTE;
		p->used = (uint64_t)pids[i] * MIB;
		snprintf(p->user, sizeof(p->user), "ana");
		snprintf(p->name, sizeof(p->name), "%s", name ? name : "python");
		if (pids[i] == deep_pid) {
			p->flags |= PF_DEEP_VALID;
			p->deep = deep_fig;
		}
		g->mem_used += p->used;
	}
	g->mem_free = g->mem_total - g->mem_used;
	model_update(&f->m, (double)f->m.tick);
	prom_tick(f->p, &f->m);
}

static const char *render(struct fx *f)
{
	size_t len;
	const char *s = prom_render(f->p, &f->m, &f->st, &len);
	assert_int_equal(strlen(s), len);
	return s;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *s = hay; (s = strstr(s, needle)); s++)
		n++;
	return n;
}

static void test_before_first_sample(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, 20);
	const char *s = render(&f);
	assert_non_null(strstr(s, "vramtop_build_info{version=\"" VT_VERSION "\"} 1\n"));
	assert_non_null(strstr(s, "vramtop_samples_total 0\n"));
	assert_null(strstr(s, "vramtop_gpu_"));
	fx_free(&f);
}

static void test_top_n(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, 5);
	int pids[70];
	for (int i = 0; i < 70; i++)
		pids[i] = 100 + (i * 37) % 70; /* 100..169 in a shuffled order */
	fx_tick(&f, pids, 70, NULL, GPU_STATE_OK);
	const char *s = render(&f);
	assert_int_equal(count(s, "\nvramtop_process_memory_used_bytes{"), 5);
	for (int pid = 165; pid < 170; pid++) {
		char want[64];
		snprintf(want, sizeof(want), "pid=\"%d\"", pid);
		assert_non_null(strstr(s, want));
	}
	assert_null(strstr(s, "pid=\"164\""));
	assert_non_null(strstr(s, "vramtop_gpu_processes{gpu=\"0\",uuid=\"GPU-0000\","
	                          "name=\"NVIDIA H200\"} 70\n"));
	prom_set_max_procs(f.p, 100);
	assert_int_equal(count(render(&f), "\nvramtop_process_memory_used_bytes{"), 70);
	fx_free(&f);
}

static void test_gone(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, 20);
	int both[] = {300, 400}, one[] = {400};
	fx_tick(&f, both, 2, NULL, GPU_STATE_OK);
	assert_non_null(strstr(render(&f), "pid=\"300\""));
	fx_tick(&f, one, 1, NULL, GPU_STATE_OK);
	const char *s = render(&f);
	assert_null(strstr(s, "pid=\"300\""));
	assert_non_null(strstr(s, "pid=\"400\",user=\"ana\",command=\"python\",container=\"\"} "
	                          "419430400\n"));
	fx_free(&f);
}

static void test_escaped(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, 20);
	int pid[] = {500};
	fx_tick(&f, pid, 1, "a\"b\\c\x1b[31mred\nx", GPU_STATE_OK);
	const char *s = render(&f);
	assert_null(strchr(s, '\x1b'));
	assert_non_null(strstr(s, "command=\"a\\\"b\\\\cred x\""));
	fx_free(&f);
}

/* Deep mode's figures: one family each, only for processes that report and
 * have a series; none at all while nobody reports. */
static void test_deep(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, 2);
	int pids[] = {800, 900, 100};
	fx_tick(&f, pids, 3, NULL, GPU_STATE_OK);
	assert_null(strstr(render(&f), "allocator"));
	deep_pid = 900;
	fx_tick(&f, pids, 3, NULL, GPU_STATE_OK);
	const char *s = render(&f);
	const char *l =
	    "{gpu=\"0\",uuid=\"GPU-0000\",name=\"NVIDIA H200\",pid=\"900\",user=\"ana\","
	    "command=\"python\",container=\"\"} ";
	char want[512];
	snprintf(want, sizeof(want), "\nvramtop_process_allocator_allocated_bytes%s%llu\n", l,
	         3 * MIB);
	assert_non_null(strstr(s, want));
	snprintf(want, sizeof(want), "\nvramtop_process_allocator_reserved_bytes%s%llu\n", l,
	         5 * MIB);
	assert_non_null(strstr(s, want));
	snprintf(want, sizeof(want), "\nvramtop_process_allocator_peak_allocated_bytes%s%llu\n", l,
	         6 * MIB);
	assert_non_null(strstr(s, want));
	snprintf(want, sizeof(want), "\nvramtop_process_allocator_alloc_retries_total%s7\n", l);
	assert_non_null(strstr(s, want));
	assert_non_null(
	    strstr(s, "# TYPE vramtop_process_allocator_alloc_retries_total counter\n"));
	assert_non_null(strstr(s, "# TYPE vramtop_process_allocator_active_bytes gauge\n"));
	assert_int_equal(count(s, "\nvramtop_process_allocator_ooms_total{"), 1);
	assert_int_equal(count(s, "# TYPE vramtop_process_allocator_"), 6);
	/* no series for a process outside the top N, deep or not */
	deep_pid = 100;
	fx_tick(&f, pids, 3, NULL, GPU_STATE_OK);
	assert_null(strstr(render(&f), "allocator"));
	deep_pid = 0;
	fx_free(&f);
}

static void test_oom(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, 20);
	int pids[] = {600, 700};
	fx_tick(&f, pids, 2, NULL, GPU_STATE_OK);
	struct model_gpu *g = &f.m.gpus[0];
	g->analysed = true;
	g->an = (struct pred_output){.phase = PHASE_GROWING, .rate_mb_s = NAN};
	const char *s = render(&f);
	assert_non_null(strstr(s, "vramtop_gpu_oom_predicted{gpu=\"0\",uuid=\"GPU-0000\","
	                          "name=\"NVIDIA H200\"} 0\n"));
	assert_non_null(strstr(s, "phase=\"growing\"} 1\n"));
	/* build_info, state="ok" and one phase: the one-hot families hold one 1 each */
	assert_int_equal(count(s, "} 1\n"), 3);
	assert_non_null(strstr(s, "_growth_bytes_per_second{gpu=\"0\",uuid=\"GPU-0000\","
	                          "name=\"NVIDIA H200\"} NaN\n"));
	assert_null(strstr(s, "\nvramtop_gpu_oom_eta_low_seconds{"));
	assert_null(strstr(s, "\nvramtop_gpu_oom_culprit_info{"));

	g->an = (struct pred_output){.phase = PHASE_GROWING,
	                             .rate_mb_s = 256,
	                             .has_oom = true,
	                             .low_s = 60,
	                             .high_s = 90.5,
	                             .confidence = 0.8,
	                             .culprit_pid = 700,
	                             .culprit_starttime = 1700};
	s = render(&f);
	assert_non_null(strstr(s, "vramtop_gpu_oom_eta_low_seconds{gpu=\"0\",uuid=\"GPU-0000\","
	                          "name=\"NVIDIA H200\"} 60.0\n"));
	assert_non_null(strstr(s, "vramtop_gpu_oom_eta_high_seconds{gpu=\"0\",uuid=\"GPU-0000\","
	                          "name=\"NVIDIA H200\"} 90.5\n"));
	assert_non_null(strstr(s, "vramtop_gpu_oom_confidence_ratio{gpu=\"0\",uuid=\"GPU-0000\","
	                          "name=\"NVIDIA H200\"} 0.800\n"));
	assert_non_null(strstr(s, "vramtop_gpu_oom_culprit_info{gpu=\"0\",uuid=\"GPU-0000\","
	                          "name=\"NVIDIA H200\",pid=\"700\",user=\"ana\","
	                          "command=\"python\",container=\"\"} 1\n"));
	assert_non_null(strstr(s, "_growth_bytes_per_second{gpu=\"0\",uuid=\"GPU-0000\","
	                          "name=\"NVIDIA H200\"} 268435456\n"));
	fx_free(&f);
}

static void test_lost(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, 20);
	int pid[] = {800};
	fx_tick(&f, pid, 1, NULL, GPU_STATE_OK);
	fx_tick(&f, NULL, 0, NULL, GPU_STATE_LOST);
	fx_tick(&f, NULL, 0, NULL, GPU_STATE_LOST);
	const char *s = render(&f);
	/* the UUID is not in a lost GPU's sample: the labels keep the last one */
	assert_non_null(strstr(s, "vramtop_gpu_state{gpu=\"0\",uuid=\"GPU-0000\","
	                          "name=\"NVIDIA H200\",state=\"lost\"} 1\n"));
	assert_non_null(strstr(s, "vramtop_gpu_sample_errors_total{gpu=\"0\",uuid=\"GPU-0000\","
	                          "name=\"NVIDIA H200\"} 2\n"));
	assert_null(strstr(s, "\nvramtop_gpu_memory_used_bytes{"));
	assert_null(strstr(s, "\nvramtop_process_memory_used_bytes{"));
	fx_free(&f);
}

/* Every family is announced once, with HELP before TYPE, and every sample
 * line follows its own family's TYPE (the text format's grouping rule). */
static void test_grouping(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f, 20);
	int pids[] = {600, 700};
	fx_tick(&f, pids, 2, NULL, GPU_STATE_OK);
	char *s = strdup(render(&f));
	char fam[128] = "";
	size_t types = 0;
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "# TYPE ", 7) == 0) {
			char name[128];
			assert_int_equal(sscanf(line + 7, "%127s", name), 1);
			assert_string_not_equal(name, fam);
			snprintf(fam, sizeof(fam), "%s", name);
			types++;
		} else if (line[0] != '#') {
			assert_int_equal(strncmp(line, fam, strlen(fam)), 0);
			char c = line[strlen(fam)];
			assert_true(c == '{' || c == ' ');
		}
	}
	assert_true(types >= 15);
	free(s);
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_before_first_sample),
	    cmocka_unit_test(test_top_n),
	    cmocka_unit_test(test_gone),
	    cmocka_unit_test(test_escaped),
	    cmocka_unit_test(test_deep),
	    cmocka_unit_test(test_oom),
	    cmocka_unit_test(test_lost),
	    cmocka_unit_test(test_grouping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
