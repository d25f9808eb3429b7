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
	 * are a difference, maintained in O(1) per tick */
	double py[ENV_CAP], pxy[ENV_CAP], pyy[ENV_CAP];
};

struct env_proc {
	struct idtab_key key; /* first: idtab's rule */
	struct env_series s;
};

struct envelope {
	struct pred_params params;
	uint32_t min_seg;
	size_t ncand;
	uint32_t cand[ENV_MAX_CANDS];
	double t[ENV_CAP];
	double px[ENV_CAP], pxx[ENV_CAP]; /* sums of x = t - tbase before each position */
	double tx, txx, tbase;
	uint32_t head, nt;     /* next write position, samples held */
	uint32_t since_rebase; /* samples appended since the sums were rebuilt */
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
	return f->e->t[(f->first + i) & ENV_MASK] - f->e->tbase;
}

static inline double fit_y(const struct env_fit *f, size_t i)
{
	return f->s->y[(f->first + i) & ENV_MASK];
}

/* The sum of arr's quantity over samples [0, i) of the view, up to a constant. */
static inline double fit_pre(const struct env_fit *f, const double *arr, double total, size_t i)
{
	return i >= f->n ? total : arr[(f->first + i) & ENV_MASK];
}

/* Least squares over [i0, i1): slope; *sig (may be NULL) the residual sigma. */
static inline double fit_ols(const struct env_fit *f, size_t i0, size_t i1, double *sig)
{
	const struct envelope *e = f->e;
	const struct env_series *s = f->s;
	size_t p0 = (f->first + i0) & ENV_MASK, p1 = (f->first + i1) & ENV_MASK;
	bool end = i1 >= f->n; /* the sums through the newest are the totals */
	double n = (double)(i1 - i0);
	double mx = ((end ? e->tx : e->px[p1]) - e->px[p0]) / n;
	double my = ((end ? s->ty : s->py[p1]) - s->py[p0]) / n;
	double vxx = ((end ? e->txx : e->pxx[p1]) - e->pxx[p0]) - n * mx * mx;
	double vxy = ((end ? s->txy : s->pxy[p1]) - s->pxy[p0]) - n * mx * my;
	double b = vxx > 1e-12 ? vxy / vxx : 0.0;
	if (sig) {
		double vyy = ((end ? s->tyy : s->pyy[p1]) - s->pyy[p0]) - n * my * my;
		double ss = vyy - b * vxy;
		*sig = sqrt((ss > 0.0 ? ss : 0.0) / n);
	}
	return b;
}

static inline double fit_mean(const struct env_fit *f, size_t i0, size_t i1)
{
	const struct env_series *s = f->s;
	return (fit_pre(f, s->py, s->ty, i1) - fit_pre(f, s->py, s->ty, i0)) / (double)(i1 - i0) +
	       s->yb;
}

/* Extremes of sign*y over [i0, i1). */
static inline void fit_minmax(const struct env_fit *f, size_t i0, size_t i1, int sign, double *lo,
                              double *hi)
{
	double a = sign * fit_y(f, i0), b = a;
	for (size_t i = i0 + 1; i < i1; i++) {
		double v = sign * fit_y(f, i);
		if (v < a)
			a = v;
		if (v > b)
			b = v;
	}
	*lo = a;
	*hi = b;
}

#endif
