/*
 * studio_api.c: the JSON API of `strata studio` (docs/studio.md).
 *
 * Each document is the one the CLI prints (GET /api/status is `strata
 * status --json`, byte for byte): this program runs itself, with the
 * studio's database and options, and passes on what the command wrote.
 * So the API cannot drift from the CLI, a command's failure (a dead
 * server) stays in its own process, and the database URL travels in the
 * child's environment (DATABASE_URL), never on a command line that ps
 * shows. Only /api/rows is answered here, through strata_rows_read(),
 * which checks every name against the live schema.
 *
 * Arguments from the request never reach a command line unchecked: a
 * version must look like one (letters, digits, '_', '.', '-'; neither of the
 * last two first).
 */
#include "cli.h"
#include "studio.h"
#include "sbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

extern char **environ;

#define MAX_OUTPUT (64L * 1024 * 1024)

/* Held from pipe() until the child has its copy (run_self). */
static pthread_mutex_t spawn_lock = PTHREAD_MUTEX_INITIALIZER;

/* The environment of a child: ours, with the studio's database and folders
 * set (so that neither a .env file nor the parent's variables decide). */
static char **child_env(struct studio *s, struct sbuf *hold)
{
	static const char *const ours[] = { "DATABASE_URL=", "STRATA_DIR=", "STRATA_SCHEMA=", NULL };
	size_t n = 0, k = 0, i;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 4, sizeof *env);
	if (!env)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *const *o;
		int skip = 0;
		for (o = ours; *o; o++)
			if (!strncmp(environ[i], *o, strlen(*o)))
				skip = 1;
		if (!skip)
			env[k++] = environ[i];
	}
	sbuf_addf(&hold[0], "DATABASE_URL=%s", s->cli->url);
	env[k++] = hold[0].buf;
	if (s->cli->dir) {
		sbuf_addf(&hold[1], "STRATA_DIR=%s", s->cli->dir);
		env[k++] = hold[1].buf;
	}
	if (s->cli->schema_file) {
		sbuf_addf(&hold[2], "STRATA_SCHEMA=%s", s->cli->schema_file);
		env[k++] = hold[2].buf;
	}
	env[k] = NULL;
	return env;
}

/*
 * Run `strata [globals] args... --json` and put its stdout (the document)
 * in out; its status in *status. 0, or -1 when it could not be run or
 * took too long (out then holds the message).
 */
static int run_self(struct studio *s, const char *const *args, struct sbuf *out, int *status)
{
	struct sbuf hold[3] = { SBUF_INIT, SBUF_INIT, SBUF_INIT };
	struct sbuf lk = SBUF_INIT, st = SBUF_INIT, keep = SBUF_INIT;
	const char *argv[32];
	char **env = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dflt;
	int pipefd[2] = { -1, -1 }, rc = -1, n = 0, i, w;
	pid_t pid = -1;
	time_t end = time(NULL) + STUDIO_CHILD_TIMEOUT;
	char buf[65536];

	argv[n++] = s->exe;
	if (s->cli->table) {
		argv[n++] = "--table";
		argv[n++] = s->cli->table;
	}
	if (s->cli->pg_schema) {
		argv[n++] = "--pg-schema";
		argv[n++] = s->cli->pg_schema;
	}
	if (s->cli->dev_url) {
		argv[n++] = "--dev-url";
		argv[n++] = s->cli->dev_url;
	}
	if (s->cli->lock_timeout_ms) {
		sbuf_addf(&lk, "%ldms", s->cli->lock_timeout_ms);
		argv[n++] = "--lock-timeout";
		argv[n++] = lk.buf;
	}
	if (s->cli->statement_timeout_ms) {
		sbuf_addf(&st, "%ldms", s->cli->statement_timeout_ms);
		argv[n++] = "--statement-timeout";
		argv[n++] = st.buf;
	}
	if (s->cli->keep) {
		sbuf_addf(&keep, "%ld", s->cli->keep);
		argv[n++] = "--keep";
		argv[n++] = keep.buf;
	}
	/* the same side effects of up and down as from the command line */
	if (s->cli->dump_schema) {
		argv[n++] = "--dump-schema";
		argv[n++] = s->cli->dump_schema;
	}
	if (s->cli->before_each) {
		argv[n++] = "--before-each";
		argv[n++] = s->cli->before_each;
	}
	if (s->cli->after_each) {
		argv[n++] = "--after-each";
		argv[n++] = s->cli->after_each;
	}
	for (i = 0; args[i] && n < 30; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	if (!(env = child_env(s, hold))) {
		sbuf_adds(out, "cannot run a command: out of memory");
		goto out;
	}
	/* A child started by another request at the same time must not
	 * inherit this pipe (its end would keep ours from seeing EOF): the
	 * ends are close-on-exec (dup2 clears the flag on the child's copy),
	 * set before any other thread can spawn. */
	pthread_mutex_lock(&spawn_lock);
	if (pipe(pipefd) < 0 || fcntl(pipefd[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(pipefd[1], F_SETFD, FD_CLOEXEC) < 0) {
		pthread_mutex_unlock(&spawn_lock);
		sbuf_adds(out, "cannot run a command: out of file descriptors");
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, pipefd[0]);
	posix_spawn_file_actions_addclose(&fa, pipefd[1]);
	/* stdin from nowhere: no command may wait on a question */
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", 0, 0);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dflt);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	w = posix_spawn(&pid, s->exe, &fa, &at, (char *const *)argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(pipefd[1]);
	pipefd[1] = -1;
	pthread_mutex_unlock(&spawn_lock);
	if (w != 0) {
		pid = -1;
		sbuf_addf(out, "cannot run %s: %s", s->exe, strerror(w));
		goto out;
	}
	for (;;) {
		struct pollfd p = { pipefd[0], POLLIN, 0 };
		ssize_t got;
		int left = (int)(end - time(NULL));
		if (left <= 0 || poll(&p, 1, left * 1000) == 0) {
			kill(pid, SIGKILL);
			sbuf_reset(out);
			sbuf_addf(out, "the command took more than %d seconds and was stopped",
			          STUDIO_CHILD_TIMEOUT);
			goto out;
		}
		got = read(pipefd[0], buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if ((long)(out->len + (size_t)got) > MAX_OUTPUT) {
			kill(pid, SIGKILL);
			sbuf_reset(out);
			sbuf_adds(out, "the command's output is too large");
			goto out;
		}
		sbuf_add(out, buf, (size_t)got);
	}
	rc = 0;
out:
	if (pid > 0) {
		int wst = 0;
		while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
			;
		*status = WIFEXITED(wst) ? WEXITSTATUS(wst) : EXIT_FAIL;
	}
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	free(env);
	for (i = 0; i < 3; i++)
		sbuf_release(&hold[i]);
	sbuf_release(&lk);
	sbuf_release(&st);
	sbuf_release(&keep);
	return rc;
}

/* Answer with what `strata args...` printed. */
static void reply_command(struct studio *s, const char *const *args, struct studio_reply *out)
{
	struct sbuf doc = SBUF_INIT;
	int status = EXIT_FAIL;

	if (run_self(s, args, &doc, &status) < 0) {
		studio_reply_error(out, 500, sbuf_failed(&doc) ? "out of memory" : doc.buf);
		sbuf_release(&doc);
		return;
	}
	if (doc.len == 0) {
		/* inspect --format json prints no document when it fails: its
		 * message went to the studio's stderr */
		studio_reply_error(out, 500, "the command failed; its message is on strata studio's "
		                   "standard error");
		sbuf_release(&doc);
		return;
	}
	out->status = status == EXIT_OK || status == EXIT_FOUND ? 200 : status == EXIT_USAGE ? 400 : 500;
	out->type = "application/json";
	out->len = doc.len;
	out->body = sbuf_detach(&doc);
}

static int version_ok(const char *v)
{
	const char *p;

	if (!v || !*v || *v == '-' || *v == '.' || strlen(v) > 200)
		return 0;
	for (p = v; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      *p == '_' || *p == '.' || *p == '-'))
			return 0;
	return 1;
}

static long arg_long(const char *v, long dflt, long max)
{
	char *end;
	long n;

	if (!v || !*v)
		return dflt;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < 0)
		return -1;
	return n > max ? max : n;
}

/* GET /api/rows: one page of a table. */
static void reply_rows(struct studio *s, studio_arg_fn arg, void *ctx, struct studio_reply *out)
{
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_rows_opts o = STRATA_ROWS_OPTS_INIT;
	strata_rows *r = NULL;
	strata_db *db = NULL;
	struct sbuf url = SBUF_INIT;
	json_t *doc = NULL, *cols, *rows;
	size_t i, k;
	int rc;

	o.table = arg(ctx, "table");
	o.schema = arg(ctx, "schema");
	o.filter_column = arg(ctx, "column");
	o.filter = arg(ctx, "filter");
	o.offset = arg_long(arg(ctx, "offset"), 0, 1000000000L);
	o.limit = arg_long(arg(ctx, "limit"), 50, STRATA_ROWS_MAX);
	if (!o.table || !*o.table) {
		studio_reply_error(out, 400, "rows: give table=NAME");
		return;
	}
	if (o.offset < 0 || o.limit < 0) {
		studio_reply_error(out, 400, "rows: offset and limit are whole numbers");
		return;
	}
	if ((o.filter && strlen(o.filter) > 1000) || strlen(o.table) > 1000) {
		studio_reply_error(out, 400, "rows: argument too long");
		return;
	}
	/* DATABASE_SSL=true, as config.c reads it for the other commands */
	sbuf_adds(&url, s->cli->url);
	if (s->cli->ssl && s->engine_pg && !strstr(s->cli->url, "sslmode="))
		sbuf_addf(&url, "%s", (!strncmp(s->cli->url, "postgres://", 11) ||
		                       !strncmp(s->cli->url, "postgresql://", 13))
		                      ? (strchr(s->cli->url, '?') ? "&sslmode=require" : "?sslmode=require")
		                      : " sslmode=require");
	cfg.dir = s->cli->dir;
	cfg.table = s->cli->table;
	cfg.pg_schema = s->cli->pg_schema;
	cfg.no_create = 1;
	rc = sbuf_failed(&url) ? STRATA_ENOMEM : strata_open(&db, url.buf, &cfg);
	if (!rc)
		rc = strata_rows_read(db, &o, &r);
	if (rc) {
		studio_reply_error(out, rc == STRATA_ENOTFOUND || rc == STRATA_EUSAGE ? 404 : 500,
		                   db ? strata_errmsg(db) : strata_strerror(rc));
		goto out;
	}
	doc = json_object();
	json_object_set_new(doc, "command", json_string("rows"));
	json_object_set_new(doc, "engine", json_string(strata_engine(db)));
	json_object_set_new(doc, "database", json_string(strata_url_redacted(db)));
	json_object_set_new(doc, "ok", json_true());
	json_object_set_new(doc, "table", json_string(o.table));
	json_object_set_new(doc, "schema", o.schema ? json_string(o.schema) : json_null());
	json_object_set_new(doc, "offset", json_integer(o.offset));
	json_object_set_new(doc, "limit", json_integer(o.limit ? o.limit : 50));
	json_object_set_new(doc, "total", json_integer(r->total));
	cols = json_array();
	for (i = 0; i < r->ncols; i++)
		json_array_append_new(cols, json_string(r->columns[i]));
	json_object_set_new(doc, "columns", cols);
	rows = json_array();
	for (k = 0; k < r->nrows; k++) {
		json_t *row = json_array();
		for (i = 0; i < r->ncols; i++) {
			const char *v = r->cells[k * r->ncols + i];
			/* a BLOB, or text that is not UTF-8, is no JSON string */
			json_t *j = v ? json_string(v) : json_null();
			json_array_append_new(row, j ? j : json_string("(not UTF-8)"));
		}
		json_array_append_new(rows, row);
	}
	json_object_set_new(doc, "rows", rows);
	out->body = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	out->len = out->body ? strlen(out->body) : 0;
	out->status = 200;
	out->type = "application/json";
out:
	json_decref(doc);
	strata_rows_free(r);
	strata_close(db);
	sbuf_release(&url);
}

void studio_api(struct studio *s, const char *method, const char *name, studio_arg_fn arg,
                void *ctx, struct studio_reply *out)
{
	int post = !strcmp(method, "POST");
	const char *dry = arg(ctx, "dry_run");
	int dry_run = dry && !strcmp(dry, "1");

	if (!post) {
		if (!strcmp(name, "status") || !strcmp(name, "history")) {
			const char *a[] = { "status", "--json", NULL };
			reply_command(s, a, out);
		} else if (!strcmp(name, "schema")) {
			const char *a[] = { "inspect", "--format", "json", NULL };
			reply_command(s, a, out);
		} else if (!strcmp(name, "migration")) {
			const char *v = arg(ctx, "version");
			const char *a[] = { "show", v, "--json", NULL };
			if (!version_ok(v))
				studio_reply_error(out, 400, "migration: give version=VERSION");
			else
				reply_command(s, a, out);
		} else if (!strcmp(name, "drift")) {
			const char *a[] = { "verify", "--json", NULL };
			reply_command(s, a, out);
		} else if (!strcmp(name, "lint")) {
			const char *a[] = { "lint", "--json", NULL };
			reply_command(s, a, out);
		} else if (!strcmp(name, "backups")) {
			const char *a[] = { "backups", "--json", NULL };
			reply_command(s, a, out);
		} else if (!strcmp(name, "rows")) {
			reply_rows(s, arg, ctx, out);
		} else if (!strcmp(name, "config")) {
			json_t *o = json_object();
			json_object_set_new(o, "allow_write", json_boolean(s->allow_write));
			json_object_set_new(o, "engine", json_string(s->engine_pg ? "postgres" : "sqlite"));
			json_object_set_new(o, "version", json_string(STRATA_VERSION));
			out->body = json_dumps(o, JSON_INDENT(2));
			out->len = out->body ? strlen(out->body) : 0;
			out->status = 200;
			out->type = "application/json";
			json_decref(o);
		} else if (!strcmp(name, "up") || !strcmp(name, "down") || !strcmp(name, "backup")) {
			studio_reply_error(out, 405, "use POST");
		} else {
			studio_reply_error(out, 404, "no such API");
		}
		return;
	}
	if (strcmp(name, "up") && strcmp(name, "down") && strcmp(name, "backup")) {
		studio_reply_error(out, strcmp(name, "status") && strcmp(name, "schema") &&
		                   strcmp(name, "rows") && strcmp(name, "history") &&
		                   strcmp(name, "drift") && strcmp(name, "lint") &&
		                   strcmp(name, "backups") && strcmp(name, "migration") &&
		                   strcmp(name, "config") ? 404 : 405,
		                   "no such write");
		return;
	}
	/* One write at a time from this studio (strata's own lock keeps out
	 * other runners); a dry run writes nothing and needs no turn. */
	if (!dry_run)
		pthread_mutex_lock(&s->write_lock);
	if (!strcmp(name, "backup")) {
		const char *a[] = { "backup", "--json", NULL };
		if (dry_run)
			studio_reply_error(out, 400, "backup has no dry run");
		else
			reply_command(s, a, out);
	} else {
		const char *a[] = { name, "--json", dry_run ? "--dry-run" : NULL, NULL };
		reply_command(s, a, out);
	}
	if (!dry_run)
		pthread_mutex_unlock(&s->write_lock);
}
