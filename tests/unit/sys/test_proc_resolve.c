/* test_proc_resolve.c: resolving a process row from a fixture /proc and the
 * real one, with the same-user boundary tested through fake UIDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/proc_fixture.h"
#include "sys/proc_resolve.h"
#include "sys/procfs.h"
#include "sys/users.h"

static char root[FX_PATH_MAX];

static int setup(void **state)
{
	(void)state;
	fx_root_make(root, sizeof(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_root_remove(root);
	return 0;
}

static struct snap_proc resolve(pid_t pid, uid_t self)
{
	struct proc_resolve_opts o = {root, self};
	struct snap_proc p;
	memset(&p, 0, sizeof(p));
	p.pid = pid;
	proc_resolve(&p, &o);
	return p;
}

#define CMD(lit) lit, sizeof(lit) - 1

static void test_same_user(void **state)
{
	(void)state;
	char user[64];
	fx_process(root, 100, "trainer", 4242, 1000, CMD("/usr/bin/trainer\0--big\0"));
	struct snap_proc p = resolve(100, 1000);
	assert_int_equal(p.flags, PF_START_VALID | PF_UID_VALID | PF_SAME_USER | PF_NAME_VALID |
	                              PF_CMD_VALID);
	assert_string_equal(p.cmd, "/usr/bin/trainer --big"); /* argv joined by spaces */
	assert_int_equal(p.starttime, 4242);
	assert_int_equal(p.uid, 1000);
	users_name(1000, user, sizeof(user));
	assert_string_equal(p.user, user);
	assert_string_equal(p.name, "trainer");
}

static void test_other_user_gets_no_name(void **state)
{
	(void)state;
	fx_process(root, 101, "secretjob", 99, 0, CMD("/opt/secret\0--token=abc\0"));
	struct snap_proc p = resolve(101, 1000);
	assert_int_equal(p.flags, PF_START_VALID | PF_UID_VALID);
	assert_int_equal(p.starttime, 99);
	assert_int_equal(p.uid, 0);
	assert_string_equal(p.user, getpwuid(0) ? getpwuid(0)->pw_name : "0");
	assert_string_equal(p.name, "");
	assert_string_equal(p.cmd, ""); /* --token=abc never read */
}

static void test_root_is_not_widened(void **state)
{
	(void)state;
	/* vramtop running as root (self 0) looking at user 1000's process */
	fx_process(root, 102, "userjob", 7, 1000, CMD("userjob\0"));
	struct snap_proc p = resolve(102, 0);
	assert_int_equal(p.flags, PF_START_VALID | PF_UID_VALID);
	assert_string_equal(p.name, "");
	/* and its own */
	fx_process(root, 103, "rootjob", 8, 0, CMD("rootjob\0"));
	p = resolve(103, 0);
	assert_true(p.flags & PF_SAME_USER);
	assert_string_equal(p.name, "rootjob");
}

static void test_vanished(void **state)
{
	(void)state;
	struct proc_resolve_opts o = {root, 1000};
	struct snap_proc p;
	memset(&p, 0, sizeof(p));
	p.pid = 104;
	p.used = 1 << 20;
	p.flags = PF_USED_VALID | PF_SAME_USER | PF_START_VALID; /* stale from last tick */
	p.starttime = 5;
	proc_resolve(&p, &o);
	assert_int_equal(p.flags, PF_USED_VALID | PF_GONE);
	assert_int_equal(p.starttime, 0);
	assert_int_equal(p.uid, 0);
	assert_string_equal(p.user, "");
	assert_int_equal(p.used, 1 << 20);
	/* a directory without files: the process exited between open and read */
	fx_write(root, 105, "cmdline", "", 0);
	p = resolve(105, 1000);
	assert_int_equal(p.flags, PF_GONE);
}

static void test_missing_and_bad_files(void **state)
{
	(void)state;
	/* no Uid in status: the owner is unknown, so never same-user, no name */
	fx_process(root, 106, "nostatus", 11, 1000, CMD("nostatus\0"));
	fx_write(root, 106, "status", "Name:\tnostatus\n", 15);
	struct snap_proc p = resolve(106, 1000);
	assert_int_equal(p.flags, PF_START_VALID);
	assert_string_equal(p.name, "");
	/* a malformed stat: no starttime, but the name comes from comm */
	fx_process(root, 107, "badstat", 12, 1000, CMD("badstat\0"));
	fx_write(root, 107, "stat", "107 (badstat", 12);
	p = resolve(107, 1000);
	assert_int_equal(p.flags, PF_UID_VALID | PF_SAME_USER | PF_NAME_VALID | PF_CMD_VALID);
	assert_string_equal(p.name, "badstat");
	/* a file missing in a pinned /proc directory means the task is gone */
	char path[FX_PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/107/status", root);
	assert_int_equal(unlink(path), 0);
	p = resolve(107, 1000);
	assert_int_equal(p.flags, PF_GONE);
	/* a malformed status */
	fx_process(root, 108, "badstatus", 13, 1000, CMD("x\0"));
	fx_write(root, 108, "status", "Uid:\tnope\n", 10);
	p = resolve(108, 1000);
	assert_int_equal(p.flags, PF_START_VALID);
}

static void test_names(void **state)
{
	(void)state;
	/* comm cut at 15 bytes: argv[0]'s basename completes it */
	fx_process(root, 110, "text-generation", 1, 1000,
	           CMD("/usr/local/bin/text-generation-launcher\0--model-id\0x\0"));
	struct snap_proc p = resolve(110, 1000);
	assert_string_equal(p.name, "text-generation-launcher");
	/* hostile comm: escapes removed, the row is still resolved */
	fx_process(root, 111, "x\x1b[31m) R 1 (\ty", 2, 1000, CMD(""));
	p = resolve(111, 1000);
	assert_int_equal(p.flags, PF_START_VALID | PF_UID_VALID | PF_SAME_USER | PF_NAME_VALID);
	assert_int_equal(p.starttime, 2);
	assert_string_equal(p.name, "x) R 1 ( y");
	/* a name from the source (replay) is kept when we cannot read ours */
	struct proc_resolve_opts o = {root, 1000};
	memset(&p, 0, sizeof(p));
	p.pid = 101; /* another user's */
	snprintf(p.name, sizeof(p.name), "from-trace");
	p.flags = PF_NAME_VALID;
	proc_resolve(&p, &o);
	assert_string_equal(p.name, "from-trace");
	assert_true(p.flags & PF_NAME_VALID);
}

/* Runs in a child without root's DAC override; returns which check failed. */
static int denied_checks(void *arg)
{
	(void)arg;
	struct snap_proc p = resolve(120, 1000);
	if (p.flags != PF_START_VALID || p.starttime != 5 || p.name[0] != '\0')
		return 1; /* status unreadable: no owner, so no name either */
	p = resolve(121, 1000);
	if (p.flags != 0)
		return 2; /* nothing readable, and not gone either */
	p = resolve(122, 1000);
	if (p.flags != (PF_START_VALID | PF_UID_VALID | PF_SAME_USER | PF_NAME_VALID) ||
	    strcmp(p.name, "a-very-long-nam") != 0)
		return 3; /* cmdline unreadable: the cut comm is still a name */
	return 0;
}

static void test_permission_denied(void **state)
{
	(void)state;
	char path[FX_PATH_MAX + 16];
	fx_process(root, 120, "locked", 5, 1000, CMD("locked\0"));
	snprintf(path, sizeof(path), "%s/120/status", root);
	assert_int_equal(chmod(path, 0), 0);
	fx_process(root, 121, "lockeddir", 5, 1000, CMD("x\0"));
	snprintf(path, sizeof(path), "%s/121", root);
	assert_int_equal(chmod(path, 0), 0);
	fx_process(root, 122, "a-very-long-nam", 6, 1000, CMD("/x/a-very-long-name\0"));
	snprintf(path, sizeof(path), "%s/122/cmdline", root);
	assert_int_equal(chmod(path, 0), 0);
	/* as root (the CI case) mode 000 does not stop reads: check in a child
	 * that dropped to nobody, which needs to reach the tree */
	assert_int_equal(chmod(root, 0755), 0);
	assert_int_equal(fx_run_unprivileged(denied_checks, NULL), 0);
}

static void test_real_processes(void **state)
{
	(void)state;
	struct proc_resolve_opts o;
	proc_resolve_opts_default(&o);
	assert_string_equal(o.proc_root, "/proc");
	assert_int_equal(o.self_uid, getuid());

	pid_t pid = fx_child_start("/bin/sleep");
	struct proc_stat st;
	assert_int_equal(procfs_read_stat("/proc", pid, &st), VT_OK);
	struct snap_proc p;
	memset(&p, 0, sizeof(p));
	p.pid = pid;
	proc_resolve(&p, &o);
	assert_int_equal(p.flags, PF_START_VALID | PF_UID_VALID | PF_SAME_USER | PF_NAME_VALID |
	                              PF_CMD_VALID);
	assert_non_null(strstr(p.cmd, "sleep"));
	assert_int_equal(p.starttime, st.starttime);
	assert_int_equal(p.uid, getuid());
	assert_string_equal(p.name, "sleep");

	/* the same real process seen by a different (fake) user */
	o.self_uid = getuid() + 1;
	memset(&p, 0, sizeof(p));
	p.pid = pid;
	proc_resolve(&p, &o);
	assert_int_equal(p.flags, PF_START_VALID | PF_UID_VALID);
	assert_string_equal(p.name, "");

	fx_child_end(pid);
	o.self_uid = getuid();
	memset(&p, 0, sizeof(p));
	p.pid = pid;
	proc_resolve(&p, &o);
	assert_int_equal(p.flags, PF_GONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_user),
	    cmocka_unit_test(test_other_user_gets_no_name),
	    cmocka_unit_test(test_root_is_not_widened),
	    cmocka_unit_test(test_vanished),
	    cmocka_unit_test(test_missing_and_bad_files),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_permission_denied),
	    cmocka_unit_test(test_real_processes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
