/*
 * driver.h: the database driver vtable, one `const struct strata_driver` per
 * engine (driver_sqlite.c, driver_pg.c), in the spirit of sqlite3_vfs.
 *
 * The core never calls a method directly: it calls the drv_* wrappers in
 * driver.c, which check the contract, keep the error, and carry the
 * fault-injection seam the tests use (STRATA_FAULT, see driver.c; compiled
 * into test builds only).
 *
 * Versioning: `version` comes first and methods are only ever appended.
 *   version 1: open .. wipe_schema.
 *   version 2: engine, and the engine knowledge the core used to hold
 *              itself: the tracking table's DDL and existence query
 *              (tracking.c), the catalog queries of `stats` (stats.c),
 *              what wipe_schema would drop (reset --hard asks first),
 *              where a scratch database is (scratch.c opens and drops it), and
 *              the planner hooks (declarative.c passes needs_rebuild into
 *              the differ through struct diff_opts, so diff.c never calls
 *              a planner). Their SQL lives in catalog_sqlite.c and
 *              catalog_pg.c, beside each driver.
 *   version 3: dev_check.
 *   version 4: exec_then and elapsed_sql: a migration's SQL and its
 *              tracking row in one round trip (runner.c, tracking.c).
 *   version 5: the proofs and the care a scratch database on a server
 *              needs (dev_identify .. dev_restore, scratch_match: the SQL
 *              scratch.c used to hold, now in catalog_pg.c), and
 *              read_only, for runner.c's check before a run (runner.c
 *              no longer reaches for the sqlite3 handle there). scratch.c
 *              names no engine.
 *   version 6: exec_then_split: exec_then of a script the caller has
 *              already split (runner.c splits each migration once, for
 *              its checks, and hands the split on).
 *
 * Errors: a method that fails returns a negative STRATA_E* code and fills
 * the struct drv_err it was given (message one line, no trailing newline,
 * never containing a password).
 */
#ifndef STRATA_DRIVER_H
#define STRATA_DRIVER_H

#include <stddef.h>
#include "engine.h"
#include "sbuf.h"
#include "strata.h"

struct schema;     /* lib/schema.h */
struct diff;       /* lib/diff.h */
struct diff_table;
struct plan_opts;

/* A parsed database URL (url.c). All strings owned by the struct. */
struct strata_url {
	char *engine;   /* "sqlite" or "postgres" */
	char *path;     /* sqlite: file path, or ":memory:" */
	char *conninfo; /* postgres: the URL as libpq takes it (password included: never print) */
	char *redacted; /* the URL with the password replaced by "****": safe to print */
};

/* What a failed driver call leaves. */
struct drv_err {
	int code;            /* STRATA_E* */
	char sqlstate[6];    /* PostgreSQL SQLSTATE, "" otherwise */
	long offset;         /* byte offset, in the SQL given to exec, of the failing
	                        statement's start; -1 if unknown */
	long stmt_len;       /* its length in bytes; -1 if unknown */
	struct sbuf msg;     /* the engine's message */
	struct sbuf detail;  /* PostgreSQL DETAIL, may be empty */
	struct sbuf hint;    /* PostgreSQL HINT, may be empty */
	int why;             /* STRATA_WHY_* the handle takes over (db_error_drv); 0: none */
	int exists;          /* create_db: the database was there already (or another
	                        session made it at the same moment), so nothing was made */
};
void drv_err_init(struct drv_err *e);
void drv_err_release(struct drv_err *e);
void drv_err_set(struct drv_err *e, int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* s appended with every run of white space folded to one space, trimmed. */
void drv_add_flat(struct sbuf *sb, const char *s);
/* e emptied and set to code. */
void drv_err_reset(struct drv_err *e, int code);
/* e = code, prefix (or NULL) + text flattened to one printable line; "out
 * of memory" when that could not be said. Returns e->code. */
int drv_fail_text(struct drv_err *e, int code, const char *prefix, const char *text);

/* Rows of a query, every cell as text (NULL for SQL NULL). */
struct drv_rows {
	size_t nrows, ncols;
	char **cells;        /* nrows * ncols, row-major */
};
static inline const char *drv_cell(const struct drv_rows *r, size_t row, size_t col)
{
	return r->cells[row * r->ncols + col];
}
void drv_rows_free(struct drv_rows *r);

/* One statement of a split script. */
struct drv_stmt {
	size_t offset, len;   /* bytes into the script */
	const char *no_tx;    /* static text naming why it cannot run in a
	                         transaction ("CREATE INDEX CONCURRENTLY"), or NULL */
	const char *copy;     /* PostgreSQL: static text naming a client COPY
	                         ("COPY FROM STDIN"), which exec refuses, or NULL */
};
struct drv_stmts {
	size_t n;
	struct drv_stmt *v;
};
void drv_stmts_release(struct drv_stmts *s);

/* What a connection is opened with. */
struct drv_open_opts {
	long busy_timeout_ms;   /* how long to wait for a lock held by another runner */
	const char *pg_schema;  /* postgres: schema for the tracking table; NULL = search_path */
	strata_log_fn log;      /* for notices such as "waiting for lock" */
	void *log_payload;
	int create;             /* sqlite: create the file if missing (default 1) */
	int progress;           /* exec reports long statements to log (watch.h) */
};

/*
 * Every connection begins with this; drivers embed it as their first member.
 */
typedef struct drv_conn {
	const struct strata_driver *driver;
	long fault_countdown[5]; /* driver.c, test builds: fail the Nth exec, query, begin,
	                            commit, lock (STRATA_FAULT); 0 = off */
	int in_tx;              /* driver.c keeps it: inside begin..commit/rollback */
	const char *watch_where; /* during db_exec_at(): the file the SQL given to exec
	                            comes from, and the line it starts at, for what a
	                            long statement reports (watch.h); NULL otherwise */
	long watch_line;
} drv_conn;

struct strata_driver {
	int version;            /* 6: the fields below its banner are there */
	const char *name;       /* "sqlite", "postgres" */

	/* Connect. May assume url->engine matches. On failure *out is NULL and
	 * err says why (STRATA_ECONNECT, STRATA_ENOTADB, STRATA_ENOTFOUND ...). */
	int (*open)(drv_conn **out, const struct strata_url *url,
	            const struct drv_open_opts *opts, struct drv_err *err);
	/* Disconnect and free; NULL is never passed. */
	void (*close)(drv_conn *c);

	/* Run a script of zero or more statements. On failure, err->offset and
	 * err->stmt_len locate the failing statement in sql. PostgreSQL sends
	 * the whole script in as few round trips as the protocol allows. */
	int (*exec)(drv_conn *c, const char *sql, struct drv_err *err);

	/* Run one statement with parameters $1..$n (text), rows into *out
	 * (may be NULL for statements without rows; *out is NULL on failure). */
	int (*query)(drv_conn *c, const char *sql, const char *const *params,
	             int nparams, struct drv_rows **out, struct drv_err *err);

	/* Transactions. SQLite's begin takes the write lock at once (BEGIN
	 * IMMEDIATE), waiting up to busy_timeout_ms and logging that it waits. */
	int (*begin)(drv_conn *c, struct drv_err *err);
	int (*commit)(drv_conn *c, struct drv_err *err);
	int (*rollback)(drv_conn *c, struct drv_err *err);

	/* The runner's lock, for a whole run. PostgreSQL: a session advisory
	 * lock keyed on key; logs once that it waits. SQLite: may be NULL
	 * (begin is the lock). */
	int (*lock)(drv_conn *c, const char *key, struct drv_err *err);
	int (*unlock)(drv_conn *c, const char *key, struct drv_err *err);

	/* Split a script into statements (needs no connection), flagging those
	 * that cannot run inside a transaction. */
	int (*split)(const char *sql, struct drv_stmts *out, struct drv_err *err);

	/* Inside the current transaction, apply per-migration timeouts
	 * (PostgreSQL SET LOCAL); 0 means leave as is. May be NULL. */
	int (*set_timeouts)(drv_conn *c, long lock_ms, long statement_ms, struct drv_err *err);

	/* The qualified name of the tracking table for this connection,
	 * appended to out, quoted ("schema"."table" on PostgreSQL). */
	void (*table_name)(drv_conn *c, const char *table, struct sbuf *out);

	/* Read the live schema into a new model (lib/schema.h). schema_name:
	 * PostgreSQL schema to read, NULL for all non-system schemas. */
	int (*introspect)(drv_conn *c, const char *schema_name, struct schema **out,
	                  struct drv_err *err);

	/* Development: create / drop the database of url itself. */
	int (*create_db)(const struct strata_url *url, struct drv_err *err);
	int (*drop_db)(const struct strata_url *url, struct drv_err *err);

	/* Drop every object in the database: SQLite drops every object (the
	 * same function as wipe_schema); PostgreSQL drops and recreates every
	 * schema the user may drop. Both inside the caller's transaction when
	 * there is one, else in their own. No caller today: a --dev-url
	 * database is never wiped (scratch.c drops only what it created) and
	 * reset --hard uses wipe_schema; kept, as methods are only appended. */
	int (*wipe)(drv_conn *c, struct drv_err *err);

	/* reset --hard: drop what the migrations manage and nothing else.
	 * SQLite: every object of the main database, inside the caller's
	 * transaction (or one of its own), so that a crash leaves the old
	 * database; PostgreSQL: the first schema of search_path (where the
	 * migrations' unqualified objects go) and the tracking schema, dropped
	 * and created again with their owner and grants; never another schema. */
	int (*wipe_schema)(drv_conn *c, struct drv_err *err);

	/* ---- version 2 ---- */

	int engine;             /* SCHEMA_SQLITE, SCHEMA_PG (engine.h) */

	/* Append to out the SQL that creates the tracking table qtable (quoted
	 * and qualified, as table_name gives it) when it is missing, with the
	 * schema it lives in (pg_schema; NULL: the connection's default): the
	 * table's first version; later columns are added by tracking.c's
	 * upgrades. Needs no connection. */
	void (*tracking_ddl)(const char *qtable, const char *pg_schema, struct sbuf *out);
	/* Whether the tracking table exists (*exists) and has the columns of
	 * its first upgrade (*has_up: up_checksum), in one query. table: the
	 * name as configured; qtable: as table_name quoted it. */
	int (*tracking_exists)(drv_conn *c, const char *table, const char *qtable, int *exists,
	                       int *has_up, struct drv_err *err);

	/* `stats`: st holds one entry per table of model, in its order, named,
	 * rows and bytes -1; fill rows (rows_estimated when estimated), bytes
	 * (indexes included) and st->total_bytes from the engine's catalogs.
	 * exact: count rows rather than estimate. A number the engine cannot
	 * give stays -1. */
	int (*stats)(drv_conn *c, const struct schema *model, strata_stats_report *st, int exact,
	             struct drv_err *err);

	/* The planner: the SQL of d's changes (restricted by o) appended to
	 * sql; *no_tx set when a statement cannot run in a transaction.
	 * 0 or STRATA_ENOMEM / STRATA_EUNSUPPORTED. Needs no connection. */
	int (*plan)(const struct diff *d, const struct plan_opts *o, struct sbuf *sql, int *no_tx);
	/* Whether ALTER TABLE can take table pair p of d: 1 and *why (a
	 * phrase to free) when the table must be rebuilt, 0 when not,
	 * STRATA_ENOMEM. NULL: the engine alters every table in place. */
	int (*needs_rebuild)(const struct diff *d, const struct diff_table *p, char **why);

	/* What wipe_schema would drop, one row per object, its first cell a
	 * phrase ("table users", "schema app"), for reset --hard to ask
	 * about first. pg_schema: the tracking table's schema (NULL: none
	 * given). */
	int (*wipe_schema_list)(drv_conn *c, const char *pg_schema, struct drv_rows **out,
	                        struct drv_err *err);

	/* Where a scratch database for target (scratch.c) is: *url, a new URL
	 * string to free. *made 0: a private database that opening makes and
	 * closing drops (SQLite's memory; name unused); 1: one called name on
	 * target's server, which the caller makes with create_db and drops
	 * with drop_db (name NULL: only *made is asked; *url may be NULL).
	 * Needs no connection. 0 or STRATA_ENOMEM. */
	int (*scratch_url)(const struct strata_url *target, const char *name, char **url, int *made);

	/* ---- version 3 ---- */

	/* Prove that dev, given as --dev-url where the scratch database is a
	 * private one (scratch_url's *made 0), is not target and holds no
	 * object, without writing to it: 0, or STRATA_EUSAGE (and the others
	 * of open) with err saying why. NULL: nothing to prove. A dev
	 * database on a server (made 1) is proven, locked and emptied after
	 * by scratch.c, through the version 5 methods (dev_identify ..). */
	int (*dev_check)(const struct strata_url *dev, const struct strata_url *target,
	                 struct drv_err *err);

	/* ---- version 4 ---- */

	/* Run the script sql as exec does, then the one statement then_sql with
	 * text parameters $1..$nparams as query does (its rows, if any, are
	 * dropped): one unit, so that a migration and its tracking row cost
	 * one round trip. PostgreSQL inside a transaction sends sql and then_sql
	 * as one simple-protocol message, the parameters as literals (then_sql
	 * runs only when every statement of sql succeeded); elsewhere it is
	 * exec, then query.
	 * sql with no statement: then_sql alone.
	 * ms_param: the index in params of how long sql took, in milliseconds,
	 * or -1. The driver measures it, the caller's value is a fallback, and
	 * then_sql must spell that parameter as elapsed_sql says.
	 * On failure *then_failed is 0 when sql failed (err->offset and
	 * stmt_len locate the statement in sql, as exec's), 1 when then_sql
	 * did (offset -1). On PostgreSQL, a script that ended the transaction
	 * it ran in (COMMIT or ROLLBACK) fails as sql, and a then_sql that
	 * reads ms_param is not committed by it. */
	int (*exec_then)(drv_conn *c, const char *sql, const char *then_sql,
	                 const char *const *params, int nparams, int ms_param,
	                 int *then_failed, struct drv_err *err);
	/* Append to out the SQL expression by which then_sql reads exec_then's
	 * ms_param, numbered n ($n). NULL: "$n" itself (the driver binds what
	 * it measured). PostgreSQL measures on the server, in the pipeline. */
	void (*elapsed_sql)(int n, struct sbuf *out);

	/* ---- version 5 ---- */

	/* A --dev-url database on a server (scratch_url's *made 1), which
	 * scratch.c proves safe, locks, and empties of what the run made
	 * there: the steps are these, the order and the messages scratch.c's.
	 * The driver of an engine whose scratch database is private (SQLite)
	 * leaves all of them NULL: scratch.c never calls them there, and the
	 * drv_* wrappers answer STRATA_EUNSUPPORTED.
	 *
	 * dev_identify: which server and database c is, as the server says
	 * (not as the URL spells it), as a new string to free; 0, or the
	 * failure with err set. dev_same: 1 when two such strings name the
	 * same database, 0 when not. */
	int (*dev_identify)(drv_conn *c, char **id, struct drv_err *err);
	int (*dev_same)(const char *a, const char *b);
	/* Try once, without waiting, to take the session lock that keeps two
	 * runs out of one dev database: *got 1 when taken (held until c
	 * closes), 0 when another session holds it. 0, or the failure. */
	int (*dev_lock)(drv_conn *c, int *got, struct drv_err *err);
	/* Every user object of the database c is on, one row each as (type,
	 * identity), both phrases for a message (none: the database is
	 * empty); what the engine's fresh database holds is not listed. */
	int (*dev_objects)(drv_conn *c, struct drv_rows **out, struct drv_err *err);
	/* Drop the object of one row of dev_objects, and what depends on it
	 * (already gone: not an error). A type it does not know is left: 0. */
	int (*dev_drop)(drv_conn *c, const char *type, const char *identity,
	                struct drv_err *err);
	/* Note what of the empty dev database a run may change and must give
	 * back (PostgreSQL: the public schema's comment, owner and ACL; its
	 * comment is taken off for the run), as *state (NULL: nothing). 0, or
	 * the failure, err's message saying what failed first. */
	int (*dev_save)(drv_conn *c, void **state, struct drv_err *err);
	/* Give back what dev_save noted, where changed, and free state (c
	 * NULL: only free it). 0, or the failure (state freed all the same). */
	int (*dev_restore)(drv_conn *c, void *state, struct drv_err *err);
	/* Make the scratch session resolve unqualified names as the target's
	 * does (PostgreSQL: its search_path, its first schema made there when
	 * missing). 0, or the failure, err's message saying which side failed.
	 * NULL: nothing to do. */
	int (*scratch_match)(drv_conn *target, drv_conn *scratch, struct drv_err *err);

	/* Whether c's database is read-only as opened, without asking a
	 * server: 1 read-only, 0 writable; *file (when not NULL) is set to the
	 * file the database is in, owned by c, or NULL (none, or memory).
	 * NULL: the engine cannot tell this way (PostgreSQL: runner.c asks the
	 * server), and the wrapper answers -1. */
	int (*read_only)(drv_conn *c, const char **file);

	/* ---- version 6 ---- */

	/* exec_then, with st the split of sql by this driver's split method
	 * (not changed, still the caller's): the driver does not split sql
	 * again. NULL: the wrapper calls exec_then, which splits. */
	int (*exec_then_split)(drv_conn *c, const char *sql, const struct drv_stmts *st,
	                       const char *then_sql, const char *const *params, int nparams,
	                       int ms_param, int *then_failed, struct drv_err *err);
};

extern const struct strata_driver drv_sqlite;
extern const struct strata_driver drv_pg;

/* The sqlite3 handle of a SQLite connection, NULL for other engines: for
 * what only SQLite has and the core uses as such (backup.c's online
 * backup, sandbox.c's authorizer, declarative.c); not for a question both
 * engines answer, which belongs in the vtable (read_only, version 5). */
struct sqlite3;
struct sqlite3 *drv_sqlite_handle(drv_conn *c);

/* url.c */
int url_parse(const char *url, struct strata_url *out, struct drv_err *err);
void url_release(struct strata_url *u);
/* The secrets in a postgres:// URL (user:PASSWORD@, ?password=,
 * ?sslpassword=) as spans of url, in order; returns the query's offset. */
size_t url_secret_spans(const char *url, void (*fn)(void *ctx, size_t off, size_t len), void *ctx);
/* url with every secret of url_secret_spans() replaced by "****" (a new
 * string to free(); NULL when out of memory). */
char *url_redact(const char *url);

/* driver.c: the driver of a URL's engine (NULL for none), and the wrappers
 * the core calls. */
const struct strata_driver *driver_for(const struct strata_url *u);
/* The driver of engine (SCHEMA_*), NULL for none. */
const struct strata_driver *driver_for_engine(int engine);
/* The engine a name means ("sqlite", "sqlite3", "postgres", "postgresql",
 * as URLs and `lint --engine` spell it), -1 for none. */
int engine_from_name(const char *name);
/* create_db / drop_db of d, or STRATA_EUNSUPPORTED when d has none. A
 * database that already exists: the message says so and err->exists is set,
 * to tell it by whatever the engine (PostgreSQL's 42P04, or the 23505 of
 * two CREATE DATABASEs of one name at the same moment). */
int drv_create_db(const struct strata_driver *d, const struct strata_url *url,
                  struct drv_err *err);
int drv_drop_db(const struct strata_driver *d, const struct strata_url *url, struct drv_err *err);
int drv_open(drv_conn **out, const struct strata_url *url, const struct drv_open_opts *o,
             struct drv_err *err);
void drv_close(drv_conn *c);
int drv_exec(drv_conn *c, const char *sql, struct drv_err *err);
int drv_query(drv_conn *c, const char *sql, const char *const *params, int nparams,
              struct drv_rows **out, struct drv_err *err);
int drv_begin(drv_conn *c, struct drv_err *err);
int drv_commit(drv_conn *c, struct drv_err *err);
int drv_rollback(drv_conn *c, struct drv_err *err);
int drv_lock(drv_conn *c, const char *key, struct drv_err *err);
int drv_unlock(drv_conn *c, const char *key, struct drv_err *err);
int drv_split(const struct strata_driver *d, const char *sql, struct drv_stmts *out,
              struct drv_err *err);
int drv_set_timeouts(drv_conn *c, long lock_ms, long statement_ms, struct drv_err *err);
void drv_table_name(drv_conn *c, const char *table, struct sbuf *out);
int drv_introspect(drv_conn *c, const char *schema_name, struct schema **out,
                   struct drv_err *err);
int drv_wipe(drv_conn *c, struct drv_err *err);
int drv_wipe_schema(drv_conn *c, struct drv_err *err);
void drv_tracking_ddl(drv_conn *c, const char *qtable, const char *pg_schema, struct sbuf *out);
int drv_tracking_exists(drv_conn *c, const char *table, const char *qtable, int *exists,
                        int *has_up, struct drv_err *err);
int drv_wipe_schema_list(drv_conn *c, const char *pg_schema, struct drv_rows **out,
                         struct drv_err *err);
int drv_stats(drv_conn *c, const struct schema *model, strata_stats_report *st, int exact,
              struct drv_err *err);
int drv_scratch_url(const struct strata_driver *d, const struct strata_url *target,
                    const char *name, char **url, int *made);
int drv_dev_check(const struct strata_driver *d, const struct strata_url *dev,
                  const struct strata_url *target, struct drv_err *err);
/* exec_then (version 4); the fault seam counts it as one exec, then one
 * query, as the two calls it replaces. */
int drv_exec_then(drv_conn *c, const char *sql, const char *then_sql, const char *const *params,
                  int nparams, int ms_param, int *then_failed, struct drv_err *err);
/* The same with the caller's split of sql (version 6; st NULL, or a driver
 * without the method: drv_exec_then). */
int drv_exec_then_split(drv_conn *c, const char *sql, const struct drv_stmts *st,
                        const char *then_sql, const char *const *params, int nparams,
                        int ms_param, int *then_failed, struct drv_err *err);
void drv_elapsed_sql(drv_conn *c, int n, struct sbuf *out);
/* version 5: the methods of that name; STRATA_EUNSUPPORTED (err set) when
 * c's driver has none; drv_dev_same 0 then. drv_dev_restore frees state
 * in every case (c may be NULL). drv_scratch_match: 0 when there is none.
 * drv_read_only: -1 when there is none, or c is NULL. */
int drv_dev_identify(drv_conn *c, char **id, struct drv_err *err);
int drv_dev_same(drv_conn *c, const char *a, const char *b);
int drv_dev_lock(drv_conn *c, int *got, struct drv_err *err);
int drv_dev_objects(drv_conn *c, struct drv_rows **out, struct drv_err *err);
int drv_dev_drop(drv_conn *c, const char *type, const char *identity, struct drv_err *err);
int drv_dev_save(drv_conn *c, void **state, struct drv_err *err);
int drv_dev_restore(const struct strata_driver *d, drv_conn *c, void *state, struct drv_err *err);
int drv_scratch_match(drv_conn *target, drv_conn *scratch, struct drv_err *err);
int drv_read_only(drv_conn *c, const char **file);
/* d's planner; STRATA_EUNSUPPORTED when d has none. */
int drv_plan(const struct strata_driver *d, const struct diff *df, const struct plan_opts *o,
             struct sbuf *sql, int *no_tx);

#endif
