/* test_proc_cache.c: cached resolution gives proc_resolve's answers, notices
 * exits through pidfds, re-reads periodically, and stays off for fixtures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <dirent.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/proc_cache.h"

static pid_t spawn_quick(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		execlp("sleep", "sleep", "60", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = spawn_quick();
	usleep(100 * 1000); /* let exec happen, so comm is "sleep" */
	return pid;
}

static void one(struct proc_cache *c, pid_t pid, struct snap_proc *out)
{
	memset(out, 0, sizeof(*out));
	out->pid = pid;
	proc_cache_resolve(c, out);
}

static void test_hits_match_resolve_and_exit_is_seen(void **state)
{
	(void)state;
	struct proc_resolve_opts o;
	proc_resolve_opts_default(&o);
	struct proc_cache *c = proc_cache_new(&o);
	pid_t a = spawn_sleeper(), b = spawn_sleeper();
	struct snap_proc ref, got;
	memset(&ref, 0, sizeof(ref));
	ref.pid = a;
	proc_resolve(&ref, &o);
	assert_true(ref.flags & PF_START_VALID);

	for (int r = 0; r < 3; r++) {
		proc_cache_begin(c);
		one(c, a, &got);
		one(c, b, &got);
		one(c, a, &got); /* the same PID on a second GPU */
		proc_cache_end(c);
	}
	const struct proc_cache_stats *st = proc_cache_stats(c);
	if (st->misses > 2) {
		/* no pidfds here (e.g. under valgrind): the cache must stay correct */
		print_message("# pidfd_open unavailable: cache disabled, checking fallback only\n");
	} else {
		assert_int_equal(st->misses, 2);
		assert_int_equal(st->hits, 7);
	}
	one(c, a, &got);
	assert_int_equal(got.starttime, ref.starttime);
	assert_int_equal(got.uid, ref.uid);
	assert_string_equal(got.user, ref.user);
	assert_string_equal(got.name, "sleep");
	assert_int_equal(got.flags & (PF_START_VALID | PF_SAME_USER | PF_NAME_VALID),
	                 ref.flags & (PF_START_VALID | PF_SAME_USER | PF_NAME_VALID));

	kill(a, SIGKILL);
	waitpid(a, NULL, 0);
	proc_cache_begin(c);
	one(c, a, &got);
	assert_true(got.flags & PF_GONE);
	assert_false(got.flags & PF_START_VALID);
	one(c, b, &got);
	assert_true(got.flags & PF_START_VALID);
	proc_cache_end(c);
	if (st->misses <= 3)
		assert_int_equal(st->exited, 1);
	kill(b, SIGKILL);
	waitpid(b, NULL, 0);
	proc_cache_free(c);
}

static void test_periodic_reread(void **state)
{
	(void)state;
	struct proc_resolve_opts o;
	proc_resolve_opts_default(&o);
	struct proc_cache *c = proc_cache_new(&o);
	pid_t a = spawn_sleeper();
	struct snap_proc got;
	for (int r = 0; r < PROC_CACHE_REFRESH * 2; r++) {
		proc_cache_begin(c);
		one(c, a, &got);
		proc_cache_end(c);
	}
	const struct proc_cache_stats *st = proc_cache_stats(c);
	if (st->hits)
		assert_int_equal(st->misses, 2); /* the first sight and one re-read */
	kill(a, SIGKILL);
	waitpid(a, NULL, 0);
	proc_cache_free(c);
}

static void test_fixture_root_disables_cache(void **state)
{
	(void)state;
	struct proc_resolve_opts o;
	proc_resolve_opts_default(&o);
	o.proc_root = "/nonexistent-proc";
	struct proc_cache *c = proc_cache_new(&o);
	struct snap_proc got;
	for (int r = 0; r < 3; r++) {
		proc_cache_begin(c);
		one(c, getpid(), &got);
		proc_cache_end(c);
	}
	assert_int_equal(proc_cache_stats(c)->hits, 0);
	assert_true(got.flags & PF_GONE);
	proc_cache_free(c);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

/* The cache takes no more pidfds than RLIMIT_NOFILE leaves after a reserve
 * for sockets and files, and resolves the processes it cannot hold afresh. */
static void test_pidfds_bounded_by_rlimit(void **state)
{
	(void)state;
	assert_int_equal(proc_cache_cap(1024), 768);
	assert_int_equal(proc_cache_cap(100), 100 - PROC_CACHE_FD_RESERVE);
	assert_int_equal(proc_cache_cap(PROC_CACHE_FD_RESERVE), 0);
	assert_int_equal(proc_cache_cap(10), 0);
	assert_int_equal(proc_cache_cap(1ull << 20), PROC_CACHE_MAX);

	struct rlimit old, low;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 96; /* cap 32 */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	struct proc_resolve_opts o;
	proc_resolve_opts_default(&o);
	struct proc_cache *c = proc_cache_new(&o);
	assert_int_equal(proc_cache_stats(c)->cap, 32);
	enum { N = 40 };
	pid_t kids[N];
	for (int i = 0; i < N; i++)
		kids[i] = spawn_quick();
	int before = open_fds();
	struct snap_proc got;
	for (int r = 0; r < 3; r++) {
		proc_cache_begin(c);
		for (int i = 0; i < N; i++) {
			one(c, kids[i], &got);
			assert_true(got.flags & PF_START_VALID);
			assert_false(got.flags & PF_GONE);
		}
		proc_cache_end(c);
	}
	assert_true(open_fds() - before <= 32);
	if (proc_cache_stats(c)->hits) /* pidfds available: the cache is full, not over */
		assert_int_equal(open_fds() - before, 32);
	for (int i = 0; i < N; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	proc_cache_free(c);
	assert_int_equal(open_fds(), before);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hits_match_resolve_and_exit_is_seen),
	    cmocka_unit_test(test_periodic_reread),
	    cmocka_unit_test(test_fixture_root_disables_cache),
	    cmocka_unit_test(test_pidfds_bounded_by_rlimit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
