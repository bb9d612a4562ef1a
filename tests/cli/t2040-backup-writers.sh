#!/bin/bash

test_description='SQLite backups taken while another process writes

strata copies the database file itself when the file is the snapshot its
read transaction sees (a rollback journal, or a WAL whose every committed
page a checkpoint has put in the file), and otherwise goes through the
backup API. Either way a backup taken while another process commits, again
and again, must open, pass integrity_check and hold one whole state that
the writer committed. Each generation of the database describes itself
(meta holds its number, row count and byte total), so a copy that mixed
two states shows.'

test_engines=sqlite
. "$(dirname "$0")/test-lib.sh"

BACKUPS=${STRATA_TEST_BACKUPS:-6}

# sqlite3 on FILE, waiting (as strata does) for another process's lock.
sql() {
	local f=$1
	shift
	sqlite3 -batch -bail -init /dev/null -cmd ".timeout 20000" "$f" "$@"
}

# make_db FILE MODE: a database of about 9 MiB (so that a copy takes more
# than one 4 MiB read) at generation 0, in journal mode MODE.
make_db() {
	sql "$1" "PRAGMA journal_mode = $2;
	     CREATE TABLE pad (x BLOB);
	     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2200)
	     INSERT INTO pad SELECT randomblob(4000) FROM n;
	     CREATE TABLE meta (gen INTEGER, nrows INTEGER, total INTEGER);
	     INSERT INTO meta VALUES (0, 0, 0);
	     CREATE TABLE big (x BLOB);" >/dev/null
}

# gen FILE N: the database becomes generation N, in one transaction: rows
# replaced, meta updated, and a page of pad rewritten.
gen() {
	sql "$1" "BEGIN IMMEDIATE; DELETE FROM big;
	     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40 + $2 % 50)
	     INSERT INTO big SELECT randomblob(2000) FROM n;
	     UPDATE pad SET x = randomblob(4000) WHERE rowid = 1 + $2 % 2200;
	     UPDATE meta SET gen = $2, nrows = (SELECT count(*) FROM big),
	       total = (SELECT sum(length(x)) FROM big);
	     COMMIT;"
}

# whole FILE: "ok GEN" when the file passes integrity_check and holds one
# generation; else what is wrong.
whole() {
	local ic
	ic=$(sql "$1" "PRAGMA integrity_check" 2>&1) || { echo "unreadable: $ic"; return; }
	[ "$ic" = ok ] || { echo "integrity: $ic"; return; }
	sql "$1" "SELECT CASE WHEN nrows = (SELECT count(*) FROM big)
	       AND coalesce(total, 0) = coalesce((SELECT sum(length(x)) FROM big), 0)
	     THEN 'ok ' || gen ELSE 'mixed: ' || gen || ' ' || nrows || ' ' || total END FROM meta"
}

# writer FILE: commits generation after generation until the file "stop"
# exists (at most 3000), logging each committed one to "committed".
writer() {
	local n=1
	: >committed
	while [ ! -e stop ] && [ $n -le 3000 ]
	do
		gen "$1" $n || { echo "writer failed at $n" >>failures; return 1; }
		echo $n >>committed
		n=$((n + 1))
	done
}

# backups_under_writes FILE: $BACKUPS backups of FILE while a writer
# commits; each must be whole and a generation the writer committed (or 0).
# Writes what strata said (-v) to said.
backups_under_writes() {
	local i name state g
	rm -f stop committed failures said
	: >failures
	writer "$1" &
	wpid=$!
	# the writer is at work before the first backup
	for i in $(seq 1 200); do [ -s committed ] && break; sleep 0.05; done
	for i in $(seq 1 "$BACKUPS")
	do
		strata -v -u "sqlite:$1" backup --name "w$i" >out 2>err ||
			echo "backup $i exited $?: $(head -c 300 err)" >>failures
		cat err >>said
	done
	touch stop
	wait $wpid
	for i in $(seq 1 "$BACKUPS")
	do
		name=.strata-backups/$(basename "$1")--w$i.db
		state=$(whole "$name")
		case "$state" in
		"ok "*)
			g=${state#ok }
			[ "$g" = 0 ] || grep -qx "$g" committed ||
				echo "backup $i holds generation $g, never committed" >>failures ;;
		*)
			echo "backup $i: $state" >>failures ;;
		esac
		# a plain rollback-journal file, whatever the database's mode
		test "$(sql "$name" "PRAGMA journal_mode")" = delete ||
			echo "backup $i is not a rollback-journal file" >>failures
	done
	test -s committed &&
	test_must_be_empty failures
}

test_expect_success 'rollback journal: backups under continuous writes are whole committed states, copied as files' '
	make_db r.db delete &&
	backups_under_writes r.db &&
	test_grep "backup of .*r.db.: the file copied" said &&
	! grep "backup API" said &&
	whole r.db >state &&
	test_grep "^ok " state
'

test_expect_success 'WAL: backups under continuous writes are whole committed states' '
	make_db w.db wal &&
	backups_under_writes w.db &&
	test_path_is_missing .strata-backups/w.db--w1.db-wal &&
	test "$(sql w.db "PRAGMA journal_mode")" = wal &&
	whole w.db >state &&
	test_grep "^ok " state
'

test_expect_success 'WAL, no other process: the file is copied after a checkpoint' '
	make_db q.db wal &&
	gen q.db 7 &&
	strata -v -u sqlite:q.db backup --name quiet >out 2>err &&
	test_grep "the file copied" err &&
	echo "ok 7" >expect &&
	whole .strata-backups/q.db--quiet.db >actual &&
	test_cmp expect actual &&
	test_path_is_missing .strata-backups/q.db--quiet.db-wal
'

# old_reader FILE: a reader in a transaction begun now, until the file
# "done" exists (at most 20 s); "began" exists once it reads.
old_reader() {
	sql "$1" "BEGIN" "SELECT count(*) FROM meta" ".shell touch began" \
		".shell i=0; while [ ! -e done ] && [ \$i -lt 400 ]; do sleep 0.05; i=\$((i+1)); done" \
		"COMMIT" >/dev/null
}

# A reader whose transaction began before the last commit holds the
# checkpoint back: the file lacks that commit, so the backup API copies.
test_expect_success 'WAL, an older reader holds the checkpoint back: the backup API copies the newest state' '
	make_db o.db wal &&
	gen o.db 1 &&
	rm -f began done &&
	{ old_reader o.db & } &&
	for i in $(seq 1 200); do test -e began && break; sleep 0.05; done &&
	test_path_is_file began &&
	gen o.db 2 &&
	(strata -v -u sqlite:o.db backup --name held >out 2>err; echo $? >code) &&
	touch done &&
	wait &&
	echo 0 >expect &&
	test_cmp expect code &&
	test_grep "through SQLite.s backup API: the WAL has pages the file lacks" err &&
	echo "ok 2" >expect &&
	whole .strata-backups/o.db--held.db >actual &&
	test_cmp expect actual
'

test_expect_success 'WAL: a file size limit during the copy leaves no partial backup, exit 1' '
	make_db l.db wal &&
	gen l.db 3 &&
	before=$(db_checksum -u sqlite:l.db) &&
	(trap "" XFSZ && ulimit -f 4000 && strata -u sqlite:l.db backup --name lim >out 2>err; echo $? >code) &&
	echo 1 >expect &&
	test_cmp expect code &&
	test_grep -i "too large\|full" err &&
	test_grep "incomplete backup was removed" err &&
	ls -A .strata-backups >all &&
	sed -n -e "/^l\.db/p" -e "/^\.tmp-/p" all >left &&
	test_must_be_empty left &&
	test "$(db_checksum -u sqlite:l.db)" = "$before"
'

test_done
