/*
 * cmd_lint.c: `strata lint [FILES...]`, the safety report on migration SQL
 * (docs/strata-lint.md). Needs no database: the engine whose rules apply
 * comes from --engine, else from the scheme of --url / DATABASE_URL (never
 * connected to), else PostgreSQL, whose rules are the stricter set.
 *
 * Findings go to stdout as `FILE:LINE: error[rule]: message` with an
 * indented hint, then a count; exit 3 when there are errors (with
 * --strict, warnings too), 2 for a missing or malformed file.
 */
#include "cli.h"

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
	const char *engine = NULL;
	int strict = 0, found, rc, i;
	const struct opt opts[] = {
		OPT_STRING(0, "engine", &engine, "ENGINE", "apply the rules of sqlite or postgres "
		           "(default: the --url scheme, else postgres)"),
		OPT_BOOL(0, "strict", &strict, "warnings count as errors (exit 3)"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata lint [FILES...] [--engine sqlite|postgres] [--strict] [--json]",
	                   opts, argc, argv);

	if (n < 0)
		return OPTS_EXIT(n);
	if (engine && strcmp(engine, "sqlite") && strcmp(engine, "postgres")) {
		cli_error("lint: --engine must be sqlite or postgres, not '%s'", engine);
		return EXIT_USAGE;
	}
	/* A handle not connected lends the library its directory and error
	 * slot; the real database is never opened. */
	cfg.dir = cli->dir;
	rc = strata_new(&db, &cfg);
	if (rc) {
		rc = cli_fail(db, rc);
		strata_close(db);
		return rc;
	}
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
		if (!cli->quiet)
			printf("%zu %s, %zu %s (%zu suppressed)\n", r->errors, plural(r->errors, "error", "errors"),
			       r->warnings, plural(r->warnings, "warning", "warnings"), r->suppressed);
	}
	strata_lint_report_free(r);
	strata_close(db);
	return found ? EXIT_FOUND : EXIT_OK;
}
