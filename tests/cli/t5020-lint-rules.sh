#!/bin/bash

test_description='lint rules for timeouts and robustness

lock-timeout-missing (asked for with --require-lock-timeout; satisfied by
--lock-timeout or a SET in the file), drop-index-non-concurrent,
int-primary-key, non-idempotent (transaction:false files), attach-partition,
add-exclude-constraint, alter-column-type-rewrite: each fires on its example
with file, line and hint, and not on the safe way. The sqlite run checks
the rules offline (--engine postgres); the postgres run checks that the safe
ways the hints name apply with strata up and lint clean.'

test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

# mig FILE [transaction:false] <BODY: migrations/FILE with BODY as its up section.
mig() {
	mkdir -p migrations &&
	{
		printf -- "-- migrate:up%s\n" "${2:+ $2}" &&
		cat &&
		printf -- "-- migrate:down\n"
	} >"migrations/$1"
}

test_expect_success SQLITE 'each rule fires on its example, at its line' '
	mig 0001_rules.sql <<-\EOF &&
	CREATE TABLE accounts (id serial PRIMARY KEY, name text);
	DROP INDEX accounts_name;
	ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM (1) TO (2);
	ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (during WITH &&);
	EOF
	test_expect_code 3 strata lint --engine postgres migrations/0001_rules.sql >out &&
	test_grep "^migrations/0001_rules.sql:2: warning\[int-primary-key\]: primary key .accounts.id. is serial: it overflows after 2,147,483,647 rows ever inserted$" out &&
	test_grep "^    hint: use bigint (bigserial, or bigint GENERATED ALWAYS AS IDENTITY)" out &&
	test_grep "^migrations/0001_rules.sql:3: warning\[drop-index-non-concurrent\]: DROP INDEX .accounts_name. without CONCURRENTLY" out &&
	test_grep "^migrations/0001_rules.sql:4: error\[attach-partition\]: ATTACH PARTITION .events_2026. to .events. scans the whole partition" out &&
	test_grep "^migrations/0001_rules.sql:5: error\[add-exclude-constraint\]: EXCLUDE constraint on .bookings." out &&
	test_grep "^2 errors, 2 warnings (0 suppressed)$" out &&
	test_grep ! lock-timeout-missing out
'

test_expect_success SQLITE 'SQLite: no PostgreSQL-only rule' '
	test_expect_code 0 strata lint --engine sqlite migrations/0001_rules.sql >out &&
	test_grep "^0 errors, 0 warnings" out
'

test_expect_success SQLITE 'the safe ways are not reported' '
	mig 0002_safe.sql transaction:false <<-\EOF &&
	CREATE TABLE IF NOT EXISTS ledgers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
	DROP INDEX CONCURRENTLY IF EXISTS accounts_name;
	EOF
	strata lint --engine postgres migrations/0002_safe.sql >out &&
	test_grep "^0 errors, 0 warnings (0 suppressed)$" out
'

test_expect_success SQLITE 'non-idempotent: only in a transaction:false migration' '
	mig 0003_notx.sql transaction:false <<-\EOF &&
	CREATE INDEX CONCURRENTLY accounts_name ON accounts (name);
	EOF
	strata lint --engine postgres migrations/0003_notx.sql >out &&
	test_grep "^migrations/0003_notx.sql:2: warning\[non-idempotent\]: CREATE INDEX without IF NOT EXISTS fails when the migration runs again after stopping partway (transaction:false), and a failed CONCURRENTLY build leaves an invalid index of that name behind$" out &&
	mig 0004_tx.sql <<-\EOF &&
	CREATE TABLE t (id bigint PRIMARY KEY);
	DROP TABLE IF EXISTS old;
	EOF
	test_expect_code 3 strata lint --engine postgres migrations/0004_tx.sql >out &&
	test_grep ! non-idempotent out &&
	mig 0004_notx.sql transaction:false <<-\EOF &&
	CREATE TABLE t2 (x int);
	ALTER TABLE t ADD COLUMN y int;
	EOF
	strata lint --engine sqlite migrations/0004_notx.sql >out &&
	test_grep "^migrations/0004_notx.sql:2: warning\[non-idempotent\]: CREATE TABLE .t2. without IF NOT EXISTS" out &&
	test_grep ! "0004_notx.sql:3:" out &&
	strata lint --engine postgres migrations/0004_notx.sql >out &&
	test_grep "^migrations/0004_notx.sql:3: warning\[non-idempotent\]: ADD COLUMN .y. without IF NOT EXISTS" out
'

test_expect_success SQLITE 'lock-timeout-missing: asked for, once a file, an error' '
	mig 0005_locks.sql <<-\EOF &&
	ALTER TABLE accounts ADD COLUMN note text;
	CREATE INDEX accounts_note ON accounts (note);
	EOF
	test_expect_code 3 strata lint --engine postgres migrations/0005_locks.sql >out &&
	test_grep ! lock-timeout-missing out &&
	test_expect_code 3 strata lint --engine postgres --require-lock-timeout migrations/0005_locks.sql >out &&
	test_grep "^migrations/0005_locks.sql:2: error\[lock-timeout-missing\]: this statement locks .accounts. with no lock_timeout set" out &&
	test_grep "^    hint: run up with --lock-timeout" out &&
	test "$(grep -c lock-timeout-missing out)" = 1
'

test_expect_success SQLITE 'lock-timeout-missing: --lock-timeout or a SET first satisfies it; SET 0 does not' '
	test_expect_code 3 strata --lock-timeout 5s lint --engine postgres --require-lock-timeout migrations/0005_locks.sql >out &&
	test_grep ! lock-timeout-missing out &&
	mig 0006_set.sql <<-\EOF &&
	SET LOCAL lock_timeout = '"'"'5s'"'"';
	ALTER TABLE accounts ADD COLUMN note text;
	EOF
	strata lint --engine postgres --require-lock-timeout migrations/0006_set.sql >out &&
	test_grep "^0 errors, 0 warnings" out &&
	mig 0007_zero.sql <<-\EOF &&
	SET lock_timeout = 0;
	ALTER TABLE accounts ADD COLUMN note text;
	EOF
	test_expect_code 3 strata lint --engine postgres --require-lock-timeout migrations/0007_zero.sql >out &&
	test_grep "0007_zero.sql:3: error\[lock-timeout-missing\]" out &&
	mig 0008_notx.sql transaction:false <<-\EOF &&
	SET LOCAL statement_timeout = '"'"'1min'"'"';
	DROP INDEX CONCURRENTLY IF EXISTS accounts_note;
	DROP TABLE IF EXISTS old_accounts;
	EOF
	test_expect_code 3 strata lint --engine postgres --require-lock-timeout migrations/0008_notx.sql >out &&
	test_grep "0008_notx.sql:4: error\[lock-timeout-missing\]" out
'

test_expect_success SQLITE 'a type change whose old type an earlier migration gives' '
	rm -rf migrations &&
	mig 0001_t.sql <<-\EOF &&
	CREATE TABLE prices (id bigint PRIMARY KEY, amount DECIMAL(18,8), n int, code varchar(8));
	EOF
	mig 0002_widen.sql <<-\EOF &&
	ALTER TABLE prices ALTER COLUMN amount TYPE DECIMAL(20,8), ALTER COLUMN code TYPE varchar(16);
	ALTER TABLE prices ALTER COLUMN n TYPE bigint;
	ALTER TABLE prices ALTER COLUMN amount TYPE numeric(22,10);
	ALTER TABLE prices ALTER COLUMN code TYPE varchar(4);
	EOF
	test_expect_code 3 strata lint --engine postgres >out &&
	test_grep ! "0002_widen.sql:2:" out &&
	test_grep "^migrations/0002_widen.sql:3: error\[alter-column-type-rewrite\]: column .prices.n. changes type from integer to bigint: every value converts" out &&
	test_grep "^migrations/0002_widen.sql:4: error\[alter-column-type-rewrite\]: column .prices.amount. changes type from numeric(20,8) to numeric(22,10)" out &&
	test_grep "^migrations/0002_widen.sql:5: error\[alter-column-type\]: column .prices.code. changes type from varchar(16) to varchar(4)" out &&
	test_expect_code 3 strata lint --engine postgres migrations/0002_widen.sql >out &&
	test_grep "0002_widen.sql:2: error\[alter-column-type\]: column .prices.amount. changes type: the table" out
'

# ---- PostgreSQL: the hints, followed, apply -------------------------------

test_expect_success POSTGRES 'the safe ways apply with up and lint clean' '
	use_fresh_db &&
	rm -rf migrations &&
	mig 0001_base.sql <<-\EOF &&
	CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);
	CREATE INDEX accounts_name ON accounts (name);
	CREATE TABLE events (id bigint, at int) PARTITION BY RANGE (at);
	CREATE TABLE events_1 (id bigint, at int);
	INSERT INTO events_1 VALUES (1, 5);
	EOF
	strata up >/dev/null &&
	mig 0002_drop_index.sql transaction:false <<-\EOF &&
	DROP INDEX CONCURRENTLY IF EXISTS accounts_name;
	EOF
	mig 0003_check.sql <<-\EOF &&
	SET LOCAL lock_timeout = '"'"'5s'"'"';
	ALTER TABLE events_1 ADD CONSTRAINT events_1_bound CHECK (at IS NOT NULL AND at >= 1 AND at < 10) NOT VALID;
	EOF
	# up runs a pending run in one transaction: the VALIDATE goes in a
	# transaction:false migration, which commits the add (and its lock) first
	mig 0004_validate.sql transaction:false <<-\EOF &&
	SET lock_timeout = '"'"'5s'"'"';
	ALTER TABLE events_1 VALIDATE CONSTRAINT events_1_bound;
	EOF
	strata lint --require-lock-timeout >out &&
	test_grep "^0 errors, 0 warnings (0 suppressed); 1 applied migration not linted" out &&
	strata up >out 2>err &&
	test_grep "applied .*0004_validate" out &&
	echo 0 >expect &&
	db_sql "SELECT count(*) FROM pg_indexes WHERE indexname = '"'"'accounts_name'"'"'" >actual &&
	test_cmp expect actual
'

test_expect_success POSTGRES 'a transaction:false migration with IF [NOT] EXISTS runs again after a partial run' '
	mig 0005_again.sql transaction:false <<-\EOF &&
	CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_name2 ON accounts (name);
	DROP INDEX CONCURRENTLY IF EXISTS accounts_name;
	EOF
	strata lint >out &&
	test_grep "^0 errors, 0 warnings" out &&
	db_sql "CREATE INDEX accounts_name2 ON accounts (name)" &&
	strata up >out 2>err &&
	test_grep "applied .*0005_again" out
'

test_expect_success POSTGRES 'the lint-ignore a reviewer adds to an applied file keeps it applied' '
	sed -i "s/^DROP INDEX CONCURRENTLY IF EXISTS accounts_name;/-- strata:lint-ignore drop-index-non-concurrent\n&/" migrations/0002_drop_index.sql &&
	strata status >out &&
	test_grep ! edited out &&
	strata up >out 2>err &&
	test_grep ! -i edited err
'

test_done
