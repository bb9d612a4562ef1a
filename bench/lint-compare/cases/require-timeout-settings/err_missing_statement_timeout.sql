SET lock_timeout = '1s';
ALTER TABLE t ADD COLUMN c BOOLEAN;
