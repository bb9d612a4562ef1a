/*
 * stats.c: strata_stats(), the tables of the live schema with their row
 * counts and sizes on disk.
 *
 * The list of tables is the model's (inspect_load() in inspect.c), so stats
 * sees exactly the tables inspect and dump see, with strata's own left out
 * the same way. The numbers come from the engine, through the driver's
 * stats method (catalog_sqlite.c, catalog_pg.c say how each engine counts
 * and measures); the helpers both share are here (catalog.h).
 */
#include "inspect.h"
#include "catalog.h"

#include <stdlib.h>
#include <string.h>

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

long long stats_parse_ll(const char *v, long long dflt)
{
	char *end;
	long long n;

	if (!v || !*v)
		return dflt;
	n = strtoll(v, &end, 10);
	return end == v ? dflt : n;
}

void stats_add_table_name(struct sbuf *sb, const strata_table_stats *t)
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

strata_table_stats *stats_find_entry(strata_stats_report *st, int engine, const char *nsp,
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

int stats_query_ll(drv_conn *c, const char *sql, long long *out, struct drv_err *e)
{
	struct drv_rows *rows = NULL;
	int rc;

	rc = drv_query(c, sql, NULL, 0, &rows, e);
	if (!rc && rows->nrows && rows->ncols)
		*out = stats_parse_ll(drv_cell(rows, 0, 0), -1);
	drv_rows_free(rows);
	return rc;
}

void stats_err_context(struct drv_err *e, const char *context)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_addf(&sb, "%s: %s", context, e->msg.buf);
	if (sbuf_failed(&sb)) {
		sbuf_release(&sb);
		return;
	}
	sbuf_release(&e->msg);
	e->msg = sb;
}

int strata_stats(strata_db *db, unsigned flags, strata_stats_report **out)
{
	struct schema *s = NULL;
	strata_stats_report *st = NULL;
	struct drv_err e;
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
	drv_err_init(&e);
	rc = drv_stats(db->conn, s, st, (flags & STRATA_STATS_EXACT) != 0, &e);
	if (rc) {
		db_error_drv(db, &e, NULL);
		drv_err_release(&e);
		goto out;
	}
	drv_err_release(&e);
	*out = st;
	st = NULL;
out:
	strata_stats_free(st);
	schema_free(s);
	return rc;
}
