/* test_survival.c: survival verdicts (every rule of SPEC section 3 and the
 * thresholds of docs/analysis.md), the weights/dynamic breakdown, and the
 * exact fixed-point output of analyze. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/analyze_out.h"
#include "analysis/breakdown.h"
#include "analysis/survival.h"
#include "near.h"

#define GB 1000000000ull

static void test_multipliers(void **state)
{
	(void)state;
	assert_true(survival_multiplier(WL_INFERENCE) == 1.2);
	assert_true(survival_multiplier(WL_LONG_CONTEXT) == 1.5);
	assert_true(survival_multiplier(WL_LORA) == 1.5);
	assert_true(survival_multiplier(WL_TRAIN_SGD) == 3.0);
	assert_true(survival_multiplier(WL_TRAIN_ADAM) == 4.0);
	assert_true(survival_multiplier(WL_SERVER_VLLM) == 1.8);
	assert_true(survival_multiplier(WL_UNKNOWN_PYTORCH) == 2.5);
	assert_true(survival_multiplier(WL_UNKNOWN) == 1.5);
	assert_string_equal(survival_verdict_name(SURV_TIGHT), "tight");
}

static struct surv_result one(struct surv_proc p, uint64_t total, uint64_t free_b)
{
	struct surv_result r;
	survival_assess(&p, 1, total, free_b, &r);
	return r;
}

static void test_rules(void **state)
{
	(void)state;
	/* stable and shrinking are OK whatever the numbers */
	struct surv_result r = one((struct surv_proc){.phase = PHASE_STABLE,
	                                              .used = 79 * GB,
	                                              .weights = 70 * GB,
	                                              .workload = WL_TRAIN_ADAM},
	                           80 * GB, 1 * GB);
	assert_int_equal(r.verdict, SURV_OK);
	assert_int_equal(r.basis, SB_PHASE);
	r = one((struct surv_proc){.phase = PHASE_SHRINKING, .used = 79 * GB}, 80 * GB, 1 * GB);
	assert_int_equal(r.verdict, SURV_OK);
	/* growing Adam training, 10 GB of weights: peak 40 GB of 10 + 50 -> OK */
	r = one((struct surv_proc){.phase = PHASE_GROWING,
	                           .used = 10 * GB,
	                           .weights = 10 * GB,
	                           .workload = WL_TRAIN_ADAM},
	        80 * GB, 50 * GB);
	assert_int_equal(r.verdict, SURV_OK);
	assert_int_equal(r.basis, SB_WEIGHTS);
	assert_int_equal(r.peak, 40 * GB);
	assert_near(r.ratio, 40.0 / 60.0, 1e-12);
	/* ... with 33 GB free: 40 / 43 = 93 % -> TIGHT; with 25 GB: 114 % -> OOM */
	r = one((struct surv_proc){.phase = PHASE_GROWING,
	                           .used = 10 * GB,
	                           .weights = 10 * GB,
	                           .workload = WL_TRAIN_ADAM},
	        80 * GB, 33 * GB);
	assert_int_equal(r.verdict, SURV_TIGHT);
	r = one((struct surv_proc){.phase = PHASE_GROWING,
	                           .used = 10 * GB,
	                           .weights = 10 * GB,
	                           .workload = WL_TRAIN_ADAM},
	        80 * GB, 25 * GB);
	assert_int_equal(r.verdict, SURV_OOM);
	/* exactly 90 % is still OK, exactly 100 % still TIGHT (strict >) */
	r = one((struct surv_proc){.phase = PHASE_VOLATILE,
	                           .used = 10 * GB,
	                           .weights = 9 * GB,
	                           .workload = WL_UNKNOWN},
	        80 * GB, 5 * GB);
	assert_int_equal(r.peak, 13500000000ull);
	assert_int_equal(r.verdict, SURV_OK); /* 13.5 / 15 = 0.9 */
	r = one((struct surv_proc){.phase = PHASE_VOLATILE,
	                           .used = 10 * GB,
	                           .weights = 10 * GB,
	                           .workload = WL_UNKNOWN},
	        80 * GB, 5 * GB);
	assert_int_equal(r.verdict, SURV_TIGHT); /* 15 / 15 = 1.0 */
	/* the observed peak overrides a lower estimate */
	r = one((struct surv_proc){.phase = PHASE_GROWING,
	                           .used = 10 * GB,
	                           .observed_peak = 30 * GB,
	                           .weights = 10 * GB,
	                           .workload = WL_INFERENCE},
	        80 * GB, 40 * GB);
	assert_int_equal(r.basis, SB_OBSERVED);
	assert_int_equal(r.peak, 30 * GB);
	/* pre-allocating framework, weights unknown: 1.05 x observed */
	r = one((struct surv_proc){.phase = PHASE_GROWING,
	                           .used = 60 * GB,
	                           .observed_peak = 60 * GB,
	                           .preallocating = true,
	                           .workload = WL_SERVER_VLLM},
	        80 * GB, 2 * GB);
	assert_int_equal(r.basis, SB_PREALLOC);
	assert_int_equal(r.peak, 63 * GB);
	assert_int_equal(r.verdict, SURV_OOM); /* 63 / 62 */
	/* weights unknown, not pre-allocating: multiplier on current usage */
	r = one((struct surv_proc){.phase = PHASE_GROWING,
	                           .used = 20 * GB,
	                           .workload = WL_UNKNOWN_PYTORCH},
	        80 * GB, 60 * GB);
	assert_int_equal(r.basis, SB_USED);
	assert_int_equal(r.peak, 50 * GB);
	assert_int_equal(r.verdict, SURV_OK);
	/* scraped KV-cache usage decides first, even for a growing process */
	r = one((struct surv_proc){.phase = PHASE_GROWING,
	                           .used = 70 * GB,
	                           .weights = 60 * GB,
	                           .workload = WL_TRAIN_ADAM,
	                           .has_kv = true,
	                           .kv_usage = 0.5},
	        80 * GB, 1 * GB);
	assert_int_equal(r.basis, SB_KV);
	assert_int_equal(r.verdict, SURV_OK);
	r = one(
	    (struct surv_proc){
	        .phase = PHASE_STABLE, .used = 70 * GB, .has_kv = true, .kv_usage = 0.95},
	    80 * GB, 1 * GB);
	assert_int_equal(r.verdict, SURV_TIGHT);
	r = one(
	    (struct surv_proc){
	        .phase = PHASE_STABLE, .used = 70 * GB, .has_kv = true, .kv_usage = 0.99},
	    80 * GB, 1 * GB);
	assert_int_equal(r.verdict, SURV_OOM);
}

/* Deep mode: the allocator's peak (which counts the transients between
 * NVML's samples) is an observed peak; recent retries make a process at
 * least TIGHT, whatever else says OK, and never lower a worse verdict. */
static void test_deep_evidence(void **state)
{
	(void)state;
	/* growing, 10 GB used, unknown workload: 15 GB of 10 + 50 -> OK; the
	 * allocator peaked at 45 GB between samples: 45 / 60 still OK, basis
	 * observed; at 58 GB: 97 % -> TIGHT */
	struct surv_proc p = {.phase = PHASE_GROWING, .used = 10 * GB};
	struct surv_result r = one(p, 80 * GB, 50 * GB);
	assert_int_equal(r.verdict, SURV_OK);
	assert_int_equal(r.basis, SB_USED);
	p.deep_peak = 45 * GB;
	r = one(p, 80 * GB, 50 * GB);
	assert_int_equal(r.verdict, SURV_OK);
	assert_int_equal(r.basis, SB_OBSERVED);
	assert_int_equal(r.peak, 45 * GB);
	p.deep_peak = 58 * GB;
	r = one(p, 80 * GB, 50 * GB);
	assert_int_equal(r.verdict, SURV_TIGHT);
	/* a stable process is OK by its phase; retried lately: TIGHT */
	p = (struct surv_proc){.phase = PHASE_STABLE, .used = 70 * GB, .retried = true};
	r = one(p, 80 * GB, 1 * GB);
	assert_int_equal(r.verdict, SURV_TIGHT);
	assert_int_equal(r.basis, SB_RETRIES);
	assert_string_equal(survival_basis_name(r.basis), "retries");
	/* an OOM verdict stays OOM */
	p = (struct surv_proc){.phase = PHASE_GROWING, .used = 10 * GB, .retried = true};
	r = one(p, 80 * GB, 1 * GB);
	assert_int_equal(r.verdict, SURV_OOM);
	assert_int_equal(r.basis, SB_USED);
}

static void test_oversubscribed_gpu_raises_everyone(void **state)
{
	(void)state;
	/* 50 GB stable neighbour + a growing one projected at 45 GB on 80 GB */
	struct surv_proc p[2] = {
	    {.phase = PHASE_STABLE, .used = 50 * GB, .observed_peak = 50 * GB},
	    {.phase = PHASE_GROWING, .used = 15 * GB, .weights = 15 * GB, .workload = WL_TRAIN_SGD},
	};
	struct surv_result r[2];
	survival_assess(p, 2, 80 * GB, 15 * GB, r);
	assert_int_equal(r[0].verdict, SURV_TIGHT); /* OK raised */
	assert_int_equal(r[1].verdict, SURV_OOM);   /* 45 / 30: OOM stays OOM */
	assert_true(r[0].raised && r[1].raised);
	/* fits: nobody raised */
	p[1].workload = WL_INFERENCE; /* 18 GB */
	survival_assess(p, 2, 80 * GB, 15 * GB, r);
	assert_int_equal(r[0].verdict, SURV_OK);
	assert_int_equal(r[1].verdict, SURV_OK); /* 18 / 30 */
	assert_false(r[0].raised);
	/* degenerate: nothing free, nothing used, huge numbers */
	struct surv_proc z = {.phase = PHASE_GROWING, .used = 0};
	survival_assess(&z, 1, 0, 0, r);
	assert_int_equal(r[0].verdict, SURV_OK);
	z = (struct surv_proc){.phase = PHASE_GROWING,
	                       .used = UINT64_MAX,
	                       .weights = UINT64_MAX,
	                       .workload = WL_TRAIN_ADAM};
	survival_assess(&z, 1, UINT64_MAX, UINT64_MAX, r);
	assert_int_equal(r[0].peak, UINT64_MAX);
	/* peaks whose sum passes 2^64 still oversubscribe (the sum saturates),
	 * and a sum of exactly the total does not */
	struct surv_proc big[2] = {
	    {.phase = PHASE_STABLE, .used = UINT64_MAX - 5, .observed_peak = UINT64_MAX - 5},
	    {.phase = PHASE_STABLE, .used = 10, .observed_peak = 10},
	};
	survival_assess(big, 2, UINT64_MAX - 1, 0, r);
	assert_true(r[0].raised && r[1].raised);
	big[1].used = big[1].observed_peak = 4;
	survival_assess(big, 2, UINT64_MAX - 1, 0, r);
	assert_false(r[0].raised || r[1].raised);
	survival_assess(NULL, 0, 80 * GB, 0, r);
}

static void test_breakdown(void **state)
{
	(void)state;
	struct breakdown b;
	uint64_t files[2] = {8 * GB, 2 * GB};
	breakdown_compute(25 * GB, files, 2, &b);
	assert_true(b.valid && b.estimate && !b.capped);
	assert_int_equal(b.weights, 10 * GB);
	assert_int_equal(b.dynamic, 15 * GB);
	assert_near(b.weights_frac, 0.4, 1e-12);
	/* files bigger than the VRAM (CPU offload, quantised on load): capped */
	breakdown_compute(5 * GB, files, 2, &b);
	assert_true(b.capped);
	assert_int_equal(b.weights, 5 * GB);
	assert_int_equal(b.dynamic, 0);
	/* no model file: nothing to split */
	breakdown_compute(5 * GB, NULL, 0, &b);
	assert_false(b.valid);
	uint64_t huge[2] = {UINT64_MAX, 5};
	breakdown_compute(7, huge, 2, &b);
	assert_true(b.valid && b.capped);
	assert_int_equal(b.weights, 7);
}

/* aout_fixed must print what "%.*f" prints, including near ties. */
static void test_fixed_point_matches_printf(void **state)
{
	(void)state;
	char *mem = NULL;
	size_t memlen = 0;
	FILE *f = open_memstream(&mem, &memlen);
	assert_non_null(f);
	struct aout o;
	aout_init(&o, f);
	uint64_t x = 0x2545F4914F6CDD1Dull;
	enum { N = 20000 };
	static double vals[N];
	static int decs[N];
	for (int i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double v;
		switch (i % 5) {
		case 0: /* ties and near-ties in binary: k/8, k/1000 + tiny */
			v = (double)(int64_t)(x % 200001 - 100000) / 8.0;
			break;
		case 1:
			v = (double)(int64_t)(x % 2000001 - 1000000) / 1000.0 + 5e-4;
			break;
		case 2: /* trace-like times */
			v = 1795981653.0 + (double)(x % 1000000) / 1000.0;
			break;
		case 3: /* wide magnitudes */
			v = ((double)(x >> 11) / 9007199254740992.0 - 0.5) * 1e15;
			break;
		default:
			v = ((double)(x >> 11) / 9007199254740992.0 - 0.5) * 10.0;
			break;
		}
		vals[i] = v;
		decs[i] = (int)(x % 4);
		aout_fixed(&o, v, decs[i]);
		aout_fixed(&o, -0.0001, 2); /* negative zero prints like printf */
	}
	assert_int_equal(aout_close(&o), 0);
	fclose(f);
	/* rebuild the expected text with snprintf */
	size_t cap = (size_t)N * 64, len = 0;
	char *want = malloc(cap);
	assert_non_null(want);
	for (int i = 0; i < N; i++) {
		len += (size_t)snprintf(want + len, cap - len, "%.*f", decs[i], vals[i]);
		len += (size_t)snprintf(want + len, cap - len, "%.*f", 2, -0.0001);
	}
	assert_int_equal(memlen, len);
	assert_memory_equal(mem, want, len);
	free(want);
	free(mem);
}

/* analyze's lines spell phases and verdicts as the rest of vramtop does. */
static void test_line_names_match(void **state)
{
	(void)state;
	for (int ph = PHASE_STABLE; ph <= PHASE_VOLATILE; ph++)
		assert_string_equal(aout_phase_name((enum vt_phase)ph),
		                    vt_phase_name((enum vt_phase)ph));
	for (int v = SURV_OK; v <= SURV_OOM; v++)
		assert_string_equal(aout_verdict_name((enum surv_verdict)v),
		                    survival_verdict_name((enum surv_verdict)v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_multipliers),
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_deep_evidence),
	    cmocka_unit_test(test_oversubscribed_gpu_raises_everyone),
	    cmocka_unit_test(test_breakdown),
	    cmocka_unit_test(test_fixed_point_matches_printf),
	    cmocka_unit_test(test_line_names_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
