/*
 * catalog_sqlite.c: SQLite's catalog knowledge behind the driver vtable
 * (catalog.h, driver.h version 2): the tracking table in sqlite_schema and
 * pragma_table_info, the numbers of `stats`, and the planner hook.
 *
 * Stats: rows by SELECT count(*), one table at a time (SQLite has no
 * cheaper count, and no round trips to save); bytes per table, its indexes
 * included, from the dbstat virtual table when the library was built with
 * it, else unknown (-1); the total is page_count * page_size.
 */
#include "catalog.h"
#include "diff.h"
#include "schema.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

void cat_sqlite_tracking_ddl(const char *qtable, const char *pg_schema, struct sbuf *out)
{
	(void)pg_schema;
	tracking_table_ddl(qtable, out);
}

int cat_sqlite_tracking_exists(drv_conn *c, const char *table, const char *qtable, int *exists,
                               int *has_up, struct drv_err *err)
{
	struct drv_rows *r = NULL;
	const char *params[1];
	int rc;

	(void)qtable;
	params[0] = table;
	rc = drv_query(c,
	               "SELECT (SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
	               "name = $1) > 0, (SELECT count(*) FROM pragma_table_info($1) WHERE "
	               "name = 'up_checksum') > 0",
	               params, 1, &r, err);
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

/* The table an SQLite b-tree (a table or an index, by name) belongs to:
 * a binary search in rows of (name, tbl_name) ordered by name. */
static const char *owner_of(const struct drv_rows *map, const char *name)
{
	size_t lo = 0, hi = map->nrows;

	while (name && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(name, drv_cell(map, mid, 0));

		if (!r)
			return drv_cell(map, mid, 1);
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Sizes from dbstat, each index's pages added to its table. dbstat is read
 * alone and the b-trees matched to their tables here: joined to
 * sqlite_schema in SQL, the virtual table is scanned again for every
 * schema row (14 s instead of 40 ms for 2,000 tables). Without dbstat
 * (SQLITE_ENABLE_DBSTAT_VTAB) the sizes stay unknown (-1).
 */
static void sizes(drv_conn *c, strata_stats_report *st)
{
	static const char q_map[] =
		"SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')"
		" ORDER BY name";
	static const char q_sizes[] = "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name";
	struct drv_rows *map = NULL, *rows = NULL;
	struct drv_err e;
	size_t i;

	drv_err_init(&e);
	if (drv_query(c, q_map, NULL, 0, &map, &e) || drv_query(c, q_sizes, NULL, 0, &rows, &e))
		goto out;
	for (i = 0; i < rows->nrows; i++) {
		const char *table = owner_of(map, drv_cell(rows, i, 0));
		strata_table_stats *t = stats_find_entry(st, SCHEMA_SQLITE, NULL, table);
		long long n = stats_parse_ll(drv_cell(rows, i, 1), -1);

		if (t && n >= 0)
			t->bytes = (t->bytes < 0 ? 0 : t->bytes) + n;
	}
out:
	drv_rows_free(map);
	drv_rows_free(rows);
	drv_err_release(&e);
}

int cat_sqlite_stats(drv_conn *c, const struct schema *model, strata_stats_report *st,
                     int exact, struct drv_err *err)
{
	struct sbuf sql = SBUF_INIT;
	size_t i;
	int rc = 0;

	(void)exact; /* every count is exact */
	for (i = 0; i < st->n; i++) {
		sbuf_reset(&sql);
		sbuf_adds(&sql, "SELECT count(*) FROM ");
		stats_add_table_name(&sql, &st->tables[i]);
		if (sbuf_failed(&sql)) {
			drv_err_set(err, STRATA_ENOMEM, "out of memory");
			rc = STRATA_ENOMEM;
			goto out;
		}
		/* A virtual table whose module is not loaded cannot be read: its
		 * count is unknown, which is no reason to fail the others. */
		if ((rc = stats_query_ll(c, sql.buf, &st->tables[i].rows, err))) {
			if (!model->tables[i]->virtual_table)
				goto out;
			st->tables[i].rows = -1;
			drv_err_release(err);
			rc = 0;
		}
	}
	sizes(c, st);
	rc = stats_query_ll(c, "SELECT page_count * page_size FROM pragma_page_count(), "
	                    "pragma_page_size()", &st->total_bytes, err);
out:
	sbuf_release(&sql);
	return rc;
}

/* What wipe_schema drops, for the question reset --hard asks first: every
 * table and view of the file. */
static const char wipe_list_sql[] =
	"SELECT type || ' ' || name FROM main.sqlite_schema "
	"WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
	"ORDER BY type, name";

int cat_sqlite_wipe_schema_list(drv_conn *c, const char *pg_schema, struct drv_rows **out,
                                struct drv_err *err)
{
	(void)pg_schema;
	return drv_query(c, wipe_list_sql, NULL, 0, out, err);
}

/* A private in-memory database: opening it makes it, closing it drops it. */
int cat_sqlite_scratch_url(const struct strata_url *target, const char *name, char **url,
                           int *made)
{
	(void)target;
	(void)name;
	*made = 0;
	*url = strdup("sqlite::memory:");
	return *url ? 0 : STRATA_ENOMEM;
}

/* 1 when paths a and b name the same file (hard links and symbolic links
 * included), 0 when not or when either does not exist. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	char *ra, *rb;
	int same;

	if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
		return 0;
	if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
		return 1;
	ra = realpath(a, NULL);
	rb = realpath(b, NULL);
	same = ra && rb && strcmp(ra, rb) == 0;
	free(ra);
	free(rb);
	return same;
}

/* A SQLite --dev-url: not the target, and empty. Opened read-only: strata
 * never writes to it (the scratch work runs in memory). A file that does not
 * exist holds nothing to protect. */
int cat_sqlite_dev_check(const struct strata_url *u, const struct strata_url *target,
                         struct drv_err *err)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int rc = 0, src;

	if (strcmp(u->path, ":memory:") == 0)
		return 0;
	if (target && target->path && strcmp(target->path, ":memory:") != 0 &&
	    same_file(u->path, target->path)) {
		drv_err_set(err, STRATA_EUSAGE, "--dev-url %s is the target database: a dev database "
		            "must be a separate, empty one", u->redacted);
		return STRATA_EUSAGE;
	}
	if (access(u->path, F_OK) != 0)
		return 0;
	src = sqlite3_open_v2(u->path, &h, SQLITE_OPEN_READONLY, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_prepare_v2(h, "SELECT type, name FROM sqlite_schema WHERE name NOT LIKE "
		                         "'sqlite\\_%' ESCAPE '\\' ORDER BY rowid LIMIT 1", -1, &st, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		drv_err_set(err, rc = STRATA_EUSAGE, "--dev-url %s is not empty (%s %s): a dev "
		            "database must hold no objects", u->redacted,
		            (const char *)sqlite3_column_text(st, 0),
		            (const char *)sqlite3_column_text(st, 1));
	else if (src != SQLITE_DONE)
		drv_err_set(err, rc = (src & 0xff) == SQLITE_NOTADB ? STRATA_ENOTADB : STRATA_ECONNECT,
		            "--dev-url %s: cannot read it: %s", u->redacted,
		            h ? sqlite3_errmsg(h) : "out of memory");
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc;
}

/* plan_sqlite() as the vtable's planner: SQLite runs every statement of a
 * plan inside the transaction. */
int cat_sqlite_plan(const struct diff *d, const struct plan_opts *o, struct sbuf *sql,
                    int *no_tx)
{
	*no_tx = 0;
	return plan_sqlite(d, o, sql);
}
