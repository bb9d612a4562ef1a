/*
 * driver_pg.c: the PostgreSQL driver (driver.h), on libpq. Scripts are
 * split the way the server's own grammar does, by libpg_query (split_pg.c).
 *
 * Inside a transaction, exec sends a whole script in one round trip: libpq
 * pipeline mode, one extended-protocol query per statement, one Sync. The
 * server skips what follows a failed statement, so the first error is the
 * only one, and it is located in the script through libpg_query's statement
 * boundaries plus the server's error position. Outside a transaction
 * (transaction:false migrations) statements go one at a time, each in its own
 * implicit transaction, because CREATE INDEX CONCURRENTLY and its kind refuse
 * to share one. Every text that reaches a message is flattened to one line.
 * Secrets are kept out by structure, never by searching a message for the
 * password: the messages this file builds quote no connection string, and
 * libpq's and the server's own messages (which do not hold the password)
 * pass as they are; libpq's complaints about a connection string it cannot
 * parse, which quote pieces of it, are replaced by our own words.
 *
 * When the embedder asked for progress, exec waits for its results through
 * poll() and, while a statement runs long, asks a second connection what
 * it waits for (the section "watching a long statement").
 */
#include "driver.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dl_pq.h"

#include "catalog.h"
#include "diff.h"
#include "internal.h"
#include "introspect.h"
#include "sqlscan.h"
#include "watch.h"

#include <errno.h>
#include <poll.h>

struct pgc {
	drv_conn base;          /* first, as driver.h requires */
	PGconn *pg;
	char *schema;           /* where the tracking table lives */
	long busy_timeout_ms;   /* how long lock() waits; 0: for ever */
	strata_log_fn log;
	void *log_payload;
	int holds_lock;         /* lock() took the advisory lock lock_key, not yet unlocked */
	int lock_lost;          /* ... and a migration released it (lock_still_held()) */
	char lock_key[24];      /* its bigint, in decimal */
	/* Watching exec's statements (watch.h; the section "watching"). */
	struct watch watch;
	char *conninfo;         /* for the second connection; only when watching */
	PGconn *peer;           /* that connection, opened on the first report */
	int peer_failed;        /* ... and it could not be: elapsed time only */
	const struct drv_stmts *w_st; /* exec's statements, and the one running */
	size_t w_cur;
	/* add_bound's reading of the last then_sql: its text and where its $n
	 * are. A run writes the same tracking statement after every migration:
	 * scanned once, not once per migration. */
	char *bound_sql;
	struct bound_ref {
		size_t start, len;  /* the $n token in bound_sql */
		long n;             /* its number; 0 when it is not one */
	} *bound;
	size_t nbound;
};

/* ---- messages ---------------------------------------------------------- */

static int fail_nomem(struct drv_err *err)
{
	return drv_fail_text(err, STRATA_ENOMEM, NULL, "out of memory");
}

/* SQLSTATE class 08 (connection exception) and 57P0x (the server ended the
 * session: pg_terminate_backend, shutdown, database dropped) mean that the
 * connection is gone even when libpq has not noticed yet. */
static int is_lost(PGconn *pg, const char *state)
{
	if (PQstatus(pg) == CONNECTION_BAD)
		return 1;
	return state && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0);
}

/*
 * Why a connection died, in one short line. When the server ends a session
 * (pg_terminate_backend) libpq's result only says "server closed the
 * connection unexpectedly" and three lines of guessing; the connection's
 * message starts with the server's own reason ("FATAL:  terminating
 * connection due to administrator command"): keep that first line.
 */
static void lost_reason(struct sbuf *sb, PGconn *pg)
{
	const char *m = PQerrorMessage(pg);
	size_t n = strcspn(m, "\n");

	if (strncmp(m, "FATAL:", 6) == 0) {
		m += 6;
		n -= 6;
	}
	sbuf_add(sb, m, n);
	if (!sb->len)
		sbuf_adds(sb, "no reason given");
}

/* Fill err from a failed result (res may be NULL: then libpq's own message). */
static int fail_result(struct pgc *c, const PGresult *res, struct drv_err *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *prim = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	struct sbuf why = SBUF_INIT;
	int lost = is_lost(c->pg, state);

	if (!prim && lost) {
		lost_reason(&why, c->pg);
		prim = why.buf;
	} else if (!prim) {
		prim = res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res)
		                                         : PQerrorMessage(c->pg);
	}
	drv_fail_text(err, lost ? STRATA_ECONNECT : STRATA_ESQL,
	          lost ? "connection to the server was lost: " : NULL, prim);
	sbuf_release(&why);
	if (state && strlen(state) == 5)
		memcpy(err->sqlstate, state, 6);
	if (res) {
		drv_add_flat(&err->detail, PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL));
		drv_add_flat(&err->hint, PQresultErrorField(res, PG_DIAG_MESSAGE_HINT));
	}
	return err->code;
}

/* Every call on a dead connection fails the same way, before libpq (stuck
 * in pipeline mode after a loss mid-pipeline) says something stranger. */
static int check_alive(struct pgc *c, struct drv_err *err)
{
	if (PQstatus(c->pg) == CONNECTION_OK)
		return 0;
	return drv_fail_text(err, STRATA_ECONNECT, NULL, "connection to the server was lost");
}

/*
 * Point err at the failing statement st of sql. When the server gave a
 * position inside the statement, offset moves to it (so the runner's line is
 * the line of the error, not of the statement's first word) and stmt_len
 * shrinks to what is left of the statement.
 */
static void locate(struct drv_err *err, const PGresult *res, const char *sql,
                   const struct drv_stmt *st)
{
	const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
	size_t off = st->offset;
	long p;
	char *end;

	if (pos) {
		p = strtol(pos, &end, 10);
		if (*end == '\0' && p > 0)
			off += sqlscan_utf8_bytes(sql + st->offset, st->len, p - 1);
	}
	err->offset = (long)off;
	err->stmt_len = (long)(st->offset + st->len - off);
}

/* Notices reach the embedder's log, never stderr (libpq's default). */
static void on_notice(void *arg, const PGresult *res)
{
	struct pgc *c = arg;
	struct sbuf sb = SBUF_INIT;
	const char *sev;

	if (!c->log)
		return;
	sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	drv_add_flat(&sb, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	/* A WARNING is one; a NOTICE (RAISE NOTICE in a migration, "drop
	 * cascades to ...") is information the user sees with -v; the "...
	 * already exists, skipping" of IF [NOT] EXISTS, which strata's own
	 * statements cause too, is debug. */
	if (!sbuf_failed(&sb) && sb.len) {
		int level = STRATA_LOG_INFO;
		if (sev && strcmp(sev, "WARNING") == 0)
			level = STRATA_LOG_WARN;
		else if ((sev && (strcmp(sev, "DEBUG") == 0 || strcmp(sev, "LOG") == 0)) ||
		         (sb.len > 10 && strcmp(sb.buf + sb.len - 10, ", skipping") == 0))
			level = STRATA_LOG_DEBUG;
		c->log(c->log_payload, level, sb.buf);
	}
	sbuf_release(&sb);
}

static void drop_notice(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res;
}

/* ---- connecting -------------------------------------------------------- */

static const char *opt_val(const PQconninfoOption *o, const char *key)
{
	for (; o && o->keyword; o++)
		if (strcmp(o->keyword, key) == 0)
			return o->val && *o->val ? o->val : NULL;
	return NULL;
}

/*
 * libpq's complaint about a connection string it cannot parse, without the
 * pieces of the string it quotes (one may be the password, or part of it):
 * its words up to the first quoted piece.
 */
static void add_parse_error(struct sbuf *sb, const char *perr)
{
	static const char *const cut[] = {
		": \"", " after \"", "option \"", "character \"", NULL,
	};
	size_t n = strcspn(perr, "\n"), i;
	const char *p;

	for (i = 0; cut[i]; i++) {
		p = strstr(perr, cut[i]);
		if (p && (size_t)(p - perr) < n)
			n = (size_t)(p - perr) + (cut[i][0] == ':' ? 0 : strlen(cut[i]) - 2);
	}
	sbuf_add(sb, perr, n);
	if (!n)
		sbuf_adds(sb, "libpq cannot parse it");
}

static int is_missing_db(const char *msg)
{
	const char *p = strstr(msg, "database \"");

	return p && strstr(p, "\" does not exist") != NULL;
}

/* The error of a failed connection attempt: libpq's message, which names
 * the host, port and user but never the password. */
static int fail_connect(PGconn *pg, struct drv_err *err)
{
	const char *msg = pg ? PQerrorMessage(pg) : "out of memory";

	if (pg && is_missing_db(msg)) {
		drv_err_reset(err, STRATA_ENOTFOUND);
		sbuf_setf(&err->msg, "database \"%s\" does not exist", PQdb(pg));
		sbuf_escape_controls(&err->msg, 0);
		err->why = STRATA_WHY_NO_DATABASE;
		return err->code;
	}
	return drv_fail_text(err, pg ? STRATA_ECONNECT : STRATA_ENOMEM, NULL, msg);
}

/*
 * Connect with the URL's parameters, dbname replaced when maint_db is set.
 * Defaults the URL and the environment leave open: a 10 s connect timeout
 * (libpq waits for ever), application_name strata, UTF-8 (migration files
 * are UTF-8, and the server counts error positions in characters of the
 * client encoding).
 */
static int connect_url(const char *conninfo, const char *maint_db, PGconn **out,
                       struct drv_err *err)
{
	PQconninfoOption *opts = NULL, *o;
	const char **kw = NULL, **val = NULL;
	char *perr = NULL;
	PGconn *pg = NULL;
	size_t n = 0, k = 0;
	int rc = 0;

	*out = NULL;
	/* Every connection starts here, so libpq is loaded here (dl.c). */
	if ((rc = dl_need_pq(err)) != 0)
		return rc;
	opts = PQconninfoParse(conninfo, &perr);
	if (!opts) {
		struct sbuf why = SBUF_INIT;
		char *shown = url_redact(conninfo);
		sbuf_addf(&why, "cannot read the PostgreSQL %s '%s': ",
		          strstr(conninfo, "://") ? "URL" : "connection string", shown ? shown : "");
		free(shown);
		if (perr)
			add_parse_error(&why, perr);
		else
			sbuf_adds(&why, "out of memory");
		rc = drv_fail_text(err, perr ? STRATA_EURL : STRATA_ENOMEM, NULL, why.buf);
		sbuf_release(&why);
		goto out;
	}
	for (o = opts; o->keyword; o++)
		n++;
	kw = calloc(n + 5, sizeof *kw);
	val = calloc(n + 5, sizeof *val);
	if (!kw || !val) {
		rc = fail_nomem(err);
		goto out;
	}
	if (maint_db) {
		/* Everything but dbname, as parsed. */
		for (o = opts; o->keyword; o++) {
			if (!o->val || strcmp(o->keyword, "dbname") == 0)
				continue;
			kw[k] = o->keyword;
			val[k++] = o->val;
		}
		kw[k] = "dbname";
		val[k++] = maint_db;
	} else {
		/* libpq expands the URI itself (expand_dbname) and fills the
		 * gaps from PG* variables and .pgpass. */
		kw[k] = "dbname";
		val[k++] = conninfo;
	}
	kw[k] = "fallback_application_name";
	val[k++] = "strata";
	if (!opt_val(opts, "connect_timeout") && !getenv("PGCONNECT_TIMEOUT")) {
		kw[k] = "connect_timeout";
		val[k++] = "10";
	}
	if (!opt_val(opts, "client_encoding") && !getenv("PGCLIENTENCODING")) {
		kw[k] = "client_encoding";
		val[k++] = "UTF8";
	}
	pg = PQconnectdbParams(kw, val, maint_db ? 0 : 1);
	if (!pg || PQstatus(pg) != CONNECTION_OK) {
		rc = fail_connect(pg, err);
		goto out;
	}
	*out = pg;
	pg = NULL;
out:
	if (perr)
		PQfreemem(perr);
	PQconninfoFree(opts);
	PQfinish(pg);
	free(kw);
	free(val);
	return rc;
}

static void pg_close(drv_conn *dc)
{
	struct pgc *c = (struct pgc *)dc;

	PQfinish(c->pg);
	PQfinish(c->peer);
	free(c->schema);
	free(c->conninfo);
	free(c->bound_sql);
	free(c->bound);
	free(c);
}

/* Run a command whose result we only check; returns 0 or fills err. */
static int simple(struct pgc *c, const char *sql, struct drv_err *err)
{
	PGresult *res;
	ExecStatusType st;
	int rc;

	if ((rc = check_alive(c, err)) != 0)
		return rc;
	res = PQexec(c->pg, sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = fail_result(c, res, err);
	PQclear(res);
	return rc;
}

static int pg_open(drv_conn **out, const struct strata_url *url,
                   const struct drv_open_opts *opts, struct drv_err *err)
{
	struct pgc *c = NULL;
	PGresult *res = NULL;
	int rc;

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (!c)
		return fail_nomem(err);
	if (opts) {
		c->log = opts->log;
		c->log_payload = opts->log_payload;
		c->busy_timeout_ms = opts->busy_timeout_ms;
	}
	watch_init(&c->watch, opts);
	if (c->watch.log && !(c->conninfo = strdup(url->conninfo))) {
		free(c);
		return fail_nomem(err);
	}
	rc = connect_url(url->conninfo, NULL, &c->pg, err);
	if (rc)
		goto out;
	PQsetNoticeReceiver(c->pg, on_notice, c);
	/* One round trip for both. NOTICEs reach the log at the INFO level
	 * (on_notice), which the program shows with -v only. */
	res = PQexec(c->pg, opts && opts->pg_schema
	             ? "SET client_min_messages = notice"
	             : "SET client_min_messages = notice; SELECT current_schema()");
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = fail_result(c, res, err);
		goto out;
	}
	if (opts && opts->pg_schema) {
		c->schema = strdup(opts->pg_schema);
	} else if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		rc = drv_fail_text(err, STRATA_ERROR, NULL, "no schema on search_path");
		err->why = STRATA_WHY_NO_SCHEMA;
		goto out;
	} else {
		c->schema = strdup(PQgetvalue(res, 0, 0));
	}
	if (!c->schema) {
		rc = fail_nomem(err);
		goto out;
	}
	*out = &c->base;
	c = NULL;
out:
	PQclear(res);
	if (c) {
		PQfinish(c->pg);
		free(c->schema);
		free(c->conninfo);
		free(c);
	}
	return rc;
}

/* ---- watching a long statement (watch.h) --------------------------------
 *
 * exec waits for each result through get_result(): when the embedder asked
 * for progress, that is a poll() on the socket whose timeout is the next
 * report, in the same thread, so the log is called from the caller's
 * thread. A report asks a second connection, opened at the first report
 * and kept, what the run's backend waits for (pg_stat_activity, pg_locks,
 * pg_blocking_pids()): it is read-only, its statements time out after two
 * seconds, and it runs only between two looks at the run's socket. When
 * it cannot connect, one INFO line says why and reports give elapsed time
 * only. The holder's statement is cut short, and the run's password (from
 * wherever libpq took it) is never shown, should its text hold it.
 */

static int is_copy(ExecStatusType st);

static int same_text(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static int same_server(PGconn *a, PGconn *b)
{
	return same_text(PQhost(a), PQhost(b)) && same_text(PQport(a), PQport(b));
}

static void peer_open(struct pgc *c)
{
	struct drv_err e;
	PGresult *res;
	struct sbuf sb = SBUF_INIT;

	drv_err_init(&e);
	if (connect_url(c->conninfo, NULL, &c->peer, &e) == 0 && !same_server(c->pg, c->peer)) {
		/* a URL of several hosts: pids of another server mean nothing */
		drv_fail_text(&e, STRATA_ECONNECT, NULL, "it reached another server than the run's");
		PQfinish(c->peer);
		c->peer = NULL;
	} else if (c->peer) {
		PQsetNoticeReceiver(c->peer, drop_notice, NULL);
		res = PQexec(c->peer, "SET application_name = 'strata watcher'; "
		                      "SET default_transaction_read_only = on; "
		                      "SET statement_timeout = '2s'; SET lock_timeout = '1s'");
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			drv_fail_text(&e, STRATA_ESQL, NULL, PQerrorMessage(c->peer));
			PQfinish(c->peer);
			c->peer = NULL;
		}
		PQclear(res);
	}
	if (!c->peer) {
		c->peer_failed = 1;
		sbuf_addf(&sb, "cannot see what statements wait for (no second connection): %s",
		          e.msg.buf);
		if (!sbuf_failed(&sb))
			watch_note(&c->watch, STRATA_LOG_INFO, sb.buf);
	}
	sbuf_release(&sb);
	drv_err_release(&e);
}

/* s flattened onto sb, the password replaced by "****" wherever it is. */
static void add_shown(struct sbuf *sb, const char *s, const char *pass)
{
	struct sbuf flat = SBUF_INIT;
	const char *p, *hit;
	size_t plen = pass ? strlen(pass) : 0;

	drv_add_flat(&flat, s);
	for (p = flat.buf; plen && (hit = strstr(p, pass)) != NULL; p = hit + plen) {
		sbuf_add(sb, p, (size_t)(hit - p));
		sbuf_adds(sb, "****");
	}
	sbuf_adds(sb, p);
	sbuf_release(&flat);
}

/* add_shown(), cut after max characters (" ..." then): the password is
 * hidden in the whole text first, so that no cut leaves a piece of it. */
static void add_cut(struct sbuf *sb, const char *s, const char *pass, size_t max)
{
	struct sbuf all = SBUF_INIT;
	size_t i, chars = 0;

	add_shown(&all, s, pass);
	for (i = 0; i < all.len; i++) {
		if (((unsigned char)all.buf[i] & 0xC0) == 0x80)
			continue; /* inside a UTF-8 sequence */
		if (chars++ == max) {
			sbuf_truncate(&all, i);
			sbuf_adds(&all, " ...");
			break;
		}
	}
	sbuf_add(sb, all.buf, all.len);
	sbuf_release(&all);
}

/* Which of exec's statements the server runs (its text as
 * pg_stat_activity shows it, maybe cut), from the one last seen on. */
static void peer_locate(struct pgc *c, const char *sql, const char *query)
{
	size_t i, n = strlen(query);

	if (!c->w_st || !n)
		return;
	for (i = c->w_cur; i < c->w_st->n; i++) {
		const struct drv_stmt *st = &c->w_st->v[i];
		/* the whole text, or the server's cut of a longer one
		 * (track_activity_query_size, 1024 bytes by default) */
		if ((st->len == n || (st->len > n && n >= 1000)) &&
		    strncmp(sql + st->offset, query, n) == 0) {
			c->w_cur = i;
			watch_at(&c->watch, st->offset);
			return;
		}
	}
}

static const char peer_sql[] =
	"SELECT a.query, extract(epoch FROM now() - coalesce("
	"  (to_jsonb(w) ->> 'waitstart')::timestamptz, a.query_start))::bigint, "
	" w.locktype, (SELECT format('%s %I.%I', CASE WHEN r.relkind IN ('r', 'p', 'f') "
	"  THEN 'table' WHEN r.relkind = 'i' THEN 'index' ELSE 'relation' END, n.nspname, r.relname) "
	"  FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace "
	"  WHERE r.oid = w.relation), "
	" b.pid, b.application_name, b.state, b.query, NULL, "
	" extract(epoch FROM now() - b.state_change)::bigint, "
	" (SELECT count(DISTINCT p) FROM unnest(pg_catalog.pg_blocking_pids(a.pid)) p) "
	"FROM pg_catalog.pg_stat_activity a "
	"LEFT JOIN pg_catalog.pg_locks w ON w.pid = a.pid AND NOT w.granted "
	"LEFT JOIN pg_catalog.pg_stat_activity b "
	"  ON b.pid = (pg_catalog.pg_blocking_pids(a.pid))[1] "
	"WHERE a.pid = $1 LIMIT 1";

/* What the run's backend waits for, onto msg ("" when the peer cannot say
 * or the statement waits for no lock). */
static void peer_ask(struct pgc *c, struct sbuf *msg)
{
	char pid[16];
	const char *params[1] = { pid }, *pass = PQpass(c->pg);
	PGresult *res;
	const char *type, *what;
	long others;

	snprintf(pid, sizeof pid, "%d", PQbackendPID(c->pg));
	res = PQexecParams(c->peer, peer_sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		if (PQstatus(c->peer) != CONNECTION_OK) {
			PQfinish(c->peer);
			c->peer = NULL;
			c->peer_failed = 1;
		}
		goto out;
	}
	if (!PQgetisnull(res, 0, 0))
		peer_locate(c, c->watch.sql, PQgetvalue(res, 0, 0));
	if (PQgetisnull(res, 0, 2)) {
		/* waiting for no lock: the time of the statement the server runs */
		if (!PQgetisnull(res, 0, 1))
			sbuf_addf(msg, "running for %ss", PQgetvalue(res, 0, 1));
		goto out;
	}
	type = PQgetvalue(res, 0, 2);
	what = PQgetvalue(res, 0, 3);
	sbuf_addf(msg, "waiting %ss for ", PQgetisnull(res, 0, 1) ? "?" : PQgetvalue(res, 0, 1));
	if (!strcmp(type, "relation") && *what)
		sbuf_addf(msg, "a lock on %s", what);
	else if (!strcmp(type, "transactionid") || !strcmp(type, "tuple"))
		sbuf_adds(msg, "a row lock");
	else if (!strcmp(type, "virtualxid"))
		sbuf_adds(msg, "another transaction to end");
	else if (!strcmp(type, "advisory"))
		sbuf_adds(msg, "an advisory lock");
	else
		sbuf_addf(msg, "a lock (%s)", type);
	if (PQgetisnull(res, 0, 4))
		goto out;
	sbuf_addf(msg, " held by pid %s (app '", PQgetvalue(res, 0, 4));
	add_shown(msg, PQgetvalue(res, 0, 5), pass);
	sbuf_addf(msg, "', %s", PQgetisnull(res, 0, 6) ? "state unknown" : PQgetvalue(res, 0, 6));
	if (!PQgetisnull(res, 0, 7) && *PQgetvalue(res, 0, 7)) {
		sbuf_adds(msg, ": '");
		add_cut(msg, PQgetvalue(res, 0, 7), pass, 60);
		sbuf_adds(msg, "'");
	}
	if (!PQgetisnull(res, 0, 9))
		sbuf_addf(msg, ", for %ss", PQgetvalue(res, 0, 9));
	sbuf_adds(msg, ")");
	others = strtol(PQgetvalue(res, 0, 10), NULL, 10) - 1;
	if (others > 0)
		sbuf_addf(msg, " and %ld other session%s", others, others > 1 ? "s" : "");
out:
	PQclear(res);
}

static void pg_watch_report(struct pgc *c)
{
	struct sbuf msg = SBUF_INIT;

	if (!c->peer && !c->peer_failed)
		peer_open(c);
	if (c->peer)
		peer_ask(c, &msg);
	if (sbuf_failed(&msg) || !msg.len)
		watch_say(&c->watch, "running for %lds", watch_elapsed_s(&c->watch));
	else
		watch_say(&c->watch, "%s", msg.buf);
	sbuf_release(&msg);
}

/* PQgetResult(), reporting on the way while the result keeps us waiting.
 * The poll wakes at least every 100 ms to read: data libpq may hold
 * decrypted in its SSL layer is not seen by poll(). */
static PGresult *get_result(struct pgc *c)
{
	int fd = PQsocket(c->pg);

	while (c->watch.log && fd >= 0 && PQisBusy(c->pg)) {
		struct pollfd p = { fd, POLLIN, 0 };
		long left = watch_left_ms(&c->watch);
		int n = poll(&p, 1, left > 100 ? 100 : (int)left);

		if (n < 0 && errno != EINTR)
			break;
		if (!PQconsumeInput(c->pg))
			break; /* PQgetResult() says what went wrong */
		if (n == 0 && PQisBusy(c->pg) && watch_due(&c->watch))
			pg_watch_report(c);
	}
	return PQgetResult(c->pg);
}

/* exec's script sql, split into st, starts; ends. */
static void pg_watch_start(struct pgc *c, const char *sql, const struct drv_stmts *st)
{
	c->w_st = st;
	c->w_cur = 0;
	watch_start(&c->watch, &c->base, sql, st->n ? st->v[0].offset : 0);
}

static void pg_watch_end(struct pgc *c)
{
	watch_end(&c->watch);
	c->w_st = NULL;
}

/* PQexec() through get_result(): PQsendQuery(), then its results, the
 * first error kept, stopping at a COPY as PQexec() does. */
static PGresult *exec_watched(struct pgc *c, const char *text)
{
	PGresult *res, *keep = NULL;

	if (!c->watch.log)
		return PQexec(c->pg, text);
	if (!PQsendQuery(c->pg, text))
		return NULL;
	while ((res = get_result(c)) != NULL) {
		if (keep && PQresultStatus(keep) == PGRES_FATAL_ERROR) {
			PQclear(res);
			continue;
		}
		PQclear(keep);
		keep = res;
		if (is_copy(PQresultStatus(res)) || PQstatus(c->pg) == CONNECTION_BAD)
			break;
	}
	return keep;
}

/* ---- running SQL ------------------------------------------------------- */

/* A COPY that started anyway (from inside a function, say) must be ended
 * before the connection can do anything else. */
static void end_copy(struct pgc *c, ExecStatusType st)
{
	char *buf;

	if (st == PGRES_COPY_IN || st == PGRES_COPY_BOTH)
		PQputCopyEnd(c->pg, "COPY from the client is not supported in migrations");
	if (st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH)
		while (PQgetCopyData(c->pg, &buf, 0) > 0)
			PQfreemem(buf);
}

static int is_copy(ExecStatusType st)
{
	return st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH;
}

/* End the COPY that res started and read the command's remaining results:
 * returns the first error among them, else the last (NULL if none). */
static PGresult *finish_copy(struct pgc *c, PGresult *res)
{
	PGresult *keep = NULL, *r;

	end_copy(c, PQresultStatus(res));
	PQclear(res);
	while ((r = PQgetResult(c->pg)) != NULL) {
		if (keep && PQresultStatus(keep) == PGRES_FATAL_ERROR) {
			PQclear(r);
			continue;
		}
		PQclear(keep);
		keep = r;
	}
	return keep;
}

/* Outside a transaction: one statement at a time, stop at the first error. */
static int exec_each(struct pgc *c, const char *sql, const struct drv_stmts *st,
                     struct drv_err *err)
{
	PGresult *res;
	ExecStatusType s;
	char *text;
	size_t i;
	int rc = 0;

	for (i = 0; i < st->n && !rc; i++) {
		text = sbuf_strndup(sql + st->v[i].offset, st->v[i].len);
		if (!text)
			return fail_nomem(err);
		/* each its own statement, and its own time */
		c->w_cur = i;
		watch_end(&c->watch);
		watch_start(&c->watch, &c->base, sql, st->v[i].offset);
		res = exec_watched(c, text);
		free(text);
		if (is_copy(PQresultStatus(res)))
			res = finish_copy(c, res);
		s = PQresultStatus(res);
		if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY) {
			rc = fail_result(c, res, err);
			locate(err, res, sql, &st->v[i]);
		}
		PQclear(res);
	}
	/* A script that opened a transaction of its own and did not end it
	 * (or failed inside it) would swallow the runner's next statements. */
	if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
		res = PQexec(c->pg, "ROLLBACK");
		PQclear(res);
		if (!rc) {
			rc = drv_fail_text(err, STRATA_ESQL, NULL,
			               "the script began a transaction and did not end it (rolled back)");
			err->offset = (long)st->v[st->n - 1].offset;
			err->stmt_len = (long)st->v[st->n - 1].len;
		}
	}
	return rc;
}

/*
 * Inside a transaction: the whole script in one pipeline. libpq in blocking
 * mode reads what the server sends while it waits to write, so a long script
 * cannot deadlock on full socket buffers.
 */
static int exec_pipeline(struct pgc *c, const char *sql, const struct drv_stmts *st,
                         struct drv_err *err)
{
	PGresult *res;
	ExecStatusType s;
	size_t i, sent = 0;
	char *text;
	int rc = 0, failed = 0;

	if (!PQenterPipelineMode(c->pg))
		return fail_result(c, NULL, err);
	for (i = 0; i < st->n; i++) {
		text = sbuf_strndup(sql + st->v[i].offset, st->v[i].len);
		if (!text) {
			rc = fail_nomem(err);
			break;
		}
		/* libpq copies the text into its output buffer at once. */
		if (!PQsendQueryParams(c->pg, text, 0, NULL, NULL, NULL, NULL, 0)) {
			free(text);
			rc = fail_result(c, NULL, err);
			break;
		}
		free(text);
		sent++;
	}
	if (!PQpipelineSync(c->pg) && !rc)
		rc = fail_result(c, NULL, err);
	for (i = 0; i < sent && PQstatus(c->pg) == CONNECTION_OK; i++) {
		while ((res = get_result(c)) != NULL) {
			s = PQresultStatus(res);
			if (is_copy(s))
				end_copy(c, s);
			if (s == PGRES_FATAL_ERROR && !failed && !rc) {
				rc = fail_result(c, res, err);
				locate(err, res, sql, &st->v[i]);
			}
			if (s == PGRES_FATAL_ERROR || s == PGRES_PIPELINE_ABORTED)
				failed = 1;
			PQclear(res);
		}
	}
	/* Read up to the Sync, so the pipeline is idle and can be left. */
	while (PQstatus(c->pg) == CONNECTION_OK && (res = get_result(c)) != NULL) {
		s = PQresultStatus(res);
		PQclear(res);
		if (s == PGRES_PIPELINE_SYNC)
			break;
	}
	if (PQstatus(c->pg) != CONNECTION_OK) {
		/* Usually the server's goodbye (57P01 ...) came as the failing
		 * statement's error and fail_result() said so. A statement that
		 * failed first keeps its own error: it is the cause. Pipeline
		 * mode cannot be left now; check_alive() guards later calls. */
		if (!rc)
			rc = fail_result(c, NULL, err);
		return rc;
	}
	if (!PQexitPipelineMode(c->pg) && !rc)
		rc = fail_result(c, NULL, err);
	if (!rc && PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
		rc = drv_fail_text(err, STRATA_ESQL, NULL,
		               "the script ended the transaction it ran in (COMMIT or ROLLBACK): "
		               "mark the migration transaction:false");
	}
	return rc;
}

/* ---- a script and its tracking row: exec_then (version 4) -------------
 *
 * Inside a transaction, exec_then sends the script and then_sql as one
 * simple-protocol Query: "script \n;\n then_sql", then_sql's parameters
 * written as literals (PQescapeLiteral). One message is one round trip,
 * and the server parses it once. The script was split by libpg_query
 * first (a script the grammar refuses is never sent), so it is whole: no
 * string, dollar quote or block comment left open, and the newline before
 * the appended semicolon ends a trailing "-- comment". The server answers
 * each statement in turn, so the failing one is the count of answers
 * before the error, or, for an error with a position (counted in the whole
 * message), the statement that holds it.
 *
 * Timing: statement_timestamp() is when the server received the message,
 * for every statement in it, so clock_timestamp() minus it, read in
 * then_sql, is how long the script took. A script that ended the run's
 * transaction (COMMIT, ROLLBACK) leaves then_sql in a transaction that
 * began with this message (now() = statement_timestamp()): elapsed_sql then
 * reads the parameter, sent as NULL, and the row's NOT NULL refuses it, so
 * the row is not committed by the script's transaction.
 */

static void pg_elapsed_sql(int n, struct sbuf *out)
{
	sbuf_addf(out, "CASE WHEN pg_catalog.now() < pg_catalog.statement_timestamp() "
	          "THEN (extract(epoch FROM pg_catalog.clock_timestamp() - "
	          "pg_catalog.statement_timestamp()) * 1000)::bigint ELSE $%d::bigint END", n);
}

static int script_ended_tx(struct drv_err *err)
{
	return drv_fail_text(err, STRATA_ESQL, NULL,
	                     "the script ended the transaction it ran in (COMMIT or ROLLBACK): "
	                     "mark the migration transaction:false");
}

/* Where then_sql's parameters are, into c->bound (kept while then_sql is
 * the same text). 0 or STRATA_ENOMEM. */
static int bound_scan(struct pgc *c, const char *then_sql, struct drv_err *err)
{
	size_t len = strlen(then_sql), pos = 0, alloc = 0;
	struct sqlscan_tok t;

	if (c->bound_sql && strcmp(c->bound_sql, then_sql) == 0)
		return 0;
	free(c->bound_sql);
	free(c->bound);
	c->bound = NULL;
	c->nbound = 0;
	if (!(c->bound_sql = strdup(then_sql)))
		return fail_nomem(err);
	for (;;) {
		char *end;
		long n;

		sqlscan_next(SQLSCAN_PG, then_sql, len, &pos, &t);
		if (t.type == SQLTK_END)
			return 0;
		if (t.type != SQLTK_VARIABLE || then_sql[t.start] != '$')
			continue;
		n = strtol(then_sql + t.start + 1, &end, 10);
		if (c->nbound == alloc) {
			size_t na = alloc ? 2 * alloc : 16;
			struct bound_ref *nv = realloc(c->bound, na * sizeof *nv);
			if (!nv) {
				free(c->bound_sql);
				c->bound_sql = NULL;
				return fail_nomem(err);
			}
			c->bound = nv;
			alloc = na;
		}
		c->bound[c->nbound].start = t.start;
		c->bound[c->nbound].len = t.len;
		c->bound[c->nbound].n = end == then_sql + t.start + t.len && n > 0 ? n : 0;
		c->nbound++;
	}
}

/* then_sql onto out with $n written as the literal of params[n - 1]
 * (NULL: NULL; n - 1 == null_param: NULL too). */
static int add_bound(struct pgc *c, struct sbuf *out, const char *then_sql,
                     const char *const *params, int nparams, int null_param, struct drv_err *err)
{
	size_t len = strlen(then_sql), from = 0, i;
	int rc;

	if ((rc = bound_scan(c, then_sql, err)) != 0)
		return rc;
	for (i = 0; i < c->nbound; i++) {
		const struct bound_ref *b = &c->bound[i];
		char *lit;

		if (b->n < 1 || b->n > nparams)
			return drv_fail_text(err, STRATA_EUSAGE, NULL, "a parameter without a value");
		sbuf_add(out, then_sql + from, b->start - from);
		from = b->start + b->len;
		if (!params[b->n - 1] || b->n - 1 == null_param) {
			sbuf_adds(out, "NULL");
			continue;
		}
		lit = PQescapeLiteral(c->pg, params[b->n - 1], strlen(params[b->n - 1]));
		if (!lit)
			return fail_result(c, NULL, err);
		sbuf_adds(out, lit);
		PQfreemem(lit);
	}
	sbuf_add(out, then_sql + from, len - from);
	return sbuf_failed(out) ? fail_nomem(err) : 0;
}

/* The statement of st that holds byte off of sql (the last that starts
 * at or before it), or -1. */
static long stmt_at(const struct drv_stmts *st, size_t off)
{
	size_t i;
	long hit = -1;

	for (i = 0; i < st->n && st->v[i].offset <= off; i++)
		hit = (long)i;
	return hit;
}

/* Inside a transaction: the script and then_sql as one Query. */
static int exec_then_tx(struct pgc *c, const char *sql, const struct drv_stmts *st,
                        const char *then_sql, const char *const *params, int nparams,
                        int ms_param, int *then_failed, struct drv_err *err)
{
	struct sbuf q = SBUF_INIT;
	PGresult *res;
	ExecStatusType s;
	size_t done = 0, sqllen = strlen(sql);
	int rc = 0, sent;

	sbuf_add(&q, sql, sqllen);
	sbuf_adds(&q, "\n;\n");
	if ((rc = add_bound(c, &q, then_sql, params, nparams, ms_param, err)) != 0) {
		*then_failed = 1;
		goto out;
	}
	sent = PQsendQuery(c->pg, q.buf);
	if (!sent) {
		rc = fail_result(c, NULL, err);
		goto out;
	}
	for (;;) {
		if (done < st->n) {
			c->w_cur = done;
			watch_at(&c->watch, st->v[done].offset);
		}
		if ((res = get_result(c)) == NULL)
			break;
		s = PQresultStatus(res);
		if (is_copy(s)) {
			end_copy(c, s);
		} else if (s == PGRES_FATAL_ERROR && !rc) {
			const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
			long p = pos ? strtol(pos, NULL, 10) : 0, i = (long)done;
			size_t off = 0;

			rc = fail_result(c, res, err);
			if (p > 0) {
				/* a position counts characters of the whole message */
				off = sqlscan_utf8_bytes(q.buf, q.len, p - 1);
				i = off < sqllen ? stmt_at(st, off) : (long)st->n;
			}
			if (i >= 0 && (size_t)i < st->n) {
				err->offset = (long)(p > 0 ? off : st->v[i].offset);
				err->stmt_len = (long)(st->v[i].offset + st->v[i].len) - err->offset;
			} else {
				*then_failed = 1;
			}
		} else if (s != PGRES_FATAL_ERROR) {
			done++;
		}
		PQclear(res);
		if (PQstatus(c->pg) == CONNECTION_BAD)
			break;
	}
	if (PQstatus(c->pg) != CONNECTION_OK) {
		if (!rc)
			rc = fail_result(c, NULL, err);
		goto out;
	}
	if (!rc && PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
		rc = script_ended_tx(err);
	} else if (rc && *then_failed &&
	           (PQtransactionStatus(c->pg) == PQTRANS_IDLE || !strcmp(err->sqlstate, "23502"))) {
		/* the row went with the transaction the script ended (above):
		 * the script's fault, not the row's */
		*then_failed = 0;
		rc = script_ended_tx(err);
	}
out:
	sbuf_release(&q);
	return rc;
}

/* Outside a transaction: exec's statements one by one, then then_sql on
 * its own, timed here: in a transaction of its own, elapsed_sql reads the
 * parameter. */
static int exec_then_each(struct pgc *c, const char *sql, const struct drv_stmts *st,
                          const char *then_sql, const char *const *params, int nparams,
                          int ms_param, int *then_failed, struct drv_err *err)
{
	struct sbuf q = SBUF_INIT;
	const char **p = NULL;
	PGresult *res = NULL;
	ExecStatusType s;
	char ms[24];
	long t0 = util_ms();
	int rc;

	if (st->n && (rc = exec_each(c, sql, st, err)) != 0)
		return rc;
	*then_failed = 1;
	if (ms_param >= 0) {
		if (!(p = malloc((size_t)nparams * sizeof *p)))
			return fail_nomem(err);
		memcpy(p, params, (size_t)nparams * sizeof *p);
		snprintf(ms, sizeof ms, "%ld", util_ms() - t0);
		p[ms_param] = ms;
		params = p;
	}
	if ((rc = add_bound(c, &q, then_sql, params, nparams, -1, err)) != 0)
		goto out;
	res = PQexec(c->pg, q.buf);
	s = PQresultStatus(res);
	if (is_copy(s))
		res = finish_copy(c, res);
	s = PQresultStatus(res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
		rc = fail_result(c, res, err);
	else
		*then_failed = 0;
out:
	PQclear(res);
	free(p);
	sbuf_release(&q);
	return rc;
}

/* exec_then of sql as split in st (split_pg's, with its COPY flags). */
static int pg_exec_then_split(drv_conn *dc, const char *sql, const struct drv_stmts *st,
                              const char *then_sql, const char *const *params, int nparams,
                              int ms_param, int *then_failed, struct drv_err *err)
{
	struct pgc *c = (struct pgc *)dc;
	int rc;

	*then_failed = 0;
	if ((rc = split_pg_refuse_copy(st, err)) != 0)
		return rc;
	if ((rc = check_alive(c, err)) != 0)
		return rc;
	pg_watch_start(c, sql, st);
	rc = c->base.in_tx ?
	     exec_then_tx(c, sql, st, then_sql, params, nparams, ms_param, then_failed, err) :
	     exec_then_each(c, sql, st, then_sql, params, nparams, ms_param, then_failed, err);
	pg_watch_end(c);
	if (rc && *then_failed) {
		err->offset = -1;
		err->stmt_len = -1;
	}
	return rc;
}

static int pg_exec_then(drv_conn *dc, const char *sql, const char *then_sql,
                        const char *const *params, int nparams, int ms_param, int *then_failed,
                        struct drv_err *err)
{
	struct drv_stmts st = { 0, NULL };
	int rc;

	*then_failed = 0;
	if ((rc = split_pg(sql, &st, err)) == 0)
		rc = pg_exec_then_split(dc, sql, &st, then_sql, params, nparams, ms_param,
		                        then_failed, err);
	drv_stmts_release(&st);
	return rc;
}

static int pg_exec(drv_conn *dc, const char *sql, struct drv_err *err)
{
	struct pgc *c = (struct pgc *)dc;
	struct drv_stmts st = { 0, NULL };
	int rc;

	rc = split_pg_exec(sql, &st, err);
	if (rc || st.n == 0)
		goto out;
	if ((rc = check_alive(c, err)) != 0)
		goto out;
	pg_watch_start(c, sql, &st);
	rc = c->base.in_tx ? exec_pipeline(c, sql, &st, err) : exec_each(c, sql, &st, err);
	pg_watch_end(c);
out:
	drv_stmts_release(&st);
	return rc;
}

static int pg_query_method(drv_conn *dc, const char *sql, const char *const *params,
                           int nparams, struct drv_rows **out, struct drv_err *err)
{
	struct pgc *c = (struct pgc *)dc;
	struct drv_rows *r = NULL;
	PGresult *res;
	ExecStatusType s;
	size_t i, j;
	int rc = 0;

	if (out)
		*out = NULL;
	if ((rc = check_alive(c, err)) != 0)
		return rc;
	res = PQexecParams(c->pg, sql, nparams, NULL, params, NULL, NULL, 0);
	s = PQresultStatus(res);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		if (is_copy(s)) {
			res = finish_copy(c, res);
			rc = drv_fail_text(err, STRATA_ESQL, NULL,
			               "COPY to or from the client is not supported here");
			goto out;
		}
		rc = fail_result(c, res, err);
		goto out;
	}
	if (!out)
		goto out;
	r = calloc(1, sizeof *r);
	if (!r)
		goto nomem;
	if (s == PGRES_TUPLES_OK) {
		r->nrows = (size_t)PQntuples(res);
		r->ncols = (size_t)PQnfields(res);
		if (r->nrows && r->ncols) {
			r->cells = calloc(r->nrows * r->ncols, sizeof *r->cells);
			if (!r->cells) {
				r->nrows = 0; /* drv_rows_free walks nrows * ncols */
				goto nomem;
			}
		}
		for (i = 0; i < r->nrows; i++) {
			for (j = 0; j < r->ncols; j++) {
				if (PQgetisnull(res, (int)i, (int)j))
					continue;
				r->cells[i * r->ncols + j] = strdup(PQgetvalue(res, (int)i, (int)j));
				if (!r->cells[i * r->ncols + j])
					goto nomem;
			}
		}
	}
	*out = r;
	r = NULL;
	goto out;
nomem:
	rc = fail_nomem(err);
out:
	drv_rows_free(r);
	PQclear(res);
	return rc;
}

/* ---- transactions, locks, timeouts -------------------------------------- */

static int pg_begin(drv_conn *dc, struct drv_err *err)
{
	return simple((struct pgc *)dc, "BEGIN", err);
}

/* Run a one-row boolean function of the lock id: 1 true, 0 false, <0 error. */
static int lock_call(struct pgc *c, const char *sql, const char *id, struct drv_err *err);

/*
 * Before a commit while the runner's lock is held: is it still? A
 * migration that called pg_advisory_unlock_all() or pg_advisory_unlock()
 * with strata's key has let another runner in, which may be applying the
 * same migrations now: this transaction must not commit. 0 when held.
 */
static int lock_still_held(struct pgc *c, struct drv_err *err)
{
	int rc;

	if (!c->holds_lock)
		return 0;
	rc = lock_call(c, "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
	               "AND pid = pg_backend_pid() AND granted AND objsubid = 1 "
	               "AND ((classid::bigint << 32) | objid::bigint) = $1::bigint)", c->lock_key, err);
	if (rc == 1)
		return 0;
	if (rc == 0) {
		c->lock_lost = 1;
		drv_err_reset(err, STRATA_ELOCKED);
		sbuf_setf(&err->msg, "strata's migration lock was released during the run (by "
		          "pg_advisory_unlock_all() or pg_advisory_unlock() in a migration?), so "
		          "another runner may be applying the same migrations: not committed");
		rc = STRATA_ELOCKED;
	}
	return rc;
}

static int pg_commit(drv_conn *dc, struct drv_err *err)
{
	struct pgc *c = (struct pgc *)dc;
	PGresult *res;
	int rc;

	if ((rc = check_alive(c, err)) != 0)
		return rc;
	if ((rc = lock_still_held(c, err)) != 0) {
		res = PQexec(c->pg, "ROLLBACK");
		PQclear(res);
		return rc;
	}
	res = PQexec(c->pg, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = fail_result(c, res, err);
	else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
		/* COMMIT of a failed transaction rolls back without an error. */
		rc = drv_fail_text(err, STRATA_ESQL, NULL,
		               "the transaction was rolled back: a statement in it had failed");
	PQclear(res);
	return rc;
}

static int pg_rollback(drv_conn *dc, struct drv_err *err)
{
	struct pgc *c = (struct pgc *)dc;

	if (PQstatus(c->pg) != CONNECTION_OK)
		return drv_fail_text(err, STRATA_ECONNECT, NULL,
		                 "connection to the server was lost (the server rolled back)");
	/* Nothing to undo when the script ended the transaction itself; saying
	 * ROLLBACK then would only earn a WARNING in the log. */
	if (PQtransactionStatus(c->pg) == PQTRANS_IDLE)
		return 0;
	return simple(c, "ROLLBACK", err);
}

/* FNV-1a, 64 bits, of "strata:" + key: the advisory lock's bigint. */
static int64_t lock_id(const char *key)
{
	const char *parts[2] = { "strata:", key };
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;
	size_t i;

	for (i = 0; i < 2; i++)
		for (p = (const unsigned char *)parts[i]; *p; p++) {
			h ^= *p;
			h *= 1099511628211ULL;
		}
	return (int64_t)h;
}

/* Run a one-row boolean function of the lock id: 1 true, 0 false, <0 error. */
static int lock_call(struct pgc *c, const char *sql, const char *id, struct drv_err *err)
{
	const char *params[1] = { id };
	PGresult *res = PQexecParams(c->pg, sql, 1, NULL, params, NULL, NULL, 0);
	int rc;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		rc = fail_result(c, res, err);
	else
		rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

/*
 * A session advisory lock: it outlives the transactions of the run and
 * dies with the connection, so a runner that crashes cannot leave it
 * behind. Waiting is bounded by busy_timeout_ms through lock_timeout, which
 * advisory locks obey; SET LOCAL inside a transaction of our own keeps the
 * session's setting, while the lock, being session-level, survives COMMIT.
 */
static int pg_lock(drv_conn *dc, const char *key, struct drv_err *err)
{
	struct pgc *c = (struct pgc *)dc;
	struct sbuf sb = SBUF_INIT;
	char id[24];
	int rc, bounded = c->busy_timeout_ms > 0 && !c->base.in_tx;

	if ((rc = check_alive(c, err)) != 0)
		return rc;
	snprintf(id, sizeof id, "%" PRId64, lock_id(key));
	rc = lock_call(c, "SELECT pg_try_advisory_lock($1::bigint)", id, err);
	if (rc > 0) {
		c->holds_lock = 1;
		memcpy(c->lock_key, id, sizeof id);
	}
	if (rc != 0)
		return rc > 0 ? 0 : rc;
	if (c->log) {
		sbuf_addf(&sb, "waiting for another strata run to finish (advisory lock on %s)", key);
		if (!sbuf_failed(&sb))
			c->log(c->log_payload, STRATA_LOG_NOTICE, sb.buf);
		sbuf_reset(&sb);
	}
	if (bounded) {
		sbuf_addf(&sb, "BEGIN; SET LOCAL lock_timeout = '%ldms'", c->busy_timeout_ms);
		if (sbuf_failed(&sb)) {
			rc = fail_nomem(err);
			goto out;
		}
		if ((rc = simple(c, sb.buf, err)) != 0)
			goto out;
	}
	rc = lock_call(c, "SELECT pg_advisory_lock($1::bigint) IS NULL", id, err);
	if (rc > 0) {
		rc = 0;
		c->holds_lock = 1;
		memcpy(c->lock_key, id, sizeof id);
	} else if (rc == STRATA_ESQL && strcmp(err->sqlstate, "55P03") == 0) {
		drv_err_reset(err, STRATA_ELOCKED);
		sbuf_setf(&err->msg, "another strata run held the lock for more than %ld ms "
		          "(advisory lock on %s)", c->busy_timeout_ms, key);
		rc = STRATA_ELOCKED;
	}
	if (bounded && PQstatus(c->pg) == CONNECTION_OK) {
		struct drv_err e2;
		drv_err_init(&e2);
		if (simple(c, rc ? "ROLLBACK" : "COMMIT", &e2) && !rc)
			rc = drv_fail_text(err, e2.code, NULL, e2.msg.buf);
		drv_err_release(&e2);
	}
out:
	sbuf_release(&sb);
	return rc;
}

static int pg_unlock(drv_conn *dc, const char *key, struct drv_err *err)
{
	struct pgc *c = (struct pgc *)dc;
	char id[24];
	int rc;

	if ((rc = check_alive(c, err)) != 0)
		return rc;
	snprintf(id, sizeof id, "%" PRId64, lock_id(key));
	c->holds_lock = 0;
	if (c->lock_lost) {
		/* already gone (and said so): no WARNING from the server */
		c->lock_lost = 0;
		return 0;
	}
	rc = lock_call(c, "SELECT pg_advisory_unlock($1::bigint)", id, err);
	if (rc == 0) {
		drv_err_reset(err, STRATA_ERROR);
		sbuf_setf(&err->msg, "the advisory lock on %s was not held", key);
		return STRATA_ERROR;
	}
	return rc > 0 ? 0 : rc;
}

static int pg_set_timeouts(drv_conn *dc, long lock_ms, long statement_ms, struct drv_err *err)
{
	struct sbuf sb = SBUF_INIT;
	int rc;

	if (lock_ms)
		sbuf_addf(&sb, "SET LOCAL lock_timeout = '%ldms';", lock_ms);
	if (statement_ms)
		sbuf_addf(&sb, "SET LOCAL statement_timeout = '%ldms';", statement_ms);
	if (sbuf_failed(&sb))
		rc = fail_nomem(err);
	else
		rc = sb.len ? simple((struct pgc *)dc, sb.buf, err) : 0;
	sbuf_release(&sb);
	return rc;
}

static void pg_table_name(drv_conn *dc, const char *table, struct sbuf *out)
{
	struct pgc *c = (struct pgc *)dc;

	sbuf_add_ident(out, c->schema);
	sbuf_addc(out, '.');
	sbuf_add_ident(out, table);
}

static int pg_introspect(drv_conn *dc, const char *schema_name, struct schema **out,
                         struct drv_err *err)
{
	struct pgc *c = (struct pgc *)dc;
	int rc;

	*out = NULL;
	if ((rc = check_alive(c, err)) != 0)
		return rc;
	return introspect_pg(c->pg, schema_name, out, err);
}

/* ---- creating, dropping, wiping ---------------------------------------- */

/*
 * Connect to the server of url through its maintenance database (postgres,
 * or template1 when the target is postgres itself or postgres is gone) and
 * find the name of the database the URL means: the URL's, PGDATABASE, or
 * as libpq does, the user's name.
 */
static int admin_connect(const struct strata_url *url, PGconn **out, char **dbname,
                         struct drv_err *err)
{
	PQconninfoOption *opts = NULL;
	PGresult *res = NULL;
	const char *name;
	char *perr = NULL;
	int rc;

	*out = NULL;
	*dbname = NULL;
	if ((rc = dl_need_pq(err)) != 0)
		return rc;
	opts = PQconninfoParse(url->conninfo, &perr);
	name = opt_val(opts, "dbname");
	if (!name)
		name = getenv("PGDATABASE");
	rc = connect_url(url->conninfo, name && strcmp(name, "postgres") == 0 ? "template1" : "postgres",
	                 out, err);
	if (rc == STRATA_ENOTFOUND)
		rc = connect_url(url->conninfo, "template1", out, err);
	if (rc)
		goto out;
	PQsetNoticeReceiver(*out, drop_notice, NULL);
	if (!name) {
		res = PQexec(*out, "SELECT session_user");
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
			rc = drv_fail_text(err, STRATA_ECONNECT, NULL, PQerrorMessage(*out));
			goto out;
		}
		name = PQgetvalue(res, 0, 0);
	}
	*dbname = strdup(name);
	if (!*dbname)
		rc = fail_nomem(err);
out:
	if (rc) {
		PQfinish(*out);
		*out = NULL;
	}
	PQclear(res);
	PQconninfoFree(opts);
	if (perr)
		PQfreemem(perr);
	return rc;
}

static int admin_run(PGconn *pg, const char *sql, const char *name, struct drv_err *err)
{
	struct pgc tmp;
	PGresult *res = PQexec(pg, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (state && strcmp(state, "42P04") == 0) {
			drv_err_reset(err, STRATA_ERROR);
			sbuf_setf(&err->msg, "database \"%s\" already exists", name);
			memcpy(err->sqlstate, "42P04", 6); /* what a caller tells it by */
			rc = STRATA_ERROR;
		} else {
			memset(&tmp, 0, sizeof tmp);
			tmp.pg = pg;
			rc = fail_result(&tmp, res, err);
		}
	}
	PQclear(res);
	return rc;
}

/* Whether database name is on the server: 1, 0, or an error (< 0). */
static int admin_exists(PGconn *pg, const char *name, struct drv_err *err)
{
	const char *params[1] = { name };
	PGresult *res = PQexecParams(pg, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1",
	                             1, NULL, params, NULL, NULL, 0);
	struct pgc tmp;
	int rc;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		memset(&tmp, 0, sizeof tmp);
		tmp.pg = pg;
		rc = fail_result(&tmp, res, err);
	} else {
		rc = PQntuples(res) > 0;
	}
	PQclear(res);
	return rc;
}

/* CREATE DATABASE, or DROP DATABASE IF EXISTS, for the database url names. */
static int admin_create_drop(const struct strata_url *url, int drop, struct drv_err *err)
{
	struct sbuf sql = SBUF_INIT;
	PGconn *pg = NULL;
	char *name = NULL;
	int rc;

	if ((rc = admin_connect(url, &pg, &name, err)) != 0)
		goto out;
	/* Nothing to drop: the caller is told so rather than told it dropped
	 * something (DROP ... IF EXISTS still closes the race with another
	 * session dropping it first). */
	if (drop && (rc = admin_exists(pg, name, err)) <= 0) {
		if (rc == 0) {
			drv_err_reset(err, STRATA_ENOTFOUND);
			sbuf_setf(&err->msg, "database \"%s\" does not exist", name);
			rc = STRATA_ENOTFOUND;
		}
		goto out;
	}
	sbuf_adds(&sql, drop ? "DROP DATABASE IF EXISTS " : "CREATE DATABASE ");
	sbuf_add_ident(&sql, name);
	/* Sessions left on a development database (an editor, a crashed app)
	 * would make DROP fail; FORCE ends them (PostgreSQL 13+). */
	if (drop && PQserverVersion(pg) >= 130000)
		sbuf_adds(&sql, " WITH (FORCE)");
	rc = sbuf_failed(&sql) ? fail_nomem(err) : admin_run(pg, sql.buf, name, err);
	/* 23505: two CREATE DATABASEs of one name at the same moment (the
	 * catalog's unique index, as the threads of a fleet meet it) */
	if (rc && !drop &&
	    (strcmp(err->sqlstate, "42P04") == 0 || strcmp(err->sqlstate, "23505") == 0))
		err->exists = 1;
out:
	sbuf_release(&sql);
	free(name);
	PQfinish(pg);
	return rc;
}

static int pg_create_db(const struct strata_url *url, struct drv_err *err)
{
	return admin_create_drop(url, 0, err);
}

static int pg_drop_db(const struct strata_url *url, struct drv_err *err)
{
	return admin_create_drop(url, 1, err);
}

/* The schemas wipe drops: every non-system schema whose owner's rights the
 * user has. That includes public (owned by pg_database_owner since
 * PostgreSQL 15) for the database's owner, and everything for a superuser. */
#define WIPE_PRED \
	"n.nspname NOT IN ('pg_catalog', 'information_schema') " \
	"AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' " \
	"AND pg_has_role(n.nspowner, 'USAGE')"

static const char wipe_schemas_sql[] =
	"SELECT quote_ident(n.nspname) FROM pg_namespace n WHERE " WIPE_PRED " ORDER BY 1";

/* reset --hard drops the schemas the migrations work in and no other: the
 * first of search_path, where their unqualified objects go, and the
 * tracking schema. Other schemas are not its to drop. */
#define TRACKING_PRED "n.nspname IN (current_schema(), $1)"
static const char wipe_tracking_sql[] =
	"SELECT quote_ident(n.nspname) FROM pg_namespace n WHERE " WIPE_PRED
	" AND " TRACKING_PRED " ORDER BY 1";

/* What gives public (and the tracking schema) back its owner and grants
 * once recreated, as the server spells it: PostgreSQL 15's public belongs
 * to pg_database_owner and lets everyone use it. Grants first, while we own
 * the new schema; ALTER OWNER then carries them over to the new owner.
 * $2 = 1: the tracking schema only. */
static const char wipe_restore_sql[] =
	"SELECT format('GRANT %s ON SCHEMA %I TO %s%s', a.privilege_type, n.nspname, "
	"CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, "
	"CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END), 1 "
	"FROM pg_namespace n, aclexplode(n.nspacl) a WHERE " WIPE_PRED
	" AND (($2 = 0 AND n.nspname IN ('public', $1)) OR ($2 = 1 AND " TRACKING_PRED ")) "
	"AND a.grantee <> n.nspowner "
	"UNION ALL "
	"SELECT format('ALTER SCHEMA %I OWNER TO %I', n.nspname, pg_get_userbyid(n.nspowner)), 2 "
	"FROM pg_namespace n WHERE " WIPE_PRED
	" AND (($2 = 0 AND n.nspname IN ('public', $1)) OR ($2 = 1 AND " TRACKING_PRED ")) "
	"AND n.nspowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user) "
	"ORDER BY 2";

static int wipe_some(drv_conn *dc, int tracking_only, struct drv_err *err)
{
	struct pgc *c = (struct pgc *)dc;
	struct drv_rows *schemas = NULL, *restore = NULL;
	struct sbuf sql = SBUF_INIT;
	const char *params[2] = { c->schema, tracking_only ? "1" : "0" };
	size_t i;
	int rc, own_tx = !dc->in_tx;

	/* Inside the runner's transaction the wipe is part of it (reset --hard
	 * then re-applies in the same transaction); alone, it is its own. */
	if (own_tx && (rc = simple(c, "BEGIN", err)) != 0)
		return rc;
	rc = tracking_only ? pg_query_method(dc, wipe_tracking_sql, params, 1, &schemas, err) :
	     pg_query_method(dc, wipe_schemas_sql, NULL, 0, &schemas, err);
	if (rc)
		goto out;
	rc = pg_query_method(dc, wipe_restore_sql, params, 2, &restore, err);
	if (rc)
		goto out;
	for (i = 0; i < schemas->nrows; i++) {
		sbuf_adds(&sql, i ? ", " : "DROP SCHEMA ");
		sbuf_adds(&sql, drv_cell(schemas, i, 0));
	}
	if (schemas->nrows)
		sbuf_adds(&sql, " CASCADE; ");
	if (!tracking_only)
		sbuf_adds(&sql, "CREATE SCHEMA IF NOT EXISTS public; ");
	for (i = 0; tracking_only && i < schemas->nrows; i++)
		sbuf_addf(&sql, "CREATE SCHEMA IF NOT EXISTS %s; ", drv_cell(schemas, i, 0));
	sbuf_adds(&sql, "CREATE SCHEMA IF NOT EXISTS ");
	sbuf_add_ident(&sql, c->schema);
	if (sbuf_failed(&sql)) {
		rc = fail_nomem(err);
		goto out;
	}
	if ((rc = simple(c, sql.buf, err)) != 0)
		goto out;
	/* Restoring an owner or a grant may be beyond the user's rights: that
	 * costs a warning, not the wipe. */
	for (i = 0; i < restore->nrows; i++) {
		PGresult *res;
		sbuf_reset(&sql);
		sbuf_addf(&sql, "SAVEPOINT strata_wipe; %s; RELEASE strata_wipe", drv_cell(restore, i, 0));
		if (sbuf_failed(&sql)) {
			rc = fail_nomem(err);
			goto out;
		}
		res = PQexec(c->pg, sql.buf);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			if (c->log) {
				struct sbuf m = SBUF_INIT;
				sbuf_addf(&m, "wipe could not restore a schema's owner or grant: %s",
				          drv_cell(restore, i, 0));
				if (!sbuf_failed(&m))
					c->log(c->log_payload, STRATA_LOG_WARN, m.buf);
				sbuf_release(&m);
			}
			if ((rc = simple(c, "ROLLBACK TO strata_wipe", err)) != 0) {
				PQclear(res);
				goto out;
			}
		}
		PQclear(res);
	}
	if (own_tx)
		rc = simple(c, "COMMIT", err);
out:
	if (rc && own_tx && PQstatus(c->pg) == CONNECTION_OK)
		PQclear(PQexec(c->pg, "ROLLBACK"));
	drv_rows_free(schemas);
	drv_rows_free(restore);
	sbuf_release(&sql);
	return rc;
}

static int pg_wipe(drv_conn *dc, struct drv_err *err)
{
	return wipe_some(dc, 0, err);
}

static int pg_wipe_schema(drv_conn *dc, struct drv_err *err)
{
	return wipe_some(dc, 1, err);
}

const struct strata_driver drv_pg = {
	.version = 6,
	.name = "postgres",
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.query = pg_query_method,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.lock = pg_lock,
	.unlock = pg_unlock,
	.split = split_pg,
	.set_timeouts = pg_set_timeouts,
	.table_name = pg_table_name,
	/* lib/introspect_pg.c */
	.introspect = pg_introspect,
	.create_db = pg_create_db,
	.drop_db = pg_drop_db,
	.wipe = pg_wipe,
	.wipe_schema = pg_wipe_schema,
	/* version 2; lib/catalog_pg.c, lib/plan_pg.c */
	.engine = SCHEMA_PG,
	.tracking_ddl = cat_pg_tracking_ddl,
	.tracking_exists = cat_pg_tracking_exists,
	.stats = cat_pg_stats,
	.plan = plan_pg,
	.needs_rebuild = NULL,
	.wipe_schema_list = cat_pg_wipe_schema_list,
	.scratch_url = cat_pg_scratch_url,
	/* version 4 */
	.exec_then = pg_exec_then,
	.elapsed_sql = pg_elapsed_sql,
	/* version 5; lib/catalog_pg.c */
	.dev_identify = cat_pg_dev_identify,
	.dev_same = cat_pg_dev_same,
	.dev_lock = cat_pg_dev_lock,
	.dev_objects = cat_pg_dev_objects,
	.dev_drop = cat_pg_dev_drop,
	.dev_save = cat_pg_dev_save,
	.dev_restore = cat_pg_dev_restore,
	.scratch_match = cat_pg_scratch_match,
	.read_only = NULL,   /* runner.c asks the server (pg_is_in_recovery) */
	/* version 6 */
	.exec_then_split = pg_exec_then_split,
};
