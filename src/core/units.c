/* units.c: formatting of byte counts for the tables. */
#include "core/units.h"

#include <stdio.h>

char *units_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1024.0 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

char *units_mib(char *buf, size_t len, uint64_t bytes)
{
	snprintf(buf, len, "%lluMiB", (unsigned long long)(bytes >> 20));
	return buf;
}
