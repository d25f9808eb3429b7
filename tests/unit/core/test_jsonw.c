/* test_jsonw.c: the JSON writer's output parses back (cJSON) to what was written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/jsonw.h"

/* Strict UTF-8 check of the writer's output (cJSON does not validate it). */
static bool valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char b = s[i];
		size_t k;
		unsigned lo = 0x80, hi = 0xBF;
		if (b < 0x80) {
			i++;
			continue;
		} else if (b >= 0xC2 && b <= 0xDF) {
			k = 2;
		} else if (b >= 0xE0 && b <= 0xEF) {
			k = 3;
			lo = b == 0xE0 ? 0xA0 : 0x80;
			hi = b == 0xED ? 0x9F : 0xBF;
		} else if (b >= 0xF0 && b <= 0xF4) {
			k = 4;
			lo = b == 0xF0 ? 0x90 : 0x80;
			hi = b == 0xF4 ? 0x8F : 0xBF;
		} else {
			return false;
		}
		if (i + k > n || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t j = 2; j < k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
		i += k;
	}
	return true;
}

static cJSON *parse_ok(const struct jsonw *w)
{
	assert_true(jsonw_ok(w));
	assert_int_equal(strlen(w->buf), w->len);
	assert_true(valid_utf8((const unsigned char *)w->buf, w->len));
	for (size_t i = 0; i < w->len; i++)
		assert_true((unsigned char)w->buf[i] >= 0x20); /* no raw control chars */
	cJSON *j = cJSON_ParseWithLength(w->buf, w->len);
	assert_non_null(j);
	return j;
}

static void test_object_with_every_type(void **state)
{
	(void)state;
	struct jsonw w;
	jsonw_init(&w);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "u");
	jsonw_u64(&w, UINT64_C(150754820096));
	jsonw_key(&w, "max");
	jsonw_u64(&w, UINT64_MAX);
	jsonw_key(&w, "neg");
	jsonw_i64(&w, -42);
	jsonw_key(&w, "min");
	jsonw_i64(&w, INT64_MIN);
	jsonw_key(&w, "d");
	jsonw_double(&w, 1795981653.398, 3);
	jsonw_key(&w, "nan");
	jsonw_double(&w, NAN, 2);
	jsonw_key(&w, "inf");
	jsonw_double(&w, -INFINITY, 2);
	jsonw_key(&w, "t");
	jsonw_bool(&w, true);
	jsonw_key(&w, "f");
	jsonw_bool(&w, false);
	jsonw_key(&w, "n");
	jsonw_null(&w);
	jsonw_key(&w, "raw");
	jsonw_raw(&w, "{\"x\":[1,2]}");
	jsonw_key(&w, "s");
	jsonw_str(&w, "python3");
	jsonw_obj_end(&w);
	assert_string_equal(w.buf, "{\"u\":150754820096,\"max\":18446744073709551615,"
	                           "\"neg\":-42,\"min\":-9223372036854775808,"
	                           "\"d\":1795981653.398,\"nan\":null,\"inf\":null,"
	                           "\"t\":true,\"f\":false,\"n\":null,\"raw\":{\"x\":[1,2]},"
	                           "\"s\":\"python3\"}");
	cJSON *j = parse_ok(&w);
	assert_true(cJSON_GetObjectItem(j, "u")->valuedouble == 150754820096.0);
	assert_int_equal(cJSON_GetObjectItem(j, "neg")->valueint, -42);
	assert_true(fabs(cJSON_GetObjectItem(j, "d")->valuedouble - 1795981653.398) < 1e-6);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "nan")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "inf")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "t")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "f")));
	assert_int_equal(
	    cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "raw"), "x")), 2);
	assert_string_equal(cJSON_GetObjectItem(j, "s")->valuestring, "python3");
	cJSON_Delete(j);
	jsonw_free(&w);
}

static void test_nested_commas(void **state)
{
	(void)state;
	struct jsonw w;
	jsonw_init(&w);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "gpus");
	jsonw_arr_begin(&w);
	for (int g = 0; g < 3; g++) {
		jsonw_obj_begin(&w);
		jsonw_key(&w, "i");
		jsonw_u64(&w, (uint64_t)g);
		jsonw_key(&w, "empty");
		jsonw_arr_begin(&w);
		jsonw_arr_end(&w);
		jsonw_key(&w, "e2");
		jsonw_obj_begin(&w);
		jsonw_obj_end(&w);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_key(&w, "after");
	jsonw_arr_begin(&w);
	jsonw_u64(&w, 1);
	jsonw_arr_begin(&w);
	jsonw_u64(&w, 2);
	jsonw_u64(&w, 3);
	jsonw_arr_end(&w);
	jsonw_u64(&w, 4);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	assert_string_equal(w.buf, "{\"gpus\":[{\"i\":0,\"empty\":[],\"e2\":{}},"
	                           "{\"i\":1,\"empty\":[],\"e2\":{}},"
	                           "{\"i\":2,\"empty\":[],\"e2\":{}}],\"after\":[1,[2,3],4]}");
	cJSON *j = parse_ok(&w);
	cJSON *gpus = cJSON_GetObjectItem(j, "gpus");
	assert_int_equal(cJSON_GetArraySize(gpus), 3);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(gpus, 2), "i")->valueint, 2);
	cJSON_Delete(j);
	jsonw_free(&w);
}

static void test_string_escapes(void **state)
{
	(void)state;
	struct jsonw w;
	jsonw_init(&w);
	char all[40];
	for (int i = 0; i < 32; i++)
		all[i] = (char)(i + 1); /* 0x01..0x20 */
	memcpy(all + 32, "\"\\/\x7f", 4);
	jsonw_arr_begin(&w);
	jsonw_strn(&w, all, 36);
	jsonw_strn(&w, "a\0b", 3);
	jsonw_str(&w, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"); /* é € 😀 kept as is */
	jsonw_str(&w, "ls\xe2\x80\xa8ps\xe2\x80\xa9");
	jsonw_str(&w, NULL);
	jsonw_arr_end(&w);
	assert_non_null(strstr(w.buf, "\\u0001\\u0002"));
	assert_non_null(strstr(w.buf, "\\t\\n\\u000b\\u000c\\r"));
	assert_non_null(strstr(w.buf, "\\u001f \\\"\\\\/\x7f"));
	assert_non_null(strstr(w.buf, "\"a\\u0000b\""));
	assert_non_null(strstr(w.buf, "\\u2028ps\\u2029"));
	cJSON *j = parse_ok(&w);
	const char *s0 = cJSON_GetArrayItem(j, 0)->valuestring;
	assert_int_equal(strlen(s0), 36);
	assert_memory_equal(s0, all, 36);
	assert_string_equal(cJSON_GetArrayItem(j, 2)->valuestring,
	                    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	assert_string_equal(cJSON_GetArrayItem(j, 4)->valuestring, "");
	cJSON_Delete(j);
	jsonw_free(&w);
}

static void test_invalid_utf8_replaced(void **state)
{
	(void)state;
	static const char *bad[] = {
	    "\xff",             /* never valid */
	    "a\x80z",           /* lone continuation */
	    "\xc0\xaf",         /* overlong '/' */
	    "\xe0\x80\xaf",     /* overlong 3-byte */
	    "\xed\xa0\x80",     /* UTF-16 surrogate */
	    "\xf4\x90\x80\x80", /* past U+10FFFF */
	    "\xe2\x82",         /* truncated at the end */
	    "\xc3",             /* truncated 2-byte */
	    "\xf0\x9f\x98",     /* truncated 4-byte */
	};
	struct jsonw w;
	jsonw_init(&w);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		jsonw_reset(&w);
		jsonw_str(&w, bad[i]);
		cJSON *j = parse_ok(&w);
		assert_true(cJSON_IsString(j));
		assert_non_null(strstr(j->valuestring, "\xef\xbf\xbd"));
		cJSON_Delete(j);
	}
	jsonw_reset(&w);
	jsonw_str(&w, "a\x80z");
	assert_string_equal(w.buf, "\"a\xef\xbf\xbdz\"");
	/* every byte value, after a quote, parses */
	for (int b = 0; b < 256; b++) {
		char s[3] = {'"', (char)b, (char)0xC3};
		jsonw_reset(&w);
		jsonw_strn(&w, s, 3);
		cJSON *j = parse_ok(&w);
		cJSON_Delete(j);
	}
	jsonw_free(&w);
}

static void test_key_escaped(void **state)
{
	(void)state;
	struct jsonw w;
	jsonw_init(&w);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "we\"ird\n");
	jsonw_u64(&w, 1);
	jsonw_obj_end(&w);
	cJSON *j = parse_ok(&w);
	assert_int_equal(cJSON_GetObjectItem(j, "we\"ird\n")->valueint, 1);
	cJSON_Delete(j);
	jsonw_free(&w);
}

static void test_double_decimals(void **state)
{
	(void)state;
	struct jsonw w;
	jsonw_init(&w);
	jsonw_arr_begin(&w);
	jsonw_double(&w, 2.5, 0);
	jsonw_double(&w, -0.25, 2);
	jsonw_double(&w, 1.0 / 3.0, 40); /* clamped to 17 */
	jsonw_double(&w, 1e300, 1);
	jsonw_double(&w, -1e-9, 3);
	jsonw_arr_end(&w);
	cJSON *j = parse_ok(&w);
	assert_int_equal(cJSON_GetArraySize(j), 5);
	assert_true(cJSON_GetArrayItem(j, 1)->valuedouble == -0.25);
	assert_true(fabs(cJSON_GetArrayItem(j, 2)->valuedouble - 1.0 / 3.0) < 1e-15);
	assert_true(cJSON_GetArrayItem(j, 3)->valuedouble == 1e300);
	assert_true(strncmp(w.buf, "[2,-0.25,0.33333333333333331,", 29) == 0 ||
	            strncmp(w.buf, "[3,-0.25,0.33333333333333331,", 29) == 0);
	cJSON_Delete(j);
	jsonw_free(&w);
}

static void test_reuse_does_not_allocate(void **state)
{
	(void)state;
	struct jsonw w;
	jsonw_init(&w);
	char *first = NULL;
	size_t cap = 0;
	for (int round = 0; round < 5; round++) {
		jsonw_reset(&w);
		assert_int_equal(w.len, 0);
		jsonw_arr_begin(&w);
		for (int i = 0; i < 2000; i++)
			jsonw_u64(&w, (uint64_t)i * 1000003u);
		jsonw_arr_end(&w);
		jsonw_newline(&w);
		if (round == 0) {
			first = w.buf;
			cap = w.cap;
		} else {
			assert_ptr_equal(w.buf, first);
			assert_int_equal(w.cap, cap);
		}
		assert_int_equal(w.buf[w.len - 1], '\n');
		cJSON *j = cJSON_Parse(w.buf);
		assert_non_null(j);
		assert_int_equal(cJSON_GetArraySize(j), 2000);
		assert_true(cJSON_GetArrayItem(j, 1999)->valuedouble == 1999.0 * 1000003.0);
		cJSON_Delete(j);
	}
	jsonw_free(&w);
	assert_null(w.buf);
}

static void test_misuse_flagged(void **state)
{
	(void)state;
	struct jsonw w;
	jsonw_init(&w);
	jsonw_arr_end(&w);
	assert_false(jsonw_ok(&w));
	jsonw_reset(&w);
	assert_true(jsonw_ok(&w));
	for (int i = 0; i < JSONW_MAX_DEPTH; i++)
		jsonw_arr_begin(&w);
	assert_true(jsonw_ok(&w));
	jsonw_arr_begin(&w);
	assert_false(jsonw_ok(&w));
	jsonw_reset(&w);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "a");
	jsonw_obj_end(&w); /* key without a value */
	assert_false(jsonw_ok(&w));
	jsonw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_object_with_every_type),
	    cmocka_unit_test(test_nested_commas),
	    cmocka_unit_test(test_string_escapes),
	    cmocka_unit_test(test_invalid_utf8_replaced),
	    cmocka_unit_test(test_key_escaped),
	    cmocka_unit_test(test_double_decimals),
	    cmocka_unit_test(test_reuse_does_not_allocate),
	    cmocka_unit_test(test_misuse_flagged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
