/* test_strnum_xgrow.c: whole-string number parsing; byte-buffer growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/strnum.h"
#include "core/xalloc.h"

static void test_strnum(void **state)
{
	(void)state;
	double v = -1;
	assert_true(strnum_double("2.5", &v));
	assert_true(v == 2.5);
	assert_true(strnum_double("1e3", &v));
	assert_true(v == 1000);
	v = 7;
	assert_false(strnum_double("", &v));
	assert_false(strnum_double("2.5s", &v));
	assert_false(strnum_double("inf", &v));
	assert_false(strnum_double("nan", &v));
	assert_false(strnum_double("1e999", &v));
	assert_true(v == 7); /* untouched on failure */
}

static void test_xgrow(void **state)
{
	(void)state;
	char *b = NULL;
	size_t cap = 0;
	xgrow(&b, &cap, 10, 256);
	assert_int_equal(cap, 256);
	char *same = b;
	xgrow(&b, &cap, 256, 256); /* already enough: no change */
	assert_ptr_equal(b, same);
	assert_int_equal(cap, 256);
	memset(b, 'x', 256);
	xgrow(&b, &cap, 1000, 256);
	assert_int_equal(cap, 1024);
	assert_int_equal(b[255], 'x'); /* contents kept */
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strnum),
	    cmocka_unit_test(test_xgrow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
