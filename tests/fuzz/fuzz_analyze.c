/* fuzz_analyze.c: libFuzzer target for the analysis behind `vramtop
 * analyze`: trace lines -> trace_parse_line -> every registered predictor
 * per GPU (with the resampling rule of analyze), survival verdicts, then
 * PELT over each GPU's series. Besides not crashing, the outputs must hold
 * their contracts: phases valid, confidence in [0, 1], 0 <= low <= high <=
 * 3600, a culprit among the GPU's processes, PELT segments tiling the
 * series. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/pelt.h"
#include "analysis/predictor.h"
#include "analysis/survival.h"
#include "core/error.h"
#include "core/snapshot.h"
#include "source/trace.h"

#define NGPU  4
#define NPROC 64
#define NSER  2048

static const char *const algos[] = {"variance", "envelope"};
#define NALGO (sizeof(algos) / sizeof(algos[0]))

struct lane {
	void *pred[NALGO];
	bool have_last;
	double last_t;
	double refresh;
	double y[NSER];
	size_t ny;
};

static void check_out(const struct pred_output *o, const struct pred_proc_sample *in, size_t n,
                      const struct pred_proc_out *po)
{
	if (o->phase > PHASE_VOLATILE)
		abort();
	if (o->has_oom && !(o->confidence >= 0 && o->confidence <= 1 && o->low_s >= 0 &&
	                    o->low_s <= o->high_s && o->high_s <= 3600))
		abort();
	if (o->culprit_pid) {
		bool found = false;
		for (size_t j = 0; j < n; j++)
			found |= in[j].pid == o->culprit_pid;
		if (!found)
			abort();
	}
	for (size_t j = 0; j < n; j++)
		if (po[j].phase > PHASE_VOLATILE || isnan(po[j].rate_mb_s))
			abort();
}

static void tick(struct lane *L, const struct snapshot *s, size_t gi)
{
	static struct pred_proc_sample in[NPROC];
	static struct pred_proc_out po[NPROC];
	static struct surv_proc sp[NPROC];
	static struct surv_result sr[NPROC];
	const struct snap_gpu *g = &s->gpus[gi];
	if (L->have_last && s->time - L->last_t < 0.99 * L->refresh) /* as pipeline.c */
		return;
	L->have_last = true;
	L->last_t = s->time;
	size_t n = 0;
	for (size_t k = 0; k < s->nprocs && n < NPROC; k++)
		if (s->procs[k].gpu == gi)
			in[n++] = (struct pred_proc_sample){
			    s->procs[k].pid, s->procs[k].starttime, s->procs[k].used,
			    s->procs[k].deep.reserved, s->procs[k].deep.peak_allocated};
	struct pred_input pi = {s->time, g->mem_total, g->mem_used, g->mem_free, in, n};
	for (size_t a = 0; a < NALGO; a++) {
		const struct predictor_ops *ops = predictor_find(algos[a]);
		if (!ops)
			continue;
		if (!L->pred[a])
			L->pred[a] = ops->create(NULL);
		struct pred_output o;
		ops->update(L->pred[a], &pi, &o, po);
		check_out(&o, in, n, po);
		for (size_t j = 0; j < n; j++)
			sp[j] = (struct surv_proc){
			    .phase = po[j].phase, .used = in[j].used, .observed_peak = in[j].used};
		survival_assess(sp, n, g->mem_total, g->mem_free, sr);
		for (size_t j = 0; j < n; j++)
			if (sr[j].verdict > SURV_OOM)
				abort();
	}
	if (L->ny < NSER)
		L->y[L->ny++] = (double)g->mem_used / 1048576.0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lane lanes[NGPU];
	memset(lanes, 0, sizeof(lanes));
	/* the first byte picks the refresh rate: 0.1 .. 2.6 s */
	double refresh = size ? 0.1 + (double)(data[0] % 26) / 10.0 : 1.0;
	for (size_t i = 0; i < NGPU; i++)
		lanes[i].refresh = refresh;
	struct snapshot s;
	snapshot_init(&s);
	struct trace_event ev;
	enum trace_rec_kind kind;
	char err[VT_ERRMSG_MAX];
	const char *p = (const char *)data + (size ? 1 : 0), *end = (const char *)data + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (trace_parse_line(p, len, &kind, &s, &ev, err, sizeof(err)) == VT_OK &&
		    kind == TREC_SAMPLE && isfinite(s.time))
			for (size_t gi = 0; gi < s.ngpus && gi < NGPU; gi++)
				tick(&lanes[gi], &s, gi);
		p += len + 1;
	}
	struct pelt_opts o = {PELT_PENALTY_UNKNOWN, 1 + (size ? data[size - 1] % 8 : 0)};
	for (size_t gi = 0; gi < NGPU; gi++) {
		struct lane *L = &lanes[gi];
		struct pelt_seg *seg;
		size_t k = pelt_segments(NULL, L->y, L->ny, &o, &seg);
		for (size_t i = 0; i < k; i++)
			if (seg[i].start >= seg[i].end || (i && seg[i].start != seg[i - 1].end) ||
			    seg[i].label > SEG_SPIKE)
				abort();
		if (L->ny && (k == 0 || seg[k - 1].end != L->ny))
			abort();
		free(seg);
		for (size_t a = 0; a < NALGO; a++)
			if (L->pred[a])
				predictor_find(algos[a])->destroy(L->pred[a]);
	}
	snapshot_free(&s);
	return 0;
}
