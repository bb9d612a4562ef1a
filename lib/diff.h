/*
 * diff.h: the declarative half of strata. Two schema models in (lib/schema.h),
 * an ordered list of classified changes out (diff.c); the planners turn that
 * list into SQL for one engine (plan_sqlite.c, plan_pg.c); declarative.c
 * builds the models from URLs, schema files and migration directories and
 * serves the public strata_diff/generate/push/verify.
 *
 * Ownership: a struct diff borrows both models (they must outlive it and
 * must not change while it lives) and owns its changes' strings. Every
 * pointer in a change points into one of the two models.
 *
 * Order: diff_schemas() emits changes in the order the SQL must make them,
 * phase by phase (see enum diff_phase): triggers and views that stand on
 * something that changes are dropped first, then foreign keys and indexes,
 * then tables are renamed, created (referenced before referencing), altered
 * and dropped (referencing before referenced), then indexes, foreign keys,
 * views (in dependency order) and triggers are created. A planner walks the
 * list once, front to back.
 */
#ifndef STRATA_DIFF_H
#define STRATA_DIFF_H

#include <stddef.h>

#include "sbuf.h"
#include "schema.h"

enum diff_kind {
	DIFF_CREATE_SCHEMA = 0,
	DIFF_DROP_SCHEMA,
	DIFF_CREATE_EXTENSION,
	DIFF_DROP_EXTENSION,
	DIFF_ALTER_EXTENSION,     /* version */
	DIFF_CREATE_ENUM,
	DIFF_DROP_ENUM,
	DIFF_ADD_ENUM_VALUE,      /* label: the value; ob: the enum in B */
	DIFF_REBUILD_ENUM,        /* values removed or reordered: new type, columns moved, old dropped */
	DIFF_CREATE_SEQUENCE,
	DIFF_DROP_SEQUENCE,
	DIFF_ALTER_SEQUENCE,      /* what: DIFF_SEQ_* bits (0: both, as before) */
	DIFF_CREATE_FUNCTION,
	DIFF_DROP_FUNCTION,
	DIFF_REPLACE_FUNCTION,
	DIFF_CREATE_TABLE,
	DIFF_DROP_TABLE,
	DIFF_RENAME_TABLE,
	DIFF_REBUILD_TABLE,       /* SQLite: ALTER TABLE cannot do it; the 12-step rebuild */
	DIFF_ALTER_TABLE,         /* table options: STRICT, WITHOUT ROWID, AUTOINCREMENT */
	DIFF_REORDER_COLUMNS,     /* SQLite: the columns' order differs */
	DIFF_ADD_COLUMN,
	DIFF_DROP_COLUMN,
	DIFF_RENAME_COLUMN,
	DIFF_ALTER_COLUMN,        /* what: DIFF_COL_* bits */
	DIFF_ADD_PRIMARY_KEY,
	DIFF_DROP_PRIMARY_KEY,
	DIFF_ADD_UNIQUE,
	DIFF_DROP_UNIQUE,
	DIFF_ADD_CHECK,
	DIFF_DROP_CHECK,
	DIFF_ADD_FK,
	DIFF_DROP_FK,
	DIFF_RENAME_CONSTRAINT,   /* old_name -> new_name (PostgreSQL's generated names
	                             follow table and column renames) */
	DIFF_RENAME_SEQUENCE,     /* oa -> ob */
	DIFF_CREATE_INDEX,
	DIFF_DROP_INDEX,
	DIFF_CREATE_VIEW,
	DIFF_DROP_VIEW,
	DIFF_CREATE_TRIGGER,
	DIFF_DROP_TRIGGER,
	DIFF_SET_COMMENT,         /* oa: old comment or NULL, ob: new comment or NULL */
	DIFF_CREATE_POLICY,       /* PostgreSQL; ob: the policy in B (oa: in A when made again) */
	DIFF_DROP_POLICY,         /* oa: the policy in A */
	DIFF_ALTER_ROW_SECURITY,  /* pair: ENABLE / FORCE ROW LEVEL SECURITY differ */
	DIFF_RENAME_ENUM_VALUE,   /* old_name -> new_name of enum oa (ob: in B) */
	DIFF_CREATE_TYPE,         /* PostgreSQL domain, composite or range type; ob */
	DIFF_DROP_TYPE,           /* oa */
	DIFF_ALTER_TYPE,          /* oa -> ob: a domain's default, NOT NULL, checks;
	                             a composite type's attributes added or dropped */
	DIFF_ADD_EXCLUDE,         /* ob: the EXCLUDE constraint in B; pair */
	DIFF_DROP_EXCLUDE,        /* oa: in A; pair */
	DIFF_CREATE_COLLATION,    /* PostgreSQL (collations.c); ob */
	DIFF_DROP_COLLATION,      /* oa (in PREPARE when made again, else CLEANUP) */
	DIFF_CREATE_STATISTICS,   /* PostgreSQL CREATE STATISTICS (extstats.c); ob */
	DIFF_DROP_STATISTICS,     /* oa */
	DIFF_KIND_COUNT
};

/* What an ALTER_COLUMN changes. */
#define DIFF_COL_TYPE      0x01u
#define DIFF_COL_NULL      0x02u
#define DIFF_COL_DEFAULT   0x04u
#define DIFF_COL_COLLATE   0x08u
#define DIFF_COL_GENERATED 0x10u
#define DIFF_COL_IDENTITY  0x20u
#define DIFF_COL_STORAGE   0x40u  /* PostgreSQL STORAGE, COMPRESSION, STATISTICS */

/* What an ALTER_TABLE changes on PostgreSQL (0: options, UNLOGGED). */
#define DIFF_TBL_PARTITION 0x01u  /* a partition's parent or bound: DETACH, ATTACH */
#define DIFF_TBL_INHERIT   0x02u  /* INHERIT the parents B adds */
#define DIFF_TBL_NO_INHERIT 0x04u /* NO INHERIT the parents B drops (ahead of
                                     the table's column and CHECK drops) */

/* What an ALTER_SEQUENCE changes. */
#define DIFF_SEQ_OPTIONS   0x01u  /* type, start, increment, bounds, cache, cycle */
#define DIFF_SEQ_OWNER     0x02u  /* OWNED BY */

enum diff_phase {
	DIFF_P_DROP_TRIGGER = 10,
	DIFF_P_DROP_VIEW = 20,
	DIFF_P_DROP_FK = 30,
	DIFF_P_DROP_INDEX = 40,
	DIFF_P_PREPARE = 50,      /* schemas, extensions, types, sequences, functions */
	DIFF_P_RENAME_TABLE = 60,
	DIFF_P_CREATE_TABLE = 70,
	DIFF_P_ALTER_TABLE = 80,
	DIFF_P_DROP_TABLE = 90,
	DIFF_P_ATTACH = 93,       /* PostgreSQL: partitions detached and attached again
	                             with a new bound, once the partitions B drops
	                             are gone and the parents' columns altered */
	DIFF_P_CREATE_PARTITION = 96, /* then new partitions, in the room that leaves */
	DIFF_P_CREATE_INDEX = 100,
	DIFF_P_ADD_FK = 110,
	DIFF_P_CREATE_VIEW = 120,
	DIFF_P_CREATE_TRIGGER = 130,
	DIFF_P_CLEANUP = 140,     /* drop types, sequences, functions, extensions, schemas */
	DIFF_P_COMMENT = 150
};

/* How one table of A maps onto one of B (either side NULL: create / drop). */
struct diff_table {
	const struct schema_table *a, *b;
	const struct schema_column **from;  /* b->ncolumns entries: the column of a that
	                                       each column of b comes from, NULL when new */
	int changed;                        /* columns, constraints or options differ */
	int rebuild;                        /* SQLite: rebuilt instead of altered */
	char *rebuild_why;                  /* a phrase: "a column's type changes" */
	long long rows;                     /* rows of a when counted, else -1 */
	int disturbed;                      /* views and triggers on it are dropped and
	                                       made again around its changes */
};

struct diff_change {
	enum diff_kind kind;
	int cls;                 /* STRATA_CHANGE_SAFE / _DATA_DEPENDENT / _DESTRUCTIVE */
	int phase;               /* enum diff_phase */
	char *object;            /* "users", "users.email", "index posts_author" */
	char *note;              /* why so classed, or a hint; may be NULL */
	int implied;             /* made only because something under it changes
	                            (a view re-created around a column change) */
	struct diff_table *pair; /* table changes: the pair; NULL otherwise */
	/* The object in A (from) and in B (to), by kind; NULL when absent. */
	const struct schema_column *ca, *cb;
	const struct schema_unique *ua, *ub;
	const struct schema_fk *fa, *fb;
	const struct schema_check *ka, *kb;
	const struct schema_index *ia, *ib;
	const struct schema_view *va, *vb;
	const struct schema_trigger *ra, *rb;
	const void *oa, *ob;     /* enums, sequences, extensions, schemas, functions, comments */
	const char *label;       /* ADD_ENUM_VALUE: the value; ob's string, borrowed */
	const char *old_name, *new_name; /* constraint names (RENAME_CONSTRAINT; DROP/ADD
	                            PRIMARY KEY), borrowed from the models */
	unsigned what;           /* ALTER_COLUMN: DIFF_COL_*; ALTER_SEQUENCE: DIFF_SEQ_*;
	                            ALTER_TABLE: DIFF_TBL_* */
	const struct schema_table *fk_table; /* ADD_FK / DROP_FK: the table holding it */
	char *owner;             /* the table the change belongs to (per-table
	                            migrations), B's name when it has one; NULL: none */
	size_t seq;              /* order inside a phase */
	int follows;             /* DIFF_FOLLOWS_*: dropped ahead of, or made again
	                            after, a re-made function that it uses; owner
	                            is then its table either way (--per-table puts
	                            the other half with the function) */
};

enum { DIFF_FOLLOWS_NONE = 0, DIFF_FOLLOWS_BEFORE, DIFF_FOLLOWS_AFTER };

/* One `-- strata:renamed-from old` hint of a schema file. */
enum {
	DIFF_HINT_NAME = 0,      /* a table (column NULL) or a column */
	DIFF_HINT_CONSTRAINT,    /* column: a named table constraint */
	DIFF_HINT_ENUM_VALUE     /* table: the enum type; column: the label */
};
struct diff_hint {
	char *nsp;      /* PostgreSQL schema of the table, NULL when not written */
	char *table;    /* the table's (or enum type's) name in the file */
	char *column;   /* the column's name in the file; NULL: a table hint */
	char *old;      /* its old name */
	long line;
	int kind;       /* DIFF_HINT_* */
};
struct diff_hints {
	struct diff_hint *v;
	size_t n, alloc;
};

/*
 * Read the hints of a schema file: each line holding "-- strata:renamed-from
 * NAME" names the table (when the line holds CREATE TABLE x) or the column
 * (the first name on the line, inside the CREATE TABLE last seen) defined
 * on that same line. engine (SCHEMA_*) says how unquoted names fold.
 * 0, STRATA_ENOMEM, or STRATA_EPARSE with "LINE: problem" in err (a hint
 * outside any table, or without a name).
 */
int diff_hints_parse(const char *sql, int engine, struct diff_hints *out, struct sbuf *err);
void diff_hints_release(struct diff_hints *h);

struct diff_table;
struct diff;
struct diff_opts {
	const struct diff_hints *hints;  /* may be NULL */
	int hints_describe_from;         /* the hints belong to A (a down diff) */
	/* Whether the engine's ALTER TABLE can take table pair p (the
	 * driver's needs_rebuild, driver.h: SQLite's plan_sqlite_needs_rebuild):
	 * 1 and *why (to free) when p must be rebuilt, 0 when not,
	 * STRATA_ENOMEM. NULL: every changed table is altered in place. The
	 * differ asks it and never calls a planner itself. */
	int (*needs_rebuild)(const struct diff *d, const struct diff_table *p, char **why);
};

struct diff {
	int engine;
	const struct schema *a, *b;
	struct diff_change *v;
	size_t n, alloc_;
	struct diff_table **pairs;       /* every table of A and of B, once */
	size_t npairs, pairs_alloc_;
	size_t seq_;
	struct diff_ptr_pos *by_a_, *by_b_;  /* pairs by their A / B table (diff.c) */
	size_t nby_a_, nby_b_;
	char *refused;                   /* set when B cannot be reached from A by any
	                                    plan (a type in use that PostgreSQL cannot
	                                    alter): what and why, one sentence; the
	                                    changes are then not to be planned */
};

/*
 * Compare a (FROM) with b (TO), both of one engine. *out: a new diff (free
 * with diff_free()), empty when the models are equal. 0 or STRATA_ENOMEM.
 */
int diff_schemas(const struct schema *a, const struct schema *b, const struct diff_opts *o,
                 struct diff **out);
/*
 * PostgreSQL: what no ALTER can take from a to b, which the differ refuses
 * rather than drop and re-create a table: a table that becomes
 * partitioned or stops being so, a changed partition key, a table that
 * becomes a partition or stops being one. 1 with one line in why (naming
 * the table) when refused, else 0.
 */
int diff_pg_refused(const struct schema *a, const struct schema *b, struct sbuf *why);
void diff_free(struct diff *d);

/* "create_table", "drop_column", ... as strata_change.kind spells it. */
const char *diff_kind_name(enum diff_kind k);

/*
 * SQL text comparison as the engine reads it: tokens, not bytes (spacing and
 * comments never matter; keywords and unquoted names compare without case;
 * on SQLite every name does; "x" equals x when the engine would say so).
 * rename: when given, a's identifiers are first mapped through it (old
 * column name -> new), so a CHECK written before a rename equals the one after.
 */
int diff_sql_equal(int engine, const char *a, const char *b, const struct diff_table *rename);
/* 1 when sql mentions name as an identifier (a word or a quoted name). */
int diff_sql_mentions(int engine, const char *sql, const char *name);

/* ---- planners ------------------------------------------------------------ */

struct plan_opts {
	int concurrent_indexes;   /* PostgreSQL: CREATE INDEX CONCURRENTLY */
	const char *owner;        /* only the changes of this owner (per-table
	                             migrations); NULL: all */
	int owner_none;           /* with owner NULL: only the changes without owner */
	int safe;                 /* PostgreSQL, generate's lock-safe forms (PLAN_SAFE_*);
	                             0: the plain forms */
	const struct diff *up;    /* PLAN_SAFE_DOWN: the up diff whose late part's
	                             down runs first */
};

/*
 * The lock-safe forms split a migration in two: the main part, in a
 * transaction, and a late part marked transaction:false, run after it:
 * indexes on existing tables built CONCURRENTLY, constraints added NOT
 * VALID in the main part and validated in the late one (each validation
 * its own transaction, under SHARE UPDATE EXCLUSIVE), SET NOT NULL through
 * a validated CHECK (col IS NOT NULL). PLAN_SAFE_MAIN and PLAN_SAFE_LATE
 * plan the up diff; PLAN_SAFE_LATE_DOWN, from the up diff too, the late
 * part's down; PLAN_SAFE_DOWN the down diff, leaving out the index drops
 * the late part's down does.
 */
enum { PLAN_SAFE_MAIN = 1, PLAN_SAFE_LATE = 2, PLAN_SAFE_LATE_DOWN = 3, PLAN_SAFE_DOWN = 4 };

/* 1 when change c is selected by o's owner filter. */
int plan_selects(const struct plan_opts *o, const struct diff_change *c);

/*
 * The SQL that makes d's changes, appended to sql: statements ending ";\n".
 * plan_pg sets *no_tx when a statement cannot run in a transaction
 * (CREATE INDEX CONCURRENTLY). 0, or STRATA_ENOMEM.
 */
int plan_sqlite(const struct diff *d, const struct plan_opts *o, struct sbuf *sql);
int plan_pg(const struct diff *d, const struct plan_opts *o, struct sbuf *sql, int *no_tx);

/*
 * SQLite: whether ALTER TABLE can take pair p from A to B, given the
 * table-level changes of p in d (the differ asks, through
 * diff_opts.needs_rebuild, before it orders the list).
 * Returns 1 and fills *why (a phrase, to free()) when the table must be
 * rebuilt; 0 when ALTER TABLE can do it; STRATA_ENOMEM.
 */
int plan_sqlite_needs_rebuild(const struct diff *d, const struct diff_table *p, char **why);

/* PostgreSQL (pgtypes.c): the SQL of one change of a domain, composite or
 * range type or an EXCLUDE constraint; and, for the late part of the
 * lock-safe forms, a domain's constraints validated (nothing when down). */
void plan_pg_types(const struct diff *d, const struct diff_change *c, const struct plan_opts *o,
                   struct sbuf *sb);
/* PostgreSQL (collations.c): the SQL of a CREATE_ or DROP_COLLATION. */
void plan_pg_collations(const struct diff_change *c, struct sbuf *sb);
/* PostgreSQL (extstats.c): the SQL of a CREATE_ or DROP_STATISTICS. */
void plan_pg_extstats(const struct diff_change *c, struct sbuf *sb);
void plan_pg_types_late(const struct diff *d, const struct diff_change *c, int down,
                        struct sbuf *sb);

#endif
