/* source.h: the seam every snapshot comes through. NVML, trace replay and (later)
 * remote are implementations; nothing downstream can tell them apart. A source
 * embeds struct source first and reaches its private state with container_of. */
#ifndef VT_SOURCE_H
#define VT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/snapshot.h"

struct source;

struct source_ops {
	const char *name;
	/* Fill *out (reset first) with the next sample. Returns VT_OK, VT_EOF when
	 * a finite source is exhausted, or VT_ERR with err filled. A per-GPU
	 * failure is not an error of the call: that GPU is marked in the snapshot. */
	int (*sample)(struct source *src, struct snapshot *out, char *err, size_t errlen);
	void (*close)(struct source *src);
	/* Optional. After sample() returned VT_AGAIN (a GPU answered "unknown
	 * error" and is worth asking again): seconds to wait before calling
	 * sample() again with the same *out, which then completes the sample.
	 * The caller waits on a timer, never in a sleep. */
	double (*retry_delay)(struct source *src);
	/* Optional: PIDs of this host, to be resolved through /proc (NVML);
	 * false for a trace, whose rows carry their identity already. */
	bool live_pids;
};

struct source {
	const struct source_ops *ops;
};

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#endif

static inline int source_sample(struct source *s, struct snapshot *out, char *err, size_t errlen)
{
	return s->ops->sample(s, out, err, errlen);
}

static inline double source_retry_delay(struct source *s)
{
	return s->ops->retry_delay ? s->ops->retry_delay(s) : 0.0;
}

static inline void source_close(struct source *s)
{
	if (s)
		s->ops->close(s);
}

#endif
