/* nvml_probe.c: prints how an NVML library answers edge cases, to hold the simulator against a real
 * driver.
 *
 * Usage: nvml_probe [LIBRARY] [PID...]  (LIBRARY defaults to libnvidia-ml.so.1;
 * PIDs are looked up with nvmlSystemGetProcessName). One "key = value" line per
 * fact on GPU 0, so the outputs of the real driver and of the simulator diff. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nvml_abi.h"

static void *lib;

static void *fn(const char *name)
{
	return dlsym(lib, name);
}

typedef nvmlReturn_t (*u32_fn)(nvmlDevice_t, unsigned int *);
typedef nvmlReturn_t (*enum_u32_fn)(nvmlDevice_t, int, unsigned int *);
typedef nvmlReturn_t (*str_fn)(nvmlDevice_t, char *, unsigned int);
typedef nvmlReturn_t (*list_fn)(nvmlDevice_t, unsigned int *, void *);

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void probe_u32(nvmlDevice_t d, const char *name)
{
	u32_fn f = (u32_fn)fn(name);
	unsigned int v = 0;
	if (!f) {
		printf("%s = missing\n", name);
		return;
	}
	double t = now_us();
	nvmlReturn_t r = f(d, &v);
	printf("%s = rc %d value %u (%.0f us)\n", name, r, r ? 0 : v, now_us() - t);
}

static void probe_enum(nvmlDevice_t d, const char *name, int arg)
{
	enum_u32_fn f = (enum_u32_fn)fn(name);
	unsigned int v = 0;
	if (!f) {
		printf("%s(%d) = missing\n", name, arg);
		return;
	}
	double t = now_us();
	nvmlReturn_t r = f(d, arg, &v);
	printf("%s(%d) = rc %d value %u (%.0f us)\n", name, arg, r, r ? 0 : v, now_us() - t);
}

static void probe_str(nvmlDevice_t d, const char *name)
{
	str_fn f = (str_fn)fn(name);
	char buf[256] = "";
	if (!f)
		return;
	nvmlReturn_t r = f(d, buf, sizeof(buf));
	nvmlReturn_t small = f(d, buf + 128, 4);
	printf("%s = rc %d \"%s\"; with length 4: rc %d\n", name, r, buf, small);
}

static void probe_memory(nvmlDevice_t d)
{
	nvmlReturn_t (*m1)(nvmlDevice_t, struct nvml_memory_v1 *) = fn("nvmlDeviceGetMemoryInfo");
	nvmlReturn_t (*m2)(nvmlDevice_t, struct nvml_memory_v2 *) =
	    fn("nvmlDeviceGetMemoryInfo_v2");
	struct nvml_memory_v1 a = {0};
	struct nvml_memory_v2 b = {.version = NVML_MEMORY_V2_VERSION};
	nvmlReturn_t r = m1 ? m1(d, &a) : -1;
	printf("memory_v1 = rc %d total %llu used %llu free %llu\n", r, a.total, a.used, a.free);
	if (!m2)
		return;
	r = m2(d, &b);
	printf("memory_v2 = rc %d total %llu reserved %llu used %llu free %llu\n", r, b.total,
	       b.reserved, b.used, b.free);
	printf("memory_v1.used - (v2.used + v2.reserved) = %lld\n",
	       (long long)(a.used - (b.used + b.reserved)));
	unsigned int bad[] = {2, 0, NVML_MEMORY_V2_VERSION + 1};
	for (int i = 0; i < 3; i++) {
		b.version = bad[i];
		printf("memory_v2 version 0x%x = rc %d\n", bad[i], m2(d, &b));
	}
}

/* The list protocol and the stride the driver really writes. */
static void probe_list(nvmlDevice_t d, const char *name)
{
	list_fn f = (list_fn)fn(name);
	if (!f) {
		printf("%s = missing\n", name);
		return;
	}
	unsigned int n = 0;
	nvmlReturn_t r = f(d, &n, NULL);
	printf("%s(count 0, NULL) = rc %d count %u\n", name, r, n);
	unsigned char buf[64 * 40];
	n = 0;
	r = f(d, &n, buf);
	printf("%s(count 0, buf) = rc %d count %u\n", name, r, n);
	n = 5;
	r = f(d, &n, NULL);
	printf("%s(count 5, NULL) = rc %d count %u\n", name, r, n);
	memset(buf, 0xAB, sizeof(buf));
	n = 64;
	r = f(d, &n, buf);
	size_t last = sizeof(buf);
	while (last > 0 && buf[last - 1] == 0xAB)
		last--;
	printf("%s(count 64) = rc %d count %u bytes_written %zu", name, r, n, last);
	printf("\n");
	for (size_t off = 0; r == 0 && n > 0 && off < last && off < 128; off += 8) {
		unsigned long long q;
		memcpy(&q, buf + off, sizeof(q));
		printf("  %s +%zu = 0x%016llx\n", name, off, q);
	}
}

static void probe_names(int argc, char **argv)
{
	nvmlReturn_t (*pn)(unsigned int, char *, unsigned int) = fn("nvmlSystemGetProcessName");
	unsigned int pids[] = {(unsigned int)getpid(), 1, 999999999u};
	char buf[512];
	for (int i = 0; pn && i < 3; i++) {
		buf[0] = '\0';
		nvmlReturn_t r = pn(pids[i], buf, sizeof(buf));
		printf("process_name(%s) = rc %d \"%s\"\n",
		       i == 0   ? "self"
		       : i == 1 ? "1"
		                : "huge",
		       r, r ? "" : buf);
	}
	for (int i = 2; pn && i < argc; i++) {
		unsigned long pid = strtoul(argv[i], NULL, 10);
		buf[0] = '\0';
		nvmlReturn_t r = pn((unsigned int)pid, buf, sizeof(buf));
		nvmlReturn_t small = pn((unsigned int)pid, buf + 256, 4);
		printf("process_name(%lu) = rc %d \"%s\"; with length 4: rc %d\n", pid, r,
		       r ? "" : buf, small);
	}
}

static void probe_device(nvmlDevice_t d)
{
	probe_str(d, "nvmlDeviceGetName");
	probe_str(d, "nvmlDeviceGetUUID");
	nvmlReturn_t (*pci)(nvmlDevice_t, struct nvml_pci_info *) = fn("nvmlDeviceGetPciInfo_v3");
	struct nvml_pci_info p = {0};
	nvmlReturn_t r = pci ? pci(d, &p) : -1;
	printf(
	    "pci_v3 = rc %d busId \"%s\" legacy \"%s\" dom %u bus %u dev %u id 0x%08x sub 0x%08x\n",
	    r, p.busId, p.busIdLegacy, p.domain, p.bus, p.device, p.pciDeviceId, p.pciSubSystemId);
	probe_memory(d);
	struct nvml_utilization u = {0};
	nvmlReturn_t (*util)(nvmlDevice_t, struct nvml_utilization *) =
	    fn("nvmlDeviceGetUtilizationRates");
	r = util(d, &u);
	printf("utilization = rc %d gpu %u mem %u\n", r, u.gpu, u.memory);
	nvmlReturn_t (*codec)(nvmlDevice_t, unsigned int *, unsigned int *) =
	    fn("nvmlDeviceGetEncoderUtilization");
	unsigned int a = 0, b = 0;
	r = codec(d, &a, &b);
	printf("encoder = rc %d util %u period %u\n", r, a, b);
	probe_enum(d, "nvmlDeviceGetTemperature", 0);
	probe_enum(d, "nvmlDeviceGetTemperature", 7);
	probe_u32(d, "nvmlDeviceGetPowerUsage");
	probe_u32(d, "nvmlDeviceGetEnforcedPowerLimit");
	probe_u32(d, "nvmlDeviceGetPowerManagementLimit");
	for (int c = 0; c < 4; c++) {
		probe_enum(d, "nvmlDeviceGetClockInfo", c);
		probe_enum(d, "nvmlDeviceGetMaxClockInfo", c);
	}
	probe_enum(d, "nvmlDeviceGetClockInfo", 9);
	probe_u32(d, "nvmlDeviceGetFanSpeed");
	probe_enum(d, "nvmlDeviceGetPcieThroughput", 0);
	probe_enum(d, "nvmlDeviceGetPcieThroughput", 1);
	probe_u32(d, "nvmlDeviceGetCurrPcieLinkGeneration");
	probe_u32(d, "nvmlDeviceGetCurrPcieLinkWidth");
	probe_u32(d, "nvmlDeviceGetMaxPcieLinkGeneration");
	probe_u32(d, "nvmlDeviceGetMaxPcieLinkWidth");
	probe_u32(d, "nvmlDeviceGetPerformanceState");
	probe_u32(d, "nvmlDeviceGetComputeMode");
	nvmlReturn_t (*mig)(nvmlDevice_t, unsigned int *, unsigned int *) =
	    fn("nvmlDeviceGetMigMode");
	a = b = 0;
	r = mig(d, &a, &b);
	printf("mig = rc %d current %u pending %u\n", r, a, b);
	struct nvml_bar1_memory bar = {0};
	nvmlReturn_t (*bar1)(nvmlDevice_t, struct nvml_bar1_memory *) =
	    fn("nvmlDeviceGetBAR1MemoryInfo");
	r = bar1(d, &bar);
	printf("bar1 = rc %d total %llu used %llu free %llu\n", r, bar.bar1Total, bar.bar1Used,
	       bar.bar1Free);
	nvmlReturn_t (*ecc)(nvmlDevice_t, int, int, unsigned long long *) =
	    fn("nvmlDeviceGetTotalEccErrors");
	unsigned long long e = 0;
	r = ecc(d, 0, 0, &e);
	printf("ecc_corrected_volatile = rc %d value %llu\n", r, e);
	static const char *const lists[] = {"Compute", "Graphics", "MPSCompute"};
	static const char *const vers[] = {"", "_v2", "_v3"};
	char name[96];
	for (int l = 0; l < 3; l++)
		for (int v = 0; v < 3; v++) {
			snprintf(name, sizeof(name), "nvmlDeviceGet%sRunningProcesses%s", lists[l],
			         vers[v]);
			probe_list(d, name);
		}
}

int main(int argc, char **argv)
{
	lib = dlopen(argc > 1 ? argv[1] : "libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	nvmlReturn_t (*init)(void) = fn("nvmlInit_v2");
	nvmlReturn_t (*shutdown)(void) = fn("nvmlShutdown");
	nvmlReturn_t (*count)(unsigned int *) = fn("nvmlDeviceGetCount_v2");
	nvmlReturn_t (*handle)(unsigned int, nvmlDevice_t *) = fn("nvmlDeviceGetHandleByIndex_v2");
	const char *(*errstr)(nvmlReturn_t) = fn("nvmlErrorString");
	unsigned int n = 0;
	printf("count_before_init = rc %d\n", count(&n));
	printf("shutdown_before_init = rc %d\n", shutdown());
	printf("init = rc %d\n", init());
	char buf[128];
	nvmlReturn_t (*sv)(char *, unsigned int) = fn("nvmlSystemGetDriverVersion");
	nvmlReturn_t r = sv(buf, sizeof(buf));
	printf("driver = rc %d \"%s\"\n", r, buf);
	sv = fn("nvmlSystemGetNVMLVersion");
	r = sv(buf, sizeof(buf));
	printf("nvml = rc %d \"%s\"\n", r, buf);
	int cuda = 0;
	nvmlReturn_t (*cv)(int *) = fn("nvmlSystemGetCudaDriverVersion_v2");
	r = cv(&cuda);
	printf("cuda = rc %d %d\n", r, cuda);
	r = count(&n);
	printf("count = rc %d %u\n", r, n);
	nvmlDevice_t d = NULL, e = NULL;
	printf("handle(99) = rc %d\n", handle(99, &e));
	nvmlReturn_t (*by_uuid)(const char *, nvmlDevice_t *) = fn("nvmlDeviceGetHandleByUUID");
	printf("by_uuid(GPU-nope) = rc %d\n", by_uuid("GPU-nope", &e));
	if (n > 0 && handle(0, &d) == NVML_SUCCESS)
		probe_device(d);
	probe_names(argc, argv);
	static const int codes[] = {0, 1, 2, 3, 4, 6, 7, 9, 13, 15, 18, 25, 999};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		printf("error_string(%d) = \"%s\"\n", codes[i], errstr(codes[i]));
	printf("init_again = rc %d\n", init());
	printf("shutdown = rc %d\n", shutdown());
	printf("count_after_one_shutdown = rc %d\n", count(&n));
	printf("shutdown = rc %d\n", shutdown());
	printf("count_after_shutdown = rc %d\n", count(&n));
	printf("shutdown_again = rc %d\n", shutdown());
	return 0;
}
