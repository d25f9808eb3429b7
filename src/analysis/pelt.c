/* pelt.c: PELT change points (l2 cost), ramp merging and segment labels
 * (see pelt.h). Sums run in long double on centred, scaled data so that
 * 10^5-point series of 10^5 MB values keep their small segment costs. */
#include "analysis/pelt.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

double pelt_preset(const char *name)
{
	if (!name)
		return -1.0;
	if (strcmp(name, "pytorch_training") == 0)
		return PELT_PENALTY_TRAINING;
	if (strcmp(name, "inference_server") == 0)
		return PELT_PENALTY_INFERENCE;
	if (strcmp(name, "unknown") == 0)
		return PELT_PENALTY_UNKNOWN;
	return -1.0;
}

const char *pelt_label_name(enum pelt_label l)
{
	switch (l) {
	case SEG_STEADY:
		return "steady";
	case SEG_LOAD:
		return "load";
	case SEG_WARMUP:
		return "warm-up";
	case SEG_LEAK:
		return "leak";
	case SEG_RELEASE:
		return "release";
	case SEG_SPIKE:
		return "spike";
	}
	return "steady";
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Median of v[0..n), n >= 1; reorders v. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* y with non-finite values replaced by the previous finite one. */
static double *clean_copy(const double *y, size_t n)
{
	double *z = xmalloc(n * sizeof(*z));
	double prev = 0.0;
	for (size_t i = 0; i < n; i++) {
		if (isfinite(y[i]))
			prev = y[i];
		z[i] = prev;
	}
	return z;
}

static double sigma_of(const double *z, size_t n)
{
	if (n < 3)
		return 0.0;
	double *d = xmalloc((n - 1) * sizeof(*d));
	for (size_t i = 0; i + 1 < n; i++)
		d[i] = z[i + 1] - z[i];
	double med = median(d, n - 1);
	for (size_t i = 0; i + 1 < n; i++)
		d[i] = fabs(d[i] - med);
	double mad = median(d, n - 1);
	free(d);
	double s = 1.4826 * mad / sqrt(2.0);
	return isfinite(s) ? s : 0.0;
}

double pelt_sigma(const double *y, size_t n)
{
	if (n < 3)
		return 0.0;
	double *z = clean_copy(y, n);
	double s = sigma_of(z, n);
	free(z);
	return s;
}

static void range_of(const double *z, size_t n, double *lo, double *hi)
{
	*lo = *hi = n ? z[0] : 0.0;
	for (size_t i = 1; i < n; i++) {
		if (z[i] < *lo)
			*lo = z[i];
		if (z[i] > *hi)
			*hi = z[i];
	}
}

/* The unit the penalty is counted in: sigma, floored (see pelt.h). */
static double scale_of(const double *z, size_t n)
{
	double lo, hi;
	range_of(z, n, &lo, &hi);
	double s = sigma_of(z, n), floor = 1e-3 * (hi - lo);
	if (!(s > floor))
		s = floor;
	if (!(s > 0.0) || !isfinite(s))
		s = 1.0; /* a constant series: any positive unit gives one segment */
	return s;
}

struct sums {
	long double *s1, *s2; /* prefix sums of z and z^2, n + 1 entries */
};

static long double seg_cost(const struct sums *S, size_t a, size_t b)
{
	long double s1 = S->s1[b] - S->s1[a], s2 = S->s2[b] - S->s2[a];
	long double c = s2 - s1 * s1 / (long double)(b - a);
	return c > 0 ? c : 0;
}

/* The grid PELT runs on: every sample for short series, every J-th for long
 * ones (J = ceil(n / PELT_GRID)), so that a day at 1 Hz stays well under a
 * second even when one segment spans most of it (PELT keeps every candidate
 * inside the current segment alive, which is quadratic in its length). */
#define PELT_GRID 4096

static size_t grid_pos(size_t g, size_t jump, size_t n)
{
	size_t p = g * jump;
	return p < n ? p : n;
}

/* PELT over grid positions; returns k and fills ends (capacity >= G). */
static size_t pelt_grid(const struct sums *S, size_t n, size_t jump, size_t m, double beta,
                        size_t *ends)
{
	size_t G = (n + jump - 1) / jump; /* grid indices 0..G, position G is n */
	long double *F = xmalloc((G + 1) * sizeof(*F));
	size_t *last = xmalloc((G + 1) * sizeof(*last));
	size_t *R = xmalloc((G + 1) * sizeof(*R));
	size_t nr = 1, next_s = 1;
	R[0] = 0;
	F[0] = -beta;
	last[0] = 0;
	for (size_t T = 1; T <= G; T++) {
		size_t pT = grid_pos(T, jump, n);
		/* admit every s that is now far enough behind T; before adding s,
		 * drop the candidates that can never beat it at any later end:
		 * F(tau) + C(tau, s) > F(s) (Killick et al., K = 0 for l2) */
		while (next_s < T && pT - grid_pos(next_s, jump, n) >= m) {
			size_t s = next_s++;
			if (!isfinite(F[s]))
				continue;
			size_t keep = 0, ps = grid_pos(s, jump, n);
			for (size_t i = 0; i < nr; i++) {
				size_t tau = R[i];
				if (F[tau] + seg_cost(S, grid_pos(tau, jump, n), ps) <= F[s])
					R[keep++] = tau;
			}
			nr = keep;
			R[nr++] = s;
		}
		long double best = INFINITY;
		size_t arg = 0;
		for (size_t i = 0; i < nr; i++) {
			size_t pt = grid_pos(R[i], jump, n);
			if (pT - pt < m)
				continue;
			long double f = F[R[i]] + seg_cost(S, pt, pT) + beta;
			if (f < best) {
				best = f;
				arg = R[i];
			}
		}
		F[T] = best;
		last[T] = arg;
	}
	size_t k = 0;
	for (size_t g = G; g > 0; g = last[g])
		k++;
	size_t j = k;
	for (size_t g = G; g > 0; g = last[g])
		ends[--j] = grid_pos(g, jump, n);
	free(F);
	free(last);
	free(R);
	return k;
}

/* Moves each change point found on a coarse grid to the best single split
 * of the span between its neighbours, within one grid step either way. */
static void refine(const struct sums *S, size_t *ends, size_t k, size_t jump, size_t m)
{
	for (size_t i = 0; i + 1 < k; i++) {
		size_t a = i ? ends[i - 1] : 0, b = ends[i + 1], c = ends[i];
		size_t lo = c > jump ? c - jump + 1 : 1, hi = c + jump - 1;
		if (lo < a + m)
			lo = a + m;
		if (hi > b - m)
			hi = b - m;
		long double best = INFINITY;
		for (size_t p = lo; p <= hi; p++) {
			long double f = seg_cost(S, a, p) + seg_cost(S, p, b);
			if (f < best) {
				best = f;
				c = p;
			}
		}
		ends[i] = c;
	}
}

/* Drops change points the grid needed only to isolate a step that fell
 * between two grid positions: those whose removal costs at most beta. */
static size_t drop_redundant(const struct sums *S, size_t *ends, size_t k, double beta)
{
	size_t i = 0;
	while (i + 1 < k) {
		size_t a = i ? ends[i - 1] : 0, c = ends[i], b = ends[i + 1];
		if (seg_cost(S, a, b) <= seg_cost(S, a, c) + seg_cost(S, c, b) + beta) {
			memmove(&ends[i], &ends[i + 1], (k - i - 1) * sizeof(*ends));
			k--;
			if (i)
				i--;
			continue;
		}
		i++;
	}
	return k;
}

size_t pelt_detect(const double *y, size_t n, const struct pelt_opts *o, size_t **ends)
{
	*ends = NULL;
	if (n == 0)
		return 0;
	size_t m = o && o->min_size ? o->min_size : 1;
	double beta = o && isfinite(o->penalty) && o->penalty > 0 ? o->penalty : 0.0;
	if (n < 2 * m) {
		*ends = xmalloc(sizeof(**ends));
		(*ends)[0] = n;
		return 1;
	}
	double *z = clean_copy(y, n);
	double scale = scale_of(z, n);
	long double centre = 0;
	for (size_t i = 0; i < n; i++)
		centre += z[i];
	centre /= (long double)n;

	struct sums S = {xmalloc((n + 1) * sizeof(long double)),
	                 xmalloc((n + 1) * sizeof(long double))};
	S.s1[0] = S.s2[0] = 0;
	for (size_t i = 0; i < n; i++) {
		long double v = ((long double)z[i] - centre) / scale;
		S.s1[i + 1] = S.s1[i] + v;
		S.s2[i + 1] = S.s2[i] + v * v;
	}
	free(z);

	size_t jump = n <= PELT_GRID ? 1 : (n + PELT_GRID - 1) / PELT_GRID;
	size_t *e = xmalloc(((n + jump - 1) / jump + 1) * sizeof(*e));
	size_t k = pelt_grid(&S, n, jump, m, beta, e);
	if (jump > 1) {
		refine(&S, e, k, jump, m);
		k = drop_redundant(&S, e, k, beta);
		refine(&S, e, k, jump, m);
	}
	free(S.s1);
	free(S.s2);
	*ends = e;
	return k;
}

/* Prefix sums for straight-line fits over [a, b). */
struct linsums {
	long double *st, *stt, *sy, *syy, *sty;
	double t0, y0;
};

static void linsums_build(struct linsums *L, const double *t, const double *z, size_t n)
{
	size_t sz = (n + 1) * sizeof(long double);
	L->st = xmalloc(sz);
	L->stt = xmalloc(sz);
	L->sy = xmalloc(sz);
	L->syy = xmalloc(sz);
	L->sty = xmalloc(sz);
	L->t0 = t ? t[0] : 0.0;
	L->y0 = z[0];
	L->st[0] = L->stt[0] = L->sy[0] = L->syy[0] = L->sty[0] = 0;
	for (size_t i = 0; i < n; i++) {
		long double x = (t ? t[i] : (double)i) - L->t0, v = z[i] - L->y0;
		L->st[i + 1] = L->st[i] + x;
		L->stt[i + 1] = L->stt[i] + x * x;
		L->sy[i + 1] = L->sy[i] + v;
		L->syy[i + 1] = L->syy[i] + v * v;
		L->sty[i + 1] = L->sty[i] + x * v;
	}
}

static void linsums_free(struct linsums *L)
{
	free(L->st);
	free(L->stt);
	free(L->sy);
	free(L->syy);
	free(L->sty);
}

struct fit {
	double mean, tmean, slope;
	long double rss_const, rss_lin;
};

static struct fit fit_range(const struct linsums *L, size_t a, size_t b)
{
	long double k = (long double)(b - a);
	long double st = L->st[b] - L->st[a], sy = L->sy[b] - L->sy[a];
	long double sxx = (L->stt[b] - L->stt[a]) - st * st / k;
	long double sxy = (L->sty[b] - L->sty[a]) - st * sy / k;
	long double syy = (L->syy[b] - L->syy[a]) - sy * sy / k;
	struct fit f = {0};
	f.mean = (double)(sy / k) + L->y0;
	f.tmean = (double)(st / k) + L->t0;
	f.rss_const = syy > 0 ? syy : 0;
	f.rss_lin = f.rss_const;
	if (sxx > 0) {
		f.slope = (double)(sxy / sxx);
		long double r = syy - sxy * sxy / sxx;
		f.rss_lin = r > 0 ? r : 0;
	}
	return f;
}

static double time_at(const double *t, size_t i)
{
	return t ? t[i] : (double)i;
}

static void seg_levels(const struct pelt_seg *s, const double *t, double *lo, double *hi,
                       double *rise)
{
	double t0 = time_at(t, s->start), t1 = time_at(t, s->end - 1), tm = 0.5 * (t0 + t1);
	double a = s->mean + s->slope * (t0 - tm), b = s->mean + s->slope * (t1 - tm);
	*lo = a < b ? a : b;
	*hi = a < b ? b : a;
	*rise = b - a;
}

/* Labels from each segment's fit and its neighbours' (thresholds: thr is
 * the larger of 5 noise sigmas and 1 % of the series' range):
 *  - a rise of more than thr: "load" when it takes at most 2 x min_size
 *    samples, "warm-up" when the next segment is flat above its mean (it
 *    levelled off), else "leak"; a fall of more than thr: "release";
 *  - a flat segment: against the previous one's range of levels, more than
 *    thr (plus what a sloped neighbour covers in min_size samples) above:
 *    "spike" when short (<= 3 x min_size) and followed by a fall
 *    of more than thr, else "load"; more than thr below: "release", or
 *    "steady" when it is the return from a spike; otherwise "steady". */
static void label_all(struct pelt_seg *s, size_t k, const double *t, double thr, size_t m)
{
	for (size_t i = 0; i < k; i++) {
		double lo, hi, rise;
		seg_levels(&s[i], t, &lo, &hi, &rise);
		size_t len = s[i].end - s[i].start;
		enum pelt_label l = SEG_STEADY;
		if (rise > thr) {
			double nlo, nhi, nrise;
			bool levels_off = false;
			if (i + 1 < k) {
				seg_levels(&s[i + 1], t, &nlo, &nhi, &nrise);
				levels_off = fabs(nrise) <= thr && s[i + 1].mean > s[i].mean + thr;
			}
			l = len <= 2 * m ? SEG_LOAD : levels_off ? SEG_WARMUP : SEG_LEAK;
		} else if (rise < -thr) {
			l = SEG_RELEASE;
		} else if (i > 0) {
			double plo, phi, prise;
			seg_levels(&s[i - 1], t, &plo, &phi, &prise);
			/* a sloped neighbour's end may sit up to min_size samples
			 * off: allow for the level it covers in that time */
			size_t plen = s[i - 1].end - s[i - 1].start;
			double pdt =
			    plen > 1 ? (time_at(t, s[i - 1].end - 1) - time_at(t, s[i - 1].start)) /
			                   (double)(plen - 1)
			             : 0.0;
			double tol = thr + fabs(s[i - 1].slope) * (double)m * pdt;
			if (s[i].mean > phi + tol) {
				bool back_down = i + 1 < k && s[i + 1].mean < s[i].mean - thr;
				l = back_down && len <= 3 * m ? SEG_SPIKE : SEG_LOAD;
			} else if (s[i].mean < plo - tol) {
				bool after_spike = i >= 2 && s[i - 1].label == SEG_SPIKE &&
				                   fabs(s[i].mean - s[i - 2].mean) < thr;
				l = after_spike ? SEG_STEADY : SEG_RELEASE;
			}
		}
		s[i].label = l;
	}
}

/* A short segment whose mean lies between its neighbours' is the corner of
 * a transition (where a ramp meets a plateau, neither fits it): it joins
 * the neighbour whose mean is closer. Returns the new count. */
static size_t absorb_corners(const struct linsums *L, struct pelt_seg *s, size_t k, size_t maxlen)
{
	size_t i = 1;
	while (i + 1 < k) {
		double a = fit_range(L, s[i - 1].start, s[i - 1].end).mean;
		double c = fit_range(L, s[i].start, s[i].end).mean;
		double b = fit_range(L, s[i + 1].start, s[i + 1].end).mean;
		bool between = (a < c && c < b) || (b < c && c < a);
		if (s[i].end - s[i].start > maxlen || !between) {
			i++;
			continue;
		}
		if (fabs(c - a) < fabs(c - b))
			s[i - 1].end = s[i].end;
		else
			s[i + 1].start = s[i].start;
		memmove(&s[i], &s[i + 1], (k - i - 1) * sizeof(*s));
		k--;
	}
	return k;
}

size_t pelt_segments(const double *t, const double *y, size_t n, const struct pelt_opts *o,
                     struct pelt_seg **segs)
{
	*segs = NULL;
	size_t *ends;
	size_t k = pelt_detect(y, n, o, &ends);
	if (!k)
		return 0;
	double *z = clean_copy(y, n);
	double scale = scale_of(z, n), lo, hi;
	range_of(z, n, &lo, &hi);
	double sigma = sigma_of(z, n);
	double beta = o && isfinite(o->penalty) && o->penalty > 0 ? o->penalty : 0.0;
	size_t m = o && o->min_size ? o->min_size : 1;
	struct linsums L;
	linsums_build(&L, t, z, n);

	/* merge neighbours that one line fits at least as well as two levels
	 * and the change point between them */
	struct pelt_seg *out = xcalloc(k, sizeof(*out));
	size_t nout = 0;
	size_t cs = 0, ce = ends[0];
	long double ccost = fit_range(&L, 0, ends[0]).rss_const;
	long double pen = (long double)beta * scale * scale;
	for (size_t i = 1; i <= k; i++) {
		if (i < k) {
			size_t ns = ends[i - 1], ne = ends[i];
			long double ncost = fit_range(&L, ns, ne).rss_const;
			long double lin = fit_range(&L, cs, ne).rss_lin;
			if (lin <= ccost + ncost + pen) {
				ce = ne;
				ccost = lin;
				continue;
			}
			out[nout++] = (struct pelt_seg){.start = cs, .end = ce};
			cs = ns;
			ce = ne;
			ccost = ncost;
		} else {
			out[nout++] = (struct pelt_seg){.start = cs, .end = ce};
		}
	}
	nout = absorb_corners(&L, out, nout, 2 * m);
	for (size_t i = 0; i < nout; i++) {
		struct fit f = fit_range(&L, out[i].start, out[i].end);
		out[i].mean = f.mean;
		out[i].slope = f.slope;
		out[i].t_start = time_at(t, out[i].start);
		out[i].t_end = time_at(t, out[i].end - 1);
	}
	double thr = 5.0 * sigma;
	if (thr < 0.01 * (hi - lo))
		thr = 0.01 * (hi - lo);
	if (!(thr > 0.0))
		thr = 1e-12;
	label_all(out, nout, t, thr, m);
	linsums_free(&L);
	free(ends);
	free(z);
	*segs = out;
	return nout;
}
