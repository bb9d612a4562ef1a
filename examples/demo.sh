#!/bin/sh
# examples/demo.sh: `make demo`. Runs the example project end to end on a
# fresh SQLite file, showing each step's command and output: apply, look,
# roll back, apply again, then the example app migrating at start-up
# through the library.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
strata=$top/build/strata
app=$top/build/example-app
work=$(mktemp -d "${TMPDIR:-/tmp}/strata-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$top/examples/migrations" "$work/migrations"
cd "$work"
export DATABASE_URL="sqlite:demo.db"

step() {
	printf '\n\033[1m$ %s\033[0m\n' "$*"
	"$@"
}

echo "strata demo: the example project in $work (DATABASE_URL=$DATABASE_URL)"
step "$strata" create
step "$strata" status
step "$strata" up --dry-run --steps 1
step "$strata" up
step "$strata" status
step "$strata" down
step "$strata" status
step "$strata" up
step "$strata" new add_post_slug
new=$(ls migrations/*_add_post_slug.sql)
printf -- '-- migrate:up\nALTER TABLE posts ADD COLUMN slug TEXT;\nCREATE UNIQUE INDEX posts_slug ON posts(slug);\n\n-- migrate:down\nDROP INDEX posts_slug;\nALTER TABLE posts DROP COLUMN slug;\n' >"$new"
step cat "$new"
step "$strata" up
step "$strata" --json status
step sqlite3 demo.db ".schema posts"
cp "$top/examples/schema.sql" schema.sql
echo
echo "Declarative: schema.sql says what the schema should be; strata writes the migration."
step "$strata" generate improve_posts
step cat migrations/*_improve_posts.sql
step "$strata" up
step "$strata" verify
printf '\n\033[1m$ example-app sqlite:app.db migrations   (an app migrating at start-up)\033[0m\n'
"$app" sqlite:app.db migrations
"$app" sqlite:app.db migrations
echo
echo "demo finished: every step above ran against a real SQLite file."
# The demo's folder goes when it ends: the command makes its own copy.
echo "To look at the example in a browser, strata studio serves a page on 127.0.0.1"
echo "(open the address it prints; Ctrl-C stops it):"
printf '\n  cd "$(mktemp -d)" && cp -R %s/examples/migrations . && export DATABASE_URL=sqlite:demo.db &&\n' "$top"
printf '    %s -q create && %s -q up && %s studio\n\n' "$strata" "$strata" "$strata"
