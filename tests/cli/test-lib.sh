# tests/cli/test-lib.sh: the library every tests/cli/tNNNN-name.sh sources,
# in the style of git's t/test-lib.sh.
#
# A test script looks like this:
#
#	#!/bin/bash
#	test_description='up applies pending migrations'
#	test_engines='sqlite postgres'    # optional, default both; at line start:
#	                                  # tests/run greps ^test_engines=
#	. "$(dirname "$0")/test-lib.sh"
#
#	test_expect_success 'up on an empty directory does nothing' '
#		use_fresh_db &&
#		mkdir migrations &&
#		strata up >out 2>err &&
#		test_must_be_empty err
#	'
#
#	test_done
#
# Bodies are eval'd in the script's own shell (so variables they set carry
# over to later tests), with stdin from /dev/null and stdout and stderr going
# to a log that is shown when the test fails (or always with -v). A body
# passes when its last command exits 0: chain commands with &&. Before a body
# runs it is checked for a broken &&-chain (STRATA_TEST_CHAIN_LINT=0 turns
# the check off). Each test starts in $TRASH, whatever the previous one did.
#
# The script runs on one engine, $STRATA_TEST_ENGINE (sqlite or postgres);
# tests/run runs it once per engine listed in test_engines. fresh_db hands
# out empty databases on that engine, and db_sql, db_tables and db_checksum
# look inside them with the engine's own client, so one scenario is written
# once and checked on both.
#
# Running tests:
#   test_expect_success [PREREQS] 'desc' 'body'   ok N - desc / not ok N - desc
#   test_expect_failure [PREREQS] 'desc' 'body'   a known breakage (# TODO)
#   test_when_finished 'cmds'   cleanup after this test, pass or fail
#   test_done                   "# passed N, failed N"; exit 1 if any failed
#   PREREQS: comma-separated, "!" negates: SQLITE, POSTGRES, STRATA (the
#   binary exists), SANITY (not root: permissions hold), VALGRIND; add your
#   own with test_set_prereq NAME; ask with test_have_prereq, test_have_engine.
# Assertions:
#   test_expect_code N cmd...   exactly exit N
#   test_must_fail cmd...       exit 1..125 but not 99; no signal, not "not found"
#   test_might_fail cmd...      any orderly exit, 0 included
#   test_cmp expect actual      diff -u
#   test_grep [!] [opts] pattern file
#   test_must_be_empty file, test_line_count OP N file,
#   test_path_is_file / test_path_is_dir / test_path_is_missing path
# Databases:
#   fresh_db                    print a new empty database's URL
#   use_fresh_db                export DATABASE_URL=$(fresh_db)
#   db_sql [-u URL] [SQL]       run SQL (or stdin); rows as a|b|c
#   db_tables [-u URL]          user tables, sorted
#   db_checksum [-u URL]        digest of schema and rows
# Variables: $STRATA (and `strata` on PATH), $TRASH (the cwd of each test,
# also $HOME), $SRCDIR, $FIXTURES, $STRATA_TEST_ENGINE, $TEST_NAME and, on
# postgres, $STRATA_TEST_PG_URL (superuser, database postgres),
# $STRATA_TEST_PG_HOST, $STRATA_TEST_PG_PORT, $STRATA_TEST_PG_SOCKET.
#
# Options: -v/--verbose (show every body's output), -i/--immediate (stop at
# the first failure), -k/--keep (keep the trash directory when a test fails),
# -x (trace bodies with set -x). Environment: STRATA_TEST_VERBOSE=1,
# STRATA_TEST_KEEP=1, STRATA_BIN, STRATA_TEST_ENGINE, STRATA_TEST_PG_* (from
# tests/pg/cluster's env file; when they are missing on postgres, a cluster
# of the script's own is started and stopped).

if [ -z "${BASH_VERSION-}" ]; then
	echo "test-lib.sh: run the test scripts with bash" >&2
	exit 1
fi

LF='
'

# Where we are.
TEST_NAME=$(basename "$0" .sh)
TEST_DIRECTORY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
SRCDIR=$(cd "$TEST_DIRECTORY/../.." && pwd -P)
FIXTURES=$SRCDIR/tests/fixtures

test_verbose_=${STRATA_TEST_VERBOSE:-0}
test_keep_=${STRATA_TEST_KEEP:-0}
test_immediate_=0
test_trace_=0
test_chain_lint_=${STRATA_TEST_CHAIN_LINT:-1}
while [ $# -gt 0 ]; do
	case "$1" in
	-v|--verbose) test_verbose_=1 ;;
	-i|--immediate) test_immediate_=1 ;;
	-k|--keep|-d|--debug) test_keep_=1 ;;
	-x) test_trace_=1 ;;
	-h|--help)
		echo "usage: $0 [-v] [-i] [-k] [-x]"
		[ -n "${test_description-}" ] && echo "$test_description"
		exit 0 ;;
	*)
		echo "$0: unknown option '$1'" >&2
		exit 2 ;;
	esac
	shift
done
[ "$test_verbose_" = 1 ] || test_verbose_=0

# The engine, and whether this script runs on it.
STRATA_TEST_ENGINE=${STRATA_TEST_ENGINE:-sqlite}
case "$STRATA_TEST_ENGINE" in
sqlite|postgres) ;;
*)
	echo "$0: STRATA_TEST_ENGINE must be sqlite or postgres, not '$STRATA_TEST_ENGINE'" >&2
	exit 2 ;;
esac
export STRATA_TEST_ENGINE
test_engines=${test_engines:-sqlite postgres}
case " $test_engines " in
*" $STRATA_TEST_ENGINE "*) ;;
*)
	echo "1..0 # SKIP $TEST_NAME does not run on $STRATA_TEST_ENGINE (test_engines='$test_engines')"
	exit 0 ;;
esac

# A clean environment: nothing from the caller's shell may steer strata,
# libpq or the locale. Only what the harness sets is kept.
for test_v_ in $(compgen -e PG) $(compgen -e STRATA_); do
	case "$test_v_" in
	STRATA_BIN|STRATA_BUILD_DIR|STRATA_TEST_*|STRATA_VALGRIND) ;;
	*) unset "$test_v_" ;;
	esac
done
unset test_v_ DATABASE_URL DATABASE_SSL NO_COLOR CLICOLOR CLICOLOR_FORCE
export LC_ALL=C LANG=C TZ=UTC
unset LANGUAGE

# The binary under test: $STRATA, and `strata` on PATH (a symlink, so it
# also works from env, xargs and background jobs).
STRATA=${STRATA_BIN:-$SRCDIR/build/strata}
case "$STRATA" in
/*) ;;
*) STRATA=$PWD/$STRATA ;;
esac
export STRATA
# The build directory, for the other programs built there (example-app);
# under valgrind, run them as "$(dirname "$STRATA")/example-app" instead.
BUILD_DIR=${STRATA_BUILD_DIR:-$(dirname "$STRATA")}

# test_builds=plain (set before sourcing this file): the script runs only
# against a build without sanitizers. For scripts whose subject they build
# anew themselves (packages, installs): under build-san they would repeat
# the same minutes and check nothing more.
#
# test_builds=sanitized: the script runs once per test run, against the
# sanitizer build when the run has one (tests/run sets STRATA_TEST_RUN_SANITIZED;
# it checks all that the plain build's run would, and memory errors too),
# else against whatever build it is given. For the long, deterministic
# property matrices, which would otherwise cost CI their minutes twice.
build_is_sanitized() {
	grep -Eq '"name": "b_sanitize", "value": "[a-z,]*(address|undefined|thread|memory|leak)' \
		"$BUILD_DIR/meson-info/intro-buildoptions.json" 2>/dev/null
}
if [ "${test_builds-}" = plain ] && build_is_sanitized; then
	echo "1..0 # SKIP $TEST_NAME runs against a build without sanitizers only (test_builds=plain)"
	exit 0
fi
if [ "${test_builds-}" = sanitized ] && [ -n "${STRATA_TEST_RUN_SANITIZED-}" ] &&
   ! build_is_sanitized; then
	echo "1..0 # SKIP $TEST_NAME runs once, against the sanitizer build of this run (test_builds=sanitized)"
	exit 0
fi

# The trash directory: $TEST_TMP holds $TRASH (where tests run), bin/ and
# the harness's own bookkeeping.
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/strata-$TEST_NAME.XXXXXX") || exit 1
TRASH=$TEST_TMP/trash
mkdir "$TRASH" "$TEST_TMP/bin" || exit 1
ln -s "$STRATA" "$TEST_TMP/bin/strata"
PATH=$TEST_TMP/bin:$PATH
HOME=$TRASH
export TRASH FIXTURES SRCDIR HOME PATH

test_count=0
test_success=0
test_failure=0
test_skipped=0
test_broken=0
test_fixed=0
test_done_called_=0
test_in_body_=0
test_own_cluster_=
test_subshell_level_=$BASH_SUBSHELL

# TAP lines go to fd 8, diagnostics to fd 9, whatever a body redirected.
# Inside a body fd 7 is its log: the assertions report there, so that
# their complaint shows even from "test_must_fail strata up 2>err".
exec 8>&1 9>&2 7>&2

say_() {
	printf '%s\n' "$*" >&8
}

BUG() {
	say_ "error: bug in the test script: $*"
	exit 1
}

test_atexit_() {
	local code=$? log
	if [ "$test_done_called_" != 1 ]; then
		if [ "$test_in_body_" = 1 ]; then
			say_ "not ok $test_count - $test_label_"
			if [ -n "$test_signal_" ]; then
				say_ "# FATAL: interrupted by SIG$test_signal_ (a timeout?) during this test"
			else
				say_ "# FATAL: the test body exited the script (status $code)"
			fi
			log=$TEST_TMP/log.$test_count
			[ -s "$log" ] && sed 's/^/# /' "$log" >&8
		else
			say_ "not ok $((test_count + 1)) - FATAL: $TEST_NAME exited (status $code) before test_done"
		fi
		test_failure=$((test_failure + 1))
		say_ "# passed $test_success, failed $test_failure"
		code=1
	fi
	cd / || :
	if [ "$test_failure" -gt 0 ] && [ "$test_keep_" = 1 ]; then
		say_ "# kept: trash directory $TRASH"
		[ -s "$TEST_TMP/pg-databases" ] && say_ "# kept: databases $(tr '\n' ' ' <"$TEST_TMP/pg-databases")"
	else
		test_drop_databases_
		rm -rf "$TEST_TMP"
	fi
	if [ -n "$test_own_cluster_" ]; then
		"$SRCDIR/tests/pg/cluster" stop "$test_own_cluster_" || :
	fi
	exit "$code"
}
trap test_atexit_ EXIT
test_signal_=
trap 'test_signal_=INT; exit 130' INT
trap 'test_signal_=TERM; exit 143' TERM

# PostgreSQL: the run's cluster, or one of our own for a script run alone.
if [ "$STRATA_TEST_ENGINE" = postgres ] && [ -z "${STRATA_TEST_PG_SOCKET-}" ]; then
	test_own_cluster_=$(mktemp -d "$("$SRCDIR/tests/pg/cluster" tmpdir)/strata-pg.XXXXXX") || exit 1
	if ! "$SRCDIR/tests/pg/cluster" start "$test_own_cluster_" >&9 2>&9; then
		say_ "Bail out! could not start a PostgreSQL cluster"
		test_done_called_=1
		exit 1
	fi
	. "$test_own_cluster_/env"
fi

# Prerequisites, as git's: test_expect_success PREREQ,!OTHER 'desc' 'body'.
test_prereqs_=" "
test_set_prereq() {
	test_prereqs_="$test_prereqs_$1 "
}
test_have_prereq() {
	local p list
	IFS=, read -r -a list <<<"$1"
	for p in "${list[@]}"; do
		case "$p" in
		!*) case "$test_prereqs_" in *" ${p#!} "*) return 1 ;; esac ;;
		*) case "$test_prereqs_" in *" $p "*) ;; *) return 1 ;; esac ;;
		esac
	done
	return 0
}
case "$STRATA_TEST_ENGINE" in
sqlite) test_set_prereq SQLITE ;;
postgres) test_set_prereq POSTGRES ;;
esac
[ -x "$STRATA" ] && test_set_prereq STRATA
# SANITY: file permissions are enforced (not root), for read-only tests.
[ "$(id -u)" != 0 ] && test_set_prereq SANITY
[ -n "${STRATA_VALGRIND-}" ] && test_set_prereq VALGRIND

# True when the script runs on the given engine.
test_have_engine() {
	[ "$STRATA_TEST_ENGINE" = "$1" ]
}

# ---------------------------------------------------------------------------
# Running tests

# Evaluates a body. Outside -x, a DEBUG trap keeps the last three commands
# run, so that a failure can name the command that failed: the one before
# the capture below, or, when the body left by "return", the one before that.
test_eval_() {
	if [ "$test_trace_" = 1 ]; then
		set -x
		eval "$1"
		{ local r=$?; set +x; } 2>/dev/null
		return $r
	fi
	test_last_cmd_=
	trap 'test_cmd2_=$test_cmd1_ test_cmd1_=$test_cmd0_ test_cmd0_=$BASH_COMMAND' DEBUG
	eval "$1"
	test_status_=$? test_last_cmd_=$test_cmd1_
	trap - DEBUG
	return $test_status_
}

# A body whose &&-chain is whole runs nothing after "(exit 117) &&", so the
# echo sees 117; a broken chain or a run-away here-doc shows otherwise.
test_chain_ok_() {
	[ "$test_chain_lint_" = 1 ] || return 0
	local r
	r=$( (test_eval_ "(exit 117) && $1$LF${LF}echo OK-\$?") 2>/dev/null </dev/null)
	[ "${r##*"$LF"}" = OK-117 ]
}

# Runs body $1 with its output in the test's log; returns its status, or
# that of a failed test_when_finished cleanup.
test_run_() {
	local log=$TEST_TMP/log.$test_count status c last
	: >"$log"
	if ! test_chain_ok_ "$1"; then
		echo "error: broken &&-chain or run-away here-doc in the test body" >"$log"
		return 1
	fi
	test_cleanups_=()
	test_in_body_=1
	test_eval_ "$1" >>"$log" 2>&1 7>&2 </dev/null
	status=$? last=${test_last_cmd_:-$test_cmd2_}
	trap - DEBUG
	if [ $status != 0 ] && [ -n "$last" ]; then
		echo "error: the last command run exited $status: $last" >>"$log"
	fi
	for c in "${test_cleanups_[@]}"; do
		test_eval_ "$c" >>"$log" 2>&1 7>&2 </dev/null || {
			echo "error: test_when_finished '$c' failed" >>"$log"
			[ $status != 0 ] || status=1
		}
	done
	test_in_body_=0
	cd "$TRASH" || BUG "cannot go back to $TRASH"
	return $status
}

test_show_log_() {
	local log=$TEST_TMP/log.$test_count
	[ -s "$log" ] && sed 's/^/# /' "$log" >&8
	return 0
}

test_show_body_() {
	printf '%s\n' "$1" | sed 's/^/#	/' >&8
}

test_start_() {
	test_count=$((test_count + 1))
	test_label_=$1
}

test_skip_() {
	test_skipped=$((test_skipped + 1))
	say_ "ok $test_count # skip $1 (missing $2)"
}

# test_expect_success [PREREQ] 'description' 'body'
test_expect_success() {
	local prereq=
	[ $# = 3 ] && { prereq=$1; shift; }
	[ $# = 2 ] || BUG "not 2 or 3 parameters to test_expect_success"
	test_start_ "$1"
	if [ -n "$prereq" ] && ! test_have_prereq "$prereq"; then
		test_skip_ "$1" "$prereq"
		return 0
	fi
	if test_run_ "$2"; then
		test_success=$((test_success + 1))
		say_ "ok $test_count - $1"
		[ "$test_verbose_" = 1 ] && test_show_log_
	else
		test_failure=$((test_failure + 1))
		say_ "not ok $test_count - $1"
		test_show_body_ "$2"
		test_show_log_
		if [ "$test_immediate_" = 1 ]; then
			say_ "# stopping at the first failure (-i)"
			test_done
		fi
	fi
	return 0
}

# test_expect_failure [PREREQ] 'description' 'body': a known breakage.
test_expect_failure() {
	local prereq=
	[ $# = 3 ] && { prereq=$1; shift; }
	[ $# = 2 ] || BUG "not 2 or 3 parameters to test_expect_failure"
	test_start_ "$1"
	if [ -n "$prereq" ] && ! test_have_prereq "$prereq"; then
		test_skip_ "$1" "$prereq"
		return 0
	fi
	if test_run_ "$2"; then
		test_fixed=$((test_fixed + 1))
		say_ "ok $test_count - $1 # TODO known breakage vanished"
	else
		test_broken=$((test_broken + 1))
		say_ "not ok $test_count - $1 # TODO known breakage"
	fi
	[ "$test_verbose_" = 1 ] && test_show_log_
	return 0
}

test_done() {
	test_done_called_=1
	say_ "1..$test_count"
	if [ $((test_skipped + test_broken + test_fixed)) -gt 0 ]; then
		say_ "# skipped $test_skipped, known breakage $test_broken, fixed $test_fixed"
	fi
	say_ "# passed $test_success, failed $test_failure"
	if [ "$test_failure" -gt 0 ]; then
		exit 1
	fi
	exit 0
}

# test_when_finished 'commands': run after the current test, pass or fail
# (last registered first). A failing cleanup fails the test.
test_when_finished() {
	[ "$BASH_SUBSHELL" = "$test_subshell_level_" ] ||
		BUG "test_when_finished does nothing in a subshell"
	test_cleanups_=("$*" "${test_cleanups_[@]}")
}

# ---------------------------------------------------------------------------
# Assertions, for use inside bodies

# test_expect_code N cmd [args]: cmd must exit with exactly N.
test_expect_code() {
	local want=$1 code
	shift
	"$@"
	code=$?
	[ "$code" = "$want" ] && return 0
	if [ "$code" -gt 128 ] && [ "$code" -le 192 ]; then
		echo "test_expect_code: command died of signal $((code - 128)), we wanted exit $want: $*" >&7
	else
		echo "test_expect_code: command exited with $code, we wanted $want: $*" >&7
	fi
	return 1
}

# test_must_fail cmd [args]: cmd must fail in an orderly way: exit 1..125,
# not by a signal, not "not found", not 99 (a sanitizer's or valgrind's report,
# as tests/run sets them up). For commands other than strata use "! cmd".
test_must_fail() {
	local code
	"$@"
	code=$?
	if [ "$code" = 0 ]; then
		echo "test_must_fail: command succeeded: $*" >&7
		return 1
	elif [ "$code" -gt 128 ] && [ "$code" -le 192 ]; then
		echo "test_must_fail: died of signal $((code - 128)): $*" >&7
		return 1
	elif [ "$code" = 127 ]; then
		echo "test_must_fail: command not found: $*" >&7
		return 1
	elif [ "$code" = 126 ] || [ "$code" -gt 125 ]; then
		echo "test_must_fail: command could not run (exit $code): $*" >&7
		return 1
	elif [ "$code" = 99 ]; then
		echo "test_must_fail: exit 99, a sanitizer or valgrind error: $*" >&7
		return 1
	fi
	return 0
}

# test_might_fail cmd [args]: as test_must_fail, but success is fine too.
test_might_fail() {
	local code
	"$@"
	code=$?
	if [ "$code" -gt 125 ] || [ "$code" = 99 ]; then
		echo "test_might_fail: command crashed or could not run (exit $code): $*" >&7
		return 1
	fi
	return 0
}

# test_cmp expect actual: equal files, or a unified diff and failure.
test_cmp() {
	[ $# = 2 ] || BUG "test_cmp needs 2 arguments"
	local f
	for f in "$1" "$2"; do
		if [ ! -e "$f" ]; then
			echo "test_cmp: '$f' does not exist" >&7
			return 1
		fi
	done
	diff -u "$1" "$2" >&7
}

# test_grep [!] [grep options] pattern file: with "!", the file must not match.
test_grep() {
	local invert=0 file
	if [ "$1" = "!" ]; then
		invert=1
		shift
	fi
	[ $# -ge 2 ] || BUG "test_grep needs a pattern and a file"
	file=${!#}
	if [ ! -f "$file" ]; then
		echo "test_grep: '$file' does not exist" >&7
		return 1
	fi
	if [ $invert = 0 ]; then
		grep "$@" >/dev/null && return 0
		echo "error: 'grep ${*:1:$#-1}' found no match in '$file':" >&7
	else
		grep "$@" >/dev/null || return 0
		echo "error: '! grep ${*:1:$#-1}' found a match in '$file':" >&7
	fi
	if [ -s "$file" ]; then
		cat "$file" >&7
	else
		echo "<'$file' is empty>" >&7
	fi
	return 1
}

test_must_be_empty() {
	if [ ! -e "$1" ]; then
		echo "'$1' does not exist" >&7
		return 1
	elif [ -s "$1" ]; then
		echo "'$1' is not empty, it contains:" >&7
		cat "$1" >&7
		return 1
	fi
}

# test_line_count OP N file: e.g. test_line_count = 3 out
test_line_count() {
	[ $# = 3 ] || BUG "test_line_count needs 3 arguments"
	local n
	n=$(wc -l <"$3") || return 1
	if ! test "$n" "$1" "$2"; then
		echo "test_line_count: line count of '$3' is $n, not $1 $2:" >&7
		cat "$3" >&7
		return 1
	fi
}

test_path_is_file() {
	[ -f "$1" ] || { echo "'$1' is not a file" >&7; return 1; }
}

test_path_is_dir() {
	[ -d "$1" ] || { echo "'$1' is not a directory" >&7; return 1; }
}

test_path_is_missing() {
	[ ! -e "$1" ] && [ ! -L "$1" ] && return 0
	echo "'$1' exists but should not:" >&7
	ls -ld "$1" >&7
	return 1
}

# ---------------------------------------------------------------------------
# Databases

test_pg_name_=$(printf '%s' "$TEST_NAME" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9_' '_' | cut -c1-36)

# psql as the superuser over the unix socket, to database $1.
test_psql_() {
	local db=$1
	shift
	PGOPTIONS='-c client_min_messages=warning' \
	psql -X -q -At -F'|' -v ON_ERROR_STOP=1 \
		-h "$STRATA_TEST_PG_SOCKET" -p "$STRATA_TEST_PG_PORT" -U strata -d "$db" "$@"
}

test_pg_dbname_() {
	local u=${1#*://}
	case "$u" in
	*/*) u=${u#*/} ;;
	*) u=postgres ;;
	esac
	u=${u%%\?*}
	printf '%s\n' "${u:-postgres}"
}

test_sqlite_path_() {
	local p=${1#sqlite:}
	case "$p" in
	//*) p=${p#//} ;;
	esac
	printf '%s\n' "${p%%\?*}"
}

test_drop_databases_() {
	[ -s "$TEST_TMP/pg-databases" ] || return 0
	[ -n "${STRATA_TEST_PG_SOCKET-}" ] || return 0
	sed 's/.*/DROP DATABASE IF EXISTS "&" WITH (FORCE);/' "$TEST_TMP/pg-databases" |
		test_psql_ postgres >/dev/null 2>&1 || :
}

# fresh_db: print the URL of a new, empty database on the script's engine.
# SQLite: an empty file in $TRASH (an empty database); PostgreSQL: a new
# database on the test cluster, reached over TCP with a password.
fresh_db() {
	local n=0 name
	[ -f "$TEST_TMP/db-counter" ] && n=$(cat "$TEST_TMP/db-counter")
	n=$((n + 1))
	echo "$n" >"$TEST_TMP/db-counter"
	case "$STRATA_TEST_ENGINE" in
	sqlite)
		# An empty file is an empty SQLite database: there, as the
		# CREATE DATABASE on postgres, since read-only commands create
		# none (t1310-readonly).
		: >"$TRASH/db$n.db" &&
		echo "sqlite:$TRASH/db$n.db"
		;;
	postgres)
		name=$(printf 't_%s_%d_%04x%04x' "$test_pg_name_" "$n" $RANDOM $RANDOM)
		echo "$name" >>"$TEST_TMP/pg-databases"
		test_psql_ postgres -c "CREATE DATABASE \"$name\"" >&2 || {
			echo "fresh_db: could not create database $name" >&2
			return 1
		}
		echo "${STRATA_TEST_PG_URL%/*}/$name"
		;;
	esac
}

# use_fresh_db: point DATABASE_URL (exported) at a fresh database.
use_fresh_db() {
	DATABASE_URL=$(fresh_db) && export DATABASE_URL
}

# db_sql [-u URL] [SQL]: run SQL (the argument, or stdin) on DATABASE_URL
# (or URL) with the engine's own client; rows come out as a|b|c lines, NULL
# as an empty field, no headers, no command tags. Stops at the first error
# and fails.
# Scratch databases left behind on the shared test cluster: strata names
# them strata_scratch_<pid>_<n>, and other test scripts run beside this one
# on the same cluster, so only those whose process is gone are orphans.
orphan_scratch_dbs() {
	db_sql -u "$STRATA_TEST_PG_URL" "SELECT datname FROM pg_database WHERE datname LIKE 'strata\\_scratch\\_%'" |
	while read -r name; do
		pid=${name#strata_scratch_}
		pid=${pid%%_*}
		kill -0 "$pid" 2>/dev/null || printf '%s\n' "$name"
	done
}

db_sql() {
	local url=${DATABASE_URL-}
	if [ "${1-}" = -u ]; then
		url=$2
		shift 2
	fi
	[ -n "$url" ] || { echo "db_sql: no database (set DATABASE_URL or use -u)" >&2; return 1; }
	if [ $# -gt 0 ]; then
		printf '%s\n' "$*" | db_sql -u "$url"
		return
	fi
	case "$url" in
	sqlite:*)
		sqlite3 -batch -bail -init /dev/null -list -separator '|' -noheader \
			"$(test_sqlite_path_ "$url")"
		;;
	postgres://*|postgresql://*)
		test_psql_ "$(test_pg_dbname_ "$url")" -f -
		;;
	*)
		echo "db_sql: cannot tell the engine of '$url'" >&2
		return 1
		;;
	esac
}

# db_tables [-u URL]: the user tables, one per line, sorted (SQLite: not the
# sqlite_ ones; PostgreSQL: schema public). strata's own table is listed.
db_tables() {
	local url=${DATABASE_URL-}
	local -
	set -o pipefail
	if [ "${1-}" = -u ]; then
		url=$2
		shift 2
	fi
	case "$url" in
	sqlite:*)
		db_sql -u "$url" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\\';"
		;;
	*)
		db_sql -u "$url" "SELECT tablename FROM pg_tables WHERE schemaname = 'public';"
		;;
	esac | LC_ALL=C sort
}

# db_checksum [-u URL]: a digest of the whole database, schema and rows, to
# show that a failed command changed nothing. SQLite: .dump (a missing file
# counts as an empty database). PostgreSQL: pg_dump without the version
# header and without sequence positions (setval), which a rolled-back
# transaction still moves on, and without the random \restrict key of
# pg_dump 15.14 and later.
db_checksum() {
	local url=${DATABASE_URL-} file
	local -
	set -o pipefail
	if [ "${1-}" = -u ]; then
		url=$2
		shift 2
	fi
	case "$url" in
	sqlite:*)
		file=$(test_sqlite_path_ "$url")
		[ -e "$file" ] || file=:memory:
		printf '.dump\nPRAGMA user_version;\n' |
			sqlite3 -batch -bail -init /dev/null "$file" | sha256sum | cut -d' ' -f1
		;;
	postgres://*|postgresql://*)
		pg_dump --no-owner -h "$STRATA_TEST_PG_SOCKET" -p "$STRATA_TEST_PG_PORT" -U strata \
			-d "$(test_pg_dbname_ "$url")" |
			sed -e '/^-- Dumped from/d' -e '/^-- Dumped by/d' -e '/^\\restrict /d' \
				-e '/^\\unrestrict /d' -e '/pg_catalog\.setval(/d' |
			sha256sum | cut -d' ' -f1
		;;
	*)
		echo "db_checksum: cannot tell the engine of '$url'" >&2
		return 1
		;;
	esac
}

cd "$TRASH" || exit 1
