/* test_snapshot.c: the snapshot keeps capacity across resets and copies deeply. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/snapshot.h"
#include "core/xalloc.h"

static void test_reset_keeps_capacity(void **state)
{
	(void)state;
	struct snapshot s;
	snapshot_init(&s);
	for (int i = 0; i < 100; i++)
		snapshot_add_proc(&s)->pid = i;
	struct snap_proc *before = s.procs;
	size_t cap = s.procs_cap;
	snapshot_reset(&s);
	assert_int_equal(s.nprocs, 0);
	for (int i = 0; i < 100; i++)
		snapshot_add_proc(&s)->pid = i;
	assert_ptr_equal(s.procs, before);
	assert_int_equal(s.procs_cap, cap);
	assert_int_equal(s.procs[99].pid, 99);
	snapshot_free(&s);
}

static void test_copy_is_deep(void **state)
{
	(void)state;
	struct snapshot a, b;
	snapshot_init(&a);
	snapshot_init(&b);
	snapshot_add_gpu(&a)->mem_total = 42;
	vt_strlcpy(snapshot_add_proc(&a)->name, "python", VT_NAME_MAX);
	snapshot_copy(&b, &a);
	a.gpus[0].mem_total = 7;
	assert_int_equal(b.gpus[0].mem_total, 42);
	assert_string_equal(b.procs[0].name, "python");
	snapshot_free(&a);
	snapshot_free(&b);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(snap_proc_type_name(PROC_COMPUTE), "compute");
	assert_string_equal(snap_proc_type_name(PROC_GRAPHICS), "graphics");
	assert_string_equal(snap_proc_type_name(PROC_COMPUTE | PROC_GRAPHICS), "compute+graphics");
	assert_string_equal(snap_proc_type_name(PROC_MPS | PROC_GRAPHICS), "compute+graphics");
}

static void test_strlcpy_utf8_boundary(void **state)
{
	(void)state;
	char buf[4];
	/* "aé" + "€": a(1) é(2) €(3): only "aé" fits in 3 bytes */
	assert_int_equal(vt_strlcpy(buf, "a\xc3\xa9\xe2\x82\xac", sizeof(buf)), 3);
	assert_string_equal(buf, "a\xc3\xa9");
	assert_int_equal(vt_strlcpy(buf, "\xe2\x82\xac\xe2\x82\xac", sizeof(buf)), 3);
	assert_int_equal(vt_strlcpy(buf, "ab\xe2\x82\xac", sizeof(buf)), 2);
	assert_string_equal(buf, "ab");
}

static void test_drop_procs_keeps_order(void **state)
{
	(void)state;
	struct snapshot s;
	snapshot_init(&s);
	for (int i = 0; i < 6; i++) {
		struct snap_proc *p = snapshot_add_proc(&s);
		p->pid = i;
		p->flags = (i % 2) ? PF_GONE : PF_SAME_USER;
	}
	assert_int_equal(snapshot_drop_procs(&s, PF_GONE), 3);
	assert_int_equal(s.nprocs, 3);
	assert_int_equal(s.procs[0].pid, 0);
	assert_int_equal(s.procs[1].pid, 2);
	assert_int_equal(s.procs[2].pid, 4);
	assert_int_equal(snapshot_drop_procs(&s, PF_GONE), 0);
	snapshot_free(&s);
}

/* A GPU with every metric valid and plausible. */
static struct snap_gpu *plausible_gpu(struct snapshot *s)
{
	struct snap_gpu *g = snapshot_add_gpu(s);
	g->valid = GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE | GM_MEM_RESERVED | GM_UTIL_GPU |
	           GM_UTIL_MEM | GM_TEMP | GM_FAN | GM_POWER | GM_POWER_LIMIT | GM_CLOCK_SM;
	g->mem_total = 1000;
	g->mem_used = 1000; /* full is possible */
	g->mem_free = 0;
	g->mem_reserved = 10;
	g->util_gpu = g->util_mem = 100;
	g->temp_c = 200;
	g->fan_pct = 200;                           /* NVML: a fan may run above 100 % */
	g->power_mw = g->power_limit_mw = 10000000; /* 10 kW */
	g->clock_sm_mhz = 4000000000u;              /* not judged */
	return g;
}

static void test_clamp_values(void **state)
{
	(void)state;
	struct snapshot s;
	snapshot_init(&s);
	/* the edges are possible: nothing is cleared */
	struct snap_gpu *g = plausible_gpu(&s);
	uint32_t valid = g->valid;
	assert_int_equal(snapshot_clamp_values(&s), 0);
	assert_int_equal(s.gpus[0].valid, valid);
	/* one past each edge is not */
	static const struct {
		size_t off;   /* of an unsigned field, or SIZE_MAX for mem_used */
		unsigned val; /* one past the edge */
		uint32_t bit; /* the bit that goes */
	} past[] = {
	    {offsetof(struct snap_gpu, util_gpu), 101, GM_UTIL_GPU},
	    {offsetof(struct snap_gpu, util_mem), 240, GM_UTIL_MEM},
	    {offsetof(struct snap_gpu, temp_c), 201, GM_TEMP},
	    {offsetof(struct snap_gpu, fan_pct), 201, GM_FAN},
	    {offsetof(struct snap_gpu, power_mw), 10000001, GM_POWER},
	    {offsetof(struct snap_gpu, power_limit_mw), UINT32_MAX, GM_POWER_LIMIT},
	};
	for (size_t i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
		snapshot_reset(&s);
		g = plausible_gpu(&s);
		*(unsigned *)((char *)g + past[i].off) = past[i].val;
		assert_int_equal(snapshot_clamp_values(&s), 1);
		assert_int_equal(s.gpus[0].valid, valid & ~past[i].bit);
		/* the value is kept, for whoever wants to say what was reported */
		assert_int_equal(*(unsigned *)((char *)&s.gpus[0] + past[i].off), past[i].val);
		/* and a second pass has nothing left to clear */
		assert_int_equal(snapshot_clamp_values(&s), 0);
	}
	/* memory: used, free or reserved above total */
	snapshot_reset(&s);
	g = plausible_gpu(&s);
	g->mem_used = 1001;
	g->mem_free = 1001;
	g->mem_reserved = 5000;
	assert_int_equal(snapshot_clamp_values(&s), 3);
	assert_int_equal(s.gpus[0].valid,
	                 valid & ~(uint32_t)(GM_MEM_USED | GM_MEM_FREE | GM_MEM_RESERVED));
	/* without a total there is nothing to judge memory against; an invalid
	 * metric is not counted again */
	snapshot_reset(&s);
	g = plausible_gpu(&s);
	g->valid &= ~(uint32_t)(GM_MEM_TOTAL | GM_UTIL_GPU);
	g->mem_used = 5000;
	g->util_gpu = 640;
	assert_int_equal(snapshot_clamp_values(&s), 0);
	/* every GPU of the sample; processes are left alone */
	snapshot_reset(&s);
	plausible_gpu(&s)->util_gpu = 640;
	plausible_gpu(&s);
	plausible_gpu(&s)->temp_c = 4000;
	struct snap_proc *p = snapshot_add_proc(&s);
	p->used = UINT64_MAX;
	p->flags = PF_USED_VALID;
	assert_int_equal(snapshot_clamp_values(&s), 2);
	assert_false(s.gpus[0].valid & GM_UTIL_GPU);
	assert_int_equal(s.gpus[1].valid, valid);
	assert_false(s.gpus[2].valid & GM_TEMP);
	assert_int_equal(s.procs[0].flags, PF_USED_VALID);
	snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reset_keeps_capacity),
	    cmocka_unit_test(test_copy_is_deep),
	    cmocka_unit_test(test_type_names),
	    cmocka_unit_test(test_strlcpy_utf8_boundary),
	    cmocka_unit_test(test_drop_procs_keeps_order),
	    cmocka_unit_test(test_clamp_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
