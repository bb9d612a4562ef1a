/*
 * strata.c: main(): global options, the command table, dispatch.
 *
 * The table is the one place a command is registered (as git.c's
 * commands[]): name, function, what it needs, and the line `strata --help`
 * prints. Each command lives in its own src/cmd_*.c and returns an exit
 * status; only main() exits.
 */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>


static const struct cmd commands[] = {
	{ "new", cmd_new, 0, "create <version>_<name>.sql with empty up and down sections" },
	{ "up", cmd_up, CMD_MAY_CREATE, "apply pending migrations" },
	{ "down", cmd_down, CMD_MAY_CREATE, "roll back the last batch" },
	{ "redo", cmd_redo, CMD_MAY_CREATE, "roll back the last migration, then apply it again" },
	{ "status", cmd_status, 0, "applied, pending, edited, missing and failed migrations" },
	{ "show", cmd_show, 0, "the SQL that up would run, or one migration's SQL" },
	{ "reset", cmd_reset, CMD_MAY_CREATE, "roll everything back (--hard: drop every object)" },
	{ "refresh", cmd_refresh, CMD_MAY_CREATE, "reset, then up" },
	{ "baseline", cmd_baseline, CMD_MAY_CREATE, "record migrations up to VERSION as applied without running them" },
	{ "adopt", cmd_adopt, CMD_MAY_CREATE, "take over another tool's migration history in place" },
	{ "mark", cmd_mark, CMD_MAY_CREATE, "repair the tracking table: mark VERSION --applied|--pending" },
	{ "hash", cmd_hash, 0, "rewrite the integrity file migrations/strata.sum" },
	{ "inspect", cmd_inspect, 0, "the live schema (--format sql|json|dot|mermaid)" },
	{ "dump", cmd_dump, 0, "canonical schema SQL, deterministic, for review in git" },
	{ "stats", cmd_stats, 0, "tables with row counts and sizes" },
	{ "diff", cmd_diff, 0, "SQL that turns --from SRC into --to SRC" },
	{ "embed", cmd_embed, 0, "write the migrations as C source to compile into a program" },
	{ "squash", cmd_squash, 0, "write one migration that replaces every migration up to VERSION" },
	{ "generate", cmd_generate, 0, "write a migration from the migrations' schema to schema.sql" },
	{ "push", cmd_push, CMD_MAY_CREATE, "apply schema.sql straight to the database (development)" },
	{ "verify", cmd_verify, 0, "checksums, missing files, and drift against the migrations" },
	{ "check", cmd_check, 0, "prove every down section: up, down, up in a scratch database" },
	{ "backup", cmd_backup, 0, "take a SQLite backup (--name N: a named snapshot)" },
	{ "backups", cmd_backups, 0, "list SQLite backups" },
	{ "restore", cmd_restore, CMD_MAY_CREATE, "restore a SQLite backup (NAME or latest)" },
	{ "lint", cmd_lint, 0, "safety report on migration SQL (destructive and lock-heavy statements)" },
	{ "fleet", cmd_fleet, CMD_MAY_CREATE, "run up, down, status, verify or lint on many databases" },
	{ "create", cmd_create, 0, "create the database itself (development)" },
	{ "drop", cmd_drop, 0, "drop the database itself (development)" },
	{ "studio", cmd_studio, 0, "a local page and JSON API on 127.0.0.1 (--allow-write: up, down, backup)" },
	{ "help", cmd_help, 0, "open the manual page of strata or of COMMAND" },
	{ NULL, NULL, 0, NULL },
};

static void usage(FILE *f)
{
	const struct cmd *c;

	fprintf(f,
	        "usage: strata [global options] <command> [args]\n"
	        "\n"
	        "Schema migrations for SQLite and PostgreSQL.\n"
	        "\n"
	        "commands:\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->help);
	fprintf(f,
	        "\n"
	        "global options (also after the command):\n"
	        "  -u, --url URL            database (env DATABASE_URL; a .env file is read)\n"
	        "  -d, --dir DIR            migrations directory (env STRATA_DIR, default ./migrations)\n"
	        "  -s, --schema FILE        desired-state schema file (env STRATA_SCHEMA, default ./schema.sql)\n"
	        "      --table NAME         tracking table (default strata_migrations)\n"
	        "      --dev-url URL        scratch database for PostgreSQL diffing\n"
	        "      --json               machine-readable output on stdout\n"
	        "  -y, --yes                answer yes to confirmations\n"
	        "      --lock-timeout D     PostgreSQL lock_timeout per migration (500ms, 5s, 1min)\n"
	        "      --statement-timeout D  PostgreSQL statement_timeout per migration\n"
	        "      --pg-schema NAME     PostgreSQL schema of the tracking table\n"
	        "      --dump-schema FILE   write `dump` output after every up/down (env STRATA_DUMP)\n"
	        "      --before-each CMD, --after-each CMD   shell command run around each migration\n"
	        "                           of up and down (env STRATA_BEFORE_EACH, STRATA_AFTER_EACH)\n"
	        "      --keep N             automatic SQLite backups kept (default 5)\n"
	        "  -q, --quiet  -v, --verbose  --no-color  -h, --help  --version\n"
	        "\n"
	        "'strata <command> -h' shows a command's options. Exit status: 0 success,\n"
	        "1 failure (the database unchanged), 2 bad usage or input, 3 a check found something,\n"
	        "4 the database was changed, then writing the output failed.\n");
}

static const struct cmd *find_command(const char *name)
{
	const struct cmd *c;

	for (c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int cli_is_command(const char *name)
{
	return find_command(name) != NULL;
}

/* "'x' is not a strata command", with the nearest names when there are. */
static void unknown_command(const char *name)
{
	const char *names[sizeof commands / sizeof commands[0]], *near[2];
	const struct cmd *c;
	size_t k = 0, m;

	for (c = commands; c->name; c++)
		names[k++] = c->name;
	m = cli_suggest(name, names, k, near);
	if (m == 1)
		cli_error("'%s' is not a strata command (did you mean '%s'?)", name, near[0]);
	else if (m == 2)
		cli_error("'%s' is not a strata command (did you mean '%s' or '%s'?)", name,
		          near[0], near[1]);
	else
		cli_error("'%s' is not a strata command (see 'strata --help')", name);
}

/*
 * Run man with args, quietly when quiet (only the status is wanted); its
 * exit status, or -1 when it could not be run. SIGPIPE is ignored in strata
 * (ignore_sigpipe()): man and its pager get the default back.
 */
static int run_man(char *const args[], int quiet)
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		/* The docs' wide tables do not fit 80 columns: groff's
		 * "cannot adjust line" says nothing a reader can act on. */
		if (!getenv("MANROFFOPT"))
			setenv("MANROFFOPT", "-Wbreak", 1);
		if (quiet) {
			FILE *null = freopen("/dev/null", "w", stdout);
			(void)null;
			if (!freopen("/dev/null", "w", stderr))
				_exit(127);
		}
		execvp("man", args);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st) == 127 ? -1 : WEXITSTATUS(st);
}

/*
 * strata help [COMMAND]: the manual page. The page generated beside this
 * very program (build/man/, scripts/gen-man) first, so that a build run
 * from its folder shows its own text, not an older installed one; then the
 * installed page through man's own search.
 */
int cmd_help(struct cli *cli, int argc, char **argv)
{
	char page[64], local[PATH_MAX], exe[PATH_MAX];
	const char *cmd = NULL;
	ssize_t len;
	int n, r;

	n = opts_parse(cli, "strata help [COMMAND]", NULL, argc, argv);
	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 1) {
		cli_error("help: one command at most, not %d", n);
		return EXIT_USAGE;
	}
	if (n == 1) {
		if (!find_command(argv[1])) {
			unknown_command(argv[1]);
			return EXIT_USAGE;
		}
		cmd = argv[1];
		/* commands documented on a sibling's page */
		if (strcmp(cmd, "backups") == 0 || strcmp(cmd, "restore") == 0)
			cmd = "backup";
		else if (strcmp(cmd, "drop") == 0)
			cmd = "create";
	}
	snprintf(page, sizeof page, "%s%s", cmd ? "strata-" : "strata", cmd ? cmd : "");

	len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		char *slash;
		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if ((size_t)snprintf(local, sizeof local, "%s/man/%s.1", exe, page) < sizeof local &&
			    access(local, R_OK) == 0) {
				char *args[] = { "man", "-l", local, NULL };
				r = run_man(args, 0);
				if (r < 0) {
					cli_error("help: cannot run man to show %s", local);
					return EXIT_FAIL;
				}
				return r == 0 ? EXIT_OK : EXIT_FAIL;
			}
		}
	}
	{
		char *where[] = { "man", "-w", page, NULL };
		char *show[] = { "man", page, NULL };
		r = run_man(where, 1);
		if (r < 0) {
			cli_error("help: cannot run man; the page is docs/%s.md in strata's source", page);
			return EXIT_FAIL;
		}
		if (r != 0) {
			cli_error("help: no manual page %s(1) is installed; the same text is docs/%s.md "
			          "in strata's source", page, page);
			return EXIT_FAIL;
		}
		r = run_man(show, 0);
		return r == 0 ? EXIT_OK : EXIT_FAIL;
	}
}

/*
 * A reader that went away (strata up | head -c0) must not end the program
 * by SIGPIPE after a commit, with a status (141) that says nothing of it:
 * ignored, the write fails with EPIPE, ferror(stdout) sees it, and main()
 * exits 4 after a commit, 1 before one (docs/exit-status.md). libpq writes
 * to its socket without raising SIGPIPE either way. (Ignored signals stay
 * ignored across exec: a child process strata may start one day must get
 * SIG_DFL back first.)
 */
static void ignore_sigpipe(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
}

int main(int argc, char **argv)
{
	struct cli cli;
	const struct cmd *c;
	int i, rc, n, cfg;
	char **args;

	memset(&cli, 0, sizeof cli);
	ignore_sigpipe();
	cfg = config_load(&cli);

	/* Global options before the command: parse them as a pseudo-command. */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-')
			break;
		if (strcmp(a, "--version") == 0) {
			printf("strata %s\n", STRATA_VERSION);
			config_release(&cli);
			return EXIT_OK;
		}
		/* For scripts/gen-completions, so that the shell completions
		 * come from the tables themselves and cannot drift: the
		 * commands ("name<TAB>help"), or the options of one command
		 * (of none: the global options), as opts_complete() prints. */
		if (strcmp(a, "--list-commands") == 0) {
			for (c = commands; c->name; c++)
				printf("%s\t%s\n", c->name, c->help);
			config_release(&cli);
			return EXIT_OK;
		}
		if (strcmp(a, "--completion-helper") == 0) {
			char *one[2] = { NULL, NULL };
			if (i + 1 >= argc) {
				opts_complete(stdout, &cli, NULL);
				printf("--help\t-h\t\tshow usage\n--version\t\t\tshow the version\n");
				config_release(&cli);
				return EXIT_OK;
			}
			c = find_command(argv[i + 1]);
			if (!c) {
				unknown_command(argv[i + 1]);
				config_release(&cli);
				return EXIT_USAGE;
			}
			/* The command's opts_parse() prints its table and returns
			 * before anything is parsed, opened or created. */
			cli.complete = 1;
			one[0] = argv[i + 1];
			rc = c->fn(&cli, 1, one);
			config_release(&cli);
			return rc;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			config_release(&cli);
			return EXIT_OK;
		}
		/* options that take a value consume the next argument */
		if (opts_global_takes_value(a))
			i++;
	}
	if (i >= argc) {
		usage(stderr);
		config_release(&cli);
		return EXIT_USAGE;
	}
	c = find_command(argv[i]);
	if (!c) {
		unknown_command(argv[i]);
		config_release(&cli);
		return EXIT_USAGE;
	}
	if (cfg) {
		config_release(&cli);
		return cfg;
	}
	cli.may_create = (c->flags & CMD_MAY_CREATE) != 0;
	/* The globals before the command are parsed in the command's context. */
	args = calloc((size_t)argc + 1, sizeof *args);
	if (!args) {
		cli_error("out of memory");
		return EXIT_FAIL;
	}
	args[0] = argv[i];
	n = 1;
	{
		int k;
		for (k = 1; k < i; k++)
			args[n++] = argv[k];
		for (k = i + 1; k < argc; k++)
			args[n++] = argv[k];
	}
	cli_json_begin(&cli);
	rc = c->fn(&cli, n, args);
	free(args);
	/* The status the document reports: a failure to write it is told on
	 * stderr below. */
	cli_json_end(&cli, c->name, cli.committed && rc == EXIT_FAIL ? EXIT_COMMITTED : rc);
	config_release(&cli);
	fflush(stdout);
	if (cli.committed && (ferror(stdout) || rc == EXIT_FAIL)) {
		/* 1 would say the database is unchanged: after a commit it is not. */
		if (ferror(stdout))
			cli_error("cannot write the output; the change to the database was committed");
		else
			cli_error("the change to the database was committed before this failure");
		rc = EXIT_COMMITTED;
	} else if (ferror(stdout) && rc == EXIT_OK) {
		cli_error("cannot write the output");
		rc = EXIT_FAIL;
	}
	return rc;
}
