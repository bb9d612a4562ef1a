#!/bin/bash

test_description='SQLite backups, snapshots and restores

Before up, down, reset and refresh change a SQLite database, strata copies
it with the online backup API into .strata-backups/ beside it (mode 0600,
the state before the run, the last 5 kept). backup --name takes snapshots
that are never pruned, backups lists them, restore puts one back through
the backup API after saving the current state. A full disk or a read-only
file or folder is a clear error that leaves the database as it was.'

test_engines=sqlite
. "$(dirname "$0")/test-lib.sh"

BK=$TRASH/.strata-backups

start_with() {
	rm -rf migrations &&
	cp -R "$FIXTURES/migrations/$1" migrations &&
	use_fresh_db
}

db_file() {
	printf '%s\n' "${DATABASE_URL#sqlite:}"
}

# The name backups of the current database start with: its whole file name.
stem() {
	basename "$(db_file)"
}

# auto_backups: the current database's automatic backups, by name.
auto_backups() {
	local s
	s=$(stem) || return 1
	ls "$BK" 2>/dev/null | grep -E "^$s-[0-9]{8}T[0-9]{6}\.[0-9]{3}Z(-[0-9]+)?\.db\$" | LC_ALL=C sort
	return 0
}

# backup_of OUT: the path on the "backup: PATH" line of a run's output.
backup_of() {
	sed -n 's/^backup: //p' "$1"
}

# dump FILE: a database's content, schema and rows, as SQL.
dump() {
	sqlite3 -batch -bail -init /dev/null "$1" .dump
}

# json_get FILE PATH: one value of a JSON document, read by SQLite's JSON1
# (no jq needed); json_len FILE PATH: the length of an array in it.
json_get() {
	sqlite3 -batch -init /dev/null :memory: "SELECT json_extract(readfile('$1'), '$2')"
}
json_len() {
	sqlite3 -batch -init /dev/null :memory: "SELECT json_array_length(readfile('$1'), '$2')"
}

# json_named FILE: name|named|bytes>0|path right, of each named snapshot
# in the output of backups --json.
json_named() {
	sqlite3 -batch -init /dev/null :memory: "SELECT json_extract(value, '\$.name'),
		json_extract(value, '\$.named'), json_extract(value, '\$.bytes') > 0,
		json_extract(value, '\$.path') = '$BK/' || json_extract(value, '\$.name')
		FROM json_each(readfile('$1'), '\$.backups') WHERE json_extract(value, '\$.named')"
}

# made_backup OUT: the path that `strata backup` printed.
made_backup() {
	sed -n 's/^\(backup\|snapshot\): \([^ ]*\).*/\2/p' "$1"
}

# seven: a directory of seven one-table migrations.
make_seven() {
	rm -rf seven && mkdir seven &&
	for i in 1 2 3 4 5 6 7
	do
		printf -- "-- migrate:up\nCREATE TABLE t$i (x INTEGER);\n-- migrate:down\nDROP TABLE t$i;\n" \
			>"seven/000${i}_t$i.sql" || return 1
	done
}

users_rows() {
	db_sql <<-\EOF
	INSERT INTO users (id, email, name) VALUES (1, 'a@example.com', 'Ann');
	INSERT INTO users (id, email, name) VALUES (2, 'b@example.com', 'Bob');
	EOF
}

# Can we mount a tmpfs (root in a VM or a privileged container)?
mkdir "$TEST_TMP/probe" &&
if mount -t tmpfs -o size=64k tmpfs "$TEST_TMP/probe" 2>/dev/null; then
	umount "$TEST_TMP/probe" && test_set_prereq TMPFS
fi
# Does this filesystem know the immutable attribute (chattr +i)?
: >"$TEST_TMP/probe-attr" &&
if chattr +i "$TEST_TMP/probe-attr" 2>/dev/null; then
	chattr -i "$TEST_TMP/probe-attr" && test_set_prereq CHATTR
fi
test_have_prereq TMPFS ||
	say_ "# note: cannot mount a tmpfs here: the disk-full test uses RLIMIT_FSIZE only, the read-only mount test is skipped"
test_have_prereq CHATTR ||
	say_ "# note: chattr +i is not supported here: the immutable file and folder tests are skipped"

# ---------------------------------------------------------------------------
# automatic backups

test_expect_success 'up backs up the database before changing it' '
	start_with basic &&
	sqlite3 -init /dev/null "$(db_file)" "PRAGMA user_version = 1" &&
	strata up --steps 2 >out &&
	first=$(backup_of out) &&
	test_path_is_file "$first" &&
	dump "$first" >actual &&
	sqlite3 -init /dev/null :memory: .dump >expect &&
	test_cmp expect actual &&
	users_rows &&
	dump "$(db_file)" >before &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	bk=$(backup_of out) &&
	test_path_is_file "$bk" &&
	case "$bk" in "$BK/$(stem)-"*Z.db) ;; *) false ;; esac &&
	dump "$bk" >actual &&
	test_cmp before actual
'

test_expect_success '... as a file only its owner can read, in a folder only its owner can enter' '
	test "$(stat -c %a "$bk")" = 600 &&
	test "$(stat -c %a "$BK")" = 700
'

test_expect_success '... mode 0600 whatever the umask, never wider, never narrower' '
	(umask 000 && strata backup --name open_umask) &&
	test "$(stat -c %a "$BK/$(stem)--open_umask.db")" = 600 &&
	(umask 0277 && strata backup --name tight_umask) &&
	test "$(stat -c %a "$BK/$(stem)--tight_umask.db")" = 600 &&
	dump "$BK/$(stem)--tight_umask.db" >actual &&
	dump "$(db_file)" >expect &&
	test_cmp expect actual
'

test_expect_success 'down backs up the database before rolling back' '
	dump "$(db_file)" >before &&
	strata down >out &&
	bk=$(backup_of out) &&
	test_path_is_file "$bk" &&
	dump "$bk" >actual &&
	test_cmp before actual &&
	db_tables >actual &&
	printf "posts\nstrata_migrations\nusers\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'the JSON report of a run names its backup' '
	dump "$(db_file)" >before &&
	strata --json up >out &&
	bk=$(json_get out "\$.backup") &&
	test_path_is_file "$bk" &&
	dump "$bk" >actual &&
	test_cmp before actual
'

test_expect_success 'reset and refresh back up too, refresh once for its one run' '
	dump "$(db_file)" >before &&
	strata reset -y >out &&
	bk=$(backup_of out) &&
	dump "$bk" >actual &&
	test_cmp before actual &&
	strata up >out &&
	dump "$(db_file)" >before &&
	auto_backups >old &&
	strata refresh -y >out &&
	auto_backups >new &&
	comm -13 old new >taken &&
	test_line_count = 1 taken &&
	dump "$BK/$(cat taken)" >actual &&
	test_cmp before actual
'

test_expect_success 'no backup when nothing changes: nothing pending, --dry-run, --check' '
	auto_backups >old &&
	strata up >out &&
	strata up --dry-run >out &&
	strata down --dry-run >out &&
	strata up --check >out &&
	auto_backups >new &&
	test_cmp old new
'

test_expect_success '--no-backup takes none' '
	auto_backups >old &&
	strata down --no-backup >out &&
	strata up --no-backup >out &&
	test_grep ! "^backup:" out &&
	auto_backups >new &&
	test_cmp old new
'

test_expect_success 'an in-memory database is migrated without a backup' '
	strata -u "sqlite::memory:" up >out 2>err &&
	test_grep "4 migrations applied" out &&
	test_grep ! "^backup:" out &&
	test_must_be_empty err
'

# ---------------------------------------------------------------------------
# retention

test_expect_success 'up takes no backup of a new, empty database (a backup would hold nothing)' '
	start_with basic &&
	strata up --steps 1 >out &&
	test -z "$(backup_of out)" &&
	test -z "$(auto_backups)" &&
	strata up --steps 1 >out &&
	test_path_is_file "$(backup_of out)"
'

test_expect_success 'the last 5 automatic backups are kept' '
	make_seven &&
	use_fresh_db &&
	sqlite3 -init /dev/null "$(db_file)" "PRAGMA user_version = 1" &&
	for i in 1 2 3 4 5 6 7
	do
		strata -d seven up --steps 1 >out &&
		backup_of out >>taken.paths || return 1
	done &&
	test_line_count = 7 taken.paths &&
	sort -u taken.paths >distinct &&
	test_line_count = 7 distinct &&
	tail -n 5 taken.paths | xargs -n 1 basename | LC_ALL=C sort >expect &&
	auto_backups >actual &&
	test_cmp expect actual
'

test_expect_success '--keep 2 keeps two' '
	strata --keep 2 -d seven down --steps 1 >out &&
	bk=$(backup_of out) &&
	auto_backups >actual &&
	test_line_count = 2 actual &&
	test_grep "$(basename "$bk")" actual
'

test_expect_success 'a named snapshot is never pruned' '
	strata backup --name before_release >out &&
	snap="$BK/$(stem)--before_release.db" &&
	test_grep "$snap" out &&
	for i in 1 2 3
	do
		strata --keep 1 -d seven up --steps 1 >out &&
		strata --keep 1 -d seven down --steps 1 >out || return 1
	done &&
	test_path_is_file "$snap" &&
	auto_backups >actual &&
	test_line_count = 1 actual
'

test_expect_success 'backup without --name is an automatic backup, pruned as the others' '
	strata --keep 1 backup >out &&
	bk=$(made_backup out) &&
	test_path_is_file "$bk" &&
	auto_backups >actual &&
	echo "$(basename "$bk")" >expect &&
	test_cmp expect actual
'

test_expect_success 'backup --name refuses a bad name and an existing one' '
	ls -A "$BK" >before &&
	test_expect_code 2 strata backup --name "../escape" 2>err &&
	test_grep "not a backup name" err &&
	test_expect_code 2 strata backup --name "-dash" 2>err &&
	test_expect_code 2 strata backup --name "a.b" 2>err &&
	test_expect_code 2 strata backup --name before_release 2>err &&
	test_grep "already exists" err &&
	ls -A "$BK" >after &&
	test_cmp before after
'

test_expect_success 'a temporary file left by a killed backup is swept by the next one' '
	dead=$(sh -c "echo \$\$") &&
	: >"$BK/.tmp-$dead-$(stem)-20200101T000000.000Z.db" &&
	: >"$BK/.tmp-$$-mine-20200101T000000.000Z.db" &&
	strata backup >out &&
	test_path_is_missing "$BK/.tmp-$dead-$(stem)-20200101T000000.000Z.db" &&
	test_path_is_file "$BK/.tmp-$$-mine-20200101T000000.000Z.db" &&
	rm "$BK/.tmp-$$-mine-20200101T000000.000Z.db"
'

# ---------------------------------------------------------------------------
# listing

test_expect_success 'backups lists name, time and size, oldest first' '
	strata backups >out &&
	head -n 1 out >header &&
	test_grep "NAME" header &&
	test_grep "CREATED (UTC)" header &&
	test_grep "SIZE" header &&
	test_grep -E "^$(stem)--before_release\.db +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} +[0-9.]+ [KMG]?i?B +named$" out &&
	for f in $(auto_backups)
	do
		test_grep -E "^$f +[0-9-]{10} [0-9:]{8} +[0-9.]+ [KMG]?i?B +automatic$" out || return 1
	done &&
	sed 1d out | awk "{print \$2\" \"\$3}" >times &&
	LC_ALL=C sort times >sorted &&
	test_cmp sorted times
'

test_expect_success 'backups --json' '
	strata --json backups >out &&
	test "$(json_get out "\$.command")" = backups &&
	test "$(json_len out "\$.backups")" = "$(ls "$BK" | grep -c "^$(stem)-")" &&
	json_named out >actual &&
	echo "$(stem)--before_release.db|1|1|1" >expect &&
	test_cmp expect actual
'

test_expect_success 'backups of a database that has none' '
	other=$(fresh_db) &&
	strata -u "$other" backups >out &&
	test_grep "no backups of" out &&
	strata -u "$other" --json backups >out &&
	test "$(json_len out "\$.backups")" = 0
'

# ---------------------------------------------------------------------------
# restore

test_expect_success 'restore NAME puts a snapshot back, after backing up the current state' '
	start_with basic &&
	strata up >out &&
	users_rows &&
	dump "$(db_file)" >state_a &&
	strata backup --name state_a >out &&
	db_sql "INSERT INTO tags (id, name) VALUES (3, '\''later'\''); DELETE FROM users WHERE id = 2; CREATE TABLE extra (x INTEGER)" &&
	dump "$(db_file)" >state_b &&
	! test_cmp state_a state_b >/dev/null &&
	auto_backups >old &&
	strata restore state_a >out 2>err &&
	dump "$(db_file)" >actual &&
	test_cmp state_a actual &&
	auto_backups >new &&
	comm -13 old new >taken &&
	test_line_count = 1 taken &&
	undo=$(cat taken) &&
	test_grep "undo: strata restore $undo" out &&
	dump "$BK/$undo" >actual &&
	test_cmp state_b actual &&
	test "$(stat -c %a "$BK/$undo")" = 600
'

test_expect_success '... and the restore can itself be undone' '
	strata restore "$undo" >out &&
	dump "$(db_file)" >actual &&
	test_cmp state_b actual &&
	db_sql "PRAGMA integrity_check" >actual &&
	echo ok >expect &&
	test_cmp expect actual
'

test_expect_success 'restore and restore latest take the newest backup' '
	strata backup >out &&
	dump "$(db_file)" >expect &&
	db_sql "DELETE FROM tags" &&
	strata restore >out &&
	dump "$(db_file)" >actual &&
	test_cmp expect actual &&
	db_sql "DELETE FROM tags" &&
	strata restore latest >out &&
	test_grep "^restored .* from $BK/" out &&
	db_sql "SELECT count(*) FROM tags" >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_expect_success 'restore takes a file name as backups lists it, with or without .db' '
	strata backup --name by_file >out &&
	dump "$(db_file)" >expect &&
	db_sql "DROP TABLE extra" &&
	strata restore "$(stem)--by_file.db" >out &&
	dump "$(db_file)" >actual &&
	test_cmp expect actual &&
	db_sql "DROP TABLE extra" &&
	strata restore "$(stem)--by_file" >out &&
	dump "$(db_file)" >actual &&
	test_cmp expect actual
'

test_expect_success 'restore --json' '
	strata --json restore by_file >out &&
	test "$(json_get out "\$.command")" = restore &&
	test "$(json_get out "\$.restored")" = by_file &&
	test_path_is_file "$(json_get out "\$.undo_backup")"
'

test_expect_success 'restore of an unknown backup fails and changes nothing' '
	before=$(db_checksum) &&
	ls -A "$BK" >old &&
	test_expect_code 1 strata restore no_such_backup 2>err &&
	test_grep "no backup named .no_such_backup." err &&
	test "$(db_checksum)" = "$before" &&
	ls -A "$BK" >new &&
	test_cmp old new
'

test_expect_success 'restore refuses a file that is not a database before anything is done' '
	echo "this is not a database, not even close; it is long enough to fill a header." >"$BK/$(stem)--junk.db" &&
	before=$(db_checksum) &&
	ls -A "$BK" >old &&
	test_expect_code 2 strata restore junk 2>err &&
	test_grep "not a SQLite backup" err &&
	test "$(db_checksum)" = "$before" &&
	ls -A "$BK" >new &&
	test_cmp old new &&
	rm "$BK/$(stem)--junk.db"
'

test_expect_success 'restore waits for a reader in another process and corrupts nothing' '
	start_with basic &&
	strata up >out &&
	users_rows &&
	strata backup --name two_users >out &&
	db_sql "INSERT INTO users (id, email, name) VALUES (3, '\''c@example.com'\'', '\''Cy'\'')" &&
	# a second process with the database open for the whole test, and
	# a third in the middle of a long read when the restore starts
	mkfifo held.in &&
	{ sqlite3 -batch -init /dev/null "$(db_file)" <held.in >held.out 2>&1 & } &&
	held=$! &&
	exec 6>held.in &&
	test_when_finished "exec 6>&-; kill $held 2>/dev/null; :" &&
	echo "SELECT count(*) FROM users;" >&6 &&
	{ sqlite3 -batch -init /dev/null "$(db_file)" "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*), (SELECT count(*) FROM users) FROM c" >long.out 2>&1 & } &&
	long=$! &&
	sleep 0.3 &&
	strata restore two_users >out 2>err &&
	wait $long &&
	cat err &&
	# the long read saw one state, before or after, never a mix
	test_grep -E "^3000000\|(2|3)$" long.out &&
	echo "SELECT count(*) FROM users; PRAGMA integrity_check;" >&6 &&
	exec 6>&- &&
	wait $held &&
	printf "3\n2\nok\n" >expect &&
	test_cmp expect held.out &&
	db_sql "PRAGMA integrity_check; SELECT count(*) FROM users" >actual &&
	printf "ok\n2\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'restore into a WAL database while a reader holds a snapshot' '
	start_with basic &&
	db_sql "PRAGMA journal_mode = WAL" >out &&
	strata up >out &&
	users_rows &&
	strata backup --name wal_two >out &&
	db_sql "INSERT INTO users (id, email, name) VALUES (3, '\''c@example.com'\'', '\''Cy'\'')" &&
	rm -f held.in && mkfifo held.in &&
	{ sqlite3 -batch -init /dev/null "$(db_file)" <held.in >held.out 2>&1 & } &&
	held=$! &&
	exec 6>held.in &&
	test_when_finished "exec 6>&-; kill $held 2>/dev/null; :" &&
	echo "BEGIN; SELECT count(*) FROM users;" >&6 &&
	sleep 0.2 &&
	strata restore wal_two >out 2>err &&
	test_grep ! waiting err &&
	echo "SELECT count(*) FROM users; COMMIT; SELECT count(*) FROM users; PRAGMA integrity_check;" >&6 &&
	exec 6>&- &&
	wait $held &&
	printf "3\n3\n2\nok\n" >expect &&
	test_cmp expect held.out &&
	db_sql "PRAGMA journal_mode; PRAGMA integrity_check; SELECT count(*) FROM users" >actual &&
	printf "wal\nok\n2\n" >expect &&
	test_cmp expect actual
'

test_expect_success 'a WAL database is backed up consistently while another process writes' '
	use_fresh_db &&
	db_sql "PRAGMA journal_mode = WAL; CREATE TABLE log (id INTEGER PRIMARY KEY, v BLOB)" >out &&
	rm -rf one && mkdir one &&
	printf -- "-- migrate:up\nCREATE TABLE one (x INTEGER);\n-- migrate:down\nDROP TABLE one;\n" >one/0001_one.sql &&
	db_sql "CREATE TABLE counter (n INTEGER); INSERT INTO counter VALUES (0)" &&
	# 1000 transactions, each a row and the counter: a backup that mixed
	# two states would disagree with itself. Each spins a little, so the
	# writer is still busy while the backups run, fast disk or not.
	{
		echo "PRAGMA synchronous = NORMAL;" &&
		for i in $(seq 1 1000)
		do
			echo "BEGIN; WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) INSERT INTO log (v) SELECT randomblob(300) FROM c WHERE x = 3000; UPDATE counter SET n = n + 1; COMMIT;"
		done
	} >writes.sql &&
	{ sqlite3 -batch -init /dev/null -cmd ".timeout 20000" "$(db_file)" <writes.sql >writer.out 2>&1 & } &&
	writer=$! &&
	sleep 0.1 &&
	: >taken &&
	for i in 1 2 3 4
	do
		strata backup >out &&
		made_backup out >>taken || return 1
	done &&
	strata -d one up >out &&
	backup_of out >>taken &&
	wait $writer &&
	test_must_be_empty writer.out &&
	test_line_count = 5 taken &&
	while read -r bk
	do
		# each is one state: the rows 1..N with none missing
		sqlite3 -batch -init /dev/null "$bk" "PRAGMA integrity_check; SELECT (SELECT count(*) FROM log) = n, count(*) = coalesce(max(id), 0) FROM log, counter; PRAGMA journal_mode" >actual &&
		printf "ok\n1|1\ndelete\n" >expect &&
		test_cmp expect actual || return 1
	done <taken &&
	# the automatic one holds nothing of the run it was taken for
	test "$(sqlite3 -init /dev/null "$(tail -n 1 taken)" "SELECT count(*) FROM sqlite_schema WHERE name IN ('\''one'\'', '\''strata_migrations'\'')")" = 0 &&
	ls -A "$BK" >files &&
	test_grep ! -e "-wal\$" -e "-shm\$" -e "-journal\$" files &&
	db_sql "SELECT count(*), n FROM log, counter" >actual &&
	echo "1000|1000" >expect &&
	test_cmp expect actual
'

test_expect_success 'progress is shown for a database over 64 MiB' '
	use_fresh_db &&
	db_sql "CREATE TABLE big (b BLOB); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 70000) INSERT INTO big SELECT randomblob(1000) FROM c" &&
	strata backup >out 2>err &&
	test_grep -E "^strata: backup of .*: 6[0-9] MiB$" err &&
	strata restore latest >out 2>err &&
	test_grep -E "^strata: restore of .*: 6[0-9] MiB$" err &&
	rm -f "$BK/$(stem)"-*
'

# ---------------------------------------------------------------------------
# a full disk

# fill_db FILE KB: a database of about KB kilobytes.
fill_db() {
	sqlite3 -batch -init /dev/null "$1" "CREATE TABLE big (b BLOB); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $2) INSERT INTO big SELECT randomblob(1000) FROM c"
}

test_expect_success TMPFS 'a disk that fills up during the backup: clear error, no partial backup, database untouched' '
	mkdir full &&
	mount -t tmpfs -o size=1m tmpfs full &&
	test_when_finished "umount \"$TRASH/full\"" &&
	fill_db full/f.db 300 &&
	head -c 450000 /dev/zero >full/filler &&
	rm -rf one && mkdir one &&
	printf -- "-- migrate:up\nCREATE TABLE one (x INTEGER);\n-- migrate:down\nDROP TABLE one;\n" >one/0001_one.sql &&
	url="sqlite:$TRASH/full/f.db" &&
	before=$(db_checksum -u "$url") &&
	test_expect_code 1 strata -u "$url" -d one up >out 2>err &&
	test_grep "full" err &&
	test_grep "incomplete backup was removed" err &&
	ls -A full/.strata-backups >left &&
	test_must_be_empty left &&
	test "$(db_checksum -u "$url")" = "$before" &&
	test_expect_code 1 strata -u "$url" backup --name snap 2>err &&
	test_grep "full" err &&
	ls -A full/.strata-backups >left &&
	test_must_be_empty left &&
	rm full/filler &&
	strata -u "$url" -d one up >out &&
	test_path_is_file "$(backup_of out)"
'

test_expect_success 'a file size limit (RLIMIT_FSIZE) during the backup: the same' '
	rm -rf lim && mkdir lim &&
	fill_db lim/f.db 400 &&
	rm -rf one && mkdir one &&
	printf -- "-- migrate:up\nCREATE TABLE one (x INTEGER);\n-- migrate:down\nDROP TABLE one;\n" >one/0001_one.sql &&
	url="sqlite:$TRASH/lim/f.db" &&
	before=$(db_checksum -u "$url") &&
	(trap "" XFSZ && ulimit -f 200 && strata -u "$url" -d one up >out 2>err; echo $? >code) &&
	echo 1 >expect &&
	test_cmp expect code &&
	test_grep -i "too large\|full" err &&
	ls -A lim/.strata-backups >left &&
	test_must_be_empty left &&
	test "$(db_checksum -u "$url")" = "$before"
'

# ---------------------------------------------------------------------------
# read-only databases and folders

test_expect_success TMPFS 'a database on a read-only mount: a clear error before anything is done' '
	mkdir ro &&
	mount -t tmpfs -o size=2m tmpfs ro &&
	test_when_finished "umount \"$TRASH/ro\"" &&
	sqlite3 -init /dev/null ro/r.db "CREATE TABLE keep (x INTEGER); INSERT INTO keep VALUES (1)" &&
	mount -o remount,ro "$TRASH/ro" &&
	url="sqlite:$TRASH/ro/r.db" &&
	before=$(db_checksum -u "$url") &&
	cp -R "$FIXTURES/migrations/basic" migrations.ro &&
	test_expect_code 2 strata -u "$url" -d migrations.ro up >out 2>err &&
	test_grep "read-only" err &&
	test "$(db_checksum -u "$url")" = "$before" &&
	test_path_is_missing ro/.strata-backups &&
	test_expect_code 2 strata -u "$url" backup 2>err &&
	test_grep "read-only\|cannot create" err
'

test_expect_success CHATTR 'an immutable database file: a clear error before anything is done' '
	rm -rf imm && mkdir imm &&
	sqlite3 -init /dev/null imm/r.db "CREATE TABLE keep (x INTEGER); INSERT INTO keep VALUES (1)" &&
	chattr +i imm/r.db &&
	test_when_finished "chattr -i \"$TRASH/imm/r.db\"" &&
	url="sqlite:$TRASH/imm/r.db" &&
	before=$(db_checksum -u "$url") &&
	test_expect_code 2 strata -u "$url" -d "$FIXTURES/migrations/basic" up >out 2>err &&
	test_grep "read-only" err &&
	test "$(db_checksum -u "$url")" = "$before" &&
	test_path_is_missing imm/.strata-backups
'

test_expect_success CHATTR 'a database in an immutable folder: a clear error before anything is done' '
	rm -rf immdir && mkdir immdir &&
	url="sqlite:$TRASH/immdir/r.db" &&
	strata -u "$url" -d "$FIXTURES/migrations/basic" up --steps 1 --no-backup >out &&
	db_sql -u "$url" "INSERT INTO users (id, email, name) VALUES (1, '\''a@example.com'\'', '\''Ann'\'')" &&
	chattr +i immdir &&
	test_when_finished "chattr -i \"$TRASH/immdir\"" &&
	before=$(db_checksum -u "$url") &&
	test_expect_code 2 strata -u "$url" -d "$FIXTURES/migrations/basic" up >out 2>err &&
	test_grep "read-only" err &&
	test_grep "immdir" err &&
	test "$(db_checksum -u "$url")" = "$before" &&
	test_path_is_missing immdir/.strata-backups
'

# The runner's read-only check looks at the file only: on a database
# without its tracking table yet (or with --no-backup), the first write
# fails instead, with SQLite's "unable to open database file" and exit 1.
test_expect_success CHATTR 'a new database in an immutable folder: the same clear error' '
	rm -rf immdir2 && mkdir immdir2 &&
	sqlite3 -init /dev/null immdir2/r.db "CREATE TABLE keep (x INTEGER); INSERT INTO keep VALUES (1)" &&
	chattr +i immdir2 &&
	test_when_finished "chattr -i \"$TRASH/immdir2\"" &&
	url="sqlite:$TRASH/immdir2/r.db" &&
	test_expect_code 2 strata -u "$url" -d "$FIXTURES/migrations/basic" up 2>err &&
	test_grep "read-only" err &&
	test_expect_code 2 strata -u "$url" -d "$FIXTURES/migrations/basic" up --no-backup 2>err &&
	test_grep "read-only" err
'

test_expect_success SANITY 'a database in a folder without write permission (not root)' '
	rm -rf rodir && mkdir rodir &&
	sqlite3 -init /dev/null rodir/r.db "CREATE TABLE keep (x INTEGER)" &&
	chmod a-w rodir &&
	test_when_finished "chmod u+w \"$TRASH/rodir\"" &&
	url="sqlite:$TRASH/rodir/r.db" &&
	before=$(db_checksum -u "$url") &&
	test_expect_code 2 strata -u "$url" -d "$FIXTURES/migrations/basic" up 2>err &&
	test_grep "read-only" err &&
	test "$(db_checksum -u "$url")" = "$before"
'

# ---------------------------------------------------------------------------
# what backups are not for

test_expect_success 'backup, backups and restore refuse PostgreSQL, pointing to pg_dump' '
	for cmd in backup backups restore
	do
		test_expect_code 2 strata -u postgres://nobody@127.0.0.1:1/none $cmd 2>err &&
		echo "strata: error: backups are for SQLite databases; use pg_dump for PostgreSQL" >expect &&
		test_cmp expect err || return 1
	done
'

test_expect_success 'an in-memory database cannot be backed up' '
	test_expect_code 1 strata -u "sqlite::memory:" backup 2>err &&
	test_grep "in-memory" err
'

test_expect_success 'the SYNOPSIS in docs/strata-backup.md is the usage of each command' '
	sed -n "/^## SYNOPSIS/,/^## /p" "$SRCDIR/docs/strata-backup.md" | grep "^strata " >expect &&
	for cmd in backup backups restore
	do
		strata $cmd -h | sed -n "s/^usage: //p" || return 1
	done >actual &&
	test_cmp expect actual
'

test_expect_success 'the EXAMPLES in docs/strata-backup.md run' '
	start_with basic &&
	strata up >out &&
	sed -n "/^## EXAMPLES/,/^## /p" "$SRCDIR/docs/strata-backup.md" | grep "^strata " >examples &&
	test_line_count -gt 3 examples &&
	while read -r line
	do
		eval "$line" >out 2>err || { cat err; return 1; }
	done <examples &&
	db_sql "PRAGMA integrity_check" >actual &&
	echo ok >expect &&
	test_cmp expect actual
'

test_expect_success 'reset --hard backs up the database before deleting it' '
	start_with basic &&
	strata up >out &&
	users_rows &&
	dump "$(db_file)" >before &&
	auto_backups >old &&
	strata reset --hard -y >out &&
	auto_backups >new &&
	comm -13 old new >taken &&
	test_line_count = 1 taken &&
	dump "$BK/$(cat taken)" >actual &&
	test_cmp before actual &&
	db_sql "SELECT count(*) FROM users" >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_done
