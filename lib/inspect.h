/*
 * inspect.h: what inspect.c shares with stats.c. Both read the live schema
 * the same way (through the driver, with strata's own tracking table left
 * out unless asked), so that `stats` lists exactly the tables `inspect`
 * and `dump` show.
 */
#ifndef STRATA_INSPECT_H
#define STRATA_INSPECT_H

#include "internal.h"
#include "schema.h"

/*
 * Read db's live schema into a new model (*out, the caller's: schema_free()).
 * PostgreSQL: the schema db->pg_schema names, else every non-system schema.
 * Without STRATA_INSPECT_ALL in flags, the tracking table is filtered out.
 * On failure *out is NULL and the error is on the handle.
 */
int inspect_load(strata_db *db, unsigned flags, struct schema **out);

#endif
