/* test_nvml.c: the NVML source against fake NVML functions injected through
 * the resolver -- symbol fallbacks, memory v2, buffer growth, the 535 stride,
 * list merging, lost and UNKNOWN GPUs, validity bits, init errors. */
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

/* ---- the fake driver ---------------------------------------------------------- */

enum fcall {
	C_INIT,
	C_SHUTDOWN,
	C_MEM1,
	C_MEM2,
	C_LIST,
	C_UTIL,
	C_TEMP,
	C_POWER,
	C_CLOCK,
	C_FAN,
	C_NAME,
	C_UUID,
	C_PCI,
	C_PLIMIT,
	C_MIG,
	C_PNAME,
	C_N,
};

struct fproc {
	unsigned int pid;
	unsigned long long used;
};

struct fgpu {
	unsigned long long total, reserved, free, used;
	struct fproc lists[NVML_LIST_N][128];
	unsigned int nlist[NVML_LIST_N];
	int grow_left[NVML_LIST_N]; /* the list gains grow_by processes on this many calls */
	unsigned int grow_by;
	bool always_short;      /* the list outgrows any buffer */
	int mem_rc;             /* forced status of both memory calls, 0 = answer */
	int mem2_rc;            /* forced status of the v2 call only */
	int unknown_left;       /* the next memory calls answer UNKNOWN */
	bool lost;              /* every call answers GPU_IS_LOST */
	int metric_rc;          /* forced status of power and fan */
	unsigned int v3_stride; /* bytes per record written by the _v3 lists */
	unsigned int calls[C_N];
	unsigned int mem2_version_seen;
};

static struct {
	struct fgpu gpu[4];
	unsigned int ngpus;
	int init_rc;
	const char *driver;
	const char *hidden[8]; /* symbols the fake library does not export */
	unsigned int calls[C_N];
	unsigned int sleeps[16], nsleeps;
	const char *init_name; /* which init symbol was called */
} F;

static struct fgpu *G(struct nvml_device *d)
{
	return (struct fgpu *)d;
}

#define COUNT(g, c) ((g)->calls[c]++, F.calls[c]++)

static int f_init_v2(void)
{
	F.calls[C_INIT]++;
	F.init_name = "nvmlInit_v2";
	return F.init_rc;
}
static int f_init(void)
{
	F.calls[C_INIT]++;
	F.init_name = "nvmlInit";
	return F.init_rc;
}
static int f_shutdown(void)
{
	F.calls[C_SHUTDOWN]++;
	return 0;
}
static int f_count(unsigned int *n)
{
	*n = F.ngpus;
	return 0;
}
static int f_handle(unsigned int i, struct nvml_device **d)
{
	if (i >= F.ngpus)
		return NVML_ERROR_INVALID_ARGUMENT;
	*d = (struct nvml_device *)&F.gpu[i];
	return 0;
}
static const char *f_errstr(int rc)
{
	return rc == NVML_ERROR_UNKNOWN ? "Unknown Error" : "Some Error";
}
static int f_driver(char *buf, unsigned int len)
{
	snprintf(buf, len, "%s", F.driver);
	return 0;
}
static int f_pname(unsigned int pid, char *buf, unsigned int len)
{
	F.calls[C_PNAME]++;
	snprintf(buf, len, "\x1b[31mother-%u\x1b[0m\n", pid);
	return 0;
}
static int mem_status(struct fgpu *g)
{
	if (g->lost)
		return NVML_ERROR_GPU_IS_LOST;
	if (g->unknown_left > 0) {
		g->unknown_left--;
		return NVML_ERROR_UNKNOWN;
	}
	return g->mem_rc;
}
static int f_mem1(struct nvml_device *d, struct nvml_memory_v1 *m)
{
	struct fgpu *g = G(d);
	COUNT(g, C_MEM1);
	int rc = mem_status(g);
	if (rc)
		return rc;
	m->total = g->total;
	m->free = g->free;
	m->used = g->used + g->reserved;
	return 0;
}
static int f_mem2(struct nvml_device *d, struct nvml_memory_v2 *m)
{
	struct fgpu *g = G(d);
	COUNT(g, C_MEM2);
	g->mem2_version_seen = m->version;
	int rc = mem_status(g);
	if (rc)
		return rc;
	if (g->mem2_rc)
		return g->mem2_rc;
	if (m->version != 0x02000028u)
		return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
	m->total = g->total;
	m->reserved = g->reserved;
	m->free = g->free;
	m->used = g->used;
	return 0;
}
/* Writes list l of g as records of `stride` bytes, the way the driver does. */
static int f_list(struct nvml_device *d, unsigned int *count, void *infos, int l,
                  unsigned int stride)
{
	struct fgpu *g = G(d);
	COUNT(g, C_LIST);
	if (g->lost)
		return NVML_ERROR_GPU_IS_LOST;
	if (g->grow_left[l] > 0) {
		g->grow_left[l]--;
		for (unsigned int k = 0; k < g->grow_by && g->nlist[l] < 128; k++) {
			unsigned int n = g->nlist[l]++;
			g->lists[l][n] = (struct fproc){.pid = 5000 + n, .used = (n + 1) * 1000ull};
		}
	}
	unsigned int n = g->nlist[l];
	if (g->always_short && l == NVML_LIST_COMPUTE)
		n = *count + 100;
	if (*count < n) {
		*count = n;
		return NVML_ERROR_INSUFFICIENT_SIZE;
	}
	for (unsigned int i = 0; i < n; i++) {
		unsigned char rec[32];
		unsigned int gi = 0xFFFFFFFFu;
		unsigned long long cc = 0;
		memset(rec, 0, sizeof(rec));
		memcpy(rec, &g->lists[l][i].pid, 4);
		memcpy(rec + 8, &g->lists[l][i].used, 8);
		if (stride >= 24) {
			memcpy(rec + 16, &gi, 4);
			memcpy(rec + 20, &gi, 4);
		}
		if (stride >= 32)
			memcpy(rec + 24, &cc, 8);
		memcpy((unsigned char *)infos + (size_t)i * stride, rec, stride);
	}
	*count = n;
	return 0;
}
static int f_c3(struct nvml_device *d, unsigned int *c, void *p)
{
	return f_list(d, c, p, NVML_LIST_COMPUTE, G(d)->v3_stride ? G(d)->v3_stride : 24);
}
static int f_c2(struct nvml_device *d, unsigned int *c, void *p)
{
	return f_list(d, c, p, NVML_LIST_COMPUTE, 24);
}
static int f_c1(struct nvml_device *d, unsigned int *c, void *p)
{
	return f_list(d, c, p, NVML_LIST_COMPUTE, 16);
}
static int f_g3(struct nvml_device *d, unsigned int *c, void *p)
{
	return f_list(d, c, p, NVML_LIST_GRAPHICS, G(d)->v3_stride ? G(d)->v3_stride : 24);
}
static int f_m3(struct nvml_device *d, unsigned int *c, void *p)
{
	return f_list(d, c, p, NVML_LIST_MPS, G(d)->v3_stride ? G(d)->v3_stride : 24);
}
static int f_util(struct nvml_device *d, struct nvml_utilization *u)
{
	COUNT(G(d), C_UTIL);
	u->gpu = 77;
	u->memory = 33;
	return G(d)->lost ? NVML_ERROR_GPU_IS_LOST : 0;
}
static int f_temp(struct nvml_device *d, int sensor, unsigned int *c)
{
	COUNT(G(d), C_TEMP);
	*c = sensor == NVML_TEMPERATURE_GPU ? 61 : 0;
	return 0;
}
static int f_power(struct nvml_device *d, unsigned int *mw)
{
	COUNT(G(d), C_POWER);
	*mw = 250000;
	return G(d)->metric_rc;
}
static int f_clock(struct nvml_device *d, int type, unsigned int *mhz)
{
	COUNT(G(d), C_CLOCK);
	*mhz = type == NVML_CLOCK_SM ? 1980 : 2619;
	return 0;
}
static int f_fan(struct nvml_device *d, unsigned int *pct)
{
	COUNT(G(d), C_FAN);
	*pct = 0;
	return G(d)->metric_rc;
}
static int f_name(struct nvml_device *d, char *buf, unsigned int len)
{
	COUNT(G(d), C_NAME);
	snprintf(buf, len, "NVIDIA H200");
	return 0;
}
static int f_uuid(struct nvml_device *d, char *buf, unsigned int len)
{
	COUNT(G(d), C_UUID);
	snprintf(buf, len, "GPU-%u", (unsigned int)(G(d) - F.gpu));
	return 0;
}
static int f_pci(struct nvml_device *d, struct nvml_pci_info *p)
{
	COUNT(G(d), C_PCI);
	snprintf(p->bus_id, sizeof(p->bus_id), "00000000:%02X:00.0",
	         0x18 + (unsigned)(G(d) - F.gpu));
	return 0;
}
static int f_plimit(struct nvml_device *d, unsigned int *mw)
{
	COUNT(G(d), C_PLIMIT);
	*mw = 700000;
	return 0;
}
static int f_mig(struct nvml_device *d, unsigned int *cur, unsigned int *pend)
{
	COUNT(G(d), C_MIG);
	*cur = *pend = 0;
	return 0;
}

/* called from the sampler thread: touches nothing the test thread writes */
static int f_pcie(struct nvml_device *d, int counter, unsigned int *kbs)
{
	(void)d;
	*kbs = counter == NVML_PCIE_UTIL_TX_BYTES ? 1234 : 5678;
	return 0;
}

static const struct {
	const char *name;
	void *fn;
} fake_syms[] = {
    {"nvmlDeviceGetPcieThroughput", (void *)f_pcie},
    {"nvmlInit_v2", (void *)f_init_v2},
    {"nvmlInit", (void *)f_init},
    {"nvmlShutdown", (void *)f_shutdown},
    {"nvmlDeviceGetCount_v2", (void *)f_count},
    {"nvmlDeviceGetHandleByIndex_v2", (void *)f_handle},
    {"nvmlErrorString", (void *)f_errstr},
    {"nvmlSystemGetDriverVersion", (void *)f_driver},
    {"nvmlSystemGetProcessName", (void *)f_pname},
    {"nvmlDeviceGetMemoryInfo", (void *)f_mem1},
    {"nvmlDeviceGetMemoryInfo_v2", (void *)f_mem2},
    {"nvmlDeviceGetComputeRunningProcesses_v3", (void *)f_c3},
    {"nvmlDeviceGetComputeRunningProcesses_v2", (void *)f_c2},
    {"nvmlDeviceGetComputeRunningProcesses", (void *)f_c1},
    {"nvmlDeviceGetGraphicsRunningProcesses_v3", (void *)f_g3},
    {"nvmlDeviceGetMPSComputeRunningProcesses_v3", (void *)f_m3},
    {"nvmlDeviceGetUtilizationRates", (void *)f_util},
    {"nvmlDeviceGetTemperature", (void *)f_temp},
    {"nvmlDeviceGetPowerUsage", (void *)f_power},
    {"nvmlDeviceGetClockInfo", (void *)f_clock},
    {"nvmlDeviceGetFanSpeed", (void *)f_fan},
    {"nvmlDeviceGetName", (void *)f_name},
    {"nvmlDeviceGetUUID", (void *)f_uuid},
    {"nvmlDeviceGetPciInfo_v3", (void *)f_pci},
    {"nvmlDeviceGetEnforcedPowerLimit", (void *)f_plimit},
    {"nvmlDeviceGetMigMode", (void *)f_mig},
};

static void *fake_sym(void *ctx, const char *name)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(F.hidden) / sizeof(F.hidden[0]) && F.hidden[i]; i++)
		if (strcmp(F.hidden[i], name) == 0)
			return NULL;
	for (size_t i = 0; i < sizeof(fake_syms) / sizeof(fake_syms[0]); i++)
		if (strcmp(fake_syms[i].name, name) == 0)
			return fake_syms[i].fn;
	return NULL;
}

static void fake_sleep(unsigned int ms)
{
	if (F.nsleeps < 16)
		F.sleeps[F.nsleeps++] = ms;
}

static void fake_reset(unsigned int ngpus)
{
	memset(&F, 0, sizeof(F));
	F.ngpus = ngpus;
	F.driver = "550.54.15";
	for (unsigned int i = 0; i < ngpus; i++) {
		struct fgpu *g = &F.gpu[i];
		g->total = 150ull << 30;
		g->reserved = 500ull << 20;
		g->used = (10ull + i) << 30;
		g->free = g->total - g->used - g->reserved;
		g->lists[NVML_LIST_COMPUTE][0] =
		    (struct fproc){.pid = 1000 + i, .used = (1ull + i) << 30};
		g->nlist[NVML_LIST_COMPUTE] = 1;
	}
}

static struct source *open_fake(bool others, int *status)
{
	struct nvml_source_opts o = {.show_other_users = others, .proc_root = "/nonexistent-proc"};
	struct nvml_knobs k = {.pcie_interval_s = 0, .sleep_ms = fake_sleep};
	struct source *src = NULL;
	char err[VT_ERRMSG_MAX] = "";
	int st = nvml_source_open_with(&o, &k, fake_sym, NULL, NULL, &src, err, sizeof(err));
	if (status)
		*status = st;
	else
		assert_int_equal(st, VT_OK);
	return src;
}

static void sample(struct source *src, struct snapshot *snap)
{
	char err[VT_ERRMSG_MAX];
	assert_int_equal(source_sample(src, snap, err, sizeof(err)), VT_OK);
}

static const struct snap_proc *find_proc(const struct snapshot *s, pid_t pid)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

/* ---- tests --------------------------------------------------------------------- */

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
	struct nvml_source_opts o = {.proc_root = "/nonexistent-proc"};
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic_sample),        cmocka_unit_test(test_symbol_fallbacks),
	    cmocka_unit_test(test_required_missing),    cmocka_unit_test(test_init_errors),
	    cmocka_unit_test(test_memory_v1_fallback),  cmocka_unit_test(test_buffer_growth),
	    cmocka_unit_test(test_stride_535),          cmocka_unit_test(test_merge_lists),
	    cmocka_unit_test(test_gpu_lost_isolated),   cmocka_unit_test(test_unknown_retry),
	    cmocka_unit_test(test_unsupported_metrics), cmocka_unit_test(test_other_users_names),
	    cmocka_unit_test(test_pcie_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
