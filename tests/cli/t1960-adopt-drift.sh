#!/bin/bash

test_description='adopt --drift turns drift into a migration

A change made by hand on the live database (a hotfix) is drift for verify.
adopt --drift NAME writes the migration from the migrations'"'"' schema to the
live one (up and down), records it as applied without running it, so verify
is clean and another database gets the change through up. --dry-run writes
nothing; no drift writes nothing; a pending migration is refused.'

. "$(dirname "$0")/test-lib.sh"

has_column() { # TABLE COLUMN
	db_sql "SELECT $2 FROM $1 WHERE 1 = 0" >/dev/null 2>&1
}

test_expect_success 'setup: one applied migration, then a hotfix by hand' '
	use_fresh_db &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n-- migrate:down\nDROP TABLE users;\n" \
		>migrations/0001_users.sql &&
	strata up >/dev/null &&
	db_sql "ALTER TABLE users ADD COLUMN nickname TEXT; CREATE INDEX users_email ON users (email)" &&
	test_expect_code 3 strata verify >out &&
	test_grep "add_column  *users.nickname" out
'

test_expect_success 'no NAME, or --from with --drift: usage' '
	test_expect_code 2 strata adopt --drift "" >out 2>err &&
	test_grep "adopt: --drift needs a value" err &&
	test_expect_code 2 strata adopt --drift x --from dbmate >out 2>err &&
	test_grep "do not go together" err
'

test_expect_success '--dry-run shows the differences and both sections, writes nothing' '
	before=$(db_checksum) &&
	strata adopt --drift hotfix --dry-run >out 2>err &&
	test_grep "add_column  *users.nickname" out &&
	test_grep "create_index" out &&
	test_grep "^-- up$" out &&
	test_grep "^-- down$" out &&
	test_grep "dry run: 2 differences would be written as migration .hotfix." out &&
	test "$(db_checksum)" = "$before" &&
	test "$(ls migrations)" = "0001_users.sql"
'

test_expect_success 'adopt --drift writes the migration and records it as applied' '
	db_sql "SELECT count(*) FROM users" >rows_before &&
	strata adopt --drift hotfix >out 2>err &&
	test_must_be_empty err &&
	test_grep "^wrote migrations/0002_hotfix.sql (2 differences) and recorded it as applied" out &&
	test_path_is_file migrations/0002_hotfix.sql &&
	test_grep "^-- migrate:up" migrations/0002_hotfix.sql &&
	test_grep "^-- migrate:down" migrations/0002_hotfix.sql &&
	test_grep -i "nickname" migrations/0002_hotfix.sql &&
	strata status --exit-code >out &&
	test_grep "^2 applied, 0 pending" out &&
	strata verify >out &&
	test_grep "^ok" out &&
	has_column users nickname
'

test_expect_success 'another database gets the hotfix through up, and its down undoes it' '
	other=$(fresh_db) &&
	DATABASE_URL=$other strata up >out &&
	test_grep "^applied *0002_hotfix" out &&
	DATABASE_URL=$other strata verify >out &&
	test_grep "^ok" out &&
	db_sql -u "$other" "SELECT nickname FROM users WHERE 1 = 0" &&
	DATABASE_URL=$other strata down >out &&
	test_grep "rolled back *0002_hotfix" out &&
	test_must_fail db_sql -u "$other" "SELECT nickname FROM users WHERE 1 = 0" 2>/dev/null
'

test_expect_success 'no drift: nothing is written' '
	strata adopt --drift again >out &&
	test_grep "^no drift: the database matches its migrations; nothing was written" out &&
	test_path_is_missing migrations/0003_again.sql
'

test_expect_success 'a pending migration: refused, nothing written' '
	printf -- "-- migrate:up\nCREATE TABLE t (id INTEGER);\n" >migrations/0003_t.sql &&
	db_sql "ALTER TABLE users ADD COLUMN other_col TEXT" &&
	before=$(db_checksum) &&
	test_expect_code 2 strata adopt --drift more >out 2>err &&
	test_grep "0003_t is pending: the drift migration is written only when every migration is applied" err &&
	test_path_is_missing migrations/0004_more.sql &&
	test "$(db_checksum)" = "$before"
'

test_done
