/* bench_analysis.c: where `vramtop analyze` spends its time, and what one
 * live tick of the analysis costs. CPU seconds (this process), so that a
 * busy machine does not inflate the figures.
 *
 * usage: bench_analysis TRACE [ALGORITHM]   phases of analyze over TRACE
 *        bench_analysis --tick [ALGORITHM]   ns per live tick, 16 processes
 *                                            (typical and all growing)
 *        bench_analysis --pelt N             PELT over N noisy points */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "analysis/pelt.h"
#include "analysis/predictor.h"
#include "core/error.h"
#include "core/snapshot.h"
#include "source/trace.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const struct predictor_ops *algo(const char *name)
{
	const struct predictor_ops *ops = predictor_find(name);
	if (!ops) {
		fprintf(stderr, "bench_analysis: no algorithm '%s' in this build\n", name);
		exit(2);
	}
	return ops;
}

/* Read only, then read + predictor updates with the resampling of analyze
 * (no survival, no output). */
static int bench_trace(const char *path, const char *name, bool predict)
{
	const struct predictor_ops *ops = algo(name);
	char err[VT_ERRMSG_MAX];
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "bench_analysis: %s: %s\n", path, err);
		return 1;
	}
	struct snapshot s;
	snapshot_init(&s);
	struct trace_event ev;
	enum trace_rec_kind kind;
	void *pred[256] = {0};
	double last[256];
	struct pred_proc_sample in[1024];
	struct pred_proc_out out[1024];
	unsigned long rows = 0, ticks = 0;
	double t0 = cpu_now();
	int rc;
	while ((rc = trace_next(r, &kind, &s, &ev, err, sizeof(err))) != VT_EOF) {
		if (rc != VT_OK || kind != TREC_SAMPLE)
			continue;
		rows++;
		if (!predict)
			continue;
		for (size_t g = 0; g < s.ngpus && g < 256; g++) {
			if (pred[g] && s.time - last[g] < 1.0 - 1e-6)
				continue;
			if (!pred[g])
				pred[g] = ops->create(NULL);
			last[g] = s.time;
			size_t n = 0;
			for (size_t k = 0; k < s.nprocs && n < 1024; k++)
				if (s.procs[k].gpu == g)
					in[n++] = (struct pred_proc_sample){
					    .pid = s.procs[k].pid, .used = s.procs[k].used};
			struct pred_input pi = {
			    s.time, s.gpus[g].mem_total, s.gpus[g].mem_used, s.gpus[g].mem_free, in,
			    n};
			struct pred_output po;
			ops->update(pred[g], &pi, &po, out);
			ticks++;
		}
	}
	double secs = cpu_now() - t0;
	printf("%-28s %8.3f s CPU  (%lu rows, %lu GPU ticks)\n",
	       predict ? "read + predict" : "read only", secs, rows, ticks);
	for (size_t g = 0; g < 256; g++)
		if (pred[g])
			ops->destroy(pred[g]);
	snapshot_free(&s);
	trace_close(r);
	return 0;
}

static int bench_full(const char *path, const char *name)
{
	fflush(stdout);
	int saved = dup(1);
	if (saved < 0 || !freopen("/dev/null", "w", stdout))
		return 1;
	char *argv[] = {"analyze", (char *)path, "--algorithm", (char *)name, NULL};
	double t0 = cpu_now();
	int rc = cmd_analyze(4, argv);
	double secs = cpu_now() - t0;
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	printf("%-28s %8.3f s CPU  (exit %d)\n", "analyze > /dev/null", secs, rc);
	return rc;
}

/* Live ticks of one GPU with 16 processes, after 2000 ticks of warm-up (the
 * window full). typical: as bench/gen_trace.py draws them -- 14 steady with
 * +-8 MiB jitter, one leaking, one sawtooth. growing: every process steps
 * up every 16 ticks, so none is ever trendless (the worst case). */
static double tick_ns(const struct predictor_ops *ops, bool typical)
{
	void *p = ops->create(NULL);
	struct pred_proc_sample in[16];
	struct pred_proc_out out[16];
	struct pred_output po;
	uint64_t base[16];
	uint32_t rng = 1;
	for (int j = 0; j < 16; j++) {
		base[j] = (uint64_t)(j + 1) << 30;
		in[j] = (struct pred_proc_sample){
		    .pid = 1000 + j, .starttime = (uint64_t)j, .used = base[j]};
	}
	const long warm = 2000, N = 400000;
	double t0 = 0.0;
	for (long i = 0; i < warm + N; i++) {
		if (i == warm)
			t0 = cpu_now();
		if (!typical) {
			in[i % 16].used += (uint64_t)(i % 7) << 20;
		} else {
			for (int j = 2; j < 16; j++) {
				rng = rng * 1103515245u + 12345u;
				in[j].used =
				    base[j] + ((rng >> 16) % 9) * (2ull << 20) - (8ull << 20);
			}
			in[0].used = base[0] + (uint64_t)i * 20000;
			in[1].used = base[1] + (uint64_t)(i % 60) * (50ull << 20);
		}
		uint64_t used = 0;
		for (int j = 0; j < 16; j++)
			used += in[j].used;
		struct pred_input pi = {(double)i, 1ull << 40, used, (1ull << 40) - used, in, 16};
		ops->update(p, &pi, &po, out);
	}
	double secs = cpu_now() - t0;
	ops->destroy(p);
	return secs / N * 1e9;
}

static int bench_tick(const char *name)
{
	const struct predictor_ops *ops = algo(name);
	printf("%s: one live tick (GPU + 16 processes): typical %.0f ns, all growing %.0f ns CPU\n",
	       name, tick_ns(ops, true), tick_ns(ops, false));
	return 0;
}

static int bench_pelt(long n)
{
	double *y = malloc((size_t)n * sizeof(*y));
	if (!y)
		return 1;
	unsigned long long x = 1;
	double level = 50000;
	for (long i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		double u = (double)(x >> 11) / 9007199254740992.0;
		if (i % 4000 == 0)
			level += (u - 0.5) * 4000;
		y[i] = level + (u - 0.5) * 40;
	}
	struct pelt_opts o = {PELT_PENALTY_UNKNOWN, PELT_MIN_SIZE_DEFAULT};
	struct pelt_seg *s;
	double t0 = cpu_now();
	size_t k = pelt_segments(NULL, y, (size_t)n, &o, &s);
	double secs = cpu_now() - t0;
	printf("pelt_segments over %ld points: %zu segments, %.3f s CPU\n", n, k, secs);
	free(s);
	free(y);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--tick") == 0)
		return bench_tick(argc >= 3 ? argv[2] : "variance");
	if (argc >= 3 && strcmp(argv[1], "--pelt") == 0)
		return bench_pelt(strtol(argv[2], NULL, 10));
	if (argc < 2 || argv[1][0] == '-') {
		fputs("usage: bench_analysis TRACE [ALGORITHM] | --tick [ALGORITHM] | --pelt N\n",
		      stderr);
		return 2;
	}
	const char *name = argc >= 3 ? argv[2] : "variance";
	if (bench_trace(argv[1], name, false) || bench_trace(argv[1], name, true))
		return 1;
	return bench_full(argv[1], name);
}
