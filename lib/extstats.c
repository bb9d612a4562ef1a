/*
 * extstats.c: PostgreSQL's extended statistics objects (CREATE STATISTICS,
 * issue 22), from model to SQL: the adders, their order, the canonical
 * dump, the differ's changes and the planner's statements, beside
 * collations.c and pgtypes.c.
 *
 * A statistics object holds no data, only what ANALYZE gathers: so a
 * changed one (its kinds, its columns or expressions, a column or table
 * renamed under it) is simply dropped and created again. Compared by
 * pg_get_statisticsobjdef()'s text, which the server writes in one
 * canonical form. Dropped before the tables change (phase DROP_INDEX: a
 * column it covers may go, which would drop it anyway), created after the
 * tables' columns and indexes (CREATE_INDEX). A table dropped takes its
 * statistics objects with it.
 */
#include "diff_int.h"

#include <stdlib.h>
#include <string.h>

#include "strata.h"

/* ---- model ------------------------------------------------------------------ */

static char *dup_or_null(const char *s, int *bad)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*bad = 1;
	return d;
}

struct schema_extstat *schema_add_extstat(struct schema *s, const char *nsp, const char *name,
                                          const char *table_schema, const char *table,
                                          const char *def)
{
	struct schema_extstat *x;
	int bad = 0;

	if (s->nextstats == s->extstats_alloc_) {
		size_t na = s->extstats_alloc_ ? s->extstats_alloc_ * 2 : 8;
		void *p = realloc(s->extstats, na * sizeof *s->extstats);
		if (!p)
			return NULL;
		s->extstats = p;
		s->extstats_alloc_ = na;
	}
	if (!(x = calloc(1, sizeof *x)))
		return NULL;
	x->schema = dup_or_null(nsp, &bad);
	x->name = dup_or_null(name, &bad);
	x->table_schema = dup_or_null(table_schema, &bad);
	x->table = dup_or_null(table, &bad);
	x->def = dup_or_null(def, &bad);
	if (bad) {
		free(x->schema);
		free(x->name);
		free(x->table_schema);
		free(x->table);
		free(x->def);
		free(x);
		return NULL;
	}
	s->extstats[s->nextstats++] = x;
	return x;
}

void schema_extstats_free(struct schema *s)
{
	size_t i;

	for (i = 0; i < s->nextstats; i++) {
		free(s->extstats[i]->schema);
		free(s->extstats[i]->name);
		free(s->extstats[i]->table_schema);
		free(s->extstats[i]->table);
		free(s->extstats[i]->def);
		free(s->extstats[i]);
	}
	free(s->extstats);
	s->extstats = NULL;
	s->nextstats = s->extstats_alloc_ = 0;
}

static int cmp_s(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return strcmp(a, b);
}

static int cmp_extstat(const void *x, const void *y)
{
	const struct schema_extstat *a = *(const struct schema_extstat *const *)x;
	const struct schema_extstat *b = *(const struct schema_extstat *const *)y;
	int r = cmp_s(a->schema, b->schema);

	return r ? r : cmp_s(a->name, b->name);
}

void schema_extstats_sort(struct schema *s)
{
	if (s->nextstats > 1)
		qsort(s->extstats, s->nextstats, sizeof *s->extstats, cmp_extstat);
}

void schema_render_extstats(const struct schema *s, struct sbuf *out)
{
	size_t i;

	for (i = 0; i < s->nextstats; i++) {
		sbuf_addc(out, '\n');
		sbuf_adds(out, s->extstats[i]->def);
		sbuf_adds(out, ";\n");
	}
}

/* ---- the differ ----------------------------------------------------------------- */

static const struct schema_extstat *find(const struct diff *d, const struct schema *s,
                                         const struct schema_extstat *x)
{
	size_t i;

	for (i = 0; i < s->nextstats; i++)
		if (name_eq(d, s->extstats[i]->schema, x->schema) &&
		    name_eq(d, s->extstats[i]->name, x->name))
			return s->extstats[i];
	return NULL;
}

void extstat_changes(struct ctx *x)
{
	struct diff *d = x->d;
	struct diff_change *c;
	size_t i;

	for (i = 0; i < d->a->nextstats; i++) {
		const struct schema_extstat *a = d->a->extstats[i], *b = find(d, d->b, a);
		const struct diff_table *p = diff_pair_of_a_name(d, a->table_schema, a->table);

		if (b && diff_str_eq(a->def, b->def))
			continue;
		if (!p || !p->b)
			continue; /* goes with its table */
		if ((c = diff_add(x, DIFF_DROP_STATISTICS, DIFF_P_DROP_INDEX, STRATA_CHANGE_SAFE))) {
			c->oa = a;
			c->object = diff_obj_named(x, "statistics", a->schema, a->name);
			if (b)
				diff_set_note(x, c, "its definition changes: dropped and created again");
			diff_set_owner(x, c, p->b->name);
		}
	}
	for (i = 0; i < d->b->nextstats; i++) {
		const struct schema_extstat *b = d->b->extstats[i], *a = find(d, d->a, b);
		const struct diff_table *p = diff_pair_of_a_name(d, a ? a->table_schema : NULL,
		                                                 a ? a->table : NULL);

		/* unchanged, on a table that stays: nothing */
		if (a && diff_str_eq(a->def, b->def) && p && p->b)
			continue;
		if ((c = diff_add(x, DIFF_CREATE_STATISTICS, DIFF_P_CREATE_INDEX, STRATA_CHANGE_SAFE))) {
			c->ob = b;
			c->object = diff_obj_named(x, "statistics", b->schema, b->name);
			diff_set_owner(x, c, b->table);
		}
	}
}

/* ---- the planner ------------------------------------------------------------------ */

void plan_pg_extstats(const struct diff_change *c, struct sbuf *sb)
{
	const struct schema_extstat *x;

	switch (c->kind) {
	case DIFF_CREATE_STATISTICS:
		x = c->ob;
		sbuf_adds(sb, x->def);
		sbuf_adds(sb, ";\n");
		break;
	case DIFF_DROP_STATISTICS:
		x = c->oa;
		sbuf_adds(sb, "DROP STATISTICS ");
		schema_add_qname(sb, x->schema, x->name);
		sbuf_adds(sb, ";\n");
		break;
	default:
		break;
	}
}
