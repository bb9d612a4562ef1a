/*
 * fuzz_url.c: database URLs (url_parse, lib/url.c) and their redacted form,
 * the only form strata ever prints.
 *
 * Promises checked beyond memory safety:
 *  - url_parse returns 0 with an engine and a redacted URL, or STRATA_EURL
 *    (ENOMEM aside) with a one-line message and nothing left allocated;
 *  - sqlite: a path without NUL bytes; postgres: the URL handed on as is;
 *  - the password never reaches `redacted` or the error message, whole or
 *    in part. Two oracles say what the password is: the brief's plain
 *    reading (after "://", user:PASSWORD@ before any '/') and libpq
 *    itself (PQconninfoParse, which decodes %XX and also takes
 *    ?password=). The check: the password's span in the input must be
 *    gone, so each 4-byte piece of the password occurs strictly fewer
 *    times in the output than in the input (or not at all, when the input
 *    spells it only percent-encoded). Passwords with '*' are skipped
 *    ("****" could spell them).
 */
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "driver.h"
#include "fuzz.h"

/* out must not show pw, nor any 4 bytes of it (a partial leak), any more
 * than in does elsewhere: hiding the password's span in the input removes
 * at least one occurrence of each of its pieces. */
static void check_hidden(const char *in, const char *out, const char *pw, const char *what,
                         const char *oracle)
{
	size_t n = pw ? strlen(pw) : 0, k = n < 4 ? n : 4, i, cin, cout;
	char piece[5];

	/* A password of under 4 bytes cannot be told from the letters of the
	 * message's own words ("is not a database URL"): only longer ones are
	 * traced. */
	if (n < 4 || strchr(pw, '*'))
		return;
	for (i = 0; i + k <= n; i++) {
		memcpy(piece, pw + i, k);
		piece[k] = '\0';
		cin = fuzz_count(in, piece);
		cout = fuzz_count(out, piece);
		FUZZ_CHECK_KNOWN("url-redact", cin == 0 ? cout == 0 : cout < cin,
		                 "%s shows '%s' of the password '%s' (%s): in '%s', out '%s'", what,
		                 piece, pw, oracle, in, out);
	}
}

/* The brief's reading: scheme "://" user ":" password "@", no '/' before '@'. */
static char *plain_password(const char *url)
{
	const char *p = strstr(url, "://"), *at, *colon;

	if (!p)
		return NULL;
	p += 3;
	at = p + strcspn(p, "@/");
	if (*at != '@')
		return NULL;
	colon = memchr(p, ':', (size_t)(at - p));
	if (!colon || colon + 1 == at)
		return NULL;
	return xstrndup(colon + 1, (size_t)(at - colon - 1));
}

/* libpq's reading: the password it would send, decoded. */
static char *libpq_password(const char *url)
{
	PQconninfoOption *opts, *o;
	char *perr = NULL, *pw = NULL;

	if (strncmp(url, "postgres://", 11) != 0 && strncmp(url, "postgresql://", 13) != 0)
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
	char *pw1, *pw2;
	int rc;

	drv_err_init(&err);
	rc = url_parse(url, &u, &err);
	pw1 = plain_password(url);
	pw2 = libpq_password(url);
	if (rc == 0) {
		FUZZ_CHECK(u.engine && u.redacted, "success without engine or redacted form");
		if (strcmp(u.engine, "sqlite") == 0) {
			FUZZ_CHECK(u.path && *u.path, "sqlite without a path");
			FUZZ_CHECK(!u.conninfo, "sqlite with a conninfo");
		} else {
			FUZZ_CHECK(strcmp(u.engine, "postgres") == 0, "engine '%s'", u.engine);
			/* as given, but for dbmate's search_path, which becomes
			 * libpq's options= (lib/url.c) */
			FUZZ_CHECK(u.conninfo && (strcmp(u.conninfo, url) == 0 ||
			                          strstr(url, "search_path=") != NULL),
			           "postgres URL not handed on as given");
		}
		check_hidden(url, u.redacted, pw1, "redacted", "user:pass@");
		check_hidden(url, u.redacted, pw2, "redacted", "libpq");
		FUZZ_CHECK(driver_for(&u) != NULL, "no driver for engine %s", u.engine);
	} else {
		FUZZ_CHECK(rc == STRATA_EURL || rc == STRATA_ENOMEM, "rc %d", rc);
		FUZZ_CHECK(err.msg.len > 0, "an error without a message");
		FUZZ_CHECK(!u.engine && !u.path && !u.conninfo && !u.redacted,
		           "fields left after a failure");
		FUZZ_CHECK_KNOWN("msg-control-chars", !fuzz_has_control(err.msg.buf),
		                 "message shows a control character: %s", err.msg.buf);
		check_hidden(url, err.msg.buf, pw1, "the error message", "user:pass@");
		check_hidden(url, err.msg.buf, pw2, "the error message", "libpq");
	}
	free(pw1);
	free(pw2);
	url_release(&u);
	drv_err_release(&err);
	free(url);
	return 0;
}
