/* proc_cache.h: proc_resolve with a memory. A process resolved on an earlier
 * refresh is not read from /proc again while it lives: each refresh checks
 * the liveness of every cached process with one poll() over pidfds (a pidfd
 * names one process for life, so a recycled PID can never inherit a cached
 * identity). Names are re-read every PROC_CACHE_REFRESH refreshes, since a
 * process may exec. Falls back to plain proc_resolve when pidfds are
 * unavailable or proc_root is not this system's /proc. */
#ifndef VT_PROC_CACHE_H
#define VT_PROC_CACHE_H

#include <stddef.h>

#include "sys/proc_resolve.h"

#define PROC_CACHE_MAX 1024 /* processes remembered (and pidfds held) at most */
/* fds left for everything else (traces, sockets, scrapes, clients): a
 * quarter of RLIMIT_NOFILE, at least PROC_CACHE_FD_RESERVE */
#define PROC_CACHE_FD_RESERVE 64
#define PROC_CACHE_REFRESH                                                                         \
	64 /* re-read a cached process every N refreshes (names change only on exec) */

struct proc_cache;

struct proc_cache_stats {
	unsigned long hits, misses, exited;
	size_t cap; /* pidfds held at most: PROC_CACHE_MAX, or less under RLIMIT_NOFILE */
};

/* The pidfds a cache may hold under a soft RLIMIT_NOFILE of nofile. */
size_t proc_cache_cap(unsigned long long nofile);

/* o is copied (proc_root must outlive the cache). Never NULL. */
struct proc_cache *proc_cache_new(const struct proc_resolve_opts *o);
/* Start of a refresh: finds the cached processes that exited. */
void proc_cache_begin(struct proc_cache *c);
/* Fills p like proc_resolve does. */
void proc_cache_resolve(struct proc_cache *c, struct snap_proc *p);
/* End of a refresh: forgets the processes not seen in it. */
void proc_cache_end(struct proc_cache *c);
const struct proc_cache_stats *proc_cache_stats(const struct proc_cache *c);
void proc_cache_free(struct proc_cache *c);

#endif
