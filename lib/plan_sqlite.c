/*
 * plan_sqlite.c: a diff (diff.h) -> SQL for SQLite.
 *
 * SQLite's ALTER TABLE can rename a table, rename a column, add a column
 * and drop a column, each with conditions (lang_altertable.html); anything
 * else is the documented 12-step rebuild. plan_sqlite_needs_rebuild() holds
 * those conditions; it is SQLite's driver's needs_rebuild hook, which the
 * caller hands the differ in struct diff_opts, so diff.c asks it per table
 * before ordering the changes without calling into this file.
 *
 * Objects are created from their stored CREATE text in B (sqlite_schema.sql),
 * never re-rendered, so what the file says is what the database gets: a
 * new column's definition is cut out of B's CREATE TABLE, and a rebuilt
 * table is B's CREATE TABLE with the name swapped.
 *
 * The rebuild has to live inside strata's transaction, where PRAGMA
 * foreign_keys cannot change. So the generated SQL:
 *   - first checks that foreign key enforcement is off (strata's
 *     connections leave it off), because with it on, DROP TABLE of a parent
 *     runs its children's ON DELETE actions: CASCADE would empty them;
 *   - sets PRAGMA defer_foreign_keys = ON (a no-op when enforcement is off,
 *     as the 12 steps ask);
 *   - renames the new table with PRAGMA legacy_alter_table = ON, so that
 *     views and triggers elsewhere that name the table are neither checked
 *     nor rewritten while the old one is gone (SQLite >= 3.26 would fail the
 *     rename on them); references in other tables' FOREIGN KEYs are left
 *     alone either way, and keep naming the table by its name;
 *   - ends with PRAGMA foreign_key_check made fatal: the count of violations
 *     of every rebuilt table and of the tables that reference one is
 *     inserted into a temporary table whose CHECK demands zero, so a
 *     violation fails the statement, and the migration rolls back.
 */
#include "diff.h"

#include <stdlib.h>
#include <string.h>

#include "strata.h"

/* ---- reading B's CREATE TABLE text ------------------------------------------ */

static int is_name(const struct schema_tok *t)
{
	return t->type == SCHEMA_TK_WORD || t->type == SCHEMA_TK_QUOTED || t->type == SCHEMA_TK_STRING;
}

/* ASCII case-insensitive equality: SQLite's rule for names. */
static int ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if ((*a >= 'A' && *a <= 'Z' ? *a + 32 : *a) != (*b >= 'A' && *b <= 'Z' ? *b + 32 : *b))
			return 0;
	return !*a && !*b;
}

static int name_is(const char *sql, const struct schema_tok *t, const char *name)
{
	char *n;
	int eq;

	if (!is_name(t) || !(n = schema_tok_name(sql, t)))
		return 0;
	eq = ieq(n, name);
	free(n);
	return eq;
}

/* Where the table's name is in a stored CREATE TABLE: [*from, *to). */
static int create_table_name_span(const char *sql, size_t *from, size_t *to)
{
	size_t len = strlen(sql), pos = 0;
	struct schema_tok t;

	schema_tok_next(sql, len, &pos, &t);
	if (!schema_tok_is(sql, &t, "CREATE"))
		return -1;
	schema_tok_next(sql, len, &pos, &t);
	if (schema_tok_is(sql, &t, "TEMP") || schema_tok_is(sql, &t, "TEMPORARY"))
		schema_tok_next(sql, len, &pos, &t);
	if (!schema_tok_is(sql, &t, "TABLE"))
		return -1;
	schema_tok_next(sql, len, &pos, &t);
	if (schema_tok_is(sql, &t, "IF")) {
		schema_tok_next(sql, len, &pos, &t);
		schema_tok_next(sql, len, &pos, &t);
		schema_tok_next(sql, len, &pos, &t);
	}
	if (!is_name(&t))
		return -1;
	*from = t.start;
	*to = t.start + t.len;
	schema_tok_next(sql, len, &pos, &t);
	if (t.type == SCHEMA_TK_DOT) {
		schema_tok_next(sql, len, &pos, &t);
		*to = t.start + t.len;
	}
	return 0;
}

/*
 * The definition of column col in a stored CREATE TABLE: the text of its
 * item in the column list, from its name to its last token. -1 when absent.
 */
static int column_def_span(const char *sql, const char *col, size_t *from, size_t *to)
{
	size_t len, pos = 0, nfrom, nto;
	struct schema_tok t;

	if (!sql || create_table_name_span(sql, &nfrom, &nto))
		return -1;
	len = strlen(sql);
	pos = nto;
	schema_tok_next(sql, len, &pos, &t);
	if (t.type != SCHEMA_TK_LPAREN)
		return -1;
	schema_tok_next(sql, len, &pos, &t);
	while (t.type != SCHEMA_TK_END && t.type != SCHEMA_TK_RPAREN) {
		/* One item, up to a comma or the closing parenthesis at depth 0. */
		size_t start = t.start, end = t.start;
		int depth = 0, match = name_is(sql, &t, col) &&
		            !schema_tok_is(sql, &t, "CONSTRAINT") && !schema_tok_is(sql, &t, "PRIMARY") &&
		            !schema_tok_is(sql, &t, "UNIQUE") && !schema_tok_is(sql, &t, "CHECK") &&
		            !schema_tok_is(sql, &t, "FOREIGN");

		while (t.type != SCHEMA_TK_END) {
			if (depth == 0 && (t.type == SCHEMA_TK_COMMA || t.type == SCHEMA_TK_RPAREN))
				break;
			if (t.type == SCHEMA_TK_LPAREN)
				depth++;
			else if (t.type == SCHEMA_TK_RPAREN)
				depth--;
			end = t.start + t.len;
			schema_tok_next(sql, len, &pos, &t);
		}
		if (match) {
			*from = start;
			*to = end;
			return 0;
		}
		if (t.type == SCHEMA_TK_COMMA)
			schema_tok_next(sql, len, &pos, &t);
	}
	return -1;
}

/* 1 when a column definition (text [from, to) of sql) holds CHECK (expr). */
static int def_has_check(const char *sql, size_t from, size_t to, const char *expr)
{
	size_t pos = from;
	struct schema_tok t;
	int found = 0;

	schema_tok_next(sql, to, &pos, &t);
	while (t.type != SCHEMA_TK_END && !found) {
		if (schema_tok_is(sql, &t, "CHECK")) {
			size_t gfrom, gto = 0;
			int depth = 0;
			char *text;

			schema_tok_next(sql, to, &pos, &t);
			if (t.type != SCHEMA_TK_LPAREN)
				continue;
			gfrom = pos;
			do {
				if (t.type == SCHEMA_TK_LPAREN)
					depth++;
				else if (t.type == SCHEMA_TK_RPAREN && --depth == 0)
					gto = t.start;
				if (depth > 0)
					schema_tok_next(sql, to, &pos, &t);
			} while (depth > 0 && t.type != SCHEMA_TK_END);
			if (gto > gfrom && (text = sbuf_strndup(sql + gfrom, gto - gfrom)) != NULL) {
				found = diff_sql_equal(SCHEMA_SQLITE, text, expr, NULL);
				free(text);
			}
		}
		schema_tok_next(sql, to, &pos, &t);
	}
	return found;
}

static int def_has_references(const char *sql, size_t from, size_t to)
{
	size_t pos = from;
	struct schema_tok t;

	for (;;) {
		schema_tok_next(sql, to, &pos, &t);
		if (t.type == SCHEMA_TK_END)
			return 0;
		if (schema_tok_is(sql, &t, "REFERENCES"))
			return 1;
	}
}

/* ---- can ALTER TABLE do it? ---------------------------------------------------- */

/* A default ALTER TABLE ADD COLUMN accepts on a table with rows: a literal. */
static int constant_default(const char *dflt)
{
	size_t len, pos = 0;
	struct schema_tok t;

	if (!dflt)
		return 1;
	len = strlen(dflt);
	schema_tok_next(dflt, len, &pos, &t);
	if (t.type == SCHEMA_TK_OP && t.len == 1 && (dflt[t.start] == '-' || dflt[t.start] == '+'))
		schema_tok_next(dflt, len, &pos, &t);
	if (t.type == SCHEMA_TK_LPAREN)
		return 0;
	if (!(t.type == SCHEMA_TK_NUMBER || t.type == SCHEMA_TK_STRING || schema_tok_is(dflt, &t, "NULL") ||
	      schema_tok_is(dflt, &t, "TRUE") || schema_tok_is(dflt, &t, "FALSE")))
		return 0;
	schema_tok_next(dflt, len, &pos, &t);
	return t.type == SCHEMA_TK_END;
}

static int default_is_null(const char *dflt)
{
	return !dflt || diff_sql_equal(SCHEMA_SQLITE, dflt, "NULL", NULL);
}

static int in_names(const struct schema_names *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (ieq(l->v[i], name))
			return 1;
	return 0;
}

static const struct schema_fk *fk_on_column(const struct schema_table *t, const char *col)
{
	size_t i;

	for (i = 0; i < t->nfks; i++)
		if (t->fks[i].columns.n == 1 && in_names(&t->fks[i].columns, col))
			return &t->fks[i];
	return NULL;
}

static char *why(const char *fmt, const char *a)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_addf(&sb, fmt, a);
	return sbuf_detach(&sb);
}

/* Why column cb (new in B) cannot be added with ALTER TABLE ADD COLUMN. */
static char *not_addable(const struct diff_table *p, const struct schema_column *cb)
{
	const struct schema_table *tb = p->b;
	const struct schema_fk *fk;
	size_t i, from, to;

	if (table_pk_position(tb, cb->name))
		return why("new column %s is in the primary key", cb->name);
	for (i = 0; i < tb->nuniques; i++)
		if (in_names(&tb->uniques[i].columns, cb->name))
			return why("new column %s is UNIQUE", cb->name);
	if (cb->generated && cb->generated_stored)
		return why("new column %s is a STORED generated column", cb->name);
	if (!cb->generated && !constant_default(cb->default_sql))
		return why("new column %s has a default that is not a constant", cb->name);
	if (cb->not_null && default_is_null(cb->default_sql) && !cb->generated)
		return why("new column %s is NOT NULL without a default", cb->name);
	if (column_def_span(tb->sql, cb->name, &from, &to))
		return why("the definition of new column %s cannot be found in the CREATE TABLE", cb->name);
	if ((fk = fk_on_column(tb, cb->name)) != NULL) {
		if (!default_is_null(cb->default_sql))
			return why("new column %s references another table and has a default", cb->name);
		if (!def_has_references(tb->sql, from, to))
			return why("the foreign key of new column %s is a table constraint", cb->name);
	}
	return NULL;
}

/* Why column ca (of A) cannot be dropped with ALTER TABLE DROP COLUMN. */
static char *not_droppable(const struct diff_table *p, const struct schema_column *ca)
{
	const struct schema_table *ta = p->a;
	size_t i;

	if (table_pk_position(ta, ca->name))
		return why("dropped column %s is in the primary key", ca->name);
	for (i = 0; i < ta->nuniques; i++)
		if (in_names(&ta->uniques[i].columns, ca->name))
			return why("dropped column %s is UNIQUE", ca->name);
	for (i = 0; i < ta->ncolumns; i++)
		if (&ta->columns[i] != ca && ta->columns[i].generated &&
		    diff_sql_mentions(SCHEMA_SQLITE, ta->columns[i].generated, ca->name))
			return why("dropped column %s is used by a generated column", ca->name);
	return NULL;
}

/* 1 when the check is written inside the definition of one of the columns
 * of t that the pair adds (in_b) or drops (!in_b). */
static int check_inline(const struct diff *d, const struct diff_table *p, const struct schema_check *k,
                        int in_b)
{
	size_t i, j, from, to;

	if (in_b) {
		for (j = 0; j < p->b->ncolumns; j++)
			if (!p->from[j] && !column_def_span(p->b->sql, p->b->columns[j].name, &from, &to) &&
			    def_has_check(p->b->sql, from, to, k->expression))
				return 1;
		return 0;
	}
	for (i = 0; i < d->n; i++) {
		const struct diff_change *c = &d->v[i];
		if (c->pair != p || c->kind != DIFF_DROP_COLUMN)
			continue;
		if (!column_def_span(p->a->sql, c->ca->name, &from, &to) &&
		    def_has_check(p->a->sql, from, to, k->expression))
			return 1;
	}
	return 0;
}

/* 1 when the single-column foreign key is inline on a column the pair adds
 * (in_b) or drops (!in_b). */
static int fk_inline(const struct diff *d, const struct diff_table *p, const struct schema_fk *fk,
                     int in_b)
{
	size_t i, j, from, to;

	if (fk->columns.n != 1)
		return 0;
	if (in_b) {
		for (j = 0; j < p->b->ncolumns; j++)
			if (!p->from[j] && in_names(&fk->columns, p->b->columns[j].name))
				return !column_def_span(p->b->sql, p->b->columns[j].name, &from, &to) &&
				       def_has_references(p->b->sql, from, to);
		return 0;
	}
	for (i = 0; i < d->n; i++) {
		const struct diff_change *c = &d->v[i];
		if (c->pair != p || c->kind != DIFF_DROP_COLUMN || !in_names(&fk->columns, c->ca->name))
			continue;
		return !column_def_span(p->a->sql, c->ca->name, &from, &to) &&
		       def_has_references(p->a->sql, from, to);
	}
	return 0;
}

int plan_sqlite_needs_rebuild(const struct diff *d, const struct diff_table *p, char **out)
{
	char *w = NULL;
	size_t i, j;
	int seen_new = 0;

	*out = NULL;
	if (!p->a || !p->b)
		return 0;
	if (!p->a->sql || !p->b->sql) {
		w = why("%s", "the table's CREATE TABLE text is unknown");
		goto rebuild;
	}
	/* ADD COLUMN appends: every new column must come after every kept one. */
	for (j = 0; j < p->b->ncolumns; j++) {
		if (!p->from[j])
			seen_new = 1;
		else if (seen_new) {
			w = why("a new column comes before kept column %s", p->b->columns[j].name);
			goto rebuild;
		}
	}
	for (i = 0; i < d->n && !w; i++) {
		const struct diff_change *c = &d->v[i];

		if (c->pair != p)
			continue;
		switch (c->kind) {
		case DIFF_RENAME_COLUMN:
			break;
		case DIFF_ADD_COLUMN:
			w = not_addable(p, c->cb);
			break;
		case DIFF_DROP_COLUMN:
			w = not_droppable(p, c->ca);
			break;
		case DIFF_ADD_CHECK:
			if (!check_inline(d, p, c->kb, 1))
				w = why("a CHECK constraint is added (%s)", c->kb->expression);
			break;
		case DIFF_DROP_CHECK:
			if (!check_inline(d, p, c->ka, 0))
				w = why("a CHECK constraint is dropped (%s)", c->ka->expression);
			break;
		case DIFF_ADD_FK:
			if (!fk_inline(d, p, c->fb, 1))
				w = why("a foreign key to %s is added", c->fb->ref_table);
			break;
		case DIFF_DROP_FK:
			if (!fk_inline(d, p, c->fa, 0))
				w = why("a foreign key to %s is dropped", c->fa->ref_table);
			break;
		case DIFF_ALTER_COLUMN:
			if (c->what & DIFF_COL_TYPE)
				w = why("the type of column %s changes", c->cb->name);
			else if (c->what & DIFF_COL_NULL)
				w = why(c->cb->not_null ? "column %s becomes NOT NULL" : "column %s becomes nullable",
				        c->cb->name);
			else if (c->what & DIFF_COL_DEFAULT)
				w = why("the default of column %s changes", c->cb->name);
			else if (c->what & DIFF_COL_COLLATE)
				w = why("the collation of column %s changes", c->cb->name);
			else
				w = why("the generated expression of column %s changes", c->cb->name);
			break;
		case DIFF_ADD_PRIMARY_KEY:
		case DIFF_DROP_PRIMARY_KEY:
			w = why("%s", "the primary key changes");
			break;
		case DIFF_ADD_UNIQUE:
			w = why("%s", "a UNIQUE constraint is added");
			break;
		case DIFF_DROP_UNIQUE:
			w = why("%s", "a UNIQUE constraint is dropped");
			break;
		case DIFF_ALTER_TABLE:
			w = why("%s", "a table option (STRICT, WITHOUT ROWID) changes");
			break;
		case DIFF_REORDER_COLUMNS:
			w = why("%s", "the columns' order changes");
			break;
		case DIFF_RENAME_CONSTRAINT:
			w = why("constraint %s is renamed", c->new_name);
			break;
		default:
			break;
		}
	}
	if (!w)
		return 0;
rebuild:
	if (!w)
		return STRATA_ENOMEM;
	*out = w;
	return 1;
}

/* ---- SQL ---------------------------------------------------------------------- */

static void ident(struct sbuf *sb, const char *name)
{
	schema_add_ident(sb, name);
}

static void stmt_end(struct sbuf *sb)
{
	sbuf_adds(sb, ";\n");
}

/* The stored CREATE text as a statement (no trailing ';' in the model). */
static void add_stored(struct sbuf *sb, const char *sql)
{
	size_t n = strlen(sql);

	while (n && (sql[n - 1] == ' ' || sql[n - 1] == '\n' || sql[n - 1] == '\t' ||
	             sql[n - 1] == '\r' || sql[n - 1] == ';'))
		n--;
	sbuf_add(sb, sql, n);
	stmt_end(sb);
}

static void new_name(struct sbuf *sb, const char *table)
{
	struct sbuf n = SBUF_INIT;

	sbuf_addf(&n, "_strata_new_%s", table);
	ident(sb, n.buf);
	sbuf_release(&n);
}

/* B's INTEGER PRIMARY KEY column, the rowid's alias, or NULL. */
static const char *rowid_alias(const struct schema_table *t)
{
	const struct schema_column *c;

	if (t->without_rowid || t->pk.columns.n != 1)
		return NULL;
	c = table_find_column_ex(t, t->pk.columns.v[0], 1);
	if (!c || diff_sql_equal(SCHEMA_SQLITE, c->type, "INTEGER", NULL) == 0)
		return NULL;
	return c->name;
}

static int rebuild_table(const struct diff_table *p, struct sbuf *sql)
{
	const struct schema_table *ta = p->a, *tb = p->b;
	struct sbuf cols = SBUF_INIT, sel = SBUF_INIT, lit = SBUF_INIT, nn = SBUF_INIT;
	size_t from, to, j, ncopy = 0;
	int keep_rowid;

	if (create_table_name_span(tb->sql, &from, &to))
		return STRATA_EUNSUPPORTED;
	sbuf_addf(sql, "-- rebuild %s: %s\n", tb->name, p->rebuild_why ? p->rebuild_why : "");
	sbuf_add(sql, tb->sql, from);
	new_name(sql, tb->name);
	add_stored(sql, tb->sql + to);
	/* Copy the kept columns in one INSERT ... SELECT; new columns take their
	 * defaults. Both sides with a rowid and none aliased in B: keep rowids,
	 * so anything that remembered one still finds its row. */
	keep_rowid = !ta->without_rowid && !tb->without_rowid && !rowid_alias(tb);
	if (keep_rowid) {
		sbuf_adds(&cols, "rowid");
		sbuf_adds(&sel, "rowid");
	}
	for (j = 0; j < tb->ncolumns; j++) {
		const struct schema_column *cb = &tb->columns[j], *ca = p->from[j];
		if (!ca || cb->generated || cb->hidden)
			continue;
		if (cols.len) {
			sbuf_adds(&cols, ", ");
			sbuf_adds(&sel, ", ");
		}
		ident(&cols, cb->name);
		ident(&sel, ca->name);
		ncopy++;
	}
	if (ncopy || keep_rowid) {
		sbuf_adds(sql, "INSERT INTO ");
		new_name(sql, tb->name);
		sbuf_addf(sql, " (%s) SELECT %s FROM ", cols.buf, sel.buf);
		ident(sql, tb->name);
		stmt_end(sql);
	}
	sbuf_addf(&nn, "_strata_new_%s", tb->name);
	if (ta->pk.autoincrement && tb->pk.autoincrement) {
		/* AUTOINCREMENT promises never to reuse a key: carry the counter over,
		 * it may be above the largest key copied. */
		sbuf_add_literal(&lit, tb->name);
		sbuf_adds(sql, "INSERT INTO sqlite_sequence (name, seq) SELECT ");
		sbuf_add_literal(sql, nn.buf);
		sbuf_addf(sql, ", 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ");
		sbuf_add_literal(sql, nn.buf);
		sbuf_adds(sql, ")");
		stmt_end(sql);
		sbuf_adds(sql, "UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM "
		          "sqlite_sequence WHERE name = ");
		sbuf_adds(sql, lit.buf);
		sbuf_adds(sql, "), 0)) WHERE name = ");
		sbuf_add_literal(sql, nn.buf);
		stmt_end(sql);
	}
	sbuf_adds(sql, "DROP TABLE ");
	ident(sql, tb->name);
	stmt_end(sql);
	sbuf_adds(sql, "PRAGMA legacy_alter_table = ON;\nALTER TABLE ");
	new_name(sql, tb->name);
	sbuf_adds(sql, " RENAME TO ");
	ident(sql, tb->name);
	stmt_end(sql);
	sbuf_adds(sql, "PRAGMA legacy_alter_table = OFF;\n");
	sbuf_release(&cols);
	sbuf_release(&sel);
	sbuf_release(&lit);
	sbuf_release(&nn);
	return 0;
}

static const char guard_sql[] =
	"-- strata: this migration rebuilds tables, which needs foreign key enforcement off\n"
	"-- (strata runs with it off; PRAGMA foreign_keys cannot change inside a transaction,\n"
	"-- and with it on, dropping the old table would run ON DELETE actions)\n"
	"CREATE TEMP TABLE _strata_guard (ok INTEGER CONSTRAINT "
	"\"table rebuilds need PRAGMA foreign_keys = OFF\" CHECK (ok));\n"
	"INSERT INTO temp._strata_guard SELECT NOT foreign_keys FROM pragma_foreign_keys;\n"
	"DROP TABLE temp._strata_guard;\n"
	"PRAGMA defer_foreign_keys = ON;\n";

/* Tables whose foreign keys the rebuilds may have broken: the rebuilt ones,
 * and those that reference one of them. */
static void fk_check(const struct diff *d, const struct plan_opts *o, struct sbuf *sql)
{
	struct sbuf list = SBUF_INIT;
	size_t i, j, k, n = 0;

	for (i = 0; i < d->b->ntables; i++) {
		const struct schema_table *t = d->b->tables[i];
		int want = 0;

		if (t->virtual_table || !t->nfks)
			continue;
		for (k = 0; k < d->n && !want; k++) {
			const struct diff_change *c = &d->v[k];
			if (c->kind != DIFF_REBUILD_TABLE || !plan_selects(o, c))
				continue;
			if (c->pair->b == t)
				want = 1;
			for (j = 0; j < t->nfks && !want; j++)
				if (ieq(t->fks[j].ref_table, c->pair->b->name))
					want = 1;
		}
		if (!want)
			continue;
		if (n++)
			sbuf_adds(&list, "\n  + ");
		sbuf_adds(&list, "(SELECT count(*) FROM pragma_foreign_key_check(");
		sbuf_add_literal(&list, t->name);
		sbuf_adds(&list, "))");
	}
	if (n) {
		sbuf_adds(sql, "-- strata: the rebuilds must leave every foreign key satisfied "
		          "(PRAGMA foreign_key_check, made fatal)\n"
		          "CREATE TEMP TABLE _strata_fk_check (n INTEGER CONSTRAINT "
		          "\"foreign key violations after the rebuild (see PRAGMA foreign_key_check)\" "
		          "CHECK (n = 0));\n"
		          "INSERT INTO temp._strata_fk_check SELECT ");
		sbuf_adds(sql, list.buf);
		sbuf_adds(sql, ";\nDROP TABLE temp._strata_fk_check;\n");
	}
	sbuf_release(&list);
}

int plan_sqlite(const struct diff *d, const struct plan_opts *o, struct sbuf *sql)
{
	size_t i;
	int rc = 0, rebuilds = 0;

	for (i = 0; i < d->n; i++)
		if (d->v[i].kind == DIFF_REBUILD_TABLE && plan_selects(o, &d->v[i]))
			rebuilds++;
	if (rebuilds)
		sbuf_adds(sql, guard_sql);
	for (i = 0; i < d->n && !rc; i++) {
		const struct diff_change *c = &d->v[i];
		const struct diff_table *p = c->pair;

		if (!plan_selects(o, c))
			continue;
		switch (c->kind) {
		case DIFF_DROP_TRIGGER:
			sbuf_adds(sql, "DROP TRIGGER ");
			ident(sql, c->ra->name);
			stmt_end(sql);
			break;
		case DIFF_DROP_VIEW:
			sbuf_adds(sql, "DROP VIEW ");
			ident(sql, c->va->name);
			stmt_end(sql);
			break;
		case DIFF_DROP_INDEX:
			sbuf_adds(sql, "DROP INDEX ");
			ident(sql, c->ia->name);
			stmt_end(sql);
			break;
		case DIFF_RENAME_TABLE:
			sbuf_adds(sql, "ALTER TABLE ");
			ident(sql, p->a->name);
			sbuf_adds(sql, " RENAME TO ");
			ident(sql, p->b->name);
			stmt_end(sql);
			break;
		case DIFF_CREATE_TABLE:
			if (!p->b->sql) {
				rc = STRATA_EUNSUPPORTED;
				break;
			}
			add_stored(sql, p->b->sql);
			break;
		case DIFF_REBUILD_TABLE:
			rc = rebuild_table(p, sql);
			break;
		case DIFF_RENAME_COLUMN:
			if (p->rebuild)
				break;
			sbuf_adds(sql, "ALTER TABLE ");
			ident(sql, p->b->name);
			sbuf_adds(sql, " RENAME COLUMN ");
			ident(sql, c->ca->name);
			sbuf_adds(sql, " TO ");
			ident(sql, c->cb->name);
			stmt_end(sql);
			break;
		case DIFF_ADD_COLUMN: {
			size_t from, to;
			if (p->rebuild)
				break;
			if (column_def_span(p->b->sql, c->cb->name, &from, &to)) {
				rc = STRATA_EUNSUPPORTED;
				break;
			}
			sbuf_adds(sql, "ALTER TABLE ");
			ident(sql, p->b->name);
			sbuf_adds(sql, " ADD COLUMN ");
			sbuf_add(sql, p->b->sql + from, to - from);
			stmt_end(sql);
			break;
		}
		case DIFF_DROP_COLUMN:
			if (p->rebuild)
				break;
			sbuf_adds(sql, "ALTER TABLE ");
			ident(sql, p->b->name);
			sbuf_adds(sql, " DROP COLUMN ");
			ident(sql, c->ca->name);
			stmt_end(sql);
			break;
		case DIFF_ALTER_TABLE:
			if (p->a->virtual_table && p->b->virtual_table) {
				/* A virtual table's module owns its storage: re-create. */
				sbuf_adds(sql, "DROP TABLE ");
				ident(sql, p->a->name);
				stmt_end(sql);
				add_stored(sql, p->b->sql);
			}
			break;
		case DIFF_DROP_TABLE:
			sbuf_adds(sql, "DROP TABLE ");
			ident(sql, p->a->name);
			stmt_end(sql);
			break;
		case DIFF_CREATE_INDEX:
			if (!c->ib->sql) {
				rc = STRATA_EUNSUPPORTED;
				break;
			}
			add_stored(sql, c->ib->sql);
			break;
		case DIFF_CREATE_VIEW:
			if (!c->vb->sql) {
				rc = STRATA_EUNSUPPORTED;
				break;
			}
			add_stored(sql, c->vb->sql);
			break;
		case DIFF_CREATE_TRIGGER:
			if (!c->rb->sql) {
				rc = STRATA_EUNSUPPORTED;
				break;
			}
			add_stored(sql, c->rb->sql);
			break;
		default:
			/* Constraint changes are made by their table's rebuild or
			 * column definition; other kinds do not exist on SQLite. */
			break;
		}
	}
	if (!rc && rebuilds)
		fk_check(d, o, sql);
	if (!rc && sbuf_failed(sql))
		rc = STRATA_ENOMEM;
	return rc;
}
