/* bench_prom.c: the cost of rendering /metrics (export/prom.h) alone, at 8
 * GPUs x 64 processes with the analysis run, one process growing so that
 * the OOM families and the culprit are in the text.
 * usage: bench_prom [RENDERS [MAX_PROCESSES]]   (default 2000, 20)
 * Prints the CPU microseconds per render and the size of the text; under
 * callgrind, run it with RENDERS N and 2N and take the difference. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "export/prom.h"
#include "pipeline/analysis.h"

#define NGPU  8
#define NPROC 64
#define MIB   1048576ull

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void tick(struct model *m, struct analysis *an, unsigned long k)
{
	struct snapshot *sn = &m->snap;
	snapshot_reset(sn);
	sn->time = 1765000000.0 + (double)k;
	for (unsigned g = 0; g < NGPU; g++) {
		struct snap_gpu *sg = snapshot_add_gpu(sn);
		sg->index = g;
		sg->valid =
		    GM_NAME | GM_UUID | GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE | GM_MEM_RESERVED;
		snprintf(sg->name, sizeof(sg->name), "NVIDIA H200");
		snprintf(sg->uuid, sizeof(sg->uuid), "GPU-5ca1ab1e-0000-4000-8000-0000000000%02x",
		         g);
		sg->mem_total = 143771 * MIB;
		sg->mem_reserved = 615 * MIB;
	}
	for (unsigned g = 0; g < NGPU; g++)
		for (unsigned i = 0; i < NPROC; i++) {
			struct snap_proc *p = snapshot_add_proc(sn);
			p->gpu = g;
			p->pid = (pid_t)(200000 + g * NPROC + i);
			p->starttime = 1000 + (uint64_t)p->pid;
			p->flags = PF_USED_VALID | PF_START_VALID | PF_NAME_VALID;
			p->type = PROC_COMPUTE;
			p->used = (256 + 16 * i) * MIB;
			if (g == 0 && i == 0)
				p->used = 8192 * MIB + k * 512 * MIB; /* leaking */
			snprintf(p->user, sizeof(p->user), "ana");
			snprintf(p->name, sizeof(p->name), "python3");
			sn->gpus[g].mem_used += p->used;
		}
	for (unsigned g = 0; g < NGPU; g++)
		sn->gpus[g].mem_free =
		    sn->gpus[g].mem_total - sn->gpus[g].mem_reserved - sn->gpus[g].mem_used;
	model_update(m, (double)k);
	analysis_update(an, m);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000;
	long maxp = argc > 2 ? atol(argv[2]) : 20;
	struct model m;
	model_init(&m, 300);
	struct pred_params pp;
	pred_params_default(&pp);
	char err[256];
	struct analysis *an = analysis_new(PREDICTOR_DEFAULT, &pp, err, sizeof(err));
	if (!an) {
		fprintf(stderr, "bench_prom: %s\n", err);
		return 1;
	}
	struct prom *p = prom_new((size_t)maxp);
	for (unsigned long k = 1; k <= 60; k++) {
		tick(&m, an, k);
		prom_tick(p, &m);
	}
	struct prom_stats st = {.samples = 60};
	size_t len = 0;
	prom_render(p, &m, &st, &len); /* warm: the buffer at its size */
	double t0 = cpu_s();
	for (long i = 0; i < n; i++)
		prom_render(p, &m, &st, &len);
	double t1 = cpu_s();
	printf("bench_prom: %d GPUs x %d processes, %ld series per GPU, OOM predicted on GPU 0: "
	       "%s; %zu bytes; %.1f us CPU per render (%ld renders)\n",
	       NGPU, NPROC, maxp, m.gpus[0].an.has_oom ? "yes" : "no", len,
	       (t1 - t0) / (double)n * 1e6, n);
	prom_free(p);
	analysis_free(an);
	model_free(&m);
	return 0;
}
