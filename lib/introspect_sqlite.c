/*
 * introspect_sqlite.c: a live SQLite database -> the schema model.
 *
 * The engine is the parser: columns, types, defaults, NOT NULL, primary key
 * positions, foreign keys with their actions, index keys and unique
 * constraints all come from the PRAGMAs, read as table-valued functions
 * joined over sqlite_master, so that the whole schema takes five queries
 * whatever its size (a 2,000-table schema: one query per kind, not one per
 * table). Only what no PRAGMA reports is read from the stored CREATE text,
 * with the tokenizer of schema.c: CHECK constraints, column COLLATE,
 * generated column expressions, constraint names, DEFERRABLE, STRICT,
 * WITHOUT ROWID, AUTOINCREMENT, index key expressions and WHERE, and a
 * view's query. That parser is lenient by design: text it does not follow is
 * skipped, never trusted and never a crash; the PRAGMAs stay authoritative.
 */
#include "introspect.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "strata.h"

struct ctx {
	sqlite3 *db;
	struct schema *s;
	struct drv_err *err;
};

static int fail_oom(struct ctx *x)
{
	drv_err_set(x->err, STRATA_ENOMEM, "out of memory reading the schema");
	return STRATA_ENOMEM;
}

static int fail_sql(struct ctx *x, const char *what)
{
	int rc = sqlite3_errcode(x->db) == SQLITE_NOMEM ? STRATA_ENOMEM : STRATA_ESQL;

	drv_err_set(x->err, rc, "cannot read the schema (%s): %s", what, sqlite3_errmsg(x->db));
	return rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Run sql, calling row() for each row; a non-zero return stops and is returned. */
static int run(struct ctx *x, const char *sql, const char *what,
               int (*row)(struct ctx *, sqlite3_stmt *, void *), void *payload)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, src;

	if (sqlite3_prepare_v2(x->db, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = fail_sql(x, what);
		goto out;
	}
	while ((src = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = row(x, st, payload)))
			goto out;
	if (src != SQLITE_DONE)
		rc = fail_sql(x, what);
out:
	sqlite3_finalize(st);
	return rc;
}

/* The body of a binary search by name in the sorted array arr of n objects
 * (SQLite has no schemas here, and names differ in more than case). */
#define FIND_SORTED(arr, n)                                                         \
	do {                                                                        \
		size_t lo_ = 0, hi_ = (n);                                          \
		while (name && lo_ < hi_) {                                         \
			size_t mid_ = lo_ + (hi_ - lo_) / 2;                        \
			int r_ = schema_name_cmp(s, name, (arr)[mid_]->name);      \
			if (!r_)                                                    \
				return (arr)[mid_];                                 \
			if (r_ < 0)                                                 \
				hi_ = mid_;                                         \
			else                                                        \
				lo_ = mid_ + 1;                                     \
		}                                                                   \
		return NULL;                                                        \
	} while (0)

static struct schema_table *find_table(const struct schema *s, const char *name)
{
	FIND_SORTED(s->tables, s->ntables);
}

static struct schema_index *find_index(const struct schema *s, const char *name)
{
	FIND_SORTED(s->indexes, s->nindexes);
}

/* ---- the stored CREATE text ------------------------------------------------ */

struct cur {
	const char *sql;
	size_t len, pos;
	struct schema_tok tok;
};

static void cur_init(struct cur *c, const char *sql)
{
	c->sql = sql ? sql : "";
	c->len = strlen(c->sql);
	c->pos = 0;
	schema_tok_next(c->sql, c->len, &c->pos, &c->tok);
}

static void next(struct cur *c)
{
	schema_tok_next(c->sql, c->len, &c->pos, &c->tok);
}

static int at(const struct cur *c, const char *kw)
{
	return schema_tok_is(c->sql, &c->tok, kw);
}

static int eat(struct cur *c, const char *kw)
{
	if (!at(c, kw))
		return 0;
	next(c);
	return 1;
}

static int at_type(const struct cur *c, enum schema_tok_type type)
{
	return c->tok.type == type;
}

static int at_name(const struct cur *c)
{
	return at_type(c, SCHEMA_TK_WORD) || at_type(c, SCHEMA_TK_QUOTED) ||
	       at_type(c, SCHEMA_TK_STRING);
}

static int at_item_end(const struct cur *c)
{
	return at_type(c, SCHEMA_TK_COMMA) || at_type(c, SCHEMA_TK_RPAREN) ||
	       at_type(c, SCHEMA_TK_END);
}

/*
 * At '(': move past the matching ')' and return the text between them, from
 * the first inner token to the end of the last (so comments at the edges,
 * which would swallow a closing parenthesis when the text is re-rendered on
 * one line, are left out). NULL when out of memory; "" for "()".
 */
static char *group_text(struct cur *c)
{
	size_t first = 0, last = 0;
	int depth = 0, any = 0;

	do {
		if (at_type(c, SCHEMA_TK_END))
			break;
		if (at_type(c, SCHEMA_TK_LPAREN) && depth++ == 0) {
			next(c);
			continue;
		}
		if (at_type(c, SCHEMA_TK_RPAREN) && --depth == 0) {
			next(c);
			break;
		}
		if (!any)
			first = c->tok.start;
		any = 1;
		last = c->tok.start + c->tok.len;
		next(c);
	} while (depth > 0);
	return any ? sbuf_strndup(c->sql + first, last - first) : strdup("");
}

/* At '(': move past the matching ')'. Returns the offset just past it (the
 * end of the text when it is missing). */
static size_t skip_group(struct cur *c)
{
	size_t end = c->len;
	int depth = 0;

	do {
		if (at_type(c, SCHEMA_TK_END))
			return c->len;
		if (at_type(c, SCHEMA_TK_LPAREN))
			depth++;
		else if (at_type(c, SCHEMA_TK_RPAREN))
			depth--;
		end = c->tok.start + c->tok.len;
		next(c);
	} while (depth > 0);
	return end;
}

/* Skip one token, or a whole group at '('. Returns the offset just past
 * what was skipped. */
static size_t skip_one(struct cur *c)
{
	size_t end = c->tok.start + c->tok.len;

	if (at_type(c, SCHEMA_TK_LPAREN))
		return skip_group(c);
	next(c);
	return end;
}

/* The name at the cursor, dequoted (NULL if none or out of memory), moving past it. */
static char *take_name(struct cur *c, int *oom)
{
	char *n;

	if (!at_name(c))
		return NULL;
	if (!(n = schema_tok_name(c->sql, &c->tok)))
		*oom = 1;
	next(c);
	return n;
}

/*
 * At '(': a list of indexed columns "(a COLLATE x DESC, b)", keeping the
 * first name of each item; *autoinc set when AUTOINCREMENT appears (SQLite
 * accepts PRIMARY KEY(id AUTOINCREMENT)).
 */
static int name_list(struct cur *c, struct schema_names *out, int *autoinc)
{
	int oom = 0;

	if (!at_type(c, SCHEMA_TK_LPAREN))
		return 0;
	next(c);
	for (;;) {
		char *n = take_name(c, &oom);

		if (n && schema_names_add(out, n))
			oom = 1;
		free(n);
		if (oom)
			return STRATA_ENOMEM;
		while (!at_item_end(c)) {
			if (autoinc && at(c, "AUTOINCREMENT"))
				*autoinc = 1;
			skip_one(c);
		}
		if (!at_type(c, SCHEMA_TK_COMMA))
			break;
		next(c);
	}
	if (at_type(c, SCHEMA_TK_RPAREN))
		next(c);
	return 0;
}

static void skip_conflict(struct cur *c)
{
	if (at(c, "ON")) {
		next(c);
		eat(c, "CONFLICT");
		next(c);
	}
}

/* What the text says about one foreign key, beyond what the PRAGMA says. */
struct parsed_fk {
	char *name;
	struct schema_names columns;
	char *ref_table;
	int deferrable, initially_deferred;
};

static void parsed_fk_release(struct parsed_fk *p)
{
	free(p->name);
	free(p->ref_table);
	schema_names_release(&p->columns);
	memset(p, 0, sizeof(*p));
}

/* After REFERENCES: "tbl [(cols)] [ON DELETE|UPDATE action | MATCH x |
 * [NOT] DEFERRABLE [INITIALLY DEFERRED|IMMEDIATE]]..." */
static int fk_clause(struct cur *c, struct parsed_fk *p)
{
	int oom = 0;

	p->ref_table = take_name(c, &oom);
	if (oom)
		return STRATA_ENOMEM;
	if (at_type(c, SCHEMA_TK_LPAREN))
		skip_group(c);
	for (;;) {
		if (at(c, "ON")) {
			next(c);
			next(c); /* DELETE / UPDATE */
			if (eat(c, "SET") || eat(c, "NO"))
				next(c); /* NULL, DEFAULT, ACTION */
			else
				next(c); /* CASCADE, RESTRICT */
		} else if (eat(c, "MATCH")) {
			next(c);
		} else if (at(c, "NOT")) {
			/* NOT DEFERRABLE belongs here; NOT NULL is the column's. */
			struct cur save = *c;

			next(c);
			if (!eat(c, "DEFERRABLE")) {
				*c = save;
				break;
			}
			p->deferrable = 0;
			if (eat(c, "INITIALLY"))
				next(c);
		} else if (eat(c, "DEFERRABLE")) {
			p->deferrable = 1;
			if (eat(c, "INITIALLY")) {
				p->initially_deferred = at(c, "DEFERRED");
				next(c); /* DEFERRED or IMMEDIATE */
			}
		} else {
			break;
		}
	}
	return 0;
}

/* Give the PRAGMA's foreign key that p describes its name and deferral.
 * 0, or STRATA_ENOMEM. */
static int match_fk(struct schema_table *t, unsigned char *done, const struct parsed_fk *p)
{
	size_t i;

	if (!p->ref_table)
		return 0;
	for (i = 0; i < t->nfks; i++) {
		struct schema_fk *fk = &t->fks[i];

		if (done[i] || !fk->ref_table || sqlite3_stricmp(fk->ref_table, p->ref_table) ||
		    !schema_names_equal(&fk->columns, &p->columns, 1))
			continue;
		done[i] = 1;
		fk->deferrable = p->deferrable;
		fk->initially_deferred = p->initially_deferred;
		return p->name ? schema_set_str(&fk->name, p->name) : 0;
	}
	return 0;
}

/* Name the unique constraint (read from an autoindex) that has these
 * columns. 0, or STRATA_ENOMEM. */
static int name_unique(struct schema_table *t, const char *name, const struct schema_names *cols)
{
	size_t i;

	if (!name)
		return 0;
	for (i = 0; i < t->nuniques; i++)
		if (!t->uniques[i].name && schema_names_equal(&t->uniques[i].columns, cols, 1))
			return schema_set_str(&t->uniques[i].name, name);
	return 0;
}

static int is_column_constraint_word(const struct cur *c)
{
	static const char *const kw[] = { "CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE",
	                                  "CHECK", "DEFAULT", "COLLATE", "REFERENCES",
	                                  "GENERATED", "AS" };
	size_t i;

	for (i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (at(c, kw[i]))
			return 1;
	return 0;
}

/* One column definition: what the PRAGMA does not say goes onto its column. */
static int column_def(struct cur *c, struct schema_table *t, unsigned char *fk_done)
{
	struct parsed_fk p = { 0 };
	struct schema_names one = { 0 };
	struct schema_column *col;
	char *name = NULL, *cname = NULL, *text = NULL;
	int oom = 0, rc = 0;

	if (!(name = take_name(c, &oom))) {
		if (oom)
			goto nomem;
		goto out;
	}
	col = table_find_column_ex(t, name, 1);
	if (schema_names_add(&one, name))
		goto nomem;
	/* The type: names, then an optional "(n)" or "(n, m)". */
	while (at_name(c) && !is_column_constraint_word(c))
		next(c);
	if (at_type(c, SCHEMA_TK_LPAREN))
		skip_group(c);
	while (!at_item_end(c)) {
		if (eat(c, "CONSTRAINT")) {
			free(cname);
			cname = take_name(c, &oom);
			if (oom)
				goto nomem;
			continue; /* the name belongs to the next constraint */
		}
		if (eat(c, "PRIMARY")) {
			eat(c, "KEY");
			if (!eat(c, "ASC"))
				eat(c, "DESC");
			skip_conflict(c);
			if (eat(c, "AUTOINCREMENT"))
				t->pk.autoincrement = 1;
			if (cname && schema_set_str(&t->pk.name, cname))
				goto nomem;
		} else if (eat(c, "UNIQUE")) {
			skip_conflict(c);
			if (name_unique(t, cname, &one))
				goto nomem;
		} else if (eat(c, "CHECK")) {
			if (at_type(c, SCHEMA_TK_LPAREN)) {
				if (!(text = group_text(c)) || !table_add_check(t, cname, text))
					goto nomem;
				free(text);
				text = NULL;
			}
		} else if (eat(c, "DEFAULT")) {
			/* The PRAGMA has the value; just step over it. */
			if (at_type(c, SCHEMA_TK_OP))
				next(c); /* a sign */
			skip_one(c);
		} else if (eat(c, "COLLATE")) {
			if (!(text = take_name(c, &oom)) && oom)
				goto nomem;
			if (col && text && schema_set_str(&col->collation, text))
				goto nomem;
			free(text);
			text = NULL;
		} else if (eat(c, "REFERENCES")) {
			if (fk_clause(c, &p) || schema_names_add(&p.columns, name))
				goto nomem;
			p.name = cname;
			cname = NULL;
			if (match_fk(t, fk_done, &p))
				goto nomem;
			parsed_fk_release(&p);
		} else if (eat(c, "GENERATED")) {
			eat(c, "ALWAYS");
			continue; /* AS (...) follows */
		} else if (eat(c, "AS")) {
			if (at_type(c, SCHEMA_TK_LPAREN)) {
				if (!(text = group_text(c)))
					goto nomem;
				if (col && schema_set_str(&col->generated, text))
					goto nomem;
				free(text);
				text = NULL;
			}
			if (col)
				col->generated_stored = eat(c, "STORED");
			eat(c, "VIRTUAL");
		} else if (at(c, "ON")) {
			skip_conflict(c);
		} else {
			skip_one(c); /* NOT NULL, NULL, ASC, and whatever we do not know */
		}
		free(cname);
		cname = NULL;
	}
	goto out;
nomem:
	rc = STRATA_ENOMEM;
out:
	parsed_fk_release(&p);
	schema_names_release(&one);
	free(name);
	free(cname);
	free(text);
	return rc;
}

/* One table constraint: [CONSTRAINT n] PRIMARY KEY | UNIQUE | CHECK | FOREIGN KEY. */
static int table_constraint(struct cur *c, struct schema_table *t, unsigned char *fk_done)
{
	struct parsed_fk p = { 0 };
	struct schema_names cols = { 0 };
	char *cname = NULL, *text = NULL;
	int oom = 0, rc = 0;

	if (eat(c, "CONSTRAINT")) {
		cname = take_name(c, &oom);
		if (oom)
			goto nomem;
	}
	if (eat(c, "PRIMARY")) {
		eat(c, "KEY");
		if (name_list(c, &cols, &t->pk.autoincrement))
			goto nomem;
		if (cname && schema_set_str(&t->pk.name, cname))
			goto nomem;
	} else if (eat(c, "UNIQUE")) {
		if (name_list(c, &cols, NULL) || name_unique(t, cname, &cols))
			goto nomem;
	} else if (eat(c, "CHECK")) {
		if (at_type(c, SCHEMA_TK_LPAREN)) {
			if (!(text = group_text(c)) || !table_add_check(t, cname, text))
				goto nomem;
		}
	} else if (eat(c, "FOREIGN")) {
		eat(c, "KEY");
		if (name_list(c, &p.columns, NULL))
			goto nomem;
		if (eat(c, "REFERENCES")) {
			if (fk_clause(c, &p))
				goto nomem;
			p.name = cname;
			cname = NULL;
			if (match_fk(t, fk_done, &p))
				goto nomem;
		}
	}
	goto out;
nomem:
	rc = STRATA_ENOMEM;
out:
	parsed_fk_release(&p);
	schema_names_release(&cols);
	free(cname);
	free(text);
	return rc;
}

static int at_table_constraint(const struct cur *c)
{
	return at(c, "CONSTRAINT") || at(c, "PRIMARY") || at(c, "UNIQUE") || at(c, "CHECK") ||
	       at(c, "FOREIGN");
}

/* Skip the name a CREATE gives: "[IF NOT EXISTS] [schema.]name". */
static void skip_created_name(struct cur *c)
{
	if (eat(c, "IF")) {
		eat(c, "NOT");
		eat(c, "EXISTS");
	}
	next(c);
	if (at_type(c, SCHEMA_TK_DOT)) {
		next(c);
		next(c);
	}
}

static int parse_create_table(struct schema_table *t)
{
	struct cur c;
	unsigned char *fk_done;
	int rc = 0;

	if (!(fk_done = calloc(t->nfks + 1, 1)))
		return STRATA_ENOMEM;
	cur_init(&c, t->sql);
	if (!eat(&c, "CREATE"))
		goto out;
	if (!eat(&c, "TEMP"))
		eat(&c, "TEMPORARY");
	if (!eat(&c, "TABLE"))
		goto out;
	skip_created_name(&c);
	if (!at_type(&c, SCHEMA_TK_LPAREN))
		goto out;
	next(&c);
	for (;;) {
		int tcons = at_table_constraint(&c);

		if ((rc = tcons ? table_constraint(&c, t, fk_done) : column_def(&c, t, fk_done)))
			goto out;
		/* Skip what the item had that we did not follow. SQLite lets
		 * table constraints follow each other without a comma. */
		while (!at_item_end(&c) && !(tcons && at_table_constraint(&c)))
			skip_one(&c);
		if (tcons && at_table_constraint(&c))
			continue;
		if (!at_type(&c, SCHEMA_TK_COMMA))
			break;
		next(&c);
	}
	if (!at_type(&c, SCHEMA_TK_RPAREN))
		goto out;
	next(&c);
	for (;;) {
		if (eat(&c, "WITHOUT")) {
			if (eat(&c, "ROWID"))
				t->without_rowid = 1;
		} else if (eat(&c, "STRICT")) {
			t->strict = 1;
		} else if (at_type(&c, SCHEMA_TK_COMMA)) {
			next(&c);
		} else {
			break;
		}
	}
out:
	free(fk_done);
	return rc;
}

/* Text from the cursor to the end of the last token of the statement. */
static char *rest_text(struct cur *c)
{
	size_t first = c->tok.start, last = c->tok.start;

	while (!at_type(c, SCHEMA_TK_END) && !at_type(c, SCHEMA_TK_SEMI)) {
		last = c->tok.start + c->tok.len;
		next(c);
	}
	return sbuf_strndup(c->sql + first, last - first);
}

/*
 * CREATE [UNIQUE] INDEX [IF NOT EXISTS] [s.]name ON tbl (key, ...) [WHERE expr]:
 * the PRAGMA gave the keys; the text adds expression keys' text, collations
 * as written and the WHERE predicate.
 */
static int parse_create_index(struct schema_index *ix)
{
	struct cur c;
	size_t k = 0;
	char *text = NULL;
	int rc = 0;

	cur_init(&c, ix->sql);
	if (!eat(&c, "CREATE"))
		goto out;
	eat(&c, "UNIQUE");
	if (!eat(&c, "INDEX"))
		goto out;
	skip_created_name(&c);
	if (!eat(&c, "ON"))
		goto out;
	next(&c);
	if (!at_type(&c, SCHEMA_TK_LPAREN))
		goto out;
	next(&c);
	for (;;) {
		/* One key: expr [COLLATE name] [ASC|DESC]. Remember where the
		 * expression ends: before a top-level COLLATE, ASC or DESC. */
		size_t first = c.tok.start, end = c.tok.start;
		struct schema_tok coll = { SCHEMA_TK_END, 0, 0 };
		int in_tail = 0;

		while (!at_item_end(&c)) {
			if (at(&c, "COLLATE")) {
				in_tail = 1;
				next(&c);
				if (at_name(&c))
					coll = c.tok;
				next(&c);
				continue;
			}
			if (at(&c, "ASC") || at(&c, "DESC"))
				in_tail = 1;
			if (!in_tail) {
				end = skip_one(&c);
				continue;
			}
			next(&c);
		}
		if (k < ix->nkeys) {
			struct schema_index_key *key = &ix->keys[k];

			if (!key->column && end > first) {
				if (!(text = sbuf_strndup(c.sql + first, end - first)) ||
				    schema_set_str(&key->expression, text))
					goto nomem;
				free(text);
				text = NULL;
			}
			if (coll.type != SCHEMA_TK_END) {
				if (!(text = schema_tok_name(c.sql, &coll)) ||
				    schema_set_str(&key->collation, text))
					goto nomem;
				free(text);
				text = NULL;
			}
		}
		k++;
		if (!at_type(&c, SCHEMA_TK_COMMA))
			break;
		next(&c);
	}
	if (!at_type(&c, SCHEMA_TK_RPAREN))
		goto out;
	next(&c);
	if (eat(&c, "WHERE")) {
		if (!(text = rest_text(&c)) || schema_set_str(&ix->where, text))
			goto nomem;
	}
	goto out;
nomem:
	rc = STRATA_ENOMEM;
out:
	free(text);
	return rc;
}

/* CREATE [TEMP] VIEW [IF NOT EXISTS] [s.]name [(cols)] AS query: the query. */
static int parse_create_view(struct schema_view *v)
{
	struct cur c;
	char *text;

	cur_init(&c, v->sql);
	while (!at_type(&c, SCHEMA_TK_END) && !at(&c, "AS"))
		skip_one(&c);
	if (!eat(&c, "AS"))
		return 0;
	if (!(text = rest_text(&c)))
		return STRATA_ENOMEM;
	free(v->definition);
	v->definition = text;
	return 0;
}

/* ---- the queries ----------------------------------------------------------- */

static int row_object(struct ctx *x, sqlite3_stmt *st, void *unused)
{
	const char *type = col_text(st, 0), *name = col_text(st, 1), *tbl = col_text(st, 2),
	           *sql = col_text(st, 3);
	struct schema_table *t;
	struct schema_index *ix;
	struct schema_view *v;

	(void)unused;
	if (!type || !name)
		return 0;
	if (!strcmp(type, "table")) {
		if (!(t = schema_add_table(x->s, NULL, name)) || schema_set_str(&t->sql, sql))
			return fail_oom(x);
		/* SQLite stores every virtual table as "CREATE VIRTUAL TABLE ...". */
		t->virtual_table = sql && !strncmp(sql, "CREATE VIRTUAL ", 15);
	} else if (!strcmp(type, "index")) {
		if (!sql)
			return 0; /* an autoindex: read as a constraint */
		if (!(ix = schema_add_index(x->s, NULL, name, tbl)) || schema_set_str(&ix->sql, sql))
			return fail_oom(x);
	} else if (!strcmp(type, "view")) {
		if (!(v = schema_add_view(x->s, NULL, name, NULL)) || schema_set_str(&v->sql, sql))
			return fail_oom(x);
	} else if (!strcmp(type, "trigger")) {
		if (!schema_add_trigger(x->s, NULL, name, tbl, sql))
			return fail_oom(x);
	}
	return 0;
}

static int row_shadow(struct ctx *x, sqlite3_stmt *st, void *unused)
{
	struct schema_table *t = find_table(x->s, col_text(st, 0));

	(void)unused;
	if (t)
		schema_remove_table(x->s, t);
	return 0;
}

/* Columns arrive grouped by table, in cid order; primary key positions are
 * gathered per table and turned into pk.columns when the table is done. */
struct colstate {
	struct schema_table *t;
	int *pkpos;
	size_t npk, alloc;
};

static int finish_pk(struct ctx *x, struct colstate *cs)
{
	size_t i, n = cs->npk;
	int rc = 0;

	if (!cs->t || !n)
		goto out;
	/* pkpos[i] is column i's 1-based place in the key, 0 if not in it:
	 * turn it around in place by walking the places in order. */
	for (int want = 1; (size_t)want <= n; want++) {
		for (i = 0; i < n && cs->pkpos[i] != want; i++)
			;
		if (i == n)
			break;
		if (schema_names_add(&cs->t->pk.columns, cs->t->columns[i].name)) {
			rc = fail_oom(x);
			goto out;
		}
	}
out:
	cs->npk = 0;
	return rc;
}

static int row_column(struct ctx *x, sqlite3_stmt *st, void *payload)
{
	struct colstate *cs = payload;
	const char *tname = col_text(st, 0), *dflt = col_text(st, 5);
	struct schema_column *c;
	int hidden = sqlite3_column_int(st, 7), rc;

	if (!tname)
		return 0;
	if (!cs->t || strcmp(cs->t->name, tname)) {
		if ((rc = finish_pk(x, cs)))
			return rc;
		cs->t = find_table(x->s, tname);
	}
	if (!cs->t || cs->t->virtual_table)
		return 0;
	if (cs->npk == cs->alloc) {
		size_t n = cs->alloc ? cs->alloc * 2 : 64;
		int *p = realloc(cs->pkpos, n * sizeof(*p));

		if (!p)
			return fail_oom(x);
		cs->pkpos = p;
		cs->alloc = n;
	}
	if (!(c = table_add_column(cs->t, col_text(st, 2), col_text(st, 3))))
		return fail_oom(x);
	cs->pkpos[cs->npk++] = sqlite3_column_int(st, 6);
	c->ordinal = sqlite3_column_int(st, 1) + 1;
	c->not_null = sqlite3_column_int(st, 4) != 0;
	if (dflt && schema_set_str(&c->default_sql, dflt))
		return fail_oom(x);
	if (hidden == 1) {
		c->hidden = 1;
	} else if (hidden == 2 || hidden == 3) {
		/* Generated; the expression comes from the CREATE text. "" marks
		 * the column as generated even if that text cannot be followed. */
		if (schema_set_str(&c->generated, ""))
			return fail_oom(x);
		c->generated_stored = hidden == 3;
	}
	return 0;
}

struct fkstate {
	struct schema_table *t;
	int id;
	size_t fk; /* index into t->fks of the key being read */
};

static int row_fk(struct ctx *x, sqlite3_stmt *st, void *payload)
{
	struct fkstate *fs = payload;
	const char *tname = col_text(st, 0), *from = col_text(st, 4), *to = col_text(st, 5);
	int id = sqlite3_column_int(st, 1);
	struct schema_fk *fk;

	if (!tname)
		return 0;
	if (!fs->t || strcmp(fs->t->name, tname)) {
		fs->t = find_table(x->s, tname);
		fs->id = -1;
	}
	if (!fs->t)
		return 0;
	if (id != fs->id) {
		if (!(fk = table_add_fk(fs->t, NULL, NULL, col_text(st, 3))))
			return fail_oom(x);
		fk->on_update = schema_fk_action_parse(col_text(st, 6));
		fk->on_delete = schema_fk_action_parse(col_text(st, 7));
		fs->id = id;
		fs->fk = fs->t->nfks - 1;
	}
	fk = &fs->t->fks[fs->fk];
	if ((from && schema_names_add(&fk->columns, from)) ||
	    (to && schema_names_add(&fk->ref_columns, to)))
		return fail_oom(x);
	return 0;
}

/* Index keys arrive grouped by table, then index, in key order. */
struct ixstate {
	struct schema_table *t;
	struct sbuf ixname;     /* the index being read */
	struct schema_index *ix;   /* a user index ('c') */
	size_t unique;          /* index into t->uniques ('u'), or (size_t)-1 */
};

static int row_index_key(struct ctx *x, sqlite3_stmt *st, void *payload)
{
	struct ixstate *is = payload;
	const char *tname = col_text(st, 0), *iname = col_text(st, 1), *origin = col_text(st, 3),
	           *cname = col_text(st, 7);
	int cid = sqlite3_column_int(st, 6);
	struct schema_index_key *k;

	if (!tname || !iname || !origin)
		return 0;
	if (!is->t || strcmp(is->t->name, tname)) {
		is->t = find_table(x->s, tname);
		sbuf_reset(&is->ixname);
	}
	if (!is->t)
		return 0;
	if (strcmp(is->ixname.buf, iname)) {
		sbuf_reset(&is->ixname);
		sbuf_adds(&is->ixname, iname);
		if (sbuf_failed(&is->ixname))
			return fail_oom(x);
		is->ix = NULL;
		is->unique = (size_t)-1;
		if (!strcmp(origin, "c")) {
			if ((is->ix = find_index(x->s, iname)))
				is->ix->unique = sqlite3_column_int(st, 2) != 0;
		} else if (!strcmp(origin, "u")) {
			if (!table_add_unique(is->t, NULL))
				return fail_oom(x);
			is->unique = is->t->nuniques - 1;
		}
	}
	if (cid == -1)
		cname = "rowid";
	if (is->ix) {
		/* Expression keys (cid -2) get their text from the CREATE INDEX. */
		if (!(k = index_add_key(is->ix, cid == -2 ? NULL : cname, NULL)))
			return fail_oom(x);
		k->desc = sqlite3_column_int(st, 8) != 0;
	} else if (is->unique != (size_t)-1 && cname) {
		if (schema_names_add(&is->t->uniques[is->unique].columns, cname))
			return fail_oom(x);
	}
	return 0;
}

/*
 * Every query skips SQLite's own objects (any name beginning "sqlite_", in
 * any case: SQLite reserves them so, and LIKE could be made case-sensitive
 * by a pragma) and joins the PRAGMAs only over ordinary tables: a virtual
 * table's module may not be loaded here, and then its PRAGMAs fail.
 */
#define USER_OBJECT "lower(substr(m.name, 1, 7)) <> 'sqlite_'"
#define PLAIN_TABLE "m.type = 'table' AND " USER_OBJECT \
	" AND substr(coalesce(m.sql, ''), 1, 15) <> 'CREATE VIRTUAL '"

static const char q_objects[] =
	"SELECT m.type, m.name, m.tbl_name, m.sql FROM main.sqlite_master AS m WHERE " USER_OBJECT;
/* Virtual tables' shadow tables (SQLite 3.37+; older ones keep them). */
static const char q_shadow[] =
	"SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'";
static const char q_columns[] =
	"SELECT m.name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden"
	" FROM main.sqlite_master AS m JOIN pragma_table_xinfo(m.name, 'main') AS p"
	" WHERE " PLAIN_TABLE;
static const char q_fks[] =
	"SELECT m.name, f.id, f.seq, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete"
	" FROM main.sqlite_master AS m JOIN pragma_foreign_key_list(m.name, 'main') AS f"
	" WHERE " PLAIN_TABLE;
static const char q_index_keys[] =
	"SELECT m.name, il.name, il.\"unique\", il.origin, il.partial,"
	" x.seqno, x.cid, x.name, x.\"desc\", x.coll"
	" FROM main.sqlite_master AS m JOIN pragma_index_list(m.name, 'main') AS il"
	" JOIN pragma_index_xinfo(il.name, 'main') AS x"
	" WHERE " PLAIN_TABLE " AND x.key = 1";

/* `REFERENCES t` without columns means t's primary key: say so in the model,
 * so that it compares equal to the spelled-out form. */
static int resolve_fk_targets(struct ctx *x)
{
	size_t i, j, k;

	for (i = 0; i < x->s->ntables; i++) {
		struct schema_table *t = x->s->tables[i];

		for (j = 0; j < t->nfks; j++) {
			struct schema_fk *fk = &t->fks[j];
			struct schema_table *rt;

			if (fk->ref_columns.n || !(rt = find_table(x->s, fk->ref_table)) ||
			    rt->pk.columns.n != fk->columns.n)
				continue; /* a mismatch SQLite reports only when it is used */
			for (k = 0; k < rt->pk.columns.n; k++)
				if (schema_names_add(&fk->ref_columns, rt->pk.columns.v[k]))
					return fail_oom(x);
		}
	}
	return 0;
}

int introspect_sqlite(struct sqlite3 *db, struct schema **out, struct drv_err *err)
{
	struct ctx x = { db, NULL, err };
	struct colstate cs = { 0 };
	struct fkstate fs = { NULL, -1, 0 };
	struct ixstate is = { NULL, SBUF_INIT, NULL, (size_t)-1 };
	int began = 0, rc;
	size_t i;

	*out = NULL;
	if (!(x.s = schema_new(SCHEMA_SQLITE)))
		return fail_oom(&x);
	/* Five reads should see one state of the file: if the caller has no
	 * transaction open, hold a read transaction for the duration. */
	if (sqlite3_get_autocommit(db)) {
		if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
			rc = fail_sql(&x, "begin");
			goto out;
		}
		began = 1;
	}
	if ((rc = run(&x, q_objects, "objects", row_object, NULL)))
		goto out;
	/* Sorted from here on, so rows can find their table by binary search. */
	schema_sort(x.s);
	/* No pragma_table_list before SQLite 3.37: shadow tables stay there. */
	if (sqlite3_libversion_number() >= 3037000 &&
	    (rc = run(&x, q_shadow, "shadow tables", row_shadow, NULL)))
		goto out;
	if ((rc = run(&x, q_columns, "columns", row_column, &cs)) || (rc = finish_pk(&x, &cs)))
		goto out;
	if ((rc = run(&x, q_fks, "foreign keys", row_fk, &fs)))
		goto out;
	if ((rc = run(&x, q_index_keys, "indexes", row_index_key, &is)))
		goto out;
	for (i = 0; i < x.s->ntables; i++)
		if (!x.s->tables[i]->virtual_table && (rc = parse_create_table(x.s->tables[i])))
			goto oom;
	for (i = 0; i < x.s->nindexes; i++)
		if ((rc = parse_create_index(x.s->indexes[i])))
			goto oom;
	for (i = 0; i < x.s->nviews; i++)
		if ((rc = parse_create_view(x.s->views[i])))
			goto oom;
	if ((rc = resolve_fk_targets(&x)))
		goto out;
	schema_sort(x.s);
	goto out;
oom:
	rc = fail_oom(&x);
out:
	if (began)
		sqlite3_exec(db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	free(cs.pkpos);
	sbuf_release(&is.ixname);
	if (rc) {
		schema_free(x.s);
		return rc;
	}
	*out = x.s;
	return 0;
}
