/* trace_lex.c: bounded, validating JSON tokenizer for trace lines (see trace_lex.h). */
#include "source/trace_lex.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lex_init(struct lex *x, const char *line, size_t len, char *err, size_t errlen)
{
	x->p = x->start = line;
	x->end = line + len;
	x->err = err;
	x->errlen = errlen;
	x->failed = false;
	if (err && errlen)
		err[0] = '\0';
}

int lex_fail(struct lex *x, const char *fmt, ...)
{
	if (x->failed)
		return -1;
	x->failed = true;
	if (!x->err || !x->errlen)
		return -1;
	int n = snprintf(x->err, x->errlen, "col %zu: ", (size_t)(x->p - x->start) + 1);
	if (n >= 0 && (size_t)n < x->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

bool lex_at_end(struct lex *x)
{
	lex_ws(x);
	return x->p == x->end;
}

int lex_expect(struct lex *x, char c)
{
	if (lex_peek(x) != c) {
		if (x->p == x->end)
			return lex_fail(x, "expected '%c', line ends", c);
		return lex_fail(x, "expected '%c'", c);
	}
	x->p++;
	return 0;
}

/* Stores k bytes unless the buffer is full; once a piece did not fit nothing
 * more is stored, so the text is a prefix of the string. */
static void store(char *dst, size_t cap, size_t *n, bool *full, const char *s, size_t k)
{
	if (*full || !dst)
		return;
	if (*n + k + 1 > cap) {
		*full = true;
		return;
	}
	memcpy(dst + *n, s, k);
	*n += k;
}

/* Plain bytes: as many as fit, cut before a UTF-8 continuation byte. */
static void store_run(char *dst, size_t cap, size_t *n, bool *full, const char *s, size_t k)
{
	if (*full || !dst)
		return;
	size_t room = cap - 1 - *n;
	if (k > room) {
		k = room;
		while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
		*full = true;
	}
	memcpy(dst + *n, s, k);
	*n += k;
}

static int hex4(struct lex *x, unsigned *v)
{
	if (x->end - x->p < 4)
		return lex_fail(x, "truncated \\u escape");
	unsigned r = 0;
	for (int i = 0; i < 4; i++) {
		char c = x->p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return lex_fail(x, "bad \\u escape");
		r = r * 16 + d;
	}
	x->p += 4;
	*v = r;
	return 0;
}

static size_t utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static int escape(struct lex *x, char *dst, size_t cap, size_t *n, bool *full)
{
	x->p++; /* the backslash */
	if (x->p >= x->end)
		return lex_fail(x, "truncated escape");
	char c = *x->p++, o[4];
	switch (c) {
	case '"':
	case '\\':
	case '/':
		o[0] = c;
		break;
	case 'b':
		o[0] = '\b';
		break;
	case 'f':
		o[0] = '\f';
		break;
	case 'n':
		o[0] = '\n';
		break;
	case 'r':
		o[0] = '\r';
		break;
	case 't':
		o[0] = '\t';
		break;
	case 'u': {
		unsigned cp = 0, lo = 0;
		if (hex4(x, &cp) < 0)
			return -1;
		if (cp >= 0xD800 && cp <= 0xDBFF && x->end - x->p >= 6 && x->p[0] == '\\' &&
		    x->p[1] == 'u') {
			const char *save = x->p;
			x->p += 2;
			if (hex4(x, &lo) < 0)
				return -1;
			if (lo >= 0xDC00 && lo <= 0xDFFF)
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			else
				x->p = save; /* lone high surrogate; the next escape stands alone */
		}
		if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = 0xFFFD; /* unpaired surrogate */
		store(dst, cap, n, full, o, utf8_put(o, cp));
		return 0;
	}
	default:
		x->p--;
		return lex_fail(x, "bad escape '\\%c'", c >= 0x20 && c < 0x7f ? c : '?');
	}
	store(dst, cap, n, full, o, 1);
	return 0;
}

int lex_string_ref(struct lex *x, const char **s, size_t *len)
{
	if (lex_peek(x) != '"')
		return lex_fail(x, "expected a string");
	const char *q = x->p + 1;
	while (q < x->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
		q++;
	if (q < x->end && *q == '"') {
		*s = x->p + 1;
		*len = (size_t)(q - *s);
		x->p = q + 1;
		return 1;
	}
	return 0;
}

int lex_string(struct lex *x, char *dst, size_t cap, size_t *len)
{
	size_t n = 0;
	bool full = false;
	if (lex_peek(x) != '"')
		return lex_fail(x, "expected a string");
	x->p++;
	for (;;) {
		const char *run = x->p;
		while (x->p < x->end && *x->p != '"' && *x->p != '\\' &&
		       (unsigned char)*x->p >= 0x20)
			x->p++;
		store_run(dst, cap, &n, &full, run, (size_t)(x->p - run));
		if (x->p >= x->end)
			return lex_fail(x, "unterminated string");
		if (*x->p == '"') {
			x->p++;
			break;
		}
		if (*x->p != '\\')
			return lex_fail(x, "control character in string");
		if (escape(x, dst, cap, &n, &full) < 0)
			return -1;
	}
	if (dst && cap)
		dst[n] = '\0';
	if (len)
		*len = n;
	return 0;
}

static double pow10_small(int e)
{
	static const double p[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
	                           1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	                           1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	return p[e];
}

/* Slow path: the C library, in the C locale whatever the program's LC_NUMERIC. */
static double parse_double_c(const char *s, size_t n)
{
	static locale_t cloc;
	char buf[512]; /* the longest %f of a double is about 330 characters */
	if (n >= sizeof(buf))
		return NAN;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!cloc)
		cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!cloc)
		return NAN;
	return strtod_l(buf, NULL, cloc);
}

int lex_number(struct lex *x, struct lex_num *num)
{
	const char *s = (lex_ws(x), x->p);
	uint64_t ip = 0, m = 0; /* integer part exactly; significant digits */
	int sig = 0, e10 = 0;
	bool ovf = false, frac = false, expo = false, inexact = false;
	num->at = s;
	num->neg = false;
	/* fast path: a plain non-negative integer of at most 19 digits */
	if (lex_uint_fast(x, &ip)) {
		num->is_int = true;
		num->u = ip;
		num->d = (double)ip;
		return 0;
	}
	if (x->p < x->end && *x->p == '-') {
		num->neg = true;
		x->p++;
	}
	if (x->p >= x->end || *x->p < '0' || *x->p > '9')
		return lex_fail(x, "expected a number");
	if (*x->p == '0') {
		x->p++;
	} else {
		while (x->p < x->end && *x->p >= '0' && *x->p <= '9') {
			unsigned d = (unsigned)(*x->p++ - '0');
			if (ip > (UINT64_MAX - d) / 10)
				ovf = true;
			else
				ip = ip * 10 + d;
			if (sig < 19) {
				m = m * 10 + d;
				sig++;
			} else {
				e10++;
				inexact |= d != 0;
			}
		}
	}
	if (x->p < x->end && *x->p == '.') {
		frac = true;
		x->p++;
		if (x->p >= x->end || *x->p < '0' || *x->p > '9')
			return lex_fail(x, "digit expected after '.'");
		while (x->p < x->end && *x->p >= '0' && *x->p <= '9') {
			unsigned d = (unsigned)(*x->p++ - '0');
			if (sig < 19 && (m || d)) {
				m = m * 10 + d;
				sig++;
				e10--;
			} else if (!m && !d) {
				e10--;
			} else {
				inexact |= d != 0;
			}
		}
	}
	if (x->p < x->end && (*x->p == 'e' || *x->p == 'E')) {
		int es = 1, ev = 0;
		expo = true;
		x->p++;
		if (x->p < x->end && (*x->p == '+' || *x->p == '-'))
			es = *x->p++ == '-' ? -1 : 1;
		if (x->p >= x->end || *x->p < '0' || *x->p > '9')
			return lex_fail(x, "digit expected in exponent");
		while (x->p < x->end && *x->p >= '0' && *x->p <= '9') {
			if (ev < 100000)
				ev = ev * 10 + (*x->p - '0');
			x->p++;
		}
		e10 += es * ev;
	}
	num->is_int = !frac && !expo && !ovf;
	num->u = ip;
	if (m == 0)
		num->d = 0.0;
	else if (!inexact && m <= (UINT64_C(1) << 53) && e10 >= -22 && e10 <= 22)
		num->d = e10 < 0 ? (double)m / pow10_small(-e10) : (double)m * pow10_small(e10);
	else
		num->d = fabs(parse_double_c(s, (size_t)(x->p - s)));
	if (num->neg)
		num->d = -num->d;
	return 0;
}

static int literal(struct lex *x, const char *w, size_t n)
{
	if ((size_t)(x->end - x->p) < n || memcmp(x->p, w, n) != 0)
		return lex_fail(x, "unexpected character");
	x->p += n;
	return 0;
}

int lex_bool(struct lex *x, bool *v)
{
	char c = lex_peek(x);
	if (c == 't' && literal(x, "true", 4) == 0) {
		*v = true;
		return 0;
	}
	if (c == 'f' && literal(x, "false", 5) == 0) {
		*v = false;
		return 0;
	}
	return lex_fail(x, "expected true or false");
}

bool lex_null(struct lex *x)
{
	if (lex_peek(x) == 'n' && (size_t)(x->end - x->p) >= 4 && memcmp(x->p, "null", 4) == 0) {
		x->p += 4;
		return true;
	}
	return false;
}

/* Bytes that end a plain key: a quote, a backslash, a control character. */
/* clang-format off */
static const unsigned char key_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x22] = 1,
    [0x5C] = 1,
};
/* clang-format on */

int lex_member(struct lex *x, bool *first, const char **key, size_t *klen)
{
	/* fast path, the way writers space it: [,][ ]"plain key"[ ]: or [ ]} --
	 * anything else (other whitespace, escapes, the line's end near) is the
	 * general path's, from where this one started */
	const char *p = x->p, *end = x->end;
	if (end - p >= 8) {
		p += *p == ' ';
		if (*p == '}') {
			x->p = p + 1;
			return 0;
		}
		if (!*first) {
			if (*p != ',')
				goto general;
			p++;
			p += *p == ' ';
		}
		if (*p != '"')
			goto general;
		const char *k = ++p;
		while (p < end && !key_stop[(unsigned char)*p])
			p++;
		if (p >= end || *p != '"')
			goto general;
		size_t kl = (size_t)(p - k);
		p++;
		if (p < end && *p == ' ')
			p++;
		if (p >= end || *p != ':')
			goto general;
		x->p = p + 1;
		*first = false;
		*key = k;
		*klen = kl;
		return 1;
	}
general:;
	char c = lex_peek(x);
	if (c == '}' && *first) {
		x->p++;
		return 0;
	}
	if (!*first) {
		if (c == '}') {
			x->p++;
			return 0;
		}
		if (c != ',')
			return lex_fail(x,
			                c ? "expected ',' or '}'" : "line ends inside an object");
		x->p++;
		c = lex_peek(x);
	}
	*first = false;
	if (c != '"')
		return lex_fail(x, "expected a member name");
	const char *k = x->p + 1, *q = k;
	while (q < x->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
		q++;
	if (q < x->end && *q == '"') {
		*key = k;
		*klen = (size_t)(q - k);
		x->p = q + 1;
	} else {
		if (lex_string(x, x->keybuf, sizeof(x->keybuf), klen) < 0)
			return -1;
		*key = x->keybuf;
	}
	return lex_expect(x, ':') < 0 ? -1 : 1;
}

int lex_element(struct lex *x, bool *first)
{
	char c = lex_peek(x);
	if (c == ']' && *first) {
		x->p++;
		return 0;
	}
	if (!*first) {
		if (c == ']') {
			x->p++;
			return 0;
		}
		if (c != ',')
			return lex_fail(x, c ? "expected ',' or ']'" : "line ends inside an array");
		x->p++;
	}
	*first = false;
	return 1;
}

static int skip_depth(struct lex *x, int depth)
{
	struct lex_num num;
	const char *k;
	size_t kl;
	bool first = true, b;
	int r;
	switch (lex_peek(x)) {
	case '{':
	case '[':
		if (depth >= LEX_MAX_DEPTH)
			return lex_fail(x, "nesting deeper than %d", LEX_MAX_DEPTH);
		if (*x->p++ == '{') {
			while ((r = lex_member(x, &first, &k, &kl)) == 1)
				if (skip_depth(x, depth + 1) < 0)
					return -1;
		} else {
			while ((r = lex_element(x, &first)) == 1)
				if (skip_depth(x, depth + 1) < 0)
					return -1;
		}
		return r;
	case '"':
		return lex_string(x, NULL, 0, NULL);
	case 't':
	case 'f':
		return lex_bool(x, &b);
	case 'n':
		return lex_null(x) ? 0 : lex_fail(x, "unexpected character");
	case 0:
		return lex_fail(x, "value expected, line ends");
	default:
		return lex_number(x, &num);
	}
}

int lex_skip(struct lex *x)
{
	return skip_depth(x, 0);
}
