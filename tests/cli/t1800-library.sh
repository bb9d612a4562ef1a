#!/bin/bash

test_description='an application migrates its own database through libstrata

examples/app/main.c is a program that, like a web server on boot, applies
what is pending through the library and then serves. It is built with
strata (build/example-app); these tests run it, build nothing, and check
the database with the same eyes as the CLI tests.'

. "$(dirname "$0")/test-lib.sh"

APP=$(dirname "$STRATA")/example-app
BASIC=$FIXTURES/migrations/basic
BROKEN=$FIXTURES/migrations/broken

test_expect_success 'the example app is built beside strata' '
	test -x "$APP"
'

test_expect_success 'the app applies every pending migration at start-up' '
	use_fresh_db &&
	"$APP" "$DATABASE_URL" "$BASIC" >out 2>err &&
	test_must_be_empty err &&
	cat >expect <<-\EOF &&
	app: applied 20240101120000_create_users
	app: applied 20240102120000_create_posts
	app: applied 20240103120000_create_tags
	app: applied 20240104120000_add_user_bio
	app: schema up to date (4 applied now), serving
	EOF
	test_cmp expect out &&
	db_tables >actual &&
	cat >expect <<-\EOF &&
	post_tags
	posts
	strata_migrations
	tags
	users
	EOF
	test_cmp expect actual &&
	db_sql "SELECT version, batch, state FROM strata_migrations ORDER BY version" >actual &&
	cat >expect <<-\EOF &&
	20240101120000|1|applied
	20240102120000|1|applied
	20240103120000|1|applied
	20240104120000|1|applied
	EOF
	test_cmp expect actual
'

test_expect_success '... and strata status agrees' '
	strata -d "$BASIC" status --exit-code >out 2>err &&
	test_must_be_empty err &&
	test_grep "^4 applied, 0 pending$" out
'

test_expect_success 'a second start applies nothing and changes nothing' '
	before=$(db_checksum) &&
	"$APP" "$DATABASE_URL" "$BASIC" >out 2>err &&
	test_must_be_empty err &&
	echo "app: schema up to date (0 applied now), serving" >expect &&
	test_cmp expect out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'a start after a new migration applies just that one' '
	rm -rf migrations &&
	cp -R "$BASIC" migrations &&
	cat >migrations/20240105120000_create_settings.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE settings (name VARCHAR(100) PRIMARY KEY, value TEXT);
	-- migrate:down
	DROP TABLE settings;
	EOF
	"$APP" "$DATABASE_URL" migrations >out 2>err &&
	test_must_be_empty err &&
	cat >expect <<-\EOF &&
	app: applied 20240105120000_create_settings
	app: schema up to date (1 applied now), serving
	EOF
	test_cmp expect out &&
	db_sql "SELECT batch FROM strata_migrations WHERE version = '\''20240105120000'\''" >actual &&
	echo 2 >expect &&
	test_cmp expect actual
'

test_expect_success 'a broken migration: the app exits 1, prints the error, applies nothing' '
	use_fresh_db &&
	before=$(db_checksum) &&
	test_expect_code 1 "$APP" "$DATABASE_URL" "$BROKEN" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^app: cannot migrate the database: $BROKEN/20240103120000_seed_users.sql:4: " err &&
	test "$(db_checksum)" = "$before" &&
	db_tables >actual &&
	test_must_be_empty actual
'

test_expect_success 'a malformed file: the app exits 1 and names file and line' '
	rm -rf migrations &&
	cp -R "$BASIC" migrations &&
	printf -- "-- migrate:up\nSELECT 1;\n-- migrate:dwon\n" >migrations/20240105120000_bad.sql &&
	use_fresh_db &&
	before=$(db_checksum) &&
	test_expect_code 1 "$APP" "$DATABASE_URL" migrations >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^app: cannot migrate the database: migrations/20240105120000_bad.sql:3: unknown marker" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'an app started with a bad URL exits 1 with a message' '
	test_expect_code 1 "$APP" "nosuch://db" "$BASIC" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^app: cannot migrate the database: " err
'

test_expect_success 'eight instances starting at once apply each migration exactly once' '
	use_fresh_db &&
	for i in 1 2 3 4 5 6 7 8
	do
		{ "$APP" "$DATABASE_URL" "$BASIC" >app$i.out 2>app$i.err; echo $? >app$i.exit; } &
	done &&
	wait &&
	cat app*.exit | sort -u >actual &&
	echo 0 >expect &&
	test_cmp expect actual &&
	grep -h "applied now" app*.out | sort | uniq -c | sed "s/^ *//" >actual &&
	cat >expect <<-\EOF &&
	7 app: schema up to date (0 applied now), serving
	1 app: schema up to date (4 applied now), serving
	EOF
	test_cmp expect actual &&
	cat app*.err >err &&
	test_grep ! -v "^app: waiting for" err &&
	db_sql "SELECT version, batch FROM strata_migrations ORDER BY version" >actual &&
	cat >expect <<-\EOF &&
	20240101120000|1
	20240102120000|1
	20240103120000|1
	20240104120000|1
	EOF
	test_cmp expect actual
'

test_done
