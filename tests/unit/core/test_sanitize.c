/* test_sanitize.c: escape and control removal, UTF-8 repair, the 256-byte cut
 * and idempotence (a seeded random property test). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "../../common/utf8_clean.h"
#include "core/sanitize.h"

#define FFFD "\xEF\xBF\xBD"

static char out[1024];

/* Sanitises n bytes of s with a roomy buffer and returns the result. */
static const char *san(const char *s, size_t n)
{
	size_t len = vt_sanitize(out, sizeof(out), s, n);
	assert_int_equal(len, strlen(out));
	return out;
}

#define SAN(lit) san(lit, sizeof(lit) - 1)

static void test_plain_kept(void **state)
{
	(void)state;
	assert_string_equal(SAN("python3 train.py --lr 0.1"), "python3 train.py --lr 0.1");
	assert_string_equal(SAN(""), "");
	assert_string_equal(SAN("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
	                    "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
	assert_string_equal(SAN(FFFD), FFFD); /* U+FFFD itself is valid */
}

static void test_csi_removed(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\x1b[31mred\x1b[0m!"), "ared!");
	assert_string_equal(SAN("\x1b[?25lhide"), "hide");
	assert_string_equal(SAN("x\x1b[1;2 qy"), "xy");          /* intermediate byte */
	assert_string_equal(SAN("\x1b[2J\x1b[Hclear"), "clear"); /* two in a row */
	assert_string_equal(SAN("tail\x1b[12;"), "tail");        /* unterminated */
	/* a non-ASCII byte ends the parameters; the ESC is gone, the rest is text */
	assert_string_equal(SAN("\x1b[3\xC3\xA9x"), "\xC3\xA9x");
}

static void test_osc_and_strings_removed(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\x1b]0;evil title\x07"
	                        "b"),
	                    "ab");
	assert_string_equal(SAN("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b"), "alinkb");
	assert_string_equal(SAN("a\x1bPq#0;2;0;0;0\x1b\\b"), "ab"); /* DCS (sixel) */
	assert_string_equal(SAN("a\x1b_apc\x1b\\b"), "ab");
	assert_string_equal(SAN("a\x1b]0;\xE2\x9C\x93 title\x07z"), "az"); /* 0x9C inside a char */
	assert_string_equal(SAN("a\x1b]0;t\xC2\x9C"
	                        "b"),
	                    "ab"); /* C1 ST */
	assert_string_equal(SAN("keep\x1b]0;never ends"), "keep");
	/* ESC inside a string aborts it and starts a new sequence */
	assert_string_equal(SAN("a\x1b]0;x\x1b[31mb"), "ab");
}

static void test_other_escapes(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\x1b(Bb"), "ab"); /* charset designation */
	assert_string_equal(SAN("a\x1b"
	                        "7b"),
	                    "ab");                  /* save cursor */
	assert_string_equal(SAN("a\x1b#8b"), "ab"); /* DECALN */
	assert_string_equal(SAN("end\x1b"), "end"); /* lone ESC at the end */
	assert_string_equal(SAN("\x1b\xC3\xA9"), "\xC3\xA9");
	assert_string_equal(SAN("\x1b\x1b[0mx"), "x");
	assert_string_equal(SAN("a\x1b\nb"), "a b");
}

static void test_c1_controls(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\x9b"
	                        "31mb"),
	                    "ab"); /* raw 8-bit CSI */
	assert_string_equal(SAN("a\xC2\x9b"
	                        "31mb"),
	                    "ab"); /* U+009B */
	assert_string_equal(SAN("a\x9d"
	                        "0;t\x07"
	                        "b"),
	                    "ab"); /* raw 8-bit OSC */
	assert_string_equal(SAN("a\xC2\x9d"
	                        "0;t\x9c"
	                        "b"),
	                    "ab");
	assert_string_equal(SAN("a\xC2\x85"
	                        "b\x85"
	                        "c"),
	                    "abc");                                       /* NEL both ways */
	assert_string_equal(SAN("\xC2\x80\xC2\x81\xC2\xA0"), "\xC2\xA0"); /* NBSP kept */
}

static void test_c0_and_del(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\tb\nc\rd\ve\ff"), "a b c d e f");
	assert_string_equal(SAN("a\x01\x02\x08"
	                        "b\x7f"
	                        "c"),
	                    "abc");
	assert_string_equal(san("a\0b\0c", 5), "abc");
	assert_string_equal(SAN("bell\x07"), "bell");
}

static void test_bidi_dropped(void **state)
{
	(void)state;
	/* RLO ... PDF, then an isolate */
	assert_string_equal(SAN("a\xE2\x80\xAE"
	                        "gnp.exe\xE2\x80\xAC"
	                        "\xE2\x81\xA6z"),
	                    "agnp.exez");
	/* neighbours of the ranges stay */
	assert_string_equal(SAN("\xE2\x80\xA9\xE2\x80\xAF"), "\xE2\x80\xA9\xE2\x80\xAF");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	assert_string_equal(SAN("a\xFF"
	                        "b"),
	                    "a" FFFD "b");
	assert_string_equal(SAN("\xF5\xF8\xFE"), FFFD FFFD FFFD);
	assert_string_equal(SAN("\xBF"), FFFD);              /* stray continuation */
	assert_string_equal(SAN("\xC0\xAF"), FFFD FFFD);     /* overlong '/' */
	assert_string_equal(SAN("\xC1\xBF"), FFFD FFFD);     /* overlong */
	assert_string_equal(SAN("\xE0\x80\xAF"), FFFD FFFD); /* overlong 3-byte; 80 is C1 */
	/* a raw C1 string introducer (APC) left by broken UTF-8 still opens a string */
	assert_string_equal(SAN("\xE0\x9F\xBFx\x07y"), FFFD "y");
	assert_string_equal(SAN("\xF0\x8F\xBF\xBF"), FFFD FFFD FFFD); /* overlong 4-byte */
	assert_string_equal(SAN("\xED\xA0\x80"), FFFD FFFD);          /* surrogate D800 */
	assert_string_equal(SAN("\xED\xBF\xBF"), FFFD FFFD FFFD);     /* surrogate DFFF */
	assert_string_equal(SAN("\xF4\x90\x80\x80"), FFFD);           /* U+110000: F4, then C1s */
	assert_string_equal(SAN("\xF4\xA0\xA0\xA0"), FFFD FFFD FFFD FFFD);
	assert_string_equal(SAN("\xF4\x8F\xBF\xBF"), "\xF4\x8F\xBF\xBF"); /* U+10FFFF is fine */
	assert_string_equal(SAN("x\xE2\x82"), "x" FFFD);                  /* truncated at the end */
	assert_string_equal(SAN("\xE2\x82x"), FFFD "x");                  /* truncated mid-string */
	assert_string_equal(SAN("\xF0\x9F\x98"), FFFD); /* one per maximal subpart */
	assert_string_equal(SAN("\xF0\x9F\xC3\xA9"), FFFD "\xC3\xA9");
}

static void test_cut_at_256(void **state)
{
	(void)state;
	char in[600];
	memset(in, 'a', sizeof(in));
	assert_int_equal(strlen(san(in, 256)), 256);
	assert_int_equal(strlen(san(in, 257)), 256);
	assert_int_equal(strlen(san(in, 600)), 256);

	/* 255 + 2-byte char = 257: the whole char goes */
	memcpy(in + 255, "\xC3\xA9", 2);
	assert_int_equal(strlen(san(in, 257)), 255);
	assert_int_equal((unsigned char)out[254], 'a');
	/* 254 + 2-byte char = 256 exactly: kept */
	memset(in, 'a', sizeof(in));
	memcpy(in + 254, "\xC3\xA9", 2);
	assert_int_equal(strlen(san(in, 257)), 256);
	assert_memory_equal(out + 254, "\xC3\xA9", 2);
	/* 254 + 3-byte char: cut back to 254 */
	memset(in, 'a', sizeof(in));
	memcpy(in + 254, "\xE2\x82\xAC", 3);
	assert_int_equal(strlen(san(in, 257)), 254);
	/* 253 + 4-byte char = 257: cut to 253, nothing after it sneaks in */
	memset(in, 'a', sizeof(in));
	memcpy(in + 253, "\xF0\x9F\x98\x80", 4);
	assert_int_equal(strlen(san(in, 300)), 253);
	/* a replacement char counts 3 bytes of output */
	memset(in, 'a', sizeof(in));
	in[254] = '\xFF';
	assert_int_equal(strlen(san(in, 255)), 254);
	/* removed escapes do not count against the limit */
	memset(in, 'a', sizeof(in));
	memcpy(in, "\x1b[31m", 5);
	assert_int_equal(strlen(san(in, 261)), 256);
}

static void test_small_cap(void **state)
{
	(void)state;
	char buf[4];
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(vt_sanitize(buf, 0, "abc", 3), 0);
	assert_int_equal(buf[0], 'x'); /* nothing written */
	assert_int_equal(vt_sanitize(buf, 1, "abc", 3), 0);
	assert_string_equal(buf, "");
	assert_int_equal(vt_sanitize(buf, 4, "a\xE2\x82\xAC", 4), 1);
	assert_string_equal(buf, "a");
	assert_int_equal(vt_sanitize(buf, 4, "ab\xC3\xA9", 4), 2);
	assert_int_equal(vt_sanitize_str(buf, sizeof(buf), "\x1b[0mxyz"), 3);
	assert_string_equal(buf, "xyz");
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic across runs */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Bytes biased towards the ones that matter to the state machine. */
static unsigned char rng_byte(void)
{
	static const unsigned char hot[] = {0x1b, '[',  ']',  '\\', 0x07, 'P',  '_',  ';',  'm',
	                                    '(',  0x9b, 0x9c, 0x9d, 0xc2, 0xe2, 0xed, 0xf0, 0xf4,
	                                    0x80, 0xbf, 0xa0, 0x00, '\n', 0x7f, 0xc0, 0xff};
	uint64_t r = rng();
	if (r % 3 == 0)
		return hot[(r >> 8) % sizeof(hot)];
	return (unsigned char)(r >> 16);
}

static void test_property_idempotent_and_clean(void **state)
{
	(void)state;
	unsigned char in[700];
	char a[400], b[400];
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = rng() % sizeof(in);
		for (size_t i = 0; i < n; i++)
			in[i] = rng_byte();
		size_t cap = (iter % 4 == 0) ? 1 + rng() % sizeof(a) : sizeof(a);
		size_t la = vt_sanitize(a, cap, (const char *)in, n);
		assert_true(la < cap);
		assert_true(la <= VT_SANITIZE_MAX);
		assert_int_equal(la, strlen(a));
		assert_true(utf8_clean((const unsigned char *)a, la));
		size_t lb = vt_sanitize(b, cap, a, la);
		assert_int_equal(la, lb);
		assert_memory_equal(a, b, la + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_kept),
	    cmocka_unit_test(test_csi_removed),
	    cmocka_unit_test(test_osc_and_strings_removed),
	    cmocka_unit_test(test_other_escapes),
	    cmocka_unit_test(test_c1_controls),
	    cmocka_unit_test(test_c0_and_del),
	    cmocka_unit_test(test_bidi_dropped),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_cut_at_256),
	    cmocka_unit_test(test_small_cap),
	    cmocka_unit_test(test_property_idempotent_and_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
