#!/bin/bash

test_description='up asks before what destroys data, however it is written

A WHERE that is always true (WHERE 1=1, WHERE true, OR 1=1, x = x, 1,
'"'a'='a'"', NOT false) is no WHERE: up refuses the DELETE or UPDATE
without --allow-destructive (exit 1, nothing ran) and runs it with. On
PostgreSQL the same holds for what lint cannot read (a DO block that runs
EXECUTE: dynamic-sql), for the statements of a DO block, for a call of a
function of the same migration that destroys data, and for DROP ...
CASCADE; TRUNCATE and DROP SCHEMA stay covered.

Also here, on PostgreSQL: a migration may not release the advisory
lock of the runner. pg_advisory_unlock_all() anywhere in a pending migration
(also in a DO block, a function, an EXECUTE string) is refused before
anything runs (exit 2, file:line); a release strata cannot see in the text
is caught before commit (exit 1, nothing committed).'

test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

# base: a fresh database with table t of three rows, applied.
base() {
	use_fresh_db &&
	rm -rf migrations && mkdir -p migrations &&
	cat >migrations/0001_base.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, x INTEGER);
	INSERT INTO t (id, a, x) VALUES (1, 10, 1), (2, 20, 2), (3, 30, 3);

	-- migrate:down
	DROP TABLE t;
	EOF
	strata up >/dev/null 2>&1
}

# pending SQL: 0002_change.sql with SQL as its up section.
pending() {
	printf -- '-- migrate:up\n%s\n\n-- migrate:down\n' "$1" >migrations/0002_change.sql
}

# refused RULE: up refuses, naming RULE at 0002's line 2; t and the
# tracking table are as before.
refused() {
	db_checksum >before &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "0002_change.sql:2 .*($1)" err &&
	test_grep "nothing was run" err &&
	test_grep "allow-destructive" err &&
	db_checksum >after &&
	test_cmp before after
}

# allowed: with --allow-destructive it runs, and 0002 is applied.
allowed() {
	strata up --allow-destructive >out 2>err &&
	test_grep "applied .*0002_change" out
}

# check_form NAME SQL RULE ROWS_LEFT: the whole story for one statement.
check_form() {
	test_expect_success "$1: refused without consent, nothing ran" "
		base &&
		pending \"$2\" &&
		refused $3
	"
	test_expect_success "$1: runs with --allow-destructive" "
		allowed &&
		echo $4 >expect &&
		db_sql 'SELECT count(*) FROM t WHERE a = 10' >actual &&
		test_cmp expect actual
	"
}

check_form 'DELETE ... WHERE 1=1' 'DELETE FROM t WHERE 1=1;' delete-without-where 0
check_form 'DELETE ... WHERE true' 'DELETE FROM t WHERE true;' delete-without-where 0
check_form 'DELETE ... WHERE id = 2 OR 1=1' 'DELETE FROM t WHERE id = 2 OR 1=1;' delete-without-where 0
check_form "DELETE ... WHERE 'a'='a'" "DELETE FROM t WHERE 'a'='a';" delete-without-where 0
check_form 'DELETE ... WHERE NOT false' 'DELETE FROM t WHERE NOT false;' delete-without-where 0
check_form 'UPDATE ... WHERE x = x' 'UPDATE t SET a = 0 WHERE x = x;' update-without-where 0
check_form 'UPDATE ... WHERE 1 = 1 (spaced, upper case)' 'UPDATE t SET a = 0 WHERE 1 = 1;' update-without-where 0
check_form 'DROP TABLE' 'DROP TABLE t; CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, x INTEGER);' drop-table 0

test_expect_success SQLITE 'SQLite: DELETE ... WHERE 1 is refused, then runs' '
	base &&
	pending "DELETE FROM t WHERE 1;" &&
	refused delete-without-where &&
	allowed &&
	echo 0 >expect &&
	db_sql "SELECT count(*) FROM t" >actual &&
	test_cmp expect actual
'

test_expect_success SQLITE 'SQLite: UPDATE OR IGNORE ... WHERE 1 (read by tokens) is refused' '
	base &&
	pending "UPDATE OR IGNORE t SET a = 0 WHERE 1;" &&
	refused update-without-where
'

test_expect_success 'a WHERE that depends on the row is not asked about' '
	base &&
	pending "DELETE FROM t WHERE id = 1; UPDATE t SET a = 0 WHERE x = 2 AND 1 = 1;" &&
	strata up >out 2>err &&
	echo 2 >expect &&
	db_sql "SELECT count(*) FROM t" >actual &&
	test_cmp expect actual
'

test_expect_success 'an acknowledged always-true WHERE runs without asking' '
	base &&
	pending "DELETE FROM t WHERE 1=1; -- strata:lint-ignore delete-without-where" &&
	strata up >out 2>err &&
	echo 0 >expect &&
	db_sql "SELECT count(*) FROM t" >actual &&
	test_cmp expect actual
'

if test_have_engine postgres; then
check_form 'TRUNCATE' 'TRUNCATE t;' truncate 0
check_form 'a DO block that runs EXECUTE' "DO \\\$\\\$ BEGIN EXECUTE 'DELETE FROM t'; END \\\$\\\$;" dynamic-sql 0
check_form 'a DO block that deletes' 'DO \$\$ BEGIN DELETE FROM t; END \$\$;' delete-without-where 0
check_form 'a function of the same migration that deletes, called' \
	'CREATE FUNCTION wipe() RETURNS void LANGUAGE plpgsql AS \$\$ BEGIN DELETE FROM t; END \$\$; SELECT wipe();' \
	delete-without-where 0
check_form 'a procedure of the same migration that runs EXECUTE, called' \
	"CREATE PROCEDURE run(q text) LANGUAGE plpgsql AS \\\$\\\$ BEGIN EXECUTE q; END \\\$\\\$; CALL run('DELETE FROM t');" \
	dynamic-sql 0
fi

test_expect_success POSTGRES 'PostgreSQL: a DO block in a language lint cannot read is refused' '
	base &&
	pending "DO LANGUAGE plperl \$\$ 1; \$\$;" &&
	refused dynamic-sql
'

test_expect_success POSTGRES 'PostgreSQL: DROP TYPE ... CASCADE (which drops a column) is refused, then runs' '
	base &&
	db_sql "CREATE TYPE mood AS ENUM ('"'"'ok'"'"'); ALTER TABLE t ADD COLUMN m mood" &&
	pending "DROP TYPE mood CASCADE;" &&
	refused drop-cascade &&
	allowed &&
	test_must_fail db_sql "SELECT m FROM t"
'

test_expect_success POSTGRES 'PostgreSQL: DROP SCHEMA ... CASCADE is refused' '
	base &&
	db_sql "CREATE SCHEMA s; CREATE TABLE s.keep (id int); INSERT INTO s.keep VALUES (1)" &&
	pending "DROP SCHEMA s CASCADE;" &&
	refused drop-schema &&
	echo 1 >expect &&
	db_sql "SELECT count(*) FROM s.keep" >actual &&
	test_cmp expect actual
'

test_expect_success POSTGRES 'PostgreSQL: a DO block without EXECUTE or destruction runs without asking' '
	base &&
	pending "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '"'"'m2'"'"') THEN CREATE TYPE m2 AS ENUM ('"'"'a'"'"'); END IF; END \$\$;" &&
	strata up >out 2>err &&
	test_grep "applied .*0002_change" out
'

test_expect_success POSTGRES 'PostgreSQL: a function of the migration that destroys, not called, runs without asking' '
	base &&
	pending "CREATE FUNCTION wipe() RETURNS void LANGUAGE plpgsql AS \$\$ BEGIN DELETE FROM t; END \$\$;" &&
	strata up >out 2>err &&
	echo 3 >expect &&
	db_sql "SELECT count(*) FROM t" >actual &&
	test_cmp expect actual
'

# ---- the runner's lock (PostgreSQL) ----------------------------------------

# lockfile SQL [MARKER-OPTIONS]: 0002_lock.sql with SQL as its up section.
lockfile() {
	printf -- '-- migrate:up%s\nCREATE TABLE made (id int);\n%s\n\n-- migrate:down\nDROP TABLE made;\n' \
		"${2-}" "$1" >migrations/0002_lock.sql
}

# untouched: 0002 did nothing and is not recorded.
untouched() {
	test_must_fail db_sql "SELECT count(*) FROM made" &&
	echo 0 >expect &&
	db_sql "SELECT count(*) FROM strata_migrations WHERE version = '0002'" >actual &&
	test_cmp expect actual
}

test_expect_success POSTGRES 'pg_advisory_unlock_all() in a migration is refused at its line, nothing runs' '
	base &&
	lockfile "SELECT pg_advisory_unlock_all();" &&
	test_expect_code 2 strata up --allow-destructive >out 2>err &&
	test_grep "0002_lock.sql:3: pg_advisory_unlock_all() would release strata.s migration lock" err &&
	test_line_count = 1 err &&
	untouched
'

test_expect_success POSTGRES '... in upper case, in a DO block, in an EXECUTE string, in a function: refused' '
	base &&
	for sql in "SELECT PG_ADVISORY_UNLOCK_ALL();" \
		"DO \$\$ BEGIN PERFORM pg_advisory_unlock_all(); END \$\$;" \
		"DO \$\$ BEGIN EXECUTE '"'"'SELECT pg_advisory_unlock_all()'"'"'; END \$\$;" \
		"CREATE FUNCTION f() RETURNS void LANGUAGE sql AS \$\$ SELECT pg_advisory_unlock_all() \$\$;"
	do
		lockfile "$sql" &&
		test_expect_code 2 strata up --allow-destructive >out 2>err &&
		test_grep "0002_lock.sql:3: pg_advisory_unlock_all()" err &&
		untouched || return 1
	done
'

test_expect_success POSTGRES '... in a transaction:false migration, or only in the down section: refused' '
	base &&
	lockfile "SELECT pg_advisory_unlock_all();" " transaction:false" &&
	test_expect_code 2 strata up >out 2>err &&
	test_grep "0002_lock.sql:3:" err &&
	untouched &&
	printf -- "-- migrate:up\nCREATE TABLE made (id int);\n-- migrate:down\nSELECT pg_advisory_unlock_all();\nDROP TABLE made;\n" >migrations/0002_lock.sql &&
	test_expect_code 2 strata up >out 2>err &&
	test_grep "0002_lock.sql:4:" err &&
	untouched
'

test_expect_success POSTGRES 'a release strata cannot see in the text is caught before commit: nothing committed' '
	base &&
	lockfile "SELECT pg_advisory_unlock(k) FROM (SELECT (classid::bigint << 32) | objid::bigint AS k FROM pg_locks WHERE locktype = '"'"'advisory'"'"' AND pid = pg_backend_pid() AND objsubid = 1) s;" &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "migration lock was released during the run" err &&
	test_grep ! "WARNING" err &&
	untouched &&
	lockfile "DO \$\$ BEGIN EXECUTE '"'"'SELECT pg_advisory_'"'"' || '"'"'unlock_all()'"'"'; END \$\$;" &&
	test_expect_code 1 strata up --allow-destructive >out 2>err &&
	test_grep "migration lock was released during the run" err &&
	untouched
'

test_expect_success POSTGRES 'after such a refusal the next run takes the lock and applies' '
	lockfile "SELECT 1;" &&
	strata up >out 2>err &&
	test_grep "applied .*0002_lock" out &&
	echo 0 >expect &&
	db_sql "SELECT count(*) FROM made" >actual &&
	test_cmp expect actual
'

test_expect_success POSTGRES 'a migration that takes and releases a lock of its own runs' '
	base &&
	lockfile "SELECT pg_advisory_lock(42); SELECT pg_advisory_unlock(42); SELECT pg_advisory_xact_lock(43);" &&
	strata up >out 2>err &&
	test_grep "applied .*0002_lock" out
'

test_done
