/*
 * test_split.c: the PostgreSQL driver's statement splitter (drv_pg.split),
 * which needs no server: libpg_query parses with PostgreSQL's own grammar.
 *
 * What the runner relies on: statements come out whole whatever their
 * quoting (strings, dollar quotes, BEGIN ATOMIC bodies); each offset points
 * at the statement's first token, so the line it gives is the line a reader
 * sees; statements that cannot run in a transaction are named; a script
 * that does not parse is an error located at the bad token.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "internal.h"
#include "sqlscan.h"

struct split {
	struct drv_stmts st;
	struct drv_err err;
	int rc;
};

static void split(struct split *s, const char *sql)
{
	drv_err_init(&s->err);
	s->rc = drv_split(&drv_pg, sql, &s->st, &s->err);
}

static void split_release(struct split *s)
{
	drv_stmts_release(&s->st);
	drv_err_release(&s->err);
}

/* Split sql and compare the statements' text with want[0..n). */
static void assert_split(const char *sql, const char *const *want, size_t n)
{
	struct split s;
	size_t i;

	split(&s, sql);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.st.n, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(s.st.v[i].len, strlen(want[i]));
		assert_memory_equal(sql + s.st.v[i].offset, want[i], strlen(want[i]));
	}
	split_release(&s);
}

/* The no_tx reason of a script of one statement (NULL if none). */
static const char *no_tx_of(const char *sql)
{
	static char reason[128];
	struct split s;

	split(&s, sql);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.st.n, 1);
	snprintf(reason, sizeof reason, "%s", s.st.v[0].no_tx ? s.st.v[0].no_tx : "");
	split_release(&s);
	return reason[0] ? reason : NULL;
}

/* split_pg_keeps_data() of sql; when it says 1, lint of sql alone (the
 * strictest reading: nothing before it) must find nothing destructive. */
static int split_pg_keeps_data_s(const char *sql)
{
	struct sbuf m = SBUF_INIT;
	strata_lint_report *rep = NULL;
	char *errmsg = NULL;
	size_t i;
	int keeps = split_pg_keeps_data(sql, strlen(sql));

	if (!keeps)
		return 0;
	sbuf_addf(&m, "-- migrate:up\n%s;\n-- migrate:down\n", sql);
	assert_int_equal(strata_lint_text("postgres", "f.sql", m.buf, m.len, &rep, &errmsg), 0);
	for (i = 0; i < rep->n; i++)
		if (lint_rule_is_destructive(rep->findings[i].rule))
			fail_msg("'%s' kept data, but lint says %s", sql, rep->findings[i].rule);
	strata_lint_report_free(rep);
	free(errmsg);
	sbuf_release(&m);
	return 1;
}

static void test_split__plain_statements_are_split_at_semicolons(void **state)
{
	const char *want[] = { "CREATE TABLE a (x int)", "INSERT INTO a VALUES (1)", "SELECT 1" };

	(void)state;
	assert_split("CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\nSELECT 1;\n", want, 3);
}

static void test_split__last_statement_needs_no_semicolon(void **state)
{
	const char *want[] = { "SELECT 1", "SELECT 2" };

	(void)state;
	assert_split("SELECT 1;\nSELECT 2\n\n", want, 2);
}

static void test_split__empty_script_has_no_statements(void **state)
{
	struct split s;

	(void)state;
	split(&s, "");
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.st.n, 0);
	split_release(&s);
	split(&s, "  -- only a comment\n/* and /* a nested */ one */ ;; \n");
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.st.n, 0);
	split_release(&s);
}

static void test_split__semicolons_in_strings_and_comments_do_not_split(void **state)
{
	const char *want[] = {
		"INSERT INTO a VALUES ('x;y', E'it\\'s;', \"we;ird\")",
		"SELECT 1 /* ; */ + 1",
		"SELECT 2 -- ; trailing comment",
	};

	(void)state;
	assert_split("INSERT INTO a VALUES ('x;y', E'it\\'s;', \"we;ird\");\n"
	             "SELECT 1 /* ; */ + 1;\n"
	             "SELECT 2 -- ; trailing comment\n", want, 3);
}

static void test_split__dollar_quoted_body_is_one_statement(void **state)
{
	const char *fn =
		"CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\n"
		"BEGIN\n  PERFORM 1;\n  RETURN 2;\nEND;\n$body$";
	const char *want[] = { fn, "SELECT f()" };
	char sql[512];

	(void)state;
	snprintf(sql, sizeof sql, "%s;\nSELECT f();", fn);
	assert_split(sql, want, 2);
}

static void test_split__nested_dollar_quotes_with_other_tags_stay_inside(void **state)
{
	const char *fn =
		"DO $outer$\nBEGIN\n  EXECUTE $inner$ SELECT ';' ; $inner$;\n"
		"  RAISE NOTICE $$ ; $$;\nEND\n$outer$";
	const char *want[] = { fn, "SELECT 1" };
	char sql[512];

	(void)state;
	snprintf(sql, sizeof sql, "%s;SELECT 1", fn);
	assert_split(sql, want, 2);
}

static void test_split__begin_atomic_body_is_one_statement(void **state)
{
	const char *fn =
		"CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql\n"
		"BEGIN ATOMIC\n  SELECT a + 1;\n  SELECT a + 2;\nEND";
	const char *want[] = { fn, "SELECT g(1)" };
	char sql[512];

	(void)state;
	snprintf(sql, sizeof sql, "%s;\nSELECT g(1);\n", fn);
	assert_split(sql, want, 2);
}

static void test_split__offset_points_at_the_first_token_after_comments(void **state)
{
	const char *sql =
		"-- migrate: users\n"
		"CREATE TABLE users (id int);\n"
		"\n"
		"/* a block /* nested */ comment\n spanning lines */\n"
		"   -- and a line comment\n"
		"CREATE INDEX users_id ON users (id);\n";
	struct split s;

	(void)state;
	split(&s, sql);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.st.n, 2);
	assert_int_equal(s.st.v[0].offset, strstr(sql, "CREATE TABLE") - sql);
	assert_int_equal(s.st.v[1].offset, strstr(sql, "CREATE INDEX") - sql);
	assert_int_equal(util_line_of(sql, s.st.v[0].offset), 2);
	assert_int_equal(util_line_of(sql, s.st.v[1].offset), 7);
	split_release(&s);
}

static void test_split__create_index_concurrently_is_flagged(void **state)
{
	(void)state;
	assert_string_equal(no_tx_of("CREATE INDEX CONCURRENTLY i ON t (a)"),
	                    "CREATE INDEX CONCURRENTLY");
	assert_string_equal(no_tx_of("create unique index concurrently if not exists i on t (a)"),
	                    "CREATE INDEX CONCURRENTLY");
}

static void test_split__ordinary_create_index_is_not_flagged(void **state)
{
	(void)state;
	assert_null(no_tx_of("CREATE INDEX i ON t (a)"));
	assert_null(no_tx_of("CREATE TABLE t (a int, note text DEFAULT 'CONCURRENTLY')"));
	assert_null(no_tx_of("DROP INDEX i"));
	assert_null(no_tx_of("ANALYZE t"));
	assert_null(no_tx_of("REINDEX TABLE t"));
	assert_null(no_tx_of("REINDEX (CONCURRENTLY false) TABLE t"));
}

static void test_split__drop_index_concurrently_is_flagged(void **state)
{
	(void)state;
	assert_string_equal(no_tx_of("DROP INDEX CONCURRENTLY IF EXISTS i"),
	                    "DROP INDEX CONCURRENTLY");
}

static void test_split__reindex_concurrently_is_flagged(void **state)
{
	(void)state;
	assert_string_equal(no_tx_of("REINDEX TABLE CONCURRENTLY t"), "REINDEX CONCURRENTLY");
	assert_string_equal(no_tx_of("REINDEX (CONCURRENTLY) INDEX i"), "REINDEX CONCURRENTLY");
	assert_string_equal(no_tx_of("REINDEX SCHEMA app"), "REINDEX SCHEMA");
}

static void test_split__vacuum_is_flagged(void **state)
{
	(void)state;
	assert_string_equal(no_tx_of("VACUUM t"), "VACUUM");
	assert_string_equal(no_tx_of("vacuum (analyze) t"), "VACUUM");
}

static void test_split__database_and_system_statements_are_flagged(void **state)
{
	(void)state;
	assert_string_equal(no_tx_of("CREATE DATABASE d"), "CREATE DATABASE");
	assert_string_equal(no_tx_of("DROP DATABASE IF EXISTS d"), "DROP DATABASE");
	assert_string_equal(no_tx_of("ALTER SYSTEM SET work_mem = '64MB'"), "ALTER SYSTEM");
	assert_string_equal(no_tx_of("CREATE TABLESPACE ts LOCATION '/x'"), "CREATE TABLESPACE");
	assert_string_equal(no_tx_of("ALTER TABLE p DETACH PARTITION c CONCURRENTLY"),
	                    "ALTER TABLE ... DETACH PARTITION CONCURRENTLY");
	assert_null(no_tx_of("CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p "
	                     "WITH (create_slot = false)"));
	assert_non_null(no_tx_of("CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p"));
}

static void test_split__transaction_control_is_flagged_but_savepoints_are_not(void **state)
{
	(void)state;
	assert_string_equal(no_tx_of("BEGIN"), "transaction control (BEGIN/COMMIT)");
	assert_string_equal(no_tx_of("COMMIT"), "transaction control (BEGIN/COMMIT)");
	assert_string_equal(no_tx_of("ROLLBACK"), "transaction control (BEGIN/COMMIT)");
	assert_null(no_tx_of("SAVEPOINT a"));
	assert_null(no_tx_of("ROLLBACK TO SAVEPOINT a"));
	assert_null(no_tx_of("RELEASE SAVEPOINT a"));
}

static void test_split__flags_belong_to_their_statement(void **state)
{
	struct split s;

	(void)state;
	split(&s, "CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY i ON t (a);\nSELECT 1;");
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.st.n, 3);
	assert_null(s.st.v[0].no_tx);
	assert_string_equal(s.st.v[1].no_tx, "CREATE INDEX CONCURRENTLY");
	assert_null(s.st.v[2].no_tx);
	split_release(&s);
}

static void test_split__syntax_error_is_reported_at_the_bad_token(void **state)
{
	const char *sql = "SELECT 1;\nCREATE TABLE t (a int,);\nSELECT 2;";
	struct split s;

	(void)state;
	split(&s, sql);
	assert_int_equal(s.rc, STRATA_ESQL);
	assert_int_equal(s.err.code, STRATA_ESQL);
	assert_string_equal(s.err.msg.buf, "syntax error at or near \")\"");
	assert_string_equal(s.err.sqlstate, "42601");
	assert_int_equal(s.err.offset, strstr(sql, ");") - sql);
	assert_int_equal(util_line_of(sql, (size_t)s.err.offset), 2);
	assert_int_equal(s.st.n, 0);
	assert_null(s.st.v);
	split_release(&s);
}

static void test_split__error_offset_is_in_bytes_after_multibyte_text(void **state)
{
	const char *sql = "SELECT 'héllo wörld';\nSELEC 1;";
	struct split s;

	(void)state;
	split(&s, sql);
	assert_int_equal(s.rc, STRATA_ESQL);
	assert_int_equal(s.err.offset, strstr(sql, "SELEC 1") - sql);
	split_release(&s);
}

static void test_split__unterminated_dollar_quote_is_an_error(void **state)
{
	const char *sql = "SELECT 1;\nDO $$ BEGIN PERFORM 1;";
	struct split s;

	(void)state;
	split(&s, sql);
	assert_int_equal(s.rc, STRATA_ESQL);
	assert_non_null(strstr(s.err.msg.buf, "unterminated dollar-quoted string"));
	assert_int_equal(s.err.offset, strstr(sql, "$$") - sql);
	split_release(&s);
}

static void test_split__concurrently_inside_a_function_body_or_comment_is_not_flagged(void **state)
{
	(void)state;
	assert_null(no_tx_of("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
	                     "EXECUTE 'CREATE INDEX CONCURRENTLY i ON t (a)'; END $$"));
	assert_null(no_tx_of("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $body$ "
	                     "CREATE INDEX CONCURRENTLY i ON t (a) $body$"));
	assert_null(no_tx_of("CREATE INDEX /* CONCURRENTLY */ i ON t (a) -- CONCURRENTLY"));
	assert_null(no_tx_of("COMMENT ON TABLE t IS 'VACUUM; CREATE INDEX CONCURRENTLY'"));
	assert_string_equal(no_tx_of("/* a comment first */ CREATE INDEX CONCURRENTLY i ON t (a)"),
	                    "CREATE INDEX CONCURRENTLY");
}

/* One split serves the runner and exec: the client COPY is flagged, and
 * only exec's split refuses it (at that statement). */
static void test_split__client_copy_is_flagged_and_refused_by_exec(void **state)
{
	const char *sql = "CREATE TABLE t (a int);\nCOPY t FROM STDIN;\nCOPY t FROM '/tmp/x'";
	struct split s;
	struct drv_stmts ex = { 0, NULL };
	struct drv_err e;

	(void)state;
	split(&s, sql);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.st.n, 3);
	assert_null(s.st.v[0].copy);
	assert_string_equal(s.st.v[1].copy, "COPY FROM STDIN");
	assert_null(s.st.v[2].copy);
	assert_int_equal(split_pg_refuse_copy(&s.st, &s.err), STRATA_ESQL);
	assert_int_equal(s.err.offset, s.st.v[1].offset);
	split_release(&s);
	drv_err_init(&e);
	assert_int_equal(split_pg_exec(sql, &ex, &e), STRATA_ESQL);
	assert_int_equal(ex.n, 0);
	assert_non_null(strstr(e.msg.buf, "COPY FROM STDIN"));
	drv_err_release(&e);
}

/* split_pg_keeps_data: whole-statement text, as the split gives it. */
static void test_split__plain_ddl_and_inserts_keep_data(void **state)
{
	(void)state;
	assert_true(split_pg_keeps_data_s("INSERT INTO t (id, name) VALUES (1, 'DROP TABLE t')"));
	assert_true(split_pg_keeps_data_s("CREATE TABLE t (\n  id integer PRIMARY KEY,\n"
	                                  "  parent_id integer REFERENCES p (id),\n"
	                                  "  created_at timestamptz NOT NULL DEFAULT now()\n)"));
	assert_true(split_pg_keeps_data_s("CREATE INDEX ix ON t (c)"));
	assert_true(split_pg_keeps_data_s("create unique index ix on t using btree (c)"));
	assert_true(split_pg_keeps_data_s("ALTER TABLE t ADD COLUMN c integer NOT NULL DEFAULT 0"));
	assert_true(split_pg_keeps_data_s("ALTER TABLE t ADD COLUMN c text -- DROP COLUMN d"));
	assert_true(split_pg_keeps_data_s("COMMENT ON TABLE t IS 'we TRUNCATE it daily'"));
	assert_true(split_pg_keeps_data_s("UPDATE t SET c = id WHERE id < 3"));
	assert_true(split_pg_keeps_data_s("UPDATE t SET c = $$x$$ WHERE t.kind = 'a' AND \"n\" >= 2"));
	assert_true(split_pg_keeps_data_s("UPDATE t SET c = 1 /* DELETE */ WHERE id = 3"));
}

static void test_split__what_may_destroy_data_is_left_to_lint(void **state)
{
	(void)state;
	assert_false(split_pg_keeps_data_s("DROP TABLE t"));
	assert_false(split_pg_keeps_data_s("TRUNCATE t"));
	assert_false(split_pg_keeps_data_s("DELETE FROM t WHERE id = 1"));
	assert_false(split_pg_keeps_data_s("ALTER TABLE t DROP COLUMN c"));
	assert_false(split_pg_keeps_data_s("ALTER TABLE t ALTER COLUMN c TYPE bigint"));
	assert_false(split_pg_keeps_data_s("ALTER TABLE t ALTER COLUMN c SET DATA TYPE bigint"));
	assert_false(split_pg_keeps_data_s("ALTER TABLE t RENAME TO u"));
	assert_false(split_pg_keeps_data_s("CREATE TABLE u AS SELECT * FROM t"));
	assert_false(split_pg_keeps_data_s("CREATE TABLE u (a int REFERENCES t ON DELETE CASCADE)"));
	assert_false(split_pg_keeps_data_s("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS "
	                                   "'DELETE FROM t'"));
	assert_false(split_pg_keeps_data_s("DO $$ BEGIN EXECUTE 'TRUNCATE t'; END $$"));
	assert_false(split_pg_keeps_data_s("SELECT f()"));
	assert_false(split_pg_keeps_data_s("WITH d AS (DELETE FROM t RETURNING *) SELECT 1"));
	assert_false(split_pg_keeps_data_s("CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ "
	                                   "SELECT 1 $$ LANGUAGE sql"));
}

static void test_split__an_update_whose_where_may_be_always_true_is_left_to_lint(void **state)
{
	(void)state;
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = 1"));
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = 1 -- WHERE id = 1"));
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = 1 WHERE true"));
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = 1 WHERE 1 = 1"));
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = 1 WHERE id = id"));
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = 1 WHERE id < 3 OR true"));
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = 1 WHERE NOT id = 3"));
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = 1 WHERE current_user = 'x'"));
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = 1 WHERE id::int = 3"));
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = 1 WHERE (id = 3)"));
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = 1 FROM u WHERE t.id = 3"));
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = 1 WHERE id = 3 RETURNING *"));
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = (SELECT 1 WHERE x = 1)"));
	assert_false(split_pg_keeps_data_s("UPDATE t SET c = 1 WHERE id = 'a' 'b'"));
}

/* pgq_parse_one: the first statement's type and node, or the error. */
static void test_split__parse_one_gives_the_statement_type_and_node(void **state)
{
	const char *two = "CREATE INDEX CONCURRENTLY i ON t (a); DROP TABLE t";
	struct pgq_stmt p;

	(void)state;
	/* the length cuts the text: only the first statement is read */
	assert_int_equal(pgq_parse_one(two, strchr(two, ';') - two, &p), 0);
	assert_non_null(p.root);
	assert_string_equal(p.type, "IndexStmt");
	assert_true(json_is_true(json_object_get(p.node, "concurrent")));
	assert_false(p.syntax_error);
	pgq_stmt_release(&p);
	assert_int_equal(pgq_parse_one("CREATE TABLE (", 14, &p), 0);
	assert_null(p.root);
	assert_null(p.type);
	assert_true(p.syntax_error);
	assert_non_null(strstr(p.errmsg, "syntax error"));
	pgq_stmt_release(&p);
	assert_int_equal(pgq_parse_one("-- nothing", 10, &p), 0);
	assert_null(p.type);
	assert_false(p.syntax_error);
	pgq_stmt_release(&p);
	pgq_stmt_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split__plain_statements_are_split_at_semicolons),
		cmocka_unit_test(test_split__last_statement_needs_no_semicolon),
		cmocka_unit_test(test_split__empty_script_has_no_statements),
		cmocka_unit_test(test_split__semicolons_in_strings_and_comments_do_not_split),
		cmocka_unit_test(test_split__dollar_quoted_body_is_one_statement),
		cmocka_unit_test(test_split__nested_dollar_quotes_with_other_tags_stay_inside),
		cmocka_unit_test(test_split__begin_atomic_body_is_one_statement),
		cmocka_unit_test(test_split__offset_points_at_the_first_token_after_comments),
		cmocka_unit_test(test_split__create_index_concurrently_is_flagged),
		cmocka_unit_test(test_split__ordinary_create_index_is_not_flagged),
		cmocka_unit_test(test_split__drop_index_concurrently_is_flagged),
		cmocka_unit_test(test_split__reindex_concurrently_is_flagged),
		cmocka_unit_test(test_split__vacuum_is_flagged),
		cmocka_unit_test(test_split__database_and_system_statements_are_flagged),
		cmocka_unit_test(test_split__transaction_control_is_flagged_but_savepoints_are_not),
		cmocka_unit_test(test_split__flags_belong_to_their_statement),
		cmocka_unit_test(test_split__syntax_error_is_reported_at_the_bad_token),
		cmocka_unit_test(test_split__error_offset_is_in_bytes_after_multibyte_text),
		cmocka_unit_test(test_split__unterminated_dollar_quote_is_an_error),
		cmocka_unit_test(test_split__concurrently_inside_a_function_body_or_comment_is_not_flagged),
		cmocka_unit_test(test_split__client_copy_is_flagged_and_refused_by_exec),
		cmocka_unit_test(test_split__parse_one_gives_the_statement_type_and_node),
		cmocka_unit_test(test_split__plain_ddl_and_inserts_keep_data),
		cmocka_unit_test(test_split__what_may_destroy_data_is_left_to_lint),
		cmocka_unit_test(test_split__an_update_whose_where_may_be_always_true_is_left_to_lint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
