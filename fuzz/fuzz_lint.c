/*
 * fuzz_lint.c: strata_lint_text() (lib/lint.c) on arbitrary bytes, with the
 * rules of both engines: the migration parser, both statement splitters,
 * libpg_query's parse tree read through jansson, the token-level reading,
 * and the lint-ignore comments.
 *
 * Promises checked beyond memory safety: the result is 0, STRATA_EPARSE or
 * STRATA_ENOMEM, and an error is one line; on success every finding has a
 * rule id, a severity, a line inside the file, and a message, statement and
 * hint of one line without control characters; the counts add up; linting
 * is deterministic.
 */
// needs: strata_lint_text
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "strata.h"

static long count_lines(const uint8_t *d, size_t n)
{
	long l = 1;
	size_t i;

	for (i = 0; i < n; i++)
		l += d[i] == '\n';
	return l;
}

static void check_text(const char *what, const char *s)
{
	FUZZ_CHECK(s != NULL, "%s is NULL", what);
	FUZZ_CHECK(!fuzz_multiline(s), "%s is more than one line: %s", what, s);
	FUZZ_CHECK(!fuzz_has_control(s), "%s shows a control character: %s", what, s);
}

static void one(const char *engine, const uint8_t *data, size_t size, long lines)
{
	strata_lint_report *r = NULL, *r2 = NULL;
	char *err = NULL, *err2 = NULL;
	size_t i, e = 0, w = 0;
	int rc, rc2;

	rc = strata_lint_text(engine, "m.sql", (const char *)data, size, &r, &err);
	FUZZ_CHECK(rc == 0 || rc == STRATA_EPARSE || rc == STRATA_ENOMEM, "%s: rc %d", engine, rc);
	if (rc) {
		FUZZ_CHECK(r == NULL, "a report after an error");
		check_text("the error", err);
	} else {
		FUZZ_CHECK(r != NULL && err == NULL, "success without a report");
		for (i = 0; i < r->n; i++) {
			const strata_lint_finding *f = &r->findings[i];
			FUZZ_CHECK(f->rule && f->rule[0], "a finding without a rule");
			FUZZ_CHECK(f->line >= 1 && f->line <= lines, "%s on line %ld of %ld", f->rule,
			           f->line, lines);
			FUZZ_CHECK(i == 0 || strcmp(f->file, r->findings[i - 1].file) != 0 ||
			           f->line >= r->findings[i - 1].line, "findings out of line order");
			check_text("a message", f->message);
			check_text("a statement", f->statement);
			check_text("a hint", f->hint);
			if (f->severity == STRATA_LINT_ERROR)
				e++;
			else if (f->severity == STRATA_LINT_WARNING)
				w++;
			else
				FUZZ_FAIL("severity %d", (int)f->severity);
		}
		FUZZ_CHECK(e == r->errors && w == r->warnings, "counts do not add up");
	}
	rc2 = strata_lint_text(engine, "m.sql", (const char *)data, size, &r2, &err2);
	FUZZ_CHECK(rc2 == rc, "second lint: rc %d, first %d", rc2, rc);
	if (!rc)
		FUZZ_CHECK(r2->n == r->n && r2->suppressed == r->suppressed, "second lint differs");
	strata_lint_report_free(r);
	strata_lint_report_free(r2);
	free(err);
	free(err2);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	/* The migration parser reads from a NUL-terminated copy, as
	 * strata_lint() gives it (util_read_file terminates). */
	uint8_t *data = malloc(size + 1);
	long lines = count_lines(in, size);

	if (!data)
		abort();
	memcpy(data, in, size);
	data[size] = '\0';
	one("postgres", data, size, lines);
	one("sqlite", data, size, lines);
	free(data);
	return 0;
}
