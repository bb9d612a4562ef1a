/*
 * dl.c: libpq and libpg_query, loaded with dlopen() the first time strata
 * needs them, not by the dynamic linker at every start.
 *
 * Why: most runs never touch PostgreSQL (every `status` and `up` on SQLite,
 * every app that embeds libstrata for its SQLite file), yet linked in, libpq
 * brings GnuTLS, Kerberos, LDAP and SASL with it (30 shared objects in all),
 * and libpg_query's 2.7 MB: the dynamic linker mapped and relocated them
 * before main(), 12.6 million instructions of every run, and more time than
 * that in page faults (docs/architecture.md, docs/benchmarks.md). Loaded
 * here, a SQLite run maps none of them.
 *
 * Why not a PostgreSQL plugin (the driver, introspection and planner in a
 * shared object of their own): libstrata is also a static library that
 * applications link into one binary, where a plugin would be a second file
 * to ship and find; and the PostgreSQL code is not only the driver (lint
 * and the declarative sandbox parse SQL with libpg_query too). Loading the
 * two libraries themselves keeps every strata file where it is and changes
 * only how their names are reached (dl_pq.h, dl_pg_query.h).
 *
 * Each library is loaded once per process (pthread_once: fleet workers may
 * ask at the same time) and never unloaded. The name given to dlopen() is
 * the library's soname as found at build time (meson.build), so the library
 * loaded is the ABI strata was compiled against. When it is missing, the
 * caller gets one line, "PostgreSQL support needs libpq.so.5: <dlerror>",
 * STRATA_EUNSUPPORTED, and nothing has been touched.
 *
 * Test builds (STRATA_FAULT_INJECTION) read STRATA_TEST_DLOPEN_FAIL, a
 * comma-separated list of keys (libpq, libpg_query, libmicrohttpd): those
 * are loaded from a path that does not exist, so the real failure path
 * runs. A release build reads no such variable.
 */
#include "dl.h"
#include "dl_pg_query.h"
#include "dl_pq.h"
#include "sbuf.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#ifndef STRATA_LIBPQ_SONAME
#error "STRATA_LIBPQ_SONAME: meson.build defines it"
#endif
#ifndef STRATA_LIBPG_QUERY_SONAME
#error "STRATA_LIBPG_QUERY_SONAME: meson.build defines it"
#endif

void *dl_sym(void *handle, const char *name)
{
	return dlsym(handle, name);
}

#ifdef STRATA_FAULT_INJECTION
static int fail_for_test(const char *key)
{
	const char *v = getenv("STRATA_TEST_DLOPEN_FAIL");
	size_t kl = strlen(key);

	while (v && *v) {
		size_t n = strcspn(v, ",");
		if (n == kl && strncmp(v, key, n) == 0)
			return 1;
		v += n + (v[n] == ',');
	}
	return 0;
}
#endif

/* lib->msg = what needs soname: why, on one line. */
static void say_missing(struct dl_lib *lib, const char *why)
{
	struct sbuf sb = SBUF_INIT;
	size_t n;

	sbuf_addf(&sb, "%s needs %s: ", lib->what, lib->soname);
	drv_add_flat(&sb, why && *why ? why : "cannot be loaded");
	n = sbuf_failed(&sb) ? 0 : sb.len;
	if (n >= sizeof lib->msg)
		n = sizeof lib->msg - 1;
	memcpy(lib->msg, sb.buf, n);
	lib->msg[n] = '\0';
	if (!n)
		memcpy(lib->msg, "a library cannot be loaded", sizeof "a library cannot be loaded");
	sbuf_release(&sb);
}

void dl_load(struct dl_lib *lib)
{
	const char *name = lib->soname, *missing;
	struct sbuf path = SBUF_INIT;
	void *h;

#ifdef STRATA_FAULT_INJECTION
	if (fail_for_test(lib->key)) {
		sbuf_addf(&path, "/nonexistent/strata-test/%s", lib->soname);
		name = sbuf_failed(&path) ? "/nonexistent" : path.buf;
	}
#endif
	/* RTLD_NOW: a library that cannot resolve its own dependencies fails
	 * here, in one message, not at some later call. RTLD_LOCAL: its symbols
	 * stay out of the global namespace (an application's own PQexec, or
	 * another copy of libpq, is not disturbed). */
	h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		say_missing(lib, dlerror());
		lib->rc = STRATA_EUNSUPPORTED;
	} else if ((missing = lib->bind(h)) != NULL) {
		struct sbuf why = SBUF_INIT;
		sbuf_addf(&why, "it has no function %s (too old a version?)", missing);
		say_missing(lib, why.buf);
		sbuf_release(&why);
		lib->rc = STRATA_EUNSUPPORTED;
		/* bind() writes the table only whole, so it is as it was. The
		 * library stays loaded: unloading what dlopen() ran the
		 * constructors of is not worth the risk for a failure path. */
	}
	sbuf_release(&path);
}

static int need(struct dl_lib *lib, void (*once)(void), struct drv_err *err)
{
	pthread_once(&lib->once, once);
	if (lib->rc && err)
		drv_fail_text(err, lib->rc, NULL, lib->msg);
	return lib->rc;
}

/* ---- libpq ---------------------------------------------------------------- */

/* Until libpq is loaded, and for good when it cannot be, the table holds
 * NULL but for the four functions that release things: every way out of a
 * failed connect calls them on NULL, which they take (as libpq's do). */
static void missing_clear(PGresult *r)
{
	(void)r;
}

static void missing_finish(PGconn *c)
{
	(void)c;
}

static void missing_freemem(void *p)
{
	(void)p;
}

static void missing_conninfo_free(PQconninfoOption *o)
{
	(void)o;
}

struct dl_pq_api dl_pq_api = {
	.f_PQclear = missing_clear,
	.f_PQconninfoFree = missing_conninfo_free,
	.f_PQfinish = missing_finish,
	.f_PQfreemem = missing_freemem,
};

static const char *pq_bind(void *h)
{
	struct dl_pq_api t;

	/* Filled aside, copied whole: the global table is written only
	 * complete. */
#define DL_PQ_BIND(f) \
	if (!(*(void **)(&t.f_##f) = dl_sym(h, #f))) \
		return #f;
	DL_PQ_FUNCS(DL_PQ_BIND)
#undef DL_PQ_BIND
	dl_pq_api = t;
	return NULL;
}

static struct dl_lib pq_lib = DL_LIB_INIT("PostgreSQL support", STRATA_LIBPQ_SONAME, "libpq", pq_bind);

static void pq_once(void)
{
	dl_load(&pq_lib);
}

int dl_need_pq(struct drv_err *err)
{
	return need(&pq_lib, pq_once, err);
}

/* ---- libpg_query ------------------------------------------------------------ */

static struct dl_lib pg_query_lib;

/* The stand-ins: what every libpg_query call returns while the library is
 * not there. Their error is one constant object (its message is the
 * loader's, written before any stand-in can be reached); the frees free
 * nothing. */
static PgQueryError missing_error_obj = {
	pg_query_lib.msg, (char *)"dl_pg_query", (char *)"dl.c", 0, 0, NULL
};

static PgQueryError *missing_error(void)
{
	return &missing_error_obj;
}

static PgQueryParseResult missing_parse(const char *input)
{
	PgQueryParseResult r = { NULL, NULL, missing_error() };

	(void)input;
	return r;
}

static PgQueryPlpgsqlParseResult missing_parse_plpgsql(const char *input)
{
	PgQueryPlpgsqlParseResult r = { NULL, missing_error() };

	(void)input;
	return r;
}

static PgQuerySplitResult missing_split(const char *input)
{
	PgQuerySplitResult r;

	(void)input;
	memset(&r, 0, sizeof r);
	r.error = missing_error();
	return r;
}

static void missing_free_parse(PgQueryParseResult r)
{
	(void)r;
}

static void missing_free_plpgsql(PgQueryPlpgsqlParseResult r)
{
	(void)r;
}

static void missing_free_split(PgQuerySplitResult r)
{
	(void)r;
}

static struct dl_pg_query_api pg_query_api = {
	.f_pg_query_free_parse_result = missing_free_parse,
	.f_pg_query_free_plpgsql_parse_result = missing_free_plpgsql,
	.f_pg_query_free_split_result = missing_free_split,
	.f_pg_query_parse = missing_parse,
	.f_pg_query_parse_plpgsql = missing_parse_plpgsql,
	.f_pg_query_split_with_parser = missing_split,
	.f_pg_query_split_with_scanner = missing_split,
};

static const char *pg_query_bind(void *h)
{
	struct dl_pg_query_api t;

#define DL_PG_QUERY_BIND(f) \
	if (!(*(void **)(&t.f_##f) = dl_sym(h, #f))) \
		return #f;
	DL_PG_QUERY_FUNCS(DL_PG_QUERY_BIND)
#undef DL_PG_QUERY_BIND
	pg_query_api = t;
	return NULL;
}

static struct dl_lib pg_query_lib = DL_LIB_INIT("PostgreSQL SQL parsing", STRATA_LIBPG_QUERY_SONAME,
                                                "libpg_query", pg_query_bind);

static void pg_query_once(void)
{
	dl_load(&pg_query_lib);
}

int dl_need_pg_query(struct drv_err *err)
{
	return need(&pg_query_lib, pg_query_once, err);
}

const struct dl_pg_query_api *dl_pg_query(void)
{
	pthread_once(&pg_query_lib.once, pg_query_once);
	return &pg_query_api;
}
