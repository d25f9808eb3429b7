/* test_property.c: seeded random abuse of every predictor in the registry
 * ("variance", and "envelope" once it is linked) and of PELT: empty,
 * constant, NaN/inf times, time going backwards or standing still, 1e12-byte
 * jumps, 10^6 samples, process churn. Invariants: no crash, phases valid,
 * confidence in [0, 1], 0 <= low <= high <= 3600, culprit among the inputs,
 * no allocation once the largest process set has been seen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "alloc_count.h"
#include "analysis/pelt.h"
#include "analysis/predictor.h"

#define MAXP 64

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double unif(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

static void check(const struct pred_input *in, const struct pred_output *o,
                  const struct pred_proc_out *po)
{
	assert_true(o->phase >= PHASE_STABLE && o->phase <= PHASE_VOLATILE);
	if (o->has_oom) {
		assert_true(isfinite(o->low_s) && isfinite(o->high_s));
		assert_true(o->low_s >= 0 && o->low_s <= o->high_s && o->high_s <= 3600);
		assert_true(o->confidence >= 0 && o->confidence <= 1);
	}
	if (o->culprit_pid) {
		bool found = false;
		for (size_t j = 0; j < in->nprocs; j++)
			found |= in->procs[j].pid == o->culprit_pid;
		assert_true(found);
	}
	for (size_t j = 0; j < in->nprocs; j++) {
		assert_true(po[j].phase >= PHASE_STABLE && po[j].phase <= PHASE_VOLATILE);
		assert_false(isnan(po[j].rate_mb_s));
	}
}

enum scenario { S_CONSTANT, S_BAD_TIME, S_HUGE_JUMPS, S_LEAK, S_CHURN, S_COUNT };

/* Runs n ticks of a scenario; returns allocations made after warmup ticks. */
static size_t run(const struct predictor_ops *ops, enum scenario sc, long n, long warmup,
                  uint64_t seed)
{
	rng = seed;
	void *p = ops->create(NULL);
	static struct pred_proc_sample procs[MAXP];
	static struct pred_proc_out po[MAXP];
	struct pred_output out;
	size_t np = sc == S_CHURN ? MAXP : 16;
	for (size_t j = 0; j < MAXP; j++)
		procs[j] = (struct pred_proc_sample){
		    .pid = (pid_t)(100 + j), .starttime = j, .used = (next() % 1000) << 20};
	double t = 1e9;
	uint64_t total = 80ull << 30;
	size_t before = 0;
	for (long i = 0; i < n; i++) {
		if (i == warmup)
			before = alloc_calls;
		t += 1.0;
		uint64_t used = 0;
		struct pred_input in = {.t = t, .total = total, .procs = procs};
		switch (sc) {
		case S_CONSTANT:
			break;
		case S_BAD_TIME: {
			uint64_t r = next() % 8;
			in.t = r == 0   ? NAN
			       : r == 1 ? INFINITY
			       : r == 2 ? -INFINITY
			       : r == 3 ? t - 5 /* backwards */
			       : r == 4 ? t - 1 /* repeated */
			                : t;
			procs[i % np].used += (next() % 100) << 20;
			break;
		}
		case S_HUGE_JUMPS:
			for (size_t j = 0; j < np; j++) {
				procs[j].used = next() % 2 ? 1000000000000ull : 0;
				/* deep mode's figures, any size, rising or not */
				procs[j].deep_peak =
				    next() % 3 ? procs[j].deep_peak + next() % (1ull << 40)
				               : next();
				procs[j].deep_reserved = next() % 2 ? next() : 0;
			}
			if (next() % 50 == 0)
				procs[0].used = UINT64_MAX / 32;
			break;
		case S_LEAK:
			procs[3].used += (200ull << 20) + (next() % (64ull << 20));
			if (procs[3].used > total)
				procs[3].used = 1ull << 30; /* the OOM: freed, start over */
			/* it reports: a peak above its sawtoothing reservation */
			procs[3].deep_reserved = procs[3].used - (next() % (512ull << 20));
			procs[3].deep_peak = procs[3].used + (1ull << 30);
			break;
		case S_CHURN:
			np = i < warmup ? (i == 0 ? MAXP : next() % (MAXP + 1))
			                : next() % (MAXP + 1);
			for (size_t j = 0; j < np; j++) {
				if (next() % 20 == 0) { /* a recycled pid or a new one */
					procs[j].starttime = next() % 4;
					procs[j].pid = (pid_t)(100 + next() % 80);
				}
				procs[j].used += (next() % 3) << 20;
			}
			break;
		default:
			break;
		}
		for (size_t j = 0; j < np; j++)
			used += procs[j].used;
		in.used = used;
		in.free = total > used ? total - used : (next() % 2 ? 0 : UINT64_MAX);
		in.nprocs = np;
		ops->update(p, &in, &out, po);
		check(&in, &out, po);
	}
	size_t allocs = alloc_calls - before;
	ops->destroy(p);
	return allocs;
}

static const char *const names[] = {"variance", "envelope"};

static void test_predictors(void **state)
{
	(void)state;
	for (size_t a = 0; a < sizeof(names) / sizeof(names[0]); a++) {
		const struct predictor_ops *ops = predictor_find(names[a]);
		if (!ops) {
			print_message("# SKIP predictor '%s' is not linked in this build\n",
			              names[a]);
			continue;
		}
		/* empty: create and destroy; a tick with no processes at all */
		void *p = ops->create(NULL);
		ops->destroy(p);
		p = ops->create(NULL);
		struct pred_output out;
		struct pred_input none = {.t = 1, .total = 1, .used = 0, .free = 1};
		ops->update(p, &none, &out, NULL);
		check(&none, &out, NULL);
		ops->destroy(p);
		for (int sc = 0; sc < S_COUNT; sc++) {
			for (uint64_t seed = 1; seed <= 5; seed++) {
				size_t allocs = run(ops, (enum scenario)sc, 3000, 1000,
				                    seed * 0x9E3779B97F4A7C15ull);
				if (allocs)
					fail_msg(
					    "%s, scenario %d, seed %llu: %zu allocations in the "
					    "steady state",
					    names[a], sc, (unsigned long long)seed, allocs);
			}
		}
	}
}

static void test_million_samples(void **state)
{
	(void)state;
	for (size_t a = 0; a < sizeof(names) / sizeof(names[0]); a++) {
		const struct predictor_ops *ops = predictor_find(names[a]);
		if (!ops) {
			print_message("# SKIP predictor '%s' is not linked in this build\n",
			              names[a]);
			continue;
		}
		struct timespec t0, t1;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
		size_t allocs = run(ops, S_LEAK, 1000000, 10, 42);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
		double s =
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
		print_message("# %s: 10^6 ticks x 16 processes in %.3f s of CPU (%.0f ns a tick)\n",
		              names[a], s, s * 1e3);
		assert_int_equal(allocs, 0);
	}
}

static void test_pelt_random(void **state)
{
	(void)state;
	rng = 7;
	static double y[3000];
	for (int trial = 0; trial < 200; trial++) {
		size_t n = next() % 3000, m = next() % 12;
		double level = 0, scale = pow(10, (double)(next() % 25) - 6);
		for (size_t i = 0; i < n; i++) {
			if (next() % 50 == 0)
				level += (unif() - 0.5) * 10 * scale;
			uint64_t r = next() % 200;
			y[i] = r == 0   ? NAN
			       : r == 1 ? INFINITY
			       : r == 2 ? -1e300
			                : level + unif() * scale;
		}
		struct pelt_opts o = {next() % 3 ? pelt_preset("unknown") : unif() * 100, m};
		struct pelt_seg *s;
		size_t k = pelt_segments(NULL, y, n, &o, &s);
		if (n == 0) {
			assert_int_equal(k, 0);
			continue;
		}
		assert_true(k >= 1);
		assert_int_equal(s[0].start, 0);
		assert_int_equal(s[k - 1].end, n);
		for (size_t i = 0; i < k; i++) {
			assert_true(s[i].start < s[i].end);
			if (i)
				assert_int_equal(s[i].start, s[i - 1].end);
			assert_true(s[i].label <= SEG_SPIKE);
		}
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_predictors),
	    cmocka_unit_test(test_million_samples),
	    cmocka_unit_test(test_pelt_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
