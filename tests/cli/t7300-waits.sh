#!/bin/bash

test_description='runs that say what they wait for

A migration statement that runs long says so while it runs: where it is,
how long it has run and, on SQLite, the rows it wrote (a table rebuild:
the rows copied so far); on PostgreSQL, when it waits for a lock, who
holds it, seen from a second connection. On a terminal that is one line
redrawn in place; elsewhere plain lines with -v only; nothing with -q or
without -v. The SQLite cases shorten the watcher'\''s rhythm through the
test builds'\'' STRATA_TEST_WATCH_MS, so that no statement need run for
seconds whose length depends on the machine; the PostgreSQL lock case
runs at the real rhythm (first report after a second).'

test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

mig() {
	printf -- "-- migrate:up\n%s\n-- migrate:down\n%s\n" "$2" "$3" >"migrations/$1"
}

command -v script >/dev/null 2>&1 && test_set_prereq SCRIPT

if test_have_engine sqlite; then

# a statement that runs a fraction of a second: 400000 rows
FILL="INSERT INTO t (v) WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400000) SELECT i FROM n;"

test_expect_success SQLITE 'setup: a table, and a migration that fills it' '
	mkdir migrations &&
	use_fresh_db &&
	mig 0001_t.sql "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);" "DROP TABLE t;" &&
	mig 0002_fill.sql "$FILL" "DELETE FROM t;" &&
	strata up --to 0001 >out 2>err &&
	test_must_be_empty err
'

test_expect_success SQLITE 'with -v a long statement says where it is, how long, how many rows' '
	STRATA_TEST_WATCH_MS=50 strata -v up >out 2>err &&
	test_grep "^strata: migrations/0002_fill.sql:2: running for [0-9]*s, [0-9]* rows written$" err &&
	test "$(db_sql "SELECT count(*) FROM t")" = 400000
'

test_expect_success SQLITE 'without -v and without a terminal nothing more is said' '
	strata down >out 2>err &&
	STRATA_TEST_WATCH_MS=50 strata up >out 2>err &&
	test_must_be_empty err &&
	test "$(db_sql "SELECT count(*) FROM t")" = 400000
'

test_expect_success SQLITE '--json output is the same document, the lines on stderr' '
	strata down >out 2>err &&
	STRATA_TEST_WATCH_MS=50 strata -v --json up >out 2>err &&
	test_grep "running for" err &&
	test_grep ! "running for" out &&
	test_grep "\"applied\"" out
'

test_expect_success SQLITE,SCRIPT 'on a terminal: one line redrawn in place, and cleared' '
	strata down >out 2>err &&
	STRATA_TEST_WATCH_MS=50 script -qec "strata up" /dev/null >tty &&
	grep -a "migrations/0002_fill.sql:2: running for" tty >lines &&
	test_grep "$(printf "\r\033\\[Kstrata: migrations")" lines &&
	# never a newline after a progress line: each is cleared in place
	test_grep ! "rows written.$(printf "\r")$" tty &&
	test_grep "1 migration applied" tty
'

test_expect_success SQLITE,SCRIPT '-q on a terminal says nothing of it' '
	strata down >out 2>err &&
	STRATA_TEST_WATCH_MS=50 script -qec "strata -q up" /dev/null >tty &&
	test_grep ! "running for" tty
'

test_expect_success SQLITE 'a table rebuild says how many rows it has copied' '
	cat >schema.sql <<-EOF &&
	CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER CHECK (v > 0));
	EOF
	STRATA_TEST_WATCH_MS=20 strata -v push --force >out 2>err &&
	test_grep "^strata: copying table t to its new form, [0-9]* rows so far, [0-9]*s$" err &&
	test "$(db_sql "SELECT count(*) FROM t")" = 400000 &&
	db_sql "SELECT sql FROM sqlite_schema WHERE name = '\''t'\''" >actual &&
	test_grep "CHECK (v > 0)" actual
'

fi

if test_have_engine postgres; then

PGPASS_=$(printf '%s\n' "$STRATA_TEST_PG_URL" | sed -n 's|^[a-z]*://[^:/@]*:\([^@]*\)@.*|\1|p')

# hold SQL SECONDS: a psql session (application_name holder) that runs
# SQL, stays idle in its transaction for SECONDS, then commits; returns
# once the lock on orders is held.
hold() {
	local i
	{ printf "%s\n" "$1" && sleep "$2" && echo "COMMIT;"; } |
		PGAPPNAME=holder test_psql_ "$(test_pg_dbname_ "$DATABASE_URL")" >holder.out 2>&1 &
	HOLDER_JOB=$!
	for i in $(seq 100); do
		test "$(db_sql "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
			WHERE a.application_name = 'holder' AND l.relation = 'orders'::regclass
			AND l.granted")" = 1 && return 0
		sleep 0.05
	done
	echo "hold: the lock was not taken in 5 s" >&2
	return 1
}

drop_role() {
	db_sql "REASSIGN OWNED BY $1 TO strata; DROP OWNED BY $1; DROP ROLE $1"
}

test_expect_success POSTGRES 'setup: orders' '
	mkdir migrations &&
	use_fresh_db &&
	mig 0001_orders.sql "CREATE TABLE orders (id int PRIMARY KEY);" "DROP TABLE orders;" &&
	strata up >out 2>err &&
	test_must_be_empty err
'

test_expect_success POSTGRES 'a statement blocked by a lock says who holds it, then finishes' '
	mig 0002_note.sql "ALTER TABLE orders ADD COLUMN note text;" "ALTER TABLE orders DROP COLUMN note;" &&
	test -n "$PGPASS_" &&
	hold "BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE; SELECT '\''$PGPASS_'\'' AS pw, 0 AS padding_past_sixty_characters_of_text;" 3 &&
	holder=$(db_sql "SELECT pid FROM pg_stat_activity WHERE application_name = '\''holder'\''") &&
	strata -v up >out 2>err &&
	wait $HOLDER_JOB &&
	test_grep "^strata: migrations/0002_note.sql:2: waiting [0-9]*s for a lock on table public.orders held by pid $holder (app '\''holder'\'', idle in transaction: '\''SELECT '\''\*\*\*\*'\'' AS pw, 0 AS padding_past_sixty_characters_of_t ...'\'', for [0-9]*s)$" err &&
	test_grep "^applied *0002_note" out &&
	test "$(db_sql "SELECT count(*) FROM information_schema.columns WHERE table_name = '\''orders'\'' AND column_name = '\''note'\''")" = 1 &&
	test_grep ! -F "$PGPASS_" err
'

test_expect_success POSTGRES 'without -v and without a terminal nothing more is said' '
	strata down >out 2>err &&
	hold "BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;" 1 &&
	STRATA_TEST_WATCH_MS=100 strata up >out 2>err &&
	wait $HOLDER_JOB &&
	test_must_be_empty err &&
	test_grep "^applied *0002_note" out
'

test_expect_success POSTGRES 'a watcher that cannot connect says so once, and the run goes on' '
	role=w_$(printf "%04x%04x" $RANDOM $RANDOM) &&
	db=$(test_pg_dbname_ "$DATABASE_URL") &&
	db_sql "CREATE ROLE $role LOGIN PASSWORD '\''Sekr1t-w'\'' CONNECTION LIMIT 1;
		ALTER DATABASE \"$db\" OWNER TO $role; ALTER TABLE orders OWNER TO $role;
		ALTER TABLE strata_migrations OWNER TO $role" &&
	test_when_finished "drop_role $role" &&
	url=$(printf "%s\n" "$DATABASE_URL" | sed "s|://[^@]*@|://$role:Sekr1t-w@|") &&
	printf -- "-- migrate:up transaction:false\nSELECT 1;\nSELECT pg_sleep(0.6);\n-- migrate:down\nSELECT 1;\n" >migrations/0003_slow.sql &&
	STRATA_TEST_WATCH_MS=100 strata -u "$url" -v up >out 2>err &&
	test "$(grep -c "cannot see what statements wait for (no second connection): .*too many connections" err)" = 1 &&
	test_grep "^strata: migrations/0003_slow.sql:3: running for [0-9]*s$" err &&
	test_grep ! -F "Sekr1t-w" err &&
	test_grep "^applied *0003_slow" out
'

fi

test_done
