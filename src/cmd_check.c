/*
 * cmd_check.c: `strata check`: prove every down section. The library
 * replays the migrations in a scratch database, up, down, up, one at a
 * time (never the live database); this prints each migration whose down
 * does not give back the schema before its up, with the difference, or
 * with --json the shape documented in docs/strata-check.md.
 *
 * Exit: 0 every down restores, 3 one does not (or fails), 2 bad input
 * (no migrations directory, a migration whose up fails), 1 other errors.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static const char *state_name(strata_check_state s)
{
	switch (s) {
	case STRATA_CHECK_OK: return "ok";
	case STRATA_CHECK_NO_DOWN: return "no_down";
	case STRATA_CHECK_DIFFERS: return "differs";
	case STRATA_CHECK_DOWN_FAILED: return "down_failed";
	case STRATA_CHECK_REUP_FAILED: return "up_failed_after_down";
	default: return "not_run";
	}
}

static json_t *report_json(strata_db *db, const strata_check_report *r)
{
	json_t *o = json_object(), *arr = json_array();
	size_t i, k;

	json_object_set_new(o, "command", json_string("check"));
	json_object_set_new(o, "engine", json_string(strata_engine(db)));
	json_object_set_new(o, "database", json_string(strata_url_redacted(db)));
	json_object_set_new(o, "ok", json_boolean(r->failed == 0));
	json_object_set_new(o, "failed", json_integer((json_int_t)r->failed));
	for (i = 0; i < r->n; i++) {
		const strata_check_entry *e = &r->entries[i];
		json_t *m = json_object(), *ch = json_array();
		json_object_set_new(m, "version", json_string(e->version));
		json_object_set_new(m, "name", json_string(e->name));
		json_object_set_new(m, "file", json_string(e->path));
		json_object_set_new(m, "state", json_string(state_name(e->state)));
		json_object_set_new(m, "error", e->error ? json_string(e->error) : json_null());
		for (k = 0; e->diff && k < e->diff->n; k++) {
			json_t *c = json_object();
			json_object_set_new(c, "kind", json_string(e->diff->changes[k].kind));
			json_object_set_new(c, "object", json_string(e->diff->changes[k].object));
			json_array_append_new(ch, c);
		}
		json_object_set_new(m, "changes", ch);
		json_array_append_new(arr, m);
	}
	json_object_set_new(o, "migrations", arr);
	return o;
}

static void print_report(struct cli *cli, const strata_check_report *r)
{
	size_t i, k, checked = 0, no_down = 0;

	for (i = 0; i < r->n; i++) {
		const strata_check_entry *e = &r->entries[i];
		switch (e->state) {
		case STRATA_CHECK_OK:
			checked++;
			break;
		case STRATA_CHECK_NO_DOWN:
			no_down++;
			break;
		case STRATA_CHECK_DIFFERS:
			printf("%sFAIL%s %s: up then down leaves the schema changed:\n", cli_color(cli, "red"),
			       cli_color(cli, "reset"), cli_esc(e->path));
			for (k = 0; k < e->diff->n; k++)
				printf("  %-18s %s\n", e->diff->changes[k].kind, cli_esc(e->diff->changes[k].object));
			if (e->error)
				printf("  and its up then failed: %s\n", cli_esc(e->error));
			break;
		case STRATA_CHECK_DOWN_FAILED:
			printf("%sFAIL%s %s: its down fails: %s\n", cli_color(cli, "red"), cli_color(cli, "reset"),
			       cli_esc(e->path), cli_esc(e->error));
			break;
		case STRATA_CHECK_REUP_FAILED:
			printf("%sFAIL%s %s: its up fails after its down: %s\n", cli_color(cli, "red"),
			       cli_color(cli, "reset"), cli_esc(e->path), cli_esc(e->error));
			break;
		case STRATA_CHECK_NOT_RUN:
			printf("skipped %s: the replay could not go on to it\n", cli_esc(e->path));
			break;
		}
	}
	if (r->failed)
		printf("%zu of %zu migration%s: the down does not restore the schema\n", r->failed, r->n,
		       r->n == 1 ? "" : "s");
	else
		cli_say(cli, "ok: %zu down section%s restore%s the schema%s\n", checked,
		        checked == 1 ? "" : "s", checked == 1 ? "s" : "",
		        no_down ? " (migrations without a down section are not checked)" : "");
}

int cmd_check(struct cli *cli, int argc, char **argv)
{
	strata_check_opts o = STRATA_CHECK_OPTS_INIT;
	strata_check_report *r = NULL;
	strata_db *db = NULL;
	int rc;
	int n = opts_parse(cli, "strata check", NULL, argc, argv);

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("check: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	if ((rc = cli_check_dir(cli, EXIT_USAGE)) != 0 || (rc = cli_open(cli, &db)) != 0)
		return rc;
	o.dev_url = cli->dev_url;
	rc = strata_check(db, &o, &r);
	if (rc && rc != STRATA_EDRIFT) {
		rc = cli_fail(db, rc);
		strata_close(db);
		return rc;
	}
	if (cli->json)
		cli_print_json(report_json(db, r));
	else
		print_report(cli, r);
	strata_check_report_free(r);
	strata_close(db);
	return rc ? EXIT_FOUND : EXIT_OK;
}
