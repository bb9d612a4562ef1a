-- migrate:up
CREATE TABLE users (id serial PRIMARY KEY, email text);
CREATE INDEX users_email ON users (email);
CREATE INDEX posts_x ON posts (x);
ALTER TABLE posts ADD COLUMN y int NOT NULL;
ALTER TABLE posts ADD COLUMN z uuid DEFAULT gen_random_uuid(), ADD COLUMN t timestamptz DEFAULT now();
-- strata:lint-ignore drop-table
DROP TABLE old;
DROP TABLE older; -- strata:lint-ignore drop-table
DELETE FROM posts;
UPDATE posts SET y = 1 WHERE id IN (SELECT id FROM x);
ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users(id);
ALTER TABLE posts ADD CONSTRAINT fk2 FOREIGN KEY (u) REFERENCES users(id) NOT VALID;
ALTER TABLE posts ALTER COLUMN y SET NOT NULL, ALTER COLUMN y TYPE bigint;
ALTER TABLE posts RENAME TO articles;
CREATE INDEX CONCURRENTLY i ON posts (x);
VACUUM FULL posts;
ALTER TYPE mood ADD VALUE 'meh';
SELEC broken;
-- migrate:down
