/* pidns.h: are we inside a child PID namespace (a container without
 * --pid=host)? Then NVML reports host PIDs that our /proc does not show.
 *
 * Two signs, either enough: /proc/self/ns/pid names another namespace than
 * the initial one (whose inode is PIDNS_INIT_INO on every kernel since 3.8)
 * -- this is the one a container shows, since its /proc is its own procfs,
 * where NSpid lists one PID; or the "NSpid:" line of /proc/self/status lists
 * more than one PID (a child namespace seen through an outer /proc). */
#ifndef VT_PIDNS_H
#define VT_PIDNS_H

#include <stdbool.h>
#include <stddef.h>

#define PIDNS_INIT_INO 4026531836UL /* the kernel's PROC_PID_INIT_INO, 0xeffffffc */

/* Pure: from the text of /proc/self/status, true when its "NSpid:" line lists
 * more than one PID (we are seen from an outer namespace too). */
bool pidns_status_is_child(const char *status, size_t len);
/* Pure: from the target of /proc/self/ns/pid ("pid:[4026531836]"), true when
 * it names a namespace other than the initial one; false when it is not of
 * that form. */
bool pidns_link_is_child(const char *link, size_t len);
/* At a /proc/<pid> directory (O_PATH will do): either sign. */
bool pidns_is_child_at(int dirfd);
/* Reads /proc/self once and remembers the answer. */
bool pidns_is_child(void);

#endif
