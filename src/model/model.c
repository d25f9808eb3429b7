/* model.c: rows keyed by GPU and by process identity across ticks, their
 * history rings and facts (see model.h). Lookups go through the GPU's rows
 * of the previous tick first (the steady state: same processes, same order),
 * then through a hash map, so a tick is O(processes) whatever their order. */
#include "model/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "enrich/scrape.h"
#include "sys/pidns.h"
#include "sys/proc_cache.h"

/* An open-addressing map from a three-word key to a pointer, linear probing,
 * deletion by backward shift (no tombstones). */
struct pmap_slot {
	uint64_t k0, k1, k2;
	void *v; /* NULL: empty */
};

struct pmap {
	struct pmap_slot *s;
	size_t cap, n;       /* cap: a power of two */
	unsigned long steps; /* probes beyond the first, for the linear-time test */
};

struct model_priv {
	struct pmap rows;   /* (gpu, pid, starttime) -> struct model_proc */
	struct pmap idents; /* (pid, starttime) -> struct model_ident */
	struct model_proc **free_rows;
	size_t nfree, free_cap;
	struct proc_cache *pcache; /* NULL: not a live source */
	struct proc_resolve_opts ro;
	bool enrich_on;
	const char *env_root;
	char *env_nvd;
	struct enrich_env env;
	struct scraper *scraper;
	bool show_other_users;
	bool in_child_ns;
	char name_save[VT_NAME_MAX];
	struct model_proc **prev; /* a GPU's rows of its last sample, during an update */
	size_t prev_cap;
};

static uint64_t mix(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t h =
	    a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull) * 0xbf58476d1ce4e5b9ull;
	h ^= c * 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h * 0xd6e8feb86659fd93ull;
}

static size_t pmap_pos(struct pmap *p, uint64_t a, uint64_t b, uint64_t c)
{
	size_t i = (size_t)mix(a, b, c) & (p->cap - 1);
	while (p->s[i].v && !(p->s[i].k0 == a && p->s[i].k1 == b && p->s[i].k2 == c)) {
		i = (i + 1) & (p->cap - 1);
		p->steps++;
	}
	return i;
}

static void *pmap_get(struct pmap *p, uint64_t a, uint64_t b, uint64_t c)
{
	return p->cap ? p->s[pmap_pos(p, a, b, c)].v : NULL;
}

static void pmap_put(struct pmap *p, uint64_t a, uint64_t b, uint64_t c, void *v)
{
	if (2 * (p->n + 1) > p->cap) {
		struct pmap old = *p;
		p->cap = old.cap ? 2 * old.cap : 64;
		p->s = xcalloc(p->cap, sizeof(*p->s));
		p->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.s[i].v)
				pmap_put(p, old.s[i].k0, old.s[i].k1, old.s[i].k2, old.s[i].v);
		free(old.s);
	}
	size_t i = pmap_pos(p, a, b, c);
	if (!p->s[i].v)
		p->n++;
	p->s[i] = (struct pmap_slot){a, b, c, v};
}

static void pmap_del(struct pmap *p, uint64_t a, uint64_t b, uint64_t c)
{
	if (!p->cap)
		return;
	size_t i = pmap_pos(p, a, b, c);
	if (!p->s[i].v)
		return;
	p->n--;
	/* shift the following cluster back over the hole */
	for (size_t j = (i + 1) & (p->cap - 1); p->s[j].v; j = (j + 1) & (p->cap - 1)) {
		size_t home = (size_t)mix(p->s[j].k0, p->s[j].k1, p->s[j].k2) & (p->cap - 1);
		/* j's entry may move to i unless its home lies in (i, j] cyclically */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (stays)
			continue;
		p->s[i] = p->s[j];
		i = j;
	}
	p->s[i].v = NULL;
}

void model_init(struct model *m, size_t hist_len)
{
	memset(m, 0, sizeof(*m));
	snapshot_init(&m->snap);
	m->hist_len = hist_len < 2 ? 2 : hist_len;
	m->hist_t = xcalloc(m->hist_len, sizeof(double));
	m->priv = xcalloc(1, sizeof(*m->priv));
	m->priv->in_child_ns = pidns_is_child();
}

static void proc_free(struct model_proc *p)
{
	free(p->hist);
	free(p);
}

void model_free(struct model *m)
{
	struct model_priv *v = m->priv;
	for (size_t i = 0; i < v->rows.cap; i++)
		if (v->rows.s[i].v)
			proc_free(v->rows.s[i].v);
	for (size_t i = 0; i < v->idents.cap; i++)
		free(v->idents.s[i].v);
	for (size_t i = 0; i < v->nfree; i++)
		proc_free(v->free_rows[i]);
	free(v->rows.s);
	free(v->idents.s);
	free(v->free_rows);
	free(v->prev);
	proc_cache_free(v->pcache);
	free(v->env_nvd);
	free(v);
	for (size_t i = 0; i < m->ngpus; i++) {
		free(m->gpus[i].rows);
		free(m->gpus[i].hist);
	}
	free(m->gpus);
	free(m->gpu_of_snap);
	free(m->proc_of_snap);
	free(m->hist_t);
	snapshot_free(&m->snap);
	memset(m, 0, sizeof(*m));
}

void model_set_procfs(struct model *m, const struct proc_resolve_opts *o, bool show_other_users)
{
	proc_cache_free(m->priv->pcache);
	m->priv->pcache = proc_cache_new(o);
	m->priv->ro = *o;
	m->priv->show_other_users = show_other_users;
}

void model_set_enrich(struct model *m, const char *root, const char *nvd)
{
	struct model_priv *v = m->priv;
	v->enrich_on = v->pcache != NULL;
	v->env_root = root;
	free(v->env_nvd);
	v->env_nvd = nvd ? xstrdup(nvd) : NULL;
	v->env.valid = false;
}

void model_set_scraper(struct model *m, struct scraper *s)
{
	m->priv->scraper = s;
}

const struct enrich_env *model_env(const struct model *m)
{
	return m->priv->enrich_on && m->priv->env.valid ? &m->priv->env : NULL;
}

/* Each present row's identity is enriched (each enricher keeps its own
 * pace: most reads once per identity, fd rescans when its VRAM moved or
 * rarely, at most ENRICH_FD_SCANS_PER_TICK a tick, the rows taken from a
 * point that turns with the ticks so none waits behind the others). */
static void enrich(struct model *m)
{
	struct model_priv *v = m->priv;
	size_t n = m->snap.nprocs, start = n ? (size_t)(m->tick % n) : 0;
	unsigned rescans = ENRICH_FD_SCANS_PER_TICK;
	bool mps_clients = false;
	for (size_t k = 0; k < n && !mps_clients; k++)
		mps_clients = m->snap.procs[k].type & PROC_MPS;
	if (!v->env.valid) {
		enrich_env_read(&v->env, v->env_root, v->ro.proc_root, v->env_nvd, v->ro.self_uid);
		v->env.at = m->t_mono;
	} else if (m->t_mono - v->env.at >= ENRICH_MPS_RESCAN_S ||
	           (mps_clients && !v->env.mps_daemon &&
	            m->t_mono - v->env.at >= ENRICH_MPS_CLIENT_S)) {
		enrich_env_mps(&v->env, v->ro.proc_root, v->ro.self_uid);
		v->env.at = m->t_mono;
	}
	/* an identity's VRAM, over its GPUs */
	for (size_t k = 0; k < n; k++)
		if (m->proc_of_snap[k])
			m->proc_of_snap[k]->id->enr.vram = 0;
	for (size_t k = 0; k < n; k++)
		if (m->proc_of_snap[k] && (m->snap.procs[k].flags & PF_USED_VALID))
			m->proc_of_snap[k]->id->enr.vram += m->snap.procs[k].used;
	for (size_t j = 0; j < n; j++) {
		size_t k = (start + j) % n;
		struct model_proc *p = m->proc_of_snap[k];
		if (!p || !(m->snap.procs[k].flags & PF_START_VALID))
			continue;
		struct enrich_facts *f = &p->id->enr;
		enrich_process(f, v->ro.proc_root, v->ro.self_uid, p->pid, m->t_mono, &rescans);
		if (v->scraper && !f->denied && scrape_path(f->fw)) {
			const struct scrape_result *r = scraper_want(
			    v->scraper, p->pid, p->starttime, f->fw, f->front_pid, m->t_mono);
			if (r)
				f->scrape = *r;
		}
		/* into the sample too, for the sinks that write samples (traces) */
		struct snap_proc *sp = &m->snap.procs[k];
		vt_strlcpy(sp->framework, enrich_fw_name(f->fw), sizeof(sp->framework));
		enrich_container_format(&f->ct, sp->container, sizeof(sp->container));
	}
	if (v->scraper)
		scraper_end(v->scraper);
}

void model_set_show_other_users(struct model *m, bool on)
{
	m->priv->show_other_users = on;
}

/* /proc resolution of a live sample: identity, owner and (same user only)
 * name; another user's name is the source's (NVML's) when allowed. */
static void resolve(struct model *m)
{
	struct model_priv *v = m->priv;
	if (v->in_child_ns) {
		/* The driver knows no PID namespaces: NVML's PIDs are the host's,
		 * and the process of the same number in ours is another one (an
		 * NVIDIA maintainer, nvidia-docker#1483). Resolve none: no name,
		 * owner or enrichment of the wrong process, nothing to signal. */
		for (size_t k = 0; k < m->snap.nprocs; k++) {
			struct snap_proc *p = &m->snap.procs[k];
			p->flags = (p->flags & PF_USED_VALID) | PF_GONE;
			p->name[0] = '\0';
			p->cmd[0] = '\0';
		}
		return;
	}
	proc_cache_begin(v->pcache);
	for (size_t k = 0; k < m->snap.nprocs; k++) {
		struct snap_proc *p = &m->snap.procs[k];
		uint32_t used_valid = p->flags & PF_USED_VALID;
		memcpy(v->name_save, p->name, sizeof(v->name_save));
		proc_cache_resolve(v->pcache, p);
		p->flags = (p->flags & ~(uint32_t)PF_USED_VALID) | used_valid;
		if (p->flags & PF_SAME_USER)
			continue;
		p->flags &= ~(uint32_t)(PF_NAME_VALID | PF_CMD_VALID);
		p->name[0] = '\0';
		p->cmd[0] = '\0';
		if (v->show_other_users && v->name_save[0]) {
			memcpy(p->name, v->name_save, sizeof(p->name));
			p->flags |= PF_NAME_VALID;
		}
	}
	proc_cache_end(v->pcache);
	/* Not in our /proc: in the root PID namespace it exited between the
	 * source's list and /proc, and goes silently. */
	m->stats.dropped_gone += snapshot_drop_procs(&m->snap, PF_GONE);
}

static void grow_snap_maps(struct model *m)
{
	size_t need = m->snap.ngpus > m->snap.nprocs ? m->snap.ngpus : m->snap.nprocs;
	if (need <= m->snap_cap)
		return;
	size_t cap = m->snap_cap ? m->snap_cap : 16;
	while (cap < need)
		cap *= 2;
	m->gpu_of_snap = xreallocarray(m->gpu_of_snap, cap, sizeof(size_t));
	m->proc_of_snap = xreallocarray(m->proc_of_snap, cap, sizeof(*m->proc_of_snap));
	m->snap_cap = cap;
}

static size_t gpu_slot(struct model *m, unsigned index, size_t hint)
{
	if (hint < m->ngpus && m->gpus[hint].index == index)
		return hint;
	for (size_t i = 0; i < m->ngpus; i++)
		if (m->gpus[i].index == index)
			return i;
	if (m->ngpus == m->gpus_cap) {
		m->gpus_cap = m->gpus_cap ? 2 * m->gpus_cap : 8;
		m->gpus = xreallocarray(m->gpus, m->gpus_cap, sizeof(*m->gpus));
	}
	struct model_gpu *g = &m->gpus[m->ngpus];
	memset(g, 0, sizeof(*g));
	g->index = index;
	g->hist = xmalloc(m->hist_len * sizeof(uint64_t));
	g->first_tick = g->last_tick = m->tick;
	return m->ngpus++;
}

/* Writes value at tick into a ring whose previous write was at `last`,
 * marking the ticks in between as without a value. */
static void ring_put(const struct model *m, uint64_t *ring, unsigned long last, uint64_t value)
{
	unsigned long gap = m->tick - last;
	if (gap > 1) {
		unsigned long from = gap > m->hist_len ? m->tick - m->hist_len + 1 : last + 1;
		for (unsigned long k = from; k < m->tick; k++)
			ring[k % m->hist_len] = MODEL_HIST_NONE;
	}
	ring[m->tick % m->hist_len] = value;
}

static struct model_ident *ident_get(struct model *m, const struct snap_proc *sp, uint64_t st)
{
	struct model_priv *v = m->priv;
	struct model_ident *id = pmap_get(&v->idents, (uint64_t)sp->pid, st, 0);
	if (!id) {
		id = xcalloc(1, sizeof(*id));
		id->pid = sp->pid;
		id->starttime = st;
		id->first_tick = m->tick;
		pmap_put(&v->idents, (uint64_t)sp->pid, st, 0, id);
		m->stats.idents_created++;
	}
	id->refs++;
	return id;
}

static void ident_put(struct model *m, struct model_ident *id)
{
	if (--id->refs)
		return;
	pmap_del(&m->priv->idents, (uint64_t)id->pid, id->starttime, 0);
	free(id);
}

/* The latest facts of an identity (names may change: a process can exec). */
static void ident_facts(struct model_ident *id, const struct snap_proc *sp)
{
	id->flags = sp->flags;
	if (sp->flags & PF_UID_VALID)
		id->uid = sp->uid;
	if (strcmp(id->user, sp->user) != 0)
		memcpy(id->user, sp->user, sizeof(id->user));
	if (strcmp(id->name, sp->name) != 0)
		memcpy(id->name, sp->name, sizeof(id->name));
	const char *cmd = (sp->flags & PF_CMD_VALID) ? sp->cmd : "";
	if (strcmp(id->cmd, cmd) != 0)
		vt_strlcpy(id->cmd, cmd, sizeof(id->cmd));
	/* a replayed trace's enrichment (a live sample has none yet: its
	 * facts come from src/enrich after the rows are found) */
	if (sp->framework[0])
		id->enr.fw = enrich_fw_from_name(sp->framework);
	if (sp->container[0])
		enrich_container_from_text(sp->container, &id->enr.ct);
}

static struct model_proc *row_new(struct model *m, unsigned gpu, const struct snap_proc *sp,
                                  uint64_t st)
{
	struct model_priv *v = m->priv;
	struct model_proc *p;
	if (v->nfree) {
		p = v->free_rows[--v->nfree];
		uint64_t *hist = p->hist;
		unsigned gen = p->gen + 1;
		memset(p, 0, sizeof(*p));
		p->hist = hist;
		p->gen = gen;
	} else {
		p = xcalloc(1, sizeof(*p));
		p->hist = xmalloc(m->hist_len * sizeof(uint64_t));
	}
	p->gpu = gpu;
	p->pid = sp->pid;
	p->starttime = st;
	p->id = ident_get(m, sp, st);
	p->first_tick = p->last_tick = m->tick;
	pmap_put(&v->rows, gpu, (uint64_t)sp->pid, st, p);
	m->stats.rows_created++;
	return p;
}

static void row_retire(struct model *m, struct model_proc *p)
{
	struct model_priv *v = m->priv;
	pmap_del(&v->rows, p->gpu, (uint64_t)p->pid, p->starttime);
	ident_put(m, p->id);
	p->id = NULL;
	if (v->nfree == v->free_cap) {
		v->free_cap = v->free_cap ? 2 * v->free_cap : 16;
		v->free_rows = xreallocarray(v->free_rows, v->free_cap, sizeof(*v->free_rows));
	}
	v->free_rows[v->nfree++] = p;
	m->stats.rows_retired++;
}

static void gpu_rows_grow(struct model_gpu *g, size_t n)
{
	if (n <= g->rows_cap)
		return;
	size_t cap = g->rows_cap ? g->rows_cap : 16;
	while (cap < n)
		cap *= 2;
	g->rows = xreallocarray(g->rows, cap, sizeof(*g->rows));
	g->rows_cap = cap;
}

/* Rows of GPU g for snapshot processes [from, to), which all belong to it.
 * prev/nprev: the GPU's rows of its last sample, for the steady-state hint. */
static void gpu_procs(struct model *m, struct model_gpu *g, size_t from, size_t to,
                      struct model_proc **prev, size_t nprev)
{
	size_t n = 0;
	gpu_rows_grow(g, to - from);
	for (size_t k = from; k < to; k++) {
		const struct snap_proc *sp = &m->snap.procs[k];
		uint64_t st = (sp->flags & PF_START_VALID) ? sp->starttime : 0;
		struct model_proc *p = NULL;
		if (n < nprev && prev[n]->pid == sp->pid && prev[n]->starttime == st)
			p = prev[n];
		else {
			p = pmap_get(&m->priv->rows, g->index, (uint64_t)sp->pid, st);
			m->stats.lookups++;
		}
		if (p && p->last_tick == m->tick && p->present) {
			/* listed twice in one sample: one row, the larger count */
			if (sp->used > p->used && (sp->flags & PF_USED_VALID))
				p->used = sp->used;
			m->proc_of_snap[k] = p;
			continue;
		}
		if (!p)
			p = row_new(m, g->index, sp, st);
		p->present = true;
		p->snap_idx = k;
		p->analysed = false;
		p->used = (sp->flags & PF_USED_VALID) ? sp->used : 0;
		if (p->used > p->peak)
			p->peak = p->used;
		ring_put(m, p->hist, p->last_tick,
		         (sp->flags & PF_USED_VALID) ? sp->used : MODEL_HIST_NONE);
		p->last_tick = m->tick;
		ident_facts(p->id, sp);
		m->proc_of_snap[k] = p;
		g->rows[n++] = p;
	}
	g->nrows = n;
}

void model_update(struct model *m, double t_mono)
{
	struct model_priv *v = m->priv;
	if (v->pcache)
		resolve(m);
	m->tick++;
	m->t_mono = t_mono;
	m->hist_t[m->tick % m->hist_len] = m->snap.time;
	grow_snap_maps(m);
	for (size_t i = 0; i < m->ngpus; i++) {
		m->gpus[i].present = false;
		m->gpus[i].analysed = false;
	}
	size_t k = 0;
	for (size_t i = 0; i < m->snap.ngpus; i++) {
		const struct snap_gpu *sg = &m->snap.gpus[i];
		size_t slot = gpu_slot(m, sg->index, i);
		struct model_gpu *g = &m->gpus[slot];
		m->gpu_of_snap[i] = slot;
		g->present = true;
		g->snap_idx = i;
		if (sg->valid & GM_NAME)
			memcpy(g->name, sg->name, sizeof(g->name));
		if (sg->valid & GM_MEM_TOTAL)
			g->mem_total = sg->mem_total;
		uint32_t need = GM_MEM_TOTAL | GM_MEM_USED;
		g->mem_ok = sg->state == GPU_STATE_OK && (sg->valid & need) == need;
		if (g->mem_ok)
			g->nsamples++;
		ring_put(m, g->hist, g->last_tick, g->mem_ok ? sg->mem_used : MODEL_HIST_NONE);
		g->last_tick = m->tick;
		/* this GPU's processes: the snapshot groups them by GPU */
		size_t from = k;
		while (k < m->snap.nprocs && m->snap.procs[k].gpu == i)
			k++;
		if (sg->state != GPU_STATE_OK) {
			for (size_t j = from; j < k; j++)
				m->proc_of_snap[j] = NULL;
			for (size_t j = 0; j < g->nrows; j++)
				g->rows[j]->present = false;
			continue; /* its rows wait for it, not present */
		}
		/* the previous rows are needed while the new list is built */
		if (g->nrows > v->prev_cap) {
			v->prev_cap = g->nrows * 2;
			v->prev = xreallocarray(v->prev, v->prev_cap, sizeof(*v->prev));
		}
		size_t nprev = g->nrows;
		if (nprev)
			memcpy(v->prev, g->rows, nprev * sizeof(*v->prev));
		gpu_procs(m, g, from, k, v->prev, nprev);
		for (size_t j = 0; j < nprev; j++)
			if (v->prev[j]->last_tick != m->tick)
				row_retire(m, v->prev[j]);
	}
	m->stats.hash_steps = v->rows.steps + v->idents.steps;
	/* A sample whose processes are not grouped by GPU (not from our
	 * sources): whatever is left has no row. */
	for (; k < m->snap.nprocs; k++)
		m->proc_of_snap[k] = NULL;
	if (v->enrich_on)
		enrich(m);
	/* The event list of a replay is set by the caller before the update. */
}

struct model_gpu *model_gpu_find(const struct model *m, unsigned index)
{
	for (size_t i = 0; i < m->ngpus; i++)
		if (m->gpus[i].index == index)
			return &m->gpus[i];
	return NULL;
}

const struct snap_gpu *model_gpu_snap(const struct model *m, const struct model_gpu *g)
{
	return g->present ? &m->snap.gpus[g->snap_idx] : NULL;
}

const struct snap_proc *model_proc_snap(const struct model *m, const struct model_proc *p)
{
	return p->present && p->last_tick == m->tick ? &m->snap.procs[p->snap_idx] : NULL;
}

size_t model_history(const struct model *m, const uint64_t *ring, unsigned long first_tick,
                     unsigned long last_tick, uint64_t *out, size_t max)
{
	if (!m->tick || last_tick < first_tick)
		return 0;
	unsigned long span = m->tick - first_tick + 1;
	size_t n = span < m->hist_len ? span : m->hist_len;
	if (n > max)
		n = max;
	unsigned long start = m->tick - n + 1;
	for (size_t i = 0; i < n; i++) {
		unsigned long k = start + i;
		out[i] = k > last_tick ? MODEL_HIST_NONE : ring[k % m->hist_len];
	}
	return n;
}

double model_tick_time(const struct model *m, unsigned long k)
{
	if (!k || k > m->tick || m->tick - k >= m->hist_len)
		return NAN;
	return m->hist_t[k % m->hist_len];
}

size_t model_nprocs(const struct model *m)
{
	return m->priv->rows.n;
}
