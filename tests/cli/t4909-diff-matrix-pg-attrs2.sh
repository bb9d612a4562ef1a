#!/bin/bash
test_description='the diff matrix: attributes the PostgreSQL catalogs store, second part

The fixture pairs pgattr-i* to pgattr-r* and pgattr-t* to pgattr-z*
(identity, indexes, materialized views, keys, tables, triggers, views) through the matrix
(tests/cli/lib-diff-matrix.sh); t4907 has the rest and the cases around
them.'
test_engines=postgres
test_builds=sanitized
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-diff-matrix.sh"

matrix_run 'pgattr-[i-r]* pgattr-[t-z]*'

test_done
