/* fuzz_procstat.c: libFuzzer target for the /proc stat and status parsers and
 * the display-name chooser. Crashes, sanitizer reports and broken invariants
 * (abort) are findings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "sys/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so reading one byte past len is an ASan report */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);

	struct proc_stat st;
	if (procfs_parse_stat(buf, size, &st) == VT_OK) {
		if (st.comm_len >= sizeof(st.comm) || st.comm[st.comm_len] != '\0' || st.pid < 0 ||
		    st.ppid < 0)
			abort();
		/* comm is followed by ") <state> " in the input */
		if (memchr(buf, ')', size) == NULL)
			abort();
		/* comm and the input as a cmdline feed the name chooser */
		char name[VT_SANITIZE_MAX + 1], again[VT_SANITIZE_MAX + 1];
		size_t n = procfs_best_name(st.comm, st.comm_len, buf, size, name, sizeof(name));
		if (n != strlen(name) || vt_sanitize(again, sizeof(again), name, n) != n ||
		    memcmp(name, again, n + 1) != 0)
			abort();
	}

	uid_t uid;
	if (procfs_parse_status_uid(buf, size, &uid) == VT_OK && uid == (uid_t)-1)
		abort();
	free(buf);
	return 0;
}
