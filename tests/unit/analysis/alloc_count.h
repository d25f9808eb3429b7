/* alloc_count.h: counts malloc/calloc/realloc calls made by the code under
 * test (linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc), so that
 * a test can assert that a steady state does not allocate. */
#ifndef VT_TEST_ALLOC_COUNT_H
#define VT_TEST_ALLOC_COUNT_H

#include <stddef.h>

extern size_t alloc_calls;

#endif
