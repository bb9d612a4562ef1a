/*
 * driver_sqlite.c: the SQLite driver (libsqlite3).
 *
 * One runner at a time is SQLite's own write lock: begin() is BEGIN
 * IMMEDIATE, which takes the RESERVED lock at once, and a busy handler that
 * sleeps (and says once that it waits) until busy_timeout_ms has passed.
 * exec() prepares and steps one statement at a time with the tail pointer,
 * so a failure knows exactly which statement, and sqlite3_error_offset()
 * where in it, went wrong. When the embedder asked for progress, exec()
 * also sets a progress handler and an update hook for its own run (and
 * removes them after): a statement that runs long reports its time and
 * the rows written so far (watch.h).
 */
#include "driver.h"
#include "internal.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "diff.h"
#include "introspect.h"
#include "sqlscan.h"
#include "watch.h"

struct sqlite_conn {
	drv_conn base;
	sqlite3 *db;
	char *path;
	long busy_timeout_ms;
	int create;             /* a missing file may be created */
	strata_log_fn log;
	void *log_payload;
	int said_wait;
	/* The last statement query() prepared, kept for the next call with the
	 * same text: a run records each migration with the same INSERT, and
	 * preparing it anew cost more than strata's whole other work. */
	char *cached_sql;
	sqlite3_stmt *cached;
	/* What exec's current statement has done so far (watch.h). */
	struct watch watch;
	long long rows;         /* rows written, by the update hook */
	const char *table;      /* the table of the last one: SQLite's own name,
	                           valid while the statement runs */
};

static void cache_drop(struct sqlite_conn *c)
{
	sqlite3_finalize(c->cached);
	free(c->cached_sql);
	c->cached = NULL;
	c->cached_sql = NULL;
}

/* The cached statement for sql, or a new one; NULL with rc set on error. */
static sqlite3_stmt *stmt_get(struct sqlite_conn *c, const char *sql, int *rc)
{
	sqlite3_stmt *st = NULL;

	*rc = SQLITE_OK;
	if (c->cached && strcmp(c->cached_sql, sql) == 0) {
		st = c->cached;
		c->cached = NULL; /* lent out until stmt_put() */
		return st;
	}
	*rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	return st;
}

static void stmt_put(struct sqlite_conn *c, const char *sql, sqlite3_stmt *st)
{
	char *copy;

	if (!st)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (c->cached_sql && strcmp(c->cached_sql, sql) == 0 && !c->cached) {
		c->cached = st;
		return;
	}
	copy = strdup(sql);
	if (!copy) {
		sqlite3_finalize(st);
		return;
	}
	cache_drop(c);
	c->cached = st;
	c->cached_sql = copy;
}

static int busy_handler(void *arg, int count)
{
	struct sqlite_conn *c = arg;
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	if ((long)count * 10 >= c->busy_timeout_ms)
		return 0;
	if (count == 0 && !c->said_wait && c->log) {
		c->said_wait = 1;
		c->log(c->log_payload, STRATA_LOG_NOTICE,
		       "waiting for another process to release the database lock");
	}
	nanosleep(&ts, NULL);
	return 1;
}

static int map_code(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOTADB: return STRATA_ENOTADB;
	case SQLITE_READONLY: return STRATA_EREADONLY;
	case SQLITE_CANTOPEN: return STRATA_ECONNECT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return STRATA_ELOCKED;
	case SQLITE_FULL: return STRATA_EFULL;
	case SQLITE_NOMEM: return STRATA_ENOMEM;
	case SQLITE_IOERR: return STRATA_EIO;
	default: return STRATA_ESQL;
	}
}

static int fail(struct sqlite_conn *c, int rc, struct drv_err *err)
{
	char *p;

	drv_err_set(err, map_code(rc), "%s", sqlite3_errmsg(c->db));
	/* SQLite quotes the bad token, newlines and all: one line it is. */
	for (p = err->msg.buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return err->code;
}

static void sq_close(drv_conn *base)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;

	cache_drop(c);
	sqlite3_close_v2(c->db);
	free(c->path);
	free(c);
}

/*
 * A database is a regular file, or absent when the command may create it.
 * SQLite itself opens whatever the path names: /dev/null reads as an empty
 * database, a FIFO blocks, and a mistyped path becomes a new empty file
 * under a read-only command. Without create the open also leaves out
 * SQLITE_OPEN_CREATE, so a file removed after this check is not made
 * either.
 */
static int path_check(struct sqlite_conn *c, struct drv_err *err)
{
	struct stat st;

	if (!strcmp(c->path, ":memory:") || !*c->path)
		return 0;
	if (stat(c->path, &st) != 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			drv_err_set(err, STRATA_ECONNECT, "cannot open SQLite database '%s': %s", c->path,
			            strerror(errno));
		else if (c->create)
			return 0;
		else
			drv_err_set(err, STRATA_ENOTFOUND, "no such database file: %s", c->path);
		return err->code;
	}
	if (!S_ISREG(st.st_mode)) {
		drv_err_set(err, STRATA_ENOTADB, "'%s' is not a SQLite database: not a regular file (%s)",
		            c->path, S_ISDIR(st.st_mode) ? "a directory" :
		            S_ISFIFO(st.st_mode) ? "a FIFO" :
		            S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "a special file");
		return err->code;
	}
	return 0;
}

static int sq_connect(struct sqlite_conn *c, struct drv_err *err)
{
	int rc;
	const char *msg;

	if ((rc = path_check(c, err)) != 0)
		return rc;
	rc = sqlite3_open_v2(c->path, &c->db,
	                     SQLITE_OPEN_READWRITE | (c->create ? SQLITE_OPEN_CREATE : 0) |
	                     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK && !c->create && access(c->path, F_OK) != 0) {
		drv_err_set(err, STRATA_ENOTFOUND, "no such database file: %s", c->path);
		return err->code;
	}
	if (rc != SQLITE_OK) {
		msg = c->db ? sqlite3_errmsg(c->db) : "out of memory";
		drv_err_set(err, map_code(rc) == STRATA_ESQL ? STRATA_ECONNECT : map_code(rc),
		            "cannot open SQLite database '%s': %s", c->path, msg);
		return err->code;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_handler(c->db, busy_handler, c);
	/* SQLite opens lazily: read the schema now, so that a file that is not
	 * a database is reported here and not halfway through a command. */
	rc = sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_NOTADB)
			drv_err_set(err, STRATA_ENOTADB, "'%s' is not a SQLite database", c->path);
		else
			drv_err_set(err, map_code(rc), "cannot read SQLite database '%s': %s", c->path,
			            sqlite3_errmsg(c->db));
		return err->code;
	}
	return 0;
}

static int sq_open(drv_conn **out, const struct strata_url *url, const struct drv_open_opts *o,
                   struct drv_err *err)
{
	struct sqlite_conn *c = calloc(1, sizeof *c);
	int rc;

	if (!c || !(c->path = strdup(url->path))) {
		free(c);
		drv_err_set(err, STRATA_ENOMEM, "out of memory");
		return STRATA_ENOMEM;
	}
	c->busy_timeout_ms = o ? o->busy_timeout_ms : 600000;
	c->create = o ? o->create : 1;
	c->log = o ? o->log : NULL;
	c->log_payload = o ? o->log_payload : NULL;
	watch_init(&c->watch, o);
	rc = sq_connect(c, err);
	if (rc) {
		sq_close(&c->base);
		return rc;
	}
	*out = &c->base;
	return 0;
}

/* ---- watching a long statement (watch.h) -------------------------------- */

/* Rows of rowid tables, as the statement writes them (a WITHOUT ROWID
 * table's are not seen: SQLite does not call the hook for them). */
static void watch_row(void *arg, int op, const char *dbname, const char *table, sqlite3_int64 id)
{
	struct sqlite_conn *c = arg;

	(void)op;
	(void)dbname;
	(void)id;
	c->rows++;
	c->table = table;
}

/* Every few thousand VM steps: one look at the clock, and now and then a
 * report. A rebuild's copy (lib/plan_sqlite.c: INSERT INTO
 * "_strata_new_T" ... SELECT ... FROM "T") is told as such; its total is
 * not counted beforehand, which would cost a scan of the table. */
static int watch_tick(void *arg)
{
	struct sqlite_conn *c = arg;
	static const char prefix[] = "_strata_new_";

	if (!watch_due(&c->watch))
		return 0;
	if (c->table && strncmp(c->table, prefix, sizeof prefix - 1) == 0)
		watch_say(&c->watch, "copying table %s to its new form, %lld rows so far, %lds",
		          c->table + sizeof prefix - 1, c->rows, watch_elapsed_s(&c->watch));
	else if (c->rows)
		watch_say(&c->watch, "running for %lds, %lld rows written", watch_elapsed_s(&c->watch),
		          c->rows);
	else
		watch_say(&c->watch, "running for %lds", watch_elapsed_s(&c->watch));
	return 0;
}

/* on: exec's statements are watched; off: no hook is left behind. */
static void watch_hooks(struct sqlite_conn *c, int on)
{
	if (!c->watch.log)
		return;
	sqlite3_progress_handler(c->db, on ? 4000 : 0, on ? watch_tick : NULL, c);
	sqlite3_update_hook(c->db, on ? watch_row : NULL, c);
}

/* A statement at offset of sql starts. */
static void watch_stmt(struct sqlite_conn *c, const char *sql, size_t offset)
{
	if (!c->watch.log)
		return;
	c->rows = 0;
	c->table = NULL;
	watch_end(&c->watch);
	watch_start(&c->watch, &c->base, sql, offset);
}

static int exec_script(struct sqlite_conn *c, const char *sql, struct drv_err *err);

static int sq_exec(drv_conn *base, const char *sql, struct drv_err *err)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;
	int rc;

	watch_hooks(c, 1);
	rc = exec_script(c, sql, err);
	watch_end(&c->watch);
	watch_hooks(c, 0);
	return rc;
}

static int exec_script(struct sqlite_conn *c, const char *sql, struct drv_err *err)
{
	const char *p = sql, *tail;
	size_t len = strlen(sql); /* once: per statement it made a long script quadratic */
	sqlite3_stmt *st;
	int rc;

	while (*p) {
		size_t start = sqlscan_skip_blank(SQLSCAN_SQLITE, sql, (size_t)(p - sql), len);
		if (start >= len)
			break;
		watch_stmt(c, sql, start);
		st = NULL;
		/* The length of what is left (with its NUL, so SQLite need not
		 * copy it): a -1 would have SQLite measure the tail each time. */
		rc = sqlite3_prepare_v2(c->db, p, (int)(len - (size_t)(p - sql)) + 1, &st, &tail);
		if (rc == SQLITE_OK && st) {
			while ((rc = sqlite3_step(st)) == SQLITE_ROW)
				;
			if (rc == SQLITE_DONE)
				rc = SQLITE_OK;
		}
		if (rc != SQLITE_OK) {
			int eo = sqlite3_error_offset(c->db);
			fail(c, rc, err);
			err->offset = (long)start;
			err->stmt_len = (long)(tail > p ? (size_t)(tail - sql) - start : len - start);
			/* The error offset is relative to the text given to prepare. */
			if (eo >= 0)
				err->offset = (long)(p - sql) + eo;
			sqlite3_finalize(st);
			return err->code;
		}
		sqlite3_finalize(st);
		if (tail == p)
			break;
		p = tail;
	}
	return 0;
}

static int sq_query(drv_conn *base, const char *sql, const char *const *params, int nparams,
                    struct drv_rows **out, struct drv_err *err)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;
	sqlite3_stmt *st = NULL;
	struct drv_rows *r = NULL;
	size_t alloc = 0;
	int rc, i;
	char name[16];

	st = stmt_get(c, sql, &rc);
	if (rc != SQLITE_OK)
		return fail(c, rc, err);
	for (i = 0; i < nparams; i++) {
		int idx;
		snprintf(name, sizeof name, "$%d", i + 1);
		idx = sqlite3_bind_parameter_index(st, name);
		if (idx > 0)
			sqlite3_bind_text(st, idx, params[i], -1, SQLITE_STATIC);
	}
	if (out) {
		r = calloc(1, sizeof *r);
		if (!r)
			goto nomem;
		r->ncols = (size_t)sqlite3_column_count(st);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t k;
		if (!r)
			continue;
		if ((r->nrows + 1) * r->ncols > alloc) {
			size_t na = alloc ? alloc * 2 : 16 * (r->ncols ? r->ncols : 1);
			char **nc = realloc(r->cells, na * sizeof *nc);
			if (!nc)
				goto nomem;
			r->cells = nc;
			alloc = na;
		}
		for (k = 0; k < r->ncols; k++) {
			const unsigned char *t = sqlite3_column_text(st, (int)k);
			char **cell = &r->cells[r->nrows * r->ncols + k];
			*cell = NULL;
			if (t && !(*cell = strdup((const char *)t))) {
				r->nrows++; /* so the cells written so far are freed */
				for (k++; k < r->ncols; k++)
					r->cells[(r->nrows - 1) * r->ncols + k] = NULL;
				goto nomem;
			}
		}
		r->nrows++;
	}
	if (rc != SQLITE_DONE) {
		fail(c, rc, err);
		stmt_put(c, sql, st);
		drv_rows_free(r);
		return err->code;
	}
	stmt_put(c, sql, st);
	if (out)
		*out = r;
	return 0;
nomem:
	stmt_put(c, sql, st);
	drv_rows_free(r);
	drv_err_set(err, STRATA_ENOMEM, "out of memory");
	return STRATA_ENOMEM;
}

/* Version 4: nothing to save in a round trip, so exec, then query, with
 * the time exec took in params[ms_param]. */
static int sq_exec_then(drv_conn *base, const char *sql, const char *then_sql,
                        const char *const *params, int nparams, int ms_param, int *then_failed,
                        struct drv_err *err)
{
	const char **p = NULL;
	char ms[24];
	long t0 = util_ms();
	int rc;

	*then_failed = 0;
	if ((rc = sq_exec(base, sql, err)) != 0)
		return rc;
	if (ms_param >= 0) {
		p = malloc((size_t)nparams * sizeof *p);
		if (!p) {
			drv_err_set(err, STRATA_ENOMEM, "out of memory");
			*then_failed = 1;
			return STRATA_ENOMEM;
		}
		memcpy(p, params, (size_t)nparams * sizeof *p);
		snprintf(ms, sizeof ms, "%ld", util_ms() - t0);
		p[ms_param] = ms;
		params = p;
	}
	rc = sq_query(base, then_sql, params, nparams, NULL, err);
	*then_failed = rc != 0;
	free(p);
	return rc;
}

static int simple(struct sqlite_conn *c, const char *sql, struct drv_err *err)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : fail(c, rc, err);
}

static int sq_begin(drv_conn *base, struct drv_err *err)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;
	int rc = simple(c, "BEGIN IMMEDIATE", err);

	if (rc == STRATA_ELOCKED)
		drv_err_set(err, STRATA_ELOCKED,
		            "the database is locked by another process (waited %ld ms)", c->busy_timeout_ms);
	return rc;
}

static int sq_commit(drv_conn *base, struct drv_err *err)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;
	int rc = simple(c, "COMMIT", err);

	if (rc && !sqlite3_get_autocommit(c->db)) {
		/* COMMIT failed (disk full, busy readers): undo rather than leave it open. */
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	}
	return rc;
}

static int sq_rollback(drv_conn *base, struct drv_err *err)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;

	/* An error may already have rolled the transaction back. */
	if (sqlite3_get_autocommit(c->db))
		return 0;
	return simple(c, "ROLLBACK", err);
}

static void sq_table_name(drv_conn *base, const char *table, struct sbuf *out)
{
	(void)base;
	sbuf_add_ident(out, table);
}

static int sq_introspect(drv_conn *base, const char *schema_name, struct schema **out,
                         struct drv_err *err)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;

	(void)schema_name;
	return introspect_sqlite(c->db, out, err);
}

static int unlink_if(const char *path)
{
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int sq_create_db(const struct strata_url *url, struct drv_err *err)
{
	sqlite3 *db = NULL;
	int rc;

	if (access(url->path, F_OK) == 0) {
		drv_err_set(err, STRATA_ERROR, "database '%s' already exists", url->path);
		err->exists = 1;
		return STRATA_ERROR;
	}
	rc = sqlite3_open_v2(url->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA user_version = 0; CREATE TABLE strata_tmp_(x); DROP TABLE strata_tmp_",
		                  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		drv_err_set(err, STRATA_ECONNECT, "cannot create '%s': %s", url->path,
		            db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return STRATA_ECONNECT;
	}
	sqlite3_close(db);
	return 0;
}

static int sq_drop_db(const struct strata_url *url, struct drv_err *err)
{
	struct sbuf p = SBUF_INIT;
	int rc = 0;

	int missing;

	if (strcmp(url->path, ":memory:") == 0)
		return 0;
	/* No file: nothing to drop (its leftovers go all the same), and the
	 * caller is told so rather than told it dropped something. */
	missing = access(url->path, F_OK) != 0 && errno == ENOENT;
	if (unlink_if(url->path))
		rc = -1;
	sbuf_addf(&p, "%s-wal", url->path);
	if (unlink_if(p.buf))
		rc = -1;
	sbuf_reset(&p);
	sbuf_addf(&p, "%s-shm", url->path);
	if (unlink_if(p.buf))
		rc = -1;
	sbuf_reset(&p);
	sbuf_addf(&p, "%s-journal", url->path);
	if (unlink_if(p.buf))
		rc = -1;
	sbuf_release(&p);
	if (rc) {
		drv_err_set(err, STRATA_EIO, "cannot delete '%s': %s", url->path, strerror(errno));
		return STRATA_EIO;
	}
	if (missing) {
		drv_err_set(err, STRATA_ENOTFOUND, "no such database file: %s", url->path);
		return STRATA_ENOTFOUND;
	}
	return 0;
}

/*
 * Drop every object of the main database (reset --hard) as ordinary DDL in
 * one transaction: the caller's when it has one, so that the drop and the
 * re-apply commit together, else our own. A crash or kill -9 then leaves the
 * old database or the new one, never an emptied file (the journal undoes
 * it), and other connections see one schema change at commit, with the
 * schema cookie moving forward as for any DDL. The file keeps its inode,
 * owner and mode; its freed pages stay free pages until a VACUUM.
 */
static int sq_wipe(drv_conn *base, struct drv_err *err)
{
	static const char list_sql[] =
		"SELECT type, name FROM main.sqlite_schema "
		"WHERE type IN ('trigger', 'view', 'table') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
		"ORDER BY CASE type WHEN 'trigger' THEN 0 WHEN 'view' THEN 1 ELSE 2 END, "
		"sql LIKE 'CREATE VIRTUAL%' DESC, name";
	struct sqlite_conn *c = (struct sqlite_conn *)base;
	struct sbuf sql = SBUF_INIT;
	sqlite3_stmt *st = NULL;
	int rc, own_tx = !base->in_tx;

	cache_drop(c);
	if (own_tx && (rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
		return fail(c, rc, err);
	/* A parent table dropped before its children would fail the implicit
	 * DELETE's foreign key check; at commit every table is gone. */
	rc = sqlite3_exec(c->db, "PRAGMA defer_foreign_keys = ON", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(c->db, list_sql, -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		/* IF EXISTS: a virtual table's shadow tables go with it */
		sbuf_addf(&sql, "DROP %s IF EXISTS main.", !strcmp(type, "trigger") ? "TRIGGER" :
		          !strcmp(type, "view") ? "VIEW" : "TABLE");
		sbuf_add_ident(&sql, (const char *)sqlite3_column_text(st, 1));
		sbuf_adds(&sql, ";\n");
		rc = SQLITE_OK;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	if (rc == SQLITE_OK && sbuf_failed(&sql))
		rc = SQLITE_NOMEM;
	if (rc == SQLITE_OK && sql.len)
		rc = sqlite3_exec(c->db, sql.buf, NULL, NULL, NULL);
	/* AUTOINCREMENT counters start again, as in a new file */
	if (rc == SQLITE_OK && sqlite3_table_column_metadata(c->db, "main", "sqlite_sequence", NULL,
	                                                     NULL, NULL, NULL, NULL, NULL) == SQLITE_OK)
		rc = sqlite3_exec(c->db, "DELETE FROM main.sqlite_sequence", NULL, NULL, NULL);
	if (rc == SQLITE_OK && own_tx)
		rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	sbuf_release(&sql);
	if (rc != SQLITE_OK) {
		rc = fail(c, rc, err);
		if (own_tx)
			sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	return 0;
}

/* read_only (version 5): what SQLite knows of its own handle. A file
 * SQLite could not open for writing it opens read-only without a word. */
static int sq_read_only(drv_conn *c, const char **file)
{
	sqlite3 *h = ((struct sqlite_conn *)c)->db;

	if (file)
		*file = sqlite3_db_filename(h, "main");
	return sqlite3_db_readonly(h, "main") == 1;
}

const struct strata_driver drv_sqlite = {
	.version = 5,
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.query = sq_query,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.lock = NULL,
	.unlock = NULL,
	.split = split_sqlite,
	.set_timeouts = NULL,
	.table_name = sq_table_name,
	.introspect = sq_introspect,
	.create_db = sq_create_db,
	.drop_db = sq_drop_db,
	.wipe = sq_wipe,
	.wipe_schema = sq_wipe,
	/* version 2; lib/catalog_sqlite.c, lib/plan_sqlite.c */
	.engine = SCHEMA_SQLITE,
	.tracking_ddl = cat_sqlite_tracking_ddl,
	.tracking_exists = cat_sqlite_tracking_exists,
	.stats = cat_sqlite_stats,
	.plan = cat_sqlite_plan,
	.needs_rebuild = plan_sqlite_needs_rebuild,
	.wipe_schema_list = cat_sqlite_wipe_schema_list,
	.scratch_url = cat_sqlite_scratch_url,
	.dev_check = cat_sqlite_dev_check,
	/* version 4 */
	.exec_then = sq_exec_then,
	.elapsed_sql = NULL,
	/* version 5: the scratch database is private (scratch_url's *made 0),
	 * so there is no dev database on a server to prove, lock or empty;
	 * a --dev-url is proven by dev_check (version 3) alone. */
	.dev_identify = NULL,
	.dev_same = NULL,
	.dev_lock = NULL,
	.dev_objects = NULL,
	.dev_drop = NULL,
	.dev_save = NULL,
	.dev_restore = NULL,
	.scratch_match = NULL,
	.read_only = sq_read_only,
};

sqlite3 *drv_sqlite_handle(drv_conn *c)
{
	return c->driver == &drv_sqlite ? ((struct sqlite_conn *)c)->db : NULL;
}
