/*
 * migration.h: migration files: finding them in a directory, parsing their
 * up and down sections, ordering by version, hashing, and strata.sum.
 * Nothing here touches a database.
 */
#ifndef STRATA_MIGRATION_H
#define STRATA_MIGRATION_H

#include <stddef.h>
#include "sbuf.h"

struct section {
	char *sql;        /* the section's text, marker line excluded; NULL if absent */
	long line;        /* line of the file where sql begins */
	int no_tx;        /* transaction:false on the marker */
};

/* Which family of markers a file uses (its up marker's), so `new` can follow it. */
enum marker_style { STYLE_DBMATE = 0, STYLE_PLAIN, STYLE_GOOSE };

struct migration {
	char *version;    /* as in the file name, "20240101120000" or "0007" */
	char *name;       /* "create_users" */
	char *filename;   /* "20240101120000_create_users.sql" */
	char *path;       /* dir + "/" + filename */
	char checksum[65];     /* the file's, strata directive comments left out (what is recorded) */
	char checksum_raw[65]; /* the whole file's, as strata recorded before 2026-12 */
	struct section up, down;
	enum marker_style style;
	char raw_sha256[65];   /* Drizzle folders: SHA-256 of the file as it is (Drizzle's
	                          hash); "" otherwise */
	long long when;        /* Drizzle folders: the journal's "when" (ms); 0 otherwise */
	char **replaces;       /* a squash (`-- strata:replaces V...`): the versions it
	                          stands for, its own last; NULL otherwise */
	size_t nreplaces;
};

struct migration_set {
	size_t n;
	struct migration *v;   /* sorted by version */
	int sequence;          /* the directory numbers its versions 0001, 0002... */
	int drizzle;           /* a Drizzle folder: meta/_journal.json lists the files */
	int borrowed;          /* a copy of a struct migration_shared's set: its
	                          release frees nothing (the owner's does) */
};

/*
 * A set read, parsed and checked once, and lent, read-only, to many handles
 * at once (lib/fleet.c: one per target of a fleet, in parallel threads):
 * the runner borrows it instead of reading the directory again. sum_rc and
 * sum_err: what sum_check() said of it (0 and NULL: strata.sum agrees or is
 * absent), for the calls that check the sum.
 */
struct migration_shared {
	struct migration_set set;
	int sum_rc;
	char *sum_err;
};

/* Length of dir without trailing slashes, for printf's %.*s: "db/" joins as "db/x". */
int migration_dir_len(const char *dir);

/* Numeric order of two version strings (leading zeros ignored). */
int version_cmp(const char *a, const char *b);
/* 1 if s is a version: 1..32 ASCII digits. */
int version_valid(const char *s);

/*
 * Parse one file's content. On error returns STRATA_EPARSE and err holds
 * "FILE:LINE: problem" (FILE = display name given).
 */
int migration_parse(struct migration *m, const char *display, const char *content,
                    size_t len, struct sbuf *err);
void migration_release(struct migration *m);
/*
 * 1 if recorded (a checksum from the tracking table or strata.sum) is m's:
 * either form, so a record made before directive comments were left out
 * still matches the unchanged file, and a file that only gained or lost a
 * `-- strata:lint-ignore` comment still matches the newer record.
 */
int migration_checksum_is(const struct migration *m, const char *recorded);

/*
 * Read every migration of dir, parse and order them. Errors (EPARSE,
 * ENOTFOUND for a missing directory, EIO) leave "what: problem" in err.
 */
int migrations_load(const char *dir, struct migration_set *out, struct sbuf *err);
void migrations_release(struct migration_set *s);
/* The migration of that version, or NULL. */
struct migration *migrations_find(const struct migration_set *s, const char *version);

/* After the migrations of a set are added in any order: sort them, drop
 * what a squash replaces, refuse a version used twice, see whether the
 * versions are a sequence. 0 or STRATA_EPARSE / STRATA_ENOMEM. */
int migrations_finish(struct migration_set *s, struct sbuf *err);
/* m appended to s (*alloc: its capacity); on failure m is released.
 * 0 or STRATA_ENOMEM. */
int migrations_push(struct migration_set *s, size_t *alloc, struct migration *m);
/* One migration from a file's name and content held in memory (source.c):
 * the name is checked as migrations_load() checks a directory entry's, the
 * content parsed as a file's; path names it in messages. hasher as
 * util_sha256_hex_lf()'s (NULL: a one-off). On failure m is released. */
struct util_sha256;
int migration_from_text(struct migration *m, const char *filename, const char *path,
                        const char *content, size_t len, struct util_sha256 *hasher,
                        struct sbuf *err);
/* source.c: the migrations of a strata_migration_source (strata_config
 * version 3), checked as migrations_load() checks a directory's, and the
 * source's strata.sum enforced when it has one (check_sum). */
struct strata_migration_source;
int migrations_load_source(const struct strata_migration_source *src, struct migration_set *out,
                           int check_sum, struct sbuf *err);
/* The content of the migration called filename in src, into out (emptied
 * first): 0, STRATA_ENOTFOUND, or the source's or STRATA_ENOMEM. */
int source_content(const struct strata_migration_source *src, const char *filename,
                   struct sbuf *out);

/* strata.sum: the expected text for a set, and the check when the file exists. */
void sum_render(const struct migration_set *s, struct sbuf *out);
int sum_check(const char *dir, const struct migration_set *s, struct sbuf *err);
/* The check against strata.sum's text have; where names it in messages. */
int sum_check_text(const char *where, const char *have, const struct migration_set *s,
                   struct sbuf *err);
int sum_write(const char *dir, const struct migration_set *s, struct sbuf *err);

#endif
