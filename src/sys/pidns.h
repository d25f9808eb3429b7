/* pidns.h: are we inside a child PID namespace (a container without
 * --pid=host)? Then NVML reports host PIDs that our /proc does not show. */
#ifndef VT_PIDNS_H
#define VT_PIDNS_H

#include <stdbool.h>
#include <stddef.h>

/* Pure: from the text of /proc/self/status, true when its "NSpid:" line lists
 * more than one PID (we are seen from an outer namespace too). */
bool pidns_status_is_child(const char *status, size_t len);
/* Reads /proc/self/status once and remembers the answer. */
bool pidns_is_child(void);

#endif
