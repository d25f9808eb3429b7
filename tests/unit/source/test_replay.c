/* test_replay.c: the replay source -- samples in order, events kept aside,
 * delays for the loop, looping with increasing time, seeking. */
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

#include "core/error.h"
#include "source/replay.h"

#ifndef VT_EXAMPLES
#error "VT_EXAMPLES must name the examples directory"
#endif

#define LEAK VT_EXAMPLES "/leak_oom.jsonl.gz"

static const char *write_tmp(const char *text, const char *tag)
{
	static char path[256];
	snprintf(path, sizeof(path), "/tmp/vt_test_replay_%d_%s.jsonl", (int)getpid(), tag);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_leak_oom_through(void **state)
{
	(void)state;
	struct source *src = NULL;
	char err[VT_ERRMSG_MAX];
	assert_int_equal(replay_source_open(LEAK, 2.0, false, &src, err, sizeof(err)), VT_OK);
	assert_string_equal(src->ops->name, "replay");
	assert_true(isnan(replay_time(src)));
	assert_null(replay_last_event(src));
	assert_true(replay_next_delay(src, 0) == 0.0); /* nothing returned yet */

	struct snapshot s;
	snapshot_init(&s);
	const struct trace_event *evs;
	assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_OK);
	assert_true(s.time == 1795981653.398);
	assert_int_equal(s.procs[0].pid, 483);
	assert_int_equal(replay_events(src, &evs), 1); /* line 1: start */
	assert_string_equal(evs[0].event, "start");
	assert_int_equal(evs[0].pid, 511);
	assert_string_equal(replay_last_event(src)->event, "start");
	/* next sample at .498: 0.1 s at real time, 0.05 at the default x2 */
	assert_true(fabs(replay_next_delay(src, 1.0) - 0.1) < 1e-6);
	assert_true(fabs(replay_next_delay(src, 0) - 0.05) < 1e-6);
	assert_true(fabs(replay_next_delay(src, 4.0) - 0.025) < 1e-6);

	unsigned long n = 1;
	bool saw_oom = false;
	double prev = s.time;
	int rc;
	while ((rc = source_sample(src, &s, err, sizeof(err))) == VT_OK) {
		n++;
		assert_true(s.time >= prev);
		prev = s.time;
		size_t ne = replay_events(src, &evs);
		for (size_t i = 0; i < ne; i++) {
			if (strcmp(evs[i].event, "oom") == 0) {
				saw_oom = true;
				assert_int_equal(evs[i].pid, 511);
				assert_true(evs[i].has_at && evs[i].at == 1795981779.058);
				/* the oom is delivered with the first sample after it */
				assert_true(s.time >= 1795981779.058 - 0.2);
				assert_string_equal(replay_last_event(src)->event, "oom");
			}
		}
		if (ne == 0)
			assert_non_null(replay_last_event(src));
	}
	assert_int_equal(rc, VT_EOF);
	assert_true(saw_oom);
	assert_int_equal(n, 1300);
	assert_true(s.time == 1795981783.528);
	assert_true(replay_next_delay(src, 1.0) == -1.0);
	/* the exit event after the last sample is delivered with the EOF */
	assert_int_equal(replay_events(src, &evs), 1);
	assert_string_equal(evs[0].event, "exit");
	assert_true(evs[0].has_rc && evs[0].rc == 0);
	assert_string_equal(replay_last_event(src)->event, "exit");
	assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_EOF);
	assert_int_equal(replay_bad_lines(src, NULL), 0);
	source_close(src);
	snapshot_free(&s);
}

static const char small[] = "{\"t\": 10, \"event\": \"start\", \"pid\": 1}\n"
                            "{\"t\": 10, \"gpus\": [{\"i\": 0, \"used\": 100}], \"procs\": []}\n"
                            "{\"t\": 11, \"gpus\": [{\"i\": 0, \"used\": 110}], \"procs\": []}\n"
                            "this is not json\n"
                            "{\"t\": 11.5, \"event\": \"oom\", \"pid\": 1, \"at\": 11.4}\n"
                            "{\"t\": 12, \"gpus\": [{\"i\": 0, \"used\": 120}], \"procs\": []}\n"
                            "{\"t\": 12.5, \"event\": \"exit\", \"pid\": 1, \"rc\": 1}\n";

static void test_loop_keeps_time_increasing(void **state)
{
	(void)state;
	const char *path = write_tmp(small, "loop");
	struct source *src = NULL;
	char err[VT_ERRMSG_MAX];
	assert_int_equal(replay_source_open(path, 1.0, true, &src, err, sizeof(err)), VT_OK);
	struct snapshot s;
	snapshot_init(&s);
	/* span 2 s + interval 1 s: each pass is shifted by 3 s */
	static const double want_t[] = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
	static const uint64_t want_used[] = {100, 110, 120, 100, 110, 120, 100, 110, 120, 100};
	const struct trace_event *evs;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_OK);
		assert_true(s.time == want_t[i]);
		assert_int_equal(s.gpus[0].mem_used, want_used[i]);
		if (i < 9)
			assert_true(replay_next_delay(src, 2.0) == 0.5);
		if (i == 5) {
			assert_int_equal(replay_events(src, &evs), 1);
			assert_string_equal(evs[0].event, "oom");
			assert_true(evs[0].t == 14.5 && evs[0].at == 14.4); /* shifted too */
		}
		if (i == 6) { /* exit of pass 2 and start of pass 3 */
			assert_int_equal(replay_events(src, &evs), 2);
			assert_string_equal(evs[0].event, "exit");
			assert_string_equal(evs[1].event, "start");
			assert_true(evs[1].t == 16.0);
		}
	}
	const char *last;
	assert_int_equal(replay_bad_lines(src, &last), 3); /* once per pass read */
	assert_string_equal(last, "4: col 1: expected '{'");
	source_close(src);
	snapshot_free(&s);
	unlink(path);
}

static void test_seek(void **state)
{
	(void)state;
	struct source *src = NULL;
	char err[VT_ERRMSG_MAX];
	assert_int_equal(replay_source_open(LEAK, 1.0, false, &src, err, sizeof(err)), VT_OK);
	struct snapshot s;
	snapshot_init(&s);
	/* forward */
	assert_int_equal(replay_seek(src, 1795981779.0, err, sizeof(err)), VT_OK);
	assert_true(isnan(replay_time(src)));
	assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_OK);
	assert_true(s.time >= 1795981779.0 && s.time < 1795981779.2);
	double t1 = s.time;
	assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_OK);
	assert_true(s.time > t1);
	/* last_event reflects what was skipped over: the second start */
	assert_non_null(replay_last_event(src));
	/* backward */
	assert_int_equal(replay_seek(src, 1795981660.0, err, sizeof(err)), VT_OK);
	assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_OK);
	assert_true(s.time >= 1795981660.0 && s.time < 1795981660.2);
	/* to the very start */
	assert_int_equal(replay_seek(src, 0, err, sizeof(err)), VT_OK);
	assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_OK);
	assert_true(s.time == 1795981653.398);
	/* past the end: the last sample, then the end */
	assert_int_equal(replay_seek(src, 1e10, err, sizeof(err)), VT_OK);
	assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_OK);
	assert_true(s.time == 1795981783.528);
	assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_EOF);
	/* after the end a seek works again */
	assert_int_equal(replay_seek(src, 1795981700.0, err, sizeof(err)), VT_OK);
	assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_OK);
	assert_true(s.time >= 1795981700.0 && s.time < 1795981700.2);
	assert_int_equal(replay_seek(src, NAN, err, sizeof(err)), VT_ERR);
	source_close(src);
	snapshot_free(&s);
}

static void test_seek_in_loop(void **state)
{
	(void)state;
	const char *path = write_tmp(small, "seekloop");
	struct source *src = NULL;
	char err[VT_ERRMSG_MAX];
	assert_int_equal(replay_source_open(path, 1.0, true, &src, err, sizeof(err)), VT_OK);
	struct snapshot s;
	snapshot_init(&s);
	for (int i = 0; i < 5; i++) /* into the second pass */
		assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_OK);
	assert_true(s.time == 14.0);
	assert_int_equal(replay_seek(src, 11.0, err, sizeof(err)), VT_OK);
	assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_OK);
	assert_true(s.time == 11.0);
	assert_int_equal(replay_seek(src, 99.0, err, sizeof(err)), VT_OK);
	assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_OK);
	assert_true(s.time == 12.0);
	assert_int_equal(source_sample(src, &s, err, sizeof(err)), VT_OK); /* and round again */
	assert_true(s.time == 13.0);
	assert_int_equal(s.gpus[0].mem_used, 100);
	source_close(src);
	snapshot_free(&s);
	unlink(path);
}

static void test_open_errors(void **state)
{
	(void)state;
	struct source *src = NULL;
	char err[VT_ERRMSG_MAX];
	assert_int_equal(replay_source_open("/nonexistent.jsonl", 1, false, &src, err, sizeof(err)),
	                 VT_ERR);
	assert_non_null(strstr(err, "/nonexistent.jsonl"));
	assert_null(src);
	const char *path = write_tmp("{\"t\": 1, \"event\": \"start\"}\nnope\n", "nosamples");
	assert_int_equal(replay_source_open(path, 1, true, &src, err, sizeof(err)), VT_ERR);
	assert_non_null(
	    strstr(err, "no samples in the trace (1 malformed lines, the last: 2: col 1"));
	assert_null(src);
	unlink(path);
	path = write_tmp("", "empty");
	assert_int_equal(replay_source_open(path, 1, false, &src, err, sizeof(err)), VT_ERR);
	assert_non_null(strstr(err, "no samples in the trace (0 malformed lines)"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_leak_oom_through),
	    cmocka_unit_test(test_loop_keeps_time_increasing),
	    cmocka_unit_test(test_seek),
	    cmocka_unit_test(test_seek_in_loop),
	    cmocka_unit_test(test_open_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
