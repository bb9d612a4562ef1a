/*
 * render.c: the schema model as text, for people and for other programs:
 * canonical SQL (`strata dump`, `inspect --format sql`), JSON (`--json`,
 * docs/json-schema-model.md), Graphviz DOT and Mermaid ER diagrams.
 *
 * Every renderer is deterministic: given the same model it prints the same
 * bytes, with no timestamps. Objects come in the model's own order
 * (canonical after schema_sort(), which introspection has done), except that
 * SQL is put in dependency order: tables referenced by foreign keys before
 * the tables that reference them, views after the views they select from.
 * That order is a depth-first walk over the name-ordered list, so it is
 * stable too, and a cycle is broken where the walk meets it.
 *
 * On SQLite the SQL is the engine's own stored CREATE text: re-executing it
 * stores the same text again, so dump -> load -> dump gives the same bytes.
 * PostgreSQL SQL is built from the model (introspect_pg.c fills it).
 */
#include "schema.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "strata.h"

/* ---- shared helpers -------------------------------------------------------- */

static int lower_ascii(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Names of objects on the same table or in the same namespace compare as
 * the engine does; this is schema_name_cmp() without a schema at hand. */
static int name_cmp(int engine, const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	if (engine == SCHEMA_SQLITE) {
		while (*a && lower_ascii((unsigned char)*a) == lower_ascii((unsigned char)*b)) {
			a++;
			b++;
		}
		return lower_ascii((unsigned char)*a) - lower_ascii((unsigned char)*b);
	}
	return strcmp(a, b);
}

/* Append SQL text with trailing whitespace and semicolons trimmed. */
static void add_trimmed(struct sbuf *sb, const char *sql)
{
	size_t n = sql ? strlen(sql) : 0;

	while (n && (sql[n - 1] == ' ' || sql[n - 1] == '\t' || sql[n - 1] == '\n' ||
	             sql[n - 1] == '\r' || sql[n - 1] == ';'))
		n--;
	sbuf_add(sb, sql, n);
}

/*
 * Append an engine's stored CREATE text up to the end of its last token.
 * SQLite keeps what followed the last token of CREATE VIEW and CREATE INDEX
 * up to the semicolon, comments included: "... FROM t -- note" would, with
 * ";" appended, comment the semicolon out. Cut there, so that the dump runs
 * and SQLite, storing the cut text, dumps the same bytes again.
 */
static void add_stored(struct sbuf *sb, const char *sql)
{
	size_t len = sql ? strlen(sql) : 0, pos = 0, end = 0;
	struct schema_tok t;

	for (schema_tok_next(sql, len, &pos, &t); t.type != SCHEMA_TK_END;
	     schema_tok_next(sql, len, &pos, &t))
		if (t.type != SCHEMA_TK_SEMI)
			end = t.start + t.len;
	sbuf_add(sb, sql, end);
}

/* Leading whitespace too (pg_get_viewdef() begins with a space). */
static void add_stripped(struct sbuf *sb, const char *sql)
{
	while (sql && (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r'))
		sql++;
	add_trimmed(sb, sql);
}

void schema_add_names(struct sbuf *sb, const struct schema_names *l)
{
	size_t i;

	sbuf_addc(sb, '(');
	for (i = 0; i < l->n; i++) {
		if (i)
			sbuf_adds(sb, ", ");
		schema_add_ident(sb, l->v[i]);
	}
	sbuf_addc(sb, ')');
}

/*
 * Statements are separated by a blank line: each one after the header
 * begins with "\n" and ends with ";\n".
 */
static void stmt_end(struct sbuf *sb)
{
	sbuf_adds(sb, ";\n");
}

/* ---- dependency order ------------------------------------------------------- */

/*
 * The objects of one kind, sorted by name for lookups: entries point into
 * the model's array by index.
 */
struct name_index {
	int engine;
	size_t n;
	struct name_entry {
		const char *schema;
		const char *name;
		size_t i;
	} *v;
};

static int cmp_entry_ci(const void *x, const void *y)
{
	const struct name_entry *a = x, *b = y;
	int r = name_cmp(SCHEMA_SQLITE, a->name, b->name);

	return r ? r : (a->i > b->i) - (a->i < b->i);
}

static int cmp_entry_cs(const void *x, const void *y)
{
	const struct name_entry *a = x, *b = y;
	int r = strcmp(a->name, b->name);

	return r ? r : (a->i > b->i) - (a->i < b->i);
}

/* Sorted copies of the table and view names. */
static int name_index_alloc(struct name_index *ix, int engine, size_t n)
{
	ix->engine = engine;
	ix->n = 0;
	ix->v = malloc((n ? n : 1) * sizeof(*ix->v));
	return ix->v ? 0 : STRATA_ENOMEM;
}

static void name_index_put(struct name_index *ix, const char *nsp, const char *name, size_t i)
{
	if (!name)
		return;
	ix->v[ix->n].schema = nsp;
	ix->v[ix->n].name = name;
	ix->v[ix->n].i = i;
	ix->n++;
}

static void name_index_sort(struct name_index *ix)
{
	if (ix->n > 1)
		qsort(ix->v, ix->n, sizeof(*ix->v),
		      ix->engine == SCHEMA_SQLITE ? cmp_entry_ci : cmp_entry_cs);
}

static int name_index_tables(struct name_index *ix, const struct schema *s)
{
	size_t i;

	if (name_index_alloc(ix, s->engine, s->ntables))
		return STRATA_ENOMEM;
	for (i = 0; i < s->ntables; i++)
		name_index_put(ix, s->tables[i]->schema, s->tables[i]->name, i);
	name_index_sort(ix);
	return 0;
}

static int name_index_views(struct name_index *ix, const struct schema *s)
{
	size_t i;

	if (name_index_alloc(ix, s->engine, s->nviews))
		return STRATA_ENOMEM;
	for (i = 0; i < s->nviews; i++)
		name_index_put(ix, s->views[i]->schema, s->views[i]->name, i);
	name_index_sort(ix);
	return 0;
}

/* The first entry named name (then walk on while the names match). */
static size_t name_index_first(const struct name_index *ix, const char *name)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (name_cmp(ix->engine, ix->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the object named (nsp, name), nsp NULL matching any; -1 if none. */
static long name_index_find(const struct name_index *ix, const char *nsp, const char *name)
{
	size_t k;

	for (k = name_index_first(ix, name); k < ix->n && !name_cmp(ix->engine, ix->v[k].name, name);
	     k++)
		if (!nsp || !ix->v[k].schema || !name_cmp(ix->engine, ix->v[k].schema, nsp))
			return (long)ix->v[k].i;
	return -1;
}

/* A graph in compressed rows: node v depends on adj[start[v] .. start[v+1]). */
struct graph {
	size_t n;
	size_t *start;
	size_t *adj;
	size_t nadj, alloc;
};

static int graph_add(struct graph *g, size_t w)
{
	if (g->nadj == g->alloc) {
		size_t n = g->alloc ? g->alloc * 2 : 64;
		size_t *p = realloc(g->adj, n * sizeof(*p));

		if (!p)
			return STRATA_ENOMEM;
		g->adj = p;
		g->alloc = n;
	}
	g->adj[g->nadj++] = w;
	return 0;
}

static int cmp_size(const void *x, const void *y)
{
	size_t a = *(const size_t *)x, b = *(const size_t *)y;

	return (a > b) - (a < b);
}

/* Close node v's list: sorted and without duplicates, so the walk visits
 * dependencies in name order. */
static void graph_close(struct graph *g, size_t v)
{
	size_t s = g->start[v], i, j;

	if (g->nadj - s > 1)
		qsort(g->adj + s, g->nadj - s, sizeof(size_t), cmp_size);
	for (i = j = s; i < g->nadj; i++)
		if (j == s || g->adj[j - 1] != g->adj[i])
			g->adj[j++] = g->adj[i];
	g->nadj = j;
	g->start[v + 1] = j;
}

static void graph_release(struct graph *g)
{
	free(g->start);
	free(g->adj);
	memset(g, 0, sizeof(*g));
}

/*
 * order[] = the nodes, each after what it depends on (a cycle broken where
 * the walk meets it). Iterative, so a long chain of foreign keys cannot
 * exhaust the stack.
 */
static int graph_order(const struct graph *g, size_t *order)
{
	unsigned char *state = calloc(g->n + 1, 1);
	size_t *stk = malloc((g->n + 1) * sizeof(*stk)), *pos = malloc((g->n + 1) * sizeof(*pos));
	size_t root, sp, no = 0;
	int rc = 0;

	if (!state || !stk || !pos) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	for (root = 0; root < g->n; root++) {
		if (state[root])
			continue;
		sp = 0;
		stk[sp] = root;
		pos[sp++] = g->start[root];
		state[root] = 1;
		while (sp) {
			size_t v = stk[sp - 1];

			if (pos[sp - 1] < g->start[v + 1]) {
				size_t w = g->adj[pos[sp - 1]++];

				if (!state[w]) {
					state[w] = 1;
					stk[sp] = w;
					pos[sp++] = g->start[w];
				}
			} else {
				sp--;
				state[v] = 2;
				order[no++] = v;
			}
		}
	}
out:
	free(state);
	free(stk);
	free(pos);
	return rc;
}

/* Tables, referenced ones first. */
static int order_tables(const struct schema *s, const struct name_index *ix, size_t *order)
{
	struct graph g = { 0 };
	size_t i, j;
	int rc = 0;

	g.n = s->ntables;
	if (!(g.start = calloc(g.n + 1, sizeof(*g.start)))) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = s->tables[i];

		g.start[i] = g.nadj;
		for (j = 0; j < t->nfks; j++) {
			const struct schema_fk *fk = &t->fks[j];
			long w = name_index_find(ix, fk->ref_schema ? fk->ref_schema : t->schema,
			                         fk->ref_table);

			if (w >= 0 && (size_t)w != i && (rc = graph_add(&g, (size_t)w)))
				goto out;
		}
		graph_close(&g, i);
	}
	rc = graph_order(&g, order);
out:
	graph_release(&g);
	return rc;
}

/* Views, after the views their query names. Names are found by reading the
 * query's tokens: a false match only changes the order, never the meaning. */
static int order_views(const struct schema *s, const struct name_index *ix, size_t *order)
{
	struct graph g = { 0 };
	size_t i;
	int rc = 0;

	g.n = s->nviews;
	if (!(g.start = calloc(g.n + 1, sizeof(*g.start)))) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	for (i = 0; i < s->nviews; i++) {
		const char *q = s->views[i]->definition ? s->views[i]->definition : "";
		size_t len = strlen(q), pos = 0;
		struct schema_tok t;

		g.start[i] = g.nadj;
		for (schema_tok_next(q, len, &pos, &t); t.type != SCHEMA_TK_END;
		     schema_tok_next(q, len, &pos, &t)) {
			char *name;
			size_t k;

			if (t.type != SCHEMA_TK_WORD && t.type != SCHEMA_TK_QUOTED)
				continue;
			if (!(name = schema_tok_name(q, &t))) {
				rc = STRATA_ENOMEM;
				goto out;
			}
			if (t.type == SCHEMA_TK_WORD && s->engine != SCHEMA_SQLITE) {
				char *p; /* PostgreSQL folds unquoted names to lower case */

				for (p = name; *p; p++)
					*p = (char)lower_ascii((unsigned char)*p);
			}
			for (k = name_index_first(ix, name);
			     k < ix->n && !name_cmp(ix->engine, ix->v[k].name, name); k++)
				if (ix->v[k].i != i && (rc = graph_add(&g, ix->v[k].i)))
					break;
			free(name);
			if (rc)
				goto out;
		}
		graph_close(&g, i);
	}
	rc = graph_order(&g, order);
out:
	graph_release(&g);
	return rc;
}

/*
 * Indexes and triggers grouped by the table or view they are on, so that
 * each renderer finds an object's dependents without scanning them all
 * (a 2,000-table schema has 4,000 indexes). Owners are numbered tables
 * first, then views; bucket nowners holds those whose owner is not in the
 * model. Each bucket keeps the model's order.
 */
struct attach {
	size_t nowners;
	size_t *start;   /* nowners + 2 entries */
	size_t *items;
};

/* Everything the renderers share, built once per call. */
struct rctx {
	const struct schema *s;
	struct name_index tables, views;
	struct attach indexes, triggers;
	size_t *torder, *vorder;
};

/* The owner number of the object on (nsp, table). */
static size_t owner_of(const struct rctx *r, const char *nsp, const char *table)
{
	long w;

	if ((w = name_index_find(&r->tables, nsp, table)) >= 0)
		return (size_t)w;
	if ((w = name_index_find(&r->views, nsp, table)) >= 0)
		return r->s->ntables + (size_t)w;
	return r->s->ntables + r->s->nviews;
}

/* Group n objects whose owners are owner[0..n) (a stable counting sort). */
static int attach_build(struct attach *a, size_t nowners, const size_t *owner, size_t n)
{
	size_t *fill = malloc((nowners + 1) * sizeof(*fill)), i, o;
	int rc = STRATA_ENOMEM;

	a->nowners = nowners;
	a->start = calloc(nowners + 2, sizeof(*a->start));
	a->items = malloc((n + 1) * sizeof(*a->items));
	if (!fill || !a->start || !a->items)
		goto out;
	for (i = 0; i < n; i++)
		a->start[owner[i] + 1]++;
	for (o = 1; o <= nowners + 1; o++)
		a->start[o] += a->start[o - 1];
	memcpy(fill, a->start, (nowners + 1) * sizeof(*fill));
	for (i = 0; i < n; i++)
		a->items[fill[owner[i]]++] = i;
	rc = 0;
out:
	free(fill);
	return rc;
}

static void attach_release(struct attach *a)
{
	free(a->start);
	free(a->items);
	memset(a, 0, sizeof(*a));
}

static void rctx_release(struct rctx *r)
{
	free(r->tables.v);
	free(r->views.v);
	attach_release(&r->indexes);
	attach_release(&r->triggers);
	free(r->torder);
	free(r->vorder);
}

static int rctx_init(struct rctx *r, const struct schema *s, int with_order)
{
	size_t *owner = malloc((s->nindexes + s->ntriggers + 1) * sizeof(*owner));
	size_t nowners = s->ntables + s->nviews, i;
	int rc;

	memset(r, 0, sizeof(*r));
	r->s = s;
	if (!owner) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	if ((rc = name_index_tables(&r->tables, s)) || (rc = name_index_views(&r->views, s)))
		goto out;
	for (i = 0; i < s->nindexes; i++)
		owner[i] = owner_of(r, s->indexes[i]->schema, s->indexes[i]->table);
	if ((rc = attach_build(&r->indexes, nowners, owner, s->nindexes)))
		goto out;
	for (i = 0; i < s->ntriggers; i++)
		owner[i] = owner_of(r, s->triggers[i]->schema, s->triggers[i]->table);
	if ((rc = attach_build(&r->triggers, nowners, owner, s->ntriggers)))
		goto out;
	if (with_order) {
		r->torder = malloc((s->ntables + 1) * sizeof(*r->torder));
		r->vorder = malloc((s->nviews + 1) * sizeof(*r->vorder));
		if (!r->torder || !r->vorder) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		if ((rc = order_tables(s, &r->tables, r->torder)) ||
		    (rc = order_views(s, &r->views, r->vorder)))
			goto out;
	}
out:
	free(owner);
	if (rc)
		rctx_release(r);
	return rc;
}

/* ---- pieces of SQL from the model ------------------------------------------ */

/* 1 when the whole of expression e is one parenthesised group. */
static int wholly_parenthesised(const char *e)
{
	size_t len = strlen(e), pos = 0;
	struct schema_tok t;
	int depth = 0;

	schema_tok_next(e, len, &pos, &t);
	if (t.type != SCHEMA_TK_LPAREN)
		return 0;
	do {
		if (t.type == SCHEMA_TK_LPAREN)
			depth++;
		else if (t.type == SCHEMA_TK_RPAREN)
			depth--;
		else if (t.type == SCHEMA_TK_END)
			return 0;
		schema_tok_next(e, len, &pos, &t);
	} while (depth > 0);
	return t.type == SCHEMA_TK_END;
}

/* Append an expression in parentheses, unless it already is in a pair of its
 * own (so that rendering what was read back adds none). */
static void add_parenthesised(struct sbuf *sb, const char *e)
{
	if (wholly_parenthesised(e)) {
		sbuf_adds(sb, e);
	} else {
		sbuf_addc(sb, '(');
		sbuf_adds(sb, e);
		sbuf_addc(sb, ')');
	}
}

/* 1 when a default expression can follow DEFAULT as it is in SQLite: a
 * literal, a signed number, a keyword constant, or already parenthesised. */
static int default_is_simple(const char *d)
{
	size_t len = strlen(d), pos = 0;
	struct schema_tok t, u;

	if (wholly_parenthesised(d))
		return 1;
	schema_tok_next(d, len, &pos, &t);
	if (t.type == SCHEMA_TK_OP && t.len == 1 && (d[t.start] == '-' || d[t.start] == '+')) {
		schema_tok_next(d, len, &pos, &u);
		schema_tok_next(d, len, &pos, &t);
		return u.type == SCHEMA_TK_NUMBER && t.type == SCHEMA_TK_END;
	}
	schema_tok_next(d, len, &pos, &u);
	if (u.type != SCHEMA_TK_END)
		return 0;
	/* SQLite takes DEFAULT name, quoted or not, as the text of the name
	 * (NULL, TRUE, CURRENT_TIMESTAMP ... being keywords it knows). */
	return t.type == SCHEMA_TK_NUMBER || t.type == SCHEMA_TK_STRING ||
	       t.type == SCHEMA_TK_WORD || t.type == SCHEMA_TK_QUOTED;
}

void schema_add_default(struct sbuf *sb, const char *default_sql)
{
	if (!default_sql)
		return;
	if (default_is_simple(default_sql))
		sbuf_adds(sb, default_sql);
	else
		add_parenthesised(sb, default_sql);
}

/* SQLite's rowid alias with AUTOINCREMENT can only be written on the column. */
static int pk_inline(const struct schema_table *t, const struct schema_column *c, int engine)
{
	return engine == SCHEMA_SQLITE && t->pk.autoincrement && t->pk.columns.n == 1 &&
	       !name_cmp(SCHEMA_SQLITE, t->pk.columns.v[0], c->name);
}

/*
 * 1 when a SQLite declared type can be written back as it is: words that
 * are not keywords, then at most "(n)" or "(n, m)" with signed numbers.
 * SQLite reports a quoted or odd type dequoted ("primary" for `"primary"
 * INT`), which would not parse again; such a type is written as one quoted
 * name instead, which SQLite reads back as the same text.
 */
static int sqlite_type_is_plain(const char *type)
{
	size_t len = strlen(type), pos = 0;
	struct schema_tok t;
	int words = 0, nums = 0;

	for (schema_tok_next(type, len, &pos, &t); t.type == SCHEMA_TK_WORD;
	     schema_tok_next(type, len, &pos, &t)) {
		if (schema_word_is_reserved(type + t.start, t.len))
			return 0;
		words++;
	}
	if (!words)
		return 0;
	if (t.type == SCHEMA_TK_END)
		return 1;
	if (t.type != SCHEMA_TK_LPAREN)
		return 0;
	for (;;) {
		schema_tok_next(type, len, &pos, &t);
		if (t.type == SCHEMA_TK_OP && t.len == 1 &&
		    (type[t.start] == '-' || type[t.start] == '+'))
			schema_tok_next(type, len, &pos, &t);
		if (t.type != SCHEMA_TK_NUMBER || ++nums > 2)
			return 0;
		schema_tok_next(type, len, &pos, &t);
		if (t.type == SCHEMA_TK_RPAREN)
			break;
		if (t.type != SCHEMA_TK_COMMA)
			return 0;
	}
	schema_tok_next(type, len, &pos, &t);
	return t.type == SCHEMA_TK_END;
}

/* The options a bare GENERATED ... AS IDENTITY gives a column of type type
 * (CREATE SEQUENCE's defaults for the sequence's type, which is the
 * column's), in *o; increment 0 in o_in: all of them. */
static void identity_defaults(const struct schema_identity_opts *o_in, const char *type,
                              struct schema_identity_opts *o)
{
	long long top = 2147483647LL;
	/* The bounds' defaults follow the increment's sign, START's the bounds
	 * given; the increment's own default is 1. */
	int up = o_in->increment >= 0;

	if (type && !strcmp(type, "bigint"))
		top = 9223372036854775807LL;
	else if (type && !strcmp(type, "smallint"))
		top = 32767;
	o->increment = 1;
	o->min_value = up ? 1 : -top - 1;
	o->max_value = up ? top : -1;
	if (o_in->increment)
		o->start = up ? o_in->min_value : o_in->max_value;
	else
		o->start = o->min_value;
	o->cache = 1;
	o->cycle = 0;
}

void schema_render_identity_opts(const struct schema_identity_opts *o, const char *type,
                                 struct sbuf *out)
{
	struct schema_identity_opts def;
	size_t mark = out->len;

	if (!o->increment)
		return;
	identity_defaults(o, type, &def);
	sbuf_adds(out, " (");
	if (o->start != def.start)
		sbuf_addf(out, "START WITH %lld ", o->start);
	if (o->increment != def.increment)
		sbuf_addf(out, "INCREMENT BY %lld ", o->increment);
	if (o->min_value != def.min_value)
		sbuf_addf(out, "MINVALUE %lld ", o->min_value);
	if (o->max_value != def.max_value)
		sbuf_addf(out, "MAXVALUE %lld ", o->max_value);
	if (o->cache != def.cache)
		sbuf_addf(out, "CACHE %lld ", o->cache);
	if (o->cycle)
		sbuf_adds(out, "CYCLE ");
	if (out->len == mark + 2) {
		sbuf_truncate(out, mark);
		return;
	}
	sbuf_truncate(out, out->len - 1);
	sbuf_addc(out, ')');
}

int schema_identity_opts_equal(const struct schema_identity_opts *a, const char *type_a,
                               const struct schema_identity_opts *b, const char *type_b)
{
	struct sbuf ra = SBUF_INIT, rb = SBUF_INIT;
	int eq;

	schema_render_identity_opts(a, type_a, &ra);
	schema_render_identity_opts(b, type_b, &rb);
	/* Out of memory: say they differ, which costs a redundant statement. */
	eq = !sbuf_failed(&ra) && !sbuf_failed(&rb) && !strcmp(ra.buf, rb.buf);
	sbuf_release(&ra);
	sbuf_release(&rb);
	return eq;
}

void schema_render_column(const struct schema_column *c, int engine, struct sbuf *out)
{
	schema_add_ident(out, c->name);
	if (c->type && *c->type) {
		sbuf_addc(out, ' ');
		if (engine == SCHEMA_SQLITE && !sqlite_type_is_plain(c->type))
			sbuf_add_ident(out, c->type);
		else
			sbuf_adds(out, c->type);
	}
	if (c->compression)
		sbuf_adds(out, c->compression == 'l' ? " COMPRESSION lz4" : " COMPRESSION pglz");
	if (c->collation) {
		sbuf_adds(out, " COLLATE ");
		schema_add_ident(out, c->collation);
	}
	if (c->identity != SCHEMA_IDENTITY_NONE) {
		sbuf_adds(out, c->identity == SCHEMA_IDENTITY_ALWAYS ? " GENERATED ALWAYS AS IDENTITY"
		                                                    : " GENERATED BY DEFAULT AS IDENTITY");
		schema_render_identity_opts(&c->ident, c->type, out);
	}
	if (c->generated) {
		sbuf_adds(out, " GENERATED ALWAYS AS (");
		sbuf_adds(out, c->generated);
		sbuf_adds(out, c->generated_stored ? ") STORED" : ") VIRTUAL");
	} else if (c->default_sql) {
		sbuf_adds(out, " DEFAULT ");
		if (engine == SCHEMA_SQLITE)
			schema_add_default(out, c->default_sql);
		else
			sbuf_adds(out, c->default_sql);
	}
	if (c->not_null)
		sbuf_adds(out, " NOT NULL");
}

static const char *storage_word(char c)
{
	switch (c) {
	case 'p': return "PLAIN";
	case 'e': return "EXTERNAL";
	case 'm': return "MAIN";
	case 'x': return "EXTENDED";
	default: return NULL;
	}
}

void schema_render_column_settings(const struct schema_table *t, const struct schema_column *a,
                                   const struct schema_column *c, struct sbuf *out)
{
	const char *w;
	int n = 0;

	/* STORAGE: c's own, or back to its type's */
	w = storage_word(c->storage ? c->storage : c->type_storage);
	if (w && (a ? a->storage != c->storage || (c->storage && strcmp(a->type, c->type) != 0)
	            : c->storage != 0)) {
		sbuf_adds(out, n++ ? ", " : "ALTER TABLE ");
		if (n == 1) {
			schema_add_qname(out, t->schema, t->name);
			sbuf_addc(out, ' ');
		}
		sbuf_adds(out, "ALTER COLUMN ");
		schema_add_ident(out, c->name);
		sbuf_addf(out, " SET STORAGE %s", w);
	}
	if (a && a->compression != c->compression) {
		sbuf_adds(out, n++ ? ", " : "ALTER TABLE ");
		if (n == 1) {
			schema_add_qname(out, t->schema, t->name);
			sbuf_addc(out, ' ');
		}
		sbuf_adds(out, "ALTER COLUMN ");
		schema_add_ident(out, c->name);
		sbuf_adds(out, c->compression == 'l' ? " SET COMPRESSION lz4" :
		               c->compression == 'p' ? " SET COMPRESSION pglz" : " SET COMPRESSION default");
	}
	if (a ? a->has_stats_target != c->has_stats_target ||
	        (c->has_stats_target && a->stats_target != c->stats_target)
	      : c->has_stats_target) {
		sbuf_adds(out, n++ ? ", " : "ALTER TABLE ");
		if (n == 1) {
			schema_add_qname(out, t->schema, t->name);
			sbuf_addc(out, ' ');
		}
		sbuf_adds(out, "ALTER COLUMN ");
		schema_add_ident(out, c->name);
		sbuf_addf(out, " SET STATISTICS %d", c->has_stats_target ? c->stats_target : -1);
	}
	if (n)
		stmt_end(out);
}

static void add_constraint_name(struct sbuf *out, const char *name)
{
	if (name) {
		sbuf_adds(out, "CONSTRAINT ");
		schema_add_ident(out, name);
		sbuf_addc(out, ' ');
	}
}

void schema_render_deferrable(int deferrable, int initially_deferred, struct sbuf *out)
{
	if (deferrable)
		sbuf_adds(out, initially_deferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE");
}

void schema_render_unique(const struct schema_unique *u, struct sbuf *out)
{
	add_constraint_name(out, u->name);
	sbuf_adds(out, u->nulls_not_distinct ? "UNIQUE NULLS NOT DISTINCT " : "UNIQUE ");
	schema_add_names(out, &u->columns);
	if (u->deferrable)
		sbuf_adds(out, u->initially_deferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE");
}

void schema_render_fk(const struct schema_fk *fk, struct sbuf *out)
{
	add_constraint_name(out, fk->name);
	sbuf_adds(out, "FOREIGN KEY ");
	schema_add_names(out, &fk->columns);
	sbuf_adds(out, " REFERENCES ");
	schema_add_qname(out, fk->ref_schema, fk->ref_table);
	if (fk->ref_columns.n) {
		sbuf_addc(out, ' ');
		schema_add_names(out, &fk->ref_columns);
	}
	if (fk->match_full)
		sbuf_adds(out, " MATCH FULL");
	if (fk->on_update != SCHEMA_FK_NO_ACTION)
		sbuf_addf(out, " ON UPDATE %s", schema_fk_action_sql(fk->on_update));
	if (fk->on_delete != SCHEMA_FK_NO_ACTION)
		sbuf_addf(out, " ON DELETE %s", schema_fk_action_sql(fk->on_delete));
	if (fk->deferrable)
		sbuf_adds(out, fk->initially_deferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE");
}

void schema_render_create_table(const struct schema_table *t, int engine, int fks_inline,
                                struct sbuf *out)
{
	size_t i;
	int pk_done = 0;

	if (engine == SCHEMA_SQLITE && t->virtual_table && t->sql) {
		add_stored(out, t->sql);
		return;
	}
	sbuf_adds(out, t->unlogged ? "CREATE UNLOGGED TABLE " : "CREATE TABLE ");
	schema_add_qname(out, t->schema, t->name);
	sbuf_adds(out, " (");
	for (i = 0; i < t->ncolumns; i++) {
		sbuf_adds(out, i ? ",\n    " : "\n    ");
		schema_render_column(&t->columns[i], engine, out);
		if (pk_inline(t, &t->columns[i], engine)) {
			sbuf_adds(out, " PRIMARY KEY AUTOINCREMENT");
			pk_done = 1;
		}
	}
	if (t->pk.columns.n && !pk_done) {
		sbuf_adds(out, ",\n    ");
		add_constraint_name(out, t->pk.name);
		sbuf_adds(out, "PRIMARY KEY ");
		schema_add_names(out, &t->pk.columns);
		schema_render_deferrable(t->pk.deferrable, t->pk.initially_deferred, out);
	}
	for (i = 0; i < t->nuniques; i++) {
		sbuf_adds(out, ",\n    ");
		schema_render_unique(&t->uniques[i], out);
	}
	for (i = 0; i < t->nchecks; i++) {
		if (engine != SCHEMA_SQLITE && t->checks[i].not_valid)
			continue; /* CREATE TABLE would validate it: added after */
		sbuf_adds(out, ",\n    ");
		add_constraint_name(out, t->checks[i].name);
		sbuf_adds(out, "CHECK (");
		sbuf_adds(out, t->checks[i].expression);
		sbuf_addc(out, ')');
		if (t->checks[i].no_inherit)
			sbuf_adds(out, " NO INHERIT");
	}
	if (fks_inline) {
		for (i = 0; i < t->nfks; i++) {
			sbuf_adds(out, ",\n    ");
			schema_render_fk(&t->fks[i], out);
		}
	}
	sbuf_adds(out, "\n)");
	if (engine != SCHEMA_SQLITE && t->options)
		sbuf_addf(out, " WITH (%s)", t->options);
	if (engine == SCHEMA_SQLITE) {
		if (t->without_rowid)
			sbuf_adds(out, " WITHOUT ROWID");
		if (t->strict)
			sbuf_adds(out, t->without_rowid ? ", STRICT" : " STRICT");
	}
}

void schema_render_create_index(const struct schema_index *ix, int engine, struct sbuf *out)
{
	size_t i;

	sbuf_adds(out, ix->unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
	/* PostgreSQL: the index lives in its table's schema and takes no
	 * qualifier of its own; SQLite: no schemas. */
	schema_add_ident(out, ix->name);
	sbuf_adds(out, " ON ");
	schema_add_qname(out, ix->schema, ix->table);
	if (engine != SCHEMA_SQLITE && ix->method && strcmp(ix->method, "btree")) {
		sbuf_adds(out, " USING ");
		sbuf_adds(out, ix->method);
	}
	sbuf_adds(out, " (");
	for (i = 0; i < ix->nkeys; i++) {
		const struct schema_index_key *k = &ix->keys[i];

		if (i)
			sbuf_adds(out, ", ");
		if (k->column) {
			schema_add_ident(out, k->column);
		} else {
			add_parenthesised(out, k->expression ? k->expression : "NULL");
		}
		if (k->collation) {
			sbuf_adds(out, " COLLATE ");
			schema_add_ident(out, k->collation);
		}
		if (k->opclass && engine != SCHEMA_SQLITE) {
			sbuf_addc(out, ' ');
			sbuf_adds(out, k->opclass);
		}
		if (k->desc)
			sbuf_adds(out, " DESC");
		if (engine != SCHEMA_SQLITE && k->nulls_first != k->desc)
			sbuf_adds(out, k->nulls_first ? " NULLS FIRST" : " NULLS LAST");
	}
	sbuf_addc(out, ')');
	if (ix->include.n && engine != SCHEMA_SQLITE) {
		sbuf_adds(out, " INCLUDE ");
		schema_add_names(out, &ix->include);
	}
	if (ix->nulls_not_distinct && engine != SCHEMA_SQLITE)
		sbuf_adds(out, " NULLS NOT DISTINCT");
	if (ix->options && engine != SCHEMA_SQLITE) {
		sbuf_adds(out, " WITH (");
		sbuf_adds(out, ix->options);
		sbuf_addc(out, ')');
	}
	if (ix->where) {
		sbuf_adds(out, " WHERE ");
		sbuf_adds(out, ix->where);
	}
}

/* ---- canonical SQL ---------------------------------------------------------- */

/* The indexes on owner (a table index, or ntables + a view index, or
 * nowners for those on nothing the model holds), in model order. */
static void add_indexes_of(const struct rctx *r, int engine, size_t owner, int use_sql,
                           struct sbuf *out)
{
	size_t k;

	for (k = r->indexes.start[owner]; k < r->indexes.start[owner + 1]; k++) {
		const struct schema_index *ix = r->s->indexes[r->indexes.items[k]];

		sbuf_addc(out, '\n');
		if (use_sql && ix->sql)
			add_stored(out, ix->sql);
		else
			schema_render_create_index(ix, engine, out);
		stmt_end(out);
	}
}

static void render_sqlite(const struct rctx *r, struct sbuf *out)
{
	const struct schema *s = r->s;
	/* Stored text only when the model came from SQLite itself. */
	int use_sql = s->engine == SCHEMA_SQLITE;
	size_t i;

	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = s->tables[r->torder[i]];

		sbuf_addc(out, '\n');
		if (use_sql && t->sql)
			add_stored(out, t->sql);
		else
			schema_render_create_table(t, SCHEMA_SQLITE, 1, out);
		stmt_end(out);
		add_indexes_of(r, SCHEMA_SQLITE, r->torder[i], use_sql, out);
	}
	add_indexes_of(r, SCHEMA_SQLITE, r->indexes.nowners, use_sql, out);
	for (i = 0; i < s->nviews; i++) {
		const struct schema_view *v = s->views[r->vorder[i]];

		sbuf_addc(out, '\n');
		if (use_sql && v->sql) {
			add_stored(out, v->sql);
		} else {
			sbuf_adds(out, "CREATE VIEW ");
			schema_add_ident(out, v->name);
			sbuf_adds(out, " AS\n");
			add_stripped(out, v->definition);
		}
		stmt_end(out);
	}
	for (i = 0; i < s->ntriggers; i++) {
		sbuf_addc(out, '\n');
		add_stored(out, s->triggers[i]->sql);
		stmt_end(out);
	}
}

/* Sequence options that differ from PostgreSQL's defaults for its type. */
static void add_sequence_options(const struct schema_sequence *q, struct sbuf *out)
{
	long long tmax = 9223372036854775807LL, tmin = -tmax - 1, dmin, dmax, dstart;

	if (q->type && !strcmp(q->type, "integer")) {
		tmax = 2147483647LL;
		tmin = -tmax - 1;
	} else if (q->type && !strcmp(q->type, "smallint")) {
		tmax = 32767;
		tmin = -tmax - 1;
	}
	dmin = q->increment > 0 ? 1 : tmin;
	dmax = q->increment > 0 ? tmax : -1;
	dstart = q->increment > 0 ? q->min_value : q->max_value;
	if (q->type && strcmp(q->type, "bigint"))
		sbuf_addf(out, " AS %s", q->type);
	if (q->increment != 1)
		sbuf_addf(out, " INCREMENT BY %lld", q->increment);
	if (q->min_value != dmin)
		sbuf_addf(out, " MINVALUE %lld", q->min_value);
	if (q->max_value != dmax)
		sbuf_addf(out, " MAXVALUE %lld", q->max_value);
	if (q->start != dstart)
		sbuf_addf(out, " START WITH %lld", q->start);
	if (q->cache != 1)
		sbuf_addf(out, " CACHE %lld", q->cache);
	if (q->cycle)
		sbuf_adds(out, " CYCLE");
}

void schema_render_comment_target(const struct schema_comment *c, struct sbuf *out)
{
	sbuf_adds(out, c->kind == SCHEMA_OBJ_FUNCTION && c->procedure ? "PROCEDURE"
	                                                              : schema_object_kind_sql(c->kind));
	sbuf_addc(out, ' ');
	switch (c->kind) {
	case SCHEMA_OBJ_COLUMN:
		schema_add_qname(out, c->schema, c->name);
		sbuf_addc(out, '.');
		schema_add_ident(out, c->sub);
		break;
	case SCHEMA_OBJ_TRIGGER:
	case SCHEMA_OBJ_CONSTRAINT:
		schema_add_ident(out, c->sub);
		sbuf_adds(out, " ON ");
		schema_add_qname(out, c->schema, c->name);
		break;
	case SCHEMA_OBJ_FUNCTION:
		schema_add_qname(out, c->schema, c->name);
		sbuf_addf(out, "(%s)", c->sub ? c->sub : "");
		break;
	case SCHEMA_OBJ_SCHEMA:
	case SCHEMA_OBJ_EXTENSION:
		schema_add_ident(out, c->name);
		break;
	default:
		schema_add_qname(out, c->schema, c->name);
		break;
	}
}

static void render_pg(const struct rctx *r, struct sbuf *out)
{
	const struct schema *s = r->s;
	size_t i, j;

	if (s->nfunctions) {
		/* As pg_dump: function bodies may name tables created later. */
		sbuf_adds(out, "\nSET check_function_bodies = false");
		stmt_end(out);
	}
	for (i = 0; i < s->nnamespaces; i++) {
		/* IF NOT EXISTS: "public" is there in every new database. */
		sbuf_adds(out, "\nCREATE SCHEMA IF NOT EXISTS ");
		schema_add_ident(out, s->namespaces[i]->name);
		stmt_end(out);
	}
	for (i = 0; i < s->nextensions; i++) {
		const struct schema_extension *x = s->extensions[i];

		sbuf_adds(out, "\nCREATE EXTENSION IF NOT EXISTS ");
		schema_add_ident(out, x->name);
		if (x->schema) {
			sbuf_adds(out, " WITH SCHEMA ");
			schema_add_ident(out, x->schema);
		}
		stmt_end(out);
	}
	for (i = 0; i < s->nenums; i++) {
		const struct schema_enum *e = s->enums[i];

		sbuf_adds(out, "\nCREATE TYPE ");
		schema_add_qname(out, e->schema, e->name);
		sbuf_adds(out, " AS ENUM (");
		for (j = 0; j < e->labels.n; j++) {
			if (j)
				sbuf_adds(out, ", ");
			sbuf_add_literal(out, e->labels.v[j]);
		}
		sbuf_addc(out, ')');
		stmt_end(out);
	}
	for (i = 0; i < s->nfunctions; i++) {
		sbuf_addc(out, '\n');
		add_stripped(out, s->functions[i]->sql);
		stmt_end(out);
	}
	for (i = 0; i < s->nsequences; i++) {
		sbuf_adds(out, "\nCREATE SEQUENCE ");
		schema_add_qname(out, s->sequences[i]->schema, s->sequences[i]->name);
		add_sequence_options(s->sequences[i], out);
		stmt_end(out);
	}
	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = s->tables[r->torder[i]];

		sbuf_addc(out, '\n');
		schema_render_create_table(t, SCHEMA_PG, 0, out);
		stmt_end(out);
		for (j = 0; j < t->ncolumns; j++)
			schema_render_column_settings(t, NULL, &t->columns[j], out);
		add_indexes_of(r, SCHEMA_PG, r->torder[i], 1, out);
	}
	for (i = 0; i < s->nsequences; i++) {
		const struct schema_sequence *q = s->sequences[i];

		if (!q->owned_by_table || !q->owned_by_column)
			continue;
		sbuf_adds(out, "\nALTER SEQUENCE ");
		schema_add_qname(out, q->schema, q->name);
		sbuf_adds(out, " OWNED BY ");
		schema_add_qname(out, q->schema, q->owned_by_table);
		sbuf_addc(out, '.');
		schema_add_ident(out, q->owned_by_column);
		stmt_end(out);
	}
	/* Foreign keys after every table, so that cycles need no special case. */
	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = s->tables[r->torder[i]];

		for (j = 0; j < t->nfks; j++) {
			sbuf_adds(out, "\nALTER TABLE ");
			schema_add_qname(out, t->schema, t->name);
			sbuf_adds(out, "\n    ADD ");
			schema_render_fk(&t->fks[j], out);
			if (t->fks[j].not_valid)
				sbuf_adds(out, " NOT VALID");
			stmt_end(out);
		}
		/* Left out of CREATE TABLE, which would validate them. */
		for (j = 0; j < t->nchecks; j++) {
			if (!t->checks[j].not_valid)
				continue;
			sbuf_adds(out, "\nALTER TABLE ");
			schema_add_qname(out, t->schema, t->name);
			sbuf_adds(out, "\n    ADD ");
			add_constraint_name(out, t->checks[j].name);
			sbuf_addf(out, "CHECK (%s)%s NOT VALID", t->checks[j].expression,
			          t->checks[j].no_inherit ? " NO INHERIT" : "");
			stmt_end(out);
		}
	}
	for (i = 0; i < s->nviews; i++) {
		const struct schema_view *v = s->views[r->vorder[i]];

		sbuf_adds(out, v->materialized ? "\nCREATE MATERIALIZED VIEW " : "\nCREATE VIEW ");
		schema_add_qname(out, v->schema, v->name);
		if (v->options)
			sbuf_addf(out, " WITH (%s)", v->options);
		sbuf_adds(out, " AS\n");
		add_stripped(out, v->definition);
		if (v->materialized && v->with_no_data)
			sbuf_adds(out, "\nWITH NO DATA");
		stmt_end(out);
		add_indexes_of(r, SCHEMA_PG, s->ntables + r->vorder[i], 1, out);
	}
	add_indexes_of(r, SCHEMA_PG, r->indexes.nowners, 1, out);
	for (i = 0; i < s->ntriggers; i++) {
		sbuf_addc(out, '\n');
		add_stripped(out, s->triggers[i]->sql);
		stmt_end(out);
	}
	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = s->tables[i];
		if (!t->row_security && !t->force_row_security)
			continue;
		sbuf_adds(out, "\nALTER TABLE ");
		schema_add_qname(out, t->schema, t->name);
		if (t->row_security)
			sbuf_adds(out, t->force_row_security ? " ENABLE ROW LEVEL SECURITY," :
			                                       " ENABLE ROW LEVEL SECURITY");
		if (t->force_row_security)
			sbuf_adds(out, " FORCE ROW LEVEL SECURITY");
		stmt_end(out);
	}
	for (i = 0; i < s->npolicies; i++) {
		sbuf_addc(out, '\n');
		add_stripped(out, s->policies[i]->sql);
		stmt_end(out);
	}
	for (i = 0; i < s->ncomments; i++) {
		sbuf_adds(out, "\nCOMMENT ON ");
		schema_render_comment_target(s->comments[i], out);
		sbuf_adds(out, " IS ");
		sbuf_add_literal(out, s->comments[i]->text ? s->comments[i]->text : "");
		stmt_end(out);
	}
}

int schema_render_sql(const struct schema *s, int engine, struct sbuf *out)
{
	struct rctx r;
	int rc;

	if ((rc = rctx_init(&r, s, 1)))
		return rc;
	sbuf_addf(out, "-- strata schema (%s)\n", engine == SCHEMA_SQLITE ? "sqlite" : "postgres");
	if (engine == SCHEMA_SQLITE)
		render_sqlite(&r, out);
	else
		render_pg(&r, out);
	rctx_release(&r);
	return sbuf_failed(out) ? STRATA_ENOMEM : 0;
}

/* ---- JSON ------------------------------------------------------------------- */

/*
 * Building fails only when out of memory; rather than test every call, a
 * failed value is counted in *bad and the document dropped at the end
 * (jansson's setters take a NULL value and fail cleanly).
 */
struct jb {
	int bad;
};

/* A string value that is valid UTF-8 whatever the name's bytes: jansson
 * refuses invalid UTF-8, and a name is whatever bytes the engine took. */
static json_t *jstr(const char *s)
{
	json_t *v;
	struct sbuf sb = SBUF_INIT;
	const unsigned char *p;

	if (!s)
		return json_null();
	if ((v = json_string(s)))
		return v;
	for (p = (const unsigned char *)s; *p; p++)
		sbuf_addc(&sb, *p < 0x80 ? (char)*p : '?');
	v = sbuf_failed(&sb) ? NULL : json_string(sb.buf);
	sbuf_release(&sb);
	return v;
}

/* The _new setters take v over even when they fail; without a container,
 * v is dropped here so that nothing leaks either way. */
static void jset(struct jb *b, json_t *o, const char *key, json_t *v)
{
	if (!o) {
		json_decref(v);
		b->bad++;
	} else if (!v || json_object_set_new(o, key, v)) {
		b->bad++;
	}
}

static void jpush(struct jb *b, json_t *a, json_t *v)
{
	if (!a) {
		json_decref(v);
		b->bad++;
	} else if (!v || json_array_append_new(a, v)) {
		b->bad++;
	}
}

static json_t *jnames(struct jb *b, const struct schema_names *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		jpush(b, a, jstr(l->v[i]));
	return a;
}

static json_t *json_index(struct jb *b, const struct schema_index *ix)
{
	json_t *o = json_object(), *keys = json_array();
	size_t i;

	jset(b, o, "name", jstr(ix->name));
	jset(b, o, "unique", json_boolean(ix->unique));
	for (i = 0; i < ix->nkeys; i++) {
		const struct schema_index_key *k = &ix->keys[i];
		json_t *ko = json_object();

		jset(b, ko, "column", jstr(k->column));
		jset(b, ko, "expression", jstr(k->expression));
		jset(b, ko, "desc", json_boolean(k->desc));
		jset(b, ko, "collation", jstr(k->collation));
		jset(b, ko, "opclass", jstr(k->opclass));
		jpush(b, keys, ko);
	}
	jset(b, o, "columns", keys);
	jset(b, o, "include", jnames(b, &ix->include));
	jset(b, o, "where", jstr(ix->where));
	jset(b, o, "method", jstr(ix->method));
	jset(b, o, "sql", jstr(ix->sql));
	return o;
}

static json_t *json_trigger(struct jb *b, const struct schema_trigger *tr)
{
	json_t *o = json_object();

	jset(b, o, "name", jstr(tr->name));
	jset(b, o, "sql", jstr(tr->sql));
	return o;
}

/* The indexes and triggers on owner (see struct attach), as arrays. */
static void json_attached(struct jb *b, const struct rctx *r, json_t *o, size_t owner)
{
	json_t *ixs = json_array(), *trs = json_array();
	size_t k;

	for (k = r->indexes.start[owner]; k < r->indexes.start[owner + 1]; k++)
		jpush(b, ixs, json_index(b, r->s->indexes[r->indexes.items[k]]));
	for (k = r->triggers.start[owner]; k < r->triggers.start[owner + 1]; k++)
		jpush(b, trs, json_trigger(b, r->s->triggers[r->triggers.items[k]]));
	jset(b, o, "indexes", ixs);
	jset(b, o, "triggers", trs);
}

static json_t *json_table(struct jb *b, const struct rctx *r, size_t ti)
{
	const struct schema_table *t = r->s->tables[ti];
	json_t *o = json_object(), *cols = json_array(), *arr;
	size_t i;

	jset(b, o, "name", jstr(t->name));
	jset(b, o, "schema", jstr(t->schema));
	jset(b, o, "strict", json_boolean(t->strict));
	jset(b, o, "without_rowid", json_boolean(t->without_rowid));
	jset(b, o, "virtual", json_boolean(t->virtual_table));
	for (i = 0; i < t->ncolumns; i++) {
		const struct schema_column *c = &t->columns[i];
		json_t *co = json_object(), *g = json_null();

		jset(b, co, "name", jstr(c->name));
		jset(b, co, "type", jstr(c->type));
		jset(b, co, "not_null", json_boolean(c->not_null));
		jset(b, co, "default", jstr(c->default_sql));
		jset(b, co, "collation", jstr(c->collation));
		if (c->generated) {
			json_decref(g);
			g = json_object();
			jset(b, g, "expression", jstr(c->generated));
			jset(b, g, "stored", json_boolean(c->generated_stored));
		}
		jset(b, co, "generated", g);
		jset(b, co, "identity",
		     c->identity == SCHEMA_IDENTITY_ALWAYS       ? json_string("always")
		     : c->identity == SCHEMA_IDENTITY_BY_DEFAULT ? json_string("by default")
		                                                 : json_null());
		jset(b, co, "primary_key", json_boolean(table_pk_position(t, c->name) > 0));
		jset(b, co, "hidden", json_boolean(c->hidden));
		jpush(b, cols, co);
	}
	jset(b, o, "columns", cols);
	if (t->pk.columns.n) {
		json_t *pk = json_object();

		jset(b, pk, "name", jstr(t->pk.name));
		jset(b, pk, "columns", jnames(b, &t->pk.columns));
		jset(b, pk, "autoincrement", json_boolean(t->pk.autoincrement));
		jset(b, pk, "deferrable", json_boolean(t->pk.deferrable));
		jset(b, pk, "initially_deferred", json_boolean(t->pk.initially_deferred));
		jset(b, o, "primary_key", pk);
	} else {
		jset(b, o, "primary_key", json_null());
	}
	arr = json_array();
	for (i = 0; i < t->nuniques; i++) {
		json_t *u = json_object();

		jset(b, u, "name", jstr(t->uniques[i].name));
		jset(b, u, "columns", jnames(b, &t->uniques[i].columns));
		jset(b, u, "deferrable", json_boolean(t->uniques[i].deferrable));
		jset(b, u, "initially_deferred", json_boolean(t->uniques[i].initially_deferred));
		jset(b, u, "nulls_not_distinct", json_boolean(t->uniques[i].nulls_not_distinct));
		jpush(b, arr, u);
	}
	jset(b, o, "unique", arr);
	arr = json_array();
	for (i = 0; i < t->nfks; i++) {
		const struct schema_fk *fk = &t->fks[i];
		json_t *f = json_object();

		jset(b, f, "name", jstr(fk->name));
		jset(b, f, "columns", jnames(b, &fk->columns));
		jset(b, f, "ref_schema", jstr(fk->ref_schema));
		jset(b, f, "ref_table", jstr(fk->ref_table));
		jset(b, f, "ref_columns", jnames(b, &fk->ref_columns));
		jset(b, f, "on_delete", json_string(schema_fk_action_sql(fk->on_delete)));
		jset(b, f, "on_update", json_string(schema_fk_action_sql(fk->on_update)));
		jset(b, f, "deferrable", json_boolean(fk->deferrable));
		jset(b, f, "initially_deferred", json_boolean(fk->initially_deferred));
		jpush(b, arr, f);
	}
	jset(b, o, "foreign_keys", arr);
	arr = json_array();
	for (i = 0; i < t->nchecks; i++) {
		json_t *c = json_object();

		jset(b, c, "name", jstr(t->checks[i].name));
		jset(b, c, "expression", jstr(t->checks[i].expression));
		jset(b, c, "no_inherit", json_boolean(t->checks[i].no_inherit));
		jpush(b, arr, c);
	}
	jset(b, o, "checks", arr);
	json_attached(b, r, o, ti);
	jset(b, o, "sql", jstr(t->sql));
	return o;
}

json_t *schema_to_json(const struct schema *s)
{
	struct jb b = { 0 };
	struct rctx r;
	json_t *root, *arr;
	size_t i, j;

	if (rctx_init(&r, s, 0))
		return NULL;
	root = json_object();
	jset(&b, root, "engine", json_string(s->engine == SCHEMA_SQLITE ? "sqlite" : "postgres"));
	arr = json_array();
	for (i = 0; i < s->nnamespaces; i++)
		jpush(&b, arr, jstr(s->namespaces[i]->name));
	jset(&b, root, "schemas", arr);
	arr = json_array();
	for (i = 0; i < s->ntables; i++)
		jpush(&b, arr, json_table(&b, &r, i));
	jset(&b, root, "tables", arr);
	arr = json_array();
	for (i = 0; i < s->nviews; i++) {
		const struct schema_view *v = s->views[i];
		json_t *o = json_object();

		jset(&b, o, "name", jstr(v->name));
		jset(&b, o, "schema", jstr(v->schema));
		jset(&b, o, "materialized", json_boolean(v->materialized));
		if (v->materialized)
			jset(&b, o, "with_no_data", json_boolean(v->with_no_data));
		jset(&b, o, "definition", jstr(v->definition));
		json_attached(&b, &r, o, s->ntables + i);
		jset(&b, o, "sql", jstr(v->sql));
		jpush(&b, arr, o);
	}
	jset(&b, root, "views", arr);
	arr = json_array();
	for (i = 0; i < s->nenums; i++) {
		json_t *o = json_object();

		jset(&b, o, "name", jstr(s->enums[i]->name));
		jset(&b, o, "schema", jstr(s->enums[i]->schema));
		jset(&b, o, "labels", jnames(&b, &s->enums[i]->labels));
		jpush(&b, arr, o);
	}
	jset(&b, root, "enums", arr);
	arr = json_array();
	for (i = 0; i < s->nsequences; i++) {
		const struct schema_sequence *q = s->sequences[i];
		json_t *o = json_object(), *owned = json_null();

		jset(&b, o, "name", jstr(q->name));
		jset(&b, o, "schema", jstr(q->schema));
		jset(&b, o, "type", jstr(q->type));
		jset(&b, o, "start", json_integer(q->start));
		jset(&b, o, "increment", json_integer(q->increment));
		jset(&b, o, "min_value", json_integer(q->min_value));
		jset(&b, o, "max_value", json_integer(q->max_value));
		jset(&b, o, "cache", json_integer(q->cache));
		jset(&b, o, "cycle", json_boolean(q->cycle));
		if (q->owned_by_table) {
			json_decref(owned);
			owned = json_object();
			jset(&b, owned, "table", jstr(q->owned_by_table));
			jset(&b, owned, "column", jstr(q->owned_by_column));
		}
		jset(&b, o, "owned_by", owned);
		jpush(&b, arr, o);
	}
	jset(&b, root, "sequences", arr);
	arr = json_array();
	for (i = 0; i < s->nextensions; i++) {
		json_t *o = json_object();

		jset(&b, o, "name", jstr(s->extensions[i]->name));
		jset(&b, o, "schema", jstr(s->extensions[i]->schema));
		jset(&b, o, "version", jstr(s->extensions[i]->version));
		jpush(&b, arr, o);
	}
	jset(&b, root, "extensions", arr);
	arr = json_array();
	for (i = 0; i < s->nfunctions; i++) {
		json_t *o = json_object();

		jset(&b, o, "name", jstr(s->functions[i]->name));
		jset(&b, o, "schema", jstr(s->functions[i]->schema));
		jset(&b, o, "args", jstr(s->functions[i]->args));
		jset(&b, o, "sql", jstr(s->functions[i]->sql));
		jpush(&b, arr, o);
	}
	jset(&b, root, "functions", arr);
	arr = json_array();
	for (i = 0; i < s->ncomments; i++) {
		const struct schema_comment *c = s->comments[i];
		json_t *o = json_object();
		char kind[24];

		/* "MATERIALIZED VIEW" -> "materialized view" */
		for (j = 0; schema_object_kind_sql(c->kind)[j] && j + 1 < sizeof(kind); j++)
			kind[j] = (char)lower_ascii((unsigned char)schema_object_kind_sql(c->kind)[j]);
		kind[j] = '\0';
		jset(&b, o, "kind", json_string(kind));
		jset(&b, o, "schema", jstr(c->schema));
		jset(&b, o, "name", jstr(c->name));
		jset(&b, o, "sub", jstr(c->sub));
		jset(&b, o, "text", jstr(c->text));
		jpush(&b, arr, o);
	}
	jset(&b, root, "comments", arr);
	rctx_release(&r);
	if (b.bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* ---- Graphviz DOT ----------------------------------------------------------- */

/*
 * Text inside an HTML-like label: the XML entities, control characters as
 * spaces, and bytes that are not UTF-8 as '?', since dot rejects them. Node
 * ids and ports are generated (t3, c0), never taken from names, so no name
 * can break the syntax.
 */
static void dot_text(struct sbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		size_t n = 0, k;

		if (*p < 0x80) {
			switch (*p) {
			case '&': sbuf_adds(out, "&amp;"); break;
			case '<': sbuf_adds(out, "&lt;"); break;
			case '>': sbuf_adds(out, "&gt;"); break;
			case '"': sbuf_adds(out, "&quot;"); break;
			case '\'': sbuf_adds(out, "&#39;"); break;
			default: sbuf_addc(out, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p); break;
			}
			p++;
			continue;
		}
		/* A UTF-8 sequence is copied whole, or its lead byte replaced. */
		if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			n = 2;
		else if ((*p & 0xf0) == 0xe0)
			n = 3;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			n = 4;
		for (k = 1; k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				break;
		if (n && k == n) {
			sbuf_add(out, p, n);
			p += n;
		} else {
			sbuf_addc(out, '?');
			p++;
		}
	}
}

/* 1 when column name of t is in one of its foreign keys. */
static int in_fk(const struct schema_table *t, const char *name)
{
	size_t i, j;

	for (i = 0; i < t->nfks; i++)
		for (j = 0; j < t->fks[i].columns.n; j++)
			if (!name_cmp(t->schema ? SCHEMA_PG : SCHEMA_SQLITE, t->fks[i].columns.v[j], name))
				return 1;
	return 0;
}

static long column_index(const struct schema_table *t, const char *name)
{
	size_t i;

	for (i = 0; name && i < t->ncolumns; i++)
		if (!name_cmp(t->schema ? SCHEMA_PG : SCHEMA_SQLITE, t->columns[i].name, name))
			return (long)i;
	return -1;
}

int schema_render_dot(const struct schema *s, struct sbuf *out)
{
	struct name_index ix = { 0 };
	struct schema_names missing = { 0 };
	size_t i, j;
	int rc;

	if ((rc = name_index_tables(&ix, s)))
		return rc;
	sbuf_adds(out, "digraph schema {\n"
	               "    graph [rankdir=LR, fontname=\"Helvetica\"];\n"
	               "    node [shape=plaintext, fontname=\"Helvetica\", fontsize=10];\n"
	               "    edge [fontname=\"Helvetica\", fontsize=9];\n");
	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = s->tables[i];

		sbuf_addf(out, "    t%zu [label=<<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\""
		               " CELLPADDING=\"4\">\n", i);
		sbuf_adds(out, "        <TR><TD BGCOLOR=\"#dddddd\"><B>");
		if (t->schema && strcmp(t->schema, "public")) {
			dot_text(out, t->schema);
			sbuf_addc(out, '.');
		}
		dot_text(out, t->name);
		sbuf_adds(out, "</B></TD></TR>\n");
		for (j = 0; j < t->ncolumns; j++) {
			const struct schema_column *c = &t->columns[j];
			int pk = table_pk_position(t, c->name) > 0, fk = in_fk(t, c->name);

			sbuf_addf(out, "        <TR><TD PORT=\"c%zu\" ALIGN=\"LEFT\">", j);
			if (pk)
				sbuf_adds(out, "<U>");
			dot_text(out, c->name);
			if (pk)
				sbuf_adds(out, "</U>");
			if (c->type && *c->type) {
				sbuf_adds(out, " <FONT COLOR=\"#555555\">");
				dot_text(out, c->type);
				sbuf_adds(out, "</FONT>");
			}
			if (pk || fk)
				sbuf_adds(out, pk && fk ? " PK FK" : pk ? " PK" : " FK");
			sbuf_adds(out, "</TD></TR>\n");
		}
		sbuf_adds(out, "    </TABLE>>];\n");
	}
	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = s->tables[i];

		for (j = 0; j < t->nfks; j++) {
			const struct schema_fk *fk = &t->fks[j];
			long w = name_index_find(&ix, fk->ref_schema ? fk->ref_schema : t->schema,
			                         fk->ref_table);
			long from = fk->columns.n ? column_index(t, fk->columns.v[0]) : -1, to = -1;

			if (w < 0) {
				/* A reference to a table the model does not hold: a dashed
				 * node of its own, once per name. */
				size_t k;

				for (k = 0; k < missing.n && strcmp(missing.v[k], fk->ref_table); k++)
					;
				if (k == missing.n) {
					if (schema_names_add(&missing, fk->ref_table)) {
						rc = STRATA_ENOMEM;
						goto out;
					}
					sbuf_addf(out, "    x%zu [shape=box, style=dashed, label=<", k);
					dot_text(out, fk->ref_table);
					sbuf_adds(out, ">];\n");
				}
				sbuf_addf(out, "    t%zu", i);
				if (from >= 0)
					sbuf_addf(out, ":c%ld", from);
				sbuf_addf(out, " -> x%zu", k);
			} else {
				const struct schema_table *rt = s->tables[w];

				if (fk->ref_columns.n)
					to = column_index(rt, fk->ref_columns.v[0]);
				sbuf_addf(out, "    t%zu", i);
				if (from >= 0)
					sbuf_addf(out, ":c%ld", from);
				sbuf_addf(out, " -> t%ld", w);
				if (to >= 0)
					sbuf_addf(out, ":c%ld", to);
			}
			if (fk->name) {
				sbuf_adds(out, " [label=<");
				dot_text(out, fk->name);
				sbuf_adds(out, ">]");
			}
			sbuf_adds(out, ";\n");
		}
	}
	sbuf_adds(out, "}\n");
	rc = sbuf_failed(out) ? STRATA_ENOMEM : 0;
out:
	free(ix.v);
	schema_names_release(&missing);
	return rc;
}

/* ---- Mermaid ---------------------------------------------------------------- */

/*
 * Mermaid's ER grammar takes entity and attribute names made of letters,
 * digits, '_' and '-', starting with a letter or '_'; types also take "()[]".
 * Anything else becomes '_', and entity names made equal by that get a
 * numeric suffix, in model order, so the result is still deterministic.
 */
static void mermaid_word(struct sbuf *out, const char *s, int is_type)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	if (!*p || !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_'))
		sbuf_addc(out, '_');
	for (; *p; p++) {
		int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		         (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		         (is_type && (*p == '(' || *p == ')' || *p == '[' || *p == ']'));

		sbuf_addc(out, ok ? (char)*p : '_');
	}
}

/* Label text in double quotes: no quote, no control character. */
static void mermaid_label(struct sbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	sbuf_addc(out, '"');
	for (; *p; p++)
		sbuf_addc(out, *p == '"' ? '\'' : *p < 0x20 ? ' ' : (char)*p);
	sbuf_addc(out, '"');
}

int schema_render_mermaid(const struct schema *s, struct sbuf *out)
{
	struct name_index ix = { 0 };
	char **ent = calloc(s->ntables + 1, sizeof(*ent));
	struct sbuf w = SBUF_INIT;
	size_t i, j, k;
	int rc;

	if (!ent)
		return STRATA_ENOMEM;
	if ((rc = name_index_tables(&ix, s)))
		goto out;
	/* Entity names first: sanitised and made unique. */
	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = s->tables[i];
		int n = 1;

		sbuf_reset(&w);
		if (t->schema && strcmp(t->schema, "public")) {
			mermaid_word(&w, t->schema, 0);
			sbuf_adds(&w, "__");
		}
		mermaid_word(&w, t->name, 0);
		for (;;) {
			for (k = 0; k < i && strcmp(ent[k], w.buf); k++)
				;
			if (k == i)
				break;
			/* Taken: try name_2, name_3 ... */
			if (n > 1)
				sbuf_truncate(&w, strrchr(w.buf, '_') - w.buf);
			sbuf_addf(&w, "_%d", ++n);
		}
		if (sbuf_failed(&w) || !(ent[i] = strdup(w.buf))) {
			rc = STRATA_ENOMEM;
			goto out;
		}
	}
	sbuf_adds(out, "erDiagram\n");
	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = s->tables[i];

		sbuf_addf(out, "    %s {\n", ent[i]);
		for (j = 0; j < t->ncolumns; j++) {
			const struct schema_column *c = &t->columns[j];
			int pk = table_pk_position(t, c->name) > 0, fk = in_fk(t, c->name);

			sbuf_adds(out, "        ");
			mermaid_word(out, c->type && *c->type ? c->type : "any", 1);
			sbuf_addc(out, ' ');
			mermaid_word(out, c->name, 0);
			if (pk || fk)
				sbuf_adds(out, pk && fk ? " PK, FK" : pk ? " PK" : " FK");
			sbuf_addc(out, '\n');
		}
		sbuf_adds(out, "    }\n");
	}
	for (i = 0; i < s->ntables; i++) {
		const struct schema_table *t = s->tables[i];

		for (j = 0; j < t->nfks; j++) {
			const struct schema_fk *fk = &t->fks[j];
			long to = name_index_find(&ix, fk->ref_schema ? fk->ref_schema : t->schema,
			                          fk->ref_table);
			int optional = 0;
			struct sbuf label = SBUF_INIT;

			if (to < 0)
				continue; /* Mermaid would invent an empty entity */
			/* Nullable referencing columns: the parent is optional. */
			for (k = 0; k < fk->columns.n; k++) {
				long c = column_index(t, fk->columns.v[k]);

				if (c >= 0 && !t->columns[c].not_null)
					optional = 1;
			}
			if (fk->name) {
				sbuf_adds(&label, fk->name);
			} else {
				for (k = 0; k < fk->columns.n; k++) {
					if (k)
						sbuf_adds(&label, ", ");
					sbuf_adds(&label, fk->columns.v[k]);
				}
			}
			if (sbuf_failed(&label)) {
				sbuf_release(&label);
				rc = STRATA_ENOMEM;
				goto out;
			}
			sbuf_addf(out, "    %s %s--o{ %s : ", ent[to], optional ? "|o" : "||", ent[i]);
			mermaid_label(out, label.buf);
			sbuf_addc(out, '\n');
			sbuf_release(&label);
		}
	}
	rc = sbuf_failed(out) ? STRATA_ENOMEM : 0;
out:
	for (i = 0; i < s->ntables; i++)
		free(ent[i]);
	free(ent);
	free(ix.v);
	sbuf_release(&w);
	return rc;
}
