/*
 * internal.h: what the library's own files share and the public header does
 * not show: the handle, its error helper, the log helper and small file and
 * hashing utilities (util.c).
 */
#ifndef STRATA_INTERNAL_H
#define STRATA_INTERNAL_H

#include <stddef.h>
#include "strata.h"
#include "sbuf.h"
#include "driver.h"
#include "fileio.h"

struct migration_shared; /* migration.h */

struct strata_db {
	struct strata_url url;
	drv_conn *conn;                  /* NULL when the connection failed */
	char *dir, *table, *pg_schema;
	long lock_timeout_ms, statement_timeout_ms, busy_timeout_ms;
	int keep_backups, no_backup;
	int no_create;                   /* strata_config.no_create (version 2) */
	strata_log_fn log;
	void *log_payload;
	int errcode;
	struct sbuf errmsg;
	int errwhy;                      /* STRATA_WHY_* of the last failure, 0: none */
	char *errarg[3];                 /* what it names (strata_errarg()), owned */
	struct sbuf qtable;              /* the tracking table, quoted and qualified */
	int tracking_ready;              /* the tracking table is known to exist */
	const struct migration_shared *shared; /* lib/fleet.c: the migration files, read
	                                  once for a whole fleet and lent; NULL: the
	                                  runner reads db->dir itself */
	const strata_migration_source *source; /* strata_config.source (version 3): lent */
	const struct run_hooks *hooks;   /* during strata_up()/strata_down(): the caller's
	                                    hooks (hook.c); NULL otherwise */
	int progress;                    /* strata_config.progress (version 4), with a log */
};

/* hook.c: the before-each/after-each callbacks of the current run. */
struct run_hooks {
	strata_hook_fn before, after;
	void *payload;
};
/* Call db->hooks' before (after = 0) or after hook for one migration, when
 * set. 0, or STRATA_EHOOK with the message on db. */
int hook_call(strata_db *db, int after, const char *direction, const char *version,
              const char *name, int no_tx);

/* Set the handle's error (the one helper that does, as sqlite3ErrorWithMsg). Returns code. */
int db_error(strata_db *db, int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* After db_error(): say what the failure concerns (STRATA_WHY_*, with up
 * to three things it names, copied; NULL for none), so that a caller words
 * its own advice. Returns the handle's code, for `return db_why(...)`. */
int db_why(strata_db *db, int why, const char *a0, const char *a1, const char *a2);
/* The version field of an options struct the caller passed (type: its
 * name, known: the version this library was built with): 0 if version is
 * one this library can read, else STRATA_EUSAGE with the error on db.
 * Checked before any other field is read, as libgit2's
 * GIT_ERROR_CHECK_VERSION: a struct that skipped its _INIT (version 0) or
 * comes from a newer header would be read field by field wrongly. */
int db_check_version(strata_db *db, const char *type, int version, int known);
/* runner.c: STRATA_EREADONLY, said before anything runs, when the database
 * cannot be written (a read-only SQLite file or folder, a PostgreSQL standby
 * or read-only session); 0 when it can. */
int db_writable_check(strata_db *db);
/* Take a driver error onto the handle, prefixed by context when not NULL. */
int db_error_drv(strata_db *db, const struct drv_err *e, const char *context);
/* Run sql, which begins at line first_line of the file named where, on c. On
 * failure the handle's message is "where:LINE: engine message", LINE being the
 * failing statement's line in that file, and its code what recode makes of the
 * driver's (what a failure means depends on whose SQL it is); returns it. */
int db_exec_at(strata_db *db, drv_conn *c, const char *sql, const char *where, long first_line,
               int (*recode)(int code));
/* db_exec_at(), then the one statement then_sql with params, as one unit
 * and one round trip where the engine allows (drv_exec_then(); ms_param
 * as there). A failure of then_sql is said after then_context, with its
 * code unchanged; one of sql as db_exec_at() says it. st: sql as the
 * driver's split made it, kept by the caller (NULL: the driver splits). */
int db_exec_then_at(strata_db *db, drv_conn *c, const char *sql, const struct drv_stmts *st,
                    const char *where, long first_line, int (*recode)(int code),
                    const char *then_sql,
                    const char *const *params, int nparams, int ms_param,
                    const char *then_context);
void db_clear_error(strata_db *db);
void db_log(strata_db *db, int level, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* lint.c: 1 when rule (a lint rule id) marks a statement that destroys data,
 * or that lint cannot judge (dynamic-sql): `up` asks before running it. */
int lint_rule_is_destructive(const char *rule);
/* lint.c: lint the pending migrations files[0..n) (their contents, in the
 * order they run) for `up`, with the connection conn (NULL: none) saying
 * what type each column has now, and tables an earlier one creates counted
 * as new. A file lint cannot read is left out. 0 or STRATA_ENOMEM. */
int lint_pending(drv_conn *conn, const char *engine, const char *const *files,
                 const char *const *contents, const size_t *lens, size_t n,
                 strata_lint_report **out);
/* 1 when the PostgreSQL script sql calls pg_advisory_unlock_all() (which
 * would release the runner's lock), also from a DO block, a function body
 * or an EXECUTE string; *offset is then where its statement starts. 0 when
 * not; STRATA_ENOMEM. */
int lint_find_lock_release(const char *sql, size_t *offset);
/* lint.c: the value of boolean option name in a parse tree's DefElem list
 * (VACUUM (FULL false)): dflt when absent, 1 when given without a value. */
struct json_t;
int lint_option_on(struct json_t *list, const char *name, int dflt);
int lint_is_applied(const strata_report *st, const char *path);

/* One PostgreSQL statement parsed by libpg_query into a jansson tree
 * (split_pg.c): what split, lint and locks read. */
struct pgq_stmt {
	struct json_t *root;   /* the whole tree, owned; NULL when the text did not
	                          parse, or jansson refused the tree (too deep) */
	const char *type;      /* the first statement's node type ("IndexStmt"),
	                          borrowed from root; NULL when there is none */
	struct json_t *node;   /* that statement's node, borrowed from root */
	int syntax_error;      /* 1 when libpg_query refused the text ... */
	char *errmsg;          /* ... with this message (owned) */
};
/* Parse sql[0..len) (it need not end there) into *out. 0, or
 * STRATA_ENOMEM (*out then empty); a syntax error is 0 with
 * out->syntax_error set. Release with pgq_stmt_release() in every case. */
int pgq_parse_one(const char *sql, size_t len, struct pgq_stmt *out);
void pgq_stmt_release(struct pgq_stmt *p);

/* util.c */
/*
 * SHA-256 of data with CRLF folded to LF, as 64 lowercase hex digits in
 * out[65]: a migration's checksum, as strata_migrations and strata.sum keep
 * it. h: a hasher to reuse across calls (start it as UTIL_SHA256_INIT,
 * end it with util_sha256_release()), or NULL for a single digest.
 * 0, or STRATA_ENOMEM (out is then "").
 */
struct util_sha256 {
	char unused;    /* a hasher holds nothing today (util.c says why); the
	                   type stays, so that a load can keep one again */
};
#define UTIL_SHA256_INIT { 0 }
int util_sha256_hex_lf(struct util_sha256 *h, const char *data, size_t len, char out[65]);
/* Free what the hasher holds and return it to UTIL_SHA256_INIT; NULL is a no-op. */
void util_sha256_release(struct util_sha256 *h);
/* SHA-256 of data as is. */
void util_sha256_hex(const char *data, size_t len, char out[65]);
/* UTC now as "YYYY-MM-DD HH:MM:SS" (out[20]) and as "YYYYMMDDHHMMSS" (out[15]). */
void util_now_sql(char out[20]);
void util_now_version(char out[15]);
/* The timestamp version one second after last (YYYYMMDDHHMMSS), in out;
 * -1 when last is not such a timestamp. */
int util_version_after(const char *last, char out[15]);
/* Monotonic milliseconds. */
long util_ms(void);
/* 1 if s[0..len) is valid UTF-8; else 0 and *bad_off the offset of the first bad byte. */
int util_utf8_valid(const char *s, size_t len, size_t *bad_off);
/* Line number (1-based) of byte offset off in s. */
long util_line_of(const char *s, size_t off);

#endif
