/*
 * pgplan.h: what the unit tests of the PostgreSQL planner share (included
 * once, by each test file, after cmocka.h): an empty PostgreSQL model, the
 * up plan of a -> b, and the offset of a piece of SQL in it.
 */
#ifndef STRATA_TEST_PGPLAN_H
#define STRATA_TEST_PGPLAN_H

#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "schema.h"

static struct schema *pg(void)
{
	struct schema *s = schema_new(SCHEMA_PG);

	assert_non_null(s);
	return s;
}

/* The up plan of a -> b into sql (both sorted first); the diff's refusal,
 * if any, into *refused (to free). */
static void plan(struct schema *a, struct schema *b, struct sbuf *sql, char **refused)
{
	struct diff *d = NULL;
	int no_tx = 0;

	schema_sort(a);
	schema_sort(b);
	assert_int_equal(diff_schemas(a, b, NULL, &d), 0);
	*refused = d->refused ? strdup(d->refused) : NULL;
	if (!d->refused)
		assert_int_equal(plan_pg(d, NULL, sql, &no_tx), 0);
	diff_free(d);
}

/* Offset of needle in hay, failing when absent. */
static size_t at(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);

	if (!p)
		fail_msg("'%s' not in:\n%s", needle, hay);
	return (size_t)(p - hay);
}

#endif
