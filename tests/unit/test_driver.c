/*
 * test_driver.c: the driver vtable's version 2 (lib/driver.h): one engine
 * enumeration (engine.h) that names, URLs and drivers agree on, and the
 * engine knowledge each driver carries (tracking table, scratch database),
 * tried on a real SQLite connection where one is needed.
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

#include "driver.h"

static void test_driver__names_urls_and_drivers_agree_on_the_engine(void **state)
{
	struct strata_url u;
	struct drv_err e;
	(void)state;

	assert_int_equal(engine_from_name("sqlite"), SCHEMA_SQLITE);
	assert_int_equal(engine_from_name("sqlite3"), SCHEMA_SQLITE);
	assert_int_equal(engine_from_name("postgres"), SCHEMA_PG);
	assert_int_equal(engine_from_name("postgresql"), SCHEMA_PG);
	assert_int_equal(engine_from_name("mysql"), -1);
	assert_int_equal(engine_from_name(""), -1);
	assert_int_equal(engine_from_name(NULL), -1);
	assert_null(driver_for_engine(-1));
	assert_null(driver_for_engine(ENGINE_COUNT));
	drv_err_init(&e);
	assert_int_equal(url_parse("sqlite:x.db", &u, &e), 0);
	assert_int_equal(driver_for(&u)->engine, SCHEMA_SQLITE);
	assert_ptr_equal(driver_for(&u), driver_for_engine(engine_from_name(u.engine)));
	url_release(&u);
	assert_int_equal(url_parse("postgres://h/db", &u, &e), 0);
	assert_int_equal(driver_for(&u)->engine, SCHEMA_PG);
	assert_ptr_equal(driver_for(&u), driver_for_engine(engine_from_name(u.engine)));
	url_release(&u);
	drv_err_release(&e);
}

static void test_driver__every_driver_carries_the_version_2_methods(void **state)
{
	int k;
	(void)state;

	for (k = 0; k < ENGINE_COUNT; k++) {
		const struct strata_driver *d = driver_for_engine(k);
		assert_non_null(d);
		assert_true(d->version >= 2);
		assert_int_equal(d->engine, k);
		assert_non_null(d->tracking_ddl);
		assert_non_null(d->tracking_exists);
		assert_non_null(d->stats);
		assert_non_null(d->plan);
		assert_non_null(d->wipe_schema_list);
		assert_non_null(d->scratch_url);
	}
	/* only SQLite's ALTER TABLE needs the rebuild decision */
	assert_non_null(driver_for_engine(SCHEMA_SQLITE)->needs_rebuild);
	assert_null(driver_for_engine(SCHEMA_PG)->needs_rebuild);
}

static void test_driver__tracking_ddl_makes_the_schema_only_on_postgres(void **state)
{
	struct sbuf sq = SBUF_INIT, pg = SBUF_INIT, pg0 = SBUF_INIT;
	(void)state;

	driver_for_engine(SCHEMA_SQLITE)->tracking_ddl("\"strata_migrations\"", "app", &sq);
	driver_for_engine(SCHEMA_PG)->tracking_ddl("\"app\".\"strata_migrations\"", "app", &pg);
	driver_for_engine(SCHEMA_PG)->tracking_ddl("\"strata_migrations\"", NULL, &pg0);
	assert_null(strstr(sq.buf, "CREATE SCHEMA"));
	assert_non_null(strstr(sq.buf, "CREATE TABLE IF NOT EXISTS \"strata_migrations\" ("));
	assert_non_null(strstr(pg.buf, "CREATE SCHEMA IF NOT EXISTS \"app\";\n"));
	assert_true(strstr(pg.buf, "CREATE SCHEMA") < strstr(pg.buf, "CREATE TABLE IF NOT EXISTS"));
	assert_null(strstr(pg0.buf, "CREATE SCHEMA"));
	sbuf_release(&sq);
	sbuf_release(&pg);
	sbuf_release(&pg0);
}

static void test_driver__sqlite_tracking_table_is_seen_once_made(void **state)
{
	struct drv_open_opts o;
	struct strata_url u;
	struct drv_err e;
	struct sbuf ddl = SBUF_INIT;
	drv_conn *c = NULL;
	int exists = -1, has_up = -1;
	(void)state;

	memset(&o, 0, sizeof o);
	o.create = 1;
	drv_err_init(&e);
	assert_int_equal(url_parse("sqlite::memory:", &u, &e), 0);
	assert_int_equal(drv_open(&c, &u, &o, &e), 0);
	assert_int_equal(drv_tracking_exists(c, "t_m", "\"t_m\"", &exists, &has_up, &e), 0);
	assert_int_equal(exists, 0);
	assert_int_equal(has_up, 0);
	drv_tracking_ddl(c, "\"t_m\"", NULL, &ddl);
	assert_int_equal(drv_exec(c, ddl.buf, &e), 0);
	assert_int_equal(drv_tracking_exists(c, "t_m", "\"t_m\"", &exists, &has_up, &e), 0);
	assert_int_equal(exists, 1);
	assert_int_equal(has_up, 1);
	/* a name that is not there, however hostile, is just not there */
	assert_int_equal(drv_tracking_exists(c, "x'); DROP TABLE t_m; --", "\"x\"", &exists, NULL,
	                                     &e), 0);
	assert_int_equal(exists, 0);
	assert_int_equal(drv_tracking_exists(c, "t_m", "\"t_m\"", &exists, NULL, &e), 0);
	assert_int_equal(exists, 1);
	sbuf_release(&ddl);
	drv_close(c);
	url_release(&u);
	drv_err_release(&e);
}

static void test_driver__scratch_url_is_private_on_sqlite_and_named_on_postgres(void **state)
{
	struct strata_url t;
	struct drv_err e;
	char *url = NULL;
	int made = -1;
	(void)state;

	drv_err_init(&e);
	assert_int_equal(url_parse("sqlite:app.db", &t, &e), 0);
	assert_int_equal(drv_scratch_url(driver_for_engine(SCHEMA_SQLITE), &t, "x", &url, &made), 0);
	assert_int_equal(made, 0);
	assert_string_equal(url, "sqlite::memory:");
	free(url);
	url_release(&t);
	assert_int_equal(url_parse("postgres://u:pw@h:5432/app?sslmode=disable", &t, &e), 0);
	assert_int_equal(drv_scratch_url(driver_for_engine(SCHEMA_PG), &t, NULL, &url, &made), 0);
	assert_int_equal(made, 1);
	assert_null(url);
	assert_int_equal(drv_scratch_url(driver_for_engine(SCHEMA_PG), &t, "strata_scratch_1_1", &url,
	                                 &made), 0);
	assert_int_equal(made, 1);
	assert_non_null(strstr(url, "/strata_scratch_1_1?sslmode=disable"));
	assert_null(strstr(url, "/app"));
	free(url);
	url_release(&t);
	drv_err_release(&e);
}

/* create_db says "there already" by err->exists, whatever the engine's words */
static void test_driver__create_db_tells_an_existing_database_by_its_flag(void **state)
{
	char dir[] = "/tmp/strata-test-driver-XXXXXX", url[160], path[128];
	const struct strata_driver *d = driver_for_engine(SCHEMA_SQLITE);
	struct strata_url u;
	struct drv_err e;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/new.db", dir);
	snprintf(url, sizeof url, "sqlite:%s", path);
	drv_err_init(&e);
	assert_int_equal(url_parse(url, &u, &e), 0);
	assert_int_equal(drv_create_db(d, &u, &e), 0);
	assert_int_equal(e.exists, 0);
	assert_int_not_equal(drv_create_db(d, &u, &e), 0);
	assert_int_equal(e.exists, 1);
	assert_non_null(strstr(e.msg.buf, "already exists"));
	/* another failure is not "there already" */
	drv_err_set(&e, STRATA_ERROR, "x");
	assert_int_equal(e.exists, 0);
	assert_int_equal(drv_drop_db(d, &u, &e), 0);
	assert_int_equal(e.exists, 0);
	url_release(&u);
	drv_err_release(&e);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_driver__names_urls_and_drivers_agree_on_the_engine),
		cmocka_unit_test(test_driver__every_driver_carries_the_version_2_methods),
		cmocka_unit_test(test_driver__tracking_ddl_makes_the_schema_only_on_postgres),
		cmocka_unit_test(test_driver__sqlite_tracking_table_is_seen_once_made),
		cmocka_unit_test(test_driver__scratch_url_is_private_on_sqlite_and_named_on_postgres),
		cmocka_unit_test(test_driver__create_db_tells_an_existing_database_by_its_flag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
