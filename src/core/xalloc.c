/* xalloc.c: the one place allocation failure is handled (by aborting). */
#include "core/xalloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Noreturn void oom_abort(size_t n)
{
	fprintf(stderr, "vramtop: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom_abort(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom_abort(nmemb * size);
	return p;
}

void *xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		oom_abort(SIZE_MAX);
	size_t n = nmemb * size;
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom_abort(n);
	return q;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = xmalloc(n);
	memcpy(d, s, n);
	return d;
}

void xgrow(char **buf, size_t *cap, size_t need, size_t first_cap)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : first_cap;
	while (c < need)
		c *= 2;
	*buf = xreallocarray(*buf, c, 1);
	*cap = c;
}

size_t vt_strlcpy(char *dst, const char *src, size_t cap)
{
	size_t n = strlen(src);
	if (n >= cap) {
		n = cap - 1;
		/* back up over UTF-8 continuation bytes so we never split a character */
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}
