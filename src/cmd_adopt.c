/*
 * cmd_adopt.c: `strata adopt`: take over another migration tool's history
 * in place (strata_adopt()), and print what was recorded.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int cmd_adopt(struct cli *cli, int argc, char **argv)
{
	strata_adopt_opts o = STRATA_ADOPT_OPTS_INIT;
	strata_report *r = NULL;
	strata_db *db;
	const struct opt opts[] = {
		OPT_STRING(0, "from", &o.from, "TOOL",
		           "the tool whose history to take over (when more than one is found)"),
		OPT_DRY_RUN(&o.dry_run),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata adopt [--from TOOL] [--dry-run]", opts, argc, argv);
	size_t i;
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("adopt: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	if ((rc = cli_check_dir(cli, EXIT_FAIL)) != 0 || (rc = cli_open(cli, &db)) != 0)
		return rc;
	rc = strata_adopt(db, &o, &r);
	if (rc) {
		/* The ways out are the program's to word (the library states what
		 * it found). */
		const char *msg = cli_errmsg(db);
		if (rc == STRATA_EUSAGE && !o.from && msg && strstr(msg, "more than one tool's history"))
			cli_error("%s; name the one to take over with 'strata adopt --from TOOL'", msg);
		else if (rc == STRATA_EUSAGE && msg && strstr(msg, "already records"))
			cli_error("%s; strata already keeps this database's history (see 'strata status')",
			          msg);
		else if (rc == STRATA_EMISSING || rc == STRATA_ECHECKSUM)
			cli_error("%s; check out the files the tool applied (the same version of %s), "
			          "then run 'strata adopt' again", msg, cli->dir ? cli->dir : "migrations");
		else
			rc = cli_fail(db, rc);
		if (rc < 0)
			rc = cli_exit_code(rc);
		strata_close(db);
		return rc;
	}
	if (!r->dry_run && r->n)
		cli->committed = 1;
	if (cli->json) {
		json_t *j = cli_report_json(cli, db, r, "adopt", r->dry_run);
		json_object_set_new(j, "tool", json_string(r->tool));
		json_object_set_new(j, "table", json_string(r->tool_table));
		cli_print_json(j);
	} else if (!cli->quiet) {
		for (i = 0; i < r->n; i++) {
			const strata_entry *e = &r->entries[i];
			printf("%-12s %s_%s (batch %ld, applied %s)\n", r->dry_run ? "would record" : "recorded",
			       cli_esc(e->version), cli_esc(e->name), e->batch,
			       e->applied_at ? e->applied_at : "now");
		}
		if (r->dry_run)
			printf("-- dry run: %zu migration%s of %s's history ('%s') would be recorded "
			       "as applied; nothing was changed\n", r->n, r->n == 1 ? "" : "s",
			       r->tool, cli_esc(r->tool_table));
		else
			printf("adopted %zu migration%s from %s's history ('%s'; the table is kept, "
			       "strata does not write to it)\n", r->n, r->n == 1 ? "" : "s", r->tool,
			       cli_esc(r->tool_table));
	}
	strata_report_free(r);
	strata_close(db);
	return EXIT_OK;
}
