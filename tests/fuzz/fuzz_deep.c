/* fuzz_deep.c: libFuzzer target for deep mode's line parser -- never a
 * crash or an over-read; what it accepts keeps the schema's promises. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "deep/deep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size ? size : 1); /* exact size: over-reads are reported */
	if (!line)
		return 0;
	memcpy(line, data, size);
	struct deep_msg m;
	char err[VT_ERRMSG_MAX];
	if (deep_parse_line(line, size, &m, err, sizeof(err)) == VT_OK) {
		if (size >= DEEP_LINE_MAX)
			abort();
		if (m.kind == DEEP_MSG_HELLO && m.pid <= 0)
			abort();
		if (m.kind != DEEP_MSG_HELLO && m.device >= DEEP_DEVS_MAX)
			abort();
		if (m.kind == DEEP_MSG_SAMPLE && m.f.allocated > m.f.reserved)
			abort();
		if (strlen(m.framework) >= sizeof(m.framework))
			abort();
	} else if (!err[0]) {
		abort(); /* a refusal always says why */
	}
	free(line);
	return 0;
}
