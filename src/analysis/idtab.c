/* idtab.c: identity-keyed state aligned to the input order (see idtab.h).
 * A sync builds the new order in a spare array (copying each surviving
 * element once) and swaps the arrays: O(n) when the order is unchanged. */
#include "analysis/idtab.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void idtab_init(struct idtab *t, size_t elem_size, size_t max)
{
	if (elem_size < sizeof(struct idtab_key))
		elem_size = sizeof(struct idtab_key);
	*t = (struct idtab){.elem_size = elem_size, .max = max ? max : 1};
}

void idtab_free(struct idtab *t)
{
	free(t->slots);
	free(t->spare);
	free(t->claimed);
	free(t->index);
	t->slots = t->spare = NULL;
	t->claimed = NULL;
	t->index = NULL;
	t->n = t->cap = t->index_cap = 0;
}

void *idtab_at(const struct idtab *t, size_t j)
{
	return t->slots + j * t->elem_size;
}

static bool key_eq(const unsigned char *e, const struct pred_proc_sample *p)
{
	struct idtab_key k;
	memcpy(&k, e, sizeof(k));
	return k.pid == p->pid && k.starttime == p->starttime;
}

static size_t key_hash(pid_t pid, uint64_t starttime, size_t mask)
{
	uint64_t h =
	    (uint64_t)(uint32_t)pid * 0x9e3779b97f4a7c15ull ^ starttime * 0xbf58476d1ce4e5b9ull;
	return (size_t)(h ^ (h >> 29)) & mask;
}

/* An index of the old slots by identity (open addressing, slot+1, 0 empty),
 * so a sync in a new order costs O(n), not O(n^2). */
static void index_build(struct idtab *t)
{
	memset(t->index, 0, t->index_cap * sizeof(*t->index));
	size_t mask = t->index_cap - 1;
	for (size_t k = 0; k < t->n; k++) {
		struct idtab_key key;
		memcpy(&key, idtab_at(t, k), sizeof(key));
		size_t i = key_hash(key.pid, key.starttime, mask);
		while (t->index[i])
			i = (i + 1) & mask;
		t->index[i] = k + 1;
	}
}

static size_t find_old(const struct idtab *t, size_t hint, const struct pred_proc_sample *p)
{
	if (hint < t->n && !t->claimed[hint] && key_eq(idtab_at(t, hint), p))
		return hint;
	if (!t->n)
		return SIZE_MAX;
	size_t mask = t->index_cap - 1;
	for (size_t i = key_hash(p->pid, p->starttime, mask); t->index[i]; i = (i + 1) & mask) {
		size_t k = t->index[i] - 1;
		if (!t->claimed[k] && key_eq(idtab_at(t, k), p))
			return k;
	}
	return SIZE_MAX;
}

size_t idtab_sync(struct idtab *t, const struct pred_proc_sample *procs, size_t nprocs, bool *fresh)
{
	size_t want = nprocs < t->max ? nprocs : t->max;
	if (want > t->cap) {
		size_t cap = t->cap ? t->cap : 8;
		while (cap < want)
			cap *= 2;
		if (cap > t->max)
			cap = t->max;
		t->slots = xreallocarray(t->slots, cap, t->elem_size);
		t->spare = xreallocarray(t->spare, cap, t->elem_size);
		t->claimed = xreallocarray(t->claimed, cap, sizeof(bool));
		t->cap = cap;
		/* the index is sized with the slots, so a re-sync never allocates */
		size_t icap = 16;
		while (icap < 2 * cap)
			icap *= 2;
		t->index = xreallocarray(t->index, icap, sizeof(*t->index));
		t->index_cap = icap;
	}
	if (want == t->n) { /* the steady state: same processes, same order */
		size_t j = 0;
		while (j < want && key_eq(idtab_at(t, j), &procs[j]))
			j++;
		if (j == want) {
			if (fresh)
				for (j = 0; j < nprocs; j++)
					fresh[j] = j >= want;
			return want;
		}
	}
	if (t->n) {
		memset(t->claimed, 0, t->n * sizeof(bool));
		index_build(t);
	}
	for (size_t j = 0; j < want; j++) {
		unsigned char *dst = t->spare + j * t->elem_size;
		size_t k = find_old(t, j, &procs[j]);
		if (k != SIZE_MAX) {
			memcpy(dst, idtab_at(t, k), t->elem_size);
			t->claimed[k] = true;
		} else {
			memset(dst, 0, t->elem_size);
			struct idtab_key key = {procs[j].pid, procs[j].starttime};
			memcpy(dst, &key, sizeof(key));
		}
		if (fresh)
			fresh[j] = k == SIZE_MAX;
	}
	if (fresh)
		for (size_t j = want; j < nprocs; j++)
			fresh[j] = true;
	unsigned char *tmp = t->slots;
	t->slots = t->spare;
	t->spare = tmp;
	t->n = want; /* identities left unclaimed are gone */
	return want;
}
