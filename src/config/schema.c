/* schema.c: every configuration key -- defaults, ranges, checked setters --
 * and what is driven by the table alone: printing, diffing, CLI overrides. */
#include "config/schema.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml.h"
#include "core/error.h"
#include "core/sanitize.h"
#include "core/xalloc.h"

static const char *const themes[] = {"dark",    "light",     "nord", "catppuccin",
                                     "dracula", "solarized", NULL};
static const char *const layouts[] = {"auto", "full", "compact", "mini", NULL};
static const char *const algorithms[] = {"envelope", "variance", NULL};

#define F(field) offsetof(struct config, field), sizeof(((struct config *)0)->field)

const struct schema_key schema_keys[] = {
    {"general", "refresh_rate", SK_FLOAT, F(refresh_rate), 0.5, 10, NULL, false},
    {"general", "history_length", SK_INT, F(history_length), 10, 86400, NULL, false},
    {"alerts", "oom_warning_seconds", SK_FLOAT, F(oom_warning_seconds), 1, 86400, NULL, false},
    {"alerts", "temp_warning_celsius", SK_INT, F(temp_warning_celsius), 30, 120, NULL, false},
    {"alerts", "oom_min_confidence", SK_FLOAT, F(oom_min_confidence), 0, 1, NULL, false},
    {"display", "theme", SK_ENUM, F(theme), 0, 0, themes, false},
    {"display", "layout", SK_ENUM, F(layout), 0, 0, layouts, false},
    {"display", "show_other_users", SK_BOOL, F(show_other_users), 0, 0, NULL, false},
    {"display", "enable_kill", SK_BOOL, F(enable_kill), 0, 0, NULL, false},
    {"display", "phase_indicator", SK_BOOL, F(phase_indicator), 0, 0, NULL, false},
    {"display", "accessible", SK_BOOL, F(accessible), 0, 0, NULL, true},
    {"scraping", "enable", SK_BOOL, F(scraping_enable), 0, 0, NULL, false},
    {"scraping", "rate_limit_seconds", SK_FLOAT, F(rate_limit_seconds), 1, 3600, NULL, false},
    {"scraping", "timeout_ms", SK_INT, F(timeout_ms), 50, 10000, NULL, false},
    {"scraping", "allowed_ports", SK_PORTS, F(allowed_ports), 1, 65535, NULL, false},
    {"oom_prediction", "algorithm", SK_ENUM, F(algorithm), 0, 0, algorithms, false},
    {"oom_prediction", "min_sustained_samples", SK_INT, F(min_sustained_samples), 3, 1000, NULL,
     false},
    {"oom_prediction", "min_rate_mb_per_sec", SK_FLOAT, F(min_rate_mb_per_sec), 0, 100000, NULL,
     false},
    {"export", "prometheus_bind", SK_ADDR, F(prometheus_bind), 0, 0, NULL, false},
    {"export", "prometheus_port", SK_INT, F(prometheus_port), 0, 65535, NULL, false},
    {"export", "prometheus_max_processes", SK_INT, F(prometheus_max_processes), 1, 10000, NULL,
     false},
};
const size_t schema_nkeys = sizeof schema_keys / sizeof schema_keys[0];
_Static_assert(sizeof schema_keys / sizeof schema_keys[0] <= 64, "cli_mask has 64 bits");

const char *const schema_sections[] = {"general",  "alerts",         "display",
                                       "scraping", "oom_prediction", "export"};
const size_t schema_nsections = sizeof schema_sections / sizeof schema_sections[0];

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->refresh_rate = 1.0;
	c->history_length = 300;
	c->oom_warning_seconds = 300;
	c->temp_warning_celsius = 85;
	c->oom_min_confidence = 0.3;
	vt_strlcpy(c->theme, "dark", sizeof c->theme);
	vt_strlcpy(c->layout, "auto", sizeof c->layout);
	c->show_other_users = false;
	c->enable_kill = true;
	c->phase_indicator = true;
	c->accessible = false;
	c->scraping_enable = true;
	c->rate_limit_seconds = 5;
	c->timeout_ms = 500;
	static const int ports[] = {8000, 8080, 11434, 3000};
	memcpy(c->allowed_ports, ports, sizeof ports);
	c->n_allowed_ports = sizeof ports / sizeof ports[0];
	vt_strlcpy(c->algorithm, "envelope", sizeof c->algorithm);
	c->min_sustained_samples = 10;
	c->min_rate_mb_per_sec = 1.0;
	vt_strlcpy(c->prometheus_bind, "127.0.0.1", sizeof c->prometheus_bind);
	c->prometheus_port = 0;
	c->prometheus_max_processes = 20;
}

const struct schema_key *schema_find(const char *section, const char *name)
{
	for (size_t i = 0; i < schema_nkeys; i++)
		if (strcmp(schema_keys[i].section, section) == 0 &&
		    strcmp(schema_keys[i].name, name) == 0)
			return &schema_keys[i];
	return NULL;
}

static void *field(struct config *c, const struct schema_key *k)
{
	return (char *)c + k->off;
}

static const void *cfield(const struct config *c, const struct schema_key *k)
{
	return (const char *)c + k->off;
}

static int out_of_range(const struct schema_key *k, const char *shown, char *err, size_t errlen)
{
	char lo[40], hi[40];
	if (k->kind == SK_FLOAT) {
		toml_format_float(lo, sizeof lo, k->lo);
		toml_format_float(hi, sizeof hi, k->hi);
	} else {
		snprintf(lo, sizeof lo, "%" PRId64, (int64_t)k->lo);
		snprintf(hi, sizeof hi, "%" PRId64, (int64_t)k->hi);
	}
	snprintf(err, errlen, "%s.%s: %s is out of range (%s to %s)", k->section, k->name, shown,
	         lo, hi);
	return -1;
}

int schema_set_float(struct config *c, const struct schema_key *k, double x, char *err,
                     size_t errlen)
{
	if (!(x >= k->lo && x <= k->hi)) { /* also refuses nan */
		char shown[40];
		return out_of_range(k, toml_format_float(shown, sizeof shown, x), err, errlen);
	}
	*(double *)field(c, k) = x;
	return 0;
}

int schema_set_int(struct config *c, const struct schema_key *k, int64_t x, char *err,
                   size_t errlen)
{
	if ((double)x < k->lo || (double)x > k->hi) {
		char shown[24];
		snprintf(shown, sizeof shown, "%" PRId64, x);
		return out_of_range(k, shown, err, errlen);
	}
	*(int *)field(c, k) = (int)x;
	return 0;
}

int schema_set_bool(struct config *c, const struct schema_key *k, bool x)
{
	*(bool *)field(c, k) = x;
	return 0;
}

int schema_set_string(struct config *c, const struct schema_key *k, const char *s, char *err,
                      size_t errlen)
{
	if (k->kind == SK_ENUM) {
		size_t n = 0;
		for (; k->choices[n]; n++)
			if (strcmp(s, k->choices[n]) == 0) {
				vt_strlcpy(field(c, k), s, k->size);
				return 0;
			}
		char list[160] = "";
		size_t used = 0;
		for (size_t i = 0; i < n && used < sizeof list; i++)
			used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
			                         i ? ", " : "", k->choices[i]);
		const char *near = config_closest(s, k->choices, n);
		char hint[64] = "";
		if (near)
			snprintf(hint, sizeof hint, " (did you mean \"%s\"?)", near);
		snprintf(err, errlen, "%s.%s: \"%.60s\" is not one of %s%s", k->section, k->name, s,
		         list, hint);
		return -1;
	}
	/* SK_ADDR */
	unsigned char bin[16];
	if (strlen(s) >= k->size ||
	    (inet_pton(AF_INET, s, bin) != 1 && inet_pton(AF_INET6, s, bin) != 1)) {
		snprintf(
		    err, errlen,
		    "%s.%s: \"%.60s\" is not an IP address (use 127.0.0.1, ::1, 0.0.0.0 or ::)",
		    k->section, k->name, s);
		return -1;
	}
	vt_strlcpy(field(c, k), s, k->size);
	return 0;
}

int schema_set_ports(struct config *c, const struct schema_key *k, const int64_t *ports, size_t n,
                     char *err, size_t errlen)
{
	if (n > CONFIG_MAX_PORTS) {
		snprintf(err, errlen, "%s.%s: at most %d ports", k->section, k->name,
		         CONFIG_MAX_PORTS);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if ((double)ports[i] < k->lo || (double)ports[i] > k->hi) {
			char shown[24];
			snprintf(shown, sizeof shown, "port %" PRId64, ports[i]);
			return out_of_range(k, shown, err, errlen);
		}
		for (size_t j = 0; j < i; j++)
			if (ports[j] == ports[i]) {
				snprintf(err, errlen, "%s.%s: port %" PRId64 " is listed twice",
				         k->section, k->name, ports[i]);
				return -1;
			}
	}
	for (size_t i = 0; i < n; i++)
		c->allowed_ports[i] = (int)ports[i];
	c->n_allowed_ports = n;
	return 0;
}

/* ---- printing ---- */

static void print_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04X", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void print_value(FILE *out, const struct config *c, const struct schema_key *k)
{
	char buf[40];
	const void *f = cfield(c, k);
	switch (k->kind) {
	case SK_FLOAT:
		fputs(toml_format_float(buf, sizeof buf, *(const double *)f), out);
		break;
	case SK_INT:
		fprintf(out, "%d", *(const int *)f);
		break;
	case SK_BOOL:
		fputs(*(const bool *)f ? "true" : "false", out);
		break;
	case SK_ENUM:
	case SK_ADDR:
		print_string(out, f);
		break;
	case SK_PORTS:
		fputc('[', out);
		for (size_t i = 0; i < c->n_allowed_ports; i++)
			fprintf(out, "%s%d", i ? ", " : "", c->allowed_ports[i]);
		fputc(']', out);
		break;
	}
}

void config_print(const struct config *c, FILE *out)
{
	fputs("# vramtop configuration (the effective values; see docs/configuration.md)\n", out);
	for (size_t s = 0; s < schema_nsections; s++) {
		fprintf(out, "\n[%s]\n", schema_sections[s]);
		for (size_t i = 0; i < schema_nkeys; i++) {
			const struct schema_key *k = &schema_keys[i];
			if (strcmp(k->section, schema_sections[s]) != 0)
				continue;
			if (k->cli_only) {
				fprintf(out, "# %s = %s (command line only)\n", k->name,
				        *(const bool *)cfield(c, k) ? "true" : "false");
				continue;
			}
			fprintf(out, "%s = ", k->name);
			print_value(out, c, k);
			fputc('\n', out);
		}
	}
}

static bool key_equal(const struct config *a, const struct config *b, const struct schema_key *k)
{
	if (k->kind == SK_PORTS)
		return a->n_allowed_ports == b->n_allowed_ports &&
		       memcmp(a->allowed_ports, b->allowed_ports,
		              a->n_allowed_ports * sizeof a->allowed_ports[0]) == 0;
	if (k->kind == SK_ENUM || k->kind == SK_ADDR)
		return strcmp(cfield(a, k), cfield(b, k)) == 0;
	return memcmp(cfield(a, k), cfield(b, k), k->size) == 0;
}

char *config_changes(const struct config *a, const struct config *b, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < schema_nkeys && used < len; i++) {
		const struct schema_key *k = &schema_keys[i];
		if (!key_equal(a, b, k))
			used += (size_t)snprintf(buf + used, len - used, "%s%s.%s",
			                         used ? ", " : "", k->section, k->name);
	}
	return buf;
}

/* ---- the command line ---- */

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
	                                                                            "off", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0)
			return *out = true, 0;
		if (strcmp(v, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

/* Comma-separated integers; an empty string is an empty list. */
static int parse_ports(const char *v, int64_t *ports, size_t *n)
{
	*n = 0;
	while (*v) {
		char *end;
		errno = 0;
		long long x = strtoll(v, &end, 10);
		if (end == v || errno || (*end && *end != ','))
			return -1;
		if (*n < CONFIG_MAX_PORTS + 1)
			ports[(*n)++] = x;
		v = *end ? end + 1 : end;
	}
	return 0;
}

static int set_cli(struct config *c, const char *key, const char *value, char *err, size_t errlen)
{
	const char *dot = strchr(key, '.');
	char section[32] = "";
	if (dot && (size_t)(dot - key) < sizeof section)
		memcpy(section, key, (size_t)(dot - key));
	const struct schema_key *k = dot ? schema_find(section, dot + 1) : NULL;
	if (!k) {
		snprintf(err, errlen, "unknown setting '%s'", key);
		return VT_E_USAGE;
	}
	struct config tmp = *c;
	int rc = 0;
	char *end;
	switch (k->kind) {
	case SK_FLOAT: {
		errno = 0;
		double x = strtod_l(value, &end, toml_c_locale());
		if (end == value || *end || errno == ERANGE) {
			snprintf(err, errlen, "%s.%s: '%s' is not a number", k->section, k->name,
			         value);
			return VT_E_USAGE;
		}
		rc = schema_set_float(&tmp, k, x, err, errlen);
		break;
	}
	case SK_INT: {
		errno = 0;
		long long x = strtoll(value, &end, 10);
		if (end == value || *end || errno == ERANGE) {
			snprintf(err, errlen, "%s.%s: '%s' is not a whole number", k->section,
			         k->name, value);
			return VT_E_USAGE;
		}
		rc = schema_set_int(&tmp, k, x, err, errlen);
		break;
	}
	case SK_BOOL: {
		bool b;
		if (parse_bool(value, &b) < 0) {
			snprintf(err, errlen, "%s.%s: '%s' is not true or false", k->section,
			         k->name, value);
			return VT_E_USAGE;
		}
		rc = schema_set_bool(&tmp, k, b);
		break;
	}
	case SK_ENUM:
	case SK_ADDR:
		rc = schema_set_string(&tmp, k, value, err, errlen);
		break;
	case SK_PORTS: {
		int64_t ports[CONFIG_MAX_PORTS + 1];
		size_t n;
		if (parse_ports(value, ports, &n) < 0) {
			snprintf(err, errlen, "%s.%s: '%s' is not a list of ports like 8000,8080",
			         k->section, k->name, value);
			return VT_E_USAGE;
		}
		rc = schema_set_ports(&tmp, k, ports, n, err, errlen);
		break;
	}
	}
	if (rc < 0)
		return VT_E_USAGE;
	tmp.cli_mask |= 1ull << (k - schema_keys);
	*c = tmp;
	return VT_OK;
}

int config_set_cli(struct config *c, const char *key, const char *value, char *err, size_t errlen)
{
	int rc = set_cli(c, key, value, err, errlen);
	if (rc != VT_OK && errlen) {
		/* the message quotes the command line: no escape reaches the terminal */
		char raw[512];
		vt_strlcpy(raw, err, sizeof raw);
		vt_sanitize_str(err, errlen, raw);
	}
	return rc;
}
