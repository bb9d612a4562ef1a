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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "diff.h"
#include "migration.h"
#include "schema.h"
#include "scratch.h"

#include "backup.h"

static int is_pg_engine(const strata_db *db)
{
	return db->url.engine && strcmp(db->url.engine, "postgres") == 0;
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

/* The SQL of d (restricted by po) into *out (a new string). */
static int make_sql(strata_db *db, const struct diff *d, const struct plan_opts *po, char **out,
                    int *no_tx)
{
	struct sbuf sb = SBUF_INIT;
	int rc, ntx = 0;

	*out = NULL;
	rc = d->engine == SCHEMA_SQLITE ? plan_sqlite(d, po, &sb) : plan_pg(d, po, &sb, &ntx);
	if (!rc && sbuf_failed(&sb))
		rc = STRATA_ENOMEM;
	if (rc) {
		sbuf_release(&sb);
		if (rc == STRATA_ENOMEM)
			return db_error(db, rc, "out of memory");
		return db_error(db, rc, "cannot write the SQL for this change on %s yet",
		                d->engine == SCHEMA_SQLITE ? "SQLite" : "PostgreSQL");
	}
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
		return SRC_DIR;
	return SRC_FILE;
}

/* What whose (a phrase: "the database") holds that the model does not
 * carry is left out of every diff: said, never silent. */
static void warn_unmodeled(strata_db *db, const struct schema *s, const char *whose)
{
	struct sbuf sb = SBUF_INIT;
	size_t i, shown = s->unmodeled.n > 6 ? 5 : s->unmodeled.n;

	if (!s->unmodeled.n)
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

/* A schema file -> its model (through a scratch database) and its hints. */
static int load_file(strata_db *db, const char *path, const char *dev_url, struct schema **out,
                     struct diff_hints *hints)
{
	struct sbuf text = SBUF_INIT, err = SBUF_INIT;
	struct scratch s;
	const char *nul;
	size_t bad;
	int rc;

	*out = NULL;
	rc = util_read_file(path, &text);
	if (rc) {
		/* what was read before the error (up to 64 MiB) is ours to free */
		if (rc == STRATA_ENOTFOUND)
			db_error(db, rc, "%s: no such schema file", path);
		else
			db_error(db, rc, "cannot read %s: %s", path, util_file_strerror(errno));
		sbuf_release(&text);
		return rc;
	}
	if (sbuf_failed(&text)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	/* The engines read SQL as a C string: a NUL would end the file there,
	 * and push would drop every table defined after it. */
	if ((nul = memchr(text.buf, '\0', text.len)) != NULL) {
		rc = db_error(db, STRATA_EPARSE, "%s:%ld: NUL byte in the schema file", path,
		              util_line_of(text.buf, (size_t)(nul - text.buf)));
		goto out;
	}
	if (!util_utf8_valid(text.buf, text.len, &bad)) {
		rc = db_error(db, STRATA_EPARSE, "%s:%ld: invalid UTF-8", path, util_line_of(text.buf, bad));
		goto out;
	}
	if (hints) {
		rc = diff_hints_parse(text.buf, engine_of(db), hints, &err);
		if (rc) {
			rc = db_error(db, rc, "%s:%s", path, sbuf_failed(&err) ? "out of memory" : err.buf);
			goto out;
		}
	}
	if ((rc = scratch_open(db, dev_url, &s)) != 0)
		goto out;
	rc = sandbox_exec(db, s.conn, text.buf, path);
	if (!rc)
		rc = introspect_conn(db, s.conn, "cannot read the schema back", path, out);
	scratch_close(db, &s);
out:
	sbuf_release(&text);
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
	int rc;

	memset(&o, 0, sizeof o);
	o.hints = h;
	o.hints_describe_from = hints_from;
	rc = diff_schemas(a, b, &o, out);
	return rc ? db_error(db, rc, "out of memory") : 0;
}

/* ---- strata_diff ---------------------------------------------------------- */

int strata_diff(strata_db *db, const char *from, const char *to, const strata_diff_opts *opts,
                strata_plan **out)
{
	static const strata_diff_opts defaults = STRATA_DIFF_OPTS_INIT;
	struct schema *a = NULL, *b = NULL;
	struct diff_hints ha, hb;
	struct diff *up = NULL, *down = NULL;
	struct plan_opts po;
	strata_plan *p = NULL;
	char *sql = NULL;
	int rc, a_file = 0, b_file = 0, no_tx = 0;
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
	memset(&po, 0, sizeof po);
	po.concurrent_indexes = opts->concurrent_indexes;
	if ((rc = make_sql(db, up, &po, &sql, &no_tx)) != 0)
		goto out;
	free((char *)p->up_sql);
	p->up_sql = sql;
	p->no_transaction = no_tx;
	sql = NULL;
	if (opts->with_down) {
		if ((rc = diff_models(db, b, a, h, !hfrom, &down)) != 0)
			goto out;
		po.concurrent_indexes = 0;
		if ((rc = make_sql(db, down, &po, &sql, NULL)) != 0)
			goto out;
		p->down_sql = sql;
		sql = NULL;
	}
out:
	diff_free(up);
	diff_free(down);
	schema_free(a);
	schema_free(b);
	diff_hints_release(&ha);
	diff_hints_release(&hb);
	free(sql);
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

/*
 * --per-table: a foreign key belongs to the later of its own table's
 * migration and the one of the table it references, so that the up of
 * that migration finds both tables, and its down (which runs first)
 * drops the key before the referenced table goes. The key of a table that
 * the up drops stays with it: it goes before its table, whose migration
 * may run before the other one; so does, in the down, the key of the table
 * the down makes again.
 */
static int move_foreign_keys(strata_db *db, struct diff *d, char *const *owners, size_t n, int down)
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
		g2 = group_of(owners, n, fk->ref_table);
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
	size_t nowners = 0, i, k;
	int rc, has_none = 0;

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
	if ((rc = replay(db, &ms, NULL, opts->dev_url, &a)) != 0 ||
	    (rc = load_file(db, schema_file, opts->dev_url, &b, &h)) != 0)
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
	memset(&po, 0, sizeof po);
	{
		char *u = NULL, *dn = NULL;
		int ntx = 0;
		if ((rc = make_sql(db, up, &po, &u, &ntx)) != 0)
			goto out;
		if ((rc = make_sql(db, down, &po, &dn, NULL)) != 0) {
			free(u);
			goto out;
		}
		free((char *)p->up_sql);
		p->up_sql = u;
		p->down_sql = dn;
		p->no_transaction = ntx;
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
		if ((rc = move_foreign_keys(db, up, owners, nowners, 0)) != 0 ||
		    (rc = move_foreign_keys(db, down, owners, nowners, 1)) != 0)
			goto out;
		place_views(up, 0);
		place_views(down, 1);
		place_follows(up, 0);
		place_follows(down, 1);
		for (i = 0; i < up->n && !has_none; i++)
			has_none = !up->v[i].owner;
	}
	if (opts->dry_run)
		goto out;
	if (!opts->per_table) {
		char *text = migration_text(up, NULL, p->up_sql, p->down_sql, p->no_transaction);
		if (!text) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		rc = write_migration(db, db->dir, opts->name, text, p);
		free(text);
	} else {
		for (k = 0; k < nowners + (size_t)has_none && !rc; k++) {
			struct sbuf name = SBUF_INIT;
			char *u = NULL, *dn = NULL, *text = NULL;
			int ntx = 0;

			memset(&po, 0, sizeof po);
			if (k < nowners)
				po.owner = owners[k];
			else
				po.owner_none = 1;
			sbuf_addf(&name, "%s_", opts->name);
			add_safe_name(&name, k < nowners ? owners[k] : "other");
			if ((rc = make_sql(db, up, &po, &u, &ntx)) == 0 &&
			    (rc = make_sql(db, down, &po, &dn, NULL)) == 0) {
				text = migration_text(up, &po, u, dn, ntx);
				if (!text || sbuf_failed(&name))
					rc = db_error(db, STRATA_ENOMEM, "out of memory");
				else
					rc = write_migration(db, db->dir, name.buf, text, p);
			}
			free(u);
			free(dn);
			free(text);
			sbuf_release(&name);
		}
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
	for (k = 0; owners && k < nowners; k++)
		free(owners[k]);
	free(owners);
	diff_free(up);
	diff_free(down);
	schema_free(a);
	schema_free(b);
	diff_hints_release(&h);
	migrations_release(&ms);
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
 * Apply sql in one transaction, inside push_lock(): SQLite's is open
 * already, PostgreSQL's begins here. When sql holds statements that cannot
 * run in a transaction (no_tx: CREATE INDEX CONCURRENTLY), the rest runs in
 * the transaction and those run one by one after the commit: the schema
 * change stays all or nothing, and only an index build can fail late.
 */
static int apply_sql(strata_db *db, const char *sql, int no_tx)
{
	struct sbuf txpart = SBUF_INIT, later = SBUF_INIT;
	struct drv_stmts st = { 0, NULL };
	struct drv_err e;
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
	if ((rc = drv_commit(db->conn, &e)) != 0) {
		db_error_drv(db, &e, "cannot commit");
		goto out;
	}
	/* After the commit: each concurrent build on its own. */
	for (i = 0; i < later.len;) {
		const char *one = later.buf + i;
		size_t n = strlen(one);
		if ((rc = drv_exec(db->conn, one, &e)) != 0) {
			push_error(db, one, &e, " (the rest of the push is committed; drop the index left "
			           "INVALID, if any, and push again)");
			goto out;
		}
		i += n + 1;
	}
out:
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
	struct plan_opts po;
	strata_plan *p = NULL;
	const char *schema_file;
	char *sql = NULL;
	size_t i, ndestr = 0;
	int rc, no_tx = 0, locked = 0;

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
	memset(&po, 0, sizeof po);
	po.concurrent_indexes = opts->concurrent_indexes;
	if ((rc = make_sql(db, d, &po, &sql, &no_tx)) != 0)
		goto out;
	free((char *)p->up_sql);
	p->up_sql = sql;
	p->no_transaction = no_tx;
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
	rc = apply_sql(db, p->up_sql, p->no_transaction);
out:
	push_unlock(db, locked);
	diff_free(d);
	schema_free(a);
	schema_free(b);
	diff_hints_release(&h);
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
