/* core.c: the simulator's lifetime -- init/shutdown, simulated time, fault gates, call statistics,
 * system queries. */
#include "fake_nvml.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"

_Static_assert(sizeof(struct nvml_process_info_v1) == 16, "nvmlProcessInfo_v1_t is 16 bytes");
_Static_assert(sizeof(struct nvml_process_info_v2) == 24, "nvmlProcessInfo_v2_t is 24 bytes");
_Static_assert(sizeof(struct nvml_process_info_v3_535) == 32, "535 _v3 record is 32 bytes");
_Static_assert(sizeof(struct nvml_memory_v2) == 40, "nvmlMemory_v2_t is 40 bytes");
_Static_assert(sizeof(struct nvml_pci_info) == 68, "nvmlPciInfo_t is 68 bytes");

const char *const fake_fn_names[FN_COUNT] = {
#define FAKE_NAME(n) #n,
    FAKE_FUNCS(FAKE_NAME)
#undef FAKE_NAME
};

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fake_scenario scenario;
static atomic_int refcount;
static double mono_at_init, t_offset, t_scale = 1.0;
static atomic_ulong calls[FN_COUNT];
static unsigned long calls_at_dump;

void fake_lock(void)
{
	pthread_mutex_lock(&state_lock);
}

void fake_unlock(void)
{
	pthread_mutex_unlock(&state_lock);
}

struct fake_scenario *fake_current(void)
{
	return &scenario;
}

static double mono_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double fake_now(void)
{
	return t_offset + (mono_seconds() - mono_at_init) * t_scale;
}

static void sleep_us(unsigned int us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

nvmlReturn_t fake_enter(enum fake_fn fn)
{
	atomic_fetch_add_explicit(&calls[fn], 1, memory_order_relaxed);
	if (atomic_load(&refcount) == 0)
		return NVML_ERROR_UNINITIALIZED;
	if (scenario.latency_us[fn])
		sleep_us(scenario.latency_us[fn]);
	return NVML_SUCCESS;
}

nvmlReturn_t fake_gate(enum fake_fn fn, struct fake_gpu *g, double t, bool lookup)
{
	if (t >= g->lost_at && t < g->back_at && !(lookup && g->lost_handle_ok))
		return NVML_ERROR_GPU_IS_LOST;
	if (scenario.nbursts == 0)
		return NVML_SUCCESS;
	nvmlReturn_t r = NVML_SUCCESS;
	fake_lock();
	for (size_t i = 0; i < scenario.nbursts; i++) {
		struct fake_burst *b = &scenario.bursts[i];
		if (b->gpu == g->index && b->match[fn] && t >= b->at && b->remaining > 0) {
			b->remaining--;
			r = NVML_ERROR_UNKNOWN;
			break;
		}
	}
	fake_unlock();
	return r;
}

nvmlReturn_t fake_enter_dev(enum fake_fn fn, nvmlDevice_t dev, struct fake_gpu **gpu, double *t)
{
	nvmlReturn_t r = fake_enter(fn);
	if (r)
		return r;
	uintptr_t p = (uintptr_t)dev, base = (uintptr_t)scenario.gpus;
	uintptr_t end = base + scenario.ngpus * sizeof(struct fake_gpu);
	if (p < base || p >= end || (p - base) % sizeof(struct fake_gpu))
		return NVML_ERROR_INVALID_ARGUMENT;
	*gpu = (struct fake_gpu *)dev;
	*t = fake_now();
	return fake_gate(fn, *gpu, *t, false);
}

nvmlReturn_t fake_copy_string(char *buf, unsigned int len, const char *s)
{
	size_t n = strlen(s);
	if (!buf)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (n + 1 > len)
		return NVML_ERROR_INSUFFICIENT_SIZE;
	memcpy(buf, s, n + 1);
	return NVML_SUCCESS;
}

static unsigned long long clamp_bytes(double v, unsigned long long max)
{
	if (!(v > 0))
		return 0;
	if (v >= (double)max)
		return max;
	return (unsigned long long)v;
}

void fake_gpu_memory(const struct fake_gpu *g, double t, unsigned long long *used,
                     unsigned long long *reserved)
{
	/* "unsupported"/"n/a" evaluate to 0. */
	*reserved = clamp_bytes(fake_series_eval(&g->reserved, t), g->total);
	double u = 0;
	if (g->used.kind == SERIES_ABSENT) {
		for (size_t i = 0; i < g->nprocs; i++) {
			const struct fake_proc *p = &g->procs[i];
			if (fake_proc_visible(p, t))
				u += fake_series_eval(&p->used, t);
		}
	} else {
		u = fake_series_eval(&g->used, t);
	}
	*used = clamp_bytes(u, g->total - *reserved);
}

/* Decimal seconds from the environment, or dflt. */
static double env_seconds(const char *name, double dflt)
{
	const char *v = getenv(name);
	double d;
	if (v && *v && fake_parse_quantity(v, &d) == 0)
		return d;
	return dflt;
}

static void stats_dump(void)
{
	const char *path = getenv("VRAMTOP_FAKE_NVML_STATS");
	unsigned long total = 0;
	for (int f = 0; f < FN_COUNT; f++)
		total += atomic_load(&calls[f]);
	calls_at_dump = total;
	if (!path || !*path)
		return;
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "{\n  \"pid\": %ld,\n  \"total\": %lu,\n  \"calls\": {", (long)getpid(), total);
	for (int i = 0; i < FN_COUNT; i++)
		fprintf(f, "%s\n    \"%s\": %lu", i ? "," : "", fake_fn_names[i],
		        atomic_load(&calls[i]));
	fprintf(f, "\n  }\n}\n");
	if (fclose(f) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
}

__attribute__((destructor)) static void fake_unload(void)
{
	unsigned long total = 0;
	for (int f = 0; f < FN_COUNT; f++)
		total += atomic_load(&calls[f]);
	if (total != calls_at_dump)
		stats_dump();
	atomic_store(&refcount, 0); /* later calls answer UNINITIALIZED */
	fake_scenario_free(&scenario);
}

/* The first init of a session resets the call counters, so a stats file
 * describes one session: from that init to the last shutdown (or unload). */
static nvmlReturn_t init_common(enum fake_fn fn)
{
	fake_lock();
	if (atomic_load(&refcount) > 0) {
		atomic_fetch_add(&calls[fn], 1);
		atomic_fetch_add(&refcount, 1);
		fake_unlock();
		return NVML_SUCCESS;
	}
	for (int f = 0; f < FN_COUNT; f++)
		atomic_store(&calls[f], 0);
	calls_at_dump = 0;
	atomic_fetch_add(&calls[fn], 1);
	const char *path = getenv("VRAMTOP_FAKE_NVML_SCENARIO");
	char err[512];
	fake_scenario_free(&scenario);
	if (path && *path) {
		if (fake_scenario_load(&scenario, path, err, sizeof(err))) {
			fprintf(stderr, "fake_nvml: %s\n", err);
			fake_unlock();
			return NVML_ERROR_UNKNOWN;
		}
	} else {
		fake_scenario_default(&scenario);
	}
	nvmlReturn_t r = scenario.init_error;
	if (r != NVML_SUCCESS) {
		fake_scenario_free(&scenario);
		fake_unlock();
		return r;
	}
	t_scale = env_seconds("VRAMTOP_FAKE_NVML_TIME_SCALE", scenario.time_scale);
	t_offset = env_seconds("VRAMTOP_FAKE_NVML_T0", 0);
	unsigned int hang = scenario.latency_us[fn]; /* a wedged driver's init */
	fake_unlock();
	if (hang)
		sleep_us(hang);
	fake_lock();
	mono_at_init = mono_seconds();
	atomic_store(&refcount, 1);
	fake_unlock();
	return NVML_SUCCESS;
}

#ifndef FAKE_NVML_OLD
FAKE_API nvmlReturn_t nvmlInit_v2(void)
{
	return init_common(FN_nvmlInit_v2);
}
#endif

FAKE_API nvmlReturn_t nvmlInit(void)
{
	return init_common(FN_nvmlInit);
}

FAKE_API nvmlReturn_t nvmlInitWithFlags(unsigned int flags)
{
	(void)flags;
	return init_common(FN_nvmlInitWithFlags);
}

FAKE_API nvmlReturn_t nvmlShutdown(void)
{
	atomic_fetch_add(&calls[FN_nvmlShutdown], 1);
	fake_lock();
	if (atomic_load(&refcount) == 0) {
		fake_unlock();
		return NVML_ERROR_UNINITIALIZED;
	}
	if (atomic_fetch_sub(&refcount, 1) == 1) {
		stats_dump();
		fake_scenario_free(&scenario);
	}
	fake_unlock();
	return NVML_SUCCESS;
}

FAKE_API const char *nvmlErrorString(nvmlReturn_t result)
{
	atomic_fetch_add_explicit(&calls[FN_nvmlErrorString], 1, memory_order_relaxed);
	switch (result) {
	case NVML_SUCCESS:
		return "Success";
	case NVML_ERROR_UNINITIALIZED:
		return "Uninitialized";
	case NVML_ERROR_INVALID_ARGUMENT:
		return "Invalid Argument";
	case NVML_ERROR_NOT_SUPPORTED:
		return "Not Supported";
	case NVML_ERROR_NO_PERMISSION:
		return "Insufficient Permissions";
	case NVML_ERROR_ALREADY_INITIALIZED:
		return "Already Initialized";
	case NVML_ERROR_NOT_FOUND:
		return "Not Found";
	case NVML_ERROR_INSUFFICIENT_SIZE:
		return "Insufficient Size";
	case NVML_ERROR_DRIVER_NOT_LOADED:
		return "Driver Not Loaded";
	case NVML_ERROR_LIBRARY_NOT_FOUND:
		return "NVML Shared Library Not Found";
	case NVML_ERROR_FUNCTION_NOT_FOUND:
		return "Function Not Found";
	case NVML_ERROR_GPU_IS_LOST:
		return "GPU is lost";
	case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
		return "Driver/library version mismatch";
	case NVML_ERROR_ARGUMENT_VERSION_MISMATCH:
		return "Argument version mismatch";
	case NVML_ERROR_UNKNOWN:
		return "Unknown Error";
	default:
		return "Unknown Error";
	}
}

FAKE_API nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
	nvmlReturn_t r = fake_enter(FN_nvmlSystemGetDriverVersion);
	return r ? r : fake_copy_string(version, length, scenario.driver_version);
}

FAKE_API nvmlReturn_t nvmlSystemGetNVMLVersion(char *version, unsigned int length)
{
	nvmlReturn_t r = fake_enter(FN_nvmlSystemGetNVMLVersion);
	return r ? r : fake_copy_string(version, length, scenario.nvml_version);
}

static nvmlReturn_t cuda_version(enum fake_fn fn, int *v)
{
	nvmlReturn_t r = fake_enter(fn);
	if (r)
		return r;
	if (!v)
		return NVML_ERROR_INVALID_ARGUMENT;
	*v = scenario.cuda_version;
	return NVML_SUCCESS;
}

FAKE_API nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *v)
{
	return cuda_version(FN_nvmlSystemGetCudaDriverVersion, v);
}

FAKE_API nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *v)
{
	return cuda_version(FN_nvmlSystemGetCudaDriverVersion_v2, v);
}

/* argv[0] of a live process (what the driver reports), else its comm. */
static int proc_name_from_os(unsigned int pid, char *out, size_t cap)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, out, cap - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0 && out[0]) {
		out[n] = '\0';
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, out, cap - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

/* nvmlSystemGetProcessName truncates instead of failing (measured). */
static nvmlReturn_t copy_truncated(char *buf, unsigned int len, const char *s)
{
	size_t n = strlen(s);
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return NVML_SUCCESS;
}

FAKE_API nvmlReturn_t nvmlSystemGetProcessName(unsigned int pid, char *name, unsigned int length)
{
	nvmlReturn_t r = fake_enter(FN_nvmlSystemGetProcessName);
	if (r)
		return r;
	if (!name || length == 0)
		return NVML_ERROR_INVALID_ARGUMENT;
	for (unsigned int g = 0; g < scenario.ngpus; g++)
		for (size_t i = 0; i < scenario.gpus[g].nprocs; i++) {
			const struct fake_proc *p = &scenario.gpus[g].procs[i];
			if (p->pid == pid && p->name[0])
				return copy_truncated(name, length, p->name);
		}
	char buf[4096];
	if (proc_name_from_os(pid, buf, sizeof(buf)))
		return NVML_ERROR_NOT_FOUND;
	return copy_truncated(name, length, buf);
}
