/*
 * split_sqlite.c: SQLite scripts cut into statements (drv_sqlite.split).
 *
 * The scanner (sqlscan.c, SQLite's rules) finds the semicolons outside
 * strings, quoted names and comments; sqlite3_complete() decides whether
 * one ends the statement, which only matters inside CREATE TRIGGER's
 * BEGIN ... END. Each statement is then named when it cannot run inside
 * strata's transaction (PRAGMA journal_mode, VACUUM, BEGIN ...).
 */
#include "driver.h"
#include "sqlscan.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Is the statement's first word w? */
static int first_word(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);

	return len >= n && strncasecmp(s, w, n) == 0 &&
	       (len == n || !(((s[n] | 32) >= 'a' && (s[n] | 32) <= 'z') || s[n] == '_'));
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int word_char(char c)
{
	return ((c | 32) >= 'a' && (c | 32) <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/*
 * The PRAGMAs that do not do their work inside a transaction: SQLite
 * ignores a change of journal_mode or foreign_keys there (the statement
 * succeeds, nothing changes), page_size and auto_vacuum only change at a
 * VACUUM (which cannot run in one), synchronous refuses ("Safety level may
 * not be changed inside a transaction") and wal_checkpoint finds the
 * database locked. Reading a setting (no "=" or "(") is harmless.
 */
static const char *pragma_reason(const char *s, size_t len)
{
	static const struct { const char *name, *why; int any; } pragmas[] = {
		{ "journal_mode", "PRAGMA journal_mode (ignored inside a transaction)", 0 },
		{ "foreign_keys", "PRAGMA foreign_keys (a no-op inside a transaction)", 0 },
		{ "synchronous", "PRAGMA synchronous", 0 },
		{ "page_size", "PRAGMA page_size (takes effect at a VACUUM)", 0 },
		{ "auto_vacuum", "PRAGMA auto_vacuum (takes effect at a VACUUM)", 0 },
		{ "wal_checkpoint", "PRAGMA wal_checkpoint", 1 },
	};
	const char *p = s + 6, *e = s + len, *name;
	size_t nl, k;

	while (p < e && is_ws(*p))
		p++;
	name = p;
	while (p < e && word_char(*p))
		p++;
	if (p < e && *p == '.') {   /* schema.pragma */
		name = ++p;
		while (p < e && word_char(*p))
			p++;
	}
	nl = (size_t)(p - name);
	while (p < e && is_ws(*p))
		p++;
	for (k = 0; k < sizeof pragmas / sizeof *pragmas; k++)
		if (nl == strlen(pragmas[k].name) && strncasecmp(name, pragmas[k].name, nl) == 0 &&
		    (pragmas[k].any || (p < e && (*p == '=' || *p == '('))))
			return pragmas[k].why;
	return NULL;
}

/* Why a statement cannot run inside strata's transaction, or NULL. */
static const char *no_tx_reason(const char *s, size_t len)
{
	if (first_word(s, len, "PRAGMA"))
		return pragma_reason(s, len);
	if (first_word(s, len, "VACUUM"))
		return "VACUUM";
	if (first_word(s, len, "BEGIN") || first_word(s, len, "COMMIT") || first_word(s, len, "END"))
		return "transaction control (BEGIN/COMMIT)";
	if (first_word(s, len, "ROLLBACK")) {
		/* ROLLBACK TO a savepoint is fine inside a transaction */
		const char *p = s + 8, *e = s + len;
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			p++;
		if (first_word(p, (size_t)(e - p), "TO"))
			return NULL;
		if (first_word(p, (size_t)(e - p), "TRANSACTION")) {
			p += 11;
			while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
				p++;
			if (first_word(p, (size_t)(e - p), "TO"))
				return NULL;
		}
		return "transaction control (BEGIN/COMMIT)";
	}
	return NULL;
}

/*
 * sqlite3_complete() knows where a statement ends (CREATE TRIGGER bodies
 * included); we ask it on the text of the current statement only, and only
 * where it could say yes: its state machine ends a statement that does not
 * start with CREATE or EXPLAIN at the first semicolon, and a trigger only at
 * "END ;", END being a word in its own crude tokenizer (so `x.END` and
 * `@END` count, which sqlscan_ends_with_word() matches). Asking at every
 * semicolon of a long trigger was quadratic.
 */
int split_sqlite(const char *sql, struct drv_stmts *out, struct drv_err *err)
{
	size_t n = strlen(sql), start = 0, pos = 0, alloc = 0, stop, s;
	struct sbuf cur = SBUF_INIT;
	struct sqlscan_tok t;
	/* Of the current statement: its first word is CREATE or EXPLAIN (-1:
	 * no token yet), semicolons seen, the last token ended with the word END. */
	int creates = -1, semis = 0, after_end = 0, end;

	out->n = 0;
	out->v = NULL;
	for (;;) {
		sqlscan_next(SQLSCAN_SQLITE, sql, n, &pos, &t);
		if (t.type == SQLTK_SPACE || t.type == SQLTK_COMMENT)
			continue;
		if (t.type != SQLTK_SEMI && t.type != SQLTK_END) {
			if (creates < 0)
				creates = t.type == SQLTK_WORD &&
				          ((t.len == 6 && strncasecmp(sql + t.start, "CREATE", 6) == 0) ||
				           (t.len == 7 && strncasecmp(sql + t.start, "EXPLAIN", 7) == 0));
			after_end = (t.type == SQLTK_WORD || t.type == SQLTK_NUMBER ||
			             t.type == SQLTK_VARIABLE) && sqlscan_ends_with_word(sql, &t, "END");
			continue;
		}
		end = 0;
		if (t.type == SQLTK_END || creates <= 0) {
			end = 1;
		} else if (semis++ == 0 || after_end) {
			sbuf_reset(&cur);
			sbuf_add(&cur, sql + start, t.start + 1 - start);
			if (sbuf_failed(&cur))
				goto nomem;
			end = sqlite3_complete(cur.buf);
		}
		after_end = 0;
		if (!end)
			continue;
		stop = t.start; /* the semicolon, or the end of the text */
		s = sqlscan_skip_blank(SQLSCAN_SQLITE, sql, start, stop);
		if (s < stop) {
			struct drv_stmt *st;
			if (out->n == alloc) {
				size_t na = alloc ? 2 * alloc : 16;
				struct drv_stmt *nv = realloc(out->v, na * sizeof *nv);
				if (!nv)
					goto nomem;
				out->v = nv;
				alloc = na;
			}
			st = &out->v[out->n++];
			st->offset = s;
			st->len = (t.type == SQLTK_SEMI ? stop + 1 : n) - s;
			st->no_tx = no_tx_reason(sql + s, st->len);
			st->copy = NULL;
		}
		if (t.type == SQLTK_END)
			break;
		start = stop + 1;
		creates = -1;
		semis = 0;
	}
	sbuf_release(&cur);
	return 0;
nomem:
	sbuf_release(&cur);
	drv_stmts_release(out);
	drv_err_set(err, STRATA_ENOMEM, "out of memory");
	return STRATA_ENOMEM;
}
