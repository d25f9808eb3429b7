/* toml.c: the strict TOML-subset parser of toml.h (one pass, one error). */
#include "config/toml_lex.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define TOML_MAX_INPUT  (1u << 20) /* bytes: pool offsets stay well inside 32 bits */
#define TOML_MAX_VALUES 20000
#define TOML_MAX_TABLES 2000
#define TOML_MAX_DEPTH  32 /* nested arrays */

static void pool_reserve(struct toml_doc *d, size_t extra)
{
	xgrow(&d->pool, &d->pool_cap, d->pool_len + extra, 256);
}

static uint32_t pool_add(struct toml_doc *d, const char *s, size_t n)
{
	pool_reserve(d, n + 1);
	uint32_t off = (uint32_t)d->pool_len;
	if (n)
		memcpy(d->pool + off, s, n);
	d->pool[off + n] = '\0';
	d->pool_len += n + 1;
	return off;
}

/* ---- the structure: tables and values ---- */

static uint32_t table_find_n(const struct toml_doc *d, const char *name, size_t len)
{
	for (size_t i = 0; i < d->ntables; i++)
		if (d->tables[i].name_len == len &&
		    memcmp(d->pool + d->tables[i].name_off, name, len) == 0)
			return (uint32_t)i;
	return TOML_NONE;
}

static uint32_t value_find_n(const struct toml_doc *d, uint32_t table, const char *key, size_t len)
{
	for (size_t i = 0; i < d->nvalues; i++) {
		const struct toml_value *v = &d->values[i];
		if (v->table == table && v->key_len == len &&
		    memcmp(d->pool + v->key_off, key, len) == 0)
			return (uint32_t)i;
	}
	return TOML_NONE;
}

static int table_add(struct parser *ps, const char *name, size_t len, uint32_t *out)
{
	struct toml_doc *d = ps->doc;
	if (d->ntables >= TOML_MAX_TABLES)
		return tl_fail(ps, "too many tables (more than %d)", TOML_MAX_TABLES);
	if (d->ntables == d->tables_cap) {
		d->tables_cap = d->tables_cap ? d->tables_cap * 2 : 16;
		d->tables = xreallocarray(d->tables, d->tables_cap, sizeof *d->tables);
	}
	struct toml_table *t = &d->tables[d->ntables];
	memset(t, 0, sizeof *t);
	t->name_off = pool_add(d, name, len);
	t->name_len = (uint32_t)len;
	*out = (uint32_t)d->ntables++;
	return 0;
}

static int value_add(struct parser *ps, uint32_t *out)
{
	struct toml_doc *d = ps->doc;
	if (d->nvalues >= TOML_MAX_VALUES)
		return tl_fail(ps, "too many values (more than %d)", TOML_MAX_VALUES);
	if (d->nvalues == d->values_cap) {
		d->values_cap = d->values_cap ? d->values_cap * 2 : 64;
		d->values = xreallocarray(d->values, d->values_cap, sizeof *d->values);
	}
	struct toml_value *v = &d->values[d->nvalues];
	memset(v, 0, sizeof *v);
	v->line = ps->line;
	v->table = TOML_NONE;
	v->next = TOML_NONE;
	*out = (uint32_t)d->nvalues++;
	return 0;
}

/* Prints a joined path with dots, for messages. */
static const char *path_show(const char *s, size_t n, char *buf, size_t cap)
{
	size_t i = 0;
	for (; i < n && i + 1 < cap; i++)
		buf[i] = s[i] == TOML_SEP ? '.' : s[i];
	buf[i] = '\0';
	return buf;
}

/* Is "parent/last" (the table path `full` of length n, whose last component
 * starts at `last`) already a plain value of its parent table? */
static int check_not_value(struct parser *ps, const char *full, size_t n, size_t last)
{
	size_t plen = last ? last - 1 : 0;
	uint32_t parent = table_find_n(ps->doc, full, plen);
	if (parent != TOML_NONE &&
	    value_find_n(ps->doc, parent, full + last, n - last) != TOML_NONE) {
		char show[256];
		return tl_fail(ps, "'%s' is already defined as a value",
		               path_show(full, n, show, sizeof show));
	}
	return 0;
}

/* Finds or creates each table along `kp` below `base` (all components when
 * upto == kp->ncomps). `header` is true for a [table] line, false for the
 * tables a dotted key implies. Sets *out to the last table. */
static int tables_walk(struct parser *ps, uint32_t base, const struct key_path *kp, size_t upto,
                       bool header, uint32_t *out)
{
	struct toml_doc *d = ps->doc;
	char full[TOML_KEYBUF * 2];
	size_t n = d->tables[base].name_len;
	memcpy(full, d->pool + d->tables[base].name_off, n);
	uint32_t t = base;
	for (size_t c = 0; c < upto; c++) {
		size_t cend = c + 1 < kp->ncomps ? kp->starts[c + 1] - 1 : kp->len;
		size_t clen = cend - kp->starts[c];
		if (n + 1 + clen > sizeof full)
			return tl_fail(ps, "table name too long");
		size_t last = n ? n + 1 : 0;
		if (n)
			full[n++] = TOML_SEP;
		memcpy(full + n, kp->buf + kp->starts[c], clen);
		n += clen;
		bool is_last = c + 1 == upto;
		if (check_not_value(ps, full, n, last) < 0)
			return -1;
		t = table_find_n(d, full, n);
		char show[256];
		if (t == TOML_NONE) {
			if (table_add(ps, full, n, &t) < 0)
				return -1;
			if (!header)
				d->tables[t].has_dotted = true;
		} else if (!header && d->tables[t].is_explicit) {
			return tl_fail(ps, "table [%s] is already defined (line %d)",
			               path_show(full, n, show, sizeof show), d->tables[t].line);
		} else if (header && is_last && d->tables[t].is_explicit) {
			return tl_fail(ps, "duplicate table [%s] (first defined on line %d)",
			               path_show(full, n, show, sizeof show), d->tables[t].line);
		} else if (header && is_last && d->tables[t].has_dotted) {
			return tl_fail(ps, "table [%s] was already defined by dotted keys",
			               path_show(full, n, show, sizeof show));
		}
		if (header && is_last) {
			d->tables[t].is_explicit = true;
			d->tables[t].line = ps->line;
		}
	}
	*out = t;
	return 0;
}

/* Parses the value at p into a new value slot; sets *out to its index. */
static int parse_value(struct parser *ps, uint32_t *out, int depth)
{
	if (depth > TOML_MAX_DEPTH)
		return tl_fail(ps, "arrays nested too deeply");
	uint32_t idx = TOML_NONE;
	if (value_add(ps, &idx) < 0)
		return -1;
	*out = idx;
	struct toml_doc *d = ps->doc;
	if (ps->p >= ps->end || tl_at_eol(ps))
		return tl_fail(ps, "expected a value");
	char c = *ps->p;
	if (c == '"' || c == '\'') {
		size_t need = (size_t)(ps->end - ps->p) + 4, n;
		pool_reserve(d, need + 1);
		if (tl_lex_string(ps, d->pool + d->pool_len, need, &n) < 0)
			return -1;
		d->values[idx].kind = TOML_STRING;
		d->values[idx].u.s.len = (uint32_t)n;
		d->values[idx].u.s.off = (uint32_t)d->pool_len;
		d->pool[d->pool_len + n] = '\0';
		d->pool_len += n + 1;
		return 0;
	}
	if (c == '{')
		return tl_fail(ps, "inline tables are not supported");
	if (c != '[') {
		struct toml_value v = d->values[idx];
		if (tl_lex_scalar(ps, &v) < 0)
			return -1;
		d->values[idx] = v;
		return 0;
	}
	/* an array: elements are linked through .next, in order */
	d->values[idx].kind = TOML_ARRAY;
	d->values[idx].u.arr.first = TOML_NONE;
	uint32_t last = TOML_NONE, count = 0;
	ps->p++;
	for (;;) {
		if (tl_skip_ws_nl(ps) < 0)
			return -1;
		if (ps->p < ps->end && *ps->p == ']')
			break;
		if (ps->p >= ps->end)
			return tl_fail(ps, "unterminated array");
		uint32_t el;
		if (parse_value(ps, &el, depth + 1) < 0)
			return -1;
		if (last == TOML_NONE)
			d->values[idx].u.arr.first = el;
		else
			d->values[last].next = el;
		last = el;
		count++;
		if (tl_skip_ws_nl(ps) < 0)
			return -1;
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']')
			break;
		if (ps->p >= ps->end)
			return tl_fail(ps, "unterminated array");
		return tl_fail(ps, "expected ',' or ']' in an array");
	}
	ps->p++;
	d->values[idx].u.arr.n = count;
	return 0;
}

static int parse_table_header(struct parser *ps)
{
	ps->p++;
	if (ps->p < ps->end && *ps->p == '[')
		return tl_fail(ps, "arrays of tables ([[...]]) are not supported");
	struct key_path kp;
	if (tl_lex_key(ps, &kp) < 0)
		return -1;
	if (ps->p >= ps->end || *ps->p != ']')
		return tl_fail(ps, "expected ']' after the table name");
	for (size_t c = 0; c < kp.ncomps; c++) {
		size_t end = c + 1 < kp.ncomps ? kp.starts[c + 1] - 1 : kp.len;
		if (end == kp.starts[c])
			return tl_fail(ps, "empty table names are not supported");
	}
	ps->p++;
	return tables_walk(ps, 0, &kp, kp.ncomps, true, &ps->cur);
}

static int parse_keyval(struct parser *ps)
{
	struct key_path kp;
	if (tl_lex_key(ps, &kp) < 0)
		return -1;
	if (ps->p >= ps->end || *ps->p != '=')
		return tl_fail(ps, "expected '=' after the key");
	ps->p++;
	tl_skip_ws(ps);
	uint32_t t = ps->cur;
	if (kp.ncomps > 1 && tables_walk(ps, ps->cur, &kp, kp.ncomps - 1, false, &t) < 0)
		return -1;
	struct toml_doc *d = ps->doc;
	const char *key = kp.buf + kp.starts[kp.ncomps - 1];
	size_t klen = kp.len - kp.starts[kp.ncomps - 1];
	char show[256];
	uint32_t prev = value_find_n(d, t, key, klen);
	if (prev != TOML_NONE)
		return tl_fail(ps, "duplicate key '%s' (first defined on line %d)",
		               path_show(kp.buf, kp.len, show, sizeof show), d->values[prev].line);
	/* a key that names an existing sub-table */
	char full[TOML_KEYBUF * 2];
	size_t n = d->tables[t].name_len;
	if (n + 1 + klen <= sizeof full) {
		memcpy(full, d->pool + d->tables[t].name_off, n);
		if (n)
			full[n++] = TOML_SEP;
		memcpy(full + n, key, klen);
		if (table_find_n(d, full, n + klen) != TOML_NONE)
			return tl_fail(ps, "key '%s' is already defined as a table",
			               path_show(kp.buf, kp.len, show, sizeof show));
	}
	uint32_t idx = TOML_NONE;
	if (parse_value(ps, &idx, 0) < 0)
		return -1;
	d->values[idx].table = t;
	d->values[idx].key_off = pool_add(d, key, klen);
	d->values[idx].key_len = (uint32_t)klen;
	return 0;
}

int toml_parse(struct toml_doc *doc, const char *src, size_t len)
{
	memset(doc, 0, sizeof *doc);
	struct parser ps = {.p = src, .end = src + len, .line = 1, .doc = doc, .cur = 0};
	if (table_add(&ps, "", 0, &ps.cur) < 0)
		return -1;
	if (len > TOML_MAX_INPUT)
		return tl_fail(&ps, "file too large (more than %u bytes)", TOML_MAX_INPUT);
	int bad = tl_utf8_check(src, len);
	if (bad) {
		ps.line = bad;
		return tl_fail(&ps, "invalid UTF-8");
	}
	/* a UTF-8 byte-order mark, as some editors write, only at the very start */
	if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
		ps.p += 3;
	while (ps.p < ps.end) {
		tl_skip_ws(&ps);
		if (ps.p < ps.end && *ps.p == '[') {
			if (parse_table_header(&ps) < 0)
				return -1;
		} else if (ps.p < ps.end && *ps.p != '#' && !tl_at_eol(&ps)) {
			if (parse_keyval(&ps) < 0)
				return -1;
		}
		tl_skip_ws(&ps);
		if (tl_skip_comment(&ps) < 0)
			return -1;
		if (!tl_at_eol(&ps)) {
			unsigned char c = (unsigned char)*ps.p;
			if (tl_is_ctrl(c))
				return tl_fail(&ps, "control character 0x%02x", c);
			char cbuf[16];
			return tl_fail(&ps, "unexpected text %s after the value",
			               tl_show_char((char)c, cbuf));
		}
		if (tl_eat_newline(&ps) < 0)
			return -1;
	}
	return 0;
}

void toml_free(struct toml_doc *doc)
{
	free(doc->tables);
	free(doc->values);
	free(doc->pool);
	doc->tables = NULL;
	doc->values = NULL;
	doc->pool = NULL;
	doc->ntables = doc->nvalues = doc->pool_len = 0;
	doc->tables_cap = doc->values_cap = doc->pool_cap = 0;
}

uint32_t toml_table_find(const struct toml_doc *doc, const char *name)
{
	return table_find_n(doc, name, strlen(name));
}

uint32_t toml_find(const struct toml_doc *doc, uint32_t table, const char *key)
{
	return value_find_n(doc, table, key, strlen(key));
}

const char *toml_table_name(const struct toml_doc *doc, uint32_t table)
{
	return doc->pool + doc->tables[table].name_off;
}

const char *toml_key(const struct toml_doc *doc, const struct toml_value *v)
{
	return doc->pool + v->key_off;
}

const char *toml_str(const struct toml_doc *doc, const struct toml_value *v)
{
	return doc->pool + v->u.s.off;
}

const char *toml_kind_name(enum toml_kind k)
{
	switch (k) {
	case TOML_STRING:
		return "string";
	case TOML_INT:
		return "integer";
	case TOML_FLOAT:
		return "float";
	case TOML_BOOL:
		return "boolean";
	case TOML_ARRAY:
		return "array";
	}
	return "?";
}
