/*
 * test_url.c: database URLs (lib/url.c): the engine, the SQLite path, the
 * redacted form that is the only one printed, and dbmate's search_path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "driver.h"

static void parse_ok(const char *url, struct strata_url *u)
{
	struct drv_err e;

	drv_err_init(&e);
	assert_int_equal(url_parse(url, u, &e), 0);
	drv_err_release(&e);
}

static void test_url__sqlite_forms_give_the_path(void **state)
{
	struct strata_url u;
	(void)state;

	parse_ok("sqlite:app.db", &u);
	assert_string_equal(u.engine, "sqlite");
	assert_string_equal(u.path, "app.db");
	url_release(&u);
	parse_ok("sqlite:/abs/app.db", &u);
	assert_string_equal(u.path, "/abs/app.db");
	url_release(&u);
	parse_ok("sqlite:///abs/app.db", &u);
	assert_string_equal(u.path, "/abs/app.db");
	url_release(&u);
	parse_ok("sqlite::memory:", &u);
	assert_string_equal(u.path, ":memory:");
	url_release(&u);
	parse_ok("sqlite:my%20db.db", &u);
	assert_string_equal(u.path, "my db.db");
	url_release(&u);
}

static void test_url__password_never_in_the_redacted_form(void **state)
{
	struct strata_url u;
	(void)state;

	parse_ok("postgres://app:hunter2@db:5432/app?sslmode=require", &u);
	assert_string_equal(u.engine, "postgres");
	assert_null(strstr(u.redacted, "hunter2"));
	assert_string_equal(u.redacted, "postgres://app:****@db:5432/app?sslmode=require");
	url_release(&u);
	parse_ok("postgresql://db/app?user=app&password=hunter2&sslmode=disable", &u);
	assert_null(strstr(u.redacted, "hunter2"));
	assert_non_null(strstr(u.redacted, "sslmode=disable"));
	url_release(&u);
}

static void test_url__dbmate_search_path_becomes_a_libpq_option(void **state)
{
	struct strata_url u;
	(void)state;

	parse_ok("postgres://app@db/app?sslmode=disable&search_path=a,public", &u);
	assert_string_equal(u.conninfo, "postgres://app@db/app?sslmode=disable&options=-csearch_path%3Da,public");
	url_release(&u);
}

static void test_url__unknown_scheme_and_bad_escapes_are_refused(void **state)
{
	struct strata_url u;
	struct drv_err e;
	(void)state;

	drv_err_init(&e);
	assert_int_equal(url_parse("mysql://x", &u, &e), STRATA_EURL);
	assert_non_null(strstr(e.msg.buf, "unknown database URL scheme 'mysql:'"));
	assert_int_equal(url_parse("sqlite:%zz", &u, &e), STRATA_EURL);
	assert_int_equal(url_parse("sqlite:a%00b", &u, &e), STRATA_EURL);
	assert_int_equal(url_parse("sqlite:", &u, &e), STRATA_EURL);
	assert_int_equal(url_parse("", &u, &e), STRATA_EURL);
	drv_err_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url__sqlite_forms_give_the_path),
		cmocka_unit_test(test_url__password_never_in_the_redacted_form),
		cmocka_unit_test(test_url__dbmate_search_path_becomes_a_libpq_option),
		cmocka_unit_test(test_url__unknown_scheme_and_bad_escapes_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
