/* toml_lex.h: private to src/config -- the parser state and the lexing
 * helpers toml.c (structure) and toml_lex.c (tokens) share. */
#ifndef VT_TOML_LEX_H
#define VT_TOML_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/toml.h"

#define TOML_MAX_COMPS 16 /* components of one dotted key */
#define TOML_KEYBUF    1024

struct parser {
	const char *p, *end;
	int line;
	struct toml_doc *doc;
	uint32_t cur; /* table the key/value lines go to */
};

/* A dotted key, decoded: components joined by TOML_SEP in buf. */
struct key_path {
	char buf[TOML_KEYBUF];
	size_t len;
	size_t starts[TOML_MAX_COMPS]; /* offset of each component in buf */
	size_t ncomps;
};

/* Records the error at the current line; returns -1. */
__attribute__((format(printf, 2, 3))) int tl_fail(struct parser *ps, const char *fmt, ...);
bool tl_at_eol(const struct parser *ps);
void tl_skip_ws(struct parser *ps);
bool tl_is_ctrl(unsigned char c);
/* Consumes LF or CRLF at p (nothing else); a lone CR is an error. */
int tl_eat_newline(struct parser *ps);
int tl_skip_comment(struct parser *ps);
/* Whitespace, newlines and comments, as allowed inside arrays. */
int tl_skip_ws_nl(struct parser *ps);
/* A basic or literal string at p, decoded into out (capacity cap). */
int tl_lex_string(struct parser *ps, char *out, size_t cap, size_t *outlen);
/* A (possibly dotted) key: bare or quoted components separated by '.'. */
int tl_lex_key(struct parser *ps, struct key_path *kp);
/* A boolean, integer or float at p. */
int tl_lex_scalar(struct parser *ps, struct toml_value *v);
/* The line of the first invalid UTF-8 byte, or 0 if all is valid. */
int tl_utf8_check(const char *s, size_t n);
/* "'x'" for a printable ASCII character, "byte 0xNN" otherwise. */
const char *tl_show_char(char c, char buf[16]);

#endif
