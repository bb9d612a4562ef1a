/*
 * declarative.c: strata_diff, strata_generate, strata_push and
 * strata_verify: the declarative workflow over diff.c and the planners.
 *
 * Every source becomes a schema model the same way: a live database is
 * introspected; a schema file is executed into a scratch database and that
 * is introspected; a migrations directory has its up sections replayed into
 * a scratch database. So the engine itself is the parser, and a file's
 * types, defaults and constraints mean what the server says they mean.
 *
 * Scratch databases (scratch.c): SQLite, a fresh ":memory:" connection;
 * PostgreSQL, the --dev-url database (proven not the target and empty, and
 * emptied again of what we made), or else a database made for the occasion
 * on the target's server, dropped before the call returns, on every path.
 * A schema file runs there in a sandbox (sandbox.c): schema definition only.
 *
 * Down migrations are the diff the other way round, with the schema
 * file's renamed-from hints read backwards.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "diff.h"
#include "migration.h"
#include "foreign.h"
#include "schema.h"
#include "schema_source.h"
#include "scratch.h"

#include "backup.h"

static int is_pg_engine(const strata_db *db)
{
	return engine_from_name(db->url.engine) == SCHEMA_PG;
}

static int engine_of(const strata_db *db)
{
	return is_pg_engine(db) ? SCHEMA_PG : SCHEMA_SQLITE;
}

/* ---- plans ------------------------------------------------------------- */

void strata_plan_free(strata_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		free((char *)p->changes[i].object);
		free((char *)p->changes[i].note);
	}
	free(p->changes);
	free((char *)p->up_sql);
	free((char *)p->down_sql);
	for (i = 0; i < p->nfiles; i++)
		free((char *)p->files[i]);
	free(p->files);
	free(p);
}

static strata_plan *plan_new(void)
{
	strata_plan *p = calloc(1, sizeof *p);

	if (p && !(p->up_sql = strdup(""))) {
		free(p);
		p = NULL;
	}
	return p;
}

/* Append one change to p; strings are copied. 0 or STRATA_ENOMEM. */
static int plan_add(strata_plan *p, const char *kind, const char *object, int cls, const char *note)
{
	strata_change *nv, *c;

	nv = realloc(p->changes, (p->n + 1) * sizeof *nv);
	if (!nv)
		return STRATA_ENOMEM;
	p->changes = nv;
	c = &p->changes[p->n];
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->cls = (strata_change_class)cls;
	c->rows_at_stake = -1;
	c->object = strdup(object ? object : "");
	c->note = note ? strdup(note) : NULL;
	if (!c->object || (note && !c->note)) {
		free((char *)c->object);
		free((char *)c->note);
		return STRATA_ENOMEM;
	}
	p->n++;
	return 0;
}

static int plan_add_diff(strata_plan *p, const struct diff *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (plan_add(p, diff_kind_name(d->v[i].kind), d->v[i].object, d->v[i].cls, d->v[i].note))
			return STRATA_ENOMEM;
	return 0;
}

static int plan_add_file(strata_plan *p, const char *path)
{
	const char **nv = realloc(p->files, (p->nfiles + 1) * sizeof *nv);

	if (!nv)
		return STRATA_ENOMEM;
	p->files = nv;
	if (!(nv[p->nfiles] = strdup(path)))
		return STRATA_ENOMEM;
	p->nfiles++;
	return 0;
}

#ifdef STRATA_FAULT_INJECTION
/*
 * The test seam of the convergence guard: with "plan:1" among STRATA_FAULT's
 * operations (driver.c reads the others), every plan loses its last
 * statement, as a planner that forgot one would write it.
 */
static void fault_plan(struct sbuf *sb)
{
	const char *f = getenv("STRATA_FAULT");
	size_t end;

	if (!f || !strstr(f, "plan:1") || sbuf_failed(sb) || sb->len < 2)
		return;
	/* the statements end ";\n": cut after the one before the last */
	for (end = sb->len - 2; end > 0; end--)
		if (sb->buf[end - 1] == '\n' && end >= 2 && sb->buf[end - 2] == ';')
			break;
	sb->len = end;
	sb->buf[end] = '\0';
}
#endif

/* The SQL of d (restricted by po) into *out (a new string). */
static int make_sql(strata_db *db, const struct diff *d, const struct plan_opts *po, char **out,
                    int *no_tx)
{
	struct sbuf sb = SBUF_INIT;
	int rc, ntx = 0;

	*out = NULL;
	rc = drv_plan(driver_for_engine(d->engine), d, po, &sb, &ntx);
	if (!rc && sbuf_failed(&sb))
		rc = STRATA_ENOMEM;
	if (rc) {
		sbuf_release(&sb);
		if (rc == STRATA_ENOMEM)
			return db_error(db, rc, "out of memory");
		return db_error(db, rc, "cannot write the SQL for this change on %s yet",
		                d->engine == SCHEMA_SQLITE ? "SQLite" : "PostgreSQL");
	}
#ifdef STRATA_FAULT_INJECTION
	fault_plan(&sb);
#endif
	if (no_tx)
		*no_tx = ntx;
	*out = sbuf_detach(&sb);
	return *out ? 0 : db_error(db, STRATA_ENOMEM, "out of memory");
}

/* ---- sources ------------------------------------------------------------ */

enum src_kind { SRC_URL, SRC_DIR, SRC_FILE };

static enum src_kind source_kind(const char *src)
{
	struct stat st;

	if (!strncmp(src, "sqlite:", 7) || !strncmp(src, "sqlite3:", 8) || strstr(src, "://") ||
	    strata_url_engine(src))
		return SRC_URL;
	if (stat(src, &st) == 0 && S_ISDIR(st.st_mode))
		return schema_source_is_folder(src) ? SRC_FILE : SRC_DIR;
	return SRC_FILE;
}

/* What whose (a phrase: "the database") holds that the model does not
 * carry is left out of every diff: said, never silent. */
static void warn_unmodeled(strata_db *db, const struct schema *s, const char *whose)
{
	struct sbuf sb = SBUF_INIT;
	size_t i, shown = s->unmodeled.n > 6 ? 5 : s->unmodeled.n;

	if (!s->unmodeled.n || !whose)
		return;
	for (i = 0; i < shown; i++)
		sbuf_addf(&sb, "%s%s", i ? ", " : "", s->unmodeled.v[i]);
	if (shown < s->unmodeled.n)
		sbuf_addf(&sb, " and %zu more", s->unmodeled.n - shown);
	db_log(db, STRATA_LOG_WARN, "%s holds what strata's model does not carry, left out of "
	       "this comparison: %s", whose, sbuf_failed(&sb) ? "(out of memory)" : sb.buf);
	sbuf_release(&sb);
}

static int introspect_conn(strata_db *db, drv_conn *c, const char *what, const char *whose,
                           struct schema **out)
{
	struct drv_err e;
	int rc;

	drv_err_init(&e);
	rc = drv_introspect(c, NULL, out, &e);
	if (rc) {
		db_error_drv(db, &e, what);
	} else {
		schema_filter_internal(*out, db->table);
		warn_unmodeled(db, *out, whose);
	}
	drv_err_release(&e);
	return rc;
}

/* For db_exec_at(): SQL the engine rejects is the input's fault, not the
 * database's. */
static int input_code(int code)
{
	return code == STRATA_ESQL ? STRATA_EPARSE : code;
}

/* A schema source (a .sql file, JSON, a folder: schema_source.c) -> its
 * model (through a scratch database) and its hints. */
static int load_file(strata_db *db, const char *path, const char *dev_url, struct schema **out,
                     struct diff_hints *hints)
{
	struct sbuf err = SBUF_INIT;
	struct schema_names populated = { NULL, 0, 0 };
	struct schema_parts parts = { NULL, 0 };
	struct scratch s;
	struct schema_view *v;
	const char *nul;
	size_t bad, i;
	int rc;

	*out = NULL;
	rc = schema_source_read(path, engine_of(db), &parts, &err);
	if (rc) {
		rc = db_error(db, rc, "%s", sbuf_failed(&err) ? "out of memory" : err.buf);
		goto out;
	}
	for (i = 0; i < parts.n; i++) {
		const struct schema_part *pt = &parts.v[i];
		/* The engines read SQL as a C string: a NUL would end the file
		 * there, and push would drop every table defined after it. */
		if ((nul = memchr(pt->text, '\0', pt->len)) != NULL) {
			rc = db_error(db, STRATA_EPARSE, "%s:%ld: NUL byte in the schema file", pt->path,
			              util_line_of(pt->text, (size_t)(nul - pt->text)));
			goto out;
		}
		if (!util_utf8_valid(pt->text, pt->len, &bad)) {
			rc = db_error(db, STRATA_EPARSE, "%s:%ld: invalid UTF-8", pt->path,
			              util_line_of(pt->text, bad));
			goto out;
		}
	}
	if (hints && (rc = schema_source_hints(&parts, engine_of(db), hints, &err)) != 0) {
		rc = db_error(db, rc, "%s", sbuf_failed(&err) ? "out of memory" : err.buf);
		goto out;
	}
	if ((rc = scratch_open(db, dev_url, &s)) != 0)
		goto out;
	for (i = 0; i < parts.n && !rc; i++)
		rc = sandbox_exec(db, s.conn, parts.v[i].text, parts.v[i].path, &populated);
	if (!rc)
		rc = introspect_conn(db, s.conn, "cannot read the schema back", path, out);
	scratch_close(db, &s);
	/* The sandbox made every materialized view WITH NO DATA: those the
	 * file did not are populated in the model it declares. */
	for (i = 0; !rc && i + 1 < populated.n; i += 2)
		if ((v = schema_find_view(*out, populated.v[i], populated.v[i + 1])) != NULL)
			v->with_no_data = 0;
out:
	schema_names_release(&populated);
	schema_parts_release(&parts);
	sbuf_release(&err);
	return rc;
}

/* Replay the up sections of ms (those selected by want, all when NULL) into
 * a scratch database and read it back. */
static int replay(strata_db *db, const struct migration_set *ms, const unsigned char *want,
                  const char *dev_url, struct schema **out)
{
	struct scratch s;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = scratch_open(db, dev_url, &s)) != 0)
		return rc;
	for (i = 0; i < ms->n && !rc; i++) {
		const struct migration *m = &ms->v[i];
		if ((want && !want[i]) || !m->up.sql)
			continue;
		rc = db_exec_at(db, s.conn, m->up.sql, m->path, m->up.line, input_code);
	}
	if (!rc)
		rc = introspect_conn(db, s.conn, "cannot read the migrations' schema back",
		                     "the migrations' schema", out);
	scratch_close(db, &s);
	return rc;
}

/* The migrations of dir; a directory that does not exist yet is empty. */
static int load_dir(strata_db *db, const char *dir, struct migration_set *ms, int must_exist)
{
	struct sbuf err = SBUF_INIT;
	int rc;

	memset(ms, 0, sizeof *ms);
	rc = migrations_load(dir, ms, &err);
	if (rc == STRATA_ENOTFOUND && !must_exist) {
		migrations_release(ms);
		memset(ms, 0, sizeof *ms);
		rc = 0;
	} else if (rc) {
		db_error(db, rc, "%s", sbuf_failed(&err) ? "out of memory" : err.buf);
		migrations_release(ms);
	}
	sbuf_release(&err);
	return rc;
}

static int same_database(const strata_db *db, const struct strata_url *u)
{
	if (!db->url.engine || strcmp(db->url.engine, u->engine) != 0)
		return 0;
	if (u->path && db->url.path)
		return strcmp(u->path, ":memory:") != 0 && strcmp(u->path, db->url.path) == 0;
	return u->conninfo && db->url.conninfo && strcmp(u->conninfo, db->url.conninfo) == 0;
}

/* Any source -> a model; hints filled for a schema file. */
static int load_source(strata_db *db, const char *src, const char *dev_url, struct schema **out,
                       struct diff_hints *hints, int *is_file)
{
	struct migration_set ms;
	int rc;

	*out = NULL;
	*is_file = 0;
	switch (source_kind(src)) {
	case SRC_URL: {
		struct strata_url u;
		struct drv_err e;
		struct drv_open_opts o;
		drv_conn *c = NULL;

		drv_err_init(&e);
		rc = url_parse(src, &u, &e);
		if (rc) {
			db_error_drv(db, &e, NULL);
			drv_err_release(&e);
			return rc;
		}
		if (strcmp(u.engine, db->url.engine ? db->url.engine : "") != 0) {
			rc = db_error(db, STRATA_EUSAGE, "cannot diff a %s database (%s) on %s", u.engine,
			              u.redacted, db->url.engine ? db->url.engine : "?");
		} else if (same_database(db, &u) && db->conn) {
			rc = introspect_conn(db, db->conn, "cannot read the schema", "the database", out);
		} else if (u.path && strcmp(u.path, ":memory:") != 0 && access(u.path, F_OK) != 0) {
			rc = db_error(db, STRATA_ENOTFOUND, "%s: no such database file", u.path);
		} else {
			memset(&o, 0, sizeof o);
			o.busy_timeout_ms = db->busy_timeout_ms;
			o.log = db->log;
			o.log_payload = db->log_payload;
			rc = drv_open(&c, &u, &o, &e);
			if (rc)
				db_error_drv(db, &e, NULL);
			else
				rc = introspect_conn(db, c, "cannot read the schema", u.redacted, out);
			drv_close(c);
		}
		drv_err_release(&e);
		url_release(&u);
		return rc;
	}
	case SRC_DIR:
		if ((rc = load_dir(db, src, &ms, 1)) != 0)
			return rc;
		rc = replay(db, &ms, NULL, dev_url, out);
		migrations_release(&ms);
		return rc;
	case SRC_FILE:
		*is_file = 1;
		return load_file(db, src, dev_url, out, hints);
	}
	return STRATA_ERROR;
}

static int need_db(strata_db *db)
{
	db_clear_error(db);
	if (!db->url.engine)
		return db->errcode ? db->errcode : db_error(db, STRATA_ECONNECT, "not connected");
	return 0;
}

static int need_conn(strata_db *db)
{
	int rc = need_db(db);

	if (rc)
		return rc;
	if (!db->conn)
		return db_error(db, STRATA_ECONNECT, "not connected");
	return 0;
}

static int diff_models(strata_db *db, const struct schema *a, const struct schema *b,
                       const struct diff_hints *h, int hints_from, struct diff **out)
{
	struct diff_opts o;
	struct sbuf why = SBUF_INIT;
	int rc;

	*out = NULL;
	if (diff_pg_refused(a, b, &why)) {
		rc = sbuf_failed(&why) ? db_error(db, STRATA_ENOMEM, "out of memory")
		                       : db_error(db, STRATA_EUNSUPPORTED, "%s", why.buf);
		sbuf_release(&why);
		return rc;
	}
	memset(&o, 0, sizeof o);
	o.hints = h;
	o.hints_describe_from = hints_from;
	o.needs_rebuild = driver_for_engine(a->engine) ? driver_for_engine(a->engine)->needs_rebuild
	                                               : NULL;
	rc = diff_schemas(a, b, &o, out);
	if (rc)
		return db_error(db, rc, "out of memory");
	if ((*out)->refused) {
		rc = db_error(db, STRATA_EUNSUPPORTED, "%s", (*out)->refused);
		diff_free(*out);
		*out = NULL;
	}
	return rc;
}

/* Names the differences of d (from what is made to what was wanted) into
 * sb: "create_table t, add_column u.x, ..." (the first five). */
static void name_changes(struct sbuf *sb, const struct diff *d)
{
	size_t i;

	for (i = 0; i < d->n && i < 5; i++)
		sbuf_addf(sb, "%s%s %s", i ? ", " : "", diff_kind_name(d->v[i].kind), d->v[i].object);
	if (d->n > 5)
		sbuf_addf(sb, ", and %zu more", d->n - 5);
}

/*
 * Convergence: read back what the SQL made on c and compare it with want.
 * The planners are trusted to write SQL that makes the schema file's
 * schema; this proves it each time, so that a change strata plans wrong
 * is an error naming it, never a database left short of what was asked.
 * It sees what the schema model holds: a clause the model does not hold
 * is not compared (the sandbox refuses those it knows of, by file:line).
 * 0 when equal; else STRATA_ERROR, "what (still to do: ...)tail".
 */
static int converged(strata_db *db, drv_conn *c, const struct schema *want, const char *what,
                     const char *tail)
{
	struct schema *got = NULL;
	struct diff *d = NULL;
	struct sbuf names = SBUF_INIT;
	int rc;

	if ((rc = introspect_conn(db, c, "cannot read the result back", NULL, &got)) != 0)
		return rc;
	if ((rc = diff_models(db, got, want, NULL, 0, &d)) == 0 && d->n) {
		name_changes(&names, d);
		rc = db_error(db, STRATA_ERROR, "%s (still to do: %s)%s", what,
		              sbuf_failed(&names) ? "?" : names.buf, tail);
	}
	sbuf_release(&names);
	diff_free(d);
	schema_free(got);
	return rc;
}

/* ---- strata_diff ---------------------------------------------------------- */

/* The plan's SQL shows the late part too, where it runs: up after, down before. */
static int plan_append_late(strata_db *db, strata_plan *p, const char *up, const char *down,
                            const char *where)
{
	struct sbuf u = SBUF_INIT, d = SBUF_INIT;

	sbuf_adds(&u, p->up_sql ? p->up_sql : "");
	sbuf_addf(&u, "\n-- then, outside a transaction (%s):\n", where);
	sbuf_adds(&u, up);
	sbuf_addf(&d, "-- first, outside a transaction (%s):\n", where);
	sbuf_adds(&d, down ? down : "");
	sbuf_adds(&d, "\n-- then:\n");
	sbuf_adds(&d, p->down_sql ? p->down_sql : "");
	if (sbuf_failed(&u) || sbuf_failed(&d)) {
		sbuf_release(&u);
		sbuf_release(&d);
		return db_error(db, STRATA_ENOMEM, "out of memory");
	}
	free((char *)p->up_sql);
	free((char *)p->down_sql);
	p->up_sql = sbuf_detach(&u);
	p->down_sql = sbuf_detach(&d);
	return 0;
}

/*
 * The SQL of up diff d into p (up_sql, no_transaction) and, when dn is
 * given, of its down diff into p->down_sql. With safe (PostgreSQL), the
 * lock-safe forms: the late part shown where it runs (up after the main
 * part, down before); for a caller that runs the parts, the main part's up
 * also in *main_up and the late part's in *late (when given; both NULL when
 * there is no late part).
 */
static int plan_sql(strata_db *db, const struct diff *d, const struct diff *dn, int safe,
                    int concurrent, strata_plan *p, char **main_up, char **late)
{
	struct plan_opts po;
	char *u = NULL, *down = NULL, *lu = NULL, *ld = NULL;
	int rc, no_tx = 0;

	if (main_up)
		*main_up = NULL;
	if (late)
		*late = NULL;
	memset(&po, 0, sizeof po);
	po.concurrent_indexes = safe ? 0 : concurrent;
	po.safe = safe ? PLAN_SAFE_MAIN : 0;
	if ((rc = make_sql(db, d, &po, &u, &no_tx)) != 0)
		goto out;
	if (dn) {
		po.concurrent_indexes = 0;
		po.safe = safe ? PLAN_SAFE_DOWN : 0;
		po.up = d;
		if ((rc = make_sql(db, dn, &po, &down, NULL)) != 0)
			goto out;
	}
	if (safe) {
		po.safe = PLAN_SAFE_LATE;
		if ((rc = make_sql(db, d, &po, &lu, NULL)) != 0)
			goto out;
		if (dn) {
			po.safe = PLAN_SAFE_LATE_DOWN;
			if ((rc = make_sql(db, d, &po, &ld, NULL)) != 0)
				goto out;
		}
	}
	free((char *)p->up_sql);
	free((char *)p->down_sql);
	p->up_sql = u;
	p->down_sql = down;
	p->no_transaction = no_tx;
	u = down = NULL;
	if (lu && *lu) {
		p->no_transaction = 1;
		if (main_up && !(*main_up = strdup(p->up_sql))) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		if ((rc = plan_append_late(db, p, lu, ld, "each statement on its own")) != 0)
			goto out;
		if (!dn) {
			/* no down asked for: none shown */
			free((char *)p->down_sql);
			p->down_sql = NULL;
		}
		if (late) {
			*late = lu;
			lu = NULL;
		}
	}
out:
	free(u);
	free(down);
	free(lu);
	free(ld);
	return rc;
}


int strata_diff(strata_db *db, const char *from, const char *to, const strata_diff_opts *opts,
                strata_plan **out)
{
	static const strata_diff_opts defaults = STRATA_DIFF_OPTS_INIT;
	struct schema *a = NULL, *b = NULL;
	struct diff_hints ha, hb;
	struct diff *up = NULL, *down = NULL;
	strata_plan *p = NULL;
	int rc, a_file = 0, b_file = 0, safe;
	const struct diff_hints *h;
	int hfrom;

	*out = NULL;
	memset(&ha, 0, sizeof ha);
	memset(&hb, 0, sizeof hb);
	if (!opts)
		opts = &defaults;
	if ((rc = db_check_version(db, "strata_diff_opts", opts->version, STRATA_DIFF_OPTS_VERSION)) != 0)
		return rc;
	if ((rc = need_db(db)) != 0)
		return rc;
	if (!from || !to || !*from || !*to)
		return db_error(db, STRATA_EUSAGE, "diff needs a FROM and a TO source");
	if ((rc = load_source(db, from, opts->dev_url, &a, &ha, &a_file)) != 0 ||
	    (rc = load_source(db, to, opts->dev_url, &b, &hb, &b_file)) != 0)
		goto out;
	/* The hints of the file on the TO side; else those of the FROM file. */
	h = hb.n || !ha.n ? &hb : &ha;
	hfrom = h == &ha;
	if ((rc = diff_models(db, a, b, h, hfrom, &up)) != 0)
		goto out;
	if (!(p = plan_new())) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = plan_add_diff(p, up)) != 0) {
		rc = db_error(db, rc, "out of memory");
		goto out;
	}
	if (opts->with_down && (rc = diff_models(db, b, a, h, !hfrom, &down)) != 0)
		goto out;
	/* Version 1 callers asked before the lock-safe forms were the default. */
	safe = up->engine == SCHEMA_PG && opts->version >= 2 && !opts->plain;
	rc = plan_sql(db, up, down, safe, opts->concurrent_indexes, p, NULL, NULL);
out:
	diff_free(up);
	diff_free(down);
	schema_free(a);
	schema_free(b);
	diff_hints_release(&ha);
	diff_hints_release(&hb);
	if (rc)
		strata_plan_free(p);
	else
		*out = p;
	return rc;
}

/* ---- strata_generate ---------------------------------------------------------- */

/* The text of one migration file. */
static char *migration_text(const struct diff *up, const struct plan_opts *po, const char *up_sql,
                            const char *down_sql, int no_tx)
{
	struct sbuf sb = SBUF_INIT;
	size_t i;

	sbuf_addf(&sb, "-- migrate:up%s\n", no_tx ? " transaction:false" : "");
	for (i = 0; i < up->n; i++) {
		const struct diff_change *c = &up->v[i];
		if (c->cls == STRATA_CHANGE_SAFE || !plan_selects(po, c))
			continue;
		sbuf_addf(&sb, "-- %s: %s %s%s%s\n",
		          c->cls == STRATA_CHANGE_DESTRUCTIVE ? "destructive" : "data-dependent",
		          diff_kind_name(c->kind), c->object, c->note ? ": " : "", c->note ? c->note : "");
	}
	sbuf_adds(&sb, up_sql);
	sbuf_adds(&sb, "\n-- migrate:down\n");
	sbuf_adds(&sb, down_sql);
	return sbuf_detach(&sb);
}

/* The text of generate's late migration (PLAN_SAFE_LATE): outside a
 * transaction, each statement on its own. */
static char *late_text(const char *up_sql, const char *down_sql)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_adds(&sb, "-- migrate:up transaction:false\n"
	          "-- strata: what would lock the tables of the migration before this one for a scan\n"
	          "-- or an index build, each statement in a transaction of its own; it can run again\n"
	          "-- after stopping partway (an index whose build failed is dropped and built anew)\n");
	sbuf_adds(&sb, up_sql);
	sbuf_adds(&sb, "\n-- migrate:down transaction:false\n");
	sbuf_adds(&sb, down_sql);
	return sbuf_detach(&sb);
}


/* A file-name-safe spelling of a table name. */
static void add_safe_name(struct sbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		sbuf_addc(sb, (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		              c == '_' || c == '-' ? (char)c : '_');
	}
}

static long group_of(char *const *owners, size_t n, const char *name)
{
	size_t k;

	for (k = 0; name && k < n; k++)
		if (!strcmp(owners[k], name))
			return (long)k;
	return -1;
}

/* name as the up diff up calls it: a table that up renames is named by
 * its new name (the down diff names it by its old one, its B side). */
static const char *up_name(const struct diff *up, const char *name)
{
	size_t i;

	for (i = 0; name && i < up->npairs; i++) {
		const struct diff_table *p = up->pairs[i];
		if (p->a && p->b && strcmp(p->a->name, p->b->name) != 0 && !strcmp(p->a->name, name))
			return p->b->name;
	}
	return name;
}

/*
 * --per-table: a foreign key belongs to the later of its own table's
 * migration and the one of the table it references, so that the up of
 * that migration finds both tables, and its down (which runs first)
 * drops the key before the referenced table goes. The key of a table that
 * the up drops stays with it: it goes before its table, whose migration
 * may run before the other one; so does, in the down, the key of the table
 * the down makes again.
 */
static int move_foreign_keys(strata_db *db, const struct diff *up, struct diff *d,
                             char *const *owners, size_t n, int down)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct diff_change *c = &d->v[i];
		const struct schema_fk *fk = c->fb ? c->fb : c->fa;
		long g1, g2;
		char *o;

		if ((c->kind != DIFF_ADD_FK && c->kind != DIFF_DROP_FK) || !fk ||
		    (!down && c->kind == DIFF_DROP_FK && c->pair && !c->pair->b) ||
		    (down && c->kind == DIFF_ADD_FK && c->pair && !c->pair->a))
			continue;
		g1 = group_of(owners, n, c->owner);
		g2 = group_of(owners, n, down ? up_name(up, fk->ref_table) : fk->ref_table);
		if (g2 <= g1)
			continue;
		if (!(o = strdup(owners[g2])))
			return db_error(db, STRATA_ENOMEM, "out of memory");
		free(c->owner);
		c->owner = o;
	}
	return 0;
}

/*
 * --per-table: up migrations run first to last, downs last to first, and
 * the views' migration ("other") is the last. So a view that must go
 * before its table changes goes in that table's migration on the way up
 * and in "other" (which runs first) on the way down; one made after goes
 * in "other" on the way up and in the table's migration on the way down.
 */
static void place_views(struct diff *d, int down)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct diff_change *c = &d->v[i];
		if ((down && c->kind == DIFF_DROP_VIEW) || (!down && c->kind == DIFF_CREATE_VIEW)) {
			free(c->owner);
			c->owner = NULL;
		}
	}
}

/*
 * --per-table: the changes around a re-made function (diff.h, follows).
 * Its drop and creation are in the last migration ("other"), which runs
 * last up and first down; so on the way up what must go before it goes in
 * its table's migration and what comes back after goes in "other"; on the
 * way down, the other way round.
 */
static void place_follows(struct diff *d, int down)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		struct diff_change *c = &d->v[i];
		if (c->follows == (down ? DIFF_FOLLOWS_BEFORE : DIFF_FOLLOWS_AFTER)) {
			free(c->owner);
			c->owner = NULL;
		}
	}
}

/*
 * --per-table: the groups are named after the up's tables; a down change of
 * a table the up renames names it by its old name, and would fall in no
 * group (its migration got an empty down section). Name it as the up does.
 */
static int down_owners_as_up(strata_db *db, const struct diff *up, struct diff *down)
{
	size_t i;

	for (i = 0; i < down->n; i++) {
		struct diff_change *c = &down->v[i];
		const char *n = up_name(up, c->owner);
		char *o;

		if (!c->owner || n == c->owner)
			continue;
		if (!(o = strdup(n)))
			return db_error(db, STRATA_ENOMEM, "out of memory");
		free(c->owner);
		c->owner = o;
	}
	return 0;
}

/* Rewrite strata.sum when dir keeps one. */
static int update_sum(strata_db *db, const char *dir)
{
	struct migration_set ms;
	struct sbuf sp = SBUF_INIT, err = SBUF_INIT;
	int rc = 0;

	sbuf_addf(&sp, "%s/strata.sum", dir);
	if (access(sp.buf, F_OK) == 0) {
		memset(&ms, 0, sizeof ms);
		rc = migrations_load(dir, &ms, &err);
		if (!rc)
			rc = sum_write(dir, &ms, &err);
		if (rc)
			db_error(db, rc, "%s", sbuf_failed(&err) ? "out of memory" : err.buf);
		migrations_release(&ms);
	}
	sbuf_release(&sp);
	sbuf_release(&err);
	return rc;
}

/* Create one migration file through strata_new_migration (its versioning
 * rules), then give it its body. */
static int write_migration(strata_db *db, const char *dir, const char *name, const char *text,
                           strata_plan *p)
{
	char *path = NULL, *err = NULL;
	int rc = strata_new_migration(dir, name, &path, &err);

	if (rc) {
		rc = db_error(db, rc, "%s", err ? err : strata_strerror(rc));
		free(err);
		return rc;
	}
	if (plan_add_file(p, path)) {
		unlink(path);
		free(path);
		return db_error(db, STRATA_ENOMEM, "out of memory");
	}
	rc = util_write_file(path, text, strlen(text));
	if (rc)
		rc = db_error(db, rc, "cannot write %s: %s", path, strerror(errno));
	free(path);
	return rc;
}

/* One migration file generate writes: its name (before the version) and SQL. */
struct gen_file {
	char *name, *up, *down;
	int no_tx;
	size_t group;   /* --per-table: its group (gen_plan_opts) */
};

/* --per-table: the plan options of file k (the last, past the tables: "other"). */
static void gen_plan_opts(struct plan_opts *po, char *const *owners, size_t nowners, size_t k)
{
	memset(po, 0, sizeof *po);
	if (k < nowners)
		po->owner = owners[k];
	else
		po->owner_none = 1;
}

/* A generated statement that fails is strata's fault, not the input's. */
static int generated_code(int code)
{
	return code == STRATA_ESQL ? STRATA_ERROR : code;
}

/* A generated script run in conn: one call, or, when it is to run outside
 * a transaction (no_tx), statement by statement, as the runner does (a
 * multi-statement call is one implicit transaction on PostgreSQL). */
static int exec_script(strata_db *db, drv_conn *conn, const char *sql, int no_tx, const char *where)
{
	struct drv_stmts st = { 0, NULL };
	struct drv_err e;
	struct sbuf one = SBUF_INIT;
	size_t i;
	int rc = 0;

	if (!no_tx)
		return db_exec_at(db, conn, sql, where, 1, generated_code);
	drv_err_init(&e);
	if ((rc = drv_split(conn->driver, sql, &st, &e)) != 0)
		rc = db_error_drv(db, &e, where);
	for (i = 0; !rc && i < st.n; i++) {
		sbuf_reset(&one);
		sbuf_add(&one, sql + st.v[i].offset, st.v[i].len);
		if (sbuf_failed(&one))
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
		else
			rc = db_exec_at(db, conn, one.buf, where, (long)util_line_of(sql, st.v[i].offset),
			                generated_code);
	}
	sbuf_release(&one);
	drv_stmts_release(&st);
	drv_err_release(&e);
	return rc;
}

/*
 * Convergence of generate: in a scratch database, the migrations of ms,
 * then the new files' ups in order, must make b (the schema file's
 * schema); then their downs, last to first, must give back a (what the
 * migrations make). Else an error naming the difference, and nothing is
 * written. A --per-table set that does not apply in order fails here too.
 */
static int generate_converges(strata_db *db, const struct migration_set *ms,
                              const char *base_sql, const struct gen_file *f, size_t n,
                              const struct schema *a, const struct schema *b, const char *dev_url)
{
	struct scratch s;
	struct sbuf where = SBUF_INIT;
	size_t i;
	int rc, down_fails = 0;

	if ((rc = scratch_open(db, dev_url, &s)) != 0)
		return rc;
	/* --from-db: the live schema (as dump prints it) stands for the
	 * migrations. */
	if (base_sql && (rc = db_exec_at(db, s.conn, base_sql, "generate --from-db: the live "
	                                 "schema, made again in a scratch database", 1,
	                                 generated_code)) != 0)
		sbuf_adds(&db->errmsg, ": nothing was written");
	for (i = 0; i < ms->n && !rc; i++)
		if (ms->v[i].up.sql)
			rc = db_exec_at(db, s.conn, ms->v[i].up.sql, ms->v[i].path, ms->v[i].up.line,
			                input_code);
	for (i = 0; i < n && !rc; i++) {
		sbuf_reset(&where);
		sbuf_addf(&where, "generate: the up of the new migration %s", f[i].name);
		if ((rc = exec_script(db, s.conn, f[i].up, f[i].no_tx, where.buf)) != 0)
			sbuf_adds(&db->errmsg, ": nothing was written");
	}
	if (!rc)
		rc = converged(db, s.conn, b, "generate: the new migration would not make the schema "
		               "file's schema", ": nothing was written");
	/* A down the engine itself cannot run (an extension with no update
	 * path back to its old version) does not make the up wrong: the file
	 * is written, with a warning that its down fails the same way; a down
	 * that runs must give back the migrations' schema. */
	for (i = n; i > 0 && !rc && !down_fails; i--) {
		sbuf_reset(&where);
		sbuf_addf(&where, "the down of the new migration %s", f[i - 1].name);
		if (exec_script(db, s.conn, f[i - 1].down, f[i - 1].no_tx, where.buf) != 0) {
			db_log(db, STRATA_LOG_WARN, "generate: %s; the migration is written, and its down "
			       "will fail the same way: write its down section by hand", db->errmsg.buf);
			db_clear_error(db);
			down_fails = 1;
		}
	}
	if (!rc && !down_fails)
		rc = converged(db, s.conn, a, "generate: the new migration's down would not give back "
		               "the migrations' schema", ": nothing was written");
	scratch_close(db, &s);
	sbuf_release(&where);
	return rc;
}

int strata_generate(strata_db *db, const strata_generate_opts *opts, strata_plan **out)
{
	static const strata_generate_opts defaults = STRATA_GENERATE_OPTS_INIT;
	struct migration_set ms;
	struct schema *a = NULL, *b = NULL;
	struct diff_hints h;
	struct diff *up = NULL, *down = NULL;
	struct plan_opts po;
	strata_plan *p = NULL;
	const char *schema_file;
	char **owners = NULL;
	struct gen_file *files = NULL, late = { NULL, NULL, NULL, 1, 0 };
	struct sbuf base = SBUF_INIT;
	size_t nowners = 0, nfiles = 0, ngroups = 0, i, k;
	int rc, has_none = 0, safe;

	*out = NULL;
	memset(&h, 0, sizeof h);
	memset(&ms, 0, sizeof ms);
	if (!opts)
		opts = &defaults;
	if ((rc = db_check_version(db, "strata_generate_opts", opts->version,
	                           STRATA_GENERATE_OPTS_VERSION)) != 0)
		return rc;
	schema_file = opts->schema_file && *opts->schema_file ? opts->schema_file : "schema.sql";
	if ((rc = need_db(db)) != 0)
		return rc;
	if (!opts->dry_run && (!opts->name || !*opts->name))
		return db_error(db, STRATA_EUSAGE, "generate needs a migration NAME");
	if ((rc = load_dir(db, db->dir, &ms, 0)) != 0)
		return rc;
	if (opts->version >= 2 && opts->from_db) {
		/* The live database is the current state: read (never
		 * changed), and to prove the migration, made again from its
		 * dump in the scratch database instead of the replay. */
		migrations_release(&ms);
		memset(&ms, 0, sizeof ms);
		if ((rc = need_conn(db)) != 0 ||
		    (rc = introspect_conn(db, db->conn, "cannot read the schema", "the database",
		                          &a)) != 0)
			goto out;
		if (schema_render_sql(a, engine_of(db), &base) != 0) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
	} else if ((rc = replay(db, &ms, NULL, opts->dev_url, &a)) != 0) {
		goto out;
	}
	if ((rc = load_file(db, schema_file, opts->dev_url, &b, &h)) != 0)
		goto out;
	if ((rc = diff_models(db, a, b, &h, 0, &up)) != 0 ||
	    (rc = diff_models(db, b, a, &h, 1, &down)) != 0)
		goto out;
	if (!(p = plan_new()) || plan_add_diff(p, up)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	if (up->n == 0)
		goto out;
	safe = up->engine == SCHEMA_PG && !(opts->version >= 3 && opts->plain);
	memset(&po, 0, sizeof po);
	{
		char *u = NULL, *dn = NULL;
		int ntx = 0;
		po.safe = safe ? PLAN_SAFE_MAIN : 0;
		if ((rc = make_sql(db, up, &po, &u, &ntx)) != 0)
			goto out;
		po.safe = safe ? PLAN_SAFE_DOWN : 0;
		po.up = up;
		if ((rc = make_sql(db, down, &po, &dn, NULL)) != 0) {
			free(u);
			goto out;
		}
		free((char *)p->up_sql);
		p->up_sql = u;
		p->down_sql = dn;
		p->no_transaction = ntx;
		if (safe) {
			po.safe = PLAN_SAFE_LATE;
			if ((rc = make_sql(db, up, &po, &late.up, NULL)) != 0)
				goto out;
			po.safe = PLAN_SAFE_LATE_DOWN;
			if ((rc = make_sql(db, up, &po, &late.down, NULL)) != 0)
				goto out;
		}
		po.safe = 0;
	}
	/* The groups of --per-table: each table's changes, in order of first
	 * appearance; changes of no table (views) last. */
	if (opts->per_table) {
		if (!(owners = calloc(up->n + 1, sizeof *owners))) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < up->n; i++) {
			if (!up->v[i].owner) {
				has_none = 1;
				continue;
			}
			for (k = 0; k < nowners; k++)
				if (!strcmp(owners[k], up->v[i].owner))
					break;
			if (k == nowners && !(owners[nowners++] = strdup(up->v[i].owner))) {
				rc = db_error(db, STRATA_ENOMEM, "out of memory");
				goto out;
			}
		}
		if ((rc = down_owners_as_up(db, up, down)) != 0 ||
		    (rc = move_foreign_keys(db, up, up, owners, nowners, 0)) != 0 ||
		    (rc = move_foreign_keys(db, up, down, owners, nowners, 1)) != 0)
			goto out;
		place_views(up, 0);
		place_follows(up, 0);
		for (i = 0; i < up->n && !has_none; i++)
			has_none = !up->v[i].owner;
		/* With no "other" migration (nothing of the up outside the
		 * tables: a view dropped and made again around a column
		 * change), the down's view drops stay in their table's
		 * migration, ahead of its changes; "other" would not exist
		 * to hold them. */
		if (has_none)
			place_views(down, 1);
		place_follows(down, 1);
	}
	/* The files' SQL, all made before any is written, and proven. */
	ngroups = opts->per_table ? nowners + (size_t)has_none : 1;
	if (!(files = calloc(ngroups + 1, sizeof *files))) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < ngroups; k++) {
		struct gen_file *f = &files[nfiles++];
		struct sbuf name = SBUF_INIT;

		f->group = k;
		if (!opts->per_table) {
			sbuf_adds(&name, opts->name ? opts->name : "");
			f->up = strdup(p->up_sql);
			f->down = strdup(p->down_sql);
			f->no_tx = p->no_transaction;
			if (!f->up || !f->down)
				rc = db_error(db, STRATA_ENOMEM, "out of memory");
		} else {
			gen_plan_opts(&po, owners, nowners, k);
			sbuf_addf(&name, "%s_", opts->name ? opts->name : "");
			add_safe_name(&name, k < nowners ? owners[k] : "other");
			po.safe = safe ? PLAN_SAFE_MAIN : 0;
			if ((rc = make_sql(db, up, &po, &f->up, &f->no_tx)) == 0) {
				po.safe = safe ? PLAN_SAFE_DOWN : 0;
				po.up = up;
				rc = make_sql(db, down, &po, &f->down, NULL);
			}
		}
		if (!rc && !(f->name = sbuf_detach(&name)))
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
		sbuf_release(&name);
		if (rc)
			goto out;
		/* --per-table: a table whose every change moved to another
		 * table's migration (its foreign key, to the referenced
		 * table's) has no migration of its own. */
		if ((opts->per_table || safe) && !*f->up && !*f->down) {
			/* (safe: all of it in the late part, an index on an
			 * existing table) */
			free(f->name);
			free(f->up);
			free(f->down);
			memset(f, 0, sizeof *f);
			nfiles--;
		} else if (opts->per_table && !*f->up) {
			rc = db_error(db, STRATA_ERROR, "generate: the new migration %s would have a down "
			              "section and no up statement: nothing was written", f->name);
			goto out;
		}
	}
	/* The late part: one migration after all the others. */
	if (late.up && *late.up) {
		struct gen_file *f = &files[nfiles++];
		struct sbuf name = SBUF_INIT;
		sbuf_addf(&name, "%s_concurrent", opts->name ? opts->name : "");
		*f = late;
		f->group = ngroups;
		memset(&late, 0, sizeof late);
		if (!(f->name = sbuf_detach(&name))) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		if ((rc = plan_append_late(db, p, f->up, f->down, "a migration of its own, "
		                           "transaction:false")) != 0)
			goto out;
	}
	if ((rc = generate_converges(db, &ms, base.len ? base.buf : NULL, files, nfiles, a, b,
	                             opts->dev_url)) != 0)
		goto out;
	if (opts->dry_run)
		goto out;
	for (k = 0; k < nfiles && !rc; k++) {
		char *text;

		if (opts->per_table)
			gen_plan_opts(&po, owners, nowners, files[k].group);
		if (files[k].group == ngroups)  /* the late part: its changes are named in the first */
			text = late_text(files[k].up, files[k].down);
		else
			text = migration_text(up, opts->per_table ? &po : NULL, files[k].up, files[k].down,
			                      files[k].no_tx);
		if (!text)
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
		else
			rc = write_migration(db, db->dir, files[k].name, text, p);
		free(text);
	}
	if (!rc)
		rc = update_sum(db, db->dir);
	if (rc) {
		/* Nothing half-done: take back the files of this call. */
		struct sbuf keep = SBUF_INIT;
		sbuf_adds(&keep, db->errmsg.buf);
		for (i = 0; i < p->nfiles; i++)
			unlink(p->files[i]);
		update_sum(db, db->dir);
		db_error(db, rc, "%s", keep.buf);
		sbuf_release(&keep);
	}
out:
	for (k = 0; files && k < nfiles; k++) {
		free(files[k].name);
		free(files[k].up);
		free(files[k].down);
	}
	free(files);
	free(late.up);
	free(late.down);
	for (k = 0; owners && k < nowners; k++)
		free(owners[k]);
	free(owners);
	diff_free(up);
	diff_free(down);
	schema_free(a);
	schema_free(b);
	diff_hints_release(&h);
	migrations_release(&ms);
	sbuf_release(&base);
	if (rc)
		strata_plan_free(p);
	else
		*out = p;
	return rc;
}

/* ---- strata_push ----------------------------------------------------------------- */

/* Rows of table t on the live database, or -1. */
static long long count_rows(strata_db *db, const struct schema_table *t)
{
	struct sbuf sql = SBUF_INIT;
	struct drv_rows *r = NULL;
	struct drv_err e;
	long long n = -1;

	drv_err_init(&e);
	sbuf_adds(&sql, "SELECT count(*) FROM ");
	schema_add_qname(&sql, t->schema, t->name);
	if (!sbuf_failed(&sql) && drv_query(db->conn, sql.buf, NULL, 0, &r, &e) == 0 && r->nrows == 1 &&
	    drv_cell(r, 0, 0))
		n = strtoll(drv_cell(r, 0, 0), NULL, 10);
	drv_rows_free(r);
	drv_err_release(&e);
	sbuf_release(&sql);
	return n;
}

/* Fill rows_at_stake of destructive changes from the live database. */
static void count_at_stake(strata_db *db, const struct diff *d, strata_plan *p)
{
	size_t i;

	for (i = 0; i < d->n && i < p->n; i++) {
		struct diff_table *t = d->v[i].pair;
		if (d->v[i].cls == STRATA_CHANGE_SAFE || !t || !t->a)
			continue;
		if (t->rows < 0)
			t->rows = count_rows(db, t->a);
		p->changes[i].rows_at_stake = t->rows;
	}
}

/* The message of a failed statement: the first line of it, for context. */
static void failing_statement(const char *sql, const struct drv_err *e, struct sbuf *out)
{
	size_t off, n;

	if (e->offset < 0 || (size_t)e->offset >= strlen(sql))
		return;
	/* Back to the statement's start when the offset is inside it. */
	off = (size_t)e->offset;
	while (off > 0 && sql[off - 1] != '\n')
		off--;
	n = strcspn(sql + off, "\n");
	if (n > 100)
		n = 100;
	sbuf_addf(out, " (in: %.*s)", (int)n, sql + off);
}

/* "push: <engine message> (in: <first line of the statement>)". */
static int push_error(strata_db *db, const char *sql, struct drv_err *e, const char *tail)
{
	struct sbuf ctx = SBUF_INIT;
	int rc;

	sbuf_adds(&ctx, e->msg.buf);
	failing_statement(sql, e, &ctx);
	sbuf_reset(&e->msg);
	sbuf_adds(&e->msg, ctx.buf);
	sbuf_release(&ctx);
	rc = db_error_drv(db, e, "push");
	if (tail)
		sbuf_adds(&db->errmsg, tail);
	return rc;
}

/*
 * The runner's lock, taken before push reads the live schema and held
 * until its change is committed: an `up` (or another push) that ran
 * between the reading and the writing would have its column or rows
 * dropped by a plan made without them (a SQLite rebuild copies only the
 * columns it knew of), or its change applied without the consent asked
 * for. PostgreSQL: the runner's advisory lock (drv_lock); the live schema
 * is then read in a snapshot of its own, and written in a transaction
 * begun afterwards. SQLite: BEGIN IMMEDIATE, the runner's lock and
 * transaction at once, so the reading happens inside the transaction that
 * writes. *state: 1 locked, 2 locked and in the transaction.
 */
static int push_lock(strata_db *db, int *state)
{
	struct drv_err e;
	sqlite3 *h = drv_sqlite_handle(db->conn);
	int rc;

	*state = 0;
	if (h && sqlite3_db_readonly(h, "main") == 1)
		return db_error(db, STRATA_EREADONLY, "the database '%s' is read-only", db->url.path);
	drv_err_init(&e);
	if ((rc = drv_lock(db->conn, db->qtable.buf, &e)) != 0) {
		db_error_drv(db, &e, "cannot take the migration lock");
		goto out;
	}
	*state = 1;
	if (h) {
		if ((rc = drv_begin(db->conn, &e)) != 0) {
			db_error_drv(db, &e, "cannot begin a transaction");
			goto out;
		}
		*state = 2;
	}
out:
	drv_err_release(&e);
	return rc;
}

/* The end of push_lock(): roll back what is still open, then unlock. */
static void push_unlock(strata_db *db, int state)
{
	struct drv_err e;

	drv_err_init(&e);
	if (state && db->conn->in_tx)
		drv_rollback(db->conn, &e);
	drv_err_release(&e);
	drv_err_init(&e);
	if (state)
		drv_unlock(db->conn, db->qtable.buf, &e);
	drv_err_release(&e);
}

/*
 * PostgreSQL: a CREATE INDEX CONCURRENTLY that fails (a duplicate under a
 * UNIQUE index, a timeout, a cancel) leaves its index behind, INVALID:
 * never used, still maintained, and read back by the next introspection
 * as the index the file asks for. The indexes INVALID before the late
 * part are listed first ("oid,oid,..."); after a late statement fails,
 * an INVALID index not in that list that the statement itself builds is
 * this push's own and is dropped again; others are named, not touched.
 * What became of them is appended to db->errmsg.
 */
static char *invalid_indexes(strata_db *db)
{
	struct drv_rows *r = NULL;
	struct drv_err e;
	char *out = NULL;

	drv_err_init(&e);
	if (drv_query(db->conn, "SELECT coalesce(string_agg(indexrelid::text, ','), '') "
	              "FROM pg_catalog.pg_index WHERE NOT indisvalid", NULL, 0, &r, &e) == 0 &&
	    r->nrows == 1 && drv_cell(r, 0, 0))
		out = strdup(drv_cell(r, 0, 0));
	drv_rows_free(r);
	drv_err_release(&e);
	return out;
}

static void drop_new_invalid(strata_db *db, const char *before, const char *failed)
{
	const char *params[2] = { before, failed };
	struct drv_rows *r = NULL;
	struct drv_err e;
	struct sbuf sql = SBUF_INIT;
	size_t i;

	drv_err_init(&e);
	/* Only the index the failed statement names: an index another session
	 * is building CONCURRENTLY right now is INVALID too, and not ours. */
	if (!before || drv_query(db->conn, "SELECT i.indexrelid::regclass::text, "
	                         "strpos($2, ' INDEX CONCURRENTLY IF NOT EXISTS ' || "
	                         "quote_ident(c.relname) || ' ON ') > 0 FROM "
	                         "pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON "
	                         "c.oid = i.indexrelid WHERE NOT i.indisvalid AND NOT "
	                         "(i.indexrelid::text = ANY (string_to_array($1, ',')))",
	                         params, 2, &r, &e) != 0) {
		sbuf_adds(&db->errmsg, "; if it left an INVALID index (pg_index.indisvalid), "
		          "drop it before you push again");
		goto out;
	}
	for (i = 0; i < r->nrows; i++) {
		const char *name = drv_cell(r, i, 0), *ours = drv_cell(r, i, 1);
		if (!ours || strcmp(ours, "t") != 0) {
			sbuf_addf(&db->errmsg, "; the INVALID index %s is not this statement's (another "
			          "session's build?): left alone", name);
			continue;
		}
		sbuf_reset(&sql);
		sbuf_addf(&sql, "DROP INDEX CONCURRENTLY IF EXISTS %s", name);
		if (!sbuf_failed(&sql) && drv_exec(db->conn, sql.buf, &e) == 0)
			sbuf_addf(&db->errmsg, "; the INVALID index %s it left was dropped", name);
		else
			sbuf_addf(&db->errmsg, "; it left the INVALID index %s: drop it "
			          "(DROP INDEX CONCURRENTLY %s) before you push again", name, name);
	}
out:
	sbuf_release(&sql);
	drv_rows_free(r);
	drv_err_release(&e);
}

/*
 * Apply sql in one transaction, inside push_lock(): SQLite's is open
 * already, PostgreSQL's begins here. When sql holds statements that cannot
 * run in a transaction (no_tx: CREATE INDEX CONCURRENTLY), the rest runs in
 * the transaction and those run one by one after the commit: the schema
 * change stays all or nothing, and only an index build can fail late.
 * late (the lock-safe forms' late part, or NULL) runs after the commit
 * too, a statement at a time, each in a transaction of its own: a
 * VALIDATE or an index build there holds its lighter lock for its own
 * scan only, but may fail with the rest committed.
 */
static int apply_sql(strata_db *db, const char *sql, int no_tx, const char *late,
                     const struct schema *want)
{
	struct sbuf txpart = SBUF_INIT, later = SBUF_INIT;
	struct drv_stmts st = { 0, NULL };
	struct drv_err e;
	char *invalid_before = NULL;
	int rc = 0;
	size_t i;

	drv_err_init(&e);
	if (no_tx) {
		if ((rc = drv_split(db->conn->driver, sql, &st, &e)) != 0) {
			db_error_drv(db, &e, "push");
			goto out;
		}
		for (i = 0; i < st.n; i++) {
			struct sbuf *to = st.v[i].no_tx ? &later : &txpart;
			sbuf_add(to, sql + st.v[i].offset, st.v[i].len);
			sbuf_addc(to, '\n');
			if (st.v[i].no_tx)
				sbuf_addc(to, '\0'); /* one statement per string */
		}
		if (sbuf_failed(&txpart) || sbuf_failed(&later)) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		sql = txpart.buf;
		drv_stmts_release(&st);
		memset(&st, 0, sizeof st);
	}
	if (late && *late) {
		if ((rc = drv_split(db->conn->driver, late, &st, &e)) != 0) {
			db_error_drv(db, &e, "push");
			goto out;
		}
		for (i = 0; i < st.n; i++) {
			sbuf_add(&later, late + st.v[i].offset, st.v[i].len);
			sbuf_addc(&later, '\n');
			sbuf_addc(&later, '\0');
		}
		if (sbuf_failed(&later)) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		no_tx = 1; /* the check against the file comes last */
	}
	if (!db->conn->in_tx && (rc = drv_begin(db->conn, &e)) != 0) {
		db_error_drv(db, &e, "cannot begin a transaction");
		goto out;
	}
	if (!is_pg_engine(db) && !db->no_backup) {
		char *bpath = NULL;
		if ((rc = backup_auto(db, &bpath)) != 0)
			goto out;
		free(bpath);
	}
	if ((rc = drv_exec(db->conn, sql, &e)) != 0) {
		push_error(db, sql, &e, " (rolled back: the database is as it was before)");
		goto out;
	}
	/* Before the commit: what the SQL made must be what the file asks
	 * for, else it is undone (the caller rolls back). An index built
	 * after the commit is not there yet: then the check comes last. */
	if (!no_tx && (rc = converged(db, db->conn, want, "push: the database would not match "
	                              "the schema file", ": rolled back, the database is as it "
	                              "was before")) != 0)
		goto out;
	if ((rc = drv_commit(db->conn, &e)) != 0) {
		db_error_drv(db, &e, "cannot commit");
		goto out;
	}
	/* After the commit: each concurrent build (and the late part) on its own. */
	if (later.len && is_pg_engine(db))
		invalid_before = invalid_indexes(db);
	for (i = 0; i < later.len;) {
		const char *one = later.buf + i;
		size_t n = strlen(one);
		if ((rc = drv_exec(db->conn, one, &e)) != 0) {
			push_error(db, one, &e, " (the statements before it are committed)");
			if (is_pg_engine(db))
				drop_new_invalid(db, invalid_before, one);
			sbuf_adds(&db->errmsg, "; fix what it reports and push again");
			goto out;
		}
		i += n + 1;
	}
	if (no_tx)
		rc = converged(db, db->conn, want, "push: the database does not match the schema "
		               "file", ": the push is committed; fix the difference by hand or push again");
out:
	free(invalid_before);
	drv_stmts_release(&st);
	sbuf_release(&txpart);
	sbuf_release(&later);
	drv_err_release(&e);
	return rc;
}

/* How many migrations the tracking table records (none when it does not
 * exist), or a negative code with the error on db. */
static long count_recorded(strata_db *db)
{
	struct sbuf sql = SBUF_INIT;
	struct drv_rows *r = NULL;
	struct drv_err e;
	const char *params[1];
	long n = 0;
	int rc;

	drv_err_init(&e);
	if (is_pg_engine(db)) {
		params[0] = db->qtable.buf;
		rc = drv_query(db->conn, "SELECT to_regclass($1) IS NOT NULL", params, 1, &r, &e);
	} else {
		params[0] = db->table;
		rc = drv_query(db->conn, "SELECT count(*) > 0 FROM sqlite_schema WHERE type = 'table' "
		               "AND name = $1", params, 1, &r, &e);
	}
	if (rc)
		goto out;
	if (!r->nrows || !drv_cell(r, 0, 0) || (drv_cell(r, 0, 0)[0] != 't' && drv_cell(r, 0, 0)[0] != '1'))
		goto out;
	drv_rows_free(r);
	r = NULL;
	sbuf_addf(&sql, "SELECT count(*) FROM %s", db->qtable.buf);
	if (sbuf_failed(&sql)) {
		rc = STRATA_ENOMEM;
		drv_err_set(&e, rc, "out of memory");
		goto out;
	}
	if ((rc = drv_query(db->conn, sql.buf, NULL, 0, &r, &e)) == 0 && r->nrows && drv_cell(r, 0, 0))
		n = strtol(drv_cell(r, 0, 0), NULL, 10);
out:
	if (rc)
		n = db_error_drv(db, &e, "cannot read the tracking table");
	drv_rows_free(r);
	drv_err_release(&e);
	sbuf_release(&sql);
	return n;
}

static int same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Is q the plan a was? Its SQL alone is not enough: a SQLite rebuild's SQL
 * names the columns it keeps, so it reads the same when one more column
 * would go; the changes and the rows at stake say it. */
static int same_plan(const strata_plan *a, const strata_plan *q)
{
	size_t i;

	if (a->n != q->n || !same_str(a->up_sql, q->up_sql))
		return 0;
	for (i = 0; i < a->n; i++) {
		const strata_change *x = &a->changes[i], *y = &q->changes[i];
		if (x->cls != y->cls || x->rows_at_stake != y->rows_at_stake ||
		    !same_str(x->kind, y->kind) || !same_str(x->object, y->object))
			return 0;
	}
	return 1;
}

/* Migrations manage this database: a push would change it behind their
 * back, and the next generate or up would not know. A dry run changes
 * nothing and is not refused. */
static int refuse_managed(strata_db *db, const strata_push_opts *opts)
{
	long n;

	if (opts->dry_run || (opts->version >= 2 && opts->force))
		return 0;
	if ((n = count_recorded(db)) < 0)
		return (int)n;
	if (n > 0) {
		db_error(db, STRATA_EUSAGE, "the database has %ld migration%s recorded in %s", n,
		         n == 1 ? "" : "s", db->table);
		return db_why(db, STRATA_WHY_MANAGED, NULL, NULL, NULL);
	}
	return 0;
}

int strata_push(strata_db *db, const strata_push_opts *opts, strata_plan **out)
{
	static const strata_push_opts defaults = STRATA_PUSH_OPTS_INIT;
	struct schema *a = NULL, *b = NULL;
	struct diff_hints h;
	struct diff *d = NULL;
	strata_plan *p = NULL;
	const char *schema_file;
	char *main_sql = NULL, *late = NULL;
	size_t i, ndestr = 0;
	int rc, safe, locked = 0;

	*out = NULL;
	memset(&h, 0, sizeof h);
	if (!opts)
		opts = &defaults;
	if ((rc = db_check_version(db, "strata_push_opts", opts->version, STRATA_PUSH_OPTS_VERSION)) != 0)
		return rc;
	schema_file = opts->schema_file && *opts->schema_file ? opts->schema_file : "schema.sql";
	if ((rc = need_conn(db)) != 0)
		return rc;
	if ((rc = refuse_managed(db, opts)) != 0)
		return rc;
	/* a standby (or read-only session) is refused before the scratch work */
	if (!opts->dry_run && (rc = db_writable_check(db)) != 0)
		return rc;
	if ((rc = load_file(db, schema_file, opts->dev_url, &b, &h)) != 0)
		goto out;
	/* From here to the commit under the runner's lock (push_lock()); a
	 * dry run only reads, in the one snapshot introspection takes. The
	 * check above is asked again under the lock: an up may have
	 * recorded its first migration meanwhile. */
	if (!opts->dry_run) {
		if ((rc = push_lock(db, &locked)) != 0)
			goto out;
		if ((rc = refuse_managed(db, opts)) != 0)
			goto out;
	}
	if ((rc = introspect_conn(db, db->conn, "cannot read the schema", "the database", &a)) != 0)
		goto out;
	if ((rc = diff_models(db, a, b, &h, 0, &d)) != 0)
		goto out;
	if (!(p = plan_new()) || plan_add_diff(p, d)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	if (d->n == 0)
		goto out;
	/* Versions 1-3 asked before the lock-safe forms were the default. */
	safe = d->engine == SCHEMA_PG && opts->version >= 4 && !opts->plain;
	if ((rc = plan_sql(db, d, NULL, safe, opts->concurrent_indexes, p, &main_sql, &late)) != 0)
		goto out;
	count_at_stake(db, d, p);
	/* The consent given was for another plan: the database changed
	 * between the question and this call. */
	if (!opts->dry_run && opts->version >= 3 && opts->confirmed &&
	    !same_plan(opts->confirmed, p)) {
		rc = db_error(db, STRATA_EDESTRUCTIVE, "the database changed after the plan was "
		              "confirmed: nothing was changed; the new plan needs confirming");
		*out = p;
		p = NULL;
		goto out;
	}
	for (i = 0; i < p->n; i++)
		if (p->changes[i].cls == STRATA_CHANGE_DESTRUCTIVE)
			ndestr++;
	if (ndestr && !opts->allow_destructive) {
		struct sbuf msg = SBUF_INIT;
		size_t shown = 0;
		for (i = 0; i < p->n; i++) {
			if (p->changes[i].cls != STRATA_CHANGE_DESTRUCTIVE)
				continue;
			if (shown++ == 3) {
				sbuf_addf(&msg, ", ...");
				break;
			}
			sbuf_addf(&msg, "%s%s %s", shown > 1 ? ", " : "", p->changes[i].kind,
			          p->changes[i].object);
			if (p->changes[i].rows_at_stake >= 0)
				sbuf_addf(&msg, " (%lld row%s)", p->changes[i].rows_at_stake,
				          p->changes[i].rows_at_stake == 1 ? "" : "s");
		}
		rc = db_error(db, STRATA_EDESTRUCTIVE,
		              "%zu destructive change%s (%s): nothing was changed", ndestr,
		              ndestr == 1 ? "" : "s", msg.buf);
		db_why(db, STRATA_WHY_PUSH_DESTRUCTIVE, NULL, NULL, NULL);
		sbuf_release(&msg);
		*out = p;
		p = NULL;
		goto out;
	}
	if (opts->dry_run)
		goto out;
	/* The plan's up_sql shows both parts; the transaction runs the main
	 * one, the late one comes after the commit. */
	if (late)
		rc = apply_sql(db, main_sql, 0, late, b);
	else
		rc = apply_sql(db, p->up_sql, p->no_transaction, NULL, b);
out:
	push_unlock(db, locked);
	diff_free(d);
	schema_free(a);
	schema_free(b);
	diff_hints_release(&h);
	free(main_sql);
	free(late);
	if (rc && rc != STRATA_EDESTRUCTIVE)
		strata_plan_free(p);
	else if (p)
		*out = p;
	return rc;
}

/* ---- strata_verify ----------------------------------------------------------------- */

int strata_verify(strata_db *db, const char *dev_url, strata_plan **out)
{
	struct migration_set ms;
	strata_report *r = NULL;
	struct schema *a = NULL, *b = NULL;
	struct diff *d = NULL;
	strata_plan *p = NULL;
	unsigned char *want = NULL;
	char *sql = NULL;
	size_t i, k;
	int rc;

	*out = NULL;
	memset(&ms, 0, sizeof ms);
	if ((rc = need_conn(db)) != 0)
		return rc;
	if ((rc = strata_status(db, &r)) != 0)
		return rc;
	if (!(p = plan_new())) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	/* Checksums and files first: an edited or missing migration makes the
	 * replay below a guess. */
	for (i = 0; i < r->n; i++) {
		const strata_entry *e = &r->entries[i];
		struct sbuf obj = SBUF_INIT;
		const char *kind = NULL, *note = NULL;

		switch (e->state) {
		case STRATA_EDITED:
			kind = "edited_migration";
			note = "applied, then its file changed (checksum mismatch)";
			break;
		case STRATA_MISSING:
			kind = "missing_migration";
			note = "applied, but its file is gone";
			break;
		case STRATA_FAILED:
			kind = "failed_migration";
			note = e->error ? e->error : "recorded as failed";
			break;
		default:
			break;
		}
		if (!kind)
			continue;
		sbuf_addf(&obj, "%s_%s", e->version, e->name);
		rc = sbuf_failed(&obj) ? STRATA_ENOMEM : plan_add(p, kind, obj.buf, STRATA_CHANGE_SAFE, note);
		sbuf_release(&obj);
		if (rc) {
			rc = db_error(db, rc, "out of memory");
			goto out;
		}
	}
	/* What the applied migrations make, against what is there. */
	if ((rc = load_dir(db, db->dir, &ms, 0)) != 0)
		goto out;
	if (!(want = calloc(ms.n + 1, 1))) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < ms.n; i++)
		for (k = 0; k < r->n; k++)
			if (!strcmp(r->entries[k].version, ms.v[i].version) &&
			    (r->entries[k].state == STRATA_APPLIED || r->entries[k].state == STRATA_EDITED))
				want[i] = 1;
	if ((rc = replay(db, &ms, want, dev_url, &a)) != 0 ||
	    (rc = introspect_conn(db, db->conn, "cannot read the schema", "the database", &b)) != 0)
		goto out;
	/* Another tool's history table (kept when strata adopt took it over)
	 * is not the application's schema: never drift. */
	foreign_filter(a);
	foreign_filter(b);
	if ((rc = diff_models(db, a, b, NULL, 0, &d)) != 0)
		goto out;
	if (plan_add_diff(p, d)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	if (d->n) {
		struct plan_opts po;
		memset(&po, 0, sizeof po);
		/* The SQL that would turn the migrations' schema into the live
		 * one: the start of a migration that records the drift. Best
		 * effort: a change the planner cannot write leaves it empty. */
		if (make_sql(db, d, &po, &sql, NULL) == 0) {
			free((char *)p->up_sql);
			p->up_sql = sql;
			sql = NULL;
		}
		db_clear_error(db);
	}
	if (p->n)
		rc = db_error(db, STRATA_EDRIFT, "%zu difference%s between the migrations and the database",
		              p->n, p->n == 1 ? "" : "s");
out:
	strata_report_free(r);
	diff_free(d);
	schema_free(a);
	schema_free(b);
	migrations_release(&ms);
	free(want);
	free(sql);
	if (rc && rc != STRATA_EDRIFT)
		strata_plan_free(p);
	else
		*out = p;
	return rc;
}

/* The SQL of a plan's up and down, made from the two diffs (default plan
 * options) and hung on p. */
static int plan_set_sql(strata_db *db, strata_plan *p, const struct diff *up,
                        const struct diff *down)
{
	struct plan_opts po;
	char *u = NULL, *dn = NULL;
	int rc, ntx = 0;

	memset(&po, 0, sizeof po);
	if ((rc = make_sql(db, up, &po, &u, &ntx)) != 0 ||
	    (rc = make_sql(db, down, &po, &dn, NULL)) != 0) {
		free(u);
		return rc;
	}
	free((char *)p->up_sql);
	p->up_sql = u;
	p->down_sql = dn;
	p->no_transaction = ntx;
	return 0;
}

/* ---- adopt --drift -------------------------------------------------------- */

int strata_adopt_drift(strata_db *db, const strata_adopt_opts *opts, const char *name,
                       strata_plan **out)
{
	struct migration_set ms;
	strata_report *r = NULL;
	struct schema *a = NULL, *b = NULL;
	struct diff *up = NULL, *down = NULL;
	strata_plan *p = NULL;
	unsigned char *want = NULL;
	char *text = NULL;
	const char *dev_url;
	size_t i, k;
	int rc;

	*out = NULL;
	memset(&ms, 0, sizeof ms);
	if (!opts)
		return db_error(db, STRATA_EUSAGE, "no options");
	if ((rc = db_check_version(db, "strata_adopt_opts", opts->version,
	                           STRATA_ADOPT_OPTS_VERSION)) != 0)
		return rc;
	dev_url = opts->version >= 2 ? opts->dev_url : NULL;
	if (!name || !*name)
		return db_error(db, STRATA_EUSAGE, "the drift migration needs a NAME");
	if ((rc = need_conn(db)) != 0)
		return rc;
	if ((rc = strata_status(db, &r)) != 0)
		return rc;
	/* The drift is against what the applied migrations make: with one
	 * pending, edited, missing or failed, that is a guess. */
	for (i = 0; i < r->n; i++) {
		const strata_entry *e = &r->entries[i];
		if (e->state == STRATA_APPLIED)
			continue;
		rc = db_error(db, STRATA_EUSAGE, "%s_%s is %s: the drift migration is written only "
		              "when every migration is applied and unchanged; nothing was written",
		              e->version, e->name, strata_state_name(e->state));
		goto out;
	}
	if ((rc = load_dir(db, db->dir, &ms, 0)) != 0)
		goto out;
	if (!(want = calloc(ms.n + 1, 1)) || !(p = plan_new())) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < ms.n; i++)
		for (k = 0; k < r->n; k++)
			if (!strcmp(r->entries[k].version, ms.v[i].version))
				want[i] = 1;
	if ((rc = replay(db, &ms, want, dev_url, &a)) != 0 ||
	    (rc = introspect_conn(db, db->conn, "cannot read the schema", "the database", &b)) != 0)
		goto out;
	foreign_filter(a);
	foreign_filter(b);
	if ((rc = diff_models(db, a, b, NULL, 0, &up)) != 0 ||
	    (rc = diff_models(db, b, a, NULL, 1, &down)) != 0)
		goto out;
	if (plan_add_diff(p, up)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	if (up->n == 0)
		goto out;
	if ((rc = plan_set_sql(db, p, up, down)) != 0)
		goto out;
	if (opts->dry_run)
		goto out;
	if (!(text = migration_text(up, NULL, p->up_sql, p->down_sql, p->no_transaction))) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = write_migration(db, db->dir, name, text, p)) == 0 &&
	    (rc = update_sum(db, db->dir)) == 0) {
		/* Record it as applied: what it does is already in the database. */
		const char *base = strrchr(p->files[0], '/');
		char *ver;
		base = base ? base + 1 : p->files[0];
		ver = strndup(base, strspn(base, "0123456789"));
		if (!ver)
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
		else
			rc = strata_mark(db, ver, 1);
		free(ver);
	}
	if (rc) {
		/* Nothing half-done: take the file back. */
		struct sbuf keep = SBUF_INIT;
		sbuf_adds(&keep, db->errmsg.buf);
		for (i = 0; i < p->nfiles; i++)
			unlink(p->files[i]);
		update_sum(db, db->dir);
		db_error(db, rc, "%s", keep.buf ? keep.buf : strata_strerror(rc));
		sbuf_release(&keep);
	}
out:
	strata_report_free(r);
	diff_free(up);
	diff_free(down);
	schema_free(a);
	schema_free(b);
	migrations_release(&ms);
	free(want);
	free(text);
	if (rc)
		strata_plan_free(p);
	else
		*out = p;
	return rc;
}

/* ---- strata_squash ----------------------------------------------------------------- */

int strata_squash(strata_db *db, const strata_squash_opts *opts, const char *name, strata_plan **out)
{
	struct migration_set ms;
	struct schema *a = NULL, *none = NULL;
	struct diff *up = NULL, *down = NULL;
	struct sbuf text = SBUF_INIT, path = SBUF_INIT;
	strata_plan *p = NULL;
	unsigned char *want = NULL;
	char *body = NULL;
	size_t i, last = 0;
	int rc, found = 0, fd;

	*out = NULL;
	memset(&ms, 0, sizeof ms);
	if (!opts)
		return db_error(db, STRATA_EUSAGE, "no options");
	if ((rc = db_check_version(db, "strata_squash_opts", opts->version,
	                           STRATA_SQUASH_OPTS_VERSION)) != 0)
		return rc;
	if (!name || !*name)
		return db_error(db, STRATA_EUSAGE, "the squash migration needs a NAME");
	if (!opts->to || !*opts->to)
		return db_error(db, STRATA_EUSAGE, "the squash needs the last version it replaces");
	if ((rc = need_conn(db)) != 0)
		return rc;
	if ((rc = load_dir(db, db->dir, &ms, 1)) != 0)
		goto out;
	if (ms.drizzle) {
		rc = db_error(db, STRATA_EUNSUPPORTED, "%s is a Drizzle folder: its journal lists "
		              "the files, so they are not squashed here", db->dir);
		goto out;
	}
	for (i = 0; i < ms.n; i++)
		if (!version_cmp(ms.v[i].version, opts->to)) {
			found = 1;
			last = i;
		}
	if (!found) {
		rc = db_error(db, STRATA_EUSAGE, "no migration with version %s in %s; "
		              "nothing was written", opts->to, db->dir);
		goto out;
	}
	/* A database that ran an earlier squash has its version recorded, not
	 * those it replaced, so a squash over it could not tell that database
	 * from a partly applied one. */
	for (i = 0; i <= last; i++)
		if (ms.v[i].nreplaces) {
			rc = db_error(db, STRATA_EUSAGE, "%s is itself a squash: squashing over a "
			              "squash is not supported; nothing was written", ms.v[i].filename);
			goto out;
		}
	if (!(want = calloc(ms.n + 1, 1)) || !(p = plan_new())) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	/* "Nothing" is the scratch database as it starts (PostgreSQL's public
	 * schema and what the server puts there), not an empty model. */
	if ((rc = replay(db, &ms, want, opts->dev_url, &none)) != 0)
		goto out;
	for (i = 0; i <= last; i++)
		want[i] = 1;
	if ((rc = replay(db, &ms, want, opts->dev_url, &a)) != 0)
		goto out;
	foreign_filter(a);
	foreign_filter(none);
	if ((rc = diff_models(db, none, a, NULL, 0, &up)) != 0 ||
	    (rc = diff_models(db, a, none, NULL, 1, &down)) != 0)
		goto out;
	if (plan_add_diff(p, up)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = plan_set_sql(db, p, up, down)) != 0)
		goto out;
	sbuf_adds(&text, "-- strata:replaces");
	for (i = 0; i <= last; i++)
		sbuf_addf(&text, " %s", ms.v[i].version);
	sbuf_addc(&text, '\n');
	if (!(body = migration_text(up, NULL, p->up_sql, p->down_sql, p->no_transaction))) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	sbuf_adds(&text, body);
	sbuf_addf(&path, "%.*s/%s_%s.sql", migration_dir_len(db->dir), db->dir, ms.v[last].version, name);
	if (sbuf_failed(&text) || sbuf_failed(&path) || plan_add_file(p, path.buf)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
	    strlen(name) || name[0] == '.') {
		rc = db_error(db, STRATA_EUSAGE, "'%s' is not a migration name (letters, digits, _ - .)",
		              name);
		goto out;
	}
	if (opts->dry_run)
		goto out;
	/* Never over a file that is there: O_EXCL. */
	fd = open(path.buf, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		rc = errno == EEXIST ? db_error(db, STRATA_EUSAGE, "%s exists; nothing was written",
		                                path.buf)
		                     : db_error(db, STRATA_EIO, "cannot create %s: %s", path.buf,
		                                strerror(errno));
		goto out;
	}
	close(fd);
	rc = util_write_file(path.buf, text.buf, text.len);
	if (rc)
		rc = db_error(db, rc, "cannot write %s: %s", path.buf, strerror(errno));
	if (!rc)
		rc = update_sum(db, db->dir);
	if (rc) {
		/* Nothing half-done: take the file back. */
		struct sbuf keep = SBUF_INIT;
		sbuf_adds(&keep, db->errmsg.buf);
		unlink(path.buf);
		update_sum(db, db->dir);
		db_error(db, rc, "%s", keep.buf ? keep.buf : strata_strerror(rc));
		sbuf_release(&keep);
	}
out:
	diff_free(up);
	diff_free(down);
	schema_free(a);
	schema_free(none);
	migrations_release(&ms);
	free(want);
	free(body);
	sbuf_release(&text);
	sbuf_release(&path);
	if (rc)
		strata_plan_free(p);
	else
		*out = p;
	return rc;
}

/* ---- strata_check ----------------------------------------------------------------- */

void strata_check_report_free(strata_check_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free((char *)r->entries[i].version);
		free((char *)r->entries[i].name);
		free((char *)r->entries[i].path);
		free((char *)r->entries[i].error);
		strata_plan_free(r->entries[i].diff);
	}
	free(r->entries);
	free(r);
}

/* The handle's message into e->error, the handle cleared: a finding of the
 * check, not the call's error. */
static int check_keep_error(strata_db *db, strata_check_entry *e)
{
	free((char *)e->error);
	e->error = strdup(db->errmsg.buf ? db->errmsg.buf : "");
	db_clear_error(db);
	return e->error ? 0 : db_error(db, STRATA_ENOMEM, "out of memory");
}

/*
 * One migration in the scratch connection c: up, down (its schema then
 * compared with the one before the up), up again. *stop when the scratch
 * database can no longer be trusted to go on (a down or the second up
 * failed half-way). 0, or the call's error (a first up failing: the
 * directory's fault; introspection; memory).
 */
static int check_one(strata_db *db, drv_conn *c, const struct migration *m, strata_check_entry *e,
                     int *stop)
{
	struct schema *before = NULL, *after = NULL;
	struct diff *d = NULL;
	int rc = 0;

	if (m->down.sql && (rc = introspect_conn(db, c, "cannot read the scratch schema", NULL, &before)) != 0)
		return rc;
	if (m->up.sql && (rc = db_exec_at(db, c, m->up.sql, m->path, m->up.line, input_code)) != 0)
		goto out;
	if (!m->down.sql) {
		e->state = STRATA_CHECK_NO_DOWN;
		goto out;
	}
	if (db_exec_at(db, c, m->down.sql, m->path, m->down.line, input_code) != 0) {
		e->state = STRATA_CHECK_DOWN_FAILED;
		*stop = 1;
		rc = check_keep_error(db, e);
		goto out;
	}
	if ((rc = introspect_conn(db, c, "cannot read the scratch schema", NULL, &after)) != 0 ||
	    (rc = diff_models(db, before, after, NULL, 0, &d)) != 0)
		goto out;
	if (d->n) {
		e->state = STRATA_CHECK_DIFFERS;
		if (!(e->diff = plan_new()) || plan_add_diff(e->diff, d)) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
	} else {
		e->state = STRATA_CHECK_OK;
	}
	/* Up again: the down must leave what the up needs (a leftover
	 * object makes the second CREATE fail), and the next migration
	 * starts from what its up made, as it would on a real database. */
	if (m->up.sql && db_exec_at(db, c, m->up.sql, m->path, m->up.line, input_code) != 0) {
		if (e->state == STRATA_CHECK_OK)
			e->state = STRATA_CHECK_REUP_FAILED;
		*stop = 1;
		rc = check_keep_error(db, e);
	}
out:
	diff_free(d);
	schema_free(before);
	schema_free(after);
	return rc;
}

int strata_check(strata_db *db, const strata_check_opts *opts, strata_check_report **out)
{
	static const strata_check_opts defaults = STRATA_CHECK_OPTS_INIT;
	struct migration_set ms;
	struct scratch s;
	strata_check_report *r = NULL;
	size_t i;
	int rc, stop = 0;

	*out = NULL;
	memset(&ms, 0, sizeof ms);
	memset(&s, 0, sizeof s);
	if (!opts)
		opts = &defaults;
	if ((rc = db_check_version(db, "strata_check_opts", opts->version, STRATA_CHECK_OPTS_VERSION)) != 0)
		return rc;
	if ((rc = need_db(db)) != 0)
		return rc;
	if ((rc = load_dir(db, db->dir, &ms, 1)) != 0)
		return rc;
	if (!(r = calloc(1, sizeof *r)) || !(r->entries = calloc(ms.n + 1, sizeof *r->entries))) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < ms.n; i++) {
		strata_check_entry *e = &r->entries[i];
		r->n++;
		e->state = STRATA_CHECK_NOT_RUN;
		e->version = strdup(ms.v[i].version);
		e->name = strdup(ms.v[i].name);
		e->path = strdup(ms.v[i].path);
		if (!e->version || !e->name || !e->path) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
	}
	if ((rc = scratch_open(db, opts->dev_url, &s)) != 0)
		goto out;
	for (i = 0; i < ms.n && !rc; i++) {
		size_t k;

		rc = check_one(db, s.conn, &ms.v[i], &r->entries[i], &stop);
		if (rc || !stop)
			continue;
		/* The scratch database is left half-way: start again from a new
		 * one, with the ups up to this one, so that one bad down does
		 * not hide what the later ones do. */
		stop = 0;
		scratch_close(db, &s);
		if ((rc = scratch_open(db, opts->dev_url, &s)) != 0)
			break;
		for (k = 0; k <= i && !rc; k++)
			if (ms.v[k].up.sql)
				rc = db_exec_at(db, s.conn, ms.v[k].up.sql, ms.v[k].path, ms.v[k].up.line,
				                input_code);
		if (rc) {
			/* the ups do not replay on their own: the rest is not run */
			db_clear_error(db);
			rc = 0;
			break;
		}
	}
	scratch_close(db, &s);
	if (rc)
		goto out;
	for (i = 0; i < r->n; i++)
		if (r->entries[i].state == STRATA_CHECK_DIFFERS ||
		    r->entries[i].state == STRATA_CHECK_DOWN_FAILED ||
		    r->entries[i].state == STRATA_CHECK_REUP_FAILED)
			r->failed++;
	if (r->failed)
		rc = db_error(db, STRATA_EDRIFT, "%zu migration%s whose down does not restore the schema",
		              r->failed, r->failed == 1 ? "" : "s");
out:
	migrations_release(&ms);
	if (rc && rc != STRATA_EDRIFT) {
		strata_check_report_free(r);
		r = NULL;
	}
	*out = r;
	return rc;
}
