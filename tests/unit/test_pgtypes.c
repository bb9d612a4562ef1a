/*
 * test_pgtypes.c: PostgreSQL domains, composite and range types and EXCLUDE
 * constraints in the differ and the planner (lib/pgtypes.c). The models are
 * made by hand, as introspect_pg.c fills them (format_type() names,
 * qualified outside pg_catalog); the end-to-end cases against a server are
 * the pgtype-* pairs of the diff matrix (t4911).
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

static void table_with(struct schema *s, const char *name, const char *col, const char *type)
{
	struct schema_table *t = schema_add_table(s, "public", name);

	assert_non_null(t);
	assert_non_null(table_add_column(t, "id", "integer"));
	if (col)
		assert_non_null(table_add_column(t, col, type));
}

static struct schema_pgtype *domain(struct schema *s, const char *name, const char *base)
{
	struct schema_pgtype *t = schema_add_pgtype(s, "public", name, SCHEMA_PGTYPE_DOMAIN);

	assert_non_null(t);
	assert_int_equal(schema_set_str(&t->base, base), 0);
	return t;
}

/* The up plan of a -> b into sql (both sorted first); the diff's refusal,
 * if any, into *refused (to free). */
static void test_pgtypes__a_type_name_matches_its_arrays_only(void **state)
{
	struct schema *s = pg();
	struct schema_pgtype *t = domain(s, "posint", "integer");

	(void)state;
	assert_true(schema_type_is("public.posint", t));
	assert_true(schema_type_is("public.posint[]", t));
	assert_true(schema_type_is("public.posint[][]", t));
	assert_false(schema_type_is("public.posint2", t));
	assert_false(schema_type_is("posint", t));
	assert_false(schema_type_is(NULL, t));
	schema_free(s);
}

static void test_pgtypes__types_are_made_in_dependency_order_before_the_tables(void **state)
{
	struct schema *a = pg(), *b = pg();
	struct schema_pgtype *c;
	struct sbuf sql = SBUF_INIT;
	char *refused;

	(void)state;
	/* named so that the model's order is the wrong one */
	c = schema_add_pgtype(b, "public", "a_pair", SCHEMA_PGTYPE_COMPOSITE);
	assert_non_null(pgtype_add_attr(c, "x", "public.b_score"));
	assert_non_null(pgtype_add_attr(c, "r", "public.c_range[]"));
	domain(b, "b_score", "numeric(5,2)");
	c = schema_add_pgtype(b, "public", "c_range", SCHEMA_PGTYPE_RANGE);
	assert_int_equal(schema_set_str(&c->base, "public.b_score"), 0);
	table_with(b, "t", "p", "public.a_pair");
	plan(a, b, &sql, &refused);
	assert_null(refused);
	assert_true(at(sql.buf, "CREATE DOMAIN public.b_score") < at(sql.buf, "CREATE TYPE public.c_range"));
	assert_true(at(sql.buf, "CREATE TYPE public.c_range") < at(sql.buf, "CREATE TYPE public.a_pair"));
	assert_true(at(sql.buf, "CREATE TYPE public.a_pair") < at(sql.buf, "CREATE TABLE public.t"));
	sbuf_release(&sql);
	/* and dropped the other way round, after the table */
	plan(b, a, &sql, &refused);
	assert_null(refused);
	assert_true(at(sql.buf, "DROP TABLE public.t") < at(sql.buf, "DROP TYPE public.a_pair"));
	assert_true(at(sql.buf, "DROP TYPE public.a_pair") < at(sql.buf, "DROP TYPE public.c_range"));
	assert_true(at(sql.buf, "DROP TYPE public.c_range") < at(sql.buf, "DROP DOMAIN public.b_score"));
	sbuf_release(&sql);
	schema_free(a);
	schema_free(b);
}

static void test_pgtypes__a_base_type_change_remakes_an_unused_domain_and_refuses_a_used_one(void **state)
{
	struct schema *a = pg(), *b = pg();
	struct sbuf sql = SBUF_INIT;
	char *refused;

	(void)state;
	domain(a, "code", "character varying(5)");
	domain(b, "code", "text");
	table_with(a, "t", "c", "text");
	table_with(b, "t", "c", "text");
	plan(a, b, &sql, &refused);
	assert_null(refused);
	assert_true(at(sql.buf, "DROP DOMAIN public.code;") < at(sql.buf, "CREATE DOMAIN public.code AS text"));
	sbuf_release(&sql);
	schema_free(a);
	schema_free(b);

	a = pg();
	b = pg();
	domain(a, "code", "character varying(5)");
	domain(b, "code", "text");
	table_with(a, "t", "c", "public.code[]");
	table_with(b, "t", "c", "public.code[]");
	plan(a, b, &sql, &refused);
	assert_non_null(refused);
	assert_string_equal(refused, "domain public.code cannot be changed in place (its base type "
	                    "changes from character varying(5) to text) and column public.t.c uses it: "
	                    "PostgreSQL can only drop and create it again, which needs it unused");
	free(refused);
	sbuf_release(&sql);
	schema_free(a);
	schema_free(b);
}

static void test_pgtypes__domain_checks_are_added_not_valid_then_validated(void **state)
{
	struct schema *a = pg(), *b = pg();
	struct schema_pgtype *t;
	struct schema_check *k;
	struct sbuf sql = SBUF_INIT;
	char *refused;

	(void)state;
	t = domain(a, "posint", "integer");
	assert_non_null(pgtype_add_check(t, "gone", "VALUE <> 9"));
	t = domain(b, "posint", "integer");
	t->not_null = 1;
	assert_int_equal(schema_set_str(&t->default_sql, "1"), 0);
	assert_non_null(pgtype_add_check(t, "pos", "VALUE > 0"));
	assert_non_null(k = pgtype_add_check(t, "later", "VALUE < 100"));
	k->not_valid = 1;
	plan(a, b, &sql, &refused);
	assert_null(refused);
	at(sql.buf, "ALTER DOMAIN public.posint DROP CONSTRAINT gone;\n");
	at(sql.buf, "ALTER DOMAIN public.posint SET DEFAULT 1;\n");
	at(sql.buf, "ALTER DOMAIN public.posint SET NOT NULL;\n");
	at(sql.buf, "ALTER DOMAIN public.posint ADD CONSTRAINT pos CHECK (VALUE > 0) NOT VALID;\n"
	            "ALTER DOMAIN public.posint VALIDATE CONSTRAINT pos;\n");
	at(sql.buf, "ALTER DOMAIN public.posint ADD CONSTRAINT later CHECK (VALUE < 100) NOT VALID;\n");
	assert_null(strstr(sql.buf, "VALIDATE CONSTRAINT later"));
	sbuf_release(&sql);
	schema_free(a);
	schema_free(b);
}

static void test_pgtypes__composite_attributes_change_in_one_alter_while_used(void **state)
{
	struct schema *a = pg(), *b = pg();
	struct schema_pgtype *t;
	struct sbuf sql = SBUF_INIT;
	char *refused;

	(void)state;
	t = schema_add_pgtype(a, "public", "pair", SCHEMA_PGTYPE_COMPOSITE);
	assert_non_null(pgtype_add_attr(t, "x", "integer"));
	assert_non_null(pgtype_add_attr(t, "y", "text"));
	t = schema_add_pgtype(b, "public", "pair", SCHEMA_PGTYPE_COMPOSITE);
	assert_non_null(pgtype_add_attr(t, "x", "integer"));
	assert_non_null(pgtype_add_attr(t, "z", "numeric"));
	table_with(a, "t", "p", "public.pair");
	table_with(b, "t", "p", "public.pair");
	plan(a, b, &sql, &refused);
	assert_null(refused);
	assert_string_equal(sql.buf, "ALTER TYPE public.pair\n    DROP ATTRIBUTE y,\n"
	                             "    ADD ATTRIBUTE z numeric;\n");
	sbuf_release(&sql);
	/* an attribute that changes type cannot be, while a column uses it */
	schema_set_str(&t->attrs[0].type, "bigint");
	plan(a, b, &sql, &refused);
	assert_non_null(refused);
	at(refused, "composite type public.pair cannot be changed in place (attribute x changes type)");
	free(refused);
	sbuf_release(&sql);
	schema_free(a);
	schema_free(b);
}

static void test_pgtypes__a_changed_exclude_is_dropped_first_and_added_last(void **state)
{
	struct schema *a = pg(), *b = pg();
	struct sbuf sql = SBUF_INIT;
	char *refused;

	(void)state;
	table_with(a, "t", "r", "int4range");
	table_with(b, "t", "r", "int4range");
	assert_non_null(schema_add_exclude(a, "public", "t", "t_r_excl", "EXCLUDE USING gist (r WITH &&)"));
	assert_non_null(schema_add_exclude(b, "public", "t", "t_r_excl",
	                                   "EXCLUDE USING gist (r WITH &&) WHERE (id > 0)"));
	assert_non_null(table_add_column(b->tables[0], "n", "integer"));
	plan(a, b, &sql, &refused);
	assert_null(refused);
	assert_true(at(sql.buf, "ALTER TABLE public.t DROP CONSTRAINT t_r_excl;") <
	            at(sql.buf, "ADD COLUMN n integer"));
	assert_true(at(sql.buf, "ADD COLUMN n integer") <
	            at(sql.buf, "ALTER TABLE public.t ADD CONSTRAINT t_r_excl EXCLUDE USING gist (r WITH &&) "
	                        "WHERE (id > 0);"));
	sbuf_release(&sql);
	/* the same text: nothing */
	schema_set_str(&a->excludes[0]->def, b->excludes[0]->def);
	table_add_column(a->tables[0], "n", "integer");
	plan(a, b, &sql, &refused);
	assert_null(refused);
	assert_string_equal(sql.buf, "");
	sbuf_release(&sql);
	schema_free(a);
	schema_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pgtypes__a_type_name_matches_its_arrays_only),
		cmocka_unit_test(test_pgtypes__types_are_made_in_dependency_order_before_the_tables),
		cmocka_unit_test(test_pgtypes__a_base_type_change_remakes_an_unused_domain_and_refuses_a_used_one),
		cmocka_unit_test(test_pgtypes__domain_checks_are_added_not_valid_then_validated),
		cmocka_unit_test(test_pgtypes__composite_attributes_change_in_one_alter_while_used),
		cmocka_unit_test(test_pgtypes__a_changed_exclude_is_dropped_first_and_added_last),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
