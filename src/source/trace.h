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

/* Read the next record. For a sample, *snap is reset and filled: time, GPUs
 * (index, total/used/free with validity bits, plus any optional fields the
 * writer added), processes (gpu = position in snap->gpus of the GPU with that
 * NVML index, pid, used, and name/starttime/user/type when present), grouped
 * by that position, in the writer's order within a GPU.
 * For an event, *ev is filled. Returns VT_OK with *kind set, VT_EOF at the end,
 * or VT_ERR with "LINE: message" in err for a malformed line -- the reader
 * stays usable and the next call reads the next line. */
int trace_next(struct trace_reader *r, enum trace_rec_kind *kind, struct snapshot *snap,
               struct trace_event *ev, char *err, size_t errlen);

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
