/* prom.c: the strict Prometheus text-format parser. */
#include "enrich/prom.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* Valid UTF-8 without control characters (tab allowed), in [p, end). */
static bool text_ok(const unsigned char *p, const unsigned char *end)
{
	while (p < end) {
		unsigned c = *p;
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return false;
			p++;
			continue;
		}
		int n = -1;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3;
		if (n < 0 || end - p <= n)
			return false;
		uint32_t cp = c & (0x3f >> n);
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0x80 && cp < 0xa0))
			return false;
		p += n + 1;
	}
	return true;
}

/* A label set "{a="x",b="y"}" from *p (at '{'); *p moves past '}'. */
static bool parse_labels(const char **pp, const char *end)
{
	const char *p = *pp + 1;
	for (;;) {
		if (p < end && *p == '}')
			break;
		if (p >= end || !name_start(*p) || *p == ':')
			return false;
		while (p < end && name_char(*p) && *p != ':')
			p++;
		if (p >= end || *p++ != '=' || p >= end || *p++ != '"')
			return false;
		while (p < end && *p != '"') {
			if (*p == '\\') {
				if (p + 1 >= end || (p[1] != '\\' && p[1] != '"' && p[1] != 'n'))
					return false;
				p++;
			}
			p++;
		}
		if (p >= end)
			return false;
		p++; /* the closing quote */
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}')
			break;
		return false;
	}
	*pp = p + 1;
	return true;
}

static bool parse_value(const char *s, size_t n, double *out)
{
	char buf[64];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!strcmp(buf, "NaN")) {
		*out = NAN;
		return true;
	}
	if (!strcmp(buf, "+Inf") || !strcmp(buf, "Inf")) {
		*out = INFINITY;
		return true;
	}
	if (!strcmp(buf, "-Inf")) {
		*out = -INFINITY;
		return true;
	}
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789+-.eE", buf[i]))
			return false; /* no hex, no "nan"/"inf" spellings strtod takes */
	char *e;
	*out = strtod(buf, &e);
	return *e == '\0';
}

static bool parse_ts(const char *s, size_t n)
{
	size_t i = s[0] == '-' ? 1 : 0;
	if (i == n || n > 20)
		return false;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* One sample line [p, eol). */
static const char *parse_sample(const char *p, const char *eol, struct prom_sample *s)
{
	if (!name_start(*p))
		return "a metric name must start the line";
	s->name = p;
	while (p < eol && name_char(*p))
		p++;
	s->name_len = (size_t)(p - s->name);
	s->labels = "";
	s->labels_len = 0;
	if (p < eol && *p == '{') {
		const char *l = p;
		if (!parse_labels(&p, eol))
			return "malformed labels";
		s->labels = l + 1;
		s->labels_len = (size_t)(p - l - 2);
	}
	if (p >= eol || (*p != ' ' && *p != '\t'))
		return "no value after the name";
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	const char *v = p;
	while (p < eol && *p != ' ' && *p != '\t')
		p++;
	if (!parse_value(v, (size_t)(p - v), &s->value))
		return "the value is not a number";
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	if (p < eol) {
		const char *t = p;
		while (p < eol && *p != ' ' && *p != '\t')
			p++;
		if (!parse_ts(t, (size_t)(p - t)))
			return "the timestamp is not an integer";
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (p < eol)
			return "trailing text after the timestamp";
	}
	return NULL;
}

size_t prom_parse(const char *buf, size_t len, prom_fn fn, void *arg, char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len;
	size_t line = 0;
	if (errlen)
		err[0] = '\0';
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *why = NULL;
		line++;
		if (eol > p && eol[-1] == '\r')
			why = "a carriage return"; /* the format is \n only */
		else if (!text_ok((const unsigned char *)p, (const unsigned char *)eol))
			why = "invalid UTF-8 or a control character";
		if (!why && eol > p && *p != '#') {
			struct prom_sample s;
			why = parse_sample(p, eol, &s);
			if (!why && fn && !fn(&s, arg))
				return 0;
		}
		if (why) {
			if (errlen)
				snprintf(err, errlen, "line %zu: %s", line, why);
			return line;
		}
		p = eol + 1;
	}
	return 0;
}

bool prom_is(const struct prom_sample *s, const char *name)
{
	return s->name_len == strlen(name) && memcmp(s->name, name, s->name_len) == 0;
}

bool prom_label(const struct prom_sample *s, const char *key, char *out, size_t cap)
{
	const char *p = s->labels, *end = s->labels + s->labels_len;
	size_t klen = strlen(key);
	while (p < end) {
		const char *k = p;
		while (p < end && *p != '=')
			p++;
		bool match = (size_t)(p - k) == klen && memcmp(k, key, klen) == 0;
		p += 2; /* =" */
		size_t o = 0;
		while (p < end && *p != '"') {
			char c = *p;
			if (c == '\\') {
				p++;
				c = *p == 'n' ? '\n' : *p;
			}
			if (match && o + 1 < cap)
				out[o++] = c;
			p++;
		}
		p++; /* the closing quote */
		if (match) {
			out[o] = '\0';
			return true;
		}
		if (p < end && *p == ',')
			p++;
	}
	return false;
}
