/*
 * scratch.h: scratch databases, where the declarative commands turn schema
 * files and migration directories into schema models (scratch.c), and the
 * sandbox a schema file runs in there (sandbox.c).
 */
#ifndef STRATA_SCRATCH_H
#define STRATA_SCRATCH_H

#include "internal.h"

struct scratch {
	drv_conn *conn;
	struct strata_url url;
	char name[64];      /* the database we made on the server, for messages */
	int drop;           /* made by us: drop it when done */
	int dev;            /* the user's --dev-url: take out what we made in it */
	/* What of a dev database a run may change and must give back, as its
	 * driver noted it (drv_dev_save; PostgreSQL: the public schema's
	 * comment, owner and ACL); NULL: nothing. */
	void *dev_state;
};

/*
 * Open a scratch database for db's engine into *s (zeroed first).
 * SQLite: a private in-memory database, always; a dev_url is checked as
 * below but never written to. PostgreSQL: dev_url when given, else a
 * database made for the occasion on db's server. A dev_url must be of db's
 * engine, must not be db's database, however spelt (the servers are asked,
 * not the URLs compared; SQLite: the files), and must hold no user object;
 * on PostgreSQL it is locked for the run. Errors are on db's handle:
 * STRATA_EUSAGE for a dev database refused, STRATA_ELOCKED when another run
 * holds it. On failure nothing is left open.
 */
int scratch_open(strata_db *db, const char *dev_url, struct scratch *s);

/*
 * Close s: a database we made is dropped; a --dev-url database is emptied of
 * what this run made there, and of nothing else. What cannot be dropped is
 * named in a warning on db's log; db's error is left alone. NULL conn is fine.
 */
void scratch_close(strata_db *db, struct scratch *s);

/*
 * Run the desired-state schema file text (read from path) in the scratch
 * database c, allowing schema definition only (docs/security.md): SQLite
 * through an authorizer, PostgreSQL by parsing every statement first.
 * A statement outside it is refused with STRATA_EPARSE, "path:LINE: ...";
 * SQL the engine rejects is STRATA_EPARSE as well. Migration replays do not
 * come here: the migrations directory is trusted input.
 *
 * PostgreSQL makes every materialized view WITH NO DATA, so that no query of
 * the file runs; those the file leaves populated are appended to populated
 * as schema, name pairs (two entries each), for the caller to mark in the
 * model it reads back. SQLite appends nothing.
 */
struct schema_names;
int sandbox_exec(strata_db *db, drv_conn *c, const char *text, const char *path,
                 struct schema_names *populated);

#endif
