/* test_nvml_sim.c: the NVML source through the real dlopen path, against the
 * NVML simulator (tests/fake_nvml) and its scenario files. VRAMTOP_NVML_LIB
 * points at the simulator; each test picks a scenario and live PIDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

#include "model/model.h"
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "source/nvml_api.h"
#include "source/nvml_source.h"

#define GIB (1ull << 30)
#define MIB (1ull << 20)

static pid_t kids[2];

/* PID1 is us, PID2 and PID3 two sleeping children: live, same user. */
static int setup_pids(void **state)
{
	(void)state;
	char v[32];
	snprintf(v, sizeof(v), "%ld", (long)getpid());
	setenv("PID1", v, 1);
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			for (;;)
				pause();
		}
		snprintf(v, sizeof(v), "%ld", (long)kids[i]);
		setenv(i ? "PID3" : "PID2", v, 1);
	}
	return 0;
}

static int teardown_pids(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	return 0;
}

static pid_t pid_env(const char *name)
{
	return (pid_t)strtol(getenv(name), NULL, 10);
}

static int open_scenario(const char *file, bool others, struct source **src, char *err,
                         size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", getenv("FAKE_NVML_SCENARIOS"), file);
	setenv("VRAMTOP_FAKE_NVML_SCENARIO", path, 1);
	struct nvml_source_opts o = {.show_other_users = others};
	return nvml_source_open(&o, src, err, errlen);
}

static struct source *open_ok(const char *file, bool others)
{
	struct source *src = NULL;
	char err[VT_ERRMSG_MAX] = "";
	int st = open_scenario(file, others, &src, err, sizeof(err));
	if (st != VT_OK)
		fail_msg("%s: %s", file, err);
	return src;
}

/* One sample as the loop takes it: VT_AGAIN means wait retry_delay (here
 * a sleep: a test has no loop) and call again. */
static void sample(struct source *src, struct snapshot *s)
{
	char err[VT_ERRMSG_MAX];
	int rc, calls = 0;
	while ((rc = source_sample(src, s, err, sizeof(err))) == VT_AGAIN) {
		double d = source_retry_delay(src);
		assert_true(d > 0 && d < 0.01);
		struct timespec ts = {0, (long)(d * 1e9)};
		nanosleep(&ts, NULL);
		calls++;
	}
	assert_int_equal(rc, VT_OK);
	assert_true(calls <= 3); /* 1, 2, 4 ms at most */
}

static const struct snap_proc *find_proc(const struct snapshot *s, pid_t pid)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

static void test_basic_2gpu(void **state)
{
	(void)state;
	struct source *src = open_ok("basic_2gpu.json", false);
	struct snapshot s;
	snapshot_init(&s);
	sample(src, &s);
	assert_string_equal(s.driver_version, "550.54.15");
	assert_int_equal(s.ngpus, 2);
	const struct snap_gpu *g = &s.gpus[0];
	assert_int_equal(g->state, GPU_STATE_OK);
	assert_string_equal(g->name, "NVIDIA H200");
	assert_string_equal(g->uuid, "GPU-b1b1b1b1-0000-4000-8000-000000000000");
	assert_string_equal(g->pci_bus_id, "00000000:18:00.0");
	assert_int_equal(g->mem_total, 143771 * MIB);
	assert_int_equal(g->mem_used, 24 * GIB);
	assert_int_equal(g->mem_reserved, 544 * MIB);
	assert_int_equal(g->util_gpu, 45);
	assert_int_equal(g->temp_c, 62);
	assert_int_equal(g->power_mw, 310500);
	assert_int_equal(g->power_limit_mw, 700000);
	assert_int_equal(g->clock_sm_mhz, 1755);
	assert_false(g->valid & GM_FAN); /* N/A, not 0 */
	assert_true(g->valid & GM_MIG);
	assert_false(g->mig_enabled);
	assert_int_equal(s.gpus[1].util_gpu, 90);
	assert_int_equal(s.nprocs, 3);
	const struct snap_proc *p = find_proc(&s, pid_env("PID2"));
	assert_non_null(p);
	assert_string_equal(snap_proc_type_name(p->type), "compute+graphics");
	assert_int_equal(p->used, 4 * GIB);
	assert_int_equal(p->gpu, 0);
	assert_false(p->flags & (PF_SAME_USER | PF_START_VALID)); /* the model resolves */
	p = find_proc(&s, pid_env("PID3"));
	assert_int_equal(p->gpu, 1);
	assert_int_equal(p->used, 30 * GIB);
	/* through the model, as a live run does: our own process, resolved */
	struct model m;
	model_init(&m, 8);
	struct proc_resolve_opts ro;
	proc_resolve_opts_default(&ro);
	model_set_procfs(&m, &ro, false);
	snapshot_copy(&m.snap, &s);
	model_update(&m, 1.0);
	p = find_proc(&m.snap, pid_env("PID2"));
	assert_non_null(p);
	assert_true(p->flags & PF_SAME_USER);
	assert_true(p->flags & PF_NAME_VALID);
	assert_true(p->flags & PF_START_VALID);
	assert_true(p->name[0] != '\0');
	const struct model_proc *row = m.proc_of_snap[p - m.snap.procs];
	assert_non_null(row);
	assert_int_equal(row->starttime, p->starttime);
	assert_string_equal(row->id->name, p->name);
	model_free(&m);
	source_close(src);
	snapshot_free(&s);
}

static void test_gpu_lost(void **state)
{
	(void)state;
	struct source *src = open_ok("gpu_lost.json", false);
	struct snapshot s;
	snapshot_init(&s);
	for (int r = 0; r < 3; r++) {
		sample(src, &s);
		assert_int_equal(s.ngpus, 2);
		assert_int_equal(s.gpus[0].state, GPU_STATE_OK);
		assert_int_equal(s.gpus[0].mem_used, 8 * GIB);
		assert_int_equal(s.gpus[1].state, GPU_STATE_LOST);
		assert_false(s.gpus[1].valid & GM_MEM_USED);
		assert_int_equal(s.nprocs, 1);
	}
	source_close(src);
	snapshot_free(&s);
}

static void test_stride535(void **state)
{
	(void)state;
	struct source *src = open_ok("stride535.json", false);
	struct nvml_source *ns = container_of(src, struct nvml_source, base);
	struct snapshot s;
	snapshot_init(&s);
	sample(src, &s);
	assert_true(ns->bug535);
	assert_int_equal(ns->gpus[0].last_stride, 32);
	assert_int_equal(s.nprocs, 3);
	assert_int_equal(find_proc(&s, pid_env("PID1"))->used, 20 * GIB);
	assert_int_equal(find_proc(&s, pid_env("PID2"))->used, 10 * GIB);
	assert_int_equal(find_proc(&s, pid_env("PID3"))->used, 5 * GIB);
	source_close(src);
	snapshot_free(&s);
}

static void test_unknown(void **state)
{
	(void)state;
	struct snapshot s;
	snapshot_init(&s);
	/* persistent: errored twice, back on the third refresh */
	struct source *src = open_ok("unknown_errors.json", false);
	static const enum snap_gpu_state want[] = {GPU_STATE_ERROR, GPU_STATE_ERROR, GPU_STATE_OK};
	for (int r = 0; r < 3; r++) {
		sample(src, &s);
		assert_int_equal(s.gpus[0].state, want[r]);
		assert_int_equal(s.gpus[1].state, GPU_STATE_OK);
		assert_int_equal(s.gpus[1].mem_used, 3 * GIB);
	}
	assert_int_equal(s.gpus[0].mem_used, 12 * GIB);
	source_close(src);
	/* transient: absorbed by the retries */
	src = open_ok("unknown_recovers.json", false);
	sample(src, &s);
	assert_int_equal(s.gpus[0].state, GPU_STATE_OK);
	assert_int_equal(s.gpus[0].mem_used, 12 * GIB);
	source_close(src);
	snapshot_free(&s);
}

static void test_insufficient_and_mps(void **state)
{
	(void)state;
	struct snapshot s;
	snapshot_init(&s);
	struct source *src = open_ok("insufficient_size.json", false);
	sample(src, &s);
	assert_int_equal(s.gpus[0].state, GPU_STATE_OK);
	assert_int_equal(s.nprocs, 3);
	const struct snap_proc *p = find_proc(&s, pid_env("PID1"));
	assert_string_equal(snap_proc_type_name(p->type), "compute+graphics");
	assert_int_equal(p->used, 6 * GIB);
	source_close(src);

	src = open_ok("mps.json", false);
	sample(src, &s);
	assert_int_equal(s.nprocs, 3);
	assert_false(find_proc(&s, pid_env("PID1"))->type & PROC_MPS);
	assert_int_equal(find_proc(&s, pid_env("PID2"))->type, PROC_COMPUTE | PROC_MPS);
	assert_int_equal(find_proc(&s, pid_env("PID3"))->used, 6 * GIB);
	source_close(src);
	snapshot_free(&s);
}

static void test_init_failures(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		int st;
		const char *word;
	} cases[] = {
	    {"init_nodriver.json", VT_E_NODRIVER, "driver"},
	    {"init_mismatch.json", VT_E_MISMATCH, "versions"},
	    {"init_noperm.json", VT_E_PERM, "permission"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct source *src = (struct source *)&cases[i];
		char err[VT_ERRMSG_MAX] = "";
		assert_int_equal(open_scenario(cases[i].file, false, &src, err, sizeof(err)),
		                 cases[i].st);
		assert_null(src);
		assert_non_null(strstr(err, cases[i].word));
	}
	/* no library at all */
	char *lib = getenv("VRAMTOP_NVML_LIB");
	char *keep = strdup(lib);
	setenv("VRAMTOP_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
	struct source *src = NULL;
	char err[VT_ERRMSG_MAX] = "";
	assert_int_equal(open_scenario("basic_2gpu.json", false, &src, err, sizeof(err)),
	                 VT_E_NODRIVER);
	assert_non_null(strstr(err, "not found"));
	setenv("VRAMTOP_NVML_LIB", keep, 1);
	free(keep);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Counts of the simulator's stats file (written at the last shutdown). */
static unsigned long stat_calls(const cJSON *calls, const char *fn)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(calls, fn);
	return cJSON_IsNumber(v) ? (unsigned long)v->valuedouble : 0;
}

static void test_many_calls_per_refresh(void **state)
{
	(void)state;
	char stats[4096];
	snprintf(stats, sizeof(stats), "%s/nvml_sim_stats.%ld.json", P_tmpdir, (long)getpid());
	setenv("VRAMTOP_FAKE_NVML_STATS", stats, 1);
	struct source *src = open_ok("many_8x64.json", true);
	struct snapshot s;
	snapshot_init(&s);
	enum { N = 50 };
	double t0 = now_s();
	for (int r = 0; r < N; r++)
		sample(src, &s);
	double dt = now_s() - t0;
	assert_int_equal(s.ngpus, 8);
	assert_int_equal(s.nprocs, 512);
	assert_int_equal(s.gpus[7].mem_used, 48640 * MIB);
	const struct snap_proc *p = find_proc(&s, 200001);
	assert_non_null(p);
	assert_string_equal(p->name, "worker-0-1"); /* another user's: NVML's name */
	source_close(src);
	unsetenv("VRAMTOP_FAKE_NVML_STATS");

	FILE *f = fopen(stats, "r");
	assert_non_null(f);
	char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	unlink(stats);
	buf[n] = '\0';
	cJSON *j = cJSON_Parse(buf);
	assert_non_null(j);
	const cJSON *calls = cJSON_GetObjectItemCaseSensitive(j, "calls");
	unsigned long mem = stat_calls(calls, "nvmlDeviceGetMemoryInfo_v2");
	unsigned long lists = stat_calls(calls, "nvmlDeviceGetComputeRunningProcesses_v3") +
	                      stat_calls(calls, "nvmlDeviceGetGraphicsRunningProcesses_v3") +
	                      stat_calls(calls, "nvmlDeviceGetMPSComputeRunningProcesses_v3");
	unsigned long pcie = stat_calls(calls, "nvmlDeviceGetPcieThroughput");
	unsigned long total = (unsigned long)cJSON_GetObjectItem(j, "total")->valuedouble;
	print_message("# many_8x64: %d refreshes in %.1f ms (%.0f us each), %lu NVML calls "
	              "(%.1f per refresh; memory %lu, lists %lu, PCIe %lu)\n",
	              N, dt * 1e3, dt * 1e6 / N, total, (double)total / N, mem, lists, pcie);
	assert_int_equal(mem, 8 * N); /* one memory call per GPU and refresh */
	/* one call per list, plus one regrowth per GPU on the first refresh (64
	 * processes, 16 slots): after that the buffers are kept */
	assert_int_equal(lists, 3 * 8 * N + 8);
	/* other users' names come from NVML once per process, then the cache */
	assert_int_equal(stat_calls(calls, "nvmlSystemGetProcessName"), 512);
	/* PCIe is off the refresh: at most one round of 8 GPUs x 2 counters per
	 * 5 s interval started */
	assert_true(pcie <= 16 * (1 + (unsigned long)(dt / 5.0)));
	cJSON_Delete(j);
	snapshot_free(&s);
}

int main(void)
{
	if (!getenv("FAKE_NVML_SCENARIOS") || !getenv("VRAMTOP_NVML_LIB")) {
		printf("1..0 # SKIP simulator not configured\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic_2gpu),
	    cmocka_unit_test(test_gpu_lost),
	    cmocka_unit_test(test_stride535),
	    cmocka_unit_test(test_unknown),
	    cmocka_unit_test(test_insufficient_and_mps),
	    cmocka_unit_test(test_init_failures),
	    cmocka_unit_test(test_many_calls_per_refresh),
	};
	return cmocka_run_group_tests(tests, setup_pids, teardown_pids);
}
