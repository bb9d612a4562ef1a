#!/bin/bash
test_description='check proves every down section in a scratch database

Each migration in turn: up, down, up, in a scratch database (never the
live one); the schema after the down must equal the one before the up.
Exit 0 when every down restores it, 3 when one does not (named, with the
difference), 2 for bad input, the live database untouched throughout.'
test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

mig() {
	cat >"migrations/$1.sql"
}

test_expect_success 'every down restores: exit 0, the live database untouched' '
	use_fresh_db &&
	mkdir migrations &&
	mig 0001_users <<-\EOF &&
	-- migrate:up
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
	CREATE INDEX users_email ON users (email);
	-- migrate:down
	DROP TABLE users;
	EOF
	mig 0002_bio <<-\EOF &&
	-- migrate:up
	ALTER TABLE users ADD COLUMN bio TEXT;
	-- migrate:down
	ALTER TABLE users DROP COLUMN bio;
	EOF
	before=$(db_checksum) &&
	strata check >out &&
	test_grep "^ok: 2 down sections restore the schema$" out &&
	test "$(db_checksum)" = "$before" &&
	test -z "$(db_tables)"
'

test_expect_success 'a migration without a down section is not checked, and said so' '
	mig 0003_log <<-\EOF &&
	-- migrate:up
	CREATE TABLE log (id INTEGER PRIMARY KEY);
	EOF
	strata check >out &&
	test_grep "^ok: 2 down sections restore the schema (migrations without a down section are not checked)$" out &&
	rm migrations/0003_log.sql
'

test_expect_success 'a down that leaves a table behind: exit 3, named with the difference' '
	mig 0003_audit <<-\EOF &&
	-- migrate:up
	CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT);
	CREATE TABLE notes (id INTEGER PRIMARY KEY);
	-- migrate:down
	DROP TABLE notes;
	EOF
	mig 0004_tags <<-\EOF &&
	-- migrate:up
	CREATE TABLE tags (id INTEGER PRIMARY KEY);
	-- migrate:down
	DROP TABLE tags;
	EOF
	before=$(db_checksum) &&
	test_expect_code 3 strata check >out &&
	test_grep "^FAIL migrations/0003_audit.sql: up then down leaves the schema changed:$" out &&
	test_grep "^  create_table  *audit$" out &&
	test_grep "^  and its up then failed: migrations/0003_audit.sql:2: " out &&
	test_grep ! "0001_users\|0002_bio\|0004_tags" out &&
	test_grep "^1 of 4 migrations: the down does not restore the schema$" out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'a down that does not restore a dropped column names the column' '
	rm migrations/0003_audit.sql migrations/0004_tags.sql &&
	mig 0003_drop_bio <<-\EOF &&
	-- migrate:up
	ALTER TABLE users DROP COLUMN bio;
	-- migrate:down
	EOF
	test_expect_code 3 strata check >out &&
	test_grep "^FAIL migrations/0003_drop_bio.sql" out &&
	test_grep "^  drop_column  *users.bio$" out &&
	rm migrations/0003_drop_bio.sql
'

test_expect_success 'a down that fails: exit 3, and the replay goes on past it' '
	mig 0003_bad_down <<-\EOF &&
	-- migrate:up
	CREATE TABLE a (id INTEGER PRIMARY KEY);
	-- migrate:down
	DROP TABLE no_such_table;
	EOF
	mig 0004_after <<-\EOF &&
	-- migrate:up
	CREATE TABLE b (id INTEGER PRIMARY KEY);
	-- migrate:down
	DROP TABLE b;
	EOF
	before=$(db_checksum) &&
	test_expect_code 3 strata check >out &&
	test_grep "^FAIL migrations/0003_bad_down.sql: its down fails: migrations/0003_bad_down.sql:4: " out &&
	test_grep ! "0004_after\|skipped" out &&
	test_grep "^1 of 4 migrations: " out &&
	test "$(db_checksum)" = "$before" &&
	rm migrations/0003_bad_down.sql migrations/0004_after.sql
'

test_expect_success 'a down that leaves an index: its up then fails, both said' '
	mig 0003_idx <<-\EOF &&
	-- migrate:up
	CREATE INDEX users_bio ON users (bio);
	-- migrate:down
	SELECT 1;
	EOF
	test_expect_code 3 strata check >out &&
	test_grep "^  create_index  *index users_bio on users$" out &&
	test_grep "^  and its up then failed: migrations/0003_idx.sql:2: " out
'

test_expect_success '--json: each migration with its state and the difference' '
	test_expect_code 3 strata --json check >out.json &&
	jq -r ".ok, .failed, (.migrations[] | .name + \" \" + .state)" out.json >actual &&
	cat >expect <<-\EOF &&
	false
	1
	users ok
	bio ok
	idx differs
	EOF
	test_cmp expect actual &&
	jq -r ".migrations[2].changes[0].kind" out.json >actual &&
	echo create_index >expect &&
	test_cmp expect actual &&
	rm migrations/0003_idx.sql &&
	strata --json check >out.json &&
	test "$(jq -r .ok out.json)" = true
'

test_expect_success 'a migration whose up fails: exit 2, file:line, nothing changed' '
	mig 0003_broken <<-\EOF &&
	-- migrate:up
	CREATE TABLE fine (id INTEGER PRIMARY KEY);
	CREATE TABLE fine (id INTEGER PRIMARY KEY);
	-- migrate:down
	DROP TABLE fine;
	EOF
	before=$(db_checksum) &&
	test_expect_code 2 strata check >out 2>err &&
	test_line_count = 1 err &&
	test_grep "migrations/0003_broken.sql:3: " err &&
	test_must_be_empty out &&
	test "$(db_checksum)" = "$before" &&
	rm migrations/0003_broken.sql
'

test_expect_success 'a malformed migration file: exit 2, one line' '
	printf "CREATE TABLE x (id INTEGER);\n" >migrations/0003_x.sql &&
	test_expect_code 2 strata check 2>err &&
	test_line_count = 1 err &&
	test_grep "0003_x.sql" err &&
	rm migrations/0003_x.sql
'

test_expect_success 'a missing migrations directory: exit 2, nothing created' '
	test_expect_code 2 strata -d nowhere check 2>err &&
	test_line_count = 1 err &&
	test_grep "nowhere" err &&
	test_path_is_missing nowhere
'

test_expect_success 'an unexpected argument: exit 2' '
	test_expect_code 2 strata check extra 2>err &&
	test_grep "unexpected argument" err
'

test_expect_success 'a wrong URL: exit 2, one line' '
	test_expect_code 2 strata -u "nosuch://x" check 2>err &&
	test_line_count = 1 err
'

test_expect_success 'applied migrations on the live database do not matter, and stay' '
	strata up >/dev/null &&
	before=$(db_checksum) &&
	strata check >out &&
	test_grep "^ok: 2 down sections" out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success POSTGRES 'PostgreSQL: the live database as --dev-url is refused' '
	before=$(db_checksum) &&
	test_expect_code 2 strata --dev-url "$DATABASE_URL" check 2>err &&
	test_line_count = 1 err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success POSTGRES 'PostgreSQL: a --dev-url scratch is left empty' '
	dev=$(fresh_db) &&
	strata --dev-url "$dev" check >out &&
	test_grep "^ok: " out &&
	test -z "$(db_tables -u "$dev")"
'

test_expect_success POSTGRES 'PostgreSQL: a down that leaves a sequence and a type' '
	mig 0003_seq <<-\EOF &&
	-- migrate:up
	CREATE SEQUENCE counter;
	CREATE TYPE mood AS ENUM ('"'"'ok'"'"', '"'"'sad'"'"');
	-- migrate:down
	DROP TYPE mood;
	EOF
	test_expect_code 3 strata check >out &&
	test_grep "^FAIL migrations/0003_seq.sql" out &&
	test_grep "create_sequence  *sequence counter\|create_sequence  *sequence public.counter" out &&
	test_grep ! "create_enum" out &&
	rm migrations/0003_seq.sql
'

test_expect_success POSTGRES 'PostgreSQL: a --dev-url that holds a table is refused and left as it was' '
	dev=$(fresh_db) &&
	db_sql -u "$dev" "CREATE TABLE precious (x integer); INSERT INTO precious VALUES (42);" &&
	dev_before=$(db_checksum -u "$dev") &&
	test_expect_code 2 strata --dev-url "$dev" check 2>err &&
	test_line_count = 1 err &&
	test_grep "is not empty (table .*precious)" err &&
	test "$(db_checksum -u "$dev")" = "$dev_before"
'

test_expect_success POSTGRES 'PostgreSQL: the scratch databases are dropped, also after a failing down' '
	mig 0003_bad <<-\EOF &&
	-- migrate:up
	CREATE TABLE z (id integer);
	-- migrate:down
	DROP TABLE nowhere;
	EOF
	test_expect_code 3 strata check >out &&
	rm migrations/0003_bad.sql &&
	orphan_scratch_dbs >left &&
	test_must_be_empty left
'

test_expect_success SQLITE 'the SYNOPSIS of docs/strata-check.md is the usage line of check -h' '
	strata check -h | sed -n "s/^usage: //p" >expect &&
	sed -n "/^## SYNOPSIS/,/^## /p" "$SRCDIR/docs/strata-check.md" | sed -n "/^strata /p" >actual &&
	test_cmp expect actual
'

test_done
