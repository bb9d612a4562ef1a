SELECT 0;
-- migrate:up
SELECT 1;
