/*
 * fuzz_schema_json.c: JSON desired-state sources (lib/schema_json.c):
 * strata's model JSON and resource definitions, turned into SQL for each
 * engine. The input is split into files at each line "---" (a folder of
 * resource definitions, with references between them).
 *
 * Promises checked (schema_source.h): it never crashes, whatever the bytes
 * (deep nesting, huge numbers, duplicate keys, invalid UTF-8, NUL); it
 * returns 0 with SQL, or STRATA_EPARSE / STRATA_ENOMEM with one line in err
 * that names a file and holds no control character; the SQL it writes holds
 * no NUL and is valid UTF-8, so that it reaches the sandbox whole.
 */
// needs: schema_json_sql
#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"
#include "internal.h"
#include "schema.h"
#include "schema_source.h"

#define MAX_FILES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct schema_json_file files[MAX_FILES];
	char *copies[MAX_FILES];
	static const char *const names[MAX_FILES] = { "meta/a.json", "meta/b.json", "meta/c.json",
		"meta/d.json", "meta/e.json", "meta/f.json", "meta/g.json", "meta/h.json" };
	size_t n = 0, start = 0, i, bad;
	int engine;

	/* Split at "\n---\n"; each part in an exact-size copy, so that ASan
	 * sees any read past its end. */
	for (i = 0; i <= size && n < MAX_FILES; i++) {
		int cut = i == size || (n + 1 < MAX_FILES && i >= start && i + 5 <= size &&
		                        !memcmp(data + i, "\n---\n", 5));
		if (!cut)
			continue;
		if (start > i)          /* "\n---\n" at the very end */
			start = i;
		copies[n] = malloc(i - start ? i - start : 1);
		if (!copies[n])
			abort();
		memcpy(copies[n], data + start, i - start);
		files[n].path = names[n];
		files[n].text = copies[n];
		files[n].len = i - start;
		n++;
		start = i + 5;
		if (i == size)
			break;
	}
	for (engine = SCHEMA_SQLITE; engine <= SCHEMA_PG; engine++) {
		struct sbuf sql = SBUF_INIT, err = SBUF_INIT;
		int rc = schema_json_sql(files, n, engine, &sql, &err);

		if (rc) {
			FUZZ_CHECK(rc == STRATA_EPARSE || rc == STRATA_ENOMEM, "error code %d", rc);
			FUZZ_CHECK(err.len > 0, "an error without a message");
			for (i = 0; i < err.len; i++)
				FUZZ_CHECK((unsigned char)err.buf[i] >= 0x20 || err.buf[i] == '\t',
				           "control character in the message: %s", err.buf);
			FUZZ_CHECK(rc == STRATA_ENOMEM || !strncmp(err.buf, "meta/", 5),
			           "the message names no file: %s", err.buf);
		} else {
			FUZZ_CHECK(sql.len > 0, "no SQL");
			FUZZ_CHECK(strlen(sql.buf) == sql.len, "NUL in the SQL");
			FUZZ_CHECK(util_utf8_valid(sql.buf, sql.len, &bad), "invalid UTF-8 at %zu", bad);
		}
		sbuf_release(&sql);
		sbuf_release(&err);
	}
	for (i = 0; i < n; i++)
		free(copies[i]);
	return 0;
}
