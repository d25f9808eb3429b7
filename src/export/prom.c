/* prom.c: the Prometheus text exposition of the model (see prom.h). */
#include "export/prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/snapshot.h"
#include "core/xalloc.h"

#define MIB        1048576.0 /* the predictors' "MB" */
#define GLABEL_MAX 512

struct prom_gpu {
	unsigned long errors; /* ticks lost or errored */
	char uuid[VT_UUID_MAX];
	char labels[GLABEL_MAX]; /* gpu="0",uuid="...",name="..." (this render) */
};

struct prom {
	size_t max_procs;
	char *buf;
	size_t len, cap;
	struct prom_gpu *g; /* by model GPU slot */
	size_t ng;
	const struct model_proc **top; /* scratch: the rows with series (pick_top) */
	size_t top_cap;
	size_t *top_at; /* by snapshot GPU, and one past the last */
	size_t top_at_cap;
};

struct prom *prom_new(size_t max_procs)
{
	struct prom *p = xcalloc(1, sizeof(*p));
	p->max_procs = max_procs;
	return p;
}

void prom_free(struct prom *p)
{
	if (!p)
		return;
	free(p->buf);
	free(p->g);
	free(p->top);
	free(p->top_at);
	free(p);
}

void prom_set_max_procs(struct prom *p, size_t max_procs)
{
	p->max_procs = max_procs;
}

static void grow_gpus(struct prom *p, size_t n)
{
	if (n <= p->ng)
		return;
	p->g = xreallocarray(p->g, n, sizeof(*p->g));
	memset(p->g + p->ng, 0, (n - p->ng) * sizeof(*p->g));
	p->ng = n;
}

void prom_tick(struct prom *p, const struct model *m)
{
	grow_gpus(p, m->ngpus);
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct snap_gpu *sg = &m->snap.gpus[i];
		struct prom_gpu *pg = &p->g[m->gpu_of_snap[i]];
		if (sg->state != GPU_STATE_OK)
			pg->errors++;
		if (sg->valid & GM_UUID)
			vt_sanitize_str(pg->uuid, sizeof(pg->uuid), sg->uuid);
	}
}

/* ---- output ---------------------------------------------------------------- */

__attribute__((format(printf, 2, 3))) static void put(struct prom *p, const char *fmt, ...)
{
	for (;;) {
		size_t room = p->cap - p->len;
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(p->buf ? p->buf + p->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			p->len += (size_t)n;
			return;
		}
		xgrow(&p->buf, &p->cap, p->len + (size_t)n + 1, 65536);
	}
}

/* A label value: sanitised (no controls, valid UTF-8), then \ " escaped
 * (a newline cannot survive sanitising). Writes at most cap-1 bytes. */
static void label_value(char *dst, size_t cap, const char *src)
{
	char clean[VT_SANITIZE_MAX + 1];
	vt_sanitize_str(clean, sizeof(clean), src);
	size_t n = 0;
	for (const char *s = clean; *s && n + 3 < cap; s++) {
		if (*s == '\\' || *s == '"')
			dst[n++] = '\\';
		dst[n++] = *s;
	}
	dst[n] = '\0';
}

/* A sample's value: Prometheus spells the non-finite ones NaN, +Inf, -Inf. */
static void put_value(struct prom *p, double v, int decimals)
{
	if (isnan(v))
		put(p, " NaN\n");
	else if (isinf(v))
		put(p, " %sInf\n", v > 0 ? "+" : "-");
	else
		put(p, " %.*f\n", decimals, v);
}

static void family(struct prom *p, const char *name, const char *type, const char *help)
{
	put(p, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void gpu_labels(struct prom *p, const struct model *m, size_t slot)
{
	const struct model_gpu *g = &m->gpus[slot];
	char uuid[2 * VT_UUID_MAX], name[2 * VT_GPU_NAME_MAX];
	label_value(uuid, sizeof(uuid), p->g[slot].uuid);
	label_value(name, sizeof(name), g->name);
	snprintf(p->g[slot].labels, GLABEL_MAX, "gpu=\"%u\",uuid=\"%s\",name=\"%s\"", g->index,
	         uuid, name);
}

#define GL(m, i) (p->g[(m)->gpu_of_snap[i]].labels)

static void mem_family(struct prom *p, const struct model *m, const char *name, uint32_t bit,
                       size_t off, const char *help)
{
	family(p, name, "gauge", help);
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct snap_gpu *sg = &m->snap.gpus[i];
		if (sg->state == GPU_STATE_OK && (sg->valid & bit))
			put(p, "%s{%s} %llu\n", name, GL(m, i),
			    (unsigned long long)*(const uint64_t *)((const char *)sg + off));
	}
}

static int by_used_desc(const void *a, const void *b)
{
	const struct model_proc *x = *(const struct model_proc *const *)a;
	const struct model_proc *y = *(const struct model_proc *const *)b;
	if (x->used != y->used)
		return x->used < y->used ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The identity labels of a process: pid, user, command, container. */
static void proc_labels(char *dst, size_t cap, const struct model_proc *r)
{
	char user[2 * VT_USER_MAX], cmd[2 * VT_NAME_MAX];
	label_value(user, sizeof(user), r->id ? r->id->user : "");
	label_value(cmd, sizeof(cmd), r->id ? r->id->name : "");
	snprintf(dst, cap, "pid=\"%ld\",user=\"%s\",command=\"%s\",container=\"\"", (long)r->pid,
	         user, cmd);
}

/* The culprit's row on GPU g, or NULL when it is not in this tick. */
static const struct model_proc *culprit_row(const struct model_gpu *g)
{
	for (size_t k = 0; k < g->nrows; k++) {
		const struct model_proc *r = g->rows[k];
		if (r->pid == g->an.culprit_pid &&
		    (!g->an.culprit_starttime || r->starttime == g->an.culprit_starttime))
			return r;
	}
	return NULL;
}

static void exporter_families(struct prom *p, const struct model *m, const struct prom_stats *st)
{
	family(p, "vramtop_build_info", "gauge", "The version of vramtop serving these metrics.");
	put(p, "vramtop_build_info{version=\"%s\"} 1\n", VT_VERSION);
	family(p, "vramtop_samples_total", "counter", "Samples taken since start.");
	put(p, "vramtop_samples_total %lu\n", st->samples);
	family(p, "vramtop_sample_errors_total", "counter",
	       "Samples that failed (an NVML error for the whole sample).");
	put(p, "vramtop_sample_errors_total %lu\n", st->sample_errors);
	family(p, "vramtop_scrapes_total", "counter", "Requests for /metrics served.");
	put(p, "vramtop_scrapes_total %lu\n", st->scrapes);
	family(p, "vramtop_http_errors_total", "counter",
	       "HTTP requests refused: unknown path, method other than GET or HEAD.");
	put(p, "vramtop_http_errors_total %lu\n", st->http_errors);
	if (m->tick) {
		family(p, "vramtop_last_sample_timestamp_seconds", "gauge",
		       "Unix time of the latest sample.");
		put(p, "vramtop_last_sample_timestamp_seconds %.3f\n", m->snap.time);
	}
}

static void gpu_families(struct prom *p, const struct model *m)
{
	static const char *const states[] = {"ok", "lost", "error"};
	family(p, "vramtop_gpu_state", "gauge",
	       "1 for the GPU's state in the latest sample (ok, lost, error), 0 for the others.");
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct snap_gpu *sg = &m->snap.gpus[i];
		for (int s = 0; s < 3; s++)
			put(p, "vramtop_gpu_state{%s,state=\"%s\"} %d\n", GL(m, i), states[s],
			    (int)sg->state == s);
	}
	family(p, "vramtop_gpu_sample_errors_total", "counter",
	       "Samples in which this GPU was lost or answered with errors.");
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		put(p, "vramtop_gpu_sample_errors_total{%s} %lu\n", GL(m, i),
		    p->g[m->gpu_of_snap[i]].errors);
	}
	mem_family(p, m, "vramtop_gpu_memory_total_bytes", GM_MEM_TOTAL,
	           offsetof(struct snap_gpu, mem_total), "Total memory of the GPU.");
	mem_family(p, m, "vramtop_gpu_memory_used_bytes", GM_MEM_USED,
	           offsetof(struct snap_gpu, mem_used),
	           "Memory allocated on the GPU (without the driver's reservation).");
	mem_family(p, m, "vramtop_gpu_memory_free_bytes", GM_MEM_FREE,
	           offsetof(struct snap_gpu, mem_free), "Memory free on the GPU.");
	mem_family(p, m, "vramtop_gpu_memory_reserved_bytes", GM_MEM_RESERVED,
	           offsetof(struct snap_gpu, mem_reserved),
	           "Memory the driver and firmware reserve on the GPU.");
	family(p, "vramtop_gpu_processes", "gauge",
	       "Processes using the GPU (all of them; only the largest get process series).");
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct snap_gpu *sg = &m->snap.gpus[i];
		const struct model_gpu *g = &m->gpus[m->gpu_of_snap[i]];
		if (sg->state == GPU_STATE_OK)
			put(p, "vramtop_gpu_processes{%s} %zu\n", GL(m, i), g->nrows);
	}
}

static void analysis_families(struct prom *p, const struct model *m)
{
	family(p, "vramtop_gpu_memory_phase", "gauge",
	       "1 for the phase of the GPU's memory (stable, growing, shrinking, volatile), 0 for "
	       "the others; absent while the GPU is not analysed.");
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct model_gpu *g = &m->gpus[m->gpu_of_snap[i]];
		if (!g->analysed)
			continue;
		for (int ph = PHASE_STABLE; ph <= PHASE_VOLATILE; ph++)
			put(p, "vramtop_gpu_memory_phase{%s,phase=\"%s\"} %d\n", GL(m, i),
			    vt_phase_name((enum vt_phase)ph), (int)g->an.phase == ph);
	}
	family(p, "vramtop_gpu_memory_growth_bytes_per_second", "gauge",
	       "The rate at which the GPU's memory grows (negative: shrinks), as the "
	       "predictor estimates it.");
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct model_gpu *g = &m->gpus[m->gpu_of_snap[i]];
		if (g->analysed) {
			put(p, "vramtop_gpu_memory_growth_bytes_per_second{%s}", GL(m, i));
			put_value(p, g->an.rate_mb_s * MIB, 0);
		}
	}
	family(p, "vramtop_gpu_oom_predicted", "gauge",
	       "1 while an out-of-memory is predicted on the GPU, else 0.");
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct model_gpu *g = &m->gpus[m->gpu_of_snap[i]];
		if (g->analysed)
			put(p, "vramtop_gpu_oom_predicted{%s} %d\n", GL(m, i),
			    g->an.has_oom ? 1 : 0);
	}
	family(p, "vramtop_gpu_oom_eta_low_seconds", "gauge",
	       "Earliest predicted time to out-of-memory; absent while none is predicted.");
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct model_gpu *g = &m->gpus[m->gpu_of_snap[i]];
		if (g->analysed && g->an.has_oom) {
			put(p, "vramtop_gpu_oom_eta_low_seconds{%s}", GL(m, i));
			put_value(p, g->an.low_s, 1);
		}
	}
	family(p, "vramtop_gpu_oom_eta_high_seconds", "gauge",
	       "Latest predicted time to out-of-memory; absent while none is predicted.");
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct model_gpu *g = &m->gpus[m->gpu_of_snap[i]];
		if (g->analysed && g->an.has_oom) {
			put(p, "vramtop_gpu_oom_eta_high_seconds{%s}", GL(m, i));
			put_value(p, g->an.high_s, 1);
		}
	}
	family(p, "vramtop_gpu_oom_confidence_ratio", "gauge",
	       "Confidence (0 to 1) of the predicted out-of-memory; absent while none is "
	       "predicted.");
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct model_gpu *g = &m->gpus[m->gpu_of_snap[i]];
		if (g->analysed && g->an.has_oom) {
			put(p, "vramtop_gpu_oom_confidence_ratio{%s}", GL(m, i));
			put_value(p, g->an.confidence, 3);
		}
	}
	family(p, "vramtop_gpu_oom_culprit_info", "gauge",
	       "The process predicted to cause the out-of-memory (value 1); absent while none "
	       "is predicted.");
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct model_gpu *g = &m->gpus[m->gpu_of_snap[i]];
		if (!g->analysed || !g->an.has_oom || !g->an.culprit_pid)
			continue;
		const struct model_proc *r = culprit_row(g);
		char pl[1024];
		if (r)
			proc_labels(pl, sizeof(pl), r);
		else
			snprintf(pl, sizeof(pl),
			         "pid=\"%ld\",user=\"\",command=\"\",container=\"\"",
			         (long)g->an.culprit_pid);
		put(p, "vramtop_gpu_oom_culprit_info{%s,%s} 1\n", GL(m, i), pl);
	}
}

/* The deep-mode families (docs/deep-mode.md), in snap_deep_fields' order. */
static const struct {
	const char *name, *type, *help;
} deep_families[SNAP_DEEP_NFIELDS] = {
    {"vramtop_process_allocator_allocated_bytes", "gauge",
     "Deep mode: bytes the process's caching allocator has handed to tensors."},
    {"vramtop_process_allocator_reserved_bytes", "gauge",
     "Deep mode: bytes the process's caching allocator holds from the driver."},
    {"vramtop_process_allocator_active_bytes", "gauge",
     "Deep mode: bytes in the allocator's active blocks."},
    {"vramtop_process_allocator_peak_allocated_bytes", "gauge",
     "Deep mode: the most bytes ever allocated to tensors at once."},
    {"vramtop_process_allocator_alloc_retries_total", "counter",
     "Deep mode: allocations the allocator retried after freeing its cache."},
    {"vramtop_process_allocator_ooms_total", "counter",
     "Deep mode: out-of-memory errors the allocator raised."},
};

/* The rows that get process series: per GPU, the max_procs holding the most
 * memory, into p->top; GPU i's are [top_at[i], top_at[i + 1]). */
static void pick_top(struct prom *p, const struct model *m)
{
	size_t all = 0;
	for (size_t i = 0; i < m->snap.ngpus; i++)
		all += m->gpus[m->gpu_of_snap[i]].nrows;
	if (all > p->top_cap) {
		p->top_cap = all;
		p->top = xreallocarray(p->top, p->top_cap, sizeof(*p->top));
	}
	if (m->snap.ngpus + 1 > p->top_at_cap) {
		p->top_at_cap = m->snap.ngpus + 1;
		p->top_at = xreallocarray(p->top_at, p->top_at_cap, sizeof(*p->top_at));
	}
	size_t at = 0;
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct snap_gpu *sg = &m->snap.gpus[i];
		const struct model_gpu *g = &m->gpus[m->gpu_of_snap[i]];
		p->top_at[i] = at;
		if (sg->state != GPU_STATE_OK)
			continue;
		size_t n = 0;
		for (size_t k = 0; k < g->nrows; k++) {
			const struct model_proc *r = g->rows[k];
			const struct snap_proc *sp = model_proc_snap(m, r);
			if (r->present && sp && (sp->flags & PF_USED_VALID))
				p->top[at + n++] = r;
		}
		qsort(p->top + at, n, sizeof(*p->top), by_used_desc);
		at += n > p->max_procs ? p->max_procs : n;
	}
	p->top_at[m->snap.ngpus] = at;
}

static void process_families(struct prom *p, const struct model *m)
{
	pick_top(p, m);
	family(p, "vramtop_process_memory_used_bytes", "gauge",
	       "GPU memory a process holds (the largest processes of each GPU only).");
	char pl[1024];
	for (size_t i = 0; i < m->snap.ngpus; i++)
		for (size_t k = p->top_at[i]; k < p->top_at[i + 1]; k++) {
			proc_labels(pl, sizeof(pl), p->top[k]);
			put(p, "vramtop_process_memory_used_bytes{%s,%s} %llu\n", GL(m, i), pl,
			    (unsigned long long)p->top[k]->used);
		}
	for (size_t f = 0; f < SNAP_DEEP_NFIELDS; f++) {
		bool head = false;
		for (size_t i = 0; i < m->snap.ngpus; i++)
			for (size_t k = p->top_at[i]; k < p->top_at[i + 1]; k++) {
				const struct snap_proc *sp = model_proc_snap(m, p->top[k]);
				if (!(sp->flags & PF_DEEP_VALID))
					continue;
				if (!head)
					family(p, deep_families[f].name, deep_families[f].type,
					       deep_families[f].help);
				head = true;
				proc_labels(pl, sizeof(pl), p->top[k]);
				put(p, "%s{%s,%s} %llu\n", deep_families[f].name, GL(m, i), pl,
				    (unsigned long long)snap_deep_get(&sp->deep, f));
			}
	}
}

const char *prom_render(struct prom *p, const struct model *m, const struct prom_stats *st,
                        size_t *len)
{
	p->len = 0;
	grow_gpus(p, m->ngpus);
	exporter_families(p, m, st);
	if (m->tick) {
		for (size_t i = 0; i < m->snap.ngpus; i++)
			gpu_labels(p, m, m->gpu_of_snap[i]);
		gpu_families(p, m);
		analysis_families(p, m);
		process_families(p, m);
	}
	if (!p->buf)
		put(p, "%s", "");
	*len = p->len;
	return p->buf;
}
