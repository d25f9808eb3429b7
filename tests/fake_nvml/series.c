/* series.c: values over simulated time -- constants, piecewise-linear points, rates -- and
 * quantities. */
#include "fake_nvml.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

double fake_series_eval(const struct fake_series *s, double t)
{
	switch (s->kind) {
	case SERIES_CONST:
		return s->value;
	case SERIES_RATE: {
		double v = s->start + s->rate * t;
		return v < s->lo ? s->lo : v > s->hi ? s->hi : v;
	}
	case SERIES_POINTS: {
		const struct fake_point *p = s->pts;
		if (t <= p[0].t)
			return p[0].v;
		/* Binary search for the last point at or before t. */
		size_t lo = 0, hi = s->npts - 1;
		if (t >= p[hi].t)
			return p[hi].v;
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			if (p[mid].t <= t)
				lo = mid;
			else
				hi = mid;
		}
		double span = p[hi].t - p[lo].t;
		if (span <= 0)
			return p[hi].v;
		return p[lo].v + (p[hi].v - p[lo].v) * (t - p[lo].t) / span;
	}
	case SERIES_ABSENT:
	case SERIES_UNSUPPORTED:
	case SERIES_NA:
		break;
	}
	return 0;
}

void fake_series_free_points(struct fake_series *s)
{
	free(s->pts);
	s->pts = NULL;
	s->npts = 0;
}

static const struct {
	const char *suffix;
	double factor;
} units[] = {
    {"", 1},
    {"B", 1},
    {"K", 1e3},
    {"KB", 1e3},
    {"KiB", 1024.0},
    {"M", 1e6},
    {"MB", 1e6},
    {"MiB", 1048576.0},
    {"G", 1e9},
    {"GB", 1e9},
    {"GiB", 1073741824.0},
    {"T", 1e12},
    {"TB", 1e12},
    {"TiB", 1099511627776.0},
};

int fake_parse_quantity(const char *s, double *out)
{
	const char *p = s;
	double sign = 1, v = 0;
	while (*p == ' ')
		p++;
	if (*p == '-' || *p == '+')
		sign = *p++ == '-' ? -1 : 1;
	const char *digits = p;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	if (*p == '.') {
		double scale = 0.1;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			v += (*p - '0') * scale;
	}
	if (p == digits || (p == digits + 1 && *digits == '.'))
		return -1;
	while (*p == ' ')
		p++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].suffix) == 0) {
			*out = sign * v * units[i].factor;
			return 0;
		}
	return -1;
}

int fake_value_parse(const cJSON *j, const char *what, double *out, char *err, size_t errlen)
{
	if (cJSON_IsNumber(j)) {
		*out = j->valuedouble;
		return 0;
	}
	if (cJSON_IsString(j) && fake_parse_quantity(j->valuestring, out) == 0)
		return 0;
	snprintf(err, errlen, "%s: expected a number or a quantity like \"80GiB\"", what);
	return -1;
}

static int parse_points(const cJSON *pts, double scale, const char *what, struct fake_series *s,
                        char *err, size_t errlen)
{
	int n = cJSON_GetArraySize(pts);
	const cJSON *it;
	if (!cJSON_IsArray(pts) || n < 1) {
		snprintf(err, errlen, "%s: \"points\" must be a non-empty array of [t, value]",
		         what);
		return -1;
	}
	s->kind = SERIES_POINTS;
	s->pts = xcalloc((size_t)n, sizeof(*s->pts));
	cJSON_ArrayForEach(it, pts)
	{
		struct fake_point *p = &s->pts[s->npts];
		if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 ||
		    !cJSON_IsNumber(cJSON_GetArrayItem(it, 0))) {
			snprintf(err, errlen, "%s: points[%zu] must be [t, value]", what, s->npts);
			return -1;
		}
		p->t = cJSON_GetArrayItem(it, 0)->valuedouble;
		if (fake_value_parse(cJSON_GetArrayItem(it, 1), what, &p->v, err, errlen))
			return -1;
		p->v *= scale;
		if (s->npts > 0 && p->t < s->pts[s->npts - 1].t) {
			snprintf(err, errlen, "%s: points must be in time order", what);
			return -1;
		}
		s->npts++;
	}
	return 0;
}

static int parse_rate(const cJSON *j, double scale, const char *what, struct fake_series *s,
                      char *err, size_t errlen)
{
	static const char *const names[] = {"rate", "start", "min", "max"};
	double *dst[] = {&s->rate, &s->start, &s->lo, &s->hi};
	s->kind = SERIES_RATE;
	s->lo = -HUGE_VAL;
	s->hi = HUGE_VAL;
	for (int i = 0; i < 4; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, names[i]);
		if (v && fake_value_parse(v, what, dst[i], err, errlen))
			return -1;
		*dst[i] *= scale;
	}
	return 0;
}

int fake_series_parse(const cJSON *j, double scale, const char *what, struct fake_series *s,
                      char *err, size_t errlen)
{
	fake_series_free_points(s);
	memset(s, 0, sizeof(*s));
	if (cJSON_IsNull(j) || (cJSON_IsString(j) && strcmp(j->valuestring, "n/a") == 0)) {
		s->kind = SERIES_NA;
		return 0;
	}
	if (cJSON_IsString(j) && strcmp(j->valuestring, "unsupported") == 0) {
		s->kind = SERIES_UNSUPPORTED;
		return 0;
	}
	if (!cJSON_IsObject(j)) {
		s->kind = SERIES_CONST;
		if (fake_value_parse(j, what, &s->value, err, errlen))
			return -1;
		s->value *= scale;
		return 0;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, j)
	{
		static const char *const keys[] = {"points", "start", "rate", "min", "max"};
		int ok = 0;
		for (int i = 0; i < 5; i++)
			ok |= strcmp(it->string, keys[i]) == 0;
		if (!ok) {
			snprintf(err, errlen, "%s: unknown key \"%s\" in a timeline", what,
			         it->string);
			return -1;
		}
	}
	const cJSON *pts = cJSON_GetObjectItemCaseSensitive(j, "points");
	if (pts)
		return parse_points(pts, scale, what, s, err, errlen);
	if (!cJSON_GetObjectItemCaseSensitive(j, "rate")) {
		snprintf(err, errlen, "%s: a timeline needs \"points\" or \"rate\"", what);
		return -1;
	}
	return parse_rate(j, scale, what, s, err, errlen);
}

/* A hexadecimal field of at most 8 digits ending at sep, advancing *p; -1 if none. */
static long long hex_until(const char **p, char sep)
{
	long long v = 0;
	const char *start = *p;
	for (; **p && **p != sep; (*p)++) {
		char ch = **p;
		int d = ch >= '0' && ch <= '9'   ? ch - '0'
		        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
		                                 : -1;
		if (d < 0 || *p - start >= 8)
			return -1;
		v = v * 16 + d;
	}
	if (*p == start || **p != sep)
		return -1;
	(*p)++;
	return v;
}

int fake_parse_bus_id(const char *s, unsigned int *dom, unsigned int *bus, unsigned int *dev)
{
	const char *p = s;
	long long d = hex_until(&p, ':'), b = hex_until(&p, ':'), v = hex_until(&p, '.');
	if (d < 0 || b < 0 || b > 0xFF || v < 0 || v > 0x1F)
		return -1;
	*dom = (unsigned int)d;
	*bus = (unsigned int)b;
	*dev = (unsigned int)v;
	return 0;
}
