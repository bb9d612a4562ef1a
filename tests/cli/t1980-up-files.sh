#!/bin/bash

test_description='up FILE|VERSION...: apply exactly the migrations named

Named by version or file name (a path names the file of that name), they
run in version order as one run and one batch, whatever order they were
named in, and nothing else runs. One older than an applied migration needs
--allow-out-of-order; a name that matches nothing, or a mix with --to,
--steps or --rewind, changes nothing. up --to takes a file name too.'

. "$(dirname "$0")/test-lib.sh"

mig() {
	printf -- "-- migrate:up\n%s\n-- migrate:down\n%s\n" "$2" "$3" >"migrations/$1"
}

applied() {
	db_sql "SELECT version || ':' || batch FROM strata_migrations ORDER BY version" | tr '\n' ' '
}

test_expect_success 'setup: four migrations, none applied' '
	rm -rf migrations && mkdir migrations &&
	mig 0001_one.sql "CREATE TABLE one (id INTEGER);" "DROP TABLE one;" &&
	mig 0002_two.sql "CREATE TABLE two (id INTEGER);" "DROP TABLE two;" &&
	mig 0003_three.sql "CREATE TABLE three (id INTEGER);" "DROP TABLE three;" &&
	mig 0004_four.sql "CREATE TABLE four (id INTEGER);" "DROP TABLE four;" &&
	use_fresh_db
'

test_expect_success 'up names two out of order: both run, in version order, as one batch' '
	strata up migrations/0003_three.sql 0001 >out 2>err &&
	test_must_be_empty err &&
	sed -n "s/^applied *\([^ ]*\).*/\1/p" out >actual &&
	printf "0001_one\n0003_three\n" >expect &&
	test_cmp expect actual &&
	test "$(applied)" = "0001:1 0003:1 "
'

test_expect_success 'a named migration already applied is left out' '
	strata up 0001 >out 2>err &&
	test_must_be_empty err &&
	test_grep "nothing to apply" out &&
	test "$(applied)" = "0001:1 0003:1 "
'

test_expect_success 'one older than an applied migration needs --allow-out-of-order' '
	before=$(db_checksum) &&
	test_expect_code 1 strata up 0002_two.sql >out 2>err &&
	test_line_count = 1 err &&
	test_grep "0002_two.sql is older than the newest applied migration 0003" err &&
	test "$(db_checksum)" = "$before" &&
	strata up 0002_two.sql --allow-out-of-order >out 2>err &&
	test_grep "^applied *0002_two" out &&
	test_grep ! "0004" out &&
	test "$(applied)" = "0001:1 0002:2 0003:1 "
'

test_expect_success 'a name that matches no migration: exit 1, nothing run' '
	before=$(db_checksum) &&
	test_expect_code 1 strata up 0004 0009_nope.sql >out 2>err &&
	test_line_count = 1 err &&
	test_grep "no migration .0009_nope.sql. in migrations" err &&
	test_must_be_empty out &&
	test_expect_code 1 strata up 0042 2>err &&
	test_grep "no migration with version 0042" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'names with --to, --steps or --rewind: exit 2, nothing run' '
	before=$(db_checksum) &&
	test_expect_code 2 strata up 0004 --to 0004 2>err &&
	test_grep "give either the migrations or --to" err &&
	test_expect_code 2 strata up 0004 --steps 1 2>err &&
	test_grep "give either the migrations or --steps" err &&
	test_expect_code 2 strata up 0004 --rewind 2>err &&
	test_grep "give either the migrations or --rewind" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'a named migration that fails rolls the whole run back' '
	mig 0005_bad.sql "CREATE TABLE five (id INTEGER); INSERT INTO no_such_table VALUES (1);" "DROP TABLE five;" &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up 0004 0005 >out 2>err &&
	test_grep "0005_bad.sql" err &&
	test_grep "rolled back" err &&
	test "$(db_checksum)" = "$before" &&
	rm migrations/0005_bad.sql
'

test_expect_success 'up --dry-run with names shows only those' '
	strata up --dry-run 0004_four.sql >out &&
	test_grep "^-- up 0004_four" out &&
	test_grep "^-- dry run: 1 migration would be applied" out
'

test_expect_success 'up --to takes a file name' '
	mig 0005_five.sql "CREATE TABLE five (id INTEGER);" "DROP TABLE five;" &&
	strata up --to 0004_four.sql >out 2>err &&
	test_must_be_empty err &&
	test_grep "^applied *0004_four" out &&
	test_grep ! "0005" out &&
	test_expect_code 1 strata up --to 0009_nope.sql 2>err &&
	test_grep "no migration .0009_nope.sql." err &&
	test_expect_code 2 strata up --to nope 2>err &&
	test_grep "is not a version" err
'

test_expect_success '--json up with names is a run document' '
	strata --json up 0005 >out &&
	test "$(sqlite3 :memory: "SELECT json_extract(readfile('\''out'\''), '\''\$.migrations[0].version'\'')")" = 0005
'

test_done
