#!/bin/bash

test_description='the hints the program adds to what the library says, on PostgreSQL

The library states what happened (a database that does not exist, no
schema on search_path); the program adds the way out in its own commands
and flags (src/output.c, keyed by strata_errwhy()). Each hint here is
followed literally and must end in a working database.'

test_engines=postgres
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup' '
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0001_a.sql
'

test_expect_success 'a database that does not exist: create it with strata create, as said' '
	use_fresh_db &&
	name=$(test_pg_dbname_ "$DATABASE_URL")_new &&
	echo "$name" >>"$TEST_TMP/pg-databases" &&
	DATABASE_URL=${DATABASE_URL%/*}/$name &&
	test_expect_code 1 strata up >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: database \"$name\" does not exist (create it with .strata create.)$" err &&
	strata create >out &&
	strata up >out &&
	strata status --exit-code >out
'

test_expect_success 'no schema on search_path: fix search_path, as said' '
	use_fresh_db &&
	name=$(test_pg_dbname_ "$DATABASE_URL") &&
	test_psql_ "$name" -c "CREATE SCHEMA app" &&
	test_psql_ postgres -c "ALTER DATABASE \"$name\" SET search_path = nowhere" &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: no schema on search_path: create one, or fix search_path (ALTER ROLE or ALTER DATABASE ... SET search_path); --pg-schema alone serves only migrations that qualify every name$" err &&
	test "$(db_checksum)" = "$before" &&
	test_psql_ postgres -c "ALTER DATABASE \"$name\" SET search_path = app" &&
	strata up >out &&
	strata status --exit-code >out &&
	test "$(db_sql "SELECT count(*) FROM app.a")" = 0
'

test_expect_success '... and --pg-schema alone, with migrations that qualify every name' '
	use_fresh_db &&
	name=$(test_pg_dbname_ "$DATABASE_URL") &&
	test_psql_ "$name" -c "CREATE SCHEMA app" &&
	test_psql_ postgres -c "ALTER DATABASE \"$name\" SET search_path = nowhere" &&
	mkdir qualified &&
	printf -- "-- migrate:up\nCREATE TABLE app.q (id INTEGER);\n-- migrate:down\nDROP TABLE app.q;\n" \
		>qualified/0001_q.sql &&
	test_expect_code 1 strata -d qualified up >out 2>err &&
	strata -d qualified --pg-schema app up >out &&
	strata -d qualified --pg-schema app status --exit-code >out &&
	test "$(db_sql "SELECT count(*) FROM app.q")" = 0
'

test_expect_success 'the library message itself names no command (strata_errmsg through the example app)' '
	app=$(dirname "$STRATA")/example-app &&
	test -x "$app" &&
	use_fresh_db &&
	test_expect_code 1 "$app" "${DATABASE_URL%/*}/no_such_db_t1920" migrations >out 2>err &&
	test_grep "does not exist" err &&
	test_grep ! "strata create" err
'

test_done
