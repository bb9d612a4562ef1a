#!/bin/bash
test_description='the diff matrix, PostgreSQL: dependencies and ordering

Triggers keyed by table, dependants of re-created objects (triggers on
views, comments, indexes on materialized views, views over views),
functions whose signature changes (dropped and created with what uses
them), drops in dependency order, and sequence OWNED BY changes. For each
fixture pair pgdep-* under tests/fixtures/diff/postgres/, the generated
migration takes a database at A (with rows) to B and its down back to A
(see tests/cli/lib-diff-matrix.sh).'
test_engines=postgres
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-diff-matrix.sh"

matrix_run 'pgdep-*'

test_done
