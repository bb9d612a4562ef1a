/*
 * cmd_db.c: `create` and `drop`, the database itself, for development (as
 * dbmate has them). They need a URL but no connection to it.
 */
#include "cli.h"

#include <stdlib.h>

static int db_cmd(struct cli *cli, int argc, char **argv, int create)
{
	char *err = NULL;
	int n = opts_parse(cli, create ? "strata create" : "strata drop", NULL, argc, argv);
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
	rc = create ? strata_create_database(cli->url, &err) : strata_drop_database(cli->url, &err);
	if (rc) {
		cli_error("%s: %s", argv[0], err ? err : strata_strerror(rc));
		free(err);
		return cli_exit_code(rc);
	}
	cli->committed = 1;
	if (cli->json)
		printf("{\"command\": \"%s\", \"ok\": true}\n", argv[0]);
	else
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
