#!/bin/bash
test_description='PostgreSQL: what the model does not carry is refused or said, never dropped

A schema file is run in a scratch database and read back into the model;
what the model does not carry (column options of a partition, base
types, rules, aggregates ...; partitioning, inheritance, domains,
composite and range types and EXCLUDE are carried since issue 22, t4911
and t4912, collations and statistics objects t4914) would be read back without it and left out of the plan. So push,
generate and diff --to refuse it before anything runs, with FILE:LINE and
the construct, exit 2. GRANT, REVOKE and OWNER TO are skipped with a
warning (strata does not manage privileges or owners). A live database
or a migrations replay holding such objects is read with a warning naming
them, never a silent "no difference".'
test_engines='postgres'
. "$(dirname "$0")/test-lib.sh"

readers() {
	echo "diff --from $DATABASE_URL --to schema.sql"
	echo "generate --dry-run x"
	echo "push --dry-run"
	echo "push --allow-destructive"
}

test_expect_success 'setup: a live database with rows' '
	use_fresh_db &&
	db_sql "CREATE TABLE a (id integer PRIMARY KEY, r int4range); INSERT INTO a VALUES (1, NULL);" &&
	live_sum=$(db_checksum) &&
	dev=$(fresh_db) &&
	dev_sum=$(db_checksum -u "$dev")
'

# Each case: the construct on line 3 of a file whose first lines are
# fine; the words the refusal must name. Every reader refuses, nothing
# changes in the target or in the dev database.
while IFS='|' read -r stmt words
do
	test_expect_success "refused by every reader: $words" '
		printf "CREATE TABLE a (id integer PRIMARY KEY, r int4range);\n\n%s\n" "$stmt" >schema.sql &&
		readers >cmds &&
		while read -r cmd
		do
			test_expect_code 2 strata --dev-url "$dev" $cmd >out 2>err &&
			test_grep -F "schema.sql:3: $words is not supported in a schema file" err &&
			test_grep "model does not carry it" err &&
			test_line_count = 1 err &&
			test_must_be_empty out &&
			test "$(db_checksum)" = "$live_sum" &&
			test "$(db_checksum -u "$dev")" = "$dev_sum" || return 1
		done <cmds
	'
done <<-\EOF
CREATE TABLE m1 PARTITION OF a (r WITH OPTIONS NOT NULL) DEFAULT;|column options on a partition (PARTITION OF ... (column WITH OPTIONS ...))
ALTER TABLE a DETACH PARTITION a1 CONCURRENTLY;|ALTER ... DETACH PARTITION CONCURRENTLY
CREATE TYPE shell;|CREATE TYPE (a base or shell type)
COMMENT ON CONSTRAINT c ON DOMAIN d IS 'no domain constraint comments';|COMMENT ON DOMCONSTRAINT
CREATE RULE r AS ON INSERT TO a DO INSTEAD NOTHING;|CREATE RULE
CREATE AGGREGATE mysum (integer) (sfunc = int4pl, stype = integer);|CREATE AGGREGATE
ALTER COLLATION "C" REFRESH VERSION;|ALTER COLLATION
ALTER STATISTICS s1 SET STATISTICS 10;|ALTER STATISTICS
ALTER TABLE a REPLICA IDENTITY FULL;|ALTER ... REPLICA IDENTITY
CREATE TEMP TABLE t1 (x integer);|a TEMPORARY table
CREATE UNLOGGED SEQUENCE q1;|an UNLOGGED sequence
COMMENT ON POLICY p ON a IS 'no such policy either';|COMMENT ON POLICY
CREATE SCHEMA app CREATE TABLE x PARTITION OF public.a (r WITH OPTIONS DEFAULT NULL) DEFAULT;|column options on a partition (PARTITION OF ... (column WITH OPTIONS ...))
EOF

test_expect_success 'the line named is the clause'"'"'s, inside a statement of many lines' '
	cat >schema.sql <<-\EOF &&
	CREATE TABLE a (id integer PRIMARY KEY, r int4range);
	CREATE TABLE m (k integer, v text) PARTITION BY LIST (k);
	CREATE TABLE m1 PARTITION OF m (
	    CONSTRAINT m1_k CHECK (k > 0),
	    v WITH OPTIONS DEFAULT '"'x'"',
	    k WITH OPTIONS NOT NULL
	) FOR VALUES IN (1);
	EOF
	test_expect_code 2 strata push --allow-destructive 2>err &&
	test_grep -F "schema.sql:5: column options on a partition (PARTITION OF ... (column WITH OPTIONS ...)) is not supported" err &&
	test "$(db_checksum)" = "$live_sum"
'

test_expect_success 'PostgreSQL 16 syntax that libpg_query 15 cannot read: a clear error, exit 2' '
	printf "CREATE TABLE a (id integer PRIMARY KEY, r int4range);\nCREATE TABLE s (x text STORAGE PLAIN);\n" >schema.sql &&
	test_expect_code 2 strata push --allow-destructive 2>err &&
	test_grep "schema.sql:2: syntax error at or near \"STORAGE\".*strata parses PostgreSQL 15 syntax" err &&
	test_line_count = 1 err &&
	test "$(db_checksum)" = "$live_sum"
'

test_expect_success 'GRANT, REVOKE and OWNER TO are not applied, and a warning says so' '
	cat >schema.sql <<-\EOF &&
	CREATE TABLE a (id integer PRIMARY KEY, r int4range);
	CREATE TABLE b (id integer PRIMARY KEY);
	GRANT SELECT ON b TO PUBLIC;
	ALTER TABLE b OWNER TO no_such_role;
	REVOKE ALL ON a FROM PUBLIC;
	EOF
	strata diff --from "$DATABASE_URL" --to schema.sql >out 2>err &&
	test_grep "CREATE TABLE public.b" out &&
	test_grep "warning: schema.sql:3: GRANT, REVOKE and OWNER TO are not applied (3 statements)" err &&
	strata push --allow-destructive >out 2>err &&
	test_grep "not applied (3 statements)" err &&
	db_sql "SELECT count(*) FROM information_schema.role_table_grants WHERE table_name = '"'b'"' AND grantee = '"'PUBLIC'"'" >n &&
	echo 0 >expect &&
	test_cmp expect n &&
	db_sql "DROP TABLE b" &&
	test "$(db_checksum)" = "$live_sum"
'

test_expect_success 'OWNER TO in one ALTER with a change: refused, not half applied' '
	printf "CREATE TABLE a (id integer PRIMARY KEY, r int4range);\nALTER TABLE a OWNER TO x, ADD COLUMN n integer;\n" >schema.sql &&
	test_expect_code 2 strata push --allow-destructive 2>err &&
	test_grep "schema.sql:2: OWNER TO together with other changes in one ALTER is not supported" err &&
	test "$(db_checksum)" = "$live_sum"
'

test_expect_success 'what the model carries still runs (deferrable unique, identity defaults, comments)' '
	cat >schema.sql <<-\EOF &&
	CREATE TABLE a (id integer PRIMARY KEY, r int4range);
	CREATE TABLE k (id integer GENERATED ALWAYS AS IDENTITY (START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1),
	    u integer UNIQUE DEFERRABLE INITIALLY DEFERRED);
	COMMENT ON TABLE k IS '"'keys'"';
	COMMENT ON COLUMN k.u IS '"'u'"';
	EOF
	strata diff --from "$DATABASE_URL" --to schema.sql >out 2>err &&
	test_grep "CREATE TABLE public.k" out &&
	test_grep "DEFERRABLE INITIALLY DEFERRED" out &&
	test_must_be_empty err
'

test_expect_success 'a live database holding objects the model does not carry: a warning names them' '
	other=$(fresh_db) &&
	db_sql -u "$other" "CREATE TABLE a (id integer PRIMARY KEY, r int4range);
	  ALTER TABLE a ENABLE ROW LEVEL SECURITY;
	  CREATE POLICY only_mine ON a USING (id > 0);
	  CREATE TABLE m (k integer) PARTITION BY RANGE (k);
	  CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (10);
	  ALTER TABLE m1 ALTER COLUMN k SET DEFAULT 5;
	  CREATE UNLOGGED TABLE u (x integer);
	  CREATE DOMAIN posint AS integer;
	  CREATE TABLE e (r int4range, EXCLUDE USING gist (r WITH &&));" &&
	other_sum=$(db_checksum -u "$other") &&
	strata diff --from "$other" --to "$other" >out 2>err &&
	test_grep "warning: .* holds what strata.s model does not carry" err &&
	test_grep "carry, left out of this comparison: default of column k of partition public.m1$" err &&
	test_grep ! "policy\|row level\|domain\|exclusion" err &&
	test "$(db_checksum -u "$other")" = "$other_sum"
'

test_expect_success 'a statistics object with a statistics target of its own: carried, the target named in a warning' '
	other=$(fresh_db) &&
	db_sql -u "$other" "CREATE TABLE a (id integer PRIMARY KEY, r int4range);
	  CREATE STATISTICS s1 ON id, r FROM a; ALTER STATISTICS s1 SET STATISTICS 500;" &&
	strata diff --from "$other" --to "$other" >out 2>err &&
	test_grep "carry, left out of this comparison: statistics target of statistics object public.s1$" err &&
	test_must_be_empty out
'

test_expect_success 'the target of push: a warning names them, they are kept' '
	db_sql "CREATE RULE no_del AS ON DELETE TO a DO INSTEAD NOTHING; CREATE TEXT SEARCH CONFIGURATION ts1 (COPY = simple);" &&
	printf "CREATE TABLE a (id integer PRIMARY KEY, r int4range);\n" >schema.sql &&
	strata push --allow-destructive >out 2>err &&
	test_grep "warning: the database holds what strata.s model does not carry, left out of this comparison: rule no_del on public.a, text search configuration public.ts1$" err &&
	db_sql "SELECT count(*) FROM pg_rules WHERE rulename = '"'no_del'"'" >n &&
	echo 1 >expect &&
	test_cmp expect n &&
	db_sql "DROP RULE no_del ON a; DROP TEXT SEARCH CONFIGURATION ts1" &&
	test "$(db_checksum)" = "$live_sum"
'

test_expect_success 'row-level security and policies are carried now: push makes them, diff then sees none' '
	cat >schema.sql <<-\EOF &&
	CREATE TABLE a (id integer PRIMARY KEY, r int4range);
	ALTER TABLE a ENABLE ROW LEVEL SECURITY;
	CREATE POLICY p ON a AS RESTRICTIVE FOR SELECT USING (id > 0);
	EOF
	strata push --allow-destructive >out 2>err &&
	test_must_be_empty err &&
	db_sql "SELECT policyname, permissive, cmd, qual FROM pg_policies" >actual &&
	echo "p|RESTRICTIVE|SELECT|(id > 0)" >expect &&
	test_cmp expect actual &&
	strata diff --from "$DATABASE_URL" --to schema.sql --exit-code >out &&
	test_must_be_empty out &&
	printf "CREATE TABLE a (id integer PRIMARY KEY, r int4range);\n" >schema.sql &&
	strata push --allow-destructive >out 2>err &&
	test "$(db_checksum)" = "$live_sum"
'

test_expect_success 'a migrations replay holding them: generate warns' '
	mkdir -p migrations &&
	cat >migrations/20260101000000_rls.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE a (id integer PRIMARY KEY, r int4range);
	CREATE TEXT SEARCH CONFIGURATION ts1 (COPY = simple);
	-- migrate:down
	DROP TABLE a;
	EOF
	printf "CREATE TABLE a (id integer PRIMARY KEY, r int4range);\n" >schema.sql &&
	strata --dev-url "$dev" generate --dry-run x >out 2>err &&
	test_grep "warning: the migrations.* schema holds what strata.s model does not carry.*text search configuration public.ts1" err &&
	rm -r migrations
'

test_done
