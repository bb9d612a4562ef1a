#!/bin/bash
test_description='verify reports drift: the live schema against what the applied migrations make

Also every checksum problem (edited, missing, failed migrations). Exit 0
when all agree, 3 when something differs; the database is never changed.'
test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

test_expect_success SQLITE 'setup: two applied migrations' '
	use_fresh_db &&
	mkdir migrations &&
	cat >migrations/0001_users.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
	CREATE INDEX users_email ON users (email);
	-- migrate:down
	DROP TABLE users;
	EOF
	cat >migrations/0002_posts.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));
	-- migrate:down
	DROP TABLE posts;
	EOF
	strata up >/dev/null
'

test_expect_success SQLITE 'a database that matches its migrations verifies (exit 0)' '
	strata verify >out &&
	test_grep "^ok: the database matches its migrations$" out
'

test_expect_success SQLITE 'pending migrations are not drift' '
	cat >migrations/0003_tags.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE tags (id INTEGER PRIMARY KEY);
	EOF
	strata verify >out &&
	test_grep "^ok" out &&
	rm migrations/0003_tags.sql
'

test_expect_success SQLITE 'a change made by hand is drift (exit 3), each difference named' '
	db_sql "ALTER TABLE users ADD COLUMN nickname TEXT; DROP INDEX users_email;
	        CREATE TABLE scratch (x INTEGER)" &&
	before=$(db_checksum) &&
	test_expect_code 3 strata verify >out &&
	test_grep "^drift: 3 differences between the migrations and the database$" out &&
	test_grep "^  add_column  *users.nickname$" out &&
	test_grep "^  drop_index  *index users_email on users$" out &&
	test_grep "^  create_table  *scratch$" out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success SQLITE '-v adds the SQL that records the drift' '
	test_expect_code 3 strata verify -v >out &&
	test_grep "^ALTER TABLE users ADD COLUMN nickname TEXT;$" out
'

test_expect_success SQLITE '--json: ok, and the differences' '
	test_expect_code 3 strata verify --json >out &&
	test_grep "\"ok\": false" out &&
	test_grep "\"kind\": \"add_column\"" out &&
	db_sql "ALTER TABLE users DROP COLUMN nickname; CREATE INDEX users_email ON users (email);
	        DROP TABLE scratch" &&
	strata verify --json >out &&
	test_grep "\"ok\": true" out
'

test_expect_success SQLITE 'an edited migration is reported' '
	echo "-- a comment" >>migrations/0002_posts.sql &&
	test_expect_code 3 strata verify >out &&
	test_grep "^  edited_migration  *0002_posts: applied, then its file changed" out
'

test_expect_success SQLITE 'a missing migration file is reported' '
	mv migrations/0002_posts.sql . &&
	test_expect_code 3 strata verify >out &&
	test_grep "^  missing_migration  *0002_posts: applied, but its file is gone" out &&
	mv 0002_posts.sql migrations/
'

test_expect_success SQLITE 'a database without a tracking table: everything in it is drift' '
	db=$(fresh_db) &&
	db_sql -u "$db" "CREATE TABLE lone (x INTEGER)" &&
	test_expect_code 3 strata -u "$db" verify >out &&
	test_grep "^drift: 1 difference " out &&
	test_grep "create_table  *lone" out
'

test_expect_success SQLITE 'verify takes no arguments' '
	test_expect_code 2 strata verify extra 2>err &&
	test_grep "unexpected argument" err
'

test_expect_success POSTGRES 'PostgreSQL: verify, clean and drifted' '
	use_fresh_db &&
	mkdir pgm &&
	cat >pgm/0001_users.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);
	-- migrate:down
	DROP TABLE users;
	EOF
	strata -d pgm up >/dev/null &&
	strata -d pgm verify >out &&
	test_grep "^ok" out &&
	db_sql "ALTER TABLE users ADD COLUMN nickname text" &&
	test_expect_code 3 strata -d pgm verify >out &&
	test_grep "add_column  *users.nickname" out
'

test_done
