/* breakdown.c: weights vs dynamic memory of one process (see breakdown.h). */
#include "analysis/breakdown.h"

void breakdown_compute(uint64_t used, const uint64_t *file_sizes, size_t nfiles,
                       struct breakdown *out)
{
	*out = (struct breakdown){0};
	uint64_t sum = 0;
	bool overflow = false;
	for (size_t i = 0; file_sizes && i < nfiles; i++) {
		if (file_sizes[i] > UINT64_MAX - sum) {
			overflow = true;
			sum = UINT64_MAX;
			break;
		}
		sum += file_sizes[i];
	}
	if (sum == 0 && !overflow)
		return;
	out->valid = true;
	out->estimate = true;
	if (sum > used) {
		out->capped = true;
		sum = used;
	}
	out->weights = sum;
	out->dynamic = used - sum;
	out->weights_frac = used ? (double)sum / (double)used : 0.0;
}
