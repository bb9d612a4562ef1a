-- migrate:upp
SELECT 1;
