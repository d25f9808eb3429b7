/* test_trace.c: the reader over real files -- every example trace, gzip and
 * plain alike, bad lines in the middle, over-long lines, truncated gzip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/error.h"
#include "source/trace.h"

#ifndef VT_EXAMPLES
#error "VT_EXAMPLES must name the examples directory"
#endif

struct expect {
	const char *file;
	unsigned long lines, samples, events, procs;
	uint64_t gpu_used_sum, proc_used_sum;
	double last_t;
};

/* Counted once with python3 -c over the files; asserted here. */
static const struct expect examples[] = {
    {"leak_oom.jsonl.gz", 1305, 1300, 5, 2554, 178787428401152u, 177930273554432u, 1795981783.528},
    {"server.jsonl.gz", 711, 707, 4, 656, 79531055251456u, 79069020422144u, 1795981857.594},
    {"shrink.jsonl.gz", 549, 545, 4, 506, 11201967685632u, 10845803249664u, 1795982013.675},
    {"volatile.jsonl.gz", 361, 357, 4, 310, 3404583141376u, 3174880509952u, 1795981893.548},
    {"warmup.jsonl.gz", 654, 650, 4, 606, 11765233811456u, 11340427034624u, 1795981958.882},
};

static void example_path(char *buf, size_t n, const char *file)
{
	snprintf(buf, n, "%s/%s", VT_EXAMPLES, file);
}

static void test_examples_read_fully(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		const struct expect *e = &examples[i];
		char path[512], err[VT_ERRMSG_MAX];
		example_path(path, sizeof(path), e->file);
		struct trace_reader *r = trace_open(path, err, sizeof(err));
		assert_non_null(r);
		struct snapshot s;
		struct trace_event ev;
		enum trace_rec_kind k;
		unsigned long ns = 0, ne = 0, np = 0;
		uint64_t gu = 0, pu = 0;
		double last_t = 0;
		int rc;
		snapshot_init(&s);
		while ((rc = trace_next(r, &k, &s, &ev, err, sizeof(err))) == VT_OK) {
			if (k == TREC_EVENT) {
				ne++;
				continue;
			}
			ns++;
			np += s.nprocs;
			assert_int_equal(s.ngpus, 1);
			assert_int_equal(s.gpus[0].valid, GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE);
			assert_int_equal(s.gpus[0].mem_total, 150754820096u);
			gu += s.gpus[0].mem_used;
			for (size_t j = 0; j < s.nprocs; j++) {
				assert_int_equal(s.procs[j].gpu, 0);
				assert_true(s.procs[j].flags & PF_USED_VALID);
				pu += s.procs[j].used;
			}
			last_t = s.time;
		}
		assert_int_equal(rc, VT_EOF);
		assert_int_equal(trace_line(r), e->lines);
		assert_int_equal(ns, e->samples);
		assert_int_equal(ne, e->events);
		assert_int_equal(np, e->procs);
		assert_true(gu == e->gpu_used_sum);
		assert_true(pu == e->proc_used_sum);
		assert_true(last_t == e->last_t);
		/* EOF is sticky */
		assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_EOF);
		trace_close(r);
		snapshot_free(&s);
	}
}

static void test_leak_oom_first_records_and_events(void **state)
{
	(void)state;
	char path[512], err[VT_ERRMSG_MAX];
	example_path(path, sizeof(path), "leak_oom.jsonl.gz");
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	assert_non_null(r);
	struct snapshot s;
	struct trace_event ev;
	enum trace_rec_kind k;
	snapshot_init(&s);

	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_OK);
	assert_int_equal(k, TREC_EVENT);
	assert_int_equal(trace_line(r), 1);
	assert_string_equal(ev.event, "start");
	assert_int_equal(ev.pid, 511);
	assert_true(ev.t == 1795981653.397);
	assert_false(ev.has_at);
	assert_false(ev.has_rc);
	assert_int_equal(ev.gpu, -1);

	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_OK);
	assert_int_equal(k, TREC_SAMPLE);
	assert_int_equal(trace_line(r), 2);
	assert_true(s.time == 1795981653.398);
	assert_int_equal(s.ngpus, 1);
	assert_int_equal(s.gpus[0].index, 0);
	assert_int_equal(s.gpus[0].state, GPU_STATE_OK);
	assert_int_equal(s.gpus[0].mem_total, 150754820096u);
	assert_int_equal(s.gpus[0].mem_used, 119407509504u);
	assert_int_equal(s.gpus[0].mem_free, 31347310592u);
	assert_int_equal(s.nprocs, 1);
	assert_int_equal(s.procs[0].pid, 483);
	assert_int_equal(s.procs[0].used, 118753329152u);
	assert_int_equal(s.procs[0].flags, PF_USED_VALID);
	assert_int_equal(s.procs[0].type, PROC_COMPUTE);
	assert_false(s.driver_valid);

	/* the events, in file order, with their line numbers */
	static const struct {
		unsigned long line;
		const char *name;
		double t, at;
		int rc; /* -1: none */
	} want[] = {
	    {48, "start", 1795981657.98, 1795981657.98, -1},
	    {1258, "oom", 1795981779.058, 1795981779.058, -1},
	    {1289, "end", 1795981782.058, 1795981782.058, -1},
	    {1305, "exit", 1795981783.629, NAN, 0},
	};
	size_t w = 0;
	int rc;
	while ((rc = trace_next(r, &k, &s, &ev, err, sizeof(err))) == VT_OK) {
		if (k != TREC_EVENT)
			continue;
		assert_true(w < 4);
		assert_int_equal(trace_line(r), want[w].line);
		assert_string_equal(ev.event, want[w].name);
		assert_int_equal(ev.pid, 511);
		assert_true(ev.t == want[w].t);
		assert_int_equal(ev.has_at, want[w].rc < 0);
		if (ev.has_at)
			assert_true(ev.at == want[w].at);
		assert_int_equal(ev.has_rc, want[w].rc >= 0);
		if (ev.has_rc)
			assert_int_equal(ev.rc, want[w].rc);
		w++;
	}
	assert_int_equal(rc, VT_EOF);
	assert_int_equal(w, 4);
	trace_close(r);
	snapshot_free(&s);
}

/* Writes text to a temporary file, gzip'd or not; returns its path (static). */
static const char *write_tmp(const char *text, size_t n, bool gz, const char *tag)
{
	static char path[4][256];
	static int slot;
	char *p = path[slot++ % 4];
	snprintf(p, 256, "/tmp/vt_test_trace_%d_%s%s", (int)getpid(), tag, gz ? ".gz" : "");
	if (gz) {
		gzFile f = gzopen(p, "wb");
		assert_non_null(f);
		assert_int_equal(gzwrite(f, text, (unsigned)n), (int)n);
		gzclose(f);
	} else {
		FILE *f = fopen(p, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(text, 1, n, f), n);
		fclose(f);
	}
	return p;
}

static const char mixed[] =
    "{\"t\": 10.5, \"gpus\": [{\"i\": 0, \"total\": 100, \"used\": 40, \"free\": 60}], "
    "\"procs\": [{\"gpu\": 0, \"pid\": 7, \"used\": 30}]}\n"
    "{\"t\": 11.5, \"gpus\": [{\"i\": 0, \"total\": 100, \"used\": 4\n" /* truncated */
    "\n"
    "   \r\n"
    "{\"t\": 12.5, \"gpus\": [{\"i\": 0, \"total\": \"100\"}]}\n" /* wrong type */
    "[1, 2, 3]\r\n"
    "{\"t\": 13.5, \"event\": \"oom\", \"pid\": 7, \"gpu\": 0, \"at\": 13.25}\r\n"
    "{\"t\": 14.5, \"gpus\": [{\"i\": 0, \"used\": -5}]}\n" /* negative bytes */
    "{\"t\": 15.5, \"gpus\": [{\"i\": 0, \"total\": 100, \"used\": 41, \"free\": 59}], "
    "\"procs\": []}"; /* no final newline */

static void check_mixed(const char *path)
{
	char err[VT_ERRMSG_MAX];
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	assert_non_null(r);
	struct snapshot s;
	struct trace_event ev;
	enum trace_rec_kind k;
	snapshot_init(&s);
	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_OK);
	assert_int_equal(k, TREC_SAMPLE);
	assert_true(s.time == 10.5);
	assert_int_equal(s.procs[0].used, 30);
	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_ERR);
	assert_true(strncmp(err, "2: ", 3) == 0);
	assert_int_equal(trace_line(r), 2);
	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_ERR);
	assert_true(strncmp(err, "5: ", 3) == 0); /* blank lines 3-4 skipped */
	assert_non_null(strstr(err, "expected a number"));
	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_ERR);
	assert_true(strncmp(err, "6: col 1: expected '{'", 22) == 0);
	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_OK);
	assert_int_equal(k, TREC_EVENT);
	assert_int_equal(trace_line(r), 7);
	assert_string_equal(ev.event, "oom");
	assert_int_equal(ev.pid, 7);
	assert_int_equal(ev.gpu, 0);
	assert_true(ev.has_at && ev.at == 13.25);
	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_ERR);
	assert_true(strncmp(err, "8: ", 3) == 0);
	assert_non_null(strstr(err, "negative bytes"));
	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_OK);
	assert_int_equal(trace_line(r), 9);
	assert_int_equal(k, TREC_SAMPLE);
	assert_int_equal(s.gpus[0].mem_used, 41);
	assert_int_equal(s.nprocs, 0);
	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_EOF);
	trace_close(r);
	snapshot_free(&s);
}

static void test_bad_lines_do_not_stop_the_reader(void **state)
{
	(void)state;
	const char *plain = write_tmp(mixed, sizeof(mixed) - 1, false, "mixed");
	const char *gz = write_tmp(mixed, sizeof(mixed) - 1, true, "mixed");
	check_mixed(plain);
	check_mixed(gz);
	unlink(plain);
	unlink(gz);
	/* plain files shorter than gzip's two-byte magic */
	char err[VT_ERRMSG_MAX];
	struct snapshot s;
	struct trace_event ev;
	enum trace_rec_kind k;
	snapshot_init(&s);
	static const char *tiny[] = {"", "x", "\x1f"};
	for (size_t i = 0; i < 3; i++) {
		const char *path = write_tmp(tiny[i], strlen(tiny[i]), false, "tiny");
		struct trace_reader *r = trace_open(path, err, sizeof(err));
		assert_non_null(r);
		assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), i ? VT_ERR : VT_EOF);
		assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_EOF);
		trace_close(r);
		unlink(path);
	}
	snapshot_free(&s);
}

/* Time rules (trace.h): a "t" outside 0 .. 2^40 s is a bad line, counted and
 * reported like any other; a sample that goes back in time, or forward by more
 * than TRACE_GAP_MAX, is delivered and starts a new segment, with a reason.
 * Every other sample plays. */
static const char times[] =
    "{\"t\": 100, \"gpus\": [{\"i\": 0, \"used\": 1}]}\n"
    "{\"t\": 101, \"gpus\": [{\"i\": 0, \"used\": 2}]}\n"
    "{\"t\": 1e308, \"gpus\": [{\"i\": 0, \"used\": 3}]}\n"                /* 3: absurd */
    "{\"t\": 18446744073709551616, \"gpus\": [{\"i\": 0, \"used\": 4}]}\n" /* 4: 2^64 */
    "{\"t\": 1099511627777, \"gpus\": [{\"i\": 0, \"used\": 5}]}\n"        /* 5: 2^40 + 1 */
    "{\"t\": NaN, \"gpus\": [{\"i\": 0, \"used\": 6}]}\n"                  /* 6: not JSON */
    "{\"t\": 102, \"gpus\": [{\"i\": 0, \"used\": 7}]}\n"
    "{\"t\": 1000102, \"gpus\": [{\"i\": 0, \"used\": 8}]}\n" /* 8: 10^6 s ahead */
    "{\"t\": 1000103, \"event\": \"oom\"}\n"
    "{\"t\": 1000103, \"gpus\": [{\"i\": 0, \"used\": 9}]}\n"
    "{\"t\": 50, \"gpus\": [{\"i\": 0, \"used\": 10}]}\n" /* 11: a second run */
    "{\"t\": 51, \"gpus\": [{\"i\": 0, \"used\": 11}]}\n"
    "{\"t\": 86451, \"gpus\": [{\"i\": 0, \"used\": 12}]}\n"          /* exactly one day on */
    "{\"t\": 1099511627776, \"gpus\": [{\"i\": 0, \"used\": 13}]}\n"; /* 2^40, ahead */

static void test_time_rules(void **state)
{
	(void)state;
	const char *path = write_tmp(times, sizeof(times) - 1, true, "times");
	char err[VT_ERRMSG_MAX];
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	assert_non_null(r);
	struct snapshot s;
	struct trace_event ev;
	enum trace_rec_kind k;
	snapshot_init(&s);
	static const struct {
		int rc;
		uint64_t used;   /* of a sample */
		const char *msg; /* an error, or a segment break's reason */
	} want[] = {
	    {VT_OK, 1, NULL},
	    {VT_OK, 2, NULL},
	    {VT_ERR, 0, "3: col 7: t out of range"},
	    {VT_ERR, 0, "4: col 7: t out of range"},
	    {VT_ERR, 0, "5: col 7: t out of range"},
	    {VT_ERR, 0, "6: col 7:"},
	    {VT_OK, 7, NULL},
	    {VT_OK, 8, "8: t jumps ahead 1000000.000 s: a new segment starts"},
	    {VT_OK, 0, NULL}, /* the event */
	    {VT_OK, 9, NULL},
	    {VT_OK, 10, "11: t goes back 1000053.000 s: a new segment starts"},
	    {VT_OK, 11, NULL},
	    {VT_OK, 12, NULL},
	    {VT_OK, 13, "14: t jumps ahead 1099511541325.000 s: a new segment starts"},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		err[0] = '\0';
		int rc = trace_next(r, &k, &s, &ev, err, sizeof(err));
		const char *why = rc == VT_OK ? trace_segment_break(r) : err;
		if (rc != want[i].rc ||
		    (rc == VT_OK && k == TREC_SAMPLE && s.gpus[0].mem_used != want[i].used) ||
		    (want[i].msg ? !why || strncmp(why, want[i].msg, strlen(want[i].msg)) != 0
		                 : why != NULL))
			fail_msg("record %zu: rc %d, used %llu, <%s>; want rc %d, used %llu, <%s>",
			         i, rc,
			         rc == VT_OK && k == TREC_SAMPLE
			             ? (unsigned long long)s.gpus[0].mem_used
			             : 0ull,
			         why ? why : "(null)", want[i].rc, (unsigned long long)want[i].used,
			         want[i].msg ? want[i].msg : "(null)");
	}
	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_EOF);
	assert_int_equal(trace_segment_breaks(r), 3);
	assert_null(trace_segment_break(r));
	trace_close(r);
	unlink(path);
	snapshot_free(&s);
}

static void test_long_lines(void **state)
{
	(void)state;
	/* one sample of 64 GPUs x 64 processes with long names (about 2 MB), then
	 * a 17 MB line, then a good line */
	size_t cap = 20u << 20, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	n += (size_t)snprintf(buf + n, cap - n, "{\"t\": 1, \"gpus\": [");
	for (int g = 0; g < 64; g++)
		n += (size_t)snprintf(buf + n, cap - n, "%s{\"i\": %d, \"used\": %d}",
		                      g ? ", " : "", g, g * 1000);
	n += (size_t)snprintf(buf + n, cap - n, "], \"procs\": [");
	for (int i = 0; i < 64 * 64; i++) {
		n += (size_t)snprintf(buf + n, cap - n, "%s{\"gpu\": %d, \"pid\": %d, \"name\": \"",
		                      i ? ", " : "", i / 64, 1000 + i);
		memset(buf + n, 'x', 400);
		n += 400;
		n += (size_t)snprintf(buf + n, cap - n, "\", \"used\": %d}", i);
	}
	n += (size_t)snprintf(buf + n, cap - n, "]}\n{\"t\": 2, \"gpus\": [], \"junk\": \"");
	size_t big = 17u << 20;
	memset(buf + n, 'y', big - 40);
	n += big - 40;
	n += (size_t)snprintf(buf + n, cap - n, "\"}\n{\"t\": 3, \"gpus\": []}\n");
	assert_true(n < cap);
	const char *path = write_tmp(buf, n, true, "long");
	free(buf);

	char err[VT_ERRMSG_MAX];
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	assert_non_null(r);
	struct snapshot s;
	struct trace_event ev;
	enum trace_rec_kind k;
	snapshot_init(&s);
	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_OK);
	assert_int_equal(s.ngpus, 64);
	assert_int_equal(s.nprocs, 64 * 64);
	assert_int_equal(s.procs[4095].gpu, 63);
	assert_int_equal(s.procs[4095].pid, 1000 + 4095);
	assert_int_equal(s.procs[4095].used, 4095);
	assert_int_equal(strlen(s.procs[4095].name), 256); /* cut to 256 bytes */
	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_ERR);
	assert_string_equal(err, "2: line longer than 16 MiB");
	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_OK);
	assert_int_equal(trace_line(r), 3);
	assert_true(s.time == 3.0);
	assert_int_equal(s.ngpus, 0);
	assert_int_equal(trace_next(r, &k, &s, &ev, err, sizeof(err)), VT_EOF);
	trace_close(r);
	snapshot_free(&s);
	unlink(path);
}

static void test_truncated_gzip(void **state)
{
	(void)state;
	char text[8192];
	size_t n = 0;
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		                      "{\"t\": %d, \"gpus\": [{\"i\": 0, \"used\": %d}]}\n", i,
		                      i * 7);
	const char *path = write_tmp(text, n, true, "trunc");
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char gz[8192];
	size_t gn = fread(gz, 1, sizeof(gz), f);
	fclose(f);
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(gz, 1, gn - 12, f); /* lose the trailer and some data */
	fclose(f);

	char err[VT_ERRMSG_MAX];
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	assert_non_null(r);
	struct snapshot s;
	struct trace_event ev;
	enum trace_rec_kind k;
	snapshot_init(&s);
	int rc, good = 0, bad = 0;
	while ((rc = trace_next(r, &k, &s, &ev, err, sizeof(err))) != VT_EOF) {
		if (rc == VT_OK)
			good++;
		else
			bad++;
		assert_true(good + bad < 200);
	}
	assert_true(good > 50 && good < 100);
	assert_true(bad >= 1 && bad <= 2);
	trace_close(r);
	snapshot_free(&s);
	unlink(path);
}

static void test_open_missing(void **state)
{
	(void)state;
	char err[VT_ERRMSG_MAX] = "";
	assert_null(trace_open("/nonexistent/trace.jsonl", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/trace.jsonl"));
	assert_non_null(strstr(err, "No such file"));
	assert_null(trace_open("/tmp", err, sizeof(err)));
	assert_string_equal(err, "/tmp: is a directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_examples_read_fully),
	    cmocka_unit_test(test_leak_oom_first_records_and_events),
	    cmocka_unit_test(test_bad_lines_do_not_stop_the_reader),
	    cmocka_unit_test(test_time_rules),
	    cmocka_unit_test(test_long_lines),
	    cmocka_unit_test(test_truncated_gzip),
	    cmocka_unit_test(test_open_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
