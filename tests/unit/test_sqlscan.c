/*
 * test_sqlscan.c: the SQL scanner (lib/sqlscan.c) by SQLite's and by
 * PostgreSQL's rules, and the splitters built on it (split_sqlite.c,
 * split_pg.c's fallback).
 *
 * Each case writes the token stream as text (KIND:bytes, one blank
 * between) and compares it whole, so a token that ends one byte early or
 * late fails. Quoting is where the engines part: SQLite's [names] and
 * `names`, PostgreSQL's E'' escapes, $tag$ quotes and nesting comments;
 * unterminated strings, names and comments run to the end of the text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "sqlscan.h"

static const char *const kind[] = {
	"END", "WORD", "QUOTED", "STRING", "NUMBER", "VAR", "(", ")", ",", ";", ".", "OP", "_", "C",
};

/* The tokens of sql, every one (blanks and comments too), as text. */
static char *scan(enum sqlscan_dialect d, const char *sql)
{
	static char out[4096];
	struct sqlscan_tok t;
	size_t pos = 0, len = strlen(sql), prev = 0;
	struct sbuf sb = SBUF_INIT;

	for (;;) {
		sqlscan_next(d, sql, len, &pos, &t);
		assert_int_equal(t.start, prev);         /* no byte skipped */
		assert_int_equal(pos, t.start + t.len);
		if (t.type == SQLTK_END)
			break;
		assert_true(t.len > 0);
		if (sb.len)
			sbuf_addc(&sb, ' ');
		sbuf_adds(&sb, kind[t.type]);
		if (t.type != SQLTK_SPACE && t.type != SQLTK_SEMI && t.type != SQLTK_COMMA &&
		    t.type != SQLTK_LPAREN && t.type != SQLTK_RPAREN && t.type != SQLTK_DOT) {
			sbuf_addc(&sb, ':');
			sbuf_add(&sb, sql + t.start, t.len);
		}
		prev = pos;
	}
	assert_int_equal(t.start, len);
	assert_false(sbuf_failed(&sb));
	assert_true(sb.len < sizeof out);
	memcpy(out, sb.buf, sb.len + 1);
	sbuf_release(&sb);
	return out;
}

#define assert_scan(d, sql, want) assert_string_equal(scan(d, sql), want)

/* ---- SQLite ---------------------------------------------------------------- */

static void test_sqlscan__sqlite_every_token_kind(void **state)
{
	(void)state;
	assert_scan(SQLSCAN_SQLITE, "SELECT a.b, x'0A', 1.5e+3, .5 FROM t;",
	            "WORD:SELECT _ WORD:a . WORD:b , _ STRING:x'0A' , _ NUMBER:1.5e+3 , _ "
	            "NUMBER:.5 _ WORD:FROM _ WORD:t ;");
	assert_scan(SQLSCAN_SQLITE, "f(?1,:n,@v,$d,?)",
	            "WORD:f ( VAR:?1 , VAR::n , VAR:@v , VAR:$d , VAR:? )");
	assert_scan(SQLSCAN_SQLITE, "a||b<>c->>'k'!=d::int",
	            "WORD:a OP:|| WORD:b OP:<> WORD:c OP:->> STRING:'k' OP:!= WORD:d OP::: WORD:int");
	assert_scan(SQLSCAN_SQLITE, "a$b _c \xC3\xA9t\xC3\xA9 1x",
	            "WORD:a$b _ WORD:_c _ WORD:\xC3\xA9t\xC3\xA9 _ NUMBER:1x");
}

static void test_sqlscan__sqlite_quotes(void **state)
{
	(void)state;
	assert_scan(SQLSCAN_SQLITE, "'it''s' \"a\"\"b\" `c``d` [e]",
	            "STRING:'it''s' _ QUOTED:\"a\"\"b\" _ QUOTED:`c``d` _ QUOTED:[e]");
	/* ] is not doubled inside [ ]; a backslash escapes nothing */
	assert_scan(SQLSCAN_SQLITE, "[a]]b", "QUOTED:[a] OP:] WORD:b");
	assert_scan(SQLSCAN_SQLITE, "'a\\' 'b'", "STRING:'a\\' _ STRING:'b'");
	assert_scan(SQLSCAN_SQLITE, "E'a\\'b", "STRING:E'a\\' WORD:b");
	/* semicolons and comment marks inside quotes are text */
	assert_scan(SQLSCAN_SQLITE, "'--;' \"/*\" [;]", "STRING:'--;' _ QUOTED:\"/*\" _ QUOTED:[;]");
	/* $ is a variable, never a dollar quote */
	assert_scan(SQLSCAN_SQLITE, "$$a;$$", "VAR:$$a ; VAR:$$");
}

static void test_sqlscan__sqlite_comments(void **state)
{
	(void)state;
	assert_scan(SQLSCAN_SQLITE, "a -- b;\nc", "WORD:a _ C:-- b; _ WORD:c");
	/* block comments do not nest */
	assert_scan(SQLSCAN_SQLITE, "/* a /* b */ c */",
	            "C:/* a /* b */ _ WORD:c _ OP:* OP:/");
	assert_scan(SQLSCAN_SQLITE, "a--b", "WORD:a C:--b");
	/* 1e-- is a number and a comment, as SQLite reads it */
	assert_scan(SQLSCAN_SQLITE, "1e--x\n1e-5 1e-x", "NUMBER:1e C:--x _ NUMBER:1e-5 _ NUMBER:1e-x");
	/* SQLite takes no vertical tab for white space */
	assert_scan(SQLSCAN_SQLITE, "a\v\f\r\t b", "WORD:a OP:\v _ WORD:b");
}

static void test_sqlscan__sqlite_unterminated_runs_to_the_end(void **state)
{
	(void)state;
	assert_scan(SQLSCAN_SQLITE, "a 'b;c", "WORD:a _ STRING:'b;c");
	assert_scan(SQLSCAN_SQLITE, "a \"b", "WORD:a _ QUOTED:\"b");
	assert_scan(SQLSCAN_SQLITE, "a `b", "WORD:a _ QUOTED:`b");
	assert_scan(SQLSCAN_SQLITE, "a [b;", "WORD:a _ QUOTED:[b;");
	assert_scan(SQLSCAN_SQLITE, "a /* b;*", "WORD:a _ C:/* b;*");
	assert_scan(SQLSCAN_SQLITE, "a -- b", "WORD:a _ C:-- b");
	assert_scan(SQLSCAN_SQLITE, "x'ab", "STRING:x'ab");
	assert_scan(SQLSCAN_SQLITE, "'", "STRING:'");
	assert_scan(SQLSCAN_SQLITE, "/*", "C:/*");
	assert_scan(SQLSCAN_SQLITE, "", "");
}

/* ---- PostgreSQL ------------------------------------------------------------ */

static void test_sqlscan__pg_every_token_kind(void **state)
{
	(void)state;
	assert_scan(SQLSCAN_PG, "SELECT $1, a[2], x::int, B'01' FROM s.t;",
	            "WORD:SELECT _ VAR:$1 , _ WORD:a OP:[ NUMBER:2 OP:] , _ WORD:x OP::: WORD:int , _ "
	            "STRING:B'01' _ WORD:FROM _ WORD:s . WORD:t ;");
	/* operators are runs, cut where a comment starts */
	assert_scan(SQLSCAN_PG, "a@>b <-> c+--d\n|/*e*/",
	            "WORD:a OP:@> WORD:b _ OP:<-> _ WORD:c OP:+ C:--d _ OP:| C:/*e*/");
	/* ` and ? are operator characters, : alone punctuation */
	assert_scan(SQLSCAN_PG, "`a` ?| :b", "OP:` WORD:a OP:` _ OP:?| _ OP:: WORD:b");
}

static void test_sqlscan__pg_quotes(void **state)
{
	(void)state;
	assert_scan(SQLSCAN_PG, "'it''s' \"a\"\"b\"", "STRING:'it''s' _ QUOTED:\"a\"\"b\"");
	/* a backslash escapes only in E'' */
	assert_scan(SQLSCAN_PG, "E'a\\'b' 'c\\' e'\\\\'",
	            "STRING:E'a\\'b' _ STRING:'c\\' _ STRING:e'\\\\'");
	/* a word ending in e is no E prefix */
	assert_scan(SQLSCAN_PG, "the'a\\' x", "WORD:the STRING:'a\\' _ WORD:x");
	assert_scan(SQLSCAN_PG, "$$a;'b$$ $t1$ $$ ; $t1$",
	            "STRING:$$a;'b$$ _ STRING:$t1$ $$ ; $t1$");
	/* $ inside a word, or $ and a digit, opens no quote */
	assert_scan(SQLSCAN_PG, "a$$b $1$$ $2x",
	            "WORD:a$$b _ VAR:$1$$ _ VAR:$2x");
	assert_scan(SQLSCAN_PG, "$1a$ $", "VAR:$1a$ _ OP:$");
	/* a number takes no $ that may open a quote, nor a sign before no digit */
	assert_scan(SQLSCAN_PG, "1.$$a$$ 1e-$$b$$ 1e-5 2x$",
	            "NUMBER:1. STRING:$$a$$ _ NUMBER:1e OP:- STRING:$$b$$ _ NUMBER:1e-5 _ NUMBER:2x$");
}

static void test_sqlscan__pg_comments_nest(void **state)
{
	(void)state;
	assert_scan(SQLSCAN_PG, "/* a /* b; */ c */ d", "C:/* a /* b; */ c */ _ WORD:d");
	assert_scan(SQLSCAN_PG, "a\v\fb", "WORD:a _ WORD:b");
	assert_scan(SQLSCAN_PG, "x-- y\n", "WORD:x C:-- y _");
}

static void test_sqlscan__pg_unterminated_runs_to_the_end(void **state)
{
	(void)state;
	assert_scan(SQLSCAN_PG, "a $$b;", "WORD:a _ STRING:$$b;");
	assert_scan(SQLSCAN_PG, "a $q$b$q", "WORD:a _ STRING:$q$b$q");
	assert_scan(SQLSCAN_PG, "a E'b\\'", "WORD:a _ STRING:E'b\\'");
	assert_scan(SQLSCAN_PG, "a 'b", "WORD:a _ STRING:'b");
	assert_scan(SQLSCAN_PG, "a \"b", "WORD:a _ QUOTED:\"b");
	assert_scan(SQLSCAN_PG, "a /* /* */ b", "WORD:a _ C:/* /* */ b");
	assert_scan(SQLSCAN_PG, "E'\\", "STRING:E'\\");
}

/* ---- helpers --------------------------------------------------------------- */

static void test_sqlscan__token_skips_blanks_and_comments(void **state)
{
	const char *sql = " -- a\n /* b /* c */ d */ x";
	struct sqlscan_tok t;
	size_t pos = 0;

	(void)state;
	sqlscan_token(SQLSCAN_PG, sql, strlen(sql), &pos, &t);
	assert_int_equal(t.type, SQLTK_WORD);
	assert_int_equal(t.start, strlen(sql) - 1);
	pos = 0;
	sqlscan_token(SQLSCAN_SQLITE, sql, strlen(sql), &pos, &t);
	assert_int_equal(t.type, SQLTK_WORD); /* d: the comment ended at the first */
	assert_int_equal(t.start, strlen(sql) - 6);
	assert_int_equal(sqlscan_skip_blank(SQLSCAN_PG, sql, 0, 4), 4);   /* stops at end */
	assert_int_equal(sqlscan_skip_blank(SQLSCAN_PG, "  ", 0, 2), 2);
}

static void test_sqlscan__ends_with_word(void **state)
{
	static const struct { const char *sql; int want; } cases[] = {
		{ "END", 1 }, { "end", 1 }, { "x.END", 1 }, { "@END", 1 }, { ":a:End", 1 },
		{ "1.END", 1 }, { "$END", 0 }, { "BEND", 0 }, { "ENDS", 0 }, { "EN", 0 }, { "x_END", 0 },
	};
	struct sqlscan_tok t;
	size_t i, pos;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *s = cases[i].sql;
		/* the last token */
		pos = 0;
		do
			sqlscan_token(SQLSCAN_SQLITE, s, strlen(s), &pos, &t);
		while (pos < strlen(s));
		assert_int_equal(sqlscan_ends_with_word(s, &t, "END"), cases[i].want);
	}
}

static void test_sqlscan__utf8_bytes_counts_characters(void **state)
{
	(void)state;
	assert_int_equal(sqlscan_utf8_bytes("h\xC3\xA9llo", 6, 2), 3);
	assert_int_equal(sqlscan_utf8_bytes("h\xC3\xA9llo", 6, 99), 6);
	assert_int_equal(sqlscan_utf8_bytes("abc", 3, 0), 0);
}

/* ---- splitters ------------------------------------------------------------- */

static void check_split(int pg, const char *sql, const char *const *want, size_t n)
{
	struct drv_stmts st;
	struct drv_err err;
	size_t i;

	drv_err_init(&err);
	assert_int_equal(pg ? split_pg_fallback(sql, &st) : split_sqlite(sql, &st, &err), 0);
	for (i = 0; i < st.n && i < n; i++) {
		char got[512];
		assert_true(st.v[i].len < sizeof got);
		memcpy(got, sql + st.v[i].offset, st.v[i].len);
		got[st.v[i].len] = '\0';
		assert_string_equal(got, want[i]);
	}
	assert_int_equal(st.n, n);
	drv_stmts_release(&st);
	drv_err_release(&err);
}

static void test_sqlscan__sqlite_split_keeps_trigger_bodies_whole(void **state)
{
	static const char sql[] =
		"CREATE TABLE t(a);\n"
		"CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
		"  UPDATE t SET a = 1; -- END;\n"
		"  SELECT 'END;', [END;];\n"
		"END;\n"
		"INSERT INTO t VALUES ('x;y')";
	static const char *const want[] = {
		"CREATE TABLE t(a);",
		"CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
		"  UPDATE t SET a = 1; -- END;\n"
		"  SELECT 'END;', [END;];\n"
		"END;",
		"INSERT INTO t VALUES ('x;y')",
	};

	(void)state;
	check_split(0, sql, want, 3);
}

static void test_sqlscan__sqlite_split_skips_quotes_and_comments(void **state)
{
	static const char sql[] =
		"  -- first\n/* a; */ SELECT \"a;b\", [c;d], `e;f`, 'g;h' -- ;\n;"
		" ;; /* ; */ SELECT 2 /* unterminated ;";
	static const char *const want[] = {
		"SELECT \"a;b\", [c;d], `e;f`, 'g;h' -- ;\n;",
		"SELECT 2 /* unterminated ;",
	};

	(void)state;
	check_split(0, sql, want, 2);
	check_split(0, "  ; -- only\n /* blank */", NULL, 0);
	{
		static const char *const w2[] = { "SELECT 1;", "SELECT 'abc;" };
		check_split(0, "SELECT 1; SELECT 'abc;", w2, 2);
	}
}

static void test_sqlscan__sqlite_split_names_what_needs_no_transaction(void **state)
{
	static const char sql[] = "PRAGMA journal_mode=WAL; VACUUM; SELECT 1; PRAGMA foreign_keys";
	struct drv_stmts st;
	struct drv_err err;

	(void)state;
	drv_err_init(&err);
	assert_int_equal(split_sqlite(sql, &st, &err), 0);
	assert_int_equal(st.n, 4);
	assert_non_null(st.v[0].no_tx);
	assert_string_equal(st.v[1].no_tx, "VACUUM");
	assert_null(st.v[2].no_tx);
	assert_null(st.v[3].no_tx); /* reading a setting is harmless */
	drv_stmts_release(&st);
	drv_err_release(&err);
}

static void test_sqlscan__pg_fallback_split_follows_pg_quoting(void **state)
{
	static const char sql[] =
		"SELECT 1; SELEC 'a;b' ; DO $$ BEGIN; END $$;\n"
		"SELECT E'\\';' ; /* ; /* ; */ ; */ SELECT \"x;\" ; [a;b]";
	static const char *const want[] = {
		"SELECT 1",
		"SELEC 'a;b'",
		"DO $$ BEGIN; END $$",
		"SELECT E'\\';'",
		"SELECT \"x;\"",
		"[a",
		"b]",
	};

	(void)state;
	check_split(1, sql, want, 7);
	{
		/* an unterminated string is still a statement, to report */
		static const char *const w2[] = { "SELECT 1", "SELECT 'abc;" };
		check_split(1, "SELECT 1; SELECT 'abc;", w2, 2);
	}
	check_split(1, " ; -- x\n ;", NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlscan__sqlite_every_token_kind),
		cmocka_unit_test(test_sqlscan__sqlite_quotes),
		cmocka_unit_test(test_sqlscan__sqlite_comments),
		cmocka_unit_test(test_sqlscan__sqlite_unterminated_runs_to_the_end),
		cmocka_unit_test(test_sqlscan__pg_every_token_kind),
		cmocka_unit_test(test_sqlscan__pg_quotes),
		cmocka_unit_test(test_sqlscan__pg_comments_nest),
		cmocka_unit_test(test_sqlscan__pg_unterminated_runs_to_the_end),
		cmocka_unit_test(test_sqlscan__token_skips_blanks_and_comments),
		cmocka_unit_test(test_sqlscan__ends_with_word),
		cmocka_unit_test(test_sqlscan__utf8_bytes_counts_characters),
		cmocka_unit_test(test_sqlscan__sqlite_split_keeps_trigger_bodies_whole),
		cmocka_unit_test(test_sqlscan__sqlite_split_skips_quotes_and_comments),
		cmocka_unit_test(test_sqlscan__sqlite_split_names_what_needs_no_transaction),
		cmocka_unit_test(test_sqlscan__pg_fallback_split_follows_pg_quoting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
