select 1; -- so we don't skip checking
INSERT INTO tbl VALUES (a);
