/*
 * dl.h: the libraries strata loads when it first needs them (dl.c): libpq
 * and libpg_query for PostgreSQL, libmicrohttpd for `strata studio`
 * (src/dl_mhd.c). Why, and why this way rather than a plugin: dl.c.
 *
 * A file that calls one of them includes dl_pq.h or dl_pg_query.h instead of
 * the library's own header: it keeps the library's names and types, and the
 * names are redirected to a table of function pointers, as sqlite3ext.h
 * redirects sqlite3_* for a loadable extension. Before the first call
 * through a table, the caller asks for its library once:
 *
 *	if ((rc = dl_need_pq(err)) != 0)
 *		return rc;
 *
 * libpq's table is asked for by every way into a connection (driver_pg.c,
 * connect_url), so code holding a PGconn needs no check of its own.
 * libpg_query's is asked for by its splitter (split_pg.c); its table
 * starts out, and stays when the library cannot be loaded, with stand-ins
 * whose results carry the loader's message as their error, so no call is
 * ever through a NULL pointer (lint.c and sandbox.c call it directly).
 */
#ifndef STRATA_DL_H
#define STRATA_DL_H

#include <pthread.h>
#include "driver.h"

/* One library loaded on first use. Filled by dl_load(); never unloaded
 * (a library's own thread-local and atexit state outlives any call). */
struct dl_lib {
	const char *what;       /* what needs it: "PostgreSQL support" */
	const char *soname;     /* what dlopen() is given: "libpq.so.5" */
	const char *key;        /* its short name, for the test seam: "libpq" */
	/* Look up every function in handle (dl_sym) into the table; returns
	 * the name of the first one missing, or NULL. */
	const char *(*bind)(void *handle);
	pthread_once_t once;
	int rc;                 /* 0, or STRATA_EUNSUPPORTED */
	char msg[384];          /* why not, one line */
};
#define DL_LIB_INIT(what, soname, key, bind) { what, soname, key, bind, PTHREAD_ONCE_INIT, 0, "" }

/* For bind(): the address of the function name in handle, or NULL. */
void *dl_sym(void *handle, const char *name);

/* Called from lib's pthread_once routine: dlopen() it and bind it. The
 * outcome is kept in lib->rc and lib->msg. */
void dl_load(struct dl_lib *lib);

/*
 * 0 when libpq (libpg_query) is loaded, loading it on the first call
 * (thread-safe; later calls cost one check); else STRATA_EUNSUPPORTED with
 * err (when not NULL) saying "PostgreSQL support needs libpq.so.5: why".
 */
int dl_need_pq(struct drv_err *err);
int dl_need_pg_query(struct drv_err *err);

#endif
