/*
 * schema.c: the schema model's life cycle, canonical order, lookups and
 * identifier quoting (see schema.h for ownership and ordering rules).
 *
 * Top-level objects are heap-allocated one by one and kept in arrays of
 * pointers, so sorting and growing never move an object a caller holds;
 * sub-objects (columns, constraints, index keys) are arrays of values, cheap
 * to walk, and only ever appended while a table or index is being built.
 * Every adder leaves the model consistent when an allocation fails: the new
 * object is either fully added or not at all.
 */
#include "schema.h"

#include <stdlib.h>
#include <string.h>

#include "sqlscan.h"
#include "strata.h"

/* ---- small helpers -------------------------------------------------------- */

/* Grow *arr (of elements of size el) to hold at least n + 1 elements. */
static int grow(void **arr, size_t *alloc, size_t n, size_t el)
{
	size_t want;
	void *p;

	if (n < *alloc)
		return 0;
	want = *alloc ? *alloc * 2 : 8;
	if (want > ((size_t)-1) / el)
		return STRATA_ENOMEM;
	p = realloc(*arr, want * el);
	if (!p)
		return STRATA_ENOMEM;
	*arr = p;
	*alloc = want;
	return 0;
}

/* Copies of a list of possibly-NULL strings, all or nothing. */
static int dup_all(char **dst[], const char *const src[], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		*dst[i] = NULL;
		if (src[i] && !(*dst[i] = strdup(src[i]))) {
			while (i--) {
				free(*dst[i]);
				*dst[i] = NULL;
			}
			return STRATA_ENOMEM;
		}
	}
	return 0;
}

static int lower_ascii(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static int casecmp_ascii(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && lower_ascii(*x) == lower_ascii(*y)) {
		x++;
		y++;
	}
	return lower_ascii(*x) - lower_ascii(*y);
}

int schema_set_str(char **slot, const char *value)
{
	char *p = NULL;

	if (value && !(p = strdup(value)))
		return STRATA_ENOMEM;
	free(*slot);
	*slot = p;
	return 0;
}

/* ---- name lists ----------------------------------------------------------- */

int schema_names_add(struct schema_names *l, const char *s)
{
	char *p;

	if (grow((void **)&l->v, &l->alloc_, l->n, sizeof(*l->v)))
		return STRATA_ENOMEM;
	if (!(p = strdup(s)))
		return STRATA_ENOMEM;
	l->v[l->n++] = p;
	return 0;
}

void schema_names_release(struct schema_names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->alloc_ = 0;
}

int schema_names_equal(const struct schema_names *a, const struct schema_names *b, int nocase)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (nocase ? casecmp_ascii(a->v[i], b->v[i]) : strcmp(a->v[i], b->v[i]))
			return 0;
	return 1;
}

/* ---- enums as text -------------------------------------------------------- */

const char *schema_fk_action_sql(enum schema_fk_action a)
{
	switch (a) {
	case SCHEMA_FK_RESTRICT: return "RESTRICT";
	case SCHEMA_FK_CASCADE: return "CASCADE";
	case SCHEMA_FK_SET_NULL: return "SET NULL";
	case SCHEMA_FK_SET_DEFAULT: return "SET DEFAULT";
	case SCHEMA_FK_NO_ACTION: break;
	}
	return "NO ACTION";
}

enum schema_fk_action schema_fk_action_parse(const char *s)
{
	if (!s)
		return SCHEMA_FK_NO_ACTION;
	if (s[0] && !s[1]) {
		switch (s[0]) {
		case 'r': return SCHEMA_FK_RESTRICT;
		case 'c': return SCHEMA_FK_CASCADE;
		case 'n': return SCHEMA_FK_SET_NULL;
		case 'd': return SCHEMA_FK_SET_DEFAULT;
		default: return SCHEMA_FK_NO_ACTION;
		}
	}
	if (!casecmp_ascii(s, "RESTRICT"))
		return SCHEMA_FK_RESTRICT;
	if (!casecmp_ascii(s, "CASCADE"))
		return SCHEMA_FK_CASCADE;
	if (!casecmp_ascii(s, "SET NULL"))
		return SCHEMA_FK_SET_NULL;
	if (!casecmp_ascii(s, "SET DEFAULT"))
		return SCHEMA_FK_SET_DEFAULT;
	return SCHEMA_FK_NO_ACTION;
}

const char *schema_object_kind_sql(enum schema_object_kind k)
{
	switch (k) {
	case SCHEMA_OBJ_TABLE: return "TABLE";
	case SCHEMA_OBJ_COLUMN: return "COLUMN";
	case SCHEMA_OBJ_VIEW: return "VIEW";
	case SCHEMA_OBJ_MATVIEW: return "MATERIALIZED VIEW";
	case SCHEMA_OBJ_INDEX: return "INDEX";
	case SCHEMA_OBJ_SEQUENCE: return "SEQUENCE";
	case SCHEMA_OBJ_TYPE: return "TYPE";
	case SCHEMA_OBJ_SCHEMA: return "SCHEMA";
	case SCHEMA_OBJ_TRIGGER: return "TRIGGER";
	case SCHEMA_OBJ_CONSTRAINT: return "CONSTRAINT";
	case SCHEMA_OBJ_FUNCTION: return "FUNCTION";
	case SCHEMA_OBJ_EXTENSION: return "EXTENSION";
	case SCHEMA_OBJ_COLLATION: return "COLLATION";
	case SCHEMA_OBJ_STATISTICS: return "STATISTICS";
	}
	return "TABLE";
}

/* ---- life cycle ----------------------------------------------------------- */

struct schema *schema_new(int engine)
{
	struct schema *s = calloc(1, sizeof(*s));

	if (s)
		s->engine = engine;
	return s;
}

static void column_release(struct schema_column *c)
{
	free(c->name);
	free(c->type);
	free(c->default_sql);
	free(c->collation);
	free(c->generated);
}

static void table_free(struct schema_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->ncolumns; i++)
		column_release(&t->columns[i]);
	free(t->columns);
	free(t->pk.name);
	schema_names_release(&t->pk.columns);
	schema_names_release(&t->pk.include);
	for (i = 0; i < t->nuniques; i++) {
		free(t->uniques[i].name);
		schema_names_release(&t->uniques[i].columns);
		schema_names_release(&t->uniques[i].include);
	}
	free(t->uniques);
	for (i = 0; i < t->nfks; i++) {
		free(t->fks[i].name);
		free(t->fks[i].ref_schema);
		free(t->fks[i].ref_table);
		schema_names_release(&t->fks[i].columns);
		schema_names_release(&t->fks[i].ref_columns);
	}
	free(t->fks);
	for (i = 0; i < t->nchecks; i++) {
		free(t->checks[i].name);
		free(t->checks[i].expression);
	}
	free(t->checks);
	free(t->schema);
	free(t->name);
	free(t->sql);
	free(t->options);
	free(t->partition_key);
	free(t->part_of_schema);
	free(t->part_of);
	free(t->partition_bound);
	schema_names_release(&t->inherits_schemas);
	schema_names_release(&t->inherits);
	free(t);
}

static void index_free(struct schema_index *ix)
{
	size_t i;

	if (!ix)
		return;
	for (i = 0; i < ix->nkeys; i++) {
		free(ix->keys[i].column);
		free(ix->keys[i].expression);
		free(ix->keys[i].collation);
		free(ix->keys[i].opclass);
	}
	free(ix->keys);
	schema_names_release(&ix->include);
	free(ix->schema);
	free(ix->name);
	free(ix->table);
	free(ix->where);
	free(ix->method);
	free(ix->options);
	free(ix->sql);
	free(ix);
}

static void view_free(struct schema_view *v)
{
	if (!v)
		return;
	free(v->schema);
	free(v->name);
	free(v->definition);
	free(v->sql);
	free(v->options);
	free(v);
}

static void policy_free(struct schema_policy *po)
{
	if (!po)
		return;
	free(po->schema);
	free(po->name);
	free(po->table);
	free(po->sql);
	free(po);
}

static void trigger_free(struct schema_trigger *tr)
{
	if (!tr)
		return;
	free(tr->schema);
	free(tr->name);
	free(tr->table);
	free(tr->sql);
	free(tr);
}

static void namespace_free(struct schema_namespace *n)
{
	if (!n)
		return;
	free(n->name);
	free(n);
}

static void enum_free(struct schema_enum *e)
{
	if (!e)
		return;
	free(e->schema);
	free(e->name);
	schema_names_release(&e->labels);
	free(e);
}

static void sequence_free(struct schema_sequence *q)
{
	if (!q)
		return;
	free(q->schema);
	free(q->name);
	free(q->type);
	free(q->owned_by_table);
	free(q->owned_by_column);
	free(q);
}

static void extension_free(struct schema_extension *x)
{
	if (!x)
		return;
	free(x->name);
	free(x->schema);
	free(x->version);
	free(x);
}

static void function_free(struct schema_function *f)
{
	if (!f)
		return;
	free(f->schema);
	free(f->name);
	free(f->args);
	free(f->sql);
	free(f->result);
	free(f->arguments);
	free(f->arg_types);
	free(f);
}

static void dep_free(struct schema_dep *x)
{
	if (!x)
		return;
	free(x->schema);
	free(x->name);
	free(x->sub);
	free(x->ref_schema);
	free(x->ref_name);
	free(x->ref_sub);
	free(x);
}

static void comment_free(struct schema_comment *c)
{
	if (!c)
		return;
	free(c->schema);
	free(c->name);
	free(c->sub);
	free(c->text);
	free(c);
}

void schema_free(struct schema *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->ntables; i++)
		table_free(s->tables[i]);
	for (i = 0; i < s->nviews; i++)
		view_free(s->views[i]);
	for (i = 0; i < s->nindexes; i++)
		index_free(s->indexes[i]);
	for (i = 0; i < s->ntriggers; i++)
		trigger_free(s->triggers[i]);
	for (i = 0; i < s->nnamespaces; i++)
		namespace_free(s->namespaces[i]);
	for (i = 0; i < s->nenums; i++)
		enum_free(s->enums[i]);
	for (i = 0; i < s->nsequences; i++)
		sequence_free(s->sequences[i]);
	for (i = 0; i < s->nextensions; i++)
		extension_free(s->extensions[i]);
	for (i = 0; i < s->nfunctions; i++)
		function_free(s->functions[i]);
	for (i = 0; i < s->ncomments; i++)
		comment_free(s->comments[i]);
	for (i = 0; i < s->ndeps; i++)
		dep_free(s->deps[i]);
	free(s->deps);
	for (i = 0; i < s->npolicies; i++)
		policy_free(s->policies[i]);
	free(s->policies);
	schema_names_release(&s->unmodeled);
	schema_pgtypes_free(s);
	schema_collations_free(s);
	schema_extstats_free(s);
	free(s->tables);
	free(s->views);
	free(s->indexes);
	free(s->triggers);
	free(s->namespaces);
	free(s->enums);
	free(s->sequences);
	free(s->extensions);
	free(s->functions);
	free(s->comments);
	free(s);
}

/* ---- building ------------------------------------------------------------- */

/*
 * Each adder reserves the array slot first, so that once the object is
 * built nothing can fail and the object is never half-added.
 */
#define RESERVE(arr, n, alloc) grow((void **)&(arr), &(alloc), (n), sizeof(*(arr)))

/*
 * Bits of struct schema's sorted_: the arrays that schema_sort() left in
 * canonical order and that lookups may binary-search (see lookups, below).
 * An adder appends out of order, so it clears its array's bit; removal
 * keeps the order and the bit.
 */
enum {
	SORTED_TABLES = 1u << 0,
	SORTED_VIEWS = 1u << 1,
	SORTED_INDEXES = 1u << 2,
	SORTED_ENUMS = 1u << 3,
	SORTED_SEQUENCES = 1u << 4
};

struct schema_table *schema_add_table(struct schema *s, const char *nsp, const char *name)
{
	struct schema_table *t;

	s->sorted_ &= ~(unsigned)SORTED_TABLES;
	if (RESERVE(s->tables, s->ntables, s->tables_alloc_) || !(t = calloc(1, sizeof(*t))))
		return NULL;
	if (dup_all((char **[]){ &t->schema, &t->name }, (const char *const[]){ nsp, name }, 2)) {
		free(t);
		return NULL;
	}
	s->tables[s->ntables++] = t;
	return t;
}

struct schema_column *table_add_column(struct schema_table *t, const char *name, const char *type)
{
	struct schema_column *c;

	if (RESERVE(t->columns, t->ncolumns, t->columns_alloc_))
		return NULL;
	c = &t->columns[t->ncolumns];
	memset(c, 0, sizeof(*c));
	if (dup_all((char **[]){ &c->name, &c->type }, (const char *const[]){ name, type ? type : "" },
	            2))
		return NULL;
	c->ordinal = (int)++t->ncolumns;
	return c;
}

struct schema_unique *table_add_unique(struct schema_table *t, const char *name)
{
	struct schema_unique *u;

	if (RESERVE(t->uniques, t->nuniques, t->uniques_alloc_))
		return NULL;
	u = &t->uniques[t->nuniques];
	memset(u, 0, sizeof(*u));
	if (dup_all((char **[]){ &u->name }, (const char *const[]){ name }, 1))
		return NULL;
	t->nuniques++;
	return u;
}

struct schema_fk *table_add_fk(struct schema_table *t, const char *name, const char *ref_schema,
                               const char *ref_table)
{
	struct schema_fk *fk;

	if (RESERVE(t->fks, t->nfks, t->fks_alloc_))
		return NULL;
	fk = &t->fks[t->nfks];
	memset(fk, 0, sizeof(*fk));
	if (dup_all((char **[]){ &fk->name, &fk->ref_schema, &fk->ref_table },
	            (const char *const[]){ name, ref_schema, ref_table }, 3))
		return NULL;
	t->nfks++;
	return fk;
}

struct schema_check *table_add_check(struct schema_table *t, const char *name,
                                     const char *expression)
{
	struct schema_check *ck;

	if (RESERVE(t->checks, t->nchecks, t->checks_alloc_))
		return NULL;
	ck = &t->checks[t->nchecks];
	memset(ck, 0, sizeof(*ck));
	if (dup_all((char **[]){ &ck->name, &ck->expression },
	            (const char *const[]){ name, expression }, 2))
		return NULL;
	t->nchecks++;
	return ck;
}

struct schema_index *schema_add_index(struct schema *s, const char *nsp, const char *name,
                                      const char *table)
{
	struct schema_index *ix;

	s->sorted_ &= ~(unsigned)SORTED_INDEXES;
	if (RESERVE(s->indexes, s->nindexes, s->indexes_alloc_) || !(ix = calloc(1, sizeof(*ix))))
		return NULL;
	if (dup_all((char **[]){ &ix->schema, &ix->name, &ix->table },
	            (const char *const[]){ nsp, name, table }, 3)) {
		free(ix);
		return NULL;
	}
	s->indexes[s->nindexes++] = ix;
	return ix;
}

struct schema_index_key *index_add_key(struct schema_index *ix, const char *column,
                                       const char *expression)
{
	struct schema_index_key *k;

	if (RESERVE(ix->keys, ix->nkeys, ix->keys_alloc_))
		return NULL;
	k = &ix->keys[ix->nkeys];
	memset(k, 0, sizeof(*k));
	if (dup_all((char **[]){ &k->column, &k->expression },
	            (const char *const[]){ column, expression }, 2))
		return NULL;
	ix->nkeys++;
	return k;
}

struct schema_view *schema_add_view(struct schema *s, const char *nsp, const char *name,
                                    const char *definition)
{
	struct schema_view *v;

	s->sorted_ &= ~(unsigned)SORTED_VIEWS;
	if (RESERVE(s->views, s->nviews, s->views_alloc_) || !(v = calloc(1, sizeof(*v))))
		return NULL;
	if (dup_all((char **[]){ &v->schema, &v->name, &v->definition },
	            (const char *const[]){ nsp, name, definition }, 3)) {
		free(v);
		return NULL;
	}
	s->views[s->nviews++] = v;
	return v;
}

struct schema_trigger *schema_add_trigger(struct schema *s, const char *nsp, const char *name,
                                          const char *table, const char *sql)
{
	struct schema_trigger *tr;

	if (RESERVE(s->triggers, s->ntriggers, s->triggers_alloc_) ||
	    !(tr = calloc(1, sizeof(*tr))))
		return NULL;
	if (dup_all((char **[]){ &tr->schema, &tr->name, &tr->table, &tr->sql },
	            (const char *const[]){ nsp, name, table, sql }, 4)) {
		free(tr);
		return NULL;
	}
	s->triggers[s->ntriggers++] = tr;
	return tr;
}

struct schema_policy *schema_add_policy(struct schema *s, const char *nsp, const char *name,
                                        const char *table, const char *sql)
{
	struct schema_policy *po;

	if (RESERVE(s->policies, s->npolicies, s->policies_alloc_) ||
	    !(po = calloc(1, sizeof(*po))))
		return NULL;
	if (dup_all((char **[]){ &po->schema, &po->name, &po->table, &po->sql },
	            (const char *const[]){ nsp, name, table, sql }, 4)) {
		free(po);
		return NULL;
	}
	s->policies[s->npolicies++] = po;
	return po;
}

struct schema_namespace *schema_add_namespace(struct schema *s, const char *name)
{
	struct schema_namespace *n;

	if (RESERVE(s->namespaces, s->nnamespaces, s->namespaces_alloc_) ||
	    !(n = calloc(1, sizeof(*n))))
		return NULL;
	if (dup_all((char **[]){ &n->name }, (const char *const[]){ name }, 1)) {
		free(n);
		return NULL;
	}
	s->namespaces[s->nnamespaces++] = n;
	return n;
}

struct schema_enum *schema_add_enum(struct schema *s, const char *nsp, const char *name)
{
	struct schema_enum *e;

	s->sorted_ &= ~(unsigned)SORTED_ENUMS;
	if (RESERVE(s->enums, s->nenums, s->enums_alloc_) || !(e = calloc(1, sizeof(*e))))
		return NULL;
	if (dup_all((char **[]){ &e->schema, &e->name }, (const char *const[]){ nsp, name }, 2)) {
		free(e);
		return NULL;
	}
	s->enums[s->nenums++] = e;
	return e;
}

struct schema_sequence *schema_add_sequence(struct schema *s, const char *nsp, const char *name)
{
	struct schema_sequence *q;

	s->sorted_ &= ~(unsigned)SORTED_SEQUENCES;
	if (RESERVE(s->sequences, s->nsequences, s->sequences_alloc_) ||
	    !(q = calloc(1, sizeof(*q))))
		return NULL;
	if (dup_all((char **[]){ &q->schema, &q->name, &q->type },
	            (const char *const[]){ nsp, name, "bigint" }, 3)) {
		free(q);
		return NULL;
	}
	/* PostgreSQL's defaults for a bigint sequence. */
	q->start = 1;
	q->increment = 1;
	q->min_value = 1;
	q->max_value = 9223372036854775807LL;
	q->cache = 1;
	s->sequences[s->nsequences++] = q;
	return q;
}

struct schema_extension *schema_add_extension(struct schema *s, const char *name,
                                              const char *nsp, const char *version)
{
	struct schema_extension *x;

	if (RESERVE(s->extensions, s->nextensions, s->extensions_alloc_) ||
	    !(x = calloc(1, sizeof(*x))))
		return NULL;
	if (dup_all((char **[]){ &x->name, &x->schema, &x->version },
	            (const char *const[]){ name, nsp, version }, 3)) {
		free(x);
		return NULL;
	}
	s->extensions[s->nextensions++] = x;
	return x;
}

struct schema_function *schema_add_function(struct schema *s, const char *nsp, const char *name,
                                            const char *args, const char *sql)
{
	struct schema_function *f;

	if (RESERVE(s->functions, s->nfunctions, s->functions_alloc_) ||
	    !(f = calloc(1, sizeof(*f))))
		return NULL;
	if (dup_all((char **[]){ &f->schema, &f->name, &f->args, &f->sql },
	            (const char *const[]){ nsp, name, args, sql }, 4)) {
		free(f);
		return NULL;
	}
	s->functions[s->nfunctions++] = f;
	return f;
}

struct schema_comment *schema_add_comment(struct schema *s, enum schema_object_kind kind,
                                          const char *nsp, const char *name, const char *sub,
                                          const char *text)
{
	struct schema_comment *c;

	if (RESERVE(s->comments, s->ncomments, s->comments_alloc_) ||
	    !(c = calloc(1, sizeof(*c))))
		return NULL;
	if (dup_all((char **[]){ &c->schema, &c->name, &c->sub, &c->text },
	            (const char *const[]){ nsp, name, sub, text }, 4)) {
		free(c);
		return NULL;
	}
	c->kind = kind;
	s->comments[s->ncomments++] = c;
	return c;
}

struct schema_dep *schema_add_dep(struct schema *s, enum schema_object_kind kind, const char *nsp,
                                  const char *name, const char *sub,
                                  enum schema_object_kind ref_kind, const char *ref_nsp,
                                  const char *ref_name, const char *ref_sub)
{
	struct schema_dep *x;

	if (RESERVE(s->deps, s->ndeps, s->deps_alloc_) || !(x = calloc(1, sizeof(*x))))
		return NULL;
	if (dup_all((char **[]){ &x->schema, &x->name, &x->sub, &x->ref_schema, &x->ref_name,
	                         &x->ref_sub },
	            (const char *const[]){ nsp, name, sub, ref_nsp, ref_name, ref_sub }, 6)) {
		free(x);
		return NULL;
	}
	x->kind = kind;
	x->ref_kind = ref_kind;
	s->deps[s->ndeps++] = x;
	return x;
}

/* ---- order ---------------------------------------------------------------- */

int schema_name_cmp(const struct schema *s, const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return s->engine == SCHEMA_SQLITE ? casecmp_ascii(a, b) : strcmp(a, b);
}

/*
 * qsort has no payload argument in C11, and the library keeps no mutable
 * statics, so the comparators come in two sets: case-insensitive (SQLite)
 * and exact (PostgreSQL). Both end in a byte-wise tie-break so that the
 * order is total and therefore deterministic.
 */
static int cmp_str(const char *a, const char *b, int nocase)
{
	int r;

	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	if (nocase && (r = casecmp_ascii(a, b)))
		return r;
	return strcmp(a, b);
}

static int cmp_names(const struct schema_names *a, const struct schema_names *b, int nocase)
{
	size_t i;
	int r;

	for (i = 0; i < a->n && i < b->n; i++)
		if ((r = cmp_str(a->v[i], b->v[i], nocase)))
			return r;
	return a->n < b->n ? -1 : a->n > b->n;
}

/* Comparators of arrays of pointers to objects that have (schema, name). */
#define DEFINE_NAMED_CMP(tag, type, suffix, nocase)                                \
	static int cmp_##tag##_##suffix(const void *x, const void *y)              \
	{                                                                          \
		const type *a = *(const type *const *)x;                           \
		const type *b = *(const type *const *)y;                           \
		int r = cmp_str(a->schema, b->schema, nocase);                     \
		return r ? r : cmp_str(a->name, b->name, nocase);                  \
	}

#define DEFINE_NAMED_CMPS(tag, type)                                               \
	DEFINE_NAMED_CMP(tag, type, ci, 1)                                         \
	DEFINE_NAMED_CMP(tag, type, cs, 0)

DEFINE_NAMED_CMPS(table, struct schema_table)
DEFINE_NAMED_CMPS(view, struct schema_view)
DEFINE_NAMED_CMPS(index, struct schema_index)
DEFINE_NAMED_CMPS(enum, struct schema_enum)
DEFINE_NAMED_CMPS(sequence, struct schema_sequence)
DEFINE_NAMED_CMPS(fn, struct schema_function)

#define DEFINE_CMP(suffix, nocase)                                                 \
	static int cmp_trigger_##suffix(const void *x, const void *y)              \
	{                                                                          \
		const struct schema_trigger *a = *(const struct schema_trigger *const *)x; \
		const struct schema_trigger *b = *(const struct schema_trigger *const *)y; \
		int r = cmp_str(a->schema, b->schema, nocase);                     \
		if (!r)                                                            \
			r = cmp_str(a->table, b->table, nocase);                   \
		return r ? r : cmp_str(a->name, b->name, nocase);                  \
	}                                                                          \
	static int cmp_comment_##suffix(const void *x, const void *y)              \
	{                                                                          \
		const struct schema_comment *a = *(const struct schema_comment *const *)x; \
		const struct schema_comment *b = *(const struct schema_comment *const *)y; \
		int r = (int)a->kind - (int)b->kind;                               \
		if (!r)                                                            \
			r = cmp_str(a->schema, b->schema, nocase);                 \
		if (!r)                                                            \
			r = cmp_str(a->name, b->name, nocase);                     \
		if (!r)                                                            \
			r = cmp_str(a->sub, b->sub, nocase);                       \
		return r ? r : cmp_str(a->text, b->text, 0);                       \
	}                                                                          \
	static int cmp_namespace_##suffix(const void *x, const void *y)            \
	{                                                                          \
		const struct schema_namespace *a = *(const struct schema_namespace *const *)x; \
		const struct schema_namespace *b = *(const struct schema_namespace *const *)y; \
		return cmp_str(a->name, b->name, nocase);                          \
	}                                                                          \
	static int cmp_extension_##suffix(const void *x, const void *y)            \
	{                                                                          \
		const struct schema_extension *a = *(const struct schema_extension *const *)x; \
		const struct schema_extension *b = *(const struct schema_extension *const *)y; \
		return cmp_str(a->name, b->name, nocase);                          \
	}                                                                          \
	static int cmp_function_##suffix(const void *x, const void *y)             \
	{                                                                          \
		const struct schema_function *a = *(const struct schema_function *const *)x; \
		const struct schema_function *b = *(const struct schema_function *const *)y; \
		int r = cmp_fn_##suffix(x, y);                                     \
		return r ? r : cmp_str(a->args, b->args, 0);                       \
	}                                                                          \
	static int cmp_unique_##suffix(const void *x, const void *y)               \
	{                                                                          \
		const struct schema_unique *a = x, *b = y;                         \
		int r = cmp_str(a->name, b->name, nocase);                         \
		return r ? r : cmp_names(&a->columns, &b->columns, nocase);        \
	}                                                                          \
	static int cmp_fk_##suffix(const void *x, const void *y)                   \
	{                                                                          \
		const struct schema_fk *a = x, *b = y;                             \
		int r = cmp_str(a->name, b->name, nocase);                         \
		if (!r)                                                            \
			r = cmp_names(&a->columns, &b->columns, nocase);           \
		if (!r)                                                            \
			r = cmp_str(a->ref_schema, b->ref_schema, nocase);         \
		if (!r)                                                            \
			r = cmp_str(a->ref_table, b->ref_table, nocase);           \
		return r ? r : cmp_names(&a->ref_columns, &b->ref_columns, nocase); \
	}                                                                          \
	static int cmp_check_##suffix(const void *x, const void *y)                \
	{                                                                          \
		const struct schema_check *a = x, *b = y;                          \
		int r = cmp_str(a->name, b->name, nocase);                         \
		return r ? r : cmp_str(a->expression, b->expression, 0);           \
	}

DEFINE_CMP(ci, 1)
DEFINE_CMP(cs, 0)

#define SORT(arr, n, fn) do { if ((n) > 1) qsort((arr), (n), sizeof(*(arr)), (fn)); } while (0)

/*
 * Mark a sorted array of (schema, name) objects as searchable. On
 * PostgreSQL the canonical order is the lookup's own: schema, then name,
 * byte-wise. On SQLite names sort without case first (the lookup's
 * comparison) and byte-wise only to break ties, which keeps every match of
 * a lookup together as long as no object has a schema, SQLite's rule; an
 * array where one has keeps the scan.
 */
#define SEARCHABLE(arr, n, bit)                                                     \
	do {                                                                        \
		size_t i_;                                                          \
		unsigned b_ = (bit);                                                \
		for (i_ = 0; s->engine == SCHEMA_SQLITE && i_ < (n); i_++)          \
			if ((arr)[i_]->schema) {                                    \
				b_ = 0;                                             \
				break;                                              \
			}                                                           \
		s->sorted_ |= b_;                                                   \
	} while (0)

void schema_sort(struct schema *s)
{
	int ci = s->engine == SCHEMA_SQLITE;
	size_t i;

	SORT(s->tables, s->ntables, ci ? cmp_table_ci : cmp_table_cs);
	SORT(s->views, s->nviews, ci ? cmp_view_ci : cmp_view_cs);
	SORT(s->indexes, s->nindexes, ci ? cmp_index_ci : cmp_index_cs);
	SORT(s->enums, s->nenums, ci ? cmp_enum_ci : cmp_enum_cs);
	SORT(s->sequences, s->nsequences, ci ? cmp_sequence_ci : cmp_sequence_cs);
	s->sorted_ = 0;
	SEARCHABLE(s->tables, s->ntables, SORTED_TABLES);
	SEARCHABLE(s->views, s->nviews, SORTED_VIEWS);
	SEARCHABLE(s->indexes, s->nindexes, SORTED_INDEXES);
	SEARCHABLE(s->enums, s->nenums, SORTED_ENUMS);
	SEARCHABLE(s->sequences, s->nsequences, SORTED_SEQUENCES);
	SORT(s->functions, s->nfunctions, ci ? cmp_function_ci : cmp_function_cs);
	SORT(s->triggers, s->ntriggers, ci ? cmp_trigger_ci : cmp_trigger_cs);
	SORT(s->comments, s->ncomments, ci ? cmp_comment_ci : cmp_comment_cs);
	SORT(s->namespaces, s->nnamespaces, ci ? cmp_namespace_ci : cmp_namespace_cs);
	SORT(s->extensions, s->nextensions, ci ? cmp_extension_ci : cmp_extension_cs);
	schema_pgtypes_sort(s);
	schema_collations_sort(s);
	schema_extstats_sort(s);
	for (i = 0; i < s->ntables; i++) {
		struct schema_table *t = s->tables[i];

		SORT(t->uniques, t->nuniques, ci ? cmp_unique_ci : cmp_unique_cs);
		SORT(t->fks, t->nfks, ci ? cmp_fk_ci : cmp_fk_cs);
		SORT(t->checks, t->nchecks, ci ? cmp_check_ci : cmp_check_cs);
	}
}

/* ---- lookups -------------------------------------------------------------- */

/* (schema, name) of an object against a lookup's (nsp, name), as the
 * canonical order and the engine compare them. */
static int key_cmp(const struct schema *s, const char *osch, const char *oname, const char *nsp,
                   const char *name)
{
	int r = schema_name_cmp(s, osch, nsp);

	return r ? r : schema_name_cmp(s, oname, name);
}

/*
 * The body of a lookup by (nsp, name) in array arr of n objects: a binary
 * search while the array is searchable (bit in sorted_; PostgreSQL needs
 * nsp too, because one name may sit in several schemas), else a scan. The
 * search returns the lowest match, which is the scan's first: matches sit
 * together in the canonical order. On SQLite no object of a searchable
 * array has a schema, so a lookup with nsp finds none, as the scan would.
 */
#define FIND_NAMED(arr, n, bit)                                                     \
	do {                                                                        \
		size_t i_, lo_ = 0, hi_ = (n);                                      \
		if (!name)                                                          \
			return NULL;                                                \
		if ((s->sorted_ & (bit)) && s->engine == SCHEMA_SQLITE && nsp)      \
			return NULL;                                                \
		if ((s->sorted_ & (bit)) && (nsp || s->engine == SCHEMA_SQLITE)) {  \
			while (lo_ < hi_) {                                         \
				size_t mid_ = lo_ + (hi_ - lo_) / 2;                \
				if (key_cmp(s, (arr)[mid_]->schema, (arr)[mid_]->name, \
				            nsp, name) < 0)                         \
					lo_ = mid_ + 1;                             \
				else                                                \
					hi_ = mid_;                                 \
			}                                                           \
			if (lo_ < (n) && !key_cmp(s, (arr)[lo_]->schema, (arr)[lo_]->name, \
			                          nsp, name))                       \
				return (arr)[lo_];                                  \
			return NULL;                                                \
		}                                                                   \
		for (i_ = 0; i_ < (n); i_++)                                        \
			if (!schema_name_cmp(s, (arr)[i_]->name, name) &&           \
			    (!nsp || !schema_name_cmp(s, (arr)[i_]->schema, nsp)))   \
				return (arr)[i_];                                   \
		return NULL;                                                        \
	} while (0)

struct schema_table *schema_find_table(const struct schema *s, const char *nsp, const char *name)
{
	FIND_NAMED(s->tables, s->ntables, SORTED_TABLES);
}

struct schema_view *schema_find_view(const struct schema *s, const char *nsp, const char *name)
{
	FIND_NAMED(s->views, s->nviews, SORTED_VIEWS);
}

struct schema_index *schema_find_index(const struct schema *s, const char *nsp, const char *name)
{
	FIND_NAMED(s->indexes, s->nindexes, SORTED_INDEXES);
}

struct schema_trigger *schema_find_trigger(const struct schema *s, const char *nsp,
                                           const char *name)
{
	FIND_NAMED(s->triggers, s->ntriggers, 0u); /* sorted by table first */
}

struct schema_enum *schema_find_enum(const struct schema *s, const char *nsp, const char *name)
{
	FIND_NAMED(s->enums, s->nenums, SORTED_ENUMS);
}

struct schema_sequence *schema_find_sequence(const struct schema *s, const char *nsp,
                                             const char *name)
{
	FIND_NAMED(s->sequences, s->nsequences, SORTED_SEQUENCES);
}

struct schema_column *table_find_column_ex(const struct schema_table *t, const char *name,
                                           int nocase)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < t->ncolumns; i++)
		if (!(nocase ? casecmp_ascii(t->columns[i].name, name)
		             : strcmp(t->columns[i].name, name)))
			return &t->columns[i];
	return NULL;
}

struct schema_column *table_find_column(const struct schema_table *t, const char *name)
{
	return table_find_column_ex(t, name, t->schema == NULL);
}

int table_pk_position(const struct schema_table *t, const char *name)
{
	size_t i;
	int nocase = t->schema == NULL;

	for (i = 0; i < t->pk.columns.n; i++)
		if (!(nocase ? casecmp_ascii(t->pk.columns.v[i], name)
		             : strcmp(t->pk.columns.v[i], name)))
			return (int)i + 1;
	return 0;
}

/* ---- removal -------------------------------------------------------------- */

/* Remove from arr every element for which drop() says 1, freeing it. */
#define FILTER(arr, n, drop_expr, free_fn)                                        \
	do {                                                                      \
		size_t i_, j_ = 0;                                                \
		for (i_ = 0; i_ < (n); i_++) {                                    \
			if (drop_expr((arr)[i_]))                                 \
				free_fn((arr)[i_]);                               \
			else                                                      \
				(arr)[j_++] = (arr)[i_];                          \
		}                                                                 \
		(n) = j_;                                                         \
	} while (0)

void schema_remove_table(struct schema *s, struct schema_table *t)
{
	size_t i;
	/* The names outlive the table for the filters below: borrow then free. */
	char *nsp = t->schema, *name = t->name;

#define ON_TABLE(o) (!schema_name_cmp(s, (o)->schema, nsp) && !schema_name_cmp(s, (o)->table, name))
#define COMMENT_ON_TABLE(c)                                                           \
	(((c)->kind == SCHEMA_OBJ_TABLE || (c)->kind == SCHEMA_OBJ_COLUMN ||          \
	  (c)->kind == SCHEMA_OBJ_TRIGGER || (c)->kind == SCHEMA_OBJ_CONSTRAINT) &&   \
	 !schema_name_cmp(s, (c)->schema, nsp) && !schema_name_cmp(s, (c)->name, name))
	FILTER(s->indexes, s->nindexes, ON_TABLE, index_free);
	FILTER(s->triggers, s->ntriggers, ON_TABLE, trigger_free);
	FILTER(s->comments, s->ncomments, COMMENT_ON_TABLE, comment_free);
#undef ON_TABLE
#undef COMMENT_ON_TABLE
	for (i = 0; i < s->ntables; i++) {
		if (s->tables[i] == t) {
			memmove(&s->tables[i], &s->tables[i + 1],
			        (s->ntables - i - 1) * sizeof(*s->tables));
			s->ntables--;
			break;
		}
	}
	table_free(t);
}

/* SQLite reserves every name that begins with "sqlite_", in any case. */
static int is_sqlite_internal(const char *name)
{
	const char *p = "sqlite_";

	for (; *p; p++, name++)
		if (lower_ascii((unsigned char)*name) != *p)
			return 0;
	return 1;
}

void schema_filter_internal(struct schema *s, const char *tracking_table)
{
	size_t i = 0;

	while (i < s->ntables) {
		struct schema_table *t = s->tables[i];
		int internal = (tracking_table && !schema_name_cmp(s, t->name, tracking_table)) ||
		               (s->engine == SCHEMA_SQLITE && is_sqlite_internal(t->name));

		if (internal)
			schema_remove_table(s, t);
		else
			i++;
	}
}

/* ---- identifiers ---------------------------------------------------------- */

/*
 * Words that cannot stand unquoted as a column or table name on one engine
 * or the other: PostgreSQL's reserved and type/function-name keywords, and
 * SQLite's keywords that have no identifier fallback. Sorted (strcmp) for
 * the binary search; a word too many only costs a pair of quotes.
 */
static const char *const reserved[] = {
	"add", "all", "alter", "analyse", "analyze", "and", "any", "array", "as", "asc",
	"asymmetric", "authorization", "autoincrement", "between", "binary", "both", "case",
	"cast", "check", "collate", "collation", "column", "commit", "concurrently",
	"constraint", "create", "cross", "current_catalog", "current_date", "current_role",
	"current_schema", "current_time", "current_timestamp", "current_user", "default",
	"deferrable", "delete", "desc", "distinct", "do", "drop", "else", "end", "escape",
	"except", "exists", "false", "fetch", "for", "foreign", "freeze", "from", "full",
	"grant", "group", "having", "if", "ilike", "in", "index", "initially", "inner",
	"insert", "intersect", "into", "is", "isnull", "join", "lateral", "leading", "left",
	"like", "limit", "localtime", "localtimestamp", "natural", "not", "nothing", "notnull",
	"null", "offset", "on", "only", "or", "order", "outer", "overlaps", "placing",
	"primary", "references", "returning", "right", "select", "session_user", "set",
	"similar", "some", "symmetric", "table", "tablesample", "then", "to", "trailing",
	"transaction", "true", "union", "unique", "update", "user", "using", "values",
	"variadic", "verbose", "when", "where", "window", "with",
};

static int is_reserved(const char *name)
{
	size_t lo = 0, hi = sizeof(reserved) / sizeof(reserved[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(name, reserved[mid]);

		if (!r)
			return 1;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

int schema_word_is_reserved(const char *word, size_t len)
{
	char low[32];
	size_t i;

	if (len >= sizeof(low))
		return 0; /* longer than any keyword */
	for (i = 0; i < len; i++)
		low[i] = (char)lower_ascii((unsigned char)word[i]);
	low[len] = '\0';
	/* GENERATED may name a column, but in a type it would start a clause. */
	return !strcmp(low, "generated") || is_reserved(low);
}

int schema_ident_is_plain(const char *name)
{
	const char *p = name;

	if (!name || !((*p >= 'a' && *p <= 'z') || *p == '_'))
		return 0;
	for (p++; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '$'))
			return 0;
	return !is_reserved(name);
}

void schema_add_ident(struct sbuf *sb, const char *name)
{
	if (schema_ident_is_plain(name))
		sbuf_adds(sb, name);
	else
		sbuf_add_ident(sb, name ? name : "");
}

void schema_add_qname(struct sbuf *sb, const char *nsp, const char *name)
{
	if (nsp) {
		schema_add_ident(sb, nsp);
		sbuf_addc(sb, '.');
	}
	schema_add_ident(sb, name);
}

/* ---- SQL tokens ----------------------------------------------------------- */

/* The scanner's token kinds begin with schema_tok_type's, in its order. */
_Static_assert((int)SQLTK_OP == (int)SCHEMA_TK_OP && (int)SQLTK_WORD == (int)SCHEMA_TK_WORD,
               "enum sqlscan_type starts as enum schema_tok_type");

/* SQLite's rules read what the model holds on both engines: PostgreSQL's
 * server-written texts (index keys, view definitions) quote no other way
 * that matters here, and [ x ] in them is only ever an array subscript,
 * taken alike on both sides of a comparison. */
void schema_tok_next(const char *sql, size_t len, size_t *pos, struct schema_tok *t)
{
	struct sqlscan_tok k;

	sqlscan_token(SQLSCAN_SQLITE, sql, len, pos, &k);
	t->type = (enum schema_tok_type)k.type;
	t->start = k.start;
	t->len = k.len;
}

int schema_tok_is(const char *sql, const struct schema_tok *t, const char *kw)
{
	size_t i;

	if (t->type != SCHEMA_TK_WORD)
		return 0;
	for (i = 0; i < t->len; i++)
		if (!kw[i] || lower_ascii((unsigned char)sql[t->start + i]) != lower_ascii((unsigned char)kw[i]))
			return 0;
	return kw[i] == '\0';
}

char *schema_tok_name(const char *sql, const struct schema_tok *t)
{
	const char *p = sql + t->start;
	size_t n = t->len, i, j;
	char close, *out;

	if (t->type != SCHEMA_TK_QUOTED && t->type != SCHEMA_TK_STRING)
		return sbuf_strndup(p, n);
	if (n < 1 || (t->type == SCHEMA_TK_STRING && p[0] != '\''))
		return sbuf_strndup(p, n); /* X'..' and friends: not a name; keep as is */
	close = p[0] == '[' ? ']' : p[0];
	/* Drop the opening quote, and the closing one when it is there. */
	p++;
	n--;
	if (n > 0 && p[n - 1] == close)
		n--;
	if (!(out = malloc(n + 1)))
		return NULL;
	for (i = j = 0; i < n; i++) {
		out[j++] = p[i];
		if (close != ']' && p[i] == close && i + 1 < n && p[i + 1] == close)
			i++;
	}
	out[j] = '\0';
	return out;
}

void table_clear_columns(struct schema_table *t)
{
	size_t i;

	for (i = 0; i < t->ncolumns; i++)
		column_release(&t->columns[i]);
	t->ncolumns = 0;
}
