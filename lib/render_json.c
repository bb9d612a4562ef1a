/*
 * render_json.c: the schema model as JSON (schema_to_json: `--json`,
 * inspect --format json, docs/json-schema-model.md). Deterministic, as every
 * renderer (see render.c): objects in the model's order, indexes and
 * triggers under their table.
 */
#include "render_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "strata.h"

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

/* PostgreSQL partitioning and inheritance (issue 22): partition_key,
 * partition_of {schema, name, bound} and inherits [{schema, name}]. */
static void json_partitioning(struct jb *b, const struct schema_table *t, json_t *o)
{
	json_t *arr = json_array(), *po = json_null();
	size_t i;

	jset(b, o, "partition_key", jstr(t->partition_key));
	if (t->part_of) {
		json_decref(po);
		po = json_object();
		jset(b, po, "schema", jstr(t->part_of_schema));
		jset(b, po, "name", jstr(t->part_of));
		jset(b, po, "bound", jstr(t->partition_bound));
	}
	jset(b, o, "partition_of", po);
	for (i = 0; i < t->inherits.n; i++) {
		json_t *p = json_object();

		jset(b, p, "schema", jstr(i < t->inherits_schemas.n ? t->inherits_schemas.v[i] : NULL));
		jset(b, p, "name", jstr(t->inherits.v[i]));
		jpush(b, arr, p);
	}
	jset(b, o, "inherits", arr);
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
		jset(b, pk, "include", jnames(b, &t->pk.include));
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
		jset(b, u, "include", jnames(b, &t->uniques[i].include));
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
	json_partitioning(b, t, o);
	return o;
}

/* Domains, composite and range types, EXCLUDE constraints (pgtypes.c). */
static void json_pgtypes(struct jb *b, const struct schema *s, json_t *root)
{
	json_t *arr = json_array(), *sub;
	size_t i, k;

	for (i = 0; i < s->npgtypes; i++) {
		const struct schema_pgtype *t = s->pgtypes[i];
		json_t *o = json_object();

		jset(b, o, "name", jstr(t->name));
		jset(b, o, "schema", jstr(t->schema));
		jset(b, o, "kind", json_string(t->kind == SCHEMA_PGTYPE_DOMAIN ? "domain" :
		                              t->kind == SCHEMA_PGTYPE_RANGE ? "range" : "composite"));
		jset(b, o, "base", jstr(t->base));
		jset(b, o, "collation", jstr(t->collation));
		jset(b, o, "default", jstr(t->default_sql));
		jset(b, o, "not_null", json_boolean(t->not_null));
		sub = json_array();
		for (k = 0; k < t->nchecks; k++) {
			json_t *c = json_object();
			jset(b, c, "name", jstr(t->checks[k].name));
			jset(b, c, "expression", jstr(t->checks[k].expression));
			jset(b, c, "not_valid", json_boolean(t->checks[k].not_valid));
			jpush(b, sub, c);
		}
		jset(b, o, "checks", sub);
		sub = json_array();
		for (k = 0; k < t->nattrs; k++) {
			json_t *c = json_object();
			jset(b, c, "name", jstr(t->attrs[k].name));
			jset(b, c, "type", jstr(t->attrs[k].type));
			jset(b, c, "collation", jstr(t->attrs[k].collation));
			jpush(b, sub, c);
		}
		jset(b, o, "attributes", sub);
		jset(b, o, "opclass", jstr(t->opclass));
		jset(b, o, "canonical", jstr(t->canonical));
		jset(b, o, "subtype_diff", jstr(t->subtype_diff));
		jset(b, o, "multirange", jstr(t->multirange));
		jpush(b, arr, o);
	}
	jset(b, root, "types", arr);
	arr = json_array();
	for (i = 0; i < s->nexcludes; i++) {
		json_t *o = json_object();

		jset(b, o, "name", jstr(s->excludes[i]->name));
		jset(b, o, "schema", jstr(s->excludes[i]->schema));
		jset(b, o, "table", jstr(s->excludes[i]->table));
		jset(b, o, "definition", jstr(s->excludes[i]->def));
		jpush(b, arr, o);
	}
	jset(b, root, "excludes", arr);
	arr = json_array();
	for (i = 0; i < s->ncollations; i++) {
		const struct schema_collation *co = s->collations[i];
		json_t *o = json_object();
		char prov[2] = { (char)co->provider, 0 };

		jset(b, o, "name", jstr(co->name));
		jset(b, o, "schema", jstr(co->schema));
		jset(b, o, "provider", json_string(prov[0] == 'i' ? "icu" : prov[0] == 'b' ? "builtin" :
		                                   prov[0] == 'd' ? "default" : "libc"));
		jset(b, o, "locale", jstr(co->locale));
		jset(b, o, "lc_collate", jstr(co->lc_collate));
		jset(b, o, "lc_ctype", jstr(co->lc_ctype));
		jset(b, o, "rules", jstr(co->rules));
		jset(b, o, "deterministic", json_boolean(co->deterministic));
		jpush(b, arr, o);
	}
	jset(b, root, "collations", arr);
	arr = json_array();
	for (i = 0; i < s->nextstats; i++) {
		const struct schema_extstat *x = s->extstats[i];
		json_t *o = json_object();

		jset(b, o, "name", jstr(x->name));
		jset(b, o, "schema", jstr(x->schema));
		jset(b, o, "table_schema", jstr(x->table_schema));
		jset(b, o, "table", jstr(x->table));
		jset(b, o, "definition", jstr(x->def));
		jpush(b, arr, o);
	}
	jset(b, root, "statistics", arr);
}

json_t *schema_to_json(const struct schema *s)
{
	struct jb b = { 0 };
	struct rctx r;
	json_t *root, *arr;
	size_t i, j;

	if (render_ctx_init(&r, s, 0))
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
			kind[j] = (char)render_lower_ascii((unsigned char)schema_object_kind_sql(c->kind)[j]);
		kind[j] = '\0';
		jset(&b, o, "kind", json_string(kind));
		jset(&b, o, "schema", jstr(c->schema));
		jset(&b, o, "name", jstr(c->name));
		jset(&b, o, "sub", jstr(c->sub));
		jset(&b, o, "text", jstr(c->text));
		jpush(&b, arr, o);
	}
	jset(&b, root, "comments", arr);
	json_pgtypes(&b, s, root);
	render_ctx_release(&r);
	if (b.bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}
