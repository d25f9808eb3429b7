/* scrape_parse.c: each server's response, read strictly into a scrape
 * result (Prometheus text through prom.c, JSON through cJSON). */
#include "enrich/scrape.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/sanitize.h"
#include "enrich/prom.h"

const char *scrape_path(enum enrich_fw fw)
{
	switch (fw) {
	case FW_VLLM:
	case FW_LLAMACPP:
	case FW_TGI:
		return "/metrics";
	case FW_SGLANG:
		return "/get_model_info";
	case FW_OLLAMA:
		return "/api/ps";
	default:
		return NULL;
	}
}

const char *scrape_path_next(enum enrich_fw fw, const struct scrape_result *r)
{
	if (r->error[0])
		return NULL;
	if (fw == FW_SGLANG)
		return "/metrics";
	if (fw == FW_LLAMACPP && !r->has_kv)
		return "/slots";
	return NULL;
}

static void fail(struct scrape_result *r, const char *why)
{
	r->has_kv = r->has_running = r->has_waiting = false;
	r->model[0] = '\0';
	snprintf(r->error, sizeof(r->error), "%s", why);
}

/* A model name as the server gave it: kept only when it is clean text
 * (what vt_sanitize would leave unchanged), else the scrape fails. */
static bool set_model(struct scrape_result *r, const char *s, size_t n)
{
	if (n > VT_SANITIZE_MAX) {
		fail(r, "model name longer than 256 bytes");
		return false;
	}
	size_t k = vt_sanitize(r->model, sizeof(r->model), s, n);
	if (k != n || memcmp(r->model, s, n) != 0) {
		fail(r, "control characters or invalid UTF-8 in the model name");
		return false;
	}
	return true;
}

/* ---- Prometheus endpoints ---- */

struct prom_want {
	const char *kv, *kv_old; /* fractions 0..1 */
	const char *running, *waiting;
	const char *model_label; /* NULL: none */
	const char *prefix;      /* every metric of this server starts so */
};

struct prom_acc {
	const struct prom_want *w;
	struct scrape_result *r;
	bool seen, has_kv_old, bad;
	double kv_old;
	char why[96];
	char model[VT_NAME_MAX * 2];
	bool has_model;
};

static bool count_ok(double v)
{
	return isfinite(v) && v >= 0 && v <= 1e9 && v == floor(v);
}

static bool on_sample(const struct prom_sample *s, void *arg)
{
	struct prom_acc *a = arg;
	const struct prom_want *w = a->w;
	struct scrape_result *r = a->r;
	size_t pl = strlen(w->prefix);
	if (s->name_len < pl || memcmp(s->name, w->prefix, pl) != 0)
		return true;
	a->seen = true;
	if (w->model_label && !a->has_model &&
	    prom_label(s, w->model_label, a->model, sizeof(a->model)))
		a->has_model = true;
	bool kv = w->kv && prom_is(s, w->kv), kv_old = w->kv_old && prom_is(s, w->kv_old);
	if (kv || kv_old) {
		if (!isfinite(s->value) || s->value < 0 || s->value > 1) {
			snprintf(a->why, sizeof(a->why), "KV-cache usage %g is not a fraction",
			         s->value);
			a->bad = true;
			return false;
		}
		/* several series (data-parallel ranks, engines): the fullest */
		if (kv) {
			r->kv_usage = r->has_kv && r->kv_usage > s->value ? r->kv_usage : s->value;
			r->has_kv = true;
		} else {
			a->kv_old = a->has_kv_old && a->kv_old > s->value ? a->kv_old : s->value;
			a->has_kv_old = true;
		}
	}
	bool run = w->running && prom_is(s, w->running),
	     wait = w->waiting && prom_is(s, w->waiting);
	if (run || wait) {
		if (!count_ok(s->value)) {
			snprintf(a->why, sizeof(a->why), "request count %g is not a count",
			         s->value);
			a->bad = true;
			return false;
		}
		/* several series: the largest -- ranks of one tensor-parallel
		 * group report the same requests, which a sum would count twice */
		long v = (long)s->value;
		if (run) {
			r->running = r->has_running && r->running > v ? r->running : v;
			r->has_running = true;
		} else {
			r->waiting = r->has_waiting && r->waiting > v ? r->waiting : v;
			r->has_waiting = true;
		}
	}
	return true;
}

static void parse_prom(const struct prom_want *w, const char *body, size_t len,
                       struct scrape_result *r, const char *server)
{
	struct prom_acc a = {.w = w, .r = r};
	char err[96];
	if (prom_parse(body, len, on_sample, &a, err, sizeof(err))) {
		char why[160];
		snprintf(why, sizeof(why), "not Prometheus text: %s", err);
		fail(r, why);
		return;
	}
	if (a.bad) {
		fail(r, a.why);
		return;
	}
	if (!a.seen) {
		char why[96];
		snprintf(why, sizeof(why), "no %s metrics in the response", server);
		fail(r, why);
		return;
	}
	if (!r->has_kv && a.has_kv_old) {
		r->has_kv = true;
		r->kv_usage = a.kv_old;
	}
	if (a.has_model)
		set_model(r, a.model, strlen(a.model));
}

static const struct prom_want want_vllm = {
    .kv = "vllm:kv_cache_usage_perc",
    .kv_old = "vllm:gpu_cache_usage_perc",
    .running = "vllm:num_requests_running",
    .waiting = "vllm:num_requests_waiting",
    .model_label = "model_name",
    .prefix = "vllm:",
};
static const struct prom_want want_llamacpp = {
    .kv = "llamacpp:kv_cache_usage_ratio",
    .running = "llamacpp:requests_processing",
    .waiting = "llamacpp:requests_deferred",
    .prefix = "llamacpp:",
};
static const struct prom_want want_sglang = {
    .kv = "sglang:token_usage", /* used / total tokens of the KV pool */
    .running = "sglang:num_running_reqs",
    .waiting = "sglang:num_queue_reqs",
    .model_label = "model_name",
    .prefix = "sglang:",
};
static const struct prom_want want_tgi = {
    .running = "tgi_batch_current_size",
    .waiting = "tgi_queue_size",
    .prefix = "tgi_",
};

/* ---- JSON endpoints ---- */

static bool body_utf8(const char *body, size_t len, struct scrape_result *r)
{
	/* vt_sanitize keeps valid UTF-8 unchanged save for controls, which a
	 * JSON text carries only as whitespace: compare in pieces */
	char out[VT_SANITIZE_MAX + 1];
	for (size_t i = 0; i < len;) {
		size_t n = len - i < 200 ? len - i : 200;
		/* never split a character: back off continuation bytes */
		while (n < len - i && n > 0 && ((unsigned char)body[i + n] & 0xc0) == 0x80)
			n--;
		if (n == 0) { /* 200 continuation bytes in a row: no character at all */
			fail(r, "invalid UTF-8 in the response");
			return false;
		}
		size_t k = vt_sanitize(out, sizeof(out), body + i, n);
		for (size_t j = 0, o = 0; j < n; j++) {
			char c = body[i + j];
			if (c == '\n' || c == '\r' || c == '\t') {
				if (o >= k || out[o] != ' ') {
					fail(r, "invalid UTF-8 in the response");
					return false;
				}
				o++;
				continue;
			}
			if (o >= k || out[o] != c) {
				fail(r, "invalid UTF-8 or control characters in the response");
				return false;
			}
			o++;
		}
		i += n;
	}
	return true;
}

static void parse_sglang(const char *body, size_t len, struct scrape_result *r)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *mp = cJSON_GetObjectItemCaseSensitive(j, "model_path");
	if (!cJSON_IsObject(j) || !cJSON_IsString(mp))
		fail(r, "not SGLang's model info: no model_path");
	else
		set_model(r, mp->valuestring, strlen(mp->valuestring));
	cJSON_Delete(j);
}

static void parse_ollama(const char *body, size_t len, struct scrape_result *r)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *models = cJSON_GetObjectItemCaseSensitive(j, "models"), *m;
	if (!cJSON_IsObject(j) || !cJSON_IsArray(models)) {
		fail(r, "not Ollama's /api/ps: no models array");
		cJSON_Delete(j);
		return;
	}
	cJSON_ArrayForEach(m, models)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(m, "name");
		const cJSON *size = cJSON_GetObjectItemCaseSensitive(m, "size");
		const cJSON *vram = cJSON_GetObjectItemCaseSensitive(m, "size_vram");
		if (!cJSON_IsString(name) || !cJSON_IsNumber(size) || !cJSON_IsNumber(vram) ||
		    size->valuedouble < 0 || vram->valuedouble < 0) {
			fail(r, "not Ollama's /api/ps: a model without name, size or size_vram");
			cJSON_Delete(j);
			return;
		}
		if (!r->model[0] && !set_model(r, name->valuestring, strlen(name->valuestring)))
			break;
	}
	cJSON_Delete(j);
}

/* A JSON number that is a whole count (0 .. 1e9). */
static bool json_count(const cJSON *j, double *out)
{
	if (!cJSON_IsNumber(j) || !count_ok(j->valuedouble))
		return false;
	*out = j->valuedouble;
	return true;
}

/* llama-server's /slots: an array of slots, each {"id", "n_ctx",
 * "is_processing", ...}; a slot that ran a task adds "n_prompt_tokens" and
 * "next_token" (an object in older servers, an array of one in newer) with
 * "n_decoded", and newer servers "n_past". The tokens a slot holds in the
 * KV cache: n_past, else n_prompt_tokens + n_decoded, at most its n_ctx;
 * the usage is their sum over the slots' contexts. */
static void parse_slots(const char *body, size_t len, struct scrape_result *r)
{
	cJSON *j = cJSON_ParseWithLength(body, len), *slot;
	double used = 0, ctx = 0;
	long busy = 0;
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) == 0) {
		fail(r, "not llama.cpp's /slots: no array of slots");
		cJSON_Delete(j);
		return;
	}
	cJSON_ArrayForEach(slot, j)
	{
		const cJSON *proc = cJSON_GetObjectItemCaseSensitive(slot, "is_processing");
		const cJSON *past = cJSON_GetObjectItemCaseSensitive(slot, "n_past");
		const cJSON *prompt = cJSON_GetObjectItemCaseSensitive(slot, "n_prompt_tokens");
		const cJSON *next = cJSON_GetObjectItemCaseSensitive(slot, "next_token");
		double id, n_ctx, held = 0, v;
		if (!cJSON_IsObject(slot) ||
		    !json_count(cJSON_GetObjectItemCaseSensitive(slot, "id"), &id) ||
		    !json_count(cJSON_GetObjectItemCaseSensitive(slot, "n_ctx"), &n_ctx) ||
		    n_ctx < 1 || !cJSON_IsBool(proc)) {
			fail(r,
			     "not llama.cpp's /slots: a slot without id, n_ctx or is_processing");
			cJSON_Delete(j);
			return;
		}
		if (cJSON_IsArray(next))
			next = cJSON_GetArrayItem(next, 0);
		if (past) {
			if (!json_count(past, &held))
				break;
		} else if (prompt) {
			const cJSON *dec = cJSON_IsObject(next)
			                       ? cJSON_GetObjectItemCaseSensitive(next, "n_decoded")
			                       : NULL;
			if (!json_count(prompt, &held))
				break;
			if (dec) {
				if (!json_count(dec, &v))
					break;
				held += v;
			}
		}
		used += held < n_ctx ? held : n_ctx;
		ctx += n_ctx;
		busy += cJSON_IsTrue(proc);
	}
	if (slot) /* the loop stopped early: a count that is not one */
		fail(r, "not llama.cpp's /slots: a token count that is not a count");
	else {
		r->has_kv = true;
		r->kv_usage = used / ctx;
		r->has_running = true;
		r->running = busy;
	}
	cJSON_Delete(j);
}

void scrape_parse_body(enum enrich_fw fw, const char *body, size_t len, struct scrape_result *r)
{
	r->error[0] = '\0';
	r->model[0] = '\0';
	r->has_kv = r->has_running = r->has_waiting = false;
	switch (fw) {
	case FW_VLLM:
		parse_prom(&want_vllm, body, len, r, "vLLM");
		break;
	case FW_LLAMACPP:
		parse_prom(&want_llamacpp, body, len, r, "llama.cpp");
		break;
	case FW_TGI:
		parse_prom(&want_tgi, body, len, r, "TGI");
		break;
	case FW_SGLANG:
		if (body_utf8(body, len, r))
			parse_sglang(body, len, r);
		break;
	case FW_OLLAMA:
		if (body_utf8(body, len, r))
			parse_ollama(body, len, r);
		break;
	default:
		fail(r, "no scraper for this framework");
	}
}

void scrape_parse_next(enum enrich_fw fw, const char *body, size_t len, struct scrape_result *r)
{
	struct scrape_result t;
	memset(&t, 0, sizeof(t));
	switch (fw) {
	case FW_SGLANG:
		parse_prom(&want_sglang, body, len, &t, "SGLang");
		break;
	case FW_LLAMACPP:
		if (body_utf8(body, len, &t))
			parse_slots(body, len, &t);
		break;
	default:
		fail(&t, "no second endpoint for this framework");
	}
	if (t.error[0]) {
		char why[sizeof(r->error)];
		snprintf(why, sizeof(why), "%s: %.140s", scrape_path_next(fw, r), t.error);
		fail(r, why);
		return;
	}
	/* the first endpoint's figures stand; the second fills what it lacked */
	if (t.has_kv && !r->has_kv) {
		r->has_kv = true;
		r->kv_usage = t.kv_usage;
	}
	if (t.has_running && !r->has_running) {
		r->has_running = true;
		r->running = t.running;
	}
	if (t.has_waiting && !r->has_waiting) {
		r->has_waiting = true;
		r->waiting = t.waiting;
	}
	if (t.model[0] && !r->model[0])
		memcpy(r->model, t.model, sizeof(r->model));
}
