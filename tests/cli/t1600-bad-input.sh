#!/bin/bash

test_description='bad input gets a one-line error and the right exit status

Malformed files, unknown markers, duplicate versions, invalid UTF-8, a
missing directory, bad usage and bad URLs: each is refused before anything
runs, with exit 2 for bad input or usage and 1 for a failed operation, one
line on stderr that names the problem, and the database as it was.'

. "$(dirname "$0")/test-lib.sh"

# A good first migration, so that "nothing changed" means something: were
# the bad file not caught first, this one would be applied.
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

test_expect_success 'an unknown marker: exit 2, file and line named' '
	good_first &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:rollback\nDROP TABLE a;\n" \
		>migrations/0002_a.sql &&
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_a.sql:3: unknown marker '\''-- migrate:rollback'\''$" err &&
	db_tables >actual &&
	test_must_be_empty actual
'

test_expect_success 'a file without an up section: exit 2' '
	good_first &&
	printf -- "-- migrate:down\nDROP TABLE a;\n" >migrations/0002_a.sql &&
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_a.sql:1: no '\''-- migrate:up'\''" err
'

test_expect_success 'an empty file: exit 2' '
	good_first &&
	: >migrations/0002_a.sql &&
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_a.sql:1: " err
'

test_expect_success 'SQL before the first marker: exit 2' '
	good_first &&
	printf -- "CREATE TABLE a (id INTEGER);\n-- migrate:up\nCREATE TABLE b (id INTEGER);\n" \
		>migrations/0002_a.sql &&
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_a.sql:2: SQL before the first marker" err
'

test_expect_success 'a second up marker: exit 2, both lines named' '
	good_first &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:up\nCREATE TABLE b (id INTEGER);\n" \
		>migrations/0002_a.sql &&
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_a.sql:3: second '\''-- migrate:up'\'' marker (the first is on line 1)" err
'

test_expect_success 'two files with one version (0001_a.sql and 1_b.sql): exit 2' '
	good_first &&
	printf -- "-- migrate:up\nCREATE TABLE b (id INTEGER);\n" >migrations/1_b.sql &&
	refused 2 up &&
	test_grep "^strata: error: .*version 0*1 is also used by" err &&
	test_grep "0001_create_users.sql" err &&
	test_grep "1_b.sql" err
'

for name in create_users.sql 0002-create.sql 0002_.sql v0002_create.sql "0002_create users.sql"
do
	test_expect_success "a file name that is not <version>_<name>.sql ('$name'): exit 2" '
		good_first &&
		printf -- "-- migrate:up\nCREATE TABLE b (id INTEGER);\n" >"migrations/$name" &&
		refused 2 up &&
		test_grep "^strata: error: migrations/$name: file name is not <version>_<name>.sql" err
	'
done

test_expect_success 'files that are not .sql are left alone' '
	good_first &&
	echo "# how we write migrations" >migrations/README.md &&
	echo "notes" >migrations/0002_notes.txt &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^1 migration applied" out
'

test_expect_success 'invalid UTF-8: exit 2, file and line named' '
	good_first &&
	printf -- "-- migrate:up\nINSERT INTO users (id, email) VALUES (1, '\''caf\xff'\'');\n" \
		>migrations/0002_a.sql &&
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_a.sql:2: invalid UTF-8" err
'

test_expect_success 'a NUL byte: exit 2, file and line named' '
	good_first &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\nSELECT 1;\0\n" >migrations/0002_a.sql &&
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_a.sql:3: .*NUL byte" err
'

test_expect_success 'a migration file that is a directory: exit 2' '
	good_first &&
	mkdir migrations/0002_a.sql &&
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_a.sql: not a regular file" err
'

test_expect_success 'a symlink in migrations/ pointing outside it: exit 2' '
	good_first &&
	printf -- "-- migrate:up\nCREATE TABLE outside (id INTEGER);\n" >outside.sql &&
	ln -s "$TRASH/outside.sql" migrations/0002_outside.sql &&
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_outside.sql: symbolic link points outside the migrations directory" err
'

test_expect_success 'a symlink that stays inside migrations/ is followed' '
	good_first &&
	mkdir migrations/shared &&
	printf -- "-- migrate:up\nCREATE TABLE inside (id INTEGER);\n" >migrations/shared/inside.sql &&
	ln -s shared/inside.sql migrations/0002_inside.sql &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	db_tables >actual &&
	printf "inside\nstrata_migrations\nusers\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'an empty migrations directory: nothing to apply, exit 0' '
	rm -rf migrations &&
	mkdir migrations &&
	use_fresh_db &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	echo "nothing to apply: the database is up to date" >expect &&
	test_cmp expect out
'

test_expect_success 'a missing migrations directory: exit 1, "does not exist"' '
	rm -rf migrations &&
	use_fresh_db &&
	refused 1 up &&
	test_grep "^strata: error: migrations directory '\''migrations'\'' does not exist" err &&
	refused 1 -d no/such/dir up &&
	test_grep "^strata: error: migrations directory '\''no/such/dir'\'' does not exist" err
'

test_expect_success 'a migrations "directory" that is a file: exit 2' '
	rm -rf migrations &&
	echo "not a directory" >migrations &&
	use_fresh_db &&
	refused 2 up &&
	test_grep "^strata: error: .*migrations" err &&
	rm migrations
'

test_expect_success 'an unknown command: exit 2' '
	good_first &&
	refused 2 upp &&
	test_grep "^strata: error: '\''upp'\'' is not a strata command" err
'

test_expect_success 'no command at all: exit 2, usage on stderr' '
	before=$(db_checksum) &&
	test_expect_code 2 strata >out 2>err &&
	test_must_be_empty out &&
	test_grep "^usage: strata" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'an unknown flag: exit 2' '
	good_first &&
	refused 2 up --fast &&
	test_grep "^strata: error: up: unknown option '\''--fast'\''" err &&
	refused 2 up -z &&
	test_grep "^strata: error: up: unknown option '\''-z'\''" err &&
	refused 2 --fast up &&
	test_grep "unknown option '\''--fast'\''" err
'

test_expect_success 'a flag without its value: exit 2' '
	good_first &&
	refused 2 up --to &&
	test_grep "^strata: error: up: option '\''--to'\'' needs a value" err
'

for steps in abc -1 2x ""
do
	test_expect_success "up --steps '$steps': exit 2" '
		good_first &&
		refused 2 up --steps "$steps" &&
		test_grep "^strata: error: up: --steps needs a non-negative number" err
	'
done

test_expect_success 'a boolean flag given a value: exit 2' '
	good_first &&
	refused 2 up --dry-run=yes &&
	test_grep "takes no value" err
'

test_expect_success 'an unexpected argument: exit 2' '
	good_first &&
	refused 2 down 0001 &&
	test_grep "^strata: error: down: unexpected argument '\''0001'\''" err
'

test_expect_success 'up of a migration that does not exist: exit 1, nothing run' '
	good_first &&
	refused 1 up 0009 &&
	test_grep "^strata: error: no migration with version 0009 in migrations$" err
'

for url in foo://x mysql://u@localhost/db "sqlite" "postgres//nohost" "not a url"
do
	test_expect_success "a URL that is not a database URL strata knows ('$url'): exit 2" '
		good_first &&
		refused 2 --url "$url" up &&
		test_grep "^strata: error: " err &&
		db_tables >actual &&
		test_must_be_empty actual
	'
done

test_expect_success SQLITE 'a database file that is not SQLite: exit 2, and the file untouched' '
	good_first &&
	echo "these are my notes, not a database" >notes.db &&
	cp notes.db notes.orig &&
	test_expect_code 2 strata --url "sqlite:$TRASH/notes.db" up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: .*notes.db'\'' is not a SQLite database" err &&
	test_cmp notes.orig notes.db &&
	test_path_is_missing notes.db-journal &&
	test_path_is_missing notes.db-wal
'

test_expect_success 'no DATABASE_URL at all: exit 2' '
	good_first &&
	before=$(db_checksum) &&
	(
		unset DATABASE_URL &&
		test_expect_code 2 strata up >out 2>err
	) &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: no database: give --url URL or set DATABASE_URL" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'down of an irreversible migration: exit 2' '
	rm -rf migrations &&
	cp -R "$FIXTURES/migrations/irreversible" migrations &&
	use_fresh_db &&
	strata up >out &&
	refused 2 down &&
	test_grep "^strata: error: 20240102120000_create_audit_log has no down section" err
'

test_expect_success 'new ../x: exit 2, nothing written' '
	good_first &&
	refused 2 new ../x &&
	test_grep "^strata: error: new: '\''../x'\'' is not a migration name" err &&
	test_path_is_missing x.sql &&
	ls migrations >actual &&
	echo 0001_create_users.sql >expect &&
	test_cmp expect actual
'

test_expect_success 'a transaction:false migration is applied' '
	good_first &&
	cat >migrations/0002_create_log.sql <<-\EOF &&
	-- migrate:up transaction:false
	CREATE TABLE log (id INTEGER PRIMARY KEY, line TEXT);
	-- migrate:down transaction:false
	DROP TABLE log;
	EOF
	strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^2 migrations applied" out &&
	db_sql "SELECT version, state FROM strata_migrations ORDER BY version" >actual &&
	printf "0001|applied\n0002|applied\n" >expect &&
	test_cmp expect actual &&
	db_tables >actual &&
	printf "log\nstrata_migrations\nusers\n" >expect &&
	test_cmp expect actual &&
	strata down --steps 1 >out 2>err &&
	db_tables >actual &&
	printf "strata_migrations\nusers\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a migration with its own BEGIN and COMMIT: exit 2, before anything runs' '
	good_first &&
	cat >migrations/0002_create_log.sql <<-\EOF &&
	-- migrate:up
	BEGIN;
	CREATE TABLE log (id INTEGER PRIMARY KEY, line TEXT);
	COMMIT;
	-- migrate:down
	DROP TABLE log;
	EOF
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_create_log.sql:2: " err &&
	db_tables >actual &&
	test_must_be_empty actual
'

test_expect_success 'an unknown marker option (transaction:maybe): exit 2' '
	good_first &&
	cat >migrations/0002_create_log.sql <<-\EOF &&
	-- migrate:up transaction:maybe
	CREATE TABLE log (id INTEGER PRIMARY KEY, line TEXT);
	-- migrate:down
	DROP TABLE log;
	EOF
	refused 2 up &&
	test_grep "^strata: error: migrations/0002_create_log.sql:1: unknown option '\''transaction:maybe'\''" err
'

test_expect_success 'a version longer than 32 digits: exit 2' '
	good_first &&
	printf -- "-- migrate:up\nCREATE TABLE b (id INTEGER);\n" \
		>migrations/123456789012345678901234567890123_long.sql &&
	refused 2 up &&
	test_grep "^strata: error: migrations/123456789012345678901234567890123_long.sql: version" err
'

test_expect_success 'status and show refuse the same bad file with the same error' '
	good_first &&
	strata up -q &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:rollback\n" >migrations/0002_a.sql &&
	refused 2 status &&
	test_grep "^strata: error: migrations/0002_a.sql:3: unknown marker" err &&
	refused 2 show &&
	test_grep "^strata: error: migrations/0002_a.sql:3: unknown marker" err
'

test_done
