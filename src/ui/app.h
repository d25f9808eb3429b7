/* app.h: the terminal UI as the running program sees it -- a sink on the
 * pipeline (it draws after every tick) and an input watcher on the loop
 * (keys, mouse, SIGWINCH). It redraws on a tick, a key or a resize, never
 * in a busy loop, and term.c writes only the cells that changed. */
#ifndef VT_UI_APP_H
#define VT_UI_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "sink/sink.h"
#include "ui/layout.h"
#include "ui/theme.h"

struct loop;
struct config;

/* What the UI asks of the program that runs it (cmd/top.c). */
struct ui_control {
	void *arg;
	void (*quit)(void *arg);
	/* replay only (NULL when live) */
	void (*pause)(void *arg, bool paused);
	void (*speed)(void *arg, double factor);
	void (*seek)(void *arg, double delta_s);
	/* the next (dir > 0) or previous OOM warning or phase change */
	void (*jump)(void *arg, int dir);
};

struct ui_opts {
	const struct config *cfg; /* borrowed: read at every frame */
	enum theme_id theme;
	enum layout_force layout;
	bool accessible, mouse, enable_kill;
	bool replay;
	double speed;
	double trace_first, trace_last; /* replay: the trace's ends, NAN unknown */
	struct ui_control ctl;
};

/* Takes over the terminal; NULL with err set when it cannot (not a tty).
 * The sink is the pipeline's to free (which gives the terminal back). */
struct sink *ui_app_new(struct loop *l, const struct ui_opts *o, char *err, size_t errlen);
/* A line for the notices (config reload, a refused reload ...). */
void ui_app_notice(struct sink *ui, const char *text);
/* Replay status changes made by the program (speed, pause). */
void ui_app_replay_state(struct sink *ui, bool paused, double speed);
/* While set, ticks update the state but draw nothing (a seek running the
 * pipeline fast); clearing it draws once. */
void ui_app_hold(struct sink *ui, bool hold);

#endif
