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

/* What a tool's checksum is of (strata adopt checks the files against it). */
enum { FOREIGN_SUM_NONE = 0, FOREIGN_SUM_SHA256, FOREIGN_SUM_FLYWAY, FOREIGN_SUM_DRIZZLE };

struct foreign_entry {
	char *key;       /* version, name or (Drizzle) hash as recorded */
	long batch;      /* 0: the tool keeps none */
	char *at;        /* "YYYY-MM-DD HH:MM:SS", or NULL: the tool keeps none */
	char *sum;       /* the tool's checksum of the file, or NULL */
	int stopped;     /* the tool records it as stopped halfway */
};

struct foreign_rows {
	const char *tool;   /* static; NULL when none was found (or none named from) */
	char *table;        /* as found, "schema.table" on PostgreSQL */
	int sum;            /* FOREIGN_SUM_* */
	int upto;           /* one row: every file up to its version is applied */
	int by_hash;        /* keys are hashes of the files (Drizzle) */
	size_t n;
	struct foreign_entry *v;
	size_t nfound;      /* how many tools' tables with rows there are */
	char *found;        /* them, "dbmate ('public.schema_migrations'), ..." */
};

/*
 * The history of the tool named from (any of its names; NULL: the first
 * found), for strata adopt; out->tool NULL when there is none. 0, or a code
 * with the handle's message set.
 */
int foreign_read(strata_db *db, const char *from, struct foreign_rows *out);
void foreign_rows_release(struct foreign_rows *h);
/* 1 if from names one of the tools. */
int foreign_known(const char *from);
/* The version a recorded name stands for ("0003" of "0003_users.sql"), to free; or NULL. */
char *foreign_version_of(const char *key);
/* Flyway's checksum of a script. */
long foreign_flyway_crc(const char *text, size_t len);

struct schema;
/* Drop other tools' history tables (by name and columns) from a schema model. */
void foreign_filter(struct schema *s);

#endif
