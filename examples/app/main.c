/*
 * examples/app/main.c: an application that migrates its own SQLite database
 * at start-up through libstrata, the way web servers run migrations on boot.
 *
 *   example-app DATABASE_URL MIGRATIONS_DIR
 *
 * It applies whatever is pending (waiting if another instance is doing so),
 * prints what it did, and would then start serving.
 */
#include <stdio.h>
#include <strata.h>

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

	if (argc != 3) {
		fprintf(stderr, "usage: %s DATABASE_URL MIGRATIONS_DIR\n", argv[0]);
		return 2;
	}
	cfg.dir = argv[2];
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
