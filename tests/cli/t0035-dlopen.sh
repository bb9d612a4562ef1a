#!/bin/bash

test_description='libpq, libpg_query and libmicrohttpd are loaded on first use

strata links neither libpq, libpg_query nor libmicrohttpd: lib/dl.c and
src/dl_mhd.c load them when a run first needs them (docs/architecture.md).
A SQLite run maps none of them, and works when all three are missing; a run
that needs a missing one fails before it touches anything, with one line
naming the library, exit 1. The test seam of test builds,
STRATA_TEST_DLOPEN_FAIL, makes the named loads fail for real (dlopen() of a
path that does not exist).'

test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

BASIC=$FIXTURES/migrations/basic
DEAD_PG=postgres://nobody@127.0.0.1:1/nothing?connect_timeout=2
ALL=libpq,libpg_query,libmicrohttpd

# The libraries the dynamic linker opened for a run (LD_DEBUG=files).
opened() {
	LD_DEBUG=files LD_DEBUG_OUTPUT=$TRASH/ld "$@" >/dev/null 2>&1
	cat "$TRASH"/ld.* 2>/dev/null | sed -n 's/.*file=\([^ ]*\) .*/\1/p' | sort -u
	rm -f "$TRASH"/ld.*
}

test_expect_success SQLITE 'the program and a SQLite run map no PostgreSQL or HTTP library' '
	readelf -d "$STRATA" >dyn &&
	! grep -e "NEEDED.*libpq" -e "NEEDED.*libpg_query" -e "NEEDED.*microhttpd" dyn &&
	strata -u sqlite:app.db -d "$BASIC" up >out &&
	opened strata -u sqlite:app.db -d "$BASIC" status >libs &&
	test_grep "libsqlite3" libs &&
	! grep -e libpq -e libpg_query -e microhttpd -e libgssapi -e libldap libs
'

test_expect_success SQLITE 'a PostgreSQL URL loads libpq (a dead server is a connection error)' '
	opened strata -u "$DEAD_PG" -d "$BASIC" status >libs &&
	test_grep "libpq\.so" libs &&
	test_expect_code 1 strata -u "$DEAD_PG" -d "$BASIC" status >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: .*127\.0\.0\.1.*port 1" err
'

test_expect_success SQLITE 'SQLite works with all three missing: up, status, lint, diff' '
	rm -f app.db &&
	STRATA_TEST_DLOPEN_FAIL=$ALL strata -u sqlite:app.db -d "$BASIC" up >out &&
	STRATA_TEST_DLOPEN_FAIL=$ALL strata -u sqlite:app.db -d "$BASIC" status >out &&
	test_grep "^4 applied, 0 pending$" out &&
	STRATA_TEST_DLOPEN_FAIL=$ALL strata -u sqlite:app.db -d "$BASIC" lint >out &&
	STRATA_TEST_DLOPEN_FAIL=$ALL strata -u sqlite:app.db -d "$BASIC" diff \
		--from sqlite:app.db --to sqlite:app.db >out &&
	test_must_be_empty out
'

test_expect_success SQLITE 'without libpq, every way into PostgreSQL is one line naming it, exit 1' '
	for cmd in status up verify inspect dump create drop
	do
		test_expect_code 1 env STRATA_TEST_DLOPEN_FAIL=libpq \
			strata -y -u "$DEAD_PG" -d "$BASIC" $cmd >out 2>err &&
		test_line_count = 1 err &&
		test_grep "^strata: error: .*PostgreSQL support needs libpq\.so\.[0-9]*: .*strata-test/libpq" err ||
		return 1
	done
'

test_expect_success SQLITE 'without libpq, --json says it in the envelope' '
	test_expect_code 1 env STRATA_TEST_DLOPEN_FAIL=libpq \
		strata --json -u "$DEAD_PG" -d "$BASIC" status >out 2>err &&
	jq -e ".ok == false and .exit_status == 1 and (.error.message | test(\"needs libpq\"))" out
'

test_expect_success SQLITE 'without libpg_query, lint of PostgreSQL migrations stops, exit 1' '
	test_expect_code 1 env STRATA_TEST_DLOPEN_FAIL=libpg_query \
		strata -u "$DEAD_PG" -d "$BASIC" lint --offline >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: lint: PostgreSQL SQL parsing needs libpg_query\.so.*: " err
'

test_expect_success POSTGRES 'without libpg_query, up on a live server changes nothing, exit 1' '
	use_fresh_db &&
	before=$(db_checksum) &&
	test_expect_code 1 env STRATA_TEST_DLOPEN_FAIL=libpg_query strata -d "$BASIC" up >out 2>err &&
	test_line_count = 1 err &&
	test_grep "needs libpg_query\.so" err &&
	test "$(db_checksum)" = "$before" &&
	strata -d "$BASIC" up >out &&
	strata -d "$BASIC" status >out &&
	test_grep "^4 applied, 0 pending$" out
'

test_expect_success POSTGRES 'without libpg_query, a PostgreSQL schema file is refused, exit 1' '
	use_fresh_db &&
	echo "CREATE TABLE t (id int PRIMARY KEY);" >schema.sql &&
	before=$(db_checksum) &&
	test_expect_code 1 env STRATA_TEST_DLOPEN_FAIL=libpg_query strata diff \
		--from "$DATABASE_URL" --to schema.sql >out 2>err &&
	test_line_count = 1 err &&
	test_grep "needs libpg_query\.so" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success SQLITE 'without libmicrohttpd, studio says so before it starts anything, exit 1' '
	test_expect_code 1 env STRATA_TEST_DLOPEN_FAIL=libmicrohttpd \
		strata -u sqlite:app.db -d "$BASIC" studio --port 0 >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: strata studio needs libmicrohttpd\.so" err
'

test_done
