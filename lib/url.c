/*
 * url.c: database URLs (docs/urls.md). Decides the engine, finds the SQLite
 * path, and builds the redacted form that is the only one ever printed.
 *
 * PostgreSQL targets are handed to libpq as they are: postgres:// and
 * postgresql:// URIs, and libpq's keyword/value strings ("host=h
 * dbname=d password=..."). Here we check them and hide the password by
 * structure: the spans that hold a secret are found by reading the text the
 * way libpq reads it, never by searching a message for the password. A URL
 * libpq would read otherwise than it looks (an unencoded '@' or '/' in the
 * password) is refused, since libpq's own messages would then quote pieces
 * of the password as a host, port or parameter.
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

/* ---- keyword/value connection strings ------------------------------------ */

/* libpq's connection keywords (PostgreSQL 15, PQconndefaults()). */
static const char *const kv_keywords[] = {
	"host", "hostaddr", "port", "dbname", "user", "password", "passfile", "channel_binding",
	"connect_timeout", "client_encoding", "options", "application_name",
	"fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
	"keepalives_count", "tcp_user_timeout", "replication", "sslmode", "sslcompression",
	"sslcert", "sslkey", "sslpassword", "sslrootcert", "sslcrl", "sslcrldir", "sslsni",
	"requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version", "gssencmode",
	"krbsrvname", "gsslib", "service", "target_session_attrs", "load_balance_hosts",
	"requiressl", "authtype", "tty", NULL,
};

static int kv_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * Walk a keyword/value string as libpq's conninfo_parse() does: keyword,
 * optional blanks, '=', optional blanks, then a value that is either bare
 * (up to a blank; a backslash takes the next character as it is) or in
 * single quotes (with \' and \\). fn gets each pair's spans (the value's
 * with its quotes). Returns 0, or -1 when the text is not one.
 */
static int kv_walk(const char *s, void (*fn)(void *ctx, const char *k, size_t kl, size_t voff,
                                             size_t vlen), void *ctx)
{
	size_t i = 0, k, kl, v;
	int pairs = 0;

	for (;;) {
		while (s[i] && kv_space(s[i]))
			i++;
		if (!s[i])
			return pairs ? 0 : -1;
		k = i;
		while (s[i] && s[i] != '=' && !kv_space(s[i]))
			i++;
		kl = i - k;
		while (s[i] && kv_space(s[i]))
			i++;
		if (s[i] != '=' || !kl)
			return -1;
		i++;
		while (s[i] && kv_space(s[i]))
			i++;
		v = i;
		if (s[i] == '\'') {
			for (i++; s[i] && s[i] != '\''; i++)
				if (s[i] == '\\' && s[i + 1])
					i++;
			if (s[i] != '\'')
				return -1; /* unterminated */
			i++;
		} else {
			for (; s[i] && !kv_space(s[i]); i++)
				if (s[i] == '\\' && s[i + 1])
					i++;
		}
		if (fn)
			fn(ctx, s + k, kl, v, i - v);
		pairs++;
	}
}

static int kv_is_keyword(const char *k, size_t kl)
{
	size_t i;

	for (i = 0; kv_keywords[i]; i++)
		if (strlen(kv_keywords[i]) == kl && strncmp(kv_keywords[i], k, kl) == 0)
			return 1;
	return 0;
}

struct kv_check {
	int unknown;
};

static void kv_check_pair(void *ctx, const char *k, size_t kl, size_t voff, size_t vlen)
{
	struct kv_check *c = ctx;

	(void)voff;
	(void)vlen;
	if (!kv_is_keyword(k, kl))
		c->unknown = 1;
}

/* 1 when s looks meant as a keyword/value string: its first word is one of
 * libpq's keywords followed by '='. */
static int kv_looks_like(const char *s)
{
	size_t i = 0, k;

	while (s[i] && kv_space(s[i]))
		i++;
	k = i;
	while (s[i] && s[i] != '=' && !kv_space(s[i]))
		i++;
	if (!kv_is_keyword(s + k, i - k))
		return 0;
	while (s[i] && kv_space(s[i]))
		i++;
	return s[i] == '=';
}

struct kv_spans {
	void (*fn)(void *ctx, size_t off, size_t len);
	void *ctx;
};

static void kv_secret_pair(void *ctx, const char *k, size_t kl, size_t voff, size_t vlen)
{
	struct kv_spans *sp = ctx;

	if (vlen && ((kl == 8 && strncmp(k, "password", 8) == 0) ||
	             (kl == 11 && strncmp(k, "sslpassword", 11) == 0)))
		sp->fn(sp->ctx, voff, vlen);
}

/* ---- URLs ----------------------------------------------------------------- */

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

	if (!p || (strchr(url, '=') && strchr(url, '=') < p)) {
		/* A keyword/value string (a value may hold "://"): the value of
		 * every password and sslpassword, quotes and all. */
		struct kv_spans sp = { fn, ctx };
		if (strchr(url, '=') && kv_looks_like(url))
			kv_walk(url, kv_secret_pair, &sp);
		return strlen(url);
	}
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
char *url_redact(const char *url)
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

/*
 * Why libpq would read the postgres:// URL url otherwise than it looks, or
 * NULL. libpq ends the user part at the first '@' before any '/': a second
 * '@', or an '@' after a '/' while a ':' came before it, means a password
 * holding '@' or '/' unencoded, which libpq would split into host, port,
 * path or parameters. A '%' must start a %XX escape.
 */
static const char *pg_url_trouble(const char *url)
{
	const char *p = strstr(url, "://") + 3, *at = strchr(p, '@'), *slash, *c;

	/* (A second '@' after a user part without a password splits no
	 * secret: "u@h?password=a@b" is read right, its value hidden whole.) */
	if (at && strchr(at + 1, '@') && memchr(p, ':', (size_t)(at - p)))
		return "has more than one '@': percent-encode '@' in the user name, the password "
		       "and parameter values as %40";
	slash = p + strcspn(p, "/");
	if (at && slash < at && memchr(p, ':', (size_t)(slash - p))) {
		/* No user part for libpq: the text before '/' is host:port. An
		 * '@' before the query, or a port that is no number, means a
		 * password with a '/' that libpq would show as a port or path. */
		const char *q = slash + strcspn(slash, "?"), *port = p + strcspn(p, "/?"), *d;
		int digits = 1;
		for (d = port; d > p && d[-1] != ':' && d[-1] != ']'; d--)
			if (d[-1] < '0' || d[-1] > '9')
				digits = 0;
		if (at < q || !digits)
			return "has an '@' after a '/': percent-encode '/' in the password as %2F "
			       "(and '@' elsewhere as %40)";
	}
	for (c = strchr(url, '%'); c; c = strchr(c + 1, '%')) {
		int ok = 1, k;
		for (k = 1; k <= 2 && ok; k++) {
			char h = c[k];
			if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
				ok = 0;
		}
		if (!ok || (c[1] == '0' && c[2] == '0'))
			return "has a '%' that does not start a %XX escape: write a '%' in the password "
			       "or a value as %25";
	}
	return NULL;
}

int url_parse(const char *url, struct strata_url *out, struct drv_err *err)
{
	const char *rest;

	memset(out, 0, sizeof *out);
	if (!url || !*url) {
		drv_err_set(err, STRATA_EURL, "no database URL");
		err->why = STRATA_WHY_NO_URL;
		return STRATA_EURL;
	}
	out->redacted = url_redact(url);
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
		const char *why = pg_url_trouble(url);
		if (why) {
			/* not quoted: the URL is what libpq would misread */
			drv_err_set(err, STRATA_EURL, "the PostgreSQL URL %s", why);
			url_release(out);
			return STRATA_EURL;
		}
		out->engine = strdup("postgres");
		out->conninfo = pg_search_path(url);
		if (!out->engine || !out->conninfo)
			goto nomem;
		return 0;
	}
	if (strchr(url, '=') && kv_looks_like(url)) {
		struct kv_check c = { 0 };
		if (kv_walk(url, kv_check_pair, &c) != 0 || c.unknown) {
			/* not quoted: a password with a blank or quote in it,
			 * unquoted, is what makes such a string unreadable */
			drv_err_set(err, STRATA_EURL, "the PostgreSQL connection string cannot be read: %s",
			            c.unknown ? "a word before '=' is not a libpq keyword (a value with "
			                        "blanks must be in single quotes)"
			                      : "every value with blanks or quotes must be in single "
			                        "quotes, with \\' and \\\\ inside");
			url_release(out);
			return STRATA_EURL;
		}
		out->engine = strdup("postgres");
		out->conninfo = strdup(url);
		if (!out->engine || !out->conninfo)
			goto nomem;
		return 0;
	}
	{
		size_t n = strcspn(url, ":");
		if (strchr(url, '='))
			/* perhaps a connection string with a password: not quoted */
			drv_err_set(err, STRATA_EURL, "the database URL is neither sqlite:FILE, "
			            "postgres://... nor a libpq connection string (host=... dbname=...)");
		else if (url[n] == ':' && n > 0 && n < 32)
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

char *strata_url_redact(const char *url)
{
	return url ? url_redact(url) : NULL;
}

const char *strata_url_engine(const char *url)
{
	struct strata_url u;
	struct drv_err e;
	const char *engine = NULL;

	if (!url)
		return NULL;
	if (!strncmp(url, "sqlite:", 7) || !strncmp(url, "sqlite3:", 8))
		return "sqlite";
	if (!strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13))
		return "postgres";
	drv_err_init(&e);
	if (strchr(url, '=') && kv_looks_like(url) && url_parse(url, &u, &e) == 0) {
		engine = "postgres";
		url_release(&u);
	}
	drv_err_release(&e);
	return engine;
}
