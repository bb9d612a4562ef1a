/*
 * backup.c: SQLite backups, their retention, and restores.
 *
 * Backups live beside the database, in .strata-backups/, one file each:
 *   <file>-YYYYMMDDTHHMMSS.mmmZ.db     automatic (before a run), pruned to
 *   <file>-YYYYMMDDTHHMMSS.mmmZ-N.db   keep_backups; -N when two share a ms
 *   <file>--NAME.db                    named snapshots, never pruned
 * <file> is the database's whole file name ("app.db"), so that "app" and
 * "app.db" in one folder never share a name. Older versions left ".db" out;
 * such files are still listed and restored by name where that is not
 * ambiguous (no file "app" beside "app.db").
 *
 * The folder is input others may have touched, so it is trusted only as far
 * as it is private: created 0700, refused when it is a symlink, not ours, or
 * writable by group or others; no file in it is opened through a symlink.
 * strata records each backup it writes in .strata-backups/index (file,
 * database, size): "latest" and pruning consider only recorded backups of
 * this database, so a planted file or another database's backup is never
 * restored as "latest" nor deleted. Writing the index, pruning and choosing
 * the file to restore are serialised by flock() on .strata-backups/lock.
 * A restore reads only a complete SQLite file (header, size, quick_check),
 * opened once and held open, so a prune running meanwhile cannot take it
 * away halfway.
 *
 * How a backup is copied:
 *  - A backup reads through a second, read-only connection holding one read
 *    transaction for the whole copy: one consistent snapshot while other
 *    processes read and write, WAL or not. Inside a run's write transaction
 *    it is also the only way: sqlite3_backup_step() answers SQLITE_BUSY
 *    forever when its source connection is in a write transaction.
 *  - When the database file itself is that snapshot (always with a rollback
 *    journal, whose writers wait for our SHARED lock; in WAL mode once a
 *    checkpoint has put every committed page in the file: file_copy_ok()
 *    says why that suffices), the file is copied as it is, in 4 MiB reads
 *    through the read connection's own file handle, then checked to open
 *    as the snapshot. Otherwise SQLite's online backup API copies the
 *    snapshot page by page: same result, about three times the time.
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
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define BACKUP_FOLDER ".strata-backups"
#define TMP_PREFIX ".tmp-"
#define INDEX_FILE "index"
#define LOCK_FILE "lock"
/* Below this a copy takes well under a second: progress would be noise. */
#define PROGRESS_MIN_BYTES (64LL * 1024 * 1024)
#define PROGRESS_AFTER_MS 500

/* Where one database's backups go. All strings owned. */
struct bk_place {
	char *db_path;  /* the database file, as SQLite resolved it */
	char *dir;      /* the folder it is in */
	char *folder;   /* <dir>/.strata-backups */
	char *stem;     /* its file name: what its backups' names start with */
	char *legacy;   /* the older stem (no ".db"), NULL where it is ambiguous */
	int shared;     /* unrecorded <stem>-... files may be another database's */
};

static void place_release(struct bk_place *p)
{
	free(p->db_path);
	free(p->dir);
	free(p->folder);
	free(p->stem);
	free(p->legacy);
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
	/* The index holds one line per backup, tab-separated. */
	if (strpbrk(base, "\t\n\r"))
		return db_error(db, STRATA_EUNSUPPORTED, "cannot keep backups of '%s': its file name "
		                "holds a tab or a line break", fn);
	n = strlen(base);
	p->db_path = strdup(fn);
	p->dir = slash ? sbuf_strndup(fn, slash == fn ? 1 : (size_t)(slash - fn)) : strdup(".");
	p->stem = strdup(base);
	if (p->dir)
		sbuf_addf(&sb, "%s%s" BACKUP_FOLDER, p->dir,
		          p->dir[strlen(p->dir) - 1] == '/' ? "" : "/");
	p->folder = sbuf_detach(&sb);
	if (!p->db_path || !p->dir || !p->stem || !p->folder) {
		place_release(p);
		return db_error(db, STRATA_ENOMEM, "out of memory");
	}
	/* Old names: "app-<stamp>.db" was app.db's, unless a database "app"
	 * lives beside it (then they may be either's: named only by path).
	 * And a database "app" shares its unrecorded names with an "app.db". */
	{
		struct sbuf other = SBUF_INIT;
		struct stat st;
		if (n > 3 && strcmp(base + n - 3, ".db") == 0) {
			sbuf_addf(&other, "%s/%.*s", p->dir, (int)(n - 3), base);
			if (!sbuf_failed(&other) && lstat(other.buf, &st) != 0 && errno == ENOENT)
				p->legacy = sbuf_strndup(base, n - 3);
		} else {
			sbuf_addf(&other, "%s/%s.db", p->dir, base);
			p->shared = sbuf_failed(&other) || lstat(other.buf, &st) == 0;
		}
		sbuf_release(&other);
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
static int open_ro(strata_db *db, const char *path, int flags, sqlite3 **out)
{
	int rc = sqlite3_open_v2(path, out, SQLITE_OPEN_READONLY | flags, NULL);

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

/*
 * The backup folder is trusted only when it is private: a directory (not a
 * symlink to one), ours, and writable by nobody else; anyone who can write
 * there could plant a "backup" or swap one under a restore. Returns 0 when
 * it is fit, 1 when it does not exist, or an error.
 */
static int folder_check(strata_db *db, const struct bk_place *p)
{
	struct stat st;

	if (lstat(p->folder, &st) != 0) {
		if (errno == ENOENT)
			return 1;
		return db_error(db, errno_code(errno), "cannot read the backup folder '%s': %s",
		                p->folder, strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return db_error(db, STRATA_EIO, "the backup folder '%s' is a symbolic link: strata does "
		                "not follow it; make it a directory of your own", p->folder);
	if (!S_ISDIR(st.st_mode))
		return db_error(db, STRATA_EIO, "'%s' is in the way of the backup folder: it is not a "
		                "directory", p->folder);
	if (st.st_uid != geteuid())
		return db_error(db, STRATA_EIO, "the backup folder '%s' belongs to another user (uid "
		                "%ld): strata does not trust it", p->folder, (long)st.st_uid);
	if (st.st_mode & 022)
		return db_error(db, STRATA_EIO, "the backup folder '%s' is writable by %s (mode %04o): "
		                "strata does not trust it; run 'chmod go-w %s' after checking its files",
		                p->folder, st.st_mode & 02 ? "everyone" : "its group",
		                (unsigned)(st.st_mode & 07777), p->folder);
	return 0;
}

/* mkdir the backup folder (0700: backups hold all the data) unless it is
 * there, and check it is fit to trust. */
static int ensure_folder(strata_db *db, const struct bk_place *p)
{
	int rc;

	if (mkdir(p->folder, 0700) != 0 && errno != EEXIST)
		return db_error(db, errno_code(errno), "cannot create the backup folder '%s': %s",
		                p->folder, strerror(errno));
	rc = folder_check(db, p);
	return rc == 1 ? db_error(db, STRATA_EIO, "the backup folder '%s' went away", p->folder) : rc;
}

/*
 * Take the folder's lock (flock on .strata-backups/lock): writing the
 * index, pruning and picking the file to restore wait for each other.
 * *fd is to close() to release it.
 */
static int folder_lock(strata_db *db, const struct bk_place *p, int *fd)
{
	struct sbuf path = SBUF_INIT;
	int rc = 0;

	sbuf_addf(&path, "%s/" LOCK_FILE, p->folder);
	if (sbuf_failed(&path))
		return db_error(db, STRATA_ENOMEM, "out of memory");
	*fd = open(path.buf, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*fd < 0)
		rc = db_error(db, errno_code(errno), "cannot open the lock '%s': %s", path.buf,
		              strerror(errno));
	else
		while (flock(*fd, LOCK_EX) != 0) {
			if (errno == EINTR)
				continue;
			rc = db_error(db, STRATA_EIO, "cannot lock '%s': %s", path.buf, strerror(errno));
			close(*fd);
			*fd = -1;
			break;
		}
	sbuf_release(&path);
	return rc;
}

static void folder_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* ---- the index -------------------------------------------------------- */

/* One line of the index: a backup strata wrote, whose database, its size. */
struct idx_entry {
	char *file, *db;
	long long bytes;
};

struct idx {
	struct idx_entry *v;
	size_t n;
	/* v's entries by file name, then by line: a folder that many
	 * databases share (a fleet's tenants) has thousands of backups, and
	 * listing one database's looks each file of the folder up here. */
	const struct idx_entry **byname;
};

static void idx_release(struct idx *x)
{
	size_t i;

	for (i = 0; i < x->n; i++) {
		free(x->v[i].file);
		free(x->v[i].db);
	}
	free(x->v);
	free(x->byname);
	x->v = NULL;
	x->byname = NULL;
	x->n = 0;
}

static int cmp_idx_entry(const void *a, const void *b)
{
	const struct idx_entry *x = *(const struct idx_entry *const *)a;
	const struct idx_entry *y = *(const struct idx_entry *const *)b;
	int c = strcmp(x->file, y->file);

	return c ? c : (x < y ? -1 : x > y);
}

/* The last line that records file (a name recorded twice: the newer). */
static const struct idx_entry *idx_find(const struct idx *x, const char *file)
{
	size_t lo = 0, hi = x->n, i;

	if (!x->byname) {
		for (i = x->n; i-- > 0;)
			if (!strcmp(x->v[i].file, file))
				return &x->v[i];
		return NULL;
	}
	/* the first entry whose name sorts after file; the one before it */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(x->byname[mid]->file, file) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && !strcmp(x->byname[lo - 1]->file, file) ? x->byname[lo - 1] : NULL;
}

/*
 * Read the index: "file<TAB>database<TAB>bytes" lines. A line that does
 * not parse is skipped (a torn last line after a crash): its backup is then
 * merely unrecorded. No index is an empty one.
 */
static int idx_load(strata_db *db, const struct bk_place *p, struct idx *x)
{
	struct sbuf path = SBUF_INIT, data = SBUF_INIT;
	char *line, *next;
	size_t cap = 0;
	int fd, rc = 0;

	memset(x, 0, sizeof *x);
	sbuf_addf(&path, "%s/" INDEX_FILE, p->folder);
	if (sbuf_failed(&path))
		return db_error(db, STRATA_ENOMEM, "out of memory");
	fd = open(path.buf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			rc = db_error(db, errno_code(errno), "cannot read the backup index '%s': %s",
			              path.buf, strerror(errno));
		goto out;
	}
	for (;;) {
		char buf[4096];
		ssize_t got = read(fd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = db_error(db, errno_code(errno), "cannot read the backup index '%s': %s",
			              path.buf, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		sbuf_add(&data, buf, (size_t)got);
	}
	if (sbuf_failed(&data)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (line = data.buf; line && *line; line = next) {
		char *t1, *t2, *end;
		long long bytes;
		struct idx_entry *nv;

		next = strchr(line, '\n');
		if (!next)
			break; /* torn last line */
		*next++ = '\0';
		if (!(t1 = strchr(line, '\t')) || !(t2 = strchr(t1 + 1, '\t')))
			continue;
		*t1 = *t2 = '\0';
		errno = 0;
		bytes = strtoll(t2 + 1, &end, 10);
		if (errno || *end || bytes < 0 || !*line || strchr(line, '/'))
			continue;
		if (x->n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(nv = realloc(x->v, cap * sizeof *nv))) {
				rc = db_error(db, STRATA_ENOMEM, "out of memory");
				goto out;
			}
			x->v = nv;
		}
		nv = x->v;
		nv[x->n].file = strdup(line);
		nv[x->n].db = strdup(t1 + 1);
		nv[x->n].bytes = bytes;
		x->n++;
		if (!nv[x->n - 1].file || !nv[x->n - 1].db) {
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
	}
	/* (without it, idx_find() reads the lines one by one) */
	if (x->n > 1 && (x->byname = malloc(x->n * sizeof *x->byname)) != NULL) {
		size_t i;
		for (i = 0; i < x->n; i++)
			x->byname[i] = &x->v[i];
		qsort(x->byname, x->n, sizeof *x->byname, cmp_idx_entry);
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		idx_release(x);
	sbuf_release(&path);
	sbuf_release(&data);
	return rc;
}

/* Record a backup just published (under the folder lock). */
static int idx_append(strata_db *db, const struct bk_place *p, const char *file, long long bytes)
{
	struct sbuf path = SBUF_INIT, line = SBUF_INIT;
	int fd = -1, rc = 0;

	sbuf_addf(&path, "%s/" INDEX_FILE, p->folder);
	sbuf_addf(&line, "%s\t%s\t%lld\n", file, p->stem, bytes);
	if (sbuf_failed(&path) || sbuf_failed(&line)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	fd = open(path.buf, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || util_write_all(fd, line.buf, line.len) != 0 || fsync(fd) != 0)
		rc = db_error(db, errno_code(errno), "cannot record the backup in '%s': %s", path.buf,
		              strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	sbuf_release(&path);
	sbuf_release(&line);
	return rc;
}

/* Write the index anew without the entries whose file is gone (after a
 * prune), through a temporary file and rename(). */
static void idx_rewrite(strata_db *db, const struct bk_place *p, const struct idx *x)
{
	struct sbuf path = SBUF_INIT, tmp = SBUF_INIT, data = SBUF_INIT, f = SBUF_INIT;
	size_t i;
	int fd = -1, ok = 0;

	for (i = 0; i < x->n; i++) {
		struct stat st;
		sbuf_reset(&f);
		sbuf_addf(&f, "%s/%s", p->folder, x->v[i].file);
		if (!sbuf_failed(&f) && lstat(f.buf, &st) != 0 && errno == ENOENT)
			continue;
		sbuf_addf(&data, "%s\t%s\t%lld\n", x->v[i].file, x->v[i].db, x->v[i].bytes);
	}
	sbuf_addf(&path, "%s/" INDEX_FILE, p->folder);
	sbuf_addf(&tmp, "%s/" TMP_PREFIX "%ld-index", p->folder, (long)getpid());
	if (sbuf_failed(&path) || sbuf_failed(&tmp) || sbuf_failed(&data))
		goto out;
	unlink(tmp.buf);
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0 && util_write_all(fd, data.buf, data.len) == 0 && fsync(fd) == 0 &&
	    close(fd) == 0) {
		fd = -1;
		ok = rename(tmp.buf, path.buf) == 0;
	}
out:
	if (fd >= 0)
		close(fd);
	if (!ok) {
		if (tmp.len)
			unlink(tmp.buf);
		db_log(db, STRATA_LOG_WARN, "cannot rewrite the backup index in '%s'", p->folder);
	}
	sbuf_release(&path);
	sbuf_release(&tmp);
	sbuf_release(&data);
	sbuf_release(&f);
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

/* ---- the file copy ---------------------------------------------------- */

/* What one read and one write of the file copy move: as dd bs=4M. */
#define COPY_CHUNK ((size_t)4 << 20)

/*
 * May src's main file be copied byte for byte, as the state src's read
 * transaction sees? Returns 1 if so, 0 if not (why in why[]), for the
 * backup API to do the copy instead.
 *
 * Rollback journal (every mode but WAL): a writer changes the file only
 * under an EXCLUSIVE lock, which it cannot take while src holds SHARED:
 * the file is the last committed state for as long as src reads.
 *
 * WAL: the main file is written only by a checkpoint, which copies WAL
 * frames into it. src reads a snapshot: the frames up to its mxFrame M.
 * The file holds that snapshot exactly when (1) every frame up to M has
 * been copied back (nBackfill >= M) and (2) no frame after M ever is while
 * src reads. (2) holds by SQLite's own rule: a checkpoint copies no frame
 * past the read mark of a live reader (src's mark is at most M), and none
 * at all while a reader holds read lock 0, the one that reads the file
 * alone (wal.c, walCheckpoint). For (1) a PASSIVE checkpoint runs now, on
 * a connection of its own (src, in its transaction, may not): it never
 * waits, and reports the frames in the WAL (pnLog, the newest commit's,
 * >= M) and those copied back (pnCkpt, <= M by (2)). pnCkpt == pnLog means
 * nBackfill = M. Anything else (a commit after src began, an older reader
 * holding the checkpoint back, a checkpoint already running, a file we may
 * not write) goes through the backup API, which reads the snapshot page by
 * page through src, WAL or not. Inside a run's write transaction nobody
 * else can commit, so the checkpoint is complete unless an older reader is
 * still at work.
 */
static int file_copy_ok(strata_db *db, const struct bk_place *p, sqlite3 *src, char why[256])
{
	sqlite3_stmt *st = NULL;
	sqlite3 *ck = NULL;
	int rc, wal = 0, nlog = -1, nckpt = -1;

	if (sqlite3_prepare_v2(src, "PRAGMA main.journal_mode", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(st, 0);
		wal = m && !strcmp(m, "wal");
	}
	sqlite3_finalize(st);
	if (!wal)
		return 1;
	/* A read first: it opens the WAL, which the checkpoint needs. The
	 * checkpoint changes no data: it moves committed pages from the WAL
	 * into the file, as SQLite does on its own every 1000 pages. */
	rc = sqlite3_open_v2(p->db_path, &ck, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(ck, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_wal_checkpoint_v2(ck, "main", SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
	if (rc != SQLITE_OK)
		snprintf(why, 256, "WAL checkpoint not possible (%s)",
		         ck ? sqlite3_errmsg(ck) : sqlite3_errstr(rc));
	else if (nlog != nckpt)
		snprintf(why, 256, "the WAL has pages the file lacks (%d of %d frames checkpointed: "
		         "a reader or a writer is at work)", nckpt > 0 ? nckpt : 0, nlog);
	sqlite3_close(ck);
	(void)db;
	return rc == SQLITE_OK && nlog == nckpt;
}

/*
 * Copy src's main database file into fd (a new, empty file) byte for byte,
 * through src's own file handle, when file_copy_ok() says the file is the
 * snapshot src reads. Returns 0 done, 1 not done (nothing written: the
 * backup API is to copy), or an error.
 *
 * Why src's handle (its VFS xRead) and not a descriptor of our own, with
 * copy_file_range(): closing any descriptor of a file drops every POSIX
 * lock the process holds on it, src's SHARED lock and the run's write lock
 * included, which would let another writer in. (On ext4 both copies cost
 * the same: the fsync that follows is the cost.) The bytes are what SQLite
 * reads, so the copy is checked for what it is: a SQLite header with the
 * source's page size, and after it is on disk (write_backup), the page
 * count and schema cookie of the snapshot.
 */
static int file_copy(strata_db *db, const struct bk_place *p, sqlite3 *src, int fd,
                     const char *tmp)
{
	long long pages = pragma_int(src, "PRAGMA main.page_count");
	long long psize = pragma_int(src, "PRAGMA main.page_size");
	long long bytes = pages * psize, off = 0;
	sqlite3_file *f = NULL;
	sqlite3_int64 fsize = 0;
	unsigned char *buf = NULL;
	int rc = 0, decile = 0, said = 0;
	long t0 = util_ms();
	char why[256];

	why[0] = '\0';
	if (pages <= 0 || psize < 512 || psize > 65536)
		snprintf(why, sizeof why, "page count or size unknown");
	else if (sqlite3_file_control(src, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	         !f || !f->pMethods || f->pMethods->xFileSize(f, &fsize) != SQLITE_OK ||
	         fsize < bytes)
		snprintf(why, sizeof why, "the file is shorter than its pages");
	else if (file_copy_ok(db, p, src, why))
		why[0] = '\0';
	else if (!why[0])
		snprintf(why, sizeof why, "the file is not the snapshot");
	if (why[0]) {
		db_log(db, STRATA_LOG_INFO, "backup of '%s': through SQLite's backup API: %s",
		       p->db_path, why);
		return 1;
	}
	/* No bigger than the file: a fleet backs up thousands of small
	 * databases, and a 4 MiB buffer each time is fresh memory the kernel
	 * zeroes and then takes back (brk), per database. */
	if (!(buf = malloc(bytes < (long long)COPY_CHUNK ? (size_t)bytes : COPY_CHUNK)))
		return db_error(db, STRATA_ENOMEM, "out of memory");
	if (bytes > PROGRESS_MIN_BYTES)
		db_log(db, STRATA_LOG_NOTICE, "backup of '%s': %lld MiB", p->db_path, bytes >> 20);
	while (off < bytes) {
		size_t n = bytes - off < (long long)COPY_CHUNK ? (size_t)(bytes - off) : COPY_CHUNK;
		int xrc = f->pMethods->xRead(f, buf, (int)n, off);

		if (xrc != SQLITE_OK) {
			rc = db_error(db, STRATA_EIO, "cannot read '%s' to back it up: %s", p->db_path,
			              sqlite3_errstr(xrc));
			goto out;
		}
		if (off == 0) {
			/* What SQLite would open as this database, or the backup API
			 * copies (another VFS may keep other bytes on disk). */
			long h = buf[16] << 8 | buf[17];
			if (memcmp(buf, "SQLite format 3", 16) != 0 || (h == 1 ? 65536 : h) != psize) {
				db_log(db, STRATA_LOG_INFO, "backup of '%s': through SQLite's backup API: "
				       "the file does not start with its SQLite header", p->db_path);
				rc = 1;
				goto out;
			}
			/* File format 2 is WAL: the backup is a rollback-journal file,
			 * as PRAGMA journal_mode=DELETE would make it, so that reading
			 * it puts no -wal or -shm file in the folder. */
			if (buf[18] == 2)
				buf[18] = 1;
			if (buf[19] == 2)
				buf[19] = 1;
		}
		if (util_write_all(fd, buf, n) != 0) {
			int e = errno;
			rc = db_error(db, errno_code(e), "cannot write the backup '%s': %s%s", tmp,
			              errno_code(e) == STRATA_EFULL && e != EFBIG ? "the disk is full: " : "",
			              strerror(e));
			goto out;
		}
		off += (long long)n;
		if (bytes > PROGRESS_MIN_BYTES && util_ms() - t0 >= PROGRESS_AFTER_MS) {
			int d = (int)(off * 10 / bytes);
			if (d > decile && d < 10) {
				decile = d;
				said = 1;
				db_log(db, STRATA_LOG_NOTICE, "backup of '%s': %d%%", p->db_path, d * 10);
			}
		}
	}
	if (said)
		db_log(db, STRATA_LOG_NOTICE, "backup of '%s': 100%%", p->db_path);
	db_log(db, STRATA_LOG_INFO, "backup of '%s': the file copied (%lld pages)", p->db_path, pages);
out:
	free(buf);
	return rc;
}

/* The file copy, on disk, opens as the snapshot it was copied from. */
static int copy_check(strata_db *db, const char *tmp, long long pages, long long cookie)
{
	sqlite3 *h = NULL;
	long long n = -1, c = -1;

	if (sqlite3_open_v2(tmp, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) == SQLITE_OK) {
		n = pragma_int(h, "PRAGMA main.page_count");
		c = pragma_int(h, "PRAGMA main.schema_version");
	}
	sqlite3_close(h);
	if (n != pages || c != cookie)
		return db_error(db, STRATA_EIO, "the backup '%s' does not read back as the database: "
		                "%lld pages and schema version %lld where the database has %lld and %lld",
		                tmp, n, c, pages, cookie);
	return 0;
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
	struct stat tst;
	long long pages, cookie;
	int rc, src_rc, fd = -1, made = 0, lockfd = -1;

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
	src_rc = open_ro(db, p->db_path, 0, &src);
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
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
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
	/* The file itself when it is the snapshot (file_copy_ok()): one
	 * sequential copy, where the backup API goes page by page. */
	pages = pragma_int(src, "PRAGMA main.page_count");
	cookie = pragma_int(src, "PRAGMA main.schema_version");
	if ((rc = file_copy(db, p, src, fd, tmp.buf)) < 0)
		goto out;
	if (rc == 0) {
		sqlite3_close(src);
		src = NULL;
		if ((rc = copy_check(db, tmp.buf, pages, cookie)) != 0)
			goto out;
		goto written;
	}
	rc = sqlite3_open_v2(tmp.buf, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
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
written:
	/* Our descriptor is closed only now: closing any descriptor of a file
	 * drops the process's POSIX locks on it, SQLite's included. */
	rc = fsync(fd);
	if (rc == 0 && fstat(fd, &tst) != 0)
		rc = -1;
	if (close(fd) != 0)
		rc = -1;
	fd = -1;
	if (rc != 0) {
		rc = db_error(db, errno_code(errno), "cannot write the backup '%s': %s", tmp.buf,
		              strerror(errno));
		goto out;
	}
	/* Named and recorded under the folder lock: a prune or a restore never
	 * sees a backup that is not in the index yet. */
	if ((rc = folder_lock(db, p, &lockfd)) != 0)
		goto out;
	if ((rc = publish(db, p, tmp.buf, stamp, name, &final)) != 0)
		goto out;
	made = 0;
	if ((rc = idx_append(db, p, strrchr(final.buf, '/') + 1, (long long)tst.st_size)) != 0) {
		unlink(final.buf);
		goto out;
	}
	folder_unlock(lockfd);
	lockfd = -1;
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
	folder_unlock(lockfd);
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
	char recorded; /* in the index, for this database, with its size */
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

/*
 * Every backup of p's database, oldest first. A missing folder is no
 * backups. *recorded (to free(), may be NULL) gets one flag per backup: 1
 * when strata's index records it for this database with this size. A file
 * the index gives to another database is not listed.
 */
static int list_place(strata_db *db, const struct bk_place *p, strata_backup_list **out,
                      char **recorded)
{
	struct bk_item *items = NULL;
	size_t n = 0, alloc = 0, i;
	struct sbuf path = SBUF_INIT;
	strata_backup_list *l = NULL;
	struct idx x = { 0 };
	struct dirent *de;
	DIR *d = NULL;
	int rc = 0;

	*out = NULL;
	if (recorded)
		*recorded = NULL;
	if ((rc = folder_check(db, p)) < 0)
		return rc;
	if (rc == 0 && (rc = idx_load(db, p, &x)) != 0)
		return rc;
	d = rc == 1 ? NULL : opendir(p->folder);
	rc = 0;
	if (!d && errno != ENOENT) {
		rc = db_error(db, errno_code(errno), "cannot read the backup folder '%s': %s",
		              p->folder, strerror(errno));
		goto out;
	}
	while (d && (de = readdir(d)) != NULL) {
		struct bk_item *it;
		struct stat st;
		char stamp[21], when[20];
		long counter;
		const struct idx_entry *ie = idx_find(&x, de->d_name);
		int kind = classify(p->stem, de->d_name, stamp, &counter);

		if (kind && !ie && p->shared)
			continue; /* unrecorded, and maybe the "<name>.db" beside us's */
		if (!kind && p->legacy && (!ie || !strcmp(ie->db, p->stem)))
			kind = classify(p->legacy, de->d_name, stamp, &counter);
		if (!kind || (ie && strcmp(ie->db, p->stem) != 0))
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
		it->recorded = ie && ie->bytes == (long long)st.st_size;
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
	if (recorded && !(*recorded = malloc(n ? n : 1))) {
		strata_backup_list_free(l);
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	/* The strings move to the list. */
	for (i = 0; i < n; i++) {
		l->v[i] = items[i].info;
		if (recorded)
			(*recorded)[i] = items[i].recorded;
	}
	l->n = n;
	n = 0;
	*out = l;
out:
	for (i = 0; i < n; i++)
		item_release(&items[i]);
	free(items);
	if (d)
		closedir(d);
	idx_release(&x);
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
	struct idx x = { 0 };
	char *rec = NULL;
	size_t i, nauto = 0;
	int save = db->errcode, lockfd = -1, removed = 0;
	struct sbuf msg = SBUF_INIT;

	sbuf_adds(&msg, db->errmsg.buf);
	/* Only backups strata recorded for this database are ever deleted:
	 * never another database's, never a file someone else put there. */
	if (folder_lock(db, p, &lockfd) != 0 || list_place(db, p, &l, &rec) != 0) {
		db_log(db, STRATA_LOG_WARN, "old backups not pruned: %s", db->errmsg.buf);
		goto out;
	}
	for (i = 0; i < l->n; i++)
		nauto += !l->v[i].named && rec[i];
	for (i = 0; i < l->n && nauto > (size_t)(keep > 0 ? keep : 1); i++) {
		const strata_backup_info *b = &l->v[i];
		if (b->named || !rec[i] || (spare1 && !strcmp(b->path, spare1)) ||
		    (spare2 && !strcmp(b->path, spare2)))
			continue;
		if (unlink(b->path) != 0 && errno != ENOENT)
			db_log(db, STRATA_LOG_WARN, "cannot delete the old backup '%s': %s", b->path,
			       strerror(errno));
		else
			removed = 1;
		nauto--;
	}
	if (removed && idx_load(db, p, &x) == 0)
		idx_rewrite(db, p, &x);
out:
	idx_release(&x);
	free(rec);
	folder_unlock(lockfd);
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

/*
 * The committed state is read as a backup would read it (a connection of
 * its own, one read transaction): a file with no page is a database that
 * was never written, whatever the run has done in its open transaction.
 * The index is read without the folder's lock: it is only ever appended to
 * or replaced whole (rename), and a backup recorded meanwhile by another
 * process would be another run's, which holds the write lock we wait for.
 */
int backup_nothing_to_keep(strata_db *db)
{
	struct bk_place p;
	struct idx x = { 0 };
	struct stat st;
	sqlite3 *src = NULL;
	size_t i;
	int in_memory, empty = 0, rc;

	if (!db->conn || !drv_sqlite_handle(db->conn))
		return 0;
	if (place_init(db, &p, &in_memory) != 0) {
		db_clear_error(db);
		return 0;
	}
	if (in_memory)
		goto out;
	/* A file with a byte in it is not taken for empty (even when those
	 * are this run's own pages, spilled before its commit): no second
	 * connection for the common case. */
	if (stat(p.db_path, &st) != 0 || st.st_size > 0)
		goto out;
	if (open_ro(db, p.db_path, 0, &src) == SQLITE_OK &&
	    sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) == SQLITE_OK)
		empty = pragma_int(src, "PRAGMA main.page_count") == 0;
	if (!empty)
		goto out;
	/* A recorded backup of this database would become "latest": restore
	 * must not skip back past this run to it. */
	rc = folder_check(db, &p);
	if (rc == 0 && idx_load(db, &p, &x) == 0) {
		for (i = 0; i < x.n; i++)
			if (!strcmp(x.v[i].db, p.stem))
				empty = 0;
	} else if (rc != 1) {
		empty = 0;
	}
	db_clear_error(db);
out:
	if (src)
		sqlite3_close(src); /* ends the read transaction */
	idx_release(&x);
	place_release(&p);
	return empty;
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
		rc = list_place(db, &p, out, NULL);
	place_release(&p);
	return rc;
}

/* ---- restoring -------------------------------------------------------- */

/*
 * Which file NAME means: NULL or "latest" the newest backup strata recorded
 * for this database; a path (with a '/') itself; else a file name as
 * `backups` lists it (".db" optional), or a snapshot's NAME. *path_out is
 * to free(); *in_folder says it is a file of the backup folder.
 */
static int resolve(strata_db *db, const struct bk_place *p, const char *name, char **path_out,
                   int *in_folder)
{
	strata_backup_list *l = NULL;
	struct sbuf want = SBUF_INIT, old = SBUF_INIT, plain = SBUF_INIT;
	char *rec = NULL;
	size_t i;
	int rc;

	*path_out = NULL;
	*in_folder = 1;
	if (name && strchr(name, '/')) {
		struct stat st;
		if (stat(name, &st) != 0)
			return db_error(db, STRATA_ENOTFOUND, "cannot restore '%s': %s", name,
			                strerror(errno));
		*in_folder = 1; /* a symlink is refused there too */
		*path_out = strdup(name);
		return *path_out ? 0 : db_error(db, STRATA_ENOMEM, "out of memory");
	}
	if ((rc = list_place(db, p, &l, &rec)) != 0)
		return rc;
	if (!name || !strcmp(name, "latest")) {
		for (i = l->n; i-- > 0;)
			if (rec[i])
				break;
		if (i == (size_t)-1) {
			rc = db_error(db, STRATA_ENOTFOUND, l->n ?
			              "no backup of '%s' in '%s' is recorded in its index, so none is "
			              "'latest'" :
			              "there are no backups of '%s' in '%s'", p->db_path, p->folder);
			if (l->n)
				db_why(db, STRATA_WHY_NO_BACKUP, NULL, NULL, NULL);
		} else if (!(*path_out = strdup(l->v[i].path)))
			rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	sbuf_addf(&want, "%s--%s.db", p->stem, name);
	sbuf_addf(&old, "%s--%s.db", p->legacy ? p->legacy : p->stem, name);
	sbuf_addf(&plain, "%s.db", name);
	if (sbuf_failed(&want) || sbuf_failed(&old) || sbuf_failed(&plain)) {
		rc = db_error(db, STRATA_ENOMEM, "out of memory");
		goto out;
	}
	for (i = l->n; i-- > 0;) {
		const char *f = l->v[i].name;
		if (!strcmp(f, name) || !strcmp(f, want.buf) || !strcmp(f, old.buf) ||
		    !strcmp(f, plain.buf)) {
			if (!(*path_out = strdup(l->v[i].path)))
				rc = db_error(db, STRATA_ENOMEM, "out of memory");
			goto out;
		}
	}
	rc = db_error(db, STRATA_ENOTFOUND, "no backup named '%s' in '%s'", name, p->folder);
	db_why(db, STRATA_WHY_NO_BACKUP, name, NULL, NULL);
out:
	free(rec);
	sbuf_release(&want);
	sbuf_release(&old);
	sbuf_release(&plain);
	strata_backup_list_free(l);
	return rc;
}

/*
 * Is the file at path a whole SQLite database? Its first 100 bytes must be
 * a SQLite header, and its size a whole number of its pages: a 0-byte file
 * (which SQLite would read as an empty database) or a torn copy is refused
 * before anything is changed. in_folder: never through a symlink. *st gets
 * what the file is, to tell it from the live database.
 */
static int check_file(strata_db *db, const char *path, int in_folder, struct stat *st)
{
	unsigned char h[100];
	ssize_t got = 0;
	long page;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (in_folder ? O_NOFOLLOW : 0));

	if (fd < 0)
		return db_error(db, errno == ELOOP ? STRATA_EIO : STRATA_ENOTFOUND,
		                errno == ELOOP ? "'%s' is a symbolic link: strata does not restore "
		                "through one" : "cannot restore '%s': %s", path, strerror(errno));
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return db_error(db, STRATA_ENOTADB, "'%s' is not a SQLite backup: not a regular file",
		                path);
	}
	while (got < (ssize_t)sizeof h) {
		ssize_t r = read(fd, h + got, sizeof h - (size_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	close(fd);
	if (got < (ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16) != 0)
		return db_error(db, STRATA_ENOTADB, "'%s' is not a SQLite backup: %s", path,
		                st->st_size == 0 ? "the file is empty" : "no SQLite header");
	page = h[16] << 8 | h[17];
	if (page == 1)
		page = 65536;
	if (page < 512 || (page & (page - 1)) || st->st_size % page != 0)
		return db_error(db, STRATA_ENOTADB, "'%s' is not a whole SQLite database: %lld bytes "
		                "is not a number of %ld-byte pages (cut short?)", path,
		                (long long)st->st_size, page);
	return 0;
}

/*
 * Open the backup at path and check it before anything is changed: a file
 * that is not a database, or a damaged one, is refused here. The returned
 * connection holds a read transaction: what was checked is what is read.
 */
static int open_backup(strata_db *db, const char *path, int in_folder, sqlite3 **out)
{
	sqlite3 *src = NULL;
	sqlite3_stmt *st = NULL;
	struct stat fst;
	char why[256];
	int rc;

	*out = NULL;
	if ((rc = check_file(db, path, in_folder, &fst)) != 0)
		return rc;
	rc = open_ro(db, path, in_folder ? SQLITE_OPEN_NOFOLLOW : 0, &src);
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

/* Copy the open, checked backup src (read from path) into db's live main database. */
static int restore_from(strata_db *db, sqlite3 *src, const char *path)
{
	int rc = copy_db(db, drv_sqlite_handle(db->conn), src, "restore", path);

	/* The schema may be another: what the handle knew is stale. */
	db->tracking_ready = 0;
	return rc;
}

/* Copy the backup at path (one strata took in this run) into db. */
static int restore_file(strata_db *db, const char *path)
{
	sqlite3 *src = NULL;
	int rc;

	if ((rc = open_backup(db, path, 1, &src)) != 0)
		return rc;
	rc = restore_from(db, src, path);
	sqlite3_close(src);
	return rc;
}

int strata_restore(strata_db *db, const char *name, char **undo_path)
{
	return strata_restore_from(db, name, NULL, undo_path);
}

int strata_restore_from(strata_db *db, const char *name, char **from_path, char **undo_path)
{
	struct bk_place p;
	struct stat fst, dst;
	char *from = NULL, *undo = NULL;
	sqlite3 *src = NULL;
	int rc, in_memory, in_folder = 1, lockfd = -1;

	if (undo_path)
		*undo_path = NULL;
	if (from_path)
		*from_path = NULL;
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
	if ((rc = ensure_folder(db, &p)) != 0)
		goto out;
	/* Choose the file and open it under the folder lock: a prune of
	 * another run waits, and once open (its read transaction held) the
	 * file is ours to read whole even if it is deleted afterwards. */
	if ((rc = folder_lock(db, &p, &lockfd)) != 0)
		goto out;
	if ((rc = resolve(db, &p, name, &from, &in_folder)) != 0)
		goto out;
	if ((rc = check_file(db, from, in_folder, &fst)) != 0)
		goto out;
	if (stat(p.db_path, &dst) == 0 && dst.st_dev == fst.st_dev && dst.st_ino == fst.st_ino) {
		rc = db_error(db, STRATA_EUSAGE, "cannot restore '%s' onto itself: it is the database",
		              from);
		goto out;
	}
	/* Refuse a bad backup before taking the undo backup or changing anything. */
	if ((rc = open_backup(db, from, in_folder, &src)) != 0)
		goto out;
	folder_unlock(lockfd);
	lockfd = -1;
	/* The current state first, so that the restore itself can be undone. */
	sweep_stale(&p);
	if ((rc = write_backup(db, &p, NULL, &undo)) != 0)
		goto out;
	prune(db, &p, db->keep_backups, undo, from);
	if ((rc = restore_from(db, src, from)) != 0) {
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
	if (from_path) {
		*from_path = from;
		from = NULL;
	}
out:
	folder_unlock(lockfd);
	if (src)
		sqlite3_close(src);
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
