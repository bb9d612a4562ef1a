#!/bin/bash
test_description='generate --per-table: every set applies, rolls back and verifies

One migration per changed table (and "other" for the rest). Each file must
hold its own down section, and what a table needs (a serial column'"'"'s
sequence) must be made in its own migration or an earlier one, never in a
later one.'
test_engines='sqlite postgres'
. "$(dirname "$0")/test-lib.sh"

# apply_all_then_back N: up, verify, down N steps, verify.
apply_all_then_back() {
	strata up --allow-destructive >/dev/null &&
	strata verify >verify.out &&
	strata diff --from "$DATABASE_URL" --to schema.sql --exit-code >/dev/null &&
	strata down --steps "$1" >/dev/null &&
	strata verify >verify.out
}

test_expect_success 'a renamed table'"'"'s migration renames it back in its down section' '
	use_fresh_db &&
	mkdir migrations &&
	cat >migrations/0001_init.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
	CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));
	CREATE INDEX posts_user ON posts (user_id);
	-- migrate:down
	DROP TABLE posts;
	DROP TABLE users;
	EOF
	strata up >/dev/null &&
	cat >schema.sql <<-\EOF &&
	CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT NOT NULL); -- strata:renamed-from users
	CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES people (id), title TEXT);
	CREATE INDEX posts_user ON posts (user_id);
	EOF
	strata generate step --per-table >out &&
	test_grep "_step_people.sql$" out &&
	file=$(sed -n "s/^created \(.*_step_people.sql\)$/\1/p" out) &&
	sed -n "/^-- migrate:down/,\$p" "$file" >down &&
	test_grep -i "RENAME TO \"\\{0,1\\}users" down &&
	cat >old.sql <<-\EOF &&
	CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
	CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));
	CREATE INDEX posts_user ON posts (user_id);
	EOF
	apply_all_then_back $(($(ls migrations | wc -l) - 1)) &&
	strata diff --from "$DATABASE_URL" --to old.sql --exit-code &&
	db_tables >tables &&
	test_grep "^users$" tables &&
	test_grep ! "^people$" tables
'

test_expect_success POSTGRES 'a serial column'"'"'s sequence is made in its table'"'"'s migration' '
	use_fresh_db &&
	rm -rf migrations && mkdir migrations &&
	cat >schema.sql <<-\EOF &&
	CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL);
	CREATE TABLE orders (id bigserial PRIMARY KEY, account_id integer REFERENCES accounts (id));
	CREATE VIEW big AS SELECT id FROM orders WHERE id > 100;
	EOF
	strata generate init --per-table >out &&
	test_line_count = 3 out &&
	acc=$(sed -n "s/^created \(.*_init_accounts.sql\)$/\1/p" out) &&
	ord=$(sed -n "s/^created \(.*_init_orders.sql\)$/\1/p" out) &&
	oth=$(sed -n "s/^created \(.*_init_other.sql\)$/\1/p" out) &&
	test_grep "CREATE SEQUENCE public.accounts_id_seq" "$acc" &&
	test_grep "CREATE SEQUENCE public.orders_id_seq" "$ord" &&
	test_grep ! "SEQUENCE" "$oth" &&
	apply_all_then_back 3 &&
	test "$(db_tables)" = strata_migrations
'

test_expect_success POSTGRES 'a renamed table with a serial column: up, down, verify' '
	use_fresh_db &&
	rm -rf migrations && mkdir migrations &&
	cat >migrations/0001_init.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE items (id serial PRIMARY KEY, label text);
	-- migrate:down
	DROP TABLE items;
	EOF
	strata up >/dev/null &&
	cat >schema.sql <<-\EOF &&
	CREATE TABLE products (id serial PRIMARY KEY, label text); -- strata:renamed-from items
	CREATE TABLE tags (id serial PRIMARY KEY, product_id integer REFERENCES products (id));
	EOF
	strata generate step --per-table >out &&
	prod=$(sed -n "s/^created \(.*_step_products.sql\)$/\1/p" out) &&
	sed -n "/^-- migrate:down/,\$p" "$prod" >down &&
	test_grep "RENAME TO items" down &&
	before=$(db_checksum) &&
	apply_all_then_back $(($(ls migrations | wc -l) - 1)) &&
	test "$(db_checksum)" = "$before"
'

test_expect_success POSTGRES 'a table whose only change moves to another'"'"'s migration gets none' '
	use_fresh_db &&
	rm -rf migrations && mkdir migrations &&
	cat >migrations/0001_init.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE p (id integer PRIMARY KEY, name text);
	CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p (id));
	EOF
	strata up >/dev/null &&
	echo "CREATE TABLE c (id integer PRIMARY KEY, p_id integer);" >schema.sql &&
	strata generate step --per-table --allow-destructive >out &&
	test_line_count = 1 out &&
	test_grep "_step_p.sql$" out &&
	apply_all_then_back 1
'

test_expect_success POSTGRES 'a view made again around a column change, with no other migration' '
	use_fresh_db &&
	rm -rf migrations && mkdir migrations &&
	cat >migrations/0001_init.sql <<-\EOF &&
	-- migrate:up
	CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
	CREATE VIEW v AS SELECT a FROM t;
	EOF
	strata up >/dev/null &&
	cat >schema.sql <<-\EOF &&
	CREATE TABLE t (id integer PRIMARY KEY, a text, b integer, c text);
	CREATE VIEW v AS SELECT a FROM t;
	EOF
	strata generate step --per-table >out &&
	test_line_count = 1 out &&
	apply_all_then_back 1
'

test_expect_success '--per-table without a NAME: exit 2, nothing written' '
	ls migrations >before &&
	test_expect_code 2 strata generate --per-table 2>err &&
	test_line_count = 1 err &&
	ls migrations >after &&
	test_cmp before after
'

test_expect_success '--per-table with a missing schema file: named, nothing written' '
	ls migrations >before &&
	test_must_fail strata -s nowhere.sql generate x --per-table 2>err &&
	test_grep "nowhere.sql: no such schema file" err &&
	ls migrations >after &&
	test_cmp before after
'

test_expect_success '--per-table with a malformed schema file: file:line, nothing written' '
	ls migrations >before &&
	before=$(db_checksum) &&
	printf "CREATE TABLE ok (id INTEGER PRIMARY KEY);\nCREATE TABLE broken (id INTEGER PRIMARY KEY,;\n" >bad.sql &&
	test_expect_code 2 strata -s bad.sql generate x --per-table 2>err &&
	test_grep "bad.sql:2" err &&
	ls migrations >after &&
	test_cmp before after &&
	test "$(db_checksum)" = "$before"
'

test_done
