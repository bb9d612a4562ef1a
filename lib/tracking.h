/*
 * tracking.h: the tracking table's rows in memory and the functions that
 * read and write them (tracking.c), for runner.c. Every function takes a
 * connected handle (db->conn) and leaves its error on db.
 */
#ifndef STRATA_TRACKING_H
#define STRATA_TRACKING_H

#include "internal.h"
#include "migration.h"

/* One row of the tracking table. */
struct applied {
	char *version, *name, *checksum, *applied_at, *down_sql, *state, *error;
	char *up_checksum; /* of the up section as applied; NULL: applied before strata kept it */
	long batch, duration_ms;
};

struct applied_set {
	size_t n;
	struct applied *v; /* by version */
};

void applied_release(struct applied_set *s);
/* The row of version, or NULL (binary search: s is sorted). */
struct applied *applied_find(const struct applied_set *s, const char *version);
/* Remove row i of s. */
void applied_drop(struct applied_set *s, size_t i);
/* The highest batch number of a, 0 when empty. */
long max_batch(const struct applied_set *a);

/* 1 when db's connection is PostgreSQL's. */
int is_pg(strata_db *db);

/* Create the tracking table when missing, and upgrade an older one. */
int ensure_tracking(strata_db *db);
/* Read every row (sorted by version); a missing table reads as empty.
 * with_down: read down_sql itself, else only whether there is one. */
int read_applied_ex(strata_db *db, struct applied_set *out, int with_down);
int read_applied(strata_db *db, struct applied_set *out);

/* The hash of m's up section as up_checksum keeps it ("" when out of memory). */
void up_checksum(const struct migration *m, char out[65]);
/* Insert or replace m's row; at: when it was applied (NULL: now). */
int record_row(strata_db *db, const struct migration *m, long batch, long ms,
               const char *state, const char *error);
int record_row_at(strata_db *db, const struct migration *m, long batch, long ms,
                  const char *state, const char *error, const char *at);
/* Run m's up section and record its row as applied, as one unit: one
 * round trip on PostgreSQL (db_exec_then_at()), the duration measured by
 * the driver. A failure of the SQL is said as db_exec_at() says it (recode
 * makes its code), one of the row as record_row() says it. st: the up
 * section as the driver's split made it (NULL: the driver splits it).
 * row_sql: what apply_row_sql() wrote for this connection, kept by the
 * caller across a run (NULL: built here, for this call). */
int apply_and_record(strata_db *db, const struct migration *m, const struct drv_stmts *st,
                     const char *row_sql, long batch, int (*recode)(int code));
/* The statement apply_and_record() writes a row with, onto sql (the same
 * for every migration of a run on one connection). */
void apply_row_sql(strata_db *db, struct sbuf *sql);
/* Delete the row of version. */
int delete_row(strata_db *db, const char *version);

#endif
