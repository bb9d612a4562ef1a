#!/bin/bash

test_description='up on PostgreSQL: a migration and its tracking row in one round trip

Inside the run'"'"'s transaction, each migration'"'"'s SQL and the INSERT of its
tracking row go to the server as one message (driver.h, exec_then): the
server log shows one statement holding both. This proves the behaviour
that must not change with it: a failure still names the file and line and
leaves no row for the failing migration, earlier runs and transaction:false
segments stay applied, semicolons inside strings, dollar quotes and
comments stay the migration'"'"'s own, a last statement without a semicolon or
followed by a -- comment does not swallow the INSERT, and each row holds the
right checksum, time and duration.'

test_engines='postgres'
. "$(dirname "$0")/test-lib.sh"

# mig NAME UP [DOWN]: write migrations/NAME.sql.
mig() {
	mkdir -p migrations &&
	printf -- "-- migrate:up\n%s\n-- migrate:down\n%s\n" "$2" "${3-SELECT 1;}" >"migrations/$1.sql"
}

# rows: the tracking table as version|state lines.
rows() {
	db_sql "SELECT version, state FROM strata_migrations ORDER BY version"
}

# sum_of FILE: the SHA-256 strata records for FILE.
sum_of() {
	tr -d '\r' <"$1" | sha256sum | cut -d' ' -f1
}

# three_and_a_bad_one: 0001..0003 good, 0004 fails at its line 3 with an
# error the server gives no position for (a table that exists).
three_and_a_bad_one() {
	rm -rf migrations &&
	mig 0001_a "CREATE TABLE a (x int);" &&
	mig 0002_b "CREATE TABLE b (x int);" &&
	mig 0003_c "INSERT INTO a VALUES (1);" &&
	mig 0004_bad "CREATE TABLE d (x int);
INSERT INTO d VALUES (1);
CREATE TABLE a (y int);
CREATE TABLE e (x int);" &&
	use_fresh_db
}

test_expect_success 'a failing migration names its file and line, and the run leaves nothing' '
	three_and_a_bad_one &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "^strata: error: migrations/0004_bad.sql:4: relation \"a\" already exists (SQLSTATE 42P07)" err &&
	test_grep "rolled back" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'an error with a position points at its line' '
	rm -rf migrations &&
	mig 0001_a "CREATE TABLE a (x int);" &&
	mig 0002_bad "CREATE TABLE b (x int);

INSERT INTO b VALUES (1), (2);
INSERT INTO b (nope) VALUES (3);" &&
	use_fresh_db &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "^strata: error: migrations/0002_bad.sql:5: column \"nope\" of relation \"b\" does not exist" err
'

test_expect_success 'migrations applied by an earlier run keep their rows; the failing one has none' '
	three_and_a_bad_one &&
	strata up --to 0002 >out &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "migrations/0004_bad.sql:4:" err &&
	rows >actual &&
	printf "0001|applied\n0002|applied\n" >expect &&
	test_cmp expect actual &&
	db_tables >actual &&
	printf "a\nb\nstrata_migrations\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a transaction:false segment before the failing migration stays applied' '
	three_and_a_bad_one &&
	printf -- "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY a_x ON a (x);\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY a_x;\n" >migrations/0003_c.sql &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "migrations/0004_bad.sql:4:" err &&
	rows >actual &&
	printf "0001|applied\n0002|applied\n0003|applied\n" >expect &&
	test_cmp expect actual &&
	db_tables >actual &&
	printf "a\nb\nstrata_migrations\n" >expect &&
	test_cmp expect actual &&
	db_sql "SELECT indexname FROM pg_indexes WHERE tablename = '"'"'a'"'"'" >actual &&
	echo a_x >expect &&
	test_cmp expect actual
'

test_expect_success 'semicolons inside strings, dollar quotes and comments stay in their statement' '
	rm -rf migrations &&
	mig 0001_semis "CREATE TABLE s (v text); -- a comment; with a semicolon
/* a block; comment /* nested; */ still; */
INSERT INTO s VALUES ('"'"'a;b'"'"'), (E'"'"'c\\\\;d'"'"'), (\$\$e;f\$\$), (\$q\$g;\$\$;h\$q\$);
DO \$\$ BEGIN INSERT INTO s VALUES ('"'"'i;j'"'"'); END \$\$;
CREATE FUNCTION semi() RETURNS text LANGUAGE sql AS \$f\$ SELECT '"'"'k;l'"'"' \$f\$;" &&
	use_fresh_db &&
	strata up >out 2>err &&
	db_sql "SELECT v FROM s ORDER BY v" >actual &&
	cat >expect <<-\EOF &&
	a;b
	c\;d
	e;f
	g;$$;h
	i;j
	EOF
	test_cmp expect actual &&
	db_sql "SELECT semi()" >actual &&
	echo "k;l" >expect &&
	test_cmp expect actual &&
	rows >actual &&
	echo "0001|applied" >expect &&
	test_cmp expect actual
'

test_expect_success 'a last statement without a semicolon, or followed by a -- comment, keeps its row' '
	rm -rf migrations &&
	mig 0001_nosemi "CREATE TABLE n1 (x int)" &&
	mig 0002_comment "CREATE TABLE n2 (x int); -- x" &&
	mig 0003_nosemi_comment "CREATE TABLE n3 (x int) -- x" &&
	mig 0004_only_comment_after "CREATE TABLE n4 (x int);
/* the end */ -- x" &&
	printf -- "-- migrate:up\nCREATE TABLE n5 (x int) -- no newline at the end" >migrations/0005_eof.sql &&
	use_fresh_db &&
	strata up >out 2>err &&
	rows >actual &&
	printf "0001|applied\n0002|applied\n0003|applied\n0004|applied\n0005|applied\n" >expect &&
	test_cmp expect actual &&
	db_tables >actual &&
	printf "n1\nn2\nn3\nn4\nn5\nstrata_migrations\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'each row holds the checksum of its file, the time and how long its SQL took' '
	rm -rf migrations &&
	mig 0001_a "CREATE TABLE a (x int);" &&
	mig 0002_slow "SELECT pg_sleep(0.3);
CREATE TABLE b (x int);" &&
	use_fresh_db &&
	t0=$(db_sql "SELECT to_char(now() AT TIME ZONE '"'"'UTC'"'"' - interval '"'"'1 second'"'"', '"'"'YYYY-MM-DD HH24:MI:SS'"'"')") &&
	strata up >out &&
	t1=$(db_sql "SELECT to_char(now() AT TIME ZONE '"'"'UTC'"'"' + interval '"'"'1 second'"'"', '"'"'YYYY-MM-DD HH24:MI:SS'"'"')") &&
	db_sql "SELECT version, checksum, applied_at BETWEEN '"'"'$t0'"'"' AND '"'"'$t1'"'"', duration_ms >= 0, duration_ms < 10000, batch, rtrim(down_sql, E'"'"'\\n'"'"') FROM strata_migrations ORDER BY version" >actual &&
	cat >expect <<-EOF &&
	0001|$(sum_of migrations/0001_a.sql)|t|t|t|1|SELECT 1;
	0002|$(sum_of migrations/0002_slow.sql)|t|t|t|1|SELECT 1;
	EOF
	test_cmp expect actual &&
	db_sql "SELECT duration_ms >= 300 FROM strata_migrations WHERE version = '"'"'0002'"'"'" >actual &&
	echo t >expect &&
	test_cmp expect actual &&
	strata status >out &&
	test_grep "^0002  *slow  *applied" out
'

test_done
