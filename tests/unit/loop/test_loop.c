/* test_loop.c: the event loop -- timers in order, fd readiness, signals, and
 * callbacks that remove themselves or another watcher. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "loop/loop.h"

static char order[32];
static size_t norder;

static void mark(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	order[norder++] = *(const char *)arg;
}

static void test_timers_in_deadline_then_arming_order(void **state)
{
	(void)state;
	char err[128];
	struct loop *l = loop_new(err, sizeof(err));
	norder = 0;
	loop_timer_add(l, 0.020, 0, mark, "c");
	loop_timer_add(l, 0.005, 0, mark, "a");
	loop_timer_add(l, 0.005, 0, mark, "b"); /* same deadline: armed after a */
	double t0 = loop_now();
	while (norder < 3)
		assert_true(loop_run_once(l, 1000) >= 0);
	assert_memory_equal(order, "abc", 3);
	assert_true(loop_now() - t0 >= 0.019); /* c waited for its deadline */
	loop_free(l);
}

static int periodic_runs;
static void periodic(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	if (++periodic_runs == 3)
		loop_stop(l, 7);
}

static void test_periodic_keeps_phase_and_stop_returns_status(void **state)
{
	(void)state;
	char err[128];
	struct loop *l = loop_new(err, sizeof(err));
	periodic_runs = 0;
	loop_timer_add(l, 0, 0.01, periodic, NULL);
	double t0 = loop_now();
	assert_int_equal(loop_run(l), 7);
	assert_int_equal(periodic_runs, 3);
	double dt = loop_now() - t0;
	assert_true(dt >= 0.019 && dt < 0.5); /* ticks at 0, 10, 20 ms */
	loop_free(l);
}

static int reads;
static void on_read(struct loop *l, int fd, unsigned revents, void *arg)
{
	char b[16];
	(void)arg;
	assert_true(revents & LOOP_IN);
	assert_true(read(fd, b, sizeof(b)) > 0);
	reads++;
	loop_stop(l, 0);
}

static void test_fd_readiness(void **state)
{
	(void)state;
	char err[128];
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct loop *l = loop_new(err, sizeof(err));
	reads = 0;
	loop_fd_add(l, p[0], LOOP_IN, on_read, NULL);
	assert_int_equal(loop_run_once(l, 0), 0); /* nothing to read yet */
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(reads, 1);
	loop_free(l);
	close(p[0]);
	close(p[1]);
}

/* A callback that removes itself and the other watcher of the same pass:
 * the other is never called, though its fd is ready too. */
static struct loop_fd *wa, *wb;
static int calls_a, calls_b;
static void remove_both(struct loop *l, int fd, unsigned revents, void *arg)
{
	(void)fd;
	(void)revents;
	(void)arg;
	calls_a++;
	loop_fd_remove(l, wa);
	loop_fd_remove(l, wb);
}
static void count_b(struct loop *l, int fd, unsigned revents, void *arg)
{
	(void)l;
	(void)fd;
	(void)revents;
	(void)arg;
	calls_b++;
}

static void test_callback_removes_itself_and_another(void **state)
{
	(void)state;
	char err[128];
	int p[2], q[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(write(q[1], "y", 1), 1);
	struct loop *l = loop_new(err, sizeof(err));
	calls_a = calls_b = 0;
	wa = loop_fd_add(l, p[0], LOOP_IN, remove_both, NULL);
	wb = loop_fd_add(l, q[0], LOOP_IN, count_b, NULL);
	assert_int_equal(loop_run_once(l, 100), 1);
	assert_int_equal(loop_run_once(l, 0), 0); /* both gone */
	assert_int_equal(calls_a, 1);
	assert_int_equal(calls_b, 0);
	loop_free(l);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

static struct loop_timer *victim;
static void kill_victim(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	order[norder++] = 'k';
	loop_timer_remove(l, victim);
}

static void test_timer_removed_by_an_earlier_one_never_runs(void **state)
{
	(void)state;
	char err[128];
	struct loop *l = loop_new(err, sizeof(err));
	norder = 0;
	loop_timer_add(l, 0, 0, kill_victim, NULL);
	victim = loop_timer_add(l, 0, 0, mark, "v"); /* due at the same pass */
	loop_run_once(l, 100);
	loop_run_once(l, 10);
	assert_int_equal(norder, 1);
	assert_int_equal(order[0], 'k');
	loop_free(l);
}

static int got_signo;
static void on_sig(struct loop *l, int signo, void *arg)
{
	(void)arg;
	got_signo = signo;
	loop_stop(l, 0);
}

static void test_signal_arrives_as_a_callback(void **state)
{
	(void)state;
	char err[128];
	struct loop *l = loop_new(err, sizeof(err));
	got_signo = 0;
	assert_true(loop_signal_add(l, SIGUSR1, on_sig, NULL, err, sizeof(err)));
	assert_int_equal(kill(getpid(), SIGUSR1), 0); /* blocked: waits for the loop */
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(got_signo, SIGUSR1);
	loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timers_in_deadline_then_arming_order),
	    cmocka_unit_test(test_periodic_keeps_phase_and_stop_returns_status),
	    cmocka_unit_test(test_fd_readiness),
	    cmocka_unit_test(test_callback_removes_itself_and_another),
	    cmocka_unit_test(test_timer_removed_by_an_earlier_one_never_runs),
	    cmocka_unit_test(test_signal_arrives_as_a_callback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
