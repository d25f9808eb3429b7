/* procs.c: the running-process list calls (compute, graphics, MPS; v1, _v2, _v3) and their size
 * protocol. */
#include "fake_nvml.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* Record layouts the three generations of the calls write. */
enum rec {
	REC_V1, /* unsuffixed: nvmlProcessInfo_v1_t, 16 bytes */
	REC_V2, /* _v2: nvmlProcessInfo_v2_t, 24 bytes */
	REC_V3, /* _v3: 24 bytes, or 32 on drivers 535.43-535.86 */
};

static unsigned long long proc_used(const struct fake_proc *p, double t)
{
	if (p->used.kind == SERIES_NA || p->used.kind == SERIES_UNSUPPORTED)
		return NVML_VALUE_NOT_AVAILABLE_ULL;
	double v = fake_series_eval(&p->used, t);
	return v > 0 ? (unsigned long long)v : 0;
}

/* Writes one record field by field, as the driver does: padding bytes are
 * left as the caller had them. Offsets are those of the nvml.h structs. */
static void write_record(char *out, enum rec rec, const struct fake_proc *p, double t)
{
	unsigned long long used = proc_used(p, t), cc = 0;
	memcpy(out + offsetof(struct nvml_process_info_v3_535, pid), &p->pid, sizeof(p->pid));
	memcpy(out + offsetof(struct nvml_process_info_v3_535, usedGpuMemory), &used, sizeof(used));
	if (rec == REC_V1)
		return;
	memcpy(out + offsetof(struct nvml_process_info_v3_535, gpuInstanceId), &p->gpu_instance,
	       sizeof(p->gpu_instance));
	memcpy(out + offsetof(struct nvml_process_info_v3_535, computeInstanceId),
	       &p->compute_instance, sizeof(p->compute_instance));
	if (rec == REC_V3 && fake_current()->stride535)
		memcpy(out + offsetof(struct nvml_process_info_v3_535, usedGpuCcProtectedMemory),
		       &cc, sizeof(cc));
}

/* An injected INSUFFICIENT_SIZE, if one is armed for this call; see README.md. */
static nvmlReturn_t injected_isz(enum fake_fn fn, const struct fake_gpu *g, double t,
                                 unsigned int n, unsigned int *count)
{
	struct fake_scenario *sc = fake_current();
	nvmlReturn_t r = NVML_SUCCESS;
	if (sc->nisz == 0 || *count == 0)
		return r;
	fake_lock();
	for (size_t i = 0; i < sc->nisz && r == NVML_SUCCESS; i++) {
		struct fake_isz *z = &sc->isz[i];
		if (z->gpu != g->index || !z->match[fn] || t < z->at || z->times == 0)
			continue;
		if (z->inflate) {
			*count += z->extra;
		} else if (*count < n + z->extra) {
			*count = n + z->extra;
		} else {
			continue;
		}
		z->times--;
		r = NVML_ERROR_INSUFFICIENT_SIZE;
	}
	fake_unlock();
	return r;
}

static nvmlReturn_t running(enum fake_fn fn, unsigned int list, enum rec rec, nvmlDevice_t dev,
                            unsigned int *count, void *infos)
{
	struct fake_gpu *g;
	double t;
	nvmlReturn_t r = fake_enter_dev(fn, dev, &g, &t);
	if (r)
		return r;
	if (!count)
		return NVML_ERROR_INVALID_ARGUMENT;
	size_t stride = rec == REC_V1 ? 16 : rec == REC_V3 && fake_current()->stride535 ? 32 : 24;
	unsigned int n = 0;
	for (size_t i = 0; i < g->nprocs; i++)
		if ((g->procs[i].lists & list) && fake_proc_visible(&g->procs[i], t))
			n++;
	r = injected_isz(fn, g, t, n, count);
	if (r)
		return r;
	if (*count < n) {
		*count = n;
		return NVML_ERROR_INSUFFICIENT_SIZE;
	}
	if (n > 0 && !infos) {
		*count = n; /* as measured: the size is reported even here */
		return NVML_ERROR_INVALID_ARGUMENT;
	}
	char *out = infos;
	for (size_t i = 0; i < g->nprocs; i++) {
		const struct fake_proc *p = &g->procs[i];
		if ((p->lists & list) && fake_proc_visible(p, t)) {
			write_record(out, rec, p, t);
			out += stride;
		}
	}
	*count = n;
	return NVML_SUCCESS;
}

#define RUNNING_FN(fname, list, rec)                                                               \
	FAKE_API nvmlReturn_t fname(nvmlDevice_t dev, unsigned int *count, void *infos)            \
	{                                                                                          \
		return running(FN_##fname, list, rec, dev, count, infos);                          \
	}

RUNNING_FN(nvmlDeviceGetComputeRunningProcesses, FAKE_LIST_COMPUTE, REC_V1)
RUNNING_FN(nvmlDeviceGetGraphicsRunningProcesses, FAKE_LIST_GRAPHICS, REC_V1)
RUNNING_FN(nvmlDeviceGetMPSComputeRunningProcesses, FAKE_LIST_MPS, REC_V1)
#ifndef FAKE_NVML_OLD
RUNNING_FN(nvmlDeviceGetComputeRunningProcesses_v2, FAKE_LIST_COMPUTE, REC_V2)
RUNNING_FN(nvmlDeviceGetGraphicsRunningProcesses_v2, FAKE_LIST_GRAPHICS, REC_V2)
RUNNING_FN(nvmlDeviceGetMPSComputeRunningProcesses_v2, FAKE_LIST_MPS, REC_V2)
RUNNING_FN(nvmlDeviceGetComputeRunningProcesses_v3, FAKE_LIST_COMPUTE, REC_V3)
RUNNING_FN(nvmlDeviceGetGraphicsRunningProcesses_v3, FAKE_LIST_GRAPHICS, REC_V3)
RUNNING_FN(nvmlDeviceGetMPSComputeRunningProcesses_v3, FAKE_LIST_MPS, REC_V3)
#endif
