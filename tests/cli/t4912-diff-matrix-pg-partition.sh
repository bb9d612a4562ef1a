#!/bin/bash
test_description='the diff matrix, PostgreSQL: partitioning and inheritance

Partitioned tables (RANGE, LIST, HASH, a partition partitioned again),
partitions with bounds and DEFAULT, a new partition on an existing parent,
a partition dropped, a bound changed (detach, attach again; and one that
would lose rows, which the server refuses), columns, keys, CHECKs and
indexes added once on a partitioned parent, INHERITS created, added to an
existing table, and a column added to an inheritance parent. For each
fixture pair pgpart-* under tests/fixtures/diff/postgres/, the generated
migration takes a database at A (with rows) to B and its down back to A,
diff(B, B) is empty (see tests/cli/lib-diff-matrix.sh; the fingerprint
reads pg_partitioned_table and pg_inherits). Then what strata refuses:
a changed partition key, a table that becomes partitioned, a partition
column of its own.'
test_engines=postgres
test_builds=sanitized
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-diff-matrix.sh"

matrix_run 'pgpart-*'

# What no ALTER can do is refused by diff, generate and push alike: one
# line naming the table, exit 1, nothing written, the database unchanged.
refused_everywhere() {
	local words=$1 sum
	sum=$(db_checksum -u "$db") &&
	for cmd in "diff --from $db --to schema.sql" "generate --dry-run x" "generate x" \
		"push --dry-run" "push --force --allow-destructive"
	do
		test_expect_code 1 strata -u "$db" $dev_opt -s schema.sql $cmd >out 2>err &&
		test_grep -F "$words" err &&
		test_line_count = 1 err &&
		test_must_be_empty out &&
		ls migrations >files &&
		echo 0001_a.sql >expect &&
		test_cmp expect files &&
		test "$(db_checksum -u "$db")" = "$sum" || return 1
	done
}

test_expect_success 'setup: a partitioned table and a plain one, with rows' '
	db=$(fresh_db) &&
	mkdir migrations &&
	cat >migrations/0001_a.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE m (id integer NOT NULL, v text) PARTITION BY RANGE (id);
	CREATE TABLE m_low PARTITION OF m FOR VALUES FROM (0) TO (10);
	CREATE TABLE p (id integer NOT NULL);
	-- migrate:down
	DROP TABLE m, p;
	EOF
	strata -u "$db" up >out &&
	db_sql -u "$db" "INSERT INTO m VALUES (1, '"'a'"'); INSERT INTO p VALUES (1);"
'

test_expect_success 'a changed partition key is refused, naming the table' '
	cat >schema.sql <<-\EOF &&
	CREATE TABLE m (id integer NOT NULL, v text) PARTITION BY LIST (id);
	CREATE TABLE m_low PARTITION OF m FOR VALUES IN (1, 2);
	CREATE TABLE p (id integer NOT NULL);
	EOF
	refused_everywhere "table m changes its partition key (RANGE (id) -> LIST (id)): PostgreSQL cannot do that in place"
'

test_expect_success 'a plain table that becomes partitioned is refused' '
	cat >schema.sql <<-\EOF &&
	CREATE TABLE m (id integer NOT NULL, v text) PARTITION BY RANGE (id);
	CREATE TABLE m_low PARTITION OF m FOR VALUES FROM (0) TO (10);
	CREATE TABLE p (id integer NOT NULL) PARTITION BY HASH (id);
	EOF
	refused_everywhere "table p becomes partitioned (a plain table -> HASH (id))"
'

test_expect_success 'a partition that becomes a plain table is refused (and the reverse)' '
	cat >schema.sql <<-\EOF &&
	CREATE TABLE m (id integer NOT NULL, v text) PARTITION BY RANGE (id);
	CREATE TABLE m_low (id integer NOT NULL, v text);
	CREATE TABLE p (id integer NOT NULL);
	EOF
	refused_everywhere "table m_low stops being a partition (a partition -> a plain table)" &&
	cat >schema.sql <<-\EOF &&
	CREATE TABLE m (id integer NOT NULL, v text) PARTITION BY RANGE (id);
	CREATE TABLE m_low PARTITION OF m FOR VALUES FROM (0) TO (10);
	CREATE TABLE p PARTITION OF m FOR VALUES FROM (10) TO (20);
	EOF
	refused_everywhere "table p becomes a partition (a plain table -> a partition)"
'

test_expect_success 'the plan: a column and an index added once, on the parent alone' '
	strata -u "$db" $dev_opt diff --from "$matrix/pgpart-add-column-parent/a.sql" \
		--to "$matrix/pgpart-add-column-parent/b.sql" >plan.sql &&
	test_grep ! "m_a\|m_b" plan.sql &&
	grep -c "^ALTER TABLE public.m ADD COLUMN" plan.sql >n &&
	echo 2 >expect &&
	test_cmp expect n &&
	strata -u "$db" $dev_opt diff --from "$matrix/pgpart-index-parent/a.sql" \
		--to "$matrix/pgpart-index-parent/b.sql" >plan.sql &&
	test_grep "^CREATE INDEX h_v ON public.h USING btree (v);" plan.sql &&
	test_grep ! "ON ONLY\|ON public.h[01] " plan.sql
'

test_expect_success 'the plan: a bound change detaches, then attaches with the new bound' '
	strata -u "$db" $dev_opt diff --from "$matrix/pgpart-bound-change/a.sql" \
		--to "$matrix/pgpart-bound-change/b.sql" >plan.sql &&
	grep -v "^--" plan.sql >stmts &&
	cat >expect <<-\EOF &&
	ALTER TABLE public.m DETACH PARTITION public.m_low;
	ALTER TABLE public.m ATTACH PARTITION public.m_low FOR VALUES FROM (0) TO (5);
	CREATE TABLE public.m_mid PARTITION OF public.m FOR VALUES FROM (5) TO (10);
	EOF
	test_cmp expect stmts
'

test_expect_success 'the plan: a column added to an inheritance parent is added there alone' '
	strata -u "$db" $dev_opt diff --from "$matrix/pgpart-inherits-add-column/a.sql" \
		--to "$matrix/pgpart-inherits-add-column/b.sql" >plan.sql &&
	grep -v "^--" plan.sql >stmts &&
	test_grep ! "public.child" stmts &&
	test_grep "^ALTER TABLE public.base ADD COLUMN added integer DEFAULT 3;" stmts
'

test_expect_success 'push makes partitions and INHERITS; dump prints them; diff then sees none' '
	other=$(fresh_db) &&
	strata -u "$other" $dev_opt -s "$matrix/pgpart-keys/b.sql" push >out &&
	strata -u "$other" $dev_opt -s "$matrix/pgpart-inherits-create/b.sql" push \
		--allow-destructive >out &&
	strata -u "$other" dump >dump.sql &&
	test_grep "^CREATE TABLE public.child (" dump.sql &&
	test_grep "^) INHERITS (public.base, public.tag);" dump.sql &&
	strata -u "$other" $dev_opt diff --from "$other" --to "$matrix/pgpart-inherits-create/b.sql" \
		--exit-code >out &&
	test_must_be_empty out &&
	other2=$(fresh_db) &&
	strata -u "$other2" $dev_opt -s "$matrix/pgpart-keys/b.sql" push >out &&
	strata -u "$other2" dump >dump.sql &&
	test_grep "^CREATE TABLE public.orders_us PARTITION OF public.orders FOR VALUES IN (.r3.) PARTITION BY RANGE (id);" dump.sql &&
	test_grep "^CREATE TABLE public.orders_eu PARTITION OF public.orders ($" dump.sql &&
	test_grep "^CREATE TABLE public.orders_us_1 PARTITION OF public.orders_us FOR VALUES FROM (MINVALUE) TO (100);" dump.sql &&
	other3=$(fresh_db) &&
	db_sql -u "$other3" <dump.sql &&
	strata -u "$other3" $dev_opt diff --from "$other3" --to "$matrix/pgpart-keys/b.sql" \
		--exit-code >out &&
	test_must_be_empty out
'

test_expect_success 'the JSON model carries them: inspect --format json reads back the same' '
	strata -u "$other" inspect --format json >model.json &&
	jq -c ".tables[] | select(.name == \"child\") | [.partition_key, .partition_of, .inherits]" \
		model.json >actual &&
	echo "[null,null,[{\"schema\":\"public\",\"name\":\"base\"},{\"schema\":\"public\",\"name\":\"tag\"}]]" >expect &&
	test_cmp expect actual &&
	strata -u "$other2" inspect --format json >model2.json &&
	jq -c ".tables[] | select(.name == \"orders_us\") | [.partition_key, .partition_of, .columns]" \
		model2.json >actual &&
	echo "[\"RANGE (id)\",{\"schema\":\"public\",\"name\":\"orders\",\"bound\":\"FOR VALUES IN ('"'"'r3'"'"')\"},[]]" >expect &&
	test_cmp expect actual &&
	strata -u "$other" $dev_opt diff --from "$other" --to model.json --exit-code >out &&
	test_must_be_empty out &&
	strata -u "$other2" $dev_opt diff --from "$other2" --to model2.json --exit-code >out &&
	test_must_be_empty out
'

test_done
