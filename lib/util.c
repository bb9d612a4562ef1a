/*
 * util.c: the handle's error and log helpers, and the few file, time and
 * hashing utilities the library needs (SHA-256 comes from libcrypto).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* SHA256_*: see util_sha256_hex_lf() */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>

static void clear_why(strata_db *db)
{
	size_t i;

	db->errwhy = 0;
	for (i = 0; i < sizeof db->errarg / sizeof db->errarg[0]; i++) {
		free(db->errarg[i]);
		db->errarg[i] = NULL;
	}
}

int db_why(strata_db *db, int why, const char *a0, const char *a1, const char *a2)
{
	const char *a[3] = { a0, a1, a2 };
	size_t i;

	clear_why(db);
	db->errwhy = why;
	/* out of memory: the argument reads as none, the message stays */
	for (i = 0; i < 3; i++)
		db->errarg[i] = a[i] ? strdup(a[i]) : NULL;
	return db->errcode;
}

int db_error(strata_db *db, int code, const char *fmt, ...)
{
	va_list ap;

	clear_why(db);
	db->errcode = code;
	sbuf_reset(&db->errmsg);
	va_start(ap, fmt);
	sbuf_vaddf(&db->errmsg, fmt, ap);
	va_end(ap);
	sbuf_escape_controls(&db->errmsg, 0);
	return code;
}

int db_check_version(strata_db *db, const char *type, int version, int known)
{
	if (version >= 1 && version <= known)
		return 0;
	return db_error(db, STRATA_EUSAGE, "%s version %d is not supported", type, version);
}

int db_error_drv(strata_db *db, const struct drv_err *e, const char *context)
{
	int code = e->code ? e->code : STRATA_ERROR;

	clear_why(db);
	db->errwhy = e->why;
	db->errcode = code;
	sbuf_reset(&db->errmsg);
	if (context && *context)
		sbuf_addf(&db->errmsg, "%s: ", context);
	sbuf_add(&db->errmsg, e->msg.buf, e->msg.len);
	if (e->sqlstate[0])
		sbuf_addf(&db->errmsg, " (SQLSTATE %s)", e->sqlstate);
	if (e->detail.len)
		sbuf_addf(&db->errmsg, "; detail: %s", e->detail.buf);
	if (e->hint.len)
		sbuf_addf(&db->errmsg, "; hint: %s", e->hint.buf);
	sbuf_escape_controls(&db->errmsg, 0);
	return code;
}

/* The handle's error for e, a failure of sql (where:first_line on): the
 * failing statement's line, the code recode makes of e's. */
static int exec_error(strata_db *db, struct drv_err *e, int rc, const char *sql, const char *where,
                      long first_line, int (*recode)(int code))
{
	struct sbuf ctx = SBUF_INIT;
	long line = first_line;

	if (e->offset >= 0 && (size_t)e->offset <= strlen(sql))
		line = first_line + util_line_of(sql, (size_t)e->offset) - 1;
	sbuf_addf(&ctx, "%s:%ld", where, line);
	e->code = recode(rc);
	rc = db_error_drv(db, e, ctx.buf);
	sbuf_release(&ctx);
	return rc;
}

int db_exec_at(strata_db *db, drv_conn *c, const char *sql, const char *where, long first_line,
               int (*recode)(int code))
{
	struct drv_err e;
	int rc;

	drv_err_init(&e);
	c->watch_where = where;
	c->watch_line = first_line;
	rc = drv_exec(c, sql, &e);
	c->watch_where = NULL;
	if (rc)
		rc = exec_error(db, &e, rc, sql, where, first_line, recode);
	drv_err_release(&e);
	return rc;
}

int db_exec_then_at(strata_db *db, drv_conn *c, const char *sql, const struct drv_stmts *st,
                    const char *where, long first_line, int (*recode)(int code),
                    const char *then_sql,
                    const char *const *params, int nparams, int ms_param,
                    const char *then_context)
{
	struct drv_err e;
	int rc, then_failed = 0;

	drv_err_init(&e);
	c->watch_where = where;
	c->watch_line = first_line;
	rc = drv_exec_then_split(c, sql, st, then_sql, params, nparams, ms_param, &then_failed, &e);
	c->watch_where = NULL;
	if (rc && then_failed)
		rc = db_error_drv(db, &e, then_context);
	else if (rc)
		rc = exec_error(db, &e, rc, sql, where, first_line, recode);
	drv_err_release(&e);
	return rc;
}

void db_clear_error(strata_db *db)
{
	clear_why(db);
	db->errcode = 0;
	sbuf_reset(&db->errmsg);
}

void db_log(strata_db *db, int level, const char *fmt, ...)
{
	struct sbuf sb = SBUF_INIT;
	va_list ap;

	if (!db->log)
		return;
	va_start(ap, fmt);
	sbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (!sbuf_failed(&sb))
		db->log(db->log_payload, level, sb.buf);
	sbuf_release(&sb);
}

/*
 * Only a regular file is read: a FIFO would block the open (O_NONBLOCK:
 * it does not) and then the read, and /dev/zero or /dev/urandom never end.
 * The check is made on the open descriptor, so what is read is what was
 * checked; a file that grows while it is read stops at the cap all the same.
 */
int util_read_file(const char *path, struct sbuf *sb)
{
	char chunk[65536];
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), saved;

	if (fd < 0)
		return errno == ENOENT ? STRATA_ENOTFOUND : STRATA_EIO;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return STRATA_EPARSE;
	}
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		got += (size_t)n;
		if (got > UTIL_READ_MAX) {
			close(fd);
			errno = EFBIG;
			return STRATA_EPARSE;
		}
		sbuf_add(sb, chunk, (size_t)n);
	}
	close(fd);
	return sbuf_failed(sb) ? STRATA_ENOMEM : 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return STRATA_EIO;
}

const char *util_file_strerror(int err)
{
	switch (err) {
	case EINVAL: return "not a regular file";
	case EISDIR: return "a directory, not a file";
	case EFBIG: return "larger than 64 MiB";
	default: return strerror(err);
	}
}

int util_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* 0 for a non-empty write is no progress: not a loop for ever */
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Write data to path through a temporary file in the same folder: readers
 * see the old file or the new one, never half of one. The temporary file is
 * created exclusively (never through a planted symlink) with the umask's
 * mode; a file being replaced keeps no more than its own mode, so a rewrite
 * follows the umask and never widens what the user set. With excl, an existing path is an error
 * (EEXIST) instead of being replaced, decided atomically by link().
 */
static int write_file(const char *path, const char *data, size_t len, int excl)
{
	struct sbuf tmp = SBUF_INIT;
	struct stat st;
	int fd = -1, rc = STRATA_EIO, saved, tries;

	for (tries = 0; tries < 100 && fd < 0; tries++) {
		sbuf_reset(&tmp);
		sbuf_addf(&tmp, "%s.tmp.%ld.%d", path, (long)getpid(), tries);
		if (sbuf_failed(&tmp))
			return STRATA_ENOMEM;
		fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			goto out;
	}
	if (fd < 0)
		goto out;
	if (!excl && lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		/* The replacement gets no bit that either the old file or the
		 * umask (as open() applied it to the temporary file) withholds. */
		mode_t old = st.st_mode & 07777;
		if (fstat(fd, &st) != 0 || fchmod(fd, st.st_mode & old & 07777) != 0)
			goto fail;
	}
	if (util_write_all(fd, data, len) != 0 || fsync(fd) != 0)
		goto fail;
	saved = close(fd);
	fd = -1;
	if (saved != 0)
		goto fail;
	if (excl ? link(tmp.buf, path) != 0 : rename(tmp.buf, path) != 0)
		goto fail;
	if (excl)
		unlink(tmp.buf);
	rc = 0;
	goto out;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp.buf);
	errno = saved;
	rc = errno == ENOSPC || errno == EDQUOT ? STRATA_EFULL : STRATA_EIO;
out:
	sbuf_release(&tmp);
	return rc;
}

/*
 * Write into what is already at path, as `cat >path` would but without
 * O_CREAT or O_TRUNC: a FIFO (opened without blocking, so no reader is
 * ENXIO and not a hang) or a character device (/dev/null, a terminal).
 * The type is checked again on the open descriptor: a path swapped for a
 * regular file in between is not written half over.
 */
static int write_in_place(const char *path, int fifo, const char *data, size_t len)
{
	struct stat st;
	int fd, flags, saved;

	fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (fifo ? O_NONBLOCK : 0));
	if (fd < 0)
		return STRATA_EIO;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (fifo ? !S_ISFIFO(st.st_mode) : !S_ISCHR(st.st_mode)) {
		errno = EAGAIN;
		goto fail;
	}
	/* A reader is there: from now on wait for it as a pipe does. */
	if (fifo && ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0))
		goto fail;
	if (util_write_all(fd, data, len) != 0)
		goto fail;
	if (close(fd) != 0)
		return errno == ENOSPC || errno == EDQUOT ? STRATA_EFULL : STRATA_EIO;
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return errno == ENOSPC || errno == EDQUOT ? STRATA_EFULL : STRATA_EIO;
}

/*
 * Only a regular file is replaced (atomically, write_file()). A symlink is
 * kept and what it points at is written: a regular target is replaced
 * atomically at its real path (so the temporary file sits beside the
 * target, and rename() does not turn the link into a file); a FIFO or
 * character device is written into. Anything else is refused with errno
 * EISDIR (a directory) or EINVAL (a block device or socket), and a link to
 * nothing with ENOLINK: strata does not create files where a link points.
 */
int util_write_file(const char *path, const char *data, size_t len)
{
	struct stat st;
	char *real;
	int rc;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? write_file(path, data, len, 0) : STRATA_EIO;
	if (S_ISLNK(st.st_mode) && stat(path, &st) != 0) {
		if (errno == ENOENT)
			errno = ENOLINK;
		return STRATA_EIO;
	}
	if (S_ISREG(st.st_mode)) {
		if (!(real = realpath(path, NULL)))
			return errno == ENOMEM ? STRATA_ENOMEM : STRATA_EIO;
		rc = write_file(real, data, len, 0);
		free(real);
		return rc;
	}
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))
		return write_in_place(path, S_ISFIFO(st.st_mode), data, len);
	errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	return STRATA_EIO;
}

int util_create_file(const char *path, const char *data, size_t len)
{
	return write_file(path, data, len, 1);
}

static void to_hex(const unsigned char *d, unsigned n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * OpenSSL's SHA256_* functions, not its EVP interface: EVP_MD_fetch() starts
 * OpenSSL 3's provider machinery and reads openssl.cnf first, which cost
 * more than hashing a thousand migrations (docs/benchmarks.md, case 3).
 * SHA256_* run the same assembly (SHA extensions where the CPU has them)
 * with no set-up and no allocation. They are marked deprecated in OpenSSL 3
 * (OPENSSL_SUPPRESS_DEPRECATED above) but are kept in the 3.x series; the
 * day they go, an in-tree SHA-256 replaces them here and nowhere else.
 */
void util_sha256_release(struct util_sha256 *h)
{
	(void)h;
}

int util_sha256_hex_lf(struct util_sha256 *h, const char *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	const char *end = data + len, *p = data, *start = data, *cr;
	SHA256_CTX c;

	(void)h;
	SHA256_Init(&c);
	/* Feed runs between CRs that precede an LF, so no copy is made. */
	while (p < end && (cr = memchr(p, '\r', (size_t)(end - p))) != NULL && cr + 1 < end) {
		if (cr[1] == '\n') {
			SHA256_Update(&c, start, (size_t)(cr - start));
			start = cr + 1;
		}
		p = cr + 1;
	}
	SHA256_Update(&c, start, (size_t)(end - start));
	SHA256_Final(md, &c);
	to_hex(md, sizeof md, out);
	return 0;
}

void util_sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256_CTX c;

	SHA256_Init(&c);
	SHA256_Update(&c, data, len);
	SHA256_Final(md, &c);
	to_hex(md, sizeof md, out);
}

void util_now_sql(char out[20])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

void util_now_version(char out[15])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 15, "%Y%m%d%H%M%S", &tm);
}

int util_version_after(const char *last, char out[15])
{
	struct tm tm;
	time_t t;
	int i;

	for (i = 0; i < 14; i++)
		if (last[i] < '0' || last[i] > '9')
			return -1;
	if (last[14])
		return -1;
	memset(&tm, 0, sizeof tm);
	if (sscanf(last, "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	           &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	t += 1;
	gmtime_r(&t, &tm);
	strftime(out, 15, "%Y%m%d%H%M%S", &tm);
	return 0;
}

long util_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int util_utf8_valid(const char *str, size_t len, size_t *bad_off)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n, k;
		unsigned cp;

		if (c < 0x80) {
			uint64_t w;

			/* SQL is mostly ASCII: skip it eight bytes at a time. */
			while (i + 8 <= len && (memcpy(&w, s + i, 8), !(w & 0x8080808080808080u)))
				i += 8;
			if (i < len && s[i] < 0x80)
				i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			n = 1; cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2; cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3; cp = c & 0x07;
		} else {
			goto bad;
		}
		if (i + n >= len)
			goto bad;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			goto bad;
		i += n + 1;
		continue;
bad:
		if (bad_off)
			*bad_off = i;
		return 0;
	}
	return 1;
}

long util_line_of(const char *s, size_t off)
{
	long line = 1;
	size_t i;

	for (i = 0; i < off && s[i]; i++)
		if (s[i] == '\n')
			line++;
	return line;
}
