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
