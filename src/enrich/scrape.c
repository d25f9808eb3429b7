/* scrape.c: the listening socket a GPU process owns, and the libcurl
 * transfers to it on the loop (rules in scrape.h). */
#include "enrich/scrape.h"

#include <curl/curl.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "loop/loop.h"
#include "sys/curlm.h"
#include "sys/procfs.h"
#include "sys/users.h"

#define NET_CAP    ((size_t)1 << 20) /* /proc/<pid>/net/tcp of a busy host */
#define INODES_MAX 4096

/* ---- rule 2: whose listening socket ---- */

static int open_ours(const struct scrape_opts *o, pid_t pid, int *dirfd)
{
	uid_t uid;
	if (procfs_pid_open(o->proc_root, pid, dirfd) != VT_OK)
		return -1;
	if (procfs_uid_at(*dirfd, &uid) != VT_OK || !users_same(o->self_uid, uid)) {
		close(*dirfd);
		return -2;
	}
	return 0;
}

/* The socket inodes among the fds of the process behind dirfd. */
static size_t socket_inodes(int dirfd, unsigned long *out, size_t n, size_t max)
{
	int fdir = openat(dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fdir < 0)
		return n;
	DIR *d = fdopendir(fdir);
	if (!d) {
		close(fdir);
		return n;
	}
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		char t[64];
		unsigned long ino;
		ssize_t k = readlinkat(fdir, e->d_name, t, sizeof(t) - 1);
		if (k <= 0)
			continue;
		t[k] = '\0';
		if (strncmp(t, "socket:[", 8) != 0)
			continue;
		char *end;
		errno = 0;
		ino = strtoul(t + 8, &end, 10);
		if (end != t + 8 && end[0] == ']' && end[1] == '\0' && errno == 0)
			out[n++] = ino;
	}
	closedir(d);
	return n;
}

/* Same network namespace as ours? Else 127.0.0.1 is not its loopback. */
static bool same_netns(const struct scrape_opts *o, int dirfd)
{
	char mine[64], theirs[64], path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/self/ns/net", o->proc_root);
	ssize_t a = readlink(path, mine, sizeof(mine) - 1);
	ssize_t b = readlinkat(dirfd, "ns/net", theirs, sizeof(theirs) - 1);
	if (a < 0 && b < 0)
		return true; /* a fixture tree without namespaces */
	return a > 0 && a == b && memcmp(mine, theirs, (size_t)a) == 0;
}

/* Is a hex address of /proc/net/tcp{,6} reachable through loopback?
 * *only6 when only [::1] reaches it. */
static bool loopback_hex(const char *hex, bool *only6)
{
	size_t n = strlen(hex);
	*only6 = false;
	if (n == 8)
		return strcmp(hex, "00000000") == 0 || strncmp(hex + 6, "7F", 2) == 0 ||
		       strncmp(hex + 6, "7f", 2) == 0;
	if (n != 32)
		return false;
	if (strcmp(hex, "00000000000000000000000000000000") == 0)
		return true; /* [::], dual stack as a rule: 127.0.0.1 reaches it */
	if (strcasecmp(hex, "00000000000000000000000001000000") == 0) {
		*only6 = true;
		return true;
	}
	/* ::ffff:127.x.y.z */
	return strncasecmp(hex, "0000000000000000FFFF0000", 24) == 0 &&
	       strncasecmp(hex + 30, "7F", 2) == 0;
}

static bool port_allowed(const struct scrape_opts *o, int port)
{
	for (size_t i = 0; i < o->nports; i++)
		if (o->ports[i] == port)
			return true;
	return false;
}

struct listen_found {
	int port, bad_port;
	bool only6;
};

/* One line of /proc/net/tcp{,6}: "sl: LOCAL_HEX:PORT_HEX REMOTE ST ... INODE",
 * the local address (hex, at most 39 digits), port, state and inode; false
 * for the heading or anything else. line is cut up in place. */
static bool tcp_line(char *line, char addr[40], unsigned *port, unsigned *st, unsigned long *inode)
{
	char *f[10], *save = NULL, *end;
	size_t n = 0;
	for (char *tok = strtok_r(line, " \t", &save); tok && n < 10;
	     tok = strtok_r(NULL, " \t", &save))
		f[n++] = tok;
	if (n < 10)
		return false;
	char *colon = strrchr(f[1], ':');
	size_t alen = colon ? (size_t)(colon - f[1]) : 0;
	if (!alen || alen > 39)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (!isxdigit((unsigned char)f[1][i]))
			return false;
	memcpy(addr, f[1], alen);
	addr[alen] = '\0';
	errno = 0;
	unsigned long p = strtoul(colon + 1, &end, 16);
	if (end == colon + 1 || *end || p > 65535)
		return false;
	unsigned long s = strtoul(f[3], &end, 16);
	if (end == f[3] || *end || s > 0xFF)
		return false;
	unsigned long ino = strtoul(f[9], &end, 10);
	if (end == f[9] || *end || errno)
		return false;
	*port = (unsigned)p;
	*st = (unsigned)s;
	*inode = ino;
	return true;
}

static void scan_net(int dirfd, const char *file, const unsigned long *ino, size_t nino,
                     const struct scrape_opts *o, char *buf, struct listen_found *lf)
{
	size_t len;
	if (procfs_file_at(dirfd, file, buf, NET_CAP - 1, &len) != VT_OK)
		return;
	buf[len] = '\0';
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char addr[40];
		unsigned port, st;
		unsigned long inode;
		if (!tcp_line(line, addr, &port, &st, &inode) || st != 0x0A /* TCP_LISTEN */)
			continue;
		bool mine = false;
		for (size_t i = 0; i < nino && !mine; i++)
			mine = ino[i] == inode;
		bool only6;
		if (!mine || !loopback_hex(addr, &only6))
			continue;
		if (!port_allowed(o, (int)port)) {
			if (!lf->bad_port)
				lf->bad_port = (int)port;
			continue;
		}
		if (!lf->port) {
			lf->port = (int)port;
			lf->only6 = only6;
		}
	}
}

int scrape_find_port(const struct scrape_opts *o, pid_t pid, pid_t front_pid, pid_t *owner,
                     bool *v6, char *err, size_t errlen)
{
	pid_t cand[2] = {pid, front_pid};
	struct listen_found lf = {0};
	char *buf = NULL;
	unsigned long *ino = NULL;
	*owner = 0;
	*v6 = false;
	snprintf(err, errlen, "no listening socket of its own on a loopback address");
	for (int c = 0; c < 2 && !lf.port; c++) {
		int dirfd;
		if (cand[c] <= 0)
			continue;
		int rc = open_ours(o, cand[c], &dirfd);
		if (rc == -2) {
			snprintf(err, errlen, "process %d is another user's", (int)cand[c]);
			continue;
		}
		if (rc)
			continue;
		if (!same_netns(o, dirfd)) {
			snprintf(err, errlen, "in another network namespace");
			close(dirfd);
			continue;
		}
		if (!buf) {
			buf = xmalloc(NET_CAP);
			ino = xmalloc(INODES_MAX * sizeof(*ino));
		}
		size_t nino = socket_inodes(dirfd, ino, 0, INODES_MAX);
		if (nino) {
			scan_net(dirfd, "net/tcp", ino, nino, o, buf, &lf);
			if (!lf.port)
				scan_net(dirfd, "net/tcp6", ino, nino, o, buf, &lf);
		}
		close(dirfd);
		if (lf.port)
			*owner = cand[c];
	}
	free(buf);
	free(ino);
	if (!lf.port && lf.bad_port)
		snprintf(err, errlen, "listens on port %d, not in allowed_ports", lf.bad_port);
	if (lf.port) {
		err[0] = '\0';
		*v6 = lf.only6;
	}
	return lf.port;
}

/* ---- the transfers ---- */

struct entry {
	struct scraper *s;
	pid_t pid;
	uint64_t starttime;
	enum enrich_fw fw;
	pid_t front_pid;
	double last_at;
	bool tried, seen;
	const char *next;    /* the second endpoint's path while it is asked, else NULL */
	bool first_unserved; /* the first endpoint answered 404 or 501 */
	CURL *easy;          /* in flight when set */
	char *body;
	size_t blen;
	bool too_big, compressed;
	struct scrape_result res;
};

struct scraper {
	struct loop *l;
	struct scrape_opts o;
	struct curlm *cm; /* libcurl on the loop */
	struct curl_slist *headers;
	struct entry **e;
	size_t n, cap, busy;
	void (*idle_fn)(void *);
	void *idle_arg;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct entry *e = arg;
	size_t n = size * nmemb;
	if (e->blen + n > SCRAPE_BODY_MAX) {
		e->too_big = true;
		return 0; /* cut: CURLE_WRITE_ERROR */
	}
	memcpy(e->body + e->blen, data, n);
	e->blen += n;
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct entry *e = arg;
	size_t n = size * nmemb;
	static const char key[] = "content-encoding:";
	if (n >= sizeof(key) - 1 && strncasecmp(data, key, sizeof(key) - 1) == 0) {
		const char *v = data + sizeof(key) - 1, *end = data + n;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		if (!(end - v >= 8 && strncasecmp(v, "identity", 8) == 0)) {
			e->compressed = true;
			return 0;
		}
	}
	return n;
}

/* The scrape failed: why, and none of its figures. */
static void failed(struct scrape_result *r, const char *path, const char *why)
{
	r->has_kv = r->has_running = r->has_waiting = false;
	r->model[0] = '\0';
	snprintf(r->error, sizeof(r->error), "%s%s%.140s", path ? path : "", path ? ": " : "", why);
}

static void finish(struct scraper *s, struct entry *e, CURLcode rc)
{
	long code = 0;
	char why[160] = "";
	struct scrape_result *r = &e->res;
	curl_easy_getinfo(e->easy, CURLINFO_RESPONSE_CODE, &code);
	if (e->compressed)
		snprintf(why, sizeof(why), "compressed response refused");
	else if (e->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(why, sizeof(why), "response larger than 64 KiB");
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(why, sizeof(why), "no answer within %ld ms", s->o.timeout_ms);
	else if (rc != CURLE_OK)
		snprintf(why, sizeof(why), "%s", curl_easy_strerror(rc));
	else if (code >= 300 && code < 400)
		snprintf(why, sizeof(why), "redirect refused (HTTP %ld)", code);
	else if (code != 200)
		snprintf(why, sizeof(why), "HTTP %ld", code);
	bool unserved = rc == CURLE_OK && (code == 404 || code == 501);
	if (!e->next) { /* the first endpoint */
		r->valid = true;
		r->error[0] = '\0';
		e->first_unserved = unserved && e->fw == FW_LLAMACPP;
		if (e->first_unserved) /* llama-server without --metrics: /slots alone */
			failed(r, NULL, "");
		else if (why[0])
			failed(r, NULL, why);
		else
			scrape_parse_body(e->fw, e->body, e->blen, r);
	} else if (unserved && e->first_unserved) {
		failed(r, NULL, "neither /metrics nor /slots served (HTTP 404 or 501)");
	} else if (unserved) {
		/* not served (SGLang without --enable-metrics, llama-server
		 * with --no-slots): the first endpoint's figures stand */
	} else if (why[0]) {
		failed(r, e->next, why);
	} else {
		scrape_parse_next(e->fw, e->body, e->blen, r);
	}
	curl_multi_remove_handle(curlm_multi(s->cm), e->easy);
	curl_easy_cleanup(e->easy);
	e->easy = NULL;
	free(e->body);
	e->body = NULL;
	s->busy--;
}

/* A transfer ended (curlm): its result, then the idle callback once none
 * is left. */
static void start(struct scraper *s, struct entry *e, int port, bool v6, const char *path);

/* After the first endpoint answered well, the second where there is one,
 * on the port found again (the same checks: a listener of the process's,
 * in allowed_ports). */
static void start_next(struct scraper *s, struct entry *e)
{
	const char *next = scrape_path_next(e->fw, &e->res);
	pid_t owner;
	bool v6;
	char err[160];
	if (!next)
		return;
	int port = scrape_find_port(&s->o, e->pid, e->front_pid, &owner, &v6, err, sizeof(err));
	if (port != e->res.port || owner != e->res.socket_owner) {
		failed(&e->res, next, port ? "the listening socket changed" : err);
		return;
	}
	e->next = next;
	start(s, e, port, v6, next);
}

static void on_done(void *arg, CURL *easy, CURLcode rc)
{
	struct scraper *s = arg;
	struct entry *e = NULL;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&e);
	bool first = !e->next;
	finish(s, e, rc);
	if (first)
		start_next(s, e); /* before the idle check: --once waits for it too */
	if (!s->busy && s->idle_fn)
		s->idle_fn(s->idle_arg);
}

struct scraper *scraper_new(struct loop *l, const struct scrape_opts *o, char *err, size_t errlen)
{
	if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK) {
		snprintf(err, errlen, "libcurl could not be initialised");
		return NULL;
	}
	struct scraper *s = xcalloc(1, sizeof(*s));
	s->l = l;
	s->o = *o;
	s->cm = curlm_new(l, on_done, s);
	if (!s->cm) {
		free(s);
		curl_global_cleanup();
		snprintf(err, errlen, "libcurl could not be initialised");
		return NULL;
	}
	s->headers = curl_slist_append(NULL, "Accept-Encoding: identity");
	return s;
}

static void entry_free(struct scraper *s, struct entry *e)
{
	if (e->easy) {
		curl_multi_remove_handle(curlm_multi(s->cm), e->easy);
		curl_easy_cleanup(e->easy);
		s->busy--;
	}
	free(e->body);
	free(e);
}

void scraper_free(struct scraper *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		entry_free(s, s->e[i]);
	free(s->e);
	curlm_free(s->cm);
	curl_slist_free_all(s->headers);
	free(s);
	curl_global_cleanup();
}

void scraper_set_opts(struct scraper *s, const struct scrape_opts *o)
{
	s->o = *o;
}

static void start(struct scraper *s, struct entry *e, int port, bool v6, const char *path)
{
	char url[96];
	snprintf(url, sizeof(url), v6 ? "http://[::1]:%d%s" : "http://127.0.0.1:%d%s", port, path);
	CURL *c = curl_easy_init();
	if (!c) {
		failed(&e->res, e->next, "libcurl could not start a transfer");
		return;
	}
	e->body = xmalloc(SCRAPE_BODY_MAX);
	e->blen = 0;
	e->too_big = e->compressed = false;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SCRAPE_BODY_MAX);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, e);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, e);
	curl_easy_setopt(c, CURLOPT_PRIVATE, (char *)e);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	e->easy = c;
	s->busy++;
	if (curl_multi_add_handle(curlm_multi(s->cm), c) != CURLM_OK) {
		curl_easy_cleanup(c);
		e->easy = NULL;
		s->busy--;
		free(e->body);
		e->body = NULL;
		failed(&e->res, e->next, "libcurl could not start a transfer");
	}
}

const struct scrape_result *scraper_want(struct scraper *s, pid_t pid, uint64_t starttime,
                                         enum enrich_fw fw, pid_t front_pid, double now)
{
	struct entry *e = NULL;
	if (!scrape_path(fw))
		return NULL;
	for (size_t i = 0; i < s->n && !e; i++)
		if (s->e[i]->pid == pid && s->e[i]->starttime == starttime)
			e = s->e[i];
	if (!e) {
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 16;
			s->e = xreallocarray(s->e, s->cap, sizeof(*s->e));
		}
		e = xcalloc(1, sizeof(*e));
		e->s = s;
		e->pid = pid;
		e->starttime = starttime;
		s->e[s->n++] = e;
	}
	e->seen = true;
	e->fw = fw;
	e->front_pid = front_pid;
	if (!e->easy && (!e->tried || now - e->last_at >= s->o.rate_limit_s)) {
		e->tried = true;
		e->last_at = now;
		e->next = NULL;
		pid_t owner;
		bool v6;
		char err[160];
		int port = scrape_find_port(&s->o, pid, front_pid, &owner, &v6, err, sizeof(err));
		e->res.fw = fw;
		e->res.port = port;
		e->res.socket_owner = owner;
		if (!port) {
			e->res.valid = true;
			e->res.has_kv = e->res.has_running = e->res.has_waiting = false;
			e->res.model[0] = '\0';
			snprintf(e->res.error, sizeof(e->res.error), "%s", err);
		} else {
			start(s, e, port, v6, scrape_path(fw));
			if (!e->easy)
				e->res.valid = true;
		}
	}
	return e->res.valid ? &e->res : NULL;
}

void scraper_end(struct scraper *s)
{
	size_t o = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->e[i]->seen) {
			s->e[i]->seen = false;
			s->e[o++] = s->e[i];
		} else {
			entry_free(s, s->e[i]);
		}
	}
	s->n = o;
}

void scraper_expire(struct scraper *s)
{
	curlm_expire(s->cm);
	if (!s->busy && s->idle_fn)
		s->idle_fn(s->idle_arg);
}

size_t scraper_busy(const struct scraper *s)
{
	return s->busy;
}

void scraper_on_idle(struct scraper *s, void (*fn)(void *arg), void *arg)
{
	s->idle_fn = fn;
	s->idle_arg = arg;
}
