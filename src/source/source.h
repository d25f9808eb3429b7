/* source.h: the seam every snapshot comes through. NVML, trace replay and (later)
 * remote are implementations; nothing downstream can tell them apart. A source
 * embeds struct source first and reaches its private state with container_of. */
#ifndef VT_SOURCE_H
#define VT_SOURCE_H

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

static inline void source_close(struct source *s)
{
	if (s)
		s->ops->close(s);
}

#endif
