/* device.c: device enumeration and the per-GPU queries of the simulated NVML (memory, metrics,
 * identity). */
#include "fake_nvml.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- enumeration ---- */

static nvmlReturn_t device_count(enum fake_fn fn, unsigned int *count)
{
	nvmlReturn_t r = fake_enter(fn);
	if (r)
		return r;
	if (!count)
		return NVML_ERROR_INVALID_ARGUMENT;
	*count = fake_current()->ngpus;
	return NVML_SUCCESS;
}

FAKE_API nvmlReturn_t nvmlDeviceGetCount(unsigned int *count)
{
	return device_count(FN_nvmlDeviceGetCount, count);
}

#ifndef FAKE_NVML_OLD
FAKE_API nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
	return device_count(FN_nvmlDeviceGetCount_v2, count);
}
#endif

/* Hands out g as a handle unless it is lost (or in an UNKNOWN burst). */
static nvmlReturn_t hand_out(enum fake_fn fn, struct fake_gpu *g, nvmlDevice_t *dev)
{
	nvmlReturn_t r = fake_gate(fn, g, fake_now(), true);
	if (r)
		return r;
	*dev = (nvmlDevice_t)g;
	return NVML_SUCCESS;
}

static nvmlReturn_t handle_by_index(enum fake_fn fn, unsigned int index, nvmlDevice_t *dev)
{
	nvmlReturn_t r = fake_enter(fn);
	if (r)
		return r;
	struct fake_scenario *sc = fake_current();
	if (!dev || index >= sc->ngpus)
		return NVML_ERROR_INVALID_ARGUMENT;
	return hand_out(fn, &sc->gpus[index], dev);
}

FAKE_API nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *dev)
{
	return handle_by_index(FN_nvmlDeviceGetHandleByIndex, index, dev);
}

#ifndef FAKE_NVML_OLD
FAKE_API nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *dev)
{
	return handle_by_index(FN_nvmlDeviceGetHandleByIndex_v2, index, dev);
}
#endif

FAKE_API nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, nvmlDevice_t *dev)
{
	nvmlReturn_t r = fake_enter(FN_nvmlDeviceGetHandleByUUID);
	if (r)
		return r;
	if (!uuid || !dev)
		return NVML_ERROR_INVALID_ARGUMENT;
	struct fake_scenario *sc = fake_current();
	for (unsigned int i = 0; i < sc->ngpus; i++)
		if (strcmp(sc->gpus[i].uuid, uuid) == 0)
			return hand_out(FN_nvmlDeviceGetHandleByUUID, &sc->gpus[i], dev);
	return NVML_ERROR_NOT_FOUND;
}

static nvmlReturn_t handle_by_bus(enum fake_fn fn, const char *bus_id, nvmlDevice_t *dev)
{
	nvmlReturn_t r = fake_enter(fn);
	if (r)
		return r;
	if (!bus_id || !dev)
		return NVML_ERROR_INVALID_ARGUMENT;
	unsigned int dom, bus, d;
	if (fake_parse_bus_id(bus_id, &dom, &bus, &d))
		return NVML_ERROR_INVALID_ARGUMENT;
	struct fake_scenario *sc = fake_current();
	for (unsigned int i = 0; i < sc->ngpus; i++) {
		struct fake_gpu *g = &sc->gpus[i];
		if (g->pci_domain == dom && g->pci_bus == bus && g->pci_device == d)
			return hand_out(fn, g, dev);
	}
	return NVML_ERROR_NOT_FOUND;
}

FAKE_API nvmlReturn_t nvmlDeviceGetHandleByPciBusId(const char *bus_id, nvmlDevice_t *dev)
{
	return handle_by_bus(FN_nvmlDeviceGetHandleByPciBusId, bus_id, dev);
}

FAKE_API nvmlReturn_t nvmlDeviceGetHandleByPciBusId_v2(const char *bus_id, nvmlDevice_t *dev)
{
	return handle_by_bus(FN_nvmlDeviceGetHandleByPciBusId_v2, bus_id, dev);
}

/* ---- identity ---- */

FAKE_API nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t dev, unsigned int *index)
{
	struct fake_gpu *g;
	double t;
	nvmlReturn_t r = fake_enter_dev(FN_nvmlDeviceGetIndex, dev, &g, &t);
	if (r)
		return r;
	if (!index)
		return NVML_ERROR_INVALID_ARGUMENT;
	*index = g->index;
	return NVML_SUCCESS;
}

FAKE_API nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t dev, char *name, unsigned int length)
{
	struct fake_gpu *g;
	double t;
	nvmlReturn_t r = fake_enter_dev(FN_nvmlDeviceGetName, dev, &g, &t);
	return r ? r : fake_copy_string(name, length, g->name);
}

FAKE_API nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t dev, char *uuid, unsigned int length)
{
	struct fake_gpu *g;
	double t;
	nvmlReturn_t r = fake_enter_dev(FN_nvmlDeviceGetUUID, dev, &g, &t);
	return r ? r : fake_copy_string(uuid, length, g->uuid);
}

static nvmlReturn_t pci_info(enum fake_fn fn, nvmlDevice_t dev, struct nvml_pci_info *pci)
{
	struct fake_gpu *g;
	double t;
	nvmlReturn_t r = fake_enter_dev(fn, dev, &g, &t);
	if (r)
		return r;
	if (!pci)
		return NVML_ERROR_INVALID_ARGUMENT;
	memset(pci, 0, sizeof(*pci));
	snprintf(pci->busIdLegacy, sizeof(pci->busIdLegacy), "%04X:%02X:%02X.0",
	         g->pci_domain & 0xFFFFu, g->pci_bus & 0xFFu, g->pci_device & 0x1Fu);
	memcpy(pci->busId, g->bus_id, sizeof(pci->busId));
	pci->domain = g->pci_domain;
	pci->bus = g->pci_bus;
	pci->device = g->pci_device;
	pci->pciDeviceId = g->pci_device_id;
	pci->pciSubSystemId = g->pci_subsystem_id;
	return NVML_SUCCESS;
}

FAKE_API nvmlReturn_t nvmlDeviceGetPciInfo(nvmlDevice_t dev, struct nvml_pci_info *pci)
{
	return pci_info(FN_nvmlDeviceGetPciInfo, dev, pci);
}

FAKE_API nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t dev, struct nvml_pci_info *pci)
{
	return pci_info(FN_nvmlDeviceGetPciInfo_v3, dev, pci);
}

/* ---- memory ---- */

FAKE_API nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t dev, struct nvml_memory_v1 *mem)
{
	struct fake_gpu *g;
	double t;
	unsigned long long used, reserved;
	nvmlReturn_t r = fake_enter_dev(FN_nvmlDeviceGetMemoryInfo, dev, &g, &t);
	if (r)
		return r;
	if (!mem)
		return NVML_ERROR_INVALID_ARGUMENT;
	fake_gpu_memory(g, t, &used, &reserved);
	mem->total = g->total;
	mem->used = used + reserved; /* v1 "used" counts the reserved memory too */
	mem->free = g->total - mem->used;
	return NVML_SUCCESS;
}

#ifndef FAKE_NVML_OLD
FAKE_API nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t dev, struct nvml_memory_v2 *mem)
{
	struct fake_gpu *g;
	double t;
	unsigned long long used, reserved;
	nvmlReturn_t r = fake_enter_dev(FN_nvmlDeviceGetMemoryInfo_v2, dev, &g, &t);
	if (r)
		return r;
	if (!mem)
		return NVML_ERROR_INVALID_ARGUMENT;
	/* Measured on 580.159.04: any other version answers FUNCTION_NOT_FOUND. */
	if (mem->version != NVML_MEMORY_V2_VERSION)
		return NVML_ERROR_FUNCTION_NOT_FOUND;
	fake_gpu_memory(g, t, &used, &reserved);
	mem->total = g->total;
	mem->reserved = reserved;
	mem->used = used;
	mem->free = g->total - used - reserved;
	return NVML_SUCCESS;
}
#endif

/* ---- metrics ---- */

/* An argument NVML rejects before looking at the device. */
static nvmlReturn_t bad_argument(enum fake_fn fn)
{
	nvmlReturn_t r = fake_enter(fn);
	return r ? r : NVML_ERROR_INVALID_ARGUMENT;
}

/* Value of metric m at t into *out, or NOT_SUPPORTED. */
static nvmlReturn_t metric_at(const struct fake_gpu *g, int m, double t, double *out)
{
	const struct fake_series *s = &g->metric[m];
	if (s->kind == SERIES_UNSUPPORTED || s->kind == SERIES_NA || s->kind == SERIES_ABSENT)
		return NVML_ERROR_NOT_SUPPORTED;
	double v = fake_series_eval(s, t);
	*out = v > 0 ? floor(v + 0.5) : 0;
	return NVML_SUCCESS;
}

static nvmlReturn_t metric_u32(enum fake_fn fn, nvmlDevice_t dev, int m, unsigned int *out)
{
	struct fake_gpu *g;
	double t, v;
	nvmlReturn_t r = fake_enter_dev(fn, dev, &g, &t);
	if (r)
		return r;
	if (!out)
		return NVML_ERROR_INVALID_ARGUMENT;
	r = metric_at(g, m, t, &v);
	if (r == NVML_SUCCESS)
		*out = v >= 4294967295.0 ? 0xFFFFFFFFu : (unsigned int)v;
	return r;
}

#define METRIC_FN(fname, m)                                                                        \
	FAKE_API nvmlReturn_t fname(nvmlDevice_t dev, unsigned int *out)                           \
	{                                                                                          \
		return metric_u32(FN_##fname, dev, m, out);                                        \
	}

METRIC_FN(nvmlDeviceGetPowerUsage, M_POWER)
METRIC_FN(nvmlDeviceGetEnforcedPowerLimit, M_POWER_LIMIT)
METRIC_FN(nvmlDeviceGetPowerManagementLimit, M_POWER_MGMT_LIMIT)
METRIC_FN(nvmlDeviceGetFanSpeed, M_FAN)
METRIC_FN(nvmlDeviceGetCurrPcieLinkGeneration, M_PCIE_GEN)
METRIC_FN(nvmlDeviceGetCurrPcieLinkWidth, M_PCIE_WIDTH)
METRIC_FN(nvmlDeviceGetMaxPcieLinkGeneration, M_PCIE_MAX_GEN)
METRIC_FN(nvmlDeviceGetMaxPcieLinkWidth, M_PCIE_MAX_WIDTH)

/* nvmlPstates_t and nvmlComputeMode_t are C enums: int-sized. */
FAKE_API nvmlReturn_t nvmlDeviceGetPerformanceState(nvmlDevice_t dev, int *pstate)
{
	return metric_u32(FN_nvmlDeviceGetPerformanceState, dev, M_PSTATE, (unsigned int *)pstate);
}

FAKE_API nvmlReturn_t nvmlDeviceGetComputeMode(nvmlDevice_t dev, int *mode)
{
	return metric_u32(FN_nvmlDeviceGetComputeMode, dev, M_COMPUTE_MODE, (unsigned int *)mode);
}

FAKE_API nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t dev, int sensor, unsigned int *temp)
{
	if (sensor != NVML_TEMPERATURE_GPU)
		return bad_argument(FN_nvmlDeviceGetTemperature);
	return metric_u32(FN_nvmlDeviceGetTemperature, dev, M_TEMP, temp);
}

/* nvtop asks these (it refuses to start without the threshold symbol); a
 * board without the figures answers NOT_SUPPORTED, as the simulator does. */
FAKE_API nvmlReturn_t nvmlDeviceGetTemperatureThreshold(nvmlDevice_t dev, int type,
                                                        unsigned int *temp)
{
	struct fake_gpu *g;
	double t;
	(void)type;
	(void)temp;
	nvmlReturn_t r = fake_enter_dev(FN_nvmlDeviceGetTemperatureThreshold, dev, &g, &t);
	return r ? r : NVML_ERROR_NOT_SUPPORTED;
}

FAKE_API nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t dev, void *samples,
                                                      unsigned int *count, unsigned long long since)
{
	struct fake_gpu *g;
	double t;
	(void)samples;
	(void)count;
	(void)since;
	nvmlReturn_t r = fake_enter_dev(FN_nvmlDeviceGetProcessUtilization, dev, &g, &t);
	return r ? r : NVML_ERROR_NOT_SUPPORTED;
}

static nvmlReturn_t clock_query(enum fake_fn fn, nvmlDevice_t dev, int type, int base,
                                unsigned int *mhz)
{
	if (type < 0 || type >= NVML_CLOCK_COUNT) { /* the driver says NOT_SUPPORTED */
		nvmlReturn_t r = fake_enter(fn);
		return r ? r : NVML_ERROR_NOT_SUPPORTED;
	}
	return metric_u32(fn, dev, base + type, mhz);
}

FAKE_API nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t dev, int type, unsigned int *mhz)
{
	return clock_query(FN_nvmlDeviceGetClockInfo, dev, type, M_CLOCK, mhz);
}

FAKE_API nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t dev, int type, unsigned int *mhz)
{
	return clock_query(FN_nvmlDeviceGetMaxClockInfo, dev, type, M_MAX_CLOCK, mhz);
}

FAKE_API nvmlReturn_t nvmlDeviceGetPcieThroughput(nvmlDevice_t dev, int counter, unsigned int *kbps)
{
	if (counter != NVML_PCIE_UTIL_TX_BYTES && counter != NVML_PCIE_UTIL_RX_BYTES)
		return bad_argument(FN_nvmlDeviceGetPcieThroughput);
	return metric_u32(FN_nvmlDeviceGetPcieThroughput, dev,
	                  counter == NVML_PCIE_UTIL_TX_BYTES ? M_PCIE_TX : M_PCIE_RX, kbps);
}

/* Two metrics answered together: NOT_SUPPORTED when either is. */
static nvmlReturn_t metric_pair(enum fake_fn fn, nvmlDevice_t dev, int m1, int m2, double *v1,
                                double *v2)
{
	struct fake_gpu *g;
	double t;
	nvmlReturn_t r = fake_enter_dev(fn, dev, &g, &t);
	if (r)
		return r;
	if (!v1 || !v2)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (m2 == M_MIG_PENDING && g->metric[m2].kind == SERIES_ABSENT)
		m2 = M_MIG_MODE;
	r = metric_at(g, m1, t, v1);
	return r ? r : metric_at(g, m2, t, v2);
}

FAKE_API nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t dev, struct nvml_utilization *util)
{
	double gpu = 0, mem = 0, *pg = util ? &gpu : NULL;
	nvmlReturn_t r =
	    metric_pair(FN_nvmlDeviceGetUtilizationRates, dev, M_UTIL_GPU, M_UTIL_MEM, pg, &mem);
	if (r == NVML_SUCCESS) {
		util->gpu = (unsigned int)gpu;
		util->memory = (unsigned int)mem;
	}
	return r;
}

FAKE_API nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t dev, unsigned int *current,
                                           unsigned int *pending)
{
	double c = 0, p = 0, *pc = current && pending ? &c : NULL;
	nvmlReturn_t r =
	    metric_pair(FN_nvmlDeviceGetMigMode, dev, M_MIG_MODE, M_MIG_PENDING, pc, &p);
	if (r == NVML_SUCCESS) {
		*current = (unsigned int)c;
		*pending = (unsigned int)p;
	}
	return r;
}

/* The sampling period real drivers report for the video engines. */
#define CODEC_PERIOD_US 100000u

static nvmlReturn_t codec(enum fake_fn fn, nvmlDevice_t dev, int m, unsigned int *util,
                          unsigned int *period)
{
	if (!period)
		return bad_argument(fn);
	nvmlReturn_t r = metric_u32(fn, dev, m, util);
	if (r == NVML_SUCCESS)
		*period = CODEC_PERIOD_US;
	return r;
}

FAKE_API nvmlReturn_t nvmlDeviceGetEncoderUtilization(nvmlDevice_t dev, unsigned int *util,
                                                      unsigned int *period_us)
{
	return codec(FN_nvmlDeviceGetEncoderUtilization, dev, M_ENCODER, util, period_us);
}

FAKE_API nvmlReturn_t nvmlDeviceGetDecoderUtilization(nvmlDevice_t dev, unsigned int *util,
                                                      unsigned int *period_us)
{
	return codec(FN_nvmlDeviceGetDecoderUtilization, dev, M_DECODER, util, period_us);
}

FAKE_API nvmlReturn_t nvmlDeviceGetBAR1MemoryInfo(nvmlDevice_t dev, struct nvml_bar1_memory *bar1)
{
	double total = 0, used = 0, *pt = bar1 ? &total : NULL;
	nvmlReturn_t r =
	    metric_pair(FN_nvmlDeviceGetBAR1MemoryInfo, dev, M_BAR1_TOTAL, M_BAR1_USED, pt, &used);
	if (r == NVML_SUCCESS) {
		bar1->bar1Total = (unsigned long long)total;
		bar1->bar1Used = used < total ? (unsigned long long)used : bar1->bar1Total;
		bar1->bar1Free = bar1->bar1Total - bar1->bar1Used;
	}
	return r;
}

FAKE_API nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t dev, int error_type,
                                                  int counter_type, unsigned long long *count)
{
	struct fake_gpu *g;
	double t, v;
	nvmlReturn_t r = fake_enter_dev(FN_nvmlDeviceGetTotalEccErrors, dev, &g, &t);
	if (r)
		return r;
	if (!count || counter_type < 0 || counter_type > 1 ||
	    (error_type != NVML_MEMORY_ERROR_TYPE_CORRECTED &&
	     error_type != NVML_MEMORY_ERROR_TYPE_UNCORRECTED))
		return NVML_ERROR_INVALID_ARGUMENT;
	r = metric_at(
	    g, error_type == NVML_MEMORY_ERROR_TYPE_CORRECTED ? M_ECC_CORRECTED : M_ECC_UNCORRECTED,
	    t, &v);
	if (r == NVML_SUCCESS)
		*count = (unsigned long long)v;
	return r;
}
