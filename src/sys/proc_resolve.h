/* proc_resolve.h: fill a process row's identity and owner from /proc, under
 * the same-user boundary (SPEC §2): starttime and uid are read for every
 * process; name/cmdline only for processes of our real UID -- checked in code,
 * so root's DAC override does not widen it. */
#ifndef VT_PROC_RESOLVE_H
#define VT_PROC_RESOLVE_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/snapshot.h"

struct proc_resolve_opts {
	const char *proc_root; /* "/proc"; tests point it at a fixture tree */
	uid_t self_uid;        /* getuid(), the real UID */
};

void proc_resolve_opts_default(struct proc_resolve_opts *o);

/* Fills p->starttime, uid, user (name from the passwd db, or the number),
 * flags (PF_START_VALID, PF_UID_VALID, PF_SAME_USER, PF_NAME_VALID, PF_GONE)
 * and, for same-user processes only, p->name (sanitised comm / argv[0]
 * basename). Never fails: what cannot be read stays unset. */
void proc_resolve(struct snap_proc *p, const struct proc_resolve_opts *o);

#endif
