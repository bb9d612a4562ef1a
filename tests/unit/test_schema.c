/*
 * test_schema.c: the schema model (lib/schema.c), SQLite introspection
 * (lib/introspect_sqlite.c) and the renderers (lib/render.c).
 *
 * Introspection tests build real in-memory SQLite databases from fixture SQL
 * and read them back; render tests check that a dump loads into an empty
 * database and dumps again to the same bytes, and that DOT and Mermaid carry
 * the foreign keys. The fixture files under tests/fixtures/schemas/ are
 * loaded too, so that they stay valid. Run from the source root (meson's
 * workdir for the tests).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "introspect.h"
#include "schema.h"

/* ---- helpers ---------------------------------------------------------------- */

/* Execute sql into a new in-memory database and introspect it. */
static struct schema *load_db(sqlite3 **dbp, const char *sql)
{
	sqlite3 *db = NULL;
	struct schema *s = NULL;
	struct drv_err err;
	char *msg = NULL;

	drv_err_init(&err);
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("fixture SQL failed: %s", msg);
	if (introspect_sqlite(db, &s, &err))
		fail_msg("introspect: %s", err.msg.buf);
	drv_err_release(&err);
	if (dbp)
		*dbp = db;
	else
		sqlite3_close(db);
	return s;
}

static struct schema *load(const char *sql)
{
	return load_db(NULL, sql);
}

static char *read_fixture(const char *path)
{
	struct sbuf sb = SBUF_INIT;

	if (util_read_file(path, &sb))
		fail_msg("cannot read %s (tests run from the source root)", path);
	return sbuf_detach(&sb);
}

static char *render_sql(const struct schema *s, int engine)
{
	struct sbuf sb = SBUF_INIT;

	assert_int_equal(schema_render_sql(s, engine, &sb), 0);
	return sbuf_detach(&sb);
}

static char *render_model_tables(const struct schema *s)
{
	struct sbuf sb = SBUF_INIT;
	size_t i;

	for (i = 0; i < s->ntables; i++) {
		schema_render_create_table(s->tables[i], SCHEMA_SQLITE, 1, &sb);
		sbuf_adds(&sb, ";\n");
	}
	for (i = 0; i < s->nindexes; i++) {
		schema_render_create_index(s->indexes[i], SCHEMA_SQLITE, &sb);
		sbuf_adds(&sb, ";\n");
	}
	return sbuf_detach(&sb);
}

static const char *names_str(const struct schema_names *l, char *buf, size_t n)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < l->n; i++)
		used += (size_t)snprintf(buf + used, used < n ? n - used : 0, "%s%s", i ? "," : "",
		                         l->v[i]);
	return buf;
}

#define assert_names(l, expect)                                               \
	do {                                                                  \
		char b_[256];                                                 \
		assert_string_equal(names_str((l), b_, sizeof(b_)), (expect)); \
	} while (0)

/* hay may be NULL: the renderers hand over a buffer that ran out of memory
 * as NULL (sbuf_detach()). */
static void assert_contains(const char *hay, const char *needle)
{
	if (!hay)
		fail_msg("expected to find\n%s\nin a string, got NULL", needle);
	else if (!strstr(hay, needle))
		fail_msg("expected to find\n%s\nin\n%s", needle, hay);
}

static const struct schema_check *find_check(const struct schema_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nchecks; i++)
		if (name ? (t->checks[i].name && !strcmp(t->checks[i].name, name)) : !t->checks[i].name)
			return &t->checks[i];
	return NULL;
}

static const struct schema_check *find_check_expr(const struct schema_table *t, const char *expr)
{
	size_t i;

	for (i = 0; i < t->nchecks; i++)
		if (!strcmp(t->checks[i].expression, expr))
			return &t->checks[i];
	return NULL;
}

/* ---- introspection ------------------------------------------------------------ */

static void test_schema__columns_types_defaults_and_not_null_are_read(void **state)
{
	struct schema *s = load(
		"CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL DEFAULT 'x',"
		" n NUMERIC(10, 2) DEFAULT -5, at TEXT DEFAULT CURRENT_TIMESTAMP, e DEFAULT (1 + 2),"
		" untyped);");
	struct schema_table *t;
	(void)state;

	assert_int_equal(s->engine, SCHEMA_SQLITE);
	assert_int_equal(s->ntables, 1);
	t = s->tables[0];
	assert_null(t->schema);
	assert_string_equal(t->name, "t");
	assert_int_equal(t->ncolumns, 6);
	assert_string_equal(t->columns[0].name, "id");
	assert_string_equal(t->columns[0].type, "INTEGER");
	assert_int_equal(t->columns[0].ordinal, 1);
	assert_string_equal(t->columns[1].type, "VARCHAR(40)");
	assert_int_equal(t->columns[1].not_null, 1);
	assert_string_equal(t->columns[1].default_sql, "'x'");
	assert_string_equal(t->columns[2].type, "NUMERIC(10, 2)");
	assert_string_equal(t->columns[2].default_sql, "-5");
	assert_int_equal(t->columns[2].not_null, 0);
	assert_string_equal(t->columns[3].default_sql, "CURRENT_TIMESTAMP");
	assert_string_equal(t->columns[4].default_sql, "1 + 2");
	assert_string_equal(t->columns[5].type, "");
	assert_null(t->columns[5].default_sql);
	assert_names(&t->pk.columns, "id");
	assert_int_equal(t->pk.autoincrement, 0);
	assert_int_equal(table_pk_position(t, "ID"), 1);
	assert_ptr_equal(table_find_column(t, "NAME"), &t->columns[1]);
	assert_null(table_find_column(t, "nope"));
	schema_free(s);
}

static void test_schema__composite_and_self_referencing_foreign_keys_keep_their_actions(void **state)
{
	struct schema *s = load(
		"CREATE TABLE p (a INT, b TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID;"
		"CREATE TABLE c (id INTEGER PRIMARY KEY, x INT, y TEXT,"
		" parent INT CONSTRAINT c_parent_fk REFERENCES c (id) ON DELETE SET NULL"
		"   DEFERRABLE INITIALLY DEFERRED,"
		" CONSTRAINT c_p_fk FOREIGN KEY (x, y) REFERENCES p (a, b)"
		"   ON DELETE CASCADE ON UPDATE RESTRICT);"
		"CREATE TABLE d (p_a INT REFERENCES p, z INT REFERENCES c NOT NULL);");
	struct schema_table *c, *d;
	const struct schema_fk *fk;
	(void)state;

	c = schema_find_table(s, NULL, "c");
	assert_non_null(c);
	assert_int_equal(c->nfks, 2);
	/* Sorted by name: c_p_fk, c_parent_fk. */
	fk = &c->fks[0];
	assert_string_equal(fk->name, "c_p_fk");
	assert_names(&fk->columns, "x,y");
	assert_string_equal(fk->ref_table, "p");
	assert_names(&fk->ref_columns, "a,b");
	assert_int_equal(fk->on_delete, SCHEMA_FK_CASCADE);
	assert_int_equal(fk->on_update, SCHEMA_FK_RESTRICT);
	assert_int_equal(fk->deferrable, 0);
	fk = &c->fks[1];
	assert_string_equal(fk->name, "c_parent_fk");
	assert_string_equal(fk->ref_table, "c");
	assert_names(&fk->columns, "parent");
	assert_names(&fk->ref_columns, "id");
	assert_int_equal(fk->on_delete, SCHEMA_FK_SET_NULL);
	assert_int_equal(fk->on_update, SCHEMA_FK_NO_ACTION);
	assert_int_equal(fk->deferrable, 1);
	assert_int_equal(fk->initially_deferred, 1);

	/* REFERENCES t without columns means t's primary key, when it fits;
	 * NOT NULL after REFERENCES belongs to the column. */
	d = schema_find_table(s, NULL, "d");
	assert_int_equal(d->nfks, 2);
	assert_names(&d->fks[0].columns, "p_a");
	assert_names(&d->fks[0].ref_columns, ""); /* p's key has two columns */
	assert_names(&d->fks[1].ref_columns, "id");
	assert_int_equal(d->columns[1].not_null, 1);
	schema_free(s);
}

static void test_schema__check_constraint_is_read_from_create_text(void **state)
{
	struct schema *s = load(
		"CREATE TABLE t (\n"
		"  a INT CHECK (a > 0) CONSTRAINT a_small CHECK ((a < (10 * (2 + 3)))),\n"
		"  b TEXT CHECK (b <> ')' AND b NOT LIKE '%CHECK (%'), -- a comment with ) and CHECK (\n"
		"  \"c\"\"q\" TEXT /* ) CHECK ( */ CHECK (\"c\"\"q\" IN ('x)', 'it''s')),\n"
		"  CONSTRAINT \"odd name\" CHECK (a + length(b) < 100),\n"
		"  CHECK (b IS NULL OR a IS NOT NULL) -- trailing\n"
		");");
	struct schema_table *t = s->tables[0];
	const struct schema_check *ck;
	(void)state;

	assert_int_equal(t->nchecks, 6);
	ck = find_check(t, "a_small");
	assert_non_null(ck);
	assert_string_equal(ck->expression, "(a < (10 * (2 + 3)))");
	ck = find_check(t, "odd name");
	assert_non_null(ck);
	assert_string_equal(ck->expression, "a + length(b) < 100");
	assert_non_null(find_check_expr(t, "a > 0"));
	assert_non_null(find_check_expr(t, "b <> ')' AND b NOT LIKE '%CHECK (%'"));
	assert_non_null(find_check_expr(t, "\"c\"\"q\" IN ('x)', 'it''s')"));
	assert_non_null(find_check_expr(t, "b IS NULL OR a IS NOT NULL"));
	assert_null(find_check_expr(t, "a > 0")->name);
	/* Canonical order: unnamed first (by expression), then by name. */
	assert_null(t->checks[0].name);
	assert_null(t->checks[3].name);
	assert_string_equal(t->checks[4].name, "a_small");
	assert_string_equal(t->checks[5].name, "odd name");
	schema_free(s);
}

static void test_schema__table_constraints_may_follow_each_other_without_commas(void **state)
{
	struct schema *s = load(
		"CREATE TABLE p (id INTEGER PRIMARY KEY ASC ON CONFLICT ROLLBACK AUTOINCREMENT);"
		"CREATE TABLE w (a INT, b INT, c INT,"
		"  CONSTRAINT c1 CHECK (a > 0) CONSTRAINT c2 CHECK (b > 0)"
		"  UNIQUE (a) ON CONFLICT REPLACE CONSTRAINT [u b] UNIQUE (b)"
		"  CONSTRAINT fk1 FOREIGN KEY (c) REFERENCES p (id) MATCH SIMPLE"
		"    NOT DEFERRABLE INITIALLY IMMEDIATE,"
		"  CHECK (c <> 3));");
	struct schema_table *t = schema_find_table(s, NULL, "w");
	(void)state;

	assert_int_equal(schema_find_table(s, NULL, "p")->pk.autoincrement, 1);
	assert_int_equal(t->nchecks, 3);
	assert_non_null(find_check(t, "c1"));
	assert_non_null(find_check(t, "c2"));
	assert_non_null(find_check_expr(t, "c <> 3"));
	assert_int_equal(t->nuniques, 2);
	assert_string_equal(t->uniques[1].name, "u b");
	assert_string_equal(t->fks[0].name, "fk1");
	assert_int_equal(t->fks[0].deferrable, 0);
	schema_free(s);
}

static void test_schema__generated_columns_are_read_with_their_expression(void **state)
{
	struct schema *s = load(
		"CREATE TABLE t (a INT, b INT GENERATED ALWAYS AS (a * (2 + 1)) STORED,"
		" c AS (a || ')') VIRTUAL, d TEXT AS (upper(\"a\")), e INT);");
	struct schema_table *t = s->tables[0];
	(void)state;

	assert_int_equal(t->ncolumns, 5);
	assert_null(t->columns[0].generated);
	assert_string_equal(t->columns[1].generated, "a * (2 + 1)");
	assert_int_equal(t->columns[1].generated_stored, 1);
	assert_string_equal(t->columns[2].generated, "a || ')'");
	assert_int_equal(t->columns[2].generated_stored, 0);
	assert_string_equal(t->columns[3].generated, "upper(\"a\")");
	assert_int_equal(t->columns[3].generated_stored, 0);
	assert_null(t->columns[4].generated);
	assert_int_equal(t->columns[4].ordinal, 5);
	schema_free(s);
}

static void test_schema__column_collation_is_read(void **state)
{
	struct schema *s = load("CREATE TABLE t (a TEXT COLLATE NOCASE, b TEXT, c TEXT COLLATE rtrim"
	                        " NOT NULL, d COLLATE \"BINARY\");");
	struct schema_table *t = s->tables[0];
	(void)state;

	assert_string_equal(t->columns[0].collation, "NOCASE");
	assert_null(t->columns[1].collation);
	assert_string_equal(t->columns[2].collation, "rtrim");
	assert_int_equal(t->columns[2].not_null, 1);
	assert_string_equal(t->columns[3].collation, "BINARY");
	schema_free(s);
}

static void test_schema__strict_and_without_rowid_are_read(void **state)
{
	struct schema *s = load("CREATE TABLE a (x INTEGER PRIMARY KEY) STRICT;"
	                        "CREATE TABLE b (x INT PRIMARY KEY) WITHOUT ROWID;"
	                        "CREATE TABLE c (x INT PRIMARY KEY) STRICT, WITHOUT ROWID;"
	                        "CREATE TABLE d (x INT PRIMARY KEY) without rowid ,strict;"
	                        "CREATE TABLE e (x);");
	(void)state;

	assert_int_equal(s->ntables, 5);
	assert_true(s->tables[0]->strict && !s->tables[0]->without_rowid);
	assert_true(!s->tables[1]->strict && s->tables[1]->without_rowid);
	assert_true(s->tables[2]->strict && s->tables[2]->without_rowid);
	assert_true(s->tables[3]->strict && s->tables[3]->without_rowid);
	assert_true(!s->tables[4]->strict && !s->tables[4]->without_rowid);
	/* WITHOUT ROWID primary key columns are NOT NULL, as SQLite says. */
	assert_int_equal(s->tables[1]->columns[0].not_null, 1);
	schema_free(s);
}

static void test_schema__quoted_odd_names_are_read(void **state)
{
	struct schema *s = load(
		"CREATE TABLE \"my table\" (\"select\" TEXT, \"a\"\"b\" INT, [br ack] INT, `back` INT,"
		" \"Mixed\" INT, CONSTRAINT \"u \"\"1\" UNIQUE (\"select\", \"a\"\"b\"));"
		"CREATE INDEX \"my index\" ON \"my table\" (\"a\"\"b\");");
	struct schema_table *t = schema_find_table(s, NULL, "my table");
	(void)state;

	assert_non_null(t);
	assert_string_equal(t->columns[0].name, "select");
	assert_string_equal(t->columns[1].name, "a\"b");
	assert_string_equal(t->columns[2].name, "br ack");
	assert_string_equal(t->columns[3].name, "back");
	assert_string_equal(t->columns[4].name, "Mixed");
	assert_int_equal(t->nuniques, 1);
	assert_string_equal(t->uniques[0].name, "u \"1");
	assert_names(&t->uniques[0].columns, "select,a\"b");
	assert_non_null(schema_find_index(s, NULL, "my index"));
	assert_string_equal(s->indexes[0]->keys[0].column, "a\"b");
	schema_free(s);
}

static void test_schema__autoindexes_become_unique_constraints_and_primary_keys(void **state)
{
	struct schema *s = load("CREATE TABLE t (a TEXT PRIMARY KEY, b INT UNIQUE, c INT, d INT,"
	                        " CONSTRAINT t_cd UNIQUE (c, d));");
	struct schema_table *t = s->tables[0];
	(void)state;

	assert_int_equal(s->nindexes, 0); /* no sqlite_autoindex_* */
	assert_names(&t->pk.columns, "a");
	assert_int_equal(t->nuniques, 2);
	assert_null(t->uniques[0].name);
	assert_names(&t->uniques[0].columns, "b");
	assert_string_equal(t->uniques[1].name, "t_cd");
	assert_names(&t->uniques[1].columns, "c,d");
	schema_free(s);
}

static void test_schema__named_primary_key_and_autoincrement_are_read(void **state)
{
	struct schema *s = load("CREATE TABLE a (id INTEGER CONSTRAINT a_pk PRIMARY KEY AUTOINCREMENT);"
	                        "CREATE TABLE b (x INT, y INT, CONSTRAINT b_pk PRIMARY KEY (y, x));"
	                        "CREATE TABLE c (id INTEGER, PRIMARY KEY (id AUTOINCREMENT));");
	(void)state;

	assert_string_equal(s->tables[0]->pk.name, "a_pk");
	assert_int_equal(s->tables[0]->pk.autoincrement, 1);
	assert_string_equal(s->tables[1]->pk.name, "b_pk");
	assert_names(&s->tables[1]->pk.columns, "y,x");
	assert_int_equal(s->tables[1]->pk.autoincrement, 0);
	assert_int_equal(s->tables[2]->pk.autoincrement, 1);
	schema_free(s);
}

static void test_schema__partial_and_expression_indexes_are_read(void **state)
{
	struct schema *s = load(
		"CREATE TABLE t (a TEXT, b INT, c TEXT);"
		"CREATE UNIQUE INDEX t_expr ON t (lower(a) COLLATE NOCASE DESC, b, (b + 1) ASC)"
		" WHERE b > 0 AND a <> 'x)';"
		"CREATE INDEX t_c ON t (c COLLATE rtrim);");
	struct schema_index *ix;
	(void)state;

	assert_int_equal(s->nindexes, 2);
	ix = schema_find_index(s, NULL, "t_expr");
	assert_non_null(ix);
	assert_string_equal(ix->table, "t");
	assert_int_equal(ix->unique, 1);
	assert_int_equal(ix->nkeys, 3);
	assert_null(ix->keys[0].column);
	assert_string_equal(ix->keys[0].expression, "lower(a)");
	assert_string_equal(ix->keys[0].collation, "NOCASE");
	assert_int_equal(ix->keys[0].desc, 1);
	assert_string_equal(ix->keys[1].column, "b");
	assert_null(ix->keys[1].collation);
	assert_string_equal(ix->keys[2].expression, "(b + 1)");
	assert_int_equal(ix->keys[2].desc, 0);
	assert_string_equal(ix->where, "b > 0 AND a <> 'x)'");
	assert_non_null(ix->sql);
	assert_null(ix->method);
	ix = schema_find_index(s, NULL, "t_c");
	assert_int_equal(ix->unique, 0);
	assert_string_equal(ix->keys[0].column, "c");
	assert_string_equal(ix->keys[0].collation, "rtrim");
	assert_null(ix->where);
	schema_free(s);
}

static void test_schema__views_and_triggers_are_read(void **state)
{
	struct schema *s = load(
		"CREATE TABLE t (a INT);"
		"CREATE VIEW v (x) AS SELECT a FROM t WHERE a > 0;"
		"CREATE VIEW \"w w\" AS\n  SELECT x FROM v;"
		"CREATE TRIGGER trg AFTER INSERT ON t BEGIN SELECT 1; END;"
		"CREATE TRIGGER vtrg INSTEAD OF INSERT ON v BEGIN INSERT INTO t VALUES (NEW.x); END;");
	struct schema_view *v;
	struct schema_trigger *tr;
	(void)state;

	assert_int_equal(s->nviews, 2);
	v = schema_find_view(s, NULL, "v");
	assert_string_equal(v->definition, "SELECT a FROM t WHERE a > 0");
	assert_string_equal(v->sql, "CREATE VIEW v (x) AS SELECT a FROM t WHERE a > 0");
	assert_int_equal(v->materialized, 0);
	assert_string_equal(schema_find_view(s, NULL, "w w")->definition, "SELECT x FROM v");
	assert_int_equal(s->ntriggers, 2);
	tr = schema_find_trigger(s, NULL, "trg");
	assert_string_equal(tr->table, "t");
	assert_string_equal(tr->sql, "CREATE TRIGGER trg AFTER INSERT ON t BEGIN SELECT 1; END");
	assert_string_equal(schema_find_trigger(s, NULL, "vtrg")->table, "v");
	schema_free(s);
}

static void test_schema__internal_and_shadow_tables_are_left_out(void **state)
{
	struct schema *s = load("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT);"
	                        "INSERT INTO t (body) VALUES ('x');"
	                        "CREATE VIRTUAL TABLE docs USING fts5(body);"
	                        "ANALYZE;");
	size_t i;
	(void)state;

	/* t and the virtual table; no sqlite_sequence, sqlite_stat1 or docs_data. */
	assert_int_equal(s->ntables, 2);
	for (i = 0; i < s->ntables; i++)
		assert_true(strncmp(s->tables[i]->name, "sqlite_", 7) &&
		            strncmp(s->tables[i]->name, "docs_", 5));
	assert_int_equal(schema_find_table(s, NULL, "docs")->virtual_table, 1);
	assert_int_equal(schema_find_table(s, NULL, "docs")->ncolumns, 0);
	schema_free(s);
}

static void test_schema__filter_internal_drops_the_tracking_table_with_its_dependents(void **state)
{
	struct schema *s = load("CREATE TABLE strata_migrations (version TEXT PRIMARY KEY);"
	                        "CREATE INDEX sm_idx ON strata_migrations (version);"
	                        "CREATE TRIGGER sm_trg AFTER INSERT ON strata_migrations BEGIN SELECT 1; END;"
	                        "CREATE TABLE strata_other (x);"
	                        "CREATE TABLE users (id INTEGER PRIMARY KEY);");
	(void)state;

	assert_int_equal(s->ntables, 3);
	schema_filter_internal(s, "strata_migrations");
	assert_int_equal(s->ntables, 2);
	assert_null(schema_find_table(s, NULL, "strata_migrations"));
	assert_non_null(schema_find_table(s, NULL, "strata_other"));
	assert_int_equal(s->nindexes, 0);
	assert_int_equal(s->ntriggers, 0);
	schema_filter_internal(s, NULL); /* nothing else to drop */
	assert_int_equal(s->ntables, 2);
	schema_free(s);
}

static void test_schema__introspection_keeps_the_callers_transaction_alone(void **state)
{
	sqlite3 *db;
	struct schema *s = load_db(&db, "CREATE TABLE t (a);");
	struct schema *s2 = NULL;
	struct drv_err err;
	(void)state;

	drv_err_init(&err);
	assert_int_equal(sqlite3_get_autocommit(db), 1); /* its own read transaction ended */
	assert_int_equal(sqlite3_exec(db, "BEGIN; CREATE TABLE u (b);", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(introspect_sqlite(db, &s2, &err), 0);
	assert_int_equal(s2->ntables, 2); /* sees the uncommitted table */
	assert_int_equal(sqlite3_get_autocommit(db), 0); /* still the caller's */
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	schema_free(s2);
	schema_free(s);
	drv_err_release(&err);
	sqlite3_close(db);
}

/* ---- the model ------------------------------------------------------------------ */

static void test_schema__sort_puts_everything_in_canonical_order(void **state)
{
	struct schema *s = schema_new(SCHEMA_PG);
	struct schema_table *t;
	(void)state;

	assert_non_null(schema_add_table(s, "b", "t"));
	assert_non_null(schema_add_table(s, "a", "z"));
	assert_non_null(schema_add_table(s, "a", "Y"));
	assert_non_null(t = schema_add_table(s, NULL, "t"));
	assert_non_null(table_add_column(t, "z", "int"));
	assert_non_null(table_add_column(t, "a", "int"));
	assert_non_null(table_add_check(t, "c2", "z > 0"));
	assert_non_null(table_add_check(t, NULL, "a > 0"));
	assert_non_null(table_add_check(t, "c1", "z > 1"));
	assert_non_null(schema_add_trigger(s, "a", "t1", "z", "x"));
	assert_non_null(schema_add_trigger(s, "a", "t0", "z", "x"));
	assert_non_null(schema_add_trigger(s, "a", "t9", "a", "x"));
	schema_sort(s);
	assert_null(s->tables[0]->schema);
	assert_string_equal(s->tables[1]->name, "Y"); /* PostgreSQL: byte order */
	assert_string_equal(s->tables[2]->name, "z");
	assert_string_equal(s->tables[3]->schema, "b");
	assert_ptr_equal(s->tables[0], t); /* objects do not move in memory */
	assert_string_equal(t->columns[0].name, "z"); /* columns keep their order */
	assert_null(t->checks[0].name);
	assert_string_equal(t->checks[1].name, "c1");
	assert_string_equal(t->checks[2].name, "c2");
	assert_string_equal(s->triggers[0]->name, "t9"); /* by table first */
	assert_string_equal(s->triggers[1]->name, "t0");
	/* Lookups: exact on PostgreSQL, schema optional. */
	assert_ptr_equal(schema_find_table(s, "a", "z"), s->tables[2]);
	assert_null(schema_find_table(s, "a", "Z"));
	assert_ptr_equal(schema_find_table(s, NULL, "t"), s->tables[0]);
	assert_ptr_equal(schema_find_table(s, "b", "t"), s->tables[3]);
	schema_remove_table(s, s->tables[2]);
	assert_int_equal(s->ntables, 3);
	assert_int_equal(s->ntriggers, 1); /* t0 and t1 were on a.z */
	schema_free(s);
}

/* What a lookup must return: the first match of a scan, in the current order. */
static const struct schema_table *scan_table(const struct schema *s, const char *nsp, const char *name)
{
	size_t i;

	for (i = 0; i < s->ntables; i++)
		if (!schema_name_cmp(s, s->tables[i]->name, name) &&
		    (!nsp || !schema_name_cmp(s, s->tables[i]->schema, nsp)))
			return s->tables[i];
	return NULL;
}

static const struct schema_index *scan_index(const struct schema *s, const char *nsp, const char *name)
{
	size_t i;

	for (i = 0; i < s->nindexes; i++)
		if (!schema_name_cmp(s, s->indexes[i]->name, name) &&
		    (!nsp || !schema_name_cmp(s, s->indexes[i]->schema, nsp)))
			return s->indexes[i];
	return NULL;
}

/* Names of a 1,000-table model (and absent ones), in several spellings. */
static void assert_lookups_agree_with_a_scan(const struct schema *s)
{
	static const char *const nsps[] = { NULL, "a", "b", "public", "zz" };
	char name[32];
	size_t i, k;
	int c;

	for (i = 0; i < 1030; i += 1 + i % 5) {
		for (c = 0; c < 3; c++) {
			snprintf(name, sizeof name, c == 0 ? "t%05zu" : c == 1 ? "T%05zu" : "t%05zuX", i);
			for (k = 0; k < sizeof nsps / sizeof nsps[0]; k++) {
				assert_ptr_equal(schema_find_table(s, nsps[k], name), scan_table(s, nsps[k], name));
				snprintf(name + strlen(name), 8, "_ix");
				assert_ptr_equal(schema_find_index(s, nsps[k], name), scan_index(s, nsps[k], name));
				name[strlen(name) - 3] = '\0';
			}
		}
	}
	assert_null(schema_find_table(s, NULL, NULL));
	assert_null(schema_find_table(s, NULL, ""));
}

static struct schema *many_tables(int engine, const char *const *nsps, size_t nnsps)
{
	struct schema *s = schema_new(engine);
	char name[32];
	size_t i;

	assert_non_null(s);
	/* Added out of order: 7 is prime to 1,000, so i * 7 % 1000 visits each once. */
	for (i = 0; i < 1000; i++) {
		size_t j = i * 7 % 1000;
		const char *nsp = nsps[j % nnsps];

		/* Every fifth name in upper case: SQLite finds it in any case. */
		snprintf(name, sizeof name, j % 5 ? "t%05zu" : "T%05zu", j);
		assert_non_null(schema_add_table(s, nsp, name));
		snprintf(name + strlen(name), 8, "_ix");
		assert_non_null(schema_add_index(s, nsp, name, "x"));
	}
	return s;
}

static void test_schema__lookups_of_many_names_find_what_a_scan_finds(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const pg[] = { "a", "b", "public" };
	struct schema *s;
	struct schema_table *t;
	(void)state;

	/* SQLite: names without case, no schema. */
	s = many_tables(SCHEMA_SQLITE, none, 1);
	assert_lookups_agree_with_a_scan(s); /* not sorted yet: scanned */
	schema_sort(s);
	assert_lookups_agree_with_a_scan(s);
	assert_ptr_equal(schema_find_table(s, NULL, "t00005"), scan_table(s, NULL, "T00005"));
	assert_non_null(schema_find_table(s, NULL, "T00005"));
	assert_null(schema_find_table(s, "main", "t00001")); /* no table has a schema */
	/* "t00010" and "T00010" differ only by case: the first in order wins. */
	assert_non_null(t = schema_add_table(s, NULL, "t00010"));
	assert_lookups_agree_with_a_scan(s); /* added after the sort: scanned */
	schema_sort(s);
	assert_lookups_agree_with_a_scan(s);
	assert_string_equal(schema_find_table(s, NULL, "t00010")->name, "T00010");
	schema_remove_table(s, schema_find_table(s, NULL, "t00010"));
	assert_ptr_equal(schema_find_table(s, NULL, "t00010"), t); /* removal keeps the order */
	assert_lookups_agree_with_a_scan(s);
	schema_free(s);

	/* PostgreSQL: exact names, one name in several schemas. */
	s = many_tables(SCHEMA_PG, pg, 3);
	assert_non_null(schema_add_table(s, "public", "t00001")); /* also in b */
	assert_non_null(schema_add_table(s, "a", "t00001"));
	assert_lookups_agree_with_a_scan(s);
	schema_sort(s);
	assert_lookups_agree_with_a_scan(s);
	assert_string_equal(schema_find_table(s, NULL, "t00001")->schema, "a"); /* the first */
	assert_string_equal(schema_find_table(s, "public", "t00001")->schema, "public");
	assert_null(schema_find_table(s, "a", "T00001"));
	schema_free(s);

	/* SQLite with a schema on some objects (not introspection's case): scanned. */
	s = many_tables(SCHEMA_SQLITE, (const char *const[]){ NULL, "aux" }, 2);
	schema_sort(s);
	assert_lookups_agree_with_a_scan(s);
	schema_free(s);
}

static void test_schema__ident_quoting_quotes_only_when_needed(void **state)
{
	static const struct {
		const char *name, *expect;
	} cases[] = {
		{ "users", "users" },         { "user_id2", "user_id2" },  { "_x", "_x" },
		{ "a$b", "a$b" },             { "Users", "\"Users\"" },    { "my table", "\"my table\"" },
		{ "select", "\"select\"" },   { "order", "\"order\"" },    { "user", "\"user\"" },
		{ "check", "\"check\"" },     { "from", "\"from\"" },      { "table", "\"table\"" },
		{ "key", "key" },             { "a\"b", "\"a\"\"b\"" },     { "1abc", "\"1abc\"" },
		{ "", "\"\"" },               { "caf\xc3\xa9", "\"caf\xc3\xa9\"" }, { "$x", "\"$x\"" },
		{ "where", "\"where\"" },     { "group", "\"group\"" },    { "primary", "\"primary\"" },
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sbuf sb = SBUF_INIT;

		schema_add_ident(&sb, cases[i].name);
		assert_string_equal(sb.buf, cases[i].expect);
		sbuf_release(&sb);
	}
	{
		struct sbuf sb = SBUF_INIT;

		schema_add_qname(&sb, "App", "t");
		schema_add_qname(&sb, NULL, " ");
		assert_string_equal(sb.buf, "\"App\".t\" \"");
		sbuf_release(&sb);
	}
}

static void test_schema__tokenizer_never_reads_past_odd_input(void **state)
{
	static const char *const odd[] = {
		"CREATE TABLE \"unterminated (a",
		"CHECK ('abc", "x /* never closed", "-- only a comment", "[a", "`a``", "X'0a",
		"a->>'$.b' :: int || ? :p @q $r 1.5e+3 .5 0x1F", "((((((", "))))",
		"\"a\"\"\"", "e'x", "\xff\xfe\x80",
	};
	size_t i, cut;
	(void)state;

	/* Every prefix of every odd text: the tokenizer must end, inside it. */
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		size_t len = strlen(odd[i]);

		for (cut = 0; cut <= len; cut++) {
			char *p = sbuf_strndup(odd[i], cut);
			size_t pos = 0, steps = 0;
			struct schema_tok t;

			do {
				schema_tok_next(p, cut, &pos, &t);
				assert_true(t.start + t.len <= cut);
				if (t.type == SCHEMA_TK_QUOTED || t.type == SCHEMA_TK_STRING ||
				    t.type == SCHEMA_TK_WORD) {
					char *n = schema_tok_name(p, &t);

					assert_non_null(n);
					free(n);
				}
				assert_true(++steps <= cut + 1);
			} while (t.type != SCHEMA_TK_END);
			free(p);
		}
	}
}

/* ---- rendering -------------------------------------------------------------------- */

static const char odd_schema[] =
	"CREATE TABLE \"my table\"(id integer primary key autoincrement,\n"
	"  \"select\" text not null default 'x' collate nocase,\n"
	"  \"a\"\"b\" int default (1+2) check (\"a\"\"b\" > 0 and \"select\" <> ')CHECK('), -- note )\n"
	"  amount real constraint positive check (amount >= (0)) /* ) */,\n"
	"  g int generated always as (\"a\"\"b\" * 2) stored, v as (amount + 1) virtual,\n"
	"  parent int constraint fk_parent references \"my table\"(id) on delete set null\n"
	"     deferrable initially deferred,\n"
	"  constraint u_sel unique(\"select\", amount), unique (g),\n"
	"  constraint ck2 check ((amount < 1000) or (\"select\" = 'it''s (big)'))\n"
	");   \n"
	"CREATE TABLE zz (id INTEGER PRIMARY KEY, t_id INT REFERENCES \"my table\");\n"
	"CREATE TABLE p(a int, b text, primary key(a,b)) without rowid;\n"
	"CREATE TABLE c(x int, y text, foreign key (x, y) references p(a, b) on delete cascade) strict;\n"
	"CREATE INDEX ix_expr on c(lower(y) collate nocase desc, x) where x > 0 and y is not null;\n"
	"CREATE UNIQUE INDEX ix2 on \"my table\"(\"select\" COLLATE binary);\n"
	"CREATE VIEW b_view AS select * from a_view -- b needs a\n;\n"
	"CREATE INDEX ix_c_y ON c (y) /* SQLite keeps this */ -- and this\n;\n"
	"CREATE VIEW a_view (a, b) AS select id, \"select\" from \"my table\";\n"
	"CREATE TRIGGER trg after insert on c begin select 1; end;\n"
	"CREATE VIRTUAL TABLE f USING fts5(x);\n";

static void check_round_trip(const char *sql)
{
	struct schema *s1 = load(sql), *s2, *s3;
	char *d1 = render_sql(s1, SCHEMA_SQLITE), *d2, *m1, *m2;

	s2 = load(d1);
	d2 = render_sql(s2, SCHEMA_SQLITE);
	assert_string_equal(d1, d2);
	/* And from the model alone (what the SQLite planner's rebuilds use):
	 * rendering what was read back gives the same text again. */
	m1 = render_model_tables(s1);
	s3 = load(m1);
	m2 = render_model_tables(s3);
	assert_string_equal(m1, m2);
	free(d1);
	free(d2);
	free(m1);
	free(m2);
	schema_free(s1);
	schema_free(s2);
	schema_free(s3);
}

static void test_schema__sql_dump_round_trips_to_identical_bytes(void **state)
{
	(void)state;
	check_round_trip(odd_schema);
}

static void test_schema__fixture_schemas_load_and_round_trip(void **state)
{
	static const char *const files[] = {
		"tests/fixtures/schemas/sqlite/blog.sql",
		"tests/fixtures/schemas/sqlite/shop.sql",
		"tests/fixtures/schemas/sqlite/tenant.sql",
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *sql = read_fixture(files[i]);

		check_round_trip(sql);
		free(sql);
	}
}

static void test_schema__model_render_survives_odd_types_and_bare_defaults(void **state)
{
	static const char sql[] =
		"CREATE TABLE x (a \"primary\" INT, b \"primary INT\", c [x y] int,"
		" d \"weird\"\"q\" TEXT, e VARCHAR(10), f NUMERIC(10, -2), g DEFAULT x,"
		" h DEFAULT \"y z\", i DEFAULT - 5, j DEFAULT (abs(-1)), k UNSIGNED BIG INT);";
	struct schema *s = load(sql);
	char *m = render_model_tables(s);
	(void)state;

	/* Types SQLite reports dequoted are written back as one quoted name. */
	assert_contains(m, "    a \"primary\",\n");
	assert_contains(m, "    e VARCHAR(10),\n");
	assert_contains(m, "    f NUMERIC(10, -2),\n");
	assert_contains(m, "    g DEFAULT x,\n");
	assert_contains(m, "    i DEFAULT - 5,\n");
	assert_contains(m, "    j DEFAULT (abs(-1)),\n");
	assert_contains(m, "    k UNSIGNED BIG INT\n");
	check_round_trip(sql);
	free(m);
	schema_free(s);
}

static void test_schema__sql_dump_is_in_dependency_order(void **state)
{
	struct schema *s = load(odd_schema);
	char *d = render_sql(s, SCHEMA_SQLITE);
	const char *p_at = strstr(d, "CREATE TABLE p("), *c_at = strstr(d, "CREATE TABLE c(");
	const char *mt = strstr(d, "CREATE TABLE \"my table\""), *zz = strstr(d, "CREATE TABLE zz");
	const char *av = strstr(d, "CREATE VIEW a_view"), *bv = strstr(d, "CREATE VIEW b_view");
	const char *ix = strstr(d, "CREATE INDEX ix_expr"), *trg = strstr(d, "CREATE TRIGGER trg");
	(void)state;

	assert_true(p_at && c_at && mt && zz && av && bv && ix && trg);
	assert_true(p_at < c_at);   /* referenced first, though c sorts before p */
	assert_true(mt < zz);
	assert_true(c_at < ix);     /* an index follows its table */
	assert_true(av < bv);       /* b_view selects from a_view */
	assert_true(zz < av && bv < trg); /* tables, views, then triggers */
	assert_true(!strncmp(d, "-- strata schema (sqlite)\n\nCREATE TABLE ", 40));
	/* Statements end ";\n", objects are separated by one blank line, and
	 * the stored text is trimmed of trailing blanks. */
	assert_contains(d, "\n);\n\nCREATE UNIQUE INDEX ix2");
	assert_null(strstr(d, "\n\n\n"));
	/* What SQLite stores after the last token would swallow the ";". */
	assert_contains(d, "\nCREATE VIEW b_view AS select * from a_view;\n");
	assert_contains(d, "\nCREATE INDEX ix_c_y ON c (y);\n");
	assert_int_equal(d[strlen(d) - 1], '\n');
	assert_int_equal(d[strlen(d) - 2], ';');
	free(d);
	schema_free(s);
}

static void test_schema__model_render_writes_constraints_sqlite_can_read(void **state)
{
	struct schema *s = load(odd_schema);
	struct sbuf sb = SBUF_INIT;
	(void)state;

	schema_render_create_table(schema_find_table(s, NULL, "my table"), SCHEMA_SQLITE, 1, &sb);
	assert_string_equal(sb.buf,
		"CREATE TABLE \"my table\" (\n"
		"    id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
		"    \"select\" TEXT COLLATE nocase DEFAULT 'x' NOT NULL,\n"
		"    \"a\"\"b\" INT DEFAULT (1+2),\n"
		"    amount REAL,\n"
		"    g INT GENERATED ALWAYS AS (\"a\"\"b\" * 2) STORED,\n"
		"    v GENERATED ALWAYS AS (amount + 1) VIRTUAL,\n"
		"    parent INT,\n"
		"    UNIQUE (g),\n"
		"    CONSTRAINT u_sel UNIQUE (\"select\", amount),\n"
		"    CHECK (\"a\"\"b\" > 0 and \"select\" <> ')CHECK('),\n"
		"    CONSTRAINT ck2 CHECK ((amount < 1000) or (\"select\" = 'it''s (big)')),\n"
		"    CONSTRAINT positive CHECK (amount >= (0)),\n"
		"    CONSTRAINT fk_parent FOREIGN KEY (parent) REFERENCES \"my table\" (id)"
		" ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED\n"
		")");
	sbuf_reset(&sb);
	schema_render_create_table(schema_find_table(s, NULL, "c"), SCHEMA_SQLITE, 1, &sb);
	assert_contains(sb.buf, ") STRICT");
	sbuf_reset(&sb);
	schema_render_create_index(schema_find_index(s, NULL, "ix_expr"), SCHEMA_SQLITE, &sb);
	assert_string_equal(sb.buf, "CREATE INDEX ix_expr ON c ((lower(y)) COLLATE nocase DESC, x)"
	                            " WHERE x > 0 and y is not null");
	sbuf_release(&sb);
	schema_free(s);
}

static void test_schema__dot_output_has_fk_edges_and_is_accepted_by_dot(void **state)
{
	struct schema *s = load(odd_schema);
	struct schema_table *t;
	struct sbuf sb = SBUF_INIT;
	char path[] = "/tmp/strata-test-dot-XXXXXX";
	FILE *f;
	int fd;
	(void)state;

	/* A name made to break careless escaping. */
	t = schema_add_table(s, NULL, "<b>\"x\"&amp;\\n{|}");
	assert_non_null(table_add_column(t, "id\"<>", "TEXT\n"));
	assert_non_null(table_add_fk(t, "fk\"<", NULL, "nowhere"));
	assert_int_equal(schema_names_add(&t->fks[0].columns, "id\"<>"), 0);
	schema_sort(s);
	assert_int_equal(schema_render_dot(s, &sb), 0);
	assert_contains(sb.buf, "digraph schema {");
	/* zz.t_id -> "my table".id ; c.x -> p.a ; the self reference. */
	assert_contains(sb.buf, "[label=<fk_parent>];");
	assert_contains(sb.buf, "&lt;b&gt;&quot;x&quot;&amp;amp;\\n{|}");
	assert_contains(sb.buf, "style=dashed, label=<nowhere>");
	{
		/* tables sorted: <b>..(0) c(1) f(2) my table(3) p(4) zz(5) */
		assert_contains(sb.buf, "t1:c0 -> t4:c0;");
		assert_contains(sb.buf, "t5:c1 -> t3:c0;");
		assert_contains(sb.buf, "t3:c6 -> t3:c0 [label=<fk_parent>];");
	}
	if (access("/usr/bin/dot", X_OK) == 0) {
		char cmd[128];

		assert_true((fd = mkstemp(path)) >= 0);
		assert_non_null(f = fdopen(fd, "w"));
		fputs(sb.buf, f);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "dot -Tsvg %s >/dev/null 2>&1", path);
		assert_int_equal(system(cmd), 0);
		unlink(path);
	}
	sbuf_release(&sb);
	schema_free(s);
}

static void test_schema__mermaid_output_has_relationships_and_safe_names(void **state)
{
	struct schema *s = load(odd_schema);
	struct sbuf sb = SBUF_INIT;
	(void)state;

	assert_non_null(schema_add_table(s, NULL, "my-table"));
	assert_non_null(table_add_column(s->tables[s->ntables - 1], "x", "numeric(10, 2)"));
	assert_non_null(schema_add_table(s, NULL, "my_table"));
	schema_sort(s);
	assert_int_equal(schema_render_mermaid(s, &sb), 0);
	assert_true(!strncmp(sb.buf, "erDiagram\n", 10));
	assert_contains(sb.buf, "    my_table {\n        INTEGER id PK\n        TEXT select\n"
	                        "        INT a_b\n");
	assert_contains(sb.buf, "    my-table {\n        numeric(10__2) x\n    }\n");
	assert_contains(sb.buf, "    my_table_2 {\n    }\n"); /* "my table" took my_table */
	assert_contains(sb.buf, "    p |o--o{ c : \"x, y\"\n");
	assert_contains(sb.buf, "    my_table |o--o{ my_table : \"fk_parent\"\n");
	assert_contains(sb.buf, "    my_table |o--o{ zz : \"t_id\"\n");
	assert_contains(sb.buf, "        any v\n");
	sbuf_release(&sb);
	schema_free(s);
}

static void test_schema__json_has_the_documented_shape(void **state)
{
	struct schema *s = load(odd_schema);
	json_t *j = schema_to_json(s), *t, *c, *fk, *ix;
	size_t i;
	(void)state;

	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "engine")), "sqlite");
	assert_int_equal(json_array_size(json_object_get(j, "tables")), 5);
	t = NULL;
	for (i = 0; i < 5; i++) {
		json_t *x = json_array_get(json_object_get(j, "tables"), i);

		if (!strcmp(json_string_value(json_object_get(x, "name")), "my table"))
			t = x;
	}
	assert_non_null(t);
	assert_true(json_is_null(json_object_get(t, "schema")));
	assert_true(json_is_false(json_object_get(t, "strict")));
	c = json_array_get(json_object_get(t, "columns"), 4);
	assert_string_equal(json_string_value(json_object_get(c, "name")), "g");
	assert_string_equal(json_string_value(json_object_get(json_object_get(c, "generated"),
	                                                      "expression")), "\"a\"\"b\" * 2");
	assert_true(json_is_true(json_object_get(json_object_get(c, "generated"), "stored")));
	assert_true(json_is_null(json_object_get(c, "identity")));
	c = json_array_get(json_object_get(t, "columns"), 0);
	assert_true(json_is_true(json_object_get(c, "primary_key")));
	assert_true(json_is_true(json_object_get(json_object_get(t, "primary_key"), "autoincrement")));
	fk = json_array_get(json_object_get(t, "foreign_keys"), 0);
	assert_string_equal(json_string_value(json_object_get(fk, "name")), "fk_parent");
	assert_string_equal(json_string_value(json_object_get(fk, "on_delete")), "SET NULL");
	assert_true(json_is_true(json_object_get(fk, "deferrable")));
	assert_int_equal(json_array_size(json_object_get(t, "checks")), 3);
	ix = json_array_get(json_object_get(t, "indexes"), 0);
	assert_string_equal(json_string_value(json_object_get(ix, "name")), "ix2");
	assert_true(json_is_true(json_object_get(ix, "unique")));
	assert_int_equal(json_array_size(json_object_get(j, "views")), 2);
	assert_non_null(json_object_get(j, "enums"));
	assert_non_null(json_object_get(j, "sequences"));
	assert_non_null(json_object_get(j, "extensions"));
	json_decref(j);
	schema_free(s);
}

/* A PostgreSQL model as introspect_pg fills it, built by hand. */
static struct schema *pg_model(void)
{
	struct schema *s = schema_new(SCHEMA_PG);
	struct schema_table *a, *b;
	struct schema_column *c;
	struct schema_enum *e;
	struct schema_sequence *q;
	struct schema_fk *fk;
	struct schema_index *ix;
	struct schema_view *v;

	assert_non_null(s);
	assert_non_null(schema_add_namespace(s, "app"));
	assert_non_null(e = schema_add_enum(s, "app", "mood"));
	assert_int_equal(schema_names_add(&e->labels, "happy"), 0);
	assert_int_equal(schema_names_add(&e->labels, "it's ok"), 0);
	assert_non_null(q = schema_add_sequence(s, "app", "inv_seq"));
	q->type = (free(q->type), strdup("integer"));
	q->start = 1000;
	q->min_value = 1;
	q->max_value = 2147483647;
	assert_non_null(schema_add_function(s, "app", "touch", "",
	        "CREATE OR REPLACE FUNCTION app.touch()\n RETURNS trigger\n LANGUAGE plpgsql\n"
	        "AS $function$BEGIN RETURN NEW; END$function$\n"));
	/* a and b reference each other: a cycle only ALTER TABLE can make. */
	assert_non_null(a = schema_add_table(s, "app", "a"));
	assert_non_null(c = table_add_column(a, "id", "bigint"));
	c->identity = SCHEMA_IDENTITY_ALWAYS;
	c->not_null = 1;
	assert_non_null(c = table_add_column(a, "b_id", "bigint"));
	assert_non_null(c = table_add_column(a, "Mood", "app.mood"));
	assert_int_equal(schema_set_str(&c->default_sql, "'happy'::app.mood"), 0);
	assert_non_null(c = table_add_column(a, "n", "integer"));
	assert_int_equal(schema_set_str(&c->default_sql, "nextval('app.inv_seq'::regclass)"), 0);
	assert_int_equal(schema_set_str(&a->pk.name, "a_pkey"), 0);
	assert_int_equal(schema_names_add(&a->pk.columns, "id"), 0);
	assert_non_null(fk = table_add_fk(a, "a_b_fk", "app", "b"));
	assert_int_equal(schema_names_add(&fk->columns, "b_id"), 0);
	assert_int_equal(schema_names_add(&fk->ref_columns, "id"), 0);
	fk->deferrable = fk->initially_deferred = 1;
	assert_non_null(b = schema_add_table(s, "app", "b"));
	assert_non_null(c = table_add_column(b, "id", "bigint"));
	c->not_null = 1;
	assert_non_null(c = table_add_column(b, "a_id", "bigint"));
	assert_non_null(c = table_add_column(b, "twice", "bigint"));
	assert_int_equal(schema_set_str(&c->generated, "(a_id * 2)"), 0);
	c->generated_stored = 1;
	assert_int_equal(schema_set_str(&b->pk.name, "b_pkey"), 0);
	assert_int_equal(schema_names_add(&b->pk.columns, "id"), 0);
	assert_non_null(table_add_check(b, "b_id_check", "(id > 0)"));
	assert_non_null(fk = table_add_fk(b, "b_a_fk", "app", "a"));
	assert_int_equal(schema_names_add(&fk->columns, "a_id"), 0);
	assert_int_equal(schema_names_add(&fk->ref_columns, "id"), 0);
	fk->on_delete = SCHEMA_FK_CASCADE;
	assert_non_null(ix = schema_add_index(s, "app", "a_mood_idx", "a"));
	assert_int_equal(schema_set_str(&ix->sql, "CREATE INDEX a_mood_idx ON app.a USING btree (\"Mood\")"), 0);
	assert_non_null(v = schema_add_view(s, "app", "mv", " SELECT a.id\n   FROM app.a;"));
	v->materialized = 1;
	assert_non_null(ix = schema_add_index(s, "app", "mv_id_idx", "mv"));
	ix->unique = 1;
	assert_non_null(index_add_key(ix, "id", NULL));
	assert_non_null(schema_add_trigger(s, "app", "a_touch", "a",
	        "CREATE TRIGGER a_touch BEFORE UPDATE ON app.a FOR EACH ROW EXECUTE FUNCTION app.touch()"));
	assert_non_null(schema_add_comment(s, SCHEMA_OBJ_COLUMN, "app", "a", "Mood", "how it feels"));
	assert_non_null(schema_add_comment(s, SCHEMA_OBJ_SCHEMA, NULL, "app", NULL, "the app's"));
	q->owned_by_table = strdup("a");
	q->owned_by_column = strdup("n");
	schema_sort(s);
	return s;
}

static void test_schema__postgres_sql_is_rendered_from_the_model(void **state)
{
	struct schema *s = pg_model();
	char *d = render_sql(s, SCHEMA_PG), *d2;
	(void)state;

	assert_contains(d, "-- strata schema (postgres)\n\nSET check_function_bodies = false;\n");
	assert_contains(d, "\nCREATE SCHEMA IF NOT EXISTS app;\n");
	assert_contains(d, "\nCREATE TYPE app.mood AS ENUM ('happy', 'it''s ok');\n");
	assert_contains(d, "\nCREATE SEQUENCE app.inv_seq AS integer START WITH 1000;\n");
	assert_contains(d, "AS $function$BEGIN RETURN NEW; END$function$;\n");
	assert_contains(d, "\nCREATE TABLE app.a (\n"
	                   "    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,\n"
	                   "    b_id bigint,\n"
	                   "    \"Mood\" app.mood DEFAULT 'happy'::app.mood,\n"
	                   "    n integer DEFAULT nextval('app.inv_seq'::regclass),\n"
	                   "    CONSTRAINT a_pkey PRIMARY KEY (id)\n"
	                   ");\n\nCREATE INDEX a_mood_idx ON app.a USING btree (\"Mood\");\n");
	assert_contains(d, "    twice bigint GENERATED ALWAYS AS ((a_id * 2)) STORED,\n");
	assert_contains(d, "    CONSTRAINT b_id_check CHECK ((id > 0))\n");
	assert_contains(d, "\nALTER SEQUENCE app.inv_seq OWNED BY app.a.n;\n");
	assert_contains(d, "\nALTER TABLE app.a\n    ADD CONSTRAINT a_b_fk FOREIGN KEY (b_id)"
	                   " REFERENCES app.b (id) DEFERRABLE INITIALLY DEFERRED;\n");
	assert_contains(d, "\nCREATE MATERIALIZED VIEW app.mv AS\nSELECT a.id\n   FROM app.a;\n"
	                   "\nCREATE UNIQUE INDEX mv_id_idx ON app.mv (id);\n");
	assert_contains(d, "\nCREATE TRIGGER a_touch BEFORE UPDATE ON app.a FOR EACH ROW"
	                   " EXECUTE FUNCTION app.touch();\n");
	assert_contains(d, "\nCOMMENT ON COLUMN app.a.\"Mood\" IS 'how it feels';\n");
	assert_contains(d, "\nCOMMENT ON SCHEMA app IS 'the app''s';\n");
	/* Foreign keys only after both tables exist. */
	assert_true(strstr(d, "CREATE TABLE app.b") < strstr(d, "ALTER TABLE app.a"));
	/* Deterministic. */
	d2 = render_sql(s, SCHEMA_PG);
	assert_string_equal(d, d2);
	free(d);
	free(d2);
	schema_free(s);
}

static void test_schema__postgres_model_converts_to_json(void **state)
{
	struct schema *s = pg_model();
	json_t *j = schema_to_json(s), *t, *mv;
	(void)state;

	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "engine")), "postgres");
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "schemas"), 0)), "app");
	t = json_array_get(json_object_get(j, "tables"), 0);
	assert_string_equal(json_string_value(json_object_get(t, "schema")), "app");
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(t, "columns"), 0), "identity")), "always");
	assert_int_equal(json_array_size(json_object_get(t, "triggers")), 1);
	mv = json_array_get(json_object_get(j, "views"), 0);
	assert_true(json_is_true(json_object_get(mv, "materialized")));
	assert_int_equal(json_array_size(json_object_get(mv, "indexes")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
		json_array_get(json_object_get(j, "enums"), 0), "labels"), 1)), "it's ok");
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(json_object_get(j, "sequences"), 0), "start")), 1000);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(j, "comments"), 0), "kind")), "column");
	json_decref(j);
	schema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema__columns_types_defaults_and_not_null_are_read),
		cmocka_unit_test(test_schema__composite_and_self_referencing_foreign_keys_keep_their_actions),
		cmocka_unit_test(test_schema__check_constraint_is_read_from_create_text),
		cmocka_unit_test(test_schema__table_constraints_may_follow_each_other_without_commas),
		cmocka_unit_test(test_schema__generated_columns_are_read_with_their_expression),
		cmocka_unit_test(test_schema__column_collation_is_read),
		cmocka_unit_test(test_schema__strict_and_without_rowid_are_read),
		cmocka_unit_test(test_schema__quoted_odd_names_are_read),
		cmocka_unit_test(test_schema__autoindexes_become_unique_constraints_and_primary_keys),
		cmocka_unit_test(test_schema__named_primary_key_and_autoincrement_are_read),
		cmocka_unit_test(test_schema__partial_and_expression_indexes_are_read),
		cmocka_unit_test(test_schema__views_and_triggers_are_read),
		cmocka_unit_test(test_schema__internal_and_shadow_tables_are_left_out),
		cmocka_unit_test(test_schema__filter_internal_drops_the_tracking_table_with_its_dependents),
		cmocka_unit_test(test_schema__introspection_keeps_the_callers_transaction_alone),
		cmocka_unit_test(test_schema__sort_puts_everything_in_canonical_order),
		cmocka_unit_test(test_schema__lookups_of_many_names_find_what_a_scan_finds),
		cmocka_unit_test(test_schema__ident_quoting_quotes_only_when_needed),
		cmocka_unit_test(test_schema__tokenizer_never_reads_past_odd_input),
		cmocka_unit_test(test_schema__sql_dump_round_trips_to_identical_bytes),
		cmocka_unit_test(test_schema__fixture_schemas_load_and_round_trip),
		cmocka_unit_test(test_schema__model_render_survives_odd_types_and_bare_defaults),
		cmocka_unit_test(test_schema__sql_dump_is_in_dependency_order),
		cmocka_unit_test(test_schema__model_render_writes_constraints_sqlite_can_read),
		cmocka_unit_test(test_schema__dot_output_has_fk_edges_and_is_accepted_by_dot),
		cmocka_unit_test(test_schema__mermaid_output_has_relationships_and_safe_names),
		cmocka_unit_test(test_schema__json_has_the_documented_shape),
		cmocka_unit_test(test_schema__postgres_sql_is_rendered_from_the_model),
		cmocka_unit_test(test_schema__postgres_model_converts_to_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
