-- migrate:up
-- migrate:upX
