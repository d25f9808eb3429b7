/* timeline.h: a GPU's memory timeline, drawn inside its card (ui/gpu_card.c). */
#ifndef VT_UI_TIMELINE_H
#define VT_UI_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"
#include "ui/canvas.h"
#include "ui/state.h"

/* Columns of history shown at most (one sample per column). */
#define UI_TIMELINE_MAX_COLS 512

/* Draws g's memory history into r as a block chart (▁..█, full blocks below
 * the top partial one), one sample per column ending at "now", with a
 * y-scale in the left gutter (total at the top row, half in the middle row
 * when the rows are odd, 0 at the bottom). With forecast, the right part of r
 * shows the predicted path from used (now) to total over g->an.low_s ..
 * high_s on its own time scale: the slow (high_s) path as blocks, the band up
 * to the fast (low_s) path as ░, both THEME_FORECAST, the columns where it
 * reaches the full line marked ╱ in THEME_ALERT. When axis_y >= 0 the x
 * labels ("−5 min", "now", "+2 min") are written on row axis_y within r's
 * columns (a card's bottom border). Writes nothing outside r and row axis_y. */
void ui_timeline_draw(struct canvas *c, struct ui_rect r, int axis_y, const struct ui_state *s,
                      const struct model_gpu *g, uint64_t total, uint64_t used, bool forecast);

#endif
