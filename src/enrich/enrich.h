/* enrich.h: what a GPU process is, learnt from /proc (SPEC §4) -- its
 * framework (command line, its parent's for vLLM's EngineCore, mapped
 * libraries), the model files it holds open (with sizes), its container
 * (cgroup v1/v2 paths) -- and the environment vramtop itself runs in
 * (container markers, PID namespace, NVIDIA_VISIBLE_DEVICES, CDI devices,
 * the MPS control daemon).
 *
 * Same-user boundary (SPEC §2): nothing of a process is read unless its real
 * UID is the caller's real UID, checked here in code through users_same (root
 * not widened) on the process's status read through the same pinned
 * directory as the rest. Each enricher fails alone: a file that cannot be
 * read leaves its own facts unknown and the others untouched.
 *
 * Cost: cmdline, maps and cgroup are read once per process identity. The fd
 * table (about 50 us a process) is scanned when the identity is first seen;
 * after that only when its VRAM moved materially since the last scan (a
 * model being loaded or unloaded shows as growth or shrinkage), at most
 * every ENRICH_FD_MOVED_S -- a gap that doubles each time such a rescan
 * finds the same files (a process whose memory just fluctuates, a training
 * job's allocator), up to ENRICH_FD_RESCAN_S, and is reset when they
 * changed -- and otherwise every ENRICH_FD_RESCAN_S as a
 * safety net, which reads the table only when the process holds another
 * number of fds than at the last scan (the fd directory's size, Linux 6.2
 * and later; on older kernels it always reads). The caller spreads those
 * rescans: a tick makes at most ENRICH_FD_SCANS_PER_TICK of them, the rest
 * wait for the next ticks.
 *
 * The parsers are pure functions over buffers (tested on their own); the
 * readers take a proc root ("/proc" or a fixture tree laid out like it). */
#ifndef VT_ENRICH_H
#define VT_ENRICH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/snapshot.h"

#define ENRICH_FILES_MAX         8     /* model files kept per process */
#define ENRICH_FD_RESCAN_S       900.0 /* seconds between two scans of a still process's fds */
#define ENRICH_FD_MOVED_S        10.0  /* ... of a process whose VRAM moved */
#define ENRICH_FD_MOVED_MIN      ((uint64_t)256 << 20) /* a move: 256 MiB, or */
#define ENRICH_FD_MOVED_DIV      8                     /* an eighth of the VRAM at the scan */
#define ENRICH_FD_SCANS_PER_TICK 1                     /* rescans (not first scans) a tick */
#define ENRICH_CDI_MAX           16
#define ENRICH_FW_MAX            16 /* "text-generation-inference" is shortened to "tgi" */
#define ENRICH_CT_ID_MAX         65 /* 64 hex digits */
#define ENRICH_POD_MAX           40 /* a Kubernetes pod UID, 36 characters */
#define ENRICH_RUNTIME_MAX       16

/* The environment is read once; only the MPS daemon can come and go, and
 * finding it walks all of /proc (about 10 us a process): it is looked for
 * again every ENRICH_MPS_RESCAN_S, or sooner (at most every
 * ENRICH_MPS_CLIENT_S) while NVML lists MPS clients and no daemon is known. */
#define ENRICH_MPS_RESCAN_S 3600.0
#define ENRICH_MPS_CLIENT_S 30.0

enum enrich_fw {
	FW_NONE = 0,
	FW_OLLAMA,
	FW_VLLM,
	FW_SGLANG,
	FW_TGI,
	FW_LLAMACPP,
	FW_PYTORCH,
	FW_JAX,
	FW_TENSORFLOW,
	FW_COUNT,
};

/* "ollama", "vllm", "sglang", "tgi", "llama.cpp", "pytorch", "jax",
 * "tensorflow"; "" for FW_NONE. */
const char *enrich_fw_name(enum enrich_fw fw);
/* The inverse (a trace's "framework"); FW_NONE when unknown. */
enum enrich_fw enrich_fw_from_name(const char *name);

struct enrich_container {
	char runtime[ENRICH_RUNTIME_MAX]; /* "" none; docker containerd cri-o podman kubernetes */
	char id[ENRICH_CT_ID_MAX];        /* the container id (hex), "" unknown */
	char name[VT_NAME_MAX];           /* "" unless the runtime exposes it unprivileged */
	char pod[ENRICH_POD_MAX];         /* Kubernetes pod UID, "" none */
};

struct enrich_file {
	char path[VT_NAME_MAX]; /* sanitised */
	uint64_t bytes;
};

/* What a process's inference server said (src/enrich/scrape.h). */
struct scrape_result {
	bool valid; /* a scrape was attempted: the rest means something */
	enum enrich_fw fw;
	int port; /* 0: none found */
	bool has_kv, has_running, has_waiting;
	double kv_usage; /* fraction 0..1 */
	long running, waiting;
	char model[VT_NAME_MAX]; /* sanitised; "" none */
	char error[160];         /* "" when it worked */
	pid_t socket_owner;      /* whose listening socket: the process or its parent */
};

/* What is known of one process identity. */
struct enrich_facts {
	bool tried;        /* the once-per-identity reads were made */
	bool denied;       /* another user's process: nothing was read */
	enum enrich_fw fw; /* FW_NONE: unknown */
	pid_t front_pid;   /* vLLM: the parent whose HTTP server fronts this worker; 0 none */
	pid_t ns_pid;      /* its PID in its own (innermost) PID namespace, from NSpid, when
	                      that is a child of ours (a container's process seen from the
	                      host); 0 none */
	struct enrich_container ct;
	struct enrich_file files[ENRICH_FILES_MAX];
	size_t nfiles;
	double files_at;             /* monotonic time of the last fd scan (once tried) */
	uint64_t files_vram;         /* the identity's VRAM (bytes) at that scan */
	long files_nfd;              /* the fds it held then (0: unknown, kernel < 6.2) */
	double moved_gap;            /* seconds a VRAM move waits for a rescan (0: the least) */
	uint64_t vram;               /* the caller's: its VRAM this tick, summed over GPUs */
	unsigned long reads;         /* /proc files opened for this identity (cost test) */
	struct scrape_result scrape; /* .valid: a scrape was made */
};

/* --- pure parsers --- */

/* Framework from a NUL-separated argv (a rewritten one, without NULs, too):
 * the program's basename, or for an interpreter (python*) its -m module or
 * script. "VLLM::EngineCore" and the like (a title set by the worker) count
 * as vllm; *child_title is set when the command line is such a worker title,
 * so the caller looks at the parent for the server. */
enum enrich_fw enrich_fw_from_cmdline(const char *cmd, size_t len, bool *child_title);
/* Framework from /proc/<pid>/maps text (libtorch, jax/xla, tensorflow). */
enum enrich_fw enrich_fw_from_maps(const char *buf, size_t len);
/* Container from /proc/<pid>/cgroup text (v1 and v2, cgroupfs and systemd
 * drivers). True when one was found (out filled), else out is cleared. */
bool enrich_cgroup_parse(const char *buf, size_t len, struct enrich_container *out);
/* The trace's form of a container, "runtime:id" ("runtime:" without an id;
 * "" for none), and back (a trace's text: runtime and id kept only when
 * they look like ours -- a known runtime, 64 hex digits). */
void enrich_container_format(const struct enrich_container *c, char *buf, size_t cap);
void enrich_container_from_text(const char *text, struct enrich_container *out);
/* Does the path end in a model-file extension of SPEC §4 (any case)? */
bool enrich_is_model_file(const char *path, size_t len);

/* --- readers --- */

/* Is a rescan of f's fd table due at now, its VRAM being f->vram? */
bool enrich_fd_due(const struct enrich_facts *f, double now);

/* Refreshes f for process (pid, starttime) at monotonic time now, its VRAM
 * being f->vram: the once-per-identity reads and the fd scan the first time,
 * a rescan when enrich_fd_due and *rescans (when not NULL: no limit) is not
 * zero, which it then decrements. self_uid is getuid(). A process of another
 * user (or one whose owner cannot be read) is marked denied and nothing else
 * of it is read. */
void enrich_process(struct enrich_facts *f, const char *proc_root, uid_t self_uid, pid_t pid,
                    double now, unsigned *rescans);

/* The environment vramtop runs in. */
struct enrich_env {
	bool valid;
	bool in_container;
	bool pidns_isolated; /* a child PID namespace: NVML's PIDs are the host's */
	bool nvidia_visible_devices_set;
	char nvidia_visible_devices[VT_NAME_MAX];
	char cdi[ENRICH_CDI_MAX][VT_NAME_MAX]; /* file names, sorted */
	size_t ncdi;
	pid_t mps_daemon; /* the nvidia-cuda-mps-control daemon's PID, 0 none */
	double at;        /* monotonic time of the last read (of the MPS daemon) */
};

/* root: "/" (or a fixture tree holding .dockerenv, run/.containerenv,
 * var/run/nvidia-container-devices/); proc_root: "/proc" or a fixture; nvd:
 * the value of NVIDIA_VISIBLE_DEVICES (NULL: unset). The MPS daemon is found
 * by its comm ("nvidia-cuda-mps", the kernel's 15-byte cut), confirmed by the
 * command line only for a process of our own user. */
void enrich_env_read(struct enrich_env *e, const char *root, const char *proc_root, const char *nvd,
                     uid_t self_uid);
/* Looks for the MPS control daemon again (the rest of e is kept). */
void enrich_env_mps(struct enrich_env *e, const char *proc_root, uid_t self_uid);

/* In a child PID namespace, NVML gives host PIDs. Where the host's /proc is
 * visible (mounted at host_proc_root), the last "NSpid:" entry of the host
 * PID's status is its PID in the innermost namespace -- ours, for a process
 * of our container. 0 when it cannot be mapped. */
pid_t enrich_nspid_map(const char *host_proc_root, pid_t host_pid);

#endif
