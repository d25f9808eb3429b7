/* test_pelt.c: PELT finds known change points (exactly on clean steps,
 * within +-2 samples under noise), equals brute-force optimal partitioning,
 * labels segments, survives bad input and is fast on a day at 1 Hz. */
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

#include "analysis/pelt.h"
#include "near.h"

static uint64_t rng = 88172645463325252ull;

static double urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static double gauss(void)
{
	double u = urand(), v = urand();
	return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

static const struct pelt_opts unknown = {PELT_PENALTY_UNKNOWN, 5};

static void test_presets(void **state)
{
	(void)state;
	assert_true(pelt_preset("pytorch_training") == 10.0);
	assert_true(pelt_preset("inference_server") == 50.0);
	assert_true(pelt_preset("unknown") == 20.0);
	assert_true(pelt_preset("other") < 0);
	assert_true(pelt_preset(NULL) < 0);
}

static void test_clean_steps_exact(void **state)
{
	(void)state;
	double y[120];
	for (int i = 0; i < 120; i++)
		y[i] = i < 50 ? 0.0 : i < 80 ? 10.0 : 3.0;
	size_t *ends;
	size_t k = pelt_detect(y, 120, &unknown, &ends);
	assert_int_equal(k, 3);
	assert_int_equal(ends[0], 50);
	assert_int_equal(ends[1], 80);
	assert_int_equal(ends[2], 120);
	free(ends);
	/* a step shorter than min_size cannot be a segment of its own */
	struct pelt_opts m10 = {20, 10};
	for (int i = 0; i < 120; i++)
		y[i] = (i >= 60 && i < 64) ? 100.0 : 0.0;
	k = pelt_detect(y, 120, &m10, &ends);
	for (size_t i = 0; i + 1 < k; i++)
		assert_true(ends[i + 1] - ends[i] >= 10);
	assert_true(ends[0] >= 10);
	free(ends);
}

static void test_long_series_on_the_grid(void **state)
{
	(void)state;
	enum { N = 30001 }; /* past 4096: the coarse grid plus refinement */
	static double y[N];
	for (size_t i = 0; i < N; i++)
		y[i] = i < 7003 ? 5.0 : i < 13001 ? 9.0 : i < 29999 ? 1.0 : 1.0;
	size_t *ends;
	size_t k = pelt_detect(y, N, &unknown, &ends);
	assert_int_equal(k, 3);
	assert_int_equal(ends[0], 7003);
	assert_int_equal(ends[1], 13001);
	assert_int_equal(ends[2], N);
	free(ends);
	for (size_t i = 0; i < N; i++)
		y[i] = (i < 12345 ? 0.0 : 10.0) + gauss();
	k = pelt_detect(y, N, &unknown, &ends);
	assert_int_equal(k, 2);
	assert_true(ends[0] >= 12343 && ends[0] <= 12347);
	free(ends);
}

static void test_noisy_steps_within_two(void **state)
{
	(void)state;
	enum { N = 2000 };
	static double y[N];
	const size_t truth[] = {300, 750, 1100, 1600, N};
	const double level[] = {0, 12, 4, 20, 8};
	size_t seg = 0;
	for (size_t i = 0; i < N; i++) {
		if (i >= truth[seg])
			seg++;
		y[i] = 1000.0 + level[seg] + gauss();
	}
	size_t *ends;
	size_t k = pelt_detect(y, N, &unknown, &ends);
	assert_int_equal(k, 5);
	for (size_t i = 0; i < k; i++) {
		long d = (long)ends[i] - (long)truth[i];
		if (d < -2 || d > 2)
			fail_msg("change %zu at %zu, truth %zu", i, ends[i], truth[i]);
	}
	free(ends);
}

/* O(n^2) optimal partitioning with the scale pelt.h documents. */
static size_t brute(const double *y, size_t n, double beta, size_t m, size_t *ends)
{
	double lo = y[0], hi = y[0];
	for (size_t i = 0; i < n; i++) {
		lo = y[i] < lo ? y[i] : lo;
		hi = y[i] > hi ? y[i] : hi;
	}
	double s = pelt_sigma(y, n);
	if (!(s > 1e-3 * (hi - lo)))
		s = 1e-3 * (hi - lo);
	double F[n + 1];
	size_t last[n + 1];
	F[0] = -beta;
	for (size_t t = 1; t <= n; t++) {
		F[t] = INFINITY;
		for (size_t tau = 0; tau + m <= t; tau++) {
			if (tau && tau < m)
				continue;
			double s1 = 0, s2 = 0;
			for (size_t i = tau; i < t; i++) {
				double z = y[i] / s;
				s1 += z;
				s2 += z * z;
			}
			double f = F[tau] + (s2 - s1 * s1 / (double)(t - tau)) + beta;
			if (f < F[t]) {
				F[t] = f;
				last[t] = tau;
			}
		}
	}
	size_t k = 0, tmp[n];
	for (size_t t = n; t > 0; t = last[t])
		tmp[k++] = t;
	for (size_t i = 0; i < k; i++)
		ends[i] = tmp[k - 1 - i];
	return k;
}

static void test_equals_optimal_partitioning(void **state)
{
	(void)state;
	for (int trial = 0; trial < 40; trial++) {
		size_t n = 30 + (size_t)(urand() * 50), m = 1 + (size_t)(urand() * 4);
		double y[n], level = 0;
		for (size_t i = 0; i < n; i++) {
			if (urand() < 0.08)
				level += 5 * gauss();
			y[i] = level + gauss();
		}
		double beta = trial % 2 ? 10.0 : 50.0;
		struct pelt_opts o = {beta, m};
		size_t want[n], *got;
		size_t kw = brute(y, n, beta, m, want);
		size_t kg = pelt_detect(y, n, &o, &got);
		assert_int_equal(kg, kw);
		for (size_t i = 0; i < kw; i++)
			assert_int_equal(got[i], want[i]);
		free(got);
	}
}

static void test_degenerate_inputs(void **state)
{
	(void)state;
	size_t *ends = (size_t *)1;
	assert_int_equal(pelt_detect(NULL, 0, &unknown, &ends), 0);
	assert_null(ends);
	double c[100];
	for (int i = 0; i < 100; i++)
		c[i] = 123.456;
	assert_int_equal(pelt_detect(c, 100, &unknown, &ends), 1);
	assert_int_equal(ends[0], 100);
	free(ends);
	assert_int_equal(pelt_detect(c, 7, &unknown, &ends), 1); /* shorter than 2 x min */
	free(ends);
	/* NaN and infinities hold the previous value; no crash, sane output */
	double y[60];
	for (int i = 0; i < 60; i++)
		y[i] = i % 7 == 3 ? NAN : i % 11 == 5 ? INFINITY : (i < 30 ? 0.0 : 50.0);
	size_t k = pelt_detect(y, 60, &unknown, &ends);
	assert_int_equal(k, 2);
	assert_int_equal(ends[0], 30);
	free(ends);
	struct pelt_seg *segs;
	k = pelt_segments(NULL, y, 60, &unknown, &segs);
	assert_int_equal(k, 2);
	assert_near(segs[1].mean, 50.0, 1e-9);
	free(segs);
	/* zero penalty and min_size: every sample its own segment at worst */
	struct pelt_opts zero = {0, 0};
	k = pelt_detect(y, 60, &zero, &ends);
	assert_true(k >= 1 && k <= 60 && ends[k - 1] == 60);
	free(ends);
}

static void labels_once(uint64_t seed)
{
	enum { N = 250 };
	double t[N], y[N];
	rng = seed;
	for (int i = 0; i < N; i++) {
		double v;
		if (i < 30)
			v = 100; /* steady */
		else if (i < 60)
			v = 5000; /* load: a jump up, then flat */
		else if (i < 100)
			v = 5000 + 100.0 * (i - 59); /* warm-up: rises ... */
		else if (i < 140)
			v = 9000; /* ... and levels off: steady */
		else if (i < 145)
			v = 20000; /* spike */
		else if (i < 180)
			v = 9000;
		else if (i < 220)
			v = 9000 + 50.0 * (i - 179); /* leak: rises until ... */
		else
			v = 300; /* ... the process dies: release */
		t[i] = 1000.0 + i;
		y[i] = v + 3.0 * gauss();
	}
	struct pelt_seg *s;
	size_t k = pelt_segments(t, y, N, &unknown, &s);
	const enum pelt_label want[] = {SEG_STEADY, SEG_LOAD,   SEG_WARMUP, SEG_STEADY,
	                                SEG_SPIKE,  SEG_STEADY, SEG_LEAK,   SEG_RELEASE};
	bool ok = k == sizeof(want) / sizeof(want[0]);
	for (size_t i = 0; ok && i < k; i++)
		ok = s[i].label == want[i];
	if (!ok)
		for (size_t i = 0; i < k; i++)
			print_message("# seed %llu: %zu [%zu, %zu) mean %.1f slope %.2f %s\n",
			              (unsigned long long)seed, i, s[i].start, s[i].end, s[i].mean,
			              s[i].slope, pelt_label_name(s[i].label));
	assert_true(ok);
	assert_near(s[2].slope, 100.0, 3.0);
	assert_near(s[6].slope, 50.0, 2.0);
	assert_near(s[1].t_start, 1030.0, 2.0);
	free(s);
}

static void test_labels(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 50; seed++)
		labels_once(seed * 0x9E3779B97F4A7C15ull);
	rng = 88172645463325252ull;
}

static void test_day_at_1hz_is_fast(void **state)
{
	(void)state;
	enum { N = 86400 };
	double *y = malloc(N * sizeof(*y));
	assert_non_null(y);
	double level = 50000;
	for (size_t i = 0; i < N; i++) {
		if (i % 4000 == 0)
			level += 2000 * gauss();
		y[i] = level + 20 * gauss();
	}
	struct timespec a, b;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	struct pelt_seg *s;
	size_t k = pelt_segments(NULL, y, N, &unknown, &s);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
	print_message("# pelt_segments over %d points: %zu segments in %.3f s of CPU\n", N, k,
	              secs);
	assert_true(k >= 15 && k <= 30);
	assert_true(secs < 3.0); /* measured well under 1 s; slack for a loaded CI box */
	free(s);
	free(y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_presets),
	    cmocka_unit_test(test_clean_steps_exact),
	    cmocka_unit_test(test_noisy_steps_within_two),
	    cmocka_unit_test(test_long_series_on_the_grid),
	    cmocka_unit_test(test_equals_optimal_partitioning),
	    cmocka_unit_test(test_degenerate_inputs),
	    cmocka_unit_test(test_labels),
	    cmocka_unit_test(test_day_at_1hz_is_fast),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
