/* analyze.c: `vramtop analyze` -- the replay source, the live pipeline and a
 * JSONL sink, run as fast as it can go: one model, one peak store, one set
 * of parameters (the config file's, which --algorithm and --refresh-rate
 * override), so what analyze says is what a live vramtop would have said. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/pelt.h"
#include "analysis/predictor.h"
#include "cmd/cmd.h"
#include "config/config.h"
#include "core/error.h"
#include "core/strnum.h"
#include "pipeline/pipeline.h"
#include "sink/sinks.h"
#include "source/replay.h"

static void usage(FILE *f)
{
	fputs("usage: vramtop analyze FILE [--refresh-rate S] [--algorithm NAME] [--segments]\n"
	      "                            [--penalty PRESET|VALUE] [--min-segment N] [--config "
	      "FILE]\n"
	      "Replays a trace (JSONL, plain or gzip) at the refresh rate and prints one JSON\n"
	      "line per tick and GPU (phase, rate, OOM range, culprit) and per tick and\n"
	      "process (phase, rate, survival verdict).\n"
	      "  -r, --refresh-rate S   resample every S seconds (default: the config's\n"
	      "                         general.refresh_rate, 1.0)\n"
	      "  -a, --algorithm NAME   OOM predictor: envelope or variance (default: the\n"
	      "                         config's oom_prediction.algorithm, envelope)\n"
	      "  -c, --config FILE      configuration file (default\n"
	      "                         $XDG_CONFIG_HOME/vramtop/config.toml)\n"
	      "  -s, --segments         also print PELT segments of every series at the end\n"
	      "  -p, --penalty P        PELT penalty: pytorch_training, inference_server,\n"
	      "                         unknown (default) or a number (units of sigma^2)\n"
	      "  -m, --min-segment N    shortest PELT segment in samples (default 5)\n"
	      "  -h, --help             this text\n",
	      f);
}

/* Runs the pipeline over the trace at path; the exit status. */
static int run(const char *path, const char *algo, const struct pred_params *pp, size_t history,
               bool segments, const struct pelt_opts *pelt)
{
	char err[VT_ERRMSG_MAX];
	struct source *src;
	if (replay_source_open(path, 1.0, false, &src, err, sizeof(err)) != VT_OK) {
		fprintf(stderr, "vramtop analyze: %s\n", err);
		return 1;
	}
	struct pipeline p;
	pipeline_init(&p, src, true, pp->refresh_s, history);
	p.an = analysis_new(algo, pp, err, sizeof(err));
	if (!p.an) {
		fprintf(stderr, "vramtop analyze: %s\n", err);
		pipeline_free(&p);
		return 2;
	}
	pipeline_add_sink(&p, sink_analyze_new(stdout, segments, pelt));
	int rc;
	while ((rc = pipeline_step(&p, err, sizeof(err))) == VT_OK)
		;
	int status = rc == VT_EOF ? 0 : 1;
	if (pipeline_finish(&p) != 0)
		status = 1;
	const char *last = NULL;
	unsigned long segs = replay_segment_breaks(src, &last);
	if (segs)
		fprintf(stderr,
		        "vramtop analyze: %s: %lu new segment%s (the last: %s); the analysis "
		        "restarted at each\n",
		        path, segs, segs == 1 ? "" : "s", last ? last : "?");
	unsigned long bad = replay_bad_lines(src, &last);
	if (bad)
		fprintf(stderr, "vramtop analyze: %s: %lu malformed line%s skipped (last: %s)\n",
		        path, bad, bad == 1 ? "" : "s", last ? last : "?");
	pipeline_free(&p);
	return status;
}

int cmd_analyze(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"refresh-rate", required_argument, NULL, 'r'},
	    {"algorithm", required_argument, NULL, 'a'},
	    {"segments", no_argument, NULL, 's'},
	    {"penalty", required_argument, NULL, 'p'},
	    {"min-segment", required_argument, NULL, 'm'},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct pelt_opts pelt = {PELT_PENALTY_UNKNOWN, PELT_MIN_SIZE_DEFAULT};
	const char *algo = NULL, *config_path = NULL;
	double refresh = 0;
	bool segments = false;
	optind = 0; /* GNU: full reinitialisation, so the command can run twice */
	int c;
	while ((c = getopt_long(argc, argv, "r:a:sp:m:c:h", longopts, NULL)) != -1) {
		double v;
		switch (c) {
		case 'r':
			if (!strnum_double(optarg, &v) || v <= 0 || v > 3600) {
				fprintf(
				    stderr,
				    "vramtop analyze: --refresh-rate wants seconds in (0, 3600], "
				    "not '%s'\n",
				    optarg);
				return 2;
			}
			refresh = v;
			break;
		case 'a':
			algo = optarg;
			break;
		case 's':
			segments = true;
			break;
		case 'p':
			v = pelt_preset(optarg);
			if (v < 0 && (!strnum_double(optarg, &v) || v < 0)) {
				fprintf(stderr,
				        "vramtop analyze: --penalty wants pytorch_training, "
				        "inference_server, unknown or a number >= 0, not '%s'\n",
				        optarg);
				return 2;
			}
			pelt.penalty = v;
			break;
		case 'm':
			if (!strnum_double(optarg, &v) || v < 1 || v > 1e6 || v != floor(v)) {
				fprintf(stderr,
				        "vramtop analyze: --min-segment wants a whole number of "
				        "samples >= 1, not '%s'\n",
				        optarg);
				return 2;
			}
			pelt.min_size = (size_t)v;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fputs(optind >= argc ? "vramtop analyze: which trace?\n"
		                     : "vramtop analyze: one trace at a time\n",
		      stderr);
		usage(stderr);
		return 2;
	}
	/* the config file's parameters, as a live run would use them */
	struct config cfg;
	config_defaults(&cfg);
	struct config_diags d = {0};
	if (config_load_file(&cfg, config_path, &d) != VT_OK) {
		char buf[600];
		fprintf(stderr, "vramtop analyze: %s\n",
		        config_diags_summary(&d, buf, sizeof(buf)));
		config_diags_free(&d);
		return 2;
	}
	config_diags_free(&d);
	if (!algo)
		algo = cfg.algorithm;
	if (!predictor_find(algo)) {
		fprintf(stderr, "vramtop analyze: no OOM algorithm named '%s' in this build\n",
		        algo);
		return 2;
	}
	struct pred_params pp;
	pred_params_default(&pp);
	pp.min_sustained_samples = cfg.min_sustained_samples;
	pp.min_rate_mb_s = cfg.min_rate_mb_per_sec;
	pp.refresh_s = refresh > 0 ? refresh : cfg.refresh_rate;
	return run(argv[optind], algo, &pp, (size_t)cfg.history_length, segments, &pelt);
}
