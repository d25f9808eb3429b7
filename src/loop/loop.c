/* loop.c: one poll() over fd watchers, timers kept in arming order, and a
 * signalfd for signals (see loop.h). Watchers and timers are few (tens), so
 * plain arrays and linear scans beat any heap here. */
#include "loop/loop.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"

#define LOOP_NSIG 65

struct loop_fd {
	int fd;
	unsigned events;
	loop_fd_fn fn;
	void *arg;
	bool dead;
};

struct loop_timer {
	double due; /* monotonic seconds; NAN when disarmed */
	double interval;
	unsigned long seq; /* arming order, for ties */
	loop_timer_fn fn;
	void *arg;
	bool dead;
};

struct loop {
	struct loop_fd **fds;
	size_t nfds, fds_cap;
	struct loop_timer **timers;
	size_t ntimers, timers_cap;
	unsigned long seq;
	bool garbage; /* something was removed: sweep after the pass */
	/* poll scratch, parallel: which watcher each pollfd belongs to */
	struct pollfd *pfd;
	struct loop_fd **pw;
	size_t pcap;
	/* signals */
	int sfd;
	sigset_t sigs;
	struct loop_fd *sig_watch;
	loop_signal_fn sig_fn[LOOP_NSIG];
	void *sig_arg[LOOP_NSIG];
	bool stopped;
	int status;
	char error[128];
};

double loop_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct loop *loop_new(char *err, size_t errlen)
{
	struct loop *l = xcalloc(1, sizeof(*l));
	sigemptyset(&l->sigs);
	l->sfd = -1;
	(void)err;
	(void)errlen;
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nfds; i++)
		free(l->fds[i]);
	for (size_t i = 0; i < l->ntimers; i++)
		free(l->timers[i]);
	free(l->fds);
	free(l->timers);
	free(l->pfd);
	free(l->pw);
	if (l->sfd >= 0)
		close(l->sfd);
	free(l);
}

struct loop_fd *loop_fd_add(struct loop *l, int fd, unsigned events, loop_fd_fn fn, void *arg)
{
	if (l->nfds == l->fds_cap) {
		l->fds_cap = l->fds_cap ? 2 * l->fds_cap : 8;
		l->fds = xreallocarray(l->fds, l->fds_cap, sizeof(*l->fds));
	}
	struct loop_fd *w = xcalloc(1, sizeof(*w));
	*w = (struct loop_fd){.fd = fd, .events = events, .fn = fn, .arg = arg};
	l->fds[l->nfds++] = w;
	return w;
}

void loop_fd_set(struct loop_fd *w, unsigned events)
{
	w->events = events;
}

void loop_fd_remove(struct loop *l, struct loop_fd *w)
{
	if (w && !w->dead) {
		w->dead = true;
		l->garbage = true;
	}
}

struct loop_timer *loop_timer_add(struct loop *l, double delay, double interval, loop_timer_fn fn,
                                  void *arg)
{
	if (l->ntimers == l->timers_cap) {
		l->timers_cap = l->timers_cap ? 2 * l->timers_cap : 8;
		l->timers = xreallocarray(l->timers, l->timers_cap, sizeof(*l->timers));
	}
	struct loop_timer *t = xcalloc(1, sizeof(*t));
	*t = (struct loop_timer){.fn = fn, .arg = arg, .due = NAN};
	l->timers[l->ntimers++] = t;
	t->seq = l->seq++;
	loop_timer_set(t, delay, interval);
	return t;
}

void loop_timer_set(struct loop_timer *t, double delay, double interval)
{
	t->interval = interval > 0 && isfinite(interval) ? interval : 0;
	t->due = delay >= 0 && isfinite(delay) ? loop_now() + delay : NAN;
}

bool loop_timer_armed(const struct loop_timer *t)
{
	return !isnan(t->due);
}

void loop_timer_remove(struct loop *l, struct loop_timer *t)
{
	if (t && !t->dead) {
		t->dead = true;
		t->due = NAN;
		l->garbage = true;
	}
}

void loop_block_signals(const int *sigs)
{
	sigset_t m;
	sigemptyset(&m);
	for (; *sigs; sigs++)
		sigaddset(&m, *sigs);
	pthread_sigmask(SIG_BLOCK, &m, NULL);
}

static void on_signalfd(struct loop *l, int fd, unsigned revents, void *arg)
{
	struct signalfd_siginfo si;
	(void)arg;
	(void)revents;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int s = (int)si.ssi_signo;
		if (s > 0 && s < LOOP_NSIG && l->sig_fn[s])
			l->sig_fn[s](l, s, l->sig_arg[s]);
	}
}

bool loop_signal_add(struct loop *l, int signo, loop_signal_fn fn, void *arg, char *err,
                     size_t errlen)
{
	if (signo <= 0 || signo >= LOOP_NSIG) {
		snprintf(err, errlen, "signal %d out of range", signo);
		return false;
	}
	sigaddset(&l->sigs, signo);
	pthread_sigmask(SIG_BLOCK, &l->sigs, NULL);
	int fd = signalfd(l->sfd, &l->sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return false;
	}
	l->sfd = fd;
	if (!l->sig_watch)
		l->sig_watch = loop_fd_add(l, fd, LOOP_IN, on_signalfd, NULL);
	l->sig_fn[signo] = fn;
	l->sig_arg[signo] = arg;
	return true;
}

/* Drops removed watchers and timers, keeping the others' order. */
static void sweep(struct loop *l)
{
	size_t k = 0;
	for (size_t i = 0; i < l->nfds; i++) {
		if (l->fds[i]->dead)
			free(l->fds[i]);
		else
			l->fds[k++] = l->fds[i];
	}
	l->nfds = k;
	k = 0;
	for (size_t i = 0; i < l->ntimers; i++) {
		if (l->timers[i]->dead)
			free(l->timers[i]);
		else
			l->timers[k++] = l->timers[i];
	}
	l->ntimers = k;
	l->garbage = false;
}

/* The armed timer due first (ties: armed first), or NULL. */
static struct loop_timer *next_timer(const struct loop *l)
{
	struct loop_timer *best = NULL;
	for (size_t i = 0; i < l->ntimers; i++) {
		struct loop_timer *t = l->timers[i];
		if (isnan(t->due))
			continue;
		if (!best || t->due < best->due || (t->due == best->due && t->seq < best->seq))
			best = t;
	}
	return best;
}

static int poll_timeout(const struct loop *l, int timeout_ms)
{
	const struct loop_timer *t = next_timer(l);
	if (!t)
		return timeout_ms;
	double ms = ceil((t->due - loop_now()) * 1000.0);
	int tm = ms <= 0 ? 0 : ms > 86400000.0 ? 86400000 : (int)ms;
	return timeout_ms < 0 || tm < timeout_ms ? tm : timeout_ms;
}

/* Runs the timers due now, earliest first. A timer armed during this pass
 * (by a callback) waits for the next pass, so a zero-delay re-arm cannot
 * starve the fds. */
static int run_timers(struct loop *l)
{
	int n = 0;
	double now = loop_now();
	unsigned long horizon = l->seq;
	for (;;) {
		struct loop_timer *t = NULL;
		for (size_t i = 0; i < l->ntimers; i++) {
			struct loop_timer *c = l->timers[i];
			if (isnan(c->due) || c->due > now || c->seq >= horizon)
				continue;
			if (!t || c->due < t->due || (c->due == t->due && c->seq < t->seq))
				t = c;
		}
		if (!t || l->stopped)
			return n;
		if (t->interval > 0) {
			double next = t->due + t->interval;
			if (next <= now) /* fell behind: skip the missed ticks */
				next += t->interval * floor((now - next) / t->interval + 1);
			t->due = next;
		} else {
			t->due = NAN;
		}
		t->seq = l->seq++; /* re-armed: behind every timer armed before */
		t->fn(l, t, t->arg);
		n++;
	}
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	if (l->garbage)
		sweep(l);
	if (l->nfds > l->pcap) {
		l->pcap = l->nfds * 2;
		l->pfd = xreallocarray(l->pfd, l->pcap, sizeof(*l->pfd));
		l->pw = xreallocarray(l->pw, l->pcap, sizeof(*l->pw));
	}
	size_t n = 0;
	for (size_t i = 0; i < l->nfds; i++) {
		struct loop_fd *w = l->fds[i];
		short ev = (short)(((w->events & LOOP_IN) ? POLLIN : 0) |
		                   ((w->events & LOOP_OUT) ? POLLOUT : 0));
		l->pfd[n] = (struct pollfd){.fd = w->fd, .events = ev};
		l->pw[n++] = w;
	}
	int rc = poll(l->pfd, (nfds_t)n, poll_timeout(l, timeout_ms));
	if (rc < 0 && errno != EINTR) {
		snprintf(l->error, sizeof(l->error), "poll: %s", strerror(errno));
		return -1;
	}
	int ran = 0;
	for (size_t i = 0; rc > 0 && i < n && !l->stopped; i++) {
		struct loop_fd *w = l->pw[i];
		short re = l->pfd[i].revents;
		if (!re || w->dead)
			continue;
		unsigned ev = ((re & POLLIN) ? LOOP_IN : 0) | ((re & POLLOUT) ? LOOP_OUT : 0) |
		              ((re & (POLLERR | POLLHUP | POLLNVAL)) ? LOOP_ERR : 0);
		w->fn(l, w->fd, ev, w->arg);
		ran++;
	}
	ran += run_timers(l);
	if (l->garbage)
		sweep(l);
	return ran;
}

int loop_run(struct loop *l)
{
	while (!l->stopped) {
		if (loop_run_once(l, -1) < 0) {
			l->status = 1;
			break;
		}
	}
	return l->status;
}

void loop_stop(struct loop *l, int status)
{
	if (!l->stopped || status > l->status)
		l->status = status;
	l->stopped = true;
}

bool loop_stopped(const struct loop *l)
{
	return l->stopped;
}

const char *loop_error(const struct loop *l)
{
	return l->error;
}
