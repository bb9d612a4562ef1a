/*
 * cmd_lint.c: `strata lint [FILES...]`, the safety report on migration SQL
 * (docs/strata-lint.md). Needs no database: the engine whose rules apply
 * comes from --engine, else from the scheme of --url / DATABASE_URL, else
 * PostgreSQL, whose rules are the stricter set. With a URL (and not
 * --offline) the database is read, never changed: only pending migrations
 * are linted (--all: every one), and table sizes weigh the lock rules. A
 * SQLite file that does not exist is not created: it is a database with
 * nothing applied.
 *
 * Findings go to stdout as `FILE:LINE: error[rule]: message` with an
 * indented hint, then a count; exit 3 when there are errors (with
 * --strict, warnings too), 2 for a missing or malformed file.
 *
 * --explain-locks (PostgreSQL, with a URL) adds one line per statement of
 * the pending migrations: the locks the server took for it in a scratch
 * copy of the live schema (lib/locks.c), `FILE:LINE: STATEMENT  -> MODE
 * on RELATION, ...`; in --json, the "locks" array.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "locks.h"

static const char *severity_name(strata_lint_severity s)
{
	return s == STRATA_LINT_ERROR ? "error" : "warning";
}

/* A string as JSON; a file name that is not UTF-8 (JSON cannot hold it)
 * becomes null rather than a missing field. */
static json_t *jstring(const char *s)
{
	json_t *j = s ? json_string(s) : NULL;
	return j ? j : json_null();
}

static json_t *report_json(const strata_lint_report *r, int strict, int found)
{
	json_t *o = json_object(), *arr = json_array();
	size_t i;

	json_object_set_new(o, "command", json_string("lint"));
	json_object_set_new(o, "engine", json_string(r->engine));
	json_object_set_new(o, "ok", json_boolean(!found));
	json_object_set_new(o, "strict", json_boolean(strict));
	json_object_set_new(o, "files", json_integer((json_int_t)r->files));
	json_object_set_new(o, "statements", json_integer((json_int_t)r->statements));
	json_object_set_new(o, "errors", json_integer((json_int_t)r->errors));
	json_object_set_new(o, "warnings", json_integer((json_int_t)r->warnings));
	json_object_set_new(o, "suppressed", json_integer((json_int_t)r->suppressed));
	json_object_set_new(o, "skipped", json_integer((json_int_t)r->skipped));
	for (i = 0; i < r->n; i++) {
		const strata_lint_finding *f = &r->findings[i];
		json_t *x = json_object();
		json_object_set_new(x, "rule", jstring(f->rule));
		json_object_set_new(x, "severity", json_string(severity_name(f->severity)));
		json_object_set_new(x, "file", jstring(f->file));
		json_object_set_new(x, "line", json_integer(f->line));
		json_object_set_new(x, "statement", jstring(f->statement));
		json_object_set_new(x, "message", jstring(f->message));
		json_object_set_new(x, "hint", jstring(f->hint));
		json_array_append_new(arr, x);
	}
	json_object_set_new(o, "findings", arr);
	return o;
}

static json_t *locks_json(const struct lock_report *lr)
{
	json_t *arr = json_array();
	size_t i, j;

	for (i = 0; lr && i < lr->n; i++) {
		const struct lock_stmt *st = &lr->v[i];
		json_t *x = json_object(), *ls = json_array();
		json_object_set_new(x, "file", jstring(st->file));
		json_object_set_new(x, "line", json_integer(st->line));
		json_object_set_new(x, "statement", jstring(st->statement));
		json_object_set_new(x, "measured", json_boolean(st->measured));
		json_object_set_new(x, "not_measured", jstring(st->not_measured));
		json_object_set_new(x, "failed", json_boolean(st->failed));
		for (j = 0; j < st->nlocks; j++) {
			const struct lock_held *l = &st->locks[j];
			json_t *y = json_object();
			json_object_set_new(y, "relation", jstring(l->relation));
			json_object_set_new(y, "kind", jstring(l->kind));
			json_object_set_new(y, "mode", jstring(l->mode));
			json_object_set_new(y, "granted", json_boolean(l->granted));
			json_object_set_new(y, "new", json_boolean(l->is_new));
			json_object_set_new(y, "documented", json_boolean(l->documented));
			json_array_append_new(ls, y);
		}
		json_object_set_new(x, "locks", ls);
		json_array_append_new(arr, x);
	}
	return arr;
}

/* The statement on one line, cut at about 60 bytes (on a character
 * boundary) with "...". */
static void short_statement(const char *sql, char *out, size_t size)
{
	size_t n = 0, cut = size > 64 ? 60 : size - 4;
	int space = 0;

	for (; *sql && n + 1 < size; sql++) {
		unsigned char c = (unsigned char)*sql;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = n > 0;
			continue;
		}
		if (space && n + 1 < size)
			out[n++] = ' ';
		space = 0;
		if (n >= cut && (c & 0xC0) != 0x80) {
			while (n > 0 && out[n - 1] == ' ')
				n--;
			memcpy(out + n, "...", 3);
			n += 3;
			break;
		}
		out[n++] = (char)c;
	}
	if (n && out[n - 1] == ';')
		n--;
	out[n] = '\0';
}

/* FILE:LINE: STATEMENT  -> what it locks: each relation once, at the
 * strongest mode it took; an index only read or written along with its
 * table (a validation's scan, an UPDATE) is left to --json. */
static void print_locks(struct cli *cli, const struct lock_report *lr)
{
	char stmt[128];
	size_t i, j;

	for (i = 0; i < lr->n; i++) {
		const struct lock_stmt *st = &lr->v[i];
		const char *prev = NULL;
		int any = 0;
		short_statement(st->statement, stmt, sizeof stmt);
		printf("%s:%ld: %s  -> ", cli_esc(st->file), st->line, cli_esc(stmt));
		if (!st->measured)
			printf("%snot measured: %s%s", cli_color(cli, st->failed ? "red" : "yellow"),
			       cli_esc(st->not_measured), cli_color(cli, "reset"));
		for (j = 0; j < st->nlocks; j++) {
			const struct lock_held *l = &st->locks[j];
			if (prev && strcmp(prev, l->relation) == 0)
				continue;
			prev = l->relation;
			if (!l->documented && strstr(l->kind, "index") &&
			    (!strcmp(l->mode, "AccessShareLock") || !strcmp(l->mode, "RowShareLock") ||
			     !strcmp(l->mode, "RowExclusiveLock")))
				continue;
			printf("%s%s%s on %s%s", any ? ", " : !st->measured ? "; would take " : "",
			       cli_color(cli, l->is_new ? "dim" : "bold"), l->mode, cli_esc(l->relation),
			       cli_color(cli, "reset"));
			if (l->is_new)
				printf(" (new)");
			any = 1;
		}
		if (!any && st->measured)
			printf("no table locks");
		printf("\n");
	}
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int cmd_lint(struct cli *cli, int argc, char **argv)
{
	strata_lint_opts o = STRATA_LINT_OPTS_INIT;
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_lint_report *r = NULL;
	strata_db *db = NULL;
	const char *engine = NULL, *env;
	struct lock_report *lr = NULL;
	int strict = 0, all = 0, offline = 0, require_lt = 0, explain = 0, found, rc, i;
	long large = -1;
	const struct opt opts[] = {
		OPT_STRING(0, "engine", &engine, "ENGINE", "apply the rules of sqlite or postgres "
		           "(default: the --url scheme, else postgres)"),
		OPT_BOOL(0, "strict", &strict, "warnings count as errors (exit 3)"),
		OPT_BOOL(0, "all", &all, "with a database: lint applied migrations too"),
		OPT_BOOL(0, "offline", &offline, "do not read the database of the URL"),
		OPT_LONG(0, "large-table-rows", &large, "N", "a table of N rows or more is large "
		         "(default: $STRATA_LARGE_TABLE_ROWS, else 100000)"),
		OPT_BOOL(0, "require-lock-timeout", &require_lt, "report locks taken with no "
		         "lock_timeout (unless --lock-timeout is given)"),
		OPT_BOOL(0, "explain-locks", &explain, "PostgreSQL: the locks each pending statement "
		         "takes, measured in a scratch database (or --dev-url)"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata lint [FILES...] [--engine sqlite|postgres] [--strict] [--all] "
	                   "[--offline] [--large-table-rows N] [--require-lock-timeout] [--explain-locks] [--json]",
	                   opts, argc, argv);

	if (n < 0)
		return OPTS_EXIT(n);
	if (engine && strcmp(engine, "sqlite") && strcmp(engine, "postgres")) {
		cli_error("lint: --engine must be sqlite or postgres, not '%s'", engine);
		return EXIT_USAGE;
	}
	if (large == 0) {
		cli_error("lint: --large-table-rows needs a positive number of rows, not 0");
		return EXIT_USAGE;
	}
	if (large < 0 && (env = getenv("STRATA_LARGE_TABLE_ROWS")) != NULL && *env) {
		char *end;
		errno = 0;
		large = strtol(env, &end, 10);
		if (errno || *end || end == env || large < 1) {
			cli_error("lint: STRATA_LARGE_TABLE_ROWS must be a positive number of rows, not '%s'",
			          env);
			return EXIT_USAGE;
		}
	}
	/* --explain-locks measures on a server: PostgreSQL's, whose locks
	 * are per table; SQLite locks the whole database for any write. */
	if (explain) {
		const char *ue = cli->url && *cli->url ? strata_url_engine(cli->url) : NULL;
		if ((ue && strcmp(ue, "sqlite") == 0) || (engine && strcmp(engine, "sqlite") == 0)) {
			cli_error("lint: --explain-locks is for PostgreSQL: SQLite has no table locks "
			          "(a write locks the whole database)");
			return EXIT_USAGE;
		}
		if (offline || !ue) {
			cli_error("lint: --explain-locks needs a PostgreSQL database (--url or DATABASE_URL)%s",
			          offline ? ", and not --offline" : "");
			return EXIT_USAGE;
		}
	}
	/* The library lints without a database; one of the URL's engine, when
	 * there is a URL, adds what only it knows. It is read, never changed:
	 * a SQLite file that is not there is not created (nothing applied). */
	cfg.dir = cli->dir;
	cfg.no_create = 1;
	cfg.lock_timeout_ms = cli->lock_timeout_ms;
	rc = strata_new(&db, &cfg);
	if (rc) {
		rc = cli_fail(db, rc);
		strata_close(db);
		return rc;
	}
	if (!offline && cli->url && *cli->url) {
		rc = strata_connect(db, cli->url);
		if (rc == STRATA_ENOTFOUND && strata_url_engine(cli->url) &&
		    strcmp(strata_url_engine(cli->url), "sqlite") == 0) {
			rc = 0; /* no database yet: nothing is applied, no table has rows */
		} else if (rc) {
			cli_error("lint: %s (--offline lints without the database)", cli_errmsg(db));
			rc = rc == STRATA_EUSAGE || rc == STRATA_EPARSE ? EXIT_USAGE : cli_exit_code(rc);
			strata_close(db);
			return rc;
		}
	}
	o.all = all;
	o.large_table_rows = large > 0 ? large : 0;
	o.require_lock_timeout = require_lt;
	o.engine = engine;
	o.url = engine ? NULL : cli->url;
	if (!o.engine && !(o.url && *o.url))
		o.engine = "postgres";
	o.files = (const char *const *)(argv + 1);
	o.nfiles = (size_t)n;
	rc = strata_lint(db, &o, &r);
	if (rc) {
		cli_error("lint: %s", cli_errmsg(db));
		/* a file that is not there is bad input here, as a malformed one */
		rc = rc == STRATA_ENOTFOUND ? EXIT_USAGE : cli_exit_code(rc);
		strata_close(db);
		return rc;
	}
	if (explain && (rc = locks_explain(db, cli->dev_url, o.files, o.nfiles, &lr)) != 0) {
		cli_error("lint: --explain-locks: %s", cli_errmsg(db));
		rc = rc == STRATA_ENOTFOUND ? EXIT_USAGE : cli_exit_code(rc);
		strata_lint_report_free(r);
		strata_close(db);
		return rc;
	}
	found = r->errors > 0 || (strict && r->warnings > 0);
	if (cli->json) {
		json_t *j = report_json(r, strict, found);
		if (lr)
			json_object_set_new(j, "locks", locks_json(lr));
		cli_print_json(j);
	} else {
		for (i = 0; i < (int)r->n; i++) {
			const strata_lint_finding *f = &r->findings[i];
			int err = f->severity == STRATA_LINT_ERROR;
			printf("%s:%ld: %s%s[%s]%s: %s\n", cli_esc(f->file), f->line,
			       cli_color(cli, err ? "red" : "yellow"), severity_name(f->severity), f->rule,
			       cli_color(cli, "reset"), cli_esc(f->message));
			printf("    hint: %s\n", cli_esc(f->hint));
		}
		if (lr) {
			print_locks(cli, lr);
			if (!cli->quiet && !lr->files)
				printf("locks: no pending migration to measure\n");
			else if (!cli->quiet)
				printf("locks: %zu %s of %zu pending %s, each run in a scratch database and "
				       "rolled back; %zu failed there\n", lr->n, plural(lr->n, "statement",
				       "statements"), lr->files, plural(lr->files, "migration", "migrations"),
				       lr->failed);
		}
		if (!cli->quiet && r->skipped)
			printf("%zu %s, %zu %s (%zu suppressed); %zu applied %s not linted (--all lints them)\n",
			       r->errors, plural(r->errors, "error", "errors"), r->warnings,
			       plural(r->warnings, "warning", "warnings"), r->suppressed, r->skipped,
			       plural(r->skipped, "migration", "migrations"));
		else if (!cli->quiet)
			printf("%zu %s, %zu %s (%zu suppressed)\n", r->errors, plural(r->errors, "error", "errors"),
			       r->warnings, plural(r->warnings, "warning", "warnings"), r->suppressed);
	}
	lock_report_free(lr);
	strata_lint_report_free(r);
	strata_close(db);
	return found ? EXIT_FOUND : EXIT_OK;
}
