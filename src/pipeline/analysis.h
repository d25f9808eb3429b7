/* analysis.h: the analysis stage of every run -- live, replay and `analyze`
 * alike: one predictor per GPU row of the model (phase, rate, OOM range,
 * culprit) and survival verdicts per process row, written into the rows. */
#ifndef VT_ANALYSIS_STAGE_H
#define VT_ANALYSIS_STAGE_H

#include <stddef.h>

#include "analysis/predictor.h"
#include "model/model.h"

struct analysis;

/* NULL (err set) if no algorithm has that name. p is copied. */
struct analysis *analysis_new(const char *algorithm, const struct pred_params *p, char *err,
                              size_t errlen);
/* After model_update: every GPU in the latest sample whose memory is known
 * is analysed (its predictor fed with the GPU's memory and its process
 * rows); a GPU that is lost, errored or without memory figures is not
 * (its rows' `analysed` stay false) and its predictor keeps its state for
 * when it is back. Allocates only when more GPUs or processes than ever. */
void analysis_update(struct analysis *a, struct model *m);
/* Forget every predictor's state (a trace's new segment). */
void analysis_reset(struct analysis *a);
void analysis_free(struct analysis *a);

#endif
