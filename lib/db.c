/*
 * db.c: the strata_db handle: opening a database by URL through its driver,
 * the configuration copied from strata_config, the error kept on the
 * handle, and the small public helpers (names of codes and states, reports).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/*
 * The handle first, then the connection: a handle exists before any
 * database does, so every call, also one that needs no database, has its
 * error slot (strata_new() then strata_connect() is strata_open()).
 */
int strata_new(strata_db **out, const strata_config *cfg)
{
	static const strata_config defaults = STRATA_CONFIG_INIT;
	strata_db *db;
	int rc;

	*out = NULL;
	if (!cfg)
		cfg = &defaults;
	db = calloc(1, sizeof *db);
	if (!db)
		return STRATA_ENOMEM;
	sbuf_init(&db->errmsg);
	sbuf_init(&db->qtable);
	if ((rc = db_check_version(db, "strata_config", cfg->version, STRATA_CONFIG_VERSION)) != 0) {
		*out = db;
		return rc;
	}
	db->dir = strdup(cfg->dir ? cfg->dir : "migrations");
	db->table = strdup(cfg->table && *cfg->table ? cfg->table : "strata_migrations");
	db->pg_schema = xstrdup_or_null(cfg->pg_schema);
	if (!db->dir || !db->table || (cfg->pg_schema && !db->pg_schema)) {
		strata_close(db);
		return STRATA_ENOMEM;
	}
	db->lock_timeout_ms = cfg->lock_timeout_ms;
	db->statement_timeout_ms = cfg->statement_timeout_ms;
	db->busy_timeout_ms = cfg->busy_timeout_ms > 0 ? cfg->busy_timeout_ms : 600000;
	db->keep_backups = cfg->keep_backups > 0 ? cfg->keep_backups : 5;
	db->no_backup = cfg->no_backup;
	db->log = cfg->log;
	db->log_payload = cfg->log_payload;
	/* A caller built against version 1 knows nothing of no_create. */
	db->no_create = cfg->version >= 2 && cfg->no_create;
	/* version 3: migrations from memory (source.c); checked now, so that
	 * every later call can trust it */
	db->source = cfg->version >= 3 ? cfg->source : NULL;
	db->progress = cfg->version >= 4 && cfg->progress && cfg->log;
	if (db->source && (rc = db_check_version(db, "strata_migration_source", db->source->version,
	                                         STRATA_MIGRATION_SOURCE_VERSION)) != 0) {
		*out = db;
		return rc;
	}
	*out = db;
	return 0;
}

int strata_connect(strata_db *db, const char *url)
{
	struct drv_open_opts o;
	struct drv_err e;
	int rc;

	db_clear_error(db);
	if (db->conn)
		return db_error(db, STRATA_EUSAGE, "the handle is already connected to %s",
		                db->url.redacted ? db->url.redacted : "a database");
	if (!db->dir)
		return db->errcode ? db->errcode : db_error(db, STRATA_EUSAGE, "the handle is not usable");
	/* a failed connect before: its URL goes, the new one is read afresh */
	url_release(&db->url);
	sbuf_reset(&db->qtable);
	db->tracking_ready = 0;
	drv_err_init(&e);
	rc = url_parse(url, &db->url, &e);
	if (rc) {
		db_error_drv(db, &e, NULL);
		goto out;
	}
	memset(&o, 0, sizeof o);
	o.busy_timeout_ms = db->busy_timeout_ms;
	o.pg_schema = db->pg_schema;
	o.log = db->log;
	o.log_payload = db->log_payload;
	o.create = !db->no_create;
	o.progress = db->progress;
	rc = drv_open(&db->conn, &db->url, &o, &e);
	if (rc) {
		db_error_drv(db, &e, NULL);
		goto out;
	}
	drv_table_name(db->conn, db->table, &db->qtable);
	if (sbuf_failed(&db->qtable))
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
out:
	drv_err_release(&e);
	return rc;
}

int strata_open(strata_db **out, const char *url, const strata_config *cfg)
{
	int rc = strata_new(out, cfg);

	if (rc)
		return rc;
	return strata_connect(*out, url);
}

void strata_close(strata_db *db)
{
	if (!db)
		return;
	drv_close(db->conn);
	url_release(&db->url);
	free(db->dir);
	free(db->table);
	free(db->pg_schema);
	db_clear_error(db);
	sbuf_release(&db->errmsg);
	sbuf_release(&db->qtable);
	free(db);
}

const char *strata_errmsg(const strata_db *db)
{
	if (!db)
		return "out of memory";
	return db->errcode ? db->errmsg.buf : "not an error";
}

int strata_errcode(const strata_db *db)
{
	return db ? db->errcode : STRATA_ENOMEM;
}

int strata_errwhy(const strata_db *db)
{
	return db && db->errcode ? db->errwhy : STRATA_WHY_NONE;
}

const char *strata_errarg(const strata_db *db, int i)
{
	if (!db || !db->errcode || i < 0 || i >= (int)(sizeof db->errarg / sizeof db->errarg[0]))
		return NULL;
	return db->errarg[i];
}

/* The getters accept NULL, as the handle of a strata_open() that ran out of
 * memory is: a caller's error path may print them before checking. */
const char *strata_engine(const strata_db *db)
{
	return db && db->url.engine ? db->url.engine : "unknown";
}

const char *strata_url_redacted(const strata_db *db)
{
	return db && db->url.redacted ? db->url.redacted : "";
}

/* The header's version, compiled in: the loaded library's, whatever header
 * the program was built with. */
const char *strata_libversion(void)
{
	return STRATA_VERSION;
}

const char *strata_strerror(int code)
{
	switch (code) {
	case STRATA_OK: return "success";
	case STRATA_ERROR: return "error";
	case STRATA_ENOMEM: return "out of memory";
	case STRATA_EUSAGE: return "bad usage";
	case STRATA_EPARSE: return "malformed input";
	case STRATA_ENOTFOUND: return "not found";
	case STRATA_EIO: return "input/output error";
	case STRATA_ECONNECT: return "cannot connect";
	case STRATA_ESQL: return "SQL error";
	case STRATA_ECHECKSUM: return "checksum mismatch";
	case STRATA_ELOCKED: return "locked by another runner";
	case STRATA_EIRREVERSIBLE: return "irreversible migration";
	case STRATA_EORDER: return "migration out of order";
	case STRATA_EFAILED: return "a migration is recorded as failed";
	case STRATA_EDESTRUCTIVE: return "destructive change not allowed";
	case STRATA_EURL: return "bad database URL";
	case STRATA_ENOTADB: return "not a database";
	case STRATA_EREADONLY: return "read-only database";
	case STRATA_EMISSING: return "migration file missing";
	case STRATA_EUNSUPPORTED: return "not supported";
	case STRATA_EFULL: return "disk full";
	case STRATA_EDRIFT: return "differences found";
	case STRATA_EFOREIGN: return "another tool's migration history";
	case STRATA_EHOOK: return "a hook stopped the run";
	default: return "unknown error";
	}
}

const char *strata_state_name(strata_state s)
{
	switch (s) {
	case STRATA_PENDING: return "pending";
	case STRATA_APPLIED: return "applied";
	case STRATA_EDITED: return "edited";
	case STRATA_MISSING: return "missing";
	case STRATA_OUT_OF_ORDER: return "out-of-order";
	case STRATA_FAILED: return "failed";
	}
	return "unknown";
}

void strata_report_free(strata_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		strata_entry *e = &r->entries[i];
		free((char *)e->version);
		free((char *)e->name);
		free((char *)e->file);
		free((char *)e->applied_at);
		free((char *)e->checksum);
		free((char *)e->error);
		free((char *)e->sql);
		free((char *)e->down_sql);
	}
	free(r->entries);
	free((char *)r->backup);
	strata_report_free(r->rewound);
	free((char *)r->tool_table);
	free(r);
}

static int db_create_drop(const char *url, struct drv_err *e, int create)
{
	struct strata_url u;
	const struct strata_driver *d;
	int rc;

	rc = url_parse(url, &u, e);
	if (!rc) {
		d = driver_for(&u);
		if (!d) {
			drv_err_set(e, STRATA_EURL, "no driver for '%s'", u.engine);
			rc = STRATA_EURL;
		} else {
			rc = create ? drv_create_db(d, &u, e) : drv_drop_db(d, &u, e);
		}
		url_release(&u);
	}
	if (rc && !e->msg.len)
		drv_err_set(e, rc, "%s", strata_strerror(rc));
	return rc;
}

static int db_create_drop_msg(const char *url, char **errmsg, int create)
{
	struct drv_err e;
	int rc;

	*errmsg = NULL;
	drv_err_init(&e);
	rc = db_create_drop(url, &e, create);
	if (rc)
		*errmsg = strdup(e.msg.buf);
	drv_err_release(&e);
	return rc;
}

static int db_create_drop_on(strata_db *db, const char *url, int create)
{
	struct drv_err e;
	int rc;

	db_clear_error(db);
	drv_err_init(&e);
	rc = db_create_drop(url, &e, create);
	if (rc)
		db_error_drv(db, &e, NULL);
	drv_err_release(&e);
	return rc;
}

int strata_create_database(const char *url, char **errmsg)
{
	return db_create_drop_msg(url, errmsg, 1);
}

int strata_drop_database(const char *url, char **errmsg)
{
	return db_create_drop_msg(url, errmsg, 0);
}

int strata_database_create(strata_db *db, const char *url)
{
	return db_create_drop_on(db, url, 1);
}

int strata_database_drop(strata_db *db, const char *url)
{
	return db_create_drop_on(db, url, 0);
}
