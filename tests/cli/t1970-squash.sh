#!/bin/bash

test_description='squash --to VERSION NAME replaces the migrations up to VERSION

The squash file takes VERSION, holds the schema the replaced migrations make
(up) and its drop (down), and names them in `-- strata:replaces`. A database
that applied them all counts it as applied; a fresh one runs only it; one
that applied some but not all is refused, nothing changed.'

. "$(dirname "$0")/test-lib.sh"

has_table() { # [-u URL] TABLE
	db_sql "$@" >/dev/null 2>&1
}

test_expect_success 'setup: three migrations; a full, a partial and a done-before database' '
	use_fresh_db &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n-- migrate:down\nDROP TABLE users;\n" \
		>migrations/0001_users.sql &&
	printf -- "-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), body TEXT);\nCREATE INDEX posts_user ON posts (user_id);\n-- migrate:down\nDROP TABLE posts;\n" \
		>migrations/0002_posts.sql &&
	printf -- "-- migrate:up\nALTER TABLE users ADD COLUMN nickname TEXT;\n-- migrate:down\nALTER TABLE users DROP COLUMN nickname;\n" \
		>migrations/0003_nickname.sql &&
	strata up >/dev/null &&
	partial=$(fresh_db) && echo "$partial" >partial_url &&
	DATABASE_URL=$partial strata up --to 0001 >/dev/null &&
	done_before=$(fresh_db) && echo "$done_before" >done_url &&
	DATABASE_URL=$done_before strata up >/dev/null
'

test_expect_success 'bad input: unknown --to, no NAME, no --to: exit 2, nothing written' '
	test_expect_code 2 strata squash --to 0009 all >out 2>err &&
	test_grep "no migration with version 0009" err &&
	test_expect_code 2 strata squash --to 0003 >out 2>err &&
	test_grep "missing NAME" err &&
	test_expect_code 2 strata squash all >out 2>err &&
	test_grep "to VERSION is required" err &&
	test_expect_code 2 strata squash --to 0003 nickname >out 2>err &&
	test_grep "migrations/0003_nickname.sql exists; nothing was written" err &&
	test_grep "ALTER TABLE users ADD COLUMN nickname" migrations/0003_nickname.sql &&
	test "$(ls migrations | wc -l)" = 3
'

test_expect_success '--dry-run prints both sections, writes nothing' '
	strata squash --to 0003 all --dry-run >out &&
	test_grep "^-- up$" out &&
	test_grep "^-- down$" out &&
	test_grep -i "nickname" out &&
	test "$(ls migrations | wc -l)" = 3
'

test_expect_success 'squash writes VERSION_NAME.sql with the replaces marker, up and down' '
	before=$(db_checksum) &&
	strata squash --to 0003 all >out 2>err &&
	test_must_be_empty err &&
	test_grep "^wrote migrations/0003_all.sql" out &&
	test "$(head -n 1 migrations/0003_all.sql)" = "-- strata:replaces 0001 0002 0003" &&
	test_grep "^-- migrate:up" migrations/0003_all.sql &&
	test_grep "^-- migrate:down" migrations/0003_all.sql &&
	test_grep -i "create table.*posts" migrations/0003_all.sql &&
	test_grep -i "nickname" migrations/0003_all.sql &&
	test "$(db_checksum)" = "$before" &&
	test_expect_code 2 strata squash --to 0003 again >out 2>err &&
	test_grep "0003_all.sql is itself a squash: squashing over a squash is not supported" err &&
	test_path_is_missing migrations/0003_again.sql &&
	printf -- "-- migrate:up\nCREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT);\n-- migrate:down\nDROP TABLE tags;\n" \
		>migrations/0004_tags.sql
'

test_expect_success 'fully applied: status shows the squash applied, up runs only 0004, verify clean' '
	strata status >out &&
	test_grep "^0003  *all  *applied" out &&
	test_grep "^0004  *tags  *pending" out &&
	test_grep "^1 applied, 1 pending" out &&
	! grep -q "users\|posts\|nickname" out &&
	strata up >out &&
	test_grep "0004_tags" out &&
	! grep -q "0003_all" out &&
	strata verify >out &&
	test_grep "^ok" out
'

test_expect_success 'fresh database: up runs only the squash (and 0004), verify clean, down works' '
	fresh=$(fresh_db) &&
	DATABASE_URL=$fresh strata up >out &&
	test_grep "0003_all" out &&
	test_grep "0004_tags" out &&
	! grep -q "0001_users\|0002_posts\|0003_nickname" out &&
	test "$(db_sql -u "$fresh" "SELECT version FROM strata_migrations ORDER BY version" | tr "\n" " ")" = "0003 0004 " &&
	DATABASE_URL=$fresh strata verify >out &&
	test_grep "^ok" out &&
	has_table -u "$fresh" "SELECT nickname FROM users WHERE 1 = 0" &&
	DATABASE_URL=$fresh strata down --all >out &&
	test_grep "0003_all" out &&
	test_must_fail has_table -u "$fresh" "SELECT id FROM posts WHERE 1 = 0" &&
	test_must_fail has_table -u "$fresh" "SELECT id FROM users WHERE 1 = 0" &&
	DATABASE_URL=$fresh strata status >out &&
	test_grep "^0 applied, 2 pending" out
'

test_expect_success 'partly applied: status and up refused naming the versions, nothing changed' '
	partial=$(cat partial_url) &&
	before=$(DATABASE_URL=$partial db_checksum) &&
	test_expect_code 2 env DATABASE_URL=$partial strata up >out 2>err &&
	test_grep "0003_all.sql replaces migrations 0001 to 0003, but only 0001 is applied here (not 0002, 0003)" err &&
	test_expect_code 2 env DATABASE_URL=$partial strata status >out 2>err &&
	test_grep "not 0002, 0003" err &&
	test_expect_code 2 env DATABASE_URL=$partial strata down >out 2>err &&
	test "$(DATABASE_URL=$partial db_checksum)" = "$before"
'

test_expect_success 'the replaced files deleted: an old database still reads as applied' '
	rm migrations/0001_users.sql migrations/0002_posts.sql migrations/0003_nickname.sql &&
	done_before=$(cat done_url) &&
	DATABASE_URL=$done_before strata status >out &&
	test_grep "^0003  *all  *applied" out &&
	test_grep "^1 applied, 1 pending" out &&
	DATABASE_URL=$done_before strata up >/dev/null &&
	DATABASE_URL=$done_before strata verify >out &&
	test_grep "^ok" out
'

test_expect_success 'a malformed replaces line is refused: exit 2, nothing changed' '
	before=$(db_checksum) &&
	cp migrations/0003_all.sql keep &&
	sed "1s/.*/-- strata:replaces 0001 0004 0003/" keep >migrations/0003_all.sql &&
	test_expect_code 2 strata up >out 2>err &&
	test_grep "0003_all.sql: strata:replaces must list versions in ascending order" err &&
	sed "1s/.*/-- strata:replaces 0001 x 0003/" keep >migrations/0003_all.sql &&
	test_expect_code 2 strata status >out 2>err &&
	test_grep "is not a version" err &&
	cp keep migrations/0003_all.sql &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'strata.sum is kept with a squash' '
	strata hash >/dev/null &&
	strata status >out &&
	test_grep "^0003  *all  *applied" out &&
	! grep -q "0001_users" migrations/strata.sum
'

test_expect_success 'rolling the squash back on a fully applied database drops it all' '
	strata down >out &&
	test_grep "0004_tags" out &&
	strata down >out &&
	test_grep "0003_all" out &&
	test_must_fail has_table "SELECT id FROM users WHERE 1 = 0" &&
	test "$(db_sql "SELECT count(*) FROM strata_migrations")" = 0 &&
	strata status >out &&
	test_grep "^0 applied, 2 pending" out
'

test_done
