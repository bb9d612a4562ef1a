#!/bin/bash

test_description='down runs the down section fixed in the file

While a migration'"'"'s file is there and its up section is the one that
was applied (strata keeps a hash of the up section in the tracking table),
down runs the file'"'"'s down section, so a down section fixed after the
migration was applied is the one used. The down SQL recorded when the
migration was applied serves when the file is gone or its up section was
edited. strata says which one ran; the error when neither can roll back says
how to proceed, and following it works.'

. "$(dirname "$0")/test-lib.sh"

# One migration whose down section is broken (it drops a table that does
# not exist), applied.
applied_with_broken_down() {
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE nosuch;\n" \
		>migrations/0001_create_a.sql &&
	use_fresh_db &&
	strata up >out
}

fix_down() {
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0001_create_a.sql
}

no_table_a() {
	! db_tables | grep -qx a
}

test_expect_success 'up records a hash of the up section' '
	applied_with_broken_down &&
	db_sql "SELECT length(up_checksum) FROM strata_migrations" >actual &&
	echo 64 >expect &&
	test_cmp expect actual
'

test_expect_success 'the broken down section fails, and changes nothing' '
	before=$(db_checksum) &&
	test_expect_code 1 strata down >out 2>err &&
	test_grep "0001_create_a.sql:4: .*nosuch" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'down --dry-run shows the fixed down section, and says whose it is' '
	fix_down &&
	before=$(db_checksum) &&
	strata down --dry-run >out 2>err &&
	test_must_be_empty err &&
	test_grep "^-- down 0001_create_a (the file.s down section: the file was edited since it was applied, its up section was not)$" out &&
	test_grep "^DROP TABLE a;$" out &&
	test_grep ! nosuch out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'down runs the fixed down section of the file' '
	strata down >out 2>err &&
	test_must_be_empty err &&
	test_grep "^rolled back  0001_create_a (.* ms) (the file.s down section" out &&
	no_table_a &&
	db_sql "SELECT count(*) FROM strata_migrations" >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_expect_success 'JSON says down_source file' '
	strata up >out &&
	strata --json down --dry-run >out &&
	test_grep "\"down_source\": \"file\"" out
'

test_expect_success 'redo uses the fixed down section as well' '
	applied_with_broken_down &&
	fix_down &&
	strata redo >out 2>err &&
	test_grep "^rolled back  0001_create_a" out &&
	test_grep "^applied  *0001_create_a" out
'

test_expect_success 'an edited up section: the recorded down SQL runs, and down says so' '
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0001_create_a.sql &&
	use_fresh_db &&
	strata up >out &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER, b TEXT);\n-- migrate:down\nDROP TABLE nosuch;\n" \
		>migrations/0001_create_a.sql &&
	strata down --dry-run >out &&
	test_grep "^-- down 0001_create_a (down SQL recorded when applied: the file was edited since" out &&
	test_grep "^DROP TABLE a;$" out &&
	strata down >out 2>err &&
	test_grep "^rolled back  0001_create_a .*(down SQL recorded when applied" out &&
	no_table_a
'

test_expect_success 'a file that is gone: the recorded down SQL (JSON: recorded)' '
	fix_down &&
	strata up >out &&
	cp migrations/0001_create_a.sql saved.sql &&
	rm migrations/0001_create_a.sql &&
	strata --json down --dry-run >out &&
	test_grep "\"down_source\": \"recorded\"" out &&
	strata down >out &&
	no_table_a
'

test_expect_success 'no down section anywhere, up section as applied: the hint (add one) works' '
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n" >migrations/0001_create_a.sql &&
	use_fresh_db &&
	strata up >out &&
	before=$(db_checksum) &&
	test_expect_code 2 strata down >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: 0001_create_a has no down section: it cannot be rolled back; add a .-- migrate:down. section to migrations/0001_create_a.sql" err &&
	test "$(db_checksum)" = "$before" &&
	printf -- "-- migrate:down\nDROP TABLE a;\n" >>migrations/0001_create_a.sql &&
	strata down >out 2>err &&
	no_table_a &&
	strata status >out &&
	test_grep "^0 applied, 1 pending" out
'

test_expect_success 'no down SQL anywhere, file gone: the hint (undo by hand, mark) works' '
	strata up >out &&
	sed -i "/migrate:down/,\$d" migrations/0001_create_a.sql &&
	strata mark 0001 --applied >out &&
	rm migrations/0001_create_a.sql &&
	before=$(db_checksum) &&
	test_expect_code 2 strata down >out 2>err &&
	test_grep "0001_create_a cannot be rolled back: no down SQL was recorded when it was applied, and its file is gone; undo it by hand, then run .strata mark 0001 --pending." err &&
	test "$(db_checksum)" = "$before" &&
	db_sql "DROP TABLE a" &&
	strata mark 0001 --pending >out &&
	strata status --exit-code >out &&
	no_table_a
'

test_expect_success 'no down SQL, up section edited: the message says both ways' '
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n" >migrations/0001_create_a.sql &&
	use_fresh_db &&
	strata up >out &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER, b TEXT);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0001_create_a.sql &&
	test_expect_code 2 strata down >out 2>err &&
	test_grep "no down SQL was recorded when it was applied, and the up section of migrations/0001_create_a.sql was edited since; restore the up section as applied and add a .-- migrate:down. section, or undo it by hand" err &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0001_create_a.sql &&
	strata down >out &&
	no_table_a
'

# A tracking table as strata wrote it before it kept up_checksum.
old_tracking_table() {
	db_sql "CREATE TABLE strata_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL,
		checksum TEXT NOT NULL, batch INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL,
		duration_ms INTEGER NOT NULL, down_sql TEXT, state TEXT NOT NULL DEFAULT 'applied',
		error TEXT);
		CREATE TABLE a (id INTEGER);
		INSERT INTO strata_migrations VALUES ('0001', 'create_a', 'x', 1,
		'2024-01-01 00:00:00', 0, 'DROP TABLE a;', 'applied', NULL);"
}

test_expect_success 'the tracking table of an older strata is upgraded by a run, rows kept' '
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE nosuch;\n" \
		>migrations/0001_create_a.sql &&
	printf -- "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n" \
		>migrations/0002_create_b.sql &&
	use_fresh_db &&
	old_tracking_table &&
	strata status >out &&
	test_grep "^0001 .*edited" out &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "0001_create_a.sql was edited after it was applied" err &&
	db_sql "CREATE TABLE b (id INTEGER)" &&
	strata mark 0002 --applied >out &&
	db_sql "SELECT version, CASE WHEN up_checksum IS NULL THEN 1 ELSE 0 END FROM strata_migrations ORDER BY version" >actual &&
	printf "0001|1\n0002|0\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a row without up_checksum: down uses the recorded down SQL' '
	strata down --dry-run --steps 2 >out &&
	test_grep "^-- down 0001_create_a (down SQL recorded when applied: the file was edited since" out &&
	strata down --steps 2 >out 2>err &&
	test_must_be_empty err &&
	no_table_a
'

test_expect_success 'a failed run leaves an old tracking table as it was' '
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0001_create_a.sql &&
	printf -- "-- migrate:up\nCREATE TABLE broken (;\n" >migrations/0002_broken.sql &&
	use_fresh_db &&
	old_tracking_table &&
	db_sql "UPDATE strata_migrations SET checksum = '\''$(sha256sum migrations/0001_create_a.sql | cut -d" " -f1)'\''" &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test "$(db_checksum)" = "$before"
'

test_done
