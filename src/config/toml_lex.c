/* toml_lex.c: the tokens of the TOML subset -- whitespace, comments,
 * strings with escapes, keys, numbers, booleans -- and UTF-8 checking. */
#include "config/toml_lex.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tl_fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->doc->err, sizeof ps->doc->err, fmt, ap);
	va_end(ap);
	ps->doc->err_line = ps->line;
	return -1;
}

/* ---- lexing ---- */

bool tl_at_eol(const struct parser *ps)
{
	return ps->p >= ps->end || *ps->p == '\n' || *ps->p == '\r';
}

void tl_skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

bool tl_is_ctrl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Consumes a newline at p (LF or CRLF). */
int tl_eat_newline(struct parser *ps)
{
	if (ps->p < ps->end && *ps->p == '\r') {
		if (ps->p + 1 >= ps->end || ps->p[1] != '\n')
			return tl_fail(ps, "carriage return not followed by a newline");
		ps->p++;
	}
	if (ps->p < ps->end && *ps->p == '\n') {
		ps->p++;
		ps->line++;
	}
	return 0;
}

int tl_skip_comment(struct parser *ps)
{
	if (ps->p >= ps->end || *ps->p != '#')
		return 0;
	for (ps->p++; ps->p < ps->end && *ps->p != '\n'; ps->p++) {
		unsigned char c = (unsigned char)*ps->p;
		if (c == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n')
			break;
		if (tl_is_ctrl(c))
			return tl_fail(ps, "control character 0x%02x in a comment", c);
	}
	return 0;
}

/* Whitespace, newlines and comments, as allowed inside arrays. */
int tl_skip_ws_nl(struct parser *ps)
{
	for (;;) {
		tl_skip_ws(ps);
		if (tl_skip_comment(ps) < 0)
			return -1;
		if (ps->p >= ps->end || (*ps->p != '\n' && *ps->p != '\r'))
			return 0;
		if (tl_eat_newline(ps) < 0)
			return -1;
	}
}

static void put_utf8(char *out, size_t *n, uint32_t cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xC0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xE0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[(*n)++] = (char)(0xF0 | (cp >> 18));
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A basic ("...") or literal ('...') string at p. The decoded bytes go to
 * out (capacity cap, which must hold every byte of the source string; a
 * decoded string is never longer than its source). */
int tl_lex_string(struct parser *ps, char *out, size_t cap, size_t *outlen)
{
	char q = *ps->p;
	if (ps->end - ps->p >= 3 && ps->p[1] == q && ps->p[2] == q)
		return tl_fail(ps, "multi-line strings are not supported");
	size_t n = 0;
	for (ps->p++;; ps->p++) {
		if (ps->p >= ps->end || *ps->p == '\n' || *ps->p == '\r')
			return tl_fail(ps, "unterminated string");
		unsigned char c = (unsigned char)*ps->p;
		if (c == (unsigned char)q)
			break;
		if (tl_is_ctrl(c))
			return tl_fail(ps, "control character 0x%02x in a string", c);
		if (n + 4 > cap)
			return tl_fail(ps, "string too long");
		if (c != '\\' || q == '\'') {
			out[n++] = (char)c;
			continue;
		}
		if (++ps->p >= ps->end)
			return tl_fail(ps, "unterminated string");
		char e = *ps->p, simple = 0;
		switch (e) {
		case 'b':
			simple = '\b';
			break;
		case 't':
			simple = '\t';
			break;
		case 'n':
			simple = '\n';
			break;
		case 'f':
			simple = '\f';
			break;
		case 'r':
			simple = '\r';
			break;
		case '"':
			simple = '"';
			break;
		case '\\':
			simple = '\\';
			break;
		default:
			break;
		}
		if (simple) {
			out[n++] = simple;
			continue;
		}
		if (e != 'u' && e != 'U') {
			if (tl_is_ctrl((unsigned char)e))
				return tl_fail(ps, "invalid escape sequence in a string");
			return tl_fail(ps, "invalid escape sequence '\\%c'", e);
		}
		int digits = e == 'u' ? 4 : 8;
		uint32_t cp = 0;
		for (int i = 0; i < digits; i++) {
			int h = ++ps->p < ps->end ? hexval(*ps->p) : -1;
			if (h < 0)
				return tl_fail(ps, "'\\%c' needs %d hex digits", e, digits);
			cp = cp << 4 | (uint32_t)h;
		}
		if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return tl_fail(ps,
			               "escape '\\%c%0*" PRIX32 "' is not a Unicode scalar value",
			               e, digits, cp);
		if (cp == 0)
			return tl_fail(ps, "NUL characters in strings are not supported");
		put_utf8(out, &n, cp);
	}
	ps->p++;
	*outlen = n;
	return 0;
}

/* "'x'" for a printable ASCII character, "byte 0xNN" otherwise. */
const char *tl_show_char(char c, char buf[16])
{
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, 16, "'%c'", c);
	else
		snprintf(buf, 16, "byte 0x%02x", (unsigned char)c);
	return buf;
}

static bool is_bare(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* A (possibly dotted) key: bare or quoted components separated by '.'. */
int tl_lex_key(struct parser *ps, struct key_path *kp)
{
	kp->len = 0;
	kp->ncomps = 0;
	for (;;) {
		tl_skip_ws(ps);
		if (kp->ncomps == TOML_MAX_COMPS)
			return tl_fail(ps, "key has too many components");
		if (kp->ncomps)
			kp->buf[kp->len++] = TOML_SEP;
		kp->starts[kp->ncomps++] = kp->len;
		if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\'')) {
			size_t n = 0;
			if (tl_lex_string(ps, kp->buf + kp->len, sizeof kp->buf - kp->len - 1, &n) <
			    0)
				return -1;
			if (memchr(kp->buf + kp->len, TOML_SEP, n))
				return tl_fail(ps, "control character in a key");
			kp->len += n;
		} else {
			const char *s = ps->p;
			char cbuf[16];
			while (ps->p < ps->end && is_bare(*ps->p))
				ps->p++;
			size_t n = (size_t)(ps->p - s);
			if (n == 0) {
				if (tl_at_eol(ps))
					return tl_fail(ps, "expected a key");
				return tl_fail(ps, "invalid character %s in a key",
				               tl_show_char(*ps->p, cbuf));
			}
			if (n + 2 > sizeof kp->buf - kp->len)
				return tl_fail(ps, "key too long");
			memcpy(kp->buf + kp->len, s, n);
			kp->len += n;
		}
		tl_skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '.')
			return 0;
		ps->p++;
	}
}

/* ---- values ---- */

static bool is_delim(char c)
{
	return c == ' ' || c == '\t' || c == ',' || c == ']' || c == '#' || c == '\n' || c == '\r';
}

/* Digits of `base` with single '_' only between two digits; at least one. */
static bool digits_ok(const char *s, size_t n, int base)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '_') {
			if (i == 0 || i + 1 == n || s[i - 1] == '_' || s[i + 1] == '_')
				return false;
			continue;
		}
		int h = hexval(s[i]);
		if (h < 0 || h >= base)
			return false;
	}
	return true;
}

static int lex_integer(struct parser *ps, const char *t, size_t n, struct toml_value *v)
{
	bool neg = false;
	int base = 10;
	size_t i = 0;
	if (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-';
		i = 1;
	}
	if (n - i > 1 && t[i] == '0') {
		if (t[i + 1] != 'x' && t[i + 1] != 'o' && t[i + 1] != 'b')
			return tl_fail(ps, "leading zeros are not allowed in '%.*s'", (int)n, t);
		if (i)
			return tl_fail(ps,
			               "a sign is not allowed on a hex, octal or binary integer");
		base = t[1] == 'x' ? 16 : t[1] == 'o' ? 8 : 2;
		i = 2;
	}
	if (!digits_ok(t + i, n - i, base))
		return tl_fail(ps, "invalid number '%.*s'", (int)n, t);
	uint64_t acc = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (t[i] == '_')
			continue;
		uint64_t dgt = (uint64_t)hexval(t[i]);
		if (acc > (lim - dgt) / (uint64_t)base)
			return tl_fail(ps, "integer '%.*s' does not fit in 64 bits", (int)n, t);
		acc = acc * (uint64_t)base + dgt;
	}
	v->kind = TOML_INT;
	v->u.i = neg ? (acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc) : (int64_t)acc;
	return 0;
}

locale_t toml_c_locale(void)
{
	static locale_t loc;
	if (!loc) {
		loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
		if (!loc) {
			fputs("vramtop: cannot create the C locale\n", stderr);
			abort();
		}
	}
	return loc;
}

char *toml_format_float(char *buf, size_t cap, double x)
{
	if (isnan(x)) {
		snprintf(buf, cap, "nan");
		return buf;
	}
	if (isinf(x)) {
		snprintf(buf, cap, x < 0 ? "-inf" : "inf");
		return buf;
	}
	locale_t old = uselocale(toml_c_locale());
	/* plain decimals where they read well, else the shortest exponent form */
	bool plain = fabs(x) >= 1e-4 && fabs(x) < 1e15;
	for (int prec = plain ? 0 : 1; prec <= (plain ? 20 : 17); prec++) {
		snprintf(buf, cap, plain ? "%.*f" : "%.*g", prec, x);
		if (strtod_l(buf, NULL, toml_c_locale()) == x)
			break;
	}
	uselocale(old);
	if (!strpbrk(buf, ".en")) {
		size_t n = strlen(buf);
		if (n + 3 <= cap)
			memcpy(buf + n, ".0", 3);
	}
	return buf;
}

static int lex_float(struct parser *ps, const char *t, size_t n, struct toml_value *v)
{
	size_t i = (t[0] == '+' || t[0] == '-') ? 1 : 0;
	v->kind = TOML_FLOAT;
	if (n - i == 3 && (memcmp(t + i, "inf", 3) == 0 || memcmp(t + i, "nan", 3) == 0)) {
		double x = t[i] == 'i' ? INFINITY : NAN;
		v->u.f = t[0] == '-' ? -x : x;
		return 0;
	}
	/* int part, optional .frac, optional e[sign]exp; at least one of the two */
	size_t ie = i;
	while (ie < n && t[ie] != '.' && t[ie] != 'e' && t[ie] != 'E')
		ie++;
	bool ok = digits_ok(t + i, ie - i, 10) && !(ie - i > 1 && t[i] == '0');
	size_t k = ie;
	if (ok && k < n && t[k] == '.') {
		size_t fs = ++k;
		while (k < n && t[k] != 'e' && t[k] != 'E')
			k++;
		ok = digits_ok(t + fs, k - fs, 10);
	}
	if (ok && k < n) { /* exponent */
		size_t es = ++k;
		if (es < n && (t[es] == '+' || t[es] == '-'))
			es++;
		ok = digits_ok(t + es, n - es, 10);
	}
	char clean[128];
	size_t m = 0;
	for (size_t j = 0; ok && j < n; j++) {
		if (t[j] == '_')
			continue;
		if (m + 1 >= sizeof clean)
			return tl_fail(ps, "number '%.*s' is too long", (int)n, t);
		clean[m++] = t[j];
	}
	if (!ok)
		return tl_fail(ps, "invalid number '%.*s'", (int)n, t);
	clean[m] = '\0';
	char *endp;
	errno = 0;
	double x = strtod_l(clean, &endp, toml_c_locale());
	if (endp != clean + m)
		return tl_fail(ps, "invalid number '%.*s'", (int)n, t);
	if (errno == ERANGE && isinf(x))
		return tl_fail(ps, "float '%.*s' is out of range", (int)n, t);
	v->u.f = x;
	return 0;
}

int tl_lex_scalar(struct parser *ps, struct toml_value *v)
{
	const char *t = ps->p;
	while (ps->p < ps->end && !is_delim(*ps->p))
		ps->p++;
	size_t n = (size_t)(ps->p - t);
	if (n == 4 && memcmp(t, "true", 4) == 0) {
		v->kind = TOML_BOOL;
		v->u.b = true;
		return 0;
	}
	if (n == 5 && memcmp(t, "false", 5) == 0) {
		v->kind = TOML_BOOL;
		v->u.b = false;
		return 0;
	}
	if (n == 0)
		return tl_fail(ps, "expected a value");
	int shown = n > 40 ? 40 : (int)n;
	for (size_t i = 0; i < n; i++)
		if (tl_is_ctrl((unsigned char)t[i]) || (unsigned char)t[i] >= 0x80 || t[i] == '"' ||
		    t[i] == '\'' || t[i] == '{' || t[i] == '[' || t[i] == '=')
			return tl_fail(ps, "invalid value (strings need quotes)");
	if (!(t[0] == '+' || t[0] == '-' || (t[0] >= '0' && t[0] <= '9') || t[0] == 'i' ||
	      t[0] == 'n'))
		return tl_fail(ps, "invalid value '%.*s' (strings need quotes)", shown, t);
	if (n >= 5 && t[0] >= '0' && t[0] <= '9' && (t[2] == ':' || t[4] == '-'))
		return tl_fail(ps, "dates and times are not supported");
	bool is_float = false;
	bool hex = n > 2 && t[0] == '0' && t[1] == 'x';
	for (size_t i = 0; i < n; i++)
		if (t[i] == '.' || ((t[i] == 'e' || t[i] == 'E') && !hex) || t[i] == 'i' ||
		    t[i] == 'n')
			is_float = true;
	return is_float ? lex_float(ps, t, n, v) : lex_integer(ps, t, n, v);
}

/* Returns the line of the first invalid UTF-8 byte, or 0 if all is valid. */
int tl_utf8_check(const char *s, size_t n)
{
	int line = 1;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			line++;
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		if (c < 0xC2 || c > 0xF4 || i + len > n)
			return line;
		uint32_t cp = c & (0x7F >> len);
		for (size_t k = 1; k < len; k++) {
			unsigned char cc = (unsigned char)s[i + k];
			if ((cc & 0xC0) != 0x80)
				return line;
			cp = cp << 6 | (cc & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return line;
		i += len;
	}
	return 0;
}
