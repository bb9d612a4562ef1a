#!/bin/bash

test_description='strata embed: migrations compiled into the program

strata embed -o FILE.c writes the migrations directory as C source defining
strata_embedded_migrations. The example app built with it (-DAPP_EMBEDDED)
against the libstrata just built migrates with the migrations folder
deleted, records the same checksums as the files, and is held to every
safety rule: strata.sum, edited applied migrations, a content that does
not match the checksum it was embedded with.'

. "$(dirname "$0")/test-lib.sh"

BASIC=$FIXTURES/migrations/basic
APP_SRC=$SRCDIR/examples/app/main.c

# A sanitizer build's objects need the sanitizer runtime linked in too.
san=$(meson introspect --buildoptions "$BUILD_DIR" 2>/dev/null |
	jq -r '.[] | select(.name == "b_sanitize") | .value')
case $san in ""|none) SANFLAGS= ;; *) SANFLAGS=-fsanitize=$san ;; esac

if /usr/bin/python3 -c "import jsonschema" 2>/dev/null
then
	test_set_prereq JSONSCHEMA
fi

# build_app OUT C-FILE: the example app with those migrations compiled in,
# against build/libstrata.so.
build_app() {
	cc -std=c11 -Wall -Wextra -Werror $SANFLAGS -DAPP_EMBEDDED -I"$SRCDIR/include" \
		-o "$1" "$APP_SRC" "$2" -L"$BUILD_DIR" -lstrata -Wl,-rpath,"$BUILD_DIR"
}

test_expect_success 'embed writes C source defining strata_embedded_migrations' '
	rm -rf migrations && cp -R "$BASIC" migrations &&
	strata hash >out &&
	strata embed -o embedded.c >out 2>err &&
	test_must_be_empty err &&
	echo "wrote embedded.c: 4 migrations as strata_embedded_migrations" >expect &&
	test_cmp expect out &&
	test_grep "^const strata_migration_source strata_embedded_migrations = {" embedded.c &&
	test "$(grep "^[a-z]" embedded.c | grep -vc "^static")" = 1 &&
	test_grep "20240101120000_create_users.sql" embedded.c
'

test_expect_success 'the app built with it migrates with the folder deleted' '
	build_app app embedded.c &&
	mv migrations migrations.away &&
	use_fresh_db &&
	./app "$DATABASE_URL" >out 2>err &&
	test_must_be_empty err &&
	cat >expect <<-\EOF &&
	app: migrating 20240101120000_create_users (up)
	app: migrating 20240102120000_create_posts (up)
	app: migrating 20240103120000_create_tags (up)
	app: migrating 20240104120000_add_user_bio (up)
	app: applied 20240101120000_create_users
	app: applied 20240102120000_create_posts
	app: applied 20240103120000_create_tags
	app: applied 20240104120000_add_user_bio
	app: schema up to date (4 applied now), serving
	EOF
	test_cmp expect out &&
	db_tables >actual &&
	printf "post_tags\nposts\nstrata_migrations\ntags\nusers\n" >expect &&
	test_cmp expect actual &&
	./app "$DATABASE_URL" >out 2>err &&
	echo "app: schema up to date (0 applied now), serving" >expect &&
	test_cmp expect out
'

test_expect_success '... and recorded the checksums of the files: strata agrees' '
	mv migrations.away migrations &&
	strata status --exit-code >out 2>err &&
	test_grep "^4 applied, 0 pending$" out &&
	strata verify >out 2>err
'

test_expect_success 'an applied migration embedded edited is refused, nothing changed' '
	printf "\n-- edited\n" >>migrations/20240102120000_create_posts.sql &&
	strata hash >out &&
	strata embed -o edited.c >out &&
	build_app app-edited edited.c &&
	before=$(db_checksum) &&
	test_expect_code 1 ./app-edited "$DATABASE_URL" >out 2>err &&
	test_grep "embedded/20240102120000_create_posts.sql was edited after it was applied" err &&
	test "$(db_checksum)" = "$before" &&
	rm -rf migrations && cp -R "$BASIC" migrations && strata hash >out
'

test_expect_success 'a content that does not match its embedded checksum is refused' '
	sed "s/\"CREATE TABLE tags/\"CREATE TABLE tagz/" embedded.c >tampered.c &&
	! cmp -s embedded.c tampered.c &&
	build_app app-tampered tampered.c &&
	use_fresh_db &&
	before=$(db_checksum) &&
	test_expect_code 1 ./app-tampered "$DATABASE_URL" >out 2>err &&
	test_grep "embedded/20240103120000_create_tags.sql: the content does not match the checksum it was embedded with" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'the embedded strata.sum is enforced' '
	sed "/^static const char strata_embedded_sum/,/;/s/^\(\t\"total \)[0-9a-f]/\10/" embedded.c >badsum.c &&
	! cmp -s embedded.c badsum.c &&
	build_app app-badsum badsum.c &&
	test_expect_code 1 ./app-badsum "$DATABASE_URL" >out 2>err &&
	test_grep "embedded/strata.sum: does not match the migrations" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'embed refuses a stale strata.sum and a malformed file, writing nothing' '
	printf "\n-- edited\n" >>migrations/20240103120000_create_tags.sql &&
	test_expect_code 1 strata embed -o stale.c 2>err &&
	test_line_count = 1 err &&
	test_grep "strata.sum: 20240103120000_create_tags.sql was edited after it was hashed" err &&
	test_path_is_missing stale.c &&
	rm -rf migrations && cp -R "$BASIC" migrations &&
	printf -- "-- migrate:upp\nSELECT 1;\n" >migrations/20240105120000_bad.sql &&
	test_expect_code 2 strata embed -o bad.c 2>err &&
	test_line_count = 1 err &&
	test_grep "20240105120000_bad.sql:1:" err &&
	test_path_is_missing bad.c &&
	rm migrations/20240105120000_bad.sql
'

test_expect_success 'bad usage: no -o, no folder, an argument; -o - with --json' '
	test_expect_code 2 strata embed 2>err &&
	test_grep "embed: -o FILE.c is required" err &&
	test_expect_code 2 strata -d nowhere embed -o x.c 2>err &&
	test_grep "nowhere. does not exist" err &&
	test_expect_code 2 strata embed -o x.c extra 2>err &&
	test_expect_code 2 strata --json embed -o - >out 2>err &&
	test_path_is_missing x.c
'

test_expect_success '-o - writes to stdout' '
	strata embed -o - >out &&
	test_grep "^const strata_migration_source strata_embedded_migrations" out
'

test_expect_success JSONSCHEMA '--json: the embed document' '
	strata --json embed -o j.c >out &&
	"$SRCDIR/tests/json-check" misc#embed out &&
	test_grep "\"migrations\": 4" out
'

test_done
