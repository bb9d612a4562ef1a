#!/bin/bash
test_description='the diff matrix, PostgreSQL: INCLUDE on constraints, index key collations

Issue 22: INCLUDE (...) on a PRIMARY KEY or UNIQUE constraint (added,
changed, on a new table, with a new column, with a column dropped), on
an EXCLUDE constraint (added, its INCLUDE column dropped), and an index
key with its own collation and storage parameters. For each fixture pair
pgmore-* under tests/fixtures/diff/postgres/, the generated migration
takes a database at A (with rows) to B and its down back to A, diff(B, B) is
empty (see tests/cli/lib-diff-matrix.sh; the fingerprint reads
pg_get_constraintdef and pg_get_indexdef, which show INCLUDE).'
test_engines=postgres
test_builds=sanitized
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-diff-matrix.sh"

matrix_run 'pgmore-*'

test_expect_success 'INCLUDE on keys: the safe forms and the plain ones carry it' '
	db=$(fresh_db) &&
	db_sql -u "$db" "CREATE TABLE t (id integer NOT NULL, a integer, b text); INSERT INTO t VALUES (1, 1, '"'x'"');" &&
	cat >schema.sql <<-\EOF &&
	CREATE TABLE t (id integer NOT NULL, a integer, b text,
	    CONSTRAINT t_pkey PRIMARY KEY (id) INCLUDE (b),
	    CONSTRAINT t_a_key UNIQUE (a) INCLUDE (id, b));
	EOF
	strata diff --from "$db" --to schema.sql >out &&
	test_grep -F "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_pkey ON public.t (id) INCLUDE (b);" out &&
	test_grep -F "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_a_key ON public.t (a) INCLUDE (id, b);" out &&
	strata diff --from "$db" --to schema.sql --plain >out &&
	test_grep -F "ADD CONSTRAINT t_pkey PRIMARY KEY (id) INCLUDE (b);" out &&
	test_grep -F "ADD CONSTRAINT t_a_key UNIQUE (a) INCLUDE (id, b);" out &&
	strata -u "$db" -s schema.sql push --allow-destructive >out 2>err &&
	strata diff --from "$db" --to schema.sql --exit-code >out &&
	test_must_be_empty out &&
	strata -u "$db" inspect --format json >model.json &&
	jq -c "[.. | objects | select(has(\"include\") and has(\"deferrable\")) | .include]" model.json >actual &&
	echo "[[\"b\"],[\"id\",\"b\"]]" >expect &&
	test_cmp expect actual
'

test_done
