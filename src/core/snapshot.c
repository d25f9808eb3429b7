/* snapshot.c: storage for struct snapshot; capacity is kept across resets. */
#include "core/snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

const struct snap_deep_field snap_deep_fields[SNAP_DEEP_NFIELDS] = {
    {"allocated", offsetof(struct snap_deep, allocated)},
    {"reserved", offsetof(struct snap_deep, reserved)},
    {"active", offsetof(struct snap_deep, active)},
    {"peak_allocated", offsetof(struct snap_deep, peak_allocated)},
    {"alloc_retries", offsetof(struct snap_deep, alloc_retries)},
    {"ooms", offsetof(struct snap_deep, ooms)},
};

void snapshot_init(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
}

void snapshot_reset(struct snapshot *s)
{
	s->time = 0;
	s->driver_valid = false;
	s->driver_version[0] = '\0';
	s->ngpus = 0;
	s->nprocs = 0;
}

void snapshot_free(struct snapshot *s)
{
	free(s->gpus);
	free(s->procs);
	snapshot_init(s);
}

struct snap_gpu *snapshot_add_gpu(struct snapshot *s)
{
	if (s->ngpus == s->gpus_cap) {
		s->gpus_cap = s->gpus_cap ? s->gpus_cap * 2 : 8;
		s->gpus = xreallocarray(s->gpus, s->gpus_cap, sizeof(*s->gpus));
	}
	struct snap_gpu *g = &s->gpus[s->ngpus++];
	memset(g, 0, sizeof(*g));
	return g;
}

struct snap_proc *snapshot_add_proc(struct snapshot *s)
{
	if (s->nprocs == s->procs_cap) {
		s->procs_cap = s->procs_cap ? s->procs_cap * 2 : 32;
		s->procs = xreallocarray(s->procs, s->procs_cap, sizeof(*s->procs));
	}
	struct snap_proc *p = &s->procs[s->nprocs++];
	/* Reset the scalars and empty the strings without clearing their
	 * buffers: zeroing 290 bytes of text per row was a tenth of the time of
	 * `vramtop analyze` on a large trace. */
	p->gpu = 0;
	p->pid = 0;
	p->starttime = 0;
	p->uid = 0;
	p->flags = 0;
	p->type = 0;
	p->used = 0;
	p->user[0] = '\0';
	p->name[0] = '\0';
	p->cmd[0] = '\0';
	p->framework[0] = '\0';
	p->container[0] = '\0';
	return p;
}

/* Clears bit in *valid when it is set and bad holds; returns 1 if it did. */
static size_t clear_if(uint32_t *valid, uint32_t bit, bool bad)
{
	if (!(*valid & bit) || !bad)
		return 0;
	*valid &= ~bit;
	return 1;
}

size_t snapshot_clamp_values(struct snapshot *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->ngpus; i++) {
		struct snap_gpu *g = &s->gpus[i];
		uint32_t *v = &g->valid;
		n += clear_if(v, GM_UTIL_GPU, g->util_gpu > 100);
		n += clear_if(v, GM_UTIL_MEM, g->util_mem > 100);
		n += clear_if(v, GM_FAN, g->fan_pct > SNAP_FAN_PCT_MAX);
		n += clear_if(v, GM_TEMP, g->temp_c > SNAP_TEMP_C_MAX);
		n += clear_if(v, GM_POWER, g->power_mw > SNAP_POWER_MW_MAX);
		n += clear_if(v, GM_POWER_LIMIT, g->power_limit_mw > SNAP_POWER_MW_MAX);
		if (!(*v & GM_MEM_TOTAL))
			continue;
		n += clear_if(v, GM_MEM_USED, g->mem_used > g->mem_total);
		n += clear_if(v, GM_MEM_FREE, g->mem_free > g->mem_total);
		n += clear_if(v, GM_MEM_RESERVED, g->mem_reserved > g->mem_total);
	}
	return n;
}

size_t snapshot_drop_procs(struct snapshot *s, uint32_t flags)
{
	size_t w = 0;
	for (size_t r = 0; r < s->nprocs; r++)
		if (!(s->procs[r].flags & flags))
			s->procs[w++] = s->procs[r];
	size_t dropped = s->nprocs - w;
	s->nprocs = w;
	return dropped;
}

void snapshot_copy(struct snapshot *dst, const struct snapshot *src)
{
	snapshot_reset(dst);
	dst->time = src->time;
	dst->driver_valid = src->driver_valid;
	memcpy(dst->driver_version, src->driver_version, sizeof(dst->driver_version));
	for (size_t i = 0; i < src->ngpus; i++)
		*snapshot_add_gpu(dst) = src->gpus[i];
	for (size_t i = 0; i < src->nprocs; i++)
		*snapshot_add_proc(dst) = src->procs[i];
}

const char *snap_gpu_state_name(enum snap_gpu_state st)
{
	switch (st) {
	case GPU_STATE_OK:
		return "ok";
	case GPU_STATE_LOST:
		return "lost";
	case GPU_STATE_ERROR:
		return "error";
	}
	return "error";
}

const char *snap_proc_type_name(uint32_t type)
{
	bool c = type & (PROC_COMPUTE | PROC_MPS), g = type & PROC_GRAPHICS;
	if (c && g)
		return "compute+graphics";
	if (g)
		return "graphics";
	return "compute";
}
