/* app.h: the running program -- options from the command line, the live
 * configuration, the source, and the event loop that samples it on a timer
 * and feeds every sink (table, JSON stream, trace file, CSV). One thread, one
 * poll(): timerfd for samples, signalfd for SIGHUP/SIGINT/SIGTERM. */
#ifndef VT_APP_H
#define VT_APP_H

#include <stdbool.h>
#include <stdio.h>

#include "config/config.h"
#include "core/jsonw.h"
#include "core/snapshot.h"
#include "source/source.h"
#include "source/trace.h"

struct csv_log;
struct live_analysis;

struct app {
	struct config cfg;
	const char *config_path; /* NULL: the default path */
	struct source *src;
	bool replaying;               /* src is a trace: resample in trace time */
	double speed;                 /* replay speed factor */
	double duration;              /* stop after this many seconds of samples; 0: no limit */
	bool live_table;              /* redraw a table each tick (stdout) */
	bool json_stream;             /* one trace-format line per tick on stdout */
	FILE *record;                 /* trace file being written, or NULL */
	struct csv_log *csv;          /* --export-csv, or NULL */
	struct live_analysis *la;     /* phases and OOM prediction, or NULL */
	struct snapshot snap;         /* the latest sample */
	struct trace_event events[8]; /* replay: the trace events since the last tick */
	size_t nevents;
	struct jsonw json; /* scratch for the JSON sinks */
	unsigned long ticks;
};

/* One sample from a live source into a->snap; processes that vanished
 * between NVML's list and /proc are dropped silently. */
int app_sample_live(struct app *a, char *err, size_t errlen);

/* Runs until the source ends, --duration passes, or SIGINT/SIGTERM. SIGHUP
 * re-reads the config file; a bad file keeps the running configuration and
 * the reason goes to stderr. Returns a process exit status. */
int app_run(struct app *a);

#endif
