/* analyze_out.c: fast, exact JSONL formatting for `vramtop analyze`. Each
 * line is written through a cursor into room reserved up front (a line is
 * far below LINE_ROOM bytes), so the hot path has no bounds checks per
 * fragment and no stdio calls. */
#include "export/analyze_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define LINE_ROOM 1024 /* room reserved before each line */

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

/* A cursor with at least LINE_ROOM bytes behind it. */
static char *begin(struct aout *o)
{
	if (AOUT_BUF - o->len < LINE_ROOM)
		flush(o);
	return o->buf + o->len;
}

static void end(struct aout *o, const char *p)
{
	o->len = (size_t)(p - o->buf);
}

#define LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

/* Decimal digits of v (1-20): floor(log10 2^bits) from the bit length, and
 * one comparison. */
static unsigned ndigits(uint64_t v)
{
	static const uint64_t p10[20] = {1,
	                                 10,
	                                 100,
	                                 1000,
	                                 10000,
	                                 100000,
	                                 1000000,
	                                 10000000,
	                                 100000000,
	                                 1000000000,
	                                 10000000000,
	                                 100000000000,
	                                 1000000000000,
	                                 10000000000000,
	                                 100000000000000,
	                                 1000000000000000,
	                                 10000000000000000,
	                                 100000000000000000,
	                                 1000000000000000000,
	                                 10000000000000000000u};
	unsigned t = ((64u - (unsigned)__builtin_clzll(v | 1)) * 1233u) >> 12;
	return v ? t + (v >= p10[t]) : 1;
}

/* "00" .. "99" */
static const char two_digits[201] = "0001020304050607080910111213141516171819"
                                    "2021222324252627282930313233343536373839"
                                    "4041424344454647484950515253545556575859"
                                    "6061626364656667686970717273747576777879"
                                    "8081828384858687888990919293949596979899";

/* v in decimal, written from its last digit back, two at a time. */
static char *fmt_u64(char *p, uint64_t v)
{
	char *end = p + ndigits(v), *q = end;
	while (v >= 100) {
		q -= 2;
		memcpy(q, two_digits + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10)
		memcpy(q - 2, two_digits + 2 * v, 2);
	else
		q[-1] = (char)('0' + v);
	return end;
}

static char *fmt_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return fmt_u64(p, (uint64_t)0 - (uint64_t)v);
	}
	return fmt_u64(p, (uint64_t)v);
}

/* A short constant name (a label). */
static char *fmt_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

/* The names every line carries, each stored in 16 bytes so that it is
 * copied as one fixed block (the line's room holds it) and the cursor moves
 * by its length. Their spelling is vt_phase_name's and
 * survival_verdict_name's (a test compares them). */
struct name16 {
	char s[16];
	size_t n;
};

static char *put_name(char *p, const struct name16 *nm)
{
	memcpy(p, nm->s, sizeof(nm->s));
	return p + nm->n;
}

static const struct name16 *phase_name16(enum vt_phase ph)
{
	static const struct name16 names[] = {
	    {"stable", 6}, {"growing", 7}, {"shrinking", 9}, {"volatile", 8}, {"unknown", 7}};
	unsigned i = (unsigned)ph;
	return &names[i < 4 ? i : 4];
}

static const struct name16 *verdict_name16(enum surv_verdict v)
{
	static const struct name16 names[] = {{"ok", 2}, {"tight", 5}, {"oom", 3}};
	unsigned i = (unsigned)v;
	return &names[i < 3 ? i : 0];
}

const char *aout_phase_name(enum vt_phase ph)
{
	return phase_name16(ph)->s;
}

const char *aout_verdict_name(enum surv_verdict v)
{
	return verdict_name16(v)->s;
}

/* v with `decimals` digits exactly as "%.*f" would print it; at most 330
 * bytes (DBL_MAX has 309 digits). */
static inline __attribute__((always_inline)) char *fmt_fixed(char *p, double v, int decimals)
{
	static const double p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
	static const uint64_t u10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
	if (!isfinite(v))
		return LIT(p, "null");
	if (decimals < 0)
		decimals = 0;
	if (decimals > 6)
		decimals = 6;
	double x = v * p10[decimals];
	double ax = fabs(x);
	/* x is off the true value by at most half an ulp: away from a .5 tie,
	 * rounding x gives printf's digits; near one, ask printf. (For 0 <= ax
	 * < 4e15 the conversion truncates exactly, i.e. it is floor.) */
	uint64_t whole = ax < 4e15 ? (uint64_t)ax : 0;
	if (ax < 4e15 && fabs(ax - (double)whole - 0.5) > 1e-6 + ax * 4e-16) {
		uint64_t q = whole + (ax - (double)whole > 0.5);
		if (v < 0)
			*p++ = '-';
		p = fmt_u64(p, q / u10[decimals]);
		if (decimals) {
			uint64_t r = q % u10[decimals];
			*p = '.';
			for (int i = decimals; i >= 2; i -= 2) {
				memcpy(p + i - 1, two_digits + 2 * (r % 100), 2);
				r /= 100;
			}
			if (decimals & 1)
				p[1] = (char)('0' + r);
			p += decimals + 1;
		}
		return p;
	}
	char tmp[400];
	int n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	if (n <= 0 || (size_t)n >= sizeof(tmp) || n > 340)
		return LIT(p, "null");
	for (int i = 0; i < n; i++) /* a decimal comma from LC_NUMERIC */
		if (tmp[i] == ',')
			tmp[i] = '.';
	memcpy(p, tmp, (size_t)n);
	return p + n;
}

void aout_fixed(struct aout *o, double v, int decimals)
{
	end(o, fmt_fixed(begin(o), v, decimals));
}

size_t aout_time(char *dst, double t)
{
	return (size_t)(fmt_fixed(dst, t, 3) - dst);
}

/* A tick's time, formatted once (aout_time): a time of the usual length is
 * copied as a fixed 32 bytes, which the line's room and t's buffer
 * (AOUT_TIME_MAX) both hold, and the cursor moves by its length. */
static char *put_time(char *p, const char *t, size_t tlen)
{
	if (tlen <= 32)
		memcpy(p, t, 32);
	else
		memcpy(p, t, tlen);
	return p + tlen;
}

void aout_gpu_line(struct aout *o, const char *t, size_t tlen, unsigned gpu,
                   const struct pred_output *po)
{
	char *p = begin(o);
	p = LIT(p, "{\"t\":");
	p = put_time(p, t, tlen);
	p = LIT(p, ",\"gpu\":");
	p = fmt_u64(p, gpu);
	p = LIT(p, ",\"phase\":\"");
	p = put_name(p, phase_name16(po->phase));
	p = LIT(p, "\",\"rate_mb_s\":");
	p = fmt_fixed(p, po->rate_mb_s, 2);
	if (po->has_oom) {
		p = LIT(p, ",\"oom\":{\"low_s\":");
		p = fmt_fixed(p, po->low_s, 1);
		p = LIT(p, ",\"high_s\":");
		p = fmt_fixed(p, po->high_s, 1);
		p = LIT(p, ",\"confidence\":");
		p = fmt_fixed(p, po->confidence, 3);
		p = LIT(p, "}");
	} else {
		p = LIT(p, ",\"oom\":null");
	}
	p = LIT(p, ",\"culprit_pid\":");
	if (po->has_oom && po->culprit_pid > 0)
		p = fmt_i64(p, po->culprit_pid);
	else
		p = LIT(p, "null");
	p = LIT(p, "}\n");
	end(o, p);
}

void aout_ident_set(struct model_fmt *id, unsigned gpu, pid_t pid)
{
	char *p = id->s;
	p = LIT(p, ",\"gpu\":");
	p = fmt_u64(p, gpu);
	p = LIT(p, ",\"pid\":");
	p = fmt_i64(p, pid);
	p = LIT(p, ",\"phase\":\"");
	id->n = (unsigned char)(p - id->s);
}

void aout_proc_line(struct aout *o, const char *t, size_t tlen, const struct model_fmt *id,
                    const struct pred_proc_out *pp, enum surv_verdict verdict)
{
	char *p = begin(o);
	p = LIT(p, "{\"t\":");
	p = put_time(p, t, tlen);
	memcpy(p, id->s, sizeof(id->s)); /* the line's room holds it */
	p += id->n;
	p = put_name(p, phase_name16(pp->phase));
	p = LIT(p, "\",\"rate_mb_s\":");
	p = fmt_fixed(p, pp->rate_mb_s, 2);
	p = LIT(p, ",\"verdict\":\"");
	p = put_name(p, verdict_name16(verdict));
	p = LIT(p, "\"}\n");
	end(o, p);
}

void aout_segment_line(struct aout *o, unsigned gpu, bool has_pid, pid_t pid,
                       const struct pelt_seg *s, const char *label)
{
	/* four numbers of up to 340 bytes each would not fit LINE_ROOM: the
	 * mean and slope are clamped to a range no GPU reaches */
	double mean = fmax(-1e15, fmin(1e15, s->mean));
	double slope = fmax(-1e15, fmin(1e15, s->slope));
	double t0 = fmax(-1e15, fmin(1e15, s->t_start)), t1 = fmax(-1e15, fmin(1e15, s->t_end));
	char *p = begin(o);
	p = LIT(p, "{\"gpu\":");
	p = fmt_u64(p, gpu);
	p = LIT(p, ",\"pid\":");
	if (has_pid)
		p = fmt_i64(p, pid);
	else
		p = LIT(p, "null");
	p = LIT(p, ",\"start\":");
	p = fmt_fixed(p, t0, 3);
	p = LIT(p, ",\"end\":");
	p = fmt_fixed(p, t1, 3);
	p = LIT(p, ",\"mean_mb\":");
	p = fmt_fixed(p, mean, 2);
	p = LIT(p, ",\"slope_mb_s\":");
	p = fmt_fixed(p, slope, 3);
	p = LIT(p, ",\"label\":\"");
	p = fmt_str(p, label);
	p = LIT(p, "\"}\n");
	end(o, p);
}
