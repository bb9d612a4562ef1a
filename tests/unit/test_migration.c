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

/* err of parsing "-- migrate:up\nSELECT 1;\n" + line + "\nSELECT 2;\n", or "" if it parsed. */
static const char *third_line(const char *line, struct sbuf *err)
{
	struct migration m;
	struct sbuf text = SBUF_INIT;
	int rc;

	sbuf_reset(err);
	sbuf_addf(&text, "-- migrate:up\nSELECT 1;\n%s\nSELECT 2;\n", line);
	rc = parse(&m, text.buf, err);
	migration_release(&m);
	sbuf_release(&text);
	return rc ? err->buf : "";
}

static void test_parse__comments_that_look_like_markers_are_errors(void **state)
{
	static const char *const downs[] = {
		"-- Down", "-- down", "--DOWN:", "-- Rollback", "-- REVERT", "-- undo.", "-- downgrade",
		"-- migrate: down", "-- Migrate:Down", "-- migrate down", "-- migrat:down",
		"-- ##### DOWN #####", "-- Down migrations", "-- down section",
		"-- +goosedown", "-- goose down", "-- Down transaction:false", "\t-- down",
	};
	static const char *const ups[] = { "-- Up", "-- up:", "-- migration up", "-- UPGRADE" };
	struct sbuf err = SBUF_INIT;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof downs / sizeof *downs; i++) {
		const char *e = third_line(downs[i], &err);
		if (!strstr(e, "f.sql:3: ") || !strstr(e, "looks like a down marker; markers are "
		                                          "'-- migrate:down', '-- DOWN' or '-- +goose Down'"))
			fail_msg("'%s' gave '%s'", downs[i], e);
	}
	for (i = 0; i < sizeof ups / sizeof *ups; i++) {
		const char *e = third_line(ups[i], &err);
		if (!strstr(e, "f.sql:3: ") || !strstr(e, "looks like an up marker"))
			fail_msg("'%s' gave '%s'", ups[i], e);
	}
	assert_string_equal(third_line("-- Down", &err),
	                    "f.sql:3: '-- Down' looks like a down marker; markers are '-- migrate:down', "
	                    "'-- DOWN' or '-- +goose Down' (reword a comment that is not one)");
	sbuf_release(&err);
}

static void test_parse__prose_comments_are_not_markers(void **state)
{
	static const char *const prose[] = {
		"-- down payment column", "-- UP to now we did X", "-- the rollback is below",
		"-- undo the index when the table is empty", "-- migrate the data", "--", "-- -",
		"-- ======", "-- up/down are below", "-- upgrade path: none", "-- up and down",
		"-- uptime", "-- download", "-- migrated", "-- DOWN payment", "-- migration",
		/* more than 40 characters is prose, even made of marker words */
		"-- down down down down down down down down down",
	};
	struct sbuf err = SBUF_INIT;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof prose / sizeof *prose; i++) {
		const char *e = third_line(prose[i], &err);
		if (*e)
			fail_msg("'%s' gave '%s'", prose[i], e);
	}
	sbuf_release(&err);
}

static void test_parse__a_cut_marker_as_near_up_as_down_stays_unknown(void **state)
{
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_string_equal(third_line("-- migrate:do", &err), "f.sql:3: unknown marker '-- migrate:do'");
	sbuf_release(&err);
}

static void test_parse__transaction_option_twice_is_an_error(void **state)
{
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_string_equal(third_line("-- migrate:down transaction:false transaction:true", &err),
	                    "f.sql:3: options 'transaction:false' and 'transaction:true' on one marker "
	                    "(give transaction:false once, or nothing for a transaction)");
	assert_string_equal(third_line("-- DOWN transaction:false  transaction:false", &err),
	                    "f.sql:3: options 'transaction:false' and 'transaction:false' on one marker "
	                    "(give transaction:false once, or nothing for a transaction)");
	assert_string_equal(third_line("-- migrate:down transaction:true", &err), "");
	sbuf_release(&err);
}

static void test_parse__the_up_marker_gives_the_style(void **state)
{
	struct migration m;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(parse(&m, "-- migrate:up\nSELECT 1;\n-- DOWN\n", &err), 0);
	assert_int_equal(m.style, STYLE_DBMATE);
	migration_release(&m);
	assert_int_equal(parse(&m, "-- UP\nSELECT 1;\n-- migrate:down\n", &err), 0);
	assert_int_equal(m.style, STYLE_PLAIN);
	migration_release(&m);
	assert_int_equal(parse(&m, "-- +goose up\nSELECT 1;\n", &err), 0);
	assert_int_equal(m.style, STYLE_GOOSE);
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

/* The tracking table and strata.sum hold these values: they must never move. */
static void test_checksum__is_sha256_of_the_file_with_crlf_folded_to_lf(void **state)
{
	struct util_sha256 h = UTIL_SHA256_INIT;
	static const struct {
		const char *text, *sha;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "-- migrate:up\nSELECT 1;\n",
		  "2be38f331755cac1a312dea121c3da64832ace82d37707cfd1a81ccd39dffbdf" },
		{ "-- migrate:up\r\nSELECT 1;\r\n",
		  "2be38f331755cac1a312dea121c3da64832ace82d37707cfd1a81ccd39dffbdf" },
		/* only the CR right before an LF goes; a lone CR, or one at the end, stays */
		{ "-- migrate:up\r\nSELECT 1;\r\r\n\r",
		  "ebe6c956e82965627256c4e440a43a104212347dec63b117649a8809ac223549" },
		{ "-- migrate:up\nSELECT 1;\r\n\r",
		  "46320880272cd169ea8649ed82d5d5e51450442c90bf06f460f4e2b68e775efb" },
	};
	char once[65], reused[65];
	size_t i;
	int round;
	(void)state;

	/* One hasher for many digests (as a load uses it) gives what a single
	 * digest gives, in any order and again. */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < sizeof v / sizeof v[0]; i++) {
			assert_int_equal(util_sha256_hex_lf(NULL, v[i].text, strlen(v[i].text), once), 0);
			assert_int_equal(util_sha256_hex_lf(&h, v[i].text, strlen(v[i].text), reused), 0);
			assert_string_equal(once, v[i].sha);
			assert_string_equal(reused, v[i].sha);
		}
	}
	util_sha256_release(&h);
	util_sha256_release(&h); /* released twice: a no-op */
	util_sha256_release(NULL);
}

/* A `-- strata:lint-ignore` comment runs nothing: adding one to an applied
 * migration must not make it "edited", and a record made before (the whole
 * file's hash) must still match the unchanged file. */
static void test_checksum__lint_ignore_comments_are_left_out(void **state)
{
	static const char plain[] = "-- migrate:up\nDROP TABLE t;\nDELETE FROM q;\n";
	static const char *const same[] = {
		"-- migrate:up\n-- strata:lint-ignore drop-table\nDROP TABLE t;\nDELETE FROM q;\n",
		"-- migrate:up\r\n  -- strata:lint-ignore drop-table: checked\r\nDROP TABLE t;\r\n"
		"DELETE FROM q;\r\n",
		"-- migrate:up\nDROP TABLE t;\nDELETE FROM q; -- strata:lint-ignore delete-without-where\n",
		"-- strata:lint-ignore-file drop-table\n-- migrate:up\nDROP TABLE t;\nDELETE FROM q;\n",
		"-- migrate:up\nDROP TABLE t;\nDELETE FROM q;\n-- strata:lint-ignore-file drop-table",
	};
	/* what changes what runs stays an edit */
	static const char *const edited[] = {
		"-- migrate:up\nDROP TABLE u;\nDELETE FROM q;\n",
		"-- migrate:up\nDROP TABLE t;\nDELETE FROM q; -- other comment\n",
		"-- migrate:up\nDROP TABLE t;\nDELETE FROM q WHERE s = '-- strata:lint-ignore x';\n",
		"-- migrate:up\nDROP TABLE t;\nDELETE FROM q;\n-- strata:lint-ignoreX\n",
	};
	struct migration a, b;
	struct sbuf err = SBUF_INIT;
	char whole[65];
	size_t i;
	(void)state;

	assert_int_equal(parse(&a, plain, &err), 0);
	assert_string_equal(a.checksum, a.checksum_raw);
	for (i = 0; i < sizeof same / sizeof same[0]; i++) {
		assert_int_equal(parse(&b, same[i], &err), 0);
		assert_string_equal(b.checksum, a.checksum);
		assert_true(migration_checksum_is(&b, a.checksum));
		/* the older form is the whole file's hash, still accepted */
		assert_int_equal(util_sha256_hex_lf(NULL, same[i], strlen(same[i]), whole), 0);
		assert_string_equal(b.checksum_raw, whole);
		assert_string_not_equal(b.checksum_raw, a.checksum);
		assert_true(migration_checksum_is(&b, whole));
		migration_release(&b);
	}
	for (i = 0; i < sizeof edited / sizeof edited[0]; i++) {
		assert_int_equal(parse(&b, edited[i], &err), 0);
		assert_false(migration_checksum_is(&b, a.checksum));
		migration_release(&b);
	}
	assert_false(migration_checksum_is(&a, NULL));
	migration_release(&a);
	sbuf_release(&err);
}

/* The ASCII fast path of util_utf8_valid() (eight bytes at a time) must
 * still stop at the first bad byte wherever it falls in a word. */
static void test_utf8__first_bad_byte_is_found_at_any_offset(void **state)
{
	char buf[64];
	size_t k, bad;
	(void)state;

	for (k = 0; k < 40; k++) {
		memset(buf, 'a', sizeof buf);
		buf[k] = '\xff';
		bad = 999;
		assert_false(util_utf8_valid(buf, sizeof buf, &bad));
		assert_int_equal(bad, k);
		/* a valid two-byte character there instead: valid */
		buf[k] = '\xc3';
		buf[k + 1] = '\xa9';
		assert_true(util_utf8_valid(buf, sizeof buf, NULL));
		/* cut before its second byte: bad at its first */
		assert_false(util_utf8_valid(buf, k + 1, &bad));
		assert_int_equal(bad, k);
	}
	assert_true(util_utf8_valid("", 0, NULL));
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

static void rm_rf(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* What migrations_load() reads from disk is what migration_parse() gets:
 * whole files (one past several read sizes too), CRLF hashed folded. */
static void test_load__reads_whole_files_and_hashes_them_as_parse_does(void **state)
{
	char dir[] = "/tmp/strata-test-XXXXXX";
	struct migration_set ms;
	struct migration m;
	struct sbuf err = SBUF_INIT, big = SBUF_INIT;
	int i;
	(void)state;

	assert_non_null(mkdtemp(dir));
	write_file(dir, "1_crlf.sql", "-- migrate:up\r\nSELECT 1;\r\n");
	write_file(dir, "2_lf.sql", "-- migrate:up\nSELECT 1;\n");
	sbuf_adds(&big, "-- migrate:up\n");
	for (i = 0; i < 20000; i++)
		sbuf_addf(&big, "SELECT %d;\n", i); /* about 220 KB */
	write_file(dir, "3_big.sql", big.buf);
	assert_int_equal(migrations_load(dir, &ms, &err), 0);
	assert_int_equal(ms.n, 3);
	assert_string_equal(ms.v[0].checksum,
	                    "2be38f331755cac1a312dea121c3da64832ace82d37707cfd1a81ccd39dffbdf");
	assert_string_equal(ms.v[0].checksum, ms.v[1].checksum);
	assert_int_equal(parse(&m, big.buf, &err), 0);
	assert_string_equal(ms.v[2].checksum, m.checksum);
	assert_string_equal(ms.v[2].up.sql, m.up.sql);
	migration_release(&m);
	migrations_release(&ms);
	rm_rf(dir);
	sbuf_release(&big);
	sbuf_release(&err);
}

/* Refused with the message the CLI tests expect, whichever way the entry
 * was listed (readdir's type or none). */
static void assert_load_refuses(const char *dir, const char *message)
{
	struct migration_set ms;
	struct sbuf err = SBUF_INIT;

	assert_int_equal(migrations_load(dir, &ms, &err), STRATA_EPARSE);
	if (!strstr(err.buf, message))
		fail_msg("expected '%s' in '%s'", message, err.buf);
	assert_int_equal(ms.n, 0);
	sbuf_release(&err);
}

static void test_load__refuses_what_is_not_a_regular_file_inside_the_folder(void **state)
{
	char dir[] = "/tmp/strata-test-XXXXXX", outside[] = "/tmp/strata-test-XXXXXX";
	char path[600], target[600];
	struct migration_set ms;
	struct sbuf err = SBUF_INIT;
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	assert_non_null(mkdtemp(outside));
	write_file(dir, "1_a.sql", "-- migrate:up\nSELECT 1;\n");

	snprintf(path, sizeof path, "%s/2_dir.sql", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_load_refuses(dir, "2_dir.sql: not a regular file");
	assert_int_equal(rmdir(path), 0);

	snprintf(path, sizeof path, "%s/2_fifo.sql", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_load_refuses(dir, "2_fifo.sql: not a regular file"); /* and does not hang */
	assert_int_equal(unlink(path), 0);

	snprintf(path, sizeof path, "%s/2_dangling.sql", dir);
	assert_int_equal(symlink("no-such-file", path), 0);
	assert_load_refuses(dir, "2_dangling.sql: symbolic link to a file that does not exist");
	assert_int_equal(unlink(path), 0);

	write_file(outside, "out.sql", "-- migrate:up\nSELECT 2;\n");
	snprintf(target, sizeof target, "%s/out.sql", outside);
	snprintf(path, sizeof path, "%s/2_out.sql", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_load_refuses(dir, "2_out.sql: symbolic link points outside the migrations directory");
	assert_int_equal(unlink(path), 0);

	/* 64 MiB and a byte: refused from its size, never read (sparse). */
	snprintf(path, sizeof path, "%s/2_huge.sql", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fseek(f, (64L << 20), SEEK_SET), 0);
	assert_int_equal(fputc('\n', f), '\n');
	fclose(f);
	assert_load_refuses(dir, "2_huge.sql: file is larger than 64 MiB");
	assert_int_equal(unlink(path), 0);

	/* A symlink to a file of the folder is followed. */
	write_file(dir, "shared.txt", "-- migrate:up\nSELECT 3;\n");
	snprintf(path, sizeof path, "%s/2_linked.sql", dir);
	assert_int_equal(symlink("shared.txt", path), 0);
	assert_int_equal(migrations_load(dir, &ms, &err), 0);
	assert_int_equal(ms.n, 2);
	assert_string_equal(ms.v[1].up.sql, "SELECT 3;\n");
	migrations_release(&ms);

	rm_rf(dir);
	rm_rf(outside);
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
		cmocka_unit_test(test_parse__comments_that_look_like_markers_are_errors),
		cmocka_unit_test(test_parse__prose_comments_are_not_markers),
		cmocka_unit_test(test_parse__a_cut_marker_as_near_up_as_down_stays_unknown),
		cmocka_unit_test(test_parse__transaction_option_twice_is_an_error),
		cmocka_unit_test(test_parse__the_up_marker_gives_the_style),
		cmocka_unit_test(test_parse__unknown_option_is_an_error),
		cmocka_unit_test(test_parse__missing_up_section_is_an_error),
		cmocka_unit_test(test_parse__sql_before_the_first_marker_is_an_error),
		cmocka_unit_test(test_parse__second_up_marker_is_an_error),
		cmocka_unit_test(test_parse__no_down_marker_means_irreversible),
		cmocka_unit_test(test_parse__invalid_utf8_and_nul_bytes_are_rejected),
		cmocka_unit_test(test_parse__bom_is_skipped),
		cmocka_unit_test(test_parse__prose_starting_with_UP_is_not_a_marker),
		cmocka_unit_test(test_checksum__crlf_is_folded_to_lf),
		cmocka_unit_test(test_checksum__is_sha256_of_the_file_with_crlf_folded_to_lf),
		cmocka_unit_test(test_checksum__lint_ignore_comments_are_left_out),
		cmocka_unit_test(test_utf8__first_bad_byte_is_found_at_any_offset),
		cmocka_unit_test(test_version__order_is_numeric),
		cmocka_unit_test(test_load__orders_files_and_rejects_duplicate_versions),
		cmocka_unit_test(test_load__bad_file_name_is_an_error),
		cmocka_unit_test(test_load__missing_directory_is_not_found),
		cmocka_unit_test(test_load__reads_whole_files_and_hashes_them_as_parse_does),
		cmocka_unit_test(test_load__refuses_what_is_not_a_regular_file_inside_the_folder),
		cmocka_unit_test(test_sum__detects_an_edited_file),
		cmocka_unit_test(test_sbuf__grows_and_stays_terminated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
