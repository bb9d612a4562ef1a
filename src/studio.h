/*
 * studio.h: what the files of `strata studio` share. cmd_studio.c is the
 * command (options, start, Ctrl-C); studio.c is the HTTP server (who may
 * ask, what is served); studio_api.c answers /api/ (each document from the
 * CLI command that prints it); the page itself (the .html, .js and .css
 * files in src/studio/) is compiled in as studio_files[] by scripts/embed-files.
 */
#ifndef STRATA_STUDIO_H
#define STRATA_STUDIO_H

#include <stddef.h>
#include <pthread.h>

/* One file of the page, embedded at build time (studio_page.c). */
struct studio_file {
	const char *path;           /* "/index.html" */
	const char *type;           /* its Content-Type */
	const unsigned char *data;
	size_t len;
};
extern const struct studio_file studio_files[];   /* ended by a NULL path */

struct cli;

struct studio {
	struct cli *cli;
	char exe[4096];             /* this program, to run its commands */
	char token[65];             /* 32 random bytes, hex */
	char cookie[40];            /* the cookie's name: strata_studio_PORT */
	unsigned port;
	int allow_write;
	int engine_pg;
	pthread_mutex_t write_lock; /* one write (up, down, backup) at a time */
	struct MHD_Daemon *daemon;
};

/* Limits the server holds every client to (docs/studio.md). */
#define STUDIO_MAX_CONNECTIONS 16
#define STUDIO_IDLE_TIMEOUT 5           /* seconds a connection may stay silent */
#define STUDIO_MAX_REQUEST (32 * 1024)  /* request line and headers, bytes */
#define STUDIO_MAX_BODY 4096            /* a POST's body, bytes (the API needs none) */
#define STUDIO_CHILD_TIMEOUT 120        /* seconds a command may take */

/* An answer: status and body (malloc'd, the caller's), JSON unless type says. */
struct studio_reply {
	unsigned status;
	char *body;
	size_t len;
	const char *type;
};

/* studio.c */
int studio_start(struct studio *s);         /* 0, or -1 with the error said */
void studio_stop(struct studio *s);

/* studio_api.c: answer GET or POST /api/NAME (path without "/api/"); args
 * gives a query argument by name (NULL when absent). */
typedef const char *(*studio_arg_fn)(void *ctx, const char *name);
void studio_api(struct studio *s, const char *method, const char *name, studio_arg_fn arg,
                void *ctx, struct studio_reply *out);
/* {"ok":false,"error":{"message":msg}} with status. */
void studio_reply_error(struct studio_reply *out, unsigned status, const char *msg);

#endif
