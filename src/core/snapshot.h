/* snapshot.h: the data model -- one sample of every GPU and every process using
 * one, as a source produced it. No I/O here. A snapshot owns its arrays and
 * keeps their capacity across snapshot_reset(), so a steady refresh does not
 * allocate. */
#ifndef VT_SNAPSHOT_H
#define VT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VT_NAME_MAX      257 /* sanitised strings are cut to 256 bytes */
#define VT_CMD_MAX       257 /* a command line, argv joined by spaces, cut */
#define VT_USER_MAX      33
#define VT_UUID_MAX      96
#define VT_BUSID_MAX     32
#define VT_GPU_NAME_MAX  96
#define VT_DRIVER_MAX    81
#define VT_FRAMEWORK_MAX 16 /* "llama.cpp", "tensorflow", ... (src/enrich) */
#define VT_CONTAINER_MAX 96 /* "runtime:id", the id 64 hex digits */

/* Validity bits of struct snap_gpu: a metric whose bit is clear was not given
 * by the driver (or the source) and is shown as N/A / null, never as 0. */
enum snap_gpu_metric {
	GM_MEM_TOTAL = 1u << 0,
	GM_MEM_USED = 1u << 1,
	GM_MEM_FREE = 1u << 2,
	GM_MEM_RESERVED = 1u << 3,
	GM_UTIL_GPU = 1u << 4, /* device-wide, time-based, percent */
	GM_UTIL_MEM = 1u << 5, /* device-wide memory-controller busy, percent */
	GM_TEMP = 1u << 6,
	GM_POWER = 1u << 7,
	GM_POWER_LIMIT = 1u << 8,
	GM_CLOCK_SM = 1u << 9,
	GM_CLOCK_MEM = 1u << 10,
	GM_PCIE_TX = 1u << 11,
	GM_PCIE_RX = 1u << 12,
	GM_MIG = 1u << 13,
	GM_FAN = 1u << 14,
	GM_NAME = 1u << 15,
	GM_UUID = 1u << 16,
	GM_BUSID = 1u << 17,
};

enum snap_gpu_state {
	GPU_STATE_OK = 0,
	GPU_STATE_LOST,  /* NVML_ERROR_GPU_IS_LOST: fell off the bus */
	GPU_STATE_ERROR, /* repeated NVML_ERROR_UNKNOWN or another error */
};

struct snap_gpu {
	unsigned index;
	enum snap_gpu_state state;
	char error[128]; /* empty unless state != OK */
	uint32_t valid;  /* enum snap_gpu_metric bits */
	char name[VT_GPU_NAME_MAX];
	char uuid[VT_UUID_MAX];
	char pci_bus_id[VT_BUSID_MAX];
	uint64_t mem_total, mem_used, mem_free, mem_reserved; /* bytes */
	unsigned util_gpu, util_mem;                          /* percent */
	unsigned temp_c, fan_pct;
	unsigned power_mw, power_limit_mw;
	unsigned clock_sm_mhz, clock_mem_mhz;
	unsigned pcie_tx_kbs, pcie_rx_kbs;
	bool mig_enabled;
};

enum snap_proc_type {
	PROC_COMPUTE = 1u << 0,
	PROC_GRAPHICS = 1u << 1,
	PROC_MPS = 1u << 2, /* seen on the MPS compute list */
};

/* Per-process fields resolved from /proc (sys/proc_resolve.h fills them). */
enum snap_proc_flag {
	PF_USED_VALID = 1u << 0,  /* NVML gave a byte count (not N/A) */
	PF_START_VALID = 1u << 1, /* starttime read from /proc/<pid>/stat */
	PF_UID_VALID = 1u << 2,
	PF_SAME_USER = 1u << 3, /* uid == our real uid, checked in code */
	PF_NAME_VALID = 1u << 4,
	PF_GONE = 1u << 5,       /* /proc/<pid> vanished between NVML and /proc */
	PF_CMD_VALID = 1u << 6,  /* cmd read from /proc/<pid>/cmdline (same user) */
	PF_DEEP_VALID = 1u << 7, /* deep holds the process's own allocator figures */
};

/* Deep mode (docs/deep-mode.md): what the process's CUDA caching allocator
 * says, summed over the CUDA devices it uses -- the process's figures, the
 * same on each of its GPU rows. Bytes and counts. */
struct snap_deep {
	uint64_t allocated, reserved, active, peak_allocated;
	uint64_t alloc_retries, ooms;
};

/* The deep figures by name, in the order every reader and writer uses: one
 * table for the socket protocol, the trace format and --once --json. */
#define SNAP_DEEP_NFIELDS 6
struct snap_deep_field {
	const char *key;
	size_t off; /* of a uint64_t in struct snap_deep */
};
extern const struct snap_deep_field snap_deep_fields[SNAP_DEEP_NFIELDS];
static inline uint64_t *snap_deep_at(struct snap_deep *d, size_t i)
{
	return (uint64_t *)((char *)d + snap_deep_fields[i].off);
}
static inline uint64_t snap_deep_get(const struct snap_deep *d, size_t i)
{
	return *(const uint64_t *)((const char *)d + snap_deep_fields[i].off);
}

struct snap_proc {
	unsigned gpu; /* index into snapshot.gpus (not the NVML index) */
	pid_t pid;
	uint64_t starttime; /* clock ticks since boot, field 22 of stat */
	uint32_t uid;
	uint32_t flags; /* enum snap_proc_flag */
	uint32_t type;  /* enum snap_proc_type bits */
	uint64_t used;  /* bytes */
	char user[VT_USER_MAX];
	char name[VT_NAME_MAX]; /* sanitised */
	char cmd[VT_CMD_MAX];   /* sanitised command line, argv joined by spaces */
	struct snap_deep deep;  /* when PF_DEEP_VALID */
	/* what enrichment learnt (a live run) or a trace says; "" unknown */
	char framework[VT_FRAMEWORK_MAX];
	char container[VT_CONTAINER_MAX]; /* "runtime:id" ("runtime:" without an id) */
};

struct snapshot {
	double time; /* unix seconds of the sample */
	bool driver_valid;
	char driver_version[VT_DRIVER_MAX];
	struct snap_gpu *gpus;
	size_t ngpus, gpus_cap;
	struct snap_proc *procs; /* grouped by gpu, in source order */
	size_t nprocs, procs_cap;
};

void snapshot_init(struct snapshot *s);
/* Forgets contents, keeps capacity. */
void snapshot_reset(struct snapshot *s);
void snapshot_free(struct snapshot *s);
/* Append a zeroed GPU / a process with zero scalars and empty strings (the
 * bytes after a string's NUL are unspecified); valid until the next add. */
__attribute__((returns_nonnull)) struct snap_gpu *snapshot_add_gpu(struct snapshot *s);
__attribute__((returns_nonnull)) struct snap_proc *snapshot_add_proc(struct snapshot *s);
/* Removes, in place and keeping order, every process with any of `flags`
 * set (e.g. PF_GONE: vanished between NVML's list and /proc). Returns how
 * many were removed. */
size_t snapshot_drop_procs(struct snapshot *s, uint32_t flags);
/* Impossible values, as a driver or a simulator may report them, marked
 * invalid (shown as N/A, not written to traces): on every GPU, the validity
 * bit of
 *   util_gpu, util_mem  above 100 (percent of time)
 *   fan_pct             above SNAP_FAN_PCT_MAX (NVML: a fan may run above
 *                       100 % of its rated speed, so 100 is no limit)
 *   temp_c              above SNAP_TEMP_C_MAX
 *   power_mw, power_limit_mw  above SNAP_POWER_MW_MAX
 *   mem_used, mem_free, mem_reserved  above a valid mem_total (the total is
 *                       the board's; the moving figure is the one to doubt)
 * is cleared; the value itself is kept. Processes are not judged. Called once
 * per sample for every source, so that all outputs agree. Returns how many
 * bits it cleared (0: nothing impossible). */
#define SNAP_FAN_PCT_MAX  200u
#define SNAP_TEMP_C_MAX   200u
#define SNAP_POWER_MW_MAX 10000000u /* 10 kW */
size_t snapshot_clamp_values(struct snapshot *s);
/* Deep copy src into dst (dst keeps and grows its own capacity). */
void snapshot_copy(struct snapshot *dst, const struct snapshot *src);

const char *snap_gpu_state_name(enum snap_gpu_state st);
/* "compute", "graphics", "compute+graphics" (MPS counts as compute). */
const char *snap_proc_type_name(uint32_t type);

#endif
