#!/bin/bash

test_description='lint --explain-locks: the locks PostgreSQL takes, measured

With a PostgreSQL URL, lint --explain-locks runs each statement of the
pending migrations in a scratch copy of the live schema (a database made
for the run, or --dev-url), in a transaction that is rolled back once
pg_locks has been read, and prints per statement the locks the server took:
FILE:LINE: STATEMENT  -> MODE on RELATION. Statements that cannot run in a
transaction are not measured; the lock the manual gives them is shown. The
live database is not changed; --json holds a "locks" array; SQLite and a
missing URL are usage errors; a dead --dev-url is one line.'

test_engines='postgres'
. "$(dirname "$0")/test-lib.sh"

if command -v jq >/dev/null 2>&1
then
	test_set_prereq JQ
fi
if /usr/bin/python3 -c "import jsonschema" 2>/dev/null
then
	test_set_prereq JSONSCHEMA
fi

# scratch databases on the cluster (there must be none after a run)
scratch_dbs() {
	db_sql -u "${STRATA_TEST_PG_URL%/*}/postgres" \
		"SELECT count(*) FROM pg_database WHERE datname LIKE 'strata\_scratch\_%'"
}

test_expect_success 'setup: users and orders applied, three migrations pending' '
	use_fresh_db &&
	mkdir migrations &&
	cat >migrations/0001_base.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE users (id bigint PRIMARY KEY, email text);
	CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);
	-- migrate:down
	DROP TABLE orders;
	DROP TABLE users;
	EOF
	strata up >/dev/null &&
	db_sql "INSERT INTO users VALUES (1, '"'a@x'"'); INSERT INTO orders VALUES (1, 1);" &&
	cat >migrations/0002_change.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE users ADD COLUMN nickname text;
	CREATE INDEX users_email ON users (email);
	ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
	CREATE TABLE items (id bigint PRIMARY KEY, order_id bigint);
	CREATE INDEX items_order ON items (order_id);
	-- migrate:down
	DROP TABLE items;
	ALTER TABLE orders DROP CONSTRAINT orders_user_fk;
	DROP INDEX users_email;
	ALTER TABLE users DROP COLUMN nickname;
	EOF
	cat >migrations/0003_concurrent.sql <<-\EOF &&
	-- migrate:up transaction:false
	CREATE INDEX CONCURRENTLY users_nick ON users (nickname);
	-- migrate:down transaction:false
	DROP INDEX CONCURRENTLY users_nick;
	EOF
	cat >migrations/0004_view.sql <<-\EOF
	-- migrate:up
	CREATE VIEW nicks AS SELECT nickname FROM users;
	-- migrate:down
	DROP VIEW nicks;
	EOF
'

test_expect_success 'ADD COLUMN takes ACCESS EXCLUSIVE on the table' '
	strata lint --explain-locks >out 2>err &&
	test_must_be_empty err &&
	test_grep "^migrations/0002_change.sql:2: ALTER TABLE users ADD COLUMN nickname text  -> AccessExclusiveLock on public.users$" out
'

test_expect_success 'CREATE INDEX takes SHARE on the table; the index is new' '
	test_grep "^migrations/0002_change.sql:3: CREATE INDEX users_email ON users (email)  -> ShareLock on public.users, AccessExclusiveLock on public.users_email (new)$" out
'

test_expect_success 'ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE on both tables' '
	test_grep "^migrations/0002_change.sql:4: ALTER TABLE orders ADD CONSTRAINT .* -> ShareRowExclusiveLock on public.orders, ShareRowExclusiveLock on public.users$" out
'

test_expect_success 'a table the pending migrations make is new' '
	test_grep "^migrations/0002_change.sql:6: CREATE INDEX items_order ON items (order_id)  -> ShareLock on public.items (new), AccessExclusiveLock on public.items_order (new)$" out &&
	test_grep "^migrations/0004_view.sql:2: CREATE VIEW nicks .* -> AccessExclusiveLock on public.nicks (new), AccessShareLock on public.users$" out
'

test_expect_success 'CONCURRENTLY is not measured: the documented lock is shown' '
	test_grep "^migrations/0003_concurrent.sql:2: CREATE INDEX CONCURRENTLY users_nick ON users (nickname)  -> not measured: cannot run in a transaction (CREATE INDEX CONCURRENTLY); would take ShareUpdateExclusiveLock on public.users$" out &&
	test_grep "^locks: 7 statements of 3 pending migrations, each run in a scratch database and rolled back; 0 failed there$" out &&
	test_grep "^0 errors, 3 warnings (0 suppressed); 1 applied migration not linted (--all lints them)$" out
'

test_expect_success 'the live database is unchanged, and no scratch database is left' '
	before=$(db_checksum) &&
	tracking_before=$(db_sql "SELECT version, checksum, batch FROM strata_migrations ORDER BY version") &&
	strata lint --explain-locks >/dev/null &&
	strata --json lint --explain-locks >/dev/null &&
	test "$(db_checksum)" = "$before" &&
	test "$(db_sql "SELECT version, checksum, batch FROM strata_migrations ORDER BY version")" = "$tracking_before" &&
	test "$(db_tables)" = "$(printf "orders\nstrata_migrations\nusers")" &&
	test "$(db_sql "SELECT count(*) FROM pg_indexes WHERE tablename = '"'users'"'")" = 1 &&
	test "$(scratch_dbs)" = 0 &&
	test_expect_code 3 strata status --exit-code >/dev/null
'

test_expect_success JQ '--json: one entry per statement, with its locks' '
	strata --json lint --explain-locks >out &&
	jq -e ".locks | length == 7" out >/dev/null &&
	jq -e ".locks[0] | .file == \"migrations/0002_change.sql\" and .line == 2 and .measured == true
	       and .not_measured == null and .failed == false
	       and .statement == \"ALTER TABLE users ADD COLUMN nickname text\"" out >/dev/null &&
	jq -e ".locks[0].locks == [{\"relation\": \"public.users\", \"kind\": \"table\",
	       \"mode\": \"AccessExclusiveLock\", \"granted\": true, \"new\": false, \"documented\": false}]" out >/dev/null &&
	jq -e "[.locks[2].locks[] | select(.mode == \"ShareRowExclusiveLock\") | .relation] ==
	       [\"public.orders\", \"public.users\"]" out >/dev/null &&
	jq -e ".locks[5] | .measured == false and .failed == false
	       and (.not_measured | startswith(\"cannot run in a transaction\"))
	       and .locks == [{\"relation\": \"public.users\", \"kind\": \"table\",
	       \"mode\": \"ShareUpdateExclusiveLock\", \"granted\": true, \"new\": false, \"documented\": true}]" out >/dev/null
'

test_expect_success JSONSCHEMA '--json matches docs/json/lint.schema.json' '
	"$SRCDIR/tests/json-check" lint out
'

test_expect_success 'a statement that fails in the scratch database is said, and the rest measured' '
	cat >migrations/0005_bad.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE nope ADD COLUMN x int;
	ALTER TABLE users ALTER COLUMN email SET NOT NULL;
	-- migrate:down
	EOF
	strata lint --explain-locks >out 2>err &&
	test_grep "^migrations/0005_bad.sql:2: ALTER TABLE nope ADD COLUMN x int  -> not measured: failed in the scratch database: relation \"nope\" does not exist$" out &&
	test_grep "^migrations/0005_bad.sql:3: ALTER TABLE users ALTER COLUMN email SET NOT NULL  -> AccessExclusiveLock on public.users$" out &&
	test_grep "; 1 failed there$" out &&
	rm migrations/0005_bad.sql
'

test_expect_success 'FILES: only those, less what is applied; nothing pending is no scratch' '
	strata lint --explain-locks migrations/0004_view.sql >out &&
	test_grep "^migrations/0004_view.sql:2: " out &&
	test_grep ! "0002_change" out &&
	strata lint --explain-locks migrations/0001_base.sql >out &&
	test_grep "^locks: no pending migration to measure$" out
'

test_expect_success 'a --dev-url database is used and left empty' '
	dev=$(fresh_db) &&
	strata lint --explain-locks --dev-url "$dev" >out &&
	test_grep "0002_change.sql:2: .* -> AccessExclusiveLock on public.users$" out &&
	test -z "$(db_tables -u "$dev")"
'

test_expect_success 'the live database as --dev-url is refused' '
	test_expect_code 2 strata lint --explain-locks --dev-url "$DATABASE_URL" >out 2>err &&
	test_line_count = 1 err &&
	test_grep "is the target database" err
'

test_expect_success 'a dead --dev-url is one line, exit 1' '
	test_expect_code 1 strata lint --explain-locks --dev-url postgres://nobody@127.0.0.1:1/x >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: lint: --explain-locks: cannot use the --dev-url database: " err &&
	test_must_be_empty out
'

test_expect_success 'SQLite is refused with one line, exit 2' '
	test_expect_code 2 strata -u sqlite:x.db lint --explain-locks >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: lint: --explain-locks is for PostgreSQL: SQLite has no table locks" err &&
	test_path_is_missing x.db &&
	test_expect_code 2 strata lint --explain-locks --engine sqlite 2>err &&
	test_line_count = 1 err
'

test_expect_success 'without a database, or --offline: exit 2' '
	test_expect_code 2 env -u DATABASE_URL strata lint --explain-locks 2>err &&
	test_line_count = 1 err &&
	test_grep "needs a PostgreSQL database (--url or DATABASE_URL)" err &&
	test_expect_code 2 strata lint --explain-locks --offline 2>err &&
	test_grep "not --offline" err
'

test_done
