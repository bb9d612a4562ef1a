/*
 * cmd_status.c: the commands that only look: `status` (every migration and
 * its state, as an aligned table or JSON) and `show` (the SQL that up would
 * run, or one migration's sections).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static const char *state_color(struct cli *cli, strata_state s)
{
	switch (s) {
	case STRATA_APPLIED: return cli_color(cli, "green");
	case STRATA_PENDING: return cli_color(cli, "yellow");
	default: return cli_color(cli, "red");
	}
}

int cmd_status(struct cli *cli, int argc, char **argv)
{
	int exit_code = 0, rc;
	strata_db *db;
	strata_report *r = NULL;
	size_t i, counts[6] = { 0 }, wv = 7, wn = 4;
	const struct opt opts[] = {
		OPT_BOOL(0, "exit-code", &exit_code, "exit 3 when anything is pending or wrong"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata status [--exit-code]", opts, argc, argv);

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("status: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	if ((rc = cli_check_dir(cli, EXIT_USAGE)) != 0 || (rc = cli_open(cli, &db)) != 0)
		return rc;
	rc = strata_status(db, &r);
	if (rc) {
		rc = cli_fail(db, rc);
		strata_close(db);
		return rc;
	}
	for (i = 0; i < r->n; i++) {
		const strata_entry *e = &r->entries[i];
		counts[e->state]++;
		if (strlen(cli_esc(e->version)) > wv)
			wv = strlen(cli_esc(e->version));
		if (strlen(cli_esc(e->name)) > wn)
			wn = strlen(cli_esc(e->name));
	}
	if (cli->json) {
		json_t *o = json_object(), *arr = json_array(), *sum = json_object();
		json_object_set_new(o, "command", json_string("status"));
		json_object_set_new(o, "engine", json_string(strata_engine(db)));
		json_object_set_new(o, "database", json_string(strata_url_redacted(db)));
		for (i = 0; i < r->n; i++)
			json_array_append_new(arr, cli_entry_json(&r->entries[i], 0));
		json_object_set_new(o, "migrations", arr);
		for (i = 0; i < 6; i++)
			json_object_set_new(sum, strata_state_name((strata_state)i), json_integer((json_int_t)counts[i]));
		json_object_set_new(o, "summary", sum);
		cli_print_json(o);
	} else if (!cli->quiet) {
		if (r->n == 0) {
			printf("no migrations (directory %s is empty or missing)\n",
			       cli_esc(cli->dir ? cli->dir : "migrations"));
		} else {
			printf("%s%-*s  %-*s  %-12s  %5s  %-19s%s\n", cli_color(cli, "bold"), (int)wv, "VERSION",
			       (int)wn, "NAME", "STATE", "BATCH", "APPLIED AT", cli_color(cli, "reset"));
			for (i = 0; i < r->n; i++) {
				const strata_entry *e = &r->entries[i];
				char batch[24] = "";
				if (e->batch)
					snprintf(batch, sizeof batch, "%ld", e->batch);
				printf("%-*s  %-*s  %s%-12s%s  %5s  %s\n", (int)wv, cli_esc(e->version), (int)wn,
				       cli_esc(e->name),
				       state_color(cli, e->state), strata_state_name(e->state), cli_color(cli, "reset"),
				       batch, e->applied_at ? e->applied_at : "");
				if (e->state == STRATA_FAILED && e->error)
					printf("%*s  error: %s\n", (int)wv, "", cli_esc(e->error));
				if (e->state == STRATA_FAILED)
					printf("%*s  fix: finish its statements by hand and run 'strata mark %s "
					       "--applied', or undo them and run 'strata mark %s --pending'\n",
					       (int)wv, "", e->version, e->version);
			}
			printf("\n%zu applied, %zu pending", counts[STRATA_APPLIED], counts[STRATA_PENDING]);
			if (counts[STRATA_OUT_OF_ORDER])
				printf(", %zu out-of-order", counts[STRATA_OUT_OF_ORDER]);
			if (counts[STRATA_EDITED])
				printf(", %zu edited", counts[STRATA_EDITED]);
			if (counts[STRATA_MISSING])
				printf(", %zu missing", counts[STRATA_MISSING]);
			if (counts[STRATA_FAILED])
				printf(", %zu failed", counts[STRATA_FAILED]);
			printf("\n");
		}
	}
	rc = EXIT_OK;
	if (exit_code && r->n != counts[STRATA_APPLIED])
		rc = EXIT_FOUND;
	strata_report_free(r);
	strata_close(db);
	return rc;
}

static void print_section(const char *marker, const char *sql)
{
	size_t n = sql ? strlen(sql) : 0;

	while (n && (sql[n - 1] == '\n' || sql[n - 1] == ' '))
		n--;
	printf("-- %s\n", marker);
	if (n)
		printf("%.*s\n", (int)n, sql);
}

int cmd_show(struct cli *cli, int argc, char **argv)
{
	strata_db *db = NULL;
	strata_report *r = NULL;
	int n = opts_parse(cli, "strata show [VERSION]", NULL, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 1) {
		cli_error("show: give at most one VERSION");
		return EXIT_USAGE;
	}
	if (n == 0) {
		/* What up would run: a dry run. */
		strata_up_opts o = STRATA_UP_OPTS_INIT;
		size_t i;
		if ((rc = cli_check_dir(cli, EXIT_USAGE)) != 0 || (rc = cli_open(cli, &db)) != 0)
			return rc;
		o.dry_run = 1;
		rc = strata_up(db, &o, &r);
		if (rc) {
			rc = cli_fail(db, rc);
		} else if (cli->json) {
			cli_print_json(cli_report_json(cli, db, r, "show", 1));
		} else {
			for (i = 0; i < r->n; i++) {
				printf("-- %s_%s\n", cli_esc(r->entries[i].version), cli_esc(r->entries[i].name));
				print_section("migrate:up", r->entries[i].sql);
				printf("\n");
			}
			if (r->n == 0)
				cli_say(cli, "-- nothing pending\n");
		}
		strata_report_free(r);
		strata_close(db);
		return rc;
	}
	/* One file: needs only the directory. --json also tells its state,
	 * from the database when one is given (the SQL alone stays readable
	 * with the server down). */
	if (cli->json && cli->url && *cli->url) {
		if ((rc = cli_open(cli, &db)) != 0)
			return rc;
	} else {
		strata_config cfg = STRATA_CONFIG_INIT;
		cfg.dir = cli->dir;
		/* A handle not connected: the directory and the error slot. */
		rc = strata_new(&db, &cfg);
		if (rc) {
			rc = cli_fail(db, rc);
			strata_close(db);
			return rc;
		}
	}
	rc = strata_show(db, argv[1], &r);
	if (rc) {
		rc = cli_fail(db, rc);
	} else if (cli->json) {
		json_t *o = cli_entry_json(&r->entries[0], 1);
		if (!cli->url || !*cli->url)
			json_object_set_new(o, "state", json_null()); /* no database asked */
		cli_print_json(o);
	} else {
		printf("-- %s\n", cli_esc(r->entries[0].file));
		print_section("migrate:up", r->entries[0].sql);
		if (r->entries[0].down_sql)
			print_section("migrate:down", r->entries[0].down_sql);
		else
			printf("-- (no down section: irreversible)\n");
	}
	strata_report_free(r);
	strata_close(db);
	return rc;
}
