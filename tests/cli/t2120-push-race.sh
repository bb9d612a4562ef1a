#!/bin/bash
test_description='push plans under the runner'\''s lock

push reads the live schema, plans and applies, all under the lock that up
takes (PostgreSQL: the advisory lock; SQLite: BEGIN IMMEDIATE). An up that
adds a column and rows, raced against a push whose plan rebuilds the same
table (SQLite) or alters it (PostgreSQL), 100 times: each time the column
and every row are there afterwards, the migration is recorded once, and
push either applied its plan or refused the drop of the new column. And
one meeting made certain: a push started while a run holds the lock waits,
says so, and plans from what that run committed.'
test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

RACES=${STRATA_TEST_RACES:-100}

# Back to the state before a race: 0001 applied (t with three rows),
# 0002 pending, no u.
RESET="DROP TABLE IF EXISTS u; DROP TABLE IF EXISTS t;
	CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);
	INSERT INTO t (id, a) VALUES (1, 'one'), (2, 'two'), (3, 'three');
	DELETE FROM strata_migrations WHERE version <> '0001';"
race_reset() {
	db_sql -u "$1" "$RESET"
}

# The state after a race, one line: t's columns, its rows (as db_sql
# prints them), how often 0002 is recorded, and whether u exists; on
# PostgreSQL also which of the two committed first when both did (the
# transaction ids of u and of 0002's row): a push that succeeds after up
# applied a plan made without b, which it would have refused. Written
# not to fail when a column is missing. With "reset" as $2, also
# race_reset (on PostgreSQL in the same call: on a loaded machine a psql
# start costs more than the race itself).
race_state() {
	local cols rows rec u
	case "$STRATA_TEST_ENGINE" in
	sqlite)
		cols=$(db_sql -u "$1" "SELECT name FROM pragma_table_info('t') ORDER BY cid;") &&
		u=$(db_sql -u "$1" "SELECT count(*) FROM sqlite_schema WHERE name = 'u';")
		;;
	postgres)
		# One query; to_jsonb(t) reads b without naming it (it may be gone).
		db_sql -u "$1" "SELECT (SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
			  WHERE attrelid = 'public.t'::regclass AND attnum > 0 AND NOT attisdropped)
			|| ' ' || (SELECT string_agg(concat_ws('|', id, a, coalesce(to_jsonb(t)->>'b', '')), ','
			  ORDER BY id) FROM t)
			|| ' ' || (SELECT count(*) FROM strata_migrations WHERE version = '0002')
			|| ' ' || (SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'u')
			|| coalesce((SELECT CASE WHEN c.xmin::text::bigint < m.xmin::text::bigint
			    THEN ' push-first' ELSE ' up-first' END
			  FROM pg_class c, strata_migrations m
			  WHERE c.relname = 'u' AND c.relnamespace = 'public'::regnamespace
			    AND m.version = '0002'), '');
			${2:+$RESET}"
		return
		;;
	esac &&
	rows=$(db_sql -u "$1" "SELECT * FROM t ORDER BY id;") &&
	rec=$(db_sql -u "$1" "SELECT count(*) FROM strata_migrations WHERE version = '0002';") &&
	echo "$(echo $cols | tr ' ' ,) $(echo $rows | tr ' ' ,) $rec $u" &&
	if [ -n "${2-}" ]; then race_reset "$1"; fi
}

test_expect_success 'setup: 0001 applied, 0002 pending, a schema.sql' '
	mkdir migrations &&
	cat >migrations/0001_t.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);
	INSERT INTO t (id, a) VALUES (1, '"'one'"'), (2, '"'two'"'), (3, '"'three'"');
	-- migrate:down
	DROP TABLE t;
	EOF
	use_fresh_db &&
	strata up >out 2>err &&
	cat >migrations/0002_b.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE t ADD COLUMN b TEXT;
	INSERT INTO t (id, a, b) VALUES (4, '"'four'"', '"'x'"'), (5, '"'five'"', '"'y'"');
	-- migrate:down
	ALTER TABLE t DROP COLUMN b;
	EOF
	cat >schema.sql <<-\EOF &&
	CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL);
	CREATE TABLE u (id INTEGER PRIMARY KEY);
	EOF
	if test_have_engine postgres
	then
		# a dev database of its own: no CREATE DATABASE per push
		DEV=$(fresh_db)
	fi
'

BOTH="id,a,b 1|one|,2|two|,3|three|,4|four|x,5|five|y 1"
PUSH_FIRST=
test_have_engine postgres && PUSH_FIRST=" push-first"

test_expect_success 'on its own, push rebuilds or alters t and adds u; then up adds b' '
	race_reset "$DATABASE_URL" &&
	strata ${DEV:+--dev-url "$DEV"} push --force >out 2>err &&
	test_grep "^pushed [0-9]* changes" out &&
	strata up >out 2>err &&
	echo "$BOTH 1$PUSH_FIRST" >expect &&
	race_state "$DATABASE_URL" >actual &&
	test_cmp expect actual
'

test_expect_success 'on its own after up, push refuses to drop b and changes nothing' '
	race_reset "$DATABASE_URL" &&
	strata up >out 2>err &&
	before=$(db_checksum) &&
	test_expect_code 1 strata ${DEV:+--dev-url "$DEV"} push --force >out 2>err &&
	test_grep "drop_column t.b (5 rows)" err &&
	test "$(db_checksum)" = "$before"
'

# hold_lock: in the background, what an up does: take the runner's lock,
# add b and two rows, and commit 2 s later; returns once the lock is held.
# PostgreSQL: a real up, of a 0002 that also sleeps; SQLite: the sqlite3
# shell holding BEGIN IMMEDIATE (SQLite has no sleep in SQL).
hold_lock() {
	local i
	case "$STRATA_TEST_ENGINE" in
	sqlite)
		{ echo "BEGIN IMMEDIATE; ALTER TABLE t ADD COLUMN b TEXT;
			INSERT INTO t (id, a, b) VALUES (4, 'four', 'x'), (5, 'five', 'y');" &&
		  sleep 2 && echo "COMMIT;"; } |
			sqlite3 -batch -bail -init /dev/null "$(test_sqlite_path_ "$DATABASE_URL")" &
		for i in $(seq 50); do
			sqlite3 -batch -init /dev/null "$(test_sqlite_path_ "$DATABASE_URL")" \
				"BEGIN IMMEDIATE; ROLLBACK;" 2>/dev/null || return 0
			sleep 0.1
		done
		;;
	postgres)
		rm -rf slow && mkdir slow &&
		cp migrations/0001_t.sql slow/ &&
		sed "s/^INSERT.*/&\nSELECT pg_sleep(2);/" migrations/0002_b.sql >slow/0002_b.sql &&
		{ strata -d slow up >slow.out 2>slow.err & } &&
		for i in $(seq 50); do
			test "$(db_sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(2)%'
				AND pid <> pg_backend_pid()")" = 1 && return 0
			sleep 0.1
		done
		;;
	esac
	echo "hold_lock: the lock was not taken in 5 s" >&2
	return 1
}

test_expect_success 'a push started while a run holds the lock waits, says so, and plans from what that run did' '
	race_reset "$DATABASE_URL" &&
	hold_lock &&
	test_expect_code 1 strata ${DEV:+--dev-url "$DEV"} push --force >out 2>err &&
	wait &&
	test_grep "waiting for another" err &&
	test_grep "drop_column t.b (5 rows)" err &&
	test_grep "nothing was changed" err &&
	if test_have_engine postgres
	then
		echo "$BOTH 0" >expect
	else
		# the sqlite3 shell records no migration
		echo "id,a,b 1|one|,2|two|,3|three|,4|four|x,5|five|y 0 0" >expect
	fi &&
	race_state "$DATABASE_URL" >actual &&
	test_cmp expect actual
'

if command -v script >/dev/null 2>&1
then
	test_set_prereq TTY
fi

# push_at_terminal: in the background, push at a terminal (script) that
# types what is written to the FIFO "in"; the transcript in typescript,
# the status in rc.
push_at_terminal() {
	{ script -qec "\"$STRATA\" ${DEV:+--dev-url $DEV} push --force" /dev/null <in >typescript 2>&1
	  echo $? >rc; } &
}

# wait_asked N: until the terminal transcript holds N questions (10 s at most).
wait_asked() {
	local i
	for i in $(seq 100); do
		[ "$(grep -c "Apply? \[y/N\]" typescript)" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "wait_asked: not asked $1 times:" >&2
	cat typescript >&2
	return 1
}

test_expect_success TTY 'a push confirmed at a terminal applies only the plan agreed to: a change meanwhile is asked about again' '
	race_reset "$DATABASE_URL" &&
	strata up >out 2>err &&
	rm -f in typescript &&
	mkfifo in &&
	push_at_terminal &&
	exec 3>in &&
	wait_asked 1 &&
	test_grep "drop_column t.b" typescript &&
	db_sql "ALTER TABLE t ADD COLUMN c TEXT; UPDATE t SET c = '"'keep'"';" &&
	echo y >&3 &&
	wait_asked 2 &&
	echo n >&3 &&
	exec 3>&- &&
	wait &&
	echo 1 >expect &&
	test_cmp expect rc &&
	test_grep "the database changed after the plan was confirmed" typescript &&
	test_grep "drop_column t.c (5 rows)" typescript &&
	db_sql "SELECT count(c) FROM t" >actual &&
	echo 5 >expect &&
	test_cmp expect actual &&
	db_sql "SELECT count(b) FROM t" >actual &&
	echo 2 >expect &&
	test_cmp expect actual
'

test_expect_success TTY '... and confirmed again, it applies the new plan' '
	rm -f in typescript &&
	mkfifo in &&
	push_at_terminal &&
	exec 3>in &&
	wait_asked 1 &&
	echo y >&3 &&
	exec 3>&- &&
	wait &&
	echo 0 >expect &&
	test_cmp expect rc &&
	test_grep "pushed [0-9]* changes" typescript &&
	db_tables >actual &&
	test_grep "^u$" actual
'

# One race (from the state race_reset makes; it leaves it so again):
# push and up started together, one of them a little later, so
# that the two meet at every point of push's run (on PostgreSQL push
# first loads schema.sql into the dev database, which takes longer than
# all of up: there up waits up to 250 ms). Both are waited for. Appends a
# line to "failures" for anything lost, doubled or unexplained.
race_once() {
	local n=$1 state delay
	if [ $((n % 2)) = 0 ]; then
		if test_have_engine postgres; then
			delay=$(printf '0.%03d' $((RANDOM % 250)))
		else
			delay=0.00$((RANDOM % 10))
		fi
		{ strata ${DEV:+--dev-url "$DEV"} push --force >push.out 2>push.err; echo $? >push.rc; } &
		{ sleep "$delay"; strata up >up.out 2>up.err; echo $? >up.rc; } &
	else
		delay=0.00$((RANDOM % 10))
		{ strata up >up.out 2>up.err; echo $? >up.rc; } &
		{ sleep "$delay"; strata ${DEV:+--dev-url "$DEV"} push --force >push.out 2>push.err; echo $? >push.rc; } &
	fi
	wait
	state=$(race_state "$DATABASE_URL" reset) || echo "$n: cannot read or reset: $state" >>failures
	case "$(cat up.rc) $(cat push.rc)" in
	"0 0")
		# push first (u made), then up: everything there.
		[ "$state" = "$BOTH 1$PUSH_FIRST" ] ||
			echo "$n: both succeeded, state: $state" >>failures ;;
	"0 1")
		# up first: push saw b and refused to drop it; no u.
		grep -q "drop_column t.b (5 rows)" push.err &&
		[ "$state" = "$BOTH 0" ] ||
			echo "$n: push refused ($(head -c 200 push.err)), state: $state" >>failures ;;
	*)
		echo "$n: up exited $(cat up.rc) ($(head -c 200 up.err)), push $(cat push.rc)" \
			"($(head -c 200 push.err)), state: $state" >>failures ;;
	esac
	echo "up=$(cat up.rc) push=$(cat push.rc)" >>outcomes
}

test_expect_success "push raced against up $RACES times: no column, no row lost, 0002 once" '
	: >failures &&
	: >outcomes &&
	race_reset "$DATABASE_URL" &&
	for n in $(seq "$RACES"); do
		race_once "$n" || return 1
	done &&
	sort outcomes | uniq -c >&2 &&
	head -5 failures >&2 &&
	test_must_be_empty failures
'

test_done
