#!/bin/bash

test_description='configuration: flags, environment and .env

The database URL and the migrations directory come from a .env file in the
current directory, then the environment, then flags, each stronger than
the one before. Global options go before or after the command; every
command has -h; --help lists them all; --version says which strata.'

. "$(dirname "$0")/test-lib.sh"

# has_users URL: URL's database has a users table (the run went there);
# has_no_tables URL: it has no table at all (the run did not go there).
has_users() {
	db_tables -u "$1" >tables-of-db &&
	test_grep "^users$" tables-of-db
}

has_no_tables() {
	db_tables -u "$1" >tables-of-db &&
	test_must_be_empty tables-of-db
}

# run_without_env CMD...: CMD with no DATABASE_URL or STRATA_DIR in the
# environment, so only .env and flags count.
run_without_env() {
	(
		unset DATABASE_URL STRATA_DIR &&
		"$@"
	)
}

test_expect_success 'setup: the basic migrations' '
	cp -R "$FIXTURES/migrations/basic" migrations
'

test_expect_success 'DATABASE_URL from the environment' '
	url=$(fresh_db) &&
	DATABASE_URL=$url strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^4 migrations applied" out &&
	has_users "$url"
'

# dotenv_case DESCRIPTION LINE-TEMPLATE: a .env holding the template, with
# @URL@ replaced by a fresh database URL, points strata at that database.
dotenv_case() {
	dotenv_template=$2
	test_expect_success "DATABASE_URL from .env: $1" '
		url=$(fresh_db) &&
		printf "%s\n" "$dotenv_template" | sed "s|@URL@|$url|g" >.env &&
		test_when_finished "rm -f .env" &&
		run_without_env strata up >out 2>err &&
		test_must_be_empty err &&
		test_grep "^4 migrations applied" out &&
		has_users "$url"
	'
}

dotenv_case 'unquoted' 'DATABASE_URL=@URL@'
dotenv_case 'double-quoted' 'DATABASE_URL="@URL@"'
dotenv_case 'single-quoted' "DATABASE_URL='@URL@'"
dotenv_case 'with an export prefix' 'export DATABASE_URL=@URL@'
dotenv_case 'with export and quotes' 'export DATABASE_URL="@URL@"'
dotenv_case 'among comments, blank lines and other variables' '# the development database
PORT=3000

#DATABASE_URL=sqlite:commented-out.db
DATABASE_URL=@URL@
SECRET_KEY="not-for-strata"'
dotenv_case 'followed by a comment on its line' 'DATABASE_URL=@URL@ # local only'
dotenv_case 'with blanks around = (godotenv and dotenv accept them)' 'DATABASE_URL = "@URL@"'
dotenv_case 'indented, with CRLF line ends' '  DATABASE_URL=@URL@'"$(printf '\r')"'
PORT=3000'"$(printf '\r')"

test_expect_success 'a commented-out DATABASE_URL in .env is not used' '
	echo "# DATABASE_URL=sqlite:commented-out.db" >.env &&
	test_when_finished "rm -f .env" &&
	run_without_env test_expect_code 2 strata up >out 2>err &&
	test_must_be_empty out &&
	test_grep "^strata: error: no database" err &&
	test_path_is_missing commented-out.db
'

test_expect_success 'the environment wins over .env' '
	env_url=$(fresh_db) &&
	dotenv_url=$(fresh_db) &&
	echo "DATABASE_URL=$dotenv_url" >.env &&
	test_when_finished "rm -f .env" &&
	DATABASE_URL=$env_url strata up >out 2>err &&
	test_must_be_empty err &&
	has_users "$env_url" &&
	has_no_tables "$dotenv_url"
'

test_expect_success '--url wins over the environment and .env' '
	env_url=$(fresh_db) &&
	dotenv_url=$(fresh_db) &&
	flag_url=$(fresh_db) &&
	echo "DATABASE_URL=$dotenv_url" >.env &&
	test_when_finished "rm -f .env" &&
	DATABASE_URL=$env_url strata --url "$flag_url" up >out 2>err &&
	test_must_be_empty err &&
	has_users "$flag_url" &&
	has_no_tables "$env_url" &&
	has_no_tables "$dotenv_url"
'

test_expect_success '-u and --url=URL work as --url does' '
	one=$(fresh_db) &&
	two=$(fresh_db) &&
	run_without_env strata -u "$one" up >out &&
	has_users "$one" &&
	run_without_env strata --url="$two" up >out &&
	has_users "$two"
'

test_expect_success 'STRATA_DIR names the migrations directory' '
	mkdir -p db &&
	cp -R "$FIXTURES/migrations/updown" db/migrations &&
	use_fresh_db &&
	STRATA_DIR=db/migrations strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^applied  *0001_create_users" out &&
	test_grep "^2 migrations applied" out
'

test_expect_success 'STRATA_DIR can come from .env too' '
	use_fresh_db &&
	echo "STRATA_DIR=db/migrations" >.env &&
	test_when_finished "rm -f .env" &&
	strata up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^2 migrations applied" out
'

test_expect_success '-d and --dir win over STRATA_DIR' '
	use_fresh_db &&
	STRATA_DIR=no/such/dir strata -d db/migrations up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^2 migrations applied" out &&
	use_fresh_db &&
	STRATA_DIR=no/such/dir strata --dir db/migrations up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^2 migrations applied" out
'

test_expect_success '-d DIR/ (a trailing slash) names files without a doubled slash' '
	use_fresh_db &&
	strata -d db/migrations/ --json status >out 2>err &&
	test_must_be_empty err &&
	test_grep "\"file\": \"db/migrations/0001_create_users.sql\"" out &&
	test_grep ! "migrations//" out
'

test_expect_success 'global options work before and after the command' '
	one=$(fresh_db) &&
	run_without_env strata --url "$one" -d db/migrations up >out &&
	test_grep "^2 migrations applied" out &&
	two=$(fresh_db) &&
	run_without_env strata up --url "$two" -d db/migrations >out &&
	test_grep "^2 migrations applied" out &&
	three=$(fresh_db) &&
	run_without_env strata -d db/migrations up --url "$three" --steps 1 >out &&
	test_grep "^1 migration applied" out &&
	run_without_env strata --json status --url "$three" -d db/migrations >before.json &&
	run_without_env strata status --url "$three" -d db/migrations --json >after.json &&
	test_cmp before.json after.json &&
	test_grep "\"command\": \"status\"" after.json
'

test_expect_success '--table NAME keeps the tracking rows in that table' '
	use_fresh_db &&
	strata --table schema_history up >out 2>err &&
	test_must_be_empty err &&
	db_tables >actual &&
	cat >expect <<-\EOF &&
	post_tags
	posts
	schema_history
	tags
	users
	EOF
	test_cmp expect actual &&
	db_sql "SELECT version, batch, state FROM schema_history ORDER BY version" >actual &&
	cat >expect <<-\EOF &&
	20240101120000|1|applied
	20240102120000|1|applied
	20240103120000|1|applied
	20240104120000|1|applied
	EOF
	test_cmp expect actual &&
	strata status --table schema_history --exit-code >out &&
	test_grep "^4 applied, 0 pending$" out &&
	strata down --table schema_history --all >out &&
	db_tables >actual &&
	echo schema_history >expect &&
	test_cmp expect actual
'

test_expect_success 'two tracking tables in one database do not see each other' '
	use_fresh_db &&
	strata --table app_a_migrations -d db/migrations up >out &&
	strata --table app_b_migrations status >out &&
	test_grep "^0 applied, 4 pending$" out &&
	strata --table app_a_migrations -d db/migrations status >out &&
	test_grep "^2 applied, 0 pending$" out
'

test_expect_success '--table is quoted as a name, never pasted into SQL' '
	use_fresh_db &&
	strata --table "x\"; DROP TABLE users; --" up >out 2>err &&
	test_must_be_empty err &&
	test_grep "^4 migrations applied" out &&
	db_tables >actual &&
	test_grep "^users$" actual &&
	test_grep "^x\"; DROP TABLE users; --$" actual &&
	strata --table "x\"; DROP TABLE users; --" status --exit-code >out &&
	test_grep "^4 applied, 0 pending$" out
'

test_expect_success SQLITE 'sqlite:relative/path.db is relative to the current directory' '
	rm -rf sub &&
	mkdir sub &&
	run_without_env strata --url sqlite:sub/rel.db up >out 2>err &&
	test_must_be_empty err &&
	has_users "sqlite:$TRASH/sub/rel.db"
'

test_expect_success SQLITE 'sqlite:/absolute/path.db (as dbmate writes it) and sqlite:///absolute/path.db' '
	run_without_env strata --url "sqlite:$TRASH/sub/abs1.db" up >out &&
	has_users "sqlite:$TRASH/sub/abs1.db" &&
	run_without_env strata --url "sqlite://$TRASH/sub/abs2.db" up >out &&
	has_users "sqlite:$TRASH/sub/abs2.db"
'

test_expect_success SQLITE 'sqlite::memory: applies everything and keeps nothing' '
	rm -rf mem &&
	mkdir mem &&
	cp -R migrations mem/ &&
	(
		cd mem &&
		run_without_env strata --url sqlite::memory: up >../out 2>../err
	) &&
	test_must_be_empty err &&
	test_grep "^4 migrations applied" out &&
	ls -A mem >actual &&
	echo migrations >expect &&
	test_cmp expect actual
'

test_expect_success SQLITE 'a SQLite file in a directory that does not exist: exit 1, one line' '
	test_expect_code 1 strata --url sqlite:no/such/dir/x.db up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "no/such/dir/x.db" err &&
	test_path_is_missing no
'

test_expect_success '-q prints nothing on success, and errors still show' '
	use_fresh_db &&
	strata -q up >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	has_users "$DATABASE_URL" &&
	test_expect_code 1 strata -q up --to 20991231000000 >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err
'

test_expect_success POSTGRES 'a server NOTICE from a migration shows with -v only; a WARNING always' '
	url=$(fresh_db) &&
	mkdir -p noisy &&
	cat >noisy/0001_noisy.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE IF NOT EXISTS noisy (id int);
	CREATE TABLE IF NOT EXISTS noisy (id int);
	DO $$ BEGIN RAISE NOTICE '\''hello from 0001'\''; RAISE WARNING '\''careful in 0001'\''; END $$;
	-- migrate:down
	DROP TABLE noisy;
	EOF
	strata -u "$url" -d noisy up >out 2>err &&
	test_grep "^strata: warning: careful in 0001$" err &&
	test_grep ! "hello from 0001" err &&
	strata -u "$url" -d noisy -v redo >out 2>err &&
	test_grep "^strata: hello from 0001$" err &&
	test_grep "^strata: warning: careful in 0001$" err &&
	test_grep ! "skipping" err &&
	strata -u "$url" -d noisy -q redo >out 2>err &&
	test_grep ! "hello" err
'

test_expect_success 'strata --help lists every command, on stdout, exit 0' '
	strata --help >out 2>err &&
	test_must_be_empty err &&
	test_grep "^usage: strata " out &&
	sed -n "/^commands:/,/^$/p" out | sed -e 1d -e "/^$/d" | awk "{ print \$1 }" >commands &&
	for c in new up down redo status show reset refresh baseline mark hash
	do
		test_grep "^$c$" commands || return 1
	done &&
	strata -h >out-h &&
	test_cmp out out-h
'

test_expect_success 'every command listed has -h: usage on stdout, exit 0, no database needed' '
	test -s commands &&
	while read c
	do
		run_without_env strata "$c" -h >out 2>err &&
		test_must_be_empty err &&
		test_grep "^usage: strata $c" out &&
		run_without_env strata "$c" --help >out2 2>err &&
		test_cmp out out2 || return 1
	done <commands
'

test_expect_success '--version prints the version, exit 0' '
	strata --version >out 2>err &&
	test_must_be_empty err &&
	test_line_count = 1 out &&
	test_grep -E "^strata [0-9]+\.[0-9]+(\.[0-9]+)?" out
'

test_expect_success POSTGRES 'a wrong password is reported without any password' '
	bad=$(printf "%s" "$DATABASE_URL" | sed "s/s3cret-test-pw/wr0ng-pw-x/") &&
	test "$bad" != "$DATABASE_URL" &&
	test_expect_code 1 strata --url "$bad" status >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "password authentication failed" err &&
	test_grep ! "wr0ng-pw-x" err &&
	test_grep ! "s3cret-test-pw" err
'

test_expect_success POSTGRES 'the --json output shows the URL without its password' '
	strata --json up >out 2>err &&
	test_grep ! "s3cret-test-pw" out &&
	strata --json status >out 2>err &&
	test_grep ! "s3cret-test-pw" out &&
	test_grep "\"database\": \"postgres://strata:" out
'

test_done
