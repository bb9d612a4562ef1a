#!/bin/bash
test_description='a reader that went away: exit 4 after a commit, 1 or 2 before

strata ignores SIGPIPE, so "strata up | head -c0" sees the write fail and
exits with the status of the contract (4: committed, then the output
failed; 1: nothing changed and the output failed), not 141 from the
signal. Each command starts after its reader has gone (sleep first).'
test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

# gone CMD...: run CMD with stdout a pipe whose reader has exited; its
# status in rc, its stderr in err.
gone() {
	{ sleep 0.3; "$@" 2>err; echo $? >rc; } | head -c0
}

test_expect_success 'setup: one migration' '
	mkdir migrations &&
	cat >migrations/0001_t.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE t (id INTEGER PRIMARY KEY);
	-- migrate:down
	DROP TABLE t;
	EOF
	use_fresh_db
'

test_expect_success 'up with its reader gone commits, says so, and exits 4' '
	gone strata up &&
	echo 4 >expect &&
	test_cmp expect rc &&
	echo "strata: error: cannot write the output; the change to the database was committed" >expect &&
	test_cmp expect err &&
	db_sql "SELECT version FROM strata_migrations" >actual &&
	echo 0001 >expect &&
	test_cmp expect actual
'

test_expect_success 'up with nothing to apply and its reader gone: 1, nothing changed' '
	before=$(db_checksum) &&
	gone strata up &&
	echo 1 >expect &&
	test_cmp expect rc &&
	echo "strata: error: cannot write the output" >expect &&
	test_cmp expect err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'status with its reader gone: 1' '
	gone strata status &&
	echo 1 >expect &&
	test_cmp expect rc &&
	test_line_count = 1 err
'

test_expect_success 'down --json with its reader gone: 4, and the migration is rolled back' '
	gone strata --json down &&
	echo 4 >expect &&
	test_cmp expect rc &&
	test_grep "the change to the database was committed" err &&
	db_sql "SELECT count(*) FROM strata_migrations" >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_expect_success 'bad usage with its reader gone: still 2, one line' '
	before=$(db_checksum) &&
	gone strata up --no-such-option &&
	echo 2 >expect &&
	test_cmp expect rc &&
	test_grep "no-such-option" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'push with its reader gone: 4 after the commit' '
	echo "CREATE TABLE p (id INTEGER PRIMARY KEY);" >schema.sql &&
	gone strata push --force &&
	echo 4 >expect &&
	test_cmp expect rc &&
	test_grep "the change to the database was committed" err &&
	db_tables >actual &&
	test_grep "^p$" actual
'

test_expect_success 'push --dry-run with its reader gone: 1, nothing changed' '
	echo "CREATE TABLE q (id INTEGER PRIMARY KEY);" >schema.sql &&
	before=$(db_checksum) &&
	gone strata push --force --dry-run &&
	echo 1 >expect &&
	test_cmp expect rc &&
	test "$(db_checksum)" = "$before"
'

test_done
