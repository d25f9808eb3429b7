/* nvml_source.h: the live source -- NVIDIA GPUs through NVML, loaded with
 * dlopen at run time (vramtop starts on a machine without the driver).
 *
 * The library is libnvidia-ml.so.1 (then libnvidia-ml.so); the environment
 * variable VRAMTOP_NVML_LIB, a full path, overrides it (tests point it at the
 * simulator). Each sample fills, per GPU in NVML index order, memory (v2 with
 * "reserved" where the driver has it), the cheap metrics (utilisation,
 * temperature, power, clocks, fan), PCIe throughput as last sampled by a
 * helper thread (every 5 s, first 5 s after open -- N/A until then: NVML
 * blocks ~20 ms per counter to measure it, 20.5 ms measured on an H200),
 * and the processes of the compute, graphics and MPS lists merged by PID
 * (with NVML's process name when show_other_users is set; the model resolves
 * PIDs through /proc). A GPU that reports GPU_IS_LOST is marked LOST and not
 * called again; NVML_ERROR_UNKNOWN is retried three times (1, 2, 4 ms)
 * before that GPU is marked ERROR for this sample -- sample() returns
 * VT_AGAIN and the caller's loop calls it again after retry_delay(), so
 * nothing sleeps -- and the next sample tries it again.
 *
 * mem_used is v2's "used", which excludes mem_reserved (what nvidia-smi shows
 * too); with the v1 call only, mem_used includes it and GM_MEM_RESERVED is
 * clear. A process NVML lists but /proc lacks (PF_GONE: it exited meanwhile,
 * or it lives in another PID namespace) is kept; the model decides. A steady
 * refresh allocates nothing: buffers keep their capacity. */
#ifndef VT_NVML_SOURCE_H
#define VT_NVML_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "source/source.h"

struct nvml_source_opts {
	/* Show other users' processes with their NVML name (sanitised); when
	 * false their name stays empty (PF_NAME_VALID clear). */
	bool show_other_users;
};

/* Loads NVML and opens every GPU. Returns VT_OK with *out set (release it
 * with source_close), or VT_E_NODRIVER (no library / kernel driver not
 * loaded), VT_E_MISMATCH (library and kernel driver versions differ),
 * VT_E_PERM (no permission on the GPU devices) or VT_ERR, with one sentence
 * in err. Static facts (name, UUID, PCI bus id, power limit, MIG mode) are
 * read here, once. */
int nvml_source_open(const struct nvml_source_opts *o, struct source **out, char *err,
                     size_t errlen);

#endif
