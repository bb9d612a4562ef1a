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
int lower(int c);
int name_eq(const struct diff *d, const char *a, const char *b);
char *detach(struct ctx *x, struct sbuf *sb);
void add_display(struct sbuf *sb, const char *nsp, const char *name);
struct diff_change *add(struct ctx *x, enum diff_kind kind, int phase, int cls);
void set_note(struct ctx *x, struct diff_change *c, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
void set_owner(struct ctx *x, struct diff_change *c, const char *owner);
int is_ident(const struct schema_tok *t);

/* ---- diff.c: pairs, objects, views and triggers ---- */
struct diff_table *pair_of_a_name(const struct diff *d, const char *nsp, const char *name);
struct diff_table *pair_of_b_name(const struct diff *d, const char *nsp, const char *name);
const char *col_to_b(const struct diff *d, const struct diff_table *p, const char *name);
char *obj_column(struct ctx *x, const struct schema_table *t, const char *col);
int check_eq(const struct diff *d, const struct diff_table *p, const struct schema_check *a,
             const struct schema_check *b, int ignore_name);
char *obj_check(struct ctx *x, const struct schema_table *t, const struct schema_check *k);
int disturbs(const struct diff *d, const struct diff_table *p);
char *obj_named(struct ctx *x, const char *what, const char *nsp, const char *name);
/* The kinds of object that are named per table (table_object_peer, diff.c). */
enum diff_peer { DIFF_PEER_TRIGGER, DIFF_PEER_POLICY };
/* The trigger (policy) of s that is t's peer in the other model (diff.c). */
const struct schema_trigger *trigger_peer(const struct diff *d, const struct schema *s,
                                          const struct schema_trigger *t, int to_b);
const struct schema_policy *policy_peer(const struct diff *d, const struct schema *s,
                                        const struct schema_policy *t, int to_b);

/* ---- diff_rename.c ---- */
const char *hint_from(struct ctx *x, const char *nsp, const char *table, const char *column,
                      const char *from_table);
const char *hint_enum_value_from(struct ctx *x, const char *nsp, const char *type, const char *label);

/* ---- diff_pg.c ---- */
int str_eq(const char *a, const char *b);
int uses_remade_function(const struct diff *d, enum schema_object_kind kind, const char *nsp,
                         const char *name, const char *sub);
void function_dependents(struct ctx *x);
void policy_changes(struct ctx *x);
void pg_object_changes(struct ctx *x);
void remake_dependent_functions(struct ctx *x);
void comment_changes(struct ctx *x);
void remade_comments(struct ctx *x);
/* Partitioning and inheritance (issue 22): 1 when t is a partition or an
 * INHERITS child of parent; the ALTER_TABLE changes (DIFF_TBL_*) of pair p. */
int table_is_child_of(const struct diff *d, const struct schema_table *t,
                      const struct schema_table *parent);
void partition_changes(struct ctx *x, struct diff_table *p);
/* NO INHERIT of the parents pair p's table loses: ahead of its column and
 * CHECK drops, which PostgreSQL refuses on what is still inherited. */
void unparent_changes(struct ctx *x, struct diff_table *p);
/* The phase of pair p's CREATE TABLE: DIFF_P_CREATE_PARTITION for a new
 * PostgreSQL partition, else DIFF_P_CREATE_TABLE. */
int partition_phase(const struct diff *d, const struct diff_table *p);

/* ---- pgtypes.c ---- */
void pgtype_changes(struct ctx *x);
void exclude_changes(struct ctx *x);

#endif
