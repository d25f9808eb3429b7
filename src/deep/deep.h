/* deep.h: deep mode's reader (docs/deep-mode.md). Processes that opt in
 * (the Python reporter, `vramtop wrap`) serve line-delimited JSON on
 * <dir>/<pid>.sock; this module finds those sockets, connects without
 * blocking, checks the peer (SO_PEERCRED: our real UID, the PID of the file
 * name and of the hello), reads bounded lines on the event loop, parses them
 * strictly, removes stale sockets (nobody listening) from our own private
 * directory, and drops a misbehaving peer with a notice. The figures are
 * kept per process identity (pid, starttime) and copied into the snapshot's
 * process rows by deep_apply (PF_DEEP_VALID). */
#ifndef VT_DEEP_H
#define VT_DEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/snapshot.h"

struct loop;
struct deep;

#define DEEP_LINE_MAX    4096 /* bytes per line, newline included */
#define DEEP_DEVS_MAX    16   /* CUDA devices per process */
#define DEEP_CONNS_MAX   64   /* peers read at once */
#define DEEP_HELLO_S     2.0  /* a peer that sends no hello within this is dropped */
#define DEEP_STALE_S     10.0 /* figures older than this are not shown */
#define DEEP_FLOOD_LINES 512  /* more lines than this in one second: dropped */

/* A message for the user (the UI's notices line, or stderr); text is
 * sanitised and borrowed for the call. */
typedef void (*deep_notice_fn)(void *arg, const char *text);

/* The socket directory: $XDG_RUNTIME_DIR/vramtop when XDG_RUNTIME_DIR is
 * absolute, else /tmp/vramtop-<real uid> (the reporter's rule). Returns buf. */
const char *deep_default_dir(char *buf, size_t cap);

/* dir NULL: deep_default_dir. The loop is borrowed and must outlive d.
 * Scans at once and then every scan_s seconds. */
struct deep *deep_new(struct loop *l, const char *dir, double scan_s, deep_notice_fn fn, void *arg);
void deep_free(struct deep *d);

/* Finds new sockets, connects to them, removes stale ones, drops peers
 * that sent no hello in time. Called by its timer; public for --once. */
void deep_scan(struct deep *d);

/* Peers connected that have not yet sent a hello and a sample. */
size_t deep_pending(const struct deep *d);

/* Copies the figures of every peer into the rows of its process (same pid
 * and, where the row knows it, the same starttime): PF_DEEP_VALID and
 * deep, summed over the process's CUDA devices. now: loop_now(). */
void deep_apply(struct deep *d, struct snapshot *s, double now);

struct deep_stats {
	unsigned long connected, dropped, stale_removed, lines, ooms;
};
const struct deep_stats *deep_stats(const struct deep *d);

/* The parser (deep_parse.c), pure: one line without its newline. */
enum deep_msg_kind {
	DEEP_MSG_HELLO,
	DEEP_MSG_SAMPLE,
	DEEP_MSG_OOM,
};
struct deep_msg {
	enum deep_msg_kind kind;
	pid_t pid;          /* hello */
	char framework[24]; /* hello, sanitised; "" when absent */
	unsigned device;    /* sample, oom */
	struct snap_deep f; /* sample */
	bool has_requested; /* oom */
	uint64_t requested; /* oom: bytes asked for */
};
/* VT_OK with *m filled, or VT_ERR with a sentence in err. Strict: the
 * known members must have their types (counts non-negative integers below
 * 2^53); unknown members are ignored; "v" must be 1. */
int deep_parse_line(const char *line, size_t len, struct deep_msg *m, char *err, size_t errlen);

#endif
