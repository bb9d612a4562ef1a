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
 *
 * Files: this one holds what the renderers share (render_int.h) and the
 * SQL; render_json.c the JSON, render_diagram.c DOT and Mermaid.
 */
#include "render_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "strata.h"

/* ---- shared helpers -------------------------------------------------------- */

int render_lower_ascii(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Names of objects on the same table or in the same namespace compare as
 * the engine does; this is schema_name_cmp() without a schema at hand. */
int render_name_cmp(int engine, const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	if (engine == SCHEMA_SQLITE) {
		while (*a && render_lower_ascii((unsigned char)*a) == render_lower_ascii((unsigned char)*b)) {
			a++;
			b++;
		}
		return render_lower_ascii((unsigned char)*a) - render_lower_ascii((unsigned char)*b);
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

static int cmp_entry_ci(const void *x, const void *y)
{
	const struct name_entry *a = x, *b = y;
	int r = render_name_cmp(SCHEMA_SQLITE, a->name, b->name);

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

int render_name_index_tables(struct name_index *ix, const struct schema *s)
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

		if (render_name_cmp(ix->engine, ix->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the object named (nsp, name), nsp NULL matching any; -1 if none. */
long render_name_index_find(const struct name_index *ix, const char *nsp, const char *name)
{
	size_t k;

	for (k = name_index_first(ix, name); k < ix->n && !render_name_cmp(ix->engine, ix->v[k].name, name);
	     k++)
		if (!nsp || !ix->v[k].schema || !render_name_cmp(ix->engine, ix->v[k].schema, nsp))
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

/* PostgreSQL: a partition, or a child of INHERITS, after its parents. */
static int order_parents(struct graph *g, const struct schema_table *t,
                         const struct name_index *ix, size_t i)
{
	size_t j;
	long w;
	int rc;

	if (t->part_of && (w = render_name_index_find(ix, t->part_of_schema, t->part_of)) >= 0 &&
	    (size_t)w != i && (rc = graph_add(g, (size_t)w)))
		return rc;
	for (j = 0; j < t->inherits.n; j++)
		if ((w = render_name_index_find(ix, j < t->inherits_schemas.n ? t->inherits_schemas.v[j] : NULL,
		                                t->inherits.v[j])) >= 0 &&
		    (size_t)w != i && (rc = graph_add(g, (size_t)w)))
			return rc;
	return 0;
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
			long w = render_name_index_find(ix, fk->ref_schema ? fk->ref_schema : t->schema,
			                                fk->ref_table);

			if (w >= 0 && (size_t)w != i && (rc = graph_add(&g, (size_t)w)))
				goto out;
		}
		if ((rc = order_parents(&g, t, ix, i)))
			goto out;
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
					*p = (char)render_lower_ascii((unsigned char)*p);
			}
			for (k = name_index_first(ix, name);
			     k < ix->n && !render_name_cmp(ix->engine, ix->v[k].name, name); k++)
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

/* The owner number of the object on (nsp, table). */
static size_t owner_of(const struct rctx *r, const char *nsp, const char *table)
{
	long w;

	if ((w = render_name_index_find(&r->tables, nsp, table)) >= 0)
		return (size_t)w;
	if ((w = render_name_index_find(&r->views, nsp, table)) >= 0)
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

void render_ctx_release(struct rctx *r)
{
	free(r->tables.v);
	free(r->views.v);
	attach_release(&r->indexes);
	attach_release(&r->triggers);
	free(r->torder);
	free(r->vorder);
}

int render_ctx_init(struct rctx *r, const struct schema *s, int with_order)
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
	if ((rc = render_name_index_tables(&r->tables, s)) || (rc = name_index_views(&r->views, s)))
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
		render_ctx_release(r);
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
	       !render_name_cmp(SCHEMA_SQLITE, t->pk.columns.v[0], c->name);
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

void schema_render_include(const struct schema_names *l, struct sbuf *out)
{
	if (!l->n)
		return;
	sbuf_adds(out, " INCLUDE ");
	schema_add_names(out, l);
}

void schema_render_unique(const struct schema_unique *u, struct sbuf *out)
{
	add_constraint_name(out, u->name);
	sbuf_adds(out, u->nulls_not_distinct ? "UNIQUE NULLS NOT DISTINCT " : "UNIQUE ");
	schema_add_names(out, &u->columns);
	schema_render_include(&u->include, out);
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

/* PostgreSQL: " INHERITS (a, b)" and " PARTITION BY key", when t has them. */
static void render_inherits_partition_by(const struct schema_table *t, struct sbuf *out)
{
	size_t i;

	for (i = 0; i < t->inherits.n; i++) {
		sbuf_adds(out, i ? ", " : " INHERITS (");
		schema_add_qname(out, i < t->inherits_schemas.n ? t->inherits_schemas.v[i] : NULL,
		                 t->inherits.v[i]);
	}
	if (t->inherits.n)
		sbuf_addc(out, ')');
	if (t->partition_key)
		sbuf_addf(out, " PARTITION BY %s", t->partition_key);
}

/* A partition: CREATE TABLE t PARTITION OF parent [(its own constraints)]
 * bound [PARTITION BY key]. Its columns are its parent's (schema.h). */
static void render_partition(const struct schema_table *t, struct sbuf *out)
{
	size_t i;
	int n = 0;

	sbuf_adds(out, t->unlogged ? "CREATE UNLOGGED TABLE " : "CREATE TABLE ");
	schema_add_qname(out, t->schema, t->name);
	sbuf_adds(out, " PARTITION OF ");
	schema_add_qname(out, t->part_of_schema, t->part_of);
	if (t->pk.columns.n) {
		sbuf_adds(out, n++ ? ",\n    " : " (\n    ");
		add_constraint_name(out, t->pk.name);
		sbuf_adds(out, "PRIMARY KEY ");
		schema_add_names(out, &t->pk.columns);
		schema_render_include(&t->pk.include, out);
		schema_render_deferrable(t->pk.deferrable, t->pk.initially_deferred, out);
	}
	for (i = 0; i < t->nuniques; i++) {
		sbuf_adds(out, n++ ? ",\n    " : " (\n    ");
		schema_render_unique(&t->uniques[i], out);
	}
	for (i = 0; i < t->nchecks; i++) {
		if (t->checks[i].not_valid)
			continue; /* CREATE TABLE would validate it: added after */
		sbuf_adds(out, n++ ? ",\n    " : " (\n    ");
		add_constraint_name(out, t->checks[i].name);
		sbuf_addf(out, "CHECK (%s)", t->checks[i].expression);
		if (t->checks[i].no_inherit)
			sbuf_adds(out, " NO INHERIT");
	}
	if (n)
		sbuf_adds(out, "\n)");
	sbuf_addf(out, " %s", t->partition_bound ? t->partition_bound : "DEFAULT");
	render_inherits_partition_by(t, out);
	if (t->options)
		sbuf_addf(out, " WITH (%s)", t->options);
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
	if (engine != SCHEMA_SQLITE && t->part_of) {
		render_partition(t, out);
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
		schema_render_include(&t->pk.include, out);
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
	if (engine != SCHEMA_SQLITE)
		render_inherits_partition_by(t, out);
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
	schema_render_collations(s, out);
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
	schema_render_pgtypes(s, out);
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
	schema_render_excludes(s, out);
	schema_render_extstats(s, out);
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

	if ((rc = render_ctx_init(&r, s, 1)))
		return rc;
	sbuf_addf(out, "-- strata schema (%s)\n", engine == SCHEMA_SQLITE ? "sqlite" : "postgres");
	if (engine == SCHEMA_SQLITE)
		render_sqlite(&r, out);
	else
		render_pg(&r, out);
	render_ctx_release(&r);
	return sbuf_failed(out) ? STRATA_ENOMEM : 0;
}

