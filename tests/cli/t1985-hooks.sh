#!/bin/bash

test_description='--before-each and --after-each: hooks around each migration

A hook is a shell command run through /bin/sh around each migration of up
and down, in migration order, with a clean environment plus STRATA_HOOK,
STRATA_MIGRATION, STRATA_VERSION, STRATA_DIRECTION and STRATA_DATABASE (the
URL, password redacted). It runs inside the run: after-each before the
commit (another connection sees nothing yet), and a hook that fails rolls
the whole run back, exit 1, naming the hook, the migration and the status.'

. "$(dirname "$0")/test-lib.sh"

mig() {
	printf -- "-- migrate:up\n%s\n-- migrate:down\n%s\n" "$2" "$3" >"migrations/$1"
}

# The hook that logs: "HOOK MIGRATION DIRECTION VERSION" to $TRASH/log.
LOG='echo "$STRATA_HOOK $STRATA_MIGRATION $STRATA_DIRECTION $STRATA_VERSION" >>"$HOME_LOG"'

setup() {
	rm -rf migrations log && mkdir migrations &&
	mig 0001_one.sql "CREATE TABLE one (id INTEGER);" "DROP TABLE one;" &&
	mig 0002_two.sql "CREATE TABLE two (id INTEGER);" "DROP TABLE two;" &&
	use_fresh_db
}

# A hook's environment is clean: the log's path is written into the command.
hook() {
	printf '%s' "$1" | sed "s|\"\$HOME_LOG\"|'$TRASH/log'|"
}

test_expect_success 'up runs each hook around each migration, in order' '
	setup &&
	strata --before-each "$(hook "$LOG")" --after-each "$(hook "$LOG")" up >out 2>err &&
	cat >expect <<-\EOF &&
	before-each 0001_one up 0001
	after-each 0001_one up 0001
	before-each 0002_two up 0002
	after-each 0002_two up 0002
	EOF
	test_cmp expect log &&
	test_grep "^2 migrations applied" out
'

test_expect_success 'down runs them newest first, direction down' '
	rm -f log &&
	STRATA_BEFORE_EACH="$(hook "$LOG")" strata down --all >out 2>err &&
	cat >expect <<-\EOF &&
	before-each 0002_two down 0002
	before-each 0001_one down 0001
	EOF
	test_cmp expect log
'

test_expect_success 'the environment is clean, and the URL redacted' '
	rm -f out.env &&
	PGPASSWORD=secret FOO=bar strata --before-each "env >>'\''$TRASH/out.env'\''" up 0001 >out &&
	test_grep "^STRATA_MIGRATION=0001_one$" out.env &&
	test_grep "^STRATA_VERSION=0001$" out.env &&
	test_grep "^STRATA_DIRECTION=up$" out.env &&
	test_grep "^STRATA_HOOK=before-each$" out.env &&
	test_grep "^PATH=" out.env &&
	test_grep ! "^FOO=" out.env &&
	test_grep ! "PGPASSWORD" out.env &&
	test_grep ! "^DATABASE_URL=" out.env &&
	grep "^STRATA_DATABASE=" out.env >db &&
	case $STRATA_TEST_ENGINE in
	sqlite) test "$(cat db)" = "STRATA_DATABASE=$DATABASE_URL" ;;
	postgres)
		test_grep "\*\*\*\*@" db &&
		pw=${DATABASE_URL#*://*:} && pw=${pw%%@*} &&
		test_grep ! -F "$pw" out.env ;;
	esac
'

# peek: a command that counts, from a connection of its own, the tables
# named two that are committed, into $TRASH/peek.
peek() {
	case $STRATA_TEST_ENGINE in
	sqlite)
		echo "sqlite3 -batch -init /dev/null '$(test_sqlite_path_ "$DATABASE_URL")' \"SELECT count(*) FROM sqlite_master WHERE name = 'two'\" >>'$TRASH/peek' 2>&1" ;;
	postgres)
		echo "psql -X -At -h '$STRATA_TEST_PG_SOCKET' -p '$STRATA_TEST_PG_PORT' -U strata -d '$(test_pg_dbname_ "$DATABASE_URL")' -c \"SELECT count(*) FROM pg_tables WHERE tablename = 'two'\" >>'$TRASH/peek' 2>&1" ;;
	esac
}

test_expect_success 'after-each runs before the commit: another connection sees nothing yet' '
	rm -f peek &&
	strata --after-each "$(peek)" up 0002 >out 2>err &&
	echo 0 >expect &&
	test_cmp expect peek &&
	sh -c "$(peek)" &&
	printf "0\n1\n" >expect &&
	test_cmp expect peek
'

test_expect_success 'a failing before-each: exit 1, named, the database as it was' '
	setup &&
	rm -f log &&
	before=$(db_checksum) &&
	test_expect_code 1 strata --before-each "$(hook "$LOG"); test \$STRATA_VERSION != 0002 || exit 3" \
		--after-each "$(hook "$LOG")" up >out 2>err &&
	test_line_count = 1 err &&
	test_grep "the before-each hook stopped the run at 0002_two (up): .* exited with status 3 (rolled back: the database is as it was before this run)" err &&
	cat >expect <<-\EOF &&
	before-each 0001_one up 0001
	after-each 0001_one up 0001
	before-each 0002_two up 0002
	EOF
	test_cmp expect log &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'a failing after-each undoes its migration and those before it' '
	before=$(db_checksum) &&
	test_expect_code 1 strata --after-each "test \$STRATA_VERSION != 0002" up >out 2>err &&
	test_grep "the after-each hook stopped the run at 0002_two (up): .* exited with status 1" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'a hook killed by a signal, and a failing hook on down' '
	test_expect_code 1 strata --before-each "kill -9 \$\$" up >out 2>err &&
	test_grep "was killed by signal 9" err &&
	strata up >out &&
	before=$(db_checksum) &&
	test_expect_code 1 strata --after-each "exit 5" down >out 2>err &&
	test_grep "the after-each hook stopped the run at 0002_two (down): .exit 5. exited with status 5" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'no hook for --dry-run or --check; redo says it runs none' '
	strata down --all >out &&
	rm -f log &&
	strata --before-each "$(hook "$LOG")" up --dry-run >out &&
	strata --before-each "$(hook "$LOG")" up --check >out &&
	test_path_is_missing log &&
	strata up >out &&
	strata --before-each "$(hook "$LOG")" redo >out 2>err &&
	test_grep "warning: redo runs no before-each/after-each hooks" err &&
	test_path_is_missing log
'

test_expect_success 'a hook writes to stderr, never into the report' '
	strata down >out &&
	strata --json --before-each "echo hello from the hook" up >out 2>err &&
	test_grep "^hello from the hook$" err &&
	test_grep ! hello out &&
	test "$(sqlite3 :memory: "SELECT json_valid(readfile('\''out'\''))")" = 1
'

test_expect_success '.env sets a hook; the flag wins over it' '
	strata down --all >out &&
	rm -f log &&
	echo "STRATA_BEFORE_EACH=echo env \$STRATA_VERSION >>$TRASH/log" >.env &&
	strata up 0001 >out &&
	strata --before-each "echo flag \$STRATA_VERSION >>$TRASH/log" up 0002 >out &&
	rm .env &&
	printf "env 0001\nflag 0002\n" >expect &&
	test_cmp expect log
'

test_expect_success 'an empty hook command is bad usage' '
	test_expect_code 2 strata --before-each "" up 2>err &&
	test_line_count = 1 err
'

test_done
