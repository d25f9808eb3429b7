/* idtab.h: per-process state keyed by identity (pid, starttime), kept in the
 * order of the latest input so that lookups are O(1) in the steady state. A
 * recycled PID (same pid, other starttime) gets fresh state; an identity
 * missing from an update is dropped. The table grows only when more processes
 * than ever before are present, and never beyond its bound. */
#ifndef VT_IDTAB_H
#define VT_IDTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "analysis/predictor.h"

/* Every element type starts with this key. */
struct idtab_key {
	pid_t pid;
	uint64_t starttime;
};

struct idtab {
	unsigned char *slots; /* owned; elem_size bytes each, n in use */
	unsigned char *spare; /* owned; the next sync builds here, then swaps */
	bool *claimed;        /* owned; per slot, during a sync */
	size_t *index;        /* owned; old slots by identity, during a sync */
	size_t index_cap;
	size_t elem_size;
	size_t n, cap, max;
};

void idtab_init(struct idtab *t, size_t elem_size, size_t max);
void idtab_free(struct idtab *t);
/* Align the table with procs[0..nprocs): afterwards element j (for j <
 * the returned count) belongs to procs[j]; fresh[j] is set for an identity
 * not seen in the previous sync (its element is zeroed apart from the key).
 * The count is min(nprocs, max): later processes get no state. fresh must
 * hold nprocs entries (or be NULL). */
size_t idtab_sync(struct idtab *t, const struct pred_proc_sample *procs, size_t nprocs,
                  bool *fresh);
/* Element j, valid until the next sync. */
void *idtab_at(const struct idtab *t, size_t j);

#endif
