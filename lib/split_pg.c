/*
 * split_pg.c: PostgreSQL scripts cut into statements (drv_pg.split), with
 * libpg_query: the server's own grammar decides where a statement ends, so
 * BEGIN ATOMIC bodies, dollar quotes and E'' strings come out whole. The
 * few statements that may not run in a transaction (CREATE INDEX
 * CONCURRENTLY, VACUUM ...) are found by parsing them alone into a JSON
 * tree; a script the grammar refuses is an error located at the bad token.
 * What the grammar cannot serve, lint's reading of a refused script, is cut
 * by the scanner (sqlscan.c, PostgreSQL's rules) in split_pg_fallback().
 */
#include "driver.h"
#include "internal.h"
#include "sqlscan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include "dl_pg_query.h"


static int fail_nomem(struct drv_err *err)
{
	return drv_fail_text(err, STRATA_ENOMEM, NULL, "out of memory");
}

static int has_word_ci(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w), i;
	int c0;

	if (n == 0)
		return 1;
	/* the first letter before the call: this runs at every position of
	 * every CREATE, ALTER and DROP a migration holds */
	c0 = tolower((unsigned char)w[0]);
	for (i = 0; i + n <= len; i++)
		if (tolower((unsigned char)s[i]) == c0 && strncasecmp(s + i, w, n) == 0)
			return 1;
	return 0;
}

/*
 * Which statements are worth a full parse to classify. Parsing every
 * statement into JSON would cost more than splitting (a data migration's
 * INSERT of 100k rows); a statement can only have one of the properties we
 * look for if its first word and one of these words appear in it.
 */
static const struct {
	const char *first;
	const char *needles[5];
} worth_parsing[] = {
	{ "CREATE", { "CONCURRENTLY", "DATABASE", "TABLESPACE", "SUBSCRIPTION", NULL } },
	{ "DROP", { "CONCURRENTLY", "DATABASE", "TABLESPACE", NULL } },
	{ "ALTER", { "CONCURRENTLY", "TABLESPACE", "SYSTEM", NULL } },
	{ "REINDEX", { "", NULL } },
	{ "VACUUM", { "", NULL } },
	{ "CLUSTER", { "", NULL } },
	{ "DISCARD", { "", NULL } },
	{ "BEGIN", { "", NULL } },
	{ "START", { "", NULL } },
	{ "COMMIT", { "", NULL } },
	{ "END", { "", NULL } },
	{ "ROLLBACK", { "", NULL } },
	{ "ABORT", { "", NULL } },
	{ "PREPARE", { "", NULL } },
	{ "COPY", { "", NULL } },
};

static int should_parse(const char *s, size_t len)
{
	size_t w = 0, i, k;

	while (w < len && isalpha((unsigned char)s[w]))
		w++;
	for (i = 0; i < sizeof worth_parsing / sizeof worth_parsing[0]; i++) {
		if (strlen(worth_parsing[i].first) != w ||
		    strncasecmp(s, worth_parsing[i].first, w) != 0)
			continue;
		for (k = 0; worth_parsing[i].needles[k]; k++)
			if (has_word_ci(s + w, len - w, worth_parsing[i].needles[k]))
				return 1;
		return 0;
	}
	return 0;
}

static int jtrue(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/*
 * Why the statement (node type, node) cannot run in a transaction block:
 * the cases where PostgreSQL 15 calls PreventInTransactionBlock(). The
 * strings are static: they end up in struct drv_stmt.
 */
static const char *no_tx_reason(const char *type, json_t *n)
{
	const char *s;
	size_t i;
	json_t *it, *cmd;

	if (strcmp(type, "IndexStmt") == 0)
		return jtrue(n, "concurrent") ? "CREATE INDEX CONCURRENTLY" : NULL;
	if (strcmp(type, "DropStmt") == 0)
		return jtrue(n, "concurrent") ? "DROP INDEX CONCURRENTLY" : NULL;
	if (strcmp(type, "ReindexStmt") == 0) {
		if (lint_option_on(json_object_get(n, "params"), "concurrently", 0))
			return "REINDEX CONCURRENTLY";
		s = jstr(n, "kind");
		if (s && strcmp(s, "REINDEX_OBJECT_SCHEMA") == 0)
			return "REINDEX SCHEMA";
		if (s && strcmp(s, "REINDEX_OBJECT_DATABASE") == 0)
			return "REINDEX DATABASE";
		if (s && strcmp(s, "REINDEX_OBJECT_SYSTEM") == 0)
			return "REINDEX SYSTEM";
		return NULL;
	}
	if (strcmp(type, "VacuumStmt") == 0)
		return jtrue(n, "is_vacuumcmd") ? "VACUUM" : NULL; /* ANALYZE is fine */
	if (strcmp(type, "CreatedbStmt") == 0)
		return "CREATE DATABASE";
	if (strcmp(type, "DropdbStmt") == 0)
		return "DROP DATABASE";
	if (strcmp(type, "AlterSystemStmt") == 0)
		return "ALTER SYSTEM";
	if (strcmp(type, "CreateTableSpaceStmt") == 0)
		return "CREATE TABLESPACE";
	if (strcmp(type, "DropTableSpaceStmt") == 0)
		return "DROP TABLESPACE";
	if (strcmp(type, "AlterDatabaseStmt") == 0) {
		json_array_foreach(json_object_get(n, "options"), i, it) {
			s = jstr(json_object_get(it, "DefElem"), "defname");
			if (s && strcmp(s, "tablespace") == 0)
				return "ALTER DATABASE SET TABLESPACE";
		}
		return NULL;
	}
	if (strcmp(type, "ClusterStmt") == 0)
		return json_object_get(n, "relation") ? NULL : "CLUSTER without a table";
	if (strcmp(type, "DiscardStmt") == 0) {
		s = jstr(n, "target");
		return s && strcmp(s, "DISCARD_ALL") == 0 ? "DISCARD ALL" : NULL;
	}
	if (strcmp(type, "CreateSubscriptionStmt") == 0) {
		/* Only creating the replication slot refuses a transaction;
		 * connect = false implies create_slot = false. */
		json_t *o = json_object_get(n, "options");
		if (lint_option_on(o, "create_slot", 1) && lint_option_on(o, "connect", 1))
			return "CREATE SUBSCRIPTION (with create_slot)";
		return NULL;
	}
	if (strcmp(type, "AlterTableStmt") == 0) {
		json_array_foreach(json_object_get(n, "cmds"), i, it) {
			cmd = json_object_get(it, "AlterTableCmd");
			s = jstr(cmd, "subtype");
			if (s && strcmp(s, "AT_DetachPartition") == 0 &&
			    jtrue(json_object_get(json_object_get(cmd, "def"), "PartitionCmd"), "concurrent"))
				return "ALTER TABLE ... DETACH PARTITION CONCURRENTLY";
		}
		return NULL;
	}
	if (strcmp(type, "TransactionStmt") == 0) {
		/* SAVEPOINT, RELEASE and ROLLBACK TO work inside the runner's
		 * transaction; the others would end it or nest in it. */
		static const char *const ends[] = {
			"TRANS_STMT_BEGIN", "TRANS_STMT_START", "TRANS_STMT_COMMIT",
			"TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE", "TRANS_STMT_COMMIT_PREPARED",
			"TRANS_STMT_ROLLBACK_PREPARED",
		};
		s = jstr(n, "kind");
		for (i = 0; s && i < sizeof ends / sizeof ends[0]; i++)
			if (strcmp(s, ends[i]) == 0)
				return "transaction control (BEGIN/COMMIT)";
		return NULL;
	}
	return NULL;
}

/* COPY with the client as one end cannot work: exec has no data to send
 * and no place for rows. */
static const char *copy_reason(const char *type, json_t *n)
{
	if (strcmp(type, "CopyStmt") != 0 || json_object_get(n, "filename") || jtrue(n, "is_program"))
		return NULL;
	return jtrue(n, "is_from") ? "COPY FROM STDIN" : "COPY TO STDOUT";
}

int pgq_parse_one(const char *sql, size_t len, struct pgq_stmt *out)
{
	char *copy = NULL;
	PgQueryParseResult r;
	json_t *stmt;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (sql[len] != '\0' && !(sql = copy = sbuf_strndup(sql, len)))
		return STRATA_ENOMEM;
	r = pg_query_parse(sql);
	if (r.error) {
		out->syntax_error = 1;
		if (!(out->errmsg = strdup(r.error->message ? r.error->message : "syntax error")))
			rc = STRATA_ENOMEM;
	} else if (r.parse_tree) {
		out->root = json_loads(r.parse_tree, 0, NULL);
		stmt = json_object_get(json_array_get(json_object_get(out->root, "stmts"), 0), "stmt");
		if (json_is_object(stmt) && json_object_size(stmt) == 1) {
			out->type = json_object_iter_key(json_object_iter(stmt));
			out->node = json_object_iter_value(json_object_iter(stmt));
		}
	}
	pg_query_free_parse_result(r);
	free(copy);
	if (rc)
		pgq_stmt_release(out);
	return rc;
}

void pgq_stmt_release(struct pgq_stmt *p)
{
	if (!p)
		return;
	json_decref(p->root);
	free(p->errmsg);
	memset(p, 0, sizeof *p);
}

/*
 * Parse the one statement s[0..len) and classify it. Returns 0 or
 * STRATA_ENOMEM; a statement that does not parse alone (it parsed within
 * its script, so this should not happen) is left unclassified.
 */
static int classify(const char *s, size_t len, const char **no_tx, const char **copy)
{
	struct pgq_stmt p;

	*no_tx = *copy = NULL;
	if (pgq_parse_one(s, len, &p) != 0)
		return STRATA_ENOMEM;
	if (p.type) {
		*no_tx = no_tx_reason(p.type, p.node);
		*copy = copy_reason(p.type, p.node);
	}
	pgq_stmt_release(&p);
	return 0;
}

/* A syntax error from libpg_query, located in sql (cursorpos is 1-based,
 * in characters, into the whole script). */
static int fail_syntax(const char *sql, const PgQueryError *e, struct drv_err *err)
{
	size_t len = strlen(sql), off;
	PgQuerySplitResult sc;
	int i;

	drv_fail_text(err, STRATA_ESQL, NULL, e->message);
	memcpy(err->sqlstate, "42601", 6);
	if (e->cursorpos <= 0)
		return err->code;
	off = sqlscan_utf8_bytes(sql, len, e->cursorpos - 1);
	err->offset = (long)off;
	/* The scanner splits where the parser could not: it finds the end of
	 * the statement around the error, unless the error is an unterminated
	 * quote that swallowed the rest. */
	sc = pg_query_split_with_scanner(sql);
	if (!sc.error) {
		for (i = 0; i < sc.n_stmts; i++) {
			size_t a = (size_t)sc.stmts[i]->stmt_location;
			size_t b = sc.stmts[i]->stmt_len ? a + (size_t)sc.stmts[i]->stmt_len : len;
			if (a <= off && off < b) {
				err->stmt_len = (long)(b - off);
				break;
			}
		}
	}
	pg_query_free_split_result(sc);
	if (err->stmt_len < 0)
		err->stmt_len = (long)(len - off);
	return err->code;
}

/*
 * Split sql into out with libpg_query. Each statement starts at its first
 * token (libpg_query starts it right after the previous semicolon, comments
 * and all) and ends before trailing white space. Each is flagged with what
 * keeps it out of a transaction (no_tx) and what keeps it out of exec (a
 * client COPY): one split serves both the runner's check and the exec of
 * the same script (runner.c keeps it between the two).
 */
int split_pg(const char *sql, struct drv_stmts *out, struct drv_err *err)
{
	PgQuerySplitResult r;
	size_t len = strlen(sql), a, b;
	const char *no_tx, *copy;
	int i, rc = 0;

	out->n = 0;
	out->v = NULL;
	if ((rc = dl_need_pg_query(err)) != 0)
		return rc;
	r = pg_query_split_with_parser(sql);
	if (r.error) {
		rc = fail_syntax(sql, r.error, err);
		goto out;
	}
	if (r.n_stmts == 0)
		goto out;
	out->v = calloc((size_t)r.n_stmts, sizeof *out->v);
	if (!out->v) {
		rc = fail_nomem(err);
		goto out;
	}
	for (i = 0; i < r.n_stmts; i++) {
		a = (size_t)r.stmts[i]->stmt_location;
		b = r.stmts[i]->stmt_len ? a + (size_t)r.stmts[i]->stmt_len : len;
		if (b > len)
			b = len;
		a = sqlscan_skip_blank(SQLSCAN_PG, sql, a, b);
		while (b > a && isspace((unsigned char)sql[b - 1]))
			b--;
		if (a == b)
			continue;
		no_tx = copy = NULL;
		if (should_parse(sql + a, b - a) && classify(sql + a, b - a, &no_tx, &copy)) {
			rc = fail_nomem(err);
			goto out;
		}
		out->v[out->n].offset = a;
		out->v[out->n].len = b - a;
		out->v[out->n].no_tx = no_tx;
		out->v[out->n].copy = copy;
		out->n++;
	}
out:
	pg_query_free_split_result(r);
	if (rc)
		drv_stmts_release(out);
	return rc;
}

int split_pg_refuse_copy(const struct drv_stmts *st, struct drv_err *err)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		if (!st->v[i].copy)
			continue;
		drv_err_reset(err, STRATA_ESQL);
		sbuf_setf(&err->msg, "%s cannot run in a migration: put the rows in the SQL "
		          "(INSERT) or COPY from a file on the server", st->v[i].copy);
		err->offset = (long)st->v[i].offset;
		err->stmt_len = (long)st->v[i].len;
		return err->code;
	}
	return 0;
}

int split_pg_exec(const char *sql, struct drv_stmts *out, struct drv_err *err)
{
	int rc = split_pg(sql, out, err);

	if (!rc && (rc = split_pg_refuse_copy(out, err)) != 0)
		drv_stmts_release(out);
	return rc;
}

/*
 * A split at the semicolons the scanner finds outside strings, dollar
 * quotes, quoted names and comments, for a script the grammar refuses (one
 * bad statement fails the whole script): lint still reads the good
 * statements and reports the bad one `unparsed`. (libpg_query's own
 * scanner split drops what does not start with a keyword, which is exactly
 * the statement to report.)
 */
int split_pg_fallback(const char *sql, struct drv_stmts *out)
{
	size_t len = strlen(sql), pos = 0, start = 0, alloc = 0, a, b;
	struct sqlscan_tok t;

	out->n = 0;
	out->v = NULL;
	for (;;) {
		sqlscan_next(SQLSCAN_PG, sql, len, &pos, &t);
		if (t.type != SQLTK_SEMI && t.type != SQLTK_END)
			continue;
		a = sqlscan_skip_blank(SQLSCAN_PG, sql, start, t.start);
		b = t.start;
		while (b > a && sqlscan_is_space(SQLSCAN_PG, (unsigned char)sql[b - 1]))
			b--;
		if (a < b) {
			if (out->n == alloc) {
				size_t na = alloc ? 2 * alloc : 16;
				struct drv_stmt *nv = realloc(out->v, na * sizeof *nv);
				if (!nv) {
					drv_stmts_release(out);
					return STRATA_ENOMEM;
				}
				out->v = nv;
				alloc = na;
			}
			memset(&out->v[out->n], 0, sizeof out->v[0]);
			out->v[out->n].offset = a;
			out->v[out->n].len = b - a;
			out->n++;
		}
		if (t.type == SQLTK_END)
			return 0;
		start = pos;
	}
}


/* ---- statements that cannot destroy data (runner.c's destructive check) ---- */

/* t is the bare word w (any case); a quoted name never is. The first
 * letter first: every word of every statement is held against two lists. */
static int tok_is(const char *s, const struct sqlscan_tok *t, const char *w)
{
	return t->type == SQLTK_WORD && (s[t->start] | 32) == (w[0] | 32) && t->len == strlen(w) &&
	       strncasecmp(s + t->start, w, t->len) == 0;
}

static int tok_in(const char *s, const struct sqlscan_tok *t, const char *const *words)
{
	size_t i;

	for (i = 0; words[i]; i++)
		if (tok_is(s, t, words[i]))
			return 1;
	return 0;
}

/* Words that make lint's reading necessary wherever they are: each starts,
 * or is part of, a form one of its destructive rules (or a rule's
 * exception: a rename ends a rebuild) is about. */
static const char *const risky_words[] = {
	"DROP", "TYPE", "RENAME", "CASCADE", "TRUNCATE", "DELETE", "UPDATE", "MERGE",
	"EXECUTE", "CALL", "DO", "FUNCTION", "PROCEDURE", "OWNED", "RULE", "TRIGGER", NULL,
};

/* Words that are not a column, or not only one, on the left of a
 * comparison: constants and the SQL value functions. */
static const char *const not_columns[] = {
	"TRUE", "FALSE", "NULL", "NOT", "CURRENT", "CURRENT_DATE", "CURRENT_TIME",
	"CURRENT_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP", "CURRENT_USER", "SESSION_USER",
	"USER", "CURRENT_ROLE", "CURRENT_CATALOG", "CURRENT_SCHEMA", "SYSTEM_USER", "VALUE",
	"DEFAULT", "EXISTS", "ANY", "ALL", "SOME", "CASE", "ARRAY", "ROW", NULL,
};

static int is_comparison(const char *s, const struct sqlscan_tok *t)
{
	static const char *const ops[] = { "=", "<", ">", "<=", ">=", "<>", "!=", NULL };
	size_t i;

	if (t->type != SQLTK_OP)
		return 0;
	for (i = 0; ops[i]; i++)
		if (t->len == strlen(ops[i]) && memcmp(s + t->start, ops[i], t->len) == 0)
			return 1;
	return 0;
}

/*
 * A WHERE clause from *pos to the end that lint's truth() cannot find
 * always true: `column op constant` joined by AND, the column a name
 * (qualified or not), the constant a number or a string. A column compared
 * with a constant depends on the row; only two constants, or a side
 * compared with itself, are decided, and neither can be written this way.
 */
static int where_depends_on_row(const char *s, size_t len, size_t pos)
{
	struct sqlscan_tok t;

	for (;;) {
		sqlscan_token(SQLSCAN_PG, s, len, &pos, &t);
		if (!(t.type == SQLTK_QUOTED || (t.type == SQLTK_WORD && !tok_in(s, &t, not_columns))))
			return 0;
		sqlscan_token(SQLSCAN_PG, s, len, &pos, &t);
		while (t.type == SQLTK_DOT) {
			sqlscan_token(SQLSCAN_PG, s, len, &pos, &t);
			if (t.type != SQLTK_QUOTED && t.type != SQLTK_WORD)
				return 0;
			sqlscan_token(SQLSCAN_PG, s, len, &pos, &t);
		}
		if (!is_comparison(s, &t))
			return 0;
		sqlscan_token(SQLSCAN_PG, s, len, &pos, &t);
		if (t.type != SQLTK_NUMBER && t.type != SQLTK_STRING)
			return 0;
		sqlscan_token(SQLSCAN_PG, s, len, &pos, &t);
		if (t.type == SQLTK_END || t.type == SQLTK_SEMI)
			return 1;
		if (!tok_is(s, &t, "AND"))
			return 0;
	}
}

int split_pg_keeps_data(const char *s, size_t len)
{
	struct sqlscan_tok t, first, second;
	size_t pos = 0;
	int depth = 0, update;

	sqlscan_token(SQLSCAN_PG, s, len, &pos, &first);
	/* lint reads no INSERT at all (lint_stmt), unless a function this
	 * migration made is risky, which takes a CREATE FUNCTION: not here */
	if (tok_is(s, &first, "INSERT"))
		return 1;
	sqlscan_token(SQLSCAN_PG, s, len, &pos, &second);
	update = tok_is(s, &first, "UPDATE");
	if (!update && !(tok_is(s, &first, "CREATE") &&
	                 (tok_is(s, &second, "TABLE") || tok_is(s, &second, "INDEX") ||
	                  tok_is(s, &second, "UNIQUE"))) &&
	    !(tok_is(s, &first, "ALTER") && tok_is(s, &second, "TABLE")) &&
	    !(tok_is(s, &first, "COMMENT") && tok_is(s, &second, "ON")))
		return 0;
	for (;;) {
		sqlscan_token(SQLSCAN_PG, s, len, &pos, &t);
		if (t.type == SQLTK_END || t.type == SQLTK_SEMI)
			return !update; /* an UPDATE without WHERE changes every row */
		if (t.type == SQLTK_LPAREN)
			depth++;
		else if (t.type == SQLTK_RPAREN)
			depth--;
		else if (tok_in(s, &t, risky_words))
			return 0;
		else if (depth == 0 && tok_is(s, &first, "CREATE") && tok_is(s, &t, "AS"))
			return 0; /* CREATE TABLE AS: a query, read by lint */
		else if (depth == 0 && update && tok_is(s, &t, "WHERE"))
			return where_depends_on_row(s, len, pos);
		else if (depth == 0 && update && (tok_is(s, &t, "FROM") || tok_is(s, &t, "RETURNING")))
			return 0;
	}
}
