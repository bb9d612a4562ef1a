#!/bin/bash

test_description='options and .env values that used to be taken are errors or warnings

A duration without a unit (--lock-timeout 5: five milliseconds to the
server, five seconds to the person who typed it) is refused and the units
named; an empty string for a name or a file (--table "", most often an
unset shell variable) is refused instead of meaning "the default"; a key
set twice in .env takes the later value, with a warning naming both
lines; a quoted .env value may carry a " # comment" after it; and names
from files and databases are printed with control characters escaped.'

. "$(dirname "$0")/test-lib.sh"

at_base() {
	rm -rf migrations &&
	mkdir migrations &&
	cat >migrations/0001_t.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE t (id INTEGER PRIMARY KEY);
	-- migrate:down
	DROP TABLE t;
	EOF
	use_fresh_db
}

# usage_error WORDS -- CMD...: exit 2, nothing on stdout, one line on stderr
# holding WORDS, and the database unchanged.
usage_error() {
	local words=$1 before
	shift 2
	before=$(db_checksum) &&
	test_expect_code 2 "$@" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep -F -e "$words" err &&
	test "$(db_checksum)" = "$before"
}

test_expect_success 'a duration without a unit is refused, and the units named' '
	at_base &&
	usage_error "--lock-timeout 5 has no unit: give 5ms, 5s, 5min or 5h" -- strata --lock-timeout 5 up &&
	usage_error "--statement-timeout 30 has no unit: give 30ms, 30s, 30min or 30h" -- strata up --statement-timeout=30 &&
	usage_error "--lock-timeout 1.5 has no unit" -- strata status --lock-timeout 1.5 &&
	test_path_is_missing .strata-backups
'

test_expect_success 'durations with a unit, and a bare 0, are taken' '
	at_base &&
	strata --lock-timeout 0 --statement-timeout 2min up -q &&
	strata --lock-timeout 500ms status >out &&
	strata --lock-timeout 5s status >out &&
	strata --lock-timeout 1h status >out
'

test_expect_success 'an empty --table, --pg-schema, --dir, --schema or --dump-schema is refused' '
	at_base &&
	strata up -q &&
	usage_error "--table needs a value, not an empty string" -- strata --table "" status &&
	usage_error "--table needs a value, not an empty string" -- strata status --table= &&
	usage_error "--pg-schema needs a value" -- strata --pg-schema "" status &&
	usage_error "--dir needs a value" -- strata -d "" status &&
	usage_error "--schema needs a value" -- strata -s "" push --dry-run &&
	usage_error "--dump-schema needs a value" -- strata --dump-schema "" down
'

test_expect_success 'an empty --table is refused before anything is written' '
	at_base &&
	usage_error "--table needs a value" -- strata up --table "" &&
	test_must_fail db_sql "SELECT count(*) FROM strata_migrations"
'

test_expect_success 'a key twice in .env: the later value is used, with a warning naming both lines' '
	at_base &&
	first=$(fresh_db) &&
	second=$(fresh_db) &&
	cat >.env <<-EOF &&
	DATABASE_URL=$first
	STRATA_DIR=migrations
	DATABASE_URL=$second
	EOF
	test_when_finished "rm -f .env" &&
	unset DATABASE_URL &&
	strata up -q 2>err &&
	echo "strata: warning: .env:3: DATABASE_URL is set again (first on line 1); the later value is used" >expect &&
	test_cmp expect err &&
	db_sql -u "$second" "SELECT version FROM strata_migrations" >actual &&
	echo 0001 >expect &&
	test_cmp expect actual &&
	test_must_fail db_sql -u "$first" "SELECT version FROM strata_migrations"
'

test_expect_success 'a key twice in .env, overridden by the environment: no warning' '
	at_base &&
	cat >.env <<-EOF &&
	DATABASE_URL=sqlite:one.db
	DATABASE_URL=sqlite:two.db
	EOF
	test_when_finished "rm -f .env" &&
	strata up -q 2>err &&
	test_must_be_empty err
'

test_expect_success 'a quoted .env value may be followed by a # comment' '
	at_base &&
	url=$(fresh_db) &&
	printf "DATABASE_URL=\"%s\" # main db\nSTRATA_DIR='\''migrations'\''   # here\n" "$url" >.env &&
	test_when_finished "rm -f .env" &&
	unset DATABASE_URL &&
	strata up -q 2>err &&
	test_must_be_empty err &&
	db_sql -u "$url" "SELECT version FROM strata_migrations" >actual &&
	echo 0001 >expect &&
	test_cmp expect actual
'

test_expect_success 'a # inside a quoted .env value is part of it' '
	at_base &&
	printf "STRATA_DIR=\"mig#rations\"\n" >.env &&
	test_when_finished "rm -f .env" &&
	mkdir "mig#rations" &&
	cp migrations/0001_t.sql "mig#rations/" &&
	strata --json status >out &&
	test_grep "mig#rations/0001_t.sql" out
'

test_expect_success SQLITE 'names from the database are printed with control characters escaped' '
	at_base &&
	strata up -q &&
	db_sql "CREATE TABLE \"x$(printf "\033")[2Jy\" (a INTEGER)" &&
	db_sql "INSERT INTO strata_migrations (version, name, checksum, batch, applied_at, duration_ms, state, error) VALUES ('\''0009'\'', '\''n'\'' || char(27) || '\''[31mx'\'', '\''c'\'', 9, '\''2020-01-01 00:00:00'\'', 0, '\''failed'\'', '\''boom'\'' || char(27) || '\''[0m'\'')" &&
	test_expect_code 0 strata status >out &&
	test_grep -F "n\\x1b[31mx" out &&
	test_grep -F "boom\\x1b[0m" out &&
	strata stats >out &&
	test_grep -F "x\\x1b[2Jy" out &&
	strata status >out &&
	strata stats >>out &&
	test_grep ! "$(printf "\033")" out
'

test_expect_success POSTGRES 'names from the database are printed with control characters escaped' '
	at_base &&
	strata up -q &&
	db_sql "CREATE TABLE \"x$(printf "\033")[2Jy\" (a INTEGER)" &&
	db_sql "INSERT INTO strata_migrations (version, name, checksum, batch, applied_at, duration_ms, state, error) VALUES ('\''0009'\'', '\''n'\'' || chr(27) || '\''[31mx'\'', '\''c'\'', 9, now(), 0, '\''failed'\'', '\''boom'\'' || chr(27) || '\''[0m'\'')" &&
	strata status >out &&
	test_grep -F "n\\x1b[31mx" out &&
	strata stats --exact >>out &&
	test_grep -F "x\\x1b[2Jy" out &&
	test_grep ! "$(printf "\033")" out
'

test_expect_success 'a diff comment never carries a newline from a name out of its SQL comment' '
	at_base &&
	cat >old.sql <<-\EOF &&
	CREATE TABLE "a
	DROP TABLE victim; --" (id INTEGER);
	EOF
	echo "CREATE TABLE keep (id INTEGER);" >new.sql &&
	strata diff --from old.sql --to new.sql >out &&
	test_grep -e "^-- destructive: drop_table .*a[\\]x0aDROP TABLE victim; --.*: drops" out &&
	test_grep ! "^DROP TABLE victim; --.*: drops" out
'

test_expect_success SQLITE 'push --no-backup (as its page says) takes no backup' '
	at_base &&
	echo "CREATE TABLE p (id INTEGER);" >schema.sql &&
	rm -rf .strata-backups &&
	strata push --no-backup -q &&
	test_path_is_missing .strata-backups &&
	echo p >expect &&
	db_sql "SELECT name FROM sqlite_master WHERE name = '\''p'\''" >actual &&
	test_cmp expect actual
'

test_expect_success POSTGRES 'push --no-backup is taken on PostgreSQL too' '
	at_base &&
	echo "CREATE TABLE p (id INTEGER);" >schema.sql &&
	strata push --no-backup -q &&
	db_sql "SELECT count(*) FROM information_schema.tables WHERE table_name = '\''p'\''" >actual &&
	echo 1 >expect &&
	test_cmp expect actual
'

test_expect_success 'status with a mistyped -d says the directory does not exist (exit 2)' '
	at_base &&
	strata up -q &&
	usage_error "migrations directory '\''migratoins'\'' does not exist (check -d" -- strata -d migratoins status &&
	usage_error "migrations directory '\''migratoins'\'' does not exist" -- strata -d migratoins show &&
	usage_error "migrations directory '\''migratoins'\'' does not exist" -- strata -d migratoins verify
'

test_expect_success SQLITE 'up with a mistyped -d creates no database' '
	at_base &&
	rm -rf .strata-backups &&
	test_expect_code 1 strata -u sqlite:not-yet.db -d migratoins up >out 2>err &&
	test_grep "migrations directory .migratoins. does not exist" err &&
	test_path_is_missing .strata-backups &&
	test_path_is_missing not-yet.db
'

test_expect_success 'no ./migrations but db/migrations (dbmate): the error says to use -d db/migrations' '
	at_base &&
	strata up -q &&
	mkdir -p db &&
	mv migrations db/migrations &&
	usage_error "migrations directory '\''migrations'\'' does not exist (found '\''db/migrations'\'', dbmate'\''s default: use -d db/migrations)" -- strata status &&
	strata -d db/migrations status >out &&
	test_grep "0001" out
'

test_expect_success 'a mistyped command gets a suggestion, exit 2' '
	echo "strata: error: '\''stauts'\'' is not a strata command (did you mean '\''status'\'' or '\''stats'\''?)" >expect &&
	test_expect_code 2 strata stauts 2>err &&
	test_cmp expect err &&
	echo "strata: error: '\''dwon'\'' is not a strata command (did you mean '\''down'\''?)" >expect &&
	test_expect_code 2 strata dwon 2>err &&
	test_cmp expect err &&
	test_expect_code 2 strata -u sqlite:x.db inspcet 2>err &&
	test_grep "did you mean .inspect.?" err &&
	test_path_is_missing x.db
'

test_expect_success 'a word far from every command gets no suggestion' '
	echo "strata: error: '\''frobnicate'\'' is not a strata command (see '\''strata --help'\'')" >expect &&
	test_expect_code 2 strata frobnicate 2>err &&
	test_cmp expect err
'

test_expect_success 'a mistyped option gets a suggestion, exit 2, nothing run' '
	at_base &&
	usage_error "up: unknown option '\''--dryrun'\'' (did you mean --dry-run?)" -- strata up --dryrun &&
	usage_error "status: unknown option '\''--jsno'\'' (did you mean --json?)" -- strata status --jsno &&
	usage_error "(did you mean --allow-destructive?)" -- strata up --allow-destrutive &&
	usage_error "unknown option '\''--zzz'\'' (see '\''strata up -h'\'')" -- strata up --zzz &&
	test_must_fail db_sql "SELECT count(*) FROM strata_migrations"
'

test_done
