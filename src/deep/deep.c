/* deep.c: deep mode's reader -- discovery, peer checks, bounded line
 * reading on the event loop, stale-socket removal (see deep.h). */
#include "deep/deep.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/error.h"
#include "core/sanitize.h"
#include "core/xalloc.h"
#include "loop/loop.h"
#include "sys/identity.h"
#include "sys/users.h"

#define BAN_S       60.0 /* a dropped or refused peer is not tried again for this long */
#define BANS_MAX    64
#define READ_ROUNDS 4 /* reads of one peer per wake-up: others get their turn */
#define STR_(x)     #x
#define STR(x)      STR_(x)

struct deep_dev {
	bool valid;
	struct snap_deep f;
};

struct deep_conn {
	struct deep *d;
	int fd;
	struct loop_fd *w;
	struct proc_identity id; /* pid from SO_PEERCRED, starttime from /proc */
	bool hello, sampled;
	char framework[24];
	double t_open, t_sample;
	double flood_t;
	unsigned flood_n;
	size_t len;
	char buf[DEEP_LINE_MAX];
	struct deep_dev devs[DEEP_DEVS_MAX];
};

struct ban {
	pid_t pid;
	double until;
};

struct deep {
	struct loop *loop;
	struct loop_timer *timer;
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool dir_ok; /* false: too long for a socket path */
	bool dir_noted;
	uid_t uid;
	deep_notice_fn notice;
	void *notice_arg;
	struct deep_conn *conns[DEEP_CONNS_MAX];
	size_t nconns;
	struct ban bans[BANS_MAX];
	size_t nbans;
	struct deep_stats stats;
};

static void say(struct deep *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct deep *d, const char *fmt, ...)
{
	char raw[512], clean[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	vt_sanitize_str(clean, sizeof(clean), raw);
	if (d->notice)
		d->notice(d->notice_arg, clean);
}

const char *deep_default_dir(char *buf, size_t cap)
{
	const char *base = getenv("XDG_RUNTIME_DIR");
	if (base && base[0] == '/')
		snprintf(buf, cap, "%s/vramtop", base);
	else
		snprintf(buf, cap, "/tmp/vramtop-%u", (unsigned)getuid());
	return buf;
}

static bool banned(struct deep *d, pid_t pid, double now)
{
	for (size_t i = 0; i < d->nbans; i++)
		if (d->bans[i].pid == pid && d->bans[i].until > now)
			return true;
	return false;
}

static void ban(struct deep *d, pid_t pid, double now)
{
	size_t slot = d->nbans, oldest = 0;
	for (size_t i = 0; i < d->nbans; i++) {
		if (d->bans[i].pid == pid || d->bans[i].until <= now) {
			slot = i;
			break;
		}
		if (d->bans[i].until < d->bans[oldest].until)
			oldest = i;
	}
	if (slot == d->nbans) {
		if (d->nbans < BANS_MAX)
			d->nbans++;
		else
			slot = oldest;
	}
	d->bans[slot].pid = pid;
	d->bans[slot].until = now + BAN_S;
}

static void conn_close(struct deep_conn *c)
{
	struct deep *d = c->d;
	for (size_t i = 0; i < d->nconns; i++)
		if (d->conns[i] == c) {
			d->conns[i] = d->conns[--d->nconns];
			break;
		}
	if (c->w)
		loop_fd_remove(d->loop, c->w);
	close(c->fd);
	free(c);
}

/* A peer that broke the protocol: closed, not tried again for a while. */
static void conn_drop(struct deep_conn *c, const char *why)
{
	struct deep *d = c->d;
	say(d, "deep mode: process %d %s; not read (retried in %.0f s)", (int)c->id.pid, why,
	    BAN_S);
	d->stats.dropped++;
	ban(d, c->id.pid, loop_now());
	conn_close(c);
}

static void on_msg(struct deep_conn *c, const struct deep_msg *m)
{
	struct deep *d = c->d;
	if (m->kind == DEEP_MSG_HELLO) {
		if (c->hello) {
			conn_drop(c, "sent a second hello");
			return;
		}
		if (m->pid != c->id.pid) {
			char why[96];
			snprintf(why, sizeof(why), "says it is process %d", (int)m->pid);
			conn_drop(c, why);
			return;
		}
		c->hello = true;
		memcpy(c->framework, m->framework, sizeof(c->framework));
		return;
	}
	if (!c->hello) {
		conn_drop(c, "sent data before its hello");
		return;
	}
	if (m->kind == DEEP_MSG_SAMPLE) {
		c->devs[m->device].valid = true;
		c->devs[m->device].f = m->f;
		c->sampled = true;
		c->t_sample = loop_now();
		return;
	}
	/* DEEP_MSG_OOM */
	d->stats.ooms++;
	if (m->has_requested)
		say(d,
		    "deep mode: process %d ran out of memory on CUDA device %u (asked for %llu "
		    "bytes)",
		    (int)c->id.pid, m->device, (unsigned long long)m->requested);
	else
		say(d, "deep mode: process %d ran out of memory on CUDA device %u", (int)c->id.pid,
		    m->device);
}

/* Complete lines of c->buf, then the rest moved to the front. Returns false
 * when c was closed. */
static bool take_lines(struct deep_conn *c)
{
	struct deep *d = c->d;
	size_t start = 0;
	char *nl;
	while ((nl = memchr(c->buf + start, '\n', c->len - start))) {
		size_t n = (size_t)(nl - (c->buf + start));
		double now = loop_now();
		if (now - c->flood_t >= 1.0) {
			c->flood_t = now;
			c->flood_n = 0;
		}
		if (++c->flood_n > DEEP_FLOOD_LINES) {
			conn_drop(c, "floods (more than " STR(DEEP_FLOOD_LINES) " lines a second)");
			return false;
		}
		d->stats.lines++;
		struct deep_msg m;
		char err[VT_ERRMSG_MAX];
		if (deep_parse_line(c->buf + start, n, &m, err, sizeof(err)) != VT_OK) {
			char why[VT_ERRMSG_MAX + 24];
			snprintf(why, sizeof(why), "sent a bad line (%s)", err);
			conn_drop(c, why);
			return false;
		}
		size_t live = d->nconns;
		on_msg(c, &m);
		if (d->nconns != live)
			return false; /* on_msg dropped it */
		start += n + 1;
	}
	memmove(c->buf, c->buf + start, c->len - start);
	c->len -= start;
	if (c->len == sizeof(c->buf)) {
		conn_drop(c, "sent a line longer than " STR(DEEP_LINE_MAX) " bytes");
		return false;
	}
	return true;
}

static void on_readable(struct loop *l, int fd, unsigned revents, void *arg)
{
	struct deep_conn *c = arg;
	(void)l;
	(void)revents;
	for (int round = 0; round < READ_ROUNDS; round++) {
		ssize_t n = read(fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) { /* the process went away (or reset): nothing to say */
			conn_close(c);
			return;
		}
		c->len += (size_t)n;
		if (!take_lines(c))
			return;
	}
}

/* Only a socket of ours, in our directory, not through a symlink. */
static bool our_socket(struct deep *d, int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode) &&
	       st.st_uid == d->uid;
}

static void try_socket(struct deep *d, int dirfd, const char *name, pid_t pid, double now)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", d->dir, name) >=
	    sizeof(sa.sun_path))
		return;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		close(fd);
		/* nobody listening: stale, from a process that died without
		 * cleaning up. Checked again just before, so that only a socket
		 * file of ours goes. EAGAIN (a full backlog) is not stale. */
		if (e == ECONNREFUSED && our_socket(d, dirfd, name) &&
		    unlinkat(dirfd, name, 0) == 0)
			d->stats.stale_removed++;
		return;
	}
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	struct proc_identity id = {.pid = pid};
	const char *why = NULL;
	char whybuf[96];
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) != 0 || crlen != sizeof(cr)) {
		why = "could not be checked (SO_PEERCRED failed)";
	} else if (!users_same(d->uid, cr.uid)) {
		snprintf(whybuf, sizeof(whybuf), "'s socket is served by another user (uid %u)",
		         (unsigned)cr.uid);
		why = whybuf;
	} else if (cr.pid != pid) {
		snprintf(whybuf, sizeof(whybuf), "'s socket is served by process %d", (int)cr.pid);
		why = whybuf;
	} else if (proc_identity_read("/proc", pid, &id) != VT_OK) {
		why = "vanished while connecting";
	}
	if (why) {
		say(d, "deep mode: process %d%s%s; not read (retried in %.0f s)", (int)pid,
		    why[0] == '\'' ? "" : " ", why, BAN_S);
		d->stats.dropped++;
		ban(d, pid, now);
		close(fd);
		return;
	}
	struct deep_conn *c = xcalloc(1, sizeof(*c));
	c->d = d;
	c->fd = fd;
	c->id = id;
	c->t_open = now;
	c->flood_t = now;
	c->w = loop_fd_add(d->loop, fd, LOOP_IN, on_readable, c);
	d->conns[d->nconns++] = c;
	d->stats.connected++;
}

static struct deep_conn *conn_of(struct deep *d, pid_t pid)
{
	for (size_t i = 0; i < d->nconns; i++)
		if (d->conns[i]->id.pid == pid)
			return d->conns[i];
	return NULL;
}

/* "<pid>.sock" -> pid, else 0. */
static pid_t sock_pid(const char *name)
{
	uint64_t v = 0;
	const char *q = name;
	for (; *q >= '0' && *q <= '9' && v <= INT32_MAX; q++)
		v = v * 10 + (uint64_t)(*q - '0');
	if (q == name || name[0] == '0' || strcmp(q, ".sock") != 0 || v > INT32_MAX)
		return 0;
	return (pid_t)v;
}

/* Opens the directory if it is ours and private: a real directory (not a
 * symlink), owned by our real UID, no group or other bits. -1 otherwise
 * (said once; absent is no news). */
static int open_dir(struct deep *d)
{
	int fd = open(d->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT && !d->dir_noted)
			say(d, "deep mode: cannot open %s: %s", d->dir, strerror(errno));
		d->dir_noted = errno != ENOENT;
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_uid != d->uid || (st.st_mode & 077)) {
		if (!d->dir_noted)
			say(d,
			    "deep mode: %s is not a private directory of ours (mode %o, uid %u); "
			    "its sockets are not read",
			    d->dir, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		d->dir_noted = true;
		close(fd);
		return -1;
	}
	d->dir_noted = false;
	return fd;
}

void deep_scan(struct deep *d)
{
	double now = loop_now();
	for (size_t i = d->nconns; i-- > 0;) {
		struct deep_conn *c = d->conns[i];
		if (!c->hello && now - c->t_open > DEEP_HELLO_S)
			conn_drop(c, "sent no hello within 2 s");
	}
	if (!d->dir_ok)
		return;
	int dirfd = open_dir(d);
	if (dirfd < 0)
		return;
	DIR *dir = fdopendir(dirfd);
	if (!dir) {
		close(dirfd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(dir)) && d->nconns < DEEP_CONNS_MAX) {
		pid_t pid = sock_pid(e->d_name);
		if (!pid || conn_of(d, pid) || banned(d, pid, now))
			continue;
		struct stat st;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISSOCK(st.st_mode))
			continue; /* a file or a symlink named like a socket: not ours to touch */
		if (st.st_uid != d->uid) {
			say(d, "deep mode: %s/%s belongs to uid %u, not to us; not read", d->dir,
			    e->d_name, (unsigned)st.st_uid);
			ban(d, pid, now);
			continue;
		}
		try_socket(d, dirfd, e->d_name, pid, now);
	}
	closedir(dir);
}

static void on_timer(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	deep_scan(arg);
}

struct deep *deep_new(struct loop *l, const char *dir, double scan_s, deep_notice_fn fn, void *arg)
{
	struct deep *d = xcalloc(1, sizeof(*d));
	char def[sizeof(d->dir)];
	d->loop = l;
	d->uid = getuid();
	d->notice = fn;
	d->notice_arg = arg;
	if (!dir)
		dir = deep_default_dir(def, sizeof(def));
	/* room for "/<pid>.sock" too */
	d->dir_ok = strlen(dir) + 18 < sizeof(d->dir);
	if (d->dir_ok)
		memcpy(d->dir, dir, strlen(dir) + 1);
	deep_scan(d);
	d->timer = loop_timer_add(l, scan_s, scan_s, on_timer, d);
	return d;
}

void deep_free(struct deep *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nconns; i++) {
		struct deep_conn *c = d->conns[i];
		if (c->w)
			loop_fd_remove(d->loop, c->w);
		close(c->fd);
		free(c);
	}
	d->nconns = 0;
	loop_timer_remove(d->loop, d->timer);
	free(d);
}

size_t deep_pending(const struct deep *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->nconns; i++)
		n += !d->conns[i]->sampled;
	return n;
}

void deep_apply(struct deep *d, struct snapshot *s, double now)
{
	for (size_t i = 0; i < s->nprocs; i++) {
		struct snap_proc *p = &s->procs[i];
		struct deep_conn *c = conn_of(d, p->pid);
		if (!c || !c->sampled || now - c->t_sample > DEEP_STALE_S)
			continue;
		if ((p->flags & PF_START_VALID) && p->starttime != c->id.starttime)
			continue; /* a recycled PID: not this process's figures */
		struct snap_deep sum = {0};
		for (size_t k = 0; k < DEEP_DEVS_MAX; k++) {
			const struct snap_deep *f = &c->devs[k].f;
			if (!c->devs[k].valid)
				continue;
			for (size_t n = 0; n < SNAP_DEEP_NFIELDS; n++)
				*snap_deep_at(&sum, n) += snap_deep_get(f, n);
		}
		p->deep = sum;
		p->flags |= PF_DEEP_VALID;
	}
}

const struct deep_stats *deep_stats(const struct deep *d)
{
	return &d->stats;
}
