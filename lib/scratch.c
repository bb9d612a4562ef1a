/*
 * scratch.c: the scratch databases of the declarative commands (diff,
 * generate, push, verify), and the proof that a --dev-url database is safe
 * to use before strata touches it. It names no engine: what differs is the
 * driver's (driver.h), and this file holds the order of the steps, the
 * policy (how long to wait for a dev database's lock, how many passes to
 * empty it) and the messages.
 *
 * Where the scratch database is comes from the driver (scratch_url):
 * either a private one that opening makes and closing drops (SQLite's
 * memory), or one on the target's server, the --dev-url database or else
 * one made for the occasion (strata_scratch_<pid>_<n>, create_db) and
 * dropped before the call returns (drop_db). A --dev-url beside a private
 * scratch database is only proven safe, by its driver (dev_check: SQLite's
 * compares the files), and never written to.
 *
 * A dev database on a server is somebody's database, so it is proven safe
 * first, through the driver's version 5 methods: it is not the target (both
 * servers are asked who they are, dev_identify and dev_same; on PostgreSQL
 * postmaster start time, port, database oid, and the cluster's system
 * identifier when the role may read it), no other strata run is using it
 * (dev_lock, a session lock), and it holds no user object (dev_objects).
 * What a run may change there and must give back is noted (dev_save) and
 * given back when done (dev_restore). When done, strata drops what this run
 * made there and nothing else (dev_drop of each of dev_objects): the
 * database was empty, so whatever is there now is ours. Either scratch
 * database on a server resolves unqualified names as the target does
 * (scratch_match).
 */
#include "scratch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


/* ---- a dev database on a server ------------------------------------------------ */

/* Target of db: the server's word on which database it is (drv_dev_identify),
 * through its open connection, or one opened for the question. */
static int target_identity(strata_db *db, char **id, struct drv_err *e)
{
	struct drv_open_opts o;
	drv_conn *c = NULL;
	int rc;

	if (db->conn)
		return drv_dev_identify(db->conn, id, e);
	memset(&o, 0, sizeof o);
	o.busy_timeout_ms = db->busy_timeout_ms;
	rc = drv_open(&c, &db->url, &o, e);
	if (!rc)
		rc = drv_dev_identify(c, id, e);
	drv_close(c);
	return rc;
}

/* The scratch session resolving unqualified names as the target's does
 * (drv_scratch_match, driver.h), through the target's open connection or
 * one opened for the question. */
static int match_target(strata_db *db, struct scratch *s)
{
	struct drv_open_opts o;
	struct drv_err e;
	drv_conn *c = db->conn;
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
	if ((rc = drv_scratch_match(c, s->conn, &e)) != 0)
		db_error_drv(db, &e, NULL);
out:
	if (c != db->conn)
		drv_close(c);
	drv_err_release(&e);
	return rc;
}

static int dev_open(strata_db *db, const struct drv_open_opts *o, struct scratch *s)
{
	char *dev_id = NULL, *target_id = NULL;
	struct drv_rows *r = NULL;
	struct drv_err e;
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	int rc, tries, got = 0;

	drv_err_init(&e);
	if ((rc = drv_open(&s->conn, &s->url, o, &e)) != 0) {
		db_error_drv(db, &e, "cannot use the --dev-url database");
		goto out;
	}
	if ((rc = drv_dev_identify(s->conn, &dev_id, &e)) != 0) {
		db_error_drv(db, &e, "cannot tell which database --dev-url is");
		goto out;
	}
	if ((rc = target_identity(db, &target_id, &e)) != 0) {
		db_error_drv(db, &e, "cannot tell whether --dev-url is the target database");
		goto out;
	}
	if (drv_dev_same(s->conn, dev_id, target_id)) {
		rc = db_error(db, STRATA_EUSAGE, "--dev-url %s is the target database: a dev database "
		              "must be a separate, empty one", s->url.redacted);
		goto out;
	}
	/* A run that just ended may still hold the lock for a moment: the
	 * server ends its session after the client has gone. Wait up to 5 s. */
	for (tries = 0;; tries++) {
		if ((rc = drv_dev_lock(s->conn, &got, &e)) != 0) {
			db_error_drv(db, &e, "cannot lock the --dev-url database");
			goto out;
		}
		if (got || tries >= 50)
			break;
		nanosleep(&pause, NULL);
	}
	if (!got) {
		rc = db_error(db, STRATA_ELOCKED, "--dev-url %s is in use by another strata run: wait "
		              "for it, or give each run a dev database of its own", s->url.redacted);
		goto out;
	}
	if ((rc = drv_dev_objects(s->conn, &r, &e)) != 0) {
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
	if ((rc = drv_dev_save(s->conn, &s->dev_state, &e)) != 0) {
		db_error_drv(db, &e, NULL);
		goto out;
	}
	s->dev = 1;
out:
	drv_rows_free(r);
	free(dev_id);
	free(target_id);
	drv_err_release(&e);
	return rc;
}

/*
 * Drop what this run made in the dev database: everything in it now, since
 * it was empty when we took it (and locked since). A few passes, because
 * one object's drop may take another that is still on the list.
 */
static void dev_empty(strata_db *db, struct scratch *s)
{
	struct drv_rows *r = NULL;
	struct drv_err e, e2;
	struct sbuf last = SBUF_INIT;
	size_t i, before = (size_t)-1;
	int pass;

	drv_err_init(&e);
	for (pass = 0; pass < 4; pass++) {
		drv_rows_free(r);
		r = NULL;
		if (drv_dev_objects(s->conn, &r, &e) != 0) {
			db_log(db, STRATA_LOG_WARN, "cannot empty the dev database %s: %s", s->url.redacted,
			       e.msg.buf);
			goto out;
		}
		if (r->nrows == 0 || r->nrows >= before)
			break;
		before = r->nrows;
		for (i = 0; i < r->nrows; i++) {
			drv_err_init(&e2);
			if (drv_dev_drop(s->conn, drv_cell(r, i, 0), drv_cell(r, i, 1), &e2) != 0) {
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
	sbuf_release(&last);
}

/* What dev_save noted given back (a failure is a warning), or, without a
 * connection, only forgotten. */
static void dev_restore(strata_db *db, struct scratch *s, drv_conn *c)
{
	struct drv_err e;

	if (!s->dev_state)
		return;
	drv_err_init(&e);
	if (drv_dev_restore(driver_for(&s->url), c, s->dev_state, &e) != 0)
		db_log(db, STRATA_LOG_WARN, "cannot give the public schema of the dev database %s back its "
		       "comment, owner and privileges: %s", s->url.redacted,
		       e.msg.len ? e.msg.buf : "out of memory");
	s->dev_state = NULL;
	drv_err_release(&e);
}

/* ---- open and close ----------------------------------------------------------- */

void scratch_close(strata_db *db, struct scratch *s)
{
	struct drv_err e;
	int rc;

	if (s->dev && s->conn) {
		dev_empty(db, s);
		dev_restore(db, s, s->conn);
	}
	dev_restore(db, s, NULL);
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
		if ((rc = dev_open(db, &o, s)) == 0 && db->url.engine)
			rc = match_target(db, s);
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
		/* another run's scratch database by that name: the next number */
		if (rc == 0 || !e.exists)
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
		rc = match_target(db, s);
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
