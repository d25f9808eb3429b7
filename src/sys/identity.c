/* identity.c: (pid, starttime) process identities and their re-verification. */
#include "sys/identity.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

bool proc_identity_equal(const struct proc_identity *a, const struct proc_identity *b)
{
	return a->pid == b->pid && a->starttime == b->starttime;
}

int proc_identity_read(const char *proc_root, pid_t pid, struct proc_identity *out)
{
	struct proc_stat st;
	int rc = procfs_read_stat(proc_root, pid, &st);

	out->pid = pid;
	out->starttime = 0;
	if (rc != VT_OK)
		return rc;
	if (st.pid != pid)
		return PROCFS_BADFMT; /* a stat file that names another PID */
	out->starttime = st.starttime;
	return VT_OK;
}

int proc_identity_verify(const char *proc_root, const struct proc_identity *id)
{
	struct proc_identity now;
	int rc = proc_identity_read(proc_root, id->pid, &now);

	if (rc == PROCFS_GONE)
		return PROC_ID_GONE;
	if (rc != VT_OK)
		return rc;
	return now.starttime == id->starttime ? VT_OK : PROC_ID_RECYCLED;
}

int proc_identity_pidfd(const char *proc_root, const struct proc_identity *id, int *pidfd)
{
	*pidfd = -1;
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, id->pid, 0);
	if (fd < 0)
		return errno == ESRCH ? PROC_ID_GONE : PROCFS_IOERR;
	int rc = proc_identity_verify(proc_root, id);
	if (rc != VT_OK) {
		close(fd);
		return rc;
	}
	*pidfd = fd;
	return VT_OK;
#else
	(void)proc_root;
	(void)id;
	return PROCFS_IOERR;
#endif
}
