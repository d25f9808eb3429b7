/* oom_envelope_fit.h: the "envelope" predictor's state (private to
 * oom_envelope.c): one GPU's time ring, each series' samples on it with the
 * running least-squares sums before every position, and the O(1) slice fits
 * read off those sums. An instance owns everything in it (fresh: its own
 * allocation; procs: idtab's). */
#ifndef VT_OOM_ENVELOPE_FIT_H
#define VT_OOM_ENVELOPE_FIT_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/idtab.h"
#include "analysis/predictor.h"

#define ENV_CAP  512 /* samples kept per series (a ring shared by all series) */
#define ENV_MASK (ENV_CAP - 1)
_Static_assert((ENV_CAP & ENV_MASK) == 0, "ENV_CAP must be a power of two");
#define ENV_MAX_CANDS 40
_Static_assert(ENV_MAX_CANDS <= 64, "the window search keeps a bit per window in a uint64_t");

struct env_series {
	uint32_t n;          /* the last n samples of the shared time ring are ours */
	uint32_t seg;        /* accepted segment length at the last tick; 0: none */
	uint32_t run;        /* trailing samples equal to the newest */
	int sign;            /* +1 growing, -1 shrinking segment, 0 none */
	uint32_t idle;       /* ticks the window search may still be skipped */
	uint32_t hot;        /* ticks the window search must still run */
	double qlo, qhi;     /* ... while the newest sample stays within [qlo, qhi] */
	double qt;           /* ... widened at min_rate since this time */
	double yb;           /* offset of the sums below (precision) */
	double ty, txy, tyy; /* sums of y-yb, x(y-yb), (y-yb)^2 through the newest */
	double y[ENV_CAP];   /* MiB, at the time ring's positions */
	/* the same sums before the sample at each position: any slice's sums
	 * are a difference, maintained in O(1) per tick. One position's sums
	 * share a cache line: the window search reads them at ~40 scattered
	 * positions a tick. */
	struct env_pre {
		double y, xy, yy, pad;
	} pre[ENV_CAP];
};

struct env_proc {
	struct idtab_key key; /* first: idtab's rule */
	struct env_series s;
	uint64_t peak;  /* deep mode's peak allocation, as last seen */
	uint32_t rises; /* bit k: it rose k ticks ago */
};

struct envelope {
	struct pred_params params;
	uint32_t min_seg;
	size_t ncand;
	uint32_t cand[ENV_MAX_CANDS];
	/* the time ring: each time with the sums of x = t - tbase before it */
	struct env_tick {
		double t, x, xx, pad;
	} tk[ENV_CAP];
	double tx, txx, tbase;
	uint32_t head, nt;     /* next write position, samples held */
	uint32_t since_rebase; /* samples appended since the sums were rebuilt */
	/* the GPU's used memory, as deep mode's demand line sees it where
	 * processes report (envelope_update); NVML's figure where none does */
	struct env_series gpu;
	struct idtab procs;
	bool *fresh;
	size_t fresh_cap;
};

/* One series' last n samples seen in time order (index 0 the oldest): a view,
 * nothing is copied. */
struct env_fit {
	const struct envelope *e;
	const struct env_series *s;
	size_t n, first;
};

static inline struct env_fit fit_view(const struct envelope *e, const struct env_series *s)
{
	return (struct env_fit){e, s, s->n, (e->head + ENV_CAP - s->n) & ENV_MASK};
}

static inline double fit_x(const struct env_fit *f, size_t i)
{
	return f->e->tk[(f->first + i) & ENV_MASK].t - f->e->tbase;
}

static inline double fit_y(const struct env_fit *f, size_t i)
{
	return f->s->y[(f->first + i) & ENV_MASK];
}

/* The first sample in [lo, hi] at or after time x (hi if none). */
static inline size_t fit_at(const struct env_fit *f, size_t lo, size_t hi, double x)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (fit_x(f, mid) < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The sum of y over samples [0, i) of the view, up to a constant. */
static inline double fit_pre_y(const struct env_fit *f, size_t i)
{
	return i >= f->n ? f->s->ty : f->s->pre[(f->first + i) & ENV_MASK].y;
}

/* The least-squares slope over [i0, i1). */
static inline double fit_ols(const struct env_fit *f, size_t i0, size_t i1)
{
	const struct envelope *e = f->e;
	const struct env_series *s = f->s;
	size_t p0 = (f->first + i0) & ENV_MASK, p1 = (f->first + i1) & ENV_MASK;
	bool end = i1 >= f->n; /* the sums through the newest are the totals */
	double n = (double)(i1 - i0);
	const struct env_tick *k0 = &e->tk[p0], *k1 = &e->tk[p1];
	const struct env_pre *q0 = &s->pre[p0], *q1 = &s->pre[p1];
	double mx = ((end ? e->tx : k1->x) - k0->x) / n;
	double my = ((end ? s->ty : q1->y) - q0->y) / n;
	double vxx = ((end ? e->txx : k1->xx) - k0->xx) - n * mx * mx;
	double vxy = ((end ? s->txy : q1->xy) - q0->xy) - n * mx * my;
	return vxx > 1e-12 ? vxy / vxx : 0.0;
}

static inline double fit_mean(const struct env_fit *f, size_t i0, size_t i1)
{
	return (fit_pre_y(f, i1) - fit_pre_y(f, i0)) / (double)(i1 - i0) + f->s->yb;
}

/* What fit_trend_dir needs of a series and its envelope, copied once per
 * search: loop invariants the compiler then keeps in registers. */
struct env_trend {
	const struct env_tick *tk;
	const struct env_pre *pre;
	double tn, tx, txx, ty, txy, tyy;
	uint32_t head;
};

static inline struct env_trend fit_trend_ctx(const struct envelope *e, const struct env_series *s)
{
	return (struct env_trend){e->tk,  s->pre, e->tk[(e->head + ENV_MASK) & ENV_MASK].t,
	                          e->tx,  e->txx, s->ty,
	                          s->txy, s->tyy, e->head};
}

/* Is there a trend over the series' last L samples (L <= n) beyond its
 * noise -- does the rise of the least-squares line exceed Z residual sigmas?
 * Returns its direction, +1 or -1, or 0. The segment test's first condition,
 * asked of ~16 windows a tick, so without a division or a root: with n times
 * the centred sums A = n Sxx - Sx^2, B = n Sxy - Sx Sy, C = n Syy - Sy^2, the
 * slope is B/A and n^2 sigma^2 = (AC - B^2)/A, so |slope| dur >= Z sigma reads
 * B^2 dur^2 n^2 >= Z^2 (AC - B^2) A. A slope of 0 (A ~ 0) is no trend; the
 * slope itself is fit_ols'. min_rate > 0 also asks |slope| >= min_rate. */
static inline int fit_trend_dir(const struct env_trend *c, uint32_t L, double z, double min_rate)
{
	uint32_t p0 = (c->head - L) & ENV_MASK;
	const struct env_tick *k = &c->tk[p0];
	const struct env_pre *q = &c->pre[p0];
	double n = (double)L;
	double sx = c->tx - k->x, sxx = c->txx - k->xx;
	double sy = c->ty - q->y, sxy = c->txy - q->xy, syy = c->tyy - q->yy;
	double A = n * sxx - sx * sx, B = n * sxy - sx * sy, C = n * syy - sy * sy;
	double dur = c->tn - k->t;
	double res = A * C - B * B;
	if (!(dur > 0.0) || !(A > 1e-12 * n) || B == 0.0)
		return 0;
	if (fabs(B) < min_rate * A)
		return 0;
	if (B * B * dur * dur * n * n < z * z * (res > 0.0 ? res : 0.0) * A)
		return 0;
	return B > 0.0 ? 1 : -1;
}

/* Over samples [i0, i1) of the view (i0 < i1): the lowest and highest
 * value, and the largest rise and fall from one sample to the next, the
 * first from prev (the sample before, or y[i0] itself for none). One pass
 * without branches on the data. */
struct env_span {
	double lo, hi, up, down;
};

static inline struct env_span fit_span(const struct env_fit *f, size_t i0, size_t i1, double prev)
{
	struct env_span r = {fit_y(f, i0), fit_y(f, i0), 0.0, 0.0};
	for (size_t i = i0; i < i1; i++) {
		double v = fit_y(f, i), d = v - prev, u = prev - v;
		r.lo = v < r.lo ? v : r.lo;
		r.hi = v > r.hi ? v : r.hi;
		r.up = d > r.up ? d : r.up;
		r.down = u > r.down ? u : r.down;
		prev = v;
	}
	return r;
}

/* Extremes of sign*y over [i0, i1). */
static inline void fit_minmax(const struct env_fit *f, size_t i0, size_t i1, int sign, double *lo,
                              double *hi)
{
	struct env_span r = fit_span(f, i0, i1, fit_y(f, i0));
	*lo = sign > 0 ? r.lo : -r.hi;
	*hi = sign > 0 ? r.hi : -r.lo;
}

#endif
