/* model.h: what every view and sink reads -- the latest sample plus rows that
 * live across ticks: one per GPU (keyed by NVML index) and one per process on
 * a GPU (keyed by GPU and process identity (pid, starttime)), each with its
 * history of `history_length` samples in a fixed ring, the analysis results
 * the pipeline attaches, and, per identity, the facts known about the process
 * (user, name; later framework, container, deep-mode figures).
 *
 * Lifetimes: GPU rows are never removed (a lost GPU keeps its history for
 * when it is back). A process row is retired when its GPU was sampled fine
 * and the process was not in that sample; while its GPU is lost or errored
 * it stays, not present. A recycled PID (same pid, another starttime) is
 * another identity: it never inherits a row, a history or facts.
 *
 * Allocation: a new row allocates its ring once; retired rows are kept for
 * reuse, so a steady refresh allocates nothing.
 *
 * The live /proc resolution happens here (model_set_procfs): sources give
 * PIDs, the model turns them into identities through sys/proc_cache, so
 * facts can be attached per identity. A replayed trace carries identities
 * already and is not resolved. */
#ifndef VT_MODEL_H
#define VT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "analysis/predictor.h"
#include "analysis/rise_clock.h"
#include "analysis/survival.h"
#include "core/snapshot.h"
#include "enrich/enrich.h"
#include "source/trace.h"
#include "sys/proc_resolve.h"

#define MODEL_HIST_NONE  UINT64_MAX /* a tick without a value in a history */
#define MODEL_EVENTS_MAX 8

/* A sink's cache of a row's fixed output text (analyze's JSONL: the
 * `,"gpu":G,"pid":P,"phase":"` of its lines), formatted once per row. */
struct model_fmt {
	char s[48];
	unsigned char n; /* 0: not set yet */
};

/* Facts about one process identity, shared by its rows on every GPU. */
struct model_ident {
	pid_t pid;
	uint64_t starttime; /* 0 when unknown */
	uint32_t uid;
	uint32_t flags;          /* PF_* of the latest sample */
	char user[VT_USER_MAX];  /* "" when unknown */
	char name[VT_NAME_MAX];  /* sanitised; "" when not shown */
	char cmd[VT_CMD_MAX];    /* sanitised command line; "" when unknown or not ours */
	struct enrich_facts enr; /* framework, model files, container (live: src/enrich) */
	unsigned refs;           /* rows pointing here (private) */
	unsigned long first_tick;
};

struct model_proc {
	unsigned gpu; /* NVML index */
	pid_t pid;
	uint64_t starttime;
	struct model_ident *id;
	bool present;        /* in the latest tick's sample */
	size_t snap_idx;     /* its row in model.snap.procs when present */
	uint64_t used, peak; /* bytes: latest and observed peak on this GPU */
	/* analysis, when its GPU was analysed this tick */
	bool analysed;
	struct pred_proc_out an;
	enum surv_verdict verdict; /* the worst of the last VERDICT_HOLD_S seconds */
	bool verdict_retries;      /* the verdict is deep mode's retries' */
	/* when each verdict worse than OK was last given (model.t_mono), for
	 * the bits of verdict_seen_mask (1 << verdict) that are set */
	double verdict_seen[3];
	unsigned verdict_seen_mask;
	/* deep mode's allocator retries: when they last rose (model.t_mono),
	 * once seen (retries_seen) */
	bool retries_seen;
	struct rise_clock retries;
	/* history: used bytes per tick, ring of model.hist_len */
	uint64_t *hist;
	unsigned long first_tick, last_tick;
	unsigned gen; /* bumped each time the slot is reused */
	struct model_fmt fmt;
};

struct model_gpu {
	unsigned index; /* NVML index */
	bool present;   /* in the latest sample */
	size_t snap_idx;
	bool mem_ok;                /* state OK and total/used known this tick */
	unsigned long nsamples;     /* ticks with mem_ok */
	char name[VT_GPU_NAME_MAX]; /* last known, kept while lost */
	uint64_t mem_total;         /* last known */
	/* analysis */
	bool analysed;
	struct pred_output an;
	/* this tick's processes, in the source's order */
	struct model_proc **rows;
	size_t nrows, rows_cap;
	/* history of mem_used (MODEL_HIST_NONE when not mem_ok) */
	uint64_t *hist;
	unsigned long first_tick, last_tick;
};

struct model_stats {
	unsigned long rows_created, rows_retired, idents_created;
	unsigned long dropped_gone; /* rows absent from /proc, dropped */
	unsigned long lookups;      /* rows looked up in the hash map (not found by order) */
	unsigned long hash_steps;   /* probes beyond the first in the hash maps */
};

struct model {
	struct snapshot snap; /* the latest sample, as the source gave it (owned) */
	unsigned long tick;   /* 1 after the first update */
	double t_mono;        /* monotonic seconds of the tick (rates, ages) */
	size_t hist_len;
	double *hist_t;         /* wall time of each tick in the ring */
	struct model_gpu *gpus; /* by first sight; slots are stable */
	size_t ngpus, gpus_cap;
	size_t *gpu_of_snap;              /* snap.gpus[i] is gpus[gpu_of_snap[i]] */
	struct model_proc **proc_of_snap; /* snap.procs[k]'s row */
	size_t snap_cap;
	struct trace_event events[MODEL_EVENTS_MAX]; /* a replay's events this tick */
	size_t nevents;
	struct model_stats stats;
	struct model_priv *priv;
};

/* hist_len: history_length (at least 2). */
void model_init(struct model *m, size_t hist_len);
void model_free(struct model *m);

/* Live sources: resolve PIDs through /proc (a cache of pidfds) under the
 * same-user boundary, and drop rows absent from /proc when we are in the
 * root PID namespace (inside a container NVML's PIDs are the host's: they
 * are kept). show_other_users keeps the name the source gave (NVML's) for
 * another user's process; otherwise it is cleared. o is copied. */
void model_set_procfs(struct model *m, const struct proc_resolve_opts *o, bool show_other_users);
void model_set_show_other_users(struct model *m, bool on);
/* Live sources, after model_set_procfs: learn what each same-user process
 * is (src/enrich: framework, model files, container) into its identity's
 * facts on every update, and the environment (root: "/" or a fixture tree)
 * once, its MPS daemon as enrich.h says. nvd: NVIDIA_VISIBLE_DEVICES (NULL:
 * unset). */
void model_set_enrich(struct model *m, const char *root, const char *nvd);
/* Scrape inference servers through s (not owned; NULL: off) for the
 * processes enrichment recognised (src/enrich/scrape.h). */
struct scraper;
void model_set_scraper(struct model *m, struct scraper *s);
/* The environment, NULL when enrichment is off (a replay). */
const struct enrich_env *model_env(const struct model *m);

/* After the source filled m->snap: resolve (if set), then find or create
 * every row, append this tick to the histories, retire what left.
 * t_mono is the tick's monotonic time (for a replay: the trace's time). */
void model_update(struct model *m, double t_mono);

/* The GPU row with this NVML index, or NULL. */
struct model_gpu *model_gpu_find(const struct model *m, unsigned index);
/* The snapshot GPU of a row, NULL when not in the latest sample. */
const struct snap_gpu *model_gpu_snap(const struct model *m, const struct model_gpu *g);
const struct snap_proc *model_proc_snap(const struct model *m, const struct model_proc *p);

/* Copies up to max values of a history (a GPU's or a process's ring),
 * oldest first, ending at the latest tick; MODEL_HIST_NONE where there was
 * no value. Returns how many were copied (fewer while young). */
size_t model_history(const struct model *m, const uint64_t *ring, unsigned long first_tick,
                     unsigned long last_tick, uint64_t *out, size_t max);
/* Wall time of tick k (within the ring), NAN otherwise. */
double model_tick_time(const struct model *m, unsigned long k);

/* Process rows alive (present or waiting for their GPU), for tests. */
size_t model_nprocs(const struct model *m);

#endif
