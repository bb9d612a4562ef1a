#!/bin/bash

test_description='fleet: one command over many databases

strata fleet COMMAND --targets SPEC runs up, down, status, verify or lint on
every database the spec names (a glob of SQLite files, @FILE, pg-query:),
several at a time. One failing database fails alone: the others finish and
it is left as it was. Bad specs are exit 2, naming the line, nothing run.
Ctrl-C leaves every database before or after its run.'

test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

if /usr/bin/python3 -c "import jsonschema" 2>/dev/null
then
	test_set_prereq JSONSCHEMA
fi

mig() {
	printf -- "-- migrate:up\n%s\n-- migrate:down\n%s\n" "$2" "$3" >"migrations/$1"
}

# applied FILE: how many migrations the SQLite file records (0: no table).
applied() {
	sqlite3 -batch -init /dev/null "$1" \
		"SELECT count(*) FROM sqlite_master WHERE name = 'strata_migrations'" | grep -qx 0 &&
		echo 0 && return
	sqlite3 -batch -init /dev/null "$1" "SELECT count(*) FROM strata_migrations"
}

# before_or_after FILE: the SQLite file of the Ctrl-C test is untouched
# (empty) or has its one migration whole.
before_or_after() {
	if test "$(applied "$1")" = 1
	then
		test "$(sqlite3 "$1" "SELECT count(*) FROM big")" = 150000
	else
		test -z "$(sqlite3 "$1" "SELECT name FROM sqlite_master")"
	fi
}

# interrupt_fleet: a fleet up over it/, given Ctrl-C once its first
# database is done; its exit status.
interrupt_fleet() {
	local pid n=0
	strata -d migs fleet up --targets "sqlite:it/*.db" --jobs 2 --no-backup >out 2>err &
	pid=$!
	until test -s it/i01.db && test "$(applied it/i01.db)" = 1
	do
		n=$((n + 1))
		test $n -lt 400 || break
		sleep 0.05
	done
	kill -INT $pid
	wait $pid
}

test_expect_success SQLITE 'setup: 200 tenants, one of them broken' '
	mkdir migrations tenants &&
	mig 0001_a.sql "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);" "DROP TABLE a;" &&
	mig 0002_b.sql "CREATE TABLE b (id INTEGER);" "DROP TABLE b;" &&
	for i in $(seq -w 1 200); do : >tenants/t$i.db || return 1; done &&
	sqlite3 tenants/t117.db "CREATE TABLE b (x TEXT); INSERT INTO b VALUES (1);" &&
	sqlite3 tenants/t117.db .dump >broken.before
'

test_expect_success SQLITE 'up: the broken tenant fails alone, the 199 others are migrated' '
	test_expect_code 1 strata fleet up --targets "sqlite:tenants/*.db" --jobs 2 --no-backup \
		>out 2>err &&
	test_grep "1 of 200 databases failed" err &&
	test_grep "^sqlite:tenants/t117.db  *failed .*table b already exists" out &&
	test "$(grep -c " ok  *2 " out)" = 199 &&
	test_grep "200 databases: 199 ok, 0 found, 1 failed, 0 not run" out &&
	sqlite3 tenants/t117.db .dump >broken.after &&
	test_cmp broken.before broken.after &&
	test "$(applied tenants/t001.db)" = 2 &&
	test "$(applied tenants/t200.db)" = 2
'

test_expect_success SQLITE 'a second up has nothing to do but the broken tenant' '
	test_expect_code 1 strata fleet up --targets "sqlite:tenants/*.db" -q >out 2>err &&
	test_line_count = 1 out &&
	test_grep "^sqlite:tenants/t117.db  *failed" out &&
	rm tenants/t117.db &&
	strata fleet up --targets "sqlite:tenants/*.db" >out 2>err &&
	test_grep "199 databases: 199 ok" out &&
	test "$(grep -c " ok  *0 " out)" = 199
'

test_expect_success SQLITE,JSONSCHEMA '--json: one result per database, in the envelope' '
	mig 0003_c.sql "CREATE TABLE c (id INTEGER);" "DROP TABLE c;" &&
	: >tenants/t117.db &&
	strata --json fleet status --targets "sqlite:tenants/t11*.db" >out &&
	"$SRCDIR/tests/json-check" fleet out &&
	sqlite3 :memory: "SELECT json_array_length(readfile(\"out\"), \"$.results\"),
		json_extract(readfile(\"out\"), \"$.results[6].database\"),
		json_extract(readfile(\"out\"), \"$.results[6].count\"),
		json_extract(readfile(\"out\"), \"$.results[0].count\")" >actual &&
	echo "10|sqlite:tenants/t116.db|1|1" >expect &&
	test_cmp expect actual &&
	rm tenants/t117.db
'

test_expect_success SQLITE 'bad specs: exit 2, the file and line named, nothing run' '
	test_expect_code 2 strata fleet up --targets "sqlite:nowhere/*.db" >out 2>err &&
	test_grep "no file matches" err &&
	test_must_be_empty out &&
	test_expect_code 2 strata fleet up --targets @missing.txt >out 2>err &&
	test_grep "cannot read missing.txt" err &&
	test_expect_code 2 strata fleet up --targets @tenants >out 2>err &&
	test_grep "cannot read tenants: a directory" err &&
	printf "%s\n" "# tenants" "sqlite:tenants/t001.db" "" "tenants/t002.db" >list.txt &&
	cp tenants/t002.db t002.before &&
	test_expect_code 2 strata fleet up --targets @list.txt >out 2>err &&
	test_line_count = 1 err &&
	test_grep "list.txt:4: not a database URL: .tenants/t002.db." err &&
	cmp t002.before tenants/t002.db &&
	printf "%s\n" "sqlite:tenants/t001.db" "sqlite:tenants/t001.db" >dup.txt &&
	test_expect_code 2 strata fleet up --targets @dup.txt 2>err &&
	test_grep "dup.txt:2: the same database as line 1" err &&
	test_expect_code 2 strata fleet up --targets "mysql://x/y" 2>err &&
	test_grep "none of sqlite:GLOB, @FILE, pg-query:" err &&
	test_expect_code 2 strata fleet up 2>err &&
	test_grep "no --targets" err &&
	test_expect_code 2 strata fleet push --targets @list.txt 2>err &&
	test_grep "not a fleet command" err &&
	test "$(applied tenants/t001.db)" = 2
'

test_expect_success SQLITE 'a malformed migration stops the fleet before any database' '
	printf "%s\n" "-- migrate:upp" "SELECT 1;" >migrations/0004_bad.sql &&
	cp tenants/t001.db t001.before &&
	test_expect_code 2 strata fleet up --targets "sqlite:tenants/*.db" >out 2>err &&
	test_grep "0004_bad.sql" err &&
	test_must_be_empty out &&
	cmp t001.before tenants/t001.db &&
	rm migrations/0004_bad.sql
'

test_expect_success SQLITE 'a file of URLs; a missing file fails alone and is not created; passwords hidden' '
	printf "%s\n" "sqlite:tenants/t001.db" "sqlite:tenants/gone.db" \
		"postgres://u:s3cretpw@127.0.0.1:1/x?connect_timeout=2" "sqlite:tenants/t002.db" >urls.txt &&
	test_expect_code 1 strata fleet up --targets @urls.txt >out 2>err &&
	test_path_is_missing tenants/gone.db &&
	test_grep "^sqlite:tenants/gone.db  *failed" out &&
	test_grep "^postgres://u:\*\*\*\*@127.0.0.1:1/x.* failed" out &&
	test_grep "^sqlite:tenants/t002.db  *ok  *1 " out &&
	test_grep ! s3cretpw out &&
	test_grep ! s3cretpw err &&
	test "$(applied tenants/t002.db)" = 3
'

test_expect_success SQLITE '--canary: a failing canary stops the rest, untouched' '
	rm -rf ct && mkdir ct &&
	for i in 1 2 3 4 5 6; do : >ct/c$i.db || return 1; done &&
	sqlite3 ct/c2.db "CREATE TABLE a (x);" &&
	test_expect_code 1 strata fleet up --targets "sqlite:ct/*.db" --canary 2 --jobs 1 \
		>out 2>err &&
	test_grep "a canary failed" err &&
	test "$(grep -c " skipped " out)" = 4 &&
	test "$(applied ct/c1.db)" = 3 &&
	for i in 3 4 5 6; do test "$(applied ct/c$i.db)" = 0 || return 1; test ! -s ct/c$i.db || return 1; done
'

test_expect_success SQLITE '--max-failures: no database started after that many failed' '
	rm -rf mt && mkdir mt &&
	for i in 1 2 3 4 5 6; do sqlite3 mt/m$i.db "CREATE TABLE a (x);" || return 1; done &&
	test_expect_code 1 strata fleet up --targets "sqlite:mt/*.db" --max-failures 2 --jobs 1 \
		>out 2>err &&
	test "$(grep -c " failed " out)" = 2 &&
	test "$(grep -c " skipped " out)" = 4 &&
	test_grep "too many failures" err
'

test_expect_success SQLITE 'status, verify, lint and down over the fleet' '
	strata fleet up --targets "sqlite:tenants/t00*.db" -q &&
	strata fleet status --targets "sqlite:tenants/t00*.db" >out &&
	test "$(grep -c " ok  *0 " out)" = 9 &&
	sqlite3 tenants/t003.db "CREATE TABLE extra (x);" &&
	test_expect_code 3 strata fleet verify --targets "sqlite:tenants/t00*.db" >out 2>err &&
	test_grep "^sqlite:tenants/t003.db  *found  *1 " out &&
	test "$(grep -c " ok  *0 " out)" = 8 &&
	strata fleet lint --targets "sqlite:tenants/t00*.db" >out &&
	test_grep "9 databases: 9 ok" out &&
	strata fleet down --targets "sqlite:tenants/t00[12].db" >out &&
	test "$(grep -c " ok  *1 " out)" = 2 &&
	test "$(applied tenants/t002.db)" = 2
'

# pages FILE: the page count of the SQLite file's committed state.
pages() {
	sqlite3 -batch -init /dev/null "$1" "PRAGMA page_count"
}

test_expect_success SQLITE 'up takes no backup of an empty database, and still of any other' '
	rm -rf bt mb && mkdir bt mb &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>mb/0001_a.sql &&
	: >bt/empty.db &&
	sqlite3 bt/page.db "PRAGMA user_version = 7" &&
	sqlite3 bt/again.db "PRAGMA user_version = 1" &&
	strata -u sqlite:bt/again.db backup >/dev/null &&
	: >bt/again.db &&
	strata -d mb fleet up --targets "sqlite:bt/*.db" --jobs 1 >out 2>err &&
	test_grep "3 databases: 3 ok" out &&
	strata -u sqlite:bt/empty.db backups >list &&
	test_grep ! "empty.db-" list &&
	strata -u sqlite:bt/page.db backups >list &&
	test "$(grep -c "page.db-" list)" = 1 &&
	strata -u sqlite:bt/again.db backups >list &&
	test "$(grep -c "again.db-" list)" = 2 &&
	: >bt/new.db &&
	strata -v -d mb -u sqlite:bt/new.db up >out 2>err &&
	test_grep "no backup of .sqlite:bt/new.db.: it is empty" err &&
	strata -u sqlite:bt/new.db backups >list &&
	test_grep ! "new.db-" list
'

test_expect_success SQLITE 'an empty database that fails its run is left with no page' '
	rm -rf bf && mkdir bf &&
	printf -- "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n" \
		>mb/0002_b.sql &&
	printf -- "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n" \
		>mb/0003_b_again.sql &&
	: >bf/t1.db && : >bf/t2.db &&
	test_expect_code 1 strata -d mb fleet up --targets "sqlite:bf/*.db" >out 2>err &&
	test "$(grep -c " failed .*table b already exists" out)" = 2 &&
	test "$(pages bf/t1.db)" = 0 &&
	test "$(pages bf/t2.db)" = 0 &&
	test_path_is_missing bf/.strata-backups &&
	rm mb/0003_b_again.sql
'

test_expect_success SQLITE 'an empty database with a transaction:false migration pending is backed up' '
	rm -rf bn mn && mkdir bn mn &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>mn/0001_a.sql &&
	printf -- "-- migrate:up transaction:false\nVACUUM;\n-- migrate:down\nSELECT 1;\n" \
		>mn/0002_vacuum.sql &&
	: >bn/t1.db &&
	strata -d mn fleet up --targets "sqlite:bn/*.db" >out 2>err &&
	test_grep "1 database: 1 ok" out &&
	strata -u sqlite:bn/t1.db backups >list &&
	test "$(grep -c "t1.db-" list)" = 1
'

test_expect_success SQLITE 'Ctrl-C: no database is left halfway; those not started are not run' '
	rm -rf it migs && mkdir it migs &&
	printf -- "-- migrate:up\nCREATE TABLE big (x);\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150000) INSERT INTO big SELECT i FROM n;\n-- migrate:down\nDROP TABLE big;\n" \
		>migs/0001_big.sql &&
	for i in $(seq -w 1 60); do : >it/i$i.db || return 1; done &&
	test_expect_code 1 interrupt_fleet &&
	test_grep "not run (stopped)" err &&
	test_grep " skipped " out &&
	for f in it/*.db; do
		before_or_after $f || { echo "$f is halfway"; return 1; }
	done
'

test_expect_success POSTGRES 'a PostgreSQL fleet from pg-query: database names on the server' '
	mkdir -p migrations &&
	rm -f migrations/* &&
	mig 0001_a.sql "CREATE TABLE a (id INTEGER);" "DROP TABLE a;" &&
	d1=$(fresh_db) && d2=$(fresh_db) && d3=$(fresh_db) &&
	db_sql -u "$d2" "CREATE TABLE a (x INTEGER);" &&
	before=$(db_checksum -u "$d2") &&
	n1=${d1##*/} && n2=${d2##*/} && n3=${d3##*/} &&
	spec="pg-query:$STRATA_TEST_PG_URL?sql=SELECT datname FROM pg_database WHERE datname IN (%27$n1%27, %27$n2%27, %27$n3%27) ORDER BY 1" &&
	test_expect_code 1 strata fleet up --targets "$spec" >out 2>err &&
	test_grep "1 of 3 databases failed" err &&
	test_grep "/$n2 .* failed .*already exists" out &&
	test "$(grep -c " ok  *1 " out)" = 2 &&
	test "$(db_checksum -u "$d2")" = "$before" &&
	test "$(db_sql -u "$d1" "SELECT count(*) FROM strata_migrations")" = 1 &&
	test "$(db_sql -u "$d3" "SELECT count(*) FROM strata_migrations")" = 1 &&
	strata fleet status --targets "$spec" >out &&
	test "$(grep -c " ok  *0 " out)" = 2 &&
	test_grep "/$n2 .* ok  *1 " out &&
	test_expect_code 3 strata fleet verify --targets "$spec" >out 2>err &&
	test_grep "/$n2 .* found " out &&
	test "$(grep -c " ok  *0 " out)" = 2 &&
	test_grep ! s3cret-test-pw out &&
	test -z "$(orphan_scratch_dbs)"
'

test_expect_success POSTGRES 'pg-query: a query that fails or finds nothing is exit 2; the query cannot write' '
	test_expect_code 2 strata fleet status --targets "pg-query:$STRATA_TEST_PG_URL?sql=SELECT nope" 2>err &&
	test_grep "the query failed" err &&
	test_expect_code 2 strata fleet status --targets "pg-query:$STRATA_TEST_PG_URL?sql=SELECT 1 WHERE false" 2>err &&
	test_grep "returns no row" err &&
	test_expect_code 2 strata fleet status --targets "pg-query:$STRATA_TEST_PG_URL?sql=CREATE TABLE pwn (x int) " 2>err &&
	test_grep "read-only" err &&
	test_expect_code 2 strata fleet status --targets "pg-query:$STRATA_TEST_PG_URL" 2>err &&
	test_grep "no sql= parameter" err &&
	test_expect_code 1 strata fleet status --targets "pg-query:postgres://127.0.0.1:1/x?connect_timeout=2&sql=SELECT 1" 2>err &&
	test_line_count = 1 err
'

test_done
