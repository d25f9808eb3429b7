/* csv.h: the CSV logger (--export-csv FILE) -- one row per GPU and one per
 * process each tick, appended so that a reader never sees half a row.
 *
 * Columns (the header row, written only when the file is new or empty):
 *   time,kind,gpu,uuid,pid,starttime,name,used_bytes,total_bytes,state,
 *   phase,rate_mb_s,oom_low_s,oom_high_s,oom_confidence
 * time is unix seconds with milliseconds; kind is "gpu" or "process"; gpu is
 * the GPU's index; a value that is not known is an empty field (never 0);
 * process rows leave state and the oom_* columns empty. Strings are
 * sanitised (core/sanitize.h), quoted per RFC 4180 when they hold a comma, a
 * quote or edge spaces, and prefixed with ' when they start with = + - @ so
 * that a spreadsheet never runs a process name as a formula.
 *
 * Writes: each tick's rows are built in memory and written with a single
 * write(2) on an O_APPEND descriptor. A failed or short write (a full disk)
 * drops that tick -- a short write is truncated away -- and is reported once
 * until a write succeeds again; logging is never fatal. The file is created
 * with mode 0600. */
#ifndef VT_CSV_H
#define VT_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

/* Optional analysis for the phase and OOM columns; borrowed for the call. */
struct csv_gpu_analysis {
	bool valid;        /* phase and rate are known */
	const char *phase; /* "stable", "growing", "shrinking", "volatile" */
	double rate_mb_s;
	bool has_oom; /* oom_low_s, oom_high_s, confidence are known */
	double oom_low_s, oom_high_s, confidence;
};

struct csv_proc_analysis {
	bool valid;
	const char *phase;
	double rate_mb_s;
};

struct csv_analysis {
	const struct csv_gpu_analysis *gpus; /* parallel to snapshot.gpus */
	size_t ngpus;
	const struct csv_proc_analysis *procs; /* parallel to snapshot.procs */
	size_t nprocs;
};

struct csv_log;

/* Opens (creating with mode 0600) or appends to path. An existing non-empty
 * file must start with this header (else another program's file would be
 * mixed with ours). Returns NULL with err set on failure. */
struct csv_log *csv_open(const char *path, char *err, size_t errlen);
/* Appends the tick. opt may be NULL (phase/OOM columns empty). Returns VT_OK,
 * or VT_ERR with err set for the first failure of a run of failures (later
 * ones return VT_OK silently and count in csv_dropped). */
int csv_write_tick(struct csv_log *log, const struct snapshot *s, const struct csv_analysis *opt,
                   char *err, size_t errlen);
/* Ticks dropped by failed writes since csv_open. */
uint64_t csv_dropped(const struct csv_log *log);
void csv_close(struct csv_log *log);

/* The header row, without its line end. */
extern const char csv_header[];

#endif
