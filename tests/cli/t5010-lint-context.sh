#!/bin/bash

test_description='lint reads the database of the URL: pending files only, table sizes, column types

With a URL (and not --offline) lint reads the database and changes
nothing: migrations it records as applied are not linted (--all lints
them); a table an earlier pending migration creates is new; on
PostgreSQL a lock or rewrite on a table of --large-table-rows rows or more
(STRATA_LARGE_TABLE_ROWS, default 100000) is an error with the size in the
message, on a smaller one a warning; a type change is judged against the
column as the database has it, and up does not ask before a widening.
A wrong URL is exit 1 with one line; a SQLite file that is not there is
not created. A -- strata:lint-ignore comment added to an applied migration
does not make it edited.'

test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

if command -v jq >/dev/null 2>&1
then
	test_set_prereq JQ
fi

# base: a fresh database with 0001 (table t) applied, 0002 pending.
base() {
	use_fresh_db &&
	rm -rf migrations && mkdir migrations &&
	cat >migrations/0001_t.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE t (id bigint PRIMARY KEY, n int, price DECIMAL(18,8), name varchar(10));
	-- migrate:down
	DROP TABLE t;
	EOF
	strata up >/dev/null &&
	cat >migrations/0002_u.sql <<-\EOF
	-- migrate:up
	CREATE TABLE u (id bigint PRIMARY KEY, t_id bigint);
	-- migrate:down
	DROP TABLE u;
	EOF
}

test_expect_success 'applied migrations are not linted; --all and --offline lint them' '
	base &&
	sed -i "s/^CREATE TABLE t .*/&\nDROP TABLE legacy;/" migrations/0001_t.sql &&
	strata lint --engine postgres >out 2>err &&
	test_must_be_empty err &&
	test_grep "^0 errors, 0 warnings (0 suppressed); 1 applied migration not linted (--all lints them)$" out &&
	test_expect_code 3 strata lint --engine postgres --all >out &&
	test_grep "0001_t.sql:3: error\[drop-table\]" out &&
	test_grep "^1 error, 0 warnings (0 suppressed)$" out &&
	test_expect_code 3 strata lint --engine postgres --offline >out &&
	test_grep "0001_t.sql:3: error\[drop-table\]" out
'

test_expect_success JQ '--json counts what was skipped' '
	strata lint --engine postgres --json >out &&
	jq -e ".skipped == 1 and .files == 1 and .ok == true" out >/dev/null
'

test_expect_success 'a table an earlier pending migration creates is new in the later ones' '
	base &&
	cat >migrations/0003_idx.sql <<-\EOF &&
	-- migrate:up
	CREATE INDEX u_t ON u (t_id);
	ALTER TABLE u ADD CONSTRAINT u_t_fk FOREIGN KEY (t_id) REFERENCES t (id);
	-- migrate:down
	EOF
	strata lint --engine postgres >out &&
	test_grep ! "0003_idx" out &&
	test_expect_code 3 strata lint --engine postgres --offline >out &&
	test_grep "0003_idx.sql:2: error\[create-index-non-concurrent\]" out &&
	test_grep "0003_idx.sql:3: error\[add-foreign-key\]" out
'

test_expect_success 'lint changes nothing in the database' '
	before=$(db_checksum) &&
	strata lint --engine postgres >/dev/null &&
	test_might_fail strata lint --all --engine postgres >/dev/null &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'a wrong URL is one line and exit 1; --offline needs no database' '
	test_expect_code 1 strata -u postgres://nobody@127.0.0.1:1/x lint >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: lint: .*(--offline lints without the database)$" err &&
	test_must_be_empty out &&
	test_expect_code 3 strata -u postgres://nobody@127.0.0.1:1/x lint --offline migrations/0003_idx.sql >out 2>err &&
	test_must_be_empty err &&
	test_grep create-index-non-concurrent out
'

test_expect_success 'a SQLite file that is not there is not created: nothing is applied' '
	test_expect_code 3 strata -u sqlite:nope.db lint --engine postgres >out 2>err &&
	test_must_be_empty err &&
	test_path_is_missing nope.db &&
	test_grep "0003_idx.sql:2: error\[create-index-non-concurrent\]" out
'

test_expect_success 'bad thresholds are usage errors' '
	test_expect_code 2 strata lint --large-table-rows 0 2>err &&
	test_grep "large-table-rows" err &&
	test_expect_code 2 strata lint --large-table-rows many 2>err &&
	STRATA_LARGE_TABLE_ROWS=lots test_expect_code 2 strata lint 2>err &&
	test_line_count = 1 err &&
	test_grep "STRATA_LARGE_TABLE_ROWS must be a positive number of rows, not .lots." err
'

# ---- PostgreSQL: sizes and types -------------------------------------------

test_expect_success POSTGRES 'setup: t of 2000 rows (analysed), u of 5' '
	base &&
	strata up >/dev/null &&
	db_sql "INSERT INTO t (id, n) SELECT g, g FROM generate_series(1, 2000) g;
	        INSERT INTO u (id, t_id) SELECT g, g FROM generate_series(1, 5) g; ANALYZE t;" &&
	cat >migrations/0003_idx.sql <<-\EOF
	-- migrate:up
	CREATE INDEX t_n ON t (n);
	CREATE INDEX u_t ON u (t_id);
	ALTER TABLE t ALTER COLUMN n TYPE bigint;
	-- migrate:down
	EOF
'

test_expect_success POSTGRES 'a lock on a large table is an error with its size, on a small one a warning' '
	test_expect_code 3 strata lint --large-table-rows 1000 >out &&
	test_grep "0003_idx.sql:2: error\[create-index-non-concurrent\]: CREATE INDEX on .t. without CONCURRENTLY blocks writes to the table while the index is built (table .t. is large: about 2000 rows, [0-9]* MB; large from 1000 rows)$" out &&
	test_grep "0003_idx.sql:3: warning\[create-index-non-concurrent\]: .* (table .u. is small: about 5 rows, under the large-table threshold of 1000)$" out &&
	test_grep "0003_idx.sql:4: error\[alter-column-type-rewrite\]: column .t.n. changes type from integer to bigint: every value converts, but the table and its indexes are rewritten .*large: about 2000 rows" out &&
	test_grep "^2 errors, 1 warning" out
'

test_expect_success POSTGRES 'STRATA_LARGE_TABLE_ROWS sets the threshold; --large-table-rows wins' '
	STRATA_LARGE_TABLE_ROWS=5000 strata lint >out &&
	test_grep "warning\[create-index-non-concurrent\]: CREATE INDEX on .t. .*is small: about 2000 rows, under the large-table threshold of 5000" out &&
	test_grep "^0 errors, 3 warnings" out &&
	STRATA_LARGE_TABLE_ROWS=5000 test_expect_code 3 strata lint --large-table-rows 2000 >out &&
	test_grep "error\[create-index-non-concurrent\]: CREATE INDEX on .t. .*large: at least 2000 rows\|error\[create-index-non-concurrent\]: CREATE INDEX on .t. .*large: about 2000 rows" out
'

test_expect_success POSTGRES 'the default threshold is 100000 rows; a table never analysed is counted' '
	db_sql "CREATE TABLE fresh (x int); INSERT INTO fresh SELECT generate_series(1, 300);" &&
	cat >migrations/0003_idx.sql <<-\EOF &&
	-- migrate:up
	CREATE INDEX t_n ON t (n);
	CREATE INDEX fresh_x ON fresh (x);
	-- migrate:down
	EOF
	strata lint >out &&
	test_grep "is small: about 2000 rows, under the large-table threshold of 100000" out &&
	test_grep "fresh. is small: about 300 rows" out &&
	test_expect_code 3 strata lint --large-table-rows 300 >out &&
	test_grep "error\[create-index-non-concurrent\]: CREATE INDEX on .fresh. .*large: at least 300 rows" out
'

test_expect_success POSTGRES 'widening numeric precision or varchar is no finding, and up does not ask' '
	cat >migrations/0003_idx.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE t ALTER COLUMN price TYPE DECIMAL(20,8);
	ALTER TABLE t ALTER COLUMN name TYPE varchar(20);
	ALTER TABLE t ALTER COLUMN name TYPE text;
	-- migrate:down
	EOF
	strata lint >out &&
	test_grep "^0 errors, 0 warnings (0 suppressed); 2 applied migrations not linted" out &&
	strata up >out 2>err &&
	test_grep "applied .*0003_idx" out &&
	echo "numeric(20,8)|text" >expect &&
	db_sql "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = '"'"'t'"'"'::regclass AND attname = '"'"'price'"'"'" >p &&
	db_sql "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = '"'"'t'"'"'::regclass AND attname = '"'"'name'"'"'" >n &&
	echo "$(cat p)|$(cat n)" >actual &&
	test_cmp expect actual
'

test_expect_success POSTGRES 'narrowing is still destructive: up asks, nothing runs' '
	cat >migrations/0004_narrow.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE t ALTER COLUMN price TYPE numeric(10,2);
	-- migrate:down
	EOF
	test_expect_code 3 strata lint >out &&
	test_grep "0004_narrow.sql:2: error\[alter-column-type\]: column .t.price. changes type from numeric(20,8) to numeric(10,2)" out &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "0004_narrow.sql:2 .*(alter-column-type)" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success POSTGRES 'a table named with its schema is not looked up: judged the worst way' '
	cat >migrations/0004_narrow.sql <<-\EOF &&
	-- migrate:up
	CREATE INDEX t_n2 ON public.t (n);
	ALTER TABLE public.t ALTER COLUMN price TYPE numeric(30,8);
	-- migrate:down
	EOF
	test_expect_code 3 strata lint --large-table-rows 1000000 >out &&
	test_grep "0004_narrow.sql:2: error\[create-index-non-concurrent\]: CREATE INDEX on .t. without CONCURRENTLY blocks writes to the table while the index is built$" out &&
	test_grep "0004_narrow.sql:3: error\[alter-column-type\]: column .t.price. changes type: the table" out &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "0004_narrow.sql:3 .*(alter-column-type)" err
'

test_expect_success POSTGRES 'int to bigint rewrites but loses nothing: lint reports it, up does not ask' '
	rm migrations/0004_narrow.sql &&
	cat >migrations/0004_big.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE t ALTER COLUMN n TYPE bigint;
	-- migrate:down
	EOF
	test_expect_code 3 strata lint --large-table-rows 1000 >out &&
	test_grep "0004_big.sql:2: error\[alter-column-type-rewrite\]" out &&
	strata up >out 2>err &&
	test_grep "applied .*0004_big" out &&
	echo 2000 >expect &&
	db_sql "SELECT count(*) FROM t WHERE n IS NOT NULL" >actual &&
	test_cmp expect actual
'

# ---- checksums: directive comments are not edits ---------------------------

test_expect_success 'a lint-ignore comment added to an applied migration does not make it edited' '
	base &&
	cat >migrations/0002_u.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE u (id bigint PRIMARY KEY);
	DELETE FROM t;
	-- migrate:down
	DROP TABLE u;
	EOF
	strata up --allow-destructive >/dev/null &&
	sed -i "s/^DELETE FROM t;/-- strata:lint-ignore delete-without-where: t is empty here\n&/" migrations/0002_u.sql &&
	sed -i "s/^CREATE TABLE u (id bigint PRIMARY KEY);/& -- strata:lint-ignore int-primary-key/" migrations/0002_u.sql &&
	test_grep "strata:lint-ignore delete-without-where" migrations/0002_u.sql &&
	strata status >out 2>err &&
	test_grep ! edited out &&
	test_grep "0 pending" out &&
	strata up >out 2>err &&
	test_grep ! -i "edited" err &&
	strata lint --all --engine postgres >out &&
	test_grep "(1 suppressed)" out
'

test_expect_success 'any other change is still an edit' '
	sed -i "s/^DELETE FROM t;/DELETE FROM t WHERE id > 0;/" migrations/0002_u.sql &&
	test_might_fail strata status >out 2>err &&
	test_grep "edited" out &&
	test_must_fail strata up >out 2>err &&
	test_grep "edited after it was applied" err
'

test_expect_success 'strata.sum: a lint-ignore comment is no edit, and an older sum of the whole file still holds' '
	base &&
	strata hash >/dev/null &&
	sed -i "s/^CREATE TABLE u .*/-- strata:lint-ignore int-primary-key\n&/" migrations/0002_u.sql &&
	strata up >out 2>err &&
	test_grep "applied .*0002_u" out &&
	# a strata.sum an older strata wrote: the hash of the whole file
	for f in migrations/0001_t.sql migrations/0002_u.sql
	do
		echo "$(basename $f) $(tr -d "\r" <$f | sha256sum | cut -d" " -f1)" || return 1
	done >body &&
	{ echo "total $(sha256sum <body | cut -d" " -f1)" && cat body; } >migrations/strata.sum &&
	strata status >out 2>err &&
	test_grep ! edited out &&
	cat >migrations/0003_v.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE v (id bigint PRIMARY KEY);
	-- migrate:down
	DROP TABLE v;
	EOF
	test_must_fail strata up >out 2>err &&
	test_grep "0003_v.sql is not in the file" err &&
	strata hash >/dev/null &&
	strata up >out 2>err &&
	test_grep "applied .*0003_v" out &&
	echo "x" >>migrations/0001_t.sql &&
	test_must_fail strata up >out 2>err &&
	test_grep "0001_t.sql was edited after it was hashed" err
'

# ---- PostgreSQL: checks and functions the database has (issue 20) ----------

test_expect_success POSTGRES 'SET NOT NULL after a check the database validated: no scan, no finding' '
	base &&
	strata up >/dev/null &&
	db_sql "ALTER TABLE t ADD CONSTRAINT t_n_nn CHECK (n IS NOT NULL) NOT VALID;
	        ALTER TABLE t ADD CONSTRAINT t_name_nn CHECK (name IS NOT NULL) NOT VALID;
	        ALTER TABLE t VALIDATE CONSTRAINT t_n_nn;" &&
	cat >migrations/0003_nn.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE t ALTER COLUMN n SET NOT NULL;
	ALTER TABLE t ALTER COLUMN name SET NOT NULL;
	ALTER TABLE t ALTER COLUMN price SET NOT NULL;
	-- migrate:down
	EOF
	strata lint >out &&
	test_grep ! "0003_nn.sql:2: .*set-not-null" out &&
	test_grep "0003_nn.sql:3: warning\[set-not-null\]: SET NOT NULL on .t.name." out &&
	test_grep "0003_nn.sql:4: warning\[set-not-null\]: SET NOT NULL on .t.price." out &&
	# offline, lint has not seen the check
	test_expect_code 3 strata lint --offline >out &&
	test_grep "0003_nn.sql:2: error\[set-not-null\]" out
'

test_expect_success POSTGRES 'a default calling a function: pg_proc says whether it is volatile' '
	db_sql "CREATE FUNCTION steady_fn() RETURNS int IMMUTABLE LANGUAGE sql AS '"'"'SELECT 1'"'"';
	        CREATE FUNCTION jumpy_fn() RETURNS int VOLATILE LANGUAGE sql AS '"'"'SELECT 2'"'"';" &&
	cat >migrations/0003_nn.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE t ADD COLUMN a int DEFAULT steady_fn();
	ALTER TABLE t ADD COLUMN b int DEFAULT jumpy_fn();
	ALTER TABLE t ADD COLUMN c int DEFAULT nowhere_fn();
	-- migrate:down
	EOF
	strata lint >out &&
	test_grep ! "0003_nn.sql:2: .*add-column-volatile-default" out &&
	test_grep "0003_nn.sql:3: warning\[add-column-volatile-default\]: column .t.b. is added with a volatile default (jumpy_fn())" out &&
	test_grep "0003_nn.sql:4: warning\[add-column-volatile-default\]: column .t.c. is added with a default calling nowhere_fn(), which lint cannot tell is volatile (the database has no such function)" out &&
	strata lint --offline >out &&
	test_grep "0003_nn.sql:2: warning\[add-column-volatile-default\]: .*steady_fn(), which lint cannot tell is volatile (no database to ask)" out &&
	test_grep "0003_nn.sql:3: warning\[add-column-volatile-default\]: .*jumpy_fn(), which lint cannot tell" out
'

test_expect_success POSTGRES 'SET NOT NULL after the run validates a NOT VALID check the database has' '
	base &&
	strata up >/dev/null &&
	db_sql "ALTER TABLE t ADD CONSTRAINT t_n_nn CHECK (n IS NOT NULL) NOT VALID;" &&
	cat >migrations/0003_nn.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE t VALIDATE CONSTRAINT t_n_nn;
	ALTER TABLE t ALTER COLUMN n SET NOT NULL;
	-- migrate:down
	EOF
	strata lint >out &&
	test_grep ! set-not-null out &&
	test_expect_code 3 strata lint --offline >out &&
	test_grep "0003_nn.sql:3: error\[set-not-null\]" out
'

test_expect_success POSTGRES 'validate-same-transaction: across the pending run, up to a transaction:false migration' '
	base &&
	strata up >/dev/null &&
	cat >migrations/0003_add.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE t ADD CONSTRAINT t_n_pos CHECK (n > 0) NOT VALID;
	-- migrate:down
	ALTER TABLE t DROP CONSTRAINT t_n_pos;
	EOF
	cat >migrations/0004_validate.sql <<-\EOF &&
	-- migrate:up
	ALTER TABLE t VALIDATE CONSTRAINT t_n_pos;
	-- migrate:down
	EOF
	test_expect_code 3 strata lint >out &&
	test_grep "0004_validate.sql:2: error\[validate-same-transaction\]: constraint .t_n_pos. on .t. is validated in the same transaction that adds it NOT VALID (by an earlier migration of the same pending run)" out &&
	sed -i "1s/.*/-- migrate:up transaction:false/" migrations/0004_validate.sql &&
	strata lint >out &&
	test_grep ! validate-same-transaction out &&
	strata up >out 2>err &&
	test_grep "applied .*0004_validate" out
'

test_done
