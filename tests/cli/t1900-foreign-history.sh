#!/bin/bash

test_description='up respects the history another migration tool wrote

A database that dbmate, golang-migrate, goose, Flyway, Prisma, TypeORM,
knex, Drizzle or an up/down runner (_migrations) migrated has that tool'"'"'s
history table and none of strata'"'"'s. up (and redo) must not run those
migrations a second time: it refuses before anything runs, names the tool and
the table, and says how to take the history over (strata baseline); the hint,
followed, leaves the database right. A table of the same name with other
columns is not a history table. --ignore-foreign-history applies anyway.'

. "$(dirname "$0")/test-lib.sh"

# Three migrations; the other tool applied the first two (tables a and b).
write_migrations() {
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0001_create_a.sql &&
	printf -- "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n" \
		>migrations/0002_create_b.sql &&
	printf -- "-- migrate:up\nCREATE TABLE c (id INTEGER);\n-- migrate:down\nDROP TABLE c;\n" \
		>migrations/0003_create_c.sql
}

# migrated_by SQL: a fresh database where another tool applied 0001 and
# 0002 and recorded it with SQL.
migrated_by() {
	write_migrations &&
	use_fresh_db &&
	db_sql "CREATE TABLE a (id INTEGER); CREATE TABLE b (id INTEGER); $1"
}

test_path_is_missing_table() {
	! db_tables | grep -qx "$1"
}

is_pg() {
	test_have_engine postgres
}

DBMATE="CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
	INSERT INTO schema_migrations VALUES ('0001'), ('0002');"
GOLANG="CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
	INSERT INTO schema_migrations VALUES (2, false);"
GOOSE="CREATE TABLE goose_db_version (id integer PRIMARY KEY, version_id bigint NOT NULL,
	is_applied boolean NOT NULL, tstamp timestamp DEFAULT CURRENT_TIMESTAMP);
	INSERT INTO goose_db_version (id, version_id, is_applied) VALUES (1, 0, true), (2, 1, true), (3, 2, true);"
FLYWAY="CREATE TABLE flyway_schema_history (installed_rank integer PRIMARY KEY, version varchar(50),
	description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL,
	checksum integer, installed_by varchar(100) NOT NULL,
	installed_on timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, execution_time integer NOT NULL,
	success boolean NOT NULL);
	INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,
	installed_by, execution_time, success) VALUES
	(1, '1', 'create a', 'SQL', 'V1__create_a.sql', 1, 'me', 5, true),
	(2, '2', 'create b', 'SQL', 'V2__create_b.sql', 2, 'me', 5, true);"
PRISMA="CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL,
	finished_at timestamp, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamp,
	started_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, applied_steps_count integer NOT NULL DEFAULT 0);
	INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES
	('m1', 'x', CURRENT_TIMESTAMP, '0001_create_a', 1), ('m2', 'y', CURRENT_TIMESTAMP, '0002_create_b', 1);"
TYPEORM="CREATE TABLE migrations (id integer PRIMARY KEY, \"timestamp\" bigint NOT NULL, name varchar NOT NULL);
	INSERT INTO migrations VALUES (1, 1, 'CreateA1'), (2, 2, 'CreateB2');"
KNEX="CREATE TABLE knex_migrations (id integer PRIMARY KEY, name varchar(255), batch integer,
	migration_time timestamp);
	INSERT INTO knex_migrations VALUES (1, '0001_create_a.js', 1, CURRENT_TIMESTAMP),
	(2, '0002_create_b.js', 1, CURRENT_TIMESTAMP);"
RUNNER="CREATE TABLE _migrations (id integer PRIMARY KEY, name varchar(255) NOT NULL,
	batch integer NOT NULL, executed_at timestamp DEFAULT CURRENT_TIMESTAMP);
	INSERT INTO _migrations (id, name, batch) VALUES (1, '0001_create_a.sql', 1), (2, '0002_create_b.sql', 1);"
DRIZZLE_TABLE="__drizzle_migrations (id integer PRIMARY KEY, hash text NOT NULL, created_at bigint)"
if is_pg; then
	DRIZZLE="CREATE SCHEMA drizzle; CREATE TABLE drizzle.$DRIZZLE_TABLE;
	INSERT INTO drizzle.__drizzle_migrations VALUES (1, 'h1', 1700000000000), (2, 'h2', 1700000001000);"
else
	DRIZZLE="CREATE TABLE $DRIZZLE_TABLE;
	INSERT INTO __drizzle_migrations VALUES (1, 'h1', 1700000000000), (2, 'h2', 1700000001000);"
fi

# refused TOOL TABLE [ROWS]: up refuses, exit 1, one line naming both,
# nothing changed.
refused() {
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: the database was migrated by $1: its history table '$2' records ${3:-2} migration" err &&
	test_grep "nothing was run" err &&
	test_grep "strata baseline" err &&
	test "$(db_checksum)" = "$before"
}

# follow_hint: run the baseline command the error names, then up: c is
# created, status is clean, a and b were not created a second time.
follow_hint() {
	hint=$(sed -n "s/.*record what .* applied with '\(strata baseline [0-9]*\)'.*/\1/p" err) &&
	test "$hint" = "strata baseline 0002" &&
	$hint >out &&
	test_grep "recorded 2 migrations up to 0002 as applied" out &&
	strata up >out 2>err &&
	test_grep "applied .*0003_create_c" out &&
	strata status --exit-code >out &&
	test_grep "^3 applied, 0 pending" out &&
	db_sql "SELECT count(*) FROM c" >actual &&
	echo 0 >expect &&
	test_cmp expect actual
}

test_expect_success 'dbmate: up refuses and names the tool and table' '
	migrated_by "$DBMATE" &&
	refused dbmate "$(is_pg && echo public.)schema_migrations"
'

test_expect_success 'dbmate: the hint names the version, and following it is right' '
	test_grep "strata baseline 0002'"'"' (it applied exactly the migrations in migrations up to 0002)" err &&
	follow_hint
'

test_expect_success 'golang-migrate (one row: the version everything up to is at)' '
	migrated_by "$GOLANG" &&
	refused golang-migrate "$(is_pg && echo public.)schema_migrations" 1 &&
	test_grep "records 1 migration (newest 2)" err &&
	follow_hint
'

test_expect_success 'golang-migrate dirty: no version is offered, repair comes first' '
	migrated_by "$(echo "$GOLANG" | sed "s/(2, false)/(2, true)/")" &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "migrated by golang-migrate: .*, one of which stopped halfway" err &&
	test_grep "repair what stopped halfway, record what golang-migrate applied with '"'"'strata baseline VERSION'"'"'" err &&
	test_grep ! "strata baseline [0-9]" err &&
	test_path_is_missing_table c
'

test_expect_success 'goose' '
	migrated_by "$GOOSE" &&
	refused goose "$(is_pg && echo public.)goose_db_version" &&
	follow_hint
'

test_expect_success 'Flyway' '
	migrated_by "$FLYWAY" &&
	refused Flyway "$(is_pg && echo public.)flyway_schema_history" &&
	follow_hint
'

test_expect_success 'Prisma' '
	migrated_by "$PRISMA" &&
	refused Prisma "$(is_pg && echo public.)_prisma_migrations" &&
	follow_hint
'

test_expect_success 'TypeORM' '
	migrated_by "$TYPEORM" &&
	refused TypeORM "$(is_pg && echo public.)migrations" &&
	follow_hint
'

test_expect_success 'knex' '
	migrated_by "$KNEX" &&
	refused knex "$(is_pg && echo public.)knex_migrations" &&
	follow_hint
'

test_expect_success 'the up/down runner of _migrations' '
	migrated_by "$RUNNER" &&
	refused "an up/down runner" "$(is_pg && echo public.)_migrations" &&
	follow_hint
'

test_expect_success 'Drizzle (PostgreSQL: in schema drizzle): the hint asks for the version' '
	migrated_by "$DRIZZLE" &&
	refused Drizzle "$(is_pg && echo drizzle.)__drizzle_migrations" &&
	test_grep "with '"'"'strata baseline VERSION'"'"', VERSION being the newest migration of migrations the database already has" err &&
	strata baseline 0002 >out &&
	strata up >out &&
	strata status --exit-code >out &&
	test_grep "^3 applied, 0 pending" out
'

test_expect_success 'a user table called migrations with other columns is no history' '
	write_migrations &&
	use_fresh_db &&
	db_sql "CREATE TABLE migrations (id integer PRIMARY KEY, name text, applied boolean);
		INSERT INTO migrations VALUES (1, '"'"'x'"'"', true);
		CREATE TABLE schema_migrations (version varchar(128), note text);
		INSERT INTO schema_migrations VALUES ('"'"'0001'"'"', '"'"'n'"'"');" &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^3 migrations applied" out
'

test_expect_success 'an empty history table of another tool does not stop up' '
	write_migrations &&
	use_fresh_db &&
	db_sql "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);" &&
	strata up >out 2>err &&
	test_grep "^3 migrations applied" out
'

test_expect_success 'strata'"'"'s own history wins: with rows in it, up goes on' '
	migrated_by "$DBMATE" &&
	strata baseline 0001 >out &&
	test_must_fail strata up >out 2>err &&
	test_grep ! "migrated by" err
'

test_expect_success 'an empty tracking table of strata'"'"'s does not count as history' '
	migrated_by "$DBMATE" &&
	strata baseline 0001 >out &&
	strata mark 0001 --pending >out &&
	refused dbmate "$(is_pg && echo public.)schema_migrations"
'

test_expect_success 'up --dry-run refuses too (its list would be wrong)' '
	migrated_by "$KNEX" &&
	test_expect_code 1 strata up --dry-run >out 2>err &&
	test_must_be_empty out &&
	test_grep "migrated by knex" err
'

test_expect_success 'redo refuses as well' '
	migrated_by "$KNEX" &&
	before=$(db_checksum) &&
	test_expect_code 1 strata redo >out 2>err &&
	test_grep "migrated by knex" err &&
	test_grep "then run '"'"'strata redo'"'"'" err &&
	test_grep ! "ignore-foreign-history" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success '--ignore-foreign-history applies anyway' '
	write_migrations &&
	use_fresh_db &&
	db_sql "$KNEX" &&
	strata up --ignore-foreign-history >out 2>err &&
	test_grep "^3 migrations applied" out &&
	db_sql "SELECT count(*) FROM knex_migrations" >actual &&
	echo 2 >expect &&
	test_cmp expect actual
'

test_expect_success 'down with another tool'"'"'s history has nothing of strata'"'"'s to roll back' '
	migrated_by "$DBMATE" &&
	before=$(db_checksum) &&
	strata down >out 2>err &&
	test_grep "nothing to roll back" out &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'stale history (strata took over, then rolled all back): the hint works' '
	migrated_by "$DBMATE" &&
	strata baseline 0002 >out &&
	strata up >out &&
	strata down --all >out &&
	test_expect_code 1 strata up >out 2>err &&
	test_grep "or is stale (strata rolled them back since: its table exists, empty), run .strata up --ignore-foreign-history.$" err &&
	strata up --ignore-foreign-history >out &&
	strata status --exit-code >out &&
	test_grep "^3 applied, 0 pending" out
'

test_expect_success 'an application migrating through libstrata refuses as well (STRATA_EFOREIGN)' '
	migrated_by "$GOOSE" &&
	before=$(db_checksum) &&
	test_must_fail "$(dirname "$STRATA")/example-app" "$DATABASE_URL" migrations >out 2>err &&
	test_grep "app: cannot migrate the database: the database was migrated by goose: its history table .*goose_db_version. records 2 migrations (newest 2) and strata.s tracking table .strata_migrations. none, so every migration would run again; nothing was run$" err &&
	test_grep ! "strata baseline" err &&
	test "$(db_checksum)" = "$before"
'

test_done
