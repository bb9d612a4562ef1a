#!/bin/bash

test_description='--json: one document for every command, in one envelope

Every command given --json prints exactly one JSON document on stdout, with
the envelope every command shares (command, engine, database with the
password hidden, ok, exit_status, format_version; error when it failed),
and the fields of its kind; each is checked against the JSON Schema files in
docs/json/ (tests/json-check). Failures print a document too.'

. "$(dirname "$0")/test-lib.sh"

V1=20240101120000
V2=20240102120000

if /usr/bin/python3 -c "import jsonschema" 2>/dev/null
then
	test_set_prereq JSONSCHEMA
fi

# json_get FILE PATH: one value of a JSON document (SQLite's JSON1; true is 1).
json_get() {
	sqlite3 -batch -init /dev/null :memory: "SELECT json_extract(readfile('$1'), '$2')"
}

# check KIND: out holds one document of KIND (tests/json-check).
check() {
	"$SRCDIR/tests/json-check" "$1" out
}

test_expect_success JSONSCHEMA 'the schema files are valid JSON Schema' '
	rm -rf migrations &&
	cp -R "$FIXTURES/migrations/basic" migrations &&
	use_fresh_db &&
	strata --json status >out &&
	check status
'

test_expect_success JSONSCHEMA 'runs: up, down, redo, show, status' '
	strata --json up --dry-run >out && check run &&
	strata --json up --to $V2 >out && check run &&
	test "$(json_get out "\$.ok")" = 1 &&
	test "$(json_get out "\$.exit_status")" = 0 &&
	test "$(json_get out "\$.format_version")" = 1 &&
	test "$(json_get out "\$.command")" = up &&
	test "$(json_get out "\$.engine")" = "$STRATA_TEST_ENGINE" &&
	strata --json status >out && check status &&
	strata --json show >out && check run &&
	strata --json show $V1 >out && check show &&
	strata --json up >out && check run &&
	strata --json redo >out && check redo &&
	strata --json down >out && check run &&
	strata --json up >out && check run
'

test_expect_success JSONSCHEMA 'schema commands: dump, inspect, stats, verify, diff' '
	strata --json dump >out && check misc#dump &&
	strata --json dump schema.out >out && check misc#dump &&
	strata --json stats >out && check stats &&
	strata --json verify >out && check plan &&
	strata inspect --format sql >schema.sql &&
	strata --json diff --from "$DATABASE_URL" --to schema.sql >out && check plan
'

test_expect_success JSONSCHEMA 'history commands: new, mark, baseline, hash, lint' '
	strata --json new add_thing >out && check misc#new &&
	file=$(json_get out "\$.file") &&
	printf "%s\n" "-- migrate:up" "CREATE TABLE thing (id INTEGER);" "-- migrate:down" "DROP TABLE thing;" >"$file" &&
	strata --json lint >out && check lint &&
	strata --json hash >out && check none &&
	v=$(basename "$file" | cut -d_ -f1) &&
	strata --json mark $v --applied >out && check misc#mark &&
	strata --json mark $v --pending >out && check misc#mark &&
	strata --json -y reset >out && check run &&
	strata --json baseline $V2 >out && check misc#baseline
'

test_expect_success JSONSCHEMA 'failures print a document: ok false, exit_status, the error' '
	test_expect_code 1 strata --json show 1999 >out 2>err &&
	check none &&
	test "$(json_get out "\$.ok")" = 0 &&
	test "$(json_get out "\$.exit_status")" = 1 &&
	json_get out "\$.error.message" >msg &&
	test_grep "1999" msg &&
	test_expect_code 1 strata --json -u "sqlite:$TRASH/nope/no.db" status >out 2>err &&
	check none &&
	test "$(json_get out "\$.exit_status")" = 1 &&
	test "$(json_get out "\$.engine")" = sqlite
'

test_expect_success JSONSCHEMA 'a password never reaches the envelope' '
	test_expect_code 1 strata --json -u "postgres://u:s3cretpw@127.0.0.1:1/x?connect_timeout=2" status >out 2>err &&
	check none &&
	test_grep ! "s3cretpw" out &&
	test "$(json_get out "\$.engine")" = postgres
'

test_expect_success JSONSCHEMA 'exit 3 is a result, not a failure: ok false and no error' '
	printf "%s\n" "-- migrate:up" "DROP TABLE users;" "-- migrate:down" "SELECT 1;" >bad.sql &&
	test_expect_code 3 strata --json lint bad.sql >out &&
	check lint &&
	test "$(json_get out "\$.ok")" = 0 &&
	test "$(json_get out "\$.exit_status")" = 3 &&
	test -z "$(json_get out "\$.error")" &&
	test_expect_code 2 strata --json lint nothere.sql >out 2>err &&
	check none &&
	test "$(json_get out "\$.exit_status")" = 2 &&
	json_get out "\$.error.message" >msg &&
	test_grep "nothere.sql" msg
'

test_expect_success JSONSCHEMA 'check, adopt, adopt --drift' '
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0001_create_a.sql &&
	printf -- "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nSELECT 1;\n" \
		>migrations/0002_create_b.sql &&
	use_fresh_db &&
	db_sql "CREATE TABLE a (id INTEGER); CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
	        INSERT INTO schema_migrations VALUES ('"'0001'"');" &&
	test_expect_code 3 strata --json check >out &&
	check check &&
	test "$(json_get out "\$.failed")" = 1 &&
	test "$(json_get out "\$.migrations[1].state")" = differs &&
	strata --json adopt --dry-run >out && check adopt#history &&
	strata --json adopt >out && check adopt#history &&
	test "$(json_get out "\$.tool")" = dbmate &&
	strata --json up >out && check run &&
	db_sql "CREATE TABLE hotfix (id INTEGER)" &&
	strata --json adopt --drift hotfix >out && check adopt#drift &&
	json_get out "\$.up_sql" >up.sql &&
	test_grep -i "create table.*hotfix" up.sql
'

test_expect_success JSONSCHEMA 'squash, and squash --dry-run' '
	strata --json squash --dry-run --to 0002 base >out && check misc#squash &&
	test "$(json_get out "\$.dry_run")" = 1 &&
	test_path_is_missing migrations/0002_base.sql &&
	strata --json squash --to 0002 base >out && check misc#squash &&
	test "$(json_get out "\$.dry_run")" = 0 &&
	test_path_is_file migrations/0002_base.sql &&
	json_get out "\$.up_sql" >up.sql &&
	test_grep -i "create table.*\<b\>" up.sql
'

test_expect_success JSONSCHEMA 'create, drop and backups' '
	case "$STRATA_TEST_ENGINE" in
	sqlite)
		url=sqlite:$TRASH/other.db &&
		strata --json -u "$url" create >out && check none &&
		strata --json -u "$url" backup >out && check backups &&
		strata --json -u "$url" backups >out && check backups &&
		strata --json -u "$url" -y restore >out && check backups &&
		strata --json -u "$url" -y drop >out && check none ;;
	*)
		strata --json backups >out 2>err;
		check none ;;
	esac
'

test_done
