/* table.c: the plain table sinks -- the refreshing table and --once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/error.h"
#include "core/xalloc.h"
#include "export/snapshot_fmt.h"
#include "sink/sinks.h"

struct table {
	struct sink base;
	FILE *out;
	bool clear, analysed, json;
	const struct config *cfg;
	struct jsonw w;
};

static struct table *table_of(struct sink *s)
{
	return (struct table *)s;
}

static int flushed(FILE *out, char *err, size_t errlen)
{
	if (fflush(out) == 0 && !ferror(out))
		return VT_OK;
	snprintf(err, errlen, "writing to the output failed: %s", strerror(errno));
	return VT_ERR;
}

/* Said under the table rather than leaving rows without user or name
 * unexplained: in a child PID namespace NVML's PIDs are the host's. */
static void pidns_note(FILE *out, const struct model *m)
{
	const struct enrich_env *e = model_env(m);
	if (e && e->pidns_isolated)
		fputs("note: vramtop runs in a PID namespace of its own (a container without "
		      "--pid=host): the PIDs are the host's, and processes this namespace cannot "
		      "see show no user or name\n",
		      out);
}

static int table_tick(struct sink *s, const struct model *m, char *err, size_t errlen)
{
	struct table *t = table_of(s);
	struct fmt_analysis fa = {.model = t->analysed ? m : NULL,
	                          .warn_s = t->cfg ? t->cfg->oom_warning_seconds : 0,
	                          .min_conf = t->cfg ? t->cfg->oom_min_confidence : 0};
	if (t->clear)
		fputs("\033[H\033[2J", t->out);
	snapshot_fmt_table(t->out, &m->snap, &fa);
	pidns_note(t->out, m);
	for (size_t i = 0; i < m->nevents; i++)
		fprintf(t->out, "event in the trace: %s, pid %d\n", m->events[i].event,
		        (int)m->events[i].pid);
	return flushed(t->out, err, errlen);
}

static int once_tick(struct sink *s, const struct model *m, char *err, size_t errlen)
{
	struct table *t = table_of(s);
	if (t->json) {
		snapshot_fmt_json(&t->w, &m->snap, m);
		fwrite(t->w.buf, 1, t->w.len, t->out);
		fputc('\n', t->out);
	} else {
		snapshot_fmt_table(t->out, &m->snap, NULL);
		pidns_note(t->out, m);
	}
	return flushed(t->out, err, errlen);
}

static void table_free(struct sink *s)
{
	struct table *t = table_of(s);
	jsonw_free(&t->w);
	free(t);
}

static const struct sink_ops table_ops = {.name = "table", .tick = table_tick, .free = table_free};
static const struct sink_ops once_ops = {.name = "output", .tick = once_tick, .free = table_free};

struct sink *sink_table_new(FILE *out, bool clear, bool analysed, const struct config *cfg)
{
	struct table *t = xcalloc(1, sizeof(*t));
	t->base = (struct sink){.ops = &table_ops, .essential = true};
	t->out = out;
	t->clear = clear;
	t->analysed = analysed;
	t->cfg = cfg;
	jsonw_init(&t->w);
	return &t->base;
}

struct sink *sink_once_new(FILE *out, bool json)
{
	struct table *t = xcalloc(1, sizeof(*t));
	t->base = (struct sink){.ops = &once_ops, .essential = true};
	t->out = out;
	t->json = json;
	jsonw_init(&t->w);
	return &t->base;
}
