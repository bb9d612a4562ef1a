#!/bin/bash
test_description='push applies schema.sql straight to the database, all or nothing

Destructive changes are named with the rows at stake and need
--allow-destructive, --yes or a yes at the terminal; a push that fails
leaves the database as it was, table rebuilds included.'
test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

test_expect_success SQLITE 'push creates the schema in an empty database' '
	use_fresh_db &&
	cat >schema.sql <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, bio TEXT);
	CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
	  title TEXT);
	EOF
	strata push >out &&
	test_grep "^pushed 2 changes$" out &&
	db_tables >actual &&
	printf "posts\nusers\n" >expect &&
	test_cmp expect actual
'

test_expect_success SQLITE 'push again: nothing to push' '
	strata push >out &&
	test_grep "nothing to push" out
'

test_expect_success SQLITE 'setup: rows' '
	db_sql "INSERT INTO users VALUES (1, '"'a@x'"', '"'hi'"'), (2, '"'b@x'"', NULL);
	        INSERT INTO posts VALUES (1, 1, '"'one'"'), (2, 1, '"'two'"'), (3, 2, '"'three'"');"
'

test_expect_success SQLITE 'a destructive push stops without a terminal, names the change and its rows' '
	cat >schema.sql <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
	CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
	  title TEXT);
	EOF
	before=$(db_checksum) &&
	test_expect_code 1 strata push >out 2>err &&
	test_grep "drop_column users.bio (2 rows)" err &&
	test_grep "nothing was changed" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success SQLITE '--dry-run shows the SQL and changes nothing' '
	before=$(db_checksum) &&
	strata push --dry-run >out &&
	test_grep "^ALTER TABLE users DROP COLUMN bio;" out &&
	test_grep "^-- dry run: 1 change" out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success SQLITE '--allow-destructive applies it' '
	strata push --allow-destructive >out &&
	test_grep "drop_column *users.bio" out &&
	db_sql "SELECT count(*) FROM pragma_table_info('"'users'"') WHERE name = '"'bio'"'" >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_expect_success SQLITE 'a rebuild keeps the rows, and the children of a rebuilt parent keep theirs' '
	cat >schema.sql <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
	CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
	  title TEXT);
	EOF
	strata push >out &&
	test_grep "rebuild_table *users" out &&
	db_sql "SELECT id, email FROM users ORDER BY id; SELECT count(*) FROM posts" >actual &&
	printf "1|a@x\n2|b@x\n3\n" >expect &&
	test_cmp expect actual &&
	strata diff --from "$DATABASE_URL" --to schema.sql --exit-code
'

test_expect_success SQLITE 'a push that fails on the rows rolls back, rebuild and all' '
	db_sql "INSERT INTO users VALUES (3, '"'c@x'"')" &&
	cat >schema.sql <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL);
	CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES users(id),
	  title TEXT);
	EOF
	before=$(db_checksum) &&
	test_must_fail strata push 2>err &&
	test_grep "NOT NULL constraint failed" err &&
	test_grep "rolled back" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success SQLITE 'rows that lose their parent in a rebuild fail the push (foreign_key_check)' '
	db_sql "INSERT INTO posts VALUES (9, 42, '"'orphan'"')" &&
	cat >schema.sql <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
	CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
	  title TEXT NOT NULL DEFAULT '"''"');
	EOF
	before=$(db_checksum) &&
	test_must_fail strata push 2>err &&
	test_grep "foreign key violations after the rebuild" err &&
	test "$(db_checksum)" = "$before" &&
	db_sql "DELETE FROM posts WHERE id = 9" &&
	strata push >/dev/null
'

test_expect_success SQLITE 'push --force leaves strata'"'"'s tracking table alone' '
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE extra (x INTEGER);\n" >migrations/0001_extra.sql &&
	strata up >/dev/null &&
	echo "CREATE TABLE extra (x INTEGER);" >>schema.sql &&
	strata push --force >out &&
	test_grep "nothing to push" out &&
	db_tables >actual &&
	test_grep "^strata_migrations$" actual
'

test_expect_success SQLITE 'push of a schema file with a hint renames in place' '
	cat >schema.sql <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE);
	CREATE TABLE articles ( -- strata:renamed-from posts
	  id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
	  title TEXT NOT NULL DEFAULT '"''"');
	CREATE TABLE extra (x INTEGER);
	EOF
	strata push --force >out &&
	test_grep "rename_table *articles" out &&
	db_sql "SELECT count(*) FROM articles" >actual &&
	echo 3 >expect &&
	test_cmp expect actual
'

test_expect_success SQLITE '--json: the changes, the SQL, and whether it was applied' '
	echo "CREATE TABLE more (y TEXT);" >>schema.sql &&
	strata push --force --json >out &&
	test_grep "\"command\": \"push\"" out &&
	test_grep "\"kind\": \"create_table\"" out &&
	test_grep "\"applied\": true" out
'

test_expect_success SQLITE 'a read-only database file is refused before anything runs' '
	db=$(fresh_db) &&
	echo "CREATE TABLE a (x INTEGER);" >ro.sql &&
	strata -u "$db" -s ro.sql push >/dev/null &&
	echo "CREATE TABLE b (x INTEGER);" >>ro.sql &&
	chmod a-w "$(test_sqlite_path_ "$db")" &&
	test_when_finished "chmod u+w \"$(test_sqlite_path_ "$db")\"" &&
	if test_have_prereq SANITY
	then
		test_must_fail strata -u "$db" -s ro.sql push 2>err &&
		test_grep "read-only" err
	fi
'

test_expect_success POSTGRES 'PostgreSQL: push, then a destructive push refused and allowed' '
	use_fresh_db &&
	cat >pg.sql <<-\EOF &&
	CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, bio text);
	EOF
	strata -s pg.sql push >out &&
	test_grep "^pushed 1 change$" out &&
	db_sql "INSERT INTO users VALUES (1, '"'a'"', '"'x'"'), (2, '"'b'"', NULL)" &&
	echo "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);" >pg.sql &&
	before=$(db_checksum) &&
	test_expect_code 1 strata -s pg.sql push 2>err &&
	test_grep "drop_column users.bio (2 rows)" err &&
	test "$(db_checksum)" = "$before" &&
	strata -s pg.sql push --allow-destructive >/dev/null &&
	strata diff --from "$DATABASE_URL" --to pg.sql --exit-code
'

test_expect_success POSTGRES 'PostgreSQL: a failing push rolls back' '
	cat >pg.sql <<-\EOF &&
	CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL UNIQUE, age integer NOT NULL);
	EOF
	before=$(db_checksum) &&
	test_must_fail strata -s pg.sql push 2>err &&
	test_grep "rolled back" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success POSTGRES 'PostgreSQL: --concurrent-indexes builds them after the commit' '
	cat >pg.sql <<-\EOF &&
	CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, note text);
	CREATE UNIQUE INDEX users_email ON users (email);
	EOF
	strata -s pg.sql push --concurrent-indexes >out &&
	test_grep "create_index" out &&
	db_sql "SELECT indexdef FROM pg_indexes WHERE indexname = '"'users_email'"'" >actual &&
	test_grep "CREATE UNIQUE INDEX users_email" actual &&
	strata diff --from "$DATABASE_URL" --to pg.sql --exit-code
'

test_done
