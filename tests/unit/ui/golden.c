/* golden.c: golden-file comparison for the UI tests, with a regenerate switch. */
#include "golden.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#ifndef VT_GOLDEN_DIR /* meson passes the absolute path */
#define VT_GOLDEN_DIR "tests/unit/ui/golden"
#endif

bool golden_updating(void)
{
	const char *v = getenv("VT_GOLDEN_UPDATE");
	return v && strcmp(v, "1") == 0;
}

static bool write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return false;
	size_t n = strlen(text);
	bool ok = fwrite(text, 1, n, f) == n;
	return fclose(f) == 0 && ok;
}

/* The whole file, NUL-terminated, or NULL if it cannot be read. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, len = 0, n;
	do {
		xgrow(&buf, &cap, len + 4096 + 1, 4096);
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static void report(const char *name, const char *want, const char *got)
{
	size_t line = 1, i = 0;
	while (want[i] && want[i] == got[i]) {
		if (want[i] == '\n')
			line++;
		i++;
	}
	size_t a = i; /* the start of the differing line, the same in both */
	while (a > 0 && want[a - 1] != '\n')
		a--;
	size_t we = strcspn(want + a, "\n"), ge = strcspn(got + a, "\n");
	fprintf(stderr, "golden %s differs at line %zu:\n  want: %.*s\n  got:  %.*s\n", name, line,
	        (int)we, want + a, (int)ge, got + a);
}

bool golden_check(const char *name, const char *got)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.golden", VT_GOLDEN_DIR, name);
	if (golden_updating()) {
		if (!write_file(path, got)) {
			fprintf(stderr, "golden: cannot write %s\n", path);
			return false;
		}
		return true;
	}
	char *want = read_file(path);
	if (!want) {
		fprintf(stderr, "golden: no %s (run with VT_GOLDEN_UPDATE=1 to create it)\n", path);
		return false;
	}
	bool same = strcmp(want, got) == 0;
	if (!same) {
		report(name, want, got);
		char newpath[4096];
		snprintf(newpath, sizeof(newpath), "%s.golden.new", name);
		(void)write_file(newpath, got);
	}
	free(want);
	return same;
}
