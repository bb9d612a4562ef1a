/*
 * test_schema_json.c: JSON desired-state sources (lib/schema_json.c): the
 * SQL a resource definition becomes on each engine (docs/schema-json.md's
 * type table), and the one-line errors, naming file and JSON path, that
 * every mistake gets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "schema_source.h"
#include "strata.h"

/* The SQL of one document on engine, or the error; the caller frees. */
static int convert(const char *json, int engine, char **out)
{
	struct schema_json_file f = { "meta/t.json", json, strlen(json) };
	struct sbuf sql = SBUF_INIT, err = SBUF_INIT;
	int rc = schema_json_sql(&f, 1, engine, &sql, &err);

	*out = rc ? sbuf_detach(&err) : sbuf_detach(&sql);
	sbuf_release(&sql);
	sbuf_release(&err);
	return rc;
}

static void expect_error(const char *json, const char *msg)
{
	char *out = NULL;

	assert_int_equal(convert(json, SCHEMA_SQLITE, &out), STRATA_EPARSE);
	assert_non_null(out);
	if (!strstr(out, msg))
		fail_msg("'%s' does not hold '%s'", out, msg);
	free(out);
}

static void test_schema_json__types_map_per_engine(void **state)
{
	const char *doc = "{\"name\": \"t\", \"fields\": {\"id\": {\"type\": \"uuid\", \"primary\": true},"
	                  " \"at\": \"datetime\", \"ok\": {\"type\": \"boolean\", \"default\": true},"
	                  " \"doc\": \"json\", \"n\": \"real\"}}";
	char *out;
	(void)state;

	assert_int_equal(convert(doc, SCHEMA_SQLITE, &out), 0);
	assert_non_null(strstr(out, "id TEXT PRIMARY KEY NOT NULL"));
	assert_non_null(strstr(out, "at TEXT,"));
	assert_non_null(strstr(out, "ok INTEGER DEFAULT 1"));
	assert_non_null(strstr(out, "n REAL"));
	free(out);
	assert_int_equal(convert(doc, SCHEMA_PG, &out), 0);
	assert_non_null(strstr(out, "id uuid PRIMARY KEY NOT NULL"));
	assert_non_null(strstr(out, "at timestamp with time zone,"));
	assert_non_null(strstr(out, "ok boolean DEFAULT true"));
	assert_non_null(strstr(out, "doc jsonb"));
	assert_non_null(strstr(out, "n double precision"));
	free(out);
}

static void test_schema_json__fields_keep_file_order(void **state)
{
	char *out;
	(void)state;

	assert_int_equal(convert("{\"name\": \"t\", \"fields\": {\"zeta\": \"text\", \"alpha\": \"text\"}}",
	                         SCHEMA_SQLITE, &out), 0);
	assert_true(strstr(out, "zeta") < strstr(out, "alpha"));
	free(out);
}

static void test_schema_json__strings_are_quoted_names_and_literals(void **state)
{
	char *out;
	(void)state;

	assert_int_equal(convert("{\"name\": \"we\\\"ird\", \"fields\": {\"a\": {\"type\": \"text\","
	                         " \"default\": \"it's\"}}}", SCHEMA_SQLITE, &out), 0);
	assert_non_null(strstr(out, "CREATE TABLE \"we\"\"ird\""));
	assert_non_null(strstr(out, "DEFAULT 'it''s'"));
	free(out);
}

static void test_schema_json__every_mistake_names_file_and_path(void **state)
{
	(void)state;
	expect_error("{\"name\": \"t\", \"fields\": {\"a\": {\"type\": \"strin\"}}}",
	             "meta/t.json: $.fields.a.type: unknown type 'strin'");
	expect_error("{\"name\": \"t\", \"fields\": {\"a\": \"text\"}, \"colour\": 1}",
	             "meta/t.json: $.colour: unknown key");
	expect_error("{\"name\": \"t\", \"fields\": {\"a\": {\"type\": \"text\", \"references\": \"u.id\"}}}",
	             "meta/t.json: $.fields.a.references: no table 'u' is defined");
	expect_error("{\"name\": \"t\", \"fields\": {\"a\": {\"type\": \"text\", \"references\": \"t.b\"}}}",
	             "$.fields.a.references: table 't' has no field 'b'");
	expect_error("{\"name\": \"t\", \"fields\": {\"a\": \"text\", \"A\": \"text\"}}",
	             "$.fields.A: a second field named 'A' (as 'a')");
	expect_error("{\"name\": \"t\", \"fields\": {\"a\": \"text\"}, \"checks\": [\"a); DROP TABLE x; --\"]}",
	             "$.checks[0]: ");
	expect_error("{\"name\": \"t\", \"fields\": {}}", "$.fields: an object of fields");
	expect_error("{\"name\": \"t\", \"fields\": {\"a\": {\"type\": \"text\", \"primary\": true, "
	             "\"autoIncrement\": true}}}", "$.fields.a.autoIncrement: only an integer primary");
	expect_error("{\"name\": \"t\", \"fields\": {\"a\": \"text\"}, \"indexes\": [{\"name\": \"T\", "
	             "\"fields\": [\"a\"]}]}",
	             "$.indexes[0]: the name 'T' is used twice (also by a table in meta/t.json)");
	expect_error("{\"name\": 1, \"fields\": {\"a\": \"text\"}}", "$.name: a string was expected");
	expect_error("{\"name\": \"t\", \"name\": \"u\"}", "meta/t.json:1:");
	expect_error("[1, 2", "meta/t.json:1:");
	expect_error("{\"a b\": 1, \"name\": \"t\", \"fields\": {\"a\": \"text\"}}",
	             "$[\"a b\"]: unknown key");
}

static void test_schema_json__a_model_of_the_other_engine_is_refused(void **state)
{
	char *out;
	(void)state;

	assert_int_equal(convert("{\"engine\": \"postgres\", \"tables\": []}", SCHEMA_SQLITE, &out),
	                 STRATA_EPARSE);
	assert_string_equal(out, "meta/t.json: $.engine: a postgres model cannot be compared on sqlite");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_json__types_map_per_engine),
		cmocka_unit_test(test_schema_json__fields_keep_file_order),
		cmocka_unit_test(test_schema_json__strings_are_quoted_names_and_literals),
		cmocka_unit_test(test_schema_json__every_mistake_names_file_and_path),
		cmocka_unit_test(test_schema_json__a_model_of_the_other_engine_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
