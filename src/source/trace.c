/* trace.c: the trace format v1 schema over trace_lex: one line to a sample or
 * an event (trace_parse_line). Reading files is trace_read.c. */
#include "source/trace.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/sanitize.h"
#include "core/xalloc.h"
#include "source/trace_lex.h"

#define TRACE_MAX_GPUS  256
#define TRACE_MAX_PROCS 16384
#define TRACE_STR_MAX   1024 /* bytes of a string kept before sanitising */

#define KEY(k, kl, lit) ((kl) == sizeof(lit) - 1 && memcmp((k), (lit), sizeof(lit) - 1) == 0)

/* --- values ------------------------------------------------------------- */

static int get_u64(struct lex *x, uint64_t max, const char *what, uint64_t *out)
{
	struct lex_num n;
	const char *at = x->p;
	if (lex_uint_fast(x, out)) {
		if (*out <= max)
			return 0;
		x->p = at; /* the general path says why */
	}
	*out = 0;
	if (lex_number(x, &n) < 0)
		return -1;
	if (n.neg && (n.is_int ? n.u != 0 : n.d != 0.0))
		return x->p = n.at, lex_fail(x, "negative %s", what);
	if (n.is_int) {
		if (n.u > max)
			return x->p = n.at, lex_fail(x, "%s out of range", what);
		*out = n.u;
		return 0;
	}
	/* a float (some writers): rounded; 2^64 itself is out of range */
	if (!isfinite(n.d) || n.d >= 18446744073709551616.0)
		return x->p = n.at, lex_fail(x, "%s out of range", what);
	double r = floor(n.d + 0.5);
	if (r > (double)max)
		return x->p = n.at, lex_fail(x, "%s out of range", what);
	*out = (uint64_t)r;
	return 0;
}

/* A GPU metric: any number that is not negative. True in *ok when it fits
 * in unsigned (floats rounded) and is stored in *out; a larger one is read
 * and left out (*ok false: the field is absent). Whether a value is possible
 * (240 %) is not the reader's to judge: snapshot_clamp_values does, for every
 * source alike. */
static int get_metric(struct lex *x, const char *what, unsigned *out, bool *ok)
{
	uint64_t v;
	const char *at = x->p;
	*ok = false;
	if (lex_uint_fast(x, &v)) {
		if (v <= UINT32_MAX) {
			*out = (unsigned)v;
			*ok = true;
		}
		return 0;
	}
	struct lex_num n;
	x->p = at;
	if (lex_number(x, &n) < 0)
		return -1;
	if (n.neg && (n.is_int ? n.u != 0 : n.d != 0.0))
		return x->p = n.at, lex_fail(x, "negative %s", what);
	double r = n.is_int ? (double)n.u : floor(n.d + 0.5);
	if (n.is_int ? n.u <= UINT32_MAX : r <= (double)UINT32_MAX) {
		*out = n.is_int ? (unsigned)n.u : (unsigned)r;
		*ok = true;
	}
	return 0;
}

static int get_unsigned(struct lex *x, unsigned max, const char *what, unsigned *out)
{
	uint64_t v;
	if (get_u64(x, max, what, &v) < 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int get_int(struct lex *x, int min, int max, const char *what, int *out)
{
	struct lex_num n;
	if (lex_number(x, &n) < 0)
		return -1;
	double v = n.is_int ? (n.neg ? -(double)n.u : (double)n.u) : floor(n.d + 0.5);
	if (!isfinite(v) || v < min || v > max)
		return x->p = n.at, lex_fail(x, "%s out of range", what);
	*out = (int)v;
	return 0;
}

/* A time in seconds: finite, 0 or more, and at most max (trace.h). */
static int get_time(struct lex *x, const char *what, double max, double *out)
{
	struct lex_num n;
	if (lex_number(x, &n) < 0)
		return -1;
	if (!isfinite(n.d) || n.d < 0)
		return x->p = n.at, lex_fail(x, "%s out of range", what);
	if (n.d > max)
		return x->p = n.at, lex_fail(x, "%s out of range (0 to 2^40 s)", what);
	*out = n.d;
	return 0;
}

/* A string, sanitised into dst (capacity cap). */
static int get_text(struct lex *x, char *dst, size_t cap)
{
	char raw[TRACE_STR_MAX];
	const char *s;
	size_t n, i = 0;
	int r = lex_string_ref(x, &s, &n);
	if (r < 0)
		return -1;
	if (r == 0) {
		if (lex_string(x, raw, sizeof(raw), &n) < 0)
			return -1;
		s = raw;
	}
	if (dst[0])
		memset(dst, 0, cap); /* a key given twice: leave no tail of the first */
	while (i < n && s[i] >= 0x20 && s[i] < 0x7f)
		i++;
	if (i == n && n < cap && n <= VT_SANITIZE_MAX) {
		memcpy(dst, s, n); /* printable ASCII: what vt_sanitize would keep */
		dst[n] = '\0';
		return 0;
	}
	vt_sanitize(dst, cap, s, n < TRACE_STR_MAX ? n : TRACE_STR_MAX);
	return 0;
}

/* --- schema --------------------------------------------------------------- */

/* The unsigned GPU metrics (get_metric). */
struct gpu_uint_field {
	const char *key;
	size_t klen;
	uint32_t bit;
	size_t off;
};

static const struct gpu_uint_field gpu_uints[] = {
    {"util_gpu", 8, GM_UTIL_GPU, offsetof(struct snap_gpu, util_gpu)},
    {"util_mem", 8, GM_UTIL_MEM, offsetof(struct snap_gpu, util_mem)},
    {"temp_c", 6, GM_TEMP, offsetof(struct snap_gpu, temp_c)},
    {"fan_pct", 7, GM_FAN, offsetof(struct snap_gpu, fan_pct)},
    {"power_mw", 8, GM_POWER, offsetof(struct snap_gpu, power_mw)},
    {"power_limit_mw", 14, GM_POWER_LIMIT, offsetof(struct snap_gpu, power_limit_mw)},
    {"clock_sm_mhz", 12, GM_CLOCK_SM, offsetof(struct snap_gpu, clock_sm_mhz)},
    {"clock_mem_mhz", 13, GM_CLOCK_MEM, offsetof(struct snap_gpu, clock_mem_mhz)},
    {"pcie_tx_kbs", 11, GM_PCIE_TX, offsetof(struct snap_gpu, pcie_tx_kbs)},
    {"pcie_rx_kbs", 11, GM_PCIE_RX, offsetof(struct snap_gpu, pcie_rx_kbs)},
};

/* Consumes literal lit at *q, then one optional space; false if not there. */
static inline __attribute__((always_inline)) bool take(const char **q, const char *end,
                                                       const char *lit, size_t n)
{
	if ((size_t)(end - *q) < n + 1 || memcmp(*q, lit, n) != 0)
		return false;
	*q += n;
	*q += **q == ' ';
	return true;
}

/* A plain unsigned integer at *q no larger than max (lex_uint_fast). */
static inline __attribute__((always_inline)) bool take_uint(struct lex *x, const char **q,
                                                            uint64_t max, uint64_t *v)
{
	const char *save = x->p;
	x->p = *q;
	bool ok = lex_uint_fast(x, v) && *v <= max;
	*q = x->p;
	x->p = save;
	return ok;
}

/* One member of an object's usual head, plainly written: the opening brace
 * (open '{') or a comma (','), then the quoted key with its colon, then a
 * plain integer no larger than max. */
static inline __attribute__((always_inline)) bool take_member(struct lex *x, const char **q,
                                                              const char *end, char open,
                                                              const char *key, size_t klen,
                                                              uint64_t max, uint64_t *v)
{
	const char sep[1] = {open};
	return take(q, end, sep, 1) && take(q, end, key, klen) && take_uint(x, q, max, v);
}

/* A GPU object's usual head in v1 traces -- {"i": N, "total": N, "used": N,
 * "free": N -- in one go, as proc_head below does for processes: true with
 * it stored and consumed, false with nothing consumed or stored. */
static bool gpu_head(struct lex *x, struct snap_gpu *g)
{
	const char *q = x->p, *end = x->end;
	uint64_t i, total, used, free_b;
	q += q < end && *q == ' ';
	if (!take_member(x, &q, end, '{', "\"i\":", 4, 65535, &i) ||
	    !take_member(x, &q, end, ',', "\"total\":", 8, UINT64_MAX, &total) ||
	    !take_member(x, &q, end, ',', "\"used\":", 7, UINT64_MAX, &used) ||
	    !take_member(x, &q, end, ',', "\"free\":", 7, UINT64_MAX, &free_b))
		return false;
	g->index = (unsigned)i;
	g->mem_total = total;
	g->mem_used = used;
	g->mem_free = free_b;
	g->valid |= GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE;
	x->p = q;
	return true;
}

static int gpu_field(struct lex *x, struct snap_gpu *g, const char *k, size_t kl, bool *has_i)
{
	uint64_t *bytes = NULL;
	uint32_t bit = 0;
	if (KEY(k, kl, "i")) {
		*has_i = true;
		return get_unsigned(x, 65535, "gpu index", &g->index);
	}
	if (KEY(k, kl, "used")) {
		bytes = &g->mem_used, bit = GM_MEM_USED;
	} else if (KEY(k, kl, "total")) {
		bytes = &g->mem_total, bit = GM_MEM_TOTAL;
	} else if (KEY(k, kl, "free")) {
		bytes = &g->mem_free, bit = GM_MEM_FREE;
	} else if (KEY(k, kl, "reserved")) {
		bytes = &g->mem_reserved, bit = GM_MEM_RESERVED;
	}
	/* one of the byte counts; "if (bit)", as "if (bytes)" makes the analyzer
	 * take g for NULL */
	if (bit) {
		if (lex_null(x))
			return 0;
		if (get_u64(x, UINT64_MAX, "bytes", bytes) < 0)
			return -1;
		g->valid |= bit;
		return 0;
	}
	for (size_t i = 0; i < sizeof(gpu_uints) / sizeof(gpu_uints[0]); i++) {
		const struct gpu_uint_field *f = &gpu_uints[i];
		if (kl != f->klen || memcmp(k, f->key, kl) != 0)
			continue;
		if (lex_null(x))
			return 0;
		unsigned *dst = (unsigned *)((char *)g + f->off);
		bool ok;
		if (get_metric(x, f->key, dst, &ok) < 0)
			return -1;
		if (ok) {
			g->valid |= f->bit;
		} else { /* too large: absent, even if the key came before */
			g->valid &= ~f->bit;
			*dst = 0;
		}
		return 0;
	}
	if (lex_null(x))
		return 0;
	if (KEY(k, kl, "name")) {
		g->valid |= GM_NAME;
		return get_text(x, g->name, sizeof(g->name));
	}
	if (KEY(k, kl, "uuid")) {
		g->valid |= GM_UUID;
		return get_text(x, g->uuid, sizeof(g->uuid));
	}
	if (KEY(k, kl, "bus_id")) {
		g->valid |= GM_BUSID;
		return get_text(x, g->pci_bus_id, sizeof(g->pci_bus_id));
	}
	if (KEY(k, kl, "mig")) {
		g->valid |= GM_MIG;
		return lex_bool(x, &g->mig_enabled);
	}
	if (KEY(k, kl, "error"))
		return get_text(x, g->error, sizeof(g->error));
	if (KEY(k, kl, "state")) {
		char st[16];
		if (get_text(x, st, sizeof(st)) < 0)
			return -1;
		if (strcmp(st, "ok") == 0)
			g->state = GPU_STATE_OK;
		else if (strcmp(st, "lost") == 0)
			g->state = GPU_STATE_LOST;
		else
			g->state = GPU_STATE_ERROR; /* "error" or one we do not know */
		return 0;
	}
	return lex_skip(x);
}

static int parse_gpu(struct lex *x, struct snapshot *s)
{
	const char *k;
	size_t kl;
	bool first = true, has_i = false;
	int r;
	if (s->ngpus >= TRACE_MAX_GPUS)
		return lex_fail(x, "more than %d GPUs", TRACE_MAX_GPUS);
	struct snap_gpu *g = snapshot_add_gpu(s);
	if (gpu_head(x, g)) {
		first = false;
		has_i = true;
	} else if (lex_expect(x, '{') < 0) {
		return -1;
	}
	while ((r = lex_member(x, &first, &k, &kl)) == 1)
		if (gpu_field(x, g, k, kl, &has_i) < 0)
			return -1;
	if (r < 0)
		return -1;
	if (!has_i)
		return lex_fail(x, "gpu without \"i\"");
	for (size_t j = 0; j + 1 < s->ngpus; j++)
		if (s->gpus[j].index == g->index)
			return lex_fail(x, "gpu %u listed twice", g->index);
	return 0;
}

static int proc_type(struct lex *x, struct snap_proc *p)
{
	char t[40];
	if (get_text(x, t, sizeof(t)) < 0)
		return -1;
	if (strcmp(t, "compute") == 0) {
		p->type = PROC_COMPUTE;
		return 0;
	}
	p->type = 0;
	if (strstr(t, "compute"))
		p->type |= PROC_COMPUTE;
	if (strstr(t, "graphics"))
		p->type |= PROC_GRAPHICS;
	if (strstr(t, "mps"))
		p->type |= PROC_MPS;
	if (!p->type)
		p->type = PROC_COMPUTE;
	return 0;
}

/* "deep": {"allocated": N, ...}: every member a byte count or a count;
 * members we do not know are skipped, a missing one reads as 0. */
static int proc_deep(struct lex *x, struct snap_proc *p)
{
	const char *k;
	size_t kl;
	bool first = true;
	int r;
	memset(&p->deep, 0, sizeof(p->deep));
	if (lex_expect(x, '{') < 0)
		return -1;
	while ((r = lex_member(x, &first, &k, &kl)) == 1) {
		size_t i = 0;
		while (i < SNAP_DEEP_NFIELDS && !(strlen(snap_deep_fields[i].key) == kl &&
		                                  memcmp(snap_deep_fields[i].key, k, kl) == 0))
			i++;
		if (i == SNAP_DEEP_NFIELDS) {
			if (lex_skip(x) < 0)
				return -1;
			continue;
		}
		if (get_u64(x, UINT64_MAX, "deep figure", snap_deep_at(&p->deep, i)) < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	p->flags |= PF_DEEP_VALID;
	return 0;
}

static int proc_field(struct lex *x, struct snap_proc *p, const char *k, size_t kl, unsigned *seen)
{
	uint64_t v;
	if (KEY(k, kl, "gpu")) {
		*seen |= 1;
		return get_unsigned(x, 65535, "gpu index", &p->gpu);
	}
	if (KEY(k, kl, "pid")) {
		*seen |= 2;
		if (get_u64(x, INT32_MAX, "pid", &v) < 0)
			return -1;
		p->pid = (pid_t)v;
		return 0;
	}
	if (lex_null(x))
		return 0;
	if (KEY(k, kl, "used")) {
		p->flags |= PF_USED_VALID;
		return get_u64(x, UINT64_MAX, "bytes", &p->used);
	}
	if (KEY(k, kl, "starttime")) {
		p->flags |= PF_START_VALID;
		return get_u64(x, UINT64_MAX, "starttime", &p->starttime);
	}
	if (KEY(k, kl, "uid")) {
		p->flags |= PF_UID_VALID;
		if (get_u64(x, UINT32_MAX, "uid", &v) < 0)
			return -1;
		p->uid = (uint32_t)v;
		return 0;
	}
	if (KEY(k, kl, "name")) {
		p->flags |= PF_NAME_VALID;
		return get_text(x, p->name, sizeof(p->name));
	}
	if (KEY(k, kl, "user"))
		return get_text(x, p->user, sizeof(p->user));
	if (KEY(k, kl, "cmd")) {
		p->flags |= PF_CMD_VALID;
		return get_text(x, p->cmd, sizeof(p->cmd));
	}
	if (KEY(k, kl, "framework"))
		return get_text(x, p->framework, sizeof(p->framework));
	if (KEY(k, kl, "container"))
		return get_text(x, p->container, sizeof(p->container));
	if (KEY(k, kl, "type"))
		return proc_type(x, p);
	if (KEY(k, kl, "deep"))
		return proc_deep(x, p);
	if (KEY(k, kl, "mps")) {
		bool b;
		if (lex_bool(x, &b) < 0)
			return -1;
		if (b)
			p->type |= PROC_MPS;
		return 0;
	}
	return lex_skip(x);
}

/* The members every writer puts first, plainly written --
 * {"gpu": N, "pid": N, "used": N -- in one go, without the general member
 * loop: true with them stored and consumed (the object continues after
 * "used"'s value); false with nothing consumed or stored when the object
 * starts any other way, which the general loop then reads. */
static bool proc_head(struct lex *x, struct snap_proc *p)
{
	const char *q = x->p, *end = x->end;
	uint64_t gpu, pid, used;
	q += q < end && *q == ' ';
	if (!take_member(x, &q, end, '{', "\"gpu\":", 6, 65535, &gpu) ||
	    !take_member(x, &q, end, ',', "\"pid\":", 6, INT32_MAX, &pid) ||
	    !take_member(x, &q, end, ',', "\"used\":", 7, UINT64_MAX, &used))
		return false;
	p->gpu = (unsigned)gpu;
	p->pid = (pid_t)pid;
	p->used = used;
	p->flags |= PF_USED_VALID;
	x->p = q;
	return true;
}

static int parse_proc(struct lex *x, struct snapshot *s)
{
	const char *k;
	size_t kl;
	bool first = true;
	unsigned seen = 0;
	int r;
	if (s->nprocs >= TRACE_MAX_PROCS)
		return lex_fail(x, "more than %d processes", TRACE_MAX_PROCS);
	struct snap_proc *p = snapshot_add_proc(s);
	p->type = PROC_COMPUTE;
	if (proc_head(x, p)) {
		first = false;
		seen = 3;
	} else if (lex_expect(x, '{') < 0) {
		return -1;
	}
	while ((r = lex_member(x, &first, &k, &kl)) == 1)
		if (proc_field(x, p, k, kl, &seen) < 0)
			return -1;
	if (r < 0)
		return -1;
	if (seen != 3)
		return lex_fail(x, "process without %s", seen & 1 ? "\"pid\"" : "\"gpu\"");
	if (p->type & PROC_MPS)
		p->type |= PROC_COMPUTE; /* an MPS client is a compute process */
	return 0;
}

static int parse_array(struct lex *x, struct snapshot *s,
                       int (*item)(struct lex *, struct snapshot *))
{
	bool first = true;
	int r;
	if (lex_expect(x, '[') < 0)
		return -1;
	while ((r = lex_element(x, &first)) == 1)
		if (item(x, s) < 0)
			return -1;
	return r;
}

/* Folds b, a second listing of a's (gpu, pid), into a by the live path's rule
 * (nvml_sample.c, rows_add): the type bits of both, the largest valid usage;
 * and what a lacks (starttime, uid, user, name) from b. */
static void proc_merge(struct snap_proc *a, const struct snap_proc *b)
{
	a->type |= b->type;
	if ((b->flags & PF_USED_VALID) && (!(a->flags & PF_USED_VALID) || b->used > a->used)) {
		a->used = b->used;
		a->flags |= PF_USED_VALID;
	}
	if (!(a->flags & PF_START_VALID) && (b->flags & PF_START_VALID)) {
		a->starttime = b->starttime;
		a->flags |= PF_START_VALID;
	}
	if (!(a->flags & PF_UID_VALID) && (b->flags & PF_UID_VALID)) {
		a->uid = b->uid;
		a->flags |= PF_UID_VALID;
	}
	if (!(a->flags & PF_NAME_VALID) && (b->flags & PF_NAME_VALID)) {
		memcpy(a->name, b->name, sizeof(a->name));
		a->flags |= PF_NAME_VALID;
	}
	if (!a->user[0])
		memcpy(a->user, b->user, sizeof(a->user));
	if (!(a->flags & PF_DEEP_VALID) && (b->flags & PF_DEEP_VALID)) {
		a->deep = b->deep;
		a->flags |= PF_DEEP_VALID;
	}
}

struct pid_at {
	pid_t pid;
	uint32_t at; /* position in the group */
};

static int pid_at_cmp(const void *pa, const void *pb)
{
	const struct pid_at *a = pa, *b = pb;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

#define GROUP_PAIRWISE 32 /* up to this many rows, look for a repeat pair by pair */

/* The n rows of one GPU with each PID once: a repeated PID is merged into its
 * first row and the rest close up, in order. Returns the new count. */
static size_t group_merge(struct snap_proc *p, size_t n)
{
	size_t i = 1;
	while (i < n && p[i].pid > p[i - 1].pid)
		i++;
	if (i >= n)
		return n; /* increasing: no repeat (the usual case, with nothing to do) */
	if (n <= GROUP_PAIRWISE) {
		bool dup = false;
		for (i = 1; i < n && !dup; i++)
			for (size_t j = 0; j < i && !dup; j++)
				dup = p[i].pid == p[j].pid;
		if (!dup)
			return n;
	}
	struct pid_at stack[64], *pa = n <= 64 ? stack : xreallocarray(NULL, n, sizeof(*pa));
	for (i = 0; i < n; i++)
		pa[i] = (struct pid_at){p[i].pid, (uint32_t)i};
	qsort(pa, n, sizeof(*pa), pid_at_cmp);
	size_t dups = 0;
	for (i = 1; i < n; i++) {
		size_t first = i - 1;
		while (i < n && pa[i].pid == pa[first].pid) {
			proc_merge(&p[pa[first].at], &p[pa[i].at]);
			p[pa[i].at].pid = -1; /* trace PIDs are never negative */
			dups++;
			i++;
		}
	}
	if (pa != stack)
		free(pa);
	if (!dups)
		return n;
	size_t w = 0;
	for (i = 0; i < n; i++)
		if (p[i].pid >= 0)
			p[w++] = p[i];
	return w;
}

/* One row per (gpu, pid): each GPU's group merged (group_merge). */
static void procs_merge(struct snapshot *s)
{
	size_t w = 0;
	for (size_t a = 0, b; a < s->nprocs; a = b) {
		for (b = a + 1; b < s->nprocs && s->procs[b].gpu == s->procs[a].gpu; b++)
			;
		size_t k = b - a > 1 ? group_merge(&s->procs[a], b - a) : 1;
		if (w != a)
			memmove(&s->procs[w], &s->procs[a], k * sizeof(s->procs[0]));
		w += k;
	}
	s->nprocs = w;
}

/* procs[].gpu holds NVML indices while parsing; make it positions in gpus[],
 * group the processes by GPU (stable) if the writer interleaved them, and
 * merge a PID listed twice on one GPU into one row. */
static int procs_finish(struct lex *x, struct snapshot *s)
{
	bool sorted = true;
	for (size_t i = 0; i < s->nprocs; i++) {
		struct snap_proc *p = &s->procs[i];
		size_t g = 0;
		while (g < s->ngpus && s->gpus[g].index != p->gpu)
			g++;
		if (g == s->ngpus)
			return lex_fail(x, "process %d on gpu %u, which the sample does not list",
			                (int)p->pid, p->gpu);
		p->gpu = (unsigned)g;
		if (i && p->gpu < s->procs[i - 1].gpu)
			sorted = false;
	}
	if (!sorted) {
		struct snap_proc *tmp = xreallocarray(NULL, s->nprocs, sizeof(*tmp));
		size_t n = 0;
		for (size_t g = 0; g < s->ngpus; g++)
			for (size_t i = 0; i < s->nprocs; i++)
				if (s->procs[i].gpu == g)
					tmp[n++] = s->procs[i];
		memcpy(s->procs, tmp, n * sizeof(*tmp));
		free(tmp);
	}
	procs_merge(s);
	return 0;
}

enum top_seen { SEEN_T = 1, SEEN_EVENT = 2, SEEN_GPUS = 4, SEEN_PROCS = 8 };

static int top_field(struct lex *x, struct snapshot *s, struct trace_event *ev, const char *k,
                     size_t kl, unsigned *seen)
{
	unsigned bit = KEY(k, kl, "t")       ? SEEN_T
	               : KEY(k, kl, "event") ? SEEN_EVENT
	               : KEY(k, kl, "gpus")  ? SEEN_GPUS
	               : KEY(k, kl, "procs") ? SEEN_PROCS
	                                     : 0;
	if (bit & *seen)
		return lex_fail(x, "\"%.*s\" given twice", (int)kl, k);
	*seen |= bit;
	switch (bit) {
	case SEEN_T:
		if (get_time(x, "t", TRACE_TIME_MAX, &s->time) < 0)
			return -1;
		ev->t = s->time;
		return 0;
	case SEEN_EVENT:
		return get_text(x, ev->event, sizeof(ev->event));
	case SEEN_GPUS:
		return parse_array(x, s, parse_gpu);
	case SEEN_PROCS:
		return lex_null(x) ? 0 : parse_array(x, s, parse_proc);
	}
	if (lex_null(x))
		return 0;
	if (KEY(k, kl, "pid")) {
		uint64_t v;
		if (get_u64(x, INT32_MAX, "pid", &v) < 0)
			return -1;
		ev->pid = (pid_t)v;
		return 0;
	}
	if (KEY(k, kl, "gpu"))
		return get_int(x, 0, 65535, "gpu index", &ev->gpu);
	if (KEY(k, kl, "at")) {
		ev->has_at = true;
		return get_time(x, "at", HUGE_VAL, &ev->at); /* the workload's clock: any */
	}
	if (KEY(k, kl, "rc")) {
		ev->has_rc = true;
		return get_int(x, INT32_MIN, INT32_MAX, "rc", &ev->rc);
	}
	if (KEY(k, kl, "driver_version")) {
		s->driver_valid = true;
		return get_text(x, s->driver_version, sizeof(s->driver_version));
	}
	return lex_skip(x);
}

int trace_parse_line(const char *line, size_t len, enum trace_rec_kind *kind, struct snapshot *snap,
                     struct trace_event *ev, char *err, size_t errlen)
{
	struct lex x;
	const char *k;
	size_t kl;
	bool first = true;
	unsigned seen = 0;
	int r;
	lex_init(&x, line, len, err, errlen);
	snapshot_reset(snap);
	memset(ev, 0, sizeof(*ev));
	ev->gpu = -1;
	if (lex_expect(&x, '{') < 0)
		return VT_ERR;
	while ((r = lex_member(&x, &first, &k, &kl)) == 1)
		if (top_field(&x, snap, ev, k, kl, &seen) < 0)
			return VT_ERR;
	if (r < 0)
		return VT_ERR;
	if (!lex_at_end(&x))
		return lex_fail(&x, "text after the record"), VT_ERR;
	if (!(seen & SEEN_T))
		return lex_fail(&x, "record without \"t\""), VT_ERR;
	if (seen & SEEN_EVENT) {
		*kind = TREC_EVENT;
		return VT_OK;
	}
	if (!(seen & SEEN_GPUS))
		return lex_fail(&x, "neither a sample (\"gpus\") nor an event"), VT_ERR;
	if (procs_finish(&x, snap) < 0)
		return VT_ERR;
	*kind = TREC_SAMPLE;
	return VT_OK;
}
