/* fuzz_prom.c: libFuzzer target for the strict Prometheus text parser and
 * the scrape interpretations built on it (vLLM, llama.cpp, TGI), and the
 * JSON ones (SGLang, Ollama). Crashes, sanitizer reports and broken
 * invariants (abort) are findings. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "enrich/prom.h"
#include "enrich/scrape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool check(const struct prom_sample *s, void *arg)
{
	char v[64];
	(void)arg;
	if (s->name_len == 0)
		abort();
	prom_label(s, "model_name", v, sizeof(v));
	if (strnlen(v, sizeof(v)) == sizeof(v))
		abort();
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so reading one byte past len is an ASan report */
	char *buf = malloc(size ? size : 1);
	char err[96];
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	prom_parse(buf, size, check, NULL, err, sizeof(err));
	static const enum enrich_fw fws[] = {FW_VLLM, FW_LLAMACPP, FW_TGI, FW_SGLANG, FW_OLLAMA};
	for (size_t i = 0; i < sizeof(fws) / sizeof(fws[0]); i++) {
		struct scrape_result r;
		memset(&r, 0, sizeof(r));
		scrape_parse_body(fws[i], buf, size, &r);
		/* what is kept is clean text, and a failure keeps no figures */
		char again[VT_NAME_MAX];
		vt_sanitize_str(again, sizeof(again), r.model);
		if (strcmp(again, r.model) != 0)
			abort();
		if (r.has_kv && !(r.kv_usage >= 0 && r.kv_usage <= 1))
			abort();
		if (r.error[0] && (r.has_kv || r.has_running || r.has_waiting || r.model[0]))
			abort();
	}
	/* the second endpoints (SGLang's /metrics, llama-server's /slots),
	 * after a first answer that leaves them something to fill */
	static const enum enrich_fw nexts[] = {FW_SGLANG, FW_LLAMACPP};
	for (size_t i = 0; i < sizeof(nexts) / sizeof(nexts[0]); i++) {
		struct scrape_result r;
		memset(&r, 0, sizeof(r));
		r.has_waiting = true;
		r.waiting = 1;
		if (!scrape_path_next(nexts[i], &r))
			abort();
		scrape_parse_next(nexts[i], buf, size, &r);
		if (r.has_kv && !(r.kv_usage >= 0 && r.kv_usage <= 1))
			abort();
		if (r.error[0] && (r.has_kv || r.has_running || r.has_waiting || r.model[0]))
			abort();
	}
	free(buf);
	return 0;
}
