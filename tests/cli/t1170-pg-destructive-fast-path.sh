#!/bin/bash

test_description='up on PostgreSQL: the destructive check without lint, when nothing can destroy

Before a run, up asks before statements that destroy data (lint'"'"'s
destructive rules). When every pending statement is one that cannot
(split_pg_keeps_data(): plain INSERT, CREATE TABLE and INDEX, an ALTER TABLE
that only adds, an UPDATE whose WHERE compares columns with constants),
lint is not run at all. This proves that the shortcut never lets a
destructive statement through: one such statement anywhere in the run,
among any number of harmless ones, is still refused by name.'

test_engines='postgres'
. "$(dirname "$0")/test-lib.sh"

# mig NAME UP: write migrations/NAME.sql with a trivial down.
mig() {
	mkdir -p migrations &&
	printf -- "-- migrate:up\n%s\n-- migrate:down\nSELECT 1;\n" "$2" >"migrations/$1.sql"
}

# harmless: three migrations of statements that cannot destroy data.
harmless() {
	rm -rf migrations &&
	mig 0001_t "CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO t (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'DROP TABLE t');" &&
	mig 0002_c "ALTER TABLE t ADD COLUMN c integer NOT NULL DEFAULT 0;
UPDATE t SET c = id WHERE id < 3; -- DELETE FROM t
CREATE INDEX ix_t_c ON t (c);" &&
	mig 0003_seed "INSERT INTO t (id, name) VALUES (4, 'four');"
}

test_expect_success 'a run of statements that cannot destroy data applies without asking' '
	harmless &&
	use_fresh_db &&
	strata up </dev/null >out 2>err &&
	test_must_be_empty err &&
	db_sql "SELECT count(*), sum(c) FROM t" >actual &&
	echo "4|3" >expect &&
	test_cmp expect actual
'

# refused UP RULE: with 0001 applied (a table made in the run itself holds
# no rows, and lint rightly lets it be changed), the harmless 0002 and 0003
# plus 0004 holding UP and a harmless 0005 are refused before anything
# runs, naming 0004 and RULE.
refused() {
	harmless &&
	use_fresh_db &&
	strata up --to 0001 >out &&
	mig 0004_last "$1" &&
	mig 0005_more "INSERT INTO t (id, name) VALUES (5, 'five');" &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up </dev/null >out 2>err &&
	test_must_be_empty out &&
	test_grep "1 destructive statement in the pending migrations, nothing was run: migrations/0004_last.sql:.* ($2)" err &&
	test "$(db_checksum)" = "$before"
}

test_expect_success 'an UPDATE whose WHERE is always true, after harmless ones, is refused' '
	refused "UPDATE t SET name = '"'"'x'"'"' WHERE 1 = 1;" update-without-where
'

test_expect_success 'an UPDATE without WHERE is refused' '
	refused "UPDATE t SET name = upper(name);" update-without-where
'

test_expect_success 'a DROP COLUMN after an ADD COLUMN in the same file is refused' '
	refused "ALTER TABLE t ADD COLUMN d text;
ALTER TABLE t DROP COLUMN name;" drop-column
'

test_expect_success 'a DELETE in a DO block is refused (lint cannot read it)' '
	refused "DO \$\$ BEGIN EXECUTE '"'"'DELETE FROM t'"'"'; END \$\$;" dynamic-sql
'

test_expect_success 'a column type change is refused' '
	refused "ALTER TABLE t ALTER COLUMN name TYPE varchar(2);" alter-column-type
'

test_done
