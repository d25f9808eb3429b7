/* test_pidns.c: NSpid with one PID is the root namespace; more is a child. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "sys/pidns.h"

static bool is_child(const char *s)
{
	return pidns_status_is_child(s, strlen(s));
}

static void test_nspid(void **state)
{
	(void)state;
	assert_false(is_child("Name:\tbash\nPid:\t42\nNSpid:\t42\nNSpgid:\t42\n"));
	assert_true(is_child("Name:\tbash\nNSpid:\t81234\t7\nNSsid:\t1\n"));
	assert_true(is_child("NSpid:\t9\t8\t1")); /* nested, no final newline */
	assert_false(is_child("Name:\told kernel without NSpid\n"));
	assert_false(is_child(""));
	assert_false(is_child("NSpid:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_nspid)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
