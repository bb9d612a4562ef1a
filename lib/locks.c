/*
 * locks.c: `strata lint --explain-locks`: which locks PostgreSQL takes for
 * each statement of the pending migrations, as the server itself reports
 * them in pg_locks, not as a rule table guesses them.
 *
 * Never on the live database: its schema (what `dump` renders) is loaded
 * into a scratch database (scratch.c: --dev-url, or one made on the same
 * server and dropped), and there every statement runs twice: first in a
 * transaction, where pg_locks is read for our own backend and the
 * transaction rolled back; then on its own, so that the next statement
 * finds what this one made. Measuring each statement alone is what keeps a
 * lock from hiding behind an earlier statement's: a mode a transaction
 * already holds does not show again. Relations the live database does not
 * have (made by the pending migrations) are marked new: nobody waits on
 * them. Catalog and TOAST relations are left out: every DDL statement
 * touches those, and nothing a user runs queues behind them for long.
 *
 * A statement that cannot run in a transaction (CREATE INDEX CONCURRENTLY,
 * VACUUM...) is not measured: the lock the manual gives it is reported,
 * marked documented, and it is run on its own to move the scratch on.
 */
#include "locks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "dl_pg_query.h"
#include "inspect.h"
#include "internal.h"
#include "migration.h"
#include "schema.h"
#include "scratch.h"

/* The table-level lock modes, weakest first (the manual's order, 13.3.1). */
static const char *const modes[] = {
	"AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
	"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock",
};
#define NMODES (sizeof modes / sizeof modes[0])

static int mode_rank(const char *m)
{
	size_t i;

	for (i = 0; m && i < NMODES; i++)
		if (strcmp(m, modes[i]) == 0)
			return (int)i;
	return -1;
}

static const char *kind_of(const char *relkind)
{
	switch (relkind ? relkind[0] : 0) {
	case 'r': return "table";
	case 'p': return "partitioned table";
	case 'i': return "index";
	case 'I': return "partitioned index";
	case 'S': return "sequence";
	case 'v': return "view";
	case 'm': return "materialized view";
	case 'f': return "foreign table";
	case 'c': return "composite type";
	case 't': return "toast table";
	}
	return "relation";
}

/* What the run keeps: the scratch connection and the live relations. */
struct run {
	strata_db *db;
	drv_conn *conn;          /* the scratch database */
	unsigned long *oids;     /* relations of the live schema, sorted */
	size_t noids;
	struct lock_report *rep;
	size_t alloc;
	int nomem;
};

/* One pending migration's up section, copied out of its parse. */
struct item {
	char *path, *sql;
	long line;
};

struct items {
	struct item *v;
	size_t n, alloc;
};

static void items_release(struct items *it)
{
	size_t i;

	for (i = 0; i < it->n; i++) {
		free(it->v[i].path);
		free(it->v[i].sql);
	}
	free(it->v);
	memset(it, 0, sizeof *it);
}

static int items_add(struct items *it, const char *path, const struct migration *m)
{
	struct item *v;

	if (!m->up.sql)
		return 0;
	if (it->n == it->alloc) {
		size_t na = it->alloc ? it->alloc * 2 : 8;
		if (!(v = realloc(it->v, na * sizeof *v)))
			return STRATA_ENOMEM;
		it->v = v;
		it->alloc = na;
	}
	v = &it->v[it->n];
	v->path = strdup(path);
	v->sql = strdup(m->up.sql);
	v->line = m->up.line;
	if (!v->path || !v->sql) {
		free(v->path);
		free(v->sql);
		return STRATA_ENOMEM;
	}
	it->n++;
	return 0;
}

static int add_dir(strata_db *db, const char *dir, const strata_report *st, struct items *it)
{
	struct migration_set set = { 0 };
	struct sbuf err = SBUF_INIT;
	size_t i;
	int rc;

	rc = migrations_load(dir, &set, &err);
	if (rc)
		db_error(db, rc, "%s", sbuf_failed(&err) ? "out of memory" : err.buf);
	for (i = 0; !rc && i < set.n; i++)
		if (!lint_is_applied(st, set.v[i].path) && (rc = items_add(it, set.v[i].path, &set.v[i])) != 0)
			db_error(db, rc, "out of memory");
	migrations_release(&set);
	sbuf_release(&err);
	return rc;
}

static int add_file(strata_db *db, const char *path, const strata_report *st, struct items *it)
{
	struct sbuf content = SBUF_INIT, err = SBUF_INIT;
	struct migration m;
	int rc;

	memset(&m, 0, sizeof m);
	if (lint_is_applied(st, path))
		return 0;
	rc = util_read_file(path, &content);
	if (rc) {
		rc = db_error(db, rc, "%s: %s", path, rc == STRATA_ENOTFOUND ? "no such file" :
		              rc == STRATA_ENOMEM ? "out of memory" : util_file_strerror(errno));
		goto out;
	}
	if ((rc = migration_parse(&m, path, content.buf, content.len, &err)) != 0) {
		db_error(db, rc, "%s", sbuf_failed(&err) ? "out of memory" : err.buf);
		goto out;
	}
	if ((rc = items_add(it, path, &m)) != 0)
		db_error(db, rc, "out of memory");
out:
	migration_release(&m);
	sbuf_release(&content);
	sbuf_release(&err);
	return rc;
}

/* The pending migrations, in the order they would run. */
static int pending(strata_db *db, const char *const *files, size_t nfiles, struct items *it)
{
	strata_report *st = NULL;
	struct stat sb;
	size_t i;
	int rc;

	if ((rc = strata_status(db, &st)) != 0)
		return rc;
	if (!files || !nfiles) {
		rc = add_dir(db, db->dir, st, it);
	} else {
		for (i = 0; !rc && i < nfiles; i++) {
			if (!files[i] || !*files[i])
				rc = db_error(db, STRATA_EUSAGE, "an empty file name");
			else if (stat(files[i], &sb) == 0 && S_ISDIR(sb.st_mode))
				rc = add_dir(db, files[i], st, it);
			else
				rc = add_file(db, files[i], st, it);
		}
	}
	strata_report_free(st);
	return rc;
}

/* ---- the scratch database ------------------------------------------------- */

/* The live schema, as `dump` renders it, into the scratch database. What
 * the model does not carry is said: a statement on it will fail there. */
static int copy_live_schema(struct run *r)
{
	struct schema *s = NULL;
	struct sbuf sql = SBUF_INIT;
	struct drv_err e;
	size_t i;
	int rc;

	if ((rc = inspect_load(r->db, 0, &s)) != 0)
		goto out;
	if (s->unmodeled.n) {
		struct sbuf what = SBUF_INIT;
		for (i = 0; i < s->unmodeled.n && i < 5; i++)
			sbuf_addf(&what, "%s%s", i ? ", " : "", s->unmodeled.v[i]);
		if (s->unmodeled.n > 5)
			sbuf_addf(&what, " and %zu more", s->unmodeled.n - 5);
		db_log(r->db, STRATA_LOG_WARN, "the database holds what strata's model does not carry, "
		       "left out of the scratch copy (statements on it will not be measured): %s",
		       sbuf_failed(&what) ? "(out of memory)" : what.buf);
		sbuf_release(&what);
	}
	rc = schema_render_sql(s, s->engine, &sql);
	if (!rc && sbuf_failed(&sql))
		rc = STRATA_ENOMEM;
	if (rc) {
		rc = db_error(r->db, rc, "%s", rc == STRATA_ENOMEM ? "out of memory"
		                               : "cannot render the live schema");
		goto out;
	}
	drv_err_init(&e);
	if ((rc = drv_exec(r->conn, sql.buf, &e)) != 0)
		db_error_drv(r->db, &e, "cannot copy the live schema (as `strata dump` gives it) into "
		             "the scratch database");
	drv_err_release(&e);
out:
	schema_free(s);
	sbuf_release(&sql);
	return rc;
}

static int cmp_oid(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The relations of the scratch database now: those of the live schema. */
static int note_live_relations(struct run *r)
{
	struct drv_rows *rows = NULL;
	struct drv_err e;
	size_t i;
	int rc;

	drv_err_init(&e);
	rc = drv_query(r->conn, "SELECT oid::text FROM pg_catalog.pg_class", NULL, 0, &rows, &e);
	if (rc) {
		db_error_drv(r->db, &e, "cannot list the scratch database's relations");
		goto out;
	}
	if (rows->nrows && !(r->oids = calloc(rows->nrows, sizeof *r->oids))) {
		rc = db_error(r->db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < rows->nrows; i++)
		if (drv_cell(rows, i, 0))
			r->oids[r->noids++] = strtoul(drv_cell(rows, i, 0), NULL, 10);
	qsort(r->oids, r->noids, sizeof *r->oids, cmp_oid);
out:
	drv_rows_free(rows);
	drv_err_release(&e);
	return rc;
}

static int is_live(const struct run *r, const char *oid)
{
	unsigned long o;

	if (!oid || !r->noids)
		return 0;
	o = strtoul(oid, NULL, 10);
	return bsearch(&o, r->oids, r->noids, sizeof o, cmp_oid) != NULL;
}

/* ---- the report ------------------------------------------------------------ */

static struct lock_stmt *stmt_add(struct run *r, const char *file, long line, const char *text,
                                  size_t len)
{
	struct lock_stmt *s;

	if (r->rep->n == r->alloc) {
		size_t na = r->alloc ? r->alloc * 2 : 16;
		if (!(s = realloc(r->rep->v, na * sizeof *s))) {
			r->nomem = 1;
			return NULL;
		}
		r->rep->v = s;
		r->alloc = na;
	}
	s = &r->rep->v[r->rep->n];
	memset(s, 0, sizeof *s);
	s->file = strdup(file);
	s->statement = sbuf_strndup(text, len);
	s->line = line;
	if (!s->file || !s->statement) {
		free(s->file);
		free(s->statement);
		r->nomem = 1;
		return NULL;
	}
	r->rep->n++;
	return s;
}

static void lock_add(struct run *r, struct lock_stmt *s, const char *relation, const char *relkind,
                     const char *mode, int granted, int is_new, int documented)
{
	struct lock_held *v, *l;
	int rank = mode_rank(mode);

	if (rank < 0)
		return;
	if (!(v = realloc(s->locks, (s->nlocks + 1) * sizeof *v))) {
		r->nomem = 1;
		return;
	}
	s->locks = v;
	l = &v[s->nlocks];
	if (!(l->relation = strdup(relation))) {
		r->nomem = 1;
		return;
	}
	l->kind = kind_of(relkind);
	l->mode = modes[rank];
	l->granted = granted;
	l->is_new = is_new;
	l->documented = documented;
	s->nlocks++;
}

/* By relation, strongest mode first. */
static int cmp_lock(const void *a, const void *b)
{
	const struct lock_held *x = a, *y = b;
	int c = strcmp(x->relation, y->relation);

	return c ? c : mode_rank(y->mode) - mode_rank(x->mode);
}

static void not_measured(struct run *r, struct lock_stmt *s, const char *why, const char *detail,
                         int failed)
{
	struct sbuf sb = SBUF_INIT;

	/* "why (detail)", or "why: detail" when why ends with its colon */
	sbuf_adds(&sb, why);
	if (detail && *detail) {
		int colon = why[0] && why[strlen(why) - 1] == ':';
		sbuf_adds(&sb, colon ? " " : " (");
		drv_add_flat(&sb, detail);
		if (!colon)
			sbuf_adds(&sb, ")");
	}
	sbuf_escape_controls(&sb, 0);
	s->measured = 0;
	s->failed = failed;
	if (!(s->not_measured = sbuf_detach(&sb)))
		r->nomem = 1;
	if (failed)
		r->rep->failed++;
}

/* ---- measuring --------------------------------------------------------------- */

/* Our own backend's relation locks in this database, named while the
 * transaction still sees what the statement made. */
static const char locks_sql[] =
	"SELECT l.relation::text, l.mode, l.granted::text, n.nspname, "
	"CASE WHEN c.oid IS NULL THEN NULL "
	"ELSE pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) END, "
	"c.relkind::text "
	"FROM pg_catalog.pg_locks l "
	"LEFT JOIN pg_catalog.pg_class c ON c.oid = l.relation "
	"LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	"WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' "
	"AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d "
	"WHERE d.datname = pg_catalog.current_database())";

/* A relation by oid, after the rollback (a statement that dropped it took
 * its name with it until then). */
static const char name_by_oid_sql[] =
	"SELECT n.nspname, pg_catalog.quote_ident(n.nspname) || '.' || "
	"pg_catalog.quote_ident(c.relname), c.relkind::text "
	"FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	"WHERE c.oid = $1::oid";

static int system_schema(const char *nsp)
{
	return nsp && (strcmp(nsp, "pg_catalog") == 0 || strcmp(nsp, "information_schema") == 0 ||
	               strncmp(nsp, "pg_toast", 8) == 0);
}

static void record_locks(struct run *r, struct lock_stmt *s, struct drv_rows *rows)
{
	struct drv_rows *one;
	struct drv_err e;
	const char *p[1];
	size_t i;

	for (i = 0; i < rows->nrows && !r->nomem; i++) {
		const char *oid = drv_cell(rows, i, 0), *nsp = drv_cell(rows, i, 3);
		const char *name = drv_cell(rows, i, 4), *kind = drv_cell(rows, i, 5);
		int granted = drv_cell(rows, i, 2) && drv_cell(rows, i, 2)[0] == 't';

		if (!name) {
			/* dropped by the statement: the rollback gave it back */
			one = NULL;
			p[0] = oid;
			drv_err_init(&e);
			if (oid && drv_query(r->conn, name_by_oid_sql, p, 1, &one, &e) == 0 && one->nrows == 1) {
				if (!system_schema(drv_cell(one, 0, 0)) && drv_cell(one, 0, 1))
					lock_add(r, s, drv_cell(one, 0, 1), drv_cell(one, 0, 2),
					         drv_cell(rows, i, 1), granted, !is_live(r, oid), 0);
			}
			/* else: made and dropped by the statement itself */
			drv_rows_free(one);
			drv_err_release(&e);
			continue;
		}
		if (system_schema(nsp))
			continue;
		lock_add(r, s, name, kind, drv_cell(rows, i, 1), granted, !is_live(r, oid), 0);
	}
	if (s->nlocks > 1)
		qsort(s->locks, s->nlocks, sizeof *s->locks, cmp_lock);
}

/* A relation named in a statement (schema may be NULL), as the scratch
 * database resolves it now; index_table: the table of that index instead. */
static void documented_lock(struct run *r, struct lock_stmt *s, const char *schema,
                            const char *name, int index_table, const char *mode)
{
	struct sbuf q = SBUF_INIT;
	struct drv_rows *rows = NULL;
	struct drv_err e;
	const char *p[1];

	if (!name)
		return;
	if (schema) {
		sbuf_add_ident(&q, schema);
		sbuf_addc(&q, '.');
	}
	sbuf_add_ident(&q, name);
	if (sbuf_failed(&q)) {
		r->nomem = 1;
		return;
	}
	p[0] = q.buf;
	drv_err_init(&e);
	if (drv_query(r->conn, index_table
	              ? "SELECT c.oid::text, pg_catalog.quote_ident(n.nspname) || '.' || "
	                "pg_catalog.quote_ident(c.relname), c.relkind::text FROM pg_catalog.pg_class c "
	                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = "
	                "(SELECT i.indrelid FROM pg_catalog.pg_index i "
	                "WHERE i.indexrelid = pg_catalog.to_regclass($1))"
	              : "SELECT c.oid::text, pg_catalog.quote_ident(n.nspname) || '.' || "
	                "pg_catalog.quote_ident(c.relname), c.relkind::text FROM pg_catalog.pg_class c "
	                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	                "WHERE c.oid = pg_catalog.to_regclass($1)",
	              p, 1, &rows, &e) == 0 && rows->nrows == 1 && drv_cell(rows, 0, 1))
		lock_add(r, s, drv_cell(rows, 0, 1), drv_cell(rows, 0, 2), mode, 1,
		         !is_live(r, drv_cell(rows, 0, 0)), 1);
	else if (!index_table)
		lock_add(r, s, q.buf, NULL, mode, 1, 0, 1);
	drv_rows_free(rows);
	drv_err_release(&e);
	sbuf_release(&q);
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void documented_rangevar(struct run *r, struct lock_stmt *s, json_t *rv, const char *mode)
{
	documented_lock(r, s, jstr(rv, "schemaname"), jstr(rv, "relname"), 0, mode);
}

/*
 * The lock the PostgreSQL manual gives a statement that cannot run in a
 * transaction block (the cases of split_pg.c): CREATE INDEX CONCURRENTLY,
 * DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and VACUUM take SHARE
 * UPDATE EXCLUSIVE on the table (VACUUM FULL: ACCESS EXCLUSIVE), DETACH
 * PARTITION CONCURRENTLY on the parent and the partition. Others (CREATE
 * DATABASE, ALTER SYSTEM...) lock no table.
 */
static void documented(struct run *r, struct lock_stmt *s)
{
	struct pgq_stmt p;
	json_t *n, *it, *x;
	const char *type;
	size_t i, j;

	if (pgq_parse_one(s->statement, strlen(s->statement), &p) != 0 || !p.type)
		goto out;
	type = p.type;
	n = p.node;
	if (strcmp(type, "IndexStmt") == 0) {
		documented_rangevar(r, s, json_object_get(n, "relation"), "ShareUpdateExclusiveLock");
	} else if (strcmp(type, "DropStmt") == 0) {
		json_array_foreach(json_object_get(n, "objects"), i, it) {
			json_t *items = json_object_get(json_object_get(it, "List"), "items");
			size_t k = json_array_size(items);
			const char *name = k ? jstr(json_object_get(json_array_get(items, k - 1), "String"),
			                            "sval") : NULL;
			const char *sch = k > 1 ? jstr(json_object_get(json_array_get(items, k - 2), "String"),
			                               "sval") : NULL;
			documented_lock(r, s, sch, name, 1, "ShareUpdateExclusiveLock");
			documented_lock(r, s, sch, name, 0, "ShareUpdateExclusiveLock");
		}
	} else if (strcmp(type, "ReindexStmt") == 0) {
		documented_rangevar(r, s, json_object_get(n, "relation"), "ShareUpdateExclusiveLock");
	} else if (strcmp(type, "VacuumStmt") == 0) {
		const char *mode = lint_option_on(json_object_get(n, "options"), "full", 0)
		                   ? "AccessExclusiveLock" : "ShareUpdateExclusiveLock";
		json_array_foreach(json_object_get(n, "rels"), i, it)
			documented_rangevar(r, s, json_object_get(json_object_get(it, "VacuumRelation"),
			                                          "relation"), mode);
	} else if (strcmp(type, "AlterTableStmt") == 0) {
		documented_rangevar(r, s, json_object_get(n, "relation"), "ShareUpdateExclusiveLock");
		json_array_foreach(json_object_get(n, "cmds"), j, it) {
			x = json_object_get(json_object_get(json_object_get(json_object_get(it, "AlterTableCmd"),
			                    "def"), "PartitionCmd"), "name");
			if (x)
				documented_rangevar(r, s, x, "ShareUpdateExclusiveLock");
		}
	}
	if (s->nlocks > 1)
		qsort(s->locks, s->nlocks, sizeof *s->locks, cmp_lock);
out:
	pgq_stmt_release(&p);
}

/* Run text on its own, to move the scratch database on; 0 or the error. */
static int advance(struct run *r, const char *text, struct drv_err *e)
{
	return drv_exec(r->conn, text, e);
}

static void measure(struct run *r, const char *file, long line, const char *sql,
                    const struct drv_stmt *st)
{
	struct lock_stmt *s = stmt_add(r, file, line, sql + st->offset, st->len);
	struct drv_rows *rows = NULL;
	struct drv_err e;

	if (!s)
		return;
	drv_err_init(&e);
	if (st->no_tx) {
		not_measured(r, s, "cannot run in a transaction", st->no_tx, 0);
		documented(r, s);
		if (advance(r, s->statement, &e) != 0) {
			free(s->not_measured);
			s->not_measured = NULL;
			not_measured(r, s, "cannot run in a transaction; and it failed in the scratch "
			             "database:", e.msg.buf, 1);
		}
		goto out;
	}
	if (drv_begin(r->conn, &e) != 0) {
		not_measured(r, s, "the scratch database refused a transaction:", e.msg.buf, 1);
		goto out;
	}
	if (drv_exec(r->conn, s->statement, &e) != 0) {
		/* 25001: the server says it cannot run in a transaction block,
		 * which the parser did not know (a transaction:false file's
		 * statement on a server that differs) */
		int no_tx = strcmp(e.sqlstate, "25001") == 0;
		struct drv_err e2;
		drv_err_init(&e2);
		drv_rollback(r->conn, &e2);
		drv_err_release(&e2);
		if (no_tx) {
			not_measured(r, s, "cannot run in a transaction", NULL, 0);
			documented(r, s);
			drv_err_release(&e);
			drv_err_init(&e);
			if (advance(r, s->statement, &e) != 0) {
				free(s->not_measured);
				s->not_measured = NULL;
				not_measured(r, s, "cannot run in a transaction; and it failed in the scratch "
				             "database:", e.msg.buf, 1);
			}
		} else {
			not_measured(r, s, "failed in the scratch database:", e.msg.buf, 1);
		}
		goto out;
	}
	if (drv_query(r->conn, locks_sql, NULL, 0, &rows, &e) != 0) {
		struct drv_err e2;
		drv_err_init(&e2);
		drv_rollback(r->conn, &e2);
		drv_err_release(&e2);
		not_measured(r, s, "cannot read pg_locks:", e.msg.buf, 1);
		goto out;
	}
	if (drv_rollback(r->conn, &e) != 0) {
		not_measured(r, s, "cannot roll the scratch database back:", e.msg.buf, 1);
		goto out;
	}
	s->measured = 1;
	record_locks(r, s, rows);
	/* It ran a moment ago in the same state; what fails now (SAVEPOINT
	 * outside a transaction) the next statement will show. */
	drv_err_release(&e);
	drv_err_init(&e);
	advance(r, s->statement, &e);
out:
	drv_rows_free(rows);
	drv_err_release(&e);
}

static int explain_item(struct run *r, const struct item *it)
{
	struct drv_stmts st = { 0, NULL };
	struct drv_err e;
	size_t i, pos = 0;
	long line = it->line;
	int rc;

	drv_err_init(&e);
	rc = drv_split(r->conn->driver, it->sql, &st, &e);
	if (rc) {
		/* lint reports what does not parse; here it is not measured */
		struct lock_stmt *s = stmt_add(r, it->path, it->line, it->sql, strlen(it->sql));
		if (s)
			not_measured(r, s, "cannot split the migration into statements:", e.msg.buf, 1);
		rc = rc == STRATA_ENOMEM ? rc : 0;
		goto out;
	}
	for (i = 0; i < st.n && !r->nomem; i++) {
		for (; pos < st.v[i].offset; pos++)
			if (it->sql[pos] == '\n')
				line++;
		measure(r, it->path, line, it->sql, &st.v[i]);
	}
out:
	drv_stmts_release(&st);
	drv_err_release(&e);
	return r->nomem ? STRATA_ENOMEM : rc;
}

void lock_report_free(struct lock_report *rep)
{
	size_t i, j;

	if (!rep)
		return;
	for (i = 0; i < rep->n; i++) {
		struct lock_stmt *s = &rep->v[i];
		for (j = 0; j < s->nlocks; j++)
			free(s->locks[j].relation);
		free(s->locks);
		free(s->file);
		free(s->statement);
		free(s->not_measured);
	}
	free(rep->v);
	free(rep);
}

int locks_explain(strata_db *db, const char *dev_url, const char *const *files, size_t nfiles,
                  struct lock_report **out)
{
	struct items it = { NULL, 0, 0 };
	struct scratch sc;
	struct run r;
	size_t i;
	int rc, opened = 0;

	*out = NULL;
	memset(&r, 0, sizeof r);
	memset(&sc, 0, sizeof sc);
	db_clear_error(db);
	if (!db->conn || engine_from_name(db->url.engine) != SCHEMA_PG)
		return db_error(db, STRATA_EUSAGE, "--explain-locks needs a PostgreSQL database");
	r.db = db;
	if (!(r.rep = calloc(1, sizeof *r.rep)))
		return db_error(db, STRATA_ENOMEM, "out of memory");
	if ((rc = pending(db, files, nfiles, &it)) != 0)
		goto out;
	r.rep->files = it.n;
	if (!it.n)
		goto out; /* nothing pending: no scratch database */
	if ((rc = scratch_open(db, dev_url, &sc)) != 0)
		goto out;
	opened = 1;
	r.conn = sc.conn;
	if ((rc = copy_live_schema(&r)) != 0 || (rc = note_live_relations(&r)) != 0)
		goto out;
	for (i = 0; i < it.n && !rc; i++)
		rc = explain_item(&r, &it.v[i]);
	if (rc)
		db_error(db, rc, "out of memory");
out:
	if (opened)
		scratch_close(db, &sc);
	items_release(&it);
	free(r.oids);
	if (rc) {
		lock_report_free(r.rep);
		return rc;
	}
	*out = r.rep;
	return 0;
}
