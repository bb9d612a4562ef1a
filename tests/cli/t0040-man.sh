#!/bin/bash

test_description='man pages from docs/, and strata help

scripts/gen-man turns every docs/strata*.md into a page at build time
(build/man/); they are clean under mandoc -Tlint and installed into man1.
`strata help CMD` shows the page: the one beside the program, else the
installed one, else it fails naming the docs page.'

test_engines=sqlite
. "$(dirname "$0")/test-lib.sh"

export MANPAGER=cat PAGER=cat MANWIDTH=100

test_expect_success 'every docs/strata*.md has a page, and every page a docs page' '
	(cd "$SRCDIR/docs" && ls strata*.md | sed "s/\.md\$/.1/") | sort >expect &&
	(cd "$BUILD_DIR/man" && ls *.1) | sort >actual &&
	test_cmp expect actual
'

test_expect_success 'the pages are clean under mandoc -Tlint' '
	mandoc -Tlint "$BUILD_DIR"/man/*.1 >out 2>&1 &&
	test_must_be_empty out
'

test_expect_success 'strata help COMMAND shows the page of each command' '
	"$STRATA" --list-commands | cut -f1 >commands &&
	test_line_count -gt 20 commands &&
	while read -r cmd; do
		case $cmd in
		backups|restore) page=backup ;;
		drop) page=create ;;
		*) page=$cmd ;;
		esac &&
		"$STRATA" help "$cmd" >out 2>err &&
		test_must_be_empty err &&
		head -n 1 out >title &&
		test_grep "^STRATA-$(echo "$page" | tr a-z A-Z)(1) " title &&
		test_grep "^ *strata .*$cmd" out || return 1
	done <commands
'

test_expect_success 'strata help shows strata(1), which names every command' '
	"$STRATA" help >out 2>err &&
	test_must_be_empty err &&
	test_grep "^STRATA(1) " out &&
	sed -n "/^COMMANDS/,/^GLOBAL OPTIONS/p" out >section &&
	while read -r cmd; do
		grep -qw -- "$cmd" section || { echo "strata(1) lacks $cmd"; return 1; }
	done <commands
'

test_expect_success 'the page says what the docs page says' '
	"$STRATA" help up >out &&
	sed -n "/^## SYNOPSIS/,/^## /p" "$SRCDIR/docs/strata-up.md" | grep "^strata up" >synopsis &&
	test_grep -F "$(cat synopsis)" out
'

test_expect_success 'help of a command strata does not have: exit 2, the nearest name' '
	test_expect_code 2 "$STRATA" help lnit >out 2>err &&
	test_must_be_empty out &&
	echo "strata: error: '"'"'lnit'"'"' is not a strata command (did you mean '"'"'lint'"'"'?)" >expect &&
	test_cmp expect err &&
	test_expect_code 2 "$STRATA" help up down >out 2>err &&
	test_must_be_empty out &&
	test_grep "one command at most" err
'

test_expect_success 'installed: pages in man1 (and links for shared pages); help finds them' '
	meson install -C "$BUILD_DIR" --no-rebuild --destdir "$TRASH/root" >log 2>&1 &&
	man1=$(dirname "$(find root -name strata-up.1)") &&
	test -n "$man1" &&
	test_path_is_file "$man1/strata.1" &&
	test "$(readlink "$man1/strata-restore.1")" = strata-backup.1 &&
	test "$(readlink "$man1/strata-drop.1")" = strata-create.1 &&
	bin=$(find root -path "*/bin/strata") &&
	MANPATH=$TRASH/$(dirname "$man1") "$bin" help diff >out 2>err &&
	test_must_be_empty err &&
	test_grep "^STRATA-DIFF(1) " out &&
	MANPATH=$TRASH/$(dirname "$man1") "$bin" help drop >out &&
	test_grep "^STRATA-CREATE(1) " out
'

test_expect_success 'no page anywhere: exit 1, naming the docs page' '
	bin=$(find root -path "*/bin/strata") &&
	mkdir emptyman &&
	MANPATH=$TRASH/emptyman test_expect_code 1 "$bin" help up >out 2>err &&
	test_must_be_empty out &&
	echo "strata: error: help: no manual page strata-up(1) is installed; the same text is docs/strata-up.md in strata'"'"'s source" >expect &&
	test_cmp expect err
'

test_expect_success 'no man program: exit 1, one line' '
	bin=$TRASH/$(find root -path "*/bin/strata") &&
	PATH=/nonexistent test_expect_code 1 "$bin" help up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "cannot run man" err
'

test_expect_success 'scripts/gen-man refuses what is not a command page' '
	test_expect_code 2 "$SRCDIR/scripts/gen-man" 1.0 >out 2>err &&
	test_grep "^usage: " err &&
	echo "# notes" >notes.md &&
	test_expect_code 2 "$SRCDIR/scripts/gen-man" 1.0 notes.md notes.1 2>err &&
	test_path_is_missing notes.1 &&
	printf "# strata x\n\nno sections\n" >strata-x.md &&
	test_expect_code 1 "$SRCDIR/scripts/gen-man" 1.0 strata-x.md strata-x.1 2>err &&
	test_grep "no .## NAME. section" err &&
	test_path_is_missing strata-x.1 &&
	test_must_fail "$SRCDIR/scripts/gen-man" 1.0 strata-nope.md strata-nope.1 2>err &&
	test_path_is_missing strata-nope.1
'

test_done
