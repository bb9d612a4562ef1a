/*
 * test_fleet.c: the promises of strata_fleet() and strata_fleet_targets()
 * in include/strata.h, through the public header only: one callback per
 * target, one at a time, with done counting up; results in the order of the
 * targets; a stop flag that starts nothing; the version check; specs that
 * name the file and line of a bad entry.
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
#include <unistd.h>

#include "strata.h"

#define NDB 5

struct scratch {
	char dir[64];
	char migrations[96];
	char glob[128];
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* A folder with migrations/ (two migrations) and NDB empty databases. */
static void scratch_make(struct scratch *s)
{
	char path[160];
	int i;

	snprintf(s->dir, sizeof s->dir, "/tmp/strata-test-fleet.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->migrations, sizeof s->migrations, "%s/migrations", s->dir);
	assert_int_equal(mkdir(s->migrations, 0700), 0);
	snprintf(path, sizeof path, "%s/0001_a.sql", s->migrations);
	write_file(path, "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n");
	snprintf(path, sizeof path, "%s/0002_b.sql", s->migrations);
	write_file(path, "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n");
	for (i = 0; i < NDB; i++) {
		snprintf(path, sizeof path, "%s/t%d.db", s->dir, i);
		write_file(path, "");
	}
	snprintf(s->glob, sizeof s->glob, "sqlite:%s/t*.db", s->dir);
}

static void scratch_remove(struct scratch *s)
{
	char cmd[96];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
	assert_int_equal(system(cmd), 0);
}

struct seen {
	size_t calls, last_done, total;
	int order_ok;
};

static void on_result(void *payload, const strata_fleet_result *r, size_t done, size_t total)
{
	struct seen *s = payload;

	s->calls++;
	/* one at a time: done is the count of calls so far */
	if (done != s->last_done + 1 || r->url == NULL)
		s->order_ok = 0;
	s->last_done = done;
	s->total = total;
}

static strata_db *lead(const struct scratch *s)
{
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_db *db = NULL;

	cfg.dir = s->migrations;
	cfg.no_backup = 1;
	assert_int_equal(strata_new(&db, &cfg), 0);
	return db;
}

static void test_fleet__up_calls_back_once_per_target_and_reports_in_order(void **state)
{
	struct scratch s;
	struct seen seen = { 0, 0, 0, 1 };
	strata_fleet_opts o = STRATA_FLEET_OPTS_INIT;
	strata_fleet_report *r = NULL;
	strata_db *db;
	char **urls = NULL;
	size_t n = 0, i;

	(void)state;
	scratch_make(&s);
	db = lead(&s);
	assert_int_equal(strata_fleet_targets(db, s.glob, &urls, &n), 0);
	assert_int_equal(n, NDB);
	assert_null(urls[n]);
	o.command = STRATA_FLEET_UP;
	o.jobs = 3;
	o.on_result = on_result;
	o.payload = &seen;
	assert_int_equal(strata_fleet(db, (const char *const *)urls, n, &o, &r), 0);
	assert_non_null(r);
	assert_int_equal(seen.calls, NDB);
	assert_int_equal(seen.total, NDB);
	assert_true(seen.order_ok);
	assert_int_equal(r->n, NDB);
	assert_int_equal(r->ok, NDB);
	for (i = 0; i < n; i++) {
		assert_int_equal(r->results[i].index, i);
		assert_string_equal(r->results[i].url, urls[i]);
		assert_int_equal(r->results[i].outcome, STRATA_FLEET_OK);
		assert_int_equal(r->results[i].count, 2);
		assert_null(r->results[i].error);
	}
	strata_fleet_report_free(r);

	/* status: nothing pending anywhere */
	o.command = STRATA_FLEET_STATUS;
	o.on_result = NULL;
	assert_int_equal(strata_fleet(db, (const char *const *)urls, n, &o, &r), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(r->results[i].count, 0);
	strata_fleet_report_free(r);
	strata_strings_free(urls);
	strata_close(db);
	scratch_remove(&s);
}

static void test_fleet__a_stop_flag_set_starts_no_target(void **state)
{
	struct scratch s;
	struct seen seen = { 0, 0, 0, 1 };
	strata_fleet_opts o = STRATA_FLEET_OPTS_INIT;
	strata_fleet_report *r = NULL;
	volatile int stop = 1;
	strata_db *db;
	char **urls = NULL, path[160];
	size_t n = 0, i;
	struct stat st;

	(void)state;
	scratch_make(&s);
	db = lead(&s);
	assert_int_equal(strata_fleet_targets(db, s.glob, &urls, &n), 0);
	o.stop = &stop;
	o.on_result = on_result;
	o.payload = &seen;
	assert_int_equal(strata_fleet(db, (const char *const *)urls, n, &o, &r), STRATA_ERROR);
	assert_non_null(r);
	assert_int_equal(seen.calls, 0);
	assert_int_equal(r->skipped, NDB);
	assert_true(r->stopped);
	assert_non_null(strstr(strata_errmsg(db), "not run (stopped)"));
	for (i = 0; i < n; i++) {
		assert_int_equal(r->results[i].outcome, STRATA_FLEET_SKIPPED);
		snprintf(path, sizeof path, "%s/t%zu.db", s.dir, i);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, 0);
	}
	strata_fleet_report_free(r);
	strata_strings_free(urls);
	strata_close(db);
	scratch_remove(&s);
}

static void test_fleet__opts_of_unknown_version_run_nothing(void **state)
{
	strata_fleet_opts o = STRATA_FLEET_OPTS_INIT;
	strata_fleet_report *r = (strata_fleet_report *)1;
	const char *urls[] = { "sqlite:/nonexistent/x.db" };
	strata_db *db = NULL;

	(void)state;
	assert_int_equal(strata_new(&db, NULL), 0);
	o.version = STRATA_FLEET_OPTS_VERSION + 1;
	assert_int_equal(strata_fleet(db, urls, 1, &o, &r), STRATA_EUSAGE);
	assert_null(r);
	assert_non_null(strstr(strata_errmsg(db), "strata_fleet_opts version"));
	o.version = 0;
	assert_int_equal(strata_fleet(db, urls, 1, &o, &r), STRATA_EUSAGE);
	strata_fleet_report_free(NULL);
	strata_close(db);
}

static void test_fleet__a_bad_line_of_a_targets_file_is_named(void **state)
{
	struct scratch s;
	strata_db *db;
	char **urls = (char **)1, spec[200], path[160];
	size_t n = 7;

	(void)state;
	scratch_make(&s);
	db = lead(&s);
	snprintf(path, sizeof path, "%s/list.txt", s.dir);
	write_file(path, "# the tenants\nsqlite:a.db\n\nnot a url\n");
	snprintf(spec, sizeof spec, "@%s", path);
	assert_int_equal(strata_fleet_targets(db, spec, &urls, &n), STRATA_EPARSE);
	assert_null(urls);
	assert_int_equal(n, 0);
	assert_non_null(strstr(strata_errmsg(db), "list.txt:4: not a database URL"));
	snprintf(spec, sizeof spec, "sqlite:%s/none*.db", s.dir);
	assert_int_equal(strata_fleet_targets(db, spec, &urls, &n), STRATA_EUSAGE);
	assert_non_null(strstr(strata_errmsg(db), "no file matches"));
	strata_close(db);
	scratch_remove(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fleet__up_calls_back_once_per_target_and_reports_in_order),
		cmocka_unit_test(test_fleet__a_stop_flag_set_starts_no_target),
		cmocka_unit_test(test_fleet__opts_of_unknown_version_run_nothing),
		cmocka_unit_test(test_fleet__a_bad_line_of_a_targets_file_is_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
