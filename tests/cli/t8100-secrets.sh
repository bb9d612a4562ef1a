#!/bin/bash

test_description='a password never reaches any output

The test cluster'\''s password (s3cret-test-pw) is given every way libpq
takes one: in the URL (user:pass@), in ?password=, percent-encoded, from
.env, and through PGPASSWORD with a URL that has none. A wide set of
commands runs with it: status, up, down, --dry-run, --json, -v, show,
redo, mark, baseline, inspect, dump, stats, diff, verify, create, drop; a
failing migration, a failing transaction:false migration, a wrong
password, an unreachable port, a missing database, malformed URLs. Every
stdout and stderr, and the tracking table, is searched for the password:
it must never appear, whole or in part ("s3cret").'

test_engines='postgres'
. "$(dirname "$0")/test-lib.sh"

PW=s3cret-test-pw
# What must never show: the distinctive part of every spelling used here.
SECRET=s3cret

OUT=$TRASH/outputs

# no_secret FILE...: none of the files shows the password.
no_secret() {
	local f
	for f in "$@"; do
		if grep -n -i -e "$SECRET" -e "s3cret%2D" "$f" >&2; then
			echo "^ $f shows the password" >&2
			return 1
		fi
	done
}

# run NAME CODE CMD...: CMD exits with CODE ("any" for any orderly exit),
# its stdout and stderr kept as outputs/NAME.out and .err (the last test
# searches them all again), and neither shows the password.
run() {
	local name=$1 code=$2
	shift 2
	mkdir -p "$OUT" &&
	if [ "$code" = any ]; then
		test_might_fail "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
	else
		test_expect_code "$code" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
	fi &&
	no_secret "$OUT/$name.out" "$OUT/$name.err"
}

# has_command NAME: this build of strata has the command.
has_command() {
	strata --help | grep -q "^  $1 "
}

# tracking_clean: the tracking table's every row holds no password.
tracking_clean() {
	db_sql "SELECT * FROM strata_migrations" >"$OUT/tracking.$1" &&
	no_secret "$OUT/tracking.$1"
}

test_expect_success 'setup: a database reached with the password, and migrations' '
	use_fresh_db &&
	case "$DATABASE_URL" in *":$PW@"*) ;; *) false ;; esac &&
	NOPW_URL=${DATABASE_URL/:$PW@/@} &&
	test "$NOPW_URL" != "$DATABASE_URL" &&
	mkdir migrations &&
	cat >migrations/0001_users.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
	DO $$ BEGIN RAISE NOTICE '\''a notice from the migration'\''; END $$;

	-- migrate:down
	DROP TABLE users;
	EOF
	cat >migrations/0002_posts.sql <<-\EOF
	-- migrate:up
	CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));
	CREATE INDEX posts_user_id ON posts (user_id);

	-- migrate:down
	DROP TABLE posts;
	EOF
'

test_expect_success 'status, status --json and -v with the password in the URL' '
	run status 0 strata status &&
	run status-json 0 strata status --json &&
	run status-v 0 strata -v status &&
	run status-exit-code 3 strata status --exit-code &&
	test_grep "\"database\": \"postgres://strata:\*\*\*\*@" "$OUT/status-json.out"
'

test_expect_success 'up --dry-run, plain and --json' '
	run up-dry 0 strata up --dry-run &&
	run up-dry-json 0 strata up --dry-run --json
'

test_expect_success 'show' '
	run show 0 strata show
'

test_expect_success 'up -v, with a migration that raises a NOTICE' '
	run up 0 strata -v up --steps 1 &&
	run up-json 0 strata up --json &&
	tracking_clean after-up
'

test_expect_success 'down --dry-run, down --json, redo, up again' '
	run down-dry 0 strata down --dry-run &&
	run down-json 0 strata down --json &&
	run redo 0 strata -v redo &&
	run up-again 0 strata up &&
	tracking_clean after-redo
'

test_expect_success 'a failing migration: plain, --json and -v' '
	cat >migrations/0003_broken.sql <<-\EOF &&
	-- migrate:up
	INSERT INTO nowhere VALUES (1);
	-- migrate:down
	SELECT 1;
	EOF
	run broken 1 strata up &&
	run broken-json 1 strata up --json &&
	run broken-v 1 strata -v up &&
	rm migrations/0003_broken.sql
'

test_expect_success 'a failing transaction:false migration: its error is kept in the tracking table' '
	cat >migrations/0003_notx.sql <<-\EOF &&
	-- migrate:up transaction:false
	CREATE INDEX CONCURRENTLY users_email ON users (email);
	CREATE INDEX CONCURRENTLY no_such ON nowhere (x);
	-- migrate:down transaction:false
	DROP INDEX CONCURRENTLY users_email;
	EOF
	run notx 1 strata up &&
	run notx-status any strata status --json &&
	tracking_clean after-notx &&
	run notx-mark 0 strata mark 0003 --pending &&
	db_sql "DROP INDEX IF EXISTS users_email" &&
	rm migrations/0003_notx.sql
'

test_expect_success 'baseline and mark' '
	cat >migrations/0003_later.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE later (id INTEGER);
	EOF
	run baseline any strata baseline 0003 &&
	run mark 0 strata mark 0003 --pending &&
	rm migrations/0003_later.sql &&
	tracking_clean after-mark
'

test_expect_success 'inspect, dump, stats, verify, diff, generate and push --dry-run (where built)' '
	cat >schema.sql <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT);
	EOF
	for c in "inspect" "inspect --format json" "dump" "stats" "verify" \
		"diff --from $DATABASE_URL --to schema.sql" \
		"diff --from migrations --to $DATABASE_URL" \
		"generate --dry-run add_name" "push --dry-run"
	do
		has_command "${c%% *}" || continue
		# shellcheck disable=SC2086 # c is a command line
		run "cmd-${c%% *}-$RANDOM" any strata $c || return 1
	done
'

test_expect_success 'a wrong password: refused, and neither password shown' '
	run wrong-pw 1 strata -u "${DATABASE_URL/$PW/$PW-WRONG}" status &&
	test_grep "password authentication failed" "$OUT/wrong-pw.err" &&
	run wrong-pw-json 1 strata -u "${DATABASE_URL/$PW/$PW-WRONG}" up --json
'

test_expect_success 'an unreachable port' '
	run no-port 1 strata -u "postgres://strata:$PW@127.0.0.1:1/postgres" status &&
	test_line_count = 1 "$OUT/no-port.err"
'

test_expect_success 'a host that does not resolve' '
	run no-host 1 strata -u "postgres://strata:$PW@no-such-host.invalid/postgres" status
'

test_expect_success 'a missing database' '
	run no-db 1 strata -u "${DATABASE_URL%/*}/no_such_database_here" status &&
	test_grep "does not exist" "$OUT/no-db.err"
'

test_expect_success 'malformed URLs that carry the password' '
	run bad-ipv6 2 strata -u "postgres://strata:$PW@[::1" status &&
	run bad-port any strata -u "postgres://strata:$PW@127.0.0.1:notaport/db" status &&
	run bad-param any strata -u "postgres://strata:$PW@127.0.0.1:$STRATA_TEST_PG_PORT/db?bogus=1" status &&
	run bad-sslmode any strata -u "postgres://strata:$PW@127.0.0.1:$STRATA_TEST_PG_PORT/db?sslmode=bogus" status &&
	run bad-scheme 2 strata -u "postgresx://strata:$PW@127.0.0.1/db" status &&
	run no-scheme 2 strata -u "strata:$PW@127.0.0.1/db" status
'

test_expect_success 'the password in ?password=' '
	url="postgres://strata@127.0.0.1:$STRATA_TEST_PG_PORT/${DATABASE_URL##*/}?password=$PW" &&
	run query-status 0 strata -u "$url" status --json &&
	run query-wrong 1 strata -u "${url/$PW/$PW-WRONG}" status &&
	run query-bad-ipv6 2 strata -u "postgres://strata@[::1/db?password=$PW" status
'

test_expect_success 'the password percent-encoded' '
	url="postgres://strata:s3cret%2Dtest%2Dpw@127.0.0.1:$STRATA_TEST_PG_PORT/${DATABASE_URL##*/}" &&
	run encoded-status 0 strata -u "$url" status --json &&
	run encoded-wrong 1 strata -u "postgres://strata:s3cret%2Dtest%2Dpw%2Dwrong@127.0.0.1:$STRATA_TEST_PG_PORT/${DATABASE_URL##*/}" status &&
	run encoded-down 0 strata -u "$url" down --dry-run
'

test_expect_success 'the password from .env' '
	echo "DATABASE_URL=$DATABASE_URL" >.env &&
	test_when_finished "rm -f .env" &&
	(
		unset DATABASE_URL &&
		run dotenv-status 0 strata status --json &&
		run dotenv-up 0 strata up
	)
'

test_expect_success 'PGPASSWORD with a URL without one: status, up, down, --json' '
	(
		export PGPASSWORD=$PW &&
		run pgpw-status 0 strata -u "$NOPW_URL" status &&
		run pgpw-status-json 0 strata -u "$NOPW_URL" status --json &&
		run pgpw-down 0 strata -u "$NOPW_URL" -v down &&
		run pgpw-up 0 strata -u "$NOPW_URL" up --json
	)
'

test_expect_success 'PGPASSWORD: a failing migration, a wrong database, a wrong port' '
	(
		export PGPASSWORD=$PW &&
		printf -- "-- migrate:up\nSELECT no_such_function();\n" >migrations/0009_fails.sql &&
		run pgpw-broken 1 strata -u "$NOPW_URL" up &&
		rm migrations/0009_fails.sql &&
		run pgpw-no-db 1 strata -u "${NOPW_URL%/*}/no_such_database_here" status &&
		run pgpw-no-port 1 strata -u "postgres://strata@127.0.0.1:1/postgres" status
	)
'

test_expect_success 'a wrong PGPASSWORD' '
	(
		export PGPASSWORD=$PW-WRONG &&
		run pgpw-wrong 1 strata -u "$NOPW_URL" status
	)
'

test_expect_success 'create and drop a database with the password in the URL' '
	new="${DATABASE_URL%/*}/t_t8100_created_$$" &&
	echo "t_t8100_created_$$" >>"$TEST_TMP/pg-databases" &&
	run create 0 strata -u "$new" create &&
	run create-again 1 strata -u "$new" create &&
	run drop 0 strata -u "$new" -y drop &&
	run drop-again any strata -u "$new" -y drop
'

test_expect_success 'the tracking table holds no password' '
	tracking_clean final &&
	db_sql "SELECT count(*) FROM strata_migrations" >count &&
	test "$(cat count)" -ge 2
'


# ---------------------------------------------------------------------------
# Passwords libpq reads where a naive reading does not: with ? or # in
# user:pass@, under a percent-encoded key, with # in ?password=. (Found by
# fuzz_url: url.c redact() and driver_pg.c raw_url_password() ended the
# password at the first ? or #; fixed in e23d988.)

test_expect_success 'setup: a role whose password holds ? and #' '
	db_sql "DROP ROLE IF EXISTS odd_pw; CREATE ROLE odd_pw LOGIN SUPERUSER PASSWORD '\''pw?s3cret#odd'\''"
'

test_expect_success 'a password with ? in user:pass@ is hidden in status --json' '
	run q-json 0 strata -u "postgres://odd_pw:pw?s3cret#odd@127.0.0.1:$STRATA_TEST_PG_PORT/${DATABASE_URL##*/}" status --json
'

test_expect_success 'a password with ? in a malformed URL is hidden in the error' '
	run q-ipv6 2 strata -u "postgres://odd_pw:pw?s3cret#odd@[::1" status
'

test_expect_success 'a password under a percent-encoded key (passw%6Frd=) is hidden' '
	run enc-key 0 strata -u "postgres://strata@127.0.0.1:$STRATA_TEST_PG_PORT/${DATABASE_URL##*/}?passw%6Frd=$PW" status --json
'

test_expect_success 'a ?password= value with # is hidden whole' '
	run q-hash 0 strata -u "postgres://odd_pw@127.0.0.1:$STRATA_TEST_PG_PORT/${DATABASE_URL##*/}?password=pw%3Fs3cret#odd" status --json &&
	test_grep ! "#odd" "$OUT/q-hash.out"
'

# libpq ends user:pass@ at the FIRST '@' (before any '/'); an '@' inside a
# ?password= value is not the end of a user part. (Found by fuzz_url: from
# e23d988 redact() took the LAST '@' before '/', and a URL without a path
# printed "postgres://u@h:****@s3cret". Both readings now come from one
# scanner, url_secret_spans() in lib/url.c.)
test_expect_success 'setup: a role whose password holds @' '
	db_sql "DROP ROLE IF EXISTS odd_at; CREATE ROLE odd_at LOGIN SUPERUSER PASSWORD '\''at@s3cret'\''"
'

test_expect_success 'a ?password= value with @, in a URL without a path, is hidden whole' '
	run at-query 0 strata -u "postgres://odd_at@127.0.0.1:$STRATA_TEST_PG_PORT?dbname=${DATABASE_URL##*/}&password=at@s3cret" status --json
'

test_expect_success '... and in the error about a malformed URL' '
	run at-query-ipv6 2 strata -u "postgres://odd_at@[::1?password=at@s3cret" status
'

test_expect_success 'a password holding ?search_path= logs in (dbmate rewrite leaves it alone)' '
	db_sql "DROP ROLE IF EXISTS odd_sp; CREATE ROLE odd_sp LOGIN SUPERUSER PASSWORD '\''x?search_path=s3cret'\''" &&
	run sp-in-pw 0 strata -u "postgres://odd_sp:x?search_path=s3cret@127.0.0.1:$STRATA_TEST_PG_PORT/${DATABASE_URL##*/}" status --json
'

test_expect_success '... and with a real ?search_path= after it' '
	run sp-after-pw 0 strata -u "postgres://odd_sp:x?search_path=s3cret@127.0.0.1:$STRATA_TEST_PG_PORT/${DATABASE_URL##*/}?search_path=public" status --json
'

test_expect_success 'an ?sslpassword= value is hidden too' '
	run sslpw 2 strata -u "postgres://strata@[::1?sslpassword=$PW" status &&
	test_grep "sslpassword=\*\*\*\*" "$OUT/sslpw.err"
'

test_expect_success 'cleanup: the odd roles go' '
	db_sql "DROP ROLE odd_pw; DROP ROLE odd_at; DROP ROLE odd_sp"
'

test_expect_success 'no output of this script shows the password' '
	ls "$OUT" >list &&
	test_line_count -gt 60 list &&
	! grep -r -l -i -e "$SECRET" -e "s3cret%2D" "$OUT"
'

test_done
