/*
 * fuzz_split_pg.c: the PostgreSQL statement splitter (drv_pg.split,
 * split_pg() in lib/split_pg.c: libpg_query's parser, then a parse of the
 * statements that may not run in a transaction) on arbitrary text, and the
 * scanner's split lint falls back on (split_pg_fallback(), lib/sqlscan.c's
 * PostgreSQL rules).
 *
 * Promises checked beyond memory safety: 0, STRATA_ESQL for text the
 * grammar refuses (one-line message, SQLSTATE 42601, a location inside the
 * text) or STRATA_ENOMEM; statements in order, not overlapping, inside the
 * text, not empty, starting at a token; a no_tx reason and a copy reason
 * are short static texts. The fallback: 0 or STRATA_ENOMEM, the same shape
 * of statements.
 *
 * And split_pg_keeps_data(), which lets up skip lint's destructive check:
 * a statement it clears, linted alone (where nothing run before can take a
 * finding away), has no finding of a destructive rule.
 */
// needs: drv_pg
// needs: strata_lint_text
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>

#include "driver.h"
#include "fuzz.h"
#include "internal.h"
#include "sqlscan.h"

/* The first destructive rule lint finds in stmt[0..len) alone, or NULL. */
static const char *destroys(const char *stmt, size_t len)
{
	static char rule[64];
	struct sbuf m = SBUF_INIT;
	strata_lint_report *rep = NULL;
	char *errmsg = NULL;
	size_t i;

	rule[0] = '\0';
	sbuf_adds(&m, "-- migrate:up\n");
	sbuf_add(&m, stmt, len);
	sbuf_adds(&m, "\n;\n-- migrate:down\n");
	if (!sbuf_failed(&m) && strata_lint_text("postgres", "f.sql", m.buf, m.len, &rep, &errmsg) == 0)
		for (i = 0; i < rep->n && !rule[0]; i++)
			if (lint_rule_is_destructive(rep->findings[i].rule))
				snprintf(rule, sizeof rule, "%s", rep->findings[i].rule);
	strata_lint_report_free(rep);
	free(errmsg);
	sbuf_release(&m);
	return rule[0] ? rule : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sql = fuzz_cstr(data, size);
	size_t n = strlen(sql), i, prev_end = 0;
	struct drv_stmts st;
	struct drv_err err;
	int rc;

	drv_err_init(&err);
	rc = drv_split(&drv_pg, sql, &st, &err);
	FUZZ_CHECK(rc == 0 || rc == STRATA_ESQL || rc == STRATA_ENOMEM, "rc %d: %s", rc,
	           err.msg.buf);
	if (rc == STRATA_ESQL) {
		FUZZ_CHECK(err.msg.len > 0, "a syntax error without a message");
		FUZZ_CHECK(!fuzz_multiline(err.msg.buf), "message is more than one line: %s",
		           err.msg.buf);
		FUZZ_CHECK(!fuzz_has_control(err.msg.buf), "message shows a control character: %s",
		           err.msg.buf);
		FUZZ_CHECK(err.offset >= -1 && err.offset <= (long)n, "error offset %ld of %zu",
		           err.offset, n);
		if (err.offset >= 0)
			FUZZ_CHECK(err.stmt_len >= 0 && err.offset + err.stmt_len <= (long)n,
			           "error statement %ld+%ld of %zu", err.offset, err.stmt_len, n);
		FUZZ_CHECK(st.n == 0 && st.v == NULL, "statements left after an error");
	}
	for (i = 0; rc == 0 && i < st.n; i++) {
		const struct drv_stmt *s = &st.v[i];
		FUZZ_CHECK(s->offset >= prev_end, "statement %zu starts at %zu, before %zu", i,
		           s->offset, prev_end);
		FUZZ_CHECK(s->len > 0 && s->offset + s->len <= n, "statement %zu: %zu+%zu of %zu", i,
		           s->offset, s->len, n);
		FUZZ_CHECK(!isspace((unsigned char)sql[s->offset]), "statement %zu starts with blank", i);
		FUZZ_CHECK(!isspace((unsigned char)sql[s->offset + s->len - 1]),
		           "statement %zu ends with blank", i);
		if (s->no_tx)
			FUZZ_CHECK(strlen(s->no_tx) < 80, "no_tx reason too long");
		if (s->copy)
			FUZZ_CHECK(strlen(s->copy) < 80, "copy reason too long");
		if (split_pg_keeps_data(sql + s->offset, s->len)) {
			const char *r = destroys(sql + s->offset, s->len);
			FUZZ_CHECK(!r, "statement %zu cleared as keeping data, lint says %s", i, r);
		}
		prev_end = s->offset + s->len;
	}
	drv_stmts_release(&st);
	rc = split_pg_fallback(sql, &st);
	FUZZ_CHECK(rc == 0 || rc == STRATA_ENOMEM, "fallback rc %d", rc);
	for (i = 0, prev_end = 0; rc == 0 && i < st.n; i++) {
		const struct drv_stmt *s = &st.v[i];
		FUZZ_CHECK(s->offset >= prev_end && s->len > 0 && s->offset + s->len <= n,
		           "fallback statement %zu: %zu+%zu of %zu, previous end %zu", i, s->offset,
		           s->len, n, prev_end);
		FUZZ_CHECK(!isspace((unsigned char)sql[s->offset]) &&
		           !isspace((unsigned char)sql[s->offset + s->len - 1]),
		           "fallback statement %zu not trimmed", i);
		prev_end = s->offset + s->len;
	}
	drv_stmts_release(&st);
	drv_err_release(&err);
	free(sql);
	return 0;
}
