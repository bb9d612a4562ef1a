/*
 * source.c: migrations that are not files of a directory, taken from a
 * strata_migration_source (strata_config version 3): a list of name and
 * content pairs compiled into the program by `strata embed`, or a callback
 * that hands them over one by one. Each is held to the rules a file is:
 * its name checked as a directory entry's, its content parsed and hashed
 * by migration.c, the set ordered and checked for duplicate versions, and
 * strata.sum (its text copied into the source) enforced. A checksum the
 * source carries is compared too, so a content changed after it was
 * embedded (a patched binary, a hand-edited FILE.c) is refused by name.
 * After this, the runner cannot tell embedded migrations from files.
 */
#include "internal.h"
#include "migration.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SOURCE_FILES 1000000

/* The i-th file of src into *f: 1, 0 at the end, or a negative code. */
static int source_get(const strata_migration_source *src, size_t i, strata_migration_file *f)
{
	memset(f, 0, sizeof *f);
	if (src->files) {
		if (i >= src->n)
			return 0;
		*f = src->files[i];
		return 1;
	}
	if (!src->next)
		return 0;
	return src->next(src->payload, i, f);
}

int migrations_load_source(const strata_migration_source *src, struct migration_set *out,
                           int check_sum, struct sbuf *err)
{
	const char *label = src->label && *src->label ? src->label : "embedded";
	struct util_sha256 hasher = UTIL_SHA256_INIT;
	struct sbuf path = SBUF_INIT, where = SBUF_INIT;
	size_t alloc = 0, i;
	int rc = 0, got;

	memset(out, 0, sizeof *out);
	for (i = 0;; i++) {
		strata_migration_file f;
		struct migration m;

		if (i >= MAX_SOURCE_FILES) {
			sbuf_setf(err, "%s: more than %d migrations", label, MAX_SOURCE_FILES);
			rc = STRATA_EPARSE;
			goto out;
		}
		got = source_get(src, i, &f);
		if (got < 0) {
			sbuf_setf(err, "%s: cannot read the migrations", label);
			rc = got;
			goto out;
		}
		if (got == 0)
			break;
		if (!f.name || (!f.content && f.len)) {
			sbuf_setf(err, "%s: migration %zu has no %s", label, i + 1,
			          f.name ? "content" : "name");
			rc = STRATA_EPARSE;
			goto out;
		}
		sbuf_reset(&path);
		sbuf_addf(&path, "%s/%s", label, f.name);
		if (sbuf_failed(&path)) {
			rc = STRATA_ENOMEM;
			goto out;
		}
		rc = migration_from_text(&m, f.name, path.buf, f.content ? f.content : "", f.len,
		                         &hasher, err);
		if (rc)
			goto out;
		if (f.checksum && !migration_checksum_is(&m, f.checksum)) {
			sbuf_setf(err, "%s: the content does not match the checksum it was embedded with",
			          path.buf);
			migration_release(&m);
			rc = STRATA_ECHECKSUM;
			goto out;
		}
		if (out->n == alloc) {
			size_t na = alloc ? alloc * 2 : 64;
			struct migration *nv = realloc(out->v, na * sizeof *nv);
			if (!nv) {
				migration_release(&m);
				rc = STRATA_ENOMEM;
				goto out;
			}
			out->v = nv;
			alloc = na;
		}
		out->v[out->n++] = m;
	}
	if ((rc = migrations_finish(out, err)) != 0)
		goto out;
	if (check_sum && src->sum) {
		sbuf_addf(&where, "%s/strata.sum", label);
		rc = sbuf_failed(&where) ? STRATA_ENOMEM : sum_check_text(where.buf, src->sum, out, err);
	}
out:
	if (rc == STRATA_ENOMEM && !err->len)
		sbuf_setf(err, "out of memory");
	sbuf_release(&path);
	sbuf_release(&where);
	util_sha256_release(&hasher);
	if (rc)
		migrations_release(out);
	return rc;
}

int source_content(const strata_migration_source *src, const char *filename, struct sbuf *out)
{
	strata_migration_file f;
	size_t i;
	int got;

	for (i = 0; i < MAX_SOURCE_FILES; i++) {
		if ((got = source_get(src, i, &f)) <= 0)
			return got < 0 ? got : STRATA_ENOTFOUND;
		if (f.name && !strcmp(f.name, filename)) {
			sbuf_reset(out);
			sbuf_add(out, f.content ? f.content : "", f.len);
			return sbuf_failed(out) ? STRATA_ENOMEM : 0;
		}
	}
	return STRATA_ENOTFOUND;
}
