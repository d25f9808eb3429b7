/* state.c: the process table's rows in display order, the selection that
 * follows a process's identity, notices (see state.h). */
#include "ui/state.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/xalloc.h"

bool ui_oom_warning(const struct ui_state *s, const struct model_gpu *g)
{
	if (!g->analysed || !g->an.has_oom)
		return false;
	double warn = s->cfg ? s->cfg->oom_warning_seconds : 300;
	double conf = s->cfg ? s->cfg->oom_min_confidence : 0.3;
	return g->an.high_s <= warn && g->an.confidence >= conf;
}

static const char *label(const struct model_proc *p)
{
	return p->id->cmd[0] ? p->id->cmd : p->id->name;
}

/* Case-insensitive substring search (ASCII folding; other bytes exact). */
static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] &&
		       tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return true;
	}
	return n == 0;
}

bool ui_filter_match(const struct model_proc *p, const char *f)
{
	if (!f[0])
		return true;
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)p->pid);
	if (strncmp(pid, f, strlen(f)) == 0)
		return true;
	return contains(p->id->name, f) || contains(p->id->cmd, f);
}

static double time_to_oom(const struct ui_state *s, const struct model_gpu *g)
{
	return ui_oom_warning(s, g) ? g->an.low_s : INFINITY;
}

static int cmp_num(double a, double b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

static int row_cmp(const void *pa, const void *pb, void *arg)
{
	const struct ui_state *s = arg;
	const struct ui_row *a = pa, *b = pb;
	int c = 0;
	switch (s->sort) {
	case UI_SORT_MEM:
		c = cmp_num((double)b->p->used, (double)a->p->used);
		break;
	case UI_SORT_RATE:
		c = cmp_num(b->p->analysed ? b->p->an.rate_mb_s : -INFINITY,
		            a->p->analysed ? a->p->an.rate_mb_s : -INFINITY);
		break;
	case UI_SORT_PID:
		c = cmp_num(a->p->pid, b->p->pid);
		break;
	case UI_SORT_NAME:
		c = strcmp(label(a->p), label(b->p));
		break;
	case UI_SORT_OOM:
		c = cmp_num(time_to_oom(s, a->g), time_to_oom(s, b->g));
		if (!c)
			c = (int)b->culprit - (int)a->culprit;
		break;
	default:
		break;
	}
	if (!c)
		c = cmp_num(a->g->index, b->g->index);
	if (!c)
		c = cmp_num(a->p->pid, b->p->pid);
	return c;
}

static bool same_ident(const struct ui_ident *id, const struct ui_row *r)
{
	return id->set && r->g->index == id->gpu && r->p->pid == id->pid &&
	       r->p->starttime == id->starttime;
}

void ui_rows_build(struct ui_state *s)
{
	const struct model *m = s->m;
	s->nrows = 0;
	for (size_t i = 0; m && i < m->snap.ngpus; i++) {
		const struct model_gpu *g = &m->gpus[m->gpu_of_snap[i]];
		if (s->nrows + g->nrows > s->rows_cap) {
			s->rows_cap = (s->nrows + g->nrows) * 2;
			s->rows = xreallocarray(s->rows, s->rows_cap, sizeof(*s->rows));
		}
		bool warn = ui_oom_warning(s, g);
		for (size_t j = 0; j < g->nrows; j++) {
			const struct model_proc *p = g->rows[j];
			if (!p->present || !ui_filter_match(p, s->filter))
				continue;
			s->rows[s->nrows++] = (struct ui_row){
			    .g = g,
			    .p = p,
			    .culprit = warn && g->an.culprit_pid == p->pid &&
			               (!g->an.culprit_starttime ||
			                g->an.culprit_starttime == p->starttime),
			};
		}
	}
	if (s->nrows > 1)
		qsort_r(s->rows, s->nrows, sizeof(*s->rows), row_cmp, s);
	/* the selection follows its process; if it left, stay at the position */
	for (size_t i = 0; i < s->nrows; i++) {
		if (same_ident(&s->sel_id, &s->rows[i])) {
			s->sel = i;
			return;
		}
	}
	if (s->nrows)
		ui_select(s, s->sel < s->nrows ? s->sel : s->nrows - 1);
	else
		s->sel = 0;
}

void ui_select(struct ui_state *s, size_t i)
{
	if (!s->nrows) {
		s->sel = 0;
		s->sel_id.set = false;
		return;
	}
	if (i >= s->nrows)
		i = s->nrows - 1;
	s->sel = i;
	const struct ui_row *r = &s->rows[i];
	s->sel_id = (struct ui_ident){
	    .set = true, .gpu = r->g->index, .pid = r->p->pid, .starttime = r->p->starttime};
}

const struct ui_row *ui_selected(const struct ui_state *s)
{
	return s->nrows ? &s->rows[s->sel < s->nrows ? s->sel : s->nrows - 1] : NULL;
}

void ui_notice(struct ui_state *s, const char *text)
{
	char line[sizeof(s->notice[0])];
	snprintf(line, sizeof(line), "%s", text);
	if (s->nnotices && strcmp(s->notice[0], line) == 0) {
		if (s->repeats[0] < 999)
			s->repeats[0]++;
		return; /* the same again: counted, not shown twice */
	}
	size_t n = s->nnotices < UI_NOTICES ? s->nnotices : UI_NOTICES - 1;
	memmove(s->notice[1], s->notice[0], n * sizeof(s->notice[0]));
	memmove(s->repeats + 1, s->repeats, n * sizeof(s->repeats[0]));
	memcpy(s->notice[0], line, sizeof(line));
	s->repeats[0] = 1;
	s->nnotices = n + 1;
}

void ui_state_free(struct ui_state *s)
{
	free(s->rows);
	s->rows = NULL;
	s->nrows = s->rows_cap = 0;
}
