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

/* Each URL and the redacted form it must give: libpq's reading of the user
 * part (it ends at the first '@' before any '/'), the ambiguous cases hidden
 * generously, and every ?password= / ?sslpassword= value whole. */
static void test_url__redaction_follows_libpq_reading(void **state)
{
	static const char *const cases[][2] = {
		/* one '@' and no '/': libpq's user part runs to it, '?' and all,
		 * so its password is "5432?dbname=d&password=at" and its host
		 * "s3cret" (found by fuzz_url); hidden as libpq reads it */
		{ "postgres://h:5432?dbname=d&password=at@s3cret", "postgres://h:****@s3cret" },
		{ "postgres://h:5432/d?password=at@s3cret", "postgres://h:5432/d?password=****" },
		/* a second '@' after a user part without a password splits no
		 * secret: libpq reads the ?password= value whole */
		{ "postgres://u@h:5432?dbname=d&password=at@s3cret",
		  "postgres://u@h:5432?dbname=d&password=****" },
		/* '?' and '#' inside user:pass@ */
		{ "postgres://u:pw?s3cret#odd@h/db", "postgres://u:****@h/db" },
		{ "postgres://u:pw?s3cret#odd@[::1", "postgres://u:****@[::1" },
		/* a percent-encoded key, and '#' inside the value */
		{ "postgres://h/db?passw%6Frd=secret9&x=1", "postgres://h/db?passw%6Frd=****&x=1" },
		{ "postgres://u@h/db?password=pw#tail", "postgres://u@h/db?password=****" },
		{ "postgres://u@h/db?sslpassword=k3y&password=p&password=q",
		  "postgres://u@h/db?sslpassword=****&password=****&password=****" },
		/* no password at all: the URL as it was */
		{ "postgres://u@h:5432/db?sslmode=require", "postgres://u@h:5432/db?sslmode=require" },
		{ "postgres://h/my@db", "postgres://h/my@db" },
		/* an empty password stays empty (nothing to hide, nothing to show) */
		{ "postgres://u:@h/db", "postgres://u:@h/db" },
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct strata_url u;
		parse_ok(cases[i][0], &u);
		assert_string_equal(u.redacted, cases[i][1]);
		url_release(&u);
	}
}

/* What libpq would read otherwise than it looks is refused, and the
 * message quotes nothing of the URL: libpq would split the password into a
 * host, a port or parameters, and its own messages quote those. */
static void test_url__urls_libpq_would_misread_are_refused_without_echo(void **state)
{
	static const char *const bad[] = {
		"postgres://u:p@ss?word@host/db",         /* the issue's example */
		"postgres://u:p@ss@h?password=xy@zzy",
		"postgres://u:pa/ss@host/db",              /* '/' in the password */
		"postgres://u:p%zzword@host/db",           /* a bad escape */
		"postgres://u:pass%@host/db",
		"postgres://u:pass%4@host/db",
		"postgres://u:pa%00ss@host/db",
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct strata_url u;
		struct drv_err e;
		drv_err_init(&e);
		assert_int_equal(url_parse(bad[i], &u, &e), STRATA_EURL);
		assert_non_null(strstr(e.msg.buf, "the PostgreSQL URL has"));
		/* nothing of the URL: no user, password or host piece */
		assert_null(strstr(e.msg.buf, "@ss"));
		assert_null(strstr(e.msg.buf, "word@"));
		assert_null(strstr(e.msg.buf, "host"));
		assert_null(strstr(e.msg.buf, "zz"));
		assert_null(strstr(e.msg.buf, "pa/"));
		assert_null(strstr(e.msg.buf, "s3cret"));
		assert_null(u.redacted);
		drv_err_release(&e);
	}
}

/* libpq's keyword/value strings are PostgreSQL targets, redacted by their
 * structure: each password and sslpassword value (quoted or bare) is
 * "****", everything else as written. */
static void test_url__keyword_value_strings_are_accepted_and_redacted(void **state)
{
	static const char *const cases[][2] = {
		{ "host=db dbname=app user=u password=s3cret",
		  "host=db dbname=app user=u password=****" },
		{ "host=db password='p@ss w=rd \\' x' dbname=app",
		  "host=db password=**** dbname=app" },
		{ "  password = bare\\ sp  host=h sslpassword=k sslmode=require",
		  "  password = ****  host=h sslpassword=**** sslmode=require" },
		{ "dbname=app", "dbname=app" },
		/* the value may hold what a URL would: '://', '@', '?' */
		{ "host=h options='-c x=postgres://a@b' password=p://q@r?",
		  "host=h options='-c x=postgres://a@b' password=****" },
	};
	static const char *const bad[] = {
		"host=h password='unterminated dbname=x",
		"host=h password=two words",             /* "words" is no keyword */
		"host=h bogus=1",
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct strata_url u;
		parse_ok(cases[i][0], &u);
		assert_string_equal(u.engine, "postgres");
		assert_string_equal(u.conninfo, cases[i][0]);
		assert_string_equal(u.redacted, cases[i][1]);
		url_release(&u);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct strata_url u;
		struct drv_err e;
		drv_err_init(&e);
		assert_int_equal(url_parse(bad[i], &u, &e), STRATA_EURL);
		assert_non_null(strstr(e.msg.buf, "connection string cannot be read"));
		assert_null(strstr(e.msg.buf, "unterminated"));
		assert_null(strstr(e.msg.buf, "words"));
		assert_null(strstr(e.msg.buf, "bogus"));
		drv_err_release(&e);
	}
}

static void test_url__dbmate_search_path_becomes_a_libpq_option(void **state)
{
	struct strata_url u;
	(void)state;

	parse_ok("postgres://app@db/app?sslmode=disable&search_path=a,public", &u);
	assert_string_equal(u.conninfo, "postgres://app@db/app?sslmode=disable&options=-csearch_path%3Da,public");
	url_release(&u);
	/* "?search_path=" inside the password is the password's (found by
	 * fuzz_url): only the query after the user part is read */
	parse_ok("postgres://u:pw?search_path=x@h/db", &u);
	assert_string_equal(u.conninfo, "postgres://u:pw?search_path=x@h/db");
	url_release(&u);
	parse_ok("postgres://u:pw?search_path=x@h/db?search_path=s", &u);
	assert_string_equal(u.conninfo, "postgres://u:pw?search_path=x@h/db?options=-csearch_path%3Ds");
	url_release(&u);
	/* an options= of the user's own wins; "xsearch_path=" is another key */
	parse_ok("postgres://h/db?options=-cwork_mem%3D1MB&search_path=s", &u);
	assert_string_equal(u.conninfo, "postgres://h/db?options=-cwork_mem%3D1MB&search_path=s");
	url_release(&u);
	parse_ok("postgres://h/db?xsearch_path=s", &u);
	assert_string_equal(u.conninfo, "postgres://h/db?xsearch_path=s");
	url_release(&u);
}

static void test_url__messages_escape_control_characters(void **state)
{
	struct strata_url u;
	struct drv_err e;
	(void)state;

	drv_err_init(&e);
	assert_int_equal(url_parse("nope\033[2J\r", &u, &e), STRATA_EURL);
	assert_null(strchr(e.msg.buf, '\033'));
	assert_null(strchr(e.msg.buf, '\r'));
	assert_non_null(strstr(e.msg.buf, "nope\\x1b[2J\\x0d"));
	drv_err_release(&e);
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
		cmocka_unit_test(test_url__redaction_follows_libpq_reading),
		cmocka_unit_test(test_url__urls_libpq_would_misread_are_refused_without_echo),
		cmocka_unit_test(test_url__keyword_value_strings_are_accepted_and_redacted),
		cmocka_unit_test(test_url__dbmate_search_path_becomes_a_libpq_option),
		cmocka_unit_test(test_url__messages_escape_control_characters),
		cmocka_unit_test(test_url__unknown_scheme_and_bad_escapes_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
