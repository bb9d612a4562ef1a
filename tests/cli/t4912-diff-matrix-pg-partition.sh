#!/bin/bash
test_description='the diff matrix, PostgreSQL: partitioning and inheritance

Partitioned tables (RANGE, LIST, HASH, a partition partitioned again),
partitions with bounds and DEFAULT, a new partition on an existing parent,
a partition dropped, a bound changed (detach, attach again; and one that
would lose rows, which the server refuses), columns, keys, CHECKs and
indexes added once on a partitioned parent, INHERITS created, added to an
existing table, and a column added to an inheritance parent. For each
fixture pair pgpart-* under tests/fixtures/diff/postgres/, the generated
migration takes a database at A (with rows) to B and its down back to A,
diff(B, B) is empty (see tests/cli/lib-diff-matrix.sh; the fingerprint
reads pg_partitioned_table and pg_inherits). Then what strata refuses:
a changed partition key, a table that becomes partitioned, a partition
column of its own.'
test_engines=postgres
test_builds=sanitized
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIRECTORY/lib-diff-matrix.sh"

matrix_run 'pgpart-*'

test_done
