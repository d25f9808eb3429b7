/* nvml_api.h: our own declarations of the slice of the NVML ABI vramtop uses
 * (written from nvml.h facts -- vramtop never includes nvml.h nor links
 * libnvidia-ml), and the internals shared by src/source/nvml*.c. Nothing
 * outside src/source/nvml*.c and its unit tests includes this header; the rest
 * of the program uses source/nvml_source.h.
 *
 * Ownership: struct nvml_source owns its function table, its dlopen handle
 * (closed by close), every per-GPU buffer and the PCIe sampler thread. */
#ifndef VT_NVML_API_H
#define VT_NVML_API_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"
#include "source/nvml_source.h"
#include "source/source.h"

/* ---- the NVML ABI (values fixed by the driver) ---------------------------- */

enum nvml_return {
	NVML_SUCCESS = 0,
	NVML_ERROR_UNINITIALIZED = 1,
	NVML_ERROR_INVALID_ARGUMENT = 2,
	NVML_ERROR_NOT_SUPPORTED = 3,
	NVML_ERROR_NO_PERMISSION = 4,
	NVML_ERROR_NOT_FOUND = 6,
	NVML_ERROR_INSUFFICIENT_SIZE = 7,
	NVML_ERROR_DRIVER_NOT_LOADED = 9,
	NVML_ERROR_TIMEOUT = 10,
	NVML_ERROR_LIBRARY_NOT_FOUND = 12,
	NVML_ERROR_FUNCTION_NOT_FOUND = 13,
	NVML_ERROR_GPU_IS_LOST = 15,
	NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18,
	NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
	NVML_ERROR_UNKNOWN = 999,
};

/* nvml.h: NVML_VALUE_NOT_AVAILABLE is (-1), i.e. all ones in an unsigned long long. */
#define NVML_VALUE_NOT_AVAILABLE (~0ULL)

#define NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE 80
#define NVML_DEVICE_NAME_V2_BUFFER_SIZE        96
#define NVML_DEVICE_UUID_V2_BUFFER_SIZE        96
#define NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE     32

#define NVML_TEMPERATURE_GPU    0 /* nvmlTemperatureSensors_t */
#define NVML_CLOCK_SM           1 /* nvmlClockType_t */
#define NVML_CLOCK_MEM          2
#define NVML_PCIE_UTIL_TX_BYTES 0 /* nvmlPcieUtilCounter_t */
#define NVML_PCIE_UTIL_RX_BYTES 1
#define NVML_DEVICE_MIG_ENABLE  1

struct nvml_device; /* nvmlDevice_t points at one of these; never dereferenced */

/* nvmlMemory_t: what nvmlDeviceGetMemoryInfo writes. used includes reserved. */
struct nvml_memory_v1 {
	unsigned long long total, free, used;
};

/* nvmlMemory_v2_t: version must be NVML_MEMORY_V2_VERSION. used excludes reserved. */
struct nvml_memory_v2 {
	unsigned int version;
	unsigned long long total, reserved, free, used;
};

/* nvml.h: NVML_STRUCT_VERSION(Memory, 2) = sizeof(nvmlMemory_v2_t) | 2 << 24
 * = 40 | 0x02000000 = 0x02000028. (Writing plain 2 there, as some monitors
 * did, gets ARGUMENT_VERSION_MISMATCH.) */
#define NVML_MEMORY_V2_VERSION ((unsigned int)(sizeof(struct nvml_memory_v2) | (2u << 24)))

struct nvml_utilization {
	unsigned int gpu, memory;
};

/* nvmlPciInfo_t as written by nvmlDeviceGetPciInfo_v3 and _v2 (68 bytes). */
struct nvml_pci_info {
	char bus_id_legacy[16];
	unsigned int domain, bus, device, pci_device_id, pci_subsystem_id;
	char bus_id[NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE];
};

/* Process records. The unsuffixed list calls write v1 (16 bytes); _v2 and _v3
 * write nvmlProcessInfo_t == nvmlProcessInfo_v2_t (24 bytes) -- except
 * drivers 535.43 to 535.86, whose _v3 calls write the 32-byte record with
 * usedGpuCcProtectedMemory appended (declared in that driver's nvml.h as
 * nvmlProcessInfo_v3_t without a version bump; 535.98 dropped the _v3
 * exports, 535.104 brought them back with the 24-byte record). pid and
 * usedGpuMemory sit at offsets 0 and 8 in all three. */
struct nvml_process_v1 {
	unsigned int pid;
	unsigned long long used_gpu_memory;
};

struct nvml_process_v2 {
	unsigned int pid;
	unsigned long long used_gpu_memory;
	unsigned int gpu_instance_id, compute_instance_id;
};

struct nvml_process_v3_535 {
	unsigned int pid;
	unsigned long long used_gpu_memory;
	unsigned int gpu_instance_id, compute_instance_id;
	unsigned long long used_gpu_cc_protected_memory;
};

#define NVML_PROC_STRIDE_MAX sizeof(struct nvml_process_v3_535)

/* Every process list call has this shape; infos is an array of records whose
 * size depends on the symbol version (above). */
typedef int (*nvml_procs_fn)(struct nvml_device *dev, unsigned int *count, void *infos);

/* ---- the function table ----------------------------------------------------- */

enum nvml_list {
	NVML_LIST_COMPUTE,
	NVML_LIST_GRAPHICS,
	NVML_LIST_MPS,
	NVML_LIST_N,
};

struct nvml_fns {
	/* required */
	int (*init)(void);
	int (*shutdown)(void);
	int (*device_get_count)(unsigned int *count);
	int (*device_get_handle_by_index)(unsigned int index, struct nvml_device **dev);
	int (*device_get_memory_info)(struct nvml_device *dev, struct nvml_memory_v1 *m);
	nvml_procs_fn procs[NVML_LIST_N]; /* compute required; graphics, MPS optional */
	/* optional: a missing one leaves its metric invalid */
	const char *(*error_string)(int rc);
	int (*system_get_driver_version)(char *buf, unsigned int len);
	int (*system_get_process_name)(unsigned int pid, char *buf, unsigned int len);
	int (*device_get_memory_info_v2)(struct nvml_device *dev, struct nvml_memory_v2 *m);
	int (*device_get_name)(struct nvml_device *dev, char *buf, unsigned int len);
	int (*device_get_uuid)(struct nvml_device *dev, char *buf, unsigned int len);
	int (*device_get_pci_info)(struct nvml_device *dev, struct nvml_pci_info *pci);
	int (*device_get_enforced_power_limit)(struct nvml_device *dev, unsigned int *mw);
	int (*device_get_mig_mode)(struct nvml_device *dev, unsigned int *cur, unsigned int *pend);
	int (*device_get_utilization_rates)(struct nvml_device *dev, struct nvml_utilization *u);
	int (*device_get_temperature)(struct nvml_device *dev, int sensor, unsigned int *c);
	int (*device_get_power_usage)(struct nvml_device *dev, unsigned int *mw);
	int (*device_get_clock_info)(struct nvml_device *dev, int type, unsigned int *mhz);
	int (*device_get_fan_speed)(struct nvml_device *dev, unsigned int *pct);
	int (*device_get_pcie_throughput)(struct nvml_device *dev, int counter, unsigned int *kbs);
	/* ABI version of the symbol each process list resolved to: 3, 2, 1 (0 = absent) */
	unsigned int procs_ver[NVML_LIST_N];
};

/* Resolves one symbol; NULL when absent. For the real library it is dlsym on
 * the dlopen handle; unit tests pass their own table of fakes. */
typedef void *(*nvml_sym_fn)(void *ctx, const char *name);

/* Fills *f from sym, newest symbol version first. Returns VT_OK, or
 * VT_E_NODRIVER with err naming the first missing required symbol. */
int nvml_fns_load(struct nvml_fns *f, nvml_sym_fn sym, void *ctx, char *err, size_t errlen);

/* ---- knobs (defaults used by nvml_source_open; tests change them) ------------ */

struct nvml_knobs {
	/* PCIe throughput is sampled by a helper thread every pcie_interval_s
	 * (NVML blocks ~20 ms per counter to sample it); 0 disables it. */
	double pcie_interval_s;
	/* Backoff between retries of NVML_ERROR_UNKNOWN (1, 2, 4 ms). NULL (the
	 * default): sample() returns VT_AGAIN and the caller's loop waits on a
	 * timer (retry_delay) before calling again; set: a blocking sleep inside
	 * the call (tests, and callers without a loop). */
	void (*sleep_ms)(unsigned int ms);
	/* A lost GPU is asked for a new handle every lost_retry_s: a GPU that a
	 * reset brought back is shown again. */
	double lost_retry_s;
};

void nvml_knobs_default(struct nvml_knobs *k);

/* nvml_source_open with the library replaced by a resolver. lib, when not
 * NULL, is a dlopen handle the source takes over (dlclosed by close). */
int nvml_source_open_with(const struct nvml_source_opts *o, const struct nvml_knobs *k,
                          nvml_sym_fn sym, void *ctx, void *lib, struct source **out, char *err,
                          size_t errlen);

/* ---- internals shared by nvml.c, nvml_sample.c, nvml_pcie.c ------------------ */

#define NVML_UNKNOWN_RETRIES 3 /* NVML_ERROR_UNKNOWN: retried 3 times, 1+2+4 ms */
#define NVML_GROW_TRIES      4 /* INSUFFICIENT_SIZE: regrow at most this often per list */
#define NVML_RAW_CAP0        16

/* A process of one GPU after merging its lists. */
struct nvml_proc_row {
	unsigned int pid;
	bool used_valid;
	uint32_t type; /* enum snap_proc_type */
	uint64_t used;
};

/* NVML's name of another user's process, cached by identity (nvml_names.c). */
struct nvml_name {
	pid_t pid;
	uint64_t starttime; /* 0 when /proc did not give it */
	bool valid;
	char name[VT_NAME_MAX];
};

/* Metric bits (enum snap_gpu_metric) a GPU answered NOT_SUPPORTED for: those
 * calls are not made again. */
struct nvml_gpu {
	struct nvml_device *dev; /* NULL until a handle was obtained */
	struct snap_gpu tmpl;    /* static part, copied into every snapshot */
	bool lost;               /* GPU_IS_LOST seen: only reopened, every knobs.lost_retry_s */
	double lost_tried;       /* monotonic time of the last reopen attempt */
	uint32_t unsupported;
	unsigned char *raw; /* raw_cap records of NVML_PROC_STRIDE_MAX bytes */
	unsigned int raw_cap;
	struct nvml_proc_row *rows;
	size_t nrows, rows_cap;
	unsigned int last_stride;             /* stride the last non-empty list was read with */
	struct nvml_name *names, *names_prev; /* this refresh's and the last one's */
	size_t nnames, nnames_prev, names_cap;
	/* PCIe figures from the sampler thread, under nvml_source.pcie_mu */
	unsigned int pcie_tx, pcie_rx;
	uint32_t pcie_valid; /* GM_PCIE_TX | GM_PCIE_RX */
	/* the sample in progress (a retry completes it) */
	struct snap_gpu cur;
	bool unknown;         /* cur's error is NVML_ERROR_UNKNOWN */
	bool pending;         /* to be asked again before the sample is done */
	unsigned int attempt; /* retries made for the sample in progress */
};

struct nvml_source {
	struct source base;
	struct nvml_fns fns;
	struct nvml_knobs knobs;
	void *lib;
	bool inited; /* nvmlInit succeeded: shutdown on close */
	bool show_other_users;
	bool retrying; /* a sample is waiting for retries */
	double t0;     /* its wall time */
	unsigned int retry_ms;
	bool driver_valid;
	char driver[VT_DRIVER_MAX];
	bool bug535;     /* driver 535.43-535.86: _v3 lists use a 32-byte record */
	bool mem_v2_off; /* _v2 memory call absent or refused: use v1 */
	struct nvml_gpu *gpus;
	unsigned int ngpus;
	/* PCIe sampler */
	pthread_mutex_t pcie_mu;
	pthread_cond_t pcie_cv;
	pthread_t pcie_thread;
	bool pcie_running, pcie_stop;
	struct nvml_device **pcie_devs; /* the thread's own copy; NULL = skip */
};

/* nvml.c: gets the handle of GPU i and reads its static facts into tmpl. */
void nvml_gpu_open(struct nvml_source *s, unsigned int i);
/* GPU_IS_LOST seen during `what`: g is LOST, and no call is made on its old
 * handle again (a GPU off the bus needs a reset and a new handle: the sample
 * asks for one every knobs.lost_retry_s). */
void nvml_gpu_mark_lost(struct nvml_gpu *g, const char *what);

/* nvml_sample.c */
int nvml_sample(struct source *src, struct snapshot *out, char *err, size_t errlen);
/* Retry policy for NVML_ERROR_UNKNOWN: true (after sleeping 1, 2, 4 ms) while
 * rc is UNKNOWN and fewer than NVML_UNKNOWN_RETRIES retries were made. */
bool nvml_retry(const struct nvml_source *s, int rc, unsigned int *attempt);
/* Stride (16, 24 or 32) of n records the driver wrote into g->raw, which was
 * filled with NVML_RAW_FILL first; expect is the stride the symbol version
 * implies, used when the bytes do not tell. */
unsigned int nvml_stride_measure(const unsigned char *raw, size_t raw_bytes, unsigned int n,
                                 unsigned int expect);
#define NVML_RAW_FILL 0xA5
/* "535.54.03" -> true: drivers 535.43 .. 535.86 write 32-byte _v3 records. */
bool nvml_driver_has_bug535(const char *version);
/* The driver's text for rc, sanitised, in a per-thread buffer valid until
 * the next call on the thread. */
const char *nvml_errstr(const struct nvml_source *s, int rc);

/* nvml_names.c: call begin once per GPU and refresh (after its rows are
 * known), then fill for each other user's row, in row order. */
void nvml_names_begin(struct nvml_gpu *g);
void nvml_names_fill(struct nvml_source *s, struct nvml_gpu *g, struct snap_proc *p);

/* nvml_pcie.c */
void nvml_pcie_init(struct nvml_source *s);
void nvml_pcie_start(struct nvml_source *s);
void nvml_pcie_stop(struct nvml_source *s);

#endif
