#!/bin/bash

test_description='shell completions generated from the command and option tables

scripts/gen-completions runs the strata just built (--list-commands,
--completion-helper [CMD]) and writes bash, zsh and fish completions:
each offers every command and every option, and a command added to the
tables is offered without editing any script.'

test_engines=sqlite
. "$(dirname "$0")/test-lib.sh"

COMP=$BUILD_DIR/completions

# Every option spelling of every command, and of none (the globals).
all_options() {
	{
		"$STRATA" --completion-helper
		while read -r cmd; do
			"$STRATA" --completion-helper "$cmd" || return 1
		done <commands
	} | cut -f1,2 | tr "\t" "\n" | grep . | sort -u
}

# bash: what _strata offers for the words "$@" (the last is completed).
bash_complete() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _strata;
		printf "%s\n" "${COMPREPLY[@]}"' - "$COMP/strata" "$@"
}

test_expect_success 'the tables: commands and options' '
	"$STRATA" --list-commands >list &&
	cut -f1 list >commands &&
	test_grep "^up$" commands &&
	test_grep "^help$" commands &&
	all_options >options &&
	test_grep "^--url$" options &&
	test_grep "^-u$" options &&
	test_grep "^--allow-out-of-order$" options &&
	test_grep "^--version$" options &&
	"$STRATA" --completion-helper up >up &&
	grep -q "^$(printf -- "--steps\t\tN\t")" up
'

test_expect_success 'the helper lists, and opens or creates nothing' '
	mkdir empty &&
	(cd empty && DATABASE_URL=sqlite:x.db "$STRATA" --completion-helper up >../out) &&
	test_grep "^--dry-run" out &&
	test_path_is_missing empty/x.db &&
	test_expect_code 2 "$STRATA" --completion-helper nope 2>err &&
	test_grep "'"'"'nope'"'"' is not a strata command" err
'

test_expect_success 'bash offers every command, and every option of each' '
	bash_complete strata "" | sort >actual &&
	sort commands >expect &&
	test_cmp expect actual &&
	while read -r cmd; do
		bash_complete strata "$cmd" - | sort >offered &&
		{ "$STRATA" --completion-helper "$cmd"; "$STRATA" --completion-helper; } |
			cut -f1,2 | tr "\t" "\n" | grep . | sort -u >want &&
		comm -13 offered want >missing &&
		test_must_be_empty missing || return 1
	done <commands &&
	bash_complete strata -u db.sqlite up --dry >actual &&
	echo --dry-run >expect &&
	test_cmp expect actual &&
	bash_complete strata help re | sort >actual &&
	printf "%s\n" redo refresh reset restore >expect &&
	test_cmp expect actual
'

test_expect_success 'zsh and fish name every command and option' '
	while read -r cmd; do
		grep -q "^		'"'"'$cmd:" "$COMP/_strata" || { echo "zsh: $cmd"; return 1; }
		grep -q "^complete -c strata -n __fish_use_subcommand -a $cmd " "$COMP/strata.fish" ||
			{ echo "fish: $cmd"; return 1; }
	done <commands &&
	while read -r opt; do
		grep -q "'"'"'$opt\[" "$COMP/_strata" || { echo "zsh: $opt"; return 1; }
		case $opt in
		--*) grep -q " -l ${opt#--}\( \|\$\)" "$COMP/strata.fish" ;;
		*) grep -q " -s ${opt#-}\( \|\$\)" "$COMP/strata.fish" ;;
		esac || { echo "fish: $opt"; return 1; }
	done <options
'

test_expect_success 'the scripts parse (bash -n; zsh -n, fish -n where installed)' '
	bash -n "$COMP/strata" &&
	if command -v zsh >/dev/null; then zsh -n "$COMP/_strata"; fi &&
	if command -v fish >/dev/null; then fish -n "$COMP/strata.fish"; fi
'

test_expect_success 'generated, not written: a new command and option are offered' '
	cat >fake-strata <<-EOF &&
	#!/bin/sh
	if [ "\$1" = --list-commands ]; then
		"$STRATA" --list-commands
		printf "frob\tfrobnicate the schema\n"
	elif [ "\$1" = --completion-helper ] && [ "\$2" = frob ]; then
		printf -- "--frobnicate\t-F\tLEVEL\thow hard\n"
	else
		exec "$STRATA" "\$@"
	fi
	EOF
	chmod +x fake-strata &&
	mkdir gen &&
	"$SRCDIR/scripts/gen-completions" ./fake-strata gen &&
	COMP=$TRASH/gen &&
	bash_complete strata fr >actual &&
	echo frob >expect &&
	test_cmp expect actual &&
	bash_complete strata frob --frob >actual &&
	echo --frobnicate >expect &&
	test_cmp expect actual &&
	test_grep "'"'"'--frobnicate\[how hard\]:LEVEL:_files'"'"'" gen/_strata &&
	test_grep -- "-l frobnicate -s F -r -F -d '"'"'how hard'"'"'" gen/strata.fish
'

test_expect_success 'gen-completions: usage, missing folder, a failing strata' '
	test_expect_code 2 "$SRCDIR/scripts/gen-completions" 2>err &&
	test_grep "^usage: " err &&
	test_expect_code 2 "$SRCDIR/scripts/gen-completions" "$STRATA" nowhere 2>err &&
	test_grep "nowhere: no such directory" err &&
	printf "#!/bin/sh\nexit 1\n" >broken &&
	chmod +x broken &&
	mkdir out2 &&
	test_must_fail "$SRCDIR/scripts/gen-completions" ./broken out2 &&
	ls out2 >files &&
	test_must_be_empty files
'

test_expect_success 'installed where bash-completion, zsh and fish look' '
	meson install -C "$BUILD_DIR" --no-rebuild --destdir "$TRASH/root" >log 2>&1 &&
	find root -path "*/share/bash-completion/completions/strata" | grep -q . &&
	find root -path "*/share/zsh/site-functions/_strata" | grep -q . &&
	find root -path "*/share/fish/vendor_completions.d/strata.fish" | grep -q .
'

test_done
