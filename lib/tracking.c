/*
 * tracking.c: the tracking table (strata_migrations, see DESIGN.md): whether
 * it exists, creating it and its versioned upgrades (columns added, never
 * dropped), reading its rows into a struct applied_set sorted by version,
 * and writing and deleting one migration's row. runner.c calls these
 * inside the run's transaction, so a failed run leaves the table as it was.
 * What differs per engine (where the table's schema is made, how its
 * existence is asked) is the driver's: drv_tracking_ddl() and
 * drv_tracking_exists() (catalog_sqlite.c, catalog_pg.c). The rest is
 * plain SQL both engines read alike.
 */
#include "tracking.h"
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void applied_free_one(struct applied *a)
{
	free(a->version);
	free(a->name);
	free(a->checksum);
	free(a->applied_at);
	free(a->down_sql);
	free(a->state);
	free(a->error);
	free(a->up_checksum);
}

void applied_release(struct applied_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		applied_free_one(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int cmp_applied(const void *a, const void *b)
{
	return version_cmp(((const struct applied *)a)->version, ((const struct applied *)b)->version);
}

struct applied *applied_find(const struct applied_set *s, const char *version)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = version_cmp(s->v[mid].version, version);
		if (!c)
			return &s->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int is_pg(strata_db *db)
{
	return db->conn->driver->engine == SCHEMA_PG;
}

/*
 * Whether the tracking table exists, and whether it has the columns of its
 * later versions (*has_up: up_checksum, added by the first upgrade), in the
 * one query a no-op run already paid for. has_up may be NULL.
 */
static int tracking_exists(strata_db *db, int *exists, int *has_up)
{
	struct drv_err e;
	int rc;

	drv_err_init(&e);
	rc = drv_tracking_exists(db->conn, db->table, db->qtable.buf, exists, has_up, &e);
	if (rc)
		db_error_drv(db, &e, "cannot read the tracking table");
	drv_err_release(&e);
	return rc;
}

/* The table's first version; both engines' DDL (catalog_*.c) is this,
 * PostgreSQL's after the schema it lives in. */
void tracking_table_ddl(const char *qtable, struct sbuf *out)
{
	sbuf_addf(out,
	          "CREATE TABLE IF NOT EXISTS %s (\n"
	          "  version TEXT PRIMARY KEY,\n"
	          "  name TEXT NOT NULL,\n"
	          "  checksum TEXT NOT NULL,\n"
	          "  batch INTEGER NOT NULL,\n"
	          "  applied_at TIMESTAMP NOT NULL,\n"
	          "  duration_ms INTEGER NOT NULL,\n"
	          "  down_sql TEXT,\n"
	          "  state TEXT NOT NULL DEFAULT 'applied',\n"
	          "  error TEXT,\n"
	          "  up_checksum TEXT\n"
	          ")", qtable);
}

int ensure_tracking(strata_db *db)
{
	struct sbuf sql = SBUF_INIT;
	struct drv_err e;
	int rc, exists = 0, has_up = 0;

	drv_err_init(&e);
	drv_tracking_ddl(db->conn, db->qtable.buf, db->pg_schema, &sql);
	if (sbuf_failed(&sql)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	/* Straight to the driver: the fault-injection seam counts migrations. */
	rc = db->conn->driver->exec(db->conn, sql.buf, &e);
	if (rc) {
		db_error_drv(db, &e, "cannot create the tracking table");
		goto out;
	}
	/*
	 * The table's upgrades, each a column added in the run's transaction
	 * (so a failed run leaves the old table), never a drop: an older strata
	 * still reads and writes the rows it knows. 1: up_checksum, the hash of
	 * the up section as applied, so that a down section fixed in the file
	 * can be told from an edit of what was applied.
	 */
	if ((rc = tracking_exists(db, &exists, &has_up)) != 0)
		goto out;
	if (!has_up) {
		sbuf_reset(&sql);
		sbuf_addf(&sql, "ALTER TABLE %s ADD COLUMN up_checksum TEXT", db->qtable.buf);
		if (sbuf_failed(&sql)) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		rc = db->conn->driver->exec(db->conn, sql.buf, &e);
		if (rc)
			db_error_drv(db, &e, "cannot upgrade the tracking table");
	}
out:
	sbuf_release(&sql);
	drv_err_release(&e);
	return rc;
}

/* The cell's string, taken from r (which then frees nothing there): one
 * allocation per cell, not two. */
static char *take_cell(struct drv_rows *r, size_t row, size_t col)
{
	char **cell = &r->cells[row * r->ncols + col];
	char *s = *cell;

	*cell = NULL;
	return s;
}

/* Read the tracking table; a table that does not exist yet reads as empty. */
int read_applied_ex(strata_db *db, struct applied_set *out, int with_down)
{
	struct sbuf sql = SBUF_INIT;
	struct drv_rows *r = NULL;
	struct drv_err e;
	int rc, exists = 0, has_up = 0;
	size_t i;

	out->n = 0;
	out->v = NULL;
	rc = tracking_exists(db, &exists, &has_up);
	if (rc || !exists)
		return rc;
	drv_err_init(&e);
	/* The down SQL is the bulk of the table: read it only to roll back. */
	sbuf_addf(&sql, "SELECT version, name, checksum, batch, applied_at, duration_ms, %s, "
	          "state, error, %s FROM %s", with_down ? "down_sql" : "down_sql IS NOT NULL",
	          has_up ? "up_checksum" : "NULL", db->qtable.buf);
	rc = drv_query(db->conn, sql.buf, NULL, 0, &r, &e);
	if (rc) {
		db_error_drv(db, &e, "cannot read the tracking table");
		goto out;
	}
	out->v = calloc(r->nrows ? r->nrows : 1, sizeof *out->v);
	if (!out->v) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < r->nrows; i++) {
		struct applied *a = &out->v[out->n++];
		a->version = take_cell(r, i, 0);
		a->name = take_cell(r, i, 1);
		a->checksum = take_cell(r, i, 2);
		a->batch = drv_cell(r, i, 3) ? strtol(drv_cell(r, i, 3), NULL, 10) : 0;
		a->applied_at = take_cell(r, i, 4);
		a->duration_ms = drv_cell(r, i, 5) ? strtol(drv_cell(r, i, 5), NULL, 10) : 0;
		if (with_down)
			a->down_sql = take_cell(r, i, 6);
		else if (drv_cell(r, i, 6) && (drv_cell(r, i, 6)[0] == 't' || drv_cell(r, i, 6)[0] == '1'))
			a->down_sql = strdup(""); /* only whether there is one */
		a->state = take_cell(r, i, 7);
		a->error = take_cell(r, i, 8);
		a->up_checksum = take_cell(r, i, 9);
		if (!a->version || !a->name || !a->checksum || !a->state) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		if (a->applied_at && strlen(a->applied_at) > 19)
			a->applied_at[19] = '\0'; /* PostgreSQL may add fractions */
	}
	qsort(out->v, out->n, sizeof *out->v, cmp_applied);
out:
	if (rc)
		applied_release(out);
	drv_rows_free(r);
	sbuf_release(&sql);
	drv_err_release(&e);
	return rc;
}

int read_applied(strata_db *db, struct applied_set *out)
{
	return read_applied_ex(db, out, 0);
}

void applied_drop(struct applied_set *s, size_t i)
{
	applied_free_one(&s->v[i]);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof *s->v);
	s->n--;
}

long max_batch(const struct applied_set *a)
{
	long b = 0;
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->v[i].batch > b)
			b = a->v[i].batch;
	return b;
}

/* The hash of m's up section, as the tracking table's up_checksum keeps it
 * ("" when out of memory: it then matches nothing). */
void up_checksum(const struct migration *m, char out[65])
{
	const char *sql = m->up.sql ? m->up.sql : "";

	if (util_sha256_hex_lf(NULL, sql, strlen(sql), out) != 0)
		out[0] = '\0';
}

int record_row(strata_db *db, const struct migration *m, long batch, long ms,
               const char *state, const char *error)
{
	return record_row_at(db, m, batch, ms, state, error, NULL);
}

/* The statement that writes a row of the tracking table, into sql: its
 * duration_ms is $6, or read as exec_then measures it (timed). */
static void row_sql(strata_db *db, int timed, struct sbuf *sql)
{
	sbuf_addf(sql, "INSERT INTO %s (version, name, checksum, batch, applied_at, duration_ms, "
	          "down_sql, state, error, up_checksum) VALUES ($1, $2, $3, $4, $5, ",
	          db->qtable.buf);
	if (timed)
		drv_elapsed_sql(db->conn, 6, sql);
	else
		sbuf_adds(sql, "$6");
	sbuf_adds(sql, ", $7, $8, $9, $10) ON CONFLICT (version) DO UPDATE SET "
	          "name = excluded.name, checksum = excluded.checksum, batch = excluded.batch, "
	          "applied_at = excluded.applied_at, duration_ms = excluded.duration_ms, "
	          "down_sql = excluded.down_sql, state = excluded.state, error = excluded.error, "
	          "up_checksum = excluded.up_checksum");
}

/* The row's parameters, in p[10], from m and the buffers the caller owns. */
struct row_bufs {
	char now[20], bs[24], ds[24], uc[65];
};

static void row_params(const struct migration *m, long batch, long ms, const char *state,
                       const char *error, const char *at, struct row_bufs *b, const char *p[10])
{
	up_checksum(m, b->uc);
	util_now_sql(b->now);
	snprintf(b->bs, sizeof b->bs, "%ld", batch);
	snprintf(b->ds, sizeof b->ds, "%ld", ms);
	p[0] = m->version;
	p[1] = m->name;
	p[2] = m->checksum;
	p[3] = b->bs;
	p[4] = at ? at : b->now;
	p[5] = b->ds;
	p[6] = m->down.sql;
	p[7] = state;
	p[8] = error;
	p[9] = b->uc[0] ? b->uc : NULL;
}

/* The row of m; at: when it was applied (NULL: now). */
int record_row_at(strata_db *db, const struct migration *m, long batch, long ms,
                  const char *state, const char *error, const char *at)
{
	struct sbuf sql = SBUF_INIT;
	struct drv_err e;
	struct row_bufs b;
	const char *p[10];
	int rc;

	drv_err_init(&e);
	row_params(m, batch, ms, state, error, at, &b, p);
	row_sql(db, 0, &sql);
	rc = drv_query(db->conn, sql.buf, p, 10, NULL, &e);
	if (rc)
		db_error_drv(db, &e, "cannot record the migration in the tracking table");
	sbuf_release(&sql);
	drv_err_release(&e);
	return rc;
}

void apply_row_sql(strata_db *db, struct sbuf *sql)
{
	row_sql(db, 1, sql);
}

int apply_and_record(strata_db *db, const struct migration *m, const struct drv_stmts *st,
                     const char *row_sql_kept, long batch, int (*recode)(int code))
{
	struct sbuf sql = SBUF_INIT;
	struct row_bufs b;
	const char *p[10];
	int rc;

	if (!row_sql_kept) {
		row_sql(db, 1, &sql);
		if (sbuf_failed(&sql)) {
			sbuf_release(&sql);
			return db_error(db, STRATA_ENOMEM, "out of memory");
		}
		row_sql_kept = sql.buf;
	}
	/* 0 ms: what is recorded where the engine cannot measure */
	row_params(m, batch, 0, "applied", NULL, NULL, &b, p);
	rc = db_exec_then_at(db, db->conn, m->up.sql, st, m->path, m->up.line, recode, row_sql_kept,
	                     p, 10, 5, "cannot record the migration in the tracking table");
	sbuf_release(&sql);
	return rc;
}

int delete_row(strata_db *db, const char *version)
{
	struct sbuf sql = SBUF_INIT;
	struct drv_err e;
	const char *p[1] = { version };
	int rc;

	drv_err_init(&e);
	sbuf_addf(&sql, "DELETE FROM %s WHERE version = $1", db->qtable.buf);
	rc = drv_query(db->conn, sql.buf, p, 1, NULL, &e);
	if (rc)
		db_error_drv(db, &e, "cannot update the tracking table");
	sbuf_release(&sql);
	drv_err_release(&e);
	return rc;
}
