/* test_nvml_bench.c: on a machine with a real NVIDIA driver, what one refresh
 * of the NVML source costs against the bare NVML calls (tools/nvml_floor.c),
 * what each NVML call costs alone, whether the PCIe sampler thread stalls a
 * refresh, and one snapshot to compare with nvidia-smi. Not a unit test: run
 * by hand, `nvml_bench [refreshes]`. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "source/nvml_api.h"

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct stats {
	double med, p99, max;
};

static struct stats stats_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return (struct stats){v[n / 2], v[(n * 99) / 100], v[n - 1]};
}

static void *sym_dl(void *ctx, const char *name)
{
	return dlsym(ctx, name);
}

static struct source *open_src(double pcie_interval)
{
	const char *path = getenv("VRAMTOP_NVML_LIB");
	void *lib = dlopen(path && *path ? path : "libnvidia-ml.so.1", RTLD_NOW);
	if (!lib) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		exit(1);
	}
	struct nvml_knobs k;
	nvml_knobs_default(&k);
	k.pcie_interval_s = pcie_interval;
	struct nvml_source_opts o = {.show_other_users = true};
	struct source *src;
	char err[VT_ERRMSG_MAX];
	if (nvml_source_open_with(&o, &k, sym_dl, lib, lib, &src, err, sizeof(err)) != VT_OK) {
		fprintf(stderr, "open: %s\n", err);
		exit(1);
	}
	return src;
}

#define TIME_CALL(label, iters, expr)                                                              \
	do {                                                                                       \
		double v_[200];                                                                    \
		int rc_ = 0;                                                                       \
		for (int i_ = 0; i_ < (iters); i_++) {                                             \
			double a_ = now_us();                                                      \
			rc_ = (expr);                                                              \
			v_[i_] = now_us() - a_;                                                    \
		}                                                                                  \
		struct stats s_ = stats_of(v_, (iters));                                           \
		printf("call %-28s rc %3d  median %8.1f us  max %8.1f us\n", label, rc_, s_.med,   \
		       s_.max);                                                                    \
	} while (0)

static void per_call(struct nvml_source *s)
{
	const struct nvml_fns *f = &s->fns;
	struct nvml_device *d = s->gpus[0].dev;
	struct nvml_memory_v2 m2;
	struct nvml_memory_v1 m1;
	struct nvml_utilization u;
	unsigned int x, cnt;
	static unsigned char raw[256 * 32];
	char name[256];

	TIME_CALL("memory_v2", 200,
	          (m2.version = NVML_MEMORY_V2_VERSION, f->device_get_memory_info_v2(d, &m2)));
	TIME_CALL("memory_v1", 200, f->device_get_memory_info(d, &m1));
	TIME_CALL("compute list", 200, (cnt = 256, f->procs[NVML_LIST_COMPUTE](d, &cnt, raw)));
	if (f->procs[NVML_LIST_GRAPHICS])
		TIME_CALL("graphics list", 200,
		          (cnt = 256, f->procs[NVML_LIST_GRAPHICS](d, &cnt, raw)));
	if (f->procs[NVML_LIST_MPS])
		TIME_CALL("MPS list", 200, (cnt = 256, f->procs[NVML_LIST_MPS](d, &cnt, raw)));
	TIME_CALL("utilization", 200, f->device_get_utilization_rates(d, &u));
	TIME_CALL("temperature", 200, f->device_get_temperature(d, NVML_TEMPERATURE_GPU, &x));
	TIME_CALL("power usage", 200, f->device_get_power_usage(d, &x));
	TIME_CALL("clock sm", 200, f->device_get_clock_info(d, NVML_CLOCK_SM, &x));
	TIME_CALL("clock mem", 200, f->device_get_clock_info(d, NVML_CLOCK_MEM, &x));
	TIME_CALL("fan", 200, f->device_get_fan_speed(d, &x));
	TIME_CALL("pcie tx (window)", 5, f->device_get_pcie_throughput(d, 0, &x));
	TIME_CALL("process name", 200, f->system_get_process_name(1, name, sizeof(name)));
}

/* The floor: memory + compute + graphics per GPU, nothing else. */
static struct stats floor_cost(struct nvml_source *s, int n, double *v)
{
	static unsigned char raw[256 * 32];
	for (int r = 0; r < n; r++) {
		double a = now_us();
		for (unsigned int i = 0; i < s->ngpus; i++) {
			struct nvml_memory_v1 m;
			unsigned int c = 256;
			s->fns.device_get_memory_info(s->gpus[i].dev, &m);
			s->fns.procs[NVML_LIST_COMPUTE](s->gpus[i].dev, &c, raw);
			c = 256;
			if (s->fns.procs[NVML_LIST_GRAPHICS])
				s->fns.procs[NVML_LIST_GRAPHICS](s->gpus[i].dev, &c, raw);
		}
		v[r] = now_us() - a;
	}
	return stats_of(v, n);
}

static struct stats refresh_cost(struct source *src, struct snapshot *snap, int n, double *v)
{
	char err[VT_ERRMSG_MAX];
	for (int r = 0; r < n; r++) {
		double a = now_us();
		source_sample(src, snap, err, sizeof(err));
		v[r] = now_us() - a;
	}
	return stats_of(v, n);
}

static void show(const struct snapshot *snap, const struct nvml_source *s)
{
	printf("driver %s bug535 %d procs_ver %u/%u/%u\n", snap->driver_version, s->bug535,
	       s->fns.procs_ver[0], s->fns.procs_ver[1], s->fns.procs_ver[2]);
	for (size_t i = 0; i < snap->ngpus; i++) {
		const struct snap_gpu *g = &snap->gpus[i];
		printf("gpu %u %s state %s valid %#x %s %s used %llu MiB reserved %llu MiB total "
		       "%llu MiB free %llu MiB util %u temp %u power %u/%u mW sm %u mem %u fan %u "
		       "mig %d stride %u\n",
		       g->index, g->name, snap_gpu_state_name(g->state), (unsigned)g->valid,
		       g->uuid, g->pci_bus_id, (unsigned long long)(g->mem_used >> 20),
		       (unsigned long long)(g->mem_reserved >> 20),
		       (unsigned long long)(g->mem_total >> 20),
		       (unsigned long long)(g->mem_free >> 20), g->util_gpu, g->temp_c, g->power_mw,
		       g->power_limit_mw, g->clock_sm_mhz, g->clock_mem_mhz, g->fan_pct,
		       g->mig_enabled, s->gpus[i].last_stride);
	}
	for (size_t i = 0; i < snap->nprocs; i++) {
		const struct snap_proc *p = &snap->procs[i];
		printf("proc gpu %u pid %d %s used %llu MiB flags %#x user %s name %s\n", p->gpu,
		       (int)p->pid, snap_proc_type_name(p->type),
		       (unsigned long long)(p->used >> 20), (unsigned)p->flags, p->user, p->name);
	}
}

int main(int argc, char **argv)
{
	int n = 200;
	if (argc > 1) {
		char *end;
		long v = strtol(argv[1], &end, 10);
		if (*end == '\0' && v > 10 && v <= 100000)
			n = (int)v;
	}
	double *v = calloc((size_t)n, sizeof(*v));
	struct snapshot snap;
	snapshot_init(&snap);

	double t0 = now_us();
	struct source *src = open_src(0);
	printf("open_ms %.2f\n", (now_us() - t0) / 1e3);
	struct nvml_source *s = container_of(src, struct nvml_source, base);
	per_call(s);
	struct stats fl = floor_cost(s, n, v);
	printf("floor   (mem+compute+graphics) median %.1f us p99 %.1f max %.1f  (%u GPUs)\n",
	       fl.med, fl.p99, fl.max, s->ngpus);
	struct stats rf = refresh_cost(src, &snap, n, v);
	printf("refresh (source_sample)        median %.1f us p99 %.1f max %.1f\n", rf.med, rf.p99,
	       rf.max);
	show(&snap, s);
	source_close(src);

	/* with the PCIe sampler busy all the time: does it stall a refresh? */
	src = open_src(0.001);
	rf = refresh_cost(src, &snap, n, v);
	printf("refresh with PCIe thread busy  median %.1f us p99 %.1f max %.1f pcie_valid %#x\n",
	       rf.med, rf.p99, rf.max,
	       (unsigned)(snap.ngpus ? snap.gpus[0].valid & (GM_PCIE_TX | GM_PCIE_RX) : 0));
	source_close(src);
	snapshot_free(&snap);
	free(v);
	return 0;
}
