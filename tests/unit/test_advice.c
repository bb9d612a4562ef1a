/*
 * test_advice.c: the library speaks for itself. Each failure whose way out
 * the strata program words in its own commands (strata_errwhy(), src/output.c)
 * is made here through the public API, and its message is checked to state
 * only what happened: no command ("strata ...") and no flag ("--..."), as an
 * application embedding libstrata has neither. Also the handle that exists
 * before it connects (strata_new(), strata_connect()).
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

#include <sqlite3.h>

#include "strata.h"

struct scratch {
	char dir[64];
	char migrations[96];
	char db[96];
	char url[112];
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void mig(struct scratch *s, const char *name, const char *up, const char *down)
{
	char path[192], text[512];

	snprintf(path, sizeof path, "%s/%s.sql", s->migrations, name);
	snprintf(text, sizeof text, "-- migrate:up\n%s\n%s%s%s", up, down ? "-- migrate:down\n" : "",
	         down ? down : "", down ? "\n" : "");
	write_file(path, text);
}

static void unmig(struct scratch *s, const char *name)
{
	char path[192];

	snprintf(path, sizeof path, "%s/%s.sql", s->migrations, name);
	assert_int_equal(unlink(path), 0);
}

static void scratch_make(struct scratch *s)
{
	snprintf(s->dir, sizeof s->dir, "/tmp/strata-test-advice.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->migrations, sizeof s->migrations, "%s/migrations", s->dir);
	snprintf(s->db, sizeof s->db, "%s/app.db", s->dir);
	snprintf(s->url, sizeof s->url, "sqlite:%s", s->db);
	assert_int_equal(mkdir(s->migrations, 0700), 0);
}

static void scratch_remove(struct scratch *s)
{
	char cmd[96];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
	assert_int_equal(system(cmd), 0);
}

static strata_db *open_db(struct scratch *s)
{
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_db *db = NULL;

	cfg.dir = s->migrations;
	cfg.no_backup = 1;
	assert_int_equal(strata_open(&db, s->url, &cfg), 0);
	return db;
}

static void sql(struct scratch *s, const char *text)
{
	sqlite3 *h = NULL;

	assert_int_equal(sqlite3_open(s->db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, text, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

/*
 * rc is code, the handle says so with the detail why, and the message
 * gives no CLI advice.
 */
static void assert_speaks_for_itself(strata_db *db, int rc, int code, int why)
{
	const char *msg = strata_errmsg(db);

	if (rc != code || strata_errwhy(db) != why || strstr(msg, "--") || strstr(msg, "strata "))
		fail_msg("rc %d (want %d), why %d (want %d): %s", rc, code, strata_errwhy(db), why, msg);
	assert_int_equal(strata_errcode(db), code);
}

/* Three applied in two batches: 0001 (batch 1), 0002, 0003 (batch 2). */
static strata_db *three_applied(struct scratch *s)
{
	strata_up_opts one = STRATA_UP_OPTS_INIT;
	strata_db *db;

	scratch_make(s);
	mig(s, "0001_a", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;");
	mig(s, "0002_b", "CREATE TABLE b (id INTEGER);", "DROP TABLE b;");
	mig(s, "0003_c", "CREATE TABLE c (id INTEGER);", "DROP TABLE c;");
	db = open_db(s);
	one.steps = 1;
	assert_int_equal(strata_up(db, &one, NULL), 0);
	assert_int_equal(strata_up(db, NULL, NULL), 0);
	return db;
}

static void test_advice__no_url_names_no_flag(void **state)
{
	strata_db *db = NULL;

	(void)state;
	assert_speaks_for_itself(db, strata_open(&db, "", NULL), STRATA_EURL, STRATA_WHY_NO_URL);
	strata_close(db);
}

static void test_advice__a_missing_directory_names_no_command(void **state)
{
	struct scratch s;
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_report *r = NULL;
	strata_db *db = NULL;
	char dir[128];

	(void)state;
	scratch_make(&s);
	snprintf(dir, sizeof dir, "%s/nope", s.dir);
	cfg.dir = dir;
	assert_int_equal(strata_open(&db, s.url, &cfg), 0);
	assert_speaks_for_itself(db, strata_up(db, NULL, &r), STRATA_ENOTFOUND, STRATA_WHY_NO_DIR);
	assert_string_equal(strata_errarg(db, 0), dir);
	strata_report_free(r);
	strata_close(db);
	scratch_remove(&s);
}

static void test_advice__a_stale_sum_names_no_command(void **state)
{
	struct scratch s;
	char sum[128], *path = NULL;
	strata_db *db;

	(void)state;
	scratch_make(&s);
	mig(&s, "0001_a", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;");
	snprintf(sum, sizeof sum, "%s/strata.sum", s.migrations);
	write_file(sum, "total 00\n");
	db = open_db(&s);
	assert_speaks_for_itself(db, strata_up(db, NULL, NULL), STRATA_ECHECKSUM,
	                         STRATA_WHY_SUM_STALE);
	assert_speaks_for_itself(db, strata_migration_create(db, "b", &path), STRATA_ECHECKSUM,
	                         STRATA_WHY_SUM_STALE);
	assert_null(path);
	/* what the advice leads to: rewritten, the sum lets up run */
	assert_int_equal(strata_sum_write(db), 0);
	assert_int_equal(strata_errwhy(db), STRATA_WHY_NONE);
	assert_int_equal(strata_up(db, NULL, NULL), 0);
	strata_close(db);
	scratch_remove(&s);
}

static void test_advice__an_empty_up_section_names_no_command(void **state)
{
	struct scratch s;
	strata_db *db;

	(void)state;
	scratch_make(&s);
	mig(&s, "0001_a", "", "");
	db = open_db(&s);
	assert_speaks_for_itself(db, strata_up(db, NULL, NULL), STRATA_EPARSE, STRATA_WHY_EMPTY_UP);
	strata_close(db);
	scratch_remove(&s);
}

static void test_advice__refusals_of_up_name_no_command(void **state)
{
	struct scratch s;
	strata_db *db;

	(void)state;
	/* an edit of an up section, of the last migration: redo would do */
	db = three_applied(&s);
	mig(&s, "0003_c", "CREATE TABLE c (id INTEGER, x TEXT);", "DROP TABLE c;");
	assert_speaks_for_itself(db, strata_up(db, NULL, NULL), STRATA_ECHECKSUM, STRATA_WHY_EDITED);
	assert_string_equal(strata_errarg(db, 0), "0003");
	assert_non_null(strata_errarg(db, 1));
	assert_string_equal(strata_errarg(db, 2), "redo");
	/* not the last one: no redo */
	mig(&s, "0003_c", "CREATE TABLE c (id INTEGER);", "DROP TABLE c;");
	mig(&s, "0002_b", "CREATE TABLE b (id INTEGER, x TEXT);", "DROP TABLE b;");
	assert_speaks_for_itself(db, strata_up(db, NULL, NULL), STRATA_ECHECKSUM, STRATA_WHY_EDITED);
	assert_null(strata_errarg(db, 2));
	/* an edit outside the up section */
	mig(&s, "0002_b", "CREATE TABLE b (id INTEGER);", "DROP TABLE IF EXISTS b;");
	assert_speaks_for_itself(db, strata_up(db, NULL, NULL), STRATA_ECHECKSUM,
	                         STRATA_WHY_EDITED_KEPT);
	assert_string_equal(strata_errarg(db, 0), "0002");
	mig(&s, "0002_b", "CREATE TABLE b (id INTEGER);", "DROP TABLE b;");
	/* a file gone: the one before it is the way back */
	unmig(&s, "0002_b");
	assert_speaks_for_itself(db, strata_up(db, NULL, NULL), STRATA_EMISSING, STRATA_WHY_MISSING);
	assert_string_equal(strata_errarg(db, 0), "0002");
	assert_string_equal(strata_errarg(db, 1), "0001");
	mig(&s, "0002_b", "CREATE TABLE b (id INTEGER);", "DROP TABLE b;");
	/* the first one gone: no version before it */
	unmig(&s, "0001_a");
	assert_speaks_for_itself(db, strata_up(db, NULL, NULL), STRATA_EMISSING, STRATA_WHY_MISSING);
	assert_null(strata_errarg(db, 1));
	/* ... and without down SQL recorded */
	sql(&s, "UPDATE strata_migrations SET down_sql = NULL WHERE version = '0001'");
	assert_speaks_for_itself(db, strata_up(db, NULL, NULL), STRATA_EMISSING,
	                         STRATA_WHY_MISSING_NO_DOWN);
	mig(&s, "0001_a", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;");
	/* out of order */
	mig(&s, "0000_z", "CREATE TABLE z (id INTEGER);", "DROP TABLE z;");
	assert_speaks_for_itself(db, strata_up(db, NULL, NULL), STRATA_EORDER,
	                         STRATA_WHY_OUT_OF_ORDER);
	unmig(&s, "0000_z");
	/* recorded as failed: up and down say which they are */
	sql(&s, "UPDATE strata_migrations SET state = 'failed', error = 'boom' WHERE version = '0003'");
	assert_speaks_for_itself(db, strata_up(db, NULL, NULL), STRATA_EFAILED, STRATA_WHY_FAILED);
	assert_string_equal(strata_errarg(db, 0), "0003");
	assert_string_equal(strata_errarg(db, 1), "up");
	assert_speaks_for_itself(db, strata_down(db, NULL, NULL), STRATA_EFAILED, STRATA_WHY_FAILED);
	assert_string_equal(strata_errarg(db, 1), "down");
	/* a success clears the detail */
	assert_int_equal(strata_mark(db, "0003", 1), 0);
	assert_int_equal(strata_errwhy(db), STRATA_WHY_NONE);
	assert_null(strata_errarg(db, 0));
	strata_close(db);
	scratch_remove(&s);
}

static void test_advice__destructive_up_names_no_flag(void **state)
{
	struct scratch s;
	strata_up_opts o = STRATA_UP_OPTS_INIT;
	strata_db *db;

	(void)state;
	db = three_applied(&s);
	mig(&s, "0004_drop", "DROP TABLE a;", "CREATE TABLE a (id INTEGER);");
	o.refuse_destructive = 1;
	assert_speaks_for_itself(db, strata_up(db, &o, NULL), STRATA_EDESTRUCTIVE,
	                         STRATA_WHY_DESTRUCTIVE);
	strata_close(db);
	scratch_remove(&s);
}

static void test_advice__a_stopped_migration_names_no_command(void **state)
{
	struct scratch s;
	strata_db *db;

	(void)state;
	scratch_make(&s);
	mig(&s, "0001_a", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;");
	{
		char path[192];
		snprintf(path, sizeof path, "%s/0002_q.sql", s.migrations);
		write_file(path, "-- migrate:up transaction:false\nCREATE TABLE q (id INTEGER);\n"
		           "SELECT * FROM no_such_table;\n-- migrate:down\nDROP TABLE q;\n");
	}
	db = open_db(&s);
	assert_speaks_for_itself(db, strata_up(db, NULL, NULL), STRATA_ESQL, STRATA_WHY_STOPPED);
	assert_string_equal(strata_errarg(db, 0), "0002");
	strata_close(db);
	scratch_remove(&s);
}

static void test_advice__refusals_of_down_name_no_command(void **state)
{
	struct scratch s;
	strata_db *db;

	(void)state;
	db = three_applied(&s);
	/* a down section removed from a file whose up section is as applied */
	mig(&s, "0003_c", "CREATE TABLE c (id INTEGER);", NULL);
	assert_speaks_for_itself(db, strata_down(db, NULL, NULL), STRATA_EIRREVERSIBLE,
	                         STRATA_WHY_NO_DOWN);
	assert_string_equal(strata_errarg(db, 0), "0003");
	assert_non_null(strata_errarg(db, 1));
	/* the file gone and no down SQL recorded */
	unmig(&s, "0003_c");
	sql(&s, "UPDATE strata_migrations SET down_sql = NULL WHERE version = '0003'");
	assert_speaks_for_itself(db, strata_down(db, NULL, NULL), STRATA_EIRREVERSIBLE,
	                         STRATA_WHY_NO_DOWN_SQL);
	assert_null(strata_errarg(db, 1));
	strata_close(db);
	scratch_remove(&s);
}

static void test_advice__push_names_no_flag(void **state)
{
	struct scratch s;
	strata_push_opts o = STRATA_PUSH_OPTS_INIT;
	strata_plan *p = NULL;
	char schema[128];
	strata_db *db;

	(void)state;
	db = three_applied(&s);
	snprintf(schema, sizeof schema, "%s/schema.sql", s.dir);
	write_file(schema, "CREATE TABLE a (id INTEGER);\n");
	o.schema_file = schema;
	assert_speaks_for_itself(db, strata_push(db, &o, &p), STRATA_EUSAGE, STRATA_WHY_MANAGED);
	strata_plan_free(p);
	p = NULL;
	o.force = 1;
	assert_speaks_for_itself(db, strata_push(db, &o, &p), STRATA_EDESTRUCTIVE,
	                         STRATA_WHY_PUSH_DESTRUCTIVE);
	strata_plan_free(p);
	strata_close(db);
	scratch_remove(&s);
}

static void test_advice__restore_of_no_such_backup_names_no_command(void **state)
{
	struct scratch s;
	strata_db *db;
	char *path = NULL;

	(void)state;
	db = three_applied(&s);
	assert_int_equal(strata_backup(db, "keep", &path), 0);
	free(path);
	assert_speaks_for_itself(db, strata_restore(db, "nope", NULL), STRATA_ENOTFOUND,
	                         STRATA_WHY_NO_BACKUP);
	assert_string_equal(strata_errarg(db, 0), "nope");
	strata_close(db);
	scratch_remove(&s);
}

/* A handle before it connects: the calls that need no database work on it;
 * the others fail cleanly; then it connects, once. */
static void test_advice__a_handle_before_it_connects(void **state)
{
	struct scratch s;
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_report *r = NULL;
	strata_db *db = NULL;
	char *path = NULL;

	(void)state;
	scratch_make(&s);
	mig(&s, "0001_a", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;");
	cfg.dir = s.migrations;
	assert_int_equal(strata_new(&db, &cfg), 0);
	assert_non_null(db);
	assert_string_equal(strata_engine(db), "unknown");
	assert_int_equal(strata_status(db, &r), STRATA_ECONNECT);
	assert_null(r);
	assert_int_equal(strata_show(db, "0001", &r), 0);
	assert_int_equal(r->entries[0].state, STRATA_PENDING);
	strata_report_free(r);
	assert_int_equal(strata_migration_create(db, "bad name", &path), STRATA_EUSAGE);
	assert_null(path);
	assert_non_null(strstr(strata_errmsg(db), "is not a migration name"));
	assert_int_equal(strata_sum_write(db), 0);
	/* a bad URL leaves the handle usable and not connected */
	assert_int_equal(strata_connect(db, "mysql://x"), STRATA_EURL);
	assert_int_equal(strata_show(db, "0001", &r), 0);
	strata_report_free(r);
	r = NULL;
	assert_int_equal(strata_connect(db, s.url), 0);
	assert_string_equal(strata_engine(db), "sqlite");
	assert_int_equal(strata_up(db, NULL, NULL), 0);
	assert_int_equal(strata_connect(db, s.url), STRATA_EUSAGE);
	/* still connected to the first */
	assert_int_equal(strata_status(db, &r), 0);
	assert_int_equal(r->entries[0].state, STRATA_APPLIED);
	strata_report_free(r);
	strata_close(db);
	/* a config of an unknown version: a handle to read the error from */
	cfg.version = 0;
	assert_int_equal(strata_new(&db, &cfg), STRATA_EUSAGE);
	assert_non_null(db);
	assert_int_equal(strata_connect(db, s.url), STRATA_EUSAGE);
	strata_close(db);
	scratch_remove(&s);
}

static void test_advice__create_and_drop_report_on_the_handle(void **state)
{
	struct scratch s;
	strata_db *db = NULL;
	char url[160];

	(void)state;
	scratch_make(&s);
	snprintf(url, sizeof url, "sqlite:%s/new.db", s.dir);
	assert_int_equal(strata_new(&db, NULL), 0);
	assert_int_equal(strata_database_create(db, url), 0);
	assert_int_equal(access(strchr(url, ':') + 1, F_OK), 0);
	assert_int_equal(strata_database_drop(db, url), 0);
	/* nothing left to drop: said, not "dropped" */
	assert_int_equal(strata_database_drop(db, url), STRATA_ENOTFOUND);
	assert_non_null(strstr(strata_errmsg(db), "no such database file"));
	assert_int_equal(strata_database_create(db, "mysql://x"), STRATA_EURL);
	assert_non_null(strstr(strata_errmsg(db), "mysql"));
	strata_close(db);
	scratch_remove(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_advice__no_url_names_no_flag),
		cmocka_unit_test(test_advice__a_missing_directory_names_no_command),
		cmocka_unit_test(test_advice__a_stale_sum_names_no_command),
		cmocka_unit_test(test_advice__an_empty_up_section_names_no_command),
		cmocka_unit_test(test_advice__refusals_of_up_name_no_command),
		cmocka_unit_test(test_advice__destructive_up_names_no_flag),
		cmocka_unit_test(test_advice__a_stopped_migration_names_no_command),
		cmocka_unit_test(test_advice__refusals_of_down_name_no_command),
		cmocka_unit_test(test_advice__push_names_no_flag),
		cmocka_unit_test(test_advice__restore_of_no_such_backup_names_no_command),
		cmocka_unit_test(test_advice__a_handle_before_it_connects),
		cmocka_unit_test(test_advice__create_and_drop_report_on_the_handle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
