/*
 * runner.c: up, down, status, baseline and mark: the versioned-migration
 * logic over the driver vtable.
 *
 * Every run follows one order, and the order is the safety promise:
 *   1. read and validate every file (nothing touched yet): of the
 *      directory, or of strata_config.source (source.c), alike;
 *   2. take the runner's lock (PostgreSQL advisory lock; SQLite's BEGIN
 *      IMMEDIATE is both lock and transaction);
 *   3. read the tracking table inside the transaction, so a runner that
 *      waited sees what the one before it applied;
 *   4. refuse edited, missing, failed or out-of-order migrations by name;
 *   5. run every migration and its tracking row in that one transaction,
 *      committing only at the end; transaction:false migrations split the
 *      run into segments and are recorded as failed until they finish.
 *      The caller's hooks (hook.c) are called around each migration inside
 *      that transaction, after-each before the commit, so a hook that says
 *      stop is one more failure of the run.
 *
 * up of named migrations (strata_up_opts.only) is the same run with the
 * pending set narrowed to them: every other check still sees every file.
 *
 * The tracking table itself (its DDL, upgrades, reading and writing rows)
 * is tracking.c's.
 */
#include "internal.h"
#include "migration.h"
#include "foreign.h"
#include "tracking.h"
#include "sqlscan.h"


#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"

static int need_conn(strata_db *db)
{
	if (db->conn)
		return 0;
	if (db->errcode)
		return db->errcode;
	return db_error(db, STRATA_ECONNECT, "not connected");
}

/*
 * A squash (a file with `-- strata:replaces`) against the tracking table.
 * Its own row recorded with its checksum: it ran here; rows of the versions
 * it replaces that are still there are folded into it. Every replaced
 * version recorded (the old files ran here): the squash counts as applied,
 * in their place (in memory: the table is not changed; rolling the squash
 * back deletes them all). None recorded: it is pending, as any file. Some
 * but not all: the database is somewhere the squash does not describe, so
 * it is refused, naming which are applied and which not.
 */
static int squash_applied(strata_db *db, const struct migration_set *ms, struct applied_set *as,
                          int with_down)
{
	size_t i, k;

	for (i = 0; i < ms->n; i++) {
		const struct migration *m = &ms->v[i];
		struct applied *own;
		struct sbuf have = SBUF_INIT, lack = SBUF_INIT;
		size_t nhave = 0;
		int rc = 0;

		if (!m->nreplaces)
			continue;
		own = applied_find(as, m->version);
		if (own && migration_checksum_is(m, own->checksum)) {
			/* the squash itself ran: anything left of the old rows is its */
			for (k = 0; k + 1 < m->nreplaces; k++) {
				struct applied *a = applied_find(as, m->replaces[k]);
				if (a)
					applied_drop(as, (size_t)(a - as->v));
			}
			continue;
		}
		for (k = 0; k < m->nreplaces; k++) {
			struct applied *a = applied_find(as, m->replaces[k]);
			struct sbuf *sb = a && strcmp(a->state, "failed") ? &have : &lack;
			if (a && strcmp(a->state, "failed"))
				nhave++;
			sbuf_addf(sb, "%s%s", sb->len ? ", " : "", m->replaces[k]);
		}
		if (nhave == m->nreplaces) {
			char *ck = strdup(m->checksum), *dn = NULL;
			long batch = 0;
			if (with_down && m->down.sql && !(dn = strdup(m->down.sql)))
				rc = STRATA_ENOMEM;
			if (!ck)
				rc = STRATA_ENOMEM;
			for (k = 0; !rc && k + 1 < m->nreplaces; k++) {
				struct applied *a = applied_find(as, m->replaces[k]);
				if (a->batch > batch)
					batch = a->batch;
				applied_drop(as, (size_t)(a - as->v));
			}
			if (rc) {
				free(ck);
				free(dn);
				rc = db_error(db, STRATA_ENOMEM, "out of memory");
			} else {
				own = applied_find(as, m->version);
				if (own->batch < batch)
					own->batch = batch;
				free(own->checksum);
				own->checksum = ck;
				free(own->up_checksum);
				own->up_checksum = NULL;
				if (with_down) {
					free(own->down_sql);
					own->down_sql = dn;
				}
			}
		} else if (nhave) {
			rc = db_error(db, STRATA_EUSAGE, "%s replaces migrations %s to %s, but only %s %s "
			              "applied here (not %s): the squash cannot stand for them; "
			              "nothing was changed", m->filename, m->replaces[0], m->version, have.buf,
			              nhave > 1 ? "are" : "is", lack.buf);
		}
		sbuf_release(&have);
		sbuf_release(&lack);
		if (rc)
			return rc;
	}
	return 0;
}

static int load_files(strata_db *db, struct migration_set *ms, int check_sum)
{
	struct sbuf err = SBUF_INIT;
	int rc;

	/* A fleet read the files once for every target (lib/fleet.c). */
	if (db->shared) {
		if (check_sum && db->shared->sum_rc) {
			db_error(db, db->shared->sum_rc, "%s",
			         db->shared->sum_err ? db->shared->sum_err : "out of memory");
			if (db->shared->sum_rc == STRATA_ECHECKSUM)
				db_why(db, STRATA_WHY_SUM_STALE, NULL, NULL, NULL);
			return db->shared->sum_rc;
		}
		*ms = db->shared->set;
		ms->borrowed = 1;
		return 0;
	}

	/* compiled-in migrations (source.c): the same checks, strata.sum included */
	if (db->source) {
		rc = migrations_load_source(db->source, ms, check_sum, &err);
		if (rc) {
			db_error(db, rc, "%s", sbuf_failed(&err) || !err.len ? "out of memory" : err.buf);
			if (rc == STRATA_ECHECKSUM && strstr(err.buf, "strata.sum"))
				db_why(db, STRATA_WHY_SUM_STALE, NULL, NULL, NULL);
			migrations_release(ms);
		}
		sbuf_release(&err);
		return rc;
	}
	rc = migrations_load(db->dir, ms, &err);
	if (!rc && check_sum)
		rc = sum_check(db->dir, ms, &err);
	if (rc) {
		db_error(db, rc, "%s", sbuf_failed(&err) ? "out of memory" : err.buf);
		/* only sum_check() says ECHECKSUM */
		if (rc == STRATA_ECHECKSUM)
			db_why(db, STRATA_WHY_SUM_STALE, NULL, NULL, NULL);
		else if (rc == STRATA_ENOTFOUND && access(db->dir, F_OK) != 0 && errno == ENOENT)
			db_why(db, STRATA_WHY_NO_DIR, db->dir, NULL, NULL);
		migrations_release(ms);
	}
	sbuf_release(&err);
	return rc;
}

/* ---- reports ---------------------------------------------------------- */

static int report_new(strata_db *db, strata_report **out, size_t cap)
{
	strata_report *r = calloc(1, sizeof *r);

	if (r)
		r->entries = calloc(cap ? cap : 1, sizeof *r->entries);
	if (!r || !r->entries) {
		free(r);
		*out = NULL;
		return db_error(db, STRATA_ENOMEM, "out of memory");
	}
	*out = r;
	return 0;
}

static strata_entry *report_add(strata_report *r, const struct migration *m,
                                const struct applied *a)
{
	strata_entry *e = &r->entries[r->n++];

	memset(e, 0, sizeof *e);
	e->version = strdup(m ? m->version : a->version);
	e->name = strdup(m ? m->name : a->name);
	e->file = m ? strdup(m->path) : NULL;
	e->checksum = strdup(m ? m->checksum : a->checksum);
	if (a) {
		e->batch = a->batch;
		e->applied_at = xstrdup_or_null(a->applied_at);
		e->duration_ms = a->duration_ms;
		e->error = xstrdup_or_null(a->error);
	}
	if (m) {
		e->no_transaction = m->up.no_tx;
		e->irreversible = m->down.sql == NULL;
	} else {
		e->irreversible = a->down_sql == NULL;
	}
	return e;
}

static int report_ok(strata_db *db, strata_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		strata_entry *e = &r->entries[i];
		if (!e->version || !e->name || !e->checksum)
			return db_error(db, STRATA_ENOMEM, "out of memory");
	}
	return 0;
}

/* Merge files and tracking rows into status entries, in version order. */
static int build_status(strata_db *db, const struct migration_set *ms,
                        const struct applied_set *as, strata_report **out)
{
	strata_report *r;
	const char *newest = NULL;
	size_t i = 0, j = 0;
	int rc;

	rc = report_new(db, &r, ms->n + as->n);
	if (rc)
		return rc;
	for (j = 0; j < as->n; j++)
		if (!newest || version_cmp(as->v[j].version, newest) > 0)
			newest = as->v[j].version;
	j = 0;
	while (i < ms->n || j < as->n) {
		int c;
		strata_entry *e;

		if (i == ms->n)
			c = 1;
		else if (j == as->n)
			c = -1;
		else
			c = version_cmp(ms->v[i].version, as->v[j].version);
		if (c < 0) {
			e = report_add(r, &ms->v[i], NULL);
			e->state = newest && version_cmp(ms->v[i].version, newest) < 0 ?
			           STRATA_OUT_OF_ORDER : STRATA_PENDING;
			i++;
		} else if (c > 0) {
			e = report_add(r, NULL, &as->v[j]);
			e->state = strcmp(as->v[j].state, "failed") == 0 ? STRATA_FAILED : STRATA_MISSING;
			j++;
		} else {
			e = report_add(r, &ms->v[i], &as->v[j]);
			if (strcmp(as->v[j].state, "failed") == 0)
				e->state = STRATA_FAILED;
			else if (!migration_checksum_is(&ms->v[i], as->v[j].checksum))
				e->state = STRATA_EDITED;
			else
				e->state = STRATA_APPLIED;
			i++;
			j++;
		}
	}
	rc = report_ok(db, r);
	if (rc) {
		strata_report_free(r);
		r = NULL;
	}
	*out = r;
	return rc;
}

int strata_status(strata_db *db, strata_report **out)
{
	struct migration_set ms = { 0 };
	struct applied_set as = { 0 };
	int rc;

	*out = NULL;
	db_clear_error(db);
	if ((rc = need_conn(db)) != 0)
		return rc;
	rc = load_files(db, &ms, 0);
	if (rc == STRATA_ENOTFOUND) {
		/* No directory yet: status still shows what the database has. */
		db_clear_error(db);
		rc = 0;
	}
	if (rc)
		return rc;
	rc = read_applied(db, &as);
	if (!rc)
		rc = squash_applied(db, &ms, &as, 0);
	if (!rc)
		rc = build_status(db, &ms, &as, out);
	applied_release(&as);
	migrations_release(&ms);
	return rc;
}

/* ---- running SQL ------------------------------------------------------ */

/* The lock key: the tracking table, qualified, so two apps on one server
 * with different tables do not wait for each other. */
static int lock(strata_db *db)
{
	struct drv_err e;
	int rc;

	drv_err_init(&e);
	rc = drv_lock(db->conn, db->qtable.buf, &e);
	if (rc)
		db_error_drv(db, &e, "cannot take the migration lock");
	drv_err_release(&e);
	return rc;
}

static void unlock(strata_db *db)
{
	struct drv_err e;

	drv_err_init(&e);
	drv_unlock(db->conn, db->qtable.buf, &e);
	drv_err_release(&e);
}

static int begin(strata_db *db)
{
	struct drv_err e;
	int rc;

	drv_err_init(&e);
	rc = drv_begin(db->conn, &e);
	if (rc)
		db_error_drv(db, &e, "cannot begin a transaction");
	/* SET LOCAL lasts the transaction: one round trip covers every
	 * migration of the segment. */
	else if ((rc = drv_set_timeouts(db->conn, db->lock_timeout_ms, db->statement_timeout_ms, &e)) != 0)
		db_error_drv(db, &e, "cannot set the timeouts");
	drv_err_release(&e);
	return rc;
}

static int commit(strata_db *db)
{
	struct drv_err e;
	int rc;

	drv_err_init(&e);
	rc = drv_commit(db->conn, &e);
	if (rc)
		db_error_drv(db, &e, "cannot commit");
	drv_err_release(&e);
	return rc;
}

static void rollback(strata_db *db)
{
	struct drv_err e;

	drv_err_init(&e);
	drv_rollback(db->conn, &e);
	drv_err_release(&e);
}

/* For db_exec_at() on a section's SQL: a failure is STRATA_ESQL unless its
 * code says more. */
static int section_code(int code)
{
	if (code == STRATA_ELOCKED || code == STRATA_ECONNECT || code == STRATA_EFULL ||
	    code == STRATA_EIO || code == STRATA_ENOMEM || code == STRATA_EREADONLY)
		return code;
	return STRATA_ESQL;
}

/*
 * Before anything runs: an up section with no statement (a template from
 * `new` never filled in) would be recorded as applied having done nothing,
 * and the SQL written into the file later would never run; statements that
 * cannot run in a transaction, in a section that would. keep (may be
 * NULL): receives the split, for the exec of the section and the
 * destructive check (left empty when the splitter cannot read the
 * section: *split_ok 0 then, else 1).
 */
static int check_tx(strata_db *db, const struct migration *m, const struct section *s,
                    const char *secname, struct drv_stmts *keep, int *split_ok)
{
	struct drv_stmts st = { 0 };
	struct drv_err e;
	size_t i;
	int rc = 0;

	if (split_ok)
		*split_ok = 0;
	if (!s->sql)
		return 0;
	drv_err_init(&e);
	if (drv_split(db->conn->driver, s->sql, &st, &e) == 0) {
		if (split_ok)
			*split_ok = 1;
		if (st.n == 0 && s == &m->up)
			rc = db_error(db, STRATA_EPARSE,
			              "%s:%ld: the up section has no statement", m->path, s->line - 1);
		if (st.n == 0 && s == &m->up)
			db_why(db, STRATA_WHY_EMPTY_UP, m->path, NULL, NULL);
		for (i = 0; i < st.n && !s->no_tx; i++) {
			if (!st.v[i].no_tx)
				continue;
			rc = db_error(db, STRATA_EPARSE,
			              "%s:%ld: %s cannot run inside a transaction; mark the section "
			              "'-- migrate:%s transaction:false'",
			              m->path, s->line + util_line_of(s->sql, st.v[i].offset) - 1,
			              st.v[i].no_tx, secname);
			break;
		}
	}
	/* A script the splitter cannot read is left to the engine, which
	 * reports the error with its own words and position. */
	if (keep && !rc) {
		*keep = st;
		st.n = 0;
		st.v = NULL;
	}
	drv_stmts_release(&st);
	drv_err_release(&e);
	return rc;
}

/*
 * PostgreSQL: a hot standby (a multi-host URL without
 * target_session_attrs=read-write may land on one, and a primary that
 * failed over becomes one) or a session that defaults to read-only
 * transactions would fail at the first write, after the lock and the
 * checks: say it before anything runs.
 */
static int pg_writable_check(strata_db *db)
{
	struct drv_rows *r = NULL;
	struct drv_err e;
	int rc;

	drv_err_init(&e);
	rc = drv_query(db->conn, "SELECT pg_catalog.pg_is_in_recovery()::text, "
	               "pg_catalog.current_setting('default_transaction_read_only')",
	               NULL, 0, &r, &e);
	if (rc)
		rc = db_error_drv(db, &e, "cannot ask the server whether it is a standby");
	else if (r->nrows == 1 && drv_cell(r, 0, 0) && !strcmp(drv_cell(r, 0, 0), "true"))
		rc = db_error(db, STRATA_EREADONLY, "the PostgreSQL server of '%s' is a standby "
		              "(in recovery, read-only): nothing was run", db->url.redacted);
	else if (r->nrows == 1 && drv_cell(r, 0, 1) && !strcmp(drv_cell(r, 0, 1), "on"))
		rc = db_error(db, STRATA_EREADONLY, "the PostgreSQL session of '%s' is read-only "
		              "(default_transaction_read_only is on): nothing was run", db->url.redacted);
	drv_rows_free(r);
	drv_err_release(&e);
	return rc;
}

int db_writable_check(strata_db *db)
{
	/* SQLite opens a write-protected file read-only without a word; say so
	 * before anything runs rather than at the first write. */
	const char *file;
	int ro = drv_read_only(db->conn, &file);

	if (ro < 0)
		return pg_writable_check(db);
	if (ro == 1)
		return db_error(db, STRATA_EREADONLY, "the database '%s' is read-only", db->url.path);
	/* SQLite writes its journal beside the file: a folder it cannot write
	 * in fails the first write, halfway; say it now. */
	if (file && *file) {
		struct sbuf dir = SBUF_INIT;
		const char *slash = strrchr(file, '/');
		int bad;
		if (slash)
			sbuf_add(&dir, file, slash == file ? 1 : (size_t)(slash - file));
		else
			sbuf_adds(&dir, ".");
		bad = !sbuf_failed(&dir) && access(dir.buf, W_OK) != 0 &&
		      (errno == EACCES || errno == EROFS || errno == EPERM);
		if (bad)
			db_error(db, STRATA_EREADONLY, "the folder '%s' of the database is read-only "
			         "(SQLite writes its journal there)", dir.buf);
		sbuf_release(&dir);
		if (bad)
			return STRATA_EREADONLY;
	}
	return 0;
}

/*
 * Called in the transaction, before the first change, when something will
 * change: the automatic SQLite backup (backup.c). one_tx: every change of
 * the run is in its one transaction, so a failure rolls all of it back
 * without the backup; then a database with nothing in it (a new tenant of
 * a fleet) needs none (backup_nothing_to_keep(), docs/strata-backup.md).
 */
static int before_change(strata_db *db, strata_report *r, int one_tx)
{
	char *path = NULL;
	int rc;

	if (is_pg(db) || db->no_backup)
		return 0;
	if (one_tx && backup_nothing_to_keep(db)) {
		db_log(db, STRATA_LOG_INFO, "no backup of '%s': it is empty", db->url.redacted);
		return 0;
	}
	rc = backup_auto(db, &path);
	if (rc)
		return rc;
	r->backup = path;
	return 0;
}

/* After a failed run on SQLite: the transaction rolled back; if segments had
 * committed (transaction:false), the backup restores the whole run. */
static void after_failure(strata_db *db, strata_report *r, int committed)
{
	if (committed && r && r->backup)
		backup_restore_after_failure(db, r->backup);
}

/* Say, after the engine's message, that the run left nothing behind. */
static void db_note_rolled_back(strata_db *db)
{
	/* (A refusal of destructive statements ran nothing: no note.) */
	if (db->errcode && db->errcode != STRATA_EDESTRUCTIVE)
		sbuf_adds(&db->errmsg, " (rolled back: the database is as it was before this run)");
}

/* ---- up --------------------------------------------------------------- */

/* The migration that arg names: a version, or a file name (a path's last
 * part: "migrations/0002_users.sql" names 0002_users.sql). NULL if none. */
static const struct migration *named_migration(const struct migration_set *ms, const char *arg)
{
	const char *base = strrchr(arg, '/');
	size_t i;

	if (version_valid(arg))
		return migrations_find(ms, arg);
	base = base ? base + 1 : arg;
	for (i = 0; i < ms->n; i++)
		if (!strcmp(ms->v[i].filename, base))
			return &ms->v[i];
	return NULL;
}

/* 1 when opts (version 6) names m in only[], or names nothing. */
static int wanted(const strata_up_opts *opts, const struct migration *m)
{
	size_t k;

	if (!opts || opts->version < 6 || !opts->nonly)
		return 1;
	for (k = 0; k < opts->nonly; k++) {
		const char *a = opts->only[k], *base = strrchr(a, '/');
		if (version_valid(a) ? !version_cmp(a, m->version) : !strcmp(base ? base + 1 : a, m->filename))
			return 1;
	}
	return 0;
}

/*
 * The refusals of an up, each with the way out that ends in a right
 * database (the tracking table telling the truth and the schema what the
 * files say), never one that only silences the check: accepting an edit of
 * an up section would leave the edit unapplied for good.
 */
static int refuse_problems(strata_db *db, const struct migration_set *ms,
                           const struct applied_set *as, int allow_ooo,
                           const strata_up_opts *filter)
{
	const char *newest = NULL;
	const struct applied *last = NULL; /* what a redo would roll back */
	size_t i;

	for (i = 0; i < as->n; i++)
		if (!last || as->v[i].batch > last->batch ||
		    (as->v[i].batch == last->batch && version_cmp(as->v[i].version, last->version) > 0))
			last = &as->v[i];
	for (i = 0; i < as->n; i++) {
		const struct applied *a = &as->v[i];
		const struct migration *m = migrations_find(ms, a->version);
		if (strcmp(a->state, "failed") == 0) {
			db_error(db, STRATA_EFAILED,
			         "%s_%s is recorded as failed: a transaction:false migration stopped "
			         "partway (%s)", a->version, a->name, a->error ? a->error : "no message");
			return db_why(db, STRATA_WHY_FAILED, a->version, "up", NULL);
		}
		if (!m && !a->down_sql) {
			db_error(db, STRATA_EMISSING, "%s_%s was applied but its file is gone",
			         a->version, a->name);
			return db_why(db, STRATA_WHY_MISSING_NO_DOWN, a->version, NULL, NULL);
		}
		if (!m) {
			/* down --to the one before: the recorded down SQL of it and of
			 * every later one; up then applies the later ones again. */
			db_error(db, STRATA_EMISSING, "%s_%s was applied but its file is gone",
			         a->version, a->name);
			return db_why(db, STRATA_WHY_MISSING, a->version,
			              i == 0 ? NULL : as->v[i - 1].version, NULL);
		}
		if (!migration_checksum_is(m, a->checksum)) {
			char uc[65];
			up_checksum(m, uc);
			if (a->up_checksum && uc[0] && strcmp(uc, a->up_checksum) == 0) {
				db_error(db, STRATA_ECHECKSUM,
				         "%s was edited after it was applied (checksum mismatch), "
				         "outside its up section: what was applied is unchanged", m->path);
				return db_why(db, STRATA_WHY_EDITED_KEPT, a->version, m->path, NULL);
			}
			db_error(db, STRATA_ECHECKSUM,
			         "%s was edited after it was applied (checksum mismatch), and the "
			         "edit is not in the database", m->path);
			return db_why(db, STRATA_WHY_EDITED, a->version, m->path,
			              a == last && a->down_sql ? "redo" : NULL);
		}
		if (!newest || version_cmp(a->version, newest) > 0)
			newest = a->version;
	}
	if (allow_ooo || !newest)
		return 0;
	for (i = 0; i < ms->n; i++) {
		const struct migration *m = &ms->v[i];
		if (version_cmp(m->version, newest) >= 0)
			break;
		/* up FILE...: only the migrations it would apply */
		if (!wanted(filter, m))
			continue;
		if (!applied_find(as, m->version)) {
			db_error(db, STRATA_EORDER, "%s is older than the newest applied migration %s "
			         "(merged from another branch?)", m->path, newest);
			return db_why(db, STRATA_WHY_OUT_OF_ORDER, m->version, NULL, NULL);
		}
	}
	return 0;
}

/*
 * 1 when no statement of the pending up sections can destroy data, so that
 * lint, which reads each one's whole parse tree, need not: on PostgreSQL,
 * every section split (splits[i], split_ok[i]) and every statement one
 * that split_pg_keeps_data() clears whatever ran before it. What lint
 * knows of earlier statements (a table made in this run holds no rows)
 * only ever takes a finding away, so a run of such statements has none.
 */
static int cannot_destroy(strata_db *db, const struct migration **todo, size_t ntodo,
                          const struct drv_stmts *splits, const int *split_ok)
{
	size_t i, k;

	if (!is_pg(db) || !splits)
		return 0;
	for (i = 0; i < ntodo; i++) {
		if (!todo[i]->up.sql)
			continue;
		if (!split_ok[i])
			return 0;
		for (k = 0; k < splits[i].n; k++)
			if (!split_pg_keeps_data(todo[i]->up.sql + splits[i].v[k].offset,
			                         splits[i].v[k].len))
				return 0;
	}
	return 1;
}

/*
 * STRATA_EDESTRUCTIVE, naming each statement, when a pending up section
 * destroys data by strata lint's rules (a "-- strata:lint-ignore RULE"
 * comment acknowledges one); 0 otherwise. Nothing has run yet. changed:
 * the set is not the one the caller confirmed (said in the message).
 * splits, split_ok: check_tx()'s splits of the up sections; when they show
 * that nothing can destroy data, lint is not asked (cannot_destroy()).
 */
static int refuse_destructive(strata_db *db, const struct migration **todo, size_t ntodo,
                              const struct drv_stmts *splits, const int *split_ok, int changed)
{
	struct sbuf list = SBUF_INIT, *content = calloc(ntodo ? ntodo : 1, sizeof *content);
	const char **files = calloc(ntodo ? ntodo : 1, sizeof *files);
	const char **texts = calloc(ntodo ? ntodo : 1, sizeof *texts);
	size_t *lens = calloc(ntodo ? ntodo : 1, sizeof *lens);
	strata_lint_report *rep = NULL;
	size_t i, j, n = 0;
	int rc = 0;

	if (!content || !files || !texts || !lens) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < ntodo; i++)
		sbuf_init(&content[i]);
	if (cannot_destroy(db, todo, ntodo, splits, split_ok))
		goto out;
	for (i = 0; i < ntodo; i++) {
		if (db->source ? source_content(db->source, todo[i]->filename, &content[i]) != 0 :
		    util_read_file(todo[i]->path, &content[i]) != 0) {
			rc = db_error(db, STRATA_EIO, "%s: cannot read: %s", todo[i]->path, util_file_strerror(errno));
			goto out;
		}
		files[i] = todo[i]->path;
		texts[i] = content[i].buf;
		lens[i] = content[i].len;
	}
	/* One run over every pending file, in order, with the database: a
	 * table an earlier one creates holds nothing yet, and a column's type
	 * comes from the files before or the database, so that widening
	 * numeric(18,8) to numeric(20,8) is not taken for a loss of data. */
	if (lint_pending(db->conn, db->conn->driver->name, files, texts, lens, ntodo, &rep) != 0) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (j = 0; j < rep->n; j++) {
		const strata_lint_finding *f = &rep->findings[j];
		if (!lint_rule_is_destructive(f->rule))
			continue;
		if (n++ < 5)
			sbuf_addf(&list, "%s%s:%ld %s (%s)", n > 1 ? "; " : "", f->file, f->line,
			          f->statement, f->rule);
	}
	if (n)
		rc = db_error(db, STRATA_EDESTRUCTIVE,
		              "%s%zu destructive statement%s in the pending migrations, nothing was run: "
		              "%s%s", changed ? "the pending migrations changed after they were confirmed; " : "",
		              n, n == 1 ? "" : "s", list.buf ? list.buf : "", n > 5 ? "; ..." : "");
out:
	if (rc && rc != STRATA_ENOMEM && rc != STRATA_EIO)
		db_why(db, STRATA_WHY_DESTRUCTIVE, NULL, NULL, NULL);
	strata_lint_report_free(rep);
	for (i = 0; content && i < ntodo; i++)
		sbuf_release(&content[i]);
	free(content);
	free(files);
	free(texts);
	free(lens);
	sbuf_release(&list);
	return rc;
}

/*
 * STRATA_EFOREIGN when another tool's history table records migrations:
 * strata's own records none (the caller checked), so every file would look
 * pending and run a second time. Nothing has run yet.
 */
static int refuse_foreign(strata_db *db, const struct migration_set *ms)
{
	struct foreign_history h;
	int rc = foreign_find(db, ms, &h);

	if (rc || !h.tool)
		return rc;
	rc = db_error(db, STRATA_EFOREIGN,
	              "the database was migrated by %s: its history table '%s' records %lld "
	              "migration%s%s%s%s%s and strata's tracking table '%s' none, so every migration "
	              "would run again; nothing was run",
	              h.tool, h.table, h.rows, h.rows == 1 ? "" : "s", h.newest ? " (newest " : "",
	              h.newest ? h.newest : "", h.newest ? ")" : "",
	              h.stopped ? ", one of which stopped halfway" : "", db->table);
	foreign_release(&h);
	return rc;
}

/*
 * STRATA_EPARSE, at file:line, when a pending migration (up or down
 * section) calls pg_advisory_unlock_all(): it would release the lock that
 * keeps other runners out while this one applies, and a transaction:false
 * migration would commit what it did before anything noticed. (Any other
 * release, pg_advisory_unlock() with strata's key, is caught before commit:
 * pg_commit() checks that the lock is still held.) Nothing has run yet.
 */
static int refuse_lock_release(strata_db *db, const struct migration **todo, size_t ntodo)
{
	size_t i, k, off = 0;
	int hit;

	if (!is_pg(db))
		return 0;
	for (i = 0; i < ntodo; i++) {
		const struct section *sec[2] = { &todo[i]->up, &todo[i]->down };
		for (k = 0; k < 2; k++) {
			if (!sec[k]->sql)
				continue;
			hit = lint_find_lock_release(sec[k]->sql, &off);
			if (hit == STRATA_ENOMEM)
				return db_error(db, STRATA_ENOMEM, "out of memory");
			if (hit > 0)
				return db_error(db, STRATA_EPARSE,
				                "%s:%ld: pg_advisory_unlock_all() would release strata's "
				                "migration lock, and another runner could apply the same "
				                "migrations at once: remove it (release only your own locks, "
				                "with pg_advisory_unlock(key), or use pg_advisory_xact_lock)",
				                todo[i]->path,
				                sec[k]->line + util_line_of(sec[k]->sql, off) - 1);
		}
	}
	return 0;
}

/* 1 when report r holds the same migrations as c, in the same order, with
 * the same checksums. */
static int same_set(const strata_report *c, const strata_report *r)
{
	size_t i;

	if (c->n != r->n)
		return 0;
	for (i = 0; i < r->n; i++) {
		const strata_entry *x = &c->entries[i], *y = &r->entries[i];
		if (!x->version || !y->version || strcmp(x->version, y->version) != 0 ||
		    !x->checksum || !y->checksum || strcmp(x->checksum, y->checksum) != 0)
			return 0;
	}
	return 1;
}

static int rewind_gone(strata_db *db, const struct migration_set *ms, struct applied_set *as,
                       int dry_run, strata_report **rout, int *committed);

/*
 * Steps 3-5 of an up, inside the caller's lock and transaction (none for a
 * dry run): read what is applied, refuse what must not be silent, pick the
 * pending migrations and run them. Does not commit. *rout receives the
 * report (also on failure, for the backup's sake; NULL if none was made).
 */
static int up_in_tx(strata_db *db, const struct migration_set *ms, const strata_up_opts *opts,
                    int backup, strata_report **rout, int *committed)
{
	struct applied_set as = { 0 };
	strata_report *r = NULL;
	const struct migration **todo = NULL;
	struct drv_stmts *splits = NULL; /* of each todo's up section, split once */
	int *split_ok = NULL;
	struct sbuf row_sql = SBUF_INIT; /* each migration's tracking row, written once */
	strata_report *rw = NULL;
	size_t ntodo = 0, i;
	long batch;
	char now[20];
	int rc, changed, rewind = opts->version >= 5 && opts->rewind;

	*rout = NULL;
	if ((rc = read_applied_ex(db, &as, rewind)) != 0 ||
	    (rc = squash_applied(db, ms, &as, rewind)) != 0)
		goto out;
	if (as.n == 0 && !(opts->version >= 3 && opts->ignore_foreign_history) &&
	    (rc = refuse_foreign(db, ms)) != 0)
		goto out;
	if (rewind) {
		rc = rewind_gone(db, ms, &as, opts->dry_run, &rw, committed);
		if (rw && rw->backup)
			backup = 0; /* taken before the rollbacks: it covers the whole run */
		if (rc)
			goto out;
	}
	if ((rc = refuse_problems(db, ms, &as, opts->allow_out_of_order, opts)) != 0)
		goto out;
	todo = calloc(ms->n ? ms->n : 1, sizeof *todo);
	splits = calloc(ms->n ? ms->n : 1, sizeof *splits);
	split_ok = calloc(ms->n ? ms->n : 1, sizeof *split_ok);
	if (!todo || !splits || !split_ok) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < ms->n; i++) {
		const struct migration *m = &ms->v[i];
		if (opts->to && version_cmp(m->version, opts->to) > 0)
			break;
		if (applied_find(&as, m->version) || !wanted(opts, m))
			continue;
		if (opts->steps > 0 && (long)ntodo >= opts->steps)
			break;
		if ((rc = check_tx(db, m, &m->up, "up", &splits[ntodo], &split_ok[ntodo])) != 0)
			goto out;
		todo[ntodo++] = m;
	}
	if ((rc = report_new(db, &r, ntodo)) != 0)
		goto out;
	*rout = r;
	r->rewound = rw;
	rw = NULL;
	batch = max_batch(&as) + 1;
	r->batch = ntodo ? batch : 0;
	r->dry_run = opts->dry_run || opts->check;
	for (i = 0; i < ntodo; i++) {
		strata_entry *e = report_add(r, todo[i], NULL);
		e->state = STRATA_PENDING;
		e->sql = xstrdup_or_null(todo[i]->up.sql);
		e->batch = batch;
	}
	if ((rc = report_ok(db, r)) != 0)
		goto out;
	if (ntodo && (rc = refuse_lock_release(db, todo, ntodo)) != 0)
		goto out;
	if (opts->dry_run || ntodo == 0)
		goto out;
	/* Consent given for another set (files came or changed, or another run
	 * applied some, between the question and this call) does not count:
	 * the set is checked as if nothing had been confirmed. */
	changed = opts->version >= 4 && opts->confirmed && !same_set(opts->confirmed, r);
	if (((opts->version >= 2 && opts->refuse_destructive) || changed) && !opts->check &&
	    (rc = refuse_destructive(db, todo, ntodo, splits, split_ok, changed)) != 0)
		goto out;
	for (i = 0; i < ntodo && !todo[i]->up.no_tx; i++)
		;
	if (backup && !opts->check && (rc = before_change(db, r, i == ntodo)) != 0)
		goto out;
	apply_row_sql(db, &row_sql);
	if (sbuf_failed(&row_sql)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	util_now_sql(now);
	for (i = 0; i < ntodo; i++) {
		const struct migration *m = todo[i];
		strata_entry *e = &r->entries[i];
		long t = util_ms();

		if (m->up.no_tx && opts->check)
			continue; /* cannot be tried and undone */
		/* before the segment before it commits: a hook that says stop
		 * leaves the run undone (hook.c) */
		if (!opts->check &&
		    (rc = hook_call(db, 0, "up", m->version, m->name, m->up.no_tx)) != 0)
			goto out;
		if (m->up.no_tx) {
			/* Commit what came before, then record the migration as failed
			 * first: if we die halfway, status tells the truth. */
			if ((rc = record_row(db, m, batch, 0, "failed",
			                     "interrupted: a transaction:false migration did not finish")) != 0)
				goto out;
			if ((rc = commit(db)) != 0)
				goto out;
			*committed = 1;
			rc = db_exec_at(db, db->conn, m->up.sql, m->path, m->up.line, section_code);
			if (rc) {
				struct sbuf msg = SBUF_INIT;
				int src = rc;
				sbuf_adds(&msg, db->errmsg.buf);
				if (begin(db) == 0 &&
				    record_row(db, m, batch, util_ms() - t, "failed", msg.buf) == 0)
					commit(db);
				if (r->backup)
					/* finish_run() puts the whole run back from the backup */
					db_error(db, src, "%s (the database is restored from the backup "
					         "taken before this run)", msg.buf);
				else {
					db_error(db, src, "%s (recorded as failed: transaction:false migrations "
					         "cannot be rolled back)", msg.buf);
					db_why(db, STRATA_WHY_STOPPED, m->version, NULL, NULL);
				}
				sbuf_release(&msg);
				rc = src;
				goto out;
			}
			/* Its own committed segment: what it did cannot be undone
			 * by a later failure, so neither may its record be. */
			if ((rc = begin(db)) != 0 ||
			    (rc = record_row(db, m, batch, util_ms() - t, "applied", NULL)) != 0 ||
			    (rc = commit(db)) != 0 || (rc = begin(db)) != 0)
				goto out;
		} else if ((rc = apply_and_record(db, m, split_ok[i] ? &splits[i] : NULL, row_sql.buf,
		                                  batch, section_code)) != 0) {
			/* the SQL and its row in one round trip (PostgreSQL) */
			goto out;
		}
		e->state = STRATA_APPLIED;
		e->duration_ms = util_ms() - t;
		e->applied_at = strdup(now);
		/* in the run's open transaction, before its commit */
		if (!opts->check &&
		    (rc = hook_call(db, 1, "up", m->version, m->name, m->up.no_tx)) != 0)
			goto out;
	}
out:
	if (rw) {
		/* failed before the up's report: keep the backup for finish_run() */
		if (!*rout && report_new(db, rout, 0) == 0)
			(*rout)->rewound = rw;
		else
			strata_report_free(rw);
	}
	for (i = 0; splits && i < ntodo; i++)
		drv_stmts_release(&splits[i]);
	free(splits);
	free(split_ok);
	sbuf_release(&row_sql);
	free(todo);
	applied_release(&as);
	return rc;
}

/* The end of every run: roll back on failure (saying so), restore the
 * backup when segments had committed, release the lock. */
static int finish_run(strata_db *db, int rc, int locked, int committed, int check,
                      strata_report *r1, strata_report *r2, long t0)
{
	strata_report *r = r1 ? r1 : r2;

	if (!rc && db->conn->in_tx)
		rc = check ? (rollback(db), 0) : commit(db);
	if (rc && db->conn && db->conn->in_tx) {
		rollback(db);
		if (((r1 && (r1->n || (r1->rewound && r1->rewound->n))) || (r2 && r2->n)) &&
		    !committed && !check)
			db_note_rolled_back(db);
	}
	if (rc && r && !r->backup && r->rewound)
		after_failure(db, r->rewound, committed); /* up --rewind: its backup */
	else if (rc)
		after_failure(db, r, committed);
	if (locked)
		unlock(db);
	if (r1)
		r1->total_ms = util_ms() - t0;
	if (r2)
		r2->total_ms = util_ms() - t0;
	return rc;
}

/* Steps 1 and 2 of every changing run: files read and checked, the lock,
 * the transaction, the tracking table. */
static int start_run(strata_db *db, struct migration_set *ms, int check_sum, int dry_run,
                     int *locked)
{
	int rc;

	*locked = 0;
	db_clear_error(db);
	if ((rc = need_conn(db)) != 0)
		return rc;
	if ((rc = load_files(db, ms, check_sum)) != 0)
		return rc;
	if (!dry_run && (rc = db_writable_check(db)) != 0)
		return rc;
	if ((rc = lock(db)) != 0)
		return rc;
	*locked = 1;
	if (!dry_run && ((rc = begin(db)) != 0 || (rc = ensure_tracking(db)) != 0))
		return rc;
	return 0;
}

int strata_up(strata_db *db, const strata_up_opts *opts, strata_report **out)
{
	static const strata_up_opts defaults = STRATA_UP_OPTS_INIT;
	struct migration_set ms = { 0 };
	strata_report *r = NULL;
	strata_up_opts local;
	struct run_hooks hooks;
	const char *from;
	long t0 = util_ms();
	size_t i;
	int rc, locked = 0, committed = 0;

	if (out)
		*out = NULL;
	if (!opts)
		opts = &defaults;
	if ((rc = db_check_version(db, "strata_up_opts", opts->version, STRATA_UP_OPTS_VERSION)) != 0)
		return rc;
	/* a copy with to resolved to a version; only the fields of the
	 * caller's version are read from it */
	memset(&local, 0, sizeof local);
	memcpy(&local, opts, opts->version >= 6 ? sizeof local : offsetof(strata_up_opts, only));
	local.to = NULL;
	if (opts->steps < 0)
		return db_error(db, STRATA_EUSAGE, "steps is negative");
	/* version 6: a file name for to, the migrations named, the hooks */
	if (opts->to && !version_valid(opts->to) && (opts->version < 6 || !strstr(opts->to, ".sql")))
		return db_error(db, STRATA_EUSAGE, "'%s' is not a version", opts->to);
	if (opts->version >= 6 && opts->nonly && (opts->to || opts->steps))
		return db_error(db, STRATA_EUSAGE, "migrations named together with %s",
		                opts->to ? "to" : "steps");
	if (opts->version >= 6 && opts->nonly && !opts->only)
		return db_error(db, STRATA_EUSAGE, "nonly is set and only is NULL");
	if (opts->version >= 6 && (opts->before_each || opts->after_each)) {
		hooks.before = opts->before_each;
		hooks.after = opts->after_each;
		hooks.payload = opts->hook_payload;
		db->hooks = &hooks;
	}
	rc = start_run(db, &ms, 1, opts->dry_run, &locked);
	from = db->source ? "the embedded migrations" : db->dir;
	if (!rc && opts->to) {
		const struct migration *m = named_migration(&ms, opts->to);
		if (!m)
			rc = version_valid(opts->to) ?
			     db_error(db, STRATA_ENOTFOUND, "no migration with version %s in %s", opts->to,
			              from) :
			     db_error(db, STRATA_ENOTFOUND, "no migration '%s' in %s", opts->to, from);
		else if (!(local.to = strdup(m->version)))
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
		opts = &local;
	}
	for (i = 0; !rc && opts->version >= 6 && i < opts->nonly; i++)
		if (!opts->only[i] || !named_migration(&ms, opts->only[i]))
			rc = db_error(db, STRATA_ENOTFOUND, "no migration %s%s%s in %s",
			              opts->only[i] && version_valid(opts->only[i]) ? "with version " : "'",
			              opts->only[i] ? opts->only[i] : "(null)",
			              opts->only[i] && version_valid(opts->only[i]) ? "" : "'", from);
	if (!rc)
		rc = up_in_tx(db, &ms, opts, 1, &r, &committed);
	rc = finish_run(db, rc, locked, committed, opts->check, r, NULL, t0);
	db->hooks = NULL;
	free((char *)local.to);
	migrations_release(&ms);
	/* A refused set goes back to be shown and confirmed (strata.h). */
	if (out && (!rc || (rc == STRATA_EDESTRUCTIVE && r)))
		*out = r;
	else
		strata_report_free(r);
	return rc;
}

/* ---- down ------------------------------------------------------------- */

/* Newest first: by batch, then version. */
static int cmp_rollback(const void *a, const void *b)
{
	const struct applied *x = *(const struct applied *const *)a;
	const struct applied *y = *(const struct applied *const *)b;

	if (x->batch != y->batch)
		return x->batch > y->batch ? -1 : 1;
	return -version_cmp(x->version, y->version);
}

/* Roll back the chosen rows (already in order), inside the open transaction. */
static int run_down(strata_db *db, const struct migration_set *ms,
                    struct applied **rows, size_t n, int dry_run, strata_report *r, int *committed)
{
	size_t i;
	int rc;

	/* Everything is checked before the first statement runs. */
	for (i = 0; i < n; i++) {
		const struct applied *a = rows[i];
		const struct migration *f = migrations_find(ms, a->version), *m = NULL;
		strata_entry *e;
		int src;

		if (strcmp(a->state, "failed") == 0) {
			db_error(db, STRATA_EFAILED,
			         "%s_%s is recorded as failed: a transaction:false migration stopped "
			         "partway (%s)", a->version, a->name, a->error ? a->error : "no message");
			return db_why(db, STRATA_WHY_FAILED, a->version, "down", NULL);
		}
		/* Which down: the file's while its up section is what was applied
		 * (a fixed down section is used), the one recorded when applied
		 * once the file is gone or its up section was edited (or cannot be
		 * compared: applied before strata kept up_checksum). */
		if (f && migration_checksum_is(f, a->checksum)) {
			m = f;
			src = STRATA_DOWN_FILE;
		} else if (f && a->up_checksum) {
			char uc[65];
			up_checksum(f, uc);
			if (uc[0] && strcmp(uc, a->up_checksum) == 0) {
				m = f;
				src = STRATA_DOWN_FILE_EDITED;
			} else {
				src = STRATA_DOWN_RECORDED_EDITED;
			}
		} else {
			src = f ? STRATA_DOWN_RECORDED_EDITED : STRATA_DOWN_RECORDED;
		}
		if (m && !m->down.sql) {
			db_error(db, STRATA_EIRREVERSIBLE, "%s_%s has no down section: it cannot be "
			         "rolled back", a->version, a->name);
			return db_why(db, STRATA_WHY_NO_DOWN, a->version,
			              a->up_checksum ? m->path : NULL, NULL);
		}
		if (!m && !a->down_sql) {
			if (f && a->up_checksum)
				db_error(db, STRATA_EIRREVERSIBLE,
				         "%s_%s cannot be rolled back: no down SQL was recorded when it "
				         "was applied, and the up section of %s was edited since",
				         a->version, a->name, f->path);
			else
				db_error(db, STRATA_EIRREVERSIBLE,
				         "%s_%s cannot be rolled back: no down SQL was recorded when it was "
				         "applied, and %s", a->version, a->name,
				         f ? "its file was edited since" : "its file is gone");
			return db_why(db, STRATA_WHY_NO_DOWN_SQL, a->version,
			              f && a->up_checksum ? f->path : NULL, NULL);
		}
		if (m && (rc = check_tx(db, m, &m->down, "down", NULL, NULL)) != 0)
			return rc;
		e = report_add(r, m, a);
		e->state = STRATA_APPLIED;
		e->down_source = src;
		e->sql = xstrdup_or_null(m ? m->down.sql : a->down_sql);
		e->no_transaction = m ? m->down.no_tx : 0;
		if (!e->sql)
			return db_error(db, STRATA_ENOMEM, "out of memory");
	}
	if ((rc = report_ok(db, r)) != 0)
		return rc;
	if (dry_run || n == 0)
		return 0;
	if ((rc = before_change(db, r, 0)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		const struct applied *a = rows[i];
		strata_entry *e = &r->entries[i];
		const struct migration *m = e->file ? migrations_find(ms, a->version) : NULL;
		struct sbuf where = SBUF_INIT;
		long t = util_ms(), line = m ? m->down.line : 1;

		if (m)
			sbuf_adds(&where, m->path);
		else
			sbuf_addf(&where, "%s_%s (down SQL recorded when applied)", a->version, a->name);
		if ((rc = hook_call(db, 0, "down", a->version, a->name, e->no_transaction)) != 0) {
			sbuf_release(&where);
			return rc;
		}
		if (e->no_transaction) {
			if ((rc = commit(db)) == 0) {
				*committed = 1;
				rc = db_exec_at(db, db->conn, e->sql, where.buf, line, section_code);
				if (rc) {
					sbuf_release(&where);
					return rc;
				}
				rc = begin(db);
			}
		} else {
			rc = db_exec_at(db, db->conn, e->sql, where.buf, line, section_code);
		}
		sbuf_release(&where);
		if (rc || (rc = delete_row(db, a->version)) != 0)
			return rc;
		{
			/* a squash standing for the rows of what it replaced: they go with it */
			const struct migration *sq = migrations_find(ms, a->version);
			size_t k;
			for (k = 0; sq && k + 1 < sq->nreplaces; k++)
				if ((rc = delete_row(db, sq->replaces[k])) != 0)
					return rc;
		}
		e->state = STRATA_PENDING;
		e->duration_ms = util_ms() - t;
		if ((rc = hook_call(db, 1, "down", a->version, a->name, e->no_transaction)) != 0)
			return rc;
	}
	return 0;
}

/*
 * up with rewind, in the up's transaction: roll back, newest first with the
 * down SQL recorded when they were applied, the applied migrations whose
 * files are gone (another branch's), and drop them from *as, so the up goes
 * on as if they had never been applied. *rout: what was rolled back (NULL
 * when nothing was). A dry run only reports.
 */
static int rewind_gone(strata_db *db, const struct migration_set *ms, struct applied_set *as,
                       int dry_run, strata_report **rout, int *committed)
{
	struct applied **rows;
	strata_report *r = NULL;
	size_t i, k, n = 0;
	int rc;

	*rout = NULL;
	rows = calloc(as->n ? as->n : 1, sizeof *rows);
	if (!rows)
		return db_error(db, STRATA_ENOMEM, "out of memory");
	for (i = 0; i < as->n; i++)
		if (!migrations_find(ms, as->v[i].version))
			rows[n++] = &as->v[i];
	if (n == 0) {
		free(rows);
		return 0;
	}
	qsort(rows, n, sizeof *rows, cmp_rollback);
	if ((rc = report_new(db, &r, n)) != 0) {
		free(rows);
		return rc;
	}
	r->dry_run = dry_run;
	r->batch = rows[0]->batch;
	*rout = r;
	rc = run_down(db, ms, rows, n, dry_run, r, committed);
	free(rows);
	if (rc)
		return rc;
	/* Forget the rolled-back rows (as stays sorted by version). */
	for (i = 0, k = 0; i < as->n; i++) {
		struct applied *a = &as->v[i];
		if (migrations_find(ms, a->version)) {
			as->v[k++] = *a;
			continue;
		}
		free(a->version);
		free(a->name);
		free(a->checksum);
		free(a->applied_at);
		free(a->down_sql);
		free(a->state);
		free(a->error);
		free(a->up_checksum);
	}
	as->n = k;
	return 0;
}

/* Which rows a down rolls back, newest first, into *rows / *n. */
static int pick_down(strata_db *db, const struct applied_set *as, long steps, const char *to,
                     int all, struct applied ***rows, size_t *n)
{
	struct applied **v;
	size_t i, k = 0;
	long last;

	*rows = NULL;
	*n = 0;
	v = calloc(as->n ? as->n : 1, sizeof *v);
	if (!v)
		return db_error(db, STRATA_ENOMEM, "out of memory");
	for (i = 0; i < as->n; i++)
		v[i] = &as->v[i];
	qsort(v, as->n, sizeof *v, cmp_rollback);
	last = as->n ? v[0]->batch : 0;
	for (i = 0; i < as->n; i++) {
		int take;
		if (all)
			take = 1;
		else if (to)
			take = version_cmp(v[i]->version, to) > 0;
		else if (steps > 0)
			take = (long)k < steps;
		else
			take = v[i]->batch == last;
		if (take)
			v[k++] = v[i];
	}
	*rows = v;
	*n = k;
	return 0;
}

/*
 * down, and the runs made of a down then an up in one transaction (redo:
 * then_up = 1 step; refresh: then_up = -1, everything), so that a failure
 * of the second half leaves the database as it was before the first.
 */
static int down_common(strata_db *db, long steps, const char *to, int all, int dry_run,
                       long then_up, strata_report **out, strata_report **out_up)
{
	struct migration_set ms = { 0 };
	struct applied_set as = { 0 };
	struct applied **rows = NULL;
	strata_report *r = NULL, *ru = NULL;
	size_t n = 0;
	long t0 = util_ms();
	int rc, locked = 0, committed = 0;

	if (out)
		*out = NULL;
	if (out_up)
		*out_up = NULL;
	db_clear_error(db);
	if ((rc = need_conn(db)) != 0)
		return rc;
	/* The files are only a better source of the down SQL (with its line
	 * numbers); a directory that is gone or broken does not stop a plain
	 * rollback. A run that applies afterwards needs them whole. */
	if ((rc = load_files(db, &ms, then_up != 0)) != 0) {
		if (then_up)
			return rc;
		db_clear_error(db);
		rc = 0;
	}
	if (to && !version_valid(to)) {
		rc = db_error(db, STRATA_EUSAGE, "'%s' is not a version", to);
		goto out;
	}
	if (!dry_run && (rc = db_writable_check(db)) != 0)
		goto out;
	if ((rc = lock(db)) != 0)
		goto out;
	locked = 1;
	if (!dry_run && (rc = begin(db)) != 0)
		goto out;
	if (then_up && !dry_run && (rc = ensure_tracking(db)) != 0)
		goto out;
	if ((rc = read_applied_ex(db, &as, 1)) != 0 ||
	    (rc = squash_applied(db, &ms, &as, 1)) != 0)
		goto out;
	if (to && !migrations_find(&ms, to) && !applied_find(&as, to)) {
		rc = db_error(db, STRATA_ENOTFOUND, "no migration with version %s (in %s or applied)",
		              to, db->dir);
		goto out;
	}
	if ((rc = pick_down(db, &as, steps, to, all, &rows, &n)) != 0)
		goto out;
	if ((rc = report_new(db, &r, n)) != 0)
		goto out;
	r->dry_run = dry_run;
	r->batch = n ? rows[0]->batch : 0;
	if ((rc = run_down(db, &ms, rows, n, dry_run, r, &committed)) != 0)
		goto out;
	if (then_up && !dry_run) {
		strata_up_opts uo = STRATA_UP_OPTS_INIT;
		uo.steps = then_up > 0 ? then_up : 0;
		rc = up_in_tx(db, &ms, &uo, r->backup == NULL, &ru, &committed);
	}
out:
	rc = finish_run(db, rc, locked, committed, 0, r, ru, t0);
	free(rows);
	applied_release(&as);
	migrations_release(&ms);
	if (out && !rc)
		*out = r;
	else
		strata_report_free(r);
	if (out_up && !rc)
		*out_up = ru;
	else
		strata_report_free(ru);
	return rc;
}

int strata_redo(strata_db *db, strata_report **down, strata_report **up)
{
	return down_common(db, 1, NULL, 0, 0, 1, down, up);
}

int strata_refresh(strata_db *db, strata_report **down, strata_report **up)
{
	return down_common(db, 0, NULL, 1, 0, -1, down, up);
}

int strata_down(strata_db *db, const strata_down_opts *opts, strata_report **out)
{
	static const strata_down_opts defaults = STRATA_DOWN_OPTS_INIT;
	struct run_hooks hooks;
	int rc;

	if (out)
		*out = NULL;
	if (!opts)
		opts = &defaults;
	if ((rc = db_check_version(db, "strata_down_opts", opts->version, STRATA_DOWN_OPTS_VERSION)) != 0)
		return rc;
	if ((opts->steps > 0) + (opts->to != NULL) + (opts->all != 0) > 1)
		return db_error(db, STRATA_EUSAGE, "more than one of steps, to and all is set");
	if (opts->steps < 0)
		return db_error(db, STRATA_EUSAGE, "steps is negative");
	if (opts->version >= 2 && (opts->before_each || opts->after_each)) {
		hooks.before = opts->before_each;
		hooks.after = opts->after_each;
		hooks.payload = opts->hook_payload;
		db->hooks = &hooks;
	}
	rc = down_common(db, opts->steps, opts->to, opts->all, opts->dry_run, 0, out, NULL);
	db->hooks = NULL;
	return rc;
}

void strata_strings_free(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

int strata_reset_objects(strata_db *db, char ***out, size_t *n)
{
	struct drv_rows *rows = NULL;
	struct drv_err e;
	char **v = NULL;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	db_clear_error(db);
	if ((rc = need_conn(db)) != 0)
		return rc;
	drv_err_init(&e);
	rc = drv_wipe_schema_list(db->conn, db->pg_schema, &rows, &e);
	if (rc) {
		db_error_drv(db, &e, "cannot list what reset --hard would drop");
		goto out;
	}
	if (!(v = calloc(rows->nrows + 1, sizeof *v))) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < rows->nrows; i++) {
		if (!(v[i] = strdup(drv_cell(rows, i, 0)))) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
	}
	*out = v;
	*n = rows->nrows;
	v = NULL;
out:
	strata_strings_free(v);
	drv_rows_free(rows);
	drv_err_release(&e);
	return rc;
}

int strata_reset(strata_db *db, int hard, int dry_run, strata_report **out)
{
	struct migration_set ms = { 0 };
	strata_up_opts uo = STRATA_UP_OPTS_INIT;
	strata_report *r = NULL;
	struct drv_err e;
	char *saved = NULL;
	long t0 = util_ms();
	int rc, locked = 0, committed = 0;

	if (out)
		*out = NULL;
	if (!hard)
		return down_common(db, 0, NULL, 1, dry_run, 0, out, NULL);
	/* The drop and the re-apply are one transaction on both engines: a
	 * failure, a crash or a kill -9 leaves the old database, and readers
	 * never see it empty. Every file is read and checked before anything
	 * is dropped (start_run). */
	uo.dry_run = dry_run;
	rc = start_run(db, &ms, 1, dry_run, &locked);
	if (!rc && dry_run) {
		/* What the up after the drop would apply: every migration. */
		if ((rc = report_new(db, &r, ms.n)) == 0) {
			size_t i;
			r->dry_run = 1;
			for (i = 0; i < ms.n; i++) {
				strata_entry *en = report_add(r, &ms.v[i], NULL);
				en->state = STRATA_PENDING;
				en->sql = xstrdup_or_null(ms.v[i].up.sql);
			}
			rc = report_ok(db, r);
		}
		goto out;
	}
	/* SQLite: a copy to come back to, taken inside the write transaction
	 * before anything changes, as up takes it. */
	if (!rc && !is_pg(db) && !db->no_backup)
		rc = backup_auto(db, &saved);
	if (!rc) {
		drv_err_init(&e);
		rc = drv_wipe_schema(db->conn, &e);
		if (rc)
			db_error_drv(db, &e, "cannot drop every object");
		drv_err_release(&e);
	}
	if (!rc && (rc = ensure_tracking(db)) == 0)
		rc = up_in_tx(db, &ms, &uo, 0, &r, &committed);
	if (r && saved && !r->backup) {
		r->backup = saved;
		saved = NULL;
	}
	if (rc && !(r && r->n) && db->conn && db->conn->in_tx)
		/* the drop alone was undone: say so as for any run */
		db_note_rolled_back(db);
out:
	rc = finish_run(db, rc, locked, committed, 0, r, NULL, t0);
	migrations_release(&ms);
	free(saved);
	if (out && !rc)
		*out = r;
	else
		strata_report_free(r);
	return rc;
}

/* ---- baseline, mark, show --------------------------------------------- */

int strata_baseline(strata_db *db, const char *version)
{
	struct migration_set ms = { 0 };
	struct applied_set as = { 0 };
	int rc, locked = 0, count = 0;
	long batch;
	size_t i;

	db_clear_error(db);
	if ((rc = need_conn(db)) != 0)
		return rc;
	if ((rc = load_files(db, &ms, 1)) != 0)
		return rc;
	if (!migrations_find(&ms, version)) {
		rc = db_error(db, STRATA_ENOTFOUND, "no migration with version %s in %s", version, db->dir);
		goto out;
	}
	if ((rc = db_writable_check(db)) != 0 || (rc = lock(db)) != 0)
		goto out;
	locked = 1;
	if ((rc = begin(db)) != 0 || (rc = ensure_tracking(db)) != 0 ||
	    (rc = read_applied(db, &as)) != 0)
		goto out;
	batch = max_batch(&as) + 1;
	for (i = 0; i < ms.n && version_cmp(ms.v[i].version, version) <= 0; i++) {
		if (applied_find(&as, ms.v[i].version))
			continue;
		if ((rc = record_row(db, &ms.v[i], batch, 0, "applied", NULL)) != 0)
			goto out;
		count++;
	}
	rc = commit(db);
out:
	if (rc && db->conn && db->conn->in_tx)
		rollback(db);
	if (locked)
		unlock(db);
	applied_release(&as);
	migrations_release(&ms);
	return rc ? rc : count;
}

int strata_mark(strata_db *db, const char *version, int applied)
{
	struct migration_set ms = { 0 };
	struct applied_set as = { 0 };
	const struct migration *m = NULL;
	const struct applied *a;
	int rc, locked = 0;

	db_clear_error(db);
	if ((rc = need_conn(db)) != 0)
		return rc;
	if (!version_valid(version))
		return db_error(db, STRATA_EUSAGE, "'%s' is not a version", version);
	rc = load_files(db, &ms, 0);
	if (rc && applied)
		return rc;
	db_clear_error(db);
	m = migrations_find(&ms, version);
	if (applied && !m) {
		rc = db_error(db, STRATA_ENOTFOUND, "no migration with version %s in %s", version, db->dir);
		goto out;
	}
	if ((rc = db_writable_check(db)) != 0 || (rc = lock(db)) != 0)
		goto out;
	locked = 1;
	if ((rc = begin(db)) != 0 || (rc = ensure_tracking(db)) != 0 ||
	    (rc = read_applied(db, &as)) != 0)
		goto out;
	a = applied_find(&as, version);
	if (applied) {
		rc = record_row(db, m, a ? a->batch : max_batch(&as) + 1, a ? a->duration_ms : 0,
		                "applied", NULL);
	} else {
		if (!a) {
			rc = db_error(db, STRATA_ENOTFOUND, "version %s is not recorded as applied", version);
			goto out;
		}
		rc = delete_row(db, version);
	}
	if (!rc)
		rc = commit(db);
out:
	if (rc && db->conn && db->conn->in_tx)
		rollback(db);
	if (locked)
		unlock(db);
	applied_release(&as);
	migrations_release(&ms);
	return rc;
}

int strata_show(strata_db *db, const char *version, strata_report **out)
{
	struct migration_set ms = { 0 };
	struct applied_set as = { 0 };
	const struct migration *m;
	const struct applied *a = NULL;
	strata_report *r = NULL;
	strata_entry *e;
	size_t i;
	int rc;

	*out = NULL;
	db_clear_error(db);
	if ((rc = load_files(db, &ms, 0)) != 0)
		return rc;
	m = migrations_find(&ms, version);
	if (!m) {
		rc = db_error(db, STRATA_ENOTFOUND, "no migration with version %s in %s", version, db->dir);
		goto out;
	}
	/* Its state, as status shows it, from the tracking table (a handle on
	 * a database without one, as the CLI's memory database, reads as
	 * nothing applied). */
	if (db->conn && (rc = read_applied(db, &as)) != 0)
		goto out;
	a = applied_find(&as, version);
	if ((rc = report_new(db, &r, 1)) != 0)
		goto out;
	e = report_add(r, m, a);
	if (!a) {
		e->state = STRATA_PENDING;
		for (i = 0; i < as.n; i++)
			if (version_cmp(as.v[i].version, version) > 0)
				e->state = STRATA_OUT_OF_ORDER;
	} else if (strcmp(a->state, "failed") == 0) {
		e->state = STRATA_FAILED;
	} else {
		e->state = !migration_checksum_is(m, a->checksum) ? STRATA_EDITED : STRATA_APPLIED;
	}
	e->sql = xstrdup_or_null(m->up.sql);
	e->down_sql = xstrdup_or_null(m->down.sql);
	if ((rc = report_ok(db, r)) != 0 || !e->sql)
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
out:
	applied_release(&as);
	migrations_release(&ms);
	if (rc)
		strata_report_free(r);
	else
		*out = r;
	return rc;
}

/* ---- adopt ------------------------------------------------------------ */

/* Whether f matches the checksum the tool recorded: of the whole file, or of
 * its up section (a file the tool ran, given strata's up marker). */
static int tool_sum_matches(const struct foreign_rows *h, const struct foreign_entry *fe,
                            const struct migration *m, struct sbuf *content)
{
	char hex[65], num[24];
	const char *texts[2];
	size_t lens[2], i;

	if (!fe->sum || h->sum == FOREIGN_SUM_NONE || h->sum == FOREIGN_SUM_DRIZZLE)
		return 1;
	texts[0] = content->buf ? content->buf : "";
	lens[0] = content->len;
	texts[1] = m->up.sql ? m->up.sql : "";
	lens[1] = strlen(texts[1]);
	for (i = 0; i < 2; i++) {
		if (h->sum == FOREIGN_SUM_SHA256) {
			util_sha256_hex(texts[i], lens[i], hex);
			if (!strcasecmp(hex, fe->sum))
				return 1;
		} else {
			snprintf(num, sizeof num, "%ld", foreign_flyway_crc(texts[i], lens[i]));
			if (!strcmp(num, fe->sum))
				return 1;
		}
	}
	return 0;
}

static int cmp_entry_version(const void *a, const void *b)
{
	return version_cmp(((const strata_entry *)a)->version, ((const strata_entry *)b)->version);
}

int strata_adopt(strata_db *db, const strata_adopt_opts *opts, strata_report **out)
{
	static const strata_adopt_opts defaults = STRATA_ADOPT_OPTS_INIT;
	struct migration_set ms = { 0 };
	struct applied_set as = { 0 };
	struct foreign_rows h;
	struct sbuf content = SBUF_INIT;
	const struct migration **pick = NULL;
	const struct foreign_entry **from = NULL;
	strata_report *r = NULL;
	long t0 = util_ms();
	size_t i, j, n = 0;
	int rc, locked = 0, dry_run;

	memset(&h, 0, sizeof h);
	if (out)
		*out = NULL;
	if (!opts)
		opts = &defaults;
	if ((rc = db_check_version(db, "strata_adopt_opts", opts->version,
	                           STRATA_ADOPT_OPTS_VERSION)) != 0)
		return rc;
	if (opts->from && !foreign_known(opts->from))
		return db_error(db, STRATA_EUSAGE, "'%s' is not a tool whose history can be taken "
		                "over (dbmate, golang-migrate, goose, flyway, prisma, typeorm, knex, "
		                "drizzle, runner)", opts->from);
	dry_run = opts->dry_run;
	rc = start_run(db, &ms, 1, dry_run, &locked);
	if (rc)
		goto out;
	if ((rc = read_applied(db, &as)) != 0)
		goto out;
	if (as.n) {
		rc = db_error(db, STRATA_EUSAGE, "strata's tracking table '%s' already records %zu "
		              "migration%s: nothing was adopted", db->table, as.n, as.n == 1 ? "" : "s");
		goto out;
	}
	if ((rc = foreign_read(db, opts->from, &h)) != 0)
		goto out;
	if (!h.tool) {
		if (opts->from && h.nfound)
			rc = db_error(db, STRATA_ENOTFOUND, "no history of %s in the database (found: %s)",
			              opts->from, h.found);
		else if (opts->from)
			rc = db_error(db, STRATA_ENOTFOUND, "no history of %s in the database",
			              opts->from);
		else
			rc = db_error(db, STRATA_ENOTFOUND, "no other tool's history table with rows in "
			              "the database");
		goto out;
	}
	if (!opts->from && h.nfound > 1) {
		rc = db_error(db, STRATA_EUSAGE, "more than one tool's history in the database: %s; "
		              "nothing was adopted", h.found);
		goto out;
	}
	pick = calloc(ms.n + h.n + 1, sizeof *pick);
	from = calloc(ms.n + h.n + 1, sizeof *from);
	if (!pick || !from) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	/* Every row first: refuse before anything is recorded. */
	for (i = 0; i < h.n; i++) {
		const struct foreign_entry *fe = &h.v[i];
		const struct migration *m = NULL;
		char *ver = NULL;

		if (fe->stopped) {
			rc = db_error(db, STRATA_EFAILED, "%s records '%s' as stopped halfway: nothing "
			              "was adopted", h.tool, fe->key);
			goto out;
		}
		if (h.by_hash) {
			for (j = 0; j < ms.n && !m; j++)
				if (ms.v[j].raw_sha256[0] && !strcasecmp(ms.v[j].raw_sha256, fe->key))
					m = &ms.v[j];
			if (!m) {
				rc = db_error(db, STRATA_EMISSING, "%s's history table '%s' records a migration "
				              "(hash %.16s...) that no file of %s matches (its file is gone "
				              "or was edited since it was applied%s): nothing was adopted",
				              h.tool, h.table, fe->key, db->dir,
				              ms.drizzle ? "" : "; the directory is not a Drizzle folder");
				goto out;
			}
		} else {
			ver = foreign_version_of(fe->key);
			if (!ver) {
				rc = db_error(db, STRATA_EPARSE, "%s's history table '%s' records '%s', which "
				              "names no version: nothing was adopted", h.tool, h.table, fe->key);
				goto out;
			}
			m = migrations_find(&ms, ver);
			if (!m) {
				rc = db_error(db, STRATA_EMISSING, "%s's history table '%s' records '%s' and "
				              "%s has no migration of version %s: nothing was adopted",
				              h.tool, h.table, fe->key, db->dir, ver);
				free(ver);
				goto out;
			}
			free(ver);
		}
		if (fe->sum && h.sum != FOREIGN_SUM_NONE && h.sum != FOREIGN_SUM_DRIZZLE) {
			sbuf_reset(&content);
			if (util_read_file(m->path, &content) != 0) {
				rc = db_error(db, STRATA_EIO, "%s: cannot read: %s", m->path,
				              util_file_strerror(errno));
				goto out;
			}
			if (!tool_sum_matches(&h, fe, m, &content)) {
				rc = db_error(db, STRATA_ECHECKSUM, "%s does not match the checksum %s "
				              "recorded when it applied '%s' (the file was edited since): "
				              "nothing was adopted", m->path, h.tool, fe->key);
				goto out;
			}
		}
		if (h.upto) {
			/* golang-migrate: every file up to its version */
			for (j = 0; j < ms.n && version_cmp(ms.v[j].version, m->version) <= 0; j++) {
				pick[n] = &ms.v[j];
				from[n++] = fe;
			}
			continue;
		}
		for (j = 0; j < n && pick[j] != m; j++)
			;
		if (j < n)
			continue; /* recorded twice (knex of a .js and a .ts?): once is enough */
		pick[n] = m;
		from[n++] = fe;
	}
	if ((rc = report_new(db, &r, n)) != 0)
		goto out;
	r->dry_run = dry_run;
	r->tool = h.tool;
	if (!(r->tool_table = strdup(h.table))) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		strata_entry *e = report_add(r, pick[i], NULL);
		e->state = STRATA_APPLIED;
		e->batch = from[i]->batch > 0 ? from[i]->batch : 1;
		e->applied_at = xstrdup_or_null(from[i]->at);
	}
	if ((rc = report_ok(db, r)) != 0)
		goto out;
	if (r->n > 1)
		qsort(r->entries, r->n, sizeof *r->entries, cmp_entry_version);
	if (dry_run)
		goto out;
	for (i = 0; i < n; i++) {
		long batch = from[i]->batch > 0 ? from[i]->batch : 1;
		if ((rc = record_row_at(db, pick[i], batch, 0, "applied", NULL, from[i]->at)) != 0)
			goto out;
	}
	/* now for the rows whose tool kept no time */
	for (i = 0; i < r->n; i++)
		if (!r->entries[i].applied_at) {
			char now[20];
			util_now_sql(now);
			r->entries[i].applied_at = strdup(now);
		}
out:
	rc = finish_run(db, rc, locked, 0, 0, NULL, NULL, t0);
	if (r)
		r->total_ms = util_ms() - t0;
	free(pick);
	free(from);
	sbuf_release(&content);
	foreign_rows_release(&h);
	applied_release(&as);
	migrations_release(&ms);
	if (out && !rc)
		*out = r;
	else
		strata_report_free(r);
	return rc;
}
