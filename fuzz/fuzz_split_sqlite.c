/*
 * fuzz_split_sqlite.c: the SQLite statement splitter (drv_sqlite.split,
 * split_sqlite() in lib/split_sqlite.c, on the scanner lib/sqlscan.c) on
 * arbitrary text.
 *
 * Promises checked beyond memory safety: the split succeeds (only memory
 * can fail it); statements are in order, do not overlap, lie inside the
 * text, are not empty and start at a token (not at blank or a comment).
 * And nothing is lost: SQLite itself (sqlite3_prepare_v2 on an in-memory
 * database) must find no statement in the text between and after the
 * statements, only blanks, comments and semicolons.
 */
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "driver.h"
#include "fuzz.h"

static sqlite3 *mem;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sqlite3_open(":memory:", &mem) != SQLITE_OK)
		abort();
	return 0;
}

/* 1 when SQLite finds nothing but blanks, comments and ';' in s[0..n). */
static int only_blank(const char *s, size_t n)
{
	char *t = malloc(n + 1);
	const char *p, *tail;
	int ok = 1;

	if (!t)
		abort();
	memcpy(t, s, n);
	t[n] = '\0';
	for (p = t; *p; p = tail) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(mem, p, -1, &st, &tail);
		if (st) {
			sqlite3_finalize(st);
			ok = 0;
			break;
		}
		if (rc != SQLITE_OK) {
			/* An error means SQLite saw a token: a statement was there. */
			ok = 0;
			break;
		}
		if (!tail || tail == p)
			break;
	}
	free(t);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sql = fuzz_cstr(data, size);
	size_t n = strlen(sql), i, prev_end = 0;
	struct drv_stmts st;
	struct drv_err err;
	int rc;

	drv_err_init(&err);
	rc = drv_split(&drv_sqlite, sql, &st, &err);
	FUZZ_CHECK(rc == 0 || rc == STRATA_ENOMEM, "split failed with %d: %s", rc, err.msg.buf);
	for (i = 0; rc == 0 && i < st.n; i++) {
		const struct drv_stmt *s = &st.v[i];
		char c;
		FUZZ_CHECK(s->offset >= prev_end, "statement %zu starts at %zu, before %zu", i,
		           s->offset, prev_end);
		FUZZ_CHECK(s->len > 0 && s->offset + s->len <= n, "statement %zu: %zu+%zu of %zu", i,
		           s->offset, s->len, n);
		c = sql[s->offset];
		FUZZ_CHECK(c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f',
		           "statement %zu starts with blank", i);
		FUZZ_CHECK(!(c == '-' && sql[s->offset + 1] == '-'), "statement %zu starts with a comment", i);
		FUZZ_CHECK_KNOWN("sqlite-split-lost", only_blank(sql + prev_end, s->offset - prev_end),
		                 "SQL before statement %zu (at %zu) is in no statement", i, s->offset);
		prev_end = s->offset + s->len;
	}
	/* SQLite's one quirk: "/" "*" as the very last two bytes are not an
	 * unterminated comment but two tokens (sqlite3GetToken: z[2]==0 is
	 * TK_SLASH); the splitter reads a comment. Nothing runs either way. */
	if (rc == 0)
		FUZZ_CHECK_KNOWN("sqlite-split-lost",
		                 only_blank(sql + prev_end, n - prev_end) ||
		                 (n - prev_end >= 2 && sql[n - 2] == '/' && sql[n - 1] == '*' &&
		                  only_blank(sql + prev_end, n - prev_end - 2)),
		                 "the SQL after the last statement (from %zu of %zu) is in no statement",
		                 prev_end, n);
	drv_stmts_release(&st);
	drv_err_release(&err);
	free(sql);
	return 0;
}
