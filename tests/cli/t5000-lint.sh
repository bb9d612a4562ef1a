#!/bin/bash

test_description='lint names destructive and lock-heavy statements before they run

strata lint reads migration files (the up sections) and reports, per
statement, FILE:LINE: error[rule]: message and a hint; exit 3 when it found
errors (with --strict, warnings too), 0 otherwise, 2 for bad input. It never
needs or changes a database: the engine comes from --engine or the scheme of
the URL, so the sqlite run of this script covers both rule sets; the
postgres run only checks that lint leaves a real, reachable database alone.
What lint reads from a database is t5010-lint-context.'
test_engines='sqlite postgres'

. "$(dirname "$0")/test-lib.sh"

if command -v jq >/dev/null 2>&1
then
	test_set_prereq JQ
fi

# migration FILE <BODY: write migrations/FILE.
migration() {
	mkdir -p migrations &&
	cat >"migrations/$1"
}

test_expect_success SQLITE 'setup: a directory with safe and unsafe migrations' '
	migration 0001_users.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
	CREATE INDEX users_email ON users (email);
	-- migrate:down
	DROP TABLE users;
	EOF
	migration 0002_posts.sql <<-\EOF &&
	-- migrate:up
	-- posts come later
	CREATE INDEX users_created ON users (created_at);

	ALTER TABLE users
	  DROP COLUMN nickname;
	-- migrate:down
	ALTER TABLE users ADD COLUMN nickname text;
	EOF
	migration 0003_cleanup.sql <<-\EOF
	-- migrate:up
	ALTER TABLE users RENAME COLUMN email TO mail;
	EOF
'

test_expect_success SQLITE 'lint reports each finding with file, line, rule and hint; exit 3' '
	test_expect_code 3 strata lint >out 2>err &&
	test_must_be_empty err &&
	cat >expect <<-\EOF &&
	migrations/0002_posts.sql:3: error[create-index-non-concurrent]: CREATE INDEX on '\''users'\'' without CONCURRENTLY blocks writes to the table while the index is built
	    hint: CREATE INDEX CONCURRENTLY, alone in a migration marked '\''-- migrate:up transaction:false'\''
	migrations/0002_posts.sql:5: error[drop-column]: column '\''users.nickname'\'' is dropped with every value in it
	    hint: deploy code that no longer reads or writes the column first, then drop it in a later migration (SQLite: needs 3.35 or later)
	migrations/0003_cleanup.sql:1: warning[no-down]: the migration has no down section: it cannot be rolled back
	    hint: add a '\''-- migrate:down'\'' section that undoes the up section (an empty one if nothing needs undoing)
	migrations/0003_cleanup.sql:2: warning[rename-column]: column '\''users.email'\'' is renamed to '\''mail'\'': the running application'\''s queries still use the old name
	    hint: add the new column, write both, backfill, move the reads, then drop the old column
	2 errors, 2 warnings (0 suppressed)
	EOF
	test_cmp expect out
'

test_expect_success SQLITE 'the index on a table the same migration created is fine' '
	strata lint migrations/0001_users.sql >out &&
	echo "0 errors, 0 warnings (0 suppressed)" >expect &&
	test_cmp expect out
'

test_expect_success SQLITE 'file arguments lint only those files, in the order given' '
	test_expect_code 3 strata lint migrations/0003_cleanup.sql migrations/0002_posts.sql >out &&
	grep "^migrations/" out | cut -d: -f1,2 >actual &&
	cat >expect <<-\EOF &&
	migrations/0003_cleanup.sql:1
	migrations/0003_cleanup.sql:2
	migrations/0002_posts.sql:3
	migrations/0002_posts.sql:5
	EOF
	test_cmp expect actual
'

test_expect_success SQLITE 'warnings alone exit 0; --strict makes them count' '
	strata lint migrations/0003_cleanup.sql >out &&
	test_grep "^0 errors, 2 warnings (0 suppressed)$" out &&
	test_expect_code 3 strata lint --strict migrations/0003_cleanup.sql >out &&
	test_grep "^0 errors, 2 warnings" out
'

test_expect_success SQLITE '-d DIR lints another directory; a directory argument works too' '
	mkdir other &&
	cat >other/0001_x.sql <<-\EOF &&
	-- migrate:up
	DELETE FROM users;
	-- migrate:down
	EOF
	test_expect_code 3 strata -d other lint >out &&
	test_grep "^other/0001_x.sql:2: error\[delete-without-where\]: " out &&
	test_expect_code 3 strata lint other >out &&
	test_grep "^other/0001_x.sql:2: error\[delete-without-where\]: " out
'

test_expect_success SQLITE '--engine decides the rules: no lock rules on SQLite' '
	test_expect_code 3 strata lint --engine sqlite migrations/0002_posts.sql >out &&
	test_grep ! create-index-non-concurrent out &&
	test_grep "error\[drop-column\]: column .users.nickname. is dropped with every value in it (SQLite 3.35+)" out &&
	test_expect_code 3 strata lint --engine postgres migrations/0002_posts.sql >out &&
	test_grep create-index-non-concurrent out
'

test_expect_success SQLITE 'the engine comes from the URL; with --offline it is never connected to' '
	test_expect_code 3 strata -u postgres://nobody@127.0.0.1:1/x lint --offline migrations/0002_posts.sql >out 2>err &&
	test_must_be_empty err &&
	test_grep create-index-non-concurrent out &&
	DATABASE_URL=sqlite:nowhere/app.db test_expect_code 3 strata lint migrations/0002_posts.sql >out 2>err &&
	test_must_be_empty err &&
	test_grep ! create-index-non-concurrent out &&
	test_path_is_missing nowhere &&
	strata -u sqlite:app.db lint migrations/0001_users.sql >out &&
	test_path_is_missing app.db &&
	echo "DATABASE_URL=postgres://nobody@127.0.0.1:1/x" >.env &&
	test_expect_code 3 strata lint --offline migrations/0002_posts.sql >out &&
	test_grep create-index-non-concurrent out &&
	rm .env
'

test_expect_success SQLITE '--engine wins over the URL' '
	test_expect_code 3 strata -u sqlite:app.db lint --engine postgres migrations/0002_posts.sql >out &&
	test_grep create-index-non-concurrent out
'

test_expect_success SQLITE 'sqlite: ADD COLUMN NOT NULL without a default, and SQLite-only syntax' '
	mkdir sq &&
	cat >sq/0001_a.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT) WITHOUT ROWID;
	INSERT OR REPLACE INTO t (x) VALUES ('\''a'\'');
	CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM log; END;
	ALTER TABLE [users] ADD COLUMN age INTEGER NOT NULL;
	ALTER TABLE users ADD COLUMN bio TEXT NOT NULL DEFAULT '\'''\'';
	-- migrate:down
	EOF
	test_expect_code 3 strata lint --engine sqlite sq/0001_a.sql >out &&
	cat >expect <<-\EOF &&
	sq/0001_a.sql:5: error[add-column-not-null]: column '\''users.age'\'' is added NOT NULL without a default: SQLite refuses that
	    hint: give the column a DEFAULT, or add it nullable, backfill it, then make it NOT NULL
	1 error, 0 warnings (0 suppressed)
	EOF
	test_cmp expect out
'

test_expect_success SQLITE 'a SQLite rebuild that strata diff writes is a table-rebuild warning, not an error' '
	cat >a.sql <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INTEGER);
	EOF
	cat >b.sql <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INTEGER NOT NULL DEFAULT 0);
	EOF
	strata diff --from a.sql --to b.sql >up.sql &&
	test_grep "RENAME TO" up.sql &&
	{ echo "-- migrate:up" && cat up.sql && echo "-- migrate:down"; } >rebuild.sql &&
	strata lint --engine sqlite rebuild.sql >out &&
	test_grep "^rebuild.sql:[0-9]*: warning\[table-rebuild\]: table .users. is rebuilt" out &&
	test_grep "^0 errors, 1 warning (0 suppressed)$" out
'

test_expect_success SQLITE 'suppression comments silence the named rules and are counted' '
	mkdir sup &&
	cat >sup/0001_a.sql <<-\EOF &&
	-- migrate:up
	-- strata:lint-ignore drop-table
	DROP TABLE legacy;
	DROP TABLE old_audit; -- strata:lint-ignore drop-table,truncate
	-- strata:lint-ignore-file delete-without-where
	DELETE FROM queue;
	-- strata:lint-ignore truncate
	DROP TABLE still_reported;
	-- migrate:down
	EOF
	test_expect_code 3 strata lint sup/0001_a.sql >out &&
	cat >expect <<-\EOF &&
	sup/0001_a.sql:8: error[drop-table]: table '\''still_reported'\'' is dropped with every row in it
	    hint: stop the application using the table first; take a backup or rename it away and drop it in a later migration
	1 error, 0 warnings (3 suppressed)
	EOF
	test_cmp expect out
'

test_expect_success SQLITE 'lines count from the file: BOM, CRLF, comments, the down section first' '
	printf "\357\273\277-- header\r\n-- migrate:down\r\nSELECT 1;\r\n-- migrate:up\r\n\r\n/* note */\r\nTRUNCATE jobs;\r\n" >crlf.sql &&
	test_expect_code 3 strata lint crlf.sql >out &&
	test_grep "^crlf.sql:7: error\[truncate\]: TRUNCATE empties table .jobs.$" out
'

test_expect_success SQLITE 'a statement PostgreSQL cannot parse is a warning, and the rest is still linted' '
	cat >syntax.sql <<-\EOF &&
	-- migrate:up
	SELEC 1;
	VACUUM FULL users;
	-- migrate:down
	EOF
	test_expect_code 3 strata lint syntax.sql >out &&
	test_grep "^syntax.sql:2: warning\[unparsed\]: the statement could not be analysed: syntax error at or near \"SELEC\"$" out &&
	test_grep "^syntax.sql:3: error\[vacuum-full\]: " out &&
	test_grep "^syntax.sql:3: error\[needs-no-transaction\]: VACUUM cannot run inside a transaction" out
'

test_expect_success SQLITE 'VACUUM (FULL false) is a plain VACUUM, not vacuum-full' '
	cat >vacuum.sql <<-\EOF &&
	-- migrate:up transaction:false
	VACUUM (FULL FALSE) users;
	VACUUM (FULL off, ANALYZE) users;
	VACUUM (FULL) users;
	-- migrate:down
	EOF
	test_expect_code 3 strata lint --engine postgres vacuum.sql >out &&
	test_grep ! "^vacuum.sql:[23]: error\[vacuum-full\]" out &&
	test_grep "^vacuum.sql:4: error\[vacuum-full\]: " out
'

test_expect_success SQLITE,JQ '--json: findings with rule, severity, file, line, statement, message, hint; counts' '
	test_expect_code 3 strata lint --json migrations/0002_posts.sql sup/0001_a.sql >out 2>err &&
	test_must_be_empty err &&
	jq -e . out >/dev/null &&
	jq -r "[.command, .engine, .ok, .strict, .files, .statements, .errors, .warnings, .suppressed] | map(tostring) | join(\"|\")" out >actual &&
	echo "lint|postgres|false|false|2|6|3|0|3" >expect &&
	test_cmp expect actual &&
	jq -r ".findings[] | [.rule, .severity, .file, .line, .statement] | map(tostring) | join(\"|\")" out >actual &&
	cat >expect <<-\EOF &&
	create-index-non-concurrent|error|migrations/0002_posts.sql|3|CREATE INDEX users_created ON users (created_at)
	drop-column|error|migrations/0002_posts.sql|5|ALTER TABLE users
	drop-table|error|sup/0001_a.sql|8|DROP TABLE still_reported
	EOF
	test_cmp expect actual &&
	jq -e ".findings | all(.message != \"\" and (.hint | length) > 10)" out >/dev/null
'

test_expect_success SQLITE,JQ '--json with nothing found: ok, an empty findings array, exit 0' '
	strata lint --json migrations/0001_users.sql >out &&
	jq -e ".ok == true and .findings == [] and .errors == 0" out >/dev/null &&
	strata --json lint --strict migrations/0001_users.sql >out &&
	jq -e ".ok == true and .strict == true" out >/dev/null
'

test_expect_success SQLITE,JQ '--json --strict: warnings make it not ok' '
	test_expect_code 3 strata lint --json --strict migrations/0003_cleanup.sql >out &&
	jq -e ".ok == false and .errors == 0 and .warnings == 2" out >/dev/null
'

test_expect_success SQLITE 'a file that does not exist: exit 2, one line naming it' '
	test_expect_code 2 strata lint migrations/0001_users.sql nope.sql >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: lint: nope.sql: no such file$" err
'

test_expect_success SQLITE 'a missing migrations directory: exit 2' '
	test_expect_code 2 strata -d nowhere lint >out 2>err &&
	test_line_count = 1 err &&
	test_grep "nowhere" err
'

test_expect_success SQLITE 'a malformed migration file: exit 2 with file:line from the migration parser' '
	printf -- "-- migrate:up\nSELECT 1;\n-- migrate:upp\n" >bad.sql &&
	test_expect_code 2 strata lint bad.sql >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: lint: bad.sql:3: unknown marker .-- migrate:upp.$" err
'

test_expect_success SQLITE 'a binary file: exit 2' '
	printf "\177ELF\000\001\002\003" >bin.sql &&
	test_expect_code 2 strata lint bin.sql >out 2>err &&
	test_line_count = 1 err &&
	test_grep "bin.sql:1: file contains a NUL byte" err
'

test_expect_success SQLITE 'an empty file: exit 2, said so' '
	: >empty.sql &&
	test_expect_code 2 strata lint empty.sql >out 2>err &&
	test_line_count = 1 err &&
	test_grep "empty.sql:1: no .-- migrate:up. section (the file is empty)" err
'

test_expect_success SQLITE 'a directory of other files, a device: exit 2, no crash' '
	test_expect_code 2 strata lint /dev/null 2>err &&
	test_grep "/dev/null: not a regular file" err
'

test_expect_success SQLITE 'bad usage: an unknown engine, an unknown option, a URL of no engine' '
	test_expect_code 2 strata lint --engine mysql 2>err &&
	test_grep "engine must be sqlite or postgres" err &&
	test_expect_code 2 strata lint --frobnicate 2>err &&
	test_grep "unknown option" err &&
	test_expect_code 2 strata -u mysql://x/y lint migrations/0001_users.sql 2>err &&
	test_line_count = 1 err
'

test_expect_success SQLITE 'lint -h prints the usage on stdout, exit 0' '
	strata lint -h >out &&
	test_grep "^usage: strata lint \[FILES...\]" out &&
	test_grep -e "--strict" out
'

test_expect_success SQLITE 'the SYNOPSIS of docs/strata-lint.md is the usage line of lint -h' '
	strata lint -h | sed -n "s/^usage: //p" >expect &&
	sed -n "/^## SYNOPSIS/,/^## /p" "$SRCDIR/docs/strata-lint.md" | sed -n "/^strata /p" >actual &&
	test_cmp expect actual
'

test_expect_success SQLITE 'every rule id in lib/lint.c has a row in the docs table' '
	sed -n "s/^\t\[R_[A-Z_]*\] = { \"\([a-z-]*\)\".*/\1/p" "$SRCDIR/lib/lint.c" | sort >expect &&
	test_line_count -gt 20 expect &&
	sed -n "s/^| \`\([a-z-]*\)\` | .*/\1/p" "$SRCDIR/docs/strata-lint.md" | sort >actual &&
	test_cmp expect actual
'

test_expect_success SQLITE 'lint is in the command list' '
	strata --help >out &&
	test_grep "^  lint " out
'

# On both engines: the database of DATABASE_URL, reachable or not, is
# never created or changed (lint only reads it).
test_expect_success 'lint leaves the database of DATABASE_URL alone' '
	use_fresh_db &&
	before=$(db_checksum) &&
	mkdir -p real &&
	cat >real/0001_a.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE t (x int);
	DROP TABLE users;
	-- migrate:down
	EOF
	test_expect_code 3 strata -d real lint >out 2>err &&
	test_must_be_empty err &&
	test_grep "^real/0001_a.sql:3: error\[drop-table\]" out &&
	db_tables >tables &&
	test_must_be_empty tables &&
	test "$(db_checksum)" = "$before"
'

test_expect_success POSTGRES 'the engine of a postgres:// DATABASE_URL is postgres' '
	test_expect_code 3 strata -d real lint --json >out &&
	test_grep "\"engine\": \"postgres\"" out
'

test_done
