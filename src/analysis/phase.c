/* phase.c: the reference phase detector and range OOM predictor; every
 * expression mirrors seed_oom.py so that doubles come out identical. */
#include "analysis/phase.h"

#include <math.h>

void phase_init(struct phase_detector *d)
{
	*d = (struct phase_detector){
	    .hysteresis = 3,
	    .noise = 1.0,
	    .var_th = 4.0,
	    .alpha = 0.3,
	    .cur = PHASE_STABLE,
	    .cand = PHASE_STABLE,
	};
}

static struct phase_state phase_current(const struct phase_detector *d)
{
	/* used only for ignored samples: the reference has no such case */
	return (struct phase_state){d->cur, d->dur, d->ema, 0.0};
}

struct phase_state phase_update(struct phase_detector *d, double delta_mb, double dt)
{
	if (!isfinite(delta_mb) || !isfinite(dt))
		return phase_current(d);
	double rate = delta_mb / (dt > 0.001 ? dt : 0.001); /* max(dt, 0.001) */
	if (!isfinite(rate))
		return phase_current(d);
	/* deque(maxlen=W).append */
	if (d->wlen < PHASE_WINDOW) {
		/* whead stays 0 until the window is full */
		d->w[d->wlen] = d->w[d->wlen + PHASE_WINDOW] = rate;
		d->wlen++;
	} else {
		d->w[d->whead] = d->w[d->whead + PHASE_WINDOW] = rate;
		d->whead = d->whead + 1 == PHASE_WINDOW ? 0 : d->whead + 1;
	}
	if (d->wlen < 3)
		return (struct phase_state){PHASE_STABLE, 0, 0.0, 0.0};

	int n = d->wlen;
	const double *r = d->w + d->whead; /* oldest first, as the deque iterates */
	/* sum() left to right, starting from the integer 0 */
	double sum = 0.0;
	for (int i = 0; i < n; i++)
		sum += r[i];
	double mean = sum / n;
	double sq = 0.0;
	int pos = 0, neg = 0;
	for (int i = 0; i < n; i++) {
		double x = r[i];
		double e = x - mean;
		sq += e * e; /* (x - mean) ** 2 is correctly rounded, as e * e */
		if (x > d->noise)
			pos++;
		if (x < -d->noise)
			neg++;
	}
	double var = sq / n;
	double fpos = (double)pos / n, fneg = (double)neg / n;

	enum vt_phase ph;
	if (var < d->var_th && fabs(mean) < d->noise)
		ph = PHASE_STABLE;
	else if (mean > d->noise && fpos > 0.6)
		ph = PHASE_GROWING;
	else if (mean < -d->noise && fneg > 0.6)
		ph = PHASE_SHRINKING;
	else
		ph = PHASE_VOLATILE;

	if (ph == d->cand) {
		d->cnt++;
	} else {
		d->cand = ph;
		d->cnt = 1;
	}
	if (d->cnt >= d->hysteresis && d->cur != d->cand) {
		d->cur = d->cand;
		d->dur = 0;
		d->ema = mean;
	}
	d->dur++;
	d->ema = d->alpha * rate + (1 - d->alpha) * d->ema;
	double frac = d->dur / 30.0;
	double conf = (frac < 1.0 ? frac : 1.0) * (1.0 / (1.0 + var / 100.0));
	if (!(conf >= 0.0)) /* NaN cannot arise from finite rates; belt and braces */
		conf = 0.0;
	return (struct phase_state){d->cur, d->dur, d->ema, conf};
}

void oom_range_init(struct oom_range *o, int min_sustained, double min_rate)
{
	*o = (struct oom_range){.min_sustained = min_sustained, .min_rate = min_rate};
}

bool oom_range_update(struct oom_range *o, const struct phase_state *st, double free_mb,
                      double *low, double *high)
{
	if (st->phase != PHASE_GROWING) {
		o->have = false;
		return false;
	}
	if (!o->have) {
		o->lo = o->hi = st->rate;
		o->have = true;
	} else {
		o->lo = st->rate < o->lo ? st->rate : o->lo;
		o->hi = st->rate > o->hi ? st->rate : o->hi;
	}
	if (st->dur <= o->min_sustained || st->rate < o->min_rate || o->lo <= 0)
		return false;
	if (!isfinite(free_mb) || free_mb < 0)
		free_mb = 0;
	double l = free_mb / o->hi, h = free_mb / o->lo;
	*low = l < 3600 ? l : 3600;
	*high = h < 3600 ? h : 3600;
	return true;
}
