#!/bin/bash

test_description='the test harness itself

Checks test-lib.sh before any strata command is trusted to it: the
assertions, failure reporting, and the database helpers on each engine.'

. "$(dirname "$0")/test-lib.sh"

# run_sub_test NAME <body: write NAME.sh, a test script of our own using
# this test-lib, and run it on SQLite: its stdout in NAME.out, its stderr in
# NAME.err, its exit status in NAME.exit.
run_sub_test() {
	cat >"$1.sh" <<-EOF &&
	#!/bin/bash
	. "$SRCDIR/tests/cli/test-lib.sh"
	EOF
	cat >>"$1.sh" &&
	(
		unset STRATA_TEST_VERBOSE STRATA_TEST_KEEP
		PARENT_TRASH=$TRASH STRATA_TEST_ENGINE=sqlite bash "./$1.sh" >"$1.out" 2>"$1.err"
		echo $? >"$1.exit"
	)
}

test_expect_success 'the harness sets its variables' '
	case "$TRASH" in /*) ;; *) false ;; esac &&
	test "$(pwd -P)" = "$(cd "$TRASH" && pwd -P)" &&
	test -d "$SRCDIR/tests/cli" &&
	test "$FIXTURES" = "$SRCDIR/tests/fixtures" &&
	case "$STRATA" in /*) ;; *) false ;; esac &&
	test "$HOME" = "$TRASH" &&
	test -z "${DATABASE_URL-}" &&
	test -z "${PGHOST-}"
'

test_expect_success 'a variable set in one test is seen by the next' '
	carried=yes &&
	cd /
'

test_expect_success '... and each test starts in the trash directory' '
	test "$carried" = yes &&
	test "$(pwd)" = "$TRASH"
'

test_expect_success 'test_cmp accepts equal files' '
	printf "a\nb\n" >expect &&
	printf "a\nb\n" >actual &&
	test_cmp expect actual
'

test_expect_success 'test_cmp rejects different files and shows the diff' '
	printf "a\nb\n" >expect &&
	printf "a\nc\n" >actual &&
	test_must_fail test_cmp expect actual 7>out &&
	grep "^-b" out &&
	grep "^+c" out &&
	test_must_fail test_cmp expect no-such-file 7>err &&
	grep "does not exist" err
'

test_expect_success 'test_expect_code checks the exact exit status' '
	test_expect_code 0 true &&
	test_expect_code 1 false &&
	test_expect_code 3 sh -c "exit 3" &&
	! test_expect_code 2 sh -c "exit 3" 7>err &&
	grep "exited with 3, we wanted 2" err &&
	! test_expect_code 0 sh -c "kill -SEGV \$\$" 7>err &&
	grep "signal 11" err
'

test_expect_success 'test_must_fail wants an orderly failure' '
	test_must_fail false &&
	test_must_fail sh -c "exit 2" &&
	test_must_fail sh -c "exit 3" &&
	! test_must_fail true 7>err &&
	grep "succeeded" err &&
	! test_must_fail sh -c "kill -SEGV \$\$" 7>err &&
	grep "signal 11" err &&
	! test_must_fail sh -c "kill -ABRT \$\$" 7>err &&
	! test_must_fail no-such-command-here 7>err &&
	grep "not found" err &&
	! test_must_fail sh -c "exit 99" 7>err &&
	grep "sanitizer" err
'

test_expect_success 'test_grep finds, or shows what it searched' '
	printf "one\ntwo\n" >file &&
	test_grep two file &&
	test_grep -e "^one$" file &&
	test_grep ! three file &&
	! test_grep three file 7>err &&
	grep "found no match" err &&
	grep "^two$" err &&
	! test_grep ! two file 7>err &&
	grep "found a match" err
'

test_expect_success 'test_line_count, test_must_be_empty and the path checks' '
	printf "1\n2\n3\n" >three &&
	: >empty &&
	test_line_count = 3 three &&
	test_line_count -gt 2 three &&
	! test_line_count = 2 three 7>err &&
	test_must_be_empty empty &&
	! test_must_be_empty three 7>err &&
	test_path_is_file three &&
	test_path_is_dir . &&
	test_path_is_missing nothing-here &&
	! test_path_is_missing three 7>err
'

test_expect_success 'exactly one engine prerequisite is set' '
	case $STRATA_TEST_ENGINE in
	sqlite) test_have_prereq SQLITE && ! test_have_prereq POSTGRES &&
		test_have_engine sqlite ;;
	postgres) test_have_prereq POSTGRES && ! test_have_prereq SQLITE &&
		test_have_engine postgres ;;
	esac &&
	test_have_prereq "!NO_SUCH_PREREQ"
'

test_expect_success NO_SUCH_PREREQ 'a test with a missing prerequisite is skipped' '
	false
'

test_expect_success 'fresh_db gives a new database each time' '
	one=$(fresh_db) &&
	two=$(fresh_db) &&
	test "$one" != "$two" &&
	case $STRATA_TEST_ENGINE in
	sqlite)
		case "$one" in "sqlite:$TRASH/"*.db) ;; *) false ;; esac ;;
	postgres)
		case "$one" in
		"postgres://strata:s3cret-test-pw@127.0.0.1:$STRATA_TEST_PG_PORT/t_t0000_harness_"*) ;;
		*) false ;;
		esac ;;
	esac &&
	db_tables -u "$one" >tables &&
	test_must_be_empty tables
'

test_expect_success 'db_sql creates a table and reads it back' '
	use_fresh_db &&
	test -n "$DATABASE_URL" &&
	db_sql "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, note TEXT)" &&
	db_sql <<-\EOF &&
	INSERT INTO users VALUES (1, '\''a@example.com'\'', NULL);
	INSERT INTO users VALUES (2, '\''b@example.com'\'', '\''x|y'\'');
	EOF
	db_sql "SELECT id, email, note FROM users ORDER BY id" >actual &&
	cat >expect <<-\EOF &&
	1|a@example.com|
	2|b@example.com|x|y
	EOF
	test_cmp expect actual
'

test_expect_success 'db_sql prints nothing for statements without rows' '
	db_sql "CREATE TABLE empty_one (x INTEGER); INSERT INTO empty_one VALUES (1); UPDATE empty_one SET x = 2" >out &&
	test_must_be_empty out
'

test_expect_success 'db_sql stops at the first error and fails' '
	test_must_fail db_sql "INSERT INTO nowhere VALUES (1); CREATE TABLE after_error (x INTEGER)" 2>err &&
	grep -i nowhere err &&
	db_tables >actual &&
	printf "empty_one\nusers\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'db_tables lists user tables, sorted' '
	db_sql "CREATE TABLE b_table (x INTEGER); CREATE TABLE a_table (x INTEGER); CREATE VIEW v AS SELECT 1 AS one" &&
	db_tables >actual &&
	printf "a_table\nb_table\nempty_one\nusers\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'db_checksum is stable and changes with data and schema' '
	before=$(db_checksum) &&
	test -n "$before" &&
	test "$(db_checksum)" = "$before" &&
	db_sql "UPDATE users SET email = '\''c@example.com'\'' WHERE id = 2" &&
	after_data=$(db_checksum) &&
	test "$after_data" != "$before" &&
	db_sql "CREATE INDEX users_email ON users (email)" &&
	after_schema=$(db_checksum) &&
	test "$after_schema" != "$after_data" &&
	db_sql "DROP INDEX users_email" &&
	test "$(db_checksum)" = "$after_data"
'

test_expect_success 'db_checksum sees a rolled-back transaction as no change' '
	before=$(db_checksum) &&
	db_sql "BEGIN; CREATE TABLE gone (x INTEGER); INSERT INTO users VALUES (9, '\''z'\'', NULL); ROLLBACK" &&
	test "$(db_checksum)" = "$before"
'

test_expect_success POSTGRES 'db_checksum ignores sequence positions, which rollbacks leave moved' '
	db_sql "CREATE TABLE counted (id SERIAL PRIMARY KEY, x INTEGER)" &&
	before=$(db_checksum) &&
	db_sql "BEGIN; INSERT INTO counted (x) VALUES (1); ROLLBACK" &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'db helpers take another database with -u' '
	other=$(fresh_db) &&
	db_sql -u "$other" "CREATE TABLE only_there (x INTEGER)" &&
	echo only_there >expect &&
	db_tables -u "$other" >actual &&
	test_cmp expect actual &&
	test "$(db_checksum -u "$other")" != "$(db_checksum)" &&
	DATABASE_URL=$other db_sql "SELECT count(*) FROM only_there" >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_expect_success SQLITE 'a missing SQLite file checksums as an empty database' '
	url=$(fresh_db) &&
	path=${url#sqlite:} &&
	rm "$path" &&
	missing=$(db_checksum -u "$url") &&
	test_path_is_missing "$path" &&
	sqlite3 "$path" "PRAGMA user_version" >/dev/null &&
	test "$(db_checksum -u "$url")" = "$missing"
'

test_expect_success POSTGRES 'the server is reached with the password over TCP' '
	psql -X -At "$DATABASE_URL" -c "SELECT current_user" >actual &&
	echo strata >expect &&
	test_cmp expect actual &&
	test_must_fail psql -X -At "${DATABASE_URL/s3cret-test-pw/wrong}" -c "SELECT 1" 2>err &&
	grep "password authentication failed" err
'

test_expect_success 'test_when_finished runs after the body' '
	test_when_finished "rm -f cleanup-me" &&
	: >cleanup-me &&
	test_path_is_file cleanup-me
'

test_expect_success '... and it ran' '
	test_path_is_missing cleanup-me
'

test_expect_success 'a failing test is reported with its body and output' '
	run_sub_test failing <<-\EOF &&
	test_expect_success "this one passes" "true"
	test_expect_success "this one fails" "
		echo output-of-the-body &&
		echo to-stderr >&2 &&
		false
	"
	test_expect_success "an assertion whose stderr goes to a file" "
		test_expect_code 1 true 2>err
	"
	test_done
	EOF
	echo 1 >expect &&
	test_cmp expect failing.exit &&
	grep "^ok 1 - this one passes$" failing.out &&
	grep "^not ok 2 - this one fails$" failing.out &&
	grep "^#	*echo output-of-the-body &&$" failing.out &&
	grep "^# output-of-the-body$" failing.out &&
	grep "^# to-stderr$" failing.out &&
	grep "^# error: the last command run exited 1: false$" failing.out &&
	grep "^not ok 3 - an assertion whose stderr goes to a file$" failing.out &&
	grep "^# test_expect_code: command exited with 0, we wanted 1: true$" failing.out &&
	grep "^# passed 1, failed 2$" failing.out
'

test_expect_success 'a broken &&-chain fails the test without running it' '
	run_sub_test chain <<-\EOF &&
	test_expect_success "broken chain" "
		echo one >\"\$PARENT_TRASH/chain-ran\"
		true
	"
	test_done
	EOF
	echo 1 >expect &&
	test_cmp expect chain.exit &&
	grep "^not ok 1 - broken chain$" chain.out &&
	grep "broken &&-chain" chain.out &&
	test_path_is_missing chain-ran &&
	grep "^# passed 0, failed 1$" chain.out
'

test_expect_success 'a body that exits the script is reported' '
	run_sub_test exiting <<-\EOF &&
	test_expect_success "exits" "exit 0"
	test_expect_success "never runs" "true"
	test_done
	EOF
	echo 1 >expect &&
	test_cmp expect exiting.exit &&
	grep "^not ok 1 - exits$" exiting.out &&
	grep "FATAL" exiting.out &&
	! grep "never runs" exiting.out
'

test_expect_success 'a script for another engine is skipped' '
	cat >other.sh <<-EOF &&
	#!/bin/bash
	test_engines=postgres
	. "$SRCDIR/tests/cli/test-lib.sh"
	test_expect_success "never runs" "false"
	test_done
	EOF
	STRATA_TEST_ENGINE=sqlite bash ./other.sh >out &&
	grep "^1..0 # SKIP" out
'

test_expect_success 'test_builds=sanitized: skipped on a plain build when the run has a sanitizer build' '
	cat >once.sh <<-EOF &&
	#!/bin/bash
	test_builds=sanitized
	. "$SRCDIR/tests/cli/test-lib.sh"
	test_expect_success "runs" "true"
	test_done
	EOF
	mkdir -p plain/meson-info &&
	echo "[{\"name\": \"b_sanitize\", \"value\": \"none\"}]" \
		>plain/meson-info/intro-buildoptions.json &&
	STRATA_BUILD_DIR=$PWD/plain STRATA_TEST_RUN_SANITIZED=1 STRATA_TEST_ENGINE=sqlite \
		bash ./once.sh >out &&
	grep "^1..0 # SKIP .*test_builds=sanitized" out &&
	env -u STRATA_TEST_RUN_SANITIZED STRATA_BUILD_DIR=$PWD/plain STRATA_TEST_ENGINE=sqlite \
		bash ./once.sh >out &&
	grep "^ok 1 - runs" out &&
	mkdir -p san/meson-info &&
	echo "[{\"name\": \"b_sanitize\", \"value\": \"address,undefined\"}]" \
		>san/meson-info/intro-buildoptions.json &&
	STRATA_BUILD_DIR=$PWD/san STRATA_TEST_RUN_SANITIZED=1 STRATA_TEST_ENGINE=sqlite \
		bash ./once.sh >out &&
	grep "^ok 1 - runs" out
'

test_expect_success 'a passing script exits 0 and removes its trash directory' '
	run_sub_test passing <<-\EOF &&
	test_expect_success "records its trash" "echo \"\$TRASH\" >\"\$PARENT_TRASH/where\""
	test_expect_success "passes" "test_path_is_file \"\$PARENT_TRASH/where\""
	test_done
	EOF
	echo 0 >expect &&
	test_cmp expect passing.exit &&
	grep "^# passed 2, failed 0$" passing.out &&
	sub_trash=$(cat where) &&
	test -n "$sub_trash" &&
	test_path_is_missing "$sub_trash"
'

test_expect_success 'test_expect_failure marks a known breakage, not a failure' '
	run_sub_test known <<-\EOF &&
	test_expect_failure "not there yet" "false"
	test_done
	EOF
	echo 0 >expect &&
	test_cmp expect known.exit &&
	grep "^not ok 1 - not there yet # TODO known breakage$" known.out
'

test_expect_success STRATA 'the strata binary runs' '
	strata --version >out &&
	test -s out
'

test_done
