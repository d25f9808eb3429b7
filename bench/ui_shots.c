/* ui_shots: the terminal UI's frame for a moment of a trace, as SVG and text,
 * in every theme (and accessible) -- the screenshots of README.md
 * (`make screenshots`; docs/screenshots/).
 * usage: ui_shots TRACE SECONDS_IN COLS ROWS OUTDIR */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/predictor.h"
#include "config/config.h"
#include "core/error.h"
#include "pipeline/pipeline.h"
#include "source/replay.h"
#include "ui/screenshot.h"
#include "ui/state.h"
#include "ui/widgets.h"

static int write_file(const char *dir, const char *name, const char *ext, const char *text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "ui_shots: %s: cannot write\n", path);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fputs("usage: ui_shots TRACE SECONDS_IN COLS ROWS OUTDIR\n", stderr);
		return 2;
	}
	char err[VT_ERRMSG_MAX];
	struct source *src;
	if (replay_source_open(argv[1], 1.0, false, &src, err, sizeof(err)) != VT_OK) {
		fprintf(stderr, "ui_shots: %s\n", err);
		return 1;
	}
	struct config cfg;
	config_defaults(&cfg);
	struct pred_params pp;
	pred_params_default(&pp);
	struct pipeline p;
	pipeline_init(&p, src, true, cfg.refresh_rate, (size_t)cfg.history_length);
	p.an = analysis_new(cfg.algorithm, &pp, err, sizeof(err));
	double at = atof(argv[2]), t0 = NAN;
	while (pipeline_step(&p, err, sizeof(err)) == VT_OK) {
		if (isnan(t0))
			t0 = p.model.snap.time;
		if (p.model.snap.time - t0 >= at)
			break;
	}
	struct ui_state st = {.m = &p.model,
	                      .cfg = &cfg,
	                      .replay = true,
	                      .speed = 10,
	                      .trace_first = t0,
	                      .trace_last = NAN};
	snprintf(st.host, sizeof(st.host), "gpu-node-3");
	ui_rows_build(&st);
	ui_select(&st, 0);
	struct canvas *c = canvas_new(atoi(argv[3]), atoi(argv[4]));
	int rc = 0;
	for (int th = 0; th < THEME_COUNT; th++) {
		st.theme = (enum theme_id)th;
		ui_draw_frame(c, &st);
		char *svg = screenshot_svg(c, st.theme);
		rc |= write_file(argv[5], theme_name(st.theme), "svg", svg);
		free(svg);
	}
	st.theme = THEME_DARK;
	char *txt = screenshot_text(c);
	rc |= write_file(argv[5], "frame", "txt", txt);
	free(txt);
	st.accessible = true;
	ui_draw_frame(c, &st);
	txt = screenshot_text(c);
	rc |= write_file(argv[5], "accessible", "txt", txt);
	free(txt);
	canvas_free(c);
	ui_state_free(&st);
	pipeline_free(&p);
	return rc;
}
