#!/bin/bash
test_description='push and generate prove that their SQL makes the schema file

push reads the database back before it commits and compares it with the
schema file; generate replays the migrations and the new one (then its
down) in a scratch database. A difference left over is an error naming it:
push rolls back, generate writes nothing. The planner bug is simulated by
the test builds'"'"' seam STRATA_FAULT=plan:1 (every plan loses its last
statement).'
test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

# The last statement of the plan of schema.sql: PostgreSQL adds foreign
# keys after the indexes, SQLite writes them in the CREATE TABLE.
if [ "$STRATA_TEST_ENGINE" = postgres ]; then
	conv_last1="add_foreign_key posts constraint posts_user_id_fkey"
	conv_last2=$conv_last1
else
	conv_last1="create_index index posts_user on posts"
	conv_last2="create_index index tags_name on tags"
fi
export conv_last1 conv_last2

test_expect_success 'setup' '
	use_fresh_db &&
	cat >schema.sql <<-\EOF
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
	CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), title TEXT);
	CREATE INDEX posts_user ON posts (user_id);
	EOF
'

test_expect_success 'push: a plan that falls short is rolled back, the difference named' '
	before=$(db_checksum) &&
	test_expect_code 1 env STRATA_FAULT=plan:1 strata --no-backup push >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: push: the database would not match the schema file (still to do: $conv_last1): rolled back, the database is as it was before$" err &&
	test "$(db_checksum)" = "$before" &&
	test -z "$(db_tables)"
'

test_expect_success 'push: a plan that converges is committed, then nothing is left' '
	strata push >out &&
	strata diff --from "$DATABASE_URL" --to schema.sql --exit-code &&
	strata push >out &&
	test_grep "nothing to push" out
'

test_expect_success 'push: a later change falling short leaves the earlier state' '
	db_sql "INSERT INTO users VALUES (1, '"'"'a@x'"'"')" &&
	cat >>schema.sql <<-\EOF &&
	CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);
	CREATE INDEX tags_name ON tags (name);
	EOF
	before=$(db_checksum) &&
	test_expect_code 1 env STRATA_FAULT=plan:1 strata --no-backup push 2>err &&
	test_grep "still to do: create_index index tags_name on tags" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'generate: a new migration that falls short is not written' '
	rm -rf migrations && mkdir migrations &&
	test_expect_code 1 env STRATA_FAULT=plan:1 strata generate init 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: generate: the new migration would not make the schema file.s schema (still to do: $conv_last2): nothing was written$" err &&
	test -z "$(ls migrations)"
'

test_expect_success 'generate --per-table: a set that falls short is not written' '
	test_expect_code 1 env STRATA_FAULT=plan:1 strata generate init --per-table 2>err &&
	test_grep "nothing was written" err &&
	test -z "$(ls migrations)"
'

test_expect_success 'generate: a migration that converges is written, and applies' '
	strata generate init >out &&
	test_line_count = 1 out &&
	fresh=$(fresh_db) &&
	strata -u "$fresh" up >/dev/null &&
	strata -u "$fresh" diff --from "$fresh" --to schema.sql --exit-code &&
	strata -u "$fresh" check >/dev/null
'

test_expect_success 'generate: a plan that falls short on top of existing migrations names it' '
	cat >>schema.sql <<-\EOF &&
	CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
	CREATE INDEX notes_body ON notes (body);
	EOF
	ls migrations >before &&
	test_expect_code 1 env STRATA_FAULT=plan:1 strata generate more 2>err &&
	test_grep "still to do: create_index index notes_body on notes" err &&
	ls migrations >after &&
	test_cmp before after
'

test_expect_success 'generate --dry-run is checked too' '
	test_expect_code 1 env STRATA_FAULT=plan:1 strata generate more --dry-run >out 2>err &&
	test_grep "still to do: create_index index notes_body" err
'

test_expect_success 'bad input still comes first: a malformed schema file, exit 2, nothing done' '
	printf "CREATE TABLE ok (id INTEGER PRIMARY KEY);\nCREATE TABLE (;\n" >bad.sql &&
	before=$(db_checksum) &&
	test_expect_code 2 strata -s bad.sql push 2>err &&
	test_line_count = 1 err &&
	test_grep "bad.sql:2" err &&
	test "$(db_checksum)" = "$before" &&
	ls migrations >before &&
	test_expect_code 2 strata -s bad.sql generate x 2>err &&
	test_grep "bad.sql:2" err &&
	ls migrations >after &&
	test_cmp before after
'

test_expect_success POSTGRES 'PostgreSQL: serial columns, enums and views converge' '
	db=$(fresh_db) &&
	cat >pg.sql <<-\EOF &&
	CREATE TYPE mood AS ENUM ('"'"'ok'"'"', '"'"'sad'"'"');
	CREATE TABLE people (id serial PRIMARY KEY, m mood NOT NULL DEFAULT '"'"'ok'"'"');
	CREATE VIEW sad AS SELECT id FROM people WHERE m = '"'"'sad'"'"';
	EOF
	strata -u "$db" -s pg.sql push >out &&
	strata -u "$db" diff --from "$db" --to pg.sql --exit-code &&
	before=$(db_checksum -u "$db") &&
	echo "CREATE INDEX people_m ON people (m);" >>pg.sql &&
	test_expect_code 1 env STRATA_FAULT=plan:1 strata -u "$db" -s pg.sql push --plain 2>err &&
	test_grep "rolled back" err &&
	test "$(db_checksum -u "$db")" = "$before" &&
	# the lock-safe form builds the index after the commit: the guard
	# comes last and says so
	test_expect_code 1 env STRATA_FAULT=plan:1 strata -u "$db" -s pg.sql push 2>err &&
	test_grep "does not match the schema file (still to do: create_index index people_m" err &&
	test "$(db_checksum -u "$db")" = "$before" &&
	strata -u "$db" -s pg.sql push &&
	strata -u "$db" diff --from "$db" --to pg.sql --exit-code
'

test_expect_success POSTGRES 'PostgreSQL: a down the engine cannot run (an extension with no way back) is written with a warning' '
	db=$(fresh_db) &&
	rm -rf pgm && mkdir pgm &&
	printf -- "-- migrate:up\nCREATE EXTENSION IF NOT EXISTS hstore VERSION '"'"'1.4'"'"';\n-- migrate:down\nDROP EXTENSION hstore;\n" \
		>pgm/0001_hstore.sql &&
	echo "CREATE EXTENSION IF NOT EXISTS hstore VERSION '"'"'1.5'"'"';" >ext.sql &&
	strata -u "$db" -d pgm -s ext.sql generate hstore_up >out 2>err &&
	test_grep "warning: generate: the down of the new migration .*hstore.*1.4.*its down will fail the same way" err &&
	ls pgm >files &&
	test_line_count = 2 files
'

test_done
