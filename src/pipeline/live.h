/* live.h: the analysis stage of a live (or replayed) run -- one predictor per
 * GPU, fed each tick with the GPU's memory and its processes, plus survival
 * verdicts per process. Results are parallel to the snapshot's arrays, so the
 * views can print them beside the rows they belong to. */
#ifndef VT_LIVE_H
#define VT_LIVE_H

#include <stddef.h>

#include "analysis/predictor.h"
#include "analysis/survival.h"
#include "core/snapshot.h"

struct live_analysis;

/* What the views read after live_update; arrays are parallel to the
 * snapshot passed to that call and stay valid until the next one. */
struct live_view {
	size_t ngpus;
	const struct pred_output *gpu; /* one per snapshot.gpus */
	size_t nprocs;
	const struct pred_proc_out *proc; /* one per snapshot.procs */
	const enum surv_verdict *verdict; /* one per snapshot.procs */
};

/* NULL (with err set) if no algorithm has that name. */
struct live_analysis *live_new(const char *algorithm, const struct pred_params *p, char *err,
                               size_t errlen);
/* One tick. A GPU that is not ok gets a stable, empty result; GPUs are
 * followed by their index, so a lost GPU keeps its history for when it is back. */
void live_update(struct live_analysis *la, const struct snapshot *s);
const struct live_view *live_view(const struct live_analysis *la);
void live_free(struct live_analysis *la);

#endif
