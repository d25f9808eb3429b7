/* killer.c: same-user, identity-verified signals with an audit log (see
 * killer.h). */
#include "sys/killer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/sanitize.h"
#include "sys/outfile.h"
#include "sys/procfs.h"
#include "sys/users.h"

char *killer_audit_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (xdg && xdg[0] == '/')
		snprintf(buf, len, "%s/vramtop/audit.log", xdg);
	else if (home && home[0] == '/')
		snprintf(buf, len, "%s/.local/share/vramtop/audit.log", home);
	else
		buf[0] = '\0';
	return buf;
}

/* mkdir -p of path's directory, the last level 0700. */
static void make_dirs(const char *path)
{
	char d[4096];
	snprintf(d, sizeof(d), "%s", path);
	char *slash = strrchr(d, '/');
	if (!slash || slash == d)
		return;
	*slash = '\0';
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(d, 0755);
		*p = '/';
	}
	mkdir(d, 0700);
}

void killer_audit(const struct killer_opts *o, const struct proc_identity *id, int sig,
                  const char *what, const char *outcome)
{
	char path[4096], err[256], line[768], name[160], when[32];
	if (o->audit_path)
		snprintf(path, sizeof(path), "%s", o->audit_path);
	else
		killer_audit_path(path, sizeof(path));
	if (!path[0])
		return;
	make_dirs(path);
	off_t size;
	int fd = outfile_open(path, false, &size, err, sizeof(err));
	if (fd < 0)
		return;
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", localtime_r(&now, &tm));
	vt_sanitize(name, sizeof(name), what ? what : "", what ? strlen(what) : 0);
	int n = snprintf(line, sizeof(line),
	                 "%s uid=%u pid=%d starttime=%llu signal=%s name=\"%s\" %s\n", when,
	                 (unsigned)o->self_uid, (int)id->pid, (unsigned long long)id->starttime,
	                 sig == SIGKILL ? "SIGKILL" : "SIGTERM", name, outcome);
	if (n > 0)
		outfile_append(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	close(fd);
}

enum killer_result killer_signal(const struct killer_opts *o, const struct proc_identity *id,
                                 int sig, const char *what, char *msg, size_t msglen)
{
	int pidfd = -1;
	int rc = proc_identity_pidfd(o->proc_root, id, &pidfd);
	if (rc == PROC_ID_GONE || rc == PROC_ID_RECYCLED) {
		snprintf(msg, msglen, "PID %d is no longer the process you chose: not signalled",
		         (int)id->pid);
		killer_audit(o, id, sig, what, "refused: identity changed");
		return KILLER_CHANGED;
	}
	if (rc != VT_OK) {
		snprintf(msg, msglen, "PID %d could not be verified: not signalled", (int)id->pid);
		killer_audit(o, id, sig, what, "refused: not verified");
		return KILLER_UNVERIFIED;
	}
	/* the owner, read through the verified process's own directory */
	uid_t uid;
	if (procfs_read_uid(o->proc_root, id->pid, &uid) != VT_OK ||
	    !users_same(o->self_uid, uid)) {
		close(pidfd);
		snprintf(msg, msglen, "PID %d belongs to another user: not signalled",
		         (int)id->pid);
		killer_audit(o, id, sig, what, "refused: another user's process");
		return KILLER_OTHER_USER;
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) != 0) {
		int e = errno;
		close(pidfd);
		snprintf(msg, msglen, "signalling PID %d failed: %s", (int)id->pid, strerror(e));
		killer_audit(o, id, sig, what, "failed");
		return KILLER_FAILED;
	}
	close(pidfd);
	snprintf(msg, msglen, "%s sent to PID %d", sig == SIGKILL ? "SIGKILL" : "SIGTERM",
	         (int)id->pid);
	killer_audit(o, id, sig, what, "sent");
	return KILLER_SENT;
}

int killer_alive(const struct killer_opts *o, const struct proc_identity *id)
{
	return proc_identity_verify(o->proc_root, id);
}
