/* trace.h: reading the trace format v1 (JSONL, plain or gzip; see
 * docs/trace-format.md and ../shared/traces/README.md). One record per line:
 * a sample (GPUs + processes) or an event (start, oom, end, exit ...).
 * Readers ignore fields they do not know. */
#ifndef VT_TRACE_H
#define VT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/snapshot.h"

struct trace_reader;

enum trace_rec_kind {
	TREC_SAMPLE,
	TREC_EVENT,
};

struct trace_event {
	double t;
	char event[16]; /* "start", "oom", "end", "exit", ... (sanitised, cut) */
	pid_t pid;      /* 0 when absent */
	int gpu;        /* NVML index, -1 when absent */
	bool has_at;
	double at; /* the workload's own timestamp, when given */
	bool has_rc;
	int rc;
};

/* Open a trace (gzip or plain, detected by content). NULL and err filled on
 * failure. The reader owns its buffers; trace_close frees them. */
struct trace_reader *trace_open(const char *path, char *err, size_t errlen);

/* Times. Every record's "t" is unix seconds, a finite number from 0 to
 * TRACE_TIME_MAX (2^40 s, some 34 000 years: a double still resolves a tenth
 * of a millisecond there); any other "t" (1e308, 2^64, an overflow to inf)
 * makes its line a bad line, VT_ERR with "t out of range" like any malformed
 * line, so callers that count and report bad lines count and report it, and
 * the rest of the trace reads on.
 * Samples form a timeline. A sample whose time is earlier than the previous
 * sample's (two recordings concatenated, a clock stepped back) or later by
 * more than TRACE_GAP_MAX (a day: a suspended machine, a wild clock) is still
 * returned, but starts a new segment: trace_segment_break() then gives the
 * reason. A consumer that measures time between samples (rates, resampling,
 * replay pacing) must start afresh there, as at the start of the trace, or it
 * would wait for the old timeline to come back. Equal times continue the
 * segment. Events do not take part. */
#define TRACE_TIME_MAX 1099511627776.0 /* 2^40 s */
#define TRACE_GAP_MAX  86400.0         /* s */

/* Read the next record. For a sample, *snap is reset and filled: time, GPUs
 * (index, total/used/free with validity bits, plus any optional fields the
 * writer added), processes (gpu = position in snap->gpus of the GPU with that
 * NVML index, pid, used, and name/starttime/user/type when present), grouped
 * by that position, in the writer's order within a GPU, each (gpu, pid) once:
 * a PID listed twice on one GPU is one row where it was first listed, by the
 * live path's rule -- type bits OR'ed, the largest valid usage -- with what
 * the first listing lacks (starttime, uid, user, name) from the later one.
 * For an event, *ev is filled. Returns VT_OK with *kind set, VT_EOF at the end,
 * or VT_ERR with "LINE: message" in err for a malformed line -- the reader
 * stays usable and the next call reads the next line. */
int trace_next(struct trace_reader *r, enum trace_rec_kind *kind, struct snapshot *snap,
               struct trace_event *ev, char *err, size_t errlen);

/* After trace_next returned a sample: NULL when it continues the previous
 * sample's segment (and for the first sample), else why it starts a new one --
 * "LINE: t goes back 3600.000 s: a new segment starts" or "... t jumps ahead
 * ..." -- owned by r, valid until the next call of trace_next. After an event
 * or an error: NULL. */
const char *trace_segment_break(const struct trace_reader *r);
/* How many samples so far started a new segment (the first sample does not). */
unsigned long trace_segment_breaks(const struct trace_reader *r);

/* Line number of the record last returned (1-based). */
unsigned long trace_line(const struct trace_reader *r);

void trace_close(struct trace_reader *r);

/* Parse one line (no newline needed, no NUL needed: exactly len bytes) -- the
 * pure core of trace_next, exposed for unit tests and the fuzzer. Same
 * contract as trace_next, except that err reads "col N: message" (trace_next
 * prefixes the line number). */
int trace_parse_line(const char *line, size_t len, enum trace_rec_kind *kind, struct snapshot *snap,
                     struct trace_event *ev, char *err, size_t errlen);

#endif
