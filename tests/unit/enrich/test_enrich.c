/* test_enrich.c: the enrichers of SPEC §4 on their parsers and on fixture
 * /proc trees (every container runtime and cgroup version, model files held
 * open, vLLM's EngineCore under its server, MPS, a PID namespace), and the
 * same-user boundary: another user's process is never read beyond its
 * owner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/proc_fixture.h"
#include "enrich/enrich.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define POD   "8d5c5a3e-1b2f-4c6d-9e7a-0f1e2d3c4b5a"

static char root[FX_PATH_MAX];

static int setup(void **state)
{
	(void)state;
	fx_root_make(root, sizeof(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_root_remove(root);
	return 0;
}

static enum enrich_fw fw_cmd(const char *argv_nul, size_t len, bool *title)
{
	bool t;
	enum enrich_fw fw = enrich_fw_from_cmdline(argv_nul, len, &t);
	if (title)
		*title = t;
	return fw;
}

#define FW(lit) fw_cmd(lit, sizeof(lit) - 1, NULL)

static void test_fw_cmdline(void **state)
{
	(void)state;
	bool title;
	assert_int_equal(FW("vllm\0serve\0meta-llama/Llama-3-70B\0"), FW_VLLM);
	assert_int_equal(FW("/usr/bin/python3\0-m\0vllm.entrypoints.openai.api_server\0--port\0"
	                    "8000\0"),
	                 FW_VLLM);
	assert_int_equal(FW("python3.11\0/opt/venv/bin/vllm\0serve\0m\0"), FW_VLLM);
	assert_int_equal(fw_cmd("VLLM::EngineCore", 16, &title), FW_VLLM);
	assert_true(title);
	assert_int_equal(fw_cmd("vllm\0serve\0", 11, &title), FW_VLLM);
	assert_false(title);
	assert_int_equal(FW("python\0-m\0sglang.launch_server\0--model-path\0x\0"), FW_SGLANG);
	assert_int_equal(fw_cmd("sglang::scheduler_TP0", 21, &title), FW_SGLANG);
	assert_true(title);
	assert_int_equal(FW("/usr/local/bin/ollama\0serve\0"), FW_OLLAMA);
	assert_int_equal(FW("/usr/lib/ollama/ollama\0runner\0--model\0/blobs/sha256-1\0"),
	                 FW_OLLAMA);
	assert_int_equal(FW("/build/bin/llama-server\0-m\0model.gguf\0"), FW_LLAMACPP);
	assert_int_equal(FW("text-generation-launcher\0--model-id\0x\0"), FW_TGI);
	assert_int_equal(FW("/opt/conda/bin/python3.11\0/opt/conda/bin/text-generation-server\0"
	                    "serve\0x\0"),
	                 FW_TGI);
	assert_int_equal(FW("text-generation-router\0--port\0"), FW_TGI);
	/* a rewritten argv: one string, spaces */
	assert_int_equal(FW("vllm serve /models/x"), FW_VLLM);
	/* not a framework: a word in an argument does not make one */
	assert_int_equal(FW("python3\0train.py\0--out\0/data/vllm\0"), FW_NONE);
	assert_int_equal(FW("python3\0-c\0import vllm\0"), FW_NONE);
	assert_int_equal(FW("bash\0-c\0vllm serve\0"), FW_NONE);
	assert_int_equal(FW("/usr/bin/ollamaX\0"), FW_NONE);
	assert_int_equal(FW(""), FW_NONE);
	assert_int_equal(FW("\0\0\0"), FW_NONE);
}

#define MAPS_LINE(path) "7f0000000000-7f0000100000 r-xp 00000000 08:01 123 " path "\n"

static void test_fw_maps(void **state)
{
	(void)state;
	static const char torch[] = MAPS_LINE("/usr/lib/x86_64-linux-gnu/libc.so.6")
	    MAPS_LINE("/venv/lib/python3.11/site-packages/torch/lib/libtorch_cuda.so");
	static const char jax[] = MAPS_LINE("/venv/site-packages/jaxlib/xla_extension.so");
	static const char tf[] = MAPS_LINE("/venv/site-packages/tensorflow/libtensorflow_cc.so.2")
	    MAPS_LINE("/venv/site-packages/torch/lib/libtorch.so");
	static const char none[] = MAPS_LINE("/usr/lib/libcuda.so.1") MAPS_LINE("[heap]");
	assert_int_equal(enrich_fw_from_maps(torch, sizeof(torch) - 1), FW_PYTORCH);
	assert_int_equal(enrich_fw_from_maps(jax, sizeof(jax) - 1), FW_JAX);
	assert_int_equal(enrich_fw_from_maps(tf, sizeof(tf) - 1), FW_TENSORFLOW);
	assert_int_equal(enrich_fw_from_maps(none, sizeof(none) - 1), FW_NONE);
	assert_string_equal(enrich_fw_name(FW_LLAMACPP), "llama.cpp");
	assert_int_equal(enrich_fw_from_name("tgi"), FW_TGI);
	assert_int_equal(enrich_fw_from_name("nonsense"), FW_NONE);
}

struct cg_case {
	const char *text, *runtime, *id, *pod;
};

static void test_cgroup(void **state)
{
	(void)state;
	static const struct cg_case cases[] = {
	    /* docker, cgroup v1 (cgroupfs) */
	    {"12:memory:/docker/" HEX64 "\n11:cpu,cpuacct:/docker/" HEX64 "\n", "docker", HEX64,
	     ""},
	    /* docker, cgroup v2 with systemd */
	    {"0::/system.slice/docker-" HEX64 ".scope\n", "docker", HEX64, ""},
	    /* Kubernetes + containerd, v2 systemd: pod UID with underscores */
	    {"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
	     "8d5c5a3e_1b2f_4c6d_9e7a_0f1e2d3c4b5a.slice/cri-containerd-" HEX64 ".scope\n",
	     "containerd", HEX64, POD},
	    /* Kubernetes + cri-o, v2 systemd */
	    {"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
	     "8d5c5a3e_1b2f_4c6d_9e7a_0f1e2d3c4b5a.slice/crio-" HEX64 ".scope\n",
	     "cri-o", HEX64, POD},
	    /* Kubernetes, v1 cgroupfs: no runtime in the path */
	    {"11:devices:/kubepods/burstable/pod" POD "/" HEX64 "\n", "kubernetes", HEX64, POD},
	    /* podman, v2 (rootful and rootless) and v1 */
	    {"0::/machine.slice/libpod-" HEX64 ".scope/container\n", "podman", HEX64, ""},
	    {"0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" HEX64 ".scope\n",
	     "podman", HEX64, ""},
	    {"3:pids:/libpod_parent/libpod-" HEX64 "\n", "podman", HEX64, ""},
	    /* nerdctl (containerd without Kubernetes) */
	    {"0::/system.slice/nerdctl-" HEX64 ".scope\n", "containerd", HEX64, ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct enrich_container c;
		assert_true(enrich_cgroup_parse(cases[i].text, strlen(cases[i].text), &c));
		assert_string_equal(c.runtime, cases[i].runtime);
		assert_string_equal(c.id, cases[i].id);
		assert_string_equal(c.pod, cases[i].pod);
		assert_string_equal(c.name, "");
	}
	static const char *const none[] = {
	    "0::/user.slice/user-1000.slice/session-3.scope\n",
	    "0::/system.slice/docker.service\n",    /* the daemon itself */
	    "0::/system.slice/docker-0123.scope\n", /* too short for an id */
	    "12:memory:/docker/" HEX64 "zz\n",
	    "garbage without colons\n",
	    "",
	};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		struct enrich_container c;
		assert_false(enrich_cgroup_parse(none[i], strlen(none[i]), &c));
		assert_string_equal(c.runtime, "");
	}
}

static void test_model_ext(void **state)
{
	(void)state;
	static const char *const yes[] = {"/m/model-00001-of-00030.safetensors",
	                                  "/m/x.gguf",
	                                  "/m/x.pt",
	                                  "/m/x.PTH",
	                                  "/m/pytorch_model.bin",
	                                  "/m/x.onnx",
	                                  "/m/x.h5",
	                                  "/m/x.tflite"};
	static const char *const no[] = {"/m/x.txt",      "/m/.bin",       "/m/safetensors",
	                                 "/m/x.bin.lock", "socket:[1234]", "/m/x.gguf (deleted)"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(enrich_is_model_file(yes[i], strlen(yes[i])));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(enrich_is_model_file(no[i], strlen(no[i])));
}

#define CMD(lit) lit, sizeof(lit) - 1

static void test_process_same_user(void **state)
{
	(void)state;
	char weights[FX_PATH_MAX * 2], shard2[FX_PATH_MAX * 2], other[FX_PATH_MAX * 2];
	uid_t me = 4242;
	fx_process(root, 100, "python3", 777, me, CMD("python3\0-m\0sglang.launch_server\0"));
	static const char cg[] = "0::/system.slice/docker-" HEX64 ".scope\n";
	fx_write(root, 100, "cgroup", cg, sizeof(cg) - 1);
	fx_file(root, "model-00001-of-00002.safetensors", 5000, weights, sizeof(weights));
	fx_file(root, "model-00002-of-00002.safetensors", 3000, shard2, sizeof(shard2));
	fx_file(root, "tokenizer.json", 100, other, sizeof(other));
	fx_fd(root, 100, 0, "/dev/null");
	fx_fd(root, 100, 3, weights);
	fx_fd(root, 100, 4, other);
	fx_fd(root, 100, 5, weights); /* opened twice: listed once */
	fx_fd(root, 100, 6, "socket:[4242]");
	/* it runs in a container's PID namespace, where it is PID 7 */
	static const char st[] = "Name:\tpython3\nUid:\t4242\t4242\t4242\t4242\n"
	                         "NSpid:\t100\t7\n";
	fx_write(root, 100, "status", st, sizeof(st) - 1);

	struct enrich_facts f;
	memset(&f, 0, sizeof(f));
	enrich_process(&f, root, me, 100, 1.0, NULL);
	assert_true(f.tried);
	assert_false(f.denied);
	assert_int_equal(f.fw, FW_SGLANG);
	assert_int_equal(f.front_pid, 0);
	assert_int_equal(f.ns_pid, 7);
	assert_string_equal(f.ct.runtime, "docker");
	assert_string_equal(f.ct.id, HEX64);
	assert_int_equal(f.nfiles, 1);
	assert_string_equal(f.files[0].path, weights);
	assert_int_equal(f.files[0].bytes, 5000);

	/* a process whose VRAM holds still: its fd table is rescanned only
	 * every ENRICH_FD_RESCAN_S; cmdline, maps and cgroup never again for
	 * this identity */
	fx_fd(root, 100, 7, shard2);
	unsigned long reads = f.reads;
	enrich_process(&f, root, me, 100, 1.0 + ENRICH_FD_RESCAN_S / 2, NULL);
	assert_int_equal(f.reads, reads);
	assert_int_equal(f.nfiles, 1);
	fx_write(root, 100, "cmdline", CMD("ollama\0serve\0"));
	enrich_process(&f, root, me, 100, 1.0 + ENRICH_FD_RESCAN_S, NULL);
	assert_int_equal(f.nfiles, 2);
	assert_int_equal(f.files[1].bytes, 3000);
	assert_int_equal(f.fw, FW_SGLANG);
	assert_int_equal(f.reads, reads + 2); /* the directory (with status) and fd */
}

/* A model being loaded shows as growing VRAM: the fd table is rescanned once
 * the VRAM moved materially (up or down), at most every ENRICH_FD_MOVED_S;
 * small moves do not count; a tick's budget of rescans is kept. */
static void test_process_rescan_on_move(void **state)
{
	(void)state;
	char weights[FX_PATH_MAX * 2], shard2[FX_PATH_MAX * 2];
	uid_t me = 4242;
	const uint64_t gib = (uint64_t)1 << 30;
	fx_process(root, 120, "vllm", 778, me, CMD("vllm\0serve\0m\0"));
	fx_file(root, "a.safetensors", 10, weights, sizeof(weights));
	fx_file(root, "b.gguf", 20, shard2, sizeof(shard2));
	fx_fd(root, 120, 3, weights);

	struct enrich_facts f;
	memset(&f, 0, sizeof(f));
	f.vram = gib / 2; /* the CUDA context, before the weights */
	enrich_process(&f, root, me, 120, 100.0, NULL);
	assert_int_equal(f.nfiles, 1);
	assert_int_equal(f.files_vram, gib / 2);
	assert_int_equal(f.ns_pid, 0); /* no NSpid line: our namespace */
	fx_fd(root, 120, 4, shard2);

	/* a small move (under 256 MiB and under an eighth): nothing */
	f.vram = gib / 2 + ((uint64_t)100 << 20);
	assert_false(enrich_fd_due(&f, 200.0));
	/* a material one, but too soon after the last scan */
	f.vram = 8 * gib;
	assert_false(enrich_fd_due(&f, 100.0 + ENRICH_FD_MOVED_S / 2));
	assert_true(enrich_fd_due(&f, 100.0 + ENRICH_FD_MOVED_S));
	/* the tick's budget is spent: it waits, and the budget stays at 0 */
	unsigned budget = 0;
	enrich_process(&f, root, me, 120, 100.0 + ENRICH_FD_MOVED_S, &budget);
	assert_int_equal(f.nfiles, 1);
	budget = 1;
	enrich_process(&f, root, me, 120, 100.0 + ENRICH_FD_MOVED_S, &budget);
	assert_int_equal(budget, 0);
	assert_int_equal(f.nfiles, 2);
	assert_int_equal(f.files_vram, 8 * gib);
	/* a move whose rescan finds the same files doubles the wait for the
	 * next (a process whose memory merely fluctuates); new files reset it */
	f.vram = 2 * gib;
	assert_false(enrich_fd_due(&f, f.files_at + ENRICH_FD_MOVED_S - 1));
	enrich_process(&f, root, me, 120, f.files_at + ENRICH_FD_MOVED_S, NULL);
	assert_int_equal(f.nfiles, 2);
	assert_true(f.moved_gap == 2 * ENRICH_FD_MOVED_S);
	f.vram = 8 * gib;
	assert_false(enrich_fd_due(&f, f.files_at + ENRICH_FD_MOVED_S));
	assert_true(enrich_fd_due(&f, f.files_at + 2 * ENRICH_FD_MOVED_S));
	enrich_process(&f, root, me, 120, f.files_at + 2 * ENRICH_FD_MOVED_S, NULL);
	assert_true(f.moved_gap == 4 * ENRICH_FD_MOVED_S);
	fx_fd(root, 120, 5, "/dev/null");
	fx_file(root, "c.pt", 30, shard2, sizeof(shard2));
	fx_fd(root, 120, 6, shard2);
	f.vram = 2 * gib;
	enrich_process(&f, root, me, 120, f.files_at + 4 * ENRICH_FD_MOVED_S, NULL);
	assert_int_equal(f.nfiles, 3);
	assert_true(f.moved_gap == ENRICH_FD_MOVED_S);
	f.vram = 8 * gib;
	enrich_process(&f, root, me, 120, f.files_at + ENRICH_FD_MOVED_S, NULL);
	assert_int_equal(f.files_vram, 8 * gib);
	/* at 8 GiB, 512 MiB is under an eighth; a shrink by 2 GiB is not */
	f.vram = 8 * gib - gib / 2;
	assert_false(enrich_fd_due(&f, 1000.0));
	f.vram = 6 * gib;
	assert_true(enrich_fd_due(&f, 1000.0));
	/* a still process: only the safety net */
	f.vram = 8 * gib;
	assert_false(enrich_fd_due(&f, f.files_at + ENRICH_FD_RESCAN_S - 1));
	assert_true(enrich_fd_due(&f, f.files_at + ENRICH_FD_RESCAN_S));
}

static void test_process_maps_fails_alone(void **state)
{
	(void)state;
	uid_t me = 4242;
	/* no cgroup, no fd directory, maps naming libtorch */
	fx_process(root, 110, "python3", 777, me, CMD("python3\0train.py\0"));
	static const char maps[] = MAPS_LINE("/venv/torch/lib/libtorch_cuda.so");
	fx_write(root, 110, "maps", maps, sizeof(maps) - 1);
	struct enrich_facts f;
	memset(&f, 0, sizeof(f));
	enrich_process(&f, root, me, 110, 0, NULL);
	assert_int_equal(f.fw, FW_PYTORCH);
	assert_string_equal(f.ct.runtime, "");
	assert_int_equal(f.nfiles, 0);
	/* unreadable maps (a directory in its place) and a bad cgroup: the
	 * container still comes from a good cgroup, the framework stays unknown */
	fx_process(root, 111, "python3", 777, me, CMD("python3\0train.py\0"));
	char path[FX_PATH_MAX * 2];
	snprintf(path, sizeof(path), "%s/111/maps", root);
	assert_int_equal(mkdir(path, 0755), 0);
	static const char cg[] = "3:pids:/libpod_parent/libpod-" HEX64 "\n";
	fx_write(root, 111, "cgroup", cg, sizeof(cg) - 1);
	memset(&f, 0, sizeof(f));
	enrich_process(&f, root, me, 111, 0, NULL);
	assert_int_equal(f.fw, FW_NONE);
	assert_string_equal(f.ct.runtime, "podman");
}

static void test_process_other_user(void **state)
{
	(void)state;
	char weights[FX_PATH_MAX * 2];
	uid_t me = 4242, them = 4343;
	fx_process(root, 200, "vllm", 777, them, CMD("vllm\0serve\0secret-model\0"));
	static const char cg[] = "0::/system.slice/docker-" HEX64 ".scope\n";
	fx_write(root, 200, "cgroup", cg, sizeof(cg) - 1);
	static const char maps[] = MAPS_LINE("/venv/torch/lib/libtorch_cuda.so");
	fx_write(root, 200, "maps", maps, sizeof(maps) - 1);
	fx_file(root, "secret.safetensors", 999, weights, sizeof(weights));
	fx_fd(root, 200, 3, weights);

	struct enrich_facts f;
	memset(&f, 0, sizeof(f));
	enrich_process(&f, root, me, 200, 0, NULL);
	assert_true(f.denied);
	assert_int_equal(f.fw, FW_NONE);
	assert_int_equal(f.nfiles, 0);
	assert_string_equal(f.ct.runtime, "");
	assert_int_equal(f.reads, 1); /* the directory and its owner, nothing else */
	/* root is not widened */
	memset(&f, 0, sizeof(f));
	enrich_process(&f, root, 0, 200, 0, NULL);
	assert_true(f.denied);
	assert_int_equal(f.fw, FW_NONE);
	/* and it stays denied without reading again */
	enrich_process(&f, root, 0, 200, 100, NULL);
	assert_int_equal(f.reads, 1);
}

static void test_vllm_engine_core(void **state)
{
	(void)state;
	uid_t me = 4242;
	/* the API server (parent) and its EngineCore worker (holds the GPU) */
	fx_process(root, 300, "vllm", 777, me,
	           CMD("/venv/bin/python3\0/venv/bin/vllm\0serve\0m\0"));
	fx_process(root, 301, "VLLM::EngineCor", 778, me, CMD("VLLM::EngineCore"));
	fx_stat(root, 301, "VLLM::EngineCor", 300, 777);
	struct enrich_facts f;
	memset(&f, 0, sizeof(f));
	enrich_process(&f, root, me, 301, 0, NULL);
	assert_int_equal(f.fw, FW_VLLM);
	assert_int_equal(f.front_pid, 300);
	/* a parent of another user is not looked into */
	fx_process(root, 400, "vllm", 777, 4343, CMD("vllm\0serve\0m\0"));
	fx_process(root, 401, "VLLM::EngineCor", 778, me, CMD("VLLM::EngineCore"));
	fx_stat(root, 401, "VLLM::EngineCor", 400, 777);
	memset(&f, 0, sizeof(f));
	enrich_process(&f, root, me, 401, 0, NULL);
	assert_int_equal(f.fw, FW_VLLM);
	assert_int_equal(f.front_pid, 0);
}

static void mkdirs(const char *rel)
{
	char path[FX_PATH_MAX * 2];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
}

static void touch(const char *rel)
{
	char path[FX_PATH_MAX * 2];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static void test_environment(void **state)
{
	(void)state;
	char proc[FX_PATH_MAX + 8], status[512];
	uid_t me = 4242;
	/* a fixture / with a fixture /proc inside it */
	mkdirs("proc/self");
	mkdirs("var/run/nvidia-container-devices");
	snprintf(proc, sizeof(proc), "%s/proc", root);
	struct enrich_env e;
	enrich_env_read(&e, root, proc, NULL, me);
	assert_true(e.valid);
	assert_false(e.in_container);
	assert_false(e.pidns_isolated);
	assert_false(e.nvidia_visible_devices_set);
	assert_int_equal(e.ncdi, 0);
	assert_int_equal(e.mps_daemon, 0);

	/* docker's marker, NVIDIA_VISIBLE_DEVICES, two CDI assignments, a
	 * child PID namespace, and an MPS control daemon (of root) */
	touch(".dockerenv");
	touch("var/run/nvidia-container-devices/GPU-b1");
	touch("var/run/nvidia-container-devices/GPU-a0");
	int n = snprintf(status, sizeof(status),
	                 "Name:\tvramtop\nPid:\t7\nNSpid:\t912345\t7\nUid:\t%u\t%u\t%u\t%u\n",
	                 (unsigned)me, (unsigned)me, (unsigned)me, (unsigned)me);
	char path[FX_PATH_MAX * 2];
	snprintf(path, sizeof(path), "%s/self/status", proc);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fwrite(status, 1, (size_t)n, fp);
	fclose(fp);
	fx_process(proc, 55, "nvidia-cuda-mps", 5, 0, CMD("nvidia-cuda-mps-control\0-d\0"));
	fx_process(proc, 56, "nvidia-cuda-mps", 6, me, CMD("nvidia-cuda-mps-server\0"));
	enrich_env_read(&e, root, proc, "GPU-a0,GPU-b1\033[2J", me);
	assert_true(e.in_container);
	assert_true(e.pidns_isolated);
	assert_true(e.nvidia_visible_devices_set);
	assert_string_equal(e.nvidia_visible_devices, "GPU-a0,GPU-b1"); /* sanitised */
	assert_int_equal(e.ncdi, 2);
	assert_string_equal(e.cdi[0], "GPU-a0");
	assert_string_equal(e.cdi[1], "GPU-b1");
	/* 56 is ours and its command line says server: not the control daemon;
	 * 55 is root's: known by its comm alone */
	assert_int_equal(e.mps_daemon, 55);

	/* podman's marker alone; a container known from our own cgroup */
	fx_root_remove(root);
	mkdir(root, 0700);
	mkdirs("run");
	mkdirs("proc/self");
	touch("run/.containerenv");
	enrich_env_read(&e, root, proc, NULL, me);
	assert_true(e.in_container);
	snprintf(path, sizeof(path), "%s/run/.containerenv", root);
	unlink(path);
	static const char cg[] = "0::/kubepods.slice/kubepods-pod"
	                         "8d5c5a3e_1b2f_4c6d_9e7a_0f1e2d3c4b5a"
	                         ".slice/cri-containerd-" HEX64 ".scope\n";
	snprintf(path, sizeof(path), "%s/self/cgroup", proc);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fwrite(cg, 1, sizeof(cg) - 1, fp);
	fclose(fp);
	enrich_env_read(&e, root, proc, NULL, me);
	assert_true(e.in_container);
	assert_false(e.pidns_isolated);

	/* a container's own procfs: NSpid lists one PID, but ns/pid names a
	 * namespace other than the initial one */
	static const char one[] = "Name:\tvramtop\nNSpid:\t7\n";
	snprintf(path, sizeof(path), "%s/self/status", proc);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fwrite(one, 1, sizeof(one) - 1, fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/self/ns", proc);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/self/ns/pid", proc);
	assert_int_equal(symlink("pid:[4026531836]", path), 0); /* the initial one */
	enrich_env_read(&e, root, proc, NULL, me);
	assert_false(e.pidns_isolated);
	unlink(path);
	assert_int_equal(symlink("pid:[4026532174]", path), 0);
	enrich_env_read(&e, root, proc, NULL, me);
	assert_true(e.pidns_isolated);
}

static void test_nspid_map(void **state)
{
	(void)state;
	static const char st[] =
	    "Name:\tpython3\nPid:\t912345\nNSpid:\t912345\t42\nUid:\t0\t0\t0\t0\n";
	static const char host[] = "Name:\tpython3\nPid:\t600\nNSpid:\t600\nUid:\t0\t0\t0\t0\n";
	fx_write(root, 912345, "status", st, sizeof(st) - 1);
	fx_write(root, 600, "status", host, sizeof(host) - 1);
	assert_int_equal(enrich_nspid_map(root, 912345), 42);
	assert_int_equal(enrich_nspid_map(root, 600), 0); /* not in a child namespace */
	assert_int_equal(enrich_nspid_map(root, 77), 0);  /* not there */
}

/* A real child of ours holding a .safetensors open, through the real /proc. */
/* The safety net's rescan of a still process reads its fd table only when
 * the number of fds changed (Linux 6.2+ gives it as the fd directory's size
 * on procfs); a VRAM move reads it whatever the count. On ourselves. */
static bool has_file(const struct enrich_facts *f, const char *path)
{
	for (size_t i = 0; i < f->nfiles; i++)
		if (strcmp(f->files[i].path, path) == 0)
			return true;
	return false;
}

static void test_real_rescan_gate(void **state)
{
	(void)state;
	char a[FX_PATH_MAX * 2], b[FX_PATH_MAX * 2];
	fx_file(root, "gate-a.safetensors", 1000, a, sizeof(a));
	fx_file(root, "gate-b.gguf", 2000, b, sizeof(b));
	struct enrich_facts f;
	memset(&f, 0, sizeof(f));
	enrich_process(&f, "/proc", getuid(), getpid(), 0, NULL);
	if (!f.files_nfd)
		skip(); /* a kernel before 6.2: every rescan reads the table */
	assert_false(has_file(&f, a));
	int fa = open(a, O_RDONLY | O_CLOEXEC);
	assert_true(fa >= 0);
	enrich_process(&f, "/proc", getuid(), getpid(), ENRICH_FD_RESCAN_S, NULL);
	assert_true(has_file(&f, a)); /* one fd more: read */
	close(fa);
	int fb = open(b, O_RDONLY | O_CLOEXEC); /* as many fds as before */
	assert_true(fb >= 0);
	unsigned long reads = f.reads;
	enrich_process(&f, "/proc", getuid(), getpid(), 2 * ENRICH_FD_RESCAN_S, NULL);
	assert_true(has_file(&f, a)); /* the table was not read */
	assert_false(has_file(&f, b));
	assert_int_equal(f.reads, reads + 1); /* the directory (with status) only */
	assert_true(f.files_at == 2 * ENRICH_FD_RESCAN_S);
	f.vram = (uint64_t)1 << 30; /* a model loaded */
	enrich_process(&f, "/proc", getuid(), getpid(), 2 * ENRICH_FD_RESCAN_S + ENRICH_FD_MOVED_S,
	               NULL);
	close(fb);
	assert_true(has_file(&f, b));
	assert_false(has_file(&f, a));
}

static void test_real_process(void **state)
{
	(void)state;
	char weights[FX_PATH_MAX * 2];
	fx_file(root, "real.safetensors", 4096, weights, sizeof(weights));
	int fd = open(weights, O_RDONLY); /* inherited by the child */
	assert_true(fd >= 0);
	pid_t pid = fx_child_start("llama-server");
	close(fd);
	struct enrich_facts f;
	memset(&f, 0, sizeof(f));
	enrich_process(&f, "/proc", getuid(), pid, 0, NULL);
	fx_child_end(pid);
	assert_false(f.denied);
	assert_int_equal(f.fw, FW_LLAMACPP);
	assert_int_equal(f.nfiles, 1);
	assert_string_equal(f.files[0].path, weights);
	assert_int_equal(f.files[0].bytes, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fw_cmdline),
	    cmocka_unit_test(test_fw_maps),
	    cmocka_unit_test(test_cgroup),
	    cmocka_unit_test(test_model_ext),
	    cmocka_unit_test_setup_teardown(test_process_same_user, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_process_rescan_on_move, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_process_maps_fails_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_process_other_user, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vllm_engine_core, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_environment, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nspid_map, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_real_process, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_real_rescan_gate, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
