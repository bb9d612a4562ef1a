#!/bin/bash

test_description='faults injected at query, begin, commit and lock

The STRATA_FAULT seam of test builds (lib/driver.c) fails the Nth call of
one driver operation. Whichever call fails, a run exits 1 with a one-line
error and leaves the database as it was, rows included; a commit that
fails rolls its transaction back; a lock not taken says so. Each loop
below fails every call of its kind in turn, until a run gets past them
all and succeeds.'

test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

mig() {
	printf -- "-- migrate:up\n%s\n-- migrate:down\n%s\n" "$2" "$3" >"migrations/$1.sql"
}

# Two migrations applied (a table with rows), two pending.
setup_db() {
	rm -rf migrations .strata-backups &&
	mkdir migrations &&
	mig 0001_accounts "CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL);
INSERT INTO accounts (id, owner) VALUES (1, 'ann'), (2, 'bob');" "DROP TABLE accounts;" &&
	mig 0002_audit "CREATE TABLE audit (id INTEGER PRIMARY KEY);" "DROP TABLE audit;" &&
	use_fresh_db &&
	strata up >out &&
	mig 0003_notes "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);" "DROP TABLE notes;" &&
	mig 0004_rows "UPDATE accounts SET owner = 'carl' WHERE id = 1;
INSERT INTO notes (id, body) VALUES (1, 'x');" "DELETE FROM notes;
UPDATE accounts SET owner = 'ann' WHERE id = 1;"
}

# each_fault OP CMD...: run CMD with STRATA_FAULT=OP:1, OP:2, ... Every run
# that fails must exit 1 with one line naming the fault and change nothing;
# the first that succeeds ends the loop (and must come within 40).
each_fault() {
	local op=$1 n before rc
	shift
	before=$(db_checksum) &&
	for n in $(seq 1 40)
	do
		rc=0
		env STRATA_FAULT=$op:$n strata "$@" >out 2>err || rc=$?
		if [ $rc = 0 ]; then
			echo "$op:$n: no fault left to hit" >&2
			return 0
		fi
		test $rc = 1 || { echo "$op:$n: exit $rc" >&2; return 1; }
		# a SQLite run restored from its backup says so before its error
		grep -v "restored from the backup" err >err.1 &&
		test_line_count = 1 err.1 &&
		test_grep "^strata: error: .*injected fault (STRATA_FAULT=$op)" err.1 &&
		test "$(db_checksum)" = "$before" || { echo "$op:$n changed the database" >&2; return 1; }
	done
	echo "$op: 40 faults and still failing" >&2
	return 1
}

applied() {
	db_sql "SELECT version FROM strata_migrations ORDER BY version" | tr '\n' ' '
}

test_expect_success 'a fault at commit leaves the database as it was, exit 1' '
	setup_db &&
	before=$(db_checksum) &&
	test_expect_code 1 env STRATA_FAULT=commit:1 strata up >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: cannot commit: injected fault (STRATA_FAULT=commit)$" err &&
	test "$(db_checksum)" = "$before" &&
	test "$(applied)" = "0001 0002 " &&
	strata up >out &&
	test "$(applied)" = "0001 0002 0003 0004 " &&
	db_sql "SELECT owner FROM accounts WHERE id = 1" >actual &&
	echo carl >expect &&
	test_cmp expect actual
'

test_expect_success 'up: a fault at each commit in turn changes nothing' '
	setup_db &&
	each_fault commit up &&
	test "$(applied)" = "0001 0002 0003 0004 "
'

test_expect_success 'a fault at lock: exit 1, a clear error, nothing changed' '
	setup_db &&
	before=$(db_checksum) &&
	test_expect_code 1 env STRATA_FAULT=lock:1 strata up >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: cannot take the migration lock: injected fault (STRATA_FAULT=lock)$" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'up: a fault at each lock in turn changes nothing' '
	setup_db &&
	each_fault lock up
'

test_expect_success 'a fault at begin: exit 1, the error names the transaction, nothing changed' '
	setup_db &&
	before=$(db_checksum) &&
	test_expect_code 1 env STRATA_FAULT=begin:1 strata up >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: cannot begin a transaction: injected fault (STRATA_FAULT=begin)$" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'up: a fault at each begin in turn changes nothing' '
	setup_db &&
	each_fault begin up
'

test_expect_success 'up: a fault at each query in turn changes nothing' '
	setup_db &&
	each_fault query up &&
	test "$(applied)" = "0001 0002 0003 0004 "
'

test_expect_success 'up: a fault at each exec in turn changes nothing' '
	setup_db &&
	each_fault exec up
'

test_expect_success 'down: a fault at each commit, lock, query in turn changes nothing' '
	setup_db &&
	strata up >out &&
	each_fault commit down &&
	strata up >out &&
	each_fault lock down &&
	strata up >out &&
	each_fault query down &&
	test "$(applied)" = "0001 0002 "
'

test_expect_success 'status: a fault at a query is a one-line error, exit 1' '
	setup_db &&
	test_expect_code 1 env STRATA_FAULT=query:1 strata status >out 2>err &&
	test_line_count = 1 err &&
	test_grep "injected fault (STRATA_FAULT=query)" err
'

test_expect_success 'push: a fault at each commit, lock and begin in turn changes nothing' '
	rm -rf migrations && mkdir migrations &&
	use_fresh_db &&
	db_sql "CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL);
INSERT INTO accounts (id, owner) VALUES (1, '\''ann'\'');" &&
	cat >schema.sql <<-\EOF &&
	CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, note TEXT);
	CREATE TABLE audit (id INTEGER PRIMARY KEY);
	EOF
	each_fault commit push &&
	db_sql "DROP TABLE audit; ALTER TABLE accounts DROP COLUMN note;" &&
	each_fault lock push &&
	db_sql "DROP TABLE audit; ALTER TABLE accounts DROP COLUMN note;" &&
	each_fault begin push &&
	db_tables >actual &&
	printf "accounts\naudit\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'STRATA_FAULT takes a list: the first fault due fails the run' '
	setup_db &&
	before=$(db_checksum) &&
	test_expect_code 1 env STRATA_FAULT=query:99,begin:1 strata up >out 2>err &&
	test_grep "injected fault (STRATA_FAULT=begin)" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'a STRATA_FAULT that cannot be read injects nothing' '
	for f in bogus:1 commit:x commit:0 commit:-1 commit "" :1 commit:1x
	do
		setup_db &&
		env STRATA_FAULT="$f" strata up >out 2>err ||
		{ echo "STRATA_FAULT=$f failed the run" >&2; return 1; }
	done
'

test_expect_success SQLITE 'SQLite: a transaction:false run failing at a later commit or begin is restored whole' '
	setup_db &&
	printf -- "-- migrate:up transaction:false\nCREATE TABLE c (id INTEGER);\n-- migrate:down\nDROP TABLE c;\n" \
		>migrations/0005_c.sql &&
	mig 0006_d "CREATE TABLE d (id INTEGER);" "DROP TABLE d;" &&
	each_fault commit up &&
	strata down --to 0002 >out &&
	each_fault begin up &&
	test "$(applied)" = "0001 0002 0003 0004 0005 0006 "
'

test_done
