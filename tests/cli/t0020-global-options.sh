#!/bin/bash

test_description='global options before the command name

main() finds the command by skipping the global options before it; one
that takes a value ("--url URL", "-u URL") skips its value too, read from
the same table opts_parse() uses after the command. "--url=URL", "-uURL"
and flags take nothing from the next argument.'

test_engines=sqlite
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup' '
	cp -R "$FIXTURES/migrations/basic" migrations &&
	url=$(fresh_db) &&
	echo "$url" >url
'

test_expect_success 'every global option with a value before the command skips that value' '
	url=$(cat url) &&
	strata -u "$url" -d migrations -s schema.sql --table my_history \
		--dev-url "sqlite:$TRASH/dev.db" --pg-schema p --dump-schema dump.sql \
		--lock-timeout 5s --statement-timeout 5s --keep 3 up >out &&
	test_path_is_file dump.sql &&
	db_tables -u "$url" >tables &&
	test_grep "^my_history\$" tables &&
	test_grep "^users\$" tables &&
	strata --url "$url" --dir migrations --schema schema.sql --table my_history status >out &&
	test_grep "^4 applied, 0 pending\$" out
'

test_expect_success '--url=URL and -uURL take no further argument' '
	url=$(cat url) &&
	strata --url="$url" --table=my_history -dmigrations status >out1 &&
	strata -u"$url" --table my_history --dir=migrations status >out2 &&
	test_cmp out1 out2
'

test_expect_success 'flags before the command take no value' '
	url=$(cat url) &&
	strata -q --json -u "$url" --table my_history status >out &&
	test_grep "\"applied\"" out
'

test_expect_success 'a global option without its value is a usage error' '
	test_expect_code 2 strata --url >out 2>err &&
	test_must_be_empty out &&
	test_grep "^usage: strata" err
'

test_done
