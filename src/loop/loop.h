/* loop.h: the event loop -- fd watchers, timers and signals behind one small
 * API, one poll() underneath, one thread. Nothing on the loop sleeps: a
 * retry with backoff is a one-shot timer, a slow peer is an fd watcher.
 *
 * What it is built to carry: the sample timer, the terminal (an fd watcher on
 * stdin plus SIGWINCH), libcurl's multi interface (CURLMOPT_SOCKETFUNCTION
 * maps to loop_fd_add/loop_fd_set/loop_fd_remove, CURLMOPT_TIMERFUNCTION to
 * one timer re-armed with loop_timer_set), libmicrohttpd in external-select
 * mode (its fds re-registered after each run, MHD_get_timeout as a timer),
 * and Unix-socket clients (one watcher each).
 *
 * Callbacks may add or remove any watcher or timer, themselves included:
 * a removed one is never called again, not even later in the same pass, and
 * its memory is reclaimed after the pass. Handles are owned by the loop;
 * loop_free releases every one still registered.
 *
 * Signals: loop_signal_add blocks the signal for the whole process and
 * receives it through one signalfd, so a handler runs on the loop like any
 * other callback, never asynchronously. Block signals before starting any
 * thread (threads inherit the mask) -- loop_block_signals does that early. */
#ifndef VT_LOOP_H
#define VT_LOOP_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct loop_fd;
struct loop_timer;

/* Events for loop_fd_add / loop_fd_set, and the revents a callback gets. */
enum loop_ev {
	LOOP_IN = 1u << 0,
	LOOP_OUT = 1u << 1,
	LOOP_ERR = 1u << 2, /* POLLERR, POLLHUP or POLLNVAL: always reported */
};

typedef void (*loop_fd_fn)(struct loop *l, int fd, unsigned revents, void *arg);
typedef void (*loop_timer_fn)(struct loop *l, struct loop_timer *t, void *arg);
typedef void (*loop_signal_fn)(struct loop *l, int signo, void *arg);

/* NULL only if the signalfd cannot be created (err filled). */
struct loop *loop_new(char *err, size_t errlen);
void loop_free(struct loop *l);

/* Monotonic seconds (CLOCK_MONOTONIC): the clock every timer runs on. */
double loop_now(void);

/* Watch fd for `events` (LOOP_IN/LOOP_OUT; 0 watches errors only). The fd
 * stays the caller's: removing the watcher does not close it. */
struct loop_fd *loop_fd_add(struct loop *l, int fd, unsigned events, loop_fd_fn fn, void *arg);
void loop_fd_set(struct loop_fd *w, unsigned events);
void loop_fd_remove(struct loop *l, struct loop_fd *w);

/* A timer first due `delay` seconds from now, then every `interval`
 * seconds (0: one-shot; a one-shot timer stays registered, disarmed, after
 * it fires, for loop_timer_set to re-arm). A periodic timer keeps its phase:
 * the next deadline is the previous one plus interval, and ticks missed
 * while the loop was busy are skipped, not run in a burst. Timers due at
 * the same moment run in the order they were armed. */
struct loop_timer *loop_timer_add(struct loop *l, double delay, double interval, loop_timer_fn fn,
                                  void *arg);
/* Re-arm (delay >= 0) or disarm (delay < 0). */
void loop_timer_set(struct loop_timer *t, double delay, double interval);
bool loop_timer_armed(const struct loop_timer *t);
void loop_timer_remove(struct loop *l, struct loop_timer *t);

/* Block sigs (a 0-terminated list) in this thread, so that threads started
 * later inherit the block. */
void loop_block_signals(const int *sigs);
/* Deliver signo to fn on the loop. One handler per signal; a second call
 * replaces it. Returns false (err filled) if the signalfd cannot be updated. */
bool loop_signal_add(struct loop *l, int signo, loop_signal_fn fn, void *arg, char *err,
                     size_t errlen);

/* Runs until loop_stop. Returns the status given to loop_stop, or 1 if
 * poll fails for a reason other than EINTR (err... to stderr: only main
 * prints, so the message is kept for loop_error). */
int loop_run(struct loop *l);
/* One pass: wait at most timeout_ms (-1: until something happens, 0: do not
 * wait) and dispatch what is ready and what is due. Returns the number of
 * callbacks run, or -1 on a poll failure. */
int loop_run_once(struct loop *l, int timeout_ms);
void loop_stop(struct loop *l, int status);
bool loop_stopped(const struct loop *l);
/* The reason loop_run returned 1 ("" otherwise). */
const char *loop_error(const struct loop *l);

#endif
