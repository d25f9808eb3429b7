/* state.h: what the terminal UI's widgets read besides the model -- the
 * user's choices (sort, filter, selection, mode, theme), the rows of the
 * process table in their display order, notices, replay status and the
 * kill dialog. Owned and changed by ui/app.c only; widgets get it const and
 * read no clock (now is injected), so a frame is a pure function of
 * (model, state, size) and golden tests can pin it. */
#ifndef VT_UI_STATE_H
#define VT_UI_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model/model.h"
#include "ui/layout.h"
#include "ui/theme.h"

struct config;

enum ui_sort {
	UI_SORT_MEM, /* bytes used, most first (default) */
	UI_SORT_RATE,
	UI_SORT_PID,
	UI_SORT_NAME,
	UI_SORT_OOM, /* time to OOM of the row's GPU, soonest first */
	UI_SORT_COUNT
};

enum ui_mode {
	UI_MAIN,
	UI_FILTER, /* typing the `/` filter */
	UI_DETAIL, /* the detail panel of the selected row */
	UI_HELP,
	UI_KILL_CONFIRM,  /* "Send SIGTERM to PID ...? [y/n]" */
	UI_KILL_ESCALATE, /* "still running after 5 s: SIGKILL? [y/n]" */
};

/* One row of the process table: a process on one GPU. */
struct ui_row {
	const struct model_gpu *g;
	const struct model_proc *p;
	bool culprit; /* its GPU's OOM warning stands and names this process */
};

/* The identity the selection follows across ticks and re-sorts. */
struct ui_ident {
	bool set;
	unsigned gpu;
	pid_t pid;
	uint64_t starttime;
};

#define UI_NOTICES 4

struct ui_state {
	const struct model *m;    /* borrowed */
	const struct config *cfg; /* borrowed: thresholds, enable_kill */
	enum theme_id theme;
	bool accessible; /* words instead of symbols and colour cues */
	enum layout_force layout_force;
	double now; /* monotonic seconds of this frame */
	char host[64];

	/* the process table, built by ui_rows_build in display order */
	enum ui_sort sort;
	char filter[64]; /* by name, command or PID; "" shows all */
	struct ui_row *rows;
	size_t nrows, rows_cap;
	size_t sel;    /* index into rows (valid when nrows > 0) */
	size_t scroll; /* first row shown */
	struct ui_ident sel_id;

	enum ui_mode mode;

	/* notices, newest first: config errors, reloads, GPUs lost, PID
	 * namespace, a replay's trace events; one that repeats the newest is
	 * counted there instead (repeats > 1 shows "×N") */
	char notice[UI_NOTICES][160];
	unsigned repeats[UI_NOTICES];
	size_t nnotices;

	/* replay */
	bool replay, paused;
	double speed;
	double trace_first, trace_last; /* times of the trace's ends when known */

	/* the kill dialog's target, copied when it opened */
	struct {
		struct ui_ident id;
		char name[VT_NAME_MAX];
		char user[VT_USER_MAX];
		uint64_t used;
		double age_s;   /* process age when the dialog opened, -1 unknown */
		double sent_at; /* monotonic time SIGTERM was sent */
	} kill;
	char status[160]; /* the last action's result ("SIGTERM sent to 4242") */
};

/* Rebuilds s->rows from the model: one row per (GPU, process) present,
 * filtered, sorted by s->sort (ties by GPU then PID), the selection moved
 * to wherever s->sel_id went (or kept in range when it left). */
void ui_rows_build(struct ui_state *s);
/* Selects row i (clamped) and remembers its identity. */
void ui_select(struct ui_state *s, size_t i);
/* The row of the selection, NULL when the table is empty. */
const struct ui_row *ui_selected(const struct ui_state *s);
/* Whether process p passes filter f (case-insensitive substring of its
 * name or command, or a prefix of its PID). */
bool ui_filter_match(const struct model_proc *p, const char *f);
void ui_notice(struct ui_state *s, const char *text);
/* The one rule for "an OOM warning stands" on GPU g: analysed, a predicted
 * range that ends within [alerts] oom_warning_seconds, with at least
 * oom_min_confidence. Cards, the table's culprit mark and the alert line
 * all ask this. */
bool ui_oom_warning(const struct ui_state *s, const struct model_gpu *g);
void ui_state_free(struct ui_state *s);

#endif
