#!/bin/bash

test_description='strata studio: who may ask, and what it answers

The server listens on 127.0.0.1 only and prints its address, with a random
token, as its first line. Every refusal is tested over real HTTP (curl on
loopback): no token, a wrong one, a wrong Host (DNS rebinding), a write
without --allow-write, a hostile table or column name, /../ paths, a huge
query string, silent and slow clients (bounded connections, timeouts),
methods and CORS. The API answers with the documents the CLI prints. Each
refusal leaves the database as it was. One read-only studio serves the
cases; a second, with --allow-write, the writes; Ctrl-C stops each with 0.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-studio.sh"

test_expect_success 'studio starts and prints its address with a token, first' '
	studio_project &&
	echo "DATABASE_URL=$DATABASE_URL" >env.saved &&
	studio_start &&
	test_line_count = 1 studio.out &&
	grep -Eqx "http://127\.0\.0\.1:[0-9]+/\?token=[0-9a-f]{64}" studio.out &&
	test_grep "read-only" studio.err &&
	before=$(db_checksum)
'

test_expect_success 'it listens on 127.0.0.1 only' '
	test_expect_code 7 curl -s --max-time 5 -o /dev/null "http://127.0.0.2:$STUDIO_PORT/"
'

test_expect_success 'without the token: 401 for the page, its files and the API' '
	for p in / /index.html /studio.js /api/status /api/rows?table=users /api/schema; do
		echo "$p $(http_code "$STUDIO$p")" || return 1
	done >actual &&
	cat >expect <<-\EOF &&
	/ 401
	/index.html 401
	/studio.js 401
	/api/status 401
	/api/rows?table=users 401
	/api/schema 401
	EOF
	test_cmp expect actual &&
	curl -s -D headers "$STUDIO/api/status" >body &&
	test_grep -i "^WWW-Authenticate: Bearer" headers &&
	test_grep "no valid token" body
'

test_expect_success 'a wrong token: 401, as a bearer, a cookie or ?token=' '
	wrong=$(echo "$STUDIO_TOKEN" | tr 0-9a-f 1-9a-f0) &&
	test "$(http_code -H "Authorization: Bearer $wrong" "$STUDIO/api/status")" = 401 &&
	test "$(http_code -H "Authorization: Bearer " "$STUDIO/api/status")" = 401 &&
	test "$(http_code -H "Authorization: Basic $STUDIO_TOKEN" "$STUDIO/api/status")" = 401 &&
	test "$(http_code -H "Authorization: Bearer ${STUDIO_TOKEN}x" "$STUDIO/api/status")" = 401 &&
	test "$(http_code -b "strata_studio_$STUDIO_PORT=$wrong" "$STUDIO/api/status")" = 401 &&
	test "$(http_code -b "strata_studio_1=$STUDIO_TOKEN" "$STUDIO/api/status")" = 401 &&
	test "$(http_code "$STUDIO/?token=$wrong")" = 401 &&
	test "$(http_code "$STUDIO/?token=")" = 401
'

test_expect_success 'the page opened with ?token= sets the cookie and drops the token from the address' '
	curl -s -D headers -o /dev/null "$STUDIO/?token=$STUDIO_TOKEN" &&
	test_grep "^HTTP/1.1 303" headers &&
	test_grep -i "^Location: /\s*$" headers &&
	test_grep -i "^Set-Cookie: strata_studio_$STUDIO_PORT=$STUDIO_TOKEN; Path=/; HttpOnly; SameSite=Strict" headers &&
	curl -s -D headers -b "strata_studio_$STUDIO_PORT=$STUDIO_TOKEN" "$STUDIO/" >page &&
	test_grep "^HTTP/1.1 200" headers &&
	test_grep -i "^Content-Security-Policy: default-src .none.; script-src .self." headers &&
	test_grep "<title>strata studio</title>" page &&
	curl -s -b "strata_studio_$STUDIO_PORT=$STUDIO_TOKEN" "$STUDIO/studio.js" >js &&
	test_grep "function drawDiagram" js
'

test_expect_success 'a wrong Host is refused, even with the token (DNS rebinding)' '
	for h in evil.example "evil.example:$STUDIO_PORT" "127.0.0.1" "127.0.0.1:1" "localhost.evil:$STUDIO_PORT"; do
		echo "$h $(http_code -H "Host: $h" -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/status")" || return 1
	done >actual &&
	cat >expect <<-EOF &&
	evil.example 403
	evil.example:$STUDIO_PORT 403
	127.0.0.1 403
	127.0.0.1:1 403
	localhost.evil:$STUDIO_PORT 403
	EOF
	test_cmp expect actual &&
	test "$(http_code -H "Host: localhost:$STUDIO_PORT" -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/status")" = 200 &&
	printf "GET /api/status HTTP/1.0\r\nAuthorization: Bearer %s\r\n\r\n" "$STUDIO_TOKEN" >req &&
	exec 5<>"/dev/tcp/127.0.0.1/$STUDIO_PORT" &&
	cat req >&5 &&
	timeout 10 cat <&5 >resp &&
	exec 5<&- &&
	head -n 1 resp >status &&
	test_grep "^HTTP/1.[01] 403" status
'

test_expect_success 'GET /api/status is what status --json prints; /api/schema what inspect --format json prints' '
	scurl "$STUDIO/api/status" >actual &&
	strata status --json >expect &&
	test_cmp expect actual &&
	jq -r ".migrations[] | .version + \" \" + .state" actual >states &&
	printf "0001 applied\n0002 applied\n0003 failed\n0004 pending\n" >expect &&
	test_cmp expect states &&
	scurl "$STUDIO/api/schema" >actual &&
	strata inspect --format json >expect &&
	test_cmp expect actual &&
	scurl "$STUDIO/api/history" >actual &&
	strata status --json >expect &&
	test_cmp expect actual
'

test_expect_success 'drift, lint, one migration and backups come from verify, lint, show and backups' '
	scurl -o drift "$STUDIO/api/drift" &&
	jq -r .command drift >actual && echo verify >expect && test_cmp expect actual &&
	scurl "$STUDIO/api/lint" >actual &&
	strata lint --json >expect &&
	test_cmp expect actual &&
	jq -e ".findings | length > 0" actual &&
	scurl "$STUDIO/api/migration?version=0004" >actual &&
	strata show 0004 --json >expect &&
	test_cmp expect actual &&
	jq -r .sql actual >sql &&
	test_grep "CREATE TABLE tags" sql &&
	test "$(http_code -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/migration?version=--all")" = 400 &&
	test "$(http_code -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/migration")" = 400 &&
	scurl -o backups "$STUDIO/api/backups" &&
	if test_have_engine sqlite
	then
		jq -e ".backups | type == \"array\"" backups
	else
		jq -e ".ok == false" backups
	fi
'

test_expect_success 'rows: a page of a table, a filter, the limits' '
	scurl "$STUDIO/api/rows?table=users" >rows &&
	jq -c "[.columns, .rows, .total]" rows >actual &&
	echo "[[\"id\",\"email\"],[[\"1\",\"ada@example.com\"],[\"2\",\"bob@example.com\"]],2]" >expect &&
	test_cmp expect actual &&
	scurl "$STUDIO/api/rows?table=users&column=email&filter=bob" >rows &&
	jq -c "[.rows, .total]" rows >actual &&
	echo "[[[\"2\",\"bob@example.com\"]],1]" >expect &&
	test_cmp expect actual &&
	scurl "$STUDIO/api/rows?table=users&offset=1&limit=5000" >rows &&
	jq -c "[.rows, .limit]" rows >actual &&
	echo "[[[\"2\",\"bob@example.com\"]],1000]" >expect &&
	test_cmp expect actual &&
	test "$(http_code -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/rows?table=users&offset=-1")" = 400 &&
	test "$(http_code -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/rows?table=users&limit=x")" = 400 &&
	test "$(http_code -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/rows")" = 400
'

test_expect_success 'a hostile table or column name is refused, never run, the database unchanged' '
	for q in "table=users%22%3B%20DROP%20TABLE%20users%3B--" \
		 "table=users%27%20OR%201%3D1--" \
		 "table=strata_migrations" \
		 "table=sqlite_master" \
		 "table=pg_class" \
		 "table=USERS" \
		 "table=users&column=email%22%29%20OR%201%3D1--&filter=x" \
		 "table=users&column=nope&filter=x" \
		 "table=users&schema=nope"
	do
		echo "$(http_code -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/rows?$q")" || return 1
	done >actual &&
	sort -u actual >codes &&
	echo 404 >expect &&
	test_cmp expect codes &&
	scurl "$STUDIO/api/rows?table=users%22%3B%20DROP%20TABLE%20users%3B--" >body &&
	test_grep "no table .users.*DROP TABLE users;--. in the database" body &&
	scurl "$STUDIO/api/rows?table=users&column=email&filter=%27%20OR%20%271%27%3D%271" >rows &&
	jq -e ".total == 0" rows &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'a write without --allow-write is refused: 403, the database unchanged' '
	for w in up down backup up?dry_run=1; do
		echo "$w $(http_code -X POST -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/$w")" || return 1
	done >actual &&
	cat >expect <<-\EOF &&
	up 403
	down 403
	backup 403
	up?dry_run=1 403
	EOF
	test_cmp expect actual &&
	scurl -X POST "$STUDIO/api/up" >body &&
	test_grep "read-only: start it with --allow-write" body &&
	test "$(http_code -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/up")" = 405 &&
	test "$(db_checksum)" = "$before"
'

test_expect_success '/../ and other odd paths are refused; unknown ones are 404' '
	for p in /../etc/passwd /api/../../etc/passwd /%2e%2e/etc/passwd "/..%2fetc/passwd" \
		 //etc/passwd "/studio.js/.." /api/nope /nope.html /index.html.bak; do
		echo "$p $(http_code --path-as-is -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO$p")" || return 1
	done >actual &&
	cat >expect <<-\EOF &&
	/../etc/passwd 400
	/api/../../etc/passwd 400
	/%2e%2e/etc/passwd 400
	/..%2fetc/passwd 400
	//etc/passwd 400
	/studio.js/.. 400
	/api/nope 404
	/nope.html 404
	/index.html.bak 404
	EOF
	test_cmp expect actual
'

test_expect_success 'methods other than GET and POST, and no CORS' '
	for m in PUT DELETE PATCH OPTIONS; do
		echo "$m $(http_code -X $m -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/status")" || return 1
	done >actual &&
	cat >expect <<-\EOF &&
	PUT 405
	DELETE 405
	PATCH 405
	OPTIONS 405
	EOF
	test_cmp expect actual &&
	curl -s -D headers -o /dev/null -X OPTIONS -H "Origin: http://evil.example" \
		-H "Access-Control-Request-Method: POST" "$STUDIO/api/up" &&
	curl -s -D headers2 -o /dev/null -H "Origin: http://evil.example" \
		-H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/status" &&
	! grep -i "^Access-Control" headers headers2
'

test_expect_success 'a huge query string or header is refused, and the server goes on' '
	long=$(head -c 100000 /dev/zero | tr "\0" a) &&
	code=$(http_code -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/rows?table=$long") &&
	case "$code" in 414|431) ;; *) echo "got $code"; false ;; esac &&
	code=$(http_code -H "Authorization: Bearer $STUDIO_TOKEN" -H "X-Big: $long" "$STUDIO/api/status") &&
	case "$code" in 413|414|431) ;; *) echo "got $code"; false ;; esac &&
	mid=$(head -c 2000 /dev/zero | tr "\0" a) &&
	test "$(http_code -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/rows?table=users&column=email&filter=$mid")" = 400 &&
	test "$(http_code -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/status")" = 200
'

test_expect_success 'a POST body over the limit is refused' '
	head -c 100000 /dev/zero >big &&
	test "$(http_code -X POST --data-binary @big -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/up")" = 413
'

test_expect_success 'slow and silent clients: bounded connections, dropped after the idle timeout' '
	# a slowloris: half a request, never finished, is closed by the server
	exec 6<>"/dev/tcp/127.0.0.1/$STUDIO_PORT" &&
	printf "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n" "$STUDIO_PORT" >&6 &&
	# silent clients fill the other connections
	for i in $(seq 1 15); do
		eval "exec {fd$i}<>/dev/tcp/127.0.0.1/$STUDIO_PORT" || return 1
	done &&
	start=$(date +%s) &&
	test_must_fail curl -s --max-time 3 -o /dev/null -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/config" &&
	timeout 30 cat <&6 >slow.out &&
	exec 6<&- &&
	end=$(date +%s) &&
	test $((end - start)) -le 25 &&
	for i in $(seq 1 15); do eval "exec {fd$i}<&-" || return 1; done &&
	ok= &&
	for i in $(seq 1 50); do
		if test "$(http_code --max-time 3 -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/config")" = 200
		then ok=1; break
		fi
		sleep 0.2
	done &&
	test "$ok" = 1
'

test_expect_success 'Ctrl-C stops it cleanly: status 0, the port closed' '
	studio_stop &&
	test_grep "strata studio: stopped" studio.err &&
	test_expect_code 7 curl -s --max-time 5 -o /dev/null "$STUDIO/" &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'bad usage and a database that cannot be opened: one line, exit 2 or 1, nothing created' '
	test_expect_code 2 strata studio --port 70000 2>err &&
	test_line_count = 1 err &&
	test_expect_code 2 strata studio --port x 2>err &&
	test_line_count = 1 err &&
	test_expect_code 2 strata studio extra 2>err &&
	test_line_count = 1 err &&
	test_expect_code 2 strata --json studio 2>err &&
	test_line_count = 1 err &&
	test_expect_code 1 strata studio -u sqlite:nothere.db 2>err &&
	test_line_count = 1 err &&
	test_path_is_missing nothere.db &&
	test_expect_code 2 strata studio -u "nonsense://x" 2>err &&
	test_line_count = 1 err &&
	test_expect_code 2 strata studio -d no-such-dir 2>err &&
	test_line_count = 1 err
'

test_expect_success POSTGRES 'a dead PostgreSQL server: one line, exit 1' '
	test_expect_code 1 strata studio -u "postgres://nobody@127.0.0.1:1/x?connect_timeout=2" 2>err &&
	test_line_count = 1 err
'

test_expect_success 'a port in use: one line, exit 1' '
	studio_start &&
	test_expect_code 1 strata studio --port "$STUDIO_PORT" 2>err &&
	test_line_count = 1 err &&
	test_grep "cannot listen on 127.0.0.1:$STUDIO_PORT" err &&
	studio_stop
'

test_expect_success 'with --allow-write: up is refused while a migration is failed, its dry run too' '
	studio_start --allow-write --port 0 &&
	test_grep "writes allowed" studio.err &&
	test "$(http_code -X POST -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/up")" = 500 &&
	scurl -X POST "$STUDIO/api/up?dry_run=1" >plan &&
	jq -r ".ok, .error.message" plan >actual &&
	test_grep "^false$" actual &&
	test_grep "0003_backfill is recorded as failed" actual &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'with --allow-write: a dry run shows the SQL and changes nothing' '
	strata mark 0003 --applied >/dev/null &&
	before=$(db_checksum) &&
	scurl -X POST "$STUDIO/api/up?dry_run=1" >plan &&
	jq -r ".dry_run, .migrations[].sql" plan >actual &&
	test_grep "^true$" actual &&
	test_grep "CREATE TABLE tags" actual &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'with --allow-write: a POST with only the cookie needs X-Strata-Studio (CSRF)' '
	test "$(http_code -X POST -b "strata_studio_$STUDIO_PORT=$STUDIO_TOKEN" "$STUDIO/api/down")" = 403 &&
	test "$(db_checksum)" = "$before"
'

test_expect_success 'with --allow-write: up, then down (the cookie and the header)' '
	scurl -X POST -H "X-Strata-Studio: 1" -b "strata_studio_$STUDIO_PORT=$STUDIO_TOKEN" \
		"$STUDIO/api/up" >run &&
	jq -r ".ok, .migrations[].version" run >actual &&
	printf "true\n0004\n" >expect &&
	test_cmp expect actual &&
	db_tables >tables &&
	test_grep -x tags tables &&
	scurl -X POST "$STUDIO/api/down" >run &&
	jq -r ".ok, .migrations[].version" run >actual &&
	test_cmp expect actual &&
	db_tables >tables &&
	test_grep ! -x tags tables
'

test_expect_success SQLITE 'with --allow-write: a backup, listed after' '
	scurl -X POST "$STUDIO/api/backup" >run &&
	jq -e .ok run &&
	scurl "$STUDIO/api/backups" >list &&
	jq -e ".backups | length >= 1" list &&
	test "$(http_code -X POST -H "Authorization: Bearer $STUDIO_TOKEN" "$STUDIO/api/backup?dry_run=1")" = 400
'

test_expect_success 'the second studio stops cleanly too' '
	studio_stop
'

test_done
