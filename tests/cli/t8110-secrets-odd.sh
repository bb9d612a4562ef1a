#!/bin/bash

test_description='odd passwords and connection strings never reach any output

A real role whose password holds an @, a ?, a %, an = and a space
(Zq@7?x%9=k w) connects through a percent-encoded URL and through a libpq
keyword/value string; status, up, down and --json run with each, and so
do a wrong password, a dead server and a missing database. The same
password written unencoded in a URL (which libpq would split into host and
parameters), a bad %-escape, and a keyword/value string with an
unterminated quote are refused with exit 2, quoting nothing of the
password. Every stdout and stderr is searched for the pieces of the
password. And messages are never mangled by a search for the password: an
error naming no_such_table is shown whole when the password is "ble".'

test_engines='postgres'
. "$(dirname "$0")/test-lib.sh"

PW='Zq@7?x%9=k w'
PW_ENC='Zq%407%3Fx%259%3Dk%20w'
OUT=$TRASH/outputs

# no_secret FILE...: no file shows a piece of the password, as it is or
# percent-encoded.
no_secret() {
	local f
	for f in "$@"; do
		if grep -n -F -e 'Zq' -e '7?x' -e 'x%9' -e '9=k' -e 'k w' -e '%3Fx' -e '%3Dk' -e '%20w' "$f" >&2; then
			echo "^ $f shows (part of) the password" >&2
			return 1
		fi
	done
}

# run NAME CODE CMD...: CMD exits with CODE; its stdout and stderr are kept
# as outputs/NAME.out and .err and neither shows the password.
run() {
	local name=$1 code=$2
	shift 2
	mkdir -p "$OUT" &&
	test_expect_code "$code" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" &&
	no_secret "$OUT/$name.out" "$OUT/$name.err"
}

H=$STRATA_TEST_PG_HOST
P=$STRATA_TEST_PG_PORT

test_expect_success 'setup: a role with an odd password owning a fresh database, migrations' '
	ROLE=t8110_$$_$RANDOM &&
	use_fresh_db &&
	DB=${DATABASE_URL##*/} &&
	db_sql -u "$STRATA_TEST_PG_URL" "CREATE ROLE $ROLE LOGIN PASSWORD '"'"'$PW'"'"'" &&
	db_sql -u "$STRATA_TEST_PG_URL" "ALTER DATABASE $DB OWNER TO $ROLE" &&
	URL="postgres://$ROLE:$PW_ENC@$H:$P/$DB" &&
	KV="host=$H port=$P dbname=$DB user=$ROLE password='"'"'$PW'"'"'" &&
	unset DATABASE_URL &&
	mkdir migrations &&
	cat >migrations/0001_users.sql <<-\EOF
	-- migrate:up
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);

	-- migrate:down
	DROP TABLE users;
	EOF
'

test_expect_success 'the percent-encoded URL connects: status, up, --json, down; nothing shows the password' '
	run url-status 0 strata -u "$URL" status &&
	test_grep "1 pending" "$OUT/url-status.out" &&
	run url-up 0 strata -u "$URL" up &&
	test_grep "applied .*0001_users" "$OUT/url-up.out" &&
	run url-json 0 strata --json -u "$URL" status &&
	test_grep "\"database\": \"postgres://$ROLE:\*\*\*\*@$H:$P/$DB\"" "$OUT/url-json.out" &&
	run url-down 0 strata -u "$URL" down
'

test_expect_success 'a keyword/value string connects: status, up, --json, down; redacted as password=****' '
	run kv-status 0 strata -u "$KV" status &&
	test_grep "1 pending" "$OUT/kv-status.out" &&
	run kv-up 0 strata -u "$KV" up &&
	test_grep "applied .*0001_users" "$OUT/kv-up.out" &&
	run kv-json 0 strata --json -u "$KV" status &&
	test_grep "\"database\": \"host=$H port=$P dbname=$DB user=$ROLE password=\*\*\*\*\"" "$OUT/kv-json.out" &&
	run kv-down 0 strata -u "$KV" down &&
	DATABASE_URL=$KV run kv-env 0 strata status
'

test_expect_success 'a wrong password, a dead server, a missing database: exit 1, no password' '
	run url-wrong 1 strata -u "postgres://$ROLE:${PW_ENC}X@$H:$P/$DB" status &&
	test_grep "password authentication failed" "$OUT/url-wrong.err" &&
	run kv-wrong 1 strata -u "host=$H port=$P dbname=$DB user=$ROLE password='"'"'${PW}X'"'"'" up &&
	test_grep "password authentication failed" "$OUT/kv-wrong.err" &&
	run url-dead 1 strata -u "postgres://$ROLE:$PW_ENC@$H:1/$DB" status &&
	test_grep "port 1 failed" "$OUT/url-dead.err" &&
	run kv-dead 1 strata -u "host=$H port=1 dbname=$DB user=$ROLE password='"'"'$PW'"'"'" up &&
	test_grep "port 1 failed" "$OUT/kv-dead.err" &&
	run kv-missing 1 strata -u "host=$H port=$P dbname=no_such_db_t8110 user=$ROLE password='"'"'$PW'"'"'" status &&
	test_grep "database \"no_such_db_t8110\" does not exist" "$OUT/kv-missing.err"
'

test_expect_success 'the password unencoded in a URL is refused (exit 2), quoting none of it; nothing ran' '
	run url-raw 2 strata -u "postgres://$ROLE:$PW@$H:$P/$DB" up &&
	test_grep "percent-encode" "$OUT/url-raw.err" &&
	test_line_count = 1 "$OUT/url-raw.err" &&
	run url-raw2 2 strata -u "postgres://$ROLE:Zq@7?x@$H:$P/$DB" status &&
	run url-slash 2 strata -u "postgres://$ROLE:Zq/7?x@$H:$P/$DB" status &&
	test_grep "%2F" "$OUT/url-slash.err" &&
	test_must_fail db_sql -u "$STRATA_TEST_PG_URL/$DB" "SELECT 1 FROM users"
'

test_expect_success 'a bad %-escape is refused without the token' '
	run url-pct 2 strata -u "postgres://$ROLE:Zq%zz7x%9@$H:$P/$DB" status &&
	test_grep "%25" "$OUT/url-pct.err" &&
	test_grep ! "zz" "$OUT/url-pct.err"
'

test_expect_success 'a keyword/value string that does not parse is refused without echo' '
	run kv-quote 2 strata -u "host=$H dbname=$DB user=$ROLE password='"'"'Zq@7?x%9=k w" status &&
	test_grep "connection string cannot be read" "$OUT/kv-quote.err" &&
	run kv-blank 2 strata -u "host=$H dbname=$DB user=$ROLE password=Zq@7?x%9=k w" status &&
	run kv-upper 2 strata -u "Host=$H password=Zq@7?x%9=k" status
'

test_expect_success 'messages are not mangled by a search for the password (password "ble")' '
	ROLE2=t8110b_$$_$RANDOM &&
	db_sql -u "$STRATA_TEST_PG_URL" "CREATE ROLE $ROLE2 LOGIN PASSWORD '"'"'ble'"'"'" &&
	DB2=$(fresh_db) && DB2=${DB2##*/} &&
	db_sql -u "$STRATA_TEST_PG_URL" "ALTER DATABASE $DB2 OWNER TO $ROLE2" &&
	mkdir -p bad &&
	printf -- "-- migrate:up\nSELECT * FROM no_such_table;\n-- migrate:down\n" >bad/0001_bad.sql &&
	test_expect_code 1 strata -d bad -u "postgres://$ROLE2:ble@$H:$P/$DB2" up >out 2>err &&
	test_grep "relation \"no_such_table\" does not exist" err &&
	test_grep ! "\*\*\*\*" err
'

test_expect_success 'a keyword/value string is a database for diff too, never taken for a file name' '
	run kv-diff 0 strata diff --from "$KV" --to "$KV" &&
	test_must_be_empty "$OUT/kv-diff.out" &&
	run kv-diff-bad 1 strata diff --from "host=$H port=1 dbname=$DB user=$ROLE password='"'"'$PW'"'"'" --to "$KV" &&
	test_grep ! "no such schema file" "$OUT/kv-diff-bad.err"
'

test_expect_success 'all outputs, once more' '
	no_secret "$OUT"/*
'

test_done
