/* users.h: the same-user boundary (SPEC §2) and UID -> user name lookups.
 * Not thread-safe: the name cache is process-wide and meant for the one
 * thread of the main loop. */
#ifndef VT_USERS_H
#define VT_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* True only when target is self_real_uid (pass getuid(), the real UID, not
 * the effective one). Deliberately no exception for root: root can read any
 * /proc entry and signal any process, but vramtop run as root still treats
 * other users' processes as other users' -- no cmdline, maps, environ, no
 * kill -- so running it under sudo does not widen what it reveals or does.
 * Root's own processes (self 0, target 0) are same-user. */
bool users_same(uid_t self_real_uid, uid_t target);

/* Writes the user name of uid into buf (capacity cap >= 1, cut on a
 * character boundary, sanitised), or the decimal number when the passwd
 * database has no entry. Returns the length written. Lookups go through
 * getpwuid_r once per UID; later calls are served from a small cache
 * (64 entries, oldest replaced), unknown UIDs included, so a steady
 * refresh neither allocates nor touches NSS. */
size_t users_name(uid_t uid, char *buf, size_t cap);

/* Forgets the cache (after a config reload, and for tests). */
void users_cache_clear(void);

/* How many getpwuid_r lookups have been made since start (for tests). */
unsigned long users_lookups(void);

#endif
