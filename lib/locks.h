/*
 * locks.h: `strata lint --explain-locks` (locks.c): the locks PostgreSQL
 * takes for each statement of the pending migrations, measured in a
 * scratch copy of the live schema. Internal to the library and the program
 * (src/cmd_lint.c): no public API yet, so the report is a plain struct.
 */
#ifndef STRATA_LOCKS_H
#define STRATA_LOCKS_H

#include <stddef.h>
#include "strata.h"

/* One lock a statement took (or, not measured, would take per the manual). */
struct lock_held {
	char *relation;   /* "public.users": schema-qualified, quoted where needed */
	const char *kind; /* "table", "index", "sequence", "view", ... (static) */
	const char *mode; /* "AccessExclusiveLock", ... (static) */
	int granted;      /* measured: pg_locks.granted; documented: 1 */
	int is_new;       /* the relation is not in the live database: made by the
	                     pending migrations, so no other session waits on it */
	int documented;   /* from the PostgreSQL manual, not measured */
};

/* One statement of a pending migration, in the order they run. */
struct lock_stmt {
	char *file;         /* the migration file's path */
	long line;          /* where the statement starts in it */
	char *statement;    /* its text */
	int measured;       /* 1: locks are what pg_locks showed */
	char *not_measured; /* measured 0: why, one line ("cannot run in a
	                       transaction (CREATE INDEX CONCURRENTLY)", or the
	                       engine's error for a statement that failed) */
	int failed;         /* the statement failed in the scratch database */
	struct lock_held *locks; /* strongest mode first, by relation */
	size_t nlocks;
};

struct lock_report {
	struct lock_stmt *v;
	size_t n;
	size_t files;       /* pending migrations explained */
	size_t failed;      /* statements that failed in the scratch database */
};

/*
 * Explain the locks of db's pending migrations (files[0..nfiles): those
 * files or directories, less what db records as applied; none: db's
 * migrations directory). db must be connected to PostgreSQL (else
 * STRATA_EUSAGE). The live database is only read (status, and its schema
 * as `dump` renders it); every statement runs in a scratch database
 * (scratch.c: dev_url, or one made on db's server and dropped): first in a
 * transaction that is rolled back once pg_locks has been read, then again
 * on its own so that the next statement sees its effect. Statements that
 * cannot run in a transaction are not measured; the lock the manual gives
 * them is reported instead. *out: to lock_report_free(); NULL on failure,
 * with the error on db.
 */
int locks_explain(strata_db *db, const char *dev_url, const char *const *files, size_t nfiles,
                  struct lock_report **out);
void lock_report_free(struct lock_report *r);

#endif
