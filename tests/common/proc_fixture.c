/* proc_fixture.c: fake /proc trees and a real child process (proc_fixture.h). */
#include "proc_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void fx_die(const char *what)
{
	fprintf(stderr, "fixture: %s: %s\n", what, strerror(errno));
	abort();
}

void fx_root_make(char *root, size_t cap)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(root, cap, "%s/vt-proc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		fx_die("mkdtemp");
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	chmod(path, 0700);
	return remove(path);
}

void fx_root_remove(const char *root)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void fx_write(const char *root, pid_t pid, const char *file, const void *data, size_t len)
{
	char path[FX_PATH_MAX];
	snprintf(path, sizeof(path), "%s/%d", root, (int)pid);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		fx_die("mkdir");
	snprintf(path, sizeof(path), "%s/%d/%s", root, (int)pid, file);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fx_die("open");
	if (len && write(fd, data, len) != (ssize_t)len)
		fx_die("write");
	close(fd);
}

void fx_stat(const char *root, pid_t pid, const char *comm, pid_t ppid, uint64_t starttime)
{
	char buf[1024];
	int n =
	    snprintf(buf, sizeof(buf),
	             "%d (%s) R %d %d %d 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 %llu "
	             "12345678 1000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n",
	             (int)pid, comm, (int)ppid, (int)pid, (int)pid, (unsigned long long)starttime);
	fx_write(root, pid, "stat", buf, (size_t)n);
}

void fx_process(const char *root, pid_t pid, const char *comm, uint64_t starttime, uid_t uid,
                const char *cmdline, size_t cmd_len)
{
	char buf[1024];
	int n;
	fx_stat(root, pid, comm, 1, starttime);
	n = snprintf(buf, sizeof(buf),
	             "Name:\t%s\nUmask:\t0022\nState:\tR (running)\nTgid:\t%d\nNgid:\t0\n"
	             "Pid:\t%d\nPPid:\t1\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t0\t0\t0\t0\n",
	             comm, (int)pid, (int)pid, (unsigned)uid, (unsigned)uid, (unsigned)uid,
	             (unsigned)uid);
	fx_write(root, pid, "status", buf, (size_t)n);
	n = snprintf(buf, sizeof(buf), "%s\n", comm);
	fx_write(root, pid, "comm", buf, (size_t)n);
	fx_write(root, pid, "cmdline", cmdline, cmd_len);
}

void fx_fd(const char *root, pid_t pid, int n, const char *target)
{
	char path[FX_PATH_MAX * 2];
	snprintf(path, sizeof(path), "%s/%d/fd", root, (int)pid);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		fx_die("mkdir");
	snprintf(path, sizeof(path), "%s/%d/fd/%d", root, (int)pid, n);
	if (symlink(target, path) != 0)
		fx_die("symlink");
}

void fx_file(const char *root, const char *name, size_t bytes, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", root, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fx_die("open");
	if (ftruncate(fd, (off_t)bytes) != 0)
		fx_die("ftruncate");
	close(fd);
}

void fx_remove_pid(const char *root, pid_t pid)
{
	char path[FX_PATH_MAX];
	snprintf(path, sizeof(path), "%s/%d", root, (int)pid);
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

pid_t fx_child_start(const char *argv0)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		fx_die("pipe2");
	pid_t pid = fork();
	if (pid < 0)
		fx_die("fork");
	if (pid == 0) {
		char *argv[] = {(char *)argv0, "30", NULL};
		execv("/bin/sleep", argv);
		execv("/usr/bin/sleep", argv);
		_exit(127);
	}
	/* the pipe closes on exec (O_CLOEXEC): after this read, /proc shows sleep */
	close(fds[1]);
	char c;
	while (read(fds[0], &c, 1) < 0 && errno == EINTR)
		;
	close(fds[0]);
	return pid;
}

void fx_child_end(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int fx_run_unprivileged(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid < 0)
		fx_die("fork");
	if (pid == 0) {
		if (geteuid() == 0 &&
		    (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
		     setresuid(65534, 65534, 65534) != 0))
			_exit(100);
		_exit(fn(arg));
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fx_die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
