/*
 * cmd_squash.c: `strata squash --to VERSION NAME`: write one migration that
 * stands for every migration up to VERSION (strata_squash()).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int cmd_squash(struct cli *cli, int argc, char **argv)
{
	strata_squash_opts o = STRATA_SQUASH_OPTS_INIT;
	strata_plan *p = NULL;
	strata_db *db;
	const struct opt opts[] = {
		OPT_STRING(0, "to", &o.to, "VERSION", "the last migration the squash replaces"),
		OPT_DRY_RUN(&o.dry_run),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata squash --to VERSION [--dry-run] NAME", opts, argc, argv);
	const char *name;
	size_t i;
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n != 1) {
		if (n == 0)
			cli_error("squash: missing NAME (strata squash --to VERSION NAME)");
		else
			cli_error("squash: unexpected argument '%s'", argv[2]);
		return EXIT_USAGE;
	}
	name = argv[1];
	if (!o.to || !*o.to) {
		cli_error("squash: --to VERSION is required (the last migration the squash replaces)");
		return EXIT_USAGE;
	}
	if ((rc = cli_check_dir(cli, EXIT_FAIL)) != 0 || (rc = cli_open(cli, &db)) != 0)
		return rc;
	o.dev_url = cli->dev_url;
	rc = strata_squash(db, &o, name, &p);
	if (rc) {
		rc = cli_fail(db, rc);
		strata_close(db);
		return rc;
	}
	if (cli->json) {
		json_t *j = json_object(), *files = json_array();
		json_object_set_new(j, "command", json_string("squash"));
		json_object_set_new(j, "dry_run", json_boolean(o.dry_run));
		for (i = 0; i < p->nfiles; i++)
			json_array_append_new(files, json_string(p->files[i]));
		json_object_set_new(j, "files", files);
		json_object_set_new(j, "up_sql", json_string(p->up_sql ? p->up_sql : ""));
		json_object_set_new(j, "down_sql", json_string(p->down_sql ? p->down_sql : ""));
		cli_print_json(j);
	} else if (!cli->quiet) {
		if (o.dry_run) {
			printf("-- up\n");
			cli_print_sql(p->up_sql);
			printf("-- down\n");
			cli_print_sql(p->down_sql);
			printf("-- dry run: would write %s; nothing was changed\n",
			       p->nfiles ? cli_esc(p->files[0]) : "?");
		} else {
			printf("wrote %s: it replaces the migrations up to %s; databases that applied "
			       "them all count it as applied, new ones run only it. Once every database "
			       "is past %s, the replaced files can be deleted\n",
			       p->nfiles ? cli_esc(p->files[0]) : "?", cli_esc(o.to), cli_esc(o.to));
		}
	}
	strata_plan_free(p);
	strata_close(db);
	return EXIT_OK;
}
