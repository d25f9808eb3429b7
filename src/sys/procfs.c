/* procfs.c: bounded parsers for /proc/<pid>/{stat,status} and their readers. */
#include "sys/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/sanitize.h"

/* ---- pointer-advancing helpers over [*p, end) ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Parses one or more decimal digits into *out, refusing overflow. */
static bool parse_u64(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || !is_digit(*s))
		return false;
	while (s < end && is_digit(*s)) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		s++;
	}
	*p = s;
	*out = v;
	return true;
}

static bool parse_pid(const char **p, const char *end, pid_t *out)
{
	uint64_t v;
	if (!parse_u64(p, end, &v) || v > INT_MAX)
		return false;
	*out = (pid_t)v;
	return true;
}

/* Consumes exactly one expected character. */
static bool skip_char(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return false;
	(*p)++;
	return true;
}

/* Skips one space-delimited field and the single space after it; the field
 * must be non-empty. Fields may be negative ("-1"), so no digit check. */
static bool skip_field(const char **p, const char *end)
{
	const char *s = *p;
	while (s < end && *s != ' ' && *s != '\n')
		s++;
	if (s == *p || s >= end || *s != ' ')
		return false;
	*p = s + 1;
	return true;
}

/* A number must end at a separator (or the end of the buffer). */
static bool at_field_end(const char *p, const char *end)
{
	return p == end || *p == ' ' || *p == '\n';
}

int procfs_parse_stat(const char *buf, size_t len, struct proc_stat *out)
{
	const char *p = buf, *end = buf + len;
	const char *open, *close;

	memset(out, 0, sizeof(*out));
	if (!parse_pid(&p, end, &out->pid) || !skip_char(&p, end, ' '))
		return PROCFS_BADFMT;
	open = p;
	if (!skip_char(&p, end, '('))
		return PROCFS_BADFMT;
	close = memrchr(p, ')', (size_t)(end - p));
	if (!close)
		return PROCFS_BADFMT;
	size_t n = (size_t)(close - (open + 1));
	if (n >= sizeof(out->comm))
		n = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, n);
	out->comm[n] = '\0';
	out->comm_len = n;

	p = close + 1;
	if (!skip_char(&p, end, ' ') || p >= end || *p == ' ' || *p == '\n')
		return PROCFS_BADFMT;
	out->state = *p++;
	if (!skip_char(&p, end, ' ') || !parse_pid(&p, end, &out->ppid) || !skip_char(&p, end, ' '))
		return PROCFS_BADFMT;
	/* fields 5 (pgrp) to 21 (itrealvalue) */
	for (int field = 5; field <= 21; field++)
		if (!skip_field(&p, end))
			return PROCFS_BADFMT;
	if (!parse_u64(&p, end, &out->starttime) || !at_field_end(p, end))
		return PROCFS_BADFMT;
	return VT_OK;
}

int procfs_parse_status_uid(const char *buf, size_t len, uid_t *out)
{
	static const char key[] = "Uid:";
	const size_t klen = sizeof(key) - 1;
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if ((size_t)(eol - p) >= klen && memcmp(p, key, klen) == 0) {
			uint64_t v;
			p += klen;
			while (p < eol && (*p == '\t' || *p == ' '))
				p++;
			/* (uid_t)-1 is "no UID" to the kernel, never a real one */
			if (!parse_u64(&p, eol, &v) || v >= (uid_t)-1 ||
			    !(p == eol || *p == '\t' || *p == ' '))
				return PROCFS_BADFMT;
			*out = (uid_t)v;
			return VT_OK;
		}
		p = eol + 1;
	}
	return PROCFS_BADFMT;
}

/* ---- readers ---- */

static int status_from_errno(int e)
{
	switch (e) {
	case ENOENT:
	case ESRCH:
		return PROCFS_GONE;
	case EACCES:
	case EPERM:
		return PROCFS_DENIED;
	default:
		return PROCFS_IOERR;
	}
}

int procfs_pid_open(const char *proc_root, pid_t pid, int *dirfd)
{
	char path[PATH_MAX];
	int n;

	*dirfd = -1;
	if (pid <= 0)
		return PROCFS_GONE;
	n = snprintf(path, sizeof(path), "%s/%d", proc_root, (int)pid);
	if (n < 0 || (size_t)n >= sizeof(path))
		return PROCFS_IOERR;
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return status_from_errno(errno);
	*dirfd = fd;
	return VT_OK;
}

/* Reads up to cap bytes of dirfd/name into buf; *len gets the count. A file
 * longer than cap is cut, which every caller here tolerates. */
static int read_at(int dirfd, const char *name, char *buf, size_t cap, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t got = 0;
	int rc = VT_OK;

	*len = 0;
	if (fd < 0)
		return status_from_errno(errno);
	while (got < cap) {
		ssize_t r = read(fd, buf + got, cap - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = status_from_errno(errno);
			break;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return rc;
}

int procfs_file_at(int dirfd, const char *name, char *buf, size_t cap, size_t *len)
{
	return read_at(dirfd, name, buf, cap, len);
}

int procfs_stat_at(int dirfd, struct proc_stat *out)
{
	/* 52 fields of at most 20 digits plus a 64-byte comm fit easily */
	char buf[2048];
	size_t len;
	int rc = read_at(dirfd, "stat", buf, sizeof(buf), &len);

	if (rc != VT_OK)
		return rc;
	if (len == 0)
		return PROCFS_GONE; /* the task went away while we read */
	return procfs_parse_stat(buf, len, out);
}

int procfs_uid_at(int dirfd, uid_t *out)
{
	/* Uid: is the ninth line, within the first few hundred bytes */
	char buf[4096];
	size_t len;
	int rc = read_at(dirfd, "status", buf, sizeof(buf), &len);

	if (rc != VT_OK)
		return rc;
	if (len == 0)
		return PROCFS_GONE;
	return procfs_parse_status_uid(buf, len, out);
}

int procfs_comm_at(int dirfd, char *buf, size_t cap, size_t *len)
{
	size_t n;
	int rc = read_at(dirfd, "comm", buf, cap - 1, &n);

	if (rc != VT_OK)
		n = 0;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	if (len)
		*len = n;
	return rc;
}

int procfs_cmdline_at(int dirfd, char *buf, size_t cap, size_t *len)
{
	size_t n;
	int rc = read_at(dirfd, "cmdline", buf, cap - 1, &n);

	if (rc != VT_OK)
		n = 0;
	buf[n] = '\0';
	*len = n;
	return rc;
}

int procfs_read_stat(const char *proc_root, pid_t pid, struct proc_stat *out)
{
	int dirfd, rc = procfs_pid_open(proc_root, pid, &dirfd);
	if (rc != VT_OK)
		return rc;
	rc = procfs_stat_at(dirfd, out);
	close(dirfd);
	return rc;
}

int procfs_read_uid(const char *proc_root, pid_t pid, uid_t *out)
{
	int dirfd, rc = procfs_pid_open(proc_root, pid, &dirfd);
	if (rc != VT_OK)
		return rc;
	rc = procfs_uid_at(dirfd, out);
	close(dirfd);
	return rc;
}

int procfs_read_comm(const char *proc_root, pid_t pid, char *buf, size_t cap, size_t *len)
{
	int dirfd, rc = procfs_pid_open(proc_root, pid, &dirfd);
	if (rc != VT_OK) {
		buf[0] = '\0';
		if (len)
			*len = 0;
		return rc;
	}
	rc = procfs_comm_at(dirfd, buf, cap, len);
	close(dirfd);
	return rc;
}

int procfs_read_cmdline(const char *proc_root, pid_t pid, char *buf, size_t cap, size_t *len)
{
	int dirfd, rc = procfs_pid_open(proc_root, pid, &dirfd);
	if (rc != VT_OK) {
		buf[0] = '\0';
		*len = 0;
		return rc;
	}
	rc = procfs_cmdline_at(dirfd, buf, cap, len);
	close(dirfd);
	return rc;
}

const char *procfs_status_name(int status)
{
	switch (status) {
	case VT_OK:
		return "ok";
	case PROCFS_GONE:
		return "gone";
	case PROCFS_DENIED:
		return "permission denied";
	case PROCFS_BADFMT:
		return "unexpected format";
	case PROCFS_IOERR:
		return "I/O error";
	default:
		return "unknown";
	}
}

/* The part of [s, s+n) after its last '/'. */
static const char *base_name(const char *s, size_t n, size_t *blen)
{
	const char *slash = memrchr(s, '/', n);
	const char *b = slash ? slash + 1 : s;
	*blen = n - (size_t)(b - s);
	return b;
}

/* Does basename of [s, s+n) extend comm (or stand alone when comm is empty)? */
static bool name_candidate(const char *s, size_t n, const char *comm, size_t comm_len,
                           const char **name, size_t *name_len)
{
	size_t blen;
	const char *b = base_name(s, n, &blen);

	if (blen == 0 || blen < comm_len || memcmp(b, comm, comm_len) != 0)
		return false;
	*name = b;
	*name_len = blen;
	return true;
}

size_t procfs_best_name(const char *comm, size_t comm_len, const char *cmdline, size_t cmd_len,
                        char *out, size_t cap)
{
	const char *name = comm;
	size_t name_len = comm_len;

	if ((comm_len == 0 || comm_len >= PROCFS_COMM_CUT) && cmd_len > 0) {
		const char *nul = memchr(cmdline, '\0', cmd_len);
		size_t a0 = nul ? (size_t)(nul - cmdline) : cmd_len;
		const char *sp = memchr(cmdline, ' ', a0);
		/* a rewritten argv puts its words in argv[0]: try the first word
		 * first; a directory with a space in it fails that and falls
		 * through to the whole argv[0] */
		if (!sp || !name_candidate(cmdline, (size_t)(sp - cmdline), comm, comm_len, &name,
		                           &name_len))
			name_candidate(cmdline, a0, comm, comm_len, &name, &name_len);
	}
	return vt_sanitize(out, cap, name, name_len);
}
