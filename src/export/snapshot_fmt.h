/* snapshot_fmt.h: the --once outputs -- a table for people and one JSON
 * document (docs/json.md) for programs -- from one snapshot. Pure formatting:
 * the caller owns the FILE and the snapshot. */
#ifndef VT_SNAPSHOT_FMT_H
#define VT_SNAPSHOT_FMT_H

#include <stdio.h>

#include "core/jsonw.h"
#include "core/snapshot.h"

#define SNAPSHOT_JSON_VERSION 1

/* Writes the table. Metrics the driver did not give print as N/A. */
void snapshot_fmt_table(FILE *out, const struct snapshot *s);
/* Serialises the --once --json document into w (reset first), no newline. */
void snapshot_fmt_json(struct jsonw *w, const struct snapshot *s);

#endif
