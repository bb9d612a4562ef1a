# tests/cli/lib-diff-pg.sh: the PostgreSQL side of the diff matrix
# (t4900-diff-matrix.sh sources it when the engine is postgres): the
# schema's fingerprint read from the catalogs with psql, a generic row
# filler, and the SELECTs that print the values two databases share.
# Column order is left out of the fingerprint: on PostgreSQL a column
# added by ALTER TABLE goes last, and strata compares without order there.

pg_user_schemas="n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'"

pg_fingerprint() {
	db_sql -u "$1" <<-EOF
	SELECT 'S', nspname FROM pg_namespace n WHERE $pg_user_schemas ORDER BY 2;
	SELECT 'X', extname, extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 2;
	SELECT 'C', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
	       pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
	       CASE WHEN a.attcollation <> t.typcollation THEN (SELECT collname FROM pg_collation WHERE oid = a.attcollation) END
	  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	  JOIN pg_type t ON t.oid = a.atttypid
	  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	 WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND $pg_user_schemas
	   AND c.relname <> 'strata_migrations'
	 ORDER BY 2, 3, 4;
	SELECT 'K', n.nspname, c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid)
	  FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE $pg_user_schemas AND c.relname <> 'strata_migrations' ORDER BY 2, 3, 4;
	SELECT 'I', schemaname, tablename, indexname, indexdef FROM pg_indexes n
	 WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\_%'
	   AND tablename <> 'strata_migrations' ORDER BY 2, 3, 4;
	SELECT 'V', schemaname, viewname, definition FROM pg_views
	 WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 2, 3;
	SELECT 'W', schemaname, matviewname, definition FROM pg_matviews ORDER BY 2, 3;
	SELECT 'WP', schemaname, matviewname, ispopulated FROM pg_matviews ORDER BY 2, 3;
	SELECT 'RO', n.nspname, c.relname, c.relkind, c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE $pg_user_schemas AND c.reloptions IS NOT NULL ORDER BY 2, 3;
	SELECT 'RP', n.nspname, c.relname, c.relkind, c.relpersistence FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE $pg_user_schemas AND c.relpersistence <> 'p' ORDER BY 2, 3;
	SELECT 'D', (pg_identify_object(d.classoid, d.objoid, d.objsubid)).identity, d.description
	  FROM pg_description d WHERE d.objoid >= 16384 OR d.classoid = 'pg_namespace'::regclass ORDER BY 2, 3;
	SELECT 'CS', n.nspname, c.relname, a.attname, a.attstorage, a.attcompression, a.attstattarget
	  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	  JOIN pg_type t ON t.oid = a.atttypid
	 WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND $pg_user_schemas
	   AND (a.attstorage <> t.typstorage OR a.attcompression <> '' OR a.attstattarget <> -1)
	 ORDER BY 2, 3, 4;
	SELECT 'TD', n.nspname, t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod), t.typnotnull
	  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
	 WHERE $pg_user_schemas AND t.typtype = 'd' ORDER BY 2, 3;
	SELECT 'G', n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid)
	  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE NOT t.tgisinternal ORDER BY 2, 3, 4;
	SELECT 'E', n.nspname, t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
	  FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
	 GROUP BY 2, 3 ORDER BY 2, 3;
	SELECT 'Q', schemaname, sequencename, data_type, start_value, increment_by, min_value, max_value,
	       cache_size, cycle FROM pg_sequences ORDER BY 2, 3;
	SELECT 'P', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), md5(pg_get_functiondef(p.oid))
	  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
	 WHERE $pg_user_schemas
	   AND NOT EXISTS (SELECT 1 FROM pg_depend dp WHERE dp.objid = p.oid AND dp.deptype = 'e')
	 ORDER BY 2, 3, 4;
	SELECT 'M', n.nspname, c.relname, obj_description(c.oid, 'pg_class')
	  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE $pg_user_schemas AND obj_description(c.oid, 'pg_class') IS NOT NULL ORDER BY 2, 3;
	SELECT 'N', n.nspname, c.relname, a.attname, col_description(c.oid, a.attnum)
	  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
	 WHERE $pg_user_schemas AND a.attnum > 0 AND col_description(c.oid, a.attnum) IS NOT NULL
	 ORDER BY 2, 3, 4;
	SELECT 'O', n.nspname, c.relname, tn.nspname, tc.relname, a.attname
	  FROM pg_depend d JOIN pg_class c ON c.oid = d.objid AND c.relkind = 'S'
	  JOIN pg_namespace n ON n.oid = c.relnamespace
	  JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
	  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
	 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
	   AND d.deptype = 'a' AND $pg_user_schemas ORDER BY 2, 3;
	SELECT 'R', n.nspname, c.relname, t.tgname, obj_description(t.oid, 'pg_trigger')
	  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE NOT t.tgisinternal AND obj_description(t.oid, 'pg_trigger') IS NOT NULL ORDER BY 2, 3, 4;
	SELECT 'R', n.nspname, c.relname, con.conname, obj_description(con.oid, 'pg_constraint')
	  FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE $pg_user_schemas AND obj_description(con.oid, 'pg_constraint') IS NOT NULL ORDER BY 2, 3, 4;
	SELECT 'R', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), obj_description(p.oid, 'pg_proc')
	  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
	 WHERE $pg_user_schemas AND obj_description(p.oid, 'pg_proc') IS NOT NULL ORDER BY 2, 3, 4;
	SELECT 'L', n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity
	  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE $pg_user_schemas AND (c.relrowsecurity OR c.relforcerowsecurity) ORDER BY 2, 3;
	SELECT 'Y', schemaname, tablename, policyname, permissive, roles, cmd, qual, with_check
	  FROM pg_policies ORDER BY 2, 3, 4;
	SELECT 'PK', n.nspname, c.relname, pg_get_partkeydef(c.oid)
	  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE $pg_user_schemas AND c.relkind = 'p' ORDER BY 2, 3;
	SELECT 'PI', n.nspname, c.relname, i.inhseqno, pn.nspname, p.relname, c.relkind, c.relispartition,
	       pg_get_expr(c.relpartbound, c.oid)
	  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	  JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
	 WHERE $pg_user_schemas ORDER BY 2, 3, 4;
	SELECT 'TY', n.nspname, t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod), t.typnotnull,
	       pg_get_expr(t.typdefaultbin, 0), t.typcollation::regcollation
	  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
	 WHERE $pg_user_schemas AND (t.typtype IN ('d', 'r') OR (t.typtype = 'c'
	   AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))) ORDER BY 2, 3;
	SELECT 'TK', n.nspname, t.typname, con.conname, pg_get_constraintdef(con.oid)
	  FROM pg_constraint con JOIN pg_type t ON t.oid = con.contypid JOIN pg_namespace n ON n.oid = t.typnamespace
	 WHERE $pg_user_schemas ORDER BY 2, 3, 4;
	SELECT 'TA', n.nspname, t.typname, row_number() OVER (PARTITION BY t.oid ORDER BY a.attnum), a.attname,
	       format_type(a.atttypid, a.atttypmod), a.attcollation::regcollation
	  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid
	  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	 WHERE $pg_user_schemas AND c.relkind = 'c' ORDER BY 2, 3, 4;
	SELECT 'TR', n.nspname, t.typname, r.rngsubtype::regtype, r.rngcollation::regcollation, r.rngsubopc,
	       r.rngcanonical, r.rngsubdiff, r.rngmultitypid::regtype
	  FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid JOIN pg_namespace n ON n.oid = t.typnamespace
	 WHERE $pg_user_schemas ORDER BY 2, 3;
	SELECT 'CO', n.nspname, co.collname, co.collprovider, co.collisdeterministic, co.collcollate,
	       co.collctype, to_jsonb(co) -> 'colliculocale', to_jsonb(co) -> 'colllocale'
	  FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace
	 WHERE $pg_user_schemas ORDER BY 2, 3;
	SELECT 'ST', n.nspname, st.stxname, pg_get_statisticsobjdef(st.oid), st.stxstattarget
	  FROM pg_statistic_ext st JOIN pg_namespace n ON n.oid = st.stxnamespace
	 WHERE $pg_user_schemas ORDER BY 2, 3;
	SELECT 'TD', (pg_identify_object('pg_type'::regclass, t.oid, 0)).identity, d.description
	  FROM pg_description d JOIN pg_type t ON d.classoid = 'pg_type'::regclass AND d.objoid = t.oid
	  JOIN pg_namespace n ON n.oid = t.typnamespace WHERE $pg_user_schemas ORDER BY 2;
	EOF
}

# Three rows per table, a value of each column's type: row N holds N in
# numbers and 'rN' in text, so a foreign key column holds row N's key.
# Foreign key triggers are off for the fill (session_replication_role), so
# that tables go in whatever order; the values agree anyway. Statements run
# one by one, outside a transaction: rows a constraint rejects are left out.
pg_fill() {
	db_sql -u "$1" <<-EOF >fill.tmpl &&
	SELECT format('INSERT INTO %I.%I (%s) VALUES (%s);', n.nspname, c.relname,
	         string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
	         string_agg(CASE
	           WHEN t.typcategory = 'N' THEN '@N@'
	           WHEN t.typcategory = 'S' THEN '''r@N@'''
	           WHEN t.typcategory = 'B' THEN 'true'
	           WHEN t.typname = 'date' THEN '''2024-01-0@N@'''
	           WHEN t.typcategory = 'D' THEN '''2024-01-0@N@ 12:00:00'''
	           WHEN t.typcategory = 'E' THEN format('(enum_range(NULL::%s))[1]', format_type(a.atttypid, NULL))
	           WHEN t.typname = 'uuid' THEN '''00000000-0000-0000-0000-00000000000@N@'''
	           WHEN t.typname IN ('json', 'jsonb') THEN '''{"n": @N@}'''
	           WHEN t.typname = 'bytea' THEN '''\\x0@N@'''
	           WHEN t.typcategory = 'A' THEN '''{}'''
	           ELSE 'DEFAULT' END, ', ' ORDER BY a.attnum))
	  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	  JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_type t ON t.oid = a.atttypid
	 WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
	   AND a.attidentity <> 'a' AND $pg_user_schemas AND c.relname <> 'strata_migrations'
	 GROUP BY n.nspname, c.relname;
	EOF
	{ echo "SET session_replication_role = replica;" &&
	  for n in 1 2 3; do sed "s/@N@/$n/g" fill.tmpl; done; } >fill.sql &&
	{ PGOPTIONS='-c client_min_messages=error' psql -X -q -At \
		-h "$STRATA_TEST_PG_SOCKET" -p "$STRATA_TEST_PG_PORT" -U strata \
		-d "$(test_pg_dbname_ "$1")" -f fill.sql >/dev/null 2>&1 || :; }
}

# SELECTs that print the values of the columns $1 and $2 share: same
# schema, table and column names, same type; each table's own rows (FROM
# ONLY: a parent's SELECT also reads its children's, a partitioned table's
# are its partitions'). The databases are apart, so
# the two column lists meet in the shell.
pg_columns_() {
	db_sql -u "$1" <<-EOF
	SELECT n.nspname || '|' || c.relname || '|' || a.attname || '|' || format_type(a.atttypid, a.atttypmod)
	  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
	   AND $pg_user_schemas AND c.relname <> 'strata_migrations';
	EOF
}

pg_shared_values_sql() {
	pg_columns_ "$1" | LC_ALL=C sort >cols.a &&
	pg_columns_ "$2" | LC_ALL=C sort >cols.b &&
	LC_ALL=C comm -12 cols.a cols.b |
	awk -F'|' '
		function q(s) { gsub(/"/, "\"\"", s); return "\"" s "\"" }
		{
			key = $1 "|" $2
			if (!(key in cols)) { order[++n] = key; cols[key] = "" }
			cols[key] = cols[key] ", quote_nullable(" q($3) "::text)"
		}
		END {
			for (i = 1; i <= n; i++) {
				split(order[i], p, "|")
				printf "SELECT concat_ws(%s, %s%s) FROM ONLY %s.%s;\n", "'"'"'|'"'"'", \
					"'"'"'" p[1] "." p[2] "'"'"'", cols[order[i]], q(p[1]), q(p[2])
			}
		}'
}
