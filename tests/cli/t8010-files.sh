#!/bin/bash

test_description='the file system is input: what strata writes and reads

Output (dump FILE, --dump-schema FILE): a regular file is replaced
atomically; a symlink stays a symlink and its target is replaced (at the
real path, so a link into another folder works); a FIFO or a character
device is written into, never replaced by a file; a FIFO no process reads
fails at once instead of hanging; a directory, a block device and a link to
nothing are refused; "-" is stdout.

Input (schema files, diff sources, lint FILES, .env, the database file):
only regular files are read, at most 64 MiB; a FIFO, /dev/zero, /dev/null
or a directory is refused at once with one line, exit 2, and a SQLite
database path must be a regular file (or absent, for the commands that
create one).'

. "$(dirname "$0")/test-lib.sh"

# at_base: ./migrations with one migration, applied to a fresh database.
at_base() {
	rm -rf migrations &&
	mkdir migrations &&
	cat >migrations/0001_t.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT);
	-- migrate:down
	DROP TABLE t;
	EOF
	use_fresh_db &&
	strata up -q &&
	strata dump >expect.dump
}

# one_error CODE WORDS -- CMD...: exit CODE, one line on stderr holding WORDS.
one_error() {
	local code=$1 words=$2
	shift 3
	test_expect_code "$code" timeout 20 "$@" >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: " err &&
	test_grep -F -e "$words" err
}

# ---- output ---------------------------------------------------------------

test_expect_success 'dump FILE through a symlink replaces the target and keeps the link' '
	at_base &&
	mkdir -p other &&
	echo old >other/schema.sql &&
	chmod 600 other/schema.sql &&
	ln -s other/schema.sql link.sql &&
	strata dump link.sql >out &&
	test -L link.sql &&
	test "$(readlink link.sql)" = other/schema.sql &&
	test_cmp expect.dump other/schema.sql &&
	test "$(stat -c %a other/schema.sql)" = 600 &&
	ls other >actual &&
	echo schema.sql >expect &&
	test_cmp expect actual
'

test_expect_success '--dump-schema through a symlink keeps the link too' '
	at_base &&
	echo old >target.sql &&
	ln -sf target.sql dumplink.sql &&
	cat >migrations/0002_u.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE u (id INTEGER);
	-- migrate:down
	DROP TABLE u;
	EOF
	strata up -q --dump-schema dumplink.sql &&
	test -L dumplink.sql &&
	test_grep -E "CREATE TABLE (public\.)?u " target.sql
'

test_expect_success 'dump into a FIFO writes into it and leaves the FIFO' '
	at_base &&
	rm -f fifo &&
	mkfifo fifo &&
	{ timeout 20 cat fifo >got & } &&
	reader=$! &&
	timeout 20 strata dump fifo >out &&
	wait $reader &&
	test -p fifo &&
	test_cmp expect.dump got
'

test_expect_success 'dump into a FIFO that no process reads fails at once' '
	at_base &&
	rm -f fifo &&
	mkfifo fifo &&
	one_error 1 "it is a FIFO that no process reads" -- strata dump fifo &&
	test -p fifo
'

test_expect_success '--dump-schema into a FIFO with no reader: the run stands, exit 1, FIFO kept' '
	at_base &&
	rm -f fifo &&
	mkfifo fifo &&
	cat >migrations/0002_u.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE u (id INTEGER);
	-- migrate:down
	DROP TABLE u;
	EOF
	test_expect_code 4 timeout 20 strata up -q --dump-schema fifo 2>err &&
	test_grep "the run itself succeeded" err &&
	test -p fifo &&
	strata status --exit-code >out
'

test_expect_success 'dump into /dev/null writes into it (and /dev/null stays a device)' '
	at_base &&
	strata dump /dev/null >out &&
	test -c /dev/null
'

test_expect_success 'dump - and --dump-schema - write to stdout, no file named -' '
	at_base &&
	strata dump - >got &&
	test_cmp expect.dump got &&
	strata down -q --dump-schema - >got &&
	test_path_is_missing ./- &&
	test_grep "^-- strata schema" got
'

test_expect_success 'dump to a directory is refused' '
	at_base &&
	mkdir adir &&
	one_error 1 "it is a directory" -- strata dump adir &&
	test_path_is_dir adir &&
	ls adir >actual &&
	test_must_be_empty actual
'

test_expect_success 'dump to a symlink that points nowhere is refused, nothing created' '
	at_base &&
	ln -sf nowhere/at/all.sql dangling.sql &&
	one_error 1 "symlink to nothing" -- strata dump dangling.sql &&
	test -L dangling.sql &&
	test_path_is_missing nowhere
'

test_expect_success 'dump still replaces a regular file atomically, no temporary file left' '
	at_base &&
	echo old >plain.sql &&
	strata dump plain.sql >out &&
	test_cmp expect.dump plain.sql &&
	ls >actual &&
	test_grep ! "\.tmp\." actual
'

# Only root can make a device node; the bug was replacing one.
if test "$(id -u)" = 0
then
	test_set_prereq ROOT
fi

test_expect_success ROOT 'dump to a block device node is refused, the node kept' '
	at_base &&
	mknod blockdev b 7 250 &&
	one_error 1 "not a regular file, FIFO or character device" -- strata dump blockdev &&
	test -b blockdev
'

test_expect_success ROOT 'dump to a character device node writes into it, the node kept' '
	at_base &&
	mknod nulldev c 1 3 &&
	strata dump nulldev >out &&
	test -c nulldev
'

# ---- input ----------------------------------------------------------------

test_expect_success 'a schema file that is /dev/zero is refused at once' '
	at_base &&
	one_error 2 "cannot read /dev/zero: not a regular file" -- strata -s /dev/zero push --dry-run &&
	one_error 2 "cannot read /dev/zero: not a regular file" -- strata diff --from migrations --to /dev/zero
'

test_expect_success 'a schema file that is a FIFO with no writer is refused, no hang' '
	at_base &&
	rm -f fifo &&
	mkfifo fifo &&
	one_error 2 "cannot read fifo: not a regular file" -- strata -s fifo push --dry-run &&
	one_error 2 "cannot read fifo: not a regular file" -- strata diff --from fifo --to migrations &&
	one_error 2 "cannot read fifo: not a regular file" -- strata generate x --dry-run -s fifo
'

test_expect_success 'a schema file that is /dev/null, or an empty folder, is refused' '
	at_base &&
	mkdir sdir &&
	one_error 2 "not a regular file" -- strata -s /dev/null push --dry-run &&
	one_error 2 "sdir: no .json or .sql file in the schema folder" -- strata -s sdir push --dry-run
'

test_expect_success 'a schema file over 64 MiB is refused with the limit named' '
	at_base &&
	head -c 67108865 /dev/zero | tr "\0" " " >huge.sql &&
	one_error 2 "cannot read huge.sql: larger than 64 MiB" -- strata diff --from migrations --to huge.sql
'

test_expect_success 'lint FILES: a FIFO, /dev/zero and a directory are refused at once' '
	at_base &&
	rm -f fifo &&
	mkfifo fifo &&
	one_error 2 "fifo: not a regular file" -- strata lint fifo &&
	one_error 2 "/dev/zero: not a regular file" -- strata lint /dev/zero
'

test_expect_success 'a migration that is a FIFO is refused, no hang' '
	at_base &&
	mkfifo migrations/0002_fifo.sql &&
	test_expect_code 2 timeout 20 strata status >out 2>err &&
	test_grep "0002_fifo.sql: not a regular file" err
'

test_expect_success '.env that is a FIFO is refused, no hang' '
	at_base &&
	mkfifo .env &&
	test_when_finished "rm -f .env" &&
	one_error 2 ".env is not a regular file" -- strata status
'

test_expect_success SQLITE 'sqlite:/dev/null is not a database: refused, /dev/null untouched' '
	at_base &&
	one_error 2 "not a regular file (a device)" -- strata -u sqlite:/dev/null status &&
	one_error 2 "not a regular file (a device)" -- strata -u sqlite:/dev/null up &&
	test -c /dev/null
'

test_expect_success SQLITE 'a FIFO or a directory as the SQLite database is refused, no hang' '
	at_base &&
	rm -f dbfifo &&
	mkfifo dbfifo &&
	mkdir dbdir &&
	one_error 2 "not a regular file (a FIFO)" -- strata -u sqlite:dbfifo up &&
	one_error 2 "not a regular file (a FIFO)" -- strata -u sqlite:dbfifo status &&
	one_error 2 "not a regular file (a directory)" -- strata -u sqlite:dbdir up &&
	test -p dbfifo &&
	ls dbdir >actual &&
	test_must_be_empty actual
'

test_expect_success SQLITE 'a symlink to a database file is followed' '
	at_base &&
	ln -s "$(test_sqlite_path_ "$DATABASE_URL")" linked.db &&
	strata -u sqlite:linked.db status >out
'

test_done
