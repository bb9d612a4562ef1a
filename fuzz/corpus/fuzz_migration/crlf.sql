-- migrate:up
CREATE TABLE t (x INTEGER);

-- migrate:down
DROP TABLE t;
