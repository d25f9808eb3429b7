/* csv.c: the CSV logger -- rows built in memory, one write(2) per tick. */
#include "export/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/sanitize.h"
#include "core/xalloc.h"
#include "sys/outfile.h"

const char csv_header[] = "time,kind,gpu,uuid,pid,starttime,name,used_bytes,total_bytes,state,"
                          "phase,rate_mb_s,oom_low_s,oom_high_s,oom_confidence";

struct csv_log {
	int fd;
	char *path;
	bool need_header;
	bool failing; /* the current run of failures has been reported */
	uint64_t dropped;
	char *buf; /* this tick's rows; capacity kept across ticks */
	size_t len, cap;
};

static void put(struct csv_log *l, const char *s, size_t n)
{
	xgrow(&l->buf, &l->cap, l->len + n, 4096);
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void put_str(struct csv_log *l, const char *s)
{
	put(l, s, strlen(s));
}

static void put_u64(struct csv_log *l, uint64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%" PRIu64, v);
	put(l, b, (size_t)n);
}

/* A fixed-point decimal with 3 places, locale-free; empty if not finite. */
static void put_fixed3(struct csv_log *l, double x)
{
	if (!isfinite(x))
		return;
	if (x > 1e15)
		x = 1e15;
	if (x < -1e15)
		x = -1e15;
	long long m = llround(x * 1000.0);
	char b[40];
	int n = snprintf(b, sizeof b, "%s%lld.%03lld", m < 0 ? "-" : "", llabs(m) / 1000,
	                 llabs(m) % 1000);
	put(l, b, (size_t)n);
}

/* An untrusted string: sanitised, defused against spreadsheet formulas and
 * quoted per RFC 4180 where needed. */
static void put_text(struct csv_log *l, const char *s)
{
	char clean[VT_SANITIZE_MAX + 1];
	size_t n = vt_sanitize(clean, sizeof clean, s, strlen(s));
	bool formula = n && strchr("=+-@", clean[0]);
	bool quote = n && (clean[0] == ' ' || clean[n - 1] == ' ' || strpbrk(clean, ",\"\r\n"));
	if (quote)
		put(l, "\"", 1);
	if (formula)
		put(l, "'", 1);
	for (size_t i = 0; i < n; i++) {
		if (clean[i] == '"')
			put(l, "\"", 1);
		put(l, clean + i, 1);
	}
	if (quote)
		put(l, "\"", 1);
}

static void put_time(struct csv_log *l, double t)
{
	put_fixed3(l, t);
	put(l, ",", 1);
}

static void gpu_row(struct csv_log *l, double t, const struct snap_gpu *g,
                    const struct csv_gpu_analysis *a)
{
	put_time(l, t);
	put_str(l, "gpu,");
	put_u64(l, g->index);
	put(l, ",", 1);
	if (g->valid & GM_UUID)
		put_text(l, g->uuid);
	put_str(l, ",,,"); /* pid, starttime */
	if (g->valid & GM_NAME)
		put_text(l, g->name);
	put(l, ",", 1);
	if (g->valid & GM_MEM_USED)
		put_u64(l, g->mem_used);
	put(l, ",", 1);
	if (g->valid & GM_MEM_TOTAL)
		put_u64(l, g->mem_total);
	put(l, ",", 1);
	put_str(l, snap_gpu_state_name(g->state));
	put(l, ",", 1);
	if (a && a->valid && a->phase) {
		put_text(l, a->phase);
		put(l, ",", 1);
		put_fixed3(l, a->rate_mb_s);
	} else {
		put(l, ",", 1);
	}
	put(l, ",", 1);
	if (a && a->has_oom) {
		put_fixed3(l, a->oom_low_s);
		put(l, ",", 1);
		put_fixed3(l, a->oom_high_s);
		put(l, ",", 1);
		put_fixed3(l, a->confidence);
	} else {
		put(l, ",,", 2);
	}
	put(l, "\n", 1);
}

static void proc_row(struct csv_log *l, double t, const struct snapshot *s,
                     const struct snap_proc *p, const struct csv_proc_analysis *a)
{
	const struct snap_gpu *g = p->gpu < s->ngpus ? &s->gpus[p->gpu] : NULL;
	put_time(l, t);
	put_str(l, "process,");
	if (g)
		put_u64(l, g->index);
	put(l, ",", 1);
	if (g && (g->valid & GM_UUID))
		put_text(l, g->uuid);
	put(l, ",", 1);
	put_u64(l, (uint64_t)p->pid);
	put(l, ",", 1);
	if (p->flags & PF_START_VALID)
		put_u64(l, p->starttime);
	put(l, ",", 1);
	if (p->flags & PF_NAME_VALID)
		put_text(l, p->name);
	put(l, ",", 1);
	if (p->flags & PF_USED_VALID)
		put_u64(l, p->used);
	put_str(l, ",,,"); /* total_bytes, state */
	if (a && a->valid && a->phase) {
		put_text(l, a->phase);
		put(l, ",", 1);
		put_fixed3(l, a->rate_mb_s);
	} else {
		put(l, ",", 1);
	}
	put_str(l, ",,,\n");
}

struct csv_log *csv_open(const char *path, char *err, size_t errlen)
{
	off_t size;
	int fd = outfile_open(path, false, &size, err, errlen);
	if (fd < 0)
		return NULL;
	bool need_header = size == 0;
	if (!need_header) {
		/* appending: the columns must be ours */
		size_t hl = sizeof csv_header - 1;
		char *head = xmalloc(hl + 1);
		int rfd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		ssize_t r = rfd < 0 ? -1 : pread(rfd, head, hl + 1, 0);
		bool same = r == (ssize_t)hl + 1 && memcmp(head, csv_header, hl) == 0 &&
		            (head[hl] == '\n' || head[hl] == '\r');
		if (rfd >= 0)
			close(rfd);
		free(head);
		if (!same) {
			snprintf(err, errlen,
			         "%s: exists and does not start with vramtop's CSV header; "
			         "choose another file",
			         path);
			close(fd);
			return NULL;
		}
	}
	struct csv_log *l = xcalloc(1, sizeof *l);
	l->fd = fd;
	l->path = xstrdup(path);
	l->need_header = need_header;
	return l;
}

int csv_write_tick(struct csv_log *l, const struct snapshot *s, const struct csv_analysis *opt,
                   char *err, size_t errlen)
{
	l->len = 0;
	if (l->need_header) {
		put(l, csv_header, sizeof csv_header - 1);
		put(l, "\n", 1);
	}
	for (size_t i = 0; i < s->ngpus; i++)
		gpu_row(l, s->time, &s->gpus[i], opt && i < opt->ngpus ? &opt->gpus[i] : NULL);
	for (size_t i = 0; i < s->nprocs; i++)
		proc_row(l, s->time, s, &s->procs[i],
		         opt && i < opt->nprocs ? &opt->procs[i] : NULL);
	if (l->len == 0)
		return VT_OK;

	if (outfile_append(l->fd, l->buf, l->len) == 0) {
		l->need_header = false;
		l->failing = false;
		return VT_OK;
	}
	int e = errno;
	l->dropped++;
	if (l->failing)
		return VT_OK;
	l->failing = true;
	snprintf(err, errlen, "%s: %s; CSV rows are dropped until writing works again", l->path,
	         strerror(e));
	return VT_ERR;
}

uint64_t csv_dropped(const struct csv_log *l)
{
	return l->dropped;
}

void csv_close(struct csv_log *l)
{
	if (!l)
		return;
	close(l->fd);
	free(l->path);
	free(l->buf);
	free(l);
}
