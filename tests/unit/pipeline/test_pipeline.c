/* test_pipeline.c: one tick from source to sinks -- the sink failure rule,
 * and rates from the monotonic clock whatever the wall clock does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "pipeline/pipeline.h"

#define MIB (1024ull * 1024ull)

/* A live source of one GPU whose process grows 10 MiB a tick; its wall
 * clock steps back an hour at tick 5 (an NTP step). */
struct fake {
	struct source base;
	int tick;
};

static int fake_sample(struct source *src, struct snapshot *s, char *err, size_t errlen)
{
	struct fake *f = (struct fake *)src;
	(void)err;
	(void)errlen;
	snapshot_reset(s);
	f->tick++;
	s->time = 1.8e9 + f->tick - (f->tick >= 5 ? 3600 : 0);
	struct snap_gpu *g = snapshot_add_gpu(s);
	g->valid = GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE;
	g->mem_total = 100000 * MIB;
	g->mem_used = (1000 + 10 * (uint64_t)f->tick) * MIB;
	g->mem_free = g->mem_total - g->mem_used;
	struct snap_proc *p = snapshot_add_proc(s);
	p->pid = 4242;
	p->used = g->mem_used;
	p->flags = PF_USED_VALID | PF_START_VALID;
	p->starttime = 77;
	return VT_OK;
}

static void fake_close(struct source *src)
{
	free(src);
}

static const struct source_ops fake_ops = {
    .name = "fake", .sample = fake_sample, .close = fake_close};

static struct source *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));
	f->base.ops = &fake_ops;
	return &f->base;
}

/* A sink that fails on the ticks in [fail_from, fail_to). */
struct test_sink {
	struct sink base;
	int calls, fail_from, fail_to;
};

static int ts_tick(struct sink *s, const struct model *m, char *err, size_t errlen)
{
	struct test_sink *t = (struct test_sink *)s;
	(void)m;
	t->calls++;
	if (t->calls >= t->fail_from && t->calls < t->fail_to) {
		snprintf(err, errlen, "disk full (test)");
		return VT_ERR;
	}
	return VT_OK;
}

static void ts_free(struct sink *s)
{
	free(s);
}

static const struct sink_ops ts_ops = {.name = "test", .tick = ts_tick, .free = ts_free};

static struct test_sink *ts_new(bool essential, int from, int to)
{
	struct test_sink *t = calloc(1, sizeof(*t));
	t->base = (struct sink){.ops = &ts_ops, .essential = essential};
	t->fail_from = from;
	t->fail_to = to;
	return t;
}

static void test_sink_rule(void **state)
{
	(void)state;
	struct pipeline p;
	pipeline_init(&p, fake_new(), false, 1.0, 16);
	struct test_sink *keep = ts_new(false, 2, 4), *must = ts_new(true, 6, 100);
	pipeline_add_sink(&p, &keep->base);
	pipeline_add_sink(&p, &must->base);
	char err[VT_ERRMSG_MAX];
	for (int t = 1; t <= 5; t++) {
		assert_int_equal(pipeline_step(&p, err, sizeof(err)), VT_OK);
		/* a non-essential sink fails, is kept, and recovers */
		assert_int_equal(keep->base.failing, t >= 2 && t < 4);
	}
	assert_false(p.fatal);
	/* an essential sink's failure ends the run */
	assert_int_equal(pipeline_step(&p, err, sizeof(err)), VT_ERR);
	assert_true(p.fatal);
	assert_int_equal(keep->calls, 6); /* every sink saw the tick */
	assert_int_equal(pipeline_finish(&p), 1);
	pipeline_free(&p);
}

static void test_rates_ignore_a_wall_clock_step(void **state)
{
	(void)state;
	struct pipeline p;
	pipeline_init(&p, fake_new(), false, 0.01, 16);
	struct pred_params pp;
	pred_params_default(&pp);
	pp.refresh_s = 0.01;
	char err[VT_ERRMSG_MAX];
	p.an = analysis_new("envelope", &pp, err, sizeof(err));
	assert_non_null(p.an);
	for (int t = 0; t < 30; t++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
		assert_int_equal(pipeline_step(&p, err, sizeof(err)), VT_OK);
	}
	const struct model_gpu *g = &p.model.gpus[0];
	assert_true(g->analysed);
	/* 10 MiB every ~10 ms of monotonic time: ~1000 MB/s, growing. With
	 * the wall clock, the hour back would give a negative or absurd rate. */
	assert_int_equal(g->an.phase, PHASE_GROWING);
	assert_true(g->an.rate_mb_s > 100 && g->an.rate_mb_s < 2000);
	pipeline_free(&p);
}

/* What enrichment learnt feeds the survival verdict (SPEC §3): a server's
 * KV-cache usage first; else the framework's multiplier on the weights'
 * size. The process holds 1 GiB of a 100000 MiB GPU: OK on its own. */
static void test_verdict_uses_enrichment(void **state)
{
	(void)state;
	struct pipeline p;
	pipeline_init(&p, fake_new(), false, 0.01, 16);
	struct pred_params pp;
	pred_params_default(&pp);
	char err[VT_ERRMSG_MAX];
	p.an = analysis_new("variance", &pp, err, sizeof(err));
	assert_non_null(p.an);
	for (int t = 0; t < 3; t++)
		assert_int_equal(pipeline_step(&p, err, sizeof(err)), VT_OK);
	struct model_proc *row = p.model.gpus[0].rows[0];
	assert_int_equal(row->verdict, SURV_OK);
	struct enrich_facts *f = &row->id->enr;
	f->scrape =
	    (struct scrape_result){.valid = true, .fw = FW_VLLM, .has_kv = true, .kv_usage = 0.99};
	assert_int_equal(pipeline_step(&p, err, sizeof(err)), VT_OK);
	assert_int_equal(row->verdict, SURV_OOM);
	/* a failed scrape keeps no figure: back to the estimate, once the
	 * verdict's 10 s hold is over */
	snprintf(f->scrape.error, sizeof(f->scrape.error), "HTTP 500");
	assert_int_equal(pipeline_step(&p, err, sizeof(err)), VT_OK);
	assert_int_equal(row->verdict, SURV_OOM);
	row->verdict_seen[SURV_OOM] -= 10.5;
	assert_int_equal(pipeline_step(&p, err, sizeof(err)), VT_OK);
	assert_int_equal(row->verdict, SURV_OK);
	/* vLLM's weights, 60000 MiB: x1.8 is past the GPU */
	f->fw = FW_VLLM;
	f->nfiles = 1;
	f->files[0].bytes = 60000 * MIB;
	assert_int_equal(pipeline_step(&p, err, sizeof(err)), VT_OK);
	assert_int_equal(row->verdict, SURV_OOM);
	pipeline_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sink_rule),
	    cmocka_unit_test(test_rates_ignore_a_wall_clock_step),
	    cmocka_unit_test(test_verdict_uses_enrichment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
