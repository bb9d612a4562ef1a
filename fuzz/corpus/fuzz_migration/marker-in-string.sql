-- migrate:up
INSERT INTO t VALUES ('line one
-- migrate:down
still the string');
-- migrate:down
DELETE FROM t;
