/*
 * pgtypes.c: PostgreSQL's domains, composite types, range types and
 * EXCLUDE constraints (issue 22), from model to SQL: the model's adders,
 * their order, the canonical dump, the differ's changes and the planner's
 * statements. Kept in one file beside schema.c, diff_pg.c and plan_pg.c,
 * which call in here through one hook each.
 *
 * Dependency order: a type is created after the enums and types it stands
 * on and before the tables and functions that use it (phase PREPARE), and
 * dropped after them (CLEANUP, ahead of the enums under it). What PostgreSQL
 * cannot change in place (a domain's base type or collation, anything of a
 * range type, a composite attribute's type or the attributes' order) is
 * dropped and created again when nothing in the old schema uses the type;
 * when something does, the differ refuses (struct diff.refused) rather than
 * plan a migration that would fail or lose data.
 */
#include "diff_int.h"

#include <stdlib.h>
#include <string.h>

#include "strata.h"

/* ---- model ------------------------------------------------------------------ */

static int grow_arr(void **arr, size_t *alloc, size_t n, size_t el)
{
	size_t na;
	void *p;

	if (n < *alloc)
		return 0;
	na = *alloc ? *alloc * 2 : 8;
	if (!(p = realloc(*arr, na * el)))
		return STRATA_ENOMEM;
	*arr = p;
	*alloc = na;
	return 0;
}

static int dup_pair(char **a, const char *va, char **b, const char *vb)
{
	*a = va ? strdup(va) : NULL;
	*b = vb ? strdup(vb) : NULL;
	if ((va && !*a) || (vb && !*b)) {
		free(*a);
		free(*b);
		*a = *b = NULL;
		return STRATA_ENOMEM;
	}
	return 0;
}

struct schema_pgtype *schema_add_pgtype(struct schema *s, const char *nsp, const char *name,
                                        int kind)
{
	struct schema_pgtype *t;

	if (grow_arr((void **)&s->pgtypes, &s->pgtypes_alloc_, s->npgtypes, sizeof *s->pgtypes) ||
	    !(t = calloc(1, sizeof *t)))
		return NULL;
	if (dup_pair(&t->schema, nsp, &t->name, name)) {
		free(t);
		return NULL;
	}
	t->kind = kind;
	s->pgtypes[s->npgtypes++] = t;
	return t;
}

struct schema_check *pgtype_add_check(struct schema_pgtype *t, const char *name,
                                      const char *expression)
{
	struct schema_check *k;

	if (grow_arr((void **)&t->checks, &t->checks_alloc_, t->nchecks, sizeof *t->checks))
		return NULL;
	k = &t->checks[t->nchecks];
	memset(k, 0, sizeof *k);
	if (dup_pair(&k->name, name, &k->expression, expression))
		return NULL;
	t->nchecks++;
	return k;
}

struct schema_pgtype_attr *pgtype_add_attr(struct schema_pgtype *t, const char *name,
                                           const char *type)
{
	struct schema_pgtype_attr *a;

	if (grow_arr((void **)&t->attrs, &t->attrs_alloc_, t->nattrs, sizeof *t->attrs))
		return NULL;
	a = &t->attrs[t->nattrs];
	memset(a, 0, sizeof *a);
	if (dup_pair(&a->name, name, &a->type, type))
		return NULL;
	t->nattrs++;
	return a;
}

struct schema_exclude *schema_add_exclude(struct schema *s, const char *nsp, const char *table,
                                          const char *name, const char *def)
{
	struct schema_exclude *x;

	if (grow_arr((void **)&s->excludes, &s->excludes_alloc_, s->nexcludes, sizeof *s->excludes) ||
	    !(x = calloc(1, sizeof *x)))
		return NULL;
	if (dup_pair(&x->schema, nsp, &x->table, table) || dup_pair(&x->name, name, &x->def, def)) {
		free(x->schema);
		free(x->table);
		free(x);
		return NULL;
	}
	s->excludes[s->nexcludes++] = x;
	return x;
}

static int str_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

struct schema_pgtype *schema_find_pgtype(const struct schema *s, const char *nsp, const char *name)
{
	size_t i;

	for (i = 0; i < s->npgtypes; i++)
		if ((!nsp || str_same(s->pgtypes[i]->schema, nsp)) && str_same(s->pgtypes[i]->name, name))
			return s->pgtypes[i];
	return NULL;
}

void schema_pgtypes_free(struct schema *s)
{
	size_t i, k;

	for (i = 0; i < s->npgtypes; i++) {
		struct schema_pgtype *t = s->pgtypes[i];
		for (k = 0; k < t->nchecks; k++) {
			free(t->checks[k].name);
			free(t->checks[k].expression);
		}
		free(t->checks);
		for (k = 0; k < t->nattrs; k++) {
			free(t->attrs[k].name);
			free(t->attrs[k].type);
			free(t->attrs[k].collation);
		}
		free(t->attrs);
		free(t->schema);
		free(t->name);
		free(t->base);
		free(t->collation);
		free(t->default_sql);
		free(t->opclass);
		free(t->canonical);
		free(t->subtype_diff);
		free(t->multirange);
		free(t);
	}
	free(s->pgtypes);
	for (i = 0; i < s->nexcludes; i++) {
		free(s->excludes[i]->schema);
		free(s->excludes[i]->table);
		free(s->excludes[i]->name);
		free(s->excludes[i]->def);
		free(s->excludes[i]);
	}
	free(s->excludes);
}

static int cmp_s(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return strcmp(a, b);
}

static int cmp_pgtype(const void *x, const void *y)
{
	const struct schema_pgtype *a = *(const struct schema_pgtype *const *)x;
	const struct schema_pgtype *b = *(const struct schema_pgtype *const *)y;
	int r = cmp_s(a->schema, b->schema);

	return r ? r : cmp_s(a->name, b->name);
}

static int cmp_check(const void *x, const void *y)
{
	const struct schema_check *a = x, *b = y;
	int r = cmp_s(a->name, b->name);

	return r ? r : cmp_s(a->expression, b->expression);
}

static int cmp_exclude(const void *x, const void *y)
{
	const struct schema_exclude *a = *(const struct schema_exclude *const *)x;
	const struct schema_exclude *b = *(const struct schema_exclude *const *)y;
	int r = cmp_s(a->schema, b->schema);

	if (!r)
		r = cmp_s(a->table, b->table);
	return r ? r : cmp_s(a->name, b->name);
}

void schema_pgtypes_sort(struct schema *s)
{
	size_t i;

	if (s->npgtypes > 1)
		qsort(s->pgtypes, s->npgtypes, sizeof *s->pgtypes, cmp_pgtype);
	for (i = 0; i < s->npgtypes; i++)
		if (s->pgtypes[i]->nchecks > 1)
			qsort(s->pgtypes[i]->checks, s->pgtypes[i]->nchecks, sizeof(struct schema_check),
			      cmp_check);
	if (s->nexcludes > 1)
		qsort(s->excludes, s->nexcludes, sizeof *s->excludes, cmp_exclude);
}

/* The type's name as format_type() prints it outside pg_catalog. */
static void type_qname(struct sbuf *sb, const struct schema_pgtype *t)
{
	schema_add_qname(sb, t->schema, t->name);
}

int schema_type_is(const char *type, const struct schema_pgtype *t)
{
	struct sbuf q = SBUF_INIT;
	size_t n;
	int yes = 0;

	if (!type)
		return 0;
	type_qname(&q, t);
	n = q.len;
	if (!sbuf_failed(&q) && !strncmp(type, q.buf, n)) {
		const char *rest = type + n;
		while (rest[0] == '[' && rest[1] == ']')
			rest += 2;
		yes = !*rest;
	}
	sbuf_release(&q);
	return yes;
}

/* 1 when u (a type of s) stands on t: its base type, subtype or an
 * attribute's type is t or an array of it. */
static int type_uses(const struct schema_pgtype *u, const struct schema_pgtype *t)
{
	size_t i;

	if (u == t)
		return 0;
	if (schema_type_is(u->base, t))
		return 1;
	for (i = 0; i < u->nattrs; i++)
		if (schema_type_is(u->attrs[i].type, t))
			return 1;
	return 0;
}

/* s's types in dependency order (those a type stands on first), as indexes
 * into s->pgtypes: a new array (free()), NULL when out of memory or none.
 * A cycle (which PostgreSQL does not allow) ends in the model's order. */
static size_t *pgtype_order(const struct schema *s)
{
	size_t *order, n = 0, i, k;
	unsigned char *done;

	if (!s->npgtypes)
		return NULL;
	order = calloc(s->npgtypes, sizeof *order);
	done = calloc(s->npgtypes, 1);
	if (!order || !done) {
		free(order);
		free(done);
		return NULL;
	}
	while (n < s->npgtypes) {
		size_t before = n;
		for (i = 0; i < s->npgtypes; i++) {
			if (done[i])
				continue;
			for (k = 0; k < s->npgtypes; k++)
				if (!done[k] && k != i && type_uses(s->pgtypes[i], s->pgtypes[k]))
					break;
			if (k < s->npgtypes)
				continue;
			done[i] = 1;
			order[n++] = i;
		}
		if (n == before)
			for (i = 0; i < s->npgtypes; i++)
				if (!done[i]) {
					done[i] = 1;
					order[n++] = i;
				}
	}
	free(done);
	return order;
}

/* ---- rendering ---------------------------------------------------------------- */

static void add_attr(struct sbuf *out, const struct schema_pgtype_attr *a)
{
	schema_add_ident(out, a->name);
	sbuf_addc(out, ' ');
	sbuf_adds(out, a->type);
	if (a->collation) {
		sbuf_adds(out, " COLLATE ");
		schema_add_ident(out, a->collation);
	}
}

void schema_render_pgtype(const struct schema_pgtype *t, struct sbuf *out)
{
	size_t i;

	switch (t->kind) {
	case SCHEMA_PGTYPE_DOMAIN:
		sbuf_adds(out, "CREATE DOMAIN ");
		type_qname(out, t);
		sbuf_adds(out, " AS ");
		sbuf_adds(out, t->base ? t->base : "text");
		if (t->collation) {
			sbuf_adds(out, " COLLATE ");
			schema_add_ident(out, t->collation);
		}
		if (t->default_sql) {
			sbuf_adds(out, " DEFAULT ");
			sbuf_adds(out, t->default_sql);
		}
		if (t->not_null)
			sbuf_adds(out, " NOT NULL");
		for (i = 0; i < t->nchecks; i++) {
			if (t->checks[i].not_valid)
				continue;
			sbuf_adds(out, "\n    CONSTRAINT ");
			schema_add_ident(out, t->checks[i].name);
			sbuf_addf(out, " CHECK (%s)", t->checks[i].expression);
		}
		break;
	case SCHEMA_PGTYPE_COMPOSITE:
		sbuf_adds(out, "CREATE TYPE ");
		type_qname(out, t);
		sbuf_adds(out, " AS (");
		for (i = 0; i < t->nattrs; i++) {
			sbuf_adds(out, i ? ",\n    " : "\n    ");
			add_attr(out, &t->attrs[i]);
		}
		sbuf_adds(out, t->nattrs ? "\n)" : ")");
		break;
	case SCHEMA_PGTYPE_RANGE:
		sbuf_adds(out, "CREATE TYPE ");
		type_qname(out, t);
		sbuf_adds(out, " AS RANGE (subtype = ");
		sbuf_adds(out, t->base ? t->base : "integer");
		if (t->opclass) {
			sbuf_adds(out, ", subtype_opclass = ");
			schema_add_ident(out, t->opclass);
		}
		if (t->collation) {
			sbuf_adds(out, ", collation = ");
			schema_add_ident(out, t->collation);
		}
		if (t->canonical)
			sbuf_addf(out, ", canonical = %s", t->canonical);
		if (t->subtype_diff)
			sbuf_addf(out, ", subtype_diff = %s", t->subtype_diff);
		if (t->multirange) {
			sbuf_adds(out, ", multirange_type_name = ");
			schema_add_qname(out, t->schema, t->multirange);
		}
		sbuf_addc(out, ')');
		break;
	}
}

void schema_render_domain_check(const struct schema_pgtype *t, const struct schema_check *k,
                                int not_valid, struct sbuf *out)
{
	sbuf_adds(out, "ALTER DOMAIN ");
	type_qname(out, t);
	sbuf_adds(out, " ADD CONSTRAINT ");
	schema_add_ident(out, k->name);
	sbuf_addf(out, " CHECK (%s)%s", k->expression, not_valid ? " NOT VALID" : "");
}

void schema_render_pgtypes(const struct schema *s, struct sbuf *out)
{
	size_t *order = pgtype_order(s), i, k;

	if (s->npgtypes && !order) {
		out->failed = 1; /* out of memory: as a failed append */
		return;
	}
	for (i = 0; i < s->npgtypes; i++) {
		const struct schema_pgtype *t = s->pgtypes[order[i]];
		sbuf_addc(out, '\n');
		schema_render_pgtype(t, out);
		sbuf_adds(out, ";\n");
		for (k = 0; k < t->nchecks; k++) {
			if (!t->checks[k].not_valid)
				continue;
			sbuf_addc(out, '\n');
			schema_render_domain_check(t, &t->checks[k], 1, out);
			sbuf_adds(out, ";\n");
		}
	}
	free(order);
}

static void add_exclude(struct sbuf *out, const char *nsp, const char *table,
                        const struct schema_exclude *x)
{
	sbuf_adds(out, "ALTER TABLE ");
	schema_add_qname(out, nsp, table);
	sbuf_adds(out, " ADD CONSTRAINT ");
	schema_add_ident(out, x->name);
	sbuf_addc(out, ' ');
	sbuf_adds(out, x->def);
}

void schema_render_excludes(const struct schema *s, struct sbuf *out)
{
	size_t i;

	for (i = 0; i < s->nexcludes; i++) {
		sbuf_addc(out, '\n');
		add_exclude(out, s->excludes[i]->schema, s->excludes[i]->table, s->excludes[i]);
		sbuf_adds(out, ";\n");
	}
}

/* ---- the differ ----------------------------------------------------------------- */

static const char *kind_word(const struct schema_pgtype *t)
{
	return t->kind == SCHEMA_PGTYPE_DOMAIN ? "domain" :
	       t->kind == SCHEMA_PGTYPE_RANGE ? "range type" : "composite type";
}

/* Attribute name of t, or NULL. */
static const struct schema_pgtype_attr *attr_of(const struct schema_pgtype *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nattrs; i++)
		if (!strcmp(t->attrs[i].name, name))
			return &t->attrs[i];
	return NULL;
}

static const struct schema_check *check_of(const struct schema_pgtype *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nchecks; i++)
		if (str_same(t->checks[i].name, name))
			return &t->checks[i];
	return NULL;
}

/*
 * Why a cannot become b in place, as a phrase into why; 0 when ALTER can
 * do it (or nothing differs).
 */
static int needs_remake(const struct diff *d, const struct schema_pgtype *a,
                        const struct schema_pgtype *b, struct sbuf *why)
{
	size_t i, n;

	if (a->kind != b->kind) {
		sbuf_addf(why, "it becomes a %s", kind_word(b));
		return 1;
	}
	if (!str_same(a->base, b->base)) {
		sbuf_addf(why, "its %s changes from %s to %s",
		          a->kind == SCHEMA_PGTYPE_RANGE ? "subtype" : "base type",
		          a->base ? a->base : "?", b->base ? b->base : "?");
		return 1;
	}
	if (!str_same(a->collation, b->collation)) {
		sbuf_adds(why, "its collation changes");
		return 1;
	}
	if (a->kind == SCHEMA_PGTYPE_RANGE &&
	    (!str_same(a->opclass, b->opclass) || !str_same(a->canonical, b->canonical) ||
	     !str_same(a->subtype_diff, b->subtype_diff) || !str_same(a->multirange, b->multirange))) {
		sbuf_adds(why, "its range options change");
		return 1;
	}
	if (a->kind != SCHEMA_PGTYPE_COMPOSITE)
		return 0;
	for (i = 0; i < a->nattrs; i++) {
		const struct schema_pgtype_attr *x = attr_of(b, a->attrs[i].name);
		if (x && (!diff_sql_equal(d->engine, x->type, a->attrs[i].type, NULL) ||
		          !str_same(x->collation, a->attrs[i].collation))) {
			sbuf_addf(why, "attribute %s changes type", x->name);
			return 1;
		}
	}
	/* ALTER TYPE drops in place and adds at the end: B's order must be
	 * A's kept attributes, then the new ones. */
	n = 0;
	for (i = 0; i < a->nattrs; i++)
		if (attr_of(b, a->attrs[i].name)) {
			while (n < b->nattrs && !attr_of(a, b->attrs[n].name))
				n++;
			if (n >= b->nattrs || strcmp(b->attrs[n].name, a->attrs[i].name)) {
				sbuf_adds(why, "its attributes change order");
				return 1;
			}
			n++;
		}
	for (; n < b->nattrs; n++)
		if (attr_of(a, b->attrs[n].name)) {
			sbuf_adds(why, "its attributes change order");
			return 1;
		}
	return 0;
}

static int domain_same(const struct diff *d, const struct schema_pgtype *a,
                       const struct schema_pgtype *b)
{
	size_t i;

	if (!str_same(a->default_sql, b->default_sql) || a->not_null != b->not_null ||
	    a->nchecks != b->nchecks)
		return 0;
	for (i = 0; i < a->nchecks; i++) {
		const struct schema_check *k = check_of(b, a->checks[i].name);
		if (!k || k->not_valid != a->checks[i].not_valid ||
		    !diff_sql_equal(d->engine, k->expression, a->checks[i].expression, NULL))
			return 0;
	}
	return 1;
}

static int composite_same(const struct schema_pgtype *a, const struct schema_pgtype *b)
{
	size_t i;

	if (a->nattrs != b->nattrs)
		return 0;
	for (i = 0; i < a->nattrs; i++)
		if (strcmp(a->attrs[i].name, b->attrs[i].name))
			return 0;
	return 1;
}

/* What in s uses t (a column, a composite attribute, a domain or range
 * over it, a function's arguments or result), as a phrase into who; 0 when
 * nothing does. */
static int type_used(const struct schema *s, const struct schema_pgtype *t, struct sbuf *who)
{
	struct sbuf q = SBUF_INIT;
	size_t i, k;
	int used = 0;

	for (i = 0; !used && i < s->ntables; i++)
		for (k = 0; k < s->tables[i]->ncolumns; k++)
			if (schema_type_is(s->tables[i]->columns[k].type, t)) {
				sbuf_addf(who, "column %s.%s.%s", s->tables[i]->schema ? s->tables[i]->schema : "",
				          s->tables[i]->name, s->tables[i]->columns[k].name);
				used = 1;
				break;
			}
	for (i = 0; !used && i < s->npgtypes; i++)
		if (type_uses(s->pgtypes[i], t)) {
			sbuf_addf(who, "%s %s.%s", kind_word(s->pgtypes[i]), s->pgtypes[i]->schema,
			          s->pgtypes[i]->name);
			used = 1;
		}
	type_qname(&q, t);
	for (i = 0; !used && !sbuf_failed(&q) && i < s->nfunctions; i++) {
		const struct schema_function *f = s->functions[i];
		if ((f->arg_types && strstr(f->arg_types, q.buf)) || (f->result && strstr(f->result, q.buf)) ||
		    (f->args && strstr(f->args, q.buf))) {
			sbuf_addf(who, "function %s.%s(%s)", f->schema, f->name, f->args ? f->args : "");
			used = 1;
		}
	}
	sbuf_release(&q);
	return used;
}

static void set_refused(struct ctx *x, const struct schema_pgtype *a, const char *why,
                        const char *who)
{
	struct diff *d = x->d;
	struct sbuf sb = SBUF_INIT;

	if (d->refused)
		return;
	sbuf_addf(&sb, "%s %s.%s cannot be changed in place (%s) and %s uses it: PostgreSQL "
	          "can only drop and create it again, which needs it unused", kind_word(a),
	          a->schema, a->name, why, who);
	d->refused = diff_detach(x, &sb);
}

/* Put every change of kind after the ones made so far (d->seq_). */
static void move_after(struct diff *d, enum diff_kind kind, size_t from)
{
	size_t i;

	for (i = 0; i < from; i++)
		if (d->v[i].kind == kind)
			d->v[i].seq = d->seq_++;
}

void pgtype_changes(struct ctx *x)
{
	struct diff *d = x->d;
	const struct schema *a = d->a, *b = d->b;
	size_t *ob = pgtype_order(b), *oa = pgtype_order(a), i, first = d->n;
	struct diff_change *c;

	if ((b->npgtypes && !ob) || (a->npgtypes && !oa)) {
		free(ob);
		free(oa);
		x->oom = 1;
		return;
	}
	for (i = 0; i < b->npgtypes; i++) {
		const struct schema_pgtype *tb = b->pgtypes[ob[i]];
		const struct schema_pgtype *ta = schema_find_pgtype(a, tb->schema, tb->name);
		struct sbuf why = SBUF_INIT, who = SBUF_INIT;

		if (ta && needs_remake(d, ta, tb, &why)) {
			if (type_used(a, ta, &who)) {
				set_refused(x, ta, why.buf, who.buf);
			} else if ((c = diff_add(x, DIFF_DROP_TYPE, DIFF_P_PREPARE, STRATA_CHANGE_SAFE))) {
				c->oa = ta;
				c->object = diff_obj_named(x, "type", ta->schema, ta->name);
				diff_set_note(x, c, "%s: dropped and created again (nothing uses it)", why.buf);
				ta = NULL;
			}
		} else if (ta && ta->kind == SCHEMA_PGTYPE_DOMAIN && !domain_same(d, ta, tb)) {
			int tighter = (!ta->not_null && tb->not_null);
			size_t k;
			for (k = 0; k < tb->nchecks; k++) {
				const struct schema_check *ka = check_of(ta, tb->checks[k].name);
				if (!tb->checks[k].not_valid && (!ka || ka->not_valid ||
				    !diff_sql_equal(d->engine, ka->expression, tb->checks[k].expression, NULL)))
					tighter = 1;
			}
			if ((c = diff_add(x, DIFF_ALTER_TYPE, DIFF_P_PREPARE,
			                  tighter ? STRATA_CHANGE_DATA_DEPENDENT : STRATA_CHANGE_SAFE))) {
				c->oa = ta;
				c->ob = tb;
				c->object = diff_obj_named(x, "type", tb->schema, tb->name);
				if (tighter)
					diff_set_note(x, c, "fails if a value of a column of this domain breaks the new "
					              "constraint");
			}
		} else if (ta && ta->kind == SCHEMA_PGTYPE_COMPOSITE && !composite_same(ta, tb)) {
			size_t k;
			int dropping = 0;
			for (k = 0; k < ta->nattrs; k++)
				if (!attr_of(tb, ta->attrs[k].name))
					dropping = 1;
			if ((c = diff_add(x, DIFF_ALTER_TYPE, DIFF_P_PREPARE,
			                  dropping ? STRATA_CHANGE_DESTRUCTIVE : STRATA_CHANGE_SAFE))) {
				c->oa = ta;
				c->ob = tb;
				c->object = diff_obj_named(x, "type", tb->schema, tb->name);
				if (dropping)
					diff_set_note(x, c, "drops an attribute: its values in columns of this type are lost");
			}
		}
		sbuf_release(&why);
		sbuf_release(&who);
		if (ta)
			continue;
		if ((c = diff_add(x, DIFF_CREATE_TYPE, DIFF_P_PREPARE, STRATA_CHANGE_SAFE))) {
			c->ob = tb;
			c->object = diff_obj_named(x, "type", tb->schema, tb->name);
		}
	}
	for (i = a->npgtypes; i-- > 0;) {
		const struct schema_pgtype *ta = a->pgtypes[oa[i]];
		if (schema_find_pgtype(b, ta->schema, ta->name))
			continue;
		if ((c = diff_add(x, DIFF_DROP_TYPE, DIFF_P_CLEANUP, STRATA_CHANGE_SAFE))) {
			c->oa = ta;
			c->object = diff_obj_named(x, "type", ta->schema, ta->name);
		}
	}
	free(ob);
	free(oa);
	/* Functions may take or return these types (made after them); the
	 * enums under them are dropped after them. */
	move_after(d, DIFF_CREATE_FUNCTION, first);
	move_after(d, DIFF_REPLACE_FUNCTION, first);
	move_after(d, DIFF_DROP_ENUM, first);
}

/* The EXCLUDE constraint of s on the peer of table (nsp, table) that is
 * named name; to_b: s is B. */
static const struct schema_exclude *exclude_peer(const struct diff *d, const struct schema *s,
                                                 const struct schema_exclude *e, int to_b)
{
	const struct diff_table *p = to_b ? diff_pair_of_a_name(d, e->schema, e->table)
	                                  : diff_pair_of_b_name(d, e->schema, e->table);
	const struct schema_table *other = p ? (to_b ? p->b : p->a) : NULL;
	size_t i;

	if (!other)
		return NULL;
	for (i = 0; i < s->nexcludes; i++)
		if (name_eq(d, s->excludes[i]->schema, e->schema) &&
		    name_eq(d, s->excludes[i]->table, other->name) &&
		    name_eq(d, s->excludes[i]->name, e->name))
			return s->excludes[i];
	return NULL;
}

/* Dropped before the tables change (a column it covers may go), added
 * after the indexes. */
void pgtype_exclude_changes(struct ctx *x)
{
	struct diff *d = x->d;
	struct diff_change *c;
	size_t i;

	for (i = 0; i < d->a->nexcludes; i++) {
		const struct schema_exclude *ea = d->a->excludes[i];
		const struct schema_exclude *eb = exclude_peer(d, d->b, ea, 1);
		const struct diff_table *p = diff_pair_of_a_name(d, ea->schema, ea->table);

		if (!p || !p->b || (eb && diff_sql_equal(d->engine, ea->def, eb->def, NULL)))
			continue;
		if ((c = diff_add(x, DIFF_DROP_EXCLUDE, DIFF_P_DROP_INDEX, STRATA_CHANGE_SAFE))) {
			c->oa = ea;
			c->pair = (struct diff_table *)p;
			c->object = diff_obj_named(x, "constraint", ea->schema, ea->name);
			if (eb)
				diff_set_note(x, c, "its definition changes: dropped and added again");
			diff_set_owner(x, c, p->b->name);
		}
	}
	for (i = 0; i < d->b->nexcludes; i++) {
		const struct schema_exclude *eb = d->b->excludes[i];
		const struct schema_exclude *ea = exclude_peer(d, d->a, eb, 0);
		const struct diff_table *p = diff_pair_of_b_name(d, eb->schema, eb->table);

		if (!p || (ea && diff_sql_equal(d->engine, ea->def, eb->def, NULL)))
			continue;
		if ((c = diff_add(x, DIFF_ADD_EXCLUDE, DIFF_P_ADD_FK,
		                  p->a ? STRATA_CHANGE_DATA_DEPENDENT : STRATA_CHANGE_SAFE))) {
			c->ob = eb;
			c->pair = (struct diff_table *)p;
			c->object = diff_obj_named(x, "constraint", eb->schema, eb->name);
			if (p->a)
				diff_set_note(x, c, "fails if rows of %s conflict", eb->table);
			diff_set_owner(x, c, eb->table);
		}
	}
}

/* ---- the planner ------------------------------------------------------------------ */

static void alter_domain(struct sbuf *sb, const struct schema_pgtype *t)
{
	sbuf_adds(sb, "ALTER DOMAIN ");
	type_qname(sb, t);
	sbuf_addc(sb, ' ');
}

static void validate_domain(struct sbuf *sb, const struct schema_pgtype *t, const char *name)
{
	alter_domain(sb, t);
	sbuf_adds(sb, "VALIDATE CONSTRAINT ");
	schema_add_ident(sb, name);
	sbuf_adds(sb, ";\n");
}

/* The checks of b that the ALTER adds (new, changed, or valid where A's
 * was NOT VALID and B's is not), each validated after: 1 when k is one. */
static int check_added(const struct diff *d, const struct schema_pgtype *a,
                       const struct schema_check *k)
{
	const struct schema_check *ka = check_of(a, k->name);

	return !ka || !diff_sql_equal(d->engine, ka->expression, k->expression, NULL) ||
	       (!ka->not_valid && k->not_valid);
}

static void plan_alter_domain(struct sbuf *sb, const struct diff *d, const struct schema_pgtype *a,
                              const struct schema_pgtype *b, int safe)
{
	size_t i;

	for (i = 0; i < a->nchecks; i++) {
		const struct schema_check *kb = check_of(b, a->checks[i].name);
		if (kb && !check_added(d, a, kb))
			continue;
		alter_domain(sb, b);
		sbuf_adds(sb, "DROP CONSTRAINT ");
		schema_add_ident(sb, a->checks[i].name);
		sbuf_adds(sb, ";\n");
	}
	if (!str_same(a->default_sql, b->default_sql)) {
		alter_domain(sb, b);
		if (b->default_sql)
			sbuf_addf(sb, "SET DEFAULT %s;\n", b->default_sql);
		else
			sbuf_adds(sb, "DROP DEFAULT;\n");
	}
	if (a->not_null != b->not_null) {
		alter_domain(sb, b);
		sbuf_adds(sb, b->not_null ? "SET NOT NULL;\n" : "DROP NOT NULL;\n");
	}
	for (i = 0; i < b->nchecks; i++) {
		const struct schema_check *k = &b->checks[i], *ka = check_of(a, k->name);
		if (check_added(d, a, k)) {
			/* NOT VALID, then VALIDATE: the scan of the columns takes
			 * a lighter lock than a plain ADD (as tables' CHECKs). */
			schema_render_domain_check(b, k, 1, sb);
			sbuf_adds(sb, ";\n");
			if (!k->not_valid && safe != PLAN_SAFE_MAIN)
				validate_domain(sb, b, k->name);
		} else if (ka && ka->not_valid && !k->not_valid) {
			/* Only the validation: the main part's, which would
			 * otherwise be empty. */
			validate_domain(sb, b, k->name);
		}
	}
}

static void plan_alter_composite(struct sbuf *sb, const struct schema_pgtype *a,
                                 const struct schema_pgtype *b)
{
	size_t i;
	int n = 0;

	sbuf_adds(sb, "ALTER TYPE ");
	type_qname(sb, b);
	for (i = 0; i < a->nattrs; i++) {
		if (attr_of(b, a->attrs[i].name))
			continue;
		sbuf_adds(sb, n++ ? ",\n    DROP ATTRIBUTE " : "\n    DROP ATTRIBUTE ");
		schema_add_ident(sb, a->attrs[i].name);
	}
	for (i = 0; i < b->nattrs; i++) {
		if (attr_of(a, b->attrs[i].name))
			continue;
		sbuf_adds(sb, n++ ? ",\n    ADD ATTRIBUTE " : "\n    ADD ATTRIBUTE ");
		add_attr(sb, &b->attrs[i]);
	}
	sbuf_adds(sb, ";\n");
}

void plan_pg_types(const struct diff *d, const struct diff_change *c, const struct plan_opts *o,
                   struct sbuf *sb)
{
	int safe = o ? o->safe : 0;
	size_t k;

	switch (c->kind) {
	case DIFF_CREATE_TYPE: {
		const struct schema_pgtype *t = c->ob;
		schema_render_pgtype(t, sb);
		sbuf_adds(sb, ";\n");
		for (k = 0; k < t->nchecks; k++)
			if (t->checks[k].not_valid) {
				schema_render_domain_check(t, &t->checks[k], 1, sb);
				sbuf_adds(sb, ";\n");
			}
		break;
	}
	case DIFF_DROP_TYPE: {
		const struct schema_pgtype *t = c->oa;
		sbuf_adds(sb, t->kind == SCHEMA_PGTYPE_DOMAIN ? "DROP DOMAIN " : "DROP TYPE ");
		type_qname(sb, t);
		sbuf_adds(sb, ";\n");
		break;
	}
	case DIFF_ALTER_TYPE: {
		const struct schema_pgtype *a = c->oa, *b = c->ob;
		if (b->kind == SCHEMA_PGTYPE_DOMAIN)
			plan_alter_domain(sb, d, a, b, safe);
		else
			plan_alter_composite(sb, a, b);
		break;
	}
	case DIFF_DROP_EXCLUDE: {
		const struct schema_exclude *e = c->oa;
		/* Before any table is renamed: A's name. */
		sbuf_adds(sb, "ALTER TABLE ");
		schema_add_qname(sb, e->schema, e->table);
		sbuf_adds(sb, " DROP CONSTRAINT ");
		schema_add_ident(sb, e->name);
		sbuf_adds(sb, ";\n");
		break;
	}
	case DIFF_ADD_EXCLUDE: {
		const struct schema_exclude *e = c->ob;
		add_exclude(sb, e->schema, e->table, e);
		sbuf_adds(sb, ";\n");
		break;
	}
	default:
		break;
	}
}

void plan_pg_types_late(const struct diff *d, const struct diff_change *c, int down,
                        struct sbuf *sb)
{
	const struct schema_pgtype *a = c->oa, *b = c->ob;
	size_t i;

	if (down || c->kind != DIFF_ALTER_TYPE || b->kind != SCHEMA_PGTYPE_DOMAIN)
		return;
	for (i = 0; i < b->nchecks; i++) {
		const struct schema_check *k = &b->checks[i];
		if (!k->not_valid && check_added(d, a, k))
			validate_domain(sb, b, k->name);
	}
}
