/* fuzz_trace.c: libFuzzer target for trace_parse_line. Besides not crashing,
 * whatever parses must survive the round trip writer -> reader unchanged. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/jsonw.h"
#include "export/trace_writer.h"
#include "source/trace.h"

static int same_time(double a, double b)
{
	/* the writer keeps milliseconds */
	return fabs(a - b) <= 0.0005 + fabs(a) * 1e-15;
}

/* Field by field: snapshot_add_proc leaves the string buffers' tails as
 * they were (only the scalars and the first byte of each string are reset). */
static bool same_proc(const struct snap_proc *a, const struct snap_proc *b)
{
	return a->gpu == b->gpu && a->pid == b->pid && a->starttime == b->starttime &&
	       a->uid == b->uid && a->flags == b->flags && a->type == b->type &&
	       a->used == b->used && strcmp(a->user, b->user) == 0 && strcmp(a->name, b->name) == 0;
}

static void check_sample(const struct snapshot *a, const struct snapshot *b)
{
	if (!same_time(a->time, b->time) || a->driver_valid != b->driver_valid ||
	    strcmp(a->driver_version, b->driver_version) != 0 || a->ngpus != b->ngpus ||
	    a->nprocs != b->nprocs)
		abort();
	for (size_t i = 0; i < a->ngpus; i++)
		if (memcmp(&a->gpus[i], &b->gpus[i], sizeof(a->gpus[i])) != 0)
			abort();
	for (size_t i = 0; i < a->nprocs; i++) {
		if (a->procs[i].gpu >= a->ngpus)
			abort();
		if (!same_proc(&a->procs[i], &b->procs[i]))
			abort();
	}
}

static void check_event(const struct trace_event *a, const struct trace_event *b)
{
	if (!same_time(a->t, b->t) || strcmp(a->event, b->event) != 0 || a->pid != b->pid ||
	    a->gpu != b->gpu || a->has_at != b->has_at || a->has_rc != b->has_rc ||
	    (a->has_at && !same_time(a->at, b->at)) || (a->has_rc && a->rc != b->rc))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct snapshot s1, s2;
	static struct jsonw w;
	struct trace_event e1, e2;
	enum trace_rec_kind k1, k2;
	char err[VT_ERRMSG_MAX];
	/* a copy of exactly size bytes, so ASan sees any read past the end */
	char *line = malloc(size ? size : 1);
	memcpy(line, data, size);
	int rc = trace_parse_line(line, size, &k1, &s1, &e1, err, sizeof(err));
	free(line);
	if (rc != VT_OK) {
		if (rc != VT_ERR || strncmp(err, "col ", 4) != 0)
			abort();
		return 0;
	}
	jsonw_reset(&w);
	if (k1 == TREC_SAMPLE)
		trace_format_sample(&w, &s1);
	else
		trace_format_event(&w, &e1);
	if (!jsonw_ok(&w))
		abort();
	if (trace_parse_line(w.buf, w.len, &k2, &s2, &e2, err, sizeof(err)) != VT_OK || k2 != k1)
		abort();
	if (k1 == TREC_SAMPLE)
		check_sample(&s1, &s2);
	else
		check_event(&e1, &e2);
	return 0;
}
