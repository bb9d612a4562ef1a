/*
 * collations.c: PostgreSQL's user-defined collations (issue 22), from model
 * to SQL: the adders, their order, the canonical dump, the differ's changes
 * and the planner's statements, beside pgtypes.c and called the same way
 * (one hook each from schema.c, diff.c and plan_pg.c).
 *
 * Dependency order: a collation is created right after the schemas and
 * extensions (phase PREPARE, ahead of the domains, range and composite
 * types, tables and indexes whose COLLATE names it) and dropped after all
 * of them (CLEANUP, after the types). ALTER COLLATION cannot change a
 * provider, a locale or determinism: such a change drops the collation and
 * creates it again, which PostgreSQL allows only while nothing uses it. When
 * something in the old schema does (a column, an index key, a type, a view),
 * the differ refuses (struct diff.refused) and names what, rather than plan
 * a migration that would fail, or that would have to drop a column's data.
 */
#include "diff_int.h"

#include <stdlib.h>
#include <string.h>

#include "strata.h"

/* ---- model ------------------------------------------------------------------ */

struct schema_collation *schema_add_collation(struct schema *s, const char *nsp, const char *name,
                                              int provider)
{
	struct schema_collation *co;

	if (s->ncollations == s->collations_alloc_) {
		size_t na = s->collations_alloc_ ? s->collations_alloc_ * 2 : 8;
		void *p = realloc(s->collations, na * sizeof *s->collations);
		if (!p)
			return NULL;
		s->collations = p;
		s->collations_alloc_ = na;
	}
	if (!(co = calloc(1, sizeof *co)))
		return NULL;
	co->schema = nsp ? strdup(nsp) : NULL;
	co->name = name ? strdup(name) : NULL;
	if ((nsp && !co->schema) || (name && !co->name)) {
		free(co->schema);
		free(co->name);
		free(co);
		return NULL;
	}
	co->provider = provider;
	co->deterministic = 1;
	s->collations[s->ncollations++] = co;
	return co;
}

static int str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

struct schema_collation *schema_find_collation(const struct schema *s, const char *nsp,
                                               const char *name)
{
	size_t i;

	for (i = 0; i < s->ncollations; i++)
		if ((!nsp || str_same(s->collations[i]->schema, nsp)) &&
		    str_same(s->collations[i]->name, name))
			return s->collations[i];
	return NULL;
}

void schema_collations_free(struct schema *s)
{
	size_t i;

	for (i = 0; i < s->ncollations; i++) {
		struct schema_collation *co = s->collations[i];
		free(co->schema);
		free(co->name);
		free(co->locale);
		free(co->lc_collate);
		free(co->lc_ctype);
		free(co->rules);
		free(co);
	}
	free(s->collations);
	s->collations = NULL;
	s->ncollations = s->collations_alloc_ = 0;
}

static int cmp_s(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return strcmp(a, b);
}

static int cmp_collation(const void *x, const void *y)
{
	const struct schema_collation *a = *(const struct schema_collation *const *)x;
	const struct schema_collation *b = *(const struct schema_collation *const *)y;
	int r = cmp_s(a->schema, b->schema);

	return r ? r : cmp_s(a->name, b->name);
}

void schema_collations_sort(struct schema *s)
{
	if (s->ncollations > 1)
		qsort(s->collations, s->ncollations, sizeof *s->collations, cmp_collation);
}

/* ---- rendering ---------------------------------------------------------------- */

static const char *provider_word(int provider)
{
	switch (provider) {
	case 'i': return "icu";
	case 'c': return "libc";
	case 'b': return "builtin";
	default: return "default";
	}
}

void schema_render_collation(const struct schema_collation *co, struct sbuf *out)
{
	sbuf_adds(out, "CREATE COLLATION ");
	schema_add_qname(out, co->schema, co->name);
	sbuf_adds(out, " (provider = ");
	/* 'd' (the database's default) cannot be asked for: libc is what
	 * CREATE COLLATION takes without a provider. */
	sbuf_adds(out, co->provider == 'd' ? "libc" : provider_word(co->provider));
	if (co->locale) {
		sbuf_adds(out, ", locale = ");
		sbuf_add_literal(out, co->locale);
	}
	if (co->lc_collate) {
		sbuf_adds(out, ", lc_collate = ");
		sbuf_add_literal(out, co->lc_collate);
	}
	if (co->lc_ctype) {
		sbuf_adds(out, ", lc_ctype = ");
		sbuf_add_literal(out, co->lc_ctype);
	}
	if (co->rules) {
		sbuf_adds(out, ", rules = ");
		sbuf_add_literal(out, co->rules);
	}
	if (!co->deterministic)
		sbuf_adds(out, ", deterministic = false");
	sbuf_addc(out, ')');
}

void schema_render_collations(const struct schema *s, struct sbuf *out)
{
	size_t i;

	for (i = 0; i < s->ncollations; i++) {
		sbuf_addc(out, '\n');
		schema_render_collation(s->collations[i], out);
		sbuf_adds(out, ";\n");
	}
}

static void changed_str(struct sbuf *why, const char *what, const char *a, const char *b)
{
	sbuf_addf(why, "its %s changes from %s%s%s to %s%s%s", what, a ? "'" : "", a ? a : "none",
	          a ? "'" : "", b ? "'" : "", b ? b : "none", b ? "'" : "");
}

int schema_collation_differs(const struct schema_collation *a, const struct schema_collation *b,
                             struct sbuf *why)
{
	if (a->provider != b->provider) {
		sbuf_addf(why, "its provider changes from %s to %s", provider_word(a->provider),
		          provider_word(b->provider));
		return 1;
	}
	if (!str_same(a->locale, b->locale)) {
		changed_str(why, "locale", a->locale, b->locale);
		return 1;
	}
	if (!str_same(a->lc_collate, b->lc_collate)) {
		changed_str(why, "lc_collate", a->lc_collate, b->lc_collate);
		return 1;
	}
	if (!str_same(a->lc_ctype, b->lc_ctype)) {
		changed_str(why, "lc_ctype", a->lc_ctype, b->lc_ctype);
		return 1;
	}
	if (!str_same(a->rules, b->rules)) {
		sbuf_adds(why, "its rules change");
		return 1;
	}
	if (a->deterministic != b->deterministic) {
		sbuf_addf(why, "it becomes %sdeterministic", b->deterministic ? "" : "non-");
		return 1;
	}
	return 0;
}

/* ---- the differ ----------------------------------------------------------------- */

/*
 * A COLLATE in the model names a collation by its bare name (collname): a
 * use of co is that name, or the qualified one. Texts (a view's query, an
 * index's expressions) are searched for the name as an identifier.
 */
static int names_it(const char *collation, const struct schema_collation *co)
{
	size_t n;

	if (!collation)
		return 0;
	if (!strcmp(collation, co->name))
		return 1;
	n = co->schema ? strlen(co->schema) : 0;
	return n && !strncmp(collation, co->schema, n) && collation[n] == '.' &&
	       !strcmp(collation + n + 1, co->name);
}

static void who_add(struct sbuf *who, int *n, const char *what, const char *nsp, const char *name,
                    const char *sub)
{
	sbuf_addf(who, "%s%s %s%s%s%s%s", (*n)++ ? ", " : "", what, nsp ? nsp : "", nsp ? "." : "",
	          name, sub ? "." : "", sub ? sub : "");
}

/* Everything in s that uses co, as a list of phrases into who ("column
 * public.t.email, index public.t_email"); the number of them. */
static int collation_used(const struct diff *d, const struct schema *s,
                          const struct schema_collation *co, struct sbuf *who)
{
	size_t i, k;
	int n = 0;

	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = s->tables[i];
		for (k = 0; k < t->ncolumns; k++) {
			const struct schema_column *c = &t->columns[k];
			if (names_it(c->collation, co) ||
			    (c->default_sql && diff_sql_mentions(d->engine, c->default_sql, co->name)) ||
			    (c->generated && diff_sql_mentions(d->engine, c->generated, co->name)))
				who_add(who, &n, "column", t->schema, t->name, c->name);
		}
		for (k = 0; k < t->nchecks; k++)
			if (t->checks[k].expression &&
			    diff_sql_mentions(d->engine, t->checks[k].expression, co->name))
				who_add(who, &n, "constraint", t->schema, t->name,
				        t->checks[k].name ? t->checks[k].name : "(check)");
	}
	for (i = 0; i < s->nindexes; i++) {
		const struct schema_index *ix = s->indexes[i];
		int uses = ix->sql && diff_sql_mentions(d->engine, ix->sql, co->name);
		for (k = 0; !uses && k < ix->nkeys; k++)
			uses = names_it(ix->keys[k].collation, co);
		if (uses)
			who_add(who, &n, "index", ix->schema, ix->name, NULL);
	}
	for (i = 0; i < s->npgtypes; i++) {
		const struct schema_pgtype *t = s->pgtypes[i];
		int uses = names_it(t->collation, co);
		for (k = 0; !uses && k < t->nattrs; k++)
			uses = names_it(t->attrs[k].collation, co);
		if (uses)
			who_add(who, &n, "type", t->schema, t->name, NULL);
	}
	for (i = 0; i < s->nviews; i++)
		if (s->views[i]->definition &&
		    diff_sql_mentions(d->engine, s->views[i]->definition, co->name))
			who_add(who, &n, s->views[i]->materialized ? "materialized view" : "view",
			        s->views[i]->schema, s->views[i]->name, NULL);
	for (i = 0; i < s->nexcludes; i++)
		if (diff_sql_mentions(d->engine, s->excludes[i]->def, co->name))
			who_add(who, &n, "constraint", s->excludes[i]->schema, s->excludes[i]->table,
			        s->excludes[i]->name);
	return n;
}

static void refuse(struct ctx *x, const struct schema_collation *a, const char *why, const char *who,
                   int n)
{
	struct diff *d = x->d;
	struct sbuf sb = SBUF_INIT;

	if (d->refused)
		return;
	sbuf_addf(&sb, "collation %s.%s cannot be changed in place (%s) and %s use%s it: PostgreSQL "
	          "can only drop and create it again, which needs it unused", a->schema, a->name, why,
	          who, n == 1 ? "s" : "");
	d->refused = diff_detach(x, &sb);
}

static void add_create(struct ctx *x, const struct schema_collation *b)
{
	struct diff_change *c = diff_add(x, DIFF_CREATE_COLLATION, DIFF_P_PREPARE, STRATA_CHANGE_SAFE);

	if (c) {
		c->ob = b;
		c->object = diff_obj_named(x, "collation", b->schema, b->name);
	}
}

void collation_changes(struct ctx *x)
{
	struct diff *d = x->d;
	struct diff_change *c;
	size_t i;

	for (i = 0; i < d->b->ncollations; i++) {
		const struct schema_collation *b = d->b->collations[i];
		const struct schema_collation *a = schema_find_collation(d->a, b->schema, b->name);
		struct sbuf why = SBUF_INIT, who = SBUF_INIT;
		int n;

		if (!a) {
			add_create(x, b);
			continue;
		}
		if (schema_collation_differs(a, b, &why)) {
			if ((n = collation_used(d, d->a, a, &who)) > 0) {
				refuse(x, a, why.buf, who.buf, n);
			} else if ((c = diff_add(x, DIFF_DROP_COLLATION, DIFF_P_PREPARE,
			                         STRATA_CHANGE_SAFE))) {
				c->oa = a;
				c->object = diff_obj_named(x, "collation", a->schema, a->name);
				diff_set_note(x, c, "%s: dropped and created again (nothing uses it)", why.buf);
				add_create(x, b);
			}
		}
		if (sbuf_failed(&why) || sbuf_failed(&who))
			x->oom = 1;
		sbuf_release(&why);
		sbuf_release(&who);
	}
	for (i = 0; i < d->a->ncollations; i++) {
		const struct schema_collation *a = d->a->collations[i];
		if (schema_find_collation(d->b, a->schema, a->name))
			continue;
		if ((c = diff_add(x, DIFF_DROP_COLLATION, DIFF_P_CLEANUP, STRATA_CHANGE_SAFE))) {
			c->oa = a;
			c->object = diff_obj_named(x, "collation", a->schema, a->name);
		}
	}
}

/* ---- the planner ------------------------------------------------------------------ */

void plan_pg_collations(const struct diff_change *c, struct sbuf *sb)
{
	const struct schema_collation *co;

	switch (c->kind) {
	case DIFF_CREATE_COLLATION:
		schema_render_collation(c->ob, sb);
		sbuf_adds(sb, ";\n");
		break;
	case DIFF_DROP_COLLATION:
		co = c->oa;
		sbuf_adds(sb, "DROP COLLATION ");
		schema_add_qname(sb, co->schema, co->name);
		sbuf_adds(sb, ";\n");
		break;
	default:
		break;
	}
}
