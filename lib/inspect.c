/*
 * inspect.c: strata_inspect() and strata_dump(), the live schema as text.
 *
 * Both read the database into the schema model through the driver
 * (drv_introspect: introspect_sqlite.c, introspect_pg.c), drop strata's own
 * tracking table unless asked not to, and hand the model to a renderer of
 * render.c: canonical SQL, JSON, Graphviz DOT or Mermaid. They only read.
 *
 * Which PostgreSQL schemas: the one named by the handle's pg_schema
 * (--pg-schema) when set, else every non-system schema (all but pg_catalog,
 * information_schema, pg_toast*, pg_temp* and extensions' own). The default
 * is deliberately not "the first of search_path": a dump is a review
 * artefact, and objects in a second schema must not vanish from it quietly.
 * strata_stats() (stats.c) uses the same rule through inspect_load().
 */
#include "inspect.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int inspect_load(strata_db *db, unsigned flags, struct schema **out)
{
	struct drv_err e;
	int rc;

	*out = NULL;
	db_clear_error(db);
	if (!db->conn)
		return db_error(db, STRATA_ECONNECT, "not connected to a database");
	drv_err_init(&e);
	rc = drv_introspect(db->conn, db->pg_schema, out, &e);
	if (rc) {
		db_error_drv(db, &e, NULL);
		goto out;
	}
	if (!(flags & STRATA_INSPECT_ALL))
		schema_filter_internal(*out, db->table);
out:
	drv_err_release(&e);
	return rc;
}

/* The model in format, appended to sb. */
static int render(const struct schema *s, int format, struct sbuf *sb)
{
	json_t *j;
	char *text;

	switch (format) {
	case STRATA_FORMAT_SQL:
		return schema_render_sql(s, s->engine, sb);
	case STRATA_FORMAT_DOT:
		return schema_render_dot(s, sb);
	case STRATA_FORMAT_MERMAID:
		return schema_render_mermaid(s, sb);
	case STRATA_FORMAT_JSON:
		if (!(j = schema_to_json(s)))
			return STRATA_ENOMEM;
		text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(j);
		if (!text)
			return STRATA_ENOMEM;
		sbuf_adds(sb, text);
		sbuf_addc(sb, '\n');
		free(text);
		return sbuf_failed(sb) ? STRATA_ENOMEM : 0;
	}
	return STRATA_EUSAGE;
}

int strata_inspect(strata_db *db, int format, unsigned flags, char **out)
{
	struct schema *s = NULL;
	struct sbuf sb = SBUF_INIT;
	int rc;

	*out = NULL;
	if (format < STRATA_FORMAT_SQL || format > STRATA_FORMAT_MERMAID)
		return db_error(db, STRATA_EUSAGE, "unknown format %d", format);
	if ((rc = inspect_load(db, flags, &s)))
		goto out;
	rc = render(s, format, &sb);
	if (rc == 0 && sbuf_failed(&sb))
		rc = STRATA_ENOMEM;
	if (rc) {
		db_error(db, rc, "%s", rc == STRATA_ENOMEM ? "out of memory" : "cannot render the schema");
		goto out;
	}
	*out = sbuf_detach(&sb);
out:
	schema_free(s);
	sbuf_release(&sb);
	return rc;
}

int strata_dump(strata_db *db, unsigned flags, char **out)
{
	return strata_inspect(db, STRATA_FORMAT_SQL, flags, out);
}
