/* rise_clock.h: when a cumulative counter (deep mode's allocator retries,
 * for the verdict) last rose. Start it with the first value seen: what the counter
 * held before vramtop looked is not "lately". */
#ifndef VT_RISE_CLOCK_H
#define VT_RISE_CLOCK_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

struct rise_clock {
	uint64_t last; /* the value last seen */
	double t;      /* when it last rose; -INFINITY if it has not since the start */
};

static inline void rise_clock_start(struct rise_clock *c, uint64_t v)
{
	c->last = v;
	c->t = -INFINITY;
}

static inline void rise_clock_see(struct rise_clock *c, uint64_t v, double t)
{
	if (v > c->last)
		c->t = t;
	c->last = v;
}

/* Whether it rose within the last `window` seconds before t. */
static inline bool rise_clock_within(const struct rise_clock *c, double t, double window)
{
	return t - c->t <= window;
}

#endif
