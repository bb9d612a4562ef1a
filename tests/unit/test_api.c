/*
 * test_api.c: promises of include/strata.h that hold for every call rather
 * than for one feature: the getters and frees that take NULL (what a
 * strata_open() out of memory leaves), the version check of every options
 * struct, and the names of codes and states. Only the public header is
 * used, as an embedding program would.
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

/* A scratch folder with migrations/0001_t.sql, and the paths in it. */
struct scratch {
	char dir[64];
	char migrations[96];
	char file[128];
	char db[96];
};

static void scratch_make(struct scratch *s)
{
	FILE *f;

	snprintf(s->dir, sizeof s->dir, "/tmp/strata-test-api.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->migrations, sizeof s->migrations, "%s/migrations", s->dir);
	snprintf(s->file, sizeof s->file, "%s/0001_t.sql", s->migrations);
	snprintf(s->db, sizeof s->db, "%s/app.db", s->dir);
	assert_int_equal(mkdir(s->migrations, 0700), 0);
	f = fopen(s->file, "w");
	assert_non_null(f);
	fputs("-- migrate:up\nCREATE TABLE t (id INTEGER);\n-- migrate:down\nDROP TABLE t;\n", f);
	assert_int_equal(fclose(f), 0);
}

/* The folder and all in it, the automatic backups of a run included. */
static void scratch_remove(struct scratch *s)
{
	char cmd[96];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
	assert_int_equal(system(cmd), 0);
}

/* rc and db's error are the version refusal for a struct type of version. */
static void assert_refused(strata_db *db, int rc, const char *type, int version)
{
	char msg[96];

	snprintf(msg, sizeof msg, "%s version %d is not supported", type, version);
	assert_int_equal(rc, STRATA_EUSAGE);
	assert_int_equal(strata_errcode(db), STRATA_EUSAGE);
	assert_string_equal(strata_errmsg(db), msg);
}

/* An out-parameter holding garbage, to see the call set it to NULL. */
#define GARBAGE(p) ((void *)&(p))

static void test_api__getters_accept_a_null_handle(void **state)
{
	(void)state;

	assert_string_equal(strata_engine(NULL), "unknown");
	assert_string_equal(strata_url_redacted(NULL), "");
	assert_string_equal(strata_errmsg(NULL), "out of memory");
	assert_int_equal(strata_errcode(NULL), STRATA_ENOMEM);
	assert_null(strata_url_engine(NULL));
}

static void test_api__frees_and_close_accept_null(void **state)
{
	(void)state;

	strata_close(NULL);
	strata_report_free(NULL);
	strata_foreign_free(NULL);
	strata_strings_free(NULL);
	strata_stats_free(NULL);
	strata_plan_free(NULL);
	strata_lint_report_free(NULL);
	strata_backup_list_free(NULL);
}

static void test_api__getters_of_a_handle_whose_url_failed(void **state)
{
	strata_db *db = NULL;
	(void)state;

	assert_int_equal(strata_open(&db, "mysql://u:secret@h/d", NULL), STRATA_EURL);
	assert_non_null(db);
	assert_int_equal(strata_errcode(db), STRATA_EURL);
	assert_string_equal(strata_engine(db), "unknown");
	assert_string_equal(strata_url_redacted(db), "");
	assert_null(strstr(strata_errmsg(db), "secret"));
	strata_close(db);
}

static void test_api__getters_of_an_open_handle(void **state)
{
	strata_db *db = NULL;
	(void)state;

	assert_int_equal(strata_open(&db, "sqlite::memory:", NULL), 0);
	assert_string_equal(strata_engine(db), "sqlite");
	assert_string_equal(strata_url_redacted(db), "sqlite::memory:");
	assert_int_equal(strata_errcode(db), 0);
	assert_string_equal(strata_errmsg(db), "not an error");
	strata_close(db);
}

static void test_api__names_of_unknown_codes_and_states(void **state)
{
	(void)state;

	assert_string_equal(strata_strerror(STRATA_EUSAGE), "bad usage");
	assert_string_equal(strata_strerror(-1000), "unknown error");
	assert_string_equal(strata_state_name(STRATA_FAILED), "failed");
	assert_string_equal(strata_state_name((strata_state)99), "unknown");
}

static void test_api__config_of_unknown_version_opens_nothing(void **state)
{
	struct scratch s;
	char url[128];
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_db *db = NULL;
	struct stat st;
	int rc;
	(void)state;

	scratch_make(&s);
	snprintf(url, sizeof url, "sqlite:%s", s.db);
	cfg.version = 0;
	rc = strata_open(&db, url, &cfg);
	assert_non_null(db);
	assert_refused(db, rc, "strata_config", 0);
	strata_close(db);
	cfg.version = STRATA_CONFIG_VERSION + 1;
	rc = strata_open(&db, url, &cfg);
	assert_refused(db, rc, "strata_config", cfg.version);
	strata_close(db);
	assert_int_equal(stat(s.db, &st), -1);
	/* version 1, before no_create, is still read */
	cfg.version = 1;
	cfg.no_create = 1;
	assert_int_equal(strata_open(&db, url, &cfg), 0);
	strata_close(db);
	assert_int_equal(stat(s.db, &st), 0);
	scratch_remove(&s);
}

static void test_api__up_and_down_opts_of_unknown_version_change_nothing(void **state)
{
	struct scratch s;
	char url[128];
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_up_opts up = STRATA_UP_OPTS_INIT;
	strata_down_opts down = STRATA_DOWN_OPTS_INIT;
	strata_report *r = GARBAGE(r);
	strata_db *db = NULL;
	(void)state;

	scratch_make(&s);
	snprintf(url, sizeof url, "sqlite:%s", s.db);
	cfg.dir = s.migrations;
	assert_int_equal(strata_open(&db, url, &cfg), 0);

	up.version = 0;
	assert_refused(db, strata_up(db, &up, &r), "strata_up_opts", up.version);
	assert_null(r);
	up.version = STRATA_UP_OPTS_VERSION + 1;
	assert_refused(db, strata_up(db, &up, NULL), "strata_up_opts", up.version);
	/* nothing was applied: a good call applies the one migration */
	up.version = 1;
	assert_int_equal(strata_up(db, &up, &r), 0);
	assert_int_equal(r->n, 1);
	strata_report_free(r);

	r = GARBAGE(r);
	down.version = 0;
	assert_refused(db, strata_down(db, &down, &r), "strata_down_opts", down.version);
	assert_null(r);
	down.version = STRATA_DOWN_OPTS_VERSION + 1;
	assert_refused(db, strata_down(db, &down, NULL), "strata_down_opts", down.version);
	/* nothing was rolled back */
	down.version = STRATA_DOWN_OPTS_VERSION;
	assert_int_equal(strata_down(db, &down, &r), 0);
	assert_int_equal(r->n, 1);
	strata_report_free(r);
	strata_close(db);
	scratch_remove(&s);
}

static void test_api__declarative_and_lint_opts_of_unknown_version_are_refused(void **state)
{
	strata_diff_opts dif = STRATA_DIFF_OPTS_INIT;
	strata_generate_opts gen = STRATA_GENERATE_OPTS_INIT;
	strata_push_opts push = STRATA_PUSH_OPTS_INIT;
	strata_lint_opts lint = STRATA_LINT_OPTS_INIT;
	strata_plan *p = GARBAGE(p);
	strata_lint_report *l = GARBAGE(l);
	strata_db *db = NULL;
	(void)state;

	assert_int_equal(strata_open(&db, "sqlite::memory:", NULL), 0);
	dif.version = 0;
	assert_refused(db, strata_diff(db, "a.sql", "b.sql", &dif, &p), "strata_diff_opts", dif.version);
	assert_null(p);
	dif.version = STRATA_DIFF_OPTS_VERSION + 1;
	assert_refused(db, strata_diff(db, "a.sql", "b.sql", &dif, &p), "strata_diff_opts", dif.version);

	gen.version = 0;
	gen.dry_run = 1;
	assert_refused(db, strata_generate(db, &gen, &p), "strata_generate_opts", gen.version);
	gen.version = STRATA_GENERATE_OPTS_VERSION + 1;
	assert_refused(db, strata_generate(db, &gen, &p), "strata_generate_opts", gen.version);

	push.version = 0;
	push.dry_run = 1;
	assert_refused(db, strata_push(db, &push, &p), "strata_push_opts", push.version);
	push.version = STRATA_PUSH_OPTS_VERSION + 1;
	assert_refused(db, strata_push(db, &push, &p), "strata_push_opts", push.version);
	assert_null(p);

	lint.version = 0;
	assert_refused(db, strata_lint(db, &lint, &l), "strata_lint_opts", lint.version);
	assert_null(l);
	lint.version = STRATA_LINT_OPTS_VERSION + 1;
	assert_refused(db, strata_lint(db, &lint, &l), "strata_lint_opts", lint.version);
	strata_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api__getters_accept_a_null_handle),
		cmocka_unit_test(test_api__frees_and_close_accept_null),
		cmocka_unit_test(test_api__getters_of_a_handle_whose_url_failed),
		cmocka_unit_test(test_api__getters_of_an_open_handle),
		cmocka_unit_test(test_api__names_of_unknown_codes_and_states),
		cmocka_unit_test(test_api__config_of_unknown_version_opens_nothing),
		cmocka_unit_test(test_api__up_and_down_opts_of_unknown_version_change_nothing),
		cmocka_unit_test(test_api__declarative_and_lint_opts_of_unknown_version_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
