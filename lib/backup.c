/*
 * backup.c: SQLite backups, their retention, and restores.
 *
 * Backups live beside the database, in .strata-backups/, one file each:
 *   <stem>-YYYYMMDDTHHMMSS.mmmZ.db     automatic (before a run), pruned to
 *   <stem>-YYYYMMDDTHHMMSS.mmmZ-N.db   keep_backups; -N when two share a ms
 *   <stem>--NAME.db                    named snapshots, never pruned
 * <stem> is the database's file name without a trailing ".db". The names are
 * the only metadata: listing parses them, so a folder copied elsewhere still
 * lists and restores.
 *
 * Every copy goes through SQLite's online backup API, never a file copy:
 *  - A backup reads through a second, read-only connection holding one read
 *    transaction for the whole copy: one consistent snapshot while other
 *    processes read and write, WAL or not. Inside a run's write transaction
 *    it is also the only way: sqlite3_backup_step() answers SQLITE_BUSY
 *    forever when its source connection is in a write transaction.
 *  - It is written to a hidden temporary file (O_EXCL, mode 0600), fsynced,
 *    then linked to its final name and the folder fsynced: a crash or a full
 *    disk never leaves half a backup under a backup's name.
 *  - A restore writes into the live connection's own "main" database, so
 *    SQLite's locks and journal make it atomic for every other connection
 *    that has the file open; copying the file over it would corrupt them.
 */
#include "backup.h"

#include <sqlite3.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define BACKUP_FOLDER ".strata-backups"
#define TMP_PREFIX ".tmp-"
/* Below this a copy takes well under a second: progress would be noise. */
#define PROGRESS_MIN_BYTES (64LL * 1024 * 1024)
#define PROGRESS_AFTER_MS 500

/* Where one database's backups go. All strings owned. */
struct bk_place {
	char *db_path;  /* the database file, as SQLite resolved it */
	char *dir;      /* the folder it is in */
	char *folder;   /* <dir>/.strata-backups */
	char *stem;     /* its file name without a trailing ".db" */
};

static void place_release(struct bk_place *p)
{
	free(p->db_path);
	free(p->dir);
	free(p->folder);
	free(p->stem);
	memset(p, 0, sizeof *p);
}

/*
 * Fill p for db's main database. *in_memory is set (and p left empty) when
 * the database has no file: an in-memory or temporary database.
 */
static int place_init(strata_db *db, struct bk_place *p, int *in_memory)
{
	struct sbuf sb = SBUF_INIT;
	const char *fn, *slash, *base;
	sqlite3 *h;
	size_t n;

	memset(p, 0, sizeof *p);
	*in_memory = 0;
	if (!db->conn)
		return db->errcode ? db->errcode : db_error(db, STRATA_ECONNECT, "not connected");
	h = drv_sqlite_handle(db->conn);
	if (!h)
		return db_error(db, STRATA_EUNSUPPORTED,
		                "backups are for SQLite databases; use pg_dump for PostgreSQL");
	fn = sqlite3_db_filename(h, "main");
	if (!fn || !*fn) {
		*in_memory = 1;
		return 0;
	}
	slash = strrchr(fn, '/');
	base = slash ? slash + 1 : fn;
	n = strlen(base);
	if (n > 3 && strcmp(base + n - 3, ".db") == 0)
		n -= 3;
	p->db_path = strdup(fn);
	p->dir = slash ? xstrndup(fn, slash == fn ? 1 : (size_t)(slash - fn)) : strdup(".");
	p->stem = xstrndup(base, n);
	if (p->dir)
		sbuf_addf(&sb, "%s%s" BACKUP_FOLDER, p->dir,
		          p->dir[strlen(p->dir) - 1] == '/' ? "" : "/");
	p->folder = sbuf_detach(&sb);
	if (!p->db_path || !p->dir || !p->stem || !p->folder) {
		place_release(p);
		return db_error(db, STRATA_ENOMEM, "out of memory");
	}
	return 0;
}

/* A snapshot name stays a plain file name and never looks like an option. */
static int name_valid(const char *s)
{
	size_t i;

	if (!*s || *s == '-' || strlen(s) > 100)
		return 0;
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(c == '_' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z')))
			return 0;
	}
	return 1;
}

/* UTC now as "YYYYMMDDTHHMMSS.mmmZ". */
static void stamp_now(char out[64])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, 64, "%04d%02d%02dT%02d%02d%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* 1 if s starts with a stamp as stamp_now() writes it. */
static int is_stamp(const char *s)
{
	static const char shape[] = "99999999T999999.999Z";
	size_t i;

	for (i = 0; shape[i]; i++) {
		if (shape[i] == '9' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return 0;
	}
	return 1;
}

/* The code for a failed system call on a backup file. */
static int errno_code(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return STRATA_EFULL;
	case EROFS:
	case EACCES:
	case EPERM:
		return STRATA_EREADONLY;
	case ENOMEM:
		return STRATA_ENOMEM;
	default:
		return STRATA_EIO;
	}
}

/*
 * The code for a failed SQLite call on connection h. A full disk shows up
 * as SQLITE_FULL, or as SQLITE_IOERR_WRITE when the limit is RLIMIT_FSIZE:
 * the errno tells.
 */
static int sqlite_code(sqlite3 *h, int rc)
{
	int e = h ? sqlite3_system_errno(h) : 0;

	switch (rc & 0xff) {
	case SQLITE_FULL:
		return STRATA_EFULL;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		return e ? (errno_code(e) == STRATA_ENOMEM ? STRATA_EIO : errno_code(e)) : STRATA_EIO;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STRATA_ELOCKED;
	case SQLITE_READONLY:
		return STRATA_EREADONLY;
	case SQLITE_NOMEM:
		return STRATA_ENOMEM;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return STRATA_ENOTADB;
	default:
		return STRATA_EIO;
	}
}

/* "database or disk is full (No space left on device)": SQLite's words, and
 * the system's when there is an errno behind them. */
static const char *sqlite_why(sqlite3 *h, int rc, char buf[256])
{
	int e = h ? sqlite3_system_errno(h) : 0;
	const char *m = h && sqlite3_errcode(h) == rc ? sqlite3_errmsg(h) : sqlite3_errstr(rc);

	if (e && ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL ||
	          (rc & 0xff) == SQLITE_CANTOPEN))
		snprintf(buf, 256, "%s (%s)", m, strerror(e));
	else
		snprintf(buf, 256, "%s", m);
	return buf;
}

static long long pragma_int(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * Open path for reading only, with db's busy timeout. The connection is
 * returned even on failure (SQLite's rule), for its message.
 */
static int open_ro(strata_db *db, const char *path, sqlite3 **out)
{
	int rc = sqlite3_open_v2(path, out, SQLITE_OPEN_READONLY, NULL);

	if (*out) {
		sqlite3_extended_result_codes(*out, 1);
		sqlite3_busy_timeout(*out, db->busy_timeout_ms > INT_MAX ? INT_MAX :
		                            (int)db->busy_timeout_ms);
	}
	return rc;
}

/*
 * Copy src's main database over dst's with the backup API. what ("backup",
 * "restore") and label (the file) are for messages. Large copies go in
 * steps of about 1%: a notice with the size first, then one at each 10%
 * once half a second has gone by; small ones in one step.
 */
static int copy_db(strata_db *db, sqlite3 *dst, sqlite3 *src, const char *what, const char *label)
{
	long long pages = pragma_int(src, "PRAGMA main.page_count");
	long long psize = pragma_int(src, "PRAGMA main.page_size");
	long long bytes = pages > 0 && psize > 0 ? pages * psize : 0;
	sqlite3_backup *b;
	int rc, step = -1, decile = 0;
	long t0 = util_ms();
	char why[256];

	b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		rc = sqlite3_errcode(dst);
		return db_error(db, sqlite_code(dst, rc), "cannot start the %s of '%s': %s", what, label,
		                sqlite_why(dst, rc, why));
	}
	if (bytes > PROGRESS_MIN_BYTES) {
		step = pages / 100 > INT_MAX ? INT_MAX : (int)(pages / 100 + 1);
		db_log(db, STRATA_LOG_NOTICE, "%s of '%s': %lld MiB", what, label, bytes >> 20);
	}
	do {
		rc = sqlite3_backup_step(b, step);
		/* Each 10%, once the copy has taken long enough for anyone to
		 * wonder: a fast disk copies 64 MiB before a line could be read. */
		if (step > 0 && rc == SQLITE_OK && util_ms() - t0 >= PROGRESS_AFTER_MS) {
			int total = sqlite3_backup_pagecount(b), left = sqlite3_backup_remaining(b);
			int d = total > 0 ? (int)((long long)(total - left) * 10 / total) : 0;
			if (d > decile && d < 10) {
				decile = d;
				db_log(db, STRATA_LOG_NOTICE, "%s of '%s': %d%%", what, label, d * 10);
			}
		}
	} while (rc == SQLITE_OK);
	/* finish() rolls the destination back if the copy did not complete, and
	 * leaves the error code on dst. */
	if (rc == SQLITE_DONE)
		rc = sqlite3_backup_finish(b);
	else
		sqlite3_backup_finish(b);
	if (rc != SQLITE_OK) {
		if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
			return db_error(db, STRATA_ELOCKED, "%s of '%s': another process kept the database "
			                "locked for %ld s; nothing was changed", what, label,
			                db->busy_timeout_ms / 1000);
		return db_error(db, sqlite_code(dst, rc), "%s of '%s' failed: %s", what, label,
		                sqlite_why(dst, rc, why));
	}
	if (decile)
		db_log(db, STRATA_LOG_NOTICE, "%s of '%s': 100%%", what, label);
	return 0;
}

/* mkdir the backup folder (0700: backups hold all the data) unless it is there. */
static int ensure_folder(strata_db *db, const struct bk_place *p)
{
	struct stat st;

	if (mkdir(p->folder, 0700) == 0)
		return 0;
	if (errno == EEXIST && stat(p->folder, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	if (errno == EEXIST)
		return db_error(db, STRATA_EIO, "'%s' is in the way of the backup folder: it is not a "
		                "directory", p->folder);
	return db_error(db, errno_code(errno), "cannot create the backup folder '%s': %s", p->folder,
	                strerror(errno));
}

/* Remove temporary files that a process killed mid-backup left behind. */
static void sweep_stale(const struct bk_place *p)
{
	struct sbuf path = SBUF_INIT;
	struct dirent *de;
	DIR *d = opendir(p->folder);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid;

		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
			continue;
		pid = strtol(de->d_name + strlen(TMP_PREFIX), &end, 10);
		if (pid <= 0 || *end != '-' || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* its writer may still be at work */
		sbuf_reset(&path);
		sbuf_addf(&path, "%s/%s", p->folder, de->d_name);
		if (!sbuf_failed(&path))
			unlink(path.buf);
	}
	closedir(d);
	sbuf_release(&path);
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Remove a temporary backup and whatever SQLite may have put beside it. */
static void unlink_tmp(const char *tmp)
{
	static const char *const sfx[] = { "", "-journal", "-wal", "-shm" };
	struct sbuf sb = SBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof sfx / sizeof *sfx; i++) {
		sbuf_reset(&sb);
		sbuf_addf(&sb, "%s%s", tmp, sfx[i]);
		if (!sbuf_failed(&sb))
			unlink(sb.buf);
	}
	sbuf_release(&sb);
}

/*
 * Give the finished temporary file its name without ever replacing a file:
 * link() fails on an existing name, where rename() would overwrite. An
 * automatic backup whose name is taken (two in one millisecond) gets -1,
 * -2 ...; a named snapshot that exists is an error. *final receives the path.
 */
static int publish(strata_db *db, const struct bk_place *p, const char *tmp, const char *stamp,
                   const char *name, struct sbuf *final)
{
	int i;

	for (i = 0; i < 1000; i++) {
		struct stat st;

		sbuf_reset(final);
		if (name)
			sbuf_addf(final, "%s/%s--%s.db", p->folder, p->stem, name);
		else if (i == 0)
			sbuf_addf(final, "%s/%s-%s.db", p->folder, p->stem, stamp);
		else
			sbuf_addf(final, "%s/%s-%s-%d.db", p->folder, p->stem, stamp, i);
		if (sbuf_failed(final))
			return db_error(db, STRATA_ENOMEM, "out of memory");
		if (link(tmp, final->buf) == 0) {
			unlink(tmp);
			return 0;
		}
		if (errno == EEXIST) {
			if (name)
				return db_error(db, STRATA_EUSAGE, "a snapshot named '%s' already exists (%s)",
				                name, final->buf);
			continue;
		}
		/* Filesystems without hard links: rename, after checking the name
		 * is free (a race here needs two writers in one millisecond). */
		if (lstat(final->buf, &st) == 0)
			continue;
		if (rename(tmp, final->buf) == 0)
			return 0;
		return db_error(db, errno_code(errno), "cannot name the backup '%s': %s", final->buf,
		                strerror(errno));
	}
	return db_error(db, STRATA_EIO, "cannot find a free name for the backup in '%s'", p->folder);
}

/*
 * Back up db's main database into p->folder: automatic (name NULL) or a
 * named snapshot. *path_out receives the new file's path.
 */
static int write_backup(strata_db *db, const struct bk_place *p, const char *name,
                        char **path_out)
{
	struct sbuf tmp = SBUF_INIT, final = SBUF_INIT;
	sqlite3 *src = NULL, *dst = NULL;
	char stamp[64], why[256];
	int rc, src_rc, fd = -1, made = 0;

	*path_out = NULL;
	stamp_now(stamp);
	if (name) {
		struct stat st;
		sbuf_addf(&final, "%s/%s--%s.db", p->folder, p->stem, name);
		if (!sbuf_failed(&final) && lstat(final.buf, &st) == 0) {
			rc = db_error(db, STRATA_EUSAGE, "a snapshot named '%s' already exists (%s)", name,
			              final.buf);
			goto out;
		}
	}
	sbuf_addf(&tmp, "%s/" TMP_PREFIX "%ld-%s-%s.db", p->folder, (long)getpid(), p->stem, stamp);
	if (sbuf_failed(&tmp) || sbuf_failed(&final)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}

	/* One read transaction on the source for the whole copy: the snapshot
	 * cannot move between steps, so the backup never restarts and is one
	 * consistent state however busy the database is. */
	src_rc = open_ro(db, p->db_path, &src);
	if (src_rc == SQLITE_OK)
		src_rc = sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
	if (src_rc != SQLITE_OK) {
		rc = db_error(db, sqlite_code(src, src_rc), "cannot read '%s' to back it up: %s",
		              p->db_path, sqlite_why(src, src_rc, why));
		goto out;
	}

	/* Created here, not by SQLite, so that it is new (O_EXCL) and 0600 from
	 * its first byte; fchmod because a umask may have taken bits we need
	 * (0600 is never wider than asked). */
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = db_error(db, errno_code(errno), "cannot create a backup in '%s': %s", p->folder,
		              strerror(errno));
		goto out;
	}
	made = 1;
	if (fchmod(fd, 0600) != 0) {
		rc = db_error(db, errno_code(errno), "cannot set the mode of '%s': %s", tmp.buf,
		              strerror(errno));
		goto out;
	}
	rc = sqlite3_open_v2(tmp.buf, &dst, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(dst, 1);
		/* A fresh file that is deleted on failure needs no journal, and
		 * the one fsync that matters is ours, after the copy. */
		rc = sqlite3_exec(dst, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", NULL, NULL,
		                  NULL);
	}
	if (rc != SQLITE_OK) {
		rc = db_error(db, sqlite_code(dst, rc), "cannot create the backup '%s': %s", tmp.buf,
		              sqlite_why(dst, rc, why));
		goto out;
	}
	if ((rc = copy_db(db, dst, src, "backup", p->db_path)) != 0)
		goto out;
	sqlite3_close(src);
	src = NULL;
	/* The backup API copies page 1 as is, so a backup of a WAL database
	 * would open in WAL mode and grow -wal and -shm files in the backup
	 * folder; a plain rollback-journal file is what a backup should be. A
	 * restore into a WAL database keeps the live database in WAL mode. */
	rc = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = db_error(db, sqlite_code(dst, rc), "cannot finish the backup '%s': %s", tmp.buf,
		              sqlite_why(dst, rc, why));
		goto out;
	}
	rc = sqlite3_close(dst);
	dst = NULL;
	if (rc != SQLITE_OK) {
		rc = db_error(db, STRATA_EIO, "cannot close the backup '%s': %s", tmp.buf,
		              sqlite3_errstr(rc));
		goto out;
	}
	/* Our descriptor is closed only now: closing any descriptor of a file
	 * drops the process's POSIX locks on it, SQLite's included. */
	rc = fsync(fd);
	if (close(fd) != 0)
		rc = -1;
	fd = -1;
	if (rc != 0) {
		rc = db_error(db, errno_code(errno), "cannot write the backup '%s': %s", tmp.buf,
		              strerror(errno));
		goto out;
	}
	if ((rc = publish(db, p, tmp.buf, stamp, name, &final)) != 0)
		goto out;
	made = 0;
	fsync_dir(p->folder);
	*path_out = sbuf_detach(&final);
	if (!*path_out)
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
out:
	if (dst)
		sqlite3_close(dst);
	if (src)
		sqlite3_close(src); /* ends the read transaction */
	if (fd >= 0)
		close(fd);
	if (made) {
		unlink_tmp(tmp.buf);
		if (rc == STRATA_EFULL)
			sbuf_adds(&db->errmsg, "; the incomplete backup was removed");
	}
	sbuf_release(&tmp);
	sbuf_release(&final);
	return rc;
}

/* ---- listing ---------------------------------------------------------- */

struct bk_item {
	strata_backup_info info;
	char key[32];  /* sort key: the stamp (mtime for named snapshots) */
	long counter;  /* the -N of an automatic backup */
};

static int cmp_item(const void *a, const void *b)
{
	const struct bk_item *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	if (x->counter != y->counter)
		return x->counter < y->counter ? -1 : 1;
	return strcmp(x->info.name, y->info.name);
}

/*
 * Is file (an entry of the folder) one of stem's backups? Returns 1 for an
 * automatic one (its stamp in stamp[21], its -N in *counter), 2 for a named
 * snapshot, 0 otherwise. Other databases' files sharing a prefix fall out:
 * after "<stem>-" must come exactly a stamp, or "-" and a valid name.
 */
static int classify(const char *stem, const char *file, char stamp[21], long *counter)
{
	size_t ns = strlen(stem), nf = strlen(file), nb;
	const char *body;
	char nm[128];

	*counter = 0;
	if (nf < ns + 5 || strncmp(file, stem, ns) != 0 || file[ns] != '-' ||
	    strcmp(file + nf - 3, ".db") != 0)
		return 0;
	body = file + ns + 1;
	nb = nf - ns - 1 - 3;
	if (nb >= 20 && is_stamp(body)) {
		memcpy(stamp, body, 20);
		stamp[20] = '\0';
		if (nb == 20)
			return 1;
		if (body[20] == '-' && nb > 21) {
			size_t i;
			for (i = 21; i < nb; i++)
				if (body[i] < '0' || body[i] > '9')
					return 0;
			*counter = strtol(body + 21, NULL, 10);
			return 1;
		}
		return 0;
	}
	if (body[0] != '-' || nb - 1 >= sizeof nm)
		return 0;
	memcpy(nm, body + 1, nb - 1);
	nm[nb - 1] = '\0';
	return name_valid(nm) ? 2 : 0;
}

static void item_release(struct bk_item *it)
{
	free((char *)it->info.name);
	free((char *)it->info.path);
	free((char *)it->info.created_at);
}

void strata_backup_list_free(strata_backup_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++) {
		free((char *)l->v[i].name);
		free((char *)l->v[i].path);
		free((char *)l->v[i].created_at);
	}
	free(l->v);
	free(l);
}

/* Every backup of p's database, oldest first. A missing folder is no backups. */
static int list_place(strata_db *db, const struct bk_place *p, strata_backup_list **out)
{
	struct bk_item *items = NULL;
	size_t n = 0, alloc = 0, i;
	struct sbuf path = SBUF_INIT;
	strata_backup_list *l = NULL;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	*out = NULL;
	d = opendir(p->folder);
	if (!d && errno != ENOENT)
		return db_error(db, errno_code(errno), "cannot read the backup folder '%s': %s",
		                p->folder, strerror(errno));
	while (d && (de = readdir(d)) != NULL) {
		struct bk_item *it;
		struct stat st;
		char stamp[21], when[20];
		long counter;
		int kind = classify(p->stem, de->d_name, stamp, &counter);

		if (!kind)
			continue;
		sbuf_reset(&path);
		sbuf_addf(&path, "%s/%s", p->folder, de->d_name);
		if (sbuf_failed(&path)) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
		if (lstat(path.buf, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 16;
			struct bk_item *ni = realloc(items, na * sizeof *ni);
			if (!ni) {
				rc = db_error(db, STRATA_ENOMEM, "out of memory");
				goto out;
			}
			items = ni;
			alloc = na;
		}
		it = &items[n++];
		memset(it, 0, sizeof *it);
		if (kind == 1) {
			memcpy(it->key, stamp, sizeof stamp);
		} else {
			/* A snapshot's time is when its file was written. */
			struct tm tm;
			gmtime_r(&st.st_mtim.tv_sec, &tm);
			strftime(it->key, sizeof it->key, "%Y%m%dT%H%M%S", &tm);
			snprintf(it->key + 15, sizeof it->key - 15, ".%03ldZ", st.st_mtim.tv_nsec / 1000000);
		}
		snprintf(when, sizeof when, "%.4s-%.2s-%.2s %.2s:%.2s:%.2s", it->key, it->key + 4,
		         it->key + 6, it->key + 9, it->key + 11, it->key + 13);
		it->counter = counter;
		it->info.name = strdup(de->d_name);
		it->info.path = strdup(path.buf);
		it->info.created_at = strdup(when);
		it->info.bytes = (long long)st.st_size;
		it->info.named = kind == 2;
		if (!it->info.name || !it->info.path || !it->info.created_at) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (n)
		qsort(items, n, sizeof *items, cmp_item);
	l = calloc(1, sizeof *l);
	if (l)
		l->v = calloc(n ? n : 1, sizeof *l->v);
	if (!l || !l->v) {
		free(l);
		l = NULL;
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	/* The strings move to the list. */
	for (i = 0; i < n; i++)
		l->v[i] = items[i].info;
	l->n = n;
	n = 0;
	*out = l;
out:
	for (i = 0; i < n; i++)
		item_release(&items[i]);
	free(items);
	if (d)
		closedir(d);
	sbuf_release(&path);
	return rc;
}

/*
 * Delete the oldest automatic backups beyond keep. The paths in spare are
 * never deleted (the backup just taken, the one being restored). A failure
 * here costs only disk space: a warning, not an error.
 */
static void prune(strata_db *db, const struct bk_place *p, int keep, const char *spare1,
                  const char *spare2)
{
	strata_backup_list *l = NULL;
	size_t i, nauto = 0;
	int save = db->errcode;
	struct sbuf msg = SBUF_INIT;

	sbuf_adds(&msg, db->errmsg.buf);
	if (list_place(db, p, &l) != 0) {
		db_log(db, STRATA_LOG_WARN, "old backups not pruned: %s", db->errmsg.buf);
		goto out;
	}
	for (i = 0; i < l->n; i++)
		nauto += !l->v[i].named;
	for (i = 0; i < l->n && nauto > (size_t)(keep > 0 ? keep : 1); i++) {
		const strata_backup_info *b = &l->v[i];
		if (b->named || (spare1 && !strcmp(b->path, spare1)) || (spare2 && !strcmp(b->path, spare2)))
			continue;
		if (unlink(b->path) != 0 && errno != ENOENT)
			db_log(db, STRATA_LOG_WARN, "cannot delete the old backup '%s': %s", b->path,
			       strerror(errno));
		nauto--;
	}
out:
	/* Pruning never changes what the caller reports. */
	db->errcode = save;
	sbuf_reset(&db->errmsg);
	sbuf_adds(&db->errmsg, msg.buf);
	sbuf_release(&msg);
	strata_backup_list_free(l);
}

/* ---- taking backups --------------------------------------------------- */

int backup_auto(strata_db *db, char **path_out)
{
	struct bk_place p;
	int rc, in_memory;

	*path_out = NULL;
	if (!db->conn || !drv_sqlite_handle(db->conn))
		return 0;
	if ((rc = place_init(db, &p, &in_memory)) != 0 || in_memory)
		return rc;
	/* SQLite writes its journal beside the database, and the backup goes
	 * there too: a folder that refuses writes is said now, before the run
	 * changes anything, not as "unable to open database file" later. */
	if (access(p.dir, W_OK) != 0) {
		rc = db_error(db, STRATA_EREADONLY, "the folder '%s' of the database is read-only (%s): "
		              "SQLite needs it for its journal, strata for its backups",
		              p.dir, strerror(errno));
		goto out;
	}
	if ((rc = ensure_folder(db, &p)) != 0)
		goto out;
	sweep_stale(&p);
	if ((rc = write_backup(db, &p, NULL, path_out)) != 0)
		goto out;
	prune(db, &p, db->keep_backups, *path_out, NULL);
out:
	place_release(&p);
	return rc;
}

int strata_backup(strata_db *db, const char *name, char **path_out)
{
	struct bk_place p;
	char *path = NULL;
	int rc, in_memory;

	if (path_out)
		*path_out = NULL;
	db_clear_error(db);
	if (name && !name_valid(name))
		return db_error(db, STRATA_EUSAGE, "'%s' is not a backup name (use letters, digits, _ "
		                "and -, not starting with -)", name);
	if ((rc = place_init(db, &p, &in_memory)) != 0)
		return rc;
	if (in_memory) {
		rc = db_error(db, STRATA_EUNSUPPORTED, "an in-memory database has no file to back up");
		goto out;
	}
	if ((rc = ensure_folder(db, &p)) != 0)
		goto out;
	sweep_stale(&p);
	if ((rc = write_backup(db, &p, name, &path)) != 0)
		goto out;
	if (!name)
		prune(db, &p, db->keep_backups, path, NULL);
	if (path_out) {
		*path_out = path;
		path = NULL;
	}
out:
	free(path);
	place_release(&p);
	return rc;
}

int strata_backups(strata_db *db, strata_backup_list **out)
{
	struct bk_place p;
	int rc, in_memory;

	*out = NULL;
	db_clear_error(db);
	if ((rc = place_init(db, &p, &in_memory)) != 0)
		return rc;
	if (in_memory)
		rc = db_error(db, STRATA_EUNSUPPORTED, "an in-memory database has no backups");
	else
		rc = list_place(db, &p, out);
	place_release(&p);
	return rc;
}

/* ---- restoring -------------------------------------------------------- */

/*
 * Which file NAME means: NULL or "latest" the newest backup; a path (with a
 * '/') itself; else a file name as `backups` lists it (".db" optional), or
 * a snapshot's NAME. *path_out is to free().
 */
static int resolve(strata_db *db, const struct bk_place *p, const char *name, char **path_out)
{
	strata_backup_list *l = NULL;
	struct sbuf want = SBUF_INIT;
	size_t i;
	int rc;

	*path_out = NULL;
	if (name && strchr(name, '/')) {
		struct stat st;
		if (stat(name, &st) != 0)
			return db_error(db, STRATA_ENOTFOUND, "cannot restore '%s': %s", name,
			                strerror(errno));
		*path_out = strdup(name);
		return *path_out ? 0 : db_error(db, STRATA_ENOMEM, "out of memory");
	}
	if ((rc = list_place(db, p, &l)) != 0)
		return rc;
	if (!name || !strcmp(name, "latest")) {
		if (l->n == 0)
			rc = db_error(db, STRATA_ENOTFOUND, "there are no backups of '%s' in '%s'",
			              p->db_path, p->folder);
		else if (!(*path_out = strdup(l->v[l->n - 1].path)))
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	sbuf_addf(&want, "%s--%s.db", p->stem, name);
	for (i = l->n; i-- > 0;) {
		const char *f = l->v[i].name;
		size_t nn = strlen(name);
		if (!strcmp(f, name) || !strcmp(f, want.buf) ||
		    (!strncmp(f, name, nn) && !strcmp(f + nn, ".db"))) {
			if (!(*path_out = strdup(l->v[i].path)))
				rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
	}
	rc = db_error(db, STRATA_ENOTFOUND, "no backup named '%s' in '%s' (see 'strata backups')",
	              name, p->folder);
out:
	sbuf_release(&want);
	strata_backup_list_free(l);
	return rc;
}

/*
 * Open the backup at path and check it before anything is changed: a file
 * that is not a database, or a damaged one, is refused here.
 */
static int open_backup(strata_db *db, const char *path, sqlite3 **out)
{
	sqlite3 *src = NULL;
	sqlite3_stmt *st = NULL;
	char why[256];
	int rc;

	*out = NULL;
	rc = open_ro(db, path, &src);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(src, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(src, "PRAGMA quick_check(1)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const char *v = (const char *)sqlite3_column_text(st, 0);
			if (!v || strcmp(v, "ok") != 0) {
				rc = db_error(db, STRATA_ENOTADB, "the backup '%s' is damaged: %s", path,
				              v ? v : "quick_check failed");
				goto out;
			}
			rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK) {
		int code = sqlite_code(src, rc);
		rc = db_error(db, code, code == STRATA_ENOTADB ? "'%s' is not a SQLite backup: %s" :
		              "cannot read the backup '%s': %s", path, sqlite_why(src, rc, why));
		goto out;
	}
	*out = src;
	src = NULL;
out:
	sqlite3_finalize(st);
	if (src)
		sqlite3_close(src);
	return rc;
}

/* Copy the backup at path into db's live main database. */
static int restore_file(strata_db *db, const char *path)
{
	sqlite3 *src = NULL, *h = drv_sqlite_handle(db->conn);
	int rc;

	if ((rc = open_backup(db, path, &src)) != 0)
		return rc;
	rc = copy_db(db, h, src, "restore", path);
	sqlite3_close(src);
	/* The schema may be another: what the handle knew is stale. */
	db->tracking_ready = 0;
	return rc;
}

int strata_restore(strata_db *db, const char *name, char **undo_path)
{
	struct bk_place p;
	char *from = NULL, *undo = NULL;
	sqlite3 *check = NULL;
	int rc, in_memory;

	if (undo_path)
		*undo_path = NULL;
	db_clear_error(db);
	if ((rc = place_init(db, &p, &in_memory)) != 0)
		return rc;
	if (in_memory) {
		rc = db_error(db, STRATA_EUNSUPPORTED, "an in-memory database has no backups to restore");
		goto out;
	}
	if (db->conn->in_tx) {
		rc = db_error(db, STRATA_EUSAGE, "cannot restore inside a transaction");
		goto out;
	}
	if (sqlite3_db_readonly(drv_sqlite_handle(db->conn), "main") == 1) {
		rc = db_error(db, STRATA_EREADONLY, "the database '%s' is read-only", p.db_path);
		goto out;
	}
	if ((rc = resolve(db, &p, name, &from)) != 0)
		goto out;
	/* Refuse a bad backup before taking the undo backup or changing anything. */
	if ((rc = open_backup(db, from, &check)) != 0)
		goto out;
	sqlite3_close(check);
	/* The current state first, so that the restore itself can be undone. */
	if ((rc = ensure_folder(db, &p)) != 0)
		goto out;
	sweep_stale(&p);
	if ((rc = write_backup(db, &p, NULL, &undo)) != 0)
		goto out;
	prune(db, &p, db->keep_backups, undo, from);
	if ((rc = restore_file(db, from)) != 0) {
		struct sbuf note = SBUF_INIT;
		sbuf_addf(&note, " (the state before the restore is also in '%s')", undo);
		if (!sbuf_failed(&note))
			sbuf_adds(&db->errmsg, note.buf);
		sbuf_release(&note);
		goto out;
	}
	if (undo_path) {
		*undo_path = undo;
		undo = NULL;
	}
out:
	free(from);
	free(undo);
	place_release(&p);
	return rc;
}

void backup_restore_after_failure(strata_db *db, const char *path)
{
	struct sbuf msg = SBUF_INIT;
	int code = db->errcode;

	if (!path || !db->conn || !drv_sqlite_handle(db->conn))
		return;
	/* The run's error is what the caller reports: keep it. */
	sbuf_adds(&msg, db->errmsg.buf);
	if (restore_file(db, path) == 0)
		db_log(db, STRATA_LOG_NOTICE, "the failed run had committed part of its work: the "
		       "database was restored from the backup taken before it ('%s')", path);
	else
		db_log(db, STRATA_LOG_WARN, "the failed run had committed part of its work, and "
		       "restoring the backup taken before it failed: %s; run 'strata restore %s'",
		       db->errmsg.buf, path);
	db->errcode = code;
	sbuf_reset(&db->errmsg);
	sbuf_adds(&db->errmsg, msg.buf);
	sbuf_release(&msg);
}
