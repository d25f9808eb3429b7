/* uifmt.c: the UI's short formats and glyphs (see uifmt.h). */
#include "ui/uifmt.h"

#include <math.h>
#include <stdio.h>

char *uifmt_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char unit[] = "KMGTPE";
	double v = (double)bytes;
	int u = -1;
	while (v >= 1024.0 && u < 5) {
		v /= 1024.0;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
	else if (v < 99.95)
		snprintf(buf, len, "%.1f%c", v, unit[u]);
	else
		snprintf(buf, len, "%.0f%c", v, unit[u]);
	return buf;
}

char *uifmt_rate(char *buf, size_t len, double mb_s)
{
	if (!isfinite(mb_s))
		snprintf(buf, len, "-");
	else if (fabs(mb_s) < 999.95)
		snprintf(buf, len, "%+.1f", mb_s);
	else
		snprintf(buf, len, "%+.0f", mb_s);
	return buf;
}

const char *uifmt_phase(enum vt_phase ph, bool accessible, bool glyph_only)
{
	static const char *const glyph[] = {"▬", "▲", "▼", "〜"};
	static const char *const badge[] = {"▬ stable", "▲ growing", "▼ shrinking", "〜 volatile"};
	unsigned i = (unsigned)ph < 4 ? (unsigned)ph : 0;
	if (accessible)
		return vt_phase_name((enum vt_phase)i);
	return glyph_only ? glyph[i] : badge[i];
}

char *uifmt_confidence(char *buf, size_t len, double conf, bool accessible)
{
	if (!isfinite(conf) || conf < 0)
		conf = 0;
	if (conf > 1)
		conf = 1;
	if (accessible) {
		snprintf(buf, len, "confidence %.0f %%", conf * 100);
		return buf;
	}
	int full = (int)lround(conf * 5);
	size_t n = 0;
	n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "[");
	for (int i = 0; i < 5; i++)
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s", i < full ? "■" : "□");
	snprintf(buf + n, n < len ? len - n : 0, "]");
	return buf;
}

char *uifmt_range(char *buf, size_t len, double low_s, double high_s)
{
	if (!isfinite(low_s) || !isfinite(high_s) || low_s < 0)
		low_s = high_s = 0;
	if (high_s <= 120)
		snprintf(buf, len, "~%.0f–%.0f s", low_s, high_s);
	else if (high_s < 7200)
		snprintf(buf, len, "~%.0f–%.0f min", floor(low_s / 60), ceil(high_s / 60));
	else
		snprintf(buf, len, "~%.0f–%.0f h", floor(low_s / 3600), ceil(high_s / 3600));
	return buf;
}

char *uifmt_duration(char *buf, size_t len, double s)
{
	if (!isfinite(s) || s < 0)
		snprintf(buf, len, "?");
	else if (s < 60)
		snprintf(buf, len, "%.0f s", s);
	else if (s < 3600)
		snprintf(buf, len, "%.0f min", floor(s / 60));
	else if (s < 86400)
		snprintf(buf, len, "%.0f h %.0f min", floor(s / 3600), floor(fmod(s, 3600) / 60));
	else
		snprintf(buf, len, "%.0f d", floor(s / 86400));
	return buf;
}

const char *uifmt_verdict(enum surv_verdict v)
{
	switch (v) {
	case SURV_OOM:
		return "OOM";
	case SURV_TIGHT:
		return "tight";
	default:
		return "ok";
	}
}
