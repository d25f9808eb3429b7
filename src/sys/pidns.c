/* pidns.c: detect running in a child PID namespace from /proc/self/status. */
#include "sys/pidns.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

bool pidns_status_is_child(const char *status, size_t len)
{
	const char *end = status + len;
	for (const char *p = status; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if ((size_t)(eol - p) > 6 && memcmp(p, "NSpid:", 6) == 0) {
			int fields = 0;
			bool in = false;
			for (const char *q = p + 6; q < eol; q++) {
				bool digit = *q >= '0' && *q <= '9';
				if (digit && !in)
					fields++;
				in = digit;
			}
			return fields > 1;
		}
		p = eol + 1;
	}
	return false;
}

bool pidns_is_child(void)
{
	static int cached = -1;
	if (cached >= 0)
		return cached;
	char buf[4096];
	ssize_t n = -1;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf));
		close(fd);
	}
	cached = n > 0 && pidns_status_is_child(buf, (size_t)n);
	return cached;
}
