/* textwidth.c: terminal column widths and grapheme clusters from utf8proc. */
#include "core/textwidth.h"

#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

/* Code points whose width utf8proc gets differently from the terminals we
 * draw on. Hangul medial vowels and final consonants join the syllable before
 * them (inside a cluster they add nothing anyway); standing alone, glibc's
 * wcwidth, xterm and tmux give them 0 columns where utf8proc 2.8 gives 1. */
static const struct {
	int32_t lo, hi;
	int cols;
} width_override[] = {
    {0x1160, 0x11FF, 0}, /* Hangul Jamo jungseong and jongseong */
    {0xD7B0, 0xD7FF, 0}, /* Hangul Jamo Extended-B, the same roles */
};

#define CP_INVALID  (-1)
#define CP_VS16     0xFE0F
#define CP_RI_FIRST 0x1F1E6
#define CP_RI_LAST  0x1F1FF

/* Decodes the code point at s (n >= 1 bytes). Returns the bytes consumed and
 * sets *cp, or CP_INVALID for a maximal invalid subpart (Unicode table 3-7:
 * a valid lead byte and the continuation bytes that may follow it, stopping at
 * the first that may not). */
static size_t utf8_next(const unsigned char *s, size_t n, int32_t *cp)
{
	unsigned char b = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need;
	int32_t v;

	*cp = CP_INVALID;
	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xC2 && b <= 0xDF) {
		need = 1, v = b & 0x1F;
	} else if (b >= 0xE0 && b <= 0xEF) {
		need = 2, v = b & 0x0F;
		if (b == 0xE0)
			lo = 0xA0;
		else if (b == 0xED)
			hi = 0x9F;
	} else if (b >= 0xF0 && b <= 0xF4) {
		need = 3, v = b & 0x07;
		if (b == 0xF0)
			lo = 0x90;
		else if (b == 0xF4)
			hi = 0x8F;
	} else {
		return 1;
	}
	size_t i = 1;
	for (; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi)
			return i;
		v = (v << 6) | (s[i] & 0x3F);
		lo = 0x80, hi = 0xBF;
	}
	*cp = v;
	return i;
}

static bool cp_is_control(int32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

static bool cp_is_ri(int32_t cp)
{
	return cp >= CP_RI_FIRST && cp <= CP_RI_LAST;
}

static unsigned cp_width(int32_t cp)
{
	for (size_t i = 0; i < sizeof(width_override) / sizeof(width_override[0]); i++)
		if (cp >= width_override[i].lo && cp <= width_override[i].hi)
			return (unsigned)width_override[i].cols;
	int w = utf8proc_charwidth(cp);
	return w < 0 ? 0 : w > 2 ? 2 : (unsigned)w;
}

struct vt_cluster vt_text_cluster(const char *s, size_t len)
{
	struct vt_cluster c = {0, 0, false};
	const unsigned char *u = (const unsigned char *)s;
	int32_t prev, cp;

	if (len == 0)
		return c;
	c.len = utf8_next(u, len, &prev);
	if (prev == CP_INVALID || cp_is_control(prev)) {
		c.cols = 1;
		c.replaced = true;
		return c;
	}
	c.cols = cp_width(prev);
	int32_t state = 0;
	unsigned ri = cp_is_ri(prev) ? 1 : 0;
	bool vs16 = false;
	while (c.len < len) {
		size_t n = utf8_next(u + c.len, len - c.len, &cp);
		if (cp == CP_INVALID || cp_is_control(cp))
			break;
		if (utf8proc_grapheme_break_stateful(prev, cp, &state))
			break;
		if (c.cols == 0)
			c.cols = cp_width(cp);
		vs16 |= cp == CP_VS16;
		ri += cp_is_ri(cp) ? 1 : 0;
		c.len += n;
		prev = cp;
	}
	if (c.cols > 0 && (vs16 || ri >= 2))
		c.cols = 2;
	return c;
}

size_t vt_text_width(const char *s, size_t len)
{
	size_t cols = 0, i = 0;
	while (i < len) {
		struct vt_cluster c = vt_text_cluster(s + i, len - i);
		cols += c.cols;
		i += c.len;
	}
	return cols;
}

size_t vt_text_width_str(const char *s)
{
	return vt_text_width(s, strlen(s));
}

/* Appends n bytes to dst at *pos if they fit before the NUL; false if not. */
static bool put(char *dst, size_t cap, size_t *pos, const char *b, size_t n)
{
	if (*pos + n >= cap)
		return false;
	memcpy(dst + *pos, b, n);
	*pos += n;
	return true;
}

size_t vt_text_fit(char *dst, size_t cap, const char *s, size_t len, size_t cols, unsigned flags,
                   size_t *cols_out)
{
	size_t pos = 0, used = 0, i = 0;
	size_t limit = cols;
	bool full = true; /* false once cap stopped the output */

	if (cap == 0) {
		if (cols_out)
			*cols_out = 0;
		return 0;
	}
	/* Cut with an ellipsis only when the whole text does not fit. */
	bool ellipsis = (flags & VT_TEXT_FIT_ELLIPSIS) && cols > 0 && vt_text_width(s, len) > cols;
	if (ellipsis)
		limit = cols - 1;
	while (i < len) {
		struct vt_cluster c = vt_text_cluster(s + i, len - i);
		if (used + c.cols > limit)
			break;
		const char *b = c.replaced ? VT_TEXT_REPLACEMENT : s + i;
		size_t n = c.replaced ? VT_TEXT_REPLACEMENT_LEN : c.len;
		if (!put(dst, cap, &pos, b, n)) {
			full = false;
			break;
		}
		used += c.cols;
		i += c.len;
	}
	/* "a much…" reads better than "a much …" */
	while (ellipsis && full && pos > 0 && dst[pos - 1] == ' ') {
		pos--;
		used--;
	}
	if (full && ellipsis && put(dst, cap, &pos, VT_TEXT_ELLIPSIS, sizeof(VT_TEXT_ELLIPSIS) - 1))
		used++;
	if (!(flags & VT_TEXT_FIT_NOPAD))
		while (used < cols && put(dst, cap, &pos, " ", 1))
			used++;
	dst[pos] = '\0';
	if (cols_out)
		*cols_out = used;
	return pos;
}
