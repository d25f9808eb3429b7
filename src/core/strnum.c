/* strnum.c: whole-string number parsing for command-line values. */
#include "core/strnum.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

bool strnum_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v))
		return false;
	*out = v;
	return true;
}
