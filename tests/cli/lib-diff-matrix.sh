# tests/cli/lib-diff-matrix.sh: the diff matrix, sourced by t4900-t4905
# after test-lib.sh. For every fixture pair under
# tests/fixtures/diff/<engine>/<case>/ (a.sql, b.sql, and optionally
# rows.sql, the rows to put in A, and expect, holding "up-fails" or
# "down-fails" when that step must fail on those rows, leaving the
# database as it was):
#
#   1. a migration of a.sql is applied to a fresh database; rows go in
#      (rows.sql, or three generated rows per table);
#   2. strata generate writes the migration from A to b.sql, strata up
#      runs it;
#   3. the database must equal a fresh database loaded with b.sql: the same
#      fingerprint (the engine's own catalog, read by its own client, not
#      by strata), and strata diff between the two must be empty;
#   4. the values of the columns A and B share (same name, same type) are
#      unchanged (or, when the case has a values-up file, as it says: an
#      enum value renamed changes the text of the rows holding it);
#   5. strata down must give back A (fingerprint, diff, values);
#   6. diff(b.sql, the fresh B database) is empty.
#
# Not compared: `strata dump` bytes. SQLite keeps each table's CREATE text
# as ALTER TABLE edits it (ADD COLUMN appends to it, a rebuilt table's name
# is stored quoted), so equal schemas can dump differently; the fingerprint
# and the diff compare the schema itself.
#
# The matrix is split over several scripts (matrix_run GLOBS) so that each
# stays well inside tests/run's time limit on a loaded machine.
# STRATA_TEST_DIFF_CASES (globs) narrows any of them further.

matrix=$FIXTURES/diff/$STRATA_TEST_ENGINE

# --- SQLite helpers ---------------------------------------------------------

# The schema as SQLite's PRAGMAs see it, strata's tracking table left out.
sqlite_fingerprint() {
	db_sql -u "$1" <<-\EOF
	SELECT 'T', lower(name), type, ncol, wr, strict FROM pragma_table_list
	 WHERE schema = 'main' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'strata_migrations'
	 ORDER BY lower(name);
	SELECT 'C', lower(m.name), p.cid, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
	 FROM sqlite_schema m JOIN pragma_table_xinfo(m.name) p
	 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name <> 'strata_migrations'
	   AND m.sql NOT LIKE 'CREATE VIRTUAL%'
	 ORDER BY lower(m.name), p.cid;
	SELECT 'F', lower(m.name), f.id, f.seq, lower(f."table"), f."from", f."to", f.on_update, f.on_delete
	 FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) f
	 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name <> 'strata_migrations'
	   AND m.sql NOT LIKE 'CREATE VIRTUAL%'
	 ORDER BY lower(m.name), f.id, f.seq;
	SELECT 'I', lower(m.name), lower(il.name), il."unique", il.origin, il.partial,
	       x.seqno, x.cid, x.name, x."desc", x.coll, x.key
	 FROM sqlite_schema m JOIN pragma_index_list(m.name) il JOIN pragma_index_xinfo(il.name) x
	 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name <> 'strata_migrations'
	   AND m.sql NOT LIKE 'CREATE VIRTUAL%'
	 ORDER BY lower(m.name), lower(il.name), x.seqno;
	SELECT 'O', type, lower(name), lower(tbl_name), sql FROM sqlite_schema
	 WHERE type IN ('view', 'trigger') ORDER BY type, lower(name);
	SELECT 'X', lower(name), sql FROM sqlite_schema
	 WHERE type = 'index' AND sql IS NOT NULL ORDER BY lower(name);
	EOF
}

# Three rows per table, each column given a value its type takes: row N
# holds N in numbers, 'rN' in text, so that a foreign key column holds the
# key of row N of its parent. Rows a constraint rejects are left out.
sqlite_fill() {
	db_sql -u "$1" <<-\EOF >fill.tmpl &&
	SELECT 'INSERT OR IGNORE INTO "' || replace(m.name, '"', '""') || '" ('
	    || group_concat('"' || replace(p.name, '"', '""') || '"', ', ') || ') VALUES ('
	    || group_concat(CASE
	         WHEN upper(p.type) LIKE '%INT%' THEN '@N@'
	         WHEN upper(p.type) LIKE '%CHAR%' OR upper(p.type) LIKE '%CLOB%'
	              OR upper(p.type) LIKE '%TEXT%' THEN '''r@N@'''
	         WHEN upper(p.type) LIKE '%BLOB%' THEN 'x''0@N@'''
	         WHEN upper(p.type) LIKE '%REAL%' OR upper(p.type) LIKE '%FLOA%'
	              OR upper(p.type) LIKE '%DOUB%' THEN '@N@.5'
	         ELSE '@N@' END, ', ') || ');'
	 FROM sqlite_schema m JOIN pragma_table_xinfo(m.name) p
	 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name <> 'strata_migrations'
	   AND m.sql NOT LIKE 'CREATE VIRTUAL%' AND p.hidden = 0
	   AND m.name NOT IN (SELECT name FROM pragma_table_list WHERE type = 'shadow')
	 GROUP BY m.name;
	EOF
	for n in 1 2 3; do sed "s/@N@/$n/g" fill.tmpl; done >fill.sql &&
	{ sqlite3 -batch -init /dev/null "$(test_sqlite_path_ "$1")" <fill.sql >/dev/null 2>&1 || :; }
}

# SELECTs that print the values of the columns $1 and $2 share (same table
# and column names, same declared type), one statement per table.
sqlite_shared_values_sql() {
	db_sql -u "$1" <<-EOF
	ATTACH '$(test_sqlite_path_ "$2")' AS other;
	SELECT 'SELECT ' || quote(lower(m.name)) || ' || ''|'' || '
	    || group_concat('quote("' || replace(p.name, '"', '""') || '")', ' || ''|'' || ')
	    || ' FROM "' || replace(m.name, '"', '""') || '";'
	 FROM main.sqlite_schema m JOIN pragma_table_xinfo(m.name, 'main') p
	 JOIN other.sqlite_schema mo ON mo.type = 'table' AND lower(mo.name) = lower(m.name)
	 JOIN pragma_table_xinfo(mo.name, 'other') po
	   ON lower(po.name) = lower(p.name) AND upper(po.type) = upper(p.type) AND po.hidden = 0
	 WHERE m.type = 'table' AND p.hidden = 0 AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
	   AND m.name <> 'strata_migrations' AND m.sql NOT LIKE 'CREATE VIRTUAL%'
	   AND m.name NOT IN (SELECT name FROM pragma_table_list WHERE type = 'shadow')
	 GROUP BY m.name ORDER BY lower(m.name);
	EOF
}

# --- engine-neutral steps ---------------------------------------------------

fingerprint() {
	case "$STRATA_TEST_ENGINE" in
	sqlite) sqlite_fingerprint "$1" ;;
	postgres) pg_fingerprint "$1" ;;
	esac
}

fill() {
	case "$STRATA_TEST_ENGINE" in
	sqlite) sqlite_fill "$1" ;;
	postgres) pg_fill "$1" ;;
	esac
}

shared_values_sql() {
	case "$STRATA_TEST_ENGINE" in
	sqlite) sqlite_shared_values_sql "$1" "$2" ;;
	postgres) pg_shared_values_sql "$1" "$2" ;;
	esac
}

load_fresh() {
	db_sql -u "$1" <"$2"
}

values() {
	db_sql -u "$1" <"$2" | LC_ALL=C sort
}

# Check that database $1 has the schema of fresh database $2.
same_schema() {
	fingerprint "$1" >fp.actual &&
	fingerprint "$2" >fp.expect &&
	test_cmp fp.expect fp.actual &&
	strata diff --from "$1" --to "$2" --exit-code >diff.out &&
	test_must_be_empty diff.out
}

# The property of issue 20: strata's own output passes strata's own lint.
# Against A (so a table an earlier generated file creates is new), with
# every table of a row or more large: each lock rule keeps its error;
# left out are the rules a migration that does what b.sql asks cannot
# avoid: data it destroys or converts, and rewrites with no lock-free form.
lint_exempt='["drop-table", "drop-column", "drop-schema", "drop-cascade", "alter-column-type",
 "alter-column-type-rewrite", "add-column-not-null", "add-column-volatile-default",
 "add-exclude-constraint"]'

lint_generated() {
	local code=0
	sed -n "s/^created //p" gen.out >gen.files &&
	{ strata -u "$a" lint --large-table-rows 1 --json $(cat gen.files) >lint.json || code=$?; } &&
	{ test $code = 0 || test $code = 3; } &&
	jq -r --argjson ex "$lint_exempt" '.findings[] | select(.severity == "error") |
		select(.rule as $r | $ex | index($r) | not) |
		"\(.file):\(.line): \(.rule): \(.message)"' lint.json >lint.errors &&
	test_must_be_empty lint.errors
}

# run_case DIR [per-table]: with per-table, generate --per-table writes the
# step as one migration per table (and "other"); up applies them all, down
# --steps takes them all back, and verify must pass after each.
run_case() {
	local dir=$1 per_table=${2-} a up_fails= down_fails= gen_opt= nfiles=1
	[ -n "$per_table" ] && gen_opt=--per-table
	mkdir "case-$per_table${dir##*/}" && cd "case-$per_table${dir##*/}" &&
	a=$(fresh_db) && fa=$(fresh_db) && fb=$(fresh_db) &&
	load_fresh "$fa" "$dir/a.sql" &&
	load_fresh "$fb" "$dir/b.sql" &&
	mkdir migrations &&
	# An A without a statement is no migration at all (strata refuses
	# an empty up section).
	if grep -qvE '^[[:space:]]*(--.*)?$' "$dir/a.sql"
	then
		{ printf -- "-- migrate:up\n"; cat "$dir/a.sql"; } >migrations/0001_a.sql
	fi &&
	strata -u "$a" up --allow-destructive >/dev/null &&
	if test -f "$dir/rows.sql"
	then
		db_sql -u "$a" <"$dir/rows.sql"
	else
		fill "$a"
	fi &&
	if test -f "$dir/expect" && grep -q up-fails "$dir/expect"
	then
		up_fails=1
	fi &&
	if test -f "$dir/expect" && grep -q down-fails "$dir/expect"
	then
		down_fails=1
	fi &&
	shared_values_sql "$a" "$fb" >shared.sql &&
	values "$a" shared.sql >values.before &&
	# A step that must fail is all or nothing only as one migration: the
	# plain forms (a late transaction:false part commits on its own).
	if test -n "$up_fails$down_fails"
	then
		gen_opt="$gen_opt --plain"
	fi &&
	strata -u "$a" $dev_opt -s "$dir/b.sql" generate step $gen_opt --allow-destructive >gen.out &&
	nfiles=$(grep -c "^created " gen.out || :) &&
	if test -z "$per_table"
	then
		# one migration, and on PostgreSQL maybe its late part
		# (step_concurrent, transaction:false) after it
		case $nfiles,$STRATA_TEST_ENGINE in
		0,*|1,*) ;;
		2,postgres) test_grep "^created migrations/[0-9]*_step_concurrent.sql$" gen.out ;;
		*) false ;;
		esac
	fi &&
	if test "$nfiles" -gt 0 && test -z "$up_fails$down_fails"
	then
		lint_generated
	fi &&
	if grep "^nothing to generate" gen.out
	then
		# A and B are one schema to this engine (PostgreSQL: column order).
		same_schema "$a" "$fb" &&
		values "$a" shared.sql >values.after &&
		test_cmp values.before values.after
	elif test -n "$up_fails"
	then
		before=$(db_checksum -u "$a") &&
		test_must_fail strata -u "$a" up --allow-destructive 2>up.err &&
		test "$(db_checksum -u "$a")" = "$before"
	else
		strata -u "$a" up --allow-destructive >/dev/null &&
		same_schema "$a" "$fb" &&
		values "$a" shared.sql >values.after &&
		if test -f "$dir/values-up"
		then
			test_cmp "$dir/values-up" values.after
		else
			test_cmp values.before values.after
		fi &&
		{ test -z "$per_table" || strata -u "$a" $dev_opt verify >verify.out; } &&
		if test -n "$down_fails"
		then
			before=$(db_checksum -u "$a") &&
			test_must_fail strata -u "$a" down 2>down.err &&
			test "$(db_checksum -u "$a")" = "$before"
		else
			strata -u "$a" down --steps "$nfiles" >/dev/null &&
			same_schema "$a" "$fa" &&
			{ test -z "$per_table" || strata -u "$a" $dev_opt verify >verify.out; } &&
			values "$a" shared.sql >values.back &&
			test_cmp values.before values.back
		fi
	fi &&
	strata -u "$fb" $dev_opt diff --from "$dir/b.sql" --to "$fb" --exit-code >bb.out &&
	test_must_be_empty bb.out
}

dev_opt=
if [ "$STRATA_TEST_ENGINE" = postgres ]; then
	. "$TEST_DIRECTORY/lib-diff-pg.sh"
	# One scratch database for the whole run (--dev-url, wiped before each
	# use) instead of one made and dropped per diff: the same code path
	# but for CREATE DATABASE, which t4000 covers.
	test_expect_success 'setup: a dev database for the scratch work' '
		dev=$(fresh_db) &&
		dev_opt="--dev-url $dev"
	'
fi

matrix_run() {
	local dir name g match
	ncases=0
	for dir in "$matrix"/*/; do
		dir=${dir%/}
		name=${dir##*/}
		[ -f "$dir/a.sql" ] && [ -f "$dir/b.sql" ] || continue
		match=
		for g in $1; do
			case "$name" in $g) match=1 ;; esac
		done
		[ -n "$match" ] || continue
		if [ -n "${STRATA_TEST_DIFF_CASES-}" ]; then
			match=
			for g in $STRATA_TEST_DIFF_CASES; do
				case "$name" in $g) match=1 ;; esac
			done
			[ -n "$match" ] || continue
		fi
		ncases=$((ncases + 1))
		test_expect_success "$name" "
			run_case '$dir'
		"
	done
	test_expect_success 'the matrix has cases for this engine' '
		{ test $ncases -gt 0 || test -n "${STRATA_TEST_DIFF_CASES-}"; }
	'
}

# matrix_run_per_table GLOBS: the cases named, with generate --per-table
# (a subset: each case costs a few more runs). Cases whose step must fail
# (an expect file) are left to matrix_run: a per-table up is several
# migrations, not one all-or-nothing step.
matrix_run_per_table() {
	local dir name g match
	for dir in "$matrix"/*/; do
		dir=${dir%/}
		name=${dir##*/}
		[ -f "$dir/a.sql" ] && [ -f "$dir/b.sql" ] && [ ! -f "$dir/expect" ] || continue
		match=
		for g in $1; do
			case "$name" in $g) match=1 ;; esac
		done
		[ -n "$match" ] || continue
		if [ -n "${STRATA_TEST_DIFF_CASES-}" ]; then
			match=
			for g in $STRATA_TEST_DIFF_CASES; do
				case "$name" in $g) match=1 ;; esac
			done
			[ -n "$match" ] || continue
		fi
		test_expect_success "--per-table: $name" "
			run_case '$dir' per-table-
		"
	done
}
