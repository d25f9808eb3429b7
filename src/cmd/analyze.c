/* analyze_cmd.c: `vramtop analyze` -- replays a trace through the analysis
 * exactly as the live loop would have sampled it, and prints JSONL. */
#include "analysis/analyze_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze_out.h"
#include "analysis/idtab.h"
#include "analysis/pelt.h"
#include "analysis/predictor.h"
#include "analysis/survival.h"
#include "core/error.h"
#include "core/snapshot.h"
#include "core/strnum.h"
#include "core/xalloc.h"
#include "source/trace.h"

#define MIB          1048576.0
#define MAX_GPUS     1024
#define MAX_ERR_MSGS 10

struct series {
	double *t, *y;
	size_t n, cap;
};

struct proc_series {
	pid_t pid;
	uint64_t starttime;
	struct series s;
};

struct peak_slot {
	struct idtab_key key;
	uint64_t peak;
	struct aout_ident id; /* its lines' gpu and pid, formatted once */
};

struct gpu_track {
	unsigned index; /* NVML index */
	bool have_last;
	double last_t;
	void *pred;
	/* per-tick scratch, grown to the most processes seen */
	struct pred_proc_sample *in;
	struct pred_proc_out *pout;
	struct surv_proc *sp;
	struct surv_result *sr;
	size_t cap;
	struct idtab peaks;
	struct series gs; /* --segments only */
	struct proc_series *ps;
	size_t nps, ps_cap, ps_hint;
};

struct analyze {
	const struct predictor_ops *ops;
	struct pred_params params;
	double refresh;
	bool segments;
	struct pelt_opts pelt;
	struct gpu_track *gpus;
	size_t ngpus, gpus_cap;
	struct aout out;
	/* per sample: GPU gi's processes are snap->procs[gstart[gi] ..
	 * gstart[gi + 1]) -- the reader groups them by GPU (trace.h) */
	size_t *gstart, gstart_cap;
};

static void group_procs(struct analyze *a, const struct snapshot *snap)
{
	if (snap->ngpus + 1 > a->gstart_cap) {
		a->gstart_cap = snap->ngpus + 1;
		a->gstart = xreallocarray(a->gstart, a->gstart_cap, sizeof(size_t));
	}
	memset(a->gstart, 0, (snap->ngpus + 1) * sizeof(size_t));
	for (size_t k = 0; k < snap->nprocs; k++)
		if (snap->procs[k].gpu < snap->ngpus)
			a->gstart[snap->procs[k].gpu + 1]++;
	for (size_t gi = 0; gi < snap->ngpus; gi++)
		a->gstart[gi + 1] += a->gstart[gi];
}

static void usage(FILE *f)
{
	fputs("usage: vramtop analyze FILE [--refresh-rate S] [--algorithm NAME] [--segments]\n"
	      "                            [--penalty PRESET|VALUE] [--min-segment N]\n"
	      "Replays a trace (JSONL, plain or gzip) at the refresh rate and prints one JSON\n"
	      "line per tick and GPU (phase, rate, OOM range, culprit) and per tick and\n"
	      "process (phase, rate, survival verdict).\n"
	      "  -r, --refresh-rate S   resample every S seconds (default 1.0)\n"
	      "  -a, --algorithm NAME   OOM predictor: envelope (default) or variance\n"
	      "  -s, --segments         also print PELT segments of every series at the end\n"
	      "  -p, --penalty P        PELT penalty: pytorch_training, inference_server,\n"
	      "                         unknown (default) or a number (units of sigma^2)\n"
	      "  -m, --min-segment N    shortest PELT segment in samples (default 5)\n"
	      "  -h, --help             this text\n",
	      f);
}

static void series_push(struct series *s, double t, double y)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->t = xreallocarray(s->t, s->cap, sizeof(double));
		s->y = xreallocarray(s->y, s->cap, sizeof(double));
	}
	s->t[s->n] = t;
	s->y[s->n] = y;
	s->n++;
}

static void series_free(struct series *s)
{
	free(s->t);
	free(s->y);
}

static struct gpu_track *track_get(struct analyze *a, unsigned index)
{
	for (size_t i = 0; i < a->ngpus; i++)
		if (a->gpus[i].index == index)
			return &a->gpus[i];
	if (a->ngpus >= MAX_GPUS)
		return NULL;
	if (a->ngpus == a->gpus_cap) {
		a->gpus_cap = a->gpus_cap ? 2 * a->gpus_cap : 8;
		a->gpus = xreallocarray(a->gpus, a->gpus_cap, sizeof(*a->gpus));
	}
	struct gpu_track *g = &a->gpus[a->ngpus++];
	*g = (struct gpu_track){.index = index};
	g->pred = a->ops->create(&a->params);
	idtab_init(&g->peaks, sizeof(struct peak_slot), 1u << 16);
	return g;
}

static void track_grow(struct gpu_track *g, size_t n)
{
	if (n <= g->cap)
		return;
	size_t cap = g->cap ? g->cap : 16;
	while (cap < n)
		cap *= 2;
	g->in = xreallocarray(g->in, cap, sizeof(*g->in));
	g->pout = xreallocarray(g->pout, cap, sizeof(*g->pout));
	g->sp = xreallocarray(g->sp, cap, sizeof(*g->sp));
	g->sr = xreallocarray(g->sr, cap, sizeof(*g->sr));
	g->cap = cap;
}

static struct series *proc_series_get(struct gpu_track *g, pid_t pid, uint64_t st)
{
	size_t h = g->ps_hint;
	if (h < g->nps && g->ps[h].pid == pid && g->ps[h].starttime == st) {
		g->ps_hint = h + 1;
		return &g->ps[h].s;
	}
	for (size_t i = 0; i < g->nps; i++) {
		if (g->ps[i].pid == pid && g->ps[i].starttime == st) {
			g->ps_hint = i + 1;
			return &g->ps[i].s;
		}
	}
	if (g->nps == g->ps_cap) {
		g->ps_cap = g->ps_cap ? 2 * g->ps_cap : 16;
		g->ps = xreallocarray(g->ps, g->ps_cap, sizeof(*g->ps));
	}
	g->ps[g->nps] = (struct proc_series){.pid = pid, .starttime = st};
	g->ps_hint = g->nps + 1;
	return &g->ps[g->nps++].s;
}

/* Survival inputs of analyze: a trace carries no framework, weights or
 * scraped KV data, so every process is "unknown" (x1.5 on its current
 * usage) with its observed peak as the floor (docs/analysis.md). */
static void assess(struct gpu_track *g, size_t n, const struct snap_gpu *sg)
{
	for (size_t j = 0; j < n; j++) {
		const struct peak_slot *pk = idtab_at(&g->peaks, j);
		g->sp[j] = (struct surv_proc){
		    .phase = g->pout[j].phase,
		    .used = g->in[j].used,
		    .observed_peak = pk->peak,
		    .workload = WL_UNKNOWN,
		};
	}
	survival_assess(g->sp, n, sg->mem_total, sg->mem_free, g->sr);
}

static void tick_gpu(struct analyze *a, const struct snapshot *snap, size_t gi)
{
	const struct snap_gpu *sg = &snap->gpus[gi];
	double t = snap->time;
	struct gpu_track *g = track_get(a, sg->index);
	if (!g)
		return;
	if (g->have_last && t - g->last_t < a->refresh - 1e-6)
		return; /* the seed's resampling rule */
	size_t n = a->gstart[gi + 1] - a->gstart[gi];
	track_grow(g, n);
	n = 0;
	for (size_t k = a->gstart[gi]; k < a->gstart[gi + 1]; k++) {
		const struct snap_proc *p = &snap->procs[k];
		g->in[n++] = (struct pred_proc_sample){
		    .pid = p->pid,
		    .starttime = (p->flags & PF_START_VALID) ? p->starttime : 0,
		    .used = p->used,
		};
	}
	uint64_t free_b = sg->mem_free;
	if (!(sg->valid & GM_MEM_FREE))
		free_b = sg->mem_total > sg->mem_used ? sg->mem_total - sg->mem_used : 0;
	struct pred_input in = {
	    .t = t,
	    .total = sg->mem_total,
	    .used = sg->mem_used,
	    .free = free_b,
	    .procs = g->in,
	    .nprocs = n,
	};
	struct pred_output po;
	a->ops->update(g->pred, &in, &po, g->pout);

	size_t np = idtab_sync(&g->peaks, g->in, n, NULL);
	for (size_t j = 0; j < np; j++) {
		struct peak_slot *pk = idtab_at(&g->peaks, j);
		if (g->in[j].used > pk->peak)
			pk->peak = g->in[j].used;
	}
	if (a->segments) {
		series_push(&g->gs, t, (double)sg->mem_used / MIB);
		g->ps_hint = 0;
		for (size_t j = 0; j < n; j++)
			series_push(proc_series_get(g, g->in[j].pid, g->in[j].starttime), t,
			            (double)g->in[j].used / MIB);
	}
	if (g->have_last) {
		/* trace times are unix seconds; a wild one still fits the room */
		char ts[AOUT_TIME_MAX];
		size_t tl = aout_time(ts, fmax(-1e15, fmin(1e15, t)));
		aout_gpu_line(&a->out, ts, tl, sg->index, &po);
		if (np) {
			assess(g, np, sg);
			for (size_t j = 0; j < np; j++) {
				struct peak_slot *pk = idtab_at(&g->peaks, j);
				if (!pk->id.n)
					aout_ident_set(&pk->id, sg->index, g->in[j].pid);
				aout_proc_line(&a->out, ts, tl, &pk->id, &g->pout[j],
				               g->sr[j].verdict);
			}
		}
	}
	g->have_last = true;
	g->last_t = t;
}

static void emit_segments(struct analyze *a, unsigned gpu, bool has_pid, pid_t pid,
                          const struct series *s)
{
	struct pelt_seg *segs;
	size_t k = pelt_segments(s->t, s->y, s->n, &a->pelt, &segs);
	for (size_t i = 0; i < k; i++)
		aout_segment_line(&a->out, gpu, has_pid, pid, &segs[i],
		                  pelt_label_name(segs[i].label));
	free(segs);
}

static void analyze_free(struct analyze *a)
{
	for (size_t i = 0; i < a->ngpus; i++) {
		struct gpu_track *g = &a->gpus[i];
		a->ops->destroy(g->pred);
		free(g->in);
		free(g->pout);
		free(g->sp);
		free(g->sr);
		idtab_free(&g->peaks);
		series_free(&g->gs);
		for (size_t j = 0; j < g->nps; j++)
			series_free(&g->ps[j].s);
		free(g->ps);
	}
	free(a->gpus);
	free(a->gstart);
}

static int run(struct analyze *a, const char *path)
{
	char err[VT_ERRMSG_MAX];
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "vramtop analyze: %s: %s\n", path, err);
		return 1;
	}
	struct snapshot snap;
	snapshot_init(&snap);
	struct trace_event ev;
	enum trace_rec_kind kind;
	unsigned long bad = 0;
	int rc;
	while ((rc = trace_next(r, &kind, &snap, &ev, err, sizeof(err))) != VT_EOF) {
		if (rc != VT_OK) {
			if (bad++ < MAX_ERR_MSGS)
				fprintf(stderr, "vramtop analyze: %s:%s (line skipped)\n", path,
				        err);
			continue;
		}
		if (kind != TREC_SAMPLE || !isfinite(snap.time))
			continue;
		group_procs(a, &snap);
		for (size_t gi = 0; gi < snap.ngpus; gi++)
			tick_gpu(a, &snap, gi);
	}
	if (bad > MAX_ERR_MSGS)
		fprintf(stderr, "vramtop analyze: %lu malformed lines skipped in all\n", bad);
	trace_close(r);
	snapshot_free(&snap);
	if (a->segments) {
		for (size_t i = 0; i < a->ngpus; i++) {
			struct gpu_track *g = &a->gpus[i];
			emit_segments(a, g->index, false, 0, &g->gs);
			for (size_t j = 0; j < g->nps; j++)
				emit_segments(a, g->index, true, g->ps[j].pid, &g->ps[j].s);
		}
	}
	return 0;
}

int cmd_analyze(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"refresh-rate", required_argument, NULL, 'r'},
	    {"algorithm", required_argument, NULL, 'a'},
	    {"segments", no_argument, NULL, 's'},
	    {"penalty", required_argument, NULL, 'p'},
	    {"min-segment", required_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct analyze a = {.refresh = 1.0, .pelt = {PELT_PENALTY_UNKNOWN, PELT_MIN_SIZE_DEFAULT}};
	const char *algo = PREDICTOR_DEFAULT;
	pred_params_default(&a.params);
	optind = 0; /* GNU: full reinitialisation, so the command can run twice */
	int c;
	while ((c = getopt_long(argc, argv, "r:a:sp:m:h", longopts, NULL)) != -1) {
		double v;
		switch (c) {
		case 'r':
			if (!strnum_double(optarg, &v) || v <= 0 || v > 3600) {
				fprintf(
				    stderr,
				    "vramtop analyze: --refresh-rate wants seconds in (0, 3600], "
				    "not '%s'\n",
				    optarg);
				return 2;
			}
			a.refresh = v;
			break;
		case 'a':
			algo = optarg;
			break;
		case 's':
			a.segments = true;
			break;
		case 'p':
			v = pelt_preset(optarg);
			if (v < 0 && (!strnum_double(optarg, &v) || v < 0)) {
				fprintf(stderr,
				        "vramtop analyze: --penalty wants pytorch_training, "
				        "inference_server, unknown or a number >= 0, not '%s'\n",
				        optarg);
				return 2;
			}
			a.pelt.penalty = v;
			break;
		case 'm':
			if (!strnum_double(optarg, &v) || v < 1 || v > 1e6 || v != floor(v)) {
				fprintf(stderr,
				        "vramtop analyze: --min-segment wants a whole number of "
				        "samples >= 1, not '%s'\n",
				        optarg);
				return 2;
			}
			a.pelt.min_size = (size_t)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fputs(optind >= argc ? "vramtop analyze: which trace?\n"
		                     : "vramtop analyze: one trace at a time\n",
		      stderr);
		usage(stderr);
		return 2;
	}
	a.ops = predictor_find(algo);
	if (!a.ops) {
		fprintf(stderr, "vramtop analyze: no OOM algorithm named '%s' in this build\n",
		        algo);
		return 2;
	}
	a.params.refresh_s = a.refresh;
	aout_init(&a.out, stdout);
	int rc = run(&a, argv[optind]);
	if (aout_close(&a.out) != 0 && rc == 0) {
		fprintf(stderr, "vramtop analyze: writing the output failed\n");
		rc = 1;
	}
	analyze_free(&a);
	return rc;
}
