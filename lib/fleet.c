/*
 * fleet.c: one command over many databases (strata_fleet()), and the specs
 * that name them (strata_fleet_targets()).
 *
 * Workers are threads, each opening its own handle per target: a handle is
 * used by one thread at a time and the library keeps no global state, so
 * targets share nothing but what this file lends them read-only (the
 * migration files, read and checked once: struct migration_shared) and what
 * it guards with one mutex (the next target to take, the counters, the
 * caller's callback and log). A target's failure is its own: it is recorded
 * and the others go on; canary and max_failures only decide whether more
 * targets are started, never stop one that runs.
 */
#include "internal.h"
#include "migration.h"

#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

/* ---- the spec --------------------------------------------------------- */

struct strv {
	char **v;
	size_t n, cap;
	int nomem;
};

static void strv_push(struct strv *s, char *str)
{
	if (!str || s->nomem) {
		free(str);
		s->nomem = 1;
		return;
	}
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof *v);
		if (!v) {
			free(str);
			s->nomem = 1;
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
}

static void strv_release(struct strv *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %XX decoded into sb; -1 for a '%' that starts no escape (or a NUL). */
static int pct_decode_into(struct sbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '%') {
			int h = hexval((unsigned char)s[1]), l = h < 0 ? -1 : hexval((unsigned char)s[2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return -1;
			sbuf_addc(sb, (char)(h * 16 + l));
			s += 2;
		} else {
			sbuf_addc(sb, *s);
		}
	}
	return 0;
}

/* A file path as the path of a sqlite: URL: what url_parse() would read
 * otherwise ('%', '?', '#') escaped. */
static char *sqlite_url_of(const char *path)
{
	struct sbuf sb = SBUF_INIT;
	const char *p;

	sbuf_adds(&sb, "sqlite:");
	for (p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			sbuf_addf(&sb, "%%%02X", (unsigned char)*p);
		else
			sbuf_addc(&sb, *p);
	}
	return sbuf_detach(&sb);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && strcmp(s + n - m, tail) == 0;
}

static int targets_glob(strata_db *db, const char *spec, struct strv *out)
{
	const char *pat = spec + 7;
	glob_t g;
	size_t i;
	int r;

	if (strncmp(pat, "//", 2) == 0)
		pat += 2;
	if (!*pat)
		return db_error(db, STRATA_EUSAGE, "fleet spec '%s' has no file pattern", spec);
	memset(&g, 0, sizeof g);
	r = glob(pat, 0, NULL, &g);
	if (r == GLOB_NOSPACE) {
		globfree(&g);
		return db_error(db, STRATA_ENOMEM, "out of memory");
	}
	if (r != 0 && r != GLOB_NOMATCH) {
		globfree(&g);
		return db_error(db, STRATA_EIO, "fleet spec '%s': cannot read the folders of the pattern",
		                spec);
	}
	for (i = 0; r == 0 && i < g.gl_pathc; i++) {
		const char *p = g.gl_pathv[i];
		/* SQLite's own files beside a database are not databases */
		if (ends_with(p, "-wal") || ends_with(p, "-shm") || ends_with(p, "-journal"))
			continue;
		strv_push(out, sqlite_url_of(p));
	}
	globfree(&g);
	if (out->nomem)
		return db_error(db, STRATA_ENOMEM, "out of memory");
	if (!out->n)
		return db_error(db, STRATA_EUSAGE, "fleet spec '%s': no file matches", spec);
	return 0;
}

static int targets_file(strata_db *db, const char *spec, struct strv *out)
{
	const char *path = spec + 1, *p, *end;
	struct sbuf text = SBUF_INIT;
	long line = 0;
	size_t *lines = NULL;
	int rc;

	if (!*path)
		return db_error(db, STRATA_EUSAGE, "fleet spec '@' names no file");
	rc = util_read_file(path, &text);
	if (rc) {
		int e = errno;
		sbuf_release(&text);
		if (rc == STRATA_ENOMEM)
			return db_error(db, rc, "out of memory");
		return db_error(db, rc, "cannot read %s: %s", path, util_file_strerror(e));
	}
	for (p = text.buf, end = text.buf + text.len; p < end && !rc; p++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *a, *b;
		size_t i;
		char *url;

		if (!nl)
			nl = end;
		line++;
		for (a = p; a < nl && (*a == ' ' || *a == '\t'); a++)
			;
		for (b = nl; b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'); b--)
			;
		p = nl;
		if (a == b || *a == '#')
			continue;
		url = sbuf_strndup(a, (size_t)(b - a));
		if (!url || memchr(a, '\0', (size_t)(b - a))) {
			free(url);
			rc = url ? db_error(db, STRATA_EPARSE, "%s:%ld: a NUL byte", path, line)
			         : db_error(db, STRATA_ENOMEM, "out of memory");
			break;
		}
		if (!strata_url_engine(url)) {
			char *red = url_redact(url);
			struct sbuf shown = SBUF_INIT;
			sbuf_adds(&shown, red ? red : "");
			sbuf_escape_controls(&shown, 0);
			if (shown.len > 80)
				sbuf_truncate(&shown, 80);
			rc = db_error(db, STRATA_EPARSE, "%s:%ld: not a database URL: '%s'", path, line,
			              shown.buf);
			sbuf_release(&shown);
			free(red);
			free(url);
			break;
		}
		for (i = 0; i < out->n; i++)
			if (strcmp(out->v[i], url) == 0)
				break;
		if (i < out->n) {
			rc = db_error(db, STRATA_EPARSE, "%s:%ld: the same database as line %ld", path, line,
			              (long)lines[i]);
			free(url);
			break;
		}
		strv_push(out, url);
		{
			size_t *nl2 = realloc(lines, out->cap * sizeof *lines);
			if (!nl2 || out->nomem) {
				free(nl2 ? nl2 : lines);
				lines = NULL;
				rc = db_error(db, STRATA_ENOMEM, "out of memory");
				break;
			}
			lines = nl2;
			lines[out->n - 1] = (size_t)line;
		}
	}
	free(lines);
	sbuf_release(&text);
	if (!rc && !out->n)
		rc = db_error(db, STRATA_EUSAGE, "%s lists no database", path);
	return rc;
}

/* base (a postgres:// URL without sql) with its database replaced by name. */
static char *pg_url_with_db(const char *base, const char *name)
{
	struct sbuf sb = SBUF_INIT;
	const char *auth = strstr(base, "://") + 3, *path = auth + strcspn(auth, "/?");
	const char *query = path + strcspn(path, "?");
	const unsigned char *c;

	sbuf_add(&sb, base, (size_t)(path - base));
	sbuf_addc(&sb, '/');
	for (c = (const unsigned char *)name; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    *c == '-' || *c == '_' || *c == '.' || *c == '~')
			sbuf_addc(&sb, (char)*c);
		else
			sbuf_addf(&sb, "%%%02X", *c);
	}
	sbuf_adds(&sb, query);
	return sbuf_detach(&sb);
}

static int targets_pg_query(strata_db *db, const char *spec, struct strv *out)
{
	const char *url = spec + 9, *q, *s = NULL;
	struct sbuf base = SBUF_INIT, sql = SBUF_INIT;
	struct strata_url u;
	struct drv_err e;
	drv_conn *c = NULL;
	struct drv_rows *rows = NULL;
	int rc = 0, began = 0;
	size_t i;

	memset(&u, 0, sizeof u);
	drv_err_init(&e);
	if (strncmp(url, "postgres://", 11) != 0 && strncmp(url, "postgresql://", 13) != 0) {
		rc = db_error(db, STRATA_EUSAGE, "fleet spec pg-query: needs a postgres:// URL "
		              "(pg-query:postgres://HOST/DB?sql=SELECT ...)");
		goto out;
	}
	q = strchr(url, '?');
	for (; q; q = strchr(q + 1, '&'))
		if (strncmp(q + 1, "sql=", 4) == 0) {
			s = q;
			break;
		}
	if (!s || !s[5]) {
		rc = db_error(db, STRATA_EUSAGE, "fleet spec pg-query: has no sql= parameter "
		              "(pg-query:postgres://HOST/DB?sql=SELECT ...)");
		goto out;
	}
	sbuf_add(&base, url, (size_t)(s - url));
	if (pct_decode_into(&sql, s + 5) != 0) {
		rc = db_error(db, STRATA_EUSAGE, "fleet spec pg-query: its sql has a '%%' that starts "
		              "no %%XX escape");
		goto out;
	}
	if (sbuf_failed(&base) || sbuf_failed(&sql)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = url_parse(base.buf, &u, &e)) != 0) {
		rc = db_error_drv(db, &e, "fleet spec pg-query:");
		goto out;
	}
	{
		struct drv_open_opts o;
		memset(&o, 0, sizeof o);
		o.busy_timeout_ms = db->busy_timeout_ms;
		o.log = db->log;
		o.log_payload = db->log_payload;
		if ((rc = drv_open(&c, &u, &o, &e)) != 0) {
			rc = db_error_drv(db, &e, NULL);
			goto out;
		}
	}
	/* The query only lists databases: it gets no chance to change one. */
	if ((rc = drv_begin(c, &e)) != 0 || (began = 1, rc = drv_exec(c, "SET TRANSACTION READ ONLY", &e)) != 0 ||
	    (rc = drv_query(c, sql.buf, NULL, 0, &rows, &e)) != 0) {
		rc = db_error_drv(db, &e, "fleet spec pg-query: the query failed");
		goto out;
	}
	if (!rows || rows->ncols < 1) {
		rc = db_error(db, STRATA_EUSAGE, "fleet spec pg-query: the query returns no column");
		goto out;
	}
	for (i = 0; i < rows->nrows && !out->nomem; i++) {
		const char *v = drv_cell(rows, i, 0);
		size_t j;
		char *t;
		if (!v || !*v) {
			rc = db_error(db, STRATA_EPARSE, "fleet spec pg-query: row %zu is empty", i + 1);
			goto out;
		}
		t = strata_url_engine(v) ? strdup(v) : pg_url_with_db(base.buf, v);
		for (j = 0; t && j < out->n; j++)
			if (strcmp(out->v[j], t) == 0)
				break;
		if (t && j < out->n) {
			free(t);
			continue;  /* a query may well name a database twice */
		}
		strv_push(out, t);
	}
	if (out->nomem) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	if (!out->n)
		rc = db_error(db, STRATA_EUSAGE, "fleet spec pg-query: the query returns no row");
out:
	if (began) {
		struct drv_err e2;
		drv_err_init(&e2);
		drv_rollback(c, &e2);
		drv_err_release(&e2);
	}
	drv_rows_free(rows);
	if (c)
		drv_close(c);
	url_release(&u);
	drv_err_release(&e);
	sbuf_release(&base);
	sbuf_release(&sql);
	return rc;
}

int strata_fleet_targets(strata_db *db, const char *spec, char ***out, size_t *n)
{
	struct strv v = { 0 };
	int rc;

	*out = NULL;
	*n = 0;
	db_clear_error(db);
	if (!spec || !*spec)
		return db_error(db, STRATA_EUSAGE, "no fleet spec");
	if (strncmp(spec, "sqlite:", 7) == 0)
		rc = targets_glob(db, spec, &v);
	else if (spec[0] == '@')
		rc = targets_file(db, spec, &v);
	else if (strncmp(spec, "pg-query:", 9) == 0)
		rc = targets_pg_query(db, spec, &v);
	else
		rc = db_error(db, STRATA_EUSAGE, "fleet spec '%s' is none of sqlite:GLOB, @FILE, "
		              "pg-query:URL?sql=...", spec);
	if (rc) {
		strv_release(&v);
		return rc;
	}
	*out = v.v;
	*n = v.n;
	return 0;
}

/* ---- the run ---------------------------------------------------------- */

struct fleet {
	pthread_mutex_t mu;
	strata_db *lead;
	const char *const *urls;
	const strata_fleet_opts *opts;
	struct migration_shared *shared;   /* NULL: verify, lint read files themselves */
	strata_fleet_report *r;
	size_t next, limit, done;
};

/* A target's notices reach the caller's log prefixed by its URL, one at a
 * time. */
struct target_log {
	struct fleet *f;
	const char *url;
};

static void target_log(void *payload, int level, const char *msg)
{
	struct target_log *t = payload;
	struct sbuf sb = SBUF_INIT;

	sbuf_addf(&sb, "%s: %s", t->url, msg);
	pthread_mutex_lock(&t->f->mu);
	t->f->lead->log(t->f->lead->log_payload, level, sbuf_failed(&sb) ? msg : sb.buf);
	pthread_mutex_unlock(&t->f->mu);
	sbuf_release(&sb);
}

static int stopping(const struct fleet *f)
{
	const strata_fleet_opts *o = f->opts;

	return (o->stop && *o->stop) || (o->max_failures && f->r->failed >= o->max_failures);
}

/* Run the command on one opened target; count and outcome into res. */
static int run_command(struct fleet *f, strata_db *t, strata_fleet_result *res)
{
	const strata_fleet_opts *o = f->opts;
	strata_report *rep = NULL;
	int rc = 0;
	size_t i;

	switch (o->command) {
	case STRATA_FLEET_UP:
		rc = strata_up(t, o->up, &rep);
		if (!rc && rep)
			res->count = (long)rep->n;
		break;
	case STRATA_FLEET_DOWN:
		rc = strata_down(t, o->down, &rep);
		if (!rc && rep)
			res->count = (long)rep->n;
		break;
	case STRATA_FLEET_STATUS:
		rc = strata_status(t, &rep);
		for (i = 0; !rc && rep && i < rep->n; i++) {
			strata_state s = rep->entries[i].state;
			if (s == STRATA_PENDING)
				res->count++;
			else if (s != STRATA_APPLIED)
				res->outcome = STRATA_FLEET_FOUND;
		}
		break;
	case STRATA_FLEET_VERIFY: {
		strata_plan *p = NULL;
		rc = strata_verify(t, o->dev_url, &p);
		if ((!rc || rc == STRATA_EDRIFT) && p)
			res->count = (long)p->n;
		if (rc == STRATA_EDRIFT) {
			res->outcome = STRATA_FLEET_FOUND;
			res->code = rc;
			rc = 0;
		}
		strata_plan_free(p);
		break;
	}
	case STRATA_FLEET_LINT: {
		strata_lint_report *l = NULL;
		rc = strata_lint(t, o->lint, &l);
		if (!rc && l) {
			res->count = (long)l->n;
			if (l->errors)
				res->outcome = STRATA_FLEET_FOUND;
		}
		strata_lint_report_free(l);
		break;
	}
	}
	strata_report_free(rep);
	return rc;
}

static void run_one(struct fleet *f, size_t i)
{
	strata_fleet_result *res = &f->r->results[i];
	strata_config cfg = STRATA_CONFIG_INIT;
	struct target_log tl;
	strata_db *t = NULL;
	long t0 = util_ms();
	int rc;

	tl.f = f;
	tl.url = res->url ? res->url : "";
	cfg.dir = f->lead->dir;
	cfg.table = f->lead->table;
	cfg.pg_schema = f->lead->pg_schema;
	cfg.lock_timeout_ms = f->lead->lock_timeout_ms;
	cfg.statement_timeout_ms = f->lead->statement_timeout_ms;
	cfg.busy_timeout_ms = f->lead->busy_timeout_ms;
	cfg.keep_backups = f->lead->keep_backups;
	cfg.no_backup = f->lead->no_backup;
	cfg.source = f->lead->source;
	cfg.log = f->lead->log ? target_log : NULL;
	cfg.log_payload = &tl;
	/* A fleet names databases that exist: a missing one is a failure of
	 * its own, never a new empty file. */
	cfg.no_create = 1;
	rc = strata_open(&t, f->urls[i], &cfg);
	if (!rc) {
		t->shared = f->shared;
		rc = run_command(f, t, res);
	}
	res->duration_ms = util_ms() - t0;
	if (rc) {
		res->outcome = STRATA_FLEET_FAILED;
		res->code = rc;
		res->error = strdup(t ? strata_errmsg(t) : "out of memory");
	}
	strata_close(t);

	pthread_mutex_lock(&f->mu);
	switch (res->outcome) {
	case STRATA_FLEET_OK: f->r->ok++; break;
	case STRATA_FLEET_FOUND: f->r->found++; break;
	case STRATA_FLEET_FAILED: f->r->failed++; break;
	case STRATA_FLEET_SKIPPED: f->r->skipped++; break;
	}
	f->done++;
	if (f->opts->on_result)
		f->opts->on_result(f->opts->payload, res, f->done, f->r->n);
	pthread_mutex_unlock(&f->mu);
}

static void *worker(void *arg)
{
	struct fleet *f = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&f->mu);
		if (f->next >= f->limit || stopping(f)) {
			pthread_mutex_unlock(&f->mu);
			return NULL;
		}
		i = f->next++;
		pthread_mutex_unlock(&f->mu);
		run_one(f, i);
	}
}

/* Targets [next, limit) with up to jobs threads; the calling thread is one
 * of them. */
static int run_phase(struct fleet *f, size_t limit, int jobs)
{
	pthread_t *th;
	int k, started = 0;

	f->limit = limit;
	if ((size_t)jobs > limit - f->next)
		jobs = (int)(limit - f->next);
	if (jobs < 1)
		return 0;
	th = calloc((size_t)jobs, sizeof *th);
	if (!th)
		return STRATA_ENOMEM;
	for (k = 1; k < jobs; k++) {
		if (pthread_create(&th[k], NULL, worker, f) != 0)
			break;  /* fewer workers, same work */
		started++;
	}
	worker(f);
	for (k = 1; k <= started; k++)
		pthread_join(th[k], NULL);
	free(th);
	return 0;
}

void strata_fleet_report_free(strata_fleet_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free((char *)r->results[i].url);
		free((char *)r->results[i].error);
	}
	free(r->results);
	free(r);
}

static void shared_release(struct migration_shared *s)
{
	if (!s)
		return;
	migrations_release(&s->set);
	free(s->sum_err);
	free(s);
}

static int shared_load(strata_db *db, struct migration_shared **out)
{
	struct migration_shared *s = calloc(1, sizeof *s);
	struct sbuf err = SBUF_INIT;
	int rc;

	*out = NULL;
	if (!s)
		return db_error(db, STRATA_ENOMEM, "out of memory");
	rc = migrations_load(db->dir, &s->set, &err);
	if (rc) {
		db_error(db, rc, "%s", sbuf_failed(&err) ? "out of memory" : err.buf);
		if (rc == STRATA_ENOTFOUND && access(db->dir, F_OK) != 0 && errno == ENOENT)
			db_why(db, STRATA_WHY_NO_DIR, db->dir, NULL, NULL);
		sbuf_release(&err);
		free(s);
		return rc;
	}
	sbuf_reset(&err);
	s->sum_rc = sum_check(db->dir, &s->set, &err);
	if (s->sum_rc && !sbuf_failed(&err))
		s->sum_err = strdup(err.buf);
	sbuf_release(&err);
	*out = s;
	return 0;
}

int strata_fleet(strata_db *db, const char *const *urls, size_t n, const strata_fleet_opts *opts,
                 strata_fleet_report **out)
{
	static const strata_fleet_opts defaults = STRATA_FLEET_OPTS_INIT;
	struct fleet f;
	strata_fleet_report *r = NULL;
	long t0 = util_ms();
	size_t i;
	int rc, jobs;

	*out = NULL;
	db_clear_error(db);
	if (!opts)
		opts = &defaults;
	if ((rc = db_check_version(db, "strata_fleet_opts", opts->version, STRATA_FLEET_OPTS_VERSION)) != 0)
		return rc;
	if (opts->command < STRATA_FLEET_UP || opts->command > STRATA_FLEET_LINT)
		return db_error(db, STRATA_EUSAGE, "unknown fleet command %d", (int)opts->command);
	if (!urls || !n)
		return db_error(db, STRATA_EUSAGE, "no database to run on");
	if (opts->jobs < 0)
		return db_error(db, STRATA_EUSAGE, "jobs is negative");
	jobs = opts->jobs;
	if (!jobs) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = c > 0 ? (int)(c > 256 ? 256 : c) : 1;
	}
	/* A SQLite built without threads cannot be shared between them. */
	if (!sqlite3_threadsafe())
		jobs = 1;

	memset(&f, 0, sizeof f);
	f.lead = db;
	f.urls = urls;
	f.opts = opts;
	/* Read and check the files once, before any target: a bad file is
	 * every target's failure, and no database is opened for it. */
	/* (Compiled-in migrations, strata_config.source, are in memory
	 * already: each target reads them from there.) */
	if (!db->source && (opts->command == STRATA_FLEET_UP || opts->command == STRATA_FLEET_DOWN ||
	                    opts->command == STRATA_FLEET_STATUS)) {
		if ((rc = shared_load(db, &f.shared)) != 0)
			return rc;
		if (opts->command == STRATA_FLEET_UP && f.shared->sum_rc) {
			rc = db_error(db, f.shared->sum_rc, "%s",
			              f.shared->sum_err ? f.shared->sum_err : "out of memory");
			if (rc == STRATA_ECHECKSUM)
				db_why(db, STRATA_WHY_SUM_STALE, NULL, NULL, NULL);
			shared_release(f.shared);
			return rc;
		}
	}

	r = calloc(1, sizeof *r);
	if (r)
		r->results = calloc(n, sizeof *r->results);
	if (!r || !r->results) {
		free(r);
		shared_release(f.shared);
		return db_error(db, STRATA_ENOMEM, "out of memory");
	}
	r->n = n;
	for (i = 0; i < n; i++) {
		r->results[i].index = i;
		r->results[i].url = url_redact(urls[i] ? urls[i] : "");
		if (!r->results[i].url) {
			strata_fleet_report_free(r);
			shared_release(f.shared);
			return db_error(db, STRATA_ENOMEM, "out of memory");
		}
	}
	f.r = r;
	if (pthread_mutex_init(&f.mu, NULL) != 0) {
		strata_fleet_report_free(r);
		shared_release(f.shared);
		return db_error(db, STRATA_ERROR, "cannot create a mutex");
	}

	rc = 0;
	if (opts->canary) {
		size_t c = opts->canary < n ? opts->canary : n;
		rc = run_phase(&f, c, jobs);
	}
	if (!rc && !(opts->canary && r->failed))
		rc = run_phase(&f, n, jobs);
	pthread_mutex_destroy(&f.mu);
	shared_release(f.shared);
	if (rc) {
		strata_fleet_report_free(r);
		return db_error(db, rc, "out of memory");
	}
	for (i = f.next; i < n; i++) {
		r->results[i].outcome = STRATA_FLEET_SKIPPED;
		r->skipped++;
	}
	r->stopped = opts->stop && *opts->stop;
	r->total_ms = util_ms() - t0;
	*out = r;
	if (r->failed || r->skipped) {
		if (r->skipped)
			return db_error(db, STRATA_ERROR, "%zu of %zu databases failed, %zu not run%s",
			                r->failed, n, r->skipped,
			                r->stopped ? " (stopped)" :
			                opts->canary && f.next <= opts->canary ? " (a canary failed)" :
			                " (too many failures)");
		return db_error(db, STRATA_ERROR, "%zu of %zu databases failed", r->failed, n);
	}
	if (r->found)
		return db_error(db, STRATA_EDRIFT, "%zu of %zu databases %s", r->found, n,
		                opts->command == STRATA_FLEET_LINT ? "have lint errors" :
		                opts->command == STRATA_FLEET_STATUS ? "have edited, missing or failed "
		                "migrations" : "differ from their migrations");
	return 0;
}
