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

	long double *F = xmalloc((n + 1) * sizeof(*F));
	size_t *last = xmalloc((n + 1) * sizeof(*last));
	size_t *R = xmalloc((n + 1) * sizeof(*R));
	size_t nr = 1;
	R[0] = 0;
	F[0] = -beta;
	last[0] = 0;
	for (size_t s = 1; s < m; s++)
		F[s] = INFINITY;
	for (size_t T = m; T <= n; T++) {
		if (T >= 2 * m) {
			/* s = T - m becomes admissible. Before adding it, drop every
			 * candidate that can never beat s at any end >= T:
			 * F(tau) + C(tau, s) > F(s) (K = 0 for l2). */
			size_t s = T - m, keep = 0;
			for (size_t i = 0; i < nr; i++) {
				size_t tau = R[i];
				if (F[tau] + seg_cost(&S, tau, s) <= F[s])
					R[keep++] = tau;
			}
			nr = keep;
			R[nr++] = s;
		}
		long double best = INFINITY;
		size_t arg = 0;
		for (size_t i = 0; i < nr; i++) {
			long double f = F[R[i]] + seg_cost(&S, R[i], T) + beta;
			if (f < best) {
				best = f;
				arg = R[i];
			}
		}
		F[T] = best;
		last[T] = arg;
	}

	size_t k = 0;
	for (size_t idx = n; idx > 0; idx = last[idx])
		k++;
	size_t *e = xmalloc(k * sizeof(*e));
	size_t j = k;
	for (size_t idx = n; idx > 0; idx = last[idx])
		e[--j] = idx;
	free(S.s1);
	free(S.s2);
	free(F);
	free(last);
	free(R);
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

static void label_all(struct pelt_seg *s, size_t k, const double *t, double thr, size_t m)
{
	for (size_t i = 0; i < k; i++) {
		double t0 = time_at(t, s[i].start), t1 = time_at(t, s[i].end - 1);
		double tm = 0.5 * (t0 + t1);
		double lvl_in = s[i].mean + s[i].slope * (t0 - tm);
		double rise = s[i].slope * (t1 - t0);
		bool flat = fabs(rise) < thr;
		double jump_in = 0.0;
		if (i > 0) {
			double p0 = time_at(t, s[i - 1].start), p1 = time_at(t, s[i - 1].end - 1);
			double prev_out = s[i - 1].mean + s[i - 1].slope * (p1 - 0.5 * (p0 + p1));
			jump_in = lvl_in - prev_out;
		}
		enum pelt_label l = SEG_STEADY;
		if (!flat && rise > 0) {
			bool levels_off = false;
			if (i + 1 < k) {
				double n0 = time_at(t, s[i + 1].start),
				       n1 = time_at(t, s[i + 1].end - 1);
				bool next_flat = fabs(s[i + 1].slope * (n1 - n0)) < thr;
				double out = s[i].mean + s[i].slope * (t1 - tm);
				double next_in =
				    s[i + 1].mean + s[i + 1].slope * (n0 - 0.5 * (n0 + n1));
				levels_off = next_flat && next_in > out - thr;
			}
			l = levels_off ? SEG_WARMUP : SEG_LEAK;
		} else if (!flat) {
			l = SEG_RELEASE;
		} else if (jump_in > thr) {
			bool back_down = i + 1 < k && s[i + 1].mean < s[i].mean - thr;
			l = back_down && s[i].end - s[i].start <= 3 * m ? SEG_SPIKE : SEG_LOAD;
		} else if (jump_in < -thr) {
			l = SEG_RELEASE;
		}
		s[i].label = l;
	}
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
