/*
 * sqlscan.h: the SQL scanner, one set of lexical rules per engine, and the
 * statement splitters built on it (split_sqlite.c, split_pg.c).
 *
 * Every piece of strata that reads SQL text below the grammar asks this
 * scanner where a string, a quoted name or a comment begins and ends: the
 * splitters that cut a migration into statements, lint's token-level
 * reading and its fallback split, and the schema model's tokenizer
 * (schema_tok_next, which diff, render and the planners read). One place
 * knows the quoting rules, so a rule fixed here is fixed everywhere.
 *
 * SQLITE: 'text' (X'blob'), "name", `name`, [name]; -- and block comments,
 * which do not nest; white space is SQLite's own (no vertical tab).
 * POSTGRES: 'text', E'text' with backslash escapes, $tag$text$tag$, "name";
 * -- and nested block comments; [ and ` are operators. On PostgreSQL the
 * real grammar (libpg_query) stays the source of truth for statement
 * boundaries; this scanner serves where it cannot (a script it refuses).
 *
 * The scanner never reads past len, never allocates and never fails: an
 * unterminated string, quoted name or comment runs to the end of the text.
 */
#ifndef STRATA_SQLSCAN_H
#define STRATA_SQLSCAN_H

#include <stddef.h>

struct drv_stmts;
struct drv_err;

enum sqlscan_dialect {
	SQLSCAN_SQLITE = 0,
	SQLSCAN_PG = 1
};

/* The order of the first twelve is schema.h's enum schema_tok_type. */
enum sqlscan_type {
	SQLTK_END = 0,
	SQLTK_WORD,      /* bare identifier or keyword */
	SQLTK_QUOTED,    /* "name"; SQLite also [name], `name` */
	SQLTK_STRING,    /* 'text', X'blob', E'', B'', N''; PostgreSQL $$text$$ */
	SQLTK_NUMBER,
	SQLTK_VARIABLE,  /* SQLite ?1 :a @a $a; PostgreSQL $1 */
	SQLTK_LPAREN,
	SQLTK_RPAREN,
	SQLTK_COMMA,
	SQLTK_SEMI,
	SQLTK_DOT,
	SQLTK_OP,        /* any other operator or punctuation */
	SQLTK_SPACE,     /* a run of white space */
	SQLTK_COMMENT    /* -- to the end of the line (newline excluded), or a block */
};

struct sqlscan_tok {
	enum sqlscan_type type;
	size_t start, len;   /* bytes of sql */
};

/* The token of sql[0..len) that starts at *pos, white space and comments
 * included; *pos moves past it. At the end: SQLTK_END, start = len, len 0.
 * Every other token has len > 0. */
void sqlscan_next(enum sqlscan_dialect d, const char *sql, size_t len, size_t *pos,
                  struct sqlscan_tok *t);

/* As sqlscan_next(), skipping white space and comments. */
void sqlscan_token(enum sqlscan_dialect d, const char *sql, size_t len, size_t *pos,
                   struct sqlscan_tok *t);

/* The offset of the first byte at or after i that is neither white space
 * nor inside a comment, at most end. */
size_t sqlscan_skip_blank(enum sqlscan_dialect d, const char *sql, size_t i, size_t end);

/* 1 when c is white space in dialect d. */
int sqlscan_is_space(enum sqlscan_dialect d, int c);

/* 1 when the word t (any token ending in word characters: letters, digits,
 * _, $ and bytes >= 0x80) ends with the whole word kw (ASCII, any case):
 * "END" for `END`, `x.END`, `@END`, not for `$END` or `BEND`. */
int sqlscan_ends_with_word(const char *sql, const struct sqlscan_tok *t, const char *kw);

/* Bytes taken by the first nchars UTF-8 characters of s[0..len): the server
 * and libpg_query count positions in characters. */
size_t sqlscan_utf8_bytes(const char *s, size_t len, long nchars);

/* ---- splitters (driver.h's split method and friends) --------------------- */

/*
 * Split a script into out, each statement from its first token to its
 * semicolon (or the end), flagging those that cannot run in a transaction.
 * Nothing in out on failure. 0, STRATA_ENOMEM, and on PostgreSQL
 * STRATA_ESQL for a script the grammar refuses (err located at the bad
 * token).
 */
int split_sqlite(const char *sql, struct drv_stmts *out, struct drv_err *err);
int split_pg(const char *sql, struct drv_stmts *out, struct drv_err *err);
/* As split_pg(), for drv_exec(): a client COPY (FROM STDIN, TO STDOUT) is
 * an STRATA_ESQL error located at that statement. */
int split_pg_exec(const char *sql, struct drv_stmts *out, struct drv_err *err);
/* That error for the first client COPY of st (split_pg's flags), or 0. */
int split_pg_refuse_copy(const struct drv_stmts *st, struct drv_err *err);
/*
 * 1 when the PostgreSQL statement s[0..len) (one statement of a split
 * script, trimmed) cannot destroy data by any of lint's destructive rules,
 * whatever ran before it in the run: a plain INSERT, CREATE TABLE (not AS),
 * CREATE INDEX, COMMENT ON, an ALTER TABLE that only adds (no DROP, TYPE,
 * RENAME, CASCADE ... word anywhere), an UPDATE whose WHERE compares columns
 * with constants (`a = 1 AND b < 'x'`, never always true). 0 when it
 * might, or when it cannot tell: then lint must read it. By tokens
 * (sqlscan.c), comments, strings and dollar quotes being one token each; no
 * parse.
 */
int split_pg_keeps_data(const char *s, size_t len);
/* A PostgreSQL script the grammar refuses, cut at the semicolons outside
 * strings, quoted names and comments, so that the good statements can still
 * be read (lint). Statements are trimmed, no_tx is NULL. 0 or STRATA_ENOMEM. */
int split_pg_fallback(const char *sql, struct drv_stmts *out);

#endif
