/*
 * cmd_studio.c: `strata studio [--port N] [--allow-write]`, a page and a
 * JSON API on 127.0.0.1 that show the database: its schema as a diagram,
 * its rows, the migration history, drift, lint findings and backups; with
 * --allow-write, also up, down and backup (docs/studio.md).
 *
 * The first line on stdout is the address to open, with the run's random
 * token; nothing else goes to stdout (a script reads that line). The
 * server runs in libmicrohttpd's threads (studio.c); this thread waits for
 * SIGINT or SIGTERM, blocked everywhere else, then stops the server, lets
 * the requests under way end, and returns 0.
 */
#include "cli.h"
#include "dl_mhd.h"
#include "studio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* 32 bytes from the kernel's generator, as 64 hex digits. */
static int make_token(char out[65])
{
	unsigned char b[32];
	size_t got = 0, i;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (got < sizeof b) {
		ssize_t n = read(fd, b + got, sizeof b - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	for (i = 0; i < sizeof b; i++) {
		out[2 * i] = "0123456789abcdef"[b[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[b[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

int cmd_studio(struct cli *cli, int argc, char **argv)
{
	static struct studio s;   /* the server's threads hold it until stopped */
	long port = 0;
	int allow_write = 0, rc, sig;
	strata_db *db = NULL;
	sigset_t stop;
	const char *why;
	ssize_t len;
	const struct opt opts[] = {
		OPT_LONG(0, "port", &port, "N", "listen on 127.0.0.1:N (default: a free port)"),
		OPT_BOOL(0, "allow-write", &allow_write, "let the page apply, roll back and back up"),
		OPT_END(),
	};
	int n = opts_parse(cli, "strata studio [--port N] [--allow-write]", opts, argc, argv);

	if (n < 0)
		return OPTS_EXIT(n);
	if (n > 0) {
		cli_error("studio: unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	if (port < 0 || port > 65535) {
		cli_error("studio: --port must be from 0 (any free port) to 65535, not %ld", port);
		return EXIT_USAGE;
	}
	if (cli->json) {
		cli_error("studio: --json does not apply (the API at /api/ speaks JSON)");
		return EXIT_USAGE;
	}
	/* The HTTP server is loaded for this command alone (src/dl_mhd.c). */
	if ((why = dl_mhd_missing()) != NULL) {
		cli_error("%s", why);
		return EXIT_FAIL;
	}
	/* A wrong URL or a dead server is said now, once, not on every request. */
	if ((rc = cli_check_dir(cli, EXIT_USAGE)) != 0 || (rc = cli_open(cli, &db)) != 0)
		return rc;
	memset(&s, 0, sizeof s);
	s.cli = cli;
	s.engine_pg = !strcmp(strata_engine(db), "postgres");
	strata_close(db);
	s.port = (unsigned)port;
	s.allow_write = allow_write;
	len = readlink("/proc/self/exe", s.exe, sizeof s.exe - 1);
	if (len <= 0 || (size_t)len >= sizeof s.exe - 1) {
		cli_error("studio: cannot find this program's own path (/proc/self/exe)");
		return EXIT_FAIL;
	}
	s.exe[len] = '\0';
	if (make_token(s.token) < 0) {
		cli_error("studio: cannot read /dev/urandom for the token");
		return EXIT_FAIL;
	}
	pthread_mutex_init(&s.write_lock, NULL);

	/* Blocked before the server's threads start, so they inherit it and
	 * the signal comes to sigwait() below. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	if (studio_start(&s) < 0) {
		if (port)
			cli_error("studio: cannot listen on 127.0.0.1:%ld (in use?)", port);
		else
			cli_error("studio: cannot listen on 127.0.0.1");
		pthread_sigmask(SIG_UNBLOCK, &stop, NULL);
		pthread_mutex_destroy(&s.write_lock);
		return EXIT_FAIL;
	}
	snprintf(s.cookie, sizeof s.cookie, "strata_studio_%u", s.port);
	printf("http://127.0.0.1:%u/?token=%s\n", s.port, s.token);
	fflush(stdout);
	if (!cli->quiet)
		fprintf(stderr, "strata studio: %s on http://127.0.0.1:%u/ (%s); Ctrl-C stops it\n",
		        s.engine_pg ? "PostgreSQL" : "SQLite", s.port,
		        s.allow_write ? "writes allowed: up, down, backup" : "read-only");
	while (sigwait(&stop, &sig) != 0)
		;
	studio_stop(&s);
	pthread_mutex_destroy(&s.write_lock);
	if (!cli->quiet)
		fprintf(stderr, "strata studio: stopped\n");
	return EXIT_OK;
}
