/* deep_parse.c: one line of the deep-mode protocol into a struct deep_msg,
 * strictly (docs/deep-mode.md). */
#include "deep/deep.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/sanitize.h"

#define COUNT_MAX 9007199254740992.0 /* 2^53: beyond it a double is not exact */

static int fail(char *err, size_t errlen, const char *what, const char *key)
{
	snprintf(err, errlen, "%s \"%s\"", what, key);
	return VT_ERR;
}

/* A required (or, with optional, absent-allowed) non-negative integer. */
static int get_count(const cJSON *o, const char *key, bool optional, uint64_t max, uint64_t *out,
                     bool *present, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (present)
		*present = v != NULL;
	if (!v)
		return optional ? VT_OK : fail(err, errlen, "missing", key);
	if (!cJSON_IsNumber(v))
		return fail(err, errlen, "not a number:", key);
	double d = v->valuedouble;
	if (!isfinite(d) || d < 0 || d >= COUNT_MAX || d != floor(d) || d > (double)max)
		return fail(err, errlen, "not a count in range:", key);
	*out = (uint64_t)d;
	return VT_OK;
}

static int parse_hello(const cJSON *o, struct deep_msg *m, char *err, size_t errlen)
{
	uint64_t v, pid;
	if (get_count(o, "v", false, UINT32_MAX, &v, NULL, err, errlen))
		return VT_ERR;
	if (v != 1) {
		snprintf(err, errlen, "speaks protocol version %llu, not 1", (unsigned long long)v);
		return VT_ERR;
	}
	if (get_count(o, "pid", false, INT32_MAX, &pid, NULL, err, errlen))
		return VT_ERR;
	if (pid == 0)
		return fail(err, errlen, "zero", "pid");
	m->kind = DEEP_MSG_HELLO;
	m->pid = (pid_t)pid;
	const cJSON *fw = cJSON_GetObjectItemCaseSensitive(o, "framework");
	if (fw && !cJSON_IsString(fw))
		return fail(err, errlen, "not a string:", "framework");
	if (fw)
		vt_sanitize_str(m->framework, sizeof(m->framework), fw->valuestring);
	return VT_OK;
}

static int parse_sample(const cJSON *o, struct deep_msg *m, char *err, size_t errlen)
{
	for (size_t i = 0; i < SNAP_DEEP_NFIELDS; i++)
		if (get_count(o, snap_deep_fields[i].key, false, UINT64_MAX, snap_deep_at(&m->f, i),
		              NULL, err, errlen))
			return VT_ERR;
	if (m->f.allocated > m->f.reserved) {
		snprintf(err, errlen, "allocated above reserved");
		return VT_ERR;
	}
	m->kind = DEEP_MSG_SAMPLE;
	return VT_OK;
}

int deep_parse_line(const char *line, size_t len, struct deep_msg *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (len >= DEEP_LINE_MAX) {
		snprintf(err, errlen, "line longer than %d bytes", DEEP_LINE_MAX - 1);
		return VT_ERR;
	}
	if (memchr(line, '\0', len)) {
		snprintf(err, errlen, "a NUL byte in a line");
		return VT_ERR;
	}
	const char *end = NULL;
	cJSON *o = cJSON_ParseWithLengthOpts(line, len, &end, false);
	while (o && end < line + len && (*end == ' ' || *end == '\t' || *end == '\r'))
		end++;
	if (o && end != line + len) { /* one object per line, nothing after it */
		cJSON_Delete(o);
		o = NULL;
	}
	if (!o) {
		snprintf(err, errlen, "invalid JSON");
		return VT_ERR;
	}
	int rc = VT_ERR;
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
	uint64_t dev = 0;
	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "a line that is not a JSON object");
	} else if (!cJSON_IsString(type)) {
		fail(err, errlen, "missing or not a string:", "type");
	} else if (strcmp(type->valuestring, "hello") == 0) {
		rc = parse_hello(o, m, err, errlen);
	} else if (strcmp(type->valuestring, "sample") == 0 ||
	           strcmp(type->valuestring, "oom") == 0) {
		bool oom = type->valuestring[0] == 'o';
		if (get_count(o, "cuda_device", false, DEEP_DEVS_MAX - 1, &dev, NULL, err, errlen))
			goto out;
		m->device = (unsigned)dev;
		if (oom) {
			if (get_count(o, "requested", true, UINT64_MAX, &m->requested,
			              &m->has_requested, err, errlen))
				goto out;
			m->kind = DEEP_MSG_OOM;
			rc = VT_OK;
		} else {
			rc = parse_sample(o, m, err, errlen);
		}
	} else {
		char t[32];
		vt_sanitize_str(t, sizeof(t), type->valuestring);
		snprintf(err, errlen, "unknown message type \"%s\"", t);
	}
out:
	cJSON_Delete(o);
	return rc;
}
