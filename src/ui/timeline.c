/* timeline.c: a GPU's memory history as a block chart with a scale, and the predicted path to the
 * full line ahead of "now" while an OOM warning stands. */
#include "ui/timeline.h"

#include <math.h>
#include <stdio.h>

#include "config/config.h"
#include "core/textwidth.h"
#include "ui/theme.h"
#include "ui/uifmt.h"

static const char *const eighths[9] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

static struct canvas_style role_style(unsigned role, unsigned attr)
{
	return canvas_style_fg(canvas_role(role), attr);
}

/* Eighths of a block that value v fills in a cell covering [lo, lo + step);
 * on the floor row anything above zero shows at least one eighth. */
static int cell_eighths(double v, double lo, double step, bool floor_row)
{
	if (v <= lo || step <= 0)
		return 0;
	double f = (v - lo) / step;
	if (f >= 1)
		return 8;
	int e = (int)lround(f * 8);
	if (e == 0 && floor_row)
		e = 1;
	return e;
}

/* Bytes on a straight path from used (t = 0) to total (t = span), then flat. */
static double path_at(double used, double total, double span, double t)
{
	if (span <= 0 || t >= span)
		return total;
	return used + (total - used) * (t / span);
}

/* Puts " text " on the axis row at x when it lies within [lo, hi) and clear
 * of the columns [*busy0, *busy1) taken already; returns whether it did and
 * widens the busy span to cover it. */
static bool axis_label(struct canvas *c, int x, int y, const char *text, int lo, int hi, int *busy0,
                       int *busy1)
{
	char buf[48];
	snprintf(buf, sizeof(buf), " %s ", text);
	int w = (int)vt_text_width_str(buf);
	if (x < lo)
		x = lo;
	if (x + w > hi || (*busy1 > *busy0 && x < *busy1 + 1 && x + w + 1 > *busy0))
		return false;
	canvas_put_str(c, x, y, buf, canvas_style_fg(canvas_role(THEME_DIM), 0), w);
	if (*busy1 <= *busy0) {
		*busy0 = x;
		*busy1 = x + w;
	} else {
		*busy0 = x < *busy0 ? x : *busy0;
		*busy1 = x + w > *busy1 ? x + w : *busy1;
	}
	return true;
}

/* A scale label in whole GiB ("140G", "70G"), tenths below 10 GiB. */
static void gib_label(char *buf, size_t len, uint64_t bytes)
{
	double gib = (double)bytes / (1024.0 * 1024.0 * 1024.0);
	snprintf(buf, len, gib >= 9.95 ? "%.0fG" : "%.1fG", gib);
}

struct chart {
	int x, y, h; /* the plot's first column and rows */
	double step; /* bytes per row */
	double total;
};

static void put_cell(struct canvas *c, const struct chart *ch, int x, int row, int e,
                     struct canvas_style st)
{
	if (e > 0 && e <= 8)
		canvas_put_str(c, x, ch->y + row, eighths[e], st, 1);
}

/* The forecast columns [fx, fx + fc): returns the seconds they span. */
static double draw_forecast(struct canvas *c, const struct chart *ch, int fx, int fc, double used,
                            const struct pred_output *an, double refresh)
{
	double low = isfinite(an->low_s) && an->low_s > 0 ? an->low_s : 0;
	double high = isfinite(an->high_s) && an->high_s > low ? an->high_s : low;
	/* the full line is reached at 80 % of the region, never finer than a sample */
	double spc = high * 1.25 / fc;
	if (spc < refresh)
		spc = refresh;
	struct canvas_style solid = role_style(THEME_FORECAST, 0);
	struct canvas_style band = role_style(THEME_FORECAST, 0);
	struct canvas_style mark = role_style(THEME_ALERT, CANVAS_BOLD);
	bool full_said = false;
	for (int j = 0; j < fc; j++) {
		double t0 = j * spc, t1 = t0 + spc, t = t0 + spc / 2;
		int x = fx + j;
		if (t0 > high) {
			if (!full_said)
				canvas_put_str(c, x, ch->y, "full", mark, fx + fc - x);
			full_said = true;
			continue;
		}
		double hv = path_at(used, ch->total, high, t); /* the slow path, below */
		double lv = path_at(used, ch->total, low, t);  /* the fast one, above */
		for (int i = 0; i < ch->h; i++) {
			double lo = ch->step * (ch->h - 1 - i), top = lo + ch->step;
			if (hv >= top)
				put_cell(c, ch, x, i, 8, solid);
			else if (hv > lo && lv <= top)
				put_cell(c, ch, x, i,
				         cell_eighths(hv, lo, ch->step, i == ch->h - 1), solid);
			else if (lv > lo)
				canvas_put_str(c, x, ch->y + i, "░", band, 1);
		}
		if (t1 >= low && t0 <= high)
			canvas_put_str(c, x, ch->y, "╱", mark, 1);
	}
	return fc * spc;
}

void ui_timeline_draw(struct canvas *c, struct ui_rect r, int axis_y, const struct ui_state *s,
                      const struct model_gpu *g, uint64_t total, uint64_t used, bool forecast)
{
	if (r.w < 8 || r.h < 1 || total == 0)
		return;
	const struct model *m = s->m;
	double refresh = s->cfg && s->cfg->refresh_rate > 0 ? s->cfg->refresh_rate : 1.0;
	char top[16], mid[16];
	gib_label(top, sizeof(top), total);
	gib_label(mid, sizeof(mid), total / 2);
	int lw = (int)vt_text_width_str(top) + 1;
	int cw = r.w - lw - 1; /* the plot's columns, after "140G ┤" */
	if (cw < 4)
		return;
	int fc = 0;
	if (forecast) {
		fc = cw / 4 < 6 ? 6 : cw / 4;
		if (fc > cw / 2)
			fc = cw / 2;
	}
	int sep = fc > 0 ? 1 : 0;
	int hc = cw - fc - sep;
	struct chart ch = {r.x + lw + 1, r.y, r.h, (double)total / r.h, (double)total};
	struct canvas_style dim = role_style(THEME_DIM, 0), border = role_style(THEME_BORDER, 0);

	/* the scale */
	for (int i = 0; i < r.h; i++) {
		const char *lab = NULL;
		if (i == 0)
			lab = top;
		else if (i == r.h - 1)
			lab = "0G";
		else if (r.h % 2 && i == r.h / 2)
			lab = mid;
		if (lab) {
			int w = (int)vt_text_width_str(lab);
			canvas_put_str(c, r.x + lw - 1 - w, r.y + i, lab, dim, w);
		}
		canvas_put_str(c, r.x + lw, r.y + i, lab ? "┤" : "│", border, 1);
	}

	/* the history, right-aligned on now */
	uint64_t hist[UI_TIMELINE_MAX_COLS];
	size_t want = hc < UI_TIMELINE_MAX_COLS ? (size_t)hc : UI_TIMELINE_MAX_COLS;
	size_t n = hc > 0 ? model_history(m, g->hist, g->first_tick, g->last_tick, hist, want) : 0;
	int nowx = ch.x + hc - 1;
	struct canvas_style hs = role_style(THEME_TEXT, 0);
	for (size_t k = 0; k < n; k++) {
		if (hist[k] == MODEL_HIST_NONE)
			continue;
		int x = nowx - (int)(n - 1 - k);
		double v = hist[k] < total ? (double)hist[k] : (double)total;
		for (int i = 0; i < r.h; i++)
			put_cell(c, &ch, x, i,
			         cell_eighths(v, ch.step * (r.h - 1 - i), ch.step, i == r.h - 1),
			         hs);
	}

	double fspan = 0;
	if (fc > 0) {
		for (int i = 0; i < r.h; i++)
			canvas_put_str(c, nowx + 1, r.y + i, "┊", dim, 1);
		double u = used < total ? (double)used : (double)total;
		fspan = draw_forecast(c, &ch, nowx + 2, fc, u, &g->an, refresh);
	}

	if (axis_y < 0)
		return;
	canvas_put_str(c, r.x + lw, axis_y, "┴", border, 1);
	int b0 = 0, b1 = 0, hi = r.x + r.w;
	char lab[40], d[32];
	/* "now" first: centred on the separator, or ending at the last sample */
	axis_label(c, fc > 0 ? nowx - 1 : nowx - 4, axis_y, "now", ch.x, hi, &b0, &b1);
	if (n >= 2) {
		double span = model_tick_time(m, m->tick) - model_tick_time(m, m->tick - n + 1);
		if (!isfinite(span) || span <= 0)
			span = (double)(n - 1) * refresh;
		snprintf(lab, sizeof(lab), "−%s", uifmt_duration(d, sizeof(d), span));
		axis_label(c, nowx - (int)(n - 1) - 1, axis_y, lab, ch.x, hi, &b0, &b1);
	}
	if (fc > 0) {
		snprintf(lab, sizeof(lab), "+%s", uifmt_duration(d, sizeof(d), fspan));
		int w = (int)vt_text_width_str(lab) + 2;
		axis_label(c, nowx + 2 + fc - w, axis_y, lab, ch.x, hi, &b0, &b1);
	}
}
