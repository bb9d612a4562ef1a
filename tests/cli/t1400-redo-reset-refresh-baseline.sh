#!/bin/bash

test_description='redo, reset, refresh and baseline

redo rolls back the last migration and applies it again; reset rolls back
everything (--hard: drops every object, then applies all); refresh is reset
then up; baseline records migrations as applied without running them, to
adopt a database that already has that schema.'

. "$(dirname "$0")/test-lib.sh"

V1=20240101120000
V2=20240102120000
V3=20240103120000
V4=20240104120000

sum_of() {
	tr -d '\r' <"$1" | sha256sum | cut -d' ' -f1
}

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
	db_sql "SELECT version, batch, state FROM strata_migrations ORDER BY version"
}

# break_last_up: the last migration's up section now fails, on line 3.
break_last_up() {
	cat >migrations/${V4}_add_user_bio.sql <<-\EOF
	-- migrate:up
	ALTER TABLE users ADD COLUMN bio TEXT;
	INSERT INTO user_bios (user_id) VALUES (1);

	-- migrate:down
	ALTER TABLE users DROP COLUMN bio;
	EOF
}

test_expect_success 'redo rolls back the last migration and applies it again' '
	start_with basic &&
	strata up >out &&
	strata redo >out 2>err &&
	test_must_be_empty err &&
	strip_ms <out >actual &&
	cat >expect <<-EOF &&
	rolled back  ${V4}_add_user_bio (N ms)
	1 migration rolled back (N ms)
	applied      ${V4}_add_user_bio (N ms)
	1 migration applied (N ms)
	EOF
	test_cmp expect actual &&
	db_sql "SELECT bio FROM users" &&
	db_sql "SELECT version, state FROM strata_migrations ORDER BY version" >actual &&
	printf "%s|applied\n" $V1 $V2 $V3 $V4 >expect &&
	test_cmp expect actual
'

test_expect_success 'redo picks up a change to the last migration' '
	cat >migrations/${V4}_add_user_bio.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE users ADD COLUMN bio TEXT;
	ALTER TABLE users ADD COLUMN location VARCHAR(100);

	-- migrate:down
	ALTER TABLE users DROP COLUMN location;
	ALTER TABLE users DROP COLUMN bio;
	EOF
	strata redo >out 2>err &&
	test_must_be_empty err &&
	db_sql "SELECT bio, location FROM users" &&
	db_sql "SELECT checksum FROM strata_migrations WHERE version = '\''$V4'\''" >actual &&
	sum_of migrations/${V4}_add_user_bio.sql >expect &&
	test_cmp expect actual &&
	db_sql "SELECT down_sql FROM strata_migrations WHERE version = '\''$V4'\''" >raw &&
	sed "/^$/d" raw >actual &&
	cat >expect <<-\EOF &&
	ALTER TABLE users DROP COLUMN location;
	ALTER TABLE users DROP COLUMN bio;
	EOF
	test_cmp expect actual
'

test_expect_success '... and the changed down section runs on the next redo' '
	strata redo >out 2>err &&
	test_must_be_empty err &&
	db_sql "SELECT bio, location FROM users" &&
	strata down --steps 1 >out &&
	test_must_fail db_sql "SELECT location FROM users" &&
	test_must_fail db_sql "SELECT bio FROM users"
'

test_expect_success 'a redo whose up fails leaves the database as it was before the redo' '
	start_with basic &&
	strata up >out &&
	break_last_up &&
	before=$(db_checksum) &&
	test_expect_code 1 strata redo >out 2>err &&
	test_grep "^strata: error: migrations/${V4}_add_user_bio.sql:3: .*user_bios" err &&
	test "$(db_checksum)" = "$before" &&
	db_sql "SELECT bio FROM users"
'

test_expect_success 'redo of an irreversible migration is refused and changes nothing' '
	start_with irreversible &&
	strata up >out &&
	before=$(db_checksum) &&
	test_expect_code 2 strata redo >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: ${V2}_create_audit_log has no down section" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'reset rolls back every migration' '
	start_with basic &&
	strata up --steps 2 >out &&
	strata up >out &&
	strata reset -y >out 2>err &&
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

test_expect_success 'reset of an irreversible migration is refused and changes nothing' '
	start_with irreversible &&
	strata up >out &&
	before=$(db_checksum) &&
	test_expect_code 2 strata reset -y >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "${V2}_create_audit_log" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'reset --hard drops every object, even ones no migration made, and applies all' '
	start_with basic &&
	strata up --steps 2 >out &&
	strata up >out &&
	db_sql "CREATE TABLE scratch (x INTEGER); INSERT INTO scratch VALUES (1)" &&
	db_sql "CREATE VIEW active_users AS SELECT id FROM users WHERE active = TRUE" &&
	db_sql "INSERT INTO users (id, email, name) VALUES (1, '\''ada@example.com'\'', '\''Ada'\'')" &&
	strata reset --hard -y >out 2>err &&
	test_must_be_empty err &&
	test_grep "^dropped every object of " out &&
	test_grep "^4 migrations applied" out &&
	db_tables >actual &&
	cat >expect <<-\EOF &&
	post_tags
	posts
	strata_migrations
	tags
	users
	EOF
	test_cmp expect actual &&
	test_must_fail db_sql "SELECT * FROM active_users" &&
	db_sql "SELECT count(*) FROM users" >actual &&
	echo 0 >expect &&
	test_cmp expect actual &&
	tracking >actual &&
	printf "%s|1|applied\n" $V1 $V2 $V3 $V4 >expect &&
	test_cmp expect actual
'

test_expect_success 'reset --hard does not need the down sections' '
	start_with irreversible &&
	strata up >out &&
	db_sql "INSERT INTO audit_log (id, message) VALUES (2, '\''second'\'')" &&
	strata reset --hard -y >out 2>err &&
	test_must_be_empty err &&
	db_sql "SELECT id FROM audit_log" >actual &&
	echo 1 >expect &&
	test_cmp expect actual
'

test_expect_success 'a reset --hard whose re-apply fails leaves the database as it was' '
	start_with basic &&
	strata up >out &&
	db_sql "INSERT INTO users (id, email, name) VALUES (1, '\''ada@example.com'\'', '\''Ada'\'')" &&
	break_last_up &&
	before=$(db_checksum) &&
	test_expect_code 1 strata reset --hard -y >out 2>err &&
	test_grep "^strata: error: migrations/${V4}_add_user_bio.sql:3: .*user_bios" err &&
	test "$(db_checksum)" = "$before" &&
	db_sql "SELECT name FROM users" >actual &&
	echo Ada >expect &&
	test_cmp expect actual
'

test_expect_success 'reset --hard --dry-run says what it would do and changes nothing' '
	db_sql "CREATE TABLE scratch (x INTEGER)" &&
	before=$(db_checksum) &&
	strata reset --hard --dry-run >out 2>err &&
	test_must_be_empty err &&
	test_grep "^-- dry run: reset --hard would drop [0-9]* objects* of " out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'refresh rolls everything back and applies it again' '
	start_with basic &&
	strata up >out &&
	db_sql "INSERT INTO users (id, email, name) VALUES (1, '\''ada@example.com'\'', '\''Ada'\'')" &&
	db_sql "DELETE FROM tags WHERE id = 2" &&
	strata refresh -y >out 2>err &&
	test_must_be_empty err &&
	strip_ms <out >actual &&
	cat >expect <<-EOF &&
	rolled back  ${V4}_add_user_bio (N ms)
	rolled back  ${V3}_create_tags (N ms)
	rolled back  ${V2}_create_posts (N ms)
	rolled back  ${V1}_create_users (N ms)
	4 migrations rolled back (N ms)
	applied      ${V1}_create_users (N ms)
	applied      ${V2}_create_posts (N ms)
	applied      ${V3}_create_tags (N ms)
	applied      ${V4}_add_user_bio (N ms)
	4 migrations applied (N ms)
	EOF
	test_cmp expect actual &&
	db_sql "SELECT count(*) FROM users" >actual &&
	echo 0 >expect &&
	test_cmp expect actual &&
	db_sql "SELECT id, name FROM tags ORDER BY id" >actual &&
	printf "1|news\n2|howto\n" >expect &&
	test_cmp expect actual &&
	tracking >actual &&
	printf "%s|1|applied\n" $V1 $V2 $V3 $V4 >expect &&
	test_cmp expect actual
'

test_expect_success 'a refresh whose up fails leaves the database as it was before the refresh' '
	start_with basic &&
	strata up >out &&
	db_sql "INSERT INTO users (id, email, name) VALUES (1, '\''ada@example.com'\'', '\''Ada'\'')" &&
	break_last_up &&
	before=$(db_checksum) &&
	test_expect_code 1 strata refresh -y >out 2>err &&
	test_grep "^strata: error: migrations/${V4}_add_user_bio.sql:3: .*user_bios" err &&
	test "$(db_checksum)" = "$before" &&
	db_sql "SELECT name FROM users" >actual &&
	echo Ada >expect &&
	test_cmp expect actual
'

test_expect_success 'baseline V records the migrations up to V as applied without running them' '
	start_with basic &&
	strata baseline $V2 >out 2>err &&
	test_must_be_empty err &&
	echo "recorded 2 migrations up to $V2 as applied (nothing was run)" >expect &&
	test_cmp expect out &&
	db_tables >actual &&
	echo strata_migrations >expect &&
	test_cmp expect actual &&
	db_sql "SELECT version, name, checksum, batch, state FROM strata_migrations ORDER BY version" >actual &&
	{
		echo "$V1|create_users|$(sum_of migrations/${V1}_create_users.sql)|1|applied" &&
		echo "$V2|create_posts|$(sum_of migrations/${V2}_create_posts.sql)|1|applied"
	} >expect &&
	test_cmp expect actual
'

test_expect_success 'baseline adopts an existing database; up then applies the rest' '
	start_with basic &&
	sed -n "/^-- migrate:up/,/^-- migrate:down/p" migrations/${V1}_create_users.sql \
		migrations/${V2}_create_posts.sql | grep -v "^-- migrate:" >existing.sql &&
	db_sql <existing.sql &&
	db_sql "INSERT INTO users (id, email, name) VALUES (1, '\''ada@example.com'\'', '\''Ada'\'')" &&
	strata baseline $V2 >out &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	strip_ms <out >actual &&
	cat >expect <<-EOF &&
	applied      ${V3}_create_tags (N ms)
	applied      ${V4}_add_user_bio (N ms)
	2 migrations applied (N ms)
	EOF
	test_cmp expect actual &&
	db_sql "SELECT id, name, bio FROM users" >actual &&
	echo "1|Ada|" >expect &&
	test_cmp expect actual &&
	tracking >actual &&
	printf "%s|1|applied\n%s|1|applied\n%s|2|applied\n%s|2|applied\n" $V1 $V2 $V3 $V4 >expect &&
	test_cmp expect actual
'

test_expect_success 'baseline of a version no file has fails and changes nothing' '
	start_with basic &&
	before=$(db_checksum) &&
	test_expect_code 1 strata baseline 20991231000000 >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: no migration with version 20991231000000 in migrations$" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'baseline without a version is bad usage' '
	before=$(db_checksum) &&
	test_expect_code 2 strata baseline >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test "$(db_checksum)" = "$before"
'

test_done
