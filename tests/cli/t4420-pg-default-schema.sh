#!/bin/bash

test_description='a database whose default schema is not public

Unqualified names land in the first schema of search_path that exists:
"$user" for a role with a schema of its own name, or whatever ALTER
DATABASE ... SET search_path made it. The scratch database where strata
reads a schema file must put the file'\''s unqualified tables in that same
schema, or every table would seem to move (a drop and a create of each,
rows lost behind --allow-destructive). And a drop/create pair across two
schemas is no rename: no renamed-from hint, which could not keep them.'

test_engines=postgres
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup: a database whose search_path starts with app' '
	use_fresh_db &&
	dbname=$(test_pg_dbname_ "$DATABASE_URL") &&
	db_sql "CREATE SCHEMA app; CREATE TABLE app.items (id integer PRIMARY KEY, name text);
		INSERT INTO app.items VALUES (1, '\''kept'\'');" &&
	test_psql_ postgres -c "ALTER DATABASE \"$dbname\" SET search_path = app, public" &&
	cat >schema.sql <<-\SQL
	CREATE TABLE items (id integer PRIMARY KEY, name text, flag boolean);
	SQL
'

test_expect_success 'diff reads the file into the database'\''s default schema' '
	strata diff --from "$DATABASE_URL" --to schema.sql >out 2>err &&
	test_grep "ALTER TABLE app.items ADD COLUMN flag boolean" out &&
	test_grep ! "DROP TABLE" out &&
	test_grep ! "CREATE TABLE" out
'

test_expect_success 'push adds the column in place: the row kept, nothing in public' '
	strata push >out 2>err &&
	db_sql "SELECT id, name, flag FROM app.items" >actual &&
	echo "1|kept|" >expect &&
	test_cmp expect actual &&
	db_sql "SELECT count(*) FROM pg_tables WHERE schemaname = '\''public'\''" >actual &&
	echo 0 >expect &&
	test_cmp expect actual &&
	strata diff --from "$DATABASE_URL" --to schema.sql >out 2>err &&
	test_grep ! "ALTER\|CREATE\|DROP" out
'

test_expect_success 'with --dev-url: the same, and the dev database left empty' '
	dev=$(fresh_db) &&
	echo "CREATE TABLE items (id integer PRIMARY KEY, name text, flag boolean, note text);" >schema.sql &&
	strata diff --dev-url "$dev" --from "$DATABASE_URL" --to schema.sql >out 2>err &&
	test_grep "ALTER TABLE app.items ADD COLUMN note text" out &&
	test_grep ! "DROP TABLE" out &&
	db_sql -u "$dev" "SELECT nspname FROM pg_namespace WHERE nspname = '\''app'\''" >actual &&
	test_must_be_empty actual
'

test_expect_success 'a role whose own schema comes first ("$user")' '
	test_psql_ postgres -c "CREATE ROLE alice LOGIN CREATEDB PASSWORD '\''pw'\''" &&
	test_when_finished "test_psql_ postgres -c \"DROP DATABASE IF EXISTS alice_db WITH (FORCE)\" -c \"DROP ROLE alice\"" &&
	test_psql_ postgres -c "CREATE DATABASE alice_db OWNER alice" &&
	test_psql_ alice_db -c "CREATE SCHEMA alice AUTHORIZATION alice" \
		-c "CREATE TABLE alice.t (id integer)" -c "ALTER TABLE alice.t OWNER TO alice" \
		-c "INSERT INTO alice.t VALUES (7)" &&
	url="postgres://alice:pw@localhost:$STRATA_TEST_PG_PORT/alice_db?host=$STRATA_TEST_PG_SOCKET" &&
	echo "CREATE TABLE t (id integer, label text);" >schema.sql &&
	strata -u "$url" push >out 2>err &&
	test_psql_ alice_db -c "SELECT id, label FROM alice.t" >actual &&
	echo "7|" >expect &&
	test_cmp expect actual
'

test_expect_success 'a table moved to another schema is no rename: no renamed-from hint' '
	echo "CREATE TABLE public.items (id integer PRIMARY KEY, name text, flag boolean, note text);" >schema.sql &&
	strata diff --from "$DATABASE_URL" --to schema.sql >out 2>err &&
	test_grep "DROP TABLE app.items" out &&
	test_grep ! "renamed-from" out &&
	test_grep ! "renamed-from" err
'

test_done
