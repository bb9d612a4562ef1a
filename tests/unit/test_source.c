/*
 * test_source.c: the library side of issue 16's runs, through the public
 * API only: migrations from a strata_migration_source (a list, a callback),
 * up of the migrations named (strata_up_opts.only), and the before/after
 * callbacks, whose "stop" rolls the run back (STRATA_EHOOK). SQLite in
 * memory: no file is read, since no directory exists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strata.h"

#define UP(sql, down) "-- migrate:up\n" sql "\n-- migrate:down\n" down "\n"

static const char m1[] = UP("CREATE TABLE a (id INTEGER);", "DROP TABLE a;");
static const char m2[] = UP("CREATE TABLE b (id INTEGER);", "DROP TABLE b;");
static const char m3[] = UP("CREATE TABLE c (id INTEGER);", "DROP TABLE c;");

/* Listed out of version order on purpose: the library orders them. */
static const strata_migration_file files[] = {
	{ "0003_c.sql", m3, sizeof m3 - 1, NULL },
	{ "0001_a.sql", m1, sizeof m1 - 1, NULL },
	{ "0002_b.sql", m2, sizeof m2 - 1, NULL },
};

static int next_file(void *payload, size_t i, strata_migration_file *f)
{
	int *calls = payload;

	(*calls)++;
	if (i >= 3)
		return 0;
	*f = files[i];
	return 1;
}

static strata_db *open_with(const strata_migration_source *src)
{
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_db *db = NULL;

	cfg.dir = "/nonexistent/strata-test-source";
	cfg.source = src;
	assert_int_equal(strata_open(&db, "sqlite::memory:", &cfg), 0);
	return db;
}

static size_t applied_count(strata_db *db)
{
	strata_report *r = NULL;
	size_t i, n = 0;

	assert_int_equal(strata_status(db, &r), 0);
	for (i = 0; i < r->n; i++)
		n += r->entries[i].state == STRATA_APPLIED;
	strata_report_free(r);
	return n;
}

static void test_source__a_list_is_applied_in_version_order_with_no_folder(void **state)
{
	strata_migration_source src = { STRATA_MIGRATION_SOURCE_VERSION, NULL, 3, files, NULL, NULL, NULL };
	strata_report *r = NULL;
	strata_db *db = open_with(&src);
	(void)state;

	assert_int_equal(strata_up(db, NULL, &r), 0);
	assert_int_equal(r->n, 3);
	assert_string_equal(r->entries[0].version, "0001");
	assert_string_equal(r->entries[2].version, "0003");
	assert_string_equal(r->entries[0].file, "embedded/0001_a.sql");
	strata_report_free(r);
	assert_int_equal(applied_count(db), 3);
	strata_close(db);
}

static void test_source__a_callback_is_read_as_a_list_is(void **state)
{
	int calls = 0;
	strata_migration_source src = { STRATA_MIGRATION_SOURCE_VERSION, "app", 0, NULL, next_file,
	                                &calls, NULL };
	strata_report *r = NULL;
	strata_db *db = open_with(&src);
	(void)state;

	assert_int_equal(strata_up(db, NULL, &r), 0);
	assert_int_equal(r->n, 3);
	assert_string_equal(r->entries[1].file, "app/0002_b.sql");
	assert_true(calls >= 4);
	strata_report_free(r);
	strata_close(db);
}

static void test_source__a_bad_name_or_checksum_fails_before_anything_runs(void **state)
{
	strata_migration_file bad[2] = { { "0001_a.sql", m1, sizeof m1 - 1, NULL },
	                                 { "0002 b.sql", m2, sizeof m2 - 1, NULL } };
	strata_migration_source src = { STRATA_MIGRATION_SOURCE_VERSION, NULL, 2, bad, NULL, NULL, NULL };
	strata_db *db = open_with(&src);
	(void)state;

	assert_int_equal(strata_up(db, NULL, NULL), STRATA_EPARSE);
	assert_non_null(strstr(strata_errmsg(db), "embedded/0002 b.sql: file name is not"));
	bad[1].name = "0002_b.sql";
	bad[1].checksum = "0000000000000000000000000000000000000000000000000000000000000000";
	assert_int_equal(strata_up(db, NULL, NULL), STRATA_ECHECKSUM);
	assert_non_null(strstr(strata_errmsg(db), "does not match the checksum it was embedded with"));
	bad[1].checksum = NULL;
	assert_int_equal(applied_count(db), 0);
	strata_close(db);
}

static void test_source__a_source_of_unknown_version_opens_nothing(void **state)
{
	strata_migration_source src = { 0, NULL, 3, files, NULL, NULL, NULL };
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_db *db = NULL;
	(void)state;

	cfg.source = &src;
	assert_int_equal(strata_open(&db, "sqlite::memory:", &cfg), STRATA_EUSAGE);
	assert_string_equal(strata_errmsg(db), "strata_migration_source version 0 is not supported");
	strata_close(db);
}

static void test_up__only_applies_exactly_the_migrations_named(void **state)
{
	strata_migration_source src = { STRATA_MIGRATION_SOURCE_VERSION, NULL, 3, files, NULL, NULL, NULL };
	const char *only[] = { "0003_c.sql", "0001" };
	const char *nope[] = { "0009" };
	strata_up_opts up = STRATA_UP_OPTS_INIT;
	strata_report *r = NULL;
	strata_db *db = open_with(&src);
	(void)state;

	up.only = only;
	up.nonly = 2;
	assert_int_equal(strata_up(db, &up, &r), 0);
	assert_int_equal(r->n, 2);
	assert_string_equal(r->entries[0].version, "0001");
	assert_string_equal(r->entries[1].version, "0003");
	strata_report_free(r);
	up.only = nope;
	up.nonly = 1;
	assert_int_equal(strata_up(db, &up, NULL), STRATA_ENOTFOUND);
	up.only = only;
	up.steps = 1;
	assert_int_equal(strata_up(db, &up, NULL), STRATA_EUSAGE);
	assert_int_equal(applied_count(db), 2);
	strata_close(db);
}

struct seen {
	char log[256];
	const char *stop_at; /* the version whose after hook says stop */
};

static int hook(void *payload, const strata_hook_info *info, char **msg)
{
	struct seen *s = payload;
	size_t n = strlen(s->log);

	snprintf(s->log + n, sizeof s->log - n, "%s %s %s;", info->when, info->direction, info->version);
	if (s->stop_at && !strcmp(info->when, "after") && !strcmp(info->version, s->stop_at)) {
		*msg = strdup("the cache is not drained");
		return 1;
	}
	return 0;
}

static void test_hooks__are_called_around_each_migration_and_stop_rolls_back(void **state)
{
	strata_migration_source src = { STRATA_MIGRATION_SOURCE_VERSION, NULL, 3, files, NULL, NULL, NULL };
	strata_up_opts up = STRATA_UP_OPTS_INIT;
	strata_down_opts down = STRATA_DOWN_OPTS_INIT;
	struct seen s;
	strata_db *db = open_with(&src);
	(void)state;

	memset(&s, 0, sizeof s);
	s.stop_at = "0002";
	up.before_each = hook;
	up.after_each = hook;
	up.hook_payload = &s;
	assert_int_equal(strata_up(db, &up, NULL), STRATA_EHOOK);
	assert_string_equal(s.log, "before up 0001;after up 0001;before up 0002;after up 0002;");
	assert_non_null(strstr(strata_errmsg(db), "the after-each hook stopped the run at 0002_b (up): "
	                                          "the cache is not drained"));
	assert_int_equal(applied_count(db), 0);

	memset(&s, 0, sizeof s);
	assert_int_equal(strata_up(db, &up, NULL), 0);
	assert_int_equal(applied_count(db), 3);
	memset(&s, 0, sizeof s);
	up.dry_run = 1;
	assert_int_equal(strata_up(db, &up, NULL), 0);
	assert_string_equal(s.log, "");

	down.all = 1;
	down.before_each = hook;
	down.hook_payload = &s;
	assert_int_equal(strata_down(db, &down, NULL), 0);
	assert_string_equal(s.log, "before down 0003;before down 0002;before down 0001;");
	assert_int_equal(applied_count(db), 0);
	strata_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source__a_list_is_applied_in_version_order_with_no_folder),
		cmocka_unit_test(test_source__a_callback_is_read_as_a_list_is),
		cmocka_unit_test(test_source__a_bad_name_or_checksum_fails_before_anything_runs),
		cmocka_unit_test(test_source__a_source_of_unknown_version_opens_nothing),
		cmocka_unit_test(test_up__only_applies_exactly_the_migrations_named),
		cmocka_unit_test(test_hooks__are_called_around_each_migration_and_stop_rolls_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
