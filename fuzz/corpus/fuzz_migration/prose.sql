-- UP to now we did nothing
-- migrate:up
SELECT 1;
