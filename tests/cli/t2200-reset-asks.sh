#!/bin/bash

test_description='reset, reset --hard and drop ask before they destroy

At a terminal they list what goes and ask; without one (or with --json)
they refuse with exit 1 and change nothing unless --yes is given. On
PostgreSQL reset --hard drops the tracking schema only, never another
schema. reset --hard --dry-run lists what it would drop and apply.'

. "$(dirname "$0")/test-lib.sh"

V1=20240101120000
V4=20240104120000

start_with() {
	rm -rf migrations &&
	cp -R "$FIXTURES/migrations/$1" migrations &&
	use_fresh_db
}

# json_get FILE PATH: one value of a JSON document (SQLite's JSON1; true is 1).
json_get() {
	sqlite3 -batch -init /dev/null :memory: "SELECT json_extract(readfile('$1'), '$2')"
}

if command -v script >/dev/null 2>&1
then
	test_set_prereq TTY
fi

test_expect_success 'reset --hard without a terminal refuses, names what it would drop, changes nothing' '
	start_with basic &&
	strata up >out &&
	db_sql "INSERT INTO users (id, email, name) VALUES (1, '\''ada@example.com'\'', '\''Ada'\'')" &&
	before=$(db_checksum) &&
	test_expect_code 1 strata reset --hard >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: reset --hard would drop [0-9]* objects of .*nothing was changed.*--yes" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'reset --hard --json without --yes refuses too' '
	before=$(db_checksum) &&
	test_expect_code 1 strata --json reset --hard >out 2>err &&
	test "$(json_get out "\$.ok")" = 0 &&
	json_get out "\$.error.message" >msg &&
	test_grep "nothing was changed" msg &&
	test_grep "nothing was changed" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'reset without a terminal refuses and names the migrations it would roll back' '
	before=$(db_checksum) &&
	test_expect_code 1 strata reset >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: reset would roll back 4 migrations of .*${V4}_add_user_bio.*nothing was changed" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'refresh without a terminal refuses too: it rolls every migration back first' '
	before=$(db_checksum) &&
	test_expect_code 1 strata refresh >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: refresh would roll back 4 migrations of .*${V4}_add_user_bio.*nothing was changed" err &&
	test "$(db_checksum)" = "$before" &&
	test_expect_code 1 strata --json refresh >out 2>err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'refresh --yes rolls back and applies without asking' '
	strata refresh --yes >out 2>err &&
	test_grep "rolled back" out &&
	test_grep "applied" out &&
	strata status --exit-code >out
'

test_expect_success 'reset with nothing to roll back does not need --yes' '
	start_with basic &&
	strata reset >out 2>err &&
	test_must_be_empty err &&
	test_grep "nothing to roll back" out
'

test_expect_success 'reset --hard --dry-run lists every object it would drop and every migration' '
	start_with basic &&
	strata up >out &&
	db_sql "CREATE TABLE scratch (x INTEGER)" &&
	before=$(db_checksum) &&
	strata reset --hard --dry-run >out 2>err &&
	test_must_be_empty err &&
	test_grep "^-- dry run: reset --hard would drop" out &&
	test_grep "^--   table .*scratch$" out &&
	test_grep "^--   table .*users$" out &&
	test_grep "^-- and apply 4 migrations; nothing was changed" out &&
	test_grep "^--   ${V1}_create_users$" out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'reset --hard --dry-run --json prints the drop list and the migrations' '
	before=$(db_checksum) &&
	strata --json reset --hard --dry-run >out 2>err &&
	test_must_be_empty err &&
	test "$(json_get out "\$.command")" = reset &&
	test "$(json_get out "\$.dry_run")" = 1 &&
	test "$(json_get out "\$.hard")" = 1 &&
	json_get out "\$.drop" >drop &&
	test_grep "scratch" drop &&
	test_grep "users" drop &&
	json_get out "\$.migrations" >migs &&
	test_grep "$V1" migs &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'reset --hard --yes drops and applies without asking' '
	strata reset --hard --yes >out 2>err &&
	test_must_be_empty err &&
	test_grep "^4 migrations applied" out &&
	test_must_fail db_sql "SELECT * FROM scratch"
'

test_expect_success TTY 'at a terminal reset --hard lists what it drops and asks; no keeps everything' '
	db_sql "CREATE TABLE scratch (x INTEGER)" &&
	before=$(db_checksum) &&
	{ printf "n\n" | script -qec "\"$STRATA\" reset --hard" /dev/null >out 2>&1 || :; } &&
	test_grep "reset --hard drops, in" out &&
	test_grep "  table .*scratch" out &&
	test_grep "Drop them? \[y/N\]" out &&
	test_grep "strata: error: reset: nothing was changed" out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success TTY '... and yes drops and applies' '
	printf "y\n" | script -qec "\"$STRATA\" reset --hard" /dev/null >out 2>&1 &&
	test_grep "4 migrations applied" out &&
	test_must_fail db_sql "SELECT * FROM scratch"
'

test_expect_success TTY 'at a terminal reset lists the migrations and asks; no keeps everything' '
	before=$(db_checksum) &&
	{ printf "n\n" | script -qec "\"$STRATA\" reset" /dev/null >out 2>&1 || :; } &&
	test_grep "reset rolls back, in" out &&
	test_grep "  ${V4}_add_user_bio" out &&
	test_grep "Roll them back? \[y/N\]" out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'drop without a terminal refuses and keeps the database' '
	test_expect_code 1 strata drop >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: drop would delete the database .*nothing was changed; confirm with --yes" err &&
	strata status >out &&
	test_grep "^4 applied, 0 pending$" out
'

test_expect_success 'drop does not show a password' '
	case "$DATABASE_URL" in
	postgres*) ;;
	*) return 0 ;;
	esac &&
	test_expect_code 1 strata drop >out 2>err &&
	test_grep ! "s3cret" err
'

test_expect_success TTY 'at a terminal drop asks; no keeps the database' '
	{ printf "n\n" | script -qec "\"$STRATA\" drop" /dev/null >out 2>&1 || :; } &&
	test_grep "Drop it? \[y/N\]" out &&
	test_grep "strata: error: drop: nothing was changed" out &&
	strata status >out &&
	test_grep "^4 applied, 0 pending$" out
'

test_expect_success 'drop --yes drops' '
	url=$DATABASE_URL &&
	strata -y drop >out 2>err &&
	test_must_be_empty err &&
	case "$url" in
	sqlite:*) test_path_is_missing "$(test_sqlite_path_ "$url")" ;;
	*) test_must_fail strata status >out 2>err ;;
	esac
'

if [ "$STRATA_TEST_ENGINE" = sqlite ]
then
	test_expect_success 'drop on SQLite takes a backup first, and restore brings the database back' '
		test_grep "^backup: .*\.strata-backups/" out &&
		strata restore >out 2>err &&
		strata status >out &&
		test_grep "^4 applied, 0 pending$" out
	'

	test_expect_success 'drop --no-backup takes none; a file not there has nothing to keep' '
		ls "$(dirname "$(test_sqlite_path_ "$DATABASE_URL")")/.strata-backups" >before &&
		strata -y drop --no-backup >out 2>err &&
		test_grep ! "^backup:" out &&
		test_path_is_missing "$(test_sqlite_path_ "$DATABASE_URL")" &&
		strata -y drop >out 2>err &&
		test_grep ! "^backup:" out &&
		test_grep "^nothing to drop: no such database file: " out &&
		test_grep ! "dropped" out &&
		ls "$(dirname "$(test_sqlite_path_ "$DATABASE_URL")")/.strata-backups" >after &&
		test_cmp before after
	'
fi

test_expect_success 'drop of a database that is not there says so, and create then makes it' '
	case "$STRATA_TEST_ENGINE" in
	sqlite) url=sqlite:$TRASH/never.db ;;
	*) url=${STRATA_TEST_PG_URL%/*}/t_never_made_$$ ;;
	esac &&
	strata -y -u "$url" drop >out 2>err &&
	test_grep "^nothing to drop: " out &&
	test_grep ! "dropped" out &&
	test_must_be_empty err &&
	strata -u "$url" create >out &&
	test_grep "^created the database" out &&
	strata -y -u "$url" --no-backup drop >out &&
	test_grep "^dropped the database" out
'

if test_have_engine postgres
then
	test_expect_success 'reset --hard on PostgreSQL leaves a schema of its own alone' '
		start_with basic &&
		strata up >out &&
		db_sql "CREATE SCHEMA other; CREATE TABLE other.keep (x INTEGER); INSERT INTO other.keep VALUES (7)" &&
		strata reset --hard --dry-run >out &&
		test_grep "^--   schema public$" out &&
		test_grep ! "other" out &&
		strata reset --hard -y >out 2>err &&
		test_must_be_empty err &&
		db_sql "SELECT x FROM other.keep" >actual &&
		echo 7 >expect &&
		test_cmp expect actual &&
		strata status >out &&
		test_grep "^4 applied, 0 pending$" out
	'

	test_expect_success 'with --pg-schema it drops that schema and the first of search_path, no other' '
		start_with basic &&
		strata --pg-schema app up >out &&
		db_sql "CREATE SCHEMA other; CREATE TABLE other.keep (x INTEGER); CREATE TABLE public.scratch (x INTEGER)" &&
		strata --pg-schema app reset --hard --dry-run >out &&
		test_grep "^--   schema app$" out &&
		test_grep "^--   schema public$" out &&
		test_grep "^--   table public.scratch$" out &&
		test_grep ! "other" out &&
		strata --pg-schema app reset --hard -y >out 2>err &&
		test_must_be_empty err &&
		db_sql "SELECT count(*) FROM other.keep" >actual &&
		echo 0 >expect &&
		test_cmp expect actual &&
		test_must_fail db_sql "SELECT * FROM public.scratch" &&
		strata --pg-schema app status >out &&
		test_grep "^4 applied, 0 pending$" out
	'

	test_expect_success 'a migration that made a schema of its own fails the re-apply, which changes nothing' '
		start_with basic &&
		cat >migrations/20240105120000_own_schema.sql <<-\EOF &&
		-- migrate:up
		CREATE SCHEMA audit;
		-- migrate:down
		DROP SCHEMA audit;
		EOF
		strata up >out &&
		before=$(db_checksum) &&
		test_expect_code 1 strata reset --hard -y >out 2>err &&
		test_grep "audit.*already exists.*rolled back" err &&
		test "$(db_checksum)" = "$before"
	'
fi

test_done
