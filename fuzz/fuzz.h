/*
 * fuzz.h: what the libFuzzer harnesses (fuzz/fuzz_*.c) share.
 *
 * A harness feeds arbitrary bytes to one parser of outside input and, beyond
 * the sanitizers' memory and undefined-behaviour checks, asserts the
 * parser's contract with FUZZ_CHECK: a broken promise aborts, so libFuzzer
 * keeps the input as a crash like any other.
 *
 * A broken promise that is known and reported, but not fixed yet, can be
 * let through while the rest keeps being fuzzed: each such check carries an
 * id, and STRATA_FUZZ_KNOWN="id1 id2" in the environment turns those checks
 * off (docs/security.md lists the ids). By default every check is on.
 */
#ifndef STRATA_FUZZ_H
#define STRATA_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when the known-bug check id is switched off by STRATA_FUZZ_KNOWN. */
static inline int fuzz_known(const char *id)
{
	const char *k = getenv("STRATA_FUZZ_KNOWN");
	size_t n = strlen(id);

	while (k && *k) {
		k += strspn(k, " ,");
		if (strncmp(k, id, n) == 0 && (k[n] == '\0' || k[n] == ' ' || k[n] == ','))
			return 1;
		k += strcspn(k, " ,");
	}
	return 0;
}

#define FUZZ_FAIL(...)                                                                  \
	do {                                                                            \
		fprintf(stderr, "fuzz: %s:%d: broken promise: ", __FILE__, __LINE__);   \
		fprintf(stderr, __VA_ARGS__);                                           \
		fputc('\n', stderr);                                                    \
		abort();                                                                \
	} while (0)

/* Abort with a message unless cond holds. */
#define FUZZ_CHECK(cond, ...)                                                           \
	do {                                                                            \
		if (!(cond))                                                            \
			FUZZ_FAIL(__VA_ARGS__);                                         \
	} while (0)

/* As FUZZ_CHECK, for a known bug with an id STRATA_FUZZ_KNOWN may name. */
#define FUZZ_CHECK_KNOWN(id, cond, ...)                                                 \
	do {                                                                            \
		if (!(cond) && !fuzz_known(id)) {                                       \
			fprintf(stderr, "fuzz: known bug '%s' (STRATA_FUZZ_KNOWN=%s lets it through)\n", \
			        id, id);                                                \
			FUZZ_FAIL(__VA_ARGS__);                                         \
		}                                                                       \
	} while (0)

/* A NUL-terminated copy of data, cut at its first NUL (the parsers below take
 * C strings, which argv, the environment and the splitters' callers give them). */
static inline char *fuzz_cstr(const unsigned char *data, size_t size)
{
	const unsigned char *z = memchr(data, 0, size);
	size_t n = z ? (size_t)(z - data) : size;
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/* Overlapping occurrences of needle in hay. */
static inline size_t fuzz_count(const char *hay, const char *needle)
{
	size_t c = 0;
	const char *p = hay;

	if (!*needle)
		return 0;
	while ((p = strstr(p, needle)) != NULL) {
		c++;
		p++;
	}
	return c;
}

/* 1 when s holds a line feed (a message promised to be one line). */
static inline int fuzz_multiline(const char *s)
{
	return strchr(s, '\n') != NULL;
}

/* 1 when s holds a control character other than tab (a carriage return
 * rewrites the line on a terminal, ESC starts an escape sequence). */
static inline int fuzz_has_control(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

#endif
