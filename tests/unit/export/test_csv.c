/* test_csv.c: the CSV logger -- columns, hostile names, header once, one
 * write(2) per tick (write is wrapped by the linker), short writes taken
 * back, a full disk (/dev/full) reported once and never fatal. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/snapshot.h"
#include "export/csv.h"

/* ---- write(2), wrapped: counts calls, can cut a write short ---- */
ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);

static int writes;
static size_t short_by; /* when set, the next write stores only n - short_by bytes */
static char last_buf[65536];
static size_t last_len;

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	writes++;
	last_len = n < sizeof last_buf ? n : sizeof last_buf;
	memcpy(last_buf, buf, last_len);
	if (short_by && short_by < n) {
		size_t part = n - short_by;
		short_by = 0;
		ssize_t w = __real_write(fd, buf, part);
		if (w >= 0)
			errno = ENOSPC;
		return w;
	}
	return __real_write(fd, buf, n);
}

static char dir[64], path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/vt-csv-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/log.csv", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *p)
{
	static char buf[65536];
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Fields of one RFC 4180 record starting at *p (advanced past it). */
static size_t record_fields(const char **p, char fields[][300], size_t max)
{
	size_t nf = 0, k = 0;
	bool q = false;
	for (const char *s = *p;; s++) {
		if (q) {
			if (*s == '"' && s[1] == '"') {
				fields[nf][k++] = '"';
				s++;
			} else if (*s == '"') {
				q = false;
			} else {
				fields[nf][k++] = *s;
			}
			continue;
		}
		if (*s == '"') {
			q = true;
		} else if (*s == ',' || *s == '\n' || !*s) {
			fields[nf][k] = '\0';
			nf++;
			k = 0;
			if (*s != ',' || nf == max) {
				*p = *s ? s + 1 : s;
				return nf;
			}
		} else {
			fields[nf][k++] = *s;
		}
	}
}

static void make_snapshot(struct snapshot *s, const char *pname)
{
	snapshot_init(s);
	s->time = 1700000000.25;
	struct snap_gpu *g = snapshot_add_gpu(s);
	g->index = 3;
	g->valid = GM_NAME | GM_UUID | GM_MEM_USED | GM_MEM_TOTAL;
	snprintf(g->name, sizeof g->name, "NVIDIA H200");
	snprintf(g->uuid, sizeof g->uuid, "GPU-abc");
	g->mem_used = 1000;
	g->mem_total = 150000000000ull;
	struct snap_proc *p = snapshot_add_proc(s);
	p->gpu = 0;
	p->pid = 4242;
	p->starttime = 987654;
	p->used = 512;
	p->flags = PF_USED_VALID | PF_START_VALID | PF_NAME_VALID;
	snprintf(p->name, sizeof p->name, "%s", pname);
}

static void test_rows_and_header_once(void **state)
{
	(void)state;
	char err[256];
	struct snapshot s;
	make_snapshot(&s, "python train.py");
	unlink(path);
	struct csv_log *l = csv_open(path, err, sizeof err);
	assert_non_null(l);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	writes = 0;
	assert_int_equal(csv_write_tick(l, &s, NULL, err, sizeof err), VT_OK);
	assert_int_equal(writes, 1);
	s.time += 1;
	assert_int_equal(csv_write_tick(l, &s, NULL, err, sizeof err), VT_OK);
	assert_int_equal(writes, 2); /* one write per tick, header included in the first */
	csv_close(l);
	/* reopen and append: no second header */
	l = csv_open(path, err, sizeof err);
	assert_non_null(l);
	assert_int_equal(csv_write_tick(l, &s, NULL, err, sizeof err), VT_OK);
	csv_close(l);
	const char *text = slurp(path);
	assert_int_equal(count(text, "time,kind,"), 1);
	assert_int_equal(count(text, "\n"), 7);
	char want[1024];
	snprintf(want, sizeof want,
	         "%s\n"
	         "1700000000.250,gpu,3,GPU-abc,,,NVIDIA H200,1000,150000000000,ok,,,,,\n"
	         "1700000000.250,process,3,GPU-abc,4242,987654,python train.py,512,,,,,,,\n"
	         "1700000001.250,gpu,3,",
	         csv_header);
	assert_memory_equal(text, want, strlen(want));
	snapshot_free(&s);
}

static void test_hostile_names(void **state)
{
	(void)state;
	const char *names[] = {
	    "a,b",
	    "say \"hi\"",
	    "two\nlines",
	    "\x1b[31mred\x1b[0m\x1b]0;title\x07",
	    "=cmd|' /C calc'!A0",
	    " padded ",
	    "-bash",
	    "caf\xc3\xa9 \xff",
	};
	const char *want[] = {
	    "a,b",
	    "say \"hi\"",
	    "two lines",
	    "red",
	    "'=cmd|' /C calc'!A0",
	    " padded ",
	    "'-bash",
	    "caf\xc3\xa9 \xef\xbf\xbd",
	};
	char err[256];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct snapshot s;
		make_snapshot(&s, names[i]);
		unlink(path);
		struct csv_log *l = csv_open(path, err, sizeof err);
		assert_non_null(l);
		assert_int_equal(csv_write_tick(l, &s, NULL, err, sizeof err), VT_OK);
		csv_close(l);
		const char *p = slurp(path);
		assert_null(strchr(p, '\x1b'));
		char f[16][300];
		for (int row = 0; row < 3; row++) {
			size_t nf = record_fields(&p, f, 16);
			assert_int_equal(nf, 15); /* every row has every column */
		}
		assert_string_equal(f[1], "process");
		assert_string_equal(f[6], want[i]);
		assert_int_equal(*p, '\0');
		snapshot_free(&s);
	}
}

static void test_analysis_and_missing(void **state)
{
	(void)state;
	char err[256];
	struct snapshot s;
	make_snapshot(&s, "x");
	s.gpus[0].valid = GM_MEM_TOTAL; /* used and name unknown: empty, not 0 */
	s.gpus[0].state = GPU_STATE_LOST;
	s.procs[0].flags = PF_USED_VALID;
	struct csv_gpu_analysis ga = {true, "growing", 12.3456, true, 60, 120.5, 0.75};
	struct csv_proc_analysis pa = {true, "volatile", -3.5};
	struct csv_analysis an = {&ga, 1, &pa, 1};
	unlink(path);
	struct csv_log *l = csv_open(path, err, sizeof err);
	assert_non_null(l);
	assert_int_equal(csv_write_tick(l, &s, &an, err, sizeof err), VT_OK);
	csv_close(l);
	char want[512];
	snprintf(want, sizeof want,
	         "%s\n"
	         "1700000000.250,gpu,3,,,,,,150000000000,lost,growing,12.346,60.000,120.500,0.750\n"
	         "1700000000.250,process,3,,4242,,,512,,,volatile,-3.500,,,\n",
	         csv_header);
	assert_string_equal(slurp(path), want);
	snapshot_free(&s);
}

static void test_short_write_taken_back(void **state)
{
	(void)state;
	char err[256];
	struct snapshot s;
	make_snapshot(&s, "trainer");
	unlink(path);
	struct csv_log *l = csv_open(path, err, sizeof err);
	assert_int_equal(csv_write_tick(l, &s, NULL, err, sizeof err), VT_OK);
	const char *before = slurp(path);
	size_t before_len = strlen(before);
	/* the disk fills in the middle of the next tick */
	short_by = 40;
	s.time += 1;
	assert_int_equal(csv_write_tick(l, &s, NULL, err, sizeof err), VT_ERR);
	assert_non_null(strstr(err, "No space left on device"));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((size_t)st.st_size, before_len); /* the half row is gone */
	/* writing works again: rows resume, whole */
	s.time += 1;
	assert_int_equal(csv_write_tick(l, &s, NULL, err, sizeof err), VT_OK);
	const char *after = slurp(path);
	assert_int_equal(count(after, "\n"), 5);
	assert_int_equal(count(after, "1700000001.250"), 0);
	assert_int_equal(csv_dropped(l), 1);
	csv_close(l);
	snapshot_free(&s);
}

static void test_dev_full(void **state)
{
	(void)state;
	char err[256] = "";
	struct snapshot s;
	make_snapshot(&s, "x");
	struct csv_log *l = csv_open("/dev/full", err, sizeof err);
	assert_non_null(l);
	assert_int_equal(csv_write_tick(l, &s, NULL, err, sizeof err), VT_ERR);
	assert_string_equal(err, "/dev/full: No space left on device; CSV rows are dropped until "
	                         "writing works again");
	err[0] = '\0';
	for (int i = 0; i < 5; i++)
		assert_int_equal(csv_write_tick(l, &s, NULL, err, sizeof err), VT_OK);
	assert_string_equal(err, ""); /* reported once */
	assert_int_equal(csv_dropped(l), 6);
	csv_close(l);
	snapshot_free(&s);
}

static void test_foreign_file_refused(void **state)
{
	(void)state;
	char err[256];
	FILE *f = fopen(path, "w");
	fputs("a,b,c\n1,2,3\n", f);
	fclose(f);
	assert_null(csv_open(path, err, sizeof err));
	assert_non_null(strstr(err, "does not start with vramtop's CSV header"));
	/* an empty existing file gets the header */
	f = fopen(path, "w");
	fclose(f);
	struct csv_log *l = csv_open(path, err, sizeof err);
	assert_non_null(l);
	struct snapshot s;
	make_snapshot(&s, "x");
	assert_int_equal(csv_write_tick(l, &s, NULL, err, sizeof err), VT_OK);
	csv_close(l);
	assert_int_equal(strncmp(slurp(path), csv_header, strlen(csv_header)), 0);
	snapshot_free(&s);
	assert_null(csv_open("/nonexistent-dir/x.csv", err, sizeof err));
	assert_non_null(strstr(err, "No such file or directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows_and_header_once),
	    cmocka_unit_test(test_hostile_names),
	    cmocka_unit_test(test_analysis_and_missing),
	    cmocka_unit_test(test_short_write_taken_back),
	    cmocka_unit_test(test_dev_full),
	    cmocka_unit_test(test_foreign_file_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
