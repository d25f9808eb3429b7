/* nvml_pcie.c: PCIe throughput, sampled off the refresh path by a helper thread.
 *
 * nvmlDeviceGetPcieThroughput measures over a window: NVML blocks ~20 ms per
 * counter, so TX + RX on 8 GPUs would stall a refresh for ~320 ms. The thread
 * reads them every knobs.pcie_interval_s (5 s by default, the first time one
 * interval after open) and leaves the last figures in struct nvml_gpu under
 * pcie_mu; a refresh only copies them. The
 * thread owns its own copy of the device handles and its own lost/unsupported
 * marks, so it shares nothing with the refresh but those figures. */
#include "source/nvml_api.h"

#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "core/xalloc.h"

void nvml_pcie_init(struct nvml_source *s)
{
	pthread_condattr_t ca;
	pthread_mutex_init(&s->pcie_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->pcie_cv, &ca);
	pthread_condattr_destroy(&ca);
}

/* Reads both counters of device d (index i); false once d should be left alone. */
static bool pcie_read(struct nvml_source *s, unsigned int i, struct nvml_device *d)
{
	unsigned int tx = 0, rx = 0;
	int rtx = s->fns.device_get_pcie_throughput(d, NVML_PCIE_UTIL_TX_BYTES, &tx);
	int rrx = rtx == NVML_ERROR_GPU_IS_LOST
	              ? rtx
	              : s->fns.device_get_pcie_throughput(d, NVML_PCIE_UTIL_RX_BYTES, &rx);
	uint32_t valid =
	    (rtx == NVML_SUCCESS ? GM_PCIE_TX : 0) | (rrx == NVML_SUCCESS ? GM_PCIE_RX : 0);

	pthread_mutex_lock(&s->pcie_mu);
	s->gpus[i].pcie_tx = tx;
	s->gpus[i].pcie_rx = rx;
	s->gpus[i].pcie_valid = valid;
	pthread_mutex_unlock(&s->pcie_mu);
	if (rtx == NVML_ERROR_GPU_IS_LOST || rrx == NVML_ERROR_GPU_IS_LOST)
		return false;
	return !(rtx == NVML_ERROR_NOT_SUPPORTED && rrx == NVML_ERROR_NOT_SUPPORTED);
}

/* Sleeps on pcie_cv (pcie_mu held) for one interval or until stop. */
static void pcie_wait(struct nvml_source *s)
{
	struct timespec due;
	double iv = s->knobs.pcie_interval_s;
	clock_gettime(CLOCK_MONOTONIC, &due);
	due.tv_sec += (time_t)iv;
	due.tv_nsec += (long)((iv - (double)(time_t)iv) * 1e9);
	if (due.tv_nsec >= 1000000000L) {
		due.tv_sec++;
		due.tv_nsec -= 1000000000L;
	}
	while (!s->pcie_stop && pthread_cond_timedwait(&s->pcie_cv, &s->pcie_mu, &due) == 0)
		;
}

/* The first round comes one interval after open, not at once: a refresh
 * right after open (vramtop --once) then always shows PCIe as N/A instead of
 * racing the thread. */
static void *pcie_main(void *arg)
{
	struct nvml_source *s = arg;

	pthread_mutex_lock(&s->pcie_mu);
	for (pcie_wait(s); !s->pcie_stop; pcie_wait(s)) {
		for (unsigned int i = 0; i < s->ngpus && !s->pcie_stop; i++) {
			struct nvml_device *d = s->pcie_devs[i];
			if (!d)
				continue;
			pthread_mutex_unlock(&s->pcie_mu);
			bool keep = pcie_read(s, i, d);
			pthread_mutex_lock(&s->pcie_mu);
			if (!keep)
				s->pcie_devs[i] = NULL;
		}
	}
	pthread_mutex_unlock(&s->pcie_mu);
	return NULL;
}

void nvml_pcie_start(struct nvml_source *s)
{
	s->pcie_devs = xcalloc(s->ngpus, sizeof(*s->pcie_devs));
	for (unsigned int i = 0; i < s->ngpus; i++)
		s->pcie_devs[i] = s->gpus[i].lost ? NULL : s->gpus[i].dev;
	s->pcie_stop = false;
	/* The sampler takes no signals: they belong to the loop's signalfd.
	 * Blocking them here (not for the whole init) keeps Ctrl-C working
	 * while NVML initialises, however long it hangs. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&s->pcie_thread, NULL, pcie_main, s) == 0)
		s->pcie_running = true;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void nvml_pcie_stop(struct nvml_source *s)
{
	if (s->pcie_running) {
		pthread_mutex_lock(&s->pcie_mu);
		s->pcie_stop = true;
		pthread_cond_signal(&s->pcie_cv);
		pthread_mutex_unlock(&s->pcie_mu);
		pthread_join(s->pcie_thread, NULL);
		s->pcie_running = false;
	}
	free(s->pcie_devs);
	s->pcie_devs = NULL;
}
