/* test_fake_nvml.c: the simulator, dlopen()ed as a client would, answers as its README documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_client.h"

static const char timeline_json[] =
    "{\"time_scale\": 0, \"gpus\": ["
    "{\"total\": \"80GiB\", \"reserved\": \"512MiB\","
    " \"used\": {\"points\": [[0, \"10GiB\"], [100, \"20GiB\"]]}},"
    "{\"total\": \"80GiB\", \"reserved\": 0,"
    " \"used\": {\"start\": \"1GiB\", \"rate\": \"1MiB\", \"max\": \"2GiB\"}}]}";

static void test_memory_timeline(void **state)
{
	(void)state;
	use_scenario("timeline", timeline_json);
	start_at(&lib, "50");
	nvmlDevice_t d0 = dev(&lib, 0), d1 = dev(&lib, 1);
	struct nvml_memory_v2 m = mem2(&lib, d0);
	assert_int_equal(NVML_MEMORY_V2_VERSION, 0x02000028u);
	assert_int_equal(m.total, 80 * GiB);
	assert_int_equal(m.used, 15 * GiB);
	assert_int_equal(m.reserved, 512 * MiB);
	assert_int_equal(m.free, 80 * GiB - 15 * GiB - 512 * MiB);
	struct nvml_memory_v1 m1;
	assert_int_equal(lib.mem1(d0, &m1), NVML_SUCCESS);
	assert_int_equal(m1.used, 15 * GiB + 512 * MiB);
	assert_int_equal(m1.free + m1.used, m1.total);
	assert_int_equal(mem2(&lib, d1).used, 1 * GiB + 50 * MiB);
	/* nvtop's slip: version = 2 is not the struct version (580.159.04 answers 13). */
	m.version = 2;
	assert_int_equal(lib.mem2(d0, &m), NVML_ERROR_FUNCTION_NOT_FOUND);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);

	start_at(&lib, "250");
	assert_int_equal(mem2(&lib, dev(&lib, 0)).used, 20 * GiB);
	assert_int_equal(mem2(&lib, dev(&lib, 1)).used, 1 * GiB + 250 * MiB);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
	start_at(&lib, "5000");
	assert_int_equal(mem2(&lib, dev(&lib, 1)).used, 2 * GiB);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
}

static void test_time_scale(void **state)
{
	(void)state;
	use_scenario("scale", "{\"time_scale\": 1000, \"gpus\": [{\"reserved\": 0,"
	                      " \"used\": {\"rate\": \"1MiB\"}}]}");
	start_at(&lib, "0");
	nvmlDevice_t d = dev(&lib, 0);
	unsigned long long a = mem2(&lib, d).used;
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
	unsigned long long b = mem2(&lib, d).used;
	assert_true(b - a >= 19 * MiB);
	assert_true(b - a < 10 * GiB);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
	setenv("VRAMTOP_FAKE_NVML_TIME_SCALE", "0", 1);
	start_at(&lib, "7");
	d = dev(&lib, 0);
	assert_int_equal(mem2(&lib, d).used, 7 * MiB);
	nanosleep(&ts, NULL);
	assert_int_equal(mem2(&lib, d).used, 7 * MiB);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
	unsetenv("VRAMTOP_FAKE_NVML_TIME_SCALE");
}

static const char procs_json[] =
    "{\"time_scale\": 0, \"gpus\": [{\"reserved\": 0, \"processes\": ["
    "{\"pid\": 101, \"used\": \"1GiB\"},"
    "{\"pid\": \"$FAKE_TEST_PID\", \"name\": \"trainer\", \"used\": \"2GiB\","
    " \"lists\": [\"compute\", \"graphics\"]},"
    "{\"pid\": \"$FAKE_UNSET_PID\", \"used\": \"3GiB\"},"
    "{\"pid\": 103, \"used\": \"n/a\", \"gpu_instance_id\": 1, \"compute_instance_id\": 0},"
    "{\"pid\": 104, \"used\": \"4GiB\", \"lists\": [\"mps\"]},"
    "{\"pid\": 105, \"used\": \"5GiB\", \"appear\": 10, \"disappear\": 20}]},"
    "{\"name\": \"empty\"}]}";

static void test_process_lists(void **state)
{
	(void)state;
	setenv("FAKE_TEST_PID", "4242", 1);
	unsetenv("FAKE_UNSET_PID");
	use_scenario("procs", procs_json);
	start_at(&lib, "5");
	nvmlDevice_t d = dev(&lib, 0);
	struct nvml_process_info_v2 p[8];
	unsigned int n = 0;
	assert_int_equal(lib.compute[2](d, &n, NULL), NVML_ERROR_INSUFFICIENT_SIZE);
	assert_int_equal(n, 3);
	n = 2;
	assert_int_equal(lib.compute[2](d, &n, p), NVML_ERROR_INSUFFICIENT_SIZE);
	assert_int_equal(n, 3);
	n = 8;
	assert_int_equal(lib.compute[2](d, &n, NULL), NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(n, 3); /* the driver reports the size even then */
	n = 8;
	memset(p, 0xAB, sizeof(p));
	assert_int_equal(lib.compute[2](d, &n, p), NVML_SUCCESS);
	assert_int_equal(n, 3);
	assert_int_equal(p[0].pid, 101);
	assert_int_equal(p[0].usedGpuMemory, 1 * GiB);
	assert_int_equal(p[0].gpuInstanceId, 0xFFFFFFFFu);
	assert_int_equal(((unsigned char *)p)[4], 0xAB); /* padding untouched, as the driver */
	assert_int_equal(p[1].pid, 4242);
	assert_int_equal(p[1].usedGpuMemory, 2 * GiB);
	assert_int_equal(p[2].pid, 103);
	assert_int_equal(p[2].usedGpuMemory, NVML_VALUE_NOT_AVAILABLE_ULL);
	assert_int_equal(p[2].gpuInstanceId, 1);
	assert_int_equal(p[2].computeInstanceId, 0);

	struct nvml_process_info_v1 g[4];
	n = 4;
	assert_int_equal(lib.graphics[1](d, &n, g), NVML_SUCCESS);
	assert_int_equal(n, 1);
	assert_int_equal(g[0].pid, 4242);
	assert_int_equal(g[0].usedGpuMemory, 2 * GiB);
	n = 8;
	assert_int_equal(lib.mps[3](d, &n, p), NVML_SUCCESS);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].pid, 104);
	assert_int_equal(mem2(&lib, d).used, 7 * GiB);
	n = 0;
	assert_int_equal(lib.compute[3](dev(&lib, 1), &n, NULL), NVML_SUCCESS);
	assert_int_equal(n, 0);

	char name[64];
	assert_int_equal(lib.proc_name(4242, name, sizeof(name)), NVML_SUCCESS);
	assert_string_equal(name, "trainer");
	assert_int_equal(lib.proc_name(4242, name, 4), NVML_SUCCESS); /* truncates */
	assert_string_equal(name, "tra");
	assert_int_equal(lib.proc_name((unsigned int)getpid(), name, sizeof(name)), NVML_SUCCESS);
	assert_non_null(strstr(name, "test_fake_nvml"));
	assert_int_equal(lib.proc_name(999999999u, name, sizeof(name)), NVML_ERROR_NOT_FOUND);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);

	start_at(&lib, "15"); /* pid 105 has appeared */
	d = dev(&lib, 0);
	n = 8;
	assert_int_equal(lib.compute[3](d, &n, p), NVML_SUCCESS);
	assert_int_equal(n, 4);
	assert_int_equal(p[3].pid, 105);
	assert_int_equal(mem2(&lib, d).used, 12 * GiB);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
}

static void test_injected_insufficient_size(void **state)
{
	(void)state;
	use_scenario("isz",
	             "{\"time_scale\": 0, \"gpus\": [{\"processes\": ["
	             "{\"pid\": 1, \"lists\": [\"compute\", \"graphics\"]},"
	             "{\"pid\": 2}, {\"pid\": 3}]}], \"faults\": ["
	             "{\"type\": \"insufficient_size\", \"call\": "
	             "\"nvmlDeviceGetComputeRunningProcesses\", \"mode\": \"grow\", \"extra\": 2},"
	             "{\"type\": \"insufficient_size\", \"call\": "
	             "\"nvmlDeviceGetGraphicsRunningProcesses\", \"mode\": \"inflate\","
	             " \"extra\": 4}]}");
	start_at(&lib, "0");
	nvmlDevice_t d = dev(&lib, 0);
	struct nvml_process_info_v2 p[80];
	unsigned int n = 0;
	assert_int_equal(lib.compute[3](d, &n, NULL), NVML_ERROR_INSUFFICIENT_SIZE);
	assert_int_equal(n, 3);
	assert_int_equal(lib.compute[3](d, &n, p), NVML_ERROR_INSUFFICIENT_SIZE);
	assert_int_equal(n, 5); /* grew between the count and the fill */
	assert_int_equal(lib.compute[3](d, &n, p), NVML_SUCCESS);
	assert_int_equal(n, 3);
	n = 3;
	assert_int_equal(lib.compute[3](d, &n, p), NVML_SUCCESS); /* once only */
	n = 64;
	assert_int_equal(lib.graphics[2](d, &n, p), NVML_ERROR_INSUFFICIENT_SIZE);
	assert_int_equal(n, 68); /* more than any buffer offered */
	assert_int_equal(lib.graphics[2](d, &n, p), NVML_SUCCESS);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].pid, 1);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
}

static void test_gpu_lost(void **state)
{
	(void)state;
	set_pids();
	use_shipped("gpu_lost.json");
	start_at(&lib, "0");
	unsigned int count = 0;
	nvmlDevice_t d1 = NULL;
	assert_int_equal(lib.count(&count), NVML_SUCCESS);
	assert_int_equal(count, 2);
	assert_int_equal(lib.handle(1, &d1), NVML_ERROR_GPU_IS_LOST);
	assert_int_equal(mem2(&lib, dev(&lib, 0)).used, 8 * GiB);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);

	/* Lost while running: a handle taken before keeps answering LOST. */
	use_scenario("lost_later", "{\"gpus\": [{}, {}], \"faults\": [{\"type\": \"gpu_lost\","
	                           " \"gpu\": 1, \"at\": 10, \"handle_ok\": true}]}");
	start_at(&lib, "9.9");
	d1 = dev(&lib, 1);
	mem2(&lib, d1);
	struct timespec ts = {0, 150 * 1000 * 1000};
	nanosleep(&ts, NULL);
	struct nvml_memory_v2 m = {.version = NVML_MEMORY_V2_VERSION};
	char name[96];
	assert_int_equal(lib.mem2(d1, &m), NVML_ERROR_GPU_IS_LOST);
	assert_int_equal(lib.name(d1, name, sizeof(name)), NVML_ERROR_GPU_IS_LOST);
	assert_ptr_equal(dev(&lib, 1), d1); /* handle_ok */
	mem2(&lib, dev(&lib, 0));
	assert_string_equal(lib.errstr(NVML_ERROR_GPU_IS_LOST), "GPU is lost");
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
}

/* A client's retry loop: attempts (at most max) until memory info succeeds, or -1. */
static int attempts_until_ok(nvmlDevice_t d, int max)
{
	for (int i = 1; i <= max; i++) {
		struct nvml_memory_v2 m = {.version = NVML_MEMORY_V2_VERSION};
		nvmlReturn_t r = lib.mem2(d, &m);
		if (r == NVML_SUCCESS)
			return i;
		assert_int_equal(r, NVML_ERROR_UNKNOWN);
	}
	return -1;
}

static void test_unknown_bursts(void **state)
{
	(void)state;
	char name[96];
	use_shipped("unknown_recovers.json");
	start_at(&lib, "0");
	nvmlDevice_t d0 = dev(&lib, 0), d1 = dev(&lib, 1);
	assert_int_equal(lib.name(d0, name, sizeof(name)),
	                 NVML_SUCCESS); /* other calls unaffected */
	assert_int_equal(attempts_until_ok(d1, 4), 1);
	assert_int_equal(attempts_until_ok(d0, 4), 3);
	assert_int_equal(attempts_until_ok(d0, 4), 1);
	assert_int_equal(mem2(&lib, d0).used, 12 * GiB);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);

	use_shipped("unknown_errors.json");
	start_at(&lib, "0");
	d0 = dev(&lib, 0);
	d1 = dev(&lib, 1);
	assert_int_equal(attempts_until_ok(d0, 4), -1); /* calls 1-4 */
	assert_int_equal(attempts_until_ok(d1, 4), 1);
	assert_int_equal(attempts_until_ok(d0, 4), -1); /* calls 5-8 */
	assert_int_equal(attempts_until_ok(d0, 4), 3);  /* 9, 10 fail; 11 succeeds */
	assert_int_equal(attempts_until_ok(d0, 4), 1);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
}

static void test_stride_bug(void **state)
{
	(void)state;
	setenv("PID1", "1111", 1);
	setenv("PID2", "2222", 1);
	setenv("PID3", "3333", 1);
	use_shipped("stride535.json");
	start_at(&lib, "0");
	char ver[80];
	assert_int_equal(lib.driver(ver, sizeof(ver)), NVML_SUCCESS);
	assert_string_equal(ver, "535.54.03");
	nvmlDevice_t d = dev(&lib, 0);
	unsigned char buf[4 * 32];
	unsigned int n = 3, pid;
	unsigned long long used;
	memset(buf, 0xAB, sizeof(buf));
	assert_int_equal(lib.compute[3](d, &n, buf), NVML_SUCCESS);
	assert_int_equal(n, 3);
	static const unsigned int pids[] = {1111, 2222, 3333};
	static const unsigned long long gib[] = {20, 10, 5};
	for (int i = 0; i < 3; i++) {
		const struct nvml_process_info_v3_535 *r = (const void *)(buf + 32 * i);
		assert_int_equal(r->pid, pids[i]);
		assert_int_equal(r->usedGpuMemory, gib[i] * GiB);
		assert_int_equal(r->gpuInstanceId, 0xFFFFFFFFu);
		assert_int_equal(r->usedGpuCcProtectedMemory, 0);
	}
	assert_int_equal(buf[96], 0xAB); /* nothing past the third record */
	/* Read with the declared 24-byte stride, record 1 is garbage. */
	memcpy(&pid, buf + 24, sizeof(pid));
	assert_int_equal(pid, 0);
	/* _v2 and v1 are not affected. */
	n = 3;
	assert_int_equal(lib.compute[2](d, &n, buf), NVML_SUCCESS);
	memcpy(&pid, buf + 24, sizeof(pid));
	memcpy(&used, buf + 24 + 8, sizeof(used));
	assert_int_equal(pid, 2222);
	assert_int_equal(used, 10 * GiB);
	n = 3;
	assert_int_equal(lib.compute[1](d, &n, buf), NVML_SUCCESS);
	memcpy(&pid, buf + 32, sizeof(pid));
	assert_int_equal(pid, 3333);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);

	/* 535.104.05 fixed it; "auto" follows the driver version. */
	use_scenario("fixed", "{\"driver_version\": \"535.104.05\", \"gpus\": [{\"processes\": ["
	                      "{\"pid\": 7}, {\"pid\": 8}]}]}");
	start_at(&lib, "0");
	memset(buf, 0xAB, sizeof(buf));
	n = 2;
	assert_int_equal(lib.compute[3](dev(&lib, 0), &n, buf), NVML_SUCCESS);
	memcpy(&pid, buf + 24, sizeof(pid));
	assert_int_equal(pid, 8);
	assert_int_equal(buf[48], 0xAB);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memory_timeline),
	    cmocka_unit_test(test_time_scale),
	    cmocka_unit_test(test_process_lists),
	    cmocka_unit_test(test_injected_insufficient_size),
	    cmocka_unit_test(test_gpu_lost),
	    cmocka_unit_test(test_unknown_bursts),
	    cmocka_unit_test(test_stride_bug),
	};
	return cmocka_run_group_tests(tests, client_setup, client_teardown);
}
