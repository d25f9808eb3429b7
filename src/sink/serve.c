/* serve.c: the Prometheus exporter -- a sink that keeps the model to hand
 * and an HTTP front (libmicrohttpd) on the event loop: /metrics
 * (export/prom.h, rendered when scraped), /healthz and /api/v1/snapshot
 * (the --once --json document).
 *
 * libmicrohttpd runs in external mode with its own epoll set: the loop
 * watches that one fd and calls MHD_run when it is readable or when
 * MHD_get_timeout says a connection is due to time out. No thread, no
 * blocking call: MHD's sockets are non-blocking and a response is written
 * as far as the peer takes it. Hostile peers are bounded by MHD's limits:
 * SERVE_MAX_CONNS connections (more wait in the listen backlog), SERVE_TIMEOUT_S
 * of inactivity, SERVE_CONN_MEMORY bytes per connection for the request
 * (a longer request line or header block is answered 414/431). */
#include <arpa/inet.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config/config.h"
#include "core/error.h"
#include "core/jsonw.h"
#include "core/strnum.h"
#include "core/xalloc.h"
#include "export/prom.h"
#include "export/snapshot_fmt.h"
#include "loop/loop.h"
#include "pipeline/pipeline.h"
#include "sink/sinks.h"

#define SERVE_MAX_CONNS   64
#define SERVE_TIMEOUT_S   5
#define SERVE_CONN_MEMORY (32 * 1024)
#define SERVE_BACKLOG     64
#define SERVE_POLL_S      1.0 /* MHD_run at least this often (see rearm) */

struct serve_sink {
	struct sink base;
	struct loop *loop;
	const struct pipeline *p;
	const struct config *cfg;
	struct MHD_Daemon *d;
	struct loop_fd *fdw;
	struct loop_timer *timer;
	struct prom *prom;
	struct jsonw w;
	double last_tick; /* monotonic */
	unsigned long scrapes, http_errors;
};

/* MHD's next deadline (a connection's timeout), at the latest
 * SERVE_POLL_S from now. */
static void rearm(struct serve_sink *s)
{
	MHD_UNSIGNED_LONG_LONG ms;
	double delay = SERVE_POLL_S;
	if (MHD_get_timeout(s->d, &ms) == MHD_YES && (double)ms / 1000.0 < delay)
		delay = (double)ms / 1000.0;
	loop_timer_set(s->timer, delay, 0);
}

static void on_fd(struct loop *l, int fd, unsigned revents, void *arg)
{
	struct serve_sink *s = arg;
	(void)l;
	(void)fd;
	(void)revents;
	MHD_run(s->d);
	rearm(s);
}

static void on_timer(struct loop *l, struct loop_timer *t, void *arg)
{
	on_fd(l, -1, 0, arg);
	(void)t;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type,
                             const char *body, size_t len, bool head)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    head ? 0 : len, (void *)body, head ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result rc = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned code, const char *body, bool head)
{
	return reply(c, code, "text/plain; charset=utf-8", body, strlen(body), head);
}

/* Fresh: a tick within the last three refresh intervals (plus a second). */
static bool fresh(const struct serve_sink *s)
{
	return s->p->ticks && loop_now() - s->last_tick <= 3 * s->cfg->refresh_rate + 1;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
	struct serve_sink *s = cls;
	(void)version;
	(void)upload_data;
	(void)con_cls;
	bool head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	if (!head && strcmp(method, MHD_HTTP_METHOD_GET) != 0) {
		s->http_errors++;
		*upload_data_size = 0; /* a body is not read: the answer is the same */
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n", false);
	}
	const struct model *m = &s->p->model;
	if (strcmp(url, "/metrics") == 0) {
		s->scrapes++;
		struct prom_stats st = {
		    .samples = s->p->ticks,
		    .sample_errors = s->p->sample_errors,
		    .scrapes = s->scrapes,
		    .http_errors = s->http_errors,
		};
		prom_set_max_procs(s->prom, (size_t)s->cfg->prometheus_max_processes);
		size_t len;
		const char *body = prom_render(s->prom, m, &st, &len);
		return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len,
		             head);
	}
	if (strcmp(url, "/healthz") == 0)
		return fresh(s)
		           ? text(c, MHD_HTTP_OK, "ok\n", head)
		           : text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
		                  s->p->ticks ? "stale: no sample for three refresh intervals\n"
		                              : "starting: no sample yet\n",
		                  head);
	if (strcmp(url, "/api/v1/snapshot") == 0) {
		if (!s->p->ticks)
			return text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "starting: no sample yet\n",
			            head);
		snapshot_fmt_json(&s->w, &m->snap, m);
		return reply(c, MHD_HTTP_OK, "application/json", s->w.buf, s->w.len, head);
	}
	if (strcmp(url, "/") == 0)
		return text(c, MHD_HTTP_OK,
		            "vramtop exporter: /metrics /healthz /api/v1/snapshot\n", head);
	s->http_errors++;
	return text(c, MHD_HTTP_NOT_FOUND, "not found: /metrics /healthz /api/v1/snapshot\n", head);
}

static int serve_tick(struct sink *sk, const struct model *m, char *err, size_t errlen)
{
	struct serve_sink *s = (struct serve_sink *)sk;
	(void)err;
	(void)errlen;
	prom_tick(s->prom, m);
	s->last_tick = loop_now();
	return VT_OK;
}

static void serve_free(struct sink *sk)
{
	struct serve_sink *s = (struct serve_sink *)sk;
	if (s->fdw)
		loop_fd_remove(s->loop, s->fdw);
	if (s->timer)
		loop_timer_remove(s->loop, s->timer);
	if (s->d)
		MHD_stop_daemon(s->d);
	prom_free(s->prom);
	jsonw_free(&s->w);
	free(s);
}

static const struct sink_ops serve_ops = {
    .name = "exporter", .tick = serve_tick, .free = serve_free};

int serve_parse_listen(const char *arg, char *addr, size_t cap, int *port, char *err, size_t errlen)
{
	const char *colon = strrchr(arg, ':');
	char host[64];
	double pd;
	if (!colon || colon == arg || (size_t)(colon - arg) >= sizeof(host) ||
	    !strnum_double(colon + 1, &pd) || pd != floor(pd) || pd < 0 || pd > 65535)
		goto bad;
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	if (host[0] == '[') { /* [::1]:9400 */
		size_t n = strlen(host);
		if (n < 3 || host[n - 1] != ']')
			goto bad;
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	struct in6_addr a6;
	struct in_addr a4;
	if (inet_pton(AF_INET, host, &a4) != 1 && inet_pton(AF_INET6, host, &a6) != 1)
		goto bad;
	vt_strlcpy(addr, host, cap);
	*port = (int)pd;
	return VT_OK;
bad:
	snprintf(err, errlen,
	         "--listen wants ADDRESS:PORT with a numeric IPv4 or [IPv6] address and a port "
	         "from 0 to 65535, not '%s'",
	         arg);
	return VT_ERR;
}

struct sink *sink_serve_new(struct loop *l, const struct pipeline *p, const struct config *cfg,
                            const char *addr, int port, int *bound, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	unsigned flags = MHD_USE_EPOLL;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "exporter: '%s' is not a numeric IP address", addr);
		return NULL;
	}
	struct serve_sink *s = xcalloc(1, sizeof(*s));
	s->base = (struct sink){.ops = &serve_ops, .essential = false};
	s->loop = l;
	s->p = p;
	s->cfg = cfg;
	s->prom = prom_new((size_t)cfg->prometheus_max_processes);
	jsonw_init(&s->w);
	s->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR,
	                        &ss, MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVE_MAX_CONNS,
	                        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVE_TIMEOUT_S,
	                        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_MEMORY,
	                        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)SERVE_BACKLOG,
	                        MHD_OPTION_END);
	const union MHD_DaemonInfo *ei =
	    s->d ? MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!ei) {
		snprintf(err, errlen,
		         "exporter: cannot listen on %s%s%s:%d (in use, or not an "
		         "address of this host?)",
		         flags & MHD_USE_IPv6 ? "[" : "", addr, flags & MHD_USE_IPv6 ? "]" : "",
		         port);
		serve_free(&s->base);
		return NULL;
	}
	const union MHD_DaemonInfo *pi = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	*bound = pi ? pi->port : port;
	s->fdw = loop_fd_add(l, ei->epoll_fd, LOOP_IN, on_fd, s);
	s->timer = loop_timer_add(l, -1, 0, on_timer, s);
	rearm(s);
	return &s->base;
}
