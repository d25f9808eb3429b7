/* test_textwidth.c: cluster widths (ASCII, CJK, emoji, ZWJ, flags, combining
 * marks, jamo, invalid bytes, zero width) and vt_text_fit's cut and padding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "../../common/utf8_clean.h"
#include "core/textwidth.h"

#define W(lit)  vt_text_width(lit, sizeof(lit) - 1)
#define CJK_ZH  "\xE4\xB8\xAD"                     /* U+4E2D, wide */
#define CJK_WEN "\xE6\x96\x87"                     /* U+6587, wide */
#define GRIN    "\xF0\x9F\x98\x80"                 /* U+1F600 */
#define WOMAN   "\xF0\x9F\x91\xA9"                 /* U+1F469 */
#define ZWJ     "\xE2\x80\x8D"                     /* U+200D */
#define LAPTOP  "\xF0\x9F\x92\xBB"                 /* U+1F4BB */
#define TONE    "\xF0\x9F\x8F\xBD"                 /* U+1F3FD skin tone */
#define FLAG_US "\xF0\x9F\x87\xBA\xF0\x9F\x87\xB8" /* U+1F1FA U+1F1F8 */
#define ACUTE   "\xCC\x81"                         /* U+0301 combining */
#define HEART   "\xE2\x9D\xA4"                     /* U+2764, text default */
#define VS16    "\xEF\xB8\x8F"
#define ZWSP    "\xE2\x80\x8B"
#define FFFD    "\xEF\xBF\xBD"

static void test_ascii_and_cjk(void **state)
{
	(void)state;
	assert_int_equal(W(""), 0);
	assert_int_equal(W("hello"), 5);
	assert_int_equal(W(CJK_ZH CJK_WEN), 4);
	assert_int_equal(W("a" CJK_ZH "b"), 4);
	assert_int_equal(W("\xE3\x80\x9C"), 2); /* U+301C wave dash, the volatile badge */
	assert_int_equal(W("\xE2\x96\xB2\xE2\x96\xAC"), 2); /* ▲▬ */
	assert_int_equal(vt_text_width_str("caf\xC3\xA9"), 4);
}

static void test_emoji_clusters(void **state)
{
	(void)state;
	assert_int_equal(W(GRIN), 2);
	/* woman + ZWJ + laptop: one cluster, one wide glyph */
	struct vt_cluster c = vt_text_cluster(WOMAN ZWJ LAPTOP "x", 12);
	assert_int_equal(c.len, 11);
	assert_int_equal(c.cols, 2);
	assert_false(c.replaced);
	assert_int_equal(W(WOMAN ZWJ LAPTOP), 2);
	assert_int_equal(W(WOMAN TONE), 2);
	assert_int_equal(W(FLAG_US), 2);
	assert_int_equal(W(FLAG_US FLAG_US), 4);
	assert_int_equal(W(HEART), 1);
	assert_int_equal(W(HEART VS16), 2);              /* emoji presentation */
	assert_int_equal(W("1" VS16 "\xE2\x83\xA3"), 2); /* keycap 1 */
}

static void test_combining_and_zero_width(void **state)
{
	(void)state;
	struct vt_cluster c = vt_text_cluster("e" ACUTE ACUTE "z", 6);
	assert_int_equal(c.len, 5);
	assert_int_equal(c.cols, 1);
	assert_int_equal(W("e" ACUTE "e" ACUTE), 2);
	assert_int_equal(W(ACUTE), 0); /* a lone mark */
	assert_int_equal(W(ZWSP), 0);
	assert_int_equal(W("a" ZWSP "b"), 2);
	/* Hangul jamo L+V+T is one wide syllable; a lone V is 0 (override) */
	assert_int_equal(W("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), 2);
	assert_int_equal(vt_text_cluster("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8", 9).len, 9);
	assert_int_equal(W("\xE1\x85\xA1"), 0);
}

static void test_invalid_and_controls(void **state)
{
	(void)state;
	assert_int_equal(W("\xFF"), 1);
	assert_int_equal(W("a\x80z"), 3);
	/* a truncated 3-byte sequence is one maximal subpart: one U+FFFD */
	struct vt_cluster c = vt_text_cluster("\xE4\xB8z", 3);
	assert_int_equal(c.len, 2);
	assert_int_equal(c.cols, 1);
	assert_true(c.replaced);
	assert_int_equal(W("\xE4\xB8"), 1);
	assert_int_equal(W("\xED\xA0\x80"), 3); /* surrogate: ED, then two strays */
	assert_int_equal(W("\xC0\xAF"), 2);     /* overlong: two subparts */
	assert_int_equal(W("\xF4\x90\x80\x80"), 4);
	assert_int_equal(W("a\tb\x1b"), 4); /* controls draw as U+FFFD */
	c = vt_text_cluster("\n" ACUTE, 3);
	assert_int_equal(c.len, 1);
	assert_true(c.replaced);
	/* a combining mark after an invalid byte does not join it */
	assert_int_equal(vt_text_cluster("\xFF" ACUTE, 3).len, 1);
	assert_int_equal(vt_text_cluster("", 0).len, 0);
}

static char buf[256];

static const char *fit(const char *s, size_t cols, unsigned flags, size_t *used)
{
	size_t n = vt_text_fit(buf, sizeof(buf), s, strlen(s), cols, flags, used);
	assert_int_equal(n, strlen(buf));
	assert_true(utf8_clean((const unsigned char *)buf, n));
	assert_int_equal(vt_text_width(buf, n), *used);
	return buf;
}

static void test_fit_pad_and_cut(void **state)
{
	(void)state;
	size_t used;
	assert_string_equal(fit("abc", 5, 0, &used), "abc  ");
	assert_int_equal(used, 5);
	assert_string_equal(fit("abcdef", 4, 0, &used), "abcd");
	assert_string_equal(fit("abcdef", 4, VT_TEXT_FIT_ELLIPSIS, &used), "abc\xE2\x80\xA6");
	assert_int_equal(used, 4);
	assert_string_equal(fit("ab   cdef", 6, VT_TEXT_FIT_ELLIPSIS, &used), "ab\xE2\x80\xA6   ");
	assert_int_equal(used, 6);
	/* exactly fitting text is not cut */
	assert_string_equal(fit("abcd", 4, VT_TEXT_FIT_ELLIPSIS, &used), "abcd");
	/* a wide glyph that would straddle the edge is left out, a space pads */
	assert_string_equal(fit(CJK_ZH CJK_WEN, 3, 0, &used), CJK_ZH " ");
	assert_int_equal(used, 3);
	assert_string_equal(fit(CJK_ZH CJK_WEN "x", 4, VT_TEXT_FIT_ELLIPSIS, &used),
	                    CJK_ZH "\xE2\x80\xA6 ");
	assert_string_equal(fit(CJK_ZH, 1, 0, &used), " ");
	assert_string_equal(fit(CJK_ZH "x", 1, VT_TEXT_FIT_ELLIPSIS, &used), "\xE2\x80\xA6");
	assert_string_equal(fit("abc", 0, VT_TEXT_FIT_ELLIPSIS, &used), "");
	assert_int_equal(used, 0);
	assert_string_equal(fit("ab", 6, VT_TEXT_FIT_NOPAD, &used), "ab");
	assert_int_equal(used, 2);
	/* ZWJ sequence and combining marks are kept whole or dropped whole */
	assert_string_equal(fit("x" WOMAN ZWJ LAPTOP "y", 3, 0, &used), "x" WOMAN ZWJ LAPTOP);
	assert_string_equal(fit("x" WOMAN ZWJ LAPTOP "y", 2, 0, &used), "x ");
	assert_string_equal(fit("e" ACUTE "f", 1, 0, &used), "e" ACUTE);
}

static void test_fit_replaces_invalid(void **state)
{
	(void)state;
	size_t used;
	assert_string_equal(fit("a\xFF\x1b[31mb", 20, VT_TEXT_FIT_NOPAD, &used),
	                    "a" FFFD FFFD "[31mb");
	assert_int_equal(used, 8);
}

static void test_fit_small_capacity(void **state)
{
	(void)state;
	char small[8];
	size_t used;
	memset(small, 'Z', sizeof(small));
	/* 中文 is 6 bytes; with cap 5 only 中 fits, then one padding space */
	size_t n = vt_text_fit(small, 5, CJK_ZH CJK_WEN, 6, 4, 0, &used);
	assert_int_equal(n, 4);
	assert_string_equal(small, CJK_ZH " ");
	assert_int_equal(used, 3);
	assert_int_equal(small[5], 'Z'); /* nothing past cap */
	n = vt_text_fit(small, 1, "abc", 3, 3, 0, &used);
	assert_int_equal(n, 0);
	assert_string_equal(small, "");
	assert_int_equal(vt_text_fit(small, 0, "abc", 3, 3, 0, &used), 0);
	assert_int_equal(used, 0);
	/* the documented capacity always suffices, worst case all invalid */
	char worst[VT_TEXT_FIT_CAP(6, 10)];
	n = vt_text_fit(worst, sizeof(worst), "\xFF\xFF\xFF\xFF\xFF\xFF", 6, 10, 0, &used);
	assert_int_equal(used, 10);
	assert_int_equal(n, 6 * 3 + 4);
}

/* Every byte string of length 1..3 over a small interesting alphabet: fit
 * never splits a character, never overflows, and its width claims are true. */
static void test_fit_property(void **state)
{
	(void)state;
	static const unsigned char alpha[] = {'a',  0x00, 0x1b, 0x80, 0xBF, 0xC3, 0xA9,
	                                      0xE4, 0xB8, 0xAD, 0xF0, 0x9F, 0x98, 0xFF};
	const size_t na = sizeof(alpha);
	unsigned char in[3];
	char out[VT_TEXT_FIT_CAP(3, 4)];
	for (size_t len = 1; len <= 3; len++) {
		size_t total = 1;
		for (size_t k = 0; k < len; k++)
			total *= na;
		for (size_t v = 0; v < total; v++) {
			size_t x = v;
			for (size_t k = 0; k < len; k++, x /= na)
				in[k] = alpha[x % na];
			for (size_t cols = 0; cols <= 4; cols++) {
				size_t used;
				size_t n = vt_text_fit(out, sizeof(out), (const char *)in, len,
				                       cols, VT_TEXT_FIT_ELLIPSIS, &used);
				assert_true(n < sizeof(out));
				assert_true(utf8_clean((const unsigned char *)out, n));
				assert_int_equal(used, cols);
				assert_int_equal(vt_text_width(out, n), cols);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ascii_and_cjk),
	    cmocka_unit_test(test_emoji_clusters),
	    cmocka_unit_test(test_combining_and_zero_width),
	    cmocka_unit_test(test_invalid_and_controls),
	    cmocka_unit_test(test_fit_pad_and_cut),
	    cmocka_unit_test(test_fit_replaces_invalid),
	    cmocka_unit_test(test_fit_small_capacity),
	    cmocka_unit_test(test_fit_property),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
