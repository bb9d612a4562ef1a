/*
 * test_rows.c: strata_rows_read(), the rows strata studio shows. Names
 * come from a browser: one that is not in the live schema is
 * STRATA_ENOTFOUND and runs nothing; the filter is a parameter; pages are
 * in primary-key order and capped. Only the public header (and sqlite3 to
 * make the database), as an embedding program would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "strata.h"

struct fixture {
	char path[64];
	char url[96];
	strata_db *db;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	sqlite3 *s;
	int fd, i;
	char sql[128];

	assert_non_null(f);
	snprintf(f->path, sizeof f->path, "/tmp/strata-test-rows.XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
	assert_int_equal(sqlite3_exec(s,
		"CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, note TEXT);"
		"CREATE TABLE plain (v TEXT);"
		"CREATE VIEW v_users AS SELECT * FROM users;"
		"CREATE TABLE strata_migrations (version TEXT PRIMARY KEY);"
		"INSERT INTO plain VALUES ('b'), ('a');", NULL, NULL, NULL), SQLITE_OK);
	/* inserted out of order: the page comes back by primary key */
	for (i = 1500; i >= 1; i--) {
		snprintf(sql, sizeof sql, "INSERT INTO users VALUES (%d, 'u%d@example.com', %s)", i, i,
		         i == 2 ? "NULL" : "'x'");
		assert_int_equal(sqlite3_exec(s, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	sqlite3_close(s);
	snprintf(f->url, sizeof f->url, "sqlite:%s", f->path);
	assert_int_equal(strata_open(&f->db, f->url, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	strata_close(f->db);
	unlink(f->path);
	free(f);
	return 0;
}

static long long count_users(const struct fixture *f)
{
	sqlite3 *s;
	sqlite3_stmt *st;
	long long n = -1;

	assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
	if (sqlite3_prepare_v2(s, "SELECT count(*) FROM users", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(s);
	return n;
}

static void test_rows__a_page_in_primary_key_order(void **state)
{
	struct fixture *f = *state;
	strata_rows_opts o = STRATA_ROWS_OPTS_INIT;
	strata_rows *r = NULL;

	o.table = "users";
	o.offset = 1;
	o.limit = 3;
	assert_int_equal(strata_rows_read(f->db, &o, &r), 0);
	assert_int_equal(r->ncols, 3);
	assert_string_equal(r->columns[1], "email");
	assert_int_equal(r->nrows, 3);
	assert_int_equal(r->total, 1500);
	assert_string_equal(r->cells[0], "2");
	assert_null(r->cells[2]);            /* SQL NULL */
	assert_string_equal(r->cells[3 * 2 + 1], "u4@example.com");
	strata_rows_free(r);
}

static void test_rows__the_limit_is_capped_and_defaults_to_50(void **state)
{
	struct fixture *f = *state;
	strata_rows_opts o = STRATA_ROWS_OPTS_INIT;
	strata_rows *r = NULL;

	o.table = "users";
	o.limit = 100000;
	assert_int_equal(strata_rows_read(f->db, &o, &r), 0);
	assert_int_equal(r->nrows, STRATA_ROWS_MAX);
	strata_rows_free(r);
	o.limit = 0;
	assert_int_equal(strata_rows_read(f->db, &o, &r), 0);
	assert_int_equal(r->nrows, 50);
	strata_rows_free(r);
	/* no primary key: rowid order */
	o.table = "plain";
	assert_int_equal(strata_rows_read(f->db, &o, &r), 0);
	assert_int_equal(r->nrows, 2);
	assert_string_equal(r->cells[0], "b");
	strata_rows_free(r);
}

static void test_rows__a_name_not_in_the_schema_is_ENOTFOUND_and_runs_nothing(void **state)
{
	struct fixture *f = *state;
	static const char *const tables[] = {
		"users; DROP TABLE users", "users\"; DROP TABLE users; --", "USERS", "v_users",
		"strata_migrations", "sqlite_schema", "",
	};
	strata_rows_opts o = STRATA_ROWS_OPTS_INIT;
	strata_rows *r = (strata_rows *)&o;
	size_t i;

	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		o.table = tables[i];
		assert_true(strata_rows_read(f->db, &o, &r) < 0);
		assert_null(r);
	}
	o.table = "users\"; DROP TABLE users; --";
	assert_int_equal(strata_rows_read(f->db, &o, &r), STRATA_ENOTFOUND);
	assert_string_equal(strata_errmsg(f->db), "no table 'users\"; DROP TABLE users; --' in the database");
	o.table = "users";
	o.filter_column = "email\") OR 1=1 --";
	o.filter = "x";
	assert_int_equal(strata_rows_read(f->db, &o, &r), STRATA_ENOTFOUND);
	assert_null(r);
	assert_int_equal(count_users(f), 1500);
}

static void test_rows__the_filter_is_a_parameter(void **state)
{
	struct fixture *f = *state;
	strata_rows_opts o = STRATA_ROWS_OPTS_INIT;
	strata_rows *r = NULL;

	o.table = "users";
	o.filter_column = "email";
	o.filter = "' OR '1'='1";
	assert_int_equal(strata_rows_read(f->db, &o, &r), 0);
	assert_int_equal(r->nrows, 0);
	assert_int_equal(r->total, 0);
	strata_rows_free(r);
	o.filter = "u15@";
	assert_int_equal(strata_rows_read(f->db, &o, &r), 0);
	assert_int_equal(r->total, 1);
	assert_string_equal(r->cells[0], "15");
	strata_rows_free(r);
	o.filter = "%";   /* no LIKE: a percent sign is a percent sign */
	assert_int_equal(strata_rows_read(f->db, &o, &r), 0);
	assert_int_equal(r->total, 0);
	strata_rows_free(r);
}

static void test_rows__opts_of_unknown_version_are_refused(void **state)
{
	struct fixture *f = *state;
	strata_rows_opts o = STRATA_ROWS_OPTS_INIT;
	strata_rows *r = NULL;

	o.table = "users";
	o.version = 0;
	assert_int_equal(strata_rows_read(f->db, &o, &r), STRATA_EUSAGE);
	assert_string_equal(strata_errmsg(f->db), "strata_rows_opts version 0 is not supported");
	assert_null(r);
	assert_int_equal(strata_rows_read(f->db, NULL, &r), STRATA_EUSAGE);
	strata_rows_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows__a_page_in_primary_key_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows__the_limit_is_capped_and_defaults_to_50, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows__a_name_not_in_the_schema_is_ENOTFOUND_and_runs_nothing,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows__the_filter_is_a_parameter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows__opts_of_unknown_version_are_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
