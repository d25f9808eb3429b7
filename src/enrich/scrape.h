/* scrape.h: inference-server metrics, read over HTTP from the server a GPU
 * process runs -- SPEC §4's five rules, every one checked here:
 *   1. only http://127.0.0.1:PORT or http://[::1]:PORT, PORT in allowed_ports;
 *   2. the listening socket (an inode of /proc/<pid>/net/tcp{,6} in LISTEN)
 *      is one of the GPU process's fds -- or, for a server whose HTTP front
 *      is the parent of its GPU worker (vLLM's EngineCore), the parent's, of
 *      the same user -- and the process shares our network namespace (else
 *      127.0.0.1 would be someone else's);
 *   3. at most one request per process identity every rate_limit_seconds;
 *   4. no redirects (a 3xx is an error);
 *   5. the timeout, a 64 KiB cap on the body (the transfer is cut there), no
 *      compressed encodings (Content-Encoding other than identity is an
 *      error), HTTP only, no proxy.
 * Transfers are libcurl easy handles on one multi handle driven by the
 * loop's fd watchers and a timer, so a slow server never stalls a refresh.
 *
 * Endpoints and what is read from them (docs/scraping.md has the versions
 * the fixtures match):
 *   vllm       /metrics        vllm:kv_cache_usage_perc (or the older
 *                              vllm:gpu_cache_usage_perc), num_requests_running,
 *                              num_requests_waiting, label model_name
 *   sglang     /get_model_info model_path
 *              then /metrics   sglang:token_usage, num_running_reqs,
 *                              num_queue_reqs (served with --enable-metrics)
 *   ollama     /api/ps         models[].name (size, size_vram checked)
 *   llama.cpp  /metrics        llamacpp:kv_cache_usage_ratio (older servers),
 *                              requests_processing, requests_deferred
 *              then /slots     where the ratio is absent, or /metrics is
 *                              not served (no --metrics): the tokens each
 *                              slot holds over its n_ctx, is_processing
 *   tgi        /metrics        tgi_batch_current_size, tgi_queue_size
 * A second endpoint is asked right after the first answered well (or, for
 * llama.cpp, was not served), as part of the same scrape (same rate limit),
 * on the port found again with the same checks; a 404 or 501 from it (not
 * served) leaves the first's figures as they are, any other failure fails
 * the scrape.
 */
#ifndef VT_SCRAPE_H
#define VT_SCRAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/snapshot.h"
#include "enrich/enrich.h"

#define SCRAPE_BODY_MAX  ((size_t)64 * 1024)
#define SCRAPE_PORTS_MAX 32

/* The path scraped for a framework, NULL when it has none. */
const char *scrape_path(enum enrich_fw fw);
/* Interprets a body of that framework's endpoint into r (fw, port and
 * socket_owner left as they are). Strict: anything off-schema sets
 * r->error and leaves the figures unset. */
void scrape_parse_body(enum enrich_fw fw, const char *body, size_t len, struct scrape_result *r);
/* The second endpoint to ask after the first gave r, NULL: none. */
const char *scrape_path_next(enum enrich_fw fw, const struct scrape_result *r);
/* Interprets the second endpoint's body into r, which holds the first's
 * figures: it fills what they lack; off-schema, the scrape fails (r->error
 * names the endpoint, the figures are unset). */
void scrape_parse_next(enum enrich_fw fw, const char *body, size_t len, struct scrape_result *r);

struct scrape_opts {
	const char *proc_root;
	uid_t self_uid;
	int ports[SCRAPE_PORTS_MAX];
	size_t nports;
	double rate_limit_s;
	long timeout_ms;
};

/* The listening TCP port of pid (or of its parent front_pid, when not 0)
 * that is in o->ports: from /proc/<pid>/net/tcp{,6} (LISTEN, on a loopback
 * or wildcard address) matched against the socket inodes among the fds.
 * Returns the port and sets *owner and *v6 (listening on ::1 only), or 0
 * with why in err. Same-user only, checked here. */
int scrape_find_port(const struct scrape_opts *o, pid_t pid, pid_t front_pid, pid_t *owner,
                     bool *v6, char *err, size_t errlen);

struct loop;
struct scraper;

/* NULL when libcurl cannot be initialised (err filled). */
struct scraper *scraper_new(struct loop *l, const struct scrape_opts *o, char *err, size_t errlen);
void scraper_free(struct scraper *s);
void scraper_set_opts(struct scraper *s, const struct scrape_opts *o);
/* Start of a refresh: forget nothing yet. For each scrapable process seen
 * in it, scraper_want starts a scrape when one is due, and returns the
 * latest result for that identity (NULL: none yet). At the end,
 * scraper_end forgets identities not seen. */
const struct scrape_result *scraper_want(struct scraper *s, pid_t pid, uint64_t starttime,
                                         enum enrich_fw fw, pid_t front_pid, double now);
void scraper_end(struct scraper *s);
/* Lets libcurl end the transfers past their timeout now (their results
 * set), whatever the order the loop's timers run in. */
void scraper_expire(struct scraper *s);
/* Transfers in flight. */
size_t scraper_busy(const struct scraper *s);
/* Called (on the loop) when the last transfer in flight finished. */
void scraper_on_idle(struct scraper *s, void (*fn)(void *arg), void *arg);

#endif
