/* fuzz_sanitize.c: libFuzzer target for vt_sanitize -- the output must be
 * well-formed UTF-8 with no control characters, fit its limits, and be a
 * fixed point (sanitising it again changes nothing). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool clean_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char b = s[i];
		size_t k;
		uint32_t cp, min;
		if (b < 0x20 || b == 0x7F)
			return false;
		if (b < 0x80) {
			i++;
			continue;
		}
		if ((b & 0xE0) == 0xC0)
			k = 1, cp = b & 0x1Fu, min = 0x80;
		else if ((b & 0xF0) == 0xE0)
			k = 2, cp = b & 0x0Fu, min = 0x800;
		else if ((b & 0xF8) == 0xF0)
			k = 3, cp = b & 0x07u, min = 0x10000;
		else
			return false;
		if (i + k >= n)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3Fu);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp <= 0x9F)
			return false;
		i += k + 1;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a[VT_SANITIZE_MAX + 8], b[VT_SANITIZE_MAX + 8];
	/* the first byte picks the capacity, so small caps are fuzzed too */
	size_t cap = size ? 1 + data[0] % sizeof(a) : sizeof(a);
	char *src = malloc(size ? size : 1); /* exact size: over-reads are reported */
	if (!src)
		return 0;
	memcpy(src, data, size);

	size_t la = vt_sanitize(a, cap, src, size);
	if (la >= cap || la > VT_SANITIZE_MAX || la != strlen(a) ||
	    !clean_utf8((const unsigned char *)a, la))
		abort();
	size_t lb = vt_sanitize(b, cap, a, la);
	if (lb != la || memcmp(a, b, la + 1) != 0)
		abort();
	free(src);
	return 0;
}
