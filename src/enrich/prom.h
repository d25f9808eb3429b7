/* prom.h: a strict parser of the Prometheus text exposition format (0.0.4),
 * as inference servers serve it on /metrics. Strict: a line that is not a
 * comment, a blank or a well-formed sample (name, optional {labels}, a value,
 * an optional integer timestamp) fails the whole body, and so do invalid
 * UTF-8 and control characters. Pure, allocates nothing; fuzzed
 * (tests/fuzz/fuzz_prom.c). */
#ifndef VT_PROM_H
#define VT_PROM_H

#include <stdbool.h>
#include <stddef.h>

struct prom_sample {
	const char *name;
	size_t name_len;
	const char *labels; /* between the braces, as written ("" when none) */
	size_t labels_len;
	double value; /* NaN and +-Inf allowed, as the format says */
};

/* Called for each sample; return false to stop (prom_parse then returns 0). */
typedef bool (*prom_fn)(const struct prom_sample *s, void *arg);

/* 0 when the whole body is well-formed (or fn stopped it), else the 1-based
 * number of the first bad line, with why in err. */
size_t prom_parse(const char *buf, size_t len, prom_fn fn, void *arg, char *err, size_t errlen);

/* Is the sample named exactly name? */
bool prom_is(const struct prom_sample *s, const char *name);
/* The value of label key, unescaped into out (cap >= 1); false when absent. */
bool prom_label(const struct prom_sample *s, const char *key, char *out, size_t cap);

#endif
