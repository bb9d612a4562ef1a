/*
 * cmd_fleet.c: `strata fleet COMMAND --targets SPEC`: up, down, status,
 * verify or lint over many databases from one process. The library does
 * the work (strata_fleet_targets(), then strata_fleet(): worker threads,
 * each with its own handle); this file parses the flags, draws the
 * progress line on a terminal, turns Ctrl-C into "start no more targets",
 * and prints the per-database report (or its JSON, docs/json/fleet.schema.json).
 *
 * Exit: 0 every database succeeded; 3 none failed, some found something
 * (verify drift, lint errors, status problems); 1 any failed or was not run;
 * 2 bad usage or a bad spec, nothing run.
 */
#include "cli.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#ifdef HAVE_MALLOPT
#include <malloc.h>
#endif

static volatile int fleet_stop;

static void on_signal(int sig)
{
	(void)sig;
	fleet_stop = 1;
}

struct progress {
	struct cli *cli;
	int tty;
	long t0;
	size_t failed;
	long last_ms;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Called one at a time (the library's lock), from worker threads. */
static void on_result(void *payload, const strata_fleet_result *r, size_t done, size_t total)
{
	struct progress *p = payload;
	long now = now_ms(), el = now - p->t0;
	double rate;

	if (r->outcome == STRATA_FLEET_FAILED)
		p->failed++;
	if (!p->tty)
		return;
	/* a redraw at most every 100 ms, and the last one */
	if (done != total && now - p->last_ms < 100)
		return;
	p->last_ms = now;
	rate = el > 0 ? (double)done * 1000.0 / (double)el : 0.0;
	fprintf(stderr, "\r\033[Kfleet: %zu done, %zu failed, %zu remaining, %.1f/s", done, p->failed,
	        total - done, rate);
	if (done < total && rate > 0)
		fprintf(stderr, ", ETA %.0f s", (double)(total - done) / rate);
	fflush(stderr);
}

static const char *outcome_name(strata_fleet_outcome o)
{
	switch (o) {
	case STRATA_FLEET_OK: return "ok";
	case STRATA_FLEET_FOUND: return "found";
	case STRATA_FLEET_FAILED: return "failed";
	default: return "skipped";
	}
}

static const char *count_name(strata_fleet_command c)
{
	switch (c) {
	case STRATA_FLEET_UP: return "applied";
	case STRATA_FLEET_DOWN: return "rolled_back";
	case STRATA_FLEET_STATUS: return "pending";
	case STRATA_FLEET_VERIFY: return "differences";
	default: return "findings";
	}
}

static void print_json(const char *command, strata_fleet_command fc, const strata_fleet_report *r)
{
	json_t *o = json_object(), *arr = json_array(), *sum = json_object();
	size_t i;

	json_object_set_new(o, "command", json_string("fleet"));
	json_object_set_new(o, "fleet_command", json_string(command));
	json_object_set_new(o, "count_of", json_string(count_name(fc)));
	json_object_set_new(o, "duration_ms", json_integer(r->total_ms));
	json_object_set_new(o, "stopped", json_boolean(r->stopped));
	json_object_set_new(sum, "targets", json_integer((json_int_t)r->n));
	json_object_set_new(sum, "ok", json_integer((json_int_t)r->ok));
	json_object_set_new(sum, "found", json_integer((json_int_t)r->found));
	json_object_set_new(sum, "failed", json_integer((json_int_t)r->failed));
	json_object_set_new(sum, "skipped", json_integer((json_int_t)r->skipped));
	json_object_set_new(o, "summary", sum);
	for (i = 0; i < r->n; i++) {
		const strata_fleet_result *t = &r->results[i];
		json_t *m = json_object();
		json_object_set_new(m, "database", json_string(t->url));
		json_object_set_new(m, "result", json_string(outcome_name(t->outcome)));
		json_object_set_new(m, "count", json_integer(t->count));
		json_object_set_new(m, "duration_ms", json_integer(t->duration_ms));
		json_object_set_new(m, "error", t->error ? json_string(t->error) : json_null());
		json_array_append_new(arr, m);
	}
	json_object_set_new(o, "results", arr);
	cli_print_json(o);
}

static void print_table(struct cli *cli, strata_fleet_command fc, const strata_fleet_report *r)
{
	static const char *heads[] = { "", "APPLIED", "ROLLED BACK", "PENDING", "DIFFERENCES", "FINDINGS" };
	const char *head = heads[fc];
	size_t i, w = 8;

	for (i = 0; i < r->n; i++) {
		size_t l = strlen(cli_esc(r->results[i].url));
		if (l > w)
			w = l;
	}
	if (w > 60)
		w = 60;
	if (!cli->quiet)
		printf("%-*s  %-7s  %*s  %8s  %s\n", (int)w, "DATABASE", "RESULT", (int)strlen(head), head,
		       "TIME", "ERROR");
	for (i = 0; i < r->n; i++) {
		const strata_fleet_result *t = &r->results[i];
		const char *color = t->outcome == STRATA_FLEET_FAILED ? "red" :
		                    t->outcome == STRATA_FLEET_OK ? "green" : "yellow";
		if (cli->quiet && (t->outcome == STRATA_FLEET_OK || t->outcome == STRATA_FLEET_SKIPPED))
			continue;
		printf("%-*s  %s%-7s%s  %*ld  %5ld ms  %s\n", (int)w, cli_esc(t->url),
		       cli_color(cli, color), outcome_name(t->outcome), cli_color(cli, "reset"),
		       (int)strlen(head), t->count, t->duration_ms, t->error ? cli_esc(t->error) : "");
	}
	if (!cli->quiet)
		printf("%zu database%s: %zu ok, %zu found, %zu failed, %zu not run (%ld ms)\n", r->n,
		       r->n == 1 ? "" : "s", r->ok, r->found, r->failed, r->skipped, r->total_ms);
}

static int parse_command(const char *s, strata_fleet_command *out)
{
	static const struct { const char *name; strata_fleet_command c; } t[] = {
		{ "up", STRATA_FLEET_UP }, { "down", STRATA_FLEET_DOWN },
		{ "status", STRATA_FLEET_STATUS }, { "verify", STRATA_FLEET_VERIFY },
		{ "lint", STRATA_FLEET_LINT },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(s, t[i].name) == 0) {
			*out = t[i].c;
			return 0;
		}
	return -1;
}

int cmd_fleet(struct cli *cli, int argc, char **argv)
{
	const char *spec = NULL, *to = NULL;
	long jobs = 0, canary = 0, max_failures = 0, steps = 0;
	int dry_run = 0, allow_destructive = 0, allow_ooo = 0, all = 0, no_backup = 0, rc, n, code;
	strata_up_opts up = STRATA_UP_OPTS_INIT;
	strata_down_opts down = STRATA_DOWN_OPTS_INIT;
	strata_fleet_opts fo = STRATA_FLEET_OPTS_INIT;
	strata_config cfg = STRATA_CONFIG_INIT;
	strata_fleet_report *r = NULL;
	struct progress prog;
	struct sigaction sa, old_int, old_term;
	strata_db *db = NULL;
	char **urls = NULL;
	size_t nurls = 0;
	const struct opt opts[] = {
		OPT_STRING(0, "targets", &spec, "SPEC",
		           "the databases: 'sqlite:GLOB', @FILE (one URL a line), pg-query:URL?sql=..."),
		OPT_LONG('j', "jobs", &jobs, "N", "databases migrated at once (default: the processors)"),
		OPT_LONG(0, "canary", &canary, "N", "run the first N databases first; stop if one fails"),
		OPT_LONG(0, "max-failures", &max_failures, "N", "start no more databases after N failed"),
		OPT_STRING(0, "to", &to, "VERSION", "up: up to VERSION; down: roll back what is newer"),
		OPT_LONG(0, "steps", &steps, "N", "up: at most N; down: the last N migrations"),
		OPT_BOOL(0, "all", &all, "down: roll back everything; lint: applied migrations too"),
		OPT_DRY_RUN(&dry_run),
		OPT_BOOL(0, "allow-destructive", &allow_destructive, "up: run SQL that destroys data"),
		OPT_BOOL(0, "allow-out-of-order", &allow_ooo, "up: apply pending migrations older than "
		         "the newest applied"),
		OPT_BOOL(0, "no-backup", &no_backup, "take no automatic SQLite backups"),
		OPT_END(),
	};

	n = opts_parse(cli, "strata fleet COMMAND --targets SPEC [--jobs N] [--canary N] "
	               "[--max-failures N]", opts, argc, argv);
	if (n < 0)
		return OPTS_EXIT(n);
	/* the envelope's database: a fleet has many, none of them --url */
	cli->url = NULL;
	if (n != 1) {
		cli_error(n ? "fleet: one command, not %d (up, down, status, verify or lint)"
		            : "fleet: which command? up, down, status, verify or lint", n);
		return EXIT_USAGE;
	}
	if (parse_command(argv[1], &fo.command) != 0) {
		cli_error("fleet: '%s' is not a fleet command (up, down, status, verify or lint)",
		          cli_esc(argv[1]));
		return EXIT_USAGE;
	}
	if (!spec) {
		cli_error("fleet: no --targets SPEC ('sqlite:tenants/*.db', @FILE or pg-query:URL?sql=...)");
		return EXIT_USAGE;
	}
	if (jobs < 0 || jobs > 1024 || canary < 0 || max_failures < 0 || steps < 0) {
		cli_error("fleet: --jobs (at most 1024), --canary, --max-failures and --steps take a "
		          "number of 0 or more");
		return EXIT_USAGE;
	}
	if ((fo.command != STRATA_FLEET_UP && fo.command != STRATA_FLEET_DOWN &&
	     (to || steps || dry_run)) ||
	    (fo.command != STRATA_FLEET_UP && (allow_destructive || allow_ooo)) ||
	    (all && fo.command != STRATA_FLEET_DOWN && fo.command != STRATA_FLEET_LINT)) {
		cli_error("fleet %s: an option of another command given (see 'strata fleet -h')", argv[1]);
		return EXIT_USAGE;
	}
	if ((rc = cli_check_dir(cli, EXIT_USAGE)) != 0)
		return rc;

	up.to = to;
	up.steps = steps;
	up.dry_run = dry_run;
	up.allow_out_of_order = allow_ooo;
	/* no one to ask: what destroys data needs saying so beforehand */
	up.refuse_destructive = !allow_destructive && !cli->yes;
	down.to = to;
	down.steps = steps;
	down.all = all;
	down.dry_run = dry_run;
	{
		static strata_lint_opts lo = STRATA_LINT_OPTS_INIT;
		lo.all = all;
		fo.lint = &lo;
	}
	fo.up = &up;
	fo.down = &down;
	fo.dev_url = cli->dev_url;
	fo.jobs = (int)jobs;
	fo.canary = (size_t)canary;
	fo.max_failures = (size_t)max_failures;

	cfg.dir = cli->dir;
	cfg.table = cli->table;
	cfg.pg_schema = cli->pg_schema;
	cfg.lock_timeout_ms = cli->lock_timeout_ms;
	cfg.statement_timeout_ms = cli->statement_timeout_ms;
	cfg.keep_backups = (int)cli->keep;
	cfg.no_backup = cli->no_backup || no_backup;
	cfg.log = cli_log;
	cfg.log_payload = cli;
	if (strata_new(&db, &cfg) != 0) {
		code = cli_fail(db, strata_errcode(db));
		strata_close(db);
		return code;
	}
	rc = strata_fleet_targets(db, spec, &urls, &nurls);
	if (rc) {
		/* a spec that names nothing usable is bad input; a server that
		 * does not answer the pg-query is a failure */
		cli_error("fleet: %s", cli_errmsg(db));
		strata_close(db);
		return rc == STRATA_ECONNECT || rc == STRATA_ENOMEM || rc == STRATA_ERROR ? EXIT_FAIL
		                                                                        : EXIT_USAGE;
	}

	memset(&prog, 0, sizeof prog);
	prog.cli = cli;
	prog.tty = cli_stderr_tty(cli);
	prog.t0 = now_ms();
	fo.on_result = on_result;
	fo.payload = &prog;
	/* Ctrl-C: no database is started after it, those running finish
	 * (each all or nothing); a second one ends the program at once
	 * (SA_RESETHAND), and the transactions in flight roll back. */
	fo.stop = &fleet_stop;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
#ifdef HAVE_MALLOPT
	/* Each database's connections take and free a few hundred KiB; glibc
	 * gives the top of the heap back to the kernel (brk) above 128 KiB
	 * free, so every database took it again, zeroed by the kernel: about
	 * 1 ms of CPU per database (perf, strace -c: 19 brk a database). A
	 * fleet keeps it instead: its peak stays what one database needs per
	 * worker. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
	rc = strata_fleet(db, (const char *const *)urls, nurls, &fo, &r);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (prog.tty)
		fprintf(stderr, "\r\033[K");
	if (!r) {
		code = cli_fail(db, rc);
		strata_strings_free(urls);
		strata_close(db);
		return code;
	}
	if (cli->json)
		print_json(argv[1], fo.command, r);
	else
		print_table(cli, fo.command, r);
	if (rc == STRATA_EDRIFT) {
		code = EXIT_FOUND;
	} else if (rc) {
		cli_error("fleet %s: %s", argv[1], strata_errmsg(db));
		code = EXIT_FAIL;
	} else {
		code = EXIT_OK;
	}
	strata_fleet_report_free(r);
	strata_strings_free(urls);
	strata_close(db);
	return code;
}
