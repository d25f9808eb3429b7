/* analyze_out.c: fast, exact JSONL formatting for `vramtop analyze`. */
#include "analysis/analyze_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define LINE_MAX_BYTES 1024 /* room always kept free before a line */

static void flush(struct aout *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
		o->failed = true;
	o->len = 0;
}

void aout_init(struct aout *o, FILE *f)
{
	*o = (struct aout){.f = f, .buf = xmalloc(AOUT_BUF)};
}

int aout_close(struct aout *o)
{
	if (!o->buf)
		return o->failed ? -1 : 0;
	flush(o);
	if (fflush(o->f) != 0)
		o->failed = true;
	free(o->buf);
	o->buf = NULL;
	return o->failed ? -1 : 0;
}

static void reserve(struct aout *o)
{
	if (AOUT_BUF - o->len < LINE_MAX_BYTES)
		flush(o);
}

static void put(struct aout *o, const char *s, size_t n)
{
	if (n > AOUT_BUF - o->len)
		flush(o);
	if (n > AOUT_BUF) { /* never with this file's lines */
		if (fwrite(s, 1, n, o->f) != n)
			o->failed = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

#define PUTS(o, lit) put((o), (lit), sizeof(lit) - 1)

static void put_u64(struct aout *o, uint64_t v)
{
	char tmp[24];
	int i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(o, tmp + i, sizeof(tmp) - (size_t)i);
}

static void put_i64(struct aout *o, int64_t v)
{
	if (v < 0) {
		PUTS(o, "-");
		put_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(o, (uint64_t)v);
	}
}

void aout_fixed(struct aout *o, double v, int decimals)
{
	static const double p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
	static const uint64_t u10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
	if (!isfinite(v)) {
		PUTS(o, "null");
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	double x = v * p10[decimals];
	double ax = fabs(x);
	/* x carries at most half an ulp of error: when the true value is not
	 * that close to a .5 tie, rounding x gives printf's digits */
	if (ax < 4e15 && fabs(ax - floor(ax) - 0.5) > 1e-6 + ax * 4e-16) {
		uint64_t q = (uint64_t)floor(ax + 0.5);
		if (v < 0)
			PUTS(o, "-");
		put_u64(o, q / u10[decimals]);
		if (decimals) {
			char frac[8];
			uint64_t r = q % u10[decimals];
			for (int i = decimals - 1; i >= 0; i--) {
				frac[i] = (char)('0' + r % 10);
				r /= 10;
			}
			PUTS(o, ".");
			put(o, frac, (size_t)decimals);
		}
		return;
	}
	char tmp[400];
	int n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	if (n <= 0 || (size_t)n >= sizeof(tmp)) {
		PUTS(o, "null");
		return;
	}
	for (int i = 0; i < n; i++) /* a decimal comma from LC_NUMERIC */
		if (tmp[i] == ',')
			tmp[i] = '.';
	put(o, tmp, (size_t)n);
}

static void put_str(struct aout *o, const char *s)
{
	put(o, s, strlen(s));
}

void aout_gpu_line(struct aout *o, double t, unsigned gpu, const struct pred_output *po)
{
	reserve(o);
	PUTS(o, "{\"t\":");
	aout_fixed(o, t, 3);
	PUTS(o, ",\"gpu\":");
	put_u64(o, gpu);
	PUTS(o, ",\"phase\":\"");
	put_str(o, vt_phase_name(po->phase));
	PUTS(o, "\",\"rate_mb_s\":");
	aout_fixed(o, po->rate_mb_s, 2);
	if (po->has_oom) {
		PUTS(o, ",\"oom\":{\"low_s\":");
		aout_fixed(o, po->low_s, 1);
		PUTS(o, ",\"high_s\":");
		aout_fixed(o, po->high_s, 1);
		PUTS(o, ",\"confidence\":");
		aout_fixed(o, po->confidence, 3);
		PUTS(o, "}");
	} else {
		PUTS(o, ",\"oom\":null");
	}
	PUTS(o, ",\"culprit_pid\":");
	if (po->has_oom && po->culprit_pid > 0)
		put_i64(o, po->culprit_pid);
	else
		PUTS(o, "null");
	PUTS(o, "}\n");
}

void aout_proc_line(struct aout *o, double t, unsigned gpu, pid_t pid,
                    const struct pred_proc_out *pp, const char *verdict)
{
	reserve(o);
	PUTS(o, "{\"t\":");
	aout_fixed(o, t, 3);
	PUTS(o, ",\"gpu\":");
	put_u64(o, gpu);
	PUTS(o, ",\"pid\":");
	put_i64(o, pid);
	PUTS(o, ",\"phase\":\"");
	put_str(o, vt_phase_name(pp->phase));
	PUTS(o, "\",\"rate_mb_s\":");
	aout_fixed(o, pp->rate_mb_s, 2);
	PUTS(o, ",\"verdict\":\"");
	put_str(o, verdict);
	PUTS(o, "\"}\n");
}

void aout_segment_line(struct aout *o, unsigned gpu, bool has_pid, pid_t pid,
                       const struct pelt_seg *s, const char *label)
{
	reserve(o);
	PUTS(o, "{\"gpu\":");
	put_u64(o, gpu);
	PUTS(o, ",\"pid\":");
	if (has_pid)
		put_i64(o, pid);
	else
		PUTS(o, "null");
	PUTS(o, ",\"start\":");
	aout_fixed(o, s->t_start, 3);
	PUTS(o, ",\"end\":");
	aout_fixed(o, s->t_end, 3);
	PUTS(o, ",\"mean_mb\":");
	aout_fixed(o, s->mean, 2);
	PUTS(o, ",\"slope_mb_s\":");
	aout_fixed(o, s->slope, 3);
	PUTS(o, ",\"label\":\"");
	put_str(o, label);
	PUTS(o, "\"}\n");
}
