-- examples/schema.sql: the schema the example app wants. `strata generate`
-- writes the migration from what migrations/ produce to this; `strata push`
-- applies it straight to a development database.

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  bio TEXT,
  display_name TEXT
);

CREATE TABLE posts (
  -- the new CHECK on title: SQLite cannot add one with ALTER TABLE, so
  -- strata rebuilds the table, keeping its rows, indexes and triggers
  id INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title TEXT NOT NULL CHECK (length(title) > 0),
  body TEXT NOT NULL DEFAULT '',
  published_at TEXT,
  slug TEXT,
  views INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX posts_author ON posts(author_id);
CREATE UNIQUE INDEX posts_slug ON posts(slug);
CREATE INDEX posts_published ON posts(published_at) WHERE published_at IS NOT NULL;

CREATE TABLE tags (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE post_tags (
  post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  PRIMARY KEY (post_id, tag_id)
) WITHOUT ROWID;
