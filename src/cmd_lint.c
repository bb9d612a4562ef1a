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
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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
	int strict = 0, all = 0, offline = 0, require_lt = 0, found, rc, i;
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
		OPT_END(),
	};
	int n = opts_parse(cli, "strata lint [FILES...] [--engine sqlite|postgres] [--strict] [--all] "
	                   "[--offline] [--large-table-rows N] [--require-lock-timeout] [--json]",
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
	found = r->errors > 0 || (strict && r->warnings > 0);
	if (cli->json) {
		cli_print_json(report_json(r, strict, found));
	} else {
		for (i = 0; i < (int)r->n; i++) {
			const strata_lint_finding *f = &r->findings[i];
			int err = f->severity == STRATA_LINT_ERROR;
			printf("%s:%ld: %s%s[%s]%s: %s\n", cli_esc(f->file), f->line,
			       cli_color(cli, err ? "red" : "yellow"), severity_name(f->severity), f->rule,
			       cli_color(cli, "reset"), cli_esc(f->message));
			printf("    hint: %s\n", cli_esc(f->hint));
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
	strata_lint_report_free(r);
	strata_close(db);
	return found ? EXIT_FOUND : EXIT_OK;
}
