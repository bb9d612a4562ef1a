/*
 * test_collations.c: PostgreSQL collations in the renderer, the differ and
 * the planner (lib/collations.c), and statistics objects (lib/extstats.c). The models are made by hand, as
 * introspect_pg.c fills them (a column's COLLATE is the collation's bare
 * name); the end-to-end cases against a server are the pgcoll-* pairs of
 * and pgstat-* pairs of the diff matrix (t4914).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "schema.h"
#include "strata.h"
#include "pgplan.h"

static struct schema_collation *icu(struct schema *s, const char *name, const char *locale,
                                    int deterministic)
{
	struct schema_collation *co = schema_add_collation(s, "public", name, 'i');

	assert_non_null(co);
	assert_int_equal(schema_set_str(&co->locale, locale), 0);
	co->deterministic = deterministic;
	return co;
}

static void table_with(struct schema *s, const char *col, const char *collation)
{
	struct schema_table *t = schema_add_table(s, "public", "t");
	struct schema_column *c;

	assert_non_null(t);
	assert_non_null(table_add_column(t, "id", "integer"));
	assert_non_null(c = table_add_column(t, col, "text"));
	assert_int_equal(schema_set_str(&c->collation, collation), 0);
}

static void test_collations__rendered_with_only_what_differs_from_the_defaults(void **state)
{
	struct schema *s = pg();
	struct schema_collation *co;
	struct sbuf sb = SBUF_INIT;

	(void)state;
	icu(s, "ci", "und-u-ks-level2", 0);
	co = schema_add_collation(s, "app", "it's", 'c');
	assert_non_null(co);
	assert_int_equal(schema_set_str(&co->lc_collate, "C"), 0);
	assert_int_equal(schema_set_str(&co->lc_ctype, "it_IT.utf8"), 0);
	schema_sort(s);
	schema_render_collations(s, &sb);
	assert_string_equal(sb.buf,
	                    "\nCREATE COLLATION app.\"it's\" (provider = libc, lc_collate = 'C', "
	                    "lc_ctype = 'it_IT.utf8');\n"
	                    "\nCREATE COLLATION public.ci (provider = icu, locale = 'und-u-ks-level2', "
	                    "deterministic = false);\n");
	sbuf_release(&sb);
	schema_free(s);
}

static void test_collations__what_differs_is_named_and_equal_ones_do_not(void **state)
{
	struct schema *s = pg();
	struct schema_collation *a = icu(s, "a", "und-u-ks-level2", 0);
	struct schema_collation *b = icu(s, "b", "und-u-ks-level2", 0);
	struct sbuf why = SBUF_INIT;

	(void)state;
	assert_int_equal(schema_collation_differs(a, b, &why), 0);
	assert_string_equal(why.buf, "");
	b->deterministic = 1;
	assert_int_equal(schema_collation_differs(a, b, &why), 1);
	assert_string_equal(why.buf, "it becomes deterministic");
	sbuf_reset(&why);
	b->provider = 'c';
	assert_int_equal(schema_collation_differs(a, b, &why), 1);
	assert_string_equal(why.buf, "its provider changes from icu to libc");
	sbuf_reset(&why);
	b->provider = 'i';
	assert_int_equal(schema_set_str(&b->locale, NULL), 0);
	assert_int_equal(schema_collation_differs(a, b, &why), 1);
	assert_string_equal(why.buf, "its locale changes from 'und-u-ks-level2' to none");
	sbuf_release(&why);
	schema_free(s);
}

static void test_collations__made_before_the_column_and_dropped_after_it(void **state)
{
	struct schema *a = pg(), *b = pg();
	struct sbuf sql = SBUF_INIT;
	char *refused;

	(void)state;
	table_with(a, "email", NULL);
	icu(b, "ci", "und-u-ks-level2", 0);
	table_with(b, "email", "ci");
	plan(a, b, &sql, &refused);
	assert_null(refused);
	assert_true(at(sql.buf, "CREATE COLLATION public.ci") <
	            at(sql.buf, "ALTER COLUMN email TYPE text COLLATE ci"));
	sbuf_release(&sql);
	plan(b, a, &sql, &refused);
	assert_null(refused);
	assert_true(at(sql.buf, "ALTER COLUMN email TYPE text") <
	            at(sql.buf, "DROP COLLATION public.ci;"));
	sbuf_release(&sql);
	schema_free(a);
	schema_free(b);
}

static void test_collations__a_changed_one_is_remade_when_unused_and_refused_when_used(void **state)
{
	struct schema *a = pg(), *b = pg();
	struct sbuf sql = SBUF_INIT;
	char *refused;

	(void)state;
	icu(a, "ci", "und-u-ks-level2", 0);
	icu(b, "ci", "und-u-ks-level1", 0);
	table_with(a, "email", NULL);
	table_with(b, "email", NULL);
	plan(a, b, &sql, &refused);
	assert_null(refused);
	assert_true(at(sql.buf, "DROP COLLATION public.ci;") <
	            at(sql.buf, "CREATE COLLATION public.ci (provider = icu, locale = 'und-u-ks-level1'"));
	sbuf_release(&sql);
	schema_free(a);
	schema_free(b);

	a = pg();
	b = pg();
	icu(a, "ci", "und-u-ks-level2", 0);
	icu(b, "ci", "und-u-ks-level1", 0);
	table_with(a, "email", "ci");
	table_with(b, "email", "ci");
	plan(a, b, &sql, &refused);
	assert_non_null(refused);
	assert_string_equal(refused, "collation public.ci cannot be changed in place (its locale "
	                    "changes from 'und-u-ks-level2' to 'und-u-ks-level1') and column "
	                    "public.t.email uses it: PostgreSQL can only drop and create it again, "
	                    "which needs it unused");
	free(refused);
	sbuf_release(&sql);
	schema_free(a);
	schema_free(b);

	/* a CHECK that names it in an expression uses it too */
	a = pg();
	b = pg();
	icu(a, "ci", "und-u-ks-level2", 0);
	icu(b, "ci", "und-u-ks-level2", 1);
	table_with(a, "email", NULL);
	table_with(b, "email", NULL);
	assert_non_null(table_add_check(a->tables[0], "t_e", "email <> 'x'::text COLLATE ci"));
	assert_non_null(table_add_check(b->tables[0], "t_e", "email <> 'x'::text COLLATE ci"));
	plan(a, b, &sql, &refused);
	assert_non_null(refused);
	assert_non_null(strstr(refused, "(it becomes deterministic) and constraint public.t.t_e uses it"));
	free(refused);
	sbuf_release(&sql);
	schema_free(a);
	schema_free(b);
}

static void test_extstats__dropped_before_the_columns_change_and_made_after(void **state)
{
	struct schema *a = pg(), *b = pg();
	struct sbuf sql = SBUF_INIT;
	char *refused;

	(void)state;
	table_with(a, "b", NULL);
	assert_non_null(table_add_column(a->tables[0], "c", "integer"));
	assert_non_null(schema_add_extstat(a, "public", "t_s", "public", "t",
	                                   "CREATE STATISTICS public.t_s ON id, b FROM public.t"));
	table_with(b, "c", NULL);
	assert_non_null(schema_add_extstat(b, "public", "t_s", "public", "t",
	                                   "CREATE STATISTICS public.t_s ON id, c FROM public.t"));
	plan(a, b, &sql, &refused);
	assert_null(refused);
	assert_true(at(sql.buf, "DROP STATISTICS public.t_s;") < at(sql.buf, "DROP COLUMN b"));
	assert_true(at(sql.buf, "DROP COLUMN b") <
	            at(sql.buf, "CREATE STATISTICS public.t_s ON id, c FROM public.t;"));
	sbuf_release(&sql);
	/* the same text: nothing */
	plan(b, b, &sql, &refused);
	assert_string_equal(sql.buf, "");
	sbuf_release(&sql);
	schema_free(a);
	schema_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collations__rendered_with_only_what_differs_from_the_defaults),
		cmocka_unit_test(test_collations__what_differs_is_named_and_equal_ones_do_not),
		cmocka_unit_test(test_collations__made_before_the_column_and_dropped_after_it),
		cmocka_unit_test(test_collations__a_changed_one_is_remade_when_unused_and_refused_when_used),
		cmocka_unit_test(test_extstats__dropped_before_the_columns_change_and_made_after),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
