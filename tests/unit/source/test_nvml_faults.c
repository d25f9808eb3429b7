/* test_nvml_faults.c: the NVML source against a fake driver -- the 535 record
 * stride, list merging, lost and UNKNOWN GPUs, unsupported metrics, other
 * users' names, the PCIe sampler thread. */
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

static void test_stride_535(void **state)
{
	(void)state;
	assert_true(nvml_driver_has_bug535("535.54.03"));
	assert_true(nvml_driver_has_bug535("535.43.02"));
	assert_true(nvml_driver_has_bug535("535.86.10"));
	assert_false(nvml_driver_has_bug535("535.98"));
	assert_false(nvml_driver_has_bug535("535.104.05"));
	assert_false(nvml_driver_has_bug535("530.30.02"));
	assert_false(nvml_driver_has_bug535("550.54.15"));
	assert_false(nvml_driver_has_bug535("garbage"));

	struct snapshot s;
	snapshot_init(&s);
	/* driver says 535.54.03 and writes 32-byte records; a version string that
	 * does not say so (a vendor build) with 32-byte records; and 535.54 that
	 * writes 24 (a fixed backport): the bytes decide every time */
	static const struct {
		const char *driver;
		unsigned int stride;
	} cases[] = {{"535.54.03", 32}, {"550.54.15", 32}, {"535.54.03", 24}};
	for (size_t c = 0; c < 3; c++) {
		fake_reset(1);
		F.driver = cases[c].driver;
		struct fgpu *g = &F.gpu[0];
		g->v3_stride = cases[c].stride;
		for (unsigned int i = 0; i < 5; i++)
			g->lists[0][i] = (struct fproc){.pid = 7000 + i, .used = (i + 1) << 20};
		g->nlist[0] = 5;
		struct source *src = open_fake(false, NULL);
		struct nvml_source *ns = container_of(src, struct nvml_source, base);
		sample(src, &s);
		assert_int_equal(ns->bug535, c != 1);
		assert_int_equal(ns->gpus[0].last_stride, cases[c].stride);
		assert_int_equal(s.nprocs, 5);
		for (unsigned int i = 0; i < 5; i++) {
			assert_int_equal(s.procs[i].pid, 7000 + i);
			assert_int_equal(s.procs[i].used, (uint64_t)(i + 1) << 20);
		}
		source_close(src);
	}
	snapshot_free(&s);

	/* the measurement itself */
	unsigned char raw[10 * 32];
	memset(raw, NVML_RAW_FILL, sizeof(raw));
	memset(raw, 0, 3 * 24);
	assert_int_equal(nvml_stride_measure(raw, sizeof(raw), 3, 32), 24);
	assert_int_equal(nvml_stride_measure(raw, sizeof(raw), 0, 32), 32);
	memset(raw, 0, 3 * 32);
	assert_int_equal(nvml_stride_measure(raw, sizeof(raw), 3, 24), 32);
	assert_int_equal(nvml_stride_measure(raw, sizeof(raw), 6, 24), 16);
	memset(raw, 0, sizeof(raw)); /* wrote everything: cannot tell */
	assert_int_equal(nvml_stride_measure(raw, sizeof(raw), 2, 24), 24);
}

static void test_merge_lists(void **state)
{
	(void)state;
	fake_reset(1);
	struct fgpu *g = &F.gpu[0];
	g->lists[NVML_LIST_COMPUTE][0] = (struct fproc){.pid = 100, .used = 3000};
	g->lists[NVML_LIST_COMPUTE][1] =
	    (struct fproc){.pid = 300, .used = NVML_VALUE_NOT_AVAILABLE};
	g->nlist[NVML_LIST_COMPUTE] = 2;
	g->lists[NVML_LIST_GRAPHICS][0] = (struct fproc){.pid = 200, .used = 500};
	g->lists[NVML_LIST_GRAPHICS][1] = (struct fproc){.pid = 100, .used = 3000};
	g->nlist[NVML_LIST_GRAPHICS] = 2;
	g->lists[NVML_LIST_MPS][0] = (struct fproc){.pid = 400, .used = 800};
	g->nlist[NVML_LIST_MPS] = 1;
	struct source *src = open_fake(false, NULL);
	struct snapshot s;
	snapshot_init(&s);
	sample(src, &s);
	assert_int_equal(s.nprocs, 4);
	const struct snap_proc *p = find_proc(&s, 100);
	assert_int_equal(p->type, PROC_COMPUTE | PROC_GRAPHICS);
	assert_string_equal(snap_proc_type_name(p->type), "compute+graphics");
	assert_int_equal(p->used, 3000); /* one process, not counted twice */
	assert_string_equal(snap_proc_type_name(find_proc(&s, 200)->type), "graphics");
	p = find_proc(&s, 300);
	assert_false(p->flags & PF_USED_VALID);
	assert_int_equal(p->used, 0);
	p = find_proc(&s, 400);
	assert_int_equal(p->type, PROC_MPS);
	assert_true(p->flags & PF_USED_VALID);
	source_close(src);
	snapshot_free(&s);
}

static void test_gpu_lost_isolated(void **state)
{
	(void)state;
	fake_reset(3);
	F.gpu[1].lost = true;
	struct source *src = open_fake(false, NULL);
	/* it was fine at open; it falls off the bus before the first sample */
	struct snapshot s;
	snapshot_init(&s);
	sample(src, &s);
	assert_int_equal(s.ngpus, 3);
	assert_int_equal(s.gpus[0].state, GPU_STATE_OK);
	assert_int_equal(s.gpus[1].state, GPU_STATE_LOST);
	assert_string_equal(snap_gpu_state_name(s.gpus[1].state), "lost");
	assert_non_null(strstr(s.gpus[1].error, "lost"));
	assert_false(s.gpus[1].valid & GM_MEM_USED);
	assert_true(s.gpus[1].valid & GM_UUID); /* still named */
	assert_int_equal(s.gpus[2].state, GPU_STATE_OK);
	assert_int_equal(s.gpus[2].mem_used, 12ull << 30);
	assert_int_equal(s.nprocs, 2);
	assert_int_equal(s.procs[0].pid, 1000);
	assert_int_equal(s.procs[1].pid, 1002);
	assert_int_equal(s.procs[1].gpu, 2);
	/* a lost GPU is not called again */
	unsigned int calls = F.gpu[1].calls[C_MEM2] + F.gpu[1].calls[C_MEM1];
	sample(src, &s);
	sample(src, &s);
	assert_int_equal(F.gpu[1].calls[C_MEM2] + F.gpu[1].calls[C_MEM1], calls);
	assert_int_equal(s.gpus[1].state, GPU_STATE_LOST);
	assert_int_equal(s.gpus[0].state, GPU_STATE_OK);
	source_close(src);
	snapshot_free(&s);
}

static void test_unknown_retry(void **state)
{
	(void)state;
	fake_reset(2);
	F.gpu[0].unknown_left = 4; /* the call and its 3 retries all fail */
	struct source *src = open_fake(false, NULL);
	struct snapshot s;
	snapshot_init(&s);
	sample(src, &s);
	assert_int_equal(F.gpu[0].calls[C_MEM2], 4);
	assert_int_equal(F.nsleeps, 3);
	assert_int_equal(F.sleeps[0], 1);
	assert_int_equal(F.sleeps[1], 2);
	assert_int_equal(F.sleeps[2], 4);
	assert_int_equal(s.gpus[0].state, GPU_STATE_ERROR);
	assert_non_null(strstr(s.gpus[0].error, "Unknown Error"));
	assert_int_equal(s.gpus[1].state, GPU_STATE_OK);
	assert_int_equal(s.nprocs, 1);
	assert_int_equal(s.procs[0].pid, 1001);
	/* the burst is over: the next sample recovers */
	sample(src, &s);
	assert_int_equal(s.gpus[0].state, GPU_STATE_OK);
	assert_int_equal(s.gpus[0].mem_used, 10ull << 30);
	assert_int_equal(s.nprocs, 2);
	/* a shorter burst is absorbed within one sample */
	F.gpu[0].unknown_left = 2;
	F.nsleeps = 0;
	sample(src, &s);
	assert_int_equal(s.gpus[0].state, GPU_STATE_OK);
	assert_int_equal(F.nsleeps, 2);
	source_close(src);
	snapshot_free(&s);
}

static void test_unsupported_metrics(void **state)
{
	(void)state;
	fake_reset(1);
	F.gpu[0].metric_rc = NVML_ERROR_NOT_SUPPORTED; /* power and fan */
	F.hidden[0] = "nvmlDeviceGetTemperature";
	struct source *src = open_fake(false, NULL);
	struct snapshot s;
	snapshot_init(&s);
	sample(src, &s);
	const struct snap_gpu *g = &s.gpus[0];
	assert_false(g->valid & GM_POWER);
	assert_false(g->valid & GM_FAN);
	assert_false(g->valid & GM_TEMP);
	assert_true(g->valid & GM_CLOCK_SM);
	assert_int_equal(g->state, GPU_STATE_OK);
	/* NOT_SUPPORTED is not asked again; count the calls of a steady refresh */
	unsigned int before[C_N];
	memcpy(before, F.calls, sizeof(before));
	sample(src, &s);
	assert_int_equal(F.calls[C_POWER], before[C_POWER]);
	assert_int_equal(F.calls[C_FAN], before[C_FAN]);
	unsigned int total = 0;
	for (int c = 0; c < C_N; c++)
		total += F.calls[c] - before[c];
	/* memory 1 + three lists + utilisation 1 + two clocks */
	assert_int_equal(total, 7);
	source_close(src);
	snapshot_free(&s);
}

static void test_other_users_names(void **state)
{
	(void)state;
	struct snapshot s;
	snapshot_init(&s);
	/* proc_root does not exist: nobody is provably ours, so all are others */
	fake_reset(1);
	struct source *src = open_fake(true, NULL);
	sample(src, &s);
	assert_int_equal(s.nprocs, 1);
	assert_false(s.procs[0].flags & PF_SAME_USER);
	assert_true(s.procs[0].flags & PF_NAME_VALID);
	assert_string_equal(s.procs[0].name, "other-1000 "); /* escapes gone, newline a space */
	assert_true(s.procs[0].flags & PF_USED_VALID);
	/* asked once, then cached by identity; a new PID is asked for */
	sample(src, &s);
	sample(src, &s);
	assert_int_equal(F.calls[C_PNAME], 1);
	assert_string_equal(s.procs[0].name, "other-1000 ");
	F.gpu[0].lists[0][0].pid = 1001;
	sample(src, &s);
	assert_int_equal(F.calls[C_PNAME], 2);
	assert_string_equal(s.procs[0].name, "other-1001 ");
	source_close(src);

	fake_reset(1);
	src = open_fake(false, NULL);
	sample(src, &s);
	assert_false(s.procs[0].flags & PF_NAME_VALID);
	assert_string_equal(s.procs[0].name, "");
	assert_int_equal(F.calls[C_PNAME], 0);
	source_close(src);
	snapshot_free(&s);
}

static void test_pcie_thread(void **state)
{
	(void)state;
	fake_reset(2);
	struct nvml_source_opts o = {0};
	struct nvml_knobs k = {.pcie_interval_s = 0.01, .sleep_ms = fake_sleep};
	struct source *src = NULL;
	char err[VT_ERRMSG_MAX];
	assert_int_equal(
	    nvml_source_open_with(&o, &k, fake_sym, NULL, NULL, &src, err, sizeof(err)), VT_OK);
	assert_true(container_of(src, struct nvml_source, base)->pcie_running);
	struct snapshot s;
	snapshot_init(&s);
	/* the refresh never waits for PCIe: it shows what the thread has so far */
	bool seen = false;
	for (int i = 0; i < 200 && !seen; i++) {
		sample(src, &s);
		seen = (s.gpus[1].valid & (GM_PCIE_TX | GM_PCIE_RX)) == (GM_PCIE_TX | GM_PCIE_RX);
		if (!seen)
			nanosleep(&(struct timespec){.tv_nsec = 10000000L}, NULL);
	}
	assert_true(seen);
	assert_int_equal(s.gpus[1].pcie_tx_kbs, 1234);
	assert_int_equal(s.gpus[1].pcie_rx_kbs, 5678);
	source_close(src); /* joins the thread promptly */
	snapshot_free(&s);

	/* interval 0: no thread, the bits stay clear */
	fake_reset(1);
	k.pcie_interval_s = 0;
	src = open_fake(false, NULL);
	snapshot_init(&s);
	sample(src, &s);
	assert_false(s.gpus[0].valid & (GM_PCIE_TX | GM_PCIE_RX));
	assert_false(container_of(src, struct nvml_source, base)->pcie_running);
	source_close(src);
	snapshot_free(&s);
}
/* Samples until want(s) holds, 10 ms apart, at most 3 s; whether it did. */
static bool sample_until(struct source *src, struct snapshot *s,
                         bool (*want)(const struct snapshot *))
{
	for (int i = 0; i < 300; i++) {
		sample(src, s);
		if (want(s))
			return true;
		nanosleep(&(struct timespec){.tv_nsec = 10000000L}, NULL);
	}
	return false;
}
static bool gpu1_pcie(const struct snapshot *s)
{
	return s->gpus[1].state == GPU_STATE_OK && (s->gpus[1].valid & GM_PCIE_TX);
}
static bool gpu1_lost(const struct snapshot *s)
{
	return s->gpus[1].state == GPU_STATE_LOST;
}

/* A GPU that falls off the bus is asked for a new handle every lost_retry_s;
 * once it answers it is back, with its memory, processes and PCIe figures
 * (the sampler thread gets the new handle), and GPU 0 never stopped. */
static void test_gpu_lost_and_back(void **state)
{
	(void)state;
	fake_reset(2);
	struct nvml_source_opts o = {0};
	struct nvml_knobs k = {
	    .pcie_interval_s = 0.01, .sleep_ms = fake_sleep, .lost_retry_s = 0.05};
	struct source *src = NULL;
	char err[VT_ERRMSG_MAX];
	assert_int_equal(
	    nvml_source_open_with(&o, &k, fake_sym, NULL, NULL, &src, err, sizeof(err)), VT_OK);
	struct snapshot s;
	snapshot_init(&s);
	assert_true(sample_until(src, &s, gpu1_pcie));
	__atomic_store_n(&F.gpu[1].lost, true, __ATOMIC_SEQ_CST);
	assert_true(sample_until(src, &s, gpu1_lost));
	assert_false(s.gpus[1].valid & GM_MEM_USED);
	assert_int_equal(s.gpus[0].state, GPU_STATE_OK);
	/* the sampler thread meets the loss too and drops its handle */
	struct nvml_source *ns = container_of(src, struct nvml_source, base);
	bool dropped = false;
	for (int i = 0; i < 300 && !dropped; i++) {
		pthread_mutex_lock(&ns->pcie_mu);
		dropped = ns->pcie_devs[1] == NULL;
		pthread_mutex_unlock(&ns->pcie_mu);
		nanosleep(&(struct timespec){.tv_nsec = 10000000L}, NULL);
	}
	assert_true(dropped);
	/* while lost, a new handle is asked for at most every lost_retry_s */
	unsigned int opens = F.gpu[1].calls[C_MEM2] + F.gpu[1].calls[C_MEM1];
	sample(src, &s);
	assert_int_equal(F.gpu[1].calls[C_MEM2] + F.gpu[1].calls[C_MEM1], opens);
	__atomic_store_n(&F.gpu[1].lost, false, __ATOMIC_SEQ_CST);
	assert_true(sample_until(src, &s, gpu1_pcie));
	assert_true(s.gpus[1].valid & GM_MEM_USED);
	assert_int_equal(s.gpus[1].error[0], '\0');
	assert_int_equal(s.gpus[0].state, GPU_STATE_OK);
	source_close(src);
	snapshot_free(&s);
}

static void assert_clean(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		assert_true(*p >= 0x20 && *p != 0x7f);
	/* C1 controls in UTF-8 (U+0080..U+009F) start with 0xC2 0x80..0x9F */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		assert_false(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
}

/* Every string from the driver goes through the sanitiser: the GPU's name,
 * UUID and bus id, and the driver's own error text. */
static void test_driver_strings_are_sanitised(void **state)
{
	(void)state;
	fake_reset(2);
	F.hostile = true;
	F.gpu[1].unknown_left = 1000; /* errored: its message is the driver's text */
	struct source *src = open_fake(false, NULL);
	struct snapshot s;
	snapshot_init(&s);
	sample(src, &s);
	assert_int_equal(s.gpus[1].state, GPU_STATE_ERROR);
	assert_non_null(strstr(s.gpus[1].error, "Some Error"));
	for (size_t i = 0; i < 2; i++) {
		assert_true(s.gpus[i].valid & GM_NAME);
		assert_non_null(strstr(s.gpus[i].name, "NVIDIA H200"));
		assert_clean(s.gpus[i].name);
		assert_clean(s.gpus[i].uuid);
		assert_clean(s.gpus[i].pci_bus_id);
		assert_clean(s.gpus[i].error);
	}
	source_close(src);
	snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_driver_strings_are_sanitised),
	    cmocka_unit_test(test_stride_535),
	    cmocka_unit_test(test_merge_lists),
	    cmocka_unit_test(test_gpu_lost_isolated),
	    cmocka_unit_test(test_unknown_retry),
	    cmocka_unit_test(test_unsupported_metrics),
	    cmocka_unit_test(test_other_users_names),
	    cmocka_unit_test(test_pcie_thread),
	    cmocka_unit_test(test_gpu_lost_and_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
