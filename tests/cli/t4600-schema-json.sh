#!/bin/bash
test_description='desired-state sources beyond one .sql file

--schema (and diff --from/--to) read strata'"'"'s own model JSON (what
inspect --format json writes), a folder of resource definitions (one JSON
file per table, docs/schema-json.md), and a folder of .sql files read in
name order; generate --from-db starts from the live database. Every mistake
in a JSON file is one line naming the file and the JSON path, exit 2, and
nothing changes.'
test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

# The worked example of docs/schema-json.md: seed 000'"'"'s table and one that
# references it.
write_meta() {
	rm -rf meta && mkdir meta &&
	cat >meta/your_table_name.json <<-\EOF &&
	{
	  "name": "your_table_name",
	  "fields": {
	    "id": { "type": "text", "primary": true },
	    "field1": "text",
	    "field2": { "type": "integer", "default": 0 }
	  }
	}
	EOF
	cat >meta/posts.json <<-\EOF
	{
	  "name": "posts",
	  "fields": {
	    "id": { "type": "uuid", "primary": true },
	    "owner_id": { "type": "text", "required": true,
	                  "references": "your_table_name.id", "onDelete": "cascade" },
	    "title": { "type": "text", "required": true },
	    "published": { "type": "boolean", "default": false },
	    "score": { "type": "real", "default": 1.5 },
	    "body": "json",
	    "created_at": { "type": "datetime", "default": { "sql": "CURRENT_TIMESTAMP" } }
	  },
	  "indexes": [
	    { "fields": ["owner_id", "created_at"] },
	    { "name": "posts_live_title", "fields": ["title"], "unique": true, "where": "published" }
	  ],
	  "unique": [ ["owner_id", "title"] ],
	  "checks": [ "length(title) > 0" ]
	}
	EOF
}

test_expect_success 'a folder of resource definitions is a schema: push makes it' '
	use_fresh_db &&
	write_meta &&
	strata -s meta push >out 2>err &&
	test_grep "create_table *posts" out &&
	test_grep "create_table *your_table_name" out &&
	db_tables >tables &&
	printf "posts\nyour_table_name\n" >expect &&
	test_cmp expect tables &&
	strata diff --from "$DATABASE_URL" --to meta --exit-code >out &&
	test_must_be_empty out
'

test_expect_success 'the definitions mean what docs/schema-json.md says' '
	db_sql "INSERT INTO your_table_name (id) VALUES ('"'"'a'"'"');
	        INSERT INTO posts (id, owner_id, title) VALUES ('"'"'00000000-0000-0000-0000-000000000001'"'"', '"'"'a'"'"', '"'"'t'"'"');" &&
	db_sql "SELECT field2, score FROM your_table_name, posts" >out &&
	echo "0|1.5" >expect &&
	test_cmp expect out &&
	test_must_fail db_sql "INSERT INTO posts (id, owner_id, title) VALUES ('"'"'00000000-0000-0000-0000-000000000002'"'"', '"'"'a'"'"', '"'"''"'"')" 2>/dev/null &&
	test_must_fail db_sql "INSERT INTO posts (id, owner_id) VALUES ('"'"'00000000-0000-0000-0000-000000000003'"'"', '"'"'a'"'"')" 2>/dev/null &&
	test "$(db_sql "SELECT count(*) FROM posts")" = 1
'

test_expect_success 'a field added to a definition is one ADD COLUMN' '
	cat >meta/your_table_name.json <<-\EOF &&
	{
	  "name": "your_table_name",
	  "fields": {
	    "id": { "type": "text", "primary": true },
	    "field1": "text",
	    "field2": { "type": "integer", "default": 0 },
	    "field3": { "type": "date" }
	  }
	}
	EOF
	strata diff --from "$DATABASE_URL" --to meta >out &&
	test_grep -i "^ALTER TABLE \(public\.\)\?your_table_name ADD COLUMN field3 \(TEXT\|date\);$" out &&
	test_line_count = 1 out
'

test_expect_success 'an autoIncrement key counts up by itself' '
	rm -rf counted && mkdir counted &&
	echo "{\"name\": \"items\", \"fields\": {\"id\": {\"type\": \"integer\", \"primary\": true, \"autoIncrement\": true}, \"label\": \"text\"}}" >counted/items.json &&
	url=$(fresh_db) &&
	strata -u "$url" -s counted push >out &&
	db_sql -u "$url" "INSERT INTO items (label) VALUES ('"'"'a'"'"'); INSERT INTO items (label) VALUES ('"'"'b'"'"');" &&
	test "$(db_sql -u "$url" "SELECT max(id) FROM items")" = 2 &&
	strata -u "$url" diff --from "$url" --to counted --exit-code >out &&
	test_must_be_empty out
'

test_expect_success 'inspect --format json, read back as --to: no difference' '
	db_sql "CREATE VIEW titles AS SELECT title FROM posts" &&
	strata inspect --format json >m.json &&
	strata diff --from "$DATABASE_URL" --to m.json >out 2>err &&
	test_must_be_empty out &&
	strata diff --from m.json --to "$DATABASE_URL" --exit-code &&
	strata -s m.json push --dry-run >out &&
	test_grep "nothing to push\|no changes\|0 changes" out
'

test_expect_success POSTGRES 'the model round trip holds PostgreSQL objects too' '
	db_sql "CREATE TYPE mood AS ENUM ('"'"'ok'"'"', '"'"'sad'"'"');
	        CREATE SEQUENCE invoice_no START 1000;
	        CREATE TABLE feelings (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, m mood NOT NULL,
	                               n integer DEFAULT nextval('"'"'invoice_no'"'"'));
	        COMMENT ON TABLE feelings IS '"'"'how it went'"'"';" &&
	strata inspect --format json >m.json &&
	strata diff --from "$DATABASE_URL" --to m.json >out &&
	test_must_be_empty out
'

test_expect_success 'a model of the other engine is refused by name' '
	if test_have_engine sqlite; then other=postgres; else other=sqlite; fi &&
	printf "{\"engine\": \"%s\", \"tables\": []}\n" $other >other.json &&
	test_expect_code 2 strata diff --from "$DATABASE_URL" --to other.json 2>err &&
	test_line_count = 1 err &&
	test_grep "other.json: \$.engine: a $other model" err
'

test_expect_success 'a folder of .sql files is one schema, read in name order' '
	use_fresh_db &&
	rm -rf split && mkdir split &&
	echo "CREATE TABLE b_child (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a_parent (id));" >split/20-child.sql &&
	echo "CREATE TABLE a_parent (id INTEGER PRIMARY KEY);" >split/10-parent.sql &&
	echo "not part of the schema" >split/README.md &&
	strata -s split push >out &&
	printf "a_parent\nb_child\n" >expect &&
	db_tables >tables &&
	test_cmp expect tables &&
	strata diff --from "$DATABASE_URL" --to split --exit-code >out &&
	test_must_be_empty out
'

test_expect_success 'a .sql error in a folder names its file and line' '
	printf "\n\nCREATE TABLEX c (id INTEGER);\n" >split/30-bad.sql &&
	test_expect_code 2 strata diff --from "$DATABASE_URL" --to split 2>err &&
	test_grep "split/30-bad.sql:3" err &&
	rm split/30-bad.sql
'

test_expect_success 'a migrations directory stays a migrations directory for diff' '
	rm -rf migrations && mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a_parent (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE a_parent;\n" >migrations/0001_a.sql &&
	strata diff --from migrations --to split >out &&
	test_grep -i "create table \(public\.\)\?b_child" out &&
	test_expect_code 2 strata -s migrations push --dry-run 2>err &&
	test_grep "0001_a.sql: a migration file" err
'

test_expect_success 'generate --from-db starts from the live database' '
	use_fresh_db &&
	rm -rf migrations && mkdir migrations &&
	write_meta &&
	db_sql "CREATE TABLE your_table_name (id TEXT PRIMARY KEY NOT NULL, field1 TEXT);" &&
	before=$(db_checksum) &&
	strata -s meta generate pull --from-db >out &&
	test "$(db_checksum)" = "$before" &&
	test_grep "^created migrations/.*_pull.sql" out &&
	file=$(sed -n "s/^created //p" out) &&
	test_grep -i "create table \(public\.\)\?posts" "$file" &&
	test_grep -i "field2" "$file" &&
	strata up >out &&
	strata diff --from "$DATABASE_URL" --to meta --exit-code >out &&
	strata -s meta generate again --from-db >out &&
	test_grep "nothing to generate: the database already produces meta" out
'

test_expect_success 'without --from-db generate starts from the migrations' '
	rm -rf migrations && mkdir migrations &&
	strata -s meta generate --dry-run whole >out &&
	test_grep -i "create table \(public\.\)\?your_table_name" out
'

# bad_meta NAME: meta/NAME.json from stdin beside a good table; push
# must exit 2 with one line on stderr, and change nothing.
bad_meta() {
	write_meta &&
	cat >"meta/$1.json" &&
	before=$(db_checksum) &&
	test_expect_code 2 strata -s meta push --allow-destructive >out 2>err &&
	test_line_count = 1 err &&
	test "$(db_checksum)" = "$before"
}

test_expect_success 'bad input: a database that push manages, with rows' '
	use_fresh_db &&
	write_meta &&
	strata -s meta push >out &&
	db_sql "INSERT INTO your_table_name (id) VALUES ('"'"'a'"'"')"
'

test_expect_success 'an unknown key is named with its file and path' '
	bad_meta zz <<-\EOF &&
	{ "name": "zz", "fields": { "a": { "type": "text", "requird": true } } }
	EOF
	test_grep "meta/zz.json: \$.fields.a.requird: unknown key" err
'

test_expect_success 'an unknown type is named' '
	bad_meta zz <<-\EOF &&
	{ "name": "zz", "fields": { "a": { "type": "strin" } } }
	EOF
	test_grep "meta/zz.json: \$.fields.a.type: unknown type .strin." err
'

test_expect_success 'a reference to a missing table or field is named' '
	bad_meta zz <<-\EOF &&
	{ "name": "zz", "fields": { "a": { "type": "text", "references": "nowhere.id" } } }
	EOF
	test_grep "meta/zz.json: \$.fields.a.references: no table .nowhere." err &&
	bad_meta zz <<-\EOF &&
	{ "name": "zz", "fields": { "a": { "type": "text", "references": "posts.nope" } } }
	EOF
	test_grep "table .posts. has no field .nope." err &&
	bad_meta zz <<-\EOF &&
	{ "name": "zz", "fields": { "a": "text" }, "indexes": [ { "fields": ["b"] } ] }
	EOF
	test_grep "meta/zz.json: \$.indexes\[0\].fields\[0\]: table .zz. has no field .b." err
'

test_expect_success 'a table defined twice is named with both files' '
	bad_meta zz <<-\EOF &&
	{ "name": "posts", "fields": { "a": "text" } }
	EOF
	test_grep "table .posts. is defined twice" err
'

test_expect_success 'invalid JSON, duplicate keys, invalid UTF-8: file, line and column' '
	bad_meta zz <<-\EOF &&
	{ "name": "zz", "fields": { "a": "text", } }
	EOF
	test_grep "meta/zz.json:1:[0-9]*: invalid JSON" err &&
	bad_meta zz <<-\EOF &&
	{ "name": "zz", "name": "yy", "fields": { "a": "text" } }
	EOF
	test_grep "meta/zz.json:1:[0-9]*: invalid JSON: duplicate object key" err &&
	printf "{ \"name\": \"z\\377\", \"fields\": { \"a\": \"text\" } }\n" | bad_meta zz &&
	test_grep "meta/zz.json:1:[0-9]*: invalid JSON" err
'

test_expect_success 'deep nesting and huge numbers are errors, not crashes' '
	awk "BEGIN { for (i = 0; i < 100000; i++) printf \"[\"; print \"\" }" | bad_meta zz &&
	test_grep "meta/zz.json:1:[0-9]*: invalid JSON" err &&
	bad_meta zz <<-\EOF &&
	{ "name": "zz", "fields": { "a": { "type": "integer", "default": 123456789012345678901234567890 } } }
	EOF
	test_grep "meta/zz.json:1:[0-9]*: invalid JSON: too big integer" err &&
	bad_meta zz <<-\EOF &&
	{ "name": "zz", "fields": { "a": { "type": "real", "default": 1e999 } } }
	EOF
	test_grep "meta/zz.json:1:[0-9]*: invalid JSON: real number overflow" err
'

test_expect_success 'an expression cannot end the statement it goes into' '
	bad_meta zz <<-\EOF &&
	{ "name": "zz", "fields": { "a": "text" }, "checks": [ "a > 0); DROP TABLE posts; --" ] }
	EOF
	test_grep "meta/zz.json: \$.checks\[0\]: " err
'

test_expect_success 'a symlink out of the folder, a FIFO, a mixed folder: refused' '
	write_meta &&
	echo "{\"name\": \"secret\", \"fields\": {\"a\": \"text\"}}" >outside.json &&
	ln -s ../outside.json meta/zz.json &&
	test_expect_code 2 strata -s meta push 2>err &&
	test_grep "meta/zz.json: a symbolic link out of the folder" err &&
	rm meta/zz.json &&
	ln -s posts.json meta/zz_alias.json &&
	test_expect_code 2 strata -s meta push 2>err &&
	test_grep "table .posts. is defined twice" err &&
	rm meta/zz_alias.json &&
	mkfifo meta/zz.json &&
	test_expect_code 2 strata -s meta push 2>err &&
	test_grep "meta/zz.json: not a regular file" err &&
	rm meta/zz.json &&
	echo "CREATE TABLE q (a int);" >meta/zz.sql &&
	test_expect_code 2 strata -s meta push 2>err &&
	test_grep "both .json and .sql" err &&
	rm meta/zz.sql
'

test_done
