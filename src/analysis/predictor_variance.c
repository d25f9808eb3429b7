/* predictor_variance.c: the "variance" algorithm -- the reference phase
 * detector and range predictor of seed_oom.py over the GPU's used memory,
 * plus one reference phase detector per process identity. The culprit of an
 * OOM range is the process on the GPU with the largest positive EMA rate. */
#include <math.h>
#include <stdlib.h>

#include "analysis/idtab.h"
#include "analysis/phase.h"
#include "analysis/predictor.h"
#include "core/xalloc.h"

#define VARIANCE_MAX_PROCS 4096 /* per GPU; beyond it a process gets no state */
#define MIB                1048576.0

struct series_state {
	struct phase_detector det;
	bool have_last;
	double last_t;
	uint64_t last_used;
	struct phase_state st;
};

struct proc_slot {
	struct idtab_key key; /* first: idtab's rule */
	struct series_state s;
};

struct variance {
	struct pred_params params;
	struct series_state gpu;
	struct oom_range oom;
	struct idtab procs;
	bool *fresh;
	size_t fresh_cap;
};

/* The reference's delta: (used - last) / 2**20, exactly (see phase.c). */
static double delta_mb(uint64_t now, uint64_t before)
{
	if (now >= before)
		return (double)(now - before) / MIB;
	return -((double)(before - now) / MIB);
}

static void series_reset(struct series_state *s)
{
	phase_init(&s->det);
	s->have_last = false;
	s->st = (struct phase_state){PHASE_STABLE, 0, 0.0, 0.0};
}

/* Feeds one sample; returns false for the first (no rate yet) or a sample
 * with a non-finite time, which leave s->st as it was. */
static bool series_update(struct series_state *s, double t, uint64_t used)
{
	if (!isfinite(t))
		return false;
	if (!s->have_last) {
		s->have_last = true;
		s->last_t = t;
		s->last_used = used;
		return false;
	}
	s->st = phase_update(&s->det, delta_mb(used, s->last_used), t - s->last_t);
	s->last_t = t;
	s->last_used = used;
	return true;
}

static void *variance_create(const struct pred_params *params)
{
	struct variance *v = xcalloc(1, sizeof(*v));
	if (params)
		v->params = *params;
	else
		pred_params_default(&v->params);
	series_reset(&v->gpu);
	oom_range_init(&v->oom, v->params.min_sustained_samples, v->params.min_rate_mb_s);
	idtab_init(&v->procs, sizeof(struct proc_slot), VARIANCE_MAX_PROCS);
	return v;
}

static void variance_destroy(void *self)
{
	struct variance *v = self;
	if (!v)
		return;
	idtab_free(&v->procs);
	free(v->fresh);
	free(v);
}

static void update_procs(struct variance *v, const struct pred_input *in,
                         struct pred_proc_out *proc_out, struct pred_output *out)
{
	if (in->nprocs > v->fresh_cap) {
		v->fresh = xreallocarray(v->fresh, in->nprocs, sizeof(bool));
		v->fresh_cap = in->nprocs;
	}
	size_t n = idtab_sync(&v->procs, in->procs, in->nprocs, v->fresh);
	double best = 0.0;
	for (size_t j = 0; j < in->nprocs; j++) {
		if (j >= n) {
			if (proc_out)
				proc_out[j] = (struct pred_proc_out){PHASE_STABLE, 0.0};
			continue;
		}
		struct proc_slot *ps = idtab_at(&v->procs, j);
		if (v->fresh[j])
			series_reset(&ps->s);
		series_update(&ps->s, in->t, in->procs[j].used);
		if (proc_out)
			proc_out[j] = (struct pred_proc_out){ps->s.st.phase, ps->s.st.rate};
		if (ps->s.st.rate > best) {
			best = ps->s.st.rate;
			out->culprit_pid = in->procs[j].pid;
			out->culprit_starttime = in->procs[j].starttime;
		}
	}
}

static void variance_update(void *self, const struct pred_input *in, struct pred_output *out,
                            struct pred_proc_out *proc_out)
{
	struct variance *v = self;
	*out = (struct pred_output){.phase = PHASE_STABLE};
	bool fed = series_update(&v->gpu, in->t, in->used);
	const struct phase_state *st = &v->gpu.st;
	out->phase = st->phase;
	out->rate_mb_s = st->rate;
	if (fed) {
		double lo, hi;
		if (oom_range_update(&v->oom, st, (double)in->free / MIB, &lo, &hi)) {
			out->has_oom = true;
			out->low_s = lo;
			out->high_s = hi;
			out->confidence = st->conf;
		}
	}
	update_procs(v, in, proc_out, out);
	if (!out->has_oom) {
		out->culprit_pid = 0;
		out->culprit_starttime = 0;
	}
}

const struct predictor_ops predictor_variance_ops = {
    .name = "variance",
    .create = variance_create,
    .update = variance_update,
    .destroy = variance_destroy,
};
