# tests/cli/lib-studio.sh: what t6000-studio-http and t6010-studio-browser
# share, sourced after test-lib.sh: a project of four migrations (users
# with two rows, posts referencing users, a transaction:false one that
# fails, a pending one), and one `strata studio` running in the background.

# studio_project: migrations/ and a fresh database (DATABASE_URL) where
# 0001 and 0002 are applied, 0003 failed and 0004 pending.
studio_project() {
	rm -rf migrations && mkdir migrations &&
	cat >migrations/0001_users.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
	INSERT INTO users (id, email) VALUES (1, 'ada@example.com'), (2, 'bob@example.com');
	-- migrate:down
	DROP TABLE users;
	EOF
	cat >migrations/0002_posts.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE posts (id INTEGER PRIMARY KEY,
	  author_id INTEGER NOT NULL REFERENCES users (id), title TEXT);
	-- migrate:down
	DROP TABLE posts;
	EOF
	cat >migrations/0003_backfill.sql <<-\EOF &&
	-- migrate:up transaction:false
	CREATE TABLE backfill_log (id INTEGER PRIMARY KEY);
	INSERT INTO backfil_log (id) VALUES (1);
	-- migrate:down
	DROP TABLE backfill_log;
	EOF
	cat >migrations/0004_tags.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE tags (id INTEGER PRIMARY KEY, post_id INTEGER REFERENCES posts (id), name TEXT);
	-- migrate:down
	DROP TABLE tags;
	EOF
	use_fresh_db &&
	test_expect_code 1 strata up --no-backup >/dev/null 2>&1
}

# studio_start [OPTIONS]: start `strata studio OPTIONS` in $TRASH, wait for
# the address on its first line, set STUDIO_PID, STUDIO_URL, STUDIO_PORT,
# STUDIO_TOKEN and STUDIO (the base address). Its output: $TRASH/studio.out,
# $TRASH/studio.err. The script's exit stops it.
studio_start() {
	local i
	rm -f "$TRASH/studio.out" "$TRASH/studio.err"
	strata studio "$@" >"$TRASH/studio.out" 2>"$TRASH/studio.err" &
	STUDIO_PID=$!
	for i in $(seq 1 200); do
		grep -q '^http' "$TRASH/studio.out" 2>/dev/null && break
		kill -0 "$STUDIO_PID" 2>/dev/null || { cat "$TRASH/studio.err" >&2; return 1; }
		sleep 0.05
	done
	STUDIO_URL=$(head -n 1 "$TRASH/studio.out") &&
	STUDIO_TOKEN=${STUDIO_URL##*token=} &&
	STUDIO_PORT=$(echo "$STUDIO_URL" | sed -n 's|^http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p') &&
	STUDIO=http://127.0.0.1:$STUDIO_PORT &&
	test -n "$STUDIO_PORT"
}

# studio_stop: SIGINT, as Ctrl-C; its exit status is returned.
studio_stop() {
	local pid=$STUDIO_PID
	STUDIO_PID=
	[ -n "$pid" ] || return 0
	kill -INT "$pid" && wait "$pid"
}

STUDIO_PID=
studio_atexit_() {
	local code=$?
	if [ -n "$STUDIO_PID" ]; then
		kill "$STUDIO_PID" 2>/dev/null
		wait "$STUDIO_PID" 2>/dev/null
	fi
	(exit "$code")
	test_atexit_
}
trap studio_atexit_ EXIT

# scurl ARGS...: curl with the token, body to stdout, no progress.
scurl() {
	curl -sS --max-time 30 -H "Authorization: Bearer $STUDIO_TOKEN" "$@"
}

# http_code ARGS...: only the status of the answer.
http_code() {
	curl -s --max-time 30 -o /dev/null -w '%{http_code}' "$@"
}
