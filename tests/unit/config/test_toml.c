/* test_toml.c: the TOML-subset parser -- every value form it accepts, and every
 * error class with the line it is reported on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/toml.h"

static struct toml_doc doc;

static int parse(const char *s)
{
	toml_free(&doc);
	return toml_parse(&doc, s, strlen(s));
}

static const struct toml_value *get(const char *table, const char *key)
{
	uint32_t t = toml_table_find(&doc, table);
	assert_int_not_equal(t, TOML_NONE);
	uint32_t v = toml_find(&doc, t, key);
	assert_int_not_equal(v, TOML_NONE);
	return &doc.values[v];
}

/* Parsing must fail on `line` with a message containing `what`. */
static void expect_error(const char *src, int line, const char *what)
{
	if (parse(src) == 0)
		fail_msg("accepted: %s", src);
	if (doc.err_line != line || !strstr(doc.err, what))
		fail_msg("for %s\n got line %d '%s', want line %d '%s'", src, doc.err_line, doc.err,
		         line, what);
}

static void test_scalars(void **state)
{
	(void)state;
	const char *src = "# top comment\n"
	                  "name = \"vram\"  # trailing\n"
	                  "lit = 'C:\\path\\n'\n"
	                  "[a]\n"
	                  "i = -1_000\n"
	                  "p = +42\n"
	                  "z = 0\n"
	                  "h = 0xFF_ff\n"
	                  "o = 0o17\n"
	                  "b = 0b101\n"
	                  "f = 6.02e23\n"
	                  "g = -1.5\n"
	                  "e = 1E-2\n"
	                  "u = 1_0.2_5\n"
	                  "t = true\n"
	                  "n = false\n"
	                  "big = 9223372036854775807\n"
	                  "small = -9223372036854775808\n"
	                  "\"quoted key\" = 1\n"
	                  "'lit key' = 2\n"
	                  "inf1 = -inf\n";
	assert_int_equal(parse(src), 0);
	assert_string_equal(toml_str(&doc, get("", "name")), "vram");
	assert_string_equal(toml_str(&doc, get("", "lit")), "C:\\path\\n");
	assert_int_equal(get("a", "i")->u.i, -1000);
	assert_int_equal(get("a", "p")->u.i, 42);
	assert_int_equal(get("a", "z")->u.i, 0);
	assert_int_equal(get("a", "h")->u.i, 0xFFFF);
	assert_int_equal(get("a", "o")->u.i, 017);
	assert_int_equal(get("a", "b")->u.i, 5);
	assert_int_equal(get("a", "f")->kind, TOML_FLOAT);
	assert_true(get("a", "f")->u.f == 6.02e23);
	assert_true(get("a", "g")->u.f == -1.5);
	assert_true(get("a", "e")->u.f == 0.01);
	assert_true(get("a", "u")->u.f == 10.25);
	assert_true(get("a", "t")->u.b);
	assert_false(get("a", "n")->u.b);
	assert_int_equal(get("a", "big")->u.i, INT64_MAX);
	assert_int_equal(get("a", "small")->u.i, INT64_MIN);
	assert_int_equal(get("a", "quoted key")->u.i, 1);
	assert_int_equal(get("a", "lit key")->u.i, 2);
	assert_true(get("a", "inf1")->u.f < -1e308);
	/* lines are recorded per value */
	assert_int_equal(get("", "name")->line, 2);
	assert_int_equal(get("a", "u")->line, 14);
}

static void test_escapes(void **state)
{
	(void)state;
	assert_int_equal(parse("s = \"q\\\" b\\\\ n\\n t\\t \\u00e9 \\U0001F600 \\b\\f\\r\"\n"), 0);
	assert_string_equal(toml_str(&doc, get("", "s")),
	                    "q\" b\\ n\n t\t \xc3\xa9 \xf0\x9f\x98\x80 \b\f\r");
	assert_int_equal(parse("s = \"\"\nt = ''\n"), 0);
	assert_string_equal(toml_str(&doc, get("", "s")), "");
	assert_string_equal(toml_str(&doc, get("", "t")), "");
}

static void test_arrays(void **state)
{
	(void)state;
	const char *src = "[s]\n"
	                  "ports = [\n"
	                  "  8000, # vllm\n"
	                  "  8080,\n"
	                  "\n"
	                  "  11434,  # trailing comma next\n"
	                  "]\n"
	                  "nested = [[1, 2], [\"x\"], []]\n"
	                  "empty = []\n";
	assert_int_equal(parse(src), 0);
	const struct toml_value *a = get("s", "ports");
	assert_int_equal(a->kind, TOML_ARRAY);
	assert_int_equal(a->u.arr.n, 3);
	assert_int_equal(a->line, 2);
	int64_t want[] = {8000, 8080, 11434};
	int lines[] = {3, 4, 6};
	uint32_t e = a->u.arr.first;
	for (int i = 0; i < 3; i++, e = doc.values[e].next) {
		assert_int_equal(doc.values[e].u.i, want[i]);
		assert_int_equal(doc.values[e].line, lines[i]);
	}
	assert_int_equal(e, TOML_NONE);
	const struct toml_value *n = get("s", "nested");
	assert_int_equal(n->u.arr.n, 3);
	const struct toml_value *first = &doc.values[n->u.arr.first];
	assert_int_equal(first->kind, TOML_ARRAY);
	assert_int_equal(doc.values[doc.values[first->u.arr.first].next].u.i, 2);
	assert_int_equal(get("s", "empty")->u.arr.n, 0);
}

static void test_tables(void **state)
{
	(void)state;
	assert_int_equal(parse("[a.b]\nx = 1\n[a]\ny = 2\n[ \"q.d\" . c ]\nz = 3\n"
	                       "[d]\ne.f = 4\ne.g = 5\n"),
	                 0);
	assert_int_equal(get("a\x1f"
	                     "b",
	                     "x")
	                     ->u.i,
	                 1);
	assert_int_equal(get("a", "y")->u.i, 2);
	assert_int_equal(get("q.d\x1f"
	                     "c",
	                     "z")
	                     ->u.i,
	                 3);
	assert_int_equal(get("d\x1f"
	                     "e",
	                     "g")
	                     ->u.i,
	                 5);
	assert_int_equal(toml_table_find(&doc, "nope"), TOML_NONE);
	assert_int_equal(toml_find(&doc, 0, "nope"), TOML_NONE);
	/* CRLF line ends count lines too */
	assert_int_equal(parse("a = 1\r\n\r\nb = 2\r\n"), 0);
	assert_int_equal(get("", "b")->line, 3);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("a = 1\na = 2\n", 2, "duplicate key 'a' (first defined on line 1)");
	expect_error("[x]\n\n[x]\n", 3, "duplicate table [x] (first defined on line 1)");
	expect_error("a = 1\n[a]\n", 2, "already defined as a value");
	expect_error("[a.b]\n[a]\nb = 1\n", 3, "already defined as a table");
	expect_error("[a]\nb.c = 1\n[a.b]\n", 3, "already defined by dotted keys");
	expect_error("\n\ns = \"bad \\q\"\n", 3, "invalid escape sequence '\\q'");
	expect_error("s = \"\\u12\"\n", 1, "needs 4 hex digits");
	expect_error("s = \"\\uD800\"\n", 1, "not a Unicode scalar value");
	expect_error("x = 1\ns = \"tab\tok but bell \a no\"\n", 2, "control character 0x07");
	expect_error("x = 1\ny = 2\ns = \"open\n", 3, "unterminated string");
	expect_error("s = 'open\n", 1, "unterminated string");
	expect_error("a = 1 2\n", 1, "unexpected text '2'");
	expect_error("a = \"x\" junk\n", 1, "unexpected text 'j'");
	expect_error("[a] b = 1\n", 1, "unexpected text 'b'");
	expect_error("a = \n", 1, "expected a value");
	expect_error("a 1\n", 1, "expected '='");
	expect_error("= 1\n", 1, "invalid character '='");
	expect_error("a = [1, 2\nb = 3\n", 2, "expected ',' or ']'");
	expect_error("a = [1,\n2,\n", 3, "unterminated array");
	expect_error("a = 01\n", 1, "leading zeros");
	expect_error("a = 1__0\n", 1, "invalid number");
	expect_error("a = _1\n", 1, "strings need quotes");
	expect_error("a = 1.\n", 1, "invalid number");
	expect_error("a = .5\n", 1, "strings need quotes");
	expect_error("a = 1e\n", 1, "invalid number");
	expect_error("a = 9223372036854775808\n", 1, "does not fit in 64 bits");
	expect_error("a = 1e999\n", 1, "out of range");
	expect_error("a = -0x10\n", 1, "sign is not allowed");
	expect_error("a = yes\n", 1, "strings need quotes");
	expect_error("a = True\n", 1, "strings need quotes");
	expect_error("a = 1979-05-27\n", 1, "dates and times");
	expect_error("a = {x = 1}\n", 1, "inline tables");
	expect_error("[[a]]\n", 1, "arrays of tables");
	expect_error("a = \"\"\"x\"\"\"\n", 1, "multi-line strings");
	expect_error("[a\n", 1, "expected ']'");
	expect_error("x = 1\n[\"\"]\n", 2, "empty table names");
	expect_error("[a.'']\n", 1, "empty table names");
	expect_error("a = 1 # bell \a\n", 1, "control character 0x07 in a comment");
	expect_error("a = 1\rb = 2\n", 1, "carriage return");
	expect_error("a = 1\n\xff = 2\n", 2, "invalid UTF-8");
	expect_error("a = \"\xc0\xaf\"\n", 1, "invalid UTF-8");
	expect_error("a = \"\\u0000\"\n", 1, "NUL");
	expect_error(
	    "x = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n", 1,
	    "nested too deeply");
	/* a NUL byte in the input is a control character, not an end */
	toml_free(&doc);
	assert_int_equal(toml_parse(&doc, "a = 1\0b", 7), -1);
	assert_int_equal(doc.err_line, 1);
}

/* A UTF-8 byte-order mark (EF BB BF), which some editors write, is accepted
 * at the very start of the file and nowhere else. */
static void test_bom(void **state)
{
	(void)state;
	assert_int_equal(parse("\xEF\xBB\xBF[general]\nrefresh_rate = 2.0\n"), 0);
	assert_true(get("general", "refresh_rate")->u.f == 2.0);
	assert_int_equal(get("general", "refresh_rate")->line, 2);
	assert_int_equal(parse("\xEF\xBB\xBF"), 0);
	assert_int_equal(doc.nvalues, 0);
	assert_int_equal(parse("\xEF\xBB\xBFk = 1"), 0);
	assert_int_equal(get("", "k")->u.i, 1);
	/* only at the very start: after a space, on line 2, twice, or cut short */
	expect_error(" \xEF\xBB\xBFk = 1\n", 1, "");
	expect_error("a = 1\n\xEF\xBB\xBF"
	             "b = 2\n",
	             2, "");
	expect_error("\xEF\xBB\xBF\xEF\xBB\xBFk = 1\n", 1, "");
	expect_error("\xEF\xBBk = 1\n", 1, "invalid UTF-8");
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(toml_kind_name(TOML_STRING), "string");
	assert_string_equal(toml_kind_name(TOML_INT), "integer");
	assert_string_equal(toml_kind_name(TOML_FLOAT), "float");
	assert_string_equal(toml_kind_name(TOML_BOOL), "boolean");
	assert_string_equal(toml_kind_name(TOML_ARRAY), "array");
}

static void test_format_float(void **state)
{
	(void)state;
	char buf[40];
	assert_string_equal(toml_format_float(buf, sizeof buf, 1.0), "1.0");
	assert_string_equal(toml_format_float(buf, sizeof buf, 0.3), "0.3");
	assert_string_equal(toml_format_float(buf, sizeof buf, 300), "300.0");
	assert_string_equal(toml_format_float(buf, sizeof buf, -0.0), "-0.0");
	assert_string_equal(toml_format_float(buf, sizeof buf, 1e300), "1e+300");
	/* whatever comes out parses back to the same double */
	double xs[] = {0.1 + 0.2, 1.0 / 3, 5e-324, 1.7976931348623157e308, 123456.789};
	for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
		char src[64];
		snprintf(src, sizeof src, "x = %s\n", toml_format_float(buf, sizeof buf, xs[i]));
		assert_int_equal(parse(src), 0);
		assert_true(get("", "x")->u.f == xs[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalars),      cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_arrays),       cmocka_unit_test(test_tables),
	    cmocka_unit_test(test_errors),       cmocka_unit_test(test_kind_names),
	    cmocka_unit_test(test_format_float), cmocka_unit_test(test_bom),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	toml_free(&doc);
	return rc;
}
