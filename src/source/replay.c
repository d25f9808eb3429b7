/* replay.c: the trace-replay source (see replay.h) -- one sample of lookahead
 * so the loop can be told when the next one is due. */
#include "source/replay.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/xalloc.h"

struct event_list {
	struct trace_event *v;
	size_t n, cap;
};

struct replay {
	struct source base;
	char *path;
	double speed;
	bool loop;
	struct trace_reader *r; /* NULL after a failed reopen */
	struct snapshot next, spare;
	bool have_next;
	struct event_list pending;   /* read before `next` */
	struct event_list delivered; /* came with the sample last returned */
	struct trace_event last_event;
	bool have_last_event;
	bool have_cur;
	double t_cur;
	/* looping: raw times of the current pass and the shift applied to it */
	double offset, pass_first, pass_max, interval;
	bool pass_has_sample;
	unsigned long bad;
	char last_err[VT_ERRMSG_MAX];
	/* segment breaks (trace.h): of `next`, and of the sample last returned */
	bool next_break, cur_break;
	char next_why[VT_ERRMSG_MAX], cur_why[VT_ERRMSG_MAX];
	unsigned long breaks;
};

static struct replay *replay_of(struct source *src)
{
	return container_of(src, struct replay, base);
}

static void events_push(struct event_list *l, const struct trace_event *ev)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = *ev;
}

/* pending becomes delivered (what the caller sees); the old delivered
 * storage is recycled as the new pending list. */
static void events_deliver(struct replay *rp)
{
	struct event_list t = rp->delivered;
	rp->delivered = rp->pending;
	rp->pending = t;
	rp->pending.n = 0;
	if (rp->delivered.n) {
		rp->last_event = rp->delivered.v[rp->delivered.n - 1];
		rp->have_last_event = true;
	}
}

/* Drop pending events (skipped over by a seek), remembering the last one. */
static void events_drop(struct replay *rp)
{
	if (rp->pending.n) {
		rp->last_event = rp->pending.v[rp->pending.n - 1];
		rp->have_last_event = true;
	}
	rp->pending.n = 0;
}

static void note_bad(struct replay *rp, const char *msg)
{
	rp->bad++;
	vt_strlcpy(rp->last_err, msg, sizeof(rp->last_err));
}

static void rewind_reader(struct replay *rp)
{
	char err[VT_ERRMSG_MAX];
	trace_close(rp->r);
	rp->r = trace_open(rp->path, err, sizeof(err));
	if (!rp->r)
		note_bad(rp, err);
	rp->pass_has_sample = false;
}

/* Read on until `next` holds a sample (have_next) or the trace is over. */
static void prefetch(struct replay *rp)
{
	rp->have_next = false;
	while (rp->r) {
		enum trace_rec_kind k;
		struct trace_event ev;
		char err[VT_ERRMSG_MAX];
		int rc = trace_next(rp->r, &k, &rp->next, &ev, err, sizeof(err));
		if (rc == VT_OK && k == TREC_SAMPLE) {
			double raw = rp->next.time;
			if (!rp->pass_has_sample) {
				rp->pass_first = rp->pass_max = raw;
				rp->pass_has_sample = true;
			} else if (raw > rp->pass_max) {
				rp->interval = raw - rp->pass_max;
				rp->pass_max = raw;
			}
			rp->next.time = raw + rp->offset;
			rp->have_next = true;
			const char *why = trace_segment_break(rp->r);
			rp->next_break = why != NULL;
			if (why)
				vt_strlcpy(rp->next_why, why, sizeof(rp->next_why));
			return;
		}
		if (rc == VT_OK) {
			ev.t += rp->offset;
			if (ev.has_at)
				ev.at += rp->offset;
			events_push(&rp->pending, &ev);
			continue;
		}
		if (rc == VT_ERR) {
			note_bad(rp, err);
			continue;
		}
		if (!rp->loop || !rp->pass_has_sample)
			return; /* the end (a pass without samples ends a loop too) */
		rp->offset += rp->pass_max - rp->pass_first + rp->interval;
		rewind_reader(rp);
	}
}

static void snapshot_swap(struct snapshot *a, struct snapshot *b)
{
	struct snapshot t = *a;
	*a = *b;
	*b = t;
}

static int replay_sample(struct source *src, struct snapshot *out, char *err, size_t errlen)
{
	struct replay *rp = replay_of(src);
	(void)err;
	(void)errlen;
	if (!rp->have_next) {
		if (rp->pending.n)
			events_deliver(rp);
		return VT_EOF;
	}
	snapshot_swap(out, &rp->next); /* no copy: out's old storage is reused */
	events_deliver(rp);
	rp->cur_break = rp->next_break;
	if (rp->cur_break) {
		memcpy(rp->cur_why, rp->next_why, sizeof(rp->cur_why));
		rp->breaks++;
	}
	rp->t_cur = out->time;
	rp->have_cur = true;
	prefetch(rp);
	return VT_OK;
}

static void replay_close(struct source *src)
{
	struct replay *rp = replay_of(src);
	trace_close(rp->r);
	snapshot_free(&rp->next);
	snapshot_free(&rp->spare);
	free(rp->pending.v);
	free(rp->delivered.v);
	free(rp->path);
	free(rp);
}

static const struct source_ops replay_ops = {
    .name = "replay",
    .sample = replay_sample,
    .close = replay_close,
};

int replay_source_open(const char *path, double speed, bool loop, struct source **out, char *err,
                       size_t errlen)
{
	struct trace_reader *r = trace_open(path, err, errlen);
	if (!r)
		return VT_ERR;
	struct replay *rp = xcalloc(1, sizeof(*rp));
	rp->base.ops = &replay_ops;
	rp->path = xstrdup(path);
	rp->speed = speed > 0 && isfinite(speed) ? speed : 1.0;
	rp->loop = loop;
	rp->r = r;
	rp->interval = 1.0;
	snapshot_init(&rp->next);
	snapshot_init(&rp->spare);
	prefetch(rp);
	if (!rp->have_next) {
		snprintf(err, errlen, "%s: no samples in the trace (%lu malformed lines%s%s)", path,
		         rp->bad, rp->bad ? ", the last: " : "", rp->bad ? rp->last_err : "");
		replay_close(&rp->base);
		return VT_ERR;
	}
	*out = &rp->base;
	return VT_OK;
}

double replay_next_delay(struct source *src, double speed)
{
	struct replay *rp = replay_of(src);
	if (!(speed > 0) || !isfinite(speed))
		speed = rp->speed;
	if (!rp->have_next)
		return -1.0;
	if (!rp->have_cur || !(rp->next.time > rp->t_cur))
		return 0.0;
	return (rp->next.time - rp->t_cur) / speed;
}

const char *replay_segment_break(struct source *src)
{
	struct replay *rp = replay_of(src);
	return rp->cur_break ? rp->cur_why : NULL;
}

unsigned long replay_segment_breaks(struct source *src, const char **last)
{
	struct replay *rp = replay_of(src);
	if (last)
		*last = rp->breaks ? rp->cur_why : NULL;
	return rp->breaks;
}

double replay_time(struct source *src)
{
	struct replay *rp = replay_of(src);
	return rp->have_cur ? rp->t_cur : NAN;
}

size_t replay_events(struct source *src, const struct trace_event **evs)
{
	struct replay *rp = replay_of(src);
	*evs = rp->delivered.v;
	return rp->delivered.n;
}

const struct trace_event *replay_last_event(struct source *src)
{
	struct replay *rp = replay_of(src);
	return rp->have_last_event ? &rp->last_event : NULL;
}

unsigned long replay_bad_lines(struct source *src, const char **last)
{
	struct replay *rp = replay_of(src);
	if (last)
		*last = rp->bad ? rp->last_err : NULL;
	return rp->bad;
}

int replay_seek(struct source *src, double t, char *err, size_t errlen)
{
	struct replay *rp = replay_of(src);
	if (!isfinite(t)) {
		snprintf(err, errlen, "seek to a time that is not a number");
		return VT_ERR;
	}
	if (!rp->have_next || (rp->have_cur && t <= rp->t_cur) || rp->offset != 0) {
		rewind_reader(rp);
		if (!rp->r) {
			snprintf(err, errlen, "%s", rp->last_err);
			return VT_ERR;
		}
		rp->offset = 0;
		rp->pending.n = 0;
		prefetch(rp);
	}
	bool have_spare = false, loop = rp->loop;
	rp->loop = false; /* seek within this pass; looping resumes at its end */
	while (rp->have_next && rp->next.time < t) {
		snapshot_swap(&rp->spare, &rp->next);
		have_spare = true;
		events_drop(rp);
		prefetch(rp);
	}
	rp->loop = loop;
	if (!rp->have_next && have_spare) {
		snapshot_swap(&rp->spare, &rp->next); /* past the end: the last sample */
		rp->have_next = true;
		events_drop(rp);
	}
	rp->have_cur = false;
	rp->delivered.n = 0;
	return VT_OK;
}
