/*
 * diff_rename.c: the `-- strata:renamed-from old_name` hints of a schema
 * file (diff_hints_parse, see diff.h): a scan of the file's CREATE TABLE
 * statements that ties each hint to its table or column, and diff_hint_from(),
 * which the differ's table and column pairing asks (diff.c).
 */
#include "diff_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "strata.h"

/* ---- rename hints ---------------------------------------------------------- */

void diff_hints_release(struct diff_hints *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++) {
		free(h->v[i].nsp);
		free(h->v[i].table);
		free(h->v[i].column);
		free(h->v[i].old);
	}
	free(h->v);
	memset(h, 0, sizeof *h);
}

/* A name token as the engine stores it: PostgreSQL folds unquoted names. */
static char *tok_stored_name(int engine, const char *sql, const struct schema_tok *t)
{
	char *n = schema_tok_name(sql, t);
	size_t i;

	if (n && engine == SCHEMA_PG && t->type == SCHEMA_TK_WORD)
		for (i = 0; n[i]; i++)
			n[i] = (char)diff_lower((unsigned char)n[i]);
	return n;
}

/* A CREATE TABLE statement of the file: its name and where its body is. */
struct file_table {
	int is_enum;           /* CREATE TYPE name AS ENUM ( 'label', ... ) */
	char *nsp, *name;
	size_t name_at;        /* offset of the name's first token */
	size_t body_from, body_to;  /* the parentheses */
	size_t *items;         /* where each item of the body (column or constraint) starts */
	size_t nitems, items_alloc;
};

static void file_tables_free(struct file_table *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].nsp);
		free(v[i].name);
		free(v[i].items);
	}
	free(v);
}

static int add_item(struct file_table *t, size_t at)
{
	if (t->nitems == t->items_alloc) {
		size_t na = t->items_alloc ? t->items_alloc * 2 : 16;
		size_t *nv = realloc(t->items, na * sizeof *nv);
		if (!nv)
			return STRATA_ENOMEM;
		t->items = nv;
		t->items_alloc = na;
	}
	t->items[t->nitems++] = at;
	return 0;
}

/* Every CREATE [TEMP|UNLOGGED] TABLE [IF NOT EXISTS] [s.]name ( ... ) of sql,
 * and every CREATE TYPE [s.]name AS ENUM ( ... ) (is_enum; its items are the
 * labels). */
static int scan_tables(const char *sql, int engine, struct file_table **out, size_t *nout)
{
	size_t len = strlen(sql), pos = 0, n = 0, alloc = 0;
	struct file_table *v = NULL;
	struct schema_tok t;

	*out = NULL;
	*nout = 0;
	schema_tok_next(sql, len, &pos, &t);
	while (t.type != SCHEMA_TK_END) {
		struct schema_tok n1, n2;
		int depth, is_enum = 0;

		if (!schema_tok_is(sql, &t, "CREATE")) {
			schema_tok_next(sql, len, &pos, &t);
			continue;
		}
		schema_tok_next(sql, len, &pos, &t);
		while (schema_tok_is(sql, &t, "TEMP") || schema_tok_is(sql, &t, "TEMPORARY") ||
		       schema_tok_is(sql, &t, "UNLOGGED") || schema_tok_is(sql, &t, "GLOBAL") ||
		       schema_tok_is(sql, &t, "LOCAL"))
			schema_tok_next(sql, len, &pos, &t);
		if (schema_tok_is(sql, &t, "TYPE"))
			is_enum = 1;
		else if (!schema_tok_is(sql, &t, "TABLE"))
			continue;
		schema_tok_next(sql, len, &pos, &t);
		if (!is_enum && schema_tok_is(sql, &t, "IF")) {
			schema_tok_next(sql, len, &pos, &t); /* NOT */
			schema_tok_next(sql, len, &pos, &t); /* EXISTS */
			schema_tok_next(sql, len, &pos, &t);
		}
		if (!diff_is_ident(&t) && t.type != SCHEMA_TK_STRING)
			continue;
		n1 = t;
		n2.type = SCHEMA_TK_END;
		schema_tok_next(sql, len, &pos, &t);
		if (t.type == SCHEMA_TK_DOT) {
			schema_tok_next(sql, len, &pos, &n2);
			schema_tok_next(sql, len, &pos, &t);
		}
		if (is_enum) {
			if (!schema_tok_is(sql, &t, "AS"))
				continue;
			schema_tok_next(sql, len, &pos, &t);
			if (!schema_tok_is(sql, &t, "ENUM"))
				continue;
			schema_tok_next(sql, len, &pos, &t);
		}
		if (t.type != SCHEMA_TK_LPAREN)
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			struct file_table *nv = realloc(v, na * sizeof *nv);
			if (!nv)
				goto nomem;
			v = nv;
			alloc = na;
		}
		memset(&v[n], 0, sizeof v[n]);
		v[n].is_enum = is_enum;
		v[n].name_at = n1.start;
		v[n].body_from = t.start;
		if (n2.type != SCHEMA_TK_END) {
			v[n].nsp = tok_stored_name(engine, sql, &n1);
			v[n].name = tok_stored_name(engine, sql, &n2);
			if (!v[n].nsp) {
				n++;
				goto nomem;
			}
		} else {
			v[n].name = tok_stored_name(engine, sql, &n1);
		}
		n++;
		if (!v[n - 1].name)
			goto nomem;
		depth = 0;
		do {
			int item_next = 0;
			if (t.type == SCHEMA_TK_LPAREN)
				item_next = depth++ == 0;
			else if (t.type == SCHEMA_TK_RPAREN)
				depth--;
			else if (t.type == SCHEMA_TK_COMMA && depth == 1)
				item_next = 1;
			v[n - 1].body_to = t.start;
			if (depth > 0)
				schema_tok_next(sql, len, &pos, &t);
			if (item_next && t.type != SCHEMA_TK_RPAREN && t.type != SCHEMA_TK_END &&
			    add_item(&v[n - 1], t.start))
				goto nomem;
		} while (depth > 0 && t.type != SCHEMA_TK_END);
		if (t.type == SCHEMA_TK_END)
			v[n - 1].body_to = len;
		schema_tok_next(sql, len, &pos, &t);
	}
	*out = v;
	*nout = n;
	return 0;
nomem:
	file_tables_free(v, n);
	return STRATA_ENOMEM;
}

static const char marker[] = "strata:renamed-from";
/* sqldef's spelling of the same hint: "-- @renamed from=old_name". */
static const char marker_sqldef[] = "@renamed";

/* Where a hint marker starts in sql[off..eol), NULL when none; *sqldef
 * says which of the two it is. */
static const char *find_marker(const char *sql, size_t off, size_t eol, int *sqldef)
{
	size_t m;

	for (m = off; m < eol; m++) {
		if (m + sizeof marker - 1 <= eol && !strncmp(sql + m, marker, sizeof marker - 1)) {
			*sqldef = 0;
			return sql + m;
		}
		if (m + sizeof marker_sqldef - 1 <= eol &&
		    !strncmp(sql + m, marker_sqldef, sizeof marker_sqldef - 1) &&
		    (m + sizeof marker_sqldef - 1 == eol ||
		     !(isalnum((unsigned char)sql[m + sizeof marker_sqldef - 1]) ||
		       sql[m + sizeof marker_sqldef - 1] == '_'))) {
			*sqldef = 1;
			return sql + m;
		}
	}
	return NULL;
}

int diff_hints_parse(const char *sql, int engine, struct diff_hints *out, struct sbuf *err)
{
	struct file_table *tabs = NULL;
	size_t ntabs = 0, off = 0, len = strlen(sql);
	long line = 0;
	int rc;

	memset(out, 0, sizeof *out);
	if (!strstr(sql, marker) && !strstr(sql, marker_sqldef))
		return 0;
	if ((rc = scan_tables(sql, engine, &tabs, &ntabs)) != 0)
		return rc;
	while (off < len) {
		size_t eol = off, cstart, k, pos, tabi = (size_t)-1, item_at = 0;
		int is_table = 0, sqldef = 0;
		const char *hit;
		struct schema_tok t;
		struct diff_hint h;
		char *oldname = NULL;
		struct schema_tok oldtok;

		while (eol < len && sql[eol] != '\n')
			eol++;
		line++;
		hit = find_marker(sql, off, eol, &sqldef);
		if (!hit) {
			off = eol + 1;
			continue;
		}
		/* The comment must start with "--" before the marker. */
		cstart = (size_t)(hit - sql);
		while (cstart > off && (sql[cstart - 1] == ' ' || sql[cstart - 1] == '\t'))
			cstart--;
		if (cstart < off + 2 || sql[cstart - 1] != '-' || sql[cstart - 2] != '-') {
			off = eol + 1;
			continue;
		}
		cstart -= 2;
		/* The old name, after the marker. */
		pos = (size_t)(hit - sql) + (sqldef ? sizeof marker_sqldef : sizeof marker) - 1;
		schema_tok_next(sql, eol, &pos, &t);
		if (sqldef) {
			/* from=NAME */
			if (!schema_tok_is(sql, &t, "from")) {
				t.type = SCHEMA_TK_END;
			} else {
				schema_tok_next(sql, eol, &pos, &t);
				if (t.type == SCHEMA_TK_OP && t.len == 1 && sql[t.start] == '=')
					schema_tok_next(sql, eol, &pos, &t);
				else
					t.type = SCHEMA_TK_END;
			}
		}
		if (diff_is_ident(&t)) {
			struct schema_tok t2;
			size_t p2 = pos;
			schema_tok_next(sql, eol, &p2, &t2);
			if (t2.type == SCHEMA_TK_DOT) {
				/* schema.old: the schema must be the table's own */
				schema_tok_next(sql, eol, &p2, &t);
			}
			if (diff_is_ident(&t)) {
				oldname = tok_stored_name(engine, sql, &t);
				oldtok = t;
			}
			else
				t.type = SCHEMA_TK_END;
		}
		if (!diff_is_ident(&t)) {
			if (sqldef)
				sbuf_setf(err, "%ld: '-- %s' needs from=OLD_NAME after it", line,
				          marker_sqldef);
			else
				sbuf_setf(err, "%ld: '-- %s' needs the old name after it", line, marker);
			rc = STRATA_EPARSE;
			goto out;
		}
		if (!oldname)
			goto nomem;
		memset(&h, 0, sizeof h);
		h.line = line;
		h.old = oldname;
		/* The definition the comment follows: the last item of the table
		 * body it sits in that starts before it; when that body has no
		 * item before it on this line, the CREATE TABLE named on the line. */
		for (k = 0; k < ntabs; k++)
			if (tabs[k].body_from < cstart && tabs[k].body_to >= cstart)
				tabi = k;
		if (tabi != (size_t)-1) {
			size_t it = (size_t)-1, q;
			for (q = 0; q < tabs[tabi].nitems; q++)
				if (tabs[tabi].items[q] < cstart)
					it = tabs[tabi].items[q];
			if (it == (size_t)-1 || (it < off && tabs[tabi].name_at >= off))
				is_table = 1;
			else
				item_at = it;
		} else {
			for (k = 0; k < ntabs; k++)
				if (tabs[k].name_at >= off && tabs[k].name_at < cstart)
					tabi = k;
			is_table = tabi != (size_t)-1;
		}
		if (is_table && tabs[tabi].is_enum) {
			/* renaming an enum type would rename it in every column,
			 * default and check that names it: not done */
			sbuf_setf(err, "%ld: '-- %s' on an enum type: renaming a type is not supported "
			          "(rename its values, or ALTER TYPE ... RENAME TO in a migration)", line,
			          sqldef ? marker_sqldef : marker);
			free(h.old);
			rc = STRATA_EPARSE;
			goto out;
		} else if (is_table) {
			if (!(h.table = strdup(tabs[tabi].name)) ||
			    (tabs[tabi].nsp && !(h.nsp = strdup(tabs[tabi].nsp))))
				goto nomem_h;
		} else if (tabi != (size_t)-1 && tabs[tabi].is_enum) {
			/* a label: the hint's old name is the old label */
			pos = item_at;
			schema_tok_next(sql, len, &pos, &t);
			if (t.type != SCHEMA_TK_STRING) {
				sbuf_setf(err, "%ld: '-- %s' belongs on the line of an enum value", line,
				          sqldef ? marker_sqldef : marker);
				free(h.old);
				rc = STRATA_EPARSE;
				goto out;
			}
			h.kind = DIFF_HINT_ENUM_VALUE;
			/* a label keeps its case: the old one as written */
			free(h.old);
			if (!(h.old = schema_tok_name(sql, &oldtok)))
				goto nomem_h;
			if (!(h.column = schema_tok_name(sql, &t)) || !(h.table = strdup(tabs[tabi].name)) ||
			    (tabs[tabi].nsp && !(h.nsp = strdup(tabs[tabi].nsp))))
				goto nomem_h;
		} else if (tabi != (size_t)-1 && (pos = item_at, schema_tok_next(sql, len, &pos, &t),
		                                  schema_tok_is(sql, &t, "CONSTRAINT"))) {
			/* a named table constraint: the differ renames one whose
			 * definition is unchanged by itself; the hint is kept for
			 * the record */
			schema_tok_next(sql, len, &pos, &t);
			h.kind = DIFF_HINT_CONSTRAINT;
			if (!diff_is_ident(&t)) {
				sbuf_setf(err, "%ld: '-- %s' on a constraint without a name", line,
				          sqldef ? marker_sqldef : marker);
				free(h.old);
				rc = STRATA_EPARSE;
				goto out;
			}
			if (!(h.column = tok_stored_name(engine, sql, &t)) ||
			    !(h.table = strdup(tabs[tabi].name)) ||
			    (tabs[tabi].nsp && !(h.nsp = strdup(tabs[tabi].nsp))))
				goto nomem_h;
		} else {
			pos = item_at;
			if (tabi != (size_t)-1)
				schema_tok_next(sql, len, &pos, &t);
			if (tabi == (size_t)-1 || !diff_is_ident(&t) || schema_tok_is(sql, &t, "CONSTRAINT") ||
			    schema_tok_is(sql, &t, "PRIMARY") || schema_tok_is(sql, &t, "UNIQUE") ||
			    schema_tok_is(sql, &t, "CHECK") || schema_tok_is(sql, &t, "FOREIGN") ||
			    schema_tok_is(sql, &t, "EXCLUDE")) {
				sbuf_setf(err, "%ld: '-- %s' belongs on the line of a CREATE TABLE, of a "
				          "column definition, of a named constraint or of an enum value",
				          line, sqldef ? marker_sqldef : marker);
				free(h.old);
				rc = STRATA_EPARSE;
				goto out;
			}
			if (!(h.column = tok_stored_name(engine, sql, &t)) ||
			    !(h.table = strdup(tabs[tabi].name)) ||
			    (tabs[tabi].nsp && !(h.nsp = strdup(tabs[tabi].nsp))))
				goto nomem_h;
		}
		if (out->n == out->alloc) {
			size_t na = out->alloc ? out->alloc * 2 : 8;
			struct diff_hint *nv = realloc(out->v, na * sizeof *nv);
			if (!nv)
				goto nomem_h;
			out->v = nv;
			out->alloc = na;
		}
		out->v[out->n++] = h;
		off = eol + 1;
		continue;
nomem_h:
		free(h.nsp);
		free(h.table);
		free(h.column);
		free(h.old);
		goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	rc = STRATA_ENOMEM;
out:
	file_tables_free(tabs, ntabs);
	if (rc)
		diff_hints_release(out);
	return rc;
}

/* The hint that renames `name` (a table when column is NULL) of the TO side:
 * the FROM-side name it comes from, or NULL. */
const char *diff_hint_from(struct ctx *x, const char *nsp, const char *table, const char *column,
                           const char *from_table)
{
	const struct diff_hints *h = x->o ? x->o->hints : NULL;
	const struct diff *d = x->d;
	size_t i;

	if (!h)
		return NULL;
	for (i = 0; i < h->n; i++) {
		const struct diff_hint *e = &h->v[i];
		if (e->kind != DIFF_HINT_NAME || (e->nsp && nsp && !name_eq(d, e->nsp, nsp)))
			continue;
		if (!x->o->hints_describe_from) {
			/* TO is the file: the hint sits on TO's name. */
			if (!column && !e->column && name_eq(d, e->table, table))
				return e->old;
			if (column && e->column && name_eq(d, e->table, table) &&
			    name_eq(d, e->column, column))
				return e->old;
		} else {
			/* FROM is the file: TO's name is the hint's old one. */
			if (!column && !e->column && name_eq(d, e->old, table))
				return e->table;
			if (column && e->column && name_eq(d, e->table, from_table) &&
			    name_eq(d, e->old, column))
				return e->column;
		}
	}
	return NULL;
}

/* The label of enum nsp.type on the FROM side that label of the TO side
 * was renamed from by a hint, or NULL. */
const char *diff_hint_enum_value_from(struct ctx *x, const char *nsp, const char *type, const char *label)
{
	const struct diff_hints *h = x->o ? x->o->hints : NULL;
	const struct diff *d = x->d;
	size_t i;

	if (!h)
		return NULL;
	for (i = 0; i < h->n; i++) {
		const struct diff_hint *e = &h->v[i];
		if (e->kind != DIFF_HINT_ENUM_VALUE || (e->nsp && nsp && !name_eq(d, e->nsp, nsp)) ||
		    !name_eq(d, e->table, type))
			continue;
		if (!x->o->hints_describe_from && !strcmp(e->column, label))
			return e->old;
		if (x->o->hints_describe_from && !strcmp(e->old, label))
			return e->column;
	}
	return NULL;
}
