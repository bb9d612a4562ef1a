/*
 * diff_int.h: what the differ's files share among themselves, and nothing
 * else includes. diff.c holds the pairing of tables and columns, the
 * table-level comparisons, views, triggers and the final order; diff_pg.c
 * the PostgreSQL-only comparisons; diff_rename.c the renamed-from hints.
 * These names are internal to the library (hidden, never exported); they
 * keep the short names they had as static helpers of one diff.c.
 */
#ifndef STRATA_DIFF_INT_H
#define STRATA_DIFF_INT_H

#include "diff.h"

/* One diff_schemas() run: the diff being built, its options, a sticky OOM. */
struct ctx {
	struct diff *d;
	const struct diff_opts *o;
	int oom;
};

/* ---- diff.c: helpers ---- */
int diff_lower(int c);
int name_eq(const struct diff *d, const char *a, const char *b);
char *diff_detach(struct ctx *x, struct sbuf *sb);
void diff_add_display(struct sbuf *sb, const char *nsp, const char *name);
struct diff_change *diff_add(struct ctx *x, enum diff_kind kind, int phase, int cls);
void diff_set_note(struct ctx *x, struct diff_change *c, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
void diff_set_owner(struct ctx *x, struct diff_change *c, const char *owner);
int diff_is_ident(const struct schema_tok *t);

/* ---- diff.c: pairs, objects, views and triggers ---- */
struct diff_table *diff_pair_of_a_name(const struct diff *d, const char *nsp, const char *name);
struct diff_table *diff_pair_of_b_name(const struct diff *d, const char *nsp, const char *name);
const char *diff_col_to_b(const struct diff *d, const struct diff_table *p, const char *name);
char *diff_obj_column(struct ctx *x, const struct schema_table *t, const char *col);
int check_eq(const struct diff *d, const struct diff_table *p, const struct schema_check *a,
             const struct schema_check *b, int ignore_name);
char *diff_obj_check(struct ctx *x, const struct schema_table *t, const struct schema_check *k);
int diff_disturbs(const struct diff *d, const struct diff_table *p);
char *diff_obj_named(struct ctx *x, const char *what, const char *nsp, const char *name);
/* The kinds of object that are named per table (table_object_peer, diff.c). */
enum diff_peer { DIFF_PEER_TRIGGER, DIFF_PEER_POLICY };
/* The trigger (policy) of s that is t's peer in the other model (diff.c). */
const struct schema_trigger *diff_trigger_peer(const struct diff *d, const struct schema *s,
                                               const struct schema_trigger *t, int to_b);
const struct schema_policy *diff_policy_peer(const struct diff *d, const struct schema *s,
                                             const struct schema_policy *t, int to_b);

/* ---- diff_rename.c ---- */
const char *diff_hint_from(struct ctx *x, const char *nsp, const char *table, const char *column,
                           const char *from_table);
const char *diff_hint_enum_value_from(struct ctx *x, const char *nsp, const char *type, const char *label);

/* ---- diff_pg.c ---- */
int diff_str_eq(const char *a, const char *b);
int diff_pg_uses_remade_function(const struct diff *d, enum schema_object_kind kind, const char *nsp,
                                 const char *name, const char *sub);
void diff_pg_function_dependents(struct ctx *x);
void diff_pg_policy_changes(struct ctx *x);
void diff_pg_object_changes(struct ctx *x);
void diff_pg_remake_dependent_functions(struct ctx *x);
void diff_pg_comment_changes(struct ctx *x);
void diff_pg_remade_comments(struct ctx *x);
/* Partitioning and inheritance (issue 22): 1 when t is a partition or an
 * INHERITS child of parent; the ALTER_TABLE changes (DIFF_TBL_*) of pair p. */
int diff_pg_table_is_child_of(const struct diff *d, const struct schema_table *t,
                              const struct schema_table *parent);
void diff_pg_partition_changes(struct ctx *x, struct diff_table *p);
/* NO INHERIT of the parents pair p's table loses: ahead of its column and
 * CHECK drops, which PostgreSQL refuses on what is still inherited. */
void diff_pg_unparent_changes(struct ctx *x, struct diff_table *p);
/* The phase of pair p's CREATE TABLE: DIFF_P_CREATE_PARTITION for a new
 * PostgreSQL partition, else DIFF_P_CREATE_TABLE. */
int diff_pg_partition_phase(const struct diff *d, const struct diff_table *p);

/* ---- pgtypes.c ---- */
void pgtype_changes(struct ctx *x);
void pgtype_exclude_changes(struct ctx *x);

/* ---- collations.c ---- */
void collation_changes(struct ctx *x);

/* ---- extstats.c ---- */
void extstat_changes(struct ctx *x);

#endif
