#!/bin/bash

test_description='adopt takes over another tool'"'"'s history in place

For each tool t1900 knows (dbmate, golang-migrate, goose, Flyway, Prisma,
TypeORM, knex, Drizzle, the up/down runner), adopt records what the tool
applied in strata'"'"'s table (with the tool'"'"'s batch and time where it kept
them), runs nothing, keeps the tool'"'"'s table, and afterwards up applies only
what is new and verify does not call the old table drift. It refuses, with
nothing recorded, when a recorded migration has no file, when a file does not
match the tool'"'"'s checksum, when strata already has history, and when two
tools'"'"' histories are found and --from names none. --dry-run changes nothing.'

. "$(dirname "$0")/test-lib.sh"

is_pg() {
	test_have_engine postgres
}

if command -v python3 >/dev/null 2>&1
then
	test_set_prereq PYTHON
fi

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

migrated_by() {
	write_migrations &&
	use_fresh_db &&
	db_sql "CREATE TABLE a (id INTEGER); CREATE TABLE b (id INTEGER); $1"
}

has_table() {
	db_tables | grep -qx "$1"
}

sha() {
	sha256sum "$1" | cut -d" " -f1
}

# Flyway's checksum of FILE: CRC-32 of its lines without line endings, signed.
flyway_crc() {
	python3 -c 'import sys, zlib
d = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"")
c = zlib.crc32(d)
print(c - (1 << 32) if c >= (1 << 31) else c)' "$1"
}

DBMATE="CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
	INSERT INTO schema_migrations VALUES ('0001'), ('0002');"
GOLANG="CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
	INSERT INTO schema_migrations VALUES (2, false);"
GOOSE="CREATE TABLE goose_db_version (id integer PRIMARY KEY, version_id bigint NOT NULL,
	is_applied boolean NOT NULL, tstamp timestamp DEFAULT CURRENT_TIMESTAMP);
	INSERT INTO goose_db_version (id, version_id, is_applied, tstamp) VALUES (1, 0, true, '2020-01-01 00:00:00'),
	(2, 1, true, '2021-02-03 04:05:06'), (3, 2, true, '2021-02-04 04:05:06');"
flyway() { # flyway SUM1 SUM2
	echo "CREATE TABLE flyway_schema_history (installed_rank integer PRIMARY KEY, version varchar(50),
	description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL,
	checksum integer, installed_by varchar(100) NOT NULL,
	installed_on timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, execution_time integer NOT NULL,
	success boolean NOT NULL);
	INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,
	installed_by, installed_on, execution_time, success) VALUES
	(1, '1', 'create a', 'SQL', 'V1__create_a.sql', $1, 'me', '2022-05-06 07:08:09', 5, true),
	(2, '2', 'create b', 'SQL', 'V2__create_b.sql', $2, 'me', '2022-05-07 07:08:09', 5, true);"
}
prisma() { # prisma SUM1 SUM2
	echo "CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL,
	finished_at timestamp, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamp,
	started_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, applied_steps_count integer NOT NULL DEFAULT 0);
	INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES
	('m1', '$1', '2023-01-01 10:00:00', '0001_create_a', 1), ('m2', '$2', '2023-01-02 10:00:00', '0002_create_b', 1);"
}
TYPEORM="CREATE TABLE migrations (id integer PRIMARY KEY, \"timestamp\" bigint NOT NULL, name varchar NOT NULL);
	INSERT INTO migrations VALUES (1, 1, 'CreateA1'), (2, 2, 'CreateB2');"
KNEX="CREATE TABLE knex_migrations (id integer PRIMARY KEY, name varchar(255), batch integer,
	migration_time timestamp);
	INSERT INTO knex_migrations VALUES (1, '0001_create_a.js', 1, '2019-01-01 01:01:01'),
	(2, '0002_create_b.js', 2, '2019-02-02 02:02:02');"
RUNNER="CREATE TABLE _migrations (id integer PRIMARY KEY, name varchar(255) NOT NULL,
	batch integer NOT NULL, executed_at timestamp DEFAULT CURRENT_TIMESTAMP);
	INSERT INTO _migrations (id, name, batch, executed_at) VALUES (1, '0001_create_a.sql', 1, '2018-03-03 03:03:03'),
	(2, '0002_create_b.sql', 3, '2018-04-04 04:04:04');"

tracking() {
	db_sql "SELECT version, batch, substr(CAST(applied_at AS text), 1, 19) FROM strata_migrations ORDER BY version"
}

# adopted TOOL TABLE: adopt records 0001 and 0002 and runs nothing; up then
# applies 0003 only; the tool's table is kept; verify is clean.
adopted() {
	strata adopt --dry-run >out 2>err &&
	test_grep "dry run: 2 migrations of $1.s history ('$2') would be recorded" out &&
	test_grep ! "strata_migrations" err &&
	! db_tables | grep -qx strata_migrations &&
	strata adopt >out 2>err &&
	test_must_be_empty err &&
	test_grep "^recorded *0001_create_a" out &&
	test_grep "^recorded *0002_create_b" out &&
	test_grep "^adopted 2 migrations from $1.s history ('$2'" out &&
	strata status >out &&
	test_grep "^2 applied, 1 pending" out &&
	strata up >out &&
	test_grep "^applied *0003_create_c" out &&
	test_grep ! "0001\|0002" out &&
	has_table "${2#*.}" &&
	strata verify >out &&
	test_grep "^ok" out
}

test_expect_success 'dbmate' '
	migrated_by "$DBMATE" &&
	adopted dbmate "$(is_pg && echo public.)schema_migrations" &&
	tracking >actual &&
	test "$(sed -n 1p actual | cut -d"|" -f2)" = 1
'

test_expect_success 'dbmate keeps its files in db/migrations: named, then adopted' '
	migrated_by "$DBMATE" &&
	mkdir -p db &&
	mv migrations db/migrations &&
	test_expect_code 1 strata adopt >out 2>err &&
	test_grep "found .db/migrations., dbmate.s default: use -d db/migrations" err &&
	strata -d db/migrations adopt >out &&
	test_grep "^adopted 2 migrations from dbmate" out &&
	rm -rf db
'

test_expect_success 'golang-migrate: every file up to its one version' '
	migrated_by "$GOLANG" &&
	adopted golang-migrate "$(is_pg && echo public.)schema_migrations"
'

test_expect_success 'golang-migrate dirty: refused, nothing recorded' '
	migrated_by "$(echo "$GOLANG" | sed "s/(2, false)/(2, true)/")" &&
	test_expect_code 1 strata adopt >out 2>err &&
	test_grep "golang-migrate records .2. as stopped halfway: nothing was adopted" err &&
	! has_table strata_migrations
'

test_expect_success 'goose keeps the time' '
	migrated_by "$GOOSE" &&
	adopted goose "$(is_pg && echo public.)goose_db_version" &&
	tracking >actual &&
	test_grep "^0001|1|2021-02-03 04:05:06$" actual &&
	test_grep "^0002|1|2021-02-04 04:05:06$" actual
'

test_expect_success PYTHON 'Flyway: the checksums match the files' '
	write_migrations &&
	migrated_by "$(flyway $(flyway_crc migrations/0001_create_a.sql) $(flyway_crc migrations/0002_create_b.sql))" &&
	adopted Flyway "$(is_pg && echo public.)flyway_schema_history" &&
	tracking >actual &&
	test_grep "^0001|1|2022-05-06 07:08:09$" actual
'

test_expect_success 'Flyway: a checksum mismatch is refused, nothing recorded' '
	migrated_by "$(flyway 1 2)" &&
	before=$(db_checksum) &&
	test_expect_code 1 strata adopt >out 2>err &&
	test_line_count = 1 err &&
	test_grep "migrations/0001_create_a.sql does not match the checksum Flyway recorded when it applied .1." err &&
	test "$(db_checksum)" = "$before" &&
	! has_table strata_migrations
'

test_expect_success 'Prisma: the checksums (SHA-256 of the files) match' '
	write_migrations &&
	migrated_by "$(prisma $(sha migrations/0001_create_a.sql) $(sha migrations/0002_create_b.sql))" &&
	adopted Prisma "$(is_pg && echo public.)_prisma_migrations"
'

test_expect_success 'Prisma: an edited file is refused' '
	write_migrations &&
	migrated_by "$(prisma $(sha migrations/0001_create_a.sql) $(sha migrations/0002_create_b.sql))" &&
	echo "-- edited" >>migrations/0002_create_b.sql &&
	before=$(db_checksum) &&
	test_expect_code 1 strata adopt >out 2>err &&
	test_grep "0002_create_b.sql does not match the checksum Prisma recorded" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'TypeORM' '
	write_migrations &&
	mv migrations/0001_create_a.sql migrations/1_create_a.sql &&
	mv migrations/0002_create_b.sql migrations/2_create_b.sql &&
	mv migrations/0003_create_c.sql migrations/3_create_c.sql &&
	use_fresh_db &&
	db_sql "CREATE TABLE a (id INTEGER); CREATE TABLE b (id INTEGER); $TYPEORM" &&
	strata adopt >out &&
	test_grep "^adopted 2 migrations from TypeORM" out &&
	strata up >out &&
	test_grep "^applied *3_create_c" out
'

test_expect_success 'knex keeps batch and time' '
	migrated_by "$KNEX" &&
	adopted knex "$(is_pg && echo public.)knex_migrations" &&
	tracking >actual &&
	test_grep "^0001|1|2019-01-01 01:01:01$" actual &&
	test_grep "^0002|2|2019-02-02 02:02:02$" actual
'

test_expect_success 'the up/down runner (_migrations) keeps batch and time' '
	migrated_by "$RUNNER" &&
	adopted "an up/down runner" "$(is_pg && echo public.)_migrations" &&
	tracking >actual &&
	test_grep "^0002|3|2018-04-04 04:04:04$" actual
'

drizzle_setup() {
	rm -rf migrations && mkdir -p migrations/meta &&
	printf "CREATE TABLE a (id integer);\n--> statement-breakpoint\nCREATE INDEX a_id ON a (id);\n" \
		>migrations/0000_create_a.sql &&
	printf "CREATE TABLE b (id integer);\n" >migrations/0001_create_b.sql &&
	printf "CREATE TABLE c (id integer);\n" >migrations/0002_create_c.sql &&
	cat >migrations/meta/_journal.json <<-\EOF &&
	{"version": "7", "dialect": "sqlite", "entries": [
	 {"idx": 0, "version": "6", "when": 1700000000000, "tag": "0000_create_a", "breakpoints": true},
	 {"idx": 1, "version": "6", "when": 1700000001000, "tag": "0001_create_b", "breakpoints": true},
	 {"idx": 2, "version": "6", "when": 1700000002000, "tag": "0002_create_c", "breakpoints": true}]}
	EOF
	use_fresh_db &&
	if is_pg
	then
		S=drizzle.
		db_sql "CREATE SCHEMA drizzle"
	else
		S=
	fi &&
	db_sql "CREATE TABLE a (id integer); CREATE INDEX a_id ON a (id); CREATE TABLE b (id integer);
		CREATE TABLE ${S}__drizzle_migrations (id integer PRIMARY KEY, hash text NOT NULL, created_at bigint);
		INSERT INTO ${S}__drizzle_migrations VALUES (1, '$(sha migrations/0000_create_a.sql)', 1700000000000),
		(2, '$(sha migrations/0001_create_b.sql)', 1700000001000)"
}

test_expect_success 'Drizzle: matched by hash, created_at kept' '
	drizzle_setup &&
	strata adopt >out 2>err &&
	test_grep "^recorded *0000_create_a (batch 1, applied 2023-11-14 22:13:20)" out &&
	test_grep "^adopted 2 migrations from Drizzle.s history ('\''${S}__drizzle_migrations'\''" out &&
	strata up >out &&
	test_grep "^applied *0002_create_c" out &&
	{ strata verify >out || { cat out && false; }; } &&
	test_grep "^ok" out
'

test_expect_success 'Drizzle: a recorded hash no file has (edited file) is refused' '
	drizzle_setup &&
	printf "CREATE TABLE b (id integer, x integer);\n" >migrations/0001_create_b.sql &&
	before=$(db_checksum) &&
	test_expect_code 1 strata adopt >out 2>err &&
	test_grep "Drizzle.s history table .*records a migration (hash [0-9a-f]*...) that no file of migrations matches" err &&
	test "$(db_checksum)" = "$before" &&
	! has_table strata_migrations
'

test_expect_success 'a recorded migration without a file is refused, nothing recorded' '
	migrated_by "$DBMATE" &&
	rm migrations/0002_create_b.sql &&
	before=$(db_checksum) &&
	test_expect_code 1 strata adopt >out 2>err &&
	test_line_count = 1 err &&
	test_grep "dbmate.s history table .*schema_migrations. records .0002. and migrations has no migration of version 0002: nothing was adopted" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'two tools: refused without --from, --from picks one' '
	migrated_by "$DBMATE $KNEX" &&
	test_expect_code 2 strata adopt >out 2>err &&
	test_grep "more than one tool.s history in the database: .*knex_migrations.*; nothing was adopted; name the one to take over with .strata adopt --from TOOL." err &&
	test_grep "dbmate (.*schema_migrations.)" err &&
	! has_table strata_migrations &&
	strata adopt --from knex >out &&
	test_grep "^adopted 2 migrations from knex" out
'

test_expect_success 'strata already has history: refused' '
	before=$(db_checksum) &&
	test_expect_code 2 strata adopt --from dbmate >out 2>err &&
	test_grep "strata.s tracking table .strata_migrations. already records 2 migrations: nothing was adopted" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'no other tool, an unknown tool, a tool not there' '
	write_migrations &&
	use_fresh_db &&
	test_expect_code 1 strata adopt >out 2>err &&
	test_grep "no other tool.s history table with rows" err &&
	test_expect_code 2 strata adopt --from liquibase >out 2>err &&
	test_grep ".liquibase. is not a tool whose history can be taken over" err &&
	db_sql "$DBMATE" &&
	test_expect_code 1 strata adopt --from goose >out 2>err &&
	test_grep "no history of goose in the database (found: dbmate" err &&
	! has_table strata_migrations
'

test_expect_success 'after adopt, up no longer refuses for the foreign table' '
	migrated_by "$GOOSE" &&
	test_expect_code 1 strata up >out 2>err &&
	strata adopt >out &&
	strata up >out &&
	test_grep "^applied *0003_create_c" out
'

test_done
