/* snapshot_fmt.h: the --once outputs -- a table for people and one JSON
 * document (docs/json.md) for programs -- from one snapshot. Pure formatting:
 * the caller owns the FILE and the snapshot. */
#ifndef VT_SNAPSHOT_FMT_H
#define VT_SNAPSHOT_FMT_H

#include <stdio.h>

#include "core/jsonw.h"
#include "core/snapshot.h"
#include "model/model.h"

#define SNAPSHOT_JSON_VERSION 1

/* What the table adds when an analysis ran (all optional). */
struct fmt_analysis {
	const struct model *model; /* NULL: no phase/OOM columns; else s is model->snap */
	double warn_s;             /* [alerts] oom_warning_seconds */
	double min_conf;           /* [alerts] oom_min_confidence */
};

/* Writes the table. Metrics the driver did not give print as N/A. With an
 * analysis, each GPU line gets its phase and rate, an OOM warning line when
 * the predicted range ends within warn_s at min_conf or more, and each
 * process its phase, rate and survival verdict. */
void snapshot_fmt_table(FILE *out, const struct snapshot *s, const struct fmt_analysis *fa);
/* Serialises the --once --json document into w (reset first), no newline.
 * m (NULL: none) adds what enrichment learnt; then s is &m->snap. */
void snapshot_fmt_json(struct jsonw *w, const struct snapshot *s, const struct model *m);

#endif
