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

int cmd_new(struct cli *cli, int argc, char **argv)
{
	char *path = NULL, *err = NULL;
	int n = opts_parse(cli, "strata new NAME", NULL, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n != 1) {
		cli_error("new: give exactly one NAME (usage: strata new NAME)");
		return EXIT_USAGE;
	}
	rc = strata_new_migration(dir_of(cli), argv[1], &path, &err);
	if (rc) {
		cli_error("new: %s", err ? err : strata_strerror(rc));
		free(err);
		return cli_exit_code(rc);
	}
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
	char *err = NULL;
	int n = opts_parse(cli, "strata hash", NULL, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("hash: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	rc = strata_hash_dir(dir_of(cli), &err);
	if (rc) {
		cli_error("hash: %s", err ? err : strata_strerror(rc));
		free(err);
		return cli_exit_code(rc);
	}
	if (cli->json)
		printf("{\"command\": \"hash\", \"ok\": true}\n");
	else
		cli_say(cli, "wrote %s/strata.sum\n", dir_of(cli));
	return EXIT_OK;
}
