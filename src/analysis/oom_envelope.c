/* oom_envelope.c: the "envelope" predictor -- sustained-growth segments, the
 * allocator envelope brought forward along the trend, an evidence rule and a
 * horizon-aware rate range (docs/oom-prediction.md; bench/proto_envelope.py
 * is the prototype: GPU lines match it, process lines may idle). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/idtab.h"
#include "analysis/oom_envelope_fit.h"
#include "analysis/predictor.h"
#include "core/xalloc.h"

#define ENV_MAX_PROCS 256 /* per GPU; later processes get no state */
#define MIB           1048576.0

/* Segment acceptance (env_seg_test). */
#define Z_SIG 3.0  /* the trend's rise must exceed Z_SIG residual sigmas */
#define ALPHA 0.3  /* each third's mean rises by >= ALPHA of the trend's third */
#define BETA  0.25 /* first (and, fresh, last) third's own slope >= BETA of it */
#define GAMMA 0.5  /* no single interval carries more than GAMMA of the rise */
/* A trendless series is stable when its last STABLE_W samples span less than
 * max(STABLE_MB, STABLE_FRAC x level), or its last STABLE_RECENT do after a
 * step (env_level); volatile otherwise. */
#define STABLE_W      30
#define STABLE_RECENT 10
#define STABLE_MB     64.0
#define STABLE_FRAC   0.02
/* The range (env_oom). */
#define K_EVID     0.2  /* grown/headroom that earns confidence 0.3 */
#define U0         0.05 /* ... plus this share of the rate */
#define B_FLOOR    0.3  /* the slow end never below this share of the rate */
#define MAX_BLOCKS 8
/* The rate range: +- z block sigmas, shrunk by sqrt(tau/T). z is the
 * Student-t quantile, at the blocks' nb - 1 degrees of freedom, of what 1.5
 * sigmas of a normal hold (93.3 %): two or three block slopes say little of
 * their own spread, and a start-up ramp's rate can halve within its first
 * blocks. Indexed by nb - 1. */
static const double Z_RATE_T[MAX_BLOCKS] = {0.0, 4.694, 2.454, 2.043, 1.878, 1.789, 1.734, 1.696};
#define BLOCK_MIN      8    /* samples per block, at least */
#define FULL_LINE      0.02 /* within this share of the capacity: at the full line */
#define HW             0.5  /* slow end's level: HW of the way from peak to trough */
#define HORIZON        3600.0
#define CULPRIT_MIN_MB 1.0 /* a culprit's own trend rose at least this much */
/* The idle rule (series_step): a process series the search found trendless
 * skips the search for up to IDLE_TICKS ticks while each new sample stays
 * within the range of the IDLE_BAND samples before that search. */
#define IDLE_TICKS 32
#define IDLE_BAND  64
#define HOT_TICKS  64 /* after a new high or low, or a trend: no idling */
/* A process's trend must rise at least this many MiB over its segment (half
 * the stable band): allocator jitter of a few MiB is no trend, and each
 * chance "trend" kept the process awake (HOT_TICKS) for nothing. The GPU's
 * own series has no such floor: its warning must not wait. */
#define PROC_MIN_RISE 32.0
/* Deep mode's demand line (envelope_update): a process whose allocator's
 * peak allocation rose on at least PEAK_RISES of the last 8 ticks (bits of
 * PEAK_MASK) keeps making new highs -- a grower, not one spike -- and counts
 * at its peak where that exceeds its reservation. */
#define PEAK_MASK  0xffu
#define PEAK_RISES 2

struct env_result {
	enum vt_phase phase;
	double rate;
	uint32_t seg;
};
static double dmax(double a, double b)
{
	return a > b ? a : b;
}

static double dmin(double a, double b)
{
	return a < b ? a : b;
}

/* Does the window of the last L samples show sustained change in direction
 * sign? A trend that rises significantly above the residual noise (the
 * caller asked fit_trend_dir), through each third, carried by no single
 * jump, with both envelopes (lows and highs) rising. cont: the window
 * continues the segment accepted last tick; its last third need not rise on
 * its own (a leak may pause), but it must make a new high. Returns the trend
 * slope (in direction sign) or 0. */
static double env_seg_test(const struct env_fit *f, size_t L, int sign, bool cont)
{
	size_t n = f->n, i0 = n - L;
	double dur = fit_x(f, n - 1) - fit_x(f, i0);
	double b = sign * fit_ols(f, i0, n);
	if (dur <= 0.0 || b <= 0.0)
		return 0.0;
	/* thirds of the window's time, not of its samples: samples are not
	 * evenly spaced (a timer's jitter, a sample that failed, a trace
	 * recorded at another rate) */
	double x0 = fit_x(f, i0);
	size_t a1 = fit_at(f, i0 + 1, n - 2, x0 + dur / 3.0);
	size_t a2 = fit_at(f, a1 + 1, n - 1, x0 + 2.0 * dur / 3.0);
	double m0 = sign * fit_mean(f, i0, a1), m1 = sign * fit_mean(f, a1, a2);
	double m2 = sign * fit_mean(f, a2, n);
	double e = b * dur / 3.0;
	if (m1 - m0 < ALPHA * e || m2 - m1 < ALPHA * e)
		return 0.0;
	/* the O(1) conditions before the O(L) ones */
	if (sign * fit_ols(f, i0, a1) < BETA * b)
		return 0.0;
	if (!cont && sign * fit_ols(f, a2, n) < BETA * b)
		return 0.0;
	/* the O(L) ones in one pass over the thirds */
	struct env_span s1 = fit_span(f, i0, a1, fit_y(f, i0));
	struct env_span s2 = fit_span(f, a1, a2, fit_y(f, a1 - 1));
	struct env_span s3 = fit_span(f, a2, n, fit_y(f, a2 - 1));
	double step =
	    sign > 0 ? dmax(s1.up, dmax(s2.up, s3.up)) : dmax(s1.down, dmax(s2.down, s3.down));
	if (step > GAMMA * b * dur)
		return 0.0; /* one step is not a trend */
	/* extremes of sign*y: the lows and highs of the first and last thirds */
	double lo1 = sign > 0 ? s1.lo : -s1.hi, hi1 = sign > 0 ? s1.hi : -s1.lo;
	double lo3 = sign > 0 ? s3.lo : -s3.hi, hi3 = sign > 0 ? s3.hi : -s3.lo;
	if (lo3 <= lo1 || hi3 <= hi1)
		return 0.0;
	if (cont && hi3 <= (sign > 0 ? s2.hi : -s2.lo) + 0.05 * e)
		return 0.0; /* no new high lately: the growth stopped */
	return b;
}

/* Phase and rate of a trendless series: stable when its last STABLE_W
 * samples span less than the band, or when its last STABLE_RECENT do and
 * the older ones, once they reached that level, never left it (a step: a
 * load or a release, done); volatile otherwise (spikes and dips leave the
 * level and come back), at the slope of those samples. */
static struct env_result env_level(const struct env_fit *f)
{
	size_t n = f->n, w = n < STABLE_W ? n : STABLE_W, r = n < STABLE_RECENT ? n : STABLE_RECENT;
	double lo, hi, rlo, rhi;
	fit_minmax(f, n - w, n, 1, &lo, &hi);
	fit_minmax(f, n - r, n, 1, &rlo, &rhi);
	double lvl = fabs(fit_mean(f, n - r, n));
	double lim = STABLE_FRAC * lvl > STABLE_MB ? STABLE_FRAC * lvl : STABLE_MB;
	if (hi - lo <= lim)
		return (struct env_result){PHASE_STABLE, fit_ols(f, n - w, n), 0};
	if (rhi - rlo <= lim) {
		bool reached = false, step = true;
		for (size_t i = n - w; i < n - r && step; i++) {
			double v = fit_y(f, i);
			bool in = v >= rhi - lim && v <= rlo + lim;
			step = in || !reached;
			reached = reached || in;
		}
		if (step)
			return (struct env_result){PHASE_STABLE, fit_ols(f, n - r, n), 0};
	}
	return (struct env_result){PHASE_VOLATILE, fit_ols(f, n - w, n), 0};
}

/* Phase and rate of a series; updates its segment. */
static struct env_result env_analyze(const struct envelope *e, struct env_series *s,
                                     const struct env_fit *f, bool proc)
{
	struct env_result r = {PHASE_STABLE, 0.0, 0};
	size_t n = f->n;
	if (n < 3) { /* no trend yet; two samples may already differ */
		s->seg = 0;
		s->sign = 0;
		return n < 2 ? r : env_level(f);
	}
	/* each window's first condition, asked once for both directions, from
	 * the longest down as far as the search goes: bit c of up (down) says
	 * window c rises (falls), for c >= lo */
	const struct env_trend tc = fit_trend_ctx(e, s);
	uint64_t up = 0, down = 0;
	size_t m = 0, lo;
	while (m < e->ncand && e->cand[m] <= n)
		m++;
	lo = m;
	/* the windows' sums lie scattered over the rings, mostly out of cache:
	 * ask for them all at once rather than one miss after another */
	for (size_t c = 0; c < m; c++) {
		uint32_t p0 = (e->head - e->cand[c]) & ENV_MASK;
		__builtin_prefetch(&s->pre[p0]);
		__builtin_prefetch(&e->tk[p0]);
	}
	for (int sign = 1; sign >= -1; sign -= 2) {
		size_t best_l = 0;
		double best_b = 0.0;
		/* last tick's segment, one sample longer: if it still passes, only
		 * the longer windows are worth trying */
		if (s->sign == sign && s->seg >= e->min_seg && s->seg <= n &&
		    fit_trend_dir(&tc, s->seg, Z_SIG, 0.0) == sign) {
			double b = env_seg_test(f, s->seg, sign, true);
			if (b > 0.0) {
				best_l = s->seg;
				best_b = b;
			}
		}
		/* the longest window that passes: try the longest first */
		for (size_t c = m; c-- > 0 && e->cand[c] > best_l;) {
			if (c < lo) {
				int d = fit_trend_dir(&tc, e->cand[c], Z_SIG, 0.0);
				up |= (uint64_t)(d > 0) << c;
				down |= (uint64_t)(d < 0) << c;
				lo = c;
			}
			if (!(((sign > 0 ? up : down) >> c) & 1))
				continue;
			double b = env_seg_test(f, e->cand[c], sign, false);
			if (b > 0.0) {
				best_l = e->cand[c];
				best_b = b;
				break;
			}
		}
		if (best_l && best_b >= e->params.min_rate_mb_s &&
		    (!proc || best_b * (fit_x(f, n - 1) - fit_x(f, n - best_l)) >= PROC_MIN_RISE)) {
			r.phase = sign > 0 ? PHASE_GROWING : PHASE_SHRINKING;
			r.rate = sign * best_b;
			r.seg = (uint32_t)best_l;
			s->seg = (uint32_t)best_l;
			s->sign = sign;
			return r;
		}
	}
	s->seg = 0;
	s->sign = 0;
	return env_level(f);
}

/* Median of y[i0, i0+k), 1 <= k <= ENV_CAP/8: an insertion sort, about
 * linear on the nearly sorted samples of a growing segment. */
static double fit_median(const struct env_fit *f, size_t i0, size_t k)
{
	double v[ENV_CAP / 8] = {0.0};
	for (size_t i = 0; i < k; i++) {
		double y = fit_y(f, i0 + i);
		size_t j = i;
		for (; j > 0 && v[j - 1] > y; j--)
			v[j] = v[j - 1];
		v[j] = y;
	}
	return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

/* The OOM range of a growing segment of the last L samples against cap MiB.
 * False when the recent rate is below the floor. level: when f is a
 * process's series, the GPU's (the envelope of what must fit is the GPU's,
 * the rate the process's); NULL when f is the GPU's own. */
static bool env_oom(const struct envelope *e, const struct env_fit *f, size_t L, double cap,
                    const struct env_series *level, struct pred_output *out)
{
	size_t n = f->n, i0 = n - L;
	size_t half = L / 2 > e->min_seg ? L / 2 : e->min_seg;
	double b_seg = fit_ols(f, i0, n);
	double b_mid = fit_ols(f, n - half, n);
	if (b_mid < e->params.min_rate_mb_s || b_mid <= 1e-9)
		return false;
	/* the rate's own fluctuation: slopes of disjoint blocks of the segment */
	size_t nb = L / BLOCK_MIN;
	nb = nb > MAX_BLOCKS ? MAX_BLOCKS : nb < 2 ? 2 : nb;
	double rs[MAX_BLOCKS], mr = 0.0, tau = 0.0;
	for (size_t j = 0; j < nb; j++) {
		size_t a = i0 + L * j / nb, c = i0 + L * (j + 1) / nb;
		rs[j] = fit_ols(f, a, c);
		mr += rs[j];
		tau += fit_x(f, c - 1) - fit_x(f, a);
	}
	mr /= (double)nb;
	tau /= (double)nb;
	double ss = 0.0;
	for (size_t j = 0; j < nb; j++)
		ss += (rs[j] - mr) * (rs[j] - mr);
	double sd = sqrt(ss / (double)(nb - 1));
	/* the envelopes brought forward to now along the trend */
	double tn = fit_x(f, n - 1), peak = 0.0, trough = 0.0, low_seen = 0.0, now_v = 0.0;
	for (size_t i = n - half; i < n; i++) {
		double v = level ? level->y[(f->first + i) & ENV_MASK] : fit_y(f, i);
		double p = v + b_mid * (tn - fit_x(f, i));
		if (i == n - half || p > peak)
			peak = p;
		if (i == n - half || p < trough)
			trough = p;
		if (i == n - half || v < low_seen)
			low_seen = v;
		now_v = v;
	}
	double h_peak = dmax(0.0, cap - peak);
	double h_slow = dmax(0.0, cap - (HW * trough + (1.0 - HW) * peak));
	/* over a horizon T the block fluctuations average out as sqrt(tau/T) */
	double t_mid = h_peak / b_mid;
	double du = U0 * b_mid;
	if (tau > 0.0)
		du += Z_RATE_T[nb - 1] * sd * sqrt(tau / dmax(t_mid, tau));
	double b_lo = dmax(dmax(b_mid - du, B_FLOOR * b_mid), dmin(b_seg, b_mid) * B_FLOOR);
	double b_hi = dmax(b_mid + du, b_seg);
	double low = dmin(HORIZON, h_peak / b_hi);
	double high = dmin(HORIZON, dmax(low, h_slow / b_lo));
	/* At the full line NVML is flat and blind: the allocator serves the
	 * leak from its cache until the live bytes, at most the lowest level
	 * seen lately, reach the line. At the trend's own rate, not the slow
	 * end's: that would push a standing warning past its horizon. The
	 * same when the peak line is already past the capacity and the GPU
	 * lives on: that projection is refuted (the allocator frees its cache
	 * and retries, a neighbour's refused spikes no longer land), and only
	 * the live bytes' way to the line is left to measure. */
	if (cap - now_v < FULL_LINE * cap || peak >= cap)
		high = dmin(HORIZON, dmax(high, (cap - low_seen) / b_mid));
	/* evidence: how much it grew vs the room left */
	size_t k = L / 8 > 2 ? L / 8 : 2;
	double grown = fit_median(f, n - k, k) - fit_median(f, i0, k);
	double rho = grown / dmax(h_peak, 1.0);
	double conf = 0.3 / K_EVID * rho;
	out->has_oom = true;
	out->low_s = low;
	out->high_s = high;
	out->confidence = conf < 0.0 ? 0.0 : conf > 1.0 ? 1.0 : conf;
	out->rate_mb_s = b_mid;
	return true;
}

static void *envelope_create(const struct pred_params *params)
{
	struct envelope *e = xcalloc(1, sizeof(*e));
	if (params)
		e->params = *params;
	else
		pred_params_default(&e->params);
	if (!(e->params.min_rate_mb_s >= 0.0)) /* NaN too */
		e->params.min_rate_mb_s = 1.0;
	int ms = e->params.min_sustained_samples;
	e->min_seg = ms < 3 ? 3 : ms > ENV_CAP ? ENV_CAP : (uint32_t)ms;
	for (uint32_t l = e->min_seg; l < ENV_CAP && e->ncand < ENV_MAX_CANDS - 1;) {
		e->cand[e->ncand++] = l;
		uint32_t next = (uint32_t)(l * 1.25);
		l = next > l + 1 ? next : l + 1;
	}
	e->cand[e->ncand++] = ENV_CAP;
	idtab_init(&e->procs, sizeof(struct env_proc), ENV_MAX_PROCS);
	return e;
}

static void envelope_destroy(void *self)
{
	struct envelope *e = self;
	if (!e)
		return;
	idtab_free(&e->procs);
	free(e->fresh);
	free(e);
}

/* Sums of series s at ring position pos (whose value is already in place)
 * from the sums before it. */
static void series_sum(const struct envelope *e, struct env_series *s, uint32_t pos)
{
	double x = e->tk[pos].t - e->tbase, v = s->y[pos] - s->yb;
	const struct env_pre *q = &s->pre[pos];
	s->ty = q->y + v;
	s->txy = q->xy + x * v;
	s->tyy = q->yy + v * v;
}

/* Appends (or, same time, overwrites) a value of series s at the ring slot
 * last written; advance says whether the time ring moved on this tick. run
 * counts the trailing samples equal to the newest (a flat series skips the
 * analysis). */
static void series_put(const struct envelope *e, struct env_series *s, uint32_t slot, double v,
                       bool advance)
{
	if (advance || s->n == 0) {
		uint32_t prev = (slot + ENV_CAP - 1) & ENV_MASK;
		s->run = s->n > 0 && s->y[prev] == v ? s->run + 1 : 1;
		if (s->seg)
			s->seg++;
		if (s->n == 0)
			s->yb = v;
		s->pre[slot] = s->n == 0 ? (struct env_pre){0.0, 0.0, 0.0, 0.0}
		                         : (struct env_pre){s->ty, s->txy, s->tyy, 0.0};
		if (s->n < e->nt)
			s->n++;
		if (s->seg > s->n)
			s->seg = s->n;
	} else if (s->y[slot] != v) {
		s->run = 1;
	}
	if (s->run > s->n)
		s->run = s->n;
	s->y[slot] = v;
	series_sum(e, s, slot);
}

/* Rebuilds a series' sums from its samples after the time base moved, with
 * its oldest sample as the new offset (differences of sums stay small). */
static void series_rebase(const struct envelope *e, struct env_series *s)
{
	if (s->n == 0)
		return;
	uint32_t first = (e->head + ENV_CAP - s->n) & ENV_MASK;
	s->yb = s->y[first];
	s->pre[first] = (struct env_pre){0.0, 0.0, 0.0, 0.0};
	for (uint32_t k = 0;; k++) {
		uint32_t pos = (first + k) & ENV_MASK;
		series_sum(e, s, pos);
		if (k + 1 == s->n)
			break;
		s->pre[(pos + 1) & ENV_MASK] = (struct env_pre){s->ty, s->txy, s->tyy, 0.0};
	}
}

/* Every ENV_CAP samples the time base moves to the oldest sample held and
 * every sum is rebuilt: amortised O(1), and the sums never grow without
 * bound (their differences keep the precision of a fresh fit). */
static void envelope_rebase(struct envelope *e, size_t np)
{
	uint32_t first = (e->head + ENV_CAP - e->nt) & ENV_MASK;
	e->tbase = e->tk[first].t;
	e->tx = e->txx = 0.0;
	for (uint32_t k = 0; k < e->nt; k++) {
		uint32_t pos = (first + k) & ENV_MASK;
		double x = e->tk[pos].t - e->tbase;
		e->tk[pos].x = e->tx;
		e->tk[pos].xx = e->txx;
		e->tx += x;
		e->txx += x * x;
	}
	series_rebase(e, &e->gpu);
	for (size_t j = 0; j < np; j++)
		series_rebase(e, &((struct env_proc *)idtab_at(&e->procs, j))->s);
	e->since_rebase = 0;
}

/* Does the shortest window show a trend beyond its noise in either
 * direction (the segment test's first condition)? O(1). */
static bool env_short_trend(const struct envelope *e, const struct env_fit *f)
{
	size_t L = e->min_seg < f->n ? e->min_seg : f->n;
	const struct env_trend tc = fit_trend_ctx(e, f->s);
	return fit_trend_dir(&tc, (uint32_t)L, Z_SIG, e->params.min_rate_mb_s) != 0;
}

/* Phase and rate of series s this tick. A series flat over all it holds is
 * stable at rate 0 (the full analysis' answer) without a search; *searched
 * says whether it was not flat. A process series (may_idle) that the search
 * found trendless goes idle: the window search is skipped while its new
 * samples stay within the range of its last IDLE_BAND samples at that search
 * (widened at min_rate per second: slower drift is no reportable trend) and
 * the shortest window shows no trend of min_rate or more beyond its noise,
 * for IDLE_TICKS ticks at most. A trend must make new highs (lows), or show
 * in the shortest window, before the segment test can pass. In between, its
 * phase and rate are the trendless ones, in O(1) when the range itself is
 * within the stable limit. The GPU's own series never idles: it alone makes
 * the warning. */
static struct env_result series_step(struct envelope *e, struct env_series *s, bool may_idle,
                                     bool *searched)
{
	if (s->n >= 3 && s->run >= s->n) {
		s->seg = 0;
		s->sign = 0;
		s->idle = 0;
		*searched = false;
		return (struct env_result){PHASE_STABLE, 0.0, 0};
	}
	struct env_fit f = fit_view(e, s);
	*searched = true;
	double v = fit_y(&f, f.n - 1), now = e->tk[(e->head + ENV_MASK) & ENV_MASK].t;
	double drift = e->params.min_rate_mb_s * (now - s->qt);
	bool in_range = s->idle > 0 && v >= s->qlo - drift && v <= s->qhi + drift;
	if (s->idle > 0 && !in_range)
		s->hot = HOT_TICKS; /* a new high or low: stay awake a while */
	if (s->seg == 0 && s->hot == 0 && in_range && !env_short_trend(e, &f)) {
		s->idle--;
		double lvl = s->qlo > 0.0 ? s->qlo : s->qhi < 0.0 ? -s->qhi : 0.0;
		double lim = STABLE_FRAC * lvl > STABLE_MB ? STABLE_FRAC * lvl : STABLE_MB;
		if (s->qhi - s->qlo > lim)
			return env_level(&f);
		/* the last STABLE_W samples lie within the range: stable */
		size_t w = f.n < STABLE_W ? f.n : STABLE_W;
		return (struct env_result){PHASE_STABLE, fit_ols(&f, f.n - w, f.n), 0};
	}
	struct env_result r = env_analyze(e, s, &f, may_idle);
	if (s->hot)
		s->hot--;
	if (r.seg)
		s->hot = HOT_TICKS; /* and after a trend */
	s->idle = 0;
	if (may_idle && r.seg == 0 && f.n >= STABLE_W) {
		size_t w = f.n < IDLE_BAND ? f.n : IDLE_BAND;
		fit_minmax(&f, f.n - w, f.n, 1, &s->qlo, &s->qhi);
		s->qt = now;
		s->idle = IDLE_TICKS;
	}
	return r;
}

/* The trend's rise over the last m samples of series s (m <= s->n). */
static double series_rise(const struct envelope *e, const struct env_series *s, size_t m)
{
	struct env_fit f = fit_view(e, s);
	size_t n = f.n;
	return fit_ols(&f, n - m, n) * (fit_x(&f, n - 1) - fit_x(&f, n - m));
}

/* The GPU's series can be too noisy (a spiky neighbour) to show the trend
 * that one process's own series shows: take the growing process that rose
 * most, if the GPU as a whole fills at half its pace at least. */
static void envelope_by_process(struct envelope *e, const struct pred_input *in, size_t np,
                                double cap, struct pred_output *out)
{
	size_t cand = SIZE_MAX;
	double best = CULPRIT_MIN_MB;
	for (size_t j = 0; j < np; j++) {
		struct env_proc *p = idtab_at(&e->procs, j);
		if (p->s.sign <= 0 || p->s.seg < 3)
			continue;
		double rise = series_rise(e, &p->s, p->s.seg);
		if (rise > best) {
			best = rise;
			cand = j;
		}
	}
	if (cand == SIZE_MAX)
		return;
	struct env_proc *p = idtab_at(&e->procs, cand);
	struct env_fit f = fit_view(e, &p->s);
	size_t L = p->s.seg;
	double rate = fit_ols(&f, f.n - L, f.n);
	if (L > e->gpu.n)
		return;
	struct env_fit g = fit_view(e, &e->gpu);
	if (fit_ols(&g, g.n - L, g.n) < 0.5 * rate)
		return;
	enum vt_phase phase = out->phase;
	double gpu_rate = out->rate_mb_s;
	if (env_oom(e, &f, L, cap, &e->gpu, out)) {
		out->culprit_pid = in->procs[cand].pid;
		out->culprit_starttime = in->procs[cand].starttime;
	}
	out->phase = phase; /* the GPU's own phase and rate stand */
	out->rate_mb_s = gpu_rate;
}

static void envelope_update(void *self, const struct pred_input *in, struct pred_output *out,
                            struct pred_proc_out *proc_out)
{
	struct envelope *e = self;
	*out = (struct pred_output){.phase = PHASE_STABLE};
	if (in->nprocs > e->fresh_cap) {
		e->fresh = xreallocarray(e->fresh, in->nprocs, sizeof(bool));
		e->fresh_cap = in->nprocs;
	}
	size_t np = idtab_sync(&e->procs, in->procs, in->nprocs, e->fresh);
	for (size_t j = 0; j < in->nprocs; j++)
		if (proc_out)
			proc_out[j] = (struct pred_proc_out){PHASE_STABLE, 0.0};
	if (!isfinite(in->t))
		return;
	bool advance = true;
	if (e->nt) {
		double last = e->tk[(e->head + ENV_CAP - 1) & ENV_MASK].t;
		if (in->t < last - 1e-9) { /* time went backwards: start over */
			e->nt = 0;
			e->gpu.n = e->gpu.seg = e->gpu.run = e->gpu.idle = e->gpu.hot = 0;
			for (size_t j = 0; j < np; j++) {
				struct env_proc *p = idtab_at(&e->procs, j);
				p->s.n = p->s.seg = p->s.run = p->s.idle = p->s.hot = 0;
			}
		} else if (in->t <= last + 1e-9) {
			advance = false; /* the same instant again: overwrite */
		}
	}
	if (advance) {
		if (e->nt == 0) {
			e->tbase = in->t;
			e->tx = e->txx = 0.0;
			e->since_rebase = 0;
		}
		double x = in->t - e->tbase;
		e->tk[e->head] = (struct env_tick){in->t, e->tx, e->txx, 0.0};
		e->tx += x;
		e->txx += x * x;
		e->head = (e->head + 1) & ENV_MASK;
		if (e->nt < ENV_CAP)
			e->nt++;
		e->since_rebase++;
	}
	uint32_t slot = (e->head + ENV_CAP - 1) & ENV_MASK;
	double over = 0.0; /* MiB the demand line lies above NVML's */
	for (size_t j = 0; j < np; j++) {
		struct env_proc *p = idtab_at(&e->procs, j);
		const struct pred_proc_sample *q = &in->procs[j];
		if (e->fresh[j]) {
			p->s.n = p->s.seg = p->s.run = p->s.idle = p->s.hot = 0, p->s.sign = 0;
			p->peak = q->deep_peak;
			p->rises = 0;
		}
		if (advance)
			p->rises <<= 1;
		if (q->deep_peak > p->peak) {
			if (p->peak > 0)
				p->rises |= 1;
			p->peak = q->deep_peak;
		}
		if (__builtin_popcount(p->rises & PEAK_MASK) >= PEAK_RISES &&
		    q->deep_peak > q->deep_reserved)
			over += (double)(q->deep_peak - q->deep_reserved) / MIB;
		series_put(e, &p->s, slot, (double)in->procs[j].used / MIB, advance);
	}
	series_put(e, &e->gpu, slot, (double)in->used / MIB + over, advance);
	if (e->since_rebase >= ENV_CAP)
		envelope_rebase(e, np);

	bool searched;
	struct env_result g = series_step(e, &e->gpu, false, &searched);
	out->phase = g.phase;
	out->rate_mb_s = g.rate;
	double cap = 0.0;
	if (in->used <= in->total && in->free <= in->total - in->used)
		cap = (double)(in->used + in->free) / MIB;
	else
		cap = (double)in->total / MIB;
	if (g.phase == PHASE_GROWING && in->total > 0) {
		struct env_fit f = fit_view(e, &e->gpu);
		env_oom(e, &f, g.seg, cap, NULL, out);
	}

	double best = CULPRIT_MIN_MB;
	/* not floored at min_seg like the rate's half: at a slow refresh ten
	 * samples reach back past the growth now (a server loaded 16 s ago) */
	size_t recent = g.seg / 2 > 3 ? g.seg / 2 : 3;
	for (size_t j = 0; j < np; j++) {
		struct env_proc *p = idtab_at(&e->procs, j);
		struct env_result r = series_step(e, &p->s, true, &searched);
		if (proc_out)
			proc_out[j] = (struct pred_proc_out){r.phase, r.rate};
		if (!out->has_oom || !searched)
			continue;
		/* the culprit: the process whose own trend rose most over the
		 * recent half of the GPU's growth segment; one that appeared
		 * within it rose from nothing */
		double rise;
		if (p->s.n >= recent)
			rise = series_rise(e, &p->s, recent);
		else if (p->s.n < e->gpu.n)
			rise = p->s.y[slot];
		else
			continue;
		if (rise > best) {
			best = rise;
			out->culprit_pid = in->procs[j].pid;
			out->culprit_starttime = in->procs[j].starttime;
		}
	}
	if (!out->has_oom && in->total > 0)
		envelope_by_process(e, in, np, cap, out);
}

const struct predictor_ops predictor_envelope_ops = {
    .name = "envelope",
    .create = envelope_create,
    .update = envelope_update,
    .destroy = envelope_destroy,
};
