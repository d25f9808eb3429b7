/* gpu_card.c: one GPU's card -- title and phase, the memory bar stacked by process, its legend, the
 * OOM or metrics line and the timeline -- as TIMELINE, BOXED or one LINE. */
#include "ui/widgets.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "core/textwidth.h"
#include "ui/theme.h"
#include "ui/timeline.h"
#include "ui/uifmt.h"

#define BAR_TOP  7 /* processes with a segment of their own */
#define BAR_SEGS (BAR_TOP + 2)

struct bar_seg {
	unsigned role;
	uint64_t bytes;
	const struct model_proc *p; /* a top process; NULL for "others" and "no process" */
	size_t count;               /* processes in "others" */
	int cells;
};

struct bar {
	struct bar_seg seg[BAR_SEGS];
	size_t n;
	uint64_t total, used;
};

static struct canvas_style fg(unsigned role, unsigned attr)
{
	return canvas_style_fg(canvas_role(role), attr);
}

/* canvas_put_str that writes nothing for max <= 0 (its -1 means no limit). */
static int put(struct canvas *c, int x, int y, const char *s, struct canvas_style st, int max)
{
	return max > 0 ? canvas_put_str(c, x, y, s, st, max) : 0;
}

static int width(const char *s)
{
	return (int)vt_text_width_str(s);
}

/* s cut to cols columns with "…" into dst. */
static const char *fit(char *dst, size_t cap, const char *s, int cols)
{
	if (cols <= 0) {
		dst[0] = '\0';
		return dst;
	}
	vt_text_fit(dst, cap, s, strlen(s), (size_t)cols, VT_TEXT_FIT_ELLIPSIS | VT_TEXT_FIT_NOPAD,
	            NULL);
	return dst;
}

/* Bar order: more memory first, then the lower PID, then the older. */
static bool proc_before(const struct model_proc *a, const struct model_proc *b)
{
	if (a->used != b->used)
		return a->used > b->used;
	if (a->pid != b->pid)
		return a->pid < b->pid;
	return a->starttime < b->starttime;
}

unsigned ui_proc_bar_role(const struct model_gpu *g, const struct model_proc *p)
{
	unsigned rank = 0;
	for (size_t i = 0; g && p && i < g->nrows && rank < BAR_TOP; i++) {
		const struct model_proc *q = g->rows[i];
		if (q != p && q->present && proc_before(q, p))
			rank++;
	}
	return rank < BAR_TOP ? THEME_BAR0 + rank : THEME_BAR7;
}

const char *ui_proc_bar_glyph(unsigned role)
{
	/* bar0..bar7, no process, free: told apart without colour */
	static const char *const glyph[] = {"█", "▓", "▒", "▚", "▞", "▙", "▟", "▄", "░", " "};
	if (role >= THEME_BAR0 && role <= THEME_BAR_FREE)
		return glyph[role - THEME_BAR0];
	return "█";
}

/* The segments of g's bar: the top processes, "others", "no process". */
static void bar_build(const struct model_gpu *g, uint64_t total, uint64_t used, struct bar *b)
{
	memset(b, 0, sizeof(*b));
	b->total = total;
	b->used = used < total ? used : total;
	const struct model_proc *top[BAR_TOP];
	size_t ntop = 0, nrest = 0;
	uint64_t all = 0, rest = 0;
	for (size_t i = 0; i < g->nrows; i++) {
		const struct model_proc *p = g->rows[i];
		if (!p->present)
			continue;
		all += p->used;
		size_t k = ntop;
		while (k > 0 && proc_before(p, top[k - 1]))
			k--;
		if (k >= BAR_TOP) {
			rest += p->used;
			nrest++;
			continue;
		}
		if (ntop == BAR_TOP) {
			rest += top[BAR_TOP - 1]->used;
			nrest++;
		} else {
			ntop++;
		}
		memmove(&top[k + 1], &top[k], (ntop - 1 - k) * sizeof(top[0]));
		top[k] = p;
	}
	for (size_t k = 0; k < ntop; k++)
		b->seg[b->n++] =
		    (struct bar_seg){THEME_BAR0 + (unsigned)k, top[k]->used, top[k], 1, 0};
	if (nrest)
		b->seg[b->n++] = (struct bar_seg){THEME_BAR7, rest, NULL, nrest, 0};
	if (b->used > all)
		b->seg[b->n++] = (struct bar_seg){THEME_BAR_NOPROC, b->used - all, NULL, 0, 0};
}

/* Cells per segment in a bar of w: cumulative rounding, so each is within a
 * cell of its share and together they never pass w. */
static void bar_layout(struct bar *b, int w)
{
	uint64_t cum = 0;
	int prev = 0;
	for (size_t k = 0; k < b->n; k++) {
		cum += b->seg[k].bytes;
		uint64_t capped = cum < b->total ? cum : b->total;
		int bound = b->total ? (int)llround((double)capped * w / (double)b->total) : 0;
		b->seg[k].cells = bound - prev;
		prev = bound;
	}
}

static void bar_draw(struct canvas *c, int x, int y, int w, struct bar *b)
{
	if (w <= 0)
		return;
	bar_layout(b, w);
	for (size_t k = 0; k < b->n; k++) {
		unsigned role = b->seg[k].role;
		canvas_fill(c, (struct ui_rect){x, y, b->seg[k].cells, 1}, ui_proc_bar_glyph(role),
		            fg(role, 0));
		x += b->seg[k].cells;
		w -= b->seg[k].cells;
	}
	struct canvas_style free_st = canvas_style_plain();
	free_st.bg = canvas_role(THEME_BAR_FREE);
	canvas_fill(c, (struct ui_rect){x, y, w, 1}, " ", free_st);
}

/* What a process is called: its command line, else its name, else "". */
static const char *proc_label(const struct model_proc *p)
{
	if (!p || !p->id)
		return "";
	return p->id->cmd[0] ? p->id->cmd : p->id->name;
}

/* A legend item's text after its glyph: "4242 python train.py 61.2G". */
static void seg_text(char *buf, size_t len, const struct bar_seg *sg, int name_cols)
{
	char size[16], name[VT_CMD_MAX * 3 + 8];
	uifmt_bytes(size, sizeof(size), sg->bytes);
	if (sg->p) {
		fit(name, sizeof(name), proc_label(sg->p), name_cols);
		snprintf(buf, len, "%d%s%s %s", (int)sg->p->pid, name[0] ? " " : "", name, size);
	} else if (sg->role == THEME_BAR7) {
		snprintf(buf, len, "%zu other%s %s", sg->count, sg->count == 1 ? "" : "s", size);
	} else {
		snprintf(buf, len, "no process %s", size);
	}
}

struct legend_item {
	int fixed; /* columns without the name: "█ 4242 61.2G" */
	int namew; /* the full name's columns, 0 without one */
};

/* Columns the legend takes showing the first ntop processes (the rest of
 * the top ones left out), names cut to cap (0: none) and items sep apart. */
static int legend_width(const struct bar *b, const struct legend_item *it, size_t ntop, int cap,
                        int sep)
{
	int need = 0;
	for (size_t k = 0; k < b->n; k++) {
		if (!b->seg[k].bytes || (b->seg[k].p && k >= ntop))
			continue;
		int name = it[k].namew < cap ? it[k].namew : cap;
		need += (need ? sep : 0) + it[k].fixed + (name ? 1 + name : 0);
	}
	return need;
}

/* "█ 4242 python train.py 61.2G   ▓ ...": every item if it can, with the
 * longest names that fit, closer together when tight; else without the
 * smallest processes' items ("others" and "no process" stay longest). */
static void legend_draw(struct canvas *c, int x, int y, int w, const struct bar *b)
{
	char buf[VT_CMD_MAX * 3 + 48];
	struct legend_item it[BAR_SEGS];
	size_t ntop = 0;
	for (size_t k = 0; k < b->n; k++) {
		seg_text(buf, sizeof(buf), &b->seg[k], 0);
		it[k].fixed = 2 + width(buf);
		it[k].namew = b->seg[k].p ? width(proc_label(b->seg[k].p)) : 0;
		ntop += b->seg[k].p != NULL;
	}
	int cap = 0, sep = 2;
	bool found = false;
	for (size_t keep = ntop + 1; keep-- > 0 && !found;)
		for (int cp = 40; cp >= 0 && !found; cp = cp > 4 ? cp - 1 : cp - 4)
			for (int sp = 3; sp >= 2 && !found; sp--)
				if (legend_width(b, it, keep, cp, sp) <= w) {
					found = true;
					ntop = keep;
					cap = cp;
					sep = sp;
				}
	int x1 = x + w;
	for (size_t k = 0; k < b->n; k++) {
		if (!b->seg[k].bytes || (b->seg[k].p && k >= ntop))
			continue;
		seg_text(buf, sizeof(buf), &b->seg[k], cap);
		if (x + 2 + width(buf) > x1)
			break;
		x += put(c, x, y, ui_proc_bar_glyph(b->seg[k].role), fg(b->seg[k].role, 0), 1);
		x += 1;
		x += put(c, x, y, buf, fg(THEME_TEXT, 0), x1 - x) + sep;
	}
}

/* "util 97 % (device)  62 °C  512 W", N/A for what the driver did not give. */
static void metrics_fmt(char *buf, size_t len, const struct snap_gpu *sg)
{
	char u[32], t[24], p[24];
	if (sg->valid & GM_UTIL_GPU)
		snprintf(u, sizeof(u), "util %u %% (device)", sg->util_gpu);
	else
		snprintf(u, sizeof(u), "util N/A");
	if (sg->valid & GM_TEMP)
		snprintf(t, sizeof(t), "%u °C", sg->temp_c);
	else
		snprintf(t, sizeof(t), "temp N/A");
	if (sg->valid & GM_POWER)
		snprintf(p, sizeof(p), "%.0f W", sg->power_mw / 1000.0);
	else
		snprintf(p, sizeof(p), "power N/A");
	snprintf(buf, len, "%s  %s  %s", u, t, p);
}

static const struct model_proc *culprit_of(const struct model_gpu *g)
{
	for (size_t i = 0; g->an.culprit_pid && i < g->nrows; i++) {
		const struct model_proc *p = g->rows[i];
		if (p->pid == g->an.culprit_pid &&
		    (!g->an.culprit_starttime || p->starttime == g->an.culprit_starttime))
			return p;
	}
	return NULL;
}

/* "!!! OOM in ~60–120 s  ·  PID 4242 python train.py  [■■■□□]" within w. */
static int oom_draw(struct canvas *c, int x, int y, int w, const struct ui_state *s,
                    const struct model_gpu *g)
{
	char range[48], conf[48], head[96], who[VT_CMD_MAX * 3 + 32], cut[sizeof(who)];
	struct canvas_style alert = fg(THEME_ALERT, CANVAS_BOLD);
	uifmt_range(range, sizeof(range), g->an.low_s, g->an.high_s);
	uifmt_confidence(conf, sizeof(conf), g->an.confidence, s->accessible);
	snprintf(head, sizeof(head), "%s in %s", s->accessible ? "OOM WARNING" : "!!! OOM", range);
	who[0] = '\0';
	if (g->an.culprit_pid) {
		const char *name = proc_label(culprit_of(g));
		snprintf(who, sizeof(who), "PID %d%s%s", (int)g->an.culprit_pid, *name ? " " : "",
		         name);
	}
	int x0 = x, x1 = x + w;
	x += put(c, x, y, head, alert, x1 - x);
	int cw = width(conf) + 2;
	if (who[0]) {
		int room = x1 - x - 5 - cw;
		if (room < 10)
			room = x1 - x - 5; /* the culprit before the confidence */
		if (room >= 8) {
			x += put(c, x, y, "  ·  ", fg(THEME_DIM, 0), x1 - x);
			x += put(c, x, y, fit(cut, sizeof(cut), who, room), alert, room);
		}
	}
	if (x + cw <= x1) {
		x += put(c, x, y, "  ", alert, 2);
		x += put(c, x, y, conf, alert, x1 - x);
	}
	return x - x0;
}

/* The line under the legend: the OOM warning with the metrics at the right
 * when both fit, else the warning alone; without a warning the metrics.
 * Returns the columns it covered. */
static int status_draw(struct canvas *c, int x, int y, int w, const struct ui_state *s,
                       const struct model_gpu *g, const struct snap_gpu *sg, bool edge)
{
	char met[96];
	metrics_fmt(met, sizeof(met), sg);
	int mw = width(met);
	if (!ui_oom_warning(s, g))
		return put(c, x, y, met, fg(THEME_TEXT, 0), w);
	bool both = w >= mw + 4 + 48;
	int used = oom_draw(c, x, y, both ? w - mw - 4 : w, s, g);
	if (!both)
		return used;
	if (edge) /* on a border: a space each side of each part */
		put(c, x + used, y, " ", canvas_style_plain(), 1);
	put(c, x + w - mw - 1, y, " ", canvas_style_plain(), 1);
	return used + put(c, x + w - mw, y, met, fg(THEME_TEXT, 0), mw) + (w - mw - used);
}

/* Why g has no numbers to show ("LOST: fell off the bus"), or NULL. */
static const char *card_trouble(const struct ui_state *s, const struct model_gpu *g, char *buf,
                                size_t len, const char **word)
{
	const struct snap_gpu *sg = model_gpu_snap(s->m, g);
	if (!sg) {
		*word = "LOST";
		snprintf(buf, len, "LOST: not in the last sample");
	} else if (sg->state == GPU_STATE_LOST) {
		*word = "LOST";
		snprintf(buf, len, "LOST: %s", sg->error[0] ? sg->error : "fell off the bus");
	} else if (sg->state != GPU_STATE_OK) {
		*word = "ERROR";
		snprintf(buf, len, "ERROR: %s",
		         sg->error[0] ? sg->error : "the driver reports an error");
	} else if (!g->mem_ok) {
		*word = "N/A";
		snprintf(buf, len, "N/A: the driver gave no memory figures");
	} else {
		return NULL;
	}
	return buf;
}

/* "GPU 0 · NVIDIA H200" */
static void title_fmt(char *buf, size_t len, const struct model_gpu *g)
{
	if (g->name[0])
		snprintf(buf, len, "GPU %u · %s", g->index, g->name);
	else
		snprintf(buf, len, "GPU %u", g->index);
}

/* "▲ growing +212.0 MB/s" (accessible: "growing +212.0 MB/s"). */
static void badge_fmt(char *buf, size_t len, const struct ui_state *s, const struct model_gpu *g)
{
	char rate[24];
	snprintf(buf, len, "%s %s MB/s", uifmt_phase(g->an.phase, s->accessible, false),
	         uifmt_rate(rate, sizeof(rate), g->an.rate_mb_s));
}

static unsigned phase_role(enum vt_phase ph)
{
	return (unsigned)ph <= PHASE_VOLATILE ? THEME_PHASE_STABLE + (unsigned)ph
	                                      : THEME_PHASE_STABLE;
}

/* The top edge: "╭ GPU 0 · NVIDIA H200 ──── ▲ growing +212.0 MB/s ╮". */
static void title_draw(struct canvas *c, struct ui_rect r, const struct ui_state *s,
                       const struct model_gpu *g, const char *trouble_word)
{
	char title[VT_GPU_NAME_MAX + 32], badge[96], cut[3 * sizeof(title)];
	struct canvas_style bst = fg(THEME_TEXT, 0), border = fg(THEME_BORDER, 0);
	badge[0] = '\0';
	if (trouble_word) {
		snprintf(badge, sizeof(badge), "%s", trouble_word);
		bst = fg(THEME_ALERT, CANVAS_BOLD);
	} else if (g->analysed) {
		badge_fmt(badge, sizeof(badge), s, g);
		bst = fg(phase_role(g->an.phase), CANVAS_BOLD);
	}
	title_fmt(title, sizeof(title), g);
	int bw = width(badge), room = r.w - 4;
	if (bw && room - bw - 3 >= 8) {
		int bx = r.x + r.w - 2 - bw;
		put(c, bx - 1, r.y, " ", border, 1);
		put(c, bx, r.y, badge, bst, bw);
		put(c, bx + bw, r.y, " ", border, 1);
		room -= bw + 3;
	}
	if (room < 1)
		return;
	put(c, r.x + 1, r.y, " ", border, 1);
	int tw = put(c, r.x + 2, r.y, fit(cut, sizeof(cut), title, room),
	             fg(THEME_TITLE, CANVAS_BOLD), room);
	put(c, r.x + 2 + tw, r.y, " ", border, 1);
}

/* "118.9 / 140.4 GiB" */
static void gib_fmt(char *buf, size_t len, uint64_t used, uint64_t total)
{
	const double gib = 1024.0 * 1024.0 * 1024.0;
	snprintf(buf, len, "%.1f / %.1f GiB", (double)used / gib, (double)total / gib);
}

/* The bar row of a boxed card: the bar, then "118.9 / 140.4 GiB". */
static void bar_row_draw(struct canvas *c, int x, int y, int w, struct bar *b)
{
	char num[48];
	gib_fmt(num, sizeof(num), b->used, b->total);
	int nw = width(num);
	int bw = w - nw - 2;
	if (bw < 4) {
		bar_draw(c, x, y, w, b);
		return;
	}
	bar_draw(c, x, y, bw, b);
	put(c, x + w - nw, y, num, fg(THEME_TEXT, CANVAS_BOLD), nw);
}

static void card_boxed(struct canvas *c, struct ui_rect r, const struct ui_state *s,
                       const struct model_gpu *g, bool timeline)
{
	char why[200];
	const char *word = NULL;
	const char *trouble = card_trouble(s, g, why, sizeof(why), &word);
	canvas_box(c, r, fg(THEME_BORDER, 0), NULL, canvas_style_plain());
	title_draw(c, r, s, g, trouble ? word : NULL);
	int x = r.x + 2, w = r.w - 4, y = r.y + 1, ybot = r.y + r.h - 1;
	if (trouble) {
		put(c, x, y, trouble, fg(THEME_ALERT, CANVAS_BOLD), w);
		return;
	}
	const struct snap_gpu *sg = model_gpu_snap(s->m, g);
	struct bar b;
	bar_build(g, sg->mem_total, sg->mem_used, &b);
	bar_row_draw(c, x, y++, w, &b);
	if (!timeline) {
		if (y < ybot) {
			status_draw(c, x, y, w, s, g, sg, false);
		} else {
			/* three rows: the status line goes into the bottom edge */
			put(c, x - 1, ybot, " ", fg(THEME_BORDER, 0), 1);
			int end = status_draw(c, x, ybot, w - 1, s, g, sg, true);
			put(c, x + end, ybot, " ", fg(THEME_BORDER, 0), 1);
		}
		return;
	}
	if (y < ybot)
		legend_draw(c, x, y++, w, &b);
	if (y < ybot)
		status_draw(c, x, y++, w, s, g, sg, false);
	if (y < ybot)
		ui_timeline_draw(c, (struct ui_rect){x, y, w, ybot - y}, ybot, s, g, sg->mem_total,
		                 sg->mem_used, ui_oom_warning(s, g));
}

/* "H200" from "NVIDIA H200", "RTX 4090" from "NVIDIA GeForce RTX 4090". */
static void short_name(char *buf, size_t len, const char *name)
{
	static const char *const prefix[] = {"NVIDIA ", "GeForce ", "Tesla ", "Quadro "};
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (strncmp(name, prefix[i], strlen(prefix[i])) == 0)
			name += strlen(prefix[i]);
	size_t n = strcspn(name, " ");
	if (n <= 3 && name[n] == ' ')
		n += 1 + strcspn(name + n + 1, " ");
	char word[VT_GPU_NAME_MAX];
	snprintf(word, sizeof(word), "%.*s", (int)n, name);
	fit(buf, len, word, 10);
}

/* One line: "0 H200 ██████▓▓▒░   119/140G ▲ +212.0 MB/s  !!! OOM ~60–120 s".
 * When narrow the rate goes first, then the phase, then the bar; the OOM
 * warning stays longest. */
static void card_line(struct canvas *c, struct ui_rect r, const struct ui_state *s,
                      const struct model_gpu *g)
{
	char nm[48], head[64], why[200], ut[48], ph[64], rate[24], oom[64], range[48];
	const char *word = NULL;
	const char *trouble = card_trouble(s, g, why, sizeof(why), &word);
	short_name(nm, sizeof(nm), g->name);
	snprintf(head, sizeof(head), "%u%s%s", g->index, nm[0] ? " " : "", nm);
	int x = r.x, y = r.y, x1 = r.x + r.w;
	x += put(c, x, y, head, fg(THEME_TITLE, CANVAS_BOLD), x1 - x);
	if (trouble) {
		x += put(c, x, y, " — ", fg(THEME_DIM, 0), x1 - x);
		put(c, x, y, trouble, fg(THEME_ALERT, CANVAS_BOLD), x1 - x);
		return;
	}
	const struct snap_gpu *sg = model_gpu_snap(s->m, g);
	const double gib = 1024.0 * 1024.0 * 1024.0;
	double u = (double)sg->mem_used / gib, t = (double)sg->mem_total / gib;
	if (t < 10)
		snprintf(ut, sizeof(ut), "%.1f/%.1fG", u, t);
	else
		snprintf(ut, sizeof(ut), "%.0f/%.0fG", u, t);
	ph[0] = oom[0] = '\0';
	if (g->analysed) {
		if (g->an.phase == PHASE_STABLE)
			snprintf(ph, sizeof(ph), "%s",
			         uifmt_phase(PHASE_STABLE, s->accessible, false));
		else
			snprintf(ph, sizeof(ph), "%s %s MB/s",
			         uifmt_phase(g->an.phase, s->accessible, true),
			         uifmt_rate(rate, sizeof(rate), g->an.rate_mb_s));
	}
	if (ui_oom_warning(s, g))
		snprintf(oom, sizeof(oom), "%s %s", s->accessible ? "OOM WARNING" : "!!! OOM",
		         uifmt_range(range, sizeof(range), g->an.low_s, g->an.high_s));
	int hw = x - r.x, uw = width(ut), pw = width(ph), ow = width(oom);
	bool show_ph = pw > 0, show_bar = true;
	int fixed = hw + 1 + uw + (show_ph ? 1 + pw : 0) + (ow ? 2 + ow : 0);
	if (fixed + 1 + 6 > r.w && show_ph && g->an.phase != PHASE_STABLE) {
		/* the glyph alone */
		snprintf(ph, sizeof(ph), "%s", uifmt_phase(g->an.phase, s->accessible, true));
		fixed -= pw - width(ph);
		pw = width(ph);
	}
	if (fixed + 1 + 6 > r.w && show_ph) {
		show_ph = false;
		fixed -= 1 + pw;
	}
	if (fixed + 1 + 4 > r.w) {
		show_bar = false;
	}
	int bw = show_bar ? r.w - fixed - 1 : 0;
	if (show_bar) {
		struct bar b;
		bar_build(g, sg->mem_total, sg->mem_used, &b);
		x += 1;
		bar_draw(c, x, y, bw, &b);
		x += bw;
	}
	x += put(c, x, y, " ", canvas_style_plain(), x1 - x);
	x += put(c, x, y, ut, fg(THEME_TEXT, CANVAS_BOLD), x1 - x);
	if (show_ph) {
		x += put(c, x, y, " ", canvas_style_plain(), x1 - x);
		x += put(c, x, y, ph, fg(phase_role(g->an.phase), CANVAS_BOLD), x1 - x);
	}
	if (ow) {
		x += put(c, x, y, "  ", canvas_style_plain(), x1 - x);
		put(c, x, y, oom, fg(THEME_ALERT, CANVAS_BOLD), x1 - x);
	}
}

void ui_draw_gpu_card(struct canvas *c, struct ui_rect r, enum layout_card style,
                      const struct ui_state *s, const struct model_gpu *g)
{
	if (!c || !s || !s->m || !g || style == LAYOUT_CARD_NONE)
		return;
	struct ui_rect old = canvas_get_clip(c);
	struct ui_rect clip = ui_rect_intersect(r, old);
	if (ui_rect_empty(clip))
		return;
	canvas_clip(c, clip);
	canvas_fill(c, r, " ", canvas_style_plain());
	if (style == LAYOUT_CARD_TIMELINE && r.h >= 4 && r.w >= 20)
		card_boxed(c, r, s, g, true);
	else if (style != LAYOUT_CARD_LINE && r.h >= 3 && r.w >= 20)
		card_boxed(c, r, s, g, false);
	else
		card_line(c, r, s, g);
	canvas_clip(c, old);
}
