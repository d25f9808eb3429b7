/* sink.h: the one interface of every output -- the table, the JSON stream,
 * record, CSV, analyze's JSONL (and later the TUI, the exporter, webhooks).
 * A sink reads the model after each tick; it never samples and never
 * blocks the loop on a slow reader (stdout sinks queue, bounded, and flush
 * when the fd is writable; files are appended with one write per tick).
 *
 * The failure rule, the same for all: a sink that fails returns VT_ERR with
 * one sentence in err; the pipeline prints "vramtop: NAME: sentence" once
 * per run of failures. An essential sink (the purpose of the run: record,
 * --json-stream, analyze's output) then ends the run with exit status 1; any
 * other sink is kept and may recover (it drops what it could not write and
 * counts it). */
#ifndef VT_SINK_H
#define VT_SINK_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

struct sink;
struct loop;

struct sink_ops {
	const char *name;
	/* After every tick. */
	int (*tick)(struct sink *s, const struct model *m, char *err, size_t errlen);
	/* At the end of the run (flush; analyze's segments). May be NULL. */
	int (*finish)(struct sink *s, const struct model *m, char *err, size_t errlen);
	void (*free)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
	bool essential; /* its failure ends the run with status 1 */
	bool failing;   /* the last call failed (reported once) */
};

#endif
