/* analyze.c: `vramtop analyze`'s JSONL sink (docs/analysis.md): per tick a
 * line per analysed GPU and per process, from a GPU's second sample on (its
 * first has no rate yet), and with --segments the PELT segments of every
 * series once the trace is over. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "export/analyze_out.h"
#include "sink/sinks.h"

#define MIB 1048576.0

struct series {
	double *t, *y;
	size_t n, cap;
};

struct proc_series {
	pid_t pid;
	uint64_t starttime;
	struct series s;
};

struct gpu_series { /* per model GPU slot, --segments only */
	unsigned index;
	struct series s;
	struct proc_series *ps;
	size_t nps, ps_cap, hint;
};

struct analyze_sink {
	struct sink base;
	struct aout out;
	bool segments;
	struct pelt_opts pelt;
	struct gpu_series *gs;
	size_t ngs;
};

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

static struct series *proc_series_get(struct gpu_series *g, pid_t pid, uint64_t st)
{
	size_t h = g->hint;
	if (h < g->nps && g->ps[h].pid == pid && g->ps[h].starttime == st) {
		g->hint = h + 1;
		return &g->ps[h].s;
	}
	for (size_t i = 0; i < g->nps; i++) {
		if (g->ps[i].pid == pid && g->ps[i].starttime == st) {
			g->hint = i + 1;
			return &g->ps[i].s;
		}
	}
	if (g->nps == g->ps_cap) {
		g->ps_cap = g->ps_cap ? 2 * g->ps_cap : 16;
		g->ps = xreallocarray(g->ps, g->ps_cap, sizeof(*g->ps));
	}
	g->ps[g->nps] = (struct proc_series){.pid = pid, .starttime = st};
	g->hint = g->nps + 1;
	return &g->ps[g->nps++].s;
}

static void collect(struct analyze_sink *a, const struct model *m, size_t slot)
{
	const struct model_gpu *g = &m->gpus[slot];
	if (slot >= a->ngs) {
		a->gs = xreallocarray(a->gs, slot + 1, sizeof(*a->gs));
		memset(a->gs + a->ngs, 0, (slot + 1 - a->ngs) * sizeof(*a->gs));
		a->ngs = slot + 1;
	}
	struct gpu_series *s = &a->gs[slot];
	s->index = g->index;
	double t = m->snap.time;
	series_push(&s->s, t, (double)model_gpu_snap(m, g)->mem_used / MIB);
	s->hint = 0;
	for (size_t j = 0; j < g->nrows; j++) {
		const struct model_proc *p = g->rows[j];
		series_push(proc_series_get(s, p->pid, p->starttime), t, (double)p->used / MIB);
	}
}

static int analyze_tick(struct sink *s, const struct model *m, char *err, size_t errlen)
{
	struct analyze_sink *a = (struct analyze_sink *)s;
	char ts[AOUT_TIME_MAX];
	size_t tl = 0;
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		size_t slot = m->gpu_of_snap[i];
		const struct model_gpu *g = &m->gpus[slot];
		if (!g->analysed)
			continue;
		if (a->segments)
			collect(a, m, slot);
		if (g->nsamples < 2)
			continue;
		if (!tl) /* trace times are unix seconds; a wild one still fits */
			tl = aout_time(ts, fmax(-1e15, fmin(1e15, m->snap.time)));
		aout_gpu_line(&a->out, ts, tl, g->index, &g->an);
		for (size_t j = 0; j < g->nrows; j++) {
			/* the row's text cache is the one thing a sink may write */
			struct model_proc *p = g->rows[j];
			if (!p->fmt.n)
				aout_ident_set(&p->fmt, g->index, p->pid);
			aout_proc_line(&a->out, ts, tl, &p->fmt, &p->an, p->verdict);
		}
	}
	if (!a->out.failed)
		return VT_OK;
	snprintf(err, errlen, "writing the output failed");
	return VT_ERR;
}

static void emit_segments(struct analyze_sink *a, unsigned gpu, bool has_pid, pid_t pid,
                          const struct series *s)
{
	struct pelt_seg *segs;
	size_t k = pelt_segments(s->t, s->y, s->n, &a->pelt, &segs);
	for (size_t i = 0; i < k; i++)
		aout_segment_line(&a->out, gpu, has_pid, pid, &segs[i],
		                  pelt_label_name(segs[i].label));
	free(segs);
}

static int analyze_finish(struct sink *s, const struct model *m, char *err, size_t errlen)
{
	struct analyze_sink *a = (struct analyze_sink *)s;
	(void)m;
	for (size_t i = 0; a->segments && i < a->ngs; i++) {
		struct gpu_series *g = &a->gs[i];
		if (!g->s.n)
			continue;
		emit_segments(a, g->index, false, 0, &g->s);
		for (size_t j = 0; j < g->nps; j++)
			emit_segments(a, g->index, true, g->ps[j].pid, &g->ps[j].s);
	}
	if (aout_close(&a->out) == 0)
		return VT_OK;
	snprintf(err, errlen, "writing the output failed");
	return VT_ERR;
}

static void series_free(struct series *s)
{
	free(s->t);
	free(s->y);
}

static void analyze_free(struct sink *s)
{
	struct analyze_sink *a = (struct analyze_sink *)s;
	if (a->out.buf)
		aout_close(&a->out);
	for (size_t i = 0; i < a->ngs; i++) {
		series_free(&a->gs[i].s);
		for (size_t j = 0; j < a->gs[i].nps; j++)
			series_free(&a->gs[i].ps[j].s);
		free(a->gs[i].ps);
	}
	free(a->gs);
	free(a);
}

static const struct sink_ops analyze_ops = {
    .name = "output", .tick = analyze_tick, .finish = analyze_finish, .free = analyze_free};

struct sink *sink_analyze_new(FILE *out, bool segments, const struct pelt_opts *pelt)
{
	struct analyze_sink *a = xcalloc(1, sizeof(*a));
	a->base = (struct sink){.ops = &analyze_ops, .essential = true};
	aout_init(&a->out, out);
	a->segments = segments;
	if (pelt)
		a->pelt = *pelt;
	return &a->base;
}
