#!/bin/bash

test_description='up applies pending migrations

up runs every pending migration in version order as one batch, records
each in the tracking table, and is all or nothing: a failing statement
names its file and line and leaves the database as it was. --steps, --to,
--dry-run and --allow-out-of-order narrow or widen what it does; every file
is validated before the first statement runs.'

. "$(dirname "$0")/test-lib.sh"

BASIC=$FIXTURES/migrations/basic
V1=20240101120000
V2=20240102120000
V3=20240103120000
V4=20240104120000

# sum_of FILE: the SHA-256 strata records for FILE (CRLF folded to LF).
sum_of() {
	tr -d '\r' <"$1" | sha256sum | cut -d' ' -f1
}

# strip_ms <OUT: a run's output without what varies from run to run: the
# durations, and the line naming the automatic SQLite backup (the backup
# tests check that one).
strip_ms() {
	sed -E -e '/^backup: /d' -e 's/\([0-9]+ ms\)/(N ms)/'
}

# start_with SET: a fresh database and a copy of fixture SET as ./migrations.
start_with() {
	rm -rf migrations &&
	cp -R "$FIXTURES/migrations/$1" migrations &&
	use_fresh_db
}

# tracking: the tracking table as version|name|batch|state lines.
tracking() {
	db_sql "SELECT version, name, batch, state FROM strata_migrations ORDER BY version"
}

if command -v jq >/dev/null 2>&1
then
	test_set_prereq JQ
fi

# migration FILE <BODY: write a migration file.
migration() {
	mkdir -p migrations &&
	cat >"migrations/$1"
}

test_expect_success 'up applies every pending migration and says what it did' '
	start_with basic &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	strip_ms <out >actual &&
	cat >expect <<-EOF &&
	applied      ${V1}_create_users (N ms)
	applied      ${V2}_create_posts (N ms)
	applied      ${V3}_create_tags (N ms)
	applied      ${V4}_add_user_bio (N ms)
	4 migrations applied (N ms)
	EOF
	test_cmp expect actual &&
	db_tables >actual &&
	cat >expect <<-\EOF &&
	post_tags
	posts
	strata_migrations
	tags
	users
	EOF
	test_cmp expect actual &&
	db_sql "SELECT id, name FROM tags ORDER BY id" >actual &&
	printf "1|news\n2|howto\n" >expect &&
	test_cmp expect actual &&
	db_sql "SELECT bio FROM users"
'

test_expect_success '... records them all as batch 1, state applied' '
	tracking >actual &&
	cat >expect <<-EOF &&
	$V1|create_users|1|applied
	$V2|create_posts|1|applied
	$V3|create_tags|1|applied
	$V4|add_user_bio|1|applied
	EOF
	test_cmp expect actual
'

test_expect_success '... with the SHA-256 of each file as its checksum' '
	db_sql "SELECT version, checksum FROM strata_migrations ORDER BY version" >actual &&
	for f in migrations/*.sql
	do
		v=${f#migrations/} &&
		echo "${v%%_*}|$(sum_of "$f")" || return 1
	done >expect &&
	test_cmp expect actual
'

test_expect_success '... the time it was applied, how long it took, and no error' '
	db_sql "SELECT applied_at FROM strata_migrations" >actual &&
	test_line_count = 4 actual &&
	test_grep ! -v -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}" actual &&
	db_sql "SELECT duration_ms FROM strata_migrations" >actual &&
	test_grep ! -v -E "^[0-9]+$" actual &&
	db_sql "SELECT count(*) FROM strata_migrations WHERE error IS NULL" >actual &&
	echo 4 >expect &&
	test_cmp expect actual
'

test_expect_success '... and keeps the down section as applied' '
	db_sql "SELECT down_sql FROM strata_migrations WHERE version = '\''$V2'\''" >raw &&
	sed "/^$/d" raw >actual &&
	cat >expect <<-\EOF &&
	DROP INDEX posts_author_id;
	DROP TABLE posts;
	EOF
	test_cmp expect actual
'

test_expect_success 'a second up has nothing to apply and changes nothing' '
	before=$(db_checksum) &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	echo "nothing to apply: the database is up to date" >expect &&
	test_cmp expect out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success JQ 'up --json reports each migration it applied, with batch and time' '
	start_with basic &&
	strata --json up --steps 2 >out 2>err &&
	test_must_be_empty err &&
	jq -r ".command, .engine, .dry_run, .batch" out >actual &&
	printf "up\n%s\nfalse\n1\n" "$STRATA_TEST_ENGINE" >expect &&
	test_cmp expect actual &&
	jq -r ".migrations[] | [.version, .state, .batch, (.applied_at | type)] | map(tostring) | join(\"|\")" \
		out >actual &&
	cat >expect <<-EOF &&
	$V1|applied|1|string
	$V2|applied|1|string
	EOF
	test_cmp expect actual
'

test_expect_success 'up orders by version as a number, not by file name' '
	rm -rf migrations &&
	use_fresh_db &&
	migration 10_add_email.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE people ADD COLUMN email TEXT;
	-- migrate:down
	ALTER TABLE people DROP COLUMN email;
	EOF
	migration 9_create_people.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE people (id INTEGER PRIMARY KEY);
	-- migrate:down
	DROP TABLE people;
	EOF
	strata up >out 2>err &&
	test_must_be_empty err &&
	strip_ms <out >actual &&
	cat >expect <<-\EOF &&
	applied      9_create_people (N ms)
	applied      10_add_email (N ms)
	2 migrations applied (N ms)
	EOF
	test_cmp expect actual &&
	db_sql "SELECT id, email FROM people"
'

test_expect_success 'up --steps N applies only the next N, and the next up is batch 2' '
	start_with basic &&
	strata up --steps 2 >out 2>err &&
	test_must_be_empty err &&
	strip_ms <out >actual &&
	cat >expect <<-EOF &&
	applied      ${V1}_create_users (N ms)
	applied      ${V2}_create_posts (N ms)
	2 migrations applied (N ms)
	EOF
	test_cmp expect actual &&
	db_tables >actual &&
	printf "posts\nstrata_migrations\nusers\n" >expect &&
	test_cmp expect actual &&
	strata up >out 2>err &&
	tracking >actual &&
	cat >expect <<-EOF &&
	$V1|create_users|1|applied
	$V2|create_posts|1|applied
	$V3|create_tags|2|applied
	$V4|add_user_bio|2|applied
	EOF
	test_cmp expect actual
'

test_expect_success 'up --steps 0 is refused, not taken as "no limit"' '
	start_with basic &&
	before=$(db_checksum) &&
	test_expect_code 2 strata up --steps 0 >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: .*--steps" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'up --to V applies up to and including V' '
	start_with basic &&
	strata up --to $V3 >out 2>err &&
	test_must_be_empty err &&
	tracking >actual &&
	cat >expect <<-EOF &&
	$V1|create_users|1|applied
	$V2|create_posts|1|applied
	$V3|create_tags|1|applied
	EOF
	test_cmp expect actual &&
	test_must_fail db_sql "SELECT bio FROM users"
'

test_expect_success 'up --to a version that is not there fails and changes nothing' '
	before=$(db_checksum) &&
	test_expect_code 1 strata up --to 20991231000000 >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: no migration with version 20991231000000 in migrations$" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'up --dry-run prints the SQL it would run and changes nothing' '
	start_with basic &&
	before=$(db_checksum) &&
	strata up --dry-run --steps 2 >out 2>err &&
	test_must_be_empty err &&
	cat >expect <<-EOF &&
	-- up ${V1}_create_users
	CREATE TABLE users (
	  id INTEGER PRIMARY KEY,
	  email VARCHAR(255) NOT NULL UNIQUE,
	  name VARCHAR(100) NOT NULL,
	  active BOOLEAN NOT NULL DEFAULT TRUE
	);

	-- up ${V2}_create_posts
	CREATE TABLE posts (
	  id INTEGER PRIMARY KEY,
	  author_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	  title VARCHAR(200) NOT NULL,
	  body TEXT NOT NULL DEFAULT '\'''\'',
	  published BOOLEAN NOT NULL DEFAULT FALSE
	);
	CREATE INDEX posts_author_id ON posts (author_id);

	-- dry run: 2 migrations would be applied; nothing was changed
	EOF
	test_cmp expect out &&
	test "$(db_checksum)" = "$before" &&
	strata status >out &&
	test_grep "^0 applied, 4 pending$" out
'

test_expect_success 'up refuses a pending migration older than the newest applied one' '
	start_with basic &&
	rm -rf branch &&
	mkdir branch &&
	mv migrations/${V2}_create_posts.sql migrations/${V3}_create_tags.sql branch/ &&
	strata up >out &&
	mv branch/*.sql migrations/ &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/${V2}_create_posts.sql is older than the newest applied migration $V4" err &&
	test_grep -e "--allow-out-of-order" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success '... and applies it with --allow-out-of-order' '
	strata up --allow-out-of-order >out 2>err &&
	test_must_be_empty err &&
	strip_ms <out >actual &&
	cat >expect <<-EOF &&
	applied      ${V2}_create_posts (N ms)
	applied      ${V3}_create_tags (N ms)
	2 migrations applied (N ms)
	EOF
	test_cmp expect actual &&
	tracking >actual &&
	cat >expect <<-EOF &&
	$V1|create_users|1|applied
	$V2|create_posts|2|applied
	$V3|create_tags|2|applied
	$V4|add_user_bio|1|applied
	EOF
	test_cmp expect actual
'

test_expect_success 'a failing migration names its file and line 4, and nothing is left of the run' '
	rm -rf migrations &&
	use_fresh_db &&
	migration 0001_create_accounts.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL);
	-- migrate:down
	DROP TABLE accounts;
	EOF
	migration 0002_seed_accounts.sql <<-\EOF &&
	-- migrate:up

	-- the owner column is called owner, not name
	INSERT INTO accounts (id, name) VALUES (1, '\''ada'\'');
	-- migrate:down
	DELETE FROM accounts;
	EOF
	migration 0003_create_ledger.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE ledger (id INTEGER PRIMARY KEY);
	-- migrate:down
	DROP TABLE ledger;
	EOF
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/0002_seed_accounts.sql:4: .*name" err &&
	test "$(db_checksum)" = "$before" &&
	db_tables >actual &&
	test_must_be_empty actual
'

test_expect_success 'a failure in the middle of a section names the failing statement line' '
	rm -rf migrations &&
	use_fresh_db &&
	migration 0001_create_accounts.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL);
	-- migrate:down
	DROP TABLE accounts;
	EOF
	strata up >out &&
	migration 0002_create_orders.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE orders (
	  id INTEGER PRIMARY KEY,
	  account_id INTEGER NOT NULL REFERENCES accounts (id)
	);
	INSERT INTO accounts (id, owner) VALUES (1, '\''ada'\'');
	INSERT INTO orders (id, account_id) VALUES (1, 1);
	INSERT INTO orders (id, acount_id) VALUES (2, 1);
	CREATE TABLE invoices (id INTEGER PRIMARY KEY);

	-- migrate:down
	DROP TABLE orders;
	EOF
	migration 0003_create_refunds.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE refunds (id INTEGER PRIMARY KEY);
	-- migrate:down
	DROP TABLE refunds;
	EOF
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/0002_create_orders.sql:8: .*acount_id" err &&
	test "$(db_checksum)" = "$before" &&
	db_tables >actual &&
	printf "accounts\nstrata_migrations\n" >expect &&
	test_cmp expect actual &&
	db_sql "SELECT count(*) FROM accounts" >actual &&
	echo 0 >expect &&
	test_cmp expect actual &&
	tracking >actual &&
	echo "0001|create_accounts|1|applied" >expect &&
	test_cmp expect actual
'

test_expect_success 'line numbers stay right past strings and comments holding ; and newlines' '
	rm -rf migrations &&
	use_fresh_db &&
	migration 0001_create_notes.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
	INSERT INTO notes (id, body) VALUES (1, '\''line one;
	line two'\'');
	/* a block comment; with a semicolon,
	   over two lines */
	INSERT INTO notes (id, body) VALUES (2, '\''x'\''); -- a comment; too
	INSERT INTO note (id, body) VALUES (3, '\''y'\'');
	-- migrate:down
	DROP TABLE notes;
	EOF
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/0001_create_notes.sql:8: .*note" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success '... and in a file with CRLF line ends' '
	sed "s/\$/\r/" migrations/0001_create_notes.sql >crlf &&
	mv crlf migrations/0001_create_notes.sql &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/0001_create_notes.sql:8: .*note" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'a failure in the last of n migrations undoes the n-1 before it' '
	start_with broken &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/20240103120000_seed_users.sql:4: " err &&
	test "$(db_checksum)" = "$before" &&
	db_tables >actual &&
	test_must_be_empty actual
'

test_expect_success 'a bad file late in the list stops the run before anything changes' '
	start_with basic &&
	migration 20240105120000_add_avatar.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE users ADD COLUMN avatar TEXT;

	-- migrate:dwon
	ALTER TABLE users DROP COLUMN avatar;
	EOF
	before=$(db_checksum) &&
	test_expect_code 2 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/20240105120000_add_avatar.sql:4: unknown marker '\''-- migrate:dwon'\''$" err &&
	test "$(db_checksum)" = "$before" &&
	db_tables >actual &&
	test_must_be_empty actual
'

test_expect_success 'dbmate markers (-- migrate:up, -- migrate:down) work' '
	start_with basic &&
	strata up >out &&
	test_grep "^4 migrations applied" out &&
	strata down --all >out &&
	test_grep "^4 migrations rolled back" out &&
	db_tables >actual &&
	echo strata_migrations >expect &&
	test_cmp expect actual
'

test_expect_success '-- UP and -- DOWN markers work' '
	start_with updown &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^2 migrations applied" out &&
	db_tables >actual &&
	printf "posts\nstrata_migrations\nusers\n" >expect &&
	test_cmp expect actual &&
	strata down >out 2>err &&
	test_grep "^2 migrations rolled back" out &&
	db_tables >actual &&
	echo strata_migrations >expect &&
	test_cmp expect actual
'

test_expect_success 'goose markers, with StatementBegin and StatementEnd, work' '
	start_with goose &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^2 migrations applied" out &&
	db_tables >actual &&
	printf "posts\nstrata_migrations\nusers\n" >expect &&
	test_cmp expect actual &&
	db_sql "SELECT id, email FROM users" >actual &&
	echo "1|admin@example.com" >expect &&
	test_cmp expect actual &&
	strata down --steps 1 >out 2>err &&
	db_sql "SELECT count(*) FROM users" >actual &&
	echo 0 >expect &&
	test_cmp expect actual &&
	db_tables >actual &&
	printf "strata_migrations\nusers\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'files with CRLF line ends apply, with the checksum of their LF form' '
	rm -rf migrations &&
	mkdir migrations &&
	for f in "$BASIC"/*.sql
	do
		sed "s/\$/\r/" "$f" >"migrations/${f##*/}" || return 1
	done &&
	test_grep -c "$(printf "\r")$" migrations/${V1}_create_users.sql &&
	use_fresh_db &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^4 migrations applied" out &&
	db_sql "SELECT version, checksum FROM strata_migrations ORDER BY version" >actual &&
	for f in "$BASIC"/*.sql
	do
		v=${f##*/} &&
		echo "${v%%_*}|$(sha256sum <"$f" | cut -d" " -f1)" || return 1
	done >expect &&
	test_cmp expect actual &&
	db_sql "SELECT bio FROM users" &&
	strata down --all >out 2>err &&
	test_grep "^4 migrations rolled back" out &&
	db_tables >actual &&
	echo strata_migrations >expect &&
	test_cmp expect actual
'

# ---------------------------------------------------------------------------
# statements that destroy data: up names them and asks (strata lint's
# destructive rules); without a terminal it refuses and runs nothing

# drops DIR: a table with a row, then a migration that drops a column.
drops() {
	rm -rf "$1" &&
	mkdir "$1" &&
	cat >"$1/0001_people.sql" <<-\EOF &&
	-- migrate:up
	CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, nick TEXT);
	INSERT INTO people VALUES (1, 'ann', 'a');
	-- migrate:down
	DROP TABLE people;
	EOF
	cat >"$1/0002_no_nick.sql" <<-\EOF
	-- migrate:up
	CREATE TABLE kept (id INTEGER);
	ALTER TABLE people DROP COLUMN nick;
	-- migrate:down
	ALTER TABLE people ADD COLUMN nick TEXT;
	DROP TABLE kept;
	EOF
}

test_expect_success 'up refuses a pending DROP COLUMN without a terminal, names it, runs nothing' '
	drops dd &&
	use_fresh_db &&
	strata -d dd up --to 0001 >out &&
	before=$(db_checksum) &&
	test_expect_code 1 strata -d dd up >out 2>err </dev/null &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "1 destructive statement in the pending migrations, nothing was run: dd/0002_no_nick.sql:3 ALTER TABLE people DROP COLUMN nick (drop-column)" err &&
	test_grep "allow-destructive" err &&
	test "$(db_checksum)" = "$before" &&
	strata -d dd status >out &&
	test_grep "^1 applied, 1 pending$" out
'

test_expect_success '... and so does up --json (never a prompt)' '
	before=$(db_checksum) &&
	test_expect_code 1 strata -d dd --json up >out 2>err &&
	test_grep "drop-column" err &&
	test "$(db_checksum)" = "$before"
'

if command -v script >/dev/null 2>&1
then
	test_set_prereq TTY
fi

# script(1) gives strata a terminal: "n" keeps the database, "y" runs.
test_expect_success TTY 'at a terminal up asks; no keeps the database as it was' '
	before=$(db_checksum) &&
	{ printf "n\n" | script -qec "\"$STRATA\" -d dd up" /dev/null >out 2>&1 || :; } &&
	test_grep "Run them anyway? \[y/N\]" out &&
	test_grep "strata: error: up: nothing was run" out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success TTY '... and yes runs them' '
	drops dd2 &&
	url=$(fresh_db) &&
	printf "y\n" | script -qec "\"$STRATA\" -u \"$url\" -d dd2 up" /dev/null >out 2>&1 &&
	test_grep "2 migrations applied" out &&
	DATABASE_URL=$url strata -d dd2 status >out &&
	test_grep "^2 applied, 0 pending$" out
'

# up_at_terminal DIR: in the background, up at a terminal (script) that
# types what is written to the FIFO "in"; the transcript in typescript,
# the status in rc.
up_at_terminal() {
	{ script -qec "\"$STRATA\" -u \"$url\" -d $1 up" /dev/null <in >typescript 2>&1
	  echo $? >rc; } &
}

# wait_asked N: until the transcript holds N questions (10 s at most).
wait_asked() {
	local i
	for i in $(seq 100); do
		[ "$(grep -c "Run them anyway? \[y/N\]" typescript)" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "wait_asked: not asked $1 times:" >&2
	cat typescript >&2
	return 1
}

test_expect_success TTY 'the yes holds for the migrations shown: one that comes while the question waits is asked about again' '
	drops dd3 &&
	url=$(fresh_db) &&
	DATABASE_URL=$url strata -d dd3 up --to 0001 >out &&
	rm -f in typescript &&
	mkfifo in &&
	up_at_terminal dd3 &&
	exec 3>in &&
	wait_asked 1 &&
	test_grep "0002_no_nick.sql:3 ALTER TABLE people DROP COLUMN nick" typescript &&
	cat >dd3/0003_no_name.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE people DROP COLUMN name;
	-- migrate:down
	ALTER TABLE people ADD COLUMN name TEXT;
	EOF
	echo y >&3 &&
	wait_asked 2 &&
	echo n >&3 &&
	exec 3>&- &&
	wait &&
	echo 1 >expect &&
	test_cmp expect rc &&
	test_grep "the pending migrations changed after they were confirmed; 2 destructive statements" typescript &&
	test_grep "0003_no_name.sql:2 ALTER TABLE people DROP COLUMN name" typescript &&
	DATABASE_URL=$url strata -d dd3 status >out &&
	test_grep "^1 applied, 2 pending$" out
'

test_expect_success TTY '... any change to the set is asked about again, and a second yes runs the new set' '
	rm -f dd3/0003_no_name.sql &&
	rm -f in typescript &&
	mkfifo in &&
	up_at_terminal dd3 &&
	exec 3>in &&
	wait_asked 1 &&
	cat >dd3/0003_add.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE more (id INTEGER);
	-- migrate:down
	DROP TABLE more;
	EOF
	echo y >&3 &&
	wait_asked 2 &&
	test_grep "the pending migrations changed after they were confirmed; 1 destructive statement" typescript &&
	echo y >&3 &&
	exec 3>&- &&
	wait &&
	echo 0 >expect &&
	test_cmp expect rc &&
	test_grep "2 migrations applied" typescript &&
	DATABASE_URL=$url strata -d dd3 status >out &&
	test_grep "^3 applied, 0 pending$" out
'

test_expect_success '--dry-run and --check do not ask' '
	strata -d dd up --dry-run >out &&
	test_grep "DROP COLUMN nick" out &&
	strata -d dd up --check >out 2>err &&
	strata -d dd status >out &&
	test_grep "^1 applied, 1 pending$" out
'

test_expect_success 'up --allow-destructive applies it' '
	strata -d dd up --allow-destructive >out &&
	test_grep "0002_no_nick" out &&
	db_sql "SELECT count(*) FROM kept" >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_expect_success 'the global --yes applies it too' '
	drops dd &&
	use_fresh_db &&
	strata -d dd --yes up >out &&
	test_grep "2 migrations applied" out
'

test_expect_success 'a lint-ignore comment in the file acknowledges the statement for good' '
	drops dd &&
	sed -i "s/^ALTER TABLE people DROP COLUMN nick;/-- strata:lint-ignore drop-column\n&/" dd/0002_no_nick.sql &&
	use_fresh_db &&
	strata -d dd up >out &&
	test_grep "2 migrations applied" out
'

test_expect_success 'a backfill of a column the migration adds is not destructive' '
	drops dd &&
	cat >dd/0002_no_nick.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE people ADD COLUMN active INTEGER;
	UPDATE people SET active = 1;
	-- migrate:down
	ALTER TABLE people DROP COLUMN active;
	EOF
	use_fresh_db &&
	strata -d dd up >out &&
	test_grep "2 migrations applied" out
'

test_expect_success 'DELETE and UPDATE without WHERE, TRUNCATE-like DELETE, DROP TABLE: each named' '
	drops dd &&
	cat >dd/0002_no_nick.sql <<-\EOF &&
	-- migrate:up
	DELETE FROM people;
	UPDATE people SET name = NULL;
	DROP TABLE people;
	-- migrate:down
	SELECT 1;
	EOF
	use_fresh_db &&
	strata -d dd up --to 0001 >out &&
	test_expect_code 1 strata -d dd up >out 2>err &&
	test_grep "3 destructive statements" err &&
	test_grep "(delete-without-where)" err &&
	test_grep "(update-without-where)" err &&
	test_grep "(drop-table)" err
'

test_done
