/* test_deep_parse.c: deep mode's line parser -- what a v1 reporter may
 * send is read, anything else is refused with a sentence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "deep/deep.h"

static int parse(const char *line, struct deep_msg *m, char *err)
{
	return deep_parse_line(line, strlen(line), m, err, VT_ERRMSG_MAX);
}

/* The line is refused and err says `why`. */
static void refused(const char *line, const char *why)
{
	struct deep_msg m;
	char err[VT_ERRMSG_MAX] = "";
	if (parse(line, &m, err) != VT_ERR || !strstr(err, why)) {
		print_error("line %s: got \"%s\", want an error with \"%s\"\n", line, err, why);
		fail();
	}
}

static void test_hello(void **state)
{
	(void)state;
	struct deep_msg m;
	char err[VT_ERRMSG_MAX];
	assert_int_equal(parse("{\"v\":1,\"type\":\"hello\",\"pid\":4242,\"framework\":\"pytorch\","
	                       "\"reporter\":\"x/1\",\"future\":[1,2]}",
	                       &m, err),
	                 VT_OK);
	assert_int_equal(m.kind, DEEP_MSG_HELLO);
	assert_int_equal(m.pid, 4242);
	assert_string_equal(m.framework, "pytorch");
	/* framework is optional; a hostile one is sanitised and cut */
	assert_int_equal(parse("{\"v\":1,\"type\":\"hello\",\"pid\":7}", &m, err), VT_OK);
	assert_string_equal(m.framework, "");
	assert_int_equal(parse("{\"v\":1,\"type\":\"hello\",\"pid\":7,\"framework\":"
	                       "\"\\u001b[31mred\\u001b[0m and a very long name beyond\"}",
	                       &m, err),
	                 VT_OK);
	assert_null(strchr(m.framework, 0x1b));
	assert_true(strlen(m.framework) < sizeof(m.framework));

	refused("{\"v\":2,\"type\":\"hello\",\"pid\":7}", "protocol version 2");
	refused("{\"type\":\"hello\",\"pid\":7}", "missing \"v\"");
	refused("{\"v\":1,\"type\":\"hello\"}", "missing \"pid\"");
	refused("{\"v\":1,\"type\":\"hello\",\"pid\":0}", "zero \"pid\"");
	refused("{\"v\":1,\"type\":\"hello\",\"pid\":\"7\"}", "not a number: \"pid\"");
	refused("{\"v\":1,\"type\":\"hello\",\"pid\":-7}", "not a count in range: \"pid\"");
	refused("{\"v\":1,\"type\":\"hello\",\"pid\":4294967296}", "not a count in range: \"pid\"");
	refused("{\"v\":1,\"type\":\"hello\",\"pid\":7,\"framework\":3}",
	        "not a string: \"framework\"");
}

#define SAMPLE(extra)                                                                              \
	"{\"type\":\"sample\",\"ts\":1.5,\"cuda_device\":3,\"allocated\":100,\"reserved\":200,"    \
	"\"active\":150,\"peak_allocated\":180,\"alloc_retries\":2,\"ooms\":1" extra "}"

static void test_sample(void **state)
{
	(void)state;
	struct deep_msg m;
	char err[VT_ERRMSG_MAX];
	assert_int_equal(parse(SAMPLE(",\"segments\":4,\"new_field\":{\"a\":1}"), &m, err), VT_OK);
	assert_int_equal(m.kind, DEEP_MSG_SAMPLE);
	assert_int_equal(m.device, 3);
	assert_int_equal(m.f.allocated, 100);
	assert_int_equal(m.f.reserved, 200);
	assert_int_equal(m.f.active, 150);
	assert_int_equal(m.f.peak_allocated, 180);
	assert_int_equal(m.f.alloc_retries, 2);
	assert_int_equal(m.f.ooms, 1);
	/* 2^53 - 1 bytes is exact; 2^53 is not */
	assert_int_equal(parse("{\"type\":\"sample\",\"cuda_device\":0,\"allocated\":0,"
	                       "\"reserved\":9007199254740991,\"active\":0,\"peak_allocated\":0,"
	                       "\"alloc_retries\":0,\"ooms\":0}",
	                       &m, err),
	                 VT_OK);
	assert_true(m.f.reserved == 9007199254740991ull);
	refused(
	    "{\"type\":\"sample\",\"cuda_device\":0,\"allocated\":0,\"reserved\":9007199254740992,"
	    "\"active\":0,\"peak_allocated\":0,\"alloc_retries\":0,\"ooms\":0}",
	    "not a count in range: \"reserved\"");
	refused("{\"type\":\"sample\",\"cuda_device\":0,\"allocated\":1.5,\"reserved\":2,"
	        "\"active\":0,\"peak_allocated\":0,\"alloc_retries\":0,\"ooms\":0}",
	        "not a count in range: \"allocated\"");
	refused("{\"type\":\"sample\",\"cuda_device\":0,\"allocated\":5,\"reserved\":2,"
	        "\"active\":0,\"peak_allocated\":0,\"alloc_retries\":0,\"ooms\":0}",
	        "allocated above reserved");
	refused("{\"type\":\"sample\",\"cuda_device\":0,\"allocated\":1,\"reserved\":2,"
	        "\"active\":0,\"peak_allocated\":0,\"alloc_retries\":0}",
	        "missing \"ooms\"");
	refused("{\"type\":\"sample\",\"cuda_device\":16,\"allocated\":1,\"reserved\":2,"
	        "\"active\":0,\"peak_allocated\":0,\"alloc_retries\":0,\"ooms\":0}",
	        "not a count in range: \"cuda_device\"");
	refused("{\"type\":\"sample\",\"allocated\":1,\"reserved\":2,\"active\":0,"
	        "\"peak_allocated\":0,\"alloc_retries\":0,\"ooms\":0}",
	        "missing \"cuda_device\"");
	refused("{\"type\":\"sample\",\"cuda_device\":0,\"allocated\":null,\"reserved\":2,"
	        "\"active\":0,\"peak_allocated\":0,\"alloc_retries\":0,\"ooms\":0}",
	        "not a number: \"allocated\"");
}

static void test_oom(void **state)
{
	(void)state;
	struct deep_msg m;
	char err[VT_ERRMSG_MAX];
	assert_int_equal(parse("{\"type\":\"oom\",\"cuda_device\":1,\"requested\":5368709120,"
	                       "\"device_total\":1,\"device_free\":0}",
	                       &m, err),
	                 VT_OK);
	assert_int_equal(m.kind, DEEP_MSG_OOM);
	assert_int_equal(m.device, 1);
	assert_true(m.has_requested);
	assert_true(m.requested == 5368709120ull);
	assert_int_equal(parse("{\"type\":\"oom\",\"cuda_device\":0}", &m, err), VT_OK);
	assert_false(m.has_requested);
	refused("{\"type\":\"oom\",\"cuda_device\":0,\"requested\":-1}",
	        "not a count in range: \"requested\"");
}

static void test_garbage(void **state)
{
	(void)state;
	refused("", "invalid JSON");
	refused("{\"type\":\"sample\",", "invalid JSON");
	refused("[1,2,3]", "not a JSON object");
	refused("\"hello\"", "not a JSON object");
	refused("{\"v\":1,\"pid\":7}", "missing or not a string: \"type\"");
	refused("{\"type\":7}", "missing or not a string: \"type\"");
	refused("{\"type\":\"\\u001b[2Jgoodbye\"}", "unknown message type \"");
	/* a NUL inside the line (cJSON would stop there and see a valid prefix) */
	struct deep_msg m;
	char err[VT_ERRMSG_MAX];
	static const char nul[] = "{\"v\":1,\"type\":\"hello\",\"pid\":7}\0trailing";
	assert_int_equal(deep_parse_line(nul, sizeof(nul) - 1, &m, err, sizeof(err)), VT_ERR);
	assert_non_null(strstr(err, "NUL"));
	/* trailing garbage after the object */
	refused("{\"v\":1,\"type\":\"hello\",\"pid\":7} x", "invalid JSON");
	/* the line cap: 4095 bytes plus the newline is the most */
	char *big = malloc(DEEP_LINE_MAX + 1);
	memset(big, ' ', DEEP_LINE_MAX);
	memcpy(big, "{\"v\":1,\"type\":\"hello\",\"pid\":7}", 30);
	assert_int_equal(deep_parse_line(big, DEEP_LINE_MAX - 1, &m, err, sizeof(err)), VT_OK);
	assert_int_equal(deep_parse_line(big, DEEP_LINE_MAX, &m, err, sizeof(err)), VT_ERR);
	assert_non_null(strstr(err, "longer than 4095 bytes"));
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hello),
	    cmocka_unit_test(test_sample),
	    cmocka_unit_test(test_oom),
	    cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
