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

#include <errno.h>
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
		if ((rc = migrations_push(out, &alloc, &m)) != 0)
			goto out;
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

/* s[0..n) as the inside of a C string literal: printable ASCII as itself,
 * anything else (and ?, so no trigraph forms) escaped; each line of the
 * file on a line of its own, so the generated source reads as the file. */
static void c_string(struct sbuf *out, const char *s, size_t n)
{
	size_t i;

	sbuf_adds(out, "\t\"");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n') {
			sbuf_adds(out, i + 1 < n ? "\\n\"\n\t\"" : "\\n");
		} else if (c == '\\' || c == '"' || c == '?') {
			sbuf_addc(out, '\\');
			sbuf_addc(out, (char)c);
		} else if (c == '\t') {
			sbuf_adds(out, "\\t");
		} else if (c < 0x20 || c >= 0x7f) {
			/* three octal digits always: a digit after it cannot join it */
			sbuf_addf(out, "\\%03o", c);
		} else {
			sbuf_addc(out, (char)c);
		}
	}
	sbuf_adds(out, "\"");
}

int strata_embed(strata_db *db, char **out)
{
	struct migration_set ms = { 0 };
	struct util_sha256 hasher = UTIL_SHA256_INIT;
	struct sbuf err = SBUF_INIT, src = SBUF_INIT, content = SBUF_INIT, sum = SBUF_INIT,
	            path = SBUF_INIT;
	size_t i;
	int rc, have_sum;

	*out = NULL;
	db_clear_error(db);
	if ((rc = migrations_load(db->dir, &ms, &err)) != 0 ||
	    (rc = sum_check(db->dir, &ms, &err)) != 0) {
		db_error(db, rc, "%s", sbuf_failed(&err) ? "out of memory" : err.buf);
		if (rc == STRATA_ECHECKSUM)
			db_why(db, STRATA_WHY_SUM_STALE, NULL, NULL, NULL);
		goto out;
	}
	if (ms.drizzle) {
		rc = db_error(db, STRATA_EUNSUPPORTED, "%s is a Drizzle folder: its migrations cannot "
		              "be embedded", db->dir);
		goto out;
	}
	sbuf_addf(&path, "%.*s/strata.sum", migration_dir_len(db->dir), db->dir);
	rc = util_read_file(path.buf, &sum);
	if (rc && rc != STRATA_ENOTFOUND) {
		db_error(db, rc, "%s: cannot read: %s", path.buf, util_file_strerror(errno));
		goto out;
	}
	have_sum = rc == 0;
	sbuf_adds(&src, "/*\n"
	                " * Generated by strata embed: the migrations compiled into the program\n"
	                " * (strata_config.source). Do not edit: run strata embed again.\n"
	                " */\n"
	                "#include <strata.h>\n\n");
	for (i = 0; i < ms.n; i++) {
		struct migration m;
		/* What is embedded is what is hashed now, read once: a file that
		 * changed since it was listed is parsed (and refused) as it is. */
		sbuf_reset(&content);
		if ((rc = util_read_file(ms.v[i].path, &content)) != 0) {
			db_error(db, rc, "%s: cannot read: %s", ms.v[i].path, util_file_strerror(errno));
			goto out;
		}
		rc = migration_from_text(&m, ms.v[i].filename, ms.v[i].path, content.buf, content.len,
		                         &hasher, &err);
		if (!rc && strcmp(m.checksum, ms.v[i].checksum) != 0) {
			migration_release(&m);
			sbuf_setf(&err, "%s: changed while it was read", ms.v[i].path);
			rc = STRATA_ECHECKSUM;
		}
		if (rc) {
			db_error(db, rc, "%s", sbuf_failed(&err) ? "out of memory" : err.buf);
			goto out;
		}
		sbuf_addf(&src, "/* %s */\nstatic const char strata_m%zu[] =\n", m.filename, i);
		c_string(&src, content.buf, content.len);
		sbuf_adds(&src, ";\n\n");
		migration_release(&m);
	}
	sbuf_addf(&src, "static const strata_migration_file strata_embedded_files[%zu] = {\n",
	          ms.n ? ms.n : 1);
	for (i = 0; i < ms.n; i++)
		sbuf_addf(&src, "\t{ \"%s\", strata_m%zu, sizeof strata_m%zu - 1,\n\t  \"%s\" },\n",
		          ms.v[i].filename, i, i, ms.v[i].checksum);
	if (!ms.n)
		sbuf_adds(&src, "\t{ NULL, NULL, 0, NULL },\n");
	sbuf_adds(&src, "};\n\n");
	if (have_sum) {
		sbuf_adds(&src, "static const char strata_embedded_sum[] =\n");
		c_string(&src, sum.buf, sum.len);
		sbuf_adds(&src, ";\n\n");
	}
	sbuf_addf(&src, "const strata_migration_source strata_embedded_migrations = {\n"
	                "\tSTRATA_MIGRATION_SOURCE_VERSION, \"embedded\", %zu, strata_embedded_files,\n"
	                "\tNULL, NULL, %s\n"
	                "};\n", ms.n, have_sum ? "strata_embedded_sum" : "NULL");
	if (sbuf_failed(&src)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	*out = sbuf_detach(&src);
	rc = *out ? 0 : db_error(db, STRATA_ENOMEM, "out of memory");
out:
	migrations_release(&ms);
	util_sha256_release(&hasher);
	sbuf_release(&err);
	sbuf_release(&src);
	sbuf_release(&content);
	sbuf_release(&sum);
	sbuf_release(&path);
	return rc;
}
