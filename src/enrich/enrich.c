/* enrich.c: the /proc readers of the enrichers -- one process's facts under
 * the same-user boundary, and the environment vramtop runs in. */
#include "enrich/enrich.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/sanitize.h"
#include "core/xalloc.h"
#include "sys/pidns.h"
#include "sys/procfs.h"
#include "sys/users.h"

#define MAPS_CAP ((size_t)4 << 20) /* a PyTorch process maps a few thousand files */

/* Is the process behind dirfd ours? Read through the pinned directory, so
 * the answer is about the process whose files are read next. */
static bool ours(int dirfd, uid_t self_uid)
{
	uid_t uid;
	return procfs_uid_at(dirfd, &uid) == VT_OK && users_same(self_uid, uid);
}

static enum enrich_fw fw_of_cmdline_at(int dirfd, bool *title, unsigned long *reads)
{
	char cmd[4096];
	size_t len;
	(*reads)++;
	if (procfs_cmdline_at(dirfd, cmd, sizeof(cmd), &len) != VT_OK)
		return FW_NONE;
	return enrich_fw_from_cmdline(cmd, len, title);
}

static enum enrich_fw fw_of_maps_at(int dirfd, unsigned long *reads)
{
	char *buf = xmalloc(MAPS_CAP);
	size_t len;
	enum enrich_fw fw = FW_NONE;
	(*reads)++;
	if (procfs_file_at(dirfd, "maps", buf, MAPS_CAP, &len) == VT_OK)
		fw = enrich_fw_from_maps(buf, len);
	free(buf);
	return fw;
}

/* vLLM's GPU memory is held by a child titled "VLLM::EngineCore" whose
 * parent runs the HTTP server: the parent's command line says vllm. */
static void parent_front(struct enrich_facts *f, const char *proc_root, uid_t self_uid, int dirfd)
{
	struct proc_stat st;
	int pfd;
	bool title = false;
	if (procfs_stat_at(dirfd, &st) != VT_OK || st.ppid <= 1)
		return;
	if (procfs_pid_open(proc_root, st.ppid, &pfd) != VT_OK)
		return;
	f->reads++;
	if (ours(pfd, self_uid) && fw_of_cmdline_at(pfd, &title, &f->reads) == f->fw && !title)
		f->front_pid = st.ppid;
	close(pfd);
}

static void read_cgroup(struct enrich_facts *f, int dirfd)
{
	char buf[8192];
	size_t len;
	f->reads++;
	if (procfs_file_at(dirfd, "cgroup", buf, sizeof(buf), &len) == VT_OK)
		enrich_cgroup_parse(buf, len, &f->ct);
}

static pid_t nspid_at(int dirfd);

static void add_file(struct enrich_facts *f, const char *path, size_t len, uint64_t bytes)
{
	char clean[VT_NAME_MAX];
	vt_sanitize(clean, sizeof(clean), path, len);
	for (size_t i = 0; i < f->nfiles; i++)
		if (strcmp(f->files[i].path, clean) == 0)
			return; /* the same file open twice */
	if (f->nfiles == ENRICH_FILES_MAX)
		return;
	memcpy(f->files[f->nfiles].path, clean, sizeof(clean));
	f->files[f->nfiles++].bytes = bytes;
}

/* The fd links naming model files, with the sizes of the files they open. */
static void scan_fds(struct enrich_facts *f, int dirfd)
{
	int fdir = openat(dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	f->reads++;
	if (fdir < 0)
		return;
	DIR *d = fdopendir(fdir);
	if (!d) {
		close(fdir);
		return;
	}
	f->nfiles = 0;
	int dfd = fdir; /* still the directory fdopendir reads */
	struct dirent *e;
	while ((e = readdir(d))) {
		char target[PATH_MAX];
		struct stat sb;
		if (e->d_name[0] == '.')
			continue;
		ssize_t n = readlinkat(dfd, e->d_name, target, sizeof(target) - 1);
		if (n <= 0 || target[0] != '/' || !enrich_is_model_file(target, (size_t)n))
			continue;
		target[n] = '\0';
		/* stat through the link: the size of the very file held open */
		if (fstatat(dfd, e->d_name, &sb, 0) != 0 || !S_ISREG(sb.st_mode))
			continue;
		add_file(f, target, (size_t)n, (uint64_t)sb.st_size);
	}
	closedir(d);
}

static bool vram_moved(const struct enrich_facts *f)
{
	uint64_t was = f->files_vram, is = f->vram;
	uint64_t moved = is > was ? is - was : was - is;
	uint64_t material = was / ENRICH_FD_MOVED_DIV;
	if (material < ENRICH_FD_MOVED_MIN)
		material = ENRICH_FD_MOVED_MIN;
	return moved >= material;
}

static double moved_gap(const struct enrich_facts *f)
{
	return f->moved_gap > ENRICH_FD_MOVED_S ? f->moved_gap : ENRICH_FD_MOVED_S;
}

bool enrich_fd_due(const struct enrich_facts *f, double now)
{
	if (now - f->files_at >= ENRICH_FD_RESCAN_S)
		return true;
	return vram_moved(f) && now - f->files_at >= moved_gap(f);
}

static bool same_files(const struct enrich_facts *f, const struct enrich_file *was, size_t n)
{
	if (n != f->nfiles)
		return false;
	for (size_t i = 0; i < n; i++)
		if (was[i].bytes != f->files[i].bytes || strcmp(was[i].path, f->files[i].path) != 0)
			return false;
	return true;
}

/* The number of fds the process holds: the size of its fd directory on
 * procfs (Linux 6.2 and later; 0 before, or when it cannot be had, or for
 * a fixture tree: unknown). */
static long fd_count(int dirfd)
{
	struct stat sb;
	struct statfs fs;
	if (fstatat(dirfd, "fd", &sb, 0) != 0 || sb.st_size <= 0)
		return 0;
	return fstatfs(dirfd, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC ? (long)sb.st_size : 0;
}

void enrich_process(struct enrich_facts *f, const char *proc_root, uid_t self_uid, pid_t pid,
                    double now, unsigned *rescans)
{
	int dirfd;
	bool title = false, for_move = false;
	struct enrich_file was[ENRICH_FILES_MAX];
	size_t nwas = 0;

	if (f->denied)
		return;
	if (f->tried) {
		if ((rescans && !*rescans) || !enrich_fd_due(f, now))
			return;
		if (rescans)
			(*rescans)--;
	}
	if (procfs_pid_open(proc_root, pid, &dirfd) != VT_OK)
		return;
	f->reads++;
	if (!ours(dirfd, self_uid)) {
		f->denied = true; /* another user's: nothing of it is read, ever */
		f->tried = true;
		close(dirfd);
		return;
	}
	if (!f->tried) {
		f->tried = true;
		f->fw = fw_of_cmdline_at(dirfd, &title, &f->reads);
		if (f->fw == FW_NONE)
			f->fw = fw_of_maps_at(dirfd, &f->reads);
		if (title)
			parent_front(f, proc_root, self_uid, dirfd);
		read_cgroup(f, dirfd);
		f->reads++;
		f->ns_pid = nspid_at(dirfd);
		if (f->ns_pid == pid)
			f->ns_pid = 0;
	} else if (!vram_moved(f)) {
		/* the safety net's rescan of a still process: its fd table is
		 * read only if it holds another number of fds than at the scan */
		long nfd = f->files_nfd ? fd_count(dirfd) : 0;
		if (nfd && nfd == f->files_nfd) {
			f->files_at = now;
			close(dirfd);
			return;
		}
	} else {
		/* a rescan for a VRAM move: the files it finds set the next gap */
		for_move = true;
		nwas = f->nfiles;
		memcpy(was, f->files, nwas * sizeof(was[0]));
	}
	f->files_nfd = fd_count(dirfd);
	scan_fds(f, dirfd);
	if (for_move) {
		f->moved_gap = same_files(f, was, nwas) ? 2 * moved_gap(f) : ENRICH_FD_MOVED_S;
		if (f->moved_gap > ENRICH_FD_RESCAN_S)
			f->moved_gap = ENRICH_FD_RESCAN_S;
	}
	f->files_at = now;
	f->files_vram = f->vram;
	close(dirfd);
}

/* ---- the environment ---- */

static bool exists_under(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat sb;
	int n = snprintf(path, sizeof(path), "%s/%s", root, rel);
	return n > 0 && (size_t)n < sizeof(path) && lstat(path, &sb) == 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void read_cdi(struct enrich_env *e, const char *root)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/var/run/nvidia-container-devices", root);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) && e->ncdi < ENRICH_CDI_MAX) {
		if (de->d_name[0] == '.')
			continue;
		vt_sanitize_str(e->cdi[e->ncdi++], VT_NAME_MAX, de->d_name);
	}
	closedir(d);
	qsort(e->cdi, e->ncdi, sizeof(e->cdi[0]), cmp_name);
}

static bool is_pid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* "nvidia-cuda-mps-control" (and -server) show as comm "nvidia-cuda-mps". */
static pid_t find_mps(const char *proc_root, uid_t self_uid)
{
	DIR *d = opendir(proc_root);
	pid_t found = 0;
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		char comm[PROCFS_COMM_MAX];
		size_t clen;
		int dirfd;
		if (!is_pid_name(de->d_name))
			continue;
		long pid = strtol(de->d_name, NULL, 10);
		if (pid <= 0 || pid > INT_MAX ||
		    procfs_pid_open(proc_root, (pid_t)pid, &dirfd) != VT_OK)
			continue;
		if (procfs_comm_at(dirfd, comm, sizeof(comm), &clen) == VT_OK &&
		    strcmp(comm, "nvidia-cuda-mps") == 0) {
			bool control = true;
			if (ours(dirfd, self_uid)) { /* only then may its cmdline be read */
				char cmd[256];
				size_t len;
				control =
				    procfs_cmdline_at(dirfd, cmd, sizeof(cmd), &len) == VT_OK &&
				    strstr(cmd, "nvidia-cuda-mps-control") != NULL;
			}
			if (control && (!found || pid < found))
				found = (pid_t)pid;
		}
		close(dirfd);
	}
	closedir(d);
	return found;
}

void enrich_env_read(struct enrich_env *e, const char *root, const char *proc_root, const char *nvd,
                     uid_t self_uid)
{
	char buf[8192], path[PATH_MAX];
	size_t len;
	int dirfd;
	struct enrich_container ct;

	memset(e, 0, sizeof(*e));
	e->valid = true;
	e->in_container =
	    exists_under(root, ".dockerenv") || exists_under(root, "run/.containerenv");
	snprintf(path, sizeof(path), "%s/self", proc_root);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd >= 0) {
		if (!e->in_container &&
		    procfs_file_at(dirfd, "cgroup", buf, sizeof(buf), &len) == VT_OK)
			e->in_container = enrich_cgroup_parse(buf, len, &ct);
		e->pidns_isolated = pidns_is_child_at(dirfd);
		close(dirfd);
	}
	if (nvd) {
		e->nvidia_visible_devices_set = true;
		vt_sanitize_str(e->nvidia_visible_devices, sizeof(e->nvidia_visible_devices), nvd);
	}
	read_cdi(e, root);
	e->mps_daemon = find_mps(proc_root, self_uid);
}

void enrich_env_mps(struct enrich_env *e, const char *proc_root, uid_t self_uid)
{
	e->mps_daemon = find_mps(proc_root, self_uid);
}

/* The last number of the "NSpid:" line of a status text (the PID in the
 * innermost namespace), 0 when the line lists fewer than two. */
static pid_t nspid_last(const char *buf, size_t len)
{
	const char *p = memmem(buf, len, "\nNSpid:", 7), *end = buf + len;
	long v = 0;
	int n = 0;
	if (!p)
		return 0;
	for (p += 7; p < end && *p != '\n';) {
		while (p < end && (*p == '\t' || *p == ' '))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			break;
		v = 0;
		while (p < end && *p >= '0' && *p <= '9' && v <= INT_MAX)
			v = v * 10 + (*p++ - '0');
		n++;
	}
	return n >= 2 && v > 0 && v <= INT_MAX ? (pid_t)v : 0;
}

static pid_t nspid_at(int dirfd)
{
	char buf[4096];
	size_t len;
	return procfs_file_at(dirfd, "status", buf, sizeof(buf), &len) == VT_OK
	           ? nspid_last(buf, len)
	           : 0;
}

pid_t enrich_nspid_map(const char *host_proc_root, pid_t host_pid)
{
	int dirfd;
	pid_t local;
	if (procfs_pid_open(host_proc_root, host_pid, &dirfd) != VT_OK)
		return 0;
	local = nspid_at(dirfd);
	close(dirfd);
	return local;
}
