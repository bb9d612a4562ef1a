#!/bin/bash
#
# bench/inspect_2000.sh: how long `strata inspect`, `strata dump` and
# `strata stats` take on a large schema: 2,000 tables of 10 columns, each
# with 2 indexes and a foreign key, on SQLite and on PostgreSQL.
#
#   bench/inspect_2000.sh [N]        N tables (default 2000)
#
# Environment: STRATA (the binary, default build/strata), STRATA_BENCH_RUNS
# (hyperfine runs, default 5), STRATA_BENCH_NO_PG=1 (SQLite only). The
# PostgreSQL side runs on a throwaway cluster of tests/pg/cluster, stopped
# on exit. Timings use hyperfine when it is installed, else bash's `time`.
#
# Introspection is one query per kind of object whatever the number of
# tables, so the figures should grow linearly with N, about a second per
# 2,000 tables at most; a regression to per-table queries shows here at
# once. Wall times mean little on a loaded machine (the load average is
# printed): hyperfine's User figure is strata's own share, the rest is the
# engine's. The PostgreSQL timings are taken right after the schema is
# created, before autovacuum has analyzed the grown catalogs, which is when
# `up --dump-schema` runs and when a planner misled by stale statistics
# hurts most.
#
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd -P)
ROOT=$(cd "$BENCH/.." && pwd -P)
STRATA=${STRATA:-$ROOT/build/strata}
N=${1:-2000}
RUNS=${STRATA_BENCH_RUNS:-5}

case "$N" in ''|*[!0-9]*|0) echo "usage: bench/inspect_2000.sh [N]" >&2; exit 2 ;; esac
[ -x "$STRATA" ] || { echo "inspect_2000: no strata binary at $STRATA (build first, or set STRATA)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "inspect_2000: needs the sqlite3 client" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/strata-inspect-bench.XXXXXX")
pg_dir=
cleanup() {
	[ -n "$pg_dir" ] && "$ROOT/tests/pg/cluster" stop "$pg_dir" >/dev/null 2>&1 || :
	rm -rf "$tmp"
}
trap cleanup EXIT

# The schema, portable to both engines: table t0 references itself, every
# other table the one before it.
awk -v n="$N" 'BEGIN {
	print "BEGIN;"
	for (i = 0; i < n; i++) {
		ref = i ? i - 1 : 0
		printf "CREATE TABLE t%d (\n", i
		print  "    id INTEGER PRIMARY KEY,"
		printf "    parent_id INTEGER REFERENCES t%d (id),\n", ref
		print  "    name TEXT NOT NULL,"
		print  "    email VARCHAR(200),"
		print  "    score INTEGER DEFAULT 0,"
		print  "    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,"
		print  "    active BOOLEAN DEFAULT TRUE,"
		print  "    amount NUMERIC(12,2),"
		print  "    note TEXT,"
		print  "    data TEXT"
		print  ");"
		printf "CREATE INDEX t%d_name ON t%d (name);\n", i, i
		printf "CREATE INDEX t%d_created ON t%d (created_at DESC, score);\n", i, i
	}
	print "COMMIT;"
}' >"$tmp/schema.sql"

# timeit LABEL COMMAND...: the command's time, through hyperfine if we can.
timeit() {
	local label=$1
	shift
	echo "  $label:"
	if command -v hyperfine >/dev/null; then
		hyperfine --style basic --runs "$RUNS" --warmup 1 -N --output=null \
			"$(printf '%q ' "$@")" 2>&1 | sed -n '/Time (mean/,/Range/p'
	else
		{ time "$@" >/dev/null; } 2>&1 | sed "s/^/    /"
	fi
}

echo "strata inspect/dump on $N tables (10 columns, 2 indexes, 1 foreign key each)"
echo "strata: $STRATA ($("$STRATA" --version)); $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# ---- SQLite ----------------------------------------------------------------
sqlite3 "$tmp/bench.db" <"$tmp/schema.sql"
url="sqlite:$tmp/bench.db"
lines=$("$STRATA" -u "$url" dump | wc -l)
echo "SQLite $(sqlite3 --version | cut -d' ' -f1): $N tables, dump of $lines lines"
timeit "sqlite inspect" "$STRATA" -u "$url" inspect --format json
timeit "sqlite dump" "$STRATA" -u "$url" dump
timeit "sqlite stats" "$STRATA" -u "$url" stats
echo

# ---- PostgreSQL ------------------------------------------------------------
if [ -n "${STRATA_BENCH_NO_PG-}" ]; then
	echo "PostgreSQL: skipped (STRATA_BENCH_NO_PG)"
	exit 0
fi
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/strata-pgb.XXXXXX")
if ! "$ROOT/tests/pg/cluster" start "$pg_dir" >/dev/null; then
	echo "PostgreSQL: skipped (no cluster could be started)"
	exit 0
fi
. "$pg_dir/env"
psql -X -q -h "$STRATA_TEST_PG_SOCKET" -p "$STRATA_TEST_PG_PORT" -U strata -d postgres \
	-c "CREATE DATABASE inspect_bench"
start=$(date +%s.%N)
psql -X -q -v ON_ERROR_STOP=1 -h "$STRATA_TEST_PG_SOCKET" -p "$STRATA_TEST_PG_PORT" -U strata \
	-d inspect_bench -f "$tmp/schema.sql"
load=$(echo "$(date +%s.%N) - $start" | bc)
url=${STRATA_TEST_PG_URL%/*}/inspect_bench
lines=$("$STRATA" -u "$url" dump | wc -l)
echo "PostgreSQL $(psql -X -At -h "$STRATA_TEST_PG_SOCKET" -p "$STRATA_TEST_PG_PORT" -U strata \
	-d postgres -c 'SHOW server_version'): $N tables (created in ${load%???????}s), dump of $lines lines"
timeit "postgres inspect" "$STRATA" -u "$url" inspect --format json
timeit "postgres dump" "$STRATA" -u "$url" dump
timeit "postgres stats" "$STRATA" -u "$url" stats
if command -v pg_dump >/dev/null; then
	timeit "pg_dump --schema-only (for comparison)" pg_dump --schema-only \
		-h "$STRATA_TEST_PG_SOCKET" -p "$STRATA_TEST_PG_PORT" -U strata -d inspect_bench
fi
