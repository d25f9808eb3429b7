/* predictor.c: the registry of OOM/phase algorithms and the shared names. */
#include "analysis/predictor.h"

#include <stddef.h>
#include <string.h>

static const struct predictor_ops *const algorithms[] = {
    &predictor_envelope_ops, /* PREDICTOR_DEFAULT */
    &predictor_variance_ops,
};

const struct predictor_ops *predictor_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
		if (strcmp(algorithms[i]->name, name) == 0)
			return algorithms[i];
	return NULL;
}

const char *vt_phase_name(enum vt_phase p)
{
	switch (p) {
	case PHASE_STABLE:
		return "stable";
	case PHASE_GROWING:
		return "growing";
	case PHASE_SHRINKING:
		return "shrinking";
	case PHASE_VOLATILE:
		return "volatile";
	}
	return "unknown";
}

void pred_params_default(struct pred_params *p)
{
	p->min_sustained_samples = 10;
	p->min_rate_mb_s = 1.0;
	p->refresh_s = 1.0;
}
