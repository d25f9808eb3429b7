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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reset_keeps_capacity),
	    cmocka_unit_test(test_copy_is_deep),
	    cmocka_unit_test(test_type_names),
	    cmocka_unit_test(test_strlcpy_utf8_boundary),
	    cmocka_unit_test(test_drop_procs_keeps_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
