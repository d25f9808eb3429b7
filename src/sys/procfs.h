/* procfs.h: /proc/<pid> parsing -- pure parsers over buffers (fuzzed) and thin
 * readers that open one file with O_CLOEXEC, read it into a bounded caller
 * buffer and parse it. Nothing here allocates; nothing prints. */
#ifndef VT_PROCFS_H
#define VT_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

/* Reader outcomes besides VT_OK (all negative, so `< 0` means failure). */
enum procfs_status {
	PROCFS_GONE = -10,   /* no such process: ENOENT/ESRCH, or an empty stat */
	PROCFS_DENIED = -11, /* EACCES/EPERM on the directory or the file */
	PROCFS_BADFMT = -12, /* read, but not in the expected format */
	PROCFS_IOERR = -13,  /* any other error (EMFILE, path too long, ...) */
};

/* The kernel's comm is at most 15 bytes (TASK_COMM_LEN - 1) for user tasks;
 * kernel threads may show up to 63. Longer names are cut to this minus one. */
#define PROCFS_COMM_MAX 64
/* TASK_COMM_LEN - 1: a user task's comm this long may have been cut. */
#define PROCFS_COMM_CUT 15

struct proc_stat {
	pid_t pid;                  /* field 1 */
	char comm[PROCFS_COMM_MAX]; /* field 2, raw bytes (unsanitised), NUL-terminated */
	size_t comm_len;            /* bytes in comm; comm may hold a ')' or a newline */
	char state;                 /* field 3: R, S, D, Z, T, t, X, I, ... */
	pid_t ppid;                 /* field 4 */
	uint64_t starttime;         /* field 22: clock ticks after boot */
};

/* Parses the text of /proc/<pid>/stat: "pid (comm) state ppid ... starttime ...".
 * comm is what lies between the first '(' and the LAST ')' -- a task may name
 * itself "a) R 1 (", so no field after comm is looked for before that last ')'.
 * buf need not be NUL-terminated. Returns VT_OK or PROCFS_BADFMT (missing or
 * non-numeric fields, numbers that overflow, pid/ppid above INT_MAX). */
int procfs_parse_stat(const char *buf, size_t len, struct proc_stat *out);

/* Finds the "Uid:" line of /proc/<pid>/status and parses its first field, the
 * real UID. The kernel escapes newlines in "Name:", so a task name cannot
 * forge the line. Returns VT_OK or PROCFS_BADFMT. */
int procfs_parse_status_uid(const char *buf, size_t len, uid_t *out);

/* --- readers: proc_root is "/proc" or a fixture tree laid out like it --- */

/* Opens <proc_root>/<pid> as a directory (O_PATH|O_DIRECTORY|O_CLOEXEC) into
 * *dirfd, which the caller closes. Reading through one dirfd pins the process:
 * should it exit and its PID be reused, the reads fail with PROCFS_GONE
 * instead of describing the newcomer. */
int procfs_pid_open(const char *proc_root, pid_t pid, int *dirfd);

/* The *_at readers take a dirfd from procfs_pid_open. */
int procfs_stat_at(int dirfd, struct proc_stat *out);

/* The real UID (first field of "Uid:" in status). Not the owner of the
 * /proc/<pid> directory: that is the effective UID, and the kernel shows
 * root there for any non-dumpable task (setuid programs, prctl), which
 * would misplace such a task on either side of the same-user boundary. */
int procfs_uid_at(int dirfd, uid_t *out);

/* /proc/<pid>/comm without its trailing newline, NUL-terminated, raw bytes
 * (unsanitised); cap >= 1. *len (may be NULL) gets the byte count. */
int procfs_comm_at(int dirfd, char *buf, size_t cap, size_t *len);

/* /proc/<pid>/cmdline: NUL-separated argv, at most cap - 1 bytes (the rest is
 * not read), always followed by a NUL at buf[*len]. *len is 0 for a kernel
 * thread or a zombie. A task that rewrote its argv (setproctitle) may have no
 * NUL separators at all. Raw bytes: sanitise before display. cap >= 1. */
int procfs_cmdline_at(int dirfd, char *buf, size_t cap, size_t *len);

/* Any other file of the process (cgroup, maps, ...): at most cap bytes (the
 * rest is not read); *len gets the count. Not NUL-terminated. */
int procfs_file_at(int dirfd, const char *name, char *buf, size_t cap, size_t *len);

/* Convenience forms: open <proc_root>/<pid>, read one file, close. */
int procfs_read_stat(const char *proc_root, pid_t pid, struct proc_stat *out);
int procfs_read_uid(const char *proc_root, pid_t pid, uid_t *out);
int procfs_read_comm(const char *proc_root, pid_t pid, char *buf, size_t cap, size_t *len);
int procfs_read_cmdline(const char *proc_root, pid_t pid, char *buf, size_t cap, size_t *len);

/* The name a user expects for a process (what ps -o comm, nvitop and htop
 * show), sanitised into out (cap >= 1); returns its length. comm is the
 * kernel's name, cut by it at 15 bytes; when it is that long (or empty) and
 * the basename of argv[0] (cmdline up to its first NUL; for a rewritten
 * argv, up to its first space) starts with it, that basename is the full
 * name ("python3.11-wrapper" rather than "python3.11-wrap"). Otherwise comm
 * wins: argv[0] is whatever the process claims, comm is what it runs as. */
size_t procfs_best_name(const char *comm, size_t comm_len, const char *cmdline, size_t cmd_len,
                        char *out, size_t cap);

/* A short name for a status: "ok", "gone", "permission denied", ... (static). */
const char *procfs_status_name(int status);

#endif
