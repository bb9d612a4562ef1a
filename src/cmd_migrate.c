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

/*
 * Which down SQL ran, where the user could not know it: the file's down
 * section of an edited file, or the recorded one (always said in a dry run's
 * header; after a run only when the file is there, yet was not used).
 */
static const char *down_source_note(const strata_entry *e, int dry_run)
{
	switch (e->down_source) {
	case STRATA_DOWN_FILE_EDITED:
		return " (the file's down section: the file was edited since it was applied, its up "
		       "section was not)";
	case STRATA_DOWN_RECORDED:
		return dry_run ? " (down SQL recorded when applied)" : "";
	case STRATA_DOWN_RECORDED_EDITED:
		return " (down SQL recorded when applied: the file was edited since, and its up "
		       "section may not be the one applied)";
	default:
		return "";
	}
}

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
			       down_source_note(e, 1));
			cli_print_sql(e->sql);
			printf("\n");
		} else {
			printf("%s%-12s%s %s_%s %s(%ld ms)%s%s\n", cli_color(cli, "green"), verb,
			       cli_color(cli, "reset"), cli_esc(e->version), cli_esc(e->name), cli_color(cli, "dim"),
			       e->duration_ms, cli_color(cli, "reset"), down_source_note(e, 0));
		}
	}
	if (r->dry_run)
		printf("-- dry run: %zu migration%s would be %s; nothing was changed\n", r->n,
		       r->n == 1 ? "" : "s", verb);
	else
		printf("%zu migration%s %s%s (%ld ms)\n", r->n, r->n == 1 ? "" : "s", verb,
		       !strcmp(verb, "applied") && r->batch ? "" : "", r->total_ms);
}

/*
 * --before-each / --after-each: 0, or EXIT_USAGE for an empty command (an
 * unset shell variable, most often). hooks: the command runs them, else
 * (redo, refresh, reset) a set hook is said to be skipped, not silently.
 */
static int hooks_ok(struct cli *cli, const char *command, int hooks)
{
	if ((cli->before_each && !*cli->before_each) || (cli->after_each && !*cli->after_each)) {
		cli_error("%s: --%s-each needs a command", command,
		          cli->before_each && !*cli->before_each ? "before" : "after");
		return EXIT_USAGE;
	}
	if (!hooks && (cli->before_each || cli->after_each) && !cli->quiet) {
		fflush(stdout);
		fprintf(stderr, "strata: warning: %s runs no before-each/after-each hooks (only up "
		        "and down do)\n", command);
	}
	return 0;
}

int cli_after_change(struct cli *cli, strata_db *db)
{
	if (cli->dump_schema)
		return cli_write_dump(cli, db, cli->dump_schema);
	return EXIT_OK;
}

/*
 * A failed run: the library's message, and for another tool's history the
 * way to take it over (the library states what it found; the advice is the
 * program's, with the version to give when the files line up with it).
 */
static int fail_run(struct cli *cli, strata_db *db, int rc, const char *command)
{
	strata_foreign *h = NULL;
	char *msg;

	if (rc != STRATA_EFOREIGN)
		return cli_fail(db, rc);
	msg = strdup(cli_errmsg(db));
	if (!msg || strata_foreign_find(db, &h) != 0 || !h) {
		cli_error("%s", msg ? msg : strata_strerror(rc));
		free(msg);
		return cli_exit_code(rc);
	}
	if (h->baseline)
		cli_error("%s; to take the history over, record what %s applied with 'strata baseline %s' "
		          "(it applied exactly the migrations in %s up to %s), then run 'strata %s'%s",
		          msg, h->tool, h->baseline, cli->dir ? cli->dir : "migrations", h->baseline,
		          command, strcmp(command, "up") ? "" :
		          "; if that history is not of these migrations (another application's), or is stale "
		          "(strata rolled them back since: its table exists, empty), "
		          "run 'strata up --ignore-foreign-history'");
	else
		cli_error("%s; to take the history over, %srecord what %s applied with 'strata baseline "
		          "VERSION', VERSION being the newest migration of %s the database already has, "
		          "then run 'strata %s'%s",
		          msg, h->stopped ? "repair what stopped halfway, " : "", h->tool,
		          cli->dir ? cli->dir : "migrations", command, strcmp(command, "up") ? "" :
		          "; if that history is not of these migrations (another application's), or is stale "
		          "(strata rolled them back since: its table exists, empty), "
		          "run 'strata up --ignore-foreign-history'");
	strata_foreign_free(h);
	free(msg);
	return cli_exit_code(rc);
}

static int do_up(struct cli *cli, strata_db *db, const strata_up_opts *o, const char *command)
{
	strata_report *r = NULL, *confirmed = NULL;
	strata_up_opts again = *o;
	int rc = strata_up(db, o, &r);

	/* Nothing ran: show what would be destroyed and ask. The answer holds
	 * for the migrations shown: no lock is held while the question waits,
	 * and a set that changed meanwhile is shown and asked about again. */
	while (rc == STRATA_EDESTRUCTIVE && r && !cli->json && isatty(STDIN_FILENO)) {
		fprintf(stderr, "strata: %s\n", cli_errmsg(db));
		if (!cli_ask_yes(cli, "Run them anyway?")) {
			cli_error("%s: nothing was run", command);
			strata_report_free(r);
			strata_report_free(confirmed);
			return EXIT_FAIL;
		}
		strata_report_free(confirmed);
		confirmed = r;
		r = NULL;
		again.refuse_destructive = 0;
		again.confirmed = confirmed;
		rc = strata_up(db, &again, &r);
	}
	strata_report_free(confirmed);
	if (rc) {
		strata_report_free(r);
		return fail_run(cli, db, rc, command);
	}
	if (!r->dry_run && (r->n || (r->rewound && r->rewound->n)))
		cli->committed = 1;
	if (r->rewound && cli->json) {
		json_t *o2 = cli_report_json(cli, db, r, command, r->dry_run);
		json_object_set_new(o2, "rewound", cli_report_json(cli, db, r->rewound, "down",
		                                                   r->rewound->dry_run));
		cli_print_json(o2);
	} else {
		if (r->rewound)
			print_run(cli, db, r->rewound, "down", "rolled back");
		print_run(cli, db, r, command, o->check ? "checked" : "applied");
	}
	if (!r->dry_run && (r->n || (r->rewound && r->rewound->n)))
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
	if (!r->dry_run && r->n)
		cli->committed = 1;
	print_run(cli, db, r, command, "rolled back");
	if (!r->dry_run && r->n)
		rc = cli_after_change(cli, db);
	strata_report_free(r);
	return rc;
}

int cmd_up(struct cli *cli, int argc, char **argv)
{
	/* steps -1 until given, so that --steps 0 is a mistake, not "no limit" */
	strata_up_opts o = STRATA_UP_OPTS_INIT;
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
		OPT_BOOL(0, "ignore-foreign-history", &o.ignore_foreign_history,
		         "apply even though another tool's history table records migrations"),
		OPT_BOOL(0, "rewind", &o.rewind,
		         "first roll back the applied migrations whose files are gone (branch switch)"),
		OPT_END(),
	};
	int n, rc;

	o.steps = -1;
	n = opts_parse(cli, "strata up [FILE|VERSION...] [--to VERSION|FILE] [--steps N] [--dry-run] "
	               "[--check] [--allow-out-of-order] [--allow-destructive] [--no-backup] "
	               "[--ignore-foreign-history] [--rewind]", opts, argc, argv);
	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0 && (o.to || o.steps >= 0 || o.rewind)) {
		cli_error("up: migrations named with %s: give either the migrations or %s",
		          o.to ? "--to" : o.steps >= 0 ? "--steps" : "--rewind",
		          o.to ? "--to" : o.steps >= 0 ? "--steps" : "--rewind");
		return EXIT_USAGE;
	}
	if (n > 0) {
		int i;
		for (i = 1; i <= n; i++)
			if (!*argv[i]) {
				cli_error("up: an empty migration name");
				return EXIT_USAGE;
			} else if (cli_is_command(argv[i])) {
				/* no migration is named so (a version or a file
				 * name): a second command, given by mistake */
				cli_error("up: unexpected argument '%s' (one command at a time)", argv[i]);
				return EXIT_USAGE;
			}
		o.only = (const char *const *)argv + 1;
		o.nonly = (size_t)n;
	}
	if ((rc = hooks_ok(cli, "up", 1)) != 0)
		return rc;
	if (cli->before_each || cli->after_each) {
		o.before_each = cli->before_each ? cli_hook : NULL;
		o.after_each = cli->after_each ? cli_hook : NULL;
		o.hook_payload = cli;
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
	strata_down_opts o = STRATA_DOWN_OPTS_INIT;
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
	int n, rc;

	o.steps = -1;
	n = opts_parse(cli, "strata down [--steps N | --to VERSION | --all] [--dry-run] [--no-backup]", opts,
	               argc, argv);
	if (n < 0)
		return OPTS_EXIT(n);
	if ((rc = hooks_ok(cli, "down", 1)) != 0)
		return rc;
	if (cli->before_each || cli->after_each) {
		o.before_each = cli->before_each ? cli_hook : NULL;
		o.after_each = cli->after_each ? cli_hook : NULL;
		o.hook_payload = cli;
	}
	if (n > 0) {
		cli_error("down: unexpected argument '%s' ('down --to %s' rolls back every migration "
		          "newer than %s and keeps it; 'down --steps N' the last N)", argv[1], argv[1],
		          argv[1]);
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
/*
 * reset, reset --hard and refresh destroy: say what goes and ask at a
 * terminal; without one (or with --json) refuse unless --yes, as up does
 * for destructive statements. cmd names the command in the messages.
 * Returns EXIT_OK to go on, else the exit status.
 */
static int reset_confirm(struct cli *cli, strata_db *db, int hard, const char *cmd)
{
	char **objs = NULL;
	strata_report *r = NULL;
	size_t n = 0, i;
	int rc;

	if (hard) {
		if ((rc = strata_reset_objects(db, &objs, &n)) != 0)
			return cli_fail(db, rc);
	} else {
		if ((rc = strata_reset(db, 0, 1, &r)) != 0)
			return cli_fail(db, rc);
		n = r->n;
	}
	rc = EXIT_OK;
	if (n == 0)
		goto out; /* nothing is destroyed: nothing to ask */
	if (!cli->json && isatty(STDIN_FILENO)) {
		fprintf(stderr, "%s %s, in %s:\n", cmd, hard ? "--hard drops" : "rolls back",
		        strata_url_redacted(db));
		for (i = 0; i < n; i++) {
			if (hard)
				fprintf(stderr, "  %s\n", objs[i]);
			else
				fprintf(stderr, "  %s_%s\n", r->entries[i].version, r->entries[i].name);
		}
		if (hard || strcmp(cmd, "reset"))
			fprintf(stderr, "and then applies every migration.\n");
		if (!cli_ask_yes(cli, hard ? "Drop them?" : "Roll them back?")) {
			cli_error("%s: nothing was changed", cmd);
			rc = EXIT_FAIL;
		}
		goto out;
	}
	if (hard)
		cli_error("reset --hard would drop %zu object%s of %s (%s%s): nothing was changed; "
		          "see them with 'strata reset --hard --dry-run', confirm with --yes",
		          n, n == 1 ? "" : "s", strata_url_redacted(db), objs[0],
		          n > 1 ? ", ..." : "");
	else
		cli_error("%s would roll back %zu migration%s of %s (%s_%s%s): nothing was changed; "
		          "see them with 'strata down --all --dry-run', confirm with --yes",
		          cmd, n, n == 1 ? "" : "s", strata_url_redacted(db), r->entries[0].version,
		          r->entries[0].name, n > 1 ? ", ..." : "");
	rc = EXIT_FAIL;
out:
	strata_strings_free(objs);
	strata_report_free(r);
	return rc;
}

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
	if ((rc = hooks_ok(cli, argv[0], 0)) != 0)
		return rc;
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	/* refresh rolls every migration back first: as reset does, it asks */
	if (fn == strata_refresh && !cli->yes && (rc = reset_confirm(cli, db, 0, argv[0])) != EXIT_OK)
		goto out;
	rc = fn(db, &d, &u);
	if (!rc && (d->n || (u && u->n)))
		cli->committed = 1;
	if (rc) {
		rc = fail_run(cli, db, rc, argv[0]);
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
out:
	strata_report_free(d);
	strata_report_free(u);
	strata_close(db);
	return rc;
}

int cmd_redo(struct cli *cli, int argc, char **argv)
{
	return down_then_up(cli, argc, argv, "strata redo [--no-backup]", strata_redo);
}

/* reset --hard --dry-run: what would be dropped, then what would be applied. */
static int print_hard_dry_run(struct cli *cli, strata_db *db, const strata_report *r)
{
	char **objs = NULL;
	size_t n = 0, i;
	int rc = strata_reset_objects(db, &objs, &n);

	if (rc)
		return cli_fail(db, rc);
	if (cli->json) {
		json_t *o = cli_report_json(cli, db, r, "reset", 1), *drop = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(drop, json_string(objs[i]));
		json_object_set_new(o, "hard", json_true());
		json_object_set_new(o, "drop", drop);
		cli_print_json(o);
	} else if (!cli->quiet) {
		printf("-- dry run: reset --hard would drop %zu object%s of %s%s\n", n,
		       n == 1 ? "" : "s", strata_url_redacted(db), n ? ":" : "");
		for (i = 0; i < n; i++)
			printf("--   %s\n", objs[i]);
		printf("-- and apply %zu migration%s; nothing was changed\n", r->n, r->n == 1 ? "" : "s");
		for (i = 0; i < r->n; i++)
			printf("--   %s_%s\n", r->entries[i].version, r->entries[i].name);
	}
	strata_strings_free(objs);
	return EXIT_OK;
}

int cmd_reset(struct cli *cli, int argc, char **argv)
{
	int hard = 0, dry = 0, no_backup = 0;
	strata_db *db;
	strata_report *r = NULL;
	const struct opt opts[] = {
		OPT_BOOL(0, "hard", &hard, "drop every object (PostgreSQL: of the migrations' schemas) "
		         "instead of running down sections, then apply all"),
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
	if (!dry && (rc = hooks_ok(cli, "reset", 0)) != 0)
		return rc;
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	if (!dry && !cli->yes && (rc = reset_confirm(cli, db, hard, "reset")) != EXIT_OK)
		goto out;
	rc = strata_reset(db, hard, dry, &r);
	if (!rc && !dry && (hard || r->n))
		cli->committed = 1;
	if (rc) {
		rc = cli_fail(db, rc);
	} else if (hard && dry) {
		rc = print_hard_dry_run(cli, db, r);
	} else if (hard) {
		if (cli->json) {
			cli_print_json(cli_report_json(cli, db, r, "reset", 0));
		} else {
			cli_say(cli, "dropped every object of %s%s\n", strata_url_redacted(db),
			        strcmp(strata_engine(db), "postgres") ? "" :
			        " in the migrations' schemas");
			print_run(cli, db, r, "up", "applied");
		}
		rc = cli_after_change(cli, db);
	} else {
		print_run(cli, db, r, "reset", "rolled back");
		if (!r->dry_run && r->n)
			rc = cli_after_change(cli, db);
	}
out:
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
		cli->committed = 1;
		if (cli->json) {
			json_t *o = json_object();
			json_object_set_new(o, "command", json_string("baseline"));
			json_object_set_new(o, "version", json_string(argv[1]));
			json_object_set_new(o, "recorded", json_integer(rc));
			cli_print_json(o);
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
	if (!rc)
		cli->committed = 1;
	if (rc) {
		rc = cli_fail(db, rc);
	} else if (cli->json) {
		json_t *o = json_object();
		json_object_set_new(o, "command", json_string("mark"));
		json_object_set_new(o, "version", json_string(argv[1]));
		json_object_set_new(o, "state", json_string(applied ? "applied" : "pending"));
		cli_print_json(o);
	} else {
		cli_say(cli, "marked %s as %s\n", argv[1], applied ? "applied" : "pending");
	}
	strata_close(db);
	return rc;
}
