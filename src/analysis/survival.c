/* survival.c: survival verdicts per process (rules in survival.h and
 * docs/analysis.md). */
#include "analysis/survival.h"

#include <math.h>

double survival_multiplier(enum surv_workload w)
{
	switch (w) {
	case WL_UNKNOWN:
		return 1.5;
	case WL_UNKNOWN_PYTORCH:
		return 2.5;
	case WL_INFERENCE:
		return 1.2;
	case WL_LONG_CONTEXT:
		return 1.5;
	case WL_LORA:
		return 1.5;
	case WL_TRAIN_SGD:
		return 3.0;
	case WL_TRAIN_ADAM:
		return 4.0;
	case WL_SERVER_VLLM:
		return 1.8;
	}
	return 1.5;
}

const char *survival_verdict_name(enum surv_verdict v)
{
	switch (v) {
	case SURV_OK:
		return "ok";
	case SURV_TIGHT:
		return "tight";
	case SURV_OOM:
		return "oom";
	}
	return "ok";
}

const char *survival_basis_name(enum surv_basis b)
{
	static const char *const names[] = {"kv-cache", "phase",    "weights", "prealloc",
	                                    "used",     "observed", "retries"};
	if ((unsigned)b < sizeof(names) / sizeof(names[0]))
		return names[b];
	return "unknown";
}

static uint64_t scale(uint64_t bytes, double mult)
{
	double v = (double)bytes * mult;
	if (!(v < 18446744073709549568.0)) /* the largest double below 2^64 */
		return UINT64_MAX;
	return (uint64_t)v;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static enum surv_verdict by_ratio(double r)
{
	if (r > SURV_OOM_RATIO)
		return SURV_OOM;
	if (r > SURV_TIGHT_RATIO)
		return SURV_TIGHT;
	return SURV_OK;
}

static void assess_one(const struct surv_proc *p, uint64_t gpu_free, struct surv_result *r)
{
	uint64_t avail = p->used > UINT64_MAX - gpu_free ? UINT64_MAX : p->used + gpu_free;
	/* the most seen: by NVML's samples, or by the allocator itself, which
	 * counts every transient between them */
	uint64_t observed = max_u64(p->observed_peak, p->deep_peak);
	uint64_t seen = max_u64(p->used, observed);
	if (p->has_kv && isfinite(p->kv_usage)) {
		/* the pool is allocated already: the process will not grow, but it
		 * runs out of KV blocks (preemption, queueing) as usage nears 1 */
		r->basis = SB_KV;
		r->peak = seen;
		r->verdict = p->kv_usage >= SURV_KV_OOM     ? SURV_OOM
		             : p->kv_usage >= SURV_KV_TIGHT ? SURV_TIGHT
		                                            : SURV_OK;
	} else if (p->phase == PHASE_STABLE || p->phase == PHASE_SHRINKING) {
		r->basis = SB_PHASE;
		r->peak = seen;
		r->verdict = SURV_OK;
	} else {
		uint64_t est;
		if (p->weights) {
			est = scale(p->weights, survival_multiplier(p->workload));
			r->basis = SB_WEIGHTS;
		} else if (p->preallocating) {
			est = scale(seen, SURV_PREALLOC_MULT);
			r->basis = SB_PREALLOC;
		} else {
			est = scale(p->used, survival_multiplier(p->workload));
			r->basis = SB_USED;
		}
		if (observed > est) {
			est = observed;
			r->basis = SB_OBSERVED;
		}
		r->peak = est;
		r->verdict = SURV_OK; /* set from the ratio below */
	}
	r->ratio = avail ? (double)r->peak / (double)avail : (r->peak ? INFINITY : 0.0);
	if (r->basis != SB_KV && r->basis != SB_PHASE)
		r->verdict = by_ratio(r->ratio);
	if (p->retried && r->verdict < SURV_TIGHT) {
		/* it is at the line already: each further step frees and retries */
		r->verdict = SURV_TIGHT;
		r->basis = SB_RETRIES;
	}
	r->raised = false;
}

void survival_assess(const struct surv_proc *procs, size_t n, uint64_t gpu_total, uint64_t gpu_free,
                     struct surv_result *out)
{
	uint64_t sum = 0; /* saturating: exact below 2^64, and above it beyond any total */
	for (size_t i = 0; i < n; i++) {
		assess_one(&procs[i], gpu_free, &out[i]);
		sum = out[i].peak > UINT64_MAX - sum ? UINT64_MAX : sum + out[i].peak;
	}
	if (gpu_total && sum > gpu_total) {
		for (size_t i = 0; i < n; i++) {
			if (out[i].verdict != SURV_OOM)
				out[i].verdict++;
			out[i].raised = true;
		}
	}
}
