#!/bin/bash
test_description='the diff matrix: columns, second part

For each fixture pair A -> B under tests/fixtures/diff/<engine>/, the
generated migration takes a database at A (with rows) to B, keeping the
values of the columns both share, and its down takes it back to A (see
tests/cli/lib-diff-matrix.sh). Columns named col-e* to col-z* (col-a* to col-d* are in t4900).'
test_builds=sanitized
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-diff-matrix.sh"

matrix_run 'col-[e-z]*'

test_done
