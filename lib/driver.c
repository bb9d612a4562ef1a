/*
 * driver.c: the thin wrappers through which the core calls a driver.
 *
 * They assert the vtable's contract (transactions nest never, a failed call
 * leaves an error), keep in_tx, and hold the fault-injection seam. It is
 * compiled only into test builds (meson -Dfault_injection=true, which the
 * Makefile's build and build-san set; STRATA_FAULT_INJECTION): there, when
 * the environment has STRATA_FAULT=OP:N[,OP:N...] at connect time, the Nth
 * call of OP on that connection fails as the engine could make it fail:
 *   exec, query  the engine rejects the SQL (STRATA_ESQL);
 *   begin        no transaction starts (STRATA_ESQL);
 *   commit       the engine rolls the transaction back and reports the
 *                failure (STRATA_ESQL), as a PostgreSQL COMMIT that fails
 *                (a deferred constraint) or a SQLite one that cannot write;
 *   lock         the lock is not taken (STRATA_ELOCKED), as at a timeout.
 * Tests use it to prove that a run failing at any point leaves the database
 * as it was. A release build reads no STRATA_FAULT at all.
 *
 * It is also the one place that maps an engine's name, number (engine.h)
 * and driver onto each other (driver_for, driver_for_engine,
 * engine_from_name). The wrappers of the methods appended since version 1
 * check the driver's version before they look at a method (a version-4
 * driver's table has no dev_lock), and inject no fault of their own: their
 * queries go through drv_query() and drv_exec() and are counted there.
 */
#include "driver.h"

#include <ctype.h>
#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void drv_err_init(struct drv_err *e)
{
	e->code = 0;
	e->sqlstate[0] = '\0';
	e->offset = -1;
	e->stmt_len = -1;
	e->why = 0;
	e->exists = 0;
	sbuf_init(&e->msg);
	sbuf_init(&e->detail);
	sbuf_init(&e->hint);
}

void drv_err_release(struct drv_err *e)
{
	sbuf_release(&e->msg);
	sbuf_release(&e->detail);
	sbuf_release(&e->hint);
	drv_err_init(e);
}

void drv_err_set(struct drv_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	e->why = 0;
	e->exists = 0;
	sbuf_reset(&e->msg);
	va_start(ap, fmt);
	sbuf_vaddf(&e->msg, fmt, ap);
	va_end(ap);
	sbuf_escape_controls(&e->msg, 0);
}

void drv_rows_free(struct drv_rows *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	free(r->cells);
	free(r);
}

void drv_stmts_release(struct drv_stmts *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

#ifdef STRATA_FAULT_INJECTION
enum { FAULT_EXEC, FAULT_QUERY, FAULT_BEGIN, FAULT_COMMIT, FAULT_LOCK };
static const char *const fault_ops[] = { "exec", "query", "begin", "commit", "lock" };

/* STRATA_FAULT=OP:N[,OP:N...] into c's countdowns; what it cannot read is
 * no fault (a test that meant one then fails to see it). */
static void fault_from_env(drv_conn *c)
{
	const char *f = getenv("STRATA_FAULT");
	size_t i;

	while (f && *f) {
		const char *colon = strchr(f, ':');
		char *end;
		long n;

		if (!colon)
			return;
		n = strtol(colon + 1, &end, 10);
		for (i = 0; i < sizeof fault_ops / sizeof fault_ops[0]; i++)
			if (strlen(fault_ops[i]) == (size_t)(colon - f) &&
			    strncmp(f, fault_ops[i], (size_t)(colon - f)) == 0 && n > 0 &&
			    (*end == '\0' || *end == ','))
				c->fault_countdown[i] = n;
		f = *end == ',' ? end + 1 : NULL;
	}
}

/* 1 when this call of op is the one to fail, with err filled. */
static int fault_hit(drv_conn *c, int op, int code, struct drv_err *err)
{
	if (c->fault_countdown[op] <= 0 || --c->fault_countdown[op] != 0)
		return 0;
	drv_err_set(err, code, "injected fault (STRATA_FAULT=%s)", fault_ops[op]);
	return 1;
}
#define FAULT(c, op, code, err) fault_hit(c, op, code, err)
#else
#define FAULT(c, op, code, err) 0
#endif

/* The one place that knows every driver: url.c only reads URLs. */
const struct strata_driver *driver_for(const struct strata_url *u)
{
	if (!u->engine)
		return NULL;
	if (strcmp(u->engine, "sqlite") == 0)
		return &drv_sqlite;
	if (strcmp(u->engine, "postgres") == 0)
		return &drv_pg;
	return NULL;
}

const struct strata_driver *driver_for_engine(int engine)
{
	return engine == SCHEMA_SQLITE ? &drv_sqlite : engine == SCHEMA_PG ? &drv_pg : NULL;
}

int engine_from_name(const char *name)
{
	if (!name)
		return -1;
	if (!strcmp(name, "sqlite") || !strcmp(name, "sqlite3"))
		return SCHEMA_SQLITE;
	if (!strcmp(name, "postgres") || !strcmp(name, "postgresql"))
		return SCHEMA_PG;
	return -1;
}

int drv_create_db(const struct strata_driver *d, const struct strata_url *url,
                  struct drv_err *err)
{
	if (!d || !d->create_db) {
		if (!d) {
			drv_err_set(err, STRATA_EURL, "no driver for '%s'", url->engine ? url->engine : "?");
			return STRATA_EURL;
		}
		drv_err_set(err, STRATA_EUNSUPPORTED, "%s cannot create databases", d->name);
		return STRATA_EUNSUPPORTED;
	}
	return d->create_db(url, err);
}

int drv_drop_db(const struct strata_driver *d, const struct strata_url *url, struct drv_err *err)
{
	if (!d || !d->drop_db) {
		if (!d) {
			drv_err_set(err, STRATA_EURL, "no driver for '%s'", url->engine ? url->engine : "?");
			return STRATA_EURL;
		}
		drv_err_set(err, STRATA_EUNSUPPORTED, "%s cannot drop databases", d->name);
		return STRATA_EUNSUPPORTED;
	}
	return d->drop_db(url, err);
}

int drv_open(drv_conn **out, const struct strata_url *url, const struct drv_open_opts *o,
             struct drv_err *err)
{
	const struct strata_driver *d = driver_for(url);
	int rc;

	*out = NULL;
	if (!d) {
		drv_err_set(err, STRATA_EURL, "no driver for '%s'", url->engine);
		return STRATA_EURL;
	}
	rc = d->open(out, url, o, err);
	if (rc) {
		assert(*out == NULL);
		assert(err->code != 0 || err->msg.len);
		if (!err->code)
			err->code = rc;
		return rc;
	}
	(*out)->driver = d;
	memset((*out)->fault_countdown, 0, sizeof (*out)->fault_countdown);
#ifdef STRATA_FAULT_INJECTION
	fault_from_env(*out);
#endif
	(*out)->in_tx = 0;
	return 0;
}

void drv_close(drv_conn *c)
{
	if (c)
		c->driver->close(c);
}

int drv_exec(drv_conn *c, const char *sql, struct drv_err *err)
{
	if (FAULT(c, FAULT_EXEC, STRATA_ESQL, err)) {
		err->offset = 0;
		err->stmt_len = (long)strlen(sql);
		return STRATA_ESQL;
	}
	return c->driver->exec(c, sql, err);
}

int drv_query(drv_conn *c, const char *sql, const char *const *params, int nparams,
              struct drv_rows **out, struct drv_err *err)
{
	if (out)
		*out = NULL;
	if (FAULT(c, FAULT_QUERY, STRATA_ESQL, err))
		return STRATA_ESQL;
	return c->driver->query(c, sql, params, nparams, out, err);
}

int drv_begin(drv_conn *c, struct drv_err *err)
{
	int rc;

	assert(!c->in_tx);
	if (FAULT(c, FAULT_BEGIN, STRATA_ESQL, err))
		return STRATA_ESQL;
	rc = c->driver->begin(c, err);
	if (!rc)
		c->in_tx = 1;
	return rc;
}

int drv_commit(drv_conn *c, struct drv_err *err)
{
	int rc;

	assert(c->in_tx);
#ifdef STRATA_FAULT_INJECTION
	if (FAULT(c, FAULT_COMMIT, STRATA_ESQL, err)) {
		/* a failed COMMIT ends the transaction, rolled back */
		struct drv_err ignored;
		drv_err_init(&ignored);
		c->driver->rollback(c, &ignored);
		drv_err_release(&ignored);
		c->in_tx = 0;
		return STRATA_ESQL;
	}
#endif
	rc = c->driver->commit(c, err);
	c->in_tx = 0;
	return rc;
}

int drv_rollback(drv_conn *c, struct drv_err *err)
{
	int rc;

	if (!c->in_tx)
		return 0;
	rc = c->driver->rollback(c, err);
	c->in_tx = 0;
	return rc;
}

int drv_lock(drv_conn *c, const char *key, struct drv_err *err)
{
	if (FAULT(c, FAULT_LOCK, STRATA_ELOCKED, err))
		return STRATA_ELOCKED;
	return c->driver->lock ? c->driver->lock(c, key, err) : 0;
}

int drv_unlock(drv_conn *c, const char *key, struct drv_err *err)
{
	return c->driver->unlock ? c->driver->unlock(c, key, err) : 0;
}

int drv_split(const struct strata_driver *d, const char *sql, struct drv_stmts *out,
              struct drv_err *err)
{
	out->n = 0;
	out->v = NULL;
	if (!d->split) {
		drv_err_set(err, STRATA_EUNSUPPORTED, "%s cannot split statements", d->name);
		return STRATA_EUNSUPPORTED;
	}
	return d->split(sql, out, err);
}

int drv_set_timeouts(drv_conn *c, long lock_ms, long statement_ms, struct drv_err *err)
{
	assert(c->in_tx);
	if (!c->driver->set_timeouts || (!lock_ms && !statement_ms))
		return 0;
	return c->driver->set_timeouts(c, lock_ms, statement_ms, err);
}

void drv_table_name(drv_conn *c, const char *table, struct sbuf *out)
{
	if (c->driver->table_name)
		c->driver->table_name(c, table, out);
	else
		sbuf_add_ident(out, table);
}

int drv_introspect(drv_conn *c, const char *schema_name, struct schema **out,
                   struct drv_err *err)
{
	*out = NULL;
	if (!c->driver->introspect) {
		drv_err_set(err, STRATA_EUNSUPPORTED, "%s cannot read its schema yet", c->driver->name);
		return STRATA_EUNSUPPORTED;
	}
	return c->driver->introspect(c, schema_name, out, err);
}

int drv_wipe(drv_conn *c, struct drv_err *err)
{
	if (!c->driver->wipe) {
		drv_err_set(err, STRATA_EUNSUPPORTED, "%s cannot drop every object", c->driver->name);
		return STRATA_EUNSUPPORTED;
	}
	return c->driver->wipe(c, err);
}

int drv_wipe_schema(drv_conn *c, struct drv_err *err)
{
	if (!c->driver->wipe_schema) {
		drv_err_set(err, STRATA_EUNSUPPORTED, "%s cannot drop its schema", c->driver->name);
		return STRATA_EUNSUPPORTED;
	}
	return c->driver->wipe_schema(c, err);
}

/* ---- version 2: engine knowledge ---- */

void drv_tracking_ddl(drv_conn *c, const char *qtable, const char *pg_schema, struct sbuf *out)
{
	c->driver->tracking_ddl(qtable, pg_schema, out);
}

int drv_tracking_exists(drv_conn *c, const char *table, const char *qtable, int *exists,
                        int *has_up, struct drv_err *err)
{
	int rc;

	*exists = 0;
	if (has_up)
		*has_up = 0;
	/* no FAULT here: the method's own queries go through drv_query(),
	 * which counts them as the core's queries were counted before */
	rc = c->driver->tracking_exists(c, table, qtable, exists, has_up, err);
	if (rc && !err->code)
		drv_err_set(err, rc, "%s failed without a message", c->driver->name);
	return rc;
}

int drv_wipe_schema_list(drv_conn *c, const char *pg_schema, struct drv_rows **out,
                         struct drv_err *err)
{
	*out = NULL;
	if (!c->driver->wipe_schema_list) {
		drv_err_set(err, STRATA_EUNSUPPORTED, "%s cannot list its objects", c->driver->name);
		return STRATA_EUNSUPPORTED;
	}
	return c->driver->wipe_schema_list(c, pg_schema, out, err);
}

int drv_stats(drv_conn *c, const struct schema *model, strata_stats_report *st, int exact,
              struct drv_err *err)
{
	if (!c->driver->stats) {
		drv_err_set(err, STRATA_EUNSUPPORTED, "%s has no statistics", c->driver->name);
		return STRATA_EUNSUPPORTED;
	}
	return c->driver->stats(c, model, st, exact, err);
}

int drv_scratch_url(const struct strata_driver *d, const struct strata_url *target,
                    const char *name, char **url, int *made)
{
	*url = NULL;
	*made = 0;
	if (!d->scratch_url)
		return STRATA_EUNSUPPORTED;
	return d->scratch_url(target, name, url, made);
}

int drv_dev_check(const struct strata_driver *d, const struct strata_url *dev,
                  const struct strata_url *target, struct drv_err *err)
{
	if (d->version < 3 || !d->dev_check)
		return 0;
	return d->dev_check(dev, target, err);
}

/* ---- version 4: a script and one statement after it ---- */

/* drv_exec_then and drv_exec_then_split: st NULL, the driver splits. */
static int exec_then(drv_conn *c, const char *sql, const struct drv_stmts *st,
                     const char *then_sql, const char *const *params, int nparams,
                     int ms_param, int *then_failed, struct drv_err *err)
{
	int rc;

	assert(c->driver->version >= 4 && c->driver->exec_then);
	assert(then_sql && nparams >= 0 && ms_param < nparams);
	*then_failed = 0;
	if (FAULT(c, FAULT_EXEC, STRATA_ESQL, err)) {
		err->offset = 0;
		err->stmt_len = (long)strlen(sql);
		return STRATA_ESQL;
	}
#ifdef STRATA_FAULT_INJECTION
	/* A query fault due now fails then_sql after sql ran, as the query
	 * after an exec would have: sql goes alone, so that what it did is
	 * there to be rolled back. */
	if (c->fault_countdown[FAULT_QUERY] == 1) {
		if ((rc = c->driver->exec(c, sql, err)) != 0)
			return rc;
		fault_hit(c, FAULT_QUERY, STRATA_ESQL, err);
		*then_failed = 1;
		return STRATA_ESQL;
	}
	if (FAULT(c, FAULT_QUERY, STRATA_ESQL, err)) /* counts down, never hits */
		return STRATA_ESQL;
#endif
	if (st && c->driver->version >= 6 && c->driver->exec_then_split)
		rc = c->driver->exec_then_split(c, sql, st, then_sql, params, nparams, ms_param,
		                                then_failed, err);
	else
		rc = c->driver->exec_then(c, sql, then_sql, params, nparams, ms_param, then_failed,
		                          err);
	assert(!rc || err->code);
	if (!rc)
		*then_failed = 0;
	return rc;
}

int drv_exec_then(drv_conn *c, const char *sql, const char *then_sql, const char *const *params,
                  int nparams, int ms_param, int *then_failed, struct drv_err *err)
{
	return exec_then(c, sql, NULL, then_sql, params, nparams, ms_param, then_failed, err);
}

/* ---- version 6: the same, split by the caller ---- */

int drv_exec_then_split(drv_conn *c, const char *sql, const struct drv_stmts *st,
                        const char *then_sql, const char *const *params, int nparams,
                        int ms_param, int *then_failed, struct drv_err *err)
{
	return exec_then(c, sql, st, then_sql, params, nparams, ms_param, then_failed, err);
}

void drv_elapsed_sql(drv_conn *c, int n, struct sbuf *out)
{
	if (c->driver->version >= 4 && c->driver->elapsed_sql)
		c->driver->elapsed_sql(n, out);
	else
		sbuf_addf(out, "$%d", n);
}

/* ---- version 5: a dev database on a server; read-only as opened ---- */

/* d's version 5 method m, or NULL. */
#define V5(d, m) ((d)->version >= 5 ? (d)->m : NULL)

static int no_method(struct drv_err *err, const char *what)
{
	drv_err_set(err, STRATA_EUNSUPPORTED, "this engine has no %s", what);
	return STRATA_EUNSUPPORTED;
}

int drv_dev_identify(drv_conn *c, char **id, struct drv_err *err)
{
	*id = NULL;
	if (!V5(c->driver, dev_identify))
		return no_method(err, "server identity");
	return c->driver->dev_identify(c, id, err);
}

int drv_dev_same(drv_conn *c, const char *a, const char *b)
{
	if (!V5(c->driver, dev_same))
		return 0;
	return c->driver->dev_same(a, b);
}

int drv_dev_lock(drv_conn *c, int *got, struct drv_err *err)
{
	*got = 0;
	if (!V5(c->driver, dev_lock))
		return no_method(err, "dev database lock");
	return c->driver->dev_lock(c, got, err);
}

int drv_dev_objects(drv_conn *c, struct drv_rows **out, struct drv_err *err)
{
	*out = NULL;
	if (!V5(c->driver, dev_objects))
		return no_method(err, "dev database listing");
	return c->driver->dev_objects(c, out, err);
}

int drv_dev_drop(drv_conn *c, const char *type, const char *identity, struct drv_err *err)
{
	if (!V5(c->driver, dev_drop))
		return no_method(err, "dev database drop");
	return c->driver->dev_drop(c, type, identity, err);
}

int drv_dev_save(drv_conn *c, void **state, struct drv_err *err)
{
	*state = NULL;
	if (!V5(c->driver, dev_save))
		return no_method(err, "dev database state");
	return c->driver->dev_save(c, state, err);
}

int drv_dev_restore(const struct strata_driver *d, drv_conn *c, void *state, struct drv_err *err)
{
	if (!state)
		return 0;
	/* state came from d's dev_save, so d has dev_restore */
	assert(V5(d, dev_restore));
	assert(!c || c->driver == d);
	return d->dev_restore(c, state, err);
}

int drv_scratch_match(drv_conn *target, drv_conn *scratch, struct drv_err *err)
{
	if (!V5(scratch->driver, scratch_match))
		return 0;
	return scratch->driver->scratch_match(target, scratch, err);
}

int drv_read_only(drv_conn *c, const char **file)
{
	if (file)
		*file = NULL;
	if (!c || !V5(c->driver, read_only))
		return -1;
	return c->driver->read_only(c, file);
}

int drv_plan(const struct strata_driver *d, const struct diff *df, const struct plan_opts *o,
             struct sbuf *sql, int *no_tx)
{
	*no_tx = 0;
	if (!d || !d->plan)
		return STRATA_EUNSUPPORTED;
	return d->plan(df, o, sql, no_tx);
}

/* ---- messages shared by the drivers and their splitters ---------------- */

/* Append s with every run of white space (libpq's "\n\t" continuation lines,
 * the server's "FATAL:  ") folded to one space, trimmed at both ends. */
void drv_add_flat(struct sbuf *sb, const char *s)
{
	int space = 0, any = 0;

	for (; s && *s; s++) {
		if (isspace((unsigned char)*s)) {
			space = 1;
			continue;
		}
		if (space && any)
			sbuf_addc(sb, ' ');
		sbuf_addc(sb, *s);
		space = 0;
		any = 1;
	}
}

/* err, emptied and set to code (no SQLSTATE, offset or reason yet). */
void drv_err_reset(struct drv_err *err, int code)
{
	err->code = code;
	err->sqlstate[0] = '\0';
	err->offset = -1;
	err->stmt_len = -1;
	err->why = 0;
	err->exists = 0;
	sbuf_reset(&err->msg);
	sbuf_reset(&err->detail);
	sbuf_reset(&err->hint);
}

/* err = code, prefix + the flattened text, on one line and printable;
 * "out of memory" when that could not be said. Returns the code. */
int drv_fail_text(struct drv_err *err, int code, const char *prefix, const char *text)
{
	drv_err_reset(err, code);
	sbuf_adds(&err->msg, prefix);
	drv_add_flat(&err->msg, text);
	if (!err->msg.len)
		sbuf_adds(&err->msg, "unknown error");
	sbuf_escape_controls(&err->msg, 0);
	if (sbuf_failed(&err->msg)) {
		err->code = STRATA_ENOMEM;
		sbuf_reset(&err->msg);
		sbuf_adds(&err->msg, "out of memory");
	}
	return err->code;
}
