/*
 * schema_source.h: a desired-state source (--schema, diff --from/--to) as
 * SQL text. Whatever the source, it becomes SQL that declarative.c runs in
 * a sandboxed scratch database and introspects, as it always did for a
 * schema.sql: so a JSON type means exactly what the engine makes of the SQL
 * it maps to, and hostile JSON meets the same sandbox as hostile SQL.
 *
 * Sources (docs/schema-json.md):
 *  - a .sql file, as before;
 *  - a JSON file: strata's own model (what `inspect --format json` writes),
 *    or one resource definition;
 *  - a folder of resource definitions (*.json, one table each);
 *  - a folder of .sql files (the schema split up), read in name order.
 *
 * Errors come back as STRATA_EPARSE (or STRATA_ENOTFOUND, STRATA_EIO,
 * STRATA_ENOMEM) with a one-line message in err naming the file and the
 * JSON path or line: "meta/posts.json: $.fields.title.type: unknown type
 * 'strin'".
 */
#ifndef STRATA_SCHEMA_SOURCE_H
#define STRATA_SCHEMA_SOURCE_H

#include <stddef.h>
#include "sbuf.h"

/* One JSON document of a source: path names it in messages. */
struct schema_json_file {
	const char *path;
	const char *text;
	size_t len;
};

/* The largest folder source, all files together (as one schema file). */
#define SCHEMA_SOURCE_MAX ((size_t)64 << 20)
/* The most files a folder source may hold. */
#define SCHEMA_SOURCE_MAX_FILES 10000

/*
 * The SQL (appended to sql) that makes the schema n JSON documents state on
 * engine (SCHEMA_SQLITE, SCHEMA_PG): one document may be a model (an object
 * with "tables"); otherwise each is a resource definition. 0, or an error
 * code with the message in err.
 */
int schema_json_sql(const struct schema_json_file *files, size_t n, int engine, struct sbuf *sql,
                    struct sbuf *err);

/* 1 when text (after white space) starts a JSON object. */
int schema_json_sniff(const char *text, size_t len);

/* One piece of SQL of a source: a .sql file, or what strata made of JSON. */
struct schema_part {
	char *path;     /* names it in messages: the file, or "DIR (from JSON)" */
	char *text;     /* NUL-terminated SQL */
	size_t len;
	int is_sql;     /* 1: the user's own SQL (its lines and `-- strata:`
	                   hints mean something); 0: strata wrote it from JSON */
};
struct schema_parts {
	struct schema_part *v;
	size_t n;
};
void schema_parts_release(struct schema_parts *p);

/*
 * Read the source at path as SQL for engine, in the order to run it: one
 * part for a file, one per .sql file of a folder (name order), one for a
 * JSON source. A folder is read as a schema folder whatever it holds, but
 * a .sql file with a migration marker is refused (a migrations directory
 * given as --schema). Entries of a folder that are symbolic links out of
 * it, not regular files, or too large are refused. 0, or an error code
 * with a one-line message in err; *out is then empty.
 */
int schema_source_read(const char *path, int engine, struct schema_parts *out, struct sbuf *err);

/*
 * The `-- strata:renamed-from` hints of the parts that are SQL, together
 * in out (see diff_hints_parse()); an error names the file and line.
 */
struct diff_hints;
int schema_source_hints(const struct schema_parts *p, int engine, struct diff_hints *out,
                        struct sbuf *err);

/*
 * For diff's SRC: 1 when the directory at path is a schema folder (it holds
 * *.json or .sql files, none with a migration marker), 0 when it is a
 * migrations directory (a .sql file with a marker, a strata.sum, a Drizzle
 * meta/_journal.json; or empty, or unreadable: the migrations' loader says
 * why).
 */
int schema_source_is_folder(const char *path);

#endif
