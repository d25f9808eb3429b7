/* widgets.h: the terminal UI's widgets. Each draws from the model and the
 * UI state into a rectangle of a canvas and nothing else: no samples, no
 * clock (state->now), no curses. Colours are theme roles (canvas_role),
 * resolved by term.c or screenshot.c. With state->accessible, words replace
 * symbols and colour cues (a bar segment keeps its glyph, a phase says its
 * name, the OOM line says "OOM WARNING"). */
#ifndef VT_UI_WIDGETS_H
#define VT_UI_WIDGETS_H

#include "model/model.h"
#include "ui/canvas.h"
#include "ui/layout.h"
#include "ui/state.h"

/* ---- ui/gpu_card.c: one GPU ------------------------------------------------
 * TIMELINE (FULL): a rounded box titled "GPU i · name" with the phase badge
 * and rate at the right of the title; a memory bar stacked by process
 * (biggest first, each in its own colour role THEME_BAR0.. and glyph, the
 * rest as "N others", memory no process accounts for as "no process", then
 * free), "used / total GiB"; a legend line naming the segments; the OOM
 * line when a warning stands (`!!! OOM in ~60–120 s · PID 4242 name
 * [■■■□□]` in THEME_ALERT bold) or else util (labelled "(device)"), temp,
 * power; a memory timeline over history_length samples with a scale, and,
 * while a warning stands, the predicted path drawn ahead of "now" to the
 * full line (low..high as a band). BOXED: the box, bar and OOM/metrics
 * line. LINE (COMPACT/MINI): one line -- index, short name, bar, used/total,
 * phase, rate, "!!! OOM ~60–120 s" when warned. A GPU lost or errored says
 * so ("LOST: fell off the bus", its last known name) and draws no numbers. */
void ui_draw_gpu_card(struct canvas *c, struct ui_rect r, enum layout_card style,
                      const struct ui_state *s, const struct model_gpu *g);
/* The colour role (THEME_BAR0 + k) and glyph of process p in its GPU's
 * bar: its rank by memory among the GPU's present processes, the first
 * seven ranks own a colour; the rest share THEME_BAR7 ("others"). Tables
 * use the same, so a row's marker matches its segment. */
unsigned ui_proc_bar_role(const struct model_gpu *g, const struct model_proc *p);
const char *ui_proc_bar_glyph(unsigned role);

/* ---- ui/table.c: the process table ----------------------------------------
 * Heading row (PID USER GPU TYPE USED SHARE PHASE MB/s VERDICT COMMAND in
 * FULL; fewer columns in COMPACT and MINI), the sort column marked, then
 * s->rows from s->scroll; the selected row (`▶`, THEME_SELECTION); the
 * culprit's verdict in THEME_ALERT; other users' processes show VRAM and
 * "[other user]"; a filter line when filtering. */
void ui_draw_table(struct canvas *c, struct ui_rect r, enum layout_kind kind,
                   const struct ui_state *s);
/* Which sort a click at column x of the heading row means, or -1. */
int ui_table_header_hit(struct ui_rect r, enum layout_kind kind, int x);
/* The table's badge of a process -- "[vllm docker MPS]": its framework,
 * container runtime and MPS -- into buf (ASCII); its length, 0 (buf "")
 * when nothing is known. */
size_t ui_proc_badge(char *buf, size_t cap, const struct model *m, const struct model_proc *p);
/* Rows of r available for processes (r.h minus the heading). */
int ui_table_visible_rows(struct ui_rect r);

/* ---- ui/panels.c: header, notices, footer, overlays ----------------------- */
/* " vramtop 0.1.0  host  driver X  N GPUs  every 1 s   [REPLAY 10× t=...]
 * ? help  q quit" */
void ui_draw_header(struct canvas *c, struct ui_rect r, const struct ui_state *s);
void ui_draw_notices(struct canvas *c, struct ui_rect r, const struct ui_state *s);
/* Key hints for the mode (replay keys when replaying). */
void ui_draw_footer(struct canvas *c, struct ui_rect r, const struct ui_state *s);
/* The detail panel of the selected row, centred over screen: SPEC §5's
 * fields, the process's memory history (sparkline), verdict and why, the
 * weights/dynamic breakdown (labelled estimate), and the fields later work
 * fills (framework, container, model files, server, deep mode) as "—". */
void ui_draw_detail(struct canvas *c, struct ui_rect screen, const struct ui_state *s);
/* Every key, from the key table (ui/keys.h) so help never drifts. */
void ui_draw_help(struct canvas *c, struct ui_rect screen, const struct ui_state *s);
/* The kill dialogs (UI_KILL_CONFIRM, UI_KILL_ESCALATE). */
void ui_draw_kill(struct canvas *c, struct ui_rect screen, const struct ui_state *s);
/* "terminal too small (40×10 needed)" centred. */
void ui_draw_too_small(struct canvas *c, struct ui_rect screen);

/* ---- ui/frame.c: a whole frame --------------------------------------------- */
/* Lays out the screen (layout_compute) and draws every widget and the
 * overlay of the mode. */
void ui_draw_frame(struct canvas *c, const struct ui_state *s);

#endif
