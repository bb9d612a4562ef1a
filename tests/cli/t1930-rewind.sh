#!/bin/bash

test_description='up --rewind: a branch switch in one run

A checkout that lacks the files of applied migrations (another branch
applied them): up refuses and names --rewind; up --rewind rolls them back,
newest first, with the down SQL recorded when they were applied, then
applies what is pending, all in one transaction. A recorded down SQL that
fails, or a gone migration with none recorded, leaves the database as it
was.'

. "$(dirname "$0")/test-lib.sh"

mig() {
	printf -- "-- migrate:up\n%s\n-- migrate:down\n%s\n" "$2" "$3" >"migrations/$1"
}

has_table() {
	db_tables | grep -qx "$1"
}

# branch_a: 0001 (main) and 0002, 0003 (branch a) applied; then the checkout
# switches to branch b: 0002 and 0003 are gone, 0004 is new.
branch_switch() {
	rm -rf migrations && mkdir migrations &&
	use_fresh_db &&
	mig 0001_main.sql "CREATE TABLE m (id INTEGER);" "DROP TABLE m;" &&
	mig 0002_a_one.sql "CREATE TABLE a1 (id INTEGER PRIMARY KEY);" "DROP TABLE a1;" &&
	mig 0003_a_two.sql "CREATE TABLE a2 (id INTEGER REFERENCES a1 (id));" "DROP TABLE a2;" &&
	strata up >out &&
	rm migrations/0002_a_one.sql migrations/0003_a_two.sql &&
	mig 0004_b.sql "CREATE TABLE b (id INTEGER);" "DROP TABLE b;"
}

test_expect_success 'without --rewind, up refuses and names --rewind' '
	branch_switch &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_line_count = 1 err &&
	test_grep "0002_a_one was applied but its file is gone" err &&
	test_grep "strata up --rewind" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'up --rewind --dry-run says what it would do, changes nothing' '
	before=$(db_checksum) &&
	strata up --rewind --dry-run >out 2>err &&
	test_grep "^-- down 0003_a_two" out &&
	test_grep "^-- down 0002_a_one" out &&
	test_grep "^-- up 0004_b" out &&
	test "$(grep -n "^-- down 0003" out | cut -d: -f1)" -lt "$(grep -n "^-- down 0002" out | cut -d: -f1)" &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'up --rewind rolls back newest first, then applies' '
	strata up --rewind >out 2>err &&
	test_must_be_empty err &&
	sed -n "s/^\(rolled back\|applied\) *\([^ ]*\).*/\1 \2/p" out >actual &&
	cat >expect <<-EOF &&
	rolled back 0003_a_two
	rolled back 0002_a_one
	applied 0004_b
	EOF
	test_cmp expect actual &&
	! has_table a1 && ! has_table a2 &&
	has_table m && has_table b &&
	strata status --exit-code >out &&
	test_grep "^2 applied, 0 pending" out
'

test_expect_success 'up --rewind with nothing gone is a plain up' '
	mig 0005_c.sql "CREATE TABLE c (id INTEGER);" "DROP TABLE c;" &&
	strata up --rewind >out 2>err &&
	test_grep "^applied *0005_c" out &&
	test_grep ! "rolled back" out
'

test_expect_success 'a recorded down SQL that fails: nothing changed' '
	branch_switch &&
	db_sql "UPDATE strata_migrations SET down_sql = '\''DROP TABLE no_such_table;'\'' WHERE version = '\''0002'\''" &&
	before=$(db_checksum) &&
	test_must_fail strata up --rewind >out 2>err &&
	test_grep "0002_a_one (down SQL recorded when applied)" err &&
	test_grep "rolled back" err &&
	test "$(db_checksum)" = "$before" &&
	has_table a1 && has_table a2 && ! has_table b
'

test_expect_success 'a gone migration with no recorded down SQL: refused, nothing run' '
	db_sql "UPDATE strata_migrations SET down_sql = NULL WHERE version = '\''0003'\''" &&
	before=$(db_checksum) &&
	test_expect_code 2 strata up --rewind >out 2>err &&
	test_line_count = 1 err &&
	test_grep "0003_a_two cannot be rolled back: no down SQL was recorded" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'up --rewind --json lists what was rewound' '
	branch_switch &&
	strata up --rewind --json >out &&
	test_grep "\"rewound\"" out &&
	test_grep "0003" out
'

test_done
