/*
 * sqlscan.c: the SQL scanner (sqlscan.h): where each token of a script
 * begins and ends, by SQLite's or PostgreSQL's lexical rules.
 *
 * What the engines share (words, numbers, -- comments, 'strings' with
 * doubled quotes, "names") is written once; where they part, the dialect
 * decides: SQLite's [names] and `names`, non-nesting block comments and
 * ?:@$ variables; PostgreSQL's nesting block comments, E'' escapes, $tag$
 * quotes, $1 parameters and operator runs. The rules follow the engines'
 * own tokenizers (SQLite's tokenize.c and complete.c, PostgreSQL's scan.l)
 * as far as statement boundaries depend on them: a comment, string or name
 * starts and ends where the engine sees it start and end. Token kinds that
 * no boundary depends on (numbers, variables, operators) stay coarse.
 */
#include "sqlscan.h"

#include <string.h>

static int is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

/* A word character: what SQLite's complete.c and PostgreSQL's identifiers
 * continue with. */
static int is_word(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* SQLite's tokenizer takes no vertical tab (tokenize.c); PostgreSQL's
 * callers here always took isspace()'s set, which has it. */
int sqlscan_is_space(enum sqlscan_dialect d, int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       (c == '\v' && d == SQLSCAN_PG);
}

static int comment_starts(const char *sql, size_t end, size_t p)
{
	return p + 1 < end && ((sql[p] == '-' && sql[p + 1] == '-') ||
	                       (sql[p] == '/' && sql[p + 1] == '*'));
}

/* Past the comment at p (on its "--" or slash-star), at most end. A --
 * comment stops before its newline. */
static size_t comment_end(enum sqlscan_dialect d, const char *sql, size_t end, size_t p)
{
	int depth = 1;

	if (sql[p] == '-') {
		while (p < end && sql[p] != '\n')
			p++;
		return p;
	}
	p += 2;
	if (d == SQLSCAN_SQLITE) {
		while (p + 1 < end && !(sql[p] == '*' && sql[p + 1] == '/'))
			p++;
		return p + 2 <= end ? p + 2 : end;
	}
	while (p < end && depth) {
		if (sql[p] == '/' && p + 1 < end && sql[p + 1] == '*') {
			depth++;
			p += 2;
		} else if (sql[p] == '*' && p + 1 < end && sql[p + 1] == '/') {
			depth--;
			p += 2;
		} else {
			p++;
		}
	}
	return p;
}

size_t sqlscan_skip_blank(enum sqlscan_dialect d, const char *sql, size_t i, size_t end)
{
	while (i < end) {
		if (sqlscan_is_space(d, (unsigned char)sql[i]))
			i++;
		else if (comment_starts(sql, end, i))
			i = comment_end(d, sql, end, i);
		else
			break;
	}
	return i;
}

/* Past a quoted run that starts at p (on the opening quote) and ends with
 * close, where a doubled close stands for itself when doubling is allowed
 * and a backslash escapes the next byte when backslash is. */
static size_t skip_quoted(const char *sql, size_t len, size_t p, char close, int doubling,
                          int backslash)
{
	for (p++; p < len; p++) {
		if (backslash && sql[p] == '\\') {
			if (p + 1 < len)
				p++;
			continue;
		}
		if (sql[p] != close)
			continue;
		if (doubling && p + 1 < len && sql[p + 1] == close) {
			p++;
			continue;
		}
		return p + 1;
	}
	return len;
}

/* The end of the $tag$ that opens at p ("$$" or "$tag$", the tag an
 * identifier without $), or 0 if none does. */
static size_t dollar_open(const char *sql, size_t len, size_t p)
{
	size_t j = p + 1;

	if (j < len && is_ident_start((unsigned char)sql[j]))
		while (j < len && is_word((unsigned char)sql[j]) && sql[j] != '$')
			j++;
	return j < len && sql[j] == '$' ? j + 1 : 0;
}

/* Past the dollar-quoted string whose opening tag is sql[p..t). */
static size_t dollar_close(const char *sql, size_t len, size_t p, size_t t)
{
	size_t tl = t - p, i;

	for (i = t; i + tl <= len; i++)
		if (sql[i] == '$' && memcmp(sql + i, sql + p, tl) == 0)
			return i + tl;
	return len;
}

/*
 * A number from p: digits, a point, an exponent and any word characters
 * glued on. SQLite: the exponent's sign is taken unless a -- comment
 * starts there. PostgreSQL: only before a digit, and a $ only after a
 * letter, digit or _, since a $ after anything else may open a $$ quote.
 */
static size_t number_end(enum sqlscan_dialect d, const char *sql, size_t len, size_t p)
{
	const unsigned char *u = (const unsigned char *)sql;

	for (p++; p < len; p++) {
		if ((sql[p] == '+' || sql[p] == '-') && (sql[p - 1] == 'e' || sql[p - 1] == 'E')) {
			if (d == SQLSCAN_SQLITE ? !comment_starts(sql, len, p)
			                        : p + 1 < len && sql[p + 1] >= '0' && sql[p + 1] <= '9')
				continue;
			break;
		}
		if (sql[p] == '$' && d == SQLSCAN_PG &&
		    !(is_word(u[p - 1]) && u[p - 1] != '$' && u[p - 1] < 0x80))
			break;
		if (!(is_word(u[p]) || sql[p] == '.'))
			break;
	}
	return p;
}

/* PostgreSQL's operator characters (scan.l's op_chars). */
static int is_pg_op(int c)
{
	return c && strchr("~!@#^&|`?+-*/%<>=", c) != NULL;
}

/* SQLite: an operator of one, two or three bytes. */
static size_t sqlite_op_end(const char *sql, size_t len, size_t p)
{
	static const char *const two[] = { "||", "<=", ">=", "<>", "!=", "==", "<<", ">>", "->", "::" };
	size_t i;

	for (i = 0; i < sizeof two / sizeof two[0]; i++)
		if (p + 1 < len && sql[p] == two[i][0] && sql[p + 1] == two[i][1])
			break;
	if (i == sizeof two / sizeof two[0])
		return p + 1;
	if (two[i][0] == '-' && p + 2 < len && sql[p + 2] == '>')
		return p + 3; /* ->> */
	return p + 2;
}

/* The token at p, which is neither white space nor a comment. */
static size_t token_end(enum sqlscan_dialect d, const char *sql, size_t len, size_t p,
                        enum sqlscan_type *type)
{
	const unsigned char *u = (const unsigned char *)sql;
	char c = sql[p];
	size_t q;

	switch (c) {
	case '\'':
		*type = SQLTK_STRING;
		return skip_quoted(sql, len, p, '\'', 1, 0);
	case '"':
		*type = SQLTK_QUOTED;
		return skip_quoted(sql, len, p, '"', 1, 0);
	case '(': *type = SQLTK_LPAREN; return p + 1;
	case ')': *type = SQLTK_RPAREN; return p + 1;
	case ',': *type = SQLTK_COMMA; return p + 1;
	case ';': *type = SQLTK_SEMI; return p + 1;
	default:
		break;
	}
	if ((c >= '0' && c <= '9') || (c == '.' && p + 1 < len && sql[p + 1] >= '0' && sql[p + 1] <= '9')) {
		*type = SQLTK_NUMBER;
		return number_end(d, sql, len, p);
	}
	if (c == '.') {
		*type = SQLTK_DOT;
		return p + 1;
	}
	if (is_ident_start(u[p])) {
		/* A one-letter prefix glued to a string: a blob, bit, national or
		 * (PostgreSQL) escape string literal. */
		if (p + 1 < len && sql[p + 1] == '\'' && strchr("xXeEbBnN", c)) {
			*type = SQLTK_STRING;
			return skip_quoted(sql, len, p + 1, '\'', 1,
			                   d == SQLSCAN_PG && (c == 'e' || c == 'E'));
		}
		*type = SQLTK_WORD;
		for (p++; p < len && is_word(u[p]); p++)
			;
		return p;
	}
	if (d == SQLSCAN_SQLITE) {
		switch (c) {
		case '`':
			*type = SQLTK_QUOTED;
			return skip_quoted(sql, len, p, '`', 1, 0);
		case '[':
			*type = SQLTK_QUOTED;
			return skip_quoted(sql, len, p, ']', 0, 0);
		case '?': case ':': case '@': case '$':
			if (c == ':' && p + 1 < len && sql[p + 1] == ':')
				break; /* PostgreSQL's cast, in text SQLite only stores */
			*type = SQLTK_VARIABLE;
			for (p++; p < len && (is_word(u[p]) || sql[p] == ':'); p++)
				;
			return p;
		default:
			break;
		}
		*type = SQLTK_OP;
		return sqlite_op_end(sql, len, p);
	}
	if (c == '$') {
		if ((q = dollar_open(sql, len, p)) != 0) {
			*type = SQLTK_STRING;
			return dollar_close(sql, len, p, q);
		}
		if (p + 1 < len && sql[p + 1] >= '0' && sql[p + 1] <= '9') {
			*type = SQLTK_VARIABLE;
			for (p++; p < len && is_word(u[p]); p++)
				;
			return p;
		}
	}
	*type = SQLTK_OP;
	if (c == ':')
		return p + 1 < len && sql[p + 1] == ':' ? p + 2 : p + 1;
	if (!is_pg_op(u[p]))
		return p + 1;
	/* An operator is a run of operator characters, cut where a comment
	 * starts (scan.l does the same). */
	for (p++; p < len && is_pg_op(u[p]) && !comment_starts(sql, len, p); p++)
		;
	return p;
}

void sqlscan_next(enum sqlscan_dialect d, const char *sql, size_t len, size_t *pos,
                  struct sqlscan_tok *t)
{
	size_t p = *pos, e;

	t->start = p;
	if (p >= len) {
		t->type = SQLTK_END;
		t->start = len;
		t->len = 0;
		*pos = len;
		return;
	}
	if (sqlscan_is_space(d, (unsigned char)sql[p])) {
		t->type = SQLTK_SPACE;
		for (e = p + 1; e < len && sqlscan_is_space(d, (unsigned char)sql[e]); e++)
			;
	} else if (comment_starts(sql, len, p)) {
		t->type = SQLTK_COMMENT;
		e = comment_end(d, sql, len, p);
	} else {
		e = token_end(d, sql, len, p, &t->type);
	}
	t->len = e - p;
	*pos = e;
}

void sqlscan_token(enum sqlscan_dialect d, const char *sql, size_t len, size_t *pos,
                   struct sqlscan_tok *t)
{
	*pos = sqlscan_skip_blank(d, sql, *pos, len);
	sqlscan_next(d, sql, len, pos, t);
}

int sqlscan_ends_with_word(const char *sql, const struct sqlscan_tok *t, const char *kw)
{
	size_t n = strlen(kw), e = t->start + t->len, i;

	if (t->len < n || (t->len > n && is_word((unsigned char)sql[e - n - 1])))
		return 0;
	for (i = 0; i < n; i++)
		if ((sql[e - n + i] | 32) != (kw[i] | 32))
			return 0;
	return 1;
}

size_t sqlscan_utf8_bytes(const char *s, size_t len, long nchars)
{
	size_t i = 0;

	while (i < len && nchars > 0) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		nchars--;
	}
	return i;
}
