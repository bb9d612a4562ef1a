-- migrate:up
CREATE TABLE t (x TEXT DEFAULT 'été');
-- migrate:down
DROP TABLE t;
