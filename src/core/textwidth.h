/* textwidth.h: how many terminal columns UTF-8 text takes, by grapheme
 * cluster, from utf8proc's tables (never the locale: wcwidth in the C locale
 * is -1 for everything outside ASCII), and cutting text to a column count. */
#ifndef VT_TEXTWIDTH_H
#define VT_TEXTWIDTH_H

#include <stdbool.h>
#include <stddef.h>

/* What is drawn for an invalid byte sequence or a control character. */
#define VT_TEXT_REPLACEMENT     "\xEF\xBF\xBD" /* U+FFFD */
#define VT_TEXT_REPLACEMENT_LEN 3
#define VT_TEXT_ELLIPSIS        "\xE2\x80\xA6" /* U+2026, one column */

/* One grapheme cluster: what a terminal draws in one cell (or two). */
struct vt_cluster {
	size_t len;    /* bytes of input it spans, >= 1 unless the input was empty */
	unsigned cols; /* 0, 1 or 2 */
	bool replaced; /* invalid UTF-8 or a control character: draw U+FFFD, 1 column */
};

/* Reads the grapheme cluster that starts at s (len bytes available; s need not
 * be NUL-terminated). Rules:
 *  - clusters follow Unicode's extended grapheme cluster boundaries (UAX #29,
 *    as utf8proc implements them), so a base and its combining marks, an
 *    emoji ZWJ sequence, a flag (two regional indicators), Hangul jamo
 *    L+V+T, and an emoji with a skin-tone modifier are each one cluster;
 *  - a maximal invalid UTF-8 subpart (as vt_sanitize counts them) and a C0/C1
 *    control or DEL are each a cluster of their own, replaced, 1 column;
 *  - a cluster's width is that of its first code point that has a width
 *    (utf8proc_charwidth, with the override list in textwidth.c); VS16
 *    (U+FE0F, emoji presentation) and a regional-indicator pair make it 2;
 *    never more than 2. A cluster of only zero-width code points (a lone
 *    combining mark, ZWSP, ZWJ) is 0 columns. */
struct vt_cluster vt_text_cluster(const char *s, size_t len);

/* Columns taken by len bytes of s: the sum of its clusters' widths. */
size_t vt_text_width(const char *s, size_t len);

/* Same for a NUL-terminated string. */
size_t vt_text_width_str(const char *s);

/* Flags for vt_text_fit. */
#define VT_TEXT_FIT_ELLIPSIS 1u /* when cut, end with "…" */
#define VT_TEXT_FIT_NOPAD    2u /* do not pad with spaces up to cols */

/* Bytes of dst always enough for vt_text_fit to write len input bytes cut or
 * padded to cols columns, with the NUL (a 1-byte invalid sequence or control
 * becomes the 3-byte U+FFFD). */
#define VT_TEXT_FIT_CAP(len, cols) (3 * (len) + (cols) + 4)

/* Writes into dst (capacity cap bytes, always NUL-terminated when cap > 0) the
 * text of s[0..len) cut at a cluster boundary to at most cols columns, then
 * (unless VT_TEXT_FIT_NOPAD) padded with spaces to exactly cols columns. When
 * the text is wider than cols and VT_TEXT_FIT_ELLIPSIS is set, the kept part
 * is cut to cols - 1 columns, its trailing spaces dropped, and "…" ends it. Replaced clusters are
 * written as U+FFFD, so the output is valid UTF-8 without controls whatever the input. If cap is
 * too small, output stops before the first cluster (or padding space) that does not fit: never
 * inside a character, never past cap. Returns the bytes written before the NUL; *cols_out (may be
 * NULL) gets the columns they take (== cols when cap >= VT_TEXT_FIT_CAP(len, cols) and padding is
 * on). dst and s must not overlap. */
size_t vt_text_fit(char *dst, size_t cap, const char *s, size_t len, size_t cols, unsigned flags,
                   size_t *cols_out);

#endif
