/* test_nvml_fake.h: a fake NVML driver for the NVML source's unit tests --
 * plain functions handed to nvml_source_open_with through a resolver, with
 * per-GPU knobs (lists, faults, record stride) and call counters. */
#ifndef VT_TEST_NVML_FAKE_H
#define VT_TEST_NVML_FAKE_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/snapshot.h"
#include "source/nvml_api.h"

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

struct fake_state {
	struct fgpu gpu[4];
	unsigned int ngpus;
	int init_rc;
	bool hostile; /* name, UUID, bus id and error strings carry escapes */
	const char *driver;
	const char *hidden[8]; /* symbols the fake library does not export */
	unsigned int calls[C_N];
	unsigned int sleeps[16], nsleeps;
	const char *init_name; /* which init symbol was called */
};

extern struct fake_state F;

/* Resolver and backoff sleep to hand to nvml_source_open_with. */
void *fake_sym(void *ctx, const char *name);
void fake_sleep(unsigned int ms);
/* Forgets everything; ngpus GPUs of 150 GiB, each with one compute process
 * (pid 1000 + i, (1 + i) GiB). */
void fake_reset(unsigned int ngpus);
/* Opens the source on the fake (PCIe sampler off, /proc absent); with status
 * NULL it must succeed. */
struct source *open_fake(bool others, int *status);
void sample(struct source *src, struct snapshot *snap);
const struct snap_proc *find_proc(const struct snapshot *s, pid_t pid);

#endif
