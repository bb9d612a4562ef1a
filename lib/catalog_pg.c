/*
 * catalog_pg.c: PostgreSQL's catalog knowledge behind the driver vtable
 * (catalog.h, driver.h version 2): the tracking table (to_regclass and
 * pg_attribute; its schema created with it), and the numbers of `stats`.
 *
 * Stats: one catalog query for every table: pg_total_relation_size()
 * (indexes and TOAST included) and the planner's estimate of the rows,
 * reltuples, or, for a table never vacuumed nor analyzed (reltuples -1),
 * the statistics collector's n_live_tup. exact counts instead, many tables
 * per query (UNION ALL), so a large schema still costs few round trips.
 * The total is pg_database_size().
 *
 * A --dev-url database (version 5; scratch.c says when): which server and
 * database a session is on (postmaster start time, port, database oid, and
 * pg_control_system()'s identifier when the role may read it), an advisory
 * lock, its user objects as pg_identify_object() names them and their
 * DROP, the public schema's comment, owner and ACL noted and put back, and
 * the target's search_path given to the scratch session.
 */
#include "catalog.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>

/* Tables per UNION ALL query when counting exactly. */
#define COUNT_BATCH 200

void cat_pg_tracking_ddl(const char *qtable, const char *pg_schema, struct sbuf *out)
{
	if (pg_schema) {
		sbuf_adds(out, "CREATE SCHEMA IF NOT EXISTS ");
		sbuf_add_ident(out, pg_schema);
		sbuf_adds(out, ";\n");
	}
	tracking_table_ddl(qtable, out);
}

int cat_pg_tracking_exists(drv_conn *c, const char *table, const char *qtable, int *exists,
                           int *has_up, struct drv_err *err)
{
	struct drv_rows *r = NULL;
	const char *params[1];
	int rc;

	(void)table;
	params[0] = qtable;
	rc = drv_query(c, "SELECT to_regclass($1) IS NOT NULL, EXISTS (SELECT 1 FROM "
	               "pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'up_checksum' "
	               "AND NOT attisdropped)", params, 1, &r, err);
	if (!rc) {
		const char *v = r->nrows ? drv_cell(r, 0, 0) : NULL;
		const char *u = r->nrows ? drv_cell(r, 0, 1) : NULL;
		*exists = v && (v[0] == 't' || v[0] == '1');
		if (has_up)
			*has_up = u && (u[0] == 't' || u[0] == '1');
	}
	drv_rows_free(r);
	return rc;
}

static int count_rows(drv_conn *c, strata_stats_report *st, struct drv_err *err)
{
	struct sbuf sql = SBUF_INIT;
	struct drv_rows *rows = NULL;
	size_t i, j, from;
	int rc = 0;

	for (from = 0; from < st->n; from += COUNT_BATCH) {
		size_t to = from + COUNT_BATCH < st->n ? from + COUNT_BATCH : st->n;

		sbuf_reset(&sql);
		for (i = from; i < to; i++) {
			sbuf_addf(&sql, "%sSELECT %zu, count(*) FROM ", i > from ? " UNION ALL " : "", i);
			stats_add_table_name(&sql, &st->tables[i]);
		}
		if (sbuf_failed(&sql)) {
			drv_err_set(err, STRATA_ENOMEM, "out of memory");
			rc = STRATA_ENOMEM;
			goto out;
		}
		drv_rows_free(rows);
		rows = NULL;
		if ((rc = drv_query(c, sql.buf, NULL, 0, &rows, err))) {
			stats_err_context(err, "counting rows");
			goto out;
		}
		for (j = 0; j < rows->nrows; j++) {
			long long k = stats_parse_ll(drv_cell(rows, j, 0), -1);
			if (k >= 0 && (size_t)k < st->n) {
				st->tables[k].rows = stats_parse_ll(drv_cell(rows, j, 1), 0);
				st->tables[k].rows_estimated = 0;
			}
		}
	}
out:
	drv_rows_free(rows);
	sbuf_release(&sql);
	return rc;
}

int cat_pg_stats(drv_conn *c, const struct schema *model, strata_stats_report *st, int exact,
                 struct drv_err *err)
{
	static const char q_sizes[] =
		"SELECT n.nspname, c.relname, pg_total_relation_size(c.oid), c.reltuples::bigint,"
		" COALESCE(s.n_live_tup, 0)"
		" FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
		" LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid"
		" WHERE c.relkind IN ('r', 'p')"
		" AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
		" AND n.nspname NOT LIKE 'pg\\_toast%'";
	struct drv_rows *rows = NULL;
	size_t i;
	int rc;

	(void)model;
	if ((rc = drv_query(c, q_sizes, NULL, 0, &rows, err))) {
		stats_err_context(err, "reading table sizes");
		goto out;
	}
	for (i = 0; i < rows->nrows; i++) {
		strata_table_stats *t = stats_find_entry(st, SCHEMA_PG, drv_cell(rows, i, 0),
		                                         drv_cell(rows, i, 1));
		long long est;

		if (!t)
			continue;
		t->bytes = stats_parse_ll(drv_cell(rows, i, 2), -1);
		est = stats_parse_ll(drv_cell(rows, i, 3), -1);
		t->rows = est >= 0 ? est : stats_parse_ll(drv_cell(rows, i, 4), 0);
		t->rows_estimated = 1;
	}
	if (exact && (rc = count_rows(c, st, err)))
		goto out;
	rc = stats_query_ll(c, "SELECT pg_catalog.pg_database_size(pg_catalog.current_database())",
	                    &st->total_bytes, err);
out:
	drv_rows_free(rows);
	return rc;
}

/* What wipe_schema drops, for the question reset --hard asks first: the
 * first schema of search_path and the tracking schema with what is in
 * them, never another schema. */
static const char wipe_list_sql[] =
	"WITH s AS (SELECT n.oid, n.nspname FROM pg_namespace n WHERE n.nspname IN "
	"  (current_schema(), CASE WHEN $1 = '' THEN current_schema() ELSE $1 END) "
	"  AND pg_has_role(n.nspowner, 'USAGE')) "
	"SELECT 'schema ' || quote_ident(s.nspname), 0, s.nspname FROM s "
	"UNION ALL "
	"SELECT CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'materialized view ' "
	"  WHEN 'S' THEN 'sequence ' WHEN 'f' THEN 'foreign table ' ELSE 'table ' END "
	"  || quote_ident(s.nspname) || '.' || quote_ident(c.relname), 1, c.relname "
	"FROM pg_class c JOIN s ON c.relnamespace = s.oid "
	"WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND NOT c.relispartition "
	"AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
	"  AND d.objid = c.oid AND d.deptype IN ('a', 'i')) "
	"UNION ALL "
	"SELECT 'type ' || quote_ident(s.nspname) || '.' || quote_ident(t.typname), 2, t.typname "
	"FROM pg_type t JOIN s ON t.typnamespace = s.oid WHERE t.typtype IN ('e', 'd', 'r') "
	"UNION ALL "
	"SELECT CASE p.prokind WHEN 'p' THEN 'procedure ' ELSE 'function ' END "
	"  || quote_ident(s.nspname) || '.' || quote_ident(p.proname) || '(' "
	"  || pg_get_function_identity_arguments(p.oid) || ')', 3, p.proname "
	"FROM pg_proc p JOIN s ON p.pronamespace = s.oid "
	"ORDER BY 2, 3, 1";

int cat_pg_wipe_schema_list(drv_conn *c, const char *pg_schema, struct drv_rows **out,
                            struct drv_err *err)
{
	const char *params[1];

	params[0] = pg_schema ? pg_schema : "";
	return drv_query(c, wipe_list_sql, params, 1, out, err);
}

/* A copy of the PostgreSQL URL u with its database name replaced by name. */
static char *url_with_db(const char *u, const char *name)
{
	struct sbuf sb = SBUF_INIT;
	const char *auth = strstr(u, "://"), *q, *slash;

	if (!auth || (strchr(u, '=') && strchr(u, '=') < auth)) {
		/* a libpq keyword/value string: a later dbname wins */
		sbuf_addf(&sb, "%s dbname='%s'", u, name);
		return sbuf_detach(&sb);
	}
	auth += 3;
	q = auth + strcspn(auth, "?#");
	slash = memchr(auth, '/', (size_t)(q - auth));
	sbuf_add(&sb, u, (size_t)((slash ? slash : q) - u));
	sbuf_addf(&sb, "/%s", name);
	sbuf_adds(&sb, q);
	return sbuf_detach(&sb);
}

int cat_pg_scratch_url(const struct strata_url *target, const char *name, char **url, int *made)
{
	*made = 1;
	*url = NULL;
	if (!name)
		return 0;
	*url = url_with_db(target->conninfo, name);
	return *url ? 0 : STRATA_ENOMEM;
}

/* ---- version 5: a --dev-url database on a server (scratch.c) ---------------- */

/* e's message given ctx in front ("ctx: message"), as db_error_drv would
 * put it. */
static void err_context(struct drv_err *e, const char *ctx)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_addf(&sb, "%s: ", ctx);
	sbuf_add(&sb, e->msg.buf, e->msg.len);
	if (sbuf_failed(&sb)) {
		sbuf_release(&sb);
		return;
	}
	sbuf_release(&e->msg);
	e->msg = sb;
}

/*
 * Which server and database c is connected to, as the server says: the
 * same server started once, at one port, and the same database oid there.
 * A proxy or a host alias cannot change these. The system identifier is a
 * second opinion where the role may call pg_control_system(). *id:
 * "<epoch> <port> <oid>", then "\n<system identifier>" when known.
 */
int cat_pg_dev_identify(drv_conn *c, char **id, struct drv_err *e)
{
	struct drv_rows *r = NULL;
	struct sbuf sb = SBUF_INIT;
	int rc;

	*id = NULL;
	/* The epoch, not the timestamp's text: that depends on the session's
	 * TimeZone and DateStyle, which two URLs may set differently. */
	rc = drv_query(c, "SELECT extract(epoch FROM pg_postmaster_start_time())::text || ' ' || "
	               "current_setting('port') || ' ' || d.oid::text FROM pg_database d "
	               "WHERE d.datname = current_database()",
	               NULL, 0, &r, e);
	if (rc)
		return rc;
	if (r->nrows != 1 || !drv_cell(r, 0, 0)) {
		drv_rows_free(r);
		drv_err_set(e, STRATA_ERROR, "the server did not say which database this is");
		return STRATA_ERROR;
	}
	sbuf_adds(&sb, drv_cell(r, 0, 0));
	drv_rows_free(r);
	r = NULL;
	if (drv_query(c, "SELECT system_identifier::text FROM pg_control_system()", NULL, 0, &r, e) == 0 &&
	    r->nrows == 1 && drv_cell(r, 0, 0)) {
		sbuf_addc(&sb, '\n');
		sbuf_adds(&sb, drv_cell(r, 0, 0));
	}
	drv_rows_free(r);
	drv_err_release(e);
	drv_err_init(e);
	if (sbuf_failed(&sb)) {
		sbuf_release(&sb);
		drv_err_set(e, STRATA_ENOMEM, "out of memory");
		return STRATA_ENOMEM;
	}
	*id = sbuf_detach(&sb);
	return 0;
}

/* 1 when a and b (cat_pg_dev_identify's) are the same database of the
 * same server: the same place, and the same system where both know it. */
int cat_pg_dev_same(const char *a, const char *b)
{
	size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");

	if (la != lb || memcmp(a, b, la) != 0)
		return 0;
	return !a[la] || !b[lb] || strcmp(a + la + 1, b + lb + 1) == 0;
}

/* A session lock on the dev database, so that two runs sharing it do not
 * fill it at once (and empty each other's work): "strata" "dev". */
int cat_pg_dev_lock(drv_conn *c, int *got, struct drv_err *e)
{
	struct drv_rows *r = NULL;
	int rc;

	*got = 0;
	if ((rc = drv_query(c, "SELECT pg_try_advisory_lock(1937011297, 6579574)", NULL, 0, &r, e)) != 0)
		return rc;
	*got = r->nrows == 1 && drv_cell(r, 0, 0) && drv_cell(r, 0, 0)[0] == 't';
	drv_rows_free(r);
	return 0;
}

/*
 * Every user object of a PostgreSQL database, one row each as (type,
 * identity) in the spelling of pg_identify_object(), ready for DROP: the
 * schemas but public and the system's, the extensions but plpgsql, and
 * what lives in public (objects that belong to an extension go with it).
 * Indexes, constraints, triggers and the like hang on their tables.
 */
static const char dev_objects_sql[] =
	"SELECT 'schema', quote_ident(n.nspname) FROM pg_namespace n "
	"WHERE n.nspname NOT IN ('public', 'pg_catalog', 'information_schema') "
	"AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' "
	"UNION ALL "
	"SELECT 'extension', quote_ident(x.extname) FROM pg_extension x WHERE x.extname <> 'plpgsql' "
	"UNION ALL "
	"SELECT o.type, o.identity FROM pg_depend d "
	"CROSS JOIN LATERAL pg_identify_object(d.classid, d.objid, d.objsubid) o "
	"WHERE d.refclassid = 'pg_namespace'::regclass AND d.deptype = 'n' "
	"AND d.refobjid IN (SELECT oid FROM pg_namespace WHERE nspname = 'public') "
	"AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = d.classid "
	"AND x.objid = d.objid AND x.deptype = 'e')";

int cat_pg_dev_objects(drv_conn *c, struct drv_rows **out, struct drv_err *e)
{
	return drv_query(c, dev_objects_sql, NULL, 0, out, e);
}

/* "DROP <TYPE> IF EXISTS <identity> CASCADE" for one row of dev_objects_sql;
 * 0 when the type is none we know how to drop. */
static int drop_statement(const char *type, const char *identity, struct sbuf *out)
{
	const char *t;

	if (!type || !identity || !*type)
		return 0;
	for (t = type; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || *t == ' '))
			return 0;
	sbuf_reset(out);
	sbuf_adds(out, "DROP ");
	if (strcmp(type, "statistics object") == 0) {
		sbuf_adds(out, "STATISTICS");
	} else {
		for (t = type; *t; t++)
			sbuf_addc(out, *t == ' ' ? ' ' : (char)(*t - 'a' + 'A'));
	}
	sbuf_addf(out, " IF EXISTS %s CASCADE", identity);
	return !sbuf_failed(out);
}

int cat_pg_dev_drop(drv_conn *c, const char *type, const char *identity, struct drv_err *e)
{
	struct sbuf sql = SBUF_INIT;
	int rc = 0;

	if (drop_statement(type, identity, &sql))
		rc = drv_exec(c, sql.buf, e);
	sbuf_release(&sql);
	return rc;
}

/* The public schema's comment, owner and ACL (NULL: the default, spelt out
 * so that it can be granted back). */
static const char public_state_sql[] =
	"SELECT pg_catalog.obj_description(n.oid, 'pg_namespace'), "
	"pg_catalog.pg_get_userbyid(n.nspowner), "
	"COALESCE(n.nspacl, pg_catalog.acldefault('n', n.nspowner))::text "
	"FROM pg_catalog.pg_namespace n WHERE n.nspname = 'public'";

/* What cat_pg_dev_save keeps: the public schema as found. */
struct pg_dev_state {
	char *comment, *owner, *acl;   /* NULL: none */
};

static void pg_dev_state_free(struct pg_dev_state *st)
{
	if (!st)
		return;
	free(st->comment);
	free(st->owner);
	free(st->acl);
	free(st);
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Note the dev database's public schema as it is now (none: nothing to
 * put back, *state NULL). Its comment, unless initdb's, is taken off for
 * the run: the model read there would hold it as the schema file's. */
int cat_pg_dev_save(drv_conn *c, void **state, struct drv_err *e)
{
	struct drv_rows *r = NULL;
	struct pg_dev_state *st = NULL;
	int rc;

	*state = NULL;
	if ((rc = drv_query(c, public_state_sql, NULL, 0, &r, e)) != 0) {
		err_context(e, "cannot read the --dev-url database's public schema");
		goto out;
	}
	if (r->nrows != 1)
		goto out;
	if (!(st = calloc(1, sizeof *st)) ||
	    (drv_cell(r, 0, 0) && !(st->comment = strdup(drv_cell(r, 0, 0)))) ||
	    (drv_cell(r, 0, 1) && !(st->owner = strdup(drv_cell(r, 0, 1)))) ||
	    (drv_cell(r, 0, 2) && !(st->acl = strdup(drv_cell(r, 0, 2))))) {
		drv_err_set(e, STRATA_ENOMEM, "out of memory");
		rc = STRATA_ENOMEM;
		goto out;
	}
	if (st->comment && strcmp(st->comment, "standard public schema") != 0 &&
	    (rc = drv_exec(c, "COMMENT ON SCHEMA public IS NULL", e)) != 0) {
		err_context(e, "cannot use the --dev-url database's public schema");
		goto out;
	}
	*state = st;
	st = NULL;
out:
	pg_dev_state_free(st);
	drv_rows_free(r);
	return rc;
}

/* Give the dev database's public schema back its comment, owner and ACL
 * where this run changed them. c NULL: state is only freed. */
int cat_pg_dev_restore(drv_conn *c, void *state, struct drv_err *e)
{
	struct pg_dev_state *st = state;
	struct drv_rows *r = NULL;
	struct sbuf sql = SBUF_INIT;
	int rc = 0;

	if (!c || !st)
		goto out;
	if ((rc = drv_query(c, public_state_sql, NULL, 0, &r, e)) != 0)
		goto out;
	if (r->nrows != 1) {
		/* the file dropped it: made again, then as it was */
		drv_rows_free(r);
		r = NULL;
		if ((rc = drv_exec(c, "CREATE SCHEMA public", e)) != 0 ||
		    (rc = drv_query(c, public_state_sql, NULL, 0, &r, e)) != 0)
			goto out;
		if (r->nrows != 1)
			goto out;
	}
	if (!same_str(drv_cell(r, 0, 0), st->comment)) {
		sbuf_adds(&sql, "COMMENT ON SCHEMA public IS ");
		if (st->comment)
			sbuf_add_literal(&sql, st->comment);
		else
			sbuf_adds(&sql, "NULL");
		sbuf_adds(&sql, ";\n");
	}
	if (st->owner && !same_str(drv_cell(r, 0, 1), st->owner)) {
		sbuf_adds(&sql, "ALTER SCHEMA public OWNER TO ");
		sbuf_add_ident(&sql, st->owner);
		sbuf_adds(&sql, ";\n");
	}
	/* The ACL: every grantee's privileges revoked, then the saved ones
	 * granted again (a superuser grants as the owner, who granted them). */
	if (st->acl && !same_str(drv_cell(r, 0, 2), st->acl)) {
		sbuf_adds(&sql,
		          "DO $strata$\nDECLARE r record;\nBEGIN\n"
		          "FOR r IN SELECT DISTINCT x.grantee FROM pg_catalog.pg_namespace n, "
		          "pg_catalog.aclexplode(COALESCE(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) x "
		          "WHERE n.nspname = 'public' LOOP\n"
		          "  EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA public FROM %s CASCADE', "
		          "CASE WHEN r.grantee = 0 THEN 'PUBLIC' "
		          "ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.grantee)) END);\n"
		          "END LOOP;\n"
		          "FOR r IN SELECT * FROM pg_catalog.aclexplode(");
		sbuf_add_literal(&sql, st->acl);
		sbuf_adds(&sql,
		          "::pg_catalog.aclitem[]) LOOP\n"
		          "  EXECUTE pg_catalog.format('GRANT %s ON SCHEMA public TO %s%s', "
		          "r.privilege_type, CASE WHEN r.grantee = 0 THEN 'PUBLIC' "
		          "ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.grantee)) END, "
		          "CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);\n"
		          "END LOOP;\nEND\n$strata$;\n");
	}
	if (sbuf_failed(&sql)) {
		drv_err_set(e, STRATA_ENOMEM, "out of memory");
		rc = STRATA_ENOMEM;
		goto out;
	}
	if (sql.len)
		rc = drv_exec(c, sql.buf, e);
out:
	pg_dev_state_free(st);
	drv_rows_free(r);
	sbuf_release(&sql);
	return rc;
}

/*
 * The target's unqualified names live in its current schema: the first
 * schema of its search_path that exists, which is "$user" for a role with
 * a schema of its own name. The scratch database must put a schema file's
 * unqualified objects in that same schema, or every table would seem to
 * move between schemas (a drop and a create, rows lost). So the scratch
 * session gets the target's effective search_path, its first schema made
 * there when missing (ours: a made database is dropped, and a dev database
 * is emptied of what this run made). Nothing to do when it is public.
 */
static const char target_path_sql[] =
	"SELECT current_schema(), (SELECT string_agg(quote_ident(p.s), ', ' ORDER BY p.i) "
	"FROM unnest(current_schemas(false)) WITH ORDINALITY AS p(s, i))";

int cat_pg_scratch_match(drv_conn *target, drv_conn *scratch, struct drv_err *e)
{
	struct drv_rows *r = NULL;
	struct sbuf sql = SBUF_INIT;
	const char *params[1];
	int rc;

	if ((rc = drv_query(target, target_path_sql, NULL, 0, &r, e)) != 0) {
		err_context(e, "cannot read the target's search_path");
		goto out;
	}
	if (r->nrows != 1 || !drv_cell(r, 0, 0) || !strcmp(drv_cell(r, 0, 0), "public"))
		goto out;
	sbuf_adds(&sql, "CREATE SCHEMA IF NOT EXISTS ");
	sbuf_add_ident(&sql, drv_cell(r, 0, 0));
	if (sbuf_failed(&sql)) {
		drv_err_set(e, STRATA_ENOMEM, "out of memory");
		rc = STRATA_ENOMEM;
		goto out;
	}
	params[0] = drv_cell(r, 0, 1);
	if ((rc = drv_exec(scratch, sql.buf, e)) != 0 ||
	    (rc = drv_query(scratch, "SELECT pg_catalog.set_config('search_path', $1, false)",
	                    params, 1, NULL, e)) != 0)
		err_context(e, "cannot give the scratch database the target's default schema");
out:
	drv_rows_free(r);
	sbuf_release(&sql);
	return rc;
}
