/* main.c: the command line -- options and subcommands -- and the exit status. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/analyze_cmd.h"
#include "app.h"
#include "core/error.h"
#include "core/strnum.h"
#include "config/secrets.h"
#include "export/csv.h"
#include "export/snapshot_fmt.h"
#include "pipeline/live.h"
#include "source/nvml_source.h"
#include "source/replay.h"

#ifndef VT_DATADIR
#define VT_DATADIR "/usr/local/share/vramtop"
#endif
#ifndef VT_SRCDIR
#define VT_SRCDIR "."
#endif

#define DEMO_TRACE "leak_oom.jsonl.gz"

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
    {NULL, 0, NULL, 0},
};

static void usage(FILE *out)
{
	fputs("Usage: vramtop [OPTION]...            watch GPU memory live\n"
	      "       vramtop --once [--json]        print every GPU and its processes once\n"
	      "       vramtop record FILE [--duration S]   write a trace (JSONL)\n"
	      "       vramtop replay FILE [--speed X]      play a recorded trace\n"
	      "       vramtop analyze FILE [--refresh-rate S] [--algorithm NAME] [--segments]\n"
	      "       vramtop --demo                 replay a bundled real H200 trace\n"
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
	      "      --speed X            replay speed factor (default 1; --demo: 10)\n"
	      "  -h, --help               this text\n"
	      "  -V, --version            the version\n"
	      "\n"
	      "Environment: VRAMTOP_NVML_LIB (path of libnvidia-ml.so.1), NO_COLOR.\n"
	      "Exit status: 0 ok, 1 error, 2 no usable NVIDIA driver or bad usage.\n",
	      out);
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

static int open_nvml(struct app *a, char *err, size_t errlen)
{
	struct nvml_source_opts o = {.show_other_users = a->cfg.show_other_users};
	int rc = nvml_source_open(&o, &a->src, err, errlen);
	if (rc != VT_OK) {
		fprintf(stderr, "vramtop: %s\n", err);
		fprintf(stderr,
		        "vramtop: try 'vramtop --demo' to see vramtop on a recorded trace.\n");
		return 2;
	}
	return 0;
}

static FILE *open_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "w");
	if (!f)
		close(fd);
	return f;
}

static int once(struct app *a, bool json)
{
	char err[VT_ERRMSG_MAX] = "";
	int rc = a->replaying ? source_sample(a->src, &a->snap, err, sizeof(err))
	                      : app_sample_live(a, err, sizeof(err));
	if (rc != VT_OK) {
		fprintf(stderr, "vramtop: %s\n", err[0] ? err : "no sample");
		return 1;
	}
	if (json) {
		snapshot_fmt_json(&a->json, &a->snap);
		fwrite(a->json.buf, 1, a->json.len, stdout);
		fputc('\n', stdout);
	} else {
		snapshot_fmt_table(stdout, &a->snap, NULL);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

static int cli_set(struct app *a, const char *key, const char *value)
{
	char err[VT_ERRMSG_MAX];
	if (config_set_cli(&a->cfg, key, value, err, sizeof(err)) != VT_OK) {
		fprintf(stderr, "vramtop: %s\n", err);
		return VT_E_USAGE;
	}
	return VT_OK;
}

int main(int argc, char **argv)
{
	struct app a;
	memset(&a, 0, sizeof(a));
	config_defaults(&a.cfg);
	snapshot_init(&a.snap);
	jsonw_init(&a.json);
	a.speed = 1.0;

	const char *cmd = NULL, *file = NULL;
	if (argc > 1 && strcmp(argv[1], "analyze") == 0)
		return cmd_analyze(argc - 1, argv + 1);
	if (argc > 1 && (strcmp(argv[1], "record") == 0 || strcmp(argv[1], "replay") == 0)) {
		cmd = argv[1];
		argv[1] = argv[0];
		argv++;
		argc--;
	}

	bool want_once = false, want_json = false, demo = false, print_cfg = false;
	bool check_cfg = false, speed_given = false;
	const char *check_path = NULL, *csv_path = NULL;
	int c;
	/* Flags apply after the file is loaded; remember them in order. */
	struct {
		const char *key, *value;
	} sets[16];
	size_t nsets = 0;
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
			a.config_path = optarg;
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
			want_once = true;
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
			a.json_stream = true;
			break;
		case OPT_DURATION:
			if (!strnum_double(optarg, &a.duration) || a.duration <= 0) {
				fprintf(stderr, "vramtop: --duration wants seconds > 0, not '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case OPT_SPEED:
			if (!strnum_double(optarg, &a.speed) || a.speed <= 0) {
				fprintf(stderr, "vramtop: --speed wants a factor > 0, not '%s'\n",
				        optarg);
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
	if (a.config_path) {
		char sp[4096];
		secrets_set_path(secrets_path_beside(a.config_path, sp, sizeof(sp)));
	}
	if (check_cfg) {
		/* both --check-config=FILE and --check-config FILE */
		if (!check_path && optind < argc)
			check_path = argv[optind++];
		struct config_diags d = {0};
		int rc = config_check_file(check_path ? check_path : a.config_path, &d, stdout);
		config_diags_free(&d);
		return rc == VT_OK ? 0 : 1;
	}
	if (cmd) {
		if (optind >= argc) {
			fprintf(stderr, "vramtop: %s needs a FILE\n", cmd);
			return 2;
		}
		file = argv[optind++];
	}
	if (optind < argc) {
		fprintf(stderr, "vramtop: unexpected argument '%s'\nTry 'vramtop --help'.\n",
		        argv[optind]);
		return 2;
	}

	/* defaults < file < flags. A bad file at start: run on defaults, say why. */
	struct config_diags d = {0};
	if (config_load_file(&a.cfg, a.config_path, &d) != VT_OK) {
		char buf[600];
		fprintf(stderr, "vramtop: %s; running on defaults\n",
		        config_diags_summary(&d, buf, sizeof(buf)));
	}
	config_diags_free(&d);
	for (size_t i = 0; i < nsets; i++)
		if (cli_set(&a, sets[i].key, sets[i].value) != VT_OK)
			return 2;
	if (print_cfg) {
		config_print(&a.cfg, stdout);
		return 0;
	}

	/* Block the loop's signals before any source starts a thread (NVML's
	 * PCIe sampler): threads inherit the mask, so the signals can only reach
	 * the main thread's signalfd, never kill the process from a helper. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	char err[VT_ERRMSG_MAX] = "";
	int status = 0;
	if (demo || (cmd && strcmp(cmd, "replay") == 0)) {
		const char *path = demo ? demo_trace() : file;
		if (demo && !speed_given)
			a.speed = 10.0;
		if (replay_source_open(path, a.speed, false, &a.src, err, sizeof(err)) != VT_OK) {
			fprintf(stderr, "vramtop: %s\n", err);
			return 1;
		}
		a.replaying = true;
	} else if ((status = open_nvml(&a, err, sizeof(err))) != 0) {
		return status;
	}

	if (want_once) {
		sigprocmask(SIG_UNBLOCK, &mask, NULL); /* Ctrl-C works as usual */
		status = once(&a, want_json);
		goto out;
	}
	if (cmd && strcmp(cmd, "record") == 0) {
		a.record = open_private(file);
		if (!a.record) {
			fprintf(stderr, "vramtop: cannot create %s: %s\n", file, strerror(errno));
			status = 1;
			goto out;
		}
	}
	if (csv_path) {
		a.csv = csv_open(csv_path, err, sizeof(err));
		if (!a.csv) {
			fprintf(stderr, "vramtop: %s\n", err);
			status = 1;
			goto out;
		}
	}
	a.live_table = !a.json_stream && !a.record;
	if (a.live_table || a.csv) {
		struct pred_params pp;
		pred_params_default(&pp);
		pp.min_sustained_samples = a.cfg.min_sustained_samples;
		pp.min_rate_mb_s = a.cfg.min_rate_mb_per_sec;
		pp.refresh_s = a.cfg.refresh_rate;
		a.la = live_new(a.cfg.algorithm, &pp, err, sizeof(err));
		if (!a.la) {
			fprintf(stderr, "vramtop: %s\n", err);
			status = 1;
			goto out;
		}
	}
	status = app_run(&a);
	if (a.replaying) {
		const char *last = NULL;
		unsigned long bad = replay_bad_lines(a.src, &last);
		if (bad)
			fprintf(stderr,
			        "vramtop: %lu malformed line%s skipped in the trace (last: %s)\n",
			        bad, bad == 1 ? "" : "s", last ? last : "?");
	}
out:
	if (a.record && fclose(a.record) != 0) {
		fprintf(stderr, "vramtop: closing %s: %s\n", file, strerror(errno));
		status = 1;
	}
	if (a.csv)
		csv_close(a.csv);
	live_free(a.la);
	source_close(a.src);
	snapshot_free(&a.snap);
	jsonw_free(&a.json);
	return status;
}
