#!/bin/bash
test_description='restore latest racing the prune of another run restores a whole file

Each generation of the database describes itself (meta holds its number,
row count and byte total), so a restore that mixed two files, or read one
cut short by a prune, shows. 30 times: a restore latest and, at the same
moment, another process that writes a new generation and takes a backup
with --keep 1 (pruning the backup the restore may have chosen). Afterwards
the restore succeeded, named the backup it restored, and the database is a
whole generation that was written.'
test_engines=sqlite
. "$(dirname "$0")/test-lib.sh"

RACES=${STRATA_TEST_RACES:-30}

# sqlite3 waiting, as strata does, for the other process's lock.
sql() {
	sqlite3 -batch -bail -init /dev/null -cmd ".timeout 20000" a.db "$@"
}

# gen N: the database becomes generation N, about 1 MiB (300 + N rows
# of 3000 random bytes), in one transaction.
gen() {
	sql "BEGIN; DELETE FROM big;
	     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300 + $1)
	     INSERT INTO big SELECT randomblob(3000) FROM n;
	     UPDATE meta SET gen = $1, nrows = (SELECT count(*) FROM big),
	       total = (SELECT sum(length(x)) FROM big);
	     COMMIT;"
}

# "ok GEN" when the database is whole and one generation; else what is wrong.
whole() {
	local ic
	ic=$(sql "PRAGMA integrity_check") || { echo "unreadable"; return; }
	[ "$ic" = ok ] || { echo "integrity: $ic"; return; }
	sql "SELECT CASE WHEN nrows = (SELECT count(*) FROM big) AND total = (SELECT sum(length(x)) FROM big)
	     THEN 'ok ' || gen ELSE 'mixed: ' || gen || ' ' || nrows || ' ' || total END FROM meta"
}

test_expect_success 'setup: generation 0 and its backup' '
	sql "CREATE TABLE meta (gen INTEGER, nrows INTEGER, total INTEGER); INSERT INTO meta VALUES (0, 0, 0);
	     CREATE TABLE big (x BLOB);" &&
	gen 0 &&
	echo "ok 0" >expect &&
	whole >actual &&
	test_cmp expect actual &&
	strata -u sqlite:a.db --keep 1 backup >out 2>err &&
	test_grep "^backup: .*a.db-.*\.db" out
'

test_expect_success 'a restore of latest on its own gives the generation of that backup' '
	gen 1 &&
	strata -u sqlite:a.db --keep 1 restore latest >out 2>err &&
	test_must_be_empty err &&
	echo "ok 0" >expect &&
	whole >actual &&
	test_cmp expect actual
'

# One race: restore latest against a writer that makes generation $1 and
# prunes with its backup. Appends to "failures" what went wrong.
race_once() {
	local n=$1 state from
	{ strata -u sqlite:a.db --keep 1 restore latest >r.out 2>r.err; echo $? >r.rc; } &
	{ sleep 0.0$((RANDOM % 5)); gen "$n" && strata -u sqlite:a.db --keep 1 backup >b.out 2>b.err; echo $? >b.rc; } &
	wait
	state=$(whole)
	echo "$n $state" >>states
	from=$(sed -n "s/^restored sqlite:a.db from //p" r.out)
	[ -z "$from" ] || [ -e "$from" ] || echo "$n" >>pruned
	# (it may say that it waits for the writer's lock, nothing else)
	[ "$(cat r.rc)" = 0 ] && ! grep -v "^strata: waiting for another process" r.err >/dev/null &&
		grep -q "^restored sqlite:a.db from .*/\.strata-backups/a\.db-" r.out ||
		echo "$n: restore exited $(cat r.rc): $(head -c 300 r.err)" >>failures
	[ "$(cat b.rc)" = 0 ] ||
		echo "$n: the writer's backup exited $(cat b.rc): $(head -c 300 b.err)" >>failures
	# Whole, and a generation that was written: one before this race
	# (restored from a backup) or this race's own (written after the restore).
	case "$state" in
	"ok "*)
		[ "${state#ok }" -le "$n" ] ||
			echo "$n: generation ${state#ok } was never written" >>failures ;;
	*)
		echo "$n: not a whole generation: $state" >>failures ;;
	esac
}

test_expect_success "restore latest raced against a pruning backup $RACES times: always a whole generation" '
	: >failures &&
	: >states &&
	: >pruned &&
	for n in $(seq 2 $((RACES + 1))); do
		race_once "$n" || return 1
	done &&
	head -5 failures >&2 &&
	test_must_be_empty failures
'

test_expect_success '... and the races did meet: some restores read a backup the writer pruned' '
	test -s pruned
'

test_done
