/*
 * render_diagram.c: the schema model as entity-relationship diagrams,
 * Graphviz DOT (schema_render_dot) and Mermaid (schema_render_mermaid), for
 * inspect --format dot|mermaid. Deterministic, as every renderer (see
 * render.c); names are escaped for each format, since they come from a
 * database and may hold anything.
 */
#include "render_int.h"

#include <stdlib.h>
#include <string.h>

#include "strata.h"

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
			if (!render_name_cmp(t->schema ? SCHEMA_PG : SCHEMA_SQLITE, t->fks[i].columns.v[j], name))
				return 1;
	return 0;
}

static long column_index(const struct schema_table *t, const char *name)
{
	size_t i;

	for (i = 0; name && i < t->ncolumns; i++)
		if (!render_name_cmp(t->schema ? SCHEMA_PG : SCHEMA_SQLITE, t->columns[i].name, name))
			return (long)i;
	return -1;
}

int schema_render_dot(const struct schema *s, struct sbuf *out)
{
	struct name_index ix = { 0 };
	struct schema_names missing = { 0 };
	size_t i, j;
	int rc;

	if ((rc = render_name_index_tables(&ix, s)))
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
			long w = render_name_index_find(&ix, fk->ref_schema ? fk->ref_schema : t->schema,
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
	if ((rc = render_name_index_tables(&ix, s)))
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
			long to = render_name_index_find(&ix, fk->ref_schema ? fk->ref_schema : t->schema,
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
