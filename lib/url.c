/*
 * url.c: database URLs (docs/urls.md). Decides the engine, finds the SQLite
 * path, and builds the redacted form that is the only one ever printed.
 *
 * PostgreSQL URLs are handed to libpq as they are (libpq parses
 * postgres:// and postgresql:// URIs and fills gaps from PG* variables);
 * here we only check the scheme and hide the password.
 */
#include "driver.h"

#include <stdlib.h>
#include <string.h>

void url_release(struct strata_url *u)
{
	free(u->engine);
	free(u->path);
	free(u->conninfo);
	free(u->redacted);
	memset(u, 0, sizeof *u);
}

/* Percent-decode in place-ish: returns a new string or NULL on a bad escape. */
static char *pct_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;
			if (i + 2 >= n) {
				free(out);
				return NULL;
			}
#define HEXV(c) ((c) >= '0' && (c) <= '9' ? (c) - '0' : \
		 (c) >= 'a' && (c) <= 'f' ? (c) - 'a' + 10 : \
		 (c) >= 'A' && (c) <= 'F' ? (c) - 'A' + 10 : -1)
			hi = HEXV(s[i + 1]);
			lo = HEXV(s[i + 2]);
#undef HEXV
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* 1 if the query key k[0..n) percent-decodes to a key whose value is a
 * secret: libpq's password, or sslpassword (the client key's). */
static int key_is_secret(const char *k, size_t n)
{
	char *d = pct_decode(k, n);
	int yes = d && (strcmp(d, "password") == 0 || strcmp(d, "sslpassword") == 0);

	free(d);
	return yes;
}

/*
 * Where a postgres:// URL holds secrets, reported to fn in increasing order
 * as [off, off+len) spans of url, never overlapping:
 *
 *  - the password of user:password@. libpq ends the user part at the first
 *    '@' before any '/', so a password may hold '?' or '#'. This hides more
 *    when the URL is ambiguous: up to the last '@' before the first '?', when
 *    there is one (a password with '@' written unencoded, "u:p@ss@host").
 *    Hiding too much prints "****" over a host; hiding too little prints the
 *    rest of a password.
 *  - the value of every query parameter whose key decodes to "password" or
 *    "sslpassword", whole, up to the next '&' (libpq reads '#' as part of
 *    the value). The query starts at the first '?' after the user part.
 *
 * Returns the offset where the query starts (the '?'), or strlen(url).
 */
size_t url_secret_spans(const char *url, void (*fn)(void *ctx, size_t off, size_t len), void *ctx)
{
	const char *p = strstr(url, "://"), *first, *last = NULL, *end, *colon, *q, *c;
	size_t n, qlen;

	if (!p)
		return strlen(url);
	p += 3;
	first = p + strcspn(p, "@/");           /* libpq's end of the user part */
	qlen = strcspn(p, "?");
	for (c = p; c < p + qlen; c++)           /* the last '@' before any '?' */
		if (*c == '@')
			last = c;
	end = last ? last : *first == '@' ? first : NULL;
	if (end && (colon = memchr(p, ':', (size_t)(end - p))) != NULL && end > colon + 1)
		fn(ctx, (size_t)(colon + 1 - url), (size_t)(end - colon - 1));
	q = strchr(end ? end : p, '?');
	if (!q)
		return strlen(url);
	for (p = q + 1; *p; p += *p == '&') {
		size_t kl = strcspn(p, "=&");
		n = strcspn(p, "&");
		if (kl < n && key_is_secret(p, kl))
			fn(ctx, (size_t)(p + kl + 1 - url), n - kl - 1);
		p += n;
	}
	return (size_t)(q - url);
}

struct redact_ctx {
	const char *url;
	size_t done;
	struct sbuf sb;
};

static void redact_span(void *ctx, size_t off, size_t len)
{
	struct redact_ctx *r = ctx;

	sbuf_add(&r->sb, r->url + r->done, off - r->done);
	sbuf_adds(&r->sb, "****");
	r->done = off + len;
}

/* The URL with every secret url_secret_spans() finds replaced by "****". */
static char *redact(const char *url)
{
	struct redact_ctx r = { url, 0, SBUF_INIT };

	url_secret_spans(url, redact_span, &r);
	sbuf_adds(&r.sb, url + r.done);
	return sbuf_detach(&r.sb);
}

/*
 * dbmate's `?search_path=a,b` is not a libpq parameter: turn it into
 * libpq's `options=-csearch_path%3Da,b`, so dbmate URLs work unchanged.
 */
static void no_span(void *ctx, size_t off, size_t len)
{
	(void)ctx;
	(void)off;
	(void)len;
}

static char *pg_search_path(const char *url)
{
	struct sbuf sb = SBUF_INIT;
	size_t qoff = url_secret_spans(url, no_span, NULL);
	const char *q = url + qoff, *p, *v;
	size_t vl;

	if (!*q)
		return strdup(url);
	/* the query as libpq reads it: after the user part, so a password
	 * holding '?' or "search_path=" is left alone */
	for (p = q + 1; *p; p += *p == '&') {
		size_t n = strcspn(p, "&");
		if (strncmp(p, "options=", 8) == 0)
			return strdup(url);
		p += n;
	}
	for (p = q + 1; *p; p += *p == '&') {
		if (strncmp(p, "search_path=", 12) == 0)
			break;
		p += strcspn(p, "&");
	}
	if (!*p)
		return strdup(url);
	v = p + 12;
	vl = strcspn(v, "&");
	sbuf_add(&sb, url, (size_t)(p - url));
	sbuf_adds(&sb, "options=-csearch_path%3D");
	sbuf_add(&sb, v, vl);
	sbuf_adds(&sb, v + vl);
	return sbuf_detach(&sb);
}

int url_parse(const char *url, struct strata_url *out, struct drv_err *err)
{
	const char *rest;

	memset(out, 0, sizeof *out);
	if (!url || !*url) {
		drv_err_set(err, STRATA_EURL, "no database URL: give --url or set DATABASE_URL");
		return STRATA_EURL;
	}
	out->redacted = redact(url);
	if (!out->redacted)
		goto nomem;
	if (strncmp(url, "sqlite:", 7) == 0 || strncmp(url, "sqlite3:", 8) == 0) {
		rest = url + (url[6] == ':' ? 7 : 8);
		out->engine = strdup("sqlite");
		/* sqlite:///abs, sqlite://rel is not a thing: sqlite:// + path */
		if (strncmp(rest, "//", 2) == 0)
			rest += 2;
		if (strcmp(rest, ":memory:") == 0 || strcmp(rest, "memory") == 0) {
			out->path = strdup(":memory:");
		} else {
			size_t n = strcspn(rest, "?#");
			if (n == 0) {
				drv_err_set(err, STRATA_EURL, "database URL '%s' has no file path", out->redacted);
				url_release(out);
				return STRATA_EURL;
			}
			out->path = pct_decode(rest, n);
			if (!out->path) {
				drv_err_set(err, STRATA_EURL, "database URL '%s' has a bad %% escape", out->redacted);
				url_release(out);
				return STRATA_EURL;
			}
		}
		if (!out->engine || !out->path)
			goto nomem;
		return 0;
	}
	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
		out->engine = strdup("postgres");
		out->conninfo = pg_search_path(url);
		if (!out->engine || !out->conninfo)
			goto nomem;
		return 0;
	}
	{
		size_t n = strcspn(url, ":");
		if (url[n] == ':' && n > 0 && n < 32)
			drv_err_set(err, STRATA_EURL, "unknown database URL scheme '%.*s:' (use sqlite: or postgres://)",
			            (int)n, url);
		else
			drv_err_set(err, STRATA_EURL, "'%s' is not a database URL (use sqlite:FILE or postgres://...)",
			            out->redacted);
	}
	url_release(out);
	return STRATA_EURL;
nomem:
	url_release(out);
	drv_err_set(err, STRATA_ENOMEM, "out of memory");
	return STRATA_ENOMEM;
}

const struct strata_driver *driver_for(const struct strata_url *u)
{
	if (!u->engine)
		return NULL;
	if (strcmp(u->engine, "sqlite") == 0)
		return &drv_sqlite;
#ifdef HAVE_DRIVER_PG
	if (strcmp(u->engine, "postgres") == 0)
		return &drv_pg;
#endif
	return NULL;
}
