#!/bin/bash
test_description='the diff matrix, PostgreSQL: dependencies and ordering

Triggers keyed by table, dependants of re-created objects (triggers on
views, comments, indexes on materialized views, views over views),
functions whose signature changes (dropped and created with what uses
them), drops in dependency order, and sequence OWNED BY changes. For each
fixture pair pgdep-* under tests/fixtures/diff/postgres/, the generated
migration takes a database at A (with rows) to B and its down back to A
(see tests/cli/lib-diff-matrix.sh).'
test_engines=postgres
test_builds=sanitized
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-diff-matrix.sh"

matrix_run 'pgdep-*'

test_expect_success 'push converges with a trigger of one name on every table' '
	db=$(fresh_db) &&
	load_fresh "$db" "$matrix/pgdep-trigger-same-name/a.sql" &&
	strata -u "$db" $dev_opt -s "$matrix/pgdep-trigger-same-name/b.sql" push >push.out &&
	strata -u "$db" $dev_opt diff --from "$db" --to "$matrix/pgdep-trigger-same-name/b.sql" \
		--exit-code >again.out &&
	test_must_be_empty again.out &&
	db_sql -u "$db" "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		WHERE t.tgname = '"'"'t_bump'"'"' ORDER BY 1" >actual &&
	printf "a\nb\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the plan of a re-made function drops what uses it first and makes it again after' '
	db=$(fresh_db) &&
	load_fresh "$db" "$matrix/pgdep-function-param-name/a.sql" &&
	strata -u "$db" $dev_opt diff --from "$db" --to "$matrix/pgdep-function-param-name/b.sql" >plan.sql &&
	grep -n "DROP CONSTRAINT t_b_positive\|DROP INDEX public.t_pos\|DROP FUNCTION public.positive(x integer)\|CREATE OR REPLACE FUNCTION public.positive(n integer)\|CREATE INDEX CONCURRENTLY IF NOT EXISTS t_pos\|ADD CONSTRAINT t_b_positive\|COMMENT ON FUNCTION" plan.sql |
		sed "s/:.*//" >lines &&
	test_line_count = 7 lines &&
	sort -n lines >sorted &&
	test_cmp sorted lines
'

# generate --per-table splits a plan into one migration per table and a
# last one ("other") for the rest: what is dropped ahead of a re-made
# function goes with its table, what comes back after goes with the
# function, and the other way round on the way down.
for case in pgdep-function-param-name pgdep-function-generated-column \
	pgdep-function-return-type pgdep-function-return-type-default-changes pgdep-drop-child-and-key
do
	test_expect_success "generate --per-table: $case, up and down" "
		dir=\$matrix/$case &&
		mkdir per-table-$case && cd per-table-$case &&
		a=\$(fresh_db) && fb=\$(fresh_db) && fa=\$(fresh_db) &&
		load_fresh \"\$fa\" \"\$dir/a.sql\" &&
		load_fresh \"\$fb\" \"\$dir/b.sql\" &&
		mkdir migrations &&
		{ printf -- '-- migrate:up\\n'; cat \"\$dir/a.sql\"; } >migrations/0001_a.sql &&
		strata -u \"\$a\" up >/dev/null &&
		strata -u \"\$a\" \$dev_opt -s \"\$dir/b.sql\" generate step --per-table \\
			--allow-destructive >gen.out &&
		test \$(ls migrations | wc -l) -gt 2 &&
		strata -u \"\$a\" up --allow-destructive >/dev/null &&
		same_schema \"\$a\" \"\$fb\" &&
		strata -u \"\$a\" down --steps \$((\$(ls migrations | wc -l) - 1)) >/dev/null &&
		same_schema \"\$a\" \"\$fa\"
	"
done

test_done
