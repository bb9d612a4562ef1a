/*
 * lint.c: safety rules over migration SQL: which statements of an up
 * section destroy data (DROP TABLE, DELETE without WHERE ...) or hold
 * heavy locks on PostgreSQL (CREATE INDEX without CONCURRENTLY, a foreign
 * key validated under ACCESS EXCLUSIVE ...), each with the safe way.
 *
 * Statements are split by the engine's driver (the same split the runner
 * uses, so lines match its errors; a script PostgreSQL's grammar refuses
 * is cut by the scanner instead, split_pg_fallback() in split_pg.c, so the
 * good statements are still read) and parsed with libpg_query, the real
 * PostgreSQL grammar, into a JSON tree that the rules read. SQLite SQL
 * mostly parses too; where it does not (AUTOINCREMENT, INSERT OR REPLACE,
 * triggers, PRAGMA), a token-level reading with schema_tok_* catches the
 * destructive statements, and what neither can read is reported as
 * `unparsed`, never guessed at. Nothing here connects to a database.
 *
 * A rule is a row of rules[] (id, severity, engines, hint): the ids are a
 * contract (docs/strata-lint.md), as are the suppression comments
 * `-- strata:lint-ignore RULE[,RULE]` (this statement) and
 * `-- strata:lint-ignore-file RULE` (the whole file).
 */
#include "internal.h"
#include "migration.h"
#include "schema.h"
#include "sqlscan.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>
#include "dl_pg_query.h"

#define MAX_FILE_SIZE ((size_t)64 << 20)  /* as migration.c: a 64 MiB migration is a mistake */
#define EXCERPT_MAX 100                   /* bytes of a statement's first line kept */

/* The engines a rule applies to: a set of engine.h's engines, one bit each. */
enum { ENG_SQLITE = 1 << SCHEMA_SQLITE, ENG_PG = 1 << SCHEMA_PG, ENG_BOTH = ENG_SQLITE | ENG_PG };

enum rule_id {
	R_DROP_TABLE, R_DROP_COLUMN, R_DROP_SCHEMA, R_DROP_DATABASE, R_TRUNCATE,
	R_DELETE_NO_WHERE, R_UPDATE_NO_WHERE, R_ALTER_COLUMN_TYPE, R_DROP_VIEW,
	R_CREATE_INDEX, R_ADD_FOREIGN_KEY, R_ADD_CHECK, R_SET_NOT_NULL, R_ADD_UNIQUE,
	R_ADD_COLUMN_VOLATILE, R_ADD_COLUMN_NOT_NULL, R_VACUUM_FULL, R_CLUSTER,
	R_REFRESH_MATVIEW, R_RENAME_TABLE, R_RENAME_COLUMN, R_ENUM_ADD_VALUE,
	R_NEEDS_NO_TX, R_NO_DOWN, R_UNPARSED, R_TABLE_REBUILD, R_DYNAMIC_SQL, R_DROP_CASCADE,
	R_RELEASES_LOCK, R_TYPE_REWRITE, R_LOCK_TIMEOUT, R_DROP_INDEX, R_INT_PRIMARY_KEY,
	R_NON_IDEMPOTENT, R_ATTACH_PARTITION, R_ADD_EXCLUDE, R_VALIDATE_SAME_TX,
	R_DETACH_PARTITION, R_REINDEX, R_COUNT
};

static const struct rule {
	const char *id;
	strata_lint_severity severity;
	unsigned engines;
	const char *hint;
} rules[R_COUNT] = {
	[R_DROP_TABLE] = { "drop-table", STRATA_LINT_ERROR, ENG_BOTH,
		"stop the application using the table first; take a backup or rename it away and drop "
		"it in a later migration" },
	[R_DROP_COLUMN] = { "drop-column", STRATA_LINT_ERROR, ENG_BOTH,
		"deploy code that no longer reads or writes the column first, then drop it in a later "
		"migration (SQLite: needs 3.35 or later)" },
	[R_DROP_SCHEMA] = { "drop-schema", STRATA_LINT_ERROR, ENG_BOTH,
		"drop the objects one by one, each in a reviewed migration" },
	[R_DROP_DATABASE] = { "drop-database", STRATA_LINT_ERROR, ENG_BOTH,
		"a migration should not drop a database: do it by hand (strata drop, development only)" },
	[R_TRUNCATE] = { "truncate", STRATA_LINT_ERROR, ENG_BOTH,
		"delete the rows you mean with a WHERE clause, or suppress if emptying the table is the point" },
	[R_DELETE_NO_WHERE] = { "delete-without-where", STRATA_LINT_ERROR, ENG_BOTH,
		"add a WHERE clause naming the rows to delete (one that is always true, such as "
		"WHERE 1=1, counts as none); if every row is meant, acknowledge it with "
		"'-- strata:lint-ignore delete-without-where'" },
	[R_UPDATE_NO_WHERE] = { "update-without-where", STRATA_LINT_ERROR, ENG_BOTH,
		"add a WHERE clause naming the rows to change (one that is always true counts as "
		"none); if every row is meant, acknowledge it with "
		"'-- strata:lint-ignore update-without-where'; on a large table, update in batches" },
	[R_ALTER_COLUMN_TYPE] = { "alter-column-type", STRATA_LINT_ERROR, ENG_PG,
		"add a new column, backfill it in batches, switch the application, then drop the old "
		"one; a widening that does not rewrite (varchar(n) to text or a larger n, numeric(p,s) "
		"to a larger p) is not reported once lint knows the old type (earlier migrations, or "
		"the database with a URL)" },
	[R_DROP_VIEW] = { "drop-view", STRATA_LINT_WARNING, ENG_BOTH,
		"make sure nothing queries the view any more, or replace it with CREATE OR REPLACE VIEW" },
	[R_CREATE_INDEX] = { "create-index-non-concurrent", STRATA_LINT_ERROR, ENG_PG,
		"CREATE INDEX CONCURRENTLY, alone in a migration marked '-- migrate:up transaction:false'" },
	[R_ADD_FOREIGN_KEY] = { "add-foreign-key", STRATA_LINT_ERROR, ENG_PG,
		"add it NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later migration" },
	[R_ADD_CHECK] = { "add-check", STRATA_LINT_ERROR, ENG_PG,
		"add it NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later migration" },
	[R_SET_NOT_NULL] = { "set-not-null", STRATA_LINT_ERROR, ENG_PG,
		"add CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later migration, then "
		"SET NOT NULL (PostgreSQL 12+ skips the scan: lint does not report it once it sees the "
		"validated check, earlier in the run or in the database) and drop the check" },
	[R_ADD_UNIQUE] = { "add-unique-constraint", STRATA_LINT_ERROR, ENG_PG,
		"CREATE UNIQUE INDEX CONCURRENTLY (in a transaction:false migration), then "
		"ADD CONSTRAINT ... UNIQUE USING INDEX (or PRIMARY KEY USING INDEX)" },
	[R_ADD_COLUMN_VOLATILE] = { "add-column-volatile-default", STRATA_LINT_ERROR, ENG_PG,
		"add the column without the default (or with a constant one), set the default with "
		"ALTER COLUMN ... SET DEFAULT, and backfill existing rows in batches" },
	[R_ADD_COLUMN_NOT_NULL] = { "add-column-not-null", STRATA_LINT_ERROR, ENG_BOTH,
		"give the column a DEFAULT, or add it nullable, backfill it, then make it NOT NULL" },
	[R_VACUUM_FULL] = { "vacuum-full", STRATA_LINT_ERROR, ENG_PG,
		"run plain VACUUM, or rebuild online with pg_repack, outside the migrations" },
	[R_CLUSTER] = { "cluster", STRATA_LINT_ERROR, ENG_PG,
		"reorder online with pg_repack, outside the migrations" },
	[R_REFRESH_MATVIEW] = { "refresh-matview", STRATA_LINT_WARNING, ENG_PG,
		"REFRESH MATERIALIZED VIEW CONCURRENTLY (the view needs a unique index)" },
	[R_RENAME_TABLE] = { "rename-table", STRATA_LINT_WARNING, ENG_BOTH,
		"create the new table (or a view under the new name), move the application over, then "
		"drop the old name in a later migration" },
	[R_RENAME_COLUMN] = { "rename-column", STRATA_LINT_WARNING, ENG_BOTH,
		"add the new column, write both, backfill, move the reads, then drop the old column" },
	[R_ENUM_ADD_VALUE] = { "enum-add-value", STRATA_LINT_WARNING, ENG_PG,
		"put it in its own migration marked transaction:false: the new value cannot be used "
		"in the transaction that adds it (before PostgreSQL 12 it cannot run in one at all)" },
	[R_NEEDS_NO_TX] = { "needs-no-transaction", STRATA_LINT_ERROR, ENG_BOTH,
		"mark the migration '-- migrate:up transaction:false' and keep it to that statement" },
	[R_NO_DOWN] = { "no-down", STRATA_LINT_WARNING, ENG_BOTH,
		"add a '-- migrate:down' section that undoes the up section (an empty one if nothing "
		"needs undoing)" },
	[R_UNPARSED] = { "unparsed", STRATA_LINT_WARNING, ENG_BOTH,
		"check the statement by hand; lint could not tell what it does" },
	[R_TABLE_REBUILD] = { "table-rebuild", STRATA_LINT_WARNING, ENG_BOTH,
		"check that the INSERT ... SELECT into the new table copies every column whose data "
		"is kept; a column it leaves out is lost" },
	[R_DYNAMIC_SQL] = { "dynamic-sql", STRATA_LINT_ERROR, ENG_PG,
		"read what it runs: lint cannot; write the statements out plainly, or, once checked, "
		"acknowledge it with '-- strata:lint-ignore dynamic-sql'" },
	[R_RELEASES_LOCK] = { "releases-lock", STRATA_LINT_ERROR, ENG_PG,
		"remove it: take your own locks with pg_advisory_xact_lock(), or release only the key "
		"you took with pg_advisory_unlock(key) (up refuses the migration otherwise)" },
	[R_DROP_CASCADE] = { "drop-cascade", STRATA_LINT_ERROR, ENG_PG,
		"drop what depends on it first, each by name in a reviewed statement, then drop it "
		"without CASCADE" },
	[R_TYPE_REWRITE] = { "alter-column-type-rewrite", STRATA_LINT_ERROR, ENG_PG,
		"add a new column of the new type, backfill it in batches, switch the application, "
		"then drop the old one; on a small table, suppress it" },
	[R_LOCK_TIMEOUT] = { "lock-timeout-missing", STRATA_LINT_ERROR, ENG_PG,
		"run up with --lock-timeout (e.g. 5s), or start the up section with "
		"SET lock_timeout = '5s' (SET LOCAL in a migration that runs in a transaction)" },
	[R_DROP_INDEX] = { "drop-index-non-concurrent", STRATA_LINT_WARNING, ENG_PG,
		"DROP INDEX CONCURRENTLY, alone in a migration marked '-- migrate:up transaction:false'" },
	[R_INT_PRIMARY_KEY] = { "int-primary-key", STRATA_LINT_WARNING, ENG_PG,
		"use bigint (bigserial, or bigint GENERATED ALWAYS AS IDENTITY): changing the type "
		"later rewrites the table and every table whose foreign keys point at it" },
	[R_NON_IDEMPOTENT] = { "non-idempotent", STRATA_LINT_WARNING, ENG_BOTH,
		"write it so a second run is a no-op: CREATE ... IF NOT EXISTS, DROP ... IF EXISTS, "
		"ADD COLUMN IF NOT EXISTS (a transaction:false migration that stops partway is run again)" },
	[R_ATTACH_PARTITION] = { "attach-partition", STRATA_LINT_ERROR, ENG_PG,
		"first add to the partition a CHECK constraint matching its bound NOT VALID, VALIDATE "
		"it in a later migration, then ATTACH PARTITION (which then skips the scan) and drop "
		"the check" },
	[R_ADD_EXCLUDE] = { "add-exclude-constraint", STRATA_LINT_ERROR, ENG_PG,
		"there is no online way: add it when the table is created or empty, or build a new "
		"table with the constraint, copy the rows in batches and swap it in" },
	[R_VALIDATE_SAME_TX] = { "validate-same-transaction", STRATA_LINT_ERROR, ENG_PG,
		"VALIDATE CONSTRAINT in a later migration that runs in another transaction (marked "
		"'-- migrate:up transaction:false', or applied by a later up): the NOT VALID add "
		"commits and releases its lock first, and the validation then holds only SHARE "
		"UPDATE EXCLUSIVE, which lets reads and writes go on" },
	[R_DETACH_PARTITION] = { "detach-partition-non-concurrent", STRATA_LINT_WARNING, ENG_PG,
		"ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+), alone in a "
		"migration marked '-- migrate:up transaction:false' (if it stops partway, finish it "
		"with DETACH PARTITION ... FINALIZE)" },
	[R_REINDEX] = { "reindex-non-concurrent", STRATA_LINT_ERROR, ENG_PG,
		"REINDEX ... CONCURRENTLY (PostgreSQL 12+), alone in a migration marked "
		"'-- migrate:up transaction:false'" },
};

/* The rules whose statements destroy data: `up` asks before them. A
 * statement lint cannot judge (dynamic-sql) is asked about as well. */
static const enum rule_id destroying[] = {
	R_DROP_TABLE, R_DROP_COLUMN, R_DROP_SCHEMA, R_DROP_DATABASE, R_TRUNCATE,
	R_DELETE_NO_WHERE, R_UPDATE_NO_WHERE, R_ALTER_COLUMN_TYPE, R_DYNAMIC_SQL, R_DROP_CASCADE,
};

static int destroys(enum rule_id rid)
{
	size_t i;

	for (i = 0; i < sizeof destroying / sizeof destroying[0]; i++)
		if (destroying[i] == rid)
			return 1;
	return 0;
}

int lint_rule_is_destructive(const char *rule)
{
	size_t i;

	for (i = 0; rule && i < sizeof destroying / sizeof destroying[0]; i++)
		if (strcmp(rules[destroying[i]].id, rule) == 0)
			return 1;
	return 0;
}

/*
 * Names without case (SQLite's rule, and PostgreSQL's for unquoted names),
 * each mapped to a number: a hash table, so that a migration of many
 * thousand tables is not linted in quadratic time.
 */
struct name_map {
	char **name;
	size_t *val;
	size_t cap, n;            /* cap: 0 or a power of two, at most half full */
};

/* What one call collects: the findings and the counts. */
struct lint_run {
	unsigned engine;          /* ENG_SQLITE or ENG_PG */
	/* Context (docs/strata-lint.md "With a database"): conn, when there is
	 * one, says how large a table is and what type a column has now;
	 * pending: the files are the pending run, so a table an earlier one
	 * creates is new in the later ones too. */
	drv_conn *conn;
	int read_sizes;           /* ask conn for table sizes (not in up's transaction) */
	int pending;
	long long large_rows;     /* a table of this many rows is large */
	long lock_timeout_ms;     /* the run sets lock_timeout itself (--lock-timeout) */
	int require_lock_timeout; /* report lock-timeout-missing */
	struct name_map created;  /* pending: tables (and "t.c") earlier files created */
	/* set-not-null: "table.column"s a validated CHECK (column IS NOT NULL)
	 * covers (the files so far); "table.constraint" -> index + 1 in
	 * nn_colv: such checks added NOT VALID, for a later VALIDATE; and
	 * "table.constraint"s validated by the files so far */
	struct name_map nn_proven, nn_checks, validated;
	/* validate-same-transaction: "table.constraint"s added NOT VALID in
	 * the transaction so far -> the number of the file (r->files) that
	 * added them: this up section's, and in a pending run the earlier
	 * files' back to the last transaction:false one (up runs them all
	 * in one transaction) */
	struct name_map not_valid;
	char **nn_colv;
	size_t nn_n, nn_a;
	struct name_map types;    /* "table.column" -> index + 1 in typev: as the files left it */
	char **typev;
	size_t ntypes, atypes;
	struct name_map sizes;    /* table -> index + 1 in rowsv / bytesv */
	long long *rowsv, *bytesv; /* rows (-1: unknown), bytes (-1: unknown) */
	size_t nsizes, asizes;
	size_t skipped;           /* applied migrations not linted */
	strata_lint_finding *v;
	size_t n, alloc;
	size_t errors, warnings, suppressed, files, statements;
	int nomem;                /* sticky */
	struct sbuf err;          /* why the call failed */
};

/* The driver of the run's engine (its split is the runner's). */
static const struct strata_driver *run_driver(const struct lint_run *r)
{
	int e;

	for (e = 0; e < ENGINE_COUNT; e++)
		if (r->engine == 1u << e)
			return driver_for_engine(e);
	return NULL;
}

/* A DROP TABLE held back to the end of the file: a table dropped and then
 * replaced by renaming a new one to its name is a rebuild (SQLite's way to
 * make the changes ALTER TABLE cannot), reported as such. */
struct held_drop {
	char *name;
	char *first_line;         /* the statement's first line */
	long line;
	char *rebuilt_from;       /* the new table renamed to name, or NULL */
	size_t same_prev;         /* the earlier held drop of the same name, + 1; 0: none */
};


/* One file being linted. */
struct lint_file {
	struct lint_run *run;
	const char *display;
	const char *content;
	size_t len;
	size_t *lines;            /* byte offset where each line starts; lines[0] = line 1 */
	size_t nlines;
	struct sbuf file_ignores; /* ",rule,rule," from lint-ignore-file comments */
	struct name_map created;  /* tables (and "table.column"s) this up section created */
	struct name_map held_by;  /* name -> index + 1 of its latest held drop */
	struct held_drop *held;   /* DROP TABLEs of existing tables, in order */
	size_t nheld, aheld;
	int no_tx;                /* the up section runs outside a transaction */
	/* Functions and procedures this up section creates whose body destroys
	 * data or runs dynamic SQL: name -> index + 1 in risky. */
	struct name_map risky_by;
	struct risky_fn *risky;
	size_t nrisky, arisky;
	/* Reading a function's body: what it would do, not what runs now.
	 * Findings are not reported; the first destroying one is kept. */
	int probe;
	enum rule_id probe_rule;
	char *probe_msg;
	int depth;                /* DO blocks and bodies within each other */
	/* lock-timeout-missing: a SET of lock_timeout or statement_timeout
	 * seen so far in the up section; the finding made (once a file) */
	int timeout_set, timeout_told;
	/* The next finding's severity when not the rule's (0: the rule's),
	 * and words appended to its message: the table's size. */
	strata_lint_severity sev;
	struct sbuf note;
	/* The statement names its table with a schema: the database's
	 * table of that name on search_path may be another one, so it is
	 * not asked about (a finding keeps the rule's weight). */
	int qualified;
};

struct risky_fn {
	enum rule_id rule;
	char *why;                /* the finding's message */
};

/* One statement of an up section. */
struct lint_stmt {
	const char *text;         /* NUL-terminated copy */
	size_t len;
	long line;                /* line of the file where it starts */
	const char *no_tx;        /* the driver's reason it cannot run in a transaction */
	int no_tx_known;          /* the driver classified it (split succeeded) */
};

/* ---- findings ---------------------------------------------------------- */

static int is_rule_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       (c >= 'A' && c <= 'Z');
}

/* 1 if the rule list in p[0..n) (ids separated by commas or blanks,
 * ending at the first other character) names rule. */
static int list_has(const char *p, size_t n, const char *rule)
{
	size_t i = 0, rl = strlen(rule), s;

	for (;;) {
		while (i < n && (p[i] == ',' || p[i] == ' ' || p[i] == '\t'))
			i++;
		s = i;
		while (i < n && is_rule_char(p[i]))
			i++;
		if (i == s)
			return 0;
		if (i - s == rl && strncasecmp(p + s, rule, rl) == 0)
			return 1;
	}
}

static void line_span(const struct lint_file *f, long line, const char **p, size_t *n)
{
	size_t a, b;

	if (line < 1 || (size_t)line > f->nlines) {
		*p = "";
		*n = 0;
		return;
	}
	a = f->lines[line - 1];
	b = (size_t)line < f->nlines ? f->lines[line] - 1 : f->len;
	if (line == 1 && b - a >= 3 && memcmp(f->content + a, "\xEF\xBB\xBF", 3) == 0)
		a += 3;
	*p = f->content + a;
	*n = b - a;
}

/*
 * Where a `strata:lint-ignore` comment on this line starts its rule list:
 * the offset after the keyword, or -1. file: look for lint-ignore-file
 * instead. Only inside a -- comment, so a string holding the words in an
 * INSERT is (mostly) not taken for one.
 */
static long ignore_list_at(const char *p, size_t n, int file)
{
	static const char kw[] = "strata:lint-ignore";
	size_t k = sizeof kw - 1, i, j;

	for (i = 0; i + 1 < n; i++) {
		if (p[i] != '-' || p[i + 1] != '-')
			continue;
		j = i + 2;
		while (j < n && (p[j] == ' ' || p[j] == '\t'))
			j++;
		if (n - j < k || strncmp(p + j, kw, k) != 0)
			continue;
		j += k;
		if (file) {
			if (n - j >= 5 && strncmp(p + j, "-file", 5) == 0)
				return (long)(j + 5);
		} else if (j == n || p[j] == ' ' || p[j] == '\t' || p[j] == ',') {
			return (long)j;
		}
	}
	return -1;
}

static int comment_only(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
		i++;
	return i + 1 < n && p[i] == '-' && p[i + 1] == '-';
}

static int line_ignores(const struct lint_file *f, long line, const char *rule)
{
	const char *p;
	size_t n;
	long at;

	line_span(f, line, &p, &n);
	at = ignore_list_at(p, n, 0);
	return at >= 0 && list_has(p + at, n - (size_t)at, rule);
}

/* Is rule silenced for a statement starting on line? By the file, by the
 * statement's first line, or by the comment lines right above it. */
static int suppressed(const struct lint_file *f, long line, const char *rule)
{
	struct sbuf key = SBUF_INIT;
	const char *p;
	size_t n;
	long k;
	int hit;

	sbuf_addf(&key, ",%s,", rule);
	hit = strstr(f->file_ignores.buf, key.buf) != NULL;
	sbuf_release(&key);
	if (hit || line_ignores(f, line, rule))
		return 1;
	for (k = line - 1; k >= 1; k--) {
		line_span(f, k, &p, &n);
		if (!comment_only(p, n))
			break;
		if (line_ignores(f, k, rule))
			return 1;
	}
	return 0;
}

/* The statement's first line, shortened to EXCERPT_MAX bytes on a UTF-8
 * boundary, control characters escaped. */
static char *excerpt(const char *s, size_t len)
{
	struct sbuf sb = SBUF_INIT;
	size_t n = 0;

	while (n < len && s[n] != '\n')
		n++;
	/* the same text on both engines: SQLite's split keeps the semicolon */
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t' ||
	             (s[n - 1] == ';' && n == len)))
		n--;
	if (n > EXCERPT_MAX) {
		n = EXCERPT_MAX;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		sbuf_add(&sb, s, n);
		sbuf_adds(&sb, "...");
	} else {
		sbuf_add(&sb, s, n);
	}
	sbuf_escape_controls(&sb, 0);
	return sbuf_detach(&sb);
}

static void emit_at(struct lint_file *f, long line, const char *text, size_t tlen, enum rule_id rid,
                    const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 6, 7)))
#endif
	;

static void emit_at(struct lint_file *f, long line, const char *text, size_t tlen, enum rule_id rid,
                    const char *fmt, ...)
{
	struct lint_run *r = f->run;
	const struct rule *ru = &rules[rid];
	strata_lint_finding *x;
	struct sbuf msg = SBUF_INIT;
	va_list ap;

	if (!(ru->engines & r->engine) || r->nomem)
		return;
	if (f->probe) {
		if (destroys(rid) && !f->probe_msg) {
			va_start(ap, fmt);
			sbuf_vaddf(&msg, fmt, ap);
			va_end(ap);
			f->probe_rule = rid;
			if (!(f->probe_msg = sbuf_detach(&msg)))
				r->nomem = 1;
		}
		return;
	}
	if (suppressed(f, line, ru->id)) {
		r->suppressed++;
		return;
	}
	if (r->n == r->alloc) {
		size_t na = r->alloc ? 2 * r->alloc : 16;
		strata_lint_finding *nv = realloc(r->v, na * sizeof *nv);
		if (!nv) {
			r->nomem = 1;
			return;
		}
		r->v = nv;
		r->alloc = na;
	}
	va_start(ap, fmt);
	sbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (f->note.len)
		sbuf_add(&msg, f->note.buf, f->note.len);
	sbuf_escape_controls(&msg, 0);
	x = &r->v[r->n];
	memset(x, 0, sizeof *x);
	x->rule = ru->id;
	x->severity = f->sev ? f->sev : ru->severity;
	if (rid == R_LOCK_TIMEOUT && !r->require_lock_timeout)
		x->severity = STRATA_LINT_WARNING;
	x->line = line;
	x->file = strdup(f->display);
	x->statement = excerpt(text, tlen);
	x->message = sbuf_detach(&msg);
	x->hint = ru->hint;
	if (!x->file || !x->statement || !x->message) {
		free((char *)x->file);
		free((char *)x->statement);
		free((char *)x->message);
		r->nomem = 1;
		return;
	}
	r->n++;
	if (x->severity == STRATA_LINT_ERROR)
		r->errors++;
	else
		r->warnings++;
}

#define EMIT(f, s, rid, ...) emit_at((f), (s)->line, (s)->text, (s)->len, (rid), __VA_ARGS__)

/* A finding whose weight is the size of table: with a database, an error
 * on a large table (its size in the message), a warning on a small or
 * empty one; without one (or a table it does not have), the rule's own. */
#define EMIT_SIZED(f, s, rid, table, ...) do { \
		size_note((f), (table)); \
		EMIT((f), (s), (rid), __VA_ARGS__); \
		(f)->sev = 0; \
		sbuf_reset(&(f)->note); \
	} while (0)

/* ---- tables this migration created --------------------------------------- */

static size_t name_hash(const char *s)
{
	size_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)tolower((unsigned char)*s);
		h *= 16777619u;
	}
	return h;
}

/* The slot of name in m: where it is, or the empty one where it would go. */
static size_t name_slot(const struct name_map *m, const char *name)
{
	size_t i = name_hash(name) & (m->cap - 1);

	while (m->name[i] && strcasecmp(m->name[i], name) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The value of name, or 0 when it is not in m (values are never 0). */
static size_t name_get(const struct name_map *m, const char *name)
{
	size_t i;

	if (!name || !m->cap)
		return 0;
	i = name_slot(m, name);
	return m->name[i] ? m->val[i] : 0;
}

/* Set name to val (not 0); 0, or STRATA_ENOMEM. */
static int name_put(struct name_map *m, const char *name, size_t val)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct name_map big = { NULL, NULL, m->cap ? 2 * m->cap : 16, 0 };
		big.name = calloc(big.cap, sizeof *big.name);
		big.val = calloc(big.cap, sizeof *big.val);
		if (!big.name || !big.val) {
			free(big.name);
			free(big.val);
			return STRATA_ENOMEM;
		}
		for (i = 0; i < m->cap; i++) {
			if (m->name[i]) {
				size_t j = name_slot(&big, m->name[i]);
				big.name[j] = m->name[i];
				big.val[j] = m->val[i];
				big.n++;
			}
		}
		free(m->name);
		free(m->val);
		*m = big;
	}
	i = name_slot(m, name);
	if (!m->name[i]) {
		if (!(m->name[i] = strdup(name)))
			return STRATA_ENOMEM;
		m->n++;
	}
	m->val[i] = val;
	return 0;
}

static void name_map_release(struct name_map *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->name[i]);
	free(m->name);
	free(m->val);
	memset(m, 0, sizeof *m);
}

static void created_add(struct lint_file *f, const char *name)
{
	if (f->probe)
		return; /* a function's body: not run yet */
	if (name && name_put(&f->created, name, 1) != 0)
		f->run->nomem = 1;
	/* in a pending run, the later files find it new too */
	if (name && f->run->pending && name_put(&f->run->created, name, 1) != 0)
		f->run->nomem = 1;
}

/* Names compare without case: SQLite's rule, and PostgreSQL's for unquoted
 * names (a quoted "Users" beside users is rare enough to not matter here). */
static int is_created(const struct lint_file *f, const char *name)
{
	return name_get(&f->created, name) != 0 ||
	       (f->run->pending && name_get(&f->run->created, name) != 0);
}

static void hold_drop(struct lint_file *f, const struct lint_stmt *s, const char *name)
{
	struct held_drop *h;
	size_t n = 0;

	if (f->probe) {
		/* a function's body: no rebuild to wait for */
		emit_at(f, s->line, s->text, s->len, R_DROP_TABLE,
		        "table '%s' is dropped with every row in it", name);
		return;
	}
	if (f->nheld == f->aheld) {
		size_t na = f->aheld ? 2 * f->aheld : 4;
		struct held_drop *nv = realloc(f->held, na * sizeof *nv);
		if (!nv) {
			f->run->nomem = 1;
			return;
		}
		f->held = nv;
		f->aheld = na;
	}
	while (n < s->len && s->text[n] != '\n')
		n++;
	h = &f->held[f->nheld];
	h->name = strdup(name);
	h->first_line = sbuf_strndup(s->text, n);
	h->line = s->line;
	h->rebuilt_from = NULL;
	h->same_prev = name_get(&f->held_by, name);
	if (!h->name || !h->first_line || name_put(&f->held_by, name, f->nheld + 1) != 0) {
		free(h->name);
		free(h->first_line);
		f->run->nomem = 1;
		return;
	}
	f->nheld++;
}

/* A table this migration created is renamed to `to`: if `to` was dropped
 * before, that drop was a rebuild. Returns 1 when it was. */
static int rebuilt(struct lint_file *f, const char *from, const char *to)
{
	size_t i;

	/* the latest drop of that name not yet taken by a rename */
	for (i = name_get(&f->held_by, to); i; i = f->held[i - 1].same_prev) {
		if (!f->held[i - 1].rebuilt_from) {
			f->held[i - 1].rebuilt_from = strdup(from);
			if (!f->held[i - 1].rebuilt_from)
				f->run->nomem = 1;
			return 1;
		}
	}
	return 0;
}

static void emit_held(struct lint_file *f)
{
	size_t i;

	for (i = 0; i < f->nheld; i++) {
		struct held_drop *h = &f->held[i];
		if (h->rebuilt_from)
			emit_at(f, h->line, h->first_line, strlen(h->first_line), R_TABLE_REBUILD,
			        "table '%s' is rebuilt: dropped, then replaced by '%s' renamed; rows "
			        "survive only as copied into it", h->name, h->rebuilt_from);
		else
			emit_at(f, h->line, h->first_line, strlen(h->first_line), R_DROP_TABLE,
			        "table '%s' is dropped with every row in it", h->name);
	}
}

/* ---- the parse tree ------------------------------------------------------- */

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int jtrue(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* The last String of a list of {"String": {"sval": ...}} nodes. */
static const char *last_sval(json_t *list)
{
	size_t n = json_array_size(list);

	if (!n)
		return NULL;
	return jstr(json_object_get(json_array_get(list, n - 1), "String"), "sval");
}

int lint_option_on(json_t *list, const char *name, int dflt)
{
	size_t i;
	json_t *it, *de, *arg, *v;
	const char *s;

	json_array_foreach(list, i, it) {
		de = json_object_get(it, "DefElem");
		s = jstr(de, "defname");
		if (!s || strcmp(s, name) != 0)
			continue;
		arg = json_object_get(de, "arg");
		if (!arg)
			return 1;
		/* libpg_query leaves out fields that are zero or false */
		if ((v = json_object_get(arg, "String")) != NULL) {
			s = jstr(v, "sval");
			return !(s && (strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0 ||
			               strcasecmp(s, "no") == 0 || strcmp(s, "0") == 0));
		}
		if ((v = json_object_get(arg, "Boolean")) != NULL)
			return jtrue(v, "boolval");
		if ((v = json_object_get(arg, "Integer")) != NULL)
			return json_integer_value(json_object_get(v, "ival")) != 0;
		return 1;
	}
	return dflt;
}

static const char *relname(json_t *rangevar)
{
	const char *s = jstr(rangevar, "relname");
	return s ? s : "?";
}

/* ---- context: the live database ---------------------------------------- */

/* One query on the run's connection; NULL when it failed (lint then knows
 * less: the rule's own severity applies) or there is no connection. */
static struct drv_rows *live_query(struct lint_run *r, const char *sql, const char *const *p, int np)
{
	struct drv_rows *rows = NULL;
	struct drv_err e;

	if (!r->conn)
		return NULL;
	drv_err_init(&e);
	if (drv_query(r->conn, sql, p, np, &rows, &e) != 0)
		rows = NULL;
	drv_err_release(&e);
	return rows;
}

/* Rows in the table called qname (quoted), counted only up to the large
 * size, so that a huge table costs no more than a large one. */
static long long bounded_count(struct lint_run *r, const char *qname)
{
	struct sbuf sql = SBUF_INIT;
	struct drv_rows *rows;
	long long n = -1;

	sbuf_addf(&sql, "SELECT count(*) FROM (SELECT 1 FROM %s LIMIT %lld) AS strata_lint_count",
	          qname, r->large_rows);
	if (!sbuf_failed(&sql) && (rows = live_query(r, sql.buf, NULL, 0)) != NULL) {
		if (rows->nrows == 1 && drv_cell(rows, 0, 0))
			n = strtoll(drv_cell(rows, 0, 0), NULL, 10);
		drv_rows_free(rows);
	}
	sbuf_release(&sql);
	return n;
}

/*
 * The size of table (as the statement names it, unqualified) in the live
 * database: rows (-1: unknown, or no such table) and bytes (-1: unknown).
 * PostgreSQL: the planner's estimate (pg_class.reltuples), counted up to
 * the large size where the table was never analysed; SQLite: counted up to
 * the large size. Looked up once a run.
 */
static void table_size(struct lint_run *r, const char *table, long long *rows, long long *bytes)
{
	static const char pg_sql[] =
		"SELECT c.reltuples::bigint, pg_total_relation_size(c.oid), pg_relation_size(c.oid), "
		"c.relkind::text, quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
		"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
		"WHERE c.relname = $1 AND c.relkind IN ('r', 'p', 'm') AND pg_table_is_visible(c.oid)";
	static const char sqlite_sql[] =
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name = $1 COLLATE NOCASE";
	struct drv_rows *q;
	size_t k;

	*rows = *bytes = -1;
	if (!r->conn || !table)
		return;
	if ((k = name_get(&r->sizes, table)) != 0) {
		*rows = r->rowsv[k - 1];
		*bytes = r->bytesv[k - 1];
		return;
	}
	q = live_query(r, r->engine == ENG_PG ? pg_sql : sqlite_sql, &table, 1);
	if (q && q->nrows == 1 && r->engine == ENG_PG) {
		const char *tuples = drv_cell(q, 0, 0), *total = drv_cell(q, 0, 1);
		const char *heap = drv_cell(q, 0, 2), *kind = drv_cell(q, 0, 3);
		*rows = tuples ? strtoll(tuples, NULL, 10) : -1;
		*bytes = total ? strtoll(total, NULL, 10) : -1;
		if (kind && kind[0] == 'p') {
			*bytes = -1; /* the partitions hold the data */
			*rows = bounded_count(r, drv_cell(q, 0, 4));
		} else if (*rows < 0) {
			/* never analysed (PostgreSQL 14+ says -1) */
			*rows = heap && strcmp(heap, "0") == 0 ? 0 : bounded_count(r, drv_cell(q, 0, 4));
		}
	} else if (q && q->nrows == 1) {
		struct sbuf qn = SBUF_INIT;
		sbuf_add_ident(&qn, drv_cell(q, 0, 0));
		if (!sbuf_failed(&qn))
			*rows = bounded_count(r, qn.buf);
		sbuf_release(&qn);
	}
	drv_rows_free(q);
	if (r->nsizes == r->asizes) {
		size_t na = r->asizes ? 2 * r->asizes : 8;
		long long *nr = realloc(r->rowsv, na * sizeof *nr), *nb;
		if (!nr) {
			r->nomem = 1;
			return;
		}
		r->rowsv = nr;
		if (!(nb = realloc(r->bytesv, na * sizeof *nb))) {
			r->nomem = 1;
			return;
		}
		r->bytesv = nb;
		r->asizes = na;
	}
	r->rowsv[r->nsizes] = *rows;
	r->bytesv[r->nsizes] = *bytes;
	if (name_put(&r->sizes, table, ++r->nsizes) != 0)
		r->nomem = 1;
}

/* The weight of the next finding by the size of table: see EMIT_SIZED. */
static void size_note(struct lint_file *f, const char *table)
{
	struct lint_run *r = f->run;
	long long rows, bytes;

	f->sev = 0;
	sbuf_reset(&f->note);
	if (!r->conn || !r->read_sizes || f->probe || f->qualified)
		return;
	table_size(r, table, &rows, &bytes);
	if (rows < 0)
		return;
	if (rows >= r->large_rows) {
		f->sev = STRATA_LINT_ERROR;
		sbuf_addf(&f->note, " (table '%s' is large: %s%lld rows", table,
		          rows == r->large_rows ? "at least " : "about ", rows);
		if (bytes >= 0)
			sbuf_addf(&f->note, ", %lld MB", (bytes + (1 << 19)) >> 20);
		sbuf_addf(&f->note, "; large from %lld rows)", r->large_rows);
	} else {
		f->sev = STRATA_LINT_WARNING;
		sbuf_addf(&f->note, " (table '%s' is small: about %lld rows, under the large-table "
		          "threshold of %lld)", table, rows, r->large_rows);
	}
	if (sbuf_failed(&f->note))
		r->nomem = 1;
}

/* ---- column types: what a type change does -------------------------------- */

/*
 * A column type as a key that compares: the type's own name as
 * PostgreSQL's grammar resolves it ("int4", "numeric", "varchar"; DECIMAL
 * and INTEGER are the same as NUMERIC and INT), then its modifiers,
 * "numeric(18,8)", "varchar(20)", "int4[]". NULL when out of memory or
 * not a plain type name.
 */
static char *type_key(json_t *tn)
{
	struct sbuf k = SBUF_INIT;
	const char *name = last_sval(json_object_get(tn, "names"));
	json_t *m, *ival;
	size_t i;

	if (!name)
		return NULL;
	/* a serial column is an integer one with a default */
	if (strcmp(name, "serial") == 0 || strcmp(name, "serial4") == 0)
		name = "int4";
	else if (strcmp(name, "bigserial") == 0 || strcmp(name, "serial8") == 0)
		name = "int8";
	else if (strcmp(name, "smallserial") == 0 || strcmp(name, "serial2") == 0)
		name = "int2";
	sbuf_adds(&k, name);
	if (json_array_size(json_object_get(tn, "typmods"))) {
		sbuf_addc(&k, '(');
		json_array_foreach(json_object_get(tn, "typmods"), i, m) {
			ival = json_object_get(json_object_get(json_object_get(m, "A_Const"), "ival"), "ival");
			if (!json_is_integer(ival)) {
				/* A_Const with ival 0 leaves it out */
				if (!json_object_get(m, "A_Const")) {
					sbuf_release(&k);
					return NULL;
				}
			}
			sbuf_addf(&k, "%s%lld", i ? "," : "", ival ? (long long)json_integer_value(ival) : 0LL);
		}
		sbuf_addc(&k, ')');
	}
	if (json_array_size(json_object_get(tn, "arrayBounds")))
		sbuf_adds(&k, "[]");
	return sbuf_detach(&k);
}

/* The key of a type as PostgreSQL's format_type() spells it. */
static char *type_key_of_text(const char *type)
{
	struct sbuf sql = SBUF_INIT;
	struct pgq_stmt p;
	json_t *tn;
	char *key = NULL;

	sbuf_addf(&sql, "CREATE TABLE strata_lint (c %s)", type);
	if (sbuf_failed(&sql))
		return NULL;
	if (pgq_parse_one(sql.buf, sql.len, &p) == 0 && p.type && strcmp(p.type, "CreateStmt") == 0) {
		tn = json_object_get(p.node, "tableElts");
		tn = json_object_get(json_object_get(json_array_get(tn, 0), "ColumnDef"), "typeName");
		if (tn)
			key = type_key(tn);
	}
	pgq_stmt_release(&p);
	sbuf_release(&sql);
	return key;
}

/* Remember that table.column has the type tn now (NULL: forget it). */
static void type_set(struct lint_file *f, const char *table, const char *col, json_t *tn)
{
	struct lint_run *r = f->run;
	struct sbuf tc = SBUF_INIT;
	char *key = tn ? type_key(tn) : NULL;
	size_t k;

	if (f->probe || !table || !col) {
		free(key);
		return;
	}
	sbuf_addf(&tc, "%s.%s", table, col);
	if (sbuf_failed(&tc)) {
		free(key);
		r->nomem = 1;
		return;
	}
	if ((k = name_get(&r->types, tc.buf)) != 0) {
		free(r->typev[k - 1]);
		r->typev[k - 1] = key; /* NULL: not known any more */
	} else if (key) {
		if (r->ntypes == r->atypes) {
			size_t na = r->atypes ? 2 * r->atypes : 16;
			char **nv = realloc(r->typev, na * sizeof *nv);
			if (!nv) {
				free(key);
				r->nomem = 1;
				goto out;
			}
			r->typev = nv;
			r->atypes = na;
		}
		r->typev[r->ntypes++] = key;
		if (name_put(&r->types, tc.buf, r->ntypes) != 0)
			r->nomem = 1;
	}
out:
	sbuf_release(&tc);
}

/* The type table.column has before this statement (a key, to free), as the
 * files so far left it, else as the live database has it; NULL: unknown. */
static char *type_now(struct lint_file *f, const char *table, const char *col)
{
	static const char sql[] =
		"SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
		"JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = $1 AND a.attname = $2 "
		"AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') "
		"AND pg_table_is_visible(c.oid)";
	struct lint_run *r = f->run;
	struct sbuf tc = SBUF_INIT;
	struct drv_rows *q;
	const char *p[2];
	char *key = NULL;
	size_t k;

	sbuf_addf(&tc, "%s.%s", table, col);
	k = sbuf_failed(&tc) ? 0 : name_get(&r->types, tc.buf);
	sbuf_release(&tc);
	if (k)
		return r->typev[k - 1] ? strdup(r->typev[k - 1]) : NULL;
	if (r->engine != ENG_PG || f->qualified)
		return NULL;
	p[0] = table;
	p[1] = col;
	if ((q = live_query(r, sql, p, 2)) != NULL) {
		if (q->nrows == 1 && drv_cell(q, 0, 0))
			key = type_key_of_text(drv_cell(q, 0, 0));
		drv_rows_free(q);
	}
	return key;
}

enum { TC_SAME, TC_SAFE, TC_REWRITE, TC_RISKY };

/* A key as SQL spells it, for messages: "int4" is "integer". */
static const char *type_shown(const char *key)
{
	static const struct { const char *key, *sql; } names[] = {
		{ "int2", "smallint" }, { "int4", "integer" }, { "int8", "bigint" },
		{ "float4", "real" }, { "float8", "double precision" }, { "bpchar", "char" },
		{ "bool", "boolean" },
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(key, names[i].key) == 0)
			return names[i].sql;
	return key;
}

/* Split a key "name(a,b)" into its name (in base, of size bn) and modifiers. */
static int key_split(const char *key, char *base, size_t bn, long long *a, long long *b)
{
	size_t n = strcspn(key, "([");
	int nm = 0;

	if (n >= bn || key[n] == '[')
		return -1; /* arrays: not judged */
	memcpy(base, key, n);
	base[n] = '\0';
	*a = *b = -1;
	if (key[n] == '(') {
		char *end;
		*a = strtoll(key + n + 1, &end, 10);
		nm = 1;
		if (*end == ',') {
			*b = strtoll(end + 1, &end, 10);
			nm = 2;
		}
	}
	return nm;
}

static int rank_of(const char *base, const char *const *ladder)
{
	int i;

	for (i = 0; ladder[i]; i++)
		if (strcmp(base, ladder[i]) == 0)
			return i;
	return -1;
}

/*
 * What changing a column from type `from` to type `to` does on PostgreSQL:
 * TC_SAFE, no rewrite and no value changes (varchar(n) to a larger n or to
 * text, numeric(p,s) to a larger p of the same s or to plain numeric);
 * TC_REWRITE, every value converts exactly but the table is rewritten
 * (smallint to integer to bigint, real to double precision, a numeric with
 * room for as many digits on both sides of the point); TC_RISKY: anything
 * else, values may fail to convert or lose precision.
 */
static int type_change(const char *from, const char *to)
{
	static const char *const ints[] = { "int2", "int4", "int8", NULL };
	static const char *const floats[] = { "float4", "float8", NULL };
	char fb[64], tb[64];
	long long fp, fs, tp, ts;
	int fn, tn, fr, tr;

	if (strcmp(from, to) == 0)
		return TC_SAME;
	fn = key_split(from, fb, sizeof fb, &fp, &fs);
	tn = key_split(to, tb, sizeof tb, &tp, &ts);
	if (fn < 0 || tn < 0)
		return TC_RISKY;
	if ((strcmp(fb, "varchar") == 0 || strcmp(fb, "text") == 0) &&
	    (strcmp(tb, "varchar") == 0 || strcmp(tb, "text") == 0)) {
		/* text and varchar are binary-compatible; only a limit can fail */
		if (tn == 0)
			return TC_SAFE;
		return strcmp(fb, "varchar") == 0 && fn == 1 && tp >= fp ? TC_SAFE : TC_RISKY;
	}
	if (strcmp(fb, "numeric") == 0 && strcmp(tb, "numeric") == 0) {
		if (tn == 0)
			return TC_SAFE; /* any numeric fits plain numeric, unchanged */
		if (fn == 0)
			return TC_RISKY;
		if (fs < 0)
			fs = 0;
		if (ts < 0)
			ts = 0;
		if (ts == fs && tp >= fp)
			return TC_SAFE; /* the same scale, more digits: no rewrite (PostgreSQL 9.2+) */
		if (ts >= fs && tp - ts >= fp - fs)
			return TC_REWRITE;
		return TC_RISKY;
	}
	fr = rank_of(fb, ints);
	tr = rank_of(tb, ints);
	if (fr >= 0 && fn == 0 && tn == 0 && (tr > fr || (tr < 0 && strcmp(tb, "numeric") == 0)))
		return TC_REWRITE;
	fr = rank_of(fb, floats);
	tr = rank_of(tb, floats);
	if (fr >= 0 && tr > fr && fn == 0 && tn == 0)
		return TC_REWRITE;
	return TC_RISKY;
}

/* Functions whose value differs per row: as a column default on ADD COLUMN
 * they make PostgreSQL rewrite the table (a stable one such as now() does
 * not, since PostgreSQL 11). */
static const char *const volatile_funcs[] = {
	"random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1",
	"uuid_generate_v1mc", "uuid_generate_v4", "nextval", "txid_current", "setseed", NULL,
};

/* The name of function name if it is on list, else NULL. */
static const char *on_list(const char *const *list, const char *name)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (strcmp(name, list[i]) == 0)
			return list[i];
	return NULL;
}

/* The first function called anywhere in the expression n that pick
 * returns a name for (that name). */
static const char *find_func(json_t *n, const char *(*pick)(const char *name))
{
	const char *k, *s;
	json_t *v;
	size_t i;

	if (json_is_array(n)) {
		json_array_foreach(n, i, v)
			if ((s = find_func(v, pick)) != NULL)
				return s;
		return NULL;
	}
	if (!json_is_object(n))
		return NULL;
	json_object_foreach(n, k, v) {
		if (strcmp(k, "FuncCall") == 0 && (s = last_sval(json_object_get(v, "funcname"))) &&
		    (s = pick(s)) != NULL)
			return s;
		if ((s = find_func(v, pick)) != NULL)
			return s;
	}
	return NULL;
}

static const char *pick_volatile(const char *name)
{
	return on_list(volatile_funcs, name);
}

/* Built-in functions that are not volatile (immutable or stable): as a
 * column default they are evaluated once, and ADD COLUMN does not rewrite
 * the table. A function on neither list is one lint cannot judge alone. */
static const char *const steady_funcs[] = {
	"now", "statement_timestamp", "transaction_timestamp", "current_setting", "current_database",
	"current_schema", "current_user", "session_user", "version", "pg_backend_pid",
	"lower", "upper", "btrim", "ltrim", "rtrim", "trim", "concat", "concat_ws", "length",
	"replace", "substring", "substr", "left", "right", "lpad", "rpad", "format", "md5",
	"to_char", "to_date", "to_timestamp", "to_number", "date_trunc", "date_part", "make_date",
	"make_time", "make_timestamp", "make_timestamptz", "make_interval", "timezone", "age",
	"abs", "round", "trunc", "floor", "ceil", "ceiling", "power", "sqrt", "mod",
	"jsonb_build_object", "json_build_object", "jsonb_build_array", "json_build_array",
	"to_jsonb", "to_json", "array_to_json", "jsonb_object", "json_object", "array_fill",
	"array_append", "array_prepend", "array_cat", "string_to_array", "array_to_string",
	"cardinality", "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange",
	"to_tsvector", "decode", "encode", "convert_to", "inet", "point", NULL,
};

/* A function on neither the volatile nor the steady list (unknown:
 * perhaps the user's). */
static const char *pick_unknown(const char *name)
{
	return on_list(volatile_funcs, name) || on_list(steady_funcs, name) ? NULL : name;
}

/* The first volatile function called anywhere in the expression n. */
static const char *find_volatile(json_t *n)
{
	return find_func(n, pick_volatile);
}

/* What the live database says of the function called name: 1 volatile
 * (any function of that name is), 0 not, -1 unknown (no database, no
 * such function, or the query failed). */
static int live_volatile(struct lint_run *r, const char *name)
{
	static const char sql[] =
		"SELECT count(*), count(*) FILTER (WHERE provolatile = 'v') FROM pg_proc "
		"WHERE proname = $1 AND pg_function_is_visible(oid)";
	struct drv_rows *q;
	int v = -1;

	if (r->engine != ENG_PG || !(q = live_query(r, sql, &name, 1)))
		return -1;
	if (q->nrows == 1 && drv_cell(q, 0, 0) && drv_cell(q, 0, 1) &&
	    strcmp(drv_cell(q, 0, 0), "0") != 0)
		v = strcmp(drv_cell(q, 0, 1), "0") != 0;
	drv_rows_free(q);
	return v;
}

static int is_serial(json_t *type_name)
{
	static const char *const serials[] = {
		"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8", NULL,
	};
	const char *s = last_sval(json_object_get(type_name, "names"));
	size_t i;

	for (i = 0; s && serials[i]; i++)
		if (strcmp(s, serials[i]) == 0)
			return 1;
	return 0;
}

/* A default expression that is the constant NULL. */
static int is_null_const(json_t *e)
{
	return jtrue(json_object_get(e, "A_Const"), "isnull");
}

/* 1 when every column an UPDATE sets (its targetList) was added to table by
 * this migration: filling a new column is a backfill. */
static int only_new_columns(const struct lint_file *f, const char *table, json_t *targets)
{
	json_t *it;
	size_t i;
	int any = 0;

	if (!table)
		return 0;
	json_array_foreach(targets, i, it) {
		const char *col = jstr(json_object_get(it, "ResTarget"), "name");
		struct sbuf tc = SBUF_INIT;
		int hit;
		if (!col)
			return 0;
		sbuf_addf(&tc, "%s.%s", table, col);
		hit = !sbuf_failed(&tc) && is_created(f, tc.buf);
		sbuf_release(&tc);
		if (!hit)
			return 0;
		any = 1;
	}
	return any;
}

/*
 * A statement that takes a lock other sessions queue behind on an existing
 * table: without lock_timeout it waits for the longest running query, and
 * everything after it waits for it. Reported once a file, when asked for
 * (--require-lock-timeout) and neither the run (--lock-timeout) nor an
 * earlier SET of the up section bounds the wait.
 */
static void lock_taken(struct lint_file *f, const struct lint_stmt *s, const char *table)
{
	struct lint_run *r = f->run;

	if (!r->require_lock_timeout || r->lock_timeout_ms > 0 || f->timeout_set ||
	    f->timeout_told || f->probe)
		return;
	f->timeout_told = 1;
	EMIT(f, s, R_LOCK_TIMEOUT, "this statement locks '%s' with no lock_timeout set: it waits "
	     "behind every running query on the table, and every query after it waits too",
	     table ? table : "?");
}

/* SET [LOCAL] lock_timeout / statement_timeout to something other than 0
 * (which turns it off). In a transaction:false migration SET LOCAL does
 * nothing. */
static void note_timeout_set(struct lint_file *f, json_t *n)
{
	const char *name = jstr(n, "name"), *kind = jstr(n, "kind");
	json_t *arg = json_object_get(json_array_get(json_object_get(n, "args"), 0), "A_Const");
	json_t *iv = json_object_get(json_object_get(arg, "ival"), "ival");
	const char *sv = jstr(json_object_get(arg, "sval"), "sval");

	if (!name || !kind || strcmp(kind, "VAR_SET_VALUE") != 0 ||
	    (strcmp(name, "lock_timeout") != 0 && strcmp(name, "statement_timeout") != 0))
		return;
	if (jtrue(n, "is_local") && f->no_tx)
		return;
	if ((iv && json_integer_value(iv) == 0) || (!iv && (!sv || strcmp(sv, "0") == 0)))
		return;
	f->timeout_set = 1;
}

/* ALTER COLUMN ... TYPE: judged by the type the column has now. */
static void lint_column_type(struct lint_file *f, const struct lint_stmt *s, const char *table,
                             const char *col, json_t *coldef)
{
	json_t *tn = json_object_get(coldef, "typeName");
	char *from = type_now(f, table, col), *to = type_key(tn);
	int tc = from && to ? type_change(from, to) : TC_RISKY;

	/* USING runs an expression of the user's: anything may come of it */
	if (json_object_get(coldef, "raw_default"))
		tc = TC_RISKY;
	if (tc == TC_REWRITE)
		EMIT_SIZED(f, s, R_TYPE_REWRITE, table,
		     "column '%s.%s' changes type from %s to %s: every value converts, but the table "
		     "and its indexes are rewritten under an ACCESS EXCLUSIVE lock", table, col,
		     type_shown(from), type_shown(to));
	else if (tc == TC_RISKY && from && to)
		EMIT(f, s, R_ALTER_COLUMN_TYPE,
		     "column '%s.%s' changes type from %s to %s: the table is rewritten under an ACCESS "
		     "EXCLUSIVE lock, and values that do not convert fail or lose precision",
		     table, col, type_shown(from), type_shown(to));
	else if (tc == TC_RISKY)
		EMIT(f, s, R_ALTER_COLUMN_TYPE,
		     "column '%s.%s' changes type: the table is rewritten under an ACCESS EXCLUSIVE "
		     "lock, and values that do not convert fail or lose precision", table, col);
	/* TC_SAME, TC_SAFE: the catalog changes, no row does */
	type_set(f, table, col, tn);
	free(from);
	free(to);
}

/* A primary key column of a 4-byte (or 2-byte) integer type: it runs out
 * at 2,147,483,647 rows ever inserted, and widening it later rewrites the
 * table and every one whose foreign keys point at it. */
static void int_primary_key(struct lint_file *f, const struct lint_stmt *s, const char *table,
                            const char *col, json_t *tn)
{
	char *key = type_key(tn);
	const char *name = last_sval(json_object_get(tn, "names"));

	if (key && (strcmp(key, "int4") == 0 || strcmp(key, "int2") == 0))
		EMIT(f, s, R_INT_PRIMARY_KEY, "primary key '%s.%s' is %s: it overflows after %s rows "
		     "ever inserted", table ? table : "?", col ? col : "?", name ? name : key,
		     key[3] == '4' ? "2,147,483,647" : "32,767");
	free(key);
}

/* CREATE TABLE: remember its columns' types; an int primary key. */
static void lint_create_table(struct lint_file *f, const struct lint_stmt *s, json_t *n)
{
	const char *table = jstr(json_object_get(n, "relation"), "relname");
	json_t *it, *cd, *c, *con, *k;
	size_t i, j, kk;

	json_array_foreach(json_object_get(n, "tableElts"), i, it) {
		if ((cd = json_object_get(it, "ColumnDef")) != NULL) {
			type_set(f, table, jstr(cd, "colname"), json_object_get(cd, "typeName"));
			json_array_foreach(json_object_get(cd, "constraints"), j, c)
				if (strcmp(jstr(json_object_get(c, "Constraint"), "contype") ?
				           jstr(json_object_get(c, "Constraint"), "contype") : "",
				           "CONSTR_PRIMARY") == 0)
					int_primary_key(f, s, table, jstr(cd, "colname"),
					                json_object_get(cd, "typeName"));
		} else if ((con = json_object_get(it, "Constraint")) != NULL &&
		           strcmp(jstr(con, "contype") ? jstr(con, "contype") : "", "CONSTR_PRIMARY") == 0 &&
		           json_array_size(json_object_get(con, "keys")) == 1) {
			/* PRIMARY KEY (id): the column's type is in its definition */
			const char *kc = jstr(json_object_get(json_array_get(json_object_get(con, "keys"), 0),
			                                      "String"), "sval");
			json_array_foreach(json_object_get(n, "tableElts"), kk, k) {
				cd = json_object_get(k, "ColumnDef");
				if (cd && kc && jstr(cd, "colname") && strcmp(jstr(cd, "colname"), kc) == 0)
					int_primary_key(f, s, table, kc, json_object_get(cd, "typeName"));
			}
		}
	}
	if (f->no_tx && !jtrue(n, "if_not_exists"))
		EMIT(f, s, R_NON_IDEMPOTENT, "CREATE TABLE '%s' without IF NOT EXISTS fails when the "
		     "migration runs again after stopping partway (transaction:false)", table ? table : "?");
}

static void lint_add_column(struct lint_file *f, const struct lint_stmt *s, const char *table,
                            int created, json_t *coldef)
{
	const char *col = jstr(coldef, "colname"), *ct, *vf = NULL, *uf = NULL;
	int uv = -1;
	int not_null = 0, has_default = 0, generated = 0, identity = 0, unique = 0;
	json_t *it, *c;
	size_t i;

	if (!col)
		col = "?";
	if (!created && table) {
		/* Remembered as "table.column": an UPDATE that only fills
		 * columns added here is a backfill, not a loss of data. */
		struct sbuf tc = SBUF_INIT;
		sbuf_addf(&tc, "%s.%s", table, col);
		if (sbuf_failed(&tc))
			f->run->nomem = 1;
		else
			created_add(f, tc.buf);
		sbuf_release(&tc);
	}
	json_array_foreach(json_object_get(coldef, "constraints"), i, it) {
		c = json_object_get(it, "Constraint");
		ct = jstr(c, "contype");
		if (!ct)
			continue;
		if (strcmp(ct, "CONSTR_NOTNULL") == 0) {
			not_null = 1;
		} else if (strcmp(ct, "CONSTR_PRIMARY") == 0) {
			not_null = unique = 1;
			int_primary_key(f, s, table, col, json_object_get(coldef, "typeName"));
		} else if (strcmp(ct, "CONSTR_UNIQUE") == 0) {
			unique = 1;
		} else if (strcmp(ct, "CONSTR_DEFAULT") == 0) {
			json_t *e = json_object_get(c, "raw_expr");
			if (e && !is_null_const(e)) {
				has_default = 1;
				if (!vf)
					vf = find_volatile(e);
				if (!uf)
					uf = find_func(e, pick_unknown);
			}
		} else if (strcmp(ct, "CONSTR_GENERATED") == 0) {
			generated = 1;
		} else if (strcmp(ct, "CONSTR_IDENTITY") == 0) {
			identity = 1;
		}
	}
	/* SQLite refuses the column on any table; PostgreSQL only fails on a
	 * table with rows, which a table created here has not. */
	if (not_null && !has_default && !generated && !identity && !is_serial(json_object_get(coldef, "typeName")) &&
	    (f->run->engine == ENG_SQLITE || !created))
		EMIT(f, s, R_ADD_COLUMN_NOT_NULL,
		     "column '%s.%s' is added NOT NULL without a default: %s", table, col,
		     f->run->engine == ENG_SQLITE ? "SQLite refuses that"
		                                  : "this fails as soon as the table has a row");
	if (created)
		return;
	if (!vf && uf && (uv = live_volatile(f->run, uf)) == 1)
		vf = uf;
	if (vf) {
		EMIT_SIZED(f, s, R_ADD_COLUMN_VOLATILE, table,
		     "column '%s.%s' is added with a volatile default (%s()): the table is rewritten "
		     "under an ACCESS EXCLUSIVE lock", table, col, vf);
	} else if (uf && uv < 0 && !generated) {
		/* squawk's choice too: a function not known to be steady may
		 * rewrite the table; a warning, as lint cannot tell */
		f->sev = STRATA_LINT_WARNING;
		EMIT(f, s, R_ADD_COLUMN_VOLATILE,
		     "column '%s.%s' is added with a default calling %s(), which lint cannot tell "
		     "is volatile (%s): if it is, the table is rewritten under an ACCESS EXCLUSIVE "
		     "lock", table, col, uf, f->run->conn ? "the database has no such function"
		                                          : "no database to ask");
		f->sev = 0;
	}
	if (!vf && (is_serial(json_object_get(coldef, "typeName")) || identity || generated))
		EMIT_SIZED(f, s, R_ADD_COLUMN_VOLATILE, table,
		     "column '%s.%s' is added as %s: the table is rewritten under an ACCESS EXCLUSIVE lock",
		     table, col, generated ? "a stored generated column"
		                           : identity ? "an identity column" : "a serial column");
	if (unique)
		EMIT_SIZED(f, s, R_ADD_UNIQUE, table,
		     "column '%s.%s' is added %s: its index is built under an ACCESS EXCLUSIVE lock",
		     table, col, not_null ? "as PRIMARY KEY" : "UNIQUE");
}

/* ---- NOT VALID constraints, and what a validated one proves --------------- */

/* "table.name" into sb (reset first); 0, or -1 when out of memory. */
static int pair_key(struct lint_file *f, struct sbuf *sb, const char *table, const char *name)
{
	sbuf_reset(sb);
	sbuf_addf(sb, "%s.%s", table ? table : "?", name ? name : "?");
	if (sbuf_failed(sb)) {
		f->run->nomem = 1;
		return -1;
	}
	return 0;
}

/* The column c of a CHECK (c IS NOT NULL); NULL for any other check. */
static const char *not_null_check_col(json_t *con)
{
	json_t *nt = json_object_get(json_object_get(con, "raw_expr"), "NullTest");
	json_t *fields = json_object_get(json_object_get(json_object_get(nt, "arg"), "ColumnRef"),
	                                 "fields");
	const char *t = jstr(nt, "nulltesttype");

	if (!t || strcmp(t, "IS_NOT_NULL") != 0 || json_array_size(fields) != 1)
		return NULL;
	return jstr(json_object_get(json_array_get(fields, 0), "String"), "sval");
}

/* table.col is covered by a validated CHECK (col IS NOT NULL) from here on. */
static void nn_prove(struct lint_file *f, const char *table, const char *col)
{
	struct sbuf k = SBUF_INIT;

	if (!f->probe && col && pair_key(f, &k, table, col) == 0 &&
	    name_put(&f->run->nn_proven, k.buf, 1) != 0)
		f->run->nomem = 1;
	sbuf_release(&k);
}

/* ADD CONSTRAINT: a NOT VALID one is remembered for a VALIDATE later in
 * the section (validate-same-transaction); a CHECK (col IS NOT NULL) for
 * set-not-null, proving col at once when validated, else at its VALIDATE. */
static void constraint_added(struct lint_file *f, const char *table, json_t *con)
{
	struct lint_run *r = f->run;
	const char *name = jstr(con, "conname"), *ct = jstr(con, "contype");
	const char *col = ct && strcmp(ct, "CONSTR_CHECK") == 0 ? not_null_check_col(con) : NULL;
	int nv = jtrue(con, "skip_validation");
	struct sbuf k = SBUF_INIT;

	if (f->probe)
		return;
	if (col && !nv)
		nn_prove(f, table, col);
	if (nv && name && pair_key(f, &k, table, name) == 0) {
		/* transaction:false: the add commits at once */
		if (!f->no_tx && name_put(&r->not_valid, k.buf, r->files) != 0)
			r->nomem = 1;
		if (col) {
			char *c = strdup(col);
			if (r->nn_n == r->nn_a) {
				size_t na = r->nn_a ? 2 * r->nn_a : 8;
				char **nv2 = realloc(r->nn_colv, na * sizeof *nv2);
				if (!nv2) {
					free(c);
					c = NULL;
				} else {
					r->nn_colv = nv2;
					r->nn_a = na;
				}
			}
			if (!c) {
				r->nomem = 1;
			} else {
				r->nn_colv[r->nn_n++] = c;
				if (name_put(&r->nn_checks, k.buf, r->nn_n) != 0)
					r->nomem = 1;
			}
		}
	}
	sbuf_release(&k);
}

/* VALIDATE CONSTRAINT name on table. */
static void constraint_validated(struct lint_file *f, const struct lint_stmt *s,
                                 const char *table, const char *name)
{
	struct lint_run *r = f->run;
	struct sbuf k = SBUF_INIT;
	size_t c;

	if (f->probe || pair_key(f, &k, table, name) != 0)
		goto out;
	if (!f->no_tx && (c = name_get(&r->not_valid, k.buf)) != 0)
		EMIT(f, s, R_VALIDATE_SAME_TX,
		     "constraint '%s' on '%s' is validated in the same transaction that adds it NOT "
		     "VALID (%s): the scan runs while the add's lock (ACCESS EXCLUSIVE, or SHARE ROW "
		     "EXCLUSIVE for a foreign key) is still held, so NOT VALID buys nothing",
		     name, table, c == r->files ? "in this migration"
		                                : "by an earlier migration of the same pending run");
	if ((c = name_get(&r->nn_checks, k.buf)) != 0)
		nn_prove(f, table, r->nn_colv[c - 1]);
	if (name_put(&r->validated, k.buf, 1) != 0)
		r->nomem = 1;
out:
	sbuf_release(&k);
}

/*
 * SET NOT NULL on table.col needs no scan: PostgreSQL 12+ takes a
 * validated CHECK (col IS NOT NULL) as proof. Such a check added or
 * validated earlier in the run counts (lint assumes 12+ without a
 * database); with one, a check the database has, validated there or by
 * an earlier file of the run, on a server of 12 or later.
 */
static int not_null_proven(struct lint_file *f, const char *table, const char *col)
{
	static const char sql[] =
		"SELECT con.conname, con.convalidated FROM pg_constraint con "
		"JOIN pg_class c ON c.oid = con.conrelid "
		"WHERE c.relname = $1 AND c.relkind IN ('r', 'p') AND pg_table_is_visible(c.oid) "
		"AND con.contype = 'c' "
		"AND pg_get_expr(con.conbin, con.conrelid) = format('(%s IS NOT NULL)', quote_ident($2)) "
		"AND current_setting('server_version_num')::int >= 120000";
	struct lint_run *r = f->run;
	struct sbuf k = SBUF_INIT;
	struct drv_rows *q;
	const char *p[2];
	int hit = 0;
	size_t i;

	if (pair_key(f, &k, table, col) != 0)
		goto out;
	if (name_get(&r->nn_proven, k.buf)) {
		hit = 1;
		goto out;
	}
	if (f->qualified)
		goto out;
	p[0] = table;
	p[1] = col;
	if ((q = live_query(r, sql, p, 2)) != NULL) {
		for (i = 0; i < q->nrows && !hit; i++) {
			const char *v = drv_cell(q, i, 1);
			if (v && (v[0] == 't' || v[0] == '1'))
				hit = 1;
			else if (drv_cell(q, i, 0) && pair_key(f, &k, table, drv_cell(q, i, 0)) == 0 &&
			         name_get(&r->validated, k.buf))
				hit = 1;
		}
		drv_rows_free(q);
	}
out:
	sbuf_release(&k);
	return hit;
}

static void lint_alter_table(struct lint_file *f, const struct lint_stmt *s, json_t *n)
{
	json_t *rel = json_object_get(n, "relation"), *it, *cmd, *def, *con;
	const char *table = relname(rel), *sub, *name, *ct, *ot;
	int created = is_created(f, jstr(rel, "relname"));
	size_t i;

	ot = jstr(n, "objtype");
	if (ot && strcmp(ot, "OBJECT_TABLE") != 0)
		return; /* ALTER INDEX, ALTER VIEW ... */
	f->qualified = jstr(rel, "schemaname") != NULL;
	json_array_foreach(json_object_get(n, "cmds"), i, it) {
		cmd = json_object_get(it, "AlterTableCmd");
		sub = jstr(cmd, "subtype");
		name = jstr(cmd, "name");
		def = json_object_get(cmd, "def");
		if (!sub)
			continue;
		if (!name)
			name = "?";
		if (strcmp(sub, "AT_AddColumn") == 0) {
			json_t *cd = json_object_get(def, "ColumnDef");
			if (!created)
				lock_taken(f, s, table);
			lint_add_column(f, s, table, created, cd);
			type_set(f, table, jstr(cd, "colname"), json_object_get(cd, "typeName"));
			/* SQLite has no ADD COLUMN IF NOT EXISTS to advise */
			if (f->no_tx && !jtrue(cmd, "missing_ok") && f->run->engine == ENG_PG)
				EMIT(f, s, R_NON_IDEMPOTENT, "ADD COLUMN '%s' without IF NOT EXISTS fails when "
				     "the migration runs again after stopping partway (transaction:false)",
				     jstr(cd, "colname") ? jstr(cd, "colname") : "?");
			continue;
		}
		if (strcmp(sub, "AT_AddConstraint") == 0)
			constraint_added(f, table, json_object_get(def, "Constraint"));
		if (strcmp(sub, "AT_AlterColumnType") == 0 && created) {
			type_set(f, table, name, json_object_get(json_object_get(def, "ColumnDef"), "typeName"));
			continue;
		}
		if (created)
			continue; /* a table made a moment ago holds no rows and no one's locks */
		lock_taken(f, s, table);
		if (strcmp(sub, "AT_DropColumn") == 0) {
			EMIT(f, s, R_DROP_COLUMN, "column '%s.%s' is dropped with every value in it%s",
			     table, name, f->run->engine == ENG_SQLITE ? " (SQLite 3.35+)" : "");
		} else if (strcmp(sub, "AT_AlterColumnType") == 0) {
			lint_column_type(f, s, table, name, json_object_get(def, "ColumnDef"));
		} else if (strcmp(sub, "AT_SetNotNull") == 0) {
			if (!not_null_proven(f, table, name))
				EMIT_SIZED(f, s, R_SET_NOT_NULL, table,
				     "SET NOT NULL on '%s.%s' scans the whole table under an ACCESS "
				     "EXCLUSIVE lock", table, name);
		} else if (strcmp(sub, "AT_ValidateConstraint") == 0) {
			constraint_validated(f, s, table, name);
		} else if (strcmp(sub, "AT_DetachPartition") == 0) {
			json_t *pc = json_object_get(def, "PartitionCmd");
			if (!jtrue(pc, "concurrent"))
				EMIT(f, s, R_DETACH_PARTITION,
				     "DETACH PARTITION '%s' from '%s' without CONCURRENTLY takes an ACCESS "
				     "EXCLUSIVE lock on '%s': it waits for every query on the table, and every "
				     "query after it waits for it", relname(json_object_get(pc, "name")),
				     table, table);
		} else if (strcmp(sub, "AT_AddConstraint") == 0) {
			con = json_object_get(def, "Constraint");
			ct = jstr(con, "contype");
			if (!ct)
				continue;
			if (strcmp(ct, "CONSTR_FOREIGN") == 0 && !jtrue(con, "skip_validation"))
				EMIT_SIZED(f, s, R_ADD_FOREIGN_KEY, table,
				     "foreign key on '%s' is validated at once: every row is checked while "
				     "'%s' and '%s' are locked against writes", table, table,
				     relname(json_object_get(con, "pktable")));
			else if (strcmp(ct, "CONSTR_CHECK") == 0 && !jtrue(con, "skip_validation"))
				EMIT_SIZED(f, s, R_ADD_CHECK, table,
				     "CHECK constraint on '%s' is validated at once: the whole table is scanned "
				     "under an ACCESS EXCLUSIVE lock", table);
			else if ((strcmp(ct, "CONSTR_UNIQUE") == 0 || strcmp(ct, "CONSTR_PRIMARY") == 0) &&
			         !jstr(con, "indexname"))
				EMIT_SIZED(f, s, R_ADD_UNIQUE, table,
				     "%s on '%s' builds its index under an ACCESS EXCLUSIVE lock",
				     ct[7] == 'U' ? "UNIQUE constraint" : "PRIMARY KEY", table);
			else if (strcmp(ct, "CONSTR_EXCLUSION") == 0)
				EMIT_SIZED(f, s, R_ADD_EXCLUDE, table,
				     "EXCLUDE constraint on '%s' builds its index and checks every row under an "
				     "ACCESS EXCLUSIVE lock (there is no CONCURRENTLY form)", table);
		} else if (strcmp(sub, "AT_AttachPartition") == 0) {
			const char *part = relname(json_object_get(json_object_get(def, "PartitionCmd"), "name"));
			if (!is_created(f, part))
				EMIT_SIZED(f, s, R_ATTACH_PARTITION, part,
				     "ATTACH PARTITION '%s' to '%s' scans the whole partition to check its bound, "
				     "holding a lock that blocks writes to it", part, table);
		}
	}
	f->qualified = 0;
}

static void lint_drop(struct lint_file *f, const struct lint_stmt *s, json_t *n)
{
	const char *type = jstr(n, "removeType"), *name;
	json_t *it, *items;
	size_t i;

	if (!type)
		return;
	json_array_foreach(json_object_get(n, "objects"), i, it) {
		items = json_object_get(json_object_get(it, "List"), "items");
		if (!items) /* DROP TYPE, DROP DOMAIN */
			items = json_object_get(json_object_get(it, "TypeName"), "names");
		name = items ? last_sval(items) : jstr(json_object_get(it, "String"), "sval");
		if (!name)
			name = "?";
		if (f->no_tx && !jtrue(n, "missing_ok") && i == 0)
			EMIT(f, s, R_NON_IDEMPOTENT, "DROP without IF EXISTS fails when the migration runs "
			     "again after stopping partway (transaction:false), as '%s' is gone then", name);
		if (strcmp(type, "OBJECT_INDEX") == 0 && !jtrue(n, "concurrent")) {
			lock_taken(f, s, name);
			EMIT(f, s, R_DROP_INDEX, "DROP INDEX '%s' without CONCURRENTLY takes an ACCESS "
			     "EXCLUSIVE lock on its table: it waits for every query on it, and they for it",
			     name);
		}
		if (strcmp(type, "OBJECT_TABLE") == 0) {
			if (!is_created(f, name)) {
				lock_taken(f, s, name);
				hold_drop(f, s, name);
			}
		} else if (strcmp(type, "OBJECT_VIEW") == 0 || strcmp(type, "OBJECT_MATVIEW") == 0) {
			EMIT(f, s, R_DROP_VIEW, "%s '%s' is dropped: queries that read it will fail",
			     type[7] == 'M' ? "materialized view" : "view", name);
		} else if (strcmp(type, "OBJECT_SCHEMA") == 0) {
			EMIT(f, s, R_DROP_SCHEMA, "schema '%s' is dropped%s", name,
			     strcmp(jstr(n, "behavior") ? jstr(n, "behavior") : "", "DROP_CASCADE") == 0
			     ? " with everything in it (CASCADE)" : "");
		}
		/* CASCADE reaches into tables: a type's or domain's columns, an
		 * extension's, a function's generated columns go with it. (A
		 * table's drop, and a schema's, are reported as such.) */
		if (strcmp(jstr(n, "behavior") ? jstr(n, "behavior") : "", "DROP_CASCADE") == 0 &&
		    strcmp(type, "OBJECT_TABLE") != 0 && strcmp(type, "OBJECT_SCHEMA") != 0)
			EMIT(f, s, R_DROP_CASCADE, "'%s' is dropped with CASCADE: whatever depends on it "
			     "goes too, columns of existing tables included", name);
	}
}

/* ---- what a WHERE clause can be: always true? ------------------------------ */

enum { TV_UNKNOWN = -1, TV_FALSE = 0, TV_TRUE = 1, TV_NULL = 2 };

/* a and b are the same tree, source positions aside. */
static int same_tree(json_t *a, json_t *b, int depth)
{
	const char *k;
	json_t *v;
	size_t i;

	if (depth > 64 || json_typeof(a) != json_typeof(b))
		return 0;
	if (json_is_object(a)) {
		size_t na = 0, nb = 0;
		json_t *iv = json_object_get(json_object_get(a, "A_Const"), "ival");
		if (iv && !json_object_get(iv, "ival"))
			return 0; /* 0 or negative: libpg_query does not say which */
		json_object_foreach(b, k, v)
			if (strcmp(k, "location") != 0)
				nb++;
		json_object_foreach(a, k, v) {
			if (strcmp(k, "location") == 0)
				continue;
			na++;
			if (!json_object_get(b, k) || !same_tree(v, json_object_get(b, k), depth + 1))
				return 0;
		}
		return na == nb;
	}
	if (json_is_array(a)) {
		if (json_array_size(a) != json_array_size(b))
			return 0;
		json_array_foreach(a, i, v)
			if (!same_tree(v, json_array_get(b, i), depth + 1))
				return 0;
		return 1;
	}
	return json_equal(a, b);
}

/* A constant's kind and value: 'n' number, 's' string, 'b' boolean, 'z'
 * NULL; 0 when e is not a constant (casts are looked through). */
static int const_of(json_t *e, double *num, const char **str)
{
	json_t *c, *v;
	int depth;

	for (depth = 0; depth < 16 && json_object_get(e, "TypeCast"); depth++)
		e = json_object_get(json_object_get(e, "TypeCast"), "arg");
	if (!(c = json_object_get(e, "A_Const")))
		return 0;
	if (jtrue(c, "isnull"))
		return 'z';
	if ((v = json_object_get(c, "ival")) != NULL) {
		/* libpg_query 15-4.0.0 writes 0 and negative integers as an
		 * empty object: not a value lint can compare */
		if (!json_is_integer(json_object_get(v, "ival")))
			return 0;
		*num = (double)json_integer_value(json_object_get(v, "ival"));
		return 'n';
	}
	if ((v = json_object_get(c, "fval")) != NULL) {
		const char *t = jstr(v, "fval");
		*num = t ? strtod(t, NULL) : 0;
		return 'n';
	}
	if ((v = json_object_get(c, "boolval")) != NULL) {
		*num = jtrue(v, "boolval");
		return 'b';
	}
	if ((v = json_object_get(c, "sval")) != NULL) {
		*str = jstr(v, "sval") ? jstr(v, "sval") : "";
		return 's';
	}
	return 0;
}

/* The truth of a string constant as a condition: PostgreSQL's boolean
 * input words, and what SQLite makes of a number in text. */
static int str_truth(const char *t)
{
	static const char *const yes[] = { "t", "true", "y", "yes", "on", "1", NULL };
	static const char *const no[] = { "f", "false", "n", "no", "off", "0", NULL };
	size_t i;

	for (i = 0; yes[i]; i++)
		if (strcasecmp(t, yes[i]) == 0)
			return TV_TRUE;
	for (i = 0; no[i]; i++)
		if (strcasecmp(t, no[i]) == 0)
			return TV_FALSE;
	return TV_UNKNOWN;
}

static int truth(json_t *e, int depth);

/* A comparison (op) of two sides: constants are compared, a side compared
 * with itself (x = x, 'a' = 'a') is decided. */
static int cmp_truth(const char *op, json_t *l, json_t *r)
{
	double a = 0, b = 0;
	const char *sa = NULL, *sb = NULL;
	int ka = const_of(l, &a, &sa), kb = const_of(r, &b, &sb), c;
	int eq = strcmp(op, "=") == 0 || strcmp(op, "==") == 0, ne = strcmp(op, "<>") == 0 ||
	         strcmp(op, "!=") == 0;

	if (ka == 'z' || kb == 'z')
		return TV_NULL;
	if (ka && kb && ka == kb) {
		c = ka == 's' ? strcmp(sa, sb) : (a < b ? -1 : a > b);
	} else if (!ka && !kb && l && r && same_tree(l, r, 0) && !find_volatile(l)) {
		c = 0; /* NULL = NULL aside: taken as true, as the brief reader does */
	} else {
		return TV_UNKNOWN;
	}
	if (eq)
		return c == 0;
	if (ne)
		return c != 0;
	if (strcmp(op, "<") == 0)
		return c < 0;
	if (strcmp(op, ">") == 0)
		return c > 0;
	if (strcmp(op, "<=") == 0)
		return c <= 0;
	if (strcmp(op, ">=") == 0)
		return c >= 0;
	return TV_UNKNOWN;
}

/* What condition e always is: TV_TRUE, TV_FALSE, TV_NULL, or TV_UNKNOWN
 * when it depends on the row (or lint cannot tell). */
static int truth(json_t *e, int depth)
{
	json_t *n, *it;
	const char *k, *str = NULL;
	double num = 0;
	size_t i;
	int v, any_unknown = 0, any_null = 0;

	if (!e || depth > 64)
		return TV_UNKNOWN;
	switch (const_of(e, &num, &str)) {
	case 'z': return TV_NULL;
	case 'n':
	case 'b': return num != 0 ? TV_TRUE : TV_FALSE;
	case 's': return str_truth(str);
	default: break;
	}
	if ((n = json_object_get(e, "BoolExpr")) != NULL) {
		k = jstr(n, "boolop");
		if (!k)
			return TV_UNKNOWN;
		if (strcmp(k, "NOT_EXPR") == 0) {
			v = truth(json_array_get(json_object_get(n, "args"), 0), depth + 1);
			return v == TV_TRUE ? TV_FALSE : v == TV_FALSE ? TV_TRUE : v;
		}
		json_array_foreach(json_object_get(n, "args"), i, it) {
			v = truth(it, depth + 1);
			if (strcmp(k, "OR_EXPR") == 0 && v == TV_TRUE)
				return TV_TRUE;
			if (strcmp(k, "AND_EXPR") == 0 && v == TV_FALSE)
				return TV_FALSE;
			any_unknown |= v == TV_UNKNOWN;
			any_null |= v == TV_NULL;
		}
		if (any_unknown)
			return TV_UNKNOWN;
		if (any_null)
			return TV_NULL;
		return strcmp(k, "OR_EXPR") == 0 ? TV_FALSE : TV_TRUE;
	}
	if ((n = json_object_get(e, "A_Expr")) != NULL) {
		const char *kind = jstr(n, "kind"), *op = last_sval(json_object_get(n, "name"));
		json_t *l = json_object_get(n, "lexpr"), *r = json_object_get(n, "rexpr");
		if (!kind || !op)
			return TV_UNKNOWN;
		if (strcmp(kind, "AEXPR_OP") == 0)
			return cmp_truth(op, l, r);
		if (strcmp(kind, "AEXPR_NOT_DISTINCT") == 0 || strcmp(kind, "AEXPR_DISTINCT") == 0) {
			int same = l && r && same_tree(l, r, 0) && !find_volatile(l);
			if (!same)
				return TV_UNKNOWN;
			return kind[6] == 'N' ? TV_TRUE : TV_FALSE;
		}
		return TV_UNKNOWN;
	}
	if ((n = json_object_get(e, "NullTest")) != NULL) {
		int is_null = strcmp(jstr(n, "nulltesttype") ? jstr(n, "nulltesttype") : "", "IS_NULL") == 0;
		int kind = const_of(json_object_get(n, "arg"), &num, &str);
		if (!kind)
			return TV_UNKNOWN;
		return (kind == 'z') == is_null ? TV_TRUE : TV_FALSE;
	}
	if ((n = json_object_get(e, "BooleanTest")) != NULL) {
		const char *t = jstr(n, "booltesttype");
		v = truth(json_object_get(n, "arg"), depth + 1);
		if (!t || v == TV_UNKNOWN)
			return TV_UNKNOWN;
		if (strcmp(t, "IS_TRUE") == 0)
			return v == TV_TRUE;
		if (strcmp(t, "IS_NOT_TRUE") == 0)
			return v != TV_TRUE;
		if (strcmp(t, "IS_FALSE") == 0)
			return v == TV_FALSE;
		if (strcmp(t, "IS_NOT_FALSE") == 0)
			return v != TV_FALSE;
		if (strcmp(t, "IS_UNKNOWN") == 0)
			return v == TV_NULL;
		if (strcmp(t, "IS_NOT_UNKNOWN") == 0)
			return v != TV_NULL;
		return TV_UNKNOWN;
	}
	if ((n = json_object_get(e, "SubLink")) != NULL) {
		/* EXISTS (SELECT 1): a row from nowhere, unconditionally */
		json_t *sel = json_object_get(json_object_get(n, "subselect"), "SelectStmt");
		if (strcmp(jstr(n, "subLinkType") ? jstr(n, "subLinkType") : "", "EXISTS_SUBLINK") == 0 &&
		    sel && !json_object_get(sel, "fromClause") && !json_object_get(sel, "whereClause") &&
		    !json_object_get(sel, "havingClause") && !json_object_get(sel, "limitCount") &&
		    !json_object_get(sel, "limitOffset") && !json_object_get(sel, "valuesLists") &&
		    !json_object_get(sel, "larg"))
			return TV_TRUE;
		return TV_UNKNOWN;
	}
	return TV_UNKNOWN;
}

/* ---- what lint cannot read: DO blocks, EXECUTE, functions ---------------- */

static void lint_node(struct lint_file *f, const struct lint_stmt *s, const char *type, json_t *n);
static void lint_calls(struct lint_file *f, const struct lint_stmt *s, json_t *n, int depth);
static int tree_unlocks_all(json_t *n, int depth);
static int text_may_name_unlock_all(const char *text);
static void lint_tree(struct lint_file *f, const struct lint_stmt *s, json_t *root);

/* Lint the SQL text sql (a statement inside a PL/pgSQL body) as part of
 * statement s. 0, or -1 when it does not parse. */
static int lint_inner_sql(struct lint_file *f, const struct lint_stmt *s, const char *sql)
{
	struct pgq_stmt p;
	int rc = -1;

	if (pgq_parse_one(sql, strlen(sql), &p) != 0)
		f->run->nomem = 1;
	if (p.root) {
		rc = 0;
		lint_tree(f, s, p.root);
	}
	pgq_stmt_release(&p);
	return rc;
}

/* Walk a PL/pgSQL tree: its SQL statements are linted as part of s; what
 * runs text built at run time (EXECUTE, FOR ... EXECUTE, OPEN ... FOR
 * EXECUTE, RETURN QUERY EXECUTE) sets *dynamic, and so does a statement
 * that does not parse. */
static void walk_plpgsql(struct lint_file *f, const struct lint_stmt *s, json_t *n, int depth,
                         int *dynamic)
{
	const char *k, *q;
	json_t *v;
	size_t i;

	if (depth > 200) {
		*dynamic = 1;
		return;
	}
	if (json_is_array(n)) {
		json_array_foreach(n, i, v)
			walk_plpgsql(f, s, v, depth + 1, dynamic);
		return;
	}
	if (!json_is_object(n))
		return;
	json_object_foreach(n, k, v) {
		if (strcmp(k, "PLpgSQL_stmt_dynexecute") == 0 || strcmp(k, "PLpgSQL_stmt_dynfors") == 0 ||
		    ((strcmp(k, "PLpgSQL_stmt_open") == 0 || strcmp(k, "PLpgSQL_stmt_return_query") == 0) &&
		     json_object_get(v, "dynquery"))) {
			*dynamic = 1;
		} else if (strcmp(k, "PLpgSQL_stmt_execsql") == 0 || strcmp(k, "PLpgSQL_stmt_perform") == 0) {
			q = jstr(json_object_get(json_object_get(v, k[13] == 'e' ? "sqlstmt" : "expr"),
			                         "PLpgSQL_expr"), "query");
			if (q && lint_inner_sql(f, s, q) != 0)
				*dynamic = 1;
		}
		walk_plpgsql(f, s, v, depth + 1, dynamic);
	}
}

/*
 * Lint a PL/pgSQL body as part of s: 0 when read (*dynamic tells whether
 * it builds SQL at run time), -1 when libpg_query cannot read it. The body
 * is wrapped as a function, the only thing its PL/pgSQL parser takes, under
 * a dollar tag the body does not contain.
 */
static int lint_plpgsql(struct lint_file *f, const struct lint_stmt *s, const char *body,
                        int *dynamic)
{
	struct sbuf fn = SBUF_INIT, tag = SBUF_INIT;
	PgQueryPlpgsqlParseResult pr;
	json_t *root;
	int i, rc = -1;

	*dynamic = 0;
	for (i = 0; i < 100; i++) {
		sbuf_reset(&tag);
		sbuf_addf(&tag, "$strata%d$", i);
		if (!sbuf_failed(&tag) && !strstr(body, tag.buf))
			break;
	}
	sbuf_addf(&fn, "CREATE FUNCTION strata_lint_body() RETURNS void LANGUAGE plpgsql AS %s%s%s",
	          tag.buf, body, tag.buf);
	if (i == 100 || sbuf_failed(&fn) || sbuf_failed(&tag)) {
		if (sbuf_failed(&fn) || sbuf_failed(&tag))
			f->run->nomem = 1;
		goto out;
	}
	pr = pg_query_parse_plpgsql(fn.buf);
	if (!pr.error && pr.plpgsql_funcs && (root = json_loads(pr.plpgsql_funcs, 0, NULL)) != NULL) {
		f->depth++;
		walk_plpgsql(f, s, root, 0, dynamic);
		f->depth--;
		json_decref(root);
		rc = 0;
	}
	pg_query_free_plpgsql_parse_result(pr);
out:
	sbuf_release(&fn);
	sbuf_release(&tag);
	return rc;
}

/* The string value of option name of a DefElem list (DO's and CREATE
 * FUNCTION's "as" and "language"). */
static json_t *defelem(json_t *list, const char *name)
{
	json_t *it, *de;
	size_t i;

	json_array_foreach(list, i, it) {
		de = json_object_get(it, "DefElem");
		if (jstr(de, "defname") && strcmp(jstr(de, "defname"), name) == 0)
			return json_object_get(de, "arg");
	}
	return NULL;
}

/* DO: runs now. Its statements are linted as this statement's; what lint
 * cannot read in it needs the same consent as what destroys data. */
static void lint_do(struct lint_file *f, const struct lint_stmt *s, json_t *n)
{
	json_t *args = json_object_get(n, "args");
	const char *lang = jstr(json_object_get(defelem(args, "language"), "String"), "sval");
	const char *body = jstr(json_object_get(defelem(args, "as"), "String"), "sval");
	int dynamic = 0;

	if (lang && strcasecmp(lang, "plpgsql") != 0)
		EMIT(f, s, R_DYNAMIC_SQL, "a DO block in %s: lint cannot tell what it changes", lang);
	else if (!body || f->depth > 8 || lint_plpgsql(f, s, body, &dynamic) != 0)
		EMIT(f, s, R_DYNAMIC_SQL, "a DO block lint cannot read: it cannot tell what it changes");
	else if (dynamic)
		EMIT(f, s, R_DYNAMIC_SQL, "a DO block runs SQL built at run time (EXECUTE): lint cannot "
		     "tell what it changes");
}

/* CREATE FUNCTION / PROCEDURE: nothing runs yet; the body is read in probe
 * mode, and a body that destroys data or builds SQL makes the function
 * risky, reported where this migration calls it. */
static void lint_create_function(struct lint_file *f, const struct lint_stmt *s, json_t *n)
{
	json_t *opts = json_object_get(n, "options"), *as;
	const char *name = last_sval(json_object_get(n, "funcname")), *lang, *body = NULL;
	int dynamic = 0, was_probe = f->probe, unread = 0;
	struct risky_fn *r;

	if (!name || f->depth > 8)
		return;
	lang = jstr(json_object_get(defelem(opts, "language"), "String"), "sval");
	as = json_object_get(json_object_get(defelem(opts, "as"), "List"), "items");
	body = jstr(json_object_get(json_array_get(as, 0), "String"), "sval");
	if (!body)
		body = jstr(json_object_get(defelem(opts, "as"), "String"), "sval");
	f->probe = 1;
	f->probe_msg = NULL;
	f->depth++;
	if (json_object_get(n, "sql_body")) {
		/* BEGIN ATOMIC ... END: already parsed */
		json_t *it, *list;
		size_t i, j;
		json_array_foreach(json_object_get(json_object_get(n, "sql_body"), "List") ?
		                   json_object_get(json_object_get(json_object_get(n, "sql_body"), "List"), "items") :
		                   json_object_get(n, "sql_body"), i, list) {
			json_array_foreach(json_object_get(json_object_get(list, "List"), "items"), j, it)
				if (json_is_object(it) && json_object_size(it) == 1)
					lint_node(f, s, json_object_iter_key(json_object_iter(it)),
					          json_object_iter_value(json_object_iter(it)));
		}
	} else if (!body) {
		unread = 1; /* C, or an AS 'obj_file', 'symbol' */
	} else if (lang && strcasecmp(lang, "sql") == 0) {
		unread = lint_inner_sql(f, s, body) != 0;
	} else if (!lang || strcasecmp(lang, "plpgsql") == 0) {
		unread = lint_plpgsql(f, s, body, &dynamic) != 0;
	} else {
		unread = 1;
	}
	f->depth--;
	f->probe = was_probe;
	if (!dynamic && !unread && !f->probe_msg)
		return;
	if (f->nrisky == f->arisky) {
		size_t na = f->arisky ? 2 * f->arisky : 4;
		struct risky_fn *nv = realloc(f->risky, na * sizeof *nv);
		if (!nv) {
			f->run->nomem = 1;
			goto out;
		}
		f->risky = nv;
		f->arisky = na;
	}
	r = &f->risky[f->nrisky];
	if (f->probe_msg) {
		r->rule = f->probe_rule;
		r->why = f->probe_msg;
		f->probe_msg = NULL;
	} else {
		r->rule = R_DYNAMIC_SQL;
		r->why = strdup(dynamic ? "runs SQL built at run time (EXECUTE)"
		                        : "has a body lint cannot read");
		if (!r->why) {
			f->run->nomem = 1;
			goto out;
		}
	}
	if (name_put(&f->risky_by, name, f->nrisky + 1) != 0) {
		free(r->why);
		f->run->nomem = 1;
		goto out;
	}
	f->nrisky++;
out:
	free(f->probe_msg);
	f->probe_msg = NULL;
}

/* Every call in the tree n of a function this migration made risky. */
static void lint_calls(struct lint_file *f, const struct lint_stmt *s, json_t *n, int depth)
{
	const char *k, *name;
	json_t *v;
	size_t i, idx;

	if (!f->nrisky || depth > 200)
		return;
	if (json_is_array(n)) {
		json_array_foreach(n, i, v)
			lint_calls(f, s, v, depth + 1);
		return;
	}
	if (!json_is_object(n))
		return;
	json_object_foreach(n, k, v) {
		json_t *call = strcmp(k, "FuncCall") == 0 ? v
		             : strcmp(k, "CallStmt") == 0 ? json_object_get(v, "funccall") : NULL;
		if (call && (name = last_sval(json_object_get(call, "funcname"))) &&
		    (idx = name_get(&f->risky_by, name)) != 0) {
			const struct risky_fn *r = &f->risky[idx - 1];
			/* the body's own rule, so one acknowledgement fits both */
			EMIT(f, s, r->rule, "calls %s(), created in this migration, which %s%s", name,
			     r->rule == R_DYNAMIC_SQL ? "" : "would do this: ", r->why);
		}
		lint_calls(f, s, v, depth + 1);
	}
}

/* The rules that read the tree of one statement (type, node). */
static void lint_node(struct lint_file *f, const struct lint_stmt *s, const char *type, json_t *n)
{
	const char *name;
	json_t *it, *q;
	size_t i;

	/* Data-modifying WITH queries run too: WITH d AS (DELETE FROM t) ... */
	json_array_foreach(json_object_get(json_object_get(n, "withClause"), "ctes"), i, it) {
		q = json_object_get(json_object_get(it, "CommonTableExpr"), "ctequery");
		if (json_is_object(q) && json_object_size(q) == 1)
			lint_node(f, s, json_object_iter_key(json_object_iter(q)),
			          json_object_iter_value(json_object_iter(q)));
	}
	if (strcmp(type, "CreateStmt") == 0) {
		created_add(f, jstr(json_object_get(n, "relation"), "relname"));
		lint_create_table(f, s, n);
	} else if (strcmp(type, "VariableSetStmt") == 0) {
		note_timeout_set(f, n);
	} else if (strcmp(type, "CreateTableAsStmt") == 0) {
		/* CREATE TABLE AS, CREATE MATERIALIZED VIEW: into is an IntoClause
		 * field of its own, not a Node, so the JSON does not wrap it */
		json_t *into = json_object_get(n, "into");
		if (json_object_get(into, "IntoClause"))
			into = json_object_get(into, "IntoClause");
		created_add(f, jstr(json_object_get(into, "rel"), "relname"));
	} else if (strcmp(type, "IndexStmt") == 0) {
		name = jstr(json_object_get(n, "relation"), "relname");
		f->qualified = jstr(json_object_get(n, "relation"), "schemaname") != NULL;
		if (!jtrue(n, "concurrent") && !is_created(f, name)) {
			lock_taken(f, s, name);
			EMIT_SIZED(f, s, R_CREATE_INDEX, name,
			     "CREATE INDEX on '%s' without CONCURRENTLY blocks writes to the table while "
			     "the index is built", name ? name : "?");
		}
		if (f->no_tx && !jtrue(n, "if_not_exists"))
			EMIT(f, s, R_NON_IDEMPOTENT, "CREATE INDEX without IF NOT EXISTS fails when the "
			     "migration runs again after stopping partway (transaction:false), %s",
			     jtrue(n, "concurrent") ? "and a failed CONCURRENTLY build leaves an invalid "
			     "index of that name behind" : "as the index is there");
		f->qualified = 0;
	} else if (strcmp(type, "DropStmt") == 0) {
		lint_drop(f, s, n);
	} else if (strcmp(type, "DropdbStmt") == 0) {
		EMIT(f, s, R_DROP_DATABASE, "database '%s' is dropped",
		     jstr(n, "dbname") ? jstr(n, "dbname") : "?");
	} else if (strcmp(type, "TruncateStmt") == 0) {
		json_array_foreach(json_object_get(n, "relations"), i, it) {
			name = relname(json_object_get(it, "RangeVar"));
			if (!is_created(f, name))
				EMIT(f, s, R_TRUNCATE, "TRUNCATE empties table '%s'", name);
		}
	} else if (strcmp(type, "DeleteStmt") == 0 || strcmp(type, "UpdateStmt") == 0) {
		int del = type[0] == 'D';
		json_t *w = json_object_get(n, "whereClause");
		name = relname(json_object_get(n, "relation"));
		if ((!w || truth(w, 0) == TV_TRUE) && !is_created(f, name) &&
		    (del || !only_new_columns(f, name, json_object_get(n, "targetList"))))
			EMIT(f, s, del ? R_DELETE_NO_WHERE : R_UPDATE_NO_WHERE,
			     "%s %s %s every row of '%s'", del ? "DELETE" : "UPDATE",
			     w ? "with a WHERE that is always true" : "without WHERE",
			     del ? "deletes" : "changes", name);
	} else if (strcmp(type, "DoStmt") == 0) {
		lint_do(f, s, n);
	} else if (strcmp(type, "CreateFunctionStmt") == 0) {
		lint_create_function(f, s, n);
	} else if (strcmp(type, "DropOwnedStmt") == 0) {
		EMIT(f, s, R_DROP_CASCADE, "DROP OWNED drops every object the roles own, tables and "
		     "their rows included");
	} else if (strcmp(type, "AlterTableStmt") == 0) {
		lint_alter_table(f, s, n);
	} else if (strcmp(type, "RenameStmt") == 0) {
		const char *rt = jstr(n, "renameType");
		name = relname(json_object_get(n, "relation"));
		if (rt && strcmp(rt, "OBJECT_TABLE") == 0 && is_created(f, name))
			rebuilt(f, name, jstr(n, "newname"));
		if (!rt || is_created(f, name))
			return;
		if (strcmp(rt, "OBJECT_TABLE") == 0)
			EMIT(f, s, R_RENAME_TABLE,
			     "table '%s' is renamed to '%s': the running application's queries still use "
			     "the old name", name, jstr(n, "newname") ? jstr(n, "newname") : "?");
		else if (strcmp(rt, "OBJECT_COLUMN") == 0)
			EMIT(f, s, R_RENAME_COLUMN,
			     "column '%s.%s' is renamed to '%s': the running application's queries still "
			     "use the old name", name, jstr(n, "subname") ? jstr(n, "subname") : "?",
			     jstr(n, "newname") ? jstr(n, "newname") : "?");
	} else if (strcmp(type, "VacuumStmt") == 0) {
		if (!jtrue(n, "is_vacuumcmd"))
			return;
		/* VACUUM (FULL false) is a plain VACUUM */
		if (lint_option_on(json_object_get(n, "options"), "full", 0))
			EMIT(f, s, R_VACUUM_FULL,
			     "VACUUM FULL rewrites every table it names under an ACCESS EXCLUSIVE lock");
	} else if (strcmp(type, "ReindexStmt") == 0) {
		const char *kind = jstr(n, "kind");
		json_t *rel = json_object_get(n, "relation");
		if (lint_option_on(json_object_get(n, "params"), "concurrently", 0))
			return;
		name = rel ? relname(rel) : jstr(n, "name");
		if (kind && strcmp(kind, "REINDEX_OBJECT_TABLE") == 0 && is_created(f, name))
			return;
		/* REINDEX SYSTEM has no CONCURRENTLY form to advise */
		if (kind && strcmp(kind, "REINDEX_OBJECT_SYSTEM") == 0)
			return;
		if (kind && (strcmp(kind, "REINDEX_OBJECT_TABLE") == 0 ||
		             strcmp(kind, "REINDEX_OBJECT_INDEX") == 0))
			lock_taken(f, s, name);
		EMIT(f, s, R_REINDEX, "REINDEX %s '%s' without CONCURRENTLY blocks writes to the "
		     "table%s while it rebuilds, and queries that use %s wait for it",
		     kind && strcmp(kind, "REINDEX_OBJECT_INDEX") == 0 ? "INDEX" :
		     kind && strcmp(kind, "REINDEX_OBJECT_TABLE") == 0 ? "TABLE" :
		     kind && strcmp(kind, "REINDEX_OBJECT_SCHEMA") == 0 ? "SCHEMA" : "DATABASE",
		     name ? name : "?",
		     rel ? "" : "s",
		     kind && strcmp(kind, "REINDEX_OBJECT_INDEX") == 0 ? "the index" : "the indexes");
	} else if (strcmp(type, "ClusterStmt") == 0) {
		name = jstr(json_object_get(n, "relation"), "relname");
		EMIT_SIZED(f, s, R_CLUSTER, name, "CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock");
	} else if (strcmp(type, "RefreshMatViewStmt") == 0) {
		if (!jtrue(n, "concurrent"))
			EMIT(f, s, R_REFRESH_MATVIEW,
			     "REFRESH MATERIALIZED VIEW '%s' blocks every read of the view while it runs",
			     relname(json_object_get(n, "relation")));
	} else if (strcmp(type, "AlterEnumStmt") == 0) {
		if (jstr(n, "newVal") && !jstr(n, "oldVal"))
			EMIT(f, s, R_ENUM_ADD_VALUE,
			     "ALTER TYPE '%s' ADD VALUE '%s': the value cannot be used in the same "
			     "transaction", last_sval(json_object_get(n, "typeName")) ?
			     last_sval(json_object_get(n, "typeName")) : "?", jstr(n, "newVal"));
	}
}

/* ---- the token-level reading (what libpg_query cannot parse) ------------- */

struct toks {
	const char *sql;
	size_t len, pos;
	struct schema_tok t;      /* the current token */
};

static void tk_next(struct toks *k)
{
	schema_tok_next(k->sql, k->len, &k->pos, &k->t);
}

static int tk_is(struct toks *k, const char *w)
{
	return schema_tok_is(k->sql, &k->t, w);
}

/* Skip the word w if it is the current token. */
static int tk_skip(struct toks *k, const char *w)
{
	if (!tk_is(k, w))
		return 0;
	tk_next(k);
	return 1;
}

/* Read a possibly qualified name (a.b.c): the last part, to free(). */
static char *tk_name(struct toks *k)
{
	char *name = NULL;

	for (;;) {
		if (k->t.type != SCHEMA_TK_WORD && k->t.type != SCHEMA_TK_QUOTED &&
		    k->t.type != SCHEMA_TK_STRING)
			return name;
		free(name);
		name = schema_tok_name(k->sql, &k->t);
		tk_next(k);
		if (k->t.type != SCHEMA_TK_DOT)
			return name;
		tk_next(k);
	}
}

/* Is there a word w at parenthesis depth 0 from here to the end? Leaves
 * the cursor at the end. */
static int tk_find_top(struct toks *k, const char *w)
{
	int depth = 0;

	for (; k->t.type != SCHEMA_TK_END; tk_next(k)) {
		if (k->t.type == SCHEMA_TK_LPAREN)
			depth++;
		else if (k->t.type == SCHEMA_TK_RPAREN && depth)
			depth--;
		else if (!depth && tk_is(k, w))
			return 1;
	}
	return 0;
}

/* Tokens a and b spell the same (words without case). */
static int tk_same(const struct toks *k, const struct schema_tok *a, const struct schema_tok *b)
{
	if (a->type != b->type || a->len != b->len)
		return 0;
	return a->type == SCHEMA_TK_WORD ? strncasecmp(k->sql + a->start, k->sql + b->start, a->len) == 0
	                                 : memcmp(k->sql + a->start, k->sql + b->start, a->len) == 0;
}

/* One term of an OR, t[0..n), that is always true: a non-zero number,
 * TRUE, NOT FALSE / NOT 0, or X op X with op one of = == IS >= <= and the
 * same tokens on both sides ('a' = 'a', x = x, 1 = 1). */
static int tk_term_true(const struct toks *k, const struct schema_tok *t, size_t n)
{
	size_t i, h;

	if (n == 1 && t[0].type == SCHEMA_TK_NUMBER)
		return strtod(k->sql + t[0].start, NULL) != 0;
	if (n == 1)
		return schema_tok_is(k->sql, &t[0], "TRUE");
	if (n == 2 && schema_tok_is(k->sql, &t[0], "NOT"))
		return schema_tok_is(k->sql, &t[1], "FALSE") ||
		       (t[1].type == SCHEMA_TK_NUMBER && strtod(k->sql + t[1].start, NULL) == 0);
	if (n % 2 == 0)
		return 0;
	h = n / 2;
	if (!(t[h].type == SCHEMA_TK_OP || schema_tok_is(k->sql, &t[h], "IS")))
		return 0;
	if (t[h].type == SCHEMA_TK_OP) {
		const char *op = k->sql + t[h].start;
		size_t l = t[h].len;
		if (!((l == 1 && *op == '=') || (l == 2 && (!strncmp(op, "==", 2) || !strncmp(op, ">=", 2) ||
		                                            !strncmp(op, "<=", 2)))))
			return 0;
	}
	for (i = 0; i < h; i++)
		if (!tk_same(k, &t[i], &t[h + 1 + i]) || t[i].type == SCHEMA_TK_LPAREN ||
		    t[i].type == SCHEMA_TK_VARIABLE)
			return 0; /* a call (random() = random()) or a parameter is not */
	return 1;
}

/*
 * From just after WHERE: is the condition always true? Read token by
 * token (the statements libpg_query cannot parse): some top-level term of
 * an OR is one of tk_term_true()'s. Leaves the cursor at the end.
 */
static int tk_where_true(struct toks *k)
{
	struct schema_tok t[16];
	size_t n = 0;
	int depth = 0, over = 0, hit = 0;

	for (tk_next(k);; tk_next(k)) {
		int end = k->t.type == SCHEMA_TK_END || k->t.type == SCHEMA_TK_SEMI ||
		          (!depth && (tk_is(k, "LIMIT") || tk_is(k, "ORDER") || tk_is(k, "RETURNING")));
		if (end || (!depth && tk_is(k, "OR"))) {
			if (!over && n && tk_term_true(k, t, n))
				hit = 1;
			n = 0;
			over = 0;
			if (end)
				break;
			continue;
		}
		if (k->t.type == SCHEMA_TK_LPAREN)
			depth++;
		else if (k->t.type == SCHEMA_TK_RPAREN && depth)
			depth--;
		if (n < sizeof t / sizeof t[0])
			t[n++] = k->t;
		else
			over = 1;
	}
	while (k->t.type != SCHEMA_TK_END)
		tk_next(k);
	return hit;
}

static void tk_alter_table(struct lint_file *f, const struct lint_stmt *s, struct toks *k)
{
	char *table, *col = NULL;
	int created;

	if (tk_skip(k, "IF"))
		tk_skip(k, "EXISTS");
	tk_skip(k, "ONLY");
	table = tk_name(k);
	if (!table)
		return;
	created = is_created(f, table);
	if (tk_skip(k, "RENAME")) {
		if (tk_skip(k, "TO")) {
			if (created) {
				char *to = tk_name(k);
				rebuilt(f, table, to);
				free(to);
			} else
				EMIT(f, s, R_RENAME_TABLE,
				     "table '%s' is renamed: the running application's queries still use the old "
				     "name", table);
		} else if (!tk_is(k, "CONSTRAINT")) {
			tk_skip(k, "COLUMN");
			col = tk_name(k);
			if (!created)
				EMIT(f, s, R_RENAME_COLUMN,
				     "column '%s.%s' is renamed: the running application's queries still use "
				     "the old name", table, col ? col : "?");
		}
	} else if (tk_skip(k, "DROP")) {
		if (!tk_is(k, "CONSTRAINT")) {
			tk_skip(k, "COLUMN");
			if (tk_skip(k, "IF"))
				tk_skip(k, "EXISTS");
			col = tk_name(k);
			if (!created)
				EMIT(f, s, R_DROP_COLUMN, "column '%s.%s' is dropped with every value in it%s",
				     table, col ? col : "?", f->run->engine == ENG_SQLITE ? " (SQLite 3.35+)" : "");
		}
	} else if (tk_skip(k, "ADD")) {
		if (!tk_is(k, "CONSTRAINT")) {
			int nn = 0, dflt = 0, depth = 0, prev_not = 0;
			tk_skip(k, "COLUMN");
			if (tk_skip(k, "IF") && tk_skip(k, "NOT"))
				tk_skip(k, "EXISTS");
			col = tk_name(k);
			/* the column definition: up to a comma outside parentheses */
			for (; k->t.type != SCHEMA_TK_END; tk_next(k)) {
				if (k->t.type == SCHEMA_TK_LPAREN)
					depth++;
				else if (k->t.type == SCHEMA_TK_RPAREN && depth)
					depth--;
				else if (!depth && k->t.type == SCHEMA_TK_COMMA)
					break;
				else if (!depth && prev_not && tk_is(k, "NULL"))
					nn = 1;
				else if (!depth && (tk_is(k, "DEFAULT") || tk_is(k, "GENERATED") || tk_is(k, "AS")))
					dflt = 1;
				prev_not = !depth && tk_is(k, "NOT");
			}
			if (nn && !dflt && (f->run->engine == ENG_SQLITE || !created))
				EMIT(f, s, R_ADD_COLUMN_NOT_NULL,
				     "column '%s.%s' is added NOT NULL without a default: %s", table,
				     col ? col : "?", f->run->engine == ENG_SQLITE ? "SQLite refuses that"
				     : "this fails as soon as the table has a row");
		}
	}
	free(table);
	free(col);
}

/*
 * Read a statement by its tokens. Returns 1 when the statement is of a
 * kind this reading knows (whether or not a rule fired), 0 when not.
 */
static int lint_tokens(struct lint_file *f, const struct lint_stmt *s)
{
	static const char *const harmless[] = {
		"INSERT", "REPLACE", "SELECT", "WITH", "VALUES", "PRAGMA", "BEGIN", "COMMIT", "END",
		"SAVEPOINT", "RELEASE", "ROLLBACK", "ANALYZE", "VACUUM", "REINDEX", "ATTACH",
		"DETACH", "EXPLAIN", "GRANT", "REVOKE", "COMMENT", "SET", NULL,
	};
	struct toks k = { s->text, s->len, 0, { SCHEMA_TK_END, 0, 0 } };
	char *name;
	size_t i;

	tk_next(&k);
	if (tk_skip(&k, "CREATE")) {
		while (tk_skip(&k, "TEMP") || tk_skip(&k, "TEMPORARY") || tk_skip(&k, "UNLOGGED") ||
		       tk_skip(&k, "VIRTUAL"))
			;
		if (tk_skip(&k, "TABLE")) {
			if (tk_skip(&k, "IF") && tk_skip(&k, "NOT"))
				tk_skip(&k, "EXISTS");
			name = tk_name(&k);
			created_add(f, name);
			free(name);
		}
		return 1;
	}
	if (tk_skip(&k, "DROP")) {
		enum rule_id rid;
		const char *what;
		if (tk_skip(&k, "TABLE"))
			rid = R_DROP_TABLE, what = "table";
		else if (tk_skip(&k, "VIEW"))
			rid = R_DROP_VIEW, what = "view";
		else if (tk_skip(&k, "MATERIALIZED") && tk_skip(&k, "VIEW"))
			rid = R_DROP_VIEW, what = "materialized view";
		else if (tk_skip(&k, "SCHEMA"))
			rid = R_DROP_SCHEMA, what = "schema";
		else if (tk_skip(&k, "DATABASE"))
			rid = R_DROP_DATABASE, what = "database";
		else
			return 1;
		if (tk_skip(&k, "IF"))
			tk_skip(&k, "EXISTS");
		name = tk_name(&k);
		if (rid == R_DROP_TABLE) {
			if (!is_created(f, name))
				hold_drop(f, s, name ? name : "?");
		} else {
			EMIT(f, s, rid, "%s '%s' is dropped", what, name ? name : "?");
		}
		free(name);
		return 1;
	}
	if (tk_skip(&k, "TRUNCATE")) {
		tk_skip(&k, "TABLE");
		tk_skip(&k, "ONLY");
		name = tk_name(&k);
		if (!is_created(f, name))
			EMIT(f, s, R_TRUNCATE, "TRUNCATE empties table '%s'", name ? name : "?");
		free(name);
		return 1;
	}
	if (tk_is(&k, "DELETE") || tk_is(&k, "UPDATE")) {
		int del = tk_is(&k, "DELETE"), where;
		tk_next(&k);
		if (del) {
			tk_skip(&k, "FROM");
		} else if (tk_skip(&k, "OR")) {
			tk_next(&k); /* OR REPLACE / IGNORE / ... */
		}
		tk_skip(&k, "ONLY");
		name = tk_name(&k);
		where = tk_find_top(&k, "WHERE");
		if ((!where || tk_where_true(&k)) && !is_created(f, name))
			EMIT(f, s, del ? R_DELETE_NO_WHERE : R_UPDATE_NO_WHERE,
			     "%s %s %s every row of '%s'", del ? "DELETE" : "UPDATE",
			     where ? "with a WHERE that is always true" : "without WHERE",
			     del ? "deletes" : "changes", name ? name : "?");
		free(name);
		return 1;
	}
	if (tk_skip(&k, "ALTER")) {
		if (tk_skip(&k, "TABLE"))
			tk_alter_table(f, s, &k);
		return 1;
	}
	for (i = 0; harmless[i]; i++)
		if (tk_is(&k, harmless[i]))
			return 1;
	return 0;
}

/* ---- statements ------------------------------------------------------------- */

/* The rules over a parsed tree: each statement's, then the calls. */
static void lint_tree(struct lint_file *f, const struct lint_stmt *s, json_t *root)
{
	json_t *it, *stmt;
	size_t i;

	json_array_foreach(json_object_get(root, "stmts"), i, it) {
		stmt = json_object_get(it, "stmt");
		if (json_is_object(stmt) && json_object_size(stmt) == 1)
			lint_node(f, s, json_object_iter_key(json_object_iter(stmt)),
			          json_object_iter_value(json_object_iter(stmt)));
	}
	lint_calls(f, s, root, 0);
}

static void lint_stmt(struct lint_file *f, struct lint_stmt *s)
{
	struct pgq_stmt p;

	f->run->statements++;
	if (!s->no_tx_known && f->run->engine == ENG_PG) {
		/* The script's split failed elsewhere: ask the driver about this
		 * statement alone (it parses, or it is `unparsed` below). */
		struct drv_stmts one = { 0, NULL };
		struct drv_err e;
		drv_err_init(&e);
		if (drv_split(run_driver(f->run), s->text, &one, &e) == 0 && one.n == 1)
			s->no_tx = one.v[0].no_tx; /* static text */
		drv_stmts_release(&one);
		drv_err_release(&e);
	}
	if (s->no_tx && !f->no_tx)
		EMIT(f, s, R_NEEDS_NO_TX, "%s cannot run inside a transaction, and this migration runs "
		     "in one%s", s->no_tx, strncmp(s->no_tx, "transaction control", 19) == 0
		     ? " (strata already runs it in one: remove BEGIN/COMMIT)" : "");
	/* A data migration is mostly INSERTs, which no rule is about: do not
	 * pay a parse for each (on PostgreSQL only when the script parsed as a
	 * whole, so a broken one is still reported). */
	if (strncasecmp(s->text, "INSERT", 6) == 0 && !isalnum((unsigned char)s->text[6]) &&
	    s->text[6] != '_' && (f->run->engine == ENG_SQLITE || s->no_tx_known) && !f->nrisky)
		return;
	if (pgq_parse_one(s->text, strlen(s->text), &p) != 0) {
		f->run->nomem = 1;
		return;
	}
	if (p.root) {
		lint_tree(f, s, p.root);
		if (text_may_name_unlock_all(s->text) && tree_unlocks_all(p.root, 0))
			EMIT(f, s, R_RELEASES_LOCK, "pg_advisory_unlock_all() releases strata's migration "
			     "lock: another runner could apply the same migrations at once");
	} else if (!p.syntax_error) {
		/* a tree jansson would not load: nested deeper than it allows */
		EMIT(f, s, R_UNPARSED, "the statement could not be analysed: it is nested too deeply");
	} else {
		/* On PostgreSQL a statement its own grammar rejects is worth a
		 * word even when the tokens say what it is (a newer server's
		 * syntax, or a typo that up will stop at). On SQLite the grammar
		 * is not the engine's: the tokens are the reading. */
		int known = lint_tokens(f, s);
		if (f->run->engine == ENG_PG || !known)
			EMIT(f, s, R_UNPARSED, "the statement could not be analysed: %s",
			     f->run->engine == ENG_PG ? p.errmsg : "not a statement lint knows");
	}
	pgq_stmt_release(&p);
}

/* ---- the runner's lock ------------------------------------------------------ */

/* Can the parse tree of text hold the name pg_advisory_unlock_all in a
 * string? Only if the text spells it (any case: an identifier, a literal,
 * a dollar-quoted body), or if the lexer joins or decodes what the text
 * spells in pieces: backslash escapes (E'', U&'' and U&""), a UESCAPE
 * character, or a literal continued on the next line ('pg_advisory_'
 * newline 'unlock_all': a closing quote followed by blanks or a comment and
 * a line break). When none of those is in the text, the walk of the tree
 * (a fifth of up's client work on small DDL) cannot find it. */
static int text_may_name_unlock_all(const char *text)
{
	const char *p, *q;

	for (p = text; *p; p++) {
		if (*p == '\\')
			return 1;
		if (((*p | 32) == 'p' && strncasecmp(p, "pg_advisory_unlock_all", 22) == 0) ||
		    ((*p | 32) == 'u' && strncasecmp(p, "uescape", 7) == 0))
			return 1;
		if (*p != '\'')
			continue;
		for (q = p + 1; *q == ' ' || *q == '\t' || *q == '\f'; q++)
			;
		if (*q == '\n' || *q == '\r' || (q[0] == '-' && q[1] == '-') || (q[0] == '/' && q[1] == '*'))
			return 1;
	}
	return 0;
}

/* Does the tree n call pg_advisory_unlock_all(), or hold a string that
 * names it (a DO block's or function's body, an EXECUTE's text)? */
static int tree_unlocks_all(json_t *n, int depth)
{
	static const char fn[] = "pg_advisory_unlock_all";
	const char *k, *str;
	json_t *v;
	size_t i;

	if (depth > 500)
		return 1; /* cannot tell: refuse rather than guess */
	if (json_is_string(n)) {
		str = json_string_value(n);
		for (; str && *str; str++)
			if (strncasecmp(str, fn, sizeof fn - 1) == 0)
				return 1;
		return 0;
	}
	if (json_is_array(n)) {
		json_array_foreach(n, i, v)
			if (tree_unlocks_all(v, depth + 1))
				return 1;
		return 0;
	}
	if (!json_is_object(n))
		return 0;
	json_object_foreach(n, k, v)
		if (tree_unlocks_all(v, depth + 1))
			return 1;
	return 0;
}

int lint_find_lock_release(const char *sql, size_t *offset)
{
	struct drv_stmts st = { 0, NULL };
	struct drv_err e;
	size_t i;
	int rc, hit = 0;

	/* The name must be in the text, for a call or a string that makes
	 * one: without it, no split and no parse (a data migration's 100,000
	 * INSERTs cost one pass). */
	for (i = 0; sql[i] && !hit; i++)
		hit = (sql[i] | 32) == 'p' && strncasecmp(sql + i, "pg_advisory_unlock_all", 22) == 0;
	if (!hit)
		return 0;
	hit = 0;
	drv_err_init(&e);
	rc = drv_split(driver_for_engine(SCHEMA_PG), sql, &st, &e);
	if (rc == STRATA_ENOMEM)
		goto out;
	if (rc && (rc = split_pg_fallback(sql, &st)) != 0)
		goto out;
	for (i = 0; i < st.n && !hit; i++) {
		struct pgq_stmt p;
		size_t j;
		for (j = 0; j + 22 <= st.v[i].len && !hit; j++)
			hit = strncasecmp(sql + st.v[i].offset + j, "pg_advisory_unlock_all", 22) == 0;
		if (!hit)
			continue;
		if ((rc = pgq_parse_one(sql + st.v[i].offset, st.v[i].len, &p)) != 0)
			goto out;
		/* not parsed: the text, comments and all, says it */
		hit = p.root ? tree_unlocks_all(p.root, 0) : 1;
		pgq_stmt_release(&p);
		if (hit)
			*offset = st.v[i].offset;
	}
out:
	drv_stmts_release(&st);
	drv_err_release(&e);
	return rc ? rc : hit;
}

/* ---- files -------------------------------------------------------------- */

static void file_release(struct lint_file *f)
{
	size_t i;

	for (i = 0; i < f->nheld; i++) {
		free(f->held[i].name);
		free(f->held[i].first_line);
		free(f->held[i].rebuilt_from);
	}
	free(f->held);
	name_map_release(&f->created);
	name_map_release(&f->held_by);
	name_map_release(&f->risky_by);
	for (i = 0; i < f->nrisky; i++)
		free(f->risky[i].why);
	free(f->risky);
	free(f->probe_msg);
	free(f->lines);
	sbuf_release(&f->file_ignores);
	sbuf_release(&f->note);
}

static int index_lines(struct lint_file *f)
{
	size_t i, n = 1, k = 0;

	for (i = 0; i < f->len; i++)
		if (f->content[i] == '\n')
			n++;
	f->lines = malloc(n * sizeof *f->lines);
	if (!f->lines)
		return STRATA_ENOMEM;
	f->lines[k++] = 0;
	for (i = 0; i < f->len; i++)
		if (f->content[i] == '\n')
			f->lines[k++] = i + 1;
	f->nlines = n;
	/* lint-ignore-file comments, anywhere */
	sbuf_addc(&f->file_ignores, ',');
	for (k = 1; k <= n; k++) {
		const char *p;
		size_t ll, j, s;
		long at;
		line_span(f, (long)k, &p, &ll);
		at = ignore_list_at(p, ll, 1);
		if (at < 0)
			continue;
		for (j = (size_t)at;;) {
			while (j < ll && (p[j] == ',' || p[j] == ' ' || p[j] == '\t'))
				j++;
			s = j;
			while (j < ll && is_rule_char(p[j]))
				j++;
			if (j == s)
				break;
			sbuf_add(&f->file_ignores, p + s, j - s);
			sbuf_addc(&f->file_ignores, ',');
		}
	}
	return sbuf_failed(&f->file_ignores) ? STRATA_ENOMEM : 0;
}

/* Held drops come out at the end: put the file's findings back in line
 * order (stable: one statement's findings keep their order). */
static void sort_by_line(strata_lint_finding *v, size_t n)
{
	strata_lint_finding *tmp = n > 1 ? malloc(n * sizeof *tmp) : NULL;
	size_t i, j, w, a, b, mid, end;

	if (tmp) {
		/* bottom-up merge sort: thousands of held drops stay n log n */
		for (w = 1; w < n; w *= 2) {
			for (i = 0; i < n; i += 2 * w) {
				mid = i + w < n ? i + w : n;
				end = i + 2 * w < n ? i + 2 * w : n;
				for (a = i, b = mid, j = i; j < end; j++)
					tmp[j] = a < mid && (b >= end || v[a].line <= v[b].line) ? v[a++] : v[b++];
			}
			memcpy(v, tmp, n * sizeof *v);
		}
		free(tmp);
		return;
	}
	/* without memory: in place, quadratic at worst */
	for (i = 1; i < n; i++) {
		strata_lint_finding x = v[i];
		for (j = i; j > 0 && v[j - 1].line > x.line; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Lint one migration file's content, reported as display. */
static int lint_content(struct lint_run *r, const char *display, const char *content, size_t len)
{
	struct lint_file f;
	struct migration m;
	struct drv_stmts st = { 0, NULL };
	struct drv_err e;
	const char *sql;
	size_t i, pos = 0, first = r->n;
	long line;
	int rc, known = 1;

	memset(&f, 0, sizeof f);
	memset(&m, 0, sizeof m);
	sbuf_init(&f.file_ignores);
	sbuf_init(&f.note);
	drv_err_init(&e);
	rc = migration_parse(&m, display, content, len, &r->err);
	if (rc)
		goto out;
	f.run = r;
	f.display = display;
	f.content = content;
	f.len = len;
	f.no_tx = m.up.no_tx;
	if ((rc = index_lines(&f)) != 0)
		goto out;
	r->files++;
	/* a new transaction: each file alone, unless the files are a pending
	 * run, which up runs in one transaction up to a transaction:false one */
	if (!r->pending || f.no_tx)
		name_map_release(&r->not_valid);
	if (!m.down.sql) {
		const char *p;
		size_t n;
		line_span(&f, m.up.line - 1, &p, &n);
		emit_at(&f, m.up.line - 1, p, n, R_NO_DOWN,
		        "the migration has no down section: it cannot be rolled back");
	}
	sql = m.up.sql;
	rc = drv_split(run_driver(r), sql, &st, &e);
	if (rc == STRATA_ENOMEM)
		goto out;
	if (rc == STRATA_EUNSUPPORTED) {
		/* libpg_query could not be loaded (dl.c): a lint that read no
		 * statement must not pass them */
		sbuf_setf(&r->err, "%s", e.msg.buf);
		goto out;
	}
	if (rc) {
		known = 0;
		if ((rc = split_pg_fallback(sql, &st)) != 0)
			goto out;
	}
	line = m.up.line;
	for (i = 0; i < st.n && !r->nomem; i++) {
		struct lint_stmt s;
		char *text;
		for (; pos < st.v[i].offset; pos++)
			if (sql[pos] == '\n')
				line++;
		text = sbuf_strndup(sql + st.v[i].offset, st.v[i].len);
		if (!text) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		s.text = text;
		s.len = st.v[i].len;
		s.line = line;
		s.no_tx = known ? st.v[i].no_tx : NULL;
		s.no_tx_known = known;
		lint_stmt(&f, &s);
		free(text);
	}
	emit_held(&f);
	if (r->n > first)
		sort_by_line(r->v + first, r->n - first);
	if (r->nomem)
		rc = STRATA_ENOMEM;
out:
	if (rc == STRATA_ENOMEM)
		sbuf_setf(&r->err, "%s: out of memory", display);
	drv_stmts_release(&st);
	drv_err_release(&e);
	migration_release(&m);
	file_release(&f);
	return rc;
}

/* Read and lint the file at path; a missing or odd file is bad input. */
static int lint_path(struct lint_run *r, const char *path)
{
	struct sbuf content = SBUF_INIT;
	struct stat st;
	int rc;

	if (stat(path, &st) != 0) {
		rc = errno == ENOENT || errno == ENOTDIR ? STRATA_ENOTFOUND : STRATA_EIO;
		sbuf_setf(&r->err, "%s: %s", path, rc == STRATA_ENOTFOUND ? "no such file" : strerror(errno));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		sbuf_setf(&r->err, "%s: not a regular file", path);
		return STRATA_EPARSE;
	}
	if ((size_t)st.st_size > MAX_FILE_SIZE) {
		sbuf_setf(&r->err, "%s: file is larger than 64 MiB", path);
		return STRATA_EPARSE;
	}
	rc = util_read_file(path, &content);
	if (rc) {
		sbuf_setf(&r->err, "%s: cannot read: %s", path,
		          rc == STRATA_ENOMEM ? "out of memory" : util_file_strerror(errno));
	} else {
		rc = lint_content(r, path, content.buf, content.len);
	}
	sbuf_release(&content);
	return rc;
}

/* 1 if the file at path is a migration the database records as applied
 * (status: applied or edited; the same file name), so not linted; also
 * what lint --explain-locks leaves out (locks.c). */
int lint_is_applied(const strata_report *st, const char *path)
{
	const char *base = strrchr(path, '/'), *eb;
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; st && i < st->n; i++) {
		const strata_entry *e = &st->entries[i];
		if ((e->state != STRATA_APPLIED && e->state != STRATA_EDITED) || !e->file)
			continue;
		eb = strrchr(e->file, '/');
		eb = eb ? eb + 1 : e->file;
		if (strcmp(eb, base) == 0)
			return 1;
	}
	return 0;
}

/* Every migration of dir, in version order; those st records as applied
 * are counted, not linted. */
static int lint_dir(struct lint_run *r, const char *dir, const strata_report *st)
{
	struct migration_set set = { 0 };
	size_t i;
	int rc;

	rc = migrations_load(dir, &set, &r->err);
	for (i = 0; !rc && i < set.n; i++) {
		if (lint_is_applied(st, set.v[i].path))
			r->skipped++;
		else
			rc = lint_path(r, set.v[i].path);
	}
	migrations_release(&set);
	return rc;
}

static void run_release(struct lint_run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free((char *)r->v[i].file);
		free((char *)r->v[i].statement);
		free((char *)r->v[i].message);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
	sbuf_release(&r->err);
	for (i = 0; i < r->ntypes; i++)
		free(r->typev[i]);
	free(r->typev);
	free(r->rowsv);
	free(r->bytesv);
	name_map_release(&r->types);
	name_map_release(&r->sizes);
	name_map_release(&r->created);
	name_map_release(&r->nn_proven);
	name_map_release(&r->nn_checks);
	name_map_release(&r->validated);
	name_map_release(&r->not_valid);
	for (i = 0; i < r->nn_n; i++)
		free(r->nn_colv[i]);
	free(r->nn_colv);
}

static int engine_of(const char *name)
{
	int e = engine_from_name(name);

	return e < 0 ? 0 : 1 << e;
}

/* Hand the findings over as a report (the run keeps nothing). */
static int run_report(struct lint_run *r, strata_lint_report **out)
{
	strata_lint_report *rep = calloc(1, sizeof *rep);

	if (!rep)
		return STRATA_ENOMEM;
	rep->n = r->n;
	rep->findings = r->v;
	rep->errors = r->errors;
	rep->warnings = r->warnings;
	rep->suppressed = r->suppressed;
	rep->files = r->files;
	rep->statements = r->statements;
	rep->engine = r->engine == ENG_PG ? "postgres" : "sqlite";
	rep->skipped = r->skipped;
	r->v = NULL;
	r->n = 0;
	*out = rep;
	return 0;
}

void strata_lint_report_free(strata_lint_report *rep)
{
	size_t i;

	if (!rep)
		return;
	for (i = 0; i < rep->n; i++) {
		free((char *)rep->findings[i].file);
		free((char *)rep->findings[i].statement);
		free((char *)rep->findings[i].message);
	}
	free(rep->findings);
	free(rep);
}

int strata_lint(strata_db *db, const strata_lint_opts *opts, strata_lint_report **out)
{
	static const strata_lint_opts defaults = STRATA_LINT_OPTS_INIT;
	strata_report *applied = NULL;
	struct lint_run r;
	struct stat st;
	size_t i;
	int rc = 0, all = 0;

	*out = NULL;
	db_clear_error(db);
	if (!opts)
		opts = &defaults;
	if ((rc = db_check_version(db, "strata_lint_opts", opts->version, STRATA_LINT_OPTS_VERSION)) != 0)
		return rc;
	memset(&r, 0, sizeof r);
	sbuf_init(&r.err);
	if (opts->engine) {
		r.engine = (unsigned)engine_of(opts->engine);
		if (!r.engine)
			return db_error(db, STRATA_EUSAGE, "unknown engine '%s' (sqlite or postgres)",
			                opts->engine);
	} else if (opts->url && *opts->url) {
		struct strata_url u;
		struct drv_err e;
		drv_err_init(&e);
		rc = url_parse(opts->url, &u, &e); /* only the scheme matters: no connection */
		if (rc) {
			db_error_drv(db, &e, NULL);
			drv_err_release(&e);
			return rc;
		}
		r.engine = (unsigned)engine_of(u.engine);
		url_release(&u);
		drv_err_release(&e);
	} else {
		r.engine = (unsigned)engine_of(strata_engine(db));
	}
	if (!r.engine)
		r.engine = ENG_PG;
	r.large_rows = STRATA_LINT_LARGE_ROWS;
	if (opts->version >= 2) {
		all = opts->all;
		if (opts->large_table_rows > 0)
			r.large_rows = opts->large_table_rows;
		r.require_lock_timeout = opts->require_lock_timeout;
	}
	r.lock_timeout_ms = db->lock_timeout_ms;
	/* A database of the engine whose rules apply: its tables' sizes and
	 * columns' types weigh the findings, and what it has applied is not
	 * linted again (a migration that ran cannot be made safer). */
	if (db->conn) {
		/* sizes and types only from a database the rules are about */
		if ((unsigned)engine_of(strata_engine(db)) == r.engine) {
			r.conn = db->conn;
			r.read_sizes = 1;
		}
		if (!all) {
			if ((rc = strata_status(db, &applied)) != 0)
				return rc;
			r.pending = 1;
		}
	}

	if (!opts->files || !opts->nfiles) {
		rc = lint_dir(&r, db->dir, applied);
	} else {
		for (i = 0; !rc && i < opts->nfiles; i++) {
			const char *p = opts->files[i];
			if (!p || !*p) {
				sbuf_setf(&r.err, "an empty file name");
				rc = STRATA_EUSAGE;
			} else if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
				rc = lint_dir(&r, p, applied);
			} else if (lint_is_applied(applied, p)) {
				r.skipped++;
			} else {
				rc = lint_path(&r, p);
			}
		}
	}
	strata_report_free(applied);
	if (!rc)
		rc = run_report(&r, out);
	if (rc)
		db_error(db, rc, "%s", r.err.len ? r.err.buf : strata_strerror(rc));
	run_release(&r);
	return rc;
}

int lint_pending(drv_conn *conn, const char *engine, const char *const *files,
                 const char *const *contents, const size_t *lens, size_t n,
                 strata_lint_report **out)
{
	struct lint_run r;
	size_t i;
	int rc = 0;

	*out = NULL;
	memset(&r, 0, sizeof r);
	sbuf_init(&r.err);
	r.engine = (unsigned)engine_of(engine);
	if (!r.engine)
		r.engine = ENG_PG;
	/* Only the columns' types, read from the catalog by queries that
	 * cannot fail: this runs inside up's transaction, which a failed
	 * count (no SELECT right on a table) would abort. */
	r.conn = conn;
	r.pending = 1;
	r.large_rows = STRATA_LINT_LARGE_ROWS;
	for (i = 0; i < n && rc != STRATA_ENOMEM; i++) {
		/* The files parsed a moment ago; what lint cannot read the
		 * engine will judge. */
		rc = lint_content(&r, files[i], contents[i], lens[i]);
		sbuf_reset(&r.err);
	}
	if (rc != STRATA_ENOMEM)
		rc = run_report(&r, out);
	run_release(&r);
	return rc;
}

int strata_lint_text(const char *engine, const char *file, const char *content, size_t len,
                     strata_lint_report **out, char **errmsg)
{
	struct lint_run r;
	int rc;

	*out = NULL;
	*errmsg = NULL;
	memset(&r, 0, sizeof r);
	sbuf_init(&r.err);
	r.engine = engine ? (unsigned)engine_of(engine) : ENG_PG;
	if (!r.engine) {
		sbuf_setf(&r.err, "unknown engine '%s' (sqlite or postgres)", engine);
		rc = STRATA_EUSAGE;
	} else {
		rc = lint_content(&r, file ? file : "-", content ? content : "", content ? len : 0);
	}
	if (!rc)
		rc = run_report(&r, out);
	if (rc)
		*errmsg = strdup(r.err.len ? r.err.buf : strata_strerror(rc));
	run_release(&r);
	return rc;
}
