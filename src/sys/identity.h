/* identity.h: a process is (pid, starttime) -- SPEC §2. A PID alone names
 * whoever holds it now; with the starttime it names one process for life, so
 * state keyed by it never passes to a recycled PID and nothing is signalled
 * after the PID changed hands. */
#ifndef VT_IDENTITY_H
#define VT_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sys/procfs.h"

struct proc_identity {
	pid_t pid;
	uint64_t starttime; /* field 22 of /proc/<pid>/stat, clock ticks after boot */
};

/* Outcomes of proc_identity_verify besides VT_OK (= the same process, alive
 * or a zombie not yet reaped). Failures to read are PROCFS_* (negative). */
enum proc_identity_result {
	PROC_ID_GONE = 1,     /* no process holds the PID any more */
	PROC_ID_RECYCLED = 2, /* the PID belongs to a different, newer process */
};

bool proc_identity_equal(const struct proc_identity *a, const struct proc_identity *b);

/* Reads the identity of whatever process holds pid now. VT_OK or PROCFS_*. */
int proc_identity_read(const char *proc_root, pid_t pid, struct proc_identity *out);

/* Is id still the process holding id->pid? VT_OK, PROC_ID_GONE,
 * PROC_ID_RECYCLED, or a negative PROCFS_* when it cannot tell (the caller
 * must then treat the process as not verified). */
int proc_identity_verify(const char *proc_root, const struct proc_identity *id);

/* For signalling without a race: opens a pidfd for id->pid and verifies the
 * identity AFTER opening it, so a verified pidfd refers to that very process
 * (a PID recycled in between shows up as PROC_ID_RECYCLED). On VT_OK *pidfd
 * is the caller's to close (use it with pidfd_send_signal); otherwise it is
 * -1. Uses the real /proc's pidfd_open, so proc_root must describe this
 * system's PID namespace. Returns what proc_identity_verify does, or
 * PROCFS_IOERR when the kernel lacks pidfd_open (before Linux 5.3). */
int proc_identity_pidfd(const char *proc_root, const struct proc_identity *id, int *pidfd);

#endif
