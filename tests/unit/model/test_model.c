/* test_model.c: rows across ticks -- identity reuse, ring wrap, a GPU lost
 * and back, order changes in linear time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model/model.h"

static void gpu(struct model *m, unsigned index, enum snap_gpu_state st, uint64_t used)
{
	struct snap_gpu *g = snapshot_add_gpu(&m->snap);
	g->index = index;
	g->state = st;
	if (st == GPU_STATE_OK) {
		g->valid = GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE;
		g->mem_total = 1000;
		g->mem_used = used;
		g->mem_free = 1000 - used;
	}
}

static void proc(struct model *m, unsigned gpu_pos, pid_t pid, uint64_t st, uint64_t used,
                 const char *name)
{
	struct snap_proc *p = snapshot_add_proc(&m->snap);
	p->gpu = gpu_pos;
	p->pid = pid;
	p->starttime = st;
	p->used = used;
	p->flags = PF_USED_VALID | PF_START_VALID | PF_NAME_VALID;
	snprintf(p->name, sizeof(p->name), "%s", name);
}

static void begin(struct model *m, double t)
{
	snapshot_reset(&m->snap);
	m->snap.time = t;
}

static void test_recycled_pid_is_another_identity(void **state)
{
	(void)state;
	struct model m;
	model_init(&m, 16);
	for (int t = 0; t < 3; t++) {
		begin(&m, t);
		gpu(&m, 0, GPU_STATE_OK, 100);
		proc(&m, 0, 42, 1000, 100 + (uint64_t)t, "old");
		model_update(&m, t);
	}
	const struct model_proc *old = m.proc_of_snap[0];
	assert_int_equal(old->peak, 102);
	/* pid 42 again, another starttime: a fresh row and fresh facts */
	begin(&m, 3);
	gpu(&m, 0, GPU_STATE_OK, 50);
	proc(&m, 0, 42, 2000, 50, "new");
	model_update(&m, 3);
	const struct model_proc *p = m.proc_of_snap[0];
	assert_int_equal(p->starttime, 2000);
	assert_int_equal(p->peak, 50); /* not the old identity's 102 */
	assert_string_equal(p->id->name, "new");
	assert_int_equal(p->first_tick, 4);
	uint64_t h[16];
	assert_int_equal(model_history(&m, p->hist, p->first_tick, p->last_tick, h, 16), 1);
	assert_int_equal(model_nprocs(&m), 1); /* the old row retired */
	assert_int_equal(m.stats.rows_retired, 1);
	model_free(&m);
}

static void test_ring_wraps_oldest_first(void **state)
{
	(void)state;
	struct model m;
	model_init(&m, 4);
	for (int t = 1; t <= 10; t++) {
		begin(&m, t);
		gpu(&m, 0, GPU_STATE_OK, (uint64_t)t * 10);
		proc(&m, 0, 7, 1, (uint64_t)t, "p");
		model_update(&m, t);
	}
	uint64_t h[8];
	const struct model_gpu *g = &m.gpus[0];
	assert_int_equal(model_history(&m, g->hist, g->first_tick, g->last_tick, h, 8), 4);
	assert_int_equal(h[0], 70);
	assert_int_equal(h[3], 100);
	const struct model_proc *p = m.proc_of_snap[0];
	assert_int_equal(model_history(&m, p->hist, p->first_tick, p->last_tick, h, 8), 4);
	assert_int_equal(h[0], 7);
	assert_int_equal(h[3], 10);
	assert_true(model_tick_time(&m, 10) == 10.0);
	assert_true(model_tick_time(&m, 6) != model_tick_time(&m, 6)); /* NAN: out of the ring */
	assert_int_equal(m.stats.rows_created, 1);                     /* one row for ten ticks */
	model_free(&m);
}

static void test_gpu_lost_and_back(void **state)
{
	(void)state;
	struct model m;
	model_init(&m, 16);
	enum snap_gpu_state seq[] = {GPU_STATE_OK, GPU_STATE_LOST, GPU_STATE_LOST, GPU_STATE_OK};
	for (int t = 0; t < 4; t++) {
		begin(&m, t);
		gpu(&m, 0, GPU_STATE_OK, 10);
		gpu(&m, 1, seq[t], 500);
		proc(&m, 0, 1, 1, 10, "a");
		if (seq[t] == GPU_STATE_OK)
			proc(&m, 1, 2, 2, 500, "b");
		model_update(&m, t);
		if (t == 1) {
			/* lost: its row waits, not present; the other GPU is live */
			struct model_gpu *g1 = model_gpu_find(&m, 1);
			assert_false(g1->mem_ok);
			assert_int_equal(model_nprocs(&m), 2);
			assert_false(g1->rows[0]->present);
			assert_true(m.proc_of_snap[0]->present);
		}
	}
	struct model_gpu *g1 = model_gpu_find(&m, 1);
	assert_true(g1->mem_ok);
	assert_int_equal(m.stats.rows_created, 2); /* the same row came back */
	const struct model_proc *b = g1->rows[0];
	uint64_t h[8];
	assert_int_equal(model_history(&m, b->hist, b->first_tick, b->last_tick, h, 8), 4);
	assert_int_equal(h[0], 500);
	assert_true(h[1] == MODEL_HIST_NONE && h[2] == MODEL_HIST_NONE);
	assert_int_equal(h[3], 500);
	assert_int_equal(model_history(&m, g1->hist, g1->first_tick, g1->last_tick, h, 8), 4);
	assert_true(h[1] == MODEL_HIST_NONE);
	model_free(&m);
}

/* 16k processes, their order reversed every tick: each is found through
 * the hash map in O(1) -- counted in probes, not timed (this VM is noisy).
 * A quadratic re-sync would take ~n/2 comparisons per process. */
static void test_order_change_is_linear(void **state)
{
	(void)state;
	enum { N = 16384, TICKS = 4 };
	struct model m;
	model_init(&m, 4);
	for (int t = 0; t < TICKS; t++) {
		begin(&m, t);
		gpu(&m, 0, GPU_STATE_OK, 10);
		for (int k = 0; k < N; k++) {
			int pid = (t & 1) ? N - k : k + 1;
			proc(&m, 0, pid, 5, (uint64_t)pid, "");
		}
		model_update(&m, t);
	}
	assert_int_equal(m.stats.rows_created, N);
	assert_int_equal(model_nprocs(&m), N);
	for (size_t k = 0; k < N; k++) /* every row found its own process */
		assert_int_equal(m.proc_of_snap[k]->pid, m.snap.procs[k].pid);
	assert_true(m.stats.lookups >= (unsigned long)N * (TICKS - 1) - 2);
	/* extra probes per hash operation (lookups, inserts, ident maps) */
	assert_true(m.stats.hash_steps < 4ul * N * TICKS);
	model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_recycled_pid_is_another_identity),
	    cmocka_unit_test(test_ring_wraps_oldest_first),
	    cmocka_unit_test(test_gpu_lost_and_back),
	    cmocka_unit_test(test_order_change_is_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
