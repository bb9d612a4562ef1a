/*
 * test_watch.c: STRATA_LOG_PROGRESS through the public API (strata.h): a
 * long statement of a migration is reported to the log callback only when
 * strata_config.progress asks for it (and never to a caller built against
 * an older strata_config), names its file and line, and ends with the
 * empty message. The rhythm is shortened through the test builds'
 * STRATA_TEST_WATCH_MS (lib/watch.c); a build without the seam skips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "strata.h"

struct seen {
	int progress;        /* STRATA_LOG_PROGRESS messages with words */
	int cleared;         /* ... and empty ones */
	int last_empty;      /* the last one was empty */
	int other_below;     /* other levels below DEBUG: none may come */
	char first[256];
};

static void on_log(void *payload, int level, const char *msg)
{
	struct seen *s = payload;

	if (level == STRATA_LOG_PROGRESS) {
		if (*msg) {
			if (!s->progress++)
				snprintf(s->first, sizeof s->first, "%s", msg);
		} else {
			s->cleared++;
		}
		s->last_empty = !*msg;
	} else if (level < STRATA_LOG_DEBUG) {
		s->other_below++;
	}
}

/* A fresh folder with a migration whose second line runs a while, up on
 * a new database with cfg; what the log saw into *s. */
static void run_up(int cfg_version, int progress, struct seen *s)
{
	char dir[64], path[160], db_url[160], cmd[96];
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_up_opts up = STRATA_UP_OPTS_INIT;
	strata_report *r = NULL;
	strata_db *db = NULL;
	FILE *f;

	memset(s, 0, sizeof *s);
	snprintf(dir, sizeof dir, "/tmp/strata-test-watch.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/migrations", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/migrations/0001_fill.sql", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("-- migrate:up\n"
	      "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);\n"
	      "INSERT INTO t (v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n\n"
	      "  WHERE i < 200000) SELECT i FROM n;\n"
	      "-- migrate:down\nDROP TABLE t;\n", f);
	assert_int_equal(fclose(f), 0);
	snprintf(path, sizeof path, "%s/migrations", dir);
	snprintf(db_url, sizeof db_url, "sqlite:%s/app.db", dir);
	cfg.version = cfg_version;
	cfg.dir = path;
	cfg.no_backup = 1;
	cfg.log = on_log;
	cfg.log_payload = s;
	cfg.progress = progress;
	assert_int_equal(strata_open(&db, db_url, &cfg), 0);
	assert_int_equal(strata_up(db, &up, &r), 0);
	assert_int_equal(r->n, 1);
	strata_report_free(r);
	strata_close(db);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	(void)state;
	return setenv("STRATA_TEST_WATCH_MS", "5", 1);
}

static void test_watch__progress_asked_for_names_file_and_line_and_ends_empty(void **state)
{
	struct seen s;

	(void)state;
#ifndef STRATA_FAULT_INJECTION
	skip();
#endif
	run_up(STRATA_CONFIG_VERSION, 1, &s);
	assert_true(s.progress > 0);
	assert_non_null(strstr(s.first, "/migrations/0001_fill.sql:3: running for "));
	assert_non_null(strstr(s.first, " rows written"));
	assert_true(s.cleared > 0);
	assert_true(s.last_empty);
	assert_int_equal(s.other_below, 0);
}

static void test_watch__no_progress_unless_asked(void **state)
{
	struct seen s;

	(void)state;
#ifndef STRATA_FAULT_INJECTION
	skip();
#endif
	run_up(STRATA_CONFIG_VERSION, 0, &s);
	assert_int_equal(s.progress + s.cleared + s.other_below, 0);
}

static void test_watch__a_version_3_config_never_gets_progress(void **state)
{
	struct seen s;

	(void)state;
#ifndef STRATA_FAULT_INJECTION
	skip();
#endif
	/* a caller built before version 4: its struct ends before progress
	 * (here the field is set, and must not be read) */
	run_up(3, 1, &s);
	assert_int_equal(s.progress + s.cleared + s.other_below, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watch__progress_asked_for_names_file_and_line_and_ends_empty),
		cmocka_unit_test(test_watch__no_progress_unless_asked),
		cmocka_unit_test(test_watch__a_version_3_config_never_gets_progress),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
