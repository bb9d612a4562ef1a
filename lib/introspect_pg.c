/*
 * introspect_pg.c: a live PostgreSQL database -> the schema model.
 *
 * Everything comes from pg_catalog and the server's own deparsers
 * (format_type, pg_get_expr, pg_get_constraintdef, pg_get_indexdef,
 * pg_get_viewdef, pg_get_triggerdef, pg_get_functiondef), so a type, a
 * default or a predicate reads exactly as the server understands it.
 *
 * Speed: one query per kind of object, each covering every table of the
 * chosen schemas (never one query per table), a dozen round trips in all:
 * 2,000 tables (10 columns, 2 indexes, a foreign key each) read in about a
 * second on a fresh connection, most of it the server's pg_get_indexdef()
 * and pg_get_expr() (bench/inspect_2000.sh). Rows come ordered by the
 * owning relation's oid and find it by binary search in an oid map.
 *
 * Consistency: the queries run in one REPEATABLE READ, READ ONLY transaction
 * (or in a savepoint of the caller's, when one is open), with search_path
 * set to pg_catalog alone for the duration, so that every name the deparsers
 * print outside pg_catalog comes qualified ("public.mood", "FROM
 * public.users") and the model does not depend on the session's
 * search_path; and with JIT off, whose compile time (tens of milliseconds a
 * query, triggered by the planner's guesses about generate_series) is all
 * cost for catalog reads.
 */
#include "introspect.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include "dl_pq.h"

#include "strata.h"

/* Objects that belong to an extension are the extension's business: they
 * come back with CREATE EXTENSION, so the model leaves them out. */
#define NOT_EXT(cls, oid)                                                        \
	"NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '" cls "'::regclass" \
	" AND x.objid = " oid " AND x.deptype = 'e')"

/* Every query after the first takes $1: the oids of the chosen schemas. */
#define IN_NSP(col) col " = ANY($1::oid[])"

static const char q_namespaces[] =
	"SELECT n.oid, n.nspname FROM pg_namespace n WHERE CASE WHEN $1::text IS NULL THEN"
	" n.nspname NOT IN ('pg_catalog', 'information_schema')"
	" AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"
	" AND " NOT_EXT("pg_namespace", "n.oid")
	" ELSE n.nspname = $1 END ORDER BY n.nspname";

/* Storage parameters and view options as SQL takes them back, the values
 * quoted ("fillfactor='70', check_option='local'"): a value may hold any
 * text (an extension's string option). NULL when none. */
#define RELOPTIONS(c)                                                                   \
	"(SELECT string_agg(quote_ident(split_part(o, '=', 1)) || '=' ||"                   \
	" quote_literal(substr(o, strpos(o, '=') + 1)), ', ') FROM unnest(" c ".reloptions) o)"

/* Tables, views and materialized views: the relations the later rows hang on. */
static const char q_relations[] =
	"SELECT c.oid, n.nspname, c.relname, c.relkind,"
	" CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END,"
	" c.relispopulated, " RELOPTIONS("c") ", c.relpersistence = 'u'"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE " IN_NSP("c.relnamespace") " AND c.relkind IN ('r', 'p', 'v', 'm')"
	" AND " NOT_EXT("pg_class", "c.oid")
	" ORDER BY c.oid";

/* The collation is named only when it is not the type's own default. A
 * default cannot refer to a column, so it is deparsed without its table
 * (relid 0): given the table, PostgreSQL 15's pg_get_expr() opens it, a
 * relcache entry and a lock per table, a third of this query's time on a
 * fresh connection. A generated column's expression does name columns. */
static const char q_columns[] =
	"SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),"
	" a.attnotnull, CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, 0, true)"
	" ELSE pg_get_expr(ad.adbin, ad.adrelid, true) END, a.attgenerated, a.attidentity,"
	" CASE WHEN a.attcollation <> t.typcollation THEN co.collname END,"
	" sq.seqstart, sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache, sq.seqcycle,"
	" CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END, t.typstorage::text,"
	" %s, a.attstattarget"
	" FROM pg_attribute a"
	" JOIN pg_class c ON c.oid = a.attrelid"
	" JOIN pg_type t ON t.oid = a.atttypid"
	" LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"
	" LEFT JOIN pg_collation co ON co.oid = a.attcollation"
	/* An identity's sequence depends on its column internally ('i'). */
	" LEFT JOIN LATERAL (SELECT s.* FROM pg_depend dp JOIN pg_sequence s ON s.seqrelid = dp.objid"
	"  WHERE a.attidentity <> '' AND dp.classid = 'pg_class'::regclass"
	"  AND dp.refclassid = 'pg_class'::regclass AND dp.refobjid = a.attrelid"
	"  AND dp.refobjsubid = a.attnum AND dp.deptype = 'i' LIMIT 1) sq ON true"
	" WHERE " IN_NSP("c.relnamespace") " AND c.relkind IN ('r', 'p')"
	" AND a.attnum > 0 AND NOT a.attisdropped"
	" ORDER BY a.attrelid, a.attnum";

/* Key columns as attnum arrays in conkey order (the constraint's order, not
 * the table's), resolved through the model's columns. A foreign key's
 * referenced columns come as names (JSON) only when the referenced table is
 * not in the model. %s: PostgreSQL 15's NULLS NOT DISTINCT, or false. The
 * INCLUDE columns of a PRIMARY KEY or UNIQUE are its index's past
 * indnkeyatts (conkey holds the key columns only). */
static const char q_constraints[] =
	"SELECT co.conrelid, co.conname, co.contype, co.condeferrable, co.condeferred,"
	" co.conkey, rn.nspname, rc.relname, co.confrelid, co.confkey,"
	" CASE WHEN co.contype = 'f' AND NOT (rc.relnamespace = ANY($1::oid[])"
	"  AND " NOT_EXT("pg_class", "rc.oid") ") THEN"
	"  (SELECT json_agg(a.attname ORDER BY k.o) FROM unnest(co.confkey) WITH ORDINALITY k(n, o)"
	"  JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n) END,"
	" co.confdeltype, co.confupdtype,"
	" CASE WHEN co.contype = 'c' THEN pg_get_constraintdef(co.oid, true) END, %s,"
	" co.confmatchtype, co.convalidated,"
	" CASE WHEN i.indnatts > i.indnkeyatts THEN (SELECT array_agg(k.a ORDER BY k.o)"
	"  FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(a, o) WHERE k.o > i.indnkeyatts) END"
	" FROM pg_constraint co"
	" JOIN pg_class c ON c.oid = co.conrelid"
	" LEFT JOIN pg_class rc ON rc.oid = co.confrelid"
	" LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace"
	" LEFT JOIN pg_index i ON i.indexrelid = co.conindid AND co.contype IN ('p', 'u')"
	" WHERE " IN_NSP("c.relnamespace") " AND c.relkind IN ('r', 'p')"
	" AND co.contype IN ('p', 'u', 'f', 'c')"
	/* Not the clones of a partitioned table's constraints (on its
	 * partitions, or a foreign key's on the partitions it references). */
	" AND co.conparentid = 0 AND (co.conislocal OR NOT c.relispartition)"
	" ORDER BY co.conrelid, co.conname";

/* Standalone indexes: not those behind a PRIMARY KEY, UNIQUE or EXCLUDE
 * constraint, which depend on their constraint internally, nor a
 * partition's index attached to its partitioned parent's (the parent's
 * index makes it, struct schema_table). Asked of
 * pg_depend, whose index answers it whatever the planner's statistics say
 * (pg_constraint.conindid has no index: right after a migration created
 * thousands of tables, stale statistics made that anti-join a nested loop
 * taking seconds). */
#define STANDALONE_INDEX \
	"NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass" \
	" AND d.objid = i.indexrelid AND d.refclassid = 'pg_constraint'::regclass" \
	" AND d.deptype = 'i')" \
	" AND NOT EXISTS (SELECT 1 FROM pg_inherits pi WHERE pi.inhrelid = i.indexrelid)"

static const char q_indexes[] =
	"SELECT i.indexrelid, i.indrelid, ic.relname, i.indisunique, am.amname,"
	" pg_get_indexdef(i.indexrelid, 0, true), pg_get_expr(i.indpred, i.indrelid, true),"
	" %s, " RELOPTIONS("ic")
	" FROM pg_index i"
	" JOIN pg_class ic ON ic.oid = i.indexrelid"
	" JOIN pg_class c ON c.oid = i.indrelid"
	" JOIN pg_am am ON am.oid = ic.relam"
	" WHERE " IN_NSP("c.relnamespace") " AND c.relkind IN ('r', 'p', 'm')"
	" AND " STANDALONE_INDEX
	" ORDER BY i.indexrelid";

/* One row per index column: key columns (k <= indnkeyatts) then INCLUDE
 * columns. int2vector and oidvector subscripts start at 0. */
static const char q_index_keys[] =
	"SELECT i.indexrelid, k.n <= i.indnkeyatts, a.attname,"
	" CASE WHEN i.indkey[k.n - 1] = 0 THEN pg_get_indexdef(i.indexrelid, k.n, true) END,"
	" (i.indoption[k.n - 1] & 1) = 1, (i.indoption[k.n - 1] & 2) = 2,"
	" CASE WHEN a.attnum IS NOT NULL AND i.indcollation[k.n - 1] <> 0"
	"  AND i.indcollation[k.n - 1] <> a.attcollation THEN coll.collname END,"
	" CASE WHEN NOT op.opcdefault THEN op.opcname END"
	" FROM pg_index i"
	" JOIN pg_class c ON c.oid = i.indrelid"
	" CROSS JOIN LATERAL generate_series(1, i.indnatts::int) k(n)"
	" LEFT JOIN pg_attribute a ON i.indkey[k.n - 1] <> 0 AND a.attrelid = i.indrelid"
	"  AND a.attnum = i.indkey[k.n - 1]"
	" LEFT JOIN pg_collation coll ON coll.oid = i.indcollation[k.n - 1]"
	" LEFT JOIN pg_opclass op ON k.n <= i.indnkeyatts AND op.oid = i.indclass[k.n - 1]"
	" WHERE " IN_NSP("c.relnamespace") " AND c.relkind IN ('r', 'p', 'm')"
	" AND " STANDALONE_INDEX
	" ORDER BY i.indexrelid, k.n";

/* %s: "AND t.tgparentid = 0" from PostgreSQL 13 on, so that the clones of a
 * partitioned table's trigger on its partitions are not listed twice. */
static const char q_triggers[] =
	"SELECT t.tgrelid, t.tgname, pg_get_triggerdef(t.oid, true)"
	" FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
	" WHERE " IN_NSP("c.relnamespace") " AND NOT t.tgisinternal %s"
	" ORDER BY t.tgrelid, t.tgname";

static const char q_enums[] =
	"SELECT n.nspname, t.typname,"
	" COALESCE((SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e"
	"  WHERE e.enumtypid = t.oid), '[]')"
	" FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
	" WHERE " IN_NSP("t.typnamespace") " AND t.typtype = 'e' AND " NOT_EXT("pg_type", "t.oid");

/* Sequences, less those behind identity columns (deptype 'i'); OWNED BY
 * (serial columns, ALTER SEQUENCE ... OWNED BY) is the 'a' dependency. */
static const char q_sequences[] =
	"SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,"
	" s.seqmin, s.seqmax, s.seqcache, s.seqcycle, own.relname, own.attname,"
	" own.relnamespace = c.relnamespace"
	" FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" LEFT JOIN LATERAL (SELECT tc.relname, tc.relnamespace, a.attname FROM pg_depend d"
	"  JOIN pg_class tc ON tc.oid = d.refobjid"
	"  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
	"  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid"
	"  AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a' LIMIT 1) own ON true"
	" WHERE " IN_NSP("c.relnamespace")
	" AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_class'::regclass"
	"  AND x.objid = c.oid AND x.deptype IN ('e', 'i'))";

/* Extensions whose objects live in the chosen schemas (so plpgsql, in
 * pg_catalog, is never listed). */
static const char q_extensions[] =
	"SELECT e.extname, n.nspname, e.extversion"
	" FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
	" WHERE " IN_NSP("e.extnamespace");

/* Functions and procedures; aggregates have no pg_get_functiondef. */
static const char q_functions[] =
	"SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),"
	" pg_get_functiondef(p.oid), pg_get_function_result(p.oid), pg_get_function_arguments(p.oid),"
	" (SELECT coalesce(string_agg(format_type(u.t, NULL), ', ' ORDER BY u.o), '')"
	"  FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, o))"
	" FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
	" WHERE " IN_NSP("p.pronamespace") " AND p.prokind IN ('f', 'p')"
	" AND " NOT_EXT("pg_proc", "p.oid")
	/* a range type's constructors are its own (pgtypes.c) */
	" AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = 'pg_proc'::regclass"
	"  AND x.objid = p.oid AND x.deptype = 'i')";

/*
 * What stands on functions, views and enums (see struct schema_dep): the
 * normal dependencies of view queries (their pg_rewrite rule), triggers,
 * column defaults and generated expressions (pg_attrdef), CHECKs, indexes
 * and functions (a BEGIN ATOMIC body, argument defaults, argument and
 * result types), all in the chosen schemas; an array of an enum counts as
 * the enum. A view's rule also depends on its own view's columns: left out.
 */
static const char q_deps[] =
	"WITH obj(classid, objid, rel, kind, nsp, name, sub) AS ("
	" SELECT 'pg_rewrite'::regclass, r.oid, c.oid, c.relkind::text, n.nspname, c.relname, NULL::name"
	"  FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class"
	"  JOIN pg_namespace n ON n.oid = c.relnamespace"
	"  WHERE " IN_NSP("c.relnamespace") " AND c.relkind IN ('v', 'm')"
	" UNION ALL"
	" SELECT 'pg_trigger'::regclass, t.oid, c.oid, 'trigger', n.nspname, c.relname, t.tgname"
	"  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
	"  JOIN pg_namespace n ON n.oid = c.relnamespace"
	"  WHERE " IN_NSP("c.relnamespace") " AND NOT t.tgisinternal"
	" UNION ALL"
	" SELECT 'pg_attrdef'::regclass, ad.oid, c.oid, 'column', n.nspname, c.relname, a.attname"
	"  FROM pg_attrdef ad JOIN pg_class c ON c.oid = ad.adrelid"
	"  JOIN pg_namespace n ON n.oid = c.relnamespace"
	"  JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum"
	"  WHERE " IN_NSP("c.relnamespace") " AND c.relkind IN ('r', 'p')"
	" UNION ALL"
	" SELECT 'pg_constraint'::regclass, co.oid, c.oid, 'constraint', n.nspname, c.relname, co.conname"
	"  FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid"
	"  JOIN pg_namespace n ON n.oid = c.relnamespace"
	"  WHERE " IN_NSP("c.relnamespace") " AND co.contype = 'c' AND c.relkind IN ('r', 'p')"
	" UNION ALL"
	" SELECT 'pg_class'::regclass, c.oid, c.oid, 'index', n.nspname, c.relname, NULL"
	"  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	"  WHERE " IN_NSP("c.relnamespace") " AND c.relkind = 'i'"
	" UNION ALL"
	" SELECT 'pg_proc'::regclass, p.oid, 0::oid, 'function', n.nspname, p.proname,"
	"  pg_get_function_identity_arguments(p.oid)"
	"  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
	"  WHERE " IN_NSP("p.pronamespace") " AND p.prokind IN ('f', 'p')"
	"), ref(classid, oid, kind, nsp, name, sub) AS ("
	" SELECT 'pg_proc'::regclass, p.oid, 'function', n.nspname, p.proname,"
	"  pg_get_function_identity_arguments(p.oid)"
	"  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
	"  WHERE " IN_NSP("p.pronamespace") " AND p.prokind IN ('f', 'p')"
	" UNION ALL"
	" SELECT 'pg_class'::regclass, c.oid, c.relkind::text, n.nspname, c.relname, NULL"
	"  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	"  WHERE " IN_NSP("c.relnamespace") " AND c.relkind IN ('v', 'm')"
	" UNION ALL"
	" SELECT 'pg_type'::regclass, t.oid, 'type', n.nspname, e.typname, NULL"
	"  FROM pg_type t JOIN pg_type e ON e.oid = CASE WHEN t.typtype = 'e' THEN t.oid ELSE t.typelem END"
	"  JOIN pg_namespace n ON n.oid = e.typnamespace"
	"  WHERE " IN_NSP("e.typnamespace") " AND e.typtype = 'e'"
	")"
	" SELECT DISTINCT o.kind, o.nsp, o.name, o.sub, r.kind, r.nsp, r.name, r.sub"
	" FROM pg_depend d"
	" JOIN obj o ON o.classid = d.classid AND o.objid = d.objid"
	" JOIN ref r ON r.classid = d.refclassid AND r.oid = d.refobjid"
	" WHERE d.deptype = 'n' AND NOT (r.classid = 'pg_class'::regclass AND r.oid = o.rel)"
	" AND NOT (r.classid = o.classid AND r.oid = o.objid)"
	" ORDER BY 2, 3, 4, 1, 6, 7, 8";

/* Every comment on an object the model holds, one branch per catalog. The
 * first column says the kind: a relkind letter, or a word. The public
 * schema's stock comment is initdb's, not the user's. */
static const char q_comments[] =
	"SELECT CASE WHEN d.objsubid > 0 THEN 'column' ELSE c.relkind::text END,"
	" n.nspname, c.relname, a.attname, d.description"
	" FROM pg_description d JOIN pg_class c ON d.classoid = 'pg_class'::regclass AND c.oid = d.objoid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" LEFT JOIN pg_attribute a ON d.objsubid > 0 AND a.attrelid = c.oid AND a.attnum = d.objsubid"
	" WHERE " IN_NSP("c.relnamespace") " AND c.relkind IN ('r', 'p', 'v', 'm', 'i', 'I', 'S')"
	" AND " NOT_EXT("pg_class", "c.oid")
	" UNION ALL"
	" SELECT 'type', n.nspname, t.typname, NULL, d.description"
	" FROM pg_description d JOIN pg_type t ON d.classoid = 'pg_type'::regclass AND t.oid = d.objoid"
	" JOIN pg_namespace n ON n.oid = t.typnamespace"
	" WHERE " IN_NSP("t.typnamespace") " AND " NOT_EXT("pg_type", "t.oid")
	" AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class tc"
	"  WHERE tc.oid = t.typrelid AND tc.relkind = 'c')))"
	" UNION ALL"
	" SELECT 'schema', NULL, n.nspname, NULL, d.description"
	" FROM pg_description d JOIN pg_namespace n ON d.classoid = 'pg_namespace'::regclass"
	" AND n.oid = d.objoid"
	" WHERE " IN_NSP("n.oid")
	" AND NOT (n.nspname = 'public' AND d.description = 'standard public schema')"
	" UNION ALL"
	" SELECT 'trigger', n.nspname, c.relname, t.tgname, d.description"
	" FROM pg_description d JOIN pg_trigger t ON d.classoid = 'pg_trigger'::regclass"
	" AND t.oid = d.objoid"
	" JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE " IN_NSP("c.relnamespace") " AND NOT t.tgisinternal AND " NOT_EXT("pg_class", "c.oid")
	" UNION ALL"
	" SELECT 'constraint', n.nspname, c.relname, co.conname, d.description"
	" FROM pg_description d JOIN pg_constraint co ON d.classoid = 'pg_constraint'::regclass"
	" AND co.oid = d.objoid"
	" JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE " IN_NSP("c.relnamespace") " AND " NOT_EXT("pg_class", "c.oid")
	" UNION ALL"
	" SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, n.nspname, p.proname,"
	" pg_get_function_identity_arguments(p.oid), d.description"
	" FROM pg_description d JOIN pg_proc p ON d.classoid = 'pg_proc'::regclass AND p.oid = d.objoid"
	" JOIN pg_namespace n ON n.oid = p.pronamespace"
	" WHERE " IN_NSP("p.pronamespace") " AND p.prokind IN ('f', 'p')"
	" AND " NOT_EXT("pg_proc", "p.oid")
	" UNION ALL"
	" SELECT 'collation', n.nspname, co.collname, NULL, d.description"
	" FROM pg_description d JOIN pg_collation co ON d.classoid = 'pg_collation'::regclass"
	" AND co.oid = d.objoid JOIN pg_namespace n ON n.oid = co.collnamespace"
	" WHERE " IN_NSP("co.collnamespace") " AND " NOT_EXT("pg_collation", "co.oid")
	" UNION ALL"
	" SELECT 'statistics', n.nspname, st.stxname, NULL, d.description"
	" FROM pg_description d JOIN pg_statistic_ext st ON d.classoid = 'pg_statistic_ext'::regclass"
	" AND st.oid = d.objoid JOIN pg_namespace n ON n.oid = st.stxnamespace"
	" WHERE " IN_NSP("st.stxnamespace") " AND " NOT_EXT("pg_statistic_ext", "st.oid")
	" UNION ALL"
	" SELECT 'extension', NULL, e.extname, NULL, d.description"
	" FROM pg_description d JOIN pg_extension e ON d.classoid = 'pg_extension'::regclass"
	" AND e.oid = d.objoid"
	" WHERE " IN_NSP("e.extnamespace")
	/* CREATE EXTENSION sets the control file's comment itself. */
	" AND d.description IS DISTINCT FROM"
	" (SELECT a.comment FROM pg_available_extensions a WHERE a.name = e.extname)";

/* Row-level security: the tables' switches, then the policies, written out
 * in the one form struct schema_policy states (roles sorted, PUBLIC first). */
static const char q_row_security[] =
	"SELECT c.oid, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c"
	" WHERE " IN_NSP("c.relnamespace") " AND c.relkind IN ('r', 'p')"
	" AND (c.relrowsecurity OR c.relforcerowsecurity) ORDER BY c.oid";

static const char q_policies[] =
	"SELECT n.nspname, c.relname, pol.polname,"
	" format('CREATE POLICY %I ON %I.%I AS %s FOR %s TO %s', pol.polname, n.nspname, c.relname,"
	"  CASE WHEN pol.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,"
	"  CASE pol.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'"
	"  WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,"
	"  (SELECT string_agg(CASE WHEN u.r = 0 THEN 'PUBLIC' ELSE quote_ident(ro.rolname) END, ', '"
	"    ORDER BY u.r <> 0, ro.rolname)"
	"   FROM unnest(pol.polroles) u(r) LEFT JOIN pg_roles ro ON ro.oid = u.r))"
	" || coalesce(' USING (' || pg_get_expr(pol.polqual, pol.polrelid, true) || ')', '')"
	" || coalesce(' WITH CHECK (' || pg_get_expr(pol.polwithcheck, pol.polrelid, true) || ')', '')"
	" FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE " IN_NSP("c.relnamespace") " AND " NOT_EXT("pg_class", "c.oid")
	" ORDER BY n.nspname, c.relname, pol.polname";

/* Partitioned tables (their key), partitions (their parent and bound) and
 * children of INHERITS (their parents in order, as JSON [[schema, name]]):
 * one row for each table that has any. */
static const char q_partitions[] =
	"SELECT c.oid, CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,"
	" pn.nspname, p.relname,"
	" CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid, true) END,"
	" CASE WHEN NOT c.relispartition THEN (SELECT json_agg(json_build_array(n2.nspname, p2.relname)"
	"  ORDER BY i2.inhseqno) FROM pg_inherits i2 JOIN pg_class p2 ON p2.oid = i2.inhparent"
	"  JOIN pg_namespace n2 ON n2.oid = p2.relnamespace WHERE i2.inhrelid = c.oid) END"
	" FROM pg_class c"
	" LEFT JOIN pg_inherits i ON c.relispartition AND i.inhrelid = c.oid"
	" LEFT JOIN pg_class p ON p.oid = i.inhparent"
	" LEFT JOIN pg_namespace pn ON pn.oid = p.relnamespace"
	" WHERE " IN_NSP("c.relnamespace") " AND c.relkind IN ('r', 'p')"
	" AND (c.relkind = 'p' OR c.relispartition"
	"  OR EXISTS (SELECT 1 FROM pg_inherits x WHERE x.inhrelid = c.oid))"
	" ORDER BY c.oid";

/*
 * What the chosen schemas hold that the model does not carry, one phrase a
 * row (struct schema.unmodeled): callers say so rather than report "no
 * difference" over it. Extension members are the extension's, as elsewhere.
 */
#define REL_OF(alias) " JOIN pg_class c ON c.oid = " alias \
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
#define REL_WHERE " WHERE " IN_NSP("c.relnamespace") " AND " NOT_EXT("pg_class", "c.oid")
static const char q_unmodeled[] =
	"SELECT w FROM ("
	/* A partition's columns are its parent's (struct schema_table): a
	 * default of its own is not carried. */
	"SELECT format('default of column %I of partition %I.%I', a.attname, n.nspname, c.relname) AS w"
	" FROM pg_attribute a" REL_OF("a.attrelid")
	" JOIN pg_inherits i ON i.inhrelid = c.oid"
	" JOIN pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname"
	" LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
	" LEFT JOIN pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum"
	REL_WHERE " AND c.relispartition AND a.attnum > 0 AND NOT a.attisdropped"
	" AND pg_get_expr(d.adbin, d.adrelid) IS DISTINCT FROM pg_get_expr(pd.adbin, pd.adrelid)"
	" UNION ALL"
	" SELECT format('rule %I on %I.%I', r.rulename, n.nspname, c.relname)"
	" FROM pg_rewrite r" REL_OF("r.ev_class") REL_WHERE " AND r.rulename <> '_RETURN'"
	" UNION ALL"
	" SELECT format('%s trigger %I on %I.%I', CASE t.tgenabled WHEN 'D' THEN 'disabled'"
	"  WHEN 'A' THEN 'ENABLE ALWAYS' ELSE 'ENABLE REPLICA' END, t.tgname, n.nspname, c.relname)"
	" FROM pg_trigger t" REL_OF("t.tgrelid") REL_WHERE
	" AND NOT t.tgisinternal AND t.tgenabled <> 'O'"
	" UNION ALL"
	" SELECT format('foreign table %I.%I', n.nspname, c.relname)"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	REL_WHERE " AND c.relkind = 'f'"
	" UNION ALL"
	" SELECT format('table %I.%I in publication %I', n.nspname, c.relname, pub.pubname)"
	" FROM pg_publication_rel pr JOIN pg_publication pub ON pub.oid = pr.prpubid"
	REL_OF("pr.prrelid") REL_WHERE
	" UNION ALL"
	" SELECT format('base type %I.%I', n.nspname, t.typname)"
	" FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
	" WHERE " IN_NSP("t.typnamespace") " AND " NOT_EXT("pg_type", "t.oid")
	" AND t.typtype = 'b' AND t.typcategory <> 'A'"
	" UNION ALL"
	" SELECT format('aggregate %I.%I(%s)', n.nspname, p.proname,"
	"  pg_get_function_identity_arguments(p.oid))"
	" FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
	" WHERE " IN_NSP("p.pronamespace") " AND p.prokind IN ('a', 'w') AND " NOT_EXT("pg_proc", "p.oid")
	" UNION ALL"
	" SELECT format('operator %I.%s', n.nspname, o.oprname)"
	" FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace"
	" WHERE " IN_NSP("o.oprnamespace") " AND " NOT_EXT("pg_operator", "o.oid")
	" UNION ALL"
	/* ALTER STATISTICS ... SET STATISTICS (extstats.c keeps the
	 * definition alone); -1 the default, NULL from PostgreSQL 17 on */
	" SELECT format('statistics target of statistics object %I.%I', n.nspname, st.stxname)"
	" FROM pg_statistic_ext st JOIN pg_namespace n ON n.oid = st.stxnamespace"
	" WHERE " IN_NSP("st.stxnamespace") " AND " NOT_EXT("pg_statistic_ext", "st.oid")
	" AND st.stxstattarget IS NOT NULL AND st.stxstattarget <> -1"
	" UNION ALL"
	" SELECT format('text search configuration %I.%I', n.nspname, ts.cfgname)"
	" FROM pg_ts_config ts JOIN pg_namespace n ON n.oid = ts.cfgnamespace"
	" WHERE " IN_NSP("ts.cfgnamespace") " AND " NOT_EXT("pg_ts_config", "ts.oid")
	" UNION ALL"
	" SELECT format('operator class %I.%I', n.nspname, oc.opcname)"
	" FROM pg_opclass oc JOIN pg_namespace n ON n.oid = oc.opcnamespace"
	" WHERE " IN_NSP("oc.opcnamespace") " AND " NOT_EXT("pg_opclass", "oc.oid")
	") u ORDER BY w";

/* User-defined collations (collations.c). The ICU (or builtin) locale is
 * in its own column since PostgreSQL 15 (colliculocale, colllocale in 17),
 * in collcollate before; libc's two are NULL for the other providers from
 * 15 on, and copies of the locale before (left out). %s: the locale column,
 * the rules column. */
static const char q_collations[] =
	"SELECT n.nspname, co.collname, co.collprovider,"
	" CASE WHEN co.collprovider = 'c' THEN NULL ELSE %s END,"
	" CASE WHEN co.collprovider = 'c' THEN co.collcollate END,"
	" CASE WHEN co.collprovider = 'c' THEN co.collctype END,"
	" %s, co.collisdeterministic"
	" FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace"
	" WHERE " IN_NSP("co.collnamespace") " AND " NOT_EXT("pg_collation", "co.oid");

/* Extended statistics objects (extstats.c), written as the server writes
 * them. */
static const char q_extstats[] =
	"SELECT n.nspname, st.stxname, tn.nspname, c.relname, pg_get_statisticsobjdef(st.oid)"
	" FROM pg_statistic_ext st JOIN pg_namespace n ON n.oid = st.stxnamespace"
	" JOIN pg_class c ON c.oid = st.stxrelid JOIN pg_namespace tn ON tn.oid = c.relnamespace"
	" WHERE " IN_NSP("st.stxnamespace") " AND " NOT_EXT("pg_statistic_ext", "st.oid");

/* Domains, composite types (not tables' row types) and range types
 * (pgtypes.c). A collation is named only when it is not the base type's
 * (subtype's) own; a range's opclass only when not the default. %s: the
 * multirange's name (PostgreSQL 14+), else NULL. */
#define PGTYPE_WHERE \
	" WHERE " IN_NSP("t.typnamespace") " AND " NOT_EXT("pg_type", "t.oid") \
	" AND (t.typtype IN ('d', 'r') OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class tc" \
	"  WHERE tc.oid = t.typrelid AND tc.relkind = 'c')))"
static const char q_pgtypes[] =
	"SELECT n.nspname, t.typname, t.typtype,"
	" CASE t.typtype WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod)"
	"  WHEN 'r' THEN format_type(r.rngsubtype, NULL) END,"
	" CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> bt.typcollation"
	"  THEN co.collname"
	"  WHEN t.typtype = 'r' AND r.rngcollation <> 0 AND r.rngcollation <> st.typcollation"
	"  THEN rco.collname END,"
	" CASE WHEN t.typtype = 'd' THEN pg_get_expr(t.typdefaultbin, 0) END, t.typnotnull,"
	" CASE WHEN NOT opc.opcdefault THEN opc.opcname END,"
	" CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::regproc::text END,"
	" CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END, %s"
	" FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
	" LEFT JOIN pg_type bt ON bt.oid = t.typbasetype"
	" LEFT JOIN pg_collation co ON co.oid = t.typcollation"
	" LEFT JOIN pg_range r ON r.rngtypid = t.oid"
	" LEFT JOIN pg_type st ON st.oid = r.rngsubtype"
	" LEFT JOIN pg_collation rco ON rco.oid = r.rngcollation"
	" LEFT JOIN pg_opclass opc ON opc.oid = r.rngsubopc"
	PGTYPE_WHERE;

static const char q_pgtype_checks[] =
	"SELECT n.nspname, t.typname, con.conname, pg_get_constraintdef(con.oid, true),"
	" con.convalidated"
	" FROM pg_constraint con JOIN pg_type t ON t.oid = con.contypid"
	" JOIN pg_namespace n ON n.oid = t.typnamespace"
	PGTYPE_WHERE " AND con.contype = 'c'";

static const char q_pgtype_attrs[] =
	"SELECT n.nspname, t.typname, a.attname, format_type(a.atttypid, a.atttypmod),"
	" CASE WHEN a.attcollation <> at.typcollation THEN ac.collname END"
	" FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
	" JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped"
	" JOIN pg_type at ON at.oid = a.atttypid"
	" LEFT JOIN pg_collation ac ON ac.oid = a.attcollation"
	PGTYPE_WHERE " ORDER BY t.oid, a.attnum";

/* EXCLUDE constraints of the tables read. */
static const char q_excludes[] =
	"SELECT n.nspname, c.relname, co.conname, pg_get_constraintdef(co.oid, true)"
	" FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid"
	" JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE " IN_NSP("c.relnamespace") " AND co.contype = 'x' AND c.relkind IN ('r', 'p')"
	" AND " NOT_EXT("pg_class", "c.oid");

/* A relation by oid: a table (t set) or a view; names lent by the model. */
struct rel {
	unsigned long oid;
	const char *nsp, *name;
	struct schema_table *t;
};

/* An index by oid, for its key rows. */
struct ixref {
	unsigned long oid;
	struct schema_index *ix;
};

struct ctx {
	PGconn *pg;
	struct schema *s;
	struct drv_err *err;
	const char *param;           /* $1 of the current query */
	struct rel *rels;
	size_t nrels, rels_alloc;
	struct ixref *ixs;
	size_t nixs, ixs_alloc;
};

/* ---- errors and queries --------------------------------------------------- */

static int fail_oom(struct ctx *x)
{
	drv_err_set(x->err, STRATA_ENOMEM, "out of memory reading the schema");
	return STRATA_ENOMEM;
}

/* The server's primary message, folded to one line. */
static void add_one_line(struct sbuf *sb, const char *s)
{
	int space = 0;

	for (; s && *s; s++) {
		if (isspace((unsigned char)*s)) {
			space = 1;
			continue;
		}
		if (space && sb->len)
			sbuf_addc(sb, ' ');
		space = 0;
		sbuf_addc(sb, *s);
	}
}

static int fail_result(struct ctx *x, const PGresult *res, const char *what)
{
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int code = PQstatus(x->pg) == CONNECTION_OK ? STRATA_ESQL : STRATA_ECONNECT;

	drv_err_set(x->err, code, "cannot read the schema (%s): ", what);
	add_one_line(&x->err->msg, msg ? msg : PQerrorMessage(x->pg));
	x->err->sqlstate[0] = '\0';
	if (state && strlen(state) == 5)
		memcpy(x->err->sqlstate, state, 6);
	if (sbuf_failed(&x->err->msg))
		return fail_oom(x);
	return code;
}

/* Run sql with $1 = x->param; *out holds the rows (PQclear them). */
static int run(struct ctx *x, const char *sql, const char *what, PGresult **out)
{
	const char *params[1] = { x->param };
	PGresult *res = PQexecParams(x->pg, sql, 1, NULL, params, NULL, NULL, 0);
	int rc;

	*out = NULL;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = fail_result(x, res, what);
		PQclear(res);
		return rc;
	}
	*out = res;
	return 0;
}

/* A statement without parameters or rows (BEGIN, SET). */
static int command(struct ctx *x, const char *sql, const char *what)
{
	PGresult *res = PQexec(x->pg, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = fail_result(x, res, what);
	PQclear(res);
	return rc;
}

/* A cell, NULL for SQL NULL. */
static const char *cell(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static int cell_bool(const PGresult *r, int row, int col)
{
	const char *v = cell(r, row, col);

	return v && v[0] == 't';
}

static unsigned long cell_oid(const PGresult *r, int row, int col)
{
	const char *v = cell(r, row, col);

	return v ? strtoul(v, NULL, 10) : 0;
}

static long long cell_ll(const PGresult *r, int row, int col)
{
	const char *v = cell(r, row, col);

	return v ? strtoll(v, NULL, 10) : 0;
}

/* ---- lookups by oid ------------------------------------------------------- */

/* Both maps are filled from queries ordered by oid, so appending keeps them
 * sorted and rows of later queries find their owner by binary search. */
static struct rel *find_rel(const struct ctx *x, unsigned long oid)
{
	size_t lo = 0, hi = x->nrels;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->rels[mid].oid == oid)
			return &x->rels[mid];
		if (x->rels[mid].oid < oid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct schema_index *find_ix(const struct ctx *x, unsigned long oid)
{
	size_t lo = 0, hi = x->nixs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->ixs[mid].oid == oid)
			return x->ixs[mid].ix;
		if (x->ixs[mid].oid < oid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int grow(void **arr, size_t *alloc, size_t n, size_t el)
{
	size_t want;
	void *p;

	if (n < *alloc)
		return 0;
	want = *alloc ? *alloc * 2 : 64;
	p = realloc(*arr, want * el);
	if (!p)
		return STRATA_ENOMEM;
	*arr = p;
	*alloc = want;
	return 0;
}

/* ---- small text helpers --------------------------------------------------- */

/* A JSON array of strings (json_agg's output) into l; NULL text: empty. */
static int names_from_json(struct schema_names *l, const char *text)
{
	json_t *a;
	size_t i;
	int rc = 0;

	if (!text)
		return 0;
	a = json_loads(text, 0, NULL);
	if (!json_is_array(a)) {
		json_decref(a);
		return STRATA_ENOMEM; /* the server's json_agg is well formed: only OOM fails */
	}
	for (i = 0; i < json_array_size(a) && !rc; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (s)
			rc = schema_names_add(l, s);
	}
	json_decref(a);
	return rc;
}

/* A copy of s[0..n) with white space trimmed at both ends. */
static char *trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return sbuf_strndup(s, n);
}

/*
 * The boolean expression of "CHECK (expr)" as pg_get_constraintdef() prints
 * it, possibly followed by NOT VALID or NO INHERIT, which the model does not
 * keep. The tokenizer finds the parenthesis that closes CHECK's, so string
 * literals holding parentheses do not fool it. Text in another shape (it
 * should not happen) is kept whole rather than guessed at.
 */
static char *check_expression(const char *def)
{
	size_t len = strlen(def), pos = 0, body;
	struct schema_tok t;
	int depth = 0;

	schema_tok_next(def, len, &pos, &t);
	if (!schema_tok_is(def, &t, "CHECK"))
		return strdup(def);
	schema_tok_next(def, len, &pos, &t);
	if (t.type != SCHEMA_TK_LPAREN)
		return strdup(def);
	body = t.start + 1;
	depth = 1;
	for (;;) {
		schema_tok_next(def, len, &pos, &t);
		if (t.type == SCHEMA_TK_END)
			return strdup(def);
		if (t.type == SCHEMA_TK_LPAREN)
			depth++;
		else if (t.type == SCHEMA_TK_RPAREN && --depth == 0)
			return trimmed(def + body, t.start - body);
	}
}

/* 1 when pg_get_constraintdef() text has NO INHERIT after its CHECK (...):
 * the server prints it there, after the expression's closing parenthesis
 * (as NOT VALID). */
static int check_no_inherit(const char *def)
{
	size_t len = strlen(def), pos = 0;
	struct schema_tok t;
	int depth = 0, no = 0;

	for (;;) {
		schema_tok_next(def, len, &pos, &t);
		if (t.type == SCHEMA_TK_END)
			return 0;
		if (t.type == SCHEMA_TK_LPAREN)
			depth++;
		else if (t.type == SCHEMA_TK_RPAREN)
			depth--;
		else if (depth == 0 && no && schema_tok_is(def, &t, "INHERIT"))
			return 1;
		no = depth == 0 && schema_tok_is(def, &t, "NO");
	}
}

/* pg_get_viewdef() text without its leading blank and final ";". */
static char *view_query(const char *def)
{
	size_t n = strlen(def);

	while (n && (isspace((unsigned char)def[n - 1]) || def[n - 1] == ';'))
		n--;
	return trimmed(def, n);
}

/* ---- the rows of each query ----------------------------------------------- */

static int read_namespaces(struct ctx *x, const char *schema_name, struct sbuf *oids)
{
	PGresult *r = NULL;
	int i, rc;

	x->param = schema_name;
	if ((rc = run(x, q_namespaces, "schemas", &r)))
		return rc;
	if (schema_name && PQntuples(r) == 0) {
		PQclear(r);
		drv_err_set(x->err, STRATA_ENOTFOUND, "schema \"%s\" does not exist", schema_name);
		return STRATA_ENOTFOUND;
	}
	sbuf_addc(oids, '{');
	for (i = 0; i < PQntuples(r); i++) {
		if (i)
			sbuf_addc(oids, ',');
		sbuf_adds(oids, PQgetvalue(r, i, 0));
		if (!schema_add_namespace(x->s, PQgetvalue(r, i, 1)))
			rc = STRATA_ENOMEM;
	}
	sbuf_addc(oids, '}');
	PQclear(r);
	if (rc || sbuf_failed(oids))
		return fail_oom(x);
	return 0;
}

static int read_relations(struct ctx *x)
{
	PGresult *r = NULL;
	int i, rc;

	if ((rc = run(x, q_relations, "tables and views", &r)))
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		const char *nsp = PQgetvalue(r, i, 1), *name = PQgetvalue(r, i, 2);
		char kind = PQgetvalue(r, i, 3)[0];
		struct rel *rel;

		if ((rc = grow((void **)&x->rels, &x->rels_alloc, x->nrels, sizeof *x->rels)))
			break;
		rel = &x->rels[x->nrels];
		rel->oid = cell_oid(r, i, 0);
		rel->t = NULL;
		if (kind == 'r' || kind == 'p') {
			if (!(rel->t = schema_add_table(x->s, nsp, name))) {
				rc = STRATA_ENOMEM;
				break;
			}
			rel->nsp = rel->t->schema;
			rel->name = rel->t->name;
			if (schema_set_str(&rel->t->options, cell(r, i, 6))) {
				rc = STRATA_ENOMEM;
				break;
			}
			rel->t->unlogged = cell_bool(r, i, 7);
		} else {
			char *q = view_query(cell(r, i, 4) ? cell(r, i, 4) : "");
			struct schema_view *v = q ? schema_add_view(x->s, nsp, name, q) : NULL;
			free(q);
			if (!v) {
				rc = STRATA_ENOMEM;
				break;
			}
			v->materialized = kind == 'm';
			v->with_no_data = v->materialized && !cell_bool(r, i, 5);
			if (schema_set_str(&v->options, cell(r, i, 6))) {
				rc = STRATA_ENOMEM;
				break;
			}
			rel->nsp = v->schema;
			rel->name = v->name;
		}
		x->nrels++;
	}
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

static int read_columns(struct ctx *x, int server_version)
{
	PGresult *r = NULL;
	struct sbuf sql = SBUF_INIT;
	int i, rc;

	/* attcompression is PostgreSQL 14's */
	sbuf_addf(&sql, q_columns, server_version >= 140000 ?
	          "CASE WHEN a.attcompression <> '' THEN a.attcompression::text END" : "NULL");
	if (sbuf_failed(&sql))
		return fail_oom(x);
	rc = run(x, sql.buf, "columns", &r);
	sbuf_release(&sql);
	if (rc)
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++) {
		struct rel *rel = find_rel(x, cell_oid(r, i, 0));
		const char *def = cell(r, i, 5), *gen = cell(r, i, 6), *ident = cell(r, i, 7);
		struct schema_column *c;

		if (!rel || !rel->t)
			continue;
		if (!(c = table_add_column(rel->t, PQgetvalue(r, i, 2), PQgetvalue(r, i, 3)))) {
			rc = STRATA_ENOMEM;
			break;
		}
		c->ordinal = (int)cell_ll(r, i, 1);
		c->not_null = cell_bool(r, i, 4);
		/* A stored generated column keeps its expression in pg_attrdef. */
		if (gen && gen[0] == 's') {
			c->generated_stored = 1;
			rc = schema_set_str(&c->generated, def ? def : "");
		} else if (def) {
			rc = schema_set_str(&c->default_sql, def);
		}
		if (ident && ident[0] == 'a')
			c->identity = SCHEMA_IDENTITY_ALWAYS;
		else if (ident && ident[0] == 'd')
			c->identity = SCHEMA_IDENTITY_BY_DEFAULT;
		if (!rc && cell(r, i, 8))
			rc = schema_set_str(&c->collation, cell(r, i, 8));
		if (c->identity != SCHEMA_IDENTITY_NONE && cell(r, i, 10)) {
			c->ident.start = cell_ll(r, i, 9);
			c->ident.increment = cell_ll(r, i, 10);
			c->ident.min_value = cell_ll(r, i, 11);
			c->ident.max_value = cell_ll(r, i, 12);
			c->ident.cache = cell_ll(r, i, 13);
			c->ident.cycle = cell_bool(r, i, 14);
		}
		if (cell(r, i, 15))
			c->storage = cell(r, i, 15)[0];
		if (cell(r, i, 16))
			c->type_storage = cell(r, i, 16)[0];
		if (cell(r, i, 17))
			c->compression = cell(r, i, 17)[0];
		if (cell(r, i, 18) && cell_ll(r, i, 18) != -1) {
			c->has_stats_target = 1;
			c->stats_target = (int)cell_ll(r, i, 18);
		}
	}
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

/* The column of t whose attnum is n: columns are in attnum order. */
static const struct schema_column *column_by_attnum(const struct schema_table *t, long n)
{
	size_t lo = 0, hi = t->ncolumns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->columns[mid].ordinal == n)
			return &t->columns[mid];
		if (t->columns[mid].ordinal < n)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* An int2[] as text ("{1,3}") into the names of t's columns, in order.
 * 0, STRATA_ENOMEM, or 1 when a number names no column (a catalog the
 * model cannot follow: the caller reports it). */
static int names_from_attnums(struct schema_names *l, const struct schema_table *t,
                              const char *arr)
{
	const char *p = arr;

	while (p && *p) {
		char *end;
		long n = strtol(p, &end, 10);
		const struct schema_column *c;

		if (end == p) {
			p++;
			continue;
		}
		p = end;
		if (!(c = column_by_attnum(t, n)))
			return 1;
		if (schema_names_add(l, c->name))
			return STRATA_ENOMEM;
	}
	return 0;
}

static int read_constraints(struct ctx *x, int server_version)
{
	PGresult *r = NULL;
	struct sbuf sql = SBUF_INIT;
	const char *bad = NULL;
	int i, rc;

	sbuf_addf(&sql, q_constraints,
	          server_version >= 150000 ? "COALESCE(i.indnullsnotdistinct, false)" : "false");
	if (sbuf_failed(&sql))
		return fail_oom(x);
	rc = run(x, sql.buf, "constraints", &r);
	sbuf_release(&sql);
	if (rc)
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++) {
		struct rel *rel = find_rel(x, cell_oid(r, i, 0));
		const char *name = PQgetvalue(r, i, 1), *cols = cell(r, i, 5);
		int deferrable = cell_bool(r, i, 3), deferred = cell_bool(r, i, 4);
		struct schema_table *t;

		if (!rel || !rel->t)
			continue;
		t = rel->t;
		switch (PQgetvalue(r, i, 2)[0]) {
		case 'p':
			t->pk.deferrable = deferrable;
			t->pk.initially_deferred = deferred;
			if (!(rc = schema_set_str(&t->pk.name, name)) &&
			    !(rc = names_from_attnums(&t->pk.columns, t, cols)))
				rc = names_from_attnums(&t->pk.include, t, cell(r, i, 17));
			break;
		case 'u': {
			struct schema_unique *u = table_add_unique(t, name);
			if (!u) {
				rc = STRATA_ENOMEM;
				break;
			}
			u->deferrable = deferrable;
			u->initially_deferred = deferred;
			u->nulls_not_distinct = cell_bool(r, i, 14);
			if (!(rc = names_from_attnums(&u->columns, t, cols)))
				rc = names_from_attnums(&u->include, t, cell(r, i, 17));
			break;
		}
		case 'f': {
			struct schema_fk *fk = table_add_fk(t, name, cell(r, i, 6), cell(r, i, 7));
			struct rel *ref = find_rel(x, cell_oid(r, i, 8));
			if (!fk) {
				rc = STRATA_ENOMEM;
				break;
			}
			fk->deferrable = deferrable;
			fk->initially_deferred = deferred;
			fk->on_delete = schema_fk_action_parse(cell(r, i, 11));
			fk->on_update = schema_fk_action_parse(cell(r, i, 12));
			fk->match_full = cell(r, i, 15) && cell(r, i, 15)[0] == 'f';
			fk->not_valid = !cell_bool(r, i, 16);
			if ((rc = names_from_attnums(&fk->columns, t, cols)))
				break;
			if (cell(r, i, 10))
				rc = names_from_json(&fk->ref_columns, cell(r, i, 10));
			else if (ref && ref->t)
				rc = names_from_attnums(&fk->ref_columns, ref->t, cell(r, i, 9));
			else
				rc = 1;
			break;
		}
		case 'c': {
			const char *def = cell(r, i, 13) ? cell(r, i, 13) : "";
			char *expr = check_expression(def);
			struct schema_check *k = expr ? table_add_check(t, name, expr) : NULL;
			if (!k)
				rc = STRATA_ENOMEM;
			else {
				k->no_inherit = check_no_inherit(def);
				k->not_valid = !cell_bool(r, i, 16);
			}
			free(expr);
			break;
		}
		}
		if (rc == 1)
			bad = name;
	}
	if (rc == 1) {
		drv_err_set(x->err, STRATA_ESQL,
		            "cannot read the schema: constraint \"%s\" names a column that is not there",
		            bad);
		rc = STRATA_ESQL;
	} else if (rc) {
		rc = fail_oom(x);
	}
	if (!rc && sbuf_failed(&x->err->msg))
		rc = fail_oom(x);
	PQclear(r);
	return rc;
}

static int read_indexes(struct ctx *x, int server_version)
{
	PGresult *r = NULL;
	struct sbuf sql = SBUF_INIT;
	int i, rc;

	sbuf_addf(&sql, q_indexes, server_version >= 150000 ? "i.indnullsnotdistinct" : "false");
	if (sbuf_failed(&sql))
		return fail_oom(x);
	rc = run(x, sql.buf, "indexes", &r);
	sbuf_release(&sql);
	if (rc)
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++) {
		struct rel *rel = find_rel(x, cell_oid(r, i, 1));
		struct schema_index *ix;

		if (!rel)
			continue;
		if ((rc = grow((void **)&x->ixs, &x->ixs_alloc, x->nixs, sizeof *x->ixs)))
			break;
		if (!(ix = schema_add_index(x->s, rel->nsp, PQgetvalue(r, i, 2), rel->name))) {
			rc = STRATA_ENOMEM;
			break;
		}
		x->ixs[x->nixs].oid = cell_oid(r, i, 0);
		x->ixs[x->nixs++].ix = ix;
		ix->unique = cell_bool(r, i, 3);
		ix->nulls_not_distinct = cell_bool(r, i, 7);
		if (!(rc = schema_set_str(&ix->method, cell(r, i, 4))) &&
		    !(rc = schema_set_str(&ix->sql, cell(r, i, 5))) &&
		    !(rc = schema_set_str(&ix->where, cell(r, i, 6))))
			rc = schema_set_str(&ix->options, cell(r, i, 8));
	}
	PQclear(r);
	if (rc)
		return fail_oom(x);

	if ((rc = run(x, q_index_keys, "index keys", &r)))
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++) {
		struct schema_index *ix = find_ix(x, cell_oid(r, i, 0));
		const char *col = cell(r, i, 2);
		struct schema_index_key *k;

		if (!ix)
			continue;
		if (!cell_bool(r, i, 1)) {
			/* INCLUDE columns are plain columns by the grammar. */
			rc = schema_names_add(&ix->include, col ? col : PQgetvalue(r, i, 3));
			continue;
		}
		if (!(k = index_add_key(ix, col, col ? NULL : PQgetvalue(r, i, 3)))) {
			rc = STRATA_ENOMEM;
			break;
		}
		k->desc = cell_bool(r, i, 4);
		k->nulls_first = cell_bool(r, i, 5);
		if (!(rc = schema_set_str(&k->collation, cell(r, i, 6))))
			rc = schema_set_str(&k->opclass, cell(r, i, 7));
	}
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

static int read_triggers(struct ctx *x, int server_version)
{
	PGresult *r = NULL;
	struct sbuf sql = SBUF_INIT;
	int i, rc;

	sbuf_addf(&sql, q_triggers, server_version >= 130000 ? "AND t.tgparentid = 0" : "");
	if (sbuf_failed(&sql))
		return fail_oom(x);
	rc = run(x, sql.buf, "triggers", &r);
	sbuf_release(&sql);
	if (rc)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		struct rel *rel = find_rel(x, cell_oid(r, i, 0));

		if (rel && !schema_add_trigger(x->s, rel->nsp, PQgetvalue(r, i, 1), rel->name,
		                               PQgetvalue(r, i, 2))) {
			rc = STRATA_ENOMEM;
			break;
		}
	}
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

static int read_enums(struct ctx *x)
{
	PGresult *r = NULL;
	int i, rc;

	if ((rc = run(x, q_enums, "enums", &r)))
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++) {
		struct schema_enum *e = schema_add_enum(x->s, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
		rc = e ? names_from_json(&e->labels, cell(r, i, 2)) : STRATA_ENOMEM;
	}
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

static int read_sequences(struct ctx *x)
{
	PGresult *r = NULL;
	int i, rc;

	if ((rc = run(x, q_sequences, "sequences", &r)))
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++) {
		struct schema_sequence *q = schema_add_sequence(x->s, PQgetvalue(r, i, 0),
		                                                PQgetvalue(r, i, 1));
		if (!q) {
			rc = STRATA_ENOMEM;
			break;
		}
		q->start = cell_ll(r, i, 3);
		q->increment = cell_ll(r, i, 4);
		q->min_value = cell_ll(r, i, 5);
		q->max_value = cell_ll(r, i, 6);
		q->cache = cell_ll(r, i, 7);
		q->cycle = cell_bool(r, i, 8);
		rc = schema_set_str(&q->type, PQgetvalue(r, i, 2));
		/* The model's OWNED BY names a table of the sequence's own schema. */
		if (!rc && cell(r, i, 9) && cell_bool(r, i, 11) &&
		    !(rc = schema_set_str(&q->owned_by_table, cell(r, i, 9))))
			rc = schema_set_str(&q->owned_by_column, cell(r, i, 10));
	}
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

static int read_extensions(struct ctx *x)
{
	PGresult *r = NULL;
	int i, rc;

	if ((rc = run(x, q_extensions, "extensions", &r)))
		return rc;
	for (i = 0; i < PQntuples(r); i++)
		if (!schema_add_extension(x->s, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		                          PQgetvalue(r, i, 2))) {
			rc = STRATA_ENOMEM;
			break;
		}
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

static int read_functions(struct ctx *x)
{
	PGresult *r = NULL;
	int i, rc;

	if ((rc = run(x, q_functions, "functions", &r)))
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++) {
		const char *def = PQgetvalue(r, i, 3);
		/* pg_get_functiondef() ends with a newline; model texts do not. */
		char *sql = trimmed(def, strlen(def));

		struct schema_function *f = sql ? schema_add_function(x->s, PQgetvalue(r, i, 0),
		                                                      PQgetvalue(r, i, 1),
		                                                      PQgetvalue(r, i, 2), sql)
		                                : NULL;

		if (!f || schema_set_str(&f->result, cell(r, i, 4)) ||
		    schema_set_str(&f->arguments, cell(r, i, 5)) ||
		    schema_set_str(&f->arg_types, cell(r, i, 6)))
			rc = STRATA_ENOMEM;
		free(sql);
	}
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

static int comment_kind(const char *k, enum schema_object_kind *out)
{
	static const struct {
		const char *word;
		enum schema_object_kind kind;
	} map[] = {
		{ "r", SCHEMA_OBJ_TABLE },        { "p", SCHEMA_OBJ_TABLE },
		{ "v", SCHEMA_OBJ_VIEW },         { "m", SCHEMA_OBJ_MATVIEW },
		{ "i", SCHEMA_OBJ_INDEX },        { "I", SCHEMA_OBJ_INDEX },
		{ "S", SCHEMA_OBJ_SEQUENCE },     { "column", SCHEMA_OBJ_COLUMN },
		{ "type", SCHEMA_OBJ_TYPE },      { "schema", SCHEMA_OBJ_SCHEMA },
		{ "trigger", SCHEMA_OBJ_TRIGGER }, { "constraint", SCHEMA_OBJ_CONSTRAINT },
		{ "function", SCHEMA_OBJ_FUNCTION }, { "extension", SCHEMA_OBJ_EXTENSION },
		{ "procedure", SCHEMA_OBJ_FUNCTION }, { "collation", SCHEMA_OBJ_COLLATION },
		{ "statistics", SCHEMA_OBJ_STATISTICS },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(k, map[i].word)) {
			*out = map[i].kind;
			return 1;
		}
	return 0;
}

/* A kind of q_deps: a relkind letter or a word. 0 when not one we keep. */
static int dep_kind(const char *k, enum schema_object_kind *out)
{
	static const struct {
		const char *word;
		enum schema_object_kind kind;
	} map[] = {
		{ "v", SCHEMA_OBJ_VIEW },          { "m", SCHEMA_OBJ_MATVIEW },
		{ "trigger", SCHEMA_OBJ_TRIGGER }, { "column", SCHEMA_OBJ_COLUMN },
		{ "constraint", SCHEMA_OBJ_CONSTRAINT }, { "index", SCHEMA_OBJ_INDEX },
		{ "function", SCHEMA_OBJ_FUNCTION }, { "type", SCHEMA_OBJ_TYPE },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(k, map[i].word)) {
			*out = map[i].kind;
			return 1;
		}
	return 0;
}

static int read_deps(struct ctx *x)
{
	PGresult *r = NULL;
	int i, rc;

	if ((rc = run(x, q_deps, "dependencies", &r)))
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		enum schema_object_kind kind, ref_kind;

		if (!dep_kind(PQgetvalue(r, i, 0), &kind) || !dep_kind(PQgetvalue(r, i, 4), &ref_kind))
			continue;
		if (!schema_add_dep(x->s, kind, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), cell(r, i, 3),
		                    ref_kind, PQgetvalue(r, i, 5), PQgetvalue(r, i, 6), cell(r, i, 7))) {
			rc = STRATA_ENOMEM;
			break;
		}
	}
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

static int read_comments(struct ctx *x)
{
	PGresult *r = NULL;
	int i, rc;

	if ((rc = run(x, q_comments, "comments", &r)))
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		enum schema_object_kind kind;
		struct schema_comment *cm;

		if (!comment_kind(PQgetvalue(r, i, 0), &kind))
			continue;
		/* A comment on an identity or extension sequence, an index behind a
		 * constraint: still valid COMMENT ON targets, so kept. */
		if (!(cm = schema_add_comment(x->s, kind, cell(r, i, 1), PQgetvalue(r, i, 2),
		                              cell(r, i, 3), PQgetvalue(r, i, 4)))) {
			rc = STRATA_ENOMEM;
			break;
		}
		cm->procedure = !strcmp(PQgetvalue(r, i, 0), "procedure");
	}
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

static int read_row_security(struct ctx *x)
{
	PGresult *r = NULL;
	int i, rc;

	if ((rc = run(x, q_row_security, "row level security", &r)))
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		struct rel *rel = find_rel(x, cell_oid(r, i, 0));
		if (!rel || !rel->t)
			continue;
		rel->t->row_security = cell_bool(r, i, 1);
		rel->t->force_row_security = cell_bool(r, i, 2);
	}
	PQclear(r);
	if ((rc = run(x, q_policies, "policies", &r)))
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++)
		if (!schema_add_policy(x->s, PQgetvalue(r, i, 0), PQgetvalue(r, i, 2),
		                       PQgetvalue(r, i, 1), PQgetvalue(r, i, 3)))
			rc = STRATA_ENOMEM;
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

static int read_unmodeled(struct ctx *x)
{
	PGresult *r = NULL;
	int i, rc;

	if ((rc = run(x, q_unmodeled, "objects", &r)))
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++)
		rc = schema_names_add(&x->s->unmodeled, PQgetvalue(r, i, 0));
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

/* [[schema, name], ...] (q_partitions) into t's INHERITS parents. */
static int parents_from_json(struct schema_table *t, const char *text)
{
	json_t *a = json_loads(text, 0, NULL), *it;
	size_t i;
	int rc = 0;

	if (!json_is_array(a)) {
		json_decref(a);
		return STRATA_ENOMEM; /* the server's json_agg is well formed: only OOM fails */
	}
	json_array_foreach(a, i, it) {
		const char *nsp = json_string_value(json_array_get(it, 0));
		const char *name = json_string_value(json_array_get(it, 1));
		if (nsp && name && !(rc = schema_names_add(&t->inherits_schemas, nsp)))
			rc = schema_names_add(&t->inherits, name);
		if (rc)
			break;
	}
	json_decref(a);
	return rc;
}

/* Partitioning and inheritance (struct schema_table). Last of the table
 * reads: a partition's columns are dropped from the model only after its
 * own constraints, which name them by number, are read. */
static int read_partitions(struct ctx *x)
{
	PGresult *r = NULL;
	int i, rc;

	if ((rc = run(x, q_partitions, "partitions", &r)))
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++) {
		struct rel *rel = find_rel(x, cell_oid(r, i, 0));
		struct schema_table *t;

		if (!rel || !(t = rel->t))
			continue;
		if ((rc = schema_set_str(&t->partition_key, cell(r, i, 1))))
			break;
		if (cell(r, i, 5) && (rc = parents_from_json(t, cell(r, i, 5))))
			break;
		if (!cell(r, i, 4))
			continue;
		if ((rc = schema_set_str(&t->part_of_schema, cell(r, i, 2))) ||
		    (rc = schema_set_str(&t->part_of, cell(r, i, 3))) ||
		    (rc = schema_set_str(&t->partition_bound, cell(r, i, 4))))
			break;
		table_clear_columns(t);
	}
	PQclear(r);
	if (rc)
		return fail_oom(x);
	/* pg_get_indexdef() says ON ONLY for a partitioned table's index, which
	 * would make it alone; the model's index is made on the partitions too
	 * (theirs are attached to it and not in the model). */
	for (i = 0; (size_t)i < x->nixs && !rc; i++) {
		struct schema_index *ix = x->ixs[i].ix;
		const char *on = ix->sql ? strstr(ix->sql, " ON ONLY ") : NULL;
		struct sbuf sb = SBUF_INIT;

		if (!on)
			continue;
		sbuf_add(&sb, ix->sql, (size_t)(on - ix->sql));
		sbuf_adds(&sb, " ON ");
		sbuf_adds(&sb, on + strlen(" ON ONLY "));
		rc = sbuf_failed(&sb) ? STRATA_ENOMEM : schema_set_str(&ix->sql, sb.buf);
		sbuf_release(&sb);
	}
	if (rc)
		return fail_oom(x);
	return 0;
}

/* Domains, composite and range types, their checks and attributes; EXCLUDE
 * constraints (pgtypes.c). */
static int read_pgtypes(struct ctx *x, int server_version)
{
	PGresult *r = NULL;
	struct sbuf sql = SBUF_INIT;
	int i, rc;

	sbuf_addf(&sql, q_pgtypes, server_version >= 140000 ?
	          "(SELECT mt.typname FROM pg_type mt WHERE mt.oid = r.rngmultitypid)" : "NULL::name");
	if (sbuf_failed(&sql))
		return fail_oom(x);
	rc = run(x, sql.buf, "types", &r);
	sbuf_release(&sql);
	if (rc)
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++) {
		struct schema_pgtype *t = schema_add_pgtype(x->s, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
		                                            PQgetvalue(r, i, 2)[0]);
		if (!t || schema_set_str(&t->base, cell(r, i, 3)) ||
		    schema_set_str(&t->collation, cell(r, i, 4)) ||
		    schema_set_str(&t->default_sql, cell(r, i, 5)) ||
		    schema_set_str(&t->opclass, cell(r, i, 7)) ||
		    schema_set_str(&t->canonical, cell(r, i, 8)) ||
		    schema_set_str(&t->subtype_diff, cell(r, i, 9)) ||
		    schema_set_str(&t->multirange, cell(r, i, 10)))
			rc = STRATA_ENOMEM;
		else
			t->not_null = t->kind == SCHEMA_PGTYPE_DOMAIN && cell_bool(r, i, 6);
	}
	PQclear(r);
	if (rc)
		return fail_oom(x);
	if ((rc = run(x, q_pgtype_checks, "domain constraints", &r)))
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++) {
		struct schema_pgtype *t = schema_find_pgtype(x->s, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
		struct schema_check *k;
		char *e;
		if (!t)
			continue;
		if (!(e = check_expression(PQgetvalue(r, i, 3))) ||
		    !(k = pgtype_add_check(t, PQgetvalue(r, i, 2), e)))
			rc = STRATA_ENOMEM;
		else
			k->not_valid = !cell_bool(r, i, 4);
		free(e);
	}
	PQclear(r);
	if (rc)
		return fail_oom(x);
	if ((rc = run(x, q_pgtype_attrs, "type attributes", &r)))
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++) {
		struct schema_pgtype *t = schema_find_pgtype(x->s, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
		struct schema_pgtype_attr *a;
		if (!t)
			continue;
		if (!(a = pgtype_add_attr(t, PQgetvalue(r, i, 2), PQgetvalue(r, i, 3))) ||
		    schema_set_str(&a->collation, cell(r, i, 4)))
			rc = STRATA_ENOMEM;
	}
	PQclear(r);
	if (rc)
		return fail_oom(x);
	if ((rc = run(x, q_excludes, "exclusion constraints", &r)))
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++)
		if (!schema_add_exclude(x->s, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		                        PQgetvalue(r, i, 3)))
			rc = STRATA_ENOMEM;
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

static int read_collations(struct ctx *x, int server_version)
{
	PGresult *r = NULL;
	struct sbuf sql = SBUF_INIT;
	int i, rc;

	sbuf_addf(&sql, q_collations,
	          server_version >= 170000 ? "co.colllocale" :
	          server_version >= 150000 ? "co.colliculocale" : "co.collcollate",
	          server_version >= 160000 ? "co.collicurules" : "NULL::text");
	if (sbuf_failed(&sql))
		return fail_oom(x);
	rc = run(x, sql.buf, "collations", &r);
	sbuf_release(&sql);
	if (rc)
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++) {
		struct schema_collation *co = schema_add_collation(x->s, PQgetvalue(r, i, 0),
		                                                   PQgetvalue(r, i, 1),
		                                                   PQgetvalue(r, i, 2)[0]);
		if (!co || schema_set_str(&co->locale, cell(r, i, 3)) ||
		    schema_set_str(&co->lc_collate, cell(r, i, 4)) ||
		    schema_set_str(&co->lc_ctype, cell(r, i, 5)) ||
		    schema_set_str(&co->rules, cell(r, i, 6)))
			rc = STRATA_ENOMEM;
		else
			co->deterministic = cell_bool(r, i, 7);
	}
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

static int read_extstats(struct ctx *x)
{
	PGresult *r = NULL;
	int i, rc;

	if ((rc = run(x, q_extstats, "statistics objects", &r)))
		return rc;
	for (i = 0; i < PQntuples(r) && !rc; i++)
		if (!schema_add_extstat(x->s, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		                        PQgetvalue(r, i, 3), PQgetvalue(r, i, 4)))
			rc = STRATA_ENOMEM;
	PQclear(r);
	return rc ? fail_oom(x) : 0;
}

/* ---- the whole ------------------------------------------------------------ */

int introspect_pg(struct pg_conn *pg, const char *schema_name, struct schema **out,
                  struct drv_err *err)
{
	struct ctx x;
	struct sbuf oids = SBUF_INIT;
	int own_tx = 0, in_savepoint = 0, version, rc;

	*out = NULL;
	memset(&x, 0, sizeof x);
	x.pg = pg;
	x.err = err;
	if (PQstatus(pg) != CONNECTION_OK)
		return fail_result(&x, NULL, "connection");
	version = PQserverVersion(pg);
	/* attgenerated (12), prokind (11) and pg_sequence (10) are read. */
	if (version < 120000) {
		drv_err_set(err, STRATA_EUNSUPPORTED,
		            "cannot read the schema: PostgreSQL 12 or later is needed (the server is %d.%d)",
		            version / 10000, version % 10000 / 100);
		return STRATA_EUNSUPPORTED;
	}
	if (!(x.s = schema_new(SCHEMA_PG)))
		return fail_oom(&x);

	switch (PQtransactionStatus(pg)) {
	case PQTRANS_IDLE:
		/* Our own snapshot; SET LOCAL ends with it. */
		if ((rc = command(&x, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin")))
			goto out;
		own_tx = 1;
		if ((rc = command(&x, "SET LOCAL search_path = pg_catalog; SET LOCAL jit = off", "settings")))
			goto out;
		break;
	case PQTRANS_INTRANS:
		/* The caller's transaction: our settings live in a savepoint,
		 * rolled back at the end (the queries only read, so that undoes
		 * the settings alone), which also keeps the caller's transaction
		 * usable if one of our queries fails. */
		if ((rc = command(&x, "SAVEPOINT strata_introspect", "savepoint")))
			goto out;
		in_savepoint = 1;
		if ((rc = command(&x, "SET LOCAL search_path = pg_catalog; SET LOCAL jit = off", "settings")))
			goto out;
		break;
	default:
		drv_err_set(err, STRATA_ESQL,
		            "cannot read the schema: the connection is busy or its transaction failed");
		rc = STRATA_ESQL;
		goto out;
	}

	if ((rc = read_namespaces(&x, schema_name, &oids)))
		goto out;
	x.param = oids.buf;
	if ((rc = read_relations(&x)) || (rc = read_columns(&x, version)) ||
	    (rc = read_constraints(&x, version)) || (rc = read_indexes(&x, version)) ||
	    (rc = read_triggers(&x, version)) || (rc = read_enums(&x)) ||
	    (rc = read_sequences(&x)) || (rc = read_extensions(&x)) ||
	    (rc = read_functions(&x)) || (rc = read_comments(&x)) || (rc = read_deps(&x)) ||
	    (rc = read_row_security(&x)) || (rc = read_unmodeled(&x)) ||
	    (rc = read_partitions(&x)) || (rc = read_pgtypes(&x, version)) ||
	    (rc = read_collations(&x, version)) ||
	    (rc = read_extstats(&x)))
		goto out;
	schema_sort(x.s);

out:
	if (own_tx) {
		/* Read only: COMMIT and ROLLBACK are the same; a failed one only
		 * matters when all else went well. */
		PGresult *r = PQexec(pg, rc ? "ROLLBACK" : "COMMIT");
		if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = fail_result(&x, r, "commit");
		PQclear(r);
	} else if (in_savepoint) {
		PGresult *r = PQexec(pg, "ROLLBACK TO SAVEPOINT strata_introspect;"
		                         " RELEASE SAVEPOINT strata_introspect");
		if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = fail_result(&x, r, "savepoint");
		PQclear(r);
	}
	free(x.rels);
	free(x.ixs);
	sbuf_release(&oids);
	if (rc) {
		schema_free(x.s);
		return rc;
	}
	*out = x.s;
	return 0;
}
