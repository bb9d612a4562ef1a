/*
 * test_diff.c: the diff engine (lib/diff.c) and the SQLite planner's
 * choices (lib/plan_sqlite.c). Models are made the way strata makes them:
 * SQL executed into an in-memory SQLite database, then introspected, so
 * every test speaks SQL and the engine decides what it means.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "internal.h"
#include "introspect.h"
#include "schema.h"

static struct schema *model(const char *sql)
{
	sqlite3 *db = NULL;
	struct schema *s = NULL;
	struct drv_err e;
	char *msg = NULL;

	drv_err_init(&e);
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("bad test SQL: %s", msg);
	assert_int_equal(introspect_sqlite(db, &s, &e), 0);
	sqlite3_close(db);
	drv_err_release(&e);
	return s;
}

/* diff(a, b) with the hints of b's text. */
static struct diff *diff_sql(const char *a, const char *b, struct schema **ma, struct schema **mb,
                             struct diff_hints *h)
{
	struct diff_opts o = { NULL, 0, plan_sqlite_needs_rebuild };
	struct sbuf err = SBUF_INIT;
	struct diff *d = NULL;

	*ma = model(a);
	*mb = model(b);
	memset(h, 0, sizeof *h);
	assert_int_equal(diff_hints_parse(b, SCHEMA_SQLITE, h, &err), 0);
	o.hints = h;
	assert_int_equal(diff_schemas(*ma, *mb, &o, &d), 0);
	sbuf_release(&err);
	return d;
}

struct fixture {
	struct schema *a, *b;
	struct diff_hints h;
	struct diff *d;
};

static void run(struct fixture *f, const char *a, const char *b)
{
	f->d = diff_sql(a, b, &f->a, &f->b, &f->h);
}

static void done(struct fixture *f)
{
	diff_free(f->d);
	schema_free(f->a);
	schema_free(f->b);
	diff_hints_release(&f->h);
}

/* The first change of that kind, or NULL. */
static const struct diff_change *find(const struct diff *d, enum diff_kind k)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].kind == k)
			return &d->v[i];
	return NULL;
}

static long position(const struct diff *d, enum diff_kind k, const char *object)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->v[i].kind == k && (!object || !strcmp(d->v[i].object, object)))
			return (long)i;
	return -1;
}

static char *plan(const struct diff *d)
{
	struct sbuf sb = SBUF_INIT;

	assert_int_equal(plan_sqlite(d, NULL, &sb), 0);
	return sbuf_detach(&sb);
}

static const char rich[] =
	"CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE,\n"
	"  name TEXT COLLATE NOCASE DEFAULT 'anon', age INTEGER CHECK (age >= 0),\n"
	"  score REAL AS (age * 1.5) VIRTUAL);\n"
	"CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES users(id)\n"
	"  ON DELETE CASCADE, title TEXT, body TEXT, CONSTRAINT title_len CHECK (length(title) < 200));\n"
	"CREATE INDEX posts_author ON posts (author_id DESC) WHERE title IS NOT NULL;\n"
	"CREATE UNIQUE INDEX users_lower_email ON users (lower(email));\n"
	"CREATE VIEW recent AS SELECT p.title, u.email FROM posts p JOIN users u ON u.id = p.author_id;\n"
	"CREATE TRIGGER posts_touch AFTER UPDATE ON posts BEGIN SELECT 1; END;\n"
	"CREATE TABLE kv (k TEXT PRIMARY KEY, v ANY) STRICT, WITHOUT ROWID;\n";

/* ---- equality --------------------------------------------------------- */

static void test_diff__a_schema_against_itself_is_empty(void **state)
{
	struct fixture f;
	(void)state;

	run(&f, rich, rich);
	assert_int_equal(f.d->n, 0);
	done(&f);
}

static void test_diff__sqlite_names_and_types_compare_without_case(void **state)
{
	struct fixture f;
	(void)state;

	run(&f, "CREATE TABLE Users (ID integer PRIMARY KEY, Email varchar(20));\n"
	        "CREATE INDEX Users_Email ON Users (Email);",
	    "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(20));\n"
	    "CREATE INDEX users_email ON users (email);");
	assert_int_equal(f.d->n, 0);
	done(&f);
}

static void test_diff__spacing_and_quoting_in_sql_text_do_not_matter(void **state)
{
	(void)state;
	assert_true(diff_sql_equal(SCHEMA_SQLITE, "a  >\n 0 /* c */", "\"a\">0", NULL));
	assert_true(diff_sql_equal(SCHEMA_SQLITE, "A > 0", "a > 0", NULL));
	assert_false(diff_sql_equal(SCHEMA_SQLITE, "a > 'X'", "a > 'x'", NULL));
	assert_false(diff_sql_equal(SCHEMA_PG, "\"A\" > 0", "a > 0", NULL));
	assert_true(diff_sql_equal(SCHEMA_PG, "\"a\" > 0", "A > 0", NULL));
	assert_true(diff_sql_mentions(SCHEMA_SQLITE, "SELECT x FROM [My Table]", "my table"));
	assert_false(diff_sql_mentions(SCHEMA_SQLITE, "SELECT 'users' FROM t", "users"));
}

/* ---- classification ------------------------------------------------------ */

static void assert_class(const char *a, const char *b, enum diff_kind k, int cls)
{
	struct fixture f;
	const struct diff_change *c;

	run(&f, a, b);
	c = find(f.d, k);
	if (!c)
		fail_msg("no %s change", diff_kind_name(k));
	if (c->cls != cls)
		fail_msg("%s %s is class %d, not %d (%s)", diff_kind_name(k), c->object, c->cls, cls,
		         c->note ? c->note : "");
	done(&f);
}

#define T1 "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);"

static void test_diff__dropping_a_table_is_destructive(void **state)
{
	(void)state;
	assert_class(T1 "CREATE TABLE u (x);", T1, DIFF_DROP_TABLE, STRATA_CHANGE_DESTRUCTIVE);
}

static void test_diff__creating_a_table_is_safe(void **state)
{
	(void)state;
	assert_class(T1, T1 "CREATE TABLE u (x);", DIFF_CREATE_TABLE, STRATA_CHANGE_SAFE);
}

static void test_diff__dropping_a_column_is_destructive(void **state)
{
	(void)state;
	assert_class(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);", DIFF_DROP_COLUMN,
	             STRATA_CHANGE_DESTRUCTIVE);
}

static void test_diff__adding_a_nullable_column_is_safe(void **state)
{
	(void)state;
	assert_class(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT);",
	             DIFF_ADD_COLUMN, STRATA_CHANGE_SAFE);
}

static void test_diff__adding_not_null_without_default_is_data_dependent(void **state)
{
	(void)state;
	assert_class(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT NOT NULL);",
	             DIFF_ADD_COLUMN, STRATA_CHANGE_DATA_DEPENDENT);
}

static void test_diff__setting_not_null_is_data_dependent(void **state)
{
	(void)state;
	assert_class(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INTEGER);",
	             DIFF_ALTER_COLUMN, STRATA_CHANGE_DATA_DEPENDENT);
}

static void test_diff__text_to_integer_is_narrowing_and_destructive(void **state)
{
	(void)state;
	assert_class(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER);",
	             DIFF_ALTER_COLUMN, STRATA_CHANGE_DESTRUCTIVE);
}

static void test_diff__a_type_change_within_one_affinity_is_safe(void **state)
{
	(void)state;
	assert_class(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b BIGINT);",
	             DIFF_ALTER_COLUMN, STRATA_CHANGE_SAFE);
}

static void test_diff__integer_to_text_is_data_dependent(void **state)
{
	(void)state;
	assert_class(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);",
	             DIFF_ALTER_COLUMN, STRATA_CHANGE_DATA_DEPENDENT);
}

static void test_diff__a_default_change_is_safe(void **state)
{
	(void)state;
	assert_class(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'x', b INTEGER);",
	             DIFF_ALTER_COLUMN, STRATA_CHANGE_SAFE);
}

static void test_diff__a_new_unique_constraint_is_data_dependent(void **state)
{
	(void)state;
	assert_class(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT UNIQUE, b INTEGER);",
	             DIFF_ADD_UNIQUE, STRATA_CHANGE_DATA_DEPENDENT);
}

static void test_diff__a_new_unique_index_is_data_dependent_a_plain_one_safe(void **state)
{
	(void)state;
	assert_class(T1, T1 "CREATE UNIQUE INDEX t_a ON t (a);", DIFF_CREATE_INDEX,
	             STRATA_CHANGE_DATA_DEPENDENT);
	assert_class(T1, T1 "CREATE INDEX t_a ON t (a);", DIFF_CREATE_INDEX, STRATA_CHANGE_SAFE);
	assert_class(T1 "CREATE INDEX t_a ON t (a);", T1, DIFF_DROP_INDEX, STRATA_CHANGE_SAFE);
}

static void test_diff__a_new_check_is_data_dependent_dropping_one_safe(void **state)
{
	(void)state;
	assert_class(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER CHECK (b > 0));",
	             DIFF_ADD_CHECK, STRATA_CHANGE_DATA_DEPENDENT);
	assert_class("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER CHECK (b > 0));", T1,
	             DIFF_DROP_CHECK, STRATA_CHANGE_SAFE);
}

static void test_diff__a_new_foreign_key_is_data_dependent(void **state)
{
	(void)state;
	assert_class(T1 "CREATE TABLE c (t_id INTEGER);",
	             T1 "CREATE TABLE c (t_id INTEGER REFERENCES t(id));", DIFF_ADD_FK,
	             STRATA_CHANGE_DATA_DEPENDENT);
}

static void test_diff__strict_on_is_data_dependent(void **state)
{
	(void)state;
	assert_class(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER) STRICT;",
	             DIFF_ALTER_TABLE, STRATA_CHANGE_DATA_DEPENDENT);
}

/* ---- order ---------------------------------------------------------------- */

static void test_diff__created_tables_come_after_the_tables_they_reference(void **state)
{
	struct fixture f;
	(void)state;

	/* Alphabetical order would create a_child first. */
	run(&f, "",
	    "CREATE TABLE a_child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES z_parent(id));\n"
	    "CREATE TABLE z_parent (id INTEGER PRIMARY KEY);");
	assert_true(position(f.d, DIFF_CREATE_TABLE, "z_parent") <
	            position(f.d, DIFF_CREATE_TABLE, "a_child"));
	done(&f);
}

static void test_diff__dropped_tables_go_before_the_tables_they_reference(void **state)
{
	struct fixture f;
	(void)state;

	run(&f, "CREATE TABLE a_parent (id INTEGER PRIMARY KEY);\n"
	        "CREATE TABLE z_child (id INTEGER PRIMARY KEY, p INTEGER REFERENCES a_parent(id));", "");
	assert_true(position(f.d, DIFF_DROP_TABLE, "z_child") <
	            position(f.d, DIFF_DROP_TABLE, "a_parent"));
	done(&f);
}

/* diff.c calls no planner: the rebuild decision comes only through
 * diff_opts.needs_rebuild (the driver's hook), and without it every table
 * is altered in place. */
static int says_rebuild(const struct diff *d, const struct diff_table *p, char **why)
{
	(void)d;
	(void)p;
	*why = strdup("the test says so");
	return *why ? 1 : STRATA_ENOMEM;
}

static void test_diff__the_rebuild_decision_is_the_options_hook(void **state)
{
	struct schema *a = model("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);");
	struct schema *b = model("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER);");
	struct diff_opts o = { NULL, 0, NULL };
	struct diff *d = NULL;
	(void)state;

	assert_int_equal(diff_schemas(a, b, &o, &d), 0);
	assert_null(find(d, DIFF_REBUILD_TABLE));
	assert_non_null(find(d, DIFF_ALTER_COLUMN));
	diff_free(d);
	o.needs_rebuild = plan_sqlite_needs_rebuild;
	assert_int_equal(diff_schemas(a, b, &o, &d), 0);
	assert_non_null(find(d, DIFF_REBUILD_TABLE));
	diff_free(d);
	/* a table ALTER TABLE could take is rebuilt when the hook says so */
	schema_free(b);
	b = model("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, c TEXT);");
	o.needs_rebuild = says_rebuild;
	assert_int_equal(diff_schemas(a, b, &o, &d), 0);
	assert_non_null(find(d, DIFF_REBUILD_TABLE));
	assert_non_null(strstr(find(d, DIFF_REBUILD_TABLE)->note, "the test says so"));
	diff_free(d);
	schema_free(a);
	schema_free(b);
}

static void test_diff__views_are_dropped_before_their_columns_change_and_made_after(void **state)
{
	struct fixture f;
	long drop, rebuild, create;
	(void)state;

	run(&f, T1 "CREATE VIEW v AS SELECT a FROM t;",
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL, b INTEGER);"
	    "CREATE VIEW v AS SELECT a FROM t;");
	drop = position(f.d, DIFF_DROP_VIEW, NULL);
	rebuild = position(f.d, DIFF_REBUILD_TABLE, NULL);
	create = position(f.d, DIFF_CREATE_VIEW, NULL);
	assert_true(drop >= 0 && rebuild > drop && create > rebuild);
	assert_true(f.d->v[drop].implied);
	done(&f);
}

static void test_diff__a_view_on_a_view_is_made_after_it_and_dropped_before(void **state)
{
	struct fixture f;
	(void)state;

	run(&f, T1 "CREATE VIEW a_top AS SELECT a FROM z_base; CREATE VIEW z_base AS SELECT a FROM t;",
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);"
	    "CREATE VIEW a_top AS SELECT a FROM z_base; CREATE VIEW z_base AS SELECT a FROM t;");
	assert_true(position(f.d, DIFF_DROP_VIEW, "view a_top") <
	            position(f.d, DIFF_DROP_VIEW, "view z_base"));
	assert_true(position(f.d, DIFF_CREATE_VIEW, "view z_base") <
	            position(f.d, DIFF_CREATE_VIEW, "view a_top"));
	done(&f);
}

static void test_diff__indexes_of_a_rebuilt_table_are_made_again(void **state)
{
	struct fixture f;
	const struct diff_change *c;
	(void)state;

	run(&f, T1 "CREATE INDEX t_a ON t (a);",
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);CREATE INDEX t_a ON t (a);");
	c = find(f.d, DIFF_CREATE_INDEX);
	assert_non_null(c);
	assert_true(c->implied);
	assert_true(position(f.d, DIFF_REBUILD_TABLE, NULL) < position(f.d, DIFF_CREATE_INDEX, NULL));
	done(&f);
}

/*
 * 600 tables, each referencing the one before and indexed; B spells every
 * other name in capitals (the same name on SQLite) and changes four tables
 * in the middle: the diff is those changes only, found by name among all.
 */
static void many_tables_sql(struct sbuf *sb, int b)
{
	char name[16], prev[16] = "";
	int i;

	for (i = 0; i < 600; i++) {
		if (b && i == 400)
			snprintf(name, sizeof name, "t400_new");
		else
			snprintf(name, sizeof name, "%s%03d", b && i % 2 ? "T" : "t", i);
		sbuf_addf(sb, "CREATE TABLE %s (%s\n", name,
		          b && i == 400 ? " -- strata:renamed-from t400" : "");
		sbuf_addf(sb, "  id INTEGER PRIMARY KEY, title TEXT, n %s",
		          b && i == 200 ? "TEXT" : "INTEGER");
		if (i)
			sbuf_addf(sb, ", ref INTEGER REFERENCES %s (id)", prev);
		if (b && i == 100)
			sbuf_adds(sb, ", extra TEXT");
		sbuf_adds(sb, ");\n");
		if (b && i == 300)
			sbuf_adds(sb, "CREATE INDEX t300_n ON t300 (n);\n");
		else
			sbuf_addf(sb, "CREATE INDEX t%03d_title ON %s (title);\n", i, name);
		snprintf(prev, sizeof prev, "%s", name);
	}
}

static void test_diff__many_tables_diff_to_the_few_changes_among_them(void **state)
{
	static const struct {
		enum diff_kind kind;
		const char *object;
		int implied;
	} want[] = {
		{ DIFF_DROP_INDEX, "index t300_title on t300", 0 },
		{ DIFF_RENAME_TABLE, "t400_new", 0 },
		{ DIFF_ADD_COLUMN, "t100.extra", 0 },
		{ DIFF_REBUILD_TABLE, "t200", 1 },
		{ DIFF_ALTER_COLUMN, "t200.n", 0 },
		{ DIFF_CREATE_INDEX, "index t200_title on t200", 1 }, /* the rebuild drops it */
		{ DIFF_CREATE_INDEX, "index t300_n on t300", 0 },
	};
	struct sbuf a = SBUF_INIT, b = SBUF_INIT;
	struct fixture f;
	size_t i;
	(void)state;

	many_tables_sql(&a, 0);
	many_tables_sql(&b, 1);
	run(&f, a.buf, b.buf);
	assert_int_equal(f.d->n, sizeof want / sizeof want[0]);
	for (i = 0; i < f.d->n; i++) {
		assert_string_equal(diff_kind_name(f.d->v[i].kind), diff_kind_name(want[i].kind));
		assert_string_equal(f.d->v[i].object, want[i].object);
		assert_int_equal(f.d->v[i].implied, want[i].implied);
	}
	done(&f);
	sbuf_release(&a);
	sbuf_release(&b);
}

/* ---- renames ------------------------------------------------------------------ */

static void test_diff__a_column_hint_makes_a_rename_not_drop_and_add(void **state)
{
	struct fixture f;
	const struct diff_change *c;
	char *sql;
	(void)state;

	run(&f, T1, "CREATE TABLE t (id INTEGER PRIMARY KEY,\n  title TEXT, -- strata:renamed-from a\n"
	            "  b INTEGER);");
	assert_int_equal(f.d->n, 1);
	c = find(f.d, DIFF_RENAME_COLUMN);
	assert_non_null(c);
	assert_string_equal(c->ca->name, "a");
	assert_string_equal(c->cb->name, "title");
	sql = plan(f.d);
	assert_non_null(strstr(sql, "ALTER TABLE t RENAME COLUMN a TO title;"));
	free(sql);
	done(&f);
}

static void test_diff__a_table_hint_makes_a_rename(void **state)
{
	struct fixture f;
	(void)state;

	run(&f, T1, "CREATE TABLE items ( -- strata:renamed-from t\n"
	            "  id INTEGER PRIMARY KEY, a TEXT, b INTEGER);");
	assert_int_equal(f.d->n, 1);
	assert_non_null(find(f.d, DIFF_RENAME_TABLE));
	done(&f);
}

static void test_diff__a_hint_already_applied_is_ignored(void **state)
{
	struct fixture f;
	(void)state;

	/* A kept the new name already: the hint describes the past. */
	run(&f, "CREATE TABLE t (id INTEGER PRIMARY KEY, title TEXT);",
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, title TEXT -- strata:renamed-from a\n);");
	assert_int_equal(f.d->n, 0);
	done(&f);
}

static void test_diff__the_down_diff_reads_the_hints_backwards(void **state)
{
	struct schema *a, *b;
	struct diff_hints h;
	struct sbuf err = SBUF_INIT;
	struct diff_opts o = { NULL, 1, plan_sqlite_needs_rebuild };
	struct diff *d = NULL;
	const char *bsql = "CREATE TABLE t (id INTEGER PRIMARY KEY, title TEXT -- strata:renamed-from a\n);";
	(void)state;

	a = model("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);");
	b = model(bsql);
	assert_int_equal(diff_hints_parse(bsql, SCHEMA_SQLITE, &h, &err), 0);
	o.hints = &h;
	assert_int_equal(diff_schemas(b, a, &o, &d), 0);
	assert_int_equal(d->n, 1);
	assert_int_equal(d->v[0].kind, DIFF_RENAME_COLUMN);
	assert_string_equal(d->v[0].ca->name, "title");
	assert_string_equal(d->v[0].cb->name, "a");
	diff_free(d);
	schema_free(a);
	schema_free(b);
	diff_hints_release(&h);
	sbuf_release(&err);
}

static void test_diff__drop_and_add_of_one_type_is_flagged_as_a_possible_rename(void **state)
{
	struct fixture f;
	const struct diff_change *c;
	(void)state;

	run(&f, T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, title TEXT, b INTEGER);");
	c = find(f.d, DIFF_DROP_COLUMN);
	assert_non_null(c);
	assert_non_null(c->note);
	assert_non_null(strstr(c->note, "possible rename of a to title"));
	done(&f);
}

static void test_hints__a_hint_outside_a_table_is_an_error(void **state)
{
	struct diff_hints h;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(diff_hints_parse("-- strata:renamed-from x\nCREATE TABLE t (a);", SCHEMA_SQLITE,
	                                  &h, &err), STRATA_EPARSE);
	assert_non_null(strstr(err.buf, "1:"));
	assert_int_equal(diff_hints_parse("CREATE TABLE t (a -- strata:renamed-from\n);", SCHEMA_SQLITE,
	                                  &h, &err), STRATA_EPARSE);
	sbuf_release(&err);
}

static void test_hints__quoted_names_and_comma_first_style(void **state)
{
	struct diff_hints h;
	struct sbuf err = SBUF_INIT;
	(void)state;

	assert_int_equal(diff_hints_parse("CREATE TABLE \"my t\" (\n  id INTEGER\n"
	                                  "  , \"new name\" TEXT -- strata:renamed-from \"old name\"\n);",
	                                  SCHEMA_SQLITE, &h, &err), 0);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.v[0].table, "my t");
	assert_string_equal(h.v[0].column, "new name");
	assert_string_equal(h.v[0].old, "old name");
	diff_hints_release(&h);
	/* PostgreSQL folds unquoted names. */
	assert_int_equal(diff_hints_parse("CREATE TABLE App.Users ( -- strata:renamed-from People\n"
	                                  "  id int);", SCHEMA_PG, &h, &err), 0);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.v[0].nsp, "app");
	assert_string_equal(h.v[0].table, "users");
	assert_null(h.v[0].column);
	assert_string_equal(h.v[0].old, "people");
	diff_hints_release(&h);
	sbuf_release(&err);
}

static void test_hints__enum_values_constraints_and_what_is_refused(void **state)
{
	struct diff_hints h;
	struct sbuf err = SBUF_INIT;
	(void)state;

	/* a value's line: its label and the old one keep their case */
	assert_int_equal(diff_hints_parse("CREATE TYPE s.Prio AS ENUM (\n  'Minor', -- @renamed from=Low\n"
	                                  "  'high'\n);", SCHEMA_PG, &h, &err), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.v[0].kind, DIFF_HINT_ENUM_VALUE);
	assert_string_equal(h.v[0].nsp, "s");
	assert_string_equal(h.v[0].table, "prio");
	assert_string_equal(h.v[0].column, "Minor");
	assert_string_equal(h.v[0].old, "Low");
	diff_hints_release(&h);
	/* a named constraint */
	assert_int_equal(diff_hints_parse("CREATE TABLE u (\n  email text,\n  CONSTRAINT u_email UNIQUE "
	                                  "(email) -- @renamed from=old_email\n);", SCHEMA_PG, &h, &err), 0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.v[0].kind, DIFF_HINT_CONSTRAINT);
	assert_string_equal(h.v[0].column, "u_email");
	assert_string_equal(h.v[0].old, "old_email");
	diff_hints_release(&h);
	/* refused, naming the line: an enum type (a rename would reach every
	 * column, default and check naming it), an unnamed constraint */
	assert_int_equal(diff_hints_parse("CREATE TYPE t2 AS ENUM ('a');\nCREATE TYPE order_status -- "
	                                  "@renamed from=order_state\nAS ENUM ('a');", SCHEMA_PG, &h, &err),
	                 STRATA_EPARSE);
	assert_non_null(strstr(err.buf, "2: "));
	assert_non_null(strstr(err.buf, "enum type"));
	assert_int_equal(diff_hints_parse("CREATE TABLE u (\n  email text,\n  UNIQUE (email) -- "
	                                  "@renamed from=x\n);", SCHEMA_PG, &h, &err), STRATA_EPARSE);
	assert_non_null(strstr(err.buf, "3: "));
	sbuf_release(&err);
}

/* ---- the SQLite planner's choice -------------------------------------------------- */

static int rebuilds(const char *a, const char *b)
{
	struct fixture f;
	int r;

	run(&f, a, b);
	r = find(f.d, DIFF_REBUILD_TABLE) != NULL;
	done(&f);
	return r;
}

static void test_plan_sqlite__alter_table_where_sqlite_allows_it(void **state)
{
	(void)state;
	assert_false(rebuilds(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT DEFAULT 'x');"));
	assert_false(rebuilds(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"));
	assert_false(rebuilds(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER,"
	                          " c INTEGER REFERENCES t(id));"));
	assert_false(rebuilds(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER,"
	                          " c INTEGER DEFAULT 1 CHECK (c > 0));"));
	assert_false(rebuilds("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER CHECK (b > 0));",
	                      "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"));
}

static void test_plan_sqlite__rebuild_where_it_does_not(void **state)
{
	(void)state;
	/* the doc's list: PRIMARY KEY, UNIQUE, non-constant default, NOT NULL
	 * without default, STORED generated; and what ALTER cannot say at all */
	assert_true(rebuilds(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT UNIQUE);"));
	assert_true(rebuilds(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER,"
	                         " c TEXT DEFAULT CURRENT_TIMESTAMP);"));
	assert_true(rebuilds(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT NOT NULL);"));
	assert_true(rebuilds(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER,"
	                         " c INTEGER AS (b) STORED);"));
	assert_true(rebuilds(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT, a TEXT, b INTEGER);"));
	assert_true(rebuilds(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);"));
	assert_true(rebuilds("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER UNIQUE);",
	                     "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"));
	assert_true(rebuilds("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, CHECK (b > 0));",
	                     "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);"));
	assert_true(rebuilds(T1, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER) STRICT;"));
}

static void test_plan_sqlite__rebuild_copies_rows_in_one_insert_and_checks_keys(void **state)
{
	struct fixture f;
	char *sql;
	(void)state;

	run(&f, "CREATE TABLE p (id INTEGER PRIMARY KEY);" T1,
	    "CREATE TABLE p (id INTEGER PRIMARY KEY);"
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT NOT NULL DEFAULT '', b INTEGER REFERENCES p(id));");
	sql = plan(f.d);
	assert_non_null(strstr(sql, "CREATE TABLE _strata_new_t (id INTEGER PRIMARY KEY"));
	assert_non_null(strstr(sql, "INSERT INTO _strata_new_t (id, a, b) SELECT id, a, b FROM t;"));
	assert_non_null(strstr(sql, "DROP TABLE t;"));
	assert_non_null(strstr(sql, "ALTER TABLE _strata_new_t RENAME TO t;"));
	assert_non_null(strstr(sql, "PRAGMA defer_foreign_keys = ON;"));
	assert_non_null(strstr(sql, "pragma_foreign_key_check('t')"));
	free(sql);
	done(&f);
}


/* ---- PostgreSQL models, built by hand -------------------------------------------- */

static struct schema_table *pg_table(struct schema *s, const char *name, const char *cols)
{
	/* cols: "name type[!]" separated by commas; '!' marks NOT NULL. */
	struct schema_table *t = schema_add_table(s, "public", name);
	char buf[256], *tok, *next;

	assert_non_null(t);
	snprintf(buf, sizeof buf, "%s", cols);
	for (tok = buf; tok; tok = next) {
		char *sp = strchr(tok, ' '), *bang;
		struct schema_column *c;
		if ((next = strchr(tok, ',')) != NULL)
			*next++ = '\0';
		*sp = '\0';
		bang = strchr(sp + 1, '!');
		if (bang)
			*bang = '\0';
		c = table_add_column(t, tok, sp + 1);
		assert_non_null(c);
		c->not_null = bang != NULL;
	}
	return t;
}

static struct diff *pg_diff(struct schema *a, struct schema *b)
{
	struct diff *d = NULL;

	schema_sort(a);
	schema_sort(b);
	assert_int_equal(diff_schemas(a, b, NULL, &d), 0);
	return d;
}

static char *pg_plan(const struct diff *d)
{
	struct sbuf sb = SBUF_INIT;
	int no_tx = 0;

	assert_int_equal(plan_pg(d, NULL, &sb, &no_tx), 0);
	return sbuf_detach(&sb);
}

static void test_diff_pg__column_order_does_not_matter(void **state)
{
	struct schema *a = schema_new(SCHEMA_PG), *b = schema_new(SCHEMA_PG);
	struct diff *d;
	(void)state;

	pg_table(a, "t", "id integer!,a text,b bigint");
	pg_table(b, "t", "b bigint,id integer!,a text");
	d = pg_diff(a, b);
	assert_int_equal(d->n, 0);
	diff_free(d);
	schema_free(a);
	schema_free(b);
}

static void test_diff_pg__a_constraint_named_after_a_renamed_column_is_renamed(void **state)
{
	struct schema *a = schema_new(SCHEMA_PG), *b = schema_new(SCHEMA_PG);
	struct schema_table *ta, *tb;
	struct schema_unique *u;
	struct diff_hints h;
	struct sbuf err = SBUF_INIT;
	struct diff_opts o = { NULL, 0, NULL };
	struct diff *d = NULL;
	char *sql;
	(void)state;

	ta = pg_table(a, "t", "id integer!,email text");
	u = table_add_unique(ta, "t_email_key");
	schema_names_add(&u->columns, "email");
	tb = pg_table(b, "t", "id integer!,login text");
	u = table_add_unique(tb, "t_login_key");
	schema_names_add(&u->columns, "login");
	assert_int_equal(diff_hints_parse("CREATE TABLE t (id int,\n login text -- strata:renamed-from email\n);",
	                                  SCHEMA_PG, &h, &err), 0);
	o.hints = &h;
	schema_sort(a);
	schema_sort(b);
	assert_int_equal(diff_schemas(a, b, &o, &d), 0);
	assert_int_equal(d->n, 2);
	assert_int_equal(d->v[0].kind, DIFF_RENAME_COLUMN);
	assert_int_equal(d->v[1].kind, DIFF_RENAME_CONSTRAINT);
	sql = pg_plan(d);
	assert_string_equal(sql, "ALTER TABLE public.t RENAME COLUMN email TO login;\n"
	                         "ALTER TABLE public.t RENAME CONSTRAINT t_email_key TO t_login_key;\n");
	free(sql);
	diff_free(d);
	diff_hints_release(&h);
	sbuf_release(&err);
	schema_free(a);
	schema_free(b);
}

static void test_diff_pg__enum_values_added_or_removed(void **state)
{
	struct schema *a = schema_new(SCHEMA_PG), *b = schema_new(SCHEMA_PG), *c = schema_new(SCHEMA_PG);
	struct schema_enum *e;
	struct diff *d;
	char *sql;
	(void)state;

	e = schema_add_enum(a, "public", "mood");
	schema_names_add(&e->labels, "sad");
	schema_names_add(&e->labels, "ok");
	e = schema_add_enum(b, "public", "mood");
	schema_names_add(&e->labels, "sad");
	schema_names_add(&e->labels, "meh");
	schema_names_add(&e->labels, "ok");
	d = pg_diff(a, b);
	assert_int_equal(d->n, 1);
	assert_int_equal(d->v[0].kind, DIFF_ADD_ENUM_VALUE);
	assert_int_equal(d->v[0].cls, STRATA_CHANGE_SAFE);
	sql = pg_plan(d);
	assert_string_equal(sql, "ALTER TYPE public.mood ADD VALUE 'meh' AFTER 'sad';\n");
	free(sql);
	diff_free(d);
	e = schema_add_enum(c, "public", "mood");
	schema_names_add(&e->labels, "ok");
	d = pg_diff(a, c);
	assert_int_equal(d->n, 1);
	assert_int_equal(d->v[0].kind, DIFF_REBUILD_ENUM);
	assert_int_equal(d->v[0].cls, STRATA_CHANGE_DATA_DEPENDENT);
	diff_free(d);
	schema_free(a);
	schema_free(b);
	schema_free(c);
}

static void test_diff_pg__a_key_under_a_foreign_key_is_changed_around_it(void **state)
{
	struct schema *a = schema_new(SCHEMA_PG), *b = schema_new(SCHEMA_PG);
	struct schema_table *t;
	struct schema_fk *fk;
	struct diff *d;
	long drop_fk = -1, drop_pk = -1, add_fk = -1, add_pk = -1;
	size_t i;
	(void)state;

	t = pg_table(a, "p", "id integer!,code text!");
	schema_set_str(&t->pk.name, "p_pkey");
	schema_names_add(&t->pk.columns, "id");
	t = pg_table(b, "p", "id integer!,code text!");
	schema_set_str(&t->pk.name, "p_pkey");
	schema_names_add(&t->pk.columns, "id");
	schema_names_add(&t->pk.columns, "code");
	{
		struct schema_unique *u = table_add_unique(t, "p_id_key");
		schema_names_add(&u->columns, "id");
	}
	for (i = 0; i < 2; i++) {
		t = pg_table(i ? b : a, "c", "id integer!,p_id integer");
		fk = table_add_fk(t, "c_p_id_fkey", "public", "p");
		schema_names_add(&fk->columns, "p_id");
		schema_names_add(&fk->ref_columns, "id");
	}
	d = pg_diff(a, b);
	for (i = 0; i < d->n; i++) {
		switch (d->v[i].kind) {
		case DIFF_DROP_FK: drop_fk = (long)i; break;
		case DIFF_DROP_PRIMARY_KEY: drop_pk = (long)i; break;
		case DIFF_ADD_FK: add_fk = (long)i; break;
		case DIFF_ADD_PRIMARY_KEY: add_pk = (long)i; break;
		default: break;
		}
	}
	assert_true(drop_fk >= 0 && drop_fk < drop_pk && drop_pk < add_pk && add_pk < add_fk);
	assert_true(d->v[drop_fk].implied);
	diff_free(d);
	schema_free(a);
	schema_free(b);
}

static void test_plan_pg__type_changes_cast_only_where_needed(void **state)
{
	struct schema *a = schema_new(SCHEMA_PG), *b = schema_new(SCHEMA_PG);
	struct diff *d;
	char *sql;
	(void)state;

	pg_table(a, "t", "n character varying(50),x text,y integer");
	pg_table(b, "t", "n character varying(10),x integer,y bigint");
	d = pg_diff(a, b);
	sql = pg_plan(d);
	/* an explicit cast to varchar(10) would truncate: no USING there */
	assert_non_null(strstr(sql, "ALTER COLUMN n TYPE character varying(10);\n"));
	assert_non_null(strstr(sql, "ALTER COLUMN x TYPE integer USING x::integer;\n"));
	assert_non_null(strstr(sql, "ALTER COLUMN y TYPE bigint;\n"));
	free(sql);
	diff_free(d);
	schema_free(a);
	schema_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff__a_schema_against_itself_is_empty),
		cmocka_unit_test(test_diff__sqlite_names_and_types_compare_without_case),
		cmocka_unit_test(test_diff__spacing_and_quoting_in_sql_text_do_not_matter),
		cmocka_unit_test(test_diff__dropping_a_table_is_destructive),
		cmocka_unit_test(test_diff__creating_a_table_is_safe),
		cmocka_unit_test(test_diff__dropping_a_column_is_destructive),
		cmocka_unit_test(test_diff__adding_a_nullable_column_is_safe),
		cmocka_unit_test(test_diff__adding_not_null_without_default_is_data_dependent),
		cmocka_unit_test(test_diff__setting_not_null_is_data_dependent),
		cmocka_unit_test(test_diff__text_to_integer_is_narrowing_and_destructive),
		cmocka_unit_test(test_diff__a_type_change_within_one_affinity_is_safe),
		cmocka_unit_test(test_diff__integer_to_text_is_data_dependent),
		cmocka_unit_test(test_diff__a_default_change_is_safe),
		cmocka_unit_test(test_diff__a_new_unique_constraint_is_data_dependent),
		cmocka_unit_test(test_diff__a_new_unique_index_is_data_dependent_a_plain_one_safe),
		cmocka_unit_test(test_diff__a_new_check_is_data_dependent_dropping_one_safe),
		cmocka_unit_test(test_diff__a_new_foreign_key_is_data_dependent),
		cmocka_unit_test(test_diff__strict_on_is_data_dependent),
		cmocka_unit_test(test_diff__created_tables_come_after_the_tables_they_reference),
		cmocka_unit_test(test_diff__dropped_tables_go_before_the_tables_they_reference),
		cmocka_unit_test(test_diff__the_rebuild_decision_is_the_options_hook),
		cmocka_unit_test(test_diff__views_are_dropped_before_their_columns_change_and_made_after),
		cmocka_unit_test(test_diff__a_view_on_a_view_is_made_after_it_and_dropped_before),
		cmocka_unit_test(test_diff__indexes_of_a_rebuilt_table_are_made_again),
		cmocka_unit_test(test_diff__many_tables_diff_to_the_few_changes_among_them),
		cmocka_unit_test(test_diff__a_column_hint_makes_a_rename_not_drop_and_add),
		cmocka_unit_test(test_diff__a_table_hint_makes_a_rename),
		cmocka_unit_test(test_diff__a_hint_already_applied_is_ignored),
		cmocka_unit_test(test_diff__the_down_diff_reads_the_hints_backwards),
		cmocka_unit_test(test_diff__drop_and_add_of_one_type_is_flagged_as_a_possible_rename),
		cmocka_unit_test(test_hints__a_hint_outside_a_table_is_an_error),
		cmocka_unit_test(test_hints__quoted_names_and_comma_first_style),
		cmocka_unit_test(test_hints__enum_values_constraints_and_what_is_refused),
		cmocka_unit_test(test_plan_sqlite__alter_table_where_sqlite_allows_it),
		cmocka_unit_test(test_plan_sqlite__rebuild_where_it_does_not),
		cmocka_unit_test(test_plan_sqlite__rebuild_copies_rows_in_one_insert_and_checks_keys),
		cmocka_unit_test(test_diff_pg__column_order_does_not_matter),
		cmocka_unit_test(test_diff_pg__a_constraint_named_after_a_renamed_column_is_renamed),
		cmocka_unit_test(test_diff_pg__enum_values_added_or_removed),
		cmocka_unit_test(test_diff_pg__a_key_under_a_foreign_key_is_changed_around_it),
		cmocka_unit_test(test_plan_pg__type_changes_cast_only_where_needed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
