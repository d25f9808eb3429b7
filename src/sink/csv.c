/* csv.c: the --export-csv sink -- the CSV logger (export/csv.h) fed from the
 * model; the phase and OOM columns are filled only where the analysis ran
 * this tick (a lost or errored GPU's are empty, never 0). */
#include <stdlib.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "export/csv.h"
#include "sink/sinks.h"

struct csv_sink {
	struct sink base;
	struct csv_log *log;
	struct csv_gpu_analysis *g;
	struct csv_proc_analysis *p;
	size_t gcap, pcap;
};

static int csv_tick(struct sink *s, const struct model *m, char *err, size_t errlen)
{
	struct csv_sink *c = (struct csv_sink *)s;
	const struct snapshot *snap = &m->snap;
	if (snap->ngpus > c->gcap) {
		c->gcap = snap->ngpus;
		c->g = xreallocarray(c->g, c->gcap, sizeof(*c->g));
	}
	if (snap->nprocs > c->pcap) {
		c->pcap = snap->nprocs;
		c->p = xreallocarray(c->p, c->pcap, sizeof(*c->p));
	}
	for (size_t i = 0; i < snap->ngpus; i++) {
		const struct model_gpu *g = &m->gpus[m->gpu_of_snap[i]];
		c->g[i] = (struct csv_gpu_analysis){.valid = false};
		if (g->analysed)
			c->g[i] = (struct csv_gpu_analysis){
			    .valid = true,
			    .phase = vt_phase_name(g->an.phase),
			    .rate_mb_s = g->an.rate_mb_s,
			    .has_oom = g->an.has_oom,
			    .oom_low_s = g->an.low_s,
			    .oom_high_s = g->an.high_s,
			    .confidence = g->an.confidence,
			};
	}
	for (size_t i = 0; i < snap->nprocs; i++) {
		const struct model_proc *p = m->proc_of_snap[i];
		c->p[i] = (struct csv_proc_analysis){.valid = false};
		if (p && p->analysed)
			c->p[i] = (struct csv_proc_analysis){
			    .valid = true,
			    .phase = vt_phase_name(p->an.phase),
			    .rate_mb_s = p->an.rate_mb_s,
			};
	}
	struct csv_analysis ca = {
	    .gpus = c->g, .ngpus = snap->ngpus, .procs = c->p, .nprocs = snap->nprocs};
	return csv_write_tick(c->log, snap, &ca, err, errlen);
}

static void csv_free(struct sink *s)
{
	struct csv_sink *c = (struct csv_sink *)s;
	csv_close(c->log);
	free(c->g);
	free(c->p);
	free(c);
}

static const struct sink_ops csv_ops = {.name = "csv", .tick = csv_tick, .free = csv_free};

struct sink *sink_csv_open(const char *path, char *err, size_t errlen)
{
	struct csv_log *log = csv_open(path, err, errlen);
	if (!log)
		return NULL;
	struct csv_sink *c = xcalloc(1, sizeof(*c));
	c->base = (struct sink){.ops = &csv_ops, .essential = false};
	c->log = log;
	return &c->base;
}
