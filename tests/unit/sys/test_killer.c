/* test_killer.c: signals on request, with real processes -- SIGTERM reaches
 * our own child and is audited (dir 0700, file 0600); a recycled identity is
 * never signalled; another user's process is refused, also for root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "sys/killer.h"

static char dir[256], audit_path[300];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vt-killer-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(audit_path, sizeof(audit_path), "%s/share/vramtop/audit.log", dir);
	return 0;
}

static pid_t child_as(uid_t uid)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (uid != getuid() && setuid(uid) != 0)
			_exit(3);
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(4);
	}
	usleep(100000); /* exec'd: its starttime and uid are final */
	return pid;
}

static struct killer_opts opts(void)
{
	return (struct killer_opts){
	    .proc_root = "/proc", .self_uid = getuid(), .audit_path = audit_path};
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_sigterm_reaches_our_child_and_is_audited(void **state)
{
	(void)state;
	pid_t pid = child_as(getuid());
	struct killer_opts o = opts();
	struct proc_identity id = {.pid = pid};
	assert_int_equal(proc_identity_read("/proc", pid, &id), VT_OK);
	char msg[256];
	assert_int_equal(killer_signal(&o, &id, SIGTERM, "sleep\x1b]0;x\x07", msg, sizeof(msg)),
	                 KILLER_SENT);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	struct stat sb;
	assert_int_equal(stat(audit_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	char d[320];
	snprintf(d, sizeof(d), "%s/share/vramtop", dir);
	assert_int_equal(stat(d, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	const char *log = slurp(audit_path);
	assert_non_null(log);
	char want[64];
	snprintf(want, sizeof(want), "pid=%d ", (int)pid);
	assert_non_null(strstr(log, want));
	assert_non_null(strstr(log, "signal=SIGTERM"));
	assert_non_null(strstr(log, " sent\n"));
	assert_null(strchr(log, '\x1b')); /* the name is sanitised */
}

static void test_recycled_identity_is_never_signalled(void **state)
{
	(void)state;
	pid_t pid = child_as(getuid());
	struct proc_identity id;
	assert_int_equal(proc_identity_read("/proc", pid, &id), VT_OK);
	id.starttime -= 1; /* what the user confirmed was an older process */
	struct killer_opts o = opts();
	char msg[256];
	assert_int_equal(killer_signal(&o, &id, SIGTERM, "sleep", msg, sizeof(msg)),
	                 KILLER_CHANGED);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), 0); /* still running */
	assert_non_null(strstr(slurp(audit_path), "refused: identity changed"));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_other_users_process_is_refused_even_for_root(void **state)
{
	(void)state;
	if (getuid() != 0) {
		skip(); /* needs root to start a process as a second user */
		return;
	}
	pid_t pid = child_as(65534); /* nobody: a second real user */
	struct proc_identity id;
	assert_int_equal(proc_identity_read("/proc", pid, &id), VT_OK);
	struct killer_opts o = opts(); /* self_uid 0: root, no exception */
	char msg[256];
	assert_int_equal(killer_signal(&o, &id, SIGTERM, "sleep", msg, sizeof(msg)),
	                 KILLER_OTHER_USER);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), 0);
	assert_non_null(strstr(slurp(audit_path), "refused: another user's process"));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_audit_log_is_not_written_through_a_symlink(void **state)
{
	(void)state;
	char target[320], link[320];
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(link, sizeof(link), "%s/link.log", dir);
	FILE *f = fopen(target, "w");
	fputs("keep\n", f);
	fclose(f);
	assert_int_equal(symlink(target, link), 0);
	struct killer_opts o = opts();
	o.audit_path = link;
	struct proc_identity id = {.pid = 999999999, .starttime = 1};
	char msg[256];
	assert_int_not_equal(killer_signal(&o, &id, SIGTERM, "x", msg, sizeof(msg)), KILLER_SENT);
	assert_string_equal(slurp(target), "keep\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sigterm_reaches_our_child_and_is_audited),
	    cmocka_unit_test(test_recycled_identity_is_never_signalled),
	    cmocka_unit_test(test_other_users_process_is_refused_even_for_root),
	    cmocka_unit_test(test_audit_log_is_not_written_through_a_symlink),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
