/* test_variance.c: the reference phase detector and range predictor (values
 * worked out by hand from seed_oom.py), and the "variance" predictor's
 * per-process state: identities, recycled PIDs, culprit, no allocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "alloc_count.h"
#include "near.h"
#include "analysis/phase.h"
#include "analysis/predictor.h"

#define MB 1048576ull

static void test_names_and_registry(void **state)
{
	(void)state;
	assert_string_equal(vt_phase_name(PHASE_STABLE), "stable");
	assert_string_equal(vt_phase_name(PHASE_GROWING), "growing");
	assert_string_equal(vt_phase_name(PHASE_SHRINKING), "shrinking");
	assert_string_equal(vt_phase_name(PHASE_VOLATILE), "volatile");
	assert_ptr_equal(predictor_find("variance"), &predictor_variance_ops);
	assert_null(predictor_find("nope"));
	assert_null(predictor_find(NULL));
	struct pred_params p;
	pred_params_default(&p);
	assert_int_equal(p.min_sustained_samples, 10);
	assert_true(p.min_rate_mb_s == 1.0);
	assert_true(p.refresh_s == 1.0);
}

static void test_detector_growth_by_hand(void **state)
{
	(void)state;
	struct phase_detector d;
	phase_init(&d);
	struct phase_state s = phase_update(&d, 10, 1);
	assert_int_equal(s.phase, PHASE_STABLE);
	assert_true(s.rate == 0.0 && s.conf == 0.0 && s.dur == 0);
	s = phase_update(&d, 10, 1);
	assert_true(s.rate == 0.0);
	/* 3rd: candidate GROWING (1 of M=3), still STABLE; ema 0.3*10 */
	s = phase_update(&d, 10, 1);
	assert_int_equal(s.phase, PHASE_STABLE);
	assert_int_equal(s.dur, 1);
	assert_near(s.rate, 3.0, 1e-12);
	assert_near(s.conf, 1.0 / 30.0, 1e-12);
	s = phase_update(&d, 10, 1);
	assert_int_equal(s.phase, PHASE_STABLE);
	assert_near(s.rate, 5.1, 1e-12);
	/* 5th: third GROWING in a row: switch, dur restarts, ema = mean */
	s = phase_update(&d, 10, 1);
	assert_int_equal(s.phase, PHASE_GROWING);
	assert_int_equal(s.dur, 1);
	assert_near(s.rate, 10.0, 1e-12);
	/* dt is clamped to 1 ms: 0.01 MB in 0 s is 10 MB/s */
	s = phase_update(&d, 0.01, 0);
	assert_int_equal(s.phase, PHASE_GROWING);
	assert_near(s.rate, 10.0, 1e-12);
	/* non-finite input is ignored: same state back, window untouched */
	s = phase_update(&d, NAN, 1);
	assert_int_equal(s.dur, 2);
	s = phase_update(&d, 1, INFINITY);
	assert_int_equal(s.dur, 2);
}

static void test_detector_volatile_and_shrinking(void **state)
{
	(void)state;
	struct phase_detector d;
	phase_init(&d);
	struct phase_state s = {0};
	for (int i = 0; i < 20; i++)
		s = phase_update(&d, i % 2 ? 500 : -500, 1);
	assert_int_equal(s.phase, PHASE_VOLATILE);
	/* variance 250000: confidence is tiny but in [0, 1] */
	assert_true(s.conf > 0 && s.conf < 0.001);
	phase_init(&d);
	for (int i = 0; i < 40; i++)
		s = phase_update(&d, -20, 1);
	assert_int_equal(s.phase, PHASE_SHRINKING);
	assert_near(s.rate, -20.0, 1e-9);
	assert_near(s.conf, 1.0, 1e-12); /* 38 samples in phase, no variance */
}

static void test_oom_range_rules(void **state)
{
	(void)state;
	struct phase_detector d;
	struct oom_range o;
	phase_init(&d);
	oom_range_init(&o, 10, 1.0);
	double lo = -1, hi = -1;
	int first = -1;
	for (int i = 1; i <= 20; i++) {
		struct phase_state s = phase_update(&d, 10, 1);
		if (oom_range_update(&o, &s, 1000.0, &lo, &hi) && first < 0)
			first = i;
	}
	/* GROWING from update 5 (dur 1): more than 10 samples at update 15 */
	assert_int_equal(first, 15);
	assert_near(lo, 100.0, 1e-9);
	assert_near(hi, 100.0, 1e-9);
	/* capped at one hour */
	struct phase_state s = phase_update(&d, 10, 1);
	assert_true(oom_range_update(&o, &s, 1e9, &lo, &hi));
	assert_true(lo == 3600 && hi == 3600);
	/* below min_rate: nothing */
	struct oom_range slow;
	oom_range_init(&slow, 10, 50.0);
	s = phase_update(&d, 10, 1);
	assert_false(oom_range_update(&slow, &s, 1000.0, &lo, &hi));
	/* leaving GROWING forgets the range (the window empties of the old
	 * rates after 10 samples, then M=3 for the switch) */
	for (int i = 0; i < 12; i++) {
		s = phase_update(&d, 0, 1);
		oom_range_update(&o, &s, 1000.0, &lo, &hi);
	}
	assert_int_equal(s.phase, PHASE_STABLE);
	assert_false(o.have);
}

/* One GPU tick with up to 4 processes. */
static void tick(const struct predictor_ops *ops, void *p, double t, uint64_t free_b,
                 const struct pred_proc_sample *procs, size_t n, struct pred_output *out,
                 struct pred_proc_out *pout)
{
	uint64_t used = 0;
	for (size_t i = 0; i < n; i++)
		used += procs[i].used;
	struct pred_input in = {.t = t,
	                        .total = used + free_b,
	                        .used = used,
	                        .free = free_b,
	                        .procs = procs,
	                        .nprocs = n};
	ops->update(p, &in, out, pout);
}

static void test_culprit_is_fastest_grower(void **state)
{
	(void)state;
	const struct predictor_ops *ops = &predictor_variance_ops;
	void *p = ops->create(NULL);
	struct pred_proc_sample procs[3] = {{.pid = 100, .starttime = 1, .used = 1000 * MB},
	                                    {.pid = 200, .starttime = 2, .used = 1000 * MB},
	                                    {.pid = 300, .starttime = 3, .used = 5000 * MB}};
	struct pred_output out;
	struct pred_proc_out pout[3];
	uint64_t free_b = 60000 * MB;
	for (int i = 0; i < 30; i++) {
		tick(ops, p, i, free_b, procs, 3, &out, pout);
		procs[0].used += 5 * MB;
		procs[1].used += 50 * MB;
		free_b -= 55 * MB;
	}
	assert_int_equal(out.phase, PHASE_GROWING);
	assert_true(out.has_oom);
	assert_int_equal(out.culprit_pid, 200);
	assert_int_equal(out.culprit_starttime, 2);
	assert_true(out.low_s <= out.high_s);
	/* 60000 - 29*55 MB left at 55 MB/s */
	assert_near(out.low_s, (60000.0 - 29 * 55) / 55.0, 0.5);
	assert_int_equal(pout[0].phase, PHASE_GROWING);
	assert_near(pout[0].rate_mb_s, 5.0, 1e-9);
	assert_near(pout[1].rate_mb_s, 50.0, 1e-9);
	assert_int_equal(pout[2].phase, PHASE_STABLE);
	ops->destroy(p);
}

static void test_identity_recycled_pid_and_vanished(void **state)
{
	(void)state;
	const struct predictor_ops *ops = &predictor_variance_ops;
	void *p = ops->create(NULL);
	struct pred_proc_sample a[2] = {{.pid = 42, .starttime = 100}, {.pid = 43, .starttime = 7}};
	struct pred_output out;
	struct pred_proc_out pout[2];
	for (int i = 0; i < 20; i++) {
		a[0].used += 100 * MB;
		tick(ops, p, i, 1ull << 40, a, 2, &out, pout);
	}
	assert_int_equal(pout[0].phase, PHASE_GROWING);
	/* same pid, new starttime: a new process, it inherits nothing */
	a[0].starttime = 200;
	a[0].used += 100 * MB;
	tick(ops, p, 20, 1ull << 40, a, 2, &out, pout);
	assert_int_equal(pout[0].phase, PHASE_STABLE);
	assert_true(pout[0].rate_mb_s == 0.0);
	/* order changes do not lose state */
	struct pred_proc_sample b[2] = {a[1], a[0]};
	for (int i = 21; i < 40; i++) {
		b[1].used += 100 * MB;
		tick(ops, p, i, 1ull << 40, b, 2, &out, pout);
	}
	assert_int_equal(pout[1].phase, PHASE_GROWING);
	/* 42 vanishes for one tick: when it comes back it starts over */
	tick(ops, p, 40, 1ull << 40, b, 1, &out, pout);
	b[1].used += 100 * MB;
	tick(ops, p, 41, 1ull << 40, b, 2, &out, pout);
	assert_int_equal(pout[1].phase, PHASE_STABLE);
	assert_true(pout[1].rate_mb_s == 0.0);
	ops->destroy(p);
}

static void test_steady_state_does_not_allocate(void **state)
{
	(void)state;
	const struct predictor_ops *ops = &predictor_variance_ops;
	void *p = ops->create(NULL);
	struct pred_proc_sample procs[16];
	struct pred_proc_out pout[16];
	struct pred_output out;
	for (int j = 0; j < 16; j++)
		procs[j] = (struct pred_proc_sample){
		    .pid = 1000 + j, .starttime = (uint64_t)j, .used = (uint64_t)j * MB};
	tick(ops, p, 0, 1ull << 36, procs, 16, &out, pout);
	size_t before = alloc_calls;
	for (int i = 1; i < 5000; i++) {
		procs[i % 16].used += MB;
		/* a shuffled order is still the same set */
		struct pred_proc_sample tmp = procs[0];
		procs[0] = procs[15];
		procs[15] = tmp;
		tick(ops, p, i, 1ull << 36, procs, 16, &out, pout);
	}
	assert_int_equal(alloc_calls, before);
	ops->destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_and_registry),
	    cmocka_unit_test(test_detector_growth_by_hand),
	    cmocka_unit_test(test_detector_volatile_and_shrinking),
	    cmocka_unit_test(test_oom_range_rules),
	    cmocka_unit_test(test_culprit_is_fastest_grower),
	    cmocka_unit_test(test_identity_recycled_pid_and_vanished),
	    cmocka_unit_test(test_steady_state_does_not_allocate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
