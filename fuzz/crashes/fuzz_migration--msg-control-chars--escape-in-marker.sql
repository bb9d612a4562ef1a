-- migrate:up[2J]0;pwned
SELECT 1;
