#!/bin/bash

test_description='a scratch database name already taken: the next one, the taken one untouched

Without --dev-url, a PostgreSQL diff creates strata_scratch_PID_N on the
target server, N from 1. A database of that name already there (another
run of the same pid on another machine, or one left behind) is told by its
SQLSTATE 42P04 (err->exists in the driver), not by the words of the message, which depend on the
server'\''s lc_messages: strata takes the next number and leaves it alone.'

test_engines=postgres
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup' '
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0001_a.sql &&
	echo "CREATE TABLE a (id INTEGER, note TEXT);" >schema.sql &&
	use_fresh_db
'

# The shell's pid is the pid strata runs with after exec: its scratch names.
test_expect_success 'diff takes the next name when the first two are taken' '
	sh -c "
		psql -X -q -h \"\$STRATA_TEST_PG_SOCKET\" -p \"\$STRATA_TEST_PG_PORT\" -U strata -d postgres \
			-c \"CREATE DATABASE strata_scratch_\$\$_1\" -c \"CREATE DATABASE strata_scratch_\$\$_2\" &&
		echo \$\$ >pid &&
		exec \"\$STRATA\" diff --from migrations --to schema.sql
	" >out 2>err &&
	test_grep "ADD COLUMN" out &&
	pid=$(cat pid) &&
	test_psql_ postgres -c "SELECT datname FROM pg_database WHERE datname LIKE '\''strata\_scratch\_${pid}\_%'\'' ORDER BY 1" >actual &&
	printf "strata_scratch_%s_1\nstrata_scratch_%s_2\n" "$pid" "$pid" >expect &&
	test_cmp expect actual &&
	test_psql_ postgres -c "DROP DATABASE strata_scratch_${pid}_1" -c "DROP DATABASE strata_scratch_${pid}_2"
'

test_expect_success 'a scratch database that cannot be created for another reason stops at once' '
	test_psql_ postgres -c "CREATE ROLE nocreate LOGIN PASSWORD '\''pw'\''" &&
	test_psql_ postgres -c "GRANT ALL ON DATABASE $(test_pg_dbname_ "$DATABASE_URL") TO nocreate" &&
	url="postgres://nocreate:pw@localhost:$STRATA_TEST_PG_PORT/$(test_pg_dbname_ "$DATABASE_URL")?host=$STRATA_TEST_PG_SOCKET" &&
	test_expect_code 1 strata -u "$url" diff --from migrations --to schema.sql >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: cannot create a scratch database for the diff: .*(SQLSTATE 42501); give --dev-url" err &&
	test_psql_ postgres -c "DROP OWNED BY nocreate" -c "DROP ROLE nocreate"
'

test_done
