select 1; -- so we don't skip checking
CREATE TEMPORARY TABLE test_table (id int) ON COMMIT DROP;
