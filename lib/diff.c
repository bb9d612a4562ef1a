/*
 * diff.c: schema model A vs schema model B -> the ordered, classified list
 * of changes that takes A to B (see diff.h).
 *
 * How: tables are paired first (by name, or by a renamed-from hint), then
 * each pair's columns (by name, or hint); every other comparison goes
 * through that pairing, so a CHECK or an index that names a renamed column
 * still matches its old self. Then the engine's needs_rebuild hook (given
 * in struct diff_opts by the caller, from the driver: SQLite's planner;
 * diff.c calls no planner) says which pairs ALTER TABLE cannot take:
 * those are rebuilt, which drops their indexes and
 * triggers, so those come back as changes of their own. Then views and
 * triggers that stand on anything that changes are dropped before it and
 * re-created after. On PostgreSQL, what stands on a function or view that
 * is made again (views, triggers, indexes, CHECKs, defaults, generated
 * columns, other functions, comments) is known from the dependencies the
 * server recorded (struct schema_dep), and follows it the same way. Every change is generated with its phase and a sequence
 * number, and one sort at the end puts the list in the order of the SQL.
 *
 * Names compare as the engine compares them (schema_name_cmp: SQLite
 * without case); SQL text (defaults, CHECKs, index expressions, view and
 * trigger bodies) compares as tokens (diff_sql_equal), never as bytes.
 *
 * Files: the PostgreSQL-only comparisons (re-made functions, row-level
 * security, schemas, extensions, types, sequences, functions, comments) are
 * in diff_pg.c, the renamed-from hints in diff_rename.c; what the three
 * share is declared in diff_int.h.
 */
#include "diff_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strata.h"

static const char *const kind_names[DIFF_KIND_COUNT] = {
	[DIFF_CREATE_SCHEMA] = "create_schema",
	[DIFF_DROP_SCHEMA] = "drop_schema",
	[DIFF_CREATE_EXTENSION] = "create_extension",
	[DIFF_DROP_EXTENSION] = "drop_extension",
	[DIFF_ALTER_EXTENSION] = "alter_extension",
	[DIFF_CREATE_ENUM] = "create_enum",
	[DIFF_DROP_ENUM] = "drop_enum",
	[DIFF_ADD_ENUM_VALUE] = "add_enum_value",
	[DIFF_RENAME_ENUM_VALUE] = "rename_enum_value",
	[DIFF_REBUILD_ENUM] = "rebuild_enum",
	[DIFF_CREATE_SEQUENCE] = "create_sequence",
	[DIFF_DROP_SEQUENCE] = "drop_sequence",
	[DIFF_ALTER_SEQUENCE] = "alter_sequence",
	[DIFF_CREATE_FUNCTION] = "create_function",
	[DIFF_DROP_FUNCTION] = "drop_function",
	[DIFF_REPLACE_FUNCTION] = "replace_function",
	[DIFF_CREATE_TABLE] = "create_table",
	[DIFF_DROP_TABLE] = "drop_table",
	[DIFF_RENAME_TABLE] = "rename_table",
	[DIFF_REBUILD_TABLE] = "rebuild_table",
	[DIFF_ALTER_TABLE] = "alter_table",
	[DIFF_REORDER_COLUMNS] = "reorder_columns",
	[DIFF_ADD_COLUMN] = "add_column",
	[DIFF_DROP_COLUMN] = "drop_column",
	[DIFF_RENAME_COLUMN] = "rename_column",
	[DIFF_ALTER_COLUMN] = "alter_column",
	[DIFF_ADD_PRIMARY_KEY] = "add_primary_key",
	[DIFF_DROP_PRIMARY_KEY] = "drop_primary_key",
	[DIFF_ADD_UNIQUE] = "add_unique",
	[DIFF_DROP_UNIQUE] = "drop_unique",
	[DIFF_ADD_CHECK] = "add_check",
	[DIFF_DROP_CHECK] = "drop_check",
	[DIFF_ADD_FK] = "add_foreign_key",
	[DIFF_DROP_FK] = "drop_foreign_key",
	[DIFF_RENAME_CONSTRAINT] = "rename_constraint",
	[DIFF_RENAME_SEQUENCE] = "rename_sequence",
	[DIFF_CREATE_INDEX] = "create_index",
	[DIFF_DROP_INDEX] = "drop_index",
	[DIFF_CREATE_VIEW] = "create_view",
	[DIFF_DROP_VIEW] = "drop_view",
	[DIFF_CREATE_TRIGGER] = "create_trigger",
	[DIFF_DROP_TRIGGER] = "drop_trigger",
	[DIFF_SET_COMMENT] = "set_comment",
	[DIFF_CREATE_POLICY] = "create_policy",
	[DIFF_DROP_POLICY] = "drop_policy",
	[DIFF_ALTER_ROW_SECURITY] = "alter_row_security",
	[DIFF_CREATE_TYPE] = "create_type",
	[DIFF_DROP_TYPE] = "drop_type",
	[DIFF_ALTER_TYPE] = "alter_type",
	[DIFF_ADD_EXCLUDE] = "add_exclude",
	[DIFF_DROP_EXCLUDE] = "drop_exclude",
	[DIFF_CREATE_COLLATION] = "create_collation",
	[DIFF_DROP_COLLATION] = "drop_collation",
	[DIFF_CREATE_STATISTICS] = "create_statistics",
	[DIFF_DROP_STATISTICS] = "drop_statistics",
};

const char *diff_kind_name(enum diff_kind k)
{
	return (unsigned)k < DIFF_KIND_COUNT && kind_names[k] ? kind_names[k] : "unknown";
}

/* ---- small helpers ------------------------------------------------------- */

int diff_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int casecmp(const char *a, const char *b)
{
	while (*a && diff_lower((unsigned char)*a) == diff_lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return diff_lower((unsigned char)*a) - diff_lower((unsigned char)*b);
}

/* Names as the engine compares them; two NULLs are equal. */
int name_eq(const struct diff *d, const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return d->engine == SCHEMA_SQLITE ? !casecmp(a, b) : !strcmp(a, b);
}

char *diff_detach(struct ctx *x, struct sbuf *sb)
{
	char *s = sbuf_detach(sb);

	if (!s)
		x->oom = 1;
	return s;
}

/* A qualified display name: the schema only when it is not "public". */
void diff_add_display(struct sbuf *sb, const char *nsp, const char *name)
{
	if (nsp && strcmp(nsp, "public") != 0) {
		sbuf_adds(sb, nsp);
		sbuf_addc(sb, '.');
	}
	sbuf_adds(sb, name ? name : "?");
}

static void add_list(struct sbuf *sb, const struct schema_names *l)
{
	size_t i;

	sbuf_addc(sb, '(');
	for (i = 0; i < l->n; i++) {
		if (i)
			sbuf_adds(sb, ", ");
		sbuf_adds(sb, l->v[i]);
	}
	sbuf_addc(sb, ')');
}

struct diff_change *diff_add(struct ctx *x, enum diff_kind kind, int phase, int cls)
{
	struct diff *d = x->d;
	struct diff_change *c;

	if (x->oom)
		return NULL;
	if (d->n == d->alloc_) {
		size_t na = d->alloc_ ? d->alloc_ * 2 : 32;
		struct diff_change *nv = realloc(d->v, na * sizeof *nv);
		if (!nv) {
			x->oom = 1;
			return NULL;
		}
		d->v = nv;
		d->alloc_ = na;
	}
	c = &d->v[d->n++];
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->phase = phase;
	c->cls = cls;
	c->seq = d->seq_++;
	return c;
}

void diff_set_note(struct ctx *x, struct diff_change *c, const char *fmt, ...)
{
	struct sbuf sb = SBUF_INIT;
	va_list ap;

	if (!c)
		return;
	va_start(ap, fmt);
	sbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(c->note);
	c->note = diff_detach(x, &sb);
}

void diff_set_owner(struct ctx *x, struct diff_change *c, const char *owner)
{
	if (!c || !owner)
		return;
	if (!(c->owner = strdup(owner)))
		x->oom = 1;
}

/* ---- SQL as tokens --------------------------------------------------------- */

/* The canonical spelling of a token: names folded as the engine folds them,
 * a quoted name reduced to the name, anything else as written. */
static void canon(int engine, const char *sql, const struct schema_tok *t, struct sbuf *out)
{
	size_t i;

	sbuf_reset(out);
	if (t->type == SCHEMA_TK_QUOTED) {
		char *n = schema_tok_name(sql, t);
		if (!n) {
			out->failed = 1;
			return;
		}
		if (engine == SCHEMA_SQLITE)
			for (i = 0; n[i]; i++)
				n[i] = (char)diff_lower((unsigned char)n[i]);
		sbuf_adds(out, n);
		free(n);
		return;
	}
	if (t->type == SCHEMA_TK_WORD) {
		for (i = 0; i < t->len; i++)
			sbuf_addc(out, (char)diff_lower((unsigned char)sql[t->start + i]));
		return;
	}
	sbuf_add(out, sql + t->start, t->len);
}

/* The canonical form of a stored name (already folded on PostgreSQL). */
static void canon_name(int engine, const char *name, struct sbuf *out)
{
	size_t i;

	sbuf_reset(out);
	if (engine == SCHEMA_SQLITE) {
		for (i = 0; name[i]; i++)
			sbuf_addc(out, (char)diff_lower((unsigned char)name[i]));
	} else {
		sbuf_adds(out, name);
	}
}

int diff_is_ident(const struct schema_tok *t)
{
	return t->type == SCHEMA_TK_WORD || t->type == SCHEMA_TK_QUOTED;
}

/* The B name of A's column `canonical` in pair p, or NULL when p keeps it. */
static const char *renamed_to(int engine, const struct diff_table *p, const char *canonical)
{
	struct sbuf cn = SBUF_INIT;
	const char *res = NULL;
	size_t j;

	if (!p || !p->a || !p->b || !p->from)
		return NULL;
	for (j = 0; j < p->b->ncolumns && !res; j++) {
		const struct schema_column *ca = p->from[j];
		if (!ca)
			continue;
		canon_name(engine, ca->name, &cn);
		if (strcmp(cn.buf, canonical) != 0)
			continue;
		if (engine == SCHEMA_SQLITE ? casecmp(ca->name, p->b->columns[j].name)
		                            : strcmp(ca->name, p->b->columns[j].name))
			res = p->b->columns[j].name;
		break;
	}
	sbuf_release(&cn);
	return res;
}

int diff_sql_equal(int engine, const char *a, const char *b, const struct diff_table *rename)
{
	struct sbuf ca = SBUF_INIT, cb = SBUF_INIT;
	struct schema_tok ta, tb;
	size_t pa = 0, pb = 0, la, lb;
	int eq = 1;

	if (!a || !b)
		return a == b;
	la = strlen(a);
	lb = strlen(b);
	for (;;) {
		schema_tok_next(a, la, &pa, &ta);
		schema_tok_next(b, lb, &pb, &tb);
		if (ta.type == SCHEMA_TK_END || tb.type == SCHEMA_TK_END) {
			eq = ta.type == tb.type;
			break;
		}
		if (diff_is_ident(&ta) != diff_is_ident(&tb) || (!diff_is_ident(&ta) && ta.type != tb.type)) {
			eq = 0;
			break;
		}
		canon(engine, a, &ta, &ca);
		canon(engine, b, &tb, &cb);
		if (rename && diff_is_ident(&ta)) {
			const char *nn = renamed_to(engine, rename, ca.buf);
			if (nn)
				canon_name(engine, nn, &ca);
		}
		if (strcmp(ca.buf, cb.buf) != 0) {
			eq = 0;
			break;
		}
	}
	sbuf_release(&ca);
	sbuf_release(&cb);
	return eq;
}

int diff_sql_mentions(int engine, const char *sql, const char *name)
{
	struct sbuf c = SBUF_INIT, want = SBUF_INIT;
	struct schema_tok t;
	size_t pos = 0, len;
	int found = 0;

	if (!sql || !name)
		return 0;
	len = strlen(sql);
	canon_name(engine, name, &want);
	for (;;) {
		schema_tok_next(sql, len, &pos, &t);
		if (t.type == SCHEMA_TK_END)
			break;
		if (!diff_is_ident(&t))
			continue;
		canon(engine, sql, &t, &c);
		if (!strcmp(c.buf, want.buf)) {
			found = 1;
			break;
		}
	}
	sbuf_release(&c);
	sbuf_release(&want);
	return found;
}

/* ---- table pairs ------------------------------------------------------------ */

static struct diff_table *add_pair(struct ctx *x, const struct schema_table *a,
                                   const struct schema_table *b)
{
	struct diff *d = x->d;
	struct diff_table *p;

	if (x->oom)
		return NULL;
	if (d->npairs == d->pairs_alloc_) {
		size_t na = d->pairs_alloc_ ? d->pairs_alloc_ * 2 : 16;
		struct diff_table **nv = realloc(d->pairs, na * sizeof *nv);
		if (!nv) {
			x->oom = 1;
			return NULL;
		}
		d->pairs = nv;
		d->pairs_alloc_ = na;
	}
	if (!(p = calloc(1, sizeof *p))) {
		x->oom = 1;
		return NULL;
	}
	p->a = a;
	p->b = b;
	p->rows = -1;
	if (a && b && b->ncolumns && !(p->from = calloc(b->ncolumns, sizeof *p->from))) {
		free(p);
		x->oom = 1;
		return NULL;
	}
	d->pairs[d->npairs++] = p;
	return p;
}

/*
 * From a table to its position (in its schema, or of its pair in d->pairs):
 * entries sorted by the table's address and found by binary search, so
 * that the lookups every foreign key and index makes stay logarithmic on a
 * schema of thousands of tables. Any order of the addresses does: each
 * table appears once, so a lookup has one answer, whatever the order.
 */
struct diff_ptr_pos {
	uintptr_t key;
	size_t pos;
};

static int cmp_ptr_pos(const void *x, const void *y)
{
	const struct diff_ptr_pos *a = x, *b = y;

	return a->key < b->key ? -1 : a->key > b->key;
}

/* The position recorded for table t, or (size_t)-1. */
static size_t ptr_pos_find(const struct diff_ptr_pos *v, size_t n, const struct schema_table *t)
{
	uintptr_t key = (uintptr_t)t;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return t && lo < n && v[lo].key == key ? v[lo].pos : (size_t)-1;
}

/* The tables of s by address: a new array (free()), NULL when out of memory. */
static struct diff_ptr_pos *tables_by_address(const struct schema *s)
{
	struct diff_ptr_pos *v = malloc((s->ntables + 1) * sizeof *v);
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < s->ntables; i++) {
		v[i].key = (uintptr_t)s->tables[i];
		v[i].pos = i;
	}
	if (s->ntables > 1)
		qsort(v, s->ntables, sizeof *v, cmp_ptr_pos);
	return v;
}

/* Index the pairs by their A and by their B table, once pairing is done. */
static void index_pairs(struct ctx *x)
{
	struct diff *d = x->d;
	size_t i;

	d->by_a_ = malloc((d->npairs + 1) * sizeof *d->by_a_);
	d->by_b_ = malloc((d->npairs + 1) * sizeof *d->by_b_);
	if (!d->by_a_ || !d->by_b_) {
		x->oom = 1;
		return;
	}
	d->nby_a_ = d->nby_b_ = 0;
	for (i = 0; i < d->npairs; i++) {
		const struct diff_table *p = d->pairs[i];
		if (p->a)
			d->by_a_[d->nby_a_++] = (struct diff_ptr_pos){ (uintptr_t)p->a, i };
		if (p->b)
			d->by_b_[d->nby_b_++] = (struct diff_ptr_pos){ (uintptr_t)p->b, i };
	}
	if (d->nby_a_ > 1)
		qsort(d->by_a_, d->nby_a_, sizeof *d->by_a_, cmp_ptr_pos);
	if (d->nby_b_ > 1)
		qsort(d->by_b_, d->nby_b_, sizeof *d->by_b_, cmp_ptr_pos);
}

/* The pair of A's table a (each table of A is in exactly one pair). */
static struct diff_table *pair_of_a(const struct diff *d, const struct schema_table *a)
{
	size_t i = ptr_pos_find(d->by_a_, d->nby_a_, a);

	return i == (size_t)-1 ? NULL : d->pairs[i];
}

/* The pair of A's table nsp.name (for references by name). */
struct diff_table *diff_pair_of_a_name(const struct diff *d, const char *nsp, const char *name)
{
	const struct schema_table *t = schema_find_table(d->a, nsp, name);

	return t ? pair_of_a(d, t) : NULL;
}

/* The pair of B's table nsp.name, the schema compared as it is (NULL only
 * matches NULL). A model's tables have distinct names, as in the engine's
 * catalog, so the table found is the only candidate. */
struct diff_table *diff_pair_of_b_name(const struct diff *d, const char *nsp, const char *name)
{
	const struct schema_table *t = schema_find_table(d->b, nsp, name);
	size_t i;

	if (!t || !name_eq(d, t->schema, nsp))
		return NULL;
	i = ptr_pos_find(d->by_b_, d->nby_b_, t);
	return i == (size_t)-1 ? NULL : d->pairs[i];
}

static int table_renamed(const struct diff *d, const struct diff_table *p)
{
	return p->a && p->b && (!name_eq(d, p->a->name, p->b->name) ||
	                        !name_eq(d, p->a->schema, p->b->schema));
}

static void pair_tables(struct ctx *x)
{
	const struct diff *d = x->d;
	size_t i, j;
	unsigned char *used = calloc(d->a->ntables + 1, 1);
	struct diff_ptr_pos *pos_a = tables_by_address(d->a);

	if (!used || !pos_a) {
		x->oom = 1;
		goto out;
	}
	for (i = 0; i < d->b->ntables; i++) {
		const struct schema_table *tb = d->b->tables[i], *ta;
		const char *old;

		ta = schema_find_table(d->a, tb->schema, tb->name);
		if (!ta && (old = diff_hint_from(x, tb->schema, tb->name, NULL, NULL)) != NULL) {
			ta = schema_find_table(d->a, tb->schema, old);
			/* A hint whose old table is still in B is stale: ignore it. */
			if (ta && schema_find_table(d->b, tb->schema, old))
				ta = NULL;
		}
		j = ptr_pos_find(pos_a, d->a->ntables, ta);
		if (j != (size_t)-1) {
			if (used[j])
				ta = NULL;
			else
				used[j] = 1;
		}
		if (ta && (ta->virtual_table || tb->virtual_table) &&
		    !(ta->virtual_table && tb->virtual_table)) {
			/* A plain table became virtual or the reverse: drop, create. */
			used[j] = 0;
			ta = NULL;
		}
		add_pair(x, ta, tb);
	}
	for (j = 0; j < d->a->ntables; j++)
		if (!used[j])
			add_pair(x, d->a->tables[j], NULL);
out:
	free(used);
	free(pos_a);
}

/* Pair the columns of p: by name, then by hint. */
static void pair_columns(struct ctx *x, struct diff_table *p)
{
	const struct diff *d = x->d;
	int nc = d->engine == SCHEMA_SQLITE;
	size_t i, j;

	for (j = 0; j < p->b->ncolumns; j++)
		p->from[j] = table_find_column_ex(p->a, p->b->columns[j].name, nc);
	for (j = 0; j < p->b->ncolumns; j++) {
		const char *old;
		const struct schema_column *ca;

		if (p->from[j])
			continue;
		old = diff_hint_from(x, p->b->schema, p->b->name, p->b->columns[j].name, p->a->name);
		if (!old || !(ca = table_find_column_ex(p->a, old, nc)))
			continue;
		/* Stale when the old column is still in B, or already taken. */
		if (table_find_column_ex(p->b, old, nc))
			continue;
		for (i = 0; i < p->b->ncolumns; i++)
			if (p->from[i] == ca)
				break;
		if (i == p->b->ncolumns)
			p->from[j] = ca;
	}
}

/* The name in B of A's column `name` of pair p; NULL when dropped. For a
 * pair without a B side, the name itself. */
const char *diff_col_to_b(const struct diff *d, const struct diff_table *p, const char *name)
{
	size_t j;

	if (!p || !p->b)
		return name;
	if (!p->a || p->b->part_of)
		return name; /* a partition's columns are its parent's (schema.h) */
	for (j = 0; j < p->b->ncolumns; j++)
		if (p->from[j] && name_eq(d, p->from[j]->name, name))
			return p->b->columns[j].name;
	return NULL;
}

/* A's column list mapped to B names equals B's list. */
static int names_equal_mapped(const struct diff *d, const struct diff_table *p,
                              const struct schema_names *a, const struct schema_names *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++) {
		const char *n = diff_col_to_b(d, p, a->v[i]);
		if (!n || !name_eq(d, n, b->v[i]))
			return 0;
	}
	return 1;
}

/* ---- comparing columns -------------------------------------------------------- */

/* Types: SQLite compares declared types without case or spacing; PostgreSQL
 * compares format_type() text exactly. */
static int type_eq(const struct diff *d, const char *a, const char *b)
{
	if (d->engine != SCHEMA_SQLITE)
		return !strcmp(a ? a : "", b ? b : "");
	return diff_sql_equal(SCHEMA_SQLITE, a ? a : "", b ? b : "", NULL);
}

/* SQLite's affinity of a declared type (datatype3.html, 3.1). */
enum aff { AFF_BLOB, AFF_TEXT, AFF_NUMERIC, AFF_INTEGER, AFF_REAL };

static int contains_ci(const char *s, const char *w)
{
	size_t n = strlen(w), i, k;

	for (i = 0; s[i]; i++) {
		for (k = 0; k < n && s[i + k] && diff_lower((unsigned char)s[i + k]) == diff_lower((unsigned char)w[k]); k++)
			;
		if (k == n)
			return 1;
	}
	return 0;
}

static enum aff affinity(const char *type)
{
	if (!type || !*type)
		return AFF_BLOB;
	if (contains_ci(type, "INT"))
		return AFF_INTEGER;
	if (contains_ci(type, "CHAR") || contains_ci(type, "CLOB") || contains_ci(type, "TEXT"))
		return AFF_TEXT;
	if (contains_ci(type, "BLOB"))
		return AFF_BLOB;
	if (contains_ci(type, "REAL") || contains_ci(type, "FLOA") || contains_ci(type, "DOUB"))
		return AFF_REAL;
	if (!casecmp(type, "ANY"))
		return AFF_BLOB;
	return AFF_NUMERIC;
}

/* PostgreSQL: the rank of a numeric type in its family, 0 when not numeric. */
static int pg_int_rank(const char *t)
{
	if (!strcmp(t, "smallint"))
		return 1;
	if (!strcmp(t, "integer"))
		return 2;
	if (!strcmp(t, "bigint"))
		return 3;
	return 0;
}

/* "character varying(20)" -> 20; -1 when the type has no length. */
static long pg_length(const char *t, const char *base)
{
	size_t n = strlen(base);

	if (strncmp(t, base, n) != 0)
		return -2;
	if (t[n] == '\0')
		return -1;
	if (t[n] != '(')
		return -2;
	return strtol(t + n + 1, NULL, 10);
}

/* Classify a type change: cls and a note phrase. */
static int classify_type(const struct diff *d, const struct schema_table *tb, const char *from,
                         const char *to, const char **why)
{
	if (d->engine == SCHEMA_SQLITE) {
		enum aff fa = affinity(from), ta = affinity(to);

		if (fa == ta && !tb->strict) {
			*why = "the declared type changes, its affinity does not";
			return STRATA_CHANGE_SAFE;
		}
		if ((fa == AFF_TEXT || fa == AFF_BLOB) &&
		    (ta == AFF_INTEGER || ta == AFF_REAL || ta == AFF_NUMERIC)) {
			*why = "narrowing: text that looks like a number is converted ('007' becomes 7)";
			return STRATA_CHANGE_DESTRUCTIVE;
		}
		if ((fa == AFF_INTEGER || fa == AFF_NUMERIC) && ta == AFF_REAL) {
			*why = "narrowing: integers beyond 2^53 lose precision as REAL";
			return STRATA_CHANGE_DESTRUCTIVE;
		}
		*why = tb->strict ? "type change: fails on values the new type does not accept"
		                  : "type change: values are stored with the new affinity";
		return STRATA_CHANGE_DATA_DEPENDENT;
	}
	{
		int rf = pg_int_rank(from), rt = pg_int_rank(to);
		long lf, lt;

		if (rf && rt) {
			*why = rt > rf ? "widening" : "narrowing: fails on values out of the new range";
			return rt > rf ? STRATA_CHANGE_SAFE : STRATA_CHANGE_DATA_DEPENDENT;
		}
		if ((!strcmp(from, "numeric") || !strncmp(from, "numeric(", 8) ||
		     !strcmp(from, "double precision") || !strcmp(from, "real")) && rt) {
			*why = "narrowing: fractions are rounded away";
			return STRATA_CHANGE_DESTRUCTIVE;
		}
		if (!strcmp(from, "double precision") && !strcmp(to, "real")) {
			*why = "narrowing: precision is lost";
			return STRATA_CHANGE_DESTRUCTIVE;
		}
		if (!strncmp(from, "numeric(", 8) && !strncmp(to, "numeric(", 8)) {
			long pf = strtol(from + 8, NULL, 10), pt = strtol(to + 8, NULL, 10);
			const char *sf = strchr(from, ','), *st = strchr(to, ',');
			long scf = sf ? strtol(sf + 1, NULL, 10) : 0, sct = st ? strtol(st + 1, NULL, 10) : 0;
			if (sct < scf) {
				*why = "narrowing: digits after the point are rounded away";
				return STRATA_CHANGE_DESTRUCTIVE;
			}
			if (pt - sct < pf - scf) {
				*why = "narrowing: fails on values too large for the new precision";
				return STRATA_CHANGE_DATA_DEPENDENT;
			}
			*why = "widening";
			return STRATA_CHANGE_SAFE;
		}
		if ((!strcmp(to, "text") || (lt = pg_length(to, "character varying")) == -1) &&
		    (pg_length(from, "character varying") >= -1 || pg_length(from, "character") >= -1)) {
			*why = "widening";
			return STRATA_CHANGE_SAFE;
		}
		lf = pg_length(from, "character varying");
		lt = pg_length(to, "character varying");
		if (lt > 0 && (lf == -1 || lf > lt || !strcmp(from, "text"))) {
			*why = "narrowing: fails on values longer than the new length";
			return STRATA_CHANGE_DATA_DEPENDENT;
		}
		if (lf > 0 && lt > lf) {
			*why = "widening";
			return STRATA_CHANGE_SAFE;
		}
		if (rf && (!strcmp(to, "numeric") || !strcmp(to, "double precision"))) {
			*why = "widening";
			return STRATA_CHANGE_SAFE;
		}
		*why = "type change: fails on values that do not convert";
		return STRATA_CHANGE_DATA_DEPENDENT;
	}
}

static int collation_eq(const struct diff *d, const char *a, const char *b)
{
	if (d->engine == SCHEMA_SQLITE) {
		/* No COLLATE is BINARY. */
		if (!a)
			a = "BINARY";
		if (!b)
			b = "BINARY";
		return !casecmp(a, b);
	}
	return name_eq(d, a, b);
}

/* 1 when the column is in a unique constraint or unique index of t (B side). */
static int column_unique(const struct diff *d, const struct schema *s, const struct schema_table *t,
                         const char *col)
{
	size_t i, k;

	if (t->pk.columns.n && table_pk_position(t, col))
		return 1;
	for (i = 0; i < t->nuniques; i++)
		for (k = 0; k < t->uniques[i].columns.n; k++)
			if (name_eq(d, t->uniques[i].columns.v[k], col))
				return 1;
	for (i = 0; i < s->nindexes; i++) {
		const struct schema_index *ix = s->indexes[i];
		if (!ix->unique || !name_eq(d, ix->table, t->name) || !name_eq(d, ix->schema, t->schema))
			continue;
		for (k = 0; k < ix->nkeys; k++)
			if (ix->keys[k].column && name_eq(d, ix->keys[k].column, col))
				return 1;
	}
	return 0;
}

static void display_table(struct sbuf *sb, const struct schema_table *t)
{
	diff_add_display(sb, t->schema, t->name);
}

char *diff_obj_column(struct ctx *x, const struct schema_table *t, const char *col)
{
	struct sbuf sb = SBUF_INIT;

	display_table(&sb, t);
	sbuf_addc(&sb, '.');
	sbuf_adds(&sb, col);
	return diff_detach(x, &sb);
}

static char *obj_table(struct ctx *x, const struct schema_table *t)
{
	struct sbuf sb = SBUF_INIT;

	display_table(&sb, t);
	return diff_detach(x, &sb);
}

static char *obj_constraint(struct ctx *x, const struct schema_table *t, const char *what,
                            const char *name, const struct schema_names *cols, const char *tail)
{
	struct sbuf sb = SBUF_INIT;

	display_table(&sb, t);
	sbuf_addc(&sb, ' ');
	if (name) {
		sbuf_adds(&sb, "constraint ");
		sbuf_adds(&sb, name);
	} else {
		sbuf_adds(&sb, what);
		if (cols) {
			sbuf_addc(&sb, ' ');
			add_list(&sb, cols);
		}
		if (tail)
			sbuf_adds(&sb, tail);
	}
	return diff_detach(x, &sb);
}

/*
 * A table's changes come in this order, which PostgreSQL needs: column
 * renames (everything after speaks of B's names), dropped constraints
 * (before the columns under them change or go: dropping a column would
 * take its constraints along, and a CHECK may not hold under a new type),
 * added and altered columns, constraint renames and additions, and last
 * the dropped columns. part 0 makes the renames, 1 the additions and
 * alterations, 2 the drops.
 */
static void column_changes(struct ctx *x, struct diff_table *p, int part)
{
	const struct diff *d = x->d;
	const struct schema_table *ta = p->a, *tb = p->b;
	const char *owner = tb->name;
	struct diff_change *c;
	size_t i, j;
	long last = -1;
	int reordered = 0;

	if (part == 2)
		goto drops;
	if (part == 1)
		goto adds;
	for (j = 0; j < tb->ncolumns; j++) {
		const struct schema_column *ca = p->from[j], *cb = &tb->columns[j];
		if (!ca || name_eq(d, ca->name, cb->name))
			continue;
		if ((c = diff_add(x, DIFF_RENAME_COLUMN, DIFF_P_ALTER_TABLE, STRATA_CHANGE_SAFE))) {
			c->pair = p;
			c->ca = ca;
			c->cb = cb;
			c->object = diff_obj_column(x, tb, cb->name);
			diff_set_note(x, c, "renamed from %s", ca->name);
			diff_set_owner(x, c, owner);
		}
		p->changed = 1;
	}
	return;
adds:
	for (j = 0; j < tb->ncolumns; j++) {
		const struct schema_column *ca = p->from[j], *cb = &tb->columns[j];
		if (ca)
			continue;
		p->changed = 1;
		if (!(c = diff_add(x, DIFF_ADD_COLUMN, DIFF_P_ALTER_TABLE, STRATA_CHANGE_SAFE)))
			continue;
		c->pair = p;
		c->cb = cb;
		c->object = diff_obj_column(x, tb, cb->name);
		diff_set_owner(x, c, owner);
		if (cb->not_null && !cb->default_sql && !cb->generated &&
		    cb->identity == SCHEMA_IDENTITY_NONE) {
			c->cls = STRATA_CHANGE_DATA_DEPENDENT;
			diff_set_note(x, c, "NOT NULL without a default: fails if %s has rows", tb->name);
		}
	}
	for (j = 0; j < tb->ncolumns; j++) {
		const struct schema_column *ca = p->from[j], *cb = &tb->columns[j];
		unsigned what = 0;
		int cls = STRATA_CHANGE_SAFE;
		const char *why = NULL;
		struct sbuf note = SBUF_INIT;

		if (!ca)
			continue;
		if (d->engine == SCHEMA_SQLITE) {
			long pos = (long)(ca - ta->columns);
			if (pos < last)
				reordered = 1;
			last = pos;
		}
		if (!type_eq(d, ca->type, cb->type)) {
			what |= DIFF_COL_TYPE;
			cls = classify_type(d, tb, ca->type, cb->type, &why);
			sbuf_addf(&note, "%s -> %s: %s", *ca->type ? ca->type : "(none)",
			          *cb->type ? cb->type : "(none)", why);
		}
		if (ca->not_null != cb->not_null) {
			what |= DIFF_COL_NULL;
			if (cb->not_null) {
				if (cls < STRATA_CHANGE_DATA_DEPENDENT)
					cls = STRATA_CHANGE_DATA_DEPENDENT;
				sbuf_addf(&note, "%sSET NOT NULL: fails if %s.%s has NULLs", note.len ? "; " : "",
				          tb->name, cb->name);
			} else {
				sbuf_addf(&note, "%sDROP NOT NULL", note.len ? "; " : "");
			}
		}
		if (!diff_sql_equal(d->engine, ca->default_sql, cb->default_sql, NULL)) {
			what |= DIFF_COL_DEFAULT;
			sbuf_addf(&note, "%sdefault %s -> %s", note.len ? "; " : "",
			          ca->default_sql ? ca->default_sql : "none",
			          cb->default_sql ? cb->default_sql : "none");
		}
		if (!collation_eq(d, ca->collation, cb->collation)) {
			what |= DIFF_COL_COLLATE;
			if (column_unique(d, d->b, tb, cb->name) && cls < STRATA_CHANGE_DATA_DEPENDENT)
				cls = STRATA_CHANGE_DATA_DEPENDENT;
			sbuf_addf(&note, "%scollation %s -> %s", note.len ? "; " : "",
			          ca->collation ? ca->collation : "default",
			          cb->collation ? cb->collation : "default");
		}
		if ((ca->generated == NULL) != (cb->generated == NULL) ||
		    (ca->generated && !diff_sql_equal(d->engine, ca->generated, cb->generated, p)) ||
		    (ca->generated && ca->generated_stored != cb->generated_stored)) {
			what |= DIFF_COL_GENERATED;
			if (cb->generated && !ca->generated) {
				cls = STRATA_CHANGE_DESTRUCTIVE;
				sbuf_addf(&note, "%sbecomes generated: its stored values are replaced",
				          note.len ? "; " : "");
			} else {
				sbuf_addf(&note, "%sgenerated expression changes", note.len ? "; " : "");
			}
		}
		if (ca->storage != cb->storage || ca->compression != cb->compression ||
		    ca->has_stats_target != cb->has_stats_target ||
		    (cb->has_stats_target && ca->stats_target != cb->stats_target)) {
			what |= DIFF_COL_STORAGE;
			sbuf_addf(&note, "%sstorage, compression or statistics target changes",
			          note.len ? "; " : "");
		}
		if (ca->identity != cb->identity) {
			what |= DIFF_COL_IDENTITY;
			sbuf_addf(&note, "%sidentity changes", note.len ? "; " : "");
		} else if (cb->identity != SCHEMA_IDENTITY_NONE &&
		           !schema_identity_opts_equal(&ca->ident, ca->type, &cb->ident, cb->type)) {
			what |= DIFF_COL_IDENTITY;
			sbuf_addf(&note, "%sidentity options change", note.len ? "; " : "");
		}
		if (!what) {
			sbuf_release(&note);
			continue;
		}
		p->changed = 1;
		if ((c = diff_add(x, DIFF_ALTER_COLUMN, DIFF_P_ALTER_TABLE, cls))) {
			c->pair = p;
			c->ca = ca;
			c->cb = cb;
			c->what = what;
			c->object = diff_obj_column(x, tb, cb->name);
			c->note = diff_detach(x, &note);
			diff_set_owner(x, c, owner);
		} else {
			sbuf_release(&note);
		}
	}
	if (reordered) {
		p->changed = 1;
		if ((c = diff_add(x, DIFF_REORDER_COLUMNS, DIFF_P_ALTER_TABLE, STRATA_CHANGE_SAFE))) {
			c->pair = p;
			c->object = obj_table(x, tb);
			diff_set_note(x, c, "the columns' order changes");
			diff_set_owner(x, c, owner);
		}
	}
	return;
drops:
	/* Columns of A that no column of B comes from. */
	for (i = 0; i < ta->ncolumns; i++) {
		const struct schema_column *ca = &ta->columns[i];
		for (j = 0; j < tb->ncolumns; j++)
			if (p->from[j] == ca)
				break;
		if (j < tb->ncolumns)
			continue;
		p->changed = 1;
		if ((c = diff_add(x, DIFF_DROP_COLUMN, DIFF_P_ALTER_TABLE, STRATA_CHANGE_DESTRUCTIVE))) {
			c->pair = p;
			c->ca = ca;
			c->object = diff_obj_column(x, ta, ca->name);
			diff_set_note(x, c, "drops column %s.%s and its values", ta->name, ca->name);
			diff_set_owner(x, c, owner);
		}
	}
}

/* ---- comparing constraints ----------------------------------------------------- */

static int pk_eq(const struct diff *d, const struct diff_table *p, int ignore_name)
{
	const struct schema_pk *a = &p->a->pk, *b = &p->b->pk;

	if (!names_equal_mapped(d, p, &a->columns, &b->columns) ||
	    !names_equal_mapped(d, p, &a->include, &b->include))
		return 0;
	if (a->autoincrement != b->autoincrement)
		return 0;
	if (a->deferrable != b->deferrable || a->initially_deferred != b->initially_deferred)
		return 0;
	return ignore_name || name_eq(d, a->name, b->name);
}

static int unique_eq(const struct diff *d, const struct diff_table *p, const struct schema_unique *a,
                     const struct schema_unique *b, int ignore_name)
{
	return (ignore_name || name_eq(d, a->name, b->name)) &&
	       names_equal_mapped(d, p, &a->columns, &b->columns) &&
	       a->deferrable == b->deferrable && a->initially_deferred == b->initially_deferred &&
	       a->nulls_not_distinct == b->nulls_not_distinct &&
	       names_equal_mapped(d, p, &a->include, &b->include);
}

int check_eq(const struct diff *d, const struct diff_table *p, const struct schema_check *a,
             const struct schema_check *b, int ignore_name)
{
	return (ignore_name || name_eq(d, a->name, b->name)) &&
	       diff_sql_equal(d->engine, a->expression, b->expression, p) &&
	       a->no_inherit == b->no_inherit && a->not_valid == b->not_valid;
}

static const struct diff_table *fk_target(const struct diff *d, const struct schema_fk *fk,
                                          const struct schema_table *holder)
{
	const char *nsp = fk->ref_schema ? fk->ref_schema : holder->schema;

	return diff_pair_of_a_name(d, nsp, fk->ref_table);
}

static int fk_eq(const struct diff *d, const struct diff_table *p, const struct schema_fk *a,
                 const struct schema_fk *b, int ignore_name)
{
	const struct diff_table *rp = fk_target(d, a, p->a);
	const char *ref_name = a->ref_table, *ref_nsp = a->ref_schema;
	size_t i;

	if ((!ignore_name && !name_eq(d, a->name, b->name)) ||
	    !names_equal_mapped(d, p, &a->columns, &b->columns))
		return 0;
	if (rp && rp->b) {
		ref_name = rp->b->name;
		if (a->ref_schema)
			ref_nsp = rp->b->schema;
	}
	if (!name_eq(d, ref_name, b->ref_table) || !name_eq(d, ref_nsp, b->ref_schema))
		return 0;
	if (a->ref_columns.n != b->ref_columns.n)
		return 0;
	for (i = 0; i < a->ref_columns.n; i++) {
		const char *n = rp && rp->b ? diff_col_to_b(d, rp, a->ref_columns.v[i]) : a->ref_columns.v[i];
		if (!n || !name_eq(d, n, b->ref_columns.v[i]))
			return 0;
	}
	return a->on_delete == b->on_delete && a->on_update == b->on_update &&
	       a->deferrable == b->deferrable && a->initially_deferred == b->initially_deferred &&
	       a->match_full == b->match_full && a->not_valid == b->not_valid;
}

static char *obj_fk(struct ctx *x, const struct schema_table *t, const struct schema_fk *fk)
{
	struct sbuf tail = SBUF_INIT;
	char *s;

	sbuf_adds(&tail, " -> ");
	diff_add_display(&tail, fk->ref_schema, fk->ref_table);
	if (fk->ref_columns.n)
		add_list(&tail, &fk->ref_columns);
	s = obj_constraint(x, t, "foreign key", fk->name, &fk->columns, tail.buf);
	sbuf_release(&tail);
	return s;
}

char *diff_obj_check(struct ctx *x, const struct schema_table *t, const struct schema_check *k)
{
	struct sbuf tail = SBUF_INIT;
	char *s;

	sbuf_addf(&tail, " (%s)", k->expression ? k->expression : "");
	s = obj_constraint(x, t, "check", k->name, NULL, tail.buf);
	sbuf_release(&tail);
	return s;
}

static int fk_phase(const struct diff *d, int adding)
{
	/* SQLite has foreign keys only inside CREATE TABLE: they change with
	 * their table. PostgreSQL adds them after every table exists and drops
	 * them before anything they stand on goes. */
	if (d->engine == SCHEMA_SQLITE)
		return DIFF_P_ALTER_TABLE;
	return adding ? DIFF_P_ADD_FK : DIFF_P_DROP_FK;
}

/*
 * Match n_a constraints of A with n_b of B: m[i] is the B index of A's i-th,
 * or -1. Exact matches first; then, when rename is set, pairs equal but for
 * their names (renamed[i] = 1): PostgreSQL names constraints after their
 * table and columns, so a renamed table or column leaves them misnamed.
 */
typedef int (*eq_fn)(const struct diff *, const struct diff_table *, const void *, const void *, int);

static int eq_unique(const struct diff *d, const struct diff_table *p, const void *a, const void *b,
                     int ign)
{
	return unique_eq(d, p, a, b, ign);
}

static int eq_check(const struct diff *d, const struct diff_table *p, const void *a, const void *b,
                    int ign)
{
	return check_eq(d, p, a, b, ign);
}

static int eq_fk(const struct diff *d, const struct diff_table *p, const void *a, const void *b, int ign)
{
	return fk_eq(d, p, a, b, ign);
}

static int match(struct ctx *x, const struct diff_table *p, const void *va, size_t na, const void *vb,
                 size_t nb, size_t size, eq_fn eq, long **m_out, unsigned char **renamed_out)
{
	const char *a = va, *b = vb;
	long *m = malloc((na + 1) * sizeof *m);
	unsigned char *used = calloc(nb + 1, 1), *ren = calloc(na + 1, 1);
	size_t i, j;
	int pass;

	if (!m || !used || !ren) {
		free(m);
		free(used);
		free(ren);
		x->oom = 1;
		return -1;
	}
	for (i = 0; i < na; i++)
		m[i] = -1;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < na; i++) {
			if (m[i] >= 0)
				continue;
			for (j = 0; j < nb; j++) {
				if (used[j] || !eq(x->d, p, a + i * size, b + j * size, pass))
					continue;
				/* A rename needs both names (SQLite's are often absent);
				 * name is the first member of each constraint struct. */
				if (pass && (!*(char *const *)(a + i * size) || !*(char *const *)(b + j * size)))
					continue;
				m[i] = (long)j;
				used[j] = 1;
				ren[i] = (unsigned char)pass;
				break;
			}
		}
	}
	free(used);
	*m_out = m;
	*renamed_out = ren;
	return 0;
}

static int matched_b(const long *m, size_t na, size_t j)
{
	size_t i;

	for (i = 0; i < na; i++)
		if (m[i] == (long)j)
			return 1;
	return 0;
}

static void rename_constraint(struct ctx *x, struct diff_table *p, const char *from, const char *to,
                              const char *what)
{
	struct diff_change *c;
	struct sbuf sb = SBUF_INIT;

	p->changed = 1;
	if (!(c = diff_add(x, DIFF_RENAME_CONSTRAINT, DIFF_P_ALTER_TABLE, STRATA_CHANGE_SAFE)))
		return;
	c->pair = p;
	c->old_name = from;
	c->new_name = to;
	display_table(&sb, p->b);
	sbuf_addf(&sb, " constraint %s", to);
	c->object = diff_detach(x, &sb);
	diff_set_note(x, c, "%s renamed from %s", what, from);
	diff_set_owner(x, c, p->b->name);
}

/* part 0: drops; part 1: renames and additions. */
static void constraint_changes(struct ctx *x, struct diff_table *p, int part)
{
	const struct diff *d = x->d;
	const struct schema_table *ta = p->a, *tb = p->b;
	const char *owner = tb->name;
	struct diff_change *c;
	long *mu = NULL, *mk = NULL, *mf = NULL;
	unsigned char *ru = NULL, *rk = NULL, *rf = NULL;
	size_t i, j;
	int pk_same = pk_eq(d, p, 0), pk_renamed = !pk_same && pk_eq(d, p, 1) && ta->pk.name &&
	                                           tb->pk.name;

	if (match(x, p, ta->uniques, ta->nuniques, tb->uniques, tb->nuniques, sizeof *ta->uniques,
	          eq_unique, &mu, &ru) ||
	    match(x, p, ta->checks, ta->nchecks, tb->checks, tb->nchecks, sizeof *ta->checks, eq_check,
	          &mk, &rk) ||
	    match(x, p, ta->fks, ta->nfks, tb->fks, tb->nfks, sizeof *ta->fks, eq_fk, &mf, &rf))
		goto out;
	if (part == 1)
		goto adds;
	if (!pk_same && !pk_renamed) {
		p->changed = 1;
		if (ta->pk.columns.n &&
		    (c = diff_add(x, DIFF_DROP_PRIMARY_KEY, DIFF_P_ALTER_TABLE, STRATA_CHANGE_SAFE))) {
			c->pair = p;
			c->old_name = ta->pk.name;
			c->object = obj_constraint(x, ta, "primary key", NULL, &ta->pk.columns, NULL);
			diff_set_owner(x, c, owner);
		}
	}
	for (i = 0; i < ta->nuniques; i++) {
		if (mu[i] >= 0)
			continue;
		p->changed = 1;
		if ((c = diff_add(x, DIFF_DROP_UNIQUE, DIFF_P_ALTER_TABLE, STRATA_CHANGE_SAFE))) {
			c->pair = p;
			c->ua = &ta->uniques[i];
			c->object = obj_constraint(x, ta, "unique", ta->uniques[i].name,
			                           &ta->uniques[i].columns, NULL);
			diff_set_owner(x, c, owner);
		}
	}
	for (i = 0; i < ta->nchecks; i++) {
		if (mk[i] >= 0)
			continue;
		p->changed = 1;
		if ((c = diff_add(x, DIFF_DROP_CHECK, DIFF_P_ALTER_TABLE, STRATA_CHANGE_SAFE))) {
			c->pair = p;
			c->ka = &ta->checks[i];
			c->object = diff_obj_check(x, ta, &ta->checks[i]);
			diff_set_owner(x, c, owner);
		}
	}
	for (i = 0; i < ta->nfks; i++) {
		if (mf[i] >= 0)
			continue;
		p->changed = 1;
		if ((c = diff_add(x, DIFF_DROP_FK, fk_phase(d, 0), STRATA_CHANGE_SAFE))) {
			c->pair = p;
			c->fa = &ta->fks[i];
			c->fk_table = ta;
			c->object = obj_fk(x, ta, &ta->fks[i]);
			diff_set_owner(x, c, owner);
		}
	}
	goto out;
adds:
	if (pk_renamed)
		rename_constraint(x, p, ta->pk.name, tb->pk.name, "primary key");
	for (i = 0; i < ta->nuniques; i++)
		if (ru[i])
			rename_constraint(x, p, ta->uniques[i].name, tb->uniques[mu[i]].name, "unique");
	for (i = 0; i < ta->nchecks; i++)
		if (rk[i])
			rename_constraint(x, p, ta->checks[i].name, tb->checks[mk[i]].name, "check");
	for (i = 0; i < ta->nfks; i++)
		if (rf[i])
			rename_constraint(x, p, ta->fks[i].name, tb->fks[mf[i]].name, "foreign key");
	/* Then what B adds. */
	if (!pk_same && !pk_renamed && tb->pk.columns.n) {
		p->changed = 1;
		if ((c = diff_add(x, DIFF_ADD_PRIMARY_KEY, DIFF_P_ALTER_TABLE, STRATA_CHANGE_DATA_DEPENDENT))) {
			c->pair = p;
			c->new_name = tb->pk.name;
			c->object = obj_constraint(x, tb, "primary key", NULL, &tb->pk.columns, NULL);
			diff_set_note(x, c, "fails if the key has duplicates or NULLs");
			diff_set_owner(x, c, owner);
		}
	}
	for (j = 0; j < tb->nuniques; j++) {
		if (matched_b(mu, ta->nuniques, j))
			continue;
		p->changed = 1;
		if ((c = diff_add(x, DIFF_ADD_UNIQUE, DIFF_P_ALTER_TABLE, STRATA_CHANGE_DATA_DEPENDENT))) {
			c->pair = p;
			c->ub = &tb->uniques[j];
			c->object = obj_constraint(x, tb, "unique", tb->uniques[j].name,
			                           &tb->uniques[j].columns, NULL);
			diff_set_note(x, c, "fails if %s has duplicates", tb->name);
			diff_set_owner(x, c, owner);
		}
	}
	for (j = 0; j < tb->nchecks; j++) {
		if (matched_b(mk, ta->nchecks, j))
			continue;
		p->changed = 1;
		if ((c = diff_add(x, DIFF_ADD_CHECK, DIFF_P_ALTER_TABLE, STRATA_CHANGE_DATA_DEPENDENT))) {
			c->pair = p;
			c->kb = &tb->checks[j];
			c->object = diff_obj_check(x, tb, &tb->checks[j]);
			diff_set_note(x, c, "fails if a row of %s breaks it", tb->name);
			diff_set_owner(x, c, owner);
		}
	}
	for (j = 0; j < tb->nfks; j++) {
		if (matched_b(mf, ta->nfks, j))
			continue;
		p->changed = 1;
		if ((c = diff_add(x, DIFF_ADD_FK, fk_phase(d, 1), STRATA_CHANGE_DATA_DEPENDENT))) {
			c->pair = p;
			c->fb = &tb->fks[j];
			c->fk_table = tb;
			c->object = obj_fk(x, tb, &tb->fks[j]);
			diff_set_note(x, c, "fails if a row of %s has no parent in %s", tb->name,
			              tb->fks[j].ref_table);
			diff_set_owner(x, c, owner);
		}
	}
out:
	free(mu);
	free(mk);
	free(mf);
	free(ru);
	free(rk);
	free(rf);
}

static void option_changes(struct ctx *x, struct diff_table *p)
{
	const struct schema_table *ta = p->a, *tb = p->b;
	struct diff_change *c;

	if (ta->strict != tb->strict) {
		p->changed = 1;
		if ((c = diff_add(x, DIFF_ALTER_TABLE, DIFF_P_ALTER_TABLE,
		                  tb->strict ? STRATA_CHANGE_DATA_DEPENDENT : STRATA_CHANGE_SAFE))) {
			c->pair = p;
			c->object = obj_table(x, tb);
			if (tb->strict)
				diff_set_note(x, c, "becomes STRICT: fails if a value does not fit its column's type");
			else
				diff_set_note(x, c, "is no longer STRICT");
			diff_set_owner(x, c, tb->name);
		}
	}
	if (ta->without_rowid != tb->without_rowid) {
		p->changed = 1;
		if ((c = diff_add(x, DIFF_ALTER_TABLE, DIFF_P_ALTER_TABLE,
		                  tb->without_rowid ? STRATA_CHANGE_DATA_DEPENDENT : STRATA_CHANGE_SAFE))) {
			c->pair = p;
			c->object = obj_table(x, tb);
			if (tb->without_rowid)
				diff_set_note(x, c, "becomes WITHOUT ROWID: fails on NULLs in the primary key; "
				              "rowids are not kept");
			else
				diff_set_note(x, c, "gets a rowid (no longer WITHOUT ROWID)");
			diff_set_owner(x, c, tb->name);
		}
	}
	if (strcmp(ta->options ? ta->options : "", tb->options ? tb->options : "") ||
	    ta->unlogged != tb->unlogged) {
		p->changed = 1;
		if ((c = diff_add(x, DIFF_ALTER_TABLE, DIFF_P_ALTER_TABLE, STRATA_CHANGE_SAFE))) {
			c->pair = p;
			c->object = obj_table(x, tb);
			diff_set_note(x, c, ta->unlogged == tb->unlogged ? "storage parameters change" :
			               tb->unlogged ? "becomes UNLOGGED (rewritten; its rows are lost in a "
			                              "crash and not replicated)" :
			               "becomes LOGGED (rewritten, and written to the WAL)");
			diff_set_owner(x, c, tb->name);
		}
	}
	if (ta->virtual_table && tb->virtual_table && !diff_sql_equal(SCHEMA_SQLITE, ta->sql, tb->sql, NULL)) {
		p->changed = 1;
		if ((c = diff_add(x, DIFF_ALTER_TABLE, DIFF_P_ALTER_TABLE, STRATA_CHANGE_DESTRUCTIVE))) {
			c->pair = p;
			c->object = obj_table(x, tb);
			diff_set_note(x, c, "virtual table definition changes: re-created empty");
			diff_set_owner(x, c, tb->name);
		}
	}
}

/* ---- tables -------------------------------------------------------------------- */

/* The pairs whose B table references pair q's B table (created tables). */
static int references_b(const struct diff *d, const struct schema_table *from,
                        const struct schema_table *to)
{
	size_t i;

	for (i = 0; i < from->nfks; i++) {
		const char *nsp = from->fks[i].ref_schema ? from->fks[i].ref_schema : from->schema;
		if (name_eq(d, from->fks[i].ref_table, to->name) && name_eq(d, nsp, to->schema))
			return 1;
	}
	return d->engine == SCHEMA_PG && diff_pg_table_is_child_of(d, from, to);
}

/* Depth-first: every table t references comes before t. */
static void topo_visit(const struct diff *d, struct diff_table **v, size_t n, size_t i,
                       unsigned char *mark, struct diff_table **out, size_t *nout, int use_b)
{
	size_t j;

	if (mark[i])
		return;
	mark[i] = 1; /* on the path: a cycle back here is cut */
	for (j = 0; j < n; j++) {
		const struct schema_table *ti = use_b ? v[i]->b : v[i]->a, *tj = use_b ? v[j]->b : v[j]->a;
		if (j != i && references_b(d, ti, tj))
			topo_visit(d, v, n, j, mark, out, nout, use_b);
	}
	out[(*nout)++] = v[i];
}

/* The pairs selected by which (1 created, 2 dropped) in dependency order. */
static struct diff_table **ordered_pairs(struct ctx *x, int which, size_t *nout)
{
	const struct diff *d = x->d;
	struct diff_table **v = NULL, **out = NULL;
	unsigned char *mark = NULL;
	size_t n = 0, i;

	*nout = 0;
	v = calloc(d->npairs + 1, sizeof *v);
	out = calloc(d->npairs + 1, sizeof *out);
	mark = calloc(d->npairs + 1, 1);
	if (!v || !out || !mark) {
		x->oom = 1;
		free(out);
		out = NULL;
		goto done;
	}
	for (i = 0; i < d->npairs; i++) {
		struct diff_table *p = d->pairs[i];
		if ((which == 1 && !p->a && p->b) || (which == 2 && p->a && !p->b))
			v[n++] = p;
	}
	for (i = 0; i < n; i++)
		topo_visit(d, v, n, i, mark, out, nout, which == 1);
done:
	free(v);
	free(mark);
	return out;
}

/* Two tables with the same columns, one dropped and one created: maybe a rename. */
static int same_columns(const struct diff *d, const struct schema_table *a, const struct schema_table *b)
{
	size_t i;

	if (a->ncolumns != b->ncolumns || !a->ncolumns)
		return 0;
	for (i = 0; i < a->ncolumns; i++)
		if (!name_eq(d, a->columns[i].name, b->columns[i].name) ||
		    !type_eq(d, a->columns[i].type, b->columns[i].type))
			return 0;
	return 1;
}

static void table_changes(struct ctx *x)
{
	struct diff *d = x->d;
	struct diff_table **order;
	struct diff_change *c;
	size_t i, n, k;

	/* Renames. */
	for (i = 0; i < d->npairs; i++) {
		struct diff_table *p = d->pairs[i];
		if (!table_renamed(d, p))
			continue;
		if ((c = diff_add(x, DIFF_RENAME_TABLE, DIFF_P_RENAME_TABLE, STRATA_CHANGE_SAFE))) {
			c->pair = p;
			c->object = obj_table(x, p->b);
			diff_set_note(x, c, "renamed from %s", p->a->name);
			diff_set_owner(x, c, p->b->name);
		}
	}
	/* Creations, referenced tables first. */
	order = ordered_pairs(x, 1, &n);
	for (k = 0; order && k < n; k++) {
		struct diff_table *p = order[k];
		if ((c = diff_add(x, DIFF_CREATE_TABLE, diff_pg_partition_phase(d, p), STRATA_CHANGE_SAFE))) {
			c->pair = p;
			c->object = obj_table(x, p->b);
			diff_set_owner(x, c, p->b->name);
		}
		/* PostgreSQL adds the new table's foreign keys once every table exists. */
		if (d->engine != SCHEMA_SQLITE) {
			for (i = 0; i < p->b->nfks; i++) {
				if (!(c = diff_add(x, DIFF_ADD_FK, DIFF_P_ADD_FK, STRATA_CHANGE_SAFE)))
					break;
				c->pair = p;
				c->fb = &p->b->fks[i];
				c->fk_table = p->b;
				c->implied = 1;
				c->object = obj_fk(x, p->b, &p->b->fks[i]);
				diff_set_note(x, c, "of the new table %s", p->b->name);
				diff_set_owner(x, c, p->b->name);
			}
		}
	}
	free(order);
	/* Alterations, table by table, in B's order. A reserved number keeps
	 * room for a rebuild at the head of the table's changes. */
	for (i = 0; i < d->npairs; i++) {
		struct diff_table *p = d->pairs[i];
		size_t first = d->n, reserved;
		char *why = NULL;
		int r;

		if (!p->a || !p->b)
			continue;
		reserved = d->seq_++;
		if (p->a->virtual_table) {
			option_changes(x, p);
			continue;
		}
		if (d->engine == SCHEMA_PG)
			diff_pg_unparent_changes(x, p);
		column_changes(x, p, 0);
		constraint_changes(x, p, 0);
		column_changes(x, p, 1);
		constraint_changes(x, p, 1);
		column_changes(x, p, 2);
		option_changes(x, p);
		if (d->engine == SCHEMA_PG)
			diff_pg_partition_changes(x, p);
		if (x->oom || !x->o || !x->o->needs_rebuild || !p->changed || d->n == first)
			continue;
		r = x->o->needs_rebuild(d, p, &why);
		if (r < 0) {
			x->oom = 1;
			continue;
		}
		if (r == 0)
			continue;
		p->rebuild = 1;
		p->rebuild_why = why;
		if ((c = diff_add(x, DIFF_REBUILD_TABLE, DIFF_P_ALTER_TABLE, STRATA_CHANGE_SAFE))) {
			c->seq = reserved;
			c->pair = p;
			c->implied = 1;
			c->object = obj_table(x, p->b);
			diff_set_note(x, c, "SQLite's ALTER TABLE cannot do it (%s): the table is rebuilt "
			              "(new table, copy of the rows, swap)", why ? why : "");
			diff_set_owner(x, c, p->b->name);
		}
	}
	/* Drops, referencing tables first. */
	order = ordered_pairs(x, 2, &n);
	for (k = n; order && k-- > 0;) {
		struct diff_table *p = order[k];
		if (d->engine != SCHEMA_SQLITE) {
			/* Foreign keys between dropped tables would hold the drop. */
			for (i = 0; i < p->a->nfks; i++) {
				const struct diff_table *rp = fk_target(d, &p->a->fks[i], p->a);
				if (!rp || rp->b || rp == p)
					continue;
				if (!(c = diff_add(x, DIFF_DROP_FK, DIFF_P_DROP_FK, STRATA_CHANGE_SAFE)))
					break;
				c->pair = p;
				c->fa = &p->a->fks[i];
				c->fk_table = p->a;
				c->implied = 1;
				c->object = obj_fk(x, p->a, &p->a->fks[i]);
				diff_set_note(x, c, "both tables are dropped");
				diff_set_owner(x, c, p->a->name);
			}
		}
		if ((c = diff_add(x, DIFF_DROP_TABLE, DIFF_P_DROP_TABLE, STRATA_CHANGE_DESTRUCTIVE))) {
			c->pair = p;
			c->object = obj_table(x, p->a);
			diff_set_note(x, c, "drops table %s and its rows", p->a->name);
			diff_set_owner(x, c, p->a->name);
		}
	}
	free(order);
}

/*
 * PostgreSQL will not drop a primary key or unique constraint that a foreign
 * key stands on: such foreign keys, kept as they are in B, are dropped
 * before and added again after; those of a table B drops (which goes only
 * after the key) are dropped before.
 */
static void key_dependents(struct ctx *x)
{
	struct diff *d = x->d;
	size_t i, n = d->n, k, f, g;

	for (i = 0; i < n && !x->oom; i++) {
		const struct diff_change *kc = &d->v[i];
		const struct schema_names *key;
		const struct diff_table *p = kc->pair;

		if (kc->kind == DIFF_DROP_PRIMARY_KEY)
			key = &p->a->pk.columns;
		else if (kc->kind == DIFF_DROP_UNIQUE)
			key = &kc->ua->columns;
		else
			continue;
		for (k = 0; k < d->npairs; k++) {
			struct diff_table *q = d->pairs[k];
			if (!q->a)
				continue;
			for (f = 0; f < q->a->nfks; f++) {
				const struct schema_fk *fa = &q->a->fks[f];
				const char *nsp = fa->ref_schema ? fa->ref_schema : q->a->schema;
				const struct schema_fk *fb = NULL;
				struct diff_change *c;
				if (!name_eq(d, fa->ref_table, p->a->name) || !name_eq(d, nsp, p->a->schema) ||
				    !schema_names_equal(&fa->ref_columns, key, 0))
					continue;
				if (!q->b) {
					/* Its table is dropped, but only after the key:
					 * the foreign key goes first. */
					if ((c = diff_add(x, DIFF_DROP_FK, DIFF_P_DROP_FK, STRATA_CHANGE_SAFE))) {
						c->pair = q;
						c->fa = fa;
						c->fk_table = q->a;
						c->implied = 1;
						c->object = obj_fk(x, q->a, fa);
						diff_set_note(x, c, "its table is dropped after the key it references");
						diff_set_owner(x, c, q->a->name);
					}
					continue;
				}
				for (g = 0; g < q->b->nfks && !fb; g++)
					if (fk_eq(d, q, fa, &q->b->fks[g], 0))
						fb = &q->b->fks[g];
				if (!fb)
					continue; /* changed itself: already dropped and added */
				if ((c = diff_add(x, DIFF_DROP_FK, DIFF_P_DROP_FK, STRATA_CHANGE_SAFE))) {
					c->pair = q;
					c->fa = fa;
					c->fk_table = q->a;
					c->implied = 1;
					c->object = obj_fk(x, q->a, fa);
					diff_set_note(x, c, "the key it references changes: dropped, then added again");
					diff_set_owner(x, c, q->b->name);
				}
				if ((c = diff_add(x, DIFF_ADD_FK, DIFF_P_ADD_FK, STRATA_CHANGE_DATA_DEPENDENT))) {
					c->pair = q;
					c->fb = fb;
					c->fk_table = q->b;
					c->implied = 1;
					c->object = obj_fk(x, q->b, fb);
					diff_set_note(x, c, "added again after the change to the key it references");
					diff_set_owner(x, c, q->b->name);
				}
			}
		}
	}
}

/* Notes on drop + add pairs that look like renames. */
static void rename_notes(struct ctx *x)
{
	struct diff *d = x->d;
	size_t i, j;

	for (i = 0; i < d->n; i++) {
		struct diff_change *dr = &d->v[i];
		if (dr->kind == DIFF_DROP_TABLE) {
			for (j = 0; j < d->n; j++) {
				struct diff_change *cr = &d->v[j];
				/* the hint renames within a schema: a table of the same
				 * columns in another schema is not one it can keep */
				if (cr->kind != DIFF_CREATE_TABLE || !same_columns(d, dr->pair->a, cr->pair->b) ||
				    !name_eq(d, dr->pair->a->schema, cr->pair->b->schema))
					continue;
				diff_set_note(x, dr, "drops table %s and its rows; possible rename of %s to %s (add "
				              "'-- strata:renamed-from %s' to the CREATE TABLE %s line to keep them)",
				              dr->pair->a->name, dr->pair->a->name, cr->pair->b->name,
				              dr->pair->a->name, cr->pair->b->name);
				diff_set_note(x, cr, "possible rename of %s to %s", dr->pair->a->name,
				              cr->pair->b->name);
				break;
			}
		} else if (dr->kind == DIFF_DROP_COLUMN && !dr->implied) {
			for (j = 0; j < d->n; j++) {
				struct diff_change *cr = &d->v[j];
				if (cr->kind != DIFF_ADD_COLUMN || cr->pair != dr->pair || cr->note ||
				    !type_eq(d, dr->ca->type, cr->cb->type))
					continue;
				diff_set_note(x, dr, "drops column %s.%s and its values; possible rename of %s to %s "
				              "(add '-- strata:renamed-from %s' to the line of column %s to keep them)",
				              dr->pair->a->name, dr->ca->name, dr->ca->name, cr->cb->name,
				              dr->ca->name, cr->cb->name);
				diff_set_note(x, cr, "possible rename of %s to %s", dr->ca->name, cr->cb->name);
				break;
			}
		}
	}
}

/* ---- indexes --------------------------------------------------------------------- */

static int index_eq(const struct diff *d, const struct schema_index *a, const struct schema_index *b)
{
	const struct diff_table *p = diff_pair_of_a_name(d, a->schema, a->table);
	const char *tname = p && p->b ? p->b->name : a->table;
	size_t k;

	if (!name_eq(d, tname, b->table) || a->unique != b->unique || a->nkeys != b->nkeys)
		return 0;
	if (!names_equal_mapped(d, p, &a->include, &b->include))
		return 0;
	if (!diff_sql_equal(d->engine, a->where, b->where, p))
		return 0;
	if (d->engine != SCHEMA_SQLITE && !name_eq(d, a->method, b->method))
		return 0;
	if (a->nulls_not_distinct != b->nulls_not_distinct ||
	    strcmp(a->options ? a->options : "", b->options ? b->options : ""))
		return 0;
	for (k = 0; k < a->nkeys; k++) {
		const struct schema_index_key *ka = &a->keys[k], *kb = &b->keys[k];
		if ((ka->column == NULL) != (kb->column == NULL))
			return 0;
		if (ka->column) {
			const char *n = diff_col_to_b(d, p, ka->column);
			if (!n || !name_eq(d, n, kb->column))
				return 0;
		} else if (!diff_sql_equal(d->engine, ka->expression, kb->expression, p)) {
			return 0;
		}
		if (ka->desc != kb->desc || ka->nulls_first != kb->nulls_first ||
		    !name_eq(d, ka->opclass, kb->opclass))
			return 0;
		if (d->engine == SCHEMA_SQLITE ? (ka->collation || kb->collation) &&
		                                 !collation_eq(d, ka->collation, kb->collation)
		                               : !name_eq(d, ka->collation, kb->collation))
			return 0;
	}
	return 1;
}

static char *obj_index(struct ctx *x, const struct schema_index *ix)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_adds(&sb, "index ");
	diff_add_display(&sb, ix->schema, ix->name);
	sbuf_adds(&sb, " on ");
	sbuf_adds(&sb, ix->table);
	return diff_detach(x, &sb);
}

static void index_key_list(struct sbuf *sb, const struct schema_index *ix)
{
	size_t k;

	sbuf_addc(sb, '(');
	for (k = 0; k < ix->nkeys; k++) {
		if (k)
			sbuf_adds(sb, ", ");
		sbuf_adds(sb, ix->keys[k].column ? ix->keys[k].column : ix->keys[k].expression);
	}
	sbuf_addc(sb, ')');
}

static int view_eq(const struct diff *d, const struct schema_view *a, const struct schema_view *b);

/* An index on a materialized view that is dropped or made again goes or
 * comes with its view (the PostgreSQL planner makes them with the view). */
static int on_changing_view(const struct diff *d, const struct schema *s, const char *nsp,
                            const char *table)
{
	const struct schema_view *v = schema_find_view(s, nsp, table), *o;

	if (!v || schema_find_table(s, nsp, table))
		return 0;
	o = schema_find_view(s == d->a ? d->b : d->a, nsp, table);
	return !o || !view_eq(d, v, o);
}

/* PostgreSQL: 1 when ix names a generated column of p that the plan drops
 * and adds again (its expression changes), which takes ix along; 2 when
 * that is for a re-made function its expression calls. */
static int on_remade_column(const struct diff *d, const struct diff_table *p,
                            const struct schema_index *ix)
{
	size_t i, k;

	if (d->engine != SCHEMA_PG)
		return 0;
	for (i = 0; i < d->n; i++) {
		const struct diff_change *c = &d->v[i];
		int r = c->kind == DIFF_ADD_COLUMN ? 2 : 1;
		if (c->pair != p ||
		    !((c->kind == DIFF_ALTER_COLUMN && (c->what & DIFF_COL_GENERATED) && c->cb->generated) ||
		      (c->kind == DIFF_ADD_COLUMN && c->phase == DIFF_P_CREATE_INDEX)))
			continue;
		for (k = 0; k < ix->nkeys; k++)
			if ((ix->keys[k].column && name_eq(d, ix->keys[k].column, c->cb->name)) ||
			    diff_sql_mentions(d->engine, ix->keys[k].expression, c->cb->name))
				return r;
		if (diff_sql_mentions(d->engine, ix->where, c->cb->name))
			return r;
	}
	return 0;
}

static void index_changes(struct ctx *x)
{
	struct diff *d = x->d;
	struct diff_change *c;
	size_t i;

	for (i = 0; i < d->a->nindexes; i++) {
		const struct schema_index *ia = d->a->indexes[i], *ib;
		const struct diff_table *p = diff_pair_of_a_name(d, ia->schema, ia->table);

		if ((p && !p->b) || on_changing_view(d, d->a, ia->schema, ia->table))
			continue; /* goes with its table or view */
		ib = schema_find_index(d->b, ia->schema, ia->name);
		if (ib && index_eq(d, ia, ib) &&
		    !diff_pg_uses_remade_function(d, SCHEMA_OBJ_INDEX, ia->schema, ia->name, NULL))
			continue;
		if ((c = diff_add(x, DIFF_DROP_INDEX, DIFF_P_DROP_INDEX, STRATA_CHANGE_SAFE))) {
			c->ia = ia;
			c->ib = ib;
			c->object = obj_index(x, ia);
			if (ib && index_eq(d, ia, ib))
				diff_set_note(x, c, "uses a function that is re-made: dropped and created again");
			else if (ib)
				diff_set_note(x, c, "its definition changes: dropped and created again");
			if (ib && index_eq(d, ia, ib))
				c->follows = DIFF_FOLLOWS_BEFORE;
			diff_set_owner(x, c, p && p->b ? p->b->name : ia->table);
		}
	}
	for (i = 0; i < d->b->nindexes; i++) {
		const struct schema_index *ib = d->b->indexes[i];
		const struct schema_index *ia = schema_find_index(d->a, ib->schema, ib->name);
		const struct diff_table *p;
		int implied = 0, fn = 0, rc = 0;

		if (on_changing_view(d, d->b, ib->schema, ib->table))
			continue;
		p = diff_pair_of_b_name(d, ib->schema, ib->table);
		if (ia && !(p && !p->a) && index_eq(d, ia, ib)) {
			fn = diff_pg_uses_remade_function(d, SCHEMA_OBJ_INDEX, ia->schema, ia->name, NULL);
			rc = p ? on_remade_column(d, p, ib) : 0;
			if (!(p && (p->rebuild || rc)) && !fn)
				continue;
			/* SQLite's rebuild drops it with the old table; PostgreSQL
			 * drops it with a generated column that is made again. */
			implied = 1;
		}
		if ((c = diff_add(x, DIFF_CREATE_INDEX, DIFF_P_CREATE_INDEX,
		                  ib->unique && !(p && !p->a) ? STRATA_CHANGE_DATA_DEPENDENT : STRATA_CHANGE_SAFE))) {
			struct sbuf cols = SBUF_INIT;
			c->ia = ia;
			c->ib = ib;
			c->implied = implied;
			c->object = obj_index(x, ib);
			index_key_list(&cols, ib);
			if (implied)
				diff_set_note(x, c, "re-created: %s drops it", p && p->rebuild ? "the rebuild of its table"
				                                          : fn ? "re-making a function it uses"
				                                                : "re-making its column");
			else if (c->cls == STRATA_CHANGE_DATA_DEPENDENT)
				diff_set_note(x, c, "unique: fails if %s has duplicates in %s", ib->table, cols.buf);
			sbuf_release(&cols);
			if (implied && !(p && p->rebuild) && (fn || rc == 2))
				c->follows = DIFF_FOLLOWS_AFTER;
			diff_set_owner(x, c, ib->table);
			if (implied)
				c->cls = STRATA_CHANGE_SAFE;
		}
	}
}

/* ---- views and triggers -------------------------------------------------------------- */

/* 1 when a column type (format_type(): "public.mood", "mood[]") is enum e
 * or an array of it. */
static int type_is_enum(const char *type, const struct schema_enum *e)
{
	size_t ns = e->schema ? strlen(e->schema) : 0, nn = strlen(e->name);

	if (e->schema && !strncmp(type, e->schema, ns) && type[ns] == '.')
		type += ns + 1;
	return !strncmp(type, e->name, nn) && (type[nn] == '\0' || !strcmp(type + nn, "[]"));
}

/* A table that changes in a way that views and triggers over it must be
 * dropped and re-created around. */
static int disturbs_(const struct diff *d, const struct diff_table *p)
{
	size_t i;

	if (!p->a)
		return 0;
	if (!p->b || table_renamed(d, p))
		return 1;
	if (d->engine == SCHEMA_SQLITE)
		return p->changed;
	/* PostgreSQL keeps views over added columns and new constraints. */
	for (i = 0; i < d->n; i++) {
		const struct diff_change *c = &d->v[i];
		size_t k;
		/* A rebuilt enum changes the type of its columns. */
		if (c->kind == DIFF_REBUILD_ENUM)
			for (k = 0; k < p->a->ncolumns; k++)
				if (type_is_enum(p->a->columns[k].type, c->oa))
					return 1;
		if (c->pair != p)
			continue;
		if (c->kind == DIFF_DROP_COLUMN || c->kind == DIFF_RENAME_COLUMN ||
		    (c->kind == DIFF_ALTER_COLUMN &&
		     (c->what & (DIFF_COL_TYPE | DIFF_COL_COLLATE | DIFF_COL_GENERATED))))
			return 1;
	}
	return 0;
}

/* Computed once per pair (after the table changes): views and triggers ask
 * for every table they might name. */
int diff_disturbs(const struct diff *d, const struct diff_table *p)
{
	(void)d;
	return p->disturbed;
}

static void mark_disturbed(struct diff *d)
{
	size_t i;

	for (i = 0; i < d->npairs; i++)
		d->pairs[i]->disturbed = disturbs_(d, d->pairs[i]);
}

static const char *view_text(const struct schema_view *v)
{
	return v->sql ? v->sql : v->definition;
}

static int view_eq(const struct diff *d, const struct schema_view *a, const struct schema_view *b)
{
	if (a->materialized != b->materialized)
		return 0;
	if (strcmp(a->options ? a->options : "", b->options ? b->options : ""))
		return 0;
	if (d->engine == SCHEMA_SQLITE)
		return diff_sql_equal(d->engine, view_text(a), view_text(b), NULL);
	return diff_sql_equal(d->engine, a->definition, b->definition, NULL);
}

/* 1 when text mentions a disturbed table of A, or a view of A in drop[]. */
static int stands_on_changes(const struct diff *d, const char *text, const unsigned char *drop)
{
	size_t i;

	for (i = 0; i < d->npairs; i++) {
		const struct diff_table *p = d->pairs[i];
		if (p->a && diff_disturbs(d, p) && diff_sql_mentions(d->engine, text, p->a->name))
			return 1;
	}
	for (i = 0; drop && i < d->a->nviews; i++)
		if (drop[i] && diff_sql_mentions(d->engine, text, d->a->views[i]->name))
			return 1;
	return 0;
}

/* The table a view stands on that changes (its owner for per-table
 * migrations: the view must go before that table changes), or NULL. */
static const char *disturbed_owner(const struct diff *d, const char *text)
{
	size_t i;

	for (i = 0; i < d->npairs; i++) {
		const struct diff_table *p = d->pairs[i];
		if (p->a && diff_disturbs(d, p) && diff_sql_mentions(d->engine, text, p->a->name))
			return p->b ? p->b->name : p->a->name;
	}
	return NULL;
}

char *diff_obj_named(struct ctx *x, const char *what, const char *nsp, const char *name)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_adds(&sb, what);
	sbuf_addc(&sb, ' ');
	diff_add_display(&sb, nsp, name);
	return diff_detach(x, &sb);
}

/* Views in order: a view after every view its text names (which = 'b' uses
 * B's views and want[], else A's). */
static void view_visit(const struct diff *d, const struct schema *s, size_t i, unsigned char *mark,
                       const unsigned char *want, size_t *out, size_t *n)
{
	size_t j;

	if (mark[i])
		return;
	mark[i] = 1;
	for (j = 0; j < s->nviews; j++)
		if (j != i && want[j] && diff_sql_mentions(d->engine, view_text(s->views[i]), s->views[j]->name))
			view_visit(d, s, j, mark, want, out, n);
	out[(*n)++] = i;
}

/* 1 when A's view v reads, by the dependencies PostgreSQL recorded, a view
 * of A in drop[] (the name in its text may not say so: another schema's
 * view of the same name, a name the text does not spell plainly). */
static int uses_dropped_view(const struct diff *d, const struct schema_view *v,
                             const unsigned char *drop)
{
	size_t i, k;

	for (i = 0; i < d->a->ndeps; i++) {
		const struct schema_dep *x = d->a->deps[i];
		if ((x->kind != SCHEMA_OBJ_VIEW && x->kind != SCHEMA_OBJ_MATVIEW) ||
		    (x->ref_kind != SCHEMA_OBJ_VIEW && x->ref_kind != SCHEMA_OBJ_MATVIEW) ||
		    !name_eq(d, x->schema, v->schema) || !name_eq(d, x->name, v->name))
			continue;
		for (k = 0; k < d->a->nviews; k++)
			if (drop[k] && name_eq(d, d->a->views[k]->schema, x->ref_schema) &&
			    name_eq(d, d->a->views[k]->name, x->ref_name))
				return 1;
	}
	return 0;
}

static void view_changes(struct ctx *x)
{
	struct diff *d = x->d;
	unsigned char *drop = calloc(d->a->nviews + 1, 1), *create = calloc(d->b->nviews + 1, 1),
	              *implied = calloc(d->b->nviews + 1, 1), *mark = NULL;
	size_t *order = NULL, n = 0, i, k;
	int grew;

	if (!drop || !create || !implied)
		goto nomem;
	for (i = 0; i < d->a->nviews; i++) {
		const struct schema_view *va = d->a->views[i];
		const struct schema_view *vb = schema_find_view(d->b, va->schema, va->name);
		if (!vb || !view_eq(d, va, vb) || stands_on_changes(d, view_text(va), NULL) ||
		    diff_pg_uses_remade_function(d, va->materialized ? SCHEMA_OBJ_MATVIEW : SCHEMA_OBJ_VIEW,
		                                 va->schema, va->name, NULL))
			drop[i] = 1;
	}
	/* Views over dropped views go too, until nothing more falls. */
	do {
		grew = 0;
		for (i = 0; i < d->a->nviews; i++)
			if (!drop[i] && (stands_on_changes(d, view_text(d->a->views[i]), drop) ||
			                 uses_dropped_view(d, d->a->views[i], drop)))
				drop[i] = grew = 1;
	} while (grew);
	for (i = 0; i < d->b->nviews; i++) {
		const struct schema_view *vb = d->b->views[i];
		const struct schema_view *va = schema_find_view(d->a, vb->schema, vb->name);
		if (!va) {
			create[i] = 1;
			continue;
		}
		for (k = 0; k < d->a->nviews; k++)
			if (d->a->views[k] == va && drop[k]) {
				create[i] = 1;
				implied[i] = view_eq(d, va, vb);
			}
	}
	/* Drops: dependents first (reverse of creation order). */
	order = calloc(d->a->nviews + d->b->nviews + 1, sizeof *order);
	mark = calloc(d->a->nviews + d->b->nviews + 1, 1);
	if (!order || !mark)
		goto nomem;
	for (i = 0; i < d->a->nviews; i++)
		if (drop[i])
			view_visit(d, d->a, i, mark, drop, order, &n);
	for (k = n; k-- > 0;) {
		const struct schema_view *va = d->a->views[order[k]];
		const struct schema_view *vb = schema_find_view(d->b, va->schema, va->name);
		struct diff_change *c = diff_add(x, DIFF_DROP_VIEW, DIFF_P_DROP_VIEW, STRATA_CHANGE_SAFE);
		if (!c)
			break;
		c->va = va;
		c->vb = vb;
		c->object = diff_obj_named(x, va->materialized ? "materialized view" : "view", va->schema, va->name);
		if (vb && view_eq(d, va, vb)) {
			c->implied = 1;
			diff_set_note(x, c, "dropped around changes to what it reads, then re-created");
		} else if (vb) {
			diff_set_note(x, c, "its definition changes: dropped and created again");
		}
		diff_set_owner(x, c, disturbed_owner(d, view_text(va)));
	}
	memset(mark, 0, d->a->nviews + d->b->nviews + 1);
	n = 0;
	for (i = 0; i < d->b->nviews; i++)
		if (create[i])
			view_visit(d, d->b, i, mark, create, order, &n);
	for (k = 0; k < n; k++) {
		const struct schema_view *vb = d->b->views[order[k]];
		struct diff_change *c = diff_add(x, DIFF_CREATE_VIEW, DIFF_P_CREATE_VIEW, STRATA_CHANGE_SAFE);
		if (!c)
			break;
		c->vb = vb;
		c->va = schema_find_view(d->a, vb->schema, vb->name);
		c->implied = implied[order[k]];
		c->object = diff_obj_named(x, vb->materialized ? "materialized view" : "view", vb->schema, vb->name);
		if (c->implied)
			diff_set_note(x, c, "re-created after the changes under it");
		if (c->va)
			diff_set_owner(x, c, disturbed_owner(d, view_text(c->va)));
	}
	goto out;
nomem:
	x->oom = 1;
out:
	free(drop);
	free(create);
	free(implied);
	free(order);
	free(mark);
}

static int trigger_eq(const struct diff *d, const struct schema_trigger *a, const struct schema_trigger *b)
{
	const struct diff_table *p = diff_pair_of_a_name(d, a->schema, a->table);
	const char *tname = p && p->b ? p->b->name : a->table;

	return name_eq(d, tname, b->table) && diff_sql_equal(d->engine, a->sql, b->sql, NULL);
}

/*
 * A trigger's or a policy's name is unique per table, not per schema
 * (PostgreSQL: every table may have its own set_updated_at): the object of
 * that kind in the other model with the same schema, name and table, the
 * table mapped through its pair (to_b: s is B and the table is A's; else s
 * is A and the table is B's). Triggers and policies are dropped and made
 * again around a re-made table alike, and are paired by this one search.
 */
static const void *table_object_peer(const struct diff *d, enum diff_peer kind,
                                     const struct schema *s, const char *nsp, const char *name,
                                     const char *on, int to_b)
{
	const struct diff_table *p = to_b ? diff_pair_of_a_name(d, nsp, on) : diff_pair_of_b_name(d, nsp, on);
	const struct schema_table *other = p ? (to_b ? p->b : p->a) : NULL;
	const char *table = p ? (other ? other->name : NULL) : on;
	size_t i, n = kind == DIFF_PEER_TRIGGER ? s->ntriggers : s->npolicies;

	if (!table)
		return NULL;
	for (i = 0; i < n; i++) {
		const struct schema_trigger *r = kind == DIFF_PEER_TRIGGER ? s->triggers[i] : NULL;
		const struct schema_policy *q = kind == DIFF_PEER_POLICY ? s->policies[i] : NULL;
		const char *rs = r ? r->schema : q->schema, *rn = r ? r->name : q->name;
		const char *rt = r ? r->table : q->table;

		if (name_eq(d, rs, nsp) && name_eq(d, rn, name) && name_eq(d, rt, table))
			return r ? (const void *)r : (const void *)q;
	}
	return NULL;
}

const struct schema_trigger *diff_trigger_peer(const struct diff *d, const struct schema *s,
                                               const struct schema_trigger *t, int to_b)
{
	return table_object_peer(d, DIFF_PEER_TRIGGER, s, t->schema, t->name, t->table, to_b);
}

const struct schema_policy *diff_policy_peer(const struct diff *d, const struct schema *s,
                                             const struct schema_policy *t, int to_b)
{
	return table_object_peer(d, DIFF_PEER_POLICY, s, t->schema, t->name, t->table, to_b);
}

/* 1 when the view trigger t fires on is dropped (and, if B keeps it, made
 * again): DROP VIEW takes the view's triggers along. */
static const struct diff_change *on_dropped_view(const struct diff *d, const struct schema_trigger *t)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].kind == DIFF_DROP_VIEW && name_eq(d, d->v[i].va->schema, t->schema) &&
		    name_eq(d, d->v[i].va->name, t->table))
			return &d->v[i];
	return NULL;
}

/* Where a trigger made again for its view goes with --per-table: with the
 * view's drop. */
static int trigger_follows(const struct diff *d, const struct schema_trigger *ra, const char **owner)
{
	const struct diff_change *v;

	if (d->engine != SCHEMA_PG || !ra ||
	    diff_pg_uses_remade_function(d, SCHEMA_OBJ_TRIGGER, ra->schema, ra->table, ra->name))
		return 0;
	if ((v = on_dropped_view(d, ra)) != NULL) {
		*owner = v->owner;
		return 1;
	}
	return 0;
}

static void trigger_changes(struct ctx *x)
{
	struct diff *d = x->d;
	unsigned char *drop = calloc(d->a->ntriggers + 1, 1);
	size_t i, k;

	if (!drop) {
		x->oom = 1;
		return;
	}
	for (i = 0; i < d->a->ntriggers; i++) {
		const struct schema_trigger *ra = d->a->triggers[i];
		const struct schema_trigger *rb = diff_trigger_peer(d, d->b, ra, 1);
		const struct diff_table *p = diff_pair_of_a_name(d, ra->schema, ra->table);
		const char *owner = NULL;
		struct diff_change *c;
		int implied = 0;

		if (p && !p->b)
			continue; /* goes with its table */
		if (rb && trigger_eq(d, ra, rb)) {
			/* Kept, unless it stands on what changes: its own table
			 * (SQLite's rebuild drops it; PostgreSQL refuses to alter a
			 * column a trigger names) or, on SQLite, a table its body uses. */
			if (!((p && diff_disturbs(d, p)) ||
			      (d->engine == SCHEMA_SQLITE && stands_on_changes(d, ra->sql, NULL)) ||
			      (d->engine == SCHEMA_PG &&
			       (on_dropped_view(d, ra) ||
			        diff_pg_uses_remade_function(d, SCHEMA_OBJ_TRIGGER, ra->schema, ra->table, ra->name)))))
				continue;
			implied = 1;
		}
		drop[i] = 1;
		if ((c = diff_add(x, DIFF_DROP_TRIGGER, DIFF_P_DROP_TRIGGER, STRATA_CHANGE_SAFE))) {
			c->ra = ra;
			c->rb = rb;
			c->implied = implied;
			c->object = diff_obj_named(x, "trigger", ra->schema, ra->name);
			if (implied)
				diff_set_note(x, c, "dropped around changes to %s or what it calls, then re-created",
				              ra->table);
			else if (rb)
				diff_set_note(x, c, "its definition changes: dropped and created again");
			if (!(implied && !(p && diff_disturbs(d, p)) && trigger_follows(d, ra, &owner)))
				owner = p && p->b ? p->b->name : ra->table;
			if (implied && d->engine == SCHEMA_PG &&
			    diff_pg_uses_remade_function(d, SCHEMA_OBJ_TRIGGER, ra->schema, ra->table, ra->name))
				c->follows = DIFF_FOLLOWS_BEFORE;
			diff_set_owner(x, c, owner);
		}
	}
	for (i = 0; i < d->b->ntriggers; i++) {
		const struct schema_trigger *rb = d->b->triggers[i];
		const struct schema_trigger *ra = diff_trigger_peer(d, d->a, rb, 0);
		const char *owner = NULL;
		struct diff_change *c;
		int implied = 0;

		if (ra) {
			for (k = 0; k < d->a->ntriggers; k++)
				if (d->a->triggers[k] == ra)
					break;
			if (k < d->a->ntriggers && !drop[k]) {
				const struct diff_table *p = diff_pair_of_a_name(d, ra->schema, ra->table);
				if (!(p && !p->b))
					continue;
			}
			implied = k < d->a->ntriggers && drop[k] && trigger_eq(d, ra, rb);
		}
		if ((c = diff_add(x, DIFF_CREATE_TRIGGER, DIFF_P_CREATE_TRIGGER, STRATA_CHANGE_SAFE))) {
			c->ra = ra;
			c->rb = rb;
			c->implied = implied;
			c->object = diff_obj_named(x, "trigger", rb->schema, rb->name);
			if (implied)
				diff_set_note(x, c, "re-created after the changes to %s or what it calls", rb->table);
			if (!(implied && trigger_follows(d, ra, &owner)))
				owner = rb->table;
			if (implied && d->engine == SCHEMA_PG &&
			    diff_pg_uses_remade_function(d, SCHEMA_OBJ_TRIGGER, ra->schema, ra->table, ra->name))
				c->follows = DIFF_FOLLOWS_AFTER;
			diff_set_owner(x, c, owner);
		}
	}
	free(drop);
}

/* ---- the whole ----------------------------------------------------------------------- */

/*
 * Functions are made after those they call (BEGIN ATOMIC bodies). The
 * last drops in the order of what depends on what: functions (whose
 * arguments, results and SQL bodies use types and sequences; those that
 * call others first), then types,
 * sequences, extensions (whose types user objects use), schemas (which must
 * be empty). Inside each kind, the order they were made in.
 */
#define CALL_DEPTH_MAX 64

/* How deep s's function f calls other functions of s, by s's recorded
 * dependencies (BEGIN ATOMIC bodies): 0 when it calls none; capped. */
static size_t call_depth(const struct diff *d, const struct schema *s,
                         const struct schema_function *f, size_t level, size_t *budget)
{
	size_t i, k, depth = 0;

	/* Bounded (a schema is input): past it, the order may be off, never
	 * the time. */
	if (level >= CALL_DEPTH_MAX || !*budget)
		return 0;
	--*budget;
	for (i = 0; i < s->ndeps; i++) {
		const struct schema_dep *x = s->deps[i];
		if (x->kind != SCHEMA_OBJ_FUNCTION || x->ref_kind != SCHEMA_OBJ_FUNCTION ||
		    !name_eq(d, x->schema, f->schema) || !name_eq(d, x->name, f->name) ||
		    !diff_str_eq(x->sub, f->args))
			continue;
		for (k = 0; k < s->nfunctions; k++) {
			const struct schema_function *g = s->functions[k];
			size_t dg;
			if (!name_eq(d, g->schema, x->ref_schema) || !name_eq(d, g->name, x->ref_name) ||
			    !diff_str_eq(g->args, x->ref_sub))
				continue;
			dg = 1 + call_depth(d, s, g, level + 1, budget);
			if (dg > depth)
				depth = dg;
		}
	}
	return depth < CALL_DEPTH_MAX ? depth : CALL_DEPTH_MAX;
}

static void order_cleanup(struct diff *d)
{
	size_t i, span = d->seq_ + 1, kspan = span * (CALL_DEPTH_MAX + 1);

	for (i = 0; i < d->n; i++) {
		struct diff_change *c = &d->v[i];
		size_t rank, depth = 0, budget;

		if (c->kind == DIFF_CREATE_FUNCTION || c->kind == DIFF_REPLACE_FUNCTION) {
			/* Made after the functions they call. Functions are the
			 * last of their phase that others need, so later is safe. */
			budget = 10000;
			c->seq += call_depth(d, d->b, c->ob, 0, &budget) * span;
			continue;
		}
		if (c->phase != DIFF_P_CLEANUP)
			continue;
		switch (c->kind) {
		case DIFF_DROP_FUNCTION:
			/* a function that calls others goes before them */
			rank = 0;
			budget = 10000;
			depth = call_depth(d, d->a, c->oa, 0, &budget);
			break;
		case DIFF_DROP_ENUM: rank = 1; break;
		case DIFF_DROP_TYPE: rank = 1; break;  /* before enums: pgtype_changes() */
		case DIFF_DROP_COLLATION: rank = 2; break;  /* after the types using it */
		case DIFF_DROP_SEQUENCE: rank = 2; break;
		case DIFF_DROP_EXTENSION: rank = 3; break;
		case DIFF_DROP_SCHEMA: rank = 4; break;
		default: rank = 5; break;
		}
		c->seq += rank * kspan + (CALL_DEPTH_MAX - depth) * span;
	}
}

static int cmp_change(const void *x, const void *y)
{
	const struct diff_change *a = x, *b = y;

	if (a->phase != b->phase)
		return a->phase < b->phase ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void diff_free(struct diff *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].object);
		free(d->v[i].note);
		free(d->v[i].owner);
	}
	free(d->v);
	for (i = 0; i < d->npairs; i++) {
		free(d->pairs[i]->from);
		free(d->pairs[i]->rebuild_why);
		free(d->pairs[i]);
	}
	free(d->pairs);
	free(d->by_a_);
	free(d->by_b_);
	free(d->refused);
	free(d);
}

int diff_schemas(const struct schema *a, const struct schema *b, const struct diff_opts *o,
                 struct diff **out)
{
	struct ctx x;
	struct diff *d = calloc(1, sizeof *d);
	size_t i;

	*out = NULL;
	if (!d)
		return STRATA_ENOMEM;
	d->engine = a->engine;
	d->a = a;
	d->b = b;
	x.d = d;
	x.o = o;
	x.oom = 0;
	pair_tables(&x);
	if (!x.oom)
		index_pairs(&x);
	for (i = 0; !x.oom && i < d->npairs; i++)
		if (d->pairs[i]->a && d->pairs[i]->b && !d->pairs[i]->a->virtual_table)
			pair_columns(&x, d->pairs[i]);
	if (!x.oom && d->engine == SCHEMA_PG)
		diff_pg_object_changes(&x);
	if (!x.oom && d->engine == SCHEMA_PG)
		collation_changes(&x);
	if (!x.oom && d->engine == SCHEMA_PG)
		pgtype_changes(&x);
	if (!x.oom && d->engine == SCHEMA_PG)
		diff_pg_remake_dependent_functions(&x);
	if (!x.oom)
		table_changes(&x);
	if (!x.oom && d->engine == SCHEMA_PG)
		key_dependents(&x);
	if (!x.oom && d->engine == SCHEMA_PG)
		diff_pg_function_dependents(&x);
	if (!x.oom)
		index_changes(&x);
	if (!x.oom && d->engine == SCHEMA_PG)
		pgtype_exclude_changes(&x);
	if (!x.oom && d->engine == SCHEMA_PG)
		extstat_changes(&x);
	mark_disturbed(d);
	if (!x.oom)
		view_changes(&x);
	if (!x.oom)
		trigger_changes(&x);
	if (!x.oom && d->engine == SCHEMA_PG)
		diff_pg_policy_changes(&x);
	if (!x.oom && d->engine == SCHEMA_PG)
		diff_pg_comment_changes(&x);
	if (!x.oom && d->engine == SCHEMA_PG)
		diff_pg_remade_comments(&x);
	if (!x.oom)
		rename_notes(&x);
	for (i = 0; !x.oom && i < d->n; i++)
		if (!d->v[i].object)
			x.oom = 1;
	if (x.oom) {
		diff_free(d);
		return STRATA_ENOMEM;
	}
	order_cleanup(d);
	if (d->n > 1)
		qsort(d->v, d->n, sizeof *d->v, cmp_change);
	*out = d;
	return 0;
}

int plan_selects(const struct plan_opts *o, const struct diff_change *c)
{
	if (!o || (!o->owner && !o->owner_none))
		return 1;
	if (o->owner_none)
		return c->owner == NULL;
	return c->owner && !strcmp(c->owner, o->owner);
}
