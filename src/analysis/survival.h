/* survival.h: will each process on a GPU reach its peak memory? A verdict
 * OK / TIGHT / OOM per process, from (in order) scraped KV-cache usage, the
 * phase, or a peak estimate = weights x workload multiplier; at least TIGHT
 * while deep mode says its allocator lately had to retry. Pure functions;
 * the caller owns every array. Rules and thresholds: docs/analysis.md. */
#ifndef VT_SURVIVAL_H
#define VT_SURVIVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/predictor.h"

enum surv_verdict {
	SURV_OK = 0,
	SURV_TIGHT,
	SURV_OOM,
};

/* What the process is doing, as enrichment (framework, cmdline) guesses it. */
enum surv_workload {
	WL_UNKNOWN = 0,     /* x1.5 */
	WL_UNKNOWN_PYTORCH, /* x2.5 */
	WL_INFERENCE,       /* x1.2 */
	WL_LONG_CONTEXT,    /* x1.5 */
	WL_LORA,            /* x1.5 */
	WL_TRAIN_SGD,       /* x3.0 */
	WL_TRAIN_ADAM,      /* x4.0 */
	WL_SERVER_VLLM,     /* vLLM / SGLang server, x1.8 */
};

#define SURV_TIGHT_RATIO   0.90 /* projected peak above 90 % of what it can get */
#define SURV_OOM_RATIO     1.00 /* above all of it */
#define SURV_PREALLOC_MULT 1.05
#define SURV_KV_TIGHT      0.90 /* scraped KV-cache usage fractions */
#define SURV_KV_OOM        0.98

struct surv_proc {
	enum vt_phase phase;
	uint64_t used;          /* bytes now */
	uint64_t observed_peak; /* bytes, the most seen for this identity */
	uint64_t weights;       /* bytes of model files; 0 when unknown */
	enum surv_workload workload;
	bool preallocating; /* vLLM, SGLang, TGI, JAX: reserve their pool up front */
	bool has_kv;        /* scraped KV-cache usage present */
	double kv_usage;    /* fraction [0, 1] */
	/* deep mode (docs/deep-mode.md): the allocator's peak allocation plus
	 * what the process holds outside it, bytes (0 unknown), and whether the
	 * allocator lately had to free its cache and retry to fit */
	uint64_t deep_peak;
	bool retried;
};

enum surv_basis {
	SB_KV = 0,   /* scraped KV-cache usage */
	SB_PHASE,    /* stable/shrinking: the observed peak */
	SB_WEIGHTS,  /* weights x multiplier */
	SB_PREALLOC, /* 1.05 x observed */
	SB_USED,     /* weights unknown: current usage x multiplier */
	SB_OBSERVED, /* the observed peak beat the estimate */
	SB_RETRIES,  /* deep mode: its allocator lately freed its cache and retried */
};

struct surv_result {
	enum surv_verdict verdict;
	uint64_t peak; /* projected peak bytes (an estimate) */
	double ratio;  /* peak / (used + free) */
	enum surv_basis basis;
	bool raised; /* raised one level: the GPU's peaks add up past its total */
};

double survival_multiplier(enum surv_workload w);
const char *survival_verdict_name(enum surv_verdict v); /* "ok", "tight", "oom" */
const char *survival_basis_name(enum surv_basis b);

/* Verdicts for the n processes of one GPU with gpu_total / gpu_free bytes. */
void survival_assess(const struct surv_proc *procs, size_t n, uint64_t gpu_total, uint64_t gpu_free,
                     struct surv_result *out);

#endif
