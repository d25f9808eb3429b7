/* panels.c: the header, notices and footer lines, and "terminal too small". */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "core/textwidth.h"
#include "ui/keys.h"
#include "ui/term.h"
#include "ui/theme.h"
#include "ui/widgets.h"

#ifndef VT_VERSION
#define VT_VERSION "0.0.0"
#endif

static struct canvas_style role(unsigned r, unsigned attr)
{
	return canvas_style_fg(canvas_role(r), attr);
}

/* How a key is written in hints: its glyph, or words when accessible. */
static const char *key_glyph(int key, bool accessible, char *buf, size_t len)
{
	static const struct {
		int key;
		const char *glyph, *word;
	} names[] = {
	    {UI_KEY_SPECIAL(TERM_KEY_UP), "↑", "up"},
	    {UI_KEY_SPECIAL(TERM_KEY_DOWN), "↓", "down"},
	    {UI_KEY_SPECIAL(TERM_KEY_LEFT), "←", "left"},
	    {UI_KEY_SPECIAL(TERM_KEY_RIGHT), "→", "right"},
	    {UI_KEY_SPECIAL(TERM_KEY_PGUP), "PgUp", "PgUp"},
	    {UI_KEY_SPECIAL(TERM_KEY_PGDN), "PgDn", "PgDn"},
	    {UI_KEY_SPECIAL(TERM_KEY_HOME), "Home", "Home"},
	    {UI_KEY_SPECIAL(TERM_KEY_END), "End", "End"},
	    {UI_KEY_SPECIAL(TERM_KEY_ENTER), "⏎", "Enter"},
	    {UI_KEY_SPECIAL(TERM_KEY_ESC), "Esc", "Esc"},
	    {' ', "space", "space"},
	    {0x0C, "^L", "Ctrl+L"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].key == key)
			return accessible ? names[i].word : names[i].glyph;
	if (key > 0x20 && key < 0x7F)
		snprintf(buf, len, "%c", key);
	else
		snprintf(buf, len, "?");
	return buf;
}

/* The primary key of action a (its first entry in the table), or NULL. */
static const struct ui_key *key_of(enum ui_action a)
{
	size_t n;
	const struct ui_key *k = ui_keys(&n);
	for (size_t i = 0; i < n; i++)
		if (k[i].action == a)
			return &k[i];
	return NULL;
}

/* One hint: "<key1><sep><key2> word". */
struct hint {
	enum ui_action a, b; /* b: UA_NONE for a single key */
	const char *sep, *word;
};

/* The keys of hint h as written: "↑↓", "+/-", "< >"; false if unbound. */
static bool hint_keys(const struct hint *h, bool accessible, char *keys, size_t len)
{
	const struct ui_key *ka = key_of(h->a);
	const struct ui_key *kb = h->b != UA_NONE ? key_of(h->b) : NULL;
	char ba[8], bb[8];
	if (!ka)
		return false;
	const char *ga = key_glyph(ka->key, accessible, ba, sizeof(ba));
	const char *gb = kb ? key_glyph(kb->key, accessible, bb, sizeof(bb)) : "";
	snprintf(keys, len, "%s%s%s", ga, kb ? (accessible ? "/" : h->sep) : "", gb);
	return true;
}

/* Draws the hints from x; returns the new x. Stops before a hint that does
 * not fit whole. */
static int draw_hints(struct canvas *c, int x, int y, int end, const struct hint *h, size_t n,
                      bool accessible)
{
	for (size_t i = 0; i < n; i++) {
		char keys[48];
		if (!hint_keys(&h[i], accessible, keys, sizeof(keys)))
			continue;
		int w = (int)(vt_text_width_str(keys) + 1 + vt_text_width_str(h[i].word));
		if (x + w > end)
			break;
		x += canvas_put_str(c, x, y, keys, role(THEME_HEADER, CANVAS_BOLD), -1);
		x += canvas_put_str(c, x, y, " ", canvas_style_plain(), -1);
		x += canvas_put_str(c, x, y, h[i].word, role(THEME_DIM, 0), -1);
		x += 2;
	}
	return x;
}

/* Columns the hints take, the gaps after each included. */
static int hints_width(const struct hint *h, size_t n, bool accessible)
{
	int w = 0;
	for (size_t i = 0; i < n; i++) {
		char keys[48];
		if (hint_keys(&h[i], accessible, keys, sizeof(keys)))
			w += (int)(vt_text_width_str(keys) + 1 + vt_text_width_str(h[i].word)) + 2;
	}
	return w;
}

static void clear_line(struct canvas *c, struct ui_rect r)
{
	canvas_fill(c, r, " ", canvas_style_plain());
}

/* "m:ss" or "h:mm:ss" of a duration in seconds. */
static void clock_of(char *buf, size_t len, double s)
{
	long t = isfinite(s) && s > 0 ? (long)s : 0;
	if (t >= 3600)
		snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

/* The replay's badge, trace clock and position, from x; returns the new x. */
static int draw_replay(struct canvas *c, int x, int y, int end, const struct ui_state *s)
{
	char buf[64], pos[160];
	if (s->paused)
		snprintf(buf, sizeof(buf), " PAUSED ");
	else
		snprintf(buf, sizeof(buf), " REPLAY %g%s ", s->speed > 0 ? s->speed : 1.0,
		         s->accessible ? "x" : "×");
	x += canvas_put_str(c, x, y, buf, role(THEME_BADGE, CANVAS_BOLD | CANVAS_REVERSE), end - x);
	double t = s->m ? s->m->snap.time : 0;
	pos[0] = '\0';
	if (isfinite(t) && t > 0) {
		time_t tt = (time_t)t;
		struct tm tm;
		if (gmtime_r(&tt, &tm))
			snprintf(pos, sizeof(pos), "  %02d:%02d:%02d UTC", tm.tm_hour, tm.tm_min,
			         tm.tm_sec);
	}
	if (x < end)
		x += canvas_put_str(c, x, y, pos, role(THEME_TEXT, 0), end - x);
	bool known = isfinite(s->trace_first) && isfinite(s->trace_last) && s->trace_first > 0 &&
	             s->trace_last >= s->trace_first && isfinite(t) && t > 0;
	if (known && x < end) {
		char tot[64];
		clock_of(buf, sizeof(buf), t - s->trace_first);
		clock_of(tot, sizeof(tot), s->trace_last - s->trace_first);
		snprintf(pos, sizeof(pos), "  %s / %s", buf, tot);
		x += canvas_put_str(c, x, y, pos, role(THEME_DIM, 0), end - x);
	}
	return x;
}

void ui_draw_header(struct canvas *c, struct ui_rect r, const struct ui_state *s)
{
	if (ui_rect_empty(r))
		return;
	struct ui_rect old = canvas_clip(c, ui_rect_intersect(r, canvas_get_clip(c)));
	clear_line(c, r);
	static const struct hint right[] = {
	    {UA_HELP, UA_NONE, "", "help"},
	    {UA_QUIT, UA_NONE, "", "quit"},
	};
	const struct model *m = s->m;
	/* the facts, least needed first to go when the line is short */
	enum { P_GPUS, P_EVERY, P_HOST, P_DRIVER, NP };
	char part[NP][96] = {{0}};
	if (m)
		snprintf(part[P_GPUS], sizeof(part[0]), "  %zu GPU%s", m->ngpus,
		         m->ngpus == 1 ? "" : "s");
	if (s->cfg && !s->replay)
		snprintf(part[P_EVERY], sizeof(part[0]), "  every %g s", s->cfg->refresh_rate);
	if (s->host[0])
		snprintf(part[P_HOST], sizeof(part[0]), "  %s", s->host);
	if (m && m->snap.driver_valid)
		snprintf(part[P_DRIVER], sizeof(part[0]), "  driver %s", m->snap.driver_version);
	const char *name = " vramtop", *ver = " " VT_VERSION;
	int want = (int)(vt_text_width_str(name) + vt_text_width_str(ver));
	int rw = hints_width(right, 2, s->accessible);
	int replay_w = s->replay ? 48 : 0; /* badge, clock and position */
	int keep = NP;
	for (int i = 0; i < NP; i++)
		want += (int)vt_text_width_str(part[i]);
	while (keep > 1 && want + replay_w + rw > r.w)
		want -= (int)vt_text_width_str(part[--keep]);
	int end = r.x + r.w, y = r.y, x = r.x;
	x += canvas_put_str(c, x, y, name, role(THEME_HEADER, CANVAS_BOLD), r.w);
	x += canvas_put_str(c, x, y, ver, role(THEME_DIM, 0), end - x);
	static const int order[NP] = {P_HOST, P_DRIVER, P_GPUS, P_EVERY};
	for (int i = 0; i < NP && x < end; i++)
		if (order[i] < keep)
			x += canvas_put_str(c, x, y, part[order[i]], role(THEME_TEXT, 0), end - x);
	if (s->replay && x + 2 < end)
		x = draw_replay(c, x + 2, y, end, s);
	if (x + rw <= end)
		draw_hints(c, end - rw + 2, y, end, right, 2, s->accessible);
	canvas_clip(c, old);
}

void ui_draw_notices(struct canvas *c, struct ui_rect r, const struct ui_state *s)
{
	if (ui_rect_empty(r))
		return;
	struct ui_rect old = canvas_clip(c, ui_rect_intersect(r, canvas_get_clip(c)));
	clear_line(c, r);
	int x = r.x + 1, end = r.x + r.w;
	const char *sep = s->accessible ? " | " : " · ";
	if (s->status[0])
		x += canvas_put_str(c, x, r.y, s->status, role(THEME_TEXT, CANVAS_BOLD), end - x);
	for (size_t i = 0; i < s->nnotices && i < UI_NOTICES && x < end; i++) {
		if (i || s->status[0])
			x += canvas_put_str(c, x, r.y, sep, role(THEME_DIM, 0), end - x);
		/* cut with "…" so a long notice says it goes on */
		char buf[VT_TEXT_FIT_CAP(sizeof(s->notice[0]), 0) + 8];
		int room = end - x;
		if (room <= 0)
			break;
		/* a repeated notice keeps its count in view: it is cut first */
		char count[16] = "";
		if (s->repeats[i] > 1)
			snprintf(count, sizeof(count), s->accessible ? " (x%u)" : " (×%u)",
			         s->repeats[i]);
		int cw = (int)vt_text_width_str(count);
		if (cw >= room) { /* no room for both: the notice goes first */
			cw = 0;
			count[0] = '\0';
		}
		vt_text_fit(buf, sizeof(buf), s->notice[i],
		            strnlen(s->notice[i], sizeof(s->notice[0])), (size_t)(room - cw),
		            VT_TEXT_FIT_ELLIPSIS | VT_TEXT_FIT_NOPAD, NULL);
		x += canvas_put_str(c, x, r.y, buf, role(THEME_WARN, 0), room - cw);
		if (cw)
			x += canvas_put_str(c, x, r.y, count, role(THEME_DIM, 0), end - x);
	}
	canvas_clip(c, old);
}

void ui_draw_footer(struct canvas *c, struct ui_rect r, const struct ui_state *s)
{
	if (ui_rect_empty(r))
		return;
	struct ui_rect old = canvas_clip(c, ui_rect_intersect(r, canvas_get_clip(c)));
	clear_line(c, r);
	static const struct hint main_a[] = {
	    {UA_UP, UA_DOWN, "", "select"},
	    {UA_DETAIL, UA_NONE, "", "details"},
	    {UA_FILTER, UA_NONE, "", "filter"},
	    {UA_SORT_PREV, UA_SORT_NEXT, " ", "sort"},
	};
	static const struct hint kill[] = {{UA_KILL, UA_NONE, "", "kill"}};
	static const struct hint main_b[] = {
	    {UA_THEME, UA_NONE, "", "theme"},
	    {UA_SCREENSHOT, UA_NONE, "", "screenshot"},
	};
	static const struct hint replay[] = {
	    {UA_PAUSE, UA_NONE, "", "pause"},
	    {UA_FASTER, UA_SLOWER, "/", "speed"},
	    {UA_SEEK_BACK, UA_SEEK_FWD, "", "seek"},
	    {UA_NEXT_EVENT, UA_PREV_EVENT, "/", "next/prev"},
	};
	static const struct hint resume[] = {{UA_PAUSE, UA_NONE, "", "resume"}};
	static const struct hint tail[] = {
	    {UA_HELP, UA_NONE, "", "help"},
	    {UA_QUIT, UA_NONE, "", "quit"},
	};
	static const struct hint dialog[] = {
	    {UA_YES, UA_NONE, "", "yes"},
	    {UA_NO, UA_NONE, "", "no"},
	    {UA_BACK, UA_NONE, "", "cancel"},
	};
	static const struct hint close[] = {{UA_BACK, UA_NONE, "", "close"}};
	int x = r.x + 2, y = r.y, end = r.x + r.w;
	bool acc = s->accessible;
	/* help and quit keep the end of the line; the rest fills what is left */
	int tail_w = hints_width(tail, 2, acc);
	int cut = end - tail_w > x ? end - tail_w : end;
	switch (s->mode) {
	case UI_MAIN:
		x = draw_hints(c, x, y, cut, main_a, 4, acc);
		if (s->replay) {
			x = draw_hints(c, x, y, cut, s->paused ? resume : replay, 1, acc);
			x = draw_hints(c, x, y, cut, replay + 1, 3, acc);
		}
		if (s->cfg && s->cfg->enable_kill)
			x = draw_hints(c, x, y, cut, kill, 1, acc);
		x = draw_hints(c, x, y, cut, main_b, 2, acc);
		draw_hints(c, x, y, end, tail, 2, acc);
		break;
	case UI_FILTER:
		x += canvas_put_str(c, x, y, "type a name, command or PID  ", role(THEME_DIM, 0),
		                    end - x);
		draw_hints(c, x, y, end, close, 1, acc);
		break;
	case UI_DETAIL:
		x = draw_hints(c, x, y, end, main_b + 1, 1, acc);
		draw_hints(c, x, y, end, close, 1, acc);
		break;
	case UI_HELP:
		draw_hints(c, x, y, end, close, 1, acc);
		break;
	case UI_KILL_CONFIRM:
	case UI_KILL_ESCALATE:
		draw_hints(c, x, y, end, dialog, 3, acc);
		break;
	}
	canvas_clip(c, old);
}

void ui_draw_too_small(struct canvas *c, struct ui_rect screen)
{
	if (ui_rect_empty(screen))
		return;
	struct ui_rect old = canvas_clip(c, ui_rect_intersect(screen, canvas_get_clip(c)));
	char msg[64], now[48];
	snprintf(msg, sizeof(msg), "terminal too small (%d×%d needed)", LAYOUT_MIN_COLS,
	         LAYOUT_MIN_ROWS);
	snprintf(now, sizeof(now), "this one is %d×%d", screen.w, screen.h);
	canvas_fill(c, screen, " ", canvas_style_plain());
	int w = (int)vt_text_width_str(msg), y = screen.y + (screen.h - 1) / 2;
	int x = screen.x + (screen.w > w ? (screen.w - w) / 2 : 0);
	canvas_put_str(c, x, y, msg, role(THEME_WARN, CANVAS_BOLD), screen.x + screen.w - x);
	if (y + 1 < screen.y + screen.h) {
		w = (int)vt_text_width_str(now);
		x = screen.x + (screen.w > w ? (screen.w - w) / 2 : 0);
		canvas_put_str(c, x, y + 1, now, role(THEME_DIM, 0), screen.x + screen.w - x);
	}
	canvas_clip(c, old);
}
