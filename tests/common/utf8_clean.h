/* utf8_clean.h: the tests' own oracle for vt_sanitize's output, written
 * apart from the code under test -- well-formed UTF-8 (shortest form, no
 * surrogates, at most U+10FFFF) with no C0 control, DEL or C1 control. Used
 * by the unit test and the fuzz target. */
#ifndef VT_TEST_UTF8_CLEAN_H
#define VT_TEST_UTF8_CLEAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool utf8_clean(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char b = s[i];
		if (b < 0x20 || b == 0x7F)
			return false;
		if (b < 0x80) {
			i++;
			continue;
		}
		size_t k;
		uint32_t cp, min;
		if ((b & 0xE0) == 0xC0) {
			k = 1, cp = b & 0x1Fu, min = 0x80;
		} else if ((b & 0xF0) == 0xE0) {
			k = 2, cp = b & 0x0Fu, min = 0x800;
		} else if ((b & 0xF8) == 0xF0) {
			k = 3, cp = b & 0x07u, min = 0x10000;
		} else {
			return false;
		}
		if (i + k >= n)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3Fu);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		if (cp <= 0x9F) /* C1 controls */
			return false;
		i += k + 1;
	}
	return true;
}

#endif
