#!/bin/bash
test_description='the diff matrix: tables, indexes, views, triggers, functions

For each fixture pair A -> B under tests/fixtures/diff/<engine>/, the
generated migration takes a database at A (with rows) to B, keeping the
values of the columns both share, and its down takes it back to A (see
tests/cli/lib-diff-matrix.sh).'
test_builds=sanitized
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-diff-matrix.sh"

matrix_run 'table-* index-* view-* matview-* trigger-* function-* schema-* empty-*'
# generate --per-table over the cases that split across tables: renames,
# keys between tables, serial columns, views on changed tables.
matrix_run_per_table 'table-rename* table-add table-drop-referenced view-over-added-column'

test_done
