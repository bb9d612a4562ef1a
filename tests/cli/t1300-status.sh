#!/bin/bash

test_description='status shows every migration and its state

status merges the files with the tracking table: applied (with its batch
and time), pending, edited (the file changed since), missing (the file is
gone) and out-of-order, as a table or as JSON, and --exit-code turns
anything not applied into exit 3. up refuses edited and missing
migrations by name until mark resolves them.'

. "$(dirname "$0")/test-lib.sh"

V1=20240101120000
V2=20240102120000
V3=20240103120000
V4=20240104120000
V5=20240105120000

sum_of() {
	tr -d '\r' <"$1" | sha256sum | cut -d' ' -f1
}

start_with() {
	rm -rf migrations &&
	cp -R "$FIXTURES/migrations/$1" migrations &&
	use_fresh_db
}

# status_table [ARGS]: run status into out/err; actual gets the table with
# times replaced by TIME and runs of blanks squeezed (widths may change).
status_table() {
	strata status "$@" >out 2>err &&
	test_must_be_empty err &&
	sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}/TIME/' \
		-e 's/[[:space:]]+/ /g' -e 's/ $//' out >actual
}

if command -v jq >/dev/null 2>&1
then
	test_set_prereq JQ
fi

test_expect_success 'status on a database strata never touched lists all as pending' '
	start_with basic &&
	before=$(db_checksum) &&
	status_table &&
	cat >expect <<-EOF &&
	VERSION NAME STATE BATCH APPLIED AT
	$V1 create_users pending
	$V2 create_posts pending
	$V3 create_tags pending
	$V4 add_user_bio pending

	0 applied, 4 pending
	EOF
	test_cmp expect actual &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'status shows applied migrations with their batch and time' '
	strata up --steps 2 >out &&
	strata up --steps 1 >out &&
	before=$(db_checksum) &&
	status_table &&
	cat >expect <<-EOF &&
	VERSION NAME STATE BATCH APPLIED AT
	$V1 create_users applied 1 TIME
	$V2 create_posts applied 1 TIME
	$V3 create_tags applied 2 TIME
	$V4 add_user_bio pending

	3 applied, 1 pending
	EOF
	test_cmp expect actual &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'status --exit-code exits 3 while anything is pending' '
	test_expect_code 3 strata status --exit-code >out 2>err &&
	test_must_be_empty err &&
	test_grep "^3 applied, 1 pending$" out
'

test_expect_success 'status --exit-code exits 0 when all is applied' '
	strata up >out &&
	strata status --exit-code >out 2>err &&
	test_must_be_empty err &&
	test_grep "^4 applied, 0 pending$" out
'

test_expect_success 'a file turned to CRLF line ends is not an edit' '
	for f in migrations/*.sql
	do
		sed "s/\$/\r/" "$f" >crlf &&
		mv crlf "$f" || return 1
	done &&
	strata status --exit-code >out 2>err &&
	test_grep "^4 applied, 0 pending$" out
'

test_expect_success 'status shows edited, missing, out-of-order and pending together' '
	start_with basic &&
	strata up --to $V2 >out &&
	mkdir -p branch &&
	mv migrations/${V3}_create_tags.sql branch/ &&
	strata up >out &&
	mv branch/${V3}_create_tags.sql migrations/ &&
	echo "-- a comment added after the fact" >>migrations/${V2}_create_posts.sql &&
	rm migrations/${V1}_create_users.sql &&
	cat >migrations/${V5}_create_settings.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE settings (name VARCHAR(100) PRIMARY KEY, value TEXT);
	EOF
	before=$(db_checksum) &&
	status_table &&
	cat >expect <<-EOF &&
	VERSION NAME STATE BATCH APPLIED AT
	$V1 create_users missing 1 TIME
	$V2 create_posts edited 1 TIME
	$V3 create_tags out-of-order
	$V4 add_user_bio applied 2 TIME
	$V5 create_settings pending

	1 applied, 1 pending, 1 out-of-order, 1 edited, 1 missing
	EOF
	test_cmp expect actual &&
	test "$(db_checksum)" = "$before"
'

test_expect_success '... and --exit-code exits 3 for them' '
	test_expect_code 3 strata status --exit-code >out 2>err &&
	test_must_be_empty err
'

test_expect_success JQ 'status --json prints one JSON document on stdout' '
	strata status --json >out 2>err &&
	test_must_be_empty err &&
	jq -e . out >/dev/null &&
	jq -r ".command, .engine" out >actual &&
	printf "status\n%s\n" "$STRATA_TEST_ENGINE" >expect &&
	test_cmp expect actual &&
	jq -r ".database | type" out >actual &&
	echo string >expect &&
	test_cmp expect actual
'

test_expect_success JQ 'the JSON never shows the database password' '
	test_grep ! "s3cret" out
'

test_expect_success JQ 'each migration in the JSON has the documented fields' '
	jq -r ".migrations[] | keys | join(\" \")" out | sort -u >actual &&
	echo "applied_at batch checksum duration_ms error file name reversible state transaction version" >expect &&
	test_cmp expect actual
'

test_expect_success JQ '... with the state, batch and file of each' '
	jq -r ".migrations[] | [.version, .name, .state, (.batch | tostring), (.file | tostring)] | join(\"|\")" \
		out >actual &&
	cat >expect <<-EOF &&
	$V1|create_users|missing|1|null
	$V2|create_posts|edited|1|migrations/${V2}_create_posts.sql
	$V3|create_tags|out-of-order|null|migrations/${V3}_create_tags.sql
	$V4|add_user_bio|applied|2|migrations/${V4}_add_user_bio.sql
	$V5|create_settings|pending|null|migrations/${V5}_create_settings.sql
	EOF
	test_cmp expect actual
'

test_expect_success JQ '... applied_at and duration_ms for the applied ones only' '
	jq -r ".migrations[] | [.version, (.applied_at | type), (.duration_ms | type), (.error | tostring)] | join(\"|\")" \
		out >actual &&
	cat >expect <<-EOF &&
	$V1|string|number|null
	$V2|string|number|null
	$V3|null|number|null
	$V4|string|number|null
	$V5|null|number|null
	EOF
	test_cmp expect actual &&
	jq -r ".migrations[] | select(.applied_at) | .applied_at" out >actual &&
	test_line_count = 3 actual &&
	test_grep ! -v -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}" actual
'

test_expect_success JQ '... the checksum of the file, or the recorded one when the file is gone' '
	jq -r ".migrations[] | [.version, .checksum] | join(\"|\")" out >actual &&
	{
		echo "$V1|$(db_sql "SELECT checksum FROM strata_migrations WHERE version = '\''$V1'\''")" &&
		for v in $V2 $V3 $V4 $V5
		do
			echo "$v|$(sum_of migrations/${v}_*.sql)" || return 1
		done
	} >expect &&
	test_cmp expect actual
'

test_expect_success JQ '... whether it runs in a transaction and can be rolled back' '
	jq -r ".migrations[] | [.version, .transaction, .reversible] | map(tostring) | join(\"|\")" \
		out >actual &&
	cat >expect <<-EOF &&
	$V1|true|true
	$V2|true|true
	$V3|true|true
	$V4|true|true
	$V5|true|false
	EOF
	test_cmp expect actual
'

test_expect_success JQ 'the JSON summary counts every state' '
	jq -r ".summary | to_entries[] | \"\(.key)=\(.value)\"" out | sort >actual &&
	cat >expect <<-\EOF &&
	applied=1
	edited=1
	failed=0
	missing=1
	out-of-order=1
	pending=1
	EOF
	test_cmp expect actual
'

# A transaction:false migration cannot be rolled back: when it fails, the
# run records it as failed and stops. (SQLite could restore its automatic
# backup instead, which a test further down covers: --no-backup here.)
test_expect_success 'a transaction:false migration that fails is recorded as failed' '
	rm -rf migrations &&
	mkdir migrations &&
	cp "$FIXTURES/migrations/basic/${V1}_create_users.sql" migrations/ &&
	cat >migrations/${V2}_backfill.sql <<-\EOF &&
	-- migrate:up transaction:false
	CREATE TABLE backfill_log (id INTEGER PRIMARY KEY);
	INSERT INTO backfil_log (id) VALUES (1);
	-- migrate:down
	DROP TABLE backfill_log;
	EOF
	use_fresh_db &&
	test_expect_code 1 strata up --no-backup >out 2>err &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/${V2}_backfill.sql:3: .*backfil_log" err &&
	test_grep "strata mark $V2" err &&
	db_sql "SELECT version, state FROM strata_migrations ORDER BY version" >actual &&
	printf "%s|applied\n%s|failed\n" $V1 $V2 >expect &&
	test_cmp expect actual &&
	db_sql "SELECT error FROM strata_migrations WHERE version = '\''$V2'\''" >actual &&
	test_grep "backfil_log" actual
'

test_expect_success '... status shows it failed, with the error, and --exit-code exits 3' '
	test_expect_code 3 strata status --exit-code >out 2>err &&
	test_must_be_empty err &&
	test_grep "^$V2 *backfill *failed *1 " out &&
	test_grep "^ *error: .*backfil_log" out &&
	test_grep "^1 applied, 0 pending, 1 failed$" out
'

test_expect_success JQ '... and so does the JSON' '
	strata status --json >out &&
	jq -r ".migrations[1] | [.version, .state, .transaction, (.error | type)] | map(tostring) | join(\"|\")" \
		out >actual &&
	echo "$V2|failed|false|string" >expect &&
	test_cmp expect actual &&
	jq -r ".summary.failed" out >actual &&
	echo 1 >expect &&
	test_cmp expect actual
'

test_expect_success '... up and down refuse to go on until mark resolves it' '
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: ${V2}_backfill is recorded as failed" err &&
	test_grep "strata mark $V2" err &&
	test_expect_code 1 strata down >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "${V2}_backfill is recorded as failed" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success '... after a repair and mark --pending, up applies it' '
	db_sql "DROP TABLE IF EXISTS backfill_log" &&
	sed -i "s/backfil_log/backfill_log/" migrations/${V2}_backfill.sql &&
	strata mark $V2 --pending >out &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^applied  *${V2}_backfill" out &&
	strata status --exit-code >out &&
	test_grep "^2 applied, 0 pending$" out
'

test_expect_success SQLITE 'when SQLite restores its backup after such a failure, the error does not send you to mark' '
	sed -i "3s/backfill_log/backfil_log/" migrations/${V2}_backfill.sql &&
	test_grep "INSERT INTO backfil_log" migrations/${V2}_backfill.sql &&
	use_fresh_db &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	tail -n 1 err >last &&
	test_grep "^strata: error: migrations/${V2}_backfill.sql:3: .*backfil_log" last &&
	test "$(db_checksum)" = "$before" &&
	test_grep ! "recorded as failed" err &&
	test_grep ! "strata mark" err
'

test_expect_success 'up refuses a migration edited after it was applied, and hints at mark' '
	start_with basic &&
	strata up >out &&
	echo "CREATE INDEX posts_title ON posts (title);" >>migrations/${V2}_create_posts.sql &&
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/${V2}_create_posts.sql was edited after it was applied" err &&
	test_grep "strata mark $V2 --applied" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'mark V --applied accepts the edit' '
	strata mark $V2 --applied >out 2>err &&
	test_must_be_empty err &&
	echo "marked $V2 as applied" >expect &&
	test_cmp expect out &&
	db_sql "SELECT checksum, state FROM strata_migrations WHERE version = '\''$V2'\''" >actual &&
	echo "$(sum_of migrations/${V2}_create_posts.sql)|applied" >expect &&
	test_cmp expect actual &&
	strata status --exit-code >out &&
	test_grep "^4 applied, 0 pending$" out &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	echo "nothing to apply: the database is up to date" >expect &&
	test_cmp expect out
'

test_expect_success 'up refuses an applied migration whose file is gone' '
	start_with basic &&
	strata up >out &&
	rm migrations/${V3}_create_tags.sql &&
	cat >migrations/${V5}_create_settings.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE settings (name VARCHAR(100) PRIMARY KEY, value TEXT);
	-- migrate:down
	DROP TABLE settings;
	EOF
	before=$(db_checksum) &&
	test_expect_code 1 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: ${V3}_create_tags was applied but its file is gone" err &&
	test_grep "strata down --to $V2" err &&
	test "$(db_checksum)" = "$before" &&
	test_expect_code 3 strata status --exit-code >out &&
	test_grep "^$V3 *create_tags *missing" out
'

test_expect_success 'mark V --pending forgets the row, and up goes on' '
	strata mark $V3 --pending >out 2>err &&
	test_must_be_empty err &&
	echo "marked $V3 as pending" >expect &&
	test_cmp expect out &&
	db_sql "SELECT version FROM strata_migrations ORDER BY version" >actual &&
	printf "%s\n%s\n%s\n" $V1 $V2 $V4 >expect &&
	test_cmp expect actual &&
	db_tables >actual &&
	test_grep "^tags$" actual &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^applied  *${V5}_create_settings" out
'

test_expect_success 'mark V --pending of a file that is there makes it pending again' '
	start_with basic &&
	strata up >out &&
	strata mark $V4 --pending >out &&
	status_table &&
	test_grep "^$V4 add_user_bio pending$" actual &&
	test_grep "^3 applied, 1 pending$" actual &&
	db_sql "SELECT bio FROM users"
'

test_expect_success 'mark of a version that is not recorded fails and changes nothing' '
	before=$(db_checksum) &&
	test_expect_code 1 strata mark $V4 --pending >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: version $V4 is not recorded as applied" err &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'mark without --applied or --pending is bad usage' '
	before=$(db_checksum) &&
	test_expect_code 2 strata mark $V4 >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_expect_code 2 strata mark $V4 --applied --pending >out 2>err &&
	test_line_count = 1 err &&
	test "$(db_checksum)" = "$before"
'

test_done
