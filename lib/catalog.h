/*
 * catalog.h: each engine's catalog SQL, behind the driver vtable (driver.h,
 * version 2). catalog_sqlite.c and catalog_pg.c hold what the core used to
 * know of each engine: whether the tracking table exists and how it is
 * made, where `stats` finds row counts and sizes, and (version 5,
 * catalog_pg.c) how a --dev-url database on a server is identified,
 * locked, listed, emptied and given back. The drivers' tables
 * point at these; the core reaches them through driver.c's drv_*
 * wrappers only (drv_tracking_ddl(), drv_stats(), drv_dev_lock() ...),
 * which check the driver's version. Their queries go through
 * drv_query(), so the fault-injection seam counts them as it counts the
 * core's own.
 */
#ifndef STRATA_CATALOG_H
#define STRATA_CATALOG_H

#include "driver.h"

/* catalog_sqlite.c */
void cat_sqlite_tracking_ddl(const char *qtable, const char *pg_schema, struct sbuf *out);
int cat_sqlite_tracking_exists(drv_conn *c, const char *table, const char *qtable, int *exists,
                               int *has_up, struct drv_err *err);
int cat_sqlite_stats(drv_conn *c, const struct schema *model, strata_stats_report *st,
                     int exact, struct drv_err *err);
int cat_sqlite_wipe_schema_list(drv_conn *c, const char *pg_schema, struct drv_rows **out,
                                struct drv_err *err);
int cat_sqlite_scratch_url(const struct strata_url *target, const char *name, char **url,
                           int *made);
int cat_sqlite_dev_check(const struct strata_url *u, const struct strata_url *target,
                         struct drv_err *err);
int cat_sqlite_plan(const struct diff *d, const struct plan_opts *o, struct sbuf *sql,
                    int *no_tx);

/* catalog_pg.c */
void cat_pg_tracking_ddl(const char *qtable, const char *pg_schema, struct sbuf *out);
int cat_pg_tracking_exists(drv_conn *c, const char *table, const char *qtable, int *exists,
                           int *has_up, struct drv_err *err);
int cat_pg_stats(drv_conn *c, const struct schema *model, strata_stats_report *st, int exact,
                 struct drv_err *err);
int cat_pg_scratch_url(const struct strata_url *target, const char *name, char **url, int *made);
int cat_pg_wipe_schema_list(drv_conn *c, const char *pg_schema, struct drv_rows **out,
                            struct drv_err *err);
/* version 5: a --dev-url database on the server (driver.h) */
int cat_pg_dev_identify(drv_conn *c, char **id, struct drv_err *err);
int cat_pg_dev_same(const char *a, const char *b);
int cat_pg_dev_lock(drv_conn *c, int *got, struct drv_err *err);
int cat_pg_dev_objects(drv_conn *c, struct drv_rows **out, struct drv_err *err);
int cat_pg_dev_drop(drv_conn *c, const char *type, const char *identity, struct drv_err *err);
int cat_pg_dev_save(drv_conn *c, void **state, struct drv_err *err);
int cat_pg_dev_restore(drv_conn *c, void *state, struct drv_err *err);
int cat_pg_scratch_match(drv_conn *target, drv_conn *scratch, struct drv_err *err);

/* tracking.c: the tracking table's columns in its first version, as
 * CREATE TABLE IF NOT EXISTS qtable (...), which both engines read alike. */
void tracking_table_ddl(const char *qtable, struct sbuf *out);

/* stats.c: what both engines' stats share. */
long long stats_parse_ll(const char *v, long long dflt);
/* Append t's name, quoted, qualified when it has a schema. */
void stats_add_table_name(struct sbuf *sb, const strata_table_stats *t);
/* The entry of (nsp, name) in st (in the model's order, engine's names). */
strata_table_stats *stats_find_entry(strata_stats_report *st, int engine, const char *nsp,
                                     const char *name);
/* Run sql on c; its first cell as a number into *out (-1 when none). */
int stats_query_ll(drv_conn *c, const char *sql, long long *out, struct drv_err *e);
/* Prefix e's message with "context: ". */
void stats_err_context(struct drv_err *e, const char *context);

#endif
