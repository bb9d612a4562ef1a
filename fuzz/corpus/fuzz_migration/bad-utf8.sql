-- migrate:up
SELECT 1;
ÿþ
