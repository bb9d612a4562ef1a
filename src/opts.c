/*
 * opts.c: the option parser every command uses, after git's parse-options.
 *
 * A command gives a table of its flags; opts_parse() also accepts the global
 * options (so `strata up --url X` works as well as `strata --url X up`),
 * moves positional arguments to the front, prints usage for -h, and turns
 * any mistake into one line on stderr and exit status 2.
 */
#include "cli.h"
#include "sbuf.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int parse_duration(const char *s, long *ms)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v >= 0) || v > 1e15) /* NaN, inf and negatives */
		return -1;
	if (!*end && v != 0) /* 5: milliseconds to PostgreSQL, seconds to a person */
		return v > (double)INT_MAX ? -1 : -2;
	if (!*end || strcmp(end, "ms") == 0)
		;
	else if (strcmp(end, "s") == 0)
		v *= 1000;
	else if (strcmp(end, "min") == 0 || strcmp(end, "m") == 0)
		v *= 60000;
	else if (strcmp(end, "h") == 0)
		v *= 3600000;
	else
		return -1;
	/* Both engines keep a timeout in an int of milliseconds (24.8 days):
	 * a longer one would be refused by the server only after connecting,
	 * or wrap on SQLite. */
	if (v > (double)INT_MAX)
		return -1;
	*ms = (long)v;
	return 0;
}

static int parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

/* Edit distance (insert, delete, substitute, swap two neighbours: "stauts"). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *d, r;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	d = calloc((la + 1) * (lb + 1), sizeof *d);
	if (!d)
		return (size_t)-1;
#define D(i, j) d[(i) * (lb + 1) + (j)]
	for (i = 0; i <= la; i++)
		D(i, 0) = i;
	for (j = 0; j <= lb; j++)
		D(0, j) = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t v = D(i - 1, j - 1) + (a[i - 1] != b[j - 1]);
			if (D(i - 1, j) + 1 < v)
				v = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < v)
				v = D(i, j - 1) + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    D(i - 2, j - 2) + 1 < v)
				v = D(i - 2, j - 2) + 1;
			D(i, j) = v;
		}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

size_t cli_suggest(const char *word, const char *const *names, size_t n, const char *out[2])
{
	size_t i, best = (size_t)-1, d, len = strlen(word), k = 0;

	for (i = 0; i < n; i++) {
		d = edit_distance(word, names[i]);
		if (d < best) {
			best = d;
			k = 0;
		}
		if (d == best && k < 3) {
			if (k < 2)
				out[k] = names[i];
			k++;
		}
	}
	/* Close means one or two edits, and fewer than half the word; three
	 * names as near as each other are no suggestion. */
	if (best == 0 || best > 2 || best * 2 >= len || k > 2)
		return 0;
	return k;
}

/* Global options, accepted before or after the command name. */
static const struct opt *global_opts(struct cli *c)
{
	static struct opt g[24];
	struct opt t[] = {
		OPT_STRING('u', "url", &c->url, "URL", "database URL (env DATABASE_URL)"),
		OPT_STRING('d', "dir", &c->dir, "DIR", "migrations directory (env STRATA_DIR, default ./migrations)"),
		OPT_STRING('s', "schema", &c->schema_file, "FILE", "desired-state schema file (default ./schema.sql)"),
		OPT_STRING(0, "table", &c->table, "NAME", "tracking table (default strata_migrations)"),
		OPT_STRING(0, "dev-url", &c->dev_url, "URL", "scratch database for PostgreSQL diffing"),
		OPT_STRING(0, "pg-schema", &c->pg_schema, "NAME", "PostgreSQL schema of the tracking table"),
		OPT_STRING(0, "dump-schema", &c->dump_schema, "FILE", "write the schema dump after up/down"),
		OPT_STRING(0, "before-each", &c->before_each, "CMD", "shell command run before each migration of up/down"),
		OPT_STRING(0, "after-each", &c->after_each, "CMD", "shell command run after each migration of up/down"),
		OPT_DURATION(0, "lock-timeout", &c->lock_timeout_ms, "PostgreSQL lock_timeout per migration"),
		OPT_DURATION(0, "statement-timeout", &c->statement_timeout_ms, "PostgreSQL statement_timeout per migration"),
		OPT_LONG(0, "keep", &c->keep, "N", "automatic SQLite backups kept (default 5)"),
		OPT_BOOL(0, "json", &c->json, "machine-readable output on stdout"),
		OPT_BOOL('y', "yes", &c->yes, "answer yes to confirmations"),
		OPT_BOOL('q', "quiet", &c->quiet, "print only errors"),
		OPT_BOOL('v', "verbose", &c->verbose, "print more"),
		OPT_BOOL(0, "no-color", &c->color, "no colour"),
		OPT_END(),
	};
	memcpy(g, t, sizeof t);
	return g;
}

static const struct opt *find_long(const struct opt *o, const char *name, size_t n)
{
	for (; o->type != OPT_T_END; o++)
		if (strlen(o->lng) == n && strncmp(o->lng, name, n) == 0)
			return o;
	return NULL;
}

static const struct opt *find_short(const struct opt *o, char c)
{
	for (; o->type != OPT_T_END; o++)
		if (o->shrt && o->shrt == c)
			return o;
	return NULL;
}

static int set_value(const char *cmd, const struct opt *o, const char *spell, const char *arg)
{
	switch (o->type) {
	case OPT_T_BOOL:
		/* --no-color stores "off" into color */
		*(int *)o->dest = strcmp(o->lng, "no-color") == 0 ? 0 : 1;
		return 0;
	case OPT_T_STRING:
		/* No option means anything by an empty string; most often it is
		 * a shell variable that was not set ("--table $T"), and taking
		 * it as "the default" would work on the wrong table or file. */
		if (!*arg && strcmp(o->lng, "url") != 0) { /* -u "": "no database", later */
			cli_error("%s: --%s needs a value, not an empty string", cmd, o->lng);
			return -1;
		}
		*(const char **)o->dest = arg;
		return 0;
	case OPT_T_LONG:
		if (parse_long(arg, (long *)o->dest)) {
			cli_error("%s: %s needs a non-negative number, not '%s'", cmd, spell, arg);
			return -1;
		}
		return 0;
	case OPT_T_DURATION:
		switch (parse_duration(arg, (long *)o->dest)) {
		case 0:
			return 0;
		case -2:
			cli_error("%s: --%s %s has no unit: give %sms, %ss, %smin or %sh", cmd, o->lng,
			          arg, arg, arg, arg, arg);
			return -1;
		default:
			cli_error("%s: %s needs a duration such as 500ms, 5s or 2min (at most 596h), not '%s'",
			          cmd, spell, arg);
			return -1;
		}
	case OPT_T_END:
		break;
	}
	return -1;
}

void opts_usage(FILE *f, const char *usage, const struct opt *opts)
{
	const struct opt *o;

	fprintf(f, "usage: %s\n", usage);
	if (opts && opts->type != OPT_T_END)
		fputc('\n', f);
	for (o = opts; o && o->type != OPT_T_END; o++) {
		char left[64];
		if (o->shrt)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->shrt, o->lng, o->argname ? " " : "",
			         o->argname ? o->argname : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->lng, o->argname ? " " : "",
			         o->argname ? o->argname : "");
		fprintf(f, "    %-28s %s\n", left, o->help);
	}
	fprintf(f, "\nglobal options (-u URL, -d DIR, --json, -q, -v ...): see 'strata --help'\n");
}

void opts_complete(FILE *f, struct cli *cli, const struct opt *opts)
{
	const struct opt *o;

	for (o = opts ? opts : global_opts(cli); o->type != OPT_T_END; o++) {
		char s[3] = { 0 };
		if (o->shrt) {
			s[0] = '-';
			s[1] = o->shrt;
		}
		fprintf(f, "--%s\t%s\t%s\t%s\n", o->lng, s, o->argname ? o->argname : "", o->help);
	}
}

int opts_global_takes_value(const char *a)
{
	struct cli scratch; /* global_opts() wants somewhere to point; only types are read */
	const struct opt *g, *o = NULL;

	memset(&scratch, 0, sizeof scratch);
	g = global_opts(&scratch);
	if (a[0] == '-' && a[1] == '-')
		o = find_long(g, a + 2, strlen(a + 2));
	else if (a[0] == '-' && a[1] && !a[2])
		o = find_short(g, a[1]);
	return o && o->type != OPT_T_BOOL;
}

int opts_parse(struct cli *cli, const char *usage, const struct opt *opts, int argc, char **argv)
{
	static const struct opt none[] = { OPT_END() };
	const struct opt *g = global_opts(cli);
	const char *cmd = argv[0];
	int i, npos = 0, only_pos = 0;
	char **pos = calloc((size_t)argc + 1, sizeof *pos);

	if (!pos) {
		cli_error("out of memory");
		return -2;
	}
	if (!opts)
		opts = none;
	if (cli->complete) {
		/* the command's table, for the shell completions: nothing is parsed */
		opts_complete(stdout, cli, opts);
		free(pos);
		return -1;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct opt *o = NULL;
		const char *arg = NULL;

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			pos[npos++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			opts_usage(stdout, usage, opts);
			free(pos);
			return -1;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			o = find_long(opts, a + 2, n);
			if (!o)
				o = find_long(g, a + 2, n);
			if (!o) {
				const char *names[64], *near[2];
				size_t k = 0, m;
				char *want = sbuf_strndup(a + 2, n);
				for (o = opts; o->type != OPT_T_END && k < 32; o++)
					names[k++] = o->lng;
				for (o = g; o->type != OPT_T_END && k < 64; o++)
					names[k++] = o->lng;
				m = want ? cli_suggest(want, names, k, near) : 0;
				if (m == 1)
					cli_error("%s: unknown option '%.*s' (did you mean --%s?)", cmd, (int)n + 2, a,
					          near[0]);
				else if (m == 2)
					cli_error("%s: unknown option '%.*s' (did you mean --%s or --%s?)", cmd,
					          (int)n + 2, a, near[0], near[1]);
				else
					cli_error("%s: unknown option '%.*s' (see 'strata %s -h')", cmd, (int)n + 2, a,
					          cmd);
				free(want);
				free(pos);
				return -2;
			}
			if (eq) {
				if (o->type == OPT_T_BOOL) {
					cli_error("%s: option '--%s' takes no value", cmd, o->lng);
					free(pos);
					return -2;
				}
				arg = eq + 1;
			}
		} else {
			if (a[2] != '\0') {
				/* -n5 style, or a bundle of booleans like -qy */
				o = find_short(opts, a[1]);
				if (!o)
					o = find_short(g, a[1]);
				if (o && o->type != OPT_T_BOOL) {
					arg = a + 2;
				} else {
					const char *p;
					for (p = a + 1; *p; p++) {
						const struct opt *b = find_short(opts, *p);
						if (!b)
							b = find_short(g, *p);
						if (!b || b->type != OPT_T_BOOL) {
							cli_error("%s: unknown option '-%c' (see 'strata %s -h')", cmd, *p, cmd);
							free(pos);
							return -2;
						}
						set_value(cmd, b, a, NULL);
					}
					continue;
				}
			} else {
				o = find_short(opts, a[1]);
				if (!o)
					o = find_short(g, a[1]);
			}
			if (!o) {
				cli_error("%s: unknown option '%s' (see 'strata %s -h')", cmd, a, cmd);
				free(pos);
				return -2;
			}
		}
		if (o->type != OPT_T_BOOL && !arg) {
			if (i + 1 >= argc) {
				cli_error("%s: option '%s' needs a value", cmd, a);
				free(pos);
				return -2;
			}
			arg = argv[++i];
		}
		if (set_value(cmd, o, a, arg)) {
			free(pos);
			return -2;
		}
	}
	for (i = 0; i < npos; i++)
		argv[i + 1] = pos[i];
	argv[npos + 1] = NULL;
	free(pos);
	return npos;
}
