/* analyze_out.h: the JSONL lines of `vramtop analyze`, formatted straight
 * into a large buffer (fixed keys, no strings from the input, numbers in
 * fixed point rounded exactly as printf rounds) and written with fwrite.
 * Line schemas: docs/analysis.md. */
#ifndef VT_ANALYZE_OUT_H
#define VT_ANALYZE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "analysis/pelt.h"
#include "analysis/predictor.h"
#include "analysis/survival.h"
#include "model/model.h"

#define AOUT_BUF (1u << 20)

struct aout {
	FILE *f;   /* borrowed */
	char *buf; /* owned, AOUT_BUF bytes */
	size_t len;
	bool failed; /* a write failed */
};

void aout_init(struct aout *o, FILE *f);
/* Flushes, frees the buffer; returns 0 or -1 when any write failed. */
int aout_close(struct aout *o);

/* Appends v in fixed point with `decimals` (0..6) digits, exactly like
 * "%.*f" (a fast path away from rounding ties, snprintf otherwise); "null"
 * for NaN and infinities. Exposed for tests. */
void aout_fixed(struct aout *o, double v, int decimals);

/* Formats a time with 3 decimals into dst (room for AOUT_TIME_MAX bytes, no
 * NUL); returns the length. A tick formats its time once for all lines. */
#define AOUT_TIME_MAX 340
size_t aout_time(char *dst, double t);

/* Lines of one tick; t/tlen is the time from aout_time, in a buffer of
 * AOUT_TIME_MAX bytes. */
void aout_gpu_line(struct aout *o, const char *t, size_t tlen, unsigned gpu,
                   const struct pred_output *po);
/* A process line's fixed middle, `,"gpu":G,"pid":P,"phase":"`, formatted
 * once per process rather than on every line. */
void aout_ident_set(struct model_fmt *id, unsigned gpu, pid_t pid);
void aout_proc_line(struct aout *o, const char *t, size_t tlen, const struct model_fmt *id,
                    const struct pred_proc_out *pp, enum surv_verdict verdict);
/* The spellings the lines use (for tests: they must equal vt_phase_name's
 * and survival_verdict_name's). */
const char *aout_phase_name(enum vt_phase ph);
const char *aout_verdict_name(enum surv_verdict v);
void aout_segment_line(struct aout *o, unsigned gpu, bool has_pid, pid_t pid,
                       const struct pelt_seg *s, const char *label);

#endif
