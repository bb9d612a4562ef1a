/*
 * cmd_migrate.c: the commands that change which migrations are applied:
 * up, down, redo, reset, refresh, baseline and mark. Each parses its flags,
 * calls one library function (two for redo and refresh), and prints the
 * report: one line per migration, or the JSON of docs/json.md.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

/* Human or JSON output of a run. verb: "applied" / "rolled back". */
static void print_run(struct cli *cli, strata_db *db, const strata_report *r, const char *command,
                      const char *verb)
{
	size_t i;

	if (cli->json) {
		cli_print_json(cli_report_json(cli, db, r, command, r->dry_run));
		return;
	}
	if (cli->quiet)
		return;
	if (r->n == 0) {
		if (!strcmp(command, "up"))
			printf("nothing to apply: the database is up to date\n");
		else
			printf("nothing to roll back\n");
		return;
	}
	if (r->backup)
		printf("%sbackup: %s%s\n", cli_color(cli, "dim"), cli_esc(r->backup), cli_color(cli, "reset"));
	for (i = 0; i < r->n; i++) {
		const strata_entry *e = &r->entries[i];
		if (r->dry_run) {
			printf("-- %s %s_%s%s%s\n", !strcmp(verb, "applied") ? "up" : "down", cli_esc(e->version),
			       cli_esc(e->name), e->no_transaction ? " (transaction:false)" : "",
			       e->file ? "" : " (down SQL recorded when applied)");
			cli_print_sql(e->sql);
			printf("\n");
		} else {
			printf("%s%-12s%s %s_%s %s(%ld ms)%s\n", cli_color(cli, "green"), verb,
			       cli_color(cli, "reset"), cli_esc(e->version), cli_esc(e->name), cli_color(cli, "dim"),
			       e->duration_ms, cli_color(cli, "reset"));
		}
	}
	if (r->dry_run)
		printf("-- dry run: %zu migration%s would be %s; nothing was changed\n", r->n,
		       r->n == 1 ? "" : "s", verb);
	else
		printf("%zu migration%s %s%s (%ld ms)\n", r->n, r->n == 1 ? "" : "s", verb,
		       !strcmp(verb, "applied") && r->batch ? "" : "", r->total_ms);
}

int cli_after_change(struct cli *cli, strata_db *db)
{
#ifdef HAVE_CMD_INSPECT
	if (cli->dump_schema)
		return cli_write_dump(cli, db, cli->dump_schema);
#else
	(void)db;
	if (cli->dump_schema) {
		cli_error("--dump-schema is not available in this build");
		return EXIT_FAIL;
	}
#endif
	return EXIT_OK;
}

static int do_up(struct cli *cli, strata_db *db, const strata_up_opts *o, const char *command)
{
	strata_report *r = NULL;
	int rc = strata_up(db, o, &r);

	if (rc == STRATA_EDESTRUCTIVE && !cli->json && isatty(STDIN_FILENO)) {
		/* Nothing ran: show what would be destroyed and ask. */
		strata_up_opts again = *o;
		fprintf(stderr, "strata: %s\n", strata_errmsg(db));
		if (!cli_ask_yes(cli, "Run them anyway?")) {
			cli_error("%s: nothing was run", command);
			return EXIT_FAIL;
		}
		again.refuse_destructive = 0;
		rc = strata_up(db, &again, &r);
	}
	if (rc)
		return cli_fail(db, rc);
	print_run(cli, db, r, command, o->check ? "checked" : "applied");
	if (!r->dry_run && r->n)
		rc = cli_after_change(cli, db);
	strata_report_free(r);
	return rc;
}

static int do_down(struct cli *cli, strata_db *db, const strata_down_opts *o, const char *command)
{
	strata_report *r = NULL;
	int rc = strata_down(db, o, &r);

	if (rc)
		return cli_fail(db, rc);
	print_run(cli, db, r, command, "rolled back");
	if (!r->dry_run && r->n)
		rc = cli_after_change(cli, db);
	strata_report_free(r);
	return rc;
}

int cmd_up(struct cli *cli, int argc, char **argv)
{
	/* steps -1 until given, so that --steps 0 is a mistake, not "no limit" */
	strata_up_opts o = { STRATA_UP_OPTS_VERSION, NULL, -1, 0, 0, 0, 0 };
	int allow_destructive = 0, no_backup = 0;
	strata_db *db;
	const struct opt opts[] = {
		OPT_STRING(0, "to", &o.to, "VERSION", "apply up to and including VERSION"),
		OPT_LONG(0, "steps", &o.steps, "N", "apply at most N migrations"),
		OPT_DRY_RUN(&o.dry_run),
		OPT_BOOL(0, "check", &o.check, "run the pending migrations, then roll them back"),
		OPT_BOOL(0, "allow-out-of-order", &o.allow_out_of_order,
		         "apply pending migrations older than the newest applied one"),
		OPT_BOOL(0, "allow-destructive", &allow_destructive,
		         "apply statements that drop or destroy data without asking"),
		OPT_BOOL(0, "no-backup", &no_backup, "take no automatic SQLite backup"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata up [--to VERSION] [--steps N] [--dry-run] [--check] "
	                   "[--allow-out-of-order] [--allow-destructive] [--no-backup]", opts, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("up: unexpected argument '%s' (did you mean --to %s?)", argv[1], argv[1]);
		return EXIT_USAGE;
	}
	if (o.steps == 0) {
		cli_error("up: --steps needs a number of at least 1");
		return EXIT_USAGE;
	}
	o.steps = o.steps < 0 ? 0 : o.steps;
	o.refuse_destructive = !(allow_destructive || cli->yes);
	cli->no_backup = no_backup;
	/* exit 1, as up said it before this check (tests/cli/t1600) */
	if ((rc = cli_check_dir(cli, EXIT_FAIL)) != 0 || (rc = cli_open(cli, &db)) != 0)
		return rc;
	rc = do_up(cli, db, &o, "up");
	strata_close(db);
	return rc;
}

int cmd_down(struct cli *cli, int argc, char **argv)
{
	strata_down_opts o = { STRATA_DOWN_OPTS_VERSION, -1, NULL, 0, 0 };
	int no_backup = 0;
	strata_db *db;
	const struct opt opts[] = {
		OPT_LONG(0, "steps", &o.steps, "N", "roll back the last N migrations"),
		OPT_STRING(0, "to", &o.to, "VERSION", "roll back every migration newer than VERSION"),
		OPT_BOOL(0, "all", &o.all, "roll back everything"),
		OPT_DRY_RUN(&o.dry_run),
		OPT_BOOL(0, "no-backup", &no_backup, "take no automatic SQLite backup"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata down [--steps N | --to VERSION | --all] [--dry-run] [--no-backup]", opts,
	                   argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("down: unexpected argument '%s' (use --to %s or --steps N)", argv[1], argv[1]);
		return EXIT_USAGE;
	}
	if (o.steps == 0) {
		cli_error("down: --steps needs a number of at least 1");
		return EXIT_USAGE;
	}
	o.steps = o.steps < 0 ? 0 : o.steps;
	if ((o.steps > 0) + (o.to != NULL) + o.all > 1) {
		cli_error("down: give at most one of --steps, --to and --all");
		return EXIT_USAGE;
	}
	cli->no_backup = no_backup;
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	rc = do_down(cli, db, &o, "down");
	strata_close(db);
	return rc;
}

/* redo and refresh: one run of two halves, printed as such. */
static int down_then_up(struct cli *cli, int argc, char **argv, const char *usage,
                        int (*fn)(strata_db *, strata_report **, strata_report **))
{
	strata_report *d = NULL, *u = NULL;
	int no_backup = 0;
	strata_db *db;
	const struct opt opts[] = {
		OPT_BOOL(0, "no-backup", &no_backup, "take no automatic SQLite backup"),
		OPT_END(),
	};
	int n = opts_parse(cli, usage, opts, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("%s: unexpected argument '%s'", argv[0], argv[1]);
		return EXIT_USAGE;
	}
	cli->no_backup = no_backup;
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	rc = fn(db, &d, &u);
	if (rc) {
		rc = cli_fail(db, rc);
	} else if (cli->json) {
		json_t *o = json_object();
		json_object_set_new(o, "command", json_string(argv[0]));
		json_object_set_new(o, "down", cli_report_json(cli, db, d, "down", 0));
		json_object_set_new(o, "up", cli_report_json(cli, db, u, "up", 0));
		cli_print_json(o);
	} else {
		print_run(cli, db, d, "down", "rolled back");
		print_run(cli, db, u, "up", "applied");
		if (d->n || (u && u->n))
			rc = cli_after_change(cli, db);
	}
	strata_report_free(d);
	strata_report_free(u);
	strata_close(db);
	return rc;
}

int cmd_redo(struct cli *cli, int argc, char **argv)
{
	return down_then_up(cli, argc, argv, "strata redo [--no-backup]", strata_redo);
}

int cmd_reset(struct cli *cli, int argc, char **argv)
{
	int hard = 0, dry = 0, no_backup = 0;
	strata_db *db;
	strata_report *r = NULL;
	const struct opt opts[] = {
		OPT_BOOL(0, "hard", &hard, "drop every object instead of running down sections, then apply all"),
		OPT_DRY_RUN(&dry),
		OPT_BOOL(0, "no-backup", &no_backup, "take no automatic SQLite backup"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata reset [--hard] [--dry-run] [--no-backup]", opts, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("reset: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	cli->no_backup = no_backup;
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	rc = strata_reset(db, hard, dry, &r);
	if (rc) {
		rc = cli_fail(db, rc);
	} else if (hard && dry) {
		cli_say(cli, "-- dry run: reset --hard would drop every object of %s and apply all migrations\n",
		        strata_url_redacted(db));
	} else if (hard) {
		cli_say(cli, "dropped every object of %s\n", strata_url_redacted(db));
		print_run(cli, db, r, "up", "applied");
		rc = cli_after_change(cli, db);
	} else {
		print_run(cli, db, r, "reset", "rolled back");
		if (!r->dry_run && r->n)
			rc = cli_after_change(cli, db);
	}
	strata_report_free(r);
	strata_close(db);
	return rc;
}

int cmd_refresh(struct cli *cli, int argc, char **argv)
{
	return down_then_up(cli, argc, argv, "strata refresh [--no-backup]", strata_refresh);
}

int cmd_baseline(struct cli *cli, int argc, char **argv)
{
	strata_db *db;
	int n = opts_parse(cli, "strata baseline VERSION", NULL, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n != 1) {
		cli_error("baseline: give exactly one VERSION (usage: strata baseline VERSION)");
		return EXIT_USAGE;
	}
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	rc = strata_baseline(db, argv[1]);
	if (rc < 0) {
		rc = cli_fail(db, rc);
	} else {
		if (cli->json) {
			printf("{\"command\": \"baseline\", \"version\": \"%s\", \"recorded\": %d}\n", argv[1], rc);
		} else {
			cli_say(cli, "recorded %d migration%s up to %s as applied (nothing was run)\n", rc,
			        rc == 1 ? "" : "s", argv[1]);
		}
		rc = EXIT_OK;
	}
	strata_close(db);
	return rc;
}

int cmd_mark(struct cli *cli, int argc, char **argv)
{
	int applied = 0, pending = 0;
	strata_db *db;
	const struct opt opts[] = {
		OPT_BOOL(0, "applied", &applied, "record VERSION as applied (from its file)"),
		OPT_BOOL(0, "pending", &pending, "forget VERSION: it is pending again"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata mark VERSION --applied|--pending", opts, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n != 1 || applied + pending != 1) {
		cli_error("mark: usage: strata mark VERSION --applied|--pending");
		return EXIT_USAGE;
	}
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	rc = strata_mark(db, argv[1], applied);
	if (rc) {
		rc = cli_fail(db, rc);
	} else if (cli->json) {
		printf("{\"command\": \"mark\", \"version\": \"%s\", \"state\": \"%s\"}\n", argv[1],
		       applied ? "applied" : "pending");
	} else {
		cli_say(cli, "marked %s as %s\n", argv[1], applied ? "applied" : "pending");
	}
	strata_close(db);
	return rc;
}
