/* prom.h: the model in the Prometheus text exposition format (version
 * 0.0.4) -- what `vramtop serve` answers on /metrics. Pure formatting plus
 * the few counters that live across ticks; the HTTP front is sink/serve.c.
 * docs/exporter.md lists every family and its labels.
 *
 * Cardinality is bounded: per GPU, only the max_procs processes holding the
 * most memory get a vramtop_process_* series (vramtop_gpu_processes counts
 * them all); a process's series goes when it leaves the model. Every label
 * value is sanitised (core/sanitize.h) and escaped. */
#ifndef VT_PROM_H
#define VT_PROM_H

#include <stddef.h>

#include "model/model.h"

struct prom;

/* What the renderer reports besides the model. */
struct prom_stats {
	unsigned long samples;       /* ticks sampled fine */
	unsigned long sample_errors; /* samples that failed (NVML errors) */
	unsigned long scrapes;       /* /metrics requests served, this one included */
	unsigned long http_errors;   /* requests refused (unknown path, method, too big) */
};

struct prom *prom_new(size_t max_procs);
void prom_free(struct prom *p);
void prom_set_max_procs(struct prom *p, size_t max_procs);

/* After every tick: counts the ticks each GPU was lost or errored (the
 * vramtop_gpu_sample_errors_total counters) and remembers each GPU's UUID,
 * so that its series keep their labels while it is lost. */
void prom_tick(struct prom *p, const struct model *m);

/* Renders the whole exposition; *len gets its length. The text is owned by
 * p and valid until the next call. Allocates only when it outgrows the
 * largest text so far. m->tick == 0 (nothing sampled yet) gives only the
 * exporter's own families. */
const char *prom_render(struct prom *p, const struct model *m, const struct prom_stats *st,
                        size_t *len);

#endif
