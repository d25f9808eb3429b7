/* xalloc.h: allocation that cannot fail -- on exhaustion it prints and aborts. */
#ifndef VT_XALLOC_H
#define VT_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
/* Grows or shrinks p to nmemb*size bytes, checking the multiplication. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
/* Grows the byte buffer *buf of capacity *cap to hold at least `need` bytes,
 * doubling from first_cap; does nothing when it already does. */
void xgrow(char **buf, size_t *cap, size_t need, size_t first_cap);

/* Copies src into dst (capacity cap >= 1), always NUL-terminated, cut on a
 * UTF-8 character boundary. Returns the length written. */
size_t vt_strlcpy(char *dst, const char *src, size_t cap);

#endif
