/*
 * fuzz_schema_tokens.c: the SQL tokenizer of the schema model
 * (schema_tok_next / schema_tok_is / schema_tok_name, lib/schema.c, on the
 * scanner lib/sqlscan.c), which reads SQLite's stored CREATE text, CHECK
 * expressions and index keys.
 *
 * Promises checked (schema.h): it never reads past len and never fails;
 * every token is inside the text, after the previous one, and moves on
 * (so a loop over tokens ends); END comes exactly at len; a name is no
 * longer than its token; schema_tok_is only ever matches a WORD spelling
 * the keyword.
 */
// needs: schema_tok_next
#include <stddef.h>
#include <stdint.h>
#include <strings.h>

#include "fuzz.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan sees any read past len. */
	char *sql = malloc(size ? size : 1);
	const char *sq = sql;
	size_t pos = 0, prev = 0, steps = 0;
	struct schema_tok t;

	if (!sql)
		abort();
	memcpy(sql, data, size);
	for (;;) {
		schema_tok_next(sq, size, &pos, &t);
		FUZZ_CHECK(++steps <= size + 1, "more tokens than bytes");
		FUZZ_CHECK(t.start >= prev && t.start <= size, "token at %zu, previous end %zu", t.start,
		           prev);
		FUZZ_CHECK(t.start + t.len <= size && pos == t.start + t.len,
		           "token %zu+%zu, pos %zu, len %zu", t.start, t.len, pos, size);
		if (t.type == SCHEMA_TK_END) {
			FUZZ_CHECK(t.start == size && t.len == 0, "END at %zu of %zu", t.start, size);
			break;
		}
		FUZZ_CHECK(t.len > 0, "empty token of type %d at %zu", (int)t.type, t.start);
		if (t.type == SCHEMA_TK_WORD || t.type == SCHEMA_TK_QUOTED || t.type == SCHEMA_TK_STRING) {
			char *name = schema_tok_name(sq, &t);
			FUZZ_CHECK(name != NULL, "schema_tok_name failed");
			FUZZ_CHECK(strlen(name) <= t.len, "name longer than its token");
			free(name);
		}
		if (schema_tok_is(sq, &t, "create"))
			FUZZ_CHECK(t.type == SCHEMA_TK_WORD && t.len == 6 &&
			           strncasecmp(sq + t.start, "create", 6) == 0, "schema_tok_is matched badly");
		else if (t.type == SCHEMA_TK_WORD && t.len == 6)
			FUZZ_CHECK(strncasecmp(sq + t.start, "create", 6) != 0, "schema_tok_is missed CREATE");
		prev = pos;
	}
	free(sql);
	return 0;
}
