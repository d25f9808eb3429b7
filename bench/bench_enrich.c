/* bench_enrich: what enrichment adds to a live tick -- model_update with
 * /proc resolution, without and with src/enrich (framework, model files,
 * container, environment), over NPROCS real processes of ours (each a
 * `vllm` holding a .safetensors open, its VRAM still: the steady state), a
 * simulated second per tick, as live.
 * usage: bench_enrich [TICKS] [NPROCS] [SECONDS_PER_TICK] [ROUNDS] [MOVING]
 * (defaults 3000, 64, 1, 5, 0). MOVING 1: every process's VRAM flips
 * between 1 and 2 GiB each tick (the worst case: a rescan falls due every
 * tick). Runs off and on alternately ROUNDS times and
 * prints the median CPU microseconds per tick of each and their ratio. No
 * scraping: that runs off the tick, on the loop. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/model.h"

static double cpu_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static bool moving; /* each process's VRAM flips between 1 and 2 GiB every tick */

static void fill(struct snapshot *s, const pid_t *pids, int n, long tick)
{
	snapshot_reset(s);
	struct snap_gpu *g = snapshot_add_gpu(s);
	g->valid = GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE;
	g->mem_total = 150ull << 30;
	g->mem_used = 64ull << 30;
	for (int i = 0; i < n; i++) {
		struct snap_proc *p = snapshot_add_proc(s);
		p->pid = pids[i];
		p->flags = PF_USED_VALID;
		p->type = PROC_COMPUTE;
		p->used = (moving && (tick + i) % 2 ? 2ull : 1ull) << 30;
	}
}

static double step_s = 1.0;

#define ROUNDS_MAX 32

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double run(bool enrich, const pid_t *pids, int n, long ticks)
{
	struct model m;
	struct proc_resolve_opts o;
	model_init(&m, 300);
	proc_resolve_opts_default(&o);
	model_set_procfs(&m, &o, false);
	if (enrich)
		model_set_enrich(&m, "/", NULL);
	for (long i = 0; i < 50; i++) { /* warm-up: first reads, caches */
		fill(&m.snap, pids, n, i);
		model_update(&m, (double)i * step_s);
	}
	double c0 = cpu_us();
	for (long i = 0; i < ticks; i++) {
		fill(&m.snap, pids, n, i);
		model_update(&m, (50.0 + (double)i) * step_s);
	}
	double per = (cpu_us() - c0) / (double)ticks;
	if (enrich &&
	    (m.nevents || !m.snap.nprocs || !m.proc_of_snap[0] ||
	     m.proc_of_snap[0]->id->enr.fw != FW_VLLM || m.proc_of_snap[0]->id->enr.nfiles != 1)) {
		fprintf(stderr, "bench_enrich: enrichment did not happen\n");
		exit(1);
	}
	model_free(&m);
	return per;
}

int main(int argc, char **argv)
{
	long ticks = argc > 1 ? strtol(argv[1], NULL, 10) : 3000;
	int n = argc > 2 ? atoi(argv[2]) : 64;
	if (argc > 3)
		step_s = strtod(argv[3], NULL);
	int rounds = argc > 4 ? atoi(argv[4]) : 5;
	moving = argc > 5 && atoi(argv[5]) != 0;
	if (rounds < 1 || rounds > ROUNDS_MAX)
		return 2;
	char dir[] = "/tmp/vt-bench-enrich-XXXXXX", file[64], prog[64];
	if (!mkdtemp(dir) || n < 1 || n > 1024)
		return 2;
	snprintf(file, sizeof(file), "%s/model.safetensors", dir);
	snprintf(prog, sizeof(prog), "%s/vllm", dir);
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 1 << 20) != 0)
		return 2;
	close(fd);
	if (symlink("/bin/sleep", prog) != 0)
		return 2;
	pid_t *pids = calloc((size_t)n, sizeof(*pids));
	fd = open(file, O_RDONLY); /* inherited: each child holds it */
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			execl(prog, "vllm", "600", (char *)NULL);
			_exit(127);
		}
	}
	close(fd);
	usleep(200000);
	/* off and on alternate, so a burst of load on this shared box weighs on
	 * both; the medians are compared */
	double off[ROUNDS_MAX], on[ROUNDS_MAX];
	for (int r = 0; r < rounds; r++) {
		off[r] = run(false, pids, n, ticks);
		on[r] = run(true, pids, n, ticks);
	}
	double moff = median(off, rounds), mon = median(on, rounds);
	printf("%d processes, %ld ticks, %d rounds: enrichment off %.1f us/tick, on %.1f us/tick "
	       "(medians), ratio %.3f\n",
	       n, ticks, rounds, moff, mon, mon / moff);
	for (int i = 0; i < n; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	unlink(file);
	unlink(prog);
	rmdir(dir);
	return 0;
}
