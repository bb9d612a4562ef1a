#!/bin/bash

test_description='rules the source tree itself keeps

scripts/check-banned finds the C calls STYLE.md bans (sprintf, strcpy,
strcat, strtok, atoi ...) as curl'"'"'s checksrc does. The tree must have none;
and the checker must still see one, or a clean result means nothing.'

test_engines=sqlite
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'the source tree has no banned call' '
	"$SRCDIR"/scripts/check-banned >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'check-banned reports a banned call by file and line' '
	mkdir planted &&
	cat >planted/bad.c <<-\EOF &&
	#include <stdio.h>
	/* sprintf(buf, "in a comment is fine") */
	void f(char *buf, const char *s)
	{
		sprintf(buf, "%s", s);
		snprintf(buf, 4, "%s", s);
	}
	EOF
	test_expect_code 1 "$SRCDIR"/scripts/check-banned "$TRASH/planted" >out &&
	echo "$TRASH/planted/bad.c:5: banned call: sprintf(buf, \"%s\", s);" >expect &&
	test_cmp expect out
'

test_done
