#!/bin/bash
test_description='the diff matrix: attributes the PostgreSQL catalogs store

Deferrable keys, identity options and serial <-> identity, NO INHERIT,
materialized views WITH NO DATA, extension versions: each fixture pair
pgattr-* goes through the matrix (tests/cli/lib-diff-matrix.sh), and the
serial <-> identity cases are checked to keep handing out new keys. Both
engines: sqldef'"'"'s rename hint (-- @renamed from=old) is read as strata'"'"'s.'
test_engines='sqlite postgres'
test_builds=sanitized
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-diff-matrix.sh"

# pgattr-i* to pgattr-r* and pgattr-t* to pgattr-z* run in t4909 (the two
# halves run side by side).
matrix_run 'pgattr-[a-h]* pgattr-s*'

# sqldef's hint must make a rename, which the matrix cannot tell from a
# drop and an add (the values it compares are those of columns of one name).
test_expect_success 'sqldef hint: -- @renamed from=a renames the column, keeping its values' '
	dir=$FIXTURES/diff/$STRATA_TEST_ENGINE/pgattr-sqldef-rename-column &&
	db=$(fresh_db) &&
	db_sql -u "$db" <"$dir/a.sql" &&
	db_sql -u "$db" "INSERT INTO t VALUES (1, '"'"'kept'"'"', 2);" &&
	strata -u "$db" $dev_opt -s "$dir/b.sql" push >push.out &&
	echo kept >expect &&
	db_sql -u "$db" "SELECT title FROM t" >actual &&
	test_cmp expect actual
'

test_expect_success 'sqldef hint: -- @renamed from=t on CREATE TABLE renames the table' '
	dir=$FIXTURES/diff/$STRATA_TEST_ENGINE/pgattr-sqldef-rename-table &&
	db=$(fresh_db) &&
	db_sql -u "$db" <"$dir/a.sql" &&
	db_sql -u "$db" "INSERT INTO t VALUES (1, '"'"'kept'"'"', 2);" &&
	strata -u "$db" $dev_opt -s "$dir/b.sql" push >push.out &&
	echo "1|kept|2" >expect &&
	db_sql -u "$db" "SELECT * FROM items" >actual &&
	test_cmp expect actual
'

test_expect_success 'sqldef hint without from=NAME: exit 2, one line naming the line, nothing changed' '
	db=$(fresh_db) &&
	db_sql -u "$db" "CREATE TABLE t (id integer PRIMARY KEY, a text);" &&
	printf "CREATE TABLE t (id integer PRIMARY KEY,\n  title text -- @renamed a\n);\n" >bad.sql &&
	before=$(db_checksum -u "$db") &&
	test_expect_code 2 strata -u "$db" $dev_opt -s bad.sql push 2>err &&
	test_line_count = 1 err &&
	test_grep "bad.sql:2: .*@renamed.* needs from=OLD_NAME" err &&
	test "$(db_checksum -u "$db")" = "$before"
'

test_expect_success 'a comment that only mentions @renamed_x is no hint' '
	db=$(fresh_db) &&
	db_sql -u "$db" "CREATE TABLE t (id integer PRIMARY KEY, a text);" &&
	printf "CREATE TABLE t (id integer PRIMARY KEY, -- @renamedly\n  a text);\n" >ok.sql &&
	strata -u "$db" $dev_opt diff --from "$db" --to ok.sql --exit-code >out &&
	test_must_be_empty out
'

if [ "$STRATA_TEST_ENGINE" = postgres ]; then

# A database at a.sql of case $1 whose rows took their keys from the
# column's own sequence, migrated to b.sql: the next INSERT that leaves
# the key to the column must get a fresh key, after up and after down.
next_insert_works() {
	local dir=$FIXTURES/diff/postgres/$1 db
	mkdir "next-$1" && cd "next-$1" &&
	db=$(fresh_db) &&
	mkdir migrations &&
	{ printf -- "-- migrate:up\n"; cat "$dir/a.sql"; } >migrations/0001_a.sql &&
	strata -u "$db" up >/dev/null &&
	db_sql -u "$db" <"$dir/rows.sql" &&
	strata -u "$db" $dev_opt -s "$dir/b.sql" generate step >gen.out &&
	strata -u "$db" up >/dev/null &&
	db_sql -u "$db" "INSERT INTO t (a) VALUES ('after up') RETURNING id" >id.up &&
	echo 4 >expect &&
	test_cmp expect id.up &&
	strata -u "$db" down >/dev/null &&
	db_sql -u "$db" "INSERT INTO t (a) VALUES ('after down') RETURNING id" >id.down &&
	echo 5 >expect &&
	test_cmp expect id.down
}

test_expect_success 'serial -> identity: the identity continues after the sequence' '
	next_insert_works pgattr-serial-to-identity
'

test_expect_success 'identity -> serial: the sequence continues after the identity' '
	next_insert_works pgattr-identity-to-serial
'

test_expect_success 'CREATE EXTENSION keeps its VERSION and adds no comment of its own' '
	db=$(fresh_db) &&
	strata -u "$db" $dev_opt diff --from "$db" \
		--to "$FIXTURES/diff/postgres/pgattr-extension-version/b.sql" >ext.sql &&
	test_grep "^CREATE EXTENSION IF NOT EXISTS hstore .*VERSION '"'"'1.4'"'"';" ext.sql &&
	test_grep ! "COMMENT ON EXTENSION" ext.sql
'

test_expect_success 'a schema file'"'"'s matviews are populated in its model unless WITH NO DATA' '
	db=$(fresh_db) &&
	strata -u "$db" $dev_opt diff --from "$db" \
		--to "$FIXTURES/diff/postgres/pgattr-matview-populated/b.sql" >mvp.sql &&
	for v in public.mv s.mv2 s.mv3
	do
		sed -n "/CREATE MATERIALIZED VIEW $v /,/;\$/p" mvp.sql >one.sql &&
		test -s one.sql &&
		test_grep ! "WITH NO DATA" one.sql || return 1
	done &&
	sed -n "/CREATE MATERIALIZED VIEW public.mv4 /,/;\$/p" mvp.sql >one.sql &&
	test_grep "WITH NO DATA" one.sql
'

test_expect_success 'the matview read-back runs none of the file'"'"'s functions' '
	db=$(fresh_db) &&
	cat >hostile.sql <<-\EOF &&
	SET search_path = public, pg_catalog;
	CREATE TABLE t (id integer);
	CREATE FUNCTION public.to_regclass(text) RETURNS regclass LANGUAGE plpgsql
	    AS $$BEGIN RAISE EXCEPTION '"'"'the file ran'"'"'; END$$;
	CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;
	EOF
	strata -u "$db" $dev_opt diff --from "$db" --to hostile.sql >hostile.out &&
	test_grep "CREATE MATERIALIZED VIEW public.mv AS" hostile.out &&
	test_grep ! "WITH NO DATA" hostile.out
'

# A --dev-url database is somebody'"'"'s: what a schema file did to its public
# schema (which strata never drops) is undone, and does not leak into the
# model of the next file read there.
test_expect_success 'the dev database'"'"'s public schema gets its comment, owner and ACL back' '
	pubdev=$(fresh_db) && db=$(fresh_db) &&
	db_sql -u "$pubdev" "DO \$\$BEGIN CREATE ROLE t4907_pub_owner;
		EXCEPTION WHEN duplicate_object THEN NULL; END\$\$;
		COMMENT ON SCHEMA public IS '"'"'mine'"'"';" &&
	pub_state="SELECT obj_description(oid, '"'"'pg_namespace'"'"'), nspowner::regrole, nspacl
		FROM pg_namespace WHERE nspname = '"'"'public'"'"'" &&
	db_sql -u "$pubdev" "$pub_state" >pub.before &&
	cat >pub.sql <<-\EOF &&
	CREATE TABLE t (id integer);
	COMMENT ON SCHEMA public IS '"'"'theirs'"'"';
	GRANT CREATE ON SCHEMA public TO PUBLIC;
	REVOKE USAGE ON SCHEMA public FROM pg_database_owner;
	ALTER SCHEMA public OWNER TO t4907_pub_owner;
	EOF
	strata -u "$db" --dev-url "$pubdev" diff --from "$db" --to pub.sql >pub.out &&
	test_grep "COMMENT ON SCHEMA public IS '"'"'theirs'"'"'" pub.out &&
	db_sql -u "$pubdev" "$pub_state" >pub.after &&
	test_cmp pub.before pub.after &&
	echo "CREATE TABLE t (id integer);" >plain.sql &&
	strata -u "$db" --dev-url "$pubdev" diff --from "$db" --to plain.sql >plain.out &&
	test_grep ! "COMMENT ON SCHEMA" plain.out &&
	db_sql -u "$pubdev" "$pub_state" >pub.after &&
	test_cmp pub.before pub.after
'

test_expect_success 'a populated materialized view is not emptied for WITH NO DATA' '
	db=$(fresh_db) &&
	db_sql -u "$db" <"$FIXTURES/diff/postgres/pgattr-matview-no-data/b.sql" &&
	db_sql -u "$db" "INSERT INTO t VALUES (1, '"'"'x'"'"'); REFRESH MATERIALIZED VIEW mv;" &&
	strata -u "$db" $dev_opt diff --from "$db" \
		--to "$FIXTURES/diff/postgres/pgattr-matview-no-data/b.sql" --exit-code >mv.out &&
	test_must_be_empty mv.out &&
	echo 1 >expect &&
	db_sql -u "$db" "SELECT count(*) FROM mv" >actual &&
	test_cmp expect actual
'

test_expect_success 'dump keeps NOT VALID, MATCH FULL, WITH NO DATA, storage parameters and column settings' '
	db=$(fresh_db) && db2=$(fresh_db) &&
	db_sql -u "$db" <<-\EOF &&
	CREATE TABLE p (a integer, b integer, UNIQUE (a, b));
	CREATE TABLE t (id integer PRIMARY KEY DEFERRABLE, a integer, b integer, n integer,
	    FOREIGN KEY (a, b) REFERENCES p (a, b) MATCH FULL) WITH (fillfactor = 70);
	ALTER TABLE t ADD CONSTRAINT t_n_check CHECK (n > 0) NO INHERIT NOT VALID;
	CREATE MATERIALIZED VIEW mv AS SELECT id FROM t WITH NO DATA;
	ALTER TABLE p ADD COLUMN note text COMPRESSION pglz;
	ALTER TABLE p ALTER COLUMN note SET STORAGE EXTERNAL, ALTER COLUMN a SET STATISTICS 200;
	EOF
	strata -u "$db" dump >dump.sql &&
	db_sql -u "$db2" <dump.sql &&
	fingerprint "$db" >fp.expect &&
	fingerprint "$db2" >fp.actual &&
	test_cmp fp.expect fp.actual &&
	strata -u "$db2" dump >dump2.sql &&
	test_cmp dump.sql dump2.sql
'

fi

test_done
