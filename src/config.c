/*
 * config.c: where the global settings come from, weakest first: a .env file
 * in the current directory (as dbmate and Drizzle users keep one), then the
 * process environment, then flags. Only the variables strata knows are read
 * from .env, and a variable already in the environment is never overridden
 * by it (the dbmate rule), so a deploy's real environment wins.
 */
#include "cli.h"
#include "fileio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DOTENV_MAX (1 << 20)

static char *owned(struct cli *cli, char *s)
{
	if (s && cli->nowned < (int)(sizeof cli->owned / sizeof cli->owned[0]))
		cli->owned[cli->nowned++] = s;
	else {
		free(s);
		s = NULL;
	}
	return s;
}

/*
 * The value of one .env line: quotes taken off, a comment after it
 * dropped. A quoted value ends at its closing quote, and a " # comment"
 * may follow it (DATABASE_URL="sqlite:a.db" # main db); an unquoted one
 * ends at " #". Returns a new string or NULL (out of memory).
 */
static char *dotenv_value(const char *v, size_t vl)
{
	const char *h;
	char *s;

	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	if (vl >= 2 && (v[0] == '"' || v[0] == '\'')) {
		const char *close = memchr(v + 1, v[0], vl - 1);
		if (close) {
			for (h = close + 1; h < v + vl && (*h == ' ' || *h == '\t'); h++)
				;
			if (h == v + vl || (*h == '#' && h > close + 1)) {
				v++;
				vl = (size_t)(close - v);
				goto copy;
			}
		}
	}
	/* unquoted: a " #" starts a comment */
	for (h = v; h < v + vl; h++)
		if (*h == '#' && h > v && (h[-1] == ' ' || h[-1] == '\t'))
			break;
	vl = (size_t)(h - v);
	while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
copy:
	if ((s = malloc(vl + 1)) != NULL) {
		memcpy(s, v, vl);
		s[vl] = '\0';
	}
	return s;
}

/*
 * The value of KEY in .env text; NULL if absent. A key set twice takes
 * the later value, as godotenv (dbmate), Node's and Python's dotenv and
 * docker compose do; *first and *last get the line numbers of the first
 * and the last setting (equal when it is set once).
 */
static char *dotenv_get(const char *text, const char *key, long *first, long *last)
{
	size_t kl = strlen(key);
	const char *p = text, *found = NULL;
	size_t found_len = 0;
	long lineno = 0;

	*first = *last = 0;
	while (p && *p) {
		const char *line = p, *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);
		p = nl ? nl + 1 : NULL;
		lineno++;
		while (ll && (*line == ' ' || *line == '\t'))
			line++, ll--;
		if (ll >= 7 && strncmp(line, "export ", 7) == 0)
			line += 7, ll -= 7;
		if (ll > kl && strncmp(line, key, kl) == 0 &&
		    (line[kl] == '=' || line[kl] == ' ' || line[kl] == '\t')) {
			const char *v = line + kl;
			size_t vl = ll - kl;
			/* KEY = value, as godotenv and Node's dotenv accept */
			while (vl && (*v == ' ' || *v == '\t'))
				v++, vl--;
			if (!vl || *v != '=')
				continue;
			found = v + 1;
			found_len = vl - 1;
			if (!*first)
				*first = lineno;
			*last = lineno;
		}
	}
	return found ? dotenv_value(found, found_len) : NULL;
}

static const char *setting(struct cli *cli, const char *dotenv, const char *key)
{
	const char *v = getenv(key);
	long first, last;
	char *s;

	if (v && *v)
		return v;
	if (!dotenv)
		return NULL;
	s = dotenv_get(dotenv, key, &first, &last);
	if (s && first != last) {
		fflush(stdout);
		fprintf(stderr, "strata: warning: .env:%ld: %s is set again (first on line %ld); "
		        "the later value is used\n", last, key, first);
	}
	return owned(cli, s);
}

/*
 * .env, whole or not at all: a file cut short would be parsed as if it
 * ended there, and a NUL byte would end every string early. A missing
 * .env is normal; one that cannot be read is an error, as is one over
 * 1 MiB (a .env holds a few lines; that much is some other file).
 */
static int read_dotenv(char **out)
{
	struct sbuf sb = SBUF_INIT;
	struct stat st;
	int rc;

	*out = NULL;
	if (stat(".env", &st) == 0 && !S_ISREG(st.st_mode)) {
		cli_error(".env is not a regular file");
		return EXIT_USAGE;
	}
	if (stat(".env", &st) == 0 && st.st_size > DOTENV_MAX) {
		cli_error(".env is not a .env file: larger than 1 MiB");
		return EXIT_USAGE;
	}
	rc = util_read_file(".env", &sb);
	if (rc == STRATA_ENOTFOUND) {
		sbuf_release(&sb);
		return 0;
	}
	if (rc) {
		cli_error("cannot read .env: %s", rc == STRATA_ENOMEM ? "out of memory" : util_file_strerror(errno));
		sbuf_release(&sb);
		return EXIT_USAGE;
	}
	if (sb.len > DOTENV_MAX || memchr(sb.buf, '\0', sb.len)) {
		cli_error(".env is not a .env file: %s", sb.len > DOTENV_MAX ? "larger than 1 MiB"
		                                                             : "it holds a NUL byte");
		sbuf_release(&sb);
		return EXIT_USAGE;
	}
	*out = sbuf_detach(&sb);
	if (!*out) {
		cli_error("out of memory");
		return EXIT_FAIL;
	}
	return 0;
}

int config_load(struct cli *cli)
{
	char *dotenv = NULL;
	const char *ssl;
	int rc = read_dotenv(&dotenv);

	cli->url = setting(cli, dotenv, "DATABASE_URL");
	cli->dir = setting(cli, dotenv, "STRATA_DIR");
	cli->schema_file = setting(cli, dotenv, "STRATA_SCHEMA");
	cli->dump_schema = setting(cli, dotenv, "STRATA_DUMP");
	cli->before_each = setting(cli, dotenv, "STRATA_BEFORE_EACH");
	cli->after_each = setting(cli, dotenv, "STRATA_AFTER_EACH");
	cli->table = setting(cli, dotenv, "STRATA_TABLE");
	cli->dev_url = setting(cli, dotenv, "STRATA_DEV_URL");
	cli->pg_schema = setting(cli, dotenv, "STRATA_PG_SCHEMA");
	ssl = setting(cli, dotenv, "DATABASE_SSL");
	cli->ssl = ssl && (strcmp(ssl, "true") == 0 || strcmp(ssl, "1") == 0 ||
	                   strcmp(ssl, "require") == 0);
	free(dotenv);
	cli->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
	             !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);
	cli->keep = 5;
	return rc;
}

void config_release(struct cli *cli)
{
	int i;

	for (i = 0; i < cli->nowned; i++)
		free(cli->owned[i]);
	cli->nowned = 0;
}

/* DATABASE_SSL=true means sslmode=require unless the URL says otherwise. */
static const char *with_ssl(struct cli *cli, const char *url)
{
	size_t n;
	char *s;

	int kv;

	if (!cli->ssl || !url || strstr(url, "sslmode=") || !strata_url_engine(url) ||
	    strcmp(strata_url_engine(url), "postgres") != 0)
		return url;
	/* a keyword/value string takes one more pair */
	kv = strncmp(url, "postgres://", 11) != 0 && strncmp(url, "postgresql://", 13) != 0;
	n = strlen(url) + 20;
	s = malloc(n);
	if (!s)
		return url;
	if (kv)
		snprintf(s, n, "%s sslmode=require", url);
	else
		snprintf(s, n, "%s%csslmode=require", url, strchr(url, '?') ? '&' : '?');
	return owned(cli, s);
}

int cli_open(struct cli *cli, strata_db **out)
{
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_db *db = NULL;
	int rc;

	*out = NULL;
	if (!cli->url || !*cli->url) {
		cli_error("no database: give --url URL or set DATABASE_URL (in the environment or .env)");
		return EXIT_USAGE;
	}
	cfg.dir = cli->dir;
	cfg.table = cli->table;
	cfg.pg_schema = cli->pg_schema;
	cfg.lock_timeout_ms = cli->lock_timeout_ms;
	cfg.statement_timeout_ms = cli->statement_timeout_ms;
	cfg.keep_backups = (int)cli->keep;
	cfg.no_backup = cli->no_backup;
	cfg.no_create = !cli->may_create;
	cfg.log = cli_log;
	cfg.log_payload = cli;
	/* only when someone will see it: a terminal, or -v */
	cfg.progress = !cli->quiet && (cli->verbose || cli_stderr_tty(cli));
	rc = strata_open(&db, with_ssl(cli, cli->url), &cfg);
	if (rc == STRATA_ENOTFOUND && cfg.no_create && db) {
		/* A mistyped path, most often: say that nothing was created. */
		cli_error("%s (this command creates no database: check the URL)", cli_errmsg(db));
		strata_close(db);
		return EXIT_FAIL;
	}
	if (rc) {
		int code = cli_fail(db, rc);
		strata_close(db);
		return code;
	}
	*out = db;
	return 0;
}

int cli_check_dir(struct cli *cli, int code)
{
	const char *dir = cli->dir ? cli->dir : "migrations";
	struct stat st;

	/* Only "not there" is decided here; the library reports the rest. */
	if (stat(dir, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
		return 0;
	if (!cli->dir && stat("db/migrations", &st) == 0 && S_ISDIR(st.st_mode))
		cli_error("migrations directory '%s' does not exist (found 'db/migrations', dbmate's "
		          "default: use -d db/migrations)", dir);
	else
		cli_error("migrations directory '%s' does not exist (check -d, or create it with "
		          "'strata new NAME')", cli_esc(dir));
	return code;
}
