/* nvml_names.c: NVML's names of other users' processes, cached per GPU by
 * process identity so a steady refresh makes no nvmlSystemGetProcessName call.
 *
 * The cache of a GPU holds the rows of the previous refresh; a row is reused
 * when both pid and starttime match (a recycled PID has another starttime, so
 * it is asked again). Two arrays are swapped each refresh and keep their
 * capacity: no allocation in the steady state. */
#include "source/nvml_api.h"

#include <string.h>

#include "core/sanitize.h"
#include "core/xalloc.h"

void nvml_names_begin(struct nvml_gpu *g)
{
	struct nvml_name *t = g->names_prev;
	g->names_prev = g->names;
	g->names = t;
	g->nnames_prev = g->nnames;
	g->nnames = 0;
	if (g->names_cap < g->nrows) {
		size_t cap = g->nrows + g->nrows / 2 + 4;
		g->names = xreallocarray(g->names, cap, sizeof(*g->names));
		g->names_prev = xreallocarray(g->names_prev, cap, sizeof(*g->names_prev));
		g->names_cap = cap;
	}
}

static const struct nvml_name *cache_find(const struct nvml_gpu *g, pid_t pid, uint64_t start,
                                          size_t hint)
{
	/* rows usually come in the same order as last time: try the same slot first */
	if (hint < g->nnames_prev && g->names_prev[hint].pid == pid &&
	    g->names_prev[hint].starttime == start)
		return &g->names_prev[hint];
	for (size_t i = 0; i < g->nnames_prev; i++)
		if (g->names_prev[i].pid == pid && g->names_prev[i].starttime == start)
			return &g->names_prev[i];
	return NULL;
}

void nvml_names_fill(struct nvml_source *s, struct nvml_gpu *g, struct snap_proc *p)
{
	uint64_t start = (p->flags & PF_START_VALID) ? p->starttime : 0;
	const struct nvml_name *c = cache_find(g, p->pid, start, g->nnames);
	struct nvml_name *e = &g->names[g->nnames++]; /* names_cap >= nrows */

	if (c) {
		*e = *c;
	} else {
		char buf[1024];
		memset(buf, 0, sizeof(buf));
		e->pid = p->pid;
		e->starttime = start;
		e->valid =
		    s->fns.system_get_process_name((unsigned int)p->pid, buf, sizeof(buf) - 1) ==
		        NVML_SUCCESS &&
		    vt_sanitize(e->name, sizeof(e->name), buf, strnlen(buf, sizeof(buf))) > 0;
		if (!e->valid)
			e->name[0] = '\0';
	}
	if (e->valid) {
		memcpy(p->name, e->name, sizeof(p->name));
		p->flags |= PF_NAME_VALID;
	}
}
