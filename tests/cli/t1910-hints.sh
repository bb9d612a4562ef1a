#!/bin/bash

test_description='every hint of up, down, redo, baseline and mark, followed

Each refusal names a way out. Each test here takes that way, literally, and
checks that the database ends right: status clean (--exit-code 0) and the
schema what the files say. Following "accept the edit" after an edit of an
applied up section left the edit unapplied for good: that hint is now only
given for edits that change no SQL or lie outside the up section.'

. "$(dirname "$0")/test-lib.sh"

mig() {
	printf -- "-- migrate:up\n%s\n-- migrate:down\n%s\n" "$2" "$3" >"migrations/$1.sql"
}

# Three migrations applied in two batches: 0001 a (batch 1), 0002 b, 0003 c (batch 2).
three_applied() {
	rm -rf migrations &&
	mkdir migrations &&
	mig 0001_create_a "CREATE TABLE a (id INTEGER);" "DROP TABLE a;" &&
	mig 0002_create_b "CREATE TABLE b (id INTEGER);" "DROP TABLE b;" &&
	mig 0003_create_c "CREATE TABLE c (id INTEGER);" "DROP TABLE c;" &&
	use_fresh_db &&
	strata up --steps 1 >out &&
	strata up >out
}

clean() {
	strata status --exit-code >status.out
}

columns_of() {
	if test_have_engine postgres; then
		db_sql "SELECT column_name FROM information_schema.columns WHERE table_name = '$1' ORDER BY ordinal_position"
	else
		db_sql "SELECT name FROM pragma_table_info('$1')"
	fi
}

has_table() {
	db_tables | grep -qx "$1"
}

# hint_cmd: the first 'strata ...' command quoted in err.
hint_cmd() {
	grep -o "'strata [^']*'" err | head -n 1 | tr -d "'"
}

test_expect_success 'an edited up section: up refuses, and mark is offered only for edits with no SQL' '
	three_applied &&
	git init -q . &&
	git add migrations &&
	git -c user.name=t -c user.email=t@t commit -q -m m &&
	mig 0002_create_b "CREATE TABLE b (id INTEGER, note TEXT);" "DROP TABLE b;" &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_line_count = 1 err &&
	test_grep "migrations/0002_create_b.sql was edited after it was applied (checksum mismatch), and the edit is not in the database; restore the file (e.g. .git checkout -- migrations/0002_create_b.sql.) and put the change in a new migration (.strata new NAME.)" err &&
	test_grep "if the edit changes no SQL (comments, layout), record it with .strata mark 0002 --applied." err &&
	test_grep ! "strata redo" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success '... following it: git checkout, then the change in a new migration' '
	git checkout -q -- migrations/0002_create_b.sql &&
	strata new add_note >out &&
	new=$(ls migrations/*_add_note.sql) &&
	mig "$(basename "$new" .sql)" "ALTER TABLE b ADD COLUMN note TEXT;" "ALTER TABLE b DROP COLUMN note;" &&
	strata up >out &&
	clean &&
	columns_of b >actual &&
	printf "id\nnote\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'an edited up section of the last migration: redo is offered, and works' '
	three_applied &&
	mig 0003_create_c "CREATE TABLE c (id INTEGER, note TEXT);" "DROP TABLE c;" &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "or apply the edit by rolling it back with its recorded down SQL and applying it again: .strata redo. (data in what it created may be lost)" err &&
	strata redo >out &&
	clean &&
	columns_of c >actual &&
	printf "id\nnote\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'an edit with no SQL (a comment): following mark --applied is right' '
	three_applied &&
	mig 0002_create_b "-- the b table
CREATE TABLE b (id INTEGER);" "DROP TABLE b;" &&
	test_expect_code 1 strata up >out 2>err &&
	strata mark 0002 --applied >out &&
	clean &&
	columns_of b >actual &&
	echo id >expect &&
	test_cmp expect actual
'

test_expect_success 'an edit outside the up section: up says so, and mark --applied is right' '
	three_applied &&
	mig 0002_create_b "CREATE TABLE b (id INTEGER);" "DROP TABLE IF EXISTS b;" &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "0002_create_b.sql was edited after it was applied (checksum mismatch), outside its up section: what was applied is unchanged; record the edit with .strata mark 0002 --applied.$" err &&
	$(hint_cmd) >out &&
	clean &&
	db_sql "SELECT down_sql FROM strata_migrations WHERE version = '\''0002'\''" >actual &&
	test_grep "^DROP TABLE IF EXISTS b;$" actual
'

test_expect_success 'a missing file: up --rewind (first hint) is right' '
	three_applied &&
	rm migrations/0002_create_b.sql &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "0002_create_b was applied but its file is gone; restore the file (another branch has it?), or roll back every applied migration without a file with the down SQL recorded when it was applied and apply what is pending, in one run: .strata up --rewind. (or .strata down --to 0001., which also rolls back the migrations after it" err &&
	$(hint_cmd) >out &&
	strata up >out &&
	clean &&
	! has_table b &&
	has_table a &&
	has_table c
'

test_expect_success 'the first migration'"'"'s file missing: up --rewind is right, down --all offered' '
	three_applied &&
	rm migrations/0001_create_a.sql &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep ".strata up --rewind. (or .strata down --all., which rolls back every migration" err &&
	$(hint_cmd) >out &&
	strata up >out &&
	clean &&
	! has_table a &&
	has_table b
'

test_expect_success 'a missing file without down SQL: undo by hand and mark --pending is right' '
	three_applied &&
	db_sql "UPDATE strata_migrations SET down_sql = NULL WHERE version = '\''0002'\''" &&
	rm migrations/0002_create_b.sql &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "as no down SQL was recorded for it, undo it by hand and run .strata mark 0002 --pending.$" err &&
	db_sql "DROP TABLE b" &&
	$(hint_cmd) >out &&
	clean &&
	! has_table b
'

# A transaction:false migration that fails at its second statement, because
# someone created its table q by hand before.
failed_no_tx() {
	rm -rf migrations &&
	mkdir migrations &&
	mig 0001_create_a "CREATE TABLE a (id INTEGER);" "DROP TABLE a;" &&
	use_fresh_db &&
	strata up >out &&
	db_sql "CREATE TABLE q (x TEXT)" &&
	printf -- "-- migrate:up\nCREATE TABLE r (id INTEGER);\n-- migrate:down\nDROP TABLE r;\n" \
		>migrations/0003_r.sql &&
	printf -- "-- migrate:up transaction:false\nCREATE TABLE p (id INTEGER);\nCREATE TABLE q (id INTEGER);\n" \
		>migrations/0004_p_q.sql &&
	test_expect_code 1 strata up --no-backup >out 2>err
}

test_expect_success 'a failed transaction:false migration: the hint names both ways' '
	failed_no_tx &&
	test_grep "(recorded as failed: transaction:false migrations cannot be rolled back; finish its statements by hand and run .strata mark 0004 --applied., or undo them and run .strata mark 0004 --pending.)" err &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "0004_p_q is recorded as failed: a transaction:false migration stopped partway" err &&
	test_grep "then .strata up. runs it again" err
'

test_expect_success '... finishing it by hand, then mark --applied, is right' '
	db_sql "DROP TABLE IF EXISTS p; DROP TABLE q; CREATE TABLE p (id INTEGER); CREATE TABLE q (id INTEGER);" &&
	strata mark 0004 --applied >out &&
	clean &&
	columns_of q >actual &&
	echo id >expect &&
	test_cmp expect actual
'

test_expect_success '... undoing it by hand, then mark --pending and up, is right' '
	failed_no_tx &&
	db_sql "DROP TABLE IF EXISTS p; DROP TABLE q;" &&
	strata mark 0004 --pending >out &&
	strata up >out &&
	clean &&
	has_table p &&
	columns_of q >actual &&
	echo id >expect &&
	test_cmp expect actual
'

test_expect_success 'down of a failed migration names runnable commands' '
	failed_no_tx &&
	test_expect_code 1 strata down >out 2>err &&
	test_grep "0004_p_q is recorded as failed: .*run .strata mark 0004 --applied., or undo it by hand and run .strata mark 0004 --pending., then roll back" err &&
	test_grep ! "applied|--pending" err
'

test_expect_success 'an out-of-order migration: the hinted up --allow-out-of-order is right' '
	three_applied &&
	strata down --to 0001 >out &&
	mv migrations/0002_create_b.sql b.sql &&
	strata up >out &&
	mv b.sql migrations/0002_create_b.sql &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "apply it with .strata up --allow-out-of-order. (with every pending migration)" err &&
	$(hint_cmd) >out &&
	clean &&
	has_table b
'

test_expect_success 'an out-of-order migration: the hinted up VERSION --allow-out-of-order is right too' '
	three_applied &&
	strata down --to 0001 >out &&
	mv migrations/0002_create_b.sql b.sql &&
	strata up >out &&
	mv b.sql migrations/0002_create_b.sql &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "or alone with .strata up 0002 --allow-out-of-order.$" err &&
	$(grep -o "'"'"'strata [^'"'"']*'"'"'" err | sed -n 2p | tr -d "'"'"'") >out &&
	clean &&
	has_table b
'

test_expect_success 'a statement that cannot run in a transaction: the hinted marker works' '
	rm -rf migrations &&
	mkdir migrations &&
	mig 0001_create_a "CREATE TABLE a (id INTEGER);" "DROP TABLE a;" &&
	use_fresh_db &&
	strata up >out &&
	if test_have_engine postgres
	then
		stmt="CREATE INDEX CONCURRENTLY a_id ON a (id);"
	else
		stmt="VACUUM;"
	fi &&
	printf -- "-- migrate:up\n%s\n" "$stmt" >migrations/0002_no_tx.sql &&
	test_expect_code 2 strata up >out 2>err &&
	test_grep "mark the section .-- migrate:up transaction:false.$" err &&
	printf -- "-- migrate:up transaction:false\n%s\n" "$stmt" >migrations/0002_no_tx.sql &&
	strata up >out &&
	clean
'

test_expect_success 'down VERSION: the hint says what --to does, and it does that' '
	three_applied &&
	test_expect_code 2 strata down 0002 >out 2>err &&
	test_grep "down --to 0002. rolls back every migration newer than 0002 and keeps it" err &&
	strata down --to 0002 >out &&
	strata status >out &&
	test_grep "^0002 .*applied" out &&
	test_grep "^0003 .*pending" out
'

# Exit statuses after a commit: 1 says "the database is unchanged", so a
# command that committed and then could not write its output exits 4.

committed_note() {
	test_grep "^strata: error: cannot write the output; the change to the database was committed$" err
}

test_expect_success 'up >/dev/full: committed, exit 4, and stderr says so' '
	rm -rf migrations &&
	mkdir migrations &&
	mig 0001_create_a "CREATE TABLE a (id INTEGER);" "DROP TABLE a;" &&
	use_fresh_db &&
	test_expect_code 4 strata up >/dev/full 2>err &&
	committed_note &&
	has_table a &&
	clean
'

test_expect_success 'a run that changed nothing and cannot write: exit 1' '
	before=$(db_checksum) &&
	test_expect_code 1 strata up >/dev/full 2>err &&
	test_grep "^strata: error: cannot write the output$" err &&
	test_expect_code 1 strata down --dry-run >/dev/full 2>err &&
	test_grep ! committed err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'down >/dev/full: exit 4' '
	test_expect_code 4 strata down >/dev/full 2>err &&
	committed_note &&
	! has_table a
'

test_expect_success '--json up, redo, baseline, mark >/dev/full: exit 4' '
	test_expect_code 4 strata --json up >/dev/full 2>err &&
	committed_note &&
	test_expect_code 4 strata redo >/dev/full 2>err &&
	committed_note &&
	test_expect_code 4 strata mark 0001 --pending >/dev/full 2>err &&
	committed_note &&
	test_expect_code 4 strata baseline 0001 >/dev/full 2>err &&
	committed_note &&
	clean
'

test_expect_success 'a refused up >/dev/full still exits 1' '
	mig 0001_create_a "CREATE TABLE a (id INTEGER, b TEXT);" "DROP TABLE a;" &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >/dev/full 2>err &&
	test_grep ! committed err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'up whose --dump-schema cannot be written: exit 4' '
	rm -rf migrations &&
	mkdir migrations &&
	mig 0001_create_a "CREATE TABLE a (id INTEGER);" "DROP TABLE a;" &&
	use_fresh_db &&
	test_expect_code 4 strata up --dump-schema no/such/dir/schema.sql >out 2>err &&
	test_grep "the change to the database was committed" err &&
	has_table a
'

test_expect_success 'push >/dev/full: exit 4' '
	use_fresh_db &&
	echo "CREATE TABLE pushed (id INTEGER);" >schema.sql &&
	test_expect_code 4 strata push >/dev/full 2>err &&
	committed_note &&
	has_table pushed
'

test_done
