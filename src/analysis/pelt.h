/* pelt.h: change-point detection for post-mortem and playback -- PELT
 * (Killick, Fearnhead & Eckley 2012) with the l2 cost (piecewise-constant
 * mean), then a merge of runs of constant pieces that one straight line fits
 * as well (a leak or warm-up ramp), then a label per segment.
 *
 * Scale of the penalty: the series is divided by its noise sigma, estimated
 * robustly as 1.4826 x MAD(first differences) / sqrt(2) (a change point
 * moves one difference, a trend shifts them all by the same amount, so
 * neither inflates it), floored at 1e-3 of the series' range. A penalty is
 * therefore in units of sigma^2: the same preset means the same evidence
 * whether the process holds 2 GB or 140 GB. Details: docs/analysis.md. */
#ifndef VT_PELT_H
#define VT_PELT_H

#include <stddef.h>

#define PELT_PENALTY_TRAINING  10.0 /* pytorch_training */
#define PELT_PENALTY_INFERENCE 50.0 /* inference_server */
#define PELT_PENALTY_UNKNOWN   20.0 /* unknown */
#define PELT_MIN_SIZE_DEFAULT  5    /* samples */

struct pelt_opts {
	double penalty;  /* beta, in units of sigma^2 (> 0) */
	size_t min_size; /* shortest segment, samples (>= 1) */
};

/* penalty of a preset name ("pytorch_training", "inference_server",
 * "unknown"); returns -1.0 for an unknown name. */
double pelt_preset(const char *name);

/* Noise sigma of y (MAD of first differences, see above); 0 for n < 3. */
double pelt_sigma(const double *y, size_t n);

/* The optimal segmentation of y[0..n) under the l2 cost. Exact for n <=
 * 4096 (the pruning only drops candidates that can never be optimal);
 * longer series run on a grid of every J-th sample, J = ceil(n / 4096), and
 * each change point is then moved to the best single split within one grid
 * step -- exact on clean steps, but a segment shorter than J samples can be
 * missed (at 1 Hz over a day, J = 22). PELT keeps every candidate inside the
 * current segment alive, so one long segment would otherwise cost O(L^2);
 * the grid bounds the worst case. Returns the
 * number of segments k and a malloc'd array *ends of k end indices
 * (exclusive, ascending, ends[k-1] == n); the caller frees it. n == 0:
 * returns 0 and *ends = NULL. Non-finite values are treated as the previous
 * finite value (0 before any). */
size_t pelt_detect(const double *y, size_t n, const struct pelt_opts *o, size_t **ends);

enum pelt_label {
	SEG_STEADY = 0, /* flat, no jump in */
	SEG_LOAD,       /* a jump up into a flat level */
	SEG_WARMUP,     /* a rise that levels off into the next segment */
	SEG_LEAK,       /* a sustained rise that does not level off */
	SEG_RELEASE,    /* a drop into a level, or a falling slope */
	SEG_SPIKE,      /* a short excursion up that comes back down */
};

const char *pelt_label_name(enum pelt_label l); /* "steady", "load", "warm-up", ... */

struct pelt_seg {
	size_t start, end;     /* sample indices [start, end) */
	double t_start, t_end; /* times of the first and last sample */
	double mean;           /* mean of y over the segment */
	double slope;          /* least-squares slope, y units per second */
	enum pelt_label label;
};

/* Detect, merge ramps, describe and label. t: sample times (seconds,
 * ascending; NULL means 0, 1, 2 ...). Returns the number of segments and a
 * malloc'd array in *segs (NULL when n == 0); the caller frees it. */
size_t pelt_segments(const double *t, const double *y, size_t n, const struct pelt_opts *o,
                     struct pelt_seg **segs);

#endif
