/* test_fake_nvml_api.c: the simulator's surface -- old build, lifecycle, stats file, metrics,
 * shipped scenarios. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_client.h"

static void test_old_variant(void **state)
{
	(void)state;
	static const char *const newer[] = {
	    "nvmlInit_v2",
	    "nvmlDeviceGetCount_v2",
	    "nvmlDeviceGetHandleByIndex_v2",
	    "nvmlDeviceGetMemoryInfo_v2",
	    "nvmlDeviceGetComputeRunningProcesses_v2",
	    "nvmlDeviceGetComputeRunningProcesses_v3",
	    "nvmlDeviceGetGraphicsRunningProcesses_v2",
	    "nvmlDeviceGetGraphicsRunningProcesses_v3",
	    "nvmlDeviceGetMPSComputeRunningProcesses_v2",
	    "nvmlDeviceGetMPSComputeRunningProcesses_v3",
	};
	for (size_t i = 0; i < sizeof(newer) / sizeof(newer[0]); i++) {
		assert_null(dlsym(old.h, newer[i]));
		assert_non_null(dlsym(lib.h, newer[i]));
	}
	assert_ptr_not_equal(old.init, lib.init);
	setenv("FAKE_TEST_PID", "4242", 1);
	use_scenario(
	    "old",
	    "{\"time_scale\": 0, \"gpus\": [{\"reserved\": 0, \"processes\": ["
	    "{\"pid\": 1, \"used\": \"3GiB\"}, {\"pid\": \"$FAKE_TEST_PID\", \"used\": \"4GiB\"},"
	    "{\"pid\": 3, \"used\": 0}]}]}");
	start_at(&old, "0");
	struct nvml_process_info_v1 p[8];
	struct nvml_memory_v1 m;
	unsigned int n = 8;
	nvmlDevice_t d = dev(&old, 0);
	assert_int_equal(old.compute[1](d, &n, p), NVML_SUCCESS);
	assert_int_equal(n, 3);
	assert_int_equal(p[1].pid, 4242);
	assert_int_equal(old.mem1(d, &m), NVML_SUCCESS);
	assert_int_equal(m.used, 7 * GiB);
	assert_int_equal(old.shutdown(), NVML_SUCCESS);
}

static void test_lifecycle(void **state)
{
	(void)state;
	unsigned int n = 0;
	char name[96];
	assert_int_equal(lib.count(&n), NVML_ERROR_UNINITIALIZED);
	assert_int_equal(lib.shutdown(), NVML_ERROR_UNINITIALIZED);
	unsetenv("VRAMTOP_FAKE_NVML_SCENARIO"); /* the built-in idle H200 */
	start_at(&lib, "0");
	assert_int_equal(lib.init(), NVML_SUCCESS); /* reference counted */
	assert_int_equal(lib.count(&n), NVML_SUCCESS);
	assert_int_equal(n, 1);
	assert_int_equal(lib.name(dev(&lib, 0), name, sizeof(name)), NVML_SUCCESS);
	assert_string_equal(name, "NVIDIA H200");
	assert_int_equal(lib.name(dev(&lib, 0), name, 4), NVML_ERROR_INSUFFICIENT_SIZE);
	assert_int_equal(mem2(&lib, dev(&lib, 0)).total, 150754820096ull);
	nvmlDevice_t bogus = (nvmlDevice_t)&n, d;
	assert_int_equal(lib.name(bogus, name, sizeof(name)), NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(lib.handle(1, &d), NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
	assert_int_equal(lib.count(&n), NVML_SUCCESS);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
	assert_int_equal(lib.count(&n), NVML_ERROR_UNINITIALIZED);

	use_scenario("typo", "{\"gpus\": [{\"nmae\": \"x\"}]}");
	assert_int_equal(lib.init(), NVML_ERROR_UNKNOWN);
	use_scenario("notjson", "{\"gpus\": [");
	assert_int_equal(lib.init(), NVML_ERROR_UNKNOWN);
	use_scenario("badbus", "{\"gpus\": [{\"pci_bus_id\": \"0000:1G:00.0\"}]}");
	assert_int_equal(lib.init(), NVML_ERROR_UNKNOWN);
	use_scenario("badcall", "{\"latency_us\": {\"nvmlNoSuchCall\": 5}, \"gpus\": [{}]}");
	assert_int_equal(lib.init(), NVML_ERROR_UNKNOWN);
	use_scenario("badgpu",
	             "{\"gpus\": [{}], \"faults\": [{\"type\": \"gpu_lost\", \"gpu\": 1}]}");
	assert_int_equal(lib.init(), NVML_ERROR_UNKNOWN);
	assert_int_equal(lib.count(&n), NVML_ERROR_UNINITIALIZED);
	use_shipped("init_nodriver.json");
	assert_int_equal(lib.init(), NVML_ERROR_DRIVER_NOT_LOADED);
	use_shipped("init_mismatch.json");
	assert_int_equal(old.init(), NVML_ERROR_LIB_RM_VERSION_MISMATCH);
	use_shipped("init_noperm.json");
	assert_int_equal(lib.init(), NVML_ERROR_NO_PERMISSION);
	assert_int_equal(lib.count(&n), NVML_ERROR_UNINITIALIZED);
}

static long stat_of(const cJSON *root, const char *fn)
{
	const cJSON *calls = cJSON_GetObjectItemCaseSensitive(root, "calls");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(calls, fn);
	if (!cJSON_IsNumber(v))
		fail_msg("no count for %s", fn);
	return (long)v->valuedouble;
}

static cJSON *read_stats(const char *path)
{
	static char text[65536];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	cJSON *root = cJSON_Parse(text);
	assert_non_null(root);
	return root;
}

static void test_stats_file(void **state)
{
	(void)state;
	char path[4096];
	snprintf(path, sizeof(path), "%s/stats.json", client_tmpdir);
	setenv("VRAMTOP_FAKE_NVML_STATS", path, 1);
	unsetenv("VRAMTOP_FAKE_NVML_SCENARIO");
	start_at(&lib, "0");
	nvmlDevice_t d = dev(&lib, 0);
	for (int i = 0; i < 5; i++)
		mem2(&lib, d);
	assert_int_equal(access(path, F_OK), -1); /* written at shutdown */
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
	cJSON *root = read_stats(path);
	assert_int_equal(stat_of(root, "nvmlInit_v2"), 1);
	assert_int_equal(stat_of(root, "nvmlDeviceGetHandleByIndex_v2"), 1);
	assert_int_equal(stat_of(root, "nvmlDeviceGetMemoryInfo_v2"), 5);
	assert_int_equal(stat_of(root, "nvmlDeviceGetPcieThroughput"), 0);
	assert_int_equal(stat_of(root, "nvmlShutdown"), 1);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(root, "total")->valuedouble, 8);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(root, "pid")->valuedouble, getpid());
	cJSON_Delete(root);

	start_at(&lib, "0"); /* a new session counts from zero */
	mem2(&lib, dev(&lib, 0));
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
	root = read_stats(path);
	assert_int_equal(stat_of(root, "nvmlDeviceGetMemoryInfo_v2"), 1);
	cJSON_Delete(root);
	unsetenv("VRAMTOP_FAKE_NVML_STATS");
}

static void test_metrics(void **state)
{
	(void)state;
	use_scenario(
	    "metrics",
	    "{\"time_scale\": 0, \"gpus\": [{\"name\": \"NVIDIA H100\", \"uuid\": \"GPU-abc\","
	    " \"pci_bus_id\": \"00000000:9A:00.0\", \"power_w\": 350.5, \"mig_mode\": 1,"
	    " \"utilization_gpu\": {\"points\": [[0, 0], [10, 100]]},"
	    " \"clock_sm_mhz\": 1500, \"temperature_c\": \"unsupported\","
	    " \"pcie_rx_kbps\": 2048}]}");
	start_at(&lib, "2.5");
	nvmlDevice_t d = dev(&lib, 0), e = NULL;
	unsigned int v = 0, v2 = 0;
	struct nvml_utilization u;
	assert_int_equal(lib.util(d, &u), NVML_SUCCESS);
	assert_int_equal(u.gpu, 25);
	assert_int_equal(u.memory, 0);
	assert_int_equal(lib.power(d, &v), NVML_SUCCESS);
	assert_int_equal(v, 350500);                                /* milliwatts */
	assert_int_equal(lib.fan(d, &v), NVML_ERROR_NOT_SUPPORTED); /* data-centre default */
	assert_int_equal(lib.temp(d, NVML_TEMPERATURE_GPU, &v), NVML_ERROR_NOT_SUPPORTED);
	assert_int_equal(lib.clock(d, NVML_CLOCK_SM, &v), NVML_SUCCESS);
	assert_int_equal(v, 1500);
	assert_int_equal(lib.clock(d, 9, &v), NVML_ERROR_NOT_SUPPORTED); /* as the driver */
	assert_int_equal(lib.pcie(d, NVML_PCIE_UTIL_RX_BYTES, &v), NVML_SUCCESS);
	assert_int_equal(v, 2048);
	assert_int_equal(lib.mig(d, &v, &v2), NVML_SUCCESS);
	assert_int_equal(v, NVML_DEVICE_MIG_ENABLE);
	assert_int_equal(v2, NVML_DEVICE_MIG_ENABLE);
	struct nvml_pci_info pci;
	assert_int_equal(lib.pci(d, &pci), NVML_SUCCESS);
	assert_string_equal(pci.busId, "00000000:9A:00.0");
	assert_string_equal(pci.busIdLegacy, "0000:9A:00.0");
	assert_int_equal(pci.bus, 0x9A);
	assert_int_equal(pci.pciDeviceId, 0x233510DEu);
	assert_int_equal(lib.by_bus("0000:9a:00.0", &e), NVML_SUCCESS);
	assert_ptr_equal(e, d);
	assert_int_equal(lib.by_bus("0000:9b:00.0", &e), NVML_ERROR_NOT_FOUND);
	assert_int_equal(lib.by_bus("0000:9a", &e), NVML_ERROR_INVALID_ARGUMENT);
	assert_int_equal(lib.by_uuid("GPU-abc", &e), NVML_SUCCESS);
	assert_ptr_equal(e, d);
	assert_int_equal(lib.by_uuid("GPU-nope", &e), NVML_ERROR_NOT_FOUND);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
}

static unsigned int list_count(procs_fn fn, nvmlDevice_t d)
{
	unsigned int n = 0;
	nvmlReturn_t r = fn(d, &n, NULL);
	assert_true(r == NVML_SUCCESS || r == NVML_ERROR_INSUFFICIENT_SIZE);
	return n;
}

/* Every shipped scenario loads; a few facts their comments promise. */
static void test_shipped_scenarios(void **state)
{
	(void)state;
	set_pids();
	DIR *dir = opendir(getenv("FAKE_NVML_SCENARIOS"));
	struct dirent *e;
	int files = 0;
	assert_non_null(dir);
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		files++;
		use_shipped(e->d_name);
		setenv("VRAMTOP_FAKE_NVML_T0", "0", 1);
		nvmlReturn_t r = lib.init();
		if (strncmp(e->d_name, "init_", 5) == 0) {
			assert_int_not_equal(r, NVML_SUCCESS);
			continue;
		}
		assert_int_equal(r, NVML_SUCCESS);
		unsigned int n = 0;
		assert_int_equal(lib.count(&n), NVML_SUCCESS);
		assert_true(n >= 1);
		assert_int_equal(lib.shutdown(), NVML_SUCCESS);
	}
	closedir(dir);
	assert_true(files >= 12);

	use_shipped("basic_2gpu.json");
	start_at(&lib, "0");
	assert_int_equal(list_count(lib.compute[3], dev(&lib, 0)), 2);
	assert_int_equal(list_count(lib.graphics[3], dev(&lib, 0)), 1);
	assert_int_equal(mem2(&lib, dev(&lib, 0)).used, 24 * GiB);
	assert_int_equal(mem2(&lib, dev(&lib, 1)).used, 30 * GiB);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);

	use_shipped("mps.json");
	start_at(&lib, "0");
	assert_int_equal(list_count(lib.mps[3], dev(&lib, 0)), 2);
	assert_int_equal(list_count(lib.compute[3], dev(&lib, 0)), 3);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);

	use_shipped("leak.json");
	setenv("VRAMTOP_FAKE_NVML_TIME_SCALE", "0", 1); /* leak.json runs in real time */
	start_at(&lib, "100");
	assert_int_equal(mem2(&lib, dev(&lib, 0)).used, 12 * GiB + 25600 * MiB);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
	start_at(&lib, "270");
	assert_int_equal(mem2(&lib, dev(&lib, 0)).free, 0);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
	start_at(&lib, "276");
	assert_int_equal(list_count(lib.compute[3], dev(&lib, 0)), 1);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
	unsetenv("VRAMTOP_FAKE_NVML_TIME_SCALE");

	use_shipped("many_8x64.json");
	start_at(&lib, "0");
	unsigned int n = 0, kbps;
	assert_int_equal(lib.count(&n), NVML_SUCCESS);
	assert_int_equal(n, 8);
	nvmlDevice_t d = dev(&lib, 3);
	assert_int_equal(list_count(lib.compute[3], d), 64);
	assert_int_equal(list_count(lib.graphics[3], d), 4);
	assert_int_equal(mem2(&lib, d).used, 48640 * MiB);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(lib.pcie(d, NVML_PCIE_UTIL_TX_BYTES, &kbps), NVML_SUCCESS);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) >= 19000000L);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
}

static atomic_int unknowns;
static nvmlDevice_t shared_dev;

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 500; i++) {
		struct nvml_memory_v2 m = {.version = NVML_MEMORY_V2_VERSION};
		nvmlReturn_t r = lib.mem2(shared_dev, &m);
		if (r == NVML_ERROR_UNKNOWN)
			atomic_fetch_add(&unknowns, 1);
		else if (r != NVML_SUCCESS)
			atomic_fetch_add(&unknowns, 100000);
	}
	return NULL;
}

/* A burst is consumed exactly once however many threads call. */
static void test_threads(void **state)
{
	(void)state;
	use_scenario("threads", "{\"gpus\": [{}], \"faults\": [{\"type\": \"unknown\","
	                        " \"call\": \"nvmlDeviceGetMemoryInfo\", \"count\": 100}]}");
	start_at(&lib, "0");
	shared_dev = dev(&lib, 0);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&unknowns), 100);
	assert_int_equal(lib.shutdown(), NVML_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_old_variant),       cmocka_unit_test(test_lifecycle),
	    cmocka_unit_test(test_stats_file),        cmocka_unit_test(test_metrics),
	    cmocka_unit_test(test_shipped_scenarios), cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, client_setup, client_teardown);
}
