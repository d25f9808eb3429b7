/* jsonw.c: streaming JSON writer (see jsonw.h). */
#include "core/jsonw.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void jsonw_init(struct jsonw *w)
{
	memset(w, 0, sizeof(*w));
}

void jsonw_reset(struct jsonw *w)
{
	w->len = 0;
	if (w->buf)
		w->buf[0] = '\0';
	w->depth = 0;
	w->after_key = false;
	w->bad = false;
	w->need_comma[0] = false;
}

void jsonw_free(struct jsonw *w)
{
	free(w->buf);
	jsonw_init(w);
}

bool jsonw_ok(const struct jsonw *w)
{
	return !w->bad;
}

/* Room for n more bytes plus the NUL. */
static void reserve(struct jsonw *w, size_t n)
{
	xgrow(&w->buf, &w->cap, w->len + n + 1, 256);
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void putc1(struct jsonw *w, char c)
{
	reserve(w, 1);
	w->buf[w->len++] = c;
	w->buf[w->len] = '\0';
}

/* Separator before any value or key at the current level. */
static void before_value(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	int d = w->depth <= JSONW_MAX_DEPTH ? w->depth : JSONW_MAX_DEPTH;
	if (w->need_comma[d])
		putc1(w, ',');
	w->need_comma[d] = true;
}

static void open_level(struct jsonw *w, char c)
{
	before_value(w);
	putc1(w, c);
	w->depth++;
	if (w->depth > JSONW_MAX_DEPTH)
		w->bad = true;
	else
		w->need_comma[w->depth] = false;
}

static void close_level(struct jsonw *w, char c)
{
	if (w->depth <= 0 || w->after_key)
		w->bad = true;
	else
		w->depth--;
	w->after_key = false;
	putc1(w, c);
}

void jsonw_obj_begin(struct jsonw *w)
{
	open_level(w, '{');
}

void jsonw_obj_end(struct jsonw *w)
{
	close_level(w, '}');
}

void jsonw_arr_begin(struct jsonw *w)
{
	open_level(w, '[');
}

void jsonw_arr_end(struct jsonw *w)
{
	close_level(w, ']');
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is invalid
 * (overlong forms, surrogates and code points past U+10FFFF are invalid). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char b = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t k;
	if (b >= 0xC2 && b <= 0xDF)
		k = 2;
	else if (b >= 0xE0 && b <= 0xEF) {
		k = 3;
		if (b == 0xE0)
			lo = 0xA0;
		else if (b == 0xED)
			hi = 0x9F;
	} else if (b >= 0xF0 && b <= 0xF4) {
		k = 4;
		if (b == 0xF0)
			lo = 0x90;
		else if (b == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return k;
}

static void put_escaped(struct jsonw *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	putc1(w, '"');
	while (i < n) {
		size_t run = i;
		while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (run > i) {
			put(w, str + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = s[i];
		if (c >= 0x80) {
			size_t k = utf8_seq(s + i, n - i);
			if (k == 0) {
				put(w, "\xEF\xBF\xBD", 3); /* U+FFFD for a bad byte */
				i++;
			} else if (k == 3 && c == 0xE2 && s[i + 1] == 0x80 &&
			           (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
				/* U+2028/2029: valid JSON, but escaped for JavaScript */
				put(w, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
				i += 3;
			} else {
				put(w, str + i, k);
				i += k;
			}
			continue;
		}
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
		switch (c) {
		case '"':
			put(w, "\\\"", 2);
			break;
		case '\\':
			put(w, "\\\\", 2);
			break;
		case '\n':
			put(w, "\\n", 2);
			break;
		case '\r':
			put(w, "\\r", 2);
			break;
		case '\t':
			put(w, "\\t", 2);
			break;
		default:
			put(w, esc, sizeof(esc));
			break;
		}
		i++;
	}
	putc1(w, '"');
}

void jsonw_key(struct jsonw *w, const char *k)
{
	if (w->after_key)
		w->bad = true; /* two keys in a row */
	w->after_key = false;
	before_value(w);
	put_escaped(w, k, strlen(k));
	putc1(w, ':');
	w->after_key = true;
}

void jsonw_strn(struct jsonw *w, const char *s, size_t n)
{
	before_value(w);
	put_escaped(w, s, n);
}

void jsonw_str(struct jsonw *w, const char *s)
{
	jsonw_strn(w, s ? s : "", s ? strlen(s) : 0);
}

void jsonw_u64(struct jsonw *w, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	before_value(w);
	put(w, tmp + i, sizeof(tmp) - i);
}

void jsonw_i64(struct jsonw *w, int64_t v)
{
	if (v >= 0) {
		jsonw_u64(w, (uint64_t)v);
		return;
	}
	char tmp[24];
	size_t i = sizeof(tmp);
	uint64_t m = (uint64_t)0 - (uint64_t)v; /* well-defined for INT64_MIN */
	do {
		tmp[--i] = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	tmp[--i] = '-';
	before_value(w);
	put(w, tmp + i, sizeof(tmp) - i);
}

void jsonw_double(struct jsonw *w, double v, int decimals)
{
	if (!isfinite(v)) {
		jsonw_null(w);
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 17)
		decimals = 17;
	char tmp[400]; /* DBL_MAX in %f is 309 digits plus decimals */
	int n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	if (n <= 0 || (size_t)n >= sizeof(tmp)) {
		jsonw_null(w);
		return;
	}
	/* LC_NUMERIC may use a decimal comma once the UI calls setlocale() */
	for (int i = 0; i < n; i++)
		if ((tmp[i] < '0' || tmp[i] > '9') && tmp[i] != '-')
			tmp[i] = '.';
	before_value(w);
	put(w, tmp, (size_t)n);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	before_value(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jsonw_null(struct jsonw *w)
{
	before_value(w);
	put(w, "null", 4);
}

void jsonw_raw(struct jsonw *w, const char *json)
{
	before_value(w);
	put(w, json, strlen(json));
}

void jsonw_newline(struct jsonw *w)
{
	putc1(w, '\n');
}
