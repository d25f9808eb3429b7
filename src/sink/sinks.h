/* sinks.h: the sinks of this build (sink.h is their interface). Each
 * constructor returns a sink the pipeline owns (pipeline_add_sink). */
#ifndef VT_SINKS_H
#define VT_SINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analysis/pelt.h"
#include "sink/sink.h"

struct loop;

/* The plain refreshing table (stdout not a terminal, or until the TUI):
 * cleared first on a terminal (clear), with phase/OOM columns when
 * analysed, the trace's events under it. [alerts] oom_warning_seconds and
 * oom_min_confidence decide when an OOM warning line is printed. Essential (it is what the run is
 * for). */
struct config;
/* cfg is borrowed and read at every tick, so a reload applies at once. */
struct sink *sink_table_new(FILE *out, bool clear, bool analysed, const struct config *cfg);
/* --once: the table without analysis, or the JSON document (docs/json.md). */
struct sink *sink_once_new(FILE *out, bool json);

/* --json-stream: one trace-format line per tick on fd. A pipe or socket is
 * written without blocking, through a bounded queue flushed when the loop
 * says fd is writable; a reader that falls 16 MiB behind fails the sink.
 * Essential. l may be NULL (then writes block). */
struct sink *sink_stream_new(int fd, struct loop *l);

/* record FILE: appends one trace line per tick to a private file (see
 * outfile.h), a whole line at a time. An existing non-empty file is
 * appended to only when it is a vramtop trace (its first line reads as
 * one); force empties it instead. NULL with err set on refusal. Essential:
 * a failed write (a full disk) ends the run with status 1, the file ending
 * on its last whole line. */
struct sink *sink_record_open(const char *path, bool force, char *err, size_t errlen);

/* --export-csv FILE (export/csv.h): not essential; a full disk drops ticks,
 * counted, and the run goes on. NULL with err set. */
struct sink *sink_csv_open(const char *path, char *err, size_t errlen);

/* analyze's JSONL (docs/analysis.md) on out: a line per GPU and per process
 * for every tick after a GPU's first; with segments, PELT segments of every
 * series at the end. Essential. */
struct sink *sink_analyze_new(FILE *out, bool segments, const struct pelt_opts *pelt);

/* The Prometheus exporter (vramtop serve, --serve; docs/exporter.md): an
 * HTTP server on addr:port (a numeric address; port 0 picks a free one,
 * *bound gets it) driven by the loop l, answering /metrics,
 * /healthz and /api/v1/snapshot from p's model and counters. cfg is
 * borrowed and read at every scrape ([export] prometheus_max_processes).
 * Not essential: it never fails a tick. NULL with err set when it cannot
 * listen. */
struct pipeline;
struct sink *sink_serve_new(struct loop *l, const struct pipeline *p, const struct config *cfg,
                            const char *addr, int port, int *bound, char *err, size_t errlen);
/* Webhooks (docs/exporter.md): a JSON POST to url when an OOM warning
 * begins ([alerts] thresholds of cfg, borrowed) and when a GPU is lost,
 * through libcurl's multi interface on l; retried, deduplicated,
 * rate-limited, never blocking; token (may be NULL or "") goes as a Bearer
 * authorisation. Not essential. NULL with err set for a URL that is not
 * http(s) or a token with spaces or controls. */
struct sink *sink_webhook_new(struct loop *l, const struct config *cfg, const char *url,
                              const char *token, char *err, size_t errlen);
/* "127.0.0.1:9400", "[::1]:9400" into addr and *port; VT_ERR with a
 * sentence in err otherwise. */
int serve_parse_listen(const char *arg, char *addr, size_t cap, int *port, char *err,
                       size_t errlen);

#endif
