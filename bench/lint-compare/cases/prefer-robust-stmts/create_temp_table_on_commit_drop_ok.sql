select 1; -- so we don't skip checking
CREATE TEMP TABLE test_table (id int) ON COMMIT DROP;
