#!/bin/bash

test_description='the backups folder is input others may have touched

Backups of "app" and "app.db" beside each other never share a name, and
neither restores nor prunes the other'\''s. The folder is made 0700 and
refused when it is a symlink, not ours, or writable by group or others; no
symlink in it is followed. "latest" is the newest backup strata recorded
in its index, never a planted file; restore takes only whole SQLite files
and never the database itself; restore and prune are serialised.'

test_engines=sqlite
. "$(dirname "$0")/test-lib.sh"

BK=$TRASH/.strata-backups

one_table() {
	rm -rf migrations && mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE t (x INTEGER);\n-- migrate:down\nDROP TABLE t;\n" \
		>migrations/0001_t.sql
}

# (Each database starts with a page: up takes no backup of an empty one,
# and these tests are about the backups up takes.)
fresh() {
	rm -rf "$BK" app app.db one.db &&
	for f in app app.db one.db; do
		sqlite3 -batch -init /dev/null $f "PRAGMA user_version = 1" || return 1
	done &&
	one_table
}

tables() {
	sqlite3 -batch -init /dev/null "$1" "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY 1" | tr '\n' ' '
}

test_expect_success 'app and app.db in one folder: backups do not share names' '
	fresh &&
	strata -u sqlite:app.db up >out &&
	strata -u sqlite:app up >out &&
	sqlite3 app.db "CREATE TABLE only_in_app_db (x)" &&
	sqlite3 app "CREATE TABLE only_in_app (x)" &&
	strata -u sqlite:app.db backup >out &&
	strata -u sqlite:app backup >out &&
	ls "$BK" | grep "^app\.db-" >db_files &&
	ls "$BK" | grep "^app-" >plain_files &&
	test_line_count = 2 db_files &&
	test_line_count = 2 plain_files &&
	strata -u sqlite:app backups >out &&
	test_grep ! "app\.db-" out &&
	strata -u sqlite:app.db backups >out &&
	test_grep ! "^app-" out
'

test_expect_success '... restore latest of app restores app'\''s own backup' '
	sqlite3 app "DROP TABLE only_in_app" &&
	strata -u sqlite:app restore latest >out &&
	test_grep "from .*/app-" out &&
	test "$(tables app)" = "only_in_app strata_migrations t " &&
	strata -u sqlite:app.db restore latest >out &&
	test "$(tables app.db)" = "only_in_app_db strata_migrations t "
'

test_expect_success '... and pruning one never deletes the other'\''s' '
	ls "$BK" | grep "^app\.db-" | sort >before &&
	for i in 1 2 3 4; do strata -u sqlite:app --keep 1 backup >out || return 1; done &&
	ls "$BK" | grep "^app\.db-" | sort >after &&
	test_cmp before after &&
	ls "$BK" | grep -c "^app-" >n &&
	echo 1 >expect &&
	test_cmp expect n
'

test_expect_success 'the backup folder is created 0700 whatever the umask' '
	fresh &&
	(umask 000 && strata -u sqlite:one.db up >out) &&
	test "$(stat -c %a "$BK")" = 700 &&
	test "$(stat -c %a "$BK/index")" = 600
'

test_expect_success 'a folder writable by others is refused: up changes nothing, backup and restore refuse' '
	fresh &&
	strata -u sqlite:one.db up >out &&
	printf -- "-- migrate:up\nCREATE TABLE t2 (x INTEGER);\n-- migrate:down\nDROP TABLE t2;\n" \
		>migrations/0002_t2.sql &&
	chmod 0777 "$BK" &&
	before=$(db_checksum -u sqlite:one.db) &&
	test_expect_code 1 strata -u sqlite:one.db up >out 2>err &&
	test_line_count = 1 err &&
	test_grep "writable by everyone (mode 0777).*chmod go-w" err &&
	test "$(db_checksum -u sqlite:one.db)" = "$before" &&
	test_expect_code 1 strata -u sqlite:one.db backup >out 2>err &&
	test_expect_code 1 strata -u sqlite:one.db restore latest >out 2>err &&
	test_grep "does not trust it" err &&
	test "$(db_checksum -u sqlite:one.db)" = "$before" &&
	chmod 0770 "$BK" &&
	test_expect_code 1 strata -u sqlite:one.db backups >out 2>err &&
	test_grep "writable by its group" err &&
	chmod 0700 "$BK" &&
	strata -u sqlite:one.db up >out &&
	test_grep "0002_t2" out
'

test_expect_success 'a backup folder that is a symlink is refused' '
	fresh &&
	mkdir elsewhere && chmod 700 elsewhere &&
	ln -s elsewhere "$BK" &&
	test_when_finished "rm -rf elsewhere \"$BK\"" &&
	test_expect_code 1 strata -u sqlite:one.db up >out 2>err &&
	test_grep "is a symbolic link" err &&
	test_path_is_missing one.db-journal &&
	ls elsewhere >list &&
	test_must_be_empty list
'

if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1
then
	test_set_prereq ROOT
fi

test_expect_success ROOT 'a backup folder owned by another user is refused' '
	fresh &&
	strata -u sqlite:one.db up >out &&
	chown nobody "$BK" &&
	test_expect_code 1 strata -u sqlite:one.db backup >out 2>err &&
	test_grep "belongs to another user" err &&
	chown 0 "$BK"
'

test_expect_success 'a planted file with a future stamp is not "latest"' '
	fresh &&
	strata -u sqlite:one.db up >out &&
	strata -u sqlite:one.db backup >out &&
	sqlite3 one.db "CREATE TABLE planted (x)" &&
	cp one.db "$BK/one.db-29991231T235959.999Z.db" &&
	cp one.db "$BK/one-29991231T235959.999Z.db" &&
	sqlite3 one.db "DROP TABLE planted; CREATE TABLE mine (x)" &&
	strata -u sqlite:one.db restore latest >out &&
	test_grep ! "29991231" out &&
	test "$(tables one.db)" = "strata_migrations t " &&
	test_path_is_file "$BK/one.db-29991231T235959.999Z.db"
'

test_expect_success '... it is never pruned either, but can be restored by name' '
	for i in 1 2 3; do strata -u sqlite:one.db --keep 1 backup >out || return 1; done &&
	test_path_is_file "$BK/one.db-29991231T235959.999Z.db" &&
	strata -u sqlite:one.db restore one.db-29991231T235959.999Z >out &&
	test "$(tables one.db)" = "planted strata_migrations t "
'

test_expect_success 'with only unrecorded files, restore latest says to name one' '
	fresh &&
	strata -u sqlite:one.db up >out &&
	rm "$BK/index" &&
	before=$(db_checksum -u sqlite:one.db) &&
	test_must_fail strata -u sqlite:one.db restore >out 2>err &&
	test_line_count = 1 err &&
	test_grep "is recorded in its index.*name one" err &&
	test "$(db_checksum -u sqlite:one.db)" = "$before"
'

test_expect_success 'a 0-byte file is refused by restore and the database is unchanged' '
	fresh &&
	strata -u sqlite:one.db up >out &&
	: >"$BK/one.db--empty.db" &&
	before=$(db_checksum -u sqlite:one.db) &&
	test_must_fail strata -u sqlite:one.db restore empty >out 2>err &&
	test_line_count = 1 err &&
	test_grep "not a SQLite backup: the file is empty" err &&
	test "$(db_checksum -u sqlite:one.db)" = "$before" &&
	test_must_fail strata -u sqlite:one.db restore "$BK/one.db--empty.db" >out 2>err &&
	test "$(db_checksum -u sqlite:one.db)" = "$before"
'

test_expect_success 'a file cut short, or not a database at all, is refused' '
	head -c 1000 one.db >"$BK/one.db--cut.db" &&
	echo "hello" >"$BK/one.db--text.db" &&
	before=$(db_checksum -u sqlite:one.db) &&
	test_must_fail strata -u sqlite:one.db restore cut >out 2>err &&
	test_grep "not a whole SQLite database" err &&
	test_must_fail strata -u sqlite:one.db restore text >out 2>err &&
	test_grep "not a SQLite backup" err &&
	test "$(db_checksum -u sqlite:one.db)" = "$before"
'

test_expect_success 'a symlink in the folder is not followed by restore' '
	sqlite3 other.db "CREATE TABLE secret (x)" &&
	ln -s ../other.db "$BK/one.db--link.db" &&
	before=$(db_checksum -u sqlite:one.db) &&
	test_must_fail strata -u sqlite:one.db restore link >out 2>err &&
	test_must_fail strata -u sqlite:one.db restore "$BK/one.db--link.db" >out 2>err &&
	test_grep "symbolic link" err &&
	test "$(db_checksum -u sqlite:one.db)" = "$before"
'

test_expect_success 'restore of the database onto itself is refused' '
	before=$(db_checksum -u sqlite:one.db) &&
	test_expect_code 2 strata -u sqlite:one.db restore "$TRASH/one.db" >out 2>err &&
	test_line_count = 1 err &&
	test_grep "onto itself" err &&
	test "$(db_checksum -u sqlite:one.db)" = "$before"
'

test_expect_success 'backups written before names carried .db are still listed and restored by name' '
	fresh &&
	strata -u sqlite:one.db up >out &&
	sqlite3 one.db "CREATE TABLE old_style (x)" &&
	cp one.db "$BK/one-20200101T000000.000Z.db" &&
	sqlite3 one.db "DROP TABLE old_style" &&
	strata -u sqlite:one.db backups >out &&
	test_grep "^one-20200101T000000.000Z.db" out &&
	strata -u sqlite:one.db restore one-20200101T000000.000Z >out &&
	test "$(tables one.db)" = "old_style strata_migrations t "
'

# prune_loop: 50 backups with --keep 1, each pruning the one before.
prune_loop() {
	local i
	for i in $(seq 1 50)
	do
		strata -u sqlite:one.db --keep 1 backup >/dev/null 2>>pruner.err ||
			echo "backup $i failed" >>pruner.err
	done
}

# restore_loop: 50 restores of latest; after each, the database is whole.
restore_loop() {
	local i
	: >restore.err
	for i in $(seq 1 50)
	do
		strata -u sqlite:one.db --keep 1 restore latest >r.out 2>>restore.err ||
			echo "restore $i failed" >>restore.err
		test "$(sqlite3 one.db "PRAGMA integrity_check")" = ok || return 1
		test "$(sqlite3 one.db "SELECT count(*) FROM big")" = 500 || return 1
	done
}

test_expect_success 'restore latest racing the prune of other runs restores a whole file, 50 times' '
	fresh &&
	strata -u sqlite:one.db up >out &&
	sqlite3 one.db "CREATE TABLE big (x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) INSERT INTO big SELECT randomblob(2000) FROM n" &&
	strata -u sqlite:one.db backup >out &&
	{ prune_loop & } &&
	pruner=$! &&
	restore_loop &&
	wait $pruner &&
	test_grep ! "failed\|error" restore.err &&
	test_grep ! "failed\|error" pruner.err
'

test_done
