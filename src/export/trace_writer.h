/* trace_writer.h: writing the trace format (docs/trace-format.md) -- one JSON
 * object a line, a sample or an event. The one schema of `record`,
 * `--json-stream` and `--once --json`; src/source/trace.h reads it back. */
#ifndef VT_TRACE_WRITER_H
#define VT_TRACE_WRITER_H

#include <stdio.h>

#include "core/jsonw.h"
#include "core/snapshot.h"
#include "source/trace.h"

/* Append a sample as one JSON object value to w (not reset first, so it can
 * sit inside a larger document after a jsonw_key; no newline). Only valid
 * metrics are written; a GPU in state lost/error still appears, with
 * "state" and "error". A process whose byte count is unknown has "used": null. */
void trace_format_sample(struct jsonw *w, const struct snapshot *s);
/* Append an event object ("t", "event", and "pid", "gpu", "at", "rc" when set). */
void trace_format_event(struct jsonw *w, const struct trace_event *ev);

/* Write one line (object + '\n') to f with a single fwrite, then fflush, so
 * that a reader following the file never sees half a line. scratch is the
 * caller's reusable buffer (reset here). VT_OK, or VT_ERR with errno set. */
int trace_write_sample(FILE *f, struct jsonw *scratch, const struct snapshot *s);
int trace_write_event(FILE *f, struct jsonw *scratch, const struct trace_event *ev);

#endif
