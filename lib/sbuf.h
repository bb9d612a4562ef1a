/*
 * sbuf: the one growable string buffer of strata.
 *
 * Invariants (as git's strbuf): buf is never NULL and always NUL-terminated,
 * even right after SBUF_INIT; len never counts the terminator. A buffer has a
 * size cap (SBUF_MAX by default) so hostile input cannot grow it without
 * bound. Running out of memory or over the cap is sticky: every later append
 * is a no-op and sbuf_failed() says so, so callers check once at the end.
 */
#ifndef STRATA_SBUF_H
#define STRATA_SBUF_H

#include <stdarg.h>
#include <stddef.h>

#define SBUF_MAX ((size_t)1 << 30) /* 1 GiB: no migration or schema is larger */

struct sbuf {
	char *buf;
	size_t len;
	size_t alloc; /* 0 while buf points at the shared empty string */
	int failed;   /* sticky: out of memory or over the cap */
};

extern char sbuf_empty_[1];
#define SBUF_INIT { sbuf_empty_, 0, 0, 0 }

void sbuf_init(struct sbuf *sb);
/* Free the memory and return to SBUF_INIT; safe on an already released buffer. */
void sbuf_release(struct sbuf *sb);
/* Keep the memory, empty the contents (and clear a failure). */
void sbuf_reset(struct sbuf *sb);
/* Hand the string over: the caller frees it; the buffer is back to SBUF_INIT.
 * Returns NULL if the buffer failed (the memory is released then). */
char *sbuf_detach(struct sbuf *sb);

int sbuf_grow(struct sbuf *sb, size_t extra);
void sbuf_add(struct sbuf *sb, const void *data, size_t len);
void sbuf_adds(struct sbuf *sb, const char *s);
void sbuf_addc(struct sbuf *sb, char c);
void sbuf_addf(struct sbuf *sb, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
void sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap);
/* Replace the contents with a formatted string. */
void sbuf_setf(struct sbuf *sb, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
void sbuf_truncate(struct sbuf *sb, size_t len);
/* Rewrite control characters (but tab) from offset from on as \xNN: a
 * message that quotes a user's bytes stays one line and cannot drive a
 * terminal. */
void sbuf_escape_controls(struct sbuf *sb, size_t from);
/* Append name as an SQL identifier in double quotes, doubling inner quotes
 * (the rule of both SQLite and PostgreSQL). */
void sbuf_add_ident(struct sbuf *sb, const char *name);
/* Append s as an SQL string literal in single quotes. */
void sbuf_add_literal(struct sbuf *sb, const char *s);
static inline int sbuf_failed(const struct sbuf *sb) { return sb->failed; }

/* Small helpers that belong with the buffer. */
char *xstrdup_or_null(const char *s);   /* strdup that accepts NULL */
char *sbuf_strndup(const char *s, size_t n); /* at most n bytes, stops at a NUL */

#endif
