-- migrate:up
-- strata:lint-ignore drop-table
DROP TABLE a; -- strata:lint-ignore delete-without-where
DELETE FROM [b];
ALTER TABLE `c` ADD COLUMN d TEXT NOT NULL;
WITH x AS (UPDATE t SET a = 1 RETURNING *) SELECT 1;
-- strata:lint-ignore-file rename-table
