/* webhook.c: a JSON POST (with a Slack-compatible "text") when an OOM
 * warning begins on a GPU and when a GPU is lost -- through libcurl's multi
 * interface on the event loop, so a slow or dead receiver never holds up a
 * tick: its sockets are loop watchers, its timeouts a loop timer.
 *
 * One POST per event: a warning is announced once while it stands (it is
 * announced again only after it ended and began anew); a lost GPU once per
 * loss. A failed POST (no answer, not 2xx) is retried after 1, 2, 4, 8 s
 * and then dropped; at most WEBHOOK_BURST events are sent per minute (token
 * bucket), the rest dropped and counted; at most WEBHOOK_QUEUE wait. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/secrets.h"
#include "core/error.h"
#include "core/jsonw.h"
#include "core/sanitize.h"
#include "core/xalloc.h"
#include "loop/loop.h"
#include "sink/sinks.h"
#include "sys/curlm.h"
#include "ui/state.h"

#define WEBHOOK_QUEUE      16
#define WEBHOOK_TRIES      5
#define WEBHOOK_BURST      10 /* events per minute */
#define WEBHOOK_TIMEOUT_MS 5000
#define WEBHOOK_MAX_GPUS   64

struct hook_msg {
	char *body;
	int tries;
	struct loop_timer *retry; /* armed while waiting to try again */
	CURL *easy;               /* set while in flight */
	struct curl_slist *hdrs;
	struct hook_sink *owner;
};

struct hook_sink {
	struct sink base;
	struct loop *loop;
	const struct config *cfg;
	char url[SECRETS_VALUE_MAX];
	char auth[SECRETS_VALUE_MAX + 32]; /* "Authorization: Bearer ...", or "" */
	char host[256];
	struct curlm *cm; /* libcurl on the loop */
	struct hook_msg *q[WEBHOOK_QUEUE];
	size_t nq;
	bool warned[WEBHOOK_MAX_GPUS], lost[WEBHOOK_MAX_GPUS];
	double tokens, tokens_t;
	unsigned long sent, failed, dropped;
	struct jsonw w;
};

/* ---- transfers (libcurl on the loop: sys/curlm) ---------------------------- */

static void msg_free(struct hook_msg *m)
{
	struct hook_sink *h = m->owner;
	if (m->retry)
		loop_timer_remove(h->loop, m->retry);
	if (m->easy) {
		curl_multi_remove_handle(curlm_multi(h->cm), m->easy);
		curl_easy_cleanup(m->easy);
	}
	curl_slist_free_all(m->hdrs);
	free(m->body);
	for (size_t i = 0; i < h->nq; i++)
		if (h->q[i] == m) {
			h->q[i] = h->q[--h->nq];
			break;
		}
	free(m);
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

static void start(struct hook_msg *m)
{
	struct hook_sink *h = m->owner;
	m->easy = curl_easy_init();
	if (!m->easy) {
		h->failed++;
		msg_free(m);
		return;
	}
	if (!m->hdrs) {
		m->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
		if (h->auth[0])
			m->hdrs = curl_slist_append(m->hdrs, h->auth);
	}
	curl_easy_setopt(m->easy, CURLOPT_URL, h->url);
	curl_easy_setopt(m->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(m->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(m->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(m->easy, CURLOPT_TIMEOUT_MS, (long)WEBHOOK_TIMEOUT_MS);
	curl_easy_setopt(m->easy, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(m->easy, CURLOPT_HTTPHEADER, m->hdrs);
	curl_easy_setopt(m->easy, CURLOPT_POSTFIELDS, m->body);
	curl_easy_setopt(m->easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(m->easy, CURLOPT_PRIVATE, m);
	curl_easy_setopt(m->easy, CURLOPT_USERAGENT, "vramtop/" VT_VERSION);
	m->tries++;
	curl_multi_add_handle(curlm_multi(h->cm), m->easy);
}

static void on_retry(struct loop *l, struct loop_timer *t, void *arg)
{
	struct hook_msg *m = arg;
	(void)t;
	loop_timer_remove(l, m->retry);
	m->retry = NULL;
	start(m);
}

/* A transfer ended (curlm): 2xx is done; otherwise try again after 1, 2,
 * 4, 8 s. */
static void done(void *arg, CURL *e, CURLcode rc)
{
	struct hook_sink *h = arg;
	struct hook_msg *m = NULL;
	long code = 0;
	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&m);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	curl_multi_remove_handle(curlm_multi(h->cm), e);
	curl_easy_cleanup(e);
	m->easy = NULL;
	if (rc == CURLE_OK && code >= 200 && code < 300) {
		h->sent++;
		msg_free(m);
		return;
	}
	if (m->tries >= WEBHOOK_TRIES) {
		h->failed++;
		fprintf(stderr, "vramtop: webhook: gave up after %d tries (%s)\n", m->tries,
		        rc != CURLE_OK ? curl_easy_strerror(rc)
		                       : "the receiver did not answer 2xx");
		msg_free(m);
		return;
	}
	m->retry = loop_timer_add(h->loop, (double)(1 << (m->tries - 1)), 0, on_retry, m);
}

/* ---- events ---------------------------------------------------------------- */

static bool take_token(struct hook_sink *h, double now)
{
	h->tokens += (now - h->tokens_t) * WEBHOOK_BURST / 60.0;
	h->tokens_t = now;
	if (h->tokens > WEBHOOK_BURST)
		h->tokens = WEBHOOK_BURST;
	if (h->tokens < 1) {
		h->dropped++;
		return false;
	}
	h->tokens -= 1;
	return true;
}

static void send_event(struct hook_sink *h)
{
	if (h->nq >= WEBHOOK_QUEUE || !take_token(h, loop_now())) {
		if (h->nq >= WEBHOOK_QUEUE)
			h->dropped++;
		return;
	}
	struct hook_msg *m = xcalloc(1, sizeof(*m));
	m->owner = h;
	m->body = xstrdup(h->w.buf);
	h->q[h->nq++] = m;
	start(m);
}

static void gpu_keys(struct jsonw *w, const struct model *m, const struct model_gpu *g,
                     const char *host)
{
	const struct snap_gpu *sg = model_gpu_snap(m, g);
	jsonw_key(w, "host");
	jsonw_str(w, host);
	jsonw_key(w, "gpu");
	jsonw_u64(w, g->index);
	jsonw_key(w, "name");
	jsonw_str(w, g->name);
	jsonw_key(w, "uuid");
	if (sg && (sg->valid & GM_UUID))
		jsonw_str(w, sg->uuid);
	else
		jsonw_null(w);
	jsonw_key(w, "time");
	jsonw_double(w, m->snap.time, 3);
}

static const struct model_proc *culprit(const struct model_gpu *g)
{
	for (size_t k = 0; k < g->nrows; k++)
		if (g->rows[k]->pid == g->an.culprit_pid)
			return g->rows[k];
	return NULL;
}

static void oom_event(struct hook_sink *h, const struct model *m, const struct model_gpu *g)
{
	const struct model_proc *c = g->an.culprit_pid ? culprit(g) : NULL;
	char text[1024], who[600] = "no single culprit";
	if (g->an.culprit_pid)
		snprintf(who, sizeof(who), "culprit: pid %ld %s%s%s", (long)g->an.culprit_pid,
		         c && c->id && c->id->name[0] ? c->id->name : "",
		         c && c->id && c->id->user[0] ? " of user " : "",
		         c && c->id ? c->id->user : "");
	snprintf(text, sizeof(text),
	         "vramtop on %s: GPU %u (%s) will run out of memory in %.0f-%.0f s "
	         "(confidence %.2f); %s",
	         h->host, g->index, g->name, g->an.low_s, g->an.high_s, g->an.confidence, who);
	struct jsonw *w = &h->w;
	jsonw_reset(w);
	jsonw_obj_begin(w);
	jsonw_key(w, "text");
	jsonw_str(w, text);
	jsonw_key(w, "event");
	jsonw_str(w, "oom_warning");
	gpu_keys(w, m, g, h->host);
	jsonw_key(w, "eta_low_s");
	jsonw_double(w, g->an.low_s, 1);
	jsonw_key(w, "eta_high_s");
	jsonw_double(w, g->an.high_s, 1);
	jsonw_key(w, "confidence");
	jsonw_double(w, g->an.confidence, 3);
	jsonw_key(w, "culprit");
	if (g->an.culprit_pid) {
		jsonw_obj_begin(w);
		jsonw_key(w, "pid");
		jsonw_i64(w, g->an.culprit_pid);
		jsonw_key(w, "command");
		jsonw_str(w, c && c->id ? c->id->name : "");
		jsonw_key(w, "user");
		jsonw_str(w, c && c->id ? c->id->user : "");
		jsonw_obj_end(w);
	} else {
		jsonw_null(w);
	}
	jsonw_obj_end(w);
	send_event(h);
}

static void lost_event(struct hook_sink *h, const struct model *m, const struct model_gpu *g)
{
	char text[512];
	snprintf(text, sizeof(text), "vramtop on %s: GPU %u (%s) is lost (fell off the bus)",
	         h->host, g->index, g->name);
	struct jsonw *w = &h->w;
	jsonw_reset(w);
	jsonw_obj_begin(w);
	jsonw_key(w, "text");
	jsonw_str(w, text);
	jsonw_key(w, "event");
	jsonw_str(w, "gpu_lost");
	gpu_keys(w, m, g, h->host);
	jsonw_obj_end(w);
	send_event(h);
}

static int hook_tick(struct sink *s, const struct model *m, char *err, size_t errlen)
{
	struct hook_sink *h = (struct hook_sink *)s;
	struct ui_state probe = {.m = m, .cfg = h->cfg};
	(void)err;
	(void)errlen;
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct snap_gpu *sg = &m->snap.gpus[i];
		const struct model_gpu *g = &m->gpus[m->gpu_of_snap[i]];
		if (g->index >= WEBHOOK_MAX_GPUS)
			continue;
		bool lost = sg->state == GPU_STATE_LOST;
		if (lost && !h->lost[g->index])
			lost_event(h, m, g);
		h->lost[g->index] = lost;
		if (!g->analysed)
			continue; /* a warning stands until the GPU is analysed again */
		bool warn = ui_oom_warning(&probe, g);
		if (warn && !h->warned[g->index])
			oom_event(h, m, g);
		h->warned[g->index] = warn;
	}
	return VT_OK;
}

static void hook_free(struct sink *s)
{
	struct hook_sink *h = (struct hook_sink *)s;
	while (h->nq > 0)
		msg_free(h->q[h->nq - 1]); /* the last: nothing moves */
	curlm_free(h->cm);
	jsonw_free(&h->w);
	free(h);
}

static const struct sink_ops hook_ops = {.name = "webhook", .tick = hook_tick, .free = hook_free};

struct sink *sink_webhook_new(struct loop *l, const struct config *cfg, const char *url,
                              const char *token, char *err, size_t errlen)
{
	char auth[SECRETS_VALUE_MAX + 32] = "";
	if (token && token[0]) {
		for (const char *c = token; *c; c++)
			if ((unsigned char)*c < 0x21 || *c == 0x7f) {
				snprintf(err, errlen,
				         "webhook_token holds a space or a control character");
				return NULL;
			}
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	}
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		snprintf(err, errlen, "webhook_url must be an http:// or https:// URL");
		return NULL;
	}
	if (strlen(url) >= SECRETS_VALUE_MAX) {
		snprintf(err, errlen, "webhook_url is too long");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		snprintf(err, errlen, "webhook: libcurl cannot start");
		return NULL;
	}
	struct hook_sink *h = xcalloc(1, sizeof(*h));
	h->base = (struct sink){.ops = &hook_ops, .essential = false};
	h->loop = l;
	h->cfg = cfg;
	vt_strlcpy(h->url, url, sizeof(h->url));
	vt_strlcpy(h->auth, auth, sizeof(h->auth));
	char host[256] = "";
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	vt_sanitize_str(h->host, sizeof(h->host), host);
	h->tokens = WEBHOOK_BURST;
	h->tokens_t = loop_now();
	jsonw_init(&h->w);
	h->cm = curlm_new(l, done, h);
	if (!h->cm) {
		snprintf(err, errlen, "libcurl could not make a multi handle");
		jsonw_free(&h->w);
		free(h);
		return NULL;
	}
	return &h->base;
}
