/*
 * diff_pg.c: the PostgreSQL-only comparisons of the differ (see diff.c,
 * which calls them in its order): what stands on a function that is made
 * again (from the dependencies the server recorded, struct schema_dep),
 * row-level security and policies, and the PostgreSQL objects beside the
 * tables (schemas, extensions, enums, sequences, functions, comments).
 * The shared machinery (struct ctx, diff_add(), the table pairs) is diff.c's,
 * declared in diff_int.h.
 */
#include "diff_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata.h"

/* ---- what stands on re-made functions (PostgreSQL) -------------------------------- */

/* 1 when d re-makes A's function nsp.name(args): drops it and creates it
 * again (DROP_FUNCTION with its B side, see pg_object_changes). */
static int function_remade(const struct diff *d, const char *nsp, const char *name,
                           const char *args)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct diff_change *c = &d->v[i];
		const struct schema_function *f = c->oa;
		if (c->kind == DIFF_DROP_FUNCTION && c->ob && name_eq(d, f->schema, nsp) &&
		    name_eq(d, f->name, name) && !strcmp(f->args ? f->args : "", args ? args : ""))
			return 1;
	}
	return 0;
}

/* 1 when A's object (named as struct schema_dep names it) uses, by the
 * dependencies PostgreSQL recorded, a function that d re-makes: it must go
 * before the function is dropped and come back after it is created. */
int diff_pg_uses_remade_function(const struct diff *d, enum schema_object_kind kind, const char *nsp,
                                 const char *name, const char *sub)
{
	size_t i;

	for (i = 0; i < d->a->ndeps; i++) {
		const struct schema_dep *x = d->a->deps[i];
		if (x->kind == kind && x->ref_kind == SCHEMA_OBJ_FUNCTION && name_eq(d, x->schema, nsp) &&
		    name_eq(d, x->name, name) && name_eq(d, x->sub, sub) &&
		    function_remade(d, x->ref_schema, x->ref_name, x->ref_sub))
			return 1;
	}
	return 0;
}

/*
 * A generated column whose expression uses a re-made function: PostgreSQL
 * cannot take the expression away and give it back, so the column is
 * dropped before the function (A's names) and added again after it (B's
 * names, ahead of the indexes, which come back with it: on_remade_column).
 * Its values are computed again. When B drops the column, that drop moves
 * up instead; when B changes its expression too, the drop and add of that
 * change are these.
 */
static void generated_dependent(struct ctx *x, struct diff_table *p, const struct schema_column *ca,
                                const char *fname)
{
	struct diff *d = x->d;
	const struct schema_column *cb = NULL;
	struct diff_change *c;
	size_t k, n = d->n;

	for (k = 0; p->b && k < p->b->ncolumns; k++)
		if (p->from[k] == ca)
			cb = &p->b->columns[k];
	for (k = 0; k < n; k++) {
		struct diff_change *o = &d->v[k];
		if (o->pair != p)
			continue;
		if (o->kind == DIFF_DROP_COLUMN && o->ca == ca) {
			o->phase = DIFF_P_DROP_FK;
			o->follows = DIFF_FOLLOWS_BEFORE;
			return;
		}
		if (o->kind == DIFF_ALTER_COLUMN && o->ca == ca) {
			if (!(o->what & DIFF_COL_GENERATED) || !o->cb->generated)
				return; /* it stops being generated or changes otherwise: left as it is */
			/* Its own drop and add do it: the change becomes ours. */
			o->kind = DIFF_DROP_COLUMN;
			o->phase = DIFF_P_DROP_FK;
			o->follows = DIFF_FOLLOWS_BEFORE;
			o->cb = NULL;
			o->what = 0;
			break;
		}
	}
	if (k == n && (c = diff_add(x, DIFF_DROP_COLUMN, DIFF_P_DROP_FK, STRATA_CHANGE_SAFE))) {
		c->pair = p;
		c->ca = ca;
		c->implied = 1;
		c->object = diff_obj_column(x, p->a, ca->name);
		diff_set_note(x, c, "generated from function %s, which is re-made: dropped, then added "
		              "again (its values are computed again)", fname);
		c->follows = DIFF_FOLLOWS_BEFORE;
		diff_set_owner(x, c, p->b ? p->b->name : p->a->name);
	}
	if (!cb || !cb->generated)
		return;
	if ((c = diff_add(x, DIFF_ADD_COLUMN, DIFF_P_CREATE_INDEX, STRATA_CHANGE_SAFE))) {
		c->pair = p;
		c->cb = cb;
		c->implied = 1;
		c->object = diff_obj_column(x, p->b, cb->name);
		diff_set_note(x, c, "added again after function %s is re-made", fname);
		c->follows = DIFF_FOLLOWS_AFTER;
		diff_set_owner(x, c, p->b->name);
	}
}

/*
 * CHECKs and column defaults that use a re-made function: dropped before
 * it, by A's names (phase DROP_FK: before any table or column is renamed),
 * and made again after, by B's (phase ADD_FK). A CHECK or default that B
 * changes anyway keeps its own change: only its drop moves up. Views,
 * indexes and triggers are seen to where they are diffed. Each is marked
 * (follows) for --per-table, which puts one half with the function.
 */
void diff_pg_function_dependents(struct ctx *x)
{
	struct diff *d = x->d;
	size_t i, k, n = d->n;

	for (i = 0; i < d->a->ndeps && !x->oom; i++) {
		const struct schema_dep *dep = d->a->deps[i];
		struct diff_table *p;
		struct diff_change *c;
		int moved = 0;

		if ((dep->kind != SCHEMA_OBJ_CONSTRAINT && dep->kind != SCHEMA_OBJ_COLUMN) ||
		    dep->ref_kind != SCHEMA_OBJ_FUNCTION || !dep->sub ||
		    !function_remade(d, dep->ref_schema, dep->ref_name, dep->ref_sub) ||
		    !(p = diff_pair_of_a_name(d, dep->schema, dep->name)))
			continue;
		if (dep->kind == SCHEMA_OBJ_CONSTRAINT) {
			const struct schema_check *ka = NULL, *kb = NULL;
			for (k = 0; k < p->a->nchecks; k++)
				if (p->a->checks[k].name && name_eq(d, p->a->checks[k].name, dep->sub))
					ka = &p->a->checks[k];
			if (!ka)
				continue;
			for (k = 0; k < n; k++)
				if (d->v[k].kind == DIFF_DROP_CHECK && d->v[k].ka == ka) {
					d->v[k].phase = DIFF_P_DROP_FK;
					d->v[k].follows = DIFF_FOLLOWS_BEFORE;
					moved = 1;
				}
			if (moved)
				continue;
			if ((c = diff_add(x, DIFF_DROP_CHECK, DIFF_P_DROP_FK, STRATA_CHANGE_SAFE))) {
				c->pair = p;
				c->ka = ka;
				c->implied = 1;
				c->object = diff_obj_check(x, p->a, ka);
				diff_set_note(x, c, "uses function %s, which is re-made: dropped, then added again",
				              dep->ref_name);
				c->follows = DIFF_FOLLOWS_BEFORE;
				diff_set_owner(x, c, p->b ? p->b->name : p->a->name);
			}
			for (k = 0; p->b && k < p->b->nchecks; k++)
				if (check_eq(d, p, ka, &p->b->checks[k], 0))
					kb = &p->b->checks[k];
			if (kb && (c = diff_add(x, DIFF_ADD_CHECK, DIFF_P_ADD_FK, STRATA_CHANGE_DATA_DEPENDENT))) {
				c->pair = p;
				c->kb = kb;
				c->implied = 1;
				c->object = diff_obj_check(x, p->b, kb);
				diff_set_note(x, c, "added again after function %s is re-made: fails if a row of %s "
				              "breaks it under the new function", dep->ref_name, p->b->name);
				c->follows = DIFF_FOLLOWS_AFTER;
				diff_set_owner(x, c, p->b->name);
			}
		} else {
			const struct schema_column *ca = table_find_column(p->a, dep->sub), *cb = NULL;
			if (!ca)
				continue;
			if (ca->generated) {
				generated_dependent(x, p, ca, dep->ref_name);
				continue;
			}
			if (!ca->default_sql)
				continue;
			if ((c = diff_add(x, DIFF_ALTER_COLUMN, DIFF_P_DROP_FK, STRATA_CHANGE_SAFE))) {
				c->pair = p;
				c->ca = ca;
				c->what = DIFF_COL_DEFAULT;
				c->implied = 1;
				c->object = diff_obj_column(x, p->a, ca->name);
				diff_set_note(x, c, "its default uses function %s, which is re-made: dropped, then set "
				              "again", dep->ref_name);
				c->follows = DIFF_FOLLOWS_BEFORE;
				diff_set_owner(x, c, p->b ? p->b->name : p->a->name);
			}
			for (k = 0; p->b && k < p->b->ncolumns; k++)
				if (p->from[k] == ca)
					cb = &p->b->columns[k];
			if (!cb || !cb->default_sql)
				continue;
			/* A change of its own that sets the default already? It
			 * goes with the function then (--per-table: after it). */
			for (k = 0; k < n; k++) {
				struct diff_change *o = &d->v[k];
				if (o->kind == DIFF_ALTER_COLUMN && o->cb == cb &&
				    ((o->what & DIFF_COL_DEFAULT) ||
				     ((o->what & (DIFF_COL_TYPE | DIFF_COL_COLLATE)) && o->ca->default_sql))) {
					o->follows = DIFF_FOLLOWS_AFTER;
					break;
				}
			}
			if (k < n)
				continue;
			if ((c = diff_add(x, DIFF_ALTER_COLUMN, DIFF_P_ADD_FK, STRATA_CHANGE_SAFE))) {
				c->pair = p;
				c->ca = ca;
				c->cb = cb;
				c->what = DIFF_COL_DEFAULT;
				c->implied = 1;
				c->object = diff_obj_column(x, p->b, cb->name);
				diff_set_note(x, c, "default set again after function %s is re-made", dep->ref_name);
				c->follows = DIFF_FOLLOWS_AFTER;
				diff_set_owner(x, c, p->b->name);
			}
		}
	}
}

/* ---- row-level security (PostgreSQL) ---------------------------------------------------- */

/* Kept as is: the same text on a table that is not disturbed (PostgreSQL
 * refuses to change the type of, or drop, a column a policy uses). */
static int policy_kept(const struct diff *d, const struct schema_policy *a,
                       const struct schema_policy *b)
{
	const struct diff_table *p = diff_pair_of_a_name(d, a->schema, a->table);

	return diff_sql_equal(d->engine, a->sql, b->sql, NULL) && !(p && diff_disturbs(d, p));
}

/* Policies are dropped where triggers are (first) and made where they are
 * (last); a dropped table takes its own. ENABLE/FORCE ROW LEVEL SECURITY is
 * set with the table's other changes, after CREATE TABLE. */
void diff_pg_policy_changes(struct ctx *x)
{
	struct diff *d = x->d;
	size_t i;

	for (i = 0; i < d->a->npolicies; i++) {
		const struct schema_policy *pa = d->a->policies[i];
		const struct schema_policy *pb = diff_policy_peer(d, d->b, pa, 1);
		const struct diff_table *p = diff_pair_of_a_name(d, pa->schema, pa->table);
		struct diff_change *c;

		if ((p && !p->b) || (pb && policy_kept(d, pa, pb)))
			continue;
		if ((c = diff_add(x, DIFF_DROP_POLICY, DIFF_P_DROP_TRIGGER, STRATA_CHANGE_SAFE))) {
			c->oa = pa;
			c->ob = pb;
			c->implied = pb && diff_sql_equal(d->engine, pa->sql, pb->sql, NULL);
			c->object = diff_obj_named(x, "policy", pa->schema, pa->name);
			if (c->implied)
				diff_set_note(x, c, "dropped around changes to %s, then re-created", pa->table);
			else if (pb)
				diff_set_note(x, c, "its definition changes: dropped and created again");
			diff_set_owner(x, c, p && p->b ? p->b->name : pa->table);
		}
	}
	for (i = 0; i < d->b->npolicies; i++) {
		const struct schema_policy *pb = d->b->policies[i];
		const struct schema_policy *pa = diff_policy_peer(d, d->a, pb, 0);
		struct diff_change *c;

		if (pa && policy_kept(d, pa, pb))
			continue;
		if ((c = diff_add(x, DIFF_CREATE_POLICY, DIFF_P_CREATE_TRIGGER, STRATA_CHANGE_SAFE))) {
			c->oa = pa;
			c->ob = pb;
			c->implied = pa && diff_sql_equal(d->engine, pa->sql, pb->sql, NULL);
			c->object = diff_obj_named(x, "policy", pb->schema, pb->name);
			if (c->implied)
				diff_set_note(x, c, "re-created after the changes to %s", pb->table);
			diff_set_owner(x, c, pb->table);
		}
	}
	for (i = 0; i < d->npairs; i++) {
		struct diff_table *p = d->pairs[i];
		struct diff_change *c;

		if (!p->b || ((p->a ? p->a->row_security : 0) == p->b->row_security &&
		              (p->a ? p->a->force_row_security : 0) == p->b->force_row_security))
			continue;
		if ((c = diff_add(x, DIFF_ALTER_ROW_SECURITY, DIFF_P_ALTER_TABLE, STRATA_CHANGE_SAFE))) {
			c->pair = p;
			c->object = diff_obj_named(x, "table", p->b->schema, p->b->name);
			diff_set_owner(x, c, p->b->name);
		}
	}
}

/* ---- PostgreSQL objects ---------------------------------------------------------------- */

static int labels_extend(const struct schema_names *a, const struct schema_names *b)
{
	/* B keeps every label of A, in A's order (new ones may go anywhere). */
	size_t i, j = 0;

	for (i = 0; i < a->n; i++) {
		while (j < b->n && strcmp(a->v[i], b->v[j]) != 0)
			j++;
		if (j == b->n)
			return 0;
		j++;
	}
	return 1;
}

/* 1 when label is one of l's. */
static int has_label(const struct schema_names *l, const char *label)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], label))
			return 1;
	return 0;
}

/*
 * The values of ea renamed into eb's by the file's hints (`-- @renamed
 * from=old` on a value's line): ALTER TYPE ... RENAME VALUE for each, then
 * ADD VALUE for those still new (or, when the labels, renamed, still lose
 * or reorder one, the rebuild, which then maps the rows by their new text),
 * and 1. 0 (nothing added) when no hint applies.
 */
static int enum_value_renames(struct ctx *x, const struct schema_enum *ea,
                              const struct schema_enum *eb)
{
	struct schema_names cur = { NULL, 0, 0 };
	struct diff_change *c;
	const char **old;
	size_t i, k, nren = 0;
	int ok = 0;

	if (!ea->labels.n || !(old = calloc(ea->labels.n, sizeof *old)))
		return 0;
	if (!(cur.v = calloc(ea->labels.n, sizeof *cur.v)))
		goto out;
	cur.n = ea->labels.n;
	for (i = 0; i < ea->labels.n; i++)
		cur.v[i] = ea->labels.v[i];
	for (k = 0; k < eb->labels.n; k++) {
		const char *from = diff_hint_enum_value_from(x, eb->schema, eb->name, eb->labels.v[k]);
		if (!from || has_label(&ea->labels, eb->labels.v[k]) || has_label(&cur, eb->labels.v[k]))
			continue;
		for (i = 0; i < cur.n; i++)
			if (!old[i] && !strcmp(cur.v[i], from))
				break;
		if (i == cur.n)
			continue;
		old[i] = ea->labels.v[i];
		cur.v[i] = eb->labels.v[k];
		nren++;
	}
	if (!nren)
		goto out;
	ok = 1;
	for (i = 0; i < cur.n; i++) {
		if (!old[i] || !(c = diff_add(x, DIFF_RENAME_ENUM_VALUE, DIFF_P_PREPARE, STRATA_CHANGE_SAFE)))
			continue;
		c->oa = ea;
		c->ob = eb;
		c->old_name = old[i];
		c->new_name = cur.v[i];
		c->object = diff_obj_named(x, "type", eb->schema, eb->name);
		diff_set_note(x, c, "renames value '%s' to '%s'", old[i], cur.v[i]);
	}
	if (!labels_extend(&cur, &eb->labels)) {
		/* renamed first; the rebuild then maps the rows by the new text */
		if ((c = diff_add(x, DIFF_REBUILD_ENUM, DIFF_P_ALTER_TABLE, STRATA_CHANGE_DATA_DEPENDENT))) {
			c->oa = ea;
			c->ob = eb;
			c->object = diff_obj_named(x, "type", eb->schema, eb->name);
			diff_set_note(x, c, "values removed or reordered: a new type replaces it; fails if a "
			              "row holds a removed value");
		}
		goto out;
	}
	for (k = 0; k < eb->labels.n; k++) {
		if (has_label(&cur, eb->labels.v[k]))
			continue;
		if ((c = diff_add(x, DIFF_ADD_ENUM_VALUE, DIFF_P_PREPARE, STRATA_CHANGE_SAFE))) {
			c->oa = ea;
			c->ob = eb;
			c->label = eb->labels.v[k];
			c->object = diff_obj_named(x, "type", eb->schema, eb->name);
			diff_set_note(x, c, "adds value '%s'", eb->labels.v[k]);
		}
	}
out:
	free(cur.v);
	free(old);
	return ok;
}

static int sequence_eq(const struct schema_sequence *a, const struct schema_sequence *b)
{
	return !strcmp(a->type ? a->type : "", b->type ? b->type : "") && a->start == b->start &&
	       a->increment == b->increment && a->min_value == b->min_value &&
	       a->max_value == b->max_value && a->cache == b->cache && a->cycle == b->cycle;
}

/* The same OWNED BY, A's table and column followed to their names in B (a
 * renamed table or column keeps its sequence). */
static int owner_eq(const struct diff *d, const struct schema_sequence *a,
                    const struct schema_sequence *b)
{
	const struct diff_table *tp;
	const char *col;

	if (!a->owned_by_table || !b->owned_by_table)
		return !a->owned_by_table == !b->owned_by_table;
	tp = diff_pair_of_a_name(d, a->schema, a->owned_by_table);
	if (!tp || !tp->b || !(col = diff_col_to_b(d, tp, a->owned_by_column)))
		return 0;
	return name_eq(d, tp->b->name, b->owned_by_table) && name_eq(d, col, b->owned_by_column);
}

/* One function in A and B: schema, name and argument types (PostgreSQL's
 * identity; a renamed parameter is the same function). */
static int function_same(const struct diff *d, const struct schema_function *a,
                         const struct schema_function *b)
{
	if (!name_eq(d, a->schema, b->schema) || !name_eq(d, a->name, b->name))
		return 0;
	if (a->arg_types && b->arg_types)
		return !strcmp(a->arg_types, b->arg_types);
	return !strcmp(a->args ? a->args : "", b->args ? b->args : "");
}

int diff_str_eq(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* 1 when CREATE OR REPLACE cannot take a to b (42P13): another result type
 * (OUT parameters included), a function that becomes a procedure, renamed
 * or removed parameters or defaults. Any change of the argument list is
 * taken as one: the re-make is always right, only heavier. */
static int function_needs_drop(const struct schema_function *a, const struct schema_function *b)
{
	if (!a->arguments || !b->arguments)
		return 0; /* a model without them (not introspected): as before */
	return !diff_str_eq(a->result, b->result) || !diff_str_eq(a->arguments, b->arguments) ||
	       (a->result == NULL) != (b->result == NULL);
}

/*
 * 1 when B's function f must exist before the tables change: a column
 * default or generated expression, a CHECK or an index of B uses it (by
 * B's recorded dependencies), or a function that must, or B's
 * dependencies are not known. Any other
 * new or replaced function is made after the tables and indexes, before
 * the views and triggers that may call it: its body may read tables this
 * plan creates, and a LANGUAGE sql body is checked when it is created.
 */
static int needed_early(const struct diff *d, const char *nsp, const char *name, const char *args,
                        int level, size_t *budget)
{
	size_t i;

	/* The walk is bounded (a schema is input): past it, early is safe. */
	if (level > 64 || !*budget)
		return 1;
	--*budget;
	for (i = 0; i < d->b->ndeps; i++) {
		const struct schema_dep *x = d->b->deps[i];
		if (x->ref_kind != SCHEMA_OBJ_FUNCTION || !name_eq(d, x->ref_schema, nsp) ||
		    !name_eq(d, x->ref_name, name) || !diff_str_eq(x->ref_sub, args))
			continue;
		if (x->kind == SCHEMA_OBJ_COLUMN || x->kind == SCHEMA_OBJ_CONSTRAINT ||
		    x->kind == SCHEMA_OBJ_INDEX)
			return 1;
		/* called by a function that is needed early */
		if (x->kind == SCHEMA_OBJ_FUNCTION &&
		    needed_early(d, x->schema, x->name, x->sub, level + 1, budget))
			return 1;
	}
	return 0;
}

static int function_needed_early(const struct diff *d, const struct schema_function *f)
{
	size_t budget = 10000;

	if (!f->arguments)
		return 1; /* not introspected: where it always was */
	return needed_early(d, f->schema, f->name, f->args, 0, &budget);
}

/* 1 when A's function f takes or returns an enum that d rebuilds (by A's
 * recorded dependencies). */
static int uses_rebuilt_enum(const struct diff *d, const struct schema_function *f)
{
	size_t i, k;

	for (i = 0; i < d->a->ndeps; i++) {
		const struct schema_dep *x = d->a->deps[i];
		if (x->kind != SCHEMA_OBJ_FUNCTION || x->ref_kind != SCHEMA_OBJ_TYPE ||
		    !name_eq(d, x->schema, f->schema) || !name_eq(d, x->name, f->name) ||
		    !diff_str_eq(x->sub, f->args))
			continue;
		for (k = 0; k < d->n; k++) {
			const struct schema_enum *e = d->v[k].oa;
			if (d->v[k].kind == DIFF_REBUILD_ENUM && name_eq(d, e->schema, x->ref_schema) &&
			    name_eq(d, e->name, x->ref_name))
				return 1;
		}
	}
	return 0;
}

void diff_pg_object_changes(struct ctx *x)
{
	struct diff *d = x->d;
	const struct schema *a = d->a, *b = d->b;
	struct diff_change *c;
	size_t i, k;

	for (i = 0; i < b->nnamespaces; i++) {
		for (k = 0; k < a->nnamespaces; k++)
			if (!strcmp(a->namespaces[k]->name, b->namespaces[i]->name))
				break;
		if (k < a->nnamespaces)
			continue;
		if ((c = diff_add(x, DIFF_CREATE_SCHEMA, DIFF_P_PREPARE, STRATA_CHANGE_SAFE))) {
			c->ob = b->namespaces[i];
			c->object = diff_obj_named(x, "schema", NULL, b->namespaces[i]->name);
		}
	}
	for (i = 0; i < a->nnamespaces; i++) {
		for (k = 0; k < b->nnamespaces; k++)
			if (!strcmp(a->namespaces[i]->name, b->namespaces[k]->name))
				break;
		if (k < b->nnamespaces)
			continue;
		if ((c = diff_add(x, DIFF_DROP_SCHEMA, DIFF_P_CLEANUP, STRATA_CHANGE_SAFE))) {
			c->oa = a->namespaces[i];
			c->object = diff_obj_named(x, "schema", NULL, a->namespaces[i]->name);
		}
	}
	for (i = 0; i < b->nextensions; i++) {
		const struct schema_extension *eb = b->extensions[i], *ea = NULL;
		for (k = 0; k < a->nextensions; k++)
			if (!strcmp(a->extensions[k]->name, eb->name))
				ea = a->extensions[k];
		if (ea && !strcmp(ea->version ? ea->version : "", eb->version ? eb->version : ""))
			continue;
		if ((c = diff_add(x, ea ? DIFF_ALTER_EXTENSION : DIFF_CREATE_EXTENSION, DIFF_P_PREPARE,
		                  STRATA_CHANGE_SAFE))) {
			c->oa = ea;
			c->ob = eb;
			c->object = diff_obj_named(x, "extension", NULL, eb->name);
		}
	}
	for (i = 0; i < a->nextensions; i++) {
		for (k = 0; k < b->nextensions; k++)
			if (!strcmp(a->extensions[i]->name, b->extensions[k]->name))
				break;
		if (k < b->nextensions)
			continue;
		if ((c = diff_add(x, DIFF_DROP_EXTENSION, DIFF_P_CLEANUP, STRATA_CHANGE_SAFE))) {
			c->oa = a->extensions[i];
			c->object = diff_obj_named(x, "extension", NULL, a->extensions[i]->name);
		}
	}
	for (i = 0; i < b->nenums; i++) {
		const struct schema_enum *eb = b->enums[i];
		const struct schema_enum *ea = schema_find_enum(a, eb->schema, eb->name);
		if (!ea) {
			if ((c = diff_add(x, DIFF_CREATE_ENUM, DIFF_P_PREPARE, STRATA_CHANGE_SAFE))) {
				c->ob = eb;
				c->object = diff_obj_named(x, "type", eb->schema, eb->name);
			}
			continue;
		}
		if (schema_names_equal(&ea->labels, &eb->labels, 0))
			continue;
		if (enum_value_renames(x, ea, eb))
			continue;
		if (labels_extend(&ea->labels, &eb->labels)) {
			for (k = 0; k < eb->labels.n; k++) {
				size_t m;
				for (m = 0; m < ea->labels.n; m++)
					if (!strcmp(ea->labels.v[m], eb->labels.v[k]))
						break;
				if (m < ea->labels.n)
					continue;
				if ((c = diff_add(x, DIFF_ADD_ENUM_VALUE, DIFF_P_PREPARE, STRATA_CHANGE_SAFE))) {
					c->oa = ea;
					c->ob = eb;
					c->label = eb->labels.v[k];
					c->object = diff_obj_named(x, "type", eb->schema, eb->name);
					diff_set_note(x, c, "adds value '%s'", eb->labels.v[k]);
				}
			}
		} else if ((c = diff_add(x, DIFF_REBUILD_ENUM, DIFF_P_ALTER_TABLE, STRATA_CHANGE_DATA_DEPENDENT))) {
			c->oa = ea;
			c->ob = eb;
			c->object = diff_obj_named(x, "type", eb->schema, eb->name);
			diff_set_note(x, c, "values removed or reordered: a new type replaces it; fails if a row "
			              "holds a removed value");
		}
	}
	for (i = 0; i < a->nenums; i++) {
		if (schema_find_enum(b, a->enums[i]->schema, a->enums[i]->name))
			continue;
		if ((c = diff_add(x, DIFF_DROP_ENUM, DIFF_P_CLEANUP, STRATA_CHANGE_SAFE))) {
			c->oa = a->enums[i];
			c->object = diff_obj_named(x, "type", a->enums[i]->schema, a->enums[i]->name);
		}
	}
	/* Sequences: a serial column's sequence is named after its table and
	 * column, so it is renamed when they are. */
	{
		unsigned char *ren_a = calloc(a->nsequences + 1, 1), *ren_b = calloc(b->nsequences + 1, 1);
		if (!ren_a || !ren_b) {
			free(ren_a);
			free(ren_b);
			x->oom = 1;
			return;
		}
		for (i = 0; i < a->nsequences; i++) {
			const struct schema_sequence *sa = a->sequences[i];
			const struct diff_table *tp;
			const char *col;
			if (schema_find_sequence(b, sa->schema, sa->name) || !sa->owned_by_table)
				continue;
			tp = diff_pair_of_a_name(d, sa->schema, sa->owned_by_table);
			if (!tp || !tp->b || !(col = diff_col_to_b(d, tp, sa->owned_by_column)))
				continue;
			for (k = 0; k < b->nsequences; k++) {
				const struct schema_sequence *sb = b->sequences[k];
				if (ren_b[k] || schema_find_sequence(a, sb->schema, sb->name) ||
				    !sb->owned_by_table || !name_eq(d, sb->owned_by_table, tp->b->name) ||
				    !name_eq(d, sb->owned_by_column, col) || !name_eq(d, sb->schema, sa->schema))
					continue;
				ren_a[i] = ren_b[k] = 1;
				if ((c = diff_add(x, DIFF_RENAME_SEQUENCE, DIFF_P_PREPARE, STRATA_CHANGE_SAFE))) {
					c->oa = sa;
					c->ob = sb;
					c->object = diff_obj_named(x, "sequence", sb->schema, sb->name);
					diff_set_note(x, c, "renamed from %s", sa->name);
					/* --per-table: with the table whose rename names it */
					diff_set_owner(x, c, tp->b->name);
				}
				if (!sequence_eq(sa, sb) &&
				    (c = diff_add(x, DIFF_ALTER_SEQUENCE, DIFF_P_PREPARE, STRATA_CHANGE_SAFE))) {
					c->oa = sa;
					c->ob = sb;
					c->what = DIFF_SEQ_OPTIONS;
					c->object = diff_obj_named(x, "sequence", sb->schema, sb->name);
				}
				break;
			}
		}
		for (i = 0; i < b->nsequences; i++) {
			const struct schema_sequence *sb = b->sequences[i];
			const struct schema_sequence *sa = schema_find_sequence(a, sb->schema, sb->name);
			if (ren_b[i] || (sa && sequence_eq(sa, sb) && owner_eq(d, sa, sb)))
				continue;
			if ((c = diff_add(x, sa ? DIFF_ALTER_SEQUENCE : DIFF_CREATE_SEQUENCE, DIFF_P_PREPARE,
			                  STRATA_CHANGE_SAFE))) {
				c->oa = sa;
				c->ob = sb;
				if (sa) {
					c->what = (sequence_eq(sa, sb) ? 0u : DIFF_SEQ_OPTIONS) |
					          (owner_eq(d, sa, sb) ? 0u : DIFF_SEQ_OWNER);
					if ((c->what & DIFF_SEQ_OWNER) && sa->owned_by_table) {
						/* --per-table: released in the old owner's
						 * migration, before it drops the column */
						const struct diff_table *tp =
							diff_pair_of_a_name(d, sa->schema, sa->owned_by_table);
						diff_set_owner(x, c, tp && tp->b ? tp->b->name : sa->owned_by_table);
					}
				} else if (sb->owned_by_table) {
					/* --per-table: a serial column's sequence is made in
					 * its table's migration, ahead of the table's
					 * default that calls it, never in a later one */
					diff_set_owner(x, c, sb->owned_by_table);
					if (c->what & DIFF_SEQ_OWNER)
						diff_set_note(x, c, "OWNED BY %s%s%s", sb->owned_by_table ? sb->owned_by_table : "NONE",
						              sb->owned_by_table ? "." : "",
						              sb->owned_by_table ? sb->owned_by_column : "");
				}
				c->object = diff_obj_named(x, "sequence", sb->schema, sb->name);
			}
		}
		for (i = 0; i < a->nsequences; i++) {
			if (ren_a[i] || schema_find_sequence(b, a->sequences[i]->schema, a->sequences[i]->name))
				continue;
			if ((c = diff_add(x, DIFF_DROP_SEQUENCE, DIFF_P_CLEANUP, STRATA_CHANGE_SAFE))) {
				const struct schema_sequence *sa = a->sequences[i];
				c->oa = sa;
				c->object = diff_obj_named(x, "sequence", sa->schema, sa->name);
				diff_set_note(x, c, "its current value is lost");
				if (sa->owned_by_table) {
					/* --per-table: dropped with its table (or after
					 * its column), in that table's migration */
					const struct diff_table *tp = diff_pair_of_a_name(d, sa->schema, sa->owned_by_table);
					diff_set_owner(x, c, tp && tp->b ? tp->b->name : sa->owned_by_table);
				}
			}
		}
		free(ren_a);
		free(ren_b);
	}
	for (i = 0; i < b->nfunctions; i++) {
		const struct schema_function *fb = b->functions[i], *fa = NULL;
		int remade = 0;
		for (k = 0; k < a->nfunctions; k++)
			if (function_same(d, a->functions[k], fb))
				fa = a->functions[k];
		if (fa && uses_rebuilt_enum(d, fa)) {
			/* Made again around the enum's rebuild (phase ALTER_TABLE,
			 * whose first changes are the rebuilds), so that it takes
			 * the new type, not the renamed old one. */
			if ((c = diff_add(x, DIFF_DROP_FUNCTION, DIFF_P_PREPARE, STRATA_CHANGE_SAFE))) {
				c->oa = fa;
				c->ob = fb;
				c->object = diff_obj_named(x, "function", fa->schema, fa->name);
				diff_set_note(x, c, "a type it takes or returns is rebuilt: dropped and created "
				              "again, with what uses it");
			}
			if ((c = diff_add(x, DIFF_CREATE_FUNCTION, DIFF_P_ALTER_TABLE, STRATA_CHANGE_SAFE))) {
				c->ob = fb;
				c->object = diff_obj_named(x, "function", fb->schema, fb->name);
			}
			continue;
		}
		if (fa && !strcmp(fa->sql ? fa->sql : "", fb->sql ? fb->sql : ""))
			continue;
		if (fa && function_needs_drop(fa, fb) &&
		    (c = diff_add(x, DIFF_DROP_FUNCTION, DIFF_P_PREPARE, STRATA_CHANGE_SAFE))) {
			/* With its B side: a re-make, which what uses it follows. */
			c->oa = fa;
			c->ob = fb;
			c->object = diff_obj_named(x, "function", fa->schema, fa->name);
			diff_set_note(x, c, "its result type or parameters change, which CREATE OR REPLACE "
			              "cannot do: dropped and created again, with what uses it");
			fa = NULL;
			remade = 1;
		}
		if ((c = diff_add(x, fa ? DIFF_REPLACE_FUNCTION : DIFF_CREATE_FUNCTION,
		                  remade || function_needed_early(d, fb) ? DIFF_P_PREPARE : DIFF_P_ADD_FK,
		                  STRATA_CHANGE_SAFE))) {
			c->oa = fa;
			c->ob = fb;
			c->object = diff_obj_named(x, "function", fb->schema, fb->name);
		}
	}
	for (i = 0; i < a->nfunctions; i++) {
		const struct schema_function *fa = a->functions[i];
		for (k = 0; k < b->nfunctions; k++)
			if (function_same(d, fa, b->functions[k]))
				break;
		if (k < b->nfunctions)
			continue;
		if ((c = diff_add(x, DIFF_DROP_FUNCTION, DIFF_P_CLEANUP, STRATA_CHANGE_SAFE))) {
			c->oa = fa;
			c->object = diff_obj_named(x, "function", fa->schema, fa->name);
		}
	}
}

/*
 * Functions of A whose body (BEGIN ATOMIC) or argument defaults call a
 * re-made function are re-made too, until no more are found: each is
 * dropped before it (phase DROP_INDEX, after the indexes that may use it;
 * the one found last, which stands on the others, first) and created after
 * it (a change of its own that replaced it becomes that creation, moved to
 * the end of the list). One that B drops is dropped ahead in the same way.
 */
void diff_pg_remake_dependent_functions(struct ctx *x)
{
	struct diff *d = x->d;
	size_t i, k, drops = 0;
	int grew;

	do {
		grew = 0;
		for (i = 0; i < d->a->nfunctions && !x->oom; i++) {
			const struct schema_function *fa = d->a->functions[i], *fb = NULL;
			struct diff_change *c, *own = NULL;

			if (function_remade(d, fa->schema, fa->name, fa->args) ||
			    !diff_pg_uses_remade_function(d, SCHEMA_OBJ_FUNCTION, fa->schema, fa->name, fa->args))
				continue;
			for (k = 0; k < d->b->nfunctions; k++)
				if (function_same(d, fa, d->b->functions[k]))
					fb = d->b->functions[k];
			for (k = 0; k < d->n; k++)
				if ((d->v[k].kind == DIFF_REPLACE_FUNCTION || d->v[k].kind == DIFF_DROP_FUNCTION) &&
				    d->v[k].oa == fa)
					own = &d->v[k];
			if (!fb) {
				if (own && own->phase != DIFF_P_DROP_INDEX) {
					own->phase = DIFF_P_DROP_INDEX;
					own->seq = SIZE_MAX - drops++;
				}
				continue;
			}
			if ((c = diff_add(x, DIFF_DROP_FUNCTION, DIFF_P_DROP_INDEX, STRATA_CHANGE_SAFE))) {
				c->oa = fa;
				c->ob = fb;
				c->seq = SIZE_MAX - drops++;
				c->object = diff_obj_named(x, "function", fa->schema, fa->name);
				diff_set_note(x, c, "calls a function that is re-made: dropped and created again");
			}
			if (own) {
				own = NULL; /* diff_add() may have moved the array */
				for (k = 0; k < d->n; k++)
					if (d->v[k].kind == DIFF_REPLACE_FUNCTION && d->v[k].oa == fa)
						own = &d->v[k];
			}
			if (own) {
				own->kind = DIFF_CREATE_FUNCTION;
				own->oa = NULL;
				own->phase = DIFF_P_PREPARE;
				own->seq = d->seq_++;
			} else if ((c = diff_add(x, DIFF_CREATE_FUNCTION, DIFF_P_PREPARE, STRATA_CHANGE_SAFE))) {
				c->ob = fb;
				c->implied = 1;
				c->object = diff_obj_named(x, "function", fb->schema, fb->name);
				diff_set_note(x, c, "created again after what it calls");
			}
			grew = 1;
		}
	} while (grew && !x->oom);
}

static int comment_key_eq(const struct diff *d, const struct schema_comment *a,
                          const struct schema_comment *b)
{
	return a->kind == b->kind && name_eq(d, a->schema, b->schema) && name_eq(d, a->name, b->name) &&
	       name_eq(d, a->sub, b->sub);
}

/* 1 when table t of model s has a constraint named name. */
static int table_has_constraint(const struct diff *d, const struct schema_table *t, const char *name)
{
	size_t i;

	if (!t || !name)
		return 0;
	if (t->pk.columns.n && name_eq(d, t->pk.name, name))
		return 1;
	for (i = 0; i < t->nuniques; i++)
		if (name_eq(d, t->uniques[i].name, name))
			return 1;
	for (i = 0; i < t->nfks; i++)
		if (name_eq(d, t->fks[i].name, name))
			return 1;
	for (i = 0; i < t->nchecks; i++)
		if (name_eq(d, t->checks[i].name, name))
			return 1;
	return 0;
}

/* 1 when the object a comment of A is on is not in B (its comment goes with
 * it), for the kinds the type switch in diff_pg_comment_changes() leaves. */
static int comment_object_gone(const struct diff *d, const struct schema_comment *ca)
{
	const struct schema *b = d->b;
	size_t i;

	switch (ca->kind) {
	case SCHEMA_OBJ_SCHEMA:
		for (i = 0; i < b->nnamespaces; i++)
			if (name_eq(d, b->namespaces[i]->name, ca->name))
				return 0;
		return 1;
	case SCHEMA_OBJ_TRIGGER:
		for (i = 0; i < b->ntriggers; i++)
			if (name_eq(d, b->triggers[i]->schema, ca->schema) &&
			    name_eq(d, b->triggers[i]->table, ca->name) &&
			    name_eq(d, b->triggers[i]->name, ca->sub))
				return 0;
		return 1;
	case SCHEMA_OBJ_CONSTRAINT:
		return !table_has_constraint(d, schema_find_table(b, ca->schema, ca->name), ca->sub);
	case SCHEMA_OBJ_FUNCTION:
		for (i = 0; i < b->nfunctions; i++)
			if (name_eq(d, b->functions[i]->schema, ca->schema) &&
			    name_eq(d, b->functions[i]->name, ca->name) &&
			    !strcmp(b->functions[i]->args ? b->functions[i]->args : "",
			            ca->sub ? ca->sub : ""))
				return 0;
		return 1;
	case SCHEMA_OBJ_EXTENSION:
		for (i = 0; i < b->nextensions; i++)
			if (name_eq(d, b->extensions[i]->name, ca->name))
				return 0;
		return 1;
	case SCHEMA_OBJ_COLLATION:
		return !schema_find_collation(b, ca->schema, ca->name);
	case SCHEMA_OBJ_STATISTICS:
		for (i = 0; i < b->nextstats; i++)
			if (name_eq(d, b->extstats[i]->schema, ca->schema) &&
			    name_eq(d, b->extstats[i]->name, ca->name))
				return 0;
		return 1;
	default:
		return 1;
	}
}

/* 1 when the diff makes the object of B's comment cb again (dropped and
 * created: a view over a changed column, a changed constraint or index),
 * which takes the comment with it even though A had the same. */
static int comment_object_remade(const struct diff *d, const struct schema_comment *cb)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct diff_change *c = &d->v[i];
		const struct schema_table *t = c->pair ? c->pair->b : NULL;

		switch (c->kind) {
		case DIFF_CREATE_VIEW:
			if ((cb->kind == SCHEMA_OBJ_VIEW || cb->kind == SCHEMA_OBJ_MATVIEW) &&
			    name_eq(d, c->vb->schema, cb->schema) && name_eq(d, c->vb->name, cb->name))
				return 1;
			break;
		case DIFF_CREATE_INDEX:
			if (cb->kind == SCHEMA_OBJ_INDEX && name_eq(d, c->ib->schema, cb->schema) &&
			    name_eq(d, c->ib->name, cb->name))
				return 1;
			break;
		case DIFF_CREATE_TRIGGER:
			if (cb->kind == SCHEMA_OBJ_TRIGGER && name_eq(d, c->rb->schema, cb->schema) &&
			    name_eq(d, c->rb->table, cb->name) && name_eq(d, c->rb->name, cb->sub))
				return 1;
			break;
		case DIFF_REBUILD_ENUM: {
			const struct schema_enum *e = c->ob;
			if (cb->kind == SCHEMA_OBJ_TYPE && e && name_eq(d, e->schema, cb->schema) &&
			    name_eq(d, e->name, cb->name))
				return 1;
			break;
		}
		case DIFF_ADD_CHECK:
		case DIFF_ADD_UNIQUE:
		case DIFF_ADD_FK:
		case DIFF_ADD_PRIMARY_KEY: {
			const char *n = c->kind == DIFF_ADD_CHECK ? c->kb->name
			              : c->kind == DIFF_ADD_UNIQUE ? c->ub->name
			              : c->kind == DIFF_ADD_FK ? c->fb->name : t ? t->pk.name : NULL;
			if (c->kind == DIFF_ADD_FK)
				t = c->fk_table;
			if (cb->kind == SCHEMA_OBJ_CONSTRAINT && t && n && name_eq(d, t->schema, cb->schema) &&
			    name_eq(d, t->name, cb->name) && name_eq(d, n, cb->sub))
				return 1;
			break;
		}
		case DIFF_CREATE_COLLATION: {
			/* made again (collations.c): B's comment set again */
			const struct schema_collation *co = c->ob;
			if (cb->kind == SCHEMA_OBJ_COLLATION && name_eq(d, co->schema, cb->schema) &&
			    name_eq(d, co->name, cb->name))
				return 1;
			break;
		}
		case DIFF_CREATE_STATISTICS: {
			const struct schema_extstat *st = c->ob;
			if (cb->kind == SCHEMA_OBJ_STATISTICS && name_eq(d, st->schema, cb->schema) &&
			    name_eq(d, st->name, cb->name))
				return 1;
			break;
		}
		case DIFF_ADD_COLUMN:
		case DIFF_ALTER_COLUMN:
			/* A generated column's new expression drops and adds it. */
			if (c->kind == DIFF_ALTER_COLUMN && !((c->what & DIFF_COL_GENERATED) && c->cb->generated))
				break;
			if (cb->kind == SCHEMA_OBJ_COLUMN && t && name_eq(d, t->schema, cb->schema) &&
			    name_eq(d, t->name, cb->name) && name_eq(d, c->cb->name, cb->sub))
				return 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

void diff_pg_comment_changes(struct ctx *x)
{
	struct diff *d = x->d;
	struct diff_change *c;
	size_t i, k;

	for (i = 0; i < d->b->ncomments; i++) {
		const struct schema_comment *cb = d->b->comments[i], *ca = NULL;
		for (k = 0; k < d->a->ncomments; k++)
			if (comment_key_eq(d, d->a->comments[k], cb))
				ca = d->a->comments[k];
		if (ca && !strcmp(ca->text ? ca->text : "", cb->text ? cb->text : "") &&
		    !comment_object_remade(d, cb))
			continue;
		if ((c = diff_add(x, DIFF_SET_COMMENT, DIFF_P_COMMENT, STRATA_CHANGE_SAFE))) {
			struct sbuf sb = SBUF_INIT;
			c->oa = ca;
			c->ob = cb;
			sbuf_addf(&sb, "comment on %s ", schema_object_kind_sql(cb->kind));
			diff_add_display(&sb, cb->schema, cb->name);
			if (cb->sub && cb->kind == SCHEMA_OBJ_COLUMN)
				sbuf_addf(&sb, ".%s", cb->sub);
			c->object = diff_detach(x, &sb);
		}
	}
	for (i = 0; i < d->a->ncomments; i++) {
		const struct schema_comment *ca = d->a->comments[i];
		int gone = 0;
		for (k = 0; k < d->b->ncomments; k++)
			if (comment_key_eq(d, d->b->comments[k], ca))
				break;
		if (k < d->b->ncomments)
			continue;
		/* A comment goes with its object; only say so when the object stays. */
		switch (ca->kind) {
		case SCHEMA_OBJ_TABLE:
			gone = !schema_find_table(d->b, ca->schema, ca->name);
			break;
		case SCHEMA_OBJ_COLUMN: {
			const struct schema_table *t = schema_find_table(d->b, ca->schema, ca->name);
			gone = !t || !table_find_column(t, ca->sub);
			break;
		}
		case SCHEMA_OBJ_VIEW:
		case SCHEMA_OBJ_MATVIEW:
			gone = !schema_find_view(d->b, ca->schema, ca->name);
			break;
		case SCHEMA_OBJ_INDEX:
			gone = !schema_find_index(d->b, ca->schema, ca->name);
			break;
		case SCHEMA_OBJ_SEQUENCE:
			gone = !schema_find_sequence(d->b, ca->schema, ca->name);
			break;
		case SCHEMA_OBJ_TYPE:
			gone = !schema_find_enum(d->b, ca->schema, ca->name) &&
			       !schema_find_pgtype(d->b, ca->schema, ca->name);
			break;
		default:
			/* schemas, functions, ...: dropped objects take theirs */
			gone = comment_object_gone(d, ca);
			break;
		}
		if (gone)
			continue;
		if ((c = diff_add(x, DIFF_SET_COMMENT, DIFF_P_COMMENT, STRATA_CHANGE_SAFE))) {
			struct sbuf sb = SBUF_INIT;
			c->oa = ca;
			sbuf_addf(&sb, "comment on %s ", schema_object_kind_sql(ca->kind));
			diff_add_display(&sb, ca->schema, ca->name);
			if (ca->sub && ca->kind == SCHEMA_OBJ_COLUMN)
				sbuf_addf(&sb, ".%s", ca->sub);
			c->object = diff_detach(x, &sb);
		}
	}
}

/* 1 when change c makes again, after dropping it, the object comment cb
 * (of B) is on: its comment went with it. */
static int remakes(const struct diff *d, const struct diff_change *c, const struct schema_comment *cb)
{
	const struct diff_table *p = c->pair;
	const char *cname = NULL;
	size_t k;

	switch (cb->kind) {
	case SCHEMA_OBJ_VIEW:
	case SCHEMA_OBJ_MATVIEW:
		return c->kind == DIFF_CREATE_VIEW && c->va && name_eq(d, c->vb->schema, cb->schema) &&
		       name_eq(d, c->vb->name, cb->name);
	case SCHEMA_OBJ_COLUMN:
		if (c->kind == DIFF_CREATE_VIEW)
			return c->va && name_eq(d, c->vb->schema, cb->schema) &&
			       name_eq(d, c->vb->name, cb->name);
		return ((c->kind == DIFF_ALTER_COLUMN && c->phase == DIFF_P_ALTER_TABLE &&
		         (c->what & DIFF_COL_GENERATED) && c->cb->generated) ||
		        (c->kind == DIFF_ADD_COLUMN && c->phase == DIFF_P_CREATE_INDEX)) &&
		       name_eq(d, p->b->schema, cb->schema) && name_eq(d, p->b->name, cb->name) &&
		       name_eq(d, c->cb->name, cb->sub);
	case SCHEMA_OBJ_INDEX:
		if (c->kind == DIFF_CREATE_INDEX)
			return c->ia && name_eq(d, c->ib->schema, cb->schema) &&
			       name_eq(d, c->ib->name, cb->name);
		if (c->kind == DIFF_CREATE_VIEW && c->va && c->vb->materialized) {
			/* made with its materialized view (plan_pg.c) */
			const struct schema_index *ix = schema_find_index(d->b, cb->schema, cb->name);
			return ix && name_eq(d, ix->schema, c->vb->schema) && name_eq(d, ix->table, c->vb->name);
		}
		return 0;
	case SCHEMA_OBJ_TRIGGER:
		return c->kind == DIFF_CREATE_TRIGGER && c->ra && name_eq(d, c->rb->schema, cb->schema) &&
		       name_eq(d, c->rb->table, cb->name) && name_eq(d, c->rb->name, cb->sub);
	case SCHEMA_OBJ_CONSTRAINT:
		if (!p || !p->a || !p->b || !name_eq(d, p->b->schema, cb->schema) ||
		    !name_eq(d, p->b->name, cb->name))
			return 0;
		if (c->kind == DIFF_ADD_CHECK)
			cname = c->kb->name;
		else if (c->kind == DIFF_ADD_FK)
			cname = c->fb->name;
		else if (c->kind == DIFF_ADD_UNIQUE)
			cname = c->ub->name;
		else if (c->kind == DIFF_ADD_PRIMARY_KEY)
			cname = c->new_name;
		if (!cname || !name_eq(d, cname, cb->sub))
			return 0;
		/* A constraint of that name was there before (and so was dropped). */
		if (p->a->pk.name && name_eq(d, p->a->pk.name, cname))
			return 1;
		for (k = 0; k < p->a->nuniques; k++)
			if (p->a->uniques[k].name && name_eq(d, p->a->uniques[k].name, cname))
				return 1;
		for (k = 0; k < p->a->nchecks; k++)
			if (p->a->checks[k].name && name_eq(d, p->a->checks[k].name, cname))
				return 1;
		for (k = 0; k < p->a->nfks; k++)
			if (p->a->fks[k].name && name_eq(d, p->a->fks[k].name, cname))
				return 1;
		return 0;
	case SCHEMA_OBJ_FUNCTION: {
		const struct schema_function *f = c->ob;
		return c->kind == DIFF_DROP_FUNCTION && f && name_eq(d, f->schema, cb->schema) &&
		       name_eq(d, f->name, cb->name) && diff_str_eq(f->args, cb->sub);
	}
	case SCHEMA_OBJ_TYPE: {
		const struct schema_enum *e = c->ob;
		if (c->kind == DIFF_CREATE_TYPE) /* dropped first when A had it (pgtypes.c) */
			return schema_find_pgtype(d->a, cb->schema, cb->name) &&
			       name_eq(d, ((const struct schema_pgtype *)c->ob)->schema, cb->schema) &&
			       name_eq(d, ((const struct schema_pgtype *)c->ob)->name, cb->name);
		return c->kind == DIFF_REBUILD_ENUM && name_eq(d, e->schema, cb->schema) &&
		       name_eq(d, e->name, cb->name);
	}
	default:
		return 0;
	}
}

/*
 * A comment lives on its object: when the plan drops an object and makes it
 * again (a view whose query changes, an index, trigger or constraint whose
 * definition changes, a re-made function or enum, a generated column), B's
 * comment on it is set again, even though A had the same one.
 */
void diff_pg_remade_comments(struct ctx *x)
{
	struct diff *d = x->d;
	size_t i, k, n = d->n, nc = 0, ns = 0, hit;
	/* The few changes that may re-make something, and the comments set
	 * anyway: schemas with thousands of comments and changes are common. */
	size_t *cand = malloc((n + 1) * sizeof *cand);
	const void **set = malloc((n + 1) * sizeof *set);

	if (!cand || !set) {
		x->oom = 1;
		goto out;
	}
	for (k = 0; k < n; k++) {
		const struct diff_change *c = &d->v[k];
		if (c->kind == DIFF_SET_COMMENT)
			set[ns++] = c->ob;
		else if ((c->kind == DIFF_CREATE_VIEW && c->va) || (c->kind == DIFF_CREATE_INDEX && c->ia) ||
		         (c->kind == DIFF_CREATE_TRIGGER && c->ra) || c->kind == DIFF_ADD_CHECK ||
		         c->kind == DIFF_ADD_FK || c->kind == DIFF_ADD_UNIQUE ||
		         c->kind == DIFF_ADD_PRIMARY_KEY || (c->kind == DIFF_DROP_FUNCTION && c->ob) ||
		         c->kind == DIFF_REBUILD_ENUM || c->kind == DIFF_ADD_COLUMN ||
		         c->kind == DIFF_CREATE_TYPE ||
		         (c->kind == DIFF_ALTER_COLUMN && (c->what & DIFF_COL_GENERATED)))
			cand[nc++] = k;
	}
	for (i = 0; nc && i < d->b->ncomments && !x->oom; i++) {
		const struct schema_comment *cb = d->b->comments[i], *ca = NULL;
		struct diff_change *c;

		for (k = 0; k < nc; k++)
			if (remakes(d, &d->v[cand[k]], cb))
				break;
		if (k == nc)
			continue;
		hit = cand[k];
		for (k = 0; k < ns; k++)
			if (set[k] == cb)
				break;
		if (k < ns) {
			/* Set anyway (comment_changes saw the object remade):
			 * --per-table still puts it with the object. */
			for (k = 0; k < n; k++) {
				c = &d->v[k];
				if (c->kind == DIFF_SET_COMMENT && c->ob == cb &&
				    d->v[hit].follows == DIFF_FOLLOWS_AFTER && !c->follows) {
					c->follows = DIFF_FOLLOWS_AFTER;
					free(c->owner);
					c->owner = NULL;
					diff_set_owner(x, c, d->v[hit].owner);
				}
			}
			continue;
		}
		for (k = 0; k < d->a->ncomments; k++)
			if (comment_key_eq(d, d->a->comments[k], cb))
				ca = d->a->comments[k];
		if ((c = diff_add(x, DIFF_SET_COMMENT, DIFF_P_COMMENT, STRATA_CHANGE_SAFE))) {
			struct sbuf sb = SBUF_INIT;
			c->oa = ca;
			c->ob = cb;
			c->implied = 1;
			sbuf_addf(&sb, "comment on %s ", schema_object_kind_sql(cb->kind));
			diff_add_display(&sb, cb->schema, cb->name);
			if (cb->sub && cb->kind == SCHEMA_OBJ_COLUMN)
				sbuf_addf(&sb, ".%s", cb->sub);
			c->object = diff_detach(x, &sb);
			diff_set_note(x, c, "set again: the object is dropped and made again");
			/* --per-table: with the object it is on */
			if (d->v[hit].follows == DIFF_FOLLOWS_AFTER) {
				c->follows = DIFF_FOLLOWS_AFTER;
				diff_set_owner(x, c, d->v[hit].owner);
			}
		}
	}
out:
	free(cand);
	free(set);
}

/* ---- partitioning and inheritance (PostgreSQL, issue 22) -------------------------- */

/* 1 when A's table nsp.name is B's table bnsp.bname (the same, or renamed). */
static int same_table_a_b(const struct diff *d, const char *nsp, const char *name,
                          const char *bnsp, const char *bname)
{
	const struct diff_table *q = diff_pair_of_a_name(d, nsp, name);

	if (q && q->b)
		return name_eq(d, q->b->schema, bnsp) && name_eq(d, q->b->name, bname);
	return name_eq(d, nsp, bnsp) && name_eq(d, name, bname);
}

int diff_pg_table_is_child_of(const struct diff *d, const struct schema_table *t,
                              const struct schema_table *parent)
{
	size_t i;

	if (t->part_of && name_eq(d, t->part_of, parent->name) &&
	    name_eq(d, t->part_of_schema, parent->schema))
		return 1;
	for (i = 0; i < t->inherits.n; i++)
		if (name_eq(d, t->inherits.v[i], parent->name) &&
		    name_eq(d, i < t->inherits_schemas.n ? t->inherits_schemas.v[i] : NULL, parent->schema))
			return 1;
	return 0;
}

/* 1 when A's INHERITS list of pair p is B's, parent by parent. */
static int same_parents(const struct diff *d, const struct diff_table *p)
{
	const struct schema_table *a = p->a, *b = p->b;
	size_t i;

	if (a->inherits.n != b->inherits.n)
		return 0;
	for (i = 0; i < a->inherits.n; i++)
		if (!same_table_a_b(d, i < a->inherits_schemas.n ? a->inherits_schemas.v[i] : NULL,
		                    a->inherits.v[i],
		                    i < b->inherits_schemas.n ? b->inherits_schemas.v[i] : NULL,
		                    b->inherits.v[i]))
			return 0;
	return 1;
}

/* 1 when B's table of pair p inherits from a table A's did not (which
 * 'b'), or A's from one B's does not ('a'). */
static int parent_added_or_lost(const struct diff *d, const struct diff_table *p, int which)
{
	const struct schema_table *from = which == 'b' ? p->b : p->a, *to = which == 'b' ? p->a : p->b;
	size_t i, j;

	for (i = 0; i < from->inherits.n; i++) {
		int found = 0;
		for (j = 0; j < to->inherits.n && !found; j++) {
			const char *fn = i < from->inherits_schemas.n ? from->inherits_schemas.v[i] : NULL;
			const char *tn = j < to->inherits_schemas.n ? to->inherits_schemas.v[j] : NULL;
			found = which == 'b' ? same_table_a_b(d, tn, to->inherits.v[j], fn, from->inherits.v[i])
			                     : same_table_a_b(d, fn, from->inherits.v[i], tn, to->inherits.v[j]);
		}
		if (!found)
			return 1;
	}
	return 0;
}

static int has_new_parent(const struct diff *d, const struct diff_table *p)
{
	return parent_added_or_lost(d, p, 'b');
}

static int has_lost_parent(const struct diff *d, const struct diff_table *p)
{
	return parent_added_or_lost(d, p, 'a');
}

void diff_pg_partition_changes(struct ctx *x, struct diff_table *p)
{
	const struct schema_table *a = p->a, *b = p->b;
	struct diff_change *c;
	struct sbuf sb = SBUF_INIT;

	/* A partition on both sides (diff_pg_refused stops the rest). */
	if (a->part_of && b->part_of &&
	    (!same_table_a_b(x->d, a->part_of_schema, a->part_of, b->part_of_schema, b->part_of) ||
	     !diff_str_eq(a->partition_bound, b->partition_bound))) {
		p->changed = 1;
		if ((c = diff_add(x, DIFF_ALTER_TABLE, DIFF_P_ATTACH, STRATA_CHANGE_DATA_DEPENDENT))) {
			c->pair = p;
			c->what = DIFF_TBL_PARTITION;
			diff_add_display(&sb, b->schema, b->name);
			c->object = diff_detach(x, &sb);
			diff_set_note(x, c, "partition detached and attached again %s: fails if a row "
			              "does not fit the new bound (rows are never moved)",
			              b->partition_bound ? b->partition_bound : "DEFAULT");
			diff_set_owner(x, c, b->name);
		}
	}
	if (!same_parents(x->d, p) && has_new_parent(x->d, p)) {
		p->changed = 1;
		if ((c = diff_add(x, DIFF_ALTER_TABLE, DIFF_P_ALTER_TABLE, STRATA_CHANGE_SAFE))) {
			c->pair = p;
			c->what = DIFF_TBL_INHERIT;
			diff_add_display(&sb, b->schema, b->name);
			c->object = diff_detach(x, &sb);
			diff_set_note(x, c, "inherits from another table (INHERIT)");
			diff_set_owner(x, c, b->name);
		}
	}
}

void diff_pg_unparent_changes(struct ctx *x, struct diff_table *p)
{
	const struct schema_table *b = p->b;
	struct diff_change *c;
	struct sbuf sb = SBUF_INIT;

	if (same_parents(x->d, p) || !has_lost_parent(x->d, p))
		return;
	p->changed = 1;
	if ((c = diff_add(x, DIFF_ALTER_TABLE, DIFF_P_ALTER_TABLE, STRATA_CHANGE_SAFE))) {
		c->pair = p;
		c->what = DIFF_TBL_NO_INHERIT;
		diff_add_display(&sb, b->schema, b->name);
		c->object = diff_detach(x, &sb);
		diff_set_note(x, c, "no longer inherits from a table (NO INHERIT): the columns it "
		              "inherited stay, its own");
		diff_set_owner(x, c, b->name);
	}
}

int diff_pg_refused(const struct schema *a, const struct schema *b, struct sbuf *why)
{
	size_t i;

	if (a->engine != SCHEMA_PG)
		return 0;
	for (i = 0; i < b->ntables; i++) {
		const struct schema_table *tb = b->tables[i];
		const struct schema_table *ta = schema_find_table(a, tb->schema, tb->name);
		const char *what = NULL;

		if (!ta)
			continue;
		if (!ta->partition_key != !tb->partition_key)
			what = tb->partition_key ? "becomes partitioned" : "stops being partitioned";
		else if (!diff_str_eq(ta->partition_key, tb->partition_key))
			what = "changes its partition key";
		else if (!ta->part_of != !tb->part_of)
			what = tb->part_of ? "becomes a partition" : "stops being a partition";
		if (!what)
			continue;
		sbuf_adds(why, "table ");
		diff_add_display(why, tb->schema, tb->name);
		sbuf_addf(why, " %s (%s -> %s): PostgreSQL cannot do that in place, and strata will not "
		          "drop and re-create it", what,
		          ta->partition_key ? ta->partition_key : ta->part_of ? "a partition" : "a plain table",
		          tb->partition_key ? tb->partition_key : tb->part_of ? "a partition" : "a plain table");
		return 1;
	}
	return 0;
}

int diff_pg_partition_phase(const struct diff *d, const struct diff_table *p)
{
	return d->engine == SCHEMA_PG && p->b && p->b->part_of ? DIFF_P_CREATE_PARTITION
	                                                       : DIFF_P_CREATE_TABLE;
}
