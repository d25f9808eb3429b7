/* fake_nvml.h: the simulator's internal model (scenario, series, faults) shared by its files. */
#ifndef FAKE_NVML_H
#define FAKE_NVML_H

#include <math.h>

#include <stdbool.h>
#include <stddef.h>

#include "nvml_abi.h"

/* Symbols of the simulated libnvidia-ml.so.1; everything else is hidden. */
#define FAKE_API __attribute__((visibility("default")))

/* Every exported function, in the order the stats file lists them. */
#define FAKE_FUNCS(X)                                                                              \
	X(nvmlInit)                                                                                \
	X(nvmlInit_v2)                                                                             \
	X(nvmlInitWithFlags)                                                                       \
	X(nvmlShutdown)                                                                            \
	X(nvmlErrorString)                                                                         \
	X(nvmlSystemGetDriverVersion)                                                              \
	X(nvmlSystemGetNVMLVersion)                                                                \
	X(nvmlSystemGetCudaDriverVersion)                                                          \
	X(nvmlSystemGetCudaDriverVersion_v2)                                                       \
	X(nvmlSystemGetProcessName)                                                                \
	X(nvmlDeviceGetCount)                                                                      \
	X(nvmlDeviceGetCount_v2)                                                                   \
	X(nvmlDeviceGetHandleByIndex)                                                              \
	X(nvmlDeviceGetHandleByIndex_v2)                                                           \
	X(nvmlDeviceGetHandleByUUID)                                                               \
	X(nvmlDeviceGetHandleByPciBusId)                                                           \
	X(nvmlDeviceGetHandleByPciBusId_v2)                                                        \
	X(nvmlDeviceGetIndex)                                                                      \
	X(nvmlDeviceGetName)                                                                       \
	X(nvmlDeviceGetUUID)                                                                       \
	X(nvmlDeviceGetPciInfo)                                                                    \
	X(nvmlDeviceGetPciInfo_v3)                                                                 \
	X(nvmlDeviceGetMemoryInfo)                                                                 \
	X(nvmlDeviceGetMemoryInfo_v2)                                                              \
	X(nvmlDeviceGetBAR1MemoryInfo)                                                             \
	X(nvmlDeviceGetUtilizationRates)                                                           \
	X(nvmlDeviceGetEncoderUtilization)                                                         \
	X(nvmlDeviceGetDecoderUtilization)                                                         \
	X(nvmlDeviceGetTemperature)                                                                \
	X(nvmlDeviceGetTemperatureThreshold)                                                       \
	X(nvmlDeviceGetProcessUtilization)                                                         \
	X(nvmlDeviceGetPowerUsage)                                                                 \
	X(nvmlDeviceGetEnforcedPowerLimit)                                                         \
	X(nvmlDeviceGetPowerManagementLimit)                                                       \
	X(nvmlDeviceGetClockInfo)                                                                  \
	X(nvmlDeviceGetMaxClockInfo)                                                               \
	X(nvmlDeviceGetFanSpeed)                                                                   \
	X(nvmlDeviceGetPcieThroughput)                                                             \
	X(nvmlDeviceGetCurrPcieLinkGeneration)                                                     \
	X(nvmlDeviceGetCurrPcieLinkWidth)                                                          \
	X(nvmlDeviceGetMaxPcieLinkGeneration)                                                      \
	X(nvmlDeviceGetMaxPcieLinkWidth)                                                           \
	X(nvmlDeviceGetMigMode)                                                                    \
	X(nvmlDeviceGetPerformanceState)                                                           \
	X(nvmlDeviceGetComputeMode)                                                                \
	X(nvmlDeviceGetTotalEccErrors)                                                             \
	X(nvmlDeviceGetComputeRunningProcesses)                                                    \
	X(nvmlDeviceGetComputeRunningProcesses_v2)                                                 \
	X(nvmlDeviceGetComputeRunningProcesses_v3)                                                 \
	X(nvmlDeviceGetGraphicsRunningProcesses)                                                   \
	X(nvmlDeviceGetGraphicsRunningProcesses_v2)                                                \
	X(nvmlDeviceGetGraphicsRunningProcesses_v3)                                                \
	X(nvmlDeviceGetMPSComputeRunningProcesses)                                                 \
	X(nvmlDeviceGetMPSComputeRunningProcesses_v2)                                              \
	X(nvmlDeviceGetMPSComputeRunningProcesses_v3)

enum fake_fn {
#define FAKE_ENUM(n) FN_##n,
	FAKE_FUNCS(FAKE_ENUM)
#undef FAKE_ENUM
	    FN_COUNT
};

extern const char *const fake_fn_names[FN_COUNT];

/* A value over simulated time t (seconds). */
enum fake_series_kind {
	SERIES_ABSENT,      /* not given: the caller's default applies */
	SERIES_CONST,       /* value */
	SERIES_POINTS,      /* piecewise linear through pts, held flat outside */
	SERIES_RATE,        /* start + rate * t, clamped to [lo, hi] */
	SERIES_UNSUPPORTED, /* the call answers NVML_ERROR_NOT_SUPPORTED */
	SERIES_NA,          /* the field reads NVML_VALUE_NOT_AVAILABLE */
};

struct fake_point {
	double t;
	double v;
};

struct fake_series {
	enum fake_series_kind kind;
	double value;
	double start, rate, lo, hi;
	struct fake_point *pts; /* owned */
	size_t npts;
};

struct cJSON;

double fake_series_eval(const struct fake_series *s, double t);
void fake_series_free_points(struct fake_series *s);
/* Reads a series from JSON: a number or quantity string (constant), "unsupported",
 * "n/a" or null, {"points": [[t, v], ...]}, or {"rate", "start", "min", "max"}.
 * Values are multiplied by scale. Returns 0, or -1 with err naming what. */
int fake_series_parse(const struct cJSON *j, double scale, const char *what, struct fake_series *s,
                      char *err, size_t errlen);
/* A number or a quantity string; 0, or -1 with err. */
int fake_value_parse(const struct cJSON *j, const char *what, double *out, char *err,
                     size_t errlen);

/* Metrics of a GPU, each a series; the table in scenario.c maps JSON keys. */
enum fake_metric {
	M_UTIL_GPU,
	M_UTIL_MEM,
	M_ENCODER,
	M_DECODER,
	M_TEMP,
	M_POWER,
	M_POWER_LIMIT,
	M_POWER_MGMT_LIMIT,
	M_CLOCK,                                  /* + NVML_CLOCK_* */
	M_MAX_CLOCK = M_CLOCK + NVML_CLOCK_COUNT, /* + NVML_CLOCK_* */
	M_FAN = M_MAX_CLOCK + NVML_CLOCK_COUNT,
	M_PCIE_TX,
	M_PCIE_RX,
	M_PCIE_GEN,
	M_PCIE_WIDTH,
	M_PCIE_MAX_GEN,
	M_PCIE_MAX_WIDTH,
	M_MIG_MODE,
	M_MIG_PENDING,
	M_PSTATE,
	M_COMPUTE_MODE,
	M_BAR1_TOTAL,
	M_BAR1_USED,
	M_ECC_CORRECTED,
	M_ECC_UNCORRECTED,
	M_COUNT
};

#define FAKE_LIST_COMPUTE  1u
#define FAKE_LIST_GRAPHICS 2u
#define FAKE_LIST_MPS      4u

struct fake_proc {
	unsigned int pid;
	char name[256]; /* empty: nvmlSystemGetProcessName falls back to /proc */
	struct fake_series used;
	unsigned int lists; /* FAKE_LIST_* */
	double appear, disappear;
	double period; /* > 0: appear/disappear repeat every period seconds */
	unsigned int gpu_instance, compute_instance;
};

static inline bool fake_proc_visible(const struct fake_proc *p, double t)
{
	if (p->period > 0)
		t = fmod(t, p->period);
	return t >= p->appear && t < p->disappear;
}

struct fake_gpu {
	unsigned int index;
	char name[96];
	char uuid[96];
	char bus_id[NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE];
	unsigned int pci_domain, pci_bus, pci_device, pci_device_id, pci_subsystem_id;
	unsigned long long total;
	struct fake_series used; /* SERIES_ABSENT: sum of the visible processes */
	struct fake_series reserved;
	struct fake_series metric[M_COUNT];
	struct fake_proc *procs; /* owned */
	size_t nprocs;
	double lost_at;      /* INFINITY when never */
	double back_at;      /* answers again from here (INFINITY: never) */
	bool lost_handle_ok; /* handle lookups still succeed once lost */
};

/* N consecutive NVML_ERROR_UNKNOWN from matching calls on one GPU from time at. */
struct fake_burst {
	unsigned int gpu;
	unsigned char match[FN_COUNT];
	double at;
	unsigned int remaining;
};

/* Injected NVML_ERROR_INSUFFICIENT_SIZE on process-list calls of one GPU. */
struct fake_isz {
	unsigned int gpu;
	unsigned char match[FN_COUNT];
	double at;
	unsigned int times;
	unsigned int extra;
	bool inflate; /* false: "grow" */
};

struct fake_scenario {
	char driver_version[80];
	char nvml_version[80];
	int cuda_version;
	double time_scale;
	int init_error; /* NVML_SUCCESS, or what nvmlInit answers */
	bool stride535; /* _v3 process calls write 32-byte records */
	unsigned int latency_us[FN_COUNT];
	struct fake_gpu *gpus; /* owned */
	unsigned int ngpus;
	struct fake_burst *bursts; /* owned */
	size_t nbursts;
	struct fake_isz *isz; /* owned */
	size_t nisz;
};

/* Fills *sc from the JSON file at path. On failure returns -1 with err set and
 * leaves *sc empty (safe to free). */
int fake_scenario_load(struct fake_scenario *sc, const char *path, char *err, size_t errlen);
/* One idle GPU, no processes, no faults: used when no scenario is named. */
void fake_scenario_default(struct fake_scenario *sc);
void fake_scenario_free(struct fake_scenario *sc);

/* Parses a decimal number with an optional byte unit (B, KB, KiB ... TiB) from
 * s, locale-independently. Returns 0 and sets *out, or -1. */
int fake_parse_quantity(const char *s, double *out);

/* Parses "DOMAIN:BUS:DEVICE.FUNCTION" (hex, domain of 4 or 8 digits). 0 or -1. */
int fake_parse_bus_id(const char *s, unsigned int *dom, unsigned int *bus, unsigned int *dev);

/* Runtime, core.c. All of these are for use inside an exported call. */
struct fake_scenario *fake_current(void);
double fake_now(void);
void fake_lock(void);
void fake_unlock(void);
/* Counts the call, applies its latency, checks initialisation. */
nvmlReturn_t fake_enter(enum fake_fn fn);
/* fake_enter, then the handle check, GPU lost and UNKNOWN bursts; sets *gpu, *t. */
nvmlReturn_t fake_enter_dev(enum fake_fn fn, nvmlDevice_t dev, struct fake_gpu **gpu, double *t);
/* GPU lost, then UNKNOWN bursts, for call fn on g at t. A handle lookup
 * (lookup) passes a lost GPU when its fault says handle_ok. */
nvmlReturn_t fake_gate(enum fake_fn fn, struct fake_gpu *g, double t, bool lookup);
/* Copies s into buf of length len, or NVML_ERROR_INSUFFICIENT_SIZE. */
nvmlReturn_t fake_copy_string(char *buf, unsigned int len, const char *s);
/* The GPU's allocated (v2 "used") and reserved bytes at t. */
void fake_gpu_memory(const struct fake_gpu *g, double t, unsigned long long *used,
                     unsigned long long *reserved);

#endif
