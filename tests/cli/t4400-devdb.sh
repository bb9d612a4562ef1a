#!/bin/bash
test_description='a dev (scratch) database is proven safe before strata touches it

--dev-url (STRATA_DEV_URL) must not be the target, however the URL is spelt
(the servers are asked; SQLite compares the files), must hold no object, and
is left as empty as it came. push refuses a database that migrations manage
unless --force.'
test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

# The target URL spelt other ways: one per line.
other_spellings() {
	local name path
	case "$STRATA_TEST_ENGINE" in
	sqlite)
		path=${DATABASE_URL#sqlite:}
		name=${path##*/}
		echo "sqlite:$path"
		echo "sqlite://$path"
		echo "sqlite:./$name"
		echo "sqlite:$(dirname "$path")/../$(basename "$(dirname "$path")")/$name"
		echo "sqlite:link.db"
		echo "sqlite:hard.db"
		;;
	postgres)
		name=${DATABASE_URL##*/}
		echo "$DATABASE_URL"
		echo "$DATABASE_URL" | sed "s/127\.0\.0\.1/localhost/"
		echo "postgresql://strata@/$name?host=$STRATA_TEST_PG_SOCKET&port=$STRATA_TEST_PG_PORT"
		echo "$DATABASE_URL?sslmode=disable&application_name=another"
		# a session of its own time zone and date style
		echo "$DATABASE_URL?options=-ctimezone%3DAsia%2FTokyo%20-cdatestyle%3DSQL"
		# no port in the URL: libpq takes PGPORT, which the test sets
		echo "$DATABASE_URL" | sed "s/:$STRATA_TEST_PG_PORT\//\//"
		;;
	esac
}

test_expect_success 'setup: a live database that migrations manage, and a schema file' '
	use_fresh_db &&
	mkdir migrations &&
	cat >migrations/0001_users.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);
	-- migrate:down
	DROP TABLE users;
	EOF
	strata up >/dev/null &&
	db_sql "INSERT INTO users VALUES (1, '"'a@x'"'), (2, '"'b@x'"')" &&
	cat >schema.sql <<-\EOF &&
	CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, name text);
	CREATE TABLE posts (id integer PRIMARY KEY, user_id integer REFERENCES users (id));
	CREATE INDEX posts_user ON posts (user_id);
	CREATE VIEW emails AS SELECT email FROM users;
	EOF
	if test_have_engine sqlite
	then
		ln -s "${DATABASE_URL#sqlite:}" link.db &&
		ln "${DATABASE_URL#sqlite:}" hard.db
	fi &&
	other_spellings >spellings &&
	test_line_count -ge 5 spellings
'

test_expect_success 'a --dev-url that is the target is refused, however spelt, by every command' '
	before=$(db_checksum) &&
	while read -r dev
	do
		for cmd in verify "diff --from $DATABASE_URL --to schema.sql" "generate --dry-run x" \
			"push --dry-run" "push --force --allow-destructive"
		do
			test_expect_code 2 env PGPORT=$STRATA_TEST_PG_PORT \
				strata --dev-url "$dev" $cmd >out 2>err &&
			test_grep "is the target database" err &&
			test_line_count = 1 err &&
			test_grep ! s3cret err &&
			test "$(db_checksum)" = "$before" || return 1
		done
	done <spellings
'

test_expect_success 'STRATA_DEV_URL equal to DATABASE_URL is refused as well' '
	before=$(db_checksum) &&
	test_expect_code 2 env STRATA_DEV_URL="$DATABASE_URL" strata verify 2>err &&
	test_grep "is the target database" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'a --dev-url that holds a table is refused and left as it was' '
	dev=$(fresh_db) &&
	db_sql -u "$dev" "CREATE TABLE precious (x integer); INSERT INTO precious VALUES (42);" &&
	dev_before=$(db_checksum -u "$dev") &&
	before=$(db_checksum) &&
	for cmd in verify "diff --from $DATABASE_URL --to schema.sql" "generate --dry-run x" \
		"push --dry-run"
	do
		test_expect_code 2 strata --dev-url "$dev" $cmd 2>err &&
		test_grep "is not empty (table .*precious)" err &&
		test "$(db_checksum -u "$dev")" = "$dev_before" &&
		test "$(db_checksum)" = "$before" || return 1
	done
'

test_expect_success POSTGRES 'a --dev-url with a schema of its own (and nothing else) is refused' '
	dev=$(fresh_db) &&
	db_sql -u "$dev" "CREATE SCHEMA app" &&
	dev_before=$(db_checksum -u "$dev") &&
	test_expect_code 2 strata --dev-url "$dev" verify 2>err &&
	test_grep "is not empty (schema app)" err &&
	test "$(db_checksum -u "$dev")" = "$dev_before"
'

test_expect_success POSTGRES 'a --dev-url with a function in public is refused' '
	dev=$(fresh_db) &&
	db_sql -u "$dev" "CREATE FUNCTION one() RETURNS integer LANGUAGE sql AS '"'SELECT 1'"'" &&
	test_expect_code 2 strata --dev-url "$dev" diff --from schema.sql --to schema.sql 2>err &&
	test_grep "is not empty (function public.one())" err &&
	db_sql -u "$dev" "SELECT one()" >actual &&
	echo 1 >expect &&
	test_cmp expect actual
'

test_expect_success 'a clean --dev-url works and is left empty afterwards' '
	dev=$(fresh_db) &&
	if test_have_engine sqlite
	then
		db_sql -u "$dev" "PRAGMA user_version = 0"
	fi &&
	dev_before=$(db_checksum -u "$dev") &&
	strata --dev-url "$dev" diff --from "$DATABASE_URL" --to schema.sql >diff.out &&
	test_grep "posts" diff.out &&
	strata --dev-url "$dev" generate --dry-run x >gen.out &&
	test_grep "posts" gen.out &&
	strata --dev-url "$dev" verify >verify.out &&
	test_grep "ok: the database matches its migrations" verify.out &&
	strata --dev-url "$dev" push --dry-run >push.out &&
	test_grep "dry run" push.out &&
	test "$(db_checksum -u "$dev")" = "$dev_before" &&
	db_tables -u "$dev" >tables &&
	test_must_be_empty tables
'

test_expect_success POSTGRES 'what a schema file makes in a dev database (schemas, types, functions) is dropped again' '
	dev=$(fresh_db) &&
	dev_before=$(db_checksum -u "$dev") &&
	cat >rich.sql <<-\EOF &&
	CREATE SCHEMA app;
	CREATE TYPE mood AS ENUM ('"'ok'"', '"'sad'"');
	CREATE SEQUENCE counter;
	CREATE TABLE app.things (id serial PRIMARY KEY, m mood,
	  id2 integer GENERATED ALWAYS AS IDENTITY);
	CREATE FUNCTION twice(integer) RETURNS integer LANGUAGE sql AS '"'SELECT 2 * \$1'"';
	CREATE VIEW v AS SELECT twice(id) FROM app.things;
	CREATE MATERIALIZED VIEW mv AS SELECT count(*) FROM app.things;
	EOF
	strata --dev-url "$dev" diff --from "$DATABASE_URL" --to rich.sql >out &&
	test_grep "app.things" out &&
	test "$(db_checksum -u "$dev")" = "$dev_before" &&
	db_sql -u "$dev" "SELECT nspname FROM pg_namespace WHERE nspname = '"'app'"'" >left &&
	test_must_be_empty left
'

test_expect_success POSTGRES 'a dev database in use by another run is refused (exit 1), and left alone' '
	dev=$(fresh_db) &&
	dbname=${dev##*/} &&
	{ test_psql_ "$dbname" -c "SELECT pg_advisory_lock(1937011297, 6579574), pg_sleep(30)" >/dev/null 2>&1 & } &&
	holder=$! &&
	test_when_finished "kill $holder 2>/dev/null; wait $holder 2>/dev/null; true" &&
	for i in $(seq 1 100)
	do
		n=$(db_sql -u "$dev" "SELECT count(*) FROM pg_locks WHERE locktype = '"'advisory'"' AND classid = 1937011297 AND objid = 6579574") &&
		test "$n" = 1 && break
		sleep 0.1
	done &&
	test "$n" = 1 &&
	test_expect_code 1 strata --dev-url "$dev" verify 2>err &&
	test_grep "in use by another strata run" err
'

test_expect_success 'a --dev-url of the other engine is refused' '
	before=$(db_checksum) &&
	if test_have_engine sqlite
	then
		other="postgres://nobody@127.0.0.1:1/none"
	else
		other="sqlite:$TRASH/dev.db"
	fi &&
	test_expect_code 2 strata --dev-url "$other" diff --from "$DATABASE_URL" --to schema.sql 2>err &&
	test_grep "dev-url .* is a .* database; the target is" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success SQLITE 'SQLite: a --dev-url is checked but never written' '
	dev=$(fresh_db) &&
	db_sql -u "$dev" "PRAGMA user_version = 7" &&
	dev_before=$(db_checksum -u "$dev") &&
	strata --dev-url "$dev" diff --from "$DATABASE_URL" --to schema.sql >out &&
	test_grep posts out &&
	test "$(db_checksum -u "$dev")" = "$dev_before"
'

test_expect_success SQLITE 'SQLite: a --dev-url that is not a database is refused' '
	echo "not a database at all, not at all, not at all, not at all, not at all" >junk.db &&
	cp junk.db junk.before &&
	test_expect_code 2 strata --dev-url sqlite:junk.db diff --from "$DATABASE_URL" --to schema.sql 2>err &&
	test_grep "dev-url sqlite:junk.db" err &&
	test_cmp junk.before junk.db
'

# push onto a database that migrations manage

test_expect_success 'push refuses a database with applied migrations, naming --force' '
	before=$(db_checksum) &&
	test_expect_code 2 strata push --allow-destructive >out 2>err &&
	test_grep "1 migration recorded in strata_migrations" err &&
	test_grep -e "--force" err &&
	test_line_count = 1 err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'push --dry-run still shows the plan there' '
	before=$(db_checksum) &&
	strata push --dry-run >out &&
	test_grep "dry run" out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'push --force applies it, and leaves the tracking table alone' '
	strata push --force >out &&
	test_grep "^pushed" out &&
	db_tables >actual &&
	printf "posts\nstrata_migrations\nusers\n" >expect &&
	test_cmp expect actual &&
	db_sql "SELECT version FROM strata_migrations" >versions &&
	echo 0001 >expect.versions &&
	test_cmp expect.versions versions &&
	db_sql "SELECT count(*) FROM users" >rows &&
	echo 2 >expect.rows &&
	test_cmp expect.rows rows
'

test_expect_success 'push onto a database whose tracking table is empty needs no --force' '
	use_fresh_db &&
	strata up >/dev/null &&
	strata down --all >/dev/null &&
	db_sql "SELECT count(*) FROM strata_migrations" >n &&
	echo 0 >expect.n &&
	test_cmp expect.n n &&
	strata push >out &&
	test_grep "^pushed" out
'

test_done
