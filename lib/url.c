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

/* 1 if the query key k[0..n) percent-decodes to "password". */
static int key_is_password(const char *k, size_t n)
{
	char *d = pct_decode(k, n);
	int yes = d && strcmp(d, "password") == 0;

	free(d);
	return yes;
}

/*
 * The URL with the password replaced, by libpq's own reading of a URI: the
 * user:password@ part ends at the last '@' before the first '/' (a password
 * may hold '?' or '#'), and every query parameter whose key decodes to
 * "password" has its whole value hidden.
 */
static char *redact(const char *url)
{
	struct sbuf sb = SBUF_INIT;
	const char *p = strstr(url, "://");
	const char *slash, *at = NULL, *colon, *q, *c;

	if (!p)
		return strdup(url);
	p += 3;
	slash = p + strcspn(p, "/");
	for (c = p; c < slash; c++)
		if (*c == '@')
			at = c;
	if (at && (colon = memchr(p, ':', (size_t)(at - p))) != NULL) {
		sbuf_add(&sb, url, (size_t)(colon - url));
		sbuf_adds(&sb, ":****");
		p = at;
	} else {
		sbuf_add(&sb, url, (size_t)(p - url));
	}
	q = strchr(at ? at : p, '?');
	if (!q) {
		sbuf_adds(&sb, p);
		return sbuf_detach(&sb);
	}
	sbuf_add(&sb, p, (size_t)(q + 1 - p));
	p = q + 1;
	while (*p) {
		size_t n = strcspn(p, "&"), kl = strcspn(p, "=&");
		if (kl < n && key_is_password(p, kl)) {
			sbuf_add(&sb, p, kl + 1);
			sbuf_adds(&sb, "****");
		} else {
			sbuf_add(&sb, p, n);
		}
		p += n;
		if (*p == '&')
			sbuf_addc(&sb, *p++);
	}
	return sbuf_detach(&sb);
}

/*
 * dbmate's `?search_path=a,b` is not a libpq parameter: turn it into
 * libpq's `options=-csearch_path%3Da,b`, so dbmate URLs work unchanged.
 */
static char *pg_search_path(const char *url)
{
	struct sbuf sb = SBUF_INIT;
	const char *q = strchr(url, '?'), *p, *v;
	size_t vl;

	if (!q)
		return strdup(url);
	for (p = q + 1; (p = strstr(p, "search_path=")) != NULL; p++)
		if (p[-1] == '?' || p[-1] == '&')
			break;
	if (!p || strstr(url, "options="))
		return strdup(url);
	v = p + 12;
	vl = strcspn(v, "&#");
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
