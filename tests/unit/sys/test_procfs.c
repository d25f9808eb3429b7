/* test_procfs.c: /proc/<pid>/stat and status parsing, the readers against a
 * fixture tree and against a real child process, and the display name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/proc_fixture.h"
#include "sys/procfs.h"

/* A real line from a 6.x kernel, fields 23+ included. */
#define STAT_TAIL                                                                                  \
	" S 1 4242 4242 0 -1 4194560 1873 0 0 0 12 7 0 0 20 0 1 0 987654 "                         \
	"9437184 830 18446744073709551615 94 95 140 0 0 0 0 0 0 0 0 0 17 2 0 0 0 0 0 0 0 0 0 0 0 " \
	"0 0\n"

static struct proc_stat st;

static int parse(const char *s)
{
	return procfs_parse_stat(s, strlen(s), &st);
}

static void test_stat_plain(void **state)
{
	(void)state;
	assert_int_equal(parse("4242 (python3)" STAT_TAIL), VT_OK);
	assert_int_equal(st.pid, 4242);
	assert_string_equal(st.comm, "python3");
	assert_int_equal(st.comm_len, 7);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.starttime, 987654);
}

static void test_stat_hostile_names(void **state)
{
	(void)state;
	assert_int_equal(parse("7 (a b c)" STAT_TAIL), VT_OK);
	assert_string_equal(st.comm, "a b c");
	/* a name that forges the next fields: only the LAST ')' ends it */
	assert_int_equal(parse("7 (x) R 99 (y)" STAT_TAIL), VT_OK);
	assert_string_equal(st.comm, "x) R 99 (y");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.starttime, 987654);
	assert_int_equal(parse("7 ())))" STAT_TAIL), VT_OK);
	assert_string_equal(st.comm, ")))");
	assert_int_equal(parse("7 (((()" STAT_TAIL), VT_OK);
	assert_string_equal(st.comm, "(((");
	assert_int_equal(parse("7 (two\nlines)" STAT_TAIL), VT_OK);
	assert_string_equal(st.comm, "two\nlines");
	assert_int_equal(st.starttime, 987654);
	assert_int_equal(parse("7 ()" STAT_TAIL), VT_OK);
	assert_string_equal(st.comm, "");
	assert_int_equal(st.comm_len, 0);
	assert_int_equal(parse("7 (123456789012345)" STAT_TAIL), VT_OK);
	assert_int_equal(st.comm_len, 15);
	assert_string_equal(st.comm, "123456789012345");
	/* a name longer than our buffer is cut, the fields still parse */
	char big[200];
	memset(big, 0, sizeof(big));
	memcpy(big, "7 (", 3);
	memset(big + 3, 'k', 100);
	memcpy(big + 103, ") R 5 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 77 0", 47);
	assert_int_equal(parse(big), VT_OK);
	assert_int_equal(st.comm_len, PROCFS_COMM_MAX - 1);
	assert_int_equal(st.ppid, 5);
	assert_int_equal(st.starttime, 77);
}

static void test_stat_not_nul_terminated(void **state)
{
	(void)state;
	const char s[] = "1 (init) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 31";
	char exact[sizeof(s) - 1]; /* no NUL after the starttime */
	memcpy(exact, s, sizeof(exact));
	assert_int_equal(procfs_parse_stat(exact, sizeof(exact), &st), VT_OK);
	assert_int_equal(st.starttime, 31);
	assert_int_equal(st.ppid, 0);
	/* the parser never reads past len: cut inside the starttime, it sees 3 */
	assert_int_equal(procfs_parse_stat(exact, sizeof(exact) - 1, &st), VT_OK);
	assert_int_equal(st.starttime, 3);
	/* cut before it */
	assert_int_equal(procfs_parse_stat(exact, sizeof(exact) - 3, &st), PROCFS_BADFMT);
}

static void test_stat_malformed(void **state)
{
	(void)state;
	assert_int_equal(parse(""), PROCFS_BADFMT);
	assert_int_equal(parse("42"), PROCFS_BADFMT);
	assert_int_equal(parse("42 (x"), PROCFS_BADFMT);           /* no ')' */
	assert_int_equal(parse("42 x)" STAT_TAIL), PROCFS_BADFMT); /* no '(' */
	assert_int_equal(parse("x42 (a)" STAT_TAIL), PROCFS_BADFMT);
	assert_int_equal(parse("-42 (a)" STAT_TAIL), PROCFS_BADFMT);
	assert_int_equal(parse("42(a)" STAT_TAIL), PROCFS_BADFMT);
	assert_int_equal(parse("42 (a)"), PROCFS_BADFMT);
	assert_int_equal(parse("42 (a) S"), PROCFS_BADFMT);
	assert_int_equal(parse("42 (a) S 1"), PROCFS_BADFMT);
	assert_int_equal(parse("42 (a) S x 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9"), PROCFS_BADFMT);
	assert_int_equal(parse("42 (a)  1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9"), PROCFS_BADFMT);
	/* 20 fields: starttime missing */
	assert_int_equal(parse("42 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0"), PROCFS_BADFMT);
	assert_int_equal(parse("42 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "), PROCFS_BADFMT);
	/* an empty field (two spaces) */
	assert_int_equal(parse("42 (a) S 1 1  0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9"), PROCFS_BADFMT);
	/* non-digits in the starttime */
	assert_int_equal(parse("42 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9x 0"),
	                 PROCFS_BADFMT);
	assert_int_equal(parse("42 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 -9 0"),
	                 PROCFS_BADFMT);
	/* a newline inside the fields after comm */
	assert_int_equal(parse("42 (a) S 1 1\n1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9"), PROCFS_BADFMT);
}

static void test_stat_huge_numbers(void **state)
{
	(void)state;
	assert_int_equal(parse("42 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
	                       "18446744073709551615 0"),
	                 VT_OK);
	assert_true(st.starttime == UINT64_MAX);
	assert_int_equal(parse("42 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
	                       "18446744073709551616 0"),
	                 PROCFS_BADFMT);
	assert_int_equal(parse("42 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
	                       "99999999999999999999999 0"),
	                 PROCFS_BADFMT);
	assert_int_equal(parse("2147483647 (a)" STAT_TAIL), VT_OK);
	assert_int_equal(st.pid, 2147483647);
	assert_int_equal(parse("2147483648 (a)" STAT_TAIL), PROCFS_BADFMT);
	assert_int_equal(parse("42 (a) S 4294967296 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9"),
	                 PROCFS_BADFMT);
}

static void test_status_uid(void **state)
{
	(void)state;
	uid_t uid = 7;
	const char ok[] = "Name:\tbash\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t5\t5\t5\t5\n";
	assert_int_equal(procfs_parse_status_uid(ok, strlen(ok), &uid), VT_OK);
	assert_int_equal(uid, 1000); /* the real UID, not the effective 0 */
	const char first[] = "Uid:\t0\t0\t0\t0\n";
	assert_int_equal(procfs_parse_status_uid(first, strlen(first), &uid), VT_OK);
	assert_int_equal(uid, 0);
	/* an escaped name cannot forge the line; a Uid in mid-line does not count */
	const char forged[] = "Name:\tx\\nUid:\t0\nXUid:\t3\nUid:\t1001\t1001\t1001\t1001\n";
	assert_int_equal(procfs_parse_status_uid(forged, strlen(forged), &uid), VT_OK);
	assert_int_equal(uid, 1001);
	const char none[] = "Name:\tbash\nGid:\t5\t5\t5\t5\n";
	assert_int_equal(procfs_parse_status_uid(none, strlen(none), &uid), PROCFS_BADFMT);
	const char bad[] = "Uid:\tabc\n";
	assert_int_equal(procfs_parse_status_uid(bad, strlen(bad), &uid), PROCFS_BADFMT);
	const char big[] = "Uid:\t4294967295\t0\t0\t0\n";
	assert_int_equal(procfs_parse_status_uid(big, strlen(big), &uid), PROCFS_BADFMT);
	const char junk[] = "Uid:\t12x\t0\n";
	assert_int_equal(procfs_parse_status_uid(junk, strlen(junk), &uid), PROCFS_BADFMT);
	const char cut[] = "Uid:\t1234";
	assert_int_equal(procfs_parse_status_uid(cut, strlen(cut), &uid), VT_OK);
	assert_int_equal(uid, 1234);
	assert_int_equal(procfs_parse_status_uid("", 0, &uid), PROCFS_BADFMT);
}

static void test_readers_fixture(void **state)
{
	(void)state;
	char root[FX_PATH_MAX], buf[64];
	size_t len;
	uid_t uid;
	fx_root_make(root, sizeof(root));
	fx_process(root, 321, "my (odd) name", 5555, 1234, "/usr/bin/python3\0train.py\0", 26);

	assert_int_equal(procfs_read_stat(root, 321, &st), VT_OK);
	assert_string_equal(st.comm, "my (odd) name");
	assert_int_equal(st.starttime, 5555);
	assert_int_equal(procfs_read_uid(root, 321, &uid), VT_OK);
	assert_int_equal(uid, 1234);
	assert_int_equal(procfs_read_comm(root, 321, buf, sizeof(buf), &len), VT_OK);
	assert_string_equal(buf, "my (odd) name");
	assert_int_equal(len, 13);
	assert_int_equal(procfs_read_cmdline(root, 321, buf, sizeof(buf), &len), VT_OK);
	assert_int_equal(len, 26);
	assert_string_equal(buf, "/usr/bin/python3");
	assert_string_equal(buf + 17, "train.py");
	/* bounded: a small buffer gets cap - 1 bytes and a NUL */
	assert_int_equal(procfs_read_cmdline(root, 321, buf, 6, &len), VT_OK);
	assert_int_equal(len, 5);
	assert_string_equal(buf, "/usr/");

	/* absent process, and a pid directory with no stat (exited mid-read) */
	assert_int_equal(procfs_read_stat(root, 999, &st), PROCFS_GONE);
	assert_int_equal(procfs_read_uid(root, 999, &uid), PROCFS_GONE);
	assert_int_equal(procfs_read_cmdline(root, 999, buf, sizeof(buf), &len), PROCFS_GONE);
	assert_int_equal(len, 0);
	fx_write(root, 400, "status", "Uid:\t1\n", 7);
	assert_int_equal(procfs_read_stat(root, 400, &st), PROCFS_GONE);
	fx_write(root, 400, "stat", "", 0);
	assert_int_equal(procfs_read_stat(root, 400, &st), PROCFS_GONE);
	fx_write(root, 400, "stat", "garbage", 7);
	assert_int_equal(procfs_read_stat(root, 400, &st), PROCFS_BADFMT);
	assert_int_equal(procfs_read_stat(root, 0, &st), PROCFS_GONE);
	assert_int_equal(procfs_read_stat(root, -5, &st), PROCFS_GONE);
	fx_root_remove(root);
}

static int denied_reader_checks(void *arg)
{
	const char *r = arg;
	struct proc_stat s;
	uid_t uid;
	if (procfs_read_uid(r, 50, &uid) != PROCFS_DENIED)
		return 1;
	if (procfs_read_stat(r, 50, &s) != VT_OK || s.starttime != 1)
		return 2;
	return 0;
}

static void test_reader_permission_denied(void **state)
{
	(void)state;
	char root[FX_PATH_MAX], path[FX_PATH_MAX + 16];
	fx_root_make(root, sizeof(root));
	fx_process(root, 50, "secret", 1, 0, "", 0);
	snprintf(path, sizeof(path), "%s/50/status", root);
	assert_int_equal(chmod(path, 0), 0);
	assert_int_equal(chmod(root, 0755), 0);
	/* in a child without root's DAC override, which ignores mode 000 */
	assert_int_equal(fx_run_unprivileged(denied_reader_checks, root), 0);
	fx_root_remove(root);
}

static void test_real_child(void **state)
{
	(void)state;
	char buf[256];
	size_t len;
	uid_t uid;
	pid_t pid = fx_child_start("/bin/sleep");

	assert_int_equal(procfs_read_stat("/proc", pid, &st), VT_OK);
	assert_int_equal(st.pid, pid);
	assert_string_equal(st.comm, "sleep");
	assert_int_equal(st.ppid, getpid());
	assert_true(st.starttime > 0);
	struct proc_stat self;
	assert_int_equal(procfs_read_stat("/proc", getpid(), &self), VT_OK);
	assert_true(st.starttime >= self.starttime); /* the child started after us */
	assert_int_equal(procfs_read_uid("/proc", pid, &uid), VT_OK);
	assert_int_equal(uid, getuid());
	assert_int_equal(procfs_read_cmdline("/proc", pid, buf, sizeof(buf), &len), VT_OK);
	assert_int_equal(len, sizeof("/bin/sleep") + sizeof("30"));
	assert_memory_equal(buf,
	                    "/bin/sleep\0"
	                    "30\0",
	                    len);
	assert_int_equal(procfs_read_comm("/proc", pid, buf, sizeof(buf), &len), VT_OK);
	assert_string_equal(buf, "sleep");

	/* a directory fd pins the process: once it is reaped, reads say gone */
	int dirfd;
	assert_int_equal(procfs_pid_open("/proc", pid, &dirfd), VT_OK);
	fx_child_end(pid);
	assert_int_equal(procfs_stat_at(dirfd, &st), PROCFS_GONE);
	assert_int_equal(procfs_cmdline_at(dirfd, buf, sizeof(buf), &len), PROCFS_GONE);
	close(dirfd);
	/* and the vanished PID reads as gone (unless reused within microseconds) */
	int rc = procfs_read_stat("/proc", pid, &st);
	assert_true(rc == PROCFS_GONE || (rc == VT_OK && st.pid == pid));
}

static void test_best_name(void **state)
{
	(void)state;
	char out[300];
	/* short comm wins, whatever argv[0] claims */
	assert_int_equal(
	    procfs_best_name("python3", 7, "/usr/bin/python3.11\0x.py", 24, out, sizeof(out)), 7);
	assert_string_equal(out, "python3");
	assert_int_equal(procfs_best_name("bash", 4, "-bash", 6, out, sizeof(out)), 4);
	/* cut comm extended by argv[0]'s basename */
	assert_int_equal(procfs_best_name("text-generation", 15,
	                                  "/opt/tgi/text-generation-launcher\0--port\0", 41, out,
	                                  sizeof(out)),
	                 24);
	assert_string_equal(out, "text-generation-launcher");
	/* argv[0] that does not extend comm is ignored */
	procfs_best_name("text-generation", 15, "/bin/liar\0", 10, out, sizeof(out));
	assert_string_equal(out, "text-generation");
	/* a rewritten argv (setproctitle): up to the first space */
	procfs_best_name("vllm-engine-cor", 15, "vllm-engine-core --x 1", 22, out, sizeof(out));
	assert_string_equal(out, "vllm-engine-core");
	procfs_best_name("vllm-engine-cor", 15, "vllm-engine-core --x 1\0\0\0", 25, out,
	                 sizeof(out));
	assert_string_equal(out, "vllm-engine-core");
	/* a space in the directory of argv[0] */
	procfs_best_name("text-generation", 15, "/opt/my tgi/text-generation-launcher\0", 37, out,
	                 sizeof(out));
	assert_string_equal(out, "text-generation-launcher");
	/* exactly 15 bytes and argv[0] equal: same name */
	procfs_best_name("123456789012345", 15, "./123456789012345\0", 18, out, sizeof(out));
	assert_string_equal(out, "123456789012345");
	/* no cmdline (kernel thread, zombie) */
	procfs_best_name("kworker/0:1-eve", 15, "", 0, out, sizeof(out));
	assert_string_equal(out, "kworker/0:1-eve");
	/* empty comm: argv[0] basename; empty everything: empty */
	procfs_best_name("", 0, "/usr/bin/thing\0", 15, out, sizeof(out));
	assert_string_equal(out, "thing");
	assert_int_equal(procfs_best_name("", 0, "", 0, out, sizeof(out)), 0);
	/* argv[0] ending in '/' has no basename */
	procfs_best_name("abcdefghijklmno", 15, "/x/abcdefghijklmno/\0", 20, out, sizeof(out));
	assert_string_equal(out, "abcdefghijklmno");
	/* sanitised: escapes and newlines in either source */
	procfs_best_name("evil\x1b[2Jname\n", 13, "", 0, out, sizeof(out));
	assert_string_equal(out, "evilname ");
	procfs_best_name("aaaaaaaaaaaaaaa", 15, "/x/aaaaaaaaaaaaaaa\x1b]0;t\x07zz\0", 27, out,
	                 sizeof(out));
	assert_string_equal(out, "aaaaaaaaaaaaaaazz");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stat_plain),
	    cmocka_unit_test(test_stat_hostile_names),
	    cmocka_unit_test(test_stat_not_nul_terminated),
	    cmocka_unit_test(test_stat_malformed),
	    cmocka_unit_test(test_stat_huge_numbers),
	    cmocka_unit_test(test_status_uid),
	    cmocka_unit_test(test_readers_fixture),
	    cmocka_unit_test(test_reader_permission_denied),
	    cmocka_unit_test(test_real_child),
	    cmocka_unit_test(test_best_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
