/* test_client.c: a minimal NVML client over dlopen() for the simulator's own tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_client.h"

struct api lib, old;
char client_tmpdir[] = "/tmp/fake_nvml_test.XXXXXX";

static void *sym(void *h, const char *name)
{
	void *p = dlsym(h, name);
	if (!p)
		fail_msg("%s missing", name);
	return p;
}

static void api_load(struct api *a, const char *dir_env, int is_old)
{
	char path[4096];
	const char *dir = getenv(dir_env);
	if (!dir)
		fail_msg("%s is not set", dir_env);
	snprintf(path, sizeof(path), "%s/libnvidia-ml.so.1", dir);
	a->h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!a->h)
		fail_msg("dlopen: %s", dlerror());
	const char *v = is_old ? "" : "_v2";
	char n[96];
	snprintf(n, sizeof(n), "nvmlInit%s", v);
	a->init = sym(a->h, n);
	snprintf(n, sizeof(n), "nvmlDeviceGetCount%s", v);
	a->count = sym(a->h, n);
	snprintf(n, sizeof(n), "nvmlDeviceGetHandleByIndex%s", v);
	a->handle = sym(a->h, n);
	a->shutdown = sym(a->h, "nvmlShutdown");
	a->mem1 = sym(a->h, "nvmlDeviceGetMemoryInfo");
	a->compute[1] = sym(a->h, "nvmlDeviceGetComputeRunningProcesses");
	a->graphics[1] = sym(a->h, "nvmlDeviceGetGraphicsRunningProcesses");
	a->mps[1] = sym(a->h, "nvmlDeviceGetMPSComputeRunningProcesses");
	for (int ver = 2; ver <= 3 && !is_old; ver++) {
		snprintf(n, sizeof(n), "nvmlDeviceGetComputeRunningProcesses_v%d", ver);
		a->compute[ver] = sym(a->h, n);
		snprintf(n, sizeof(n), "nvmlDeviceGetGraphicsRunningProcesses_v%d", ver);
		a->graphics[ver] = sym(a->h, n);
		snprintf(n, sizeof(n), "nvmlDeviceGetMPSComputeRunningProcesses_v%d", ver);
		a->mps[ver] = sym(a->h, n);
	}
	if (!is_old)
		a->mem2 = sym(a->h, "nvmlDeviceGetMemoryInfo_v2");
	a->driver = sym(a->h, "nvmlSystemGetDriverVersion");
	a->proc_name = sym(a->h, "nvmlSystemGetProcessName");
	a->name = sym(a->h, "nvmlDeviceGetName");
	a->power = sym(a->h, "nvmlDeviceGetPowerUsage");
	a->fan = sym(a->h, "nvmlDeviceGetFanSpeed");
	a->temp = sym(a->h, "nvmlDeviceGetTemperature");
	a->clock = sym(a->h, "nvmlDeviceGetClockInfo");
	a->util = sym(a->h, "nvmlDeviceGetUtilizationRates");
	a->pci = sym(a->h, "nvmlDeviceGetPciInfo_v3");
	a->pcie = sym(a->h, "nvmlDeviceGetPcieThroughput");
	a->by_bus = sym(a->h, "nvmlDeviceGetHandleByPciBusId_v2");
	a->by_uuid = sym(a->h, "nvmlDeviceGetHandleByUUID");
	a->mig = sym(a->h, "nvmlDeviceGetMigMode");
	a->errstr = sym(a->h, "nvmlErrorString");
}

int client_setup(void **state)
{
	(void)state;
	if (!mkdtemp(client_tmpdir))
		return -1;
	api_load(&lib, "FAKE_NVML_DIR", 0);
	api_load(&old, "FAKE_NVML_OLD_DIR", 1);
	unsetenv("VRAMTOP_FAKE_NVML_TIME_SCALE");
	unsetenv("VRAMTOP_FAKE_NVML_STATS");
	return 0;
}

int client_teardown(void **state)
{
	(void)state;
	DIR *d = opendir(client_tmpdir);
	struct dirent *e;
	char path[4096];
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", client_tmpdir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(client_tmpdir);
	return 0;
}

/* Writes json as the scenario the next init reads. */
void use_scenario(const char *name, const char *json)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.json", client_tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(json, f);
	fclose(f);
	setenv("VRAMTOP_FAKE_NVML_SCENARIO", path, 1);
}

void use_shipped(const char *file)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", getenv("FAKE_NVML_SCENARIOS"), file);
	setenv("VRAMTOP_FAKE_NVML_SCENARIO", path, 1);
}

void start_at(const struct api *a, const char *t0)
{
	setenv("VRAMTOP_FAKE_NVML_T0", t0, 1);
	assert_int_equal(a->init(), NVML_SUCCESS);
}

nvmlDevice_t dev(const struct api *a, unsigned int i)
{
	nvmlDevice_t d = NULL;
	assert_int_equal(a->handle(i, &d), NVML_SUCCESS);
	return d;
}

struct nvml_memory_v2 mem2(const struct api *a, nvmlDevice_t d)
{
	struct nvml_memory_v2 m = {.version = NVML_MEMORY_V2_VERSION};
	assert_int_equal(a->mem2(d, &m), NVML_SUCCESS);
	return m;
}

void set_pids(void)
{
	char pid[32];
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("PID1", pid, 1);
	setenv("PID2", pid, 1);
	setenv("PID3", pid, 1);
}
