/* live.c: per-GPU predictors and survival verdicts for each tick of a run. */
#include "pipeline/live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define LIVE_MAX_PEAKS 1024 /* identities remembered per GPU for observed peaks */

struct peak {
	pid_t pid;
	uint64_t starttime, peak;
};

struct live_gpu {
	unsigned index;
	void *pred;
	struct peak *peaks;
	size_t npeaks;
};

struct live_analysis {
	const struct predictor_ops *ops;
	struct pred_params params;
	struct live_gpu *gpus; /* by first sight, looked up by NVML index */
	size_t ngpus, gpus_cap;
	/* scratch and results, grown to the largest snapshot seen */
	struct pred_output *gout;
	size_t gout_cap;
	struct pred_proc_out *pout;
	enum surv_verdict *verdict;
	struct pred_proc_sample *in;
	struct surv_proc *sp;
	struct surv_result *sr;
	struct pred_proc_out *tmp;
	size_t *idx;
	size_t proc_cap;
	struct live_view view;
};

struct live_analysis *live_new(const char *algorithm, const struct pred_params *p, char *err,
                               size_t errlen)
{
	const struct predictor_ops *ops = predictor_find(algorithm);
	if (!ops) {
		snprintf(err, errlen, "unknown OOM prediction algorithm '%s'", algorithm);
		return NULL;
	}
	struct live_analysis *la = xcalloc(1, sizeof(*la));
	la->ops = ops;
	la->params = *p;
	return la;
}

static struct live_gpu *gpu_state(struct live_analysis *la, unsigned index)
{
	for (size_t i = 0; i < la->ngpus; i++)
		if (la->gpus[i].index == index)
			return &la->gpus[i];
	if (la->ngpus == la->gpus_cap) {
		la->gpus_cap = la->gpus_cap ? la->gpus_cap * 2 : 8;
		la->gpus = xreallocarray(la->gpus, la->gpus_cap, sizeof(*la->gpus));
	}
	struct live_gpu *g = &la->gpus[la->ngpus++];
	memset(g, 0, sizeof(*g));
	g->index = index;
	g->pred = la->ops->create(&la->params);
	g->peaks = xcalloc(LIVE_MAX_PEAKS, sizeof(*g->peaks));
	return g;
}

static void grow(struct live_analysis *la, const struct snapshot *s)
{
	if (s->ngpus > la->gout_cap) {
		la->gout_cap = s->ngpus;
		la->gout = xreallocarray(la->gout, la->gout_cap, sizeof(*la->gout));
	}
	if (s->nprocs > la->proc_cap) {
		la->proc_cap = s->nprocs;
		la->pout = xreallocarray(la->pout, la->proc_cap, sizeof(*la->pout));
		la->verdict = xreallocarray(la->verdict, la->proc_cap, sizeof(*la->verdict));
		la->in = xreallocarray(la->in, la->proc_cap, sizeof(*la->in));
		la->sp = xreallocarray(la->sp, la->proc_cap, sizeof(*la->sp));
		la->sr = xreallocarray(la->sr, la->proc_cap, sizeof(*la->sr));
		la->tmp = xreallocarray(la->tmp, la->proc_cap, sizeof(*la->tmp));
		la->idx = xreallocarray(la->idx, la->proc_cap, sizeof(*la->idx));
	}
}

/* The most this identity has held on this GPU, remembering the new sample.
 * A full table forgets its oldest entries (a recycled slot starts afresh). */
static uint64_t observed_peak(struct live_gpu *g, const struct pred_proc_sample *p)
{
	for (size_t i = 0; i < g->npeaks; i++) {
		struct peak *k = &g->peaks[i];
		if (k->pid == p->pid && k->starttime == p->starttime) {
			if (p->used > k->peak)
				k->peak = p->used;
			return k->peak;
		}
	}
	if (g->npeaks == LIVE_MAX_PEAKS) {
		memmove(g->peaks, g->peaks + 1, (LIVE_MAX_PEAKS - 1) * sizeof(*g->peaks));
		g->npeaks--;
	}
	g->peaks[g->npeaks++] = (struct peak){p->pid, p->starttime, p->used};
	return p->used;
}

static void update_gpu(struct live_analysis *la, const struct snapshot *s, size_t gi)
{
	const struct snap_gpu *sg = &s->gpus[gi];
	struct pred_output *out = &la->gout[gi];
	size_t n = 0;
	memset(out, 0, sizeof(*out));
	/* gather this GPU's processes (in any order in the snapshot) */
	for (size_t i = 0; i < s->nprocs; i++) {
		if (s->procs[i].gpu != gi)
			continue;
		const struct snap_proc *p = &s->procs[i];
		la->idx[n] = i;
		la->in[n] = (struct pred_proc_sample){
		    .pid = p->pid,
		    .starttime = (p->flags & PF_START_VALID) ? p->starttime : 0,
		    .used = (p->flags & PF_USED_VALID) ? p->used : 0,
		};
		memset(&la->pout[i], 0, sizeof(la->pout[i]));
		la->verdict[i] = SURV_OK;
		n++;
	}
	uint32_t need = GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE;
	if (sg->state != GPU_STATE_OK || (sg->valid & need) != need)
		return;
	struct live_gpu *g = gpu_state(la, sg->index);
	struct pred_input in = {.t = s->time,
	                        .total = sg->mem_total,
	                        .used = sg->mem_used,
	                        .free = sg->mem_free,
	                        .procs = la->in,
	                        .nprocs = n};
	la->ops->update(g->pred, &in, out, la->tmp);
	for (size_t k = 0; k < n; k++) {
		la->pout[la->idx[k]] = la->tmp[k];
		la->sp[k] = (struct surv_proc){
		    .phase = la->tmp[k].phase,
		    .used = la->in[k].used,
		    .observed_peak = observed_peak(g, &la->in[k]),
		};
	}
	survival_assess(la->sp, n, sg->mem_total, sg->mem_free, la->sr);
	for (size_t k = 0; k < n; k++)
		la->verdict[la->idx[k]] = la->sr[k].verdict;
}

void live_update(struct live_analysis *la, const struct snapshot *s)
{
	grow(la, s);
	for (size_t gi = 0; gi < s->ngpus; gi++)
		update_gpu(la, s, gi);
	la->view = (struct live_view){
	    .ngpus = s->ngpus,
	    .gpu = la->gout,
	    .nprocs = s->nprocs,
	    .proc = la->pout,
	    .verdict = la->verdict,
	};
}

const struct live_view *live_view(const struct live_analysis *la)
{
	return &la->view;
}

void live_free(struct live_analysis *la)
{
	if (!la)
		return;
	for (size_t i = 0; i < la->ngpus; i++) {
		la->ops->destroy(la->gpus[i].pred);
		free(la->gpus[i].peaks);
	}
	free(la->gpus);
	free(la->gout);
	free(la->pout);
	free(la->verdict);
	free(la->in);
	free(la->sp);
	free(la->sr);
	free(la->tmp);
	free(la->idx);
	free(la);
}
