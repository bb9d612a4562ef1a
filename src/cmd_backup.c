/*
 * cmd_backup.c: SQLite backups from the command line: `backup` takes one
 * (automatic and pruned, or a named snapshot that is kept), `backups` lists
 * them, `restore` puts one back after saving the current state. The work is
 * the library's (lib/backup.c); these parse flags and print, as text or as
 * the JSON of docs/json.md.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* PostgreSQL has its own tools; say so before connecting to anything. */
static int refuse_postgres(struct cli *cli)
{
	const char *u = cli->url;

	if (u && strata_url_engine(u) && strcmp(strata_url_engine(u), "postgres") == 0) {
		cli_error("backups are for SQLite databases; use pg_dump for PostgreSQL");
		return EXIT_USAGE;
	}
	return 0;
}

static json_t *info_json(const strata_backup_info *b)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(b->name));
	json_object_set_new(o, "path", json_string(b->path));
	json_object_set_new(o, "created_at", json_string(b->created_at));
	json_object_set_new(o, "bytes", json_integer((json_int_t)b->bytes));
	json_object_set_new(o, "named", json_boolean(b->named));
	return o;
}

static json_t *head_json(strata_db *db, const char *command)
{
	json_t *o = json_object();

	json_object_set_new(o, "command", json_string(command));
	json_object_set_new(o, "engine", json_string(strata_engine(db)));
	json_object_set_new(o, "database", json_string(strata_url_redacted(db)));
	return o;
}

/* "12.3 MiB": sizes as people read them. */
static void human_size(long long bytes, char *out, size_t n)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, n, "%lld B", bytes);
	else
		snprintf(out, n, "%.1f %s", v, unit[u]);
}

/* The entry of l whose path is path, or NULL. */
static const strata_backup_info *find_path(const strata_backup_list *l, const char *path)
{
	size_t i;

	for (i = 0; l && i < l->n; i++)
		if (strcmp(l->v[i].path, path) == 0)
			return &l->v[i];
	return NULL;
}

int cmd_backup(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL;
	strata_backup_list *l = NULL;
	const strata_backup_info *b;
	char *path = NULL;
	strata_db *db = NULL;
	const struct opt opts[] = {
		OPT_STRING(0, "name", &name, "NAME", "a named snapshot, never pruned (letters, digits, _ and -)"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata backup [--name NAME]", opts, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("backup: unexpected argument '%s' (did you mean --name %s?)", argv[1], argv[1]);
		return EXIT_USAGE;
	}
	if ((rc = refuse_postgres(cli)) != 0)
		return rc;
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	rc = strata_backup(db, name, &path);
	if (rc) {
		rc = cli_fail(db, rc);
		goto out;
	}
	/* The listing's entry, so both commands describe a backup alike. */
	if (strata_backups(db, &l) != 0)
		l = NULL;
	b = find_path(l, path);
	if (cli->json) {
		json_t *o = head_json(db, "backup");
		json_object_set_new(o, "backup", b ? info_json(b) : json_null());
		json_object_set_new(o, "path", json_string(path));
		cli_print_json(o);
	} else {
		char size[32] = "";
		if (b)
			human_size(b->bytes, size, sizeof size);
		cli_say(cli, "%s: %s%s%s%s\n", name ? "snapshot" : "backup", path, b ? " (" : "", size,
		        b ? ")" : "");
	}
out:
	strata_backup_list_free(l);
	free(path);
	strata_close(db);
	return rc;
}

int cmd_backups(struct cli *cli, int argc, char **argv)
{
	strata_backup_list *l = NULL;
	strata_db *db = NULL;
	int n = opts_parse(cli, "strata backups", NULL, argc, argv);
	int rc;
	size_t i, w = 4;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("backups: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	if ((rc = refuse_postgres(cli)) != 0)
		return rc;
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	rc = strata_backups(db, &l);
	if (rc) {
		rc = cli_fail(db, rc);
		goto out;
	}
	if (cli->json) {
		json_t *o = head_json(db, "backups"), *arr = json_array();
		for (i = 0; i < l->n; i++)
			json_array_append_new(arr, info_json(&l->v[i]));
		json_object_set_new(o, "backups", arr);
		cli_print_json(o);
		goto out;
	}
	if (cli->quiet)
		goto out;
	if (l->n == 0) {
		printf("no backups of %s\n", strata_url_redacted(db));
		goto out;
	}
	for (i = 0; i < l->n; i++)
		if (strlen(l->v[i].name) > w)
			w = strlen(l->v[i].name);
	printf("%s%-*s  %-19s  %10s  %s%s\n", cli_color(cli, "bold"), (int)w, "NAME", "CREATED (UTC)",
	       "SIZE", "KIND", cli_color(cli, "reset"));
	for (i = 0; i < l->n; i++) {
		const strata_backup_info *b = &l->v[i];
		char size[32];
		human_size(b->bytes, size, sizeof size);
		printf("%-*s  %-19s  %10s  %s\n", (int)w, cli_esc(b->name), b->created_at, size,
		       b->named ? "named" : "automatic");
	}
out:
	strata_backup_list_free(l);
	strata_close(db);
	return rc;
}

int cmd_restore(struct cli *cli, int argc, char **argv)
{
	strata_db *db = NULL;
	char *undo = NULL, *from = NULL;
	const char *name;
	int n = opts_parse(cli, "strata restore [NAME|latest]", NULL, argc, argv);
	int rc;

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 1) {
		cli_error("restore: give at most one backup (usage: strata restore [NAME|latest])");
		return EXIT_USAGE;
	}
	if ((rc = refuse_postgres(cli)) != 0)
		return rc;
	name = n == 1 ? argv[1] : "latest";
	if ((rc = cli_open(cli, &db)) != 0)
		return rc;
	/* The library picks "latest" (among the backups it recorded) under
	 * the folder's lock and says which file it was. */
	rc = strata_restore_from(db, name, &from, &undo);
	if (rc) {
		rc = cli_fail(db, rc);
		goto out;
	}
	cli->committed = 1;
	if (!strcmp(name, "latest"))
		name = from;
	if (cli->json) {
		json_t *o = head_json(db, "restore");
		json_object_set_new(o, "restored", json_string(name));
		json_object_set_new(o, "path", json_string(from));
		json_object_set_new(o, "undo_backup", json_string(undo));
		cli_print_json(o);
	} else {
		const char *base = strrchr(undo, '/');
		cli_say(cli, "restored %s from %s\n", strata_url_redacted(db), name);
		cli_say(cli, "the state before the restore is in %s (undo: strata restore %s)\n", undo,
		        base ? base + 1 : undo);
	}
out:
	free(from);
	free(undo);
	strata_close(db);
	return rc;
}
