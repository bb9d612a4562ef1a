/*
 * scratch.c: the scratch databases of the declarative commands (diff,
 * generate, push, verify), and the proof that a --dev-url database is safe
 * to use before strata touches it.
 *
 * SQLite: always a private in-memory database. PostgreSQL: the --dev-url
 * database, or else one made for the occasion on the target's server
 * (strata_scratch_<pid>_<n>) and dropped before the call returns. Which of
 * the two an engine has, and the URL, is the driver's (scratch_url,
 * driver.h; catalog_*.c). A --dev-url beside a private scratch database is
 * only proven safe, by its driver (dev_check: SQLite's compares the files);
 * one on a server is used, and the proofs for that kind, which need a
 * session on it and on the target, are below.
 *
 * A dev database is somebody's database, so it is proven safe first: it is
 * not the target (the two servers are asked who they are: postmaster start
 * time, port, database oid, and the cluster's system identifier when the
 * role may read it), it holds no user object, and
 * no other strata run is using it (an advisory lock for the session). When
 * done, strata drops what this run made there and nothing else: the database
 * was empty, so whatever is there now is ours; public itself is never
 * dropped. A SQLite --dev-url is checked the same way but never written to.
 */
#include "scratch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


/* ---- PostgreSQL: who the server is ------------------------------------------ */

struct pg_id {
	char *where;    /* postmaster start time, port, database oid */
	char *sysid;    /* pg_control_system()'s system_identifier, or NULL */
};

static void pg_id_release(struct pg_id *id)
{
	free(id->where);
	free(id->sysid);
	id->where = id->sysid = NULL;
}

/*
 * Which server and database c is connected to, as the server says: the
 * same server started once, at one port, and the same database oid there.
 * A proxy or a host alias cannot change these. The system identifier is a
 * second opinion where the role may call pg_control_system().
 */
static int pg_identify(drv_conn *c, struct pg_id *id, struct drv_err *e)
{
	struct drv_rows *r = NULL;
	int rc;

	memset(id, 0, sizeof *id);
	/* The epoch, not the timestamp's text: that depends on the session's
	 * TimeZone and DateStyle, which two URLs may set differently. */
	rc = drv_query(c, "SELECT extract(epoch FROM pg_postmaster_start_time())::text || ' ' || "
	               "current_setting('port') || ' ' || d.oid::text FROM pg_database d "
	               "WHERE d.datname = current_database()",
	               NULL, 0, &r, e);
	if (rc)
		return rc;
	if (r->nrows != 1 || !drv_cell(r, 0, 0)) {
		drv_rows_free(r);
		drv_err_set(e, STRATA_ERROR, "the server did not say which database this is");
		return STRATA_ERROR;
	}
	id->where = strdup(drv_cell(r, 0, 0));
	drv_rows_free(r);
	r = NULL;
	if (!id->where) {
		drv_err_set(e, STRATA_ENOMEM, "out of memory");
		return STRATA_ENOMEM;
	}
	if (drv_query(c, "SELECT system_identifier::text FROM pg_control_system()", NULL, 0, &r, e) == 0 &&
	    r->nrows == 1 && drv_cell(r, 0, 0))
		id->sysid = strdup(drv_cell(r, 0, 0));
	drv_rows_free(r);
	drv_err_release(e);
	drv_err_init(e);
	return 0;
}

/* 1 when a and b are the same database of the same server. */
static int pg_same(const struct pg_id *a, const struct pg_id *b)
{
	if (strcmp(a->where, b->where) != 0)
		return 0;
	return !a->sysid || !b->sysid || strcmp(a->sysid, b->sysid) == 0;
}

/*
 * Every user object of a PostgreSQL database, one row each as (type,
 * identity) in the spelling of pg_identify_object(), ready for DROP: the
 * schemas but public and the system's, the extensions but plpgsql, and
 * what lives in public (objects that belong to an extension go with it).
 * Indexes, constraints, triggers and the like hang on their tables.
 */
static const char dev_objects_sql[] =
	"SELECT 'schema', quote_ident(n.nspname) FROM pg_namespace n "
	"WHERE n.nspname NOT IN ('public', 'pg_catalog', 'information_schema') "
	"AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' "
	"UNION ALL "
	"SELECT 'extension', quote_ident(x.extname) FROM pg_extension x WHERE x.extname <> 'plpgsql' "
	"UNION ALL "
	"SELECT o.type, o.identity FROM pg_depend d "
	"CROSS JOIN LATERAL pg_identify_object(d.classid, d.objid, d.objsubid) o "
	"WHERE d.refclassid = 'pg_namespace'::regclass AND d.deptype = 'n' "
	"AND d.refobjid IN (SELECT oid FROM pg_namespace WHERE nspname = 'public') "
	"AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = d.classid "
	"AND x.objid = d.objid AND x.deptype = 'e')";

/* The public schema's comment, owner and ACL (NULL: the default, spelt out
 * so that it can be granted back). */
static const char public_state_sql[] =
	"SELECT pg_catalog.obj_description(n.oid, 'pg_namespace'), "
	"pg_catalog.pg_get_userbyid(n.nspowner), "
	"COALESCE(n.nspacl, pg_catalog.acldefault('n', n.nspowner))::text "
	"FROM pg_catalog.pg_namespace n WHERE n.nspname = 'public'";

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Note the dev database's public schema as it is now (none: nothing to
 * put back). Its comment, unless initdb's, is taken off for the run: the
 * model read there would hold it as the schema file's. */
static int public_save(strata_db *db, struct scratch *s)
{
	struct drv_rows *r = NULL;
	struct drv_err e;
	int rc;

	drv_err_init(&e);
	if ((rc = drv_query(s->conn, public_state_sql, NULL, 0, &r, &e)) != 0) {
		db_error_drv(db, &e, "cannot read the --dev-url database's public schema");
		goto out;
	}
	if (r->nrows != 1)
		goto out;
	if ((drv_cell(r, 0, 0) && !(s->public_comment = strdup(drv_cell(r, 0, 0)))) ||
	    (drv_cell(r, 0, 1) && !(s->public_owner = strdup(drv_cell(r, 0, 1)))) ||
	    (drv_cell(r, 0, 2) && !(s->public_acl = strdup(drv_cell(r, 0, 2))))) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	if (s->public_comment && strcmp(s->public_comment, "standard public schema") != 0 &&
	    (rc = drv_exec(s->conn, "COMMENT ON SCHEMA public IS NULL", &e)) != 0) {
		db_error_drv(db, &e, "cannot use the --dev-url database's public schema");
		goto out;
	}
	s->public_saved = 1;
out:
	drv_rows_free(r);
	drv_err_release(&e);
	return rc;
}

static void public_forget(struct scratch *s)
{
	free(s->public_comment);
	free(s->public_owner);
	free(s->public_acl);
	s->public_comment = s->public_owner = s->public_acl = NULL;
	s->public_saved = 0;
}

/* Give the dev database's public schema back its comment, owner and ACL
 * where this run changed them; a failure is a warning. */
static void public_restore(strata_db *db, struct scratch *s)
{
	struct drv_rows *r = NULL;
	struct drv_err e;
	struct sbuf sql = SBUF_INIT;

	drv_err_init(&e);
	if (!s->public_saved)
		goto out;
	if (drv_query(s->conn, public_state_sql, NULL, 0, &r, &e) != 0)
		goto failed;
	if (r->nrows != 1) {
		/* the file dropped it: made again, then as it was */
		drv_rows_free(r);
		r = NULL;
		if (drv_exec(s->conn, "CREATE SCHEMA public", &e) != 0 ||
		    drv_query(s->conn, public_state_sql, NULL, 0, &r, &e) != 0)
			goto failed;
		if (r->nrows != 1)
			goto out;
	}
	if (!same_str(drv_cell(r, 0, 0), s->public_comment)) {
		sbuf_adds(&sql, "COMMENT ON SCHEMA public IS ");
		if (s->public_comment)
			sbuf_add_literal(&sql, s->public_comment);
		else
			sbuf_adds(&sql, "NULL");
		sbuf_adds(&sql, ";\n");
	}
	if (s->public_owner && !same_str(drv_cell(r, 0, 1), s->public_owner)) {
		sbuf_adds(&sql, "ALTER SCHEMA public OWNER TO ");
		sbuf_add_ident(&sql, s->public_owner);
		sbuf_adds(&sql, ";\n");
	}
	/* The ACL: every grantee's privileges revoked, then the saved ones
	 * granted again (a superuser grants as the owner, who granted them). */
	if (s->public_acl && !same_str(drv_cell(r, 0, 2), s->public_acl)) {
		sbuf_adds(&sql,
		          "DO $strata$\nDECLARE r record;\nBEGIN\n"
		          "FOR r IN SELECT DISTINCT x.grantee FROM pg_catalog.pg_namespace n, "
		          "pg_catalog.aclexplode(COALESCE(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) x "
		          "WHERE n.nspname = 'public' LOOP\n"
		          "  EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA public FROM %s CASCADE', "
		          "CASE WHEN r.grantee = 0 THEN 'PUBLIC' "
		          "ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.grantee)) END);\n"
		          "END LOOP;\n"
		          "FOR r IN SELECT * FROM pg_catalog.aclexplode(");
		sbuf_add_literal(&sql, s->public_acl);
		sbuf_adds(&sql,
		          "::pg_catalog.aclitem[]) LOOP\n"
		          "  EXECUTE pg_catalog.format('GRANT %s ON SCHEMA public TO %s%s', "
		          "r.privilege_type, CASE WHEN r.grantee = 0 THEN 'PUBLIC' "
		          "ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(r.grantee)) END, "
		          "CASE WHEN r.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);\n"
		          "END LOOP;\nEND\n$strata$;\n");
	}
	if (sbuf_failed(&sql))
		goto failed;
	if (sql.len && drv_exec(s->conn, sql.buf, &e) != 0)
		goto failed;
	goto out;
failed:
	db_log(db, STRATA_LOG_WARN, "cannot give the public schema of the dev database %s back its "
	       "comment, owner and privileges: %s", s->url.redacted,
	       e.msg.len ? e.msg.buf : "out of memory");
out:
	drv_rows_free(r);
	drv_err_release(&e);
	sbuf_release(&sql);
}

/* A session lock on the dev database, so that two runs sharing it do not
 * fill it at once (and empty each other's work): "strata" "dev". */
static const char dev_lock_sql[] = "SELECT pg_try_advisory_lock(1937011297, 6579574)";

/* "DROP <TYPE> IF EXISTS <identity> CASCADE" for one row of dev_objects_sql;
 * 0 when the type is none we know how to drop. */
static int drop_statement(const char *type, const char *identity, struct sbuf *out)
{
	const char *t;

	if (!type || !identity || !*type)
		return 0;
	for (t = type; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || *t == ' '))
			return 0;
	sbuf_reset(out);
	sbuf_adds(out, "DROP ");
	if (strcmp(type, "statistics object") == 0) {
		sbuf_adds(out, "STATISTICS");
	} else {
		for (t = type; *t; t++)
			sbuf_addc(out, *t == ' ' ? ' ' : (char)(*t - 'a' + 'A'));
	}
	sbuf_addf(out, " IF EXISTS %s CASCADE", identity);
	return !sbuf_failed(out);
}

/* Target of db: its open connection, or one opened for the question. */
static int target_identity(strata_db *db, struct pg_id *id, struct drv_err *e)
{
	struct drv_open_opts o;
	drv_conn *c = NULL;
	int rc;

	if (db->conn)
		return pg_identify(db->conn, id, e);
	memset(&o, 0, sizeof o);
	o.busy_timeout_ms = db->busy_timeout_ms;
	rc = drv_open(&c, &db->url, &o, e);
	if (!rc)
		rc = pg_identify(c, id, e);
	drv_close(c);
	return rc;
}

/*
 * The target's unqualified names live in its current schema: the first
 * schema of its search_path that exists, which is "$user" for a role with
 * a schema of its own name. The scratch database must put a schema file's
 * unqualified objects in that same schema, or every table would seem to
 * move between schemas (a drop and a create, rows lost). So the scratch
 * session gets the target's effective search_path, its first schema made
 * there when missing (ours: a made database is dropped, and a dev database
 * is emptied of what this run made). Nothing to do when it is public.
 */
static const char target_path_sql[] =
	"SELECT current_schema(), (SELECT string_agg(quote_ident(p.s), ', ' ORDER BY p.i) "
	"FROM unnest(current_schemas(false)) WITH ORDINALITY AS p(s, i))";

static int match_search_path(strata_db *db, struct scratch *s)
{
	struct drv_open_opts o;
	struct drv_rows *r = NULL;
	struct drv_err e;
	struct sbuf sql = SBUF_INIT;
	drv_conn *c = db->conn;
	const char *params[1];
	int rc;

	drv_err_init(&e);
	if (!c) {
		memset(&o, 0, sizeof o);
		o.busy_timeout_ms = db->busy_timeout_ms;
		if ((rc = drv_open(&c, &db->url, &o, &e)) != 0) {
			db_error_drv(db, &e, "cannot read the target's search_path");
			goto out;
		}
	}
	if ((rc = drv_query(c, target_path_sql, NULL, 0, &r, &e)) != 0) {
		db_error_drv(db, &e, "cannot read the target's search_path");
		goto out;
	}
	if (r->nrows != 1 || !drv_cell(r, 0, 0) || !strcmp(drv_cell(r, 0, 0), "public"))
		goto out;
	sbuf_adds(&sql, "CREATE SCHEMA IF NOT EXISTS ");
	sbuf_add_ident(&sql, drv_cell(r, 0, 0));
	if (sbuf_failed(&sql)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	params[0] = drv_cell(r, 0, 1);
	if ((rc = drv_exec(s->conn, sql.buf, &e)) != 0 ||
	    (rc = drv_query(s->conn, "SELECT pg_catalog.set_config('search_path', $1, false)",
	                    params, 1, NULL, &e)) != 0)
		db_error_drv(db, &e, "cannot give the scratch database the target's default schema");
out:
	if (c != db->conn)
		drv_close(c);
	drv_rows_free(r);
	drv_err_release(&e);
	sbuf_release(&sql);
	return rc;
}

static int dev_open_pg(strata_db *db, const struct drv_open_opts *o, struct scratch *s)
{
	struct pg_id dev_id, target_id;
	struct drv_rows *r = NULL;
	struct drv_err e;
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	int rc, tries;

	memset(&dev_id, 0, sizeof dev_id);
	memset(&target_id, 0, sizeof target_id);
	drv_err_init(&e);
	if ((rc = drv_open(&s->conn, &s->url, o, &e)) != 0) {
		db_error_drv(db, &e, "cannot use the --dev-url database");
		goto out;
	}
	if ((rc = pg_identify(s->conn, &dev_id, &e)) != 0) {
		db_error_drv(db, &e, "cannot tell which database --dev-url is");
		goto out;
	}
	if ((rc = target_identity(db, &target_id, &e)) != 0) {
		db_error_drv(db, &e, "cannot tell whether --dev-url is the target database");
		goto out;
	}
	if (pg_same(&dev_id, &target_id)) {
		rc = db_error(db, STRATA_EUSAGE, "--dev-url %s is the target database: a dev database "
		              "must be a separate, empty one", s->url.redacted);
		goto out;
	}
	/* A run that just ended may still hold the lock for a moment: the
	 * server ends its backend after the client has gone. Wait up to 5 s. */
	for (tries = 0;; tries++) {
		if ((rc = drv_query(s->conn, dev_lock_sql, NULL, 0, &r, &e)) != 0) {
			db_error_drv(db, &e, "cannot lock the --dev-url database");
			goto out;
		}
		if (tries >= 50 || (r->nrows == 1 && drv_cell(r, 0, 0) && drv_cell(r, 0, 0)[0] == 't'))
			break;
		drv_rows_free(r);
		r = NULL;
		nanosleep(&pause, NULL);
	}
	if (r->nrows != 1 || !drv_cell(r, 0, 0) || drv_cell(r, 0, 0)[0] != 't') {
		rc = db_error(db, STRATA_ELOCKED, "--dev-url %s is in use by another strata run: wait "
		              "for it, or give each run a dev database of its own", s->url.redacted);
		goto out;
	}
	drv_rows_free(r);
	r = NULL;
	if ((rc = drv_query(s->conn, dev_objects_sql, NULL, 0, &r, &e)) != 0) {
		db_error_drv(db, &e, "cannot list the objects of the --dev-url database");
		goto out;
	}
	if (r->nrows) {
		rc = db_error(db, STRATA_EUSAGE, "--dev-url %s is not empty (%s %s%s): a dev database "
		              "must hold no objects", s->url.redacted, drv_cell(r, 0, 0),
		              drv_cell(r, 0, 1) ? drv_cell(r, 0, 1) : "?",
		              r->nrows > 1 ? ", ..." : "");
		goto out;
	}
	if ((rc = public_save(db, s)) != 0)
		goto out;
	s->dev = 1;
out:
	drv_rows_free(r);
	pg_id_release(&dev_id);
	pg_id_release(&target_id);
	drv_err_release(&e);
	return rc;
}

/*
 * Drop what this run made in the dev database: everything in it now, since
 * it was empty when we took it (and locked since). A few passes, because
 * one object's CASCADE may take another that is still on the list.
 */
static void dev_empty(strata_db *db, struct scratch *s)
{
	struct drv_rows *r = NULL;
	struct drv_err e, e2;
	struct sbuf sql = SBUF_INIT, last = SBUF_INIT;
	size_t i, before = (size_t)-1;
	int pass;

	drv_err_init(&e);
	for (pass = 0; pass < 4; pass++) {
		drv_rows_free(r);
		r = NULL;
		if (drv_query(s->conn, dev_objects_sql, NULL, 0, &r, &e) != 0) {
			db_log(db, STRATA_LOG_WARN, "cannot empty the dev database %s: %s", s->url.redacted,
			       e.msg.buf);
			goto out;
		}
		if (r->nrows == 0 || r->nrows >= before)
			break;
		before = r->nrows;
		for (i = 0; i < r->nrows; i++) {
			if (!drop_statement(drv_cell(r, i, 0), drv_cell(r, i, 1), &sql))
				continue;
			drv_err_init(&e2);
			if (drv_exec(s->conn, sql.buf, &e2) != 0) {
				sbuf_reset(&last);
				sbuf_adds(&last, e2.msg.buf);
			}
			drv_err_release(&e2);
		}
	}
	if (r && r->nrows)
		db_log(db, STRATA_LOG_WARN, "the dev database %s still holds %zu object%s this run made "
		       "(%s %s%s%s): drop them, or strata will refuse it as not empty", s->url.redacted,
		       r->nrows, r->nrows == 1 ? "" : "s", drv_cell(r, 0, 0),
		       drv_cell(r, 0, 1) ? drv_cell(r, 0, 1) : "?", last.len ? ": " : "", last.buf);
out:
	drv_rows_free(r);
	drv_err_release(&e);
	sbuf_release(&sql);
	sbuf_release(&last);
}

/* ---- open and close ----------------------------------------------------------- */

void scratch_close(strata_db *db, struct scratch *s)
{
	struct drv_err e;
	int rc;

	if (s->dev && s->conn) {
		dev_empty(db, s);
		public_restore(db, s);
	}
	public_forget(s);
	s->dev = 0;
	drv_close(s->conn);
	s->conn = NULL;
	if (s->drop) {
		drv_err_init(&e);
		rc = drv_drop_db(driver_for(&s->url), &s->url, &e);
		if (rc != 0 && rc != STRATA_ENOTFOUND) /* gone already: nothing left */
			db_log(db, STRATA_LOG_WARN, "cannot drop the scratch database %s: %s; drop it by "
			       "hand: DROP DATABASE %s", s->name, e.msg.buf, s->name);
		drv_err_release(&e);
		s->drop = 0;
	}
	url_release(&s->url);
}

int scratch_open(strata_db *db, const char *dev_url, struct scratch *s)
{
	struct drv_open_opts o;
	struct drv_err e;
	struct strata_url du;
	const struct strata_driver *d;
	char *u = NULL;
	int rc, attempt, made = 0;

	memset(s, 0, sizeof *s);
	memset(&du, 0, sizeof du);
	memset(&o, 0, sizeof o);
	o.busy_timeout_ms = db->busy_timeout_ms;
	o.log = db->log;
	o.log_payload = db->log_payload;
	o.create = 1;
	drv_err_init(&e);
	if (dev_url && *dev_url) {
		if ((rc = url_parse(dev_url, &du, &e)) != 0) {
			db_error_drv(db, &e, "--dev-url");
			goto out;
		}
		if (!db->url.engine || strcmp(du.engine, db->url.engine) != 0) {
			rc = db_error(db, STRATA_EUSAGE, "--dev-url %s is a %s database; the target is %s",
			              du.redacted, du.engine, db->url.engine ? db->url.engine : "unknown");
			goto out;
		}
	}
	/* The engine says where its scratch database is (driver.h,
	 * scratch_url): a private one that opening makes (SQLite's memory),
	 * whatever --dev-url said, or one to create on the target's server.
	 * Without a target, SQLite's. */
	d = db->url.engine ? driver_for(&db->url) : driver_for_engine(SCHEMA_SQLITE);
	if (!d || (rc = drv_scratch_url(d, &db->url, NULL, &u, &made)) != 0) {
		rc = db_error(db, d ? rc : STRATA_EUNSUPPORTED, "%s", d && rc == STRATA_ENOMEM
		              ? "out of memory" : "no scratch database for this engine");
		goto out;
	}
	/* A private scratch: a --dev-url is only proven safe (its driver's
	 * dev_check), never used. */
	if (!made && dev_url && *dev_url && (rc = drv_dev_check(d, &du, &db->url, &e)) != 0) {
		free(u);
		db_error_drv(db, &e, NULL);
		goto out;
	}
	if (!made) {
		rc = url_parse(u, &s->url, &e);
		free(u);
		if (!rc)
			rc = drv_open(&s->conn, &s->url, &o, &e);
		if (rc)
			db_error_drv(db, &e, "cannot open a scratch database");
		goto out;
	}
	free(u);
	if (dev_url && *dev_url) {
		s->url = du;
		memset(&du, 0, sizeof du);
		if ((rc = dev_open_pg(db, &o, s)) == 0 && db->url.engine)
			rc = match_search_path(db, s);
		goto out;
	}
	/* A database of our own on the target's server; the name is taken
	 * again with the next number if two runs meet. */
	rc = STRATA_ERROR;
	for (attempt = 1; attempt <= 20; attempt++) {
		snprintf(s->name, sizeof s->name, "strata_scratch_%ld_%d", (long)getpid(), attempt);
		if ((rc = drv_scratch_url(d, &db->url, s->name, &u, &made)) != 0) {
			rc = db_error(db, rc, "%s", rc == STRATA_ENOMEM ? "out of memory"
			                            : "no scratch database for this engine");
			goto out;
		}
		url_release(&s->url);
		drv_err_release(&e);
		drv_err_init(&e);
		rc = url_parse(u, &s->url, &e);
		free(u);
		if (rc)
			break;
		rc = drv_create_db(driver_for(&s->url), &s->url, &e);
		/* another run's scratch database by that name: the next number
		 * (23505: two CREATE DATABASEs of one name at the same moment,
		 * as the threads of a fleet make them) */
		if (rc == 0 || (strcmp(e.sqlstate, "42P04") != 0 && strcmp(e.sqlstate, "23505") != 0))
			break;
	}
	if (rc) {
		db_error_drv(db, &e, "cannot create a scratch database for the diff");
		db_why(db, STRATA_WHY_NO_SCRATCH, NULL, NULL, NULL);
		goto out;
	}
	s->drop = 1;
	rc = drv_open(&s->conn, &s->url, &o, &e);
	if (rc)
		db_error_drv(db, &e, "cannot open the scratch database");
	else if (db->url.engine)
		rc = match_search_path(db, s);
out:
	url_release(&du);
	drv_err_release(&e);
	if (rc) {
		/* Nothing of ours is in a dev database refused or failed here. */
		s->dev = 0;
		scratch_close(db, s);
	}
	return rc;
}
