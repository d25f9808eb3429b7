/* predictor.h: the seam between the analysis pipeline and a phase/OOM
 * algorithm. One predictor instance follows one GPU: each resampled tick it
 * gets the GPU's memory and every process on it, and returns the GPU's phase,
 * rate and OOM range (with the culprit), plus each process's phase and rate.
 * Algorithms: "variance" (the reference, ../shared/tools/seed_oom.py) and
 * "envelope" (the default; docs/oom-prediction.md). */
#ifndef VT_PREDICTOR_H
#define VT_PREDICTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum vt_phase {
	PHASE_STABLE = 0,
	PHASE_GROWING,
	PHASE_SHRINKING,
	PHASE_VOLATILE,
};

const char *vt_phase_name(enum vt_phase p); /* "stable", "growing", ... */

struct pred_params {
	int min_sustained_samples; /* [oom_prediction] default 10 */
	double min_rate_mb_s;      /* [oom_prediction] default 1.0 */
	double refresh_s;          /* the sampling interval, default 1.0 */
};

void pred_params_default(struct pred_params *p);

struct pred_proc_sample {
	pid_t pid;
	uint64_t starttime; /* with pid, the identity; 0 when unknown */
	uint64_t used;      /* bytes */
	/* deep mode (docs/deep-mode.md), 0 when unknown: what its allocator
	 * reserves now and the most it ever had allocated at once */
	uint64_t deep_reserved, deep_peak;
};

struct pred_input {
	double t; /* seconds (trace time or monotonic); strictly increasing is NOT guaranteed */
	uint64_t total, used, free; /* bytes */
	const struct pred_proc_sample *procs;
	size_t nprocs;
};

struct pred_proc_out {
	enum vt_phase phase;
	double rate_mb_s;
};

struct pred_output {
	enum vt_phase phase;
	double rate_mb_s;
	bool has_oom;
	double low_s, high_s; /* low <= high, both capped at 3600 */
	double confidence;    /* [0, 1] */
	pid_t culprit_pid;    /* 0 when none */
	uint64_t culprit_starttime;
};

struct predictor_ops {
	const char *name;
	/* Returns a new instance (never NULL; allocation aborts). */
	void *(*create)(const struct pred_params *params);
	/* One tick. proc_out has in->nprocs entries, in the order of in->procs.
	 * Must not allocate in the steady state (same set of processes). */
	void (*update)(void *self, const struct pred_input *in, struct pred_output *out,
	               struct pred_proc_out *proc_out);
	void (*destroy)(void *self);
};

/* NULL if no algorithm has that name. */
const struct predictor_ops *predictor_find(const char *name);
/* The algorithm used when the config does not choose one. */
#define PREDICTOR_DEFAULT "envelope"

extern const struct predictor_ops predictor_variance_ops;
extern const struct predictor_ops predictor_envelope_ops;

#endif
