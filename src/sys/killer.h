/* killer.h: signalling a process on a user's request, with SPEC §5's
 * safeguards in code: only a process of the caller's real UID (root gets no
 * exception: its DAC override never widens the boundary), the identity
 * (pid, starttime) re-verified through a pidfd right before the signal, so a
 * PID recycled since the user confirmed is never signalled, and every
 * action and refusal appended to an audit log (directory 0700, file 0600,
 * no symlinks followed). */
#ifndef VT_KILLER_H
#define VT_KILLER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sys/identity.h"

enum killer_result {
	KILLER_SENT = 0,
	KILLER_OTHER_USER, /* refused: not the caller's process */
	KILLER_CHANGED,    /* refused: the PID now names another process, or none */
	KILLER_UNVERIFIED, /* refused: the identity could not be checked */
	KILLER_FAILED,     /* the signal itself failed (errno in the message) */
};

struct killer_opts {
	const char *proc_root;  /* "/proc" */
	uid_t self_uid;         /* getuid(), the real UID */
	const char *audit_path; /* NULL: killer_audit_path() */
};

/* $XDG_DATA_HOME/vramtop/audit.log or ~/.local/share/vramtop/audit.log,
 * into buf. Returns buf ("" when no home is known). */
char *killer_audit_path(char *buf, size_t len);

/* Sends sig to the process id names, if it is still that process and the
 * caller's. what (e.g. the name) goes to the audit line. msg gets one
 * sentence for the screen. The audit line is written whatever the outcome. */
enum killer_result killer_signal(const struct killer_opts *o, const struct proc_identity *id,
                                 int sig, const char *what, char *msg, size_t msglen);

/* Appends one audit line without signalling (a refusal decided before any
 * signal, e.g. the UI declining another user's process). */
void killer_audit(const struct killer_opts *o, const struct proc_identity *id, int sig,
                  const char *what, const char *outcome);

/* Whether the process id names is still alive and the same (for the
 * escalation offer after SIGTERM). */
int killer_alive(const struct killer_opts *o, const struct proc_identity *id);

#endif
