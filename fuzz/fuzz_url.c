/*
 * fuzz_url.c: database URLs (url_parse, lib/url.c) and their redacted form,
 * the only form strata ever prints.
 *
 * Promises checked beyond memory safety:
 *  - url_parse returns 0 with an engine and a redacted URL, or STRATA_EURL
 *    (ENOMEM aside) with a one-line message and nothing left allocated;
 *  - sqlite: a path; postgres: the URL handed on as is (but for dbmate's
 *    ?search_path=, rewritten as libpq's options, the password unchanged);
 *  - the password never reaches `redacted` or the error message, whole or
 *    in part. Two oracles say what the password is: the brief's plain
 *    reading (after "://", user:PASSWORD@ before any '/') and libpq
 *    itself (PQconninfoParse, which decodes %XX and also takes
 *    ?password=). The check: the password's span in the input must be
 *    gone, so each 4-byte piece of the password occurs strictly fewer
 *    times in the output than in the input, or not at all when the input
 *    does not hold it (it was percent-encoded): see check_hidden().
 *    Passwords with '*' are skipped ("****" could spell them).
 *  - the same for libpq's keyword/value strings ("host=h password='p w'"):
 *    libpq's reading of the password (PQconninfoParse, unquoted) and its
 *    spelling in the string (the value as written, quotes and all);
 *  - an error message shows no password whole, wherever in the message
 *    (not only between quotes): strata's own refusals quote nothing of a
 *    URL that libpq would misread.
 */
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "driver.h"
#include "fuzz.h"

/* out must not show pw, nor any 4 bytes of it (a partial leak), any more
 * than in does elsewhere. out is text made from in only (the redacted URL,
 * or the part of a message between its first and last quote). A piece of
 * the password that in does not contain (the password was percent-encoded)
 * must not be in out at all. When in spells the password as it is (raw),
 * hiding that span removes at least one occurrence of each piece, so out
 * has fewer; when it does not, a piece found in in is some other part of
 * the URL and says nothing. */
static void check_hidden(const char *in, const char *out, const char *pw, int raw,
                         const char *what, const char *oracle)
{
	size_t n = pw ? strlen(pw) : 0, k = n < 4 ? n : 4, i, cin, cout;
	char piece[5];

	if (!n || strchr(pw, '*'))
		return;
	for (i = 0; i + k <= n; i++) {
		memcpy(piece, pw + i, k);
		piece[k] = '\0';
		cin = fuzz_count(in, piece);
		cout = fuzz_count(out, piece);
		if (cin && !raw)
			continue;
		FUZZ_CHECK(cin == 0 ? cout == 0 : cout < cin,
		                 "%s shows '%s' of the password '%s' (%s): in '%s', out '%s'", what,
		                 piece, pw, oracle, in, out);
	}
}

/* The brief's reading: scheme "://" user ":" password "@", no '/' before '@'. */
static char *plain_password(const char *url)
{
	const char *p = strstr(url, "://"), *at, *colon, *eq = strchr(url, '=');

	if (!p || (eq && eq < p))
		return NULL; /* a keyword/value string: a value may hold "://" */
	p += 3;
	at = p + strcspn(p, "@/");
	if (*at != '@')
		return NULL;
	colon = memchr(p, ':', (size_t)(at - p));
	if (!colon || colon + 1 == at)
		return NULL;
	return sbuf_strndup(colon + 1, (size_t)(at - colon - 1));
}

/* s with control characters (but tab) written \xNN, as messages quote it. */
static char *escaped(const char *s)
{
	size_t cap = 4 * strlen(s) + 1;
	char *o = malloc(cap), *p = o;

	if (!o)
		abort();
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			p += snprintf(p, cap - (size_t)(p - o), "\\x%02x", c);
		else
			*p++ = (char)c;
	}
	*p = '\0';
	return o;
}

/* Percent-decode s[0..n) (libpq's rule: %XX, anything else as is). */
static char *decode(const char *s, size_t n)
{
	char *o = malloc(n + 1);
	size_t i, j = 0;

	if (!o)
		abort();
	for (i = 0; i < n; i++) {
		int h, l;
#define HX(c) ((c) >= '0' && (c) <= '9' ? (c) - '0' : ((c) | 32) >= 'a' && ((c) | 32) <= 'f' ? ((c) | 32) - 'a' + 10 : -1)
		if (s[i] == '%' && i + 2 < n && (h = HX(s[i + 1])) >= 0 && (l = HX(s[i + 2])) >= 0) {
			o[j++] = (char)(h * 16 + l);
			i += 2;
		} else {
			o[j++] = s[i];
		}
#undef HX
	}
	o[j] = '\0';
	return o;
}

/*
 * The raw spelling in url of the password libpq reads as want (decoded):
 * in user:PASSWORD@ (the userinfo ends at the first '@' before any '/') or
 * as the value of a query key that decodes to "password". NULL when the
 * spelling cannot be found (then only the decoded form is traced).
 */
static char *raw_spelling(const char *url, const char *want)
{
	const char *p = strstr(url, "://"), *e, *c, *q;

	if (!p || !want)
		return NULL;
	p += 3;
	e = p + strcspn(p, "@/");
	if (*e == '@' && (c = memchr(p, ':', (size_t)(e - p))) != NULL) {
		char *d = decode(c + 1, (size_t)(e - c - 1));
		int same = strcmp(d, want) == 0;
		free(d);
		if (same)
			return sbuf_strndup(c + 1, (size_t)(e - c - 1));
	}
	for (q = strchr(url, '?'); q && *q; ) {
		const char *kv = q + 1, *amp = kv + strcspn(kv, "&"), *eq = memchr(kv, '=', (size_t)(amp - kv));
		if (eq) {
			char *k = decode(kv, (size_t)(eq - kv)), *v = decode(eq + 1, (size_t)(amp - eq - 1));
			int hit = strcmp(k, "password") == 0 && strcmp(v, want) == 0;
			free(k);
			free(v);
			if (hit)
				return sbuf_strndup(eq + 1, (size_t)(amp - eq - 1));
		}
		q = *amp ? amp : NULL;
	}
	return NULL;
}

/* In a keyword/value string: the value of the last "password" keyword as
 * written (bare, or quoted with its quotes), by libpq's grammar. */
static char *kv_raw_password(const char *s)
{
	size_t i = 0, k, kl, v;
	char *found = NULL;

	if (strncmp(s, "postgres://", 11) == 0 || strncmp(s, "postgresql://", 13) == 0)
		return NULL;
	for (;;) {
		while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' || s[i] == '\v')
			i++;
		if (!s[i])
			return found;
		k = i;
		while (s[i] && s[i] != '=' && !strchr(" \t\n\r\f\v", s[i]))
			i++;
		kl = i - k;
		while (s[i] && strchr(" \t\n\r\f\v", s[i]))
			i++;
		if (s[i] != '=')
			return found;
		if (!found && k == 0 + strspn(s, " \t\n\r\f\v") && strspn(s + k, "abcdefghijklmnopqrstuvwxyz_") != kl)
			return NULL; /* the first word is no keyword: not such a string */
		i++;
		while (s[i] && strchr(" \t\n\r\f\v", s[i]))
			i++;
		v = i;
		if (s[i] == '\'') {
			for (i++; s[i] && s[i] != '\''; i++)
				if (s[i] == '\\' && s[i + 1])
					i++;
			if (s[i] == '\'')
				i++;
		} else {
			for (; s[i] && !strchr(" \t\n\r\f\v", s[i]); i++)
				if (s[i] == '\\' && s[i + 1])
					i++;
		}
		if (kl == 8 && strncmp(s + k, "password", 8) == 0 && i > v) {
			free(found);
			found = sbuf_strndup(s + v, i - v);
		}
	}
}

/* The fixed words of url_parse's refusals (lib/url.c), one after the
 * other: a password that is one of them is the template's, not shown. */
static const char url_templates[] =
	"no database URL | database URL '' has no file path | has a bad % escape | "
	"the PostgreSQL URL has more than one '@': percent-encode '@' in the user name, "
	"the password | has an '@' after a '/': percent-encode '/' in the password as %2F | "
	"has a '%' that does not start a %XX escape: write a '%' in the password | "
	"the PostgreSQL connection string cannot be read: a word before '=' is not a libpq "
	"keyword (a value with blanks must be in single quotes) | every value with blanks or "
	"quotes must be in single quotes | the database URL is neither sqlite:FILE, "
	"postgres://... nor a libpq connection string (host=... dbname=...) | unknown "
	"database URL scheme '' (use sqlite: or postgres://) | is not a database URL (use "
	"sqlite:FILE or postgres://...) | postgresql:// | out of memory";

/* libpq's reading: the password it would send, decoded (a URL) or
 * unquoted (a keyword/value string). */
static char *libpq_password(const char *url)
{
	PQconninfoOption *opts, *o;
	char *perr = NULL, *pw = NULL;

	if (strncmp(url, "postgres://", 11) != 0 && strncmp(url, "postgresql://", 13) != 0 &&
	    !strchr(url, '='))
		return NULL;
	opts = PQconninfoParse(url, &perr);
	if (perr)
		PQfreemem(perr);
	if (!opts)
		return NULL;
	for (o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			pw = strdup(o->val);
	PQconninfoFree(opts);
	return pw;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = fuzz_cstr(data, size);
	struct strata_url u;
	struct drv_err err;
	char *pw1, *pw2, *raw2, *raw3;
	int rc;

	drv_err_init(&err);
	rc = url_parse(url, &u, &err);
	pw1 = plain_password(url);
	pw2 = libpq_password(url);
	raw2 = raw_spelling(url, pw2);
	raw3 = kv_raw_password(url);
	if (rc == 0) {
		FUZZ_CHECK(u.engine && u.redacted, "success without engine or redacted form");
		if (strcmp(u.engine, "sqlite") == 0) {
			FUZZ_CHECK(u.path && *u.path, "sqlite without a path");
			FUZZ_CHECK(!u.conninfo, "sqlite with a conninfo");
		} else {
			FUZZ_CHECK(strcmp(u.engine, "postgres") == 0, "engine '%s'", u.engine);
			FUZZ_CHECK(u.conninfo != NULL, "postgres without a conninfo");
			if (!strstr(url, "search_path=")) {
				FUZZ_CHECK(strcmp(u.conninfo, url) == 0,
				           "postgres URL not handed on as given");
			} else if (strcmp(u.conninfo, url) != 0) {
				/* dbmate's search_path=V became options=-csearch_path%3DV,
				 * in one place and nowhere else; libpq must read the same
				 * password as from the URL with a key it knows there
				 * (options=V): the rewrite never lands inside a password. */
				static const char from[] = "search_path=", to[] = "options=-csearch_path%3D";
				size_t i = 0, fl = sizeof from - 1, tl = sizeof to - 1;
				char *same, *pwc, *pwe;
				while (url[i] && url[i] == u.conninfo[i])
					i++;
				FUZZ_CHECK(strncmp(url + i, from, fl) == 0 &&
				           strncmp(u.conninfo + i, to, tl) == 0 &&
				           strcmp(url + i + fl, u.conninfo + i + tl) == 0,
				           "search_path rewriting changed more than the key: '%s' -> '%s'", url,
				           u.conninfo);
				size_t same_cap = strlen(url) + 8;
				same = malloc(same_cap);
				if (!same)
					abort();
				snprintf(same, same_cap, "%.*soptions=%s", (int)i, url, url + i + fl);
				pwc = libpq_password(u.conninfo);
				pwe = libpq_password(same);
				FUZZ_CHECK((pwe == NULL) == (pwc == NULL) && (!pwe || strcmp(pwe, pwc) == 0),
				           "search_path rewriting changed the password: '%s' -> '%s'",
				           pwe ? pwe : "(none)", pwc ? pwc : "(none)");
				free(pwc);
				free(pwe);
				free(same);
			}
		}
		check_hidden(url, u.redacted, pw1, 1, "redacted", "user:pass@");
		check_hidden(url, u.redacted, pw2, 0, "redacted", "libpq, decoded");
		check_hidden(url, u.redacted, raw2, 1, "redacted", "libpq, as spelt");
		if (strcmp(u.engine, "postgres") == 0)
			check_hidden(url, u.redacted, raw3, 1, "redacted", "keyword/value, as written");
		FUZZ_CHECK(driver_for(&u) != NULL, "no driver for engine %s", u.engine);
	} else {
		FUZZ_CHECK(rc == STRATA_EURL || rc == STRATA_ENOMEM, "rc %d", rc);
		FUZZ_CHECK(err.msg.len > 0, "an error without a message");
		FUZZ_CHECK(!u.engine && !u.path && !u.conninfo && !u.redacted,
		           "fields left after a failure");
		/* The URL is quoted with its control characters escaped. */
		FUZZ_CHECK(!fuzz_has_control(err.msg.buf), "message shows a control character: %s",
		           err.msg.buf);
		{
			/* What of the URL the message quotes: between its first and
			 * last quote (the template's own words are not the URL's). */
			const char *a = strchr(err.msg.buf, '\''), *b = strrchr(err.msg.buf, '\'');
			/* strata's refusals of what libpq would misread quote
			 * nothing of it (their quotes are around '@', '%'...) */
			int quotes_url = strncmp(err.msg.buf, "the PostgreSQL ", 15) != 0 &&
			                 strncmp(err.msg.buf, "the database URL is neither", 27) != 0;
			if (quotes_url && a && b > a) {
				/* The message quotes the URL escaped (\xNN for control
				 * characters): count pieces against the escaped URL,
				 * whose hex digits are not the password's. */
				char *quoted = sbuf_strndup(a + 1, (size_t)(b - a - 1)), *esc = escaped(url);
				if (!quoted)
					abort();
				check_hidden(esc, quoted, pw1, 1, "the error message", "user:pass@");
				check_hidden(esc, quoted, pw2, 0, "the error message", "libpq, decoded");
				check_hidden(esc, quoted, raw2, 1, "the error message", "libpq, as spelt");
				check_hidden(esc, quoted, raw3, 1, "the error message", "keyword/value");
				free(quoted);
				free(esc);
			}
		}
		{
			/* Anywhere in the message: no password whole (long enough
			 * not to be a word of the message's own, and not one of
			 * url.c's templates' words: a password "postgres" is
			 * not shown by "(use sqlite:FILE or postgres://...)"). */
			const char *pws[4] = { pw1, pw2, raw2, raw3 };
			size_t i;
			for (i = 0; i < 4; i++)
				FUZZ_CHECK(!pws[i] || strlen(pws[i]) < 8 || strchr(pws[i], '*') ||
				           strstr(url_templates, pws[i]) ||
				           fuzz_count(url, pws[i]) > 1 || !strstr(err.msg.buf, pws[i]),
				           "the error message shows the password '%s': %s", pws[i], err.msg.buf);
		}
	}
	free(pw1);
	free(pw2);
	free(raw2);
	free(raw3);
	url_release(&u);
	drv_err_release(&err);
	free(url);
	return 0;
}
