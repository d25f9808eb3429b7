/* trace_lex.h: a bounded, validating JSON tokenizer for the trace reader
 * (private to src/source/trace*.c). It walks one line in place, never reads
 * past `end`, needs no NUL terminator and does not allocate. Values the schema
 * does not know are skipped with full validation and a nesting limit. */
#ifndef VT_TRACE_LEX_H
#define VT_TRACE_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
	size_t lim = (size_t)(end - p) < 19 ? (size_t)(end - p) : 19, i = 0;
	for (; i < lim; i++) {
		unsigned d = (unsigned)(p[i] - '0');
		if (d > 9)
			break;
		r = r * 10 + d;
	}
	p += i;
	if (i == 0 || (*s == '0' && i > 1))
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
