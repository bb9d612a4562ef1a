#!/bin/bash
test_description='diff, generate and push write the lock-safe forms on PostgreSQL

By default what would lock an existing table through a scan or an index
build comes in a late part of its own, run statement by statement outside
a transaction: CREATE INDEX CONCURRENTLY, constraints added NOT VALID and
validated, SET NOT NULL through a validated CHECK, UNIQUE and PRIMARY KEY
USING an index built CONCURRENTLY. --plain gives the plain forms. What
strata writes passes strata lint (issue 20).'
test_engines=postgres
. "$(dirname "$0")/test-lib.sh"

# A: tables with rows; B asks for every safe form on them, and for a new
# table whose index stays plain (it is empty when the index is built).
write_schemas() {
	cat >a.sql <<-\EOF &&
	CREATE TABLE parent (id bigint PRIMARY KEY);
	CREATE TABLE acct (id bigint NOT NULL, email text, code text, n int, parent_id bigint);
	EOF
	cat >b.sql <<-\EOF
	CREATE TABLE parent (id bigint PRIMARY KEY);
	CREATE TABLE acct (id bigint NOT NULL, email text NOT NULL, code text, n int,
	  parent_id bigint,
	  CONSTRAINT acct_pkey PRIMARY KEY (id),
	  CONSTRAINT acct_code_key UNIQUE (code),
	  CONSTRAINT acct_n_check CHECK (n > 0),
	  CONSTRAINT acct_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id));
	CREATE INDEX acct_email ON acct (email);
	CREATE TABLE fresh (id bigint PRIMARY KEY, a bigint);
	CREATE INDEX fresh_a ON fresh (a);
	EOF
}

# database $1 at A, with rows that B takes
load_a() {
	db_sql -u "$1" <a.sql &&
	db_sql -u "$1" "INSERT INTO parent VALUES (1), (2);
		INSERT INTO acct VALUES (1, 'a', 'x', 1, 1), (2, 'b', 'y', 2, 2)"
}

test_expect_success 'setup' '
	write_schemas &&
	use_fresh_db &&
	load_a "$DATABASE_URL"
'

test_expect_success 'diff writes the safe forms, the late part after the main one' '
	strata diff --from "$DATABASE_URL" --to b.sql >actual &&
	cat >expect <<-\EOF &&
	-- data-dependent: alter_column acct.email: SET NOT NULL: fails if acct.email has NULLs
	-- data-dependent: add_primary_key acct primary key (id): fails if the key has duplicates or NULLs
	-- data-dependent: add_unique acct constraint acct_code_key: fails if acct has duplicates
	-- data-dependent: add_check acct constraint acct_n_check: fails if a row of acct breaks it
	-- data-dependent: add_foreign_key acct constraint acct_parent_fk: fails if a row of acct has no parent in parent
	CREATE TABLE public.fresh (
	    id bigint NOT NULL,
	    a bigint,
	    CONSTRAINT fresh_pkey PRIMARY KEY (id)
	);
	ALTER TABLE public.acct ADD CONSTRAINT acct_email_not_null CHECK (email IS NOT NULL) NOT VALID;
	ALTER TABLE public.acct ADD CONSTRAINT acct_n_check CHECK (n > 0) NOT VALID;
	CREATE INDEX fresh_a ON public.fresh USING btree (a);
	ALTER TABLE public.acct ADD CONSTRAINT acct_parent_fk FOREIGN KEY (parent_id) REFERENCES public.parent (id) NOT VALID;

	-- then, outside a transaction (each statement on its own):
	ALTER TABLE public.acct VALIDATE CONSTRAINT acct_email_not_null;
	-- strata:lint-ignore set-not-null: the validated CHECK above spares the scan (PostgreSQL 12+)
	ALTER TABLE public.acct ALTER COLUMN email SET NOT NULL;
	ALTER TABLE public.acct DROP CONSTRAINT IF EXISTS acct_email_not_null;
	ALTER TABLE public.acct DROP CONSTRAINT IF EXISTS acct_pkey;
	DROP INDEX CONCURRENTLY IF EXISTS public.acct_pkey;
	CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS acct_pkey ON public.acct (id);
	ALTER TABLE public.acct ADD CONSTRAINT acct_pkey PRIMARY KEY USING INDEX acct_pkey;
	ALTER TABLE public.acct DROP CONSTRAINT IF EXISTS acct_code_key;
	DROP INDEX CONCURRENTLY IF EXISTS public.acct_code_key;
	CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS acct_code_key ON public.acct (code);
	ALTER TABLE public.acct ADD CONSTRAINT acct_code_key UNIQUE USING INDEX acct_code_key;
	ALTER TABLE public.acct VALIDATE CONSTRAINT acct_n_check;
	DROP INDEX CONCURRENTLY IF EXISTS public.acct_email;
	CREATE INDEX CONCURRENTLY IF NOT EXISTS acct_email ON public.acct USING btree (email);
	ALTER TABLE public.acct VALIDATE CONSTRAINT acct_parent_fk;
	EOF
	test_cmp expect actual &&
	strata diff --from "$DATABASE_URL" --to b.sql --format json >out.json &&
	test "$(jq .transaction out.json)" = false
'

test_expect_success 'diff --plain writes the plain forms, in one transaction' '
	strata diff --from "$DATABASE_URL" --to b.sql --plain >actual &&
	test_grep "^ALTER TABLE public.acct ADD CONSTRAINT acct_pkey PRIMARY KEY (id);" actual &&
	test_grep "^ALTER TABLE public.acct ADD CONSTRAINT acct_code_key UNIQUE (code);" actual &&
	test_grep "^CREATE INDEX acct_email ON public.acct USING btree (email);" actual &&
	test_grep "^ALTER TABLE public.acct ALTER COLUMN email SET NOT NULL;" actual &&
	test_grep ! "CONCURRENTLY\|USING INDEX\|outside a transaction" actual &&
	strata diff --from "$DATABASE_URL" --to b.sql --plain --format json >out.json &&
	test "$(jq .transaction out.json)" = true
'

test_expect_success 'the down of the safe forms undoes the late part first' '
	strata diff --from "$DATABASE_URL" --to b.sql --format json >out.json &&
	jq -r .down_sql out.json >down.sql &&
	head -n 1 down.sql >first &&
	echo "-- first, outside a transaction (each statement on its own):" >expect &&
	test_cmp expect first &&
	test_grep "^ALTER TABLE public.acct DROP CONSTRAINT IF EXISTS acct_pkey;" down.sql &&
	test_grep "^DROP INDEX CONCURRENTLY IF EXISTS public.acct_email;" down.sql
'

test_expect_success 'generate writes the late part as a transaction:false migration, and lint passes both' '
	use_fresh_db &&
	mkdir gen &&
	strata -d gen -s a.sql generate init >out &&
	strata -d gen up >/dev/null &&
	db_sql "INSERT INTO parent VALUES (1), (2);
		INSERT INTO acct VALUES (1, '"'a'"', '"'x'"', 1, 1), (2, '"'b'"', '"'y'"', 2, 2)" &&
	strata -d gen -s b.sql generate safe >out &&
	test_line_count = 2 out &&
	main=$(sed -n "1s/^created //p" out) &&
	late=$(sed -n "2s/^created //p" out) &&
	case $late in *_safe_concurrent.sql) ;; *) false ;; esac &&
	test_grep "^-- migrate:up$" "$main" &&
	test_grep "^-- migrate:up transaction:false$" "$late" &&
	test_grep "^ALTER TABLE public.acct ADD CONSTRAINT acct_code_key UNIQUE USING INDEX acct_code_key;" "$late" &&
	test_grep "^ALTER TABLE public.acct ADD CONSTRAINT acct_pkey PRIMARY KEY USING INDEX acct_pkey;" "$late" &&
	test_grep ! "^ALTER TABLE public.acct ADD.*\(PRIMARY KEY\|UNIQUE\)" "$main" &&
	strata -d gen lint --large-table-rows 1 "$main" "$late" >lint.out &&
	test_grep ! "error\[" lint.out &&
	strata -d gen up >/dev/null &&
	strata diff --from "$DATABASE_URL" --to b.sql --exit-code &&
	db_sql "SELECT conname, convalidated FROM pg_constraint
		WHERE conrelid = '"'acct'"'::regclass ORDER BY 1" >actual &&
	cat >expect <<-\EOF &&
	acct_code_key|t
	acct_n_check|t
	acct_parent_fk|t
	acct_pkey|t
	EOF
	test_cmp expect actual &&
	strata -d gen down --steps 2 >/dev/null &&
	strata diff --from "$DATABASE_URL" --to a.sql --exit-code
'

test_expect_success 'generate --plain: one migration, and lint reports its locks' '
	mkdir plain &&
	strata -d plain -s a.sql generate init >out &&
	strata -d plain -s b.sql generate plain --plain >out &&
	test_line_count = 1 out &&
	file=$(sed "s/^created //" out) &&
	test_grep "^-- migrate:up$" "$file" &&
	test_expect_code 3 strata -d plain lint --large-table-rows 1 "$file" >lint.out &&
	test_grep "error\[add-unique-constraint\]" lint.out &&
	test_grep "error\[create-index-non-concurrent\]" lint.out &&
	test_grep "error\[set-not-null\]" lint.out
'

test_expect_success 'push applies the safe forms' '
	db=$(fresh_db) &&
	load_a "$db" &&
	strata -u "$db" -s b.sql push --dry-run >dry.out &&
	test_grep "^-- then, outside a transaction" dry.out &&
	strata -u "$db" -s b.sql push >out &&
	test_grep "^pushed " out &&
	strata -u "$db" diff --from "$db" --to b.sql --exit-code &&
	db_sql -u "$db" "SELECT count(*) FROM pg_constraint
		WHERE conrelid = '"'acct'"'::regclass AND (NOT convalidated OR conname LIKE '"'%not_null'"')" >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_expect_success 'push: a late statement that fails leaves the main part committed; a push after the fix finishes' '
	db=$(fresh_db) &&
	load_a "$db" &&
	db_sql -u "$db" "INSERT INTO acct VALUES (3, '"'c'"', '"'z'"', -1, NULL)" &&
	test_must_fail strata -u "$db" -s b.sql push 2>err &&
	test_grep "VALIDATE CONSTRAINT acct_n_check" err &&
	test_grep "the statements before it are committed" err &&
	db_sql -u "$db" "SELECT convalidated FROM pg_constraint WHERE conname = '"'acct_n_check'"'" >actual &&
	echo f >expect &&
	test_cmp expect actual &&
	db_sql -u "$db" "UPDATE acct SET n = 3 WHERE id = 3" &&
	strata -u "$db" -s b.sql push >out &&
	strata -u "$db" diff --from "$db" --to b.sql --exit-code
'

test_expect_success 'push: a unique index build that fails leaves no INVALID index behind' '
	db=$(fresh_db) &&
	load_a "$db" &&
	db_sql -u "$db" "INSERT INTO acct VALUES (3, '"'c'"', '"'x'"', 3, NULL)" &&
	test_must_fail strata -u "$db" -s b.sql push 2>err &&
	test_grep "could not create unique index" err &&
	test_grep "the INVALID index acct_code_key it left was dropped" err &&
	test_line_count = 1 err &&
	db_sql -u "$db" "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid" >actual &&
	test_must_be_empty actual &&
	db_sql -u "$db" "UPDATE acct SET code = '"'w'"' WHERE id = 3" &&
	strata -u "$db" -s b.sql push >out &&
	strata -u "$db" diff --from "$db" --to b.sql --exit-code
'

test_expect_success 'push --plain is all or nothing' '
	db=$(fresh_db) &&
	load_a "$db" &&
	db_sql -u "$db" "INSERT INTO acct VALUES (3, '"'c'"', '"'z'"', -1, NULL)" &&
	before=$(db_checksum -u "$db") &&
	test_must_fail strata -u "$db" -s b.sql push --plain 2>err &&
	test_grep "rolled back" err &&
	test "$(db_checksum -u "$db")" = "$before"
'

test_done
