/* bench_refresh: what one refresh of the NVML source costs -- NVML calls,
 * merging, /proc resolution -- and whether the heap grows across refreshes.
 * usage: bench_refresh N [--check-heap]
 * Point VRAMTOP_NVML_LIB at a real driver or the simulator (with its
 * scenario). Prints median and p90 wall microseconds per refresh, CPU
 * microseconds per refresh, and the heap in use after the warm-up and at the
 * end; --check-heap exits 1 if the heap grew. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/snapshot.h"
#include "source/nvml_source.h"

static double now_us(clockid_t clk)
{
	struct timespec t;
	clock_gettime(clk, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	int check_heap = argc > 2 && strcmp(argv[2], "--check-heap") == 0;
	if (n < 10)
		n = 10;
	struct nvml_source_opts o = {.show_other_users = false};
	struct source *src = NULL;
	char err[VT_ERRMSG_MAX];
	if (nvml_source_open(&o, &src, err, sizeof(err)) != VT_OK) {
		fprintf(stderr, "bench_refresh: %s\n", err);
		return 2;
	}
	struct snapshot s;
	snapshot_init(&s);
	long warm = n / 10 < 100 ? n / 10 : 100;
	for (long i = 0; i < warm; i++)
		source_sample(src, &s, err, sizeof(err));
	double *t = malloc(sizeof(double) * (size_t)n);
	size_t heap0 = mallinfo2().uordblks;
	double cpu0 = now_us(CLOCK_PROCESS_CPUTIME_ID);
	for (long i = 0; i < n; i++) {
		double a = now_us(CLOCK_MONOTONIC);
		if (source_sample(src, &s, err, sizeof(err)) != VT_OK) {
			fprintf(stderr, "bench_refresh: refresh %ld: %s\n", i, err);
			return 1;
		}
		t[i] = now_us(CLOCK_MONOTONIC) - a;
	}
	double cpu = now_us(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	size_t heap1 = mallinfo2().uordblks;
	qsort(t, (size_t)n, sizeof(double), cmp_double);
	printf("refreshes %ld gpus %zu procs %zu wall_us_median %.1f p90 %.1f cpu_us_per_refresh "
	       "%.1f heap_after_warmup %zu heap_end %zu\n",
	       n, s.ngpus, s.nprocs, t[n / 2], t[n * 9 / 10], cpu / (double)n, heap0, heap1);
	free(t);
	snapshot_free(&s);
	source_close(src);
	if (check_heap && heap1 > heap0) {
		fprintf(stderr, "bench_refresh: the heap grew by %zu bytes over %ld refreshes\n",
		        heap1 - heap0, n);
		return 1;
	}
	return 0;
}
