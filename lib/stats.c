/*
 * stats.c: strata_stats(), the tables of the live schema with their row
 * counts and sizes on disk.
 *
 * The list of tables is the model's (inspect_load() in inspect.c), so stats
 * sees exactly the tables inspect and dump see, with strata's own left out
 * the same way. The numbers come from the engine:
 *  - SQLite: rows by SELECT count(*), one table at a time (SQLite has no
 *    cheaper count, and no round trips to save); bytes per table, its
 *    indexes included, from the dbstat virtual table when the library was
 *    built with it, else unknown (-1); the total is page_count * page_size.
 *  - PostgreSQL: one catalog query for every table: pg_total_relation_size()
 *    (indexes and TOAST included) and the planner's estimate of the rows,
 *    reltuples, or, for a table never vacuumed nor analyzed (reltuples -1),
 *    the statistics collector's n_live_tup. STRATA_STATS_EXACT counts
 *    instead, many tables per query (UNION ALL), so a large schema still
 *    costs few round trips. The total is pg_database_size().
 */
#include "inspect.h"

#include <stdlib.h>
#include <string.h>

/* Tables per UNION ALL query when counting exactly on PostgreSQL. */
#define COUNT_BATCH 200

void strata_stats_free(strata_stats_report *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		free((char *)s->tables[i].schema);
		free((char *)s->tables[i].name);
	}
	free(s->tables);
	free(s);
}

static long long parse_ll(const char *v, long long dflt)
{
	char *end;
	long long n;

	if (!v || !*v)
		return dflt;
	n = strtoll(v, &end, 10);
	return end == v ? dflt : n;
}

/* Append the table's name, quoted, qualified when it has a schema. */
static void add_table_name(struct sbuf *sb, const strata_table_stats *t)
{
	if (t->schema) {
		sbuf_add_ident(sb, t->schema);
		sbuf_addc(sb, '.');
	}
	sbuf_add_ident(sb, t->name);
}

static int lower_ascii(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* The order of schema_sort() for names: SQLite ASCII case-insensitive with
 * a byte-wise tie break, PostgreSQL byte-wise; a NULL schema first. */
static int cmp_name(int engine, const char *a, const char *b)
{
	int r = 0;

	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	if (engine == SCHEMA_SQLITE) {
		const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
		while (*x && lower_ascii(*x) == lower_ascii(*y))
			x++, y++;
		r = lower_ascii(*x) - lower_ascii(*y);
	}
	return r ? r : strcmp(a, b);
}

/* The entry of (nsp, name): entries are in the model's order. */
static strata_table_stats *find_entry(strata_stats_report *st, int engine, const char *nsp,
                                      const char *name)
{
	size_t lo = 0, hi = st->n;

	while (name && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = cmp_name(engine, nsp, st->tables[mid].schema);

		if (!r)
			r = cmp_name(engine, name, st->tables[mid].name);
		if (!r)
			return &st->tables[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Run sql and take the first cell of the first row as a number. */
static int query_ll(strata_db *db, const char *sql, long long *out)
{
	struct drv_rows *rows = NULL;
	struct drv_err e;
	int rc;

	drv_err_init(&e);
	rc = drv_query(db->conn, sql, NULL, 0, &rows, &e);
	if (rc)
		db_error_drv(db, &e, NULL);
	else if (rows->nrows && rows->ncols)
		*out = parse_ll(drv_cell(rows, 0, 0), -1);
	drv_rows_free(rows);
	drv_err_release(&e);
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
static void sizes_sqlite(strata_db *db, strata_stats_report *st)
{
	static const char q_map[] =
		"SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')"
		" ORDER BY name";
	static const char q_sizes[] = "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name";
	struct drv_rows *map = NULL, *rows = NULL;
	struct drv_err e;
	size_t i;

	drv_err_init(&e);
	if (drv_query(db->conn, q_map, NULL, 0, &map, &e) ||
	    drv_query(db->conn, q_sizes, NULL, 0, &rows, &e))
		goto out;
	for (i = 0; i < rows->nrows; i++) {
		const char *table = owner_of(map, drv_cell(rows, i, 0));
		strata_table_stats *t = find_entry(st, SCHEMA_SQLITE, NULL, table);
		long long n = parse_ll(drv_cell(rows, i, 1), -1);

		if (t && n >= 0)
			t->bytes = (t->bytes < 0 ? 0 : t->bytes) + n;
	}
out:
	drv_rows_free(map);
	drv_rows_free(rows);
	drv_err_release(&e);
}

static int stats_sqlite(strata_db *db, const struct schema *model, strata_stats_report *st)
{
	struct sbuf sql = SBUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < st->n; i++) {
		sbuf_reset(&sql);
		sbuf_adds(&sql, "SELECT count(*) FROM ");
		add_table_name(&sql, &st->tables[i]);
		if (sbuf_failed(&sql)) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		/* A virtual table whose module is not loaded cannot be read: its
		 * count is unknown, which is no reason to fail the others. */
		if ((rc = query_ll(db, sql.buf, &st->tables[i].rows))) {
			if (!model->tables[i]->virtual_table)
				goto out;
			st->tables[i].rows = -1;
			db_clear_error(db);
			rc = 0;
		}
	}
	sizes_sqlite(db, st);
	rc = query_ll(db, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
	              &st->total_bytes);
out:
	sbuf_release(&sql);
	return rc;
}

static int count_pg(strata_db *db, strata_stats_report *st)
{
	struct sbuf sql = SBUF_INIT;
	struct drv_rows *rows = NULL;
	struct drv_err e;
	size_t i, j, from;
	int rc = 0;

	drv_err_init(&e);
	for (from = 0; from < st->n; from += COUNT_BATCH) {
		size_t to = from + COUNT_BATCH < st->n ? from + COUNT_BATCH : st->n;

		sbuf_reset(&sql);
		for (i = from; i < to; i++) {
			sbuf_addf(&sql, "%sSELECT %zu, count(*) FROM ", i > from ? " UNION ALL " : "", i);
			add_table_name(&sql, &st->tables[i]);
		}
		if (sbuf_failed(&sql)) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		drv_rows_free(rows);
		rows = NULL;
		if ((rc = drv_query(db->conn, sql.buf, NULL, 0, &rows, &e))) {
			db_error_drv(db, &e, "counting rows");
			goto out;
		}
		for (j = 0; j < rows->nrows; j++) {
			long long k = parse_ll(drv_cell(rows, j, 0), -1);
			if (k >= 0 && (size_t)k < st->n) {
				st->tables[k].rows = parse_ll(drv_cell(rows, j, 1), 0);
				st->tables[k].rows_estimated = 0;
			}
		}
	}
out:
	drv_rows_free(rows);
	drv_err_release(&e);
	sbuf_release(&sql);
	return rc;
}

static int stats_pg(strata_db *db, strata_stats_report *st, int exact)
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
	struct drv_err e;
	size_t i;
	int rc;

	drv_err_init(&e);
	if ((rc = drv_query(db->conn, q_sizes, NULL, 0, &rows, &e))) {
		db_error_drv(db, &e, "reading table sizes");
		goto out;
	}
	for (i = 0; i < rows->nrows; i++) {
		strata_table_stats *t = find_entry(st, SCHEMA_PG, drv_cell(rows, i, 0),
		                                   drv_cell(rows, i, 1));
		long long est;

		if (!t)
			continue;
		t->bytes = parse_ll(drv_cell(rows, i, 2), -1);
		est = parse_ll(drv_cell(rows, i, 3), -1);
		t->rows = est >= 0 ? est : parse_ll(drv_cell(rows, i, 4), 0);
		t->rows_estimated = 1;
	}
	if (exact && (rc = count_pg(db, st)))
		goto out;
	rc = query_ll(db, "SELECT pg_catalog.pg_database_size(pg_catalog.current_database())",
	              &st->total_bytes);
out:
	drv_rows_free(rows);
	drv_err_release(&e);
	return rc;
}

int strata_stats(strata_db *db, unsigned flags, strata_stats_report **out)
{
	struct schema *s = NULL;
	strata_stats_report *st = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = inspect_load(db, flags, &s)))
		goto out;
	if (!(st = calloc(1, sizeof *st)) ||
	    !(st->tables = calloc(s->ntables + 1, sizeof *st->tables))) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	st->total_bytes = -1;
	for (i = 0; i < s->ntables; i++) {
		strata_table_stats *t = &st->tables[st->n];

		/* Counted one by one below: an entry is only half made if a
		 * strdup fails, and strata_stats_free() frees what is there. */
		st->n++;
		t->bytes = -1;
		t->name = strdup(s->tables[i]->name);
		t->schema = xstrdup_or_null(s->tables[i]->schema);
		if (!t->name || (s->tables[i]->schema && !t->schema)) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (s->engine == SCHEMA_SQLITE)
		rc = stats_sqlite(db, s, st);
	else
		rc = stats_pg(db, st, (flags & STRATA_STATS_EXACT) != 0);
	if (rc)
		goto out;
	*out = st;
	st = NULL;
out:
	strata_stats_free(st);
	schema_free(s);
	return rc;
}
