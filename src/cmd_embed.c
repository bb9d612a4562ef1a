/*
 * cmd_embed.c: `strata embed -o FILE.c`: the migrations directory as C
 * source (strata_embed()), defining strata_embedded_migrations for a
 * program that sets it as strata_config.source and so migrates with no
 * files at run time. The directory is checked as up checks it (every file
 * parsed, strata.sum enforced) before anything is written; "-o -" writes
 * to stdout. Needs no database.
 */
#include "cli.h"
#include "fileio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int cmd_embed(struct cli *cli, int argc, char **argv)
{
	strata_config cfg = STRATA_CONFIG_INIT;
	const char *output = NULL, *p;
	strata_db *db = NULL;
	char *text = NULL;
	size_t count = 0;
	const struct opt opts[] = {
		OPT_STRING('o', "output", &output, "FILE", "the C file to write (- for stdout)"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata embed -o FILE.c", opts, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("embed: unexpected argument '%s' (strata embed -o FILE.c)", argv[1]);
		return EXIT_USAGE;
	}
	if (!output || !*output) {
		cli_error("embed: -o FILE.c is required (the C file to write, - for stdout)");
		return EXIT_USAGE;
	}
	if (cli->json && !strcmp(output, "-")) {
		cli_error("embed: --json and -o - would both write to stdout: give -o FILE.c");
		return EXIT_USAGE;
	}
	if ((rc = cli_check_dir(cli, EXIT_USAGE)) != 0)
		return rc;
	cfg.dir = cli->dir;
	cfg.log = cli_log;
	cfg.log_payload = cli;
	if ((rc = strata_new(&db, &cfg)) != 0) {
		rc = cli_fail(db, rc);
		goto out;
	}
	if ((rc = strata_embed(db, &text)) != 0) {
		rc = cli_fail(db, rc);
		goto out;
	}
	/* one file entry per migration, each on a line starting "\t{ \"" */
	for (p = text; (p = strstr(p, "\n\t{ \"")) != NULL; p++)
		count++;
	if (!strcmp(output, "-")) {
		fputs(text, stdout);
	} else if ((rc = util_write_file(output, text, strlen(text))) != 0) {
		cli_error("embed: cannot write '%s': %s", cli_esc(output),
		          rc == STRATA_ENOMEM ? "out of memory" : strerror(errno));
		rc = EXIT_FAIL;
		goto out;
	} else if (cli->json) {
		json_t *o = json_object();
		json_object_set_new(o, "command", json_string("embed"));
		json_object_set_new(o, "file", json_string(output));
		json_object_set_new(o, "migrations", json_integer((json_int_t)count));
		json_object_set_new(o, "symbol", json_string("strata_embedded_migrations"));
		cli_print_json(o);
	} else {
		cli_say(cli, "wrote %s: %zu migration%s as strata_embedded_migrations\n",
		        cli_esc(output), count, count == 1 ? "" : "s");
	}
	rc = EXIT_OK;
out:
	free(text);
	strata_close(db);
	return rc;
}
