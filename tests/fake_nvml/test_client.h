/* test_client.h: a minimal NVML client over dlopen() for the simulator's own tests. */
#ifndef FAKE_NVML_TEST_CLIENT_H
#define FAKE_NVML_TEST_CLIENT_H

#include "nvml_abi.h"

#define GiB (1024ull * 1024 * 1024)
#define MiB (1024ull * 1024)

typedef nvmlReturn_t (*procs_fn)(nvmlDevice_t, unsigned int *, void *);

/* The entry points of one loaded simulator; the old build has no _v2/_v3 ones
 * (those fields stay NULL) and init/count/handle are the unsuffixed calls. */
struct api {
	void *h;
	nvmlReturn_t (*init)(void);
	nvmlReturn_t (*shutdown)(void);
	nvmlReturn_t (*count)(unsigned int *);
	nvmlReturn_t (*handle)(unsigned int, nvmlDevice_t *);
	nvmlReturn_t (*mem1)(nvmlDevice_t, struct nvml_memory_v1 *);
	nvmlReturn_t (*mem2)(nvmlDevice_t, struct nvml_memory_v2 *);
	procs_fn compute[4], graphics[4], mps[4]; /* [1] unsuffixed, [2] _v2, [3] _v3 */
	nvmlReturn_t (*driver)(char *, unsigned int);
	nvmlReturn_t (*proc_name)(unsigned int, char *, unsigned int);
	nvmlReturn_t (*name)(nvmlDevice_t, char *, unsigned int);
	nvmlReturn_t (*power)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t (*fan)(nvmlDevice_t, unsigned int *);
	nvmlReturn_t (*temp)(nvmlDevice_t, int, unsigned int *);
	nvmlReturn_t (*clock)(nvmlDevice_t, int, unsigned int *);
	nvmlReturn_t (*util)(nvmlDevice_t, struct nvml_utilization *);
	nvmlReturn_t (*pci)(nvmlDevice_t, struct nvml_pci_info *);
	nvmlReturn_t (*pcie)(nvmlDevice_t, int, unsigned int *);
	nvmlReturn_t (*by_bus)(const char *, nvmlDevice_t *);
	nvmlReturn_t (*by_uuid)(const char *, nvmlDevice_t *);
	nvmlReturn_t (*mig)(nvmlDevice_t, unsigned int *, unsigned int *);
	const char *(*errstr)(nvmlReturn_t);
};

/* Both builds, loaded by client_setup from $FAKE_NVML_DIR and $FAKE_NVML_OLD_DIR. */
extern struct api lib, old;
/* The private directory scenario files are written to. */
extern char client_tmpdir[];

int client_setup(void **state);
int client_teardown(void **state);
/* Writes json as tmpdir/name.json and names it in VRAMTOP_FAKE_NVML_SCENARIO. */
void use_scenario(const char *name, const char *json);
/* Names a shipped scenario of tests/integration/scenarios. */
void use_shipped(const char *file);
/* nvmlInit with the simulated clock starting at t0 seconds. */
void start_at(const struct api *a, const char *t0);
nvmlDevice_t dev(const struct api *a, unsigned int i);
struct nvml_memory_v2 mem2(const struct api *a, nvmlDevice_t d);
/* PID1..PID3 := this process, so "$PIDn" processes are kept. */
void set_pids(void);

#endif
