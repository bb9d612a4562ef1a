#!/bin/bash

test_description='inspect, dump and stats read the live schema

dump prints canonical SQL that loads into an empty database and dumps
again to the same bytes; inspect prints the same model as JSON (whose facts
agree with the engine'"'"'s own catalog), Graphviz DOT or Mermaid; stats lists
the tables with row counts and sizes. All three leave the tracking table
out unless --all. up and down with --dump-schema FILE rewrite FILE after
each run.'

. "$(dirname "$0")/test-lib.sh"

SCHEMAS=$FIXTURES/schemas/$STRATA_TEST_ENGINE

command -v jq >/dev/null 2>&1 && test_set_prereq JQ
command -v dot >/dev/null 2>&1 && test_set_prereq DOT

# load_fixture FILE: a fresh database (DATABASE_URL) holding FILE.
load_fixture() {
	use_fresh_db &&
	db_sql <"$1"
}

# migration FILE <BODY: write a migration file.
migration() {
	mkdir -p migrations &&
	cat >"migrations/$1"
}

# The engine's own view of every column: table.column|type|not-null, sorted.
# SQLite: table_xinfo, which also lists generated columns (hidden 2 and 3);
# hidden 1 is a virtual table's hidden column, which the model leaves out.
catalog_columns() {
	if test_have_engine sqlite
	then
		db_sql "SELECT m.name || '.' || p.name, p.type, CASE p.\"notnull\" WHEN 1 THEN 'true' ELSE 'false' END
			FROM sqlite_schema m, pragma_table_xinfo(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\\'
			AND p.hidden <> 1
			AND m.name <> 'strata_migrations'"
	else
		db_sql "SET search_path = pg_catalog;
			SELECT c.table_schema || '.' || c.table_name || '.' || c.column_name,
			format_type(a.atttypid, a.atttypmod),
			CASE c.is_nullable WHEN 'NO' THEN 'true' ELSE 'false' END
			FROM information_schema.columns c
			JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass
			AND a.attname = c.column_name
			JOIN information_schema.tables t USING (table_schema, table_name)
			WHERE t.table_type = 'BASE TABLE'
			AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
			AND c.table_name <> 'strata_migrations'"
	fi | LC_ALL=C sort
}

# The same from inspect --format json.
json_columns() {
	jq -r '.tables[] | (if .schema then .schema + "." else "" end) as $s | .name as $t |
		.columns[] | "\($s)\($t).\(.name)|\(.type)|\(.not_null)"' "$1" | LC_ALL=C sort
}

# The number of foreign keys the engine reports.
catalog_fk_count() {
	if test_have_engine sqlite
	then
		db_sql "SELECT count(DISTINCT m.name || '/' || f.id) FROM sqlite_schema m, pragma_foreign_key_list(m.name) f
			WHERE m.type = 'table'"
	else
		db_sql "SELECT count(*) FROM pg_catalog.pg_constraint co
			JOIN pg_catalog.pg_namespace n ON n.oid = co.connamespace
			WHERE co.contype = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
	fi
}

for fixture in "$SCHEMAS"/*.sql
do
	[ -f "$fixture" ] || continue
	name=$(basename "$fixture" .sql)

	test_expect_success "dump of the $name fixture loads and dumps again to the same bytes" '
		load_fixture "$fixture" &&
		strata dump >d1.sql 2>err &&
		test_must_be_empty err &&
		head -n 1 d1.sql >actual &&
		echo "-- strata schema ($STRATA_TEST_ENGINE)" >expect &&
		test_cmp expect actual &&
		use_fresh_db &&
		db_sql <d1.sql >/dev/null 2>load.err &&
		strata dump >d2.sql &&
		test_cmp d1.sql d2.sql
	'

	test_expect_success "dump of the $name fixture is the same twice, and inspect --format sql is dump" '
		load_fixture "$fixture" &&
		strata dump >d1.sql &&
		strata dump >d2.sql &&
		test_cmp d1.sql d2.sql &&
		strata inspect --format sql >i.sql &&
		test_cmp d1.sql i.sql &&
		strata inspect >i.sql &&
		test_cmp d1.sql i.sql
	'

	test_expect_success JQ "inspect --format json of the $name fixture agrees with the catalog" '
		load_fixture "$fixture" &&
		strata inspect --format json >model.json &&
		jq -r .engine model.json >actual &&
		echo "$STRATA_TEST_ENGINE" >expect &&
		test_cmp expect actual &&
		catalog_columns >expect &&
		json_columns model.json >actual &&
		test_cmp expect actual &&
		catalog_fk_count >expect &&
		jq "[.tables[].foreign_keys[]] | length" model.json >actual &&
		test_cmp expect actual &&
		strata inspect --json >again.json &&
		jq -S . model.json >expect &&
		jq -S "del(.command, .database, .ok, .exit_status, .format_version)" again.json >actual &&
		test_cmp expect actual
	'

	test_expect_success DOT "inspect --format dot of the $name fixture is a graph dot accepts" '
		load_fixture "$fixture" &&
		strata inspect --format dot >schema.dot &&
		dot -Tsvg schema.dot >schema.svg &&
		test_grep "<svg" schema.svg
	'

	test_expect_success "inspect --format mermaid of the $name fixture draws every foreign key" '
		load_fixture "$fixture" &&
		strata inspect --format mermaid >schema.mmd &&
		head -n 1 schema.mmd >actual &&
		echo erDiagram >expect &&
		test_cmp expect actual &&
		catalog_fk_count >expect &&
		grep -c -- "--o{" schema.mmd >actual &&
		test_cmp expect actual
	'
done

test_expect_success 'the min fixture gives the tables, indexes and views it declares' '
	load_fixture "$SCHEMAS/min.sql" &&
	strata dump >d.sql &&
	test_grep "^CREATE TABLE .*authors (" d.sql &&
	test_grep "^CREATE TABLE .*books (" d.sql &&
	test_grep "^CREATE INDEX books_author ON" d.sql &&
	test_grep "^CREATE UNIQUE INDEX books_cheap ON .* WHERE price < 10" d.sql &&
	test_grep "^CREATE VIEW .*long_books AS" d.sql &&
	test_grep "^CREATE TRIGGER " d.sql
'

test_expect_success POSTGRES 'dump on PostgreSQL keeps schemas, enums, sequences and comments' '
	load_fixture "$SCHEMAS/min.sql" &&
	strata dump >d.sql &&
	test_grep "^CREATE SCHEMA IF NOT EXISTS billing;" d.sql &&
	test_grep "^CREATE TYPE public.status AS ENUM (.draft., .active., .closed.);" d.sql &&
	test_grep "^CREATE SEQUENCE billing.invoice_no INCREMENT BY 10 START WITH 1000;" d.sql &&
	test_grep "GENERATED ALWAYS AS IDENTITY" d.sql &&
	test_grep "^ALTER SEQUENCE public.books_id_seq OWNED BY public.books.id;" d.sql &&
	test_grep "^CREATE MATERIALIZED VIEW billing.totals AS" d.sql &&
	test_grep "^COMMENT ON TABLE public.authors IS .people who write.;" d.sql &&
	test_grep "^CREATE OR REPLACE FUNCTION public.touch()" d.sql &&
	test_grep ! "authors_id_seq" d.sql
'

test_expect_success POSTGRES '--pg-schema narrows dump to one schema' '
	load_fixture "$SCHEMAS/min.sql" &&
	strata --pg-schema billing dump >d.sql &&
	test_grep "billing.invoices" d.sql &&
	test_grep ! "CREATE TABLE public" d.sql
'

test_expect_success POSTGRES 'objects of an extension are not dumped, the extension is' '
	use_fresh_db &&
	db_sql "CREATE EXTENSION IF NOT EXISTS pgcrypto; CREATE TABLE t (id int PRIMARY KEY)" &&
	strata dump >d.sql &&
	test_grep "^CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;" d.sql &&
	test_grep ! "FUNCTION public.digest" d.sql
'

test_expect_success 'inspect, dump and stats leave the tracking table out unless --all' '
	use_fresh_db &&
	migration 0001_users.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
	-- migrate:down
	DROP TABLE users;
	EOF
	strata up >/dev/null &&
	strata dump >d.sql &&
	test_grep "users" d.sql &&
	test_grep ! "strata_migrations" d.sql &&
	strata dump --all >d.sql &&
	test_grep "strata_migrations" d.sql &&
	strata inspect --format mermaid >m.mmd &&
	test_grep ! "strata_migrations" m.mmd &&
	strata inspect --format mermaid --all >m.mmd &&
	test_grep "strata_migrations" m.mmd &&
	strata stats >s.out &&
	test_grep ! "strata_migrations" s.out &&
	strata stats --all >s.out &&
	test_grep "strata_migrations" s.out
'

test_expect_success 'up --dump-schema FILE writes the dump after up, and down rewrites it' '
	use_fresh_db &&
	rm -rf migrations &&
	migration 0001_users.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
	-- migrate:down
	DROP TABLE users;
	EOF
	migration 0002_posts.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));
	-- migrate:down
	DROP TABLE posts;
	EOF
	strata up --dump-schema schema.dump.sql >out 2>err &&
	test_path_is_file schema.dump.sql &&
	strata dump >expect &&
	test_cmp expect schema.dump.sql &&
	test_grep "posts" schema.dump.sql &&
	strata down --steps 1 --dump-schema schema.dump.sql >out 2>err &&
	strata dump >expect &&
	test_cmp expect schema.dump.sql &&
	test_grep ! "posts" schema.dump.sql &&
	test_grep "users" schema.dump.sql
'

test_expect_success 'STRATA_DUMP asks for the same' '
	use_fresh_db &&
	STRATA_DUMP=from-env.sql strata up >out 2>err &&
	test_path_is_file from-env.sql &&
	test_grep "users" from-env.sql
'

test_expect_success 'stats lists the tables with their row counts' '
	use_fresh_db &&
	db_sql "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);
		INSERT INTO items (id, name) VALUES (1, '"'"'a'"'"'), (2, '"'"'b'"'"'), (3, '"'"'c'"'"');
		CREATE TABLE empty (id INTEGER PRIMARY KEY)" &&
	strata stats >out 2>err &&
	test_must_be_empty err &&
	head -n 1 out | tr -s " " >actual &&
	echo "TABLE ROWS SIZE" >expect &&
	test_cmp expect actual &&
	test_grep "^empty " out &&
	test_grep "^items " out &&
	strata stats --exact >out &&
	grep "^items " out | tr -s " " | cut -d" " -f1,2 >actual &&
	echo "items 3" >expect &&
	test_cmp expect actual &&
	test_grep "^2 tables, database size " out
'

test_expect_success JQ 'stats --json gives rows, sizes and whether rows are estimates' '
	strata stats --exact --json >out.json &&
	jq -r ".command, (.tables | length)" out.json >actual &&
	printf "stats\n2\n" >expect &&
	test_cmp expect actual &&
	jq -r ".tables[] | select(.name == \"items\") | \"\(.rows) \(.rows_estimated)\"" out.json >actual &&
	echo "3 false" >expect &&
	test_cmp expect actual &&
	jq -e ".total_bytes > 0" out.json &&
	jq -e ".tables[] | select(.name == \"items\") | .bytes > 0" out.json
'

test_expect_success POSTGRES 'stats on PostgreSQL marks estimated row counts with ~' '
	strata stats >out &&
	grep "^items " out | tr -s " " | cut -d" " -f2 >actual &&
	grep "^~" actual
'

test_expect_success 'inspect with an unknown --format is bad usage' '
	use_fresh_db &&
	test_expect_code 2 strata inspect --format xml >out 2>err &&
	test_must_be_empty out &&
	test_grep "unknown format .xml." err
'

test_expect_success 'dump to a path that cannot be written fails and says why' '
	use_fresh_db &&
	db_sql "CREATE TABLE t (id INTEGER PRIMARY KEY)" &&
	test_expect_code 1 strata dump no-such-dir/schema.sql >out 2>err &&
	test_grep "cannot write .no-such-dir/schema.sql.: No such file or directory" err &&
	test_path_is_missing no-such-dir
'

test_expect_success 'dump FILE replaces the file whole, with the mode the umask gives' '
	use_fresh_db &&
	db_sql "CREATE TABLE t (id INTEGER PRIMARY KEY)" &&
	echo old >schema.sql &&
	(umask 027 && strata dump schema.sql >out) &&
	strata dump >expect &&
	test_cmp expect schema.sql &&
	ls -l schema.sql | cut -c1-10 >actual &&
	echo "-rw-r-----" >expect &&
	test_cmp expect actual &&
	ls >listing &&
	test_grep ! "tmp" listing
'

test_expect_success 'dump - writes to stdout, and a second FILE is bad usage' '
	strata dump - >out &&
	test_grep "CREATE TABLE" out &&
	test_expect_code 2 strata dump a.sql b.sql 2>err &&
	test_grep "at most one FILE" err
'

test_expect_success 'a database that cannot be reached fails with exit 1' '
	if test_have_engine sqlite
	then
		mkdir -p dir.db &&
		test_expect_code 2 strata -u "sqlite:$TRASH/dir.db" dump >out 2>err
	else
		test_expect_code 1 strata -u "postgres://strata:x@127.0.0.1:1/nope" dump >out 2>err
	fi &&
	test_must_be_empty out &&
	test_grep "strata: error:" err
'

for cmd in inspect dump stats
do
	test_expect_success "the SYNOPSIS of docs/strata-$cmd.md is the usage line of $cmd -h" '
		strata $cmd -h >help &&
		head -n 1 help | sed "s/^usage: //" >expect &&
		sed -n "/^## SYNOPSIS/,/^## /p" "$SRCDIR/docs/strata-$cmd.md" | sed -n "/^strata /p" >actual &&
		test_cmp expect actual
	'
done

test_done
