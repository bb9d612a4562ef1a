-- migrate:up
CREATE TABLE posts (
  id INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  published_at TEXT
);
CREATE INDEX posts_author ON posts(author_id);

-- migrate:down
DROP INDEX posts_author;
DROP TABLE posts;
