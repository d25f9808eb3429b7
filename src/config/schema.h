/* schema.h: private to src/config -- the table of every configuration key
 * (section, name, type, range, place in struct config) and the checked
 * setters that the file loader and the command line share. */
#ifndef VT_CONFIG_SCHEMA_H
#define VT_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

enum schema_kind {
	SK_FLOAT, /* double; a TOML integer is accepted too */
	SK_INT,   /* int */
	SK_BOOL,
	SK_ENUM,  /* char[size], one of choices */
	SK_ADDR,  /* char[size], an IPv4 or IPv6 literal */
	SK_PORTS, /* allowed_ports + n_allowed_ports */
};

struct schema_key {
	const char *section, *name;
	enum schema_kind kind;
	size_t off, size;           /* offsetof / sizeof the field in struct config */
	double lo, hi;              /* inclusive range of SK_FLOAT, SK_INT, SK_PORTS elements */
	const char *const *choices; /* SK_ENUM, NULL-terminated */
	bool cli_only;              /* not accepted in the file */
};

extern const struct schema_key schema_keys[];
extern const size_t schema_nkeys;
extern const char *const schema_sections[];
extern const size_t schema_nsections;

/* The entry for section+name, or NULL. */
const struct schema_key *schema_find(const char *section, const char *name);

/* Checked setters: on success store into *c and return 0; otherwise leave *c
 * alone, write "section.name: problem" into err and return -1. */
int schema_set_float(struct config *c, const struct schema_key *k, double x, char *err,
                     size_t errlen);
int schema_set_int(struct config *c, const struct schema_key *k, int64_t x, char *err,
                   size_t errlen);
int schema_set_bool(struct config *c, const struct schema_key *k, bool x);
int schema_set_string(struct config *c, const struct schema_key *k, const char *s, char *err,
                      size_t errlen);
int schema_set_ports(struct config *c, const struct schema_key *k, const int64_t *ports, size_t n,
                     char *err, size_t errlen);

#endif
