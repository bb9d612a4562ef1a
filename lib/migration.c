/*
 * migration.c: finding, parsing, ordering and hashing migration files.
 *
 * A file is <version>_<name>.sql with an up section and an optional down
 * section, introduced by marker comments: dbmate's `-- migrate:up` /
 * `-- migrate:down`, plain `-- UP` / `-- DOWN`, or goose's `-- +goose Up` /
 * `-- +goose Down` (StatementBegin/End lines are dropped: strata splits
 * statements with the engine's own parser). Parsing is line based and
 * strict: anything that looks like a marker but is not one is an error,
 * because a typo in a marker silently moves SQL into the wrong section.
 * Section text keeps the file's line numbering (a section records the line
 * it starts on), so engine errors can point at the user's line.
 * migration_from_text() and migrations_finish() hold migrations that come
 * from memory (source.c: compiled into a program) to the same rules.
 *
 * The files-only commands live here too: `strata hash` (strata_hash_dir,
 * strata_sum_write) and `strata new` (strata_new_migration, serialised by
 * a lock on the directory), which touch no database.
 */
#include "migration.h"
#include "internal.h"

#include <jansson.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_FLOCK
#include <sys/file.h>
#endif

#define MAX_VERSION_LEN 32
#define MAX_FILE_SIZE ((size_t)64 << 20)   /* a 64 MiB migration is a mistake */
#define MAX_JOURNAL_SIZE ((size_t)4 << 20) /* Drizzle's meta/_journal.json */
#define MAX_JOURNAL_ENTRIES 100000

static const char *skip_zeros(const char *s)
{
	while (*s == '0' && s[1])
		s++;
	return s;
}

int migration_dir_len(const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return (int)n;
}

int version_cmp(const char *a, const char *b)
{
	size_t la, lb;
	int c;

	a = skip_zeros(a);
	b = skip_zeros(b);
	la = strlen(a);
	lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	c = strcmp(a, b);
	return c < 0 ? -1 : c > 0;
}

int version_valid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n >= 1 && n <= MAX_VERSION_LEN;
}

void migration_release(struct migration *m)
{
	free(m->version);
	free(m->name);
	free(m->filename);
	free(m->path);
	free(m->up.sql);
	free(m->down.sql);
	for (size_t i = 0; i < m->nreplaces; i++)
		free(m->replaces[i]);
	free(m->replaces);
	memset(m, 0, sizeof *m);
}

enum marker { MK_NONE, MK_UP, MK_DOWN, MK_SKIP, MK_NOTX_FILE, MK_BAD, MK_LIKE_UP, MK_LIKE_DOWN };

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

#define LOOSE_MAX 40   /* a longer comment is prose, never a marker look-alike */

/* Levenshtein distance of a and b, each at most LOOSE_MAX bytes. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t row[LOOSE_MAX + 1], i, j;

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static int eat(const char **s, size_t *n, const char *w)
{
	size_t wl = strlen(w);

	if (*n < wl || memcmp(*s, w, wl) != 0)
		return 0;
	*s += wl;
	*n -= wl;
	return 1;
}

static int strip_tail(const char *s, size_t *n, const char *w)
{
	size_t wl = strlen(w);

	if (*n <= wl || memcmp(s + *n - wl, w, wl) != 0)
		return 0;
	*n -= wl;
	return 1;
}

/*
 * The loose rule for a comment that is not a marker (t: its text after
 * "--", trimmed): MK_LIKE_UP or MK_LIKE_DOWN when it still reads as one,
 * else MK_NONE. The text up to an option word (transaction...) is folded:
 * lower case, white space removed, banner punctuation (- = * # : .) cut at
 * both ends. It looks like a marker when what remains
 *   - is up, down, rollback, revert, undo, upgrade or downgrade, optionally
 *     after migrate / migration / goose / +goose (and : - _) and before
 *     migration(s) / section: "Down", "DOWN:", "migrate: down",
 *     "+goose down", "Rollback", "=== UP ===", "Up migration";
 *   - or is at most two edits away from migrate:up, migrate:down,
 *     +gooseup or +goosedown, and nearer one direction than the other:
 *     "migrate:upp", "migrat:down" (not "migrate:do").
 * Prose does not fold to these: "-- down payment column" stays a comment.
 */
static enum marker looks_like(const char *t, size_t tl)
{
	static const struct { const char *w; enum marker mk; } words[] = {
		{ "up", MK_LIKE_UP }, { "upgrade", MK_LIKE_UP }, { "down", MK_LIKE_DOWN },
		{ "downgrade", MK_LIKE_DOWN }, { "rollback", MK_LIKE_DOWN },
		{ "revert", MK_LIKE_DOWN }, { "undo", MK_LIKE_DOWN },
	};
	static const struct { const char *w; enum marker mk; } near[] = {
		{ "migrate:up", MK_LIKE_UP }, { "migrate:down", MK_LIKE_DOWN },
		{ "+gooseup", MK_LIKE_UP }, { "+goosedown", MK_LIKE_DOWN },
	};
	char f[LOOSE_MAX + 1];
	const char *s;
	size_t n = 0, i, k, best = 3;
	enum marker mk = MK_NONE;

	for (i = 0; i < tl; i++) {
		if (is_space(t[i])) {
			/* the options of a marker end its name */
			if (tl - i > 12 && strncasecmp(t + i + 1, "transaction", 11) == 0)
				break;
			continue;
		}
		if (n == LOOSE_MAX)
			return MK_NONE;
		f[n++] = (char)((t[i] >= 'A' && t[i] <= 'Z') ? t[i] + 32 : t[i]);
	}
	s = f;
	/* (strchr() finds a NUL too: the parser refuses NULs before this, but
	 * the test costs nothing) */
	while (n && s[n - 1] && strchr("-=*#:.", s[n - 1]))
		n--;
	while (n && *s && strchr("-=*#", *s))
		s++, n--;
	for (k = 0; k < sizeof near / sizeof *near; k++) {
		size_t d = edit_distance(s, n, near[k].w, strlen(near[k].w));
		if (d < best) {
			best = d;
			mk = near[k].mk;
		} else if (d == best && mk != MK_NONE && mk != near[k].mk) {
			mk = MK_BAD; /* "migrate:do": as near up as down */
		}
	}
	if (mk == MK_BAD)
		return MK_NONE;
	if (mk != MK_NONE)
		return mk;
	if (eat(&s, &n, "migrate") || eat(&s, &n, "migration") || eat(&s, &n, "+goose") ||
	    eat(&s, &n, "goose"))
		while (n && *s && strchr(":-_", *s))
			s++, n--;
	if (!strip_tail(s, &n, "migrations") && !strip_tail(s, &n, "migration"))
		strip_tail(s, &n, "section");
	for (k = 0; k < sizeof words / sizeof *words; k++)
		if (n == strlen(words[k].w) && memcmp(s, words[k].w, n) == 0)
			return words[k].mk;
	return MK_NONE;
}

/*
 * Classify one line. opts points after the marker word (options follow).
 * Sets *what to the marker's spelling for messages.
 */
static enum marker classify(const char *line, size_t len, const char **opts, size_t *optlen,
                            struct sbuf *what)
{
	size_t i = 0, j;
	const char *t;
	size_t tl;
	enum marker mk;

	while (i < len && is_space(line[i]))
		i++;
	if (len - i < 2 || line[i] != '-' || line[i + 1] != '-')
		return MK_NONE;
	i += 2;
	while (i < len && is_space(line[i]))
		i++;
	t = line + i;
	tl = len - i;
	while (tl && is_space(t[tl - 1]))
		tl--;
	sbuf_reset(what);
	sbuf_adds(what, "-- ");
	sbuf_add(what, t, tl);
	*opts = NULL;
	*optlen = 0;

	if (tl >= 8 && strncmp(t, "migrate:", 8) == 0) {
		for (j = 8; j < tl && !is_space(t[j]); j++)
			;
		*opts = t + j;
		*optlen = tl - j;
		if (j == 10 && strncmp(t + 8, "up", 2) == 0)
			return MK_UP;
		if (j == 12 && strncmp(t + 8, "down", 4) == 0)
			return MK_DOWN;
		/* "migrate: down": say what it looks like, not "migrate:" */
		if (j == 8 && (mk = looks_like(t, tl)) != MK_NONE)
			return mk;
		sbuf_reset(what);
		sbuf_adds(what, "-- ");
		sbuf_add(what, t, j);
		return MK_BAD;
	}
	if (tl >= 6 && strncmp(t, "+goose", 6) == 0 && (tl == 6 || is_space(t[6]))) {
		const char *w = t + 6;
		size_t wl = tl - 6;
		while (wl && is_space(*w))
			w++, wl--;
		if (wl == 2 && strncasecmp(w, "up", 2) == 0)
			return MK_UP;
		if (wl == 4 && strncasecmp(w, "down", 4) == 0)
			return MK_DOWN;
		if ((wl == 14 && strncasecmp(w, "StatementBegin", 14) == 0) ||
		    (wl == 12 && strncasecmp(w, "StatementEnd", 12) == 0) ||
		    (wl == 8 && strncasecmp(w, "ENVSUB ON", 8) == 0))
			return MK_SKIP;
		if (wl == 14 && strncasecmp(w, "NO TRANSACTION", 14) == 0)
			return MK_NOTX_FILE;
		return MK_BAD;
	}
	/* -- UP / -- DOWN, alone on the line save options */
	for (j = 0; j < tl && !is_space(t[j]); j++)
		;
	if ((j == 2 && strncmp(t, "UP", 2) == 0) || (j == 4 && strncmp(t, "DOWN", 4) == 0)) {
		const char *o = t + j;
		size_t ol = tl - j;
		while (ol && is_space(*o))
			o++, ol--;
		/* "-- UP to now we did X" is prose, not a marker */
		if (ol && (ol < 12 || strncmp(o, "transaction:", 12) != 0))
			return MK_NONE;
		*opts = o;
		*optlen = ol;
		return t[0] == 'U' ? MK_UP : MK_DOWN;
	}
	return looks_like(t, tl);
}

/* The style of a line classify() took for an up marker. */
static enum marker_style style_of(const char *ln, size_t ll)
{
	size_t i;

	for (i = 0; i + 6 <= ll; i++) {
		if (memcmp(ln + i, "+goose", 6) == 0)
			return STYLE_GOOSE;
		if (i + 8 <= ll && memcmp(ln + i, "migrate:", 8) == 0)
			return STYLE_DBMATE;
	}
	return STYLE_PLAIN;
}

/*
 * The options after a marker. -1 with the word in bad for an unknown one;
 * -2 with both words in bad for a transaction option given twice (even
 * twice the same: which one did the author mean to keep?).
 */
static int parse_opts(const char *o, size_t ol, int *no_tx, struct sbuf *bad)
{
	size_t i = 0, seen = 0, seen_len = 0;
	int have = 0;

	while (i < ol) {
		size_t s;
		while (i < ol && is_space(o[i]))
			i++;
		s = i;
		while (i < ol && !is_space(o[i]))
			i++;
		if (i == s)
			break;
		if (i - s == 17 && strncmp(o + s, "transaction:false", 17) == 0)
			*no_tx = 1;
		else if (i - s == 16 && strncmp(o + s, "transaction:true", 16) == 0)
			*no_tx = 0;
		else {
			sbuf_reset(bad);
			sbuf_add(bad, o + s, i - s);
			return -1;
		}
		if (have) {
			sbuf_reset(bad);
			sbuf_add(bad, o + seen, seen_len);
			sbuf_adds(bad, "' and '");
			sbuf_add(bad, o + s, i - s);
			return -2;
		}
		have = 1;
		seen = s;
		seen_len = i - s;
	}
	return 0;
}

/* 1 if the text holds anything besides whitespace and -- comments. */
static int has_sql(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (is_space(s[i]) || s[i] == '\n') {
			i++;
		} else if (s[i] == '-' && i + 1 < n && s[i + 1] == '-') {
			while (i < n && s[i] != '\n')
				i++;
		} else {
			return 1;
		}
	}
	return 0;
}

/*
 * Where a strata directive comment (`-- strata:lint-ignore RULE`,
 * `-- strata:lint-ignore-file RULE`) starts on the line p[0..n): the offset
 * of its "--", or -1. Only when the text before it holds no quote, dollar
 * sign or block comment, so the words inside a string literal are never
 * taken for one (and a change to that string is still an edit).
 */
static long directive_at(const char *p, size_t n)
{
	static const char kw[] = "strata:lint-ignore";
	size_t k = sizeof kw - 1, i, j;

	for (i = 0; i + 1 < n; i++) {
		if (p[i] == '\'' || p[i] == '"' || p[i] == '$' || (p[i] == '/' && p[i + 1] == '*'))
			return -1;
		if (p[i] != '-' || p[i + 1] != '-')
			continue;
		j = i + 2;
		while (j < n && (p[j] == ' ' || p[j] == '\t'))
			j++;
		if (n - j < k || strncmp(p + j, kw, k) != 0)
			return -1; /* any other comment runs to the line end */
		j += k;
		/* the words lint reads as one (lib/lint.c ignore_list_at) */
		if (j == n || p[j] == ' ' || p[j] == '\t' || p[j] == ',' ||
		    (n - j >= 5 && strncmp(p + j, "-file", 5) == 0))
			return (long)i;
		return -1;
	}
	return -1;
}

/*
 * The content as its checksum reads it: strata's directive comments left
 * out (a line that holds nothing else goes whole; else the comment and the
 * blanks before it). They only tell lint what a reviewer accepted and run
 * nothing, so adding one to an applied migration must not make it
 * "edited". Returns 1 with the text in out when there was one, 0 when
 * there was none (out untouched: hash the content itself), -1 out of memory.
 */
static int without_directives(const char *content, size_t len, struct sbuf *out)
{
	size_t pos = 0, from = 0, next, ll, cut;
	const char *nl;
	long at;
	int any = 0;

	while (pos < len) {
		nl = memchr(content + pos, '\n', len - pos);
		next = nl ? (size_t)(nl - content) + 1 : len;
		ll = (nl ? (size_t)(nl - content) : len) - pos;
		if (ll && content[pos + ll - 1] == '\r')
			ll--;
		at = directive_at(content + pos, ll);
		if (at >= 0) {
			any = 1;
			cut = (size_t)at;
			while (cut && (content[pos + cut - 1] == ' ' || content[pos + cut - 1] == '\t'))
				cut--;
			sbuf_add(out, content + from, pos + cut - from);
			/* a line of nothing else goes with its line end */
			from = cut == 0 ? next : pos + ll;
		}
		pos = next;
	}
	if (!any)
		return 0;
	sbuf_add(out, content + from, len - from);
	return sbuf_failed(out) ? -1 : 1;
}

int migration_checksum_is(const struct migration *m, const char *recorded)
{
	return recorded && (strcmp(m->checksum, recorded) == 0 || strcmp(m->checksum_raw, recorded) == 0);
}

/* migration_parse(), with the hasher of a whole load (NULL: a one-off). */
static int parse_with(struct migration *m, const char *display, const char *content,
                      size_t len, struct util_sha256 *hasher, struct sbuf *err)
{
	struct sbuf sec[2] = { SBUF_INIT, SBUF_INIT };
	struct sbuf what = SBUF_INIT, bad = SBUF_INIT;
	long seen_line[2] = { 0, 0 };
	int cur = -1, file_no_tx = 0, rc = STRATA_EPARSE;
	size_t pos = 0, bom = 0, bad_off;
	long line = 0;
	const char *p;

	if ((p = memchr(content, '\0', len)) != NULL) {
		sbuf_setf(err, "%s:%ld: file contains a NUL byte (is it a binary file?)", display,
		          util_line_of(content, (size_t)(p - content)));
		goto out;
	}
	if (!util_utf8_valid(content, len, &bad_off)) {
		sbuf_setf(err, "%s:%ld: invalid UTF-8 (byte 0x%02x at offset %zu)", display,
		          util_line_of(content, bad_off), (unsigned char)content[bad_off], bad_off);
		goto out;
	}
	if (len >= 3 && memcmp(content, "\xEF\xBB\xBF", 3) == 0)
		pos = bom = 3; /* a BOM is an editor's habit, not SQL */

	while (pos < len) {
		const char *ln = content + pos;
		const char *nl = memchr(ln, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - ln) : len - pos;
		size_t next = pos + ll + (nl ? 1 : 0);
		const char *o;
		size_t ol;
		enum marker mk;

		line++;
		mk = classify(ln, ll, &o, &ol, &what);
		switch (mk) {
		case MK_BAD:
			sbuf_setf(err, "%s:%ld: unknown marker '%s'", display, line, what.buf);
			goto out;
		case MK_LIKE_UP:
		case MK_LIKE_DOWN: {
			const char *w = mk == MK_LIKE_UP ? "up" : "down";
			const char *W = mk == MK_LIKE_UP ? "Up" : "Down";
			sbuf_setf(err, "%s:%ld: '%s' looks like %s %s marker; markers are "
			          "'-- migrate:%s', '-- %s' or '-- +goose %s' (reword a comment "
			          "that is not one)", display, line, what.buf, mk == MK_LIKE_UP ? "an" : "a",
			          w, w, mk == MK_LIKE_UP ? "UP" : "DOWN", W);
			goto out;
		}
		case MK_UP:
		case MK_DOWN: {
			int k = mk == MK_UP ? 0 : 1;
			struct section *s = k ? &m->down : &m->up;
			if (seen_line[k]) {
				sbuf_setf(err, "%s:%ld: second '%s' marker (the first is on line %ld)",
				          display, line, what.buf, seen_line[k]);
				goto out;
			}
			if (cur < 0 && has_sql(content + bom, pos - bom)) {
				sbuf_setf(err, "%s:%ld: SQL before the first marker (start the file with '-- migrate:up')",
				          display, line);
				goto out;
			}
			seen_line[k] = line;
			switch (parse_opts(o, ol, &s->no_tx, &bad)) {
			case -1:
				sbuf_setf(err, "%s:%ld: unknown option '%s' on marker (expected transaction:false)",
				          display, line, bad.buf);
				goto out;
			case -2:
				sbuf_setf(err, "%s:%ld: options '%s' on one marker (give transaction:false once, "
				          "or nothing for a transaction)", display, line, bad.buf);
				goto out;
			}
			if (k == 0)
				m->style = style_of(ln, ll);
			s->line = line + 1;
			cur = k;
			break;
		}
		case MK_SKIP:
			if (cur >= 0)
				sbuf_addc(&sec[cur], '\n');
			break;
		case MK_NOTX_FILE:
			file_no_tx = 1;
			if (cur >= 0)
				sbuf_addc(&sec[cur], '\n');
			break;
		case MK_NONE:
			if (cur >= 0) {
				sbuf_add(&sec[cur], ln, ll);
				sbuf_addc(&sec[cur], '\n');
			}
			break;
		}
		pos = next;
	}
	if (!seen_line[0]) {
		if (has_sql(content + bom, len - bom))
			sbuf_setf(err, "%s:1: no '-- migrate:up' marker (every migration starts with one)", display);
		else
			sbuf_setf(err, "%s:1: no '-- migrate:up' section (the file is empty)", display);
		goto out;
	}
	if (sbuf_failed(&sec[0]) || sbuf_failed(&sec[1])) {
		sbuf_setf(err, "%s: out of memory", display);
		rc = STRATA_ENOMEM;
		goto out;
	}
	if (util_sha256_hex_lf(hasher, content, len, m->checksum_raw)) {
		sbuf_setf(err, "%s: out of memory", display);
		rc = STRATA_ENOMEM;
		goto out;
	}
	{
		struct sbuf plain = SBUF_INIT;
		int any = without_directives(content, len, &plain);
		if (any < 0 || (any && util_sha256_hex_lf(hasher, plain.buf, plain.len, m->checksum))) {
			sbuf_release(&plain);
			sbuf_setf(err, "%s: out of memory", display);
			rc = STRATA_ENOMEM;
			goto out;
		}
		if (!any)
			memcpy(m->checksum, m->checksum_raw, sizeof m->checksum);
		sbuf_release(&plain);
	}
	m->up.sql = sbuf_detach(&sec[0]);
	if (seen_line[1])
		m->down.sql = sbuf_detach(&sec[1]);
	if (file_no_tx)
		m->up.no_tx = m->down.no_tx = 1;
	rc = 0;
out:
	if (rc)
		sbuf_escape_controls(err, 0);
	sbuf_release(&sec[0]);
	sbuf_release(&sec[1]);
	sbuf_release(&what);
	sbuf_release(&bad);
	return rc;
}

int migration_parse(struct migration *m, const char *display, const char *content,
                    size_t len, struct sbuf *err)
{
	return parse_with(m, display, content, len, NULL, err);
}

void migrations_release(struct migration_set *s)
{
	size_t i;

	if (s->borrowed) {
		memset(s, 0, sizeof *s);
		return;
	}
	for (i = 0; i < s->n; i++)
		migration_release(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

struct migration *migrations_find(const struct migration_set *s, const char *version)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = version_cmp(s->v[mid].version, version);
		if (!c)
			return &s->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int cmp_mig(const void *a, const void *b)
{
	return version_cmp(((const struct migration *)a)->version,
	                   ((const struct migration *)b)->version);
}

/* Split "0001_name.sql" into version and name; 0 if it is not that shape. */
static int split_filename(const char *fn, char **version, char **name)
{
	size_t n = strlen(fn), v = 0, i;

	*version = *name = NULL;
	if (n < 7 || strcmp(fn + n - 4, ".sql") != 0)
		return 0;
	while (fn[v] >= '0' && fn[v] <= '9')
		v++;
	if (v == 0 || fn[v] != '_' || v + 1 >= n - 4)
		return 0;
	for (i = v + 1; i < n - 4; i++) {
		unsigned char c = (unsigned char)fn[i];
		if (!(c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || c == '.'))
			return 0;
	}
	*version = sbuf_strndup(fn, v);
	*name = sbuf_strndup(fn + v + 1, n - 4 - v - 1);
	return *version && *name;
}

/* A symlink must stay inside the migrations directory. */
static int inside_dir(const char *realdir, const char *path)
{
	char rp[PATH_MAX];
	size_t n = strlen(realdir);

	if (!realpath(path, rp))
		return 0;
	return strncmp(rp, realdir, n) == 0 && rp[n] == '/';
}

/*
 * readdir's d_type (not in POSIX, but Linux and the BSDs fill it on their
 * usual file systems) tells a regular file without an lstat(). Where it is
 * missing or DT_UNKNOWN, the entry is checked by name like a symlink.
 */
static int listed_as_regular(const struct dirent *de)
{
#ifdef DT_REG
	return de->d_type == DT_REG;
#else
	(void)de;
	return 0;
#endif
}

static int too_big(const char *path, struct sbuf *err)
{
	sbuf_setf(err, "%s: file is larger than 64 MiB", path);
	return STRATA_EPARSE;
}

/*
 * The checks by name, for an entry that is (or may be) a symlink or not a
 * regular file: refused before it is ever opened. On success *fd is the
 * file, opened.
 */
static int open_by_name(const char *realdir, const char *path, int *fd, struct sbuf *err)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		sbuf_setf(err, "%s: %s", path, strerror(errno));
		return STRATA_EIO;
	}
	if (S_ISLNK(st.st_mode) && access(path, F_OK) != 0) {
		sbuf_setf(err, "%s: symbolic link to %s", path,
		          errno == ENOENT ? "a file that does not exist" : strerror(errno));
		return STRATA_EPARSE;
	}
	if (S_ISLNK(st.st_mode) && !inside_dir(realdir, path)) {
		sbuf_setf(err, "%s: symbolic link points outside the migrations directory", path);
		return STRATA_EPARSE;
	}
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		sbuf_setf(err, "%s: not a regular file", path);
		return STRATA_EPARSE;
	}
	if ((size_t)st.st_size > MAX_FILE_SIZE)
		return too_big(path, err);
	/* O_NONBLOCK: a FIFO swapped in since stat() must not hang the open. */
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (*fd < 0) {
		int e = errno;
		sbuf_setf(err, "%s: cannot read: %s", path, strerror(e));
		return e == ENOENT ? STRATA_ENOTFOUND : STRATA_EIO;
	}
	return 0;
}

/*
 * Read the entry de of the directory dfd (path names it in messages) into
 * content, emptied first. The common case costs four system calls: openat() without following a
 * symlink, fstat() on the descriptor (what was opened is what is checked:
 * a regular file of at most 64 MiB), one read() of size + 1 bytes (one that
 * stops exactly at the size fstat() gave is at the end of the file, so no
 * second read is made to see 0), close(). A file that grows meanwhile is
 * read on, up to the cap.
 */
static int read_migration(int dfd, const struct dirent *de, const char *realdir,
                          const char *path, struct sbuf *content, struct sbuf *err)
{
	struct stat st;
	size_t size;
	int fd = -1, rc = 0;

	if (de && listed_as_regular(de))
		fd = openat(dfd, de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	/* Not listed as a regular file, or no longer one: the checks by name. */
	if (fd < 0 && (rc = open_by_name(realdir, path, &fd, err)) != 0)
		return rc;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		sbuf_setf(err, "%s: not a regular file", path);
		rc = STRATA_EPARSE;
		goto out;
	}
	if ((size_t)st.st_size > MAX_FILE_SIZE) {
		rc = too_big(path, err);
		goto out;
	}
	size = (size_t)st.st_size;
	sbuf_reset(content);
	for (;;) {
		size_t want = content->len <= size ? size + 1 - content->len : 65536;
		ssize_t n;

		if (sbuf_grow(content, want)) {
			sbuf_setf(err, "%s: out of memory", path);
			rc = STRATA_ENOMEM;
			goto out;
		}
		n = read(fd, content->buf + content->len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sbuf_setf(err, "%s: cannot read: %s", path, strerror(errno));
			rc = STRATA_EIO;
			goto out;
		}
		content->len += (size_t)n;
		content->buf[content->len] = '\0';
		if (content->len > MAX_FILE_SIZE) {
			rc = too_big(path, err);
			goto out;
		}
		if (n == 0 || ((size_t)n < want && content->len == size))
			break;
	}
out:
	close(fd);
	return rc;
}

/*
 * A Drizzle folder (drizzle-kit generate): meta/_journal.json lists the
 * migrations, in order, by tag; each is <tag>.sql, up only, its statements
 * split by "--> statement-breakpoint" lines (SQL comments to both engines'
 * parsers, so the file runs as it is). The journal is someone else's file:
 * its size is bounded, malformed JSON is refused with the file and the
 * reason, and a tag must be a plain file name of the folder
 * (<digits>_<letters, digits, _ ->), never a path.
 */
static int load_drizzle(const char *dir, const char *realdir, struct migration_set *out,
                        struct sbuf *err)
{
	struct sbuf jpath = SBUF_INIT, path = SBUF_INIT, content = SBUF_INIT;
	json_t *root = NULL, *entries;
	json_error_t je;
	size_t i, n;
	int rc = 0, fd = -1;

	sbuf_addf(&jpath, "%.*s/meta/_journal.json", migration_dir_len(dir), dir);
	if (sbuf_failed(&jpath)) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	/* open_by_name: regular file, symlinks only inside the folder */
	if ((rc = open_by_name(realdir, jpath.buf, &fd, err)) != 0)
		goto out;
	for (;;) {
		ssize_t k;
		if (sbuf_grow(&content, 65536)) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		k = read(fd, content.buf + content.len, 65536);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			sbuf_setf(err, "%s: cannot read: %s", jpath.buf, strerror(errno));
			rc = STRATA_EIO;
			goto out;
		}
		if (k == 0)
			break;
		content.len += (size_t)k;
		content.buf[content.len] = '\0';
		if (content.len > MAX_JOURNAL_SIZE) {
			sbuf_setf(err, "%s: file is larger than 4 MiB", jpath.buf);
			rc = STRATA_EPARSE;
			goto out;
		}
	}
	root = json_loadb(content.buf ? content.buf : "", content.len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		sbuf_setf(err, "%s:%d: malformed JSON: %s", jpath.buf, je.line, je.text);
		rc = STRATA_EPARSE;
		goto out;
	}
	entries = json_is_object(root) ? json_object_get(root, "entries") : NULL;
	if (!json_is_array(entries)) {
		sbuf_setf(err, "%s: not a Drizzle journal (no \"entries\" array)", jpath.buf);
		rc = STRATA_EPARSE;
		goto out;
	}
	n = json_array_size(entries);
	if (n > MAX_JOURNAL_ENTRIES) {
		sbuf_setf(err, "%s: more than %d entries", jpath.buf, MAX_JOURNAL_ENTRIES);
		rc = STRATA_EPARSE;
		goto out;
	}
	out->v = calloc(n ? n : 1, sizeof *out->v);
	if (!out->v) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(entries, i);
		json_t *tag = json_is_object(e) ? json_object_get(e, "tag") : NULL;
		json_t *when = json_is_object(e) ? json_object_get(e, "when") : NULL;
		struct migration *m = &out->v[out->n];
		const char *t;
		char *version = NULL, *name = NULL, *fn = NULL;

		if (!json_is_string(tag)) {
			sbuf_setf(err, "%s: entry %zu has no \"tag\" string", jpath.buf, i);
			rc = STRATA_EPARSE;
			goto out;
		}
		t = json_string_value(tag);
		fn = strlen(t) < 200 ? malloc(strlen(t) + 5) : NULL;
		if (fn) {
			memcpy(fn, t, strlen(t));
			memcpy(fn + strlen(t), ".sql", 5);
		}
		/* split_filename() admits '.' in names: a tag must not have one */
		if (!fn || strchr(t, '.') || strlen(t) != json_string_length(tag) ||
		    !split_filename(fn, &version, &name) || !version_valid(version)) {
			sbuf_setf(err, "%s: entry %zu: tag '%.60s' is not <digits>_<name> (a file of "
			          "the folder, not a path)", jpath.buf, i, t);
			free(fn);
			free(version);
			free(name);
			rc = STRATA_EPARSE;
			goto out;
		}
		memset(m, 0, sizeof *m);
		m->version = version;
		m->name = name;
		m->filename = fn;
		out->n++;
		if (out->n > 1 && version_cmp(out->v[out->n - 2].version, version) >= 0) {
			sbuf_setf(err, "%s: entry %zu: tag '%s' is not after '%s_%s' (the journal's "
			          "order must be its versions' order)", jpath.buf, i, t,
			          out->v[out->n - 2].version, out->v[out->n - 2].name);
			rc = STRATA_EPARSE;
			goto out;
		}
		if (when && json_is_integer(when))
			m->when = (long long)json_integer_value(when);
		sbuf_reset(&path);
		sbuf_addf(&path, "%.*s/%s", migration_dir_len(dir), dir, fn);
		if (sbuf_failed(&path) || !(m->path = strdup(path.buf))) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		if ((rc = read_migration(-1, NULL, realdir, path.buf, &content, err)) != 0)
			goto out;
		if (memchr(content.buf, '\0', content.len)) {
			sbuf_setf(err, "%s: file contains a NUL byte (is it a binary file?)", path.buf);
			rc = STRATA_EPARSE;
			goto out;
		}
		util_sha256_hex(content.buf, content.len, m->raw_sha256);
		if (util_sha256_hex_lf(NULL, content.buf, content.len, m->checksum) != 0 ||
		    !(m->up.sql = sbuf_strndup(content.buf, content.len))) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		m->up.line = 1;
		m->style = STYLE_PLAIN;
	}
	out->drizzle = 1;
	out->sequence = 1;
out:
	if (rc == STRATA_ENOMEM)
		sbuf_setf(err, "%s: out of memory", jpath.buf ? jpath.buf : dir);
	if (fd >= 0)
		close(fd);
	json_decref(root);
	sbuf_release(&jpath);
	sbuf_release(&path);
	sbuf_release(&content);
	return rc;
}

/* Whether dir is a Drizzle folder: it has meta/_journal.json. */
static int is_drizzle(const char *dir)
{
	struct sbuf p = SBUF_INIT;
	struct stat st;
	int yes;

	sbuf_addf(&p, "%.*s/meta/_journal.json", migration_dir_len(dir), dir);
	yes = !sbuf_failed(&p) && lstat(p.buf, &st) == 0;
	sbuf_release(&p);
	return yes;
}

/*
 * A squash file's `-- strata:replaces V1 V2 ...` line (at a line start,
 * before its up marker or anywhere: the first one counts): the versions it
 * stands for. The file's own version must be the last of them, so it sorts
 * where the replaced ones did.
 */
static int parse_replaces(struct migration *m, const char *content, size_t len, struct sbuf *err)
{
	static const char kw[] = "-- strata:replaces";
	size_t pos = 0, k = sizeof kw - 1;

	while (pos < len) {
		const char *nl = memchr(content + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - content) : len, i;

		if (end - pos > k && !strncmp(content + pos, kw, k) &&
		    (content[pos + k] == ' ' || content[pos + k] == '\t')) {
			for (i = pos + k; i < end;) {
				size_t w;
				char **nv;
				while (i < end && (content[i] == ' ' || content[i] == '\t' || content[i] == '\r'))
					i++;
				if (i == end)
					break;
				for (w = i; w < end && content[w] != ' ' && content[w] != '\t' &&
				            content[w] != '\r'; w++)
					;
				if (!(nv = realloc(m->replaces, (m->nreplaces + 1) * sizeof *nv)))
					return STRATA_ENOMEM;
				m->replaces = nv;
				if (!(nv[m->nreplaces] = strndup(content + i, w - i)))
					return STRATA_ENOMEM;
				if (!version_valid(nv[m->nreplaces++])) {
					sbuf_setf(err, "%s: strata:replaces: '%.40s' is not a version", m->path,
					          nv[m->nreplaces - 1]);
					return STRATA_EPARSE;
				}
				i = w;
			}
			/* Only older versions, in order: a squash cannot hide a later file. */
			for (i = 1; i < m->nreplaces; i++)
				if (version_cmp(m->replaces[i - 1], m->replaces[i]) >= 0) {
					sbuf_setf(err, "%s: strata:replaces must list versions in "
					          "ascending order, ending with its own (%s)", m->path,
					          m->version);
					return STRATA_EPARSE;
				}
			if (!m->nreplaces || version_cmp(m->replaces[m->nreplaces - 1], m->version)) {
				sbuf_setf(err, "%s: strata:replaces must list the versions it replaces, "
				          "ending with its own (%s)", m->path, m->version);
				return STRATA_EPARSE;
			}
			return 0;
		}
		pos = end + 1;
	}
	return 0;
}

/* 1 if version v is one that a squash in s (other than s->v[self]) replaces. */
static int replaced_by_other(const struct migration_set *s, size_t self)
{
	size_t i, k;

	for (i = 0; i < s->n; i++) {
		if (i == self || !s->v[i].nreplaces)
			continue;
		for (k = 0; k < s->v[i].nreplaces; k++)
			if (!version_cmp(s->v[i].replaces[k], s->v[self].version))
				return 1;
	}
	return 0;
}

/*
 * The files a squash replaces may stay until the user deletes them: they
 * are covered by it, so the set holds the squash alone (and the version
 * the squash shares with the last of them is not a duplicate).
 */
static int drop_replaced(struct migration_set *s)
{
	unsigned char *drop;
	size_t i, j = 0;

	if (s->n < 2)
		return 0;
	/* No squash, nothing to drop: the usual case, without the n x n look. */
	for (i = 0; i < s->n && !s->v[i].nreplaces; i++)
		;
	if (i == s->n)
		return 0;
	if (!(drop = calloc(s->n, 1)))
		return STRATA_ENOMEM;
	for (i = 0; i < s->n; i++)
		drop[i] = !s->v[i].nreplaces && replaced_by_other(s, i);
	for (i = 0; i < s->n; i++) {
		if (drop[i]) {
			migration_release(&s->v[i]);
			continue;
		}
		if (j != i)
			s->v[j] = s->v[i];
		j++;
	}
	s->n = j;
	free(drop);
	return 0;
}

/*
 * A migration file's name, the same checks for a folder's files and for
 * those given as text (an embedded source, `up FILE`): into m (zeroed
 * first) its version and name, or STRATA_EPARSE with err set. path names
 * the file in messages, except in the one about invalid UTF-8, which
 * names its folder only (the name itself would carry the bad bytes).
 */
static int name_from_file(struct migration *m, const char *filename, const char *path,
                          struct sbuf *err)
{
	const char *slash = strrchr(path, '/');

	memset(m, 0, sizeof *m);
	if (!util_utf8_valid(filename, strlen(filename), NULL)) {
		if (slash)
			sbuf_setf(err, "%.*s/: a file name is not valid UTF-8", (int)(slash - path), path);
		else
			sbuf_setf(err, "a migration file name is not valid UTF-8");
		return STRATA_EPARSE;
	}
	if (strchr(filename, '/') || !split_filename(filename, &m->version, &m->name)) {
		migration_release(m);
		sbuf_setf(err, "%s: file name is not <version>_<name>.sql (version: digits; name: "
		          "letters, digits, _ - .)", path);
		return STRATA_EPARSE;
	}
	if (!version_valid(m->version)) {
		sbuf_setf(err, "%s: version '%.40s%s' is longer than %d digits", path, m->version,
		          strlen(m->version) > 40 ? "..." : "", MAX_VERSION_LEN);
		migration_release(m);
		return STRATA_EPARSE;
	}
	return 0;
}

/* The rest of a migration named by name_from_file(): its file name, path
 * and parsed content. On failure m is released. */
static int parse_file(struct migration *m, const char *filename, const char *path,
                      const char *content, size_t len, struct util_sha256 *hasher,
                      struct sbuf *err)
{
	int rc;

	m->filename = strdup(filename);
	m->path = strdup(path);
	if (!m->filename || !m->path) {
		migration_release(m);
		return STRATA_ENOMEM;
	}
	rc = parse_with(m, path, content, len, hasher, err);
	if (!rc)
		rc = parse_replaces(m, content, len, err);
	if (rc)
		migration_release(m);
	return rc;
}

int migrations_load(const char *dir, struct migration_set *out, struct sbuf *err)
{
	DIR *d = NULL;
	struct dirent *de;
	struct sbuf path = SBUF_INIT, content = SBUF_INIT;
	struct util_sha256 hasher = UTIL_SHA256_INIT;
	char realdir[PATH_MAX];
	size_t alloc = 0, prefix;
	int rc = 0;

	out->n = 0;
	out->v = NULL;
	out->sequence = 0;
	out->drizzle = 0;
	out->borrowed = 0;
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT) {
			sbuf_setf(err, "migrations directory '%s' does not exist", dir);
			return STRATA_ENOTFOUND;
		}
		sbuf_setf(err, "cannot open migrations directory '%s': %s", dir, strerror(errno));
		return errno == ENOTDIR ? STRATA_EPARSE : STRATA_EIO;
	}
	if (!realpath(dir, realdir)) {
		sbuf_setf(err, "cannot resolve '%s': %s", dir, strerror(errno));
		rc = STRATA_EIO;
		goto out;
	}
	if (is_drizzle(dir)) {
		rc = load_drizzle(dir, realdir, out, err);
		goto out;
	}
	sbuf_add(&path, dir, (size_t)migration_dir_len(dir));
	sbuf_addc(&path, '/');
	prefix = path.len;
	while ((de = readdir(d)) != NULL) {
		const char *fn = de->d_name;
		size_t fl = strlen(fn);
		struct migration m;

		if (fn[0] == '.' || fl < 4 || strcmp(fn + fl - 4, ".sql") != 0)
			continue;
		sbuf_truncate(&path, prefix);
		sbuf_add(&path, fn, fl);
		if (sbuf_failed(&path)) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		if ((rc = name_from_file(&m, fn, path.buf, err)) != 0)
			goto out;
		rc = read_migration(dirfd(d), de, realdir, path.buf, &content, err);
		if (rc) {
			migration_release(&m);
			goto out;
		}
		if ((rc = parse_file(&m, fn, path.buf, content.buf, content.len, &hasher, err)) != 0)
			goto out;
		if ((rc = migrations_push(out, &alloc, &m)) != 0)
			goto out;
	}
	rc = migrations_finish(out, err);
out:
	if (d)
		closedir(d);
	sbuf_release(&path);
	sbuf_release(&content);
	util_sha256_release(&hasher);
	if (rc)
		migrations_release(out);
	return rc;
}

/* m appended to s (alloc: s's capacity, grown by doubling); on failure m
 * is released. 0 or STRATA_ENOMEM. */
int migrations_push(struct migration_set *s, size_t *alloc, struct migration *m)
{
	if (s->n == *alloc) {
		size_t na = *alloc ? *alloc * 2 : 64;
		struct migration *nv = realloc(s->v, na * sizeof *nv);
		if (!nv) {
			migration_release(m);
			return STRATA_ENOMEM;
		}
		s->v = nv;
		*alloc = na;
	}
	s->v[s->n++] = *m;
	return 0;
}

int migrations_finish(struct migration_set *s, struct sbuf *err)
{
	size_t i, nseq = 0;
	int rc;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof *s->v, cmp_mig);
	if ((rc = drop_replaced(s)) != 0)
		return rc;
	for (i = 0; i < s->n; i++) {
		if (i > 0 && version_cmp(s->v[i - 1].version, s->v[i].version) == 0) {
			sbuf_setf(err, "%s: version %s is also used by %s", s->v[i].path, s->v[i].version,
			          s->v[i - 1].filename);
			return STRATA_EPARSE;
		}
		if (s->v[i].version[0] == '0' || strlen(s->v[i].version) < 14)
			nseq++;
	}
	s->sequence = s->n > 0 && nseq == s->n;
	return 0;
}

int migration_from_text(struct migration *m, const char *filename, const char *path,
                        const char *content, size_t len, struct util_sha256 *hasher,
                        struct sbuf *err)
{
	int rc;

	if ((rc = name_from_file(m, filename, path, err)) != 0)
		return rc;
	if (len > MAX_FILE_SIZE) {
		migration_release(m);
		return too_big(path, err);
	}
	return parse_file(m, filename, path, content, len, hasher, err);
}

/* strata.sum's text for s; have (or NULL): a strata.sum read, whose form
 * of each file's checksum (with or without directive comments) is kept
 * where it records the older one. */
static void sum_render_as(const struct migration_set *s, const char *have, struct sbuf *out)
{
	struct sbuf body = SBUF_INIT;
	char total[65];
	size_t i;

	for (i = 0; i < s->n; i++) {
		const char *sum = s->v[i].checksum, *fn = s->v[i].filename, *at = have;
		size_t fl = strlen(fn);
		while (have && (at = strstr(at, fn)) != NULL) {
			if ((at == have || at[-1] == '\n') && at[fl] == ' ')
				break;
			at++;
		}
		if (at && strncmp(at + fl + 1, s->v[i].checksum_raw, 64) == 0)
			sum = s->v[i].checksum_raw;
		sbuf_addf(&body, "%s %s\n", fn, sum);
	}
	util_sha256_hex(body.buf, body.len, total);
	sbuf_addf(out, "total %s\n", total);
	sbuf_add(out, body.buf, body.len);
	sbuf_release(&body);
}

void sum_render(const struct migration_set *s, struct sbuf *out)
{
	sum_render_as(s, NULL, out);
}

int sum_check_text(const char *where, const char *have, const struct migration_set *s,
                   struct sbuf *err)
{
	struct sbuf want = SBUF_INIT;
	size_t i, hl = strlen(have);
	int rc = 0;

	sum_render_as(s, have, &want);
	if (sbuf_failed(&want)) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	if (hl == want.len && memcmp(have, want.buf, want.len) == 0)
		goto out;
	/* Name the first file that differs: that is what a person fixes. */
	rc = STRATA_ECHECKSUM;
	for (i = 0; i < s->n; i++) {
		const char *fn = s->v[i].filename;
		const char *at = strstr(have, fn);
		size_t fl = strlen(fn);
		if (!at || (at != have && at[-1] != '\n') || at[fl] != ' ') {
			sbuf_setf(err, "%s: %s is not in the file (a new migration?)",
			          where, fn);
			goto out;
		}
		if (strncmp(at + fl + 1, s->v[i].checksum, 64) != 0 &&
		    strncmp(at + fl + 1, s->v[i].checksum_raw, 64) != 0) {
			sbuf_setf(err, "%s: %s was edited after it was hashed",
			          where, fn);
			goto out;
		}
	}
	sbuf_setf(err, "%s: does not match the migrations (a file was removed or the sum edited)",
	          where);
out:
	sbuf_release(&want);
	return rc;
}

int sum_check(const char *dir, const struct migration_set *s, struct sbuf *err)
{
	struct sbuf path = SBUF_INIT, have = SBUF_INIT;
	int rc;

	sbuf_addf(&path, "%.*s/strata.sum", migration_dir_len(dir), dir);
	rc = util_read_file(path.buf, &have);
	if (rc == STRATA_ENOTFOUND) {
		rc = 0; /* no file, nothing enforced */
		goto out;
	}
	if (rc) {
		sbuf_setf(err, "%s: cannot read: %s", path.buf, util_file_strerror(errno));
		goto out;
	}
	/* The text ends at its first NUL: what follows one would go unread. */
	if (have.len && memchr(have.buf, '\0', have.len)) {
		rc = STRATA_ECHECKSUM;
		sbuf_setf(err, "%s: has a NUL byte: not a sum strata wrote", path.buf);
		goto out;
	}
	rc = sum_check_text(path.buf, have.buf ? have.buf : "", s, err);
out:
	sbuf_release(&path);
	sbuf_release(&have);
	return rc;
}

int sum_write(const char *dir, const struct migration_set *s, struct sbuf *err)
{
	struct sbuf path = SBUF_INIT, body = SBUF_INIT;
	int rc;

	sbuf_addf(&path, "%.*s/strata.sum", migration_dir_len(dir), dir);
	sum_render(s, &body);
	if (sbuf_failed(&path) || sbuf_failed(&body)) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	rc = util_write_file(path.buf, body.buf, body.len);
	if (rc)
		sbuf_setf(err, "%s: cannot write: %s", path.buf, strerror(errno));
out:
	sbuf_release(&path);
	sbuf_release(&body);
	return rc;
}

/* ---- files only ------------------------------------------------------- */

int strata_hash_dir(const char *dir, char **errmsg)
{
	struct migration_set ms = { 0 };
	struct sbuf err = SBUF_INIT;
	int rc;

	*errmsg = NULL;
	rc = migrations_load(dir, &ms, &err);
	if (!rc)
		rc = sum_write(dir, &ms, &err);
	if (rc)
		*errmsg = sbuf_detach(&err);
	sbuf_release(&err);
	migrations_release(&ms);
	return rc;
}

/* The message of a call made through its errmsg form, onto db. */
static int db_error_taken(strata_db *db, int rc, char *msg, const char *dir)
{
	if (!rc)
		return 0;
	db_error(db, rc, "%s", msg ? msg : strata_strerror(rc));
	free(msg);
	if (rc == STRATA_ECHECKSUM)
		db_why(db, STRATA_WHY_SUM_STALE, NULL, NULL, NULL);
	else if (rc == STRATA_ENOTFOUND && access(dir, F_OK) != 0 && errno == ENOENT)
		db_why(db, STRATA_WHY_NO_DIR, dir, NULL, NULL);
	return rc;
}

int strata_sum_write(strata_db *db)
{
	char *msg = NULL;

	int rc;

	db_clear_error(db);
	rc = strata_hash_dir(db->dir, &msg);
	return db_error_taken(db, rc, msg, db->dir);
}

/* A name that stays a plain file name: letters, digits, _ and -. */
static int name_ok(const char *name)
{
	size_t i;

	if (!*name || strlen(name) > 200)
		return 0;
	for (i = 0; name[i]; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z')))
			return 0;
	}
	return 1;
}

/* mkdir -p: dbmate users keep db/migrations. */
static int mkdir_p(const char *dir)
{
	char *p = strdup(dir), *q;
	int rc = 0;

	if (!p)
		return -1;
	for (q = p + 1; *q && !rc; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			rc = -1;
		*q = '/';
	}
	if (!rc && mkdir(p, 0777) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/*
 * Concurrent `new`s (a script, two terminals) each read the directory,
 * pick the version after the last and write: without a lock two of them
 * pick one version. An exclusive flock() on the directory itself holds
 * from the read to the strata.sum rewrite, and leaves no file behind.
 * Returns the descriptor to close (which unlocks), or -1 with errno.
 */
static int lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		if (mkdir_p(dir) != 0)
			return -1;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0)
		return -1;
#ifdef HAVE_FLOCK
	/* A file system without locks (ENOLCK on some NFS setups) still gets
	 * the exclusive create: no file is ever overwritten, only the
	 * one-version-each promise is lost there. */
	while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
		;
#endif
	return fd;
}

int strata_new_migration(const char *dir, const char *name, char **path_out, char **errmsg)
{
	struct migration_set ms = { 0 };
	struct sbuf err = SBUF_INIT, path = SBUF_INIT, version = SBUF_INIT;
	/* The template follows the markers of the directory's newest file. */
	static const char *const bodies[] = {
		[STYLE_DBMATE] = "-- migrate:up\n\n\n-- migrate:down\n\n",
		[STYLE_PLAIN] = "-- UP\n\n\n-- DOWN\n\n",
		[STYLE_GOOSE] = "-- +goose Up\n\n\n-- +goose Down\n\n",
	};
	const char *body = bodies[STYLE_DBMATE];
	int rc, dfd = -1;

	if (path_out)
		*path_out = NULL;
	*errmsg = NULL;
	if (!name_ok(name)) {
		sbuf_setf(&err, "'%s' is not a migration name (use letters, digits, _ and -)", name);
		rc = STRATA_EUSAGE;
		goto out;
	}
	if ((dfd = lock_dir(dir)) < 0) {
		int e = errno;
		sbuf_setf(&err, "cannot create or open directory '%s': %s", dir, strerror(e));
		rc = e == ENOTDIR ? STRATA_EPARSE : STRATA_EIO;
		goto out;
	}
	rc = migrations_load(dir, &ms, &err);
	if (!rc && ms.n)
		body = bodies[ms.v[ms.n - 1].style];
	/* A strata.sum that is already wrong is not silently blessed by
	 * rewriting it with the new file. */
	if (!rc)
		rc = sum_check(dir, &ms, &err);
	if (rc)
		goto out;
	if (ms.sequence) {
		/* Keep the directory's own numbering: width of the last version. */
		const char *last = ms.v[ms.n - 1].version;
		unsigned long long v = strtoull(last, NULL, 10) + 1;
		sbuf_addf(&version, "%0*llu", (int)strlen(last), v);
	} else {
		char now[15];
		util_now_version(now);
		sbuf_adds(&version, now);
		if (ms.n && version_cmp(now, ms.v[ms.n - 1].version) <= 0) {
			/* Two `new`s in one second, or a clock behind: stay ordered,
			 * one second after the last (still a time of day), or one
			 * more than a last version that is no timestamp. */
			const char *last = ms.v[ms.n - 1].version;
			sbuf_reset(&version);
			if (util_version_after(last, now) == 0)
				sbuf_adds(&version, now);
			else
				sbuf_addf(&version, "%llu", strtoull(last, NULL, 10) + 1);
		}
	}
	sbuf_addf(&path, "%.*s/%s_%s.sql", migration_dir_len(dir), dir, version.buf, name);
	if (sbuf_failed(&path)) {
		rc = STRATA_ENOMEM;
		goto out;
	}
	rc = util_create_file(path.buf, body, strlen(body));
	if (rc && errno == EEXIST) {
		sbuf_setf(&err, "%s already exists", path.buf);
		goto out;
	} else if (rc) {
		sbuf_setf(&err, "cannot write %s: %s", path.buf, strerror(errno));
		goto out;
	}
	/* strata.sum, when the directory keeps one, follows every new file. */
	{
		struct sbuf sp = SBUF_INIT;
		sbuf_addf(&sp, "%.*s/strata.sum", migration_dir_len(dir), dir);
		if (access(sp.buf, F_OK) == 0) {
			migrations_release(&ms);
			rc = migrations_load(dir, &ms, &err);
			if (!rc)
				rc = sum_write(dir, &ms, &err);
		}
		sbuf_release(&sp);
		if (rc)
			goto out;
	}
	if (path_out)
		*path_out = sbuf_detach(&path);
out:
	if (dfd >= 0)
		close(dfd);
	if (rc)
		*errmsg = sbuf_failed(&err) ? strdup("out of memory") : sbuf_detach(&err);
	sbuf_release(&err);
	sbuf_release(&path);
	sbuf_release(&version);
	migrations_release(&ms);
	return rc;
}

int strata_migration_create(strata_db *db, const char *name, char **path_out)
{
	char *msg = NULL;

	int rc;

	db_clear_error(db);
	rc = strata_new_migration(db->dir, name, path_out, &msg);
	return db_error_taken(db, rc, msg, db->dir);
}
