/* nvml.c: the NVML source -- dlopen, the symbol tables, init, static facts, close. */
#include "source/nvml_api.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/sanitize.h"
#include "core/xalloc.h"

_Static_assert(sizeof(struct nvml_memory_v2) == 40, "nvmlMemory_v2_t is 40 bytes");
_Static_assert(NVML_MEMORY_V2_VERSION == 0x02000028u, "nvmlMemory_v2 version word");
_Static_assert(sizeof(struct nvml_process_v1) == 16, "nvmlProcessInfo_v1_t is 16 bytes");
_Static_assert(sizeof(struct nvml_process_v2) == 24, "nvmlProcessInfo_t is 24 bytes");
_Static_assert(sizeof(struct nvml_process_v3_535) == 32, "535's v3 record is 32 bytes");
_Static_assert(sizeof(struct nvml_pci_info) == 68, "nvmlPciInfo_t is 68 bytes");
_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "dlsym results fit function pointers");

/* One entry of a symbol table: the names to try, newest first, the slot of
 * struct nvml_fns it fills and, for process lists, the ABI version of each. */
struct nvml_sym {
	const char *names[3];
	size_t off;
	unsigned char vers[3];
	int list; /* enum nvml_list for a process list, else -1 */
};

#define SLOT(field) offsetof(struct nvml_fns, field)

static const struct nvml_sym nvml_required[] = {
    {{"nvmlInit_v2", "nvmlInit"}, SLOT(init), {0}, -1},
    {{"nvmlShutdown"}, SLOT(shutdown), {0}, -1},
    {{"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"}, SLOT(device_get_count), {0}, -1},
    {{"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"},
     SLOT(device_get_handle_by_index),
     {0},
     -1},
    {{"nvmlDeviceGetMemoryInfo"}, SLOT(device_get_memory_info), {0}, -1},
    {{"nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2",
      "nvmlDeviceGetComputeRunningProcesses"},
     SLOT(procs[NVML_LIST_COMPUTE]),
     {3, 2, 1},
     NVML_LIST_COMPUTE},
};

static const struct nvml_sym nvml_optional[] = {
    {{"nvmlDeviceGetGraphicsRunningProcesses_v3", "nvmlDeviceGetGraphicsRunningProcesses_v2",
      "nvmlDeviceGetGraphicsRunningProcesses"},
     SLOT(procs[NVML_LIST_GRAPHICS]),
     {3, 2, 1},
     NVML_LIST_GRAPHICS},
    {{"nvmlDeviceGetMPSComputeRunningProcesses_v3", "nvmlDeviceGetMPSComputeRunningProcesses_v2",
      "nvmlDeviceGetMPSComputeRunningProcesses"},
     SLOT(procs[NVML_LIST_MPS]),
     {3, 2, 1},
     NVML_LIST_MPS},
    {{"nvmlErrorString"}, SLOT(error_string), {0}, -1},
    {{"nvmlSystemGetDriverVersion"}, SLOT(system_get_driver_version), {0}, -1},
    {{"nvmlSystemGetProcessName"}, SLOT(system_get_process_name), {0}, -1},
    {{"nvmlDeviceGetMemoryInfo_v2"}, SLOT(device_get_memory_info_v2), {0}, -1},
    {{"nvmlDeviceGetName"}, SLOT(device_get_name), {0}, -1},
    {{"nvmlDeviceGetUUID"}, SLOT(device_get_uuid), {0}, -1},
    /* the unsuffixed PciInfo writes an older, shorter record: not used */
    {{"nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetPciInfo_v2"}, SLOT(device_get_pci_info), {0}, -1},
    {{"nvmlDeviceGetEnforcedPowerLimit"}, SLOT(device_get_enforced_power_limit), {0}, -1},
    {{"nvmlDeviceGetMigMode"}, SLOT(device_get_mig_mode), {0}, -1},
    {{"nvmlDeviceGetUtilizationRates"}, SLOT(device_get_utilization_rates), {0}, -1},
    {{"nvmlDeviceGetTemperature"}, SLOT(device_get_temperature), {0}, -1},
    {{"nvmlDeviceGetPowerUsage"}, SLOT(device_get_power_usage), {0}, -1},
    {{"nvmlDeviceGetClockInfo"}, SLOT(device_get_clock_info), {0}, -1},
    {{"nvmlDeviceGetFanSpeed"}, SLOT(device_get_fan_speed), {0}, -1},
    {{"nvmlDeviceGetPcieThroughput"}, SLOT(device_get_pcie_throughput), {0}, -1},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Resolves e into its slot; false when none of its names exists. */
static bool sym_resolve(struct nvml_fns *f, const struct nvml_sym *e, nvml_sym_fn sym, void *ctx)
{
	for (size_t i = 0; i < NELEM(e->names) && e->names[i]; i++) {
		void *p = sym(ctx, e->names[i]);
		if (!p)
			continue;
		memcpy((char *)f + e->off, &p, sizeof(p));
		if (e->list >= 0)
			f->procs_ver[e->list] = e->vers[i];
		return true;
	}
	return false;
}

int nvml_fns_load(struct nvml_fns *f, nvml_sym_fn sym, void *ctx, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < NELEM(nvml_required); i++) {
		if (!sym_resolve(f, &nvml_required[i], sym, ctx)) {
			snprintf(err, errlen,
			         "The NVML library lacks %s: the NVIDIA driver is too old or "
			         "the library is not NVML.",
			         nvml_required[i].names[0]);
			return VT_E_NODRIVER;
		}
	}
	for (size_t i = 0; i < NELEM(nvml_optional); i++)
		sym_resolve(f, &nvml_optional[i], sym, ctx);
	return VT_OK;
}

void nvml_knobs_default(struct nvml_knobs *k)
{
	k->pcie_interval_s = 5.0;
	k->sleep_ms = NULL; /* retries on the caller's timer (VT_AGAIN) */
	k->lost_retry_s = 5.0;
}

const char *nvml_errstr(const struct nvml_source *s, int rc)
{
	/* the driver's text is outside input like any other: sanitised */
	static _Thread_local char buf[128];
	const char *m = s->fns.error_string ? s->fns.error_string(rc) : NULL;
	if (!m || vt_sanitize(buf, sizeof(buf), m, strnlen(m, 512)) == 0)
		return "NVML error";
	return buf;
}

/* Maps a failed nvmlInit to a status and one sentence. */
static int init_error(const struct nvml_source *s, int rc, char *err, size_t errlen)
{
	switch (rc) {
	case NVML_ERROR_DRIVER_NOT_LOADED:
	case NVML_ERROR_LIBRARY_NOT_FOUND:
		snprintf(err, errlen,
		         "The NVIDIA kernel driver is not loaded, so no GPU can be read.");
		return VT_E_NODRIVER;
	case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
		snprintf(err, errlen,
		         "The NVML library and the NVIDIA kernel driver have different versions "
		         "(reload the driver or reboot after the upgrade).");
		return VT_E_MISMATCH;
	case NVML_ERROR_NO_PERMISSION:
		snprintf(err, errlen,
		         "No permission to open the NVIDIA GPU devices (/dev/nvidia*).");
		return VT_E_PERM;
	default:
		snprintf(err, errlen, "NVML failed to initialise: %s (error %d).",
		         nvml_errstr(s, rc), rc);
		return VT_ERR;
	}
}

/* Copies an NVML string into a snapshot field, sanitised; false if empty. */
static bool copy_clean(char *dst, size_t cap, const char *src, size_t srcmax)
{
	size_t n = strnlen(src, srcmax);
	return vt_sanitize(dst, cap, src, n) > 0;
}

void nvml_gpu_mark_lost(struct nvml_gpu *g, const char *what)
{
	g->lost = true;
	g->nrows = 0;
	g->tmpl.state = GPU_STATE_LOST;
	snprintf(g->tmpl.error, sizeof(g->tmpl.error), "GPU is lost (fell off the bus) during %s",
	         what);
}

/* Gets the handle of GPU i and reads what does not change: name, UUID, PCI
 * bus id, power limit, MIG mode. Errors other than GPU_IS_LOST leave the
 * field invalid; a missing handle is tried again at the next sample. */
void nvml_gpu_open(struct nvml_source *s, unsigned int i)
{
	const struct nvml_fns *f = &s->fns;
	struct nvml_gpu *g = &s->gpus[i];
	struct snap_gpu *t = &g->tmpl;
	unsigned int att = 0;
	int rc;

	t->index = i;
	do {
		rc = f->device_get_handle_by_index(i, &g->dev);
	} while (nvml_retry(s, rc, &att));
	if (rc == NVML_ERROR_GPU_IS_LOST) {
		g->dev = NULL;
		nvml_gpu_mark_lost(g, "open");
		return;
	}
	if (rc != NVML_SUCCESS) {
		g->dev = NULL;
		t->state = GPU_STATE_ERROR;
		snprintf(t->error, sizeof(t->error), "cannot open GPU %u: %s", i,
		         nvml_errstr(s, rc));
		return;
	}
	t->state = GPU_STATE_OK;
	t->error[0] = '\0';

	char buf[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
	if (f->device_get_name) {
		memset(buf, 0, sizeof(buf));
		rc = f->device_get_name(g->dev, buf, sizeof(buf));
		if (rc == NVML_SUCCESS && copy_clean(t->name, sizeof(t->name), buf, sizeof(buf)))
			t->valid |= GM_NAME;
	}
	if (f->device_get_uuid && rc != NVML_ERROR_GPU_IS_LOST) {
		memset(buf, 0, sizeof(buf));
		rc = f->device_get_uuid(g->dev, buf, sizeof(buf));
		if (rc == NVML_SUCCESS && copy_clean(t->uuid, sizeof(t->uuid), buf, sizeof(buf)))
			t->valid |= GM_UUID;
	}
	if (f->device_get_pci_info && rc != NVML_ERROR_GPU_IS_LOST) {
		/* room past the record in case a driver writes a longer one */
		union {
			struct nvml_pci_info pci;
			unsigned char pad[256];
		} u;
		memset(&u, 0, sizeof(u));
		rc = f->device_get_pci_info(g->dev, &u.pci);
		if (rc == NVML_SUCCESS && copy_clean(t->pci_bus_id, sizeof(t->pci_bus_id),
		                                     u.pci.bus_id, sizeof(u.pci.bus_id)))
			t->valid |= GM_BUSID;
	}
	if (f->device_get_enforced_power_limit && rc != NVML_ERROR_GPU_IS_LOST) {
		rc = f->device_get_enforced_power_limit(g->dev, &t->power_limit_mw);
		if (rc == NVML_SUCCESS)
			t->valid |= GM_POWER_LIMIT;
	}
	if (f->device_get_mig_mode && rc != NVML_ERROR_GPU_IS_LOST) {
		unsigned int cur = 0, pend = 0;
		rc = f->device_get_mig_mode(g->dev, &cur, &pend);
		if (rc == NVML_SUCCESS) {
			t->mig_enabled = cur == NVML_DEVICE_MIG_ENABLE;
			t->valid |= GM_MIG;
		}
	}
	if (rc == NVML_ERROR_GPU_IS_LOST)
		nvml_gpu_mark_lost(g, "open");
}

static void nvml_close(struct source *src)
{
	struct nvml_source *s = container_of(src, struct nvml_source, base);
	nvml_pcie_stop(s);
	if (s->inited)
		s->fns.shutdown();
	for (unsigned int i = 0; i < s->ngpus; i++) {
		free(s->gpus[i].raw);
		free(s->gpus[i].rows);
		free(s->gpus[i].names);
		free(s->gpus[i].names_prev);
	}
	free(s->gpus);
	pthread_mutex_destroy(&s->pcie_mu);
	pthread_cond_destroy(&s->pcie_cv);
	if (s->lib)
		dlclose(s->lib);
	free(s);
}

static double nvml_retry_delay(struct source *src)
{
	struct nvml_source *s = container_of(src, struct nvml_source, base);
	return s->retry_ms / 1000.0;
}

static const struct source_ops nvml_ops = {
    .name = "nvml",
    .sample = nvml_sample,
    .close = nvml_close,
    .retry_delay = nvml_retry_delay,
    .live_pids = true,
};

int nvml_source_open_with(const struct nvml_source_opts *o, const struct nvml_knobs *k,
                          nvml_sym_fn sym, void *ctx, void *lib, struct source **out, char *err,
                          size_t errlen)
{
	struct nvml_source *s = xcalloc(1, sizeof(*s));
	int st, rc;

	s->base.ops = &nvml_ops;
	s->lib = lib;
	s->knobs = *k;
	s->show_other_users = o && o->show_other_users;
	nvml_pcie_init(s);

	st = nvml_fns_load(&s->fns, sym, ctx, err, errlen);
	if (st != VT_OK)
		goto fail;
	rc = s->fns.init();
	if (rc != NVML_SUCCESS) {
		st = init_error(s, rc, err, errlen);
		goto fail;
	}
	s->inited = true;
	unsigned int n = 0;
	rc = s->fns.device_get_count(&n);
	if (rc != NVML_SUCCESS) {
		snprintf(err, errlen, "NVML cannot count the GPUs: %s.", nvml_errstr(s, rc));
		st = VT_ERR;
		goto fail;
	}

	if (s->fns.system_get_driver_version) {
		char v[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE + 1] = {0};
		if (s->fns.system_get_driver_version(v, NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE) ==
		        NVML_SUCCESS &&
		    copy_clean(s->driver, sizeof(s->driver), v, sizeof(v) - 1)) {
			s->driver_valid = true;
			s->bug535 = nvml_driver_has_bug535(s->driver);
		}
	}
	s->mem_v2_off = !s->fns.device_get_memory_info_v2;

	s->ngpus = n;
	s->gpus = xcalloc(n ? n : 1, sizeof(*s->gpus));
	for (unsigned int i = 0; i < n; i++) {
		struct nvml_gpu *g = &s->gpus[i];
		g->raw_cap = NVML_RAW_CAP0;
		g->raw = xmalloc(g->raw_cap * NVML_PROC_STRIDE_MAX);
		g->rows_cap = NVML_RAW_CAP0;
		g->rows = xcalloc(g->rows_cap, sizeof(*g->rows));
		nvml_gpu_open(s, i);
	}
	if (s->fns.device_get_pcie_throughput && s->knobs.pcie_interval_s > 0 && n > 0)
		nvml_pcie_start(s);
	*out = &s->base;
	return VT_OK;

fail:
	/* the one way out on failure: undoes whatever was set up, records why in err */
	nvml_close(&s->base);
	*out = NULL;
	return st;
}

static void *sym_dlsym(void *ctx, const char *name)
{
	return dlsym(ctx, name);
}

int nvml_source_open(const struct nvml_source_opts *o, struct source **out, char *err,
                     size_t errlen)
{
	const char *env = getenv("VRAMTOP_NVML_LIB");
	const char *tried;
	void *lib;

	if (env && *env) {
		tried = env;
		lib = dlopen(env, RTLD_NOW | RTLD_LOCAL);
	} else {
		tried = "libnvidia-ml.so.1";
		lib = dlopen(tried, RTLD_NOW | RTLD_LOCAL);
		if (!lib)
			lib = dlopen("libnvidia-ml.so", RTLD_NOW | RTLD_LOCAL);
	}
	if (!lib) {
		snprintf(err, errlen,
		         "The NVIDIA driver library (%s) was not found: is the NVIDIA driver "
		         "installed?",
		         tried);
		*out = NULL;
		return VT_E_NODRIVER;
	}
	struct nvml_knobs k;
	nvml_knobs_default(&k);
	return nvml_source_open_with(o, &k, sym_dlsym, lib, lib, out, err, errlen);
}
