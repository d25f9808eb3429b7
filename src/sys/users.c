/* users.c: the same-user check and a cached UID -> name map. */
#include "sys/users.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/snapshot.h"
#include "core/xalloc.h"

#define USERS_CACHE_SIZE 64

struct users_entry {
	uid_t uid;
	bool used;
	char name[VT_USER_MAX];
};

static struct users_entry cache[USERS_CACHE_SIZE];
static size_t cache_next; /* round-robin victim */
static unsigned long lookups;

bool users_same(uid_t self_real_uid, uid_t target)
{
	return self_real_uid == target;
}

/* Fills name (VT_USER_MAX bytes) from the passwd database or the number. */
static void users_lookup(uid_t uid, char *name)
{
	struct passwd pw, *res = NULL;
	char pwbuf[4096]; /* ERANGE on a huge entry falls back to the number */

	lookups++;
	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res && res->pw_name &&
	    vt_sanitize_str(name, VT_USER_MAX, res->pw_name) > 0)
		return;
	snprintf(name, VT_USER_MAX, "%lu", (unsigned long)uid);
}

size_t users_name(uid_t uid, char *buf, size_t cap)
{
	struct users_entry *e = NULL;

	for (size_t i = 0; i < USERS_CACHE_SIZE; i++) {
		if (cache[i].used && cache[i].uid == uid) {
			e = &cache[i];
			break;
		}
	}
	if (!e) {
		e = &cache[cache_next];
		cache_next = (cache_next + 1) % USERS_CACHE_SIZE;
		e->uid = uid;
		e->used = true;
		users_lookup(uid, e->name);
	}
	return vt_strlcpy(buf, e->name, cap);
}

void users_cache_clear(void)
{
	memset(cache, 0, sizeof(cache));
	cache_next = 0;
}

unsigned long users_lookups(void)
{
	return lookups;
}
