/*
 * cmd_adopt.c: `strata adopt`: take over another migration tool's history
 * in place (strata_adopt()), and print what was recorded.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* adopt --drift NAME: the drift, written as a migration recorded as applied. */
static int adopt_drift(struct cli *cli, strata_db *db, const strata_adopt_opts *o,
                       const char *name)
{
	strata_plan *p = NULL;
	size_t i;
	int rc = strata_adopt_drift(db, o, name, &p);

	if (rc)
		return cli_fail(db, rc);
	if (!o->dry_run && p->nfiles)
		cli->committed = 1;
	if (cli->json) {
		json_t *j = json_object(), *ch = json_array(), *files = json_array();
		json_object_set_new(j, "command", json_string("adopt"));
		json_object_set_new(j, "dry_run", json_boolean(o->dry_run));
		for (i = 0; i < p->n; i++) {
			json_t *c = json_object();
			json_object_set_new(c, "kind", json_string(p->changes[i].kind));
			json_object_set_new(c, "object", json_string(p->changes[i].object));
			json_array_append_new(ch, c);
		}
		json_object_set_new(j, "changes", ch);
		for (i = 0; i < p->nfiles; i++)
			json_array_append_new(files, json_string(p->files[i]));
		json_object_set_new(j, "files", files);
		json_object_set_new(j, "up_sql", json_string(p->up_sql ? p->up_sql : ""));
		json_object_set_new(j, "down_sql", json_string(p->down_sql ? p->down_sql : ""));
		cli_print_json(j);
	} else if (!cli->quiet) {
		if (p->n == 0) {
			printf("no drift: the database matches its migrations; nothing was written\n");
		} else {
			for (i = 0; i < p->n; i++)
				printf("  %-18s %s\n", p->changes[i].kind, cli_esc(p->changes[i].object));
			if (o->dry_run) {
				printf("-- up\n");
				cli_print_sql(p->up_sql);
				printf("-- down\n");
				cli_print_sql(p->down_sql);
				printf("-- dry run: %zu difference%s would be written as migration '%s' "
				       "and recorded as applied; nothing was changed\n", p->n,
				       p->n == 1 ? "" : "s", cli_esc(name));
			} else {
				printf("wrote %s (%zu difference%s) and recorded it as applied: the "
				       "database is unchanged; other databases get it with 'strata up'\n",
				       p->nfiles ? cli_esc(p->files[0]) : "?", p->n, p->n == 1 ? "" : "s");
			}
		}
	}
	strata_plan_free(p);
	return EXIT_OK;
}

int cmd_adopt(struct cli *cli, int argc, char **argv)
{
	strata_adopt_opts o = STRATA_ADOPT_OPTS_INIT;
	strata_report *r = NULL;
	strata_db *db;
	const char *drift = NULL;
	const struct opt opts[] = {
		OPT_STRING(0, "from", &o.from, "TOOL",
		           "the tool whose history to take over (when more than one is found)"),
		OPT_STRING(0, "drift", &drift, "NAME",
		           "write the drift as migration NAME and record it as applied"),
		OPT_DRY_RUN(&o.dry_run),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata adopt [--from TOOL] [--dry-run] | --drift NAME [--dry-run]",
	                   opts, argc, argv);
	size_t i;
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("adopt: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	if (drift && o.from) {
		cli_error("adopt: --drift and --from do not go together");
		return EXIT_USAGE;
	}
	if (drift && !*drift) {
		cli_error("adopt: --drift needs a migration NAME");
		return EXIT_USAGE;
	}
	if ((rc = cli_check_dir(cli, EXIT_FAIL)) != 0 || (rc = cli_open(cli, &db)) != 0)
		return rc;
	if (drift) {
		o.dev_url = cli->dev_url;
		rc = adopt_drift(cli, db, &o, drift);
		strata_close(db);
		return rc;
	}
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
