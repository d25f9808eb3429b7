/* test_live.c: the live analysis stage follows each GPU separately and returns
 * results parallel to the snapshot, whatever order the processes come in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "pipeline/live.h"

#define MB (1024ull * 1024ull)

/* Two GPUs; GPU 1's process grows 100 MB/s, GPU 0's is flat. The processes
 * are interleaved (1, 0, 1) to check nothing assumes grouping. */
static void fill(struct snapshot *s, int tick)
{
	snapshot_reset(s);
	s->time = 1000.0 + tick;
	for (unsigned i = 0; i < 2; i++) {
		struct snap_gpu *g = snapshot_add_gpu(s);
		g->index = i;
		g->valid = GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE;
		g->mem_total = 80000 * MB;
	}
	uint64_t grow = (uint64_t)(2000 + 100 * tick) * MB;
	struct {
		unsigned gpu;
		pid_t pid;
		uint64_t used;
	} rows[] = {{1, 300, grow}, {0, 100, 4000 * MB}, {1, 301, 1000 * MB}};
	for (size_t k = 0; k < 3; k++) {
		struct snap_proc *p = snapshot_add_proc(s);
		p->gpu = rows[k].gpu;
		p->pid = rows[k].pid;
		p->starttime = 42;
		p->used = rows[k].used;
		p->flags = PF_USED_VALID | PF_START_VALID;
		s->gpus[rows[k].gpu].mem_used += rows[k].used;
	}
	for (unsigned i = 0; i < 2; i++)
		s->gpus[i].mem_free = s->gpus[i].mem_total - s->gpus[i].mem_used;
}

static void test_results_follow_their_rows(void **state)
{
	(void)state;
	struct pred_params pp;
	pred_params_default(&pp);
	char err[128];
	struct live_analysis *la = live_new("variance", &pp, err, sizeof(err));
	assert_non_null(la);
	struct snapshot s;
	snapshot_init(&s);
	for (int t = 0; t < 40; t++) {
		fill(&s, t);
		live_update(la, &s);
	}
	const struct live_view *v = live_view(la);
	assert_int_equal(v->ngpus, 2);
	assert_int_equal(v->nprocs, 3);
	assert_int_equal(v->gpu[0].phase, PHASE_STABLE);
	assert_int_equal(v->gpu[1].phase, PHASE_GROWING);
	assert_true(v->gpu[1].rate_mb_s > 90 && v->gpu[1].rate_mb_s < 110);
	assert_int_equal(v->proc[0].phase, PHASE_GROWING); /* pid 300, on GPU 1 */
	assert_int_equal(v->proc[1].phase, PHASE_STABLE);  /* pid 100, on GPU 0 */
	assert_int_equal(v->proc[2].phase, PHASE_STABLE);  /* pid 301, on GPU 1 */
	assert_true(v->gpu[1].has_oom);
	assert_false(v->gpu[0].has_oom);
	/* free 80000-1000-5900 MB at 100 MB/s: about 731 s left */
	assert_true(v->gpu[1].low_s <= 731 && v->gpu[1].high_s >= 700);
	snapshot_free(&s);
	live_free(la);
}

static void test_lost_gpu_gets_empty_result(void **state)
{
	(void)state;
	struct pred_params pp;
	pred_params_default(&pp);
	char err[128];
	struct live_analysis *la = live_new("variance", &pp, err, sizeof(err));
	struct snapshot s;
	snapshot_init(&s);
	for (int t = 0; t < 30; t++) {
		fill(&s, t);
		if (t == 29)
			s.gpus[1].state = GPU_STATE_LOST;
		live_update(la, &s);
	}
	const struct live_view *v = live_view(la);
	assert_false(v->gpu[1].has_oom);
	assert_int_equal(v->gpu[1].phase, PHASE_STABLE);
	assert_int_equal(v->verdict[0], SURV_OK);
	snapshot_free(&s);
	live_free(la);
}

static void test_unknown_algorithm(void **state)
{
	(void)state;
	struct pred_params pp;
	pred_params_default(&pp);
	char err[128] = "";
	assert_null(live_new("crystal-ball", &pp, err, sizeof(err)));
	assert_non_null(strstr(err, "crystal-ball"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_results_follow_their_rows),
	    cmocka_unit_test(test_lost_gpu_gets_empty_result),
	    cmocka_unit_test(test_unknown_algorithm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
