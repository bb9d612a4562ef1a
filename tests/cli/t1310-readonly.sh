#!/bin/bash

test_description='read-only commands never create a database

A mistyped SQLite path given to status, show, inspect, stats, dump, verify,
diff, generate, backup or backups used to leave a new empty database
behind (and reported on it as if all were well). Only commands that
change the database (up, down, redo, reset, refresh, baseline, mark,
push, restore) and create may make the file; every other one fails with
"no such database file: PATH", exit 1, and creates nothing: no file, no
-journal or -wal, no directory. On PostgreSQL connecting never creates a
database; that stays so.'

. "$(dirname "$0")/test-lib.sh"

# The commands that only read. Each line: the arguments after -u URL.
readonly_cmds() {
	cat <<-\EOF
	status
	status --exit-code
	show
	inspect
	inspect --format json
	stats
	dump
	dump out.sql
	verify
	generate new_one --dry-run
	generate new_one
	backups
	backup
	diff --from migrations --to schema.sql
	EOF
}

setup_dir() {
	rm -rf migrations &&
	mkdir migrations &&
	cat >migrations/0001_t.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE t (id INTEGER PRIMARY KEY);
	-- migrate:down
	DROP TABLE t;
	EOF
	echo "CREATE TABLE t (id INTEGER PRIMARY KEY);" >schema.sql
}

# no_create URL PATH [SHOWN]: every read-only command on URL fails with
# exit 1 and the one-line error naming SHOWN (default: PATH), and PATH (and
# its -journal, -wal, -shm) is still missing afterwards; nothing else
# appears either.
no_create() {
	local url=$1 path=$2 shown=${3:-$2} args
	: >out && : >err && : >after &&
	ls -a >before || return 1
	while read -r args; do
		echo "strata -u $url $args" &&
		test_expect_code 1 strata -u "$url" $args >out 2>err &&
		test_must_be_empty out &&
		test_line_count = 1 err &&
		test_grep -F "strata: error: no such database file: $shown" err &&
		test_path_is_missing "$path" &&
		test_path_is_missing "$path-journal" &&
		test_path_is_missing "$path-wal" &&
		test_path_is_missing "$path-shm" &&
		ls -a >after &&
		test_cmp before after || return 1
	done < <(readonly_cmds)
}

test_expect_success SQLITE 'read-only commands on a missing file fail and create nothing' '
	setup_dir &&
	no_create sqlite:missing.db missing.db
'

test_expect_success SQLITE 'the same with an absolute path and sqlite:///' '
	setup_dir &&
	no_create "sqlite://$TRASH/abs.db" "$TRASH/abs.db"
'

test_expect_success SQLITE 'read-only commands on a missing directory fail and create nothing' '
	setup_dir &&
	no_create sqlite:nodir/x.db nodir nodir/x.db &&
	test_path_is_missing nodir
'

test_expect_success SQLITE 'diff --from a missing SQLite URL creates nothing' '
	setup_dir &&
	test_expect_code 1 strata diff --from sqlite:nope.db --to migrations >out 2>err &&
	test_grep "no such database file" err &&
	test_path_is_missing nope.db &&
	test_expect_code 1 strata diff --from migrations --to sqlite:nope.db >out 2>err &&
	test_grep "no such database file" err &&
	test_path_is_missing nope.db
'

test_expect_success SQLITE 'lint with a SQLite URL takes its rules and opens nothing' '
	setup_dir &&
	strata -u sqlite:lintdb/x.db lint >out 2>err &&
	test_grep "0 errors" out &&
	test_path_is_missing lintdb &&
	strata -u sqlite:lint.db lint migrations/0001_t.sql >out 2>err &&
	test_path_is_missing lint.db
'

test_expect_success SQLITE 'the error says that nothing was created' '
	setup_dir &&
	test_expect_code 1 strata -u sqlite:typo.db status 2>err &&
	echo "strata: error: no such database file: typo.db (this command creates no database: check the URL)" >expect &&
	test_cmp expect err
'

test_expect_success SQLITE 'commands that write still create a missing file' '
	setup_dir &&
	strata -u sqlite:new1.db up -q &&
	test_path_is_file new1.db &&
	echo t >expect &&
	db_sql -u sqlite:new1.db "SELECT name FROM sqlite_master WHERE name = '\''t'\''" >actual &&
	test_cmp expect actual &&
	strata -u sqlite:new2.db baseline 0001 -q &&
	test_path_is_file new2.db &&
	strata -u sqlite:new3.db push --yes -q &&
	test_path_is_file new3.db &&
	strata -u sqlite:new4.db create &&
	test_path_is_file new4.db
'

test_expect_success SQLITE 'read-only commands on an existing database leave no file behind' '
	setup_dir &&
	strata -u sqlite:have.db up -q &&
	sqlite3 have.db "PRAGMA journal_mode=wal" >/dev/null &&
	: >out && : >err && : >after &&
	ls -a >before &&
	before=$(db_checksum -u sqlite:have.db) &&
	while read -r args; do
		strata -u sqlite:have.db $args >out 2>err || test $? = 3 || return 1
	done < <(readonly_cmds | grep -v "^dump out.sql$\|^backup$\|^generate new_one$") &&
	ls -a >after &&
	test_cmp before after &&
	test "$before" = "$(db_checksum -u sqlite:have.db)"
'

test_expect_success SQLITE 'the library creates a missing file by default (embedders rely on it)' '
	setup_dir &&
	"$BUILD_DIR/example-app" "sqlite:$TRASH/app.db" "$TRASH/migrations" >out 2>err &&
	test_path_is_file app.db
'

test_expect_success POSTGRES 'read-only commands on a missing PostgreSQL database create none' '
	setup_dir &&
	url=$(fresh_db) &&
	missing=${url%/*}/strata_no_such_db_$$ &&
	for args in status inspect dump stats verify; do
		test_expect_code 1 strata -u "$missing" $args >out 2>err &&
		test_line_count = 1 err || return 1
	done &&
	test_psql_ postgres -c "SELECT count(*) FROM pg_database WHERE datname = '\''strata_no_such_db_$$'\''" >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_done
