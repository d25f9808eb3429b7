/* frame.c: a whole frame -- layout, every widget, the overlay of the mode. */
#include "model/model.h"
#include "ui/widgets.h"

void ui_draw_frame(struct canvas *c, const struct ui_state *s)
{
	struct layout lo = layout_compute(canvas_width(c), canvas_height(c),
	                                  s->m ? (int)s->m->snap.ngpus : 0, s->layout_force);
	canvas_clear(c, canvas_style_fg(canvas_role(THEME_TEXT), 0));
	if (lo.kind == LAYOUT_TOO_SMALL) {
		ui_draw_too_small(c, lo.screen);
		return;
	}
	ui_draw_header(c, lo.header, s);
	for (int i = 0; s->m && i < lo.gpus_shown; i++) {
		const struct model *m = s->m;
		const struct model_gpu *g = &m->gpus[m->gpu_of_snap[i]];
		ui_draw_gpu_card(c, lo.card[i], lo.card_style, s, g);
	}
	ui_draw_table(c, lo.table, lo.kind, s);
	ui_draw_notices(c, lo.notices, s);
	ui_draw_footer(c, lo.footer, s);
	switch (s->mode) {
	case UI_DETAIL:
		ui_draw_detail(c, lo.screen, s);
		break;
	case UI_HELP:
		ui_draw_help(c, lo.screen, s);
		break;
	case UI_KILL_CONFIRM:
	case UI_KILL_ESCALATE:
		ui_draw_kill(c, lo.screen, s);
		break;
	default:
		break;
	}
}
