/*
 * foreign.h: other migration tools' history tables (foreign.c).
 */
#ifndef STRATA_FOREIGN_H
#define STRATA_FOREIGN_H

#include "internal.h"
#include "migration.h"

struct foreign_history {
	const char *tool;   /* "dbmate", ...: static; NULL when none was found */
	char *table;        /* as found: "schema.table" on PostgreSQL */
	long long rows;     /* the rows that count as history */
	char *newest;       /* the newest version it recorded; NULL: none readable */
	char *baseline;     /* the version of ms up to which baseline records exactly
	                       what it applied; NULL: no such version */
	int stopped;        /* it records a migration that stopped halfway (dirty) */
};

/*
 * Look for another tool's history table with rows; *out->tool is NULL when
 * there is none. ms (may be NULL) lets baseline be worked out. 0, or a code
 * with the handle's message set.
 */
int foreign_find(strata_db *db, const struct migration_set *ms, struct foreign_history *out);
void foreign_release(struct foreign_history *h);

#endif
