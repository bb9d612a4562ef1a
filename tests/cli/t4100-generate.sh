#!/bin/bash
test_description='generate writes the migration from the migrations'"'"' schema to schema.sql

The current state is what the migrations directory makes (replayed in a
scratch database, never the live one); the migration goes to schema.sql,
with its down section, and strata.sum follows.'
test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

write_schema() {
	cat >schema.sql
}

test_expect_success SQLITE 'generate on an empty directory writes the whole schema' '
	use_fresh_db &&
	write_schema <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
	EOF
	strata generate create_users >out &&
	test_line_count = 1 out &&
	test_grep "^created migrations/[0-9]\{14\}_create_users.sql$" out &&
	file=$(sed "s/^created //" out) &&
	cat >expect <<-\EOF &&
	-- migrate:up
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);

	-- migrate:down
	DROP TABLE users;
	EOF
	test_cmp expect "$file"
'

test_expect_success SQLITE 'the live database is not read or changed' '
	db_sql "CREATE TABLE unrelated (x INTEGER)" &&
	before=$(db_checksum) &&
	strata generate nothing_here >out &&
	test_grep "nothing to generate" out &&
	test "$(db_checksum)" = "$before" &&
	db_sql "DROP TABLE unrelated"
'

test_expect_success SQLITE 'nothing to do: says so and writes nothing' '
	ls migrations >before &&
	strata generate again >out &&
	test_grep "nothing to generate" out &&
	ls migrations >after &&
	test_cmp before after
'

test_expect_success SQLITE 'the migration applies, and its down takes it back' '
	strata up >/dev/null &&
	cp schema.sql old.sql &&
	write_schema <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT DEFAULT '"'"''"'"');
	CREATE INDEX users_email ON users (email);
	EOF
	strata generate add_name >out &&
	strata up >/dev/null &&
	strata diff --from "$DATABASE_URL" --to schema.sql --exit-code &&
	strata down >/dev/null &&
	strata diff --from "$DATABASE_URL" --to old.sql --exit-code &&
	db_sql "SELECT count(*) FROM pragma_table_info('"'users'"')" >actual &&
	echo 2 >expect &&
	test_cmp expect actual
'

test_expect_success SQLITE '--dry-run prints the migration and writes nothing' '
	ls migrations >before &&
	cp schema.sql keep.sql &&
	echo "CREATE TABLE tags (id INTEGER PRIMARY KEY);" >>schema.sql &&
	strata generate preview --dry-run >out &&
	cp keep.sql schema.sql &&
	test_grep "^-- migrate:up$" out &&
	test_grep "^CREATE TABLE tags" out &&
	test_grep "^-- migrate:down$" out &&
	test_grep "^-- dry run: " out &&
	ls migrations >after &&
	test_cmp before after
'

test_expect_success SQLITE 'strata.sum, when the directory keeps one, is rewritten' '
	rm -f migrations/*_add_name.sql &&
	strata hash >/dev/null &&
	strata generate add_name >/dev/null &&
	strata up >/dev/null &&
	test_grep "_add_name.sql" migrations/strata.sum
'

test_expect_success SQLITE 'a directory numbered 0001, 0002 keeps its numbering' '
	mkdir seq &&
	printf -- "-- migrate:up\nCREATE TABLE a (x INTEGER);\n" >seq/0001_a.sql &&
	printf "CREATE TABLE a (x INTEGER);\nCREATE TABLE b (y INTEGER);\n" >seq-schema.sql &&
	strata -d seq -s seq-schema.sql generate add_b >out &&
	test_grep "^created seq/0002_add_b.sql$" out
'

test_expect_success SQLITE 'destructive changes: refused without a terminal, nothing written' '
	write_schema <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
	CREATE INDEX users_email ON users (email);
	EOF
	ls migrations >before &&
	test_expect_code 1 strata generate drop_name >out 2>err &&
	test_grep "drop_column users.name" err &&
	test_grep "nothing was written" err &&
	ls migrations >after &&
	test_cmp before after
'

test_expect_success SQLITE '... and written with --allow-destructive (or --yes)' '
	strata generate drop_name --allow-destructive >out &&
	file=$(sed "s/^created //" out) &&
	test_grep "^-- destructive: drop_column users.name" "$file" &&
	test_grep "^ALTER TABLE users DROP COLUMN name;" "$file" &&
	test_grep "^ALTER TABLE users ADD COLUMN name TEXT DEFAULT" "$file" &&
	rm "$file" &&
	strata hash >/dev/null &&
	strata -y generate drop_name >out &&
	test_line_count = 1 out
'

test_expect_success SQLITE '--per-table writes one migration per changed table' '
	mkdir pt &&
	cat >pt-schema.sql <<-\EOF &&
	CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);
	CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors(id));
	CREATE VIEW titles AS SELECT id FROM books;
	EOF
	strata -d pt -s pt-schema.sql generate init --per-table >out &&
	test_line_count = 3 out &&
	test_grep "_init_authors.sql$" out &&
	test_grep "_init_books.sql$" out &&
	test_grep "_init_other.sql$" out &&
	url=$(fresh_db) &&
	strata -u "$url" -d pt up >/dev/null &&
	strata -u "$url" diff --from "$url" --to pt-schema.sql --exit-code &&
	strata -u "$url" -d pt down --all >/dev/null &&
	test "$(db_tables -u "$url")" = strata_migrations
'

test_expect_success SQLITE 'a renamed-from hint makes a rename, and the down renames back' '
	mkdir rn &&
	printf -- "-- migrate:up\nCREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n" >rn/0001_t.sql &&
	cat >rn-schema.sql <<-\EOF &&
	CREATE TABLE t (
	  id INTEGER PRIMARY KEY,
	  title TEXT -- strata:renamed-from a
	);
	EOF
	strata -d rn -s rn-schema.sql generate rename_a >out &&
	file=$(sed "s/^created //" out) &&
	cat >expect <<-\EOF &&
	-- migrate:up
	ALTER TABLE t RENAME COLUMN a TO title;

	-- migrate:down
	ALTER TABLE t RENAME COLUMN title TO a;
	EOF
	test_cmp expect "$file"
'

test_expect_success SQLITE 'a broken migration in the directory is named with its line' '
	mkdir broken &&
	printf -- "-- migrate:up\nCREATE TABLE a (x INTEGER);\nCREATE TABLE a (x INTEGER);\n" >broken/0001_a.sql &&
	test_expect_code 2 strata -d broken generate x 2>err &&
	test_grep "broken/0001_a.sql:3: " err
'

test_expect_success SQLITE 'a missing schema file is named' '
	test_must_fail strata -s nowhere.sql generate x 2>err &&
	test_grep "nowhere.sql: no such schema file" err
'

test_expect_success SQLITE '--json lists the files and the changes' '
	rm -rf js && mkdir js &&
	strata -d js generate first --json >out &&
	test_grep "\"command\": \"generate\"" out &&
	test_grep "\"files\": \[" out &&
	test_grep "js/[0-9]*_first.sql" out &&
	test_grep "\"kind\": \"create_table\"" out
'

test_expect_success SQLITE 'generate needs a NAME' '
	test_expect_code 2 strata generate 2>err &&
	test_grep "give exactly one NAME" err
'

test_expect_success POSTGRES 'PostgreSQL: generate, up, down' '
	use_fresh_db &&
	mkdir pgm &&
	cat >pg-schema.sql <<-\EOF &&
	CREATE TYPE mood AS ENUM ('"'sad'"', '"'ok'"');
	CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE,
	  m mood DEFAULT '"'ok'"');
	CREATE TABLE posts (id serial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id));
	CREATE VIEW user_posts AS SELECT u.email, p.id FROM users u JOIN posts p ON p.user_id = u.id;
	EOF
	strata -d pgm -s pg-schema.sql generate init >out &&
	test_line_count = 1 out &&
	strata -d pgm up >/dev/null &&
	strata -d pgm verify &&
	strata diff --from "$DATABASE_URL" --to pg-schema.sql --exit-code &&
	cat >pg-schema.sql <<-\EOF &&
	CREATE TYPE mood AS ENUM ('"'sad'"', '"'meh'"', '"'ok'"');
	CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	  login text NOT NULL UNIQUE, -- strata:renamed-from email
	  m mood DEFAULT '"'ok'"');
	CREATE TABLE posts (id serial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id),
	  title text NOT NULL DEFAULT '"''"');
	CREATE VIEW user_posts AS SELECT u.login, p.id, p.title FROM users u JOIN posts p ON p.user_id = u.id;
	EOF
	strata -d pgm -s pg-schema.sql generate second >out &&
	file=$(sed "s/^created //" out) &&
	test_grep "^ALTER TABLE public.users RENAME COLUMN email TO login;" "$file" &&
	test_grep "^ALTER TABLE public.users RENAME CONSTRAINT users_email_key TO users_login_key;" "$file" &&
	strata -d pgm up >/dev/null &&
	strata diff --from "$DATABASE_URL" --to pg-schema.sql --exit-code &&
	strata -d pgm down >/dev/null &&
	strata -d pgm verify >out &&
	test_grep "^ok" out
'

test_expect_success POSTGRES 'PostgreSQL: the lock-safe forms go to a late transaction:false migration' '
	use_fresh_db &&
	mkdir safe &&
	cat >safe-schema.sql <<-\EOF &&
	CREATE TABLE acct (id bigint PRIMARY KEY, email text, n int);
	EOF
	strata -d safe -s safe-schema.sql generate init >out &&
	test_line_count = 1 out &&
	strata -d safe up >/dev/null &&
	db_sql "INSERT INTO acct VALUES (1, '"'a'"', 1), (2, '"'a'"', 2)" &&
	cat >safe-schema.sql <<-\EOF &&
	CREATE TABLE acct (id bigint PRIMARY KEY, email text NOT NULL, n int CHECK (n > 0));
	CREATE INDEX acct_email ON acct (email);
	CREATE TABLE fresh (id bigint PRIMARY KEY, a bigint);
	CREATE INDEX fresh_a ON fresh (a);
	EOF
	strata -d safe -s safe-schema.sql generate second >out &&
	test_line_count = 2 out &&
	main=$(sed -n "1s/^created //p" out) &&
	late=$(sed -n "2s/^created //p" out) &&
	case $late in *_second_concurrent.sql) ;; *) false ;; esac &&
	test_grep "^-- migrate:up$" "$main" &&
	test_grep "^CREATE INDEX fresh_a ON public.fresh" "$main" &&
	test_grep "CHECK (email IS NOT NULL) NOT VALID;" "$main" &&
	test_grep "CHECK (n > 0) NOT VALID;" "$main" &&
	test_grep ! "^CREATE INDEX.*acct_email\|^ALTER.*VALIDATE\|^ALTER.*SET NOT NULL" "$main" &&
	test_grep "^-- migrate:up transaction:false$" "$late" &&
	test_grep "^-- migrate:down transaction:false$" "$late" &&
	test_grep "^DROP INDEX CONCURRENTLY IF EXISTS public.acct_email;" "$late" &&
	test_grep "^CREATE INDEX CONCURRENTLY IF NOT EXISTS acct_email ON public.acct" "$late" &&
	test_grep "VALIDATE CONSTRAINT acct_email_not_null;" "$late" &&
	test_grep "ALTER COLUMN email SET NOT NULL;" "$late" &&
	strata -d safe lint --offline "$main" "$late" >lint.out &&
	strata -d safe up >/dev/null &&
	strata diff --from "$DATABASE_URL" --to safe-schema.sql --exit-code &&
	strata -d safe down >/dev/null &&
	strata -d safe verify >out &&
	test_grep "^ok" out
'

test_expect_success POSTGRES 'PostgreSQL: the late migration runs again after a failed concurrent build' '
	cat >safe-schema.sql <<-\EOF &&
	CREATE TABLE acct (id bigint PRIMARY KEY, email text, n int);
	CREATE UNIQUE INDEX acct_email ON acct (email);
	EOF
	rm safe/*_second*.sql &&
	strata -d safe -s safe-schema.sql generate uniq >out &&
	test_line_count = 1 out &&
	late=$(sed -n "1s/^created //p" out) &&
	case $late in *_uniq_concurrent.sql) ;; *) false ;; esac &&
	test_must_fail strata -d safe up 2>up.err &&
	db_sql "SELECT indisvalid FROM pg_index WHERE indexrelid = '"'acct_email'"'::regclass" >actual &&
	echo f >expect && test_cmp expect actual &&
	db_sql "UPDATE acct SET email = '"'b'"' WHERE id = 2" &&
	v=$(basename "$late" | sed "s/_.*//") &&
	strata -d safe mark "$v" --pending >/dev/null &&
	strata -d safe up >/dev/null &&
	db_sql "SELECT indisvalid FROM pg_index WHERE indexrelid = '"'acct_email'"'::regclass" >actual &&
	echo t >expect && test_cmp expect actual
'

test_expect_success POSTGRES 'PostgreSQL: --plain writes one migration with the plain forms' '
	cat >safe-schema.sql <<-\EOF &&
	CREATE TABLE acct (id bigint PRIMARY KEY, email text, n int);
	CREATE UNIQUE INDEX acct_email ON acct (email);
	CREATE INDEX acct_n ON acct (n);
	EOF
	strata -d safe -s safe-schema.sql generate plain_one --plain >out &&
	test_line_count = 1 out &&
	file=$(sed "s/^created //" out) &&
	test_grep "^-- migrate:up$" "$file" &&
	test_grep "^CREATE INDEX acct_n ON public.acct" "$file" &&
	test_expect_code 3 strata -d safe lint --offline "$file" >lint.out &&
	test_grep "create-index-non-concurrent" lint.out
'

test_done
