/* stream.c: the trace-format sinks -- --json-stream on stdout (never
 * blocking the loop on a slow reader) and record FILE (whole lines, private
 * file, no symlinks). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "export/trace_writer.h"
#include "loop/loop.h"
#include "sink/sinks.h"
#include "sys/outfile.h"

#define STREAM_QUEUE_MAX (16u << 20) /* bytes a slow reader may fall behind */
#define STREAM_STALL_MS  2000        /* at the end: a reader silent this long is given up */

struct stream {
	struct sink base;
	int fd;
	bool own_fd;       /* record: ours to close */
	bool queued;       /* non-blocking fd: writes go through q */
	int saved_flags;   /* the fd's status flags before O_NONBLOCK */
	struct loop *loop; /* borrowed */
	struct loop_fd *watch;
	char *q; /* pending bytes [qoff, qlen) */
	size_t qlen, qoff, qcap;
	struct jsonw w;
	const char *path; /* record: for messages (borrowed from argv) */
};

static struct stream *stream_of(struct sink *s)
{
	return (struct stream *)s;
}

/* Writes what the fd takes now; the rest stays queued. -1 on a real error. */
static int drain(struct stream *st)
{
	while (st->qoff < st->qlen) {
		ssize_t w = write(st->fd, st->q + st->qoff, st->qlen - st->qoff);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		st->qoff += (size_t)w;
	}
	st->qoff = st->qlen = 0;
	return 0;
}

static void on_writable(struct loop *l, int fd, unsigned revents, void *arg)
{
	struct stream *st = arg;
	(void)l;
	(void)fd;
	(void)revents;
	if (drain(st) < 0 || st->qlen == 0)
		loop_fd_set(st->watch, 0); /* a failure shows on the next tick */
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int stream_tick(struct sink *s, const struct model *m, char *err, size_t errlen)
{
	struct stream *st = stream_of(s);
	jsonw_reset(&st->w);
	trace_format_sample(&st->w, &m->snap);
	jsonw_newline(&st->w);
	if (!st->queued) {
		if (write_all(st->fd, st->w.buf, st->w.len) == 0)
			return VT_OK;
		snprintf(err, errlen, "writing to standard output failed: %s", strerror(errno));
		return VT_ERR;
	}
	if (drain(st) < 0) {
		snprintf(err, errlen, "writing to standard output failed: %s", strerror(errno));
		return VT_ERR;
	}
	if (st->qlen + st->w.len > STREAM_QUEUE_MAX) {
		snprintf(err, errlen,
		         "the reader of standard output fell %zu bytes behind; stopping rather "
		         "than dropping samples",
		         st->qlen - st->qoff);
		return VT_ERR;
	}
	xgrow(&st->q, &st->qcap, st->qlen + st->w.len, 4096);
	memcpy(st->q + st->qlen, st->w.buf, st->w.len);
	st->qlen += st->w.len;
	if (drain(st) < 0) {
		snprintf(err, errlen, "writing to standard output failed: %s", strerror(errno));
		return VT_ERR;
	}
	if (st->qlen && st->watch)
		loop_fd_set(st->watch, LOOP_OUT);
	return VT_OK;
}

/* The run is over: what is queued goes out as fast as the reader takes it,
 * but a reader that takes nothing for STREAM_STALL_MS is given up on. */
static int stream_finish(struct sink *s, const struct model *m, char *err, size_t errlen)
{
	struct stream *st = stream_of(s);
	(void)m;
	while (st->queued && st->qlen) {
		size_t before = st->qoff;
		struct pollfd pfd = {.fd = st->fd, .events = POLLOUT};
		int r = poll(&pfd, 1, STREAM_STALL_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0 && drain(st) < 0) {
			snprintf(err, errlen, "writing to standard output failed: %s",
			         strerror(errno));
			return VT_ERR;
		}
		if (r == 0 || (st->qlen && st->qoff == before && !(pfd.revents & POLLOUT))) {
			snprintf(err, errlen,
			         "the reader of standard output took nothing for %d s; %zu bytes "
			         "were not delivered",
			         STREAM_STALL_MS / 1000, st->qlen - st->qoff);
			return VT_ERR;
		}
	}
	return VT_OK;
}

static int record_tick(struct sink *s, const struct model *m, char *err, size_t errlen)
{
	struct stream *st = stream_of(s);
	jsonw_reset(&st->w);
	trace_format_sample(&st->w, &m->snap);
	jsonw_newline(&st->w);
	if (outfile_append(st->fd, st->w.buf, st->w.len) == 0)
		return VT_OK;
	snprintf(err, errlen, "%s: %s; the trace ends at its last whole sample", st->path,
	         strerror(errno));
	return VT_ERR;
}

static void stream_free(struct sink *s)
{
	struct stream *st = stream_of(s);
	if (st->watch)
		loop_fd_remove(st->loop, st->watch);
	if (st->queued)
		fcntl(st->fd, F_SETFL, st->saved_flags);
	if (st->own_fd)
		close(st->fd);
	jsonw_free(&st->w);
	free(st->q);
	free(st);
}

static const struct sink_ops stream_ops = {
    .name = "json-stream", .tick = stream_tick, .finish = stream_finish, .free = stream_free};
static const struct sink_ops record_ops = {
    .name = "record", .tick = record_tick, .free = stream_free};

struct sink *sink_stream_new(int fd, struct loop *l)
{
	struct stream *st = xcalloc(1, sizeof(*st));
	st->base = (struct sink){.ops = &stream_ops, .essential = true};
	st->fd = fd;
	st->loop = l;
	jsonw_init(&st->w);
	struct stat sb;
	int fl = fcntl(fd, F_GETFL);
	/* Only a pipe or a socket can stall us; a terminal or a file is left
	 * as it is (O_NONBLOCK would change it for the shell too). */
	if (l && fl >= 0 && fstat(fd, &sb) == 0 && (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode)) &&
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0) {
		st->queued = true;
		st->saved_flags = fl;
		st->watch = loop_fd_add(l, fd, 0, on_writable, st);
	}
	return &st->base;
}

/* Whether the file at path starts with a trace record. */
static bool is_trace(const char *path)
{
	char err[VT_ERRMSG_MAX];
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	if (!r)
		return false;
	struct snapshot snap;
	snapshot_init(&snap);
	enum trace_rec_kind kind;
	struct trace_event ev;
	bool ok = trace_next(r, &kind, &snap, &ev, err, sizeof(err)) == VT_OK;
	snapshot_free(&snap);
	trace_close(r);
	return ok;
}

struct sink *sink_record_open(const char *path, bool force, char *err, size_t errlen)
{
	off_t size;
	int fd = outfile_open(path, force, &size, err, errlen);
	if (fd < 0)
		return NULL;
	if (size > 0 && !is_trace(path)) {
		snprintf(err, errlen,
		         "%s: exists and is not a vramtop trace; choose another file, or "
		         "--force to overwrite it",
		         path);
		close(fd);
		return NULL;
	}
	struct stream *st = xcalloc(1, sizeof(*st));
	st->base = (struct sink){.ops = &record_ops, .essential = true};
	st->fd = fd;
	st->own_fd = true;
	st->path = path;
	jsonw_init(&st->w);
	return &st->base;
}
