/* analysis.c: per-GPU predictors and survival verdicts over the model (see
 * analysis.h). Survival inputs: until enrichment knows a process's workload,
 * every process is "unknown" (x1.5 on its usage) with its observed peak on
 * the GPU as the floor (docs/analysis.md). */
#include "pipeline/analysis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/survival.h"
#include "core/xalloc.h"

struct analysis {
	const struct predictor_ops *ops;
	struct pred_params params;
	void **pred; /* per model GPU slot; NULL until first analysed */
	size_t npred;
	/* scratch, grown to the most processes on one GPU */
	struct pred_proc_sample *in;
	struct pred_proc_out *out;
	struct surv_proc *sp;
	struct surv_result *sr;
	size_t cap;
};

struct analysis *analysis_new(const char *algorithm, const struct pred_params *p, char *err,
                              size_t errlen)
{
	const struct predictor_ops *ops = predictor_find(algorithm);
	if (!ops) {
		snprintf(err, errlen, "no OOM prediction algorithm named '%s' in this build",
		         algorithm);
		return NULL;
	}
	struct analysis *a = xcalloc(1, sizeof(*a));
	a->ops = ops;
	a->params = *p;
	return a;
}

static void grow(struct analysis *a, const struct model *m, size_t n)
{
	if (m->ngpus > a->npred) {
		a->pred = xreallocarray(a->pred, m->ngpus, sizeof(*a->pred));
		memset(a->pred + a->npred, 0, (m->ngpus - a->npred) * sizeof(*a->pred));
		a->npred = m->ngpus;
	}
	if (n <= a->cap)
		return;
	size_t cap = a->cap ? a->cap : 16;
	while (cap < n)
		cap *= 2;
	a->in = xreallocarray(a->in, cap, sizeof(*a->in));
	a->out = xreallocarray(a->out, cap, sizeof(*a->out));
	a->sp = xreallocarray(a->sp, cap, sizeof(*a->sp));
	a->sr = xreallocarray(a->sr, cap, sizeof(*a->sr));
	a->cap = cap;
}

/* What enrichment learnt, as SPEC §3 uses it: the framework's workload
 * multiplier, weights from the model files' sizes, pre-allocating pools. */
static void enrich_to_survival(const struct enrich_facts *f, struct surv_proc *sp)
{
	sp->workload = WL_UNKNOWN;
	switch (f->fw) {
	case FW_VLLM:
	case FW_SGLANG:
		sp->workload = WL_SERVER_VLLM;
		sp->preallocating = true;
		break;
	case FW_TGI:
		sp->workload = WL_INFERENCE;
		sp->preallocating = true;
		break;
	case FW_OLLAMA:
	case FW_LLAMACPP:
		sp->workload = WL_INFERENCE;
		break;
	case FW_PYTORCH:
		sp->workload = WL_UNKNOWN_PYTORCH;
		break;
	case FW_JAX:
		sp->preallocating = true;
		break;
	default:
		break;
	}
	for (size_t i = 0; i < f->nfiles; i++)
		sp->weights += f->files[i].bytes;
	/* a server's own KV-cache usage comes first (SPEC §3) */
	if (f->scrape.valid && !f->scrape.error[0] && f->scrape.has_kv) {
		sp->has_kv = true;
		sp->kv_usage = f->scrape.kv_usage;
	}
}

/* Deep mode's figures of a process on one GPU: they are the process's sums
 * over its devices, so only a process on one GPU tells its GPU's. */
static const struct snap_deep *deep_of(const struct model *m, const struct snap_proc *sp)
{
	if (!sp || !(sp->flags & PF_DEEP_VALID) || sp->deep.reserved > sp->used)
		return NULL;
	for (size_t i = 0; i < m->snap.nprocs; i++)
		if (m->snap.procs[i].pid == sp->pid && &m->snap.procs[i] != sp)
			return NULL;
	return &sp->deep;
}

/* Deep mode's evidence for a process's verdict: its allocator's peak plus
 * what it holds outside the allocator (NVML's used - reserved), and whether
 * its retries rose within the last RETRY_WINDOW_S seconds. Its figures are
 * sums over its devices: the peak only counts for a process on one GPU;
 * retries anywhere mean it is at a line. */
#define RETRY_WINDOW_S 60.0
static void deep_to_survival(const struct model *m, struct model_proc *p,
                             const struct pred_proc_sample *in, struct surv_proc *out)
{
	const struct snap_proc *sp = model_proc_snap(m, p);
	if (!sp || !(sp->flags & PF_DEEP_VALID))
		return;
	if (!p->retries_seen)
		rise_clock_start(&p->retries, sp->deep.alloc_retries);
	p->retries_seen = true;
	rise_clock_see(&p->retries, sp->deep.alloc_retries, m->t_mono);
	out->retried = rise_clock_within(&p->retries, m->t_mono, RETRY_WINDOW_S);
	/* the predictor's input has the one-GPU figures (deep_of) already */
	if (in->deep_peak && in->used >= in->deep_reserved) {
		/* saturating: a trace's figures may be anything below 2^64 */
		uint64_t outside = in->used - in->deep_reserved;
		out->deep_peak =
		    in->deep_peak > UINT64_MAX - outside ? UINT64_MAX : in->deep_peak + outside;
	}
}

/* The verdict shown is the worst given in the last VERDICT_HOLD_S seconds:
 * a spike that makes a process TIGHT for one tick in three would otherwise
 * flip its row every refresh. */
#define VERDICT_HOLD_S 10.0
static void hold_verdict(struct model_proc *p, enum surv_verdict v, double t)
{
	p->verdict_seen[v] = t;
	p->verdict_seen_mask |= 1u << v;
	p->verdict = v;
	for (int w = SURV_OOM; w > (int)v; w--) {
		double since = t - p->verdict_seen[w];
		if ((p->verdict_seen_mask >> w & 1) && since >= 0.0 && since <= VERDICT_HOLD_S) {
			p->verdict = (enum surv_verdict)w;
			break;
		}
	}
}

static void update_gpu(struct analysis *a, struct model *m, size_t slot)
{
	struct model_gpu *g = &m->gpus[slot];
	const struct snap_gpu *sg = model_gpu_snap(m, g);
	if (!g->mem_ok)
		return;
	size_t n = g->nrows;
	grow(a, m, n);
	if (!a->pred[slot])
		a->pred[slot] = a->ops->create(&a->params);
	for (size_t j = 0; j < n; j++) {
		const struct model_proc *p = g->rows[j];
		const struct snap_deep *d = deep_of(m, model_proc_snap(m, p));
		a->in[j] = (struct pred_proc_sample){
		    p->pid, p->starttime, p->used, d ? d->reserved : 0, d ? d->peak_allocated : 0};
	}
	uint64_t free_b = sg->mem_free;
	if (!(sg->valid & GM_MEM_FREE))
		free_b = sg->mem_total > sg->mem_used ? sg->mem_total - sg->mem_used : 0;
	struct pred_input in = {
	    .t = m->t_mono,
	    .total = sg->mem_total,
	    .used = sg->mem_used,
	    .free = free_b,
	    .procs = a->in,
	    .nprocs = n,
	};
	a->ops->update(a->pred[slot], &in, &g->an, a->out);
	g->analysed = true;
	for (size_t j = 0; j < n; j++) {
		struct model_proc *p = g->rows[j];
		const struct enrich_facts *f = &p->id->enr;
		a->sp[j] = (struct surv_proc){
		    .phase = a->out[j].phase,
		    .used = a->in[j].used,
		    .observed_peak = p->peak,
		};
		enrich_to_survival(f, &a->sp[j]);
		deep_to_survival(m, p, &a->in[j], &a->sp[j]);
	}
	survival_assess(a->sp, n, sg->mem_total, sg->mem_free, a->sr);
	for (size_t j = 0; j < n; j++) {
		struct model_proc *p = g->rows[j];
		p->an = a->out[j];
		hold_verdict(p, a->sr[j].verdict, m->t_mono);
		p->verdict_retries = p->verdict == a->sr[j].verdict && a->sr[j].basis == SB_RETRIES;
		p->analysed = true;
	}
}

void analysis_update(struct analysis *a, struct model *m)
{
	grow(a, m, 0);
	for (size_t i = 0; i < m->snap.ngpus; i++)
		update_gpu(a, m, m->gpu_of_snap[i]);
}

void analysis_reset(struct analysis *a)
{
	for (size_t i = 0; i < a->npred; i++) {
		if (a->pred[i])
			a->ops->destroy(a->pred[i]);
		a->pred[i] = NULL;
	}
}

void analysis_free(struct analysis *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->npred; i++)
		if (a->pred[i])
			a->ops->destroy(a->pred[i]);
	free(a->pred);
	free(a->in);
	free(a->out);
	free(a->sp);
	free(a->sr);
	free(a);
}
