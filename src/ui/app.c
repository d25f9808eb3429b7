/* app.c: the terminal UI's runtime -- a sink that draws each tick, an input
 * watcher that turns keys and clicks into actions through the one key table,
 * the kill flow, screenshots (see app.h). */
#include "ui/app.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "core/error.h"
#include "core/xalloc.h"
#include "loop/loop.h"
#include "enrich/enrich.h"
#include "sys/killer.h"
#include "sys/outfile.h"
#include "ui/keys.h"
#include "ui/screenshot.h"
#include "ui/state.h"
#include "ui/term.h"
#include "ui/widgets.h"

#define KILL_WAIT_S 5.0

struct ui_app {
	struct sink base;
	struct loop *loop;
	struct term *term;
	struct canvas *cur, *prev;
	bool have_prev, hold;
	struct ui_state st;
	struct ui_opts o;
	struct loop_fd *in;
	struct loop_timer *kill_timer;
	struct killer_opts ko;
	unsigned long last_tick; /* the model tick last seen */
	uint32_t lost_seen[4];   /* GPU slots already noticed as lost (bits) */
};

static struct ui_app *app_of(struct sink *s)
{
	return (struct ui_app *)s;
}

/* A message on the status line, cut to fit. */
__attribute__((format(printf, 2, 3))) static void status(struct ui_app *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->st.status, sizeof(a->st.status), fmt, ap);
	va_end(ap);
}

static void draw(struct ui_app *a)
{
	if (a->hold)
		return;
	int cols, rows;
	term_size(a->term, &cols, &rows);
	if (canvas_width(a->cur) != cols || canvas_height(a->cur) != rows) {
		canvas_resize(a->cur, cols, rows);
		a->have_prev = false;
	}
	a->st.now = loop_now();
	ui_draw_frame(a->cur, &a->st);
	term_present(a->term, a->cur, a->have_prev ? a->prev : NULL);
	if (canvas_width(a->prev) != cols || canvas_height(a->prev) != rows)
		canvas_resize(a->prev, cols, rows);
	canvas_copy(a->prev, a->cur);
	a->have_prev = true;
}

/* A replay's trace event in words: the events the recorders write (the
 * workload's own start, end and OOM, deep mode's allocator OOM, an exit),
 * others by name. */
static void event_words(const struct trace_event *ev, char *buf, size_t n)
{
	static const struct {
		const char *event, *words;
	} known[] = {
	    {"start", "started its work"},
	    {"end", "finished its work"},
	    {"oom", "ran out of GPU memory"},
	    {"deep_oom", "had an allocation refused by its allocator (deep mode)"},
	    {"exit", "exited"},
	};
	const char *words = NULL;
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]) && ev->pid && !words; k++)
		if (!strcmp(ev->event, known[k].event))
			words = known[k].words;
	char gpu[24] = "";
	if (ev->gpu >= 0)
		snprintf(gpu, sizeof(gpu), " on GPU %d", ev->gpu);
	if (!words)
		snprintf(buf, n, "trace event: %s%s%.0d%s", ev->event, ev->pid ? ", PID " : "",
		         (int)ev->pid, gpu);
	else if (!strcmp(ev->event, "exit") && ev->has_rc)
		snprintf(buf, n, "PID %d exited with status %d%s", (int)ev->pid, ev->rc, gpu);
	else
		snprintf(buf, n, "PID %d %s%s", (int)ev->pid, words, gpu);
}

/* Notices the model brings: a replay's trace events, GPUs lost. */
static void model_notices(struct ui_app *a, const struct model *m)
{
	char buf[160];
	for (size_t i = 0; i < m->nevents; i++) {
		event_words(&m->events[i], buf, sizeof(buf));
		ui_notice(&a->st, buf);
	}
	for (size_t i = 0; i < m->ngpus && i < 128; i++) {
		const struct model_gpu *g = &m->gpus[i];
		const struct snap_gpu *sg = model_gpu_snap(m, g);
		bool bad = sg && sg->state != GPU_STATE_OK;
		uint32_t bit = 1u << (i % 32);
		bool seen = a->lost_seen[i / 32] & bit;
		if (bad && !seen) {
			snprintf(buf, sizeof(buf), "GPU %u %s: %s", g->index,
			         snap_gpu_state_name(sg->state),
			         sg->error[0] ? sg->error : "no data");
			ui_notice(&a->st, buf);
			a->lost_seen[i / 32] |= bit;
		} else if (sg && !bad && seen) {
			snprintf(buf, sizeof(buf), "GPU %u is back", g->index);
			ui_notice(&a->st, buf);
			a->lost_seen[i / 32] &= ~bit;
		}
	}
}

static int app_tick(struct sink *s, const struct model *m, char *err, size_t errlen)
{
	struct ui_app *a = app_of(s);
	(void)err;
	(void)errlen;
	a->st.m = m;
	if (m->tick != a->last_tick) {
		a->last_tick = m->tick;
		model_notices(a, m);
	}
	ui_rows_build(&a->st);
	draw(a);
	return VT_OK;
}

/* ---- the kill flow ---------------------------------------------------------- */

static void kill_open(struct ui_app *a)
{
	const struct ui_row *r = ui_selected(&a->st);
	if (!r)
		return;
	struct proc_identity id = {.pid = r->p->pid, .starttime = r->p->starttime};
	if (!a->o.enable_kill) {
		snprintf(a->st.status, sizeof(a->st.status),
		         "killing is disabled (--no-kill or display.enable_kill = false)");
		return;
	}
	const struct enrich_env *env = model_env(a->st.m);
	if (env && env->pidns_isolated) {
		/* NVML's PIDs are the host's: the process of that number in our
		 * namespace may be another one altogether */
		snprintf(
		    a->st.status, sizeof(a->st.status),
		    "vramtop runs in a PID namespace of its own: NVML's PIDs are the host's, so "
		    "it signals nothing (run it with --pid=host)");
		killer_audit(&a->ko, &id, SIGTERM, r->p->id->name,
		             "refused: vramtop is in a PID namespace of its own");
		return;
	}
	if (!(r->p->id->flags & PF_SAME_USER)) {
		snprintf(a->st.status, sizeof(a->st.status),
		         "PID %d is another user's process: vramtop only signals your own",
		         (int)r->p->pid);
		killer_audit(&a->ko, &id, SIGTERM, r->p->id->name,
		             "refused: another user's process");
		return;
	}
	a->st.kill.id = (struct ui_ident){
	    .set = true, .gpu = r->g->index, .pid = r->p->pid, .starttime = r->p->starttime};
	snprintf(a->st.kill.name, sizeof(a->st.kill.name), "%s",
	         r->p->id->cmd[0] ? r->p->id->cmd : r->p->id->name);
	snprintf(a->st.kill.user, sizeof(a->st.kill.user), "%s", r->p->id->user);
	a->st.kill.used = r->p->used;
	double first = model_tick_time(a->st.m, r->p->id->first_tick);
	a->st.kill.age_s = isnan(first) ? -1 : a->st.m->snap.time - first;
	a->st.mode = UI_KILL_CONFIRM;
}

static void kill_send(struct ui_app *a, int sig)
{
	struct proc_identity id = {.pid = a->st.kill.id.pid, .starttime = a->st.kill.id.starttime};
	enum killer_result r =
	    killer_signal(&a->ko, &id, sig, a->st.kill.name, a->st.status, sizeof(a->st.status));
	a->st.mode = UI_MAIN;
	if (r == KILLER_SENT && sig == SIGTERM) {
		a->st.kill.sent_at = loop_now();
		loop_timer_set(a->kill_timer, KILL_WAIT_S, 0);
	}
}

static void on_kill_wait(struct loop *l, struct loop_timer *t, void *arg)
{
	struct ui_app *a = arg;
	(void)l;
	(void)t;
	struct proc_identity id = {.pid = a->st.kill.id.pid, .starttime = a->st.kill.id.starttime};
	if (killer_alive(&a->ko, &id) == VT_OK) {
		if (a->st.mode == UI_MAIN)
			a->st.mode = UI_KILL_ESCALATE;
	} else {
		snprintf(a->st.status, sizeof(a->st.status), "PID %d has exited", (int)id.pid);
	}
	draw(a);
}

/* ---- screenshots -------------------------------------------------------------- */

static int write_private(const char *path, const char *text, char *err, size_t errlen)
{
	off_t size;
	int fd = outfile_open(path, true, &size, err, errlen);
	if (fd < 0)
		return -1;
	int rc = outfile_append(fd, text, strlen(text));
	if (rc < 0) {
		int e = errno;
		vt_strlcpy(err, path, errlen);
		size_t n = strlen(err);
		if (n + 3 < errlen) {
			memcpy(err + n, ": ", 3);
			vt_strlcpy(err + n + 2, strerror(e), errlen - n - 2);
		}
	}
	close(fd);
	return rc;
}

static void screenshot(struct ui_app *a)
{
	char dir[4000], base[4096], path[4200], err[256] = "";
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	if (xdg && xdg[0] == '/')
		snprintf(dir, sizeof(dir), "%s/vramtop", xdg);
	else if (home && home[0] == '/')
		snprintf(dir, sizeof(dir), "%s/.local/share/vramtop", home);
	else {
		snprintf(a->st.status, sizeof(a->st.status), "screenshot: no $HOME");
		return;
	}
	if (mkdir(dir, 0700) != 0 && errno == ENOENT) {
		char parent[4000];
		snprintf(parent, sizeof(parent), "%s", dir);
		char *sl = strrchr(parent, '/');
		if (sl) {
			*sl = '\0';
			mkdir(parent, 0755);
		}
		mkdir(dir, 0700);
	}
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime_r(&now, &tm));
	snprintf(base, sizeof(base), "%s/screenshot-%s", dir, stamp);
	char *svg = screenshot_svg(a->cur, a->st.theme);
	char *txt = screenshot_text(a->cur);
	snprintf(path, sizeof(path), "%s.svg", base);
	int rc = write_private(path, svg, err, sizeof(err));
	snprintf(path, sizeof(path), "%s.txt", base);
	if (rc == 0)
		rc = write_private(path, txt, err, sizeof(err));
	free(svg);
	free(txt);
	if (rc == 0)
		status(a, "screenshot saved: %s.svg and .txt", base);
	else
		status(a, "screenshot failed: %s", err);
}

/* ---- actions ------------------------------------------------------------------ */

static void move(struct ui_app *a, long delta)
{
	if (!a->st.nrows)
		return;
	long i = (long)a->st.sel + delta;
	if (i < 0)
		i = 0;
	ui_select(&a->st, (size_t)i);
}

static int page(const struct ui_app *a)
{
	struct layout lo =
	    layout_compute(canvas_width(a->cur), canvas_height(a->cur),
	                   a->st.m ? (int)a->st.m->snap.ngpus : 0, a->st.layout_force);
	int n = ui_table_visible_rows(lo.table);
	return n > 1 ? n - 1 : 1;
}

static void keep_selection_visible(struct ui_app *a)
{
	int n = page(a) + 1;
	if (a->st.sel < a->st.scroll)
		a->st.scroll = a->st.sel;
	else if (a->st.sel >= a->st.scroll + (size_t)n)
		a->st.scroll = a->st.sel - (size_t)n + 1;
}

static void act(struct ui_app *a, enum ui_action act)
{
	struct ui_state *s = &a->st;
	const struct ui_control *c = &a->o.ctl;
	s->status[0] = '\0';
	switch (act) {
	case UA_QUIT:
		c->quit(c->arg);
		return;
	case UA_UP:
		move(a, -1);
		break;
	case UA_DOWN:
		move(a, 1);
		break;
	case UA_PGUP:
		move(a, -page(a));
		break;
	case UA_PGDN:
		move(a, page(a));
		break;
	case UA_HOME:
		ui_select(s, 0);
		break;
	case UA_END:
		if (s->nrows)
			ui_select(s, s->nrows - 1);
		break;
	case UA_DETAIL:
		if (ui_selected(s))
			s->mode = UI_DETAIL;
		break;
	case UA_BACK:
		if (s->mode == UI_FILTER)
			s->filter[0] = '\0';
		s->mode = UI_MAIN;
		break;
	case UA_FILTER:
		s->mode = UI_FILTER;
		break;
	case UA_SORT_NEXT:
		s->sort = (enum ui_sort)((s->sort + 1) % UI_SORT_COUNT);
		break;
	case UA_SORT_PREV:
		s->sort = (enum ui_sort)((s->sort + UI_SORT_COUNT - 1) % UI_SORT_COUNT);
		break;
	case UA_SORT_MEM:
	case UA_SORT_RATE:
	case UA_SORT_PID:
	case UA_SORT_NAME:
	case UA_SORT_OOM:
		s->sort = (enum ui_sort)(UI_SORT_MEM + (act - UA_SORT_MEM));
		break;
	case UA_HELP:
		s->mode = s->mode == UI_HELP ? UI_MAIN : UI_HELP;
		break;
	case UA_THEME:
		s->theme = theme_next(s->theme);
		term_set_theme(a->term, s->theme);
		a->have_prev = false;
		snprintf(s->status, sizeof(s->status), "theme: %s", theme_name(s->theme));
		break;
	case UA_SCREENSHOT:
		screenshot(a);
		break;
	case UA_KILL:
		kill_open(a);
		break;
	case UA_YES:
		if (s->mode == UI_KILL_CONFIRM)
			kill_send(a, SIGTERM);
		else if (s->mode == UI_KILL_ESCALATE)
			kill_send(a, SIGKILL);
		break;
	case UA_NO:
		if (s->mode == UI_KILL_CONFIRM || s->mode == UI_KILL_ESCALATE) {
			snprintf(s->status, sizeof(s->status), "not signalled");
			s->mode = UI_MAIN;
		}
		break;
	case UA_REDRAW:
		term_repaint(a->term);
		a->have_prev = false;
		break;
	case UA_PAUSE:
		if (c->pause)
			c->pause(c->arg, !s->paused);
		break;
	case UA_FASTER:
	case UA_SLOWER:
		if (c->speed)
			c->speed(c->arg, act == UA_FASTER ? 2.0 : 0.5);
		break;
	case UA_SEEK_BACK:
	case UA_SEEK_FWD:
		if (c->seek)
			c->seek(c->arg, act == UA_SEEK_FWD ? 10.0 : -10.0);
		break;
	case UA_NEXT_EVENT:
	case UA_PREV_EVENT:
		if (c->jump)
			c->jump(c->arg, act == UA_NEXT_EVENT ? 1 : -1);
		break;
	default:
		break;
	}
	ui_rows_build(s);
	keep_selection_visible(a);
}

/* The action of key k in the current mode, from the one table. */
static enum ui_action lookup(const struct ui_app *a, int k)
{
	size_t n;
	const struct ui_key *keys = ui_keys(&n);
	unsigned mode_bit = 1u << a->st.mode;
	for (size_t i = 0; i < n; i++) {
		const struct ui_key *e = &keys[i];
		unsigned modes = e->modes ? e->modes : 1u << UI_MAIN;
		if (e->key != k || !(modes & mode_bit))
			continue;
		if (e->replay_only && !a->st.replay)
			continue;
		return e->action;
	}
	return UA_NONE;
}

static void filter_key(struct ui_app *a, const struct term_key *k)
{
	struct ui_state *s = &a->st;
	size_t len = strlen(s->filter);
	if (k->kind == TERM_KEY_ENTER) {
		s->mode = UI_MAIN;
	} else if (k->kind == TERM_KEY_ESC) {
		s->filter[0] = '\0';
		s->mode = UI_MAIN;
	} else if (k->kind == TERM_KEY_BACKSPACE || (k->kind == TERM_KEY_CHAR && k->ch == 0x7f)) {
		while (len && (s->filter[len - 1] & 0xC0) == 0x80)
			len--; /* a whole UTF-8 character */
		if (len)
			s->filter[len - 1] = '\0';
	} else if (k->kind == TERM_KEY_CHAR && k->ch >= 0x20 && k->ch < 0x7f &&
	           len + 1 < sizeof(s->filter)) {
		s->filter[len] = (char)k->ch;
		s->filter[len + 1] = '\0';
	}
	ui_rows_build(s);
	keep_selection_visible(a);
}

static void click(struct ui_app *a, const struct term_key *k)
{
	struct layout lo =
	    layout_compute(canvas_width(a->cur), canvas_height(a->cur),
	                   a->st.m ? (int)a->st.m->snap.ngpus : 0, a->st.layout_force);
	if (a->st.mode != UI_MAIN || !ui_rect_contains(lo.table, k->x, k->y))
		return;
	if (k->y == lo.table.y) {
		int sort = ui_table_header_hit(lo.table, lo.kind, k->x);
		if (sort >= 0)
			a->st.sort = (enum ui_sort)sort;
	} else {
		ui_select(&a->st, a->st.scroll + (size_t)(k->y - lo.table.y - 1));
	}
	ui_rows_build(&a->st);
}

static void on_input(struct loop *l, int fd, unsigned revents, void *arg)
{
	struct ui_app *a = arg;
	struct term_key k;
	(void)l;
	(void)fd;
	bool any = false;
	while (term_read_key(a->term, &k)) {
		any = true;
		if (a->st.mode == UI_FILTER) {
			filter_key(a, &k);
			continue;
		}
		switch (k.kind) {
		case TERM_KEY_RESIZE:
			a->have_prev = false;
			break;
		case TERM_KEY_CLICK:
			if (a->o.mouse)
				click(a, &k);
			break;
		case TERM_KEY_WHEEL_UP:
		case TERM_KEY_WHEEL_DOWN:
			if (a->o.mouse && a->st.mode == UI_MAIN)
				act(a, k.kind == TERM_KEY_WHEEL_UP ? UA_UP : UA_DOWN);
			break;
		case TERM_KEY_CHAR:
			act(a, lookup(a, (int)k.ch));
			break;
		default:
			act(a, lookup(a, UI_KEY_SPECIAL(k.kind)));
			break;
		}
	}
	if (any)
		draw(a);
	else if (revents & LOOP_ERR)
		act(a, UA_QUIT); /* the terminal hung up (its pty is gone): nothing to draw on */
}

static void on_winch(struct loop *l, int signo, void *arg)
{
	struct ui_app *a = arg;
	(void)l;
	(void)signo;
	term_resize(a->term);
	a->have_prev = false;
	draw(a);
}

static void app_free(struct sink *s)
{
	struct ui_app *a = app_of(s);
	loop_fd_remove(a->loop, a->in);
	loop_timer_remove(a->loop, a->kill_timer);
	term_end(a->term);
	canvas_free(a->cur);
	canvas_free(a->prev);
	ui_state_free(&a->st);
	free(a);
}

static const struct sink_ops app_ops = {.name = "terminal", .tick = app_tick, .free = app_free};

struct sink *ui_app_new(struct loop *l, const struct ui_opts *o, char *err, size_t errlen)
{
	struct term *t = term_init(o->mouse, o->theme, err, errlen);
	if (!t)
		return NULL;
	struct ui_app *a = xcalloc(1, sizeof(*a));
	a->base = (struct sink){.ops = &app_ops, .essential = true};
	a->loop = l;
	a->term = t;
	a->o = *o;
	a->cur = canvas_new(80, 24);
	a->prev = canvas_new(80, 24);
	a->st.cfg = o->cfg;
	a->st.theme = o->theme;
	a->st.accessible = o->accessible;
	a->st.layout_force = o->layout;
	a->st.replay = o->replay;
	a->st.speed = o->speed;
	a->st.trace_first = o->trace_first;
	a->st.trace_last = o->trace_last;
	if (gethostname(a->st.host, sizeof(a->st.host)) != 0)
		a->st.host[0] = '\0';
	a->st.host[sizeof(a->st.host) - 1] = '\0';
	a->ko = (struct killer_opts){.proc_root = "/proc", .self_uid = getuid()};
	a->in = loop_fd_add(l, STDIN_FILENO, LOOP_IN, on_input, a);
	a->kill_timer = loop_timer_add(l, -1, 0, on_kill_wait, a);
	char e2[128];
	loop_signal_add(l, SIGWINCH, on_winch, a, e2, sizeof(e2));
	draw(a); /* the frame before the first sample */
	return &a->base;
}

void ui_app_notice(struct sink *ui, const char *text)
{
	struct ui_app *a = app_of(ui);
	ui_notice(&a->st, text);
	draw(a);
}

void ui_app_replay_state(struct sink *ui, bool paused, double speed)
{
	struct ui_app *a = app_of(ui);
	a->st.paused = paused;
	a->st.speed = speed;
	draw(a);
}

void ui_app_hold(struct sink *ui, bool hold)
{
	struct ui_app *a = app_of(ui);
	a->hold = hold;
	if (!hold)
		draw(a);
}
