#!/bin/bash
test_description='a schema file is hostile input: it may define a schema and nothing else

diff --to FILE, generate and push read a desired-state schema file by running
it in a scratch database. There it may create, alter and drop schema objects
only: ATTACH, DML, CREATE DATABASE, COPY, DO and the like are refused with
FILE:LINE and exit 2 before they can reach another database. A NUL byte or
invalid UTF-8 in the file is bad input too. Migration replays are trusted.'
test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

# Every command that reads schema.sql, one per line.
readers() {
	echo "diff --from $DATABASE_URL --to schema.sql"
	echo "generate --dry-run x"
	echo "push --dry-run"
	echo "push --allow-destructive"
}

test_expect_success 'setup: a live database, a production database beside it' '
	use_fresh_db &&
	db_sql "CREATE TABLE a (id integer PRIMARY KEY); CREATE TABLE b (id integer PRIMARY KEY);
	        INSERT INTO a VALUES (1); INSERT INTO b VALUES (1), (2);" &&
	prod=$(fresh_db) &&
	db_sql -u "$prod" "CREATE TABLE t (x integer); INSERT INTO t VALUES (1), (2), (3);" &&
	prod_sum=$(db_checksum -u "$prod") &&
	live_sum=$(db_checksum)
'

test_expect_success SQLITE 'ATTACH and DELETE from another database: refused by every reader' '
	cat >schema.sql <<-EOF &&
	CREATE TABLE a (id integer PRIMARY KEY);
	CREATE TABLE b (id integer PRIMARY KEY);
	ATTACH DATABASE '"'${prod#sqlite:}'"' AS p;
	DELETE FROM p.t;
	EOF
	readers >cmds &&
	while read -r cmd
	do
		test_expect_code 2 strata $cmd >out 2>err &&
		test_grep "schema.sql:3: ATTACH .* is not allowed in a schema file" err &&
		test_line_count = 1 err &&
		test "$(db_checksum -u "$prod")" = "$prod_sum" &&
		test "$(db_checksum)" = "$live_sum" || return 1
	done <cmds
'

test_expect_success POSTGRES 'CREATE DATABASE, then DML: refused before anything runs' '
	dev=$(fresh_db) &&
	dev_sum=$(db_checksum -u "$dev") &&
	cat >schema.sql <<-\EOF &&
	CREATE TABLE a (id integer PRIMARY KEY);
	CREATE TABLE b (id integer PRIMARY KEY);
	CREATE DATABASE strata_t8300_evil;
	DELETE FROM b;
	EOF
	readers >cmds &&
	while read -r cmd
	do
		test_expect_code 2 strata --dev-url "$dev" $cmd >out 2>err &&
		test_grep "schema.sql:3: CREATE DATABASE is not allowed in a schema file" err &&
		test_line_count = 1 err &&
		test "$(db_checksum -u "$dev")" = "$dev_sum" &&
		test "$(db_checksum -u "$prod")" = "$prod_sum" &&
		test "$(db_checksum)" = "$live_sum" || return 1
	done <cmds &&
	db_sql -u "$STRATA_TEST_PG_URL" "SELECT count(*) FROM pg_database WHERE datname = '"'strata_t8300_evil'"'" >n &&
	echo 0 >expect.n &&
	test_cmp expect.n n
'

test_expect_success 'DML on the file'"'"'s own tables is refused, naming file and line' '
	for dml in "INSERT INTO b VALUES (3);" "UPDATE b SET id = 5;" "DELETE FROM b;"
	do
		printf "CREATE TABLE a (id integer PRIMARY KEY);\n\nCREATE TABLE b (id integer PRIMARY KEY);\n%s\n" "$dml" >schema.sql &&
		test_expect_code 2 strata push --allow-destructive 2>err &&
		test_grep "schema.sql:4: \(INSERT\|UPDATE\|DELETE\).* is not allowed in a schema file" err &&
		test "$(db_checksum)" = "$live_sum" || return 1
	done
'

test_expect_success SQLITE 'SQLite: what else the sandbox refuses' '
	out_file=$TRASH/copy.db &&
	while read -r stmt
	do
		printf "CREATE TABLE a (id integer PRIMARY KEY);\nCREATE TABLE b (id integer PRIMARY KEY);\n%s\n" "$stmt" >schema.sql &&
		test_expect_code 2 strata diff --from "$DATABASE_URL" --to schema.sql >out 2>err &&
		test_grep "schema.sql:3: .* is not allowed in a schema file" err &&
		test_line_count = 1 err || return 1
	done <<-EOF &&
	VACUUM INTO '"'$out_file'"';
	VACUUM;
	SELECT load_extension('"'/nonexistent/evil.so'"');
	PRAGMA writable_schema = ON;
	PRAGMA temp_store_directory = '"'/tmp'"';
	CREATE TEMP TABLE scratch (x integer);
	ANALYZE;
	DETACH DATABASE temp;
	EOF
	test_path_is_missing "$out_file"
'

test_expect_success POSTGRES 'PostgreSQL: what else the sandbox refuses' '
	out_file=$TRASH/copied.txt &&
	while read -r stmt
	do
		printf "CREATE TABLE a (id integer PRIMARY KEY);\nCREATE TABLE b (id integer PRIMARY KEY);\n%s\n" "$stmt" >schema.sql &&
		test_expect_code 2 strata diff --from "$DATABASE_URL" --to schema.sql >out 2>err &&
		test_grep "schema.sql:3: .* is not allowed in a schema file" err &&
		test_line_count = 1 err || return 1
	done <<-EOF &&
	COPY (SELECT 1) TO '"'$out_file'"';
	DO \$\$ BEGIN RAISE NOTICE '"'hi'"'; END \$\$;
	SELECT pg_terminate_backend(pg_backend_pid());
	CREATE TABLE c AS SELECT 1 AS x;
	CREATE ROLE strata_t8300_role;
	ALTER SYSTEM SET work_mem = '"'1MB'"';
	CREATE EXTENSION dblink;
	CREATE FUNCTION f() RETURNS integer LANGUAGE c AS '"'evil'"', '"'f'"';
	SET ROLE strata;
	SET session_authorization = strata;
	GRANT pg_read_server_files TO PUBLIC;
	COMMENT ON DATABASE postgres IS '"'owned'"';
	ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC;
	LOAD '"'auto_explain'"';
	REFRESH MATERIALIZED VIEW mv;
	VACUUM a;
	EOF
	test_path_is_missing "$out_file" &&
	db_sql -u "$STRATA_TEST_PG_URL" "SELECT count(*) FROM pg_roles WHERE rolname = '"'strata_t8300_role'"'" >n &&
	echo 0 >expect.n &&
	test_cmp expect.n n
'

test_expect_success SQLITE 'SQLite: schema definition still works in the sandbox' '
	cat >schema.sql <<-\EOF &&
	PRAGMA foreign_keys = ON;
	PRAGMA journal_mode = WAL;
	BEGIN;
	CREATE TABLE a (id integer PRIMARY KEY);
	CREATE TABLE b (id integer PRIMARY KEY);
	CREATE TABLE c (id integer PRIMARY KEY AUTOINCREMENT, a_id integer REFERENCES a (id),
	  n text CHECK (length(n) > 0) DEFAULT (lower('"'X'"')));
	CREATE INDEX c_a ON c (a_id);
	CREATE VIEW cv AS SELECT id, n FROM c;
	CREATE TRIGGER c_touch AFTER UPDATE ON c BEGIN UPDATE c SET n = new.n WHERE id = new.id; END;
	CREATE TABLE tmp (x integer);
	ALTER TABLE tmp ADD COLUMN y integer;
	ALTER TABLE tmp RENAME TO tmp2;
	DROP TABLE tmp2;
	CREATE VIEW gone AS SELECT 1 AS one;
	DROP VIEW gone;
	COMMIT;
	EOF
	strata diff --from "$DATABASE_URL" --to schema.sql >out &&
	test_grep "CREATE TABLE c" out &&
	test_grep "CREATE INDEX c_a" out &&
	test_grep "CREATE VIEW cv" out &&
	test_grep "CREATE TRIGGER c_touch" out &&
	test_grep ! tmp out
'

test_expect_success SQLITE 'SQLite: FTS5 virtual tables are schema definition' '
	cat >schema.sql <<-\EOF &&
	CREATE TABLE a (id integer PRIMARY KEY);
	CREATE TABLE b (id integer PRIMARY KEY);
	CREATE VIRTUAL TABLE docs USING fts5(body);
	CREATE VIRTUAL TABLE old USING fts5(body);
	DROP TABLE old;
	EOF
	strata diff --from "$DATABASE_URL" --to schema.sql >out &&
	test_grep "CREATE VIRTUAL TABLE docs USING fts5" out &&
	test_grep ! "old" out
'

test_expect_success POSTGRES 'PostgreSQL: schema definition (and what pg_dump writes) still works' '
	cat >schema.sql <<-\EOF &&
	SET statement_timeout = 0;
	SET client_encoding = '"'UTF8'"';
	SET standard_conforming_strings = on;
	SELECT pg_catalog.set_config('"'search_path'"', '"''"', false);
	SET check_function_bodies = false;
	SET search_path = public;
	BEGIN;
	CREATE SCHEMA app;
	CREATE TYPE mood AS ENUM ('"'ok'"', '"'sad'"');
	CREATE TABLE a (id integer PRIMARY KEY);
	CREATE TABLE b (id integer PRIMARY KEY);
	CREATE TABLE app.c (id serial PRIMARY KEY, a_id integer REFERENCES a (id), m mood);
	CREATE INDEX c_a ON app.c (a_id);
	CREATE FUNCTION twice(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS '"'SELECT 2 * \$1'"';
	CREATE VIEW cv AS SELECT twice(id) AS t FROM app.c;
	COMMENT ON TABLE a IS '"'the a table'"';
	GRANT SELECT ON a TO PUBLIC;
	COMMIT;
	EOF
	strata diff --from "$DATABASE_URL" --to schema.sql >out &&
	test_grep "CREATE TABLE app.c" out &&
	test_grep "CREATE INDEX c_a" out &&
	test_grep "CREATE VIEW public.cv" out &&
	test_grep "COMMENT ON TABLE public.a" out
'

test_expect_success POSTGRES 'PostgreSQL: a materialized view is read without running its query' '
	cat >schema.sql <<-\EOF &&
	CREATE TABLE a (id integer PRIMARY KEY);
	CREATE TABLE b (id integer PRIMARY KEY);
	CREATE MATERIALIZED VIEW boom AS SELECT 1 / 0 AS x;
	CREATE MATERIALIZED VIEW boom2 AS SELECT 1 / 0 AS x WITH DATA;
	CREATE MATERIALIZED VIEW boom3 AS SELECT 1 / 0 AS x -- a trailing comment
	;
	EOF
	strata diff --from "$DATABASE_URL" --to schema.sql >out &&
	test_grep "CREATE MATERIALIZED VIEW public.boom " out &&
	test_grep "CREATE MATERIALIZED VIEW public.boom2" out &&
	test_grep "CREATE MATERIALIZED VIEW public.boom3" out
'

test_expect_success 'a migrations directory is trusted: its data migrations still replay' '
	mkdir -p migrations &&
	cat >migrations/0001_seed.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE kinds (id integer PRIMARY KEY, name text);
	INSERT INTO kinds VALUES (1, '"'one'"');
	UPDATE kinds SET name = '"'uno'"';
	-- migrate:down
	DROP TABLE kinds;
	EOF
	strata diff --from migrations --to "$DATABASE_URL" >out &&
	test_grep "DROP TABLE.*kinds" out
'

# NUL bytes and bad UTF-8

test_expect_success 'a NUL byte in schema.sql: push stops, nothing is dropped' '
	printf "CREATE TABLE a (id integer PRIMARY KEY);\n-- b follows\n\000CREATE TABLE b (id integer PRIMARY KEY);\n" >schema.sql &&
	readers >cmds &&
	while read -r cmd
	do
		test_expect_code 2 strata $cmd >out 2>err &&
		test_grep "schema.sql:3: NUL byte in the schema file" err &&
		test_line_count = 1 err &&
		test "$(db_checksum)" = "$live_sum" || return 1
	done <cmds &&
	db_tables >actual &&
	printf "a\nb\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'invalid UTF-8 in schema.sql: push stops with file:line' '
	printf "CREATE TABLE a (id integer PRIMARY KEY);\nCREATE TABLE b (id integer PRIMARY KEY);\n-- caf\351\nCREATE TABLE c (x integer);\n" >schema.sql &&
	test_expect_code 2 strata push --allow-destructive 2>err &&
	test_grep "schema.sql:3: invalid UTF-8" err &&
	test "$(db_checksum)" = "$live_sum"
'

test_done
