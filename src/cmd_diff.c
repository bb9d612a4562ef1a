/*
 * cmd_diff.c: the declarative commands: diff (SQL between two sources),
 * generate (a migration from the migrations' schema to schema.sql), push
 * (schema.sql straight onto the database) and verify (drift between the
 * migrations and the database). Each parses its flags, calls one library
 * function, and prints SQL or a list of changes, or with --json the shape
 * documented in docs/strata-diff.md.
 *
 * Destructive changes (data lost) are named with the rows at stake and
 * need --allow-destructive, --yes, or a "y" typed at the terminal; without
 * a terminal the command stops (exit 1) before anything is written.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

static const char *class_name(strata_change_class c)
{
	switch (c) {
	case STRATA_CHANGE_DESTRUCTIVE: return "destructive";
	case STRATA_CHANGE_DATA_DEPENDENT: return "data-dependent";
	default: return "safe";
	}
}

static json_t *changes_json(const strata_plan *p)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < p->n; i++) {
		const strata_change *c = &p->changes[i];
		json_t *o = json_object();
		json_object_set_new(o, "kind", json_string(c->kind));
		json_object_set_new(o, "object", json_string(c->object));
		json_object_set_new(o, "class", json_string(class_name(c->cls)));
		json_object_set_new(o, "note", c->note ? json_string(c->note) : json_null());
		json_object_set_new(o, "rows_at_stake",
		                    c->rows_at_stake >= 0 ? json_integer(c->rows_at_stake) : json_null());
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *plan_json(const char *command, strata_db *db, const strata_plan *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "command", json_string(command));
	if (db) {
		json_object_set_new(o, "engine", json_string(strata_engine(db)));
		json_object_set_new(o, "database", json_string(strata_url_redacted(db)));
	}
	json_object_set_new(o, "changes", p ? changes_json(p) : json_array());
	json_object_set_new(o, "up_sql", json_string(p && p->up_sql ? p->up_sql : ""));
	json_object_set_new(o, "down_sql", p && p->down_sql ? json_string(p->down_sql) : json_null());
	json_object_set_new(o, "transaction", json_boolean(!(p && p->no_transaction)));
	return o;
}

/* "-- destructive: drop_column users.bio: ..." for every change that is not safe. */
static void print_warnings_as_sql(const strata_plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const strata_change *c = &p->changes[i];
		if (c->cls == STRATA_CHANGE_SAFE)
			continue;
		/* An SQL comment: a newline in a name would end it. */
		printf("-- %s: %s %s%s%s\n", class_name(c->cls), c->kind, cli_esc(c->object),
		       c->note ? ": " : "", cli_esc(c->note));
	}
}

static size_t count_destructive(const strata_plan *p)
{
	size_t i, n = 0;

	for (i = 0; p && i < p->n; i++)
		if (p->changes[i].cls == STRATA_CHANGE_DESTRUCTIVE)
			n++;
	return n;
}

/* List the destructive changes on stderr, with rows at stake. */
static void list_destructive(struct cli *cli, const strata_plan *p)
{
	size_t i;

	fflush(stdout);
	fprintf(stderr, "%sdestructive changes:%s\n", cli_color(cli, "red"), cli_color(cli, "reset"));
	for (i = 0; i < p->n; i++) {
		const strata_change *c = &p->changes[i];
		if (c->cls != STRATA_CHANGE_DESTRUCTIVE)
			continue;
		fprintf(stderr, "  %s %s", c->kind, cli_esc(c->object));
		if (c->rows_at_stake >= 0)
			fprintf(stderr, " (%lld row%s)", c->rows_at_stake, c->rows_at_stake == 1 ? "" : "s");
		if (c->note)
			fprintf(stderr, ": %s", cli_esc(c->note));
		fputc('\n', stderr);
	}
}

/* Ask on the terminal; 1 for yes. Only when stdin is one and --json is off. */
/* The engine for diff: --url when given, else the first source that is a
 * URL, else SQLite in memory (two files, or a file and a directory). */
static const char *diff_db_url(struct cli *cli, const char *from, const char *to)
{
	const char *s[2] = { from, to };
	int i;

	if (cli->url && *cli->url)
		return cli->url;
	for (i = 0; i < 2; i++)
		if (s[i] && strata_url_engine(s[i]))
			return s[i];
	return "sqlite::memory:";
}

static int open_for_diff(struct cli *cli, const char *url, strata_db **out)
{
	const char *saved = cli->url;
	int rc;

	cli->url = url;
	rc = cli_open(cli, out);
	cli->url = saved;
	return rc;
}

int cmd_diff(struct cli *cli, int argc, char **argv)
{
	strata_diff_opts o = STRATA_DIFF_OPTS_INIT;
	const char *from = NULL, *to = NULL, *format = "sql";
	int exit_code = 0, concurrent = 0, plain = 0, rc;
	strata_plan *p = NULL;
	strata_db *db = NULL;
	const struct opt opts[] = {
		OPT_STRING(0, "from", &from, "SRC", "the schema to start from: URL, .sql file or migrations dir"),
		OPT_STRING(0, "to", &to, "SRC", "the schema to reach"),
		OPT_STRING(0, "format", &format, "FMT", "sql (default) or json"),
		OPT_BOOL(0, "exit-code", &exit_code, "exit 3 when the schemas differ"),
		OPT_BOOL(0, "plain", &plain, "PostgreSQL: the plain forms, no CONCURRENTLY or late validation"),
		OPT_BOOL(0, "concurrent-indexes", &concurrent,
		         "PostgreSQL, with --plain: CREATE INDEX CONCURRENTLY (the default builds so)"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata diff --from SRC --to SRC [--format sql|json] [--exit-code] [--plain] "
	                   "[--concurrent-indexes]", opts, argc, argv);

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("diff: unexpected argument '%s' (give --from SRC --to SRC)", argv[1]);
		return EXIT_USAGE;
	}
	if (!from || !to) {
		cli_error("diff: give both --from SRC and --to SRC (a database URL, a .sql file or a "
		          "migrations directory)");
		return EXIT_USAGE;
	}
	if (strcmp(format, "sql") && strcmp(format, "json")) {
		cli_error("diff: --format must be sql or json, not '%s'", format);
		return EXIT_USAGE;
	}
	if (!strcmp(format, "json"))
		cli->json = 1;
	if ((rc = open_for_diff(cli, diff_db_url(cli, from, to), &db)) != 0)
		return rc;
	o.dev_url = cli->dev_url;
	o.with_down = cli->json;
	o.concurrent_indexes = concurrent;
	o.plain = plain;
	rc = strata_diff(db, from, to, &o, &p);
	if (rc) {
		rc = cli_fail(db, rc);
		strata_close(db);
		return rc;
	}
	if (cli->json) {
		json_t *j = plan_json("diff", db, p);
		json_object_set_new(j, "from", json_string(from));
		json_object_set_new(j, "to", json_string(to));
		cli_print_json(j);
	} else if (!cli->quiet) {
		print_warnings_as_sql(p);
		cli_print_sql(p->up_sql);
	}
	rc = exit_code && p->n ? EXIT_FOUND : EXIT_OK;
	strata_plan_free(p);
	strata_close(db);
	return rc;
}

int cmd_generate(struct cli *cli, int argc, char **argv)
{
	strata_generate_opts o = STRATA_GENERATE_OPTS_INIT;
	int dry_run = 0, per_table = 0, allow = 0, from_db = 0, plain = 0, rc;
	strata_plan *p = NULL;
	strata_db *db = NULL;
	size_t i;
	const struct opt opts[] = {
		OPT_DRY_RUN(&dry_run),
		OPT_BOOL(0, "per-table", &per_table, "write one migration per changed table"),
		OPT_BOOL(0, "plain", &plain, "PostgreSQL: one migration, no CONCURRENTLY or late validation"),
		OPT_BOOL(0, "allow-destructive", &allow, "do not ask about destructive changes"),
		OPT_BOOL(0, "from-db", &from_db,
		         "start from the live database, not the migrations' schema"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata generate NAME [--dry-run] [--per-table] [--plain] "
	                   "[--allow-destructive] [--from-db]", opts, argc, argv);

	if (n < 0)
		return OPTS_EXIT(n);
	if (n != 1) {
		cli_error("generate: give exactly one NAME (usage: strata generate NAME)");
		return EXIT_USAGE;
	}
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	o.schema_file = cli->schema_file;
	o.name = argv[1];
	o.dev_url = cli->dev_url;
	o.per_table = per_table;
	o.from_db = from_db;
	o.plain = plain;
	/* Look first: destructive changes are named and asked for before any
	 * file is written. */
	o.dry_run = 1;
	rc = strata_generate(db, &o, &p);
	if (rc)
		goto fail;
	if (!dry_run && p->n && count_destructive(p) && !allow && !cli->yes) {
		list_destructive(cli, p);
		if (!cli_ask_yes(cli, "Write this migration?")) {
			cli_error("generate: %zu destructive change%s: nothing was written (allow with "
			          "--allow-destructive or --yes)", count_destructive(p),
			          count_destructive(p) == 1 ? "" : "s");
			rc = EXIT_FAIL;
			goto done;
		}
	}
	if (!dry_run && p->n) {
		strata_plan_free(p);
		p = NULL;
		o.dry_run = 0;
		rc = strata_generate(db, &o, &p);
		if (rc)
			goto fail;
	}
	if (cli->json) {
		json_t *j = plan_json("generate", db, p), *files = json_array();
		for (i = 0; i < p->nfiles; i++)
			json_array_append_new(files, json_string(p->files[i]));
		json_object_set_new(j, "files", files);
		json_object_set_new(j, "dry_run", json_boolean(dry_run));
		cli_print_json(j);
	} else if (!cli->quiet) {
		if (p->n == 0) {
			printf("nothing to generate: the %s already produce%s %s\n",
			       from_db ? "database" : "migrations", from_db ? "s" : "",
			       cli->schema_file ? cli->schema_file : "schema.sql");
		} else if (dry_run) {
			printf("-- migrate:up%s\n", p->no_transaction ? " transaction:false" : "");
			print_warnings_as_sql(p);
			cli_print_sql(p->up_sql);
			printf("\n-- migrate:down\n");
			cli_print_sql(p->down_sql);
			printf("-- dry run: %zu change%s; nothing was written\n", p->n, p->n == 1 ? "" : "s");
		} else {
			for (i = 0; i < p->nfiles; i++)
				printf("created %s\n", cli_esc(p->files[i]));
		}
	}
	rc = EXIT_OK;
	goto done;
fail:
	rc = cli_fail(db, rc);
done:
	strata_plan_free(p);
	strata_close(db);
	return rc;
}

int cmd_push(struct cli *cli, int argc, char **argv)
{
	strata_push_opts o = STRATA_PUSH_OPTS_INIT;
	int dry_run = 0, allow = 0, concurrent = 0, no_backup = 0, force = 0, plain = 0, rc;
	strata_plan *p = NULL;
	strata_db *db = NULL;
	strata_plan *confirmed = NULL;
	size_t i;
	const struct opt opts[] = {
		OPT_DRY_RUN(&dry_run),
		OPT_BOOL(0, "allow-destructive", &allow, "apply destructive changes without asking"),
		OPT_BOOL(0, "plain", &plain, "PostgreSQL: the plain forms, all in the one transaction"),
		OPT_BOOL(0, "concurrent-indexes", &concurrent,
		         "PostgreSQL, with --plain: CREATE INDEX CONCURRENTLY, outside the transaction"),
		OPT_BOOL(0, "no-backup", &no_backup, "take no automatic SQLite backup"),
		OPT_BOOL(0, "force", &force, "push even onto a database that migrations manage"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata push [--dry-run] [--allow-destructive] [--plain] "
	                   "[--concurrent-indexes] [--no-backup] [--force]", opts, argc, argv);

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("push: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	cli->no_backup = no_backup;
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	o.schema_file = cli->schema_file;
	o.dev_url = cli->dev_url;
	o.dry_run = dry_run;
	o.allow_destructive = allow || cli->yes || dry_run;
	o.concurrent_indexes = concurrent;
	o.plain = plain;
	o.force = force;
	rc = strata_push(db, &o, &p);
	/* Asked, then applied only if the plan is still the one agreed to: the
	 * database may change while the question waits (no lock is held
	 * then), and a changed plan is shown and asked about again. */
	while (rc == STRATA_EDESTRUCTIVE && p) {
		if (o.confirmed)
			fprintf(stderr, "strata: %s\n", strata_errmsg(db));
		list_destructive(cli, p);
		if (!cli_ask_yes(cli, "Apply?")) {
			if (cli->json) {
				/* The plan, for a tool to show, then the refusal on stderr. */
				json_t *j = plan_json("push", db, p);
				json_object_set_new(j, "dry_run", json_boolean(0));
				json_object_set_new(j, "applied", json_boolean(0));
				cli_print_json(j);
			}
			goto fail;
		}
		strata_plan_free(confirmed);
		confirmed = p;
		p = NULL;
		o.allow_destructive = 1;
		o.confirmed = confirmed;
		rc = strata_push(db, &o, &p);
	}
	if (rc)
		goto fail;
	if (!dry_run && p->n)
		cli->committed = 1;
	if (cli->json) {
		json_t *j = plan_json("push", db, p);
		json_object_set_new(j, "dry_run", json_boolean(dry_run));
		json_object_set_new(j, "applied", json_boolean(!dry_run && p->n));
		cli_print_json(j);
	} else if (!cli->quiet) {
		if (p->n == 0) {
			printf("nothing to push: the database matches %s\n",
			       cli->schema_file ? cli->schema_file : "schema.sql");
		} else if (dry_run) {
			print_warnings_as_sql(p);
			cli_print_sql(p->up_sql);
			printf("-- dry run: %zu change%s; nothing was changed\n", p->n, p->n == 1 ? "" : "s");
		} else {
			for (i = 0; i < p->n; i++) {
				const strata_change *c = &p->changes[i];
				printf("%s%-16s%s %s\n", cli_color(cli, c->cls == STRATA_CHANGE_DESTRUCTIVE ? "red" : "green"),
				       c->kind, cli_color(cli, "reset"), cli_esc(c->object));
			}
			printf("pushed %zu change%s\n", p->n, p->n == 1 ? "" : "s");
		}
	}
	rc = EXIT_OK;
	goto out;
fail:
	rc = cli_fail(db, rc);
out:
	strata_plan_free(confirmed);
	strata_plan_free(p);
	strata_close(db);
	return rc;
}

int cmd_verify(struct cli *cli, int argc, char **argv)
{
	strata_plan *p = NULL;
	strata_db *db = NULL;
	size_t i;
	int rc;
	int n = opts_parse(cli, "strata verify", NULL, argc, argv);

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("verify: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	if ((rc = cli_check_dir(cli, EXIT_USAGE)) != 0 || (rc = cli_open(cli, &db)) != 0)
		return rc;
	rc = strata_verify(db, cli->dev_url, &p);
	if (rc && rc != STRATA_EDRIFT) {
		rc = cli_fail(db, rc);
		strata_plan_free(p);
		strata_close(db);
		return rc;
	}
	if (cli->json) {
		json_t *j = plan_json("verify", db, p);
		json_object_set_new(j, "ok", json_boolean(rc == 0));
		cli_print_json(j);
	} else if (rc == 0) {
		cli_say(cli, "ok: the database matches its migrations\n");
	} else {
		printf("%sdrift:%s %s\n", cli_color(cli, "red"), cli_color(cli, "reset"), strata_errmsg(db));
		for (i = 0; i < p->n; i++) {
			const strata_change *c = &p->changes[i];
			printf("  %-18s %s%s%s\n", c->kind, cli_esc(c->object), c->note ? ": " : "",
			       cli_esc(c->note));
		}
		if (cli->verbose && p->up_sql && *p->up_sql) {
			printf("\n-- SQL that turns the migrations' schema into the database's:\n");
			cli_print_sql(p->up_sql);
		}
	}
	strata_plan_free(p);
	strata_close(db);
	return rc ? EXIT_FOUND : EXIT_OK;
}
