/* phase.h: the reference phase detector (seed_oom.py's PhaseDetector) and the
 * reference range OOM predictor (its OOMPredictor), ported operation for
 * operation so that the C results equal the Python ones bit for bit. Pure
 * state machines: no allocation, no I/O. */
#ifndef VT_PHASE_H
#define VT_PHASE_H

#include <stdbool.h>

#include "analysis/predictor.h"

#define PHASE_WINDOW 10 /* W: rates kept */

struct phase_detector {
	/* ring of the last rates (MB/s), each stored twice (at i and i + W) so
	 * that the window, oldest first, is always w[whead .. whead + wlen) */
	double w[2 * PHASE_WINDOW];
	int wlen, whead; /* entries held, index of the oldest */
	int hysteresis;  /* M */
	double noise, var_th, alpha;
	enum vt_phase cur, cand;
	int cnt;
	long dur; /* samples in the current phase */
	double ema;
};

/* What one update returns (the tuple of the reference). */
struct phase_state {
	enum vt_phase phase;
	long dur;
	double rate; /* EMA, MB/s */
	double conf; /* [0, 1] */
};

/* The reference defaults: W=10, M=3, noise 1.0 MB/s, variance 4.0, alpha 0.3. */
void phase_init(struct phase_detector *d);
/* One sample: delta_mb since the previous sample, dt seconds (clamped to at
 * least 1 ms as the reference does). Non-finite inputs are ignored and the
 * previous state is returned, so a bad sample cannot poison the window. */
struct phase_state phase_update(struct phase_detector *d, double delta_mb, double dt);

struct oom_range {
	int min_sustained; /* predict only after more than this many samples */
	double min_rate;   /* MB/s; below it, no prediction */
	bool have;         /* lo/hi hold the slowest/fastest EMA of the phase */
	double lo, hi;
};

void oom_range_init(struct oom_range *o, int min_sustained, double min_rate);
/* Returns true and fills [*low, *high] seconds (capped at 3600, unrounded)
 * when a prediction is due. free_mb is the GPU's free memory. */
bool oom_range_update(struct oom_range *o, const struct phase_state *st, double free_mb,
                      double *low, double *high);

#endif
