/*
 * examples/app/main.c: an application that migrates its own SQLite database
 * at start-up through libstrata, the way web servers run migrations on boot.
 *
 *   example-app DATABASE_URL MIGRATIONS_DIR
 *
 * It applies whatever is pending (waiting if another instance is doing so),
 * prints what it did, and would then start serving.
 *
 * Built with -DAPP_EMBEDDED and the output of `strata embed -o
 * migrations.c`, it carries its migrations inside the binary and takes no
 * directory (docs/c-api.md, "Migrations compiled in"):
 *
 *   strata embed -o migrations.c
 *   cc -DAPP_EMBEDDED main.c migrations.c $(pkg-config --cflags --libs strata)
 *   example-app DATABASE_URL
 *
 * That build also shows a hook: a line before each migration runs.
 */
#include <stdio.h>
#include <strata.h>

#ifdef APP_EMBEDDED
/* defined by the file strata embed wrote */
extern const strata_migration_source strata_embedded_migrations;

/* Before each migration, in the run's transaction: returning non-zero
 * would stop the run and roll it back. */
static int before_each(void *payload, const strata_hook_info *info, char **msg)
{
	(void)payload;
	(void)msg;
	printf("app: migrating %s_%s (%s)\n", info->version, info->name, info->direction);
	return 0;
}
#endif

static void on_log(void *payload, int level, const char *msg)
{
	(void)payload;
	if (level >= STRATA_LOG_NOTICE)
		fprintf(stderr, "app: %s\n", msg);
}

int main(int argc, char **argv)
{
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_up_opts up = STRATA_UP_OPTS_INIT;
	strata_report *r = NULL;
	strata_db *db = NULL;
	size_t i;
	int rc;

#ifdef APP_EMBEDDED
	if (argc != 2) {
		fprintf(stderr, "usage: %s DATABASE_URL\n", argv[0]);
		return 2;
	}
	cfg.source = &strata_embedded_migrations;
	up.before_each = before_each;
#else
	if (argc != 3) {
		fprintf(stderr, "usage: %s DATABASE_URL MIGRATIONS_DIR\n", argv[0]);
		return 2;
	}
	cfg.dir = argv[2];
#endif
	cfg.log = on_log;
	rc = strata_open(&db, argv[1], &cfg);
	if (rc == STRATA_OK)
		rc = strata_up(db, &up, &r);
	if (rc != STRATA_OK) {
		fprintf(stderr, "app: cannot migrate the database: %s\n", strata_errmsg(db));
		strata_close(db);
		return 1;
	}
	for (i = 0; i < r->n; i++)
		printf("app: applied %s_%s\n", r->entries[i].version, r->entries[i].name);
	printf("app: schema up to date (%zu applied now), serving\n", r->n);
	strata_report_free(r);
	strata_close(db);
	return 0;
}
