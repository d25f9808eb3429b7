/* proc_fixture.h: fake /proc trees in a temporary directory, and a real
 * child process, for the tests of src/sys and src/enrich: one writer of the
 * files /proc has, so the tests agree on what they look like. */
#ifndef VT_TEST_PROC_FIXTURE_H
#define VT_TEST_PROC_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FX_PATH_MAX 512

/* Creates an empty directory under $TMPDIR (or /tmp) into root. */
void fx_root_make(char *root, size_t cap);
/* Removes the tree again. */
void fx_root_remove(const char *root);
/* Writes <root>/<pid>/<file> with len bytes of data (creating <pid>/). */
void fx_write(const char *root, pid_t pid, const char *file, const void *data, size_t len);
/* <root>/<pid>/stat: the given comm, state R, ppid, starttime. */
void fx_stat(const char *root, pid_t pid, const char *comm, pid_t ppid, uint64_t starttime);
/* A whole process: stat (with the given comm, state R, ppid 1, starttime),
 * status (Name and Uid lines), comm, and cmdline (cmd_len bytes). */
void fx_process(const char *root, pid_t pid, const char *comm, uint64_t starttime, uid_t uid,
                const char *cmdline, size_t cmd_len);
/* <root>/<pid>/fd/<n>, a link to target (a path, or "socket:[...]"). */
void fx_fd(const char *root, pid_t pid, int n, const char *target);
/* A real file <root>/<name> of `bytes` bytes; its path into path. */
void fx_file(const char *root, const char *name, size_t bytes, char *path, size_t cap);
/* Removes <root>/<pid>/ (the process exits). */
void fx_remove_pid(const char *root, pid_t pid);

/* Starts `sleep 30` as a child (with argv[0] = argv0); returns its PID.
 * fx_child_end kills and reaps it. */
pid_t fx_child_start(const char *argv0);
void fx_child_end(pid_t pid);

/* Runs fn(arg) in a forked child that, when we are root, first drops to
 * UID/GID 65534 (so mode-000 files really refuse reads); returns the
 * child's exit status (fn's return value), or -1 if it did not exit. */
int fx_run_unprivileged(int (*fn)(void *), void *arg);

#endif
