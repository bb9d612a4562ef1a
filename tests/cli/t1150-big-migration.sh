#!/bin/bash

test_description='a migration of 100,000 statements

Applying a data migration of 100,000 INSERTs takes about what the engine
needs (the statement loop, the split, the destructive check and lint are
linear in the file; bench/RESULTS.md has the figures). These tests check
that such a file applies whole, that lint and the destructive check read it
(a statement at its very end is still found, on the right line), and that
an error at its end is reported at its line with nothing applied. No
timing is asserted here.'

test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

N=100000

# big FILE N [LAST]: a migration creating t and inserting N rows, with
# LAST (a statement) after the INSERTs.
big() {
	{
		echo "-- migrate:up" &&
		echo "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);" &&
		awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "INSERT INTO t (id, v) VALUES (%d, '"'"'row %d; -- not a comment'"'"');\n", i, i }' &&
		if [ -n "${3-}" ]; then echo "$3"; fi &&
		echo &&
		echo "-- migrate:down" &&
		echo "DROP TABLE t;"
	} >"$1"
}

test_expect_success 'up applies a migration of 100,000 INSERTs, every row' '
	use_fresh_db &&
	mkdir -p migrations &&
	big migrations/0001_big.sql $N &&
	strata up >out 2>err &&
	test_grep "1 migration applied" out &&
	echo $N >expect &&
	db_sql "SELECT count(*) FROM t" >actual &&
	test_cmp expect actual &&
	echo "row $N; -- not a comment" >expect &&
	db_sql "SELECT v FROM t WHERE id = $N" >actual &&
	test_cmp expect actual
'

test_expect_success 'down and up again: the same rows' '
	strata down >out 2>err &&
	test_must_fail db_sql "SELECT count(*) FROM t" &&
	strata up >out 2>err &&
	echo $N >expect &&
	db_sql "SELECT count(*) FROM t" >actual &&
	test_cmp expect actual
'

test_expect_success 'a destructive statement after 100,000 INSERTs is found, on its line; nothing ran' '
	use_fresh_db &&
	rm -rf migrations && mkdir -p migrations &&
	strata new base >/dev/null &&
	base=$(ls migrations/*_base.sql) &&
	printf -- "-- migrate:up\nCREATE TABLE keep (id INTEGER);\nINSERT INTO keep VALUES (1);\n-- migrate:down\nDROP TABLE keep;\n" >"$base" &&
	strata up >/dev/null 2>&1 &&
	big migrations/29990101000000_big.sql $N "DELETE FROM keep;" &&
	test_expect_code 1 strata up >out 2>err &&
	line=$((N + 3)) &&
	test_grep "29990101000000_big.sql:$line DELETE FROM keep (delete-without-where)" err &&
	test_must_fail db_sql "SELECT count(*) FROM t" &&
	echo 1 >expect &&
	db_sql "SELECT count(*) FROM keep" >actual &&
	test_cmp expect actual
'

test_expect_success 'lint reads the whole file: the finding at the end, 100,002 statements' '
	test_expect_code 3 strata lint --json migrations/29990101000000_big.sql >out &&
	test_grep "\"rule\": *\"delete-without-where\"" out &&
	test_grep "\"line\": *$((N + 3))" out &&
	test_grep "\"statements\": *$((N + 2))" out
'

test_expect_success 'an error in the last statement is reported at its line; nothing applied' '
	use_fresh_db &&
	rm -rf migrations && mkdir -p migrations &&
	big migrations/0001_big.sql $N "INSERT INTO no_such_table VALUES (1);" &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "0001_big.sql:$((N + 3)):" err &&
	test_grep "no_such_table" err &&
	test_must_fail db_sql "SELECT count(*) FROM t"
'

test_done
