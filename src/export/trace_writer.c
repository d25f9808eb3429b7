/* trace_writer.c: snapshots and events to trace-format JSON lines. */
#include "export/trace_writer.h"

#include <errno.h>

#include "core/error.h"

/* The optional unsigned GPU metrics, by key; the reader (source/trace.c) knows
 * the same names and the round-trip test keeps the two in step. */
static const struct {
	const char *key;
	uint32_t bit;
	size_t off;
} gpu_uints[] = {
    {"util_gpu", GM_UTIL_GPU, offsetof(struct snap_gpu, util_gpu)},
    {"util_mem", GM_UTIL_MEM, offsetof(struct snap_gpu, util_mem)},
    {"temp_c", GM_TEMP, offsetof(struct snap_gpu, temp_c)},
    {"fan_pct", GM_FAN, offsetof(struct snap_gpu, fan_pct)},
    {"power_mw", GM_POWER, offsetof(struct snap_gpu, power_mw)},
    {"power_limit_mw", GM_POWER_LIMIT, offsetof(struct snap_gpu, power_limit_mw)},
    {"clock_sm_mhz", GM_CLOCK_SM, offsetof(struct snap_gpu, clock_sm_mhz)},
    {"clock_mem_mhz", GM_CLOCK_MEM, offsetof(struct snap_gpu, clock_mem_mhz)},
    {"pcie_tx_kbs", GM_PCIE_TX, offsetof(struct snap_gpu, pcie_tx_kbs)},
    {"pcie_rx_kbs", GM_PCIE_RX, offsetof(struct snap_gpu, pcie_rx_kbs)},
};

static void key_u64(struct jsonw *w, const char *k, uint64_t v)
{
	jsonw_key(w, k);
	jsonw_u64(w, v);
}

static void key_str(struct jsonw *w, const char *k, const char *v)
{
	jsonw_key(w, k);
	jsonw_str(w, v);
}

static void format_gpu(struct jsonw *w, const struct snap_gpu *g)
{
	jsonw_obj_begin(w);
	key_u64(w, "i", g->index);
	if (g->valid & GM_NAME)
		key_str(w, "name", g->name);
	if (g->valid & GM_UUID)
		key_str(w, "uuid", g->uuid);
	if (g->valid & GM_BUSID)
		key_str(w, "bus_id", g->pci_bus_id);
	key_str(w, "state", snap_gpu_state_name(g->state));
	if (g->error[0])
		key_str(w, "error", g->error);
	if (g->valid & GM_MEM_TOTAL)
		key_u64(w, "total", g->mem_total);
	if (g->valid & GM_MEM_USED)
		key_u64(w, "used", g->mem_used);
	if (g->valid & GM_MEM_FREE)
		key_u64(w, "free", g->mem_free);
	if (g->valid & GM_MEM_RESERVED)
		key_u64(w, "reserved", g->mem_reserved);
	for (size_t i = 0; i < sizeof(gpu_uints) / sizeof(gpu_uints[0]); i++)
		if (g->valid & gpu_uints[i].bit)
			key_u64(w, gpu_uints[i].key,
			        *(const unsigned *)((const char *)g + gpu_uints[i].off));
	if (g->valid & GM_MIG) {
		jsonw_key(w, "mig");
		jsonw_bool(w, g->mig_enabled);
	}
	jsonw_obj_end(w);
}

static void format_proc(struct jsonw *w, const struct snapshot *s, const struct snap_proc *p)
{
	jsonw_obj_begin(w);
	key_u64(w, "gpu", s->gpus[p->gpu].index);
	jsonw_key(w, "pid");
	jsonw_i64(w, p->pid);
	jsonw_key(w, "used");
	if (p->flags & PF_USED_VALID)
		jsonw_u64(w, p->used);
	else
		jsonw_null(w);
	if (p->flags & PF_NAME_VALID)
		key_str(w, "name", p->name);
	if (p->flags & PF_START_VALID)
		key_u64(w, "starttime", p->starttime);
	if (p->user[0])
		key_str(w, "user", p->user);
	if (p->flags & PF_CMD_VALID)
		key_str(w, "cmd", p->cmd);
	if (p->framework[0])
		key_str(w, "framework", p->framework);
	if (p->container[0])
		key_str(w, "container", p->container);
	if (p->flags & PF_UID_VALID)
		key_u64(w, "uid", p->uid);
	key_str(w, "type", snap_proc_type_name(p->type));
	if (p->type & PROC_MPS) {
		jsonw_key(w, "mps");
		jsonw_bool(w, true);
	}
	if (p->flags & PF_DEEP_VALID) { /* deep mode: the allocator's own figures */
		const struct snap_deep *d = &p->deep;
		jsonw_key(w, "deep");
		jsonw_obj_begin(w);
		for (size_t i = 0; i < SNAP_DEEP_NFIELDS; i++)
			key_u64(w, snap_deep_fields[i].key, snap_deep_get(d, i));
		jsonw_obj_end(w);
	}
	jsonw_obj_end(w);
}

void trace_format_sample(struct jsonw *w, const struct snapshot *s)
{
	jsonw_obj_begin(w);
	jsonw_key(w, "t");
	jsonw_double(w, s->time, 3);
	if (s->driver_valid)
		key_str(w, "driver_version", s->driver_version);
	jsonw_key(w, "gpus");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < s->ngpus; i++)
		format_gpu(w, &s->gpus[i]);
	jsonw_arr_end(w);
	jsonw_key(w, "procs");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].gpu < s->ngpus) /* a dangling row has no GPU to name */
			format_proc(w, s, &s->procs[i]);
	jsonw_arr_end(w);
	jsonw_obj_end(w);
}

void trace_format_event(struct jsonw *w, const struct trace_event *ev)
{
	jsonw_obj_begin(w);
	jsonw_key(w, "t");
	jsonw_double(w, ev->t, 3);
	key_str(w, "event", ev->event);
	if (ev->pid > 0) {
		jsonw_key(w, "pid");
		jsonw_i64(w, ev->pid);
	}
	if (ev->gpu >= 0) {
		jsonw_key(w, "gpu");
		jsonw_i64(w, ev->gpu);
	}
	if (ev->has_at) {
		jsonw_key(w, "at");
		jsonw_double(w, ev->at, 3);
	}
	if (ev->has_rc) {
		jsonw_key(w, "rc");
		jsonw_i64(w, ev->rc);
	}
	jsonw_obj_end(w);
}

static int write_line(FILE *f, struct jsonw *w)
{
	jsonw_newline(w);
	/* anything the caller left buffered goes first, so our line is one write */
	if (fflush(f) != 0)
		return VT_ERR;
	if (fwrite(w->buf, 1, w->len, f) != w->len) {
		if (!errno)
			errno = EIO;
		return VT_ERR;
	}
	return fflush(f) == 0 ? VT_OK : VT_ERR;
}

int trace_write_sample(FILE *f, struct jsonw *scratch, const struct snapshot *s)
{
	jsonw_reset(scratch);
	trace_format_sample(scratch, s);
	return write_line(f, scratch);
}

int trace_write_event(FILE *f, struct jsonw *scratch, const struct trace_event *ev)
{
	jsonw_reset(scratch);
	trace_format_event(scratch, ev);
	return write_line(f, scratch);
}
