#!/bin/bash

test_description='migration files are read strictly

A comment that looks like a marker but is not one (another case, a colon,
a near miss, rollback/revert/undo) would move the down section into the up
section: it is an error naming file and line. An up section with no
statement, a PRAGMA that does nothing inside a transaction (SQLite), a
statement that cannot run in one (PostgreSQL), a NUL byte and conflicting
marker options are refused the same way: exit 2, one line on stderr,
before anything runs (the good migration before the bad one is not
applied either). show VERSION --json tells the state in the database.'

. "$(dirname "$0")/test-lib.sh"

# A good first migration, so that "nothing changed" means something.
good_first() {
	rm -rf migrations &&
	mkdir migrations &&
	cat >migrations/0001_create_users.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL);
	-- migrate:down
	DROP TABLE users;
	EOF
	use_fresh_db
}

# refused CODE ARGS...: strata ARGS exits with exactly CODE, prints nothing
# on stdout and one line on stderr (in err), and leaves the database as it
# was.
refused() {
	local code=$1 before
	shift
	before=$(db_checksum) &&
	test_expect_code "$code" strata "$@" >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test "$(db_checksum)" = "$before"
}

# second MARKER-LINE: migrations/0002_a.sql with MARKER-LINE on line 3,
# between an up statement and what would be its down statement.
second() {
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n%s\nDROP TABLE a;\n" "$1" \
		>migrations/0002_a.sql
}

# ---- 1. comments that look like markers -----------------------------------

for marker in "-- Down" "-- down" "-- DOWN:" "-- Rollback" "-- revert" "-- undo" \
	"-- migrate: down" "-- migrate :down" "-- MIGRATE:DOWN" "-- migrate down" \
	"-- migrat:down" "-- === DOWN ===" "-- Down migration" "-- Down transaction:false"
do
	test_expect_success "'$marker' after the up section is refused as a down look-alike" '
		good_first &&
		second "$marker" &&
		refused 2 up &&
		test_grep -F "strata: error: migrations/0002_a.sql:3: '\''$marker'\'' looks like a down marker; markers are '\''-- migrate:down'\'', '\''-- DOWN'\'' or '\''-- +goose Down'\''" err &&
		db_tables >actual &&
		test_must_be_empty actual
	'
done

for marker in "-- Up" "-- up:" "-- MIGRATE: UP" "-- Upgrade"
do
	test_expect_success "'$marker' is refused as an up look-alike" '
		good_first &&
		printf -- "%s\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" "$marker" \
			>migrations/0002_a.sql &&
		refused 2 up &&
		test_grep -F "migrations/0002_a.sql:1: '\''$marker'\'' looks like an up marker" err
	'
done

# Lines that begin like a marker were refused before: their message stays.
for marker in "-- migrate:Down" "-- migrate:rollback" "-- +goose rollback"
do
	test_expect_success "'$marker' is still an unknown marker" '
		good_first &&
		second "$marker" &&
		refused 2 up &&
		test_grep -F "strata: error: migrations/0002_a.sql:3: unknown marker '\''$marker'\''" err
	'
done

test_expect_success 'a look-alike is refused by status, show and lint too (one parser)' '
	good_first &&
	strata up >out &&
	second "-- Down" &&
	test_expect_code 2 strata status >out 2>err &&
	test_grep "migrations/0002_a.sql:3: .* looks like a down marker" err &&
	test_expect_code 2 strata show 0002 >out 2>err &&
	test_grep "migrations/0002_a.sql:3: .* looks like a down marker" err &&
	test_expect_code 2 strata lint migrations/0002_a.sql >out 2>err &&
	db_sql "SELECT version FROM strata_migrations" >actual &&
	echo 0001 >expect &&
	test_cmp expect actual
'

# Prose stays a comment: the rule is about the whole comment line.
for comment in "-- down payment column" "-- UP to now we kept emails lower case" \
	"-- the rollback is below" "-- undo the index when the table is empty" \
	"-- migrate the data" "-- upgrade path: none"
do
	test_expect_success "an ordinary comment ('$comment') is still a comment" '
		good_first &&
		printf -- "-- migrate:up\n%s\nCREATE TABLE a (id INTEGER);\n-- migrate:down\n%s\nDROP TABLE a;\n" \
			"$comment" "$comment" >migrations/0002_a.sql &&
		strata up >out 2>err &&
		test_grep "^2 migrations applied" out &&
		db_tables >actual &&
		printf "a\nstrata_migrations\nusers\n" >expect &&
		test_cmp expect actual &&
		strata down >out 2>err &&
		db_tables >actual &&
		echo strata_migrations >expect &&
		test_cmp expect actual
	'
done

# What dbmate and goose accept stays a marker.
for marker in "--migrate:down" "--	migrate:down" "-- +goose down" "-- +goose DOWN" "  -- migrate:down"
do
	test_expect_success "'$marker' is a down marker" '
		good_first &&
		second "$marker" &&
		strata show 0002 >actual &&
		cat >expect <<-\EOF &&
		-- migrations/0002_a.sql
		-- migrate:up
		CREATE TABLE a (id INTEGER);
		-- migrate:down
		DROP TABLE a;
		EOF
		test_cmp expect actual
	'
done

# ---- 2. an empty up section --------------------------------------------------

for body in "" "\n\n" "-- TODO: write this\n" "/* later */\n" "  \n-- x\n/* y */ -- z\n"
do
	test_expect_success "an up section with no statement ('$body') is refused before anything runs" '
		good_first &&
		printf -- "-- migrate:up\n$body-- migrate:down\nDROP TABLE a;\n" >migrations/0002_empty.sql &&
		refused 2 up &&
		test_grep "^strata: error: migrations/0002_empty.sql:1: the up section has no statement (a template from .strata new.?); write its SQL, or delete the file if it is not needed$" err &&
		db_tables >actual &&
		test_must_be_empty actual
	'
done

test_expect_success 'status still shows the empty migration as pending' '
	strata status >out 2>err &&
	test_must_be_empty err &&
	test_grep "^0002  *empty  *pending" out
'

test_expect_success '... up --dry-run and show refuse it the same way' '
	refused 2 up --dry-run &&
	test_grep "migrations/0002_empty.sql:1: the up section has no statement" err &&
	refused 2 show &&
	test_grep "migrations/0002_empty.sql:1: the up section has no statement" err
'

test_expect_success '... up --to the version before it applies only that one' '
	strata up --to 0001 >out 2>err &&
	test_must_be_empty err &&
	db_sql "SELECT version FROM strata_migrations" >actual &&
	echo 0001 >expect &&
	test_cmp expect actual
'

test_expect_success '... following the hint (writing its SQL) makes up apply it' '
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0002_empty.sql &&
	strata up >out 2>err &&
	test_grep "^1 migration applied" out
'

test_expect_success '... following the other hint (deleting the file) too' '
	good_first &&
	strata new nothing_yet >out &&
	test_expect_code 2 strata up >out 2>err &&
	rm migrations/*_nothing_yet.sql &&
	strata up >out 2>err &&
	test_grep "^1 migration applied" out
'

test_expect_success 'an empty down section is still a rollback that does nothing' '
	good_first &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\n" >migrations/0002_a.sql &&
	strata up >out &&
	strata down >out 2>err &&
	test_grep "^rolled back  *0002_a" out
'

# ---- 3. statements that do nothing in a transaction --------------------------

for stmt in "PRAGMA journal_mode = WAL" "PRAGMA main.journal_mode=wal" "PRAGMA foreign_keys = OFF" \
	"pragma foreign_keys(1)" "PRAGMA page_size = 8192" "PRAGMA auto_vacuum = FULL" \
	"PRAGMA synchronous = NORMAL" "PRAGMA wal_checkpoint(TRUNCATE)" "VACUUM"
do
	test_expect_success SQLITE "'$stmt' in a transactional migration is refused with file:line" '
		good_first &&
		printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n%s;\n-- migrate:down\nDROP TABLE a;\n" \
			"$stmt" >migrations/0002_a.sql &&
		refused 2 up &&
		test_grep "^strata: error: migrations/0002_a.sql:3: .* cannot run inside a transaction; mark the section .-- migrate:up transaction:false.$" err &&
		db_tables >actual &&
		test_must_be_empty actual
	'
done

test_expect_success SQLITE 'reading a PRAGMA, and PRAGMAs that work in a transaction, are accepted' '
	good_first &&
	printf -- "-- migrate:up\nPRAGMA journal_mode;\nPRAGMA defer_foreign_keys = ON;\nPRAGMA foreign_key_check;\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0002_a.sql &&
	strata up >out 2>err &&
	test_grep "^2 migrations applied" out
'

test_expect_success SQLITE 'following the hint: marked transaction:false, journal_mode = WAL takes effect' '
	good_first &&
	printf -- "-- migrate:up transaction:false\nPRAGMA journal_mode = WAL;\n-- migrate:down transaction:false\nPRAGMA journal_mode = DELETE;\n" \
		>migrations/0002_wal.sql &&
	strata up >out 2>err &&
	test_grep "^2 migrations applied" out &&
	db_sql "PRAGMA journal_mode" >actual &&
	echo wal >expect &&
	test_cmp expect actual &&
	strata down >out 2>err &&
	db_sql "PRAGMA journal_mode" >actual &&
	echo delete >expect &&
	test_cmp expect actual
'

test_expect_success SQLITE 'a PRAGMA in a transactional down section is refused before the rollback runs' '
	good_first &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\nPRAGMA foreign_keys = ON;\n" \
		>migrations/0002_a.sql &&
	strata up >out &&
	refused 2 down &&
	test_grep "^strata: error: migrations/0002_a.sql:5: PRAGMA foreign_keys .* cannot run inside a transaction; mark the section .-- migrate:down transaction:false.$" err
'

test_expect_success POSTGRES 'CREATE INDEX CONCURRENTLY in a transactional migration: exit 2 with file:line' '
	good_first &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0002_a.sql &&
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_a.sql:4: .*cannot run inside a transaction; mark the section .-- migrate:up transaction:false.$" err &&
	db_tables >actual &&
	test_must_be_empty actual
'

test_expect_success POSTGRES 'PRAGMA is not a PostgreSQL statement: the engine says so, nothing is applied' '
	good_first &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0002_a.sql &&
	printf -- "-- migrate:up\nPRAGMA journal_mode = WAL;\n" >migrations/0003_p.sql &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "0003_p.sql:2" err &&
	test "$(db_checksum)" = "$before"
'

# ---- 4. NUL bytes ------------------------------------------------------------

test_expect_success 'a NUL byte in the down section: exit 2 with its line, for up and lint' '
	good_first &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP\0 TABLE a;\n" \
		>migrations/0002_a.sql &&
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_a.sql:4: file contains a NUL byte" err &&
	test_expect_code 2 strata lint migrations/0002_a.sql >out 2>err &&
	test_grep "migrations/0002_a.sql:4: file contains a NUL byte" err
'

# ---- 5. options on the marker line -------------------------------------------

for opts in "transaction:false transaction:true" "transaction:true transaction:false" \
	"transaction:false transaction:false"
do
	test_expect_success "'-- migrate:up $opts' is refused: options conflict" '
		good_first &&
		printf -- "-- migrate:up %s\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
			"$opts" >migrations/0002_a.sql &&
		refused 2 up &&
		test_grep -F "strata: error: migrations/0002_a.sql:1: options '\''${opts% *}'\'' and '\''${opts#* }'\'' on one marker" err
	'
done

test_expect_success "conflicting options on a '-- DOWN' marker: exit 2, line 3" '
	good_first &&
	printf -- "-- UP\nCREATE TABLE a (id INTEGER);\n-- DOWN transaction:true transaction:false\nDROP TABLE a;\n" \
		>migrations/0002_a.sql &&
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_a.sql:3: options " err
'

for opt in "transaction=false" "transaction:False" "notransaction" "transaction:"
do
	test_expect_success "an unknown option ('$opt') is refused" '
		good_first &&
		printf -- "-- migrate:up %s\nCREATE TABLE a (id INTEGER);\n" "$opt" >migrations/0002_a.sql &&
		refused 2 up &&
		test_grep -F "strata: error: migrations/0002_a.sql:1: unknown option '\''$opt'\'' on marker" err
	'
done

# ---- 7. show VERSION --json, the mark hint -----------------------------------

test_expect_success 'show VERSION --json reports applied, pending and edited from the database' '
	good_first &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0002_a.sql &&
	strata up --to 0001 >out &&
	strata --json show 0001 >out.json &&
	jq -r "\"\(.state) \(.batch) \(.applied_at != null)\"" out.json >actual &&
	echo "applied 1 true" >expect &&
	test_cmp expect actual &&
	strata --json show 0002 >out.json &&
	jq -r "\"\(.state) \(.batch)\"" out.json >actual &&
	echo "pending null" >expect &&
	test_cmp expect actual &&
	echo "-- edited" >>migrations/0001_create_users.sql &&
	strata --json show 0001 >out.json &&
	jq -r .state out.json >actual &&
	echo edited >expect &&
	test_cmp expect actual
'

test_expect_success 'show VERSION --json without a database: state null, not a guess' '
	env -u DATABASE_URL strata --json show 0002 >out.json &&
	jq -r ".state, .sql" out.json >actual &&
	printf "null\nCREATE TABLE a (id INTEGER);\n\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'show VERSION without --json reads only the file: an unreachable database is no matter' '
	DATABASE_URL=postgres://nobody@127.0.0.1:1/none strata show 0002 >actual 2>err &&
	test_must_be_empty err &&
	test_grep "^CREATE TABLE a (id INTEGER);$" actual &&
	DATABASE_URL=postgres://nobody@127.0.0.1:1/none test_expect_code 1 strata --json show 0002 >out 2>err &&
	test_line_count = 1 err
'

test_expect_success 'a failed transaction:false migration: the hint names both mark flags' '
	good_first &&
	printf -- "-- migrate:up transaction:false\nCREATE TABLE a (id INTEGER);\nSELECT * FROM no_such_table;\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0002_a.sql &&
	test_expect_code 1 strata up --no-backup >out 2>err &&
	test_grep -F "finish its statements by hand and run '\''strata mark 0002 --applied'\'', or undo them and run '\''strata mark 0002 --pending'\''" err
'

test_expect_success '... status gives the same hint under the failed migration' '
	strata status >out 2>err &&
	test_grep "^0002  *a  *failed" out &&
	test_grep -F "      fix: finish its statements by hand and run '\''strata mark 0002 --applied'\'', or undo them and run '\''strata mark 0002 --pending'\''" out
'

test_expect_success '... following the hint: undo by hand, mark --pending, fix the file, up' '
	db_sql "DROP TABLE a" &&
	strata mark 0002 --pending >out 2>err &&
	strata status >out &&
	test_grep "^0002  *a  *pending" out &&
	printf -- "-- migrate:up transaction:false\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0002_a.sql &&
	strata up >out 2>err &&
	test_grep "^1 migration applied" out
'

test_expect_success 'one row at stake is "1 row", in the list and in the error' '
	use_fresh_db &&
	db_sql "CREATE TABLE users (id INTEGER PRIMARY KEY, bio TEXT); INSERT INTO users VALUES (1, '\''x'\'')" &&
	echo "CREATE TABLE users (id INTEGER PRIMARY KEY);" >schema.sql &&
	before=$(db_checksum) &&
	test_expect_code 1 strata push >out 2>err </dev/null &&
	test_grep "^  drop_column users.bio (1 row): " err &&
	test_grep "^strata: error: 1 destructive change (drop_column users.bio (1 row)): nothing was changed" err &&
	test_grep ! "1 rows" err &&
	test "$(db_checksum)" = "$before"
'

test_done
