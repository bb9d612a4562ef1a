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
	test_grep -F -e "-- destructive: drop_table a\x0aDROP TABLE victim; --: drops" out &&
	sed -n "/^DROP TABLE \"a\$/,\$p" out >actual &&
	printf "%s\n" "DROP TABLE \"a" "DROP TABLE victim; --\";" >expect &&
	test_cmp expect actual
'

test_done
