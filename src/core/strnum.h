/* strnum.h: whole-string number parsing for command-line values. */
#ifndef VT_STRNUM_H
#define VT_STRNUM_H

#include <stdbool.h>

/* True and *out set when all of s is one finite number (strtod syntax). */
bool strnum_double(const char *s, double *out);

#endif
