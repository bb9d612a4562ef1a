/*
 * test_migration.c: the migration file parser, version ordering, hashing
 * and strata.sum (lib/migration.c). No database involved.
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

#include "internal.h"
#include "migration.h"

static int parse(struct migration *m, const char *text, struct sbuf *err)
{
	memset(m, 0, sizeof *m);
	return migration_parse(m, "f.sql", text, strlen(text), err);
}

static void test_parse__dbmate_markers_split_up_and_down(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&m, "-- migrate:up\nCREATE TABLE t (id int);\n\n-- migrate:down\nDROP TABLE t;\n", &err), 0);
	assert_string_equal(m.up.sql, "CREATE TABLE t (id int);\n\n");
	assert_int_equal(m.up.line, 2);
	assert_string_equal(m.down.sql, "DROP TABLE t;\n");
	assert_int_equal(m.down.line, 5);
	assert_int_equal(m.up.no_tx, 0);
	migration_release(&m);
	sbuf_release(&err);
}

static void test_parse__plain_UP_DOWN_markers_are_read(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&m, "-- UP\nSELECT 1;\n-- DOWN\nSELECT 2;\n", &err), 0);
	assert_string_equal(m.up.sql, "SELECT 1;\n");
	assert_string_equal(m.down.sql, "SELECT 2;\n");
	migration_release(&m);
	sbuf_release(&err);
}

static void test_parse__goose_markers_drop_statement_lines_but_keep_line_numbers(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&m, "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n"
	                            "-- +goose Down\nSELECT 2;\n", &err), 0);
	assert_string_equal(m.up.sql, "\nSELECT 1;\n\n");
	assert_int_equal(m.up.line, 2);
	assert_string_equal(m.down.sql, "SELECT 2;\n");
	migration_release(&m);
	sbuf_release(&err);
}

static void test_parse__transaction_false_option_is_kept_per_section(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&m, "-- migrate:up transaction:false\nVACUUM;\n-- migrate:down\n", &err), 0);
	assert_int_equal(m.up.no_tx, 1);
	assert_int_equal(m.down.no_tx, 0);
	migration_release(&m);
	sbuf_release(&err);
}

static void test_parse__unknown_marker_is_an_error_with_its_line(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&m, "-- migrate:up\nSELECT 1;\n-- migrate:dwn\n", &err), STRATA_EPARSE);
	assert_string_equal(err.buf, "f.sql:3: unknown marker '-- migrate:dwn'");
	migration_release(&m);
	sbuf_release(&err);
}

static void test_parse__unknown_option_is_an_error(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&m, "-- migrate:up transaction:maybe\n", &err), STRATA_EPARSE);
	assert_non_null(strstr(err.buf, "f.sql:1: unknown option 'transaction:maybe'"));
	migration_release(&m);
	sbuf_release(&err);
}

static void test_parse__missing_up_section_is_an_error(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&m, "CREATE TABLE t (id int);\n", &err), STRATA_EPARSE);
	assert_non_null(strstr(err.buf, "no '-- migrate:up' marker"));
	sbuf_reset(&err);
	assert_int_equal(parse(&m, "", &err), STRATA_EPARSE);
	assert_non_null(strstr(err.buf, "the file is empty"));
	migration_release(&m);
	sbuf_release(&err);
}

static void test_parse__sql_before_the_first_marker_is_an_error(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&m, "-- a comment is fine\nSELECT 1;\n-- migrate:up\n", &err), STRATA_EPARSE);
	assert_non_null(strstr(err.buf, "f.sql:3: SQL before the first marker"));
	migration_release(&m);
	sbuf_release(&err);
}

static void test_parse__second_up_marker_is_an_error(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&m, "-- migrate:up\n-- migrate:up\n", &err), STRATA_EPARSE);
	assert_non_null(strstr(err.buf, "f.sql:2: second '-- migrate:up' marker (the first is on line 1)"));
	migration_release(&m);
	sbuf_release(&err);
}

static void test_parse__no_down_marker_means_irreversible(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&m, "-- migrate:up\nSELECT 1;\n", &err), 0);
	assert_null(m.down.sql);
	migration_release(&m);
	sbuf_release(&err);
}

static void test_parse__invalid_utf8_and_nul_bytes_are_rejected(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	static const char nul[] = "-- migrate:up\nSELECT 1;\0\n";
	(void)state;

	assert_int_equal(parse(&m, "-- migrate:up\nSELECT '\xff';\n", &err), STRATA_EPARSE);
	assert_non_null(strstr(err.buf, "f.sql:2: invalid UTF-8"));
	memset(&m, 0, sizeof m);
	assert_int_equal(migration_parse(&m, "f.sql", nul, sizeof nul - 1, &err), STRATA_EPARSE);
	assert_non_null(strstr(err.buf, "NUL byte"));
	migration_release(&m);
	sbuf_release(&err);
}

static void test_parse__bom_is_skipped(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&m, "\xEF\xBB\xBF-- migrate:up\nSELECT 1;\n", &err), 0);
	assert_string_equal(m.up.sql, "SELECT 1;\n");
	migration_release(&m);
	sbuf_release(&err);
}

static void test_parse__prose_starting_with_UP_is_not_a_marker(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&m, "-- migrate:up\n-- UP to here we add t\nSELECT 1;\n", &err), 0);
	assert_non_null(strstr(m.up.sql, "UP to here"));
	migration_release(&m);
	sbuf_release(&err);
}

static void test_checksum__crlf_is_folded_to_lf(void **state)
{
	struct migration a, b;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&a, "-- migrate:up\nSELECT 1;\n", &err), 0);
	assert_int_equal(parse(&b, "-- migrate:up\r\nSELECT 1;\r\n", &err), 0);
	assert_string_equal(a.checksum, b.checksum);
	assert_int_equal(strlen(a.checksum), 64);
	migration_release(&a);
	migration_release(&b);
	sbuf_release(&err);
}

static void test_version__order_is_numeric(void **state)
{
	(void)state;
	assert_true(version_cmp("2", "10") < 0);
	assert_true(version_cmp("0007", "7") == 0);
	assert_true(version_cmp("20240101000000", "0009") > 0);
	assert_true(version_valid("0001"));
	assert_false(version_valid(""));
	assert_false(version_valid("12a"));
	assert_false(version_valid("123456789012345678901234567890123"));
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load__orders_files_and_rejects_duplicate_versions(void **state)
{
	char dir[] = "/tmp/strata-test-XXXXXX";
	struct migration_set ms;
	struct sbuf err = SBUF_INIT;
	char cmd[600];
	(void)state;

	assert_non_null(mkdtemp(dir));
	write_file(dir, "10_b.sql", "-- migrate:up\nSELECT 2;\n");
	write_file(dir, "2_a.sql", "-- migrate:up\nSELECT 1;\n");
	write_file(dir, "README.md", "not a migration\n");
	assert_int_equal(migrations_load(dir, &ms, &err), 0);
	assert_int_equal(ms.n, 2);
	assert_string_equal(ms.v[0].version, "2");
	assert_string_equal(ms.v[1].name, "b");
	migrations_release(&ms);

	write_file(dir, "0002_c.sql", "-- migrate:up\nSELECT 3;\n");
	assert_int_equal(migrations_load(dir, &ms, &err), STRATA_EPARSE);
	assert_non_null(strstr(err.buf, "version"));
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	sbuf_release(&err);
}

static void test_load__bad_file_name_is_an_error(void **state)
{
	char dir[] = "/tmp/strata-test-XXXXXX";
	struct migration_set ms;
	struct sbuf err = SBUF_INIT;
	char cmd[600];
	(void)state;

	assert_non_null(mkdtemp(dir));
	write_file(dir, "create_users.sql", "-- migrate:up\n");
	assert_int_equal(migrations_load(dir, &ms, &err), STRATA_EPARSE);
	assert_non_null(strstr(err.buf, "is not <version>_<name>.sql"));
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	sbuf_release(&err);
}

static void test_load__missing_directory_is_not_found(void **state)
{
	struct migration_set ms;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(migrations_load("/nonexistent/strata", &ms, &err), STRATA_ENOTFOUND);
	assert_non_null(strstr(err.buf, "does not exist"));
	sbuf_release(&err);
}

static void test_sum__detects_an_edited_file(void **state)
{
	char dir[] = "/tmp/strata-test-XXXXXX";
	struct migration_set ms;
	struct sbuf err = SBUF_INIT;
	char cmd[600];
	(void)state;

	assert_non_null(mkdtemp(dir));
	write_file(dir, "1_a.sql", "-- migrate:up\nSELECT 1;\n");
	assert_int_equal(migrations_load(dir, &ms, &err), 0);
	assert_int_equal(sum_check(dir, &ms, &err), 0); /* no file: nothing enforced */
	assert_int_equal(sum_write(dir, &ms, &err), 0);
	assert_int_equal(sum_check(dir, &ms, &err), 0);
	migrations_release(&ms);
	write_file(dir, "1_a.sql", "-- migrate:up\nSELECT 11;\n");
	assert_int_equal(migrations_load(dir, &ms, &err), 0);
	assert_int_equal(sum_check(dir, &ms, &err), STRATA_ECHECKSUM);
	assert_non_null(strstr(err.buf, "1_a.sql was edited"));
	migrations_release(&ms);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	sbuf_release(&err);
}

static void test_sbuf__grows_and_stays_terminated(void **state)
{
	struct sbuf sb = SBUF_INIT;
	int i;
	char *s;
	(void)state;

	assert_string_equal(sb.buf, "");
	for (i = 0; i < 1000; i++)
		sbuf_addf(&sb, "%d,", i);
	assert_false(sbuf_failed(&sb));
	assert_int_equal(sb.buf[sb.len], '\0');
	sbuf_reset(&sb);
	sbuf_add_ident(&sb, "a\"b");
	assert_string_equal(sb.buf, "\"a\"\"b\"");
	s = sbuf_detach(&sb);
	assert_string_equal(s, "\"a\"\"b\"");
	assert_string_equal(sb.buf, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse__dbmate_markers_split_up_and_down),
		cmocka_unit_test(test_parse__plain_UP_DOWN_markers_are_read),
		cmocka_unit_test(test_parse__goose_markers_drop_statement_lines_but_keep_line_numbers),
		cmocka_unit_test(test_parse__transaction_false_option_is_kept_per_section),
		cmocka_unit_test(test_parse__unknown_marker_is_an_error_with_its_line),
		cmocka_unit_test(test_parse__unknown_option_is_an_error),
		cmocka_unit_test(test_parse__missing_up_section_is_an_error),
		cmocka_unit_test(test_parse__sql_before_the_first_marker_is_an_error),
		cmocka_unit_test(test_parse__second_up_marker_is_an_error),
		cmocka_unit_test(test_parse__no_down_marker_means_irreversible),
		cmocka_unit_test(test_parse__invalid_utf8_and_nul_bytes_are_rejected),
		cmocka_unit_test(test_parse__bom_is_skipped),
		cmocka_unit_test(test_parse__prose_starting_with_UP_is_not_a_marker),
		cmocka_unit_test(test_checksum__crlf_is_folded_to_lf),
		cmocka_unit_test(test_version__order_is_numeric),
		cmocka_unit_test(test_load__orders_files_and_rejects_duplicate_versions),
		cmocka_unit_test(test_load__bad_file_name_is_an_error),
		cmocka_unit_test(test_load__missing_directory_is_not_found),
		cmocka_unit_test(test_sum__detects_an_edited_file),
		cmocka_unit_test(test_sbuf__grows_and_stays_terminated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
