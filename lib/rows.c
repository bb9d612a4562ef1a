/*
 * rows.c: strata_rows_read(), one page of one table's rows, for a viewer
 * (strata studio) that shows a database to a person.
 *
 * The caller's table and column names come from a browser, that is from
 * anyone: they are never pasted into SQL as given. Each is looked up in
 * the live schema model (inspect_load(), the same tables inspect shows),
 * and the SQL is built from the model's own copy of the name, quoted
 * (sbuf_add_ident); the filter's text goes to the engine as a parameter.
 * The query is a plain SELECT of a table (never a view: a view may call
 * functions), so reading cannot change the database.
 */
#include "inspect.h"

#include <stdlib.h>
#include <string.h>

void strata_rows_free(strata_rows *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->ncols; i++)
		free(r->columns[i]);
	for (i = 0; i < r->ncols * r->nrows; i++)
		free(r->cells[i]);
	free(r->columns);
	free(r->cells);
	free(r);
}

/* The model's table named (nsp, name); nsp NULL: the only one of that name. */
static const struct schema_table *find_table(const struct schema *s, const char *nsp,
                                             const char *name, int *ambiguous)
{
	const struct schema_table *found = NULL;
	size_t i;

	*ambiguous = 0;
	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = s->tables[i];
		if (strcmp(t->name, name) != 0 || t->virtual_table)
			continue;
		if (nsp && (!t->schema || strcmp(t->schema, nsp) != 0))
			continue;
		if (found) {
			*ambiguous = 1;
			return NULL;
		}
		found = t;
	}
	return found;
}

static const struct schema_column *find_column(const struct schema_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncolumns; i++)
		if (!strcmp(t->columns[i].name, name))
			return &t->columns[i];
	return NULL;
}

static void add_table(struct sbuf *sb, const struct schema_table *t)
{
	if (t->schema) {
		sbuf_add_ident(sb, t->schema);
		sbuf_addc(sb, '.');
	}
	sbuf_add_ident(sb, t->name);
}

/* " WHERE <column as text> contains $1" for the engine, or nothing. */
static void add_where(struct sbuf *sb, int engine, const struct schema_column *c)
{
	if (!c)
		return;
	if (engine == SCHEMA_PG) {
		sbuf_adds(sb, " WHERE strpos(CAST(");
		sbuf_add_ident(sb, c->name);
		sbuf_adds(sb, " AS text), $1) > 0");
	} else {
		sbuf_adds(sb, " WHERE instr(CAST(");
		sbuf_add_ident(sb, c->name);
		sbuf_adds(sb, " AS TEXT), $1) > 0");
	}
}

int strata_rows_read(strata_db *db, const strata_rows_opts *o, strata_rows **out)
{
	struct schema *s = NULL;
	const struct schema_table *t;
	const struct schema_column *fc = NULL;
	struct sbuf sql = SBUF_INIT, count = SBUF_INIT;
	struct drv_rows *rows = NULL, *n = NULL;
	struct drv_err e;
	strata_rows *r = NULL;
	const char *params[1];
	int rc, ambiguous, np = 0;
	long limit, offset;
	size_t i;

	*out = NULL;
	drv_err_init(&e);
	if (!o)
		return db_error(db, STRATA_EUSAGE, "no strata_rows_opts given");
	if ((rc = db_check_version(db, "strata_rows_opts", o->version, STRATA_ROWS_OPTS_VERSION)))
		return rc;
	if (!o->table || !*o->table)
		return db_error(db, STRATA_EUSAGE, "no table given");
	if ((rc = inspect_load(db, 0, &s)))
		return rc;
	t = find_table(s, o->schema, o->table, &ambiguous);
	if (!t) {
		rc = db_error(db, ambiguous ? STRATA_EUSAGE : STRATA_ENOTFOUND,
		              ambiguous ? "more than one table is named '%s': give its schema"
		                        : "no table '%s' in the database", o->table);
		goto out;
	}
	if (o->filter_column && *o->filter_column) {
		if (!(fc = find_column(t, o->filter_column))) {
			rc = db_error(db, STRATA_ENOTFOUND, "table '%s' has no column '%s'", t->name,
			              o->filter_column);
			goto out;
		}
		params[0] = o->filter ? o->filter : "";
		np = 1;
	}
	limit = o->limit <= 0 ? 50 : o->limit > STRATA_ROWS_MAX ? STRATA_ROWS_MAX : o->limit;
	offset = o->offset < 0 ? 0 : o->offset;

	sbuf_adds(&count, "SELECT count(*) FROM ");
	add_table(&count, t);
	add_where(&count, s->engine, fc);

	sbuf_adds(&sql, "SELECT ");
	for (i = 0; i < t->ncolumns; i++) {
		if (i)
			sbuf_adds(&sql, ", ");
		sbuf_add_ident(&sql, t->columns[i].name);
	}
	if (!t->ncolumns)
		sbuf_adds(&sql, "NULL");
	sbuf_adds(&sql, " FROM ");
	add_table(&sql, t);
	add_where(&sql, s->engine, fc);
	/* A stable order, so that pages neither skip nor repeat rows: the
	 * primary key, else SQLite's rowid (PostgreSQL has no stable one). */
	if (t->pk.columns.n) {
		sbuf_adds(&sql, " ORDER BY ");
		for (i = 0; i < t->pk.columns.n; i++) {
			if (i)
				sbuf_adds(&sql, ", ");
			sbuf_add_ident(&sql, t->pk.columns.v[i]);
		}
	} else if (s->engine != SCHEMA_PG && !t->without_rowid) {
		sbuf_adds(&sql, " ORDER BY rowid");
	}
	sbuf_addf(&sql, " LIMIT %ld OFFSET %ld", limit, offset);
	if (sbuf_failed(&sql) || sbuf_failed(&count)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = drv_query(db->conn, count.buf, params, np, &n, &e)) ||
	    (rc = drv_query(db->conn, sql.buf, params, np, &rows, &e))) {
		rc = db_error_drv(db, &e, NULL);
		goto out;
	}
	if (!(r = calloc(1, sizeof *r)) ||
	    !(r->columns = calloc(t->ncolumns ? t->ncolumns : 1, sizeof *r->columns)))
		goto nomem;
	r->total = n->nrows && drv_cell(n, 0, 0) ? strtoll(drv_cell(n, 0, 0), NULL, 10) : 0;
	for (i = 0; i < t->ncolumns; i++) {
		if (!(r->columns[i] = strdup(t->columns[i].name)))
			goto nomem;
		r->ncols++;
	}
	if (t->ncolumns) {
		/* the cells change hands: rows keeps none */
		r->cells = rows->cells;
		r->nrows = rows->nrows;
		rows->cells = NULL;
		rows->nrows = 0;
	}
	*out = r;
	r = NULL;
	rc = 0;
	goto out;
nomem:
	rc = db_error(db, STRATA_ENOMEM, "out of memory");
out:
	strata_rows_free(r);
	drv_rows_free(rows);
	drv_rows_free(n);
	drv_err_release(&e);
	sbuf_release(&sql);
	sbuf_release(&count);
	schema_free(s);
	return rc;
}
