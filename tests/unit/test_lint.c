/*
 * test_lint.c: the lint rules (lib/lint.c) through strata_lint_text(),
 * which needs no database.
 *
 * What users rely on: every rule fires on its smallest unsafe example and
 * stays quiet on the safe way its hint describes, on the engines it is
 * documented for; lint-ignore comments silence exactly what they name and
 * are counted; lines are the file's lines (BOM, CRLF, comments and the
 * marker accounted for); and no input, however broken, crashes it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "strata.h"

/* Lint a file whose up section is up (marker with transaction:false when
 * notx) and that has a down section. */
static strata_lint_report *lint_up(const char *engine, const char *up, int notx)
{
	char buf[8192];
	strata_lint_report *r = NULL;
	char *err = NULL;
	int n, rc;

	n = snprintf(buf, sizeof buf, "-- migrate:up%s\n%s\n-- migrate:down\n",
	             notx ? " transaction:false" : "", up);
	assert_true(n > 0 && (size_t)n < sizeof buf);
	rc = strata_lint_text(engine, "m.sql", buf, (size_t)n, &r, &err);
	if (rc)
		fail_msg("lint failed: %s", err ? err : "?");
	assert_non_null(r);
	return r;
}

static size_t count_rule(const strata_lint_report *r, const char *rule)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->findings[i].rule, rule) == 0)
			n++;
	return n;
}

static const strata_lint_finding *find_rule(const strata_lint_report *r, const char *rule)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->findings[i].rule, rule) == 0)
			return &r->findings[i];
	return NULL;
}

static void expect(const char *engine, const char *up, int notx, const char *rule, size_t want)
{
	strata_lint_report *r = lint_up(engine, up, notx);
	size_t got = count_rule(r, rule);

	if (got != want) {
		size_t i;
		for (i = 0; i < r->n; i++)
			print_message("  found %s:%ld %s: %s\n", r->findings[i].file, r->findings[i].line,
			              r->findings[i].rule, r->findings[i].message);
		fail_msg("%s on %s: rule %s fired %zu times, expected %zu, for:\n%s", engine, rule, rule,
		         got, want, up);
	}
	strata_lint_report_free(r);
}

/* One rule: its unsafe example and its safe variant, on one engine. */
struct rule_case {
	const char *rule;
	const char *engine;
	const char *bad;
	const char *good;
	int notx;           /* both run in a transaction:false migration */
	int severity;
};

static const struct rule_case cases[] = {
	{ "drop-table", "postgres", "DROP TABLE users;",
	  "CREATE TABLE scratch (x int);\nDROP TABLE scratch;", 0, STRATA_LINT_ERROR },
	{ "drop-table", "sqlite", "DROP TABLE IF EXISTS [users];",
	  "CREATE TABLE scratch (x INTEGER PRIMARY KEY AUTOINCREMENT);\nDROP TABLE scratch;", 0,
	  STRATA_LINT_ERROR },
	{ "drop-column", "postgres", "ALTER TABLE users DROP COLUMN bio;",
	  "ALTER TABLE users DROP CONSTRAINT users_bio_check;", 0, STRATA_LINT_ERROR },
	{ "drop-column", "sqlite", "ALTER TABLE users DROP COLUMN bio;",
	  "ALTER TABLE users ADD COLUMN bio TEXT;", 0, STRATA_LINT_ERROR },
	{ "drop-column", "sqlite", "ALTER TABLE `users` DROP bio;",
	  "ALTER TABLE `users` ADD bio TEXT;", 0, STRATA_LINT_ERROR },
	{ "drop-schema", "postgres", "DROP SCHEMA app CASCADE;", "CREATE SCHEMA app;", 0,
	  STRATA_LINT_ERROR },
	{ "drop-database", "postgres", "DROP DATABASE app;", "CREATE DATABASE app;", 1,
	  STRATA_LINT_ERROR },
	{ "truncate", "postgres", "TRUNCATE users;", "DELETE FROM users WHERE id = 1;", 0,
	  STRATA_LINT_ERROR },
	{ "delete-without-where", "postgres", "DELETE FROM users;",
	  "DELETE FROM users WHERE id = 1;", 0, STRATA_LINT_ERROR },
	{ "delete-without-where", "sqlite", "DELETE FROM [users];",
	  "DELETE FROM [users] WHERE id IN (SELECT id FROM old);", 0, STRATA_LINT_ERROR },
	{ "delete-without-where", "postgres",
	  "WITH gone AS (DELETE FROM users RETURNING id) INSERT INTO audit SELECT id FROM gone;",
	  "WITH gone AS (DELETE FROM users WHERE id = 1 RETURNING id) INSERT INTO audit SELECT id FROM gone;",
	  0, STRATA_LINT_ERROR },
	{ "update-without-where", "postgres", "UPDATE users SET active = true;",
	  "UPDATE users SET active = true WHERE id < 100;", 0, STRATA_LINT_ERROR },
	/* filling a column this migration added is a backfill, not a loss;
	 * setting an old column beside it is not */
	{ "update-without-where", "postgres",
	  "ALTER TABLE users ADD COLUMN note text; UPDATE users SET note = 'x', age = 1;",
	  "ALTER TABLE users ADD COLUMN note text; UPDATE users SET note = 'x';", 0,
	  STRATA_LINT_ERROR },
	{ "update-without-where", "sqlite",
	  "ALTER TABLE users ADD COLUMN note TEXT; UPDATE users SET age = 1;",
	  "ALTER TABLE users ADD COLUMN note TEXT; UPDATE users SET note = 'x';", 0,
	  STRATA_LINT_ERROR },
	{ "update-without-where", "sqlite",
	  "UPDATE OR IGNORE [users] SET a = (SELECT b FROM c WHERE c.id = 1);",
	  "UPDATE OR IGNORE [users] SET a = (SELECT b FROM c WHERE c.id = 1) WHERE id = 2;", 0,
	  STRATA_LINT_ERROR },
	{ "alter-column-type", "postgres", "ALTER TABLE users ALTER COLUMN age TYPE bigint;",
	  "ALTER TABLE users ALTER COLUMN age SET DEFAULT 0;", 0, STRATA_LINT_ERROR },
	{ "drop-view", "postgres", "DROP VIEW active_users;",
	  "CREATE OR REPLACE VIEW active_users AS SELECT 1;", 0, STRATA_LINT_WARNING },
	{ "drop-view", "postgres", "DROP MATERIALIZED VIEW totals;",
	  "CREATE MATERIALIZED VIEW totals AS SELECT 1;", 0, STRATA_LINT_WARNING },
	{ "drop-view", "sqlite", "DROP VIEW active_users;",
	  "CREATE VIEW active_users AS SELECT 1;", 0, STRATA_LINT_WARNING },
	{ "create-index-non-concurrent", "postgres", "CREATE INDEX users_email ON users (email);",
	  "CREATE INDEX CONCURRENTLY users_email ON users (email);", 1, STRATA_LINT_ERROR },
	{ "create-index-non-concurrent", "postgres", "CREATE UNIQUE INDEX u ON app.users (email);",
	  "CREATE TABLE app.users (email text);\nCREATE UNIQUE INDEX u ON app.users (email);", 0,
	  STRATA_LINT_ERROR },
	{ "add-foreign-key", "postgres",
	  "ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (author) REFERENCES users (id);",
	  "ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (author) REFERENCES users (id) NOT VALID;",
	  0, STRATA_LINT_ERROR },
	{ "add-check", "postgres", "ALTER TABLE posts ADD CONSTRAINT c CHECK (length(title) > 0);",
	  "ALTER TABLE posts ADD CONSTRAINT c CHECK (length(title) > 0) NOT VALID;", 0,
	  STRATA_LINT_ERROR },
	{ "set-not-null", "postgres", "ALTER TABLE posts ALTER COLUMN title SET NOT NULL;",
	  "ALTER TABLE posts ALTER COLUMN title DROP NOT NULL;", 0, STRATA_LINT_ERROR },
	{ "add-unique-constraint", "postgres", "ALTER TABLE users ADD CONSTRAINT u UNIQUE (email);",
	  "ALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX users_email;", 0, STRATA_LINT_ERROR },
	{ "add-unique-constraint", "postgres", "ALTER TABLE users ADD PRIMARY KEY (id);",
	  "ALTER TABLE users ADD CONSTRAINT pk PRIMARY KEY USING INDEX users_id;", 0,
	  STRATA_LINT_ERROR },
	{ "add-column-volatile-default", "postgres",
	  "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
	  "ALTER TABLE users ADD COLUMN created timestamptz NOT NULL DEFAULT now();", 0,
	  STRATA_LINT_ERROR },
	{ "add-column-volatile-default", "postgres",
	  "ALTER TABLE users ADD COLUMN r float8 DEFAULT (random() * 10);",
	  "ALTER TABLE users ADD COLUMN r float8 DEFAULT 10.5;", 0, STRATA_LINT_ERROR },
	{ "add-column-volatile-default", "postgres", "ALTER TABLE users ADD COLUMN n bigserial;",
	  "ALTER TABLE users ADD COLUMN n bigint;", 0, STRATA_LINT_ERROR },
	{ "add-column-not-null", "postgres", "ALTER TABLE users ADD COLUMN age int NOT NULL;",
	  "ALTER TABLE users ADD COLUMN age int NOT NULL DEFAULT 0;", 0, STRATA_LINT_ERROR },
	{ "add-column-not-null", "sqlite", "ALTER TABLE users ADD COLUMN age INTEGER NOT NULL;",
	  "ALTER TABLE users ADD COLUMN age INTEGER NOT NULL DEFAULT 0;", 0, STRATA_LINT_ERROR },
	{ "add-column-not-null", "sqlite", "ALTER TABLE users ADD age INTEGER NOT NULL DEFAULT NULL;",
	  "ALTER TABLE users ADD age INTEGER DEFAULT NULL;", 0, STRATA_LINT_ERROR },
	{ "add-column-not-null", "sqlite", "ALTER TABLE [users] ADD COLUMN age INTEGER NOT NULL;",
	  "ALTER TABLE [users] ADD COLUMN age INTEGER NOT NULL DEFAULT (0);", 0, STRATA_LINT_ERROR },
	{ "vacuum-full", "postgres", "VACUUM FULL users;", "VACUUM users;", 1, STRATA_LINT_ERROR },
	{ "cluster", "postgres", "CLUSTER users USING users_pkey;", "ANALYZE users;", 0,
	  STRATA_LINT_ERROR },
	{ "refresh-matview", "postgres", "REFRESH MATERIALIZED VIEW totals;",
	  "REFRESH MATERIALIZED VIEW CONCURRENTLY totals;", 0, STRATA_LINT_WARNING },
	{ "rename-table", "postgres", "ALTER TABLE users RENAME TO members;",
	  "CREATE TABLE new_users (x int);\nALTER TABLE new_users RENAME TO users;", 0,
	  STRATA_LINT_WARNING },
	{ "rename-table", "sqlite", "ALTER TABLE users RENAME TO members;",
	  "CREATE TABLE new_users (x INTEGER PRIMARY KEY AUTOINCREMENT);\n"
	  "ALTER TABLE new_users RENAME TO users;", 0, STRATA_LINT_WARNING },
	{ "rename-column", "postgres", "ALTER TABLE users RENAME COLUMN name TO full_name;",
	  "ALTER TABLE users RENAME CONSTRAINT a TO b;", 0, STRATA_LINT_WARNING },
	{ "rename-column", "sqlite", "ALTER TABLE `users` RENAME name TO full_name;",
	  "ALTER TABLE `users` ADD full_name TEXT;", 0, STRATA_LINT_WARNING },
	{ "enum-add-value", "postgres", "ALTER TYPE mood ADD VALUE 'meh';",
	  "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';", 0, STRATA_LINT_WARNING },
	{ "needs-no-transaction", "postgres", "CREATE INDEX CONCURRENTLY i ON users (email);",
	  "CREATE INDEX i ON users (email);", 0, STRATA_LINT_ERROR },
	{ "needs-no-transaction", "sqlite", "VACUUM;", "ANALYZE;", 0, STRATA_LINT_ERROR },
	{ "unparsed", "postgres", "SELEC 1;", "SELECT 1;", 0, STRATA_LINT_WARNING },
	{ "unparsed", "postgres", "INSERT INTO VALUES (1);", "INSERT INTO t VALUES (1);", 0,
	  STRATA_LINT_WARNING },
	{ "unparsed", "sqlite", "FROBNICATE users;", "PRAGMA foreign_keys = ON;", 0,
	  STRATA_LINT_WARNING },
};

static void test_lint__every_rule_fires_on_its_example_and_not_on_the_safe_way(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct rule_case *c = &cases[i];
		strata_lint_report *r = lint_up(c->engine, c->bad, c->notx);
		const strata_lint_finding *f = find_rule(r, c->rule);
		if (!f)
			fail_msg("%s: %s did not fire on: %s", c->engine, c->rule, c->bad);
		assert_int_equal(f->severity, c->severity);
		assert_int_equal(f->line, 2);
		assert_string_equal(f->file, "m.sql");
		assert_true(f->message[0] && f->hint[0] && f->statement[0]);
		strata_lint_report_free(r);
		expect(c->engine, c->good, c->notx, c->rule, 0);
	}
}

/* The unsafe example of a rule with its safe variant made safe the
 * CONCURRENTLY way still needs the marker: both halves of the advice. */
static void test_lint__concurrent_index_in_a_transaction_is_an_error(void **state)
{
	(void)state;
	expect("postgres", "CREATE INDEX CONCURRENTLY i ON users (email);", 0, "needs-no-transaction", 1);
	expect("postgres", "CREATE INDEX CONCURRENTLY i ON users (email);", 1, "needs-no-transaction", 0);
	expect("postgres", "CREATE INDEX CONCURRENTLY i ON users (email);", 0,
	       "create-index-non-concurrent", 0);
}

/* An index on a table or materialized view the same migration creates
 * blocks no one: it is empty (CREATE TABLE AS and CREATE MATERIALIZED VIEW
 * count as creating, as CREATE TABLE does). */
static void test_lint__index_on_what_the_migration_created_is_fine(void **state)
{
	(void)state;
	expect("postgres", "CREATE TABLE t (id int);\nCREATE INDEX i ON t (id);", 0,
	       "create-index-non-concurrent", 0);
	expect("postgres", "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x;\nCREATE INDEX i ON mv (x);", 0,
	       "create-index-non-concurrent", 0);
	expect("postgres", "CREATE TABLE c AS SELECT 1 AS x;\nCREATE INDEX i ON c (x);", 0,
	       "create-index-non-concurrent", 0);
	expect("postgres", "CREATE INDEX i ON mv (x);", 0, "create-index-non-concurrent", 1);
}

/* SQLite's rebuild (strata generate writes it): the drop of the old table
 * is a rebuild, not the loss of the table; findings stay in line order. */
/* Issue 20's rules: each fires on its example, not on the safe way. */
static void test_lint__robustness_rules(void **state)
{
	const strata_lint_finding *f;
	strata_lint_report *r;
	(void)state;

	/* int-primary-key: on PostgreSQL only (SQLite's INTEGER PRIMARY KEY is 64-bit) */
	expect("postgres", "CREATE TABLE t (id serial PRIMARY KEY);", 0, "int-primary-key", 1);
	expect("postgres", "CREATE TABLE t (id int, PRIMARY KEY (id));", 0, "int-primary-key", 1);
	expect("postgres", "ALTER TABLE t ADD COLUMN id integer PRIMARY KEY;", 0, "int-primary-key", 1);
	expect("postgres", "CREATE TABLE t (id bigserial PRIMARY KEY);", 0, "int-primary-key", 0);
	expect("postgres", "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);", 0,
	       "int-primary-key", 0);
	expect("postgres", "CREATE TABLE t (id int, code int PRIMARY KEY, x int)", 0, "int-primary-key", 1);
	expect("sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY);", 0, "int-primary-key", 0);
	/* drop-index-non-concurrent */
	expect("postgres", "DROP INDEX i;", 0, "drop-index-non-concurrent", 1);
	expect("postgres", "DROP INDEX CONCURRENTLY IF EXISTS i;", 1, "drop-index-non-concurrent", 0);
	expect("sqlite", "DROP INDEX i;", 0, "drop-index-non-concurrent", 0);
	/* attach-partition: not on a partition created here */
	expect("postgres", "ALTER TABLE m ATTACH PARTITION m_2026 FOR VALUES FROM (1) TO (2);", 0,
	       "attach-partition", 1);
	expect("postgres", "CREATE TABLE m_2026 (x int);\n"
	       "ALTER TABLE m ATTACH PARTITION m_2026 FOR VALUES FROM (1) TO (2);", 0, "attach-partition", 0);
	/* add-exclude-constraint */
	expect("postgres", "ALTER TABLE b ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, "
	       "during WITH &&);", 0, "add-exclude-constraint", 1);
	expect("postgres", "CREATE TABLE b (room int, during tstzrange, EXCLUDE USING gist (during WITH &&));",
	       0, "add-exclude-constraint", 0);
	/* non-idempotent: only where a run that stopped partway is run again */
	expect("postgres", "CREATE INDEX CONCURRENTLY i ON t (x);", 1, "non-idempotent", 1);
	expect("postgres", "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x);", 1, "non-idempotent", 0);
	expect("postgres", "CREATE INDEX CONCURRENTLY i ON t (x);", 0, "non-idempotent", 0);
	expect("postgres", "CREATE TABLE t (x int);\nALTER TABLE u ADD COLUMN y int;\nDROP TABLE v;", 1,
	       "non-idempotent", 3);
	/* SQLite has no ADD COLUMN IF NOT EXISTS: nothing to advise */
	expect("sqlite", "CREATE TABLE t (x int);\nALTER TABLE u ADD COLUMN y int;\nDROP TABLE v;", 1,
	       "non-idempotent", 2);
	expect("sqlite", "CREATE TABLE IF NOT EXISTS t (x int);\nDROP TABLE IF EXISTS v;", 1,
	       "non-idempotent", 0);
	expect("postgres", "ALTER TABLE u ADD COLUMN IF NOT EXISTS y int;", 1, "non-idempotent", 0);
	/* lock-timeout-missing is asked for (strata lint --require-lock-timeout) */
	expect("postgres", "CREATE INDEX i ON t (x);", 0, "lock-timeout-missing", 0);

	/* a type change whose old type lint does not know is judged the worst way */
	r = lint_up("postgres", "ALTER TABLE p ALTER COLUMN price TYPE numeric(20,8);", 0);
	assert_non_null(f = find_rule(r, "alter-column-type"));
	assert_int_equal(f->severity, STRATA_LINT_ERROR);
	strata_lint_report_free(r);
	/* USING is anyone's guess, whatever the types */
	expect("postgres", "ALTER TABLE p ALTER COLUMN n TYPE bigint USING n::bigint;", 0,
	       "alter-column-type", 1);
}

static void test_lint__a_table_rebuild_is_a_warning_not_a_drop(void **state)
{
	strata_lint_report *r;
	size_t o;
	int e;

	(void)state;
	for (e = 0; e < 2; e++) {
		r = lint_up(e ? "sqlite" : "postgres",
		            "CREATE TABLE _strata_new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n"
		            "INSERT INTO _strata_new_users (id, email) SELECT id, email FROM users;\n"
		            "DROP TABLE users;\n"
		            "DELETE FROM posts;\n"
		            "ALTER TABLE _strata_new_users RENAME TO users;\n"
		            "DROP TABLE gone;", 0);
		/* on PostgreSQL, INTEGER PRIMARY KEY is also an int-primary-key */
		o = e ? 0 : 1;
		assert_int_equal(r->n, 3 + o);
		if (o)
			assert_string_equal(r->findings[0].rule, "int-primary-key");
		assert_string_equal(r->findings[o].rule, "table-rebuild");
		assert_int_equal(r->findings[o].line, 4);
		assert_int_equal(r->findings[o].severity, STRATA_LINT_WARNING);
		assert_non_null(strstr(r->findings[o].message, "'_strata_new_users'"));
		assert_string_equal(r->findings[o].statement, "DROP TABLE users");
		assert_string_equal(r->findings[o + 1].rule, "delete-without-where");
		assert_string_equal(r->findings[o + 2].rule, "drop-table");
		assert_int_equal(r->findings[o + 2].line, 7);
		strata_lint_report_free(r);
	}
	/* renamed to some other name: still a drop */
	expect("sqlite", "CREATE TABLE n (x int);\nDROP TABLE users;\nALTER TABLE n RENAME TO members;", 0,
	       "drop-table", 1);
	/* and a drop can be silenced where it stands */
	expect("sqlite", "-- strata:lint-ignore table-rebuild\nDROP TABLE users;\n"
	       "CREATE TABLE n (x int);\nALTER TABLE n RENAME TO users;", 0, "table-rebuild", 0);
}

static void test_lint__begin_commit_in_a_migration_is_named(void **state)
{
	strata_lint_report *r;
	const strata_lint_finding *f;

	(void)state;
	r = lint_up("sqlite", "BEGIN;\nCREATE TABLE t (x int);\nCOMMIT;", 0);
	assert_int_equal(count_rule(r, "needs-no-transaction"), 2);
	f = find_rule(r, "needs-no-transaction");
	assert_int_equal(f->line, 2);
	assert_non_null(strstr(f->message, "remove BEGIN/COMMIT"));
	strata_lint_report_free(r);
	expect("postgres", "BEGIN;\nCREATE TABLE t (x int);\nCOMMIT;", 0, "needs-no-transaction", 2);
}

/* A script with a syntax error still has its other statements linted,
 * with their lines. */
static void test_lint__a_bad_statement_does_not_hide_the_others(void **state)
{
	strata_lint_report *r;

	(void)state;
	r = lint_up("postgres", "SELEC 1;\nCREATE INDEX i ON t (x);\nDROP TABLE u;", 0);
	assert_int_equal(count_rule(r, "unparsed"), 1);
	assert_int_equal(find_rule(r, "unparsed")->line, 2);
	assert_int_equal(find_rule(r, "create-index-non-concurrent")->line, 3);
	assert_int_equal(find_rule(r, "drop-table")->line, 4);
	assert_int_equal(r->statements, 3);
	strata_lint_report_free(r);
}

static void test_lint__engine_decides_which_rules_apply(void **state)
{
	(void)state;
	expect("sqlite", "CREATE INDEX i ON users (email);", 0, "create-index-non-concurrent", 0);
	expect("sqlite", "ALTER TABLE posts ADD CONSTRAINT c CHECK (x > 0);", 0, "add-check", 0);
	expect("sqlite", "ALTER TABLE users ADD COLUMN token TEXT DEFAULT (random());", 0,
	       "add-column-volatile-default", 0);
	/* PostgreSQL can add NOT NULL without a default to a table it just made */
	expect("postgres", "CREATE TABLE t (x int);\nALTER TABLE t ADD COLUMN y int NOT NULL;", 0,
	       "add-column-not-null", 0);
	/* SQLite refuses it whatever the table holds */
	expect("sqlite", "CREATE TABLE t (x int);\nALTER TABLE t ADD COLUMN y int NOT NULL;", 0,
	       "add-column-not-null", 1);
}

static void test_lint__sqlite_statements_pg_cannot_parse_are_read_by_tokens(void **state)
{
	strata_lint_report *r;

	(void)state;
	r = lint_up("sqlite",
	            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT) WITHOUT ROWID;\n"
	            "INSERT OR REPLACE INTO t VALUES (1);\n"
	            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u; UPDATE v SET x = 1; END;\n"
	            "PRAGMA defer_foreign_keys = ON;\n"
	            "DELETE FROM t;", 0);
	assert_int_equal(r->n, 0); /* t was created here; trigger bodies do not run now */
	assert_int_equal(r->statements, 5);
	strata_lint_report_free(r);
}

static void test_lint__a_migration_without_down_is_reported(void **state)
{
	const char *text = "-- a comment\n-- migrate:up\nCREATE TABLE t (x int);\n";
	strata_lint_report *r = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(strata_lint_text("sqlite", "f.sql", text, strlen(text), &r, &err), 0);
	assert_int_equal(count_rule(r, "no-down"), 1);
	assert_int_equal(find_rule(r, "no-down")->line, 2);
	assert_int_equal(find_rule(r, "no-down")->severity, STRATA_LINT_WARNING);
	assert_int_equal(r->warnings, 1);
	assert_int_equal(r->errors, 0);
	strata_lint_report_free(r);
	/* an empty down section is a down section */
	expect("sqlite", "SELECT 1;", 0, "no-down", 0);
}

static void test_lint__ignore_comment_above_silences_only_the_named_rules(void **state)
{
	strata_lint_report *r;

	(void)state;
	r = lint_up("postgres",
	            "-- strata:lint-ignore drop-table\n"
	            "DROP TABLE a;\n"
	            "DROP TABLE b;\n"
	            "-- strata:lint-ignore create-index-non-concurrent\n"
	            "DELETE FROM c;", 0);
	assert_int_equal(count_rule(r, "drop-table"), 1);
	assert_int_equal(find_rule(r, "drop-table")->line, 4);
	assert_int_equal(count_rule(r, "delete-without-where"), 1);
	assert_int_equal(r->suppressed, 1);
	assert_int_equal(r->errors, 2);
	strata_lint_report_free(r);
}

static void test_lint__ignore_takes_a_list_and_works_on_the_statement_line(void **state)
{
	strata_lint_report *r;

	(void)state;
	r = lint_up("postgres",
	            "-- strata:lint-ignore set-not-null,alter-column-type\n"
	            "ALTER TABLE t ALTER COLUMN x SET NOT NULL, ALTER COLUMN x TYPE bigint;\n"
	            "DROP TABLE a; -- strata:lint-ignore drop-table\n"
	            "-- strata:lint-ignore delete-without-where: the table is a queue\n"
	            "-- (emptied on purpose)\n"
	            "DELETE FROM q;\n"
	            "-- strata:lint-ignore truncate\n"
	            "\n"
	            "TRUNCATE z;", 0);
	assert_int_equal(r->n, 1);
	assert_string_equal(r->findings[0].rule, "truncate"); /* a blank line breaks the link */
	assert_int_equal(r->suppressed, 4);
	strata_lint_report_free(r);
}

static void test_lint__ignore_file_silences_a_rule_everywhere(void **state)
{
	const char *text = "-- migrate:up\n"
	                   "DROP TABLE a;\n"
	                   "DROP TABLE b;\n"
	                   "DELETE FROM c;\n"
	                   "-- migrate:down\n"
	                   "-- strata:lint-ignore-file drop-table, no-down\n";
	strata_lint_report *r = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(strata_lint_text("postgres", "f.sql", text, strlen(text), &r, &err), 0);
	assert_int_equal(r->n, 1);
	assert_string_equal(r->findings[0].rule, "delete-without-where");
	assert_int_equal(r->suppressed, 2);
	strata_lint_report_free(r);
}

static void test_lint__a_string_is_not_an_ignore_comment(void **state)
{
	(void)state;
	expect("postgres", "DROP TABLE a; SELECT 'strata:lint-ignore drop-table';", 0, "drop-table", 1);
	expect("postgres", "-- strata:lint-ignore-file drop-table\nDROP TABLE a;", 0, "drop-table", 0);
	/* lint-ignore-file is not a statement's lint-ignore and vice versa */
	expect("postgres", "-- strata:lint-ignore drop-tablex\nDROP TABLE a;", 0, "drop-table", 1);
}

static void test_lint__lines_count_bom_crlf_comments_and_markers(void **state)
{
	const char *text = "\xEF\xBB\xBF-- header\r\n"
	                   "\r\n"
	                   "-- migrate:down\r\n"
	                   "SELECT 1;\r\n"
	                   "-- migrate:up\r\n"
	                   "/* a block\r\n comment */\r\n"
	                   "-- a line comment\r\n"
	                   "CREATE TABLE t (x int);\r\n"
	                   "\r\n"
	                   "  DROP\r\n  TABLE users;\r\n";
	strata_lint_report *r = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(strata_lint_text("postgres", "f.sql", text, strlen(text), &r, &err), 0);
	assert_int_equal(r->n, 1);
	assert_string_equal(r->findings[0].rule, "drop-table");
	assert_int_equal(r->findings[0].line, 11);
	assert_string_equal(r->findings[0].statement, "DROP");
	strata_lint_report_free(r);
}

static void test_lint__statement_excerpt_is_its_first_line_shortened(void **state)
{
	char up[400];
	strata_lint_report *r;
	size_t n;

	(void)state;
	memset(up, 0, sizeof up);
	n = (size_t)snprintf(up, sizeof up, "DELETE FROM users -- ");
	memset(up + n, 'x', 200);
	memcpy(up + n + 200, "\n;", 3);
	r = lint_up("postgres", up, 0);
	assert_int_equal(r->n, 1);
	assert_true(strlen(r->findings[0].statement) <= 103);
	assert_non_null(strstr(r->findings[0].statement, "..."));
	assert_memory_equal(r->findings[0].statement, "DELETE FROM users", 17);
	strata_lint_report_free(r);
}

/* Malformed files are errors with file:line; nothing crashes. */
static void test_lint__malformed_files_are_parse_errors(void **state)
{
	static const struct { const char *text; size_t len; const char *msg; } bad[] = {
		{ "", 0, "f.sql:1: no '-- migrate:up' section (the file is empty)" },
		{ "DROP TABLE x;\n", 14, "f.sql:1: no '-- migrate:up' marker" },
		{ "-- migrate:up\nSELECT\0 1;\n", 24, "f.sql:2: file contains a NUL byte" },
		{ "-- migrate:up\nSELECT '\xff';\n", 25, "f.sql:2: invalid UTF-8" },
		{ "-- migrate:upp\n", 15, "f.sql:1: unknown marker" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		strata_lint_report *r = (strata_lint_report *)&i;
		char *err = NULL;
		assert_int_equal(strata_lint_text("postgres", "f.sql", bad[i].text, bad[i].len, &r, &err),
		                 STRATA_EPARSE);
		assert_null(r);
		assert_non_null(err);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0)
			fail_msg("got '%s', expected '%s...'", err, bad[i].msg);
		free(err);
	}
}

static void test_lint__unparsable_sql_does_not_crash(void **state)
{
	static const char *const junk[] = {
		"SELECT 'unterminated;",
		"DO $$ BEGIN PERFORM 1;",
		"DROP TABLE \"unterminated;",
		")))(((;;;",
		"ALTER TABLE;",
		"ALTER TABLE t ADD;",
		"ALTER TABLE t RENAME;",
		"DELETE;",
		"UPDATE;",
		"DROP;",
		"CREATE;",
		"TRUNCATE;",
		"/* unterminated comment",
		"$a$ $b$",
		"E'\\';",
		"ALTER TABLE [t ADD COLUMN x NOT NULL;",
	};
	size_t i;
	int e;

	(void)state;
	for (e = 0; e < 2; e++) {
		for (i = 0; i < sizeof junk / sizeof junk[0]; i++) {
			strata_lint_report *r = lint_up(e ? "sqlite" : "postgres", junk[i], 0);
			strata_lint_report_free(r);
		}
	}
}

static void test_lint__deeply_nested_sql_is_unparsed_not_a_crash(void **state)
{
	static char up[16384];
	strata_lint_report *r;
	size_t i, n;

	(void)state;
	memcpy(up, "SELECT ", 7);
	n = 7;
	for (i = 0; i < 2500; i++, n += 4)
		memcpy(up + n, "abs(", 4);
	up[n++] = '1';
	for (i = 0; i < 2500; i++)
		up[n++] = ')';
	up[n++] = ';';
	up[n] = '\0';
	{
		/* lint_up's buffer is too small: build the file here */
		static char text[20000];
		char *err = NULL;
		int len = snprintf(text, sizeof text, "-- migrate:up\n%s\n-- migrate:down\n", up);
		assert_int_equal(strata_lint_text("postgres", "m.sql", text, (size_t)len, &r, &err), 0);
	}
	assert_int_equal(count_rule(r, "unparsed"), 1);
	strata_lint_report_free(r);
}

static void test_lint__unknown_engine_is_bad_usage(void **state)
{
	strata_lint_report *r = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(strata_lint_text("mysql", "f.sql", "-- migrate:up\n", 14, &r, &err),
	                 STRATA_EUSAGE);
	assert_null(r);
	assert_non_null(strstr(err, "unknown engine 'mysql'"));
	free(err);
}

/* strata_lint() with a handle: files, the engine from a URL that is never
 * connected to, and a missing file. */
static void test_lint__handle_lints_files_with_the_engine_of_an_unreachable_url(void **state)
{
	char dir[] = "/tmp/strata-test-lint-XXXXXX", path[256];
	const char *files[1];
	strata_lint_opts o = STRATA_LINT_OPTS_INIT;
	strata_lint_report *r = NULL;
	strata_db *db = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/0001_a.sql", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("-- migrate:up\nCREATE INDEX i ON t (x);\n-- migrate:down\nDROP INDEX i;\n", f);
	fclose(f);
	assert_int_equal(strata_open(&db, "sqlite::memory:", NULL), 0);

	files[0] = path;
	o.files = files;
	o.nfiles = 1;
	o.url = "postgres://nobody@127.0.0.1:1/x";
	assert_int_equal(strata_lint(db, &o, &r), 0);
	assert_string_equal(r->engine, "postgres");
	assert_int_equal(count_rule(r, "create-index-non-concurrent"), 1);
	assert_string_equal(r->findings[0].file, path);
	strata_lint_report_free(r);

	o.url = "sqlite:app.db";
	assert_int_equal(strata_lint(db, &o, &r), 0);
	assert_string_equal(r->engine, "sqlite");
	assert_int_equal(r->n, 0);
	strata_lint_report_free(r);

	/* a directory given as a file lints its migrations */
	files[0] = dir;
	o.engine = "postgres";
	assert_int_equal(strata_lint(db, &o, &r), 0);
	assert_int_equal(r->files, 1);
	assert_int_equal(r->errors, 1);
	strata_lint_report_free(r);

	snprintf(path, sizeof path, "%s/nope.sql", dir);
	files[0] = path;
	assert_int_equal(strata_lint(db, &o, &r), STRATA_ENOTFOUND);
	assert_null(r);
	assert_non_null(strstr(strata_errmsg(db), "nope.sql: no such file"));

	o.engine = NULL;
	o.url = "mysql://x";
	assert_int_equal(strata_lint(db, &o, &r), STRATA_EURL);

	strata_close(db);
	snprintf(path, sizeof path, "%s/0001_a.sql", dir);
	remove(path);
	rmdir(dir);
}

static void test_lint__a_where_that_is_always_true_counts_as_none(void **state)
{
	static const char *const always[] = {
		"WHERE true", "WHERE 1=1", "WHERE 1", "WHERE id = 3 OR 1=1", "WHERE x = x",
		"WHERE 'a'='a'", "WHERE NOT false", "WHERE t.x IS NOT DISTINCT FROM t.x",
		"WHERE NULL IS NULL", "WHERE EXISTS (SELECT 1)", "WHERE 2 > 1", "WHERE (1=1) IS TRUE",
		"WHERE 'true'::boolean", "WHERE true AND 1=1", "WHERE x >= x",
	};
	static const char *const depends[] = {
		"WHERE id = 3", "WHERE false", "WHERE 1=2", "WHERE random() = random()",
		"WHERE id = id + 0", "WHERE 1=1 AND id = 3", "WHERE x = y", "WHERE NULL",
		"WHERE id IN (SELECT 1)", "WHERE x <> x", "WHERE 0", "WHERE -1 = -2", "WHERE EXISTS (SELECT 1 FROM u WHERE u.a = 1)",
	};
	char sql[256];
	size_t i;
	int e;

	(void)state;
	for (e = 0; e < 2; e++) {
		const char *engine = e ? "postgres" : "sqlite";
		for (i = 0; i < sizeof always / sizeof always[0]; i++) {
			snprintf(sql, sizeof sql, "DELETE FROM t %s;", always[i]);
			expect(engine, sql, 0, "delete-without-where", 1);
			snprintf(sql, sizeof sql, "UPDATE t SET a = 1 %s;", always[i]);
			expect(engine, sql, 0, "update-without-where", 1);
		}
		for (i = 0; i < sizeof depends / sizeof depends[0]; i++) {
			snprintf(sql, sizeof sql, "DELETE FROM t %s;", depends[i]);
			expect(engine, sql, 0, "delete-without-where", 0);
			snprintf(sql, sizeof sql, "UPDATE t SET a = 1 %s;", depends[i]);
			expect(engine, sql, 0, "update-without-where", 0);
		}
	}
}

static void test_lint__sqlite_token_reading_knows_always_true_where(void **state)
{
	(void)state;
	/* UPDATE OR IGNORE: not PostgreSQL's grammar, read by tokens */
	expect("sqlite", "UPDATE OR IGNORE t SET a = 1 WHERE 1;", 0, "update-without-where", 1);
	expect("sqlite", "UPDATE OR IGNORE t SET a = 1 WHERE x = x;", 0, "update-without-where", 1);
	expect("sqlite", "UPDATE OR IGNORE t SET a = 1 WHERE id = 2 OR 'a' = 'a';", 0,
	       "update-without-where", 1);
	expect("sqlite", "UPDATE OR IGNORE t SET a = 1 WHERE NOT 0;", 0, "update-without-where", 1);
	expect("sqlite", "UPDATE OR IGNORE t SET a = 1 WHERE id = 2;", 0, "update-without-where", 0);
	expect("sqlite", "UPDATE OR IGNORE t SET a = 1 WHERE random() = random();", 0,
	       "update-without-where", 0);
	expect("sqlite", "UPDATE OR IGNORE t SET a = 1 WHERE 0;", 0, "update-without-where", 0);
}

static void test_lint__do_blocks_are_read_and_execute_is_dynamic_sql(void **state)
{
	const strata_lint_finding *f;
	strata_lint_report *r;

	(void)state;
	expect("postgres", "DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$;", 0, "dynamic-sql", 1);
	expect("postgres", "DO $$ DECLARE r record; BEGIN FOR r IN EXECUTE 'SELECT 1' LOOP END LOOP; END $$;",
	       0, "dynamic-sql", 1);
	expect("postgres", "DO LANGUAGE plperl $$ 1; $$;", 0, "dynamic-sql", 1);
	expect("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'm') THEN "
	       "CREATE TYPE m AS ENUM ('a'); END IF; END $$;", 0, "dynamic-sql", 0);
	/* what a DO block runs plainly is linted as the DO statement */
	r = lint_up("postgres", "SELECT 1;\nDO $$\nBEGIN\n  DELETE FROM t;\nEND $$;", 0);
	f = find_rule(r, "delete-without-where");
	assert_non_null(f);
	assert_int_equal(f->line, 3);
	assert_int_equal(count_rule(r, "dynamic-sql"), 0);
	strata_lint_report_free(r);
	expect("postgres", "DO $$ BEGIN TRUNCATE t; END $$;", 0, "truncate", 1);
	expect("postgres", "-- strata:lint-ignore dynamic-sql\nDO $$ BEGIN EXECUTE 'x'; END $$;", 0,
	       "dynamic-sql", 0);
}

static void test_lint__calls_of_risky_functions_of_the_same_migration_are_reported(void **state)
{
	(void)state;
	expect("postgres", "CREATE FUNCTION d(x text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE x; "
	       "END $$;\nSELECT d('drop table t');", 0, "dynamic-sql", 1);
	expect("postgres", "CREATE FUNCTION w() RETURNS void LANGUAGE plpgsql AS $$ BEGIN TRUNCATE t; "
	       "END $$;\nSELECT w();", 0, "truncate", 1);
	expect("postgres", "CREATE PROCEDURE p() LANGUAGE sql AS $$ DELETE FROM t $$;\nCALL p();", 0,
	       "delete-without-where", 1);
	expect("postgres", "CREATE PROCEDURE p() BEGIN ATOMIC DELETE FROM t WHERE 1=1; END;\nCALL p();",
	       0, "delete-without-where", 1);
	/* created but not called: nothing runs */
	expect("postgres", "CREATE FUNCTION w() RETURNS void LANGUAGE plpgsql AS $$ BEGIN TRUNCATE t; "
	       "END $$;", 0, "truncate", 0);
	expect("postgres", "CREATE FUNCTION w() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE t; "
	       "END $$;", 0, "drop-table", 0);
	/* a harmless function */
	expect("postgres", "CREATE FUNCTION ok() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n"
	       "SELECT ok();", 0, "dynamic-sql", 0);
	/* called from an INSERT (which lint otherwise does not parse) */
	expect("postgres", "CREATE FUNCTION w() RETURNS int LANGUAGE plpgsql AS $$ BEGIN DELETE FROM t; "
	       "RETURN 1; END $$;\nINSERT INTO u VALUES (w());", 0, "delete-without-where", 1);
}

static void test_lint__drop_cascade_and_drop_owned_are_destructive(void **state)
{
	(void)state;
	expect("postgres", "DROP TYPE mood CASCADE;", 0, "drop-cascade", 1);
	expect("postgres", "DROP EXTENSION hstore CASCADE;", 0, "drop-cascade", 1);
	expect("postgres", "DROP FUNCTION f() CASCADE;", 0, "drop-cascade", 1);
	expect("postgres", "DROP OWNED BY bob;", 0, "drop-cascade", 1);
	expect("postgres", "DROP TYPE mood;", 0, "drop-cascade", 0);
	expect("postgres", "DROP SCHEMA s CASCADE;", 0, "drop-schema", 1);
	expect("postgres", "DROP SCHEMA s CASCADE;", 0, "drop-cascade", 0);
}

static void test_lint__releasing_every_advisory_lock_is_an_error(void **state)
{
	(void)state;
	expect("postgres", "SELECT pg_advisory_unlock_all();", 0, "releases-lock", 1);
	expect("postgres", "DO $$ BEGIN PERFORM pg_advisory_unlock_all(); END $$;", 0, "releases-lock", 1);
	expect("postgres", "DO $$ BEGIN EXECUTE 'SELECT PG_ADVISORY_UNLOCK_ALL()'; END $$;", 0,
	       "releases-lock", 1);
	expect("postgres", "SELECT pg_advisory_unlock(42); -- not pg_advisory_unlock_all()", 0,
	       "releases-lock", 0);
	expect("postgres", "SELECT pg_advisory_xact_lock(42);", 0, "releases-lock", 0);
	/* the name spelled in pieces the lexer joins or decodes: the walk of
	 * the tree is skipped only when the text holds none of them */
	expect("postgres", "SELECT 'pg_advisory_'\n  'unlock_all';", 0, "releases-lock", 1);
	expect("postgres", "SELECT E'pg\\x5fadvisory_unlock_all';", 0, "releases-lock", 1);
	expect("postgres", "SELECT U&'pg\\005fadvisory_unlock_all';", 0, "releases-lock", 1);
	expect("postgres", "SELECT U&'pg!005fadvisory_unlock_all' UESCAPE '!';", 0, "releases-lock", 1);
	expect("postgres", "SELECT 'pg_advisory_' 'unlock_all';", 0, "releases-lock", 0);
}

static void test_lint__a_long_migration_is_linted_in_linear_time(void **state)
{
	/* 20,000 tables created and 20,000 dropped: the lookups once were
	 * lists (quadratic: seconds); a hash takes well under one. What is
	 * checked is the result; the time is the point of the test run. */
	struct sbuf_like { char *p; size_t n, cap; } b = { NULL, 0, 0 };
	strata_lint_report *r = NULL;
	char *err = NULL;
	int i;

	(void)state;
	b.cap = 4 << 20;
	b.p = malloc(b.cap);
	assert_non_null(b.p);
	b.n = (size_t)snprintf(b.p, b.cap, "-- migrate:up\n");
	for (i = 0; i < 20000; i++)
		b.n += (size_t)snprintf(b.p + b.n, b.cap - b.n, "CREATE TABLE t%d (id int);\n"
		                        "DROP TABLE old%d;\n", i, i);
	b.n += (size_t)snprintf(b.p + b.n, b.cap - b.n, "-- migrate:down\n");
	assert_true(b.n < b.cap);
	assert_int_equal(strata_lint_text("sqlite", "m.sql", b.p, b.n, &r, &err), 0);
	assert_int_equal(count_rule(r, "drop-table"), 20000);
	assert_int_equal(r->findings[0].line, 3);
	assert_int_equal(r->findings[19999].line, 40001);
	strata_lint_report_free(r);
	free(b.p);
}

/* Issue 20 (squawk's cases): VALIDATE beside its NOT VALID add, SET NOT
 * NULL after a validated IS NOT NULL check, defaults calling functions
 * lint does not know, DETACH PARTITION and REINDEX without CONCURRENTLY. */
static void test_lint__squawk_gaps_are_closed(void **state)
{
	strata_lint_report *r;
	const strata_lint_finding *f;

	(void)state;
	/* validate-same-transaction: the NOT VALID add and its VALIDATE in one transaction */
	expect("postgres", "ALTER TABLE e ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES u (id) NOT VALID;\n"
	       "ALTER TABLE e VALIDATE CONSTRAINT fk;", 0, "validate-same-transaction", 1);
	expect("postgres", "ALTER TABLE e ADD CONSTRAINT ck CHECK (x > 0) NOT VALID;\n"
	       "ALTER TABLE \"e\" VALIDATE CONSTRAINT \"ck\";", 0, "validate-same-transaction", 1);
	/* transaction:false: the add commits before the VALIDATE */
	expect("postgres", "ALTER TABLE e ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES u (id) NOT VALID;\n"
	       "ALTER TABLE e VALIDATE CONSTRAINT fk;", 1, "validate-same-transaction", 0);
	/* the safe way: a VALIDATE alone (the add was an earlier migration) */
	expect("postgres", "ALTER TABLE e VALIDATE CONSTRAINT fk;", 0, "validate-same-transaction", 0);
	/* another table's constraint of that name */
	expect("postgres", "ALTER TABLE e ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES u (id) NOT VALID;\n"
	       "ALTER TABLE f VALIDATE CONSTRAINT fk;", 0, "validate-same-transaction", 0);

	/* set-not-null: a validated CHECK (c IS NOT NULL) before it (PostgreSQL 12+) */
	expect("postgres", "ALTER TABLE t ALTER COLUMN c SET NOT NULL;", 0, "set-not-null", 1);
	expect("postgres", "ALTER TABLE t VALIDATE CONSTRAINT t_c_nn;\n"
	       "ALTER TABLE t ALTER COLUMN c SET NOT NULL;", 0, "set-not-null", 1);
	expect("postgres", "ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL) NOT VALID;\n"
	       "ALTER TABLE t ALTER COLUMN c SET NOT NULL;", 0, "set-not-null", 1);
	expect("postgres", "ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL) NOT VALID;\n"
	       "ALTER TABLE t VALIDATE CONSTRAINT t_c_nn;\n"
	       "ALTER TABLE t ALTER COLUMN c SET NOT NULL;", 1, "set-not-null", 0);
	expect("postgres", "ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK ((c IS NOT NULL));\n"
	       "ALTER TABLE t ALTER COLUMN c SET NOT NULL;", 0, "set-not-null", 0);
	/* a check on another column, or another table, proves nothing */
	expect("postgres", "ALTER TABLE t ADD CONSTRAINT t_d_nn CHECK (d IS NOT NULL);\n"
	       "ALTER TABLE t ALTER COLUMN c SET NOT NULL;", 0, "set-not-null", 1);
	expect("postgres", "ALTER TABLE u ADD CONSTRAINT u_c_nn CHECK (c IS NOT NULL);\n"
	       "ALTER TABLE t ALTER COLUMN c SET NOT NULL;", 0, "set-not-null", 1);

	/* add-column-volatile-default: a function lint does not know is a warning */
	r = lint_up("postgres", "ALTER TABLE t ADD COLUMN u uuid DEFAULT uuid();", 0);
	assert_non_null(f = find_rule(r, "add-column-volatile-default"));
	assert_int_equal(f->severity, STRATA_LINT_WARNING);
	assert_non_null(strstr(f->message, "uuid()"));
	assert_non_null(strstr(f->message, "cannot tell"));
	strata_lint_report_free(r);
	r = lint_up("postgres", "ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();", 0);
	assert_non_null(f = find_rule(r, "add-column-volatile-default"));
	assert_int_equal(f->severity, STRATA_LINT_ERROR);
	strata_lint_report_free(r);
	expect("postgres", "ALTER TABLE t ADD COLUMN a timestamptz DEFAULT now();", 0,
	       "add-column-volatile-default", 0);
	expect("postgres", "ALTER TABLE t ADD COLUMN a jsonb DEFAULT jsonb_build_object('k', 1);", 0,
	       "add-column-volatile-default", 0);
	expect("postgres", "ALTER TABLE t ADD COLUMN a text DEFAULT lower('X');", 0,
	       "add-column-volatile-default", 0);
	/* a table created here has no rows to rewrite */
	expect("postgres", "CREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN u uuid DEFAULT uuid();",
	       0, "add-column-volatile-default", 0);

	/* detach-partition-non-concurrent */
	expect("postgres", "ALTER TABLE m DETACH PARTITION m_2020;", 0, "detach-partition-non-concurrent", 1);
	expect("postgres", "ALTER TABLE m DETACH PARTITION m_2020 CONCURRENTLY;", 1,
	       "detach-partition-non-concurrent", 0);
	expect("postgres", "ALTER TABLE m DETACH PARTITION m_2020 FINALIZE;", 0,
	       "detach-partition-non-concurrent", 0);
	expect("sqlite", "ALTER TABLE m DETACH PARTITION m_2020;", 0, "detach-partition-non-concurrent", 0);
	/* reindex-non-concurrent */
	expect("postgres", "REINDEX INDEX i;", 0, "reindex-non-concurrent", 1);
	expect("postgres", "REINDEX TABLE t;", 0, "reindex-non-concurrent", 1);
	expect("postgres", "REINDEX (VERBOSE) TABLE t;", 0, "reindex-non-concurrent", 1);
	expect("postgres", "REINDEX (CONCURRENTLY false) TABLE t;", 0, "reindex-non-concurrent", 1);
	expect("postgres", "REINDEX INDEX CONCURRENTLY i;", 1, "reindex-non-concurrent", 0);
	expect("postgres", "REINDEX (CONCURRENTLY) TABLE t;", 1, "reindex-non-concurrent", 0);
	expect("postgres", "CREATE TABLE t (x int);\nREINDEX TABLE t;", 0, "reindex-non-concurrent", 0);
	/* SYSTEM has no CONCURRENTLY form */
	expect("postgres", "REINDEX SYSTEM db;", 1, "reindex-non-concurrent", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lint__every_rule_fires_on_its_example_and_not_on_the_safe_way),
		cmocka_unit_test(test_lint__concurrent_index_in_a_transaction_is_an_error),
		cmocka_unit_test(test_lint__index_on_what_the_migration_created_is_fine),
		cmocka_unit_test(test_lint__a_table_rebuild_is_a_warning_not_a_drop),
		cmocka_unit_test(test_lint__robustness_rules),
		cmocka_unit_test(test_lint__begin_commit_in_a_migration_is_named),
		cmocka_unit_test(test_lint__a_bad_statement_does_not_hide_the_others),
		cmocka_unit_test(test_lint__engine_decides_which_rules_apply),
		cmocka_unit_test(test_lint__sqlite_statements_pg_cannot_parse_are_read_by_tokens),
		cmocka_unit_test(test_lint__a_migration_without_down_is_reported),
		cmocka_unit_test(test_lint__ignore_comment_above_silences_only_the_named_rules),
		cmocka_unit_test(test_lint__ignore_takes_a_list_and_works_on_the_statement_line),
		cmocka_unit_test(test_lint__ignore_file_silences_a_rule_everywhere),
		cmocka_unit_test(test_lint__a_string_is_not_an_ignore_comment),
		cmocka_unit_test(test_lint__lines_count_bom_crlf_comments_and_markers),
		cmocka_unit_test(test_lint__statement_excerpt_is_its_first_line_shortened),
		cmocka_unit_test(test_lint__malformed_files_are_parse_errors),
		cmocka_unit_test(test_lint__unparsable_sql_does_not_crash),
		cmocka_unit_test(test_lint__deeply_nested_sql_is_unparsed_not_a_crash),
		cmocka_unit_test(test_lint__unknown_engine_is_bad_usage),
		cmocka_unit_test(test_lint__handle_lints_files_with_the_engine_of_an_unreachable_url),
		cmocka_unit_test(test_lint__a_where_that_is_always_true_counts_as_none),
		cmocka_unit_test(test_lint__sqlite_token_reading_knows_always_true_where),
		cmocka_unit_test(test_lint__do_blocks_are_read_and_execute_is_dynamic_sql),
		cmocka_unit_test(test_lint__calls_of_risky_functions_of_the_same_migration_are_reported),
		cmocka_unit_test(test_lint__drop_cascade_and_drop_owned_are_destructive),
		cmocka_unit_test(test_lint__releasing_every_advisory_lock_is_an_error),
		cmocka_unit_test(test_lint__a_long_migration_is_linted_in_linear_time),
		cmocka_unit_test(test_lint__squawk_gaps_are_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
