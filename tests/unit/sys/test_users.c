/* test_users.c: the same-user boundary and the cached UID -> name map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "sys/users.h"

static void test_same_user(void **state)
{
	(void)state;
	assert_true(users_same(1000, 1000));
	assert_false(users_same(1000, 1001));
	assert_false(users_same(1000, 0));
	/* root gets no wider view: other users' processes stay other users' */
	assert_false(users_same(0, 1000));
	assert_false(users_same(0, 65534));
	assert_true(users_same(0, 0));
}

static void test_names(void **state)
{
	(void)state;
	char buf[64];
	users_cache_clear();
	/* the passwd database of any Linux system has root as 0 */
	struct passwd *pw = getpwuid(0);
	assert_non_null(pw);
	assert_int_equal(users_name(0, buf, sizeof(buf)), strlen(pw->pw_name));
	assert_string_equal(buf, pw->pw_name);
	/* an unknown UID shows as its number */
	assert_null(getpwuid(3999999));
	assert_int_equal(users_name(3999999, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "3999999");
	assert_int_equal(users_name(4294967294u, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "4294967294");
	/* small buffers are cut, not overrun */
	assert_int_equal(users_name(3999999, buf, 4), 3);
	assert_string_equal(buf, "399");
}

static void test_cache_steady_state(void **state)
{
	(void)state;
	char buf[64];
	users_cache_clear();
	unsigned long before = users_lookups();
	for (int round = 0; round < 100; round++)
		for (uid_t u = 3999990; u < 3999990 + 10; u++)
			users_name(u, buf, sizeof(buf));
	users_name(0, buf, sizeof(buf));
	/* one lookup per distinct UID, the unknown ones included */
	assert_int_equal(users_lookups() - before, 11);
	assert_int_equal(users_name(3999995, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "3999995");
	assert_int_equal(users_lookups() - before, 11);

	/* more UIDs than entries: the oldest are replaced, answers stay right */
	for (uid_t u = 5000000; u < 5000000 + 200; u++)
		users_name(u, buf, sizeof(buf));
	assert_int_equal(users_lookups() - before, 211);
	assert_int_equal(users_name(5000199, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "5000199");
	assert_int_equal(users_lookups() - before, 211); /* still cached */
	users_name(3999990, buf, sizeof(buf));
	assert_string_equal(buf, "3999990");
	assert_int_equal(users_lookups() - before, 212); /* was evicted */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_user),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_cache_steady_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
