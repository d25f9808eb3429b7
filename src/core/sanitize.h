/* sanitize.h: make an untrusted string (from /proc, NVML, a network peer) safe
 * to display or export -- no escape sequences, no control characters, valid
 * UTF-8 only, at most VT_SANITIZE_MAX bytes. */
#ifndef VT_SANITIZE_H
#define VT_SANITIZE_H

#include <stddef.h>

#define VT_SANITIZE_MAX 256 /* bytes of output, excluding the NUL */

/* Copies srclen bytes of src into dst (capacity cap), NUL-terminated, keeping
 * only displayable text. dst and src must not overlap. Returns the number of
 * bytes written before the NUL (0 and nothing written when cap == 0).
 *
 * Rules, applied left to right:
 *  - Escape sequences are removed whole: CSI (ESC [ params final, or the C1
 *    CSI U+009B / raw byte 0x9B), strings OSC/DCS/SOS/PM/APC (ESC ] P X ^ _ or
 *    their C1 forms) up to BEL, ESC \ or ST (U+009C) -- an unterminated string
 *    swallows the rest of the input -- and other ESC sequences (ESC, optional
 *    intermediates 0x20-0x2F, one final 0x30-0x7E). A lone ESC is dropped.
 *  - Tab, newline, CR, VT and FF become one space each; every other C0
 *    control, DEL and every C1 control (U+0080-U+009F, as UTF-8 or as a raw
 *    8-bit byte where a character would start -- an 8-bit terminal reads it
 *    as C1, so it is treated as one, not as invalid UTF-8) is dropped. NUL is a control like any
 * other: src may hold NULs (join argv yourself if you want spaces).
 *  - The Unicode bidi controls U+202A-U+202E and U+2066-U+2069 are dropped
 *    (they reorder what follows them on screen).
 *  - Invalid UTF-8 (stray continuation bytes A0-BF, overlong forms, surrogates,
 *    code points above U+10FFFF, truncated sequences, bytes F5-FF) is replaced
 *    by U+FFFD, one per maximal invalid subpart (Unicode's recommended
 *    practice), so that "broken" stays visible. Valid UTF-8 is kept as is.
 *  - Output stops before the first character that would not fit in
 *    min(VT_SANITIZE_MAX, cap - 1) bytes: never inside a character.
 *
 * The output contains only printable ASCII and valid UTF-8 without C1 or bidi
 * controls, so vt_sanitize is idempotent: sanitising its output with the same
 * cap gives the same bytes. */
size_t vt_sanitize(char *dst, size_t cap, const char *src, size_t srclen);

/* Convenience for a NUL-terminated source. */
size_t vt_sanitize_str(char *dst, size_t cap, const char *src);

#endif
