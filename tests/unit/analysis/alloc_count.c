/* alloc_count.c: the --wrap side of alloc_count.h. */
#include "alloc_count.h"

#include <stdlib.h>

size_t alloc_calls;

void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t a, size_t b);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
	alloc_calls++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t a, size_t b)
{
	alloc_calls++;
	return __real_calloc(a, b);
}

void *__wrap_realloc(void *p, size_t n)
{
	alloc_calls++;
	return __real_realloc(p, n);
}
