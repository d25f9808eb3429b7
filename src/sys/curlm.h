/* curlm.h: one libcurl multi handle driven by the event loop -- its sockets
 * are the loop's fd watchers, its timeout a loop timer -- so no transfer ever
 * blocks a refresh. The scraper (src/enrich/scrape.c) and the webhooks
 * (src/sink/webhook.c) each own one. */
#ifndef VT_SYS_CURLM_H
#define VT_SYS_CURLM_H

#include <curl/curl.h>

struct loop;
struct curlm;

/* Called once for each transfer that ended, with libcurl's result; the
 * easy handle is still on the multi handle (remove it there). */
typedef void (*curlm_done_fn)(void *arg, CURL *easy, CURLcode rc);

/* NULL when libcurl cannot make a multi handle. */
struct curlm *curlm_new(struct loop *l, curlm_done_fn done, void *arg);
CURLM *curlm_multi(const struct curlm *c);
/* Acts on whatever has timed out now, then reports what ended. */
void curlm_expire(struct curlm *c);
/* Cleans the multi handle up; remove and free the easy handles first. */
void curlm_free(struct curlm *c);

#endif
