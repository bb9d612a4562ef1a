/*
 * studio.c: the HTTP server of `strata studio` (libmicrohttpd).
 *
 * Whoever can reach a port on 127.0.0.1 is any local user, and any web
 * page the user's browser has open (by DNS rebinding, or a form posted
 * cross-site). So every request passes, in this order:
 *  1. Host must be 127.0.0.1:PORT or localhost:PORT (a rebound name is
 *     neither): else 403;
 *  2. the per-run token, compared in constant time, from
 *     "Authorization: Bearer", or the cookie set when the page was opened
 *     with ?token=; else 401. A POST that comes with the cookie alone must
 *     also carry "X-Strata-Studio: 1", a header no cross-site form can
 *     send and no cross-origin script may (the server answers no CORS
 *     preflight, and sends no Access-Control-* header);
 *  3. a known path (the page's few files, matched exactly, and /api/) and
 *     method: else 404 or 405; POST only with --allow-write, else 403.
 * The server binds 127.0.0.1 only, keeps at most STUDIO_MAX_CONNECTIONS
 * connections, drops one silent for STUDIO_IDLE_TIMEOUT seconds, and
 * refuses a request line or headers over STUDIO_MAX_REQUEST (414/431).
 */
#include "cli.h"
#include "studio.h"
#include "sbuf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dl_mhd.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_Result;
#else
typedef enum MHD_Result MHD_Result;
#endif

/* Per-request state: the POST body seen so far (counted, not kept). */
struct req {
	size_t body;
	int too_big;
};

static int ct_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

void studio_reply_error(struct studio_reply *out, unsigned status, const char *msg)
{
	struct sbuf sb = SBUF_INIT;
	const unsigned char *p;

	sbuf_adds(&sb, "{\"ok\": false, \"error\": {\"message\": \"");
	for (p = (const unsigned char *)msg; *p; p++) {
		if (*p == '"' || *p == '\\')
			sbuf_addf(&sb, "\\%c", *p);
		else if (*p < 0x20)
			sbuf_addf(&sb, "\\u%04x", *p);
		else
			sbuf_addc(&sb, (char)*p);
	}
	sbuf_adds(&sb, "\"}}\n");
	out->status = status;
	out->type = "application/json";
	out->len = sb.len;
	out->body = sbuf_detach(&sb);
	if (!out->body)
		out->len = 0;
}

static MHD_Result send_reply(struct studio *s, struct MHD_Connection *c, struct studio_reply *r,
                             const char *set_cookie, const char *location)
{
	struct MHD_Response *resp;
	MHD_Result ret;

	(void)s;
	if (!r->body)
		studio_reply_error(r, 500, "out of memory");
	resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(r->body);
		return MHD_NO;
	}
	r->body = NULL;
	MHD_add_response_header(resp, "Content-Type", r->type ? r->type : "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy",
	                        "default-src 'none'; script-src 'self'; style-src 'self'; "
	                        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
	                        "form-action 'none'; frame-ancestors 'none'");
	if (r->status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"strata studio\"");
	if (set_cookie)
		MHD_add_response_header(resp, "Set-Cookie", set_cookie);
	if (location)
		MHD_add_response_header(resp, "Location", location);
	ret = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static MHD_Result refuse(struct studio *s, struct MHD_Connection *c, unsigned status, const char *msg)
{
	struct studio_reply r = { 0, NULL, 0, NULL };

	studio_reply_error(&r, status, msg);
	return send_reply(s, c, &r, NULL, NULL);
}

static int host_ok(struct studio *s, const char *host)
{
	char a[64], b[64];

	if (!host)
		return 0;
	snprintf(a, sizeof a, "127.0.0.1:%u", s->port);
	snprintf(b, sizeof b, "localhost:%u", s->port);
	return !strcmp(host, a) || !strcmp(host, b);
}

/* The cookie's value in a Cookie header, NULL when absent. */
static int cookie_has_token(struct studio *s, struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, s->cookie);

	return v && ct_equal(v, s->token);
}

static int bearer_has_token(struct studio *s, struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

	return v && !strncmp(v, "Bearer ", 7) && ct_equal(v + 7, s->token);
}

static const char *arg_of(void *ctx, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)ctx, MHD_GET_ARGUMENT_KIND, name);
}

static const struct studio_file *find_file(const char *path)
{
	const struct studio_file *f;

	if (!strcmp(path, "/"))
		path = "/index.html";
	for (f = studio_files; f->path; f++)
		if (!strcmp(f->path, path))
			return f;
	return NULL;
}

static MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                         const char *version, const char *upload_data, size_t *upload_size,
                         void **con_cls)
{
	struct studio *s = cls;
	struct req *rq = *con_cls;
	struct studio_reply r = { 0, NULL, 0, NULL };
	const struct studio_file *f;
	const char *tok;
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD"), post = !strcmp(method, "POST");

	(void)version;
	(void)upload_data;
	if (!rq) {
		if (!(rq = calloc(1, sizeof *rq)))
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		/* The API reads no body: count it, so a huge one is refused,
		 * and drop it. */
		rq->body += *upload_size;
		if (rq->body > STUDIO_MAX_BODY)
			rq->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (!host_ok(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host")))
		return refuse(s, c, 403, "this server answers only to Host 127.0.0.1 or localhost "
		              "with its port");
	if (rq->too_big)
		return refuse(s, c, 413, "request body too large");
	if (strstr(url, "..") || strstr(url, "//") || strchr(url, '\\') || url[0] != '/')
		return refuse(s, c, 400, "bad path");

	/* The page opened with ?token=: the cookie, and the token out of the
	 * address bar (and out of the history) by a redirect. */
	tok = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	if (get && !strcmp(url, "/") && tok) {
		char cookie[256];
		if (!ct_equal(tok, s->token))
			return refuse(s, c, 401, "wrong token: open the address strata studio printed");
		snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict", s->cookie,
		         s->token);
		r.status = 303;
		r.body = strdup("");
		r.type = "text/plain";
		return send_reply(s, c, &r, cookie, "/");
	}
	if (!bearer_has_token(s, c)) {
		if (!cookie_has_token(s, c))
			return refuse(s, c, 401, "no valid token: open the address strata studio printed, "
			              "or send Authorization: Bearer TOKEN");
		if (!get) {
			const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Strata-Studio");
			if (!h || strcmp(h, "1") != 0)
				return refuse(s, c, 403, "a write with the cookie needs the header "
				              "X-Strata-Studio: 1");
		}
	}
	if (!strncmp(url, "/api/", 5)) {
		if (!get && !post)
			return refuse(s, c, 405, "method not allowed");
		if (post && !s->allow_write)
			return refuse(s, c, 403, "strata studio is read-only: start it with --allow-write "
			              "to change the database");
		studio_api(s, post ? "POST" : "GET", url + 5, arg_of, c, &r);
		return send_reply(s, c, &r, NULL, NULL);
	}
	if (!(f = find_file(url)))
		return refuse(s, c, 404, "not found");
	if (!get)
		return refuse(s, c, 405, "method not allowed");
	r.status = 200;
	r.type = f->type;
	r.len = f->len;
	if ((r.body = malloc(f->len ? f->len : 1)))
		memcpy(r.body, f->data, f->len);
	return send_reply(s, c, &r, NULL, NULL);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

int studio_start(struct studio *s)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)s->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* A thread per connection: a slow command (verify on PostgreSQL)
	 * holds up only its own request; the connection limit bounds them. */
	s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	                             MHD_USE_POLL,
	                             (uint16_t)s->port, NULL, NULL, handle, s,
	                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	                             MHD_OPTION_CONNECTION_LIMIT, (unsigned)STUDIO_MAX_CONNECTIONS,
	                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)STUDIO_IDLE_TIMEOUT,
	                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)STUDIO_MAX_REQUEST,
	                             MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	                             MHD_OPTION_END);
	if (!s->daemon)
		return -1;
	if (!s->port) {
		info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
		if (!info || !info->port) {
			MHD_stop_daemon(s->daemon);
			s->daemon = NULL;
			return -1;
		}
		s->port = info->port;
	}
	return 0;
}

void studio_stop(struct studio *s)
{
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
}
