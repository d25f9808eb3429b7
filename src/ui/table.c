/* table.c: the process table -- one column geometry for drawing and clicks. */
#include <stdio.h>
#include <string.h>

#include "core/textwidth.h"
#include "ui/theme.h"
#include "ui/uifmt.h"
#include "ui/widgets.h"

enum col_id { C_PID, C_USER, C_GPU, C_TYPE, C_USED, C_SHARE, C_PHASE, C_RATE, C_VERDICT, C_CMD };

/* A column: its heading, width (0: the rest of the row), alignment, the sort
 * a click on it picks (-1: none) and the layouts that show it. */
struct col {
	enum col_id id;
	const char *head;
	int w;
	bool right;
	int sort;
	unsigned kinds;
};

#define K_FULL (1u << LAYOUT_FULL)
#define K_COMP (1u << LAYOUT_COMPACT)
#define K_MINI (1u << LAYOUT_MINI)

/* PHASE is 11 wide ("▼ shrinking", "〜 volatile"). */
static const struct col cols[] = {
    {C_PID, "PID", 7, false, UI_SORT_PID, K_FULL | K_COMP | K_MINI},
    {C_USER, "USER", 9, false, -1, K_FULL},
    {C_GPU, "GPU", 3, false, -1, K_FULL | K_COMP},
    {C_TYPE, "TYPE", 9, false, -1, K_FULL},
    {C_USED, "USED", 6, true, UI_SORT_MEM, K_FULL | K_COMP | K_MINI},
    {C_SHARE, "SHARE", 5, true, -1, K_FULL},
    {C_PHASE, "PHASE", 11, false, -1, K_FULL | K_COMP | K_MINI},
    {C_RATE, "MB/s", 7, true, UI_SORT_RATE, K_FULL | K_COMP | K_MINI},
    {C_VERDICT, "VERDICT", 8, false, UI_SORT_OOM, K_FULL | K_COMP | K_MINI},
    {C_CMD, "COMMAND", 0, false, UI_SORT_NAME, K_FULL | K_COMP},
};
#define NCOLS  (sizeof(cols) / sizeof(cols[0]))
#define PREFIX 3 /* "▶" (selection), the process's bar glyph, a space */

/* Where each shown column starts and how wide it is, within r. */
struct geom {
	int n;
	const struct col *col[NCOLS];
	int x[NCOLS], w[NCOLS];
};

static struct geom geom_of(struct ui_rect r, enum layout_kind kind)
{
	struct geom gm = {0};
	int gap = kind == LAYOUT_MINI ? 1 : 2;
	int x = r.x + PREFIX;
	for (size_t i = 0; i < NCOLS; i++) {
		const struct col *c = &cols[i];
		if (!(c->kinds & (1u << kind)))
			continue;
		int w = c->w;
		/* MINI fits "tight" in 40 columns: PHASE cut to 9, MB/s 6 */
		if (kind == LAYOUT_MINI && c->id == C_PHASE)
			w = 9;
		if (kind == LAYOUT_MINI && c->id == C_RATE)
			w = 6;
		if (c->w == 0)
			w = r.x + r.w - x;
		gm.col[gm.n] = c;
		gm.x[gm.n] = x;
		gm.w[gm.n] = w < 0 ? 0 : w;
		gm.n++;
		x += w + gap;
	}
	/* the last column takes what is left of the row */
	if (gm.n) {
		int rest = r.x + r.w - gm.x[gm.n - 1];
		if (rest > gm.w[gm.n - 1])
			gm.w[gm.n - 1] = rest;
	}
	return gm;
}

int ui_table_visible_rows(struct ui_rect r)
{
	return r.h > 1 ? r.h - 1 : 0;
}

int ui_table_header_hit(struct ui_rect r, enum layout_kind kind, int x)
{
	if (kind == LAYOUT_TOO_SMALL || x < r.x || x >= r.x + r.w)
		return -1;
	struct geom gm = geom_of(r, kind);
	for (int i = 0; i < gm.n; i++) {
		/* a column owns its cells and the gap after it */
		int end = i + 1 < gm.n ? gm.x[i + 1] : r.x + r.w;
		if (x >= gm.x[i] && x < end)
			return gm.col[i]->sort;
	}
	return -1;
}

/* Writes s cut to w columns (with "…") at x, right-aligned when right. */
static void put_cell(struct canvas *c, int x, int y, int w, const char *s, bool right,
                     struct canvas_style st)
{
	char buf[VT_TEXT_FIT_CAP(VT_CMD_MAX, 0) + 16];
	size_t used = 0;
	if (w <= 0)
		return;
	vt_text_fit(buf, sizeof(buf), s, strlen(s), (size_t)w,
	            VT_TEXT_FIT_ELLIPSIS | VT_TEXT_FIT_NOPAD, &used);
	int pad = right ? w - (int)used : 0;
	canvas_put_str(c, x + pad, y, buf, st, w - pad);
}

static struct canvas_style with_bg(struct canvas_style st, bool sel)
{
	if (sel)
		st.bg = canvas_role(THEME_SELECTION);
	return st;
}

static void draw_heading(struct canvas *c, struct ui_rect r, const struct geom *gm,
                         const struct ui_state *s)
{
	struct canvas_style hs = canvas_style_fg(canvas_role(THEME_HEADER), CANVAS_BOLD);
	struct canvas_style ss =
	    canvas_style_fg(canvas_role(THEME_HEADER), CANVAS_BOLD | CANVAS_UNDERLINE);
	for (int i = 0; i < gm->n; i++) {
		const struct col *col = gm->col[i];
		bool sorted = col->sort >= 0 && col->sort == (int)s->sort;
		char h[32];
		snprintf(h, sizeof(h), "%s%s", col->head,
		         sorted ? (s->accessible ? "*" : "▼") : "");
		put_cell(c, gm->x[i], r.y, gm->w[i], h, col->right, sorted ? ss : hs);
	}
}

static const char *command_of(const struct model_proc *p, bool *dim)
{
	const struct model_ident *id = p->id;
	*dim = false;
	if (id && id->cmd[0])
		return id->cmd;
	if (id && id->name[0])
		return id->name;
	*dim = true;
	if (id && (id->flags & PF_GONE))
		return "[not in this PID namespace]";
	if (id && (id->flags & PF_UID_VALID) && !(id->flags & PF_SAME_USER))
		return "[other user]";
	return "-";
}

static struct canvas_style verdict_style(const struct ui_row *row, const char **text)
{
	const struct model_proc *p = row->p;
	if (row->culprit || (p->analysed && p->verdict == SURV_OOM)) {
		*text = uifmt_verdict(SURV_OOM);
		return canvas_style_fg(canvas_role(THEME_ALERT), CANVAS_BOLD);
	}
	if (!p->analysed) {
		*text = "-";
		return canvas_style_fg(canvas_role(THEME_DIM), 0);
	}
	*text = uifmt_verdict(p->verdict);
	return canvas_style_fg(canvas_role(p->verdict == SURV_TIGHT ? THEME_WARN : THEME_OK), 0);
}

static void draw_cell(struct canvas *c, int x, int y, int w, enum col_id id,
                      const struct ui_row *row, const struct ui_state *s, bool sel)
{
	const struct model_proc *p = row->p;
	const struct model_gpu *g = row->g;
	struct canvas_style plain = with_bg(canvas_style_plain(), sel);
	struct canvas_style dim = with_bg(canvas_style_fg(canvas_role(THEME_DIM), 0), sel);
	char buf[48];
	const char *t = buf;
	struct canvas_style st = plain;
	bool right = false, d = false;
	switch (id) {
	case C_PID:
		snprintf(buf, sizeof(buf), "%d", (int)p->pid);
		break;
	case C_USER:
		t = p->id && p->id->user[0] ? p->id->user : "-";
		break;
	case C_GPU:
		snprintf(buf, sizeof(buf), "%u", g->index);
		break;
	case C_TYPE: {
		const struct snap_proc *sp = p->present ? model_proc_snap(s->m, p) : NULL;
		t = sp ? snap_proc_type_name(sp->type) : "-";
		break;
	}
	case C_USED:
		right = true;
		if (p->id && !(p->id->flags & PF_USED_VALID)) {
			t = "N/A";
			st = dim;
		} else {
			uifmt_bytes(buf, sizeof(buf), p->used);
		}
		break;
	case C_SHARE:
		right = true;
		if (g->mem_total && !(p->id && !(p->id->flags & PF_USED_VALID)))
			snprintf(buf, sizeof(buf), "%.0f %%",
			         100.0 * (double)p->used / (double)g->mem_total);
		else
			t = "-";
		break;
	case C_PHASE:
		if (!p->analysed) {
			t = "-";
			st = dim;
			break;
		}
		t = uifmt_phase(p->an.phase, s->accessible, false);
		st = with_bg(
		    canvas_style_fg(canvas_role(THEME_PHASE_STABLE + (unsigned)p->an.phase), 0),
		    sel);
		break;
	case C_RATE:
		right = true;
		if (p->analysed)
			uifmt_rate(buf, sizeof(buf), p->an.rate_mb_s);
		else
			t = "-";
		break;
	case C_VERDICT:
		st = with_bg(verdict_style(row, &t), sel);
		break;
	case C_CMD: {
		/* the badge of what enrichment learnt: [vllm docker MPS] */
		int bw = (int)ui_proc_badge(buf, sizeof(buf), s->m, p);
		if (bw && w > bw + 1) {
			put_cell(c, x, y, bw, buf, false,
			         with_bg(canvas_style_fg(canvas_role(THEME_HEADER), 0), sel));
			x += bw + 1;
			w -= bw + 1;
		}
		t = command_of(p, &d);
		if (d)
			st = dim;
		break;
	}
	}
	put_cell(c, x, y, w, t, right, st);
}

size_t ui_proc_badge(char *buf, size_t cap, const struct model *m, const struct model_proc *p)
{
	const struct enrich_facts *f = p->id ? &p->id->enr : NULL;
	const struct snap_proc *sp = p->present && m ? model_proc_snap(m, p) : NULL;
	const char *part[3];
	size_t n = 0, len = 0;
	if (f && f->fw != FW_NONE)
		part[n++] = enrich_fw_name(f->fw);
	if (f && f->ct.runtime[0])
		part[n++] = f->ct.runtime;
	if (sp && (sp->type & PROC_MPS))
		part[n++] = "MPS";
	buf[0] = '\0';
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(buf + len, cap - len, "%s%s", i ? " " : "[", part[i]);
		if (k < 0 || (size_t)k >= cap - len)
			return buf[0] = '\0', 0;
		len += (size_t)k;
	}
	if (len + 2 > cap)
		return buf[0] = '\0', 0;
	buf[len++] = ']';
	buf[len] = '\0';
	return len; /* ASCII: bytes are columns */
}

static void draw_row(struct canvas *c, struct ui_rect r, int y, const struct geom *gm,
                     const struct ui_state *s, const struct ui_row *row, bool sel)
{
	struct canvas_style base = with_bg(canvas_style_plain(), sel);
	if (sel) {
		canvas_fill(c, (struct ui_rect){r.x, y, r.w, 1}, " ", base);
		canvas_put_str(
		    c, r.x, y, s->accessible ? ">" : "▶",
		    with_bg(canvas_style_fg(canvas_role(THEME_HEADER), CANVAS_BOLD), true), 1);
	}
	unsigned role = ui_proc_bar_role(row->g, row->p);
	canvas_put_str(c, r.x + 1, y, ui_proc_bar_glyph(role),
	               with_bg(canvas_style_fg(canvas_role(role), 0), sel), 1);
	for (int i = 0; i < gm->n; i++)
		draw_cell(c, gm->x[i], y, gm->w[i], gm->col[i]->id, row, s, sel);
}

/* Processes present in the model: the "m" of "n of m". */
static size_t present_rows(const struct model *m)
{
	size_t n = 0;
	for (size_t i = 0; m && i < m->ngpus; i++)
		for (size_t k = 0; k < m->gpus[i].nrows; k++)
			n += m->gpus[i].rows[k]->present;
	return n;
}

static void draw_filter_line(struct canvas *c, struct ui_rect r, int y, const struct ui_state *s)
{
	char buf[160];
	struct canvas_style st = canvas_style_fg(canvas_role(THEME_HEADER), 0);
	canvas_fill(c, (struct ui_rect){r.x, y, r.w, 1}, " ", canvas_style_plain());
	int x = r.x;
	if (s->mode == UI_FILTER) {
		snprintf(buf, sizeof(buf), "/%s_", s->filter);
		x += canvas_put_str(c, x, y, buf,
		                    canvas_style_fg(canvas_role(THEME_TEXT), CANVAS_BOLD), r.w);
	} else {
		x += canvas_put_str(c, x, y, "filter: ", st, r.w);
		x += canvas_put_str(c, x, y, s->filter,
		                    canvas_style_fg(canvas_role(THEME_TEXT), CANVAS_BOLD),
		                    r.x + r.w - x);
	}
	snprintf(buf, sizeof(buf), "  (%zu of %zu)", s->nrows, present_rows(s->m));
	if (x < r.x + r.w)
		canvas_put_str(c, x, y, buf, canvas_style_fg(canvas_role(THEME_DIM), 0),
		               r.x + r.w - x);
}

void ui_draw_table(struct canvas *c, struct ui_rect r, enum layout_kind kind,
                   const struct ui_state *s)
{
	if (ui_rect_empty(r) || kind == LAYOUT_TOO_SMALL)
		return;
	struct ui_rect old = canvas_clip(c, ui_rect_intersect(r, canvas_get_clip(c)));
	canvas_fill(c, r, " ", canvas_style_plain());
	struct geom gm = geom_of(r, kind);
	draw_heading(c, r, &gm, s);

	bool filter_line = s->mode == UI_FILTER || s->filter[0];
	int avail = ui_table_visible_rows(r) - (filter_line ? 1 : 0);
	if (avail < 0)
		avail = 0;
	/* The filter line takes the last row: keep the selection above it. */
	size_t first = s->scroll;
	if (s->nrows && s->sel >= first + (size_t)avail && avail > 0)
		first = s->sel - (size_t)avail + 1;
	if (first >= s->nrows)
		first = 0;

	if (!s->nrows && avail > 0) {
		const char *msg = s->filter[0] ? "no process matches the filter" : "no processes";
		canvas_put_str(c, r.x + PREFIX, r.y + 1, msg,
		               canvas_style_fg(canvas_role(THEME_DIM), 0), r.w - PREFIX);
	}
	for (int i = 0; i < avail && first + (size_t)i < s->nrows; i++) {
		size_t k = first + (size_t)i;
		draw_row(c, r, r.y + 1 + i, &gm, s, &s->rows[k], k == s->sel);
	}
	if (filter_line && r.h >= 2)
		draw_filter_line(c, r, r.y + r.h - 1, s);
	canvas_clip(c, old);
}
