/* proc_resolve.c: one process row's identity, owner and (same-user) name. */
#include "sys/proc_resolve.h"

#include "core/sanitize.h"

#include <string.h>
#include <unistd.h>

#include "sys/procfs.h"
#include "sys/users.h"

/* The flags this module decides; PF_NAME_VALID is only ever set here, since
 * a source (a replay) may have filled the name itself. */
#define RESOLVE_FLAGS (PF_START_VALID | PF_UID_VALID | PF_SAME_USER | PF_GONE)

void proc_resolve_opts_default(struct proc_resolve_opts *o)
{
	o->proc_root = "/proc";
	o->self_uid = getuid();
}

static void mark_gone(struct snap_proc *p)
{
	p->flags &= ~(uint32_t)RESOLVE_FLAGS;
	p->flags |= PF_GONE;
	p->starttime = 0;
	p->uid = 0;
	p->user[0] = '\0';
}

/* Reads the name of a same-user process through its pinned directory.
 * Returns PROCFS_GONE if the process vanished meanwhile. */
static int resolve_name(struct snap_proc *p, int dirfd, const struct proc_stat *st)
{
	char comm[PROCFS_COMM_MAX];
	size_t comm_len;
	char cmdline[4096];
	size_t cmd_len = 0;
	int rc;

	if (st) {
		memcpy(comm, st->comm, st->comm_len + 1);
		comm_len = st->comm_len;
	} else {
		rc = procfs_comm_at(dirfd, comm, sizeof(comm), &comm_len);
		if (rc == PROCFS_GONE)
			return rc;
	}
	rc = procfs_cmdline_at(dirfd, cmdline, sizeof(cmdline), &cmd_len);
	if (rc == PROCFS_GONE)
		return rc;
	if (procfs_best_name(comm, comm_len, cmdline, cmd_len, p->name, sizeof(p->name)) > 0)
		p->flags |= PF_NAME_VALID;
	/* the command line: argv joined by spaces, sanitised */
	for (size_t i = 0; i < cmd_len; i++)
		if (cmdline[i] == '\0')
			cmdline[i] = ' ';
	while (cmd_len && cmdline[cmd_len - 1] == ' ')
		cmd_len--;
	if (cmd_len && vt_sanitize(p->cmd, sizeof(p->cmd), cmdline, cmd_len) > 0)
		p->flags |= PF_CMD_VALID;
	return VT_OK;
}

void proc_resolve(struct snap_proc *p, const struct proc_resolve_opts *o)
{
	struct proc_stat st;
	bool have_stat = false;
	uid_t uid;
	int dirfd, rc;

	p->flags &= ~(uint32_t)RESOLVE_FLAGS;
	p->starttime = 0;
	p->uid = 0;
	p->user[0] = '\0';

	rc = procfs_pid_open(o->proc_root, p->pid, &dirfd);
	if (rc == PROCFS_GONE)
		mark_gone(p);
	if (rc != VT_OK)
		return;

	rc = procfs_stat_at(dirfd, &st);
	if (rc == PROCFS_GONE)
		goto gone;
	if (rc == VT_OK && st.pid == p->pid) {
		p->starttime = st.starttime;
		p->flags |= PF_START_VALID;
		have_stat = true;
	}

	rc = procfs_uid_at(dirfd, &uid);
	if (rc == PROCFS_GONE)
		goto gone;
	if (rc != VT_OK)
		goto done; /* owner unknown: never same-user */
	p->uid = (uint32_t)uid;
	p->flags |= PF_UID_VALID;
	users_name(uid, p->user, sizeof(p->user));

	if (!users_same(o->self_uid, uid))
		goto done;
	p->flags |= PF_SAME_USER;
	if (resolve_name(p, dirfd, have_stat ? &st : NULL) == PROCFS_GONE)
		goto gone;
done:
	close(dirfd);
	return;
gone:
	close(dirfd);
	mark_gone(p);
}
