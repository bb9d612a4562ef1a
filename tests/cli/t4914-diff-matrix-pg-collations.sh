#!/bin/bash
test_description='the diff matrix, PostgreSQL: collations, statistics objects; INCLUDE with renames and foreign keys

Issue 22: user-defined collations (CREATE COLLATION, ICU and libc, FROM
another, non-deterministic) made before the columns, indexes and domains
that use them and dropped after them; a changed definition dropped and
created again when nothing uses it, refused with what uses it otherwise.
Extended statistics (CREATE STATISTICS) made after the columns they cover,
dropped and made again when their definition changes. For each fixture
pair pgcoll-*, pgstat-* and pginc-* under tests/fixtures/diff/postgres/,
the generated migration takes a database at A (with rows) to B and its
down back to A, diff(B, B) is empty (tests/cli/lib-diff-matrix.sh; the
fingerprint reads pg_collation and pg_statistic_ext).'
test_engines=postgres
test_builds=sanitized
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-diff-matrix.sh"

matrix_run 'pgcoll-* pgstat-* pginc-*'

test_expect_success 'a case-insensitive collation: push makes it before the column and index, diff then sees none' '
	db=$(fresh_db) &&
	db_sql -u "$db" "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);
	  INSERT INTO users VALUES (1, '"'Ann@x.org'"'), (2, '"'bob@x.org'"');" &&
	cat >schema.sql <<-\EOF &&
	CREATE COLLATION IF NOT EXISTS ci (provider = icu, locale = '"'und-u-ks-level2'"', deterministic = false);
	CREATE TABLE users (id integer PRIMARY KEY, email text COLLATE ci NOT NULL);
	CREATE UNIQUE INDEX users_email ON users (email);
	COMMENT ON TABLE users IS '"'people'"';
	EOF
	strata -u "$db" $dev_opt -s schema.sql push --dry-run >plan &&
	grep -n "^CREATE COLLATION public.ci (provider = icu, locale = '"'und-u-ks-level2'"', deterministic = false);$" plan >coll &&
	grep -n "^ALTER TABLE public.users ALTER COLUMN email TYPE text COLLATE ci;$" plan >col &&
	test "$(cut -d: -f1 coll)" -lt "$(cut -d: -f1 col)" &&
	strata -u "$db" $dev_opt -s schema.sql push >out 2>err &&
	db_sql -u "$db" "SELECT id FROM users WHERE email = '"'ANN@X.ORG'"'" >actual &&
	echo 1 >expect &&
	test_cmp expect actual &&
	strata -u "$db" $dev_opt diff --from "$db" --to schema.sql --exit-code >out &&
	test_must_be_empty out &&
	strata -u "$db" inspect --format json >model.json &&
	jq -cS ".collations" model.json >actual &&
	echo "[{\"deterministic\":false,\"lc_collate\":null,\"lc_ctype\":null,\"locale\":\"und-u-ks-level2\",\"name\":\"ci\",\"provider\":\"icu\",\"rules\":null,\"schema\":\"public\"}]" >expect &&
	test_cmp expect actual &&
	strata -u "$db" dump >dump.sql &&
	test_grep -F "CREATE COLLATION public.ci (provider = icu, locale = '"'und-u-ks-level2'"', deterministic = false);" dump.sql
'

test_expect_success 'a collation in use whose definition changes: refused, naming the column, nothing run' '
	sed "s/ks-level2/ks-level1/" schema.sql >schema2.sql &&
	before=$(db_checksum -u "$db") &&
	test_expect_code 1 strata -u "$db" $dev_opt -s schema2.sql push >out 2>err &&
	test_grep "collation public.ci cannot be changed in place (its locale changes from '"'und-u-ks-level2'"' to '"'und-u-ks-level1'"') and column public.users.email uses it: PostgreSQL can only drop and create it again, which needs it unused$" err &&
	test_line_count = 1 err &&
	test_expect_code 1 strata -u "$db" $dev_opt diff --from "$db" --to schema2.sql >out 2>err &&
	test_grep "collation public.ci cannot be changed in place" err &&
	test "$(db_checksum -u "$db")" = "$before"
'

test_expect_success 'push drops a collation schema.sql no longer holds, after the column that used it' '
	cat >schema3.sql <<-\EOF &&
	CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);
	COMMENT ON TABLE users IS '"'people'"';
	EOF
	strata -u "$db" $dev_opt -s schema3.sql push --dry-run >plan &&
	grep -n "^DROP COLLATION public.ci;$" plan >drop &&
	grep -n "ALTER COLUMN email TYPE text;$" plan >col &&
	test "$(cut -d: -f1 col)" -lt "$(cut -d: -f1 drop)" &&
	strata -u "$db" $dev_opt -s schema3.sql push --allow-destructive >out 2>err &&
	db_sql -u "$db" "SELECT count(*) FROM pg_collation WHERE collname = '"'ci'"'" >actual &&
	echo 0 >expect &&
	test_cmp expect actual &&
	db_sql -u "$db" "SELECT count(*) FROM users" >actual &&
	echo 2 >expect &&
	test_cmp expect actual
'

test_expect_success 'statistics objects: push makes them after the columns, diff then sees none, a change remakes them' '
	db=$(fresh_db) &&
	db_sql -u "$db" "CREATE TABLE orders (id integer PRIMARY KEY, city text, zip text);
	  INSERT INTO orders VALUES (1, '"'Paris'"', '"'75001'"');" &&
	cat >schema.sql <<-\EOF &&
	CREATE TABLE orders (id integer PRIMARY KEY, city text, zip text, country text);
	CREATE STATISTICS IF NOT EXISTS orders_geo (dependencies, ndistinct) ON city, zip, country FROM orders;
	EOF
	strata -u "$db" $dev_opt -s schema.sql push --dry-run >plan &&
	grep -n "^ALTER TABLE public.orders ADD COLUMN country text;$" plan >col &&
	grep -n "^CREATE STATISTICS public.orders_geo (ndistinct, dependencies) ON city, zip, country FROM public.orders;$" plan >st &&
	test "$(cut -d: -f1 col)" -lt "$(cut -d: -f1 st)" &&
	strata -u "$db" $dev_opt -s schema.sql push >out 2>err &&
	strata -u "$db" $dev_opt diff --from "$db" --to schema.sql --exit-code >out &&
	test_must_be_empty out &&
	strata -u "$db" inspect --format json >model.json &&
	jq -r ".statistics[] | .definition" model.json >actual &&
	echo "CREATE STATISTICS public.orders_geo (ndistinct, dependencies) ON city, zip, country FROM public.orders" >expect &&
	test_cmp expect actual &&
	sed "s/(dependencies, ndistinct)/(mcv)/" schema.sql >schema2.sql &&
	strata -u "$db" $dev_opt -s schema2.sql push >out 2>err &&
	db_sql -u "$db" "SELECT stxkind FROM pg_statistic_ext" >actual &&
	echo "{m}" >expect &&
	test_cmp expect actual &&
	db_sql -u "$db" "SELECT count(*) FROM orders" >actual &&
	echo 1 >expect &&
	test_cmp expect actual
'

test_done
