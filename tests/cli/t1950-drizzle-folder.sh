#!/bin/bash

test_description='a Drizzle folder runs as it is

A folder with meta/_journal.json (drizzle-kit generate) holds up-only
migrations split by "--> statement-breakpoint", ordered by the journal; no
strata marker is needed. The journal is hostile input: malformed JSON, a tag
that is a path, a file too large, entries out of order are refused with the
file and the reason, exit 2, database unchanged.'

. "$(dirname "$0")/test-lib.sh"

has_table() {
	db_tables | grep -qx "$1"
}

# journal TAG...: meta/_journal.json listing the tags in that order.
journal() {
	mkdir -p drizzle/meta &&
	{
		printf '{\n  "version": "7",\n  "dialect": "sqlite",\n  "entries": [\n' &&
		i=0 &&
		for t in "$@"
		do
			test $i = 0 || printf ',\n'
			printf '    { "idx": %d, "version": "6", "when": %d, "tag": "%s", "breakpoints": true }' \
				$i $((1700000000000 + i * 1000)) "$t"
			i=$((i + 1))
		done &&
		printf '\n  ]\n}\n'
	} >drizzle/meta/_journal.json
}

drizzle_folder() {
	rm -rf drizzle && mkdir -p drizzle/meta &&
	cat >drizzle/0000_brave_users.sql <<-\EOF &&
	CREATE TABLE "users" (
		"id" integer PRIMARY KEY NOT NULL,
		"name" text NOT NULL
	);
	--> statement-breakpoint
	CREATE INDEX "users_name_idx" ON "users" ("name");
	EOF
	cat >drizzle/0001_quiet_posts.sql <<-\EOF &&
	CREATE TABLE "posts" (
		"id" integer PRIMARY KEY NOT NULL,
		"user_id" integer REFERENCES "users" ("id")
	);
	EOF
	journal 0000_brave_users 0001_quiet_posts
}

test_expect_success 'up applies a Drizzle folder in journal order' '
	drizzle_folder &&
	use_fresh_db &&
	strata -d drizzle up >out 2>err &&
	test_grep "^applied *0000_brave_users" out &&
	test_grep "^applied *0001_quiet_posts" out &&
	has_table users && has_table posts &&
	strata -d drizzle status --exit-code >out &&
	test_grep "^2 applied, 0 pending" out
'

test_expect_success 'a new journal entry is pending, then applied' '
	printf "ALTER TABLE \"posts\" ADD COLUMN \"title\" text;\n" >drizzle/0002_add_title.sql &&
	journal 0000_brave_users 0001_quiet_posts 0002_add_title &&
	strata -d drizzle status >out &&
	test_grep "1 pending" out &&
	strata -d drizzle up >out &&
	test_grep "^applied *0002_add_title" out &&
	db_sql "SELECT count(*) FROM posts WHERE title IS NULL" >actual &&
	echo 0 >expect && test_cmp expect actual
'

test_expect_success 'a .sql file the journal does not list is not run (as Drizzle)' '
	printf "CREATE TABLE stray (id integer);\n" >drizzle/0003_stray.sql &&
	strata -d drizzle up >out &&
	test_grep "nothing to apply" out &&
	! has_table stray &&
	rm drizzle/0003_stray.sql
'

test_expect_success 'Drizzle migrations have no down: down refuses, nothing changed' '
	before=$(db_checksum) &&
	test_expect_code 2 strata -d drizzle down >out 2>err &&
	test_grep "0002_add_title has no down section" err &&
	test "$(db_checksum)" = "$before"
'

# refused PATTERN: up exits 2 with one line matching, database unchanged.
refused() {
	use_fresh_db &&
	before=$(db_checksum) &&
	test_expect_code 2 strata -d drizzle up >out 2>err &&
	test_line_count = 1 err &&
	test_grep "$1" err &&
	test "$(db_checksum)" = "$before" &&
	! has_table users
}

test_expect_success 'malformed journal JSON: file, line and reason' '
	drizzle_folder &&
	printf "{ \"entries\": [ { \"tag\": \"0000_brave_users\" }, \n" >drizzle/meta/_journal.json &&
	refused "drizzle/meta/_journal.json:[0-9]*: malformed JSON: "
'

test_expect_success 'a journal without entries' '
	drizzle_folder &&
	echo "[1, 2]" >drizzle/meta/_journal.json &&
	refused "drizzle/meta/_journal.json: not a Drizzle journal"
'

test_expect_success 'a tag that is a path outside the folder' '
	drizzle_folder &&
	mkdir -p outside && echo "CREATE TABLE evil (id integer);" >outside/0000_evil.sql &&
	journal ../outside/0000_evil &&
	refused "tag .*is not <digits>_<name>" &&
	! has_table evil
'

test_expect_success 'a tag with a dot, a tag that is not a string' '
	drizzle_folder &&
	journal 0000_brave_users.x &&
	refused "tag .0000_brave_users.x. is not" &&
	printf "{\"entries\": [{\"tag\": 7}]}" >drizzle/meta/_journal.json &&
	refused "entry 0 has no \"tag\" string"
'

test_expect_success 'a journal larger than 4 MiB' '
	drizzle_folder &&
	{ printf "{\"entries\": [], \"pad\": \"" && head -c 5000000 /dev/zero | tr "\\0" x && printf "\"}"; } \
		>drizzle/meta/_journal.json &&
	refused "_journal.json: file is larger than 4 MiB"
'

test_expect_success 'entries out of version order' '
	drizzle_folder &&
	journal 0001_quiet_posts 0000_brave_users &&
	refused "tag .0000_brave_users. is not after .0001_quiet_posts."
'

test_expect_success 'a journal entry whose file is missing' '
	drizzle_folder &&
	journal 0000_brave_users 0001_quiet_posts 0002_gone &&
	use_fresh_db &&
	test_must_fail strata -d drizzle up >out 2>err &&
	test_grep "drizzle/0002_gone.sql" err &&
	! has_table users
'

test_expect_success 'a journal that is a symlink out of the folder' '
	drizzle_folder &&
	journal 0000_brave_users &&
	mv drizzle/meta/_journal.json outside/j.json &&
	ln -s "$PWD/outside/j.json" drizzle/meta/_journal.json &&
	refused "symbolic link points outside the migrations directory"
'

test_done
