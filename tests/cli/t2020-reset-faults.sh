#!/bin/bash

test_description='reset --hard under kill -9 and with readers

SQLite reset --hard drops every object and re-applies the migrations in
one transaction: killed at any moment it leaves the old database or the
new one, never an empty file; a reader holding a connection across it
keeps reading a valid database whose schema cookie only moves forward.'

test_engines=sqlite
. "$(dirname "$0")/test-lib.sh"

# slow: 30 migrations, each filling a table, so that a reset --hard takes a moment.
make_slow() {
	rm -rf migrations && mkdir migrations &&
	for i in $(seq -w 1 30)
	do
		printf -- "-- migrate:up\nCREATE TABLE t$i (x);\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO t$i SELECT randomblob(200) FROM n;\n-- migrate:down\nDROP TABLE t$i;\n" \
			>"migrations/00${i}_t$i.sql" || return 1
	done
}

# state: "old" (the marker table and every migration), "new" (every
# migration, no marker), or anything else for a broken database.
state() {
	local ok n m
	ok=$(sqlite3 db.db "PRAGMA integrity_check" 2>&1) &&
	n=$(sqlite3 db.db "SELECT count(*) FROM strata_migrations" 2>&1) &&
	m=$(sqlite3 db.db "SELECT count(*) FROM sqlite_schema WHERE name = 'old_marker'" 2>&1) || {
		echo "broken: $ok $n $m"
		return 0
	}
	if [ "$ok" != ok ] || [ "$n" != 30 ]; then
		echo "broken: $ok, $n applied"
	elif [ "$m" = 1 ]; then
		echo old
	else
		echo new
	fi
}

test_expect_success 'setup' '
	make_slow &&
	DATABASE_URL=sqlite:db.db && export DATABASE_URL &&
	strata up -q &&
	sqlite3 db.db "CREATE TABLE old_marker (x); INSERT INTO old_marker VALUES (1)" &&
	test "$(state)" = old
'

# kill_once DELAY: start reset --hard, kill -9 it after DELAY seconds,
# print the state it left.
kill_once() {
	local pid
	sqlite3 db.db "CREATE TABLE IF NOT EXISTS old_marker (x)" || return 1
	"$STRATA" reset --hard -y --no-backup >/dev/null 2>&1 &
	pid=$!
	sleep "$1"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f .strata-backups/.tmp-* 2>/dev/null
	state
}

test_expect_success 'kill -9 at 20 random moments of reset --hard: old or new, never empty' '
	: >states &&
	for i in $(seq 1 20)
	do
		d=$(awk -v r=$RANDOM "BEGIN { printf \"%.3f\", 0.02 + (r % 400) / 1000 }") &&
		kill_once "$d" >>states || return 1
	done &&
	cat states &&
	test_grep ! "broken" states
'

test_expect_success 'a reader holding its connection across reset --hard reads a valid database, cookie moving forward' '
	cat >reader.py <<-\EOF &&
	import os, sqlite3, sys, time
	c = sqlite3.connect("db.db", isolation_level=None)
	c.execute("PRAGMA busy_timeout = 10000")
	last = c.execute("PRAGMA schema_version").fetchone()[0]
	open("reader.ready", "w").close()
	seen = 0
	end = time.time() + 30
	while time.time() < end:
	    # whether reset has finished, asked before the reads: the last
	    # round then reads what reset left (however fast it was)
	    done = os.path.exists("reset.done")
	    try:
	        v = c.execute("PRAGMA schema_version").fetchone()[0]
	        n = c.execute("SELECT count(*) FROM strata_migrations").fetchone()[0]
	        ok = c.execute("PRAGMA quick_check").fetchone()[0]
	    except sqlite3.OperationalError as e:
	        if "locked" in str(e) or "busy" in str(e):
	            continue
	        print("error:", e); sys.exit(1)
	    if ok != "ok" or n != 30:
	        print("bad read:", ok, n); sys.exit(1)
	    if v < last:
	        print("cookie went back:", last, v); sys.exit(1)
	    if v > last:
	        seen += 1
	    last = v
	    if done:
	        break
	print("ok", seen)
	EOF
	rm -f reader.ready reset.done &&
	sqlite3 db.db "CREATE TABLE IF NOT EXISTS old_marker (x)" &&
	{ python3 reader.py >reader.out 2>&1 & } &&
	reader=$! &&
	while ! test -f reader.ready; do sleep 0.05; done &&
	strata reset --hard -y >out 2>err &&
	: >reset.done &&
	wait $reader &&
	cat reader.out &&
	test_grep "^ok [1-9]" reader.out &&
	test "$(state)" = new
'

test_done
