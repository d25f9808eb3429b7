/* snapshot_fmt.c: the --once table and JSON document. */
#include "export/snapshot_fmt.h"

#include <string.h>
#include <time.h>

#include "core/textwidth.h"
#include "core/units.h"

static void put_opt_u(struct jsonw *w, const char *key, bool valid, uint64_t v)
{
	jsonw_key(w, key);
	if (valid)
		jsonw_u64(w, v);
	else
		jsonw_null(w);
}

static void put_opt_str(struct jsonw *w, const char *key, bool valid, const char *v)
{
	jsonw_key(w, key);
	if (valid)
		jsonw_str(w, v);
	else
		jsonw_null(w);
}

/* "deep": null, or the process's allocator figures (docs/deep-mode.md). */
static void json_deep(struct jsonw *w, const struct snap_proc *p)
{
	jsonw_key(w, "deep");
	if (!(p->flags & PF_DEEP_VALID)) {
		jsonw_null(w);
		return;
	}
	const struct snap_deep *d = &p->deep;
	jsonw_obj_begin(w);
	for (size_t i = 0; i < SNAP_DEEP_NFIELDS; i++)
		put_opt_u(w, snap_deep_fields[i].key, true, snap_deep_get(d, i));
	jsonw_obj_end(w);
}

/* What enrichment learnt of a process (null / [] when nothing is known). */
static void json_enrich(struct jsonw *w, const struct enrich_facts *f)
{
	jsonw_key(w, "framework");
	if (f && f->fw != FW_NONE)
		jsonw_str(w, enrich_fw_name(f->fw));
	else
		jsonw_null(w);
	jsonw_key(w, "model_files");
	jsonw_arr_begin(w);
	for (size_t i = 0; f && i < f->nfiles; i++) {
		jsonw_obj_begin(w);
		jsonw_key(w, "path");
		jsonw_str(w, f->files[i].path);
		jsonw_key(w, "bytes");
		jsonw_u64(w, f->files[i].bytes);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
	jsonw_key(w, "container");
	if (f && f->ct.runtime[0]) {
		jsonw_obj_begin(w);
		jsonw_key(w, "runtime");
		jsonw_str(w, f->ct.runtime);
		put_opt_str(w, "id", f->ct.id[0], f->ct.id);
		put_opt_str(w, "name", f->ct.name[0], f->ct.name);
		put_opt_str(w, "pod", f->ct.pod[0], f->ct.pod);
		jsonw_obj_end(w);
	} else {
		jsonw_null(w);
	}
	jsonw_key(w, "ns_pid");
	if (f && f->ns_pid)
		jsonw_i64(w, f->ns_pid);
	else
		jsonw_null(w);
	jsonw_key(w, "scrape");
	const struct scrape_result *r = f ? &f->scrape : NULL;
	if (!r || !r->valid) {
		jsonw_null(w);
		return;
	}
	jsonw_obj_begin(w);
	jsonw_key(w, "framework");
	jsonw_str(w, enrich_fw_name(r->fw));
	put_opt_u(w, "port", r->port > 0, (uint64_t)r->port);
	jsonw_key(w, "kv_cache_usage");
	if (r->has_kv)
		jsonw_double(w, r->kv_usage, 4);
	else
		jsonw_null(w);
	put_opt_u(w, "requests_running", r->has_running, (uint64_t)r->running);
	put_opt_u(w, "requests_waiting", r->has_waiting, (uint64_t)r->waiting);
	put_opt_str(w, "model", r->model[0], r->model);
	put_opt_str(w, "error", r->error[0], r->error);
	jsonw_key(w, "socket_owner");
	if (r->socket_owner)
		jsonw_i64(w, r->socket_owner);
	else
		jsonw_null(w);
	jsonw_obj_end(w);
}

static void json_env(struct jsonw *w, const struct enrich_env *e)
{
	jsonw_key(w, "environment");
	if (!e) {
		jsonw_null(w);
		return;
	}
	jsonw_obj_begin(w);
	jsonw_key(w, "in_container");
	jsonw_bool(w, e->in_container);
	jsonw_key(w, "pid_namespace_isolated");
	jsonw_bool(w, e->pidns_isolated);
	put_opt_str(w, "nvidia_visible_devices", e->nvidia_visible_devices_set,
	            e->nvidia_visible_devices);
	jsonw_key(w, "cdi_devices");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < e->ncdi; i++)
		jsonw_str(w, e->cdi[i]);
	jsonw_arr_end(w);
	jsonw_key(w, "mps_daemon");
	if (e->mps_daemon)
		jsonw_i64(w, e->mps_daemon);
	else
		jsonw_null(w);
	jsonw_obj_end(w);
}

static void json_procs(struct jsonw *w, const struct snapshot *s, const struct model *m, size_t gi)
{
	jsonw_key(w, "processes");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct snap_proc *p = &s->procs[i];
		if (p->gpu != gi)
			continue;
		jsonw_obj_begin(w);
		jsonw_key(w, "pid");
		jsonw_i64(w, p->pid);
		put_opt_u(w, "starttime", p->flags & PF_START_VALID, p->starttime);
		put_opt_str(w, "user", p->flags & PF_UID_VALID, p->user);
		put_opt_str(w, "name", p->flags & PF_NAME_VALID, p->name);
		jsonw_key(w, "type");
		jsonw_str(w, snap_proc_type_name(p->type));
		jsonw_key(w, "mps");
		jsonw_bool(w, p->type & PROC_MPS);
		put_opt_u(w, "used", p->flags & PF_USED_VALID, p->used);
		json_deep(w, p);
		const struct model_proc *row = m ? m->proc_of_snap[i] : NULL;
		json_enrich(w, row ? &row->id->enr : NULL);
		jsonw_obj_end(w);
	}
	jsonw_arr_end(w);
}

static void json_gpu(struct jsonw *w, const struct snapshot *s, const struct model *m, size_t gi)
{
	const struct snap_gpu *g = &s->gpus[gi];
	uint32_t v = g->valid;
	jsonw_obj_begin(w);
	jsonw_key(w, "index");
	jsonw_u64(w, g->index);
	put_opt_str(w, "name", v & GM_NAME, g->name);
	put_opt_str(w, "uuid", v & GM_UUID, g->uuid);
	put_opt_str(w, "pci_bus_id", v & GM_BUSID, g->pci_bus_id);
	jsonw_key(w, "state");
	jsonw_str(w, snap_gpu_state_name(g->state));
	put_opt_str(w, "error", g->state != GPU_STATE_OK, g->error);
	jsonw_key(w, "memory");
	jsonw_obj_begin(w);
	put_opt_u(w, "total", v & GM_MEM_TOTAL, g->mem_total);
	put_opt_u(w, "used", v & GM_MEM_USED, g->mem_used);
	put_opt_u(w, "free", v & GM_MEM_FREE, g->mem_free);
	put_opt_u(w, "reserved", v & GM_MEM_RESERVED, g->mem_reserved);
	jsonw_obj_end(w);
	jsonw_key(w, "utilization");
	jsonw_obj_begin(w);
	put_opt_u(w, "gpu_percent", v & GM_UTIL_GPU, g->util_gpu);
	put_opt_u(w, "memory_percent", v & GM_UTIL_MEM, g->util_mem);
	jsonw_key(w, "scope");
	jsonw_str(w, "device");
	jsonw_obj_end(w);
	put_opt_u(w, "temperature_c", v & GM_TEMP, g->temp_c);
	put_opt_u(w, "fan_percent", v & GM_FAN, g->fan_pct);
	put_opt_u(w, "power_mw", v & GM_POWER, g->power_mw);
	put_opt_u(w, "power_limit_mw", v & GM_POWER_LIMIT, g->power_limit_mw);
	put_opt_u(w, "clock_sm_mhz", v & GM_CLOCK_SM, g->clock_sm_mhz);
	put_opt_u(w, "clock_mem_mhz", v & GM_CLOCK_MEM, g->clock_mem_mhz);
	put_opt_u(w, "pcie_tx_kbs", v & GM_PCIE_TX, g->pcie_tx_kbs);
	put_opt_u(w, "pcie_rx_kbs", v & GM_PCIE_RX, g->pcie_rx_kbs);
	jsonw_key(w, "mig_enabled");
	if (v & GM_MIG)
		jsonw_bool(w, g->mig_enabled);
	else
		jsonw_null(w);
	json_procs(w, s, m, gi);
	jsonw_obj_end(w);
}

void snapshot_fmt_json(struct jsonw *w, const struct snapshot *s, const struct model *m)
{
	jsonw_reset(w);
	jsonw_obj_begin(w);
	jsonw_key(w, "version");
	jsonw_u64(w, SNAPSHOT_JSON_VERSION);
	jsonw_key(w, "time");
	jsonw_double(w, s->time, 3);
	put_opt_str(w, "driver_version", s->driver_valid, s->driver_version);
	jsonw_key(w, "gpus");
	jsonw_arr_begin(w);
	for (size_t i = 0; i < s->ngpus; i++)
		json_gpu(w, s, m, i);
	jsonw_arr_end(w);
	json_env(w, m ? model_env(m) : NULL);
	jsonw_obj_end(w);
}

/* s cut and padded to exactly cols display columns (never splitting a
 * character: names may hold CJK or emoji), in buf. */
static const char *cols_fit(char *buf, size_t cap, const char *s, size_t cols)
{
	vt_text_fit(buf, cap, s, strlen(s), cols, 0, NULL);
	return buf;
}

/* "N/A" or the number with a suffix. */
static const char *opt_num(char *buf, size_t len, bool valid, unsigned long long v,
                           const char *suffix)
{
	if (!valid)
		return "N/A";
	snprintf(buf, len, "%llu%s", v, suffix);
	return buf;
}

/* The analysed GPU row of snapshot GPU gi, or NULL. */
static const struct model_gpu *an_gpu(const struct fmt_analysis *fa, size_t gi)
{
	if (!fa || !fa->model)
		return NULL;
	const struct model_gpu *g = &fa->model->gpus[fa->model->gpu_of_snap[gi]];
	return g->analysed ? g : NULL;
}

/* "!!! OOM in 60-120s (confidence 0.82), caused by PID 1234" under a GPU. */
static void table_oom(FILE *out, const struct snapshot *s, size_t gi, const struct fmt_analysis *fa)
{
	const struct model_gpu *mg = an_gpu(fa, gi);
	if (!mg)
		return;
	const struct pred_output *o = &mg->an;
	if (!o->has_oom || o->high_s > fa->warn_s || o->confidence < fa->min_conf)
		return;
	fprintf(out, "     !!! OOM in %.0f-%.0fs (confidence %.2f)", o->low_s, o->high_s,
	        o->confidence);
	if (o->culprit_pid) {
		const char *name = "";
		for (size_t i = 0; i < s->nprocs; i++)
			if (s->procs[i].gpu == gi && s->procs[i].pid == o->culprit_pid &&
			    (s->procs[i].flags & PF_NAME_VALID))
				name = s->procs[i].name;
		fprintf(out, ", caused by PID %d%s%s", (int)o->culprit_pid, name[0] ? " " : "",
		        name);
	}
	fputc('\n', out);
}

static void table_gpu(FILE *out, const struct snapshot *s, size_t gi, const struct fmt_analysis *fa)
{
	const struct snap_gpu *g = &s->gpus[gi];
	char used[32], total[32], pct[16], util[16], temp[16], power[24];
	uint32_t v = g->valid;
	char name[VT_TEXT_FIT_CAP(VT_GPU_NAME_MAX, 24)];
	cols_fit(name, sizeof(name), (v & GM_NAME) ? g->name : "N/A", 24);

	if (g->state != GPU_STATE_OK) {
		fprintf(out, "%3u  %s  %-5s  %s\n", g->index, name, snap_gpu_state_name(g->state),
		        g->error[0] ? g->error : "");
		return;
	}
	if ((v & GM_MEM_USED) && (v & GM_MEM_TOTAL) && g->mem_total)
		snprintf(pct, sizeof(pct), "%3.0f%%",
		         100.0 * (double)g->mem_used / (double)g->mem_total);
	else
		snprintf(pct, sizeof(pct), " N/A");
	char trend[48] = "";
	const struct model_gpu *mg = an_gpu(fa, gi);
	if (mg)
		snprintf(trend, sizeof(trend), "  %-9s %+8.1f MB/s", vt_phase_name(mg->an.phase),
		         mg->an.rate_mb_s);
	fprintf(out, "%3u  %s  %-5s  %10s / %-10s %s  %5s  %5s  %7s%s\n", g->index, name, "ok",
	        (v & GM_MEM_USED) ? units_bytes(used, sizeof(used), g->mem_used) : "N/A",
	        (v & GM_MEM_TOTAL) ? units_bytes(total, sizeof(total), g->mem_total) : "N/A", pct,
	        opt_num(util, sizeof(util), v & GM_UTIL_GPU, g->util_gpu, "%"),
	        opt_num(temp, sizeof(temp), v & GM_TEMP, g->temp_c, "C"),
	        opt_num(power, sizeof(power), v & GM_POWER, g->power_mw / 1000, "W"), trend);
}

static const char *proc_label(const struct snap_proc *p)
{
	if (p->flags & PF_NAME_VALID)
		return p->name;
	if (p->flags & PF_GONE)
		return "[not in this PID namespace]";
	if (!(p->flags & PF_UID_VALID))
		return "-"; /* a replayed trace without names */
	return "[other user]";
}

static void table_procs(FILE *out, const struct snapshot *s, size_t gi,
                        const struct fmt_analysis *fa)
{
	bool an = fa && fa->model;
	bool any = false;
	for (size_t i = 0; i < s->nprocs; i++) {
		const struct snap_proc *p = &s->procs[i];
		char used[32], trend[64] = "", user[VT_TEXT_FIT_CAP(VT_USER_MAX, 12)];
		if (p->gpu != gi)
			continue;
		if (!any)
			fprintf(out, "       %-8s  %-12s  %-16s  %10s  %s%s\n", "PID", "USER",
			        "TYPE", "USED", an ? "PHASE         MB/s  SURVIVAL  " : "", "NAME");
		any = true;
		const struct model_proc *mp = an ? fa->model->proc_of_snap[i] : NULL;
		if (mp && mp->analysed)
			snprintf(trend, sizeof(trend), "%-9s %+8.1f  %-8s  ",
			         vt_phase_name(mp->an.phase), mp->an.rate_mb_s,
			         survival_verdict_name(mp->verdict));
		else if (an)
			snprintf(trend, sizeof(trend), "%-9s %8s  %-8s  ", "", "", "");
		/* what enrichment learnt: [framework] [runtime:id (12)] */
		char badge[VT_FRAMEWORK_MAX + VT_CONTAINER_MAX + 8] = "";
		int bl = 0;
		if (p->framework[0])
			bl = snprintf(badge, sizeof(badge), "[%s] ", p->framework);
		if (p->container[0]) {
			const char *id = strchr(p->container, ':');
			int rl = id ? (int)(id - p->container) : (int)strlen(p->container);
			snprintf(badge + bl, sizeof(badge) - (size_t)bl, "[%.*s%s%.12s] ", rl,
			         p->container, id && id[1] ? ":" : "", id && id[1] ? id + 1 : "");
		}
		fprintf(out, "       %-8d  %s  %-16s  %10s  %s%s%s%s\n", (int)p->pid,
		        cols_fit(user, sizeof(user), (p->flags & PF_UID_VALID) ? p->user : "?", 12),
		        snap_proc_type_name(p->type),
		        (p->flags & PF_USED_VALID) ? units_bytes(used, sizeof(used), p->used)
		                                   : "N/A",
		        trend, (p->type & PROC_MPS) ? "[MPS] " : "", badge, proc_label(p));
	}
	if (!any && s->gpus[gi].state == GPU_STATE_OK)
		fprintf(out, "       no processes\n");
}

void snapshot_fmt_table(FILE *out, const struct snapshot *s, const struct fmt_analysis *fa)
{
	char when[32] = "";
	time_t t = (time_t)s->time;
	struct tm tm;
	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(out, "vramtop %s  driver %s  %s\n", VT_VERSION,
	        s->driver_valid ? s->driver_version : "N/A", when);
	fprintf(out, "GPU  %-24s  %-5s  %23s %4s  %5s  %5s  %7s\n", "NAME", "STATE", "MEMORY USED",
	        "", "UTIL", "TEMP", "POWER");
	for (size_t i = 0; i < s->ngpus; i++) {
		table_gpu(out, s, i, fa);
		table_oom(out, s, i, fa);
		table_procs(out, s, i, fa);
	}
	if (s->ngpus == 0)
		fprintf(out, "no GPUs found\n");
}
