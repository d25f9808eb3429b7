/* fuzz_sanitize.c: libFuzzer target for vt_sanitize -- the output must be
 * well-formed UTF-8 with no control characters, fit its limits, and be a
 * fixed point (sanitising it again changes nothing). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/utf8_clean.h"
#include "core/sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	    !utf8_clean((const unsigned char *)a, la))
		abort();
	size_t lb = vt_sanitize(b, cap, a, la);
	if (lb != la || memcmp(a, b, la + 1) != 0)
		abort();
	free(src);
	return 0;
}
