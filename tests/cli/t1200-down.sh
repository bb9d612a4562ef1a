#!/bin/bash

test_description='down rolls migrations back

down undoes the last batch by default, or the last N migrations (--steps),
everything newer than a version (--to), or everything (--all), newest
first, with the down SQL recorded when each was applied when its file is
gone. It refuses an irreversible migration before it runs anything.'

. "$(dirname "$0")/test-lib.sh"

V1=20240101120000
V2=20240102120000
V3=20240103120000
V4=20240104120000

# strip_ms <OUT: a run's output without what varies from run to run: the
# durations, and the line naming the automatic SQLite backup (the backup
# tests check that one).
strip_ms() {
	sed -E -e '/^backup: /d' -e 's/\([0-9]+ ms\)/(N ms)/'
}

start_with() {
	rm -rf migrations &&
	cp -R "$FIXTURES/migrations/$1" migrations &&
	use_fresh_db
}

tracking() {
	db_sql "SELECT version, batch FROM strata_migrations ORDER BY version"
}

# basic_in_two_batches: the basic set applied as batch 1 (users, posts)
# and batch 2 (tags, bio).
basic_in_two_batches() {
	start_with basic &&
	strata up --steps 2 >out &&
	strata up >out &&
	tracking >actual &&
	printf "%s|1\n%s|1\n%s|2\n%s|2\n" $V1 $V2 $V3 $V4 >expect &&
	test_cmp expect actual
}

test_expect_success 'down rolls back the last batch only, newest first' '
	basic_in_two_batches &&
	strata down >out 2>err &&
	test_must_be_empty err &&
	strip_ms <out >actual &&
	cat >expect <<-EOF &&
	rolled back  ${V4}_add_user_bio (N ms)
	rolled back  ${V3}_create_tags (N ms)
	2 migrations rolled back (N ms)
	EOF
	test_cmp expect actual &&
	tracking >actual &&
	printf "%s|1\n%s|1\n" $V1 $V2 >expect &&
	test_cmp expect actual &&
	db_tables >actual &&
	printf "posts\nstrata_migrations\nusers\n" >expect &&
	test_cmp expect actual &&
	test_must_fail db_sql "SELECT bio FROM users"
'

test_expect_success 'a second down rolls back the batch before' '
	strata down >out 2>err &&
	test_must_be_empty err &&
	test_grep "^2 migrations rolled back" out &&
	db_tables >actual &&
	echo strata_migrations >expect &&
	test_cmp expect actual &&
	tracking >actual &&
	test_must_be_empty actual
'

test_expect_success 'down when nothing is applied says so and succeeds' '
	before=$(db_checksum) &&
	strata down >out 2>err &&
	test_must_be_empty err &&
	echo "nothing to roll back" >expect &&
	test_cmp expect out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'down on a database strata never touched says so too' '
	start_with basic &&
	before=$(db_checksum) &&
	strata down >out 2>err &&
	test_must_be_empty err &&
	echo "nothing to roll back" >expect &&
	test_cmp expect out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'down --steps N rolls back the last N migrations, across batches' '
	basic_in_two_batches &&
	strata down --steps 3 >out 2>err &&
	test_must_be_empty err &&
	strip_ms <out >actual &&
	cat >expect <<-EOF &&
	rolled back  ${V4}_add_user_bio (N ms)
	rolled back  ${V3}_create_tags (N ms)
	rolled back  ${V2}_create_posts (N ms)
	3 migrations rolled back (N ms)
	EOF
	test_cmp expect actual &&
	tracking >actual &&
	echo "$V1|1" >expect &&
	test_cmp expect actual &&
	db_tables >actual &&
	printf "strata_migrations\nusers\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'down --steps 0 is refused, not taken as "the last batch"' '
	basic_in_two_batches &&
	before=$(db_checksum) &&
	test_expect_code 2 strata down --steps 0 >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: .*--steps" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'down --to V rolls back everything newer than V and keeps V' '
	basic_in_two_batches &&
	strata down --to $V2 >out 2>err &&
	test_must_be_empty err &&
	strip_ms <out >actual &&
	cat >expect <<-EOF &&
	rolled back  ${V4}_add_user_bio (N ms)
	rolled back  ${V3}_create_tags (N ms)
	2 migrations rolled back (N ms)
	EOF
	test_cmp expect actual &&
	tracking >actual &&
	printf "%s|1\n%s|1\n" $V1 $V2 >expect &&
	test_cmp expect actual
'

test_expect_success 'down --to a version no migration has (a typo) fails and rolls back nothing' '
	before=$(db_checksum) &&
	test_expect_code 1 strata down --to 2024010112000 >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: .*2024010112000" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'down --to something that is not a version is bad usage' '
	before=$(db_checksum) &&
	test_expect_code 2 strata down --to latest >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: .*latest.* is not a version" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'down --all rolls back every batch' '
	basic_in_two_batches &&
	strata down --all >out 2>err &&
	test_must_be_empty err &&
	strip_ms <out >actual &&
	cat >expect <<-EOF &&
	rolled back  ${V4}_add_user_bio (N ms)
	rolled back  ${V3}_create_tags (N ms)
	rolled back  ${V2}_create_posts (N ms)
	rolled back  ${V1}_create_users (N ms)
	4 migrations rolled back (N ms)
	EOF
	test_cmp expect actual &&
	db_tables >actual &&
	echo strata_migrations >expect &&
	test_cmp expect actual &&
	tracking >actual &&
	test_must_be_empty actual
'

test_expect_success 'down --dry-run prints the down SQL and changes nothing' '
	basic_in_two_batches &&
	before=$(db_checksum) &&
	strata down --dry-run >out 2>err &&
	test_must_be_empty err &&
	cat >expect <<-EOF &&
	-- down ${V4}_add_user_bio
	ALTER TABLE users DROP COLUMN bio;

	-- down ${V3}_create_tags
	DROP TABLE post_tags;
	DROP TABLE tags;

	-- dry run: 2 migrations would be rolled back; nothing was changed
	EOF
	test_cmp expect out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'down refuses an irreversible migration and rolls back nothing' '
	start_with irreversible &&
	strata up >out &&
	before=$(db_checksum) &&
	test_expect_code 2 strata down >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: ${V2}_create_audit_log has no down section" err &&
	test "$(db_checksum)" = "$before" &&
	db_sql "SELECT version FROM strata_migrations ORDER BY version" >actual &&
	printf "%s\n%s\n" $V1 $V2 >expect &&
	test_cmp expect actual &&
	db_sql "SELECT version FROM strata_migrations WHERE down_sql IS NULL" >actual &&
	echo $V2 >expect &&
	test_cmp expect actual
'

test_expect_success '... also when it is only one of several to roll back' '
	rm migrations/${V2}_create_audit_log.sql &&
	cat >migrations/${V2}_create_audit_log.sql <<-\EOF &&
	-- migrate:up
	-- Audit records are kept for good: this migration has no down section.
	CREATE TABLE audit_log (
	  id INTEGER PRIMARY KEY,
	  message TEXT NOT NULL
	);
	INSERT INTO audit_log (id, message) VALUES (1, '\''audit log created'\'');
	EOF
	test_expect_code 2 strata down --all >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "${V2}_create_audit_log" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'down uses the recorded down SQL when the file is gone' '
	start_with basic &&
	strata up >out &&
	rm migrations/${V4}_add_user_bio.sql &&
	strata down --steps 1 >out 2>err &&
	test_must_be_empty err &&
	strip_ms <out >actual &&
	cat >expect <<-EOF &&
	rolled back  ${V4}_add_user_bio (N ms)
	1 migration rolled back (N ms)
	EOF
	test_cmp expect actual &&
	test_must_fail db_sql "SELECT bio FROM users" &&
	db_sql "SELECT version FROM strata_migrations WHERE version = '\''$V4'\''" >actual &&
	test_must_be_empty actual
'

test_expect_success 'down uses the recorded down SQL when the whole directory is gone' '
	start_with basic &&
	strata up >out &&
	rm -rf migrations &&
	strata down --all >out 2>err &&
	test_must_be_empty err &&
	test_grep "^4 migrations rolled back" out &&
	db_tables >actual &&
	echo strata_migrations >expect &&
	test_cmp expect actual
'

test_expect_success 'down --dry-run of a deleted file shows the recorded SQL' '
	start_with basic &&
	strata up >out &&
	rm migrations/${V4}_add_user_bio.sql &&
	before=$(db_checksum) &&
	strata down --dry-run --steps 1 >out 2>err &&
	test_must_be_empty err &&
	test_grep "^-- down ${V4}_add_user_bio" out &&
	test_grep "^ALTER TABLE users DROP COLUMN bio;$" out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'a failing down section names its line, and the run rolls back nothing' '
	start_with basic &&
	strata up >out &&
	db_sql "DROP TABLE post_tags" &&
	before=$(db_checksum) &&
	test_expect_code 1 strata down --all >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/${V3}_create_tags.sql:14: .*post_tags" err &&
	test "$(db_checksum)" = "$before" &&
	db_sql "SELECT bio FROM users" &&
	db_sql "SELECT count(*) FROM strata_migrations" >actual &&
	echo 4 >expect &&
	test_cmp expect actual
'

for flags in "--steps 1 --all" "--to $V1 --all" "--steps 1 --to $V1"
do
	test_expect_success "down $flags is bad usage: they exclude each other" '
		basic_in_two_batches &&
		before=$(db_checksum) &&
		test_expect_code 2 strata down $flags >out 2>err &&
		test_must_be_empty out &&
		test_line_count = 1 err &&
		test_grep "^strata: error: down: give at most one of --steps, --to and --all" err &&
		test "$(db_checksum)" = "$before"
	'
done

test_expect_success 'down VERSION (a positional argument) is bad usage' '
	before=$(db_checksum) &&
	test_expect_code 2 strata down $V1 >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test "$(db_checksum)" = "$before"
'

test_done
