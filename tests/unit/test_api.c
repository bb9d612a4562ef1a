/*
 * test_api.c: promises of include/strata.h that hold for every call rather
 * than for one feature: the getters and frees that take NULL (what a
 * strata_open() out of memory leaves), and the names of codes and states.
 * Only the public header is used, as an embedding program would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "strata.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api__getters_accept_a_null_handle),
		cmocka_unit_test(test_api__frees_and_close_accept_null),
		cmocka_unit_test(test_api__getters_of_a_handle_whose_url_failed),
		cmocka_unit_test(test_api__getters_of_an_open_handle),
		cmocka_unit_test(test_api__names_of_unknown_codes_and_states),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
