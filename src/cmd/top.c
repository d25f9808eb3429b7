/* top.c: the running vramtop -- live, `replay`, `--demo`, `record`, `--once`:
 * options, the event loop, the pipeline and its sinks, SIGHUP reloads. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "config/config.h"
#include "config/secrets.h"
#include "core/error.h"
#include "core/strnum.h"
#include "deep/deep.h"
#include "core/xalloc.h"
#include "enrich/scrape.h"
#include "loop/loop.h"
#include "pipeline/pipeline.h"
#include "sink/sinks.h"
#include "source/nvml_source.h"
#include "source/replay.h"
#include "sys/pidns.h"
#include "ui/app.h"
#include "ui/state.h"

#define DEMO_TRACE "demo.jsonl.gz" /* recorded with vramtop record: contrib/demo/ */
#define SPEED_MIN  0.01
#define SPEED_MAX  1e6

enum opt_id {
	OPT_ONCE = 256,
	OPT_JSON,
	OPT_DEMO,
	OPT_CHECK_CONFIG,
	OPT_PRINT_CONFIG,
	OPT_THEME,
	OPT_LAYOUT,
	OPT_NO_KILL,
	OPT_ACCESSIBLE,
	OPT_SHOW_OTHER_USERS,
	OPT_EXPORT_CSV,
	OPT_JSON_STREAM,
	OPT_DURATION,
	OPT_SPEED,
	OPT_FORCE,
	OPT_PLAIN,
	OPT_NO_MOUSE,
	OPT_LISTEN,
	OPT_SERVE,
};

static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"once", no_argument, NULL, OPT_ONCE},
    {"json", no_argument, NULL, OPT_JSON},
    {"demo", no_argument, NULL, OPT_DEMO},
    {"config", required_argument, NULL, 'c'},
    {"check-config", optional_argument, NULL, OPT_CHECK_CONFIG},
    {"print-config", no_argument, NULL, OPT_PRINT_CONFIG},
    {"refresh-rate", required_argument, NULL, 'r'},
    {"theme", required_argument, NULL, OPT_THEME},
    {"layout", required_argument, NULL, OPT_LAYOUT},
    {"no-kill", no_argument, NULL, OPT_NO_KILL},
    {"accessible", no_argument, NULL, OPT_ACCESSIBLE},
    {"show-other-users", no_argument, NULL, OPT_SHOW_OTHER_USERS},
    {"export-csv", required_argument, NULL, OPT_EXPORT_CSV},
    {"json-stream", no_argument, NULL, OPT_JSON_STREAM},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"speed", required_argument, NULL, OPT_SPEED},
    {"force", no_argument, NULL, OPT_FORCE},
    {"plain", no_argument, NULL, OPT_PLAIN},
    {"no-mouse", no_argument, NULL, OPT_NO_MOUSE},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"serve", no_argument, NULL, OPT_SERVE},
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
	fputs("Usage: vramtop [OPTION]...            watch GPU memory live\n"
	      "       vramtop --once [--json]        print every GPU and its processes once\n"
	      "       vramtop record FILE [--duration S] [--force]   write a trace (JSONL)\n"
	      "       vramtop replay FILE [--speed X]      play a recorded trace\n"
	      "       vramtop analyze FILE [--refresh-rate S] [--algorithm NAME] [--segments]\n"
	      "       vramtop --demo                 replay a bundled real GPU running out of "
	      "memory\n"
	      "       vramtop serve [--listen ADDR:PORT]   Prometheus exporter (docs/exporter.md)\n"
	      "\n"
	      "  -c, --config FILE        configuration file (default\n"
	      "                           $XDG_CONFIG_HOME/vramtop/config.toml)\n"
	      "      --check-config[=FILE]  validate a configuration file and exit\n"
	      "      --print-config       print the effective configuration as TOML\n"
	      "  -r, --refresh-rate S     seconds between samples (0.5 to 10)\n"
	      "      --theme NAME         dark, light, nord, catppuccin, dracula, solarized\n"
	      "      --layout NAME        auto, full, compact, mini\n"
	      "      --no-kill            disable killing processes from the UI\n"
	      "      --accessible         words instead of symbols and colour cues\n"
	      "      --show-other-users   show other users' process names (from NVML)\n"
	      "      --once               one sample, then exit\n"
	      "      --json               with --once: one JSON document (docs/json.md)\n"
	      "      --json-stream        one trace-format JSON line per sample on stdout\n"
	      "      --export-csv FILE    append one CSV row per GPU and process per sample\n"
	      "      --duration S         stop after S seconds of samples\n"
	      "      --speed X            replay speed factor, 0.01 to 1000000 (default 1;\n"
	      "                           --demo: 2)\n"
	      "      --force              record: overwrite FILE even if it is not a trace\n"
	      "      --plain              a refreshing table instead of the full-screen UI\n"
	      "                           (the default when stdout is not a terminal)\n"
	      "      --no-mouse           the UI ignores the mouse\n"
	      "      --listen ADDR:PORT   serve, --serve: where the exporter listens (default\n"
	      "                           [export] prometheus_bind:prometheus_port, else\n"
	      "                           127.0.0.1:9400)\n"
	      "      --serve              the exporter beside the UI or table\n"
	      "                           (an existing trace is appended to)\n"
	      "  -h, --help               this text\n"
	      "  -V, --version            the version\n"
	      "\n"
	      "Environment: VRAMTOP_NVML_LIB (path of libnvidia-ml.so.1), NO_COLOR.\n"
	      "Exit status: 0 ok, 1 error, 2 no usable NVIDIA driver or bad usage.\n",
	      out);
}

struct top {
	struct config cfg;
	bool plain, no_mouse;
	char start_notice[700]; /* a bad config file at start, for the UI's notices */
	struct sink *ui;        /* the terminal UI, when it runs (the pipeline owns it) */
	bool paused;
	const char *config_path; /* NULL: the default path */
	struct pipeline p;
	struct loop *loop;
	struct loop_timer *sample, *retry;
	double speed, duration, first_t;
	bool once;
	struct deep *deep;            /* deep mode's reader, live runs only */
	bool serve;                   /* the exporter runs (serve, --serve, prometheus_port) */
	bool headless;                /* `vramtop serve`: the exporter only */
	const char *listen;           /* --listen, NULL: from the config */
	struct scraper *scraper;      /* NULL: scraping off (or a replay) */
	struct loop_timer *once_wait; /* --once: the scrape round's deadline */
	bool primed;                  /* --once: the scrape round was started */
	double once_deadline;         /* --once: output by then whatever is in flight */
};

static void scrape_opts_of(const struct config *c, struct scrape_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->proc_root = "/proc";
	o->self_uid = getuid();
	for (size_t i = 0; i < c->n_allowed_ports && i < SCRAPE_PORTS_MAX; i++)
		o->ports[o->nports++] = c->allowed_ports[i];
	o->rate_limit_s = c->rate_limit_seconds;
	o->timeout_ms = c->timeout_ms;
}

static double tick_interval(const struct top *t)
{
	double r = t->cfg.refresh_rate;
	return t->p.replaying ? r / t->speed : r;
}

static struct analysis *new_analysis(const struct config *c, char *err, size_t errlen)
{
	struct pred_params pp;
	pred_params_default(&pp);
	pp.min_sustained_samples = c->min_sustained_samples;
	pp.min_rate_mb_s = c->min_rate_mb_per_sec;
	pp.refresh_s = c->refresh_rate;
	return analysis_new(c->algorithm, &pp, err, errlen);
}

/* A message for the user: the UI's notices line when it runs (stderr would
 * scribble over the screen), else stderr. */
static void say(struct top *t, const char *text)
{
	if (t->ui)
		ui_app_notice(t->ui, text);
	else
		fprintf(stderr, "vramtop: %s\n", text);
}

static void once_scraped(void *arg)
{
	struct top *t = arg;
	loop_timer_set(t->once_wait, 0, 0); /* the output, off curl's callback */
}

static void step(struct top *t)
{
	char err[VT_ERRMSG_MAX] = "";
	if (t->once && t->scraper && !t->primed) {
		/* --once with scraping: one round first -- a sample that starts
		 * the scrapes, no output -- then the real sample once they are all
		 * answered or the timeout passed */
		t->primed = true;
		size_t nsinks = t->p.nsinks;
		t->p.nsinks = 0;
		int rc = pipeline_step(&t->p, err, sizeof(err));
		t->p.nsinks = nsinks;
		if (rc == VT_OK && scraper_busy(t->scraper)) {
			scraper_on_idle(t->scraper, once_scraped, t);
			loop_timer_set(t->once_wait, t->cfg.timeout_ms / 1000.0 + 0.1, 0);
			t->once_deadline = loop_now() + 2 * t->cfg.timeout_ms / 1000.0 + 1.0;
			return;
		}
	}
	int rc = pipeline_step(&t->p, err, sizeof(err));
	if (rc == VT_AGAIN) { /* a retry with backoff, on a timer */
		loop_timer_set(t->retry, source_retry_delay(t->p.src), 0);
		return;
	}
	if (rc == VT_EOF) {
		loop_stop(t->loop, 0);
		return;
	}
	if (rc != VT_OK) {
		if (t->p.fatal) {
			loop_stop(t->loop, 1);
			return;
		}
		say(t, err[0] ? err : "sampling failed");
		if (t->once)
			loop_stop(t->loop, 1);
		return; /* a failed refresh is not the end: try again next tick */
	}
	double now = t->p.model.snap.time;
	if (t->p.ticks == 1)
		t->first_t = now;
	if (t->once || (t->duration > 0 && now - t->first_t >= t->duration - 1e-6))
		loop_stop(t->loop, 0);
}

static void on_sample(struct loop *l, struct loop_timer *tm, void *arg)
{
	struct top *t = arg;
	(void)l;
	(void)tm;
	if (t->once_wait && loop_timer_armed(t->once_wait))
		return;                  /* --once waits for its scrape round */
	if (!loop_timer_armed(t->retry)) /* a sample still being retried goes first */
		step(t);
}

static void on_once_wait(struct loop *l, struct loop_timer *tm, void *arg)
{
	struct top *t = arg;
	(void)l;
	(void)tm;
	scraper_expire(t->scraper); /* a transfer past its time says so first */
	/* libcurl counts a transfer's timeout from its start, which a loaded
	 * machine may delay a little: give it that, within a hard bound */
	if (scraper_busy(t->scraper) && loop_now() < t->once_deadline) {
		loop_timer_set(t->once_wait, 0.05, 0);
		return;
	}
	scraper_on_idle(t->scraper, NULL, NULL);
	step(t);
}

static void on_retry(struct loop *l, struct loop_timer *tm, void *arg)
{
	(void)l;
	(void)tm;
	step(arg);
}

static void on_quit(struct loop *l, int signo, void *arg)
{
	(void)signo;
	(void)arg;
	loop_stop(l, 0);
}

/* Keys that a running vramtop cannot change: the rings and the source were
 * built with them. A reload keeps their running value and says so. */
static void keep_restart_keys(const struct config *old, struct config *c, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
#define KEEP(field, name)                                                                          \
	if (old->field != c->field) {                                                              \
		c->field = old->field;                                                             \
		n +=                                                                               \
		    (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ", " : "", name); \
	}
	KEEP(history_length, "general.history_length")
	KEEP(show_other_users, "display.show_other_users")
#undef KEEP
}

static void on_reload(struct loop *l, int signo, void *arg)
{
	struct top *t = arg;
	struct config_diags d = {0};
	char buf[600], kept[200], err[VT_ERRMSG_MAX];
	struct config old = t->cfg, c = t->cfg;
	(void)l;
	(void)signo;
	char line[1024];
	if (config_reload(&c, t->config_path, &d) != VT_OK) {
		snprintf(line, sizeof(line), "reload failed, keeping the running config: %s",
		         config_diags_summary(&d, buf, sizeof(buf)));
		say(t, line);
		config_diags_free(&d);
		return;
	}
	config_diags_free(&d);
	keep_restart_keys(&old, &c, kept, sizeof(kept));
	bool an_changed = strcmp(old.algorithm, c.algorithm) != 0 ||
	                  old.min_sustained_samples != c.min_sustained_samples ||
	                  old.min_rate_mb_per_sec != c.min_rate_mb_per_sec ||
	                  (old.refresh_rate != c.refresh_rate && t->p.an);
	if (an_changed && t->p.an) {
		struct analysis *an = new_analysis(&c, err, sizeof(err));
		if (!an) { /* the schema checks names; this is a build without it */
			snprintf(line, sizeof(line),
			         "reload refused, keeping the running config: %s", err);
			say(t, line);
			return;
		}
		pipeline_set_analysis(&t->p, an);
	}
	t->cfg = c;
	if (t->scraper) {
		struct scrape_opts so;
		scrape_opts_of(&c, &so);
		scraper_set_opts(t->scraper, &so);
	}
	if (old.refresh_rate != c.refresh_rate) {
		t->p.refresh = c.refresh_rate;
		loop_timer_set(t->sample, tick_interval(t), tick_interval(t));
	}
	config_changes(&old, &c, buf, sizeof(buf));
	snprintf(line, sizeof(line), "config reloaded; %s%s%s%s%s", buf[0] ? "applied: " : "",
	         buf[0] ? buf : "nothing changed",
	         an_changed && t->p.an ? " (prediction restarted)" : "",
	         kept[0] ? "; needs a restart, kept the running value: " : "", kept);
	say(t, line);
}

static int cli_set(struct config *c, const char *key, const char *value)
{
	char err[VT_ERRMSG_MAX];
	if (config_set_cli(c, key, value, err, sizeof(err)) != VT_OK) {
		fprintf(stderr, "vramtop: %s\n", err);
		return VT_E_USAGE;
	}
	return VT_OK;
}

static int refuse(const char *why)
{
	fprintf(stderr, "vramtop: %s\nTry 'vramtop --help'.\n", why);
	return 2;
}

/* The loop's signals: SIGINT/SIGTERM stop, SIGHUP reloads. */
static int setup_loop(struct top *t)
{
	char err[VT_ERRMSG_MAX];
	t->loop = loop_new(err, sizeof(err));
	if (!loop_signal_add(t->loop, SIGINT, on_quit, t, err, sizeof(err)) ||
	    !loop_signal_add(t->loop, SIGTERM, on_quit, t, err, sizeof(err)) ||
	    !loop_signal_add(t->loop, SIGHUP, on_reload, t, err, sizeof(err))) {
		fprintf(stderr, "vramtop: cannot set up the event loop: %s\n", err);
		return 1;
	}
	t->retry = loop_timer_add(t->loop, -1, 0, on_retry, t);
	t->sample = loop_timer_add(t->loop, 0, tick_interval(t), on_sample, t);
	return 0;
}

/* The bundled demo trace: installed copy first, then the source tree. */
static const char *demo_trace(void)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/examples/%s", VT_DATADIR, DEMO_TRACE);
	if (access(path, R_OK) == 0)
		return path;
	snprintf(path, sizeof(path), "%s/examples/%s", VT_SRCDIR, DEMO_TRACE);
	return path;
}

static int open_source(struct top *t, bool replay, bool demo, bool speed_given, const char *file,
                       struct source **src)
{
	char err[VT_ERRMSG_MAX] = "";
	if (replay) {
		if (demo && !speed_given)
			t->speed = 2.0; /* the demo's leak runs out in 13 s: watchable at 2x */
		if (replay_source_open(demo ? demo_trace() : file, t->speed, false, src, err,
		                       sizeof(err)) != VT_OK) {
			fprintf(stderr, "vramtop: %s\n", err);
			return 1;
		}
		return 0;
	}
	struct nvml_source_opts o = {.show_other_users = t->cfg.show_other_users};
	if (nvml_source_open(&o, src, err, sizeof(err)) != VT_OK) {
		fprintf(stderr, "vramtop: %s\n", err);
		fprintf(stderr,
		        "vramtop: try 'vramtop --demo' to see vramtop on a recorded trace.\n");
		return 2;
	}
	return 0;
}

/* ---- what the terminal UI asks of the run -------------------------------- */

static void ui_quit(void *arg)
{
	struct top *t = arg;
	loop_stop(t->loop, 0);
}

static void ui_pause(void *arg, bool paused)
{
	struct top *t = arg;
	t->paused = paused;
	/* a paused replay has no timer armed: it costs no CPU */
	if (paused)
		loop_timer_set(t->sample, -1, 0);
	else
		loop_timer_set(t->sample, tick_interval(t), tick_interval(t));
	ui_app_replay_state(t->ui, paused, t->speed);
}

static void ui_speed(void *arg, double factor)
{
	struct top *t = arg;
	t->speed = fmin(SPEED_MAX, fmax(SPEED_MIN, t->speed * factor));
	if (!t->paused)
		loop_timer_set(t->sample, tick_interval(t), tick_interval(t));
	ui_app_replay_state(t->ui, t->paused, t->speed);
}

/* Plays the trace from its start, without drawing, until its time reaches
 * target: the model and the predictors then hold what a viewer who watched
 * up to there would have seen. */
static void replay_restart(struct top *t)
{
	char err[VT_ERRMSG_MAX];
	replay_seek(t->p.src, -1e300, err, sizeof(err));
	model_free(&t->p.model);
	model_init(&t->p.model, (size_t)t->cfg.history_length);
	if (t->p.an)
		analysis_reset(t->p.an);
	t->p.ticks = 0;
}

static int fast_step(struct top *t)
{
	char err[VT_ERRMSG_MAX];
	int rc;
	while ((rc = pipeline_step(&t->p, err, sizeof(err))) == VT_AGAIN)
		;
	return rc;
}

static void replay_to(struct top *t, double target)
{
	ui_app_hold(t->ui, true);
	if (target < t->p.model.snap.time)
		replay_restart(t);
	while (!t->p.ticks || t->p.model.snap.time < target - 1e-6)
		if (fast_step(t) != VT_OK)
			break;
	ui_app_hold(t->ui, false);
}

static void ui_seek(void *arg, double delta_s)
{
	struct top *t = arg;
	replay_to(t, t->p.model.snap.time + delta_s);
}

/* A tick where some GPU's phase changed or an OOM warning began. */
static bool event_tick(struct top *t, enum vt_phase *phase, bool *warned, size_t n)
{
	struct ui_state probe = {.cfg = &t->cfg};
	bool ev = false;
	for (size_t i = 0; i < t->p.model.ngpus && i < n; i++) {
		const struct model_gpu *g = &t->p.model.gpus[i];
		if (!g->analysed)
			continue;
		bool w = ui_oom_warning(&probe, g);
		if (g->an.phase != phase[i] || (w && !warned[i]))
			ev = true;
		phase[i] = g->an.phase;
		warned[i] = w;
	}
	return ev;
}

static void ui_jump(void *arg, int dir)
{
	struct top *t = arg;
	enum { N = 64 };
	enum vt_phase phase[N];
	bool warned[N];
	double now = t->p.model.snap.time, found = NAN;
	ui_app_hold(t->ui, true);
	if (dir < 0)
		replay_restart(t);
	for (size_t i = 0; i < N; i++) {
		const struct model_gpu *g = i < t->p.model.ngpus ? &t->p.model.gpus[i] : NULL;
		phase[i] = g && g->analysed ? g->an.phase : PHASE_STABLE;
		warned[i] = false;
	}
	while (fast_step(t) == VT_OK) {
		double tt = t->p.model.snap.time;
		bool ev = event_tick(t, phase, warned, N);
		if (dir > 0 && ev && tt > now + 1e-6) {
			found = tt;
			break;
		}
		if (dir < 0 && tt >= now - 1e-6)
			break;
		if (dir < 0 && ev)
			found = tt;
	}
	if (dir < 0) {
		replay_to(t, isnan(found) ? -1e300 : found);
		ui_app_hold(t->ui, true);
	}
	ui_app_hold(t->ui, false);
	if (isnan(found))
		ui_app_notice(t->ui, dir > 0 ? "no later phase change or OOM warning in the trace"
		                             : "no earlier phase change or OOM warning");
}

static struct sink *start_ui(struct top *t, char *err, size_t errlen)
{
	enum theme_id theme = THEME_DARK;
	theme_from_name(t->cfg.theme, &theme);
	enum layout_force lf = LAYOUT_AUTO;
	if (strcmp(t->cfg.layout, "full") == 0)
		lf = LAYOUT_FORCE_FULL;
	else if (strcmp(t->cfg.layout, "compact") == 0)
		lf = LAYOUT_FORCE_COMPACT;
	else if (strcmp(t->cfg.layout, "mini") == 0)
		lf = LAYOUT_FORCE_MINI;
	struct ui_opts o = {
	    .cfg = &t->cfg,
	    .theme = theme,
	    .layout = lf,
	    .accessible = t->cfg.accessible,
	    .mouse = !t->no_mouse,
	    .enable_kill = t->cfg.enable_kill,
	    .replay = t->p.replaying,
	    .speed = t->speed,
	    .trace_first = NAN,
	    .trace_last = NAN,
	    .ctl = {.arg = t, .quit = ui_quit},
	};
	if (t->p.replaying) {
		o.ctl.pause = ui_pause;
		o.ctl.speed = ui_speed;
		o.ctl.seek = ui_seek;
		o.ctl.jump = ui_jump;
	}
	return ui_app_new(t->loop, &o, err, errlen);
}

/* The exporter: --listen, else [export] prometheus_bind:prometheus_port,
 * else 127.0.0.1:9400. */
static int add_exporter(struct top *t)
{
	char err[VT_ERRMSG_MAX] = "", addr[64];
	int port = t->cfg.prometheus_port ? t->cfg.prometheus_port : 9400, bound = 0;
	vt_strlcpy(addr, t->cfg.prometheus_bind, sizeof(addr));
	if (t->listen &&
	    serve_parse_listen(t->listen, addr, sizeof(addr), &port, err, sizeof(err)) != VT_OK) {
		fprintf(stderr, "vramtop: %s\n", err);
		return 2;
	}
	struct sink *s =
	    sink_serve_new(t->loop, &t->p, &t->cfg, addr, port, &bound, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "vramtop: %s\n", err);
		return 1;
	}
	pipeline_add_sink(&t->p, s);
	fprintf(stderr, "vramtop: exporter listening on http://%s%s%s:%d/metrics\n",
	        strchr(addr, ':') ? "[" : "", addr, strchr(addr, ':') ? "]" : "", bound);
	return 0;
}

/* Webhooks when the secret webhook_url is set (VRAMTOP_WEBHOOK_URL or
 * secrets.toml); a refused secret or URL is said and the run goes on. */
static void add_webhook(struct top *t)
{
	char url[SECRETS_VALUE_MAX], token[SECRETS_VALUE_MAX], err[VT_ERRMSG_MAX] = "";
	int rc = secrets_get("webhook_url", url, sizeof(url), err, sizeof(err));
	if (rc == SECRETS_NOT_SET)
		return;
	if (rc == VT_OK &&
	    secrets_get("webhook_token", token, sizeof(token), err, sizeof(err)) == VT_ERR)
		rc = VT_ERR;
	struct sink *s =
	    rc == VT_OK ? sink_webhook_new(t->loop, &t->cfg, url, token, err, sizeof(err)) : NULL;
	if (!s) {
		fprintf(stderr, "vramtop: webhooks off: %s\n", err);
		return;
	}
	pipeline_add_sink(&t->p, s);
}

static int add_sinks(struct top *t, const char *file, bool record, bool force, bool json_stream,
                     bool want_json, const char *csv_path)
{
	char err[VT_ERRMSG_MAX] = "";
	if (!t->once && !t->p.replaying)
		add_webhook(t);
	if (t->serve) {
		int rc = add_exporter(t);
		if (rc || t->headless)
			return rc;
	}
	if (t->once) {
		pipeline_add_sink(&t->p, sink_once_new(stdout, want_json));
		return 0;
	}
	if (record) {
		struct sink *s = sink_record_open(file, force, err, sizeof(err));
		if (!s) {
			fprintf(stderr, "vramtop: %s\n", err);
			return 1;
		}
		pipeline_add_sink(&t->p, s);
	}
	if (json_stream)
		pipeline_add_sink(&t->p, sink_stream_new(STDOUT_FILENO, t->loop));
	if (csv_path) {
		struct sink *s = sink_csv_open(csv_path, err, sizeof(err));
		if (!s) {
			fprintf(stderr, "vramtop: %s\n", err);
			return 1;
		}
		pipeline_add_sink(&t->p, s);
	}
	if (json_stream || record)
		return 0;
	if (!t->plain && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		struct sink *ui = start_ui(t, err, sizeof(err));
		if (ui) {
			pipeline_add_sink(&t->p, ui);
			t->ui = ui;
			return 0;
		}
		fprintf(stderr, "vramtop: %s; showing the plain table\n", err);
	}
	pipeline_add_sink(&t->p, sink_table_new(stdout, isatty(STDOUT_FILENO), true, &t->cfg));
	return 0;
}

static void deep_say(void *arg, const char *text)
{
	say(arg, text);
}

static void deep_enrich(void *arg, struct model *m)
{
	deep_apply(arg, &m->snap, loop_now());
}

/* Deep mode (docs/deep-mode.md): live runs read the sockets of processes
 * that opted in. The first tick waits a moment (0.3 s) for the peers just
 * connected to send their first figures, so --once and the first line of a
 * recording have them. */
static void start_deep(struct top *t)
{
	t->deep = deep_new(t->loop, NULL, 1.0, deep_say, t);
	t->p.enrich = deep_enrich;
	t->p.enrich_arg = t->deep;
	if (deep_pending(t->deep))
		loop_timer_set(t->sample, 0.3, tick_interval(t));
}

static int run(struct top *t, bool replay, bool demo, bool speed_given, const char *file,
               bool record, bool force, bool json_stream, bool want_json, const char *csv_path)
{
	char err[VT_ERRMSG_MAX] = "";
	struct source *src = NULL;
	int status = open_source(t, replay, demo, speed_given, file, &src);
	if (status)
		return status;
	pipeline_init(&t->p, src, replay, t->cfg.refresh_rate, (size_t)t->cfg.history_length);
	if (!replay) {
		struct proc_resolve_opts ro;
		proc_resolve_opts_default(&ro);
		model_set_procfs(&t->p.model, &ro, t->cfg.show_other_users);
		model_set_enrich(&t->p.model, "/", getenv("NVIDIA_VISIBLE_DEVICES"));
	}
	status = setup_loop(t);
	if (!status && !replay)
		start_deep(t);
	if (!status && !replay && t->cfg.scraping_enable) {
		struct scrape_opts so;
		scrape_opts_of(&t->cfg, &so);
		t->scraper = scraper_new(t->loop, &so, err, sizeof(err));
		if (t->scraper) {
			model_set_scraper(&t->p.model, t->scraper);
			t->once_wait = loop_timer_add(t->loop, -1, 0, on_once_wait, t);
		} else {
			fprintf(stderr, "vramtop: scraping off: %s\n", err);
		}
	}
	if (!status && !t->once) {
		t->p.an = new_analysis(&t->cfg, err, sizeof(err));
		if (!t->p.an) {
			fprintf(stderr, "vramtop: %s\n", err);
			status = 1;
		}
	}
	if (!status)
		status = add_sinks(t, file, record, force, json_stream, want_json, csv_path);
	if (!status && t->ui) {
		if (t->start_notice[0])
			ui_app_notice(t->ui, t->start_notice);
		if (!replay && pidns_is_child())
			ui_app_notice(t->ui, "running in a PID namespace: the PIDs shown are the "
			                     "host's (NVML's), not this namespace's");
	}
	if (!status) {
		status = loop_run(t->loop);
		if (status && loop_error(t->loop)[0])
			fprintf(stderr, "vramtop: %s\n", loop_error(t->loop));
		if (pipeline_finish(&t->p) != 0)
			status = 1;
	}
	if (replay) {
		const char *last = NULL;
		unsigned long segs = replay_segment_breaks(t->p.src, &last);
		if (segs)
			fprintf(stderr, "vramtop: %lu new segment%s in the trace (the last: %s)\n",
			        segs, segs == 1 ? "" : "s", last ? last : "?");
		unsigned long bad = replay_bad_lines(t->p.src, &last);
		if (bad)
			fprintf(stderr,
			        "vramtop: %lu malformed line%s skipped in the trace (last: %s)\n",
			        bad, bad == 1 ? "" : "s", last ? last : "?");
	}
	pipeline_free(&t->p);
	deep_free(t->deep);
	scraper_free(t->scraper);
	loop_free(t->loop);
	return status;
}

int cmd_top(int argc, char **argv, const char *sub)
{
	struct top t;
	memset(&t, 0, sizeof(t));
	config_defaults(&t.cfg);
	t.speed = 1.0;

	const char *file = NULL;
	bool want_json = false, demo = false, print_cfg = false, force = false;
	bool check_cfg = false, speed_given = false, json_stream = false;
	const char *check_path = NULL, *csv_path = NULL;
	int c;
	/* Flags apply after the file is loaded; remember them in order. */
	struct {
		const char *key, *value;
	} sets[16];
	size_t nsets = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "hVc:r:", long_opts, NULL)) != -1) {
		const char *key = NULL, *val = optarg;
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vramtop %s\n", VT_VERSION);
			return 0;
		case 'c':
			t.config_path = optarg;
			break;
		case 'r':
			key = "general.refresh_rate";
			break;
		case OPT_THEME:
			key = "display.theme";
			break;
		case OPT_LAYOUT:
			key = "display.layout";
			break;
		case OPT_NO_KILL:
			key = "display.enable_kill";
			val = "false";
			break;
		case OPT_ACCESSIBLE:
			key = "display.accessible";
			val = "true";
			break;
		case OPT_SHOW_OTHER_USERS:
			key = "display.show_other_users";
			val = "true";
			break;
		case OPT_ONCE:
			t.once = true;
			break;
		case OPT_JSON:
			want_json = true;
			break;
		case OPT_DEMO:
			demo = true;
			break;
		case OPT_CHECK_CONFIG:
			check_cfg = true;
			check_path = optarg;
			break;
		case OPT_PRINT_CONFIG:
			print_cfg = true;
			break;
		case OPT_EXPORT_CSV:
			csv_path = optarg;
			break;
		case OPT_JSON_STREAM:
			json_stream = true;
			break;
		case OPT_PLAIN:
			t.plain = true;
			break;
		case OPT_NO_MOUSE:
			t.no_mouse = true;
			break;
		case OPT_LISTEN:
			t.listen = optarg;
			break;
		case OPT_SERVE:
			t.serve = true;
			break;
		case OPT_FORCE:
			force = true;
			break;
		case OPT_DURATION:
			if (!strnum_double(optarg, &t.duration) || !(t.duration > 0) ||
			    t.duration > 1e9) {
				fprintf(
				    stderr,
				    "vramtop: --duration wants seconds, more than 0 and at most "
				    "1e9, not '%s'\n",
				    optarg);
				return 2;
			}
			break;
		case OPT_SPEED:
			if (!strnum_double(optarg, &t.speed) || !(t.speed >= SPEED_MIN) ||
			    t.speed > SPEED_MAX) {
				fprintf(stderr,
				        "vramtop: --speed wants a factor from %g to %g, not '%s'\n",
				        SPEED_MIN, SPEED_MAX, optarg);
				return 2;
			}
			speed_given = true;
			break;
		default:
			fprintf(stderr, "Try 'vramtop --help'.\n");
			return 2;
		}
		if (key && nsets < sizeof(sets) / sizeof(sets[0])) {
			sets[nsets].key = key;
			sets[nsets].value = val;
			nsets++;
		}
	}
	if (t.config_path) {
		char sp[4096];
		secrets_set_path(secrets_path_beside(t.config_path, sp, sizeof(sp)));
	}
	if (check_cfg) {
		/* both --check-config=FILE and --check-config FILE */
		if (!check_path && optind < argc)
			check_path = argv[optind++];
		struct config_diags d = {0};
		int rc = config_check_file(check_path ? check_path : t.config_path, &d, stdout);
		config_diags_free(&d);
		return rc == VT_OK ? 0 : 1;
	}
	t.headless = sub && strcmp(sub, "serve") == 0;
	if (t.headless) {
		t.serve = true;
		sub = NULL; /* live, without a FILE */
	}
	if (sub) {
		if (optind >= argc) {
			fprintf(stderr, "vramtop: %s needs a FILE\n", sub);
			return 2;
		}
		file = argv[optind++];
	}
	if (optind < argc) {
		fprintf(stderr, "vramtop: unexpected argument '%s'\nTry 'vramtop --help'.\n",
		        argv[optind]);
		return 2;
	}
	bool record = sub && strcmp(sub, "record") == 0;
	bool replay = demo || (sub && strcmp(sub, "replay") == 0);
	/* meaningless combinations are refused, with the reason */
	if (want_json && !t.once)
		return refuse("--json goes with --once (for a stream of samples: --json-stream)");
	if (t.once && (json_stream || csv_path || t.duration > 0 || record))
		return refuse("--once prints one sample and exits: it takes no --json-stream, "
		              "--export-csv, --duration or record");
	if (speed_given && !replay)
		return refuse("--speed is for replay and --demo");
	if (force && !record)
		return refuse("--force is for record");
	if (demo && sub)
		return refuse("--demo replays the bundled trace: no record or replay with it");
	if (t.serve && (t.once || replay))
		return refuse(
		    "the exporter serves a live run: no --once, replay or --demo with it");
	if (t.listen && !t.serve)
		return refuse("--listen is for serve and --serve");

	/* defaults < file < flags. A bad file at start: run on defaults, say why. */
	struct config_diags d = {0};
	if (config_load_file(&t.cfg, t.config_path, &d) != VT_OK) {
		char buf[600];
		snprintf(t.start_notice, sizeof(t.start_notice), "%s; running on defaults",
		         config_diags_summary(&d, buf, sizeof(buf)));
		fprintf(stderr, "vramtop: %s\n", t.start_notice);
	}
	config_diags_free(&d);
	for (size_t i = 0; i < nsets; i++)
		if (cli_set(&t.cfg, sets[i].key, sets[i].value) != VT_OK)
			return 2;
	if (t.cfg.prometheus_port && !t.once && !replay)
		t.serve = true; /* [export] prometheus_port turns the exporter on */
	if (print_cfg) {
		config_print(&t.cfg, stdout);
		return 0;
	}
	return run(&t, replay, demo, speed_given, file, record, force, json_stream, want_json,
	           csv_path);
}
