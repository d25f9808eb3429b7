/* breakdown.h: a process's VRAM split into model weights (the sizes of the
 * model files it holds open) and dynamic memory (everything else:
 * activations, KV cache, optimizer state, allocator cache). Always an
 * estimate -- file sizes are not GPU bytes (dtype casts, quantisation,
 * sharding, files read but not uploaded) -- and labelled so. Pure. */
#ifndef VT_BREAKDOWN_H
#define VT_BREAKDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct breakdown {
	bool valid;          /* false: no model file known, nothing to split */
	bool estimate;       /* always true when valid: say "est." on screen */
	bool capped;         /* the files add up to more than the process uses */
	uint64_t weights;    /* bytes, at most used */
	uint64_t dynamic;    /* used - weights */
	double weights_frac; /* weights / used, [0, 1]; 0 when used is 0 */
};

/* used: the process's VRAM bytes; file_sizes: nfiles model file sizes. */
void breakdown_compute(uint64_t used, const uint64_t *file_sizes, size_t nfiles,
                       struct breakdown *out);

#endif
