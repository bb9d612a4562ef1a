#!/bin/bash

test_description='new follows the directory and takes turns

new writes the markers of the directory'\''s newest file (-- UP / -- DOWN,
goose'\''s -- +goose Up / Down, or dbmate'\''s), and many news started at
once each get their own version: they take turns on a lock of the
directory, so strata.sum stays true too. No database involved.'

test_engines='sqlite'

. "$(dirname "$0")/test-lib.sh"

test_expect_success 'in a directory of -- UP / -- DOWN files, new writes -- UP / -- DOWN' '
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- UP\nCREATE TABLE a (id INTEGER);\n-- DOWN\nDROP TABLE a;\n" >migrations/0001_a.sql &&
	strata new b >out 2>err &&
	test_must_be_empty err &&
	printf -- "-- UP\n\n\n-- DOWN\n\n" >expect &&
	test_cmp expect migrations/0002_b.sql
'

test_expect_success 'the newest file decides: after a goose file, goose markers' '
	printf -- "-- +goose Up\nCREATE TABLE c (id INTEGER);\n-- +goose Down\nDROP TABLE c;\n" \
		>migrations/0003_c.sql &&
	strata new d >out 2>err &&
	printf -- "-- +goose Up\n\n\n-- +goose Down\n\n" >expect &&
	test_cmp expect migrations/0004_d.sql
'

test_expect_success '... and after a dbmate file, dbmate markers' '
	printf -- "-- migrate:up\nCREATE TABLE e (id INTEGER);\n-- migrate:down\nDROP TABLE e;\n" \
		>migrations/0005_e.sql &&
	strata new f >out 2>err &&
	printf -- "-- migrate:up\n\n\n-- migrate:down\n\n" >expect &&
	test_cmp expect migrations/0006_f.sql
'

test_expect_success 'a file new wrote in the -- UP style applies once filled in' '
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- UP\nCREATE TABLE a (id INTEGER);\n-- DOWN\nDROP TABLE a;\n" >migrations/0001_a.sql &&
	strata new b >out &&
	sed -e "2s/^\$/CREATE TABLE b (id INTEGER);/" -e "5s/^\$/DROP TABLE b;/" migrations/0002_b.sql >tmp &&
	mv tmp migrations/0002_b.sql &&
	use_fresh_db &&
	strata up >out 2>err &&
	test_grep "^2 migrations applied" out &&
	strata down --all >out 2>err &&
	db_tables >actual &&
	echo strata_migrations >expect &&
	test_cmp expect actual
'

test_expect_success '30 news at once: 30 files, 30 distinct versions' '
	rm -rf migrations &&
	for i in $(seq 30); do
		{ strata new "x$i" >"out.$i" 2>"err.$i"; echo $? >"rc.$i"; } &
	done &&
	wait &&
	cat rc.* | sort -u >actual &&
	echo 0 >expect &&
	test_cmp expect actual &&
	cat err.* >err &&
	test_must_be_empty err &&
	ls migrations >files &&
	test_line_count = 30 files &&
	cut -d_ -f1 files | sort -u >versions &&
	test_line_count = 30 versions
'

test_expect_success '30 news at once in a sequence directory: 0002..0031, and strata.sum as hash writes it' '
	rm -rf migrations rc.* out.* err.* &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0001_a.sql &&
	strata hash >out &&
	for i in $(seq 30); do
		{ strata new "x$i" >"out.$i" 2>"err.$i"; echo $? >"rc.$i"; } &
	done &&
	wait &&
	cat rc.* | sort -u >actual &&
	echo 0 >expect &&
	test_cmp expect actual &&
	ls migrations | grep -v strata.sum | cut -d_ -f1 >actual &&
	seq -f "%04g" 1 31 >expect &&
	test_cmp expect actual &&
	cp migrations/strata.sum left &&
	strata hash >out &&
	test_cmp left migrations/strata.sum
'

test_expect_success 'new in a path that is a file: exit 2, one line, nothing created' '
	echo x >plain &&
	test_expect_code 2 strata -d plain new a >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: new: cannot create or open directory .plain.: Not a directory" err &&
	echo x >expect &&
	test_cmp expect plain
'

test_done
