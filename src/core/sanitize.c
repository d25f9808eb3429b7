/* sanitize.c: strip escape sequences and controls, repair UTF-8, cut safely. */
#include "core/sanitize.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* One decoded unit of input: a valid character, a maximal invalid subpart, or
 * a raw 8-bit C1 control byte (0x80-0x9F where a character should start). */
enum unit_kind {
	UNIT_CHAR,
	UNIT_INVALID,
	UNIT_RAW_C1,
};

struct unit {
	enum unit_kind kind;
	uint32_t cp; /* the code point (UNIT_CHAR) or the byte (UNIT_RAW_C1) */
	size_t len;  /* bytes consumed, >= 1 */
};

static bool in_range(unsigned char c, unsigned char lo, unsigned char hi)
{
	return c >= lo && c <= hi;
}

/* Decodes the unit at s (n >= 1 bytes available), following the well-formed
 * byte sequences table of the Unicode standard (table 3-7). */
static struct unit unit_next(const unsigned char *s, size_t n)
{
	struct unit u = {UNIT_INVALID, 0, 1};
	unsigned char b = s[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */

	if (b < 0x80) {
		u.kind = UNIT_CHAR;
		u.cp = b;
		return u;
	}
	if (b <= 0x9F) {
		u.kind = UNIT_RAW_C1;
		u.cp = b;
		return u;
	}
	if (b < 0xC2 || b > 0xF4)
		return u; /* stray continuation, overlong lead C0/C1, or F5-FF */
	if (b <= 0xDF) {
		need = 1;
		u.cp = b & 0x1Fu;
	} else if (b <= 0xEF) {
		need = 2;
		u.cp = b & 0x0Fu;
		if (b == 0xE0)
			lo = 0xA0; /* overlong */
		else if (b == 0xED)
			hi = 0x9F; /* surrogates */
	} else {
		need = 3;
		u.cp = b & 0x07u;
		if (b == 0xF0)
			lo = 0x90; /* overlong */
		else if (b == 0xF4)
			hi = 0x8F; /* above U+10FFFF */
	}
	for (size_t i = 1; i <= need; i++) {
		if (i >= n)
			return u; /* truncated: the valid prefix is one invalid unit */
		unsigned char c = s[i];
		if (!(i == 1 ? in_range(c, lo, hi) : in_range(c, 0x80, 0xBF)))
			return u; /* the offending byte starts the next unit */
		u.cp = (u.cp << 6) | (c & 0x3Fu);
		u.len = i + 1;
	}
	u.kind = UNIT_CHAR;
	return u;
}

enum state {
	ST_GROUND,
	ST_ESC,       /* after ESC */
	ST_ESC_INTER, /* ESC then intermediates 0x20-0x2F */
	ST_CSI,       /* parameters and intermediates, until a final byte */
	ST_STRING,    /* OSC/DCS/SOS/PM/APC body, until BEL, ESC or ST */
};

#define ESC 0x1B
#define BEL 0x07

static bool is_c1(const struct unit *u)
{
	return u->kind == UNIT_RAW_C1 || (u->kind == UNIT_CHAR && u->cp >= 0x80 && u->cp <= 0x9F);
}

static bool is_bidi_control(uint32_t cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Output cursor: stops for good at the first character that does not fit. */
struct out {
	char *dst;
	size_t len, limit;
	bool full;
};

static void out_put(struct out *o, const char *bytes, size_t n)
{
	if (o->full || o->len + n > o->limit) {
		o->full = true;
		return;
	}
	memcpy(o->dst + o->len, bytes, n);
	o->len += n;
}

/* Ground state: what an ordinary unit becomes. Returns the next state. */
static enum state ground(struct out *o, const struct unit *u, const unsigned char *raw)
{
	static const char replacement[] = "\xEF\xBF\xBD";

	if (u->kind == UNIT_INVALID) {
		out_put(o, replacement, 3);
		return ST_GROUND;
	}
	if (is_c1(u)) {
		switch (u->cp) {
		case 0x9B:
			return ST_CSI;
		case 0x90: /* DCS */
		case 0x98: /* SOS */
		case 0x9D: /* OSC */
		case 0x9E: /* PM */
		case 0x9F: /* APC */
			return ST_STRING;
		default:
			return ST_GROUND;
		}
	}
	if (u->cp == ESC)
		return ST_ESC;
	if (u->cp == '\t' || u->cp == '\n' || u->cp == '\r' || u->cp == '\v' || u->cp == '\f') {
		out_put(o, " ", 1);
		return ST_GROUND;
	}
	if (u->cp < 0x20 || u->cp == 0x7F || is_bidi_control(u->cp))
		return ST_GROUND;
	out_put(o, (const char *)raw, u->len);
	return ST_GROUND;
}

size_t vt_sanitize(char *dst, size_t cap, const char *src, size_t srclen)
{
	if (cap == 0)
		return 0;
	struct out o = {dst, 0, cap - 1 < VT_SANITIZE_MAX ? cap - 1 : VT_SANITIZE_MAX, false};
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0;
	enum state st = ST_GROUND;

	while (i < srclen && !o.full) {
		struct unit u = unit_next(s + i, srclen - i);
		bool ascii = u.kind == UNIT_CHAR && u.cp < 0x80;
		bool consume = true;

		switch (st) {
		case ST_GROUND:
			st = ground(&o, &u, s + i);
			break;
		case ST_ESC:
			if (ascii && u.cp == '[') {
				st = ST_CSI;
			} else if (ascii && (u.cp == ']' || u.cp == 'P' || u.cp == 'X' ||
			                     u.cp == '^' || u.cp == '_')) {
				st = ST_STRING;
			} else if (ascii && u.cp >= 0x20 && u.cp <= 0x2F) {
				st = ST_ESC_INTER;
			} else if (ascii && u.cp >= 0x30 && u.cp <= 0x7E) {
				st = ST_GROUND; /* a two-byte sequence, ESC \ included */
			} else {
				st = ST_GROUND; /* lone ESC: drop it, read this unit afresh */
				consume = false;
			}
			break;
		case ST_ESC_INTER:
			if (ascii && u.cp >= 0x20 && u.cp <= 0x2F)
				break;
			st = ST_GROUND;
			consume = ascii && u.cp >= 0x30 && u.cp <= 0x7E;
			break;
		case ST_CSI:
			if (ascii && u.cp >= 0x20 && u.cp <= 0x3F)
				break;
			st = ST_GROUND;
			consume = ascii && u.cp >= 0x40 && u.cp <= 0x7E;
			break;
		case ST_STRING:
			if ((ascii && u.cp == BEL) || (is_c1(&u) && u.cp == 0x9C))
				st = ST_GROUND; /* BEL or ST */
			else if (ascii && u.cp == ESC)
				st = ST_ESC; /* ESC \ ends it; any other ESC starts anew */
			break;
		}
		if (consume)
			i += u.len;
	}
	dst[o.len] = '\0';
	return o.len;
}

size_t vt_sanitize_str(char *dst, size_t cap, const char *src)
{
	return vt_sanitize(dst, cap, src, strlen(src));
}
