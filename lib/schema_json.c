/*
 * schema_json.c: JSON desired-state sources as SQL (docs/schema-json.md).
 *
 * Two kinds of document:
 *  - strata's own model (`inspect --format json`, docs/json-schema-model.md)
 *    is read into a struct schema and printed with schema_render_sql(), as
 *    `dump` prints a live one;
 *  - resource definitions (one table per file: name, fields, indexes,
 *    unique, checks) become CREATE TABLE / CREATE INDEX statements for the
 *    engine, each portable type mapped as the table `types` below says.
 * Either way the result is SQL, which declarative.c runs in the sandbox and
 * reads back: the engine decides what a type or default means, and no
 * expression in a JSON file reaches a real database except through the
 * planner's own statements.
 *
 * Every input is hostile: JSON that does not parse (jansson names line and
 * column; duplicate keys, invalid UTF-8, NUL and numbers out of range are
 * its errors too), a wrong type, an unknown key, an unknown field type, a
 * reference to a table or field that is not there, a name used twice: one
 * message naming the file and the JSON path ($.fields.title.type).
 */
#include "schema_source.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schema.h"
#include "strata.h"

/* ---- errors and JSON paths ------------------------------------------------- */

struct jctx {
	const char *file;
	struct sbuf *err;
	struct sbuf path;       /* "$.fields.title" */
	int engine;
};

static int jfail(struct jctx *c, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static int jfail(struct jctx *c, const char *fmt, ...)
{
	va_list ap;

	sbuf_reset(c->err);
	sbuf_addf(c->err, "%s: %s: ", c->file, c->path.len ? c->path.buf : "$");
	va_start(ap, fmt);
	sbuf_vaddf(c->err, fmt, ap);
	va_end(ap);
	sbuf_escape_controls(c->err, 0);
	return sbuf_failed(c->err) ? STRATA_ENOMEM : STRATA_EPARSE;
}

static int is_plain_key(const char *k)
{
	const char *p = k;

	if (!*p || (*p >= '0' && *p <= '9'))
		return 0;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '$'))
			return 0;
	return 1;
}

/* Enter key (or [i] when key is NULL); returns the mark to leave by. */
static size_t jpush_key(struct jctx *c, const char *key, size_t i)
{
	size_t mark = c->path.len;

	if (!c->path.len)
		sbuf_addc(&c->path, '$');
	if (!key) {
		sbuf_addf(&c->path, "[%zu]", i);
	} else if (is_plain_key(key)) {
		sbuf_addf(&c->path, ".%s", key);
	} else {
		json_t *s = json_string(key);
		char *q = s ? json_dumps(s, JSON_ENCODE_ANY) : NULL;
		sbuf_addf(&c->path, "[%s]", q ? q : "?");
		free(q);
		json_decref(s);
	}
	return mark;
}

static void jpop(struct jctx *c, size_t mark)
{
	sbuf_truncate(&c->path, mark);
}

static const char *jtype_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Parse text; invalid JSON is "file:line:col: invalid JSON: why". */
static int jparse(struct jctx *c, const char *text, size_t len, json_t **out)
{
	json_error_t je;

	*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (*out)
		return 0;
	sbuf_reset(c->err);
	sbuf_addf(c->err, "%s:%d:%d: invalid JSON: %s", c->file, je.line, je.column, je.text);
	sbuf_escape_controls(c->err, 0);
	return sbuf_failed(c->err) ? STRATA_ENOMEM : STRATA_EPARSE;
}

/* o[key] as a string: required, or else NULL when absent or null. */
static int get_str(struct jctx *c, json_t *o, const char *key, int required, const char **out)
{
	json_t *v = json_object_get(o, key);
	size_t mark;
	int rc = 0;

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		return jfail(c, "'%s' is missing", key);
	}
	mark = jpush_key(c, key, 0);
	if (!json_is_string(v))
		rc = jfail(c, "a string was expected, not %s", jtype_name(v));
	else if (required && !*json_string_value(v))
		rc = jfail(c, "must not be empty");
	else
		*out = json_string_value(v);
	jpop(c, mark);
	return rc;
}

static int get_bool(struct jctx *c, json_t *o, const char *key, int *out)
{
	json_t *v = json_object_get(o, key);
	size_t mark;
	int rc = 0;

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	mark = jpush_key(c, key, 0);
	if (!json_is_boolean(v))
		rc = jfail(c, "true or false was expected, not %s", jtype_name(v));
	else
		*out = json_is_true(v);
	jpop(c, mark);
	return rc;
}

static int get_int(struct jctx *c, json_t *o, const char *key, long long *out)
{
	json_t *v = json_object_get(o, key);
	size_t mark;
	int rc = 0;

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	mark = jpush_key(c, key, 0);
	if (!json_is_integer(v))
		rc = jfail(c, "an integer was expected, not %s", jtype_name(v));
	else
		*out = (long long)json_integer_value(v);
	jpop(c, mark);
	return rc;
}

/* o[key] as an array, or NULL when absent or null. */
static int get_arr(struct jctx *c, json_t *o, const char *key, json_t **out)
{
	json_t *v = json_object_get(o, key);
	size_t mark;
	int rc = 0;

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_array(v)) {
		*out = v;
		return 0;
	}
	mark = jpush_key(c, key, 0);
	rc = jfail(c, "an array was expected, not %s", jtype_name(v));
	jpop(c, mark);
	return rc;
}

/* An array of non-empty strings into l (allow_empty: [] is fine). */
static int get_names(struct jctx *c, json_t *o, const char *key, int allow_empty,
                     struct schema_names *l)
{
	json_t *a, *v;
	size_t i, mark, m2;
	int rc;

	if ((rc = get_arr(c, o, key, &a)) != 0)
		return rc;
	mark = jpush_key(c, key, 0);
	if ((!a || !json_array_size(a)) && !allow_empty)
		rc = jfail(c, "at least one name is needed");
	json_array_foreach(a, i, v) {
		if (rc)
			break;
		m2 = jpush_key(c, NULL, i);
		if (!json_is_string(v) || !*json_string_value(v))
			rc = jfail(c, "a name (a non-empty string) was expected");
		else if (schema_names_add(l, json_string_value(v)))
			rc = STRATA_ENOMEM;
		jpop(c, m2);
	}
	jpop(c, mark);
	return rc;
}

static int must_object(struct jctx *c, json_t *v, const char *what)
{
	if (json_is_object(v))
		return 0;
	return jfail(c, "%s (an object) was expected, not %s", what, jtype_name(v));
}

/* ---- strata's own model ------------------------------------------------------ */

#define NOMEM(p) do { if (!(p)) return STRATA_ENOMEM; } while (0)

static int model_index(struct jctx *c, struct schema *s, const char *nsp, const char *table,
                       json_t *o)
{
	struct schema_index *ix;
	json_t *keys, *k;
	const char *name, *where, *method, *sql, *col, *expr, *coll, *opc;
	size_t i, mark;
	int rc, unique, desc;

	if ((rc = must_object(c, o, "an index")) != 0 ||
	    (rc = get_str(c, o, "name", 1, &name)) != 0 || (rc = get_bool(c, o, "unique", &unique)) ||
	    (rc = get_str(c, o, "where", 0, &where)) || (rc = get_str(c, o, "method", 0, &method)) ||
	    (rc = get_str(c, o, "sql", 0, &sql)) || (rc = get_arr(c, o, "columns", &keys)))
		return rc;
	NOMEM(ix = schema_add_index(s, nsp, name, table));
	ix->unique = unique;
	if (schema_set_str(&ix->where, where) || schema_set_str(&ix->method, method) ||
	    schema_set_str(&ix->sql, sql))
		return STRATA_ENOMEM;
	if ((rc = get_names(c, o, "include", 1, &ix->include)) != 0)
		return rc;
	mark = jpush_key(c, "columns", 0);
	json_array_foreach(keys, i, k) {
		struct schema_index_key *key;
		size_t m2 = jpush_key(c, NULL, i);

		if ((rc = must_object(c, k, "an index key")) || (rc = get_str(c, k, "column", 0, &col)) ||
		    (rc = get_str(c, k, "expression", 0, &expr)) || (rc = get_bool(c, k, "desc", &desc)) ||
		    (rc = get_str(c, k, "collation", 0, &coll)) || (rc = get_str(c, k, "opclass", 0, &opc)))
			return rc;
		if (!col == !expr)
			return jfail(c, "a key has a column or an expression, one of them");
		NOMEM(key = index_add_key(ix, col, expr));
		key->desc = desc;
		if (schema_set_str(&key->collation, coll) || schema_set_str(&key->opclass, opc))
			return STRATA_ENOMEM;
		jpop(c, m2);
	}
	jpop(c, mark);
	if (!ix->nkeys && !sql)
		return jfail(c, "an index without keys");
	return 0;
}

/* indexes[] and triggers[] of a table or view. */
static int model_attached(struct jctx *c, struct schema *s, const char *nsp, const char *owner,
                          json_t *o)
{
	json_t *a, *v;
	size_t i, mark, m2;
	const char *name, *sql;
	int rc;

	if ((rc = get_arr(c, o, "indexes", &a)) != 0)
		return rc;
	mark = jpush_key(c, "indexes", 0);
	json_array_foreach(a, i, v) {
		m2 = jpush_key(c, NULL, i);
		if ((rc = model_index(c, s, nsp, owner, v)) != 0)
			return rc;
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, o, "triggers", &a)) != 0)
		return rc;
	mark = jpush_key(c, "triggers", 0);
	json_array_foreach(a, i, v) {
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "a trigger")) || (rc = get_str(c, v, "name", 1, &name)) ||
		    (rc = get_str(c, v, "sql", 1, &sql)))
			return rc;
		NOMEM(schema_add_trigger(s, nsp, name, owner, sql));
		jpop(c, m2);
	}
	jpop(c, mark);
	return 0;
}

static int model_column(struct jctx *c, struct schema_table *t, json_t *o)
{
	struct schema_column *col;
	const char *name, *type, *def, *coll, *ident, *gexpr = NULL;
	json_t *g;
	int rc, not_null, hidden, stored = 0;

	if ((rc = must_object(c, o, "a column")) || (rc = get_str(c, o, "name", 1, &name)) ||
	    (rc = get_str(c, o, "type", 0, &type)) || (rc = get_bool(c, o, "not_null", &not_null)) ||
	    (rc = get_str(c, o, "default", 0, &def)) || (rc = get_str(c, o, "collation", 0, &coll)) ||
	    (rc = get_str(c, o, "identity", 0, &ident)) || (rc = get_bool(c, o, "hidden", &hidden)))
		return rc;
	g = json_object_get(o, "generated");
	if (g && !json_is_null(g)) {
		size_t mark = jpush_key(c, "generated", 0);
		if ((rc = must_object(c, g, "the generated expression")) ||
		    (rc = get_str(c, g, "expression", 1, &gexpr)) ||
		    (rc = get_bool(c, g, "stored", &stored)))
			return rc;
		jpop(c, mark);
	}
	NOMEM(col = table_add_column(t, name, type ? type : ""));
	col->not_null = not_null;
	col->hidden = hidden;
	col->generated_stored = stored;
	if (schema_set_str(&col->default_sql, def) || schema_set_str(&col->collation, coll) ||
	    schema_set_str(&col->generated, gexpr))
		return STRATA_ENOMEM;
	if (ident && !strcmp(ident, "always")) {
		col->identity = SCHEMA_IDENTITY_ALWAYS;
	} else if (ident && !strcmp(ident, "by default")) {
		col->identity = SCHEMA_IDENTITY_BY_DEFAULT;
	} else if (ident) {
		size_t mark = jpush_key(c, "identity", 0);
		rc = jfail(c, "\"always\", \"by default\" or null was expected");
		jpop(c, mark);
		return rc;
	}
	return 0;
}

/* partition_key, partition_of and inherits (PostgreSQL, issue 22); each
 * may be absent (a document from before them). */
static int model_partitioning(struct jctx *c, struct schema_table *t, json_t *o)
{
	const char *key, *pn, *ps, *bound;
	json_t *a, *v;
	size_t i, mark, m2;
	int rc;

	if ((rc = get_str(c, o, "partition_key", 0, &key)) != 0)
		return rc;
	if (schema_set_str(&t->partition_key, key))
		return STRATA_ENOMEM;
	v = json_object_get(o, "partition_of");
	if (v && !json_is_null(v)) {
		mark = jpush_key(c, "partition_of", 0);
		if ((rc = must_object(c, v, "a partition's parent")) ||
		    (rc = get_str(c, v, "name", 1, &pn)) || (rc = get_str(c, v, "schema", 0, &ps)) ||
		    (rc = get_str(c, v, "bound", 1, &bound)))
			return rc;
		if (schema_set_str(&t->part_of, pn) || schema_set_str(&t->part_of_schema, ps) ||
		    schema_set_str(&t->partition_bound, bound))
			return STRATA_ENOMEM;
		jpop(c, mark);
	}
	if ((rc = get_arr(c, o, "inherits", &a)) != 0)
		return rc;
	mark = jpush_key(c, "inherits", 0);
	json_array_foreach(a, i, v) {
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "a parent table")) || (rc = get_str(c, v, "name", 1, &pn)) ||
		    (rc = get_str(c, v, "schema", 0, &ps)))
			return rc;
		/* One schema entry per parent: none written is the table's own. */
		if (schema_names_add(&t->inherits, pn) ||
		    schema_names_add(&t->inherits_schemas, ps ? ps : t->schema ? t->schema : ""))
			return STRATA_ENOMEM;
		jpop(c, m2);
	}
	jpop(c, mark);
	return 0;
}

static int model_table(struct jctx *c, struct schema *s, json_t *o)
{
	struct schema_table *t;
	const char *name, *nsp, *sql, *cname, *expr, *rs, *rt, *od, *ou;
	json_t *a, *v;
	size_t i, mark, m2;
	int rc, b;
	long long unused;

	(void)unused;
	if ((rc = must_object(c, o, "a table")) || (rc = get_str(c, o, "name", 1, &name)) ||
	    (rc = get_str(c, o, "schema", 0, &nsp)) || (rc = get_str(c, o, "sql", 0, &sql)))
		return rc;
	/* A name used twice is the sandbox's error (CREATE TABLE of a table
	 * that is there): a search here would be quadratic in hostile input. */
	NOMEM(t = schema_add_table(s, nsp, name));
	if (schema_set_str(&t->sql, sql))
		return STRATA_ENOMEM;
	if ((rc = get_bool(c, o, "strict", &t->strict)) ||
	    (rc = get_bool(c, o, "without_rowid", &t->without_rowid)) ||
	    (rc = get_bool(c, o, "virtual", &t->virtual_table)) || (rc = get_arr(c, o, "columns", &a)))
		return rc;
	if (t->virtual_table && !sql)
		return jfail(c, "a virtual table needs its sql");
	mark = jpush_key(c, "columns", 0);
	json_array_foreach(a, i, v) {
		m2 = jpush_key(c, NULL, i);
		if ((rc = model_column(c, t, v)) != 0)
			return rc;
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = model_partitioning(c, t, o)) != 0)
		return rc;
	if (!t->ncolumns && !t->virtual_table && !t->part_of)
		return jfail(c, "table '%s' has no columns", name);
	v = json_object_get(o, "primary_key");
	if (v && !json_is_null(v)) {
		mark = jpush_key(c, "primary_key", 0);
		if ((rc = must_object(c, v, "the primary key")) || (rc = get_str(c, v, "name", 0, &cname)) ||
		    (rc = get_names(c, v, "columns", 0, &t->pk.columns)) ||
		    (rc = get_names(c, v, "include", 1, &t->pk.include)) ||
		    (rc = get_bool(c, v, "autoincrement", &t->pk.autoincrement)) ||
		    (rc = get_bool(c, v, "deferrable", &t->pk.deferrable)) ||
		    (rc = get_bool(c, v, "initially_deferred", &t->pk.initially_deferred)))
			return rc;
		if (schema_set_str(&t->pk.name, cname))
			return STRATA_ENOMEM;
		jpop(c, mark);
	}
	if ((rc = get_arr(c, o, "unique", &a)) != 0)
		return rc;
	mark = jpush_key(c, "unique", 0);
	json_array_foreach(a, i, v) {
		struct schema_unique *u;
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "a unique constraint")) ||
		    (rc = get_str(c, v, "name", 0, &cname)))
			return rc;
		NOMEM(u = table_add_unique(t, cname));
		if ((rc = get_names(c, v, "columns", 0, &u->columns)) ||
		    (rc = get_bool(c, v, "deferrable", &u->deferrable)) ||
		    (rc = get_bool(c, v, "initially_deferred", &u->initially_deferred)) ||
		    (rc = get_bool(c, v, "nulls_not_distinct", &u->nulls_not_distinct)) ||
		    (rc = get_names(c, v, "include", 1, &u->include)))
			return rc;
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, o, "foreign_keys", &a)) != 0)
		return rc;
	mark = jpush_key(c, "foreign_keys", 0);
	json_array_foreach(a, i, v) {
		struct schema_fk *fk;
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "a foreign key")) || (rc = get_str(c, v, "name", 0, &cname)) ||
		    (rc = get_str(c, v, "ref_schema", 0, &rs)) || (rc = get_str(c, v, "ref_table", 1, &rt)) ||
		    (rc = get_str(c, v, "on_delete", 0, &od)) || (rc = get_str(c, v, "on_update", 0, &ou)))
			return rc;
		NOMEM(fk = table_add_fk(t, cname, rs, rt));
		fk->on_delete = schema_fk_action_parse(od ? od : "NO ACTION");
		fk->on_update = schema_fk_action_parse(ou ? ou : "NO ACTION");
		if ((rc = get_names(c, v, "columns", 0, &fk->columns)) ||
		    (rc = get_names(c, v, "ref_columns", 1, &fk->ref_columns)) ||
		    (rc = get_bool(c, v, "deferrable", &fk->deferrable)) ||
		    (rc = get_bool(c, v, "initially_deferred", &fk->initially_deferred)))
			return rc;
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, o, "checks", &a)) != 0)
		return rc;
	mark = jpush_key(c, "checks", 0);
	json_array_foreach(a, i, v) {
		struct schema_check *ck;
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "a check")) || (rc = get_str(c, v, "name", 0, &cname)) ||
		    (rc = get_str(c, v, "expression", 1, &expr)) || (rc = get_bool(c, v, "no_inherit", &b)))
			return rc;
		NOMEM(ck = table_add_check(t, cname, expr));
		ck->no_inherit = b;
		jpop(c, m2);
	}
	jpop(c, mark);
	return model_attached(c, s, nsp, name, o);
}

static int model_view(struct jctx *c, struct schema *s, json_t *o)
{
	struct schema_view *v;
	const char *name, *nsp, *def, *sql;
	int rc;

	if ((rc = must_object(c, o, "a view")) || (rc = get_str(c, o, "name", 1, &name)) ||
	    (rc = get_str(c, o, "schema", 0, &nsp)) || (rc = get_str(c, o, "definition", 1, &def)) ||
	    (rc = get_str(c, o, "sql", 0, &sql)))
		return rc;
	NOMEM(v = schema_add_view(s, nsp, name, def));
	if (schema_set_str(&v->sql, sql))
		return STRATA_ENOMEM;
	if ((rc = get_bool(c, o, "materialized", &v->materialized)) ||
	    (rc = get_bool(c, o, "with_no_data", &v->with_no_data)))
		return rc;
	return model_attached(c, s, nsp, name, o);
}

static const struct {
	const char *name;
	enum schema_object_kind kind;
} comment_kinds[] = {
	{ "table", SCHEMA_OBJ_TABLE }, { "column", SCHEMA_OBJ_COLUMN }, { "view", SCHEMA_OBJ_VIEW },
	{ "materialized view", SCHEMA_OBJ_MATVIEW }, { "index", SCHEMA_OBJ_INDEX },
	{ "sequence", SCHEMA_OBJ_SEQUENCE }, { "type", SCHEMA_OBJ_TYPE },
	{ "schema", SCHEMA_OBJ_SCHEMA }, { "trigger", SCHEMA_OBJ_TRIGGER },
	{ "constraint", SCHEMA_OBJ_CONSTRAINT }, { "function", SCHEMA_OBJ_FUNCTION },
	{ "extension", SCHEMA_OBJ_EXTENSION }, { "collation", SCHEMA_OBJ_COLLATION },
	{ "statistics", SCHEMA_OBJ_STATISTICS },
};

/* The PostgreSQL-only arrays: enums, sequences, extensions, functions, comments. */
static int model_pg_objects(struct jctx *c, struct schema *s, json_t *root)
{
	json_t *a, *v, *own;
	const char *name, *nsp, *str, *str2;
	size_t i, k, mark, m2;
	int rc;

	if ((rc = get_arr(c, root, "enums", &a)) != 0)
		return rc;
	mark = jpush_key(c, "enums", 0);
	json_array_foreach(a, i, v) {
		struct schema_enum *e;
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "an enum")) || (rc = get_str(c, v, "name", 1, &name)) ||
		    (rc = get_str(c, v, "schema", 0, &nsp)))
			return rc;
		NOMEM(e = schema_add_enum(s, nsp, name));
		if ((rc = get_names(c, v, "labels", 1, &e->labels)) != 0)
			return rc;
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, root, "sequences", &a)) != 0)
		return rc;
	mark = jpush_key(c, "sequences", 0);
	json_array_foreach(a, i, v) {
		struct schema_sequence *q;
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "a sequence")) || (rc = get_str(c, v, "name", 1, &name)) ||
		    (rc = get_str(c, v, "schema", 0, &nsp)) || (rc = get_str(c, v, "type", 0, &str)))
			return rc;
		NOMEM(q = schema_add_sequence(s, nsp, name));
		if (schema_set_str(&q->type, str ? str : "bigint"))
			return STRATA_ENOMEM;
		if ((rc = get_int(c, v, "start", &q->start)) ||
		    (rc = get_int(c, v, "increment", &q->increment)) ||
		    (rc = get_int(c, v, "min_value", &q->min_value)) ||
		    (rc = get_int(c, v, "max_value", &q->max_value)) ||
		    (rc = get_int(c, v, "cache", &q->cache)) || (rc = get_bool(c, v, "cycle", &q->cycle)))
			return rc;
		own = json_object_get(v, "owned_by");
		if (own && !json_is_null(own)) {
			size_t m3 = jpush_key(c, "owned_by", 0);
			if ((rc = must_object(c, own, "owned_by")) ||
			    (rc = get_str(c, own, "table", 1, &str)) ||
			    (rc = get_str(c, own, "column", 1, &str2)))
				return rc;
			if (schema_set_str(&q->owned_by_table, str) ||
			    schema_set_str(&q->owned_by_column, str2))
				return STRATA_ENOMEM;
			jpop(c, m3);
		}
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, root, "extensions", &a)) != 0)
		return rc;
	mark = jpush_key(c, "extensions", 0);
	json_array_foreach(a, i, v) {
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "an extension")) || (rc = get_str(c, v, "name", 1, &name)) ||
		    (rc = get_str(c, v, "schema", 0, &nsp)) || (rc = get_str(c, v, "version", 0, &str)))
			return rc;
		NOMEM(schema_add_extension(s, name, nsp, str));
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, root, "functions", &a)) != 0)
		return rc;
	mark = jpush_key(c, "functions", 0);
	json_array_foreach(a, i, v) {
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "a function")) || (rc = get_str(c, v, "name", 1, &name)) ||
		    (rc = get_str(c, v, "schema", 0, &nsp)) || (rc = get_str(c, v, "args", 0, &str)) ||
		    (rc = get_str(c, v, "sql", 1, &str2)))
			return rc;
		NOMEM(schema_add_function(s, nsp, name, str ? str : "", str2));
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, root, "comments", &a)) != 0)
		return rc;
	mark = jpush_key(c, "comments", 0);
	json_array_foreach(a, i, v) {
		const char *kind, *sub, *text;
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "a comment")) || (rc = get_str(c, v, "kind", 1, &kind)) ||
		    (rc = get_str(c, v, "schema", 0, &nsp)) || (rc = get_str(c, v, "name", 1, &name)) ||
		    (rc = get_str(c, v, "sub", 0, &sub)) || (rc = get_str(c, v, "text", 0, &text)))
			return rc;
		for (k = 0; k < sizeof comment_kinds / sizeof comment_kinds[0]; k++)
			if (!strcmp(kind, comment_kinds[k].name))
				break;
		if (k == sizeof comment_kinds / sizeof comment_kinds[0]) {
			size_t m3 = jpush_key(c, "kind", 0);
			rc = jfail(c, "unknown kind '%s'", kind);
			jpop(c, m3);
			return rc;
		}
		NOMEM(schema_add_comment(s, comment_kinds[k].kind, nsp, name, sub, text));
		jpop(c, m2);
	}
	jpop(c, mark);
	return 0;
}

/* "types" and "excludes" (pgtypes.c): PostgreSQL's domains, composite and
 * range types, EXCLUDE constraints. */
static int model_pgtypes(struct jctx *c, struct schema *s, json_t *root)
{
	static const struct { const char *name; int kind; } kinds[] = {
		{ "domain", SCHEMA_PGTYPE_DOMAIN }, { "composite", SCHEMA_PGTYPE_COMPOSITE },
		{ "range", SCHEMA_PGTYPE_RANGE },
	};
	json_t *a, *v, *sa, *sv;
	const char *name, *nsp, *kind, *str;
	size_t i, k, mark, m2, m3, m4;
	int rc;

	if ((rc = get_arr(c, root, "types", &a)) != 0)
		return rc;
	mark = jpush_key(c, "types", 0);
	json_array_foreach(a, i, v) {
		struct schema_pgtype *t;
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "a type")) || (rc = get_str(c, v, "name", 1, &name)) ||
		    (rc = get_str(c, v, "schema", 0, &nsp)) || (rc = get_str(c, v, "kind", 1, &kind)))
			return rc;
		for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
			if (!strcmp(kind, kinds[k].name))
				break;
		if (k == sizeof kinds / sizeof kinds[0]) {
			m3 = jpush_key(c, "kind", 0);
			rc = jfail(c, "\"domain\", \"composite\" or \"range\" was expected");
			jpop(c, m3);
			return rc;
		}
		NOMEM(t = schema_add_pgtype(s, nsp, name, kinds[k].kind));
		if ((rc = get_str(c, v, "base", t->kind != SCHEMA_PGTYPE_COMPOSITE, &str)))
			return rc;
		if (schema_set_str(&t->base, str))
			return STRATA_ENOMEM;
#define PGTYPE_STR(key, field)                                         \
		if ((rc = get_str(c, v, key, 0, &str)))                \
			return rc;                                     \
		if (schema_set_str(&t->field, str))                    \
			return STRATA_ENOMEM;
		PGTYPE_STR("collation", collation)
		PGTYPE_STR("default", default_sql)
		PGTYPE_STR("opclass", opclass)
		PGTYPE_STR("canonical", canonical)
		PGTYPE_STR("subtype_diff", subtype_diff)
		PGTYPE_STR("multirange", multirange)
#undef PGTYPE_STR
		if ((rc = get_bool(c, v, "not_null", &t->not_null)) ||
		    (rc = get_arr(c, v, "checks", &sa)))
			return rc;
		m3 = jpush_key(c, "checks", 0);
		json_array_foreach(sa, k, sv) {
			struct schema_check *ck;
			const char *e;
			m4 = jpush_key(c, NULL, k);
			if ((rc = must_object(c, sv, "a check")) || (rc = get_str(c, sv, "name", 1, &str)) ||
			    (rc = get_str(c, sv, "expression", 1, &e)))
				return rc;
			NOMEM(ck = pgtype_add_check(t, str, e));
			if ((rc = get_bool(c, sv, "not_valid", &ck->not_valid)))
				return rc;
			jpop(c, m4);
		}
		jpop(c, m3);
		if ((rc = get_arr(c, v, "attributes", &sa)))
			return rc;
		m3 = jpush_key(c, "attributes", 0);
		json_array_foreach(sa, k, sv) {
			struct schema_pgtype_attr *at;
			const char *ty, *coll;
			m4 = jpush_key(c, NULL, k);
			if ((rc = must_object(c, sv, "an attribute")) ||
			    (rc = get_str(c, sv, "name", 1, &str)) || (rc = get_str(c, sv, "type", 1, &ty)) ||
			    (rc = get_str(c, sv, "collation", 0, &coll)))
				return rc;
			NOMEM(at = pgtype_add_attr(t, str, ty));
			if (schema_set_str(&at->collation, coll))
				return STRATA_ENOMEM;
			jpop(c, m4);
		}
		jpop(c, m3);
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, root, "excludes", &a)) != 0)
		return rc;
	mark = jpush_key(c, "excludes", 0);
	json_array_foreach(a, i, v) {
		const char *table, *def;
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "an EXCLUDE constraint")) ||
		    (rc = get_str(c, v, "name", 1, &name)) || (rc = get_str(c, v, "schema", 0, &nsp)) ||
		    (rc = get_str(c, v, "table", 1, &table)) || (rc = get_str(c, v, "definition", 1, &def)))
			return rc;
		NOMEM(schema_add_exclude(s, nsp, table, name, def));
		jpop(c, m2);
	}
	jpop(c, mark);
	if (c->engine == SCHEMA_SQLITE && (s->npgtypes || s->nexcludes))
		return jfail(c, "a sqlite model holds PostgreSQL types or EXCLUDE constraints");
	return 0;
}

/* "collations" (collations.c): PostgreSQL's CREATE COLLATION. */
static int model_collations(struct jctx *c, struct schema *s, json_t *root)
{
	static const struct { const char *name; int provider; } providers[] = {
		{ "libc", 'c' }, { "icu", 'i' }, { "builtin", 'b' }, { "default", 'd' },
	};
	const char *nsp, *name, *prov, *str;
	json_t *a, *v;
	size_t i, k, mark, m2;
	int rc, det;

	if ((rc = get_arr(c, root, "collations", &a)) != 0)
		return rc;
	mark = jpush_key(c, "collations", 0);
	json_array_foreach(a, i, v) {
		struct schema_collation *co;
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "a collation")) || (rc = get_str(c, v, "name", 1, &name)) ||
		    (rc = get_str(c, v, "schema", 0, &nsp)) || (rc = get_str(c, v, "provider", 1, &prov)))
			return rc;
		for (k = 0; k < sizeof providers / sizeof providers[0]; k++)
			if (!strcmp(prov, providers[k].name))
				break;
		if (k == sizeof providers / sizeof providers[0]) {
			size_t m3 = jpush_key(c, "provider", 0);
			rc = jfail(c, "unknown provider '%s'", prov);
			jpop(c, m3);
			return rc;
		}
		NOMEM(co = schema_add_collation(s, nsp, name, providers[k].provider));
#define COLL_STR(key, field)                                           \
		if ((rc = get_str(c, v, key, 0, &str)))                \
			return rc;                                     \
		NOMEM(!schema_set_str(&co->field, str));
		COLL_STR("locale", locale)
		COLL_STR("lc_collate", lc_collate)
		COLL_STR("lc_ctype", lc_ctype)
		COLL_STR("rules", rules)
#undef COLL_STR
		if (json_object_get(v, "deterministic")) {
			if ((rc = get_bool(c, v, "deterministic", &det)))
				return rc;
			co->deterministic = det;
		}
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, root, "statistics", &a)) != 0)
		return rc;
	mark = jpush_key(c, "statistics", 0);
	json_array_foreach(a, i, v) {
		const char *tnsp, *table, *def;
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "a statistics object")) ||
		    (rc = get_str(c, v, "name", 1, &name)) || (rc = get_str(c, v, "schema", 0, &nsp)) ||
		    (rc = get_str(c, v, "table_schema", 0, &tnsp)) ||
		    (rc = get_str(c, v, "table", 1, &table)) || (rc = get_str(c, v, "definition", 1, &def)))
			return rc;
		NOMEM(schema_add_extstat(s, nsp, name, tnsp, table, def));
		jpop(c, m2);
	}
	jpop(c, mark);
	if (c->engine == SCHEMA_SQLITE && (s->ncollations || s->nextstats))
		return jfail(c, "a sqlite model holds PostgreSQL collations or statistics objects");
	return 0;
}

static int model_sql(struct jctx *c, json_t *root, struct sbuf *sql)
{
	struct schema *s = NULL;
	const char *engine;
	json_t *a, *v;
	size_t i, mark, m2;
	int rc;

	if ((rc = get_str(c, root, "engine", 1, &engine)) != 0)
		return rc;
	if (strcmp(engine, "sqlite") && strcmp(engine, "postgres")) {
		mark = jpush_key(c, "engine", 0);
		rc = jfail(c, "\"sqlite\" or \"postgres\" was expected");
		jpop(c, mark);
		return rc;
	}
	if (strcmp(engine, c->engine == SCHEMA_PG ? "postgres" : "sqlite")) {
		mark = jpush_key(c, "engine", 0);
		rc = jfail(c, "a %s model cannot be compared on %s", engine,
		           c->engine == SCHEMA_PG ? "postgres" : "sqlite");
		jpop(c, mark);
		return rc;
	}
	if (!(s = schema_new(c->engine)))
		return STRATA_ENOMEM;
	if ((rc = get_arr(c, root, "schemas", &a)) != 0)
		goto out;
	mark = jpush_key(c, "schemas", 0);
	json_array_foreach(a, i, v) {
		m2 = jpush_key(c, NULL, i);
		if (!json_is_string(v) || !*json_string_value(v)) {
			rc = jfail(c, "a schema name (a non-empty string) was expected");
			goto out;
		}
		if (!schema_add_namespace(s, json_string_value(v))) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, root, "tables", &a)) != 0)
		goto out;
	mark = jpush_key(c, "tables", 0);
	json_array_foreach(a, i, v) {
		m2 = jpush_key(c, NULL, i);
		if ((rc = model_table(c, s, v)) != 0)
			goto out;
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, root, "views", &a)) != 0)
		goto out;
	mark = jpush_key(c, "views", 0);
	json_array_foreach(a, i, v) {
		m2 = jpush_key(c, NULL, i);
		if ((rc = model_view(c, s, v)) != 0)
			goto out;
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = model_pg_objects(c, s, root)) != 0 || (rc = model_pgtypes(c, s, root)) != 0 ||
	    (rc = model_collations(c, s, root)) != 0)
		goto out;
	if (c->engine == SCHEMA_SQLITE && (s->nenums || s->nsequences || s->nextensions ||
	                                    s->nfunctions || s->ncomments || s->nnamespaces)) {
		rc = jfail(c, "a sqlite model holds PostgreSQL objects (schemas, enums, sequences, "
		           "extensions, functions or comments)");
		goto out;
	}
	schema_sort(s);
	rc = schema_render_sql(s, c->engine, sql);
out:
	schema_free(s);
	return rc;
}

/* ---- resource definitions ------------------------------------------------------ */

/* The portable types and what each engine stores them as. */
static const struct {
	const char *name, *sqlite, *pg;
} types[] = {
	{ "text", "TEXT", "text" },
	{ "integer", "INTEGER", "integer" },
	{ "real", "REAL", "double precision" },
	{ "numeric", "NUMERIC", "numeric" },
	{ "boolean", "INTEGER", "boolean" },
	{ "date", "TEXT", "date" },
	{ "datetime", "TEXT", "timestamp with time zone" },
	{ "json", "TEXT", "jsonb" },
	{ "blob", "BLOB", "bytea" },
	{ "uuid", "TEXT", "uuid" },
};
#define NTYPES (sizeof types / sizeof types[0])

static int find_type(const char *name)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		if (!strcmp(types[i].name, name))
			return (int)i;
	return -1;
}

static const char *const table_keys[] = { "name", "fields", "indexes", "unique", "checks",
	                                  "description", "$schema", NULL };
static const char *const field_keys[] = { "type", "primary", "required", "unique", "default",
	                                  "references", "onDelete", "onUpdate", "autoIncrement",
	                                  "description", NULL };
static const char *const index_keys[] = { "name", "fields", "unique", "where", NULL };
static const char *const check_keys[] = { "name", "expression", NULL };

static int known_keys(struct jctx *c, json_t *o, const char *const *keys)
{
	const char *k;
	json_t *v;
	size_t i, mark;
	int rc;

	json_object_foreach(o, k, v) {
		for (i = 0; keys[i]; i++)
			if (!strcmp(keys[i], k))
				break;
		if (!keys[i]) {
			mark = jpush_key(c, k, 0);
			rc = jfail(c, "unknown key");
			jpop(c, mark);
			return rc;
		}
	}
	return 0;
}

static int name_eq(int engine, const char *a, const char *b)
{
	if (engine == SCHEMA_PG)
		return !strcmp(a, b);
	for (; *a && *b; a++, b++) {
		int x = (*a >= 'A' && *a <= 'Z') ? *a + 32 : *a;
		int y = (*b >= 'A' && *b <= 'Z') ? *b + 32 : *b;
		if (x != y)
			return 0;
	}
	return *a == *b;
}

/* "cascade", "set null", "SET_NULL", "setNull" ... -> the SQL words. */
static const char *fk_action(const char *s)
{
	static const struct {
		const char *key, *sql;
	} acts[] = { { "cascade", "CASCADE" }, { "restrict", "RESTRICT" },
		     { "setnull", "SET NULL" }, { "setdefault", "SET DEFAULT" },
		     { "noaction", "NO ACTION" } };
	char k[16];
	size_t n = 0, i;

	for (; *s; s++) {
		if (*s == ' ' || *s == '_' || *s == '-')
			continue;
		if (n + 1 >= sizeof k)
			return NULL;
		k[n++] = (char)((*s >= 'A' && *s <= 'Z') ? *s + 32 : *s);
	}
	k[n] = '\0';
	for (i = 0; i < sizeof acts / sizeof acts[0]; i++)
		if (!strcmp(k, acts[i].key))
			return acts[i].sql;
	return NULL;
}

/* An SQL expression from the user (a check, a where, a default): tokens
 * only (no comment, no unterminated string), balanced parentheses, no
 * ';', so that it stays one expression in the statement it is put into. */
static int check_expr(struct jctx *c, const char *e)
{
	size_t pos = 0, len = strlen(e), prev = 0, i;
	struct schema_tok t;
	long depth = 0;
	int any = 0;

	for (;;) {
		schema_tok_next(e, len, &pos, &t);
		for (i = prev; i < t.start; i++)
			if (e[i] != ' ' && e[i] != '\t' && e[i] != '\n' && e[i] != '\r')
				return jfail(c, "an expression cannot hold a comment");
		if (t.type == SCHEMA_TK_END)
			break;
		prev = t.start + t.len;
		any = 1;
		if (t.type == SCHEMA_TK_SEMI)
			return jfail(c, "an expression cannot hold ';'");
		if ((t.type == SCHEMA_TK_STRING || t.type == SCHEMA_TK_QUOTED) &&
		    (t.len < 2 || !strchr("'\"]`", e[t.start + t.len - 1])))
			return jfail(c, "an unterminated string or name in the expression");
		if (t.type == SCHEMA_TK_LPAREN)
			depth++;
		if (t.type == SCHEMA_TK_RPAREN && --depth < 0)
			return jfail(c, "unbalanced parentheses in the expression");
	}
	if (!any)
		return jfail(c, "an empty expression");
	if (depth)
		return jfail(c, "unbalanced parentheses in the expression");
	return 0;
}

/* One resource document, checked whole (its references wait for all). */
struct res {
	struct jctx c;
	json_t *root;
	const char *name;
	json_t *fields;
};

static int res_find(const struct res *r, size_t n, int engine, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (r[i].name && name_eq(engine, r[i].name, name))
			return (int)i;
	return -1;
}

static json_t *res_field(const struct res *r, int engine, const char *name)
{
	const char *k;
	json_t *v;

	json_object_foreach(r->fields, k, v)
		if (name_eq(engine, k, name))
			return v;
	return NULL;
}

/* Each of names (a JSON array at key of o) must be a field of r. */
static int check_field_list(struct jctx *c, const struct res *r, json_t *o, const char *key,
                            json_t **out)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i, mark, m2;
	int rc = 0;

	*out = a;
	mark = jpush_key(c, key, 0);
	if (!a)
		rc = jfail(c, "is missing");
	else if (!json_is_array(a) || !json_array_size(a))
		rc = jfail(c, "a non-empty array of field names was expected");
	json_array_foreach(a, i, v) {
		if (rc)
			break;
		m2 = jpush_key(c, NULL, i);
		if (!json_is_string(v))
			rc = jfail(c, "a field name was expected, not %s", jtype_name(v));
		else if (!res_field(r, c->engine, json_string_value(v)))
			rc = jfail(c, "table '%s' has no field '%s'", r->name, json_string_value(v));
		jpop(c, m2);
	}
	jpop(c, mark);
	return rc;
}

static int is_true(json_t *f, const char *key);

/* Structure of one field (references are checked later, in res_refs()). */
static int res_check_field(struct jctx *c, const char *name, json_t *f)
{
	const char *type, *s;
	json_t *d;
	int rc, b;
	size_t mark;

	if (json_is_string(f))
		return find_type(json_string_value(f)) < 0
		               ? jfail(c, "unknown type '%s'", json_string_value(f)) : 0;
	if ((rc = must_object(c, f, "a field")) || (rc = known_keys(c, f, field_keys)) ||
	    (rc = get_str(c, f, "type", 1, &type)) || (rc = get_bool(c, f, "primary", &b)) ||
	    (rc = get_bool(c, f, "required", &b)) || (rc = get_bool(c, f, "unique", &b)) ||
	    (rc = get_str(c, f, "references", 0, &s)) || (rc = get_str(c, f, "description", 0, &s)))
		return rc;
	(void)name;
	mark = jpush_key(c, "type", 0);
	if (find_type(type) < 0) {
		rc = jfail(c, "unknown type '%s' (text, integer, real, numeric, boolean, date, "
		           "datetime, json, blob, uuid)", type);
		jpop(c, mark);
		return rc;
	}
	jpop(c, mark);
	if ((d = json_object_get(f, "default")) != NULL) {
		mark = jpush_key(c, "default", 0);
		if (json_is_array(d)) {
			rc = jfail(c, "a default is a string, number, boolean, null or {\"sql\": ...}");
		} else if (json_is_object(d)) {
			if (!(rc = known_keys(c, d, (const char *const[]){ "sql", NULL })) &&
			    !(rc = get_str(c, d, "sql", 1, &s))) {
				size_t m2 = jpush_key(c, "sql", 0);
				rc = check_expr(c, s);
				jpop(c, m2);
			}
		} else if (json_is_real(d) && (json_real_value(d) != json_real_value(d) ||
		                               json_real_value(d) - json_real_value(d) != 0)) {
			rc = jfail(c, "a finite number was expected");
		}
		jpop(c, mark);
		if (rc)
			return rc;
	}
	if ((rc = get_bool(c, f, "autoIncrement", &b)) != 0)
		return rc;
	if (b && (strcmp(type, "integer") || !is_true(f, "primary") ||
	          json_object_get(f, "default"))) {
		mark = jpush_key(c, "autoIncrement", 0);
		rc = jfail(c, "only an integer primary field without a default counts up by itself");
		jpop(c, mark);
		return rc;
	}
	if (!json_object_get(f, "references") &&
	    (json_object_get(f, "onDelete") || json_object_get(f, "onUpdate")))
		return jfail(c, "onDelete and onUpdate go with references");
	for (b = 0; b < 2; b++) {
		const char *key = b ? "onUpdate" : "onDelete";
		if ((rc = get_str(c, f, key, 0, &s)) != 0)
			return rc;
		if (s && !fk_action(s)) {
			mark = jpush_key(c, key, 0);
			rc = jfail(c, "unknown action '%s' (cascade, restrict, set null, set default, "
			           "no action)", s);
			jpop(c, mark);
			return rc;
		}
	}
	return 0;
}

static int res_check(struct res *r)
{
	struct jctx *c = &r->c;
	json_t *a, *v, *fields;
	const char *k, *s;
	size_t i, mark, m2;
	int rc, b;

	if ((rc = must_object(c, r->root, "a resource definition")) ||
	    (rc = known_keys(c, r->root, table_keys)) || (rc = get_str(c, r->root, "name", 1, &r->name)) ||
	    (rc = get_str(c, r->root, "description", 0, &s)))
		return rc;
	fields = json_object_get(r->root, "fields");
	mark = jpush_key(c, "fields", 0);
	if (!fields)
		rc = jfail(c, "is missing");
	else if (!json_is_object(fields) || !json_object_size(fields))
		rc = jfail(c, "an object of fields (name: definition), at least one, was expected");
	if (rc)
		return rc;
	/* Both engines stop at 2000 columns or fewer (SQLite's default
	 * SQLITE_MAX_COLUMN, PostgreSQL's 1600): the search below stays small. */
	if (json_object_size(fields) > 2000)
		return jfail(c, "more than 2000 fields");
	r->fields = fields;
	b = 0;
	json_object_foreach(fields, k, v)
		b += is_true(v, "primary");
	json_object_foreach(fields, k, v) {
		const char *k2;
		json_t *v2;

		m2 = jpush_key(c, k, 0);
		if (!*k)
			return jfail(c, "a field needs a name");
		/* SQLite names are one in any case: "Id" and "id" clash there
		 * (jansson refuses keys that are the same bytes). */
		json_object_foreach(fields, k2, v2) {
			if (k2 == k || c->engine != SCHEMA_SQLITE)
				break;
			if (name_eq(c->engine, k, k2))
				return jfail(c, "a second field named '%s' (as '%s')", k, k2);
		}
		if ((rc = res_check_field(c, k, v)) != 0)
			return rc;
		if (is_true(v, "autoIncrement") && b != 1) {
			jpush_key(c, "autoIncrement", 0);
			return jfail(c, "a field that counts up by itself is the whole primary key");
		}
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, r->root, "unique", &a)) != 0)
		return rc;
	mark = jpush_key(c, "unique", 0);
	json_array_foreach(a, i, v) {
		json_t *list;
		m2 = jpush_key(c, NULL, i);
		if (json_is_array(v)) {
			json_t *wrap = json_pack("{sO}", "fields", v);
			if (!wrap)
				return STRATA_ENOMEM;
			rc = check_field_list(c, r, wrap, "fields", &list);
			json_decref(wrap);
		} else if (!(rc = must_object(c, v, "a list of fields")) &&
		           !(rc = known_keys(c, v, (const char *const[]){ "name", "fields", NULL })) &&
		           !(rc = get_str(c, v, "name", 0, &s))) {
			rc = check_field_list(c, r, v, "fields", &list);
		}
		if (rc)
			return rc;
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, r->root, "indexes", &a)) != 0)
		return rc;
	mark = jpush_key(c, "indexes", 0);
	json_array_foreach(a, i, v) {
		json_t *list;
		m2 = jpush_key(c, NULL, i);
		if ((rc = must_object(c, v, "an index")) || (rc = known_keys(c, v, index_keys)) ||
		    (rc = get_str(c, v, "name", 0, &s)) || (rc = get_bool(c, v, "unique", &b)) ||
		    (rc = check_field_list(c, r, v, "fields", &list)) ||
		    (rc = get_str(c, v, "where", 0, &s)))
			return rc;
		if (s) {
			size_t m3 = jpush_key(c, "where", 0);
			rc = check_expr(c, s);
			jpop(c, m3);
			if (rc)
				return rc;
		}
		jpop(c, m2);
	}
	jpop(c, mark);
	if ((rc = get_arr(c, r->root, "checks", &a)) != 0)
		return rc;
	mark = jpush_key(c, "checks", 0);
	json_array_foreach(a, i, v) {
		m2 = jpush_key(c, NULL, i);
		if (json_is_string(v)) {
			rc = check_expr(c, json_string_value(v));
		} else if (!(rc = must_object(c, v, "a check (a string or an object)")) &&
		           !(rc = known_keys(c, v, check_keys)) && !(rc = get_str(c, v, "name", 0, &s)) &&
		           !(rc = get_str(c, v, "expression", 1, &s))) {
			size_t m3 = jpush_key(c, "expression", 0);
			rc = check_expr(c, s);
			jpop(c, m3);
		}
		if (rc)
			return rc;
		jpop(c, m2);
	}
	jpop(c, mark);
	return 0;
}

/* Every "references": "table.field" names a table and field that are there. */
static int res_refs(struct res *all, size_t n, size_t ri)
{
	struct res *r = &all[ri];
	struct jctx *c = &r->c;
	const char *k, *ref, *dot;
	json_t *v;
	size_t mark, m2;
	int rc = 0, t;

	mark = jpush_key(c, "fields", 0);
	json_object_foreach(r->fields, k, v) {
		if (!json_is_object(v) || !(ref = json_string_value(json_object_get(v, "references"))))
			continue;
		m2 = jpush_key(c, k, 0);
		jpush_key(c, "references", 0);
		dot = strrchr(ref, '.');
		if (!dot || dot == ref || !dot[1]) {
			rc = jfail(c, "\"table.field\" was expected, not '%s'", ref);
		} else {
			char *table = sbuf_strndup(ref, (size_t)(dot - ref));
			if (!table)
				return STRATA_ENOMEM;
			t = res_find(all, n, c->engine, table);
			if (t < 0)
				rc = jfail(c, "no table '%s' is defined", table);
			else if (!res_field(&all[t], c->engine, dot + 1))
				rc = jfail(c, "table '%s' has no field '%s'", all[t].name, dot + 1);
			free(table);
		}
		if (rc)
			return rc;
		jpop(c, m2);
	}
	jpop(c, mark);
	return 0;
}

static void add_default(struct sbuf *out, int engine, json_t *d)
{
	const char *s;

	if (json_is_object(d)) {
		s = json_string_value(json_object_get(d, "sql"));
		sbuf_addf(out, " DEFAULT (%s)", s ? s : "NULL");
	} else if (json_is_string(d)) {
		sbuf_adds(out, " DEFAULT ");
		sbuf_add_literal(out, json_string_value(d));
	} else if (json_is_integer(d)) {
		sbuf_addf(out, " DEFAULT %" JSON_INTEGER_FORMAT, json_integer_value(d));
	} else if (json_is_real(d)) {
		sbuf_addf(out, " DEFAULT %.17g", json_real_value(d));
	} else if (json_is_boolean(d)) {
		if (engine == SCHEMA_PG)
			sbuf_adds(out, json_is_true(d) ? " DEFAULT true" : " DEFAULT false");
		else
			sbuf_adds(out, json_is_true(d) ? " DEFAULT 1" : " DEFAULT 0");
	}
}

/* REFERENCES t (c) ON DELETE ... for field f, whose reference is valid. */
static void add_references(struct sbuf *out, const struct res *all, size_t n, int engine,
                           json_t *f)
{
	const char *ref = json_string_value(json_object_get(f, "references"));
	const char *dot = strrchr(ref, '.'), *act;
	char *table = sbuf_strndup(ref, (size_t)(dot - ref));
	int t = table ? res_find(all, n, engine, table) : -1;

	free(table);
	if (t < 0) {
		sbuf_adds(out, "?");    /* out of memory: the buffer fails below */
		out->failed = 1;
		return;
	}
	sbuf_adds(out, "REFERENCES ");
	schema_add_ident(out, all[t].name);
	sbuf_adds(out, " (");
	schema_add_ident(out, dot + 1);
	sbuf_addc(out, ')');
	if ((act = json_string_value(json_object_get(f, "onDelete"))) != NULL)
		sbuf_addf(out, " ON DELETE %s", fk_action(act));
	if ((act = json_string_value(json_object_get(f, "onUpdate"))) != NULL)
		sbuf_addf(out, " ON UPDATE %s", fk_action(act));
}

static int is_true(json_t *f, const char *key)
{
	return json_is_object(f) && json_is_true(json_object_get(f, key));
}

static char *index_name(const struct res *r, json_t *ix);

static void res_table_sql(const struct res *all, size_t n, size_t ri, int engine, struct sbuf *out)
{
	const struct res *r = &all[ri];
	const char *k, *s;
	json_t *v, *a;
	size_t i, j, npk = 0;
	int first = 1;

	json_object_foreach(r->fields, k, v)
		npk += (size_t)is_true(v, "primary");
	sbuf_adds(out, "\nCREATE TABLE ");
	schema_add_ident(out, r->name);
	sbuf_adds(out, " (");
	json_object_foreach(r->fields, k, v) {
		const char *tn = json_is_string(v) ? json_string_value(v)
		                                   : json_string_value(json_object_get(v, "type"));
		int ti = find_type(tn);

		sbuf_adds(out, first ? "\n    " : ",\n    ");
		first = 0;
		schema_add_ident(out, k);
		sbuf_addf(out, " %s", engine == SCHEMA_PG ? types[ti].pg : types[ti].sqlite);
		/* SQLite: AUTOINCREMENT never reuses a rowid, as the serial
		 * numbers of PostgreSQL's identity never come back either. */
		if (is_true(v, "autoIncrement"))
			sbuf_adds(out, engine == SCHEMA_PG ? " GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
			                                   : " PRIMARY KEY AUTOINCREMENT");
		else if (npk == 1 && is_true(v, "primary"))
			sbuf_adds(out, " PRIMARY KEY");
		if (is_true(v, "primary") || is_true(v, "required"))
			sbuf_adds(out, " NOT NULL");
		if (is_true(v, "unique") && !(npk == 1 && is_true(v, "primary")))
			sbuf_adds(out, " UNIQUE");
		if (json_is_object(v) && json_object_get(v, "default"))
			add_default(out, engine, json_object_get(v, "default"));
		if (engine == SCHEMA_SQLITE && json_is_object(v) && json_object_get(v, "references")) {
			sbuf_addc(out, ' ');
			add_references(out, all, n, engine, v);
		}
	}
	if (npk > 1) {
		sbuf_adds(out, ",\n    PRIMARY KEY (");
		j = 0;
		json_object_foreach(r->fields, k, v) {
			if (!is_true(v, "primary"))
				continue;
			if (j++)
				sbuf_adds(out, ", ");
			schema_add_ident(out, k);
		}
		sbuf_addc(out, ')');
	}
	json_array_foreach(json_object_get(r->root, "unique"), i, v) {
		json_t *list = json_is_array(v) ? v : json_object_get(v, "fields");
		sbuf_adds(out, ",\n    ");
		if (json_is_object(v) && (s = json_string_value(json_object_get(v, "name")))) {
			sbuf_adds(out, "CONSTRAINT ");
			schema_add_ident(out, s);
			sbuf_addc(out, ' ');
		}
		sbuf_adds(out, "UNIQUE (");
		json_array_foreach(list, j, a) {
			if (j)
				sbuf_adds(out, ", ");
			schema_add_ident(out, json_string_value(a));
		}
		sbuf_addc(out, ')');
	}
	json_array_foreach(json_object_get(r->root, "checks"), i, v) {
		sbuf_adds(out, ",\n    ");
		if (json_is_object(v) && (s = json_string_value(json_object_get(v, "name")))) {
			sbuf_adds(out, "CONSTRAINT ");
			schema_add_ident(out, s);
			sbuf_addc(out, ' ');
		}
		s = json_is_string(v) ? json_string_value(v)
		                      : json_string_value(json_object_get(v, "expression"));
		sbuf_addf(out, "CHECK (%s)", s);
	}
	sbuf_adds(out, "\n);\n");
	json_array_foreach(json_object_get(r->root, "indexes"), i, v) {
		sbuf_adds(out, json_is_true(json_object_get(v, "unique")) ? "CREATE UNIQUE INDEX "
		                                                           : "CREATE INDEX ");
		{
			char *nm = index_name(r, v);
			if (!nm)
				out->failed = 1;
			else
				schema_add_ident(out, nm);
			free(nm);
		}
		sbuf_adds(out, " ON ");
		schema_add_ident(out, r->name);
		sbuf_adds(out, " (");
		json_array_foreach(json_object_get(v, "fields"), j, a) {
			if (j)
				sbuf_adds(out, ", ");
			schema_add_ident(out, json_string_value(a));
		}
		sbuf_addc(out, ')');
		if ((s = json_string_value(json_object_get(v, "where"))))
			sbuf_addf(out, " WHERE %s", s);
		sbuf_adds(out, ";\n");
	}
}

/* A table or index name, for the check that no name is used twice. */
struct used_name {
	char *name;
	size_t res;
	long index;     /* -1: the table itself; else its indexes[index] */
};

static int cmp_used_nocase(const void *x, const void *y)
{
	const struct used_name *a = x, *b = y;
	int c = strcasecmp(a->name, b->name);

	return c ? c : a->res != b->res ? (a->res < b->res ? -1 : 1) : (a->index < b->index ? -1 : 1);
}

static int cmp_used_case(const void *x, const void *y)
{
	const struct used_name *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	return c ? c : a->res != b->res ? (a->res < b->res ? -1 : 1) : (a->index < b->index ? -1 : 1);
}

/* The name of r's index ix: its own, or <table>_<fields>_idx (the name
 * PostgreSQL would choose, on both engines). A new string, NULL when out
 * of memory. */
static char *index_name(const struct res *r, json_t *ix)
{
	struct sbuf nm = SBUF_INIT;
	const char *s = json_string_value(json_object_get(ix, "name"));
	json_t *a;
	size_t j;

	if (s)
		return strdup(s);
	sbuf_adds(&nm, r->name);
	json_array_foreach(json_object_get(ix, "fields"), j, a)
		sbuf_addf(&nm, "_%s", json_string_value(a));
	sbuf_adds(&nm, "_idx");
	return sbuf_detach(&nm);
}

/* Tables and indexes share one namespace on both engines: a name used
 * twice is named where it is used the second time (sorted: n log n). */
static int check_names(struct res *r, size_t n, int engine)
{
	struct used_name *v;
	size_t nv = 0, alloc = n, i;
	json_t *ix;
	int rc = 0;

	for (i = 0; i < n; i++)
		alloc += json_array_size(json_object_get(r[i].root, "indexes"));
	if (!(v = calloc(alloc ? alloc : 1, sizeof *v)))
		return STRATA_ENOMEM;
	for (i = 0; i < n && !rc; i++) {
		size_t k;
		v[nv].name = strdup(r[i].name);
		v[nv].res = i;
		v[nv++].index = -1;
		json_array_foreach(json_object_get(r[i].root, "indexes"), k, ix) {
			v[nv].name = index_name(&r[i], ix);
			v[nv].res = i;
			v[nv++].index = (long)k;
		}
	}
	for (i = 0; i < nv; i++)
		if (!v[i].name)
			rc = STRATA_ENOMEM;
	if (!rc)
		qsort(v, nv, sizeof *v, engine == SCHEMA_PG ? cmp_used_case : cmp_used_nocase);
	for (i = 1; i < nv && !rc; i++) {
		const struct used_name *a = &v[i - 1], *b = &v[i];
		struct jctx *c = &r[b->res].c;
		size_t mark;

		if (engine == SCHEMA_PG ? strcmp(a->name, b->name) : strcasecmp(a->name, b->name))
			continue;
		if (b->index < 0) {
			mark = jpush_key(c, "name", 0);
		} else {
			mark = jpush_key(c, "indexes", 0);
			jpush_key(c, NULL, (size_t)b->index);
		}
		if (a->index < 0 && b->index < 0)
			rc = jfail(c, "table '%s' is defined twice (also in %s)", b->name, r[a->res].c.file);
		else
			rc = jfail(c, "the name '%s' is used twice (also by %s in %s)", b->name,
			           a->index < 0 ? "a table" : "an index", r[a->res].c.file);
		jpop(c, mark);
	}
	for (i = 0; i < nv; i++)
		free(v[i].name);
	free(v);
	return rc;
}

static int resources_sql(struct res *r, size_t n, int engine, struct sbuf *sql)
{
	const char *k;
	json_t *v;
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if ((rc = res_check(&r[i])) != 0)
			return rc;
	if ((rc = check_names(r, n, engine)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = res_refs(r, n, i)) != 0)
			return rc;
	sbuf_addf(sql, "-- strata: from %zu resource definition%s\n", n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		res_table_sql(r, n, i, engine, sql);
	/* PostgreSQL checks a reference when it is made: after every table,
	 * whatever the order of the files. */
	for (i = 0; engine == SCHEMA_PG && i < n; i++) {
		json_object_foreach(r[i].fields, k, v) {
			if (!json_is_object(v) || !json_object_get(v, "references"))
				continue;
			sbuf_adds(sql, "ALTER TABLE ");
			schema_add_ident(sql, r[i].name);
			sbuf_adds(sql, " ADD FOREIGN KEY (");
			schema_add_ident(sql, k);
			sbuf_adds(sql, ") ");
			add_references(sql, r, n, engine, v);
			sbuf_adds(sql, ";\n");
		}
	}
	return sbuf_failed(sql) ? STRATA_ENOMEM : 0;
}

/* ---- entry points ---------------------------------------------------------------- */

int schema_json_sniff(const char *text, size_t len)
{
	size_t i = 0;

	/* A UTF-8 byte order mark, as some editors write one. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
		i++;
	return i < len && text[i] == '{';
}

int schema_json_sql(const struct schema_json_file *files, size_t n, int engine, struct sbuf *sql,
                    struct sbuf *err)
{
	struct res *r;
	size_t i;
	int rc = 0;

	if (!(r = calloc(n ? n : 1, sizeof *r)))
		return STRATA_ENOMEM;
	for (i = 0; i < n && !rc; i++) {
		const char *text = files[i].text;
		size_t len = files[i].len;

		r[i].c.file = files[i].path;
		r[i].c.err = err;
		r[i].c.engine = engine;
		sbuf_init(&r[i].c.path);
		if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
			text += 3;
			len -= 3;
		}
		rc = jparse(&r[i].c, text, len, &r[i].root);
	}
	if (!rc && n == 1 && json_is_object(r[0].root) && json_object_get(r[0].root, "tables") &&
	    !json_object_get(r[0].root, "fields")) {
		rc = model_sql(&r[0].c, r[0].root, sql);
	} else if (!rc) {
		for (i = 0; i < n && !rc; i++)
			if (json_is_object(r[i].root) && json_object_get(r[i].root, "tables") &&
			    !json_object_get(r[i].root, "fields"))
				rc = jfail(&r[i].c, "a strata model among resource definitions");
		if (!rc)
			rc = resources_sql(r, n, engine, sql);
	}
	for (i = 0; i < n; i++) {
		json_decref(r[i].root);
		sbuf_release(&r[i].c.path);
	}
	free(r);
	if (!rc && sbuf_failed(sql))
		rc = STRATA_ENOMEM;
	if (rc == STRATA_ENOMEM) {
		sbuf_reset(err);
		sbuf_adds(err, "out of memory");
	}
	return rc;
}
