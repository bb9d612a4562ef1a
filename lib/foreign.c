/*
 * foreign.c: the history tables other migration tools keep (dbmate,
 * golang-migrate, goose, Flyway, Prisma, TypeORM, knex, Drizzle and the
 * `_migrations` up/down runner), found by name AND column shape, so that
 * `up` does not run again what another tool applied (docs/strata-up.md).
 *
 * A table counts only when its columns are exactly the tool's (a user's own
 * `migrations` table is not TypeORM's) and it holds rows. When the tool's
 * versions are the file versions of the migrations directory (dbmate,
 * golang-migrate, goose, Flyway; the leading digits of the names knex,
 * Prisma and the up/down runner record), the version up to which a
 * `strata baseline` records exactly what the tool applied is worked out;
 * when anything does not line up, it is left unknown rather than guessed.
 *
 * One detection (detect(): the catalog query and the shape test) serves
 * both `up`'s refusal (foreign_find, the first table found) and `adopt`
 * (foreign_read, every table found named, one chosen and read).
 */
#include "internal.h"
#include "migration.h"
#include "foreign.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "schema.h"

/* One tool's table. cols: its columns, lower case, sorted, comma-joined.
 * versions: SELECT of (version or name, 1 when that row says the tool
 * stopped halfway), %s the qualified table; rows: the WHERE of the rows that
 * count as history (NULL: all). */
struct tool {
	const char *tool, *table;
	const char *pg_schema;   /* PostgreSQL: this schema only; NULL: search_path */
	const char *cols;
	const char *rows;
	const char *versions;
	int upto;                /* records only the newest: every file up to it is applied */
	/* adopt: SELECT of (version or name or hash, batch, applied at, the tool's
	 * checksum, 1 when stopped halfway), %s the qualified table */
	const char *adopt;
	int sum;                 /* what the checksum is (FOREIGN_SUM_*) */
	int ms_time;             /* applied at is milliseconds since 1970 */
	const char *alias;       /* --from: the lower-case name */
};

static const struct tool tools[] = {
	{ "dbmate", "schema_migrations", NULL, "version", NULL,
	  "SELECT version, 0 FROM %s", 0,
	  "SELECT version, NULL, NULL, NULL, 0 FROM %s", FOREIGN_SUM_NONE, 0, "dbmate" },
	{ "golang-migrate", "schema_migrations", NULL, "dirty,version", NULL,
	  "SELECT version, CASE WHEN dirty THEN 1 ELSE 0 END FROM %s", 1,
	  "SELECT version, NULL, NULL, NULL, CASE WHEN dirty THEN 1 ELSE 0 END FROM %s",
	  FOREIGN_SUM_NONE, 0, "golang-migrate" },
	{ "goose", "goose_db_version", NULL, "id,is_applied,tstamp,version_id", "version_id <> 0",
	  /* a version counts when its latest row applied it */
	  "SELECT version_id, 0 FROM %s WHERE version_id <> 0 GROUP BY version_id "
	  "HAVING max(id) = max(CASE WHEN is_applied THEN id END)", 0,
	  "SELECT version_id, NULL, max(tstamp), NULL, 0 FROM %s WHERE version_id <> 0 "
	  "GROUP BY version_id HAVING max(id) = max(CASE WHEN is_applied THEN id END)",
	  FOREIGN_SUM_NONE, 0, "goose" },
	{ "Flyway", "flyway_schema_history", NULL,
	  "checksum,description,execution_time,installed_by,installed_on,installed_rank,script,"
	  "success,type,version", NULL,
	  "SELECT version, CASE WHEN success THEN 0 ELSE 1 END FROM %s WHERE version IS NOT NULL", 0,
	  "SELECT version, NULL, installed_on, checksum, CASE WHEN success THEN 0 ELSE 1 END "
	  "FROM %s WHERE version IS NOT NULL", FOREIGN_SUM_FLYWAY, 0, "flyway" },
	{ "Prisma", "_prisma_migrations", NULL,
	  "applied_steps_count,checksum,finished_at,id,logs,migration_name,rolled_back_at,started_at",
	  "rolled_back_at IS NULL",
	  "SELECT migration_name, CASE WHEN finished_at IS NULL THEN 1 ELSE 0 END FROM %s "
	  "WHERE rolled_back_at IS NULL", 0,
	  "SELECT migration_name, NULL, finished_at, checksum, CASE WHEN finished_at IS NULL "
	  "THEN 1 ELSE 0 END FROM %s WHERE rolled_back_at IS NULL", FOREIGN_SUM_SHA256, 0, "prisma" },
	{ "TypeORM", "migrations", NULL, "id,name,timestamp", NULL,
	  "SELECT \"timestamp\", 0 FROM %s", 0,
	  "SELECT \"timestamp\", NULL, NULL, NULL, 0 FROM %s", FOREIGN_SUM_NONE, 0, "typeorm" },
	{ "knex", "knex_migrations", NULL, "batch,id,migration_time,name", NULL,
	  "SELECT name, 0 FROM %s", 0,
	  "SELECT name, batch, migration_time, NULL, 0 FROM %s", FOREIGN_SUM_NONE, 0, "knex" },
	{ "Drizzle", "__drizzle_migrations", "drizzle", "created_at,hash,id", NULL, NULL, 0,
	  "SELECT hash, NULL, created_at, hash, 0 FROM %s", FOREIGN_SUM_DRIZZLE, 1, "drizzle" },
	{ "an up/down runner", "_migrations", NULL, "batch,executed_at,id,name", NULL,
	  "SELECT name, 0 FROM %s", 0,
	  "SELECT name, batch, executed_at, NULL, 0 FROM %s", FOREIGN_SUM_NONE, 0, "runner" },
};
#define NTOOLS (sizeof tools / sizeof tools[0])

void foreign_release(struct foreign_history *h)
{
	free(h->table);
	free(h->newest);
	free(h->baseline);
	memset(h, 0, sizeof *h);
}

static int is_pg(strata_db *db)
{
	return db->conn->driver->engine == SCHEMA_PG;
}

/* The version a recorded value stands for: its leading digits ("0003" of
 * "0003_users.sql", "20240101120000" of "20240101120000_init"), when they
 * are the whole value or end at '_'. NULL otherwise (to free). */
static char *version_of(const char *v)
{
	size_t n = 0;

	if (!v)
		return NULL;
	while (v[n] >= '0' && v[n] <= '9')
		n++;
	if (!n || n > 32 || (v[n] && v[n] != '_'))
		return NULL;
	return strndup(v, n);
}

static int cmp_version_ptr(const void *a, const void *b)
{
	return version_cmp(*(char *const *)a, *(char *const *)b);
}

/*
 * h->newest, and h->baseline when the recorded versions are exactly the
 * files of ms up to the newest of them. The rows of r: (value, stopped).
 */
static int work_out_versions(struct foreign_history *h, const struct drv_rows *r,
                             const struct migration_set *ms, int upto)
{
	char **v = NULL;
	size_t i, n = 0;
	int all = 1, rc = 0;

	v = calloc(r->nrows ? r->nrows : 1, sizeof *v);
	if (!v)
		return STRATA_ENOMEM;
	for (i = 0; i < r->nrows; i++) {
		const char *stopped = drv_cell(r, i, 1);
		char *ver = version_of(drv_cell(r, i, 0));
		if (stopped && strcmp(stopped, "0") != 0)
			h->stopped = 1;
		if (!ver) {
			all = 0;
			continue;
		}
		v[n++] = ver;
	}
	if (n) {
		qsort(v, n, sizeof *v, cmp_version_ptr);
		h->newest = strdup(v[n - 1]);
		if (!h->newest)
			rc = STRATA_ENOMEM;
	}
	if (!rc && n && all && !h->stopped && ms && upto) {
		/* golang-migrate: one row, the version everything up to is at */
		const struct migration *m = n == 1 ? migrations_find(ms, v[0]) : NULL;
		if (m && !(h->baseline = strdup(m->version)))
			rc = STRATA_ENOMEM;
	} else if (!rc && n && all && !h->stopped && ms) {
		/* Every recorded version has its file, and every file up to the
		 * newest is recorded: then and only then is baseline exact. */
		size_t k = 0, j;
		int exact = 1;
		for (j = 0; j < ms->n && exact; j++) {
			if (version_cmp(ms->v[j].version, v[n - 1]) > 0)
				break;
			while (k < n && version_cmp(v[k], ms->v[j].version) < 0)
				k++;
			if (k >= n || version_cmp(v[k], ms->v[j].version) != 0)
				exact = 0;
		}
		/* and none of the recorded ones is without a file */
		for (k = 0; k < n && exact; k++)
			if (!migrations_find(ms, v[k]))
				exact = 0;
		if (exact && !(h->baseline = strdup(migrations_find(ms, v[n - 1])->version)))
			rc = STRATA_ENOMEM;
	}
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}

/* Count the history rows of table qt (quoted) per spec t; then its versions. */
static int look_at(strata_db *db, const struct tool *t, const char *qt,
                   const struct migration_set *ms, struct foreign_history *h)
{
	struct sbuf sql = SBUF_INIT;
	struct drv_rows *r = NULL;
	struct drv_err e;
	int rc;

	drv_err_init(&e);
	sbuf_addf(&sql, "SELECT count(*) FROM %s%s%s", qt, t->rows ? " WHERE " : "",
	          t->rows ? t->rows : "");
	if (sbuf_failed(&sql)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	rc = drv_query(db->conn, sql.buf, NULL, 0, &r, &e);
	if (rc) {
		rc = db_error_drv(db, &e, "cannot read another tool's history table");
		goto out;
	}
	h->rows = r->nrows && drv_cell(r, 0, 0) ? strtoll(drv_cell(r, 0, 0), NULL, 10) : 0;
	drv_rows_free(r);
	r = NULL;
	if (h->rows <= 0 || !t->versions)
		goto out;
	sbuf_reset(&sql);
	sbuf_addf(&sql, t->versions, qt);
	if (sbuf_failed(&sql)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	rc = drv_query(db->conn, sql.buf, NULL, 0, &r, &e);
	if (rc) {
		rc = db_error_drv(db, &e, "cannot read another tool's history table");
		goto out;
	}
	if (work_out_versions(h, r, ms, t->upto) != 0)
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
out:
	drv_rows_free(r);
	sbuf_release(&sql);
	drv_err_release(&e);
	return rc;
}

/*
 * Called by detect() for each history table found with rows: tool tl's
 * table, quoted and qualified (qt) and as shown (disp), and what look_at()
 * saw in it (h: the callee may take its contents, leaving it zeroed).
 * 1 stops the search, 0 goes on, negative is an error (on db's handle).
 */
typedef int (*found_fn)(strata_db *db, const struct tool *tl, const char *qt, const char *disp,
                        struct foreign_history *h, void *payload);

/*
 * The detection, for `up`'s refusal (foreign_find) and adopt's reading
 * (foreign_read) alike: one catalog query for every candidate table with
 * its columns, then each table whose name and columns are a tool's (and,
 * on PostgreSQL, whose schema is that tool's or on the search path) is
 * looked at (look_at, with ms when given); those with rows go to fn.
 */
static int detect(strata_db *db, const struct migration_set *ms, found_fn fn, void *payload)
{
	struct sbuf sql = SBUF_INIT, cols = SBUF_INIT, qt = SBUF_INIT, disp = SBUF_INIT;
	struct drv_rows *r = NULL;
	struct drv_err e;
	const char *params[1];
	size_t i, k;
	int rc, stop = 0;

	drv_err_init(&e);
	/* Every candidate table with its columns, one row per column. */
	if (is_pg(db)) {
		sbuf_adds(&sql, "SELECT n.nspname, c.relname, lower(a.attname), "
		          "n.nspname = ANY (current_schemas(false)) OR n.nspname = $1 "
		          "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		          "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
		          "AND NOT a.attisdropped WHERE c.relkind IN ('r', 'p') AND c.relname IN (");
		params[0] = db->pg_schema ? db->pg_schema : "";
	} else {
		sbuf_adds(&sql, "SELECT 'main', m.name, lower(p.name), 1 FROM sqlite_schema m "
		          "JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name IN (");
		params[0] = NULL;
	}
	for (i = 0; i < NTOOLS; i++) {
		if (i)
			sbuf_adds(&sql, ", ");
		sbuf_add_literal(&sql, tools[i].table);
	}
	sbuf_adds(&sql, ") ORDER BY 1, 2, 3");
	if (sbuf_failed(&sql)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	rc = drv_query(db->conn, sql.buf, params, params[0] ? 1 : 0, &r, &e);
	if (rc) {
		rc = db_error_drv(db, &e, "cannot look for other tools' history tables");
		goto out;
	}
	/* One table at a time: [i, k) are its columns. */
	for (i = 0; i < r->nrows && !stop; i = k) {
		const char *nsp = drv_cell(r, i, 0), *rel = drv_cell(r, i, 1);
		const char *in_path = drv_cell(r, i, 3);
		size_t t;

		sbuf_reset(&cols);
		for (k = i; k < r->nrows && !strcmp(drv_cell(r, k, 0), nsp) &&
		     !strcmp(drv_cell(r, k, 1), rel); k++)
			sbuf_addf(&cols, "%s%s", k > i ? "," : "", drv_cell(r, k, 2));
		if (sbuf_failed(&cols)) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		for (t = 0; t < NTOOLS && !stop; t++) {
			const struct tool *tl = &tools[t];
			struct foreign_history h;

			if (strcmp(tl->table, rel) != 0 || strcmp(tl->cols, cols.buf) != 0)
				continue;
			if (is_pg(db) && (tl->pg_schema ? strcmp(tl->pg_schema, nsp) != 0
			                                : !(in_path && (in_path[0] == 't' || in_path[0] == '1'))))
				continue;
			sbuf_reset(&qt);
			sbuf_reset(&disp);
			if (is_pg(db)) {
				sbuf_add_ident(&qt, nsp);
				sbuf_addc(&qt, '.');
				sbuf_addf(&disp, "%s.", nsp);
			}
			sbuf_add_ident(&qt, rel);
			sbuf_adds(&disp, rel);
			if (sbuf_failed(&qt) || sbuf_failed(&disp)) {
				rc = db_error(db, STRATA_ENOMEM, "out of memory");
				goto out;
			}
			memset(&h, 0, sizeof h);
			if ((rc = look_at(db, tl, qt.buf, ms, &h)) != 0) {
				foreign_release(&h);
				goto out;
			}
			if (h.rows > 0 && (rc = fn(db, tl, qt.buf, disp.buf, &h, payload)) != 0) {
				foreign_release(&h);
				if (rc < 0)
					goto out;
				rc = 0;
				stop = 1;
				break;
			}
			foreign_release(&h);
		}
	}
out:
	drv_rows_free(r);
	sbuf_release(&sql);
	sbuf_release(&cols);
	sbuf_release(&qt);
	sbuf_release(&disp);
	drv_err_release(&e);
	return rc;
}

/* foreign_find's: the first table found is the one. */
static int found_first(strata_db *db, const struct tool *tl, const char *qt, const char *disp,
                       struct foreign_history *h, void *payload)
{
	struct foreign_history *out = payload;

	(void)qt;
	*out = *h;
	memset(h, 0, sizeof *h);
	out->tool = tl->tool;
	if (!(out->table = strdup(disp)))
		return db_error(db, STRATA_ENOMEM, "out of memory");
	return 1;
}

int foreign_find(strata_db *db, const struct migration_set *ms, struct foreign_history *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	rc = detect(db, ms, found_first, out);
	if (rc)
		foreign_release(out);
	return rc;
}

int strata_foreign_find(strata_db *db, strata_foreign **out)
{
	struct migration_set ms = { 0 };
	struct sbuf err = SBUF_INIT;
	struct foreign_history h;
	strata_foreign *o;
	int rc, have_files;

	*out = NULL;
	db_clear_error(db);
	if (!db->conn)
		return db->errcode ? db->errcode : db_error(db, STRATA_ECONNECT, "not connected");
	/* The files only sharpen the answer (baseline): without them, none. */
	have_files = migrations_load(db->dir, &ms, &err) == 0;
	sbuf_release(&err);
	rc = foreign_find(db, have_files ? &ms : NULL, &h);
	migrations_release(&ms);
	if (rc || !h.tool)
		return rc;
	o = calloc(1, sizeof *o);
	if (!o) {
		foreign_release(&h);
		return db_error(db, STRATA_ENOMEM, "out of memory");
	}
	o->tool = h.tool;
	o->table = h.table;
	o->rows = h.rows;
	o->newest = h.newest;
	o->baseline = h.baseline;
	o->stopped = h.stopped;
	*out = o;
	return 0;
}

void strata_foreign_free(strata_foreign *h)
{
	if (!h)
		return;
	free((char *)h->table);
	free((char *)h->newest);
	free((char *)h->baseline);
	free(h);
}

/* ---- adopt ---------------------------------------------------------------- */

static int cmp_lower(const void *a, const void *b)
{
	return strcasecmp(*(char *const *)a, *(char *const *)b);
}

void foreign_rows_release(struct foreign_rows *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->v[i].key);
		free(h->v[i].at);
		free(h->v[i].sum);
	}
	free(h->v);
	free(h->table);
	free(h->found);
	memset(h, 0, sizeof *h);
}

/* "2023-11-14 22:13:20" of milliseconds since 1970 (UTC); NULL if unreadable. */
static char *time_of_ms(const char *v)
{
	char buf[32];
	struct tm tm;
	time_t t;
	long long ms;
	char *end;

	if (!v)
		return NULL;
	ms = strtoll(v, &end, 10);
	if (*end || ms <= 0)
		return NULL;
	t = (time_t)(ms / 1000);
	if (!gmtime_r(&t, &tm) || strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return NULL;
	return strdup(buf);
}

static int name_is(const struct tool *t, const char *from)
{
	return !strcasecmp(from, t->alias) || !strcasecmp(from, t->tool) ||
	       !strcasecmp(from, t->table) ||
	       (!strcmp(t->alias, "runner") && !strcasecmp(from, "seed-004")) ||
	       (!strcmp(t->alias, "golang-migrate") && !strcasecmp(from, "migrate"));
}

int foreign_known(const char *from)
{
	size_t t;

	for (t = 0; t < NTOOLS; t++)
		if (name_is(&tools[t], from))
			return 1;
	return 0;
}

/* foreign_read's: every table found is named; the one asked for, or the
 * first, is chosen. */
struct found_all {
	const char *from;
	struct sbuf found, chosen_qt, chosen_disp;
	size_t nfound;
	const struct tool *chosen;
};

static int found_all(strata_db *db, const struct tool *tl, const char *qt, const char *disp,
                     struct foreign_history *h, void *payload)
{
	struct found_all *f = payload;

	(void)db;
	(void)h;
	sbuf_addf(&f->found, "%s%s ('%s')", f->nfound ? ", " : "", tl->tool, disp);
	f->nfound++;
	if (!f->chosen && (!f->from || name_is(tl, f->from))) {
		f->chosen = tl;
		sbuf_reset(&f->chosen_qt);
		sbuf_reset(&f->chosen_disp);
		sbuf_adds(&f->chosen_qt, qt);
		sbuf_adds(&f->chosen_disp, disp);
	}
	return 0;
}

int foreign_read(strata_db *db, const char *from, struct foreign_rows *out)
{
	struct found_all f = { from, SBUF_INIT, SBUF_INIT, SBUF_INIT, 0, NULL };
	struct sbuf sql = SBUF_INIT;
	struct drv_rows *rows = NULL;
	struct drv_err e;
	const struct tool *chosen;
	size_t i, nfound;
	int rc;

	memset(out, 0, sizeof *out);
	drv_err_init(&e);
	/* Every tool's table with rows: the one asked for, or the only one. */
	if ((rc = detect(db, NULL, found_all, &f)) != 0)
		goto out;
	chosen = f.chosen;
	nfound = f.nfound;
	if (sbuf_failed(&f.found) || sbuf_failed(&f.chosen_qt) || sbuf_failed(&f.chosen_disp)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	out->nfound = nfound;
	out->found = sbuf_detach(&f.found);
	if (!chosen)
		goto out;
	out->tool = chosen->tool;
	out->table = sbuf_detach(&f.chosen_disp);
	out->sum = chosen->sum;
	out->upto = chosen->upto;
	out->by_hash = chosen->sum == FOREIGN_SUM_DRIZZLE;
	if (!out->table) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	sbuf_reset(&sql);
	sbuf_addf(&sql, chosen->adopt, f.chosen_qt.buf);
	if (sbuf_failed(&sql)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	rc = drv_query(db->conn, sql.buf, NULL, 0, &rows, &e);
	if (rc) {
		rc = db_error_drv(db, &e, "cannot read another tool's history table");
		goto out;
	}
	out->v = calloc(rows->nrows ? rows->nrows : 1, sizeof *out->v);
	if (!out->v) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < rows->nrows; i++) {
		struct foreign_entry *fe = &out->v[out->n++];
		const char *b = drv_cell(rows, i, 1), *st = drv_cell(rows, i, 4);
		fe->key = xstrdup_or_null(drv_cell(rows, i, 0));
		fe->batch = b ? strtol(b, NULL, 10) : 0;
		fe->at = chosen->ms_time ? time_of_ms(drv_cell(rows, i, 2))
		                         : xstrdup_or_null(drv_cell(rows, i, 2));
		if (fe->at && strlen(fe->at) > 19)
			fe->at[19] = '\0'; /* PostgreSQL's fractions */
		fe->sum = xstrdup_or_null(drv_cell(rows, i, 3));
		fe->stopped = st && strcmp(st, "0") != 0;
		if (!fe->key) {
			rc = db_error(db, STRATA_EPARSE, "%s's history table '%s' has a row without "
			              "a version", out->tool, out->table);
			goto out;
		}
	}
out:
	if (rc)
		foreign_rows_release(out);
	drv_rows_free(rows);
	sbuf_release(&sql);
	sbuf_release(&f.found);
	sbuf_release(&f.chosen_qt);
	sbuf_release(&f.chosen_disp);
	drv_err_release(&e);
	return rc;
}

char *foreign_version_of(const char *key)
{
	return version_of(key);
}

/*
 * Flyway's checksum: CRC-32 over the script's lines, each without its line
 * ending (a BOM dropped from the first), as a signed 32-bit number.
 */
long foreign_flyway_crc(const char *text, size_t len)
{
	uint32_t crc = 0xffffffffu;
	size_t i = 0;

	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		int b;
		if (c == '\r' || c == '\n') {
			if (c == '\r' && i + 1 < len && text[i + 1] == '\n')
				i++;
			continue;
		}
		crc ^= c;
		for (b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return (long)(int32_t)(crc ^ 0xffffffffu);
}

/*
 * Drop from a schema model the tables that are another tool's history by
 * name and columns (kept for that tool after strata adopt took it over):
 * they are not the application's schema, and never drift.
 */
void foreign_filter(struct schema *s)
{
	struct sbuf cols = SBUF_INIT;
	size_t i = 0, t, c;

	while (i < s->ntables) {
		struct schema_table *tb = s->tables[i];
		int drop = 0;
		for (t = 0; t < NTOOLS && !drop; t++) {
			char **names;
			if (schema_name_cmp(s, tb->name, tools[t].table) != 0)
				continue;
			if (s->engine != SCHEMA_SQLITE && tools[t].pg_schema &&
			    (!tb->schema || strcmp(tb->schema, tools[t].pg_schema)))
				continue;
			names = calloc(tb->ncolumns ? tb->ncolumns : 1, sizeof *names);
			if (!names)
				break;
			for (c = 0; c < tb->ncolumns; c++)
				names[c] = tb->columns[c].name;
			qsort(names, tb->ncolumns, sizeof *names, cmp_lower);
			sbuf_reset(&cols);
			for (c = 0; c < tb->ncolumns; c++) {
				const char *p;
				if (c)
					sbuf_addc(&cols, ',');
				for (p = names[c]; *p; p++)
					sbuf_addc(&cols, (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p));
			}
			free(names);
			drop = !sbuf_failed(&cols) && cols.buf && !strcmp(cols.buf, tools[t].cols);
		}
		if (drop)
			schema_remove_table(s, tb);
		else
			i++;
	}
	sbuf_release(&cols);
	/* PostgreSQL: Drizzle's own schema, once its table is gone, when
	 * nothing else is in it */
	for (i = 0; s->engine == SCHEMA_PG && i < s->nnamespaces; i++) {
		struct schema_namespace *ns = s->namespaces[i];
		int used = 0;
		if (strcmp(ns->name, "drizzle") != 0)
			continue;
		for (c = 0; c < s->ntables && !used; c++)
			used = s->tables[c]->schema && !strcmp(s->tables[c]->schema, ns->name);
		for (c = 0; c < s->nviews && !used; c++)
			used = s->views[c]->schema && !strcmp(s->views[c]->schema, ns->name);
		for (c = 0; c < s->nenums && !used; c++)
			used = s->enums[c]->schema && !strcmp(s->enums[c]->schema, ns->name);
		for (c = 0; c < s->nsequences && !used; c++)
			used = s->sequences[c]->schema && !strcmp(s->sequences[c]->schema, ns->name);
		for (c = 0; c < s->nfunctions && !used; c++)
			used = s->functions[c]->schema && !strcmp(s->functions[c]->schema, ns->name);
		if (used)
			continue;
		free(ns->name);
		free(ns);
		memmove(&s->namespaces[i], &s->namespaces[i + 1],
		        (s->nnamespaces - i - 1) * sizeof *s->namespaces);
		s->nnamespaces--;
		break;
	}
}
