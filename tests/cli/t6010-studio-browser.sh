#!/bin/bash

test_description='strata studio in a real browser

Headless Chromium (Debian'"'"'s /usr/bin/chromium, driven by playwright-core
from tests/browser/, which never downloads a browser) opens the address
strata studio printed and checks what a person sees: the schema diagram
with its tables and foreign-key arrow, the rows of a table and a filter,
the history with applied, pending and failed migrations (with the error),
drift and lint; then, with --allow-write, that apply is refused while a
migration is failed, and applies and rolls back through a confirmation
that shows the SQL first. Screenshots are kept for review: the path is
printed. Skips (saying so) only where chromium or node is missing;
scripts/bootstrap installs both.'

. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-studio.sh"

chromium=${STRATA_CHROMIUM:-/usr/bin/chromium}
browser_dir=$SRCDIR/tests/browser
if ! [ -x "$chromium" ] || ! command -v node >/dev/null 2>&1; then
	echo "1..0 # SKIP no $chromium or no node (scripts/bootstrap installs chromium and nodejs)"
	test_done_called_=1
	exit 0
fi
# playwright-core from the lock file, once, if bootstrap has not yet
if ! [ -d "$browser_dir/node_modules/playwright-core" ]; then
	if ! command -v npm >/dev/null 2>&1 ||
	   ! PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$browser_dir" --no-audit --no-fund >&2; then
		echo "1..0 # SKIP cannot install playwright-core in tests/browser (npm ci failed; scripts/bootstrap installs it)"
		test_done_called_=1
		exit 0
	fi
fi

# Screenshots outlive the trash directory, for review.
shots=${STRATA_TEST_OUTPUT:-${TMPDIR:-/tmp}}/strata-studio-screenshots/$STRATA_TEST_ENGINE
rm -rf "$shots" && mkdir -p "$shots"

test_expect_success 'the page against a database with a pending and a failed migration' '
	studio_project &&
	studio_start --allow-write &&
	STRATA_CHROMIUM=$chromium node "$browser_dir/studio.mjs" "$STUDIO_URL" "$shots" \
		users,posts "posts->users" "CREATE TABLE tags" "DROP TABLE tags" \
		"cd \"$TRASH\" && strata mark 0003 --applied" >out 2>&1 &&
	cat out &&
	test_grep "^ok: the diagram draws the foreign key posts->users" out &&
	test_grep "^ok: the history shows a failed migration" out &&
	test_grep "^ok: the page says: applied 1 migration" out &&
	test_grep "^ok: the page says: rolled back 1 migration" out &&
	test_grep ! "^not ok" out
'

test_expect_success 'the page changed the database: 0004 applied, then rolled back' '
	strata status --json >st &&
	jq -r ".migrations[] | .version + \" \" + .state" st >actual &&
	printf "0001 applied\n0002 applied\n0003 applied\n0004 pending\n" >expect &&
	test_cmp expect actual &&
	db_tables >tables &&
	test_grep ! -x tags tables &&
	test_grep -x users tables
'

test_expect_success 'screenshots were saved' '
	for f in diagram rows history page refused confirm-up after-up confirm-down after-down; do
		test -s "$shots/$f.png" || return 1
	done &&
	echo "# screenshots: $shots" >&8
'

test_expect_success 'Ctrl-C stops it cleanly' '
	studio_stop
'

test_done
