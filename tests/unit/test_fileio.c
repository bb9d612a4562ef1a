/*
 * test_fileio.c: util_write_all() (lib/fileio.h), the one write loop the
 * file helpers and the backup index share: every byte through short writes
 * and EINTR, and a failure that carries its own errno, never a stale one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"

#define BIG (4 << 20)

static void on_alarm(int sig)
{
	(void)sig;
}

/* A timer that interrupts write() every millisecond (no SA_RESTART), and
 * a reader that takes its time: the writer sees short writes and EINTR. */
static void test_fileio__write_all_gets_every_byte_through_interruptions(void **state)
{
	struct sigaction sa, old;
	struct itimerval it, off;
	char *data = malloc(BIG);
	int p[2], status;
	pid_t child;
	size_t i;
	(void)state;

	assert_non_null(data);
	for (i = 0; i < BIG; i++)
		data[i] = (char)(i * 7 + i / 4096);
	assert_int_equal(pipe(p), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* Read it all back slowly and compare: exit 0 when whole. */
		static char got[BIG];
		size_t have = 0;
		close(p[1]);
		while (have < BIG) {
			ssize_t n = read(p[0], got + have, have % 3 ? 1000 : 70000);
			if (n <= 0)
				_exit(2);
			have += (size_t)n;
			if (have % 5 == 0)
				usleep(100);
		}
		_exit(memcmp(got, data, BIG) == 0 && read(p[0], got, 1) == 0 ? 0 : 3);
	}
	close(p[0]);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: write() returns short or EINTR */
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	memset(&it, 0, sizeof it);
	it.it_interval.tv_usec = 1000;
	it.it_value.tv_usec = 1000;
	memset(&off, 0, sizeof off);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);

	assert_int_equal(util_write_all(p[1], data, BIG), 0);

	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	close(p[1]);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(data);
}

static void test_fileio__write_all_to_a_pipe_nobody_reads_fails_with_epipe(void **state)
{
	struct sigaction sa, old;
	int p[2];
	(void)state;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGPIPE, &sa, &old), 0);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	errno = 0;
	assert_int_equal(util_write_all(p[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	close(p[1]);
	sigaction(SIGPIPE, &old, NULL);
}

/* A full non-blocking pipe: part of the data goes, then EAGAIN is the
 * error, not whatever errno held before the short write. */
static void test_fileio__a_short_write_then_an_error_reports_that_error(void **state)
{
	static char data[1 << 20];
	int p[2];
	(void)state;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	errno = ENOENT; /* stale */
	assert_int_equal(util_write_all(p[1], data, sizeof data), -1);
	assert_int_equal(errno, EAGAIN);
	close(p[0]);
	close(p[1]);
}

static void test_fileio__writing_nothing_succeeds_even_on_a_bad_descriptor(void **state)
{
	(void)state;
	assert_int_equal(util_write_all(-1, "", 0), 0);
	assert_int_equal(util_write_all(-1, "x", 1), -1);
	assert_int_equal(errno, EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fileio__write_all_gets_every_byte_through_interruptions),
		cmocka_unit_test(test_fileio__write_all_to_a_pipe_nobody_reads_fails_with_epipe),
		cmocka_unit_test(test_fileio__a_short_write_then_an_error_reports_that_error),
		cmocka_unit_test(test_fileio__writing_nothing_succeeds_even_on_a_bad_descriptor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
