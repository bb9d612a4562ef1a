/*
 * introspect.h: live database -> schema model (lib/schema.h), one function
 * per engine. The drivers' `introspect` methods call these; `strata inspect`,
 * `dump`, `verify` and the diff engine (through a scratch database) use the
 * result.
 *
 * Neither engine header is needed to include this one: sqlite3 and PGconn
 * are forward-declared by their struct tags (sqlite3.h: `typedef struct
 * sqlite3 sqlite3`; libpq-fe.h: `typedef struct pg_conn PGconn`), so a
 * `sqlite3 *` or `PGconn *` may be passed as is.
 *
 * Both return 0 and a new, sorted model in *out (the caller's, schema_free())
 * or a negative STRATA_E* code with *out = NULL and err filled. Neither
 * filters strata's tracking table: call schema_filter_internal().
 */
#ifndef STRATA_INTROSPECT_H
#define STRATA_INTROSPECT_H

#include "driver.h"
#include "schema.h"

struct sqlite3;
struct pg_conn;

/* Read the "main" database of db. Reads, never writes; runs in whatever
 * transaction the caller has open (open one to get a consistent snapshot). */
int introspect_sqlite(struct sqlite3 *db, struct schema **out, struct drv_err *err);

/* Read PostgreSQL schema schema_name, or every non-system schema when NULL
 * (lib/introspect_pg.c). */
int introspect_pg(struct pg_conn *pg, const char *schema_name, struct schema **out,
                  struct drv_err *err);

#endif
