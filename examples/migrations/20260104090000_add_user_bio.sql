-- migrate:up
ALTER TABLE users ADD COLUMN bio TEXT;

-- migrate:down
ALTER TABLE users DROP COLUMN bio;
