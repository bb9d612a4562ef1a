/*
 * schema_source.c: reading a desired-state source from the file system:
 * a .sql file, a JSON file, a folder of resource definitions (*.json) or a
 * folder of .sql files; each becomes SQL parts (schema_source.h) that
 * declarative.c runs in the sandbox, in order.
 *
 * A folder is hostile as its files are: an entry that is a symbolic link
 * leading out of the folder, anything but a regular file, a file over
 * UTIL_READ_MAX, more than SCHEMA_SOURCE_MAX bytes or
 * SCHEMA_SOURCE_MAX_FILES files in all are refused by name, before any SQL
 * runs. Names starting with '.' (editors' swap files) and names ending in
 * neither .json nor .sql (a README) are not part of the schema.
 */
#include "schema_source.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "diff.h"
#include "fileio.h"
#include "internal.h"
#include "schema.h"

void schema_parts_release(struct schema_parts *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].path);
		free(p->v[i].text);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* Take text (a buffer of ours) over as a new part. */
static int add_part(struct schema_parts *p, const char *path, struct sbuf *text, int is_sql)
{
	struct schema_part *v = realloc(p->v, (p->n + 1) * sizeof *v);
	struct schema_part *np;

	if (!v)
		return STRATA_ENOMEM;
	p->v = v;
	np = &v[p->n];
	np->len = text->len;
	np->is_sql = is_sql;
	np->path = strdup(path);
	np->text = sbuf_detach(text);
	if (!np->path || !np->text) {
		free(np->path);
		free(np->text);
		return STRATA_ENOMEM;
	}
	p->n++;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && !strcmp(s + n - k, suffix);
}

/* A migration marker on a line of its own: -- migrate:up, -- UP, -- +goose Up. */
static int has_marker(const char *t, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t e = i, k;

		while (e < len && t[e] != '\n')
			e++;
		k = i;
		while (k < e && (t[k] == ' ' || t[k] == '\t'))
			k++;
		if (e - k >= 2 && t[k] == '-' && t[k + 1] == '-') {
			const char *w = t + k + 2;
			size_t n = e - k - 2;

			while (n && (*w == ' ' || *w == '\t')) {
				w++;
				n--;
			}
			while (n && (w[n - 1] == ' ' || w[n - 1] == '\t' || w[n - 1] == '\r'))
				n--;
			if ((n >= 10 && !strncasecmp(w, "migrate:up", 10)) ||
			    (n >= 9 && !strncasecmp(w, "+goose up", 9)) || (n == 2 && !strncmp(w, "UP", 2)))
				return 1;
		}
		i = e + 1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of dir's .json and .sql entries, sorted; *njson, *nsql counted. */
static int list_folder(const char *dir, char ***out, size_t *n, size_t *njson, size_t *nsql,
                       struct sbuf *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL, **nv;
	size_t alloc = 0;

	*out = NULL;
	*n = *njson = *nsql = 0;
	if (!d) {
		sbuf_setf(err, "cannot read %s: %s", dir, strerror(errno));
		return errno == ENOENT ? STRATA_ENOTFOUND : STRATA_EIO;
	}
	while ((e = readdir(d)) != NULL) {
		int json = ends_with(e->d_name, ".json"), sql = ends_with(e->d_name, ".sql");

		if (e->d_name[0] == '.' || (!json && !sql))
			continue;
		if (*n == SCHEMA_SOURCE_MAX_FILES) {
			sbuf_setf(err, "%s: more than %d schema files in the folder", dir,
			          SCHEMA_SOURCE_MAX_FILES);
			goto fail_parse;
		}
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			if (!(nv = realloc(v, alloc * sizeof *v)))
				goto fail_nomem;
			v = nv;
		}
		if (!(v[*n] = strdup(e->d_name)))
			goto fail_nomem;
		(*n)++;
		*njson += (size_t)json;
		*nsql += (size_t)sql;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof *v, cmp_str);
	*out = v;
	return 0;
fail_nomem:
	sbuf_setf(err, "out of memory");
	closedir(d);
	while (*n)
		free(v[--*n]);
	free(v);
	return STRATA_ENOMEM;
fail_parse:
	closedir(d);
	while (*n)
		free(v[--*n]);
	free(v);
	return STRATA_EPARSE;
}

static void free_names(char **v, size_t n)
{
	while (n)
		free(v[--n]);
	free(v);
}

/* Read dir/name into text, refusing what a folder source must not hold. */
static int read_entry(const char *dir, const char *real_dir, const char *name, struct sbuf *path,
                      struct sbuf *text, struct sbuf *err)
{
	char real[PATH_MAX];
	struct stat st;
	size_t n = strlen(real_dir);
	int rc;

	sbuf_reset(path);
	sbuf_addf(path, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", name);
	if (sbuf_failed(path))
		return STRATA_ENOMEM;
	if (lstat(path->buf, &st) != 0) {
		sbuf_setf(err, "cannot read %s: %s", path->buf, strerror(errno));
		return STRATA_EIO;
	}
	if (S_ISLNK(st.st_mode)) {
		/* A link inside the folder is a name for one of its files;
		 * one out of it would read whatever it points at. */
		if (!realpath(path->buf, real)) {
			sbuf_setf(err, "%s: a symbolic link to nothing", path->buf);
			return STRATA_EPARSE;
		}
		if (strncmp(real, real_dir, n) != 0 || (real[n] != '/' && n != 1)) {
			sbuf_setf(err, "%s: a symbolic link out of the folder, refused", path->buf);
			return STRATA_EPARSE;
		}
	}
	rc = util_read_file(path->buf, text);
	if (rc) {
		sbuf_setf(err, "cannot read %s: %s", path->buf, util_file_strerror(errno));
		return rc == STRATA_ENOMEM ? rc : STRATA_EPARSE;
	}
	return 0;
}

static int read_folder(const char *dir, int engine, struct schema_parts *out, struct sbuf *err)
{
	char real_dir[PATH_MAX];
	char **names = NULL;
	size_t n, njson, nsql, i, total = 0;
	struct sbuf path = SBUF_INIT, text = SBUF_INIT, sql = SBUF_INIT;
	struct sbuf *texts = NULL;
	struct schema_json_file *files = NULL;
	int rc;

	if (!realpath(dir, real_dir)) {
		sbuf_setf(err, "cannot read %s: %s", dir, strerror(errno));
		return STRATA_EIO;
	}
	if ((rc = list_folder(dir, &names, &n, &njson, &nsql, err)) != 0)
		return rc;
	if (!n) {
		sbuf_setf(err, "%s: no .json or .sql file in the schema folder", dir);
		rc = STRATA_EPARSE;
		goto out;
	}
	if (njson && nsql) {
		sbuf_setf(err, "%s: the schema folder holds both .json and .sql files", dir);
		rc = STRATA_EPARSE;
		goto out;
	}
	if (nsql) {
		for (i = 0; i < n; i++) {
			sbuf_reset(&text);
			if ((rc = read_entry(dir, real_dir, names[i], &path, &text, err)) != 0)
				goto out;
			if ((total += text.len) > SCHEMA_SOURCE_MAX) {
				sbuf_setf(err, "%s: the schema folder holds more than 64 MiB", dir);
				rc = STRATA_EPARSE;
				goto out;
			}
			if (has_marker(text.buf, text.len)) {
				sbuf_setf(err, "%s: a migration file (it has an up marker), not part of a "
				          "schema folder", path.buf);
				rc = STRATA_EPARSE;
				goto out;
			}
			if ((rc = add_part(out, path.buf, &text, 1)) != 0)
				goto nomem;
		}
		goto out;
	}
	if (!(texts = calloc(n, sizeof *texts)) || !(files = calloc(n, sizeof *files)))
		goto nomem;
	for (i = 0; i < n; i++) {
		sbuf_init(&texts[i]);
		if ((rc = read_entry(dir, real_dir, names[i], &path, &texts[i], err)) != 0)
			goto out;
		if ((total += texts[i].len) > SCHEMA_SOURCE_MAX) {
			sbuf_setf(err, "%s: the schema folder holds more than 64 MiB", dir);
			rc = STRATA_EPARSE;
			goto out;
		}
		files[i].path = sbuf_detach(&path);
		if (!files[i].path)
			goto nomem;
		files[i].text = texts[i].buf;
		files[i].len = texts[i].len;
	}
	if ((rc = schema_json_sql(files, n, engine, &sql, err)) != 0)
		goto out;
	sbuf_reset(&path);
	sbuf_addf(&path, "%s (from JSON)", dir);
	if (sbuf_failed(&path) || add_part(out, path.buf, &sql, 0))
		goto nomem;
	goto out;
nomem:
	sbuf_setf(err, "out of memory");
	rc = STRATA_ENOMEM;
out:
	for (i = 0; files && i < n; i++)
		free((char *)files[i].path);
	for (i = 0; texts && i < n; i++)
		sbuf_release(&texts[i]);
	free(files);
	free(texts);
	free_names(names, n);
	sbuf_release(&path);
	sbuf_release(&text);
	sbuf_release(&sql);
	if (rc)
		schema_parts_release(out);
	return rc;
}

int schema_source_read(const char *path, int engine, struct schema_parts *out, struct sbuf *err)
{
	struct sbuf text = SBUF_INIT, sql = SBUF_INIT, name = SBUF_INIT;
	struct stat st;
	int rc;

	out->v = NULL;
	out->n = 0;
	sbuf_reset(err);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return read_folder(path, engine, out, err);
	rc = util_read_file(path, &text);
	if (rc) {
		if (rc == STRATA_ENOTFOUND)
			sbuf_setf(err, "%s: no such schema file", path);
		else
			sbuf_setf(err, "cannot read %s: %s", path, util_file_strerror(errno));
		goto out;
	}
	if (schema_json_sniff(text.buf, text.len)) {
		struct schema_json_file f = { path, text.buf, text.len };

		if ((rc = schema_json_sql(&f, 1, engine, &sql, err)) != 0)
			goto out;
		sbuf_addf(&name, "%s (from JSON)", path);
		if (sbuf_failed(&name) || add_part(out, name.buf, &sql, 0))
			rc = STRATA_ENOMEM;
	} else if (add_part(out, path, &text, 1)) {
		rc = STRATA_ENOMEM;
	}
	if (rc == STRATA_ENOMEM)
		sbuf_setf(err, "out of memory");
out:
	sbuf_release(&text);
	sbuf_release(&sql);
	sbuf_release(&name);
	if (rc)
		schema_parts_release(out);
	return rc;
}

int schema_source_hints(const struct schema_parts *p, int engine, struct diff_hints *out,
                        struct sbuf *err)
{
	struct diff_hints h;
	size_t i, k;
	int rc = 0;

	memset(out, 0, sizeof *out);
	for (i = 0; i < p->n && !rc; i++) {
		if (!p->v[i].is_sql)
			continue;
		memset(&h, 0, sizeof h);
		sbuf_reset(err);
		rc = diff_hints_parse(p->v[i].text, engine, &h, err);
		if (rc) {
			struct sbuf msg = SBUF_INIT;
			sbuf_addf(&msg, "%s:%s", p->v[i].path, sbuf_failed(err) ? "out of memory" : err->buf);
			sbuf_reset(err);
			sbuf_adds(err, msg.buf);
			sbuf_release(&msg);
			break;
		}
		if (!out->n) {
			*out = h;
			continue;
		}
		if (h.n) {
			struct diff_hint *v = realloc(out->v, (out->n + h.n) * sizeof *v);
			if (!v) {
				diff_hints_release(&h);
				rc = STRATA_ENOMEM;
				sbuf_setf(err, "out of memory");
				break;
			}
			out->v = v;
			for (k = 0; k < h.n; k++)
				out->v[out->n++] = h.v[k];
			out->alloc = out->n;
			free(h.v);
		}
	}
	if (rc)
		diff_hints_release(out);
	return rc;
}

int schema_source_is_folder(const char *path)
{
	char **names = NULL;
	size_t n = 0, njson, nsql, i;
	struct sbuf err = SBUF_INIT, p = SBUF_INIT, text = SBUF_INIT;
	struct stat st;
	int folder = 0;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    list_folder(path, &names, &n, &njson, &nsql, &err) != 0)
		goto out;
	/* strata's integrity file; a Drizzle folder's journal (up-only
	 * migrations without markers, migration.c). */
	sbuf_addf(&p, "%s/strata.sum", path);
	if (lstat(p.buf, &st) == 0)
		goto out;
	sbuf_reset(&p);
	sbuf_addf(&p, "%s/meta/_journal.json", path);
	if (lstat(p.buf, &st) == 0)
		goto out;
	/* Drizzle keeps meta/_journal.json beside its migrations, one level
	 * down: JSON here, beside no migration, is a schema. */
	folder = n > 0;
	for (i = 0; i < n && folder; i++) {
		if (!ends_with(names[i], ".sql"))
			continue;
		sbuf_reset(&p);
		sbuf_addf(&p, "%s/%s", path, names[i]);
		sbuf_reset(&text);
		if (util_read_file(p.buf, &text) == 0 && has_marker(text.buf, text.len))
			folder = 0;
	}
out:
	free_names(names, n);
	sbuf_release(&err);
	sbuf_release(&p);
	sbuf_release(&text);
	return folder;
}
