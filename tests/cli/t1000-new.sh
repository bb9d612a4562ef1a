#!/bin/bash

test_description='new writes an empty migration file

new NAME creates <version>_NAME.sql with an up and a down section: the
version is the UTC time (YYYYMMDDHHMMSS), or the next number of the
zero-padded sequence the directory already uses. It creates the directory,
refuses names that are not plain file names, and keeps strata.sum current.'

. "$(dirname "$0")/test-lib.sh"

# sum_of FILE: the SHA-256 strata records for FILE (CRLF folded to LF).
sum_of() {
	tr -d '\r' <"$1" | sha256sum | cut -d' ' -f1
}

# TZ=UTC-14 is fourteen hours east of UTC: a version in local time would
# fall outside [before, after], which date -u measures.
test_expect_success 'new names the file after the UTC time and the given name' '
	rm -rf migrations &&
	mkdir migrations &&
	before=$(date -u +%Y%m%d%H%M%S) &&
	TZ=UTC-14 strata new create_users >out 2>err &&
	after=$(date -u +%Y%m%d%H%M%S) &&
	test_must_be_empty err &&
	ls migrations >files &&
	test_line_count = 1 files &&
	file=$(cat files) &&
	test_grep -E "^[0-9]{14}_create_users\.sql$" files &&
	version=${file%%_*} &&
	test "$version" -ge "$before" &&
	test "$version" -le "$after" &&
	echo "created migrations/$file" >expect &&
	test_cmp expect out
'

test_expect_success 'the new file has an up and a down section, in that order' '
	grep "^-- migrate:" "migrations/$file" >actual &&
	cat >expect <<-\EOF &&
	-- migrate:up
	-- migrate:down
	EOF
	test_cmp expect actual &&
	test_grep ! -v -e "^-- migrate:" -e "^$" "migrations/$file"
'

test_expect_success 'a new migration left empty is refused by up: nothing runs or is recorded' '
	use_fresh_db &&
	test_expect_code 2 strata up >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: migrations/$file:1: the up section has no statement" err &&
	db_tables >actual &&
	test_must_be_empty actual
'

test_expect_success 'once its up section has SQL, it applies and rolls back' '
	printf -- "-- migrate:up\nCREATE TABLE t (id INTEGER);\n-- migrate:down\nDROP TABLE t;\n" \
		>"migrations/$file" &&
	strata up >out 2>err &&
	test_grep "^applied  *${file%.sql} " out &&
	db_sql "SELECT version, name, state FROM strata_migrations" >actual &&
	echo "$version|create_users|applied" >expect &&
	test_cmp expect actual &&
	strata down >out 2>err &&
	test_grep "^rolled back  *${file%.sql} " out &&
	db_sql "SELECT count(*) FROM strata_migrations" >actual &&
	echo 0 >expect &&
	test_cmp expect actual
'

test_expect_success 'new migrations made back to back get increasing versions' '
	rm -rf migrations &&
	strata new first >out1 &&
	strata new second >out2 &&
	ls migrations >files &&
	test_line_count = 2 files &&
	first=$(sed -n 1p files) &&
	second=$(sed -n 2p files) &&
	case "$first" in *_first.sql) ;; *) false ;; esac &&
	case "$second" in *_second.sql) ;; *) false ;; esac &&
	test "${first%%_*}" -lt "${second%%_*}"
'

test_expect_success 'after a version from the future, new counts on in seconds: still a time of day' '
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- migrate:up\nSELECT 1;\n" >migrations/20991231235959_late.sql &&
	strata new one >out &&
	strata new two >out &&
	ls migrations >actual &&
	cat >expect <<-\EOF &&
	20991231235959_late.sql
	21000101000000_one.sql
	21000101000001_two.sql
	EOF
	test_cmp expect actual
'

test_expect_success 'new continues the zero-padded sequence the directory uses' '
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0001_a.sql &&
	strata new add_b >out 2>err &&
	test_must_be_empty err &&
	echo "created migrations/0002_add_b.sql" >expect &&
	test_cmp expect out &&
	test_path_is_file migrations/0002_add_b.sql
'

test_expect_success 'the sequence keeps its width past 9, 99 ...' '
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- migrate:up\n" >migrations/0009_a.sql &&
	strata new b >out &&
	echo "created migrations/0010_b.sql" >expect &&
	test_cmp expect out &&
	printf -- "-- migrate:up\n" >migrations/0099_c.sql &&
	strata new d >out &&
	echo "created migrations/0100_d.sql" >expect &&
	test_cmp expect out
'

test_expect_success 'new creates the migrations directory when it is missing' '
	rm -rf migrations &&
	strata new init >out 2>err &&
	test_must_be_empty err &&
	test_path_is_dir migrations &&
	ls migrations >files &&
	test_grep -E "^[0-9]{14}_init\.sql$" files
'

test_expect_success 'new honours -d and creates a nested directory (dbmate keeps db/migrations)' '
	rm -rf db &&
	strata -d db/migrations new init >out 2>err &&
	test_must_be_empty err &&
	ls db/migrations >files &&
	test_grep -E "^[0-9]{14}_init\.sql$" files &&
	echo "created db/migrations/$(cat files)" >expect &&
	test_cmp expect out
'

for name in ../x a/b "" ../../etc/passwd "a b" .hidden
do
	test_expect_success "new refuses the name '$name' with a one-line error" '
		rm -rf migrations &&
		mkdir migrations &&
		test_expect_code 2 strata new "$name" >out 2>err &&
		test_must_be_empty out &&
		test_line_count = 1 err &&
		test_grep "^strata: error: new: .*'\''$name'\''.* is not a migration name" err &&
		ls -A migrations >files &&
		test_must_be_empty files &&
		test_path_is_missing x
	'
done

test_expect_success 'new without a name, or with two, is bad usage' '
	test_expect_code 2 strata new >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "usage: strata new NAME" err &&
	test_expect_code 2 strata new a b >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err
'

test_expect_success 'new adds the file to strata.sum when the directory keeps one' '
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0001_a.sql &&
	strata hash >out &&
	strata new add_b >out 2>err &&
	test_must_be_empty err &&
	{
		printf "0001_a.sql %s\n" "$(sum_of migrations/0001_a.sql)" &&
		printf "0002_add_b.sql %s\n" "$(sum_of migrations/0002_add_b.sql)"
	} >body &&
	{
		echo "total $(sha256sum <body | cut -d" " -f1)" &&
		cat body
	} >expect &&
	test_cmp expect migrations/strata.sum
'

test_expect_success '... so up accepts the directory with the new file' '
	use_fresh_db &&
	strata up --to 0001 >out 2>err &&
	test_must_be_empty err &&
	db_sql "SELECT version FROM strata_migrations ORDER BY version" >actual &&
	printf "0001\n" >expect &&
	test_cmp expect actual &&
	test_expect_code 2 strata up >out 2>err &&
	test_grep "^strata: error: migrations/0002_add_b.sql:1: the up section has no statement" err
'

test_expect_success 'new refuses to rewrite a strata.sum that does not match the files' '
	rm -rf migrations &&
	mkdir migrations &&
	printf -- "-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n" \
		>migrations/0001_a.sql &&
	strata hash >out &&
	echo "CREATE INDEX a_id ON a (id);" >>migrations/0001_a.sql &&
	cp migrations/strata.sum sum.before &&
	test_expect_code 1 strata new add_b >out 2>err &&
	test_must_be_empty out &&
	test_line_count = 1 err &&
	test_grep "^strata: error: .*strata.sum: 0001_a.sql was edited after it was hashed" err &&
	test_cmp sum.before migrations/strata.sum &&
	test_path_is_missing migrations/0002_add_b.sql
'

test_expect_success 'new does not create strata.sum when there is none' '
	rm -rf migrations &&
	strata new a >out &&
	test_path_is_missing migrations/strata.sum
'

test_done
