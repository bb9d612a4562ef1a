#!/bin/bash

test_description='PostgreSQL high availability: multi-host URLs, standbys, failover

A primary and a streaming standby of its own (pg_basebackup -R) on loopback
ports. A multi-host URL (libpq syntax, target_session_attrs=read-write)
reaches the primary whichever host comes first; a standby, or a read-only
session, is refused before anything runs; a run cut off by a failover
fails, and the rerun through the same URL reaches the promoted standby and
finishes it: nothing lost, nothing applied twice.'

test_engines=postgres
. "$(dirname "$0")/test-lib.sh"

bindir=/usr/lib/postgresql/15/bin
[ -x "$bindir/pg_basebackup" ] || bindir=$(dirname "$(command -v pg_ctl 2>/dev/null || echo /x/x)")
pw=s3cret-test-pw
ha_dir=

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

free_port() {
	local p=$((10000 + RANDOM % 22000))
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do
		p=$((p + 1))
	done
	echo $p
}

# Stop both servers, whatever happened (the EXIT trap below).
ha_stop_() {
	[ -n "$ha_dir" ] || return 0
	[ -f "$ha_dir/s/postmaster.pid" ] &&
		as_pg "$bindir/pg_ctl" -D "$ha_dir/s" -m immediate -w -t 30 stop >/dev/null 2>&1
	"$SRCDIR/tests/pg/cluster" stop "$ha_dir/p" >/dev/null 2>&1
	rm -rf "$ha_dir"
}
trap 'ha_code_=$?; ha_stop_; (exit $ha_code_); test_atexit_' EXIT

# psql on a server of ours over its socket: pq PORT SOCKETDIR SQL
pq() {
	psql -X -q -At -v ON_ERROR_STOP=1 -h "$2" -p "$1" -U strata -d app -c "$3"
}

mig() {
	printf -- "-- migrate:up\n%s\n-- migrate:down\n%s\n" "$2" "$3" >"migrations/$1"
}

test_expect_success 'setup: a primary and a streaming standby' '
	ha_dir=$(mktemp -d "$("$SRCDIR/tests/pg/cluster" tmpdir)/strata-ha.XXXXXX") &&
	chmod 755 "$ha_dir" &&
	mkdir "$ha_dir/p" &&
	"$SRCDIR/tests/pg/cluster" start "$ha_dir/p" &&
	. "$ha_dir/p/env" &&
	P=$STRATA_TEST_PG_PORT &&
	echo "local replication all trust" >>"$ha_dir/p/data/pg_hba.conf" &&
	as_pg "$bindir/pg_ctl" -D "$ha_dir/p/data" reload >/dev/null &&
	psql -X -q -h "$ha_dir/p" -p $P -U strata -d postgres -c "CREATE DATABASE app" &&
	if [ "$(id -u)" = 0 ]; then chown postgres: "$ha_dir"; fi &&
	as_pg "$bindir/pg_basebackup" -D "$ha_dir/s" -R -X stream -c fast -h "$ha_dir/p" -p $P -U strata &&
	S=$(free_port) &&
	as_pg "$bindir/pg_ctl" -D "$ha_dir/s" -l "$ha_dir/s.log" -w -t 60 \
		-o "-p $S -k $ha_dir/s" start >/dev/null &&
	test "$(pq $S "$ha_dir/s" "SELECT pg_is_in_recovery()")" = t &&
	HA="postgres://strata:$pw@127.0.0.1:$S,127.0.0.1:$P/app?target_session_attrs=read-write&connect_timeout=5" &&
	PRIMARY="postgres://strata:$pw@127.0.0.1:$P/app" &&
	STANDBY="postgres://strata:$pw@127.0.0.1:$S/app" &&
	mkdir migrations &&
	mig 0001_a.sql "CREATE TABLE a (id INTEGER); INSERT INTO a VALUES (1);" "DROP TABLE a;"
'

test_expect_success 'a multi-host URL reaches the primary, the standby listed first' '
	strata -u "$HA" up >out 2>err &&
	test_grep "applied  *0001_a" out &&
	strata -u "$HA" --json status >out &&
	test_grep "127.0.0.1:$S,127.0.0.1:$P/app" out &&
	test_grep ! "$pw" out &&
	test "$(pq $P "$ha_dir/p" "SELECT count(*) FROM strata_migrations")" = 1
'

test_expect_success 'a standby is refused before anything runs; reading it works' '
	mig 0002_b.sql "CREATE TABLE b (id INTEGER);" "DROP TABLE b;" &&
	n=0 &&
	until test "$(pq $S "$ha_dir/s" "SELECT count(*) FROM strata_migrations" 2>/dev/null)" = 1
	do
		n=$((n + 1)) && test $n -lt 200 && sleep 0.05 || return 1
	done &&
	test_expect_code 2 strata -u "$STANDBY" up >out 2>err &&
	test_line_count = 1 err &&
	test_grep "is a standby (in recovery, read-only): nothing was run" err &&
	test_grep ! "$pw" err &&
	strata -u "$STANDBY" status >out &&
	test_grep "^0002 .*pending" out &&
	test "$(pq $P "$ha_dir/p" "SELECT count(*) FROM strata_migrations")" = 1
'

test_expect_success 'push to a standby is refused up front too, before any scratch work' '
	echo "CREATE TABLE pushed (id INTEGER);" >schema.sql &&
	test_expect_code 2 strata -u "$STANDBY" -s schema.sql push --force >out 2>err &&
	test_line_count = 1 err &&
	test_grep "is a standby (in recovery, read-only): nothing was run" err &&
	test_grep ! "scratch" err &&
	test "$(pq $P "$ha_dir/p" "SELECT count(*) FROM pg_tables WHERE tablename = '\''pushed'\''")" = 0
'

test_expect_success 'a read-only session is refused before anything runs' '
	test_expect_code 2 strata -u "$PRIMARY?options=-c%20default_transaction_read_only%3Don" up \
		>out 2>err &&
	test_grep "session of .* is read-only" err &&
	test "$(pq $P "$ha_dir/p" "SELECT count(*) FROM strata_migrations")" = 1
'

# The run the failover cuts off: 0003 waits on the old primary only (its
# port), so that the rerun on the promoted standby does not.
failover_run() {
	local pid n=0
	strata -u "$HA" up >run.out 2>run.err &
	pid=$!
	until test "$(pq $P "$ha_dir/p" "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()")" = 1
	do
		n=$((n + 1))
		test $n -lt 400 || break
		sleep 0.05
	done
	as_pg "$bindir/pg_ctl" -D "$ha_dir/p/data" -m immediate -w stop >/dev/null
	as_pg "$bindir/pg_ctl" -D "$ha_dir/s" -w promote >/dev/null
	wait $pid
}

test_expect_success 'a failover mid-run fails the run; the rerun finishes it, nothing twice' '
	mig 0003_c.sql "CREATE TABLE c (id INTEGER); SELECT pg_sleep(60) FROM pg_settings WHERE name = '"'port'"' AND setting = '"'$P'"';" "DROP TABLE c;" &&
	mig 0004_d.sql "CREATE TABLE d (id INTEGER);" "DROP TABLE d;" &&
	test_expect_code 1 failover_run &&
	test_grep "^strata: error: migrations/0003_c.sql:2: connection to the server was lost: .*(rolled back" run.err &&
	test_grep ! "$pw" run.err &&
	strata -u "$HA" up >out 2>err &&
	test_grep "applied  *0002_b" out &&
	test_grep "applied  *0004_d" out &&
	test "$(pq $S "$ha_dir/s" "SELECT pg_is_in_recovery()")" = f &&
	pq $S "$ha_dir/s" "SELECT version FROM strata_migrations ORDER BY 1" >actual &&
	printf "%s\n" 0001 0002 0003 0004 >expect &&
	test_cmp expect actual &&
	test "$(pq $S "$ha_dir/s" "SELECT count(*) FROM a")" = 1 &&
	strata -u "$HA" up >out &&
	test_grep "nothing to apply" out
'

test_expect_success 'a scratch database through the multi-host URL: verify on the new primary' '
	strata -u "$HA" verify >out 2>err &&
	test_must_be_empty err &&
	test "$(pq $S "$ha_dir/s" "SELECT count(*) FROM pg_database WHERE datname LIKE '"'strata_%'"'")" = 0
'

test_done
