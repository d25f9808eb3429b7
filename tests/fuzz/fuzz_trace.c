/* fuzz_trace.c: libFuzzer target for the trace reader. trace_parse_line on
 * the input as one line: besides not crashing, whatever parses holds the
 * contract of trace.h (t in range, each (gpu, pid) once) and survives the
 * round trip writer -> reader unchanged. Then trace_next on the input as a
 * file: every sample in range, and a segment break exactly where time goes
 * back or jumps ahead more than TRACE_GAP_MAX. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* trace.h's contract for one sample. */
static void check_contract(const struct snapshot *s)
{
	if (!(s->time >= 0 && s->time <= TRACE_TIME_MAX))
		abort();
	for (size_t i = 1; i < s->nprocs; i++) {
		if (s->procs[i].gpu < s->procs[i - 1].gpu)
			abort(); /* grouped by GPU */
		for (size_t j = i; j-- > 0 && s->procs[j].gpu == s->procs[i].gpu;)
			if (s->procs[j].pid == s->procs[i].pid)
				abort(); /* each (gpu, pid) once */
	}
}

/* The input as a file, through trace_next. */
static void check_reader(const uint8_t *data, size_t size)
{
	static struct snapshot s;
	int fd = memfd_create("fuzz_trace", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	char path[64], err[VT_ERRMSG_MAX];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	close(fd);
	if (!r)
		return;
	struct trace_event ev;
	enum trace_rec_kind k;
	bool have = false;
	double last = 0;
	unsigned long breaks = 0;
	int rc;
	while ((rc = trace_next(r, &k, &s, &ev, err, sizeof(err))) != VT_EOF) {
		if (rc != VT_OK || k != TREC_SAMPLE) {
			if (trace_segment_break(r))
				abort();
			continue;
		}
		check_contract(&s);
		bool brk = have && (s.time < last || s.time - last > TRACE_GAP_MAX);
		if (brk != (trace_segment_break(r) != NULL))
			abort();
		breaks += brk;
		have = true;
		last = s.time;
	}
	if (trace_segment_breaks(r) != breaks)
		abort();
	trace_close(r);
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
	check_reader(data, size);
	if (rc != VT_OK) {
		if (rc != VT_ERR || strncmp(err, "col ", 4) != 0)
			abort();
		return 0;
	}
	if (k1 == TREC_SAMPLE)
		check_contract(&s1);
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
