#!/bin/bash

test_description='the safety promises, under faults

A run that fails, at any statement, leaves the database as it was, rows
included; a failed transaction:false migration is restored from the
backup on SQLite and recorded as failed where it cannot be (then mark
resolves it); concurrent runners, from the CLI and from the library, apply
each migration exactly once; a runner killed at any moment leaves the
database before or after its run, never between; a connection killed by
the server is a clean failure.'

test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

MANY=$FIXTURES/migrations/many50
EXAMPLE_APP=$(dirname "$STRATA")/example-app
[ -x "$EXAMPLE_APP" ] && test_set_prereq EXAMPLE_APP

# mig DIR FILE <BODY: write one migration file.
mig() {
	mkdir -p "$1" &&
	cat >"$1/$2"
}

# accounts DIR: the base migration: a table with rows.
accounts() {
	mig "$1" 0001_accounts.sql <<-\EOF
	-- migrate:up
	CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, balance INTEGER NOT NULL);
	INSERT INTO accounts (id, owner, balance) VALUES (1, 'ann', 10), (2, 'bob', 20), (3, 'cy', 30);

	-- migrate:down
	DROP TABLE accounts;
	EOF
}

# five DIR: five migrations after the base, each changing schema or rows.
five() {
	accounts "$1" &&
	mig "$1" 0002_audit.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE audit (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
	INSERT INTO audit (id, note) VALUES (1, 'opened');

	-- migrate:down
	DROP TABLE audit;
	EOF
	mig "$1" 0003_double.sql <<-\EOF &&
	-- migrate:up
	-- every balance doubles, on purpose:
	-- strata:lint-ignore update-without-where
	UPDATE accounts SET balance = balance * 2;

	-- migrate:down
	UPDATE accounts SET balance = balance / 2;
	EOF
	mig "$1" 0004_close_ann.sql <<-\EOF &&
	-- migrate:up
	DELETE FROM accounts WHERE id = 1;

	-- migrate:down
	INSERT INTO accounts (id, owner, balance) VALUES (1, 'ann', 20);
	EOF
	mig "$1" 0005_note.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE accounts ADD COLUMN note TEXT;
	UPDATE accounts SET note = 'checked';

	-- migrate:down
	ALTER TABLE accounts DROP COLUMN note;
	EOF
	mig "$1" 0006_fay.sql <<-\EOF
	-- migrate:up
	INSERT INTO accounts (id, owner, balance) VALUES (6, 'fay', 60);
	CREATE INDEX accounts_owner ON accounts (owner);

	-- migrate:down
	DROP INDEX accounts_owner;
	DELETE FROM accounts WHERE id = 6;
	EOF
}

# base_with_rows DIR: a fresh database at the base migration, with rows
# added outside any migration too.
base_with_rows() {
	use_fresh_db &&
	strata -d "$1" up --to 0001 >out &&
	db_sql "INSERT INTO accounts (id, owner, balance) VALUES (4, 'dan', 40), (5, 'eve', 50)"
}

test_expect_success 'setup' '
	five five &&
	five fails &&
	mig fails 0006_fay.sql <<-\EOF
	-- migrate:up
	INSERT INTO accounts (id, owner, balance) VALUES (6, '\''fay'\'', 60);
	INSERT INTO nowhere (x) VALUES (1);

	-- migrate:down
	DELETE FROM accounts WHERE id = 6;
	EOF
'

# ---------------------------------------------------------------------------
# all or nothing

test_expect_success 'a failure in the middle of a batch leaves the database as it was, rows included' '
	base_with_rows fails &&
	before=$(db_checksum) &&
	db_sql "SELECT id, owner, balance FROM accounts ORDER BY id" >rows.before &&
	test_expect_code 1 strata -d fails up >out 2>err &&
	test_grep "fails/0006_fay.sql:3:" err &&
	test_grep "nowhere" err &&
	test "$(db_checksum)" = "$before" &&
	db_sql "SELECT id, owner, balance FROM accounts ORDER BY id" >actual &&
	test_cmp rows.before actual &&
	db_sql "SELECT version FROM strata_migrations ORDER BY version" >actual &&
	echo 0001 >expect &&
	test_cmp expect actual
'

test_expect_success 'a fault injected at each statement of a five-migration run changes nothing' '
	base_with_rows five &&
	before=$(db_checksum) &&
	for n in 1 2 3 4 5
	do
		test_expect_code 1 env STRATA_FAULT=exec:$n strata -d five up >out 2>err &&
		test_grep "injected fault" err &&
		test "$(db_checksum)" = "$before" || { echo "exec:$n changed the database" >&2; return 1; }
	done &&
	strata -d five up >out &&
	test_grep "5 migrations applied" out &&
	db_sql "SELECT id, owner, balance, note FROM accounts ORDER BY id" >actual &&
	cat >expect <<-\EOF &&
	2|bob|40|checked
	3|cy|60|checked
	4|dan|80|checked
	5|eve|100|checked
	6|fay|60|
	EOF
	test_cmp expect actual
'

test_expect_success 'down is all or nothing too' '
	before=$(db_checksum) &&
	for n in 1 2 3 4 5
	do
		test_expect_code 1 env STRATA_FAULT=exec:$n strata -d five down --to 0001 >out 2>err &&
		test "$(db_checksum)" = "$before" || { echo "exec:$n changed the database" >&2; return 1; }
	done &&
	strata -d five down --to 0001 >out &&
	db_sql "SELECT id, owner, balance FROM accounts ORDER BY id" >actual &&
	cat >expect <<-\EOF &&
	1|ann|10
	2|bob|20
	3|cy|30
	4|dan|40
	5|eve|50
	EOF
	test_cmp expect actual
'

# ---------------------------------------------------------------------------
# transaction:false migrations

# half_done DIR: after the base, a transactional migration, then a
# non-transactional one that does half its work and fails.
half_done() {
	accounts "$1" &&
	mig "$1" 0002_more.sql <<-\EOF &&
	-- migrate:up
	INSERT INTO accounts (id, owner, balance) VALUES (7, 'gus', 70);

	-- migrate:down
	DELETE FROM accounts WHERE id = 7;
	EOF
	if test_have_engine postgres
	then
		mig "$1" 0003_half.sql <<-\EOF
		-- migrate:up transaction:false
		CREATE INDEX CONCURRENTLY accounts_owner ON accounts (owner);
		CREATE INDEX CONCURRENTLY nowhere_x ON nowhere (x);

		-- migrate:down transaction:false
		DROP INDEX CONCURRENTLY accounts_owner;
		EOF
	else
		mig "$1" 0003_half.sql <<-\EOF
		-- migrate:up transaction:false
		CREATE INDEX accounts_owner ON accounts (owner);
		INSERT INTO nowhere (x) VALUES (1);

		-- migrate:down
		DROP INDEX accounts_owner;
		EOF
	fi
}

test_expect_success SQLITE 'SQLite: a failed transaction:false run is restored from the backup, and says so' '
	rm -rf half && half_done half &&
	base_with_rows half &&
	before=$(db_checksum) &&
	test_expect_code 1 strata -d half up >out 2>err &&
	test_grep "restored from the backup taken before it" err &&
	test_grep "nowhere" err &&
	test_grep ! "recorded as failed" err &&
	test "$(db_checksum)" = "$before" &&
	strata -d half status >out &&
	test_grep ! failed out
'

test_expect_success 'without a backup, a failed transaction:false migration is recorded as failed' '
	rm -rf half && half_done half &&
	base_with_rows half &&
	test_expect_code 1 strata -d half up --no-backup >out 2>err &&
	test_grep "recorded as failed" err &&
	test_grep "strata mark 0003" err &&
	test_expect_code 3 strata -d half status --exit-code >out &&
	test_grep "^0002 .*applied" out &&
	test_grep "^0003 .*failed" out &&
	strata -d half --json status >out &&
	test_grep "\"state\": \"failed\"" out &&
	test_grep "nowhere" out
'

test_expect_success '... up refuses until mark resolves it' '
	test_expect_code 1 strata -d half up --no-backup >out 2>err &&
	test_grep "recorded as failed" err &&
	test_grep "mark 0003" err &&
	db_sql "DROP INDEX accounts_owner" &&
	strata -d half mark 0003 --pending >out &&
	sed -i "/nowhere/d" half/0003_half.sql &&
	strata -d half up >out &&
	test_grep "1 migration applied" out &&
	strata -d half status --exit-code >out
'

test_expect_success 'a refresh whose up fails leaves the database as before' '
	base_with_rows fails &&
	before=$(db_checksum) &&
	test_expect_code 1 strata -d fails refresh --yes >out 2>err &&
	test_grep "nowhere" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success SQLITE 'a reset --hard whose up fails is rolled back with its drop' '
	base_with_rows fails &&
	before=$(db_checksum) &&
	test_expect_code 1 strata -d fails reset --hard -y >out 2>err &&
	test_grep "nowhere" err &&
	test_grep "rolled back: the database is as it was" err &&
	test "$(db_checksum)" = "$before"
'

# ---------------------------------------------------------------------------
# one runner at a time

# run_parallel N CMD...: N copies of CMD at once; each one's stdout, stderr
# and exit status in par.I.out, par.I.err, par.I.code.
run_parallel() {
	local n=$1 i pids=
	shift
	rm -f par.*
	for i in $(seq 1 "$n")
	do
		{ "$@" >"par.$i.out" 2>"par.$i.err"; echo $? >"par.$i.code"; } &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
}

# applied_once: the many50 set is applied, each migration exactly once.
applied_once() {
	db_sql "SELECT count(*), count(DISTINCT version) FROM strata_migrations" >actual &&
	echo "50|50" >expect &&
	test_cmp expect actual &&
	db_sql "SELECT count(*), count(DISTINCT version) FROM applied_log" >actual &&
	test_cmp expect actual &&
	db_tables | grep -c "^t[0-9][0-9]$" >actual &&
	echo 50 >expect &&
	test_cmp expect actual
}

test_expect_success '8 concurrent up on 50 migrations: each applied once, every runner exits 0' '
	use_fresh_db &&
	run_parallel 8 strata -d "$MANY" up &&
	cat par.*.code >codes &&
	printf "0\n0\n0\n0\n0\n0\n0\n0\n" >expect &&
	test_cmp expect codes &&
	applied_once &&
	cat par.*.out | grep -c "^applied " >actual &&
	echo 50 >expect &&
	test_cmp expect actual &&
	cat par.*.err >errs &&
	{ grep -v -i "wait" errs >other || :; } &&
	test_must_be_empty other &&
	say_ "# note: $(grep -c -i wait errs) of 8 runners said they were waiting"
'

test_expect_success EXAMPLE_APP 'the library in an application and the CLI at once: each applied once' '
	use_fresh_db &&
	rm -f app.* par.* &&
	for i in 1 2 3 4
	do
		{ "$EXAMPLE_APP" "$DATABASE_URL" "$MANY" >"app.$i.out" 2>"app.$i.err"; echo $? >"app.$i.code"; } &
		{ strata -d "$MANY" up >"par.$i.out" 2>"par.$i.err"; echo $? >"par.$i.code"; } &
	done &&
	wait &&
	cat app.*.code par.*.code >codes &&
	printf "0\n0\n0\n0\n0\n0\n0\n0\n" >expect &&
	test_cmp expect codes &&
	applied_once &&
	cat app.*.out par.*.out | grep -E "^(app: )?applied " >applied &&
	test_line_count = 50 applied &&
	say_ "# note: $(cat app.*.err par.*.err | grep -c -i wait) of 8 runners said they were waiting"
'

# ---------------------------------------------------------------------------
# killed at any moment

ROWS=300000

test_expect_success 'setup a long migration' '
	mig long 0001_base.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE base (x INTEGER);

	-- migrate:down
	DROP TABLE base;
	EOF
	mig long 0002_big.sql <<-EOF
	-- migrate:up
	CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT NOT NULL);
	INSERT INTO big (id, v)
	WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $ROWS)
	SELECT x, '\''row '\'' || x FROM c;

	-- migrate:down
	DROP TABLE big;
	EOF
'

# big_state: "before" (no table big, no tracking row), "after" (all rows
# and the tracking row) or what was found.
big_state() {
	local tracked exists rows=
	tracked=$(db_sql "SELECT count(*) FROM strata_migrations WHERE version = '0002'") || return 1
	if test_have_engine postgres
	then
		exists=$(db_sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'big'")
	else
		exists=$(db_sql "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'big'")
	fi || return 1
	[ "$exists" = 1 ] && { rows=$(db_sql "SELECT count(*) FROM big") || return 1; }
	case "$tracked|$exists|$rows" in
	"0|0|") echo before ;;
	"1|1|$ROWS") echo after ;;
	*) echo "between: tracked=$tracked table=$exists rows=$rows" ;;
	esac
}

# ms_sleep MS
ms_sleep() {
	sleep "$(awk -v ms="$1" "BEGIN { printf \"%.3f\", ms / 1000 }")"
}

test_expect_success 'SIGKILL at 20 random moments of a long run: before or after, never between; a rerun completes' '
	use_fresh_db &&
	strata -d long up --to 0001 >out &&
	t0=$(date +%s%N) &&
	strata -d long up >out &&
	dur=$(( ($(date +%s%N) - t0) / 1000000 )) &&
	test "$(big_state)" = after &&
	say_ "# note: the long run takes $dur ms here" &&
	: >states &&
	for i in $(seq 1 20)
	do
		use_fresh_db &&
		strata -d long up --to 0001 >out &&
		before=$(db_checksum) &&
		delay=$(( RANDOM % (dur * 13 / 10 + 1) )) &&
		{ strata -d long up >kill.out 2>kill.err & } &&
		pid=$! &&
		ms_sleep $delay &&
		{ kill -KILL $pid 2>/dev/null || :; } &&
		{ wait $pid; echo "$?" >kill.code; } &&
		state=$(big_state) &&
		echo "$delay ms: $state (exit $(cat kill.code))" >>states &&
		case "$state" in
		before) test "$(db_checksum)" = "$before" ;;
		after) true ;;
		*) false ;;
		esac &&
		if test_have_engine sqlite
		then
			test "$(db_sql "PRAGMA integrity_check")" = ok
		fi &&
		strata -d long up >out 2>err &&
		test "$(big_state)" = after || { cat states err; return 1; }
	done &&
	cat states &&
	say_ "# note: killed runs found before: $(grep -c ": before" states), after: $(grep -c ": after" states)"
'

test_expect_success SQLITE 'a backup killed halfway leaves no file that looks like a backup' '
	ls -A "$TRASH/.strata-backups" | grep -v "^\.tmp-\|^index$\|^lock$" >names &&
	while read -r f
	do
		test "$(sqlite3 -init /dev/null "$TRASH/.strata-backups/$f" "PRAGMA quick_check")" = ok || return 1
	done <names
'

# ---------------------------------------------------------------------------
# the server ends the connection

test_expect_success POSTGRES 'a connection terminated by the server during a migration: clean failure, rerun succeeds' '
	use_fresh_db &&
	rm -rf sleepy &&
	accounts sleepy &&
	strata -d sleepy up >out &&
	mig sleepy 0002_sleepy.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE slept (x INTEGER);
	SELECT pg_sleep(3);
	INSERT INTO slept (x) VALUES (1);

	-- migrate:down
	DROP TABLE slept;
	EOF
	before=$(db_checksum) &&
	{ strata -d sleepy up >run.out 2>run.err & } &&
	pid=$! &&
	killed=0 &&
	for i in $(seq 1 100)
	do
		killed=$(db_sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '\''strata'\'' AND datname = current_database() AND query LIKE '\''%pg_sleep(3)%'\'' AND pid <> pg_backend_pid()") &&
		test "$killed" = 0 || break
		sleep 0.05
	done &&
	test "$killed" = 1 &&
	{ wait $pid; echo $? >run.code; } &&
	echo 1 >expect &&
	test_cmp expect run.code &&
	test_grep -i "terminat\|closed the connection\|connection" run.err &&
	test_line_count = 1 run.err &&
	test "$(db_checksum)" = "$before" &&
	strata -d sleepy up >out &&
	test_grep "1 migration applied" out &&
	db_sql "SELECT x FROM slept" >actual &&
	echo 1 >expect &&
	test_cmp expect actual
'

test_done
