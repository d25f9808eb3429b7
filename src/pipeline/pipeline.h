/* pipeline.h: one tick, the same for every run -- live, replay, --once and
 * `analyze`: source sample -> impossible values marked invalid
 * (snapshot_clamp_values) -> model update
 * (/proc resolution for a live source) -> analysis -> every sink. Who calls
 * pipeline_step decides the pace: the live loop on a timer, `analyze` as
 * fast as it can go; the results cannot differ.
 *
 * A replayed trace is resampled as a live run would have sampled it: each
 * tick takes the first sample at least one refresh interval after the
 * previous tick's (the seed's rule), so `analyze` at -r 1 sees what a live
 * vramtop at 1 s would have seen. A sample that starts a new segment (time
 * went back, or jumped ahead a day: two runs in one file) is always a tick,
 * and the analysis starts afresh there. */
#ifndef VT_PIPELINE_H
#define VT_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "pipeline/analysis.h"
#include "sink/sink.h"
#include "source/source.h"

#define PIPELINE_MAX_SINKS 8

struct pipeline {
	struct source *src;  /* owned */
	bool replaying;      /* src is a trace (resampled; its time is the clock) */
	double refresh;      /* seconds between ticks (trace time for a replay) */
	struct model model;  /* owned */
	struct analysis *an; /* owned; NULL: no analysis */
	struct sink *sinks[PIPELINE_MAX_SINKS];
	size_t nsinks;
	unsigned long ticks;
	unsigned long samples_skipped; /* replay: samples between ticks */
	unsigned long values_cleared;  /* impossible values marked invalid */
	unsigned long segments;        /* replay: segment breaks (analysis restarted) */
	unsigned long sample_errors;   /* samples that failed (the next tick tries again) */
	bool fatal;                    /* an essential sink failed: the run ends, status 1 */
	/* enrichment after the model update, before the analysis (deep mode
	 * fills the snapshot's processes); NULL: none */
	void (*enrich)(void *arg, struct model *m);
	void *enrich_arg;
};

/* src, an and sinks become the pipeline's. */
void pipeline_init(struct pipeline *p, struct source *src, bool replaying, double refresh,
                   size_t history_length);
void pipeline_add_sink(struct pipeline *p, struct sink *s);
/* Replaces the analysis (a reload that changed its parameters). */
void pipeline_set_analysis(struct pipeline *p, struct analysis *an);

/* One tick. VT_OK; VT_EOF when a replay is over; VT_AGAIN when the source
 * asks to be called again after source_retry_delay() (a retry with
 * backoff: the loop arms a timer, nothing sleeps); VT_ERR with err filled
 * when the sample failed (the next tick tries again) or when an essential
 * sink failed (p->fatal set: end the run). A sink's failure is printed to
 * stderr here, once per run of failures. */
int pipeline_step(struct pipeline *p, char *err, size_t errlen);
/* End of run: every sink's finish (flush, summaries). 0, or 1 if an
 * essential sink failed. */
int pipeline_finish(struct pipeline *p);
void pipeline_free(struct pipeline *p);

#endif
