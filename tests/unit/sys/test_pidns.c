/* test_pidns.c: NSpid with one PID is the root namespace, more a child; an
 * ns/pid link other than the initial namespace's is a child. */
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

static bool link_child(const char *s)
{
	return pidns_link_is_child(s, strlen(s));
}

/* A container's own /proc shows one NSpid; its ns/pid link tells. */
static void test_ns_link(void **state)
{
	(void)state;
	assert_false(link_child("pid:[4026531836]")); /* the initial namespace */
	assert_true(link_child("pid:[4026532174]"));
	assert_false(link_child("pid:[]"));
	assert_false(link_child("pid:[12a]"));
	assert_false(link_child("net:[4026532174]"));
	assert_false(link_child("pid:[4026532174"));
	assert_false(link_child("pid:[99999999999999999999999999]")); /* overflow */
	assert_false(link_child(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_nspid),
	                                   cmocka_unit_test(test_ns_link)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
