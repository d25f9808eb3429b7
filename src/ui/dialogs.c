/* dialogs.c: the overlays -- the detail panel, help and the kill dialogs. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/breakdown.h"
#include "config/config.h"
#include "core/textwidth.h"
#include "core/units.h"
#include "ui/keys.h"
#include "ui/theme.h"
#include "ui/uifmt.h"
#include "ui/widgets.h"

#define SPARK_MAX 256 /* samples a detail sparkline shows at most */

static struct canvas_style role(unsigned r, unsigned attr)
{
	return canvas_style_fg(canvas_role(r), attr);
}

/* A box of w x h centred in screen (cut to it), cleared, with its border
 * and title; returns the box's rectangle. */
static struct ui_rect open_box(struct canvas *c, struct ui_rect screen, int w, int h,
                               const char *title, struct canvas_style title_style)
{
	if (w > screen.w)
		w = screen.w;
	if (h > screen.h)
		h = screen.h;
	struct ui_rect b = {screen.x + (screen.w - w) / 2, screen.y + (screen.h - h) / 2, w, h};
	canvas_fill(c, b, " ", canvas_style_plain());
	if (w >= 2 && h >= 2)
		canvas_box(c, b, role(THEME_BORDER, 0), title, title_style);
	return b;
}

/* Writes text on line y of box b, from its inner left edge; returns x after. */
static int line_put(struct canvas *c, struct ui_rect b, int x, int y, const char *text,
                    struct canvas_style st)
{
	int end = b.x + b.w - 2;
	if (x >= end || y <= b.y || y >= b.y + b.h - 1)
		return x;
	return x + canvas_put_str(c, x, y, text, st, end - x);
}

/* The process's name as the table shows it. */
static const char *proc_label(const struct model_proc *p)
{
	const struct model_ident *id = p->id;
	if (id && id->cmd[0])
		return id->cmd;
	if (id && id->name[0])
		return id->name;
	if (id && (id->flags & PF_UID_VALID) && !(id->flags & PF_SAME_USER))
		return "[other user]";
	return "-";
}

/* "▁▂▃▅▇" of up to max samples, scaled between their min and max. */
static void sparkline(char *out, size_t len, const uint64_t *v, size_t n)
{
	static const char *const bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == MODEL_HIST_NONE)
			continue;
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && o + 4 < len; i++) {
		const char *g = " ";
		if (v[i] != MODEL_HIST_NONE) {
			unsigned k =
			    hi > lo
			        ? (unsigned)((double)(v[i] - lo) * 7.0 / (double)(hi - lo) + 0.5)
			        : 3u;
			g = bars[k > 7 ? 7 : k];
		}
		size_t gl = strlen(g);
		memcpy(out + o, g, gl);
		o += gl;
		out[o] = '\0';
	}
}

/* Age of a row from the ticks it was seen, via the model's tick times. */
static double seen_for(const struct model *m, unsigned long first_tick)
{
	double a = model_tick_time(m, first_tick), b = model_tick_time(m, m->tick);
	if (isfinite(a) && isfinite(b) && b >= a)
		return b - a;
	return NAN;
}

static void detail_verdict(char *buf, size_t len, const struct ui_state *s,
                           const struct ui_row *row, struct canvas_style *st)
{
	const struct model_proc *p = row->p;
	*st = role(THEME_OK, 0);
	if (row->culprit) {
		char range[48], conf[48];
		*st = role(THEME_ALERT, CANVAS_BOLD);
		uifmt_range(range, sizeof(range), row->g->an.low_s, row->g->an.high_s);
		uifmt_confidence(conf, sizeof(conf), row->g->an.confidence, s->accessible);
		snprintf(buf, len,
		         "verdict OOM in %s: growing, and the GPU's free memory runs out first %s",
		         range, conf);
	} else if (!p->analysed) {
		*st = role(THEME_DIM, 0);
		snprintf(buf, len, "verdict —: not analysed yet");
	} else if (p->verdict == SURV_OOM) {
		*st = role(THEME_ALERT, CANVAS_BOLD);
		snprintf(buf, len, "verdict OOM: its projected peak is more than the GPU can give");
	} else if (p->verdict == SURV_TIGHT && p->verdict_retries) {
		*st = role(THEME_WARN, 0);
		snprintf(buf, len,
		         "verdict tight: its allocator had to free its cache and retry "
		         "to fit within the last minute");
	} else if (p->verdict == SURV_TIGHT) {
		*st = role(THEME_WARN, 0);
		snprintf(buf, len,
		         "verdict tight: its observed peak would not fit beside the others");
	} else {
		snprintf(buf, len, "verdict ok: %s, its peak fits",
		         p->an.phase == PHASE_GROWING ? "growing, with room left"
		                                      : vt_phase_name(p->an.phase));
	}
}

/* Deep mode's line (docs/deep-mode.md): what PyTorch's allocator uses of
 * what it holds, its slack, and NVML's figure beyond it (the CUDA context,
 * NCCL, cuBLAS workspaces: memory outside the allocator). Returns y after. */
static int detail_deep(struct canvas *c, struct ui_rect bx, int x0, int y,
                       const struct model_proc *p, const struct snap_deep *d)
{
	char buf[320], a[48], b[48], sl[48], out[48];
	int x = line_put(c, bx, x0, y, "deep ", role(THEME_DIM, 0));
	snprintf(buf, sizeof(buf), "allocated %s of reserved %s",
	         units_bytes(a, sizeof(a), d->allocated), units_bytes(b, sizeof(b), d->reserved));
	x = line_put(c, bx, x, y, buf, role(THEME_TEXT, CANVAS_BOLD));
	snprintf(buf, sizeof(buf), " · slack %s · outside PyTorch %s",
	         units_bytes(sl, sizeof(sl), d->reserved - d->allocated),
	         p->used > d->reserved ? units_bytes(out, sizeof(out), p->used - d->reserved)
	                               : "0");
	line_put(c, bx, x, y++, buf, canvas_style_plain());
	snprintf(buf, sizeof(buf), "     peak allocated %s · allocator retries %llu · OOMs %llu",
	         units_bytes(a, sizeof(a), d->peak_allocated), (unsigned long long)d->alloc_retries,
	         (unsigned long long)d->ooms);
	line_put(c, bx, x0, y++, buf,
	         d->ooms || d->alloc_retries ? role(THEME_WARN, 0) : canvas_style_plain());
	return y;
}

void ui_draw_detail(struct canvas *c, struct ui_rect screen, const struct ui_state *s)
{
	if (ui_rect_empty(screen))
		return;
	struct ui_rect old = canvas_clip(c, ui_rect_intersect(screen, canvas_get_clip(c)));
	const struct ui_row *row = ui_selected(s);
	char title[VT_CMD_MAX + 32], buf[320], a[48], b[48];
	int w = screen.w - 4;
	if (w > 96)
		w = 96;
	if (!row) {
		struct ui_rect bx =
		    open_box(c, screen, 40, 3, "details", role(THEME_TITLE, CANVAS_BOLD));
		line_put(c, bx, bx.x + 2, bx.y + 1, "no process selected", role(THEME_DIM, 0));
		canvas_clip(c, old);
		return;
	}
	const struct model_proc *p = row->p;
	const struct model *m = s->m;
	snprintf(title, sizeof(title), "PID %d · %s", (int)p->pid, proc_label(p));
	/* leave the title room for " Esc " at the right */
	char cut[VT_TEXT_FIT_CAP(sizeof(title), 0) + 8];
	int tw = w > 10 ? w - 9 : 1;
	vt_text_fit(cut, sizeof(cut), title, strlen(title), (size_t)tw,
	            VT_TEXT_FIT_ELLIPSIS | VT_TEXT_FIT_NOPAD, NULL);
	const struct snap_proc *sp = p->present && m ? model_proc_snap(m, p) : NULL;
	bool deep = sp && (sp->flags & PF_DEEP_VALID);
	const struct enrich_facts *f = p->id ? &p->id->enr : NULL;
	size_t nfiles = f ? f->nfiles : 0;
	bool scraped = f && f->scrape.valid;
	/* a line more for the model files, and for the server, when known; two
	 * for deep mode's figures */
	struct ui_rect bx =
	    open_box(c, screen, w, 8 + (nfiles ? 1 : 0) + (scraped ? 1 : 0) + (deep ? 2 : 0), cut,
	             role(THEME_TITLE, CANVAS_BOLD));
	if (bx.w >= 10)
		canvas_put_str(c, bx.x + bx.w - 6, bx.y, " Esc ", role(THEME_HEADER, CANVAS_BOLD),
		               5);
	int x0 = bx.x + 2, y = bx.y + 1, x;

	/* who, how long, what kind, where */
	double age = m ? seen_for(m, p->id ? p->id->first_tick : p->first_tick) : NAN;
	snprintf(buf, sizeof(buf), "user %s · seen for %s · %s%s · GPU %u",
	         p->id && p->id->user[0] ? p->id->user : "—",
	         isfinite(age) ? uifmt_duration(a, sizeof(a), age) : "—",
	         sp ? snap_proc_type_name(sp->type) : "—",
	         sp && (sp->type & PROC_MPS) ? " (MPS)" : "", row->g->index);
	line_put(c, bx, x0, y++, buf, canvas_style_plain());

	/* memory now, its trend and its own history */
	x = line_put(c, bx, x0, y, "VRAM ", role(THEME_DIM, 0));
	x = line_put(c, bx, x, y, units_bytes(a, sizeof(a), p->used),
	             role(THEME_TEXT, CANVAS_BOLD));
	snprintf(buf, sizeof(buf), " (peak %s)  ", units_bytes(b, sizeof(b), p->peak));
	x = line_put(c, bx, x, y, buf, role(THEME_DIM, 0));
	if (p->analysed) {
		x = line_put(c, bx, x, y, uifmt_phase(p->an.phase, s->accessible, false),
		             role(THEME_PHASE_STABLE + (unsigned)p->an.phase, 0));
		snprintf(buf, sizeof(buf), " %s MB/s  ", uifmt_rate(a, sizeof(a), p->an.rate_mb_s));
		x = line_put(c, bx, x, y, buf, canvas_style_plain());
	}
	int room = bx.x + bx.w - 2 - x - 18;
	if (m && room >= 4) {
		uint64_t hist[SPARK_MAX];
		size_t n = model_history(m, p->hist, p->first_tick, p->last_tick, hist,
		                         (size_t)room < SPARK_MAX ? (size_t)room : SPARK_MAX);
		char spark[SPARK_MAX * 3 + 4];
		sparkline(spark, sizeof(spark), hist, n);
		x = line_put(c, bx, x, y, spark, role(THEME_BAR0, 0));
		double span =
		    n ? model_tick_time(m, m->tick) - model_tick_time(m, m->tick - n + 1) : NAN;
		if (isfinite(span) && span > 0) {
			snprintf(buf, sizeof(buf), "  (last %s)",
			         uifmt_duration(a, sizeof(a), span));
			line_put(c, bx, x, y, buf, role(THEME_DIM, 0));
		}
	}
	y++;

	struct canvas_style vs;
	detail_verdict(buf, sizeof(buf), s, row, &vs);
	line_put(c, bx, x0, y++, buf, vs);

	uint64_t sizes[ENRICH_FILES_MAX], files_total = 0;
	for (size_t i = 0; i < nfiles; i++)
		files_total += sizes[i] = f->files[i].bytes;
	struct breakdown bd;
	breakdown_compute(p->used, sizes, nfiles, &bd);
	x = line_put(c, bx, x0, y, "breakdown (estimate): ", role(THEME_DIM, 0));
	if (bd.valid)
		snprintf(buf, sizeof(buf), "weights %s · dynamic %s",
		         units_bytes(a, sizeof(a), bd.weights),
		         units_bytes(b, sizeof(b), bd.dynamic));
	else
		snprintf(buf, sizeof(buf), "—");
	line_put(c, bx, x, y++, buf, canvas_style_plain());

	snprintf(buf, sizeof(buf), "command %s", p->id && p->id->cmd[0] ? p->id->cmd : "—");
	line_put(c, bx, x0, y++, buf, role(THEME_DIM, 0));

	if (deep)
		y = detail_deep(c, bx, x0, y, p, &sp->deep);

	/* what enrichment learnt ("—": unknown); deep mode's own line when the
	 * process reports, else "—" here */
	char ct[ENRICH_RUNTIME_MAX + 16 + ENRICH_POD_MAX + 48] = "—", files[64] = "—";
	int ctn = 0;
	if (f && f->ct.runtime[0])
		ctn =
		    snprintf(ct, sizeof(ct), "%s%s%.12s%s%s", f->ct.runtime, f->ct.id[0] ? " " : "",
		             f->ct.id, f->ct.pod[0] ? " pod " : "", f->ct.pod);
	/* its PID inside its own PID namespace (NSpid), seen from the host */
	if (f && f->ns_pid && ctn >= 0 && (size_t)ctn < sizeof(ct))
		snprintf(ct + ctn, sizeof(ct) - (size_t)ctn, "%sPID %d inside", ctn ? " · " : "",
		         (int)f->ns_pid);
	if (nfiles)
		snprintf(files, sizeof(files), "%zu (%s)", nfiles,
		         units_bytes(a, sizeof(a), files_total));
	/* the server's own figures, or SPEC §4's "metrics unavailable" */
	char server[160] = "—";
	const struct scrape_result *r = scraped ? &f->scrape : NULL;
	if (r && r->error[0]) {
		snprintf(server, sizeof(server), "metrics unavailable");
	} else if (r) {
		int k = snprintf(server, sizeof(server), ":%d", r->port);
		if (r->has_kv && k > 0 && (size_t)k < sizeof(server))
			k += snprintf(server + k, sizeof(server) - (size_t)k, " KV cache %.0f %%",
			              100.0 * r->kv_usage);
		if (r->has_running && k > 0 && (size_t)k < sizeof(server))
			k += snprintf(server + k, sizeof(server) - (size_t)k, " · %ld running",
			              r->running);
		if (r->has_waiting && k > 0 && (size_t)k < sizeof(server))
			snprintf(server + k, sizeof(server) - (size_t)k, " · %ld waiting",
			         r->waiting);
	}
	const char *const label[] = {"framework", "container", "model files", "server",
	                             "deep mode"};
	const char *const value[] = {f && f->fw != FW_NONE ? enrich_fw_name(f->fw) : "—", ct, files,
	                             server, "—"};
	size_t nlabel = sizeof(label) / sizeof(label[0]) - (deep ? 1 : 0);
	x = x0;
	for (size_t i = 0; i < nlabel; i++) {
		if (i == 3 && r) { /* the server's figures get a line of their own */
			y++;
			x = x0;
		}
		x = line_put(c, bx, x, y, label[i], role(THEME_DIM, 0));
		x = line_put(c, bx, x, y, " ", canvas_style_plain());
		x = line_put(c, bx, x, y, value[i], canvas_style_plain());
		x = line_put(c, bx, x, y, "   ", canvas_style_plain());
	}
	y++;
	if (nfiles) {
		x = line_put(c, bx, x0, y, "files ", role(THEME_DIM, 0));
		for (size_t i = 0; i < nfiles; i++) {
			snprintf(buf, sizeof(buf), "%s%s (%s)", i ? " · " : "", f->files[i].path,
			         units_bytes(a, sizeof(a), f->files[i].bytes));
			x = line_put(c, bx, x, y, buf, canvas_style_plain());
		}
	}
	canvas_clip(c, old);
}

/* Help: every key with help text, from the key table, in sections. */
struct help_line {
	const struct ui_key *k; /* NULL: a section heading */
	const char *heading;
};

#define HELP_LINES 96

static size_t help_lines(struct help_line *out, size_t max)
{
	size_t n, o = 0;
	const struct ui_key *k = ui_keys(&n);
	static const char *const heads[] = {"keys", "in a replay", "in the kill dialog"};
	unsigned dialogs = (1u << UI_KILL_CONFIRM) | (1u << UI_KILL_ESCALATE);
	for (int sec = 0; sec < 3; sec++) {
		bool any = false;
		for (size_t i = 0; i < n && o < max; i++) {
			int ks = k[i].replay_only                           ? 1
			         : (k[i].modes && !(k[i].modes & ~dialogs)) ? 2
			                                                    : 0;
			if (!k[i].help || ks != sec)
				continue;
			if (!any && sec && o + 1 < max)
				out[o++] = (struct help_line){NULL, heads[sec]};
			any = true;
			out[o++] = (struct help_line){&k[i], NULL};
		}
	}
	return o;
}

void ui_draw_help(struct canvas *c, struct ui_rect screen, const struct ui_state *s)
{
	(void)s;
	if (ui_rect_empty(screen))
		return;
	struct ui_rect old = canvas_clip(c, ui_rect_intersect(screen, canvas_get_clip(c)));
	struct help_line lines[HELP_LINES];
	size_t n = help_lines(lines, HELP_LINES);
	int labw = 0, textw = 0;
	for (size_t i = 0; i < n; i++) {
		if (!lines[i].k)
			continue;
		int lw = (int)vt_text_width_str(lines[i].k->label);
		int hw = (int)vt_text_width_str(lines[i].k->help);
		labw = lw > labw ? lw : labw;
		textw = hw > textw ? hw : textw;
	}
	int itemw = labw + 2 + textw, gap = 3, minw = labw + 2 + 13;
	/* two columns when they fit whole, more (narrower, help cut with "…")
	 * when the lines do not fit the height; what still does not is cut */
	int inner_w = screen.w - 6, inner_h = screen.h - 4;
	int ncol_max = (inner_w + gap) / (itemw + gap);
	if (ncol_max < 1)
		ncol_max = 1;
	int ncol = ncol_max < 2 ? ncol_max : 2;
	while (ncol < ncol_max && ((int)n + ncol - 1) / ncol > inner_h)
		ncol++;
	int colw = itemw;
	if (ncol * (itemw + gap) - gap > inner_w)
		colw = inner_w;
	if (((int)n + ncol - 1) / ncol > inner_h && inner_h > 0) {
		int want = ((int)n + inner_h - 1) / inner_h;
		int fitw = (inner_w + gap) / (minw + gap);
		ncol = want < fitw ? want : (fitw > ncol ? fitw : ncol);
		colw = (inner_w - gap * (ncol - 1)) / ncol;
		if (colw > itemw)
			colw = itemw;
	}
	int rows = ((int)n + ncol - 1) / ncol;
	int w = ncol * (colw + gap) - gap + 4, h = rows + 2;
	struct ui_rect bx = open_box(c, screen, w, h, "help", role(THEME_TITLE, CANVAS_BOLD));
	if (bx.w >= 10)
		canvas_put_str(c, bx.x + bx.w - 6, bx.y, " Esc ", role(THEME_HEADER, CANVAS_BOLD),
		               5);
	int fit = bx.h - 2;
	for (size_t i = 0; i < n; i++) {
		int col = (int)i / rows, r = (int)i % rows;
		int x = bx.x + 2 + col * (colw + gap), y = bx.y + 1 + r;
		if (r >= fit || x >= bx.x + bx.w - 2)
			continue;
		int end = x + colw < bx.x + bx.w - 2 ? x + colw : bx.x + bx.w - 2;
		if (r == fit - 1 && (size_t)col * (size_t)rows + (size_t)fit < n &&
		    col == ncol - 1) {
			canvas_put_str(c, x, y, "… (a larger terminal shows more)",
			               role(THEME_DIM, 0), end - x);
			continue;
		}
		if (!lines[i].k) {
			canvas_put_str(c, x, y, lines[i].heading, role(THEME_TITLE, CANVAS_BOLD),
			               end - x);
			continue;
		}
		canvas_put_str(c, x, y, lines[i].k->label, role(THEME_HEADER, CANVAS_BOLD),
		               end - x);
		int hx = x + labw + 2;
		if (hx < end) {
			char buf[VT_TEXT_FIT_CAP(96, 0) + 8];
			vt_text_fit(buf, sizeof(buf), lines[i].k->help, strlen(lines[i].k->help),
			            (size_t)(end - hx), VT_TEXT_FIT_ELLIPSIS | VT_TEXT_FIT_NOPAD,
			            NULL);
			canvas_put_str(c, hx, y, buf, canvas_style_plain(), end - hx);
		}
	}
	canvas_clip(c, old);
}

void ui_draw_kill(struct canvas *c, struct ui_rect screen, const struct ui_state *s)
{
	if (ui_rect_empty(screen) || (s->mode != UI_KILL_CONFIRM && s->mode != UI_KILL_ESCALATE))
		return;
	struct ui_rect old = canvas_clip(c, ui_rect_intersect(screen, canvas_get_clip(c)));
	char title[64], l1[VT_NAME_MAX + VT_USER_MAX + 96], l2[VT_NAME_MAX + 96], a[48];
	const char *l3 = "[y] yes   [n] no   (logged to ~/.local/share/vramtop/audit.log)";
	bool esc = s->mode == UI_KILL_ESCALATE;
	int pid = (int)s->kill.id.pid;
	if (esc) {
		double waited = s->now - s->kill.sent_at;
		snprintf(title, sizeof(title), "Send SIGKILL to PID %d?", pid);
		snprintf(l1, sizeof(l1), "PID %d still running after %s — send SIGKILL?", pid,
		         uifmt_duration(a, sizeof(a), isfinite(waited) && waited > 0 ? waited : 0));
		snprintf(l2, sizeof(l2), "%s · holds %s on GPU %u",
		         s->kill.name[0] ? s->kill.name : "-",
		         units_bytes(a, sizeof(a), s->kill.used), s->kill.id.gpu);
	} else {
		char age[64];
		snprintf(title, sizeof(title), "Send SIGTERM to PID %d?", pid);
		if (s->kill.age_s >= 0)
			snprintf(age, sizeof(age), "%s old",
			         uifmt_duration(a, sizeof(a), s->kill.age_s));
		else
			snprintf(age, sizeof(age), "age unknown");
		snprintf(l1, sizeof(l1), "%s · user %s · %s", s->kill.name[0] ? s->kill.name : "-",
		         s->kill.user[0] ? s->kill.user : "-", age);
		snprintf(l2, sizeof(l2), "holds %s on GPU %u",
		         units_bytes(a, sizeof(a), s->kill.used), s->kill.id.gpu);
	}
	int w = (int)vt_text_width_str(l3);
	int w1 = (int)vt_text_width_str(l1), wt = (int)vt_text_width_str(title) + 4;
	w = w1 > w ? w1 : w;
	w = (wt > w ? wt : w) + 4;
	if (w > screen.w - 2)
		w = screen.w - 2;
	struct ui_rect bx =
	    open_box(c, screen, w, 5, title, role(esc ? THEME_ALERT : THEME_TITLE, CANVAS_BOLD));
	line_put(c, bx, bx.x + 2, bx.y + 1, l1,
	         esc ? role(THEME_WARN, CANVAS_BOLD) : canvas_style_plain());
	line_put(c, bx, bx.x + 2, bx.y + 2, l2, canvas_style_plain());
	int x = line_put(c, bx, bx.x + 2, bx.y + 3, "[y] yes", role(THEME_HEADER, CANVAS_BOLD));
	x = line_put(c, bx, x, bx.y + 3, "   ", canvas_style_plain());
	x = line_put(c, bx, x, bx.y + 3, "[n] no", role(THEME_HEADER, CANVAS_BOLD));
	line_put(c, bx, x, bx.y + 3, l3 + strlen("[y] yes   [n] no"), role(THEME_DIM, 0));
	canvas_clip(c, old);
}
