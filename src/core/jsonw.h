/* jsonw.h: a small streaming JSON writer into a growable buffer. Commas are
 * placed automatically; strings are escaped per RFC 8259 and invalid UTF-8 is
 * replaced by U+FFFD, so the output is valid JSON whatever bytes come in.
 * Reused through jsonw_reset(), a writer keeps its buffer and stops
 * allocating once it has seen its largest document.
 *
 * Usage:
 *	struct jsonw w;
 *	jsonw_init(&w);
 *	jsonw_obj_begin(&w);
 *	jsonw_key(&w, "t");
 *	jsonw_double(&w, 12.5, 3);
 *	jsonw_obj_end(&w);
 *	fwrite(w.buf, 1, w.len, f);      (w.buf is NUL-terminated, owned by w)
 *	jsonw_free(&w);
 */
#ifndef VT_JSONW_H
#define VT_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSONW_MAX_DEPTH 32

struct jsonw {
	char *buf;       /* owned; NUL-terminated once anything was written */
	size_t len, cap; /* len excludes the terminating NUL */
	int depth;       /* open objects/arrays */
	bool after_key;  /* a key was written, its value comes next */
	bool bad;        /* misuse seen: nesting too deep or unbalanced */
	bool need_comma[JSONW_MAX_DEPTH + 1];
};

void jsonw_init(struct jsonw *w);
/* Empties the document, keeps the buffer. */
void jsonw_reset(struct jsonw *w);
void jsonw_free(struct jsonw *w);
/* False when the writer was misused (more than JSONW_MAX_DEPTH levels, an end
 * without a begin); the text is then not to be trusted. */
bool jsonw_ok(const struct jsonw *w);

void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);
/* A member name inside an object; the next call writes its value. */
void jsonw_key(struct jsonw *w, const char *k);

void jsonw_str(struct jsonw *w, const char *s);
/* Like jsonw_str for n bytes (which may contain NUL: it is escaped). */
void jsonw_strn(struct jsonw *w, const char *s, size_t n);
void jsonw_u64(struct jsonw *w, uint64_t v);
void jsonw_i64(struct jsonw *w, int64_t v);
/* Fixed-point with `decimals` digits (0..17); NaN and infinities give null. */
void jsonw_double(struct jsonw *w, double v, int decimals);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* A value already serialised as JSON by the caller (not checked). */
void jsonw_raw(struct jsonw *w, const char *json);
/* Appends '\n' outside the value grammar, for JSON Lines. */
void jsonw_newline(struct jsonw *w);

#endif
