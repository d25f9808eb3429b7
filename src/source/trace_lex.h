/* trace_lex.h: a bounded, validating JSON tokenizer for the trace reader
 * (private to src/source/trace*.c). It walks one line in place, never reads
 * past `end`, needs no NUL terminator and does not allocate. Values the schema
 * does not know are skipped with full validation and a nesting limit. */
#ifndef VT_TRACE_LEX_H
#define VT_TRACE_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LEX_MAX_DEPTH 64 /* nesting accepted inside skipped values */

struct lex {
	const char *p, *start, *end;
	char *err; /* the first error wins; "col N: message" */
	size_t errlen;
	bool failed;
	char keybuf[64]; /* a key that needed unescaping */
};

/* A parsed JSON number: exact integer when it has one, the double always. */
struct lex_num {
	const char *at; /* where it starts, for error columns */
	bool neg;
	bool is_int; /* written without fraction or exponent, fits in u */
	uint64_t u;  /* magnitude when is_int */
	double d;
};

void lex_init(struct lex *x, const char *line, size_t len, char *err, size_t errlen);
/* Records the first error and returns -1. */
int lex_fail(struct lex *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void lex_ws(struct lex *x)
{
	while (x->p < x->end && (unsigned char)*x->p <= ' ' &&
	       (*x->p == ' ' || *x->p == '\t' || *x->p == '\r' || *x->p == '\n'))
		x->p++;
}

/* Next non-space byte, 0 at the end of input; does not consume. */
static inline char lex_peek(struct lex *x)
{
	lex_ws(x);
	return x->p < x->end ? *x->p : 0;
}
int lex_expect(struct lex *x, char c);
/* Eight bytes at a time (SWAR) on little-endian machines; others take the
 * byte loops. A byte of 8 loaded from p is byte i of the word's bits
 * [8i, 8i + 8). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LEX_SWAR 0
#define LEX_ONES UINT64_C(0x0101010101010101)
#define LEX_HIGH UINT64_C(0x8080808080808080)

static inline uint64_t lex_load8(const char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* The index (0-8) of the first byte of m whose high bit is set. */
static inline unsigned lex_first_flag(uint64_t m)
{
	return m ? (unsigned)__builtin_ctzll(m) / 8 : 8;
}

/* How many of the word's bytes, from the first, are ASCII digits. A byte
 * after the first non-digit may be misjudged (a carry), which is harmless. */
static inline unsigned lex_digit_run(uint64_t v)
{
	uint64_t t = ((v & UINT64_C(0xF0F0F0F0F0F0F0F0)) ^ 0x30 * LEX_ONES) |
	             (((v + 0x06 * LEX_ONES) & UINT64_C(0xF0F0F0F0F0F0F0F0)) ^ 0x30 * LEX_ONES);
	/* nonzero bytes of t: not digits; their high bits */
	return lex_first_flag((((t & 0x7F * LEX_ONES) + 0x7F * LEX_ONES) | t) & LEX_HIGH);
}

/* The value of the word's first d digits, 1 <= d <= 8 (lex_digit_run). */
static inline uint64_t lex_digits_value(uint64_t v, unsigned d)
{
	/* the digits' values, moved up to the top so that zeros lead; borrows
	 * from the bytes after them go out with those */
	v = (v - 0x30 * LEX_ONES) << (8 * (8 - d));
	v = v * 10 + (v >> 8); /* pairs in the even bytes */
	return ((v & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32)) +
	        ((v >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32))) >>
	       32;
}

/* The index (0-8) of the first byte that ends a plain key: '"', '\\' or a
 * control character. */
static inline unsigned lex_key_end(uint64_t v)
{
	uint64_t q = v ^ 0x22 * LEX_ONES, b = v ^ 0x5C * LEX_ONES;
	uint64_t m = ((q - LEX_ONES) & ~q) | ((b - LEX_ONES) & ~b) | ((v - 0x20 * LEX_ONES) & ~v);
	return lex_first_flag(m & LEX_HIGH);
}
#else
#define LEX_SWAR 0
#endif

/* A plain unsigned integer -- 1 to 19 digits, no sign, no leading zero, not
 * followed by a fraction, an exponent or a 20th digit -- after optional
 * whitespace: true with *v set and it consumed; false with nothing consumed
 * for anything else (lex_number reads all of JSON's numbers). Trace files are
 * mostly such integers; this is lex_number's fast path without its
 * bookkeeping. */
static inline bool lex_uint_fast(struct lex *x, uint64_t *v)
{
	const char *p = x->p, *end = x->end;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	const char *s = p;
	uint64_t r = 0;
#if LEX_SWAR
	static const uint64_t pow10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
	                                  100000000};
	while (end - p >= 8 && p - s < 16) {
		uint64_t w = lex_load8(p);
		unsigned d = lex_digit_run(w);
		if (d == 0)
			break;
		r = r * pow10[d] + lex_digits_value(w, d);
		p += d;
		if (d < 8)
			break;
	}
#endif
	while (p < end && p - s < 19 && (unsigned)(*p - '0') <= 9)
		r = r * 10 + (uint64_t)(*p++ - '0');
	if (p == s || (*s == '0' && p - s > 1))
		return false;
	if (p < end && ((unsigned)(*p - '0') <= 9 || *p == '.' || *p == 'e' || *p == 'E'))
		return false;
	x->p = p;
	*v = r;
	return true;
}

bool lex_at_end(struct lex *x);

/* Member iteration: call with *first = true right after '{' was consumed.
 * Returns 1 with the key (not NUL-terminated, valid until the next call) and
 * the ':' consumed, 0 after the closing '}', -1 on error. */
int lex_member(struct lex *x, bool *first, const char **key, size_t *klen);
/* Element iteration after '[': 1 when an element follows, 0 after ']'. */
int lex_element(struct lex *x, bool *first);

/* A string value, unescaped; at most cap-1 bytes are stored in dst (cut
 * anywhere: the caller sanitises), the rest is validated and skipped.
 * dst may be NULL with cap 0. *len gets the stored length. */
int lex_string(struct lex *x, char *dst, size_t cap, size_t *len);
/* A string without escapes, as a pointer into the line: 1 with *s and *len
 * set and the string consumed; 0 (nothing consumed) when it has escapes or
 * is malformed -- use lex_string then; -1 when no string is next. */
int lex_string_ref(struct lex *x, const char **s, size_t *len);
int lex_number(struct lex *x, struct lex_num *n);
/* true/false; -1 for anything else. */
int lex_bool(struct lex *x, bool *v);
/* Consumes a null literal if one is next; returns true if it did. */
bool lex_null(struct lex *x);
/* Skips any value (validated), nesting at most LEX_MAX_DEPTH. */
int lex_skip(struct lex *x);

#endif
