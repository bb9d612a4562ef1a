/*
 * sbuf.c: the growable string buffer (see sbuf.h for the invariants).
 *
 * Growth doubles, so appends are amortised O(1); the cap and the sticky
 * failure flag mean a caller building a large string checks sbuf_failed()
 * once instead of after every append.
 */
#include "sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char sbuf_empty_[1];

void sbuf_init(struct sbuf *sb)
{
	sb->buf = sbuf_empty_;
	sb->len = 0;
	sb->alloc = 0;
	sb->failed = 0;
}

void sbuf_release(struct sbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	sbuf_init(sb);
}

void sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	sb->failed = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

char *sbuf_detach(struct sbuf *sb)
{
	char *s;

	if (sb->failed) {
		sbuf_release(sb);
		return NULL;
	}
	if (!sb->alloc)
		s = calloc(1, 1);
	else
		s = sb->buf;
	sbuf_init(sb);
	return s;
}

int sbuf_grow(struct sbuf *sb, size_t extra)
{
	size_t want, n;
	char *p;

	if (sb->failed)
		return -1;
	if (extra > SBUF_MAX || sb->len + extra + 1 > SBUF_MAX) {
		sb->failed = 1;
		return -1;
	}
	want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return 0;
	n = sb->alloc ? sb->alloc : 64;
	while (n < want)
		n *= 2;
	if (n > SBUF_MAX)
		n = SBUF_MAX;
	p = realloc(sb->alloc ? sb->buf : NULL, n);
	if (!p) {
		sb->failed = 1;
		return -1;
	}
	if (!sb->alloc)
		p[0] = '\0';
	sb->buf = p;
	sb->alloc = n;
	return 0;
}

void sbuf_add(struct sbuf *sb, const void *data, size_t len)
{
	if (!len || sbuf_grow(sb, len))
		return;
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sbuf_adds(struct sbuf *sb, const char *s)
{
	if (s)
		sbuf_add(sb, s, strlen(s));
}

void sbuf_addc(struct sbuf *sb, char c)
{
	sbuf_add(sb, &c, 1);
}

void sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (sb->failed)
		return;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		sb->failed = 1;
		return;
	}
	if (sbuf_grow(sb, (size_t)n))
		return;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void sbuf_setf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;

	sbuf_reset(sb);
	va_start(ap, fmt);
	sbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void sbuf_truncate(struct sbuf *sb, size_t len)
{
	if (len < sb->len) {
		sb->len = len;
		sb->buf[len] = '\0';
	}
}

static void add_quoted(struct sbuf *sb, const char *s, char q)
{
	sbuf_addc(sb, q);
	for (; *s; s++) {
		if (*s == q)
			sbuf_addc(sb, q);
		sbuf_addc(sb, *s);
	}
	sbuf_addc(sb, q);
}

void sbuf_add_ident(struct sbuf *sb, const char *name)
{
	add_quoted(sb, name, '"');
}

void sbuf_add_literal(struct sbuf *sb, const char *s)
{
	add_quoted(sb, s, '\'');
}

char *xstrdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *sbuf_strndup(const char *s, size_t n)
{
	char *p;

	n = strnlen(s, n);
	p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Offset of the first control character in sb from from, or sb->len. */
static size_t first_control(const struct sbuf *sb, size_t from)
{
	while (from < sb->len && !is_control((unsigned char)sb->buf[from]))
		from++;
	return from;
}

void sbuf_escape_controls(struct sbuf *sb, size_t from)
{
	static const char hx[] = "0123456789abcdef";
	struct sbuf out = SBUF_INIT;
	size_t i = first_control(sb, from);

	if (i >= sb->len)
		return;
	sbuf_add(&out, sb->buf, i);
	for (; i < sb->len; i++) {
		unsigned char c = (unsigned char)sb->buf[i];
		if (is_control(c)) {
			char e[4] = { '\\', 'x', hx[c >> 4], hx[c & 15] };
			sbuf_add(&out, e, 4);
		} else {
			sbuf_addc(&out, (char)c);
		}
	}
	if (sbuf_failed(&out)) {
		/* Without memory, cut the message at the first control character. */
		sbuf_release(&out);
		sbuf_truncate(sb, first_control(sb, from));
		return;
	}
	sbuf_release(sb);
	*sb = out;
}
