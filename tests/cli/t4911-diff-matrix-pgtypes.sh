#!/bin/bash
test_description='the diff matrix, PostgreSQL: domains, composite and range types, EXCLUDE

Issue 22: domains (base type, DEFAULT, NOT NULL, named CHECKs, NOT VALID,
collation), composite types (attributes added and dropped while a column
uses the type, re-made when unused), range types (subtype, collation,
subtype_diff, multirange name), EXCLUDE constraints, types in dependency
order with enums, functions and other types, and their comments. For each
fixture pair pgtype-* under tests/fixtures/diff/postgres/, the generated
migration takes a database at A (with rows) to B and its down back to A,
diff(B, B) is empty (see tests/cli/lib-diff-matrix.sh; the fingerprint
reads pg_type, pg_range, the types'"'"' attributes and constraints). Then
what cannot be done is refused, naming it, with the database unchanged.'
test_engines=postgres
test_builds=sanitized
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-diff-matrix.sh"

matrix_run 'pgtype-*'

test_expect_success 'a domain whose base type changes while a column uses it is refused, nothing changed' '
	db=$(fresh_db) &&
	db_sql -u "$db" "CREATE DOMAIN posint AS integer; CREATE TABLE t (id integer PRIMARY KEY, d posint);
		INSERT INTO t VALUES (1, 5);" &&
	printf "CREATE DOMAIN posint AS bigint;\nCREATE TABLE t (id integer PRIMARY KEY, d posint);\n" >schema.sql &&
	before=$(db_checksum -u "$db") &&
	test_expect_code 1 strata -u "$db" $dev_opt -s schema.sql push --allow-destructive 2>push.err &&
	test_grep "domain public.posint cannot be changed in place (its base type changes from integer to bigint) and column public.t.d uses it" push.err &&
	test_expect_code 1 strata -u "$db" $dev_opt diff --from "$db" --to schema.sql >diff.out 2>diff.err &&
	test_must_be_empty diff.out &&
	test_grep "domain public.posint cannot be changed in place" diff.err &&
	mkdir -p migrations &&
	test_expect_code 1 strata -u "$db" $dev_opt -s schema.sql generate change --from-db 2>gen.err &&
	test_grep "domain public.posint cannot be changed in place" gen.err &&
	test -z "$(ls migrations)" &&
	test "$(db_checksum -u "$db")" = "$before"
'

test_expect_success 'a composite attribute whose type changes while a column uses it is refused' '
	db=$(fresh_db) &&
	db_sql -u "$db" "CREATE TYPE pair AS (x integer, y text); CREATE TABLE t (id integer PRIMARY KEY, p pair);" &&
	printf "CREATE TYPE pair AS (x bigint, y text);\nCREATE TABLE t (id integer PRIMARY KEY, p pair);\n" >schema.sql &&
	before=$(db_checksum -u "$db") &&
	test_expect_code 1 strata -u "$db" $dev_opt -s schema.sql push --allow-destructive 2>push.err &&
	test_grep "composite type public.pair cannot be changed in place (attribute x changes type) and column public.t.p uses it" push.err &&
	test "$(db_checksum -u "$db")" = "$before"
'

test_expect_success 'a domain constraint is added NOT VALID, then validated (safe forms: in the late part)' '
	db=$(fresh_db) &&
	load_fresh "$db" "$matrix/pgtype-domain-validate/a.sql" &&
	strata -u "$db" $dev_opt diff --from "$db" --to "$matrix/pgtype-domain-constraints/b.sql" >plan.sql &&
	test_grep "^ALTER DOMAIN public.posint ADD CONSTRAINT small CHECK (VALUE < 1000) NOT VALID;$" plan.sql &&
	test_grep "^ALTER DOMAIN public.posint VALIDATE CONSTRAINT small;$" plan.sql &&
	test_grep "^ALTER DOMAIN public.posint ADD CONSTRAINT later CHECK (VALUE <> 7) NOT VALID;$" plan.sql &&
	test_grep ! "VALIDATE CONSTRAINT later" plan.sql &&
	mkdir -p m2 && strata -u "$db" -d m2 $dev_opt -s "$matrix/pgtype-domain-constraints/b.sql" \
		generate safe --from-db >gen.out &&
	main=$(ls m2/*_safe.sql) && late=$(ls m2/*_safe_concurrent.sql) &&
	test_grep ! "VALIDATE CONSTRAINT small" "$main" &&
	test_grep "^ALTER DOMAIN public.posint VALIDATE CONSTRAINT small;$" "$late"
'

test_expect_success 'a schema file: what the model still lacks is refused with file:line' '
	printf "CREATE TABLE t (id integer PRIMARY KEY);\nCREATE TYPE shell;\n" >bad.sql &&
	test_expect_code 2 strata -u "$(fresh_db)" $dev_opt diff --from bad.sql --to bad.sql 2>err &&
	test_grep "bad.sql:2: CREATE TYPE (a base or shell type)" err &&
	printf "CREATE DOMAIN d AS integer CONSTRAINT c CHECK (VALUE > 0);\nCOMMENT ON CONSTRAINT c ON DOMAIN d IS $(printf "\x27x\x27");\n" >bad.sql &&
	test_expect_code 2 strata -u "$(fresh_db)" $dev_opt diff --from bad.sql --to bad.sql 2>err &&
	test_grep "bad.sql:2: COMMENT ON DOMCONSTRAINT" err
'

test_done
