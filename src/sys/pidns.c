/* pidns.c: detect running in a child PID namespace from /proc/self/ns/pid
 * and /proc/self/status. */
#include "sys/pidns.h"

#include <fcntl.h>
#include <limits.h>
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

bool pidns_link_is_child(const char *link, size_t len)
{
	unsigned long ino = 0;
	size_t i = 5;
	if (len < 7 || memcmp(link, "pid:[", 5) != 0 || link[len - 1] != ']')
		return false;
	for (; i < len - 1; i++) {
		if (link[i] < '0' || link[i] > '9' || ino > (ULONG_MAX - 9) / 10)
			return false;
		ino = ino * 10 + (unsigned long)(link[i] - '0');
	}
	return i > 5 && ino != PIDNS_INIT_INO;
}

bool pidns_is_child_at(int dirfd)
{
	char buf[4096];
	ssize_t n = readlinkat(dirfd, "ns/pid", buf, sizeof(buf));
	if (n > 0 && pidns_link_is_child(buf, (size_t)n))
		return true;
	int fd = openat(dirfd, "status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 && pidns_status_is_child(buf, (size_t)n);
}

bool pidns_is_child(void)
{
	static int cached = -1;
	if (cached >= 0)
		return cached;
	int dirfd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cached = dirfd >= 0 && pidns_is_child_at(dirfd);
	if (dirfd >= 0)
		close(dirfd);
	return cached;
}
