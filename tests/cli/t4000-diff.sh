#!/bin/bash
test_description='diff prints the SQL that turns one schema into another

Sources are database URLs, .sql schema files (run in a scratch database and
read back) and migrations directories (replayed). The output is SQL, or
with --format json the changes, classified, with up and down SQL.'
test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

test_expect_success SQLITE 'setup: two schema files' '
	cat >"$TRASH/a.sql" <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, bio TEXT);
	EOF
	cat >"$TRASH/b.sql" <<-\EOF
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, bio TEXT, name TEXT);
	CREATE INDEX users_email ON users (email);
	EOF
'

test_expect_success SQLITE 'diff between two schema files prints the SQL' '
	strata diff --from a.sql --to b.sql >actual 2>err &&
	cat >expect <<-\EOF &&
	ALTER TABLE users ADD COLUMN name TEXT;
	CREATE INDEX users_email ON users (email);
	EOF
	test_cmp expect actual &&
	test_must_be_empty err
'

test_expect_success SQLITE 'a schema against itself prints nothing' '
	strata diff --from b.sql --to b.sql >actual &&
	test_must_be_empty actual
'

test_expect_success SQLITE '--exit-code: 0 when equal, 3 when the schemas differ' '
	strata diff --from a.sql --to a.sql --exit-code &&
	test_expect_code 3 strata diff --from a.sql --to b.sql --exit-code >/dev/null
'

test_expect_success SQLITE 'diff from a database to a schema file' '
	use_fresh_db &&
	db_sql <a.sql &&
	before=$(db_checksum) &&
	strata diff --from "$DATABASE_URL" --to b.sql >actual &&
	test_grep "ALTER TABLE users ADD COLUMN name TEXT;" actual &&
	test "$(db_checksum)" = "$before"
'

test_expect_success SQLITE 'the SQL takes the database to the schema of the file' '
	use_fresh_db &&
	db_sql <a.sql &&
	strata diff --from "$DATABASE_URL" --to b.sql >up.sql &&
	db_sql <up.sql &&
	strata diff --from "$DATABASE_URL" --to b.sql --exit-code >actual &&
	test_must_be_empty actual
'

test_expect_success SQLITE 'diff from a migrations directory (what its migrations make)' '
	mkdir -p m1 &&
	{ echo "-- migrate:up" && cat a.sql; } >m1/0001_users.sql &&
	strata diff --from m1 --to b.sql >actual &&
	test_grep "ADD COLUMN name TEXT" actual &&
	strata diff --from m1 --to a.sql --exit-code
'

test_expect_success SQLITE 'destructive and data-dependent changes are named in comments' '
	cat >c.sql <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INTEGER NOT NULL);
	EOF
	strata diff --from a.sql --to c.sql >actual &&
	test_grep "^-- destructive: drop_column users.bio" actual &&
	test_grep "^-- data-dependent: add_column users.age: NOT NULL without a default" actual
'

test_expect_success SQLITE 'a dropped and an added column of one type are flagged as a possible rename' '
	cat >d.sql <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, about TEXT);
	EOF
	strata diff --from a.sql --to d.sql >actual &&
	test_grep "possible rename of bio to about" actual
'

test_expect_success SQLITE 'a renamed-from hint turns drop and add into a rename' '
	cat >e.sql <<-\EOF &&
	CREATE TABLE users (
	  id INTEGER PRIMARY KEY,
	  email TEXT NOT NULL,
	  about TEXT -- strata:renamed-from bio
	);
	EOF
	strata diff --from a.sql --to e.sql >actual &&
	echo "ALTER TABLE users RENAME COLUMN bio TO about;" >expect &&
	test_cmp expect actual
'

test_expect_success SQLITE 'a change ALTER TABLE cannot make is a rebuild inside the transaction' '
	cat >f.sql <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, bio TEXT);
	EOF
	strata diff --from a.sql --to f.sql >actual &&
	test_grep "^-- rebuild users: a UNIQUE constraint is added" actual &&
	test_grep "^CREATE TABLE _strata_new_users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, bio TEXT);" actual &&
	test_grep "^INSERT INTO _strata_new_users (id, email, bio) SELECT id, email, bio FROM users;" actual &&
	test_grep "^ALTER TABLE _strata_new_users RENAME TO users;" actual &&
	test_grep ! -i "^BEGIN\|^COMMIT\|^PRAGMA foreign_keys" actual
'

test_expect_success SQLITE '--format json lists classified changes with up and down SQL' '
	strata diff --from a.sql --to c.sql --format json >actual &&
	test_grep "\"command\": \"diff\"" actual &&
	test_grep "\"kind\": \"drop_column\"" actual &&
	test_grep "\"class\": \"destructive\"" actual &&
	test_grep "\"class\": \"data-dependent\"" actual &&
	test_grep "\"up_sql\": " actual &&
	test_grep "\"down_sql\": \".*ALTER TABLE users" actual
'

test_expect_success SQLITE 'a schema file the engine rejects names the file and line (exit 2)' '
	printf "CREATE TABLE x (a INTEGER,\n  b nosuch(;\n" >bad.sql &&
	test_expect_code 2 strata diff --from a.sql --to bad.sql 2>err &&
	test_grep "bad.sql:2: " err
'

test_expect_success SQLITE 'a missing source is an error that names it' '
	test_must_fail strata diff --from a.sql --to nowhere.sql 2>err &&
	test_grep "nowhere.sql: no such schema file" err &&
	test_must_fail strata diff --from sqlite:nowhere.db --to a.sql 2>err &&
	test_grep "nowhere.db: no such database file" err &&
	test_path_is_missing nowhere.db
'

test_expect_success SQLITE 'bad usage: both --from and --to are needed (exit 2)' '
	test_expect_code 2 strata diff --from a.sql 2>err &&
	test_grep "give both --from SRC and --to SRC" err &&
	test_expect_code 2 strata diff --from a.sql --to b.sql --format yaml 2>err &&
	test_grep "format must be sql or json" err
'

test_expect_success SQLITE 'diff -h prints the usage' '
	strata diff -h >out &&
	test_grep "usage: strata diff --from SRC --to SRC" out
'

for cmd in diff generate push verify; do
	test_expect_success SQLITE "the SYNOPSIS of docs/strata-$cmd.md is the usage line of $cmd -h" '
		strata '"$cmd"' -h | sed -n "s/^usage: //p" >expect &&
		sed -n "/^## SYNOPSIS/,/^## /p" "$SRCDIR/docs/strata-'"$cmd"'.md" | sed -n "/^strata /p" >actual &&
		test_cmp expect actual
	'
done

# ---- PostgreSQL ---------------------------------------------------------

test_expect_success POSTGRES 'PostgreSQL: files diff in a temporary database, dropped afterwards' '
	use_fresh_db &&
	cat >pa.sql <<-\EOF &&
	CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);
	EOF
	cat >pb.sql <<-\EOF &&
	CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, name varchar(40));
	CREATE INDEX users_email ON users (email);
	EOF
	strata diff --from pa.sql --to pb.sql >actual &&
	cat >expect <<-\EOF &&
	ALTER TABLE public.users ADD COLUMN name character varying(40);

	-- then, outside a transaction (each statement on its own):
	DROP INDEX CONCURRENTLY IF EXISTS public.users_email;
	CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON public.users USING btree (email);
	EOF
	test_cmp expect actual &&
	orphan_scratch_dbs >left &&
	test_must_be_empty left
'

test_expect_success POSTGRES 'PostgreSQL: a schema file that fails still drops the scratch database' '
	printf "CREATE TABLE x (a integer,\n  b nosuchtype);\n" >pbad.sql &&
	test_expect_code 2 strata diff --from pa.sql --to pbad.sql 2>err &&
	test_grep "pbad.sql:2: " err &&
	orphan_scratch_dbs >left &&
	test_must_be_empty left
'

test_expect_success POSTGRES 'PostgreSQL: --dev-url is used instead, and left empty' '
	dev=$(fresh_db) &&
	strata --dev-url "$dev" diff --from pa.sql --to pb.sql >actual &&
	test_cmp expect actual &&
	db_tables -u "$dev" >tables &&
	test_must_be_empty tables
'

test_expect_success POSTGRES 'PostgreSQL: a --dev-url that holds objects is refused, not wiped' '
	dev=$(fresh_db) &&
	db_sql -u "$dev" "CREATE TABLE leftover (x integer)" &&
	test_expect_code 2 strata --dev-url "$dev" diff --from pa.sql --to pb.sql 2>err &&
	test_grep "is not empty (table public.leftover)" err &&
	db_tables -u "$dev" >tables &&
	echo leftover >expect.tables &&
	test_cmp expect.tables tables
'

test_expect_success POSTGRES 'PostgreSQL: diff from the database, with a rename hint' '
	db_sql <pa.sql &&
	cat >pc.sql <<-\EOF &&
	CREATE TABLE users (id integer PRIMARY KEY,
	  login text NOT NULL -- strata:renamed-from email
	);
	EOF
	strata diff --from "$DATABASE_URL" --to pc.sql >actual &&
	echo "ALTER TABLE public.users RENAME COLUMN email TO login;" >expect &&
	test_cmp expect actual
'

test_expect_success POSTGRES 'PostgreSQL: --plain writes the plain forms, in one transaction' '
	strata diff --from "$DATABASE_URL" --to pb.sql --plain --format json >out &&
	test_grep "CREATE INDEX users_email ON public.users" out &&
	test_grep ! CONCURRENTLY out &&
	test_grep "\"transaction\": true" out
'

test_expect_success POSTGRES 'PostgreSQL: --plain --concurrent-indexes builds indexes of existing tables concurrently' '
	strata diff --from "$DATABASE_URL" --to pb.sql --plain --concurrent-indexes --format json >out &&
	test_grep "CREATE INDEX CONCURRENTLY users_email" out &&
	test_grep "\"transaction\": false" out
'

test_expect_success POSTGRES 'PostgreSQL: --concurrent-indexes is still taken, the default builds so anyway' '
	strata diff --from "$DATABASE_URL" --to pb.sql --concurrent-indexes --format json >out &&
	test_grep "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email" out &&
	test_grep "\"transaction\": false" out
'

test_expect_success POSTGRES 'PostgreSQL: a diff between two PostgreSQL databases' '
	other=$(fresh_db) &&
	db_sql -u "$other" <pb.sql &&
	strata diff --from "$DATABASE_URL" --to "$other" >actual &&
	test_grep "ADD COLUMN name character varying(40)" actual &&
	strata diff --from "$other" --to "$other" --exit-code
'

test_done
