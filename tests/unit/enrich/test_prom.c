/* test_prom.c: the strict Prometheus parser and each server's schema on
 * real-shaped bodies and on what they must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "enrich/prom.h"
#include "enrich/scrape.h"

static size_t count;

static bool counter(const struct prom_sample *s, void *arg)
{
	(void)s;
	(void)arg;
	count++;
	return true;
}

static size_t parse(const char *text)
{
	char err[96];
	count = 0;
	return prom_parse(text, strlen(text), counter, NULL, err, sizeof(err));
}

static void test_prom_strict(void **state)
{
	(void)state;
	assert_int_equal(parse("# HELP a b\n# TYPE a gauge\na 1\nb{x=\"y\",z=\"w\\\"q\\n\"} -2.5e3 "
	                       "1700000000000\nc NaN\nd +Inf\ne{} 0\n\n"),
	                 0);
	assert_int_equal(count, 5);
	assert_int_equal(parse("a 1\nb\n"), 2);              /* no value */
	assert_int_equal(parse("a 1\n9b 1\n"), 2);           /* a name starts with a digit */
	assert_int_equal(parse("a{x=y} 1\n"), 1);            /* an unquoted label */
	assert_int_equal(parse("a{x=\"y} 1\n"), 1);          /* unterminated */
	assert_int_equal(parse("a{x=\"\\t\"} 1\n"), 1);      /* an unknown escape */
	assert_int_equal(parse("a 0x10\n"), 1);              /* hex is not the format's */
	assert_int_equal(parse("a 1 2 3\n"), 1);             /* trailing text */
	assert_int_equal(parse("a 1 1.5\n"), 1);             /* a float timestamp */
	assert_int_equal(parse("a 1\r\n"), 1);               /* CRLF */
	assert_int_equal(parse("a{x=\"\xff\"} 1\n"), 1);     /* invalid UTF-8 */
	assert_int_equal(parse("a{x=\"\x1b[2J\"} 1\n"), 1);  /* an escape sequence */
	assert_int_equal(parse("a{x=\"\xc2\x9b\"} 1\n"), 1); /* a C1 control (CSI) */
	assert_int_equal(parse("a{x=\"caf\xc3\xa9\"} 1\n"), 0);

	struct prom_sample s = {.labels = "a=\"1\",model_name=\"x\\\"y\"", .labels_len = 24};
	char v[16];
	assert_true(prom_label(&s, "model_name", v, sizeof(v)));
	assert_string_equal(v, "x\"y");
	assert_false(prom_label(&s, "model", v, sizeof(v)));
}

static void body(enum enrich_fw fw, const char *text, struct scrape_result *r)
{
	memset(r, 0, sizeof(*r));
	scrape_parse_body(fw, text, strlen(text), r);
}

static void test_schemas(void **state)
{
	(void)state;
	struct scrape_result r;
	body(FW_VLLM,
	     "vllm:num_requests_running{model_name=\"m\"} 3.0\n"
	     "vllm:gpu_cache_usage_perc{model_name=\"m\"} 0.5\n"
	     "vllm:kv_cache_usage_perc{model_name=\"m\"} 0.25\n",
	     &r);
	assert_string_equal(r.error, "");
	assert_true(r.has_kv && r.kv_usage == 0.25); /* the current name wins */
	assert_true(r.has_running && r.running == 3 && !r.has_waiting);
	assert_string_equal(r.model, "m");
	body(FW_VLLM, "vllm:kv_cache_usage_perc 83.1\n", &r); /* a percent is not a fraction */
	assert_non_null(strstr(r.error, "not a fraction"));
	assert_false(r.has_kv);
	body(FW_VLLM, "vllm:num_requests_running -1\n", &r);
	assert_non_null(strstr(r.error, "not a count"));
	body(FW_VLLM, "python_gc_objects_collected_total 1\n", &r);
	assert_string_equal(r.error, "no vLLM metrics in the response");
	body(FW_VLLM, "<html>hello</html>\n", &r);
	assert_non_null(strstr(r.error, "not Prometheus text"));

	body(FW_SGLANG, "{\"model_path\": \"Qwen/Qwen2.5-7B\"}", &r);
	assert_string_equal(r.model, "Qwen/Qwen2.5-7B");
	body(FW_SGLANG, "{\"model_path\": 7}", &r);
	assert_non_null(strstr(r.error, "no model_path"));
	body(FW_SGLANG, "{\"model_path\": \"a\\u001b[2Jb\"}", &r); /* an escape, JSON-escaped */
	assert_non_null(strstr(r.error, "control characters"));
	assert_string_equal(r.model, "");
	body(FW_SGLANG, "{\"model_path\": \"a\xff\"}", &r);
	assert_non_null(strstr(r.error, "UTF-8"));

	body(FW_OLLAMA, "{\"models\":[{\"name\":\"llama3.1:8b\",\"size\":1,\"size_vram\":1}]}", &r);
	assert_string_equal(r.model, "llama3.1:8b");
	body(FW_OLLAMA, "{\"models\":[{\"name\":\"x\",\"size\":1}]}", &r);
	assert_non_null(strstr(r.error, "size_vram"));
	body(FW_OLLAMA, "{\"models\":{}}", &r);
	assert_non_null(strstr(r.error, "no models array"));

	body(FW_TGI, "tgi_queue_size 4\ntgi_batch_current_size 8\n", &r);
	assert_true(r.running == 8 && r.waiting == 4 && !r.has_kv);
	body(FW_LLAMACPP, "llamacpp:requests_processing 1\n", &r); /* no ratio: newer servers */
	assert_true(r.has_running && !r.has_kv);
	assert_string_equal(r.error, "");
}

static void next(enum enrich_fw fw, const char *text, struct scrape_result *r)
{
	scrape_parse_next(fw, text, strlen(text), r);
}

/* The second endpoints: SGLang's /metrics after /get_model_info, and
 * llama-server's /slots where /metrics lacks the KV-cache ratio. */
static void test_second_endpoints(void **state)
{
	(void)state;
	struct scrape_result r;

	body(FW_SGLANG, "{\"model_path\": \"Qwen/Qwen2.5-7B\"}", &r);
	assert_string_equal(scrape_path_next(FW_SGLANG, &r), "/metrics");
	/* two ranks: the fuller KV pool, the larger counts (tensor-parallel
	 * ranks report the same requests: never summed) */
	next(FW_SGLANG,
	     "sglang:token_usage{model_name=\"served\",dp=\"0\"} 0.5\n"
	     "sglang:token_usage{model_name=\"served\",dp=\"1\"} 0.75\n"
	     "sglang:num_running_reqs{model_name=\"served\",dp=\"0\"} 3.0\n"
	     "sglang:num_running_reqs{model_name=\"served\",dp=\"1\"} 4.0\n"
	     "sglang:num_queue_reqs{model_name=\"served\",dp=\"0\"} 1.0\n",
	     &r);
	assert_string_equal(r.error, "");
	assert_true(r.has_kv && r.kv_usage == 0.75);
	assert_true(r.has_running && r.running == 4 && r.has_waiting && r.waiting == 1);
	assert_string_equal(r.model, "Qwen/Qwen2.5-7B"); /* /get_model_info's stands */
	body(FW_SGLANG, "{\"model_path\": \"m\"}", &r);
	next(FW_SGLANG, "sglang:token_usage 1.5\n", &r); /* not a fraction: all fails */
	assert_non_null(strstr(r.error, "/metrics: KV-cache usage 1.5 is not a fraction"));
	assert_false(r.has_kv);
	assert_string_equal(r.model, "");
	body(FW_SGLANG, "{\"model_path\": 1}", &r); /* the first failed: no second */
	assert_null(scrape_path_next(FW_SGLANG, &r));

	body(FW_LLAMACPP, "llamacpp:requests_processing 1\nllamacpp:requests_deferred 2\n", &r);
	assert_string_equal(scrape_path_next(FW_LLAMACPP, &r), "/slots");
	/* an idle slot never used, one that served a task (next_token an
	 * object, older servers), one busy (an array, newer), one with n_past
	 * past its context (counted as full) */
	next(FW_LLAMACPP,
	     "[{\"id\":0,\"n_ctx\":4096,\"speculative\":false,\"is_processing\":false},"
	     "{\"id\":1,\"n_ctx\":4096,\"is_processing\":false,\"id_task\":7,"
	     "\"n_prompt_tokens\":1000,\"next_token\":{\"n_decoded\":24,\"n_remain\":-1}},"
	     "{\"id\":2,\"n_ctx\":4096,\"is_processing\":true,\"id_task\":9,"
	     "\"n_prompt_tokens\":2000,\"params\":{\"n_predict\":-1},"
	     "\"next_token\":[{\"has_next_token\":true,\"n_remain\":-1,\"n_decoded\":48}]},"
	     "{\"id\":3,\"n_ctx\":4096,\"is_processing\":true,\"n_past\":5000}]",
	     &r);
	assert_string_equal(r.error, "");
	assert_true(r.has_kv);
	assert_true(r.kv_usage == (1024.0 + 2048.0 + 4096.0) / (4 * 4096.0));
	assert_true(r.running == 1 && r.waiting == 2);                /* /metrics' figures stand */
	body(FW_LLAMACPP, "llamacpp:kv_cache_usage_ratio 0.5\n", &r); /* older: no second */
	assert_null(scrape_path_next(FW_LLAMACPP, &r));
	body(FW_LLAMACPP, "llamacpp:requests_deferred 0\n", &r);
	next(FW_LLAMACPP, "[{\"id\":0,\"n_ctx\":4096,\"is_processing\":true}]", &r);
	assert_true(r.has_kv && r.kv_usage == 0 && r.has_running && r.running == 1);

	static const char *const bad[] = {
	    "[]",                                              /* no slots */
	    "{\"error\":{\"code\":501}}",                      /* not an array */
	    "[{\"id\":0,\"is_processing\":true}]",             /* no n_ctx */
	    "[{\"id\":0,\"n_ctx\":0,\"is_processing\":true}]", /* an empty context */
	    "[{\"id\":0,\"n_ctx\":8,\"is_processing\":1}]",    /* not a bool */
	    "[{\"id\":0,\"n_ctx\":8,\"is_processing\":true,\"n_past\":-3}]",
	    "[{\"id\":0,\"n_ctx\":8,\"is_processing\":true,\"n_prompt_tokens\":1.5}]",
	    ("[{\"id\":0,\"n_ctx\":8,\"is_processing\":true,\"n_prompt_tokens\":1,"
	     "\"next_token\":{\"n_decoded\":\"x\"}}]"),                /* one string */
	    "[{\"id\":0,\"n_ctx\":8,\"is_processing\":true}] \x1b[2J", /* an escape */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		body(FW_LLAMACPP, "llamacpp:requests_processing 1\n", &r);
		next(FW_LLAMACPP, bad[i], &r);
		assert_non_null(strstr(r.error, "/slots: "));
		assert_false(r.has_kv || r.has_running || r.has_waiting);
	}
}

/* A JSON body of continuation bytes only (invalid UTF-8 with no character
 * to start from) is refused at once; it used to loop forever (fuzz_prom). */
static void test_continuation_bytes_refused(void **state)
{
	(void)state;
	char body[1000];
	memset(body, 0x80, sizeof(body));
	body[0] = '{';
	struct scrape_result r;
	memset(&r, 0, sizeof(r));
	scrape_parse_body(FW_OLLAMA, body, sizeof(body), &r);
	assert_true(r.error[0] != '\0');
	assert_non_null(strstr(r.error, "UTF-8"));
	memset(&r, 0, sizeof(r));
	scrape_parse_body(FW_SGLANG, body + 1, sizeof(body) - 1, &r);
	assert_true(r.error[0] != '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prom_strict),
	    cmocka_unit_test(test_schemas),
	    cmocka_unit_test(test_second_endpoints),
	    cmocka_unit_test(test_continuation_bytes_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
