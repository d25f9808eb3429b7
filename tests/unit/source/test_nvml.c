/* test_nvml.c: the NVML source against a fake driver -- a plain sample, symbol
 * fallbacks, missing symbols, init errors, memory v2 and its v1 fallback,
 * process-buffer growth and the steady state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "source/nvml_api.h"

#include "test_nvml_fake.h"

static void test_basic_sample(void **state)
{
	(void)state;
	fake_reset(2);
	struct source *src = open_fake(false, NULL);
	struct snapshot s;
	snapshot_init(&s);
	time_t before = time(NULL);
	sample(src, &s);
	assert_true(s.time >= (double)before - 1 && s.time <= (double)time(NULL) + 1);
	assert_true(s.driver_valid);
	assert_string_equal(s.driver_version, "550.54.15");
	assert_int_equal(s.ngpus, 2);
	const struct snap_gpu *g = &s.gpus[1];
	assert_int_equal(g->index, 1);
	assert_int_equal(g->state, GPU_STATE_OK);
	assert_string_equal(g->name, "NVIDIA H200");
	assert_string_equal(g->uuid, "GPU-1");
	assert_string_equal(g->pci_bus_id, "00000000:19:00.0");
	assert_int_equal(g->mem_total, 150ull << 30);
	assert_int_equal(g->mem_used, 11ull << 30);
	assert_int_equal(g->mem_reserved, 500ull << 20);
	assert_int_equal(g->util_gpu, 77);
	assert_int_equal(g->temp_c, 61);
	assert_int_equal(g->power_mw, 250000);
	assert_int_equal(g->power_limit_mw, 700000);
	assert_int_equal(g->clock_sm_mhz, 1980);
	assert_int_equal(g->clock_mem_mhz, 2619);
	uint32_t want = GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE | GM_MEM_RESERVED | GM_UTIL_GPU |
	                GM_UTIL_MEM | GM_TEMP | GM_POWER | GM_POWER_LIMIT | GM_CLOCK_SM |
	                GM_CLOCK_MEM | GM_MIG | GM_FAN | GM_NAME | GM_UUID | GM_BUSID;
	assert_int_equal(g->valid, want); /* no PCIe: the sampler is off here */
	assert_int_equal(s.nprocs, 2);
	assert_int_equal(s.procs[0].gpu, 0);
	assert_int_equal(s.procs[0].pid, 1000);
	assert_int_equal(s.procs[1].gpu, 1);
	assert_int_equal(s.procs[1].used, 2ull << 30);
	assert_true(s.procs[1].flags & PF_USED_VALID);
	assert_string_equal(snap_proc_type_name(s.procs[1].type), "compute");
	/* static facts were read once, at open */
	sample(src, &s);
	sample(src, &s);
	assert_int_equal(F.gpu[0].calls[C_NAME], 1);
	assert_int_equal(F.gpu[0].calls[C_PCI], 1);
	assert_int_equal(F.gpu[0].calls[C_MIG], 1);
	assert_int_equal(F.gpu[0].mem2_version_seen, 0x02000028u);
	source_close(src);
	assert_int_equal(F.calls[C_SHUTDOWN], 1);
	snapshot_free(&s);
}

static void test_symbol_fallbacks(void **state)
{
	(void)state;
	struct snapshot s;
	snapshot_init(&s);
	/* nvmlInit_v2 and the _v3 lists missing: nvmlInit, _v2 records (24 bytes) */
	fake_reset(1);
	F.gpu[0].lists[0][1] = (struct fproc){.pid = 4242, .used = 123456789};
	F.gpu[0].nlist[0] = 2;
	F.hidden[0] = "nvmlInit_v2";
	F.hidden[1] = "nvmlDeviceGetComputeRunningProcesses_v3";
	struct source *src = open_fake(false, NULL);
	struct nvml_source *ns = container_of(src, struct nvml_source, base);
	assert_string_equal(F.init_name, "nvmlInit");
	assert_int_equal(ns->fns.procs_ver[NVML_LIST_COMPUTE], 2);
	sample(src, &s);
	assert_int_equal(s.nprocs, 2);
	assert_int_equal(find_proc(&s, 4242)->used, 123456789);
	source_close(src);

	/* _v2 missing too: the plain call and its 16-byte v1 records */
	F.hidden[2] = "nvmlDeviceGetComputeRunningProcesses_v2";
	src = open_fake(false, NULL);
	ns = container_of(src, struct nvml_source, base);
	assert_int_equal(ns->fns.procs_ver[NVML_LIST_COMPUTE], 1);
	sample(src, &s);
	assert_int_equal(s.nprocs, 2);
	assert_int_equal(find_proc(&s, 1000)->used, 1ull << 30);
	assert_int_equal(find_proc(&s, 4242)->used, 123456789);
	assert_int_equal(ns->gpus[0].last_stride, 16);
	source_close(src);

	/* all newest first by default */
	fake_reset(1);
	src = open_fake(false, NULL);
	ns = container_of(src, struct nvml_source, base);
	assert_string_equal(F.init_name, "nvmlInit_v2");
	assert_int_equal(ns->fns.procs_ver[NVML_LIST_COMPUTE], 3);
	assert_int_equal(ns->fns.procs_ver[NVML_LIST_GRAPHICS], 3);
	source_close(src);
	snapshot_free(&s);
}

static void test_required_missing(void **state)
{
	(void)state;
	fake_reset(1);
	F.hidden[0] = "nvmlShutdown";
	int st;
	struct nvml_knobs k = {.sleep_ms = fake_sleep};
	struct source *src = (struct source *)1;
	char err[VT_ERRMSG_MAX] = "";
	st = nvml_source_open_with(NULL, &k, fake_sym, NULL, NULL, &src, err, sizeof(err));
	assert_int_equal(st, VT_E_NODRIVER);
	assert_null(src);
	assert_non_null(strstr(err, "nvmlShutdown"));
	assert_int_equal(F.calls[C_INIT], 0);
}

static void test_init_errors(void **state)
{
	(void)state;
	static const struct {
		int rc, st;
		const char *word;
	} cases[] = {
	    {NVML_ERROR_DRIVER_NOT_LOADED, VT_E_NODRIVER, "not loaded"},
	    {NVML_ERROR_LIB_RM_VERSION_MISMATCH, VT_E_MISMATCH, "different versions"},
	    {NVML_ERROR_NO_PERMISSION, VT_E_PERM, "permission"},
	    {NVML_ERROR_UNKNOWN, VT_ERR, "Unknown Error"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_reset(1);
		F.init_rc = cases[i].rc;
		struct nvml_knobs k = {.sleep_ms = fake_sleep};
		struct source *src = NULL;
		char err[VT_ERRMSG_MAX] = "";
		int st =
		    nvml_source_open_with(NULL, &k, fake_sym, NULL, NULL, &src, err, sizeof(err));
		assert_int_equal(st, cases[i].st);
		assert_null(src);
		assert_non_null(strstr(err, cases[i].word));
		assert_int_equal(F.calls[C_SHUTDOWN], 0); /* init failed: no shutdown */
	}
}

static void test_memory_v1_fallback(void **state)
{
	(void)state;
	struct snapshot s;
	snapshot_init(&s);
	static const int refusals[] = {NVML_ERROR_ARGUMENT_VERSION_MISMATCH,
	                               NVML_ERROR_NOT_SUPPORTED};
	for (size_t i = 0; i < 2; i++) {
		fake_reset(1);
		F.gpu[0].mem2_rc = refusals[i];
		struct source *src = open_fake(false, NULL);
		sample(src, &s);
		sample(src, &s);
		const struct snap_gpu *g = &s.gpus[0];
		assert_int_equal(g->state, GPU_STATE_OK);
		assert_int_equal(g->mem_used,
		                 (10ull << 30) + (500ull << 20)); /* v1: with reserved */
		assert_true(g->valid & GM_MEM_USED);
		assert_false(g->valid & GM_MEM_RESERVED);
		assert_int_equal(F.gpu[0].calls[C_MEM2], 1); /* refused once, not asked again */
		assert_int_equal(F.gpu[0].calls[C_MEM1], 2);
		source_close(src);
	}
	/* v2 symbol absent */
	fake_reset(1);
	F.hidden[0] = "nvmlDeviceGetMemoryInfo_v2";
	struct source *src = open_fake(false, NULL);
	sample(src, &s);
	assert_int_equal(s.gpus[0].mem_total, 150ull << 30);
	assert_int_equal(F.gpu[0].calls[C_MEM2], 0);
	source_close(src);
	snapshot_free(&s);
}

static void test_buffer_growth(void **state)
{
	(void)state;
	fake_reset(1);
	struct fgpu *g = &F.gpu[0];
	for (unsigned int i = 0; i < 40; i++)
		g->lists[0][i] = (struct fproc){.pid = 2000 + i, .used = 1000ull * (i + 1)};
	g->nlist[0] = 40;
	/* it also gains 30 on each of the first two calls, more than the headroom
	 * of a regrowth: the first retry is still short, the buffer grows twice */
	g->grow_left[0] = 2;
	g->grow_by = 30;
	struct source *src = open_fake(false, NULL);
	struct nvml_source *ns = container_of(src, struct nvml_source, base);
	struct snapshot s;
	snapshot_init(&s);
	sample(src, &s);
	assert_int_equal(s.gpus[0].state, GPU_STATE_OK);
	assert_int_equal(s.nprocs, 100);
	assert_int_equal(find_proc(&s, 2039)->used, 40000);
	assert_int_equal(find_proc(&s, 5099)->used, 100000);
	unsigned int list_calls = g->calls[C_LIST];
	assert_int_equal(list_calls, 3 + 2); /* compute: 3 tries; graphics, MPS: 1 each */
	/* steady state: the buffers are kept, one call per list, nothing reallocated */
	unsigned char *raw = ns->gpus[0].raw;
	struct nvml_proc_row *rows = ns->gpus[0].rows;
	struct snap_proc *procs = s.procs;
	for (int r = 0; r < 5; r++)
		sample(src, &s);
	assert_int_equal(g->calls[C_LIST], list_calls + 5 * 3);
	assert_ptr_equal(ns->gpus[0].raw, raw);
	assert_ptr_equal(ns->gpus[0].rows, rows);
	assert_ptr_equal(s.procs, procs);
	assert_int_equal(s.nprocs, 100);
	source_close(src);

	/* a list that never stops growing: bounded, then the GPU errs */
	fake_reset(1);
	F.gpu[0].always_short = true;
	src = open_fake(false, NULL);
	sample(src, &s);
	assert_int_equal(s.gpus[0].state, GPU_STATE_ERROR);
	assert_int_equal(F.gpu[0].calls[C_LIST], NVML_GROW_TRIES + 1);
	assert_int_equal(s.nprocs, 0);
	/* the next sample tries again, and the list has settled */
	F.gpu[0].always_short = false;
	sample(src, &s);
	assert_int_equal(s.gpus[0].state, GPU_STATE_OK);
	assert_int_equal(s.nprocs, 1);
	source_close(src);
	snapshot_free(&s);
}
int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic_sample),       cmocka_unit_test(test_symbol_fallbacks),
	    cmocka_unit_test(test_required_missing),   cmocka_unit_test(test_init_errors),
	    cmocka_unit_test(test_memory_v1_fallback), cmocka_unit_test(test_buffer_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
