/*
 * strata.h: the public API of libstrata, the schema-migration library behind
 * the `strata` program. This is the only header an embedding program needs.
 *
 * Conventions, stated once:
 *  - Functions return int: 0 (STRATA_OK) on success, a negative STRATA_E*
 *    code on failure; the message is then on the handle (strata_errmsg()).
 *  - What comes back through a `**` out-parameter is the caller's and has a
 *    matching _free(); on failure *out is set to NULL.
 *  - const char * returned by a getter is lent: valid until the next call on
 *    the same handle unless the comment says otherwise.
 *  - Every _free() and strata_close() accepts NULL, and so does every getter
 *    of a handle (strata_errmsg(), strata_errcode(), strata_errwhy(),
 *    strata_errarg(), strata_engine(), strata_url_redacted()): NULL is what
 *    strata_open() leaves when it runs out of memory. The other calls need
 *    a handle.
 *  - A message says what happened and never which command or flag of the
 *    strata program to use: the way out is the caller's to word, keyed by
 *    strata_errwhy().
 *  - Options structs (strata_config, strata_*_opts) start with version:
 *    initialise them with their _INIT macro. ^A version of 0 (a struct not
 *    initialised so) or one newer than the library knows fails the call
 *    with STRATA_EUSAGE, "strata_up_opts version N is not supported",
 *    before anything else is read or done. A NULL struct means defaults.
 *  - The library never prints and never exits. Notices (waiting for a lock,
 *    a backup restored) go to the log callback set in strata_config.
 *  - There is no global state: one strata_db per database, used by one thread
 *    at a time; many may be used in parallel.
 */
#ifndef STRATA_H
#define STRATA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The version of this header. STRATA_VERSION_NUMBER is 0xXXYYZZ (major,
 * minor, patch), for #if; strata_libversion() is the version of the library
 * actually loaded, which may be newer than the header a program was built
 * with (the soname changes only when the ABI breaks).
 */
#define STRATA_VERSION "0.1.0"
#define STRATA_VERSION_MAJOR 0
#define STRATA_VERSION_MINOR 1
#define STRATA_VERSION_PATCH 0
#define STRATA_VERSION_NUMBER 0x000100

/*
 * STRATA_EXTERN marks the public API. libstrata is compiled with
 * -fvisibility=hidden and STRATA_BUILDING defined, so only what is marked
 * here is exported from libstrata.so (and left global in libstrata.a):
 * the library's internal names cannot clash with an application's own.
 */
#if defined(STRATA_BUILDING) && defined(__GNUC__)
#define STRATA_EXTERN __attribute__((visibility("default")))
#else
#define STRATA_EXTERN
#endif

/* Result codes. Negative so that a function may also return a count. */
enum {
	STRATA_OK = 0,
	STRATA_ERROR = -1,        /* generic failure; see the message */
	STRATA_ENOMEM = -2,       /* out of memory */
	STRATA_EUSAGE = -3,       /* bad arguments to a call (bad usage) */
	STRATA_EPARSE = -4,       /* a migration file or other input is malformed */
	STRATA_ENOTFOUND = -5,    /* no such migration, file, directory or database */
	STRATA_EIO = -6,          /* reading or writing a file failed */
	STRATA_ECONNECT = -7,     /* the database could not be opened or reached */
	STRATA_ESQL = -8,         /* the engine rejected a statement */
	STRATA_ECHECKSUM = -9,    /* an applied migration was edited since */
	STRATA_ELOCKED = -10,     /* another runner holds the lock (timeout) */
	STRATA_EIRREVERSIBLE = -11, /* down of a migration without a down section */
	STRATA_EORDER = -12,      /* pending migration older than an applied one */
	STRATA_EFAILED = -13,     /* a migration is recorded as failed: use mark */
	STRATA_EDESTRUCTIVE = -14, /* destructive change not allowed */
	STRATA_EURL = -15,        /* a database URL that cannot be understood */
	STRATA_ENOTADB = -16,     /* the file is not a database of that engine */
	STRATA_EREADONLY = -17,   /* the database or its folder is read-only */
	STRATA_EMISSING = -18,    /* an applied migration's file is missing */
	STRATA_EUNSUPPORTED = -19, /* the engine cannot do this */
	STRATA_EFULL = -20,       /* the disk is full */
	STRATA_EDRIFT = -21,      /* a check found differences (verify) */
	STRATA_EFOREIGN = -22,    /* another tool's migration history, none of strata's */
	STRATA_EHOOK = -23        /* a before-each or after-each hook stopped the run */
};

/* The library's version, "0.1.0": a static string, never NULL. */
STRATA_EXTERN const char *strata_libversion(void);

/* Log levels of the messages passed to strata_log_fn. */
enum { STRATA_LOG_DEBUG = 0, STRATA_LOG_INFO = 1, STRATA_LOG_NOTICE = 2, STRATA_LOG_WARN = 3 };

/*
 * Not a level but a kind, given only to a handle whose strata_config.progress
 * asks for it: what a statement of a migration (or of a push) does while it
 * runs long. ^The first message comes once the statement has run about a
 * second, the next every few seconds (the gap grows with the time it has
 * run), each one line that replaces the one before, as a status line does:
 * "migrations/0004_big.sql:3: running for 3s, 120000 rows written";
 * a SQLite table rebuild's copy: "...: copying table users to its new form,
 * 120000 rows so far, 3s"; on PostgreSQL, from a second connection that
 * only reads pg_stat_activity and pg_locks: "...: waiting 3s for a lock on
 * table public.orders held by pid 4242 (app 'psql', idle in transaction:
 * 'UPDATE orders ...', for 12s)". ^When a statement that was reported on
 * ends, an empty message says so: what was shown can go. ^It is sent from
 * inside the running statement: the callback must not call the library with
 * that handle. Its value is below STRATA_LOG_DEBUG, so a callback that
 * keeps the levels from some level up leaves it out.
 */
#define STRATA_LOG_PROGRESS (-1)

/*
 * The log callback: msg is one line without a newline, lent for the call.
 * Called from the thread that called into the library.
 */
typedef void (*strata_log_fn)(void *payload, int level, const char *msg);

/*
 * Migrations that are not files of a directory: compiled into the program
 * (`strata embed -o FILE.c` writes such a source), or produced by it.
 * ^A file's name is what it would be called in a directory
 * ("0001_create_users.sql") and is held to the same rules; its content is
 * parsed, hashed and refused exactly as a file's would be. ^checksum, when
 * not NULL, is the SHA-256 (64 lowercase hex digits) of the content as
 * strata records it: a content that does not hash to it fails the call
 * with STRATA_ECHECKSUM, before anything runs.
 */
typedef struct strata_migration_file {
	const char *name;        /* "0001_create_users.sql" */
	const char *content;     /* the file's bytes (need not be NUL-terminated) */
	size_t len;
	const char *checksum;    /* expected SHA-256 as recorded, or NULL */
} strata_migration_file;

/*
 * ^Either a list (files[0..n)) or a callback: next(payload, i, &f) fills f
 * with the i-th migration (i from 0, in any order of versions) and returns
 * 1, or returns 0 after the last one, or a negative STRATA_E* code to fail
 * the load (with message "<label>: cannot read the migrations"). What next
 * lends must stay valid until the call that asked for it returns.
 * ^sum, when not NULL, is the text of strata.sum as it was beside the
 * files (strata embed copies it): it is enforced as the file is.
 * ^The source is not copied: it must outlive every handle it is set on.
 */
typedef struct strata_migration_source {
	int version;             /* STRATA_MIGRATION_SOURCE_VERSION */
	const char *label;       /* how messages name the source ("embedded"); NULL: "embedded" */
	size_t n;
	const strata_migration_file *files;
	int (*next)(void *payload, size_t i, strata_migration_file *f); /* used when files is NULL */
	void *payload;
	const char *sum;         /* strata.sum's text, or NULL: none */
} strata_migration_source;
#define STRATA_MIGRATION_SOURCE_VERSION 1

/*
 * Configuration of a handle, copied by strata_open(): strings are duplicated,
 * so the struct may be freed right after. Initialise with STRATA_CONFIG_INIT
 * and set what you need; fields are only ever appended (version 2: no_create;
 * version 3: source; version 4: progress).
 */
typedef struct strata_config {
	int version;               /* STRATA_CONFIG_VERSION */
	const char *dir;           /* migrations directory; NULL: "migrations" */
	const char *table;         /* tracking table; NULL: "strata_migrations" */
	const char *pg_schema;     /* PostgreSQL schema of the tracking table; NULL: first of search_path */
	long lock_timeout_ms;      /* PostgreSQL SET LOCAL lock_timeout per migration; 0: none */
	long statement_timeout_ms; /* PostgreSQL SET LOCAL statement_timeout; 0: none */
	long busy_timeout_ms;      /* how long to wait for another runner; default 600000 */
	int keep_backups;          /* SQLite automatic backups kept; default 5 */
	int no_backup;             /* 1: take no automatic backup before changing a SQLite database */
	strata_log_fn log;         /* notices; NULL: dropped */
	void *log_payload;
	/* version 2: */
	int no_create;             /* 1: a SQLite file that does not exist is an error
	                              (STRATA_ENOTFOUND, "no such database file: PATH")
	                              instead of being created; for read-only work */
	/* version 3: */
	const strata_migration_source *source; /* the migrations, from memory instead of
	                              dir (which is then only named in messages, never
	                              read); not copied: it must outlive the handle.
	                              NULL: the directory */
	/* version 4: */
	int progress;              /* 1: also send STRATA_LOG_PROGRESS messages to log
	                              (what a long statement does and waits for); the
	                              targets of strata_fleet() never send them */
} strata_config;

#define STRATA_CONFIG_VERSION 4
#define STRATA_CONFIG_INIT { STRATA_CONFIG_VERSION, NULL, NULL, NULL, 0, 0, 600000, 5, 0, NULL, NULL, 0, NULL, 0 }

typedef struct strata_db strata_db;

/*
 * Create a handle for the database at url (see docs/urls.md) and connect.
 * ^On success *out is a new handle, to be released with strata_close().
 * ^On failure the return is negative and *out is still a handle (unless
 * STRATA_ENOMEM, when it is NULL) whose strata_errmsg() says what went wrong,
 * as sqlite3_open() does; strata_close() it too. cfg may be NULL (defaults);
 * ^a cfg->version the library does not know is STRATA_EUSAGE, nothing opened.
 * ^A SQLite path must name a regular file (else STRATA_ENOTADB), or nothing:
 * then the file is created, unless cfg->no_create (STRATA_ENOTFOUND).
 */
STRATA_EXTERN int strata_open(strata_db **out, const char *url, const strata_config *cfg);

/*
 * A handle not yet connected to any database: ^it holds the configuration
 * (copied from cfg, which may be NULL) and an error slot, so that the calls
 * that need no database (strata_show(), strata_lint(), strata_sum_write(),
 * strata_migration_create(), strata_database_create()/_drop()) report on it
 * like every other call. ^A call that needs a database fails on it with
 * STRATA_ECONNECT until strata_connect() succeeds. Same results as
 * strata_open(): *out is a handle unless STRATA_ENOMEM.
 */
STRATA_EXTERN int strata_new(strata_db **out, const strata_config *cfg);
/*
 * Connect a handle from strata_new() to the database at url, as
 * strata_open() does. ^On failure the message is on db, which stays
 * usable for the calls that need no database, and may connect again.
 * ^A handle already connected fails with STRATA_EUSAGE, unchanged.
 */
STRATA_EXTERN int strata_connect(strata_db *db, const char *url);

/* Disconnect and free the handle. NULL is a no-op. */
STRATA_EXTERN void strata_close(strata_db *db);

/* The message of the last failed call on db: one line, lent until the next
 * call; "not an error" after a success. ^db NULL: "out of memory". */
STRATA_EXTERN const char *strata_errmsg(const strata_db *db);
/* The code of the last failed call on db (0 if it succeeded). ^db NULL:
 * STRATA_ENOMEM. */
STRATA_EXTERN int strata_errcode(const strata_db *db);
/* Short English name of a code, such as "checksum mismatch". */
STRATA_EXTERN const char *strata_strerror(int code);

/*
 * What the last failure on db concerns, finer than its code, for a caller
 * that words its own way out (the strata program's hints, an application's
 * own screen): the message says only what happened, in the library's
 * terms, and never names a command or a flag. strata_errwhy() is one of
 * these (0 after a success, or when there is nothing more to say);
 * strata_errarg(db, i) the i-th thing it names (i from 0; NULL when none),
 * lent until the next call on db.
 */
enum {
	STRATA_WHY_NONE = 0,
	STRATA_WHY_NO_URL = 1,          /* no database URL was given */
	STRATA_WHY_NO_DATABASE = 2,     /* the server has no such database; 0: its name */
	STRATA_WHY_NO_SCHEMA = 3,       /* PostgreSQL: no schema on search_path for the
	                                   tracking table (strata_config.pg_schema names one) */
	STRATA_WHY_NO_DIR = 4,          /* the migrations directory does not exist; 0: it */
	STRATA_WHY_SUM_STALE = 5,       /* strata.sum does not match the files (rewrite it
	                                   with strata_sum_write() if the files are right) */
	STRATA_WHY_EMPTY_UP = 6,        /* an up section without a statement; 0: the file */
	STRATA_WHY_FAILED = 7,          /* a migration is recorded as failed; 0: its version;
	                                   1: "up" or "down", the call refused (strata_mark()
	                                   with applied 1 once its work is finished by hand,
	                                   0 once undone) */
	STRATA_WHY_STOPPED = 8,         /* this run: a transaction:false migration stopped
	                                   partway and is recorded as failed; 0: its version */
	STRATA_WHY_MISSING_NO_DOWN = 9, /* an applied migration's file is gone and no down
	                                   SQL was recorded; 0: its version */
	STRATA_WHY_MISSING = 10,        /* an applied migration's file is gone, its down SQL
	                                   recorded; 0: its version; 1: the version before
	                                   it, to roll back to (NULL: it is the first) */
	STRATA_WHY_EDITED_KEPT = 11,    /* an applied file was edited outside its up
	                                   section; 0: its version; 1: its path */
	STRATA_WHY_EDITED = 12,         /* an applied file's up section was edited; 0: its
	                                   version; 1: its path; 2: "redo" when it is the
	                                   last applied and has recorded down SQL, else NULL */
	STRATA_WHY_OUT_OF_ORDER = 13,   /* a pending migration older than the newest applied
	                                   (strata_up_opts.allow_out_of_order) */
	STRATA_WHY_DESTRUCTIVE = 14,    /* up: pending SQL destroys data
	                                   (strata_up_opts.refuse_destructive) */
	STRATA_WHY_NO_DOWN = 15,        /* down: no down section; 0: its version; 1: its
	                                   path when adding a down section would do, else
	                                   NULL (undo by hand, then strata_mark() 0) */
	STRATA_WHY_NO_DOWN_SQL = 16,    /* down: no down SQL recorded and the file edited
	                                   or gone; 0: its version; 1: its path when
	                                   restoring its up section and adding a down
	                                   section would do, else NULL */
	STRATA_WHY_MANAGED = 17,        /* push: migrations manage the database
	                                   (strata_push_opts.force) */
	STRATA_WHY_PUSH_DESTRUCTIVE = 18, /* push: the plan destroys data
	                                   (strata_push_opts.allow_destructive) */
	STRATA_WHY_NO_BACKUP = 19,      /* restore: no such backup (strata_backups() lists
	                                   them); 0: the name asked for, NULL: "latest" */
	STRATA_WHY_NO_SCRATCH = 20      /* PostgreSQL: no scratch database could be created
	                                   (strata_diff_opts.dev_url names one) */
};
STRATA_EXTERN int strata_errwhy(const strata_db *db);
STRATA_EXTERN const char *strata_errarg(const strata_db *db, int i);

/* The engine behind db: "sqlite" or "postgres". ^"unknown" when db is NULL,
 * not connected yet (strata_new()) or its URL could not be read. A static
 * string or lent for db's lifetime. */
STRATA_EXTERN const char *strata_engine(const strata_db *db);
/* The URL of db with any password replaced by "****". Lent for db's lifetime.
 * ^"" when db is NULL or its URL could not be read. */
STRATA_EXTERN const char *strata_url_redacted(const strata_db *db);
/* The engine a database URL names, without connecting: "sqlite" for
 * sqlite: URLs, "postgres" for postgres:// and postgresql:// URLs and for
 * libpq keyword/value strings ("host=h dbname=d ..."); NULL for anything
 * else (a file path, a malformed URL). A static string. */
STRATA_EXTERN const char *strata_url_engine(const char *url);
/* url with every secret it holds (password, ?password=, sslpassword...)
 * replaced by "****", found by the URL's structure; the same text
 * strata_url_redacted() gives for a handle. NULL for NULL or out of
 * memory; else to free(). */
STRATA_EXTERN char *strata_url_redact(const char *url);

/* The state of one migration as status reports it. */
typedef enum strata_state {
	STRATA_PENDING = 0,     /* file present, not applied */
	STRATA_APPLIED = 1,     /* applied, file unchanged */
	STRATA_EDITED = 2,      /* applied, but the file's checksum changed since */
	STRATA_MISSING = 3,     /* applied, but the file is gone */
	STRATA_OUT_OF_ORDER = 4, /* pending, yet older than the newest applied migration */
	STRATA_FAILED = 5       /* a transaction:false migration stopped partway */
} strata_state;

/* Name of a state as status prints it: "pending", "applied", "edited", ... */
STRATA_EXTERN const char *strata_state_name(strata_state s);

/*
 * One migration in a report. Strings are owned by the report.
 */
typedef struct strata_entry {
	const char *version;
	const char *name;
	const char *file;        /* path of the file; NULL when missing */
	strata_state state;
	long batch;              /* 0 when not applied */
	const char *applied_at;  /* "YYYY-MM-DD HH:MM:SS" UTC; NULL when not applied */
	long duration_ms;        /* how long it took when applied (or in this run) */
	const char *checksum;    /* SHA-256 of the file (or, when missing, as applied) */
	const char *error;       /* failed migrations: the engine's message */
	const char *sql;         /* the SQL this run executes (up or down section) */
	const char *down_sql;    /* strata_show(): the down section */
	int no_transaction;      /* the migration runs outside a transaction */
	int irreversible;        /* no down section */
	/* appended after the fields above (entries are the library's to allocate): */
	int down_source;         /* down reports: which down SQL runs (STRATA_DOWN_*); else 0 */
} strata_entry;

/*
 * The down SQL a rollback uses: ^the file's down section while the file's
 * up section is the one that was applied (so a down section fixed in the
 * file is used); ^the down SQL recorded when the migration was applied once
 * the file is gone, or its up section was edited since (or cannot be
 * compared: applied by a strata that kept no hash of the up section).
 */
enum {
	STRATA_DOWN_FILE = 1,            /* the file, unchanged since applied */
	STRATA_DOWN_FILE_EDITED = 2,     /* the file's down section; the file was edited
	                                    since, its up section was not */
	STRATA_DOWN_RECORDED = 3,        /* recorded when applied: the file is gone */
	STRATA_DOWN_RECORDED_EDITED = 4  /* recorded when applied: the file's up section was
	                                    edited since (or cannot be compared) */
};

/*
 * A report: the migrations a call looked at or acted on, in the order it
 * did so. Free with strata_report_free().
 */
typedef struct strata_report {
	size_t n;
	strata_entry *entries;
	long batch;          /* up: the batch number this run used (0 if none) */
	long total_ms;       /* wall time of the run */
	int dry_run;         /* nothing was changed */
	const char *backup;  /* SQLite: path of the automatic backup taken, or NULL */
	/* appended (reports are the library's to allocate): */
	struct strata_report *rewound; /* strata_up() with rewind: the migrations rolled
	                                  back first, newest first; NULL when none */
	const char *tool;       /* strata_adopt(): the tool whose history was taken over */
	const char *tool_table; /* strata_adopt(): its table as found ("public.schema_migrations") */
} strata_report;

STRATA_EXTERN void strata_report_free(strata_report *r);

/*
 * Hooks: called before and after each migration of a run, in the order
 * the migrations run (docs/c-api.md, "Hooks"). ^Not called by a dry run or
 * a check. ^before: after every file was read and checked, the lock taken
 * and the run's transaction open, just before the migration's SQL runs.
 * ^after: once its SQL ran and its tracking row is written, in the same
 * open transaction: BEFORE the run commits (a transaction:false migration:
 * after its own segment committed). Another connection (the hook's own)
 * sees none of the run's changes until the whole run commits.
 * ^A hook that returns non-zero stops the run: everything rolls back as on
 * any failure (STRATA_EHOOK; the database as it was before the call), and
 * the message names the hook, the migration and the value returned, with
 * *msg after it when the hook set one (malloc()ed; the library frees it).
 */
typedef struct strata_hook_info {
	const char *when;        /* "before" or "after" */
	const char *direction;   /* "up" or "down" */
	const char *version;     /* "0002" */
	const char *name;        /* "create_users" */
	const char *url;         /* the database, password redacted */
	int no_transaction;      /* the migration runs outside the run's transaction */
} strata_hook_info;
typedef int (*strata_hook_fn)(void *payload, const strata_hook_info *info, char **msg);

/* Options of strata_up(). Initialise with STRATA_UP_OPTS_INIT. */
typedef struct strata_up_opts {
	int version;
	const char *to;          /* apply up to and including this version; NULL: all */
	long steps;              /* apply at most this many; 0: all */
	int dry_run;             /* report what would run, change nothing */
	int allow_out_of_order;  /* apply pending migrations older than the newest applied one */
	int check;               /* run the pending migrations, then roll back (--check) */
	/* version 2: */
	int refuse_destructive;  /* STRATA_EDESTRUCTIVE, nothing run, when a pending up
	                            section drops or destroys data (strata lint's destructive
	                            rules, less what a lint-ignore comment acknowledges) */
	/* version 3: */
	int ignore_foreign_history; /* apply even when another tool's history table says
	                               what is applied and strata's own table records
	                               nothing (else STRATA_EFOREIGN, nothing run) */
	/* version 4: */
	const strata_report *confirmed; /* NULL, or the report of a refused run
	                                   (STRATA_EDESTRUCTIVE) that the user agreed to:
	                                   the run applies those migrations with those
	                                   checksums; a set that differs is checked as if
	                                   nothing was confirmed (STRATA_EDESTRUCTIVE again,
	                                   nothing run, the new set in *out, when it
	                                   destroys data) */
	/* version 5: */
	int rewind;              /* first roll back, newest first and with the down SQL
	                            recorded when they were applied, the applied migrations
	                            whose files are gone (a branch switch), then apply what
	                            is pending: one run, all or nothing; the report's
	                            rewound lists what was rolled back. A gone migration
	                            without recorded down SQL: STRATA_EIRREVERSIBLE,
	                            nothing run */
	/* version 6: */
	const char *const *only; /* apply exactly these (each a version or a file name,
	                            "0002" or "0002_users.sql"), in version order, and
	                            nothing else; those already applied are left out.
	                            One older than an applied migration needs
	                            allow_out_of_order. Not with to or steps
	                            (STRATA_EUSAGE); one that names no migration:
	                            STRATA_ENOTFOUND; nothing run in either case */
	size_t nonly;
	strata_hook_fn before_each; /* hooks (strata_hook_fn above); NULL: none */
	strata_hook_fn after_each;
	void *hook_payload;
} strata_up_opts;
#define STRATA_UP_OPTS_VERSION 6
#define STRATA_UP_OPTS_INIT { STRATA_UP_OPTS_VERSION, NULL, 0, 0, 0, 0, 0, 0, NULL, 0, NULL, 0, NULL, NULL, NULL }

/*
 * Apply pending migrations in version order, all in one transaction (with
 * segments only around transaction:false migrations), as one new batch.
 * ^to may also be a file name ("0002_users.sql", version 6 on).
 * ^Every pending file is read and validated before anything runs.
 * ^On failure the database is as before the call, and the message names the
 * file, the line and the engine's message.
 * ^*out (may be NULL) receives the migrations applied (or that would be);
 * ^on STRATA_EDESTRUCTIVE, the migrations that would have run, so that a
 * caller can ask its user and pass them back as confirmed (version 4): the
 * pending set may change while the question waits, and consent is for the
 * set that was shown.
 */
STRATA_EXTERN int strata_up(strata_db *db, const strata_up_opts *opts, strata_report **out);

/*
 * Another migration tool's history found in db (docs/strata-up.md lists the
 * tools): its table holds rows, with exactly that tool's columns. ^When
 * strata's own tracking table is missing or empty and such a table exists,
 * strata_up() (and redo, refresh) returns STRATA_EFOREIGN before anything
 * runs, unless ignore_foreign_history is set.
 */
typedef struct strata_foreign {
	const char *tool;      /* "dbmate", "golang-migrate", "goose", "Flyway", "Prisma",
	                          "TypeORM", "knex", "Drizzle", "an up/down runner" */
	const char *table;     /* the table as found ("drizzle.__drizzle_migrations") */
	long long rows;        /* the migrations it records as applied */
	const char *newest;    /* the newest version it records, or NULL (names that carry none) */
	const char *baseline;  /* a version of the migrations directory such that
	                          strata_baseline(db, baseline) records exactly the
	                          migrations the tool applied; NULL when the tool's
	                          history and the files do not line up that simply */
	int stopped;           /* the tool records a migration that stopped halfway
	                          (golang-migrate's dirty, a failed Flyway or Prisma row) */
} strata_foreign;

/*
 * ^*out receives the first other tool's history found in db (to free with
 * strata_foreign_free()), or NULL when there is none; returns 0.
 * The migrations directory is read, when it can be, to work out baseline.
 */
STRATA_EXTERN int strata_foreign_find(strata_db *db, strata_foreign **out);
STRATA_EXTERN void strata_foreign_free(strata_foreign *h);

/* Options of strata_adopt(). Initialise with STRATA_ADOPT_OPTS_INIT. */
typedef struct strata_adopt_opts {
	int version;
	const char *from;  /* the tool whose history to take over ("dbmate", "golang-migrate",
	                      "goose", "flyway", "prisma", "typeorm", "knex", "drizzle",
	                      "runner"; case does not matter); NULL: the only one found */
	int dry_run;       /* report what would be recorded, change nothing */
	/* version 2: */
	const char *dev_url; /* strata_adopt_drift(): where to replay the migrations
	                        (as strata_diff_opts.dev_url); NULL: a scratch database */
} strata_adopt_opts;
#define STRATA_ADOPT_OPTS_VERSION 2
#define STRATA_ADOPT_OPTS_INIT { STRATA_ADOPT_OPTS_VERSION, NULL, 0, NULL }

/*
 * Take over another tool's history in place: record each migration the
 * tool applied in strata's tracking table, as applied, with the tool's
 * batch and time where it kept them (else batch 1 and now), without running
 * it. Migrations are matched to files by version (the leading digits of the
 * names knex, Prisma and the up/down runner record), Drizzle's by the
 * SHA-256 of the file. ^One transaction under the runner's lock; the tool's
 * table is left as it is. ^Nothing is recorded, and the call fails, when:
 * strata's table already records migrations (STRATA_EUSAGE), no tool's
 * history is found or from names none found (STRATA_ENOTFOUND), more than one
 * is found and from is NULL (STRATA_EUSAGE), the tool records a migration
 * that stopped halfway (STRATA_EFAILED), a recorded migration has no file
 * (STRATA_EMISSING), or a file does not match the checksum the tool recorded
 * (Flyway, Prisma; Drizzle's hash matching no file is STRATA_EMISSING)
 * (STRATA_ECHECKSUM). ^*out (may be NULL) receives the migrations recorded
 * (or that would be), in version order; its tool and tool_table say whose.
 */
STRATA_EXTERN int strata_adopt(strata_db *db, const strata_adopt_opts *opts, strata_report **out);


/* Options of strata_down(). At most one of steps, to, all is set; none: the last batch. */
typedef struct strata_down_opts {
	int version;
	long steps;        /* roll back this many migrations */
	const char *to;    /* roll back every migration newer than this version */
	int all;           /* roll back everything */
	int dry_run;
	/* version 2: */
	strata_hook_fn before_each; /* hooks, as strata_up_opts's; NULL: none */
	strata_hook_fn after_each;
	void *hook_payload;
} strata_down_opts;
#define STRATA_DOWN_OPTS_VERSION 2
#define STRATA_DOWN_OPTS_INIT { STRATA_DOWN_OPTS_VERSION, 0, NULL, 0, 0, NULL, NULL, NULL }

/*
 * Roll back, newest first, each with its file's down section, or the down
 * SQL recorded when it was applied (so it works after the file is gone;
 * STRATA_DOWN_* says which). All or nothing.
 * ^A migration without a down section stops the call with
 * STRATA_EIRREVERSIBLE before anything runs.
 */
STRATA_EXTERN int strata_down(strata_db *db, const strata_down_opts *opts, strata_report **out);

/*
 * redo: roll back the last migration and apply it again; refresh: roll
 * back everything and apply everything. Each is one run, in one
 * transaction: if the second half fails, the first is undone too. *down
 * and *up (may be NULL) receive the two halves' reports.
 */
STRATA_EXTERN int strata_redo(strata_db *db, strata_report **down, strata_report **up);
STRATA_EXTERN int strata_refresh(strata_db *db, strata_report **down, strata_report **up);

/*
 * Every migration known from the directory and the tracking table, in
 * version order (missing ones at their version), with its state.
 */
STRATA_EXTERN int strata_status(strata_db *db, strata_report **out);

/*
 * Record migrations up to and including version as applied without running
 * them (adopting an existing database). Returns how many were recorded.
 */
STRATA_EXTERN int strata_baseline(strata_db *db, const char *version);

/*
 * Repair one row of the tracking table: applied=1 records version as applied
 * (from its file), applied=0 removes the record (pending again).
 */
STRATA_EXTERN int strata_mark(strata_db *db, const char *version, int applied);

/*
 * One migration's file: *out gets a report of one entry whose sql is the up
 * section and down_sql the down section. Needs no database.
 */
STRATA_EXTERN int strata_show(strata_db *db, const char *version, strata_report **out);

/*
 * Roll back every migration (down --all). With hard=1, drop instead what
 * strata_reset_objects() lists and apply every migration, the drop and the
 * re-apply in one transaction: a failure or a crash leaves the database as
 * it was. SQLite: every table, view and trigger of the main database is
 * dropped as ordinary DDL (the file itself stays, with its inode, owner and
 * mode); PostgreSQL: the first schema of search_path and the tracking
 * schema are dropped and created again, and no other schema. *out is then
 * the up's report (with dry_run=1: the migrations it would apply). On
 * SQLite an automatic backup is taken first. Neither asks: a caller that
 * should confirm asks before calling (the CLI does, or needs --yes).
 */
STRATA_EXTERN int strata_reset(strata_db *db, int hard, int dry_run, strata_report **out);

/*
 * What strata_reset(db, 1, ...) would drop, one line per object, for the
 * question asked before it: "table users", "view active_users" (SQLite);
 * "schema public", "table public.users", "sequence public.s", "type
 * public.mood", "function public.f(integer)" (PostgreSQL: the first schema
 * of search_path and the tracking schema, and what is in them). ^*out is a
 * NULL-terminated array, to free with strata_strings_free(); *n is its
 * length (0: nothing to drop).
 */
STRATA_EXTERN int strata_reset_objects(strata_db *db, char ***out, size_t *n);
/* Free a NULL-terminated array of strings from the library; NULL is fine. */
STRATA_EXTERN void strata_strings_free(char **v);

/*
 * Rewrite <dir>/strata.sum from the files in dir. Needs no database.
 * On error, *errmsg (to free()) says why.
 */
STRATA_EXTERN int strata_hash_dir(const char *dir, char **errmsg);

/*
 * The C source of db's migrations directory as a strata_migration_source,
 * for `strata embed`: it defines `const strata_migration_source
 * strata_embedded_migrations` (and nothing else global) holding every
 * migration's file name, content and checksum, and strata.sum's text when
 * the directory has one. A program compiled with it and given
 * &strata_embedded_migrations as strata_config.source migrates with no
 * files. Needs no database (db may be from strata_new()). ^The directory
 * is read and checked as strata_up() reads it: a malformed file
 * (STRATA_EPARSE) or a strata.sum that does not match (STRATA_ECHECKSUM)
 * fails the call, *out NULL. ^On success *out is the text, to free().
 */
STRATA_EXTERN int strata_embed(strata_db *db, char **out);

/*
 * Create <dir>/<version>_<name>.sql with empty up and down sections, and
 * update strata.sum if present. *path_out (may be NULL) receives the path,
 * to free(). The version is a UTC timestamp, or the next number of the
 * directory's sequence if it uses one. On error, *errmsg (to free()) says why.
 */
STRATA_EXTERN int strata_new_migration(const char *dir, const char *name, char **path_out, char **errmsg);
/*
 * The same two on db's migrations directory, the message on db (which may
 * be a handle from strata_new(), not connected).
 */
STRATA_EXTERN int strata_sum_write(strata_db *db);
STRATA_EXTERN int strata_migration_create(strata_db *db, const char *name, char **path_out);

/* ======================================================================
 * Databases themselves (development): create and drop.
 * ====================================================================== */

/*
 * Create / drop the database named by url (SQLite: the file, with its
 * -wal/-shm/-journal on drop; PostgreSQL: CREATE/DROP DATABASE through the
 * server's `postgres` database). On error *errmsg (to free()) says why.
 * Dropping a database that is not there changes nothing and returns
 * STRATA_ENOTFOUND (for SQLite, stray -wal/-shm/-journal files still go).
 */
STRATA_EXTERN int strata_create_database(const char *url, char **errmsg);
STRATA_EXTERN int strata_drop_database(const char *url, char **errmsg);
/* The same two, the message on db (any handle; a strata_new() one does). */
STRATA_EXTERN int strata_database_create(strata_db *db, const char *url);
STRATA_EXTERN int strata_database_drop(strata_db *db, const char *url);

/* ======================================================================
 * The live schema: inspect, dump, stats.
 * ====================================================================== */

enum { STRATA_FORMAT_SQL = 0, STRATA_FORMAT_JSON = 1, STRATA_FORMAT_DOT = 2,
       STRATA_FORMAT_MERMAID = 3 };

/* Flags of strata_inspect(), strata_dump() and strata_stats(). */
#define STRATA_INSPECT_ALL 1u   /* include strata's own objects (the tracking table) */
#define STRATA_STATS_EXACT 2u   /* count rows exactly instead of estimating (PostgreSQL) */

/*
 * The live schema of db in format (STRATA_FORMAT_*). *out receives
 * NUL-terminated text, to free(). JSON: the shape of docs/json-schema-model.md.
 */
STRATA_EXTERN int strata_inspect(strata_db *db, int format, unsigned flags, char **out);

/*
 * Canonical schema SQL: deterministic, in dependency order, re-executable in
 * an empty database. Loading a dump and dumping again gives the same bytes.
 */
STRATA_EXTERN int strata_dump(strata_db *db, unsigned flags, char **out);

typedef struct strata_table_stats {
	const char *schema;      /* NULL on SQLite */
	const char *name;
	long long rows;
	long long bytes;         /* size on disk, indexes included; -1 unknown */
	int rows_estimated;      /* rows is the planner's estimate */
} strata_table_stats;

typedef struct strata_stats_report {
	size_t n;
	strata_table_stats *tables;  /* by name */
	long long total_bytes;       /* the whole database; -1 unknown */
} strata_stats_report;

STRATA_EXTERN int strata_stats(strata_db *db, unsigned flags, strata_stats_report **out);
STRATA_EXTERN void strata_stats_free(strata_stats_report *s);

/* ======================================================================
 * Declarative schema: diff, generate, push, verify.
 * ====================================================================== */

typedef enum strata_change_class {
	STRATA_CHANGE_SAFE = 0,
	STRATA_CHANGE_DATA_DEPENDENT = 1,  /* may fail on existing rows */
	STRATA_CHANGE_DESTRUCTIVE = 2      /* data is lost */
} strata_change_class;

typedef struct strata_change {
	const char *kind;        /* "create_table", "drop_column", "rebuild_table", ... */
	const char *object;      /* "users", "users.email", "index posts_author" */
	strata_change_class cls;
	const char *note;        /* why it is so classed, or a hint ("possible rename of
	                            a to b"); may be NULL */
	long long rows_at_stake; /* rows of the table when known, else -1 */
} strata_change;

/*
 * A plan: the changes between two schemas and the SQL that makes them.
 * Free with strata_plan_free().
 */
typedef struct strata_plan {
	size_t n;
	strata_change *changes;  /* in the order the SQL makes them */
	const char *up_sql;      /* FROM -> TO; "" when nothing differs */
	const char *down_sql;    /* TO -> FROM, when asked for; else NULL */
	int no_transaction;      /* up_sql must run outside a transaction */
	size_t nfiles;
	const char **files;      /* generate: the migration files written */
} strata_plan;

STRATA_EXTERN void strata_plan_free(strata_plan *p);

typedef struct strata_diff_opts {
	int version;
	const char *dev_url;     /* PostgreSQL scratch database; NULL: a temporary
	                            database on db's server, dropped afterwards */
	int with_down;           /* also compute down_sql */
	int concurrent_indexes;  /* PostgreSQL, plain forms: CREATE INDEX CONCURRENTLY
	                            (outside a transaction) */
	/* version 2: */
	int plain;               /* PostgreSQL: the plain forms; 0: the lock-safe
	                            forms (below). Version 1: always the plain forms */
} strata_diff_opts;
#define STRATA_DIFF_OPTS_VERSION 2
#define STRATA_DIFF_OPTS_INIT { STRATA_DIFF_OPTS_VERSION, NULL, 0, 0, 0 }

/*
 * The SQL that turns FROM into TO. Each source is a database URL, a .sql
 * schema file (executed into a scratch database, then read back), or a
 * migrations directory (its up sections replayed into a scratch database).
 * db gives the engine (and, on PostgreSQL, the server for scratch
 * databases); it is not changed.
 *
 * ^On PostgreSQL, with version 2 opts and plain 0 (STRATA_DIFF_OPTS_INIT),
 * the SQL takes the lock-safe forms generate writes (strata_generate(),
 * below): up_sql is the part that runs in a transaction, then a line
 * "-- then, outside a transaction ..." and the statements that must each
 * run on their own after it (CREATE INDEX CONCURRENTLY, VALIDATE
 * CONSTRAINT, SET NOT NULL through a validated CHECK, UNIQUE and PRIMARY
 * KEY USING an index built CONCURRENTLY); no_transaction is then 1.
 * down_sql holds the late part's down first. ^Version 1 opts keep the
 * plain forms (CREATE INDEX CONCURRENTLY only with concurrent_indexes), as
 * before version 2 existed.
 */
STRATA_EXTERN int strata_diff(strata_db *db, const char *from, const char *to, const strata_diff_opts *opts,
                strata_plan **out);

typedef struct strata_generate_opts {
	int version;
	const char *schema_file; /* NULL: "schema.sql" */
	const char *name;        /* the migration's name */
	const char *dev_url;
	int dry_run;             /* compute, write nothing */
	int per_table;           /* one migration per changed table */
	/* version 2: */
	int from_db;             /* the current state is the live database, not
	                            the schema the migrations directory makes */
	/* version 3: */
	int plain;               /* PostgreSQL: the plain forms, all in one migration;
	                            0 (and versions 1, 2): the lock-safe forms (below) */
} strata_generate_opts;
#define STRATA_GENERATE_OPTS_VERSION 3
#define STRATA_GENERATE_OPTS_INIT { STRATA_GENERATE_OPTS_VERSION, NULL, NULL, NULL, 0, 0, 0, 0 }

/*
 * Write the migration (up and down) that takes the schema the migrations
 * directory produces to schema_file, and update strata.sum. Nothing to do:
 * returns 0 with an empty plan and writes nothing.
 * ^With from_db (version 2), the schema it starts from is the live
 * database's, read and never changed; the migration is still written to the
 * migrations directory. schema_file may be any desired-state source
 * (docs/schema-json.md): a .sql file, a JSON model, a folder.
 *
 * ^On PostgreSQL, unless plain, what would lock an existing table for a
 * scan or an index build goes to a second migration, "<name>_concurrent",
 * marked transaction:false and written after the first: indexes on
 * existing tables (DROP INDEX CONCURRENTLY IF EXISTS, then CREATE INDEX
 * CONCURRENTLY IF NOT EXISTS, so it can run again after a failed build),
 * the VALIDATE CONSTRAINT of CHECKs and foreign keys the first adds NOT
 * VALID, and SET NOT NULL through a CHECK (col IS NOT NULL) added NOT
 * VALID by the first and validated, then dropped, by the second. The
 * plan's up_sql and down_sql then hold both, in the order they run.
 */
STRATA_EXTERN int strata_generate(strata_db *db, const strata_generate_opts *opts, strata_plan **out);

typedef struct strata_push_opts {
	int version;
	const char *schema_file; /* NULL: "schema.sql" */
	const char *dev_url;
	int dry_run;
	int allow_destructive;   /* else STRATA_EDESTRUCTIVE, with *out still filled */
	int concurrent_indexes;
	/* version 2: */
	int force;               /* push even when migrations manage the database */
	/* version 3: */
	const strata_plan *confirmed; /* NULL, or the plan the user agreed to:
	                                 apply only that plan (see below) */
	/* version 4: */
	int plain;               /* PostgreSQL: the plain forms; 0: the lock-safe
	                            forms (see below). Versions 1-3: the plain forms */
} strata_push_opts;
#define STRATA_PUSH_OPTS_VERSION 4
#define STRATA_PUSH_OPTS_INIT { STRATA_PUSH_OPTS_VERSION, NULL, NULL, 0, 0, 0, 0, NULL, 0 }

/*
 * Apply schema_file straight to the database (development), all or nothing.
 * ^When the plan has destructive changes and allow_destructive is 0, nothing
 * is changed, STRATA_EDESTRUCTIVE is returned and *out holds the plan, so a
 * caller can ask and call again.
 * ^When the tracking table records migrations and force is 0 (or the opts
 * are version 1), nothing is changed and STRATA_EUSAGE is returned: such a
 * database changes through migrations. A dry run is not refused.
 * ^The live schema is read, planned from and changed under the runner's
 * lock, so no up runs in between; but between a STRATA_EDESTRUCTIVE answer
 * and the call made after asking, anything may. So a caller that asked
 * passes the plan it showed as confirmed (version 3; still the caller's):
 * when the plan made under the lock differs from it (its SQL, its changes,
 * or the rows at stake), nothing is changed and STRATA_EDESTRUCTIVE is
 * returned again with the new plan in *out, to be asked about in turn.
 * ^On PostgreSQL, with version 4 opts and plain 0, the plan takes the
 * lock-safe forms (strata_diff()): the main part runs in the transaction,
 * and after the commit each late statement runs on its own, outside one;
 * the schema is checked against the file after the last. A late statement
 * that fails (a VALIDATE whose rows break the constraint, an index build)
 * leaves the main part committed: STRATA_ERROR says so, and a push after
 * the rows are fixed finishes the work. Where all or nothing matters more
 * than the locks (a database no one else uses), set plain.
 */
STRATA_EXTERN int strata_push(strata_db *db, const strata_push_opts *opts, strata_plan **out);

/*
 * Drift: the live schema against what the migrations produce, and every
 * checksum. Returns 0 when all agree, STRATA_EDRIFT when not, with *out
 * listing each difference (live side as TO).
 */
STRATA_EXTERN int strata_verify(strata_db *db, const char *dev_url, strata_plan **out);

/*
 * Turn drift into a migration: write the migration NAME (a new file of the
 * migrations directory, as strata_generate() writes one) whose up section
 * takes the schema the applied migrations make (replayed in a scratch
 * database) to the live database's schema, and whose down section takes it
 * back, and record it as applied, so that strata_verify() is clean and
 * other databases get the change through strata_up(). ^Nothing is written
 * when there is no drift (*out has n 0) or with dry_run (*out has the SQL).
 * ^Refused, nothing written, when a migration is pending, edited, missing
 * or failed (STRATA_EUSAGE, or the status call's code). opts: only dry_run
 * and dev_url are read. ^*out lists the differences, the SQL, and the file.
 */
STRATA_EXTERN int strata_adopt_drift(strata_db *db, const strata_adopt_opts *opts, const char *name,
                       strata_plan **out);

/* Options of strata_squash(). Initialise with STRATA_SQUASH_OPTS_INIT. */
typedef struct strata_squash_opts {
	int version;
	const char *to;      /* the last version replaced (required) */
	const char *dev_url; /* where to replay the migrations (as strata_diff_opts.dev_url);
	                        NULL: a scratch database */
	int dry_run;         /* compute, write nothing */
} strata_squash_opts;
#define STRATA_SQUASH_OPTS_VERSION 1
#define STRATA_SQUASH_OPTS_INIT { STRATA_SQUASH_OPTS_VERSION, NULL, NULL, 0 }

/*
 * Squash the migrations up to opts->to into one: write the file
 * "<to>_<name>.sql" in the migrations directory, whose up section creates
 * the schema those migrations make (replayed in a scratch database) from
 * nothing, whose down section drops it, and whose first line,
 * `-- strata:replaces V1 ... <to>`, names the versions it stands for; and
 * update strata.sum. The replaced files are not touched: while they are
 * there the squash covers them, and they can be deleted. ^A database where
 * every replaced version is applied counts the squash as applied; one with
 * none runs only the squash; one with some but not all is refused by
 * strata_status(), strata_up() and strata_down() (STRATA_EUSAGE).
 * ^STRATA_EUSAGE, nothing written, when no migration has version to,
 * when name is empty or not a migration name, or when the file exists. The database is
 * not changed. ^*out lists the file and the SQL.
 */
STRATA_EXTERN int strata_squash(strata_db *db, const strata_squash_opts *opts, const char *name,
                  strata_plan **out);

/* ======================================================================
 * Check: every down section proven in a scratch database (docs/strata-check.md).
 * ====================================================================== */

typedef enum strata_check_state {
	STRATA_CHECK_OK = 0,          /* its down gives back the schema before its up */
	STRATA_CHECK_NO_DOWN = 1,     /* no down section: nothing to prove (irreversible) */
	STRATA_CHECK_DIFFERS = 2,     /* after its down the schema differs: see diff */
	STRATA_CHECK_DOWN_FAILED = 3, /* its down section failed: see error */
	STRATA_CHECK_REUP_FAILED = 4, /* its up failed when run again after its down */
	STRATA_CHECK_NOT_RUN = 5      /* the replay could not go on to it */
} strata_check_state;

/* One migration's result. Strings and diff are owned by the report. */
typedef struct strata_check_entry {
	const char *version;
	const char *name;
	const char *path;
	strata_check_state state;
	const char *error;       /* DOWN_FAILED, REUP_FAILED (also DIFFERS when the
	                            up then failed too): the message; else NULL */
	strata_plan *diff;       /* DIFFERS: the changes that its up then its down
	                            made, from the schema before the up (FROM) to
	                            the one after the down (TO); else NULL */
} strata_check_entry;

typedef struct strata_check_report {
	size_t n;
	strata_check_entry *entries; /* every migration of the directory, in order */
	size_t failed;               /* entries DIFFERS, DOWN_FAILED or REUP_FAILED */
} strata_check_report;

typedef struct strata_check_opts {
	int version;
	const char *dev_url;     /* PostgreSQL scratch database, as strata_diff_opts */
} strata_check_opts;
#define STRATA_CHECK_OPTS_VERSION 1
#define STRATA_CHECK_OPTS_INIT { STRATA_CHECK_OPTS_VERSION, NULL }

/*
 * Replay the migrations directory into a scratch database (never db's own
 * database: SQLite in memory; PostgreSQL the dev_url or a database made and
 * dropped for the call), one migration at a time: up, down, up. After each
 * down the schema is compared with the one before its up.
 * ^Returns 0 when every down section restores it, STRATA_EDRIFT when one
 * does not (or fails); in both cases *out is the report (free with
 * strata_check_report_free()). After a down that fails (or an up that fails
 * after its down) the replay goes on in a new scratch database, where the ups
 * up to that migration are run first; what follows is NOT_RUN only when they
 * cannot be. An up that fails the first time is an error in the
 * directory: STRATA_EPARSE, "file:LINE: message", and *out is NULL, as for
 * any other error. db is not changed.
 */
STRATA_EXTERN int strata_check(strata_db *db, const strata_check_opts *opts, strata_check_report **out);
STRATA_EXTERN void strata_check_report_free(strata_check_report *r);

/* ======================================================================
 * Lint: a safety report on migration SQL (docs/strata-lint.md).
 * ====================================================================== */

typedef enum strata_lint_severity {
	STRATA_LINT_WARNING = 1,
	STRATA_LINT_ERROR = 2
} strata_lint_severity;

/*
 * One finding. Strings are owned by the report. rule is a stable
 * kebab-case id ("drop-table", "create-index-non-concurrent", ...; the
 * table of docs/strata-lint.md); line is 1-based in file, where the
 * statement's first token is; statement is that line, shortened.
 */
typedef struct strata_lint_finding {
	const char *rule;
	strata_lint_severity severity;
	const char *file;
	long line;
	const char *statement;
	const char *message;     /* what is wrong, one line */
	const char *hint;        /* the safe way, one line */
} strata_lint_finding;

typedef struct strata_lint_report {
	size_t n;
	strata_lint_finding *findings; /* files in the order linted, then by line */
	size_t errors, warnings;       /* counts of findings by severity */
	size_t suppressed;             /* findings silenced by lint-ignore comments */
	size_t files, statements;      /* what was looked at */
	const char *engine;            /* whose rules applied: "sqlite" or "postgres" */
	/* appended (reports are the library's to allocate): */
	size_t skipped;                /* applied migrations not linted (a connected db) */
} strata_lint_report;

STRATA_EXTERN void strata_lint_report_free(strata_lint_report *r);

/*
 * Options of strata_lint(). Initialise with STRATA_LINT_OPTS_INIT.
 * The engine whose rules apply is engine when set, else the engine named by
 * url's scheme (the URL is only parsed: lint never connects by itself),
 * else db's. Version 2 added the fields after nfiles.
 */
typedef struct strata_lint_opts {
	int version;
	const char *engine;        /* "sqlite" or "postgres"; NULL: see above */
	const char *url;           /* a database URL naming the engine; NULL: none */
	const char *const *files;  /* migration files (or directories of them) to lint;
	                              NULL or nfiles 0: every migration of db's directory */
	size_t nfiles;
	/* version 2: */
	int all;                   /* a connected db: lint applied migrations too */
	long long large_table_rows; /* a table of this many rows is large; 0: STRATA_LINT_LARGE_ROWS */
	int require_lock_timeout;  /* report lock-timeout-missing (unless db's lock_timeout_ms) */
} strata_lint_opts;
#define STRATA_LINT_OPTS_VERSION 2
#define STRATA_LINT_OPTS_INIT { STRATA_LINT_OPTS_VERSION, NULL, NULL, NULL, 0, 0, 0, 0 }
#define STRATA_LINT_LARGE_ROWS 100000

/*
 * Lint the up sections of migration files and report what would destroy
 * data or hold heavy locks, with the safe way for each. Needs no database:
 * db (not NULL; any handle, also one from strata_new() never connected) lends its
 * migrations directory, its engine (see strata_lint_opts) and its error
 * slot. opts may be NULL (every migration of the directory, db's engine). ^Findings are not failures: the call returns 0 with *out
 * holding them. ^A file that is missing (STRATA_ENOTFOUND) or malformed
 * (STRATA_EPARSE, "file:line: problem") fails the call, *out NULL.
 * ^When db is connected (and its engine's rules apply), lint reads it and
 * changes nothing: migrations it records as applied are not linted unless
 * opts->all (counted in skipped); a table that an earlier pending
 * migration creates is new; a lock or rewrite on a table is an error when
 * the table has at least opts->large_table_rows rows, a warning below; a
 * type change is judged against the column's type in the database.
 */
STRATA_EXTERN int strata_lint(strata_db *db, const strata_lint_opts *opts, strata_lint_report **out);

/*
 * Lint one migration file's content (len bytes, markers and all) for engine
 * ("sqlite" or "postgres"), reporting it under the name file. Needs no
 * handle: on failure *errmsg (to free()) says why and *out is NULL.
 */
STRATA_EXTERN int strata_lint_text(const char *engine, const char *file, const char *content, size_t len,
                     strata_lint_report **out, char **errmsg);

/* ======================================================================
 * SQLite backups.
 * ====================================================================== */

typedef struct strata_backup_info {
	const char *name;        /* file name inside the backup folder */
	const char *path;
	const char *created_at;  /* "YYYY-MM-DD HH:MM:SS" UTC */
	long long bytes;
	int named;               /* a named snapshot: never pruned */
} strata_backup_info;

typedef struct strata_backup_list {
	size_t n;
	strata_backup_info *v;   /* oldest first */
} strata_backup_list;

/*
 * Take a consistent backup with SQLite's online backup API into the
 * .strata-backups/ folder beside the database (mode 0600). name NULL: an
 * automatic, timestamped one (pruned to keep_backups); else a named
 * snapshot. *path_out (may be NULL) receives the path, to free().
 */
STRATA_EXTERN int strata_backup(strata_db *db, const char *name, char **path_out);
STRATA_EXTERN int strata_backups(strata_db *db, strata_backup_list **out);
STRATA_EXTERN void strata_backup_list_free(strata_backup_list *l);
/*
 * Restore a backup (name, or NULL / "latest") over the database through the
 * backup API, after backing up the current state (*undo_path, may be NULL).
 */
STRATA_EXTERN int strata_restore(strata_db *db, const char *name, char **undo_path);
/*
 * strata_restore(), also saying which file it restored: *from_path (may be
 * NULL; to free()) is its path. "latest" is the newest backup strata
 * recorded for this database in .strata-backups/index; a file in the folder
 * that strata did not record (put there by hand, or by strata before 0.3)
 * is restored only when named. ^The backup folder must be a directory of
 * the user's, not writable by group or others; no file is opened through a
 * symlink; a file that is not a whole SQLite database (header, size,
 * quick_check), or that is the database itself, is refused before anything
 * changes. The choice and the open happen under the folder's lock, so a
 * prune by another process cannot take the file away halfway.
 */
STRATA_EXTERN int strata_restore_from(strata_db *db, const char *name, char **from_path, char **undo_path);

/* ===============================================================
 * Fleets: one command over many databases (docs/strata-fleet.md).
 * ====================================================================== */

/* What strata_fleet() runs on each target. */
typedef enum strata_fleet_command {
	STRATA_FLEET_UP = 1,      /* strata_up() with opts->up */
	STRATA_FLEET_DOWN = 2,    /* strata_down() with opts->down */
	STRATA_FLEET_STATUS = 3,  /* strata_status() */
	STRATA_FLEET_VERIFY = 4,  /* strata_verify() with opts->dev_url */
	STRATA_FLEET_LINT = 5     /* strata_lint() with opts->lint, connected to the target */
} strata_fleet_command;

/* How one target fared. */
typedef enum strata_fleet_outcome {
	STRATA_FLEET_OK = 0,       /* the call succeeded */
	STRATA_FLEET_FOUND = 1,    /* verify: differences; lint: errors; status: a
	                              migration edited, missing, out of order or failed */
	STRATA_FLEET_FAILED = 2,   /* the call failed: the target is as before its run
	                              (the call's own promise), see code and error */
	STRATA_FLEET_SKIPPED = 3   /* not run: a canary failed, max_failures was
	                              reached, or *opts->stop was set */
} strata_fleet_outcome;

/* One target's result. Strings are owned by the report (or lent for the
 * callback). */
typedef struct strata_fleet_result {
	size_t index;              /* its position in the targets given */
	const char *url;           /* its URL with any password replaced by "****" */
	strata_fleet_outcome outcome;
	int code;                  /* FAILED: the call's STRATA_E* (FOUND: STRATA_EDRIFT
	                              for verify); else 0 */
	const char *error;         /* FAILED: the call's message, one line; else NULL */
	long count;                /* up: migrations applied; down: rolled back; status:
	                              pending; verify: differences; lint: findings */
	long duration_ms;          /* wall time of its run, connecting included */
} strata_fleet_result;

typedef struct strata_fleet_report {
	size_t n;
	strata_fleet_result *results; /* one per target, in the order given */
	size_t ok, found, failed, skipped;
	long total_ms;
	int stopped;                  /* *opts->stop was seen set */
} strata_fleet_report;
STRATA_EXTERN void strata_fleet_report_free(strata_fleet_report *r);

/*
 * The per-target callback: r (lent for the call) is the result of the
 * target that just finished, done how many have finished so far, total
 * how many there are. ^Calls never overlap: they are made one at a time,
 * under the fleet's lock, from whichever worker thread finished the
 * target, so a callback needs no lock of its own (and should be quick).
 */
typedef void (*strata_fleet_fn)(void *payload, const strata_fleet_result *r, size_t done,
                                size_t total);

/* Options of strata_fleet(). Initialise with STRATA_FLEET_OPTS_INIT. */
typedef struct strata_fleet_opts {
	int version;
	strata_fleet_command command;
	int jobs;                  /* targets run at once, each by its own thread with its
	                              own handle; 0: the number of online processors */
	size_t canary;             /* run the first canary targets first; if one fails,
	                              skip the rest */
	size_t max_failures;       /* once this many failed, start no more; 0: no limit */
	const strata_up_opts *up;     /* STRATA_FLEET_UP; NULL: defaults */
	const strata_down_opts *down; /* STRATA_FLEET_DOWN; NULL: the last batch */
	const strata_lint_opts *lint; /* STRATA_FLEET_LINT; NULL: defaults */
	const char *dev_url;       /* STRATA_FLEET_VERIFY, as strata_verify() */
	strata_fleet_fn on_result; /* NULL: none */
	void *payload;
	const volatile int *stop;  /* NULL, or a flag (set from a signal handler, say):
	                              once non-zero no target is started; those running
	                              finish their run */
} strata_fleet_opts;
#define STRATA_FLEET_OPTS_VERSION 1
#define STRATA_FLEET_OPTS_INIT { STRATA_FLEET_OPTS_VERSION, STRATA_FLEET_UP, 0, 0, 0, NULL, NULL, \
                                 NULL, NULL, NULL, NULL, NULL }

/*
 * The database URLs a fleet spec names, for strata_fleet(): *out a
 * NULL-terminated array (free with strata_strings_free()), *n its length.
 * Specs:
 *  - "sqlite:GLOB": the files matching the glob(7) pattern, sorted
 *    ("sqlite:tenants/t[0-9]*.db"); ^no match is STRATA_EUSAGE;
 *  - "@FILE": one URL per line; blank lines and lines starting with '#' are
 *    skipped; ^a line that is no database URL, or that repeats an earlier
 *    one, is STRATA_EPARSE, "FILE:LINE: problem"; an unreadable file
 *    STRATA_ENOTFOUND or STRATA_EIO;
 *  - "pg-query:URL?sql=SELECT...": the rows of the query, run read-only on
 *    the PostgreSQL database URL (sql is the last parameter and runs to the
 *    end of the spec, %XX decoded); the first column of each row is a
 *    database URL, or the name of a database on that server (URL with its
 *    database replaced, its other parameters kept).
 * ^An empty list is STRATA_EUSAGE. db (from strata_new() is enough) takes
 * the error; it is not changed.
 */
STRATA_EXTERN int strata_fleet_targets(strata_db *db, const char *spec, char ***out, size_t *n);

/*
 * Run one command against every database of urls[0..n), jobs at a time,
 * each target through its own handle made with db's configuration (its
 * migrations directory, tracking table, timeouts, backups, log: a notice
 * is passed on prefixed with the target's redacted URL), never creating a
 * database that is not there. ^The migrations directory is read, parsed and
 * checked once, before any target is opened: a malformed file fails the
 * call (STRATA_EPARSE), nothing opened; for up, down and status every target
 * then uses that one reading. ^A target that fails never stops or changes
 * another (except through canary and max_failures, which only skip).
 * ^Returns 0 when every target succeeded; STRATA_EDRIFT when none failed or
 * was skipped but some found something; STRATA_ERROR ("N of M databases
 * failed", on db) when any failed or was skipped. In all three cases *out
 * is the report (free with strata_fleet_report_free()); on any other
 * failure *out is NULL and no target was run. db is any handle (one from
 * strata_new() is enough); it is not connected to anything by the call.
 */
STRATA_EXTERN int strata_fleet(strata_db *db, const char *const *urls, size_t n,
                               const strata_fleet_opts *opts, strata_fleet_report **out);
/*
 * One page of one table's rows, for a viewer (strata studio). The table
 * (and, PostgreSQL, its schema) and the filter's column must be in the live
 * schema (what strata_inspect() shows; views are not read): a name that is
 * not is STRATA_ENOTFOUND, and no SQL is run with it. ^Names are quoted from
 * the model's copy and the filter text is passed as a parameter, never
 * pasted into SQL. The rows are ordered by the primary key (SQLite without
 * one: rowid). filter: rows whose filter_column, cast to text, contains it
 * (case-sensitive). limit <= 0 means 50, more than STRATA_ROWS_MAX means
 * STRATA_ROWS_MAX. *out is the caller's (strata_rows_free()); NULL on failure.
 */
#define STRATA_ROWS_MAX 1000
typedef struct strata_rows_opts {
	int version;
	const char *schema;         /* PostgreSQL; NULL: the only table so named */
	const char *table;
	long offset, limit;
	const char *filter_column;  /* NULL or "": every row */
	const char *filter;
} strata_rows_opts;
#define STRATA_ROWS_OPTS_VERSION 1
#define STRATA_ROWS_OPTS_INIT { STRATA_ROWS_OPTS_VERSION, NULL, NULL, 0, 0, NULL, NULL }
typedef struct strata_rows {
	size_t ncols, nrows;
	char **columns;       /* ncols names */
	char **cells;         /* nrows * ncols, row-major, as text; NULL for SQL NULL */
	long long total;      /* rows that match the filter, on every page */
} strata_rows;
STRATA_EXTERN int strata_rows_read(strata_db *db, const strata_rows_opts *o, strata_rows **out);
STRATA_EXTERN void strata_rows_free(strata_rows *r);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_H */
