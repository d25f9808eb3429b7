/* app.c: the event loop -- sample on a timer, feed the sinks, handle signals. */
#include "app.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "export/csv.h"
#include "export/snapshot_fmt.h"
#include "export/trace_writer.h"
#include "source/replay.h"
#include "pipeline/live.h"
#include "sys/pidns.h"

static int arm_timer(int tfd, double interval)
{
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	if (interval < 0.001)
		interval = 0.001;
	its.it_interval.tv_sec = (time_t)interval;
	its.it_interval.tv_nsec = (long)((interval - (double)(time_t)interval) * 1e9);
	its.it_value.tv_nsec = 1; /* first tick at once */
	return timerfd_settime(tfd, 0, &its, NULL);
}

static double tick_interval(const struct app *a)
{
	double r = a->cfg.refresh_rate;
	return a->replaying ? r / (a->speed > 0 ? a->speed : 1.0) : r;
}

/* Next sample: live sources give one; a replay is read until trace time has
 * moved on by one refresh interval, as a live run would have sampled it. */
static int next_sample(struct app *a, char *err, size_t errlen)
{
	if (!a->replaying)
		return app_sample_live(a, err, errlen);
	double want = a->ticks ? a->snap.time + a->cfg.refresh_rate - 1e-6 : 0;
	int rc;
	a->nevents = 0;
	do {
		rc = source_sample(a->src, &a->snap, err, errlen);
		const struct trace_event *ev;
		size_t n = replay_events(a->src, &ev);
		for (size_t i = 0; i < n && a->nevents < sizeof(a->events) / sizeof(a->events[0]);
		     i++)
			a->events[a->nevents++] = ev[i];
	} while (rc == VT_OK && a->snap.time < want);
	return rc;
}

/* The CSV's phase and OOM columns from the live analysis. */
static const struct csv_analysis *csv_columns(struct app *a)
{
	static struct csv_gpu_analysis *g;
	static struct csv_proc_analysis *p;
	static size_t gcap, pcap;
	static struct csv_analysis ca;
	if (!a->la)
		return NULL;
	const struct live_view *v = live_view(a->la);
	if (v->ngpus > gcap) {
		gcap = v->ngpus;
		g = xreallocarray(g, gcap, sizeof(*g));
	}
	if (v->nprocs > pcap) {
		pcap = v->nprocs;
		p = xreallocarray(p, pcap, sizeof(*p));
	}
	for (size_t i = 0; i < v->ngpus; i++)
		g[i] = (struct csv_gpu_analysis){
		    .valid = true,
		    .phase = vt_phase_name(v->gpu[i].phase),
		    .rate_mb_s = v->gpu[i].rate_mb_s,
		    .has_oom = v->gpu[i].has_oom,
		    .oom_low_s = v->gpu[i].low_s,
		    .oom_high_s = v->gpu[i].high_s,
		    .confidence = v->gpu[i].confidence,
		};
	for (size_t i = 0; i < v->nprocs; i++)
		p[i] = (struct csv_proc_analysis){
		    .valid = true,
		    .phase = vt_phase_name(v->proc[i].phase),
		    .rate_mb_s = v->proc[i].rate_mb_s,
		};
	ca = (struct csv_analysis){.gpus = g, .ngpus = v->ngpus, .procs = p, .nprocs = v->nprocs};
	return &ca;
}

static void sink_all(struct app *a)
{
	char err[VT_ERRMSG_MAX];
	if (a->la)
		live_update(a->la, &a->snap);
	if (a->live_table) {
		struct fmt_analysis fa = {.view = a->la ? live_view(a->la) : NULL,
		                          .warn_s = a->cfg.oom_warning_seconds,
		                          .min_conf = a->cfg.oom_min_confidence};
		if (isatty(STDOUT_FILENO))
			fputs("\033[H\033[2J", stdout);
		snapshot_fmt_table(stdout, &a->snap, &fa);
		for (size_t i = 0; i < a->nevents; i++)
			printf("event in the trace: %s, pid %d\n", a->events[i].event,
			       (int)a->events[i].pid);
		fflush(stdout);
	}
	if (a->json_stream) {
		trace_write_sample(stdout, &a->json, &a->snap);
	}
	if (a->record && trace_write_sample(a->record, &a->json, &a->snap) != VT_OK) {
		fprintf(stderr, "vramtop: writing the trace failed: %s\n", strerror(errno));
		fclose(a->record);
		a->record = NULL;
	}
	if (a->csv && csv_write_tick(a->csv, &a->snap, csv_columns(a), err, sizeof(err)) != VT_OK)
		fprintf(stderr, "vramtop: csv: %s\n", err);
}

static void reload(struct app *a, int tfd)
{
	struct config_diags d = {0};
	char buf[600];
	struct config old = a->cfg;
	if (config_reload(&a->cfg, a->config_path, &d) != VT_OK) {
		fprintf(stderr, "vramtop: reload failed, keeping the running config: %s\n",
		        config_diags_summary(&d, buf, sizeof(buf)));
	} else {
		config_changes(&old, &a->cfg, buf, sizeof(buf));
		fprintf(stderr, "vramtop: config reloaded%s%s\n", buf[0] ? "; changed: " : "", buf);
		if (old.refresh_rate != a->cfg.refresh_rate)
			arm_timer(tfd, tick_interval(a));
	}
	config_diags_free(&d);
}

int app_sample_live(struct app *a, char *err, size_t errlen)
{
	int rc = source_sample(a->src, &a->snap, err, errlen);
	/* Not in our /proc: in the root PID namespace that means it exited
	 * between NVML's list and /proc, and it is removed silently. Inside a
	 * container NVML reports host PIDs that our /proc cannot show, so the
	 * rows stay (VRAM from NVML only). */
	if (rc == VT_OK && !pidns_is_child())
		snapshot_drop_procs(&a->snap, PF_GONE);
	return rc;
}

int app_run(struct app *a)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL); /* main.c blocked them already */
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0 || arm_timer(tfd, tick_interval(a)) < 0) {
		fprintf(stderr, "vramtop: cannot set up the event loop: %s\n", strerror(errno));
		return 1;
	}
	int status = 0;
	double first_t = -1;
	bool running = true;
	while (running) {
		struct pollfd pf[2] = {{.fd = tfd, .events = POLLIN},
		                       {.fd = sfd, .events = POLLIN}};
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "vramtop: poll: %s\n", strerror(errno));
			status = 1;
			break;
		}
		if (pf[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP)
					reload(a, tfd);
				else
					running = false;
			}
		}
		if (!running || !(pf[0].revents & POLLIN))
			continue;
		uint64_t expirations;
		if (read(tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
			break;
		char err[VT_ERRMSG_MAX] = "";
		int rc = next_sample(a, err, sizeof(err));
		if (rc == VT_EOF)
			break;
		if (rc != VT_OK) {
			fprintf(stderr, "vramtop: %s\n", err[0] ? err : "sampling failed");
			continue; /* a failed refresh is not the end: try again next tick */
		}
		a->ticks++;
		sink_all(a);
		if (first_t < 0)
			first_t = a->snap.time;
		if (a->duration > 0 && a->snap.time - first_t >= a->duration - 1e-6)
			break;
	}
	close(tfd);
	close(sfd);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	return status;
}
