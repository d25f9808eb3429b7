/* test_identity.c: (pid, starttime) identities, PID recycling, pidfds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/proc_fixture.h"
#include "sys/identity.h"

static void test_equal(void **state)
{
	(void)state;
	struct proc_identity a = {10, 500}, b = {10, 500}, c = {10, 501}, d = {11, 500};
	assert_true(proc_identity_equal(&a, &b));
	assert_false(proc_identity_equal(&a, &c));
	assert_false(proc_identity_equal(&a, &d));
}

static void test_recycled_fixture(void **state)
{
	(void)state;
	char root[FX_PATH_MAX];
	struct proc_identity id, now;
	fx_root_make(root, sizeof(root));

	fx_process(root, 777, "trainer", 1000, 1000, "", 0);
	assert_int_equal(proc_identity_read(root, 777, &id), VT_OK);
	assert_int_equal(id.pid, 777);
	assert_int_equal(id.starttime, 1000);
	assert_int_equal(proc_identity_verify(root, &id), VT_OK);

	/* the process exits: gone */
	fx_remove_pid(root, 777);
	assert_int_equal(proc_identity_verify(root, &id), PROC_ID_GONE);
	assert_int_equal(proc_identity_read(root, 777, &now), PROCFS_GONE);

	/* the PID is handed to a newcomer with a later starttime: recycled */
	fx_process(root, 777, "trainer", 2500, 1000, "", 0);
	assert_int_equal(proc_identity_verify(root, &id), PROC_ID_RECYCLED);
	assert_int_equal(proc_identity_read(root, 777, &now), VT_OK);
	assert_false(proc_identity_equal(&id, &now));
	assert_int_equal(proc_identity_verify(root, &now), VT_OK);

	/* unreadable or foreign stat: cannot tell, and says so (negative) */
	fx_write(root, 777, "stat", "junk", 4);
	assert_int_equal(proc_identity_verify(root, &now), PROCFS_BADFMT);
	fx_write(root, 777, "stat", "778 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 2500", 52);
	assert_int_equal(proc_identity_verify(root, &now), PROCFS_BADFMT);
	fx_root_remove(root);
}

static void test_real_process(void **state)
{
	(void)state;
	struct proc_identity id, self;
	pid_t pid = fx_child_start("/bin/sleep");

	assert_int_equal(proc_identity_read("/proc", pid, &id), VT_OK);
	assert_int_equal(proc_identity_read("/proc", getpid(), &self), VT_OK);
	assert_true(id.starttime >= self.starttime);
	assert_int_equal(proc_identity_verify("/proc", &id), VT_OK);
	/* a starttime that never was: the PID is someone else's */
	struct proc_identity forged = {pid, id.starttime + 1};
	assert_int_equal(proc_identity_verify("/proc", &forged), PROC_ID_RECYCLED);

	/* a pidfd obtained through the identity signals that very process */
	int pidfd;
	int rc = proc_identity_pidfd("/proc", &id, &pidfd);
	if (rc == VT_OK) {
		int other;
		assert_int_equal(proc_identity_pidfd("/proc", &forged, &other), PROC_ID_RECYCLED);
		assert_int_equal(other, -1);
		assert_true(pidfd >= 0);
		assert_int_equal(syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0), 0);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
		close(pidfd);
		assert_int_equal(proc_identity_verify("/proc", &id), PROC_ID_GONE);
		assert_int_equal(proc_identity_pidfd("/proc", &id, &pidfd), PROC_ID_GONE);
		assert_int_equal(pidfd, -1);
	} else {
		/* a kernel before 5.3 */
		assert_int_equal(rc, PROCFS_IOERR);
		fx_child_end(pid);
	}
}

static void test_zombie_is_same(void **state)
{
	(void)state;
	struct proc_identity id;
	pid_t pid = fx_child_start("/bin/sleep");
	assert_int_equal(proc_identity_read("/proc", pid, &id), VT_OK);
	kill(pid, SIGKILL);
	/* wait until it is a zombie, without reaping it */
	siginfo_t si;
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(proc_identity_verify("/proc", &id), VT_OK);
	fx_child_end(pid);
	assert_int_equal(proc_identity_verify("/proc", &id), PROC_ID_GONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_equal),
	    cmocka_unit_test(test_recycled_fixture),
	    cmocka_unit_test(test_real_process),
	    cmocka_unit_test(test_zombie_is_same),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
