/* curlm.c: libcurl's multi-socket interface on the loop (see curlm.h). */
#include "sys/curlm.h"

#include <stdlib.h>

#include "core/xalloc.h"
#include "loop/loop.h"

struct curlm {
	struct loop *l;
	CURLM *multi;
	struct loop_timer *timer;
	curlm_done_fn done;
	void *arg;
};

/* One socket action, then every transfer it finished. */
static void drive(struct curlm *c, curl_socket_t fd, int ev)
{
	int running, left;
	CURLMsg *msg;
	curl_multi_socket_action(c->multi, fd, ev, &running);
	while ((msg = curl_multi_info_read(c->multi, &left)))
		if (msg->msg == CURLMSG_DONE)
			c->done(c->arg, msg->easy_handle, msg->data.result);
}

static void on_fd(struct loop *l, int fd, unsigned revents, void *arg)
{
	(void)l;
	int ev = ((revents & LOOP_IN) ? CURL_CSELECT_IN : 0) |
	         ((revents & LOOP_OUT) ? CURL_CSELECT_OUT : 0) |
	         ((revents & LOOP_ERR) ? CURL_CSELECT_ERR : 0);
	drive(arg, fd, ev);
}

static void on_timer(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	drive(arg, CURL_SOCKET_TIMEOUT, 0);
}

static int sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct curlm *c = userp;
	struct loop_fd *w = socketp;
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (w)
			loop_fd_remove(c->l, w);
		curl_multi_assign(c->multi, fd, NULL);
		return 0;
	}
	unsigned ev =
	    ((what & CURL_POLL_IN) ? LOOP_IN : 0) | ((what & CURL_POLL_OUT) ? LOOP_OUT : 0);
	if (w)
		loop_fd_set(w, ev);
	else
		curl_multi_assign(c->multi, fd, loop_fd_add(c->l, fd, ev, on_fd, c));
	return 0;
}

static int timer_cb(CURLM *multi, long ms, void *userp)
{
	struct curlm *c = userp;
	(void)multi;
	loop_timer_set(c->timer, ms < 0 ? -1.0 : (double)ms / 1000.0, 0);
	return 0;
}

struct curlm *curlm_new(struct loop *l, curlm_done_fn done, void *arg)
{
	CURLM *multi = curl_multi_init();
	if (!multi)
		return NULL;
	struct curlm *c = xcalloc(1, sizeof(*c));
	c->l = l;
	c->multi = multi;
	c->done = done;
	c->arg = arg;
	c->timer = loop_timer_add(l, -1, 0, on_timer, c);
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERDATA, c);
	return c;
}

CURLM *curlm_multi(const struct curlm *c)
{
	return c->multi;
}

void curlm_expire(struct curlm *c)
{
	drive(c, CURL_SOCKET_TIMEOUT, 0);
}

void curlm_free(struct curlm *c)
{
	if (!c)
		return;
	curl_multi_cleanup(c->multi);
	loop_timer_remove(c->l, c->timer);
	free(c);
}
