/* trace_read.c: reading trace files line by line -- plain or gzip through
 * zlib, in large chunks, lines parsed in place where they do not straddle a
 * chunk; the schema is trace.c. */
#include "source/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/error.h"
#include "core/xalloc.h"

#define TRACE_LINE_MAX (16u << 20) /* a longer line is an error for that line */
#define TRACE_CHUNK    (256u << 10)

struct trace_reader {
	gzFile gz; /* a gzip file; NULL for a plain one, read from fd */
	int fd;
	char *chunk;
	size_t chunk_len, chunk_pos;
	char *line; /* a line that spans chunks is gathered here */
	size_t line_len, line_cap;
	bool too_long, eof;
	unsigned long lineno;
	/* the timeline (trace.h): the time of the last sample returned */
	bool have_t;
	double last_t;
	unsigned long nbreaks;
	char why[VT_ERRMSG_MAX]; /* non-empty when the last sample starts a segment */
};

struct trace_reader *trace_open(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory", path);
		close(fd);
		return NULL;
	}
	/* gzip or plain, told apart by content: a plain file is read straight
	 * into the chunk (through zlib it would be copied once more) */
	unsigned char magic[2] = {0, 0};
	ssize_t m = pread(fd, magic, 2, 0);
	/* a pipe cannot be peeked at: zlib tells gzip from plain as it reads */
	bool gzip = m < 0 || (m == 2 && magic[0] == 0x1f && magic[1] == 0x8b);
	gzFile gz = NULL;
	if (gzip) {
		gz = gzdopen(fd, "rb");
		if (!gz) {
			snprintf(err, errlen, "%s: cannot read (out of memory)", path);
			close(fd);
			return NULL;
		}
		gzbuffer(gz, 128u << 10);
	}
	struct trace_reader *r = xcalloc(1, sizeof(*r));
	r->gz = gz;
	r->fd = gz ? -1 : fd;
	r->chunk = xmalloc(TRACE_CHUNK);
	return r;
}

void trace_close(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	else
		close(r->fd);
	free(r->chunk);
	free(r->line);
	free(r);
}

unsigned long trace_line(const struct trace_reader *r)
{
	return r->lineno;
}

static void gather(struct trace_reader *r, const char *p, size_t n)
{
	if (r->too_long || r->line_len + n > TRACE_LINE_MAX) {
		r->too_long = true;
		r->line_len = 0;
		return;
	}
	xgrow(&r->line, &r->line_cap, r->line_len + n, 4096);
	memcpy(r->line + r->line_len, p, n);
	r->line_len += n;
}

/* Next line without its newline: 1 with *p and *n set (in a buffer of r, valid
 * until the next call), 0 at the end, -1 on a read error (err filled). */
static int next_line(struct trace_reader *r, const char **p, size_t *n, char *err, size_t errlen)
{
	r->line_len = 0;
	r->too_long = false;
	for (;;) {
		if (r->chunk_pos < r->chunk_len) {
			char *s = r->chunk + r->chunk_pos;
			size_t avail = r->chunk_len - r->chunk_pos;
			char *nl = memchr(s, '\n', avail);
			if (nl) {
				size_t k = (size_t)(nl - s);
				r->chunk_pos += k + 1;
				if (r->line_len == 0 && !r->too_long) {
					*p = s, *n = k;
					return 1;
				}
				gather(r, s, k);
				*p = r->line, *n = r->line_len;
				return 1;
			}
			gather(r, s, avail);
			r->chunk_pos = r->chunk_len;
		}
		if (r->eof)
			break;
		if (!r->gz) {
			ssize_t got = read(r->fd, r->chunk, TRACE_CHUNK);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				r->eof = true;
				r->chunk_pos = r->chunk_len = 0;
				if (got < 0) {
					snprintf(err, errlen, "%lu: read error: %s", r->lineno + 1,
					         strerror(errno));
					return -1;
				}
				break;
			}
			r->chunk_pos = 0;
			r->chunk_len = (size_t)got;
			continue;
		}
		int got = gzread(r->gz, r->chunk, TRACE_CHUNK);
		if (got <= 0) {
			int zerr = Z_OK;
			const char *msg = gzerror(r->gz, &zerr);
			r->eof = true;
			r->chunk_pos = r->chunk_len = 0;
			if (got < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
				snprintf(err, errlen, "%lu: read error: %s", r->lineno + 1,
				         zerr == Z_BUF_ERROR ? "truncated gzip stream" : msg);
				return -1;
			}
			break;
		}
		r->chunk_pos = 0;
		r->chunk_len = (size_t)got;
	}
	if (r->line_len || r->too_long) { /* a last line without newline */
		*p = r->line, *n = r->line_len;
		return 1;
	}
	return 0;
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* Does a sample at time t continue the last one, or start a new segment? */
static void timeline_check(struct trace_reader *r, double t)
{
	if (r->have_t && (t < r->last_t || t - r->last_t > TRACE_GAP_MAX)) {
		r->nbreaks++;
		snprintf(r->why, sizeof(r->why), "%lu: t %s %.3f s: a new segment starts",
		         r->lineno, t < r->last_t ? "goes back" : "jumps ahead",
		         fabs(t - r->last_t));
	}
	r->have_t = true;
	r->last_t = t;
}

int trace_next(struct trace_reader *r, enum trace_rec_kind *kind, struct snapshot *snap,
               struct trace_event *ev, char *err, size_t errlen)
{
	const char *p;
	size_t n;
	r->why[0] = '\0';
	for (;;) {
		int got = next_line(r, &p, &n, err, errlen);
		if (got < 0)
			return VT_ERR;
		if (got == 0)
			return VT_EOF;
		r->lineno++;
		if (r->too_long) {
			snprintf(err, errlen, "%lu: line longer than %u MiB", r->lineno,
			         TRACE_LINE_MAX >> 20);
			return VT_ERR;
		}
		if (!blank(p, n))
			break;
	}
	char msg[VT_ERRMSG_MAX];
	int rc = trace_parse_line(p, n, kind, snap, ev, msg, sizeof(msg));
	if (rc != VT_OK) {
		snprintf(err, errlen, "%lu: %s", r->lineno, msg);
		return rc;
	}
	if (*kind == TREC_SAMPLE)
		timeline_check(r, snap->time);
	return rc;
}

const char *trace_segment_break(const struct trace_reader *r)
{
	return r->why[0] ? r->why : NULL;
}

unsigned long trace_segment_breaks(const struct trace_reader *r)
{
	return r->nbreaks;
}
