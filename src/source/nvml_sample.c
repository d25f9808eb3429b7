/* nvml_sample.c: one refresh of the NVML source -- memory, cheap metrics and the
 * process lists of every GPU, with the retry, growth and stride rules. */
#include "source/nvml_api.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/sanitize.h"
#include "core/xalloc.h"

#define RAW_CAP_MAX (1u << 16) /* records; more than any GPU can hold */

bool nvml_retry(const struct nvml_source *s, int rc, unsigned int *attempt)
{
	if (rc != NVML_ERROR_UNKNOWN || *attempt >= NVML_UNKNOWN_RETRIES || !s->knobs.sleep_ms)
		return false; /* without a sleep, the caller's timer retries (VT_AGAIN) */
	s->knobs.sleep_ms(1u << *attempt);
	(*attempt)++;
	return true;
}

/* Parses up to 9 decimal digits at *p, advancing it; false if none. */
static bool parse_uint(const char **p, unsigned long *out)
{
	const char *q = *p;
	unsigned long v = 0;
	int nd = 0;
	while (*q >= '0' && *q <= '9' && nd < 9) {
		v = v * 10 + (unsigned long)(*q - '0');
		q++;
		nd++;
	}
	if (nd == 0)
		return false;
	*p = q;
	*out = v;
	return true;
}

bool nvml_driver_has_bug535(const char *version)
{
	const char *p = version;
	unsigned long major, minor;
	if (!parse_uint(&p, &major) || *p != '.')
		return false;
	p++;
	if (!parse_uint(&p, &minor))
		return false;
	return major == 535 && minor >= 43 && minor <= 86;
}

/* The driver wrote n records into raw (raw_bytes long, filled with
 * NVML_RAW_FILL beforehand). Their true stride is the one that makes the
 * written bytes end exactly at n * stride -- each record's last field (used
 * memory, compute instance id, CC-protected memory) has 0x00 or 0xFF as its
 * top byte, never the fill byte. When the bytes do not tell (no records, a
 * driver that also wrote elsewhere), the stride the symbol implies stands. */
unsigned int nvml_stride_measure(const unsigned char *raw, size_t raw_bytes, unsigned int n,
                                 unsigned int expect)
{
	static const unsigned int cand[] = {16, 24, 32};
	size_t end = raw_bytes;

	if (n == 0)
		return expect;
	while (end > 0 && raw[end - 1] == NVML_RAW_FILL)
		end--;
	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
		size_t span = (size_t)n * cand[i];
		if (end <= span)
			return end + 8 > span ? cand[i] : expect;
	}
	return expect;
}

/* Reads list `list` of GPU g into g->raw. On success *n is the record count
 * and *stride their size. INSUFFICIENT_SIZE regrows the buffer to the count
 * NVML asked for plus headroom (processes start between two calls), at most
 * NVML_GROW_TRIES times; UNKNOWN is retried by nvml_retry. */
static int list_fetch(struct nvml_source *s, struct nvml_gpu *g, int list, unsigned int *n,
                      unsigned int *stride)
{
	nvml_procs_fn fn = s->fns.procs[list];
	unsigned int ver = s->fns.procs_ver[list];
	unsigned int expect = ver == 1 ? 16 : (ver == 3 && s->bug535) ? 32 : 24;
	unsigned int att = 0, grows = 0;

	for (;;) {
		size_t bytes = (size_t)g->raw_cap * NVML_PROC_STRIDE_MAX;
		unsigned int cnt = g->raw_cap;
		/* sized for the largest record, so a driver writing 32-byte records
		 * where 24 were declared cannot run past the end */
		memset(g->raw, NVML_RAW_FILL, bytes);
		int rc = fn(g->dev, &cnt, g->raw);
		if (nvml_retry(s, rc, &att))
			continue;
		if (rc == NVML_ERROR_INSUFFICIENT_SIZE && grows < NVML_GROW_TRIES &&
		    g->raw_cap < RAW_CAP_MAX) {
			unsigned int want = cnt > g->raw_cap ? cnt : g->raw_cap * 2;
			want += want / 4 + 4;
			if (want > RAW_CAP_MAX)
				want = RAW_CAP_MAX;
			g->raw = xreallocarray(g->raw, want, NVML_PROC_STRIDE_MAX);
			g->raw_cap = want;
			grows++;
			continue;
		}
		if (rc == NVML_SUCCESS) {
			if (cnt > g->raw_cap)
				cnt = g->raw_cap;
			*n = cnt;
			*stride = nvml_stride_measure(g->raw, bytes, cnt, expect);
			if (cnt > 0)
				g->last_stride = *stride;
		}
		return rc;
	}
}

/* Merges one process into g's rows: a PID on several lists is one row whose
 * type has every list's bit and whose usage is the largest known figure. */
static void rows_add(struct nvml_gpu *g, unsigned int pid, unsigned long long used, uint32_t type)
{
	bool valid = used != NVML_VALUE_NOT_AVAILABLE;
	for (size_t i = 0; i < g->nrows; i++) {
		struct nvml_proc_row *r = &g->rows[i];
		if (r->pid != pid)
			continue;
		r->type |= type;
		if (valid && (!r->used_valid || used > r->used)) {
			r->used = used;
			r->used_valid = true;
		}
		return;
	}
	if (g->nrows == g->rows_cap) {
		g->rows_cap *= 2;
		g->rows = xreallocarray(g->rows, g->rows_cap, sizeof(*g->rows));
	}
	struct nvml_proc_row *r = &g->rows[g->nrows++];
	r->pid = pid;
	r->type = type;
	r->used_valid = valid;
	r->used = valid ? used : 0;
}

static const uint32_t list_type[NVML_LIST_N] = {PROC_COMPUTE, PROC_GRAPHICS, PROC_MPS};

/* "unsupported" bits for the lists, above the metric bits */
#define LIST_UNSUPPORTED(l) (1u << (28 + (l)))

static void gpu_lost(struct nvml_gpu *g, struct snap_gpu *out, const char *what)
{
	nvml_gpu_mark_lost(g, what);
	*out = g->tmpl;
}

static void gpu_error(const struct nvml_source *s, struct nvml_gpu *g, struct snap_gpu *out,
                      const char *what, int rc)
{
	out->state = GPU_STATE_ERROR;
	g->unknown = rc == NVML_ERROR_UNKNOWN;
	if (rc == NVML_ERROR_UNKNOWN)
		snprintf(out->error, sizeof(out->error), "%s: %s after %d retries", what,
		         nvml_errstr(s, rc), NVML_UNKNOWN_RETRIES);
	else
		snprintf(out->error, sizeof(out->error), "%s: %s", what, nvml_errstr(s, rc));
	g->nrows = 0;
}

/* Memory, v2 first. Returns the NVML status of the call that decided. */
static int gpu_memory(struct nvml_source *s, struct nvml_gpu *g, struct snap_gpu *out)
{
	unsigned int att = 0;
	int rc;

	if (!s->mem_v2_off && !(g->unsupported & GM_MEM_RESERVED)) {
		struct nvml_memory_v2 m = {.version = NVML_MEMORY_V2_VERSION};
		do {
			rc = s->fns.device_get_memory_info_v2(g->dev, &m);
		} while (nvml_retry(s, rc, &att));
		if (rc == NVML_SUCCESS) {
			out->mem_total = m.total;
			out->mem_reserved = m.reserved;
			out->mem_free = m.free;
			out->mem_used = m.used;
			out->valid |= GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE | GM_MEM_RESERVED;
			return rc;
		}
		if (rc != NVML_ERROR_NOT_SUPPORTED && rc != NVML_ERROR_ARGUMENT_VERSION_MISMATCH &&
		    rc != NVML_ERROR_FUNCTION_NOT_FOUND)
			return rc;
		g->unsupported |= GM_MEM_RESERVED; /* this GPU answers v1 only */
		att = 0;
	}
	struct nvml_memory_v1 m1 = {0};
	do {
		rc = s->fns.device_get_memory_info(g->dev, &m1);
	} while (nvml_retry(s, rc, &att));
	if (rc == NVML_SUCCESS) {
		out->mem_total = m1.total;
		out->mem_free = m1.free;
		out->mem_used = m1.used;
		out->valid |= GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE;
	}
	return rc;
}

/* Notes the outcome of one metric call; false if the GPU is lost. */
static bool metric_done(struct nvml_gpu *g, struct snap_gpu *out, int rc, uint32_t bits)
{
	if (rc == NVML_SUCCESS)
		out->valid |= bits;
	else if (rc == NVML_ERROR_NOT_SUPPORTED || rc == NVML_ERROR_FUNCTION_NOT_FOUND)
		g->unsupported |= bits; /* not asked again */
	return rc != NVML_ERROR_GPU_IS_LOST;
}

#define WANT(fn, bits) (s->fns.fn && !(g->unsupported & (bits)))

/* Utilisation, temperature, power, clocks, fan: one cheap call each. A failed
 * call leaves its bit clear; UNKNOWN is not retried here (memory and the
 * process lists carry that rule). Returns false if the GPU is lost. */
static bool gpu_metrics(struct nvml_source *s, struct nvml_gpu *g, struct snap_gpu *out)
{
	const struct nvml_fns *f = &s->fns;
	int rc;

	if (WANT(device_get_utilization_rates, GM_UTIL_GPU | GM_UTIL_MEM)) {
		struct nvml_utilization u = {0};
		rc = f->device_get_utilization_rates(g->dev, &u);
		out->util_gpu = u.gpu;
		out->util_mem = u.memory;
		if (!metric_done(g, out, rc, GM_UTIL_GPU | GM_UTIL_MEM))
			return false;
	}
	if (WANT(device_get_temperature, GM_TEMP)) {
		rc = f->device_get_temperature(g->dev, NVML_TEMPERATURE_GPU, &out->temp_c);
		if (!metric_done(g, out, rc, GM_TEMP))
			return false;
	}
	if (WANT(device_get_power_usage, GM_POWER)) {
		rc = f->device_get_power_usage(g->dev, &out->power_mw);
		if (!metric_done(g, out, rc, GM_POWER))
			return false;
	}
	if (WANT(device_get_clock_info, GM_CLOCK_SM)) {
		rc = f->device_get_clock_info(g->dev, NVML_CLOCK_SM, &out->clock_sm_mhz);
		if (!metric_done(g, out, rc, GM_CLOCK_SM))
			return false;
	}
	if (WANT(device_get_clock_info, GM_CLOCK_MEM)) {
		rc = f->device_get_clock_info(g->dev, NVML_CLOCK_MEM, &out->clock_mem_mhz);
		if (!metric_done(g, out, rc, GM_CLOCK_MEM))
			return false;
	}
	if (WANT(device_get_fan_speed, GM_FAN)) {
		rc = f->device_get_fan_speed(g->dev, &out->fan_pct);
		if (!metric_done(g, out, rc, GM_FAN))
			return false;
	}
	return true;
}

/* The three process lists of g merged into g->rows. Returns the status that
 * ends the GPU's sample: SUCCESS, GPU_IS_LOST, or the error to report. */
static int gpu_procs(struct nvml_source *s, struct nvml_gpu *g, const char **what)
{
	g->nrows = 0;
	for (int l = 0; l < NVML_LIST_N; l++) {
		static const char *names[NVML_LIST_N] = {"compute processes", "graphics processes",
		                                         "MPS processes"};
		unsigned int n = 0, stride = 24;
		if (!s->fns.procs[l] || (g->unsupported & LIST_UNSUPPORTED(l)))
			continue;
		int rc = list_fetch(s, g, l, &n, &stride);
		if (rc == NVML_ERROR_NOT_SUPPORTED || rc == NVML_ERROR_FUNCTION_NOT_FOUND) {
			g->unsupported |= LIST_UNSUPPORTED(l);
			continue;
		}
		if (rc == NVML_ERROR_NO_PERMISSION)
			continue; /* e.g. graphics list refused in a container: others still count
			           */
		if (rc != NVML_SUCCESS) {
			*what = names[l];
			return rc;
		}
		for (unsigned int i = 0; i < n; i++) {
			const unsigned char *rec = g->raw + (size_t)i * stride;
			unsigned int pid;
			unsigned long long used;
			memcpy(&pid, rec, sizeof(pid));
			memcpy(&used, rec + 8, sizeof(used));
			rows_add(g, pid, used, list_type[l]);
		}
	}
	return NVML_SUCCESS;
}

static void gpu_pcie(struct nvml_source *s, struct nvml_gpu *g, struct snap_gpu *out)
{
	pthread_mutex_lock(&s->pcie_mu);
	if (g->pcie_valid & GM_PCIE_TX)
		out->pcie_tx_kbs = g->pcie_tx;
	if (g->pcie_valid & GM_PCIE_RX)
		out->pcie_rx_kbs = g->pcie_rx;
	out->valid |= g->pcie_valid;
	pthread_mutex_unlock(&s->pcie_mu);
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A lost GPU asks for a new handle every knobs.lost_retry_s. One that answers
 * again (a reset brought it back) has its facts read afresh and is handed to
 * the PCIe sampler; one that does not stays lost with its first message. */
static void gpu_reopen(struct nvml_source *s, unsigned int idx)
{
	struct nvml_gpu *g = &s->gpus[idx];
	double now = mono_s();
	if (g->lost_tried == 0)
		g->lost_tried = now; /* lost just now: the first try one interval later */
	if (s->knobs.lost_retry_s <= 0 || now - g->lost_tried < s->knobs.lost_retry_s)
		return;
	g->lost_tried = now;
	struct snap_gpu was = g->tmpl;
	g->lost = false;
	g->dev = NULL;
	g->tmpl.valid = 0;
	nvml_gpu_open(s, idx);
	if (g->lost || !g->dev) {
		g->lost = true;
		g->dev = NULL;
		g->tmpl = was;
		return;
	}
	g->lost_tried = 0;
	g->unsupported = 0;
	pthread_mutex_lock(&s->pcie_mu);
	if (s->pcie_devs)
		s->pcie_devs[idx] = g->dev;
	pthread_mutex_unlock(&s->pcie_mu);
}

/* Samples GPU g into out; g->rows holds its processes when out->state is OK. */
static void gpu_sample(struct nvml_source *s, unsigned int idx, struct snap_gpu *out)
{
	struct nvml_gpu *g = &s->gpus[idx];
	const char *what = "memory info";
	int rc;

	g->nrows = 0;
	if (g->lost)
		gpu_reopen(s, idx);
	if (!g->lost && !g->dev)
		nvml_gpu_open(s, idx); /* the handle failed before: try again */
	*out = g->tmpl;
	if (g->lost || !g->dev)
		return;

	rc = gpu_memory(s, g, out);
	if (rc == NVML_ERROR_GPU_IS_LOST) {
		gpu_lost(g, out, what);
		return;
	}
	if (rc == NVML_ERROR_UNKNOWN) {
		gpu_error(s, g, out, what, rc);
		return;
	}
	if (!gpu_metrics(s, g, out)) {
		gpu_lost(g, out, "a metric read");
		return;
	}
	rc = gpu_procs(s, g, &what);
	if (rc == NVML_ERROR_GPU_IS_LOST) {
		gpu_lost(g, out, what);
		return;
	}
	if (rc != NVML_SUCCESS) {
		gpu_error(s, g, out, what, rc);
		return;
	}
	gpu_pcie(s, g, out);
}

/* Appends g's rows to the snapshot with NVML's process name when
 * show_other_users is set (the model keeps it for other users' processes
 * only; /proc names ours). */
static void procs_emit(struct nvml_source *s, struct nvml_gpu *g, unsigned int pos,
                       struct snapshot *out)
{
	bool names = s->show_other_users && s->fns.system_get_process_name;
	if (names)
		nvml_names_begin(g);
	for (size_t i = 0; i < g->nrows; i++) {
		const struct nvml_proc_row *r = &g->rows[i];
		struct snap_proc *p = snapshot_add_proc(out);
		p->gpu = pos;
		p->pid = (pid_t)r->pid;
		p->type = r->type;
		p->used = r->used;
		p->flags = r->used_valid ? PF_USED_VALID : 0;
		if (names)
			nvml_names_fill(s, g, p);
	}
}

/* Samples GPU i into g->cur; a GPU that answered UNKNOWN is left pending
 * while retries remain (when the caller's timer does the waiting). */
static void sample_one(struct nvml_source *s, unsigned int i)
{
	struct nvml_gpu *g = &s->gpus[i];
	g->unknown = false;
	gpu_sample(s, i, &g->cur);
	g->pending = !s->knobs.sleep_ms && g->cur.state == GPU_STATE_ERROR && g->unknown &&
	             g->attempt < NVML_UNKNOWN_RETRIES;
	if (g->pending) {
		s->retry_ms = 1u << g->attempt;
		g->attempt++;
	}
}

int nvml_sample(struct source *src, struct snapshot *out, char *err, size_t errlen)
{
	struct nvml_source *s = container_of(src, struct nvml_source, base);
	bool pending = false;

	(void)err;
	(void)errlen;
	if (!s->retrying) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		s->t0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
		for (unsigned int i = 0; i < s->ngpus; i++) {
			s->gpus[i].attempt = 0;
			sample_one(s, i);
			pending |= s->gpus[i].pending;
		}
	} else {
		for (unsigned int i = 0; i < s->ngpus; i++) {
			if (!s->gpus[i].pending)
				continue;
			sample_one(s, i);
			pending |= s->gpus[i].pending;
		}
	}
	s->retrying = pending;
	if (pending)
		return VT_AGAIN;
	snapshot_reset(out);
	out->time = s->t0; /* wall time, for display and traces only */
	out->driver_valid = s->driver_valid;
	memcpy(out->driver_version, s->driver, sizeof(out->driver_version));
	for (unsigned int i = 0; i < s->ngpus; i++) {
		struct snap_gpu *g = snapshot_add_gpu(out);
		*g = s->gpus[i].cur;
		if (g->state == GPU_STATE_OK)
			procs_emit(s, &s->gpus[i], (unsigned int)(out->ngpus - 1), out);
	}
	return VT_OK;
}
