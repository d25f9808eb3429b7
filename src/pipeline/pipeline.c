/* pipeline.c: one tick from source to sinks (see pipeline.h). */
#include "pipeline/pipeline.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "loop/loop.h"
#include "source/replay.h"

void pipeline_init(struct pipeline *p, struct source *src, bool replaying, double refresh,
                   size_t history_length)
{
	memset(p, 0, sizeof(*p));
	p->src = src;
	p->replaying = replaying;
	p->refresh = refresh;
	model_init(&p->model, history_length);
}

void pipeline_add_sink(struct pipeline *p, struct sink *s)
{
	if (p->nsinks < PIPELINE_MAX_SINKS)
		p->sinks[p->nsinks++] = s;
}

void pipeline_set_analysis(struct pipeline *p, struct analysis *an)
{
	analysis_free(p->an);
	p->an = an;
}

/* A replay's events since the last tick, as many as the model keeps. */
static void take_events(struct pipeline *p)
{
	const struct trace_event *ev;
	size_t n = replay_events(p->src, &ev);
	struct model *m = &p->model;
	for (size_t i = 0; i < n && m->nevents < MODEL_EVENTS_MAX; i++)
		m->events[m->nevents++] = ev[i];
}

/* The next sample into the model's snapshot. A replay is read until its
 * time has moved on by one refresh interval since the last tick, less 1 %:
 * a trace recorded at this rate has its timer's jitter (the demo's samples
 * come 0.999 s to 1.001 s apart), and the live run saw every sample. With
 * no slack 9 of the demo's 49 were skipped; 1 % keeps them and leaves the
 * reference's ticks on the seed traces as they were (analyze_seed). */
static int pull(struct pipeline *p, char *err, size_t errlen)
{
	struct model *m = &p->model;
	if (!p->replaying)
		return source_sample(p->src, &m->snap, err, errlen);
	double want = p->ticks ? m->snap.time + 0.99 * p->refresh : -INFINITY;
	m->nevents = 0;
	int rc;
	for (;;) {
		rc = source_sample(p->src, &m->snap, err, errlen);
		take_events(p);
		if (rc != VT_OK)
			return rc;
		if (!isfinite(m->snap.time))
			continue; /* no place in time: never a tick */
		if (replay_segment_break(p->src)) {
			/* time went back or jumped: a new segment, its first sample
			 * a tick, the predictors start afresh (their rates would
			 * span the gap) */
			p->segments++;
			if (p->an)
				analysis_reset(p->an);
			return VT_OK;
		}
		if (m->snap.time >= want)
			return VT_OK;
		p->samples_skipped++;
	}
}

static void sink_failed(struct pipeline *p, struct sink *s, const char *err)
{
	if (!s->failing)
		fprintf(stderr, "vramtop: %s: %s\n", s->ops->name, err[0] ? err : "failed");
	s->failing = true;
	if (s->essential)
		p->fatal = true;
}

int pipeline_step(struct pipeline *p, char *err, size_t errlen)
{
	int rc = pull(p, err, errlen);
	if (rc == VT_ERR)
		p->sample_errors++;
	if (rc != VT_OK)
		return rc;
	struct model *m = &p->model;
	/* impossible values (util 240 %) are invalid for every output alike */
	p->values_cleared += snapshot_clamp_values(&m->snap);
	model_update(m, p->replaying ? m->snap.time : loop_now());
	if (p->enrich)
		p->enrich(p->enrich_arg, m);
	if (p->an)
		analysis_update(p->an, m);
	p->ticks++;
	for (size_t i = 0; i < p->nsinks; i++) {
		struct sink *s = p->sinks[i];
		char serr[VT_ERRMSG_MAX] = "";
		if (s->ops->tick(s, m, serr, sizeof(serr)) == VT_OK)
			s->failing = false;
		else
			sink_failed(p, s, serr);
	}
	if (p->fatal) {
		snprintf(err, errlen, "an output failed; stopping");
		return VT_ERR;
	}
	return VT_OK;
}

int pipeline_finish(struct pipeline *p)
{
	for (size_t i = 0; i < p->nsinks; i++) {
		struct sink *s = p->sinks[i];
		char serr[VT_ERRMSG_MAX] = "";
		if (s->ops->finish && s->ops->finish(s, &p->model, serr, sizeof(serr)) != VT_OK)
			sink_failed(p, s, serr);
	}
	return p->fatal ? 1 : 0;
}

void pipeline_free(struct pipeline *p)
{
	for (size_t i = 0; i < p->nsinks; i++)
		p->sinks[i]->ops->free(p->sinks[i]);
	analysis_free(p->an);
	model_free(&p->model);
	source_close(p->src);
	memset(p, 0, sizeof(*p));
}
