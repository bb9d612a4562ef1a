/*
 * fileio.h: reading and writing whole files (util.c), shared by the library
 * and the program (dump files): one place decides how a file is replaced.
 */
#ifndef STRATA_FILEIO_H
#define STRATA_FILEIO_H

#include <stddef.h>
#include "sbuf.h"

/* The largest file util_read_file() reads: a schema, migration or .env
 * file this size is some other file (docs/security.md). */
#define UTIL_READ_MAX ((size_t)64 << 20)
/* Read a whole regular file into sb (appending), without blocking on a FIFO
 * or reading a device. Returns 0, STRATA_ENOTFOUND, STRATA_ENOMEM,
 * STRATA_EPARSE (not a regular file: errno EINVAL or EISDIR; over
 * UTIL_READ_MAX: EFBIG) or STRATA_EIO; errno kept. */
int util_read_file(const char *path, struct sbuf *sb);
/* strerror() that names util_read_file()'s own reasons in a user's words. */
const char *util_file_strerror(int err);
/* Write data to path atomically (temporary file + rename): a new file gets
 * the umask's mode, a replaced one no more than its old mode. A symlink
 * stays a symlink: its regular target is replaced atomically. A FIFO or a
 * character device is written into (a FIFO no process reads: ENXIO at once,
 * never a hang). A directory (EISDIR), a block device or socket (EINVAL)
 * and a link to nothing (ENOLINK) are refused. STRATA_EFULL on a full disk,
 * else STRATA_EIO with errno kept. */
int util_write_file(const char *path, const char *data, size_t len);
/* The same for a file that must not exist yet: EEXIST (STRATA_EIO) if it does. */
int util_create_file(const char *path, const char *data, size_t len);
/* Write all len bytes of data to fd, through short writes and EINTR.
 * 0, or -1 with errno set (never a stale one: no progress is EIO). */
int util_write_all(int fd, const void *data, size_t len);
#endif
