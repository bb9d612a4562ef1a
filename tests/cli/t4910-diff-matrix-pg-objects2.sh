#!/bin/bash
test_description='the diff matrix, PostgreSQL: row-level security and policies

ENABLE / FORCE ROW LEVEL SECURITY and policies (permissive and
restrictive, each command, roles, USING and WITH CHECK) on new and
existing tables, around column changes they stand on, with a function,
in another schema, with a quoted name. For each fixture pair pgobj-*
under tests/fixtures/diff/postgres/, the generated migration takes a
database at A (with rows) to B and its down back to A, diff(B, B) is
empty (see tests/cli/lib-diff-matrix.sh; the fingerprint reads
pg_policies and relrowsecurity).'
test_engines=postgres
test_builds=sanitized
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-diff-matrix.sh"

matrix_run 'pgobj-*'

test_expect_success 'a policy and RLS read back from the database converge: push, then no difference' '
	db=$(fresh_db) &&
	load_fresh "$db" "$matrix/pgobj-policy-kinds/a.sql" &&
	strata -u "$db" $dev_opt -s "$matrix/pgobj-policy-kinds/b.sql" push >push.out &&
	db_sql -u "$db" "SELECT policyname, permissive, roles, cmd FROM pg_policies ORDER BY 1" >actual &&
	printf "%s\n" "p|RESTRICTIVE|{public}|UPDATE" "p_del|PERMISSIVE|{public}|DELETE" \
		"p_ins|PERMISSIVE|{strata}|INSERT" "p_sel|PERMISSIVE|{public}|SELECT" >expect &&
	test_cmp expect actual &&
	strata -u "$db" $dev_opt diff --from "$db" --to "$matrix/pgobj-policy-kinds/b.sql" \
		--exit-code >again.out 2>again.err &&
	test_must_be_empty again.out &&
	test_must_be_empty again.err
'

test_expect_success 'the plan around a column type change: policy dropped first, made again last' '
	db=$(fresh_db) &&
	load_fresh "$db" "$matrix/pgobj-policy-column-type/a.sql" &&
	strata -u "$db" $dev_opt diff --from "$db" --to "$matrix/pgobj-policy-column-type/b.sql" >plan.sql &&
	grep -n "DROP POLICY p ON public.t\|ALTER COLUMN a TYPE bigint\|CREATE POLICY p ON public.t" plan.sql |
		sed "s/:.*//" >lines &&
	test_line_count = 3 lines &&
	sort -n lines >sorted &&
	test_cmp sorted lines
'

test_done
