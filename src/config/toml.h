/* toml.h: a strict parser for the subset of TOML a configuration file needs.
 *
 * Supported: tables [a] and dotted [a.b] (bare or quoted components), bare,
 * quoted and dotted keys, basic strings (escapes \b \t \n \f \r \" \\ \uXXXX
 * \UXXXXXXXX), literal strings, integers (decimal with sign and _ separators;
 * 0x 0o 0b), floats (fraction, exponent, inf, nan), booleans, arrays (nested,
 * multi-line, trailing comma, comments inside) and comments.
 * Not supported (reported as errors): multi-line strings, inline tables,
 * arrays of tables, dates and times.
 *
 * A UTF-8 byte-order mark is skipped at the very start of the input (only
 * there: anywhere else it is text like any other).
 *
 * Strict: duplicate keys, duplicate tables, a key redefined as a table (or the
 * reverse), bad escapes, control characters, invalid UTF-8, unterminated
 * strings and anything after a value on its line are errors. Parsing stops at
 * the first error, which carries its line number.
 *
 * The whole document is parsed into one struct toml_doc: arrays of tables and
 * values plus one string pool. Every value records its line. Lookups scan
 * those arrays and never allocate. */
#ifndef VT_TOML_H
#define VT_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <locale.h>

#define TOML_NONE UINT32_MAX

enum toml_kind {
	TOML_STRING = 1,
	TOML_INT,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_ARRAY,
};

/* A table. Its name is its path with components joined by TOML_SEP (a byte
 * that keys may not contain); the root table has index 0 and name "". */
#define TOML_SEP '\x1f'

struct toml_table {
	uint32_t name_off, name_len; /* into the pool */
	int line;                    /* header line; 0 when only implied */
	bool is_explicit;            /* had its own [header] */
	bool has_dotted;             /* created or extended by a dotted key */
};

struct toml_value {
	enum toml_kind kind;
	int line;
	uint32_t table;            /* index of the owning table (TOML_NONE in arrays) */
	uint32_t key_off, key_len; /* into the pool; empty for array elements */
	uint32_t next;             /* next element of the same array, or TOML_NONE */
	union {
		int64_t i;
		double f;
		bool b;
		struct {
			uint32_t off, len; /* decoded UTF-8 in the pool (NUL follows) */
		} s;
		struct {
			uint32_t first, n; /* first element index, element count */
		} arr;
	} u;
};

struct toml_doc {
	struct toml_table *tables;
	size_t ntables, tables_cap;
	struct toml_value *values;
	size_t nvalues, values_cap;
	char *pool;
	size_t pool_len, pool_cap;
	/* After a failed parse: */
	int err_line;
	char err[200];
};

/* Parses len bytes of src (need not be NUL-terminated, may hold NULs) into
 * *doc, which it initialises. Returns 0, or -1 with doc->err and doc->err_line
 * set. Either way the caller frees doc with toml_free. */
int toml_parse(struct toml_doc *doc, const char *src, size_t len);
void toml_free(struct toml_doc *doc);

/* Index of the table with that name (components joined by TOML_SEP; "" is the
 * root), or TOML_NONE. */
uint32_t toml_table_find(const struct toml_doc *doc, const char *name);
/* Index of the value `key` directly in table `table`, or TOML_NONE. */
uint32_t toml_find(const struct toml_doc *doc, uint32_t table, const char *key);

/* Borrowed pointers into the doc's pool, valid until toml_free. */
const char *toml_table_name(const struct toml_doc *doc, uint32_t table);
const char *toml_key(const struct toml_doc *doc, const struct toml_value *v);
const char *toml_str(const struct toml_doc *doc, const struct toml_value *v);

const char *toml_kind_name(enum toml_kind k); /* "string", "integer", ... */

/* Numbers are read and written in the "C" locale whatever LC_NUMERIC says
 * (the UI calls setlocale). The locale object is created on first use, from
 * the main thread. */
locale_t toml_c_locale(void);
/* Writes x as a TOML float that reads back as exactly x ("1.0", "0.3",
 * "1e+300", "inf", "-inf", "nan") into buf; returns buf. */
char *toml_format_float(char *buf, size_t cap, double x);

#endif
