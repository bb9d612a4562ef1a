/*
 * cmd_db.c: `create` and `drop`, the database itself, for development (as
 * dbmate has them). They need a URL but no connection to it.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The URL to name in a question: no user, password or query (libpq
 * parameters may hold a password). SQLite URLs are paths: as given.
 */
static void url_for_humans(const char *url, char *out, size_t size)
{
	const char *sep = strstr(url, "://"), *at, *q;

	if (!sep || !strncmp(url, "sqlite", 6)) {
		snprintf(out, size, "%s", url);
		return;
	}
	q = strchr(sep + 3, '?');
	at = strchr(sep + 3, '@');
	if (at && (!q || at < q))
		sep = at + 1;
	else
		sep += 3;
	snprintf(out, size, "%.*s://%.*s", (int)(strstr(url, "://") - url), url,
	         (int)(q ? (size_t)(q - sep) : strlen(sep)), sep);
}

/* drop destroys a whole database: ask at a terminal, else need --yes. */
static int drop_confirm(struct cli *cli)
{
	char name[512];

	url_for_humans(cli->url, name, sizeof name);
	if (!cli->json && isatty(STDIN_FILENO)) {
		fprintf(stderr, "drop deletes the database %s and everything in it.\n", name);
		if (cli_ask_yes(cli, "Drop it?"))
			return EXIT_OK;
		cli_error("drop: nothing was changed");
		return EXIT_FAIL;
	}
	cli_error("drop would delete the database %s and everything in it: nothing was changed; "
	          "confirm with --yes", name);
	return EXIT_FAIL;
}

/*
 * Before a SQLite database is dropped, an automatic backup of it, as up,
 * down and reset take (the file is gone afterwards: 'strata restore' needs
 * the database URL only). A database file that is not there has nothing to
 * keep; the drop then says so itself.
 */
static int drop_backup(struct cli *cli)
{
	const char *engine = strata_url_engine(cli->url);
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_db *db = NULL;
	char *path = NULL;
	int rc;

	if (cli->no_backup || !engine || strcmp(engine, "sqlite") != 0)
		return EXIT_OK;
	cfg.no_create = 1;
	cfg.keep_backups = (int)cli->keep;
	rc = strata_open(&db, cli->url, &cfg);
	if (rc == STRATA_ENOTFOUND) {
		strata_close(db);
		return EXIT_OK;
	}
	if (rc == 0)
		rc = strata_backup(db, NULL, &path);
	if (rc) {
		cli_error("drop: no backup could be taken, nothing was changed: %s",
		          db ? cli_errmsg(db) : strata_strerror(rc));
		strata_close(db);
		return cli_exit_code(rc);
	}
	if (!cli->json)
		cli_say(cli, "backup: %s\n", path);
	free(path);
	strata_close(db);
	return EXIT_OK;
}

static int db_cmd(struct cli *cli, int argc, char **argv, int create)
{
	strata_db *db = NULL;
	int no_backup = 0;
	const struct opt drop_opts[] = {
		OPT_BOOL(0, "no-backup", &no_backup, "take no SQLite backup before dropping"),
		OPT_END(),
	};
	int n = opts_parse(cli, create ? "strata create" : "strata drop [--no-backup]",
	                   create ? NULL : drop_opts, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("%s: unexpected argument '%s'", argv[0], argv[1]);
		return EXIT_USAGE;
	}
	if (!cli->url || !*cli->url) {
		cli_error("no database: give --url URL or set DATABASE_URL (in the environment or .env)");
		return EXIT_USAGE;
	}
	if (!create && !cli->yes && (rc = drop_confirm(cli)) != EXIT_OK)
		return rc;
	cli->no_backup = cli->no_backup || no_backup;
	if (!create && (rc = drop_backup(cli)) != EXIT_OK)
		return rc;
	/* a handle not connected: the error slot (the database may not exist) */
	if ((rc = strata_new(&db, NULL)) == 0)
		rc = create ? strata_database_create(db, cli->url) : strata_database_drop(db, cli->url);
	if (rc == STRATA_ENOTFOUND && !create) {
		/* as dropdb --if-exists: the end state asked for, said as it is */
		if (!cli->json)
			cli_say(cli, "nothing to drop: %s\n", cli_errmsg(db));
		strata_close(db);
		return EXIT_OK;
	}
	if (rc) {
		cli_error("%s: %s", argv[0], db ? cli_errmsg(db) : strata_strerror(rc));
		strata_close(db);
		return cli_exit_code(rc);
	}
	strata_close(db);
	cli->committed = 1;
	/* --json: the envelope alone says it (cli_json_end) */
	if (!cli->json)
		cli_say(cli, "%s the database\n", create ? "created" : "dropped");
	return EXIT_OK;
}

int cmd_create(struct cli *cli, int argc, char **argv)
{
	return db_cmd(cli, argc, argv, 1);
}

int cmd_drop(struct cli *cli, int argc, char **argv)
{
	return db_cmd(cli, argc, argv, 0);
}
