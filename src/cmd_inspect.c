/*
 * cmd_inspect.c: the commands that read the live schema: `inspect` (SQL,
 * JSON, Graphviz DOT or Mermaid), `dump` (canonical SQL to stdout or to a
 * file, for review in git) and `stats` (tables with row counts and sizes),
 * plus cli_write_dump(), which up and down call for --dump-schema FILE.
 *
 * A dump file is written atomically: to a temporary file beside it, synced,
 * then renamed over the target, so a reader (or git) never sees half a
 * schema, and a failed write leaves the old file as it was. A new file's
 * mode follows the umask, as any file the user's shell would create; a
 * replaced one no more than its old mode (util_write_file()).
 */
#include "cli.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

/* Formats by name, in the order the usage line gives them. */
static const struct {
	const char *name;
	int format;
} formats[] = {
	{ "sql", STRATA_FORMAT_SQL },
	{ "json", STRATA_FORMAT_JSON },
	{ "dot", STRATA_FORMAT_DOT },
	{ "mermaid", STRATA_FORMAT_MERMAID },
};

/* Print text to stdout as it is (renderers end it with a newline). */
static void print_text(const char *text)
{
	fputs(text, stdout);
}

int cmd_inspect(struct cli *cli, int argc, char **argv)
{
	const char *fmt = NULL;
	int all = 0, format = -1, rc;
	char *text = NULL;
	strata_db *db;
	size_t i;
	const struct opt opts[] = {
		OPT_STRING(0, "format", &fmt, "FORMAT", "sql (the default), json, dot or mermaid"),
		OPT_BOOL(0, "all", &all, "include strata's own tracking table"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata inspect [--format sql|json|dot|mermaid] [--all]", opts,
	                   argc, argv);

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("inspect: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	if (!fmt) {
		/* --json alone asks for the JSON model. */
		format = cli->json ? STRATA_FORMAT_JSON : STRATA_FORMAT_SQL;
	} else {
		for (i = 0; i < sizeof formats / sizeof formats[0]; i++)
			if (!strcmp(fmt, formats[i].name))
				format = formats[i].format;
		if (format < 0) {
			cli_error("inspect: unknown format '%s' (use sql, json, dot or mermaid)", fmt);
			return EXIT_USAGE;
		}
	}
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	rc = strata_inspect(db, format, all ? STRATA_INSPECT_ALL : 0, &text);
	if (rc) {
		rc = cli_fail(db, rc);
	} else if (cli->json) {
		/* One document: the model's fields in the envelope, or the text
		 * of another format under "text". */
		json_t *o = format == STRATA_FORMAT_JSON ? json_loads(text, 0, NULL) : NULL;
		if (!o) {
			o = json_object();
			json_object_set_new(o, "format", json_string(fmt ? fmt : "sql"));
			json_object_set_new(o, "text", json_string(text));
		}
		cli_print_json(o);
	} else {
		print_text(text);
	}
	free(text);
	strata_close(db);
	return rc;
}

/* Why util_write_file() did not write, in the user's words. */
static const char *write_error(int err)
{
	switch (err) {
	case ENXIO: return "it is a FIFO that no process reads";
	case EISDIR: return "it is a directory";
	case EINVAL: return "not a regular file, FIFO or character device";
	case ENOLINK: return "a symlink to nothing (strata does not create its target)";
	default: return strerror(err);
	}
}

/* Dump db to path ("-": stdout); messages name the command. Returns an exit status. */
static int dump_to_file(struct cli *cli, strata_db *db, const char *path, unsigned flags,
                        const char *command)
{
	char *sql = NULL;
	int rc = strata_dump(db, flags, &sql);

	if (rc)
		return cli_fail(db, rc);
	if (!strcmp(path, "-")) {
		print_text(sql);
		free(sql);
		return EXIT_OK;
	}
	if ((rc = util_write_file(path, sql, strlen(sql))) != 0) {
		/* After up/down the run itself went through: say so, since the
		 * exit status alone would suggest it did not. */
		cli_error("%s: cannot write '%s': %s%s", command, path,
		          rc == STRATA_ENOMEM ? "out of memory" : write_error(errno),
		          strcmp(command, "dump") ? " (the run itself succeeded)" : "");
		free(sql);
		return EXIT_FAIL;
	}
	if (cli->json && !strcmp(command, "dump")) {
		json_t *o = json_object();
		json_object_set_new(o, "command", json_string("dump"));
		json_object_set_new(o, "file", json_string(path));
		json_object_set_new(o, "bytes", json_integer((json_int_t)strlen(sql)));
		cli_print_json(o);
	} else if (!strcmp(command, "dump")) {
		cli_say(cli, "wrote %s\n", cli_esc(path));
	} else if (cli->verbose && !cli->quiet) {
		/* After up/down: a note on stderr, so stdout stays the run's. */
		fprintf(stderr, "strata: schema dump written to %s\n", cli_esc(path));
	}
	free(sql);
	return EXIT_OK;
}

int cli_write_dump(struct cli *cli, strata_db *db, const char *path)
{
	return dump_to_file(cli, db, path, 0, "--dump-schema");
}

int cmd_dump(struct cli *cli, int argc, char **argv)
{
	int all = 0, rc;
	unsigned flags;
	char *sql = NULL;
	strata_db *db;
	const struct opt opts[] = {
		OPT_BOOL(0, "all", &all, "include strata's own tracking table"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata dump [FILE] [--all]", opts, argc, argv);

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 1) {
		cli_error("dump: give at most one FILE");
		return EXIT_USAGE;
	}
	flags = all ? STRATA_INSPECT_ALL : 0;
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	if (n == 1 && strcmp(argv[1], "-")) {
		rc = dump_to_file(cli, db, argv[1], flags, "dump");
	} else if ((rc = strata_dump(db, flags, &sql)) != 0) {
		rc = cli_fail(db, rc);
	} else if (cli->json) {
		json_t *o = json_object();
		json_object_set_new(o, "command", json_string("dump"));
		json_object_set_new(o, "engine", json_string(strata_engine(db)));
		json_object_set_new(o, "sql", json_string(sql));
		cli_print_json(o);
	} else {
		print_text(sql);
	}
	free(sql);
	strata_close(db);
	return rc;
}

/* Bytes as people read them: "512 B", "8.0 kB", "16 kB", "1.2 MB". */
static void human_size(long long bytes, char *out, size_t n)
{
	static const char *const unit[] = { "kB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 0) {
		snprintf(out, n, "-");
		return;
	}
	if (bytes < 1024) {
		snprintf(out, n, "%lld B", bytes);
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (v < 10)
		snprintf(out, n, "%.1f %s", v, unit[u]);
	else
		snprintf(out, n, "%.0f %s", v, unit[u]);
}

static void rows_text(const strata_table_stats *t, char *out, size_t n)
{
	if (t->rows < 0)
		snprintf(out, n, "?");
	else
		snprintf(out, n, "%s%lld", t->rows_estimated ? "~" : "", t->rows);
}

static void *stats_json(strata_db *db, const strata_stats_report *s)
{
	json_t *o = json_object(), *arr = json_array();
	size_t i;

	json_object_set_new(o, "command", json_string("stats"));
	json_object_set_new(o, "engine", json_string(strata_engine(db)));
	json_object_set_new(o, "database", json_string(strata_url_redacted(db)));
	for (i = 0; i < s->n; i++) {
		const strata_table_stats *t = &s->tables[i];
		json_t *e = json_object();
		json_object_set_new(e, "schema", t->schema ? json_string(t->schema) : json_null());
		json_object_set_new(e, "name", json_string(t->name));
		json_object_set_new(e, "rows", t->rows >= 0 ? json_integer(t->rows) : json_null());
		json_object_set_new(e, "rows_estimated", json_boolean(t->rows_estimated));
		json_object_set_new(e, "bytes", t->bytes >= 0 ? json_integer(t->bytes) : json_null());
		json_array_append_new(arr, e);
	}
	json_object_set_new(o, "tables", arr);
	json_object_set_new(o, "total_bytes",
	                    s->total_bytes >= 0 ? json_integer(s->total_bytes) : json_null());
	return o;
}

int cmd_stats(struct cli *cli, int argc, char **argv)
{
	int exact = 0, all = 0, qualify = 0, estimated = 0, rc;
	strata_stats_report *s = NULL;
	strata_db *db;
	size_t i, wname = 5, wrows = 4, wsize = 4;
	char buf[64];
	const struct opt opts[] = {
		OPT_BOOL(0, "exact", &exact, "count rows exactly (PostgreSQL estimates by default)"),
		OPT_BOOL(0, "all", &all, "include strata's own tracking table"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata stats [--exact] [--all]", opts, argc, argv);

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("stats: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	rc = strata_stats(db, (exact ? STRATA_STATS_EXACT : 0) | (all ? STRATA_INSPECT_ALL : 0), &s);
	if (rc) {
		rc = cli_fail(db, rc);
		strata_close(db);
		return rc;
	}
	if (cli->json) {
		cli_print_json(stats_json(db, s));
		goto out;
	}
	if (cli->quiet)
		goto out;
	if (s->n == 0) {
		printf("no tables\n");
		goto out;
	}
	/* Schema-qualified names only when the tables span several schemas. */
	for (i = 1; i < s->n; i++)
		if (s->tables[i].schema && s->tables[0].schema &&
		    strcmp(s->tables[i].schema, s->tables[0].schema))
			qualify = 1;
	for (i = 0; i < s->n; i++) {
		const strata_table_stats *t = &s->tables[i];
		size_t w = strlen(cli_esc(t->name)) + (qualify && t->schema ? strlen(cli_esc(t->schema)) + 1 : 0);
		if (w > wname)
			wname = w;
		rows_text(t, buf, sizeof buf);
		if (strlen(buf) > wrows)
			wrows = strlen(buf);
		human_size(t->bytes, buf, sizeof buf);
		if (strlen(buf) > wsize)
			wsize = strlen(buf);
	}
	printf("%s%-*s  %*s  %*s%s\n", cli_color(cli, "bold"), (int)wname, "TABLE", (int)wrows, "ROWS",
	       (int)wsize, "SIZE", cli_color(cli, "reset"));
	for (i = 0; i < s->n; i++) {
		const strata_table_stats *t = &s->tables[i];
		int q = qualify && t->schema;
		size_t w = strlen(cli_esc(t->name)) + (q ? strlen(cli_esc(t->schema)) + 1 : 0);
		char size[32];

		rows_text(t, buf, sizeof buf);
		human_size(t->bytes, size, sizeof size);
		printf("%s%s%s%*s  %*s  %*s\n", q ? cli_esc(t->schema) : "", q ? "." : "", cli_esc(t->name),
		       (int)(wname - w), "", (int)wrows, buf, (int)wsize, size);
		estimated |= t->rows_estimated;
	}
	human_size(s->total_bytes, buf, sizeof buf);
	printf("\n%zu table%s, database size %s%s\n", s->n, s->n == 1 ? "" : "s", buf,
	       estimated ? " (~ estimated row counts; --exact counts them)" : "");
out:
	strata_stats_free(s);
	strata_close(db);
	return EXIT_OK;
}
