/* test_nvml_fake.c: the fake NVML driver of the NVML source's unit tests. */
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

struct fake_state F;

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
/* An OSC 52 (writes the clipboard), a title change, a bell, a colour. */
#define HOSTILE                                                                                    \
	"\x1b]52;c;ZXZpbA==\x07\x1b]0;pwned\x07\x1b[31mX\x9b"                                      \
	"1m"
static const char *f_errstr(int rc)
{
	if (F.hostile)
		return "Some Error" HOSTILE;
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
	snprintf(buf, len, "NVIDIA H200%s", F.hostile ? HOSTILE : "");
	return 0;
}
static int f_uuid(struct nvml_device *d, char *buf, unsigned int len)
{
	COUNT(G(d), C_UUID);
	snprintf(buf, len, "GPU-%u%s", (unsigned int)(G(d) - F.gpu), F.hostile ? HOSTILE : "");
	return 0;
}
static int f_pci(struct nvml_device *d, struct nvml_pci_info *p)
{
	COUNT(G(d), C_PCI);
	snprintf(p->bus_id, sizeof(p->bus_id), "00000000:%02X:00.0%s",
	         0x18 + (unsigned)(G(d) - F.gpu), F.hostile ? "\x1b]0;x\x07" : "");
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

/* called from the sampler thread: reads `lost` atomically (the test thread
 * writes it with __atomic_store_n), touches nothing else the test writes */
static int f_pcie(struct nvml_device *d, int counter, unsigned int *kbs)
{
	if (__atomic_load_n(&G(d)->lost, __ATOMIC_SEQ_CST))
		return NVML_ERROR_GPU_IS_LOST;
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

void *fake_sym(void *ctx, const char *name)
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

void fake_sleep(unsigned int ms)
{
	if (F.nsleeps < 16)
		F.sleeps[F.nsleeps++] = ms;
}

void fake_reset(unsigned int ngpus)
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

struct source *open_fake(bool others, int *status)
{
	struct nvml_source_opts o = {.show_other_users = others};
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

void sample(struct source *src, struct snapshot *snap)
{
	char err[VT_ERRMSG_MAX];
	assert_int_equal(source_sample(src, snap, err, sizeof(err)), VT_OK);
}

const struct snap_proc *find_proc(const struct snapshot *s, pid_t pid)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}
