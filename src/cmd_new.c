/*
 * cmd_new.c: the commands that work on the migrations directory alone,
 * without a database: `new` writes an empty migration, `hash` rewrites
 * strata.sum.
 */
#include "cli.h"

#include <stdlib.h>

#include <jansson.h>

static const char *dir_of(struct cli *cli)
{
	return cli->dir && *cli->dir ? cli->dir : "migrations";
}

/* A handle not connected to any database: the directory and the error slot. */
static int dir_handle(struct cli *cli, const char *command, strata_db **db)
{
	strata_config cfg = STRATA_CONFIG_INIT;
	int rc;

	cfg.dir = dir_of(cli);
	rc = strata_new(db, &cfg);
	if (rc) {
		cli_error("%s: %s", command, *db ? cli_errmsg(*db) : strata_strerror(rc));
		strata_close(*db);
		*db = NULL;
		return cli_exit_code(rc);
	}
	return 0;
}

int cmd_new(struct cli *cli, int argc, char **argv)
{
	strata_db *db = NULL;
	char *path = NULL;
	int n = opts_parse(cli, "strata new NAME", NULL, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n != 1) {
		cli_error("new: give exactly one NAME (usage: strata new NAME)");
		return EXIT_USAGE;
	}
	if ((rc = dir_handle(cli, "new", &db)) != 0)
		return rc;
	rc = strata_migration_create(db, argv[1], &path);
	if (rc) {
		cli_error("new: %s", cli_errmsg(db));
		strata_close(db);
		return cli_exit_code(rc);
	}
	strata_close(db);
	if (cli->json) {
		json_t *o = json_object();
		json_object_set_new(o, "command", json_string("new"));
		json_object_set_new(o, "file", json_string(path));
		cli_print_json(o);
	} else if (!cli->quiet) {
		printf("created %s\n", cli_esc(path));
	}
	free(path);
	return EXIT_OK;
}

int cmd_hash(struct cli *cli, int argc, char **argv)
{
	strata_db *db = NULL;
	int n = opts_parse(cli, "strata hash", NULL, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("hash: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	if ((rc = dir_handle(cli, "hash", &db)) != 0)
		return rc;
	rc = strata_sum_write(db);
	if (rc) {
		cli_error("hash: %s", cli_errmsg(db));
		strata_close(db);
		return cli_exit_code(rc);
	}
	strata_close(db);
	/* --json: the envelope alone says it (cli_json_end) */
	if (!cli->json)
		cli_say(cli, "wrote %s/strata.sum\n", dir_of(cli));
	return EXIT_OK;
}
