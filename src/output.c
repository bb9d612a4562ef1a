/*
 * output.c: how the program speaks. Results go to stdout (human text, or
 * JSON with --json); diagnostics go to stderr as one line each, prefixed
 * "strata: "; colour only on a terminal. The mapping from library codes to
 * exit statuses lives here and nowhere else (docs/exit-status.md).
 */
#include "cli.h"
#include "sbuf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <jansson.h>

int cli_exit_code(int rc)
{
	switch (rc) {
	case STRATA_OK:
		return EXIT_OK;
	case STRATA_EUSAGE:
	case STRATA_EPARSE:
	case STRATA_EURL:
	case STRATA_ENOTADB:
	case STRATA_EREADONLY:
	case STRATA_EIRREVERSIBLE:
		return EXIT_USAGE;
	case STRATA_EDRIFT:
		return EXIT_FOUND;
	default:
		return EXIT_FAIL;
	}
}

/*
 * --json: the one document a command prints is held (cli_print_json) and
 * written when the command has ended (cli_json_end), inside the envelope
 * every command shares (docs/json.md): command, engine, database, ok,
 * exit_status, format_version, and on failure the error. The first error
 * line of the run is kept for it.
 */
static json_t *json_doc;
static char json_err[4096];
static const struct cli *json_cli;

void cli_json_begin(const struct cli *cli)
{
	json_cli = cli;
}

void cli_error(const char *fmt, ...)
{
	char buf[4096];
	const unsigned char *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (!json_err[0])
		snprintf(json_err, sizeof json_err, "%s", buf);
	fflush(stdout);
	fputs("strata: error: ", stderr);
	/* A message may quote bytes of a user's file: control characters would
	 * drive the terminal or break the one-line promise. */
	for (p = (const unsigned char *)buf; *p; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
	fputc('\n', stderr);
}

int cli_ask_yes(struct cli *cli, const char *question)
{
	char line[32];

	if (cli->json || !isatty(STDIN_FILENO))
		return 0;
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (!fgets(line, sizeof line, stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

/*
 * The way out, in strata's own commands and flags, for what the library
 * says happened (strata_errwhy(): the library's messages name no command,
 * as an application embedding it has none of them). Each hint, followed
 * literally, ends in a right database (tests/cli/t1910-hints.sh takes them).
 */
static void add_advice(struct sbuf *sb, const strata_db *db)
{
	const char *v = strata_errarg(db, 0), *a1 = strata_errarg(db, 1);

	switch (strata_errwhy(db)) {
	case STRATA_WHY_NO_URL:
		sbuf_adds(sb, ": give --url URL or set DATABASE_URL (in the environment or .env)");
		break;
	case STRATA_WHY_NO_DATABASE:
		sbuf_adds(sb, " (create it with 'strata create')");
		break;
	case STRATA_WHY_NO_SCHEMA:
		/* --pg-schema alone moves only the tracking table: a migration's
		 * unqualified CREATE would still find no schema to create in */
		sbuf_adds(sb, ": create one, or fix search_path (ALTER ROLE or ALTER DATABASE ... SET "
		          "search_path); --pg-schema alone serves only migrations that qualify every name");
		break;
	case STRATA_WHY_NO_DIR:
		sbuf_adds(sb, " (check -d, or create it with 'strata new NAME')");
		break;
	case STRATA_WHY_SUM_STALE:
		sbuf_adds(sb, "; if the files are as meant, run 'strata hash'");
		break;
	case STRATA_WHY_EMPTY_UP:
		sbuf_adds(sb, " (a template from 'strata new'?); write its SQL, or delete the file "
		          "if it is not needed");
		break;
	case STRATA_WHY_FAILED:
		if (v && a1 && !strcmp(a1, "down"))
			sbuf_addf(sb, "; finish its work by hand and run 'strata mark %s --applied', or "
			          "undo it by hand and run 'strata mark %s --pending', then roll back", v, v);
		else if (v)
			sbuf_addf(sb, "; finish its work by hand and run 'strata mark %s --applied', or "
			          "undo what it did by hand and run 'strata mark %s --pending' (then "
			          "'strata up' runs it again)", v, v);
		break;
	case STRATA_WHY_STOPPED:
		/* inside the message's closing parenthesis, which says why */
		if (v && sb->len && sb->buf[sb->len - 1] == ')') {
			sbuf_truncate(sb, sb->len - 1);
			sbuf_addf(sb, "; finish its statements by hand and run 'strata mark %s --applied', "
			          "or undo them and run 'strata mark %s --pending')", v, v);
		}
		break;
	case STRATA_WHY_MISSING_NO_DOWN:
		if (v)
			sbuf_addf(sb, "; restore the file (another branch has it?), or, as no down SQL "
			          "was recorded for it, undo it by hand and run 'strata mark %s --pending'",
			          v);
		break;
	case STRATA_WHY_MISSING:
		/* down --to the one before rolls back it and every later one with
		 * their recorded down SQL; up then applies those with files. */
		if (a1)
			sbuf_addf(sb, "; restore the file (another branch has it?), or roll back every "
			          "applied migration without a file with the down SQL recorded when it was "
			          "applied and apply what is pending, in one run: 'strata up --rewind' (or "
			          "'strata down --to %s', which also rolls back the migrations after it; "
			          "'strata up' then applies those with files again)", a1);
		else
			sbuf_adds(sb, "; restore the file (another branch has it?), or roll back every "
			          "applied migration without a file with the down SQL recorded when it was "
			          "applied and apply what is pending, in one run: 'strata up --rewind' (or "
			          "'strata down --all', which rolls back every migration; 'strata up' then "
			          "applies those with files again)");
		break;
	case STRATA_WHY_EDITED_KEPT:
		if (v)
			sbuf_addf(sb, "; record the edit with 'strata mark %s --applied'", v);
		break;
	case STRATA_WHY_EDITED:
		/* never "accept the edit": that would leave it unapplied for good */
		if (v && a1)
			sbuf_addf(sb, "; restore the file (e.g. 'git checkout -- %s') and put the change "
			          "in a new migration ('strata new NAME')%s; if the edit changes no SQL "
			          "(comments, layout), record it with 'strata mark %s --applied'", a1,
			          strata_errarg(db, 2) ? ", or apply the edit by rolling it back with its "
			          "recorded down SQL and applying it again: 'strata redo' (data in what it "
			          "created may be lost)" : "", v);
		break;
	case STRATA_WHY_OUT_OF_ORDER:
		if (v)
			sbuf_addf(sb, "; apply it with 'strata up --allow-out-of-order' (with every "
			          "pending migration), or alone with 'strata up %s --allow-out-of-order'", v);
		else
			sbuf_adds(sb, "; apply it with 'strata up --allow-out-of-order'");
		break;
	case STRATA_WHY_DESTRUCTIVE:
		sbuf_adds(sb, "; give --allow-destructive, or acknowledge each in its file with "
		          "'-- strata:lint-ignore RULE'");
		break;
	case STRATA_WHY_NO_DOWN:
		if (a1)
			sbuf_addf(sb, "; add a '-- migrate:down' section to %s (its up section is as "
			          "applied, so down will run it)", a1);
		else if (v)
			sbuf_addf(sb, "; undo it by hand, then run 'strata mark %s --pending'", v);
		break;
	case STRATA_WHY_NO_DOWN_SQL:
		if (a1 && v)
			sbuf_addf(sb, "; restore the up section as applied and add a '-- migrate:down' "
			          "section, or undo it by hand and run 'strata mark %s --pending'", v);
		else if (v)
			sbuf_addf(sb, "; undo it by hand, then run 'strata mark %s --pending'", v);
		break;
	case STRATA_WHY_MANAGED:
		sbuf_adds(sb, ": change it with generate and up, or push --force");
		break;
	case STRATA_WHY_PUSH_DESTRUCTIVE:
		sbuf_adds(sb, "; allow with --allow-destructive");
		break;
	case STRATA_WHY_NO_BACKUP:
		sbuf_adds(sb, v ? " (see 'strata backups')" : ": name one (see 'strata backups')");
		break;
	case STRATA_WHY_NO_SCRATCH:
		sbuf_adds(sb, "; give --dev-url (an empty database of your own)");
		break;
	default:
		break;
	}
}

const char *cli_errmsg(strata_db *db)
{
	static char *last;
	struct sbuf sb = SBUF_INIT;

	if (!db)
		return strata_errmsg(db);
	sbuf_adds(&sb, strata_errmsg(db));
	add_advice(&sb, db);
	if (sbuf_failed(&sb)) {
		sbuf_release(&sb);
		return strata_errmsg(db);
	}
	free(last);
	last = sbuf_detach(&sb);
	return last ? last : strata_errmsg(db);
}

int cli_fail(strata_db *db, int rc)
{
	cli_error("%s", db ? cli_errmsg(db) : strata_strerror(rc));
	return cli_exit_code(rc);
}

/*
 * Names in human output come from files and databases that others write:
 * a table or migration called "x\033[2J" must not drive the terminal. A
 * small ring of buffers lets one printf() hold several escaped names.
 */
const char *cli_esc(const char *s)
{
	static char *ring[8];
	static unsigned next;
	const unsigned char *p;
	struct sbuf sb = SBUF_INIT;
	char *out;

	if (!s)
		return "";
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			break;
	if (!*p)
		return s;
	sbuf_adds(&sb, s);
	sbuf_escape_controls(&sb, 0);
	for (out = sb.buf; *out; out++) /* tab too: it would break the columns */
		if (*out == '\t')
			*out = ' ';
	if (!(out = sbuf_detach(&sb)))
		return "?";
	free(ring[next % 8]);
	ring[next++ % 8] = out;
	return out;
}

void cli_say(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->quiet || cli->json)
		return;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
}

const char *cli_color(struct cli *cli, const char *which)
{
	if (!cli->color || cli->json)
		return "";
	if (!strcmp(which, "green")) return "\033[32m";
	if (!strcmp(which, "red")) return "\033[31m";
	if (!strcmp(which, "yellow")) return "\033[33m";
	if (!strcmp(which, "dim")) return "\033[2m";
	if (!strcmp(which, "bold")) return "\033[1m";
	if (!strcmp(which, "reset")) return "\033[0m";
	return "";
}

int cli_stderr_tty(const struct cli *cli)
{
	return !cli->quiet && isatty(STDERR_FILENO);
}

/* Columns of the terminal on stderr; 80 when it does not say. */
static size_t term_width(void)
{
#ifdef TIOCGWINSZ
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
#endif
	return 80;
}

/*
 * What a long statement does (STRATA_LOG_PROGRESS): on a terminal one line
 * redrawn in place, cut to the terminal's width (a line that wrapped could
 * not be redrawn), and cleared by the empty message that ends it or by the
 * next other message; elsewhere a plain line each, with -v only.
 */
static void progress_line(struct cli *cli, const char *msg)
{
	size_t n = strlen(msg), max;

	if (cli->quiet)
		return;
	if (!cli_stderr_tty(cli)) {
		if (cli->verbose && *msg) {
			fflush(stdout);
			fprintf(stderr, "strata: %s\n", msg);
		}
		return;
	}
	max = term_width() - 9; /* "strata: ", and the last column */
	fputs("\r\033[K", stderr);
	cli->progress_shown = 0;
	if (*msg) {
		if (n > max) {
			n = max;
			while (n > 0 && ((unsigned char)msg[n] & 0xC0) == 0x80)
				n--; /* not inside a UTF-8 sequence */
		}
		fputs("strata: ", stderr);
		fwrite(msg, 1, n, stderr);
		cli->progress_shown = 1;
	}
	fflush(stderr);
}

void cli_log(void *payload, int level, const char *msg)
{
	struct cli *cli = payload;

	if (level == STRATA_LOG_PROGRESS) {
		progress_line(cli, msg);
		return;
	}
	/* -v shows INFO (a server's NOTICEs among them); DEBUG is for
	 * embedders that ask for it. */
	if (level <= STRATA_LOG_DEBUG || (level < STRATA_LOG_NOTICE && !cli->verbose))
		return;
	if (cli->quiet && level < STRATA_LOG_WARN)
		return;
	fflush(stdout);
	if (cli->progress_shown) {
		fputs("\r\033[K", stderr);
		cli->progress_shown = 0;
	}
	fprintf(stderr, "strata: %s%s\n", level >= STRATA_LOG_WARN ? "warning: " : "", msg);
}

static void dump_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
}

void cli_print_json(void *json)
{
	json_t *j = json;

	if (!j)
		return;
	/* Without --json (inspect --format json) the document is the output,
	 * in its place among the rest. */
	if (!json_cli || !json_cli->json) {
		dump_json(j);
		return;
	}
	/* One document a command: a second one (none does that) would be a
	 * bug, but its output is still the user's. */
	if (json_doc)
		dump_json(json_doc);
	json_doc = j;
}

/* The value of key in doc when it is there (and taken out of doc, to be
 * placed in the envelope's order); else dflt (a new reference). */
static json_t *take(json_t *doc, const char *key, json_t *dflt)
{
	json_t *v = doc ? json_object_get(doc, key) : NULL;

	if (!v)
		return dflt;
	json_decref(dflt);
	json_incref(v);
	json_object_del(doc, key);
	return v;
}

void cli_json_end(struct cli *cli, const char *command, int status)
{
	json_t *doc = json_doc, *env, *err;
	const char *engine;
	char *url;
	int ok = status == EXIT_OK;

	json_doc = NULL;
	json_cli = NULL;
	if (!cli->json) {
		if (doc)
			dump_json(doc);
		return;
	}
	engine = cli->url ? strata_url_engine(cli->url) : NULL;
	url = cli->url ? strata_url_redact(cli->url) : NULL;
	env = json_object();
	if (!env) {
		json_decref(doc);
		free(url);
		return;
	}
	json_object_set_new(env, "command", take(doc, "command", json_string(command)));
	json_object_set_new(env, "engine", take(doc, "engine", engine ? json_string(engine) : json_null()));
	json_object_set_new(env, "database", take(doc, "database", url ? json_string(url) : json_null()));
	json_decref(take(doc, "ok", NULL));
	json_object_set_new(env, "ok", json_boolean(ok));
	json_object_set_new(env, "exit_status", json_integer(status));
	json_object_set_new(env, "format_version", json_integer(CLI_JSON_FORMAT));
	/* 3 is a result (drift, lint errors, a down that does not restore),
	 * not a failure: ok false, no error. */
	if (!ok && status != EXIT_FOUND) {
		err = json_object();
		json_object_set_new(err, "message", json_string(json_err[0] ? json_err :
		                                                "the command failed"));
		json_object_set_new(env, "error", err);
		/* the document's own "error" (a migration's) gives way */
		if (doc)
			json_object_del(doc, "error");
	}
	if (doc)
		json_object_update(env, doc);
	json_decref(doc);
	free(url);
	dump_json(env);
}

void cli_print_sql(const char *sql)
{
	size_t n = sql ? strlen(sql) : 0;

	while (n && (sql[n - 1] == '\n' || sql[n - 1] == ' '))
		n--;
	if (n)
		printf("%.*s\n", (int)n, sql);
}

void *cli_report_json(struct cli *cli, strata_db *db, const strata_report *r, const char *command,
                      int with_sql)
{
	json_t *o = json_object(), *arr = json_array();
	size_t i;

	(void)cli;
	json_object_set_new(o, "command", json_string(command));
	if (db) {
		json_object_set_new(o, "engine", json_string(strata_engine(db)));
		json_object_set_new(o, "database", json_string(strata_url_redacted(db)));
	}
	json_object_set_new(o, "dry_run", json_boolean(r->dry_run));
	json_object_set_new(o, "batch", r->batch ? json_integer(r->batch) : json_null());
	json_object_set_new(o, "duration_ms", json_integer(r->total_ms));
	json_object_set_new(o, "backup", r->backup ? json_string(r->backup) : json_null());
	for (i = 0; i < r->n; i++)
		json_array_append_new(arr, cli_entry_json(&r->entries[i], with_sql));
	json_object_set_new(o, "migrations", arr);
	return o;
}

void *cli_entry_json(const strata_entry *e, int with_sql)
{
	json_t *m = json_object();

#define STR_OR_NULL(s) ((s) ? json_string(s) : json_null())
	json_object_set_new(m, "version", json_string(e->version));
	json_object_set_new(m, "name", json_string(e->name));
	json_object_set_new(m, "file", STR_OR_NULL(e->file));
	json_object_set_new(m, "state", json_string(strata_state_name(e->state)));
	json_object_set_new(m, "batch", e->batch ? json_integer(e->batch) : json_null());
	json_object_set_new(m, "applied_at", STR_OR_NULL(e->applied_at));
	json_object_set_new(m, "duration_ms", json_integer(e->duration_ms));
	json_object_set_new(m, "checksum", STR_OR_NULL(e->checksum));
	json_object_set_new(m, "error", STR_OR_NULL(e->error));
	json_object_set_new(m, "transaction", json_boolean(!e->no_transaction));
	json_object_set_new(m, "reversible", json_boolean(!e->irreversible));
	if (e->down_source)
		json_object_set_new(m, "down_source",
		                    json_string(e->down_source <= STRATA_DOWN_FILE_EDITED ? "file"
		                                                                            : "recorded"));
	if (with_sql) {
		json_object_set_new(m, "sql", STR_OR_NULL(e->sql));
		if (e->down_sql)
			json_object_set_new(m, "down_sql", json_string(e->down_sql));
	}
#undef STR_OR_NULL
	return m;
}
