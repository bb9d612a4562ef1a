#!/bin/bash

test_description='show, hash and the strata.sum integrity file

show prints the SQL up would run, or both sections of one migration. hash
writes migrations/strata.sum (a total hash and one per file); while it is
there, up refuses a directory that does not match it, naming the file.'

. "$(dirname "$0")/test-lib.sh"

V1=20240101120000
V2=20240102120000
V3=20240103120000
V4=20240104120000

sum_of() {
	tr -d '\r' <"$1" | sha256sum | cut -d' ' -f1
}

start_with() {
	rm -rf migrations &&
	cp -R "$FIXTURES/migrations/$1" migrations &&
	use_fresh_db
}

# expected_sum DIR: strata.sum as it should be for the .sql files in DIR.
expected_sum() {
	local f
	for f in "$1"/*.sql
	do
		printf "%s %s\n" "${f##*/}" "$(sum_of "$f")"
	done >"$TRASH/sum-body" &&
	echo "total $(sha256sum <"$TRASH/sum-body" | cut -d' ' -f1)" &&
	cat "$TRASH/sum-body"
}

test_expect_success 'show prints the up SQL of every pending migration' '
	start_with basic &&
	strata up --steps 2 >out &&
	before=$(db_checksum) &&
	strata show >out 2>err &&
	test_must_be_empty err &&
	cat >expect <<-EOF &&
	-- ${V3}_create_tags
	-- migrate:up
	CREATE TABLE tags (
	  id INTEGER PRIMARY KEY,
	  name VARCHAR(50) NOT NULL UNIQUE
	);
	CREATE TABLE post_tags (
	  post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
	  tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
	  PRIMARY KEY (post_id, tag_id)
	);
	INSERT INTO tags (id, name) VALUES (1, '\''news'\''), (2, '\''howto'\'');

	-- ${V4}_add_user_bio
	-- migrate:up
	ALTER TABLE users ADD COLUMN bio TEXT;

	EOF
	test_cmp expect out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'show with nothing pending says so' '
	strata up >out &&
	strata show >out 2>err &&
	test_must_be_empty err &&
	echo "-- nothing pending" >expect &&
	test_cmp expect out
'

test_expect_success 'show V prints both sections of that migration' '
	strata show $V2 >out 2>err &&
	test_must_be_empty err &&
	cat >expect <<-EOF &&
	-- migrations/${V2}_create_posts.sql
	-- migrate:up
	CREATE TABLE posts (
	  id INTEGER PRIMARY KEY,
	  author_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	  title VARCHAR(200) NOT NULL,
	  body TEXT NOT NULL DEFAULT '\'''\'',
	  published BOOLEAN NOT NULL DEFAULT FALSE
	);
	CREATE INDEX posts_author_id ON posts (author_id);
	-- migrate:down
	DROP INDEX posts_author_id;
	DROP TABLE posts;
	EOF
	test_cmp expect out
'

test_expect_success 'show V needs no database' '
	(
		unset DATABASE_URL &&
		strata show $V4 >out 2>err
	) &&
	test_must_be_empty err &&
	test_grep "^ALTER TABLE users DROP COLUMN bio;$" out
'

test_expect_success 'show V of an irreversible migration says it has no down section' '
	start_with irreversible &&
	strata show $V2 >out 2>err &&
	test_must_be_empty err &&
	test_grep "^-- migrate:up$" out &&
	test_grep ! "^-- migrate:down" out &&
	test_grep "irreversible" out
'

test_expect_success 'show of a version no file has fails' '
	test_expect_code 1 strata show 20991231000000 >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: no migration with version 20991231000000 in migrations$" err
'

test_expect_success 'hash writes migrations/strata.sum: a total and one line per file' '
	start_with basic &&
	strata hash >out 2>err &&
	test_must_be_empty err &&
	echo "wrote migrations/strata.sum" >expect &&
	test_cmp expect out &&
	expected_sum migrations >expect &&
	test_cmp expect migrations/strata.sum
'

test_expect_success 'up accepts a directory that matches its strata.sum' '
	strata up --steps 2 >out 2>err &&
	test_must_be_empty err &&
	test_grep "^2 migrations applied" out
'

test_expect_success 'up refuses a file edited after hash, naming it, and changes nothing' '
	echo "CREATE INDEX tags_name ON tags (name);" >>migrations/${V3}_create_tags.sql &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/strata.sum: ${V3}_create_tags.sql was edited after it was hashed" err &&
	test_grep "run '\''strata hash'\''" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'hash again accepts the edit, and up goes on' '
	strata hash >out &&
	expected_sum migrations >expect &&
	test_cmp expect migrations/strata.sum &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^2 migrations applied" out &&
	db_sql "SELECT count(*) FROM tags" >actual &&
	echo 2 >expect &&
	test_cmp expect actual
'

test_expect_success 'up refuses a file added without hash, naming it' '
	cat >migrations/20240105120000_create_settings.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE settings (name VARCHAR(100) PRIMARY KEY, value TEXT);
	-- migrate:down
	DROP TABLE settings;
	EOF
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/strata.sum: 20240105120000_create_settings.sql is not in the file" err &&
	test_grep "run '\''strata hash'\''" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success '... and hash fixes that too' '
	strata hash >out &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^applied  *20240105120000_create_settings" out
'

test_expect_success 'up refuses when a hashed file was removed' '
	strata down --steps 1 >out &&
	rm migrations/20240105120000_create_settings.sql &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/strata.sum: " err &&
	test_grep "strata hash" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'without strata.sum nothing is enforced' '
	rm migrations/strata.sum &&
	echo "-- a comment" >>migrations/${V4}_add_user_bio.sql &&
	strata down --steps 1 >out &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^applied  *${V4}_add_user_bio" out
'

test_expect_success 'hash on a directory with a bad file fails and writes nothing' '
	start_with basic &&
	printf -- "-- migrate:upp\nSELECT 1;\n" >migrations/20240105120000_bad.sql &&
	test_expect_code 2 strata hash >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "20240105120000_bad.sql:1: unknown marker" err &&
	test_path_is_missing migrations/strata.sum
'

test_expect_success 'up refuses a strata.sum with a NUL byte after a right sum, and changes nothing' '
	start_with basic &&
	strata hash >out &&
	printf "\\000anything\\n" >>migrations/strata.sum &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/strata.sum: has a NUL byte" err &&
	test "$(db_checksum)" = "$before"
'

test_done
