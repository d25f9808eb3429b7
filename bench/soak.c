/* soak: the live pipeline -- the NVML source (point VRAMTOP_NVML_LIB at the
 * simulator and its churning scenario), /proc resolution through the pidfd
 * cache, the model with its history rings, the analysis, and the stream,
 * record and table sinks -- ticked as fast as the event loop allows, while
 * another process sends SIGHUP every second (each one reloads CONFIG and
 * rebuilds the analysis, as a live run does).
 * usage: soak TICKS CONFIG OUTDIR PIDFDS
 * Prints a line every tenth of the run (ticks, reloads, RSS, heap in use,
 * open fds) and exits 1 if, after the first tenth, the open fds went past
 * those after setup plus PIDFDS (the real processes the scenario names: the
 * pidfd cache holds one per live process seen) or RSS or the heap grew by
 * more than 1 MiB; 2 on a setup error. bench/soak.py
 * builds the scenario and runs it (`make soak`). */
#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "core/error.h"
#include "loop/loop.h"
#include "pipeline/analysis.h"
#include "pipeline/pipeline.h"
#include "sink/sinks.h"
#include "source/nvml_source.h"
#include "sys/proc_resolve.h"

/* Under AddressSanitizer freed memory waits in its quarantine (256 MiB) and
 * mallinfo2 says nothing: RSS and the heap are not checked there; leaks are
 * LeakSanitizer's to report at exit. */
#if defined(__SANITIZE_ADDRESS__)
#define SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOAK_ASAN 1
#endif
#endif
#ifndef SOAK_ASAN
#define SOAK_ASAN 0
#endif

struct soak {
	struct pipeline p;
	struct config cfg;
	const char *config_path;
	unsigned long reloads, reload_failures;
};

static struct analysis *make_analysis(const struct config *c)
{
	char err[VT_ERRMSG_MAX];
	struct pred_params pp;
	pred_params_default(&pp);
	pp.min_sustained_samples = c->min_sustained_samples;
	pp.min_rate_mb_s = c->min_rate_mb_per_sec;
	pp.refresh_s = c->refresh_rate;
	struct analysis *an = analysis_new(c->algorithm, &pp, err, sizeof(err));
	if (!an)
		fprintf(stderr, "soak: %s\n", err);
	return an;
}

static void on_hup(struct loop *l, int signo, void *arg)
{
	struct soak *s = arg;
	struct config_diags d = {0};
	(void)l;
	(void)signo;
	struct config c = s->cfg;
	if (config_reload(&c, s->config_path, &d) != VT_OK) {
		s->reload_failures++;
	} else {
		struct analysis *an = make_analysis(&c);
		if (an) {
			s->cfg = c;
			pipeline_set_analysis(&s->p, an);
			s->reloads++;
		}
	}
	config_diags_free(&d);
}

static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = -1; /* the DIR's own */
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Sends SIGHUP to parent every second until it is gone. */
static pid_t start_hupper(pid_t parent)
{
	pid_t pid = fork();
	if (pid == 0) {
		for (;;) {
			nanosleep(&(struct timespec){.tv_sec = 1}, NULL);
			if (getppid() != parent || kill(parent, SIGHUP) != 0)
				_exit(0);
		}
	}
	return pid;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: soak TICKS CONFIG OUTDIR PIDFDS\n");
		return 2;
	}
	long ticks = strtol(argv[1], NULL, 10);
	struct soak s;
	memset(&s, 0, sizeof(s));
	s.config_path = argv[2];
	char err[VT_ERRMSG_MAX] = "", path[4096];
	struct config_diags d = {0};
	config_defaults(&s.cfg);
	if (config_load_file(&s.cfg, s.config_path, &d) != VT_OK) {
		fprintf(stderr, "soak: %s: cannot load the config\n", s.config_path);
		return 2;
	}
	config_diags_free(&d);

	struct loop *l = loop_new(err, sizeof(err));
	if (!l || !loop_signal_add(l, SIGHUP, on_hup, &s, err, sizeof(err))) {
		fprintf(stderr, "soak: %s\n", err);
		return 2;
	}
	struct nvml_source_opts o = {.show_other_users = false};
	struct source *src = NULL;
	if (nvml_source_open(&o, &src, err, sizeof(err)) != VT_OK) {
		fprintf(stderr, "soak: %s\n", err);
		return 2;
	}
	pipeline_init(&s.p, src, false, s.cfg.refresh_rate, (size_t)s.cfg.history_length);
	struct proc_resolve_opts ro;
	proc_resolve_opts_default(&ro);
	model_set_procfs(&s.p.model, &ro, false);
	s.p.an = make_analysis(&s.cfg);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	FILE *table = fopen("/dev/null", "w");
	snprintf(path, sizeof(path), "%s/soak.jsonl", argv[3]);
	struct sink *rec = sink_record_open(path, true, err, sizeof(err));
	if (!s.p.an || null < 0 || !table || !rec) {
		fprintf(stderr, "soak: setup: %s\n", err);
		return 2;
	}
	pipeline_add_sink(&s.p, sink_stream_new(null, l));
	pipeline_add_sink(&s.p, sink_table_new(table, false, true, &s.cfg));
	pipeline_add_sink(&s.p, rec);

	pid_t hupper = start_hupper(getpid());
	long fds_max = open_fds() + strtol(argv[4], NULL, 10), rss0 = 0;
	size_t heap0 = 0;
	int status = 0;
	unsigned long errors = 0, lost_ticks = 0, comebacks = 0;
	bool was_lost = false;
	for (long i = 1; i <= ticks; i++) {
		loop_run_once(l, 0);
		if (pipeline_step(&s.p, err, sizeof(err)) == VT_ERR) {
			errors++;
			if (s.p.fatal) {
				fprintf(stderr, "soak: tick %ld: %s\n", i, err);
				status = 1;
				break;
			}
		}
		const struct snapshot *sn = &s.p.model.snap;
		bool lost = sn->ngpus > 1 && sn->gpus[1].state == GPU_STATE_LOST;
		lost_ticks += lost;
		comebacks += was_lost && !lost;
		was_lost = lost;
		if (i % (ticks / 10 > 0 ? ticks / 10 : 1) == 0) {
			/* the record grows by design: keep the disk flat, not the file */
			if (truncate(path, 0) != 0)
				perror("soak: truncate");
			long fds = open_fds(), rss = rss_kib();
			size_t heap = mallinfo2().uordblks;
			printf("ticks %ld reloads %lu reload_failures %lu sample_errors %lu "
			       "gpu1_lost_ticks "
			       "%lu gpu1_back %lu rss_kib %ld heap %zu fds %ld procs %zu\n",
			       i, s.reloads, s.reload_failures, errors, lost_ticks, comebacks, rss,
			       heap, fds, sn->nprocs);
			fflush(stdout);
			if (fds > fds_max) {
				fprintf(stderr,
				        "soak: %ld open fds, more than the %ld that setup and the "
				        "pidfd cache account for\n",
				        fds, fds_max);
				status = 1;
			}
			if (SOAK_ASAN) {
				/* see SOAK_ASAN */
			} else if (!rss0) {
				rss0 = rss, heap0 = heap;
			} else if (rss > rss0 + 1024 || heap > heap0 + (1u << 20)) {
				fprintf(
				    stderr,
				    "soak: grew after the warm-up: rss %ld -> %ld KiB, heap %zu -> "
				    "%zu\n",
				    rss0, rss, heap0, heap);
				status = 1;
			}
		}
	}
	kill(hupper, SIGKILL);
	waitpid(hupper, NULL, 0);
	if (pipeline_finish(&s.p) != 0)
		status = 1;
	pipeline_free(&s.p);
	loop_free(l);
	fclose(table);
	close(null);
	return status;
}
