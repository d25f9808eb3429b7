/* config.c: loading the configuration file against the schema -- FILE:LINE
 * diagnostics with "did you mean", all-or-nothing application, reload and
 * --check-config. */
#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/schema.h"
#include "config/secrets.h"
#include "config/toml.h"
#include "core/error.h"
#include "core/sanitize.h"
#include "core/xalloc.h"

#define CONFIG_MAX_FILE (1u << 20)

void config_diag_add(struct config_diags *d, const char *file, int line, const char *fmt, ...)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->items = xreallocarray(d->items, d->cap, sizeof *d->items);
	}
	struct config_diag *g = &d->items[d->n++];
	g->line = line;
	/* The file name and the message quote outside text (the path, keys,
	 * values, table names): each goes through the sanitiser here, so that no
	 * caller can print an escape sequence from the file. */
	char where[VT_SANITIZE_MAX + 1], raw[1024];
	vt_sanitize_str(where, sizeof where, file);
	int n = line > 0 ? snprintf(g->text, sizeof g->text, "%s:%d: ", where, line)
	                 : snprintf(g->text, sizeof g->text, "%s: ", where);
	if (n < 0 || (size_t)n >= sizeof g->text)
		return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	vt_sanitize(g->text + n, sizeof g->text - (size_t)n, raw,
	            (size_t)m < sizeof raw ? (size_t)m : sizeof raw - 1);
}

void config_diags_free(struct config_diags *d)
{
	free(d->items);
	d->items = NULL;
	d->n = d->cap = 0;
}

/* Optimal string alignment distance (edits and adjacent transpositions). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return SIZE_MAX;
	size_t d[64][64];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

const char *config_closest(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word), limit = len / 3;
	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t dist = edit_distance(word, cands[i]);
		if (dist <= limit && dist < best_d) {
			best = cands[i];
			best_d = dist;
		}
	}
	return best;
}

/* A table path as the user wrote it: components joined by dots. */
static const char *table_show(const struct toml_doc *doc, uint32_t t, char *buf, size_t cap)
{
	const char *s = toml_table_name(doc, t);
	size_t i = 0;
	for (; s[i] && i + 1 < cap; i++)
		buf[i] = s[i] == TOML_SEP ? '.' : s[i];
	buf[i] = '\0';
	return buf;
}

static void report_unknown_table(const struct toml_doc *doc, uint32_t t, const char *file,
                                 struct config_diags *d)
{
	int line = doc->tables[t].is_explicit ? doc->tables[t].line : 0;
	for (size_t i = 0; !line && i < doc->nvalues; i++)
		if (doc->values[i].table == t)
			line = doc->values[i].line;
	if (!line)
		return; /* only implied by a sub-table, which is reported itself */
	char name[128];
	table_show(doc, t, name, sizeof name);
	const char *near = config_closest(name, schema_sections, schema_nsections);
	if (near)
		config_diag_add(d, file, line, "unknown section [%s] (did you mean [%s]?)", name,
		                near);
	else
		config_diag_add(d, file, line, "unknown section [%s]", name);
}

static void report_unknown_key(const char *section, const char *key, int line, const char *file,
                               struct config_diags *d)
{
	const char *names[64];
	size_t n = 0;
	for (size_t i = 0; i < schema_nkeys; i++)
		if (strcmp(schema_keys[i].section, section) == 0 && !schema_keys[i].cli_only)
			names[n++] = schema_keys[i].name;
	const char *near = config_closest(key, names, n);
	if (near) {
		config_diag_add(d, file, line, "unknown key '%s' in [%s] (did you mean '%s'?)", key,
		                section, near);
		return;
	}
	for (size_t i = 0; i < schema_nkeys; i++)
		if (strcmp(schema_keys[i].name, key) == 0 && !schema_keys[i].cli_only) {
			if (*section)
				config_diag_add(d, file, line,
				                "unknown key '%s' in [%s] (it belongs in [%s])",
				                key, section, schema_keys[i].section);
			else
				config_diag_add(
				    d, file, line,
				    "key '%s' is outside any section (it belongs in [%s])", key,
				    schema_keys[i].section);
			return;
		}
	if (*section)
		config_diag_add(d, file, line, "unknown key '%s' in [%s]", key, section);
	else
		config_diag_add(d, file, line, "key '%s' is outside any section", key);
}

static const char *type_wanted(enum schema_kind k)
{
	switch (k) {
	case SK_FLOAT:
		return "a number";
	case SK_INT:
		return "an integer";
	case SK_BOOL:
		return "true or false";
	case SK_ENUM:
	case SK_ADDR:
		return "a string";
	case SK_PORTS:
		return "an array of port numbers";
	}
	return "?";
}

/* Checks one value against its key and stores it into *c. */
static int apply_value(struct config *c, const struct schema_key *k, const struct toml_doc *doc,
                       const struct toml_value *v, char *err, size_t errlen)
{
	bool ok_type = (k->kind == SK_FLOAT && (v->kind == TOML_FLOAT || v->kind == TOML_INT)) ||
	               (k->kind == SK_INT && v->kind == TOML_INT) ||
	               (k->kind == SK_BOOL && v->kind == TOML_BOOL) ||
	               ((k->kind == SK_ENUM || k->kind == SK_ADDR) && v->kind == TOML_STRING) ||
	               (k->kind == SK_PORTS && v->kind == TOML_ARRAY);
	if (!ok_type) {
		snprintf(err, errlen, "%s.%s: expected %s, got %s %s", k->section, k->name,
		         type_wanted(k->kind),
		         v->kind == TOML_INT || v->kind == TOML_ARRAY ? "an" : "a",
		         toml_kind_name(v->kind));
		return -1;
	}
	switch (k->kind) {
	case SK_FLOAT:
		return schema_set_float(c, k, v->kind == TOML_INT ? (double)v->u.i : v->u.f, err,
		                        errlen);
	case SK_INT:
		return schema_set_int(c, k, v->u.i, err, errlen);
	case SK_BOOL:
		return schema_set_bool(c, k, v->u.b);
	case SK_ENUM:
	case SK_ADDR:
		return schema_set_string(c, k, toml_str(doc, v), err, errlen);
	case SK_PORTS:
		break;
	}
	int64_t ports[CONFIG_MAX_PORTS + 1];
	size_t n = 0, pos = 0;
	for (uint32_t e = v->u.arr.first; e != TOML_NONE; e = doc->values[e].next) {
		const struct toml_value *el = &doc->values[e];
		pos++;
		if (el->kind != TOML_INT) {
			snprintf(err, errlen, "%s.%s: element %zu is %s %s, not a port number",
			         k->section, k->name, pos,
			         el->kind == TOML_INT || el->kind == TOML_ARRAY ? "an" : "a",
			         toml_kind_name(el->kind));
			return -1;
		}
		if (n < CONFIG_MAX_PORTS + 1)
			ports[n++] = el->u.i;
	}
	return schema_set_ports(c, k, ports, n, err, errlen);
}

void config_diags_sort(struct config_diags *d, size_t from)
{
	for (size_t i = from + 1; i < d->n; i++) {
		struct config_diag g = d->items[i];
		size_t j = i;
		for (; j > from && d->items[j - 1].line > g.line; j--)
			d->items[j] = d->items[j - 1];
		d->items[j] = g;
	}
}

int config_load_buffer(struct config *c, const char *name, const char *buf, size_t len,
                       struct config_diags *diags)
{
	size_t first = diags->n;
	struct toml_doc doc;
	if (toml_parse(&doc, buf, len) < 0) {
		config_diag_add(diags, name, doc.err_line, "syntax error: %s", doc.err);
		toml_free(&doc);
		return VT_ERR;
	}
	struct config tmp = *c;
	for (uint32_t t = 1; t < doc.ntables; t++) {
		const char *tn = toml_table_name(&doc, t);
		bool known = false;
		for (size_t s = 0; s < schema_nsections; s++)
			known |= strcmp(tn, schema_sections[s]) == 0;
		if (!known)
			report_unknown_table(&doc, t, name, diags);
	}
	for (size_t i = 0; i < doc.nvalues; i++) {
		const struct toml_value *v = &doc.values[i];
		if (v->table == TOML_NONE)
			continue; /* an array element */
		const char *section = toml_table_name(&doc, v->table);
		const char *key = toml_key(&doc, v);
		bool known_section = !*section;
		for (size_t s = 0; s < schema_nsections; s++)
			known_section |= strcmp(section, schema_sections[s]) == 0;
		if (!known_section)
			continue; /* reported once, above */
		const struct schema_key *k = schema_find(section, key);
		if (!k) {
			report_unknown_key(section, key, v->line, name, diags);
			continue;
		}
		if (k->cli_only) {
			config_diag_add(diags, name, v->line,
			                "%s.%s can only be set on the command line (--%s)", section,
			                key, key);
			continue;
		}
		char err[400];
		if (apply_value(&tmp, k, &doc, v, err, sizeof err) < 0)
			config_diag_add(diags, name, v->line, "%s", err);
	}
	toml_free(&doc);
	if (diags->n > first) {
		config_diags_sort(diags, first);
		return VT_ERR;
	}
	*c = tmp;
	return VT_OK;
}

/* Reads the whole file at path into a new buffer. Returns 0, -ENOENT for a
 * missing file, or -1 with a message appended. */
static int read_file(const char *path, char **out, size_t *len, struct config_diags *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		config_diag_add(d, path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat st;
	const char *why = NULL;
	if (fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size > (off_t)CONFIG_MAX_FILE)
		why = "file too large (more than 1 MiB)";
	if (why) {
		config_diag_add(d, path, 0, "%s", why);
		close(fd);
		return -1;
	}
	char *buf = xmalloc((size_t)st.st_size + 1);
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			config_diag_add(d, path, 0, "cannot read: %s", strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (r == 0 || (n += (size_t)r) > (size_t)st.st_size)
			break;
	}
	close(fd);
	if (n > (size_t)st.st_size) {
		config_diag_add(d, path, 0, "file changed while being read");
		free(buf);
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

char *config_default_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && xdg[0] == '/')
		snprintf(buf, len, "%s/vramtop/config.toml", xdg);
	else
		snprintf(buf, len, "%s/.config/vramtop/config.toml", home && *home ? home : ".");
	return buf;
}

/* config_load_file, and whether there was a file: *found is false when the
 * default path has none (VT_OK, nothing read). */
static int load_file(struct config *c, const char *path, struct config_diags *diags, bool *found)
{
	char def[4096];
	config_default_path(def, sizeof def);
	bool is_default = !path || strcmp(path, def) == 0;
	if (!path)
		path = def;
	char *buf;
	size_t len;
	*found = false;
	int rc = read_file(path, &buf, &len, diags);
	if (rc == -ENOENT) {
		if (is_default)
			return VT_OK;
		config_diag_add(diags, path, 0, "cannot open: %s", strerror(ENOENT));
		return VT_ERR;
	}
	*found = true;
	if (rc < 0)
		return VT_ERR;
	rc = config_load_buffer(c, path, buf, len, diags);
	free(buf);
	return rc;
}

int config_load_file(struct config *c, const char *path, struct config_diags *diags)
{
	bool found;
	return load_file(c, path, diags, &found);
}

int config_reload(struct config *live, const char *path, struct config_diags *diags)
{
	struct config fresh;
	config_defaults(&fresh);
	if (config_load_file(&fresh, path, diags) != VT_OK)
		return VT_ERR;
	for (size_t i = 0; i < schema_nkeys; i++) {
		const struct schema_key *k = &schema_keys[i];
		if (!(live->cli_mask & (1ull << i)))
			continue;
		memcpy((char *)&fresh + k->off, (const char *)live + k->off, k->size);
		if (k->kind == SK_PORTS)
			fresh.n_allowed_ports = live->n_allowed_ports;
	}
	fresh.accessible = live->accessible;
	fresh.cli_mask = live->cli_mask;
	*live = fresh;
	return VT_OK;
}

int config_check_file(const char *path, struct config_diags *diags, FILE *out)
{
	char def[4096], spath[4096];
	if (!path)
		path = config_default_path(def, sizeof def);
	size_t first = diags->n;
	struct config c;
	config_defaults(&c);
	bool found;
	load_file(&c, path, diags, &found);
	secrets_check(secrets_path_beside(path, spath, sizeof spath), diags);
	for (size_t i = first; i < diags->n; i++)
		fprintf(out, "%s\n", diags->items[i].text);
	if (diags->n > first)
		return VT_ERR;
	if (found) {
		fputs("ok\n", out);
	} else {
		char shown[VT_SANITIZE_MAX + 1];
		vt_sanitize_str(shown, sizeof shown, path);
		fprintf(out, "%s: no configuration file; the defaults apply\n", shown);
	}
	return VT_OK;
}

char *config_diags_summary(const struct config_diags *d, char *buf, size_t len)
{
	if (d->n == 0)
		snprintf(buf, len, "config: ok");
	else if (d->n == 1)
		snprintf(buf, len, "config: %s", d->items[0].text);
	else
		snprintf(buf, len, "config: %s (and %zu more problem%s)", d->items[0].text,
		         d->n - 1, d->n > 2 ? "s" : "");
	return buf;
}
