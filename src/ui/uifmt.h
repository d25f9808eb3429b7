/* uifmt.h: the UI's short formats and glyphs, one place for all widgets. */
#ifndef VT_UI_UIFMT_H
#define VT_UI_UIFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/predictor.h"
#include "analysis/survival.h"

/* Bytes in at most 6 columns: "61.2G", "512M", "4.0K", "0". */
char *uifmt_bytes(char *buf, size_t len, uint64_t bytes);
/* A rate in MB/s with its sign: "+212.0", "-3.5", "+0.0"; wider numbers
 * lose decimals ("+1234"). */
char *uifmt_rate(char *buf, size_t len, double mb_s);
/* Phase badge: "▬ stable" / "▲ growing" / "▼ shrinking" / "〜 volatile";
 * accessible: the word only. glyph_only: the glyph (accessible: the word). */
const char *uifmt_phase(enum vt_phase ph, bool accessible, bool glyph_only);
/* "[■■■□□]" for a confidence in [0, 1] (accessible: "confidence 60 %"). */
char *uifmt_confidence(char *buf, size_t len, double conf, bool accessible);
/* "~60–120 s", "~2–5 min", "~1–2 h" for an OOM range in seconds. */
char *uifmt_range(char *buf, size_t len, double low_s, double high_s);
/* A duration: "42 s", "3 min", "2 h 14 min", "3 d". */
char *uifmt_duration(char *buf, size_t len, double s);
/* "OOM", "at risk", "ok" ... (survival_verdict_name for the table). */
const char *uifmt_verdict(enum surv_verdict v);

#endif
