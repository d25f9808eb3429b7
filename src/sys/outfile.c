/* outfile.c: private, symlink-safe, whole-record appends (see outfile.h). */
#include "sys/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(const char *path, bool truncate, off_t *size, char *err, size_t errlen)
{
	int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
	int fd = open(path, flags, 0600);
	if (fd < 0) {
		if (errno == ELOOP)
			snprintf(err, errlen,
			         "%s: is a symbolic link; vramtop does not write through one",
			         path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory", path);
		goto fail;
	}
	if (S_ISREG(st.st_mode)) {
		if (st.st_uid != geteuid()) {
			snprintf(err, errlen, "%s: belongs to another user; choose another file",
			         path);
			goto fail;
		}
		if ((st.st_mode & 077) && fchmod(fd, 0600) < 0) {
			snprintf(err, errlen, "%s: cannot make it private: %s", path,
			         strerror(errno));
			goto fail;
		}
		if (truncate && st.st_size && ftruncate(fd, 0) < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
	}
	*size = S_ISREG(st.st_mode) && !truncate ? st.st_size : 0;
	return fd;
fail:
	close(fd);
	return -1;
}

int outfile_append(int fd, const void *buf, size_t len)
{
	ssize_t w;
	do
		w = write(fd, buf, len);
	while (w < 0 && errno == EINTR);
	if (w == (ssize_t)len)
		return 0;
	int e = w < 0 ? errno : ENOSPC; /* a short write to a file: the disk filled up */
	if (w > 0) {
		/* take the partial record back out, so no reader sees half of it */
		off_t end = lseek(fd, 0, SEEK_END);
		if (end >= (off_t)w && ftruncate(fd, end - (off_t)w) < 0)
			e = errno;
	}
	errno = e;
	return -1;
}
